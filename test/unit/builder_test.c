/* builder_test.c - loading cells, cache keys, and storing a build. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builder.h"
#include "fsutil.h"
#include "test.h"

static void put(const char *root, const char *rel, const char *text)
{
	char path[CELL_PATH_MAX], dir[CELL_PATH_MAX];

	fs_join(path, sizeof path, root, rel);
	snprintf(dir, sizeof dir, "%s", path);
	*strrchr(dir, '/') = '\0';
	CHECK_INT(fs_mkdir_p(dir, 0755), 0);
	CHECK_INT(fs_write_atomic(path, text, strlen(text), 0644), 0);
}

static void make_root(char *root, size_t size)
{
	snprintf(root, size, "/tmp/builder_test.XXXXXX");
	CHECK(mkdtemp(root) != NULL);
}

static void remove_root(const char *root)
{
	char cmd[CELL_PATH_MAX + 16];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	CHECK_INT(system(cmd), 0);
}

/* A toolchain that needs no files: keys only read these fields. */
static void fake_toolchain(struct toolchain *tc)
{
	memset(tc, 0, sizeof *tc);
	tc->cc = "cc";
	snprintf(tc->identity, sizeof tc->identity, "cc 1.0");
	dna_hash_bytes("libcell", 7, tc->libcell_hash);
}

static void test_default_sources_are_sorted_c_files(void)
{
	struct build_cell c;
	char root[CELL_PATH_MAX];

	make_root(root, sizeof root);
	put(root, "cell.json", "{\"name\": \"x\"}");
	put(root, "b.c", "");
	put(root, "a.c", "");
	put(root, "notes.txt", "");
	put(root, ".hidden.c", "");
	put(root, "sub/deep.c", "");
	put(root, "inc/util.h", "");
	put(root, "nested/cell.json", "{\"name\": \"y\"}");
	put(root, "nested/y.c", "");
	CHECK_INT(build_cell_load(&c, root), 0);
	CHECK_INT(c.sources.n, 2);
	if (c.sources.n == 2) {
		CHECK_STR(c.sources.v[0], "a.c");
		CHECK_STR(c.sources.v[1], "b.c");
	}
	/* The key covers every file but dot files, cell.json, other cells. */
	CHECK_INT(c.inputs.n, 5);
	if (c.inputs.n == 5) {
		CHECK_STR(c.inputs.v[0], "a.c");
		CHECK_STR(c.inputs.v[1], "b.c");
		CHECK_STR(c.inputs.v[2], "inc/util.h");
		CHECK_STR(c.inputs.v[3], "notes.txt");
		CHECK_STR(c.inputs.v[4], "sub/deep.c");
	}
	CHECK_STR(c.m.name, "x");
	build_cell_release(&c);
	remove_root(root);
}

static void test_custom_build_sources(void)
{
	struct build_cell c;
	char root[CELL_PATH_MAX];

	make_root(root, sizeof root);
	put(root, "cell.json", "{\"name\": \"x\", \"build\": \"true\", "
	    "\"artifact\": \"out/x\"}");
	put(root, "main.go", "");
	put(root, "pkg/util.go", "");
	put(root, "out/x", "old build");
	put(root, ".git/config", "");
	CHECK_INT(build_cell_load(&c, root), 0);
	CHECK_INT(c.sources.n, 0);
	CHECK_INT(c.inputs.n, 2);
	if (c.inputs.n == 2) {
		CHECK_STR(c.inputs.v[0], "main.go");
		CHECK_STR(c.inputs.v[1], "pkg/util.go");
	}
	build_cell_release(&c);

	/* Explicit sources of a custom build are its only inputs. */
	put(root, "cell.json", "{\"name\": \"x\", \"build\": \"true\", "
	    "\"artifact\": \"out/x\", \"sources\": [\"main.go\"]}");
	CHECK_INT(build_cell_load(&c, root), 0);
	CHECK_INT(c.inputs.n, 1);
	if (c.inputs.n == 1)
		CHECK_STR(c.inputs.v[0], "main.go");
	build_cell_release(&c);
	remove_root(root);
}

static void test_no_sources_is_an_error(void)
{
	struct build_cell c;
	char root[CELL_PATH_MAX], want[2 * CELL_PATH_MAX + 128];

	make_root(root, sizeof root);
	put(root, "cell.json", "{\"name\": \"x\"}");
	CHECK_INT(build_cell_load(&c, root), -ENOENT);
	snprintf(want, sizeof want, "%s/cell.json: no sources: no *.c file "
		 "in '%s' and no 'sources' field", root, root);
	CHECK_STR(cell_buf_str(&c.error), want);
	build_cell_release(&c);
	remove_root(root);
}

