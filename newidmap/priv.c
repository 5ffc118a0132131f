/* SPDX-License-Identifier: GPL-2.0-or-later
 * Privilege handling for newuidmap / newgidmap.
 *
 * Invariants:
 *  - the binary runs with real = effective = saved ids: a setuid or setgid install is refused
 *    (bubblewrap refuses a privilege model it was not built for, for the same reason);
 *  - a non-root caller may hold in its permitted set only the helper's one capability, plus
 *    CAP_AUDIT_WRITE if the packager chose to grant it for audit records; anything else means a
 *    misinstalled binary and is refused;
 *  - from priv_init() on, the effective set is empty except in PRIV_WRITE (the helper's
 *    capability, and CAP_SETFCAP for a root caller mapping host id 0) and around an audit send
 *    (CAP_AUDIT_WRITE only); the inheritable and ambient sets are always empty;
 *  - from PRIV_LOG on only CAP_AUDIT_WRITE may stay permitted, and PRIV_DONE holds nothing;
 *  - each of these is asserted on the kernel's view after every phase change (priv_enter) and
 *    every raise or drop: a violation aborts;
 *  - the process is not dumpable, so the caller cannot ptrace it or read its memory while it
 *    holds a capability, and it sets no_new_privs (it never execs anything).
 * None of this is inside an #ifdef a build could lose: libcap is a hard dependency. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "priv.h"

/* The state: the phase, the helper's capability, and what may stay permitted. Globals of the
 * privileged program (never of the library): one process, one run. */
static enum priv_phase phase = PRIV_START;
static cap_value_t own_cap = -1;
static cap_value_t keep[3];
static int nkeep;
static bool audit_raised;
static bool caller_nnp; /* no_new_privs was set by the caller, before priv_init() set it */

static const char *const phase_names[] = {
	[PRIV_START] = "start", [PRIV_IDENTIFY] = "identify", [PRIV_TARGET] = "target",
	[PRIV_GRANTS] = "grants", [PRIV_VALIDATE] = "validate", [PRIV_WRITE] = "write",
	[PRIV_LOG] = "log", [PRIV_DONE] = "done",
};

/* A broken invariant: one write(2) (no stdio, no allocation) and abort. */
static _Noreturn void violated(const char *what)
{
	static const char head[] = "newidmap: internal error: privilege state violated in phase ";
	const char *p = phase >= PRIV_START && phase <= PRIV_DONE ? phase_names[phase] : "?";

	(void)!write(STDERR_FILENO, head, sizeof(head) - 1);
	(void)!write(STDERR_FILENO, p, strlen(p));
	(void)!write(STDERR_FILENO, ": ", 2);
	(void)!write(STDERR_FILENO, what, strlen(what));
	(void)!write(STDERR_FILENO, "\n", 1);
	abort();
}

static bool cap_in(cap_t caps, cap_value_t c, cap_flag_t set)
{
	cap_flag_value_t v = CAP_CLEAR;

	return cap_get_flag(caps, c, set, &v) == 0 && v == CAP_SET;
}

/* The kernel's view against what the phase allows. eff_ok: capabilities that may be effective. */
static void assert_state(void)
{
	cap_t caps;

	if (phase == PRIV_START)
		return;
	caps = cap_get_proc();
	if (!caps)
		violated("cannot read capabilities");
	for (cap_value_t c = 0; c < (cap_value_t)cap_max_bits(); c++) {
		bool may_permit, may_effect;

		if (phase >= PRIV_DONE)
			may_permit = false;
		else if (phase >= PRIV_LOG)
			may_permit = c == CAP_AUDIT_WRITE;
		else
			may_permit = c == own_cap || c == CAP_AUDIT_WRITE || c == CAP_SETFCAP;
		if (phase == PRIV_WRITE)
			may_effect = c == own_cap || c == CAP_SETFCAP;
		else
			may_effect = audit_raised && c == CAP_AUDIT_WRITE;
		if ((!may_permit && cap_in(caps, c, CAP_PERMITTED)) || (!may_effect && cap_in(caps, c, CAP_EFFECTIVE)) ||
		    cap_in(caps, c, CAP_INHERITABLE)) {
			cap_free(caps);
			violated("a capability is held that this phase does not allow");
		}
	}
	cap_free(caps);
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

enum priv_missing priv_why_missing(cap_value_t cap)
{
	enum priv_missing why = PRIV_MISSING_FILE;
	struct statvfs sv;
	cap_t file;
	int fd;

	if (prctl(PR_CAPBSET_READ, (unsigned long)cap, 0, 0, 0) == 0)
		return PRIV_MISSING_BSET;
	/* The file this process runs (the kernel's link, whatever the caller's argv[0] says), read
	 * without any capability: only its security.capability attribute is looked at. */
	fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return PRIV_MISSING_FILE;
	file = cap_get_fd(fd);
	if (file && cap_in(file, cap, CAP_PERMITTED)) {
		if (caller_nnp)
			why = PRIV_MISSING_NNP;
		else if (fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_NOSUID))
			why = PRIV_MISSING_NOSUID;
		else
			why = PRIV_MISSING_OTHER;
	}
	cap_free(file);
	(void)close(fd);
	return why;
}

