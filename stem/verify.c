/*
 * verify.c - a DNA object is hashed before its first exec, so a corrupt
 * object never runs. The result is cached by (dev, inode, size, mtime,
 * ctime): any change to the file changes ctime, so a cached entry can
 * only match the very bytes that were hashed, and cold starts stay fast.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "stem.h"

static int same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

int verify_object(struct stem *stem, const char *path, const char *hash)
{
	char got[DNA_HASH_SIZE];
	struct stem_verified *v;
	struct stat st;
	int err;

	if (stat(path, &st) < 0)
		return errno == ENOENT ? CELL_ENODNA : -errno;
	for (v = stem->verified; v; v = v->next)
		if (v->dev == st.st_dev && v->ino == st.st_ino &&
		    v->size == st.st_size && same_time(&v->mtime, &st.st_mtim) &&
		    same_time(&v->ctime, &st.st_ctim) && !strcmp(v->hash, hash))
			return 0;
	err = dna_hash_file(path, got);
	if (err)
		return err == -ENOENT ? CELL_ENODNA : err;
	if (strcmp(got, hash))
		return CELL_ECORRUPT;
	v = calloc(1, sizeof *v);
	if (!v)
		return 0; /* verified, just not remembered */
	v->dev = st.st_dev;
	v->ino = st.st_ino;
	v->size = st.st_size;
	v->mtime = st.st_mtim;
	v->ctime = st.st_ctim;
	memcpy(v->hash, hash, sizeof v->hash);
	v->next = stem->verified;
	stem->verified = v;
	return 0;
}

void verify_release(struct stem *stem)
{
	struct stem_verified *v, *next;

	for (v = stem->verified; v; v = next) {
		next = v->next;
		free(v);
	}
	stem->verified = NULL;
}
