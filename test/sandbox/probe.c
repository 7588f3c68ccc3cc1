/*
 * probe.c - tries one thing a cell might do and prints what happened.
 * Built static (`cc -static`): it needs nothing from the cell's /usr, so
 * what it shows holds for a cell in any language.
 *
 *   probe status          uid, gid, pid, hostname, caps, no_new_privs,
 *                         seccomp (from /proc/self/status)
 *   probe read PATH       open and read PATH
 *   probe write PATH      create or truncate PATH and write a byte
 *   probe ls DIR          the names in DIR, sorted, one per line
 *   probe pids            the numeric entries of /proc
 *   probe tcp PORT        connect to 127.0.0.1:PORT
 *   probe unix PATH       connect to the Unix socket PATH
 *   probe stem JSON       send JSON to $CELL_HOME/stem.sock, print the reply
 *   probe thread          start and join a thread (clone3 -> clone)
 *   probe ptrace|mount|keyctl|unshare|clonens
 *                         make that system call (the sandbox kills us);
 *                         clonens is clone(CLONE_NEWUSER)
 *   probe clone3          call clone3 (the sandbox answers ENOSYS)
 *   probe alloc MIB       allocate and touch MIB mebibytes
 *   probe fork N          start N children that wait, count successes
 *   probe limits          RLIMIT_NOFILE and RLIMIT_NPROC
 *   probe env NAME        the value of NAME
 *   probe fd N            what fd N is ("socket", "file", "closed")
 *   probe exe             readlink /proc/self/exe
 *   probe wait            print "waiting" and wait for a signal
 *
 * Output is one line per fact: "WHAT: ok" or "WHAT: <strerror>". Exit
 * status 0 when the attempt succeeded, 1 when it failed, 2 on bad usage.
 *
 * Started by a stem as a cell (LISTEN_FDS=1, no arguments), it is a
 * hostile cell that does not use libcell: it speaks the frame protocol
 * on fd 3 itself (5-byte header: u32 big-endian length, u8 type; then the
 * payload) and answers each request "COMMAND [ARG]" with a DATA frame
 * holding what the command printed and "exit N" (or "killed by signal
 * N"). alloc runs in a child, so the memory limit's kill spares the
 * server; a forbidden system call ends the whole cell.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* memfd_create, CLONE_NEWUSER */
#endif
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static int dispatch(const char *cmd, const char *arg, int serving);

#define STR(x) #x
#define XSTR(x) STR(x)
#ifdef PROBE_CELL
/* Built as several cells: each its own bytes, so its own DNA and meta. */
const char probe_cell[] = XSTR(PROBE_CELL);
#endif

static int result(const char *what, int ok)
{
	if (ok)
		printf("%s: ok\n", what);
	else
		printf("%s: %s\n", what, strerror(errno));
	return ok ? 0 : 1;
}

static int status(void)
{
	static const char *const keys[] = {
		"Uid:", "Gid:", "Groups:", "CapInh:", "CapPrm:", "CapEff:",
		"CapBnd:", "CapAmb:", "NoNewPrivs:", "Seccomp:", "SigBlk:",
		"SigIgn:",
	};
	char line[256], host[65];
	FILE *f = fopen("/proc/self/status", "r");
	size_t i;

	if (!f)
		return result("open /proc/self/status", 0);
	printf("pid: %d\n", (int)getpid());
	printf("session leader: %s\n", getsid(0) == getpid() ? "yes" : "no");
	if (gethostname(host, sizeof host) == 0)
		printf("hostname: %s\n", host);
	while (fgets(line, sizeof line, f))
		for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
			if (!strncmp(line, keys[i], strlen(keys[i])))
				fputs(line, stdout);
	fclose(f);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list(const char *dir, int numeric)
{
	char *names[512];
	size_t n = 0, i;
	struct dirent *d;
	DIR *dp = opendir(dir);

	if (!dp)
		return result("ls", 0);
	while ((d = readdir(dp)) && n < 512) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if (numeric && (d->d_name[0] < '0' || d->d_name[0] > '9'))
			continue;
		names[n++] = strdup(d->d_name);
	}
	closedir(dp);
	qsort(names, n, sizeof names[0], cmp);
	for (i = 0; i < n; i++) {
		puts(names[i]);
		free(names[i]);
	}
	return 0;
}

static int rw(const char *path, int write_it)
{
	char buf[64];
	int fd = write_it ? open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600) :
			    open(path, O_RDONLY);

	if (fd < 0)
		return result(write_it ? "write" : "read", 0);
	if ((write_it ? write(fd, "x", 1) : read(fd, buf, sizeof buf)) < 0) {
		close(fd);
		return result(write_it ? "write" : "read", 0);
	}
	close(fd);
	return result(write_it ? "write" : "read", 1);
}

