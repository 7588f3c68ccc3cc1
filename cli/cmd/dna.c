/*
 * dna.c - `cell dna`: look into the DNA store, check it, collect garbage.
 *
 *   ls      one line per ref (or --json)
 *   show    one meta, readable (or --json: the meta itself)
 *   verify  rehash objects, check signatures and refs; exit 1 on problems
 *   gc      remove what no ref or cache entry reaches
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "dna.h"
#include "options.h"
#include "usage.h"

static const char usage[] =
	"cell dna ls [--json]\n"
	"   or: cell dna show [--json] NAME|HASH\n"
	"   or: cell dna verify [--json]\n"
	"   or: cell dna gc [--dry-run]";

static const char usage_ls[] = "cell dna ls [--json]";
static const char usage_show[] = "cell dna show [--json] NAME|HASH";
static const char usage_verify[] = "cell dna verify [--json]";
static const char usage_gc[] = "cell dna gc [--dry-run]";

/* 16.2K: bytes as ls -h shows them. */
static void human(uint64_t n, char out[16])
{
	static const char units[] = "KMGTPE";
	double v = (double)n;
	int i = -1;

	if (n < 1024) {
		snprintf(out, 16, "%" PRIu64 "B", n);
		return;
	}
	while (v >= 1024 && i < 5) {
		v /= 1024;
		i++;
	}
	snprintf(out, 16, "%.1f%c", v, units[i]);
}

static const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* Prints a cJSON tree, pretty, with a final newline; frees nothing. */
static void print_json(const cJSON *json)
{
	char *text = cJSON_Print(json);

	if (!text)
		die("out of memory");
	puts(text);
	free(text);
}

static const char *json_string(const cJSON *obj, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(item) ? item->valuestring : NULL;
}

/* What ls shows of a meta; every field NULL/-1 when not known. */
struct info {
	const char *version;
	const char *built;
	const char *commit;
	int dirty;
	int has_size;
	uint64_t size;
};

static void info_of(const cJSON *meta, struct info *in)
{
	const cJSON *src, *dirty;

	memset(in, 0, sizeof *in);
	in->dirty = -1;
	if (!meta)
		return;
	in->version = json_string(meta, "version");
	in->built = json_string(meta, "built");
	in->has_size = !dna_json_u64(
		cJSON_GetObjectItemCaseSensitive(meta, "size"), &in->size);
	src = cJSON_GetObjectItemCaseSensitive(meta, "source");
	in->commit = json_string(src, "commit");
	dirty = cJSON_GetObjectItemCaseSensitive(src, "dirty");
	if (cJSON_IsBool(dirty))
		in->dirty = cJSON_IsTrue(dirty);
}

struct ls {
	const struct cell_home *home;
	cJSON *array; /* --json */
	int header;
	int failed;
};

static void ls_json_row(struct ls *ls, const char *name, const char *hash,
			const struct info *in)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || !cJSON_AddItemToArray(ls->array, o))
		die("out of memory");
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "hash", hash);
	if (in->version)
		cJSON_AddStringToObject(o, "version", in->version);
	else
		cJSON_AddNullToObject(o, "version");
	if (in->has_size)
		cJSON_AddNumberToObject(o, "size", (double)in->size);
	else
		cJSON_AddNullToObject(o, "size");
	if (in->built)
		cJSON_AddStringToObject(o, "built", in->built);
	else
		cJSON_AddNullToObject(o, "built");
	if (in->commit)
		cJSON_AddStringToObject(o, "commit", in->commit);
	else
		cJSON_AddNullToObject(o, "commit");
	if (in->dirty >= 0)
		cJSON_AddBoolToObject(o, "dirty", in->dirty);
	else
		cJSON_AddNullToObject(o, "dirty");
}

static int ls_one(void *ctx, const char *name, const char *hash)
{
	struct ls *ls = ctx;
	char size[16], commit[64];
	cJSON *meta = NULL;
	struct info in;
	int err;

	if (!hash) {
		ls->failed = error("ref '%s' is corrupt: it does not hold a hash",
				   name);
		return 0;
	}
	err = dna_meta_read(ls->home, hash, &meta);
	if (err && err != CELL_ENODNA)
		ls->failed = error("cannot read the meta of '%s' (%s): %s",
				   name, hash, cell_strerror(err));
	info_of(meta, &in);
	if (ls->array) {
		ls_json_row(ls, name, hash, &in);
	} else {
		if (in.has_size)
			human(in.size, size);
		else
			snprintf(size, sizeof size, "-");
		snprintf(commit, sizeof commit, "%.7s%s",
			 in.commit ? in.commit : "-",
			 in.dirty == 1 ? "+dirty" : "");
		printf("%-16s %.12s %7s %-20s %s\n", name, hash, size,
		       in.built ? in.built : "-", commit);
	}
	cJSON_Delete(meta);
	return 0;
}

