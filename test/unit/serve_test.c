/*
 * serve_test.c - cell_serve(): a server forked on a temporary $CELL_HOME,
 * driven with raw frames so every byte on the wire is the test's choice.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "activate.h"
#include "cell.h"
#include "test.h"

static char home[64];

/* Requests: "fail", "failnomsg", "sleep", "big:N", "env"; else echo. */
static int handler(void *ctx, const void *req, size_t len,
		   struct cell_buf *reply)
{
	int *notify = ctx;

	if (len == 4 && !memcmp(req, "fail", 4)) {
		cell_buf_addstr(reply, "boom");
		return -EIO;
	}
	if (len == 9 && !memcmp(req, "failnomsg", 9))
		return CELL_ENODNA;
	if (len == 5 && !memcmp(req, "sleep", 5)) {
		/* Tell the test we are inside the handler, then linger. */
		if (notify && write(*notify, "x", 1) != 1)
			return -EIO;
		usleep(200 * 1000);
		return cell_buf_addstr(reply, "slept");
	}
	if (len > 4 && !memcmp(req, "big:", 4)) {
		size_t n = strtoul((const char *)req + 4, NULL, 10);
		int err = cell_buf_grow(reply, n);

		if (err)
			return err;
		memset(reply->data, 'b', n);
		reply->len = n;
		reply->data[n] = '\0';
		return 0;
	}
	if (len == 3 && !memcmp(req, "env", 3))
		return cell_buf_addstr(reply, getenv("LISTEN_FDS") ||
				       getenv("LISTEN_PID") ? "set" : "unset");
	return cell_buf_add(reply, req, len);
}

static void new_home(void)
{
	snprintf(home, sizeof home, "/tmp/cell-serve-test-XXXXXX");
	if (!mkdtemp(home))
		abort();
	setenv("CELL_HOME", home, 1);
}

static void drop_home(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", home);
	CHECK_INT(system(cmd), 0);
	unsetenv("CELL_HOME");
}

static void sock_path(const char *name, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path, sizeof sa->sun_path, "%s/run/%s.sock", home,
		 name);
}

/* A cell the way the stem starts one (activate.h). */
static pid_t start_activated(const char *name, int notify_fd,
			     const char *idle_ms)
{
	static int notify; /* the child's copy is the one its handler reads */
	struct sockaddr_un sa;
	char run[96];

	snprintf(run, sizeof run, "%s/run", home);
	mkdir(run, 0700);
	sock_path(name, &sa);
	notify = notify_fd;
	return activate_cell(sa.sun_path, name, handler,
			     notify_fd >= 0 ? &notify : NULL, idle_ms);
}

/* A cell binding its own socket; returns once it accepts connections. */
static pid_t start_self_bound(const char *name)
{
	struct sockaddr_un sa;
	struct timespec ms = { 0, 1000000 };
	pid_t pid = fork();
	int i;

	if (pid == 0) {
		alarm(60);
		_exit(cell_serve(name, handler, NULL) == 0 ? 0 : 1);
	}
	/* Only this path has no one to hand us a bound socket: wait for it. */
	sock_path(name, &sa);
	for (i = 0; i < 5000; i++) {
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		int ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;

		close(fd);
		if (ok)
			break;
		nanosleep(&ms, NULL);
	}
	return pid;
}

