/*
 * spawn.c - starting a cell (systemd socket activation: the listening
 * socket as fd 3, LISTEN_FDS/LISTEN_PID/LISTEN_FDNAMES) and its logger.
 *
 * Every cell starts through sandbox_spawn(), confined or not as its
 * manifest's spec says: one path, which resets signals, makes a session,
 * puts the fds in place, rewrites LISTEN_PID and reports a failure before
 * exec (a sandbox step or the exec itself) as a message. The logger is
 * forked, since it runs our code.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/*
 * A cell's environment. LISTEN_PID= is left empty: sandbox_spawn() writes
 * the pid the cell sees (1 in its own pid namespace).
 */
struct cell_env {
	char **envp;
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
	snprintf(e->fdnames, sizeof e->fdnames, "LISTEN_FDNAMES=%s",
		 cell->name);
	snprintf(e->name, sizeof e->name, "CELL_NAME=%s", cell->name);
	snprintf(e->home, sizeof e->home, "CELL_HOME=%s", stem->home.dir);
	snprintf(e->stem, sizeof e->stem, "CELL_STEM=%s", stem->self);
	e->envp[j++] = "LISTEN_FDS=1";
	e->envp[j++] = "LISTEN_PID=";
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
	struct sandbox_fd fds[] = {
		{ cell->log_wr, 1 }, { cell->log_wr, 2 }, { cell->listen_fd, 3 },
	};
	struct sandbox_spawn_args args;
	char *argv[2] = { cell->name, NULL };
	struct cell_env env;
	pid_t pid;
	int err;

	err = env_build(&env, stem, cell);
	if (err) {
		snprintf(cell->report.error, sizeof cell->report.error,
			 "environment: %s", cell_strerror(err));
		return err;
	}
	memset(&args, 0, sizeof args);
	args.path = path;
	args.argv = argv;
	args.envp = env.envp;
	args.fds = fds;
	args.n_fds = sizeof fds / sizeof fds[0];
	args.name = cell->name;
	args.cell_home = stem->home.dir;
	args.stem_socket = stem->sock_path[0] ? stem->sock_path : NULL;
	args.spec = &cell->spec;
	/* The stem names the forbidden call in its log and the cause. */
	args.flags = SANDBOX_NOTIFY;
	args.cgroup2_dir = stem->cgroup2_dir[0] ? stem->cgroup2_dir : NULL;
	err = sandbox_spawn(&args, &pid, &cell->report);
	free(env.envp);
	if (err)
		return err;
	cell->report_live = 1;
	err = watch_child(&cell->proc, pid);
	if (err) {
		/* Without a pidfd we could never see it exit: take it down. */
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		sandbox_cleanup(&cell->report);
		cell->report_live = 0;
		cell->proc.pid = 0;
		snprintf(cell->report.error, sizeof cell->report.error,
			 "pidfd_open: %s", cell_strerror(err));
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
	int err;

	if (cell->log_rd < 0 || cell->logger.pid)
		return 0;	/* no pipe, or its logger runs */
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
	/*
	 * The stem keeps the read end too: should the logger die, the
	 * cell's writes still have a reader (no SIGPIPE), and the pipe
	 * buffers them until the next logger takes over.
	 */
	err = watch_child(&cell->logger, pid);
	if (err) {
		/* Unwatched, we could not replace it when it dies. */
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		cell->logger.pid = 0;
	}
	return err;
}
