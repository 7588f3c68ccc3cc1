/*
 * gc.c - walking the store, and collecting what nothing reaches.
 *
 * Reachable: every object a ref or a cache entry names. gc holds the
 * store lock exclusively, so no put is half-way through a temp file it
 * removes, and dna_ref_write checks under the lock that its object still
 * exists: a put followed by a ref write that loses the race to gc fails
 * with CELL_ENODNA instead of leaving a dangling ref.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dna.h"
#include "dna_int.h"

/* A sorted list of hashes, DNA_HASH_SIZE bytes each. */
struct hashes {
	struct cell_buf b;
	size_t n;
};

static int hashes_add(struct hashes *h, const char *hash)
{
	int err = cell_buf_add(&h->b, hash, DNA_HASH_SIZE);

	if (!err)
		h->n++;
	return err;
}

static int by_hash(const void *a, const void *b)
{
	return memcmp(a, b, DNA_HASH_LEN);
}

static void hashes_sort(struct hashes *h)
{
	if (h->n)
		qsort(h->b.data, h->n, DNA_HASH_SIZE, by_hash);
}

static int hashes_has(const struct hashes *h, const char *hash)
{
	return h->n &&
	       bsearch(hash, h->b.data, h->n, DNA_HASH_SIZE, by_hash) != NULL;
}

static const char *hashes_at(const struct hashes *h, size_t i)
{
	return h->b.data + i * DNA_HASH_SIZE;
}

/* The objects in objects/ab/cdef..., in hash order. */
static int list_objects(const struct cell_home *home, struct hashes *out)
{
	char dir[CELL_PATH_MAX], sub[CELL_PATH_MAX], hash[DNA_HASH_SIZE];
	struct dirent *de, *oe;
	DIR *d, *o;
	int err = 0;

	err = cell_home_path(home, dir, sizeof dir, "dna/objects");
	if (err)
		return err;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while (!err && (errno = 0, de = readdir(d))) {
		if (strlen(de->d_name) != 2)
			continue;
		err = cell_home_path(home, sub, sizeof sub,
				     "dna/objects/%s", de->d_name);
		if (err)
			break;
		o = opendir(sub);
		if (!o) {
			if (errno == ENOTDIR || errno == ENOENT)
				continue;
			err = -errno;
			break;
		}
		while (!err && (errno = 0, oe = readdir(o))) {
			if (strlen(oe->d_name) != DNA_HASH_LEN - 2)
				continue;
			memcpy(hash, de->d_name, 2);
			memcpy(hash + 2, oe->d_name, DNA_HASH_LEN - 1);
			if (dna_hash_valid(hash))
				err = hashes_add(out, hash);
		}
		if (!err && errno)
			err = -errno;
		closedir(o);
	}
	if (!err && errno)
		err = -errno;
	closedir(d);
	hashes_sort(out);
	return err;
}

/*
 * Adds to out, sorted, the hash that match() finds in each entry name of
 * dna/SUB (entries for which it returns 0 are not ours and are skipped).
 */
static int list_dir(const struct cell_home *home, const char *sub,
		    int (*match)(const char *name, char hash[DNA_HASH_SIZE]),
		    struct hashes *out)
{
	char dir[CELL_PATH_MAX], hash[DNA_HASH_SIZE];
	struct dirent *de;
	DIR *d;
	int err = 0;

	err = cell_home_path(home, dir, sizeof dir, "dna/%s", sub);
	if (err)
		return err;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while (!err && (errno = 0, de = readdir(d)))
		if (match(de->d_name, hash))
			err = hashes_add(out, hash);
	if (!err && errno)
		err = -errno;
	closedir(d);
	hashes_sort(out);
	return err;
}

/* meta/HASH.json */
static int meta_name(const char *name, char hash[DNA_HASH_SIZE])
{
	if (strlen(name) != DNA_HASH_LEN + 5 ||
	    strcmp(name + DNA_HASH_LEN, ".json"))
		return 0;
	memcpy(hash, name, DNA_HASH_LEN);
	hash[DNA_HASH_LEN] = '\0';
	return dna_hash_valid(hash);
}

/* cache/KEY */
static int cache_name(const char *name, char hash[DNA_HASH_SIZE])
{
	if (!dna_hash_valid(name))
		return 0;
	memcpy(hash, name, DNA_HASH_SIZE);
	return 1;
}

static int list_metas(const struct cell_home *home, struct hashes *out)
{
	return list_dir(home, "meta", meta_name, out);
}

static int list_cache(const struct cell_home *home, struct hashes *out)
{
	return list_dir(home, "cache", cache_name, out);
}

/* Lists with list, then calls fn for each hash in order. */
static int walk(const struct cell_home *home,
		int (*list)(const struct cell_home *, struct hashes *),
		int (*fn)(void *ctx, const char *hash), void *ctx)
{
	struct hashes h = { CELL_BUF_INIT(SIZE_MAX / 2), 0 };
	size_t i;
	int err = list(home, &h);

	for (i = 0; !err && i < h.n; i++)
		err = fn(ctx, hashes_at(&h, i));
	cell_buf_release(&h.b);
	return err;
}

int dna_objects_each(const struct cell_home *home,
		     int (*fn)(void *ctx, const char *hash), void *ctx)
{
	return walk(home, list_objects, fn, ctx);
}

int dna_metas_each(const struct cell_home *home,
		   int (*fn)(void *ctx, const char *hash), void *ctx)
{
	return walk(home, list_metas, fn, ctx);
}

