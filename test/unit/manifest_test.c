/* manifest_test.c - cell.json parsing: fields, types, errors, durations. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "manifest.h"
#include "test.h"

static struct cell_buf why = CELL_BUF_INIT(4096);

/* Parses text; returns the code, leaving the message in why. */
static int parse(struct manifest *m, const char *text)
{
	return manifest_parse(m, text, strlen(text), "x/cell.json", &why);
}

static void test_minimal_has_defaults(void)
{
	struct manifest m;

	CHECK_INT(parse(&m, "{\"name\": \"echo\"}"), 0);
	CHECK_STR(m.name, "echo");
	CHECK(m.version == NULL);
	CHECK_INT(m.has_sources, 0);
	CHECK_INT(m.cflags.n, 0);
	CHECK(m.build == NULL && m.artifact == NULL);
	CHECK_INT(m.restart, MANIFEST_RESTART_ON_FAILURE);
	CHECK_INT(m.idle_exit_ms, 0);
	CHECK(m.sandbox == NULL && m.limits == NULL);
	manifest_release(&m);
}

static void test_every_field(void)
{
	struct manifest m;
	const char *text =
		"{\"name\": \"retina\", \"version\": \"1.2.3\",\n"
		" \"sources\": [\"main.c\", \"lib/util.c\"],\n"
		" \"cflags\": [\"-DX=1\"], \"ldflags\": [\"-static\"],\n"
		" \"libs\": [\"-lm\", \"-lz\"], \"restart\": \"always\",\n"
		" \"idle_exit\": \"30s\", \"sandbox\": {\"net\": \"host\"},\n"
		" \"limits\": {\"memory\": \"64M\"}}";

	CHECK_INT(parse(&m, text), 0);
	CHECK_STR(m.version, "1.2.3");
	CHECK_INT(m.has_sources, 1);
	CHECK_INT(m.sources.n, 2);
	CHECK_STR(m.sources.items[1], "lib/util.c");
	CHECK_STR(m.cflags.items[0], "-DX=1");
	CHECK_STR(m.ldflags.items[0], "-static");
	CHECK_INT(m.libs.n, 2);
	CHECK_STR(m.libs.items[1], "-lz");
	CHECK_INT(m.restart, MANIFEST_RESTART_ALWAYS);
	CHECK_INT(m.idle_exit_ms, 30000);
	CHECK(cJSON_IsObject(m.sandbox));
	CHECK(cJSON_IsObject(m.limits));
	manifest_release(&m);
}

static void test_sandbox_false_and_custom_build(void)
{
	struct manifest m;

	CHECK_INT(parse(&m, "{\"name\": \"py\", \"sandbox\": false, "
			    "\"build\": \"make\", \"artifact\": \"out/py\"}"),
		  0);
	CHECK(cJSON_IsFalse(m.sandbox));
	CHECK_STR(m.build, "make");
	CHECK_STR(m.artifact, "out/py");
	manifest_release(&m);
}

static void test_malformed_json_has_line_and_column(void)
{
	struct manifest m;

	CHECK_INT(parse(&m, "{\n  \"name\": \"x\",\n  \"version\" \"1\"\n}"),
		  CELL_EJSON);
	CHECK_STR(cell_buf_str(&why), "x/cell.json:3:13: malformed JSON");
	CHECK(m.json == NULL);
	CHECK_INT(parse(&m, "{\"name\": \"x\"} trailing"), CELL_EJSON);
	CHECK_STR(cell_buf_str(&why), "x/cell.json:1:15: malformed JSON");
	CHECK_INT(parse(&m, ""), CELL_EJSON);
	CHECK_STR(cell_buf_str(&why), "x/cell.json:1:1: malformed JSON");
}

