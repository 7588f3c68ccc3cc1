/*
 * sandbox.h - confinement of one cell, applied between clone and exec.
 *
 * The stem fills a struct sandbox_spec from the manifest once, then calls
 * sandbox_spawn() for every start. sandbox_spawn() clones the child into
 * new namespaces, writes its uid/gid maps and puts it in its cgroups while
 * the child waits on a pipe; the child then builds a minimal root
 * filesystem, drops every privilege, loads a seccomp allowlist and execs
 * the DNA object. A failure in the child before exec travels back to the
 * parent as a message over a close-on-exec pipe, so the caller can log
 * "sandbox: mount /usr: Operation not permitted".
 *
 * The stem's sequence:
 *   start-up     sandbox_cgroup2_delegate() on a cgroup v2 host (optional)
 *   per manifest sandbox_spec_from_manifest() (also compiles the filter)
 *   per start    sandbox_spawn(); with SANDBOX_NOTIFY, watch
 *                report->notify_fd and call sandbox_notify_handle()
 *   after reaping sandbox_describe_exit() (names the cause of death), then
 *                sandbox_cleanup() (removes the cgroups, closes the fd)
 * The report of a running cell must be kept until sandbox_cleanup().
 *
 * Nothing here prints or exits in the caller's process. The parent side
 * blocks until the child has exec'd or failed (a few milliseconds).
 * The caller must be single-threaded when it calls sandbox_spawn(): the
 * child is a raw clone that keeps running the caller's code.
 */
#ifndef CELL_SANDBOX_H
#define CELL_SANDBOX_H

#include <stddef.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "sandbox_spec.h"

/*
 * sandbox_spec_parse() (dna/sandbox_spec.h), then sandbox_spec_compile()
 * for an enabled spec. Release out with sandbox_spec_release() in every
 * case. Returns 0, CELL_EJSON (message in err), -ENOMEM, -EINVAL.
 */
int sandbox_spec_from_manifest(const cJSON *manifest, struct sandbox_spec *out,
			       char *err, size_t errlen);
/*
 * Compiles the seccomp programs of spec once (about 1 ms each), so that
 * sandbox_spawn() need not compile them at every start. Done by
 * sandbox_spec_from_manifest(); call it again after changing the fields
 * of a spec built by hand (a spec without programs is compiled per
 * spawn). Returns 0, -ENOMEM, -EINVAL.
 */
int sandbox_spec_compile(struct sandbox_spec *spec);
/* Frees what the spec owns; it is zeroed and reusable afterwards. */
void sandbox_spec_release(struct sandbox_spec *spec);

/* One fd handed to the cell: from (in the caller) becomes to (in the cell). */
struct sandbox_fd {
	int from;
	int to;
};

/* Test and fallback knobs (flags of struct sandbox_spawn_args). */
#define SANDBOX_NO_USERNS 0x1	/* behave as if user namespaces were off */
#define SANDBOX_NO_CGROUPS 0x2	/* behave as if no cgroup were writable */
/*
 * A forbidden system call stops the cell's thread and is reported on
 * report->notify_fd (seccomp user notification) instead of killing the
 * process in the kernel: the caller polls that fd and calls
 * sandbox_notify_handle(), which names the call and kills the cell.
 * Without it the kernel kills the cell with SIGSYS and the call stays
 * unnamed. If the fd is closed (the stem died), forbidden calls fail
 * with ENOSYS instead; they never run either way.
 */
#define SANDBOX_NOTIFY 0x4

struct sandbox_spawn_args {
	const char *path;	/* the DNA object (executable) */
	char *const *argv;	/* argv[0] is what the cell sees */
	char *const *envp;	/* "LISTEN_PID=" is rewritten to the cell's pid */
	const struct sandbox_fd *fds;	/* fds 0..2 missing -> /dev/null */
	size_t n_fds;
	const char *name;	/* cell name (hostname, uid, cgroup names) */
	const char *cell_home;	/* $CELL_HOME: run/ is shared with the cell */
	const char *stem_socket;	/* bound into the cell if not NULL */
	const struct sandbox_spec *spec;
	uid_t uid;		/* host uid/gid of the cell; 0: derived */
	unsigned flags;		/* SANDBOX_NOTIFY, SANDBOX_NO_USERNS, ... */
	const char *cgroup2_dir; /* delegated cgroup v2 dir; NULL: detect */
};

/* The mechanism enforcing one limit, for `cell ps`. */
enum sandbox_by {
	SANDBOX_BY_NONE = 0,	/* not asked for */
	SANDBOX_BY_CGROUP2,
	SANDBOX_BY_CGROUP1,
	SANDBOX_BY_RLIMIT,
	SANDBOX_BY_NOTHING,	/* asked for, nothing can enforce it here */
};
const char *sandbox_by_name(enum sandbox_by by);

