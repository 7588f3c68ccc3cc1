/*
 * serve.c - cell_serve(): one epoll loop answering frames on a Unix socket.
 *
 * Every socket is nonblocking. Each connection has an input decoder and an
 * output queue; requests are answered in order. A connection whose unsent
 * output passes OUT_HIGH is not read (nor its buffered requests handled)
 * until it drains, so a client that never reads costs a bounded amount of
 * memory and never stalls the others. SIGTERM and SIGINT arrive through a
 * signalfd: the cell may be pid 1 of a pid namespace, where a signal with
 * no handler is ignored. An idle cell sleeps in epoll_wait with no timer
 * unless CELL_IDLE_EXIT asks for one.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "cell.h"
#include "decode.h"
#include "fsutil.h"
#include "unixsock.h"

#define READ_MIN (64u << 10)   /* smallest read we ask for */
#define OUT_HIGH (256u << 10)  /* unsent bytes past which we stop reading */
#define DRAIN_MS 5000          /* how long shutdown waits for slow readers */
#define MAX_EVENTS 64
#define MAX_ACCEPTS 64         /* per wakeup, so clients get served too */
#define REPLY_KEEP (4u << 20)  /* reply and output buffers kept between uses */

struct conn {
	int fd;
	uint32_t events;    /* what epoll watches for now */
	int rd_closed;      /* no more reading: EOF, protocol error, shutdown */
	int bad;            /* protocol error answered: ignore further input */
	int stalled;        /* complete requests wait for the output to drain */
	struct cell_decoder in;
	struct cell_buf out;
	size_t out_pos;     /* bytes of out already sent */
	struct conn *prev, *next;
};

struct server {
	cell_handler handler;
	void *ctx;
	int ep, lfd, sfd, tfd;
	int accepting;      /* lfd is in the epoll set */
	int stopping;
	long idle_ms;
	size_t nconns;
	struct conn *conns;
	struct cell_buf reply;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;          /* of the socket file we bound, to unlink only ours */
	ino_t ino;
	int lockfd;         /* flock on run/NAME.lock while we own the name */
};

static size_t out_pending(const struct conn *c)
{
	return c->out.len - c->out_pos;
}

/* Raises the soft open-files limit to the hard one: many clients, one cell. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl); /* best effort: keep the old one */
	}
}

/* CELL_IDLE_EXIT in milliseconds, 0 when unset or not a positive number. */
static long idle_exit_ms(void)
{
	const char *s = getenv("CELL_IDLE_EXIT");
	char *end;
	long v;

	if (!s || !*s)
		return 0;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v <= 0)
		return 0;
	return v;
}

/*
 * systemd's protocol: LISTEN_PID names us and LISTEN_FDS >= 1, so fd 3 is
 * our listening socket. Returns 3, 0 when not activated, or -errno when
 * fd 3 is not a listening stream socket.
 */
static int listen_fds(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	char *end;
	long p, n;
	int acc = 0, type = 0;
	socklen_t sl = sizeof acc;

	if (!pid || !fds)
		return 0;
	errno = 0;
	p = strtol(pid, &end, 10);
	if (errno || *end || p != (long)getpid())
		return 0;
	n = strtol(fds, &end, 10);
	if (errno || *end || n < 1)
		return 0;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (getsockopt(3, SOL_SOCKET, SO_ACCEPTCONN, &acc, &sl) < 0)
		return -errno;
	sl = sizeof type;
	if (getsockopt(3, SOL_SOCKET, SO_TYPE, &type, &sl) < 0)
		return -errno;
	if (!acc || type != SOCK_STREAM)
		return -EINVAL;
	if (fcntl(3, F_SETFD, FD_CLOEXEC) < 0)
		return -errno;
	if (fcntl(3, F_SETFL, fcntl(3, F_GETFL) | O_NONBLOCK) < 0)
		return -errno;
	return 3;
}

/*
 * Takes run/NAME.lock for as long as we listen, so that two servers of one
 * name cannot both find the socket stale (a fresh one refuses connections
 * between bind and listen) and unlink each other's. Held: -EADDRINUSE.
 * Returns 0 or a negative code.
 */
