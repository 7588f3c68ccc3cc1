#!/usr/bin/env bats
# A cell calling another by name: brain asks retina, which the stem
# germinates on demand, from cells built with `cell build`.
load helpers
load runtime

teardown() {
	[ -f "$CELL_HOME/stem.pid" ] && track_pid "$(cat "$CELL_HOME/stem.pid")"
	cell_teardown
}

@test "brain calls retina by name; both are germinated on demand" {
	workspace_with brain retina
	run cell build
	assert_success
	run timeout 10 cell call brain hello
	assert_success
	assert_output 'brain: retina saw "HELLO (5 bytes, checksum 0x214)"'
	kill -0 "$(pid_of brain)"
	kill -0 "$(pid_of retina)"
}

@test "brain answers with an error when retina has no DNA" {
	workspace_with brain
	cell build
	run timeout 10 cell call brain hello
	assert_failure 1
	assert_output --partial "no DNA for 'retina'; run cell build"
	kill -0 "$(pid_of brain)"
}
