/*
 * stem.h - the stem's state and the interfaces between its modules.
 *
 * All mutable state lives in one struct stem owned by main(); every
 * module takes it as an argument. Nothing here prints to a terminal or
 * exits: modules return 0 or a negative code and log through stem_log().
 */
#ifndef STEM_STEM_H
#define STEM_STEM_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "backoff.h"
#include "cell.h"
#include "dna.h"
#include "fsm.h"
#include "loop.h"
#include "sandbox.h"

#define STEM_CONTROL_MAX (64u << 10) /* largest control request */
#define STEM_CONN_MAX 1024           /* control connections at once */
#define STEM_CAUSE_MAX 256
#define STEM_MSG_MAX (STEM_CAUSE_MAX + 128) /* "cell 'NAME' ...: CAUSE" */
#define STEM_FAILCONN_MAX 256        /* callers answered at once */
#define STEM_START_MS 1000           /* dying sooner is failing to start */
#define STEM_TAKEN_MAX 64            /* callers in flight answered per kill */

struct stem;

/* A watched child process (a cell or a logger), through its pidfd. */
struct stem_child {
	pid_t pid;
	int pidfd;
	struct loop_fd w;
};

struct stem_cell {
	struct stem *stem;
	struct stem_cell *next;
	char name[CELL_NAME_MAX + 1];
	enum fsm_state state;
	struct stem_child proc;      /* pid 0 when no process */
	struct stem_child logger;    /* pid 0 when none */
	int log_wr;                  /* write end of the logger's pipe */
	int log_rd;                  /* its read end, until a logger has it */
	struct loop_timer logger_timer; /* forks the logger after the reply */
	int listen_fd;               /* run/NAME.sock, -1 when not bound */
	struct loop_fd listen_w;     /* watched while no process accepts */
	struct sandbox_spec spec;    /* hash's "sandbox" and "limits", compiled */
	char spec_error[STEM_CAUSE_MAX]; /* why the manifest's spec is refused */
	struct sandbox_report report; /* of the current process, until reaped */
	int report_live;             /* report holds cgroups or a notify fd */
	struct loop_fd notify_w;     /* report.notify_fd: a forbidden call */
	int taken[STEM_TAKEN_MAX];   /* its callers in flight, taken at a kill */
	int ntaken;
	struct loop_timer timer;     /* backoff restart, or stop grace */
	struct loop_timer persist;   /* writes run/NAME.json, coalesced */
	pid_t pid_written;           /* what run/NAME.pid holds (0: none) */
	char hash[DNA_HASH_SIZE];
	int manifest_loaded;         /* policy and idle_exit are hash's */
	char cause[STEM_CAUSE_MAX];  /* why it last failed, "" if it did not */
	enum manifest_restart policy;
	uint64_t idle_exit_ms;       /* 0: no idle exit */
	struct backoff backoff;
	uint64_t restart_delay_ms;
	unsigned restarts;
	uint64_t started_ms;         /* monotonic, of the current process */
	uint64_t ran_ms;             /* how long the last process ran */
	time_t since;                /* wall clock of the last transition */
	unsigned long long starttime; /* /proc/PID/stat: identifies the pid */
	int adopted;                 /* not our child: no exit status */
};

/* A caller the stem answers itself with an ERROR frame (fail fast). */
struct stem_failconn {
	struct stem *stem;
	struct stem_failconn *next;
	int fd;
	struct loop_fd w;
	uint8_t hdr[CELL_FRAME_HEADER];
	size_t hdr_len;
	size_t skip;                 /* payload bytes left to discard */
	char msg[STEM_MSG_MAX];
};

/* A connection on stem.sock. */
struct stem_conn {
	struct stem *stem;
	struct stem_conn *next;
	int fd;
	uid_t uid;                   /* the peer's (SO_PEERCRED) */
	int owner;                   /* our uid, in our user namespace */
	struct loop_fd w;
	struct cell_buf in;
	struct cell_buf out;
	struct stem_cell *waiting;   /* a stop request awaits this cell */
	int closing;                 /* close once out is flushed */
	int eof;                     /* the client sent all it will send */
};

