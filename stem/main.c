/*
 * main.c - cell-stem: the per-$CELL_HOME daemon that germinates and
 * supervises cells (see cell-stem(8)). main() owns the one struct stem.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdnoreturn.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsutil.h"
#include "stem.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static const char usage[] =
	"usage: cell-stem [--allow-unconfined] [--daemon] [--ready-fd N] [-v]\n";

static noreturn void fail(const char *fmt, const char *arg, int err)
{
	fprintf(stderr, "cell-stem: ");
	fprintf(stderr, fmt, arg);
	if (err)
		fprintf(stderr, ": %s", cell_strerror(err));
	fputc('\n', stderr);
	exit(1);
}

static uint64_t env_ms(const char *name, uint64_t def)
{
	const char *v = getenv(name);
	char *end;
	unsigned long long n;

	if (!v || !*v)
		return def;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || *end)
		return def;
	return n;
}

/* One stem per home: flock(stem.lock), held for our whole life. */
static void take_lock(struct stem *stem)
{
	struct cell_buf pid = CELL_BUF_INIT(64);
	char path[CELL_PATH_MAX];
	int err;

	err = cell_home_path(&stem->home, path, sizeof path, "stem.lock");
	if (err)
		fail("cannot open '%s'", stem->home.dir, err);
	stem->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (stem->lock_fd < 0)
		fail("cannot open '%s'", path, -errno);
	if (flock(stem->lock_fd, LOCK_EX | LOCK_NB) == 0)
		return;
	if (errno != EWOULDBLOCK)
		fail("cannot lock '%s'", path, -errno);
	if (!cell_home_path(&stem->home, path, sizeof path, "stem.pid") &&
	    !fs_read_file(path, &pid)) {
		pid.len = strcspn(cell_buf_str(&pid), "\n");
		pid.data[pid.len] = '\0';
	}
	fail("another stem is running (pid %s)",
	     pid.len ? cell_buf_str(&pid) : "unknown", 0);
}

/*
 * Double fork: no controlling terminal, not a session leader. The first
 * process exits once the daemon listens (0) or gave up (1), so that
 * `cell-stem --daemon` returns when the stem can be used. Returns the
 * daemon's end of that pipe.
 */
static int daemonize(struct stem *stem)
{
	char path[CELL_PATH_MAX], byte;
	pid_t pid;
	int fd, p[2];
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0)
		fail("cannot create a pipe%s", "", -errno);
	pid = fork();
	if (pid < 0)
		fail("cannot fork%s", "", -errno);
	if (pid > 0) {
		close(p[1]);
		waitpid(pid, NULL, 0);
		do
			n = read(p[0], &byte, 1);
		while (n < 0 && errno == EINTR);
		exit(n == 1 ? 0 : 1);
	}
	close(p[0]);
	setsid();
	pid = fork();
	if (pid < 0)
		_exit(1);
	if (pid > 0)
		_exit(0);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || dup2(fd, 0) < 0)
		fail("cannot open '%s'", "/dev/null", -errno);
	close(fd);
	if (cell_home_path(&stem->home, path, sizeof path, "logs/stem.log"))
		fail("cannot open '%s'", "logs/stem.log", -ENAMETOOLONG);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		fail("cannot open '%s'", path, -errno);
	close(fd);
	return p[1];
}

/* Says "listening" on fd (one byte), then closes it. */
static void tell_ready(int fd)
{
	ssize_t n;

	if (fd < 0)
		return;
	do
		n = write(fd, "", 1);
	while (n < 0 && errno == EINTR);
	close(fd);
}

static void on_signal(struct loop *loop, struct loop_fd *w, uint32_t events)
{
	struct stem *stem = w->ctx;
	struct signalfd_siginfo si;

	(void)events;
	if (read(stem->sig_fd, &si, sizeof si) != (ssize_t)sizeof si)
		return;
	if (si.ssi_signo == SIGHUP)
		return;
	stem_log(stem, STEM_LOG_INFO, "signal %d: stopping every cell",
		 (int)si.ssi_signo);
	if (stem->shutting_down)
		loop_stop(loop); /* a second signal: do not wait */
	stem->shutting_down = 1;
	control_close_all(stem);
	if (supervise_stop_all(stem) == 0)
		loop_stop(loop);
}

