/* ref.c - refs/NAME: "HASH\n", the current build of NAME. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dna.h"
#include "dna_int.h"

int dna_ref_read(const struct cell_home *home, const char *name,
		 char hash[DNA_HASH_SIZE])
{
	char path[CELL_PATH_MAX];
	int err;

	if (!cell_name_valid(name))
		return CELL_ENAME;
	err = cell_home_path(home, path, sizeof path, "dna/refs/%s", name);
	if (err)
		return err;
	err = dna_hashfile_read(path, hash);
	return err == -ENOENT ? CELL_ENODNA : err;
}

int dna_ref_write(const struct cell_home *home, const char *name,
		  const char *hash)
{
	char path[CELL_PATH_MAX];
	struct stat st;
	int lock, err;

	if (!cell_name_valid(name))
		return CELL_ENAME;
	err = dna_object_path(home, hash, path, sizeof path);
	if (err)
		return err;
	lock = dna_lock(home, 0);
	if (lock < 0)
		return lock;
	/* Under the lock, so gc cannot take the object away meanwhile. */
	if (stat(path, &st) < 0) {
		err = errno == ENOENT ? CELL_ENODNA : -errno;
		goto out;
	}
	err = dna_mkdir(home, "refs");
	if (!err)
		err = cell_home_path(home, path, sizeof path, "dna/refs/%s",
				     name);
	if (!err)
		err = dna_hashfile_write(path, hash);
out:
	dna_unlock(lock);
	return err;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The valid names in refs/, sorted. *names owned by the caller. */
static int list_refs(const struct cell_home *home, char ***names,
		     size_t *count)
{
	char dir[CELL_PATH_MAX];
	char **v = NULL, **nv;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int err;

	*names = NULL;
	*count = 0;
	err = cell_home_path(home, dir, sizeof dir, "dna/refs");
	if (err)
		return err;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((errno = 0, de = readdir(d))) {
		/* Temp files and anything not a name are not refs. */
		if (!cell_name_valid(de->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof *v);
			if (!nv)
				goto nomem;
			v = nv;
		}
		v[n] = strdup(de->d_name);
		if (!v[n])
			goto nomem;
		n++;
	}
	err = errno ? -errno : 0;
	closedir(d);
	if (err)
		goto fail;
	if (n)
		qsort(v, n, sizeof *v, by_name);
	*names = v;
	*count = n;
	return 0;
nomem:
	err = -ENOMEM;
	closedir(d);
fail:
	while (n)
		free(v[--n]);
	free(v);
	return err;
}

int dna_refs_scan(const struct cell_home *home, int flags,
		  int (*fn)(void *ctx, const char *name, const char *hash),
		  void *ctx)
{
	char hash[DNA_HASH_SIZE];
	char **names;
	size_t i, n;
	int err;

	err = list_refs(home, &names, &n);
	if (err)
		return err;
	for (i = 0; i < n && !err; i++) {
		err = dna_ref_read(home, names[i], hash);
		if (err == CELL_ENODNA) {
			err = 0; /* removed while we looked */
			continue;
		}
		if (err == CELL_ECORRUPT && (flags & DNA_REFS_CORRUPT))
			err = fn(ctx, names[i], NULL);
		else if (err == CELL_ECORRUPT)
			err = 0;
		else if (!err)
			err = fn(ctx, names[i], hash);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return err;
}

int dna_refs_each(const struct cell_home *home,
		  int (*fn)(void *ctx, const char *name, const char *hash),
		  void *ctx)
{
	return dna_refs_scan(home, 0, fn, ctx);
}