/* Cgroups made for one cell; sandbox_cleanup() removes them. */
struct sandbox_cgroups {
	char v2[512];		/* "" when unused */
	char v1_memory[512];
	char v1_pids[512];
	char v1_cpu[512];
};

struct sandbox_report {
	int sandboxed;		/* 0: the spec disabled the sandbox */
	unsigned long namespaces;	/* CLONE_NEW* flags applied */
	uid_t uid;		/* host uid and gid the cell runs as */
	gid_t gid;
	char applied[SANDBOX_MSG_MAX];	/* "ns user,mnt,pid,...; seccomp; ..." */
	char missing[SANDBOX_MSG_MAX];	/* what could not be applied, or "" */
	enum sandbox_by memory_by, pids_by, cpu_by, nofile_by;
	struct sandbox_cgroups cg;
	int notify_fd;		/* SANDBOX_NOTIFY: seccomp listener, else -1 */
	char violation[64];	/* the forbidden call that ended it, or "" */
	char error[SANDBOX_MSG_MAX];	/* on failure: "mount /usr: ..." */
};

/*
 * Starts args->path confined by args->spec (or plainly, with the same fd
 * and environment handling, when the spec is disabled) and stores the
 * child's pid in *pid_out once it has exec'd. report (zeroed first)
 * describes what was applied; on failure report->error holds a one-line
 * message naming the step and its cause, the child is reaped and its
 * cgroups are removed.
 * Returns 0; -EINVAL (bad args), CELL_ENAME, -errno of the step that
 * failed (in the parent or in the child before exec).
 */
int sandbox_spawn(const struct sandbox_spawn_args *args, pid_t *pid_out,
		  struct sandbox_report *report);

/*
 * Describes how a reaped cell ended, from its wait status: "exited with
 * status 1", "killed by signal SEGV", "killed by signal SYS (forbidden
 * system call)", "killed by signal KILL (forbidden system call keyctl)"
 * (SANDBOX_NOTIFY), "killed by signal KILL (out of memory)" (checked in its memory cgroup, so call this
 * before sandbox_cleanup()). report may be NULL. Returns buf.
 */
const char *sandbox_describe_exit(const struct sandbox_report *report,
				  int status, char *buf, size_t len);

/*
 * SANDBOX_NOTIFY: call when report->notify_fd is readable. Receives the
 * notification, kills the cell (pid, with SIGKILL: the only signal a pid
 * namespace's init cannot ignore) and stores the call's name in
 * report->violation. Returns 1 when a cell was killed for a forbidden
 * call, 0 when nothing was pending (also when the fd reports POLLHUP
 * because every task of the cell is gone: stop watching it and wait for
 * the reap), -errno.
 */
int sandbox_notify_handle(struct sandbox_report *report, pid_t pid);

/*
 * Removes the cell's cgroups after it was reaped, killing leftovers first,
 * and closes report->notify_fd. Safe to call twice. Returns 0 or -errno
 * (-EBUSY if tasks linger).
 */
int sandbox_cleanup(struct sandbox_report *report);

/*
 * A restarted stem takes over the cgroups recorded for cell name (from
 * run/NAME.json): keeps in cg only the dirs that are exactly where this
 * stem makes that cell's groups (BASE/cell-NAME-XXXXXXXX under its own
 * cgroup in the same hierarchy, BASE the delegated cgroup2_dir for v2 if
 * not NULL) and are real cgroup directories; clears the others. Returns
 * the number of entries cleared.
 */
int sandbox_cgroups_adopt(const char *name, const char *cgroup2_dir,
			  struct sandbox_cgroups *cg);

/*
 * Removes the (validated) cgroups of a cell that no longer runs, killing
 * nothing: a group that still has tasks stays, and so does its entry.
 * Returns 0, -EBUSY (a group still has tasks), -errno.
 */
int sandbox_cgroups_remove_idle(struct sandbox_cgroups *cg);

/*
 * For a stem started in a delegated cgroup v2 subtree (systemd
 * Delegate=yes): moves the calling process into the leaf DIR/stem of its
 * own cgroup DIR (cgroup v2 allows no processes in a group that hands
 * controllers down), enables the memory, pids and cpu controllers DIR
 * offers, and writes DIR into out for sandbox_spawn_args.cgroup2_dir.
 * Call once at start-up, before any thread. Idempotent.
 * Returns 0, -ENOENT (no cgroup v2), -EACCES or -EPERM (not delegated),
 * -ENAMETOOLONG, -errno.
 */
int sandbox_cgroup2_delegate(char *out, size_t size);

/* The uid a cell named name runs as under a root stem. */
uid_t sandbox_cell_uid(const char *name);

#endif
