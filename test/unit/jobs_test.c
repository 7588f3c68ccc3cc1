/* jobs_test.c - the bounded pool of child processes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jobs.h"
#include "test.h"

struct seen {
	int done;
	int order[8];
};

static void on_done(void *ctx, struct job *j)
{
	struct seen *s = ctx;

	s->order[s->done++] = (int)(long)j->data;
}

static void test_exit_status_and_output(void)
{
	char *ok_argv[] = { "sh", "-c", "echo out; echo err >&2", NULL };
	char *bad_argv[] = { "sh", "-c", "exit 3", NULL };
	struct job ok = { .argv = ok_argv }, bad = { .argv = bad_argv };
	struct job *jobs[] = { &ok, &bad };
	struct seen s = { 0 };

	job_init(&ok);
	job_init(&bad);
	ok.data = (void *)0L;
	bad.data = (void *)1L;
	CHECK_INT(jobs_run(jobs, 2, 2, on_done, &s), 0);
	CHECK_INT(s.done, 2);
	CHECK(job_ok(&ok));
	CHECK_STR(cell_buf_str(&ok.output), "out\nerr\n");
	CHECK(!job_ok(&bad));
	CHECK(WIFEXITED(bad.status) && WEXITSTATUS(bad.status) == 3);
	job_release(&ok);
	job_release(&bad);
}

static void test_cwd_and_env(void)
{
	char *argv[] = { "sh", "-c", "pwd; echo $JOBS_TEST_VAR", NULL };
	char var[] = "JOBS_TEST_VAR=set";
	char *env[] = { var, NULL };
	struct job j = { .argv = argv, .cwd = "/", .env = env };
	struct job *jobs[] = { &j };

	job_init(&j);
	CHECK_INT(jobs_run(jobs, 1, 1, NULL, NULL), 0);
	CHECK_STR(cell_buf_str(&j.output), "/\nset\n");
	CHECK(getenv("JOBS_TEST_VAR") == NULL); /* only the child's */
	job_release(&j);
}

/* j->env replaces what the parent has, and the parent keeps its own. */
static void test_env_overrides_the_parent(void)
{
	char *argv[] = { "sh", "-c", "echo $JOBS_TEST_OVER", NULL };
	char var[] = "JOBS_TEST_OVER=child";
	char *env[] = { var, NULL };
	struct job j = { .argv = argv, .env = env };
	struct job *jobs[] = { &j };

	setenv("JOBS_TEST_OVER", "parent", 1);
	job_init(&j);
	CHECK_INT(jobs_run(jobs, 1, 1, NULL, NULL), 0);
	CHECK_STR(cell_buf_str(&j.output), "child\n");
	CHECK_STR(getenv("JOBS_TEST_OVER"), "parent");
	unsetenv("JOBS_TEST_OVER");
	job_release(&j);
}

/* A compiler gets stdin, stdout and stderr, and no other descriptor. */
static void test_child_inherits_only_stdio(void)
{
	char *argv[] = { "sh", "-c", "ls /proc/$$/fd | tr '\\n' ' '", NULL };
	struct job j = { .argv = argv };
	struct job *jobs[] = { &j };
	int fd;

	/* What this test inherited is not ours to pass on. */
	for (fd = 3; fd < 1024; fd++)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	job_init(&j);
	CHECK_INT(jobs_run(jobs, 1, 1, NULL, NULL), 0);
	CHECK_STR(cell_buf_str(&j.output), "0 1 2 ");
	job_release(&j);
}

static void test_exec_failure_is_reported(void)
{
	char *argv[] = { "no-such-program-for-jobs-test", NULL };
	struct job j = { .argv = argv };
	struct job *jobs[] = { &j };

	job_init(&j);
	CHECK_INT(jobs_run(jobs, 1, 1, NULL, NULL), 0);
	CHECK(!job_ok(&j));
	CHECK_INT(WEXITSTATUS(j.status), 127);
	CHECK_STR(cell_buf_str(&j.output), "cannot run "
		  "'no-such-program-for-jobs-test': No such file or directory\n");
	job_release(&j);
}

