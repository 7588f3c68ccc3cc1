/*
 * key.c - the node's Ed25519 identity.
 *
 *   keys/         0700
 *   keys/node.key 0600  "ed25519-secret:" BASE64 "\n"
 *   keys/node.pub 0644  "ed25519:" BASE64 "\n"
 *
 * BASE64 is standard base64 with padding (sodium_base64_VARIANT_ORIGINAL).
 * node.key holds the 32-byte Ed25519 seed, the private key of RFC 8032
 * (not libsodium's 64-byte seed||pk form), so other Ed25519 tools can use
 * it; the key pair is derived from it on load. node.pub is derived too,
 * and rewritten if missing.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dna.h"
#include "dna_int.h"
#include "fsutil.h"

#define SECRET_PREFIX "ed25519-secret:"
#define PUBLIC_PREFIX "ed25519:"
#define SEED_BYTES crypto_sign_SEEDBYTES
/* prefix + 44 base64 + "\n" + NUL */
#define SECRET_TEXT_SIZE (sizeof SECRET_PREFIX + 46)

_Static_assert(crypto_sign_PUBLICKEYBYTES == 32, "Ed25519 pk is 32 bytes");
_Static_assert(crypto_sign_SECRETKEYBYTES == 64, "Ed25519 sk is 64 bytes");
_Static_assert(crypto_sign_BYTES == 64, "Ed25519 signature is 64 bytes");

/*
 * Decodes exactly len bytes of standard base64 from text (the whole
 * string). 0 or -1.
 */
static int b64_exact(const char *text, unsigned char *out, size_t len)
{
	unsigned char buf[128];
	const char *end = NULL;
	size_t got = 0;

	if (len > sizeof buf)
		return -1;
	if (sodium_base642bin(buf, sizeof buf, text, strlen(text), NULL, &got,
			      &end, sodium_base64_VARIANT_ORIGINAL) != 0)
		return -1;
	if (!end || *end || got != len)
		return -1;
	memcpy(out, buf, len);
	sodium_memzero(buf, sizeof buf);
	return 0;
}

void dna_key_format(const unsigned char pk[32], char out[DNA_KEY_TEXT_SIZE])
{
	memcpy(out, PUBLIC_PREFIX, sizeof PUBLIC_PREFIX - 1);
	sodium_bin2base64(out + sizeof PUBLIC_PREFIX - 1,
			  DNA_KEY_TEXT_SIZE - (sizeof PUBLIC_PREFIX - 1), pk,
			  32, sodium_base64_VARIANT_ORIGINAL);
}

int dna_key_parse(const char *text, unsigned char pk[32])
{
	if (!text || strncmp(text, PUBLIC_PREFIX, sizeof PUBLIC_PREFIX - 1))
		return CELL_EKEY;
	if (b64_exact(text + sizeof PUBLIC_PREFIX - 1, pk, 32))
		return CELL_EKEY;
	return 0;
}

/* Parses node.key's contents into key. 0 or CELL_EKEY. */
static int parse_secret(char *text, size_t len, struct dna_key *key)
{
	unsigned char seed[SEED_BYTES];
	int err = 0;

	if (strlen(text) != len)
		return CELL_EKEY; /* NUL bytes inside */
	if (len && text[len - 1] == '\n')
		text[--len] = '\0';
	if (strncmp(text, SECRET_PREFIX, sizeof SECRET_PREFIX - 1) ||
	    b64_exact(text + sizeof SECRET_PREFIX - 1, seed, sizeof seed))
		return CELL_EKEY;
	if (crypto_sign_seed_keypair(key->pk, key->sk, seed) != 0)
		err = CELL_ECRYPTO;
	sodium_memzero(seed, sizeof seed);
	return err;
}

/* Writes keys/node.pub for pk unless it already says so. */
static int ensure_pub(const struct cell_home *home, const unsigned char pk[32])
{
	struct cell_buf b = CELL_BUF_INIT(256);
	char path[CELL_PATH_MAX], text[DNA_KEY_TEXT_SIZE + 1];
	size_t n;
	int err;

	err = cell_home_path(home, path, sizeof path, "keys/node.pub");
	if (err)
		return err;
	dna_key_format(pk, text);
	n = strlen(text);
	text[n++] = '\n';
	text[n] = '\0';
	err = fs_read_file(path, &b);
	if (!err) {
		/* A node.pub that names another key is tampering. */
		err = (b.len == n && !memcmp(b.data, text, n)) ? 0 : CELL_EKEY;
		cell_buf_release(&b);
		return err;
	}
	cell_buf_release(&b);
	if (err != -ENOENT)
		return err == CELL_ETOOBIG ? CELL_EKEY : err;
	return fs_write_atomic(path, text, n, 0644);
}

/*
 * Creates node.key if there is none: temp file, fsync, then link(), which
 * fails with EEXIST if another process won the race (its key is kept).
 * 0, -EEXIST, or -errno.
 */
static int create_secret(const struct cell_home *home, const char *path)
{
	unsigned char pk[32], sk[64];
	char tmp[CELL_PATH_MAX], text[SECRET_TEXT_SIZE];
	size_t off = sizeof SECRET_PREFIX - 1, n;
	int fd, err = 0;

	if (crypto_sign_keypair(pk, sk) != 0)
		return CELL_ECRYPTO;
	memcpy(text, SECRET_PREFIX, off);
	/* libsodium's sk is seed || pk: the first 32 bytes are the seed. */
	sodium_bin2base64(text + off, sizeof text - off, sk, SEED_BYTES,
			  sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(sk, sizeof sk);
	n = strlen(text);
	text[n++] = '\n';
	err = cell_home_path(home, tmp, sizeof tmp, "keys/node.key.tmp.XXXXXX");
	if (err)
		goto out;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	errno = 0;
	if (fchmod(fd, 0600) < 0 || write(fd, text, n) != (ssize_t)n ||
	    fsync(fd) < 0)
		err = errno ? -errno : -EIO;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (!err && link(tmp, path) < 0)
		err = -errno;
	unlink(tmp);
	if (!err)
		err = fs_fsync_parent(path);
out:
	sodium_memzero(text, sizeof text);
	return err;
}

int dna_key_load_or_create(const struct cell_home *home, struct dna_key *key)
{
	struct cell_buf b = CELL_BUF_INIT(256);
	char path[CELL_PATH_MAX], dir[CELL_PATH_MAX];
	int err, tries;

	err = dna_crypto_init();
	if (err)
		return err;
	err = cell_home_path(home, path, sizeof path, "keys/node.key");
	if (!err)
		err = cell_home_path(home, dir, sizeof dir, "keys");
	if (err)
		return err;
	for (tries = 0; tries < 2; tries++) {
		err = fs_read_file(path, &b);
		if (err != -ENOENT)
			break;
		err = cell_home_create(home);
		if (!err)
			err = fs_mkdir_p(dir, 0700);
		if (!err)
			err = create_secret(home, path);
		if (err && err != -EEXIST)
			break;
	}
	if (err == CELL_ETOOBIG)
		err = CELL_EKEY;
	if (!err)
		err = parse_secret(b.data ? b.data : (char *)"", b.len, key);
	if (b.data)
		sodium_memzero(b.data, b.len);
	cell_buf_release(&b);
	if (!err)
		err = ensure_pub(home, key->pk);
	if (err)
		sodium_memzero(key, sizeof *key);
	return err;
}
