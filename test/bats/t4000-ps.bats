#!/usr/bin/env bats
# cell ps: from run/*.json and /proc only, so it answers with the stem down.
load helpers
load runtime

@test "ps with nothing run prints the header only" {
	run cell ps
	assert_success
	assert_output --regexp '^NAME +PID +STATE +UPTIME +RESTARTS +DNA +RSS +CPU +SANDBOX$'
}

@test "ps shows a running cell with pid, state, restarts and short hash" {
	put_cell echo
	run cell germinate echo
	assert_success
	track_pid "$(cat "$CELL_HOME/stem.pid")"
	hash=$(cat "$CELL_HOME/dna/refs/echo")
	run cell ps
	assert_success
	assert_line --index 1 --regexp "^echo +$(pid_of echo) +running +[0-9]+s +0 +${hash:0:12} +[0-9.]+[KM] +[0-9.]+s +on$"
}

@test "ps --json gives the same as JSON" {
	put_cell echo
	cell germinate echo
	track_pid "$(cat "$CELL_HOME/stem.pid")"
	run bash -c "cell ps --json | jq -c '.[] | [.name, .pid, .state, .restarts, .hash, (.rss > 0)]'"
	assert_output "[\"echo\",$(pid_of echo),\"running\",0,\"$(cat "$CELL_HOME/dna/refs/echo")\",true]"
}

@test "ps answers with the stem down" {
	put_cell echo
	cell germinate echo
	pid=$(pid_of echo)
	stem=$(cat "$CELL_HOME/stem.pid")
	track_pid "$stem"
	kill -9 "$stem"
	wait_gone "$stem"
	run cell ps
	assert_success
	assert_line --index 1 --regexp "^echo +$pid +running "
}

@test "ps shows a cell whose process is gone as stopped" {
	put_cell echo
	cell germinate echo
	pid=$(pid_of echo)
	stem=$(cat "$CELL_HOME/stem.pid")
	track_pid "$stem"
	kill -9 "$stem" "$pid"
	wait_gone "$pid"
	run cell ps
	assert_line --index 1 --regexp "^echo +- +stopped +- +0 "
}

@test "ps shows failed and restarting cells" {
	put_cell flaky '{"name":"flaky","version":"1","restart":"no"}' -DEXIT_CODE=2
	put_cell slowfail '' -DEXIT_CODE=4 # other bytes, so its own meta
	CELL_STEM_BACKOFF_MS=600000 start_stem
	run cell germinate flaky slowfail
	wait_for state_is flaky failed
	wait_for state_is slowfail backoff
	run cell ps
	assert_line --index 1 --regexp '^flaky +- +failed +- +0 '
	assert_line --index 2 --regexp '^slowfail +- +restarting +- +0 '
}

@test "ps shows a cell with a damaged state file as unknown, with the reason" {
	mkdir -p "$CELL_HOME/run"
	echo 'garbage{' >"$CELL_HOME/run/broken.json"
	run cell ps
	assert_success
	assert_line --index 1 --regexp '^broken +- +unknown +- +0 '
	run cell ps --json
	assert_success
	[ "$(jq -r '.[0].state' <<<"$output")" = unknown ]
	[ "$(jq -r '.[0].cause' <<<"$output")" = "cannot read run/broken.json: malformed JSON" ]
}

@test "ps takes no arguments" {
	run cell ps echo
	assert_failure 2
}
