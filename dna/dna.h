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
 * objects/ab/cdef... with mode 0555 (nothing if already present and
 * intact; a corrupt stored copy is replaced), and writes its hash to
 * hash. 0 or -errno.
 */
int dna_object_put(const struct cell_home *home, const char *src,
		   char hash[DNA_HASH_SIZE]);
/* Rehashes the object. 0, CELL_ECORRUPT, CELL_ENODNA (missing), -errno. */
int dna_object_verify(const struct cell_home *home, const char *hash);
/*
 * Calls fn for every stored object / every meta file, in hash order.
 * Stops at fn's first non-zero return and returns it; 0 or -errno.
 */
int dna_objects_each(const struct cell_home *home,
		     int (*fn)(void *ctx, const char *hash), void *ctx);
int dna_metas_each(const struct cell_home *home,
		   int (*fn)(void *ctx, const char *hash), void *ctx);

/*
 * refs/NAME. read: 0, CELL_ENODNA (no ref), CELL_ECORRUPT, CELL_ENAME,
 * -errno. write: 0, CELL_ENAME, CELL_ENODNA (bad hash, or no such object:
 * a ref never points at nothing when written), -errno.
 */
int dna_ref_read(const struct cell_home *home, const char *name,
		 char hash[DNA_HASH_SIZE]);
int dna_ref_write(const struct cell_home *home, const char *name,
		  const char *hash);

/*
 * cache/KEY (KEY a hash). get: 0, -ENOENT, CELL_ECORRUPT, -EINVAL (key
 * not a hash), -errno. put: 0, -EINVAL (key or hash not a hash), -errno.
 */
int dna_cache_get(const struct cell_home *home, const char *key,
		  char hash[DNA_HASH_SIZE]);
int dna_cache_put(const struct cell_home *home, const char *key,
		  const char *hash);
/*
 * Calls fn for every cache entry, in key order; hash is NULL for an entry
 * that does not hold a hash. Stops at fn's first non-zero return and
 * returns it; 0 or -errno.
 */
int dna_cache_each(const struct cell_home *home,
		   int (*fn)(void *ctx, const char *key, const char *hash),
		   void *ctx);

/* The node identity. */
struct dna_key {
	unsigned char pk[32];
	unsigned char sk[64];
};
/*
 * Loads keys/node.key, creating the pair (node.key 0600, node.pub 0644)
 * on first use. 0, CELL_EKEY (malformed key file, or a node.pub naming
 * another key), CELL_ECRYPTO, -errno. key.c documents the file format.
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
/* 0, CELL_ENAME, -EINVAL (hash not a hash), CELL_ECRYPTO. */
int dna_sign(const struct dna_key *key, const char *name, const char *hash,
	     char sig[DNA_SIG_TEXT_SIZE]);
/* 0 or CELL_ESIG (also for malformed base64). */
int dna_sig_check(const unsigned char pk[32], const char *name,
		  const char *hash, const char *sig);

/*
 * meta/HASH.json (meta.c documents the fields). write: atomic,
 * pretty-printed; meta's "hash" must equal hash; 0, -EINVAL (bad hash),
 * CELL_EJSON, CELL_ETOOBIG, -errno. read: *out owned by the caller
 * (cJSON_Delete), always a JSON object; 0, CELL_ENODNA (none, or hash not
 * a hash), CELL_EJSON (malformed or truncated), CELL_ETOOBIG, -errno.
 */
int dna_meta_write(const struct cell_home *home, const char *hash,
		   const cJSON *meta);
int dna_meta_read(const struct cell_home *home, const char *hash,
		  cJSON **out);
/*
 * Checks meta's "signatures" ([{"key": "ed25519:..", "sig": ".."}]) for
 * name and hash: at least one, every one valid, and each key either the
 * node's own (keys/node.pub) or listed in trust/peers. meta's "name" and
 * "hash", when present, must equal name and hash. 0, CELL_ESIG,
 * CELL_EJSON, CELL_EKEY (malformed node.pub or trust/peers line), -errno.
 */
int dna_meta_verify(const struct cell_home *home, const cJSON *meta,
		    const char *name, const char *hash);
/*
 * Adds (or, for the same key, replaces) key's signature for name and hash
 * to meta's "signatures", creating the array. 0, CELL_ENAME, -EINVAL,
 * CELL_EJSON (meta not an object, "signatures" not an array), -ENOMEM.
 */
int dna_meta_add_signature(cJSON *meta, const struct dna_key *key,
			   const char *name, const char *hash);
/*
 * Reads a JSON number that must be a whole number in [0, 2^53], the
 * range a double holds exactly (sizes). 0 or CELL_EJSON.
 */
int dna_json_u64(const cJSON *item, uint64_t *out);

/*
 * Calls fn for every ref, in name order. Stops at fn's first non-zero
 * return and returns it; 0 when all were visited; -errno. Refs whose file
 * does not hold a hash are skipped (dna_refs_scan can show them).
 */
int dna_refs_each(const struct cell_home *home,
		  int (*fn)(void *ctx, const char *name, const char *hash),
		  void *ctx);
/* Like dna_refs_each; with DNA_REFS_CORRUPT, corrupt refs get hash NULL. */
#define DNA_REFS_CORRUPT 1
int dna_refs_scan(const struct cell_home *home, int flags,
		  int (*fn)(void *ctx, const char *name, const char *hash),
		  void *ctx);

/*
 * Removes objects (and their meta) that no ref and no cache entry reaches,
 * plus stray temp files and cache entries that do not hold a hash. Fills
 * what was freed (objects counts objects only; bytes counts every file).
 * 0, CELL_ECORRUPT (a ref does not hold a hash, so what it keeps alive is
 * unknown: nothing is removed), -errno. A store that does not exist yet
 * is left alone and reported empty.
 */
struct dna_gc_result {
	size_t objects;
	uint64_t bytes;
};
int dna_gc(const struct cell_home *home, struct dna_gc_result *result);
/* dna_gc with flags; DNA_GC_DRY_RUN counts what would go, removes nothing. */
#define DNA_GC_DRY_RUN 1
int dna_gc_flags(const struct cell_home *home, int flags,
		 struct dna_gc_result *result);

#endif
