/* dna_test.c - libdna: hashes, objects, refs, cache, keys, signatures, meta, gc. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dna.h"
#include "fsutil.h"
#include "test.h"

/* A fresh $CELL_HOME under a fresh temp dir, per test. */
static struct cell_home home;
static char tmpdir[64];

static void fresh_home(void)
{
	char dir[128];

	snprintf(tmpdir, sizeof tmpdir, "/tmp/dna_test.XXXXXX");
	if (!mkdtemp(tmpdir))
		abort();
	snprintf(dir, sizeof dir, "%s/home", tmpdir);
	if (cell_home_init(&home, dir))
		abort();
}

static void cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		abort();
}

/* Writes a file under tmpdir (or under home when in_home). */
static void put_file(const char *rel, const void *data, size_t len,
		     int in_home)
{
	char path[CELL_PATH_MAX];
	int fd;

	if (in_home)
		cell_home_path(&home, path, sizeof path, "%s", rel);
	else
		snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		abort();
	close(fd);
}

static void src_path(char *out, size_t size, const char *rel)
{
	snprintf(out, size, "%s/%s", tmpdir, rel);
}

static int exists(const char *rel)
{
	char path[CELL_PATH_MAX];
	struct stat st;

	cell_home_path(&home, path, sizeof path, "%s", rel);
	return lstat(path, &st) == 0;
}

/* Stores bytes as an object; its hash in hash. */
static void store(const char *bytes, char hash[DNA_HASH_SIZE])
{
	char src[CELL_PATH_MAX];

	put_file("src", bytes, strlen(bytes), 0);
	src_path(src, sizeof src, "src");
	if (dna_object_put(&home, src, hash))
		abort();
}

