#!/usr/bin/env bats
# Every command's --help usage matches the SYNOPSIS of its man page, and
# every command has a man page (git's t0450 in spirit).
load helpers

synopsis() {
	# SYNOPSIS of man page $1, as one line of single-spaced words.
	mandoc -Tascii "$1" | col -b |
		awk '/^SYNOPSIS/{f=1; next} /^[A-Z]/{f=0} f' |
		tr -s ' \n\t' '   ' | sed 's/^ //; s/ $//'
}

usage_of() {
	# Usage lines of `cell $1 --help` (before the first blank line).
	cell "$1" --help | awk '/^$/{exit} {print}' |
		sed 's/^usage: //; s/^ *or: //' |
		tr -s ' \n\t' '   ' | sed 's/^ //; s/ $//'
}

@test "every command has a man page whose SYNOPSIS matches its --help" {
	local cmds cmd
	cmds=$(cell --help | awk '/^commands:/{f=1; next} /^$/{f=0} f {print $1}')
	[ -n "$cmds" ]
	for cmd in $cmds; do
		[ -f "$REPO/man/cell-$cmd.1" ] || fail "no man page man/cell-$cmd.1"
		diff -u <(synopsis "$REPO/man/cell-$cmd.1") <(usage_of "$cmd") ||
			fail "cell $cmd: usage and man page SYNOPSIS differ"
	done
}

@test "every command exits 0 on --help and prints to stdout" {
	local cmd
	for cmd in $(cell --help | awk '/^commands:/{f=1; next} /^$/{f=0} f {print $1}'); do
		run --separate-stderr cell "$cmd" --help
		assert_success
		[ -z "$stderr" ] || fail "cell $cmd --help wrote to stderr"
		[[ "$output" == usage:* ]] || fail "cell $cmd --help: no usage line"
	done
}
