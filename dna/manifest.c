/*
 * manifest.c - strict parsing of cell.json with cJSON.
 *
 * The table below is the single list of fields: a field not in it is
 * refused by name, and each entry's checker names the expected type.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "manifest.h"
#include "sandbox_spec.h"

struct field {
	const char *name;
	/* 0, CELL_EJSON (wrong type or value), -ENOMEM */
	int (*check)(struct manifest *m, const cJSON *v);
	const char *expect; /* for "field 'x' must be EXPECT" */
};

static int get_name(struct manifest *m, const cJSON *v)
{
	if (!cJSON_IsString(v) || !cell_name_valid(v->valuestring))
		return CELL_EJSON;
	m->name = v->valuestring;
	return 0;
}

static int get_string(const cJSON *v, const char **out)
{
	if (!cJSON_IsString(v))
		return CELL_EJSON;
	*out = v->valuestring;
	return 0;
}

static int get_version(struct manifest *m, const cJSON *v)
{
	return get_string(v, &m->version);
}

static int get_build(struct manifest *m, const cJSON *v)
{
	if (get_string(v, &m->build) || !*m->build)
		return CELL_EJSON;
	return 0;
}

static int get_artifact(struct manifest *m, const cJSON *v)
{
	if (get_string(v, &m->artifact) || !*m->artifact)
		return CELL_EJSON;
	return 0;
}

static int get_list(const cJSON *v, struct manifest_list *out)
{
	const cJSON *item;
	size_t n = 0;
	int size;

	if (!cJSON_IsArray(v))
		return CELL_EJSON;
	cJSON_ArrayForEach(item, v)
		if (!cJSON_IsString(item))
			return CELL_EJSON;
	size = cJSON_GetArraySize(v);
	out->items = calloc((size_t)size + 1, sizeof *out->items);
	if (!out->items)
		return -ENOMEM;
	cJSON_ArrayForEach(item, v)
		out->items[n++] = item->valuestring;
	out->n = n;
	return 0;
}

static int get_cflags(struct manifest *m, const cJSON *v)
{
	return get_list(v, &m->cflags);
}

static int get_ldflags(struct manifest *m, const cJSON *v)
{
	return get_list(v, &m->ldflags);
}

static int get_libs(struct manifest *m, const cJSON *v)
{
	return get_list(v, &m->libs);
}

/*
 * A source is a path relative to the cell's directory that stays inside
 * it, and does not start with '-' (it would read as a compiler option).
 */
static int source_path_ok(const char *p)
{
	const char *c = p;

	if (!*p || p[0] == '/' || p[0] == '-')
		return 0;
	while (*c) {
		size_t n = strcspn(c, "/");

		if (n == 2 && c[0] == '.' && c[1] == '.')
			return 0;
		c += n;
		if (*c == '/')
			c++;
	}
	return 1;
}

static int get_sources(struct manifest *m, const cJSON *v)
{
	size_t i;
	int err = get_list(v, &m->sources);

	if (err)
		return err;
	m->has_sources = 1;
	for (i = 0; i < m->sources.n; i++)
		if (!source_path_ok(m->sources.items[i]))
			return CELL_EJSON;
	return 0;
}

static int get_restart(struct manifest *m, const cJSON *v)
{
	if (!cJSON_IsString(v))
		return CELL_EJSON;
	if (!strcmp(v->valuestring, "no"))
		m->restart = MANIFEST_RESTART_NO;
	else if (!strcmp(v->valuestring, "on-failure"))
		m->restart = MANIFEST_RESTART_ON_FAILURE;
	else if (!strcmp(v->valuestring, "always"))
		m->restart = MANIFEST_RESTART_ALWAYS;
	else
		return CELL_EJSON;
	return 0;
}

static int get_idle_exit(struct manifest *m, const cJSON *v)
{
	if (!cJSON_IsString(v) ||
	    manifest_duration_ms(v->valuestring, &m->idle_exit_ms))
		return CELL_EJSON;
	return 0;
}

static int get_sandbox(struct manifest *m, const cJSON *v)
{
	if (!cJSON_IsObject(v) && !cJSON_IsFalse(v))
		return CELL_EJSON;
	m->sandbox = v;
	return 0;
}

static int get_limits(struct manifest *m, const cJSON *v)
{
	if (!cJSON_IsObject(v))
		return CELL_EJSON;
	m->limits = v;
	return 0;
}

/*
 * The contents of "sandbox" and "limits" go through the stem's own
 * validator, so `cell build` refuses exactly what the stem would.
 */
static int check_sandbox(struct manifest *m, const char *shown,
			 struct cell_buf *why)
{
	struct sandbox_spec spec;
	char err[256];
	int rc;

	if (!m->sandbox && !m->limits)
		return 0;
	rc = sandbox_spec_parse(m->json, &spec, err, sizeof err);
	sandbox_spec_clear(&spec);
	if (rc) {
		if (rc == CELL_EJSON)
			cell_buf_printf(why, "%s: %s", shown, err);
		manifest_release(m);
	}
	return rc;
}

