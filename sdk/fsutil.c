/* fsutil.c - durable writes and bounded reads. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"

int fs_join(char *out, size_t size, const char *dir, const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

int fs_fsync_parent(const char *path)
{
	char dir[CELL_PATH_MAX];
	char *slash;
	int fd, err = 0;

	if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir)
		return -ENAMETOOLONG;
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		err = -errno;
	close(fd);
	return err;
}

int fs_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t r = write(fd, p, len);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

/*
 * The one temp-file-and-rename mechanism. mkostemp makes a unique name
 * with O_EXCL, so nothing planted in the directory (a symlink at a
 * guessable name) is ever opened or followed.
 */
static int write_replace(const char *path, const void *data, size_t len,
			 mode_t mode, int durable)
{
	char tmp[CELL_PATH_MAX];
	int fd, err;

	if (snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >=
	    (int)sizeof tmp)
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = fs_write_all(fd, data, len);
	if (!err && fchmod(fd, mode) < 0)
		err = -errno;
	if (!err && durable && fsync(fd) < 0)
		err = -errno;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (!err && rename(tmp, path) < 0)
		err = -errno;
	if (err) {
		unlink(tmp);
		return err;
	}
	return durable ? fs_fsync_parent(path) : 0;
}

int fs_write_atomic(const char *path, const void *data, size_t len,
		    mode_t mode)
{
	return write_replace(path, data, len, mode, 1);
}

int fs_write_replace(const char *path, const void *data, size_t len,
		     mode_t mode)
{
	return write_replace(path, data, len, mode, 0);
}

int fs_mkdir_p(const char *path, mode_t mode)
{
	char buf[CELL_PATH_MAX];
	size_t i, n = strlen(path);
	int err;

	if (n >= sizeof buf)
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, mode) == 0) {
			/*
			 * A new entry is durable only once its parent is
			 * synced; without it a crash can keep a file (say a
			 * ref) that names something in a lost directory.
			 */
			err = fs_fsync_parent(buf);
			if (err)
				return err;
		} else if (errno != EEXIST) {
			return -errno;
		}
		buf[i] = path[i];
	}
	return 0;
}

static int read_file(const char *path, struct cell_buf *out, int flags)
{
	char chunk[8192];
	struct stat st;
	int fd, err = 0;
	ssize_t r;

	cell_buf_reset(out);
	fd = open(path, O_RDONLY | O_CLOEXEC | flags);
	if (fd < 0)
		return -errno;
	/* With O_NONBLOCK a planted FIFO or device must not be read. */
	if ((flags & O_NONBLOCK) && (fstat(fd, &st) < 0 ||
				     !S_ISREG(st.st_mode))) {
		close(fd);
		return -EINVAL;
	}
	for (;;) {
		r = read(fd, chunk, sizeof chunk);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (r == 0)
			break;
		err = cell_buf_add(out, chunk, (size_t)r);
		if (err)
			break;
	}
	close(fd);
	return err;
}

int fs_read_file(const char *path, struct cell_buf *out)
{
	return read_file(path, out, 0);
}

int fs_read_regular(const char *path, struct cell_buf *out)
{
	return read_file(path, out, O_NOFOLLOW | O_NONBLOCK);
}
