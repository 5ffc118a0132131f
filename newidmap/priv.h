/* SPDX-License-Identifier: GPL-2.0-or-later
 * The helpers' privilege: one file capability, effective only inside write_map().
 *
 * A run goes through the phases below, in this order and only forward. priv_enter() records the
 * phase and then checks, on the kernel's own view of the process (capget), that it holds what the
 * phase allows and nothing more, as bubblewrap asserts its privilege state after each step. A
 * mismatch is a bug, never an input error: it aborts on the spot, before anything else runs.
 * This module knows nothing of logging; log.c uses it (for the audit record), never the reverse. */
#ifndef NEWIDMAP_PRIV_H
#define NEWIDMAP_PRIV_H

#include <stdbool.h>
#include <sys/capability.h>

enum priv_phase {
	PRIV_START,    /* main() entered; nothing checked yet */
	PRIV_IDENTIFY, /* privilege model checked, effective set empty: identify the caller, read argv */
	PRIV_TARGET,   /* open the target and check it */
	PRIV_GRANTS,   /* read the caller's ranges */
	PRIV_VALIDATE, /* check every extent against them, format the map */
	PRIV_WRITE,    /* write_map(): the only phase whose effective set may be non-empty */
	PRIV_LOG,      /* permitted holds at most CAP_AUDIT_WRITE, effective only around an audit send */
	PRIV_DONE,     /* every set empty, for good */
};

/* Why priv_init() refused. */
enum priv_refusal {
	PRIV_OK,
	PRIV_SETUID,     /* real, effective and saved ids differ: a setuid or setgid install */
	PRIV_EXTRA_CAP,  /* a capability beyond the helper's own (and CAP_AUDIT_WRITE) is permitted */
	PRIV_SYSCALL,    /* a syscall failed: the return value is -errno */
};

struct priv_error {
	enum priv_refusal why;
	cap_value_t cap;   /* PRIV_EXTRA_CAP: the capability */
	const char *what;  /* PRIV_SYSCALL: what failed, e.g. "cannot lower capabilities" */
};

/* Check the privilege model and lower everything: not dumpable, effective, inheritable and
 * ambient sets empty, permitted reduced to cap, CAP_AUDIT_WRITE and (root only) CAP_SETFCAP,
 * no_new_privs. cap is CAP_SETUID or CAP_SETGID. On success the phase is PRIV_IDENTIFY. Returns 0,
 * -EPERM (err->why says which rule) or -errno (err->why == PRIV_SYSCALL). */
int priv_init(cap_value_t cap, struct priv_error *err);

/* Move to phase p (>= the current one) and assert the capability state it allows. */
void priv_enter(enum priv_phase p);
enum priv_phase priv_phase(void);

/* Whether cap is in the permitted set. */
bool priv_have(cap_value_t cap);

/* Why cap is not permitted, for the refusal's message (asked only when !priv_have(cap)). */
enum priv_missing {
	PRIV_MISSING_BSET,    /* the caller's bounding set lacks it: no file and no root can grant it */
	PRIV_MISSING_FILE,    /* the executable's file carries no such permitted capability */
	PRIV_MISSING_NNP,     /* it does, but the caller set no_new_privs: exec granted nothing */
	PRIV_MISSING_NOSUID,  /* it does, but the file is on a nosuid mount: exec granted nothing */
	PRIV_MISSING_OTHER,   /* it does, and neither: a tracer without privilege, a security module */
};
enum priv_missing priv_why_missing(cap_value_t cap);

/* Drop CAP_SETFCAP from the permitted set, before PRIV_WRITE. It is kept only for a root caller
 * that maps outer id 0 (Linux >= 5.12 requires it for that mapping). Returns 0 or -errno. */
int priv_forget_setfcap(void);

/* PRIV_WRITE only: make the helper's capability (and CAP_SETFCAP if setfcap) effective. */
int priv_raise_for_write(bool setfcap);

/* PRIV_WRITE only: keep nothing but CAP_AUDIT_WRITE permitted, nothing effective; the phase
 * becomes PRIV_LOG. Returns 0 or -errno (the phase is PRIV_LOG either way: nothing may write
 * again). */
int priv_drop_after_write(void);

/* Whether an audit record can be sent: CAP_AUDIT_WRITE permitted, and the phase is past
 * PRIV_START (the privilege model was checked). */
bool priv_audit_permitted(void);

/* Around an audit send, in any phase but PRIV_WRITE: CAP_AUDIT_WRITE effective, then nothing. */
int priv_audit_raise(void);
void priv_audit_lower(void);

/* Clear every set for good; the phase becomes PRIV_DONE. Returns 0 or -errno. */
int priv_clear(void);

#endif
