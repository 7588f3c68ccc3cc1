/* home.c - where a machine's cell state lives, and paths under it. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cell.h"
#include "fsutil.h"

int cell_home_init(struct cell_home *home, const char *dir)
{
	char cwd[CELL_PATH_MAX];
	const char *env;
	int n;

	if (!dir || !*dir) {
		env = getenv("CELL_HOME");
		if (env && *env) {
			dir = env;
		} else {
			env = getenv("HOME");
			if (!env || !*env)
				return -ENOENT;
			n = snprintf(home->dir, sizeof home->dir, "%s/.cell",
				     env);
			if (n < 0 || (size_t)n >= sizeof home->dir)
				return -ENAMETOOLONG;
			dir = NULL;
		}
	}
	if (dir) {
		if (dir[0] == '/') {
			n = snprintf(home->dir, sizeof home->dir, "%s", dir);
		} else {
			if (!getcwd(cwd, sizeof cwd))
				return -errno;
			n = snprintf(home->dir, sizeof home->dir, "%s/%s",
				     cwd, dir);
		}
		if (n < 0 || (size_t)n >= sizeof home->dir)
			return -ENAMETOOLONG;
	}
	/* Trailing slashes would double up in every joined path. */
	n = (int)strlen(home->dir);
	while (n > 1 && home->dir[n - 1] == '/')
		home->dir[--n] = '\0';
	return 0;
}

int cell_home_create(const struct cell_home *home)
{
	if (mkdir(home->dir, 0700) == 0)
		return fs_fsync_parent(home->dir);
	if (errno != EEXIST)
		return -errno;
	return 0;
}

int cell_home_path(const struct cell_home *home, char *out, size_t size,
		   const char *fmt, ...)
{
	va_list ap;
	int n, m;

	n = snprintf(out, size, "%s/", home->dir);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	va_start(ap, fmt);
	m = vsnprintf(out + n, size - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)m >= size - (size_t)n)
		return -ENAMETOOLONG;
	return 0;
}
