/* usage.c - the CLI's only exits, and its diagnostics. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usage.h"

static void report(const char *prefix, const char *fmt, va_list ap,
		   const char *cause)
{
	fflush(stdout);
	fprintf(stderr, "cell: %s", prefix);
	vfprintf(stderr, fmt, ap);
	if (cause)
		fprintf(stderr, ": %s", cause);
	fputc('\n', stderr);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report("", fmt, ap, NULL);
	va_end(ap);
	exit(EXIT_FAIL);
}

void die_errno(const char *fmt, ...)
{
	const char *cause = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	report("", fmt, ap, cause);
	va_end(ap);
	exit(EXIT_FAIL);
}

void die_usage(const char *hint, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report("", fmt, ap, NULL);
	va_end(ap);
	if (hint)
		fprintf(stderr, "hint: %s\n", hint);
	exit(EXIT_USAGE);
}

int error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report("", fmt, ap, NULL);
	va_end(ap);
	return -1;
}

void warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report("warning: ", fmt, ap, NULL);
	va_end(ap);
}

void trace(const char *fmt, ...)
{
	const char *env = getenv("CELL_TRACE");
	va_list ap;

	if (!env || !*env || !strcmp(env, "0"))
		return;
	va_start(ap, fmt);
	fputs("trace: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}
