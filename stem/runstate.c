/*
 * runstate.c - run/NAME.json and run/NAME.pid, so `cell ps` answers with
 * the stem down and a restarted stem can adopt running cells.
 *
 * Written with temp file + rename (a reader sees the old file or the new
 * one) but without fsync: this is runtime state, meaningless after a
 * reboot. Creating and renaming files is slow on some filesystems (about
 * 0.3 ms each here), so the supervisor coalesces the writes of
 * transitions that follow each other closely (starting -> running) and
 * the pid file is written only when the pid changes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stem.h"

static int write_replace(const char *path, const char *data, size_t len)
{
	char tmp[CELL_PATH_MAX];
	ssize_t w;
	int fd, err = 0;

	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	w = write(fd, data, len);
	if (w < 0)
		err = -errno;
	else if ((size_t)w != len)
		err = -EIO;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (!err && rename(tmp, path) < 0)
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

static cJSON *state_json(const struct stem_cell *cell)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	if (!cJSON_AddStringToObject(o, "name", cell->name) ||
	    !cJSON_AddStringToObject(o, "state",
				     fsm_state_name(cell->state)) ||
	    !cJSON_AddNumberToObject(o, "pid", cell->proc.pid) ||
	    !cJSON_AddNumberToObject(o, "restarts", cell->restarts) ||
	    !cJSON_AddNumberToObject(o, "since", (double)cell->since) ||
	    !cJSON_AddStringToObject(o, "hash", cell->hash) ||
	    !cJSON_AddNumberToObject(o, "starttime",
				     (double)cell->starttime) ||
	    !cJSON_AddStringToObject(o, "restart",
				     manifest_restart_name(cell->policy)) ||
	    !cJSON_AddStringToObject(o, "cause", cell->cause)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

int runstate_write(const struct stem *stem, struct stem_cell *cell)
{
	char path[CELL_PATH_MAX], pid[32];
	cJSON *o;
	char *text;
	int err, n;

	o = state_json(cell);
	if (!o)
		return -ENOMEM;
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!text)
		return -ENOMEM;
	err = cell_home_path(&stem->home, path, sizeof path, "run/%s.json",
			     cell->name);
	if (!err)
		err = write_replace(path, text, strlen(text));
	free(text);
	if (err)
		return err;
	if (cell->proc.pid == cell->pid_written)
		return 0;
	if (!cell->proc.pid) {
		runstate_remove_pid(stem, cell->name);
		cell->pid_written = 0;
		return 0;
	}
	err = cell_home_path(&stem->home, path, sizeof path, "run/%s.pid",
			     cell->name);
	if (err)
		return err;
	n = snprintf(pid, sizeof pid, "%d\n", (int)cell->proc.pid);
	err = write_replace(path, pid, (size_t)n);
	if (!err)
		cell->pid_written = cell->proc.pid;
	return err;
}

void runstate_remove_pid(const struct stem *stem, const char *name)
{
	char path[CELL_PATH_MAX];

	if (!cell_home_path(&stem->home, path, sizeof path, "run/%s.pid",
			    name))
		unlink(path);
}