static int tcp(const char *port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return result("socket", 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)atoi(port));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return result("connect", connect(fd, (struct sockaddr *)&sa,
					 sizeof sa) == 0);
}

static int unix_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (fd < 0)
		return result("socket", 0);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	return result("connect", connect(fd, (struct sockaddr *)&sa,
					 sizeof sa) == 0);
}

static int read_full(int fd, void *buf, size_t len);
static int write_frame(int fd, int type, const char *data, size_t len);

/* One control request to the stem, as a cell that knows the protocol. */
static int stem_request(const char *json)
{
	const char *home = getenv("CELL_HOME");
	struct sockaddr_un sa;
	unsigned char hdr[5];
	char reply[4096];
	size_t len;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (fd < 0)
		return result("socket", 0);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s/stem.sock",
		 home ? home : "");
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		return result("connect", 0);
	if (write_frame(fd, 0, json, strlen(json)) < 0 ||
	    read_full(fd, hdr, sizeof hdr) < 0)
		return result("request", 0);
	len = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 |
	      (size_t)hdr[2] << 8 | hdr[3];
	if (len >= sizeof reply || read_full(fd, reply, len) < 0)
		return result("reply", 0);
	reply[len] = '\0';
	printf("reply: %s\n", reply);
	close(fd);
	return 0;
}

static void *thread_main(void *arg)
{
	return arg;
}

static int thread(void)
{
	pthread_t t;
	void *ret = NULL;
	int rc = pthread_create(&t, NULL, thread_main, (void *)"x");

	if (rc) {
		errno = rc;
		return result("thread", 0);
	}
	pthread_join(t, &ret);
	return result("thread", ret != NULL);
}

static int alloc_here(const char *mib)
{
	size_t n = (size_t)atol(mib) << 20;
	char *p = malloc(n);

	if (!p)
		return result("alloc", 0);
	/* Touch every page so the memory is really charged. */
	for (size_t i = 0; i < n; i += 4096)
		p[i] = 1;
	return result("alloc", 1);
}

/* In a child when serving: a memory-limit kill must spare the server. */
static int alloc(const char *mib, int serving)
{
	int status;
	pid_t pid;

	if (!serving)
		return alloc_here(mib);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return result("fork", 0);
	if (pid == 0) {
		alloc_here(mib);
		fflush(stdout);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) < 0)
		return result("wait", 0);
	if (WIFSIGNALED(status)) {
		printf("alloc: killed by signal %d\n", WTERMSIG(status));
		return 1;
	}
	return 0;
}

/* ---- cell mode: the frame protocol on fd 3, by hand ---- */

static int read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

static int write_frame(int fd, int type, const char *data, size_t len)
{
	unsigned char hdr[5] = {
		(unsigned char)(len >> 24), (unsigned char)(len >> 16),
		(unsigned char)(len >> 8), (unsigned char)len,
		(unsigned char)type,
	};

	if (write(fd, hdr, sizeof hdr) != (ssize_t)sizeof hdr)
		return -1;
	if (len && write(fd, data, len) != (ssize_t)len)
		return -1;
	return 0;
}

/*
 * Runs one request with stdout captured in a memfd; the reply is what it
 * printed plus "exit N".
 */
static int answer(int conn, char *req)
{
	char out[8192], *arg;
	int fd, saved, rc;
	ssize_t n;
	size_t len;

	arg = strchr(req, ' ');
	if (arg)
		*arg++ = '\0';
	fd = memfd_create("out", MFD_CLOEXEC);
	saved = dup(1);
	if (fd < 0 || saved < 0)
		return write_frame(conn, 1, "probe: no memfd", 15);
	fflush(stdout);
	dup2(fd, 1);
	rc = dispatch(req, arg, 1);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	n = pread(fd, out, sizeof out - 32, 0);
	close(fd);
	len = n > 0 ? (size_t)n : 0;
	len += (size_t)snprintf(out + len, sizeof out - len, "exit %d\n", rc);
	/* Also in the cell's log, like any cell's output. */
	fwrite(out, 1, len, stdout);
	return write_frame(conn, 0, out, len);
}

static int serve(void)
{
	static char req[4096];
	unsigned char hdr[5];
	int conn;

	for (;;) {
		conn = accept(3, NULL, NULL);
		if (conn < 0) {
			if (errno == EINTR)
				continue;
			perror("probe: accept");
			return 1;
		}
		while (read_full(conn, hdr, sizeof hdr) == 0) {
			size_t len = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 |
				     (size_t)hdr[2] << 8 | hdr[3];

			if (hdr[4] != 0 || len >= sizeof req ||
			    read_full(conn, req, len) < 0)
				break;
			req[len] = '\0';
			if (answer(conn, req) < 0)
				break;
		}
		close(conn);
	}
}

