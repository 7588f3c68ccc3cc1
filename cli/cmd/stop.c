/*
 * stop.c - `cell stop NAME...|--all`: asks the stem to stop cells
 * (SIGTERM, SIGKILL after a grace period, or SIGKILL at once to a cell
 * that does not handle SIGTERM; socket and pid file removed).
 * With no stem running it signals the processes named by run/NAME.json
 * itself, after checking their start time so a reused pid is never hit.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cmd.h"
#include "control.h"
#include "fsutil.h"
#include "options.h"
#include "proc.h"
#include "runinfo.h"
#include "unixsock.h"
#include "usage.h"

static const char usage[] = "cell stop [--all] [NAME ...]";

/* The stem's control socket, or -1 when no stem runs (none is started). */
static int stem_running(const struct cell_home *home)
{
	char path[CELL_PATH_MAX];
	int fd;

	if (cell_home_path(home, path, sizeof path, "stem.sock"))
		die("path too long: '%s/stem.sock'", home->dir);
	fd = unixsock_connect(path);
	if (fd == -ENAMETOOLONG)
		die("path too long: '%s'", path);
	return fd < 0 ? -1 : fd;
}

static int stop_via_stem(int fd, const char *name)
{
	struct cell_buf reply = CELL_BUF_INIT(1u << 20);
	struct cell_buf why = CELL_BUF_INIT(4096);
	int err, status = EXIT_OK;

	err = stem_op(fd, "stop", name, &reply, &why);
	if (err == CELL_EREMOTE || err == CELL_ENODNA) {
		error("cannot stop '%s': %s", name, cell_buf_str(&why));
		status = EXIT_FAIL;
	} else if (err) {
		die("cannot stop '%s': %s", name, cell_buf_str(&why));
	} else {
		printf("%s stopped\n", name);
	}
	cell_buf_release(&why);
	cell_buf_release(&reply);
	return status;
}

static long grace_ms(void)
{
	const char *v = getenv("CELL_STEM_GRACE_MS");

	return v && *v ? atol(v) : 5000;
}

/*
 * SIGTERM, wait for the exit through a pidfd, SIGKILL after the grace;
 * SIGKILL at once to a cell that neither catches nor blocks SIGTERM (the
 * init of a pid namespace ignores it), as the stem does.
 */
static int signal_and_wait(const struct runinfo *info)
{
	struct pollfd p;
	int pidfd, r, sig;

	/* Stopped, failed and backoff cells record pid 0: nothing runs. */
	if (info->pid <= 0)
		return 0;
	pidfd = (int)syscall(SYS_pidfd_open, info->pid, 0);
	if (pidfd < 0)
		return errno == ESRCH ? 0 : -errno;
	/* Checked after opening the pidfd: it now names that process. */
	if (!runinfo_alive(info)) {
		close(pidfd);
		return 0;
	}
	sig = proc_takes_signal(info->pid, SIGTERM) == 0 ? SIGKILL : SIGTERM;
	syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
	p.fd = pidfd;
	p.events = POLLIN;
	r = poll(&p, 1, sig == SIGKILL ? -1 : (int)grace_ms());
	if (r == 0) {
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		poll(&p, 1, -1);
	}
	close(pidfd);
	return 0;
}

/* Rewrites run/NAME.json as stopped, as the stem would have. */
static void mark_stopped(const struct cell_home *home, const char *name)
{
	struct cell_buf buf = CELL_BUF_INIT(64u << 10);
	char path[CELL_PATH_MAX];
	cJSON *o = NULL;
	char *text = NULL;

	if (cell_home_path(home, path, sizeof path, "run/%s.pid", name) == 0)
		unlink(path);
	if (cell_home_path(home, path, sizeof path, "run/%s.sock", name) == 0)
		unlink(path);
	if (cell_home_path(home, path, sizeof path, "run/%s.json", name) ||
	    fs_read_file(path, &buf))
		goto out;
	o = cJSON_ParseWithOpts(cell_buf_str(&buf), NULL, 1);
	if (!cJSON_IsObject(o))
		goto out;
	cJSON_DeleteItemFromObjectCaseSensitive(o, "state");
	cJSON_DeleteItemFromObjectCaseSensitive(o, "pid");
	if (cJSON_AddStringToObject(o, "state", "stopped") &&
	    cJSON_AddNumberToObject(o, "pid", 0))
		text = cJSON_PrintUnformatted(o);
	if (text) {
		int err = fs_write_atomic(path, text, strlen(text), 0644);

		if (err)
			error("cannot write '%s': %s", path,
			      cell_strerror(err));
	}
out:
	free(text);
	cJSON_Delete(o);
	cell_buf_release(&buf);
}

static int stop_direct(const struct cell_home *home, const char *name)
{
	struct runinfo info;
	int err;

	err = runinfo_read(home, name, &info);
	if (err == -ENOENT) {
		printf("%s stopped\n", name);
		return EXIT_OK;
	}
	if (err) {
		error("cannot read the state of '%s': %s", name,
		      cell_strerror(err));
		return EXIT_FAIL;
	}
	err = signal_and_wait(&info);
	if (err) {
		error("cannot stop '%s': %s", name, cell_strerror(err));
		return EXIT_FAIL;
	}
	mark_stopped(home, name);
	printf("%s stopped\n", name);
	return EXIT_OK;
}

struct all_ctx {
	const struct cell_home *home;
	int fd;
	int status;
};

static int stop_each(void *ctx, const struct runinfo *info)
{
	struct all_ctx *a = ctx;
	int r;

	if (!strcmp(info->state, "stopped") && !runinfo_alive(info))
		return 0;
	r = a->fd >= 0 ? stop_via_stem(a->fd, info->name) :
			 stop_direct(a->home, info->name);
	if (r != EXIT_OK)
		a->status = EXIT_FAIL;
	return 0;
}

int cmd_stop(int argc, char **argv)
{
	int all = 0, i, n;
	struct option opts[] = {
		OPT_FLAG(0, "all", &all, "stop every cell of this home"),
		OPT_END(),
	};
	struct all_ctx a;
	struct cell_home home;

	n = parse_options(argc, argv, opts, usage);
	if ((n == 0) == !all)
		die_usage("see 'cell stop --help'",
			  "cell stop needs NAME... or --all (not both)");
	for (i = 0; i < n; i++)
		cli_need_name(argv[i]);
	cli_home(&home);
	a.home = &home;
	a.fd = stem_running(&home);
	a.status = EXIT_OK;
	if (all) {
		int err = runinfo_each(&home, stop_each, &a);

		if (err)
			die("cannot read '%s/run': %s", home.dir,
			    cell_strerror(err));
	}
	for (i = 0; i < n; i++) {
		int r = a.fd >= 0 ? stop_via_stem(a.fd, argv[i]) :
				    stop_direct(&home, argv[i]);

		if (r != EXIT_OK)
			a.status = EXIT_FAIL;
	}
	if (a.fd >= 0)
		close(a.fd);
	return a.status;
}
