# sandbox.bash - helpers for the sandbox's bats tests (t7xxx): a hostile
# cell built by `cell build` from test/sandbox/probe.c with a custom build
# command (a static binary that speaks the frame protocol on fd 3 itself,
# no libcell), beside the example cells echo, brain and retina.

# hostile_cell DIR JSON-EXTRA: a cell directory named after DIR's last
# component whose cell.json adds JSON-EXTRA (',"limits":{...}' or "").
# The name is compiled in: DNA meta is per hash, so cells with identical
# bytes would share one manifest (the stem refuses that, see t7000).
hostile_cell() {
	local dir=$1 extra=${2:-}
	mkdir -p "$dir"
	cp "$REPO/test/sandbox/probe.c" "$dir/"
	printf '{"name":"%s","version":"1","restart":"no","build":"cc -static -O2 -DPROBE_CELL=%s -o probe probe.c","artifact":"probe"%s}\n' \
		"${dir##*/}" "${dir##*/}" "$extra" >"$dir/cell.json"
}

# sandbox_setup: a workspace with the hostile cells and the examples,
# built once per file; each test gets a copy of the store in its own
# $CELL_HOME.
sandbox_setup_file() {
	local home=$BATS_FILE_TMPDIR/home ws=$BATS_FILE_TMPDIR/ws
	export HOME="$BATS_FILE_TMPDIR/userhome"
	mkdir -p "$HOME" "$ws"
	printf '[user]\n\tname = Test\n\temail = test@example.invalid\n' >"$HOME/.gitconfig"
	cd "$ws" || return 1
	git init -q .
	for c in brain echo retina; do
		mkdir -p "cells/$c"
		cp -r "$REPO/cells/$c/." "cells/$c/"
	done
	hostile_cell cells/hostile \
		',"limits":{"memory":"32M","pids":16,"nofile":64}'
	hostile_cell cells/hostnet ',"sandbox":{"net":"host"}'
	hostile_cell cells/unconfined ',"sandbox":false'
	hostile_cell cells/badpath ',"sandbox":{"read_only":["/nonexistent-cell-path"]}'
	# Twins: the same bytes (no name compiled in), different manifests.
	for c in twin1 twin2; do
		mkdir -p "cells/$c"
		cp "$REPO/test/sandbox/probe.c" "cells/$c/"
	done
	printf '{"name":"twin1","version":"1","build":"cc -static -O2 -o probe probe.c","artifact":"probe","limits":{"pids":16}}\n' >cells/twin1/cell.json
	printf '{"name":"twin2","version":"1","build":"cc -static -O2 -o probe probe.c","artifact":"probe","sandbox":false}\n' >cells/twin2/cell.json
	CELL_HOME=$home cell build >"$BATS_FILE_TMPDIR/build.log" 2>&1 ||
		{ cat "$BATS_FILE_TMPDIR/build.log" >&3; return 1; }
}

sandbox_setup() {
	cell_setup
	# The probe, pid 1 without a SIGTERM handler, is stopped by SIGKILL
	# at once; a libcell cell that hangs would wait out the grace: keep
	# teardown short.
	export CELL_STEM_GRACE_MS=200
	mkdir -p "$CELL_HOME"
	cp -a "$BATS_FILE_TMPDIR/home/dna" "$CELL_HOME/"
}

# A stem stopped by SIGTERM stops its cells and removes their cgroups;
# the SIGKILL of cell_teardown would leave the cgroup directories.
sandbox_teardown() {
	local pid i
	if [ -f "$CELL_HOME/stem.pid" ]; then
		pid=$(cat "$CELL_HOME/stem.pid")
		track_pid "$pid"
		if kill -TERM "$pid" 2>/dev/null; then
			for i in $(seq 100); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.05
			done
		fi
	fi
	cell_teardown
}

# probe NAME REQUEST: one call to a hostile cell, never a hang.
probe() {
	timeout 10 cell call "$@"
}

# stem_healthy: the stem still answers, and ordinary cells still work.
stem_healthy() {
	run cell ps
	assert_success
	run timeout 10 cell call echo hi
	assert_success
	assert_output 'hi'
	run timeout 10 cell call brain hello
	assert_success
	assert_output 'brain: retina saw "HELLO (5 bytes, checksum 0x214)"'
}

# tcp_listener: a TCP listener on 127.0.0.1 at a random port, tracked;
# prints the port once it listens.
tcp_listener() {
	local fifo=$BATS_TEST_TMPDIR/port
	mkfifo "$fifo"
	python3 -c '
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
print(s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept()
    c.close()
' >"$fifo" 3>&- &
	track_pid $!
	head -n1 "$fifo"
}
