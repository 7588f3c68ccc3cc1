/*
 * builder.c - cache keys, compiler command lines, and storing results.
 *
 * Reproducibility: each build runs with the cell's directory as cwd,
 * relative source names, -ffile-prefix-map for the cell directory and
 * the include directory, SOURCE_DATE_EPOCH=0, output into a private
 * temp directory and a fixed link order (sources, ldflags, libcell, libs,
 * cJSON). The same sources give the same bytes wherever they sit.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "builder.h"
#include "fsutil.h"
#include "usage.h"
#include "workspace.h"

#define KEY_VERSION "cell-build-v1"
#define WALK_DEPTH_MAX 32

/* What every C cell is compiled with, before the manifest's cflags. */
static const char *const base_cflags[] = { "-O2", NULL };
/* Where cell.h appears to be, in debug info and __FILE__. */
#define INCLUDE_MAPPED "/cell/include"

/* ---- owned string lists (argv, environment, file lists) ---- */

static int list_add(struct build_list *a, const char *s)
{
	if (a->n + 2 > a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 32;
		char **v = realloc(a->v, cap * sizeof *v);

		if (!v)
			return -ENOMEM;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n] = strdup(s);
	if (!a->v[a->n])
		return -ENOMEM;
	a->v[++a->n] = NULL;
	return 0;
}

static int list_addf(struct build_list *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int list_addf(struct build_list *a, const char *fmt, ...)
{
	char s[2 * CELL_PATH_MAX + 64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(s, sizeof s, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof s)
		return -ENAMETOOLONG;
	return list_add(a, s);
}

static int list_add_manifest(struct build_list *a, const struct manifest_list *l)
{
	size_t i;
	int err = 0;

	for (i = 0; i < l->n && !err; i++)
		err = list_add(a, l->items[i]);
	return err;
}

static void list_release(struct build_list *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof *a);
}

/* ---- sources and inputs ---- */

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && !strcmp(s + n - m, suffix);
}

/* The default sources of a C cell: *.c directly in its directory. */
static int list_c_files(struct build_cell *c)
{
	struct dirent *e;
	struct stat st;
	int err = 0;
	DIR *d = opendir(c->abs);

	if (!d)
		return -errno;
	while ((e = readdir(d)) && !err) {
		/* A name starting with '-' would read as an option. */
		if (e->d_name[0] == '.' || e->d_name[0] == '-' ||
		    !ends_with(e->d_name, ".c"))
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, 0) == 0 &&
		    S_ISREG(st.st_mode))
			err = list_add(&c->sources, e->d_name);
	}
	closedir(d);
	return err;
}

/* 1 if abs/rel holds a cell.json: a cell of its own, not our input. */
static int is_other_cell(const struct build_cell *c, const char *rel)
{
	char path[CELL_PATH_MAX];

	if (snprintf(path, sizeof path, "%s/%s/%s", c->abs, rel,
		     MANIFEST_FILE) >= (int)sizeof path)
		return 0;
	return access(path, F_OK) == 0;
}

/*
 * What the cache key covers: every file under the cell's directory (so a
 * changed local header rebuilds too) but dot files, cell.json (hashed as
 * the manifest), the artifact, and subdirectories that are cells of
 * their own. Symbolic links to files count; to directories, not.
 */
static int list_inputs(struct build_cell *c, const char *rel, int depth)
{
	char path[CELL_PATH_MAX], sub[CELL_PATH_MAX];
	struct dirent *e;
	struct stat st;
	DIR *d;
	int err = 0;

	if (depth > WALK_DEPTH_MAX)
		return -ELOOP;
	if (snprintf(path, sizeof path, "%s%s%s", c->abs, *rel ? "/" : "",
		     rel) >= (int)sizeof path)
		return -ENAMETOOLONG;
	d = opendir(path);
	if (!d)
		return -errno;
	while ((e = readdir(d)) && !err) {
		if (e->d_name[0] == '.')
			continue;
		if (snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "",
			     e->d_name) >= (int)sizeof sub) {
			err = -ENAMETOOLONG;
			break;
		}
		if (fstatat(dirfd(d), e->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) < 0) {
			err = -errno;
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			if (!is_other_cell(c, sub))
				err = list_inputs(c, sub, depth + 1);
			continue;
		}
		if (S_ISLNK(st.st_mode) &&
		    fstatat(dirfd(d), e->d_name, &st, 0) < 0)
			continue; /* dangling: nothing to read */
		if (!S_ISREG(st.st_mode) || !strcmp(sub, MANIFEST_FILE) ||
		    (c->m.artifact && !strcmp(sub, c->m.artifact)))
			continue;
		err = list_add(&c->inputs, sub);
	}
	closedir(d);
	return err;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts l and drops repeats. */
