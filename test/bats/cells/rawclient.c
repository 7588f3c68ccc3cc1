/*
 * rawclient.c - for the runtime's bats tests: connects to the Unix
 * socket argv[1], sends standard input as it is (any bytes, valid frames
 * or not), shuts down its write side, then prints each frame received as
 * "TYPE PAYLOAD" on its own line, and "EOF" or "ERROR errno" at the end.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int read_full(int fd, unsigned char *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : (int)got;
		got += (size_t)r;
	}
	return (int)got;
}

int main(int argc, char **argv)
{
	static unsigned char buf[1 << 20];
	struct sockaddr_un sa;
	unsigned char hdr[5];
	ssize_t r;
	int fd, n;

	if (argc != 2)
		return 2;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", argv[1]);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		printf("CONNECT %s\n", strerror(errno));
		return 1;
	}
	while ((r = read(0, buf, sizeof buf)) > 0)
		if (send(fd, buf, (size_t)r, MSG_NOSIGNAL) != r)
			break;
	shutdown(fd, SHUT_WR);
	for (;;) {
		unsigned long len;

		n = read_full(fd, hdr, 5);
		if (n < 0) {
			printf("ERROR %s\n", strerror(-n));
			return 0;
		}
		if (n < 5) {
			printf("EOF\n");
			return 0;
		}
		len = (unsigned long)hdr[0] << 24 | (unsigned long)hdr[1] << 16 |
		      (unsigned long)hdr[2] << 8 | hdr[3];
		if (len > sizeof buf || read_full(fd, buf, len) != (int)len) {
			printf("SHORT\n");
			return 0;
		}
		printf("%d %.*s\n", hdr[4], (int)len, (char *)buf);
	}
}