static void test_hash_vectors(void)
{
	char hex[DNA_HASH_SIZE];

	/* BLAKE2b-256 test values (RFC 7693 family, 32-byte output). */
	dna_hash_bytes("", 0, hex);
	CHECK_STR(hex, "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
	dna_hash_bytes("abc", 3, hex);
	CHECK_STR(hex, "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
	CHECK(dna_hash_valid(hex));
}

static void test_hash_valid(void)
{
	char h[DNA_HASH_SIZE];

	memset(h, 'a', DNA_HASH_LEN);
	h[DNA_HASH_LEN] = '\0';
	CHECK(dna_hash_valid(h));
	h[3] = 'A';
	CHECK(!dna_hash_valid(h));
	h[3] = 'g';
	CHECK(!dna_hash_valid(h));
	h[3] = '/';
	CHECK(!dna_hash_valid(h));
	h[3] = 'a';
	h[DNA_HASH_LEN - 1] = '\0';
	CHECK(!dna_hash_valid(h));
	CHECK(!dna_hash_valid(""));
	CHECK(!dna_hash_valid(NULL));
	CHECK(!dna_hash_valid("../../etc/passwd"));
}

static void test_hasher_incremental(void)
{
	struct dna_hasher h;
	char a[DNA_HASH_SIZE], b[DNA_HASH_SIZE], c[DNA_HASH_SIZE];

	dna_hasher_init(&h);
	dna_hasher_add(&h, "ab", 2);
	dna_hasher_add(&h, "c", 1);
	dna_hasher_final(&h, a);
	dna_hash_bytes("abc", 3, b);
	CHECK_STR(a, b);
	/* addstr keeps the boundary: "ab","c" differs from "a","bc". */
	dna_hasher_init(&h);
	dna_hasher_addstr(&h, "ab");
	dna_hasher_addstr(&h, "c");
	dna_hasher_final(&h, a);
	dna_hasher_init(&h);
	dna_hasher_addstr(&h, "a");
	dna_hasher_addstr(&h, "bc");
	dna_hasher_final(&h, c);
	CHECK(strcmp(a, c) != 0);
}

static void test_hash_file(void)
{
	char path[CELL_PATH_MAX], a[DNA_HASH_SIZE], b[DNA_HASH_SIZE];

	fresh_home();
	put_file("f", "hello", 5, 0);
	src_path(path, sizeof path, "f");
	CHECK_INT(dna_hash_file(path, a), 0);
	dna_hash_bytes("hello", 5, b);
	CHECK_STR(a, b);
	src_path(path, sizeof path, "missing");
	CHECK_INT(dna_hash_file(path, a), -ENOENT);
	cleanup();
}

static void test_object_put(void)
{
	char hash[DNA_HASH_SIZE], again[DNA_HASH_SIZE], want[DNA_HASH_SIZE];
	char path[CELL_PATH_MAX], src[CELL_PATH_MAX], rel[128];
	struct cell_buf b = CELL_BUF_INIT(1024);
	struct stat st;

	fresh_home();
	store("#!/bin/sh\necho hi\n", hash);
	dna_hash_bytes("#!/bin/sh\necho hi\n", 18, want);
	CHECK_STR(hash, want);
	CHECK_INT(dna_object_path(&home, hash, path, sizeof path), 0);
	snprintf(rel, sizeof rel, "/dna/objects/%.2s/%s", hash, hash + 2);
	CHECK(strstr(path, rel) != NULL);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 07777, 0555);
	CHECK_INT(fs_read_file(path, &b), 0);
	CHECK_STR(cell_buf_str(&b), "#!/bin/sh\necho hi\n");
	/* $CELL_HOME is private, the store inside it readable. */
	CHECK_INT(stat(home.dir, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0700);
	/* Idempotent: the same bytes give the same object, nothing else. */
	src_path(src, sizeof src, "src");
	CHECK_INT(dna_object_put(&home, src, again), 0);
	CHECK_STR(again, hash);
	CHECK(!exists("dna/objects/incoming.tmp.XXXXXX"));
	CHECK_INT(dna_object_verify(&home, hash), 0);
	src_path(src, sizeof src, "missing");
	CHECK_INT(dna_object_put(&home, src, again), -ENOENT);
	cell_buf_release(&b);
	cleanup();
}

static void test_object_put_leaves_no_temp(void)
{
	char hash[DNA_HASH_SIZE], cmd[CELL_PATH_MAX + 64], line[512];
	int found = 0;
	FILE *p;

	fresh_home();
	store("x", hash);
	store("x", hash);
	snprintf(cmd, sizeof cmd, "find '%s' -name '*.tmp.*'", home.dir);
	p = popen(cmd, "r");
	CHECK(p != NULL);
	if (p) {
		while (fgets(line, sizeof line, p))
			found++;
		CHECK_INT(pclose(p), 0);
	}
	CHECK_INT(found, 0);
	cleanup();
}

static void test_object_verify_corrupt(void)
{
	char hash[DNA_HASH_SIZE], path[CELL_PATH_MAX], bad[DNA_HASH_SIZE];
	int fd;
	char c;

	fresh_home();
	store("some executable bytes", hash);
	dna_object_path(&home, hash, path, sizeof path);
	chmod(path, 0755);
	fd = open(path, O_RDWR);
	CHECK(fd >= 0);
	CHECK_INT(pread(fd, &c, 1, 3), 1);
	c ^= 1;
	CHECK_INT(pwrite(fd, &c, 1, 3), 1);
	close(fd);
	CHECK_INT(dna_object_verify(&home, hash), CELL_ECORRUPT);
	/* Truncated to nothing is corrupt too. */
	CHECK_INT(truncate(path, 0), 0);
	CHECK_INT(dna_object_verify(&home, hash), CELL_ECORRUPT);
	/* Storing the same bytes again repairs the damaged copy. */
	store("some executable bytes", bad);
	CHECK_STR(bad, hash);
	CHECK_INT(dna_object_verify(&home, hash), 0);
	unlink(path);
	CHECK_INT(dna_object_verify(&home, hash), CELL_ENODNA);
	CHECK_INT(dna_object_verify(&home, "nothex"), CELL_ENODNA);
	memset(bad, 'a', DNA_HASH_LEN);
	bad[DNA_HASH_LEN] = '\0';
	CHECK_INT(dna_object_verify(&home, bad), CELL_ENODNA);
	CHECK_INT(dna_object_path(&home, "../../x", path, sizeof path),
		  CELL_ENODNA);
	CHECK_INT(dna_object_path(&home, bad, path, 10), -ENAMETOOLONG);
	cleanup();
}

static void test_refs(void)
{
	char hash[DNA_HASH_SIZE], got[DNA_HASH_SIZE], other[DNA_HASH_SIZE];

	fresh_home();
	CHECK_INT(dna_ref_read(&home, "echo", got), CELL_ENODNA);
	store("v1", hash);
	CHECK_INT(dna_ref_write(&home, "echo", hash), 0);
	CHECK_INT(dna_ref_read(&home, "echo", got), 0);
	CHECK_STR(got, hash);
	store("v2", other);
	CHECK_INT(dna_ref_write(&home, "echo", other), 0);
	CHECK_INT(dna_ref_read(&home, "echo", got), 0);
	CHECK_STR(got, other);
	/* Names are checked before they touch a path. */
	CHECK_INT(dna_ref_write(&home, "../evil", hash), CELL_ENAME);
	CHECK_INT(dna_ref_write(&home, "Echo", hash), CELL_ENAME);
	CHECK_INT(dna_ref_read(&home, "../../keys/node", got), CELL_ENAME);
	CHECK_INT(dna_ref_write(&home, "echo", "deadbeef"), CELL_ENODNA);
	/* A ref is never written to point at nothing. */
	memset(got, 'b', DNA_HASH_LEN);
	got[DNA_HASH_LEN] = '\0';
	CHECK_INT(dna_ref_write(&home, "ghost", got), CELL_ENODNA);
	CHECK(!exists("dna/refs/ghost"));
	cleanup();
}

static void test_ref_garbage(void)
{
	char hash[DNA_HASH_SIZE], got[DNA_HASH_SIZE], text[80];

	fresh_home();
	store("v1", hash);
	CHECK_INT(dna_ref_write(&home, "echo", hash), 0);
	put_file("dna/refs/echo", "garbage\n", 8, 1);
	CHECK_INT(dna_ref_read(&home, "echo", got), CELL_ECORRUPT);
	put_file("dna/refs/echo", "", 0, 1);
	CHECK_INT(dna_ref_read(&home, "echo", got), CELL_ECORRUPT);
	/* Cut in half. */
	put_file("dna/refs/echo", hash, 32, 1);
	CHECK_INT(dna_ref_read(&home, "echo", got), CELL_ECORRUPT);
	/* A valid hash followed by more. */
	snprintf(text, sizeof text, "%s\nx", hash);
	put_file("dna/refs/echo", text, strlen(text), 1);
	CHECK_INT(dna_ref_read(&home, "echo", got), CELL_ECORRUPT);
	/* Upper case hex is not our hash form. */
	snprintf(text, sizeof text, "%s\n", hash);
	text[0] = 'A';
	put_file("dna/refs/echo", text, strlen(text), 1);
	CHECK_INT(dna_ref_read(&home, "echo", got), CELL_ECORRUPT);
	/* Without its newline (written by hand) it still reads. */
	put_file("dna/refs/echo", hash, DNA_HASH_LEN, 1);
	CHECK_INT(dna_ref_read(&home, "echo", got), 0);
	CHECK_STR(got, hash);
	cleanup();
}

static void test_cache(void)
{
	char key[DNA_HASH_SIZE], hash[DNA_HASH_SIZE], got[DNA_HASH_SIZE];
	char path[CELL_PATH_MAX];

	fresh_home();
	dna_hash_bytes("inputs", 6, key);
	dna_hash_bytes("output", 6, hash);
	CHECK_INT(dna_cache_get(&home, key, got), -ENOENT);
	CHECK_INT(dna_cache_put(&home, key, hash), 0);
	CHECK_INT(dna_cache_get(&home, key, got), 0);
	CHECK_STR(got, hash);
	CHECK_INT(dna_cache_get(&home, "../refs/echo", got), -EINVAL);
	CHECK_INT(dna_cache_put(&home, key, "zz"), -EINVAL);
	CHECK_INT(dna_cache_put(&home, "x", hash), -EINVAL);
	snprintf(path, sizeof path, "dna/cache/%s", key);
	put_file(path, "\0\0\0", 3, 1);
	CHECK_INT(dna_cache_get(&home, key, got), CELL_ECORRUPT);
	cleanup();
}

struct cache_seen {
	int good, bad;
	char last[DNA_HASH_SIZE];
};

static int record_cache(void *ctx, const char *key, const char *hash)
{
	struct cache_seen *c = ctx;

	/* Key order: each key sorts after the one before. */
	CHECK(strcmp(key, c->last) > 0);
	memcpy(c->last, key, DNA_HASH_SIZE);
	if (hash)
		c->good++;
	else
		c->bad++;
	return 0;
}

static void test_cache_each(void)
{
	struct cache_seen c = { 0, 0, "" };
	char key[DNA_HASH_SIZE], hash[DNA_HASH_SIZE], rel[128];
	int i;

	fresh_home();
	CHECK_INT(dna_cache_each(&home, record_cache, &c), 0);
	CHECK_INT(c.good + c.bad, 0);
	dna_hash_bytes("out", 3, hash);
	for (i = 0; i < 5; i++) {
		dna_hash_bytes(&i, sizeof i, key);
		CHECK_INT(dna_cache_put(&home, key, hash), 0);
	}
	snprintf(rel, sizeof rel, "dna/cache/%s", key);
	put_file(rel, "garbage", 7, 1);
	put_file("dna/cache/README", "x", 1, 1);
	CHECK_INT(dna_cache_each(&home, record_cache, &c), 0);
	CHECK_INT(c.good, 4);
	CHECK_INT(c.bad, 1);
	cleanup();
}

static void test_key_create_and_load(void)
{
	struct dna_key a, b;
	struct cell_buf pub = CELL_BUF_INIT(256);
	char path[CELL_PATH_MAX], text[DNA_KEY_TEXT_SIZE + 1];
	struct stat st;
	unsigned char derived[32];

	fresh_home();
	CHECK_INT(dna_key_load_or_create(&home, &a), 0);
	cell_home_path(&home, path, sizeof path, "keys");
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0700);
	cell_home_path(&home, path, sizeof path, "keys/node.key");
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0600);
	cell_home_path(&home, path, sizeof path, "keys/node.pub");
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0644);
	CHECK_INT(fs_read_file(path, &pub), 0);
	dna_key_format(a.pk, text);
	CHECK_INT((int)strlen(text), 8 + 44);
	CHECK(!strncmp(text, "ed25519:", 8));
	snprintf(text + strlen(text), 2, "\n");
	CHECK_STR(cell_buf_str(&pub), text);
	/* The same key on the next load. */
	CHECK_INT(dna_key_load_or_create(&home, &b), 0);
	CHECK(!memcmp(a.pk, b.pk, 32));
	CHECK(!memcmp(a.sk, b.sk, 64));
	/* sk and pk belong together. */
	crypto_sign_ed25519_sk_to_pk(derived, a.sk);
	CHECK(!memcmp(derived, a.pk, 32));
	/* node.pub is derived: it comes back when removed. */
	unlink(path);
	CHECK_INT(dna_key_load_or_create(&home, &b), 0);
	CHECK_INT(stat(path, &st), 0);
	cell_buf_release(&pub);
	cleanup();
}