static void sort_unique(struct build_list *l)
{
	size_t i, k = 0;

	if (!l->n)
		return;
	qsort(l->v, l->n, sizeof *l->v, cmp_str);
	for (i = 0; i < l->n; i++) {
		if (k && !strcmp(l->v[k - 1], l->v[i])) {
			free(l->v[i]);
			continue;
		}
		l->v[k++] = l->v[i];
	}
	l->n = k;
	l->v[k] = NULL;
}

int build_cell_load(struct build_cell *c, const char *dir)
{
	size_t i;
	int err;

	memset(c, 0, sizeof *c);
	cell_buf_init(&c->raw, MANIFEST_MAX);
	cell_buf_init(&c->error, JOB_OUTPUT_MAX + 4096);
	job_init(&c->job);
	c->dir = strdup(dir);
	if (!c->dir)
		return -ENOMEM;
	if (!strcmp(dir, "."))
		err = snprintf(c->shown, sizeof c->shown, "%s", MANIFEST_FILE) >=
		      (int)sizeof c->shown ? -ENAMETOOLONG : 0;
	else
		err = fs_join(c->shown, sizeof c->shown, dir, MANIFEST_FILE);
	if (err)
		return err;
	if (!realpath(dir, c->abs)) {
		err = -errno;
		cell_buf_printf(&c->error, "cannot open '%s': %s", dir,
				strerror(errno));
		return err;
	}
	err = manifest_load(&c->m, c->abs, c->shown, &c->raw, &c->error);
	if (err)
		return err;
	if (c->m.has_sources)
		err = list_add_manifest(&c->sources, &c->m.sources);
	else if (!c->m.build)
		err = list_c_files(c);
	/* A custom build's explicit sources are all its inputs. */
	if (!err && (!c->m.build || !c->m.has_sources))
		err = list_inputs(c, "", 0);
	for (i = 0; i < c->sources.n && !err; i++)
		err = list_add(&c->inputs, c->sources.v[i]);
	if (err) {
		cell_buf_printf(&c->error, "cannot list the sources of '%s': %s",
				dir, cell_strerror(err));
		return err;
	}
	if (!c->sources.n && !c->m.build) {
		cell_buf_printf(&c->error, "%s: no sources: no *.c file in '%s' "
				"and no 'sources' field", c->shown, dir);
		return -ENOENT;
	}
	sort_unique(&c->sources);
	sort_unique(&c->inputs);
	return 0;
}

void build_cell_release(struct build_cell *c)
{
	list_release(&c->sources);
	list_release(&c->inputs);
	manifest_release(&c->m);
	cell_buf_release(&c->raw);
	cell_buf_release(&c->error);
	job_release(&c->job);
	list_release(&c->argv);
	list_release(&c->env);
	free(c->dir);
	memset(c, 0, sizeof *c);
}

/* ---- cache key ---- */

int builder_key(const struct builder *b, struct build_cell *c)
{
	char path[CELL_PATH_MAX], hex[DNA_HASH_SIZE], len[32];
	struct dna_hasher h;
	size_t i;
	int err;

	dna_hasher_init(&h);
	dna_hasher_addstr(&h, KEY_VERSION);
	snprintf(len, sizeof len, "%zu", c->raw.len);
	dna_hasher_addstr(&h, len);
	dna_hasher_add(&h, cell_buf_str(&c->raw), c->raw.len);
	for (i = 0; i < c->inputs.n; i++) {
		err = fs_join(path, sizeof path, c->abs, c->inputs.v[i]);
		if (!err)
			err = dna_hash_file(path, hex);
		if (err) {
			cell_buf_reset(&c->error);
			cell_buf_printf(&c->error, "cannot read '%s/%s': %s",
					c->dir, c->inputs.v[i],
					cell_strerror(err));
			return err;
		}
		dna_hasher_addstr(&h, c->inputs.v[i]);
		dna_hasher_addstr(&h, hex);
	}
	dna_hasher_addstr(&h, b->tc->cc);
	dna_hasher_addstr(&h, b->tc->identity);
	for (i = 0; base_cflags[i]; i++)
		dna_hasher_addstr(&h, base_cflags[i]);
	dna_hasher_addstr(&h, b->tc->libcell_hash);
	dna_hasher_final(&h, c->key);
	return 0;
}