/* One entry of the exec verification cache. */
struct stem_verified {
	struct stem_verified *next;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	char hash[DNA_HASH_SIZE];
};

struct stem {
	struct cell_home home;
	struct loop loop;
	char self[CELL_PATH_MAX];    /* our own executable, for CELL_STEM */
	int verbose;
	int lock_fd;
	int ctl_fd;
	struct loop_fd ctl_w;
	int spare_fd;                /* reserved: sheds a client at EMFILE */
	unsigned conn_max;           /* control connections at once */
	struct loop_timer accept_timer; /* watches stem.sock again */
	int sig_fd;
	struct loop_fd sig_w;
	struct stem_cell *cells;
	struct stem_conn *conns;
	unsigned nconns;
	struct stem_failconn *failconns;
	unsigned nfailconns;
	struct stem_verified *verified;
	uint64_t grace_ms;           /* SIGTERM -> SIGKILL */
	uint64_t backoff_base_ms;
	int shutting_down;
	int allow_unconfined;        /* --allow-unconfined: "sandbox": false ok */
	uid_t uid;                   /* ours: other peers are cells */
	char sock_path[CELL_PATH_MAX]; /* stem.sock, bound into every cell */
	char cgroup2_dir[512];       /* delegated cgroup v2 dir, or "" */
};

