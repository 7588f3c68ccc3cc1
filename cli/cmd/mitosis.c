/*
 * mitosis.c - `cell mitosis DIR`: a new cell from a template, in a git
 * repository (initialized when DIR is in none), ready for `cell build`.
 *
 * A template is a directory of files (templates/c: cell.json, main.c,
 * README.md). The template is itself a buildable cell named "newcell";
 * every occurrence of that word is replaced by the new cell's name.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "fsutil.h"
#include "options.h"
#include "toolchain.h"
#include "usage.h"
#include "workspace.h"

#define PLACEHOLDER "newcell"
#define TEMPLATE_FILE_MAX (1u << 20)
#define TEMPLATE_FILES_MAX 64

static const char usage[] =
	"cell mitosis [--force] [--name NAME] [--template NAME] DIR";

struct tfile {
	char name[NAME_MAX + 1];
	mode_t mode;
};

static int cmp_tfile(const void *a, const void *b)
{
	return strcmp(((const struct tfile *)a)->name,
		      ((const struct tfile *)b)->name);
}

/* The regular files of the template directory, sorted. */
static size_t list_template(const char *tdir, struct tfile *files,
			    size_t max)
{
	char path[CELL_PATH_MAX];
	struct dirent *e;
	struct stat st;
	size_t n = 0;
	DIR *d = opendir(tdir);

	if (!d)
		die_errno("cannot open template '%s'", tdir);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (fs_join(path, sizeof path, tdir, e->d_name) ||
		    stat(path, &st) < 0)
			die("cannot read template file '%s/%s'", tdir,
			    e->d_name);
		if (!S_ISREG(st.st_mode))
			continue;
		if (n == max)
			die("template '%s' has more than %zu files", tdir, max);
		snprintf(files[n].name, sizeof files[n].name, "%s", e->d_name);
		files[n].mode = st.st_mode & 0777;
		n++;
	}
	closedir(d);
	qsort(files, n, sizeof *files, cmp_tfile);
	return n;
}

/* The default name: DIR's base name, resolved when DIR exists ("."). */
static void default_name(const char *dir, char *out, size_t size)
{
	char abs[CELL_PATH_MAX], copy[CELL_PATH_MAX];
	const char *base;
	size_t n;

	if (realpath(dir, abs)) {
		base = strrchr(abs, '/');
		base = base ? base + 1 : abs;
	} else {
		n = strlen(dir);
		if (n >= sizeof copy)
			die("path too long: '%s'", dir);
		memcpy(copy, dir, n + 1);
		while (n > 1 && copy[n - 1] == '/')
			copy[--n] = '\0';
		base = strrchr(copy, '/');
		base = base ? base + 1 : copy;
	}
	if (!*base)
		base = "/";
	snprintf(out, size, "%s", base);
}

/* Copies src to out with every PLACEHOLDER replaced by name. */
static void substitute(const struct cell_buf *src, const char *name,
		       struct cell_buf *out)
{
	const char *p = cell_buf_str(src), *hit;
	size_t plen = strlen(PLACEHOLDER);
	int err = 0;

	cell_buf_reset(out);
	while (!err && (hit = strstr(p, PLACEHOLDER))) {
		err = cell_buf_add(out, p, (size_t)(hit - p));
		if (!err)
			err = cell_buf_addstr(out, name);
		p = hit + plen;
	}
	if (!err)
		err = cell_buf_add(out, p, src->len - (size_t)(p - src->data));
	if (err)
		die("cannot fill in the template: %s", cell_strerror(err));
}

/* "DIR/FILE", or "FILE" when DIR is ".": how paths are shown. */
static void shown_path(char *out, size_t size, const char *dir,
		       const char *file)
{
	if (!strcmp(dir, "."))
		snprintf(out, size, "%s", file);
	else if (fs_join(out, size, dir, file))
		die("path too long: '%s/%s'", dir, file);
}

