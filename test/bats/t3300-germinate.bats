#!/usr/bin/env bats
# cell germinate: start cells (or confirm they run), one line each.
load helpers
load runtime

teardown() {
	[ -f "$CELL_HOME/stem.pid" ] && track_pid "$(cat "$CELL_HOME/stem.pid")"
	cell_teardown
}

@test "germinate prints NAME pid N socket PATH for each cell" {
	put_cell echo
	put_cell other '' -DSLOW_MS=1
	run cell germinate echo other
	assert_success
	assert_output "$(printf 'echo pid %s socket %s\nother pid %s socket %s' \
		"$(pid_of echo)" "$CELL_HOME/run/echo.sock" \
		"$(pid_of other)" "$CELL_HOME/run/other.sock")"
}

@test "germinate of a running cell prints the same pid" {
	put_cell echo
	cell germinate echo
	pid=$(pid_of echo)
	run cell germinate echo
	assert_output "echo pid $pid socket $CELL_HOME/run/echo.sock"
}

@test "germinate without DNA fails and starts nothing" {
	put_cell echo
	run cell germinate ghost echo
	assert_failure 1
	assert_line --index 0 "cell: no DNA for 'ghost'; run cell build"
	assert_line --index 1 "echo pid $(pid_of echo) socket $CELL_HOME/run/echo.sock"
	[ ! -e "$CELL_HOME/run/ghost.sock" ]
}

@test "germinate of a corrupt object fails with the cause" {
	put_cell echo
	hash=$(cat "$CELL_HOME/dna/refs/echo")
	obj="$CELL_HOME/dna/objects/${hash:0:2}/${hash:2}"
	chmod u+w "$obj"
	printf 'x' >>"$obj"
	run cell germinate echo
	assert_failure 1
	assert_output "cell: cell 'echo' failed to start: DNA object $hash is corrupt"
}

@test "germinate shows the reason of a stem refusing with an ERROR frame" {
	"$CELL_TEST" refusing-stem "stem exploded" 3>&- &
	track_pid $!
	wait_for test -S "$CELL_HOME/stem.sock"
	run cell germinate echo
	assert_failure 1
	assert_output "cell: stem exploded"
}

@test "germinate needs a NAME" {
	run cell germinate
	assert_failure 2
}
