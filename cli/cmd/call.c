/*
 * call.c - `cell call NAME [DATA|-]`: one request to a cell (germinated
 * on demand), its reply on stdout.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "options.h"
#include "usage.h"

static const char usage[] = "cell call NAME [DATA|-]";

static void read_stdin(struct cell_buf *buf)
{
	char chunk[65536];
	ssize_t r;

	while ((r = read(0, chunk, sizeof chunk)) != 0) {
		if (r < 0)
			die_errno("cannot read standard input");
		if (cell_buf_add(buf, chunk, (size_t)r) < 0)
			die("request on standard input is larger than %u bytes",
			    CELL_FRAME_MAX);
	}
}

int cmd_call(int argc, char **argv)
{
	struct cell_buf req = CELL_BUF_INIT(CELL_FRAME_MAX);
	struct cell_buf reply = CELL_BUF_INIT(CELL_FRAME_MAX);
	struct cell_buf why = CELL_BUF_INIT(4096);
	struct cell_conn *conn;
	const char *name;
	int n, err;

	n = parse_options(argc, argv, NULL, usage);
	if (n < 1 || n > 2)
		die_usage("see 'cell call --help'",
			  "cell call needs NAME and at most one DATA");
	name = argv[0];
	cli_need_name(name);
	if (n == 2 && !strcmp(argv[1], "-"))
		read_stdin(&req);
	else if (n == 2 && cell_buf_addstr(&req, argv[1]) < 0)
		die("out of memory");
	err = cell_connect(name, &conn, &why);
	if (err)
		die("cannot reach '%s': %s", name,
		    why.len ? cell_buf_str(&why) : cell_strerror(err));
	err = cell_call(conn, req.data ? req.data : "", req.len, &reply);
	cell_close(conn);
	if (err == CELL_EREMOTE)
		die("%s", cell_buf_str(&reply));
	if (err)
		die("call to '%s' failed: %s", name, cell_strerror(err));
	if (reply.len && fwrite(reply.data, 1, reply.len, stdout) != reply.len)
		die_errno("write error on standard output");
	cell_buf_release(&req);
	cell_buf_release(&reply);
	cell_buf_release(&why);
	return EXIT_OK;
}
