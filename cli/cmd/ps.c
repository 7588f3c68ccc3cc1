/*
 * ps.c - `cell ps`: the cells of this home, from run/NAME.json and /proc
 * only, so it answers with the stem down.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cmd.h"
#include "options.h"
#include "proc.h"
#include "runinfo.h"
#include "usage.h"

static const char usage[] = "cell ps [--json]";

struct row {
	const char *state;      /* running, restarting, failed, stopped */
	pid_t pid;              /* 0 when none runs */
	long long uptime;       /* seconds, -1 when not running */
	long long rss;          /* bytes, -1 unknown */
	double cpu;             /* seconds, -1 unknown */
};

/* The stem's states, as a user reads them, checked against /proc. */
static void make_row(const struct runinfo *info, struct row *r)
{
	struct proc_stat ps;
	int alive = runinfo_alive(info);

	r->pid = alive ? info->pid : 0;
	r->uptime = -1;
	r->rss = -1;
	r->cpu = -1;
	if (!strcmp(info->state, "backoff"))
		r->state = "restarting";
	else if (!strcmp(info->state, "failed"))
		r->state = "failed";
	else if (!strcmp(info->state, "unknown"))
		r->state = "unknown"; /* unreadable state file: see cause */
	else if (alive)
		r->state = "running";
	else
		r->state = "stopped";
	if (!alive || proc_stat_read(info->pid, &ps) < 0)
		return;
	r->uptime = (long long)(time(NULL) - info->since);
	if (r->uptime < 0)
		r->uptime = 0;
	r->rss = (long long)ps.rss_pages * sysconf(_SC_PAGESIZE);
	r->cpu = (double)(ps.utime + ps.stime) / (double)sysconf(_SC_CLK_TCK);
}

static void human_time(long long s, char *out, size_t size)
{
	if (s < 0)
		snprintf(out, size, "-");
	else if (s < 60)
		snprintf(out, size, "%llds", s);
	else if (s < 3600)
		snprintf(out, size, "%lldm%llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(out, size, "%lldh%lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(out, size, "%lldd%lldh", s / 86400, s % 86400 / 3600);
}

static void human_bytes(long long n, char *out, size_t size)
{
	if (n < 0)
		snprintf(out, size, "-");
	else if (n < 1024 * 1024)
		snprintf(out, size, "%.1fK", (double)n / 1024);
	else
		snprintf(out, size, "%.1fM", (double)n / (1024 * 1024));
}

/* "cg1" for "cgroup1": what enforces a limit, in a few letters. */
static const char *short_by(const char *by)
{
	static const char *const names[][2] = {
		{ "cgroup2", "cg2" }, { "cgroup1", "cg1" }, { "rlimit", "rl" },
		{ "unenforced", "none!" },
	};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(by, names[i][0]))
			return names[i][1];
	return "-";
}

