/* proc.c - parse /proc/PID/stat and /proc/PID/status. */
#include <errno.h>
#include <inttypes.h>
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

int proc_takes_signal(pid_t pid, int sig)
{
	char path[64], line[256];
	uint64_t mask, caught = 0, blocked = 0;
	int found = 0;
	FILE *f;

	if (sig < 1 || sig > 64)
		return -EINVAL;
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	/* "SigCgt:\t0000000000004a02": bit sig-1 is signal sig. */
	while (found != 3 && fgets(line, sizeof line, f)) {
		if (sscanf(line, "SigBlk: %" SCNx64, &mask) == 1) {
			blocked = mask;
			found |= 1;
		} else if (sscanf(line, "SigCgt: %" SCNx64, &mask) == 1) {
			caught = mask;
			found |= 2;
		}
	}
	fclose(f);
	if (found != 3)
		return -EPROTO;
	return (int)((caught | blocked) >> (sig - 1) & 1);
}
