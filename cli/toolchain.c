/* toolchain.c - cell's own files, found from /proc/self/exe; the compiler. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "jobs.h"
#include "toolchain.h"

int toolchain_prefix(char *out, size_t size)
{
	char exe[CELL_PATH_MAX];
	ssize_t n;
	char *slash;
	int i;

	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n < 0)
		return -errno;
	if ((size_t)n >= sizeof exe - 1)
		return -ENAMETOOLONG;
	exe[n] = '\0';
	/* Drop the file name, then its directory (bin). */
	for (i = 0; i < 2; i++) {
		slash = strrchr(exe, '/');
		if (!slash)
			return -ENOENT;
		if (slash == exe)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	if (snprintf(out, size, "%s", exe) >= (int)size)
		return -ENAMETOOLONG;
	return 0;
}

static int exists(const char *path, struct cell_buf *why)
{
	struct stat st;

	if (stat(path, &st) == 0)
		return 0;
	cell_buf_reset(why);
	cell_buf_printf(why, "cannot find '%s': %s", path, strerror(errno));
	return -errno;
}

int toolchain_locate(struct toolchain *tc, struct cell_buf *why)
{
	const char *cc = getenv("CC");
	int err;

	memset(tc, 0, sizeof *tc);
	tc->cc = cc && *cc ? cc : "cc";
	err = toolchain_prefix(tc->prefix, sizeof tc->prefix);
	if (!err)
		err = fs_join(tc->include_dir, sizeof tc->include_dir,
			      tc->prefix, "include");
	if (!err)
		err = fs_join(tc->header, sizeof tc->header, tc->include_dir,
			      "cell.h");
	if (!err)
		err = fs_join(tc->libcell, sizeof tc->libcell, tc->prefix,
			      "lib/libcell.a");
	if (err) {
		cell_buf_reset(why);
		cell_buf_printf(why, "cannot locate cell's own files: %s",
				cell_strerror(err));
		return err;
	}
	err = exists(tc->header, why);
	if (!err)
		err = exists(tc->libcell, why);
	return err;
}

int toolchain_identify(struct toolchain *tc, struct cell_buf *why)
{
	char *argv[] = { (char *)tc->cc, "--version", NULL };
	char lib_hex[DNA_HASH_SIZE], hdr_hex[DNA_HASH_SIZE];
	struct dna_hasher h;
	struct job j = { .argv = argv };
	struct job *jobs[1] = { &j };
	const char *out;
	size_t n;
	int err;

	err = dna_hash_file(tc->libcell, lib_hex);
	if (!err)
		err = dna_hash_file(tc->header, hdr_hex);
	if (err) {
		cell_buf_reset(why);
		cell_buf_printf(why, "cannot read libcell: %s",
				cell_strerror(err));
		return err;
	}
	dna_hasher_init(&h);
	dna_hasher_addstr(&h, lib_hex);
	dna_hasher_addstr(&h, hdr_hex);
	dna_hasher_final(&h, tc->libcell_hash);

	job_init(&j);
	err = jobs_run(jobs, 1, 1, NULL, NULL);
	if (!err && !job_ok(&j))
		err = -ENOEXEC;
	out = cell_buf_str(&j.output);
	if (err) {
		cell_buf_reset(why);
		cell_buf_printf(why, "compiler '%s' does not run: %.*s", tc->cc,
				(int)strcspn(out, "\n"), out);
	} else {
		n = strcspn(out, "\n");
		if (n >= sizeof tc->identity)
			n = sizeof tc->identity - 1;
		memcpy(tc->identity, out, n);
		tc->identity[n] = '\0';
	}
	job_release(&j);
	return err;
}

int toolchain_template(const char *name, char *out, size_t size)
{
	static const char *const places[] = {
		"templates", "share/cell/templates",
	};
	char prefix[CELL_PATH_MAX];
	struct stat st;
	size_t i;
	int err = toolchain_prefix(prefix, sizeof prefix);

	if (err)
		return err;
	for (i = 0; i < sizeof places / sizeof places[0]; i++) {
		if (snprintf(out, size, "%s/%s/%s", prefix, places[i], name) >=
		    (int)size)
			return -ENAMETOOLONG;
		if (stat(out, &st) == 0 && S_ISDIR(st.st_mode))
			return 0;
	}
	return -ENOENT;
}
