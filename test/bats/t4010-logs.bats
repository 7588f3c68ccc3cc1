#!/usr/bin/env bats
# cell logs: what cells print, timestamped by the logger, rotated by size.
load helpers
load runtime

@test "a cell's output lands in logs/NAME.log with a timestamp" {
	put_cell echo
	start_stem
	run cell call echo hello
	assert_output "echo:hello"
	wait_for grep -q 'got 5 bytes' "$CELL_HOME/logs/echo.log"
	run cell logs echo
	assert_success
	assert_output --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z got 5 bytes$'
}

@test "logs -n prints the last N lines" {
	put_cell chatty '' -DPRINT_LINES=30
	start_stem
	cell call chatty x >/dev/null
	wait_for grep -q 'line 29 ' "$CELL_HOME/logs/chatty.log"
	run bash -c "cell logs -n 3 chatty | cut -d' ' -f2-"
	assert_output "$(printf 'line %d of a request of 1 bytes\n' 27 28 29)"
	run bash -c "cell logs chatty | wc -l"
	assert_output 10
}

@test "the logger rotates NAME.log to NAME.log.1 by size" {
	put_cell chatty '' -DPRINT_LINES=40
	CELL_LOG_MAX=1000 start_stem
	cell call chatty x >/dev/null
	wait_for grep -q 'line 39 ' "$CELL_HOME/logs/chatty.log"
	[ -f "$CELL_HOME/logs/chatty.log.1" ]
	run stat -c %s "$CELL_HOME/logs/chatty.log"
	[ "$output" -le 1000 ]
	run bash -c "cat '$CELL_HOME/logs/chatty.log.1' '$CELL_HOME/logs/chatty.log' | tail -n 1 | cut -d' ' -f2-"
	assert_output "line 39 of a request of 1 bytes"
}

@test "logs -f follows appended lines across a rotation" {
	put_cell chatty '' -DPRINT_LINES=20
	CELL_LOG_MAX=1500 start_stem
	cell call chatty a >/dev/null
	wait_for grep -q 'line 19 ' "$CELL_HOME/logs/chatty.log"
	cell logs -f -n 0 chatty >"$BATS_TEST_TMPDIR/follow" 3>&- &
	follower=$!
	track_pid "$follower"
	# Ready once its inotify watch exists; what comes after is followed.
	wait_for bash -c "ls -l /proc/$follower/fd | grep -q inotify"
	cell call chatty bb >/dev/null
	cell call chatty ccc >/dev/null
	wait_for grep -q 'line 19 of a request of 3 bytes' "$BATS_TEST_TMPDIR/follow"
	kill "$follower"
	run bash -c "cut -d' ' -f2- '$BATS_TEST_TMPDIR/follow'"
	assert_output "$( (printf 'line %d of a request of 2 bytes\n' $(seq 0 19); printf 'line %d of a request of 3 bytes\n' $(seq 0 19)) )"
}

@test "logs -n of a file larger than the tail window prints its last lines" {
	mkdir -p "$CELL_HOME/logs"
	seq 1 1000000 >"$CELL_HOME/logs/big.log"
	run cell logs -n 2 big
	assert_success
	assert_output "$(printf '999999\n1000000')"
}

@test "logs -f skips no line of a file growing while its tail is read" {
	mkdir -p "$CELL_HOME/logs"
	log="$CELL_HOME/logs/big.log"
	seq 1 700000 >"$log"
	seq 700001 1500000 >>"$log" &
	writer=$!
	track_pid "$writer"
	cell logs -f -n 1 big >"$BATS_TEST_TMPDIR/follow" 3>&- &
	follower=$!
	track_pid "$follower"
	wait "$writer"
	wait_for grep -qx 1500000 "$BATS_TEST_TMPDIR/follow"
	kill "$follower"
	run awk 'NR > 1 && $1 != prev + 1 { print "gap after " prev; exit }
		{ prev = $1 }' "$BATS_TEST_TMPDIR/follow"
	assert_output ""
}

@test "logs of a cell that never ran fails with the path" {
	run cell logs ghost
	assert_failure 1
	assert_output "cell: cannot open '$CELL_HOME/logs/ghost.log': No such file or directory"
}

@test "logs refuses an invalid name" {
	run cell logs ../x
	assert_failure 1
	assert_output --partial "invalid cell name '../x'"
}

# logger_of: the stem's children that are its own program: the loggers.
loggers() {
	local stem c
	stem=$(cat "$CELL_HOME/stem.pid")
	for c in $(cat /proc/"$stem"/task/*/children); do
		[ "$(readlink "/proc/$c/exe")" = "$(readlink "/proc/$stem/exe")" ] &&
			echo "$c"
	done
	return 0
}

@test "a cell whose logger is killed keeps its process and its log" {
	put_cell echo
	start_stem
	run cell call echo one
	assert_output "echo:one"
	wait_for grep -q 'got 3 bytes' "$CELL_HOME/logs/echo.log"
	pid=$(pid_of echo)
	logger=$(loggers)
	[ -n "$logger" ]
	kill -9 "$logger"
	wait_for grep -q "cell 'echo': its logger exited; starting another" "$CELL_HOME/logs/stem.log"
	run cell call echo hello!
	assert_output "echo:hello!"
	run cell call echo twelve-bytes
	assert_output "echo:twelve-bytes"
	wait_for grep -q 'got 12 bytes' "$CELL_HOME/logs/echo.log"
	run grep -c 'got 6 bytes' "$CELL_HOME/logs/echo.log"
	assert_output 1
	[ "$(pid_of echo)" = "$pid" ]
	run loggers
	refute_output "$logger"
	[ -n "$output" ]
}
