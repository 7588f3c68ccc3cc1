#!/usr/bin/env bats
load helpers

@test "cell --version prints the version" {
	run cell --version
	assert_success
	assert_output --regexp '^cell version [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "cell --help lists the commands and exits 0" {
	run cell --help
	assert_success
	assert_line --index 0 'usage: cell [--version] [--help] COMMAND [ARGS...]'
	assert_output --partial 'build'
	assert_output --partial 'mitosis'
}

@test "cell with no arguments prints usage to stderr and exits 2" {
	run --separate-stderr cell
	assert_failure 2
	assert_output ''
	[[ "$stderr" == usage:* ]]
}

@test "an unknown command is a usage error with a hint" {
	run --separate-stderr cell frobnicate
	assert_failure 2
	[ "$stderr" = "cell: 'frobnicate' is not a cell command
hint: see 'cell --help' for the list of commands" ]
}

@test "an unknown global option is a usage error" {
	run --separate-stderr cell --frob
	assert_failure 2
	[[ "$stderr" == "cell: unknown option '--frob'"* ]]
}

@test "an unknown command option names the option and exits 2" {
	run --separate-stderr cell build --frob
	assert_failure 2
	[ "$stderr" = "cell: unknown option '--frob'
hint: see 'cell build --help'" ]
}

@test "cell help CMD prints that command's usage" {
	run cell help build
	assert_success
	assert_line --index 0 --regexp '^usage: cell build'
}

@test "cell help of an unknown command exits 2" {
	run cell help frobnicate
	assert_failure 2
}
