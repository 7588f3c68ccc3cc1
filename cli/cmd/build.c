/*
 * build.c - `cell build`: find the cells under each PATH, build what
 * changed, store each result as DNA, and report one line per cell.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "builder.h"
#include "cmd.h"
#include "options.h"
#include "usage.h"
#include "workspace.h"

static const char usage[] = "cell build [-j N] [--json] [PATH ...]";

struct report {
	struct build_cell **cells;  /* sorted by name */
	size_t n;
	size_t next;                /* first cell not printed yet */
	int width;                  /* of the name column */
	int json;
	int color;
};

static const char *status_word(enum build_status s)
{
	switch (s) {
	case BUILD_CACHED:
		return "cached";
	case BUILD_BUILT:
		return "built";
	case BUILD_FAILED:
		return "failed";
	case BUILD_PENDING:
		break;
	}
	return "pending";
}

static const char *status_color(enum build_status s)
{
	switch (s) {
	case BUILD_BUILT:
		return "\033[32m";
	case BUILD_FAILED:
		return "\033[31m";
	case BUILD_CACHED:
	case BUILD_PENDING:
		break;
	}
	return "\033[2m";
}

/* "failed  NAME  first line", then the tool's output indented. */
static void print_failure(const struct report *r, const struct build_cell *c)
{
	const char *msg = cell_buf_str(&c->error);
	size_t n = strcspn(msg, "\n");

	printf("%-*s  %.*s\n", r->width, c->m.name, (int)n, msg);
	msg += n;
	while (*msg == '\n') {
		msg++;
		n = strcspn(msg, "\n");
		if (n || msg[n])
			printf("    %.*s\n", (int)n, msg);
		msg += n;
	}
}

static void print_cell(const struct report *r, const struct build_cell *c)
{
	if (r->color)
		printf("%s%-6s\033[0m  ", status_color(c->status),
		       status_word(c->status));
	else
		printf("%-6s  ", status_word(c->status));
	if (c->status == BUILD_FAILED) {
		print_failure(r, c);
		return;
	}
	printf("%-*s  %.12s  %.2fs\n", r->width, c->m.name, c->hash,
	       c->seconds);
}

/*
 * Called as each cell finishes, in any order: prints every finished cell
 * up to the first unfinished one, so the output is in name order however
 * the jobs interleave.
 */
static void on_done(void *ctx, struct build_cell *c)
{
	struct report *r = ctx;

	(void)c;
	if (r->json)
		return;
	while (r->next < r->n &&
	       r->cells[r->next]->status != BUILD_PENDING)
		print_cell(r, r->cells[r->next++]);
	fflush(stdout);
}

/* Seconds rounded to milliseconds: more digits would be noise. */
static double ms(double seconds)
{
	return (double)(long long)(seconds * 1000 + 0.5) / 1000;
}

/* One cell as a JSON object; NULL when out of memory. */
static cJSON *cell_json(const struct build_cell *c)
{
	int failed = c->status == BUILD_FAILED;
	cJSON *o = cJSON_CreateObject();

	if (o && cJSON_AddStringToObject(o, "name", c->m.name) &&
	    cJSON_AddStringToObject(o, "path", c->dir) &&
	    cJSON_AddStringToObject(o, "status", status_word(c->status)) &&
	    (failed ? cJSON_AddNullToObject(o, "hash")
		    : cJSON_AddStringToObject(o, "hash", c->hash)) &&
	    cJSON_AddNumberToObject(o, "seconds", ms(c->seconds)) &&
	    (failed ? cJSON_AddStringToObject(o, "error",
					      cell_buf_str(&c->error))
		    : cJSON_AddNullToObject(o, "error")))
		return o;
	cJSON_Delete(o);
	return NULL;
}

static void print_json(const struct report *r)
{
	cJSON *arr = cJSON_CreateArray();
	char *text;
	size_t i;

	for (i = 0; arr && i < r->n; i++) {
		cJSON *o = cell_json(r->cells[i]);

		if (!o || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			cJSON_Delete(arr);
			arr = NULL;
		}
	}
	text = arr ? cJSON_Print(arr) : NULL;
	cJSON_Delete(arr);
	if (!text)
		die("out of memory");
	puts(text);
	free(text);
}

static int cmp_name(const void *a, const void *b)
{
	const struct build_cell *x = *(struct build_cell *const *)a;
	const struct build_cell *y = *(struct build_cell *const *)b;
	int d = strcmp(x->m.name, y->m.name);

	return d ? d : strcmp(x->abs, y->abs);
}

