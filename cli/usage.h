/* usage.h - how the CLI reports errors: git's die/error/warning. */
#ifndef CELL_USAGE_H
#define CELL_USAGE_H

#include <stdnoreturn.h>

/* Exit statuses, as documented in cell(1). */
#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2

/* "cell: MSG" on stderr, exit 1. */
noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like die() with ": strerror(errno)" appended. */
noreturn void die_errno(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
/* "cell: MSG" on stderr, exit 2: a usage error, with a hint. */
noreturn void die_usage(const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "cell: MSG" on stderr; returns -1 so callers can `return error(...)`. */
int error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "cell: warning: MSG" on stderr. */
void warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* With CELL_TRACE=1 in the environment, "trace: MSG" on stderr. */
void trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
