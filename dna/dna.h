/*
 * dna.h - libdna: the content-addressed store under $CELL_HOME/dna.
 *
 *   dna/objects/ab/cdef...   executables (0555), named by BLAKE2b-256 hex
 *   dna/meta/HASH.json       what was built, from which source, signatures
 *   dna/refs/NAME            "HASH\n": the current build of NAME
 *   dna/cache/KEY            "HASH\n": build cache, input key -> output
 *   keys/node.key, node.pub  the node's Ed25519 identity
 *   trust/peers              "label ed25519:BASE64" lines
 *
 * Every write goes temp -> fsync -> rename -> fsync(dir). Functions return
 * 0 or a negative code (-errno or CELL_E*) and never print or exit.
 */
#ifndef CELL_DNA_H
#define CELL_DNA_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "cell.h"

#define DNA_HASH_LEN 64          /* lowercase hex of 32 bytes */
#define DNA_HASH_SIZE (DNA_HASH_LEN + 1)
#define DNA_KEY_TEXT_SIZE 64     /* "ed25519:" + 44 base64 + NUL fits */
#define DNA_SIG_TEXT_SIZE 92     /* 88 base64 + NUL fits */
#define DNA_META_MAX (1u << 20)  /* a meta file larger than this is corrupt */

/* 1 if hex is exactly 64 lowercase hex digits, else 0. */
int dna_hash_valid(const char *hex);
/* BLAKE2b-256 of a buffer / of a file's bytes, as hex. 0 or -errno. */
void dna_hash_bytes(const void *data, size_t len, char hex[DNA_HASH_SIZE]);
int dna_hash_file(const char *path, char hex[DNA_HASH_SIZE]);

/*
 * Incremental hashing, for cache keys built from many inputs. Wraps
 * libsodium's crypto_generichash state (BLAKE2b-256).
 */
struct dna_hasher {
	unsigned char state[384] __attribute__((aligned(64)));
};
void dna_hasher_init(struct dna_hasher *h);
void dna_hasher_add(struct dna_hasher *h, const void *data, size_t len);
/* Adds a string with its terminating NUL, so "ab","c" != "a","bc". */
void dna_hasher_addstr(struct dna_hasher *h, const char *s);
void dna_hasher_final(struct dna_hasher *h, char hex[DNA_HASH_SIZE]);

/* Path of the object for hash. 0, -ENAMETOOLONG, CELL_ENODNA (bad hash). */
int dna_object_path(const struct cell_home *home, const char *hash,
		    char *out, size_t size);
/*
 * Stores the file src as an object: hashes it, copies it atomically to
 * objects/ab/cdef... with mode 0555 (nothing if already present), and
 * writes its hash to hash. 0 or -errno.
 */
int dna_object_put(const struct cell_home *home, const char *src,
		   char hash[DNA_HASH_SIZE]);
/* Rehashes the object. 0, CELL_ECORRUPT, CELL_ENODNA (missing), -errno. */
int dna_object_verify(const struct cell_home *home, const char *hash);

/* refs/NAME. read: 0, CELL_ENODNA (no ref), CELL_ECORRUPT, CELL_ENAME. */
int dna_ref_read(const struct cell_home *home, const char *name,
		 char hash[DNA_HASH_SIZE]);
int dna_ref_write(const struct cell_home *home, const char *name,
		  const char *hash);

/* cache/KEY (KEY a hash). get: 0, -ENOENT, CELL_ECORRUPT. */
int dna_cache_get(const struct cell_home *home, const char *key,
		  char hash[DNA_HASH_SIZE]);
int dna_cache_put(const struct cell_home *home, const char *key,
		  const char *hash);

/* The node identity. */
struct dna_key {
	unsigned char pk[32];
	unsigned char sk[64];
};
/*
 * Loads keys/node.key, creating the pair (node.key 0600, node.pub 0644)
 * on first use. 0, CELL_EKEY (malformed key file), -errno.
 */
int dna_key_load_or_create(const struct cell_home *home, struct dna_key *key);
/* "ed25519:" + base64 of pk. */
void dna_key_format(const unsigned char pk[32], char out[DNA_KEY_TEXT_SIZE]);
/* Parses "ed25519:BASE64". 0 or CELL_EKEY. */
int dna_key_parse(const char *text, unsigned char pk[32]);

/*
 * Signatures are over the bytes "cell-dna-v1" NUL NAME NUL HASH (HASH the
 * 64-character hex), never over JSON. sig is standard base64 of 64 bytes.
 */
int dna_sign(const struct dna_key *key, const char *name, const char *hash,
	     char sig[DNA_SIG_TEXT_SIZE]);
/* 0 or CELL_ESIG (also for malformed base64). */
int dna_sig_check(const unsigned char pk[32], const char *name,
		  const char *hash, const char *sig);

/*
 * meta/HASH.json. write: atomic, pretty-printed. read: *out owned by the
 * caller (cJSON_Delete); 0, CELL_ENODNA (none), CELL_EJSON (malformed or
 * truncated), CELL_ETOOBIG, -errno.
 */
int dna_meta_write(const struct cell_home *home, const char *hash,
		   const cJSON *meta);
int dna_meta_read(const struct cell_home *home, const char *hash,
		  cJSON **out);
/*
 * Checks meta's "signatures" ([{"key": "ed25519:..", "sig": ".."}]) for
 * name and hash: at least one, every one valid, and each key either the
 * node's own or listed in trust/peers. 0, CELL_ESIG, CELL_EJSON.
 */
int dna_meta_verify(const struct cell_home *home, const cJSON *meta,
		    const char *name, const char *hash);

/*
 * Calls fn for every ref, in name order. Stops at fn's first non-zero
 * return and returns it; 0 when all were visited; -errno.
 */
int dna_refs_each(const struct cell_home *home,
		  int (*fn)(void *ctx, const char *name, const char *hash),
		  void *ctx);

/*
 * Removes objects (and their meta) that no ref and no cache entry reaches,
 * plus stray temp files. Fills what was freed. 0 or -errno.
 */
struct dna_gc_result {
	size_t objects;
	uint64_t bytes;
};
int dna_gc(const struct cell_home *home, struct dna_gc_result *result);

#endif