/* Loads the cells under path into *cells. Returns how many failed. */
static int load_path(const char *path, struct build_cell ***cells,
		     size_t *n)
{
	struct workspace_cells found = { NULL, 0 };
	struct cell_buf why = CELL_BUF_INIT(4096);
	struct build_cell **grown;
	size_t i;
	int bad = 0, err;

	err = workspace_find_cells(path, &found, &why);
	if (err == CELL_EGIT)
		die("cannot read the git repository of '%s': %s", path,
		    cell_buf_str(&why));
	if (err)
		die("cannot search '%s': %s", path, cell_strerror(err));
	cell_buf_release(&why);
	if (!found.n)
		die("no cells found under '%s'", path);
	grown = realloc(*cells, (*n + found.n) * sizeof **cells);
	if (!grown)
		die("out of memory");
	*cells = grown;
	for (i = 0; i < found.n; i++) {
		struct build_cell *c = malloc(sizeof *c);

		if (!c)
			die("out of memory");
		err = build_cell_load(c, found.dirs[i]);
		if (err) {
			if (c->error.len)
				error("%s", cell_buf_str(&c->error));
			else
				error("cannot load the cell in '%s': %s",
				      found.dirs[i], cell_strerror(err));
			build_cell_release(c);
			free(c);
			bad++;
			continue;
		}
		(*cells)[(*n)++] = c;
	}
	workspace_cells_release(&found);
	return bad;
}

/*
 * Sorts by name, drops a cell found twice through overlapping PATHs, and
 * refuses two cells with one name. Returns the number of clashes.
 */
static int check_names(struct build_cell **cells, size_t *n)
{
	size_t i, k = 0;
	int clashes = 0;

	qsort(cells, *n, sizeof *cells, cmp_name);
	for (i = 0; i < *n; i++) {
		struct build_cell *prev = k ? cells[k - 1] : NULL;

		if (prev && !strcmp(prev->abs, cells[i]->abs)) {
			build_cell_release(cells[i]);
			free(cells[i]);
			continue;
		}
		if (prev && !strcmp(prev->m.name, cells[i]->m.name)) {
			error("duplicate cell name '%s': '%s' and '%s'",
			      prev->m.name, prev->dir, cells[i]->dir);
			clashes++;
		}
		cells[k++] = cells[i];
	}
	*n = k;
	return clashes;
}

static void free_cells(struct build_cell **cells, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		build_cell_release(cells[i]);
		free(cells[i]);
	}
	free(cells);
}

static void prepare_home(const struct cell_home *home)
{
	int err = cell_home_create(home);

	if (err)
		die("cannot create '%s': %s", home->dir, cell_strerror(err));
	if (access(home->dir, W_OK) < 0)
		die_errno("cannot write to '%s'", home->dir);
}

static int use_color(void)
{
	const char *term = getenv("TERM");

	return isatty(STDOUT_FILENO) && !getenv("NO_COLOR") &&
	       !(term && !strcmp(term, "dumb"));
}

int cmd_build(int argc, char **argv)
{
	int jobs = -1, json = 0;
	const struct option opts[] = {
		OPT_INT('j', "jobs", &jobs, "N",
			"run up to N compilers at once (default: CPUs)"),
		OPT_FLAG(0, "json", &json, "print the results as JSON"),
		OPT_END(),
	};
	char here[] = ".";
	char *dot[] = { here, NULL };
	struct cell_buf why = CELL_BUF_INIT(4096);
	struct build_cell **cells = NULL;
	struct toolchain tc;
	struct cell_home home;
	struct builder b = { 0 };
	struct report r = { 0 };
	double t0 = jobs_now();
	size_t n = 0, i, built = 0, cached = 0;
	char **paths;
	int npaths, bad = 0, failed, w;

	npaths = parse_options(argc, argv, opts, usage);
	paths = npaths ? argv : dot;
	if (!npaths)
		npaths = 1;
	if (jobs == 0)
		die_usage("see 'cell build --help'", "-j needs at least 1");
	if (jobs < 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);

		jobs = cpus > 0 ? (int)cpus : 1;
	}

	cli_home(&home);
	if (toolchain_locate(&tc, &why))
		die("%s", cell_buf_str(&why));
	for (i = 0; i < (size_t)npaths; i++)
		bad += load_path(paths[i], &cells, &n);
	bad += check_names(cells, &n);
	if (bad) {
		free_cells(cells, n);
		return EXIT_FAIL;
	}
	prepare_home(&home);
	if (toolchain_identify(&tc, &why))
		die("%s", cell_buf_str(&why));
	cell_buf_release(&why);

	r.cells = cells;
	r.n = n;
	r.json = json;
	r.color = !json && use_color();
	for (i = 0; i < n; i++) {
		w = (int)strlen(cells[i]->m.name);
		if (w > r.width)
			r.width = w;
	}
	b.home = &home;
	b.tc = &tc;
	b.jobs = jobs;
	b.report = on_done;
	b.report_ctx = &r;
	failed = builder_run(&b, cells, n);
	if (failed < 0)
		die("cannot run the build: %s", cell_strerror(failed));

	for (i = 0; i < n; i++) {
		built += cells[i]->status == BUILD_BUILT;
		cached += cells[i]->status == BUILD_CACHED;
	}
	if (json)
		print_json(&r);
	else
		printf("%zu cell%s: %zu built, %zu cached, %d failed in %.2fs\n",
		       n, n == 1 ? "" : "s", built, cached, failed,
		       jobs_now() - t0);
	free_cells(cells, n);
	return failed ? EXIT_FAIL : EXIT_OK;
}