static int forks(const char *count)
{
	int n = atoi(count), ok = 0, err = 0, i;
	pid_t kids[4096];

	for (i = 0; i < n && i < 4096; i++) {
		pid_t p = fork();

		if (p == 0) {
			pause();
			_exit(0);
		}
		if (p < 0) {
			err = errno;
			break;
		}
		kids[ok++] = p;
	}
	for (i = 0; i < ok; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	printf("forked %d of %d: %s\n", ok, n, err ? strerror(err) : "ok");
	return ok == n ? 0 : 1;
}

static int fdinfo(const char *which)
{
	struct stat st;

	if (fstat(atoi(which), &st) < 0)
		printf("fd %s: closed\n", which);
	else
		printf("fd %s: %s\n", which, S_ISSOCK(st.st_mode) ? "socket" :
		       S_ISFIFO(st.st_mode) ? "pipe" :
		       S_ISCHR(st.st_mode) ? "chardev" : "file");
	return 0;
}

int main(int argc, char **argv)
{
	const char *fds = getenv("LISTEN_FDS");

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 1 && fds && !strcmp(fds, "1"))
		return serve();
	return dispatch(argc > 1 ? argv[1] : "", argc > 2 ? argv[2] : NULL, 0);
}

static int dispatch(const char *cmd, const char *arg, int serving)
{	struct rlimit rl;
	char buf[4096];
	ssize_t n;

	if (!strcmp(cmd, "status"))
		return status();
	if (!strcmp(cmd, "pids"))
		return list("/proc", 1);
	if (!strcmp(cmd, "exe")) {
		n = readlink("/proc/self/exe", buf, sizeof buf - 1);
		if (n < 0)
			return result("exe", 0);
		buf[n] = '\0';
		printf("exe: %s\n", buf);
		return 0;
	}
	if (!strcmp(cmd, "limits")) {
		getrlimit(RLIMIT_NOFILE, &rl);
		printf("nofile: %llu\n", (unsigned long long)rl.rlim_cur);
		getrlimit(RLIMIT_NPROC, &rl);
		printf("nproc: %lld\n", rl.rlim_cur == RLIM_INFINITY ? -1LL :
		       (long long)rl.rlim_cur);
		return 0;
	}
	if (!strcmp(cmd, "wait")) {
		puts("waiting");
		pause();
		return 0;
	}
	if (!strcmp(cmd, "thread"))
		return thread();
	if (!strcmp(cmd, "ptrace"))
		return result("ptrace", ptrace(PTRACE_TRACEME, 0, 0, 0) == 0);
	if (!strcmp(cmd, "mount"))
		return result("mount", mount("none", "/tmp", "tmpfs", 0,
					     NULL) == 0);
	if (!strcmp(cmd, "keyctl"))
		return result("keyctl", syscall(SYS_keyctl, 0, 0, 0, 0, 0) >= 0);
	if (!strcmp(cmd, "clonens")) {
		long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0,
				   0);

		if (pid == 0)
			_exit(0);
		return result("clonens", pid > 0);
	}
	if (!strcmp(cmd, "clone3"))
		return result("clone3", syscall(SYS_clone3, NULL, 0) >= 0);
	if (!strcmp(cmd, "unshare"))
		return result("unshare", syscall(SYS_unshare, 0) == 0);
	if (!arg) {
		printf("usage: probe COMMAND [ARG]\n");
		return 2;
	}
	if (!strcmp(cmd, "read"))
		return rw(arg, 0);
	if (!strcmp(cmd, "write"))
		return rw(arg, 1);
	if (!strcmp(cmd, "ls"))
		return list(arg, 0);
	if (!strcmp(cmd, "tcp"))
		return tcp(arg);
	if (!strcmp(cmd, "unix"))
		return unix_connect(arg);
	if (!strcmp(cmd, "stem"))
		return stem_request(arg);
	if (!strcmp(cmd, "alloc"))
		return alloc(arg, serving);
	if (!strcmp(cmd, "fork"))
		return forks(arg);
	if (!strcmp(cmd, "fd"))
		return fdinfo(arg);
	if (!strcmp(cmd, "env")) {
		printf("%s=%s\n", arg, getenv(arg) ? getenv(arg) : "(unset)");
		return 0;
	}
	printf("probe: unknown command '%s'\n", cmd);
	return 2;
}
