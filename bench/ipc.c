/*
 * ipc.c - libcell's local IPC beside raw Unix sockets, in one run:
 *  (a) 64-byte round trips through cell_serve/cell_call and through a
 *      plain blocking ping-pong, both ends pinned to one core, then to two;
 *  (b) 1 MiB requests through cell_call against raw socket streaming;
 *  (c) 1000 client connections to one cell, all calling at once.
 * Everything runs on a temporary $CELL_HOME; every process it starts is
 * stopped by pid before it exits. Exit status 1 if (c) saw any error.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cell.h"

#define SMALL 64
#define BIG (1u << 20)
#define ROUNDS 15        /* median of this many rounds */
#define BATCH 1000       /* 64-byte calls per round */
#define BIG_ROUND 64     /* 1 MiB requests per round */
#define CONNS 1000
#define CONN_CALLS 10
#define CONN_PROCS 4     /* client processes sharing the 1000 connections */

static char home[64];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Pins the calling process to cpu; -1 lets it run anywhere again. */
static void pin(int cpu)
{
	long i, n = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	CPU_ZERO(&set);
	if (cpu >= 0)
		CPU_SET(cpu, &set);
	for (i = 0; cpu < 0 && i < n && i < CPU_SETSIZE; i++)
		CPU_SET(i, &set);
	if (sched_setaffinity(0, sizeof set, &set) < 0) {
		perror("bench-ipc: sched_setaffinity");
		exit(1);
	}
}

static void die(const char *what)
{
	fprintf(stderr, "bench-ipc: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int listen_at(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    listen(fd, 4096) < 0)
		die("listen");
	return fd;
}

static int dial(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		die("connect");
	return fd;
}

static int read_full(int fd, void *p, size_t n)
{
	while (n) {
		ssize_t r = read(fd, p, n);

		if (r <= 0)
			return -1;
		p = (char *)p + r;
		n -= (size_t)r;
	}
	return 0;
}

static int write_full(int fd, const void *p, size_t n)
{
	while (n) {
		ssize_t r = write(fd, p, n);

		if (r <= 0)
			return -1;
		p = (const char *)p + r;
		n -= (size_t)r;
	}
	return 0;
}

/* Echoes small requests; acknowledges big ones with two bytes. */
static int handler(void *ctx, const void *req, size_t len,
		   struct cell_buf *reply)
{
	(void)ctx;
	if (len > 4096)
		return cell_buf_add(reply, "ok", 2);
	return cell_buf_add(reply, req, len);
}

/* A cell named "bench", started as the stem would (LISTEN_FDS, fd 3). */
static pid_t start_cell(int cpu)
{
	char path[128];
	pid_t pid;
	int fd;

	snprintf(path, sizeof path, "%s/run/bench.sock", home);
	fd = listen_at(path);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		char s[32];

		pin(cpu);
		if (dup2(fd, 3) < 0)
			_exit(1);
		snprintf(s, sizeof s, "%ld", (long)getpid());
		setenv("LISTEN_PID", s, 1);
		setenv("LISTEN_FDS", "1", 1);
		_exit(cell_serve("bench", handler, NULL) ? 1 : 0);
	}
	close(fd);
	return pid;
}

/*
 * The baseline server: blocking, no framing. mode 's': 64-byte echo;
 * 'b': reads BIG_ROUND MiB, answers one byte, again.
 */
static pid_t start_raw(int cpu, int mode)
{
	char path[128];
	pid_t pid;
	int lfd;

	snprintf(path, sizeof path, "%s/raw.sock", home);
	lfd = listen_at(path);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		static char buf[BIG];
		int fd, i;

		pin(cpu);
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			_exit(1);
		if (mode == 's') {
			while (read_full(fd, buf, SMALL) == 0)
				if (write_full(fd, buf, SMALL) < 0)
					break;
			_exit(0);
		}
		for (;;) {
			for (i = 0; i < BIG_ROUND; i++)
				if (read_full(fd, buf, BIG))
					_exit(0);
			if (write_full(fd, "k", 1) < 0)
				_exit(1);
		}
	}
	close(lfd);
	return pid;
}

static void stop(pid_t pid)
{
	int status;

	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *t)
{
	qsort(t, ROUNDS, sizeof *t, cmp_double);
	return t[ROUNDS / 2];
}

