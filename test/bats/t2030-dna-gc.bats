#!/usr/bin/env bats
# cell dna gc: remove what no ref or cache entry reaches.
load helpers
load dna_helpers
bats_require_minimum_version 1.5.0

# human BYTES: as cell prints sizes (16.2K).
human() {
	awk -v n="$1" 'BEGIN {
		if (n < 1024) { printf "%dB\n", n; exit }
		split("K M G T P E", u, " "); i = 0
		while (n >= 1024 && i < 6) { n /= 1024; i++ }
		printf "%.1f%s\n", n, u[i] }'
}

# echo moves from v1 to v2: v1 is garbage, v2 and other are kept.
setup_store() {
	blob v1 20000 a
	blob v2 30000 b
	blob o 100 c
	h1=$(cell_test dna-put echo v1)
	h2=$(cell_test dna-put echo v2)
	ho=$(cell_test dna-put other o)
	freed=$(( $(stat -c %s "$(object_of "$h1")") + $(stat -c %s "$(meta_of "$h1")") ))
}

@test "gc removes unreferenced objects and their meta, keeps referenced ones" {
	setup_store
	run --separate-stderr cell dna gc
	assert_success
	assert_output "removed 1 object, freed $(human $freed)"
	[ ! -e "$(object_of "$h1")" ]
	[ ! -e "$(meta_of "$h1")" ]
	[ -x "$(object_of "$h2")" ] && [ -e "$(meta_of "$h2")" ]
	[ -x "$(object_of "$ho")" ] && [ -e "$(meta_of "$ho")" ]
	run cell dna verify
	assert_success
	assert_output 'checked 2 objects, 2 metas, 2 refs, 0 cache entries: no problems'
}

@test "gc --dry-run reports and removes nothing" {
	setup_store
	run cell dna gc --dry-run
	assert_success
	assert_output "would remove 1 object, freeing $(human $freed)"
	[ -e "$(object_of "$h1")" ] && [ -e "$(meta_of "$h1")" ]
}

@test "gc twice: the second finds nothing" {
	setup_store
	cell dna gc >/dev/null
	run cell dna gc
	assert_success
	assert_output 'removed 0 objects, freed 0B'
}

@test "gc keeps objects the build cache reaches" {
	setup_store
	key=$(printf key | b2sum -l 256 | cut -d' ' -f1)
	mkdir -p "$CELL_HOME/dna/cache"
	echo "$h1" >"$CELL_HOME/dna/cache/$key"
	run cell dna gc
	assert_success
	assert_output 'removed 0 objects, freed 0B'
	[ -e "$(object_of "$h1")" ]
}

@test "gc removes stray temp files" {
	setup_store
	cell dna gc >/dev/null
	printf 12345 >"$CELL_HOME/dna/objects/incoming.tmp.AbC123"
	printf 123 >"$CELL_HOME/dna/refs/echo.tmp.XyZ789"
	run cell dna gc
	assert_success
	assert_output 'removed 0 objects, freed 8B'
	[ ! -e "$CELL_HOME/dna/objects/incoming.tmp.AbC123" ]
	[ ! -e "$CELL_HOME/dna/refs/echo.tmp.XyZ789" ]
	run cell dna ls
	assert_line --index 0 --regexp '^echo '
}

@test "gc of an empty store removes nothing and creates nothing" {
	run cell dna gc
	assert_success
	assert_output 'removed 0 objects, freed 0B'
	[ ! -e "$CELL_HOME" ]
}

@test "gc refuses to run while a ref is corrupt" {
	setup_store
	echo garbage >"$CELL_HOME/dna/refs/other"
	run --separate-stderr cell dna gc
	assert_failure 1
	assert_output ''
	[ "$stderr" = "cell: refusing to collect garbage: a ref is corrupt, so what it keeps alive is unknown (see 'cell dna verify')" ]
	[ -e "$(object_of "$h1")" ] && [ -e "$(object_of "$ho")" ]
}

@test "gc with an unwritable CELL_HOME gives a one-line error" {
	echo x >"$BATS_TEST_TMPDIR/file"
	CELL_HOME="$BATS_TEST_TMPDIR/file" run --separate-stderr cell dna gc
	assert_failure 1
	assert_output ''
	[ "$stderr" = "cell: cannot collect garbage in '$BATS_TEST_TMPDIR/file/dna': Not a directory" ]
}

@test "gc with arguments is a usage error" {
	run --separate-stderr cell dna gc now
	assert_failure 2
	[ "$stderr" = "cell: gc takes no arguments
hint: see 'cell dna gc --help'" ]
}
