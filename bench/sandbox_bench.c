/*
 * sandbox_bench.c - spawn -> exit of the static probe through
 * sandbox_spawn(), with and without confinement, interleaved in one run
 * so both see the same machine. Prints the median and 90th percentile of
 * each mode in milliseconds.
 *
 *   sandbox_bench PROBE RUNS
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"

enum { PLAIN, FULL, NO_NETNS, LIMITS, MODES };
static const char *const mode_name[MODES] = {
	"no sandbox (fork+exec)",
	"sandbox",
	"sandbox, net host",
	"sandbox + cgroup limits",
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One spawn -> reap -> cleanup; returns milliseconds or -1. */
static double once(const char *probe, const char *home,
		   const struct sandbox_spec *spec)
{
	char *argv[] = { (char *)"probe", (char *)"env", (char *)"X", NULL };
	char *envp[] = { NULL };
	struct sandbox_spawn_args a;
	struct sandbox_report r;
	struct sandbox_fd fds[1];
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC), status;
	double t0;
	pid_t pid;

	memset(&a, 0, sizeof a);
	fds[0].from = null;
	fds[0].to = 1;
	a.path = probe;
	a.argv = argv;
	a.envp = envp;
	a.fds = fds;
	a.n_fds = 1;
	a.name = "bench";
	a.cell_home = home;
	a.spec = spec;
	t0 = now_ms();
	if (sandbox_spawn(&a, &pid, &r)) {
		fprintf(stderr, "sandbox_bench: %s\n", r.error);
		close(null);
		return -1;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	sandbox_cleanup(&r);
	close(null);
	return now_ms() - t0;
}

int main(int argc, char **argv)
{
	char home[] = "/tmp/sandbox-bench.XXXXXX", cmd[64];
	struct sandbox_spec spec[MODES];
	double *t[MODES], med[MODES];
	int runs, i, m;

	if (argc != 3 || (runs = atoi(argv[2])) < 1) {
		fprintf(stderr, "usage: sandbox_bench PROBE RUNS\n");
		return 2;
	}
	if (!mkdtemp(home))
		return 1;
	memset(spec, 0, sizeof spec);
	for (m = 0; m < MODES; m++) {
		t[m] = calloc((size_t)runs, sizeof(double));
		spec[m].enabled = m != PLAIN;
		spec[m].net_host = m == NO_NETNS;
		if (m == LIMITS) {
			spec[m].memory = 64 << 20;
			spec[m].pids = 64;
		}
		/* As the stem does once per manifest. */
		if (!t[m] || (spec[m].enabled && sandbox_spec_compile(&spec[m])))
			return 1;
	}
	for (i = 0; i < runs; i++)
		for (m = 0; m < MODES; m++)
			if ((t[m][i] = once(argv[1], home, &spec[m])) < 0)
				return 1;
	for (m = 0; m < MODES; m++) {
		qsort(t[m], (size_t)runs, sizeof(double), cmp);
		med[m] = t[m][runs / 2];
		printf("%-26s median %6.2f ms  p90 %6.2f ms\n", mode_name[m],
		       med[m], t[m][runs * 9 / 10]);
		free(t[m]);
		sandbox_spec_release(&spec[m]);
	}
	printf("sandbox adds %.2f ms per start (target: under 10 ms)\n",
	       med[FULL] - med[PLAIN]);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", home);
	return system(cmd) == 0 ? 0 : 1;
}
