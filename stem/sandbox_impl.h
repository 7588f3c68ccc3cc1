/*
 * sandbox_impl.h - the pieces of sandbox_spawn(), one file each:
 * seccomp (sandbox_seccomp.c), the root filesystem (sandbox_fs.c), limits
 * (sandbox_limits.c) and privileges (sandbox_priv.c). Internal to stem/.
 *
 * "child" functions run in the cloned child before exec: they report a
 * failure as a negative errno plus a message "STEP: cause" in msg.
 */
#ifndef CELL_SANDBOX_IMPL_H
#define CELL_SANDBOX_IMPL_H

#include <linux/filter.h>

#include "sandbox.h"

/* One bind mount of the cell's root: fd is an O_PATH opened in the child. */
enum sandbox_bind_kind { BIND_RO, BIND_RW, BIND_DEV };
struct sandbox_bind {
	char target[512];
	int fd;
	enum sandbox_bind_kind kind;
};
#define SANDBOX_BINDS_MAX (2 * SANDBOX_PATHS_MAX + 16)

/* A top-level symlink such as /lib -> usr/lib, recreated in the root. */
struct sandbox_link {
	char name[16];
	char target[256];
};
#define SANDBOX_LINKS_MAX 8

/* What the child needs, prepared by the parent before clone. */
struct sandbox_child {
	const struct sandbox_spawn_args *args;
	const struct sandbox_spec *spec;
	unsigned long ns;	/* CLONE_NEW* flags the clone used */
	int userns;		/* in a new user namespace */
	int host_root;		/* the parent runs as root */
	uid_t uid;		/* host uid/gid of the cell */
	gid_t gid;
	int exec_fd;		/* O_PATH of the DNA object */
	int go_fd;		/* read end: the parent says go */
	int err_fd;		/* write end: failure message, EOF on exec */
	struct sock_fprog prog;	/* compiled seccomp filter */
	char state_dir[512];
	char run_dir[512];
	struct sandbox_bind binds[SANDBOX_BINDS_MAX];
	size_t n_binds;
	struct sandbox_link links[SANDBOX_LINKS_MAX];
	size_t n_links;
	char msg[SANDBOX_MSG_MAX];
};

/*
 * Child: puts args->fds in place, moving the fds in keep above them
 * (updated in place); others close-on-exec, 0..2 /dev/null. System calls
 * only. 0, or -errno with *step naming what failed.
 */
int sandbox_place_fds(const struct sandbox_spawn_args *a, int *const *keep,
		      size_t nkeep, const char **step);
/* Child: every signal to its default, none blocked (raw system calls). */
void sandbox_child_signals(void);
/*
 * The unconfined, unlimited case: vfork + fexecve of exec_fd with the
 * same fd and environment handling. Fills report->applied ("no sandbox")
 * or report->error. 0 or -errno.
 */
int sandbox_spawn_plain(const struct sandbox_spawn_args *a, int exec_fd,
			pid_t *pid_out, struct sandbox_report *report);

/* Writes text to an existing file (proc, cgroupfs). 0 or -errno. */
int sandbox_write_text(const char *path, const char *text);

/* Formats "what: strerror(-err)" into c->msg and returns err. */
int sandbox_child_fail(struct sandbox_child *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The compiled programs of a spec: [0] kills, [1] notifies. */
struct sandbox_filters {
	struct sock_fprog prog[2];
};

/*
 * Parent: compiles the allowlist for spec into prog->filter (the caller
 * frees it). Returns 0, -ENOMEM, -EINVAL (a rule libseccomp refused).
 */
int sandbox_seccomp_build(const struct sandbox_spec *spec, int notify,
			  struct sock_fprog *prog);
/* Frees spec->compiled. */
void sandbox_spec_free_filters(struct sandbox_spec *spec);
/*
 * Child: installs prog (no_new_privs must be set). With notify, returns
 * the listener fd (>= 0). 0 or -errno.
 */
int sandbox_seccomp_load(const struct sock_fprog *prog, int notify);

/*
 * Child, still with the parent's identity: opens what the stem binds into
 * every cell (/usr, the loader cache, devices, the object, state and run
 * dirs). 0 or -errno.
 */
int sandbox_fs_open_host(struct sandbox_child *c);
/*
 * Child, with the cell's identity: opens the manifest's extra paths, so
 * they grant nothing the cell's uid could not reach anyway. 0 or -errno.
 */
int sandbox_fs_open_extra(struct sandbox_child *c);
/* Child: builds the root filesystem and pivots into it. 0 or -errno. */
int sandbox_fs_setup(struct sandbox_child *c);

/*
 * Parent: creates the cell's cgroups and writes its limits; records which
 * mechanism enforces each limit in report. 0 or -errno (message in
 * report->error).
 */
int sandbox_limits_prepare(const struct sandbox_spawn_args *args,
			   struct sandbox_report *report);
/* Parent: moves pid into the cell's cgroups. 0 or -errno. */
int sandbox_limits_attach(struct sandbox_report *report, pid_t pid);
/*
 * Parent, while the child waits: sets RLIMIT_NOFILE and RLIMIT_NPROC
 * from outside, where raising a hard limit is still allowed. 0 or -errno.
 */
int sandbox_limits_prlimit(const struct sandbox_spec *spec,
			   struct sandbox_report *report, pid_t pid);
/* Child: sets the rlimits the report assigns to RLIMIT. 0 or -errno. */
int sandbox_limits_rlimits(struct sandbox_child *c,
			   const struct sandbox_report *report);
/* 1 if the cell's memory cgroup saw an OOM kill, else 0. */
int sandbox_limits_oom_killed(const struct sandbox_report *report);

/*
 * Child: takes the cell's uid and gid while keeping capabilities for the
 * setup (user namespace case). 0 or -errno.
 */
int sandbox_priv_enter(struct sandbox_child *c);
/*
 * Child: drops every privilege: bounding set, securebits locked, ambient
 * cleared, uid/gid switched (when not done yet), capset zero,
 * no_new_privs. 0 or -errno.
 */
int sandbox_priv_drop(struct sandbox_child *c);

#endif
