# build_helpers.bash - fixtures for the t11xx cell build tests.

# mkcell NAME [EXIT]: cells/NAME, a tiny C cell (no libcell calls, so it
# builds fast) whose main returns EXIT.
mkcell() {
	mkdir -p "cells/$1"
	printf '{\n\t"name": "%s",\n\t"version": "0.1.0"\n}\n' "$1" >"cells/$1/cell.json"
	printf 'int main(void)\n{\n\treturn %s;\n}\n' "${2:-0}" >"cells/$1/main.c"
}

# ref NAME: the hash refs/NAME holds.
ref() {
	cat "$CELL_HOME/dna/refs/$1"
}

# Timings vary: "0.21s" -> "T". Hashes are checked separately.
normalize() {
	sed -E 's/[0-9]+\.[0-9]{2}s/T/g; s/  [0-9a-f]{12}  /  HASH  /'
}

# A git workspace with cells a and b, committed.
two_cells() {
	git init -q .
	mkcell a
	mkcell b 1
	git add -A && git commit -qm cells
}
