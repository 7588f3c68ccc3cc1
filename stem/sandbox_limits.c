/*
 * sandbox_limits.c - memory, tasks, CPU and open files of a cell.
 *
 * Each limit goes to the best mechanism the host offers, in order: a
 * cgroup v2 controller enabled in the delegated directory (the stem's own
 * cgroup unless told otherwise), a cgroup v1 hierarchy with that
 * controller (under the stem's own v1 cgroup), an rlimit (RLIMIT_AS for
 * memory, RLIMIT_NPROC for tasks: counted per user namespace, so per
 * cell), or nothing (CPU has no rlimit equivalent: RLIMIT_CPU caps total
 * seconds, not a share). The report says which, for `cell ps`.
 *
 * The parent creates the groups and writes the limits before clone, and
 * moves the child in while it waits, so the cell never runs unlimited.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "cell.h"
#include "sandbox_impl.h"

#define CPU_PERIOD_US 100000UL

const char *sandbox_by_name(enum sandbox_by by)
{
	switch (by) {
	case SANDBOX_BY_CGROUP2: return "cgroup2";
	case SANDBOX_BY_CGROUP1: return "cgroup1";
	case SANDBOX_BY_RLIMIT: return "rlimit";
	case SANDBOX_BY_NOTHING: return "unenforced";
	case SANDBOX_BY_NONE: break;
	}
	return "-";
}

int sandbox_write_text(const char *path, const char *text)
{
	size_t len = strlen(text);
	ssize_t n;
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0)
		rc = -errno;
	else if ((size_t)n != len)
		rc = -EIO;
	close(fd);
	return rc;
}

static int write_file(const char *dir, const char *file, const char *val)
{
	char path[600];

	if (snprintf(path, sizeof path, "%s/%s", dir, file) >=
	    (int)sizeof path)
		return -ENAMETOOLONG;
	return sandbox_write_text(path, val);
}

static int read_file(const char *dir, const char *file, char *buf,
		     size_t size)
{
	char path[600];
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* Does the space-separated list contain word? */
static int has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word))) {
		if ((p == list || p[-1] == ' ' || p[-1] == ',') &&
		    (p[n] == '\0' || p[n] == ' ' || p[n] == '\n' ||
		     p[n] == ','))
			return 1;
		p += n;
	}
	return 0;
}

/*
 * Where the cgroup hierarchies are: the v2 mount, and the v1 mounts of
 * memory, pids and cpu, each joined with our own cgroup path in it.
 */
struct hier {
	char v2[512];
	char memory[512];
	char pids[512];
	char cpu[512];
};

/* Our own cgroup path in the hierarchy whose /proc/self/cgroup
 * controller field is key ("" for v2). */
static int own_path(const char *key, char *out, size_t size)
{
	char line[1024];
	FILE *f = fopen("/proc/self/cgroup", "re");
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof line, f)) {
		char *ctl = strchr(line, ':'), *path;

		if (!ctl)
			continue;
		path = strchr(++ctl, ':');
		if (!path)
			continue;
		*path++ = '\0';
		path[strcspn(path, "\n")] = '\0';
		if (!*key ? !*ctl : has_word(ctl, key)) {
			snprintf(out, size, "%s", strcmp(path, "/") ? path : "");
			found = 1;
		}
	}
	fclose(f);
	return found;
}

static void join_own(char *dst, size_t size, const char *mnt,
		     const char *key)
{
	char own[512];

	if (!own_path(key, own, sizeof own))
		return;
	if (snprintf(dst, size, "%s%s", mnt, own) >= (int)size)
		dst[0] = '\0';
}

static void find_hier(const char *v2_dir, struct hier *h)
{
	char line[2048];
	FILE *f;

	memset(h, 0, sizeof *h);
	if (v2_dir)
		snprintf(h->v2, sizeof h->v2, "%s", v2_dir);
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		/* id parent maj:min root mountpoint opts... - type src sopts */
		char mnt[512], type[32], sopts[512];
		char *dash = strstr(line, " - ");

		if (!dash || sscanf(line, "%*s %*s %*s %*s %511s", mnt) != 1 ||
		    sscanf(dash + 3, "%31s %*s %511s", type, sopts) != 2)
			continue;
		if (!strcmp(type, "cgroup2") && !v2_dir && !h->v2[0])
			join_own(h->v2, sizeof h->v2, mnt, "");
		if (strcmp(type, "cgroup"))
			continue;
		if (has_word(sopts, "memory") && !h->memory[0])
			join_own(h->memory, sizeof h->memory, mnt, "memory");
		if (has_word(sopts, "pids") && !h->pids[0])
			join_own(h->pids, sizeof h->pids, mnt, "pids");
		if (has_word(sopts, "cpu") && !h->cpu[0])
			join_own(h->cpu, sizeof h->cpu, mnt, "cpu");
	}
	fclose(f);
}

