/*
 * runstate.c - run/NAME.json and run/NAME.pid, so `cell ps` answers with
 * the stem down and a restarted stem can adopt running cells.
 *
 * Written with a unique temp file + rename (a reader sees the old file or
 * the new one; nothing planted in run/ is followed) but without fsync: this is runtime state, meaningless after a
 * reboot. Creating and renaming files is slow on some filesystems (about
 * 0.3 ms each here), so the supervisor coalesces the writes of
 * transitions that follow each other closely (starting -> running) and
 * the pid file is written only when the pid changes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "stem.h"

/* {"value": v, "by": "cgroup1"}, for a limit the spec sets. */
static int add_limit(cJSON *limits, const char *key, double value,
		     enum sandbox_by by)
{
	cJSON *o = cJSON_AddObjectToObject(limits, key);

	if (!o || !cJSON_AddNumberToObject(o, "value", value) ||
	    !cJSON_AddStringToObject(o, "by", sandbox_by_name(by)))
		return -ENOMEM;
	return 0;
}

int runstate_add_sandbox(const struct stem_cell *cell, cJSON *o)
{
	const struct sandbox_spec *s = &cell->spec;
	const struct sandbox_report *r = &cell->report;
	cJSON *lim;

	if (!cell->manifest_loaded)
		return 0;	/* nothing known yet (adopted, never started) */
	if (!cJSON_AddBoolToObject(o, "sandbox", s->enabled) ||
	    !cJSON_AddStringToObject(o, "net", !s->enabled || s->net_host ?
				     "host" : "none") ||
	    !cJSON_AddStringToObject(o, "confinement", r->applied) ||
	    !cJSON_AddStringToObject(o, "unconfined", r->missing) ||
	    !cJSON_AddNumberToObject(o, "uid", r->applied[0] ?
				     (double)r->uid : -1) ||
	    !(lim = cJSON_AddObjectToObject(o, "limits")))
		return -ENOMEM;
	/* "by" is what enforced it at the last start ("-" before one). */
	if ((s->memory && add_limit(lim, "memory", (double)s->memory,
				    r->memory_by) < 0) ||
	    (s->pids && add_limit(lim, "pids", (double)s->pids,
				  r->pids_by) < 0) ||
	    (s->cpu_milli && add_limit(lim, "cpu", s->cpu_milli / 1000.0,
				       r->cpu_by) < 0) ||
	    (s->nofile && add_limit(lim, "nofile", (double)s->nofile,
				    r->nofile_by) < 0))
		return -ENOMEM;
	return 0;
}

/* The keys of "cgroups" in run/NAME.json, in struct sandbox_cgroups order. */
static const char *const cg_keys[] = { "v2", "memory", "pids", "cpu" };

/*
 * "cgroups": {"memory": "/sys/fs/cgroup/memory/.../cell-NAME-1a2b3c4d"},
 * the groups the process has, so that a stem killed with SIGKILL leaves
 * its successor what to adopt or remove. Omitted when there are none.
 */
static int add_cgroups(const struct sandbox_cgroups *cg, cJSON *o)
{
	const char *dir[] = { cg->v2, cg->v1_memory, cg->v1_pids,
			      cg->v1_cpu };
	cJSON *g = NULL;
	size_t i;

	for (i = 0; i < sizeof dir / sizeof dir[0]; i++) {
		if (!dir[i][0])
			continue;
		if (!g && !(g = cJSON_AddObjectToObject(o, "cgroups")))
			return -ENOMEM;
		if (!cJSON_AddStringToObject(g, cg_keys[i], dir[i]))
			return -ENOMEM;
	}
	return 0;
}

static enum sandbox_by by_from_name(const char *name)
{
	static const enum sandbox_by all[] = {
		SANDBOX_BY_CGROUP2, SANDBOX_BY_CGROUP1, SANDBOX_BY_RLIMIT,
		SANDBOX_BY_NOTHING,
	};
	size_t i;

	for (i = 0; i < sizeof all / sizeof all[0]; i++)
		if (!strcmp(name, sandbox_by_name(all[i])))
			return all[i];
	return SANDBOX_BY_NONE;
}