int dna_cache_each(const struct cell_home *home,
		   int (*fn)(void *ctx, const char *key, const char *hash),
		   void *ctx)
{
	struct hashes keys = { CELL_BUF_INIT(SIZE_MAX / 2), 0 };
	char hash[DNA_HASH_SIZE];
	const char *key;
	size_t i;
	int err = list_cache(home, &keys);

	for (i = 0; !err && i < keys.n; i++) {
		key = hashes_at(&keys, i);
		err = dna_cache_get(home, key, hash);
		if (err == -ENOENT)
			err = 0; /* removed while we looked */
		else if (err == CELL_ECORRUPT)
			err = fn(ctx, key, NULL);
		else if (!err)
			err = fn(ctx, key, hash);
	}
	cell_buf_release(&keys.b);
	return err;
}

struct gc {
	const struct cell_home *home;
	int dry_run;
	struct hashes reach;
	struct dna_gc_result *result;
};

/* Removes path (counting its size when bytes is not NULL). */
static int drop(struct gc *gc, const char *path, uint64_t *bytes)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!gc->dry_run && unlink(path) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (bytes)
		*bytes += (uint64_t)st.st_size;
	return 1;
}

/* Removes the temp files left in dna/SUB by a crash. */
static int drop_temps(struct gc *gc, const char *sub)
{
	char dir[CELL_PATH_MAX], path[CELL_PATH_MAX];
	struct dirent *de;
	DIR *d;
	int err;

	err = cell_home_path(gc->home, dir, sizeof dir, "dna/%s", sub);
	if (err)
		return err;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	while (!err && (errno = 0, de = readdir(d))) {
		if (!dna_is_temp_name(de->d_name))
			continue;
		err = cell_home_path(gc->home, path, sizeof path, "dna/%s/%s",
				     sub, de->d_name);
		if (!err)
			err = drop(gc, path, &gc->result->bytes);
		if (err > 0)
			err = 0;
	}
	if (!err && errno)
		err = -errno;
	closedir(d);
	return err;
}

static int mark_ref(void *ctx, const char *name, const char *hash)
{
	struct gc *gc = ctx;

	(void)name;
	/* A ref we cannot read might name any object: collect nothing. */
	if (!hash)
		return CELL_ECORRUPT;
	return hashes_add(&gc->reach, hash);
}

/* Marks what the cache reaches; drops cache entries that are garbage. */
static int mark_cache(void *ctx, const char *key, const char *hash)
{
	char path[CELL_PATH_MAX];
	struct gc *gc = ctx;
	int err;

	if (hash)
		return hashes_add(&gc->reach, hash);
	/* The cache is only a shortcut: an entry without a hash goes. */
	err = cell_home_path(gc->home, path, sizeof path, "dna/cache/%s", key);
	if (!err)
		err = drop(gc, path, NULL);
	return err > 0 ? 0 : err;
}

static int sweep(struct gc *gc)
{
	struct hashes objs = { CELL_BUF_INIT(SIZE_MAX / 2), 0 };
	struct hashes metas = { CELL_BUF_INIT(SIZE_MAX / 2), 0 };
	char path[CELL_PATH_MAX], sub[16];
	const char *hash;
	size_t i;
	int err;

	err = list_objects(gc->home, &objs);
	for (i = 0; !err && i < objs.n; i++) {
		hash = hashes_at(&objs, i);
		if (hashes_has(&gc->reach, hash))
			continue;
		err = dna_object_path(gc->home, hash, path, sizeof path);
		if (!err)
			err = drop(gc, path, &gc->result->bytes);
		if (err > 0) {
			gc->result->objects++;
			err = 0;
		}
	}
	/* Temp files inside objects/ab/, then the emptied ab/ itself. */
	for (i = 0; !err && i < 256; i++) {
		snprintf(sub, sizeof sub, "objects/%02zx", i);
		err = drop_temps(gc, sub);
		if (!err && !gc->dry_run &&
		    !cell_home_path(gc->home, path, sizeof path, "dna/%s",
				    sub))
			rmdir(path); /* fails harmlessly unless empty */
	}
	if (!err)
		err = list_metas(gc->home, &metas);
	for (i = 0; !err && i < metas.n; i++) {
		hash = hashes_at(&metas, i);
		if (hashes_has(&gc->reach, hash))
			continue;
		err = cell_home_path(gc->home, path, sizeof path,
				     "dna/meta/%s.json", hash);
		if (!err)
			err = drop(gc, path, &gc->result->bytes);
		if (err > 0)
			err = 0;
	}
	cell_buf_release(&objs.b);
	cell_buf_release(&metas.b);
	return err;
}

int dna_gc_flags(const struct cell_home *home, int flags,
		 struct dna_gc_result *result)
{
	static const char *const temp_dirs[] = { "objects", "meta", "refs",
						 "cache" };
	struct gc gc = { home, !!(flags & DNA_GC_DRY_RUN),
			 { CELL_BUF_INIT(SIZE_MAX / 2), 0 }, result };
	char dir[CELL_PATH_MAX];
	struct stat st;
	size_t i;
	int lock, err;

	result->objects = 0;
	result->bytes = 0;
	/* No store yet: nothing to collect, and nothing to create. */
	err = cell_home_path(home, dir, sizeof dir, "dna");
	if (err)
		return err;
	if (stat(dir, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	lock = dna_lock(home, 1);
	if (lock < 0)
		return lock;
	err = dna_refs_scan(home, DNA_REFS_CORRUPT, mark_ref, &gc);
	if (!err)
		err = dna_cache_each(home, mark_cache, &gc);
	hashes_sort(&gc.reach);
	if (!err)
		err = sweep(&gc);
	for (i = 0; !err && i < sizeof temp_dirs / sizeof *temp_dirs; i++)
		err = drop_temps(&gc, temp_dirs[i]);
	cell_buf_release(&gc.reach.b);
	dna_unlock(lock);
	return err;
}

int dna_gc(const struct cell_home *home, struct dna_gc_result *result)
{
	return dna_gc_flags(home, 0, result);
}
