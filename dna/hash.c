/* hash.c - BLAKE2b-256 (libsodium's crypto_generichash) as lowercase hex. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

#include "dna.h"
#include "fsutil.h"
#include "dna_int.h"

/* The public struct only reserves room; make sure it really fits. */
_Static_assert(sizeof(crypto_generichash_state) <=
		       sizeof(((struct dna_hasher *)0)->state),
	       "dna_hasher too small for crypto_generichash_state");
_Static_assert(_Alignof(crypto_generichash_state) <= 64,
	       "dna_hasher under-aligned for crypto_generichash_state");
_Static_assert(crypto_generichash_BYTES == DNA_HASH_LEN / 2,
	       "BLAKE2b-256 is 32 bytes");

int dna_crypto_init(void)
{
	/* Idempotent and thread-safe; 1 means "already done". */
	return sodium_init() < 0 ? CELL_ECRYPTO : 0;
}

int dna_hash_valid(const char *hex)
{
	int i;

	if (!hex)
		return 0;
	for (i = 0; i < DNA_HASH_LEN; i++)
		if (!((hex[i] >= '0' && hex[i] <= '9') ||
		      (hex[i] >= 'a' && hex[i] <= 'f')))
			return 0;
	return hex[DNA_HASH_LEN] == '\0';
}

static crypto_generichash_state *state_of(struct dna_hasher *h)
{
	return (crypto_generichash_state *)(void *)h->state;
}

/*
 * libsodium's generichash calls only fail for out-of-range lengths, which
 * are constants here; their results are therefore not checked below.
 */
void dna_hasher_init(struct dna_hasher *h)
{
	(void)dna_crypto_init();
	crypto_generichash_init(state_of(h), NULL, 0, crypto_generichash_BYTES);
}

void dna_hasher_add(struct dna_hasher *h, const void *data, size_t len)
{
	crypto_generichash_update(state_of(h), data, len);
}

void dna_hasher_addstr(struct dna_hasher *h, const char *s)
{
	dna_hasher_add(h, s, strlen(s) + 1);
}

void dna_hasher_final(struct dna_hasher *h, char hex[DNA_HASH_SIZE])
{
	unsigned char bin[crypto_generichash_BYTES];

	crypto_generichash_final(state_of(h), bin, sizeof bin);
	sodium_bin2hex(hex, DNA_HASH_SIZE, bin, sizeof bin);
	sodium_memzero(h->state, sizeof h->state);
}

void dna_hash_bytes(const void *data, size_t len, char hex[DNA_HASH_SIZE])
{
	struct dna_hasher h;

	dna_hasher_init(&h);
	dna_hasher_add(&h, data, len);
	dna_hasher_final(&h, hex);
}

int dna_hash_fd(int in, int out, char hex[DNA_HASH_SIZE])
{
	struct dna_hasher h;
	char chunk[65536];
	ssize_t r;
	int err;

	dna_hasher_init(&h);
	for (;;) {
		r = read(in, chunk, sizeof chunk);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			break;
		dna_hasher_add(&h, chunk, (size_t)r);
		if (out >= 0) {
			err = fs_write_all(out, chunk, (size_t)r);
			if (err)
				return err;
		}
	}
	dna_hasher_final(&h, hex);
	return 0;
}

int dna_hash_file(const char *path, char hex[DNA_HASH_SIZE])
{
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = dna_hash_fd(fd, -1, hex);
	close(fd);
	return err;
}
