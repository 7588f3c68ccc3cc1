/* runinfo_test.c - reading run/NAME.json as the stem writes it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "runinfo.h"
#include "test.h"

static char dir[64];
static struct cell_home home;

static void new_home(void)
{
	char run[96];

	snprintf(dir, sizeof dir, "/tmp/runinfo-test.XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	CHECK_INT(cell_home_init(&home, dir), 0);
	snprintf(run, sizeof run, "%s/run", dir);
	CHECK_INT(mkdir(run, 0700), 0);
}

static void drop_home(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	CHECK_INT(system(cmd), 0);
}

static int read_json(const char *json, struct runinfo *info)
{
	char path[CELL_PATH_MAX];

	CHECK_INT(cell_home_path(&home, path, sizeof path, "run/x.json"), 0);
	CHECK_INT(fs_write_atomic(path, json, strlen(json), 0644), 0);
	return runinfo_read(&home, "x", info);
}

static void test_reads_fields(void)
{
	struct runinfo info;

	new_home();
	CHECK_INT(read_json("{\"state\":\"running\",\"pid\":4194304,"
			    "\"restarts\":4294967295,\"since\":1700000000,"
			    "\"hash\":\"ab\",\"starttime\":1e18}", &info), 0);
	CHECK_STR(info.name, "x");
	CHECK_STR(info.state, "running");
	CHECK_INT(info.pid, 4194304);
	CHECK(info.restarts == 4294967295u);
	CHECK_INT(info.since, 1700000000);
	CHECK(info.starttime == 1000000000000000000ull);
	CHECK_STR(info.hash, "ab");
	/* Missing numbers are 0, as for a cell that never ran. */
	CHECK_INT(read_json("{\"state\":\"stopped\"}", &info), 0);
	CHECK_INT(info.pid, 0);
	CHECK_INT(info.restarts, 0);
	drop_home();
}

/* Each number that does not fit its field is bad JSON, never a cast. */
static void test_out_of_range_numbers_are_refused(void)
{
	static const char *const bad[] = {
		"{\"pid\":1e20}",
		"{\"pid\":2147483648}",
		"{\"pid\":-1}",
		"{\"restarts\":4294967296}",
		"{\"since\":1e19}",
		"{\"starttime\":1e20}",
		"{\"starttime\":-5}",
	};
	struct runinfo info;
	size_t i;

	new_home();
	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		int err = read_json(bad[i], &info);

		if (err != CELL_EJSON)
			fprintf(stderr, "# %s: %d\n", bad[i], err);
		CHECK_INT(err, CELL_EJSON);
	}
	drop_home();
}

int main(void)
{
	RUN(test_reads_fields);
	RUN(test_out_of_range_numbers_are_refused);
	return test_done();
}
