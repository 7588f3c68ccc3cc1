/*
 * germinate.c - `cell germinate NAME...`: asks the stem (starting one if
 * none runs) to start each cell, or to confirm it runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cmd.h"
#include "control.h"
#include "options.h"
#include "usage.h"

static const char usage[] = "cell germinate NAME ...";

/* {"op": op, "name": name}, caller frees. NULL when out of memory. */
static char *request(const char *op, const char *name)
{
	cJSON *o = cJSON_CreateObject();
	char *text = NULL;

	if (o && cJSON_AddStringToObject(o, "op", op) &&
	    cJSON_AddStringToObject(o, "name", name))
		text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

static int germinate_one(int fd, const char *name)
{
	struct cell_buf reply = CELL_BUF_INIT(1u << 20);
	const cJSON *pid, *sock, *msg;
	char *req = request("germinate", name);
	cJSON *rep;
	int err, status = EXIT_OK;

	if (!req)
		die("out of memory");
	err = stem_request(fd, req, &reply);
	free(req);
	if (err && err != CELL_EREMOTE)
		die("cannot germinate '%s': %s", name, cell_strerror(err));
	rep = cJSON_ParseWithOpts(cell_buf_str(&reply), NULL, 1);
	if (err) {
		msg = cJSON_GetObjectItemCaseSensitive(rep, "error");
		error("%s", cJSON_IsString(msg) ? msg->valuestring :
			    "the stem refused, without a reason");
		status = EXIT_FAIL;
	} else {
		pid = cJSON_GetObjectItemCaseSensitive(rep, "pid");
		sock = cJSON_GetObjectItemCaseSensitive(rep, "socket");
		if (!cJSON_IsNumber(pid) || !cJSON_IsString(sock))
			die("malformed reply from the stem");
		printf("%s pid %d socket %s\n", name, (int)pid->valuedouble,
		       sock->valuestring);
	}
	cJSON_Delete(rep);
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
		if (!cell_name_valid(argv[i]))
			die("invalid cell name '%s' (must match %s)", argv[i],
			    CELL_NAME_RULE);
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
