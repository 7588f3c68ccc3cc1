/*
 * germinate.c - `cell germinate NAME...`: asks the stem (starting one if
 * none runs) to start each cell, or to confirm it runs.
 */
#include <stdio.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cmd.h"
#include "control.h"
#include "options.h"
#include "usage.h"

static const char usage[] = "cell germinate NAME ...";

static int germinate_one(int fd, const char *name)
{
	struct cell_buf reply = CELL_BUF_INIT(1u << 20);
	struct cell_buf why = CELL_BUF_INIT(4096);
	const cJSON *pid, *sock;
	cJSON *rep;
	int err, status = EXIT_OK;

	err = stem_op(fd, "germinate", name, &reply, &why);
	if (err == CELL_EREMOTE || err == CELL_ENODNA) {
		error("%s", cell_buf_str(&why));
		status = EXIT_FAIL;
	} else if (err) {
		die("cannot germinate '%s': %s", name, cell_buf_str(&why));
	} else {
		rep = cJSON_ParseWithOpts(cell_buf_str(&reply), NULL, 1);
		pid = cJSON_GetObjectItemCaseSensitive(rep, "pid");
		sock = cJSON_GetObjectItemCaseSensitive(rep, "socket");
		if (!cJSON_IsNumber(pid) || !cJSON_IsString(sock))
			die("malformed reply from the stem");
		printf("%s pid %d socket %s\n", name, (int)pid->valuedouble,
		       sock->valuestring);
		cJSON_Delete(rep);
	}
	cell_buf_release(&why);
	cell_buf_release(&reply);
	return status;
}

int cmd_germinate(int argc, char **argv)
{
	struct cell_home home;
	int i, n, fd, status = EXIT_OK;

	n = parse_options(argc, argv, NULL, usage);
	if (n < 1)
		die_usage("see 'cell germinate --help'",
			  "cell germinate needs at least one NAME");
	for (i = 0; i < n; i++)
		cli_need_name(argv[i]);
	cli_home(&home);
	fd = stem_connect(&home);
	if (fd < 0)
		die("cannot reach the stem of '%s': %s", home.dir,
		    cell_strerror(fd));
	for (i = 0; i < n; i++)
		if (germinate_one(fd, argv[i]) != EXIT_OK)
			status = EXIT_FAIL;
	close(fd);
	return status;
}
