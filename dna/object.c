/*
 * object.c - immutable objects, objects/ab/cdef... (0555), named by the
 * BLAKE2b-256 of their bytes.
 *
 * dna_object_put reads its source once: it copies into a temp file while
 * hashing, and only then knows the object's name. The temp file therefore
 * lives in objects/ itself (objects/incoming.tmp.XXXXXX), on the same
 * filesystem as objects/ab/, and is renamed into place after fsync; the
 * destination directory is fsynced after the rename. gc removes temp
 * files a crash left behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dna.h"
#include "dna_int.h"
#include "fsutil.h"

int dna_object_path(const struct cell_home *home, const char *hash,
		    char *out, size_t size)
{
	if (!dna_hash_valid(hash))
		return CELL_ENODNA;
	return cell_home_path(home, out, size, "dna/objects/%.2s/%s", hash,
			      hash + 2);
}

/*
 * Moves the filled temp file tmp to the object path of hash. Returns 1
 * when it did, 0 when the object was already stored intact (tmp is left
 * for the caller to remove), or a negative code.
 */
static int install(const struct cell_home *home, const char *tmp,
		   const char *hash)
{
	char path[CELL_PATH_MAX], sub[16];
	struct stat st;
	int err;

	err = dna_object_path(home, hash, path, sizeof path);
	if (err)
		return err;
	if (lstat(path, &st) == 0) {
		/* Same name, same bytes, unless the stored copy was damaged:
		 * then the fresh one replaces it (rename is atomic). */
		err = dna_object_verify(home, hash);
		if (err != CELL_ECORRUPT)
			return err;
	} else if (errno != ENOENT) {
		return -errno;
	}
	snprintf(sub, sizeof sub, "objects/%.2s", hash);
	err = dna_mkdir(home, sub);
	if (err)
		return err;
	if (rename(tmp, path) < 0)
		return -errno;
	err = fs_fsync_parent(path);
	return err ? err : 1;
}

int dna_object_put(const struct cell_home *home, const char *src,
		   char hash[DNA_HASH_SIZE])
{
	char tmp[CELL_PATH_MAX];
	int in, out, lock, err;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	lock = dna_lock(home, 0);
	if (lock < 0) {
		close(in);
		return lock;
	}
	err = dna_mkdir(home, "objects");
	if (!err)
		err = cell_home_path(home, tmp, sizeof tmp,
				     "dna/objects/incoming.tmp.XXXXXX");
	if (err)
		goto out_lock;
	out = mkostemp(tmp, O_CLOEXEC);
	if (out < 0) {
		err = -errno;
		goto out_lock;
	}
	err = dna_hash_fd(in, out, hash);
	if (!err && fchmod(out, 0555) < 0)
		err = -errno;
	if (!err && fsync(out) < 0)
		err = -errno;
	if (close(out) < 0 && !err)
		err = -errno;
	if (!err)
		err = install(home, tmp, hash);
	if (err == 1)
		err = 0;
	else
		unlink(tmp);
out_lock:
	dna_unlock(lock);
	close(in);
	return err;
}

int dna_object_verify(const struct cell_home *home, const char *hash)
{
	char path[CELL_PATH_MAX], got[DNA_HASH_SIZE];
	int err;

	err = dna_object_path(home, hash, path, sizeof path);
	if (err)
		return err;
	err = dna_hash_file(path, got);
	if (err == -ENOENT)
		return CELL_ENODNA;
	if (err)
		return err;
	return strcmp(got, hash) ? CELL_ECORRUPT : 0;
}