int priv_init(cap_value_t cap, struct priv_error *err)
{
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;
	cap_t caps;
	int r;

	*err = (struct priv_error){ .why = PRIV_SYSCALL };
	if (phase != PRIV_START)
		violated("priv_init() called twice");
	/* Before anything else reads input: no core dump, no ptrace from the caller. */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	own_cap = cap;
	if (getresuid(&ruid, &euid, &suid) < 0 || getresgid(&rgid, &egid, &sgid) < 0) {
		err->what = "cannot read process credentials";
		return -errno;
	}
	if (ruid != euid || ruid != suid || rgid != egid || rgid != sgid) {
		err->why = PRIV_SETUID;
		return -EPERM;
	}
	caps = cap_get_proc();
	if (!caps) {
		err->what = "cannot read capabilities";
		return -errno;
	}
	if (ruid != 0) {
		/* A non-root caller can only have the permitted set the file gave it (file capabilities
		 * clear the ambient set): anything beyond our one capability is a misinstall. */
		for (cap_value_t c = 0; c < (cap_value_t)cap_max_bits(); c++) {
			if (c == cap || c == CAP_AUDIT_WRITE || !cap_in(caps, c, CAP_PERMITTED))
				continue;
			cap_free(caps);
			err->why = PRIV_EXTRA_CAP;
			err->cap = c;
			return -EPERM;
		}
	}
	cap_free(caps);

	/* CAP_SETFCAP can only be permitted here for a root caller (checked above); it stays permitted
	 * until the request is known, then priv_forget_setfcap() drops it unless outer id 0 is mapped. */
	keep[nkeep++] = cap;
	keep[nkeep++] = CAP_AUDIT_WRITE;
	keep[nkeep++] = CAP_SETFCAP;
	r = apply(NULL, 0);
	if (r < 0) {
		err->what = "cannot lower capabilities";
		return r;
	}
	/* One prctl, not libcap's cap_reset_ambient() loop over every capability. EINVAL: a kernel
	 * without ambient capabilities (< 4.3), where there is nothing to clear. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) {
		err->what = "cannot clear ambient capabilities";
		return -errno;
	}
	caller_nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1;
	(void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	*err = (struct priv_error){ .why = PRIV_OK };
	priv_enter(PRIV_IDENTIFY);
	return 0;
}

void priv_enter(enum priv_phase p)
{
	if (p < phase || p > PRIV_DONE)
		violated("phases run only forward");
	if (phase == PRIV_START && p != PRIV_START && p != PRIV_DONE && own_cap < 0)
		violated("priv_init() has not run");
	phase = p;
	assert_state();
}

enum priv_phase priv_phase(void)
{
	return phase;
}

int priv_forget_setfcap(void)
{
	int r;

	if (phase == PRIV_START || phase >= PRIV_WRITE)
		violated("CAP_SETFCAP is dropped before the write phase");
	for (int i = 0; i < nkeep; i++)
		if (keep[i] == CAP_SETFCAP)
			keep[i] = keep[--nkeep];
	r = apply(NULL, 0);
	assert_state();
	return r;
}

int priv_raise_for_write(bool setfcap)
{
	cap_value_t eff[2] = { own_cap, CAP_SETFCAP };
	int r;

	if (phase != PRIV_WRITE)
		violated("the capability is raised only in the write phase");
	r = apply(eff, setfcap ? 2 : 1);
	assert_state();
	return r;
}

int priv_drop_after_write(void)
{
	int r;

	if (phase != PRIV_WRITE)
		violated("the drop after the write belongs to the write phase");
	keep[0] = CAP_AUDIT_WRITE;
	nkeep = 1;
	r = apply(NULL, 0);
	if (r < 0) {
		/* Could not lower to the audit capability: clear everything instead, so nothing stays. */
		r = priv_clear();
		return r < 0 ? r : -EPERM;
	}
	priv_enter(PRIV_LOG);
	return 0;
}

bool priv_audit_permitted(void)
{
	return phase > PRIV_START && phase != PRIV_WRITE && phase < PRIV_DONE && priv_have(CAP_AUDIT_WRITE);
}

int priv_audit_raise(void)
{
	cap_value_t c = CAP_AUDIT_WRITE;
	int r;

	if (phase == PRIV_WRITE || phase == PRIV_START || phase == PRIV_DONE)
		violated("an audit record is sent outside the write phase, after the privilege check");
	r = apply(&c, 1);
	audit_raised = r == 0;
	assert_state();
	return r;
}

void priv_audit_lower(void)
{
	if (apply(NULL, 0) < 0)
		violated("cannot lower CAP_AUDIT_WRITE after an audit send");
	audit_raised = false;
	assert_state();
}

int priv_clear(void)
{
	cap_t none = cap_init();
	int r = 0;

	if (!none || cap_set_proc(none) < 0)
		r = -errno;
	cap_free(none);
	nkeep = 0;
	audit_raised = false;
	if (r == 0) {
		phase = PRIV_DONE;
		assert_state();
	}
	return r;
}
