#!/usr/bin/env bats
# cell dna ls: one line per ref, --json for scripts.
load helpers
load dna_helpers
bats_require_minimum_version 1.5.0

@test "ls of an empty store prints nothing and exits 0" {
	run --separate-stderr cell dna ls
	assert_success
	assert_output ''
	[ -z "$stderr" ]
	[ ! -e "$CELL_HOME" ]
}

@test "ls prints name, short hash, size, built time and commit per ref, by name" {
	blob a 16589 a
	blob b 100 b
	ha=$(cell_test dna-put zeta a)
	hb=$(cell_test dna-put alpha b)
	[ "$ha" = "$(b2sum -l 256 a | cut -d' ' -f1)" ]
	run --separate-stderr cell dna ls
	assert_success
	expected=$(printf '%-16s %.12s %7s %-20s %s\n' \
		alpha "$hb" 100B "$(field_of "$hb" built)" - \
		zeta "$ha" 16.2K "$(field_of "$ha" built)" -)
	diff -u <(echo "$expected") <(echo "$output")
	[ -z "$stderr" ]
}

@test "ls shows the short source commit and +dirty" {
	blob a 10 a
	h=$(cell_test dna-put echo a)
	commit=0123456789abcdef0123456789abcdef01234567
	sed -i "s/\"commit\":[[:space:]]*null/\"commit\":\t\"$commit\"/; s/\"dirty\":[[:space:]]*false/\"dirty\":\ttrue/" \
		"$(meta_of "$h")"
	run cell dna ls
	assert_success
	assert_output "$(printf '%-16s %.12s %7s %-20s %s' echo "$h" 10B "$(field_of "$h" built)" 0123456+dirty)"
}

@test "ls --json prints every field in full" {
	blob a 2048 a
	h=$(cell_test dna-put echo a --manifest '{"name":"echo","version":"1.2.3"}')
	run --separate-stderr cell dna ls --json
	assert_success
	expected=$(printf '[{\n\t\t"name":\t"echo",\n\t\t"hash":\t"%s",\n\t\t"version":\t"1.2.3",\n\t\t"size":\t2048,\n\t\t"built":\t"%s",\n\t\t"commit":\tnull,\n\t\t"dirty":\tfalse\n\t}]' \
		"$h" "$(field_of "$h" built)")
	diff -u <(echo "$expected") <(echo "$output")
}

@test "ls --json of an empty store is an empty array" {
	run cell dna ls --json
	assert_success
	assert_output '[]'
}

@test "ls reports a corrupt ref, lists the others and exits 1" {
	blob a 10 a
	h=$(cell_test dna-put good a)
	cell_test dna-put bad a >/dev/null
	echo garbage >"$CELL_HOME/dna/refs/bad"
	run --separate-stderr cell dna ls
	assert_failure 1
	[ "$stderr" = "cell: ref 'bad' is corrupt: it does not hold a hash" ]
	assert_output "$(printf '%-16s %.12s %7s %-20s %s' good "$h" 10B "$(field_of "$h" built)" -)"
}

@test "ls shows - for a ref whose meta is missing" {
	blob a 10 a
	h=$(cell_test dna-put echo a)
	rm "$(meta_of "$h")"
	run cell dna ls
	assert_success
	assert_output "$(printf '%-16s %.12s %7s %-20s %s' echo "$h" - - -)"
}

@test "ls with arguments is a usage error" {
	run --separate-stderr cell dna ls extra
	assert_failure 2
	[ "$stderr" = "cell: ls takes no arguments
hint: see 'cell dna ls --help'" ]
}

@test "an unknown dna subcommand exits 2 with a hint" {
	run --separate-stderr cell dna frob
	assert_failure 2
	[ "$stderr" = "cell: 'frob' is not a 'cell dna' command
hint: see 'cell dna --help'" ]
}

@test "ls with an unusable CELL_HOME gives a one-line error" {
	echo x >"$BATS_TEST_TMPDIR/file"
	CELL_HOME="$BATS_TEST_TMPDIR/file" run --separate-stderr cell dna ls
	assert_failure 1
	[ "$stderr" = "cell: cannot list refs in '$BATS_TEST_TMPDIR/file/dna/refs': Not a directory" ]
}

@test "ls prints a header line on a terminal only" {
	blob a 10 a
	h=$(cell_test dna-put echo a)
	run script -qec "cell dna ls" /dev/null
	assert_success
	expected=$(printf '%-16s %-12s %7s %-20s %s\n%-16s %.12s %7s %-20s %s' \
		NAME HASH SIZE BUILT COMMIT \
		echo "$h" 10B "$(field_of "$h" built)" -)
	diff -u <(echo "$expected") <(echo "$output" | tr -d '\r')
	run cell dna ls
	refute_line --partial NAME
}
