/*
 * logs.c - `cell logs NAME [-f] [-n N]`: the last lines of logs/NAME.log,
 * then (with -f) what is appended, following the file across rotation
 * with inotify on the logs directory (no polling).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "fsutil.h"
#include "options.h"
#include "usage.h"

static const char usage[] = "cell logs [-f] [-n N] NAME";

/* How far back the tail looks: rotation keeps files far smaller. */
#define LOGS_TAIL_WINDOW (4 << 20)

static void write_out(const char *p, size_t len)
{
	if (fwrite(p, 1, len, stdout) != len)
		die_errno("write error on standard output");
}

/*
 * Prints the last n lines of fd as it was when called, and leaves fd just
 * past what it printed: only the size taken at the start is read, so
 * what a running cell appends meanwhile is left to follow() rather than
 * overflowing the window and being lost.
 */
static void print_tail(int fd, const char *path, int n)
{
	struct cell_buf buf = CELL_BUF_INIT(LOGS_TAIL_WINDOW + 1);
	char chunk[65536];
	struct stat st;
	off_t off = 0;
	size_t i;
	ssize_t r;
	int lines = 0;

	if (fstat(fd, &st) < 0)
		die_errno("cannot stat '%s'", path);
	if (st.st_size > LOGS_TAIL_WINDOW)
		off = st.st_size - LOGS_TAIL_WINDOW;
	if (lseek(fd, off, SEEK_SET) < 0)
		die_errno("cannot seek in '%s'", path);
	while (off < st.st_size) {
		size_t want = sizeof chunk;

		if ((off_t)want > st.st_size - off)
			want = (size_t)(st.st_size - off);
		r = read(fd, chunk, want);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die_errno("cannot read '%s'", path);
		if (r == 0)
			break; /* truncated meanwhile */
		if (cell_buf_add(&buf, chunk, (size_t)r) < 0)
			die("out of memory");
		off += r;
	}
	/* Walk back over n newlines (a last line without one counts too). */
	i = buf.len;
	if (i && buf.data[i - 1] == '\n')
		i--;
	while (i > 0 && n > 0) {
		if (buf.data[i - 1] == '\n' && ++lines == n)
			break;
		i--;
	}
	if (n > 0 && buf.len)
		write_out(buf.data + i, buf.len - i);
	cell_buf_release(&buf);
	fflush(stdout);
}

/* Copies whatever fd has past its offset to stdout. */
static void drain(int fd)
{
	char chunk[65536];
	ssize_t r;

	while ((r = read(fd, chunk, sizeof chunk)) > 0)
		write_out(chunk, (size_t)r);
	fflush(stdout);
}

/* 1 if path still names the file open as fd. */
static int same_file(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static noreturn void follow(const char *dir, const char *file,
			    const char *path, int fd)
{
	char events[sizeof(struct inotify_event) + NAME_MAX + 1]
		__attribute__((aligned(__alignof__(struct inotify_event))));
	int in = inotify_init1(IN_CLOEXEC);

	if (in < 0 || inotify_add_watch(in, dir, IN_MODIFY | IN_CREATE |
					IN_MOVED_TO) < 0)
		die_errno("cannot watch '%s'", dir);
	/* Rotated or created before the watch existed: catch up. */
	if (fd >= 0 && !same_file(fd, path)) {
		drain(fd);
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		drain(fd);
	for (;;) {
		ssize_t r = read(in, events, sizeof events);
		char *p;

		if (r < 0) {
			if (errno == EINTR)
				continue;
			die_errno("cannot read inotify events");
		}
		for (p = events; p < events + r;) {
			struct inotify_event *e = (struct inotify_event *)p;

			p += sizeof *e + e->len;
			if (!e->len || strcmp(e->name, file))
				continue;
			if (e->mask & (IN_CREATE | IN_MOVED_TO)) {
				/* Rotated: finish the old file, start the new. */
				if (fd >= 0) {
					drain(fd);
					close(fd);
				}
				fd = open(path, O_RDONLY | O_CLOEXEC);
			}
			if (fd >= 0)
				drain(fd);
		}
	}
}

int cmd_logs(int argc, char **argv)
{
	int f = 0, n = 10, fd;
	struct option opts[] = {
		OPT_FLAG('f', "follow", &f, "keep printing what is appended"),
		OPT_INT('n', "lines", &n, "N", "print the last N lines (10)"),
		OPT_END(),
	};
	char dir[CELL_PATH_MAX], path[CELL_PATH_MAX], file[CELL_NAME_MAX + 8];
	struct cell_home home;
	const char *name;

	if (parse_options(argc, argv, opts, usage) != 1)
		die_usage("see 'cell logs --help'", "cell logs needs one NAME");
	name = argv[0];
	cli_need_name(name);
	cli_home(&home);
	snprintf(file, sizeof file, "%s.log", name);
	if (cell_home_path(&home, dir, sizeof dir, "logs") ||
	    cell_home_path(&home, path, sizeof path, "logs/%s", file))
		die("path too long under '%s'", home.dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && (errno != ENOENT || !f))
		die_errno("cannot open '%s'", path);
	if (fd >= 0)
		print_tail(fd, path, n);
	if (f) {
		int err = fs_mkdir_p(dir, 0700);

		if (err)
			die("cannot create '%s': %s", dir, cell_strerror(err));
		follow(dir, file, path, fd);
	}
	close(fd);
	return EXIT_OK;
}
