/*
 * workspace.h - the workspace is a git repository holding cells; a cell
 * is any directory with a cell.json. Found and described with libgit2.
 *
 * Functions return 0 or a negative code and never print. Where a why
 * buffer is taken, a libgit2 failure leaves libgit2's message in it.
 */
#ifndef CELL_WORKSPACE_H
#define CELL_WORKSPACE_H

#include <stddef.h>

#include "cell.h"

/* Directories holding a cell.json, sorted; each string is owned. */
struct workspace_cells {
	char **dirs;
	size_t n;
};

/*
 * Appends to out every directory under path (path included) that holds a
 * cell.json, skipping .git and whatever the repository holding path
 * ignores (no filtering but .git when path is in no repository). Each
 * dir is path joined with the subdirectory ("cells/echo"; "." as path
 * gives "cells/echo", and path itself when it holds a cell.json). The
 * list is sorted. Symbolic links are not followed.
 * Returns 0, -ENOENT/-ENOTDIR/-EACCES (path), -ENOMEM, CELL_EGIT.
 */
int workspace_find_cells(const char *path, struct workspace_cells *out,
			 struct cell_buf *why);
void workspace_cells_release(struct workspace_cells *cells);

/* Where a cell's source comes from, for its meta. */
#define WORKSPACE_COMMIT_SIZE 41
struct workspace_source {
	char repo[CELL_PATH_MAX];   /* the work tree, absolute */
	char path[CELL_PATH_MAX];   /* the cell directory relative to it */
	char commit[WORKSPACE_COMMIT_SIZE]; /* HEAD, "" when unborn */
	int dirty;                  /* uncommitted changes under path */
};

/*
 * Describes the repository holding dir: work tree, dir's path in it,
 * HEAD's commit, and whether anything under dir differs from HEAD
 * (modified, staged, or untracked and not ignored).
 * Returns 0, -ENOENT (dir is in no repository), -errno, CELL_EGIT.
 */
int workspace_source_info(const char *dir, struct workspace_source *out,
			  struct cell_buf *why);

/*
 * The same, keeping the repository open in *git between calls (NULL at
 * first): describing many cells of one repository costs one open, and
 * libgit2 keeps its index and config loaded (the first status of a fresh
 * repository costs milliseconds, the next ones a tenth of one). A dir in
 * another repository replaces it. Free with workspace_git_close().
 */
struct workspace_git;
int workspace_source_info_git(struct workspace_git **git, const char *dir,
			      struct workspace_source *out,
			      struct cell_buf *why);
void workspace_git_close(struct workspace_git *git);

/*
 * Makes sure dir is inside a git repository: when no repository holds it
 * (searching upwards like git, not across filesystems), initializes one
 * at dir. *created tells which happened.
 * Returns 0, -errno, CELL_EGIT.
 */
int workspace_ensure_repo(const char *dir, int *created,
			  struct cell_buf *why);

#endif
