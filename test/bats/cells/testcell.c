/*
 * testcell.c - a cell for the runtime's bats tests, built with
 * cc -Iinclude testcell.c lib/libcell.a. What it does is chosen at
 * compile time (each variant gets its own DNA hash):
 *   (default)        replies "echo:" + the request; prints "got N bytes"
 *   -DSLOW_MS=N      sleeps N ms before replying (drain tests)
 *   -DCRASH          dies of SIGSEGV before serving (a real fault: the
 *                    cell is pid 1 of its namespace, and pid 1 ignores a
 *                    signal it sends itself with raise())
 *   -DEXIT_CODE=N    exits with N before serving
 *   -DPRINT_LINES=N  prints N numbered lines per request (log rotation)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cell.h"

static int handle(void *ctx, const void *req, size_t len,
		  struct cell_buf *reply)
{
	(void)ctx;
#ifdef PRINT_LINES
	for (int i = 0; i < PRINT_LINES; i++)
		printf("line %d of a request of %zu bytes\n", i, len);
#else
	printf("got %zu bytes\n", len);
#endif
	fflush(stdout);
#ifdef SLOW_MS
	{
		struct timespec ts = { SLOW_MS / 1000,
				       (SLOW_MS % 1000) * 1000000L };

		while (nanosleep(&ts, &ts) < 0)
			;
	}
#endif
	if (cell_buf_addstr(reply, "echo:") < 0 ||
	    cell_buf_add(reply, req, len) < 0)
		return -1;
	return 0;
}

int main(void)
{
	const char *name = getenv("CELL_NAME");
	int err;

#ifdef CRASH
	*(volatile int *)(uintptr_t)getpid() = 0;
#endif
#ifdef EXIT_CODE
	fprintf(stderr, "exiting with %d\n", EXIT_CODE);
	return EXIT_CODE;
#endif
	err = cell_serve(name ? name : "testcell", handle, NULL);
	if (err) {
		fprintf(stderr, "testcell: %s\n", cell_strerror(err));
		return 1;
	}
	return 0;
}
