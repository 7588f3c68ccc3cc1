/*
 * fakestem.h - a stand-in stem for conn_test and stem_client_test, which
 * run before the real one exists on this branch. The test binary is its
 * own stem: CELL_STEM points at /proc/self/exe, and main() hands
 * `--daemon --ready-fd N` to fake_stem_main().
 *
 * It behaves as control.h says: double fork, bind stem.sock, write the
 * ready byte, answer germinate (binding run/NAME.sock and forking a
 * cell_serve child on it, as fd 3 with LISTEN_FDS) and version.
 * FAKE_STEM=eof makes it exit without the ready byte; FAKE_STEM_DELAY_MS
 * delays it. Each start appends a line to $CELL_HOME/fake-stem.starts.
 * Names "nodna" and "broken" are refused with codes nodna and failed,
 * "junk" is answered with non-JSON;
 * ops "junk" and "errframe" answer with non-JSON and an ERROR frame.
 */
#ifndef FAKESTEM_H
#define FAKESTEM_H

#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "activate.h"
#include "cell.h"
#include "fsutil.h"

static int fake_echo(void *ctx, const void *req, size_t len,
		     struct cell_buf *reply)
{
	(void)ctx;
	if (len == 4 && !memcmp(req, "fail", 4)) {
		cell_buf_addstr(reply, "boom");
		return -EIO;
	}
	return cell_buf_add(reply, req, len);
}

static void fake_write_file(const char *home, const char *name,
			    const char *text, int append)
{
	char path[256];
	int fd;

	snprintf(path, sizeof path, "%s/%s", home, name);
	fd = open(path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC),
		  0600);
	if (fd < 0 || write(fd, text, strlen(text)) < 0)
		_exit(3);
	close(fd);
}

/* Binds run/NAME.sock and starts a cell on it. Returns its pid. */
static pid_t fake_germinate(const char *home, const char *name)
{
	char path[256], pidtext[32];
	pid_t pid;

	snprintf(path, sizeof path, "%s/run", home);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/run/%s.sock", home, name);
	pid = activate_cell(path, name, fake_echo, NULL, NULL);
	snprintf(pidtext, sizeof pidtext, "%ld\n", (long)pid);
	snprintf(path, sizeof path, "run/%s.pid", name);
	fake_write_file(home, path, pidtext, 0);
	return pid;
}

static void fake_answer(int fd, const char *home, const char *json)
{
	cJSON *req = cJSON_ParseWithOpts(json, NULL, 1);
	const cJSON *op = cJSON_GetObjectItemCaseSensitive(req, "op");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(req, "name");
	char out[512];

	if (cJSON_IsString(op) && !strcmp(op->valuestring, "junk")) {
		snprintf(out, sizeof out, "not json");
	} else if (cJSON_IsString(op) && !strcmp(op->valuestring, "errframe")) {
		cell_frame_write(fd, CELL_FRAME_ERROR, "stem exploded", 13);
		cJSON_Delete(req);
		return;
	} else if (cJSON_IsString(op) && !strcmp(op->valuestring, "version")) {
		snprintf(out, sizeof out,
			 "{\"ok\":true,\"version\":\"%s\",\"protocol\":1}",
			 CELL_VERSION);
	} else if (cJSON_IsString(op) &&
		   !strcmp(op->valuestring, "germinate") &&
		   cJSON_IsString(name)) {
		if (!strcmp(name->valuestring, "nodna"))
			snprintf(out, sizeof out, "{\"ok\":false,\"error\":"
				 "\"no DNA for 'nodna'; run cell build\","
				 "\"code\":\"nodna\"}");
		else if (!strcmp(name->valuestring, "junk"))
			snprintf(out, sizeof out, "not json");
		else if (!strcmp(name->valuestring, "broken"))
			snprintf(out, sizeof out, "{\"ok\":false,\"error\":"
				 "\"cell 'broken' cannot start\","
				 "\"code\":\"failed\"}");
		else
			snprintf(out, sizeof out,
				 "{\"ok\":true,\"pid\":%ld,\"started\":true}",
				 (long)fake_germinate(home,
						      name->valuestring));
	} else {
		snprintf(out, sizeof out,
			 "{\"ok\":false,\"error\":\"unknown op\",\"code\":\"op\"}");
	}
	cJSON_Delete(req);
	cell_frame_write(fd, CELL_FRAME_DATA, out, strlen(out));
}