static int lock_name(struct server *srv, const struct cell_home *home,
		     const char *name)
{
	char path[CELL_PATH_MAX];
	int err;

	err = cell_home_path(home, path, sizeof path, "run/%s.lock", name);
	if (err)
		return err;
	srv->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (srv->lockfd < 0)
		return -errno;
	if (flock(srv->lockfd, LOCK_EX | LOCK_NB) < 0) {
		err = errno == EWOULDBLOCK ? -EADDRINUSE : -errno;
		close(srv->lockfd);
		srv->lockfd = -1;
		return err;
	}
	return 0;
}

/*
 * Binds $CELL_HOME/run/NAME.sock under run/NAME.lock. A socket file nobody
 * listens on is a leftover of a dead cell and is replaced; a live one, or
 * the lock held by another server, is -EADDRINUSE.
 */
static int bind_socket(struct server *srv, const char *name)
{
	struct cell_home home;
	char run[CELL_PATH_MAX];
	struct stat st;
	int fd, err;

	err = cell_home_init(&home, NULL);
	if (err)
		return err;
	err = cell_home_path(&home, srv->path, sizeof srv->path,
			     "run/%s.sock", name);
	if (err)
		return err;
	err = cell_home_path(&home, run, sizeof run, "run");
	if (err)
		return err;
	err = fs_mkdir_p(run, 0700);
	if (err)
		return err;
	err = lock_name(srv, &home, name);
	if (err)
		return err;
	fd = unixsock_listen(srv->path, SOCK_NONBLOCK, 0, SOMAXCONN);
	if (fd < 0)
		return fd;
	if (stat(srv->path, &st) < 0) {
		err = -errno;
		unlink(srv->path);
		close(fd);
		return err;
	}
	srv->dev = st.st_dev;
	srv->ino = st.st_ino;
	return fd;
}

static int ep_set(struct server *srv, int op, int fd, void *ptr, uint32_t ev)
{
	struct epoll_event e;

	memset(&e, 0, sizeof e);
	e.events = ev;
	e.data.ptr = ptr;
	return epoll_ctl(srv->ep, op, fd, &e) < 0 ? -errno : 0;
}

/* One-shot timer in ms; 0 disarms. */
static void timer_set(struct server *srv, long ms)
{
	struct itimerspec its;

	memset(&its, 0, sizeof its);
	its.it_value.tv_sec = ms / 1000;
	its.it_value.tv_nsec = (ms % 1000) * 1000000L;
	timerfd_settime(srv->tfd, 0, &its, NULL);
}