static void setup_signals(struct stem *stem)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		fail("cannot block signals%s", "", -errno);
	stem->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (stem->sig_fd < 0)
		fail("cannot create a signalfd%s", "", -errno);
	loop_fd_init(&stem->sig_w, stem->sig_fd, on_signal, stem);
	if (loop_fd_watch(&stem->loop, &stem->sig_w, EPOLLIN) < 0)
		fail("cannot watch signals%s", "", -errno);
}

/*
 * stem.sock and run/<name>.sock are 0666 and run/ is 0711: only a home
 * that is a real directory, ours and 0700 keeps other users from them.
 * A home another uid owns, or a symlink, we refuse: tightening it would
 * not make it ours. A looser mode on our own home (a umask, a hand-made
 * mkdir -p) we fix rather than refuse: the home is the stem's own and
 * nothing else should have access to it, so 0700 is always right.
 * Returns the mode it replaced, or 0, for a log line once the log is
 * set up (not on the stderr of whoever started us).
 */
static mode_t check_home(struct stem *stem)
{
	struct stat st;
	int fd;

	if (lstat(stem->home.dir, &st) < 0)
		fail("cannot stat '%s'", stem->home.dir, -errno);
	if (S_ISLNK(st.st_mode))
		fail("refusing home '%s': it is a symlink", stem->home.dir, 0);
	if (!S_ISDIR(st.st_mode))
		fail("refusing home '%s': not a directory", stem->home.dir, 0);
	fd = open(stem->home.dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		  O_CLOEXEC);
	if (fd < 0)
		fail("cannot open '%s'", stem->home.dir, -errno);
	/* Judge what we opened, not what the path named a moment ago. */
	if (fstat(fd, &st) < 0)
		fail("cannot stat '%s'", stem->home.dir, -errno);
	if (st.st_uid != stem->uid) {
		fprintf(stderr, "cell-stem: refusing home '%s': owned by uid %u, "
			"not %u\n", stem->home.dir, (unsigned)st.st_uid,
			(unsigned)stem->uid);
		exit(1);
	}
	if ((st.st_mode & 077) && fchmod(fd, 0700) < 0)
		fail("cannot chmod '%s'", stem->home.dir, -errno);
	close(fd);
	return st.st_mode & 077 ? st.st_mode & 07777 : 0;
}

/*
 * run/ is 0711: cells, each its own uid, reach sockets in it by name
 * through the sandbox's bind, but cannot list it. $CELL_HOME itself stays
 * 0700 (the sandbox binds run/ through an fd the stem opened).
 */
static mode_t make_dirs(struct stem *stem)
{
	static const struct {
		const char *name;
		mode_t mode;
	} dirs[] = { { "run", 0711 }, { "logs", 0700 } };
	char path[CELL_PATH_MAX];
	unsigned i;
	mode_t old;
	int err;

	err = cell_home_create(&stem->home);
	if (err)
		fail("cannot create '%s'", stem->home.dir, err);
	old = check_home(stem);
	for (i = 0; i < sizeof dirs / sizeof *dirs; i++) {
		err = cell_home_path(&stem->home, path, sizeof path, "%s",
				     dirs[i].name);
		if (!err)
			err = fs_mkdir_p(path, dirs[i].mode);
		/* A home made by an older stem has a 0700 run/. */
		if (!err && chmod(path, dirs[i].mode) < 0)
			err = -errno;
		if (err)
			fail("cannot create '%s'", path, err);
	}
	return old;
}

/*
 * Every control connection and every cell costs the stem descriptors,
 * and the usual soft limit (1024) is only kept low for select() users:
 * take the hard limit. Cells whose manifest sets no limits.nofile
 * inherit it. A failure leaves the old limit (control_listen sizes the
 * connection cap by whatever we have).
 */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void write_pid(struct stem *stem)
{
	char path[CELL_PATH_MAX], buf[32];
	int n, err;

	err = cell_home_path(&stem->home, path, sizeof path, "stem.pid");
	n = snprintf(buf, sizeof buf, "%d\n", (int)getpid());
	if (!err)
		err = fs_write_atomic(path, buf, (size_t)n, 0644);
	if (err)
		fail("cannot write '%s'", path, err);
}

/*
 * On a cgroup v2 host, a stem started in a cgroup of its own (systemd
 * Delegate=yes) takes it over for its cells; elsewhere (cgroup v1, a
 * shared root cgroup) the sandbox finds what it can per start.
 */