static void test_key_garbage(void)
{
	struct dna_key k;
	char text[DNA_KEY_TEXT_SIZE];
	static const char *const bad[] = {
		"garbage\n",
		"ed25519-secret:\n",
		"ed25519-secret:AAAA\n",             /* too short */
		"ed25519-secret:!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!=\n",
		"ed25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
		"",
	};
	size_t i;

	fresh_home();
	CHECK_INT(dna_key_load_or_create(&home, &k), 0);
	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		put_file("keys/node.key", bad[i], strlen(bad[i]), 1);
		CHECK_INT(dna_key_load_or_create(&home, &k), CELL_EKEY);
	}
	/* A valid secret whose node.pub names another key. */
	put_file("keys/node.key",
		 "ed25519-secret:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
		 60, 1);
	CHECK_INT(dna_key_load_or_create(&home, &k), CELL_EKEY);
	/* A truncated secret (cut mid-base64). */
	put_file("keys/node.key", "ed25519-secret:AAAAAAAAAAAAAAAA", 31, 1);
	CHECK_INT(dna_key_load_or_create(&home, &k), CELL_EKEY);
	/* Key text parsing. */
	dna_key_format(k.pk, text);
	CHECK_INT(dna_key_parse("ed25519:", k.pk), CELL_EKEY);
	CHECK_INT(dna_key_parse("ssh-ed25519 AAAA", k.pk), CELL_EKEY);
	CHECK_INT(dna_key_parse("ed25519:AAAA", k.pk), CELL_EKEY);
	CHECK_INT(dna_key_parse(NULL, k.pk), CELL_EKEY);
	cleanup();
}