static int dna_ls(int argc, char **argv, const struct cell_home *home)
{
	int json = 0;
	const struct option opts[] = {
		OPT_FLAG(0, "json", &json, "print a JSON array"),
		OPT_END(),
	};
	struct ls ls = { home, NULL, 0, 0 };
	int err;

	if (parse_options(argc, argv, opts, usage_ls))
		die_usage("see 'cell dna ls --help'", "ls takes no arguments");
	if (json) {
		ls.array = cJSON_CreateArray();
		if (!ls.array)
			die("out of memory");
	} else if (isatty(STDOUT_FILENO)) {
		printf("%-16s %-12s %7s %-20s %s\n", "NAME", "HASH", "SIZE",
		       "BUILT", "COMMIT");
	}
	err = dna_refs_scan(home, DNA_REFS_CORRUPT, ls_one, &ls);
	if (err)
		die("cannot list refs in '%s/dna/refs': %s", home->dir,
		    cell_strerror(err));
	if (ls.array) {
		print_json(ls.array);
		cJSON_Delete(ls.array);
	}
	return ls.failed ? EXIT_FAIL : EXIT_OK;
}

/* NAME|HASH -> hash; dies with a clear message when it cannot. */
static void resolve(const struct cell_home *home, const char *what,
		    char hash[DNA_HASH_SIZE])
{
	int err;

	if (dna_hash_valid(what)) {
		memcpy(hash, what, DNA_HASH_SIZE);
		return;
	}
	if (!cell_name_valid(what))
		die("'%s' is neither a cell name nor a hash (64 lowercase hex)",
		    what);
	err = dna_ref_read(home, what, hash);
	if (err == CELL_ENODNA)
		die("no DNA stored for '%s'", what);
	if (err)
		die("cannot read ref '%s': %s", what, cell_strerror(err));
}

static void show_signatures(const struct cell_home *home, const cJSON *meta,
			    const char *name, const char *hash)
{
	const cJSON *sigs = cJSON_GetObjectItemCaseSensitive(meta, "signatures");
	const cJSON *e;
	unsigned char pk[32];
	int err;

	cJSON_ArrayForEach(e, sigs) {
		const char *k = json_string(e, "key");
		const char *s = json_string(e, "sig");
		const char *state = "malformed";

		if (k && s && !dna_key_parse(k, pk))
			state = dna_sig_check(pk, name, hash, s) ? "invalid"
								 : "valid";
		printf("%-11s%s (%s)\n", "signature", k ? k : "?", state);
	}
	err = dna_meta_verify(home, meta, name, hash);
	if (err)
		printf("%-11sno: %s\n", "verified", cell_strerror(err));
	else
		printf("%-11syes\n", "verified");
}

static void show_text(const struct cell_home *home, const cJSON *meta,
		      const char *hash)
{
	const char *name = json_string(meta, "name");
	const cJSON *src = cJSON_GetObjectItemCaseSensitive(meta, "source");
	const cJSON *manifest;
	char path[CELL_PATH_MAX], size[16];
	struct info in;
	char *m;

	info_of(meta, &in);
	printf("%-11s%s\n", "name", name ? name : "-");
	printf("%-11s%s\n", "version", in.version ? in.version : "-");
	printf("%-11s%s\n", "hash", hash);
	if (in.has_size) {
		human(in.size, size);
		printf("%-11s%" PRIu64 " (%s)\n", "size", in.size, size);
	} else {
		printf("%-11s-\n", "size");
	}
	printf("%-11s%s\n", "object",
	       !dna_object_path(home, hash, path, sizeof path) &&
			       access(path, F_OK) == 0
		       ? path
		       : "missing");
	printf("%-11s%s%s%s\n", "source",
	       json_string(src, "repo") ? json_string(src, "repo") : "-",
	       json_string(src, "path") ? "/" : "",
	       json_string(src, "path") ? json_string(src, "path") : "");
	printf("%-11s%s%s\n", "commit", in.commit ? in.commit : "-",
	       in.dirty == 1 ? "+dirty" : "");
	printf("%-11s%s\n", "toolchain",
	       json_string(meta, "toolchain") ? json_string(meta, "toolchain")
					      : "-");
	printf("%-11s%s\n", "built", in.built ? in.built : "-");
	printf("%-11s%s\n", "cache key",
	       json_string(meta, "cache_key") ? json_string(meta, "cache_key")
					      : "-");
	manifest = cJSON_GetObjectItemCaseSensitive(meta, "manifest");
	m = manifest ? cJSON_PrintUnformatted(manifest) : NULL;
	printf("%-11s%s\n", "manifest", m ? m : "-");
	free(m);
	if (cell_name_valid(name))
		show_signatures(home, meta, name, hash);
	else
		printf("%-11sno: %s\n", "verified", "meta has no valid name");
}