/* ---- cache hits ---- */

/* Points refs/NAME at hash unless it already does. 0 or < 0. */
static int update_ref(const struct builder *b, const char *name,
		      const char *hash)
{
	char cur[DNA_HASH_SIZE];

	if (dna_ref_read(b->home, name, cur) == 0 && !strcmp(cur, hash))
		return 0;
	return dna_ref_write(b->home, name, hash);
}

/* 1 on a hit (c->hash set), 0 on a miss. */
static int cache_hit(const struct builder *b, struct build_cell *c)
{
	char path[CELL_PATH_MAX];

	if (dna_cache_get(b->home, c->key, c->hash))
		return 0;
	if (dna_object_path(b->home, c->hash, path, sizeof path) ||
	    access(path, F_OK) < 0)
		return 0;
	return 1;
}

static void fail(struct build_cell *c, const char *fmt, const char *arg,
		 int err)
{
	cell_buf_reset(&c->error);
	cell_buf_printf(&c->error, fmt, arg, cell_strerror(err));
	c->status = BUILD_FAILED;
}

/* ---- one build ---- */

static int prepare_c(const struct builder *b, struct build_cell *c)
{
	const struct toolchain *tc = b->tc;
	size_t i;
	int err;

	err = fs_join(c->out, sizeof c->out, c->tmpdir, c->m.name);
	if (!err)
		err = list_add(&c->argv, tc->cc);
	for (i = 0; base_cflags[i] && !err; i++)
		err = list_add(&c->argv, base_cflags[i]);
	if (!err)
		err = list_add_manifest(&c->argv, &c->m.cflags);
	if (!err)
		err = list_addf(&c->argv, "-ffile-prefix-map=%s=.", c->abs);
	if (!err)
		err = list_addf(&c->argv, "-ffile-prefix-map=%s=%s",
				tc->include_dir, INCLUDE_MAPPED);
	if (!err)
		err = list_add(&c->argv, "-I");
	if (!err)
		err = list_add(&c->argv, tc->include_dir);
	for (i = 0; i < c->sources.n && !err; i++)
		err = list_add(&c->argv, c->sources.v[i]);
	if (!err)
		err = list_add(&c->argv, "-o");
	if (!err)
		err = list_add(&c->argv, c->out);
	if (!err)
		err = list_add_manifest(&c->argv, &c->m.ldflags);
	if (!err)
		err = list_add(&c->argv, tc->libcell);
	if (!err)
		err = list_add_manifest(&c->argv, &c->m.libs);
	if (!err)
		err = list_add(&c->argv, "-lcjson");
	return err;
}

static int prepare_custom(const struct builder *b, struct build_cell *c)
{
	const struct toolchain *tc = b->tc;
	int err;

	err = fs_join(c->out, sizeof c->out, c->abs, c->m.artifact);
	if (!err)
		err = list_add(&c->argv, "/bin/sh");
	if (!err)
		err = list_add(&c->argv, "-c");
	if (!err)
		err = list_add(&c->argv, c->m.build);
	if (!err)
		err = list_addf(&c->env, "CELL_INCLUDE=%s", tc->include_dir);
	if (!err)
		err = list_addf(&c->env, "CELL_LIBCELL=%s", tc->libcell);
	if (!err)
		err = list_addf(&c->env, "CC=%s", tc->cc);
	return err;
}

/* With CELL_TRACE=1: the command line, to reproduce a build by hand. */
static void trace_argv(const struct build_cell *c)
{
	struct cell_buf line = CELL_BUF_INIT(1u << 16);
	size_t i;

	for (i = 0; i < c->argv.n; i++)
		cell_buf_printf(&line, "%s%s", i ? " " : "", c->argv.v[i]);
	trace("build %s: in %s: %s", c->m.name, c->abs, cell_buf_str(&line));
	cell_buf_release(&line);
}

