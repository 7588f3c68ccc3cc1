/*
 * toolchain.h - where cell's own files are (found from the running
 * executable, so a checkout and an install both work) and what compiler
 * builds cells.
 *
 *   checkout:  bin/cell   include/cell.h   lib/libcell.a   templates/NAME
 *   installed: PREFIX/bin/cell   PREFIX/include/cell.h   PREFIX/lib/libcell.a
 *              PREFIX/share/cell/templates/NAME
 */
#ifndef CELL_TOOLCHAIN_H
#define CELL_TOOLCHAIN_H

#include "cell.h"
#include "dna.h"

#define TOOLCHAIN_ID_MAX 256

struct toolchain {
	char prefix[CELL_PATH_MAX];   /* the executable's directory's parent */
	char include_dir[CELL_PATH_MAX];
	char header[CELL_PATH_MAX];   /* include_dir/cell.h */
	char libcell[CELL_PATH_MAX];  /* lib/libcell.a */
	const char *cc;               /* $CC, else "cc" */
	char identity[TOOLCHAIN_ID_MAX]; /* first line of `cc --version` */
	char libcell_hash[DNA_HASH_SIZE]; /* of libcell.a and cell.h */
};

/*
 * Finds the prefix from /proc/self/exe. Returns 0, -errno,
 * -ENAMETOOLONG.
 */
int toolchain_prefix(char *out, size_t size);

/*
 * Locates include/cell.h and lib/libcell.a under the prefix. On failure
 * why names the missing file. Returns 0, -ENOENT, -errno.
 */
int toolchain_locate(struct toolchain *tc, struct cell_buf *why);

/*
 * Runs `cc --version` once and hashes libcell.a and cell.h, filling
 * identity and libcell_hash. why gets the compiler's complaint.
 * Returns 0, -ENOEXEC (the compiler failed), -errno.
 */
int toolchain_identify(struct toolchain *tc, struct cell_buf *why);

/*
 * Finds template name: PREFIX/templates/NAME (a checkout), then
 * PREFIX/share/cell/templates/NAME (an install). out gets the first that
 * is a directory. Returns 0, -ENOENT, -ENAMETOOLONG, -errno.
 */
int toolchain_template(const char *name, char *out, size_t size);

#endif
