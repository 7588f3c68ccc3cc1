/* sock.c - listening Unix sockets, replacing stale socket files. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "stem.h"
#include "unixsock.h"

/* 1 if something listens at path, 0 if the file is stale, -errno. */
static int sock_live(const struct sockaddr_un *sa)
{
	int fd, r;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (const struct sockaddr *)sa, sizeof *sa);
	/* Non-blocking: a full backlog (EAGAIN) must not stall the stem,
	 * and still means a live listener. */
	if (r == 0 || errno == EAGAIN)
		r = 1;
	else if (errno == ECONNREFUSED || errno == ENOENT)
		r = 0;
	else
		r = -errno;
	close(fd);
	return r;
}

int sock_listen(const char *path, int backlog)
{
	struct sockaddr_un sa;
	int fd, err, tries;

	err = unixsock_addr(&sa, path);
	if (err)
		return err;
	/* Blocking: cells accept on it, and they share its file status. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	for (tries = 0; tries < 2; tries++) {
		if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
			break;
		err = -errno;
		if (err != -EADDRINUSE || tries)
			goto fail;
		err = sock_live(&sa);
		if (err == 1)
			err = -EADDRINUSE;
		if (err)
			goto fail;
		/* Stale: left by a killed stem or a cell that bound it. */
		if (unlink(path) < 0 && errno != ENOENT) {
			err = -errno;
			goto fail;
		}
	}
	/*
	 * 0666: cells run as their own uids (never the stem's) and connect
	 * to each other's sockets and to stem.sock, which needs write
	 * permission on the file. The file is no wider than the directory
	 * path to it: $CELL_HOME is 0700, so on the host only the stem's
	 * user reaches run/ and stem.sock; cells reach them through the
	 * binds the sandbox gives every cell. A group per home would do the
	 * same with more moving parts (a gid to allocate, setgroups in the
	 * child). What a cell may ask of stem.sock is checked by its
	 * SO_PEERCRED (control.c).
	 */
	if (chmod(path, 0666) < 0 || listen(fd, backlog) < 0) {
		err = -errno;
		unlink(path);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return err;
}
