/*
 * meta.c - meta/HASH.json: what an object is, where it came from, and
 * who vouches for it.
 *
 * Format (UTF-8 JSON, pretty-printed, one object, newline at the end):
 *
 *   {
 *     "name":      "echo",                 cell name (CELL_NAME_RULE)
 *     "version":   "0.1.0",                from cell.json
 *     "hash":      "<64 hex>",             BLAKE2b-256 of the object; equals
 *                                          the file name, checked on write
 *     "size":      12345,                  bytes of the object; an integer
 *                                          in [0, 2^53] (read it with
 *                                          dna_json_u64)
 *     "source": {
 *       "repo":    "/abs/path/of/workspace",
 *       "path":    "cells/echo",           cell dir relative to repo
 *       "commit":  "<40 hex>" or null,     HEAD, null outside git/unborn
 *       "dirty":   false                   uncommitted changes under path
 *     },
 *     "toolchain": "gcc (Debian 12.2.0-14) 12.2.0",
 *     "built":     "2026-11-22T04:50:00Z", UTC, RFC 3339, seconds
 *     "cache_key": "<64 hex>" or null,     the build cache key
 *     "manifest":  { ...cell.json... },
 *     "signatures": [
 *       { "key": "ed25519:BASE64", "sig": "BASE64" }
 *     ]
 *   }
 *
 * A signature is Ed25519 over "cell-dna-v1" NUL NAME NUL HASH (sign.c),
 * never over this JSON, so re-serializing the file never breaks it.
 * Meta files are written atomically and read bounded by DNA_META_MAX.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dna.h"
#include "dna_int.h"
#include "fsutil.h"

int dna_meta_write(const struct cell_home *home, const char *hash,
		   const cJSON *meta)
{
	char path[CELL_PATH_MAX];
	const cJSON *h;
	char *text;
	size_t len;
	int lock, err;

	if (!dna_hash_valid(hash))
		return -EINVAL;
	h = cJSON_GetObjectItemCaseSensitive(meta, "hash");
	if (!cJSON_IsObject(meta) || !cJSON_IsString(h) ||
	    strcmp(h->valuestring, hash))
		return CELL_EJSON;
	err = cell_home_path(home, path, sizeof path, "dna/meta/%s.json",
			     hash);
	if (err)
		return err;
	text = cJSON_Print(meta);
	if (!text)
		return -ENOMEM;
	len = strlen(text);
	if (len + 1 > DNA_META_MAX) {
		/* Never write what dna_meta_read would refuse. */
		free(text);
		return CELL_ETOOBIG;
	}
	lock = dna_lock(home, 0);
	if (lock < 0) {
		free(text);
		return lock;
	}
	err = dna_mkdir(home, "meta");
	if (!err) {
		/* cJSON_Print leaves no newline; the file ends with one. */
		char *nl = realloc(text, len + 2);

		if (!nl) {
			err = -ENOMEM;
		} else {
			text = nl;
			text[len] = '\n';
			text[len + 1] = '\0';
			err = fs_write_atomic(path, text, len + 1, 0644);
		}
	}
	dna_unlock(lock);
	free(text);
	return err;
}

int dna_meta_read(const struct cell_home *home, const char *hash,
		  cJSON **out)
{
	struct cell_buf b = CELL_BUF_INIT(DNA_META_MAX);
	char path[CELL_PATH_MAX];
	cJSON *json;
	int err;

	*out = NULL;
	if (!dna_hash_valid(hash))
		return CELL_ENODNA;
	err = cell_home_path(home, path, sizeof path, "dna/meta/%s.json",
			     hash);
	if (err)
		return err;
	err = fs_read_file(path, &b);
	if (err == -ENOENT)
		err = CELL_ENODNA;
	if (err)
		goto out;
	/* An empty file or one with NUL bytes inside is not JSON. */
	if (!b.data || strlen(b.data) != b.len) {
		err = CELL_EJSON;
		goto out;
	}
	json = cJSON_ParseWithOpts(b.data, NULL, 1);
	if (!cJSON_IsObject(json)) {
		cJSON_Delete(json);
		err = CELL_EJSON;
		goto out;
	}
	*out = json;
out:
	cell_buf_release(&b);
	return err;
}

int dna_json_u64(const cJSON *item, uint64_t *out)
{
	double d;

	if (!cJSON_IsNumber(item))
		return CELL_EJSON;
	d = item->valuedouble;
	/* Doubles hold every integer up to 2^53 exactly, none past it. */
	if (!(d >= 0) || d > 9007199254740992.0 || (double)(uint64_t)d != d)
		return CELL_EJSON;
	*out = (uint64_t)d;
	return 0;
}

