/*
 * adopt.c - a stem started after another was killed finds the cells that
 * still run (run/NAME.json: same pid and process start time) and adopts
 * them instead of starting duplicates: it watches each through a pidfd
 * and takes its listening socket back with pidfd_getfd(2), and takes
 * over the cgroups the file records (removed when the cell exits). What
 * is left of cells that are gone (pid files, empty cgroups) is cleared.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "pidfd.h"
#include "proc.h"
#include "stem.h"

/* The socket the cell listens on, if fd 3 in it is still run/NAME.sock. */
static int take_socket(struct stem_cell *cell)
{
	char want[CELL_PATH_MAX];
	struct sockaddr_un sa;
	socklen_t len = sizeof sa;
	int fd;

	if (supervise_sock_path(cell, want, sizeof want))
		return -1;
	fd = sys_pidfd_getfd(cell->proc.pidfd, 3);
	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof sa);
	if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0 ||
	    sa.sun_family != AF_UNIX ||
	    strncmp(sa.sun_path, want, sizeof sa.sun_path)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The cgroups recorded for name, kept only where this stem would have
 * made them (the file is in run/, which every cell can reach).
 */
static void recorded_cgroups(struct stem *stem, const char *name,
			     const cJSON *st, struct sandbox_cgroups *cg)
{
	runstate_read_cgroups(st, cg);
	if (sandbox_cgroups_adopt(name, stem->cgroup2_dir[0] ?
				  stem->cgroup2_dir : NULL, cg) > 0)
		stem_log(stem, STEM_LOG_ERROR, "cell '%s': ignoring cgroups "
			 "recorded outside this stem's own", name);
}

static int any_cgroup(const struct sandbox_cgroups *cg)
{
	return cg->v2[0] || cg->v1_memory[0] || cg->v1_pids[0] ||
	       cg->v1_cpu[0];
}

static void adopt_one(struct stem *stem, const char *name)
{
	struct cell_buf buf = CELL_BUF_INIT(64u << 10);
	char path[CELL_PATH_MAX], hash[DNA_HASH_SIZE] = "";
	const cJSON *v;
	struct sandbox_cgroups cg;
	struct stem_cell *cell;
	struct proc_stat ps;
	unsigned long long starttime = 0;
	cJSON *st = NULL;
	pid_t pid = 0;
	time_t since = 0;
	int pidfd, err;

	if (cell_home_path(&stem->home, path, sizeof path, "run/%s.json",
			   name))
		goto out;
	if (fs_read_regular(path, &buf) ||
	    !(st = cJSON_ParseWithOpts(cell_buf_str(&buf), NULL, 1))) {
		/* Nothing to adopt by: its pid file is as stale. */
		stem_log(stem, STEM_LOG_ERROR, "cannot adopt cell '%s': "
			 "unreadable run/%s.json", name, name);
		runstate_remove_pid(stem, name);
		goto out;
	}
	cell = supervise_new_cell(stem, name);
	if (!cell)
		goto out;
	v = cJSON_GetObjectItemCaseSensitive(st, "pid");
	if (cJSON_IsNumber(v))
		pid = (pid_t)v->valuedouble;
	v = cJSON_GetObjectItemCaseSensitive(st, "starttime");
	if (cJSON_IsNumber(v))
		starttime = (unsigned long long)v->valuedouble;
	v = cJSON_GetObjectItemCaseSensitive(st, "since");
	if (cJSON_IsNumber(v) && v->valuedouble > 0)
		since = (time_t)v->valuedouble;
	v = cJSON_GetObjectItemCaseSensitive(st, "restarts");
	if (cJSON_IsNumber(v))
		cell->restarts = (unsigned)v->valuedouble;
	v = cJSON_GetObjectItemCaseSensitive(st, "hash");
	if (cJSON_IsString(v) && dna_hash_valid(v->valuestring))
		snprintf(hash, sizeof hash, "%s", v->valuestring);
	recorded_cgroups(stem, name, st, &cg);
	/*
	 * The pid alone may have been reused: its start time must match.
	 * The pidfd comes first, so the process it names is the one whose
	 * start time we read, if it is still alive after the reading.
	 */
	pidfd = pid > 0 ? sys_pidfd_open(pid) : -1;
	if (pidfd >= 0 && !(proc_stat_read(pid, &ps) == 0 && ps.state != 'Z' &&
			    ps.starttime == starttime &&
			    sys_pidfd_send_signal(pidfd, 0) == 0)) {
		close(pidfd);
		pidfd = -1;
	}
	if (pidfd >= 0) {
		supervise_load_dna(cell);
		if (hash[0])
			memcpy(cell->hash, hash, sizeof cell->hash);
		cell->proc.pid = pid;
		cell->proc.pidfd = pidfd;
		cell->adopted = 1;
		runstate_read_report(st, &cell->report);
		/* Ours now: removed at its exit, as if we had started it. */
		cell->report.cg = cg;
		cell->report_live = any_cgroup(&cg);
		cell->listen_fd = take_socket(cell);
		supervise_transition(cell, FSM_EV_START);
		supervise_transition(cell, FSM_EV_EXECED);
		if (since)
			cell->since = since; /* it has run since then */
		cell->started_ms = supervise_now_ms();
		if (supervise_watch_proc(cell) < 0)
			stem_log(stem, STEM_LOG_ERROR,
				 "cannot watch adopted cell '%s'", name);
		stem_log(stem, STEM_LOG_INFO,
			 "adopted cell '%s' pid %d%s", name, (int)pid,
			 cell->listen_fd < 0 ? " (without its socket)" : "");
		goto out;
	}
	/* Gone: its pid file is stale; a stale socket file is replaced at
	 * the next germinate (nobody listens on it). */
	memcpy(cell->hash, hash, sizeof cell->hash);
	runstate_remove_pid(stem, name);
	/* Its cgroups, unless something still runs in them (then they stay
	 * recorded, for the next stem). */
	err = sandbox_cgroups_remove_idle(&cg);
	if (err)
		stem_log(stem, STEM_LOG_ERROR, "cell '%s': cannot remove its "
			 "old cgroups: %s", name, cell_strerror(err));
	cell->report.cg = cg;
	loop_timer_in(&stem->loop, &cell->persist, 0);
out:
	cJSON_Delete(st);
	cell_buf_release(&buf);
}

int supervise_adopt(struct stem *stem)
{
	char dir[CELL_PATH_MAX], name[CELL_NAME_MAX + 1];
	struct dirent *de;
	DIR *d;
	size_t n;

	if (cell_home_path(&stem->home, dir, sizeof dir, "run"))
		return -ENAMETOOLONG;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		n = strlen(de->d_name);
		if (n <= 5 || n - 5 > CELL_NAME_MAX ||
		    strcmp(de->d_name + n - 5, ".json"))
			continue;
		memcpy(name, de->d_name, n - 5);
		name[n - 5] = '\0';
		if (cell_name_valid(name) && !supervise_find(stem, name))
			adopt_one(stem, name);
	}
	closedir(d);
	return 0;
}
