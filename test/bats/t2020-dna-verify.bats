#!/usr/bin/env bats
# cell dna verify: rehash objects, check signatures and refs.
load helpers
load dna_helpers
bats_require_minimum_version 1.5.0

# Two cells, echo and cat, copies of /bin/true made distinct.
two_cells() {
	cp /bin/true t1
	{ cat /bin/true; echo v2; } >t2
	h1=$(cell_test dna-put echo t1)
	h2=$(cell_test dna-put cat t2)
}

@test "verify of a sound store reports no problems and exits 0" {
	two_cells
	run --separate-stderr cell dna verify
	assert_success
	assert_output 'checked 2 objects, 2 metas, 2 refs, 0 cache entries: no problems'
	[ -z "$stderr" ]
}

@test "verify of an empty store exits 0" {
	run cell dna verify
	assert_success
	assert_output 'checked 0 objects, 0 metas, 0 refs, 0 cache entries: no problems'
}

@test "verify catches a corrupted object" {
	two_cells
	obj=$(object_of "$h1")
	chmod u+w "$obj"
	# Flip the bits of byte 100.
	byte=$(dd if="$obj" bs=1 skip=100 count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
	printf "\\$(printf '%03o' $((byte ^ 255)))" |
		dd of="$obj" bs=1 seek=100 count=1 conv=notrunc 2>/dev/null
	run --separate-stderr cell dna verify
	assert_failure 1
	[ "$stderr" = "cell: object $h1 is corrupt: stored bytes do not match their hash" ]
	assert_output 'checked 2 objects, 2 metas, 2 refs, 0 cache entries: 1 problem'
}

@test "verify catches a truncated meta" {
	two_cells
	m=$(meta_of "$h2")
	truncate -s $(($(stat -c %s "$m") / 2)) "$m"
	run --separate-stderr cell dna verify
	assert_failure 1
	[ "$stderr" = "cell: meta of $h2 is unreadable: malformed JSON" ]
	assert_output 'checked 2 objects, 2 metas, 2 refs, 0 cache entries: 1 problem'
}

@test "verify catches a meta signed by an untrusted key" {
	two_cells
	cp t1 t3 && echo other >>t3
	h3=$(CELL_HOME="$BATS_TEST_TMPDIR/other" cell_test dna-put rogue t3)
	mkdir -p "$(dirname "$(object_of "$h3")")"
	cp "$BATS_TEST_TMPDIR/other/dna/objects/${h3:0:2}/${h3:2}" "$(object_of "$h3")"
	cp "$BATS_TEST_TMPDIR/other/dna/meta/$h3.json" "$(meta_of "$h3")"
	run --separate-stderr cell dna verify
	assert_failure 1
	[ "$stderr" = "cell: meta of $h3 has a bad signature: missing or invalid signature" ]
	assert_output 'checked 3 objects, 3 metas, 2 refs, 0 cache entries: 1 problem'
}

@test "verify accepts a key listed in trust/peers" {
	cp /bin/true t3
	h3=$(CELL_HOME="$BATS_TEST_TMPDIR/other" cell_test dna-put rogue t3)
	mkdir -p "$CELL_HOME/dna/meta" "$CELL_HOME/trust" "$(dirname "$(object_of "$h3")")"
	cp "$BATS_TEST_TMPDIR/other/dna/objects/${h3:0:2}/${h3:2}" "$(object_of "$h3")"
	cp "$BATS_TEST_TMPDIR/other/dna/meta/$h3.json" "$(meta_of "$h3")"
	echo "box2 $(cat "$BATS_TEST_TMPDIR/other/keys/node.pub")" >"$CELL_HOME/trust/peers"
	run cell dna verify
	assert_success
	assert_output 'checked 1 object, 1 meta, 0 refs, 0 cache entries: no problems'
}

@test "verify catches a signature made for another hash" {
	two_cells
	# Give echo's meta cat's signature: valid, but for another hash.
	s1=$(grep '"sig"' "$(meta_of "$h1")")
	s2=$(grep '"sig"' "$(meta_of "$h2")")
	awk -v s="$s2" '/"sig"/{print s; next} {print}' "$(meta_of "$h1")" >m1
	cp m1 "$(meta_of "$h1")"
	[ "$s1" != "$s2" ]
	run --separate-stderr cell dna verify
	assert_failure 1
	[ "$stderr" = "cell: meta of $h1 has a bad signature: missing or invalid signature" ]
}

@test "verify catches a ref pointing at a missing object" {
	two_cells
	rm -f "$(object_of "$h2")"
	run --separate-stderr cell dna verify
	assert_failure 1
	[ "$stderr" = "cell: ref 'cat' points at missing object $h2" ]
	assert_output 'checked 1 object, 2 metas, 2 refs, 0 cache entries: 1 problem'
}

@test "verify catches a ref holding garbage" {
	two_cells
	printf 'not a hash\n' >"$CELL_HOME/dna/refs/echo"
	run --separate-stderr cell dna verify
	assert_failure 1
	[ "$stderr" = "cell: ref 'echo' is corrupt: it does not hold a hash" ]
}

@test "verify reports every problem, one line each" {
	two_cells
	rm -f "$(object_of "$h2")"
	truncate -s 10 "$(meta_of "$h1")"
	run --separate-stderr cell dna verify
	assert_failure 1
	[ "$stderr" = "cell: meta of $h1 is unreadable: malformed JSON
cell: ref 'cat' points at missing object $h2" ]
	assert_output 'checked 1 object, 2 metas, 2 refs, 0 cache entries: 2 problems'
}

@test "verify --json lists the problems" {
	two_cells
	rm -f "$(object_of "$h2")"
	run --separate-stderr cell dna verify --json
	assert_failure 1
	expected=$(printf '{\n\t"ok":\tfalse,\n\t"objects":\t1,\n\t"metas":\t2,\n\t"refs":\t2,\n\t"cache":\t0,\n\t"problems":\t[{\n\t\t\t"kind":\t"ref",\n\t\t\t"subject":\t"cat",\n\t\t\t"error":\t"ref '"'"'cat'"'"' points at missing object %s"\n\t\t}]\n}' "$h2")
	diff -u <(echo "$expected") <(echo "$output")
}

@test "signatures and keys check with another Ed25519 tool (openssl)" {
	command -v openssl >/dev/null || skip "openssl is not installed"
	cp /bin/true t1
	h=$(cell_test dna-put echo t1)
	sig=$(sed -n 's/^[[:space:]]*"sig":[[:space:]]*"\(.*\)"$/\1/p' "$(meta_of "$h")")
	pub=$(sed 's/^ed25519://' "$CELL_HOME/keys/node.pub")
	# SubjectPublicKeyInfo DER for Ed25519: fixed 12-byte prefix + key.
	{ printf '\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00'; echo "$pub" | base64 -d; } >pub.der
	echo "$sig" | base64 -d >sig.bin
	printf 'cell-dna-v1\0echo\0%s' "$h" >msg
	run openssl pkeyutl -verify -pubin -inkey pub.der -keyform DER -rawin -in msg -sigfile sig.bin
	assert_success
	assert_output 'Signature Verified Successfully'
	# node.key holds the RFC 8032 seed: openssl derives the same public key.
	seed=$(sed 's/^ed25519-secret://' "$CELL_HOME/keys/node.key")
	{ printf '\x30\x2e\x02\x01\x00\x30\x05\x06\x03\x2b\x65\x70\x04\x22\x04\x20'; echo "$seed" | base64 -d; } >key.der
	openssl pkey -inform DER -in key.der -pubout -outform DER -out derived.der
	cmp pub.der derived.der
}

@test "verify catches a cache entry pointing at a missing object or holding garbage" {
	two_cells
	k1=$(printf k1 | b2sum -l 256 | cut -d' ' -f1)
	k2=$(printf k2 | b2sum -l 256 | cut -d' ' -f1)
	k3=$(printf k3 | b2sum -l 256 | cut -d' ' -f1)
	missing=$(printf gone | b2sum -l 256 | cut -d' ' -f1)
	mkdir -p "$CELL_HOME/dna/cache"
	echo "$h1" >"$CELL_HOME/dna/cache/$k1"
	echo "$missing" >"$CELL_HOME/dna/cache/$k2"
	echo junk >"$CELL_HOME/dna/cache/$k3"
	run --separate-stderr cell dna verify
	assert_failure 1
	# Entries are checked in key order; compare sorted lines.
	expected=$(printf '%s\n' \
		"cell: cache entry $k2 points at missing object $missing" \
		"cell: cache entry $k3 is corrupt: it does not hold a hash" | sort)
	diff -u <(echo "$expected") <(echo "$stderr" | sort)
	assert_output 'checked 2 objects, 2 metas, 2 refs, 3 cache entries: 2 problems'
}
