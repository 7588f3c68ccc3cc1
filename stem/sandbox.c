/*
 * sandbox.c - sandbox_spawn(): clone into namespaces, the parent/child
 * handshake, and the child's path to exec.
 *
 * Parent                               Child (raw clone, fork-like)
 *   state dir, O_PATH of the object,
 *   seccomp filter, cgroups
 *   clone(CLONE_NEW*) ---------------->  waits for "go" on the socketpair
 *   uid/gid maps, cgroup.procs,
 *   prlimit, "go" -------------------->  fds, env, hostname, filesystem,
 *                                        rlimits, privileges, seccomp,
 *   reads the socketpair: EOF <------    fexecve (close-on-exec: EOF)
 *   means exec'd, bytes mean failure <-  or {code, "step: cause"}, _exit
 *
 * One socketpair serves both directions: writing to a pipe whose reader
 * died would raise SIGPIPE in the stem, send(MSG_NOSIGNAL) does not.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cell.h"
#include "fsutil.h"
#include "sandbox_impl.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* A child stuck before exec must not hang the stem's loop forever. */
#define SETUP_TIMEOUT_S 10

/* What the child sends when it fails before exec. */
struct child_error {
	char tag;		/* 'E' ('L' + an fd announces the listener) */
	int32_t code;
	char msg[SANDBOX_MSG_MAX];
};

int sandbox_child_fail(struct sandbox_child *c, int err, const char *fmt, ...)
{
	char what[SANDBOX_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	snprintf(c->msg, sizeof c->msg, "%.190s: %.60s", what,
		 cell_strerror(err));
	return err;
}

uid_t sandbox_cell_uid(const char *name)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return (uid_t)(SANDBOX_UID_BASE + h % SANDBOX_UID_RANGE);
}

/* ---- child ---- */

/*
 * Puts args->fds in place: every source first moves above the highest
 * target (so no dup2 clobbers a source), then lands on its number; the
 * fds in keep (ours: the setup socket, the object) move above too, and
 * are updated. Every other fd becomes close-on-exec; 0..2 default to
 * /dev/null. System calls only (a vfork child runs it). Returns 0, or
 * -errno with *step naming what failed.
 */
int sandbox_place_fds(const struct sandbox_spawn_args *a, int *const *keep,
		      size_t nkeep, const char **step)
{
	int tmp[SANDBOX_FDS_MAX], hi = 3, fd, used;
	size_t i;

	for (i = 0; i < a->n_fds; i++)
		if (a->fds[i].to >= hi)
			hi = a->fds[i].to + 1;
	*step = "move fds";
	for (i = 0; i < nkeep; i++) {
		*keep[i] = fcntl(*keep[i], F_DUPFD_CLOEXEC, hi);
		if (*keep[i] < 0)
			return -errno;
	}
	*step = "dup fd";
	for (i = 0; i < a->n_fds; i++) {
		tmp[i] = fcntl(a->fds[i].from, F_DUPFD_CLOEXEC, hi);
		if (tmp[i] < 0)
			return -errno;
	}
	*step = "dup2 fd";
	for (i = 0; i < a->n_fds; i++)
		if (dup2(tmp[i], a->fds[i].to) < 0)
			return -errno;
	*step = "open /dev/null";
	for (fd = 0; fd < hi; fd++) {
		for (used = 0, i = 0; i < a->n_fds && !used; i++)
			used = a->fds[i].to == fd;
		if (used)
			continue;
		if (fd <= 2) {
			int null = open("/dev/null", O_RDWR);

			if (null < 0 || (null != fd && dup2(null, fd) < 0))
				return -errno;
			if (null != fd)
				close(null);
		} else {
			fcntl(fd, F_SETFD, FD_CLOEXEC);
		}
	}
	/* Nothing of the stem (epoll, other cells' sockets) may leak. */
	if (syscall(SYS_close_range, hi, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		for (fd = hi; fd < 1024; fd++)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	return 0;
}

static int child_fds(struct sandbox_child *c, int *sock)
{
	int *const keep[] = { sock, &c->exec_fd };
	const char *step;
	int rc = sandbox_place_fds(c->args, keep, 2, &step);

	return rc ? sandbox_child_fail(c, rc, "%s", step) : 0;
}

/* envp with LISTEN_PID= set to our pid as the cell sees it (1 in a pid
 * namespace). The array is the child's and dies with exec. */
static char **child_env(struct sandbox_child *c, char *listen_pid,
			size_t size)
{
	char *const *e = c->args->envp;
	char **out;
	size_t n = 0, i;

	while (e && e[n])
		n++;
	out = calloc(n + 1, sizeof *out);
	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		if (!strncmp(e[i], "LISTEN_PID=", 11)) {
			snprintf(listen_pid, size, "LISTEN_PID=%d",
				 (int)getpid());
			out[i] = listen_pid;
		} else {
			out[i] = e[i];
		}
	}
	return out;
}

static int child_confine(struct sandbox_child *c)
{
	uid_t fsuid;
	int rc;

	if (c->ns & CLONE_NEWUTS &&
	    sethostname(c->args->name, strlen(c->args->name)) < 0)
		return sandbox_child_fail(c, -errno, "sethostname");
	if (c->ns & CLONE_NEWNS) {
		rc = sandbox_fs_open_host(c);
		if (rc)
			return rc;
	}
	rc = sandbox_priv_enter(c);
	if (rc)
		return rc;
	if (c->ns & CLONE_NEWNS) {
		/* Extra paths are opened with the cell's rights. */
		fsuid = (uid_t)setfsuid(c->uid);
		rc = sandbox_fs_open_extra(c);
		setfsuid(fsuid);
		if (!rc)
			rc = sandbox_fs_setup(c);
		if (rc)
			return rc;
	}
	return sandbox_priv_drop(c);
}

/*
 * The stem blocks signals for its signalfd and ignores SIGPIPE; a blocked
 * mask and ignored signals survive exec, so the cell starts clean. The
 * raw system call, because glibc's sigaction refuses its own internal
 * signals (32, 33), which a parent may also have ignored.
 */
void sandbox_child_signals(void)
{
	struct {
		void (*handler)(int);
		unsigned long flags;
		void (*restorer)(void);
		uint64_t mask;
	} dfl = { SIG_DFL, 0, NULL, 0 };
	uint64_t none = 0;
	int sig;

	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			syscall(SYS_rt_sigaction, sig, &dfl, NULL,
				sizeof dfl.mask);
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof none);
}

