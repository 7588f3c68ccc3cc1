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

/*
 * Does the process take sig in: a handler installed (SigCgt in
 * /proc/PID/status), or sig blocked (SigBlk: read through a signalfd or
 * sigwait, as libcell does)? A signal it does not take in is fatal at
 * once or ignored, and to the init of a pid namespace (every sandboxed
 * cell) a SIGTERM it does not take in is ignored: nothing can drain.
 * Returns 1 (taken in), 0 (not), -EINVAL (sig out of 1..64), -ENOENT (no
 * such process), -EPROTO, -errno.
 */
int proc_takes_signal(pid_t pid, int sig);

#endif
