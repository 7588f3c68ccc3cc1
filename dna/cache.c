/* cache.c - cache/KEY: "HASH\n", build input key -> output object. */
#include <errno.h>

#include "dna.h"
#include "dna_int.h"

int dna_cache_get(const struct cell_home *home, const char *key,
		  char hash[DNA_HASH_SIZE])
{
	char path[CELL_PATH_MAX];
	int err;

	if (!dna_hash_valid(key))
		return -EINVAL;
	err = cell_home_path(home, path, sizeof path, "dna/cache/%s", key);
	if (err)
		return err;
	return dna_hashfile_read(path, hash);
}

int dna_cache_put(const struct cell_home *home, const char *key,
		  const char *hash)
{
	char path[CELL_PATH_MAX];
	int lock, err;

	if (!dna_hash_valid(key) || !dna_hash_valid(hash))
		return -EINVAL;
	err = cell_home_path(home, path, sizeof path, "dna/cache/%s", key);
	if (err)
		return err;
	lock = dna_lock(home, 0);
	if (lock < 0)
		return lock;
	err = dna_mkdir(home, "cache");
	if (!err)
		err = dna_hashfile_write(path, hash);
	dna_unlock(lock);
	return err;
}
