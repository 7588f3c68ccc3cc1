/*
 * ps.c - `cell ps`: the cells of this home, from run/NAME.json and /proc
 * only, so it answers with the stem down.
 */
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

static int print_line(void *ctx, const struct runinfo *info)
{
	char pid[16], up[32], rss[32], cpu[32];
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
	printf("%-20s %-8s %-11s %-8s %-8u %-12.12s %-8s %s\n", info->name,
	       pid, r.state, up, info->restarts,
	       info->hash[0] ? info->hash : "-", rss, cpu);
	return 0;
}

static int add_json(void *ctx, const struct runinfo *info)
{
	cJSON *arr = ctx, *o = cJSON_CreateObject();
	struct row r;

	make_row(info, &r);
	if (!o || !cJSON_AddItemToArray(arr, o) ||
	    !cJSON_AddStringToObject(o, "name", info->name) ||
	    !cJSON_AddNumberToObject(o, "pid", r.pid) ||
	    !cJSON_AddStringToObject(o, "state", r.state) ||
	    !cJSON_AddNumberToObject(o, "uptime", (double)r.uptime) ||
	    !cJSON_AddNumberToObject(o, "restarts", info->restarts) ||
	    !cJSON_AddStringToObject(o, "hash", info->hash) ||
	    !cJSON_AddNumberToObject(o, "rss", (double)r.rss) ||
	    !cJSON_AddNumberToObject(o, "cpu", r.cpu) ||
	    !cJSON_AddStringToObject(o, "cause", info->cause))
		return -1;
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
		printf("%-20s %-8s %-11s %-8s %-8s %-12s %-8s %s\n", "NAME",
		       "PID", "STATE", "UPTIME", "RESTARTS", "DNA", "RSS",
		       "CPU");
		err = runinfo_each(&home, print_line, NULL);
		if (err)
			die("cannot read '%s/run': %s", home.dir,
			    cell_strerror(err));
		return EXIT_OK;
	}
	arr = cJSON_CreateArray();
	if (!arr || runinfo_each(&home, add_json, arr))
		die("cannot list the cells of '%s'", home.dir);
	text = cJSON_Print(arr);
	cJSON_Delete(arr);
	if (!text)
		die("out of memory");
	puts(text);
	free(text);
	return EXIT_OK;
}