/*
 * Where a stem started in a delegated cgroup v2 subtree (systemd
 * Delegate=yes) puts its cells: its own cgroup D. cgroup v2 forbids
 * processes in a group that hands controllers to its children, so the
 * stem first moves itself into the leaf D/stem.
 */
int sandbox_cgroup2_delegate(char *out, size_t size)
{
	static const char *const wanted[] = { "memory", "pids", "cpu" };
	char dir[512], leaf[600], avail[256], enable[64] = "";
	struct hier h;
	size_t len, i;
	int rc;

	find_hier(NULL, &h);
	if (!h.v2[0])
		return -ENOENT;
	snprintf(dir, sizeof dir, "%s", h.v2);
	len = strlen(dir);
	/* Already moved (the stem re-exec'd itself): D is the parent. */
	if (len > 5 && !strcmp(dir + len - 5, "/stem"))
		dir[len - 5] = '\0';
	else {
		if (snprintf(leaf, sizeof leaf, "%s/stem", dir) >=
		    (int)sizeof leaf)
			return -ENAMETOOLONG;
		if (mkdir(leaf, 0755) < 0 && errno != EEXIST)
			return -errno;
		/* "0" is the writing process itself. */
		rc = write_file(leaf, "cgroup.procs", "0");
		if (rc)
			return rc;
	}
	rc = read_file(dir, "cgroup.controllers", avail, sizeof avail);
	if (rc)
		return rc;
	for (i = 0; i < sizeof wanted / sizeof wanted[0]; i++) {
		if (!has_word(avail, wanted[i]))
			continue;
		len = strlen(enable);
		snprintf(enable + len, sizeof enable - len, "%s+%s",
			 len ? " " : "", wanted[i]);
	}
	if (enable[0]) {
		rc = write_file(dir, "cgroup.subtree_control", enable);
		if (rc)
			return rc;
	}
	if (snprintf(out, size, "%s", dir) >= (int)size)
		return -ENAMETOOLONG;
	return 0;
}

static int v2_has(const struct hier *h, const char *controller)
{
	char list[256];

	if (!h->v2[0] || access(h->v2, W_OK) < 0 ||
	    read_file(h->v2, "cgroup.subtree_control", list, sizeof list))
		return 0;
	return has_word(list, controller);
}

/* Creates base/cell-NAME-RANDOM into out. */
static int make_group(const char *base, const char *name, char *out,
		      size_t size)
{
	uint32_t rnd;

	if (getrandom(&rnd, sizeof rnd, 0) != sizeof rnd)
		return -errno;
	if (snprintf(out, size, "%s/cell-%s-%08" PRIx32, base, name, rnd) >=
	    (int)size) {
		out[0] = '\0';
		return -ENAMETOOLONG;
	}
	if (mkdir(out, 0755) < 0) {
		int rc = -errno;

		out[0] = '\0';
		return rc;
	}
	return 0;
}

static int fail(struct sandbox_report *r, int rc, const char *what)
{
	snprintf(r->error, sizeof r->error, "%s: %s", what,
		 cell_strerror(rc));
	return rc;
}

int sandbox_limits_prepare(const struct sandbox_spawn_args *args,
			   struct sandbox_report *r)
{
	const struct sandbox_spec *s = args->spec;
	int v2_mem, v2_pids, v2_cpu, rc;
	char val[64];
	struct hier h;

	if (!s->memory && !s->pids && !s->cpu_milli && !s->nofile)
		return 0;
	find_hier(args->cgroup2_dir, &h);
	if (args->flags & SANDBOX_NO_CGROUPS)
		memset(&h, 0, sizeof h);
	v2_mem = s->memory && v2_has(&h, "memory");
	v2_pids = s->pids && v2_has(&h, "pids");
	v2_cpu = s->cpu_milli && v2_has(&h, "cpu");
	if (v2_mem || v2_pids || v2_cpu) {
		rc = make_group(h.v2, args->name, r->cg.v2, sizeof r->cg.v2);
		if (rc)
			return fail(r, rc, "create cgroup");
	}

