/*
 * backoff.h - restart decisions: the restart policy, exponential backoff
 * and an intensity limit (Erlang's MaxR restarts in MaxT, systemd's
 * StartLimitBurst/StartLimitIntervalSec). Pure logic, no clock reads: the
 * caller passes the times in.
 */
#ifndef STEM_BACKOFF_H
#define STEM_BACKOFF_H

#include <stdint.h>

#include "fsm.h"
#include "manifest.h"

/*
 * The policies are the manifest's (dna/manifest.h): MANIFEST_RESTART_NO,
 * _ON_FAILURE (the default), _ALWAYS.
 */
/* Parses "no", "on-failure", "always". 0 or -EINVAL. */
int restart_policy_parse(const char *s, enum manifest_restart *out);

#define BACKOFF_LIMIT_MAX 32

struct backoff {
	uint64_t base_ms;   /* first delay */
	uint64_t max_ms;    /* delays double up to this */
	uint64_t window_ms; /* intensity window; also a "healthy run" */
	unsigned limit;     /* restarts allowed within window_ms */
	unsigned streak;    /* consecutive quick failures */
	unsigned nrecent;
	uint64_t recent[BACKOFF_LIMIT_MAX]; /* restart times (ms), oldest first */
};

/* Defaults: 100 ms doubling to 30 s, 5 restarts in 10 s. */
void backoff_init(struct backoff *b);
/* Forgets the history (an explicit germinate after a failure). */
void backoff_reset(struct backoff *b);

/*
 * What to do when a process exits: clean is nonzero for exit status 0,
 * now_ms is the current monotonic time and uptime_ms how long it ran.
 * Returns FSM_EV_EXIT_IDLE (stay down, socket kept for activation),
 * FSM_EV_EXIT_RESTART with *delay_ms set (the restart is recorded), or
 * FSM_EV_EXIT_FAILED (policy "no" after a failure, or over the limit).
 */
enum fsm_event backoff_decide(struct backoff *b, enum manifest_restart policy,
			      int clean, uint64_t now_ms, uint64_t uptime_ms,
			      uint64_t *delay_ms);

#endif
