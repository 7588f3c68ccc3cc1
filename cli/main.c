/* main.c - `cell`: global options, the command table, dispatch. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "usage.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

/* Exact names only, so scripts stay stable as commands are added. */
static const struct command commands[] = {
	{ "mitosis", cmd_mitosis, "create a new cell from a template" },
	{ "build", cmd_build, "build the cells under PATH into DNA" },
	{ "dna", cmd_dna, "list, show, verify and clean the DNA store" },
	{ "stem", cmd_stem, "run the stem, the daemon that runs cells" },
	{ "germinate", cmd_germinate, "start cells (or confirm they run)" },
	{ "call", cmd_call, "send one request to a cell, print its reply" },
	{ "ps", cmd_ps, "list cells: state, pid, uptime, restarts" },
	{ "logs", cmd_logs, "print (and follow) a cell's log" },
	{ "stop", cmd_stop, "stop cells" },
	{ NULL, NULL, NULL },
};

static const char usage_text[] =
	"usage: cell [--version] [--help] COMMAND [ARGS...]\n"
	"\n"
	"commands:\n";

static void print_main_usage(FILE *out)
{
	const struct command *c;

	fputs(usage_text, out);
	for (c = commands; c->name; c++)
		fprintf(out, "    %-10s %s\n", c->name, c->summary);
	fputs("\nSee 'cell help COMMAND' or man cell-COMMAND for details.\n",
	      out);
}

static const struct command *find_command(const char *name)
{
	const struct command *c;

	for (c = commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static noreturn void unknown_command(const char *name)
{
	die_usage("see 'cell --help' for the list of commands",
		  "'%s' is not a cell command", name);
}

/* Runs a command, then owns the process-level ending: flush stdout. */
static int run(const struct command *c, int argc, char **argv)
{
	int status = c->fn(argc, argv);

	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno == EPIPE)
			return status;
		die_errno("write error on standard output");
	}
	return status;
}

/*
 * Points CELL_STEM at the cell-stem beside this binary when unset, so
 * that whatever starts a stem on our behalf runs the matching one.
 */
static void set_stem_path(void)
{
	char self[CELL_PATH_MAX], *slash;
	ssize_t n;

	if (getenv("CELL_STEM"))
		return;
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n < 0 || (size_t)n >= sizeof self - 16)
		return;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return;
	memcpy(slash + 1, "cell-stem", sizeof "cell-stem");
	if (access(self, X_OK) == 0)
		setenv("CELL_STEM", self, 1);
}

int main(int argc, char **argv)
{
	const struct command *c;
	char *help_argv[3];

	set_stem_path();
	if (argc < 2) {
		print_main_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("cell version %s\n", CELL_VERSION);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		print_main_usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "help")) {
		if (argc < 3) {
			print_main_usage(stdout);
			return EXIT_OK;
		}
		c = find_command(argv[2]);
		if (!c)
			unknown_command(argv[2]);
		help_argv[0] = argv[2];
		help_argv[1] = "--help";
		help_argv[2] = NULL;
		return run(c, 2, help_argv);
	}
	if (argv[1][0] == '-')
		die_usage("see 'cell --help'", "unknown option '%s'", argv[1]);
	c = find_command(argv[1]);
	if (!c)
		unknown_command(argv[1]);
	return run(c, argc - 1, argv + 1);
}
