/* sock.c - the stem's listening sockets: libcell's, with the stem's mode. */
#include "stem.h"
#include "unixsock.h"

int sock_listen(const char *path, int backlog)
{
	/*
	 * Blocking: cells accept on it, and they share its file status.
	 *
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
	return unixsock_listen(path, 0, 0666, backlog);
}