/*
 * Both servers run at once and the rounds alternate raw, cell, raw, ...
 * so that both see the same noise of a shared machine.
 */
struct pair {
	pid_t raw_pid, cell_pid;
	int raw_fd;
	struct cell_conn *cell;
};

static void pair_start(struct pair *p, int mode, int server_cpu,
		       int client_cpu)
{
	char path[128];
	int err;

	p->raw_pid = start_raw(server_cpu, mode);
	p->cell_pid = start_cell(server_cpu);
	pin(client_cpu);
	snprintf(path, sizeof path, "%s/raw.sock", home);
	p->raw_fd = dial(path);
	err = cell_connect("bench", &p->cell, NULL);
	if (err) {
		fprintf(stderr, "bench-ipc: connect: %s\n", cell_strerror(err));
		exit(1);
	}
}

static void pair_stop(struct pair *p)
{
	close(p->raw_fd);
	cell_close(p->cell);
	stop(p->raw_pid);
	stop(p->cell_pid);
}

/* Median microseconds per 64-byte round trip, raw and cell. */
static void latency(int server_cpu, int client_cpu, double *raw,
		    double *cell)
{
	struct cell_buf reply = CELL_BUF_INIT(BIG);
	double traw[ROUNDS], tcell[ROUNDS], t0;
	char buf[SMALL];
	struct pair p;
	int r, i;

	pair_start(&p, 's', server_cpu, client_cpu);
	memset(buf, 'x', sizeof buf);
	for (r = -1; r < ROUNDS; r++) { /* round -1 warms up */
		t0 = now();
		for (i = 0; i < BATCH; i++)
			if (write_full(p.raw_fd, buf, SMALL) ||
			    read_full(p.raw_fd, buf, SMALL))
				die("raw round trip");
		if (r >= 0)
			traw[r] = (now() - t0) * 1e6 / BATCH;
		t0 = now();
		for (i = 0; i < BATCH; i++)
			if (cell_call(p.cell, buf, SMALL, &reply) ||
			    reply.len != SMALL)
				die("cell round trip");
		if (r >= 0)
			tcell[r] = (now() - t0) * 1e6 / BATCH;
	}
	pair_stop(&p);
	cell_buf_release(&reply);
	*raw = median(traw);
	*cell = median(tcell);
}

/* Median MB/s (10^6 bytes) moving BIG_ROUND MiB per round. */
static void throughput(int server_cpu, int client_cpu, const char *data,
		       double *raw, double *cell)
{
	struct cell_buf reply = CELL_BUF_INIT(64);
	double traw[ROUNDS], tcell[ROUNDS], t0, bytes;
	struct pair p;
	char ack;
	int r, i;

	bytes = (double)BIG * BIG_ROUND;
	pair_start(&p, 'b', server_cpu, client_cpu);
	for (r = -1; r < ROUNDS; r++) {
		t0 = now();
		for (i = 0; i < BIG_ROUND; i++)
			if (write_full(p.raw_fd, data, BIG))
				die("raw stream");
		if (read_full(p.raw_fd, &ack, 1))
			die("raw ack");
		if (r >= 0)
			traw[r] = bytes / (now() - t0) / 1e6;
		t0 = now();
		for (i = 0; i < BIG_ROUND; i++)
			if (cell_call(p.cell, data, BIG, &reply) ||
			    reply.len != 2)
				die("cell 1 MiB call");
		if (r >= 0)
			tcell[r] = bytes / (now() - t0) / 1e6;
	}
	pair_stop(&p);
	cell_buf_release(&reply);
	*raw = median(traw);
	*cell = median(tcell);
}

/*
 * One client process holding its share of the connections: every round it
 * sends one request on each, then reads every reply, so the cell has
 * hundreds of connections with a request waiting at once (cell_call would
 * keep one in flight per process, so this speaks frames directly). Exits
 * with its error count, capped.
 */
