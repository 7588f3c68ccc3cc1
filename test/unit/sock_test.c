/* sock_test.c - stem/sock.c: listening sockets, stale file replacement. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "stem.h"
#include "test.h"

static char dir[] = "/tmp/sock_test.XXXXXX";

static void path_in(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", dir, name);
}

static void test_listens_with_mode_0666(void)
{
	char path[256];
	struct stat st;
	int fd;

	path_in(path, sizeof path, "a.sock");
	fd = sock_listen(path, 8);
	CHECK(fd >= 0);
	CHECK_INT(stat(path, &st), 0);
	CHECK(S_ISSOCK(st.st_mode));
	CHECK_INT(st.st_mode & 0777, 0666); /* cells are other uids */
	close(fd);
	unlink(path);
}

static void test_live_socket_is_not_stolen(void)
{
	char path[256];
	int fd;

	path_in(path, sizeof path, "b.sock");
	fd = sock_listen(path, 8);
	CHECK(fd >= 0);
	CHECK_INT(sock_listen(path, 8), -EADDRINUSE);
	close(fd);
	unlink(path);
}

static void test_stale_socket_is_replaced(void)
{
	char path[256];
	int fd;

	path_in(path, sizeof path, "c.sock");
	fd = sock_listen(path, 8);
	CHECK(fd >= 0);
	close(fd); /* the file stays, nobody listens: stale */
	fd = sock_listen(path, 8);
	CHECK(fd >= 0);
	close(fd);
	unlink(path);
}

static void test_too_long_path_is_refused(void)
{
	char path[300];

	memset(path, 'a', sizeof path - 1);
	path[0] = '/';
	path[sizeof path - 1] = '\0';
	CHECK_INT(sock_listen(path, 8), -ENAMETOOLONG);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	RUN(test_listens_with_mode_0666);
	RUN(test_live_socket_is_not_stolen);
	RUN(test_stale_socket_is_replaced);
	RUN(test_too_long_path_is_refused);
	rmdir(dir);
	return test_done();
}
