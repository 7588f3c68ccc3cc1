#!/usr/bin/env bats
# cell build: bad input gives one clear line and exit 1, and stores
# nothing.
load helpers
load build_helpers
bats_require_minimum_version 1.5.0

# The store holds no ref: nothing was half-done.
no_refs() {
	[ -z "$(ls -A "$CELL_HOME/dna/refs" 2>/dev/null)" ]
}

@test "malformed JSON names the file, line and column" {
	git init -q .
	mkcell a
	mkdir -p cells/x
	printf '{\n\t"name": "x",\n\t"version" "1"\n}\n' >cells/x/cell.json
	run --separate-stderr cell build
	assert_failure 1
	assert_output ""
	[ "$stderr" = "cell: cells/x/cell.json:3:12: malformed JSON" ]
	no_refs
}

@test "a missing source file is named" {
	git init -q .
	mkcell a
	sed -i 's/"version": "0.1.0"/"sources": ["main.c", "util.c"]/' cells/a/cell.json
	run --separate-stderr cell build
	assert_failure 1
	[ "$stderr" = "cell: cells/a/cell.json: source 'util.c': No such file or directory" ]
	no_refs
}

@test "a field of the wrong type names the field and the type" {
	git init -q .
	mkcell a
	sed -i 's/"version": "0.1.0"/"cflags": "-O3"/' cells/a/cell.json
	run --separate-stderr cell build
	assert_failure 1
	[ "$stderr" = "cell: cells/a/cell.json: field 'cflags' must be an array of strings" ]
	no_refs
}

@test "an unknown field is an error, not a silent typo" {
	git init -q .
	mkcell a
	sed -i 's/"version"/"verison"/' cells/a/cell.json
	run --separate-stderr cell build
	assert_failure 1
	[ "$stderr" = "cell: cells/a/cell.json: unknown field 'verison'" ]
}

@test "a cell with no C sources and no build command is an error" {
	git init -q .
	mkcell a
	rm cells/a/main.c
	run --separate-stderr cell build
	assert_failure 1
	[ "$stderr" = "cell: cells/a/cell.json: no sources: no *.c file in 'cells/a' and no 'sources' field" ]
}

@test "every bad manifest is reported, not just the first" {
	git init -q .
	mkcell a
	mkcell b
	echo '{' >cells/a/cell.json
	echo '{"name": "B"}' >cells/b/cell.json
	run --separate-stderr cell build
	assert_failure 1
	[ "$stderr" = "cell: cells/a/cell.json:2:1: malformed JSON
cell: cells/b/cell.json: field 'name' must be a string matching [a-z0-9][a-z0-9-]{0,62}" ]
}

@test "an empty workspace: no cells found, exit 1" {
	git init -q .
	run --separate-stderr cell build
	assert_failure 1
	assert_output ""
	[ "$stderr" = "cell: no cells found under '.'" ]
}

@test "a PATH that does not exist is named" {
	run --separate-stderr cell build nowhere
	assert_failure 1
	[ "$stderr" = "cell: cannot search 'nowhere': No such file or directory" ]
}

@test "an unwritable CELL_HOME is a clear error" {
	two_cells
	: >"$BATS_TEST_TMPDIR/file"
	CELL_HOME="$BATS_TEST_TMPDIR/file/home" run --separate-stderr cell build
	assert_failure 1
	assert_output ""
	[ "$stderr" = "cell: cannot create '$BATS_TEST_TMPDIR/file/home': Not a directory" ]
}

@test "a read-only CELL_HOME is a clear error" {
	[ "$(id -u)" -ne 0 ] || skip "root writes to read-only directories"
	two_cells
	mkdir -p "$CELL_HOME" && chmod 500 "$CELL_HOME"
	run --separate-stderr cell build
	chmod 700 "$CELL_HOME"
	assert_failure 1
	[ "$stderr" = "cell: cannot write to '$CELL_HOME': Permission denied" ]
}

@test "two cells with one name: an error naming both paths" {
	git init -q .
	mkcell a
	mkcell b
	sed -i 's/"name": "b"/"name": "a"/' cells/b/cell.json
	run --separate-stderr cell build
	assert_failure 1
	assert_output ""
	[ "$stderr" = "cell: duplicate cell name 'a': 'cells/a' and 'cells/b'" ]
	no_refs
}

@test "overlapping PATHs build each cell once" {
	two_cells
	run cell build . cells cells/a
	assert_success
	assert_line --index -1 --regexp '^2 cells: 2 built'
}

@test "a compiler that does not run is a clear error" {
	two_cells
	CC=no-such-compiler run --separate-stderr cell build
	assert_failure 1
	[ "$stderr" = "cell: compiler 'no-such-compiler' does not run: cannot run 'no-such-compiler': No such file or directory" ]
	no_refs
}
