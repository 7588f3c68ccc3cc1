/* loop.c - the stem's single-threaded epoll loop. */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

uint64_t loop_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int loop_init(struct loop *loop)
{
	memset(loop, 0, sizeof *loop);
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0)
		return -errno;
	return 0;
}

void loop_release(struct loop *loop)
{
	if (loop->epfd >= 0)
		close(loop->epfd);
	loop->epfd = -1;
	loop->timers = NULL;
}

void loop_fd_init(struct loop_fd *w, int fd, loop_fd_cb cb, void *ctx)
{
	w->fd = fd;
	w->events = 0;
	w->cb = cb;
	w->ctx = ctx;
	w->added = 0;
}

int loop_fd_watch(struct loop *loop, struct loop_fd *w, uint32_t events)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof ev);
	ev.events = events;
	ev.data.ptr = w;
	if (epoll_ctl(loop->epfd, w->added ? EPOLL_CTL_MOD : EPOLL_CTL_ADD,
		      w->fd, &ev) < 0)
		return -errno;
	w->added = 1;
	w->events = events;
	return 0;
}

void loop_fd_unwatch(struct loop *loop, struct loop_fd *w)
{
	int i;

	if (!w->added)
		return;
	/* The fd may already be closed (then the kernel dropped it). */
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->added = 0;
	w->events = 0;
	for (i = loop->batch_pos; i < loop->batch_len; i++)
		if (loop->batch[i] == w)
			loop->batch[i] = NULL;
}

void loop_timer_init(struct loop_timer *t, loop_timer_cb cb, void *ctx)
{
	memset(t, 0, sizeof *t);
	t->cb = cb;
	t->ctx = ctx;
}

void loop_timer_cancel(struct loop *loop, struct loop_timer *t)
{
	struct loop_timer **p;

	if (!t->armed)
		return;
	for (p = &loop->timers; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			break;
		}
	t->next = NULL;
	t->armed = 0;
}

void loop_timer_at(struct loop *loop, struct loop_timer *t,
		   uint64_t deadline)
{
	struct loop_timer **p;

	loop_timer_cancel(loop, t);
	t->deadline = deadline;
	/* Sorted insert: the stem holds a handful of timers at most. */
	for (p = &loop->timers; *p && (*p)->deadline <= deadline;
	     p = &(*p)->next)
		;
	t->next = *p;
	*p = t;
	t->armed = 1;
}

void loop_timer_in(struct loop *loop, struct loop_timer *t, uint64_t ms)
{
	loop_timer_at(loop, t, loop_now() + ms * 1000000u);
}

/* Milliseconds until the soonest deadline, rounded up; -1 for none. */
static int next_timeout(const struct loop *loop, int timeout_ms)
{
	uint64_t now, left;
	int ms;

	if (!loop->timers)
		return timeout_ms;
	now = loop_now();
	if (loop->timers->deadline <= now)
		return 0;
	left = (loop->timers->deadline - now + 999999u) / 1000000u;
	ms = left > 86400000u ? 86400000 : (int)left;
	if (timeout_ms >= 0 && timeout_ms < ms)
		ms = timeout_ms;
	return ms;
}

static int run_timers(struct loop *loop)
{
	uint64_t now = loop_now();
	int n = 0;

	/* A callback may arm new timers; those due now run in this pass. */
	while (loop->timers && loop->timers->deadline <= now) {
		struct loop_timer *t = loop->timers;

		loop->timers = t->next;
		t->next = NULL;
		t->armed = 0;
		t->cb(loop, t);
		n++;
	}
	return n;
}

int loop_run_once(struct loop *loop, int timeout_ms)
{
	struct epoll_event evs[LOOP_BATCH];
	int i, n, ran = 0;

	n = epoll_wait(loop->epfd, evs, LOOP_BATCH,
		       next_timeout(loop, timeout_ms));
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		return -errno;
	}
	for (i = 0; i < n; i++) {
		loop->batch[i] = evs[i].data.ptr;
		loop->batch_events[i] = evs[i].events;
	}
	loop->batch_len = n;
	for (loop->batch_pos = 0; loop->batch_pos < n;) {
		struct loop_fd *w = loop->batch[loop->batch_pos];
		uint32_t events = loop->batch_events[loop->batch_pos];

		loop->batch_pos++;
		if (!w)
			continue;
		w->cb(loop, w, events);
		ran++;
	}
	loop->batch_len = 0;
	loop->batch_pos = 0;
	return ran + run_timers(loop);
}

int loop_run(struct loop *loop)
{
	int r;

	loop->stop = 0;
	while (!loop->stop) {
		r = loop_run_once(loop, -1);
		if (r < 0)
			return r;
	}
	return 0;
}

void loop_stop(struct loop *loop)
{
	loop->stop = 1;
}
