/*
 * jobs.h - runs child processes, at most N at once, collecting each one's
 * stdout and stderr through a pipe into a bounded buffer (make -j in
 * miniature). Used for compilers and custom build commands.
 */
#ifndef CELL_JOBS_H
#define CELL_JOBS_H

#include <sys/types.h>

#include "cell.h"

#define JOB_OUTPUT_MAX (64u << 10) /* output past this is dropped */

struct job {
	/* Set by the caller. */
	char **argv;          /* argv[0] is looked up in our own PATH */
	const char *cwd;      /* NULL: the current directory */
	char **env;           /* "NAME=VALUE" added for the child, or NULL */
	void *data;           /* the caller's */

	/* Set by jobs_run(). */
	int status;           /* wait status, valid when spawn_err == 0 */
	int spawn_err;        /* -errno when the child could not be started */
	int truncated;        /* output went past JOB_OUTPUT_MAX */
	double seconds;       /* wall time from start to exit */
	struct cell_buf output; /* stdout and stderr, interleaved */

	/* Private to jobs_run(). */
	pid_t pid;
	int fd;
	double start;
};

/* Prepares j (its output buffer) for jobs_run(); argv etc. untouched. */
void job_init(struct job *j);
/* Frees j's output. */
void job_release(struct job *j);

/* 1 if j ran and exited with status 0. */
int job_ok(const struct job *j);

/*
 * Runs every job, at most max at once (max < 1 means 1), started in
 * order of the array. done(ctx, job), when done is not NULL, is called in
 * this process as each job ends, after the jobs taking its place have
 * started (so slow work in done overlaps with them). A child that cannot
 * exec writes the reason to its output and exits 127.
 * Returns 0 (each job's own outcome is in the job), or -errno when the
 * runner itself failed (poll); running children are then waited for.
 */
int jobs_run(struct job **jobs, size_t n, int max,
	     void (*done)(void *ctx, struct job *j), void *ctx);

/* Monotonic clock in seconds, for timings. */
double jobs_now(void);

#endif
