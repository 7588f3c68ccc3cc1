/*
 * holdconns.c - for the runtime's bats tests: opens argv[2] connections
 * to the Unix socket argv[1], prints how many it opened, and holds them
 * until standard input ends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa;
	char buf[64];
	int i, n, fd, opened = 0;

	if (argc != 3 || strlen(argv[1]) >= sizeof sa.sun_path)
		return 2;
	n = atoi(argv[2]);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, argv[1], strlen(argv[1]));
	for (i = 0; i < n; i++) {
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd < 0)
			break;
		if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
			close(fd);
			break;
		}
		opened++;
	}
	printf("%d\n", opened);
	fflush(stdout);
	while (read(0, buf, sizeof buf) > 0)
		;
	return 0;
}
