/* sdk_test.c - libcell basics: names, buffers, home paths, frames, /proc. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cell.h"
#include "fsutil.h"
#include "proc.h"
#include "test.h"

static void test_name_rule(void)
{
	char longest[64], too_long[65];

	CHECK(cell_name_valid("echo"));
	CHECK(cell_name_valid("a"));
	CHECK(cell_name_valid("0-retina-2"));
	CHECK(!cell_name_valid(""));
	CHECK(!cell_name_valid(NULL));
	CHECK(!cell_name_valid("-x"));
	CHECK(!cell_name_valid("Echo"));
	CHECK(!cell_name_valid("a_b"));
	CHECK(!cell_name_valid("a/b"));
	CHECK(!cell_name_valid(".."));
	memset(longest, 'a', 63);
	longest[63] = '\0';
	CHECK(cell_name_valid(longest));
	memset(too_long, 'a', 64);
	too_long[64] = '\0';
	CHECK(!cell_name_valid(too_long));
}

static void test_buf_grows_and_stops_at_max(void)
{
	struct cell_buf b = CELL_BUF_INIT(10);
	char *p;
	size_t n;

	CHECK_STR(cell_buf_str(&b), "");
	CHECK_INT(cell_buf_addstr(&b, "hello"), 0);
	CHECK_INT(cell_buf_printf(&b, "%d", 1234), 0);
	CHECK_STR(cell_buf_str(&b), "hello1234");
	CHECK_INT(cell_buf_addstr(&b, "xy"), CELL_ETOOBIG);
	CHECK_STR(cell_buf_str(&b), "hello1234");
	CHECK_INT(cell_buf_addstr(&b, "x"), 0);
	cell_buf_reset(&b);
	CHECK_INT(b.len, 0);
	CHECK_INT(cell_buf_addstr(&b, "ab"), 0);
	p = cell_buf_detach(&b, &n);
	CHECK_INT(n, 2);
	CHECK_STR(p, "ab");
	CHECK(b.data == NULL);
	free(p);
	cell_buf_release(&b);
}

static void test_home_paths(void)
{
	struct cell_home h;
	char path[64];

	CHECK_INT(cell_home_init(&h, "/tmp/x//"), 0);
	CHECK_STR(h.dir, "/tmp/x");
	CHECK_INT(cell_home_path(&h, path, sizeof path, "run/%s.sock", "echo"),
		  0);
	CHECK_STR(path, "/tmp/x/run/echo.sock");
	CHECK_INT(cell_home_path(&h, path, 12, "run/%s.sock", "echo"),
		  -ENAMETOOLONG);
	setenv("CELL_HOME", "/srv/cells", 1);
	CHECK_INT(cell_home_init(&h, NULL), 0);
	CHECK_STR(h.dir, "/srv/cells");
	unsetenv("CELL_HOME");
	setenv("HOME", "/home/u", 1);
	CHECK_INT(cell_home_init(&h, NULL), 0);
	CHECK_STR(h.dir, "/home/u/.cell");
}

static void test_frame_parse(void)
{
	uint8_t hdr[CELL_FRAME_HEADER];
	uint8_t type = 9;
	size_t len = 0;

	cell_frame_header(hdr, CELL_FRAME_ERROR, 0x01020304);
	CHECK_INT(hdr[0], 1);
	CHECK_INT(hdr[3], 4);
	CHECK_INT(cell_frame_parse(hdr, 4, CELL_FRAME_MAX, &type, &len), 0);
	CHECK_INT(cell_frame_parse(hdr, 5, CELL_FRAME_MAX, &type, &len), 1);
	CHECK_INT(type, CELL_FRAME_ERROR);
	CHECK_INT(len, 0x01020304);
	CHECK_INT(cell_frame_parse(hdr, 5, 100, &type, &len), CELL_ETOOBIG);
	hdr[4] = 3;
	CHECK_INT(cell_frame_parse(hdr, 5, CELL_FRAME_MAX, &type, &len),
		  CELL_EPROTO);
}

static void test_frame_roundtrip_and_truncation(void)
{
	struct cell_buf b = CELL_BUF_INIT(1024);
	int sv[2];
	uint8_t type;

	CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	CHECK_INT(cell_frame_write(sv[0], CELL_FRAME_DATA, "ping", 4), 0);
	CHECK_INT(cell_frame_write(sv[0], CELL_FRAME_DATA, "", 0), 0);
	CHECK_INT(cell_frame_read(sv[1], &type, &b), 0);
	CHECK_INT(type, CELL_FRAME_DATA);
	CHECK_STR(cell_buf_str(&b), "ping");
	CHECK_INT(cell_frame_read(sv[1], &type, &b), 0);
	CHECK_INT(b.len, 0);
	/* Header promising 10 bytes, then only 3 and EOF. */
	CHECK_INT(write(sv[0], "\0\0\0\12\0abc", 8), 8);
	close(sv[0]);
	CHECK_INT(cell_frame_read(sv[1], &type, &b), CELL_EPROTO);
	CHECK_INT(cell_frame_read(sv[1], &type, &b), CELL_EEOF);
	close(sv[1]);

	/* Over the reader's maximum. */
	CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	CHECK_INT(write(sv[0], "\0\1\0\0\0", 5), 5);
	CHECK_INT(cell_frame_read(sv[1], &type, &b), CELL_ETOOBIG);
	close(sv[0]);
	close(sv[1]);
	cell_buf_release(&b);
}

