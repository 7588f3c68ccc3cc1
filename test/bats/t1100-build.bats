#!/usr/bin/env bats
# cell build: discovery, caching, rebuilding what changed, reproducibility,
# parallel failures, output formats, custom build commands.
load helpers
load build_helpers
bats_require_minimum_version 1.5.0

@test "build finds and builds every cell, one line each and a summary" {
	two_cells
	run --separate-stderr cell build
	assert_success
	[ -z "$stderr" ]
	diff -u <(printf '%s\n' "built   a  HASH  T" "built   b  HASH  T" \
		"2 cells: 2 built, 0 cached, 0 failed in T") <(echo "$output" | normalize)
	# The line shows the start of the hash the ref holds.
	assert_line --index 0 --partial "  $(ref a | cut -c1-12)  "
	[ "$(ref a)" != "$(ref b)" ]
}

@test "the built object is the executable, named by its BLAKE2b-256 hash" {
	two_cells
	cell build >/dev/null
	local h obj
	h=$(ref b)
	obj="$CELL_HOME/dna/objects/${h:0:2}/${h:2}"
	[ "$(b2sum -l 256 "$obj" | cut -d' ' -f1)" = "$h" ]
	run "$obj"
	assert_failure 1 # cells/b returns 1
}

@test "a no-op build says cached and leaves the refs untouched" {
	two_cells
	cell build >/dev/null
	local before
	before=$(stat -c '%i %Y' "$CELL_HOME/dna/refs/a" "$CELL_HOME/dna/refs/b")
	sleep 1
	run cell build
	assert_success
	diff -u <(printf '%s\n' "cached  a  HASH  T" "cached  b  HASH  T" \
		"2 cells: 0 built, 2 cached, 0 failed in T") <(echo "$output" | normalize)
	[ "$(stat -c '%i %Y' "$CELL_HOME/dna/refs/a" "$CELL_HOME/dna/refs/b")" = "$before" ]
}

@test "changing one source file rebuilds only that cell" {
	two_cells
	cell build >/dev/null
	local a b
	a=$(ref a)
	b=$(ref b)
	printf 'int main(void)\n{\n\treturn 2;\n}\n' >cells/b/main.c
	run cell build
	assert_success
	diff -u <(printf '%s\n' "cached  a  HASH  T" "built   b  HASH  T" \
		"2 cells: 1 built, 1 cached, 0 failed in T") <(echo "$output" | normalize)
	[ "$(ref a)" = "$a" ]
	[ "$(ref b)" != "$b" ]
}

@test "changing a local header rebuilds the cell that includes it" {
	git init -q .
	mkcell a
	mkcell b
	echo '#define CODE 0' >cells/a/code.h
	printf '#include "code.h"\nint main(void)\n{\n\treturn CODE;\n}\n' >cells/a/main.c
	cell build >/dev/null
	local a
	a=$(ref a)
	echo '#define CODE 4' >cells/a/code.h
	run cell build
	assert_success
	assert_line --index 0 --regexp '^built   a  '
	assert_line --index 1 --regexp '^cached  b  '
	[ "$(ref a)" != "$a" ]
}

@test "changing the manifest rebuilds the cell" {
	two_cells
	cell build >/dev/null
	sed -i 's/0.1.0/0.2.0/' cells/a/cell.json
	run cell build
	assert_success
	assert_line --index 0 --regexp '^built   a '
	assert_line --index 1 --regexp '^cached  b '
}

@test "a cache hit restores a ref that points elsewhere" {
	two_cells
	cell build >/dev/null
	local a
	a=$(ref a)
	printf 'int main(void)\n{\n\treturn 7;\n}\n' >cells/a/main.c
	cell build >/dev/null
	[ "$(ref a)" != "$a" ]
	git checkout -q cells/a/main.c
	run cell build
	assert_line --index 0 --regexp '^cached  a '
	[ "$(ref a)" = "$a" ]
}

