/* toolchain_test.c - finding cell's own files and the compiler. */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "toolchain.h"
#include "test.h"

/* The prefix is the directory above the one holding the executable. */
static void test_prefix_is_two_levels_up(void)
{
	char exe[CELL_PATH_MAX], prefix[CELL_PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);

	CHECK(n > 0);
	exe[n] = '\0';
	CHECK_INT(toolchain_prefix(prefix, sizeof prefix), 0);
	CHECK_STR(prefix, dirname(dirname(exe)));
	CHECK_INT(toolchain_prefix(prefix, 4), -ENAMETOOLONG);
}

/* Unit tests run from build/asan/unit: no include/ or lib/ there. */
static void test_locate_names_the_missing_file(void)
{
	struct cell_buf why = CELL_BUF_INIT(4096);
	struct toolchain tc;

	CHECK_INT(toolchain_locate(&tc, &why), -ENOENT);
	CHECK(strstr(cell_buf_str(&why), "cannot find '") != NULL);
	CHECK(strstr(cell_buf_str(&why), "/include/cell.h'") != NULL);
	CHECK_STR(tc.cc, getenv("CC") && *getenv("CC") ? getenv("CC") : "cc");
	cell_buf_release(&why);
}

static void test_missing_template(void)
{
	char out[CELL_PATH_MAX];

	CHECK_INT(toolchain_template("no-such-template", out, sizeof out),
		  -ENOENT);
}

int main(void)
{
	RUN(test_prefix_is_two_levels_up);
	RUN(test_locate_names_the_missing_file);
	RUN(test_missing_template);
	return test_done();
}