/* log.c: one line per event, "time level message", on stderr. */
enum { STEM_LOG_ERROR, STEM_LOG_INFO, STEM_LOG_DEBUG };
void stem_log(const struct stem *stem, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* control.c */
/*
 * Binds and listens on stem.sock (0666: cells germinate each other; a
 * peer whose uid is not the stem's may only germinate and ask the
 * version). 0 or -errno.
 */
int control_listen(struct stem *stem);
/* A stop request waiting on cell is answered (the cell is stopped). */
void control_stop_done(struct stem *stem, struct stem_cell *cell);
void control_close_all(struct stem *stem);

/* supervise.c */
/*
 * Germinates name (see control.h). On success fills *pid (0 while in
 * backoff), sock (size bytes) and *started. On failure writes a message
 * to why and returns CELL_ENAME, CELL_ENODNA, or another negative code.
 */
int supervise_germinate(struct stem *stem, const char *name, pid_t *pid,
			char *sock, size_t size, int *started,
			struct cell_buf *why);
/*
 * Stops name. Returns 1 when the caller must wait for
 * control_stop_done(), 0 when it is already stopped, CELL_ENAME.
 */
int supervise_stop(struct stem *stem, const char *name,
		   struct stem_cell **cell);
/* Stops every cell (stem shutdown). Returns how many are still running. */
int supervise_stop_all(struct stem *stem);
/* Number of cells with a process. */
int supervise_live(const struct stem *stem);
struct stem_cell *supervise_find(struct stem *stem, const char *name);
/* Appends every cell's {"name","pid","state",...} to arr. 0 or -ENOMEM. */
int supervise_ps(struct stem *stem, cJSON *arr);
void supervise_release(struct stem *stem);

/* supervise.c internals that adopt.c shares. */
struct stem_cell *supervise_new_cell(struct stem *stem, const char *name);
/* Feeds ev to the cell's state machine. 0, or -1 for a refused edge. */
int supervise_transition(struct stem_cell *cell, enum fsm_event ev);
/* Reads refs/NAME and its manifest. 0, CELL_ENODNA, CELL_ECORRUPT. */
int supervise_load_dna(struct stem_cell *cell);
/* run/NAME.sock of the cell. 0 or -ENAMETOOLONG. */
int supervise_sock_path(const struct stem_cell *cell, char *out,
			size_t size);
/* Watches cell->proc.pidfd for the exit. 0 or -errno. */
int supervise_watch_proc(struct stem_cell *cell);
/* CLOCK_MONOTONIC in milliseconds. */
uint64_t supervise_now_ms(void);

/* adopt.c: adopts cells still running from a previous stem. 0, -errno. */
int supervise_adopt(struct stem *stem);

/* failfast.c */
/*
 * What callers are told: "cell 'x' failed to start: CAUSE", or "cell 'x'
 * died: CAUSE" when its last process had run STEM_START_MS or more.
 */
void failfast_message(const struct stem_cell *cell, char *out, size_t size);
/* Accepts every caller pending on the cell's socket, answers each. */
void failfast_accept(struct stem_cell *cell);
/*
 * Before the stem kills the cell: copies of the connections it accepted
 * (pidfd_getfd) into cell->taken. Returns how many.
 */
int failfast_take_conns(struct stem_cell *cell);
/* After the reap, cause known: answers each taken caller (ERROR frame). */
void failfast_answer_taken(struct stem_cell *cell);
/* The kill did not happen: closes the copies. */
void failfast_drop_taken(struct stem_cell *cell);
void failfast_release(struct stem *stem);

/* spawn.c */
/*
 * Starts the object at path as cell->name through sandbox_spawn(), confined
 * by cell->spec, with cell->listen_fd as fd 3 and stdout/stderr on
 * cell->log_wr; returns once it has exec'd. Sets cell->proc (pid, pidfd)
 * and cell->report. On failure cell->report.error says why. 0 or -errno.
 */
int spawn_cell(struct stem *stem, struct stem_cell *cell, const char *path);
/* Makes the cell's log pipe if it has none. 0 or -errno. */
int spawn_log_pipe(struct stem_cell *cell);
/*
 * Forks the logger reading the pipe's read end, if no logger has it yet;
 * sets cell->logger. 0 or -errno.
 */
int spawn_logger(struct stem *stem, struct stem_cell *cell);
/* The logger's main: cell-stem --logger NAME. Returns an exit status. */
int logger_main(const struct cell_home *home, const char *name);

/* verify.c */
/*
 * Checks that the object at path hashes to hash, hashing only the first
 * time a given (dev, inode, size, mtime, ctime) is seen. 0,
 * CELL_ECORRUPT, CELL_ENODNA (missing), -errno.
 */
int verify_object(struct stem *stem, const char *path, const char *hash);
void verify_release(struct stem *stem);

/* runstate.c: run/NAME.json and run/NAME.pid. */
/*
 * Writes run/NAME.json, and run/NAME.pid when the pid changed (tmp +
 * rename; removed when there is no process). 0 or -errno.
 */
int runstate_write(const struct stem *stem, struct stem_cell *cell);
/*
 * Adds what confines the cell to o: "sandbox" (bool), "net",
 * "confinement" (what was applied), "unconfined" (what could not be),
 * "uid", and "limits": {"memory": {"value", "by"}, "pids", "cpu",
 * "nofile"} for each limit set. 0 or -ENOMEM.
 */
int runstate_add_sandbox(const struct stem_cell *cell, cJSON *o);
/*
 * The "cgroups" a run/NAME.json records, into cg (zeroed first); entries
 * too long for cg are dropped. They are not checked: see
 * sandbox_cgroups_adopt().
 */
void runstate_read_cgroups(const cJSON *st, struct sandbox_cgroups *cg);
/*
 * What runstate_add_sandbox() wrote of an adopted cell's report, back
 * into r: "confinement", "unconfined", "uid" and each limit's "by", so
 * a stem restart does not change what `cell ps` says of a running cell.
 */
void runstate_read_report(const cJSON *st, struct sandbox_report *r);
/* Removes run/NAME.pid (the json stays, saying "stopped"). */
void runstate_remove_pid(const struct stem *stem, const char *name);

/* sock.c */
/*
 * Binds and listens on a Unix socket at path (blocking, CLOEXEC, 0666),
 * first removing a stale file nobody listens on. Returns the fd,
 * -EADDRINUSE when a live process listens there, -ENAMETOOLONG, -errno.
 */
int sock_listen(const char *path, int backlog);

#endif
