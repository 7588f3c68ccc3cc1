/*
 * newcell - a cell: a small service that answers requests by name.
 *
 * Built by `cell build` against libcell (cell.h), stored as DNA, and
 * started on demand by the stem when someone connects to "newcell".
 * This one answers every request with the request's own bytes (echo).
 */
#include <cell.h>

/*
 * Called once per request. req and len are the request's bytes; whatever
 * is appended to reply is sent back. Return 0 to send reply, or a
 * negative code (-errno, CELL_E*) to send an error instead (reply's
 * contents, if any, become the error message).
 */
static int handle(void *ctx, const void *req, size_t len,
		  struct cell_buf *reply)
{
	(void)ctx;

	/*
	 * Your logic goes here: parse req, do the work, append the answer.
	 * To call another cell, use cell_connect("other", &conn, NULL) and
	 * cell_call(conn, req, len, &answer) (see cell.h).
	 */
	return cell_buf_add(reply, req, len);
}

int main(void)
{
	/*
	 * Setup that every request shares (open files, load data) goes
	 * here, before serving; pass it to handle() through ctx.
	 */
	int err = cell_serve("newcell", handle, NULL);

	return err ? 1 : 0;
}
