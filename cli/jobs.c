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

/* 1 if the environment entry a sets the variable that b sets. */
static int same_name(const char *a, const char *b)
{
	size_t n = strcspn(b, "=");

	return !strncmp(a, b, n) && a[n] == '=';
}

/*
 * The child's environment: ours, with j->env added or replacing the
 * entries of the same names. Built before fork, where malloc is safe.
 * The caller frees the array (not the strings). NULL when out of memory.
 */
static char **child_env(const struct job *j)
{
	size_t n = 0, k = 0, i;
	char **env, **e, **add;

	for (e = environ; *e; e++)
		n++;
	for (add = j->env; add && *add; add++)
		n++;
	env = calloc(n + 1, sizeof *env);
	if (!env)
		return NULL;
	for (e = environ; *e; e++) {
		for (add = j->env; add && *add; add++)
			if (same_name(*e, *add))
				break;
		if (!add || !*add)
			env[k++] = *e;
	}
	for (add = j->env; add && *add; add++) {
		for (i = 0; i < k; i++)
			if (same_name(env[i], *add))
				break;
		if (i == k)
			env[k++] = *add; /* a later duplicate in j->env loses */
	}
	env[k] = NULL;
	return env;
}

/* Why a child could not exec, sent to the parent through a pipe. */
struct child_err {
	int step;             /* 0 chdir, 1 exec, 2 stdio */
	int err;              /* errno */
};

/*
 * Between fork and exec only async-signal-safe calls: another thread of
 * a multi-threaded parent may have held a lock (malloc's, locale's) that
 * this copy will never see released.
 */
static void child(struct job *j, int out, int errfd, char **env)
{
	struct child_err ce = { 2, 0 };
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (null < 0 || dup2(null, STDIN_FILENO) < 0 ||
	    dup2(out, STDOUT_FILENO) < 0 || dup2(out, STDERR_FILENO) < 0)
		goto fail;
	ce.step = 0;
	if (j->cwd && chdir(j->cwd) < 0)
		goto fail;
	ce.step = 1;
	execvpe(j->argv[0], j->argv, env);
fail:
	ce.err = errno;
	(void)!write(errfd, &ce, sizeof ce);
	_exit(127);
}

/* Waits for the child's exec; records why it failed, if it did. */
static void child_result(struct job *j, int errfd)
{
	static const char *const steps[] = {
		"change directory to", "run", "set up the output of"
	};
	struct child_err ce;
	char msg[512];
	ssize_t r;
	int n;

	do
		r = read(errfd, &ce, sizeof ce);
	while (r < 0 && errno == EINTR);
	if (r != (ssize_t)sizeof ce || ce.step < 0 || ce.step > 2)
		return; /* exec'd: the pipe closed with nothing in it */
	n = snprintf(msg, sizeof msg, "cannot %s '%s': %s\n", steps[ce.step],
		     ce.step == 0 ? j->cwd : j->argv[0], strerror(ce.err));
	if (n > 0 && !j->truncated &&
	    cell_buf_add(&j->output, msg,
			 (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1))
		j->truncated = 1;
}

/* Starts j. On failure, j->spawn_err is set and the job is over. */
static void start(struct job *j)
{
	char **env;
	int p[2], e[2];

	j->start = jobs_now();
	env = child_env(j);
	if (!env) {
		j->spawn_err = -ENOMEM;
		return;
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		j->spawn_err = -errno;
		free(env);
		return;
	}
	if (pipe2(e, O_CLOEXEC) < 0) {
		j->spawn_err = -errno;
		close(p[0]);
		close(p[1]);
		free(env);
		return;
	}
	j->pid = fork();
	if (j->pid == 0)
		child(j, p[1], e[1], env);
	if (j->pid < 0)
		j->spawn_err = -errno;
	free(env);
	close(p[1]);
	close(e[1]);
	if (j->pid > 0)
		child_result(j, e[0]);
	close(e[0]);
	if (j->pid < 0) {
		close(p[0]);
		return;
	}
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