/* 64M, 1.5G, 512K: exact binary units where they fit. */
static void limit_bytes(double n, char *out, size_t size)
{
	static const char units[] = "KMGT";
	int u = -1;

	while (u < 3 && n >= 1024 && n / 1024 == (double)(long long)(n / 1024)) {
		n /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(out, size, "%.0f", n);
	else
		snprintf(out, size, "%.0f%c", n, units[u]);
}

/* Appends " what:value/by" to out for a limit that is set. */
static void add_limit(char *out, size_t size, const char *what,
		      const struct runinfo_limit *l, const char *value)
{
	size_t len = strlen(out);

	if (l->value <= 0 || len >= size)
		return;
	snprintf(out + len, size - len, " %s:%s/%s", what, value,
		 short_by(l->by));
}

/*
 * The SANDBOX column: "on", "off!" for "sandbox": false, then
 * "net:host" if shared and each limit with its mechanism:
 * "on mem:64M/cg1 pids:32/cg1 nofile:64/rl". "-" before the stem has
 * read the cell's manifest.
 */
static void sandbox_text(const struct runinfo *info, char *out, size_t size)
{
	char v[32];

	if (info->sandbox < 0) {
		snprintf(out, size, "-");
		return;
	}
	snprintf(out, size, "%s", info->sandbox ? "on" : "off!");
	if (info->sandbox && !strcmp(info->net, "host"))
		snprintf(out + strlen(out), size - strlen(out), " net:host");
	limit_bytes(info->memory.value, v, sizeof v);
	add_limit(out, size, "mem", &info->memory, v);
	snprintf(v, sizeof v, "%.0f", info->pids.value);
	add_limit(out, size, "pids", &info->pids, v);
	snprintf(v, sizeof v, "%g", info->cpu.value);
	add_limit(out, size, "cpu", &info->cpu, v);
	snprintf(v, sizeof v, "%.0f", info->nofile.value);
	add_limit(out, size, "nofile", &info->nofile, v);
}

static int print_line(void *ctx, const struct runinfo *info)
{
	char pid[16], up[32], rss[32], cpu[32], sandbox[160];
	struct row r;

	(void)ctx;
	make_row(info, &r);
	snprintf(pid, sizeof pid, r.pid ? "%d" : "-", (int)r.pid);
	human_time(r.uptime, up, sizeof up);
	human_bytes(r.rss, rss, sizeof rss);
	if (r.cpu < 0)
		snprintf(cpu, sizeof cpu, "-");
	else
		snprintf(cpu, sizeof cpu, "%.2fs", r.cpu);
	sandbox_text(info, sandbox, sizeof sandbox);
	printf("%-20s %-8s %-11s %-8s %-8u %-12.12s %-8s %-8s %s\n",
	       info->name, pid, r.state, up, info->restarts,
	       info->hash[0] ? info->hash : "-", rss, cpu, sandbox);
	return 0;
}

static int add_json_limit(cJSON *limits, const char *key,
			  const struct runinfo_limit *l)
{
	cJSON *o;

	if (l->value <= 0)
		return 0;
	o = cJSON_AddObjectToObject(limits, key);
	if (!o || !cJSON_AddNumberToObject(o, "value", l->value) ||
	    !cJSON_AddStringToObject(o, "by", l->by[0] ? l->by : "-"))
		return -1;
	return 0;
}

/*
 * "sandbox": true, false or null (unknown); "net"; "confinement" and
 * "unconfined" (what was and was not applied at the last start);
 * "limits": {"memory": {"value", "by"}, ...} for each limit set.
 */
static int add_json_sandbox(cJSON *o, const struct runinfo *info)
{
	cJSON *limits;

	if (!(info->sandbox < 0 ? cJSON_AddNullToObject(o, "sandbox") :
	      cJSON_AddBoolToObject(o, "sandbox", info->sandbox)) ||
	    !cJSON_AddStringToObject(o, "net", info->net) ||
	    !cJSON_AddStringToObject(o, "confinement", info->confinement) ||
	    !cJSON_AddStringToObject(o, "unconfined", info->unconfined) ||
	    !(limits = cJSON_AddObjectToObject(o, "limits")))
		return -1;
	if (add_json_limit(limits, "memory", &info->memory) < 0 ||
	    add_json_limit(limits, "pids", &info->pids) < 0 ||
	    add_json_limit(limits, "cpu", &info->cpu) < 0 ||
	    add_json_limit(limits, "nofile", &info->nofile) < 0)
		return -1;
	return 0;
}

static int add_json(void *ctx, const struct runinfo *info)
{
	cJSON *arr = ctx, *o = cJSON_CreateObject();
	struct row r;

	make_row(info, &r);
	if (!o)
		return -ENOMEM;
	if (!cJSON_AddItemToArray(arr, o)) {
		cJSON_Delete(o);
		return -ENOMEM;
	}
	if (!cJSON_AddStringToObject(o, "name", info->name) ||
	    !cJSON_AddNumberToObject(o, "pid", r.pid) ||
	    !cJSON_AddStringToObject(o, "state", r.state) ||
	    !cJSON_AddNumberToObject(o, "uptime", (double)r.uptime) ||
	    !cJSON_AddNumberToObject(o, "restarts", info->restarts) ||
	    !cJSON_AddStringToObject(o, "hash", info->hash) ||
	    !cJSON_AddNumberToObject(o, "rss", (double)r.rss) ||
	    !cJSON_AddNumberToObject(o, "cpu", r.cpu) ||
	    !cJSON_AddStringToObject(o, "cause", info->cause) ||
	    add_json_sandbox(o, info) < 0)
		return -ENOMEM;
	return 0;
}

int cmd_ps(int argc, char **argv)
{
	int json = 0, err;
	struct option opts[] = {
		OPT_FLAG(0, "json", &json, "one JSON array on stdout"),
		OPT_END(),
	};
	struct cell_home home;
	cJSON *arr;
	char *text;

	if (parse_options(argc, argv, opts, usage) > 0)
		die_usage("see 'cell ps --help'", "cell ps takes no arguments");
	cli_home(&home);
	if (!json) {
		printf("%-20s %-8s %-11s %-8s %-8s %-12s %-8s %-8s %s\n",
		       "NAME", "PID", "STATE", "UPTIME", "RESTARTS", "DNA",
		       "RSS", "CPU", "SANDBOX");
		err = runinfo_each(&home, print_line, NULL);
		if (err)
			die("cannot read '%s/run': %s", home.dir,
			    cell_strerror(err));
		return EXIT_OK;
	}
	arr = cJSON_CreateArray();
	if (!arr)
		die("cannot list the cells: %s", cell_strerror(-ENOMEM));
	err = runinfo_each(&home, add_json, arr);
	if (err)
		die("cannot read '%s/run': %s", home.dir, cell_strerror(err));
	text = cJSON_Print(arr);
	cJSON_Delete(arr);
	if (!text)
		die("out of memory");
	puts(text);
	free(text);
	return EXIT_OK;
}