static void conn_free(struct server *srv, struct conn *c)
{
	epoll_ctl(srv->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	cell_decoder_release(&c->in);
	cell_buf_release(&c->out);
	free(c);
	srv->nconns--;
	if (srv->lfd >= 0 && !srv->accepting &&
	    ep_set(srv, EPOLL_CTL_MOD, srv->lfd, &srv->lfd, EPOLLIN) == 0)
		srv->accepting = 1;
	if (srv->nconns == 0 && srv->idle_ms > 0 && !srv->stopping)
		timer_set(srv, srv->idle_ms);
}

/* Sends queued output until done or the socket is full. 0 or -errno. */
static int conn_flush(struct conn *c)
{
	while (out_pending(c)) {
		ssize_t n = send(c->fd, c->out.data + c->out_pos,
				 out_pending(c), MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -errno;
		}
		c->out_pos += (size_t)n;
	}
	c->out_pos = 0;
	cell_buf_reset(&c->out);
	if (c->out.cap > REPLY_KEEP)
		cell_buf_release(&c->out);
	return 0;
}

/*
 * Queues one frame. With nothing queued it is sent straight from the
 * caller's bytes and only what the socket refuses is copied.
 * Returns 0 or a negative code (the connection is then beyond saving).
 */
static int conn_send(struct conn *c, uint8_t type, const void *payload,
		     size_t len)
{
	uint8_t hdr[CELL_FRAME_HEADER];
	size_t sent = 0;
	int err;

	if (len > CELL_FRAME_MAX)
		return CELL_ETOOBIG;
	cell_frame_header(hdr, type, (uint32_t)len);
	if (!out_pending(c)) {
		struct iovec iov[2] = {
			{ hdr, sizeof hdr }, { (void *)payload, len }
		};
		struct msghdr msg;
		ssize_t n;

		memset(&msg, 0, sizeof msg);
		msg.msg_iov = iov;
		msg.msg_iovlen = len ? 2 : 1;
		do
			n = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		while (n < 0 && errno == EINTR);
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		sent = n < 0 ? 0 : (size_t)n;
		if (sent == sizeof hdr + len)
			return 0;
	}
	if (sent < sizeof hdr) {
		err = cell_buf_add(&c->out, hdr + sent, sizeof hdr - sent);
		if (!err)
			err = cell_buf_add(&c->out, payload, len);
	} else {
		err = cell_buf_add(&c->out, (const char *)payload +
				   (sent - sizeof hdr), len - (sent - sizeof hdr));
	}
	return err;
}

/* Answers a malformed stream with the reason, then stops reading it. */
static int conn_reject(struct conn *c, const char *why)
{
	c->bad = 1;
	c->rd_closed = 1;
	return conn_send(c, CELL_FRAME_ERROR, why, strlen(why));
}

static int handle_data(struct server *srv, struct conn *c, const char *req,
		       size_t len)
{
	const char *msg;
	int r;

	/* One huge reply should not pin its buffer for the cell's life. */
	if (srv->reply.cap > REPLY_KEEP)
		cell_buf_release(&srv->reply);
	cell_buf_reset(&srv->reply);
	r = srv->handler(srv->ctx, req, len, &srv->reply);
	if (r >= 0)
		return conn_send(c, CELL_FRAME_DATA, srv->reply.data,
				 srv->reply.len);
	msg = srv->reply.len ? srv->reply.data : cell_strerror(r);
	return conn_send(c, CELL_FRAME_ERROR, msg, strlen(msg));
}

/* Handles the complete requests buffered on c, in order. 0 or -errno. */
static int conn_process(struct server *srv, struct conn *c)
{
	uint8_t type;
	const char *payload;
	size_t len;
	int r, err = 0;

	c->stalled = 0;
	while (!c->bad && !err) {
		if (out_pending(c) > OUT_HIGH) {
			c->stalled = 1;
			break;
		}
		r = cell_decoder_next(&c->in, &type, &payload, &len);
		if (r == 0)
			break;
		if (r < 0)
			err = conn_reject(c, c->in.why);
		else if (type == CELL_FRAME_DATA)
			err = handle_data(srv, c, payload, len);
		else if (type == CELL_FRAME_PING)
			err = conn_send(c, CELL_FRAME_PING, payload, len);
		else
			err = conn_reject(c, "unexpected ERROR frame from a client");
	}
	return err;
}

/*
 * Brings c's epoll interest in line with its state, or frees it once it
 * has nothing left to read, handle or send.
 */
static void conn_update(struct server *srv, struct conn *c)
{
	uint32_t want = 0;

	if (c->rd_closed && !out_pending(c) && !c->stalled) {
		conn_free(srv, c);
		return;
	}
	if (!c->rd_closed && out_pending(c) <= OUT_HIGH)
		want |= EPOLLIN;
	if (out_pending(c))
		want |= EPOLLOUT;
	if (want != c->events) {
		if (ep_set(srv, EPOLL_CTL_MOD, c->fd, c, want) < 0) {
			conn_free(srv, c);
			return;
		}
		c->events = want;
	}
}

/*
 * One read into c's decoder. Returns 1 if bytes came, 0 when there are
 * none now or the peer closed (rd_closed set), -errno on failure.
 */
static int conn_read(struct conn *c)
{
	char *p;
	size_t room;
	ssize_t n;
	int err;

	err = cell_decoder_space(&c->in, READ_MIN, &p, &room);
	if (err)
		return err;
	if (room == 0)
		return 0; /* full: cannot happen while requests are handled */
	do
		n = recv(c->fd, p, room, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	if (n == 0) {
		c->rd_closed = 1;
		return 0;
	}
	cell_decoder_commit(&c->in, (size_t)n);
	return 1;
}

/* After the peer's EOF: a partial frame left behind is a truncation. */
static int conn_check_eof(struct conn *c)
{
	if (c->rd_closed && !c->bad && !c->stalled &&
	    cell_decoder_pending(&c->in))
		return conn_reject(c, "truncated frame: connection closed "
				   "in the middle of a frame");
	return 0;
}

/*
 * Sends what is queued and, while that brings the output under the mark,
 * handles the requests that waited for it. Loops because the socket may
 * take everything at once: a stalled connection left with nothing to
 * send would otherwise wait for an event that never comes.
 */
static int conn_pump(struct server *srv, struct conn *c)
{
	int err = conn_flush(c);

	while (err >= 0 && c->stalled && out_pending(c) <= OUT_HIGH) {
		err = conn_process(srv, c);
		if (err >= 0)
			err = conn_check_eof(c);
		if (err >= 0)
			err = conn_flush(c);
	}
	return err;
}

static void conn_event(struct server *srv, struct conn *c, uint32_t ev)
{
	int err = 0;

	if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR) && !c->rd_closed &&
	    !c->stalled) {
		err = conn_read(c);
		if (err >= 0)
			err = conn_process(srv, c);
		if (err >= 0)
			err = conn_check_eof(c);
	}
	if (err >= 0)
		err = conn_pump(srv, c);
	if (err < 0) {
		conn_free(srv, c);
		return;
	}
	conn_update(srv, c);
}