static void test_wrong_types_name_the_field(void)
{
	struct manifest m;

	CHECK_INT(parse(&m, "{\"name\": \"x\", \"cflags\": \"-O2\"}"),
		  CELL_EJSON);
	CHECK_STR(cell_buf_str(&why),
		  "x/cell.json: field 'cflags' must be an array of strings");
	CHECK_INT(parse(&m, "{\"name\": \"x\", \"libs\": [\"-lm\", 3]}"),
		  CELL_EJSON);
	CHECK_STR(cell_buf_str(&why),
		  "x/cell.json: field 'libs' must be an array of strings");
	CHECK_INT(parse(&m, "{\"name\": 7}"), CELL_EJSON);
	CHECK_STR(cell_buf_str(&why), "x/cell.json: field 'name' must be a "
		  "string matching [a-z0-9][a-z0-9-]{0,62}");
	CHECK_INT(parse(&m, "{\"name\": \"x\", \"version\": 1}"), CELL_EJSON);
	CHECK_STR(cell_buf_str(&why),
		  "x/cell.json: field 'version' must be a string");
	CHECK_INT(parse(&m, "{\"name\": \"x\", \"restart\": \"sometimes\"}"),
		  CELL_EJSON);
	CHECK_STR(cell_buf_str(&why), "x/cell.json: field 'restart' must be "
		  "one of \"no\", \"on-failure\", \"always\"");
	CHECK_INT(parse(&m, "{\"name\": \"x\", \"sandbox\": true}"),
		  CELL_EJSON);
	CHECK_STR(cell_buf_str(&why),
		  "x/cell.json: field 'sandbox' must be an object or false");
	CHECK_INT(parse(&m, "{\"name\": \"x\", \"limits\": []}"), CELL_EJSON);
	/* Inside the sections: the stem's own validator, one line. */
	CHECK_INT(parse(&m, "{\"name\": \"x\", \"limits\": "
			    "{\"memory\": \"lots\"}}"), CELL_EJSON);
	CHECK_STR(cell_buf_str(&why), "x/cell.json: limits.memory: expected "
		  "bytes or a size like \"64M\"");
	CHECK_INT(parse(&m, "{\"name\": \"x\", \"sandbox\": "
			    "{\"read_only\": [\"etc\"]}}"), CELL_EJSON);
	CHECK_STR(cell_buf_str(&why), "x/cell.json: sandbox.read_only: 'etc' "
		  "is not a clean absolute path outside /proc, /dev, /tmp "
		  "and /usr");
	CHECK_INT(parse(&m, "{\"name\": \"x\", \"sandbox\": "
			    "{\"syscalls\": [\"nosuchcall\"]}}"), CELL_EJSON);
	CHECK_STR(cell_buf_str(&why), "x/cell.json: sandbox.syscalls: unknown "
		  "system call 'nosuchcall'");
	CHECK_INT(parse(&m, "{\"name\": \"x\", \"idle_exit\": 30}"),
		  CELL_EJSON);
	CHECK_INT(parse(&m, "{\"name\": \"x\", \"build\": \"\", "
			    "\"artifact\": \"a\"}"), CELL_EJSON);
}

static void test_invalid_names(void)
{
	struct manifest m;

	CHECK_INT(parse(&m, "{\"name\": \"Echo\"}"), CELL_EJSON);
	CHECK_INT(parse(&m, "{\"name\": \"-x\"}"), CELL_EJSON);
	CHECK_INT(parse(&m, "{\"name\": \"../x\"}"), CELL_EJSON);
	CHECK_INT(parse(&m, "{\"name\": \"\"}"), CELL_EJSON);
}

static void test_unknown_and_missing_fields(void)
{
	struct manifest m;

	CHECK_INT(parse(&m, "{\"name\": \"x\", \"cflag\": []}"), CELL_EJSON);
	CHECK_STR(cell_buf_str(&why), "x/cell.json: unknown field 'cflag'");
	CHECK_INT(parse(&m, "{\"version\": \"1\"}"), CELL_EJSON);
	CHECK_STR(cell_buf_str(&why), "x/cell.json: missing field 'name'");
	CHECK_INT(parse(&m, "[1, 2]"), CELL_EJSON);
	CHECK_STR(cell_buf_str(&why), "x/cell.json: must hold a JSON object");
	CHECK_INT(parse(&m, "{\"name\": \"x\", \"name\": \"y\"}"),
		  CELL_EJSON);
	CHECK_STR(cell_buf_str(&why), "x/cell.json: field 'name' given twice");
}

static void test_build_and_artifact_go_together(void)
{
	struct manifest m;

	CHECK_INT(parse(&m, "{\"name\": \"x\", \"build\": \"make\"}"),
		  CELL_EJSON);
	CHECK_STR(cell_buf_str(&why), "x/cell.json: fields 'build' and "
		  "'artifact' go together: give both or neither");
	CHECK_INT(parse(&m, "{\"name\": \"x\", \"artifact\": \"a\"}"),
		  CELL_EJSON);
}