static void test_key_parse_roundtrip(void)
{
	unsigned char pk[32], back[32];
	char text[DNA_KEY_TEXT_SIZE];
	size_t i;

	for (i = 0; i < 32; i++)
		pk[i] = (unsigned char)(i * 7 + 1);
	dna_key_format(pk, text);
	CHECK_INT(dna_key_parse(text, back), 0);
	CHECK(!memcmp(pk, back, 32));
	text[strlen(text) - 2] = '#';
	CHECK_INT(dna_key_parse(text, back), CELL_EKEY);
}

static void test_sign_and_check(void)
{
	struct dna_key k;
	char hash[DNA_HASH_SIZE], other[DNA_HASH_SIZE], sig[DNA_SIG_TEXT_SIZE];
	unsigned char bin[64], msg[200];
	size_t n, got;

	fresh_home();
	CHECK_INT(dna_key_load_or_create(&home, &k), 0);
	dna_hash_bytes("obj", 3, hash);
	dna_hash_bytes("other", 5, other);
	CHECK_INT(dna_sign(&k, "echo", hash, sig), 0);
	CHECK_INT((int)strlen(sig), 88);
	CHECK_INT(dna_sig_check(k.pk, "echo", hash, sig), 0);
	CHECK_INT(dna_sig_check(k.pk, "echo2", hash, sig), CELL_ESIG);
	CHECK_INT(dna_sig_check(k.pk, "echo", other, sig), CELL_ESIG);
	/* The signed bytes are exactly "cell-dna-v1" NUL NAME NUL HASH. */
	memcpy(msg, "cell-dna-v1\0echo\0", 17);
	memcpy(msg + 17, hash, 64);
	n = 0;
	CHECK_INT(sodium_base642bin(bin, sizeof bin, sig, strlen(sig), NULL,
				    &got, NULL, sodium_base64_VARIANT_ORIGINAL),
		  0);
	CHECK_INT(got, 64);
	CHECK_INT(crypto_sign_verify_detached(bin, msg, 17 + 64, k.pk), 0);
	(void)n;
	/* A flipped character, garbage, truncation. */
	sig[10] = sig[10] == 'A' ? 'B' : 'A';
	CHECK_INT(dna_sig_check(k.pk, "echo", hash, sig), CELL_ESIG);
	CHECK_INT(dna_sig_check(k.pk, "echo", hash, "not base64!"), CELL_ESIG);
	CHECK_INT(dna_sig_check(k.pk, "echo", hash, "AAAA"), CELL_ESIG);
	CHECK_INT(dna_sig_check(k.pk, "echo", hash, ""), CELL_ESIG);
	CHECK_INT(dna_sig_check(k.pk, "echo", hash, NULL), CELL_ESIG);
	CHECK_INT(dna_sign(&k, "Bad Name", hash, sig), CELL_ENAME);
	CHECK_INT(dna_sign(&k, "echo", "123", sig), -EINVAL);
	cleanup();
}

