/* runinfo.c - read run/NAME.json, check it against /proc. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fsutil.h"
#include "proc.h"
#include "runinfo.h"

static void get_string(const cJSON *o, const char *key, char *out,
		       size_t size)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	snprintf(out, size, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

_Static_assert(sizeof(pid_t) == 4 && sizeof(time_t) == 8,
	       "the limits in runinfo_read assume a 32-bit pid_t and 64-bit time_t");

/*
 * key's value into *out, 0 when missing or not a number; a number outside
 * [0, limit) would make the cast undefined. Returns 0 or CELL_EJSON.
 */
static int get_number(const cJSON *o, const char *key, double limit,
		      double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	*out = 0;
	if (!cJSON_IsNumber(v))
		return 0;
	if (!(v->valuedouble >= 0 && v->valuedouble < limit))
		return CELL_EJSON;
	*out = v->valuedouble;
	return 0;
}

/* A limit's value (under 2^64: bytes at most) and its mechanism. */
static int get_limit(const cJSON *limits, const char *key,
		     struct runinfo_limit *out)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(limits, key);

	get_string(o, "by", out->by, sizeof out->by);
	return get_number(o, "value", 0x1p64, &out->value);
}

int runinfo_read(const struct cell_home *home, const char *name,
		 struct runinfo *info)
{
	struct cell_buf buf = CELL_BUF_INIT(64u << 10);
	char path[CELL_PATH_MAX];
	const cJSON *v;
	cJSON *o;
	double d;
	int err;

	memset(info, 0, sizeof *info);
	if (!cell_name_valid(name))
		return CELL_ENAME;
	err = cell_home_path(home, path, sizeof path, "run/%s.json", name);
	if (!err)
		err = fs_read_regular(path, &buf);
	if (err) {
		cell_buf_release(&buf);
		return err;
	}
	o = cJSON_ParseWithOpts(cell_buf_str(&buf), NULL, 1);
	cell_buf_release(&buf);
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return CELL_EJSON;
	}
	snprintf(info->name, sizeof info->name, "%s", name);
	get_string(o, "state", info->state, sizeof info->state);
	get_string(o, "hash", info->hash, sizeof info->hash);
	get_string(o, "cause", info->cause, sizeof info->cause);
	/* Limits: one past INT_MAX (pid_t), UINT_MAX, and 2^63, 2^64. */
	err = get_number(o, "pid", 2147483648.0, &d);
	info->pid = (pid_t)d;
	if (!err)
		err = get_number(o, "restarts", 4294967296.0, &d);
	info->restarts = (unsigned)d;
	if (!err)
		err = get_number(o, "since", 0x1p63, &d);
	info->since = (time_t)d;
	if (!err)
		err = get_number(o, "starttime", 0x1p64, &d);
	info->starttime = (unsigned long long)d;
	v = cJSON_GetObjectItemCaseSensitive(o, "sandbox");
	info->sandbox = cJSON_IsBool(v) ? cJSON_IsTrue(v) : -1;
	get_string(o, "net", info->net, sizeof info->net);
	get_string(o, "confinement", info->confinement,
		   sizeof info->confinement);
	get_string(o, "unconfined", info->unconfined,
		   sizeof info->unconfined);
	v = cJSON_GetObjectItemCaseSensitive(o, "limits");
	if (!err)
		err = get_limit(v, "memory", &info->memory);
	if (!err)
		err = get_limit(v, "pids", &info->pids);
	if (!err)
		err = get_limit(v, "cpu", &info->cpu);
	if (!err)
		err = get_limit(v, "nofile", &info->nofile);
	cJSON_Delete(o);
	return err;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* info for a cell whose state file could not be read (err says why). */
static void runinfo_unknown(struct runinfo *info, const char *name, int err)
{
	memset(info, 0, sizeof *info);
	info->sandbox = -1;
	snprintf(info->name, sizeof info->name, "%s", name);
	snprintf(info->state, sizeof info->state, "unknown");
	snprintf(info->cause, sizeof info->cause,
		 "cannot read run/%s.json: %s", name, cell_strerror(err));
}

int runinfo_each(const struct cell_home *home,
		 int (*fn)(void *ctx, const struct runinfo *info), void *ctx)
{
	char dir[CELL_PATH_MAX], **names = NULL, **grown;
	size_t n = 0, cap = 0, i, len;
	struct runinfo info;
	struct dirent *de;
	DIR *d;
	int r = 0, err;

	if (cell_home_path(home, dir, sizeof dir, "run"))
		return -ENAMETOOLONG;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		len = strlen(de->d_name);
		if (len <= 5 || strcmp(de->d_name + len - 5, ".json"))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			grown = realloc(names, cap * sizeof *names);
			if (!grown) {
				r = -ENOMEM;
				break;
			}
			names = grown;
		}
		names[n] = strndup(de->d_name, len - 5);
		if (!names[n]) {
			r = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (!r)
		qsort(names, n, sizeof *names, by_name);
	for (i = 0; i < n; i++) {
		if (!r && cell_name_valid(names[i])) {
			err = runinfo_read(home, names[i], &info);
			/* A damaged state file still names a cell: show it as
			 * unknown, with the reason, rather than hide it. */
			if (err && err != -ENOENT)
				runinfo_unknown(&info, names[i], err);
			/* ENOENT: removed since readdir, gone. */
			if (err != -ENOENT)
				r = fn(ctx, &info);
		}
		free(names[i]);
	}
	free(names);
	return r;
}

int runinfo_alive(const struct runinfo *info)
{
	struct proc_stat ps;

	if (info->pid <= 0 || proc_stat_read(info->pid, &ps) < 0)
		return 0;
	return ps.state != 'Z' && ps.starttime == info->starttime;
}