/* Sets up c's job: temp dir, argv, environment. */
static int prepare(const struct builder *b, struct build_cell *c)
{
	const char *tmp = getenv("TMPDIR");
	int err;

	if (!tmp || !*tmp)
		tmp = "/tmp";
	if (snprintf(c->tmpdir, sizeof c->tmpdir, "%s/cell-build.XXXXXX",
		     tmp) >= (int)sizeof c->tmpdir)
		return -ENAMETOOLONG;
	if (!mkdtemp(c->tmpdir)) {
		c->tmpdir[0] = '\0';
		return -errno;
	}
	err = list_add(&c->env, "SOURCE_DATE_EPOCH=0");
	if (!err)
		err = c->m.build ? prepare_custom(b, c) : prepare_c(b, c);
	if (err)
		return err;
	trace_argv(c);
	c->job.argv = c->argv.v;
	c->job.env = c->env.v;
	c->job.cwd = c->abs;
	c->job.data = c;
	return 0;
}

/* Removes the private temp dir (flat: the compiler writes one file). */
static void cleanup(struct build_cell *c)
{
	char path[CELL_PATH_MAX];
	struct dirent *e;
	DIR *d;

	if (!c->tmpdir[0])
		return;
	d = opendir(c->tmpdir);
	if (d) {
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
			    !fs_join(path, sizeof path, c->tmpdir, e->d_name))
				unlink(path);
		closedir(d);
	}
	rmdir(c->tmpdir);
	c->tmpdir[0] = '\0';
}

/* Adds key: s, or key: null when s is NULL. 1 done, 0 out of memory. */
static int add_str(cJSON *o, const char *key, const char *s)
{
	return (s ? cJSON_AddStringToObject(o, key, s)
		  : cJSON_AddNullToObject(o, key)) != NULL;
}

/* "source": where the cell came from; unknown (null) outside git. */
static int add_source(struct builder *b, const struct build_cell *c,
		      cJSON *meta)
{
	struct workspace_source si;
	cJSON *s = cJSON_AddObjectToObject(meta, "source");
	int known;

	if (!s)
		return 0;
	known = workspace_source_info_git(&b->git, c->abs, &si, NULL) == 0;
	return add_str(s, "repo", known ? si.repo : NULL) &&
	       add_str(s, "path", known ? si.path : NULL) &&
	       add_str(s, "commit", known && si.commit[0] ? si.commit : NULL) &&
	       cJSON_AddBoolToObject(s, "dirty", known ? si.dirty : 1);
}

/* "signatures": [{"key", "sig"}] by the node key. */
static int add_signature(const struct builder *b, const char *sig,
			 cJSON *meta)
{
	char pub[DNA_KEY_TEXT_SIZE];
	cJSON *sigs = cJSON_AddArrayToObject(meta, "signatures");
	cJSON *one = cJSON_CreateObject();

	if (!sigs || !one || !cJSON_AddItemToArray(sigs, one)) {
		cJSON_Delete(one);
		return 0;
	}
	dna_key_format(b->key.pk, pub);
	return add_str(one, "key", pub) && add_str(one, "sig", sig);
}

/* meta/HASH.json as meta.c documents it. *out owned by the caller. */
static int make_meta(struct builder *b, struct build_cell *c, off_t size,
		     cJSON **out)
{
	char built[32], sig[DNA_SIG_TEXT_SIZE];
	cJSON *meta, *manifest;
	struct tm tm;
	time_t now = time(NULL);
	int err, ok;

	err = dna_sign(&b->key, c->m.name, c->hash, sig);
	if (err)
		return err;
	gmtime_r(&now, &tm);
	strftime(built, sizeof built, "%Y-%m-%dT%H:%M:%SZ", &tm);

	meta = cJSON_CreateObject();
	if (!meta)
		return -ENOMEM;
	ok = add_str(meta, "name", c->m.name) &&
	     add_str(meta, "version", c->m.version) &&
	     add_str(meta, "hash", c->hash) &&
	     cJSON_AddNumberToObject(meta, "size", (double)size) &&
	     add_source(b, c, meta) &&
	     add_str(meta, "toolchain", b->tc->identity) &&
	     add_str(meta, "built", built) &&
	     add_str(meta, "cache_key", c->key);
	if (ok) {
		manifest = cJSON_Duplicate(c->m.json, 1);
		ok = manifest && cJSON_AddItemToObject(meta, "manifest",
						       manifest);
		if (!ok)
			cJSON_Delete(manifest);
	}
	if (ok)
		ok = add_signature(b, sig, meta);
	if (!ok) {
		cJSON_Delete(meta);
		return -ENOMEM;
	}
	*out = meta;
	return 0;
}

