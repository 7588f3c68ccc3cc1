/* workspace_test.c - finding cells, git ignore rules, source info. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "workspace.h"
#include "test.h"

/* Writes text to root/rel, creating directories. */
static void put(const char *root, const char *rel, const char *text)
{
	char path[CELL_PATH_MAX], dir[CELL_PATH_MAX];
	char *slash;

	fs_join(path, sizeof path, root, rel);
	snprintf(dir, sizeof dir, "%s", path);
	slash = strrchr(dir, '/');
	*slash = '\0';
	CHECK_INT(fs_mkdir_p(dir, 0755), 0);
	CHECK_INT(fs_write_atomic(path, text, strlen(text), 0644), 0);
}

static int sh(const char *fmt, const char *arg)
{
	char cmd[CELL_PATH_MAX + 256];

	snprintf(cmd, sizeof cmd, fmt, arg);
	return system(cmd);
}

static void make_root(char *root, size_t size)
{
	snprintf(root, size, "/tmp/workspace_test.XXXXXX");
	CHECK(mkdtemp(root) != NULL);
}

static void remove_root(const char *root)
{
	CHECK_INT(sh("rm -rf '%s'", root), 0);
}

static void test_outside_git_finds_every_cell(void)
{
	struct workspace_cells cells = { NULL, 0 };
	char root[CELL_PATH_MAX], dir[CELL_PATH_MAX];

	make_root(root, sizeof root);
	put(root, "cells/b/cell.json", "{}");
	put(root, "cells/a/cell.json", "{}");
	put(root, "cells/a/sub/cell.json", "{}");
	put(root, "cells/notacell/main.c", "");
	put(root, ".git/cell.json", "{}");
	CHECK_INT(workspace_find_cells(root, &cells, NULL), 0);
	CHECK_INT(cells.n, 3);
	if (cells.n == 3) {
		fs_join(dir, sizeof dir, root, "cells/a");
		CHECK_STR(cells.dirs[0], dir);
		fs_join(dir, sizeof dir, root, "cells/a/sub");
		CHECK_STR(cells.dirs[1], dir);
		fs_join(dir, sizeof dir, root, "cells/b");
		CHECK_STR(cells.dirs[2], dir);
	}
	workspace_cells_release(&cells);
	remove_root(root);
}

static void test_ignored_paths_are_skipped(void)
{
	struct workspace_cells cells = { NULL, 0 };
	char root[CELL_PATH_MAX], dir[CELL_PATH_MAX];
	int created = -1;

	make_root(root, sizeof root);
	CHECK_INT(workspace_ensure_repo(root, &created, NULL), 0);
	CHECK_INT(created, 1);
	put(root, ".gitignore", "vendor/\n*.tmpcell\n");
	put(root, "cells/x/cell.json", "{}");
	put(root, "vendor/y/cell.json", "{}");
	put(root, "cells/z.tmpcell/cell.json", "{}");
	CHECK_INT(workspace_find_cells(root, &cells, NULL), 0);
	CHECK_INT(cells.n, 1);
	fs_join(dir, sizeof dir, root, "cells/x");
	if (cells.n == 1)
		CHECK_STR(cells.dirs[0], dir);
	workspace_cells_release(&cells);

	/* Asking for an ignored directory itself finds nothing. */
	fs_join(dir, sizeof dir, root, "vendor");
	CHECK_INT(workspace_find_cells(dir, &cells, NULL), 0);
	CHECK_INT(cells.n, 0);
	remove_root(root);
}

static void test_shown_paths_for_dot(void)
{
	struct workspace_cells cells = { NULL, 0 };
	char root[CELL_PATH_MAX], cwd[CELL_PATH_MAX];

	make_root(root, sizeof root);
	put(root, "cell.json", "{}");
	put(root, "cells/e/cell.json", "{}");
	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	CHECK_INT(chdir(root), 0);
	CHECK_INT(workspace_find_cells(".", &cells, NULL), 0);
	CHECK_INT(cells.n, 2);
	if (cells.n == 2) {
		CHECK_STR(cells.dirs[0], ".");
		CHECK_STR(cells.dirs[1], "cells/e");
	}
	workspace_cells_release(&cells);
	CHECK_INT(workspace_find_cells("cells/", &cells, NULL), 0);
	CHECK_INT(cells.n, 1);
	if (cells.n == 1)
		CHECK_STR(cells.dirs[0], "cells/e");
	workspace_cells_release(&cells);
	CHECK_INT(chdir(cwd), 0);
	remove_root(root);
}

static void test_missing_path(void)
{
	struct workspace_cells cells = { NULL, 0 };

	CHECK_INT(workspace_find_cells("/nonexistent/cells", &cells, NULL),
		  -ENOENT);
	CHECK_INT(workspace_find_cells("/dev/null", &cells, NULL), -ENOTDIR);
	CHECK_INT(cells.n, 0);
}

static void test_source_info(void)
{
	struct workspace_source si;
	char root[CELL_PATH_MAX], dir[CELL_PATH_MAX], real[CELL_PATH_MAX];
	int created;

	make_root(root, sizeof root);
	fs_join(dir, sizeof dir, root, "cells/a");
	CHECK_INT(workspace_source_info(root, &si, NULL), -ENOENT);
	CHECK_INT(workspace_ensure_repo(root, &created, NULL), 0);
	put(root, "cells/a/cell.json", "{}");
	put(root, "cells/ab/cell.json", "{}");

	CHECK_INT(workspace_source_info(dir, &si, NULL), 0);
	CHECK(realpath(root, real) != NULL);
	CHECK_STR(si.repo, real);
	CHECK_STR(si.path, "cells/a");
	CHECK_STR(si.commit, ""); /* unborn HEAD */
	CHECK_INT(si.dirty, 1);   /* untracked files */

	CHECK_INT(sh("cd '%s' && git add -A && git -c user.name=t "
		     "-c user.email=t@t commit -qm init", root), 0);
	CHECK_INT(workspace_source_info(dir, &si, NULL), 0);
	CHECK_INT((int)strlen(si.commit), 40);
	CHECK_INT(si.dirty, 0);

	/* A change in a sibling whose name starts the same is not ours. */
	put(root, "cells/ab/main.c", "int x;\n");
	CHECK_INT(workspace_source_info(dir, &si, NULL), 0);
	CHECK_INT(si.dirty, 0);
	put(root, "cells/a/main.c", "int x;\n");
	CHECK_INT(workspace_source_info(dir, &si, NULL), 0);
	CHECK_INT(si.dirty, 1);

	/* An existing repository is left alone. */
	CHECK_INT(workspace_ensure_repo(dir, &created, NULL), 0);
	CHECK_INT(created, 0);
	remove_root(root);
}

int main(void)
{
	RUN(test_outside_git_finds_every_cell);
	RUN(test_ignored_paths_are_skipped);
	RUN(test_shown_paths_for_dot);
	RUN(test_missing_path);
	RUN(test_source_info);
	return test_done();
}
