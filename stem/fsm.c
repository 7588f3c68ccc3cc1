/* fsm.c - the one transition table of a cell's lifecycle. */
#include <string.h>

#include "fsm.h"

#define X (-1)

/* next[state][event]; X: not allowed. */
static const signed char next[FSM_NSTATES][FSM_NEVENTS] = {
	/*               START         EXECED        EXIT_IDLE     EXIT_RESTART  EXIT_FAILED   STOP */
	[FSM_STOPPED]  = { FSM_STARTING, X,            X,            X,            X,            FSM_STOPPED },
	[FSM_STARTING] = { X,            FSM_RUNNING,  FSM_STOPPED,  FSM_BACKOFF,  FSM_FAILED,   FSM_STOPPING },
	[FSM_RUNNING]  = { X,            X,            FSM_STOPPED,  FSM_BACKOFF,  FSM_FAILED,   FSM_STOPPING },
	[FSM_BACKOFF]  = { FSM_STARTING, X,            X,            X,            X,            FSM_STOPPED },
	[FSM_FAILED]   = { FSM_STARTING, X,            X,            X,            X,            FSM_STOPPED },
	/* Whatever way it exits while stopping, it is stopped. */
	[FSM_STOPPING] = { X,            X,            FSM_STOPPED,  FSM_STOPPED,  FSM_STOPPED,  FSM_STOPPING },
};

static const char *const names[FSM_NSTATES] = {
	[FSM_STOPPED] = "stopped",
	[FSM_STARTING] = "starting",
	[FSM_RUNNING] = "running",
	[FSM_BACKOFF] = "backoff",
	[FSM_FAILED] = "failed",
	[FSM_STOPPING] = "stopping",
};

int fsm_next(enum fsm_state s, enum fsm_event ev)
{
	if ((unsigned)s >= FSM_NSTATES || (unsigned)ev >= FSM_NEVENTS)
		return -1;
	return next[s][ev];
}

const char *fsm_state_name(enum fsm_state s)
{
	if ((unsigned)s >= FSM_NSTATES)
		return "unknown";
	return names[s];
}

int fsm_state_parse(const char *name)
{
	int i;

	for (i = 0; i < FSM_NSTATES; i++)
		if (!strcmp(names[i], name))
			return i;
	return -1;
}