static void test_write_atomic_replaces(void)
{
	char dir[] = "/tmp/cell-sdk-test-XXXXXX";
	char path[128], sub[128];
	struct cell_buf b = CELL_BUF_INIT(64);

	CHECK(mkdtemp(dir) != NULL);
	CHECK_INT(fs_join(path, sizeof path, dir, "f"), 0);
	CHECK_INT(fs_write_atomic(path, "one", 3, 0644), 0);
	CHECK_INT(fs_write_atomic(path, "two!", 4, 0644), 0);
	CHECK_INT(fs_read_file(path, &b), 0);
	CHECK_STR(cell_buf_str(&b), "two!");
	b.max = 2;
	CHECK_INT(fs_read_file(path, &b), CELL_ETOOBIG);
	CHECK_INT(fs_join(sub, sizeof sub, dir, "a/b/c"), 0);
	CHECK_INT(fs_mkdir_p(sub, 0755), 0);
	CHECK_INT(fs_mkdir_p(sub, 0755), 0);
	cell_buf_release(&b);
	CHECK_INT(system("rm -rf /tmp/cell-sdk-test-*"), 0);
}

static void test_strerror_names_codes(void)
{
	CHECK_STR(cell_strerror(-ENOENT), "No such file or directory");
	CHECK_STR(cell_strerror(CELL_ETOOBIG), "message too large");
	CHECK(strstr(cell_strerror(CELL_ENAME), CELL_NAME_RULE) != NULL);
}

static void on_usr1(int sig)
{
	(void)sig;
}

/* A handler or a blocked signal counts; SIG_IGN and SIG_DFL do not. */
static void test_proc_takes_signal(void)
{
	struct sigaction sa, old1, old2;
	sigset_t set, oldset;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	CHECK_INT(sigaction(SIGUSR1, &sa, &old1), 0);
	sa.sa_handler = SIG_IGN;
	CHECK_INT(sigaction(SIGUSR2, &sa, &old2), 0);
	CHECK_INT(proc_takes_signal(getpid(), SIGUSR1), 1);
	CHECK_INT(proc_takes_signal(getpid(), SIGUSR2), 0);
	CHECK_INT(proc_takes_signal(getpid(), SIGTERM), 0);
	CHECK_INT(proc_takes_signal(getpid(), 0), -EINVAL);
	CHECK_INT(proc_takes_signal(getpid(), 65), -EINVAL);
	sigaction(SIGUSR1, &old1, NULL);
	sigaction(SIGUSR2, &old2, NULL);
	CHECK_INT(proc_takes_signal(getpid(), SIGUSR1), 0);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	CHECK_INT(sigprocmask(SIG_BLOCK, &set, &oldset), 0);
	CHECK_INT(proc_takes_signal(getpid(), SIGTERM), 1);
	CHECK_INT(sigprocmask(SIG_SETMASK, &oldset, NULL), 0);
	CHECK_INT(proc_takes_signal(getpid(), SIGTERM), 0);
	/* pid_max is at most 2^22: this pid never exists. */
	CHECK_INT(proc_takes_signal(1 << 23, SIGTERM), -ENOENT);
}

int main(void)
{
	RUN(test_name_rule);
	RUN(test_buf_grows_and_stops_at_max);
	RUN(test_home_paths);
	RUN(test_frame_parse);
	RUN(test_frame_roundtrip_and_truncation);
	RUN(test_write_atomic_replaces);
	RUN(test_strerror_names_codes);
	RUN(test_proc_takes_signal);
	return test_done();
}
