# dna_helpers.bash - loaded by the t2xxx (cell dna) bats files, after
# helpers.bash: put things in a store with build/rel/cell-test (built by
# `make unit`) and find where they landed.

cell_test() { "$REPO/build/rel/cell-test" "$@"; }

# blob FILE SIZE CHAR: a file of SIZE bytes of CHAR.
blob() { head -c "$2" /dev/zero | tr '\0' "$3" >"$1"; }

meta_of() { echo "$CELL_HOME/dna/meta/$1.json"; }
object_of() { echo "$CELL_HOME/dna/objects/${1:0:2}/${1:2}"; }

# field_of HASH KEY: a top-level string field of the meta of HASH.
field_of() {
	sed -n "s/^[[:space:]]*\"$2\":[[:space:]]*\"\(.*\)\",\$/\1/p" "$(meta_of "$1")"
}
