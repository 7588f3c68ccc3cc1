/*
 * sandbox_seccomp.c - the system call allowlist of a cell.
 *
 * The filter is compiled by libseccomp in the parent (it allocates, and
 * the child may already run under tight rlimits), then installed by the
 * child with one seccomp(2) call right before exec.
 *
 * Default action: kill the whole process. The parent sees SIGSYS in the
 * wait status; the kernel does not tell it which call was refused (see
 * docs/SECURITY.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/seccomp.h>
#include <seccomp.h>

#include "sandbox_impl.h"

/*
 * What a libcell program (glibc, epoll, threads, fork, Unix sockets,
 * signalfd, timerfd, files) calls, plus the usual runtime of other
 * languages. Names unknown on this architecture are skipped.
 */
static const char *const allowed[] = {
	/* files */
	"read", "write", "readv", "writev", "pread64", "pwrite64", "preadv",
	"pwritev", "preadv2", "pwritev2", "open", "openat", "openat2",
	"creat", "close", "close_range", "stat", "fstat", "lstat",
	"newfstatat", "statx", "statfs", "fstatfs", "access", "faccessat",
	"faccessat2", "lseek", "fcntl", "flock", "fsync", "fdatasync",
	"sync_file_range", "ftruncate", "truncate", "fallocate", "fadvise64",
	"readahead", "getdents", "getdents64", "getcwd", "chdir", "fchdir",
	"rename", "renameat", "renameat2", "mkdir", "mkdirat", "rmdir",
	"link", "linkat", "unlink", "unlinkat", "symlink", "symlinkat",
	"readlink", "readlinkat", "chmod", "fchmod", "fchmodat", "fchmodat2",
	"chown", "fchown", "fchownat", "lchown", "umask", "utime", "utimes",
	"utimensat", "futimesat", "dup", "dup2", "dup3", "pipe", "pipe2",
	"sendfile", "splice", "tee", "copy_file_range", "memfd_create",
	"inotify_init", "inotify_init1", "inotify_add_watch",
	"inotify_rm_watch", "ioctl", "getxattr", "lgetxattr", "fgetxattr",
	"listxattr", "llistxattr", "flistxattr",
	/* memory */
	"mmap", "munmap", "mprotect", "mremap", "madvise", "brk", "msync",
	"mincore", "mlock", "mlock2", "munlock", "membarrier",
	/* sockets (socket() itself is filtered by family below) */
	"socketpair", "connect", "accept", "accept4", "bind", "listen",
	"shutdown", "sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg",
	"recvmmsg", "getsockname", "getpeername", "setsockopt",
	"getsockopt",
	/* waiting */
	"poll", "ppoll", "select", "pselect6", "epoll_create",
	"epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait",
	"epoll_pwait2", "eventfd", "eventfd2", "signalfd", "signalfd4",
	"timerfd_create", "timerfd_settime", "timerfd_gettime", "nanosleep",
	"clock_nanosleep", "clock_gettime", "clock_getres", "gettimeofday",
	"time", "alarm", "getitimer", "setitimer", "timer_create",
	"timer_settime", "timer_gettime", "timer_getoverrun", "timer_delete",
	"futex", "futex_waitv", "sched_yield", "pause", "restart_syscall",
	/* signals */
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending",
	"rt_sigtimedwait", "rt_sigsuspend", "rt_sigqueueinfo", "sigaltstack",
	"kill", "tgkill", "tkill", "pidfd_open", "pidfd_send_signal",
	/* processes (clone is filtered by flags below) */
	"fork", "vfork", "execve", "execveat", "exit", "exit_group", "wait4",
	"waitid", "set_robust_list", "get_robust_list", "set_tid_address",
	"rseq", "arch_prctl", "prctl", "getpid", "getppid", "gettid",
	"getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid",
	"getgroups", "getpgrp", "getpgid", "getsid", "setsid", "setpgid",
	"capget", "uname", "sysinfo", "getrlimit", "setrlimit", "prlimit64",
	"getrusage", "times", "getpriority", "setpriority",
	"sched_getaffinity", "sched_setaffinity", "sched_getparam",
	"sched_getscheduler", "sched_get_priority_max",
	"sched_get_priority_min", "getrandom", "getcpu",
};

/* Namespace flags a cell may not pass to clone(). */
#define NS_FLAGS (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | \
		  CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP)

static int allow(scmp_filter_ctx ctx, const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);

	if (nr == __NR_SCMP_ERROR)
		return 0;	/* not on this architecture */
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
}

/* A rule on the first argument: (arg0 & mask) == value, or == value. */
static int rule_a0(scmp_filter_ctx ctx, uint32_t action, int nr,
		   enum scmp_compare op, scmp_datum_t a, scmp_datum_t b)
{
	struct scmp_arg_cmp cmp = {
		.arg = 0, .op = op, .datum_a = a, .datum_b = b,
	};

	return seccomp_rule_add_array(ctx, action, nr, 1, &cmp);
}

