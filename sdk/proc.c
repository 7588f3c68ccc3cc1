/* proc.c - parse /proc/PID/stat. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"

int proc_stat_read(pid_t pid, struct proc_stat *out)
{
	char path[64], buf[1024];
	const char *p;
	ssize_t n;
	int fd, err;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof buf - 1);
	/* Taken before close(), which may set errno too. */
	err = n < 0 ? -errno : -EPROTO;
	close(fd);
	if (n <= 0)
		return err;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: fields follow the last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return -EPROTO;
	memset(out, 0, sizeof *out);
	/* state(3) ... utime(14) stime(15) ... starttime(22) vsize(23) rss(24) */
	if (sscanf(p + 1, " %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu"
		   " %*d %*d %*d %*d %*d %*d %llu %*u %ld",
		   &out->state, &out->utime, &out->stime, &out->starttime,
		   &out->rss_pages) != 5)
		return -EPROTO;
	return 0;
}
