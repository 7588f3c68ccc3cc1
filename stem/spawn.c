/*
 * spawn.c - starting a cell (systemd socket activation: the listening
 * socket as fd 3, LISTEN_FDS/LISTEN_PID/LISTEN_FDNAMES) and its logger.
 *
 * A cell is started with vfork (the environment prepared beforehand, the
 * child making system calls only); its logger with fork, since it runs
 * our code. An exec failure travels back through a CLOEXEC pipe as an
 * errno; EOF on that pipe means the exec worked.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdnoreturn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pidfd.h"
#include "stem.h"

/* What the stem set up for itself must not leak into its children. */
static void child_reset_signals(void)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
}

static noreturn void child_fail(int err_wr)
{
	int e = errno;
	ssize_t r;

	if (err_wr >= 0)
		r = write(err_wr, &e, sizeof e);
	(void)r;
	_exit(127);
}

/*
 * A cell's environment, built before vfork: the child shares our memory
 * until it execs, so it may not allocate; it only writes its own pid
 * into listen_pid.
 */
struct cell_env {
	char **envp;
	char listen_pid[32];
	char fdnames[24 + CELL_NAME_MAX];
	char name[24 + CELL_NAME_MAX];
	char home[24 + CELL_PATH_MAX];
	char stem[24 + CELL_PATH_MAX];
	char idle[48];
};

extern char **environ;

/* Ours: inherited values of these never reach a cell. */
static const char *const cell_vars[] = {
	"LISTEN_FDS=", "LISTEN_PID=", "LISTEN_FDNAMES=", "CELL_HOME=",
	"CELL_NAME=", "CELL_STEM=", "CELL_IDLE_EXIT=",
};

static int ours(const char *var)
{
	size_t i;

	for (i = 0; i < sizeof cell_vars / sizeof *cell_vars; i++)
		if (!strncmp(var, cell_vars[i], strlen(cell_vars[i])))
			return 1;
	return 0;
}

/* 0 or -ENOMEM; the caller frees e->envp. */
static int env_build(struct cell_env *e, const struct stem *stem,
		     const struct stem_cell *cell)
{
	size_t n = 0, j = 0, i;

	while (environ[n])
		n++;
	e->envp = calloc(n + 8, sizeof *e->envp);
	if (!e->envp)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (!ours(environ[i]))
			e->envp[j++] = environ[i];
	snprintf(e->listen_pid, sizeof e->listen_pid, "LISTEN_PID=");
	snprintf(e->fdnames, sizeof e->fdnames, "LISTEN_FDNAMES=%s",
		 cell->name);
	snprintf(e->name, sizeof e->name, "CELL_NAME=%s", cell->name);
	snprintf(e->home, sizeof e->home, "CELL_HOME=%s", stem->home.dir);
	snprintf(e->stem, sizeof e->stem, "CELL_STEM=%s", stem->self);
	e->envp[j++] = "LISTEN_FDS=1";
	e->envp[j++] = e->listen_pid;
	e->envp[j++] = e->fdnames;
	e->envp[j++] = e->name;
	e->envp[j++] = e->home;
	e->envp[j++] = e->stem;
	if (cell->idle_exit_ms) {
		snprintf(e->idle, sizeof e->idle, "CELL_IDLE_EXIT=%llu",
			 (unsigned long long)cell->idle_exit_ms);
		e->envp[j++] = e->idle;
	}
	e->envp[j] = NULL;
	return 0;
}

/* Appends pid's decimal digits to s (no stdio: we are a vfork child). */
static void put_pid(char *s, pid_t pid)
{
	char digits[16];
	int n = 0;

	while (*s)
		s++;
	do
		digits[n++] = (char)('0' + pid % 10);
	while ((pid /= 10) > 0);
	while (n)
		*s++ = digits[--n];
	*s = '\0';
}

/* The vfork child: system calls only, then exec or _exit. */
static noreturn void exec_cell(const struct stem_cell *cell,
			       const char *path, struct cell_env *e,
			       int err_wr)
{
	char *argv[2];
	int null;

	child_reset_signals();
	setsid();
	/* Keep the error pipe clear of the fds about to be placed. */
	if (err_wr <= 3) {
		err_wr = fcntl(err_wr, F_DUPFD_CLOEXEC, 4);
		if (err_wr < 0)
			child_fail(-1);
	}
	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null < 0 || dup2(null, 0) < 0 || dup2(cell->log_wr, 1) < 0 ||
	    dup2(cell->log_wr, 2) < 0)
		child_fail(err_wr);
	if (cell->listen_fd == 3) {
		if (fcntl(3, F_SETFD, 0) < 0)
			child_fail(err_wr);
	} else if (dup2(cell->listen_fd, 3) < 0) {
		child_fail(err_wr);
	}
	put_pid(e->listen_pid, getpid());
	argv[0] = (char *)cell->name;
	argv[1] = NULL;
	execve(path, argv, e->envp);
	child_fail(err_wr);
}

static int watch_child(struct stem_child *c, pid_t pid)
{
	c->pid = pid;
	c->pidfd = sys_pidfd_open(pid);
	if (c->pidfd < 0)
		return -errno;
	return 0;
}

int spawn_cell(struct stem *stem, struct stem_cell *cell, const char *path)
{
	struct cell_env env;
	int ep[2], err;
	pid_t pid;

	err = env_build(&env, stem, cell);
	if (err)
		return err;
	if (pipe2(ep, O_CLOEXEC) < 0) {
		err = -errno;
		free(env.envp);
		return err;
	}
	/* vfork: no copy of the stem's page tables on the cold start path. */
	pid = vfork();
	if (pid == 0)
		exec_cell(cell, path, &env, ep[1]);
	err = pid < 0 ? -errno : 0;
	free(env.envp);
	close(ep[1]);
	if (err) {
		close(ep[0]);
		return err;
	}
	if (fcntl(ep[0], F_SETFL, O_NONBLOCK) < 0) {
		/* Still correct, only the read may block briefly. */
		stem_log(stem, STEM_LOG_ERROR, "cannot make a pipe non-blocking: %m");
	}
	cell->exec_rd = ep[0];
	err = watch_child(&cell->proc, pid);
	if (err) {
		/* Without a pidfd we could never see it exit: take it down. */
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(ep[0]);
		cell->exec_rd = -1;
		cell->proc.pid = 0;
		return err;
	}
	return 0;
}

int spawn_log_pipe(struct stem_cell *cell)
{
	int p[2];

	if (cell->log_wr >= 0)
		return 0;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	cell->log_rd = p[0];
	cell->log_wr = p[1];
	return 0;
}

int spawn_logger(struct stem *stem, struct stem_cell *cell)
{
	pid_t pid;

	if (cell->log_rd < 0)
		return 0;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		child_reset_signals();
		/* Its own session: a signal to the stem's group spares it. */
		setsid();
		if (dup2(cell->log_rd, 0) < 0)
			_exit(127);
		/*
		 * No exec (cheap): the same code as `cell-stem --logger
		 * NAME`, after dropping every fd of the stem, stem.lock's
		 * and the pipe's write end included, so the logger holds
		 * nothing but its pipe and sees EOF when the cell is gone.
		 */
		syscall(SYS_close_range, 3, ~0U, 0);
		_exit(logger_main(&stem->home, cell->name));
	}
	close(cell->log_rd);
	cell->log_rd = -1;
	if (watch_child(&cell->logger, pid) < 0)
		cell->logger.pid = 0; /* it ends at EOF; we cannot reap it early */
	return 0;
}