/* A meta as `cell build` writes it, signed by the node. */
static cJSON *make_meta(const char *name, const char *hash)
{
	struct dna_key k;
	cJSON *m = cJSON_CreateObject(), *src;

	cJSON_AddStringToObject(m, "name", name);
	cJSON_AddStringToObject(m, "version", "0.1.0");
	cJSON_AddStringToObject(m, "hash", hash);
	cJSON_AddNumberToObject(m, "size", 12345);
	src = cJSON_AddObjectToObject(m, "source");
	cJSON_AddStringToObject(src, "repo", "/w");
	cJSON_AddStringToObject(src, "path", "cells/echo");
	cJSON_AddNullToObject(src, "commit");
	cJSON_AddFalseToObject(src, "dirty");
	if (dna_key_load_or_create(&home, &k) ||
	    dna_meta_add_signature(m, &k, name, hash))
		abort();
	return m;
}

/* cJSON allocations left before they fail, for the out-of-memory test. */
static long allocs_left;

static void *failing_malloc(size_t n)
{
	return allocs_left-- > 0 ? malloc(n) : NULL;
}

/*
 * Re-signing with every cJSON allocation failing in turn: each attempt
 * either reports -ENOMEM or leaves the new signature in place, never a
 * false success (LeakSanitizer checks nothing is lost on the way).
 */
static void test_meta_resign_out_of_memory(void)
{
	cJSON_Hooks failing = { failing_malloc, free };
	char hash[DNA_HASH_SIZE];
	struct dna_key k;
	int had_sig, err;
	long budget;

	fresh_home();
	CHECK_INT(dna_key_load_or_create(&home, &k), 0);
	dna_hash_bytes("obj", 3, hash);
	for (had_sig = 0; had_sig < 2; had_sig++) {
		for (budget = 0; budget < 100; budget++) {
			cJSON *m = make_meta("echo", hash), *entry, *sig;

			sig = cJSON_GetObjectItemCaseSensitive(m, "signatures");
			entry = cJSON_GetArrayItem(sig, 0);
			cJSON_DeleteItemFromObjectCaseSensitive(entry, "sig");
			if (had_sig)
				cJSON_AddStringToObject(entry, "sig", "stale");
			allocs_left = budget;
			cJSON_InitHooks(&failing);
			err = dna_meta_add_signature(m, &k, "echo", hash);
			cJSON_InitHooks(NULL);
			sig = cJSON_GetObjectItemCaseSensitive(entry, "sig");
			if (err == 0) {
				CHECK(cJSON_IsString(sig) &&
				      strlen(sig->valuestring) == 88);
				cJSON_Delete(m);
				break;
			}
			CHECK_INT(err, -ENOMEM);
			cJSON_Delete(m);
		}
		CHECK(budget < 100);
	}
	cleanup();
}

static void test_meta_roundtrip(void)
{
	char hash[DNA_HASH_SIZE], path[CELL_PATH_MAX];
	struct cell_buf b = CELL_BUF_INIT(DNA_META_MAX);
	cJSON *m, *r;
	uint64_t size;

	fresh_home();
	store("meta obj", hash);
	m = make_meta("echo", hash);
	CHECK_INT(dna_meta_write(&home, hash, m), 0);
	CHECK_INT(dna_meta_read(&home, hash, &r), 0);
	CHECK(cJSON_Compare(m, r, 1));
	CHECK_INT(dna_json_u64(cJSON_GetObjectItemCaseSensitive(r, "size"),
			       &size), 0);
	CHECK_INT(size, 12345);
	/* Pretty-printed, newline-terminated. */
	cell_home_path(&home, path, sizeof path, "dna/meta/%s.json", hash);
	CHECK_INT(fs_read_file(path, &b), 0);
	CHECK(b.len > 2 && b.data[b.len - 1] == '\n');
	CHECK(strstr(b.data, "\n\t\"name\":") != NULL);
	/* meta's hash must be the one it is filed under. */
	dna_hash_bytes("x", 1, path);
	CHECK_INT(dna_meta_write(&home, path, m), CELL_EJSON);
	CHECK_INT(dna_meta_write(&home, "zz", m), -EINVAL);
	cJSON_Delete(m);
	cJSON_Delete(r);
	cell_buf_release(&b);
	cleanup();
}

