/*
 * sandbox_priv.c - the cell's identity and the drop of every privilege.
 *
 * In a user namespace the child takes its uid early (files it creates in
 * the new root must belong to a mapped uid) but keeps its capabilities in
 * the namespace until the filesystem is built; then everything goes:
 * bounding set, ambient set, securebits locked, all capability sets zero,
 * no_new_privs. Without a user namespace (root stem, fallback) the child
 * keeps host root until the drop, which also switches the uid.
 */
#include <errno.h>
#include <grp.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/securebits.h>

#include "sandbox_impl.h"

static int caps_set(int all)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof data);
	if (all) {
		/* effective = permitted */
		if (syscall(SYS_capget, &hdr, data) < 0)
			return -errno;
		data[0].effective = data[0].permitted;
		data[1].effective = data[1].permitted;
		data[0].inheritable = data[1].inheritable = 0;
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	return 0;
}

static int become(struct sandbox_child *c, int groups)
{
	if (groups && setgroups(0, NULL) < 0)
		return sandbox_child_fail(c, -errno, "setgroups");
	if (setresgid(c->gid, c->gid, c->gid) < 0)
		return sandbox_child_fail(c, -errno, "setresgid %u",
					  (unsigned)c->gid);
	if (setresuid(c->uid, c->uid, c->uid) < 0)
		return sandbox_child_fail(c, -errno, "setresuid %u",
					  (unsigned)c->uid);
	return 0;
}

int sandbox_priv_enter(struct sandbox_child *c)
{
	int rc;

	if (!c->userns)
		return 0;
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return sandbox_child_fail(c, -errno, "prctl keepcaps");
	/* A root parent left setgroups allowed so that we can clear them. */
	rc = become(c, c->host_root);
	if (rc)
		return rc;
	rc = caps_set(1);
	if (rc)
		return sandbox_child_fail(c, rc, "capset");
	return 0;
}

int sandbox_priv_drop(struct sandbox_child *c)
{
	int cap, rc;

	/* Without root or a user namespace there is nothing to drop but
	 * the chance to gain: no_new_privs and an empty capset do that. */
	if (c->userns || c->host_root) {
		for (cap = 0; cap <= 63; cap++) {
			if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0)
				continue;
			if (errno == EINVAL)
				break;	/* past the last capability */
			return sandbox_child_fail(c, -errno,
						  "drop capability %d", cap);
		}
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0,
			  0) < 0)
			return sandbox_child_fail(c, -errno,
						  "clear ambient capabilities");
		/* NO_SETUID_FIXUP: the uid switch below keeps the caps,
		 * capset then clears them explicitly. */
		if (prctl(PR_SET_SECUREBITS,
			  SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_SETUID_FIXUP |
			  SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_NOROOT |
			  SECBIT_NOROOT_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |
			  SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED, 0, 0, 0) < 0)
			return sandbox_child_fail(c, -errno,
						  "lock securebits");
		if (!c->userns) {
			rc = become(c, 1);
			if (rc)
				return rc;
		}
	}
	rc = caps_set(0);
	if (rc)
		return sandbox_child_fail(c, rc, "capset");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return sandbox_child_fail(c, -errno, "no_new_privs");
	return 0;
}
