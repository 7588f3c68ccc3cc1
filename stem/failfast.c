/*
 * failfast.c - while no process accepts on a cell's socket because the
 * cell failed (or died with callers waiting), the stem accepts those
 * callers itself and answers each request with an ERROR frame naming
 * the cause, so that no caller ever hangs on a cell that cannot serve.
 *
 * A cell the stem kills for a forbidden system call has callers in
 * flight, on connections it accepted: before the kill the stem takes a
 * copy of each (pidfd_getfd), and once the cell is reaped answers each
 * with the ERROR frame naming the call, instead of a bare end of file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "pidfd.h"
#include "stem.h"

/* The callers' message: "cell 'x' failed to start: exec: ...". */
void failfast_message(const struct stem_cell *cell, char *out, size_t size)
{
	snprintf(out, size, "cell '%s' %s: %s", cell->name,
		 cell->ran_ms >= STEM_START_MS ? "died" : "failed to start",
		 cell->cause[0] ? cell->cause : "unknown cause");
}

static void failconn_free(struct stem_failconn *fc)
{
	struct stem *stem = fc->stem;
	struct stem_failconn **p;

	for (p = &stem->failconns; *p; p = &(*p)->next)
		if (*p == fc) {
			*p = fc->next;
			break;
		}
	loop_fd_unwatch(&stem->loop, &fc->w);
	close(fc->fd);
	stem->nfailconns--;
	free(fc);
}

/*
 * Reads the caller's request frames and answers each with the ERROR
 * frame; reading first means the caller's write never meets a closed
 * socket. Payloads are discarded, never stored.
 */
static void on_failconn(struct loop *loop, struct loop_fd *w, uint32_t ev)
{
	struct stem_failconn *fc = w->ctx;
	char buf[4096];
	size_t plen, i, n;
	uint8_t type;
	ssize_t r;

	(void)loop;
	(void)ev;
	r = read(fc->fd, buf, sizeof buf);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		failconn_free(fc);
		return;
	}
	for (i = 0; i < (size_t)r;) {
		if (fc->skip) {
			n = (size_t)r - i < fc->skip ? (size_t)r - i : fc->skip;
			fc->skip -= n;
			i += n;
			if (!fc->skip)
				goto answer;
			continue;
		}
		fc->hdr[fc->hdr_len++] = (uint8_t)buf[i++];
		if (fc->hdr_len < CELL_FRAME_HEADER)
			continue;
		fc->hdr_len = 0;
		if (cell_frame_parse(fc->hdr, CELL_FRAME_HEADER, CELL_FRAME_MAX,
				     &type, &plen) != 1) {
			failconn_free(fc);
			return;
		}
		fc->skip = plen;
		if (plen)
			continue;
answer:
		/* Small frame, fresh socket: the write does not block. */
		if (cell_frame_write(fc->fd, CELL_FRAME_ERROR, fc->msg,
				     strlen(fc->msg)) < 0) {
			failconn_free(fc);
			return;
		}
	}
}

/*
 * Answers the caller on fd (non-blocking, ours) with the cell's cause:
 * at once when its request is already gone (in_flight), and for every
 * request it sends from now on. Takes fd in every case.
 */
static void failconn_add(struct stem_cell *cell, int fd, int in_flight)
{
	struct stem *stem = cell->stem;
	struct stem_failconn *fc;

	if (stem->nfailconns >= STEM_FAILCONN_MAX ||
	    !(fc = calloc(1, sizeof *fc))) {
		close(fd); /* the caller sees EOF: still no hang */
		return;
	}
	fc->stem = stem;
	fc->fd = fd;
	failfast_message(cell, fc->msg, sizeof fc->msg);
	/* Small frame, fresh buffer: the write does not block. */
	if (in_flight && cell_frame_write(fd, CELL_FRAME_ERROR, fc->msg,
					  strlen(fc->msg)) < 0) {
		close(fd);
		free(fc);
		return;
	}
	loop_fd_init(&fc->w, fd, on_failconn, fc);
	if (loop_fd_watch(&stem->loop, &fc->w, EPOLLIN) < 0) {
		close(fd);
		free(fc);
		return;
	}
	fc->next = stem->failconns;
	stem->failconns = fc;
	stem->nfailconns++;
	stem_log(stem, STEM_LOG_DEBUG, "answered a caller of '%s': %s",
		 cell->name, fc->msg);
}

/* Accepts every pending caller and answers it. */
void failfast_accept(struct stem_cell *cell)
{
	int fd, fl;

	if (cell->listen_fd < 0)
		return;
	/* The socket is shared with the cells that accept on it; only
	 * while none runs may it be non-blocking. */
	fl = fcntl(cell->listen_fd, F_GETFL);
	if (fl < 0 || fcntl(cell->listen_fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return;
	while ((fd = accept4(cell->listen_fd, NULL, NULL,
			     SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0)
		failconn_add(cell, fd, 0);
	fcntl(cell->listen_fd, F_SETFL, fl);
}

/* Is fd a connection accepted on the cell's socket (path, not listening)? */
static int accepted_here(int fd, const char *path)
{
	struct sockaddr_un sa;
	socklen_t len = sizeof sa;
	int listening = 0;
	socklen_t ilen = sizeof listening;

	memset(&sa, 0, sizeof sa);
	if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0 ||
	    sa.sun_family != AF_UNIX ||
	    strncmp(sa.sun_path, path, sizeof sa.sun_path) ||
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &ilen) < 0)
		return 0;
	return !listening;
}

int failfast_take_conns(struct stem_cell *cell)
{
	char dir[64], path[CELL_PATH_MAX];
	struct dirent *de;
	DIR *d;
	int fd;

	if (cell->proc.pidfd < 0 || supervise_sock_path(cell, path,
							sizeof path))
		return 0;
	snprintf(dir, sizeof dir, "/proc/%d/fd", (int)cell->proc.pid);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d)) && cell->ntaken < STEM_TAKEN_MAX) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		fd = sys_pidfd_getfd(cell->proc.pidfd, atoi(de->d_name));
		if (fd < 0)
			continue;
		if (accepted_here(fd, path) &&
		    fcntl(fd, F_SETFL, O_NONBLOCK | O_RDWR) == 0)
			cell->taken[cell->ntaken++] = fd;
		else
			close(fd);
	}
	closedir(d);
	return cell->ntaken;
}

void failfast_answer_taken(struct stem_cell *cell)
{
	int i;

	for (i = 0; i < cell->ntaken; i++)
		failconn_add(cell, cell->taken[i], 1);
	cell->ntaken = 0;
}

void failfast_drop_taken(struct stem_cell *cell)
{
	int i;

	for (i = 0; i < cell->ntaken; i++)
		close(cell->taken[i]);
	cell->ntaken = 0;
}

void failfast_release(struct stem *stem)
{
	while (stem->failconns)
		failconn_free(stem->failconns);
}
