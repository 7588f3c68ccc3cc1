#!/usr/bin/env bats
# A cell's cgroups outlive a stem killed with SIGKILL: run/NAME.json
# records them, so the next stem removes them when the cell exits
# (adopted) or at once (the cell died too).
load helpers
load runtime

teardown() {
	[ -f "$CELL_HOME/stem.pid" ] && track_pid "$(cat "$CELL_HOME/stem.pid")"
	cell_teardown
	# A failed test must not leave cgroups on the host: only those this
	# test's cell had, each checked to be a cell group.
	local d
	for d in $(cat "$BATS_TEST_TMPDIR/cgroups" 2>/dev/null); do
		case $d in */cell-limited-????????) rmdir "$d" 2>/dev/null ;; esac
	done
	true
}

# limited_cell: a running cell with memory, pids and cpu limits, its
# cgroup dirs (from run/limited.json) in $BATS_TEST_TMPDIR/cgroups.
limited_cell() {
	put_cell limited '{"name":"limited","version":"1","restart":"no","limits":{"memory":"32M","pids":16,"cpu":0.5}}'
	start_stem
	cell germinate limited
	pid=$(pid_of limited)
	wait_for jq -e .cgroups "$CELL_HOME/run/limited.json"
	jq -r '.cgroups[]' "$CELL_HOME/run/limited.json" >"$BATS_TEST_TMPDIR/cgroups"
	[ -s "$BATS_TEST_TMPDIR/cgroups" ] ||
		skip "this host gives the cell no cgroup (limits by rlimit)"
	# The cell is in each recorded group.
	for d in $(cat "$BATS_TEST_TMPDIR/cgroups"); do
		grep -qx "$pid" "$d/cgroup.procs"
	done
}

cgroups_gone() {
	local d
	for d in $(cat "$BATS_TEST_TMPDIR/cgroups"); do
		[ ! -e "$d" ] || return 1
	done
}

@test "run/NAME.json records the cell's cgroups, under the stem's own" {
	limited_cell
	run jq -r '.cgroups | keys[]' "$CELL_HOME/run/limited.json"
	assert_success
	for d in $(cat "$BATS_TEST_TMPDIR/cgroups"); do
		[[ ${d##*/} =~ ^cell-limited-[0-9a-f]{8}$ ]]
	done
	cell stop limited
	cgroups_gone
	run jq -r '.cgroups' "$CELL_HOME/run/limited.json"
	assert_output null
}

@test "a stem adopting a cell removes its cgroups when it stops" {
	limited_cell
	stem=$(cat "$CELL_HOME/stem.pid")
	kill -9 "$stem"
	wait_gone "$stem"
	start_stem
	grep -q "adopted cell 'limited' pid $pid" "$CELL_HOME/logs/stem.log"
	kill -0 "$pid"
	run cell stop limited
	assert_output "limited stopped"
	wait_gone "$pid"
	cgroups_gone
}

@test "a stem started after its cells died removes their cgroups" {
	limited_cell
	stem=$(cat "$CELL_HOME/stem.pid")
	kill -9 "$stem" "$pid"
	wait_gone "$stem"
	wait_gone "$pid"
	! cgroups_gone
	start_stem
	cgroups_gone
	run jq -r '.cgroups' "$CELL_HOME/run/limited.json"
	assert_output null
}

@test "a recorded cgroup outside the stem's own is not touched" {
	limited_cell
	stem=$(cat "$CELL_HOME/stem.pid")
	kill -9 "$stem" "$pid"
	wait_gone "$stem"
	wait_gone "$pid"
	# A directory of the same shape, elsewhere: a forged record.
	mkdir -p "$BATS_TEST_TMPDIR/forged/cell-limited-0badc0de"
	jq -c --arg d "$BATS_TEST_TMPDIR/forged/cell-limited-0badc0de" \
		'.cgroups = {"memory": $d}' "$CELL_HOME/run/limited.json" \
		>"$BATS_TEST_TMPDIR/forged.json"
	mv "$BATS_TEST_TMPDIR/forged.json" "$CELL_HOME/run/limited.json"
	start_stem
	[ -d "$BATS_TEST_TMPDIR/forged/cell-limited-0badc0de" ]
	grep -q "cell 'limited': ignoring cgroups recorded outside this stem's own" \
		"$CELL_HOME/logs/stem.log"
}

@test "an adopted cell keeps its confinement and limits in ps" {
	limited_cell
	sel='.[] | select(.name == "limited") | [.confinement, .uid, .limits]'
	before=$(cell ps --json | jq -c "$sel")
	stem=$(cat "$CELL_HOME/stem.pid")
	kill -9 "$stem"
	wait_gone "$stem"
	start_stem
	grep -q "adopted cell 'limited' pid $pid" "$CELL_HOME/logs/stem.log"
	run bash -c "cell ps --json | jq -c '$sel'"
	assert_output "$before"
	run jq -c '.limits.memory.by' "$CELL_HOME/run/limited.json"
	refute_output '"-"'
	cell stop limited
	cgroups_gone
}