@test "the same source builds to the same hash from two empty homes and two places" {
	two_cells
	CELL_HOME="$BATS_TEST_TMPDIR/h1" cell build >/dev/null
	CELL_HOME="$BATS_TEST_TMPDIR/h2" cell build >/dev/null
	[ "$(cat "$BATS_TEST_TMPDIR/h1/dna/refs/a")" = "$(cat "$BATS_TEST_TMPDIR/h2/dna/refs/a")" ]
	[ "$(cat "$BATS_TEST_TMPDIR/h1/dna/refs/b")" = "$(cat "$BATS_TEST_TMPDIR/h2/dna/refs/b")" ]
	mkdir -p "$BATS_TEST_TMPDIR/elsewhere/deeper"
	cp -r cells "$BATS_TEST_TMPDIR/elsewhere/deeper/"
	CELL_HOME="$BATS_TEST_TMPDIR/h3" cell build "$BATS_TEST_TMPDIR/elsewhere" >/dev/null
	[ "$(cat "$BATS_TEST_TMPDIR/h1/dna/refs/a")" = "$(cat "$BATS_TEST_TMPDIR/h3/dna/refs/a")" ]
}

@test "a compile error fails that cell only: the others build, exit 1, no ref" {
	git init -q .
	mkcell a
	mkcell c
	mkdir cells/bad
	echo '{"name": "bad"}' >cells/bad/cell.json
	printf 'int main(void)\n{\n\treturn nope;\n}\n' >cells/bad/main.c
	run --separate-stderr cell build
	assert_failure 1
	assert_line --index 0 --regexp '^built   a  '
	assert_line --index 1 "failed  bad  compiler exited with status 1"
	assert_output --regexp $'\n    main.c:3:16: error: .nope. undeclared'
	assert_line --regexp '^built   c  '
	assert_line --index -1 --regexp '^3 cells: 2 built, 0 cached, 1 failed in '
	[ ! -e "$CELL_HOME/dna/refs/bad" ]
	[ -s "$CELL_HOME/dna/refs/a" ] && [ -s "$CELL_HOME/dna/refs/c" ]
}

@test "-j 1 builds one at a time, in name order" {
	two_cells
	mkcell c
	run cell build -j 1
	assert_success
	diff -u <(printf '%s\n' "built   a  HASH  T" "built   b  HASH  T" "built   c  HASH  T" \
		"3 cells: 3 built, 0 cached, 0 failed in T") <(echo "$output" | normalize)
}

@test "-j 0 is a usage error" {
	two_cells
	run --separate-stderr cell build -j 0
	assert_failure 2
	[[ "$stderr" == "cell: -j needs at least 1"* ]]
}

@test "--json prints name, path, status, hash, seconds and error per cell" {
	two_cells
	mkdir cells/bad
	echo '{"name": "bad"}' >cells/bad/cell.json
	echo 'syntax error' >cells/bad/main.c
	cell build cells/a >/dev/null
	run --separate-stderr cell build --json
	assert_failure 1
	[ -z "$stderr" ]
	diff -u <(printf '%s\n' 'a cells/a cached true null' 'b cells/b built true null' \
		'bad cells/bad failed false compiler exited with status 1') \
		<(echo "$output" | jq -r '.[] | "\(.name) \(.path) \(.status) \(.hash != null) \(.error | if . then split("\n")[0] else null end)"')
	[ "$(echo "$output" | jq -r '.[0].hash')" = "$(ref a)" ]
	[ "$(echo "$output" | jq -r '.[1].seconds | type')" = number ]
}

@test "a custom build command and artifact make a cell in any language" {
	git init -q .
	mkdir -p cells/sh
	cat >cells/sh/cell.json <<-'JSON'
	{"name": "shcell", "build": "mkdir -p out && cp run.sh out/shcell && chmod 755 out/shcell", "artifact": "out/shcell"}
	JSON
	printf '#!/bin/sh\necho hello from sh\n' >cells/sh/run.sh
	run cell build
	assert_success
	assert_line --index 0 --regexp '^built   shcell  [0-9a-f]{12}  '
	[ "$(ref shcell)" = "$(b2sum -l 256 cells/sh/run.sh | cut -d' ' -f1)" ]
	run cell build
	assert_line --index 0 --regexp '^cached  shcell  '
	echo 'echo more' >>cells/sh/run.sh
	run cell build
	assert_line --index 0 --regexp '^built   shcell  '
}