static void test_source_paths_stay_inside(void)
{
	struct manifest m;

	CHECK_INT(parse(&m, "{\"name\": \"x\", \"sources\": [\"../y.c\"]}"),
		  CELL_EJSON);
	CHECK_STR(cell_buf_str(&why), "x/cell.json: field 'sources' must be "
		  "an array of relative paths inside the cell directory");
	CHECK_INT(parse(&m, "{\"name\": \"x\", \"sources\": [\"/a.c\"]}"),
		  CELL_EJSON);
	CHECK_INT(parse(&m, "{\"name\": \"x\", \"sources\": [\"a/../../b.c\"]}"),
		  CELL_EJSON);
	CHECK_INT(parse(&m, "{\"name\": \"x\", \"sources\": [\"-o.c\"]}"),
		  CELL_EJSON);
	CHECK_INT(parse(&m, "{\"name\": \"x\", \"sources\": [\"a..b.c\"]}"), 0);
	manifest_release(&m);
}

static void test_nul_byte_is_refused(void)
{
	struct manifest m;

	CHECK_INT(manifest_parse(&m, "{\"name\": \"x\"}\0{}", 16, "x/cell.json",
				 &why), CELL_EJSON);
	CHECK_STR(cell_buf_str(&why), "x/cell.json: contains a NUL byte");
}

static void test_durations(void)
{
	long long ms = -1;

	CHECK_INT(manifest_duration_ms("500ms", &ms), 0);
	CHECK_INT(ms, 500);
	CHECK_INT(manifest_duration_ms("30s", &ms), 0);
	CHECK_INT(ms, 30000);
	CHECK_INT(manifest_duration_ms("5m", &ms), 0);
	CHECK_INT(ms, 300000);
	CHECK_INT(manifest_duration_ms("2h", &ms), 0);
	CHECK_INT(ms, 7200000);
	CHECK_INT(manifest_duration_ms("0s", &ms), -EINVAL);
	CHECK_INT(manifest_duration_ms("30", &ms), -EINVAL);
	CHECK_INT(manifest_duration_ms("s", &ms), -EINVAL);
	CHECK_INT(manifest_duration_ms("-5s", &ms), -EINVAL);
	CHECK_INT(manifest_duration_ms("5 s", &ms), -EINVAL);
	CHECK_INT(manifest_duration_ms("99999999999999999999s", &ms), -EINVAL);
	CHECK_STR(manifest_restart_name(MANIFEST_RESTART_NO), "no");
	CHECK_STR(manifest_restart_name(MANIFEST_RESTART_ALWAYS), "always");
}

/* manifest_load reads the file and checks that sources exist. */
static void test_load_checks_sources(void)
{
	char dir[] = "/tmp/manifest_test.XXXXXX", path[CELL_PATH_MAX];
	struct cell_buf raw = CELL_BUF_INIT(MANIFEST_MAX);
	struct manifest m;
	const char *json = "{\"name\": \"x\", \"sources\": [\"a.c\"]}";

	CHECK(mkdtemp(dir) != NULL);
	CHECK_INT(manifest_load(&m, dir, "x/cell.json", &raw, &why), -ENOENT);
	CHECK_STR(cell_buf_str(&why), "cannot read 'x/cell.json': "
		  "No such file or directory");
	fs_join(path, sizeof path, dir, "cell.json");
	CHECK_INT(fs_write_atomic(path, json, strlen(json), 0644), 0);
	CHECK_INT(manifest_load(&m, dir, "x/cell.json", &raw, &why), -ENOENT);
	CHECK_STR(cell_buf_str(&why), "x/cell.json: source 'a.c': "
		  "No such file or directory");
	fs_join(path, sizeof path, dir, "a.c");
	CHECK_INT(fs_write_atomic(path, "int x;\n", 7, 0644), 0);
	CHECK_INT(manifest_load(&m, dir, "x/cell.json", &raw, &why), 0);
	CHECK_INT(raw.len, strlen(json));
	CHECK_STR(m.sources.items[0], "a.c");
	manifest_release(&m);
	unlink(path);
	fs_join(path, sizeof path, dir, "cell.json");
	unlink(path);
	rmdir(dir);
	cell_buf_release(&raw);
}

int main(void)
{
	RUN(test_minimal_has_defaults);
	RUN(test_every_field);
	RUN(test_sandbox_false_and_custom_build);
	RUN(test_malformed_json_has_line_and_column);
	RUN(test_wrong_types_name_the_field);
	RUN(test_invalid_names);
	RUN(test_unknown_and_missing_fields);
	RUN(test_build_and_artifact_go_together);
	RUN(test_source_paths_stay_inside);
	RUN(test_nul_byte_is_refused);
	RUN(test_durations);
	RUN(test_load_checks_sources);
	cell_buf_release(&why);
	return test_done();
}
