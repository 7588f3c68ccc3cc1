/*
 * stem_client.c - libcell's side of the control protocol (control.h):
 * reach the stem of a $CELL_HOME, starting it when none runs, and make
 * one request.
 *
 * Starting never polls: starters take turns on flock(stem.start); the one
 * holding it checks stem.sock again, runs `cell-stem --daemon --ready-fd N`
 * and blocks on that pipe until the stem writes a byte (stem.sock listens)
 * or every copy of the write end closes (it failed).
 */
#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "control.h"
#include "fsutil.h"
#include "unixsock.h"

extern char **environ;

/* Nobody answers there: a start may help. */
static int absent(int err)
{
	return err == -ENOENT || err == -ECONNREFUSED;
}

/*
 * The child's environment: ours with CELL_HOME set to home, so the stem
 * serves the home we were asked about. Built before fork (no malloc in
 * the child). The caller frees the array and its one string.
 */
static char **stem_env(const struct cell_home *home)
{
	size_t n = 0, i, j = 0;
	char **env, *var;
	size_t len = strlen(home->dir) + sizeof "CELL_HOME=";

	while (environ[n])
		n++;
	env = calloc(n + 2, sizeof *env);
	var = malloc(len);
	if (!env || !var) {
		free(env);
		free(var);
		return NULL;
	}
	snprintf(var, len, "CELL_HOME=%s", home->dir);
	env[j++] = var;
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "CELL_HOME=", 10))
			env[j++] = environ[i];
	env[j] = NULL;
	return env;
}

/*
 * Runs the stem and waits for its ready byte. Returns 0 when it said
 * ready, CELL_ESTEM when it did not, -errno.
 */
static int start_stem(const struct cell_home *home)
{
	const char *prog = getenv("CELL_STEM");
	char fdarg[16], *argv[5], **env;
	int p[2], err = 0, status;
	pid_t pid;
	char byte;
	ssize_t n;

	if (!prog || !*prog)
		prog = "cell-stem";
	env = stem_env(home);
	if (!env)
		return -ENOMEM;
	if (pipe2(p, O_CLOEXEC) < 0) {
		err = -errno;
		goto out;
	}
	snprintf(fdarg, sizeof fdarg, "%d", p[1]);
	argv[0] = (char *)prog;
	argv[1] = "--daemon";
	argv[2] = "--ready-fd";
	argv[3] = fdarg;
	argv[4] = NULL;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(p[0]);
		close(p[1]);
		goto out;
	}
	if (pid == 0) {
		/* Only async-signal-safe calls from here to exec. */
		int null = open("/dev/null", O_RDWR);
		sigset_t none;

		/* A caller inside cell_serve() blocks SIGTERM: not the stem. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);

		/* The daemon must not hold our caller's stdin/stdout open
		 * (a shell reading our output would wait for it forever). */
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			if (null > 2)
				close(null);
		}
		if (fcntl(p[1], F_SETFD, 0) < 0)
			_exit(127);
		execvpe(prog, argv, env);
		_exit(127);
	}
	close(p[1]);
	do
		n = read(p[0], &byte, 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		err = -errno;
	else if (n == 0)
		err = CELL_ESTEM;
	close(p[0]);
	/* The stem double-forks: its first process exits once detached. */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
out:
	free(env[0]);
	free(env);
	return err;
}

int stem_connect(const struct cell_home *home)
{
	char sock[CELL_PATH_MAX], lock[CELL_PATH_MAX];
	int fd, lfd, err;

	err = cell_home_path(home, sock, sizeof sock, "stem.sock");
	if (!err)
		err = cell_home_path(home, lock, sizeof lock, "stem.start");
	if (err)
		return err;
	fd = unixsock_connect(sock);
	if (!absent(fd))
		return fd;
	err = fs_mkdir_p(home->dir, 0700);
	if (err)
		return err;
	lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lfd < 0)
		return -errno;
	while ((err = flock(lfd, LOCK_EX)) < 0 && errno == EINTR)
		;
	if (err < 0) {
		err = -errno;
		close(lfd);
		return err;
	}
	/* Whoever held the lock before us may have started one. */
	fd = unixsock_connect(sock);
	if (absent(fd)) {
		err = start_stem(home);
		/* Even after EOF: a stem may have won the stem.lock race. */
		fd = unixsock_connect(sock);
		if (fd < 0)
			fd = err ? err : absent(fd) ? CELL_ESTEM : fd;
	}
	close(lfd); /* releases the flock */
	return fd;
}

int stem_request(int fd, const char *json, struct cell_buf *reply)
{
	const cJSON *ok;
	cJSON *root;
	uint8_t type;
	int err;

	err = cell_frame_write(fd, CELL_FRAME_DATA, json, strlen(json));
	if (!err)
		err = cell_frame_read(fd, &type, reply);
	if (err)
		return err;
	if (type == CELL_FRAME_ERROR)
		return CELL_EREMOTE; /* reply holds the message */
	if (type != CELL_FRAME_DATA)
		return CELL_EPROTO;
	root = cJSON_ParseWithOpts(cell_buf_str(reply), NULL, 1);
	if (!root)
		return CELL_EPROTO;
	ok = cJSON_GetObjectItemCaseSensitive(root, "ok");
	if (cJSON_IsTrue(ok))
		err = 0;
	else if (cJSON_IsFalse(ok))
		err = CELL_EREMOTE;
	else
		err = CELL_EPROTO;
	cJSON_Delete(root);
	return err;
}

/* Copies the stem's refusal into why; returns the code it maps to. */
static int refusal(const struct cell_buf *reply, struct cell_buf *why)
{
	cJSON *root = cJSON_ParseWithOpts(cell_buf_str(reply), NULL, 1);
	const cJSON *msg, *code;
	int err = CELL_EREMOTE;

	msg = cJSON_GetObjectItemCaseSensitive(root, "error");
	code = cJSON_GetObjectItemCaseSensitive(root, "code");
	if (cJSON_IsString(code) && !strcmp(code->valuestring, "nodna"))
		err = CELL_ENODNA;
	if (why) {
		/* An ERROR frame instead of JSON: its text is the message. */
		if (cJSON_IsString(msg))
			cell_buf_addstr(why, msg->valuestring);
		else if (!root && reply->len)
			cell_buf_addstr(why, cell_buf_str(reply));
		else
			cell_buf_addstr(why, "the stem refused, without a reason");
	}
	cJSON_Delete(root);
	return err;
}

int stem_op(int fd, const char *op, const char *name, struct cell_buf *reply,
	    struct cell_buf *why)
{
	cJSON *req = cJSON_CreateObject();
	char *json = NULL;
	int err;

	if (why)
		cell_buf_reset(why);
	if (req && cJSON_AddStringToObject(req, "op", op) &&
	    (!name || cJSON_AddStringToObject(req, "name", name)))
		json = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	if (!json) {
		if (why)
			cell_buf_addstr(why, cell_strerror(-ENOMEM));
		return -ENOMEM;
	}
	err = stem_request(fd, json, reply);
	cJSON_free(json);
	if (err == CELL_EREMOTE)
		return refusal(reply, why);
	if (err && why) {
		if (err == CELL_EPROTO || err == CELL_EEOF ||
		    err == CELL_ETOOBIG)
			cell_buf_printf(why, "the stem answered badly: %s",
					cell_strerror(err));
		else
			cell_buf_printf(why, "cannot talk to the stem: %s",
					cell_strerror(err));
	}
	return err;
}
