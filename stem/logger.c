/*
 * logger.c - `cell-stem --logger NAME`: reads a cell's stdout+stderr on
 * stdin, prefixes each line with a UTC timestamp, appends it to
 * logs/NAME.log and rotates the file by size (NAME.log -> NAME.log.1).
 *
 * It is its own process (s6-log style), so a stem that dies never leaves
 * a cell writing into a pipe without a reader. It exits at EOF: when the
 * cell and the stem have both closed the pipe.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "stem.h"

#define LOGGER_LINE_MAX 4096 /* a longer line is split */
#define LOGGER_DEFAULT_MAX (1u << 20)

struct logger {
	char path[CELL_PATH_MAX];
	char old[CELL_PATH_MAX];
	int fd;
	off_t size;
	off_t max;
};

static int logger_open(struct logger *lg)
{
	struct stat st;

	lg->fd = open(lg->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		      0644);
	if (lg->fd < 0)
		return -errno;
	lg->size = fstat(lg->fd, &st) == 0 ? st.st_size : 0;
	return 0;
}

/* Appends one line (without its newline), rotating first if needed. */
static int logger_line(struct logger *lg, const char *line, size_t len)
{
	char out[LOGGER_LINE_MAX + 64];
	struct timeval tv;
	struct tm tm;
	size_t n;
	int err;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	n = strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(out + n, sizeof out - n, ".%03ldZ ",
			      (long)tv.tv_usec / 1000);
	memcpy(out + n, line, len);
	n += len;
	out[n++] = '\n';
	if (lg->size > 0 && lg->size + (off_t)n > lg->max) {
		close(lg->fd);
		if (rename(lg->path, lg->old) < 0 && errno != ENOENT)
			return -errno;
		err = logger_open(lg);
		if (err)
			return err;
	}
	err = fs_write_all(lg->fd, out, n);
	if (!err)
		lg->size += (off_t)n;
	return err;
}

int logger_main(const struct cell_home *home, const char *name)
{
	char buf[LOGGER_LINE_MAX];
	struct logger lg;
	const char *env;
	size_t have = 0;
	int err;

	if (!cell_name_valid(name))
		return 2;
	env = getenv("CELL_LOG_MAX");
	lg.max = env && atol(env) > 0 ? (off_t)atol(env) : LOGGER_DEFAULT_MAX;
	if (cell_home_path(home, lg.path, sizeof lg.path, "logs/%s.log",
			   name) ||
	    cell_home_path(home, lg.old, sizeof lg.old, "logs/%s.log.1",
			   name))
		return 1;
	err = logger_open(&lg);
	if (err) {
		fprintf(stderr, "cell-stem: cannot open '%s': %s\n", lg.path,
			strerror(-err));
		return 1;
	}
	for (;;) {
		ssize_t r = read(0, buf + have, sizeof buf - have);
		size_t start = 0, i;

		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (r == 0)
			break;
		for (i = have; i < have + (size_t)r; i++)
			if (buf[i] == '\n') {
				err = logger_line(&lg, buf + start, i - start);
				if (err)
					goto fail;
				start = i + 1;
			}
		have += (size_t)r;
		memmove(buf, buf + start, have - start);
		have -= start;
		if (have == sizeof buf) {
			err = logger_line(&lg, buf, have);
			if (err)
				goto fail;
			have = 0;
		}
	}
	if (have)
		logger_line(&lg, buf, have);
	close(lg.fd);
	return 0;
fail:
	fprintf(stderr, "cell-stem: cannot write '%s': %s\n", lg.path,
		strerror(-err));
	close(lg.fd);
	return 1;
}