static int fake_stem_main(int ready_fd)
{
	struct cell_buf req = CELL_BUF_INIT(1 << 16);
	const char *mode = getenv("FAKE_STEM");
	const char *delay = getenv("FAKE_STEM_DELAY_MS");
	const char *home = getenv("CELL_HOME");
	char path[256], pidtext[32];
	int lfd, lfd2;

	if (fork() != 0)
		_exit(0); /* the daemon's first process, reaped by the client */
	setsid();
	alarm(60); /* outlives no test run, even a failed one */
	signal(SIGCHLD, SIG_IGN); /* its cells reap themselves */
	if (delay)
		usleep((useconds_t)atoi(delay) * 1000);
	if (!home || (mode && !strcmp(mode, "eof")))
		_exit(1);
	fake_write_file(home, "fake-stem.starts", "start\n", 1);
	snprintf(pidtext, sizeof pidtext, "%ld\n", (long)getpid());
	fake_write_file(home, "fake-stem.pid", pidtext, 0);
	snprintf(path, sizeof path, "%s/stem.sock", home);
	lfd = activate_listen(path);
	if (write(ready_fd, "r", 1) != 1)
		_exit(6);
	close(ready_fd);
	/* Detached: hold no caller's stderr open (a test runner reading it
	 * would wait for us). */
	lfd2 = open("/dev/null", O_WRONLY);
	if (lfd2 >= 0 && dup2(lfd2, 2) == 2)
		close(lfd2);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		uint8_t type;

		if (fd < 0)
			continue;
		while (cell_frame_read(fd, &type, &req) == 0)
			fake_answer(fd, home, cell_buf_str(&req));
		close(fd);
	}
}

/* In main(): become the fake stem when started as one. */
#define FAKE_STEM_DISPATCH(argc, argv) \
	do { \
		if ((argc) == 4 && !strcmp((argv)[1], "--daemon") && \
		    !strcmp((argv)[2], "--ready-fd")) \
			return fake_stem_main(atoi((argv)[3])); \
	} while (0)

/* Kills the pid stored in home/file, if any. */
static void fake_kill_from(const char *home, const char *file)
{
	struct cell_buf b = CELL_BUF_INIT(64);
	char path[256];

	snprintf(path, sizeof path, "%s/%s", home, file);
	if (fs_read_file(path, &b) == 0 && atol(cell_buf_str(&b)) > 1)
		kill((pid_t)atol(cell_buf_str(&b)), SIGTERM);
	cell_buf_release(&b);
}

/* Number of times a fake stem started in home. */
static int fake_starts(const char *home)
{
	struct cell_buf b = CELL_BUF_INIT(4096);
	char path[256];
	int n = 0;
	size_t i;

	snprintf(path, sizeof path, "%s/fake-stem.starts", home);
	if (fs_read_file(path, &b) == 0)
		for (i = 0; i < b.len; i++)
			n += b.data[i] == '\n';
	cell_buf_release(&b);
	return n;
}

/* A fresh $CELL_HOME whose stem would be this very binary. */
static void fake_home(char *home, size_t size)
{
	char self[256];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

	if (n < 0)
		abort();
	self[n] = '\0';
	snprintf(home, size, "/tmp/cell-fakestem-test-XXXXXX");
	if (!mkdtemp(home))
		abort();
	setenv("CELL_HOME", home, 1);
	setenv("CELL_STEM", self, 1);
	unsetenv("FAKE_STEM");
	unsetenv("FAKE_STEM_DELAY_MS");
}

/* Stops what the fake stem started and removes home. */
static void fake_teardown(const char *home, const char **cells)
{
	char cmd[256];

	for (; cells && *cells; cells++) {
		snprintf(cmd, sizeof cmd, "run/%s.pid", *cells);
		fake_kill_from(home, cmd);
	}
	fake_kill_from(home, "fake-stem.pid");
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", home);
	if (system(cmd) != 0)
		fprintf(stderr, "# cannot remove %s\n", home);
}

#endif
