/* fsm_test.c - stem/fsm.c: the transition table. */
#include "fsm.h"
#include "test.h"

static void test_happy_path(void)
{
	CHECK_INT(fsm_next(FSM_STOPPED, FSM_EV_START), FSM_STARTING);
	CHECK_INT(fsm_next(FSM_STARTING, FSM_EV_EXECED), FSM_RUNNING);
	CHECK_INT(fsm_next(FSM_RUNNING, FSM_EV_STOP), FSM_STOPPING);
	CHECK_INT(fsm_next(FSM_STOPPING, FSM_EV_EXIT_IDLE), FSM_STOPPED);
}

static void test_exits(void)
{
	CHECK_INT(fsm_next(FSM_RUNNING, FSM_EV_EXIT_IDLE), FSM_STOPPED);
	CHECK_INT(fsm_next(FSM_RUNNING, FSM_EV_EXIT_RESTART), FSM_BACKOFF);
	CHECK_INT(fsm_next(FSM_RUNNING, FSM_EV_EXIT_FAILED), FSM_FAILED);
	CHECK_INT(fsm_next(FSM_STARTING, FSM_EV_EXIT_FAILED), FSM_FAILED);
	CHECK_INT(fsm_next(FSM_BACKOFF, FSM_EV_START), FSM_STARTING);
	CHECK_INT(fsm_next(FSM_FAILED, FSM_EV_START), FSM_STARTING);
	/* Stopping ends in stopped however the process goes. */
	CHECK_INT(fsm_next(FSM_STOPPING, FSM_EV_EXIT_RESTART), FSM_STOPPED);
	CHECK_INT(fsm_next(FSM_STOPPING, FSM_EV_EXIT_FAILED), FSM_STOPPED);
}

static void test_refused_edges(void)
{
	/* No process to start twice, no exit without a process. */
	CHECK_INT(fsm_next(FSM_RUNNING, FSM_EV_START), -1);
	CHECK_INT(fsm_next(FSM_STARTING, FSM_EV_START), -1);
	CHECK_INT(fsm_next(FSM_STOPPING, FSM_EV_START), -1);
	CHECK_INT(fsm_next(FSM_STOPPED, FSM_EV_EXIT_IDLE), -1);
	CHECK_INT(fsm_next(FSM_BACKOFF, FSM_EV_EXECED), -1);
	CHECK_INT(fsm_next(FSM_NSTATES, FSM_EV_START), -1);
	CHECK_INT(fsm_next(FSM_STOPPED, FSM_NEVENTS), -1);
}

static void test_stop_from_anywhere(void)
{
	int s;

	for (s = 0; s < FSM_NSTATES; s++)
		CHECK(fsm_next(s, FSM_EV_STOP) == FSM_STOPPED ||
		      fsm_next(s, FSM_EV_STOP) == FSM_STOPPING);
}

static void test_names_round_trip(void)
{
	int s;

	for (s = 0; s < FSM_NSTATES; s++)
		CHECK_INT(fsm_state_parse(fsm_state_name(s)), s);
	CHECK_STR(fsm_state_name(FSM_BACKOFF), "backoff");
	CHECK_INT(fsm_state_parse("bogus"), -1);
}

int main(void)
{
	RUN(test_happy_path);
	RUN(test_exits);
	RUN(test_refused_edges);
	RUN(test_stop_from_anywhere);
	RUN(test_names_round_trip);
	return test_done();
}
