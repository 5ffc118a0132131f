/* SPDX-License-Identifier: GPL-2.0-or-later
 * Privilege handling for newuidmap / newgidmap.
 *
 * Invariants:
 *  - the binary runs with real = effective = saved ids: a setuid or setgid install is refused
 *    (bubblewrap refuses a privilege model it was not built for, for the same reason);
 *  - a non-root caller may hold in its permitted set only the helper's one capability, plus
 *    CAP_AUDIT_WRITE if the packager chose to grant it for audit records; anything else means a
 *    misinstalled binary and is refused;
 *  - from priv_init() on, the effective set is empty except inside priv_set_effective() pairs
 *    around the map open+write (and the audit send); the inheritable and ambient sets are empty;
 *  - right after the write only CAP_AUDIT_WRITE may stay permitted, and the last log record
 *    clears every set before exit (log.c);
 *  - the process is not dumpable, so the caller cannot ptrace it or read its memory while it
 *    holds a capability, and it sets no_new_privs (it never execs anything).
 * None of this is inside an #ifdef a build could lose: libcap is a hard dependency. */
#include <errno.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "log.h"
#include "priv.h"

static cap_value_t keep[3];
static int nkeep;

static bool cap_in(cap_t caps, cap_value_t c, cap_flag_t set)
{
	cap_flag_value_t v = CAP_CLEAR;

	return cap_get_flag(caps, c, set, &v) == 0 && v == CAP_SET;
}

bool priv_have(cap_value_t cap)
{
	cap_t caps = cap_get_proc();
	bool r = caps && cap_in(caps, cap, CAP_PERMITTED);

	cap_free(caps);
	return r;
}

/* permitted = (current permitted) ∩ keep; effective = the given caps; inheritable = {}. */
static int apply(const cap_value_t *eff, int neff)
{
	cap_t cur = cap_get_proc(), next = cap_init();
	int r = -ENOMEM;

	if (!cur || !next)
		goto out;
	for (int i = 0; i < nkeep; i++)
		if (cap_in(cur, keep[i], CAP_PERMITTED) && cap_set_flag(next, CAP_PERMITTED, 1, &keep[i], CAP_SET) < 0)
			goto err;
	if (neff > 0 && cap_set_flag(next, CAP_EFFECTIVE, neff, eff, CAP_SET) < 0)
		goto err;
	r = cap_set_proc(next) < 0 ? -errno : 0;
	goto out;
err:
	r = -errno;
out:
	cap_free(cur);
	cap_free(next);
	return r;
}

void priv_init(const char *prog, cap_value_t cap)
{
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;
	cap_t caps;
	int r;

	/* Before anything else reads input: no core dump, no ptrace from the caller. */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (getresuid(&ruid, &euid, &suid) < 0 || getresgid(&rgid, &egid, &sgid) < 0)
		die_errno(errno, "cannot read process credentials");
	if (ruid != euid || ruid != suid || rgid != egid || rgid != sgid)
		die("refusing to run setuid or setgid: %s must be installed with the file capability %s and mode 0755 "
		    "(setcap %s=ep %s)", prog, cap == CAP_SETUID ? "cap_setuid" : "cap_setgid",
		    cap == CAP_SETUID ? "cap_setuid" : "cap_setgid", prog);

	caps = cap_get_proc();
	if (!caps)
		die_errno(errno, "cannot read capabilities");
	if (ruid != 0) {
		/* A non-root caller can only have the permitted set the file gave it (file capabilities
		 * clear the ambient set): anything beyond our one capability is a misinstall. */
		for (cap_value_t c = 0; c < (cap_value_t)cap_max_bits(); c++) {
			if (c == cap || c == CAP_AUDIT_WRITE || !cap_in(caps, c, CAP_PERMITTED))
				continue;
			cap_free(caps);
			die("refusing to run with capability %s: %s must carry only %s (setcap %s=ep %s)",
			    cap_to_name(c), prog, cap == CAP_SETUID ? "cap_setuid" : "cap_setgid",
			    cap == CAP_SETUID ? "cap_setuid" : "cap_setgid", prog);
		}
	}
	log_ctx.audit_cap = cap_in(caps, CAP_AUDIT_WRITE, CAP_PERMITTED);
	cap_free(caps);

	/* CAP_SETFCAP can only be permitted here for a root caller (checked above); it stays permitted
	 * until the request is known, then priv_forget_setfcap() drops it unless outer id 0 is mapped. */
	keep[nkeep++] = cap;
	keep[nkeep++] = CAP_AUDIT_WRITE;
	keep[nkeep++] = CAP_SETFCAP;
	r = apply(NULL, 0);
	if (r < 0)
		die_errno(-r, "cannot lower capabilities");
	/* One prctl, not libcap's cap_reset_ambient() loop over every capability. EINVAL: a kernel
	 * without ambient capabilities (< 4.3), where there is nothing to clear. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		die_errno(errno, "cannot clear ambient capabilities");
	(void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

void priv_forget_setfcap(void)
{
	int r;

	for (int i = 0; i < nkeep; i++)
		if (keep[i] == CAP_SETFCAP)
			keep[i] = keep[--nkeep];
	r = apply(NULL, 0);
	if (r < 0)
		die_errno(-r, "cannot lower capabilities");
}

int priv_set_effective(const cap_value_t *caps, int n)
{
	return apply(caps, n);
}

void priv_drop_privileged(void)
{
	int r;

	keep[0] = CAP_AUDIT_WRITE;
	nkeep = 1;
	r = apply(NULL, 0);
	if (r < 0)
		die_errno(-r, "cannot drop capabilities");
}

int priv_clear(void)
{
	cap_t none = cap_init();
	int r = 0;

	if (!none || cap_set_proc(none) < 0)
		r = -errno;
	cap_free(none);
	nkeep = 0;
	return r;
}
