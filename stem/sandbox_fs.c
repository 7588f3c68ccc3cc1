/*
 * sandbox_fs.c - the cell's root filesystem.
 *
 * A fresh tmpfs becomes the root; into it go read-only binds of /usr (and
 * /bin, /lib... as the host has them: symlinks into usr/ are recreated,
 * real directories are bound), /etc/ld.so.cache, the DNA object, the
 * device nodes null, zero and urandom, a private /tmp, the cell's state
 * dir and the shared run dir (writable), and the manifest's extra paths.
 * Host paths keep their names inside, so $CELL_HOME means the same thing
 * to the cell as to the stem.
 *
 * Sources are opened first (O_PATH, in the child's own mount namespace),
 * then bound through /proc/self/fd: the cell's uid could not walk the
 * stem's 0700 $CELL_HOME itself. proc is mounted before pivot_root: the
 * kernel only lets a user namespace mount proc while a full proc is
 * visible in its mount namespace.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fsutil.h"
#include "sandbox_impl.h"

/* Where the new root is assembled: every source is already open. */
#define STAGE "/tmp"

static const char *const top_links[] = {
	"bin", "sbin", "lib", "lib32", "lib64", "libx32",
};

static int add_bind(struct sandbox_child *c, const char *path,
		    enum sandbox_bind_kind kind, int optional)
{
	struct sandbox_bind *b;
	int fd;

	if (c->n_binds == SANDBOX_BINDS_MAX)
		return sandbox_child_fail(c, -E2BIG, "bind %s", path);
	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0) {
		if (optional && errno == ENOENT)
			return 0;
		return sandbox_child_fail(c, -errno, "open %s", path);
	}
	b = &c->binds[c->n_binds];
	if (snprintf(b->target, sizeof b->target, "%s", path) >=
	    (int)sizeof b->target) {
		close(fd);
		return sandbox_child_fail(c, -ENAMETOOLONG, "bind %s", path);
	}
	b->fd = fd;
	b->kind = kind;
	c->n_binds++;
	return 0;
}

/* /bin, /lib...: symlinks are recreated, directories bound read-only. */
static int add_top(struct sandbox_child *c, const char *name)
{
	struct sandbox_link *l;
	char path[16];
	struct stat st;
	ssize_t n;

	snprintf(path, sizeof path, "/%s", name);
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 :
		       sandbox_child_fail(c, -errno, "stat %s", path);
	if (S_ISDIR(st.st_mode))
		return add_bind(c, path, BIND_RO, 0);
	if (!S_ISLNK(st.st_mode) || c->n_links == SANDBOX_LINKS_MAX)
		return 0;
	l = &c->links[c->n_links];
	snprintf(l->name, sizeof l->name, "%s", path);
	n = readlink(path, l->target, sizeof l->target - 1);
	if (n < 0)
		return sandbox_child_fail(c, -errno, "readlink %s", path);
	l->target[n] = '\0';
	c->n_links++;
	return 0;
}

int sandbox_fs_open_host(struct sandbox_child *c)
{
	const struct sandbox_spawn_args *a = c->args;
	size_t i;
	int rc;

	rc = add_bind(c, "/usr", BIND_RO, 0);
	for (i = 0; !rc && i < sizeof top_links / sizeof top_links[0]; i++)
		rc = add_top(c, top_links[i]);
	if (!rc)
		rc = add_bind(c, "/etc/ld.so.cache", BIND_RO, 1);
	if (!rc)
		rc = add_bind(c, "/dev/null", BIND_DEV, 0);
	if (!rc)
		rc = add_bind(c, "/dev/zero", BIND_DEV, 0);
	if (!rc)
		rc = add_bind(c, "/dev/urandom", BIND_DEV, 0);
	if (!rc)
		rc = add_bind(c, a->path, BIND_RO, 0);
	if (!rc)
		rc = add_bind(c, c->run_dir, BIND_RO, 0);
	if (!rc)
		rc = add_bind(c, c->state_dir, BIND_RW, 0);
	if (!rc && a->stem_socket)
		rc = add_bind(c, a->stem_socket, BIND_RO, 0);
	return rc;
}

int sandbox_fs_open_extra(struct sandbox_child *c)
{
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < c->spec->n_read_only; i++)
		rc = add_bind(c, c->spec->read_only[i], BIND_RO, 0);
	for (i = 0; !rc && i < c->spec->n_writable; i++)
		rc = add_bind(c, c->spec->writable[i], BIND_RW, 0);
	return rc;
}

