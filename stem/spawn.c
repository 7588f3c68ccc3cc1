/*
 * spawn.c - starting a cell (systemd socket activation: the listening
 * socket as fd 3, LISTEN_FDS/LISTEN_PID/LISTEN_FDNAMES) and its logger.
 *
 * The stem is single-threaded, so the child may call anything between
 * fork and exec. An exec failure travels back through a CLOEXEC pipe as
 * an errno; EOF on that pipe means the exec worked.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
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

static noreturn void exec_cell(struct stem *stem, struct stem_cell *cell,
			       const char *path, int err_wr)
{
	char num[32];
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
	snprintf(num, sizeof num, "%d", (int)getpid());
	if (setenv("LISTEN_FDS", "1", 1) || setenv("LISTEN_PID", num, 1) ||
	    setenv("LISTEN_FDNAMES", cell->name, 1) ||
	    setenv("CELL_HOME", stem->home.dir, 1) ||
	    setenv("CELL_NAME", cell->name, 1) ||
	    setenv("CELL_STEM", stem->self, 1))
		child_fail(err_wr);
	if (cell->idle_exit_ms) {
		snprintf(num, sizeof num, "%llu",
			 (unsigned long long)cell->idle_exit_ms);
		if (setenv("CELL_IDLE_EXIT", num, 1))
			child_fail(err_wr);
	} else {
		unsetenv("CELL_IDLE_EXIT");
	}
	execl(path, cell->name, (char *)NULL);
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
	int ep[2], err;
	pid_t pid;

	if (pipe2(ep, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(ep[0]);
		close(ep[1]);
		return err;
	}
	if (pid == 0) {
		close(ep[0]);
		exec_cell(stem, cell, path, ep[1]);
	}
	close(ep[1]);
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
