/*
 * sandbox_spec.c - the manifest's "sandbox" and "limits" sections, checked
 * field by field so that a typo is a clear error, never a silently wider
 * sandbox. The one validator: `cell build` and the stem both call it.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seccomp.h>

#include "cell.h"
#include "sandbox_spec.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return CELL_EJSON;
}

int sandbox_parse_size(const char *s, unsigned long long *bytes)
{
	unsigned long long n = 0, mul = 1;
	const char *p = s;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (n > (ULLONG_MAX - 9) / 10)
			return -EINVAL;
		n = n * 10 + (unsigned long long)(*p - '0');
	}
	switch (*p) {
	case 'k': case 'K': mul = 1ULL << 10; p++; break;
	case 'm': case 'M': mul = 1ULL << 20; p++; break;
	case 'g': case 'G': mul = 1ULL << 30; p++; break;
	case 't': case 'T': mul = 1ULL << 40; p++; break;
	}
	if (mul > 1 && *p == 'i')
		p++;
	if (*p == 'B')
		p++;
	if (*p || n == 0 || n > ULLONG_MAX / mul)
		return -EINVAL;
	*bytes = n * mul;
	return 0;
}

int sandbox_parse_cpu(const char *s, unsigned long *milli)
{
	unsigned long whole = 0, frac = 0, scale = 1000;
	const char *p = s;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (whole > 100000)
			return -EINVAL;
		whole = whole * 10 + (unsigned long)(*p - '0');
	}
	if (*p == '%' && !p[1]) {
		/* percent of one core: "50%" = 500 milli */
		if (!whole)
			return -EINVAL;
		*milli = whole * 10;
		return 0;
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			scale /= 10;
			frac += (unsigned long)(*p - '0') * scale;
			if (!scale)
				return -EINVAL;
		}
	}
	if (*p || whole * 1000 + frac == 0)
		return -EINVAL;
	*milli = whole * 1000 + frac;
	return 0;
}

/* Paths must be absolute, clean, and not reach into what we mount. */
static int path_ok(const char *p)
{
	const char *c;

	if (p[0] != '/' || !p[1] || strlen(p) >= 512)
		return 0;
	for (c = p; *c; c++) {
		if (c[0] == '/' && (c[1] == '/' || c[1] == '\0'))
			return 0;
		if (c[0] == '/' && c[1] == '.' &&
		    (c[2] == '/' || c[2] == '\0' ||
		     (c[2] == '.' && (c[3] == '/' || c[3] == '\0'))))
			return 0;
	}
	return strncmp(p, "/proc", 5) && strncmp(p, "/dev", 4) &&
	       strcmp(p, "/tmp") && strcmp(p, "/usr");
}

static int string_list(const cJSON *arr, const char *what, char **out,
		       size_t *n, size_t max, char *err, size_t errlen)
{
	const cJSON *it;

	if (!cJSON_IsArray(arr))
		return fail(err, errlen, "%s: expected an array of strings",
			    what);
	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsString(it))
			return fail(err, errlen,
				    "%s: expected an array of strings", what);
		if (*n == max)
			return fail(err, errlen, "%s: more than %zu entries",
				    what, max);
		out[*n] = strdup(it->valuestring);
		if (!out[*n])
			return -ENOMEM;
		(*n)++;
	}
	return 0;
}

/* A list of extra paths, each checked by path_ok(). */
static int path_list(const cJSON *arr, const char *what, char **out,
		     size_t *n, char *err, size_t errlen)
{
	int rc = string_list(arr, what, out, n, SANDBOX_PATHS_MAX, err,
			     errlen);

	for (size_t i = 0; !rc && i < *n; i++)
		if (!path_ok(out[i]))
			rc = fail(err, errlen, "%s: '%s' is not a clean "
				  "absolute path outside /proc, /dev, /tmp "
				  "and /usr", what, out[i]);
	return rc;
}

/* Syscalls that would undo the namespace filter if allowed wholesale. */
static const char *const never_syscalls[] = {
	"clone", "clone3", "unshare", "setns",
};

static int check_syscalls(char **names, size_t n, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < sizeof never_syscalls /
				       sizeof never_syscalls[0]; j++)
			if (!strcmp(names[i], never_syscalls[j]))
				return fail(err, errlen,
					    "sandbox.syscalls: '%s' cannot be "
					    "allowed (it would let the cell "
					    "leave its namespaces)", names[i]);
		if (seccomp_syscall_resolve_name(names[i]) == __NR_SCMP_ERROR)
			return fail(err, errlen,
				    "sandbox.syscalls: unknown system call "
				    "'%s'", names[i]);
	}
	return 0;
}

