/*
 * test.h - a minimal unit test harness printing TAP lines, so that
 * test/run.sh counts unit tests and bats tests the same way.
 *
 *   static void test_buf_grows(void) { CHECK(x == 1); }
 *   int main(void) { RUN(test_buf_grows); return test_done(); }
 */
#ifndef CELL_TEST_H
#define CELL_TEST_H

#include <stdio.h>
#include <string.h>

static int test_count;
static int test_failed_count;
static int test_current_failed;

#define CHECK(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "# %s:%d: CHECK failed: %s\n", \
				__FILE__, __LINE__, #cond); \
			test_current_failed = 1; \
		} \
	} while (0)

#define CHECK_INT(a, b) \
	do { \
		long long a_ = (long long)(a), b_ = (long long)(b); \
		if (a_ != b_) { \
			fprintf(stderr, "# %s:%d: %s == %lld, expected %lld\n", \
				__FILE__, __LINE__, #a, a_, b_); \
			test_current_failed = 1; \
		} \
	} while (0)

#define CHECK_STR(a, b) \
	do { \
		const char *a_ = (a), *b_ = (b); \
		if (!a_ || !b_ || strcmp(a_, b_)) { \
			fprintf(stderr, "# %s:%d: %s == \"%s\", expected \"%s\"\n", \
				__FILE__, __LINE__, #a, a_ ? a_ : "(null)", \
				b_ ? b_ : "(null)"); \
			test_current_failed = 1; \
		} \
	} while (0)

#define RUN(fn) \
	do { \
		test_current_failed = 0; \
		fn(); \
		test_count++; \
		if (test_current_failed) \
			test_failed_count++; \
		printf("%s %d - %s: %s\n", test_current_failed ? "not ok" : "ok", \
		       test_count, __FILE__, #fn); \
		fflush(stdout); \
	} while (0)

static inline int test_done(void)
{
	return test_failed_count ? 1 : 0;
}

#endif
