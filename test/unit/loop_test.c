/* loop_test.c - stem/loop.c: fd callbacks, timers, removal mid-batch. */
#include <sys/epoll.h>
#include <unistd.h>

#include "loop.h"
#include "test.h"

struct rec {
	int calls;
	int order[8];
	int norder;
	struct loop_fd *pair[2]; /* the first callback unwatches the other */
};

static void on_timer(struct loop *loop, struct loop_timer *t)
{
	struct rec *r = t->ctx;

	(void)loop;
	r->order[r->norder++] = (int)(t->deadline % 1000);
	r->calls++;
}

static void test_timers_fire_in_deadline_order(void)
{
	struct loop loop;
	struct loop_timer a, b, c;
	struct rec r = { 0 };
	uint64_t now;

	CHECK_INT(loop_init(&loop), 0);
	loop_timer_init(&a, on_timer, &r);
	loop_timer_init(&b, on_timer, &r);
	loop_timer_init(&c, on_timer, &r);
	now = loop_now() / 1000 * 1000; /* deadline % 1000 tags each timer */
	loop_timer_at(&loop, &a, now + 3);
	loop_timer_at(&loop, &b, now + 1);
	loop_timer_at(&loop, &c, now + 2);
	while (r.calls < 3)
		CHECK(loop_run_once(&loop, 1000) >= 0);
	CHECK_INT(r.order[0], 1);
	CHECK_INT(r.order[1], 2);
	CHECK_INT(r.order[2], 3);
	CHECK(loop.timers == NULL);
	loop_release(&loop);
}

static void test_cancelled_timer_never_fires(void)
{
	struct loop loop;
	struct loop_timer a, b;
	struct rec r = { 0 };

	CHECK_INT(loop_init(&loop), 0);
	loop_timer_init(&a, on_timer, &r);
	loop_timer_init(&b, on_timer, &r);
	loop_timer_in(&loop, &a, 0);
	loop_timer_in(&loop, &b, 0);
	loop_timer_cancel(&loop, &a);
	loop_timer_cancel(&loop, &a); /* twice is harmless */
	CHECK_INT(loop_run_once(&loop, 100), 1);
	CHECK_INT(r.calls, 1);
	CHECK(!a.armed);
	CHECK(!b.armed);
	loop_release(&loop);
}

static void test_no_timer_means_no_wakeup(void)
{
	struct loop loop;

	CHECK_INT(loop_init(&loop), 0);
	/* Nothing watched, nothing armed: only the caller's timeout ends it. */
	CHECK_INT(loop_run_once(&loop, 10), 0);
	loop_release(&loop);
}

static void on_read(struct loop *loop, struct loop_fd *w, uint32_t events)
{
	struct rec *r = w->ctx;
	char c;

	CHECK(events & EPOLLIN);
	CHECK_INT(read(w->fd, &c, 1), 1);
	r->calls++;
	if (r->pair[0]) {
		loop_fd_unwatch(loop, r->pair[r->pair[0] == w ? 1 : 0]);
		r->pair[0] = NULL;
	}
}

static void test_fd_callback_runs_when_readable(void)
{
	struct loop loop;
	struct loop_fd w;
	struct rec r = { 0 };
	int p[2];

	CHECK_INT(loop_init(&loop), 0);
	CHECK_INT(pipe(p), 0);
	loop_fd_init(&w, p[0], on_read, &r);
	CHECK_INT(loop_fd_watch(&loop, &w, EPOLLIN), 0);
	CHECK_INT(loop_run_once(&loop, 0), 0);
	CHECK_INT(write(p[1], "x", 1), 1);
	CHECK_INT(loop_run_once(&loop, 1000), 1);
	CHECK_INT(r.calls, 1);
	loop_fd_unwatch(&loop, &w);
	CHECK_INT(write(p[1], "x", 1), 1);
	CHECK_INT(loop_run_once(&loop, 0), 0);
	CHECK_INT(r.calls, 1);
	close(p[0]);
	close(p[1]);
	loop_release(&loop);
}

static void test_unwatched_mid_batch_is_skipped(void)
{
	struct loop loop;
	struct loop_fd w1, w2;
	struct rec r = { 0 };
	int p1[2], p2[2];

	CHECK_INT(loop_init(&loop), 0);
	CHECK_INT(pipe(p1), 0);
	CHECK_INT(pipe(p2), 0);
	loop_fd_init(&w1, p1[0], on_read, &r);
	loop_fd_init(&w2, p2[0], on_read, &r);
	CHECK_INT(loop_fd_watch(&loop, &w1, EPOLLIN), 0);
	CHECK_INT(loop_fd_watch(&loop, &w2, EPOLLIN), 0);
	CHECK_INT(write(p1[1], "x", 1), 1);
	CHECK_INT(write(p2[1], "x", 1), 1);
	/* Whichever runs first unwatches the other: it must not run. */
	r.pair[0] = &w1;
	r.pair[1] = &w2;
	CHECK_INT(loop_run_once(&loop, 1000), 1);
	CHECK_INT(r.calls, 1);
	loop_fd_unwatch(&loop, &w1);
	loop_fd_unwatch(&loop, &w2);
	close(p1[0]);
	close(p1[1]);
	close(p2[0]);
	close(p2[1]);
	loop_release(&loop);
}

int main(void)
{
	RUN(test_timers_fire_in_deadline_order);
	RUN(test_cancelled_timer_never_fires);
	RUN(test_no_timer_means_no_wakeup);
	RUN(test_fd_callback_runs_when_readable);
	RUN(test_unwatched_mid_batch_is_skipped);
	return test_done();
}
