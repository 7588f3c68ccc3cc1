/*
 * brain - thinks about a request by asking retina to look at it first:
 * connects to retina by name (the stem starts it on demand), calls it,
 * and answers with a sentence built around what retina saw.
 */
#include <stdio.h>

#include <cell.h>

/* One connection to retina, opened at the first request and kept. */
struct brain {
	struct cell_conn *retina;
};

static int handle(void *ctx, const void *req, size_t len,
		  struct cell_buf *reply)
{
	struct brain *b = ctx;
	struct cell_buf seen = CELL_BUF_INIT(CELL_FRAME_MAX);
	int err;

	if (!b->retina) {
		err = cell_connect("retina", &b->retina, reply);
		if (err)
			return err; /* reply holds the stem's reason, if any */
	}
	err = cell_call(b->retina, req, len, &seen);
	if (err) {
		/* A broken connection is reopened at the next request. */
		cell_close(b->retina);
		b->retina = NULL;
		cell_buf_reset(reply);
		cell_buf_printf(reply, "retina failed: %s",
				err == CELL_EREMOTE ? cell_buf_str(&seen)
						    : cell_strerror(err));
		cell_buf_release(&seen);
		return err;
	}
	/* stderr goes to the stem's logger: see `cell logs brain`. */
	fprintf(stderr, "asked retina about %zu bytes\n", len);
	err = cell_buf_printf(reply, "brain: retina saw \"%s\"",
			      cell_buf_str(&seen));
	cell_buf_release(&seen);
	return err;
}

int main(void)
{
	struct brain b = { NULL };
	int err = cell_serve("brain", handle, &b);

	if (b.retina)
		cell_close(b.retina);
	return err ? 1 : 0;
}