static void accept_some(struct server *srv)
{
	int i;

	for (i = 0; i < MAX_ACCEPTS; i++) {
		int fd = accept4(srv->lfd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			/* Out of fds: stop accepting until one closes. */
			if ((errno == EMFILE || errno == ENFILE ||
			     errno == ENOBUFS || errno == ENOMEM) &&
			    ep_set(srv, EPOLL_CTL_MOD, srv->lfd, &srv->lfd,
				   0) == 0)
				srv->accepting = 0;
			return;
		}
		c = calloc(1, sizeof *c);
		if (!c) {
			close(fd);
			return;
		}
		c->fd = fd;
		c->events = EPOLLIN;
		cell_decoder_init(&c->in, CELL_FRAME_MAX);
		cell_buf_init(&c->out, OUT_HIGH + CELL_FRAME_HEADER +
			      CELL_FRAME_MAX);
		if (ep_set(srv, EPOLL_CTL_ADD, fd, c, EPOLLIN) < 0) {
			close(fd);
			free(c);
			return;
		}
		c->next = srv->conns;
		if (c->next)
			c->next->prev = c;
		srv->conns = c;
		if (srv->nconns++ == 0 && srv->idle_ms > 0)
			timer_set(srv, 0);
	}
}

/* Closes the listening socket, and removes its file if we bound it. */
static void stop_listening(struct server *srv)
{
	struct stat st;

	if (srv->lfd < 0)
		return;
	epoll_ctl(srv->ep, EPOLL_CTL_DEL, srv->lfd, NULL);
	close(srv->lfd);
	srv->lfd = -1;
	srv->accepting = 0;
	if (srv->path[0] && stat(srv->path, &st) == 0 &&
	    st.st_dev == srv->dev && st.st_ino == srv->ino)
		unlink(srv->path);
	/* The name is free once its socket file is gone. */
	if (srv->lockfd >= 0) {
		close(srv->lockfd);
		srv->lockfd = -1;
	}
}

/*
 * SIGTERM/SIGINT: accept nothing more, take in what each client already
 * sent, answer it, flush, and let the loop end when every connection is
 * gone (or DRAIN_MS passed).
 */
static void begin_stop(struct server *srv)
{
	struct conn *c, *next;

	srv->stopping = 1;
	stop_listening(srv);
	timer_set(srv, DRAIN_MS);
	for (c = srv->conns; c; c = next) {
		int err = 0;

		next = c->next;
		while (!c->rd_closed && !c->stalled && err >= 0) {
			err = conn_read(c);
			if (err == 0)
				break;
			if (err > 0)
				err = conn_process(srv, c);
		}
		if (err >= 0)
			err = conn_check_eof(c);
		c->rd_closed = 1;
		if (err >= 0)
			err = conn_pump(srv, c);
		if (err < 0)
			conn_free(srv, c);
		else
			conn_update(srv, c);
	}
}