int dna_meta_add_signature(cJSON *meta, const struct dna_key *key,
			   const char *name, const char *hash)
{
	char keytext[DNA_KEY_TEXT_SIZE], sig[DNA_SIG_TEXT_SIZE];
	cJSON *sigs, *entry, *k;
	int err;

	if (!cJSON_IsObject(meta))
		return CELL_EJSON;
	err = dna_sign(key, name, hash, sig);
	if (err)
		return err;
	dna_key_format(key->pk, keytext);
	sigs = cJSON_GetObjectItemCaseSensitive(meta, "signatures");
	if (!sigs) {
		sigs = cJSON_AddArrayToObject(meta, "signatures");
		if (!sigs)
			return -ENOMEM;
	}
	if (!cJSON_IsArray(sigs))
		return CELL_EJSON;
	/* One signature per key: a re-sign replaces the old one. */
	cJSON_ArrayForEach(entry, sigs) {
		k = cJSON_GetObjectItemCaseSensitive(entry, "key");
		if (cJSON_IsString(k) && !strcmp(k->valuestring, keytext)) {
			cJSON *s, *old;

			/*
			 * In place: cJSON_ReplaceItemInObject, when its
			 * strdup of the key fails, puts in an item with no
			 * key and still says it succeeded.
			 */
			old = cJSON_GetObjectItemCaseSensitive(entry, "sig");
			if (cJSON_IsString(old))
				return cJSON_SetValuestring(old, sig) ? 0 :
								       -ENOMEM;
			s = cJSON_CreateString(sig);
			if (!s)
				return -ENOMEM;
			cJSON_DeleteItemFromObjectCaseSensitive(entry, "sig");
			if (!cJSON_AddItemToObject(entry, "sig", s)) {
				/* Not attached: still ours to free. */
				cJSON_Delete(s);
				return -ENOMEM;
			}
			return 0;
		}
	}
	entry = cJSON_CreateObject();
	if (!entry)
		return -ENOMEM;
	if (!cJSON_AddStringToObject(entry, "key", keytext) ||
	    !cJSON_AddStringToObject(entry, "sig", sig) ||
	    !cJSON_AddItemToArray(sigs, entry)) {
		cJSON_Delete(entry);
		return -ENOMEM;
	}
	return 0;
}

/* The keys this node trusts: 32 bytes each in keys->data. */
static int add_trusted(struct cell_buf *keys, const char *text)
{
	unsigned char pk[32];

	if (dna_key_parse(text, pk))
		return CELL_EKEY;
	return cell_buf_add(keys, pk, sizeof pk);
}

/* keys/node.pub, if there is one. */
static int load_own_key(const struct cell_home *home, struct cell_buf *keys)
{
	struct cell_buf b = CELL_BUF_INIT(256);
	char path[CELL_PATH_MAX];
	int err;

	err = cell_home_path(home, path, sizeof path, "keys/node.pub");
	if (!err)
		err = fs_read_file(path, &b);
	if (err == -ENOENT) {
		err = 0;
	} else if (err == CELL_ETOOBIG) {
		err = CELL_EKEY;
	} else if (!err) {
		if (b.len && b.data[b.len - 1] == '\n')
			b.data[--b.len] = '\0';
		err = strlen(b.data) == b.len ? add_trusted(keys, b.data)
					      : CELL_EKEY;
	}
	cell_buf_release(&b);
	return err;
}

/*
 * trust/peers: "label ed25519:BASE64" per line; blank lines and lines
 * starting with '#' are skipped; anything else is CELL_EKEY.
 */
static int load_peers(const struct cell_home *home, struct cell_buf *keys)
{
	struct cell_buf b = CELL_BUF_INIT(DNA_META_MAX);
	char path[CELL_PATH_MAX];
	char *line, *next, *sp;
	int err;

	err = cell_home_path(home, path, sizeof path, "trust/peers");
	if (!err)
		err = fs_read_file(path, &b);
	if (err == -ENOENT) {
		err = 0;
		goto out;
	}
	if (err == CELL_ETOOBIG || (!err && strlen(cell_buf_str(&b)) != b.len))
		err = CELL_EKEY;
	if (err)
		goto out;
	for (line = b.data; line && *line && !err; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!*line || *line == '#')
			continue;
		sp = strchr(line, ' ');
		if (!sp || sp == line) {
			err = CELL_EKEY;
			break;
		}
		err = add_trusted(keys, sp + 1);
	}
out:
	cell_buf_release(&b);
	return err;
}

static int trusted(const struct cell_buf *keys, const unsigned char pk[32])
{
	size_t i;

	for (i = 0; i + 32 <= keys->len; i += 32)
		if (!memcmp(keys->data + i, pk, 32))
			return 1;
	return 0;
}

int dna_meta_verify(const struct cell_home *home, const cJSON *meta,
		    const char *name, const char *hash)
{
	struct cell_buf keys = CELL_BUF_INIT(DNA_META_MAX);
	const cJSON *sigs, *entry, *k, *s, *field;
	unsigned char pk[32];
	int err;

	if (!cJSON_IsObject(meta))
		return CELL_EJSON;
	/* The meta must describe what the signatures are checked for. */
	field = cJSON_GetObjectItemCaseSensitive(meta, "name");
	if (field && (!cJSON_IsString(field) ||
		      strcmp(field->valuestring, name)))
		return CELL_EJSON;
	field = cJSON_GetObjectItemCaseSensitive(meta, "hash");
	if (field && (!cJSON_IsString(field) ||
		      strcmp(field->valuestring, hash)))
		return CELL_EJSON;
	sigs = cJSON_GetObjectItemCaseSensitive(meta, "signatures");
	if (!sigs || (cJSON_IsArray(sigs) && !cJSON_GetArraySize(sigs)))
		return CELL_ESIG;
	if (!cJSON_IsArray(sigs))
		return CELL_EJSON;
	err = load_own_key(home, &keys);
	if (!err)
		err = load_peers(home, &keys);
	if (err)
		goto out;
	cJSON_ArrayForEach(entry, sigs) {
		k = cJSON_GetObjectItemCaseSensitive(entry, "key");
		s = cJSON_GetObjectItemCaseSensitive(entry, "sig");
		if (!cJSON_IsString(k) || !cJSON_IsString(s)) {
			err = CELL_EJSON;
			break;
		}
		if (dna_key_parse(k->valuestring, pk) || !trusted(&keys, pk) ||
		    dna_sig_check(pk, name, hash, s->valuestring)) {
			err = CELL_ESIG;
			break;
		}
	}
out:
	cell_buf_release(&keys);
	return err;
}