/* Object, meta, cache entry, then ref: the ref comes last. */
static void store(struct builder *b, struct build_cell *c)
{
	struct stat st;
	cJSON *meta = NULL;
	int err = 0;

	if (stat(c->out, &st) < 0)
		err = -errno;
	else if (!S_ISREG(st.st_mode))
		err = -EISDIR;
	if (err) {
		fail(c, "build did not produce '%s': %s",
		     c->m.build ? c->m.artifact : c->m.name, err);
		return;
	}
	err = dna_object_put(b->home, c->out, c->hash);
	if (err) {
		fail(c, "cannot store '%s': %s", c->out, err);
		return;
	}
	if (!b->have_key) {
		err = dna_key_load_or_create(b->home, &b->key);
		if (err) {
			fail(c, "cannot load the node key in '%s': %s",
			     b->home->dir, err);
			return;
		}
		b->have_key = 1;
	}
	err = make_meta(b, c, st.st_size, &meta);
	if (!err)
		err = dna_meta_write(b->home, c->hash, meta);
	cJSON_Delete(meta);
	if (err) {
		fail(c, "cannot write the meta of '%s': %s", c->m.name, err);
		return;
	}
	err = dna_cache_put(b->home, c->key, c->hash);
	if (err) {
		fail(c, "cannot write the build cache of '%s': %s", c->m.name,
		     err);
		return;
	}
	err = update_ref(b, c->m.name, c->hash);
	if (err) {
		fail(c, "cannot write the ref of '%s': %s", c->m.name, err);
		return;
	}
	c->status = BUILD_BUILT;
}

/* The job ended: why it failed, or store what it made. */
static void job_done(void *ctx, struct job *j)
{
	struct builder *b = ctx;
	struct build_cell *c = j->data;
	const char *tool = c->m.build ? "build command" : "compiler";

	cell_buf_reset(&c->error);
	if (j->spawn_err)
		cell_buf_printf(&c->error, "cannot run the %s: %s", tool,
				cell_strerror(j->spawn_err));
	else if (WIFSIGNALED(j->status))
		cell_buf_printf(&c->error, "%s killed by signal %d", tool,
				WTERMSIG(j->status));
	else if (WEXITSTATUS(j->status))
		cell_buf_printf(&c->error, "%s exited with status %d", tool,
				WEXITSTATUS(j->status));
	if (c->error.len) {
		c->status = BUILD_FAILED;
		if (j->output.len)
			cell_buf_printf(&c->error, "\n%s%s",
					cell_buf_str(&j->output),
					j->truncated ? "[output truncated]\n"
						     : "");
	} else {
		store(b, c);
	}
	cleanup(c);
	c->seconds = j->seconds;
	if (b->report)
		b->report(b->report_ctx, c);
}

int builder_run(struct builder *b, struct build_cell **cells, size_t n)
{
	struct job **jobs;
	size_t i, njobs = 0;
	int failed = 0, err;

	jobs = calloc(n ? n : 1, sizeof *jobs);
	if (!jobs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct build_cell *c = cells[i];
		double t0 = jobs_now();

		err = builder_key(b, c);
		if (!err)
			trace("build %s: key %s", c->m.name, c->key);
		if (err) {
			c->status = BUILD_FAILED;
		} else if (cache_hit(b, c)) {
			err = update_ref(b, c->m.name, c->hash);
			c->status = BUILD_CACHED;
			if (err)
				fail(c, "cannot write the ref of '%s': %s",
				     c->m.name, err);
		} else {
			err = prepare(b, c);
			if (err) {
				fail(c, "cannot prepare the build of '%s': %s",
				     c->m.name, err);
				cleanup(c);
			} else {
				jobs[njobs++] = &c->job;
				continue;
			}
		}
		c->seconds = jobs_now() - t0;
		if (b->report)
			b->report(b->report_ctx, c);
	}
	err = jobs_run(jobs, njobs, b->jobs, job_done, b);
	free(jobs);
	workspace_git_close(b->git);
	b->git = NULL;
	if (err)
		return err;
	for (i = 0; i < n; i++)
		failed += cells[i]->status == BUILD_FAILED;
	return failed;
}