/* The idle timer fired: exit unless a client is waiting to be accepted. */
static int idle_expired(struct server *srv)
{
	if (srv->nconns || srv->lfd < 0)
		return 0;
	accept_some(srv);
	return srv->nconns == 0;
}

static int loop(struct server *srv)
{
	struct epoll_event ev[MAX_EVENTS];
	int i, n;

	for (;;) {
		if (srv->stopping && srv->nconns == 0)
			return 0;
		n = epoll_wait(srv->ep, ev, MAX_EVENTS, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (i = 0; i < n; i++) {
			void *p = ev[i].data.ptr;

			if (p == &srv->lfd) {
				if (srv->lfd >= 0)
					accept_some(srv);
			} else if (p == &srv->sfd) {
				struct signalfd_siginfo si;

				while (read(srv->sfd, &si, sizeof si) ==
				       sizeof si)
					;
				if (!srv->stopping)
					begin_stop(srv);
				/* ev[] may name connections freed above. */
				break;
			} else if (p == &srv->tfd) {
				uint64_t ticks;

				if (read(srv->tfd, &ticks, sizeof ticks) < 0 &&
				    errno == EAGAIN)
					continue;
				if (srv->stopping || idle_expired(srv))
					return 0;
			} else {
				conn_event(srv, p, ev[i].events);
				/* A freed connection's fd may be reused by an
				 * accept in this batch; ev[] stays valid because
				 * only conn_event frees, and only its own conn. */
			}
		}
	}
}

static void server_cleanup(struct server *srv, const sigset_t *oldmask)
{
	struct signalfd_siginfo si;

	while (srv->conns)
		conn_free(srv, srv->conns);
	stop_listening(srv);
	if (srv->lockfd >= 0)
		close(srv->lockfd);
	if (srv->sfd >= 0) {
		/* Consume what arrived so unblocking does not deliver it. */
		while (read(srv->sfd, &si, sizeof si) == sizeof si)
			;
		close(srv->sfd);
	}
	sigprocmask(SIG_SETMASK, oldmask, NULL);
	if (srv->tfd >= 0)
		close(srv->tfd);
	if (srv->ep >= 0)
		close(srv->ep);
	cell_buf_release(&srv->reply);
}

int cell_serve(const char *name, cell_handler handler, void *ctx)
{
	struct server srv;
	sigset_t mask, oldmask;
	int err;

	if (!cell_name_valid(name))
		return CELL_ENAME;
	if (!handler)
		return -EINVAL;
	memset(&srv, 0, sizeof srv);
	srv.handler = handler;
	srv.ctx = ctx;
	srv.ep = srv.sfd = srv.tfd = srv.lfd = srv.lockfd = -1;
	srv.idle_ms = idle_exit_ms();
	cell_buf_init(&srv.reply, CELL_FRAME_MAX);
	raise_nofile();

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, &oldmask) < 0)
		return -errno;

	srv.lfd = listen_fds();
	if (srv.lfd == 0)
		srv.lfd = bind_socket(&srv, name);
	if (srv.lfd < 0) {
		err = srv.lfd;
		srv.lfd = -1;
		goto out;
	}
	srv.ep = epoll_create1(EPOLL_CLOEXEC);
	srv.sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	srv.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (srv.ep < 0 || srv.sfd < 0 || srv.tfd < 0) {
		err = -errno;
		goto out;
	}
	err = ep_set(&srv, EPOLL_CTL_ADD, srv.lfd, &srv.lfd, EPOLLIN);
	if (!err)
		err = ep_set(&srv, EPOLL_CTL_ADD, srv.sfd, &srv.sfd, EPOLLIN);
	if (!err)
		err = ep_set(&srv, EPOLL_CTL_ADD, srv.tfd, &srv.tfd, EPOLLIN);
	if (err)
		goto out;
	srv.accepting = 1;
	if (srv.idle_ms > 0)
		timer_set(&srv, srv.idle_ms);
	err = loop(&srv);
out:
	server_cleanup(&srv, &oldmask);
	return err;
}
