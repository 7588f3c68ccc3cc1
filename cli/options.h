/*
 * options.h - the one option parser every command uses (git's
 * parse_options in miniature). Exact names only: no prefix guessing.
 */
#ifndef CELL_OPTIONS_H
#define CELL_OPTIONS_H

enum opt_type {
	OPT_END = 0,
	OPT_FLAG,   /* int *: set to 1 */
	OPT_INT,    /* int *: a decimal value, range-checked >= 0 */
	OPT_STRING, /* const char **: points into argv */
};

struct option {
	enum opt_type type;
	char short_name;       /* 0 for none */
	const char *long_name; /* NULL for none */
	void *value;
	const char *arg_help;  /* "N", "NAME": shown in usage */
	const char *help;
};

#define OPT_FLAG(s, l, v, h) { OPT_FLAG, (s), (l), (v), NULL, (h) }
#define OPT_INT(s, l, v, a, h) { OPT_INT, (s), (l), (v), (a), (h) }
#define OPT_STRING(s, l, v, a, h) { OPT_STRING, (s), (l), (v), (a), (h) }
#define OPT_END() { OPT_END, 0, NULL, NULL, NULL, NULL }

/*
 * Parses argv[1..argc) (argv[0] is the command's name). Options may come
 * anywhere; "--" ends them. Positional arguments are moved to the front
 * of argv; returns their count. -h/--help prints usage and the option
 * list to stdout and exits 0; an unknown or malformed option exits 2.
 */
int parse_options(int argc, char **argv, const struct option *opts,
		  const char *usage);

/* Prints usage and the option list to stdout. */
void print_usage(const char *usage, const struct option *opts);

#endif
