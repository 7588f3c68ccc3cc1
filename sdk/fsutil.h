/*
 * fsutil.h - internal file helpers shared by libcell, libdna, the CLI and
 * the stem. Not part of the public cell.h.
 */
#ifndef CELL_FSUTIL_H
#define CELL_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "cell.h"

/*
 * Writes data to path so that a crash leaves either the old file or the
 * new one: temp file in the same directory, fsync, rename, fsync(dir).
 * Returns 0 or -errno.
 */
int fs_write_atomic(const char *path, const void *data, size_t len,
		    mode_t mode);
/*
 * Like fs_write_atomic (unique O_EXCL temp name, rename) without the
 * fsyncs: for runtime state that means nothing after a crash.
 * Returns 0 or -errno.
 */
int fs_write_replace(const char *path, const void *data, size_t len,
		     mode_t mode);
/* Writes all len bytes, retrying on EINTR and short writes. 0 or -errno. */
int fs_write_all(int fd, const void *data, size_t len);
/* fsyncs the directory holding path. Returns 0 or -errno. */
int fs_fsync_parent(const char *path);
/*
 * mkdir -p with mode for each created component; each directory it creates
 * is made durable by syncing its parent (none when all exist).
 * Returns 0 or -errno.
 */
int fs_mkdir_p(const char *path, mode_t mode);
/*
 * Reads a whole file into out (reset first), bounded by out->max.
 * Returns 0, -errno, CELL_ETOOBIG.
 */
int fs_read_file(const char *path, struct cell_buf *out);
/*
 * fs_read_file for files in a directory others may write: refuses a
 * symlink (-ELOOP) and anything but a regular file (-EINVAL).
 */
int fs_read_regular(const char *path, struct cell_buf *out);
/* Joins dir and name into out. Returns 0 or -ENAMETOOLONG. */
int fs_join(char *out, size_t size, const char *dir, const char *name);

#endif
