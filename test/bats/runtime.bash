# runtime.bash - helpers for the runtime's bats tests (t3xxx, t4xxx):
# test cells compiled from test/bats/cells/testcell.c and put into the
# test's own store, a stem started and waited for without polling.

CELLS_SRC="$REPO/test/bats/cells"
CELL_TEST="$REPO/build/rel/cell-test"

# compile_cell OUT [CFLAGS...]: a test cell binary linked with libcell.
compile_cell() {
	local out=$1
	shift
	cc -O1 -I"$REPO/include" "$@" -o "$out" "$CELLS_SRC/testcell.c" \
		"$REPO/lib/libcell.a"
}

# put_cell NAME [MANIFEST-JSON] [CFLAGS...]: compile and store a test
# cell under NAME; prints nothing, fails the test on error.
put_cell() {
	local name=$1 manifest=${2:-}
	shift
	[ $# -gt 0 ] && shift
	compile_cell "$BATS_TEST_TMPDIR/$name.bin" "$@"
	if [ -n "$manifest" ]; then
		"$CELL_TEST" dna-put "$name" "$BATS_TEST_TMPDIR/$name.bin" \
			--manifest "$manifest" >/dev/null
	else
		"$CELL_TEST" dna-put "$name" "$BATS_TEST_TMPDIR/$name.bin" >/dev/null
	fi
}

# rawclient PATH: sends stdin to the socket, prints the frames it gets.
rawclient() {
	if [ ! -x "$BATS_TEST_TMPDIR/rawclient" ]; then
		cc -O1 -o "$BATS_TEST_TMPDIR/rawclient" "$CELLS_SRC/rawclient.c"
	fi
	"$BATS_TEST_TMPDIR/rawclient" "$@"
}

# start_stem [ARGS...]: a daemon stem, returning once stem.sock listens
# (the --ready-fd byte), without polling. Its pid is in stem.pid.
start_stem() {
	local n
	n=$({ cell-stem --daemon --ready-fd 5 "$@" 5>&1 >/dev/null 2>&1 3>&-; } |
		head -c1 | wc -c)
	[ "$n" -eq 1 ] || fail "the stem did not start"
	track_pid "$(cat "$CELL_HOME/stem.pid")"
}

# pid_of NAME: the pid the stem recorded for a cell. The stem writes it
# just after answering, so a fast client may look before it is there.
pid_of() {
	wait_for test -s "$CELL_HOME/run/$1.pid"
	cat "$CELL_HOME/run/$1.pid"
}

# wait_gone PID: waits (up to 10 s) until the process has exited.
wait_gone() {
	local i
	for i in $(seq 200); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.05
	done
	fail "process $1 is still there"
}

# wait_for CMD...: retries a condition (up to 10 s), for events the test
# cannot wait on directly (a log line, a state on disk).
wait_for() {
	local i
	for i in $(seq 200); do
		"$@" && return 0
		sleep 0.05
	done
	fail "timed out waiting for: $*"
}

# state_of NAME: the stem's state for a cell, from run/NAME.json.
state_of() {
	jq -r .state "$CELL_HOME/run/$1.json"
}

# frame TYPE TEXT: the bytes of one frame (ASCII TEXT).
frame() {
	local t=$1 s=$2 n=${#2}
	printf "\\x$(printf %02x $((n >> 24 & 255)))\\x$(printf %02x $((n >> 16 & 255)))\\x$(printf %02x $((n >> 8 & 255)))\\x$(printf %02x $((n & 255)))\\x$(printf %02x "$t")"
	printf '%s' "$s"
}

# control JSON: one request to the stem, the reply printed as rawclient does.
control() {
	frame 0 "$1" | rawclient "$CELL_HOME/stem.sock"
}

# state_is NAME STATE: for wait_for, which must re-read the file each try.
state_is() {
	[ "$(state_of "$1")" = "$2" ]
}
