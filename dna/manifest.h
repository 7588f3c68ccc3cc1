/*
 * manifest.h - cell.json, the manifest of a cell.
 *
 * Every field, its type and its default is documented in cell.json(5).
 * Parsing is strict: a wrong type or an unknown field is an error naming
 * the field, so a typo never passes silently.
 */
#ifndef CELL_MANIFEST_H
#define CELL_MANIFEST_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "cell.h"

#define MANIFEST_FILE "cell.json"
#define MANIFEST_MAX (1u << 20) /* a larger cell.json is refused */

enum manifest_restart {
	MANIFEST_RESTART_NO,
	MANIFEST_RESTART_ON_FAILURE,
	MANIFEST_RESTART_ALWAYS,
};

/* An array of strings from the manifest; the strings belong to its JSON. */
struct manifest_list {
	const char **items;
	size_t n;
};

struct manifest {
	cJSON *json;                /* the whole object; owns every string */
	const char *name;
	const char *version;        /* NULL when absent */
	int has_sources;            /* sources given explicitly */
	struct manifest_list sources;
	struct manifest_list cflags;
	struct manifest_list ldflags;
	struct manifest_list libs;
	const char *build;          /* custom build command, or NULL */
	const char *artifact;       /* what build produces, or NULL */
	enum manifest_restart restart;
	long long idle_exit_ms;     /* 0: never exits when idle */
	const cJSON *sandbox;       /* NULL (absent), false, or an object */
	const cJSON *limits;        /* NULL (absent) or an object */
};

/*
 * Parses len bytes of text into m (released with manifest_release()).
 * shown names the file in messages. On failure, why (reset first) holds
 * one line such as "cells/x/cell.json:3:14: malformed JSON" or
 * "cells/x/cell.json: field 'cflags' must be an array of strings".
 * Returns 0, CELL_EJSON (any invalid content), -ENOMEM.
 */
int manifest_parse(struct manifest *m, const char *text, size_t len,
		   const char *shown, struct cell_buf *why);

/*
 * Reads DIR/cell.json into raw (its max bounds the size; the caller keeps
 * the bytes, e.g. to hash them), parses it and checks that every listed
 * source is a regular file inside dir. shown and why as above.
 * Returns 0, CELL_EJSON, CELL_ETOOBIG, -ENOENT (a listed source missing,
 * or no cell.json), -errno.
 */
int manifest_load(struct manifest *m, const char *dir, const char *shown,
		  struct cell_buf *raw, struct cell_buf *why);

/* Frees what m owns; m is zeroed. */
void manifest_release(struct manifest *m);

/*
 * Parses a duration: a positive whole number followed by ms, s, m or h
 * ("500ms", "30s", "5m"). Returns 0 with *ms set, or -EINVAL.
 */
int manifest_duration_ms(const char *text, long long *ms);

/* "no", "on-failure" or "always". */
const char *manifest_restart_name(enum manifest_restart r);

#endif