static int parse_sandbox(const cJSON *sb, struct sandbox_spec *out,
			 char *err, size_t errlen)
{
	const cJSON *it;
	int rc;

	if (cJSON_IsFalse(sb)) {
		out->enabled = 0;
		return 0;
	}
	if (!cJSON_IsObject(sb))
		return fail(err, errlen,
			    "sandbox: expected an object or false");
	cJSON_ArrayForEach(it, sb) {
		const char *k = it->string;

		if (!strcmp(k, "net")) {
			if (cJSON_IsString(it) &&
			    !strcmp(it->valuestring, "host"))
				out->net_host = 1;
			else if (!cJSON_IsString(it) ||
				 strcmp(it->valuestring, "none"))
				return fail(err, errlen, "sandbox.net: "
					    "expected \"none\" or \"host\"");
		} else if (!strcmp(k, "read_only")) {
			rc = path_list(it, "sandbox.read_only", out->read_only,
				       &out->n_read_only, err, errlen);
			if (rc)
				return rc;
		} else if (!strcmp(k, "writable")) {
			rc = path_list(it, "sandbox.writable", out->writable,
				       &out->n_writable, err, errlen);
			if (rc)
				return rc;
		} else if (!strcmp(k, "syscalls")) {
			rc = string_list(it, "sandbox.syscalls",
					 out->syscalls, &out->n_syscalls,
					 SANDBOX_SYSCALLS_MAX, err, errlen);
			if (!rc)
				rc = check_syscalls(out->syscalls,
						    out->n_syscalls, err,
						    errlen);
			if (rc)
				return rc;
		} else {
			return fail(err, errlen, "sandbox: unknown key '%s'",
				    k);
		}
	}
	return 0;
}

/* A positive whole number given as a JSON number. */
static int count(const cJSON *it, const char *what, unsigned long *out,
		 char *err, size_t errlen)
{
	double v = cJSON_GetNumberValue(it);

	if (!cJSON_IsNumber(it) || v < 1 || v > 1e9 || v != (double)(long)v)
		return fail(err, errlen, "%s: expected a whole number from 1 "
			    "to 1000000000", what);
	*out = (unsigned long)v;
	return 0;
}

static int parse_limits(const cJSON *lim, struct sandbox_spec *out,
			char *err, size_t errlen)
{
	const cJSON *it;
	char num[64];
	int rc;

	if (!cJSON_IsObject(lim))
		return fail(err, errlen, "limits: expected an object");
	cJSON_ArrayForEach(it, lim) {
		const char *k = it->string;

		if (!strcmp(k, "memory")) {
			if (cJSON_IsNumber(it)) {
				double v = cJSON_GetNumberValue(it);

				if (v < 1 || v > 9007199254740992.0 ||
				    v != (double)(long long)v)
					return fail(err, errlen,
						    "limits.memory: expected "
						    "bytes or a size like "
						    "\"64M\"");
				out->memory = (unsigned long long)v;
			} else if (!cJSON_IsString(it) ||
				   sandbox_parse_size(it->valuestring,
						      &out->memory)) {
				return fail(err, errlen, "limits.memory: "
					    "expected bytes or a size like "
					    "\"64M\"");
			}
			if (out->memory < (1ULL << 20))
				return fail(err, errlen, "limits.memory: "
					    "below the 1M minimum");
		} else if (!strcmp(k, "pids")) {
			rc = count(it, "limits.pids", &out->pids, err,
				   errlen);
			if (rc)
				return rc;
		} else if (!strcmp(k, "nofile")) {
			rc = count(it, "limits.nofile", &out->nofile, err,
				   errlen);
			if (rc)
				return rc;
		} else if (!strcmp(k, "cpu")) {
			const char *s = num;

			if (cJSON_IsNumber(it))
				snprintf(num, sizeof num, "%.3f",
					 cJSON_GetNumberValue(it));
			else if (cJSON_IsString(it))
				s = it->valuestring;
			else
				s = "";
			if (sandbox_parse_cpu(s, &out->cpu_milli))
				return fail(err, errlen, "limits.cpu: "
					    "expected \"50%%\" or a number "
					    "of cores like 1.5");
			/* The kernel's smallest quota is 1 ms per 100 ms
			 * period (cpu.max, cpu.cfs_quota_us). */
			if (out->cpu_milli < SANDBOX_CPU_MIN_MILLI)
				return fail(err, errlen, "limits.cpu: below "
					    "the 1%% minimum");
		} else {
			return fail(err, errlen, "limits: unknown key '%s'",
				    k);
		}
	}
	return 0;
}

int sandbox_spec_parse(const cJSON *manifest, struct sandbox_spec *out,
		       char *err, size_t errlen)
{
	const cJSON *sb, *lim;
	int rc;

	memset(out, 0, sizeof *out);
	out->enabled = 1;
	if (err && errlen)
		err[0] = '\0';
	if (!cJSON_IsObject(manifest))
		return fail(err, errlen, "manifest: expected an object");
	sb = cJSON_GetObjectItemCaseSensitive(manifest, "sandbox");
	if (sb) {
		rc = parse_sandbox(sb, out, err, errlen);
		if (rc)
			return rc;
	}
	lim = cJSON_GetObjectItemCaseSensitive(manifest, "limits");
	if (lim)
		return parse_limits(lim, out, err, errlen);
	return 0;
}

void sandbox_spec_clear(struct sandbox_spec *spec)
{
	size_t i;

	for (i = 0; i < spec->n_read_only; i++)
		free(spec->read_only[i]);
	for (i = 0; i < spec->n_writable; i++)
		free(spec->writable[i]);
	for (i = 0; i < spec->n_syscalls; i++)
		free(spec->syscalls[i]);
	spec->n_read_only = spec->n_writable = spec->n_syscalls = 0;
}