/* Hands the seccomp listener to the parent, tagged 'L'. */
static int send_listener(int sock, int fd)
{
	char tag = 'L';
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { &tag, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof u.buf,
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof fd);
	if (sendmsg(sock, &msg, MSG_NOSIGNAL) != 1)
		return -errno;
	return 0;
}

static int child_seccomp(struct sandbox_child *c, int sock)
{
	int notify = !!(c->args->flags & SANDBOX_NOTIFY);
	int rc = sandbox_seccomp_load(&c->prog, notify);

	if (rc < 0)
		return sandbox_child_fail(c, rc, "seccomp");
	if (notify) {
		/* The cell must never hold its own listener. */
		int fd = rc;

		rc = send_listener(sock, fd);
		close(fd);
		if (rc)
			return sandbox_child_fail(c, rc, "send seccomp fd");
	}
	return 0;
}

__attribute__((noreturn))
static void child_main(struct sandbox_child *c, int sock,
		       const struct sandbox_report *report)
{
	struct child_error ce;
	char listen_pid[32], go;
	char **envp;
	int rc;

	if (read(sock, &go, 1) != 1)
		_exit(127);	/* the parent gave up on us */
	sandbox_child_signals();
	/* Its own session: no terminal signals of the stem's group. */
	rc = setsid() < 0 ? sandbox_child_fail(c, -errno, "setsid") : 0;
	if (!rc)
		rc = child_fds(c, &sock);
	if (!rc && c->spec->enabled)
		rc = child_confine(c);
	envp = rc ? NULL : child_env(c, listen_pid, sizeof listen_pid);
	if (!rc && !envp)
		rc = sandbox_child_fail(c, -ENOMEM, "environment");
	if (!rc)
		rc = sandbox_limits_rlimits(c, report);
	if (!rc && c->spec->enabled)
		rc = child_seccomp(c, sock);
	if (!rc) {
		fexecve(c->exec_fd, c->args->argv, envp);
		rc = sandbox_child_fail(c, -errno, "exec %s", c->args->path);
	}
	memset(&ce, 0, sizeof ce);
	ce.tag = 'E';
	ce.code = rc;
	snprintf(ce.msg, sizeof ce.msg, "%s", c->msg);
	send(sock, &ce, sizeof ce, MSG_NOSIGNAL);
	_exit(127);
}

/* ---- parent ---- */

