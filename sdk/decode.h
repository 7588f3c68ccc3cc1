/*
 * decode.h - incremental frame decoder: bytes in, whole frames out.
 * Internal to libcell. cell_serve() reads each connection into one of
 * these; the fuzzer (test/fuzz/frame_fuzz.c) drives the same code
 * without sockets.
 *
 * Use: cell_decoder_space() for room, read into it, cell_decoder_commit()
 * what arrived (or cell_decoder_feed() a buffer), then cell_decoder_next()
 * until it returns 0 before adding more bytes.
 */
#ifndef CELL_DECODE_H
#define CELL_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "cell.h"

struct cell_decoder {
	struct cell_buf in; /* bytes received; the next frame starts at pos */
	size_t pos;
	size_t max;         /* largest payload accepted */
	int err;            /* sticky: once malformed, always malformed */
	char why[96];       /* what was malformed, for an ERROR frame */
};

void cell_decoder_init(struct cell_decoder *d, size_t max_payload);
void cell_decoder_release(struct cell_decoder *d);
/*
 * Makes at least min free bytes (more when the frame being received needs
 * them) and points *p at them, *room their count. Call only after
 * cell_decoder_next() returned 0. Returns 0, the sticky error, -ENOMEM.
 */
int cell_decoder_space(struct cell_decoder *d, size_t min, char **p,
		       size_t *room);
/* Records that n bytes were written into the space. */
void cell_decoder_commit(struct cell_decoder *d, size_t n);
/* cell_decoder_space + memcpy + commit. Returns as cell_decoder_space. */
int cell_decoder_feed(struct cell_decoder *d, const void *data, size_t n);
/*
 * The next whole frame: returns 1 with *type, *payload (inside the
 * decoder, valid until the next space/feed call) and *len set; 0 when
 * more bytes are needed; CELL_EPROTO (unknown type) or CELL_ETOOBIG
 * (length over max), sticky, with d->why saying which.
 */
int cell_decoder_next(struct cell_decoder *d, uint8_t *type,
		      const char **payload, size_t *len);
/* Bytes received but not yet returned as a frame. */
size_t cell_decoder_pending(const struct cell_decoder *d);

#endif
