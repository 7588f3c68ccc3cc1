/* unixsock.c - Unix socket addresses and connects. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unixsock.h"

int unixsock_addr(struct sockaddr_un *sa, const char *path)
{
	size_t n = strlen(path);

	if (n >= sizeof sa->sun_path)
		return -ENAMETOOLONG;
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, path, n + 1);
	return 0;
}

int unixsock_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd, r;

	r = unixsock_addr(&sa, path);
	if (r)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	do
		r = connect(fd, (struct sockaddr *)&sa, sizeof sa);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

/*
 * 1 if something listens at sa, 0 if the file is stale, -errno. The probe
 * is non-blocking: a full backlog (EAGAIN) still means a live listener,
 * and must not stall the caller (the stem's loop among them).
 */
static int unixsock_live(const struct sockaddr_un *sa)
{
	int fd, r;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (const struct sockaddr *)sa, sizeof *sa);
	if (r == 0 || errno == EAGAIN)
		r = 1;
	else if (errno == ECONNREFUSED || errno == ENOENT)
		r = 0;
	else
		r = -errno;
	close(fd);
	return r;
}

int unixsock_listen(const char *path, int flags, mode_t mode, int backlog)
{
	struct sockaddr_un sa;
	int fd, err, tries;

	err = unixsock_addr(&sa, path);
	if (err)
		return err;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);
	if (fd < 0)
		return -errno;
	for (tries = 0; tries < 2; tries++) {
		if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
			break;
		err = -errno;
		if (err != -EADDRINUSE || tries)
			goto fail;
		err = unixsock_live(&sa);
		if (err == 1)
			err = -EADDRINUSE;
		if (err)
			goto fail;
		if (unlink(path) < 0 && errno != ENOENT) {
			err = -errno;
			goto fail;
		}
	}
	if ((mode && chmod(path, mode) < 0) || listen(fd, backlog) < 0) {
		err = -errno;
		unlink(path);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return err;
}
