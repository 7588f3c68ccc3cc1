/*
 * proc.h - what /proc says about a process. Internal to the toolchain
 * (the stem and `cell ps`), not part of the public cell.h.
 */
#ifndef CELL_PROC_H
#define CELL_PROC_H

#include <sys/types.h>

struct proc_stat {
	char state;                    /* R, S, Z ... */
	unsigned long long utime;      /* clock ticks */
	unsigned long long stime;
	unsigned long long starttime;  /* ticks after boot: with the pid,
					  names one process for good */
	long rss_pages;
};

/* Reads /proc/PID/stat. 0, -ENOENT (no such process), -EPROTO, -errno. */
int proc_stat_read(pid_t pid, struct proc_stat *out);

#endif