@test "a failing custom build command fails the cell with its output" {
	git init -q .
	mkdir -p cells/x
	echo '{"name": "x", "build": "echo broken >&2; exit 3", "artifact": "x"}' >cells/x/cell.json
	run cell build
	assert_failure 1
	assert_line --index 0 "failed  x  build command exited with status 3"
	assert_line --index 1 "    broken"
	[ ! -e "$CELL_HOME/dna/refs/x" ]
}

@test "a custom build that does not produce its artifact fails" {
	git init -q .
	mkdir -p cells/x
	echo '{"name": "x", "build": "true", "artifact": "nothing"}' >cells/x/cell.json
	run cell build
	assert_failure 1
	assert_line --index 0 "failed  x  build did not produce 'nothing': No such file or directory"
}

@test "build skips what git ignores and .git itself" {
	two_cells
	echo 'vendor/' >.gitignore
	mkcell zz
	mv cells/zz vendor
	mkdir -p .git/cells && cp -r cells/a .git/cells/
	run cell build
	assert_success
	assert_line --index -1 --regexp '^2 cells: '
}

@test "build PATH builds only the cells under PATH" {
	two_cells
	run cell build cells/b
	assert_success
	assert_line --index 0 --regexp '^built   b  '
	assert_line --index 1 --regexp '^1 cell: 1 built'
	[ ! -e "$CELL_HOME/dna/refs/a" ]
}

@test "meta records the source commit, dirty flag, toolchain and a signature" {
	two_cells
	cell build >/dev/null
	local m="$CELL_HOME/dna/meta/$(ref a).json"
	[ "$(jq -r .name "$m")" = a ]
	[ "$(jq -r .hash "$m")" = "$(ref a)" ]
	[ "$(jq -r .source.commit "$m")" = "$(git rev-parse HEAD)" ]
	[ "$(jq -r .source.path "$m")" = cells/a ]
	[ "$(jq -r .source.dirty "$m")" = false ]
	[ "$(jq -r .toolchain "$m")" = "$(cc --version | head -1)" ]
	[ "$(jq -r .manifest.version "$m")" = 0.1.0 ]
	local key
	key=$(jq -r '.signatures[0].key' "$m")
	[[ "$key" == ed25519:* ]]
	grep -qF "$key" "$CELL_HOME/keys/node.pub"
	[ "$(jq -r '.signatures[0].sig | length' "$m")" = 88 ]
	[ "$(jq -r .size "$m")" = "$(stat -c %s "$CELL_HOME/dna/objects/$(ref a | cut -c1-2)/$(ref a | cut -c3-)")" ]
	echo '/* changed */' >>cells/a/main.c
	cell build >/dev/null
	[ "$(jq -r .source.dirty "$CELL_HOME/dna/meta/$(ref a).json")" = true ]
}

@test "the example cells brain, echo and retina build" {
	workspace_with brain echo retina
	run cell build
	assert_success
	assert_line --index 0 --regexp '^built   brain   [0-9a-f]{12}  '
	assert_line --index 1 --regexp '^built   echo    [0-9a-f]{12}  '
	assert_line --index 2 --regexp '^built   retina  [0-9a-f]{12}  '
}

@test "colours only when standard output is a terminal" {
	two_cells
	run script -qec "cell build" /dev/null
	assert_success
	assert_output --partial $'\033[32mbuilt \033[0m  a  '
	run cell build
	refute_output --partial $'\033['
	NO_COLOR=1 run script -qec "cell build" /dev/null
	refute_output --partial $'\033['
}
