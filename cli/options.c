/* options.c - option parsing shared by every command. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "usage.h"

void print_usage(const char *usage, const struct option *opts)
{
	const struct option *o;

	printf("usage: %s\n", usage);
	if (!opts || opts->type == OPT_END)
		return;
	putchar('\n');
	for (o = opts; o->type != OPT_END; o++) {
		char spec[64];
		int n = 0;

		if (o->short_name)
			n = snprintf(spec, sizeof spec, "-%c%s", o->short_name,
				     o->long_name ? ", " : "");
		if (o->long_name)
			n += snprintf(spec + n, sizeof spec - (size_t)n,
				      "--%s", o->long_name);
		if (o->arg_help)
			snprintf(spec + n, sizeof spec - (size_t)n, " %s",
				 o->arg_help);
		printf("    %-22s %s\n", spec, o->help);
	}
	printf("    %-22s %s\n", "-h, --help", "show this help");
}

static noreturn void bad_option(const char *usage, const char *fmt,
				const char *what)
{
	char hint[256];
	char cmd[64];
	size_t n = strcspn(usage, "[<-");

	/* "cell build [PATH...]" -> hint "see 'cell build --help'" */
	if (n >= sizeof cmd)
		n = sizeof cmd - 1;
	memcpy(cmd, usage, n);
	while (n && cmd[n - 1] == ' ')
		n--;
	cmd[n] = '\0';
	snprintf(hint, sizeof hint, "see '%s --help'", cmd);
	die_usage(hint, fmt, what);
}

static void set_value(const struct option *o, const char *arg,
		      const char *usage, const char *shown)
{
	char *end;
	long v;

	switch (o->type) {
	case OPT_FLAG:
		*(int *)o->value = 1;
		break;
	case OPT_INT:
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || end == arg || *end || v < 0 || v > INT_MAX)
			bad_option(usage, "option '%s' needs a whole number",
				   shown);
		*(int *)o->value = (int)v;
		break;
	case OPT_STRING:
		*(const char **)o->value = arg;
		break;
	case OPT_END:
		break;
	}
}

static const struct option *find_long(const struct option *opts,
				      const char *name, size_t len)
{
	for (; opts->type != OPT_END; opts++)
		if (opts->long_name && strlen(opts->long_name) == len &&
		    !strncmp(opts->long_name, name, len))
			return opts;
	return NULL;
}

static const struct option *find_short(const struct option *opts, char c)
{
	for (; opts->type != OPT_END; opts++)
		if (opts->short_name == c)
			return opts;
	return NULL;
}

int parse_options(int argc, char **argv, const struct option *opts,
		  const char *usage)
{
	static const struct option none[] = { OPT_END() };
	int i, npos = 0, only_args = 0;

	if (!opts)
		opts = none;
	for (i = 1; i < argc; i++) {
		char *a = argv[i];
		const struct option *o;

		if (only_args || a[0] != '-' || !a[1]) {
			argv[npos++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_args = 1;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			print_usage(usage, opts);
			exit(EXIT_OK);
		}
		if (a[1] == '-') {
			char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);

			o = find_long(opts, a + 2, len);
			if (!o)
				bad_option(usage, "unknown option '%s'", a);
			if (o->type == OPT_FLAG) {
				if (eq)
					bad_option(usage,
						   "option '%s' takes no value",
						   a);
				set_value(o, NULL, usage, a);
			} else if (eq) {
				set_value(o, eq + 1, usage, a);
			} else {
				if (i + 1 >= argc)
					bad_option(usage,
						   "option '%s' needs a value",
						   a);
				set_value(o, argv[++i], usage, a);
			}
			continue;
		}
		/* Bundled short flags: -vq; a value may follow: -j4, -j 4. */
		for (a++; *a; a++) {
			char shown[3] = { '-', *a, '\0' };

			o = find_short(opts, *a);
			if (!o)
				bad_option(usage, "unknown option '%s'", shown);
			if (o->type == OPT_FLAG) {
				set_value(o, NULL, usage, shown);
				continue;
			}
			if (a[1]) {
				set_value(o, a + 1, usage, shown);
			} else {
				if (i + 1 >= argc)
					bad_option(usage,
						   "option '%s' needs a value",
						   shown);
				set_value(o, argv[++i], usage, shown);
			}
			break;
		}
	}
	argv[npos] = NULL;
	return npos;
}
