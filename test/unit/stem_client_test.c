/*
 * stem_client_test.c - stem_connect(), stem_request(), stem_op() against the fake
 * stem of fakestem.h (this binary, run again as `--daemon --ready-fd N`).
 */
#include <sys/wait.h>

#include "control.h"
#include "fakestem.h"
#include "test.h"

static char home[64];

static void start_home(void)
{
	fake_home(home, sizeof home);
}

/* A fresh home, its (fake) stem started by connecting. Returns the fd. */
static int connect_fresh(struct cell_home *h)
{
	int fd;

	start_home();
	CHECK_INT(cell_home_init(h, home), 0);
	fd = stem_connect(h);
	CHECK(fd >= 0);
	return fd;
}

static int request(int fd, const char *json, struct cell_buf *reply)
{
	return stem_request(fd, json, reply);
}

static void test_starts_stem_when_none_runs(void)
{
	struct cell_home h;
	struct cell_buf r = CELL_BUF_INIT(4096);
	struct stat st;
	char dir[128];
	int fd;

	start_home();
	/* The home does not exist yet: stem_connect creates it, 0700. */
	snprintf(dir, sizeof dir, "%s/sub", home);
	CHECK_INT(cell_home_init(&h, dir), 0);
	setenv("CELL_HOME", dir, 1);
	fd = stem_connect(&h);
	CHECK(fd >= 0);
	CHECK_INT(stat(dir, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0700);
	CHECK_INT(request(fd, "{\"op\":\"version\"}", &r), 0);
	CHECK(strstr(cell_buf_str(&r), "\"protocol\":1") != NULL);
	close(fd);
	CHECK_INT(fake_starts(dir), 1);
	fake_kill_from(dir, "fake-stem.pid");
	fake_teardown(home, NULL);
	cell_buf_release(&r);
}

static void test_running_stem_is_reused(void)
{
	struct cell_home h;
	int fd;

	fd = connect_fresh(&h);
	close(fd);
	fd = stem_connect(&h);
	CHECK(fd >= 0);
	close(fd);
	CHECK_INT(fake_starts(home), 1);
	fake_teardown(home, NULL);
}

static void test_ready_eof_is_estem(void)
{
	struct cell_home h;

	start_home();
	CHECK_INT(cell_home_init(&h, home), 0);
	setenv("FAKE_STEM", "eof", 1);
	CHECK_INT(stem_connect(&h), CELL_ESTEM);
	/* A stem binary that cannot be run at all: the same answer. */
	setenv("CELL_STEM", "/nonexistent/cell-stem", 1);
	CHECK_INT(stem_connect(&h), CELL_ESTEM);
	CHECK_INT(fake_starts(home), 0);
	fake_teardown(home, NULL);
}

static void test_concurrent_starters_start_one_stem(void)
{
	struct cell_home h;
	pid_t kids[4];
	int i, status, ok = 0;

	start_home();
	CHECK_INT(cell_home_init(&h, home), 0);
	/* A slow stem, so the others arrive while it is starting. */
	setenv("FAKE_STEM_DELAY_MS", "100", 1);
	for (i = 0; i < 4; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			struct cell_buf r = CELL_BUF_INIT(4096);
			int fd = stem_connect(&h);

			_exit(fd >= 0 && stem_request(fd, "{\"op\":\"version\"}",
						      &r) == 0 ? 0 : 1);
		}
	}
	for (i = 0; i < 4; i++)
		if (waitpid(kids[i], &status, 0) == kids[i] &&
		    WIFEXITED(status) && WEXITSTATUS(status) == 0)
			ok++;
	CHECK_INT(ok, 4);
	CHECK_INT(fake_starts(home), 1);
	fake_teardown(home, NULL);
}

static void test_request_outcomes(void)
{
	struct cell_home h;
	struct cell_buf r = CELL_BUF_INIT(4096);
	int fd;

	fd = connect_fresh(&h);
	/* Refused: the reply JSON is handed back. */
	CHECK_INT(request(fd, "{\"op\":\"nonsense\"}", &r), CELL_EREMOTE);
	CHECK_STR(cell_buf_str(&r),
		  "{\"ok\":false,\"error\":\"unknown op\",\"code\":\"op\"}");
	/* Several requests on one connection. */
	CHECK_INT(request(fd, "{\"op\":\"version\"}", &r), 0);
	CHECK_INT(request(fd, "{\"op\":\"junk\"}", &r), CELL_EPROTO);
	CHECK_INT(request(fd, "{\"op\":\"errframe\"}", &r), CELL_EREMOTE);
	CHECK_STR(cell_buf_str(&r), "stem exploded");
	close(fd);
	fake_teardown(home, NULL);
	cell_buf_release(&r);
}

/* stem_op: the request built for the caller, the refusal in words. */
static void test_op_reasons(void)
{
	struct cell_buf r = CELL_BUF_INIT(4096), why = CELL_BUF_INIT(256);
	struct cell_home h;
	int fd;

	fd = connect_fresh(&h);
	CHECK_INT(stem_op(fd, "version", NULL, &r, &why), 0);
	CHECK(strstr(cell_buf_str(&r), "\"protocol\":1") != NULL);
	CHECK_STR(cell_buf_str(&why), "");
	CHECK_INT(stem_op(fd, "germinate", "nodna", &r, &why), CELL_ENODNA);
	CHECK_STR(cell_buf_str(&why), "no DNA for 'nodna'; run cell build");
	CHECK_INT(stem_op(fd, "germinate", "broken", &r, &why), CELL_EREMOTE);
	CHECK_STR(cell_buf_str(&why), "cell 'broken' cannot start");
	CHECK_INT(stem_op(fd, "errframe", NULL, &r, &why), CELL_EREMOTE);
	CHECK_STR(cell_buf_str(&why), "stem exploded");
	CHECK_INT(stem_op(fd, "junk", NULL, &r, &why), CELL_EPROTO);
	CHECK_STR(cell_buf_str(&why), "the stem answered badly: protocol error");
	/* why is optional. */
	CHECK_INT(stem_op(fd, "germinate", "nodna", &r, NULL), CELL_ENODNA);
	close(fd);
	fake_teardown(home, NULL);
	cell_buf_release(&r);
	cell_buf_release(&why);
}

static void test_long_home_is_refused(void)
{
	struct cell_home h;
	char dir[300];

	snprintf(dir, sizeof dir, "/tmp/%0200d", 0);
	CHECK_INT(cell_home_init(&h, dir), 0);
	CHECK_INT(stem_connect(&h), -ENAMETOOLONG);
}

int main(int argc, char **argv)
{
	FAKE_STEM_DISPATCH(argc, argv);
	RUN(test_starts_stem_when_none_runs);
	RUN(test_running_stem_is_reused);
	RUN(test_ready_eof_is_estem);
	RUN(test_concurrent_starters_start_one_stem);
	RUN(test_request_outcomes);
	RUN(test_op_reasons);
	RUN(test_long_home_is_refused);
	return test_done();
}
