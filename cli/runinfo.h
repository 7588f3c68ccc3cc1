/*
 * runinfo.h - what run/NAME.json says about each cell (written by the
 * stem on every transition), checked against /proc, so `cell ps` and
 * `cell stop` work with the stem down.
 */
#ifndef CELL_RUNINFO_H
#define CELL_RUNINFO_H

#include <sys/types.h>
#include <time.h>

#include "cell.h"

struct runinfo {
	char name[CELL_NAME_MAX + 1];
	char state[16];               /* the stem's: running, backoff ... */
	pid_t pid;                    /* 0: none */
	unsigned restarts;
	time_t since;
	char hash[65];
	unsigned long long starttime; /* names the process with pid */
	char cause[256];
	int sandbox;                  /* -1 unknown, 0 "sandbox": false, 1 */
	char net[8];                  /* "none", "host", "" unknown */
	char confinement[256];        /* what the sandbox applied */
	char unconfined[256];         /* what it could not apply here */
	/* Each limit the manifest sets (value 0: not set) and what
	 * enforces it: "cgroup2", "cgroup1", "rlimit", "unenforced", "-". */
	struct runinfo_limit {
		double value;         /* bytes, tasks, cores, files */
		char by[16];
	} memory, pids, cpu, nofile;
};

/*
 * Reads run/NAME.json into info. 0, -ENOENT (none), CELL_EJSON, -errno.
 */
int runinfo_read(const struct cell_home *home, const char *name,
		 struct runinfo *info);
/*
 * Calls fn for each run/NAME.json in name order; stops at fn's first
 * non-zero return and returns it. A file that cannot be read or parsed
 * is passed as state "unknown" with the reason in cause. 0 or -errno.
 */
int runinfo_each(const struct cell_home *home,
		 int (*fn)(void *ctx, const struct runinfo *info), void *ctx);
/* 1 if info's process still runs (same pid and start time), else 0. */
int runinfo_alive(const struct runinfo *info);

#endif
