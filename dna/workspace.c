/*
 * workspace.c - finding cells in a git work tree, and describing where a
 * cell's source comes from (libgit2).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <git2.h>

#include "fsutil.h"
#include "manifest.h"
#include "workspace.h"

/* Deeper than this is a loop or a mistake, not a workspace. */
#define WALK_DEPTH_MAX 64

/* A libgit2 failure: its message into why, CELL_EGIT out. */
static int git_fail(struct cell_buf *why)
{
	const git_error *e = git_error_last();

	if (why) {
		cell_buf_reset(why);
		cell_buf_addstr(why, e && e->message ? e->message : "libgit2 error");
	}
	return CELL_EGIT;
}

/*
 * Opens the repository holding dir, searching upwards like git does
 * (honouring GIT_CEILING_DIRECTORIES, not crossing filesystems).
 * Returns 0, -ENOENT (none), CELL_EGIT.
 */
static int open_repo(const char *dir, git_repository **repo,
		     struct cell_buf *why)
{
	int rc = git_repository_open_ext(repo, dir, 0,
					 getenv("GIT_CEILING_DIRECTORIES"));

	if (rc == GIT_ENOTFOUND) {
		*repo = NULL;
		return -ENOENT;
	}
	if (rc < 0)
		return git_fail(why);
	if (!git_repository_workdir(*repo)) {
		/* A bare repository has no files to build. */
		git_repository_free(*repo);
		*repo = NULL;
		return -ENOENT;
	}
	return 0;
}

/*
 * Path of dir relative to the repository's work tree, into rel ("" for
 * the top). Both sides are resolved with realpath so symlinks agree.
 */
static int relative_to_workdir(git_repository *repo, const char *dir,
			       char *rel, size_t size)
{
	char top[CELL_PATH_MAX], abs[CELL_PATH_MAX];
	size_t n;

	if (!realpath(git_repository_workdir(repo), top) ||
	    !realpath(dir, abs))
		return -errno;
	n = strlen(top);
	if (strncmp(abs, top, n) || (abs[n] && abs[n] != '/'))
		return -EXDEV;
	if (snprintf(rel, size, "%s", abs[n] ? abs + n + 1 : "") >=
	    (int)size)
		return -ENAMETOOLONG;
	return 0;
}

struct walk {
	git_repository *repo;      /* NULL: nothing is ignored but .git */
	struct workspace_cells *out;
	struct cell_buf *why;
};

/* 1 if rel (relative to the work tree) is ignored, 0 if not, or < 0. */
static int ignored(struct walk *w, const char *rel)
{
	int yes = 0;

	if (!w->repo || !*rel)
		return 0;
	if (git_ignore_path_is_ignored(&yes, w->repo, rel) < 0)
		return git_fail(w->why);
	return yes ? 1 : 0;
}

static int add_cell(struct workspace_cells *out, const char *dir)
{
	char **dirs = realloc(out->dirs, (out->n + 1) * sizeof *dirs);

	if (!dirs)
		return -ENOMEM;
	out->dirs = dirs;
	dirs[out->n] = strdup(dir);
	if (!dirs[out->n])
		return -ENOMEM;
	out->n++;
	return 0;
}

/* Joins a shown path and a child name; "." as parent gives the child. */
static int join_shown(char *out, size_t size, const char *dir,
		      const char *name)
{
	if (!strcmp(dir, "."))
		return snprintf(out, size, "%s", name) >= (int)size ?
			-ENAMETOOLONG : 0;
	return fs_join(out, size, dir, name);
}

static int join_rel(char *out, size_t size, const char *rel,
		    const char *name)
{
	if (!*rel)
		return snprintf(out, size, "%s", name) >= (int)size ?
			-ENAMETOOLONG : 0;
	return fs_join(out, size, rel, name);
}

/* dir: as shown; rel: the same directory relative to the work tree. */
static int walk_dir(struct walk *w, const char *dir, const char *rel,
		    int depth)
{
	char child[CELL_PATH_MAX], child_rel[CELL_PATH_MAX];
	struct dirent *e;
	DIR *d;
	int err = 0, has_manifest = 0;

	if (depth > WALK_DEPTH_MAX)
		return -ELOOP;
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		unsigned char type = e->d_type;
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    !strcmp(e->d_name, ".git"))
			continue;
		err = join_shown(child, sizeof child, dir, e->d_name);
		if (!err)
			err = join_rel(child_rel, sizeof child_rel, rel,
				       e->d_name);
		if (err)
			break;
		if (type == DT_UNKNOWN) {
			if (lstat(child, &st) < 0)
				continue; /* vanished meanwhile */
			type = S_ISDIR(st.st_mode) ? DT_DIR :
			       S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
		}
		if (type == DT_REG && !strcmp(e->d_name, MANIFEST_FILE)) {
			err = ignored(w, child_rel);
			if (err < 0)
				break;
			has_manifest = !err;
			err = 0;
		} else if (type == DT_DIR) {
			err = ignored(w, child_rel);
			if (err == 0)
				err = walk_dir(w, child, child_rel, depth + 1);
			else if (err == 1)
				err = 0; /* ignored: not searched */
			if (err)
				break;
		}
	}
	closedir(d);
	if (!err && has_manifest)
		err = add_cell(w->out, dir);
	return err;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int workspace_find_cells(const char *path, struct workspace_cells *out,
			 struct cell_buf *why)
{
	char shown[CELL_PATH_MAX], rel[CELL_PATH_MAX] = "";
	struct walk w = { NULL, out, why };
	struct stat st;
	size_t n;
	int err;

