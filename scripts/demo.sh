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

step "cell ps"
cell ps

step "cell logs brain -n 5"
cell logs brain -n 5

step "cell stop --all"
cell stop --all
cell ps