static void test_bad_cwd_is_reported(void)
{
	char *argv[] = { "true", NULL };
	struct job j = { .argv = argv, .cwd = "/no-such-dir-for-jobs-test" };
	struct job *jobs[] = { &j };

	job_init(&j);
	CHECK_INT(jobs_run(jobs, 1, 1, NULL, NULL), 0);
	CHECK_INT(WEXITSTATUS(j.status), 127);
	CHECK_STR(cell_buf_str(&j.output), "cannot change directory to "
		  "'/no-such-dir-for-jobs-test': No such file or directory\n");
	job_release(&j);
}

static void test_output_is_bounded(void)
{
	char *argv[] = { "sh", "-c", "head -c 200000 /dev/zero", NULL };
	struct job j = { .argv = argv };
	struct job *jobs[] = { &j };

	job_init(&j);
	CHECK_INT(jobs_run(jobs, 1, 1, NULL, NULL), 0);
	CHECK(job_ok(&j)); /* the child was drained, not blocked */
	CHECK_INT(j.truncated, 1);
	CHECK(j.output.len <= JOB_OUTPUT_MAX);
	job_release(&j);
}

/* With max 1 the jobs run one after another, done in array order. */
static void test_one_at_a_time(void)
{
	char *a[] = { "sh", "-c", "sleep 0.1", NULL };
	char *b[] = { "true", NULL };
	struct job j[3] = { { .argv = a }, { .argv = b }, { .argv = b } };
	struct job *jobs[] = { &j[0], &j[1], &j[2] };
	struct seen s = { 0 };
	int i;

	for (i = 0; i < 3; i++) {
		job_init(&j[i]);
		j[i].data = (void *)(long)i;
	}
	CHECK_INT(jobs_run(jobs, 3, 1, on_done, &s), 0);
	CHECK_INT(s.done, 3);
	CHECK_INT(s.order[0], 0);
	CHECK_INT(s.order[1], 1);
	CHECK_INT(s.order[2], 2);
	for (i = 0; i < 3; i++)
		job_release(&j[i]);
}

/*
 * With max 2 the jobs overlap: the first waits (up to 5 s) for a file the
 * second creates, which only works if both run at once.
 */
static void test_jobs_overlap(void)
{
	char dir[] = "/tmp/jobs_test.XXXXXX", wait_cmd[256], make_cmd[256];
	char *a[] = { "sh", "-c", wait_cmd, NULL };
	char *b[] = { "sh", "-c", make_cmd, NULL };
	struct job j[2] = { { .argv = a }, { .argv = b } };
	struct job *jobs[] = { &j[0], &j[1] };

	CHECK(mkdtemp(dir) != NULL);
	snprintf(wait_cmd, sizeof wait_cmd, "for i in $(seq 500); do "
		 "[ -e %s/f ] && exit 0; sleep 0.01; done; exit 1", dir);
	snprintf(make_cmd, sizeof make_cmd, "touch %s/f", dir);
	job_init(&j[0]);
	job_init(&j[1]);
	CHECK_INT(jobs_run(jobs, 2, 2, NULL, NULL), 0);
	CHECK(job_ok(&j[0]));
	CHECK(job_ok(&j[1]));
	job_release(&j[0]);
	job_release(&j[1]);
	snprintf(make_cmd, sizeof make_cmd, "%s/f", dir);
	unlink(make_cmd);
	rmdir(dir);
}

static void test_no_jobs(void)
{
	CHECK_INT(jobs_run(NULL, 0, 4, NULL, NULL), 0);
}

int main(void)
{
	RUN(test_exit_status_and_output);
	RUN(test_cwd_and_env);
	RUN(test_env_overrides_the_parent);
	RUN(test_child_inherits_only_stdio);
	RUN(test_exec_failure_is_reported);
	RUN(test_bad_cwd_is_reported);
	RUN(test_output_is_bounded);
	RUN(test_one_at_a_time);
	RUN(test_jobs_overlap);
	RUN(test_no_jobs);
	return test_done();
}