/* Same inputs, same key, wherever the cell is; any input change, new key. */
static void test_cache_key(void)
{
	struct builder b = { 0 };
	struct toolchain tc;
	struct build_cell c;
	char r1[CELL_PATH_MAX], r2[CELL_PATH_MAX];
	char k1[DNA_HASH_SIZE], k2[DNA_HASH_SIZE];

	fake_toolchain(&tc);
	b.tc = &tc;
	make_root(r1, sizeof r1);
	make_root(r2, sizeof r2);
	put(r1, "cell.json", "{\"name\": \"x\"}");
	put(r1, "main.c", "int main(void) { return 0; }\n");
	put(r2, "cell.json", "{\"name\": \"x\"}");
	put(r2, "main.c", "int main(void) { return 0; }\n");

	CHECK_INT(build_cell_load(&c, r1), 0);
	CHECK_INT(builder_key(&b, &c), 0);
	memcpy(k1, c.key, sizeof k1);
	CHECK(dna_hash_valid(k1));
	build_cell_release(&c);

	CHECK_INT(build_cell_load(&c, r2), 0);
	CHECK_INT(builder_key(&b, &c), 0);
	CHECK_STR(c.key, k1);
	build_cell_release(&c);

	put(r2, "main.c", "int main(void) { return 1; }\n");
	CHECK_INT(build_cell_load(&c, r2), 0);
	CHECK_INT(builder_key(&b, &c), 0);
	memcpy(k2, c.key, sizeof k2);
	CHECK(strcmp(k2, k1) != 0);

	/* A new compiler or libcell changes the key too. */
	snprintf(tc.identity, sizeof tc.identity, "cc 2.0");
	CHECK_INT(builder_key(&b, &c), 0);
	CHECK(strcmp(c.key, k2) != 0);
	fake_toolchain(&tc);
	dna_hash_bytes("libcell2", 8, tc.libcell_hash);
	CHECK_INT(builder_key(&b, &c), 0);
	CHECK(strcmp(c.key, k2) != 0);
	build_cell_release(&c);

	/* Renaming a source file changes the key, same bytes or not. */
	fake_toolchain(&tc);
	put(r2, "cell.json", "{\"name\": \"x\", \"sources\": [\"main.c\"]}");
	CHECK_INT(build_cell_load(&c, r2), 0);
	CHECK_INT(builder_key(&b, &c), 0);
	CHECK(strcmp(c.key, k2) != 0); /* the manifest changed */
	build_cell_release(&c);
	remove_root(r1);
	remove_root(r2);
}

struct reported {
	int n;
	enum build_status last;
};

static void on_report(void *ctx, struct build_cell *c)
{
	struct reported *r = ctx;

	r->n++;
	r->last = c->status;
}

/*
 * A custom build, end to end into a temporary store: built, then cached;
 * a failing command leaves no ref.
 */
static void test_run_custom_build(void)
{
	struct reported rep = { 0 };
	struct builder b = { 0 };
	struct toolchain tc;
	struct cell_home home;
	struct build_cell c, *cells[1] = { &c };
	char root[CELL_PATH_MAX], hdir[CELL_PATH_MAX], ref[DNA_HASH_SIZE];
	char want[DNA_HASH_SIZE];

	fake_toolchain(&tc);
	make_root(root, sizeof root);
	fs_join(hdir, sizeof hdir, root, "home");
	CHECK_INT(cell_home_init(&home, hdir), 0);
	CHECK_INT(cell_home_create(&home), 0);
	b.home = &home;
	b.tc = &tc;
	b.jobs = 2;
	b.report = on_report;
	b.report_ctx = &rep;
	put(root, "cell/cell.json", "{\"name\": \"x\", \"build\": "
	    "\"cp prog.sh x\", \"artifact\": \"x\"}");
	put(root, "cell/prog.sh", "#!/bin/sh\necho hi\n");
	dna_hash_bytes("#!/bin/sh\necho hi\n", 18, want);

	fs_join(hdir, sizeof hdir, root, "cell");
	CHECK_INT(build_cell_load(&c, hdir), 0);
	CHECK_INT(builder_run(&b, cells, 1), 0);
	CHECK_INT(rep.n, 1);
	CHECK_INT(c.status, BUILD_BUILT);
	CHECK_STR(c.hash, want);
	CHECK_INT(dna_ref_read(&home, "x", ref), 0);
	CHECK_STR(ref, want);
	build_cell_release(&c);

	CHECK_INT(build_cell_load(&c, hdir), 0);
	CHECK_INT(builder_run(&b, cells, 1), 0);
	CHECK_INT(c.status, BUILD_CACHED);
	CHECK_STR(c.hash, want);
	build_cell_release(&c);

	put(root, "cell/cell.json", "{\"name\": \"y\", \"build\": "
	    "\"echo no >&2; exit 2\", \"artifact\": \"y\"}");
	CHECK_INT(build_cell_load(&c, hdir), 0);
	CHECK_INT(builder_run(&b, cells, 1), 1);
	CHECK_INT(c.status, BUILD_FAILED);
	CHECK_STR(cell_buf_str(&c.error),
		  "build command exited with status 2\nno\n");
	CHECK_INT(dna_ref_read(&home, "y", ref), CELL_ENODNA);
	CHECK_INT(rep.n, 3);
	build_cell_release(&c);
	remove_root(root);
}

int main(void)
{
	RUN(test_default_sources_are_sorted_c_files);
	RUN(test_custom_build_sources);
	RUN(test_no_sources_is_an_error);
	RUN(test_cache_key);
	RUN(test_run_custom_build);
	return test_done();
}
