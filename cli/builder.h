/*
 * builder.h - turns cells into DNA: cache keys, compiler command lines,
 * parallel builds, and storing each result (object, meta, cache entry,
 * ref, in that order, so a ref never points at a partial object).
 *
 * Cache key = BLAKE2b over the manifest bytes, the sorted paths and bytes
 * of the cell's inputs (its sources and every other file in its
 * directory, such as headers), the compiler and its identity, the base
 * flags, and libcell's own hash. A hit (cache entry whose object is present) skips
 * the compiler.
 */
#ifndef CELL_BUILDER_H
#define CELL_BUILDER_H

#include "cell.h"
#include "dna.h"
#include "jobs.h"
#include "manifest.h"
#include "toolchain.h"
#include "workspace.h"

enum build_status {
	BUILD_PENDING,
	BUILD_CACHED,
	BUILD_BUILT,
	BUILD_FAILED,
};

/* A NULL-terminated list of strings it owns (argv, env, file lists). */
struct build_list {
	char **v;
	size_t n, cap;
};

struct build_cell {
	char *dir;                     /* as shown: "cells/echo" (owned) */
	char shown[CELL_PATH_MAX];     /* dir/cell.json, for messages */
	char abs[CELL_PATH_MAX];       /* dir, resolved */
	struct cell_buf raw;           /* the cell.json bytes */
	struct manifest m;
	struct build_list sources;     /* to compile, sorted, relative */
	struct build_list inputs;      /* what the key covers, sorted */
	char key[DNA_HASH_SIZE];
	char hash[DNA_HASH_SIZE];      /* the result, when cached or built */
	enum build_status status;
	double seconds;
	struct cell_buf error;         /* why it failed, then tool output */

	/* While building. */
	struct job job;
	struct build_list argv;
	struct build_list env;
	char tmpdir[CELL_PATH_MAX];
	char out[CELL_PATH_MAX];       /* what the build produces */
};

struct builder {
	const struct cell_home *home;
	const struct toolchain *tc;
	int jobs;
	struct dna_key key;            /* loaded at the first miss */
	int have_key;
	struct workspace_git *git;     /* kept open between misses */
	/* Called once per cell when its status is final. */
	void (*report)(void *ctx, struct build_cell *c);
	void *report_ctx;
};

/*
 * Loads the cell in dir: its manifest, its sources (manifest "sources",
 * else *.c in dir; none for a custom build) and its inputs (every file
 * under dir but dot files, cell.json, the artifact and nested cells; for
 * a custom build with "sources", just those). On failure c->error holds
 * one line naming the file. c is released with build_cell_release()
 * either way. Returns 0, CELL_EJSON, -ENOENT, -ENOMEM, -errno.
 */
int build_cell_load(struct build_cell *c, const char *dir);
void build_cell_release(struct build_cell *c);

/*
 * Computes c's cache key. Needs b->tc identified. Returns 0 or -errno
 * (a source became unreadable), with c->error set.
 */
int builder_key(const struct builder *b, struct build_cell *c);

/*
 * Builds cells[0..n): keys, cache lookups, then every miss with at most
 * b->jobs compilers at once. Each cell ends CACHED, BUILT or FAILED and
 * is reported through b->report. Closes b->git at the end.
 * Returns the number of failed cells, or
 * -errno when the job runner itself failed.
 */
int builder_run(struct builder *b, struct build_cell **cells, size_t n);

#endif
