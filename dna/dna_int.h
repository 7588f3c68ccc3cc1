/*
 * dna_int.h - helpers shared by libdna's files. Not part of dna.h.
 */
#ifndef CELL_DNA_INT_H
#define CELL_DNA_INT_H

#include <stddef.h>

#include "dna.h"

/*
 * Creates $CELL_HOME (0700) and then dna/SUB... (0755) under it.
 * 0 or -errno.
 */
int dna_mkdir(const struct cell_home *home, const char *sub);

/*
 * Takes the store's lock, dna/lock: shared for writers (put, ref, cache,
 * meta), exclusive for gc, so gc never removes a temp file a writer is
 * filling. Blocks until granted. Returns the fd (close it to unlock) or
 * -errno.
 */
int dna_lock(const struct cell_home *home, int exclusive);
void dna_unlock(int fd);

/*
 * A "HASH\n" file (refs, cache). read: 0, -errno, CELL_ECORRUPT when the
 * content is not a hash; write: atomic, 0644. 0 or -errno.
 */
int dna_hashfile_read(const char *path, char hash[DNA_HASH_SIZE]);
int dna_hashfile_write(const char *path, const char *hash);

/*
 * Hashes everything read from in; when out >= 0 also copies it there, so
 * a file is read once to store it. 0 or -errno.
 */
int dna_hash_fd(int in, int out, char hex[DNA_HASH_SIZE]);

/* sodium_init(), once. 0 or CELL_ECRYPTO. */
int dna_crypto_init(void);

/* 1 if a directory entry is a temp file of fs_write_atomic or ours. */
int dna_is_temp_name(const char *name);

#endif
