/*
 * unixsock.h - Unix socket addresses and connects, internal to libcell.
 */
#ifndef CELL_UNIXSOCK_H
#define CELL_UNIXSOCK_H

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

#endif
