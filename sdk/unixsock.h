/*
 * unixsock.h - Unix socket addresses and connects, internal to libcell.
 */
#ifndef CELL_UNIXSOCK_H
#define CELL_UNIXSOCK_H

#include <sys/types.h>
#include <sys/un.h>

/*
 * Fills sa with path. Returns 0, or -ENAMETOOLONG when path does not fit
 * sun_path (never truncated).
 */
int unixsock_addr(struct sockaddr_un *sa, const char *path);
/*
 * Connects a blocking stream socket (close-on-exec) to path.
 * Returns the fd, or -errno (-ENOENT, -ECONNREFUSED: nobody there).
 */
int unixsock_connect(const char *path);
/*
 * Binds and listens on path: a stream socket, close-on-exec, plus flags
 * (SOCK_NONBLOCK or 0). A socket file nobody listens on (a dead owner's
 * leftover) is replaced; a live one is -EADDRINUSE. mode, when not 0, is
 * set on the file before listen(), so nobody connects under another mode.
 * Returns the fd or -errno (-ENAMETOOLONG when path does not fit).
 */
int unixsock_listen(const char *path, int flags, mode_t mode, int backlog);

#endif
