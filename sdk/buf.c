/* buf.c - growable byte buffer with a hard maximum. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cell.h"

void cell_buf_init(struct cell_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void cell_buf_release(struct cell_buf *b)
{
	free(b->data);
	cell_buf_init(b, b->max);
}

void cell_buf_reset(struct cell_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

char *cell_buf_detach(struct cell_buf *b, size_t *len)
{
	char *data = b->data;

	if (len)
		*len = b->len;
	cell_buf_init(b, b->max);
	return data;
}

int cell_buf_grow(struct cell_buf *b, size_t extra)
{
	size_t want, cap;
	char *data;

	if (extra > b->max || b->len > b->max - extra)
		return CELL_ETOOBIG;
	want = b->len + extra + 1; /* room for the NUL */
	if (want <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < want)
		cap = cap > SIZE_MAX / 2 ? want : cap * 2;
	data = realloc(b->data, cap);
	if (!data)
		return -ENOMEM;
	if (!b->data)
		data[0] = '\0';
	b->data = data;
	b->cap = cap;
	return 0;
}

int cell_buf_add(struct cell_buf *b, const void *data, size_t len)
{
	int err = cell_buf_grow(b, len);

	if (err)
		return err;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int cell_buf_addstr(struct cell_buf *b, const char *s)
{
	return cell_buf_add(b, s, strlen(s));
}

int cell_buf_printf(struct cell_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, err;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	err = cell_buf_grow(b, (size_t)n);
	if (err)
		return err;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

const char *cell_buf_str(const struct cell_buf *b)
{
	return b->data ? b->data : "";
}
