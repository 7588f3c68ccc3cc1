/*
 * activate.h - test helper: start a cell_serve() child the way the stem
 * does. The caller's process binds the socket; the child gets it as fd 3
 * with LISTEN_FDS/LISTEN_PID, so connections queue in the kernel from the
 * start and no test waits for the cell to be ready.
 */
#ifndef ACTIVATE_H
#define ACTIVATE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cell.h"

/* Binds and listens on path (replacing any file there); aborts on failure. */
static int activate_listen(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    listen(fd, 128) < 0)
		abort();
	return fd;
}

/*
 * Forks a cell serving name on a fresh socket at path with handler and
 * ctx; idle_ms, when not NULL, becomes its CELL_IDLE_EXIT. The child
 * exits 0 when cell_serve() returned 0, and dies of SIGALRM after 60 s
 * if nobody stopped it. Returns the child's pid.
 */
static pid_t activate_cell(const char *path, const char *name,
			   cell_handler handler, void *ctx,
			   const char *idle_ms)
{
	int fd = activate_listen(path);
	pid_t pid = fork();

	if (pid < 0)
		abort();
	if (pid == 0) {
		char s[32];

		if (dup2(fd, 3) < 0)
			_exit(100);
		snprintf(s, sizeof s, "%ld", (long)getpid());
		setenv("LISTEN_PID", s, 1);
		setenv("LISTEN_FDS", "1", 1);
		setenv("LISTEN_FDNAMES", name, 1);
		if (idle_ms)
			setenv("CELL_IDLE_EXIT", idle_ms, 1);
		alarm(60);
		_exit(cell_serve(name, handler, ctx) == 0 ? 0 : 1);
	}
	close(fd);
	return pid;
}

#endif