static int write_proc(pid_t pid, const char *file, const char *text)
{
	char path[64];

	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
	return sandbox_write_text(path, text);
}

/*
 * A root parent maps the cell's own uid and leaves setgroups allowed so
 * the child can drop root's supplementary groups; an unprivileged parent
 * can only map itself, with setgroups denied.
 */
static int write_maps(struct sandbox_child *c, pid_t pid,
		      struct sandbox_report *r)
{
	char map[64];
	int rc = 0;

	if (!c->host_root)
		rc = write_proc(pid, "setgroups", "deny");
	snprintf(map, sizeof map, "%u %u 1\n", (unsigned)c->uid,
		 (unsigned)c->uid);
	if (!rc)
		rc = write_proc(pid, "uid_map", map);
	snprintf(map, sizeof map, "%u %u 1\n", (unsigned)c->gid,
		 (unsigned)c->gid);
	if (!rc)
		rc = write_proc(pid, "gid_map", map);
	if (rc)
		snprintf(r->error, sizeof r->error, "write uid/gid map: %s",
			 cell_strerror(rc));
	return rc;
}

/*
 * Waits for EOF (exec'd), after an optional 'L' byte carrying the seccomp
 * listener, or for a child_error. Returns 0 or the child's code.
 */
static int read_outcome(int sock, struct sandbox_report *r)
{
	char buf[1 + sizeof(struct child_error)];
	struct child_error ce;
	size_t got = 0, off = 0;
	ssize_t n;

	while (got < sizeof buf) {
		union {
			char b[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} u;
		struct iovec iov = { buf + got, sizeof buf - got };
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = u.b, .msg_controllen = sizeof u.b,
		};
		struct cmsghdr *cm;

		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			snprintf(r->error, sizeof r->error,
				 "setup took over %d s", SETUP_TIMEOUT_S);
			return -ETIMEDOUT;
		}
		if (n <= 0)
			break;
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
			if (cm->cmsg_level == SOL_SOCKET &&
			    cm->cmsg_type == SCM_RIGHTS && r->notify_fd < 0)
				memcpy(&r->notify_fd, CMSG_DATA(cm),
				       sizeof(int));
		got += (size_t)n;
	}
	if (got && buf[0] == 'L')
		off = 1;
	if (got == off)
		return 0;
	if (got - off != sizeof ce || buf[off] != 'E') {
		snprintf(r->error, sizeof r->error,
			 "child failed before exec");
		return -EIO;
	}
	memcpy(&ce, buf + off, sizeof ce);
	ce.msg[sizeof ce.msg - 1] = '\0';
	snprintf(r->error, sizeof r->error, "%s", ce.msg);
	return ce.code < 0 ? ce.code : -EIO;
}

