# helpers.bash - loaded by every bats file.
#
# Each test gets its own $HOME, $CELL_HOME and working directory under
# $BATS_TEST_TMPDIR; whatever a test starts it records with track_pid,
# and teardown kills those by pid.

bats_require_minimum_version 1.5.0

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
export PATH="$REPO/bin:$PATH"

cell_setup() {
	export HOME="$BATS_TEST_TMPDIR/userhome"
	export CELL_HOME="$BATS_TEST_TMPDIR/home"
	export GIT_CONFIG_NOSYSTEM=1
	unset CELL_TRACE
	mkdir -p "$HOME" "$BATS_TEST_TMPDIR/work"
	printf '[user]\n\tname = Test\n\temail = test@example.invalid\n' >"$HOME/.gitconfig"
	cd "$BATS_TEST_TMPDIR/work" || return 1
}

# Remember a pid to kill in teardown.
track_pid() {
	echo "$1" >>"$BATS_TEST_TMPDIR/pids"
}

cell_teardown() {
	local pid
	if [ -f "$BATS_TEST_TMPDIR/pids" ]; then
		while read -r pid; do
			kill -9 "$pid" 2>/dev/null || true
		done <"$BATS_TEST_TMPDIR/pids"
	fi
	if [ -f "$CELL_HOME/stem.pid" ]; then
		kill -9 "$(cat "$CELL_HOME/stem.pid")" 2>/dev/null || true
	fi
	for f in "$CELL_HOME"/run/*.pid; do
		[ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null || true
	done
	return 0
}

setup() { cell_setup; }
teardown() { cell_teardown; }

# A fresh git workspace with one cell copied from the repo's cells/.
workspace_with() {
	local c
	git init -q .
	for c in "$@"; do
		mkdir -p "cells/$c"
		cp -r "$REPO/cells/$c/." "cells/$c/"
	done
}
