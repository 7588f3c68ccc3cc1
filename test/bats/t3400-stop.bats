#!/usr/bin/env bats
# cell stop: through the stem, or by the pid file with the stem down.
load helpers
load runtime

teardown() {
	[ -f "$CELL_HOME/stem.pid" ] && track_pid "$(cat "$CELL_HOME/stem.pid")"
	cell_teardown
}

@test "stop ends the cell, removes socket and pid file" {
	put_cell echo
	cell germinate echo
	pid=$(pid_of echo)
	run cell stop echo
	assert_success
	assert_output "echo stopped"
	! kill -0 "$pid" 2>/dev/null
	[ ! -e "$CELL_HOME/run/echo.sock" ]
	[ ! -e "$CELL_HOME/run/echo.pid" ]
	run cell ps
	assert_line --index 1 --regexp '^echo +- +stopped '
}

@test "stop drains a request in flight" {
	put_cell slow '' -DSLOW_MS=700
	cell germinate slow
	timeout 10 cell call slow inflight >"$BATS_TEST_TMPDIR/reply" &
	caller=$!
	wait_for grep -q 'got 8 bytes' "$CELL_HOME/logs/slow.log"
	run cell stop slow
	assert_output "slow stopped"
	wait "$caller"
	run cat "$BATS_TEST_TMPDIR/reply"
	assert_output "echo:inflight"
}

# stubborn NAME MAIN-BODY: a cell without libcell that never exits by
# itself; MAIN-BODY runs first (installs a handler, or not).
stubborn() {
	cat >"$BATS_TEST_TMPDIR/$1.c" <<C
#include <signal.h>
#include <unistd.h>
static void on_term(int sig) { (void)sig; }
int main(void) { (void)on_term; $2 for (;;) pause(); }
C
	cc -o "$BATS_TEST_TMPDIR/$1" "$BATS_TEST_TMPDIR/$1.c"
	"$CELL_TEST" dna-put "$1" "$BATS_TEST_TMPDIR/$1" >/dev/null
}

# stopped_at_once NAME: the stem stops NAME without waiting for the grace.
# A stop takes the grace only if SIGTERM is sent first: a grace of a
# minute under a timeout of 20 s fails it by timeout.
stopped_at_once() {
	CELL_STEM_GRACE_MS=60000 start_stem
	cell germinate "$1"
	pid=$(pid_of "$1")
	run timeout 20 cell stop "$1"
	assert_output "$1 stopped"
	! kill -0 "$pid" 2>/dev/null
	grep -q "stopping cell '$1' pid $pid: SIGKILL (it does not handle SIGTERM)" \
		"$CELL_HOME/logs/stem.log"
}

@test "a cell that does not catch SIGTERM is stopped at once" {
	stubborn stubborn ''
	stopped_at_once stubborn
}

@test "a cell ignoring SIGTERM is stopped at once" {
	stubborn deaf 'signal(SIGTERM, SIG_IGN);'
	stopped_at_once deaf
}

@test "a cell catching SIGTERM without exiting is killed after the grace period" {
	stubborn catcher 'signal(SIGTERM, on_term);'
	CELL_STEM_GRACE_MS=100 start_stem
	cell germinate catcher
	pid=$(pid_of catcher)
	# The handler is installed by the time /proc shows it.
	wait_for grep -q '^SigCgt:.*[1-9a-f]' "/proc/$pid/status"
	run timeout 10 cell stop catcher
	assert_output "catcher stopped"
	! kill -0 "$pid" 2>/dev/null
	grep -q "cell 'catcher' did not stop in time: SIGKILL" "$CELL_HOME/logs/stem.log"
	! grep -q "does not handle SIGTERM" "$CELL_HOME/logs/stem.log"
}

# without_stem NAME: NAME runs (pid in $pid), its stem was killed.
without_stem() {
	start_stem
	cell germinate "$1"
	pid=$(pid_of "$1")
	stem=$(cat "$CELL_HOME/stem.pid")
	kill -9 "$stem"
	wait_gone "$stem"
}

@test "with the stem down, a cell that does not catch SIGTERM is stopped at once" {
	stubborn stubborn ''
	without_stem stubborn
	CELL_STEM_GRACE_MS=60000 run timeout 20 cell stop stubborn
	assert_output "stubborn stopped"
	wait_gone "$pid"
	run state_of stubborn
	assert_output stopped
}

@test "with the stem down, a cell catching SIGTERM without exiting is killed after the grace" {
	stubborn catcher 'signal(SIGTERM, on_term);'
	without_stem catcher
	wait_for grep -q '^SigCgt:.*[1-9a-f]' "/proc/$pid/status"
	CELL_STEM_GRACE_MS=100 run timeout 10 cell stop catcher
	assert_output "catcher stopped"
	wait_gone "$pid"
}

@test "stop --all stops every cell" {
	put_cell echo
	put_cell other '' -DSLOW_MS=1
	cell germinate echo other
	run cell stop --all
	assert_success
	assert_output "$(printf 'echo stopped\nother stopped')"
	[ ! -e "$CELL_HOME/run/echo.pid" ]
	[ ! -e "$CELL_HOME/run/other.pid" ]
}

@test "stop with the stem down signals the cell by its pid file" {
	put_cell echo
	cell germinate echo
	pid=$(pid_of echo)
	stem=$(cat "$CELL_HOME/stem.pid")
	kill -9 "$stem"
	wait_gone "$stem"
	run cell stop echo
	assert_success
	assert_output "echo stopped"
	wait_gone "$pid"
	[ ! -e "$CELL_HOME/run/echo.pid" ]
	[ ! -e "$CELL_HOME/stem.pid" ] || ! kill -0 "$stem" 2>/dev/null
	run state_of echo
	assert_output stopped
}

@test "stop of a cell that does not run is not an error" {
	start_stem
	run cell stop ghost
	assert_success
	assert_output "ghost stopped"
}

@test "stop with the stem down of a cell without a process is not an error" {
	mkdir -p "$CELL_HOME/run"
	printf '{"name":"echo","state":"backoff","pid":0,"restarts":3,"since":1,"hash":"","starttime":0}' \
		>"$CELL_HOME/run/echo.json"
	run cell stop echo
	assert_success
	assert_output "echo stopped"
	run state_of echo
	assert_output stopped
}

@test "stop shows the reason of a stem refusing with an ERROR frame" {
	"$CELL_TEST" refusing-stem "stem exploded" 3>&- &
	track_pid $!
	wait_for test -S "$CELL_HOME/stem.sock"
	run cell stop echo
	assert_failure 1
	assert_output "cell: cannot stop 'echo': stem exploded"
}

@test "stop needs NAME or --all, not both" {
	run cell stop
	assert_failure 2
	run cell stop --all echo
	assert_failure 2
}
