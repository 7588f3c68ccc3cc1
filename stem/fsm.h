/*
 * fsm.h - a cell's lifecycle as an explicit state machine: one table of
 * transitions (s6-supervise, Erlang supervisors). The supervisor feeds it
 * events; whatever the table refuses is a bug or a request to refuse.
 */
#ifndef STEM_FSM_H
#define STEM_FSM_H

enum fsm_state {
	FSM_STOPPED,  /* no process (idle cells keep their socket) */
	FSM_STARTING, /* forked, exec not yet confirmed */
	FSM_RUNNING,
	FSM_BACKOFF,  /* exited, restart timer armed */
	FSM_FAILED,   /* gave up: restart limit, exec failure, policy */
	FSM_STOPPING, /* SIGTERM sent, waiting for the exit */
	FSM_NSTATES
};

enum fsm_event {
	FSM_EV_START,        /* germinate, pending connection, backoff timer */
	FSM_EV_EXECED,       /* the exec succeeded */
	FSM_EV_EXIT_IDLE,    /* exited, no restart wanted (clean exit) */
	FSM_EV_EXIT_RESTART, /* exited, policy restarts it after a delay */
	FSM_EV_EXIT_FAILED,  /* exited, policy gives up */
	FSM_EV_STOP,         /* stop request */
	FSM_NEVENTS
};

/* The state after ev in state s, or -1 when the table has no such edge. */
int fsm_next(enum fsm_state s, enum fsm_event ev);
/* "stopped", "starting", ... (the names written to run/NAME.json). */
const char *fsm_state_name(enum fsm_state s);
/* The state named name, or -1. */
int fsm_state_parse(const char *name);

#endif
