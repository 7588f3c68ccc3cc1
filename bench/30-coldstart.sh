#!/bin/sh
# 30-coldstart.sh - cold start: cell_connect() on a cell that is not
# running, through germination by the stem, to the first reply, for a
# cell in the default sandbox and for the same cell with "sandbox": false;
# beside fork + exec of /bin/true measured in the same run (target: <= 3x
# unsandboxed; the sandbox should add under 10 ms). Also the stem's
# resident memory while idle.
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
# Meta is per hash: the unconfined twin needs bytes of its own. A byte
# after the ELF's end changes the hash, not the program.
cp "$tmp/echo" "$tmp/open"
printf '\0' >>"$tmp/open"
build/rel/cell-test dna-put open "$tmp/open" \
	--manifest '{"name":"open","version":"1","sandbox":false}' >/dev/null
export CELL_STEM="$PWD/bin/cell-stem"
bin/cell-stem --daemon --allow-unconfined

set -- $("$tmp/coldstart" "$N" echo open)
cold=$1 open=$2 base=$3
ratio=$(awk -v c="$cold" -v b="$base" 'BEGIN { printf "%.2f", c / b }')
oratio=$(awk -v c="$open" -v b="$base" 'BEGIN { printf "%.2f", c / b }')
cost=$(awk -v c="$cold" -v o="$open" 'BEGIN { printf "%.2f", (c - o) / 1000 }')
echo "cold start (connect -> germinate -> first reply), medians of $N, interleaved:"
echo "  sandboxed (default):             ${cold} us  (${ratio}x fork+exec)"
echo "  \"sandbox\": false:                ${open} us  (${oratio}x fork+exec, target <= 3x)"
echo "  baseline fork+exec of /bin/true: ${base} us"
echo "the sandbox adds ${cost} ms per cold start (target: under 10 ms)"
pid=$(cat "$CELL_HOME/stem.pid")
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
echo "stem idle RSS: ${rss} KiB"
