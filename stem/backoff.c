/* backoff.c - restart policy, exponential backoff, intensity limit. */
#include <errno.h>
#include <string.h>

#include "backoff.h"

int restart_policy_parse(const char *s, enum manifest_restart *out)
{
	enum manifest_restart r;

	for (r = MANIFEST_RESTART_NO; r <= MANIFEST_RESTART_ALWAYS; r++)
		if (!strcmp(s, manifest_restart_name(r))) {
			*out = r;
			return 0;
		}
	return -EINVAL;
}

void backoff_init(struct backoff *b)
{
	memset(b, 0, sizeof *b);
	b->base_ms = 100;
	b->max_ms = 30000;
	b->window_ms = 10000;
	b->limit = 5;
}

void backoff_reset(struct backoff *b)
{
	b->streak = 0;
	b->nrecent = 0;
}

/* Drops restarts older than the window. */
static void expire(struct backoff *b, uint64_t now_ms)
{
	unsigned i = 0, j;

	while (i < b->nrecent && b->recent[i] + b->window_ms <= now_ms)
		i++;
	for (j = 0; i < b->nrecent; i++, j++)
		b->recent[j] = b->recent[i];
	b->nrecent = j;
}

enum fsm_event backoff_decide(struct backoff *b, enum manifest_restart policy,
			      int clean, uint64_t now_ms, uint64_t uptime_ms,
			      uint64_t *delay_ms)
{
	unsigned limit = b->limit;
	uint64_t d;

	*delay_ms = 0;
	if (policy == MANIFEST_RESTART_NO ||
	    (policy == MANIFEST_RESTART_ON_FAILURE && clean))
		return clean ? FSM_EV_EXIT_IDLE : FSM_EV_EXIT_FAILED;
	/* A run as long as the window was healthy: start over. */
	if (uptime_ms >= b->window_ms)
		b->streak = 0;
	expire(b, now_ms);
	if (limit > BACKOFF_LIMIT_MAX)
		limit = BACKOFF_LIMIT_MAX;
	if (b->nrecent >= limit)
		return FSM_EV_EXIT_FAILED;
	b->recent[b->nrecent++] = now_ms;
	d = b->base_ms;
	for (unsigned i = 0; i < b->streak && d < b->max_ms; i++)
		d *= 2;
	if (d > b->max_ms)
		d = b->max_ms;
	b->streak++;
	*delay_ms = d;
	return FSM_EV_EXIT_RESTART;
}
