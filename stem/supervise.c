/*
 * supervise.c - germinate, supervise, stop: each cell's lifecycle driven
 * through the one transition table in fsm.c.
 *
 * The stem keeps every cell's listening socket for as long as the cell
 * is not stopped. While a process runs, the process accepts on it; while
 * none does, the stem watches it itself: an idle cell (stopped) is
 * started again by the next connection (scale to zero), and a failed one
 * has its callers answered with an ERROR frame naming the cause, so no
 * caller ever hangs.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pidfd.h"
#include "proc.h"
#include "stem.h"

/* A backoff this long is not "restarting right away": answer callers. */
#define SUPERVISE_QUEUE_MS 1000

static void start(struct stem_cell *cell);
static void on_listen(struct loop *loop, struct loop_fd *w, uint32_t ev);

uint64_t supervise_now_ms(void)
{
	return loop_now() / 1000000u;
}

struct stem_cell *supervise_find(struct stem *stem, const char *name)
{
	struct stem_cell *c;

	for (c = stem->cells; c; c = c->next)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static void on_persist(struct loop *loop, struct loop_timer *t)
{
	struct stem_cell *cell = t->ctx;
	struct proc_stat ps;
	int err;

	(void)loop;
	/* Read here, off the cold start: it names the process for good. */
	if (cell->proc.pid && !cell->starttime &&
	    proc_stat_read(cell->proc.pid, &ps) == 0)
		cell->starttime = ps.starttime;
	err = runstate_write(cell->stem, cell);
	if (err)
		stem_log(cell->stem, STEM_LOG_ERROR,
			 "cannot write state of '%s': %s", cell->name,
			 cell_strerror(err));
}

/*
 * State files are written right after the loop pass's replies went out,
 * except for starting -> running, a refinement that follows a moment
 * later: it may wait this long, so that a burst of transitions costs one
 * write, away from the caller's cold start. Stops write at once, before
 * they are answered.
 */
#define SUPERVISE_PERSIST_MS 20

/* Writes the state files now (a stop is answered only after this). */
static void persist_now(struct stem_cell *cell)
{
	loop_timer_cancel(&cell->stem->loop, &cell->persist);
	on_persist(&cell->stem->loop, &cell->persist);
}

/* The only place a cell changes state. */
int supervise_transition(struct stem_cell *cell, enum fsm_event ev)
{
	int next = fsm_next(cell->state, ev);

	if (next < 0) {
		stem_log(cell->stem, STEM_LOG_ERROR,
			 "cell '%s': no transition from %s on event %d",
			 cell->name, fsm_state_name(cell->state), (int)ev);
		return -1;
	}
	stem_log(cell->stem, STEM_LOG_DEBUG, "cell '%s': %s -> %s",
		 cell->name, fsm_state_name(cell->state),
		 fsm_state_name((enum fsm_state)next));
	cell->state = (enum fsm_state)next;
	cell->since = time(NULL);
	if (ev != FSM_EV_EXECED)
		loop_timer_in(&cell->stem->loop, &cell->persist, 0);
	else if (!cell->persist.armed)
		loop_timer_in(&cell->stem->loop, &cell->persist,
			      SUPERVISE_PERSIST_MS);
	return 0;
}

static void on_timer(struct loop *loop, struct loop_timer *t);
static void on_notify(struct loop *loop, struct loop_fd *w, uint32_t ev);
static void on_logger_timer(struct loop *loop, struct loop_timer *t);

struct stem_cell *supervise_new_cell(struct stem *stem, const char *name)
{
	struct stem_cell *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	c->stem = stem;
	snprintf(c->name, sizeof c->name, "%s", name);
	c->state = FSM_STOPPED;
	c->proc.pidfd = -1;
	c->logger.pidfd = -1;
	c->log_wr = -1;
	c->log_rd = -1;
	c->listen_fd = -1;
	c->report.notify_fd = -1;
	c->policy = MANIFEST_RESTART_ON_FAILURE;
	c->since = time(NULL);
	loop_fd_init(&c->listen_w, -1, on_listen, c);
	loop_fd_init(&c->notify_w, -1, on_notify, c);
	loop_timer_init(&c->timer, on_timer, c);
	loop_timer_init(&c->persist, on_persist, c);
	loop_timer_init(&c->logger_timer, on_logger_timer, c);
	backoff_init(&c->backoff);
	if (stem->backoff_base_ms)
		c->backoff.base_ms = stem->backoff_base_ms;
	c->next = stem->cells;
	stem->cells = c;
	return c;
}

/*
 * The manifest's sandbox and limits, parsed and their seccomp filters
 * compiled once per DNA hash (man may be NULL: the defaults). A spec
 * the sandbox refuses is kept as cell->spec_error: the cell will not
 * start rather than run less confined than it asked.
 */
static void load_spec(struct stem_cell *cell, const cJSON *man)
{
	cJSON *empty = NULL;
	int err;

	sandbox_spec_release(&cell->spec);
	cell->spec_error[0] = '\0';
	if (!man)
		man = empty = cJSON_CreateObject();
	err = man ? sandbox_spec_from_manifest(man, &cell->spec,
					       cell->spec_error,
					       sizeof cell->spec_error)
		  : -ENOMEM;
	cJSON_Delete(empty);
	if (err && !cell->spec_error[0])
		snprintf(cell->spec_error, sizeof cell->spec_error,
			 "sandbox: %s", cell_strerror(err));
	if (err)
		stem_log(cell->stem, STEM_LOG_ERROR, "cell '%s': %s",
			 cell->name, cell->spec_error);
}

/*
 * Reads refs/NAME and the manifest in its meta (restart, idle_exit,
 * sandbox, limits). A missing meta leaves the defaults. 0, CELL_ENODNA,
 * CELL_ECORRUPT.
 */
int supervise_load_dna(struct stem_cell *cell)
{
	struct stem *stem = cell->stem;
	const cJSON *man, *v;
	char hash[DNA_HASH_SIZE];
	cJSON *meta = NULL;
	int err;

	err = dna_ref_read(&stem->home, cell->name, hash);
	if (err)
		return err;
	/* Same DNA as last time: same manifest, no need to read it. */
	if (cell->manifest_loaded && !strcmp(hash, cell->hash))
		return 0;
	memcpy(cell->hash, hash, sizeof hash);
	cell->manifest_loaded = 1;
	cell->policy = MANIFEST_RESTART_ON_FAILURE;
	cell->idle_exit_ms = 0;
	err = dna_meta_read(&stem->home, cell->hash, &meta);
	if (err) {
		if (err != CELL_ENODNA)
			stem_log(stem, STEM_LOG_ERROR,
				 "cell '%s': cannot read meta of %s: %s",
				 cell->name, cell->hash, cell_strerror(err));
		load_spec(cell, NULL);
		return 0;
	}
	man = cJSON_GetObjectItemCaseSensitive(meta, "manifest");
	load_spec(cell, cJSON_IsObject(man) ? man : NULL);
	v = cJSON_GetObjectItemCaseSensitive(meta, "name");
	if (!cell->spec_error[0] && cJSON_IsString(v) &&
	    strcmp(v->valuestring, cell->name) &&
	    (cJSON_GetObjectItemCaseSensitive(man, "sandbox") ||
	     cJSON_GetObjectItemCaseSensitive(man, "limits"))) {
		/*
		 * Meta is per hash: the same bytes built as another cell
		 * carry that cell's manifest. Its sandbox and limits are not
		 * this cell's to run with (they may be looser).
		 */
		snprintf(cell->spec_error, sizeof cell->spec_error,
			 "the DNA of '%s' was last built as cell '%.64s', whose "
			 "sandbox and limits do not apply to it; rebuild it",
			 cell->name, v->valuestring);
		stem_log(stem, STEM_LOG_ERROR, "cell '%s': %s", cell->name,
			 cell->spec_error);
	}
	v = cJSON_GetObjectItemCaseSensitive(man, "restart");
	if (cJSON_IsString(v) &&
	    restart_policy_parse(v->valuestring, &cell->policy) < 0)
		stem_log(stem, STEM_LOG_ERROR,
			 "cell '%s': unknown restart policy '%s'", cell->name,
			 v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(man, "idle_exit");
	if (cJSON_IsString(v)) {
		long long ms;

		if (manifest_duration_ms(v->valuestring, &ms) == 0)
			cell->idle_exit_ms = (uint64_t)ms;
		else
			stem_log(stem, STEM_LOG_ERROR,
				 "cell '%s': bad idle_exit '%s'", cell->name,
				 v->valuestring);
	}
	cJSON_Delete(meta);
	return 0;
}

int supervise_sock_path(const struct stem_cell *cell, char *out, size_t size)
{
	return cell_home_path(&cell->stem->home, out, size, "run/%s.sock",
			      cell->name);
}

static void unwatch_listen(struct stem_cell *cell)
{
	loop_fd_unwatch(&cell->stem->loop, &cell->listen_w);
}

/* The stem answers the socket's callers itself while no process does. */
static void watch_listen(struct stem_cell *cell)
{
	int err;

	if (cell->listen_fd < 0 || cell->listen_w.added)
		return;
	loop_fd_init(&cell->listen_w, cell->listen_fd, on_listen, cell);
	err = loop_fd_watch(&cell->stem->loop, &cell->listen_w, EPOLLIN);
	if (err)
		stem_log(cell->stem, STEM_LOG_ERROR,
			 "cell '%s': cannot watch its socket: %s", cell->name,
			 cell_strerror(err));
}

static void close_listen(struct stem_cell *cell, int unlink_file)
{
	char path[CELL_PATH_MAX];

	if (cell->listen_fd < 0)
		return;
	unwatch_listen(cell);
	close(cell->listen_fd);
	cell->listen_fd = -1;
	if (unlink_file && !supervise_sock_path(cell, path, sizeof path))
		unlink(path);
}

/* A connection is pending on a socket no process accepts on. */
static void on_listen(struct loop *loop, struct loop_fd *w, uint32_t ev)
{
	struct stem_cell *cell = w->ctx;

	(void)loop;
	(void)ev;
	if (cell->state == FSM_STOPPED) {
		stem_log(cell->stem, STEM_LOG_INFO,
			 "cell '%s': connection pending, starting it",
			 cell->name);
		start(cell);
		return;
	}
	failfast_accept(cell);
}

/* --- processes --- */

static void close_child(struct stem *stem, struct stem_child *c)
{
	if (c->pidfd >= 0) {
		loop_fd_unwatch(&stem->loop, &c->w);
		close(c->pidfd);
	}
	c->pidfd = -1;
	c->pid = 0;
}

/* Both ends: the next start makes a new pipe and logger. */
static void close_log_pipe(struct stem_cell *cell)
{
	if (cell->log_wr >= 0)
		close(cell->log_wr);
	cell->log_wr = -1;
	if (cell->log_rd >= 0)
		close(cell->log_rd);
	cell->log_rd = -1;
}

static void finish_stop(struct stem_cell *cell)
{
	struct stem *stem = cell->stem;

	close_listen(cell, 1);
	persist_now(cell);
	/* The logger ends at EOF, once the last writer is gone. */
	close_log_pipe(cell);
	loop_timer_cancel(&stem->loop, &cell->logger_timer);
	loop_timer_cancel(&stem->loop, &cell->timer);
	stem_log(stem, STEM_LOG_INFO, "cell '%s' stopped", cell->name);
	control_stop_done(stem, cell);
	if (stem->shutting_down && !supervise_live(stem))
		loop_stop(&stem->loop);
}

/* Something went wrong before or at exec: no retry can fix it. */
static void start_failed(struct stem_cell *cell)
{
	char msg[STEM_MSG_MAX];

	failfast_message(cell, msg, sizeof msg);
	stem_log(cell->stem, STEM_LOG_ERROR, "%s", msg);
	supervise_transition(cell, FSM_EV_EXIT_FAILED);
	failfast_accept(cell);
	watch_listen(cell);
}

/* The wait status of a reaped child, rebuilt from its siginfo. */
static int wait_status(const siginfo_t *si)
{
	if (si->si_code == CLD_EXITED)
		return (si->si_status & 0xff) << 8;
	return (si->si_status & 0x7f) | (si->si_code == CLD_DUMPED ? 0x80 : 0);
}

/* The process is gone: its cgroups and notify fd go too. */
static void release_report(struct stem_cell *cell)
{
	int err;

	loop_fd_unwatch(&cell->stem->loop, &cell->notify_w);
	if (!cell->report_live)
		return;
	err = sandbox_cleanup(&cell->report);
	if (err)
		stem_log(cell->stem, STEM_LOG_ERROR,
			 "cell '%s': cannot remove its cgroups: %s",
			 cell->name, cell_strerror(err));
	cell->report_live = 0;
}

/*
 * A forbidden system call (SANDBOX_NOTIFY): the cell is killed here and
 * the call named; the exit follows on the pidfd.
 */
static void on_notify(struct loop *loop, struct loop_fd *w, uint32_t ev)
{
	struct stem_cell *cell = w->ctx;
	int r;

	/*
	 * Every notification is a forbidden call (the filter's default
	 * action): take the callers in flight before the kill, so they get
	 * the cause rather than end of file.
	 */
	if (ev & EPOLLIN && !cell->ntaken)
		failfast_take_conns(cell);
	r = sandbox_notify_handle(&cell->report, cell->proc.pid);
	if (r == 1) {
		stem_log(cell->stem, STEM_LOG_ERROR,
			 "cell '%s' killed: forbidden system call %s",
			 cell->name, cell->report.violation);
		return;
	}
	/* Not killed (nothing was pending): keep no copy of its callers. */
	if (!cell->report.violation[0])
		failfast_drop_taken(cell);
	/* Every task of the cell is gone (or the fd broke): the reap
	 * follows; stop watching so a hangup does not spin the loop. */
	if (r < 0 || ev & (EPOLLHUP | EPOLLERR))
		loop_fd_unwatch(loop, w);
}

static void on_exit_cb(struct loop *loop, struct loop_fd *w, uint32_t ev)
{
	struct stem_cell *cell = w->ctx;
	struct stem *stem = cell->stem;
	char why[STEM_CAUSE_MAX];
	uint64_t delay = 0, uptime;
	enum fsm_event next;
	siginfo_t si;
	int clean;

	(void)loop;
	(void)ev;
	memset(&si, 0, sizeof si);
	if (waitid(P_PIDFD, (id_t)cell->proc.pidfd, &si, WEXITED | WNOHANG) < 0) {
		/* Adopted: not our child, its status is lost. */
		si.si_code = CLD_EXITED;
		si.si_status = 0;
	} else if (si.si_pid == 0) {
		return; /* spurious */
	}
	/* Before the cleanup: an OOM kill is read in the memory cgroup. */
	sandbox_describe_exit(cell->report_live ? &cell->report : NULL,
			      wait_status(&si), why, sizeof why);
	release_report(cell);
	close_child(stem, &cell->proc);
	cell->starttime = 0;
	cell->adopted = 0;
	uptime = supervise_now_ms() - cell->started_ms;
	clean = si.si_code == CLD_EXITED && si.si_status == 0;
	if (cell->state == FSM_STOPPING) {
		failfast_drop_taken(cell);
		supervise_transition(cell, FSM_EV_EXIT_IDLE);
		finish_stop(cell);
		return;
	}
	if (clean && cell->idle_exit_ms)
		next = FSM_EV_EXIT_IDLE; /* idle: the next caller restarts it */
	else
		next = backoff_decide(&cell->backoff, cell->policy, clean,
				      supervise_now_ms(), uptime, &delay);
	if (!clean || next == FSM_EV_EXIT_FAILED)
		snprintf(cell->cause, sizeof cell->cause, "%s", why);
	cell->ran_ms = uptime;
	if (!clean) {
		char msg[STEM_MSG_MAX];

		failfast_message(cell, msg, sizeof msg);
		stem_log(stem, STEM_LOG_ERROR, "%s", msg);
		/* Callers queued behind a crash are answered now, and
		 * those in flight when the stem killed it. */
		failfast_accept(cell);
		failfast_answer_taken(cell);
	} else {
		stem_log(stem, STEM_LOG_INFO, "cell '%s' exited", cell->name);
		failfast_drop_taken(cell);
	}
	supervise_transition(cell, next);
	switch (cell->state) {
	case FSM_BACKOFF:
		cell->restart_delay_ms = delay;
		stem_log(stem, STEM_LOG_INFO, "cell '%s': restart in %llu ms",
			 cell->name, (unsigned long long)delay);
		loop_timer_in(&stem->loop, &cell->timer, delay);
		if (delay >= SUPERVISE_QUEUE_MS)
			watch_listen(cell);
		break;
	case FSM_FAILED:
		stem_log(stem, STEM_LOG_ERROR, "cell '%s' failed: %s",
			 cell->name, cell->cause);
		watch_listen(cell);
		break;
	default:
		/* Stopped (idle): the socket stays, a caller restarts it. */
		watch_listen(cell);
		if (stem->shutting_down)
			finish_stop(cell);
		break;
	}
}

/* Backoff over (restart), or stop grace over (SIGKILL). */
static void on_timer(struct loop *loop, struct loop_timer *t)
{
	struct stem_cell *cell = t->ctx;

	(void)loop;
	if (cell->state == FSM_BACKOFF) {
		cell->restarts++;
		unwatch_listen(cell);
		start(cell);
	} else if (cell->state == FSM_STOPPING && cell->proc.pidfd >= 0) {
		stem_log(cell->stem, STEM_LOG_INFO,
			 "cell '%s' did not stop in time: SIGKILL", cell->name);
		sys_pidfd_send_signal(cell->proc.pidfd, SIGKILL);
	}
}

int supervise_watch_proc(struct stem_cell *cell)
{
	loop_fd_init(&cell->proc.w, cell->proc.pidfd, on_exit_cb, cell);
	return loop_fd_watch(&cell->stem->loop, &cell->proc.w, EPOLLIN);
}

/* A logger that died under its cell is replaced after this long. */
#define LOGGER_RETRY_MS 200

static void on_logger_exit(struct loop *loop, struct loop_fd *w,
			   uint32_t ev)
{
	struct stem_cell *cell = w->ctx;
	siginfo_t si;

	(void)ev;
	memset(&si, 0, sizeof si);
	waitid(P_PIDFD, (id_t)cell->logger.pidfd, &si, WEXITED | WNOHANG);
	close_child(cell->stem, &cell->logger);
	/*
	 * Killed under a running cell: another logger takes over the pipe
	 * (the stem holds its read end, so the cell never sees EPIPE). A
	 * short delay keeps a logger that cannot start from looping.
	 */
	if (cell->proc.pid && cell->log_rd >= 0) {
		stem_log(cell->stem, STEM_LOG_ERROR, "cell '%s': its logger "
			 "exited; starting another", cell->name);
		loop_timer_in(loop, &cell->logger_timer, LOGGER_RETRY_MS);
		return;
	}
	close_log_pipe(cell);	/* no cell to write into it */
}

/*
 * The logger is forked after the caller has its reply: until then the
 * pipe holds what the cell prints.
 */
static void on_logger_timer(struct loop *loop, struct loop_timer *t)
{
	struct stem_cell *cell = t->ctx;
	int err;

	err = spawn_logger(cell->stem, cell);
	if (err) {
		stem_log(cell->stem, STEM_LOG_ERROR,
			 "cell '%s': cannot start its logger: %s", cell->name,
			 cell_strerror(err));
		if (cell->proc.pid)
			loop_timer_in(loop, &cell->logger_timer,
				      LOGGER_RETRY_MS);
		return;
	}
	if (cell->logger.pidfd < 0 || cell->logger.w.added)
		return;
	loop_fd_init(&cell->logger.w, cell->logger.pidfd, on_logger_exit,
		     cell);
	if (loop_fd_watch(loop, &cell->logger.w, EPOLLIN) < 0)
		stem_log(cell->stem, STEM_LOG_ERROR,
			 "cell '%s': cannot watch its logger", cell->name);
}

/*
 * The cause of a failed spawn: the exec's own errno as before the
 * sandbox ("exec: Exec format error"), any other step as "sandbox: STEP:
 * cause" ("sandbox: mount /usr: Operation not permitted").
 */
static void spawn_cause(struct stem_cell *cell, int err)
{
	const char *msg = cell->report.error;

	if (!strncmp(msg, "exec ", 5))
		snprintf(cell->cause, sizeof cell->cause, "exec: %s",
			 cell_strerror(err));
	else
		snprintf(cell->cause, sizeof cell->cause, "sandbox: %.240s",
			 msg[0] ? msg : cell_strerror(err));
}

/* From stopped, backoff or failed: a new process on the kept socket. */
static void start(struct stem_cell *cell)
{
	struct stem *stem = cell->stem;
	char obj[CELL_PATH_MAX], path[CELL_PATH_MAX];
	int err;

	if (supervise_transition(cell, FSM_EV_START) < 0)
		return;
	unwatch_listen(cell);
	cell->cause[0] = '\0';
	cell->ran_ms = 0;
	err = supervise_load_dna(cell);
	if (err) {
		snprintf(cell->cause, sizeof cell->cause,
			 err == CELL_ENODNA ? "no DNA for '%s'; run cell build"
					    : "cannot read the ref of '%s'",
			 cell->name);
		start_failed(cell);
		return;
	}
	if (cell->listen_fd < 0) {
		err = supervise_sock_path(cell, path, sizeof path);
		if (!err)
			err = sock_listen(path, SOMAXCONN);
		if (err < 0) {
			snprintf(cell->cause, sizeof cell->cause,
				 "cannot listen on '%.150s': %s", path,
				 cell_strerror(err));
			start_failed(cell);
			return;
		}
		cell->listen_fd = err;
	}
	if (cell->spec_error[0]) {
		snprintf(cell->cause, sizeof cell->cause, "manifest: %.240s",
			 cell->spec_error);
		start_failed(cell);
		return;
	}
	if (!cell->spec.enabled && !stem->allow_unconfined) {
		snprintf(cell->cause, sizeof cell->cause,
			 "it asks for no sandbox; start the stem with "
			 "--allow-unconfined");
		start_failed(cell);
		return;
	}
	err = dna_object_path(&stem->home, cell->hash, obj, sizeof obj);
	if (!err)
		err = verify_object(stem, obj, cell->hash);
	if (err) {
		snprintf(cell->cause, sizeof cell->cause,
			 err == CELL_ECORRUPT ? "DNA object %s is corrupt" :
			 err == CELL_ENODNA ? "DNA object %s is missing" :
			 "cannot check DNA object %s", cell->hash);
		start_failed(cell);
		return;
	}
	err = spawn_log_pipe(cell);
	if (err) {
		snprintf(cell->cause, sizeof cell->cause, "log pipe: %s",
			 cell_strerror(err));
		start_failed(cell);
		return;
	}
	err = spawn_cell(stem, cell, obj);
	if (err) {
		spawn_cause(cell, err);
		start_failed(cell);
		return;
	}
	err = supervise_watch_proc(cell);
	if (err) {
		/* The kill is reaped through the pidfd, watched or not. */
		snprintf(cell->cause, sizeof cell->cause, "watch: %s",
			 cell_strerror(err));
		sys_pidfd_send_signal(cell->proc.pidfd, SIGKILL);
		start_failed(cell);
		return;
	}
	if (cell->report.notify_fd >= 0) {
		loop_fd_init(&cell->notify_w, cell->report.notify_fd,
			     on_notify, cell);
		err = loop_fd_watch(&stem->loop, &cell->notify_w, EPOLLIN);
		if (err)
			stem_log(stem, STEM_LOG_ERROR, "cell '%s': cannot "
				 "watch its seccomp notifications: %s",
				 cell->name, cell_strerror(err));
	}
	/* sandbox_spawn() returns once the cell has exec'd. */
	supervise_transition(cell, FSM_EV_EXECED);
	if (cell->report.missing[0])
		stem_log(stem, STEM_LOG_INFO, "cell '%s': sandbox: %s",
			 cell->name, cell->report.missing);
	cell->started_ms = supervise_now_ms();
	if (cell->log_rd >= 0)
		loop_timer_in(&stem->loop, &cell->logger_timer, 0);
	stem_log(stem, STEM_LOG_INFO, "cell '%s' started pid %d dna %.12s",
		 cell->name, (int)cell->proc.pid, cell->hash);
}

int supervise_germinate(struct stem *stem, const char *name, pid_t *pid,
			char *sock, size_t size, int *started,
			struct cell_buf *why)
{
	struct stem_cell *cell;
	char hash[DNA_HASH_SIZE];
	int err;

	*pid = 0;
	*started = 0;
	if (!cell_name_valid(name)) {
		cell_buf_printf(why, "invalid cell name '%s' (must match %s)",
				name, CELL_NAME_RULE);
		return CELL_ENAME;
	}
	cell = supervise_find(stem, name);
	if (cell && cell->state == FSM_STOPPING) {
		cell_buf_printf(why, "cell '%s' is stopping", name);
		return -EBUSY;
	}
	if (cell && (cell->state == FSM_RUNNING ||
		     cell->state == FSM_STARTING || cell->state == FSM_BACKOFF))
		goto done;
	err = dna_ref_read(&stem->home, name, hash);
	if (err) {
		if (err == CELL_ENODNA)
			cell_buf_printf(why, "no DNA for '%s'; run cell build",
					name);
		else
			cell_buf_printf(why, "cannot read the ref of '%s': %s",
					name, cell_strerror(err));
		return err == CELL_ENODNA ? CELL_ENODNA : err;
	}
	if (!cell)
		cell = supervise_new_cell(stem, name);
	if (!cell) {
		cell_buf_printf(why, "out of memory");
		return -ENOMEM;
	}
	if (cell->state == FSM_FAILED)
		backoff_reset(&cell->backoff);
	start(cell);
	if (cell->state == FSM_FAILED) {
		char msg[STEM_MSG_MAX];

		failfast_message(cell, msg, sizeof msg);
		cell_buf_addstr(why, msg);
		return -EIO;
	}
	*started = 1;
done:
	*pid = cell->proc.pid;
	return supervise_sock_path(cell, sock, size);
}

int supervise_stop(struct stem *stem, const char *name,
		   struct stem_cell **out)
{
	struct stem_cell *cell;
	int sig;

	*out = NULL;
	if (!cell_name_valid(name))
		return CELL_ENAME;
	cell = supervise_find(stem, name);
	if (!cell)
		return 0;
	*out = cell;
	switch (cell->state) {
	case FSM_STOPPING:
		return 1;
	case FSM_STARTING:
	case FSM_RUNNING:
		supervise_transition(cell, FSM_EV_STOP);
		/*
		 * A cell is the init of its pid namespace: a SIGTERM it
		 * neither catches nor blocks (signalfd) is ignored, and
		 * nothing would drain in the grace. Unsure (an error):
		 * SIGTERM and the grace.
		 */
		sig = proc_takes_signal(cell->proc.pid, SIGTERM) == 0 ? SIGKILL :
								   SIGTERM;
		stem_log(stem, STEM_LOG_INFO, "stopping cell '%s' pid %d%s",
			 cell->name, (int)cell->proc.pid, sig == SIGKILL ?
			 ": SIGKILL (it does not handle SIGTERM)" : "");
		if (sys_pidfd_send_signal(cell->proc.pidfd, sig) < 0 &&
		    errno != ESRCH)
			stem_log(stem, STEM_LOG_ERROR,
				 "cannot signal cell '%s': %m", cell->name);
		if (sig == SIGTERM)
			loop_timer_in(&stem->loop, &cell->timer,
				      stem->grace_ms);
		return 1;
	default:
		loop_timer_cancel(&stem->loop, &cell->timer);
		supervise_transition(cell, FSM_EV_STOP);
		cell->cause[0] = '\0';
		finish_stop(cell);
		return 0;
	}
}

int supervise_live(const struct stem *stem)
{
	const struct stem_cell *c;
	int n = 0;

	for (c = stem->cells; c; c = c->next)
		if (c->proc.pid)
			n++;
	return n;
}

int supervise_stop_all(struct stem *stem)
{
	struct stem_cell *c, *out;

	for (c = stem->cells; c; c = c->next)
		supervise_stop(stem, c->name, &out);
	return supervise_live(stem);
}

int supervise_ps(struct stem *stem, cJSON *arr)
{
	const struct stem_cell *c;

	for (c = stem->cells; c; c = c->next) {
		cJSON *o = cJSON_CreateObject();

		if (!o || !cJSON_AddItemToArray(arr, o) ||
		    !cJSON_AddStringToObject(o, "name", c->name) ||
		    !cJSON_AddNumberToObject(o, "pid", c->proc.pid) ||
		    !cJSON_AddStringToObject(o, "state",
					     fsm_state_name(c->state)) ||
		    !cJSON_AddNumberToObject(o, "restarts", c->restarts) ||
		    !cJSON_AddNumberToObject(o, "since", (double)c->since) ||
		    !cJSON_AddStringToObject(o, "hash", c->hash) ||
		    !cJSON_AddStringToObject(o, "cause", c->cause) ||
		    runstate_add_sandbox(c, o) < 0)
			return -ENOMEM;
	}
	return 0;
}

void supervise_release(struct stem *stem)
{
	struct stem_cell *c, *next;

	failfast_release(stem);
	for (c = stem->cells; c; c = next) {
		next = c->next;
		loop_timer_cancel(&stem->loop, &c->timer);
		loop_timer_cancel(&stem->loop, &c->persist);
		loop_timer_cancel(&stem->loop, &c->logger_timer);
		if (c->log_rd >= 0)
			close(c->log_rd);
		loop_fd_unwatch(&stem->loop, &c->notify_w);
		if (c->proc.pid) {
			/* Still running (a second signal): leave its cgroups;
			 * forbidden calls now fail with ENOSYS. */
			if (c->report.notify_fd >= 0)
				close(c->report.notify_fd);
			c->report.notify_fd = -1;
		} else if (c->report_live) {
			sandbox_cleanup(&c->report);
		}
		sandbox_spec_release(&c->spec);
		failfast_drop_taken(c);
		close_child(stem, &c->proc);
		close_child(stem, &c->logger);
		if (c->listen_fd >= 0) {
			unwatch_listen(c);
			close(c->listen_fd);
		}
		if (c->log_wr >= 0)
			close(c->log_wr);
		free(c);
	}
	stem->cells = NULL;
}
