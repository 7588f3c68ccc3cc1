/*
 * control.c - stem.sock: the control protocol of sdk/control.h.
 *
 * Requests are read without blocking into a buffer bounded by
 * STEM_CONTROL_MAX, decoded as frames, parsed as JSON and dispatched
 * through one table; an unknown op is refused with code "op". Requests
 * on one connection are answered in order: a stop that waits for its
 * cell holds the requests behind it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control.h"
#include "stem.h"

/* How long stem.sock goes unwatched when no descriptor is left. */
#define ACCEPT_PAUSE_MS 100

/* A handler's outcome. */
enum { REPLY_NOW, REPLY_LATER };

/*
 * Who may use an op: any peer, or only one running as the stem's own
 * uid. stem.sock is 0666 and bound into every cell (cells germinate each
 * other), so a cell, whose uid is never the stem's, must not stop other
 * cells or read their state: SO_PEERCRED decides. The cells of a stem
 * that is not root run as the stem's own uid, mapped 1:1 in a user
 * namespace of their own, so the uid alone is not enough: the owner is
 * also in the stem's user namespace.
 */
enum { OP_ANY, OP_OWNER };

struct op {
	const char *name;
	int who;
	/* Fills rep (after "ok"), or returns -1 with the error set. */
	int (*fn)(struct stem_conn *conn, const cJSON *req, cJSON *rep);
};

static void process(struct stem_conn *conn);

/*
 * The peer is the stem's owner: its uid and its user namespace are ours.
 * The namespace is read from /proc by the pid SO_PEERCRED gave at accept
 * time, just after connect(); whatever cannot be read is a stranger.
 */
static int peer_is_owner(const struct stem *stem, const struct ucred *cred)
{
	struct stat self, peer;
	char path[64];

	if (cred->uid != stem->uid || cred->pid <= 0)
		return 0;
	snprintf(path, sizeof path, "/proc/%d/ns/user", (int)cred->pid);
	if (stat("/proc/self/ns/user", &self) < 0 || stat(path, &peer) < 0)
		return 0;
	return self.st_dev == peer.st_dev && self.st_ino == peer.st_ino;
}

static void conn_free(struct stem_conn *conn)
{
	struct stem *stem = conn->stem;
	struct stem_conn **p;

	for (p = &stem->conns; *p; p = &(*p)->next)
		if (*p == conn) {
			*p = conn->next;
			break;
		}
	loop_fd_unwatch(&stem->loop, &conn->w);
	close(conn->fd);
	stem->nconns--;
	cell_buf_release(&conn->in);
	cell_buf_release(&conn->out);
	free(conn);
}

/* Writes what it can; 0, or -1 when the connection was freed. */
static int conn_flush(struct stem_conn *conn)
{
	struct stem *stem = conn->stem;
	uint32_t want;

	while (conn->out.len) {
		ssize_t w = send(conn->fd, conn->out.data, conn->out.len,
				 MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			conn_free(conn);
			return -1;
		}
		memmove(conn->out.data, conn->out.data + w,
			conn->out.len - (size_t)w);
		conn->out.len -= (size_t)w;
	}
	if (conn->eof && !conn->waiting)
		conn->closing = 1; /* every request read has been answered */
	if (!conn->out.len && conn->closing) {
		conn_free(conn);
		return -1;
	}
	/*
	 * After EOF only a hangup matters (reported whatever we ask); with
	 * a full input buffer (requests queued behind a stop) we read no
	 * more until process() drains it.
	 */
	want = conn->out.len ? EPOLLOUT :
	       conn->eof || conn->in.len >= conn->in.max ? 0 : EPOLLIN;
	if (want != conn->w.events &&
	    loop_fd_watch(&stem->loop, &conn->w, want) < 0) {
		conn_free(conn);
		return -1;
	}
	return 0;
}

/* Queues one reply frame; the caller flushes. */
static void conn_reply(struct stem_conn *conn, cJSON *rep)
{
	uint8_t hdr[CELL_FRAME_HEADER];
	char *text = cJSON_PrintUnformatted(rep);
	size_t len;

	if (!text) {
		conn->closing = 1;
		return;
	}
	len = strlen(text);
	cell_frame_header(hdr, CELL_FRAME_DATA, (uint32_t)len);
	if (cell_buf_add(&conn->out, hdr, sizeof hdr) ||
	    cell_buf_add(&conn->out, text, len))
		conn->closing = 1;
	free(text);
}