static const struct field fields[] = {
	{ "name", get_name, "a string matching " CELL_NAME_RULE },
	{ "version", get_version, "a string" },
	{ "sources", get_sources,
	  "an array of relative paths inside the cell directory" },
	{ "cflags", get_cflags, "an array of strings" },
	{ "ldflags", get_ldflags, "an array of strings" },
	{ "libs", get_libs, "an array of strings" },
	{ "build", get_build, "a non-empty string" },
	{ "artifact", get_artifact, "a non-empty string" },
	{ "restart", get_restart, "one of \"no\", \"on-failure\", \"always\"" },
	{ "idle_exit", get_idle_exit,
	  "a duration such as \"500ms\", \"30s\" or \"5m\"" },
	{ "sandbox", get_sandbox, "an object or false" },
	{ "limits", get_limits, "an object" },
};

static const struct field *find_field(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (!strcmp(fields[i].name, name))
			return &fields[i];
	return NULL;
}

/* Line and column (from 1) of pos in text, for JSON errors. */
static void position(const char *text, const char *pos, int *line, int *col)
{
	const char *p;

	*line = 1;
	*col = 1;
	for (p = text; p < pos && *p; p++) {
		if (*p == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

void manifest_release(struct manifest *m)
{
	free(m->sources.items);
	free(m->cflags.items);
	free(m->ldflags.items);
	free(m->libs.items);
	cJSON_Delete(m->json);
	memset(m, 0, sizeof *m);
}

int manifest_parse(struct manifest *m, const char *text, size_t len,
		   const char *shown, struct cell_buf *why)
{
	const char *end = NULL;
	const cJSON *v;
	int line, col, err;

	memset(m, 0, sizeof *m);
	m->restart = MANIFEST_RESTART_ON_FAILURE;
	cell_buf_reset(why);
	if (strlen(text) != len) {
		cell_buf_printf(why, "%s: contains a NUL byte", shown);
		return CELL_EJSON;
	}
	m->json = cJSON_ParseWithOpts(text, &end, 1);
	if (!m->json) {
		position(text, end ? end : text + len, &line, &col);
		cell_buf_printf(why, "%s:%d:%d: malformed JSON", shown, line,
				col);
		return CELL_EJSON;
	}
	if (!cJSON_IsObject(m->json)) {
		cell_buf_printf(why, "%s: must hold a JSON object", shown);
		manifest_release(m);
		return CELL_EJSON;
	}
	cJSON_ArrayForEach(v, m->json) {
		const struct field *f = find_field(v->string);

		if (!f) {
			cell_buf_printf(why, "%s: unknown field '%s'", shown,
					v->string);
			manifest_release(m);
			return CELL_EJSON;
		}
		/* A repeated key would leave two meanings for one field. */
		if (cJSON_GetObjectItemCaseSensitive(m->json, v->string) != v) {
			cell_buf_printf(why, "%s: field '%s' given twice",
					shown, v->string);
			manifest_release(m);
			return CELL_EJSON;
		}
		err = f->check(m, v);
		if (err) {
			if (err == CELL_EJSON)
				cell_buf_printf(why, "%s: field '%s' must be %s",
						shown, f->name, f->expect);
			manifest_release(m);
			return err;
		}
	}
	if (!m->name) {
		cell_buf_printf(why, "%s: missing field 'name'", shown);
		manifest_release(m);
		return CELL_EJSON;
	}
	if (!m->build != !m->artifact) {
		cell_buf_printf(why, "%s: fields 'build' and 'artifact' go "
				"together: give both or neither", shown);
		manifest_release(m);
		return CELL_EJSON;
	}
	return check_sandbox(m, shown, why);
}

int manifest_load(struct manifest *m, const char *dir, const char *shown,
		  struct cell_buf *raw, struct cell_buf *why)
{
	char path[CELL_PATH_MAX];
	struct stat st;
	size_t i;
	int err;

	memset(m, 0, sizeof *m);
	cell_buf_reset(why);
	err = fs_join(path, sizeof path, dir, MANIFEST_FILE);
	if (!err)
		err = fs_read_file(path, raw);
	if (err) {
		cell_buf_printf(why, "cannot read '%s': %s", shown,
				cell_strerror(err));
		return err;
	}
	err = manifest_parse(m, cell_buf_str(raw), raw->len, shown, why);
	if (err)
		return err;
	for (i = 0; i < m->sources.n; i++) {
		const char *src = m->sources.items[i];

		err = fs_join(path, sizeof path, dir, src);
		if (!err && stat(path, &st) < 0)
			err = -errno;
		if (!err && !S_ISREG(st.st_mode))
			err = -EISDIR;
		if (err) {
			cell_buf_printf(why, "%s: source '%s': %s", shown, src,
					cell_strerror(err));
			manifest_release(m);
			return err;
		}
	}
	return 0;
}

int manifest_duration_ms(const char *text, long long *ms)
{
	static const struct {
		const char *suffix;
		long long scale;
	} units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
	};
	long long v = 0;
	const char *p = text;
	size_t i;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (LLONG_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (*p - '0');
	}
	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(p, units[i].suffix))
			continue;
		if (v <= 0 || v > LLONG_MAX / units[i].scale)
			return -EINVAL;
		*ms = v * units[i].scale;
		return 0;
	}
	return -EINVAL;
}

const char *manifest_restart_name(enum manifest_restart r)
{
	switch (r) {
	case MANIFEST_RESTART_NO:
		return "no";
	case MANIFEST_RESTART_ALWAYS:
		return "always";
	case MANIFEST_RESTART_ON_FAILURE:
		break;
	}
	return "on-failure";
}
