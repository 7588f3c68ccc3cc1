/*
 * conn.c - calling a cell by name: cell_connect(), cell_call(),
 * cell_close(). The stem is asked only when the cell's socket is missing
 * or refuses; after that it is out of the data path.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "cell.h"
#include "control.h"
#include "unixsock.h"

#define STEM_REPLY_MAX (64u << 10)
/* First read of a reply: header and this much payload in one syscall. */
#define CALL_FIRST_READ (64u << 10)

struct cell_conn {
	int fd;
	int broken; /* the stream lost frame sync: every call fails */
};

/* Asks the stem of home to germinate name. 0 or a negative code. */
static int germinate(const struct cell_home *home, const char *name,
		     struct cell_buf *why)
{
	struct cell_buf reply = CELL_BUF_INIT(STEM_REPLY_MAX);
	int fd, err;

	fd = stem_connect(home);
	if (fd < 0) {
		if (why) {
			cell_buf_reset(why);
			cell_buf_printf(why, "cannot reach the stem of '%s': %s",
					home->dir, cell_strerror(fd));
		}
		return fd;
	}
	err = stem_op(fd, "germinate", name, &reply, why);
	close(fd);
	cell_buf_release(&reply);
	return err;
}

int cell_connect(const char *name, struct cell_conn **out,
		 struct cell_buf *why)
{
	struct cell_home home;
	char path[CELL_PATH_MAX];
	struct cell_conn *c;
	int fd, err;

	*out = NULL;
	if (!cell_name_valid(name))
		return CELL_ENAME;
	err = cell_home_init(&home, NULL);
	if (!err)
		err = cell_home_path(&home, path, sizeof path, "run/%s.sock",
				     name);
	if (err)
		return err;
	fd = unixsock_connect(path);
	if (fd == -ENOENT || fd == -ECONNREFUSED) {
		err = germinate(&home, name, why);
		if (err)
			return err;
		fd = unixsock_connect(path);
	}
	if (fd < 0)
		return fd;
	c = calloc(1, sizeof *c);
	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	c->fd = fd;
	*out = c;
	return 0;
}

/* Reads exactly len bytes. 0, CELL_EPROTO at EOF, -errno. */
static int read_exact(int fd, char *p, size_t len)
{
	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return CELL_EPROTO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Reads one reply frame into reply. The first read asks for the header
 * and up to CALL_FIRST_READ payload bytes at once, so a small reply costs
 * one syscall; the rest goes straight into place.
 */
static int read_reply(struct cell_conn *c, uint8_t *type,
		      struct cell_buf *reply)
{
	uint8_t hdr[CELL_FRAME_HEADER];
	size_t got = 0, first, len;
	struct iovec iov[2];
	int err;

	cell_buf_reset(reply);
	first = reply->max < CALL_FIRST_READ ? reply->max : CALL_FIRST_READ;
	err = cell_buf_grow(reply, first);
	if (err)
		return err;
	while (got < sizeof hdr) {
		ssize_t n;

		iov[0].iov_base = hdr + got;
		iov[0].iov_len = sizeof hdr - got;
		iov[1].iov_base = reply->data;
		iov[1].iov_len = first;
		n = readv(c->fd, iov, 2);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return got ? CELL_EPROTO : CELL_EEOF;
		got += (size_t)n;
	}
	got -= sizeof hdr;
	err = cell_frame_parse(hdr, sizeof hdr, reply->max, type, &len);
	if (err < 0)
		return err;
	/* One request, one reply: bytes past it mean we lost the thread. */
	if (got > len)
		return CELL_EPROTO;
	err = cell_buf_grow(reply, len);
	if (!err)
		err = read_exact(c->fd, reply->data + got, len - got);
	if (err)
		return err;
	reply->len = len;
	reply->data[len] = '\0';
	return 0;
}

int cell_call(struct cell_conn *conn, const void *req, size_t len,
	      struct cell_buf *reply)
{
	uint8_t type;
	int err;

	if (conn->broken)
		return CELL_EPROTO;
	err = cell_frame_write(conn->fd, CELL_FRAME_DATA, req, len);
	if (err == CELL_ETOOBIG)
		return err; /* nothing was sent */
	if (!err)
		err = read_reply(conn, &type, reply);
	if (!err && type == CELL_FRAME_ERROR)
		return CELL_EREMOTE;
	if (!err && type != CELL_FRAME_DATA)
		err = CELL_EPROTO;
	/* A half-sent request or half-read reply leaves the stream unusable. */
	if (err)
		conn->broken = 1;
	return err;
}

void cell_close(struct cell_conn *conn)
{
	if (!conn)
		return;
	close(conn->fd);
	free(conn);
}
