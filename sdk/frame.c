/* frame.c - the length-prefixed frame format used on every socket. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "cell.h"

void cell_frame_header(uint8_t out[CELL_FRAME_HEADER], uint8_t type,
		       uint32_t len)
{
	out[0] = (uint8_t)(len >> 24);
	out[1] = (uint8_t)(len >> 16);
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
	out[4] = type;
}

int cell_frame_parse(const void *buf, size_t len, size_t max, uint8_t *type,
		     size_t *payload_len)
{
	const uint8_t *p = buf;
	uint32_t n;

	if (len < CELL_FRAME_HEADER)
		return 0;
	n = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
	if (p[4] > CELL_FRAME_PING)
		return CELL_EPROTO;
	if (n > max)
		return CELL_ETOOBIG;
	*type = p[4];
	*payload_len = n;
	return 1;
}

/* sendmsg with MSG_NOSIGNAL so a vanished peer is an error, not a signal. */
static ssize_t write_vec(int fd, struct iovec *iov, int n)
{
	struct msghdr msg;
	ssize_t r;

	memset(&msg, 0, sizeof msg);
	msg.msg_iov = iov;
	msg.msg_iovlen = (size_t)n;
	r = sendmsg(fd, &msg, MSG_NOSIGNAL);
	if (r < 0 && errno == ENOTSOCK)
		r = writev(fd, iov, n);
	return r;
}

int cell_frame_write(int fd, uint8_t type, const void *payload, size_t len)
{
	uint8_t hdr[CELL_FRAME_HEADER];
	struct iovec iov[2];
	int i = 0;

	if (len > CELL_FRAME_MAX)
		return CELL_ETOOBIG;
	cell_frame_header(hdr, type, (uint32_t)len);
	iov[0].iov_base = hdr;
	iov[0].iov_len = sizeof hdr;
	iov[1].iov_base = (void *)payload;
	iov[1].iov_len = len;
	while (i < 2) {
		ssize_t r = write_vec(fd, iov + i, 2 - i);
		size_t done;

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done = (size_t)r;
		while (i < 2 && done >= iov[i].iov_len)
			done -= iov[i++].iov_len;
		if (i < 2) {
			iov[i].iov_base = (char *)iov[i].iov_base + done;
			iov[i].iov_len -= done;
		}
	}
	return 0;
}

/* Reads exactly len bytes. Returns bytes read before EOF, or -errno. */
static ssize_t read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = read(fd, (char *)buf + got, len - got);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

int cell_frame_read(int fd, uint8_t *type, struct cell_buf *payload)
{
	uint8_t hdr[CELL_FRAME_HEADER];
	size_t len;
	ssize_t r;
	int err;

	cell_buf_reset(payload);
	r = read_full(fd, hdr, sizeof hdr);
	if (r < 0)
		return (int)r;
	if (r == 0)
		return CELL_EEOF;
	if ((size_t)r < sizeof hdr)
		return CELL_EPROTO;
	err = cell_frame_parse(hdr, sizeof hdr, payload->max, type, &len);
	if (err < 0)
		return err;
	err = cell_buf_grow(payload, len);
	if (err)
		return err;
	r = read_full(fd, payload->data, len);
	if (r < 0)
		return (int)r;
	if ((size_t)r < len)
		return CELL_EPROTO;
	payload->len = len;
	payload->data[len] = '\0';
	return 0;
}
