#!/usr/bin/env bats
# cell dna show: one meta, readable or as JSON.
load helpers
load dna_helpers
bats_require_minimum_version 1.5.0

# The readable form show prints for blob a stored as echo.
expected_show() {
	local h=$1
	cat <<-END
	name       echo
	version    1.2.3
	hash       $h
	size       16589 (16.2K)
	object     $CELL_HOME/dna/objects/${h:0:2}/${h:2}
	source     $PWD/.
	commit     -
	toolchain  cell-test
	built      $(field_of "$h" built)
	cache key  -
	manifest   {"name":"echo","version":"1.2.3"}
	signature  $(cat "$CELL_HOME/keys/node.pub") (valid)
	verified   yes
	END
}

@test "show NAME prints the meta readably" {
	blob a 16589 a
	h=$(cell_test dna-put echo a --manifest '{"name":"echo","version":"1.2.3"}')
	run --separate-stderr cell dna show echo
	assert_success
	diff -u <(expected_show "$h") <(echo "$output")
}

@test "show HASH prints the same as show NAME" {
	blob a 16589 a
	h=$(cell_test dna-put echo a --manifest '{"name":"echo","version":"1.2.3"}')
	run cell dna show "$h"
	assert_success
	diff -u <(expected_show "$h") <(echo "$output")
}

@test "show --json prints the meta file's JSON" {
	blob a 100 a
	h=$(cell_test dna-put echo a)
	run cell dna show --json echo
	assert_success
	diff -u "$(meta_of "$h")" <(echo "$output")
}

@test "show of a meta signed by an unknown key says it does not verify" {
	blob a 100 a
	h=$(CELL_HOME="$BATS_TEST_TMPDIR/other" cell_test dna-put echo a)
	cell_test dna-put echo a >/dev/null # same object, our own meta
	cp "$BATS_TEST_TMPDIR/other/dna/meta/$h.json" "$(meta_of "$h")"
	run cell dna show echo
	assert_success
	assert_line "signature  $(cat "$BATS_TEST_TMPDIR/other/keys/node.pub") (valid)"
	assert_line "verified   no: missing or invalid signature"
}

@test "show of an unknown name fails with a one-line error" {
	run --separate-stderr cell dna show nope
	assert_failure 1
	assert_output ''
	[ "$stderr" = "cell: no DNA stored for 'nope'" ]
}

@test "show of something neither name nor hash fails" {
	run --separate-stderr cell dna show ../etc
	assert_failure 1
	[ "$stderr" = "cell: '../etc' is neither a cell name nor a hash (64 lowercase hex)" ]
}

@test "show of a hash without meta fails" {
	h=$(printf x | b2sum -l 256 | cut -d' ' -f1)
	run --separate-stderr cell dna show "$h"
	assert_failure 1
	[ "$stderr" = "cell: no meta stored for $h" ]
}

@test "show of a truncated meta reports malformed JSON" {
	blob a 100 a
	h=$(cell_test dna-put echo a)
	truncate -s 100 "$(meta_of "$h")"
	run --separate-stderr cell dna show echo
	assert_failure 1
	[ "$stderr" = "cell: cannot read the meta of $h: malformed JSON" ]
}

@test "show needs exactly one argument" {
	run --separate-stderr cell dna show
	assert_failure 2
	[ "$stderr" = "cell: show needs one NAME or HASH
hint: see 'cell dna show --help'" ]
}
