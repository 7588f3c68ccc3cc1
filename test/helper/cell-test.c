/*
 * cell-test - puts things into a store for shell tests, before (and
 * independently of) `cell build`. Built as build/rel/cell-test by
 * `make unit` (so `make test` has it before bats runs). Uses $CELL_HOME
 * (default ~/.cell) like cell itself. Stable interface:
 *
 *   cell-test dna-put NAME FILE [--manifest JSON]
 *
 *     Stores FILE as an object (dna_object_put), writes its meta signed
 *     with the node key (created on first use) and points refs/NAME at
 *     it. Prints the object's hash (64 hex) and a newline on stdout.
 *     The meta has every field of the format in dna/meta.c:
 *       name NAME, version (the manifest's "version", else "0.0.0"),
 *       hash, size, source {"repo": cwd, "path": ".", "commit": null,
 *       "dirty": false}, toolchain "cell-test", built (now, UTC),
 *       cache_key null, manifest (JSON, which must be an object; default
 *       {"name": NAME, "version": "0.0.0"}), signatures.
 *
 *   cell-test refusing-stem MESSAGE
 *
 *     Listens on $CELL_HOME/stem.sock as a stem would and answers every
 *     request with an ERROR frame holding MESSAGE, until killed: a stem
 *     refusing without JSON, which the real one never does.
 *
 * Exit status: 0 ok, 1 failure (message on stderr), 2 usage error.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "dna.h"

static const char usage[] =
	"usage: cell-test dna-put NAME FILE [--manifest JSON]\n"
	"       cell-test refusing-stem MESSAGE\n";

static void fail(int status, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));

static void fail(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("cell-test: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (status == 2)
		fputs(usage, stderr);
	exit(status);
}

/* The meta described above; the caller deletes it. */
static cJSON *build_meta(const char *name, const char *hash, uint64_t size,
			 cJSON *manifest)
{
	char cwd[PATH_MAX], built[32];
	const cJSON *version;
	cJSON *meta, *src;
	time_t now = time(NULL);
	struct tm tm;

	if (!getcwd(cwd, sizeof cwd))
		fail(1, "cannot get the current directory: %s",
		     strerror(errno));
	if (!gmtime_r(&now, &tm) ||
	    !strftime(built, sizeof built, "%Y-%m-%dT%H:%M:%SZ", &tm))
		fail(1, "cannot format the time");
	version = cJSON_GetObjectItemCaseSensitive(manifest, "version");
	meta = cJSON_CreateObject();
	if (!meta)
		fail(1, "out of memory");
	cJSON_AddStringToObject(meta, "name", name);
	cJSON_AddStringToObject(meta, "version",
				cJSON_IsString(version) ? version->valuestring
							: "0.0.0");
	cJSON_AddStringToObject(meta, "hash", hash);
	cJSON_AddNumberToObject(meta, "size", (double)size);
	src = cJSON_AddObjectToObject(meta, "source");
	if (src) {
		cJSON_AddStringToObject(src, "repo", cwd);
		cJSON_AddStringToObject(src, "path", ".");
		cJSON_AddNullToObject(src, "commit");
		cJSON_AddFalseToObject(src, "dirty");
	}
	cJSON_AddStringToObject(meta, "toolchain", "cell-test");
	cJSON_AddStringToObject(meta, "built", built);
	cJSON_AddNullToObject(meta, "cache_key");
	if (!src || !cJSON_AddItemToObject(meta, "manifest", manifest))
		fail(1, "out of memory");
	return meta;
}

static int dna_put(int argc, char **argv)
{
	const char *name = NULL, *file = NULL, *manifest_text = NULL;
	char hash[DNA_HASH_SIZE], path[CELL_PATH_MAX];
	struct cell_home home;
	struct dna_key key;
	struct stat st;
	cJSON *manifest, *meta;
	int i, err;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--manifest")) {
			if (++i >= argc)
				fail(2, "option '--manifest' needs a value");
			manifest_text = argv[i];
		} else if (!name) {
			name = argv[i];
		} else if (!file) {
			file = argv[i];
		} else {
			fail(2, "unexpected argument '%s'", argv[i]);
		}
	}
	if (!name || !file)
		fail(2, "dna-put needs NAME and FILE");
	if (!cell_name_valid(name))
		fail(1, "invalid name '%s': %s", name,
		     cell_strerror(CELL_ENAME));
	if (manifest_text) {
		manifest = cJSON_ParseWithOpts(manifest_text, NULL, 1);
		if (!cJSON_IsObject(manifest))
			fail(1, "--manifest is not a JSON object");
	} else {
		manifest = cJSON_CreateObject();
		if (!manifest || !cJSON_AddStringToObject(manifest, "name", name) ||
		    !cJSON_AddStringToObject(manifest, "version", "0.0.0"))
			fail(1, "out of memory");
	}
	err = cell_home_init(&home, NULL);
	if (err)
		fail(1, "cannot locate CELL_HOME: %s", cell_strerror(err));
	err = dna_object_put(&home, file, hash);
	if (err)
		fail(1, "cannot store '%s': %s", file, cell_strerror(err));
	err = dna_object_path(&home, hash, path, sizeof path);
	if (err || stat(path, &st) < 0)
		fail(1, "cannot stat the object of '%s'", file);
	meta = build_meta(name, hash, (uint64_t)st.st_size, manifest);
	err = dna_key_load_or_create(&home, &key);
	if (!err)
		err = dna_meta_add_signature(meta, &key, name, hash);
	if (err)
		fail(1, "cannot sign '%s': %s", name, cell_strerror(err));
	err = dna_meta_write(&home, hash, meta);
	if (err)
		fail(1, "cannot write the meta of '%s': %s", name,
		     cell_strerror(err));
	cJSON_Delete(meta);
	err = dna_ref_write(&home, name, hash);
	if (err)
		fail(1, "cannot write ref '%s': %s", name, cell_strerror(err));
	printf("%s\n", hash);
	return fflush(stdout) ? 1 : 0;
}

static int refusing_stem(int argc, char **argv)
{
	struct cell_buf req = CELL_BUF_INIT(1 << 16);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct cell_home home;
	uint8_t type;
	int lfd, fd, err;

	if (argc != 2)
		fail(2, "refusing-stem needs MESSAGE");
	err = cell_home_init(&home, NULL);
	if (!err)
		err = cell_home_create(&home);
	if (!err)
		err = cell_home_path(&home, sa.sun_path, sizeof sa.sun_path,
				     "stem.sock");
	if (err)
		fail(1, "cannot use CELL_HOME: %s", cell_strerror(err));
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    listen(lfd, 16) < 0)
		fail(1, "cannot listen on '%s': %s", sa.sun_path,
		     strerror(errno));
	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue;
		while (cell_frame_read(fd, &type, &req) == 0)
			if (cell_frame_write(fd, CELL_FRAME_ERROR, argv[1],
					     strlen(argv[1])))
				break;
		close(fd);
	}
}

int main(int argc, char **argv)
{
	if (argc < 2)
		fail(2, "no subcommand");
	if (!strcmp(argv[1], "dna-put"))
		return dna_put(argc - 1, argv + 1);
	if (!strcmp(argv[1], "refusing-stem"))
		return refusing_stem(argc - 1, argv + 1);
	fail(2, "unknown subcommand '%s'", argv[1]);
}
