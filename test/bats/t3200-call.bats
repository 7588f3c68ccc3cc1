#!/usr/bin/env bats
# cell call: germinates on demand (and the stem), one request, one reply.
load helpers
load runtime

teardown() {
	[ -f "$CELL_HOME/stem.pid" ] && track_pid "$(cat "$CELL_HOME/stem.pid")"
	cell_teardown
}

@test "a cold call starts the stem and the cell and prints the reply" {
	put_cell echo
	[ ! -e "$CELL_HOME/stem.sock" ]
	run timeout 10 cell call echo hello
	assert_success
	assert_output "echo:hello"
	kill -0 "$(pid_of echo)"
	kill -0 "$(cat "$CELL_HOME/stem.pid")"
}

@test "call sends standard input with -" {
	put_cell echo
	run timeout 10 bash -c "printf 'from stdin' | cell call echo -"
	assert_success
	assert_output "echo:from stdin"
}

@test "call without DATA sends an empty request" {
	put_cell echo
	run timeout 10 cell call echo
	assert_output "echo:"
}

@test "two concurrent cold calls make one process" {
	put_cell echo
	timeout 10 cell call echo one >"$BATS_TEST_TMPDIR/one" &
	timeout 10 cell call echo two >"$BATS_TEST_TMPDIR/two" &
	wait
	run cat "$BATS_TEST_TMPDIR/one" "$BATS_TEST_TMPDIR/two"
	assert_output "echo:oneecho:two"
	run grep -c "cell 'echo' started pid" "$CELL_HOME/logs/stem.log"
	assert_output 1
}

@test "a call to a name without DNA fails with a hint" {
	run timeout 10 cell call ghost hi
	assert_failure 1
	assert_output "cell: cannot reach 'ghost': no DNA for 'ghost'; run cell build"
}

@test "a call to an invalid name fails before touching anything" {
	run cell call 'Bad/Name' hi
	assert_failure 1
	assert_output --partial "invalid cell name 'Bad/Name'"
	[ ! -e "$CELL_HOME/stem.sock" ]
}

@test "a cell that cannot be executed: the call fails with the cause, no hang" {
	printf 'not a program\n' >"$BATS_TEST_TMPDIR/bad"
	chmod +x "$BATS_TEST_TMPDIR/bad"
	"$CELL_TEST" dna-put bad "$BATS_TEST_TMPDIR/bad" >/dev/null
	run timeout 10 cell call bad hi
	assert_failure 1
	# The stem learns of the exec failure before it answers germinate
	# (sandbox_spawn waits for the exec), so connecting already fails.
	assert_output "cell: cannot reach 'bad': cell 'bad' failed to start: exec: Exec format error"
}

@test "a cell that crashes at start: the call fails naming the signal" {
	put_cell crash '{"name":"crash","version":"1","restart":"no"}' -DCRASH
	run timeout 10 cell call crash hi
	assert_failure 1
	assert_output "cell: cell 'crash' failed to start: killed by signal SEGV"
}

@test "call usage errors exit 2" {
	run cell call
	assert_failure 2
	run cell call a b c
	assert_failure 2
}
