#!/bin/sh
# demo.sh - `make demo`: build this repository's cells/ into a DNA store
# the demo owns (.demo-home/ in the repo), show the store, then run the
# cells: calling brain germinates brain and retina on demand.
set -eu
cd "$(dirname "$0")/.."
export CELL_HOME="$PWD/.demo-home"
export PATH="$PWD/bin:$PATH"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "cell build cells   (into CELL_HOME=$CELL_HOME)"
cell build cells

step "cell build cells   (again: nothing changed, nothing rebuilt)"
cell build cells

step "cell dna ls"
cell dna ls

step "cell dna verify"
cell dna verify

step "cell call brain 'hello from the demo'   (germinates brain, which calls retina)"
cell call brain 'hello from the demo'
echo
cell call brain 'and once more'
echo

step "cell ps"
cell ps

step "cell logs brain; cell logs retina   (stderr of each cell, timestamped)"
cell logs brain -n 5
cell logs retina -n 5

step "cell stop --all"
cell stop --all
cell ps

# The stem is the demo's own (its CELL_HOME is the demo's): stop it too.
# On SIGTERM it stops any cell still running and exits.
if [ -f "$CELL_HOME/stem.pid" ]; then
	kill -TERM "$(cat "$CELL_HOME/stem.pid")" 2>/dev/null || true
fi