static int dna_show(int argc, char **argv, const struct cell_home *home)
{
	int json = 0;
	const struct option opts[] = {
		OPT_FLAG(0, "json", &json, "print the meta as stored (JSON)"),
		OPT_END(),
	};
	char hash[DNA_HASH_SIZE];
	cJSON *meta;
	int n, err;

	n = parse_options(argc, argv, opts, usage_show);
	if (n != 1)
		die_usage("see 'cell dna show --help'",
			  "show needs one NAME or HASH");
	resolve(home, argv[0], hash);
	err = dna_meta_read(home, hash, &meta);
	if (err == CELL_ENODNA)
		die("no meta stored for %s", hash);
	if (err)
		die("cannot read the meta of %s: %s", hash, cell_strerror(err));
	if (json)
		print_json(meta);
	else
		show_text(home, meta, hash);
	cJSON_Delete(meta);
	return EXIT_OK;
}

struct verify {
	const struct cell_home *home;
	cJSON *problems; /* [{"kind","subject","error"}] */
	unsigned long objects, metas, refs, cache;
};

static void problem(struct verify *v, const char *kind, const char *subject,
		    const char *message)
{
	cJSON *p = cJSON_CreateObject();

	if (!p || !cJSON_AddItemToArray(v->problems, p) ||
	    !cJSON_AddStringToObject(p, "kind", kind) ||
	    !cJSON_AddStringToObject(p, "subject", subject) ||
	    !cJSON_AddStringToObject(p, "error", message))
		die("out of memory");
	error("%s", message);
}

static int verify_object(void *ctx, const char *hash)
{
	struct verify *v = ctx;
	char msg[256];
	int err;

	v->objects++;
	err = dna_object_verify(v->home, hash);
	if (err == CELL_ECORRUPT)
		snprintf(msg, sizeof msg, "object %s is corrupt: %s", hash,
			 cell_strerror(err));
	else if (err)
		snprintf(msg, sizeof msg, "cannot read object %s: %s", hash,
			 cell_strerror(err));
	if (err)
		problem(v, "object", hash, msg);
	return 0;
}

static int verify_meta(void *ctx, const char *hash)
{
	struct verify *v = ctx;
	const char *name;
	cJSON *meta;
	char msg[256];
	int err;

	v->metas++;
	err = dna_meta_read(v->home, hash, &meta);
	if (err == CELL_ENODNA)
		return 0; /* removed while we looked */
	if (err) {
		snprintf(msg, sizeof msg, "meta of %s is unreadable: %s", hash,
			 cell_strerror(err));
		problem(v, "meta", hash, msg);
		return 0;
	}
	name = json_string(meta, "name");
	if (!cell_name_valid(name))
		err = CELL_ENAME;
	else
		err = dna_meta_verify(v->home, meta, name, hash);
	if (err == CELL_ESIG)
		snprintf(msg, sizeof msg, "meta of %s has a bad signature: %s",
			 hash, cell_strerror(err));
	else if (err)
		snprintf(msg, sizeof msg, "meta of %s does not verify: %s",
			 hash, cell_strerror(err));
	if (err)
		problem(v, "meta", hash, msg);
	cJSON_Delete(meta);
	return 0;
}

static int verify_ref(void *ctx, const char *name, const char *hash)
{
	struct verify *v = ctx;
	char msg[256], path[CELL_PATH_MAX];

	v->refs++;
	if (!hash) {
		snprintf(msg, sizeof msg,
			 "ref '%s' is corrupt: it does not hold a hash", name);
		problem(v, "ref", name, msg);
		return 0;
	}
	if (dna_object_path(v->home, hash, path, sizeof path) ||
	    access(path, F_OK) < 0) {
		snprintf(msg, sizeof msg,
			 "ref '%s' points at missing object %s", name, hash);
		problem(v, "ref", name, msg);
	}
	return 0;
}

static int verify_cache(void *ctx, const char *key, const char *hash)
{
	struct verify *v = ctx;
	char msg[256], path[CELL_PATH_MAX];

	v->cache++;
	if (!hash) {
		snprintf(msg, sizeof msg,
			 "cache entry %s is corrupt: it does not hold a hash",
			 key);
		problem(v, "cache", key, msg);
	} else if (dna_object_path(v->home, hash, path, sizeof path) ||
		   access(path, F_OK) < 0) {
		snprintf(msg, sizeof msg,
			 "cache entry %s points at missing object %s", key,
			 hash);
		problem(v, "cache", key, msg);
	}
	return 0;
}

