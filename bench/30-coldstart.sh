#!/bin/sh
# 30-coldstart.sh - cold start: cell_connect() on a cell that is not
# running, through germination by the stem, to the first reply; beside
# fork + exec of /bin/true measured in the same run (target: <= 3x).
# Also the stem's resident memory while idle.
set -eu
cd "$(dirname "$0")/.."
N=${N:-200}
tmp=$(mktemp -d)
export CELL_HOME="$tmp/home"
cleanup() {
	pid=$(cat "$CELL_HOME/stem.pid" 2>/dev/null || true)
	if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
		# It stops its cells and writes their state before it exits.
		while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

cc -O2 -Iinclude -Isdk -o "$tmp/echo" test/bats/cells/testcell.c lib/libcell.a
cc -O2 -Iinclude -Isdk -o "$tmp/coldstart" bench/coldstart.c lib/libcell.a \
	$(pkg-config --libs libcjson)
build/rel/cell-test dna-put echo "$tmp/echo" >/dev/null
export CELL_STEM="$PWD/bin/cell-stem"

set -- $("$tmp/coldstart" echo "$N")
cold=$1 base=$2
ratio=$(awk -v c="$cold" -v b="$base" 'BEGIN { printf "%.2f", c / b }')
echo "cold start (connect -> germinate -> first reply), median of $N: ${cold} us"
echo "baseline fork+exec of /bin/true, median of $N:                  ${base} us"
echo "ratio: ${ratio}x (target <= 3x)"
pid=$(cat "$CELL_HOME/stem.pid")
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
echo "stem idle RSS: ${rss} KiB"