	n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n >= sizeof shown)
		return -ENAMETOOLONG;
	memcpy(shown, path, n);
	shown[n] = '\0';
	if (stat(shown, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;

	git_libgit2_init();
	err = open_repo(shown, &w.repo, why);
	if (err == -ENOENT)
		err = 0;
	if (!err && w.repo)
		err = relative_to_workdir(w.repo, shown, rel, sizeof rel);
	if (!err && ignored(&w, rel) == 1)
		goto done; /* an ignored path holds no cells */
	if (!err)
		err = walk_dir(&w, shown, rel, 0);
done:
	git_repository_free(w.repo);
	git_libgit2_shutdown();
	if (!err && out->n > 1)
		qsort(out->dirs, out->n, sizeof *out->dirs, cmp_str);
	return err;
}

void workspace_cells_release(struct workspace_cells *cells)
{
	size_t i;

	for (i = 0; i < cells->n; i++)
		free(cells->dirs[i]);
	free(cells->dirs);
	cells->dirs = NULL;
	cells->n = 0;
}

/* Anything under rel that differs from HEAD (untracked included)? */
static int dirty_under(git_repository *repo, const char *rel, int *dirty,
		       struct cell_buf *why)
{
	git_status_options opts;
	git_status_list *list = NULL;
	char spec[CELL_PATH_MAX];
	char *specs[1] = { spec };

	if (git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION) < 0)
		return git_fail(why);
	opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED |
		     GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
		     GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	if (*rel) {
		/* "cells/echo/" limits to that directory, not cells/echo2. */
		if (snprintf(spec, sizeof spec, "%s/", rel) >= (int)sizeof spec)
			return -ENAMETOOLONG;
		opts.pathspec.strings = specs;
		opts.pathspec.count = 1;
	}
	if (git_status_list_new(&list, repo, &opts) < 0)
		return git_fail(why);
	*dirty = git_status_list_entrycount(list) > 0;
	git_status_list_free(list);
	return 0;
}

struct workspace_git {
	git_repository *repo;
	char top[CELL_PATH_MAX];   /* the work tree, resolved */
};

void workspace_git_close(struct workspace_git *git)
{
	if (!git)
		return;
	git_repository_free(git->repo);
	free(git);
	git_libgit2_shutdown();
}

/* Opens the repository holding dir into a new *git. 0, -ENOENT, ... */
static int git_open(struct workspace_git **git, const char *dir,
		    struct cell_buf *why)
{
	struct workspace_git *g = calloc(1, sizeof *g);
	int err;

	if (!g)
		return -ENOMEM;
	git_libgit2_init();
	err = open_repo(dir, &g->repo, why);
	if (!err && !realpath(git_repository_workdir(g->repo), g->top))
		err = -errno;
	if (err) {
		workspace_git_close(g);
		return err;
	}
	*git = g;
	return 0;
}

/* 1 if the resolved path abs lies in g's work tree. */
static int in_tree(const struct workspace_git *g, const char *abs)
{
	size_t n = strlen(g->top);

	return !strncmp(abs, g->top, n) && (abs[n] == '/' || !abs[n]);
}

int workspace_source_info_git(struct workspace_git **git, const char *dir,
			      struct workspace_source *out,
			      struct cell_buf *why)
{
	char abs[CELL_PATH_MAX];
	git_oid oid;
	int err, rc;

	memset(out, 0, sizeof *out);
	if (!realpath(dir, abs))
		return -errno;
	if (*git && !in_tree(*git, abs)) {
		workspace_git_close(*git);
		*git = NULL;
	}
	if (!*git) {
		err = git_open(git, abs, why);
		if (err)
			return err;
	}
	if (snprintf(out->repo, sizeof out->repo, "%s", (*git)->top) >=
	    (int)sizeof out->repo)
		return -ENAMETOOLONG;
	err = relative_to_workdir((*git)->repo, abs, out->path,
				  sizeof out->path);
	if (err)
		return err;
	rc = git_reference_name_to_id(&oid, (*git)->repo, "HEAD");
	if (rc == 0)
		git_oid_tostr(out->commit, sizeof out->commit, &oid);
	else if (rc != GIT_ENOTFOUND && rc != GIT_EUNBORNBRANCH)
		return git_fail(why);
	return dirty_under((*git)->repo, out->path, &out->dirty, why);
}

int workspace_source_info(const char *dir, struct workspace_source *out,
			  struct cell_buf *why)
{
	struct workspace_git *git = NULL;
	int err = workspace_source_info_git(&git, dir, out, why);

	workspace_git_close(git);
	return err;
}

int workspace_ensure_repo(const char *dir, int *created,
			  struct cell_buf *why)
{
	git_repository *repo = NULL;
	int err;

	*created = 0;
	git_libgit2_init();
	err = open_repo(dir, &repo, why);
	if (err == -ENOENT) {
		err = 0;
		if (git_repository_init(&repo, dir, 0) < 0)
			err = git_fail(why);
		else
			*created = 1;
	}
	git_repository_free(repo);
	git_libgit2_shutdown();
	return err;
}
