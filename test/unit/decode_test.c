/* decode_test.c - the incremental frame decoder behind cell_serve(). */
#include "cell.h"
#include "decode.h"
#include "test.h"

static void test_frames_split_anywhere(void)
{
	const char stream[] = "\0\0\0\5\0hello\0\0\0\0\2\0\0\0\2\1no";
	struct cell_decoder d;
	const char *p;
	uint8_t type;
	size_t len, i;
	int n = 0;

	cell_decoder_init(&d, CELL_FRAME_MAX);
	/* One byte at a time: every split point of every frame. */
	for (i = 0; i < sizeof stream - 1; i++) {
		CHECK_INT(cell_decoder_feed(&d, stream + i, 1), 0);
		while (cell_decoder_next(&d, &type, &p, &len) == 1) {
			n++;
			if (n == 1)
				CHECK(type == CELL_FRAME_DATA && len == 5 &&
				      !memcmp(p, "hello", 5));
			if (n == 2)
				CHECK(type == CELL_FRAME_PING && len == 0);
			if (n == 3)
				CHECK(type == CELL_FRAME_ERROR && len == 2 &&
				      !memcmp(p, "no", 2));
		}
	}
	CHECK_INT(n, 3);
	CHECK_INT(cell_decoder_pending(&d), 0);
	cell_decoder_release(&d);
}

static void test_errors_are_sticky_and_explained(void)
{
	struct cell_decoder d;
	const char *p;
	uint8_t type;
	size_t len;

	cell_decoder_init(&d, 100);
	CHECK_INT(cell_decoder_feed(&d, "\0\0\0\145\0", 5), 0);
	CHECK_INT(cell_decoder_next(&d, &type, &p, &len), CELL_ETOOBIG);
	CHECK_STR(d.why, "frame of 101 bytes exceeds the limit of 100");
	CHECK_INT(cell_decoder_next(&d, &type, &p, &len), CELL_ETOOBIG);
	CHECK_INT(cell_decoder_feed(&d, "x", 1), CELL_ETOOBIG);
	cell_decoder_release(&d);

	cell_decoder_init(&d, 100);
	CHECK_INT(cell_decoder_feed(&d, "\0\0\0\0\3", 5), 0);
	CHECK_INT(cell_decoder_next(&d, &type, &p, &len), CELL_EPROTO);
	CHECK_STR(d.why, "unknown frame type 3");
	cell_decoder_release(&d);
}

/* A header claiming 60 MiB does not make the decoder allocate it. */
static void test_claimed_length_is_not_preallocated(void)
{
	struct cell_decoder d;
	char *room;
	size_t n, len;
	const char *p;
	uint8_t type;

	cell_decoder_init(&d, CELL_FRAME_MAX);
	CHECK_INT(cell_decoder_feed(&d, "\3\300\0\0\0abc", 8), 0);
	CHECK_INT(cell_decoder_next(&d, &type, &p, &len), 0);
	CHECK_INT(cell_decoder_space(&d, 4096, &room, &n), 0);
	CHECK(n < (1u << 20));
	CHECK(d.in.cap < (1u << 20));
	cell_decoder_release(&d);
}

int main(void)
{
	RUN(test_frames_split_anywhere);
	RUN(test_errors_are_sticky_and_explained);
	RUN(test_claimed_length_is_not_preallocated);
	return test_done();
}
