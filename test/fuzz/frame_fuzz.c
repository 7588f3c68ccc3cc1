/*
 * frame_fuzz.c - libFuzzer target for the incremental frame decoder that
 * cell_serve() runs on every connection (sdk/decode.c).
 *
 * Input: byte 0 picks the chunk sizes the stream is fed in (as reads
 * would split it), byte 1 the payload limit; the rest is the stream.
 * Oracle: re-encoding the frames that come out gives back exactly the
 * bytes consumed, and the decoder never consumes more than it was fed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cell.h"
#include "decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cell_decoder d;
	size_t step, max, off = 0, consumed = 0;
	int err = 0;

	if (size < 2)
		return 0;
	step = (size_t)(data[0] % 17) + 1;
	max = data[1] ? (size_t)data[1] * 8 : CELL_FRAME_MAX;
	data += 2;
	size -= 2;
	cell_decoder_init(&d, max);
	while (off < size && !err) {
		size_t n = size - off < step ? size - off : step;
		const char *payload;
		uint8_t type, hdr[CELL_FRAME_HEADER];
		size_t len;
		int r;

		err = cell_decoder_feed(&d, data + off, n);
		if (err)
			break;
		off += n;
		while ((r = cell_decoder_next(&d, &type, &payload, &len)) == 1) {
			cell_frame_header(hdr, type, (uint32_t)len);
			if (type > CELL_FRAME_PING || len > max ||
			    consumed + sizeof hdr + len > off ||
			    memcmp(hdr, data + consumed, sizeof hdr) ||
			    memcmp(payload, data + consumed + sizeof hdr, len))
				abort();
			consumed += sizeof hdr + len;
		}
		if (r < 0) {
			/* Malformed: the decoder says why and stays failed. */
			if (!d.why[0] || cell_decoder_next(&d, &type, &payload,
							   &len) != r)
				abort();
			err = r;
		}
	}
	if (consumed + cell_decoder_pending(&d) != off)
		abort();
	cell_decoder_release(&d);
	return 0;
}