static cJSON *error_reply(const char *code, const char *msg)
{
	cJSON *rep = cJSON_CreateObject();

	if (rep) {
		cJSON_AddFalseToObject(rep, "ok");
		cJSON_AddStringToObject(rep, "error", msg);
		cJSON_AddStringToObject(rep, "code", code);
	}
	return rep;
}

static void conn_error(struct stem_conn *conn, const char *code,
		       const char *msg)
{
	cJSON *rep = error_reply(code, msg);

	if (!rep) {
		conn->closing = 1;
		return;
	}
	conn_reply(conn, rep);
	cJSON_Delete(rep);
}

/* Replaces rep's contents with an error. Returns -1 for the handler. */
static int set_error(cJSON *rep, const char *code, const char *msg)
{
	cJSON *child;

	while ((child = rep->child)) {
		cJSON_DetachItemViaPointer(rep, child);
		cJSON_Delete(child);
	}
	cJSON_AddFalseToObject(rep, "ok");
	cJSON_AddStringToObject(rep, "error", msg);
	cJSON_AddStringToObject(rep, "code", code);
	return -1;
}

static const char *req_name(const cJSON *req)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, "name");

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *error_code(int err)
{
	switch (err) {
	case CELL_ENAME:
		return "name";
	case CELL_ENODNA:
		return "nodna";
	default:
		return "failed";
	}
}

static int op_germinate(struct stem_conn *conn, const cJSON *req,
			cJSON *rep)
{
	struct cell_buf why = CELL_BUF_INIT(1024);
	char sock[CELL_PATH_MAX];
	const char *name = req_name(req);
	int started, err;
	pid_t pid;

	if (!name)
		return set_error(rep, "op", "germinate needs a \"name\"");
	err = supervise_germinate(conn->stem, name, &pid, sock, sizeof sock,
				  &started, &why);
	if (err) {
		if (!why.len)
			cell_buf_addstr(&why, cell_strerror(err));
		set_error(rep, error_code(err), cell_buf_str(&why));
		cell_buf_release(&why);
		return -1;
	}
	cell_buf_release(&why);
	cJSON_AddNumberToObject(rep, "pid", pid);
	cJSON_AddStringToObject(rep, "socket", sock);
	cJSON_AddBoolToObject(rep, "started", started);
	return REPLY_NOW;
}

static int op_stop(struct stem_conn *conn, const cJSON *req, cJSON *rep)
{
	struct stem_cell *cell;
	const char *name = req_name(req);
	char msg[128];
	int r;

	if (!name)
		return set_error(rep, "op", "stop needs a \"name\"");
	r = supervise_stop(conn->stem, name, &cell);
	if (r == CELL_ENAME) {
		snprintf(msg, sizeof msg, "invalid cell name '%.64s'", name);
		return set_error(rep, "name", msg);
	}
	if (r == 1) {
		conn->waiting = cell;
		return REPLY_LATER;
	}
	return REPLY_NOW;
}

static int op_ps(struct stem_conn *conn, const cJSON *req, cJSON *rep)
{
	cJSON *arr = cJSON_AddArrayToObject(rep, "cells");

	(void)req;
	if (!arr || supervise_ps(conn->stem, arr) < 0)
		return set_error(rep, "failed", "out of memory");
	return REPLY_NOW;
}

static int op_version(struct stem_conn *conn, const cJSON *req, cJSON *rep)
{
	(void)conn;
	(void)req;
	cJSON_AddStringToObject(rep, "version", CELL_VERSION);
	cJSON_AddNumberToObject(rep, "protocol", CELL_CONTROL_VERSION);
	return REPLY_NOW;
}

static const struct op ops[] = {
	{ "germinate", OP_ANY, op_germinate },
	{ "stop", OP_OWNER, op_stop },
	{ "ps", OP_OWNER, op_ps },
	{ "version", OP_ANY, op_version },
};

