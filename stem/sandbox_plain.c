/*
 * sandbox_plain.c - sandbox_spawn() for a cell with "sandbox": false and
 * no limits: nothing for the parent to do between fork and exec (no uid
 * maps, cgroups or rlimits), so the child is a vfork child, which copies
 * no page tables and costs about half a millisecond less per cold start.
 *
 * A vfork child shares our memory until it execs: everything it needs
 * (the environment, the pid slot of LISTEN_PID) is prepared here, and it
 * makes system calls only, no allocation and no stdio. A failure before
 * exec travels back through a close-on-exec pipe as {step, errno}; end
 * of file means the exec worked.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cell.h"
#include "sandbox_impl.h"

enum plain_step { STEP_SETSID, STEP_FDS, STEP_EXEC };

struct plain_error {
	int32_t step;
	int32_t code;		/* -errno */
};

/* Appends pid's decimal digits to s: no stdio in a vfork child. */
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

/* The child: system calls only, then exec or _exit. */
__attribute__((noreturn))
static void plain_child(const struct sandbox_spawn_args *a, int exec_fd,
			int err_fd, char **envp, char *listen_pid)
{
	int *const keep[] = { &exec_fd, &err_fd };
	struct plain_error e = { STEP_SETSID, 0 };
	const char *step;
	ssize_t w;

	sandbox_child_signals();
	if (setsid() < 0) {
		e.code = -errno;
	} else if ((e.code = sandbox_place_fds(a, keep, 2, &step)) != 0) {
		e.step = STEP_FDS;
	} else {
		if (listen_pid)
			put_pid(listen_pid, getpid());
		fexecve(exec_fd, a->argv, envp);
		e.step = STEP_EXEC;
		e.code = -errno;
	}
	w = write(err_fd, &e, sizeof e);
	(void)w;
	_exit(127);
}

/*
 * vfork in a function of its own: nothing of the caller's frame is live
 * across it, so the child cannot clobber what the parent reads after.
 */
__attribute__((noinline))
static pid_t plain_vfork(const struct sandbox_spawn_args *a, int exec_fd,
			 int err_fd, char **envp, char *slot)
{
	pid_t pid = vfork();

	if (pid == 0)
		plain_child(a, exec_fd, err_fd, envp, slot);
	return pid;
}

int sandbox_spawn_plain(const struct sandbox_spawn_args *a, int exec_fd,
			pid_t *pid_out, struct sandbox_report *r)
{
	static const char *const steps[] = {
		[STEP_SETSID] = "setsid", [STEP_FDS] = "fds",
		[STEP_EXEC] = "exec",
	};
	char listen_pid[32] = "LISTEN_PID=", *slot = NULL;
	struct plain_error e;
	char **envp;
	size_t n = 0, i;
	int p[2], status;
	ssize_t got;
	pid_t pid;

	while (a->envp && a->envp[n])
		n++;
	envp = calloc(n + 1, sizeof *envp);
	if (!envp)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		envp[i] = a->envp[i];
		if (!strncmp(a->envp[i], "LISTEN_PID=", 11))
			envp[i] = slot = listen_pid;
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		int rc = -errno;

		free(envp);
		snprintf(r->error, sizeof r->error, "pipe: %s",
			 cell_strerror(rc));
		return rc;
	}
	pid = plain_vfork(a, exec_fd, p[1], envp, slot);
	close(p[1]);
	free(envp);
	if (pid < 0) {
		int rc = -errno;

		close(p[0]);
		snprintf(r->error, sizeof r->error, "vfork: %s",
			 cell_strerror(rc));
		return rc;
	}
	do
		got = read(p[0], &e, sizeof e);
	while (got < 0 && errno == EINTR);
	close(p[0]);
	if (got == 0) {
		snprintf(r->applied, sizeof r->applied, "no sandbox");
		*pid_out = pid;
		return 0;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (got != (ssize_t)sizeof e || e.code >= 0 ||
	    e.step < 0 || e.step > STEP_EXEC) {
		snprintf(r->error, sizeof r->error, "child failed before exec");
		return -EIO;
	}
	if (e.step == STEP_EXEC)
		snprintf(r->error, sizeof r->error, "exec %.200s: %s", a->path,
			 cell_strerror(e.code));
	else
		snprintf(r->error, sizeof r->error, "%s: %s", steps[e.step],
			 cell_strerror(e.code));
	return e.code;
}
