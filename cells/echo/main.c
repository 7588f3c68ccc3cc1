/* echo - answers every request with the request's own bytes. */
#include <cell.h>

static int handle(void *ctx, const void *req, size_t len,
		  struct cell_buf *reply)
{
	(void)ctx;
	return cell_buf_add(reply, req, len);
}

int main(void)
{
	return cell_serve("echo", handle, NULL) ? 1 : 0;
}
