/* log.c - the stem's own log: one line per event, "time level message". */
#include <stdarg.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

#include "stem.h"

static const char *const levels[] = { "error", "info", "debug" };

void stem_log(const struct stem *stem, int level, const char *fmt, ...)
{
	char line[1024], stamp[32];
	struct timeval tv;
	struct tm tm;
	va_list ap;
	int n;

	if (level > STEM_LOG_INFO + stem->verbose)
		return;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* One write per line, so lines from several processes never mix. */
	fprintf(stderr, "%s.%03ldZ %s %s\n", stamp, (long)tv.tv_usec / 1000,
		levels[level], line);
	fflush(stderr);
}