static void test_meta_malformed(void)
{
	char hash[DNA_HASH_SIZE], rel[128];
	struct cell_buf b = CELL_BUF_INIT(DNA_META_MAX);
	cJSON *m, *r = (cJSON *)1;
	char *big;

	fresh_home();
	store("meta obj", hash);
	m = make_meta("echo", hash);
	CHECK_INT(dna_meta_write(&home, hash, m), 0);
	snprintf(rel, sizeof rel, "dna/meta/%s.json", hash);
	{
		char path[CELL_PATH_MAX];

		cell_home_path(&home, path, sizeof path, "%s", rel);
		CHECK_INT(fs_read_file(path, &b), 0);
	}
	/* Cut in half. */
	put_file(rel, b.data, b.len / 2, 1);
	CHECK_INT(dna_meta_read(&home, hash, &r), CELL_EJSON);
	CHECK(r == NULL);
	put_file(rel, "", 0, 1);
	CHECK_INT(dna_meta_read(&home, hash, &r), CELL_EJSON);
	put_file(rel, "[1,2]", 5, 1);
	CHECK_INT(dna_meta_read(&home, hash, &r), CELL_EJSON);
	put_file(rel, "{} trailing", 11, 1);
	CHECK_INT(dna_meta_read(&home, hash, &r), CELL_EJSON);
	put_file(rel, "{\"a\":1}\0junk", 12, 1);
	CHECK_INT(dna_meta_read(&home, hash, &r), CELL_EJSON);
	big = malloc(DNA_META_MAX + 10);
	memset(big, ' ', DNA_META_MAX + 10);
	big[0] = '{';
	big[DNA_META_MAX + 9] = '}';
	put_file(rel, big, DNA_META_MAX + 10, 1);
	CHECK_INT(dna_meta_read(&home, hash, &r), CELL_ETOOBIG);
	free(big);
	unlink(rel);
	dna_hash_bytes("nothing", 7, hash);
	CHECK_INT(dna_meta_read(&home, hash, &r), CELL_ENODNA);
	CHECK_INT(dna_meta_read(&home, "../../keys/node.key", &r),
		  CELL_ENODNA);
	cJSON_Delete(m);
	cell_buf_release(&b);
	cleanup();
}

static void test_meta_verify(void)
{
	char hash[DNA_HASH_SIZE], keytext[DNA_KEY_TEXT_SIZE], line[128];
	struct dna_key stranger;
	cJSON *m, *sigs;

	fresh_home();
	store("obj", hash);
	m = make_meta("echo", hash);
	CHECK_INT(dna_meta_verify(&home, m, "echo", hash), 0);
	/* Signed for another name: the meta does not describe "other". */
	CHECK_INT(dna_meta_verify(&home, m, "other", hash), CELL_EJSON);
	/* Re-signing replaces, never duplicates. */
	{
		struct dna_key k;

		dna_key_load_or_create(&home, &k);
		CHECK_INT(dna_meta_add_signature(m, &k, "echo", hash), 0);
		CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
				  m, "signatures")), 1);
	}
	/* An untrusted key, even with a valid signature. */
	crypto_sign_keypair(stranger.pk, stranger.sk);
	CHECK_INT(dna_meta_add_signature(m, &stranger, "echo", hash), 0);
	CHECK_INT(dna_meta_verify(&home, m, "echo", hash), CELL_ESIG);
	/* ...trusted once listed in trust/peers. */
	dna_key_format(stranger.pk, keytext);
	snprintf(line, sizeof line, "# peers\n\nbox2 %s\n", keytext);
	fs_mkdir_p(tmpdir, 0755);
	{
		char dir[CELL_PATH_MAX];

		cell_home_path(&home, dir, sizeof dir, "trust");
		mkdir(dir, 0700);
	}
	put_file("trust/peers", line, strlen(line), 1);
	CHECK_INT(dna_meta_verify(&home, m, "echo", hash), 0);
	/* A malformed trust line is an error, not silently skipped. */
	put_file("trust/peers", "box2\n", 5, 1);
	CHECK_INT(dna_meta_verify(&home, m, "echo", hash), CELL_EKEY);
	put_file("trust/peers", line, strlen(line), 1);
	/* A corrupted signature. */
	sigs = cJSON_GetObjectItemCaseSensitive(m, "signatures");
	cJSON_ReplaceItemInObjectCaseSensitive(
		cJSON_GetArrayItem(sigs, 0), "sig",
		cJSON_CreateString("AAAA"));
	CHECK_INT(dna_meta_verify(&home, m, "echo", hash), CELL_ESIG);
	/* Malformed entries, none at all. */
	cJSON_ReplaceItemInArray(sigs, 0, cJSON_CreateString("x"));
	CHECK_INT(dna_meta_verify(&home, m, "echo", hash), CELL_EJSON);
	cJSON_DeleteItemFromObjectCaseSensitive(m, "signatures");
	CHECK_INT(dna_meta_verify(&home, m, "echo", hash), CELL_ESIG);
	cJSON_AddArrayToObject(m, "signatures");
	CHECK_INT(dna_meta_verify(&home, m, "echo", hash), CELL_ESIG);
	cJSON_Delete(m);
	cleanup();
}

