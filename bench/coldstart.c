/*
 * coldstart.c - bench/30-coldstart.sh's measuring half. Runs N rounds of:
 * for each NAME in turn, cell_connect() on the cell while it is not
 * running (its socket removed by a stop), one call, the reply; then N
 * rounds of fork + exec of /bin/true + wait, as the baseline. Prints the
 * median of each NAME, then the baseline's, in microseconds.
 *
 *   coldstart N NAME...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cell.h"
#include "control.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	return v[n / 2];
}

/* Stops name through the stem: the next connect is a cold start. */
static void stop(const struct cell_home *home, const char *name)
{
	struct cell_buf reply = CELL_BUF_INIT(1 << 16);
	char req[128];
	int fd = stem_connect(home);

	snprintf(req, sizeof req, "{\"op\":\"stop\",\"name\":\"%s\"}", name);
	if (fd < 0 || stem_request(fd, req, &reply) < 0) {
		fprintf(stderr, "coldstart: cannot stop '%s'\n", name);
		exit(1);
	}
	close(fd);
	cell_buf_release(&reply);
}

/* One cold start of name: connect (germinating it), one call, reply. */
static double cold_start(const struct cell_home *home, const char *name,
			 struct cell_buf *reply)
{
	struct cell_conn *conn;
	double t;
	int err;

	stop(home, name);
	t = now_us();
	err = cell_connect(name, &conn, NULL);
	if (!err)
		err = cell_call(conn, "ping", 4, reply);
	t = now_us() - t;
	if (err) {
		fprintf(stderr, "coldstart: '%s': %s\n", name,
			cell_strerror(err));
		exit(1);
	}
	cell_close(conn);
	return t;
}

int main(int argc, char **argv)
{
	struct cell_buf reply = CELL_BUF_INIT(1 << 16);
	struct cell_home home;
	double *cold, *base, t;
	int i, j, n, names;

	if (argc < 3 || (n = atoi(argv[1])) < 1) {
		fprintf(stderr, "usage: coldstart N NAME...\n");
		return 2;
	}
	names = argc - 2;
	if (cell_home_init(&home, NULL) < 0)
		return 1;
	cold = calloc((size_t)n * (size_t)names, sizeof *cold);
	base = calloc((size_t)n, sizeof *base);
	if (!cold || !base)
		return 1;
	/* Interleaved, so that noise on the machine hits every name alike. */
	for (i = 0; i < n; i++)
		for (j = 0; j < names; j++)
			cold[j * n + i] = cold_start(&home, argv[2 + j],
						     &reply);
	for (i = 0; i < n; i++) {
		pid_t pid;

		t = now_us();
		pid = fork();
		if (pid == 0) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		waitpid(pid, NULL, 0);
		base[i] = now_us() - t;
	}
	for (j = 0; j < names; j++)
		printf("%.0f ", median(cold + j * n, n));
	printf("%.0f\n", median(base, n));
	cell_buf_release(&reply);
	return 0;
}
