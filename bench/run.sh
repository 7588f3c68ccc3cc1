#!/bin/sh
# run.sh - `make bench`: runs every bench/*.sh in name order. Each prints
# its figures beside a baseline measured in the same run.
set -u
cd "$(dirname "$0")/.."
status=0
for b in bench/[0-9]*.sh; do
	[ -e "$b" ] || continue
	echo "== $b"
	sh "$b" || status=1
done
exit $status