static void cgroups(struct stem *stem)
{
	char line[512];
	int own = 0, err;
	FILE *f = fopen("/proc/self/cgroup", "re");

	if (!f)
		return;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "0::/", 4) && line[4] != '\n' && line[4])
			own = 1;
	fclose(f);
	if (!own || access("/sys/fs/cgroup/cgroup.subtree_control", F_OK) < 0)
		return;
	err = sandbox_cgroup2_delegate(stem->cgroup2_dir,
				       sizeof stem->cgroup2_dir);
	if (err)
		stem->cgroup2_dir[0] = '\0';
}

static long rss_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static void remove_files(struct stem *stem)
{
	char path[CELL_PATH_MAX];

	if (!cell_home_path(&stem->home, path, sizeof path, "stem.sock"))
		unlink(path);
	if (!cell_home_path(&stem->home, path, sizeof path, "stem.pid"))
		unlink(path);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "allow-unconfined", no_argument, NULL, 'u' },
		{ "daemon", no_argument, NULL, 'd' },
		{ "ready-fd", required_argument, NULL, 'r' },
		{ "logger", required_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct stem stem;
	const char *logger = NULL;
	mode_t old_mode;
	int c, daemon = 0, ready = -1, started = -1, err;
	ssize_t n;
	char *end;

	memset(&stem, 0, sizeof stem);
	stem.lock_fd = stem.ctl_fd = stem.sig_fd = stem.spare_fd = -1;
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'u':
			stem.allow_unconfined = 1;
			break;
		case 'd':
			daemon = 1;
			break;
		case 'r':
			errno = 0;
			ready = (int)strtol(optarg, &end, 10);
			if (errno || *end || ready < 0)
				fail("bad --ready-fd '%s'", optarg, 0);
			break;
		case 'l':
			logger = optarg;
			break;
		case 'v':
			stem.verbose++;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fputs(usage, stderr);
		return 2;
	}
	err = cell_home_init(&stem.home, NULL);
	if (err)
		fail("cannot locate CELL_HOME%s", "", err);
	if (logger)
		return logger_main(&stem.home, logger);
	/* Whatever our starter left open must not reach the cells. */
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	n = readlink("/proc/self/exe", stem.self, sizeof stem.self - 1);
	if (n < 0 || (size_t)n >= sizeof stem.self - 1)
		fail("cannot read '%s'", "/proc/self/exe", n < 0 ? -errno : 0);
	stem.self[n] = '\0';
	stem.uid = geteuid();
	err = cell_home_path(&stem.home, stem.sock_path, sizeof stem.sock_path,
			     "stem.sock");
	if (err)
		fail("cannot locate '%s'", "stem.sock", err);
	stem.grace_ms = env_ms("CELL_STEM_GRACE_MS", 5000);
	stem.backoff_base_ms = env_ms("CELL_STEM_BACKOFF_MS", 100);
	raise_nofile();
	old_mode = make_dirs(&stem);
	take_lock(&stem);
	if (daemon)
		started = daemonize(&stem);
	write_pid(&stem);
	if (old_mode)
		stem_log(&stem, STEM_LOG_INFO, "home %s had mode %03o; set to 0700",
			 stem.home.dir, (unsigned)old_mode);
	cgroups(&stem);
	err = loop_init(&stem.loop);
	if (err)
		fail("cannot create the event loop%s", "", err);
	setup_signals(&stem);
	err = supervise_adopt(&stem);
	if (err)
		stem_log(&stem, STEM_LOG_ERROR, "cannot scan run/: %s",
			 cell_strerror(err));
	err = control_listen(&stem);
	if (err) {
		stem_log(&stem, STEM_LOG_ERROR, "cannot listen on stem.sock: %s",
			 cell_strerror(err));
		remove_files(&stem);
		return 1;
	}
	stem_log(&stem, STEM_LOG_INFO, "stem %s started pid %d home %s rss %ld KiB%s%s%s",
		 CELL_VERSION, (int)getpid(), stem.home.dir, rss_kib(),
		 stem.cgroup2_dir[0] ? " cgroup2 " : "", stem.cgroup2_dir,
		 stem.allow_unconfined ? " (unconfined cells allowed)" : "");
	tell_ready(ready);
	tell_ready(started);
	err = loop_run(&stem.loop);
	if (err)
		stem_log(&stem, STEM_LOG_ERROR, "event loop: %s",
			 cell_strerror(err));
	control_close_all(&stem);
	remove_files(&stem);
	supervise_release(&stem);
	verify_release(&stem);
	loop_release(&stem.loop);
	stem_log(&stem, STEM_LOG_INFO, "stem stopped");
	return err ? 1 : 0;
}