static int add_rules(scmp_filter_ctx ctx, const struct sandbox_spec *spec)
{
	static const int families[] = { AF_UNIX, AF_INET, AF_INET6 };
	size_t i;
	int rc;

	for (i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
		rc = allow(ctx, allowed[i]);
		if (rc)
			return rc;
	}
	for (i = 0; i < spec->n_syscalls; i++) {
		rc = allow(ctx, spec->syscalls[i]);
		if (rc)
			return rc;
	}
	/*
	 * IP sockets are allowed even without "net": "host": in an empty
	 * network namespace they fail with a clear errno (ENETUNREACH).
	 * Netlink answers EAFNOSUPPORT so libraries probing it carry on.
	 */
	for (i = 0; i < sizeof families / sizeof families[0]; i++) {
		rc = rule_a0(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket),
			     SCMP_CMP_EQ, (scmp_datum_t)families[i], 0);
		if (rc)
			return rc;
	}
	rc = rule_a0(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket),
		     SCMP_CMP_EQ, (scmp_datum_t)AF_NETLINK, 0);
	if (rc)
		return rc;
	/* Threads and fork, never new namespaces. */
	rc = rule_a0(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), SCMP_CMP_MASKED_EQ,
		     NS_FLAGS, 0);
	if (rc)
		return rc;
	/*
	 * clone3 passes its flags in memory seccomp cannot read: ENOSYS
	 * makes glibc fall back to clone.
	 */
	return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3),
				0);
}

int sandbox_seccomp_build(const struct sandbox_spec *spec, int notify,
			  struct sock_fprog *prog)
{
	scmp_filter_ctx ctx;
	struct stat st;
	char *buf = NULL;
	int fd = -1, rc;
	ssize_t n;

	memset(prog, 0, sizeof *prog);
	ctx = seccomp_init(notify ? SCMP_ACT_NOTIFY : SCMP_ACT_KILL_PROCESS);
	if (!ctx)
		return -ENOMEM;
	/* We set no_new_privs ourselves, with the rest of the drop. */
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	/* x32 and i386 entry points are other syscall tables: kill. */
	if (!rc)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
				      SCMP_ACT_KILL_PROCESS);
	if (!rc)
		rc = add_rules(ctx, spec);
	if (rc)
		goto out;
	fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	rc = seccomp_export_bpf(ctx, fd);
	if (rc)
		goto out;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto out;
	}
	if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) ||
	    st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS) {
		rc = -EINVAL;
		goto out;
	}
	buf = malloc((size_t)st.st_size);
	if (!buf) {
		rc = -ENOMEM;
		goto out;
	}
	n = pread(fd, buf, (size_t)st.st_size, 0);
	if (n != st.st_size) {
		rc = n < 0 ? -errno : -EIO;
		goto out;
	}
	prog->len = (unsigned short)(st.st_size / sizeof(struct sock_filter));
	prog->filter = (struct sock_filter *)(void *)buf;
	buf = NULL;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	seccomp_release(ctx);
	return rc < 0 ? rc : (rc ? -EINVAL : 0);
}

int sandbox_seccomp_load(const struct sock_fprog *prog, int notify)
{
	long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			  notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0, prog);

	if (rc < 0)
		return -errno;
	return notify ? (int)rc : 0;
}

int sandbox_notify_handle(struct sandbox_report *report, pid_t pid)
{
	struct seccomp_notif *req = NULL;
	struct seccomp_notif_resp *resp = NULL;
	struct pollfd pfd = { .fd = report->notify_fd, .events = POLLIN };
	char *name;
	int rc;

	if (report->notify_fd < 0)
		return -EBADF;
	/* receive blocks: check first that something is pending. */
	rc = poll(&pfd, 1, 0);
	if (rc <= 0)
		return rc < 0 ? -errno : 0;
	if (pfd.revents & (POLLHUP | POLLERR) && !(pfd.revents & POLLIN))
		return 0;	/* every task of the filter is gone */
	rc = seccomp_notify_alloc(&req, &resp);
	if (rc)
		return rc < 0 ? rc : -ENOMEM;
	rc = seccomp_notify_receive(report->notify_fd, req);
	if (rc) {
		/* ENOENT: the task died before we read it. */
		rc = rc == -ENOENT ? 0 : rc;
		goto out;
	}
	name = seccomp_syscall_resolve_num_arch(req->data.arch,
						req->data.nr);
	snprintf(report->violation, sizeof report->violation, "%s",
		 name ? name : "?");
	if (!name)
		snprintf(report->violation, sizeof report->violation,
			 "number %d", req->data.nr);
	free(name);
	/* Kill first, so the thread never returns to the cell's code. */
	kill(pid, SIGKILL);
	resp->id = req->id;
	resp->error = -EPERM;
	seccomp_notify_respond(report->notify_fd, resp);
	rc = 1;
out:
	seccomp_notify_free(req, resp);
	return rc;
}

int sandbox_spec_from_manifest(const cJSON *manifest, struct sandbox_spec *out,
			       char *err, size_t errlen)
{
	int rc = sandbox_spec_parse(manifest, out, err, errlen);

	if (rc || !out->enabled)
		return rc;
	rc = sandbox_spec_compile(out);
	if (rc && err && errlen)
		snprintf(err, errlen, "sandbox: cannot compile the seccomp "
			 "filter: %s", strerror(-rc));
	return rc;
}

void sandbox_spec_release(struct sandbox_spec *spec)
{
	sandbox_spec_clear(spec);
	sandbox_spec_free_filters(spec);
	memset(spec, 0, sizeof *spec);
}

int sandbox_spec_compile(struct sandbox_spec *spec)
{
	struct sandbox_filters *f = calloc(1, sizeof *f);
	int rc;

	if (!f)
		return -ENOMEM;
	rc = sandbox_seccomp_build(spec, 0, &f->prog[0]);
	if (!rc)
		rc = sandbox_seccomp_build(spec, 1, &f->prog[1]);
	if (rc) {
		free(f->prog[0].filter);
		free(f);
		return rc;
	}
	sandbox_spec_free_filters(spec);
	spec->compiled = f;
	return 0;
}

void sandbox_spec_free_filters(struct sandbox_spec *spec)
{
	if (!spec->compiled)
		return;
	free(spec->compiled->prog[0].filter);
	free(spec->compiled->prog[1].filter);
	free(spec->compiled);
	spec->compiled = NULL;
}
