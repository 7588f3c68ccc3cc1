#!/usr/bin/env bats
# cell mitosis: scaffolding a cell from templates/c.
load helpers
bats_require_minimum_version 1.5.0

@test "mitosis . in an empty directory scaffolds a cell and a git repository" {
	mkdir hello && cd hello
	run --separate-stderr cell mitosis .
	assert_success
	[ -z "$stderr" ]
	assert_output "created README.md
created cell.json
created main.c
initialized a git repository in .
next: cell build"
	[ -d .git ]
	git rev-parse --is-inside-work-tree >/dev/null
	diff -u <(printf '{\n\t"name": "hello",\n\t"version": "0.1.0",\n\t"restart": "on-failure"\n}\n') cell.json
	grep -q 'cell_serve("hello", handle, NULL)' main.c
	! grep -q newcell main.c README.md cell.json
}

@test "mitosis DIR creates DIR and names the cell after its base name" {
	run cell mitosis cells/my-svc/
	assert_success
	assert_output "created cells/my-svc/README.md
created cells/my-svc/cell.json
created cells/my-svc/main.c
initialized a git repository in cells/my-svc
next: cd cells/my-svc && cell build"
	grep -q '"name": "my-svc"' cells/my-svc/cell.json
	grep -q 'cell_serve("my-svc"' cells/my-svc/main.c
}

@test "mitosis inside an existing repository does not make another" {
	git init -q .
	run cell mitosis cells/a
	assert_success
	refute_output --partial "initialized"
	[ ! -e cells/a/.git ]
}

@test "mitosis --name overrides the directory's name" {
	run cell mitosis --name retina2 Some_Dir
	assert_success
	grep -q '"name": "retina2"' Some_Dir/cell.json
}

@test "mitosis refuses a directory name that is not a valid cell name" {
	run --separate-stderr cell mitosis My_Cell
	assert_failure 1
	assert_output ""
	[ "$stderr" = "cell: invalid cell name 'My_Cell': a name must match [a-z0-9][a-z0-9-]{0,62}; choose one with --name" ]
	[ ! -e My_Cell ]
}

@test "mitosis refuses an invalid --name" {
	run --separate-stderr cell mitosis --name -bad x
	assert_failure 1
	[ "$stderr" = "cell: invalid cell name '-bad': a name must match [a-z0-9][a-z0-9-]{0,62}" ]
	[ ! -e x ]
}

@test "mitosis refuses to overwrite an existing cell.json and changes nothing" {
	mkdir c && echo '{"name": "mine"}' >c/cell.json
	run --separate-stderr cell mitosis c
	assert_failure 1
	[ "$stderr" = "cell: 'c/cell.json' already exists; use --force to overwrite it" ]
	[ "$(cat c/cell.json)" = '{"name": "mine"}' ]
	[ ! -e c/main.c ]
	[ ! -e c/.git ]
}

@test "mitosis --force overwrites the template's files" {
	cell mitosis c >/dev/null
	echo '{"name": "mine"}' >c/cell.json
	echo 'int main(void) { return 3; }' >c/main.c
	run cell mitosis --force c
	assert_success
	assert_line "created c/cell.json"
	grep -q '"name": "c"' c/cell.json
	grep -q 'cell_serve("c"' c/main.c
}

@test "mitosis with an unknown template fails" {
	run --separate-stderr cell mitosis --template cobol x
	assert_failure 1
	[ "$stderr" = "cell: no template 'cobol' next to this cell executable" ]
	[ ! -e x ]
}

@test "mitosis without a directory is a usage error" {
	run --separate-stderr cell mitosis
	assert_failure 2
	[[ "$stderr" == "cell: cell mitosis needs exactly one directory"* ]]
}

@test "the scaffolded cell builds with cell build" {
	mkdir hello && cd hello
	cell mitosis . >/dev/null
	run cell build
	assert_success
	assert_line --index 0 --regexp '^built   hello  [0-9a-f]{12}  [0-9]+\.[0-9]{2}s$'
	assert_line --index 1 --regexp '^1 cell: 1 built, 0 cached, 0 failed in [0-9]+\.[0-9]{2}s$'
	[ -x "$CELL_HOME/dna/objects/$(cut -c1-2 "$CELL_HOME/dna/refs/hello")/$(cut -c3-64 "$CELL_HOME/dna/refs/hello")" ]
}