static void dispatch(struct stem_conn *conn, const char *payload, size_t len)
{
	struct stem *stem = conn->stem;
	const struct op *op = NULL;
	const cJSON *v;
	cJSON *req, *rep;
	char *text;
	size_t i;
	int r;

	/* cJSON wants a NUL-terminated string, and a NUL inside is an error. */
	text = malloc(len + 1);
	if (!text) {
		conn->closing = 1;
		return;
	}
	memcpy(text, payload, len);
	text[len] = '\0';
	req = strlen(text) == len ? cJSON_ParseWithOpts(text, NULL, 1) : NULL;
	free(text);
	if (!cJSON_IsObject(req)) {
		conn_error(conn, "op", "malformed request: not a JSON object");
		cJSON_Delete(req);
		return;
	}
	v = cJSON_GetObjectItemCaseSensitive(req, "op");
	for (i = 0; cJSON_IsString(v) && i < sizeof ops / sizeof *ops; i++)
		if (!strcmp(ops[i].name, v->valuestring))
			op = &ops[i];
	if (!op) {
		char msg[128];

		snprintf(msg, sizeof msg, "unknown op '%.64s'",
			 cJSON_IsString(v) ? v->valuestring : "");
		conn_error(conn, "op", msg);
		cJSON_Delete(req);
		return;
	}
	if (op->who == OP_OWNER && !conn->owner) {
		char msg[160];

		if (conn->uid != stem->uid)
			snprintf(msg, sizeof msg, "op '%s' refused: uid %u is "
				 "not the stem's (a cell may only germinate)",
				 op->name, (unsigned)conn->uid);
		else
			snprintf(msg, sizeof msg, "op '%s' refused: the peer "
				 "is not in the stem's user namespace (a cell "
				 "may only germinate)", op->name);
		stem_log(stem, STEM_LOG_INFO, "%s", msg);
		conn_error(conn, "denied", msg);
		cJSON_Delete(req);
		return;
	}
	stem_log(stem, STEM_LOG_DEBUG, "request %s", op->name);
	rep = cJSON_CreateObject();
	if (!rep || !cJSON_AddTrueToObject(rep, "ok")) {
		cJSON_Delete(rep);
		cJSON_Delete(req);
		conn->closing = 1;
		return;
	}
	r = op->fn(conn, req, rep);
	if (r != REPLY_LATER)
		conn_reply(conn, rep);
	cJSON_Delete(rep);
	cJSON_Delete(req);
}

/* Handles every complete frame in conn->in, in order. */
static void process(struct stem_conn *conn)
{
	size_t plen, used;
	uint8_t type;
	int r;

	while (!conn->waiting && !conn->closing && conn->in.len) {
		r = cell_frame_parse(conn->in.data, conn->in.len,
				     STEM_CONTROL_MAX, &type, &plen);
		if (r == 0)
			return;
		if (r < 0) {
			conn_error(conn, "op", r == CELL_ETOOBIG ?
				   "request too large" : "malformed frame");
			conn->closing = 1;
			return;
		}
		if (conn->in.len < CELL_FRAME_HEADER + plen)
			return;
		if (type != CELL_FRAME_DATA)
			conn_error(conn, "op", "a request must be a DATA frame");
		else
			dispatch(conn, conn->in.data + CELL_FRAME_HEADER, plen);
		used = CELL_FRAME_HEADER + plen;
		memmove(conn->in.data, conn->in.data + used,
			conn->in.len - used);
		conn->in.len -= used;
	}
}

static void on_conn(struct loop *loop, struct loop_fd *w, uint32_t events)
{
	struct stem_conn *conn = w->ctx;
	char buf[8192];
	ssize_t r;

	(void)loop;
	if (events & EPOLLHUP && conn->waiting) {
		conn_free(conn); /* gone: the answer has nowhere to go */
		return;
	}
	if (events & EPOLLIN && !conn->closing && !conn->eof) {
		size_t room = conn->in.max - conn->in.len;

		/* read(fd, buf, 0) would return 0: not an EOF. */
		r = room ? read(conn->fd, buf, room < sizeof buf ? room :
				sizeof buf) : -1;
		if (r < 0 && room && errno != EAGAIN && errno != EINTR) {
			conn_free(conn);
			return;
		}
		if (r == 0)
			conn->eof = 1;
		if (r > 0 && cell_buf_add(&conn->in, buf, (size_t)r) < 0) {
			conn_free(conn);
			return;
		}
		process(conn);
	} else if (events & (EPOLLHUP | EPOLLERR) && !(events & EPOLLOUT)) {
		conn_free(conn);
		return;
	}
	conn_flush(conn);
}

/*
 * Out of descriptors, the pending client would stay readable on the
 * level-triggered listener and on_accept would spin: accept it with the
 * descriptor we kept in reserve and close it (the client sees EOF).
 * Returns 1 if one was shed, 0 if that was not possible.
 */
static int shed(struct stem *stem)
{
	int fd;

	if (stem->spare_fd < 0)
		return 0;
	close(stem->spare_fd);
	fd = accept4(stem->ctl_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd >= 0)
		close(fd);
	stem->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	stem_log(stem, STEM_LOG_ERROR, "out of file descriptors: "
		 "control connection refused");
	return fd >= 0;
}

