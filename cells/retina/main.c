/*
 * retina - sees a request: answers with it upper-cased, followed by what
 * it measured: "HELLO (5 bytes, checksum 0x1f4)". The checksum is a sum
 * of the bytes, enough for a person to see two requests differ.
 */
#include <stdio.h>

#include <cell.h>

static int handle(void *ctx, const void *req, size_t len,
		  struct cell_buf *reply)
{
	const unsigned char *p = req;
	unsigned long sum = 0;
	size_t i;
	int err;

	(void)ctx;
	err = cell_buf_grow(reply, len);
	if (err)
		return err;
	for (i = 0; i < len; i++) {
		unsigned char c = p[i];

		sum += c;
		if (c >= 'a' && c <= 'z')
			c = (unsigned char)(c - 'a' + 'A');
		reply->data[reply->len + i] = (char)c;
	}
	reply->len += len;
	reply->data[reply->len] = '\0';
	/* stderr goes to the stem's logger: see `cell logs retina`. */
	fprintf(stderr, "saw %zu bytes, checksum 0x%lx\n", len, sum);
	return cell_buf_printf(reply, " (%zu bytes, checksum 0x%lx)", len,
			       sum);
}

int main(void)
{
	return cell_serve("retina", handle, NULL) ? 1 : 0;
}
