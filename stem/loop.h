/*
 * loop.h - the stem's event loop: one thread, one epoll set (redis ae,
 * skalibs iopause in spirit).
 *
 * Watches and timers are intrusive: the owner embeds a struct loop_fd or
 * struct loop_timer in its own struct and keeps it alive while it is
 * registered, so the loop never allocates per event. Timers are absolute
 * CLOCK_MONOTONIC deadlines; with no timer armed the loop sleeps until an
 * fd is ready (no periodic wakeups). Signals arrive as an fd (signalfd)
 * watched like any other.
 */
#ifndef STEM_LOOP_H
#define STEM_LOOP_H

#include <stdint.h>

struct loop;
struct loop_fd;
struct loop_timer;

typedef void (*loop_fd_cb)(struct loop *loop, struct loop_fd *w,
			   uint32_t events);
typedef void (*loop_timer_cb)(struct loop *loop, struct loop_timer *t);

struct loop_fd {
	int fd;
	uint32_t events;     /* EPOLLIN, EPOLLOUT ... as registered */
	loop_fd_cb cb;
	void *ctx;
	int added;
};

struct loop_timer {
	uint64_t deadline;   /* CLOCK_MONOTONIC, nanoseconds */
	loop_timer_cb cb;
	void *ctx;
	struct loop_timer *next;
	int armed;
};

#define LOOP_BATCH 32

struct loop {
	int epfd;
	int stop;
	struct loop_timer *timers; /* armed timers, soonest first */
	/* The batch being dispatched, so a watch removed by an earlier
	 * callback of the same batch is skipped, never called. */
	void *batch[LOOP_BATCH];
	uint32_t batch_events[LOOP_BATCH];
	int batch_len;
	int batch_pos;
};

/* Now on CLOCK_MONOTONIC, in nanoseconds. */
uint64_t loop_now(void);

/* 0 or -errno. */
int loop_init(struct loop *loop);
/* Closes the epoll fd; watched fds are their owners' to close. */
void loop_release(struct loop *loop);

/* Fills w; not yet watched. */
void loop_fd_init(struct loop_fd *w, int fd, loop_fd_cb cb, void *ctx);
/* Watches w->fd for events (EPOLLIN...), or changes them. 0 or -errno. */
int loop_fd_watch(struct loop *loop, struct loop_fd *w, uint32_t events);
/* Stops watching w (does not close the fd). Safe if not watched. */
void loop_fd_unwatch(struct loop *loop, struct loop_fd *w);

void loop_timer_init(struct loop_timer *t, loop_timer_cb cb, void *ctx);
/* Arms t at an absolute deadline (re-arms if armed). */
void loop_timer_at(struct loop *loop, struct loop_timer *t,
		   uint64_t deadline);
/* Arms t ms milliseconds from now. */
void loop_timer_in(struct loop *loop, struct loop_timer *t, uint64_t ms);
/* Disarms t. Safe if not armed. */
void loop_timer_cancel(struct loop *loop, struct loop_timer *t);

/*
 * Waits for the next events (at most until the soonest timer, or
 * timeout_ms when >= 0, whichever comes first) and runs their callbacks,
 * then every expired timer. Returns the number of callbacks run, or
 * -errno (EINTR is not an error: it returns 0).
 */
int loop_run_once(struct loop *loop, int timeout_ms);
/* Runs until loop_stop(). 0 or -errno. */
int loop_run(struct loop *loop);
void loop_stop(struct loop *loop);

#endif