static void read_text(const cJSON *st, const char *key, char *out,
		      size_t size)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(st, key);

	if (cJSON_IsString(v))
		snprintf(out, size, "%s", v->valuestring);
}

void runstate_read_report(const cJSON *st, struct sandbox_report *r)
{
	static const char *const keys[] = { "memory", "pids", "cpu",
					    "nofile" };
	enum sandbox_by *by[] = { &r->memory_by, &r->pids_by, &r->cpu_by,
				  &r->nofile_by };
	const cJSON *lim = cJSON_GetObjectItemCaseSensitive(st, "limits");
	const cJSON *v;
	size_t i;

	read_text(st, "confinement", r->applied, sizeof r->applied);
	read_text(st, "unconfined", r->missing, sizeof r->missing);
	v = cJSON_GetObjectItemCaseSensitive(st, "uid");
	if (cJSON_IsNumber(v) && v->valuedouble >= 0)
		r->uid = (uid_t)v->valuedouble;
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		v = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(lim, keys[i]), "by");
		if (cJSON_IsString(v))
			*by[i] = by_from_name(v->valuestring);
	}
}

void runstate_read_cgroups(const cJSON *st, struct sandbox_cgroups *cg)
{
	char *dir[] = { cg->v2, cg->v1_memory, cg->v1_pids, cg->v1_cpu };
	const cJSON *g = cJSON_GetObjectItemCaseSensitive(st, "cgroups");
	size_t i;

	memset(cg, 0, sizeof *cg);
	for (i = 0; i < sizeof dir / sizeof dir[0]; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(g, cg_keys[i]);

		/* Too long to be ours: dropped, never truncated. */
		if (cJSON_IsString(v) &&
		    strlen(v->valuestring) < sizeof cg->v2)
			memcpy(dir[i], v->valuestring,
			       strlen(v->valuestring) + 1);
	}
}

static cJSON *state_json(const struct stem_cell *cell)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	if (!cJSON_AddStringToObject(o, "name", cell->name) ||
	    !cJSON_AddStringToObject(o, "state",
				     fsm_state_name(cell->state)) ||
	    !cJSON_AddNumberToObject(o, "pid", cell->proc.pid) ||
	    !cJSON_AddNumberToObject(o, "restarts", cell->restarts) ||
	    !cJSON_AddNumberToObject(o, "since", (double)cell->since) ||
	    !cJSON_AddStringToObject(o, "hash", cell->hash) ||
	    !cJSON_AddNumberToObject(o, "starttime",
				     (double)cell->starttime) ||
	    !cJSON_AddStringToObject(o, "restart",
				     manifest_restart_name(cell->policy)) ||
	    !cJSON_AddStringToObject(o, "cause", cell->cause) ||
	    runstate_add_sandbox(cell, o) < 0 ||
	    add_cgroups(&cell->report.cg, o) < 0) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

int runstate_write(const struct stem *stem, struct stem_cell *cell)
{
	char path[CELL_PATH_MAX], pid[32];
	cJSON *o;
	char *text;
	int err, n;

	o = state_json(cell);
	if (!o)
		return -ENOMEM;
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!text)
		return -ENOMEM;
	err = cell_home_path(&stem->home, path, sizeof path, "run/%s.json",
			     cell->name);
	if (!err)
		err = fs_write_replace(path, text, strlen(text), 0644);
	free(text);
	if (err)
		return err;
	if (cell->proc.pid == cell->pid_written)
		return 0;
	if (!cell->proc.pid) {
		runstate_remove_pid(stem, cell->name);
		cell->pid_written = 0;
		return 0;
	}
	err = cell_home_path(&stem->home, path, sizeof path, "run/%s.pid",
			     cell->name);
	if (err)
		return err;
	n = snprintf(pid, sizeof pid, "%d\n", (int)cell->proc.pid);
	err = fs_write_replace(path, pid, (size_t)n, 0644);
	if (!err)
		cell->pid_written = cell->proc.pid;
	return err;
}

void runstate_remove_pid(const struct stem *stem, const char *name)
{
	char path[CELL_PATH_MAX];

	if (!cell_home_path(&stem->home, path, sizeof path, "run/%s.pid",
			    name))
		unlink(path);
}