/* Without a spare: stop watching stem.sock for a moment instead. */
static void pause_accept(struct stem *stem)
{
	loop_fd_unwatch(&stem->loop, &stem->ctl_w);
	loop_timer_in(&stem->loop, &stem->accept_timer, ACCEPT_PAUSE_MS);
}

static void on_accept_timer(struct loop *loop, struct loop_timer *t)
{
	struct stem *stem = t->ctx;

	if (loop_fd_watch(loop, &stem->ctl_w, EPOLLIN) < 0)
		pause_accept(stem);
}

static void on_accept(struct loop *loop, struct loop_fd *w, uint32_t events)
{
	struct stem *stem = w->ctx;
	struct stem_conn *conn;
	struct ucred cred;
	socklen_t credlen = sizeof cred;
	int fd;

	(void)events;
	if (stem->spare_fd < 0)
		stem->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	for (;;) {
		fd = accept4(stem->ctl_fd, NULL, NULL,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0 && errno == EINTR)
			continue;
		if (fd < 0 && (errno == EMFILE || errno == ENFILE)) {
			if (shed(stem))
				continue;
			pause_accept(stem);
		}
		if (fd < 0)
			return;
		/* Over the limit the client sees EOF, never a hang. */
		conn = stem->nconns < stem->conn_max ?
		       calloc(1, sizeof *conn) : NULL;
		if (!conn) {
			close(fd);
			continue;
		}
		conn->stem = stem;
		conn->fd = fd;
		/* Unknown credentials count as a stranger's. */
		conn->uid = (uid_t)-1;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred,
			       &credlen) == 0) {
			conn->uid = cred.uid;
			conn->owner = peer_is_owner(stem, &cred);
		}
		/* A whole request frame fits; anything larger is refused. */
		cell_buf_init(&conn->in, CELL_FRAME_HEADER + STEM_CONTROL_MAX);
		cell_buf_init(&conn->out, 16u << 20);
		loop_fd_init(&conn->w, fd, on_conn, conn);
		if (loop_fd_watch(loop, &conn->w, EPOLLIN) < 0) {
			close(fd);
			free(conn);
			continue;
		}
		conn->next = stem->conns;
		stem->conns = conn;
		stem->nconns++;
	}
}

int control_listen(struct stem *stem)
{
	char path[CELL_PATH_MAX];
	struct rlimit rl;
	int fd, err;

	err = cell_home_path(&stem->home, path, sizeof path, "stem.sock");
	if (err)
		return err;
	/* We hold stem.lock: any stem.sock left is a dead stem's. */
	unlink(path);
	fd = sock_listen(path, SOMAXCONN);
	if (fd < 0)
		return fd;
	stem->ctl_fd = fd;
	loop_fd_init(&stem->ctl_w, fd, on_accept, stem);
	loop_timer_init(&stem->accept_timer, on_accept_timer, stem);
	/* Half the descriptors at most; the rest are the cells'. */
	stem->conn_max = STEM_CONN_MAX;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur / 2 < stem->conn_max)
		stem->conn_max = (unsigned)(rl.rlim_cur / 2);
	stem->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	/* accept4 must not block: the control socket is ours alone. */
	if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0)
		return -errno;
	return loop_fd_watch(&stem->loop, &stem->ctl_w, EPOLLIN);
}

void control_stop_done(struct stem *stem, struct stem_cell *cell)
{
	struct stem_conn *c, *next;
	cJSON *rep;

	for (c = stem->conns; c; c = next) {
		next = c->next;
		if (c->waiting != cell)
			continue;
		c->waiting = NULL;
		rep = cJSON_CreateObject();
		if (rep && cJSON_AddTrueToObject(rep, "ok"))
			conn_reply(c, rep);
		else
			c->closing = 1;
		cJSON_Delete(rep);
		process(c);
		conn_flush(c);
	}
}

void control_close_all(struct stem *stem)
{
	while (stem->conns)
		conn_free(stem->conns);
	if (stem->ctl_fd >= 0) {
		loop_fd_unwatch(&stem->loop, &stem->ctl_w);
		close(stem->ctl_fd);
		stem->ctl_fd = -1;
		loop_timer_cancel(&stem->loop, &stem->accept_timer);
	}
	if (stem->spare_fd >= 0)
		close(stem->spare_fd);
	stem->spare_fd = -1;
}