int cmd_mitosis(int argc, char **argv)
{
	const char *name_opt = NULL, *template = "c";
	int force = 0;
	const struct option opts[] = {
		OPT_FLAG(0, "force", &force,
			 "overwrite the files of an existing cell"),
		OPT_STRING(0, "name", &name_opt, "NAME",
			   "the cell's name (default: DIR's base name)"),
		OPT_STRING(0, "template", &template, "NAME",
			   "the template to copy (default: c)"),
		OPT_END(),
	};
	struct tfile files[TEMPLATE_FILES_MAX];
	struct cell_buf src = CELL_BUF_INIT(TEMPLATE_FILE_MAX);
	struct cell_buf out = CELL_BUF_INIT(2 * TEMPLATE_FILE_MAX);
	struct cell_buf why = CELL_BUF_INIT(4096);
	char tdir[CELL_PATH_MAX], path[CELL_PATH_MAX], shown[CELL_PATH_MAX];
	char name[CELL_PATH_MAX];
	const char *dir;
	struct stat st;
	size_t n, i;
	int created, err;

	if (parse_options(argc, argv, opts, usage) != 1)
		die_usage("see 'cell mitosis --help'",
			  "cell mitosis needs exactly one directory");
	/* "cells/x/" and "cells/x" are one directory, shown one way. */
	n = strlen(argv[0]);
	while (n > 1 && argv[0][n - 1] == '/')
		argv[0][--n] = '\0';
	dir = argv[0];

	if (!cell_name_valid(template))
		die("invalid template name '%s'", template);
	err = toolchain_template(template, tdir, sizeof tdir);
	if (err == -ENOENT)
		die("no template '%s' next to this cell executable", template);
	if (err)
		die("cannot locate the templates: %s", cell_strerror(err));

	if (name_opt)
		snprintf(name, sizeof name, "%s", name_opt);
	else
		default_name(dir, name, sizeof name);
	if (!cell_name_valid(name))
		die("invalid cell name '%s': a name must match %s%s", name,
		    CELL_NAME_RULE, name_opt ? "" : "; choose one with --name");

	n = list_template(tdir, files, TEMPLATE_FILES_MAX);
	if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode))
		die("cannot use '%s': %s", dir, strerror(ENOTDIR));
	/* Check everything before writing anything. */
	for (i = 0; i < n && !force; i++) {
		if (fs_join(path, sizeof path, dir, files[i].name))
			die("path too long: '%s'", dir);
		if (access(path, F_OK) == 0) {
			shown_path(shown, sizeof shown, dir, files[i].name);
			die("'%s' already exists; use --force to overwrite it",
			    shown);
		}
	}

	err = fs_mkdir_p(dir, 0755);
	if (err)
		die("cannot create '%s': %s", dir, cell_strerror(err));
	for (i = 0; i < n; i++) {
		if (fs_join(path, sizeof path, tdir, files[i].name))
			die("path too long: '%s'", tdir);
		err = fs_read_file(path, &src);
		if (err)
			die("cannot read '%s': %s", path, cell_strerror(err));
		substitute(&src, name, &out);
		if (fs_join(path, sizeof path, dir, files[i].name))
			die("path too long: '%s'", dir);
		err = fs_write_atomic(path, out.data ? out.data : "", out.len,
				      files[i].mode);
		if (err)
			die("cannot write '%s': %s", path, cell_strerror(err));
		shown_path(shown, sizeof shown, dir, files[i].name);
		printf("created %s\n", shown);
	}

	err = workspace_ensure_repo(dir, &created, &why);
	if (err)
		die("cannot set up a git repository in '%s': %s", dir,
		    err == CELL_EGIT ? cell_buf_str(&why) : cell_strerror(err));
	if (created)
		printf("initialized a git repository in %s\n", dir);
	if (!strcmp(dir, "."))
		printf("next: cell build\n");
	else
		printf("next: cd %s && cell build\n", dir);
	cell_buf_release(&src);
	cell_buf_release(&out);
	cell_buf_release(&why);
	return EXIT_OK;
}
