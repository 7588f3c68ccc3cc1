/* stem.c - `cell stem`: runs the stem of this home (exec of cell-stem). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cmd.h"
#include "options.h"
#include "usage.h"

static const char usage[] = "cell stem [--allow-unconfined] [--daemon] [-v]";

int cmd_stem(int argc, char **argv)
{
	int daemon = 0, verbose = 0, unconfined = 0;
	struct option opts[] = {
		OPT_FLAG(0, "allow-unconfined", &unconfined,
			 "start cells whose manifest says \"sandbox\": false"),
		OPT_FLAG(0, "daemon", &daemon,
			 "run in the background, logging to logs/stem.log"),
		OPT_FLAG('v', "verbose", &verbose, "log every request"),
		OPT_END(),
	};
	const char *stem = getenv("CELL_STEM");
	char *args[5];
	int n = 0;

	if (parse_options(argc, argv, opts, usage) > 0)
		die_usage("see 'cell stem --help'",
			  "cell stem takes no arguments");
	if (!stem || !*stem)
		stem = "cell-stem";
	args[n++] = "cell-stem";
	if (unconfined)
		args[n++] = "--allow-unconfined";
	if (daemon)
		args[n++] = "--daemon";
	if (verbose)
		args[n++] = "-v";
	args[n] = NULL;
	fflush(stdout);
	execvp(stem, args);
	die_errno("cannot run '%s'", stem);
}