	if (s->memory) {
		snprintf(val, sizeof val, "%llu", s->memory);
		if (v2_mem) {
			rc = write_file(r->cg.v2, "memory.max", val);
			if (rc)
				return fail(r, rc, "cgroup memory.max");
			/* Without this the limit only moves pages to swap. */
			write_file(r->cg.v2, "memory.swap.max", "0");
			r->memory_by = SANDBOX_BY_CGROUP2;
		} else if (h.memory[0] && access(h.memory, W_OK) == 0) {
			rc = make_group(h.memory, args->name, r->cg.v1_memory,
					sizeof r->cg.v1_memory);
			if (!rc)
				rc = write_file(r->cg.v1_memory,
						"memory.limit_in_bytes", val);
			if (rc)
				return fail(r, rc,
					    "cgroup memory.limit_in_bytes");
			/* Absent without swap accounting: fine. */
			write_file(r->cg.v1_memory,
				   "memory.memsw.limit_in_bytes", val);
			r->memory_by = SANDBOX_BY_CGROUP1;
		} else {
			r->memory_by = SANDBOX_BY_RLIMIT;
		}
	}

	if (s->pids) {
		snprintf(val, sizeof val, "%lu", s->pids);
		if (v2_pids) {
			rc = write_file(r->cg.v2, "pids.max", val);
			if (rc)
				return fail(r, rc, "cgroup pids.max");
			r->pids_by = SANDBOX_BY_CGROUP2;
		} else if (h.pids[0] && access(h.pids, W_OK) == 0) {
			rc = make_group(h.pids, args->name, r->cg.v1_pids,
					sizeof r->cg.v1_pids);
			if (!rc)
				rc = write_file(r->cg.v1_pids, "pids.max",
						val);
			if (rc)
				return fail(r, rc, "cgroup pids.max");
			r->pids_by = SANDBOX_BY_CGROUP1;
		} else {
			r->pids_by = SANDBOX_BY_RLIMIT;
		}
	}

	if (s->cpu_milli) {
		unsigned long quota = s->cpu_milli * (CPU_PERIOD_US / 1000);

		if (v2_cpu) {
			snprintf(val, sizeof val, "%lu %lu", quota,
				 CPU_PERIOD_US);
			rc = write_file(r->cg.v2, "cpu.max", val);
			if (rc)
				return fail(r, rc, "cgroup cpu.max");
			r->cpu_by = SANDBOX_BY_CGROUP2;
		} else if (h.cpu[0] && access(h.cpu, W_OK) == 0) {
			rc = make_group(h.cpu, args->name, r->cg.v1_cpu,
					sizeof r->cg.v1_cpu);
			snprintf(val, sizeof val, "%lu", CPU_PERIOD_US);
			if (!rc)
				rc = write_file(r->cg.v1_cpu,
						"cpu.cfs_period_us", val);
			snprintf(val, sizeof val, "%lu", quota);
			if (!rc)
				rc = write_file(r->cg.v1_cpu,
						"cpu.cfs_quota_us", val);
			if (rc)
				return fail(r, rc, "cgroup cpu.cfs_quota_us");
			r->cpu_by = SANDBOX_BY_CGROUP1;
		} else {
			r->cpu_by = SANDBOX_BY_NOTHING;
		}
	}

	if (s->nofile)
		r->nofile_by = SANDBOX_BY_RLIMIT;
	return 0;
}

int sandbox_limits_attach(struct sandbox_report *r, pid_t pid)
{
	const char *dirs[] = { r->cg.v2, r->cg.v1_memory, r->cg.v1_pids,
			       r->cg.v1_cpu };
	char val[32];
	size_t i;
	int rc;

	snprintf(val, sizeof val, "%d", (int)pid);
	for (i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		if (!dirs[i][0])
			continue;
		rc = write_file(dirs[i], "cgroup.procs", val);
		if (rc)
			return fail(r, rc, "join cgroup");
	}
	return 0;
}

/*
 * Parent, after clone: NOFILE and NPROC are set from outside, where
 * raising a hard limit is still allowed (a user namespace cannot).
 */
int sandbox_limits_prlimit(const struct sandbox_spec *s,
			   struct sandbox_report *r, pid_t pid)
{
	struct rlimit rl;

	if (r->nofile_by == SANDBOX_BY_RLIMIT) {
		rl.rlim_cur = rl.rlim_max = s->nofile;
		if (prlimit(pid, RLIMIT_NOFILE, &rl, NULL) < 0)
			return fail(r, -errno, "rlimit nofile");
	}
	if (r->pids_by == SANDBOX_BY_RLIMIT) {
		rl.rlim_cur = rl.rlim_max = s->pids;
		if (prlimit(pid, RLIMIT_NPROC, &rl, NULL) < 0)
			return fail(r, -errno, "rlimit nproc");
	}
	return 0;
}

int sandbox_limits_rlimits(struct sandbox_child *c,
			   const struct sandbox_report *r)
{
	struct rlimit rl;

	/* Last thing before exec: nothing may map memory after this. */
	if (r->memory_by == SANDBOX_BY_RLIMIT) {
		rl.rlim_cur = rl.rlim_max = c->spec->memory;
		if (setrlimit(RLIMIT_AS, &rl) < 0)
			return sandbox_child_fail(c, -errno, "rlimit as");
	}
	return 0;
}