static void conn_client(int nconns)
{
	struct cell_buf reply = CELL_BUF_INIT(256);
	int *fd = calloc((size_t)nconns, sizeof *fd);
	int i, r, errors = 0;
	char path[128], req[64];
	uint8_t type;

	if (!fd)
		_exit(255);
	snprintf(path, sizeof path, "%s/run/bench.sock", home);
	for (i = 0; i < nconns; i++)
		fd[i] = dial(path);
	for (r = 0; r < CONN_CALLS; r++) {
		for (i = 0; i < nconns; i++) {
			snprintf(req, sizeof req, "conn %d call %d", i, r);
			if (cell_frame_write(fd[i], CELL_FRAME_DATA, req,
					     strlen(req)))
				errors++;
		}
		for (i = 0; i < nconns; i++) {
			snprintf(req, sizeof req, "conn %d call %d", i, r);
			if (cell_frame_read(fd[i], &type, &reply) ||
			    type != CELL_FRAME_DATA ||
			    strcmp(cell_buf_str(&reply), req))
				errors++;
		}
	}
	for (i = 0; i < nconns; i++)
		close(fd[i]);
	free(fd);
	cell_buf_release(&reply);
	_exit(errors > 255 ? 255 : errors);
}

static int many_connections(double *secs)
{
	pid_t pid = start_cell(-1), kids[CONN_PROCS];
	struct rlimit rl;
	int i, status, errors = 0;
	double t0;

	/* Each client process needs CONNS / CONN_PROCS descriptors. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	t0 = now();
	for (i = 0; i < CONN_PROCS; i++) {
		kids[i] = fork();
		if (kids[i] < 0)
			die("fork");
		if (kids[i] == 0)
			conn_client(CONNS / CONN_PROCS);
	}
	for (i = 0; i < CONN_PROCS; i++) {
		if (waitpid(kids[i], &status, 0) != kids[i] ||
		    !WIFEXITED(status))
			errors += CONNS / CONN_PROCS;
		else
			errors += WEXITSTATUS(status);
	}
	*secs = now() - t0;
	stop(pid);
	return errors;
}

int main(void)
{
	double raw1, cell1, raw2, cell2, rawt, cellt, secs;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	char path[128], *data;
	int errors;

	snprintf(home, sizeof home, "/tmp/cell-bench-XXXXXX");
	if (!mkdtemp(home))
		die("mkdtemp");
	setenv("CELL_HOME", home, 1);
	setenv("CELL_STEM", "/nonexistent/no-stem-in-this-bench", 1);
	snprintf(path, sizeof path, "%s/run", home);
	if (mkdir(path, 0700) < 0)
		die("mkdir");
	data = malloc(BIG);
	if (!data)
		die("malloc");
	memset(data, 'd', BIG);

	latency(0, 0, &raw1, &cell1);
	printf("ipc: 64-byte round trip, median of %d rounds of %d calls,"
	       " raw and cell rounds alternating\n", ROUNDS, BATCH);
	printf("  same core:  raw %7.2f us   cell %7.2f us   ratio %.2f"
	       " (target <= 1.3)\n", raw1, cell1, cell1 / raw1);
	if (ncpu >= 2) {
		latency(0, 1, &raw2, &cell2);
		printf("  two cores:  raw %7.2f us   cell %7.2f us   ratio %.2f"
		       " (target <= 1.3)\n", raw2, cell2, cell2 / raw2);
	} else {
		printf("  two cores:  skipped, one CPU online\n");
	}

	throughput(0, ncpu >= 2 ? 1 : 0, data, &rawt, &cellt);
	printf("ipc: 1 MiB requests, median of %d rounds of %d MiB, %s\n",
	       ROUNDS, BIG_ROUND, ncpu >= 2 ? "two cores" : "one core");
	printf("  raw stream %7.0f MB/s   cell calls %7.0f MB/s   ratio %.2f"
	       " (target >= 0.8)\n", rawt, cellt, cellt / rawt);

	pin(-1);
	errors = many_connections(&secs);
	printf("ipc: %d connections x %d calls in %d processes: %d answered,"
	       " %d errors, %.2f s (%.0f calls/s)\n", CONNS, CONN_CALLS,
	       CONN_PROCS, CONNS * CONN_CALLS - errors, errors, secs,
	       (CONNS * CONN_CALLS - errors) / secs);

	free(data);
	snprintf(path, sizeof path, "rm -rf '%s'", home);
	if (system(path) != 0)
		fprintf(stderr, "bench-ipc: cannot remove %s\n", home);
	return errors ? 1 : 0;
}