static void test_json_u64(void)
{
	cJSON *n;
	uint64_t v = 7;

	n = cJSON_CreateNumber(9007199254740992.0);
	CHECK_INT(dna_json_u64(n, &v), 0);
	CHECK(v == 9007199254740992ull);
	cJSON_SetNumberValue(n, 18446744073709551616.0);
	CHECK_INT(dna_json_u64(n, &v), CELL_EJSON);
	cJSON_SetNumberValue(n, -1);
	CHECK_INT(dna_json_u64(n, &v), CELL_EJSON);
	cJSON_SetNumberValue(n, 1.5);
	CHECK_INT(dna_json_u64(n, &v), CELL_EJSON);
	cJSON_Delete(n);
	n = cJSON_CreateString("12");
	CHECK_INT(dna_json_u64(n, &v), CELL_EJSON);
	cJSON_Delete(n);
	CHECK_INT(dna_json_u64(NULL, &v), CELL_EJSON);
}

struct seen {
	char text[512];
	int stop_at;
	int calls;
};

static int record(void *ctx, const char *name, const char *hash)
{
	struct seen *s = ctx;
	size_t n = strlen(s->text);

	snprintf(s->text + n, sizeof s->text - n, "%s=%.4s ", name,
		 hash ? hash : "NULL");
	return ++s->calls == s->stop_at ? 42 : 0;
}

static void test_refs_each(void)
{
	char a[DNA_HASH_SIZE], b[DNA_HASH_SIZE], want[256];
	struct seen s = { "", 0, 0 };

	fresh_home();
	CHECK_INT(dna_refs_each(&home, record, &s), 0);
	CHECK_STR(s.text, "");
	store("a", a);
	store("b", b);
	CHECK_INT(dna_ref_write(&home, "zeta", a), 0);
	CHECK_INT(dna_ref_write(&home, "alpha", b), 0);
	CHECK_INT(dna_ref_write(&home, "mid", a), 0);
	put_file("dna/refs/broken", "junk", 4, 1);
	put_file("dna/refs/mid.tmp.abc123", "junk", 4, 1);
	put_file("dna/refs/Upper", "junk", 4, 1);
	CHECK_INT(dna_refs_each(&home, record, &s), 0);
	snprintf(want, sizeof want, "alpha=%.4s mid=%.4s zeta=%.4s ", b, a, a);
	CHECK_STR(s.text, want);
	s.text[0] = '\0';
	CHECK_INT(dna_refs_scan(&home, DNA_REFS_CORRUPT, record, &s), 0);
	snprintf(want, sizeof want,
		 "alpha=%.4s broken=NULL mid=%.4s zeta=%.4s ", b, a, a);
	CHECK_STR(s.text, want);
	s.text[0] = '\0';
	s.calls = 0;
	s.stop_at = 2;
	CHECK_INT(dna_refs_each(&home, record, &s), 42);
	CHECK_INT(s.calls, 2);
	cleanup();
}

static int count_hash(void *ctx, const char *hash)
{
	int *n = ctx;

	(*n)++;
	return dna_hash_valid(hash) ? 0 : -1;
}

static void test_objects_and_metas_each(void)
{
	char a[DNA_HASH_SIZE], b[DNA_HASH_SIZE];
	int n = 0;
	cJSON *m;

	fresh_home();
	CHECK_INT(dna_objects_each(&home, count_hash, &n), 0);
	CHECK_INT(dna_metas_each(&home, count_hash, &n), 0);
	CHECK_INT(n, 0);
	store("a", a);
	store("b", b);
	m = make_meta("x", a);
	CHECK_INT(dna_meta_write(&home, a, m), 0);
	cJSON_Delete(m);
	put_file("dna/meta/notes.txt", "x", 1, 1);
	CHECK_INT(dna_objects_each(&home, count_hash, &n), 0);
	CHECK_INT(n, 2);
	n = 0;
	CHECK_INT(dna_metas_each(&home, count_hash, &n), 0);
	CHECK_INT(n, 1);
	cleanup();
}

