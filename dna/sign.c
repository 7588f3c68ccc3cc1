/*
 * sign.c - Ed25519 signatures over the bytes "cell-dna-v1" NUL NAME NUL
 * HASH (HASH the 64 lowercase hex characters, no trailing NUL), never over
 * JSON, so any Ed25519 tool can check them.
 */
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "dna.h"
#include "dna_int.h"

#define CONTEXT "cell-dna-v1"
#define MSG_MAX (sizeof CONTEXT + CELL_NAME_MAX + 1 + DNA_HASH_LEN)

/* Builds the signed message into msg. Its length, or 0 if invalid. */
static size_t message(unsigned char msg[MSG_MAX], const char *name,
		      const char *hash)
{
	size_t n = 0, len;

	if (!cell_name_valid(name) || !dna_hash_valid(hash))
		return 0;
	memcpy(msg, CONTEXT, sizeof CONTEXT); /* with its NUL */
	n = sizeof CONTEXT;
	len = strlen(name);
	memcpy(msg + n, name, len + 1);
	n += len + 1;
	memcpy(msg + n, hash, DNA_HASH_LEN);
	return n + DNA_HASH_LEN;
}

int dna_sign(const struct dna_key *key, const char *name, const char *hash,
	     char sig[DNA_SIG_TEXT_SIZE])
{
	unsigned char msg[MSG_MAX], bin[crypto_sign_BYTES];
	size_t n;
	int err;

	if (!cell_name_valid(name))
		return CELL_ENAME;
	n = message(msg, name, hash);
	if (!n)
		return -EINVAL;
	err = dna_crypto_init();
	if (err)
		return err;
	if (crypto_sign_detached(bin, NULL, msg, n, key->sk) != 0)
		return CELL_ECRYPTO;
	sodium_bin2base64(sig, DNA_SIG_TEXT_SIZE, bin, sizeof bin,
			  sodium_base64_VARIANT_ORIGINAL);
	return 0;
}

int dna_sig_check(const unsigned char pk[32], const char *name,
		  const char *hash, const char *sig)
{
	unsigned char msg[MSG_MAX], bin[crypto_sign_BYTES];
	const char *end = NULL;
	size_t n, got = 0;

	n = message(msg, name, hash);
	if (!n || !sig || dna_crypto_init())
		return CELL_ESIG;
	if (sodium_base642bin(bin, sizeof bin, sig, strlen(sig), NULL, &got,
			      &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    !end || *end || got != sizeof bin)
		return CELL_ESIG;
	if (crypto_sign_verify_detached(bin, msg, n, pk) != 0)
		return CELL_ESIG;
	return 0;
}
