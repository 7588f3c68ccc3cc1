/* decode.c - incremental frame decoder shared by the server and the fuzzer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

/* Slack above one whole frame, so a read can always ask for some room. */
#define DECODE_SLACK (256u << 10)
/* A drained connection keeps a buffer up to this size for its next frame:
 * reallocating it (fresh pages to fault in) for every 1 MiB request cost
 * about a tenth of the throughput in bench/ipc. Anything bigger is freed. */
#define DECODE_KEEP (4u << 20)

void cell_decoder_init(struct cell_decoder *d, size_t max_payload)
{
	cell_buf_init(&d->in, max_payload + CELL_FRAME_HEADER + DECODE_SLACK);
	d->pos = 0;
	d->max = max_payload;
	d->err = 0;
	d->why[0] = '\0';
}

void cell_decoder_release(struct cell_decoder *d)
{
	cell_buf_release(&d->in);
	d->pos = 0;
}

size_t cell_decoder_pending(const struct cell_decoder *d)
{
	return d->in.len - d->pos;
}

/* Moves the unconsumed bytes to the front, or drops a big idle buffer. */
static void compact(struct cell_decoder *d)
{
	size_t left = cell_decoder_pending(d);

	if (left == 0 && d->in.cap > DECODE_KEEP)
		cell_buf_release(&d->in);
	if (d->pos == 0)
		return;
	if (left)
		memmove(d->in.data, d->in.data + d->pos, left);
	d->in.len = left;
	d->pos = 0;
}

int cell_decoder_space(struct cell_decoder *d, size_t min, char **p,
		       size_t *room)
{
	size_t want = min, need = 0, left;
	uint8_t type;
	int r, err;

	if (d->err)
		return d->err;
	compact(d);
	left = d->in.len;
	/*
	 * Room for more of the frame under way, so it arrives in few reads,
	 * but never more than what already came: a header claiming 64 MiB
	 * costs its sender 64 MiB of sending before it costs us as much.
	 */
	r = cell_frame_parse(d->in.data, left, d->max, &type, &need);
	need += CELL_FRAME_HEADER;
	if (r == 1 && need > left + want)
		want = need - left < left ? need - left : left;
	if (want < min)
		want = min;
	if (want > d->in.max - left)
		want = d->in.max - left;
	err = cell_buf_grow(&d->in, want);
	if (err)
		return err;
	*p = d->in.data + left;
	/* cell_buf keeps one byte for its NUL. */
	*room = d->in.cap - 1 - left;
	if (*room > d->in.max - left)
		*room = d->in.max - left;
	return 0;
}

void cell_decoder_commit(struct cell_decoder *d, size_t n)
{
	d->in.len += n;
	d->in.data[d->in.len] = '\0';
}

int cell_decoder_feed(struct cell_decoder *d, const void *data, size_t n)
{
	const char *src = data;

	while (n) {
		char *p;
		size_t room;
		int err = cell_decoder_space(d, n, &p, &room);

		if (err)
			return err;
		if (room == 0)
			return CELL_ETOOBIG;
		if (room > n)
			room = n;
		memcpy(p, src, room);
		cell_decoder_commit(d, room);
		src += room;
		n -= room;
	}
	return 0;
}

int cell_decoder_next(struct cell_decoder *d, uint8_t *type,
		      const char **payload, size_t *len)
{
	const char *p = d->in.data + d->pos;
	size_t left = cell_decoder_pending(d), n;
	int r;

	if (d->err)
		return d->err;
	r = cell_frame_parse(p, left, d->max, type, &n);
	if (r == 0)
		return 0;
	if (r < 0) {
		const uint8_t *h = (const uint8_t *)p;

		if (r == CELL_ETOOBIG)
			snprintf(d->why, sizeof d->why,
				 "frame of %lu bytes exceeds the limit of %zu",
				 (unsigned long)h[0] << 24 |
				 (unsigned long)h[1] << 16 |
				 (unsigned long)h[2] << 8 | h[3], d->max);
		else
			snprintf(d->why, sizeof d->why,
				 "unknown frame type %u", h[4]);
		d->err = r;
		return r;
	}
	if (left - CELL_FRAME_HEADER < n)
		return 0;
	*payload = p + CELL_FRAME_HEADER;
	*len = n;
	d->pos += CELL_FRAME_HEADER + n;
	return 1;
}