static int prepare_dirs(struct sandbox_child *c, struct sandbox_report *r)
{
	const char *home = c->args->cell_home;
	struct stat st;
	int rc;

	if (snprintf(c->state_dir, sizeof c->state_dir, "%s/state/%s", home,
		     c->args->name) >= (int)sizeof c->state_dir ||
	    snprintf(c->run_dir, sizeof c->run_dir, "%s/run", home) >=
	    (int)sizeof c->run_dir) {
		snprintf(r->error, sizeof r->error, "cell home too long");
		return -ENAMETOOLONG;
	}
	rc = fs_mkdir_p(c->run_dir, 0755);
	if (!rc)
		rc = fs_mkdir_p(c->state_dir, 0700);
	if (rc) {
		snprintf(r->error, sizeof r->error, "mkdir '%.190s': %.50s",
			 c->state_dir, cell_strerror(rc));
		return rc;
	}
	if (lstat(c->state_dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(r->error, sizeof r->error, "'%.200s' is not a directory",
			 c->state_dir);
		return -ENOTDIR;
	}
	if ((st.st_uid != c->uid || st.st_gid != c->gid) &&
	    lchown(c->state_dir, c->uid, c->gid) < 0) {
		rc = -errno;
		snprintf(r->error, sizeof r->error, "chown '%.190s': %.50s",
			 c->state_dir, cell_strerror(rc));
		return rc;
	}
	return 0;
}

static void describe(const struct sandbox_child *c, struct sandbox_report *r)
{
	static const struct {
		unsigned long flag;
		const char *name;
	} ns[] = {
		{ CLONE_NEWUSER, "user" }, { CLONE_NEWNS, "mnt" },
		{ CLONE_NEWPID, "pid" }, { CLONE_NEWIPC, "ipc" },
		{ CLONE_NEWUTS, "uts" }, { CLONE_NEWNET, "net" },
	};
	size_t i, off = 0;
	int n;

	r->namespaces = c->ns;
	n = snprintf(r->applied, sizeof r->applied, "ns ");
	off = (size_t)n;
	for (i = 0; i < sizeof ns / sizeof ns[0]; i++) {
		if (!(c->ns & ns[i].flag) || off >= sizeof r->applied)
			continue;
		n = snprintf(r->applied + off, sizeof r->applied - off, "%s%s",
			     off > 3 ? "," : "", ns[i].name);
		off += (size_t)n;
	}
	if (off == 3)
		off += (size_t)snprintf(r->applied + off,
					sizeof r->applied - off, "none");
	if (off < sizeof r->applied)
		snprintf(r->applied + off, sizeof r->applied - off,
			 "; uid %u; %sno_new_privs; seccomp",
			 (unsigned)c->uid,
			 c->userns || c->host_root ? "caps dropped; " : "");
	if (!c->userns && c->host_root)
		snprintf(r->missing, sizeof r->missing,
			 "no user namespace: the cell runs as host uid %u",
			 (unsigned)c->uid);
	else if (!c->userns)
		snprintf(r->missing, sizeof r->missing,
			 "no user namespace and not root: no namespaces, "
			 "the cell sees the host filesystem, processes and "
			 "network");
}

/*
 * The parent's half of the handshake: maps, cgroups and rlimits while the
 * child waits, then "go", then the outcome. Returns 0 once it exec'd.
 */
static int start_child(struct sandbox_child *c, pid_t pid, int sock,
		       struct sandbox_report *r)
{
	int rc = 0;

	if (c->userns)
		rc = write_maps(c, pid, r);
	if (!rc)
		rc = sandbox_limits_attach(r, pid);
	if (!rc)
		rc = sandbox_limits_prlimit(c->spec, r, pid);
	if (!rc && send(sock, "g", 1, MSG_NOSIGNAL) != 1) {
		rc = -errno;
		snprintf(r->error, sizeof r->error, "start child: %s",
			 cell_strerror(rc));
	}
	return rc ? rc : read_outcome(sock, r);
}

static long raw_clone(unsigned long flags)
{
	return syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, 0);
}

static int check_args(const struct sandbox_spawn_args *a,
		      struct sandbox_report *r)
{
	if (!a || !a->path || a->path[0] != '/' || !a->argv || !a->argv[0] || !a->cell_home ||
	    !a->spec || a->n_fds > SANDBOX_FDS_MAX || (a->n_fds && !a->fds)) {
		snprintf(r->error, sizeof r->error, "invalid arguments");
		return -EINVAL;
	}
	if (!cell_name_valid(a->name)) {
		snprintf(r->error, sizeof r->error, "invalid cell name");
		return CELL_ENAME;
	}
	for (size_t i = 0; i < a->n_fds; i++)
		if (a->fds[i].from < 0 || a->fds[i].to < 0 ||
		    a->fds[i].to > 255) {
			snprintf(r->error, sizeof r->error, "invalid fd");
			return -EINVAL;
		}
	return 0;
}

/* Clones with the most isolation the host allows; sets c->ns/userns. */
static pid_t clone_child(struct sandbox_child *c)
{
	unsigned long ns = 0;
	long pid;

	if (c->spec->enabled) {
		ns = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS;
		if (!c->spec->net_host)
			ns |= CLONE_NEWNET;
		if (!(c->args->flags & SANDBOX_NO_USERNS)) {
			c->ns = ns | CLONE_NEWUSER;
			c->userns = 1;
			pid = raw_clone(c->ns);
			if (pid >= 0 || (errno != EPERM && errno != EINVAL &&
					 errno != ENOSPC && errno != EUSERS))
				return (pid_t)pid;
		}
		c->userns = 0;
		/* Without a user namespace only root may make the rest. */
		if (!c->host_root)
			ns = 0;
	}
	c->ns = ns;
	return (pid_t)raw_clone(ns);
}

int sandbox_spawn(const struct sandbox_spawn_args *args, pid_t *pid_out,
		  struct sandbox_report *r)
{
	int notify = !!(args && args->flags & SANDBOX_NOTIFY);
	struct timeval timeout = { SETUP_TIMEOUT_S, 0 };
	struct sandbox_child *c;
	int sv[2] = { -1, -1 }, rc, status;
	pid_t pid = -1;