/* The flags a user namespace may not clear on a bind of this mount. */
static unsigned long locked_flags(int fd)
{
	struct statvfs sv;
	unsigned long f = 0;

	if (fstatvfs(fd, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

static int make_target(struct sandbox_child *c, const char *path, int dir)
{
	char parent[PATH_MAX];
	char *slash;
	int fd, rc;

	snprintf(parent, sizeof parent, "%s", path);
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		rc = fs_mkdir_p(parent, 0755);
		if (rc)
			return sandbox_child_fail(c, rc, "mkdir %s", parent);
	}
	if (dir) {
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return sandbox_child_fail(c, -errno, "mkdir %s", path);
		return 0;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return sandbox_child_fail(c, -errno, "create %s", path);
	close(fd);
	return 0;
}

static int do_bind(struct sandbox_child *c, const struct sandbox_bind *b)
{
	char src[64], dst[PATH_MAX];
	unsigned long flags;
	struct stat st;
	int rc;

	if (fstat(b->fd, &st) < 0)
		return sandbox_child_fail(c, -errno, "stat %s", b->target);
	if (snprintf(dst, sizeof dst, STAGE "%s", b->target) >=
	    (int)sizeof dst)
		return sandbox_child_fail(c, -ENAMETOOLONG, "bind %s",
					  b->target);
	rc = make_target(c, dst, S_ISDIR(st.st_mode));
	if (rc)
		return rc;
	snprintf(src, sizeof src, "/proc/self/fd/%d", b->fd);
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
		return sandbox_child_fail(c, -errno, "mount %s", b->target);
	flags = MS_BIND | MS_REMOUNT | MS_NOSUID | locked_flags(b->fd);
	if (b->kind == BIND_DEV)
		flags |= MS_NOEXEC;
	else
		flags |= MS_NODEV;
	if (b->kind == BIND_RO)
		flags |= MS_RDONLY;
	if (mount(NULL, dst, NULL, flags, NULL) < 0)
		return sandbox_child_fail(c, -errno, "remount %s", b->target);
	return 0;
}

static int tmpfs(struct sandbox_child *c, const char *where, const char *opts)
{
	if (mount("tmpfs", where, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
		return sandbox_child_fail(c, -errno, "mount tmpfs %s", where);
	return 0;
}

static int links(struct sandbox_child *c)
{
	static const char *const dev[][2] = {
		{ STAGE "/dev/fd", "/proc/self/fd" },
		{ STAGE "/dev/stdin", "/proc/self/fd/0" },
		{ STAGE "/dev/stdout", "/proc/self/fd/1" },
		{ STAGE "/dev/stderr", "/proc/self/fd/2" },
	};
	char path[64];
	size_t i;

	for (i = 0; i < c->n_links; i++) {
		snprintf(path, sizeof path, STAGE "%s", c->links[i].name);
		if (symlink(c->links[i].target, path) < 0)
			return sandbox_child_fail(c, -errno, "symlink %s",
						  c->links[i].name);
	}
	for (i = 0; i < sizeof dev / sizeof dev[0]; i++)
		if (symlink(dev[i][1], dev[i][0]) < 0)
			return sandbox_child_fail(c, -errno, "symlink %s",
						  dev[i][0] + strlen(STAGE));
	return 0;
}

int sandbox_fs_setup(struct sandbox_child *c)
{
	char opts[64];
	size_t i;
	int rc;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return sandbox_child_fail(c, -errno, "make mounts private");
	rc = tmpfs(c, STAGE, "mode=0755,size=1m");
	if (!rc && mkdir(STAGE "/tmp", 01777) < 0)
		rc = sandbox_child_fail(c, -errno, "mkdir /tmp");
	if (!rc) {
		/* /tmp pages are charged to the cell's memory cgroup; the
		 * size cap also holds where only rlimits exist. */
		if (c->spec->memory)
			snprintf(opts, sizeof opts, "mode=1777,size=%llu",
				 c->spec->memory);
		else
			snprintf(opts, sizeof opts, "mode=1777");
		rc = tmpfs(c, STAGE "/tmp", opts);
	}
	if (!rc && (mkdir(STAGE "/dev", 0755) < 0 ||
		    mkdir(STAGE "/proc", 0555) < 0))
		rc = sandbox_child_fail(c, -errno, "mkdir /dev, /proc");
	for (i = 0; !rc && i < c->n_binds; i++)
		rc = do_bind(c, &c->binds[i]);
	if (!rc)
		rc = links(c);
	if (rc)
		return rc;
	if (mount("proc", STAGE "/proc", "proc",
		  MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return sandbox_child_fail(c, -errno, "mount /proc");
	if (chdir(STAGE) < 0)
		return sandbox_child_fail(c, -errno, "chdir new root");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return sandbox_child_fail(c, -errno, "pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		return sandbox_child_fail(c, -errno, "detach old root");
	if (chdir("/") < 0)
		return sandbox_child_fail(c, -errno, "chdir /");
	if (mount(NULL, "/", NULL,
		  MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV,
		  NULL) < 0)
		return sandbox_child_fail(c, -errno, "remount / read-only");
	for (i = 0; i < c->n_binds; i++)
		close(c->binds[i].fd);
	c->n_binds = 0;
	return 0;
}
