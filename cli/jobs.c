/* jobs.c - a bounded pool of child processes, read through pipes by poll. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "jobs.h"

double jobs_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void job_init(struct job *j)
{
	cell_buf_init(&j->output, JOB_OUTPUT_MAX);
	j->status = 0;
	j->spawn_err = 0;
	j->truncated = 0;
	j->seconds = 0;
	j->pid = -1;
	j->fd = -1;
}

void job_release(struct job *j)
{
	cell_buf_release(&j->output);
}

int job_ok(const struct job *j)
{
	return !j->spawn_err && WIFEXITED(j->status) &&
	       WEXITSTATUS(j->status) == 0;
}

/* In the child: only write(2) and _exit(2) after a failure. */
static void child_fail(const char *what, const char *arg)
{
	char msg[512];
	int n = snprintf(msg, sizeof msg, "cannot %s '%s': %s\n", what, arg,
			 strerror(errno));

	if (n > 0)
		(void)!write(STDERR_FILENO, msg,
			     (size_t)n < sizeof msg ? (size_t)n : sizeof msg);
	_exit(127);
}

static void child(struct job *j, int out)
{
	char **e;
	int null = open("/dev/null", O_RDONLY);

	if (null < 0 || dup2(null, STDIN_FILENO) < 0 ||
	    dup2(out, STDOUT_FILENO) < 0 || dup2(out, STDERR_FILENO) < 0)
		_exit(127);
	if (j->cwd && chdir(j->cwd) < 0)
		child_fail("change directory to", j->cwd);
	for (e = j->env; e && *e; e++)
		if (putenv(*e) < 0)
			child_fail("set", *e);
	execvp(j->argv[0], j->argv);
	child_fail("run", j->argv[0]);
}

/* Starts j. On failure, j->spawn_err is set and the job is over. */
static void start(struct job *j)
{
	int p[2];

	j->start = jobs_now();
	if (pipe2(p, O_CLOEXEC) < 0) {
		j->spawn_err = -errno;
		return;
	}
	j->pid = fork();
	if (j->pid < 0) {
		j->spawn_err = -errno;
		close(p[0]);
		close(p[1]);
		return;
	}
	if (j->pid == 0)
		child(j, p[1]);
	close(p[1]);
	j->fd = p[0];
}

/* Reads what is there; at EOF reaps the child. 1 when the job ended. */
static int drain(struct job *j)
{
	char chunk[4096];
	ssize_t r;

	r = read(j->fd, chunk, sizeof chunk);
	if (r < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return 0;
		/* Unreadable pipe: the job is over for us; reap it below. */
		j->spawn_err = -errno;
	} else if (r > 0) {
		if (!j->truncated &&
		    cell_buf_add(&j->output, chunk, (size_t)r) < 0)
			j->truncated = 1;
		return 0;
	}
	close(j->fd);
	j->fd = -1;
	while (waitpid(j->pid, &j->status, 0) < 0)
		if (errno != EINTR) {
			if (!j->spawn_err)
				j->spawn_err = -errno;
			break;
		}
	j->pid = -1;
	j->seconds = jobs_now() - j->start;
	return 1;
}

/* After a runner failure: close pipes and wait for running children. */
static void reap_all(struct job **running, size_t nrun)
{
	size_t i;

	for (i = 0; i < nrun; i++) {
		close(running[i]->fd);
		while (waitpid(running[i]->pid, &running[i]->status, 0) < 0 &&
		       errno == EINTR)
			;
	}
}

/* Starts jobs until max run at once or none are left. */
static void fill(struct job **jobs, size_t n, size_t *next,
		 struct job **running, size_t *nrun, size_t max,
		 void (*done)(void *ctx, struct job *j), void *ctx)
{
	while (*nrun < max && *next < n) {
		struct job *j = jobs[(*next)++];

		start(j);
		if (!j->spawn_err)
			running[(*nrun)++] = j;
		else if (done)
			done(ctx, j);
	}
}

int jobs_run(struct job **jobs, size_t n, int max,
	     void (*done)(void *ctx, struct job *j), void *ctx)
{
	struct job **running, **ended;
	struct pollfd *pfd;
	size_t next = 0, nrun = 0, nended, i, cap;
	int err = 0;

	if (max < 1)
		max = 1;
	cap = (size_t)max < n ? (size_t)max : (n ? n : 1);
	running = calloc(cap, sizeof *running);
	ended = calloc(cap, sizeof *ended);
	pfd = calloc(cap, sizeof *pfd);
	if (!running || !ended || !pfd) {
		free(running);
		free(ended);
		free(pfd);
		return -ENOMEM;
	}
	fill(jobs, n, &next, running, &nrun, cap, done, ctx);
	while (nrun) {
		for (i = 0; i < nrun; i++) {
			pfd[i].fd = running[i]->fd;
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		if (poll(pfd, nrun, -1) < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			reap_all(running, nrun);
			break;
		}
		/* Walk backwards so removing an entry keeps the rest. */
		nended = 0;
		for (i = nrun; i-- > 0;) {
			if (!pfd[i].revents || !drain(running[i]))
				continue;
			ended[nended++] = running[i];
			running[i] = running[--nrun];
			pfd[i] = pfd[nrun];
		}
		/*
		 * Start the replacements first: the caller's work in done()
		 * (storing a result, with its fsyncs) then overlaps with the
		 * next compilers instead of idling the CPUs.
		 */
		fill(jobs, n, &next, running, &nrun, cap, done, ctx);
		for (i = 0; i < nended && done; i++)
			done(ctx, ended[i]);
	}
	free(running);
	free(ended);
	free(pfd);
	return err;
}
