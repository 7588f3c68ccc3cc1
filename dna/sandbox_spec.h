/*
 * sandbox_spec.h - the manifest's "sandbox" and "limits" sections: one
 * validator, used by `cell build` (dna/manifest.c, so a bad section is a
 * build error) and by the stem (stem/sandbox.h, which also compiles the
 * seccomp filter), so both accept exactly the same manifests.
 */
#ifndef CELL_SANDBOX_SPEC_H
#define CELL_SANDBOX_SPEC_H

#include <stddef.h>

#include <cjson/cJSON.h>

#define SANDBOX_PATHS_MAX 16	/* extra read-only / writable paths */
#define SANDBOX_SYSCALLS_MAX 64	/* extra syscalls */
#define SANDBOX_FDS_MAX 8	/* fds passed to the cell */
#define SANDBOX_UID_BASE 100000	/* cell uids: BASE + hash(name) % RANGE */
#define SANDBOX_UID_RANGE 50000
#define SANDBOX_MSG_MAX 256

/* What the manifest's "sandbox" and "limits" sections ask for. */
struct sandbox_spec {
	int enabled;		/* 0 for "sandbox": false */
	int net_host;		/* "net": "host" shares the host network */
	char *read_only[SANDBOX_PATHS_MAX];	/* absolute, owned */
	size_t n_read_only;
	char *writable[SANDBOX_PATHS_MAX];	/* absolute, owned */
	size_t n_writable;
	char *syscalls[SANDBOX_SYSCALLS_MAX];	/* names, owned */
	size_t n_syscalls;
	unsigned long long memory;	/* bytes; 0: no limit */
	unsigned long pids;	/* max tasks; 0: no limit */
	unsigned long cpu_milli;	/* thousandths of a core; 0: none */
	unsigned long nofile;	/* max open files; 0: inherited */
	/* Seccomp programs compiled from the fields above (stem only). */
	struct sandbox_filters *compiled;
};

/*
 * Parses "64M", "512k", "1G", "1048576" (binary units, optional "B" or
 * "iB") into bytes. Returns 0 or -EINVAL (also for 0 and overflow).
 */
int sandbox_parse_size(const char *s, unsigned long long *bytes);
/*
 * Parses a CPU share: "50%" (of one core), "1.5" or "2" (cores) into
 * thousandths of a core. Returns 0 or -EINVAL.
 */
int sandbox_parse_cpu(const char *s, unsigned long *milli);
/* The smallest CPU limit a manifest may ask for: 1% of a core. */
#define SANDBOX_CPU_MIN_MILLI 10

/*
 * Fills out (zeroed first) from a parsed cell.json: its optional
 * "sandbox" (false, or an object with "net", "read_only", "writable",
 * "syscalls") and "limits" (object with "memory", "pids", "cpu",
 * "nofile") members. Unknown keys, wrong types, relative paths and
 * unknown syscall names are refused with a one-line message in err
 * ("limits.memory: expected bytes or a size like \"64M\""). Compiles
 * nothing. Release out with sandbox_spec_clear() in every case.
 * Returns 0, CELL_EJSON (message in err), -ENOMEM.
 */
int sandbox_spec_parse(const cJSON *manifest, struct sandbox_spec *out,
		       char *err, size_t errlen);
/* Frees the strings the spec owns (not its compiled programs). */
void sandbox_spec_clear(struct sandbox_spec *spec);

#endif