static void test_gc(void)
{
	char keep[DNA_HASH_SIZE], cached[DNA_HASH_SIZE], drop[DNA_HASH_SIZE];
	char key[DNA_HASH_SIZE], rel[160];
	struct dna_gc_result r = { 99, 99 };
	cJSON *m;

	fresh_home();
	/* No store yet: nothing collected, nothing created. */
	CHECK_INT(dna_gc(&home, &r), 0);
	CHECK_INT(r.objects, 0);
	CHECK_INT(r.bytes, 0);
	CHECK(!exists(""));
	store("kept by a ref", keep);
	store("kept by the cache", cached);
	store("garbage!", drop);
	CHECK_INT(dna_ref_write(&home, "echo", keep), 0);
	dna_hash_bytes("key", 3, key);
	CHECK_INT(dna_cache_put(&home, key, cached), 0);
	m = make_meta("old", drop);
	CHECK_INT(dna_meta_write(&home, drop, m), 0);
	cJSON_Delete(m);
	m = make_meta("echo", keep);
	CHECK_INT(dna_meta_write(&home, keep, m), 0);
	cJSON_Delete(m);
	put_file("dna/objects/incoming.tmp.abcdef", "1234", 4, 1);
	/* Dry run: counts, removes nothing. */
	CHECK_INT(dna_gc_flags(&home, DNA_GC_DRY_RUN, &r), 0);
	CHECK_INT(r.objects, 1);
	snprintf(rel, sizeof rel, "dna/objects/%.2s/%s", drop, drop + 2);
	CHECK(exists(rel));
	CHECK(exists("dna/objects/incoming.tmp.abcdef"));
	CHECK_INT(dna_gc(&home, &r), 0);
	CHECK_INT(r.objects, 1);
	CHECK(r.bytes > 8 + 4); /* the object, its meta, the temp file */
	CHECK(!exists(rel));
	snprintf(rel, sizeof rel, "dna/meta/%s.json", drop);
	CHECK(!exists(rel));
	CHECK(!exists("dna/objects/incoming.tmp.abcdef"));
	CHECK_INT(dna_object_verify(&home, keep), 0);
	CHECK_INT(dna_object_verify(&home, cached), 0);
	snprintf(rel, sizeof rel, "dna/meta/%s.json", keep);
	CHECK(exists(rel));
	/* Nothing left to collect. */
	CHECK_INT(dna_gc(&home, &r), 0);
	CHECK_INT(r.objects, 0);
	CHECK_INT(r.bytes, 0);
	cleanup();
}

static void test_gc_refuses_with_corrupt_ref(void)
{
	char a[DNA_HASH_SIZE], b[DNA_HASH_SIZE], key[DNA_HASH_SIZE];
	char rel[160];
	struct dna_gc_result r;

	fresh_home();
	store("a", a);
	store("b", b);
	CHECK_INT(dna_ref_write(&home, "echo", a), 0);
	put_file("dna/refs/echo", "junk", 4, 1);
	CHECK_INT(dna_gc(&home, &r), CELL_ECORRUPT);
	CHECK_INT(dna_object_verify(&home, a), 0);
	CHECK_INT(dna_object_verify(&home, b), 0);
	/* A corrupt cache entry, though, is only dropped. */
	CHECK_INT(dna_ref_write(&home, "echo", a), 0);
	dna_hash_bytes("k", 1, key);
	CHECK_INT(dna_cache_put(&home, key, a), 0);
	snprintf(rel, sizeof rel, "dna/cache/%s", key);
	put_file(rel, "junk", 4, 1);
	CHECK_INT(dna_gc(&home, &r), 0);
	CHECK_INT(r.objects, 1);
	CHECK(!exists(rel));
	cleanup();
}

static void test_gc_home_not_a_directory(void)
{
	struct dna_gc_result r;
	char hash[DNA_HASH_SIZE];
	char src[CELL_PATH_MAX];

	fresh_home();
	put_file("home", "x", 1, 0);
	CHECK_INT(dna_gc(&home, &r), -ENOTDIR);
	put_file("src", "x", 1, 0);
	src_path(src, sizeof src, "src");
	CHECK_INT(dna_object_put(&home, src, hash), -ENOTDIR);
	cleanup();
}

int main(void)
{
	RUN(test_hash_vectors);
	RUN(test_hash_valid);
	RUN(test_hasher_incremental);
	RUN(test_hash_file);
	RUN(test_object_put);
	RUN(test_object_put_leaves_no_temp);
	RUN(test_object_verify_corrupt);
	RUN(test_refs);
	RUN(test_ref_garbage);
	RUN(test_cache);
	RUN(test_cache_each);
	RUN(test_key_create_and_load);
	RUN(test_key_garbage);
	RUN(test_key_parse_roundtrip);
	RUN(test_sign_and_check);
	RUN(test_meta_roundtrip);
	RUN(test_meta_resign_out_of_memory);
	RUN(test_meta_malformed);
	RUN(test_meta_verify);
	RUN(test_json_u64);
	RUN(test_refs_each);
	RUN(test_objects_and_metas_each);
	RUN(test_gc);
	RUN(test_gc_refuses_with_corrupt_ref);
	RUN(test_gc_home_not_a_directory);
	return test_done();
}