int sandbox_limits_oom_killed(const struct sandbox_report *r)
{
	char buf[1024], *p;

	if (r->cg.v2[0] && !read_file(r->cg.v2, "memory.events", buf,
				      sizeof buf))
		p = strstr(buf, "oom_kill ");
	else if (r->cg.v1_memory[0] &&
		 !read_file(r->cg.v1_memory, "memory.oom_control", buf,
			    sizeof buf))
		p = strstr(buf, "oom_kill ");
	else
		return 0;
	return p && strtoul(p + 9, NULL, 10) > 0;
}

/* Kills what is left in a group without cgroup.kill (v1, old v2). */
static void kill_procs(const char *dir)
{
	char buf[4096], *p, *end;

	if (read_file(dir, "cgroup.procs", buf, sizeof buf))
		return;
	for (p = buf; *p; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		if (pid > 0)
			kill((pid_t)pid, SIGKILL);
		while (*end == '\n')
			end++;
	}
}

static int remove_group(char *dir, int v2)
{
	struct timespec ms = { 0, 1000000 };
	int tries;

	if (!dir[0])
		return 0;
	for (tries = 0; tries < 50; tries++) {
		/* cgroup.kill came with Linux 5.14: before, one by one. */
		if (!v2 || write_file(dir, "cgroup.kill", "1") < 0)
			kill_procs(dir);
		if (rmdir(dir) == 0 || errno == ENOENT) {
			dir[0] = '\0';
			return 0;
		}
		if (errno != EBUSY)
			return -errno;
		nanosleep(&ms, NULL);
	}
	return -EBUSY;
}

int sandbox_cleanup(struct sandbox_report *r)
{
	int rc = 0, e;

	if (r->notify_fd >= 0) {
		close(r->notify_fd);
		r->notify_fd = -1;
	}
	e = remove_group(r->cg.v2, 1);
	rc = rc ? rc : e;
	e = remove_group(r->cg.v1_memory, 0);
	rc = rc ? rc : e;
	e = remove_group(r->cg.v1_pids, 0);
	rc = rc ? rc : e;
	e = remove_group(r->cg.v1_cpu, 0);
	return rc ? rc : e;
}

/*
 * Is dir exactly base/cell-NAME-XXXXXXXX (what make_group() makes for
 * name), and a real cgroup directory? A path read back from run/NAME.json
 * is used only then: the file is the stem's, but it lives in a directory
 * cells can reach, so it is never followed blindly.
 */
static int group_valid(const char *base, const char *name, const char *dir)
{
	size_t blen = strlen(base), nlen = strlen(name);
	const char *p;
	struct statfs fs;
	struct stat st;

	if (!base[0] || strncmp(dir, base, blen) || dir[blen] != '/')
		return 0;
	p = dir + blen + 1;
	if (strncmp(p, "cell-", 5) || strncmp(p + 5, name, nlen) ||
	    p[5 + nlen] != '-')
		return 0;
	p += 6 + nlen;
	if (strlen(p) != 8 || strspn(p, "0123456789abcdef") != 8)
		return 0;
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) ||
	    statfs(dir, &fs) < 0)
		return 0;
	return fs.f_type == CGROUP_SUPER_MAGIC ||
	       fs.f_type == CGROUP2_SUPER_MAGIC;
}

int sandbox_cgroups_adopt(const char *name, const char *cgroup2_dir,
			  struct sandbox_cgroups *cg)
{
	char *dir[] = { cg->v2, cg->v1_memory, cg->v1_pids, cg->v1_cpu };
	const char *base[4];
	struct hier h;
	int dropped = 0;
	size_t i;

	find_hier(cgroup2_dir, &h);
	base[0] = h.v2;
	base[1] = h.memory;
	base[2] = h.pids;
	base[3] = h.cpu;
	for (i = 0; i < sizeof dir / sizeof dir[0]; i++) {
		if (!dir[i][0] || group_valid(base[i], name, dir[i]))
			continue;
		dir[i][0] = '\0';
		dropped++;
	}
	return dropped;
}

int sandbox_cgroups_remove_idle(struct sandbox_cgroups *cg)
{
	char *dir[] = { cg->v2, cg->v1_memory, cg->v1_pids, cg->v1_cpu };
	int rc = 0;
	size_t i;

	for (i = 0; i < sizeof dir / sizeof dir[0]; i++) {
		if (!dir[i][0])
			continue;
		/* The kernel refuses (EBUSY) while tasks are in it. */
		if (rmdir(dir[i]) == 0 || errno == ENOENT)
			dir[i][0] = '\0';
		else if (!rc)
			rc = -errno;
	}
	return rc;
}