static int dna_verify(int argc, char **argv, const struct cell_home *home)
{
	int json = 0;
	const struct option opts[] = {
		OPT_FLAG(0, "json", &json, "print the result as JSON"),
		OPT_END(),
	};
	struct verify v = { home, cJSON_CreateArray(), 0, 0, 0, 0 };
	int n, err;

	if (parse_options(argc, argv, opts, usage_verify))
		die_usage("see 'cell dna verify --help'",
			  "verify takes no arguments");
	if (!v.problems)
		die("out of memory");
	err = dna_objects_each(home, verify_object, &v);
	if (!err)
		err = dna_metas_each(home, verify_meta, &v);
	if (!err)
		err = dna_refs_scan(home, DNA_REFS_CORRUPT, verify_ref, &v);
	if (!err)
		err = dna_cache_each(home, verify_cache, &v);
	if (err)
		die("cannot read the store in '%s/dna': %s", home->dir,
		    cell_strerror(err));
	n = cJSON_GetArraySize(v.problems);
	if (json) {
		cJSON *out = cJSON_CreateObject();

		if (!out)
			die("out of memory");
		cJSON_AddBoolToObject(out, "ok", n == 0);
		cJSON_AddNumberToObject(out, "objects", (double)v.objects);
		cJSON_AddNumberToObject(out, "metas", (double)v.metas);
		cJSON_AddNumberToObject(out, "refs", (double)v.refs);
		cJSON_AddNumberToObject(out, "cache", (double)v.cache);
		cJSON_AddItemToObject(out, "problems", v.problems);
		print_json(out);
		cJSON_Delete(out);
	} else {
		printf("checked %lu %s, %lu %s, %lu %s, %lu cache %s: ",
		       v.objects, plural(v.objects, "object", "objects"),
		       v.metas, plural(v.metas, "meta", "metas"), v.refs,
		       plural(v.refs, "ref", "refs"), v.cache,
		       plural(v.cache, "entry", "entries"));
		if (n)
			printf("%d %s\n", n, plural((uint64_t)n, "problem",
						    "problems"));
		else
			printf("no problems\n");
		cJSON_Delete(v.problems);
	}
	return n ? EXIT_FAIL : EXIT_OK;
}

static int dna_gc_cmd(int argc, char **argv, const struct cell_home *home)
{
	int dry_run = 0;
	const struct option opts[] = {
		OPT_FLAG(0, "dry-run", &dry_run,
			 "only show what would be removed"),
		OPT_END(),
	};
	struct dna_gc_result r;
	char freed[16];
	int err;

	if (parse_options(argc, argv, opts, usage_gc))
		die_usage("see 'cell dna gc --help'", "gc takes no arguments");
	err = dna_gc_flags(home, dry_run ? DNA_GC_DRY_RUN : 0, &r);
	if (err == CELL_ECORRUPT)
		die("refusing to collect garbage: a ref is corrupt, so what it "
		    "keeps alive is unknown (see 'cell dna verify')");
	if (err)
		die("cannot collect garbage in '%s/dna': %s", home->dir,
		    cell_strerror(err));
	human(r.bytes, freed);
	printf("%s %zu %s, %s %s\n", dry_run ? "would remove" : "removed",
	       r.objects, plural(r.objects, "object", "objects"),
	       dry_run ? "freeing" : "freed", freed);
	return EXIT_OK;
}

int cmd_dna(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **, const struct cell_home *);
	} subs[] = {
		{ "ls", dna_ls },
		{ "show", dna_show },
		{ "verify", dna_verify },
		{ "gc", dna_gc_cmd },
	};
	struct cell_home home;
	size_t i;

	if (argc < 2)
		die_usage("see 'cell dna --help'", "'cell dna' needs a subcommand");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		print_usage(usage, NULL);
		return EXIT_OK;
	}
	for (i = 0; i < sizeof subs / sizeof *subs; i++) {
		if (strcmp(argv[1], subs[i].name))
			continue;
		cli_home(&home);
		return subs[i].fn(argc - 1, argv + 1, &home);
	}
	if (argv[1][0] == '-')
		die_usage("see 'cell dna --help'", "unknown option '%s'",
			  argv[1]);
	die_usage("see 'cell dna --help'", "'%s' is not a 'cell dna' command",
		  argv[1]);
}
