/*
 * conn_test.c - cell_connect(), cell_call(), cell_close(): calling cells
 * by name, germinated through the fake stem of fakestem.h when absent.
 */
#include <sys/wait.h>

#include "fakestem.h"
#include "test.h"

static char home[64];
static const char *cells[] = { "echo", "other", NULL };

static void test_germinates_absent_cell(void)
{
	struct cell_buf why = CELL_BUF_INIT(256), r = CELL_BUF_INIT(64);
	struct cell_conn *c = NULL;
	int i, bad = 0;

	fake_home(home, sizeof home);
	CHECK_INT(cell_connect("echo", &c, &why), 0);
	CHECK(c != NULL);
	for (i = 0; i < 100 && c; i++)
		if (cell_call(c, "hi", 2, &r) || strcmp(cell_buf_str(&r), "hi"))
			bad++;
	CHECK_INT(bad, 0);
	cell_close(c);
	/* Running now: connecting again asks nobody. */
	CHECK_INT(cell_connect("echo", &c, &why), 0);
	CHECK_INT(cell_call(c, "again", 5, &r), 0);
	CHECK_STR(cell_buf_str(&r), "again");
	cell_close(c);
	CHECK_INT(fake_starts(home), 1);
	fake_teardown(home, cells);
	cell_buf_release(&why);
	cell_buf_release(&r);
}

static void test_stale_socket_germinates(void)
{
	struct cell_buf r = CELL_BUF_INIT(64);
	struct cell_conn *c = NULL;
	char path[128];

	fake_home(home, sizeof home);
	/* run/other.sock exists but nobody listens: ECONNREFUSED. */
	snprintf(path, sizeof path, "%s/run", home);
	CHECK_INT(mkdir(path, 0700), 0);
	snprintf(path, sizeof path, "%s/run/other.sock", home);
	close(activate_listen(path));
	CHECK_INT(cell_connect("other", &c, NULL), 0);
	CHECK_INT(c ? cell_call(c, "x", 1, &r) : -1, 0);
	cell_close(c);
	fake_teardown(home, cells);
	cell_buf_release(&r);
}

static void test_refusals(void)
{
	struct cell_buf why = CELL_BUF_INIT(256);
	struct cell_conn *c = NULL;

	fake_home(home, sizeof home);
	CHECK_INT(cell_connect("nodna", &c, &why), CELL_ENODNA);
	CHECK(c == NULL);
	CHECK_STR(cell_buf_str(&why), "no DNA for 'nodna'; run cell build");
	CHECK_INT(cell_connect("broken", &c, &why), CELL_EREMOTE);
	CHECK_STR(cell_buf_str(&why), "cell 'broken' cannot start");
	/* A stem answering badly is a failure with a reason too. */
	CHECK_INT(cell_connect("junk", &c, &why), CELL_EPROTO);
	CHECK_STR(cell_buf_str(&why), "the stem answered badly: protocol error");
	/* why is optional. */
	CHECK_INT(cell_connect("nodna", &c, NULL), CELL_ENODNA);
	CHECK_INT(cell_connect("Not/Valid", &c, &why), CELL_ENAME);
	CHECK_INT(cell_connect("", &c, &why), CELL_ENAME);
	fake_teardown(home, cells);
	cell_buf_release(&why);
}

static void test_no_stem_is_estem(void)
{
	struct cell_buf why = CELL_BUF_INIT(256);
	struct cell_conn *c = NULL;

	fake_home(home, sizeof home);
	setenv("FAKE_STEM", "eof", 1);
	CHECK_INT(cell_connect("echo", &c, &why), CELL_ESTEM);
	CHECK(strstr(cell_buf_str(&why), "cannot reach the stem") != NULL);
	fake_teardown(home, cells);
	cell_buf_release(&why);
}

static void test_error_reply_is_eremote(void)
{
	struct cell_buf r = CELL_BUF_INIT(64);
	struct cell_conn *c = NULL;

	fake_home(home, sizeof home);
	CHECK_INT(cell_connect("echo", &c, NULL), 0);
	CHECK_INT(c ? cell_call(c, "fail", 4, &r) : -1, CELL_EREMOTE);
	CHECK_STR(cell_buf_str(&r), "boom");
	/* The connection is still good after an ERROR frame. */
	CHECK_INT(c ? cell_call(c, "ok", 2, &r) : -1, 0);
	CHECK_STR(cell_buf_str(&r), "ok");
	cell_close(c);
	fake_teardown(home, cells);
	cell_buf_release(&r);
}

static void test_large_reply_and_limits(void)
{
	struct cell_buf r = CELL_BUF_INIT(4 << 20), small = CELL_BUF_INIT(8);
	struct cell_conn *c = NULL;
	char *req = malloc(3 << 20);
	size_t i;

	fake_home(home, sizeof home);
	for (i = 0; i < (3u << 20); i++)
		req[i] = (char)('a' + i % 26);
	CHECK_INT(cell_connect("echo", &c, NULL), 0);
	CHECK_INT(c ? cell_call(c, req, 3 << 20, &r) : -1, 0);
	CHECK_INT(r.len, 3 << 20);
	CHECK(r.len == (3u << 20) && !memcmp(r.data, req, r.len));
	/* A reply over the caller's bound: refused, and the stream is then
	 * out of step, so the connection refuses further calls. */
	CHECK_INT(c ? cell_call(c, "0123456789", 10, &small) : -1,
		  CELL_ETOOBIG);
	CHECK_INT(c ? cell_call(c, "x", 1, &r) : -1, CELL_EPROTO);
	cell_close(c);
	cell_close(NULL);
	fake_teardown(home, cells);
	free(req);
	cell_buf_release(&r);
	cell_buf_release(&small);
}

int main(int argc, char **argv)
{
	FAKE_STEM_DISPATCH(argc, argv);
	RUN(test_germinates_absent_cell);
	RUN(test_stale_socket_germinates);
	RUN(test_refusals);
	RUN(test_no_stem_is_estem);
	RUN(test_error_reply_is_eremote);
	RUN(test_large_reply_and_limits);
	return test_done();
}
