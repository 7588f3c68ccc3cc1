#!/bin/sh
# run.sh - the test suite: lint, unit tests (arguments: their binaries),
# then bats. Every part speaks TAP; the last line is "N passed, N failed"
# (CI reads it). Exits non-zero if anything failed.
set -u
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
broken=0

sh test/lint.sh | tee -a "$log"

for t in "$@"; do
	"$t" >>"$log.one" 2>&1
	rc=$?
	cat "$log.one"; cat "$log.one" >>"$log"
	# A crash (sanitizer abort) may leave no "not ok" line: count it.
	if [ $rc -ne 0 ] && ! grep -q '^not ok' "$log.one"; then
		echo "not ok - $t exited with status $rc" | tee -a "$log"
	fi
	rm -f "$log.one"
done

jobs=""
command -v parallel >/dev/null 2>&1 && jobs="--jobs ${BATS_JOBS:-2}"
# shellcheck disable=SC2086
bats --tap $jobs test/bats | tee -a "$log.bats"
rc=$?
cat "$log.bats" >>"$log"
if [ $rc -ne 0 ] && ! grep -q '^not ok' "$log.bats"; then
	echo "not ok - bats exited with status $rc" | tee -a "$log"
fi
rm -f "$log.bats"

skipped=$(grep -c '^ok .*# skip' "$log")
passed=$(( $(grep -c '^ok ' "$log") - skipped ))
failed=$(grep -c '^not ok ' "$log")
[ "$failed" -eq 0 ] || broken=1
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
exit $broken
