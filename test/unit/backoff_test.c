/* backoff_test.c - stem/backoff.c: policy, doubling delays, intensity. */
#include <errno.h>

#include "backoff.h"
#include "test.h"

static void test_policy_parse(void)
{
	enum manifest_restart p;

	CHECK_INT(restart_policy_parse("no", &p), 0);
	CHECK_INT(p, MANIFEST_RESTART_NO);
	CHECK_INT(restart_policy_parse("on-failure", &p), 0);
	CHECK_INT(p, MANIFEST_RESTART_ON_FAILURE);
	CHECK_INT(restart_policy_parse("always", &p), 0);
	CHECK_INT(p, MANIFEST_RESTART_ALWAYS);
	CHECK_INT(restart_policy_parse("sometimes", &p), -EINVAL);
}

static void test_policy_decisions(void)
{
	struct backoff b;
	uint64_t d;

	backoff_init(&b);
	CHECK_INT(backoff_decide(&b, MANIFEST_RESTART_NO, 1, 0, 0, &d),
		  FSM_EV_EXIT_IDLE);
	CHECK_INT(backoff_decide(&b, MANIFEST_RESTART_NO, 0, 0, 0, &d),
		  FSM_EV_EXIT_FAILED);
	CHECK_INT(backoff_decide(&b, MANIFEST_RESTART_ON_FAILURE, 1, 0, 0, &d),
		  FSM_EV_EXIT_IDLE);
	CHECK_INT(backoff_decide(&b, MANIFEST_RESTART_ON_FAILURE, 0, 0, 0, &d),
		  FSM_EV_EXIT_RESTART);
	CHECK_INT(backoff_decide(&b, MANIFEST_RESTART_ALWAYS, 1, 1, 0, &d),
		  FSM_EV_EXIT_RESTART);
}

static void test_delays_double_up_to_max(void)
{
	struct backoff b;
	uint64_t d, t = 0;
	unsigned i;
	static const uint64_t want[] = { 100, 200, 400, 800, 1600 };

	backoff_init(&b);
	for (i = 0; i < 5; i++) {
		CHECK_INT(backoff_decide(&b, MANIFEST_RESTART_ON_FAILURE, 0, t, 10, &d),
			  FSM_EV_EXIT_RESTART);
		CHECK_INT(d, want[i]);
		t += 5000; /* spread out: the intensity limit stays clear */
	}
	backoff_init(&b);
	b.limit = 100;
	b.window_ms = 1;
	for (i = 0; i < 20; i++)
		backoff_decide(&b, MANIFEST_RESTART_ALWAYS, 0, t += 2, 0, &d);
	CHECK_INT(d, 30000);
}

static void test_intensity_limit_fails(void)
{
	struct backoff b;
	uint64_t d;
	unsigned i;

	backoff_init(&b);
	for (i = 0; i < 5; i++)
		CHECK_INT(backoff_decide(&b, MANIFEST_RESTART_ON_FAILURE, 0, 1000 + i,
					 5, &d), FSM_EV_EXIT_RESTART);
	CHECK_INT(backoff_decide(&b, MANIFEST_RESTART_ON_FAILURE, 0, 1010, 5, &d),
		  FSM_EV_EXIT_FAILED);
	/* Once the window has passed, restarts are allowed again. */
	CHECK_INT(backoff_decide(&b, MANIFEST_RESTART_ON_FAILURE, 0, 20000, 5, &d),
		  FSM_EV_EXIT_RESTART);
	backoff_reset(&b);
	CHECK_INT(b.nrecent, 0);
	CHECK_INT(b.streak, 0);
}

static void test_healthy_run_resets_delay(void)
{
	struct backoff b;
	uint64_t d;

	backoff_init(&b);
	backoff_decide(&b, MANIFEST_RESTART_ON_FAILURE, 0, 0, 1, &d);
	backoff_decide(&b, MANIFEST_RESTART_ON_FAILURE, 0, 1, 1, &d);
	CHECK_INT(d, 200);
	backoff_decide(&b, MANIFEST_RESTART_ON_FAILURE, 0, 60000, 59000, &d);
	CHECK_INT(d, 100);
}

int main(void)
{
	RUN(test_policy_parse);
	RUN(test_policy_decisions);
	RUN(test_delays_double_up_to_max);
	RUN(test_intensity_limit_fails);
	RUN(test_healthy_run_resets_delay);
	return test_done();
}