static int stop(pid_t pid)
{
	int status;

	kill(pid, SIGTERM);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int dial(const char *name)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	sock_path(name, &sa);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

/* One request, one reply; returns the reply type or a negative code. */
static int call(int fd, const char *req, struct cell_buf *reply)
{
	uint8_t type;
	int err = cell_frame_write(fd, CELL_FRAME_DATA, req, strlen(req));

	if (!err)
		err = cell_frame_read(fd, &type, reply);
	return err ? err : type;
}

static int write_all(int fd, const void *p, size_t n)
{
	while (n) {
		ssize_t r = write(fd, p, n);

		if (r <= 0)
			return -1;
		p = (const char *)p + r;
		n -= (size_t)r;
	}
	return 0;
}

static void test_echo_round_trip(void)
{
	struct cell_buf r = CELL_BUF_INIT(1 << 20);
	pid_t pid;
	int fd;

	new_home();
	pid = start_activated("echo", -1, NULL);
	fd = dial("echo");
	CHECK(fd >= 0);
	CHECK_INT(call(fd, "hello", &r), CELL_FRAME_DATA);
	CHECK_STR(cell_buf_str(&r), "hello");
	CHECK_INT(call(fd, "", &r), CELL_FRAME_DATA);
	CHECK_INT(r.len, 0);
	close(fd);
	CHECK_INT(stop(pid), 0);
	cell_buf_release(&r);
	drop_home();
}

static void test_ping_answered_with_ping(void)
{
	struct cell_buf r = CELL_BUF_INIT(64);
	uint8_t type = 9;
	pid_t pid;
	int fd;

	new_home();
	pid = start_activated("echo", -1, NULL);
	fd = dial("echo");
	CHECK_INT(cell_frame_write(fd, CELL_FRAME_PING, "", 0), 0);
	CHECK_INT(cell_frame_read(fd, &type, &r), 0);
	CHECK_INT(type, CELL_FRAME_PING);
	CHECK_INT(r.len, 0);
	close(fd);
	CHECK_INT(stop(pid), 0);
	cell_buf_release(&r);
	drop_home();
}

static void test_many_requests_in_order(void)
{
	struct cell_buf r = CELL_BUF_INIT(64);
	char req[32];
	pid_t pid;
	int fd, i, bad = 0;

	new_home();
	pid = start_activated("echo", -1, NULL);
	fd = dial("echo");
	for (i = 0; i < 2000; i++) {
		snprintf(req, sizeof req, "request %d", i);
		if (call(fd, req, &r) != CELL_FRAME_DATA ||
		    strcmp(cell_buf_str(&r), req))
			bad++;
	}
	CHECK_INT(bad, 0);
	close(fd);
	CHECK_INT(stop(pid), 0);
	cell_buf_release(&r);
	drop_home();
}

static void test_pipelined_requests(void)
{
	struct cell_buf all = CELL_BUF_INIT(1 << 20), r = CELL_BUF_INIT(64);
	uint8_t hdr[CELL_FRAME_HEADER], type;
	char req[32];
	pid_t pid;
	int fd, i, bad = 0;

	new_home();
	pid = start_activated("echo", -1, NULL);
	for (i = 0; i < 500; i++) {
		snprintf(req, sizeof req, "p%d", i);
		cell_frame_header(hdr, CELL_FRAME_DATA, (uint32_t)strlen(req));
		cell_buf_add(&all, hdr, sizeof hdr);
		cell_buf_addstr(&all, req);
	}
	fd = dial("echo");
	/* Every request in one write, the last split from its header. */
	CHECK_INT(write_all(fd, all.data, all.len - 2), 0);
	usleep(1000);
	CHECK_INT(write_all(fd, all.data + all.len - 2, 2), 0);
	for (i = 0; i < 500; i++) {
		snprintf(req, sizeof req, "p%d", i);
		if (cell_frame_read(fd, &type, &r) || type != CELL_FRAME_DATA ||
		    strcmp(cell_buf_str(&r), req))
			bad++;
	}
	CHECK_INT(bad, 0);
	close(fd);
	CHECK_INT(stop(pid), 0);
	cell_buf_release(&all);
	cell_buf_release(&r);
	drop_home();
}

/* After a bad frame: an ERROR frame, then the connection ends. */
static void check_rejected(int fd, const char *why)
{
	struct cell_buf r = CELL_BUF_INIT(256);
	uint8_t type = 9;
	int err;

	CHECK_INT(cell_frame_read(fd, &type, &r), 0);
	CHECK_INT(type, CELL_FRAME_ERROR);
	CHECK(strstr(cell_buf_str(&r), why) != NULL);
	if (!strstr(cell_buf_str(&r), why))
		fprintf(stderr, "# got '%s'\n", cell_buf_str(&r));
	err = cell_frame_read(fd, &type, &r);
	CHECK(err == CELL_EEOF || err == -ECONNRESET);
	cell_buf_release(&r);
}

/* The server survived: a fresh connection still gets answers. */
static void check_alive(const char *name)
{
	struct cell_buf r = CELL_BUF_INIT(64);
	int fd = dial(name);

	CHECK(fd >= 0);
	CHECK_INT(call(fd, "still here", &r), CELL_FRAME_DATA);
	CHECK_STR(cell_buf_str(&r), "still here");
	close(fd);
	cell_buf_release(&r);
}

static void test_garbage_header(void)
{
	pid_t pid;
	int fd;

	new_home();
	pid = start_activated("echo", -1, NULL);
	fd = dial("echo");
	CHECK_INT(write_all(fd, "\0\0\0\2\7xy", 7), 0);
	check_rejected(fd, "unknown frame type 7");
	close(fd);
	fd = dial("echo");
	CHECK_INT(write_all(fd, "GET / HTTP/1.1\r\n\r\n", 18), 0);
	check_rejected(fd, "unknown frame type");
	close(fd);
	check_alive("echo");
	CHECK_INT(stop(pid), 0);
	drop_home();
}

static void test_oversized_length(void)
{
	pid_t pid;
	int fd;

	new_home();
	pid = start_activated("echo", -1, NULL);
	fd = dial("echo");
	CHECK_INT(write_all(fd, "\377\377\377\377\0abc", 8), 0);
	check_rejected(fd, "frame of 4294967295 bytes exceeds the limit");
	close(fd);
	check_alive("echo");
	CHECK_INT(stop(pid), 0);
	drop_home();
}

static void test_truncated_frame_then_eof(void)
{
	pid_t pid;
	int fd;

	new_home();
	pid = start_activated("echo", -1, NULL);
	fd = dial("echo");
	CHECK_INT(write_all(fd, "\0\0\0\12\0abc", 8), 0);
	CHECK_INT(shutdown(fd, SHUT_WR), 0);
	check_rejected(fd, "truncated frame");
	close(fd);
	/* A client vanishing mid-header harms nobody either. */
	fd = dial("echo");
	CHECK_INT(write_all(fd, "\0\0", 2), 0);
	close(fd);
	check_alive("echo");
	CHECK_INT(stop(pid), 0);
	drop_home();
}

/*
 * A client sends many requests with big replies and reads none: the
 * server stops reading it and keeps serving others; its replies all
 * arrive, in order, once it reads.
 */
static void test_client_that_never_reads(void)
{
	struct cell_buf all = CELL_BUF_INIT(1 << 20), r = CELL_BUF_INIT(1 << 20);
	uint8_t hdr[CELL_FRAME_HEADER], type;
	const char *req = "big:65536";
	pid_t pid;
	int slow, i, bad = 0;

	new_home();
	pid = start_activated("echo", -1, NULL);
	for (i = 0; i < 200; i++) {
		cell_frame_header(hdr, CELL_FRAME_DATA, (uint32_t)strlen(req));
		cell_buf_add(&all, hdr, sizeof hdr);
		cell_buf_addstr(&all, req);
	}
	slow = dial("echo");
	/* 200 x 64 KiB of replies, far more than the socket buffers hold. */
	CHECK_INT(write_all(slow, all.data, all.len), 0);
	for (i = 0; i < 20; i++)
		check_alive("echo");
	for (i = 0; i < 200; i++)
		if (cell_frame_read(slow, &type, &r) || type != CELL_FRAME_DATA ||
		    r.len != 65536 || r.data[65535] != 'b')
			bad++;
	CHECK_INT(bad, 0);
	close(slow);
	CHECK_INT(stop(pid), 0);
	cell_buf_release(&all);
	cell_buf_release(&r);
	drop_home();
}

static void test_handler_error_becomes_error_frame(void)
{
	struct cell_buf r = CELL_BUF_INIT(256);
	pid_t pid;
	int fd;

	new_home();
	pid = start_activated("echo", -1, NULL);
	fd = dial("echo");
	CHECK_INT(call(fd, "fail", &r), CELL_FRAME_ERROR);
	CHECK_STR(cell_buf_str(&r), "boom");
	CHECK_INT(call(fd, "failnomsg", &r), CELL_FRAME_ERROR);
	CHECK_STR(cell_buf_str(&r), cell_strerror(CELL_ENODNA));
	/* The connection goes on after an error reply. */
	CHECK_INT(call(fd, "after", &r), CELL_FRAME_DATA);
	CHECK_STR(cell_buf_str(&r), "after");
	close(fd);
	CHECK_INT(stop(pid), 0);
	cell_buf_release(&r);
	drop_home();
}

static void test_sigterm_finishes_request_in_flight(void)
{
	struct cell_buf r = CELL_BUF_INIT(64);
	uint8_t type;
	pid_t pid;
	int fd, p[2], status = -1;
	char c;

	new_home();
	CHECK_INT(pipe(p), 0);
	pid = start_activated("echo", p[1], NULL);
	close(p[1]);
	fd = dial("echo");
	CHECK_INT(cell_frame_write(fd, CELL_FRAME_DATA, "sleep", 5), 0);
	/* A second request already sent is answered as well. */
	CHECK_INT(cell_frame_write(fd, CELL_FRAME_DATA, "second", 6), 0);
	CHECK_INT(read(p[0], &c, 1), 1); /* the handler is running */
	CHECK_INT(kill(pid, SIGTERM), 0);
	CHECK_INT(cell_frame_read(fd, &type, &r), 0);
	CHECK_STR(cell_buf_str(&r), "slept");
	CHECK_INT(cell_frame_read(fd, &type, &r), 0);
	CHECK_STR(cell_buf_str(&r), "second");
	CHECK_INT(cell_frame_read(fd, &type, &r), CELL_EEOF);
	CHECK_INT(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* It stopped listening. */
	CHECK_INT(dial("echo"), -ECONNREFUSED);
	close(fd);
	close(p[0]);
	cell_buf_release(&r);
	drop_home();
}

static void test_idle_exit(void)
{
	struct cell_buf r = CELL_BUF_INIT(64);
	pid_t pid;
	int fd, status = -1;

	new_home();
	pid = start_activated("echo", -1, "50");
	fd = dial("echo");
	CHECK_INT(call(fd, "x", &r), CELL_FRAME_DATA);
	close(fd);
	/* Exits by itself: waitpid returns without any signal from us. */
	CHECK_INT(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	cell_buf_release(&r);
	drop_home();
}

static void test_listen_fds_env_consumed(void)
{
	struct cell_buf r = CELL_BUF_INIT(64);
	struct stat st;
	char path[128];
	pid_t pid;
	int fd;

	new_home();
	pid = start_activated("echo", -1, NULL);
	fd = dial("echo");
	CHECK_INT(call(fd, "env", &r), CELL_FRAME_DATA);
	CHECK_STR(cell_buf_str(&r), "unset");
	close(fd);
	CHECK_INT(stop(pid), 0);
	/* The socket belongs to whoever bound it: the cell leaves it. */
	snprintf(path, sizeof path, "%s/run/echo.sock", home);
	CHECK_INT(stat(path, &st), 0);
	cell_buf_release(&r);
	drop_home();
}

static void test_self_bound_replaces_stale_socket(void)
{
	struct cell_buf r = CELL_BUF_INIT(64);
	struct sockaddr_un sa;
	struct stat st;
	char run[96];
	pid_t pid;
	int fd;

	new_home();
	/* A socket file nobody listens on, as a killed cell leaves behind. */
	snprintf(run, sizeof run, "%s/run", home);
	CHECK_INT(mkdir(run, 0700), 0);
	sock_path("echo", &sa);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_INT(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	close(fd);
	CHECK_INT(dial("echo"), -ECONNREFUSED);
	pid = start_self_bound("echo");
	fd = dial("echo");
	CHECK(fd >= 0);
	CHECK_INT(call(fd, "fresh", &r), CELL_FRAME_DATA);
	CHECK_STR(cell_buf_str(&r), "fresh");
	close(fd);
	CHECK_INT(stop(pid), 0);
	/* What it bound itself it removes. */
	CHECK_INT(stat(sa.sun_path, &st), -1);
	cell_buf_release(&r);
	drop_home();
}

/* cell_serve in a child; returns its result negated into 0..255. */
static int serve_result(const char *name)
{
	pid_t pid = fork();
	int status = -1;

	if (pid == 0) {
		alarm(10);
		_exit((-cell_serve(name, handler, NULL)) & 0xff);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void test_live_socket_is_in_use(void)
{
	pid_t pid;

	new_home();
	pid = start_self_bound("echo");
	CHECK_INT(serve_result("echo"), EADDRINUSE);
	check_alive("echo");
	CHECK_INT(stop(pid), 0);
	drop_home();
}

/*
 * The window of the race: a second server finds the first's socket file
 * refusing connections (as it does between bind and listen). It must not
 * replace it while the first still owns the name.
 */
static void test_second_server_never_takes_a_live_name(void)
{
	struct sockaddr_un sa;
	pid_t pid;
	int fd;

	new_home();
	pid = start_self_bound("echo");
	sock_path("echo", &sa);
	CHECK_INT(unlink(sa.sun_path), 0);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_INT(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	close(fd);
	CHECK_INT(serve_result("echo"), EADDRINUSE);
	CHECK_INT(stop(pid), 0);
	/* Once the first is gone the name is free again. */
	pid = start_self_bound("echo");
	check_alive("echo");
	CHECK_INT(stop(pid), 0);
	drop_home();
}

static void test_path_too_long(void)
{
	char dir[200];

	new_home();
	/* Fits PATH_MAX, not sun_path: refused, never truncated. */
	snprintf(dir, sizeof dir, "%s/%0100d", home, 0);
	CHECK_INT(mkdir(dir, 0700), 0);
	setenv("CELL_HOME", dir, 1);
	CHECK_INT(serve_result("echo"), ENAMETOOLONG);
	CHECK_INT(serve_result("Bad_Name"), (-CELL_ENAME) & 0xff);
	drop_home();
}

static void test_many_connections(void)
{
	struct cell_buf r = CELL_BUF_INIT(64);
	enum { N = 300 };
	int fds[N], i, bad = 0;
	char req[32];
	pid_t pid;

	new_home();
	pid = start_activated("echo", -1, NULL);
	for (i = 0; i < N; i++)
		fds[i] = dial("echo");
	for (i = 0; i < N; i++) {
		snprintf(req, sizeof req, "conn %d", i);
		if (fds[i] < 0 || call(fds[i], req, &r) != CELL_FRAME_DATA ||
		    strcmp(cell_buf_str(&r), req))
			bad++;
	}
	CHECK_INT(bad, 0);
	for (i = 0; i < N; i++)
		close(fds[i]);
	CHECK_INT(stop(pid), 0);
	cell_buf_release(&r);
	drop_home();
}

int main(void)
{
	RUN(test_echo_round_trip);
	RUN(test_ping_answered_with_ping);
	RUN(test_many_requests_in_order);
	RUN(test_pipelined_requests);
	RUN(test_garbage_header);
	RUN(test_oversized_length);
	RUN(test_truncated_frame_then_eof);
	RUN(test_client_that_never_reads);
	RUN(test_handler_error_becomes_error_frame);
	RUN(test_sigterm_finishes_request_in_flight);
	RUN(test_idle_exit);
	RUN(test_listen_fds_env_consumed);
	RUN(test_self_bound_replaces_stale_socket);
	RUN(test_live_socket_is_in_use);
	RUN(test_second_server_never_takes_a_live_name);
	RUN(test_path_too_long);
	RUN(test_many_connections);
	return test_done();
}