	memset(r, 0, sizeof *r);
	r->notify_fd = -1;
	rc = check_args(args, r);
	if (rc)
		return rc;
	c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	c->args = args;
	c->spec = args->spec;
	c->exec_fd = -1;
	c->host_root = geteuid() == 0;
	c->uid = args->uid ? args->uid :
		 c->host_root ? sandbox_cell_uid(args->name) : geteuid();
	c->gid = c->host_root ? (gid_t)c->uid : getegid();
	if (!args->spec->enabled) {
		c->uid = geteuid();
		c->gid = getegid();
	}
	r->sandboxed = args->spec->enabled;
	r->uid = c->uid;
	r->gid = c->gid;

	if (args->spec->enabled) {
		rc = prepare_dirs(c, r);
		if (rc)
			goto out;
		if (args->spec->compiled)
			c->prog = args->spec->compiled->prog[notify];
		else
			rc = sandbox_seccomp_build(args->spec, notify,
						   &c->prog);
		if (rc) {
			snprintf(r->error, sizeof r->error,
				 "seccomp filter: %s", cell_strerror(rc));
			goto out;
		}
	}
	c->exec_fd = open(args->path, O_PATH | O_CLOEXEC);
	if (c->exec_fd < 0) {
		rc = -errno;
		snprintf(r->error, sizeof r->error, "open '%s': %s",
			 args->path, cell_strerror(rc));
		goto out;
	}
	/* Unconfined and unlimited: the parent has nothing to do between
	 * fork and exec, so the cheaper vfork path does. */
	if (!args->spec->enabled && !args->spec->memory &&
	    !args->spec->pids && !args->spec->cpu_milli &&
	    !args->spec->nofile) {
		rc = sandbox_spawn_plain(args, c->exec_fd, pid_out, r);
		goto out;
	}
	rc = sandbox_limits_prepare(args, r);
	if (rc)
		goto out;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 ||
	    setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &timeout,
		       sizeof timeout) < 0) {
		rc = -errno;
		snprintf(r->error, sizeof r->error, "socketpair: %s",
			 cell_strerror(rc));
		goto out;
	}

	pid = clone_child(c);
	if (pid < 0) {
		rc = -errno;
		snprintf(r->error, sizeof r->error, "clone: %s",
			 cell_strerror(rc));
		goto out;
	}
	if (pid == 0) {
		close(sv[0]);
		child_main(c, sv[1], r);
	}
	close(sv[1]);
	sv[1] = -1;

	rc = start_child(c, pid, sv[0], r);
	if (rc) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		pid = -1;
		goto out;
	}
	if (args->spec->enabled)
		describe(c, r);
	else
		snprintf(r->applied, sizeof r->applied, "no sandbox");
	*pid_out = pid;
out:
	if (rc)
		sandbox_cleanup(r);
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	if (c->exec_fd >= 0)
		close(c->exec_fd);
	if (!args->spec->compiled)
		free(c->prog.filter);
	free(c);
	return rc;
}

const char *sandbox_describe_exit(const struct sandbox_report *report,
				  int status, char *buf, size_t len)
{
	const char *abbrev;
	char name[32];
	int sig;

	if (WIFEXITED(status)) {
		snprintf(buf, len, "exited with status %d",
			 WEXITSTATUS(status));
		return buf;
	}
	if (!WIFSIGNALED(status)) {
		snprintf(buf, len, "stopped or continued (status 0x%x)",
			 (unsigned)status);
		return buf;
	}
	/* The stem's wording (cell-stem(8)): "killed by signal SEGV". */
	sig = WTERMSIG(status);
	abbrev = sigabbrev_np(sig);
	if (abbrev)
		snprintf(name, sizeof name, "signal %s", abbrev);
	else
		snprintf(name, sizeof name, "signal %d", sig);
	if (report && report->violation[0])
		snprintf(buf, len, "killed by %s (forbidden system call %s)",
			 name, report->violation);
	else if (sig == SIGSYS)
		snprintf(buf, len, "killed by %s (forbidden system call)",
			 name);
	else if (sig == SIGKILL && report &&
		 sandbox_limits_oom_killed(report))
		snprintf(buf, len, "killed by %s (out of memory)", name);
	else
		snprintf(buf, len, "killed by %s%s", name,
			 WCOREDUMP(status) ? " (core dumped)" : "");
	return buf;
}
