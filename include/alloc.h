/* SPDX-License-Identifier: GPL-2.0-or-later
 * Allocating sub-id ranges: the policy (first-fit or uid-derived), the content of the rewritten
 * file, and the whole locked transaction shared by the subid-alloc tool and pam_subid.
 *
 * No printing, no exit, no global state: errors come back as -errno plus a reason in a
 * caller-owned struct alloc_error. */
#ifndef SUBID_ALLOC_H
#define SUBID_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "range.h"

enum alloc_mode {
	ALLOC_FIRST_FIT, /* the lowest free hole of count ids in [min, max], as useradd does */
	ALLOC_UID,       /* min + (uid - min_uid) * count: the same range on every host (shadow 4.20's
			  * SUB_UID_DETERMINISTIC) */
};

/* Which file a policy is for: the login.defs keys differ (SUB_UID_* or SUB_GID_*). */
enum alloc_file {
	ALLOC_SUBUID,
	ALLOC_SUBGID,
};

struct alloc_policy {
	enum alloc_mode mode;
	uint64_t min, max;      /* ids allowed: [min, max], both inclusive (SUB_UID_MIN/MAX) */
	uint64_t count;         /* ids per range (SUB_UID_COUNT) */
	uint64_t min_uid;       /* ALLOC_UID: the uid that gets the range starting at min */
	bool wrap;              /* ALLOC_UID: a uid past the last slot takes slot (uid - min_uid) modulo
				 * the slots, overlapping another user's range (UNSAFE_SUB_UID_DETERMINISTIC_WRAP) */
	bool by_uid;            /* write the owner as the numeric uid (SUB_UID_STORE_BY_UID) */
};

enum alloc_reason {
	ALLOC_OK = 0,
	ALLOC_E_POLICY,     /* min > max, count 0, min + count - 1 > max, max > 4294967294
			     * (4294967295 in ALLOC_UID mode, shadow 4.20's default there) */
	ALLOC_E_EXHAUSTED,  /* first-fit: no hole of count ids in [min, max] */
	ALLOC_E_UID_RANGE,  /* uid mode: uid < min_uid, or the range leaves [min, max] */
	ALLOC_E_COLLISION,  /* uid mode: the range overlaps an existing range (owner given) */
	ALLOC_E_NAME,       /* the user name cannot be written as an owner (':', newline, control) */
	ALLOC_E_NOFILE,     /* the file does not exist and creating it was not asked */
	ALLOC_E_UNTRUSTED,  /* the file is not a regular root-owned file, or is group/world-writable */
	ALLOC_E_LOCK,       /* a lock could not be taken (busy: another tool holds it) */
	ALLOC_E_IO,         /* reading, writing, fsync or rename failed (errno in the return) */
	ALLOC_E_NSS,        /* nsswitch.conf names a subid source other than files */
	ALLOC__MAX
};

struct alloc_error {
	enum alloc_reason reason;
	const char *file;          /* the file concerned, when there is one */
	char detail[160];          /* e.g. the colliding owner and range, or the lock holder's pid */
};

/* One-line English description of a reason. Never NULL. */
const char *alloc_reason_str(enum alloc_reason r);

/* Validate a policy (ALLOC_E_POLICY otherwise). */
int alloc_policy_check(const struct alloc_policy *p, struct alloc_error *err);

/* The policy shadow 4.20's useradd uses for one file, from login.defs text (defs may be NULL:
 * every key absent):
 *   SUB_UID_DETERMINISTIC yes             -> ALLOC_UID, else ALLOC_FIRST_FIT
 *   UNSAFE_SUB_UID_DETERMINISTIC_WRAP yes -> wrap (ALLOC_UID only)
 *   SUB_UID_STORE_BY_UID yes              -> by_uid
 *   SUB_UID_MIN, SUB_UID_MAX, SUB_UID_COUNT, UID_MIN -> min, max, count, min_uid
 * (SUB_GID_* for ALLOC_SUBGID; UID_MIN for both). Booleans are shadow's: "yes" in any case. An
 * absent number takes shadow's default for the mode: first-fit 100000, 600100000, 65536 (useradd);
 * ALLOC_UID 65536, 4294967295, 65536 (lib/find_new_sub_uids.c in 4.20); UID_MIN 1000. A present
 * number must be a plain decimal below 2^32: otherwise -EINVAL (-ERANGE above) with *ret_key
 * naming the key (shadow would silently use the default: a wrong SUB_UID_MIN would hand out wrong
 * ids). mode, when not NULL, overrides SUB_UID_DETERMINISTIC (the defaults are then that mode's;
 * wrap still needs SUB_UID_DETERMINISTIC yes). The policy is not checked: see
 * alloc_policy_check(). */
int alloc_policy_from_defs(const char *defs, size_t len, enum alloc_file which, const enum alloc_mode *mode,
			   struct alloc_policy *ret, const char **ret_key);

/* First fit: the lowest start >= min such that [start, start+count) lies in [min, max] and
 * overlaps none of the n ranges (of any owner; unsorted; may overlap each other). The array is
 * sorted in place. Returns 0 and *ret_start, or -ENOSPC (ALLOC_E_EXHAUSTED). */
int alloc_first_fit(struct idrange *ranges, size_t n, const struct alloc_policy *p, uint32_t *ret_start,
		    struct alloc_error *err);

/* uid mode, as shadow 4.20's find_new_sub_uids_deterministic(): with slots = (max - min + 1) /
 * count whole ranges in [min, max] and slot = uid - min_uid, start = min + slot * count, in uint64.
 * -ERANGE (ALLOC_E_UID_RANGE) when uid < min_uid, when slot >= slots without p->wrap (with it,
 * slot modulo slots: shadow's ring), or when the range would hold 4294967295, which no user
 * namespace maps (shadow's default max gives its last slot that id; we refuse that one slot).
 * Without p->wrap, -EEXIST (ALLOC_E_COLLISION) when the range overlaps one of the n ranges
 * (owners, parallel to ranges, name the collider in err->detail; may be NULL): shadow writes the
 * overlap, we refuse it. With p->wrap overlaps are what the administrator asked for, as in shadow. */
int alloc_uid_mode(const struct idrange *ranges, const char *const *owners, size_t n, uint32_t uid,
		   const struct alloc_policy *p, uint32_t *ret_start, struct alloc_error *err);

/* Whether a user name can be written as the owner field: non-empty, no ':', no byte < 0x20 or
 * 0x7f, not all digits (which would read as a uid), and no leading '#' (a comment line). */
bool alloc_name_writable(const char *name);

/* The new file content: old (len bytes, any content, kept byte for byte, malformed lines too),
 * a '\n' added if old does not end with one, then "owner:start:count\n". Returns a malloc()ed
 * buffer and its length, or -ENOMEM. */
int alloc_append_line(const char *old, size_t len, const char *owner, uint32_t start, uint32_t count,
		      char **ret, size_t *ret_len);

/* ---- The locked transaction ---------------------------------------------------------------- */

struct alloc_request {
	const char *user;          /* login name */
	uint32_t uid;
	bool by_uid;               /* write the owner as the numeric uid in both files (each policy's
				    * by_uid asks it for its own file) */
	bool create;               /* create missing files (root:root 0644) */
	struct alloc_policy uid_policy, gid_policy;
	const char *root;          /* "" or a prefix directory (tests only); files are ROOT/etc/... */
	unsigned lock_timeout_s;   /* how long to wait for /etc/.pwd.lock (shadow: 15) */
};

struct alloc_result {
	bool had_uid, had_gid;     /* the user already had a range in the file (nothing written) */
	struct idrange uid_range, gid_range; /* what was allocated; when had_*: the user's first range */
};

/* The whole allocation, as useradd would do it, for one user:
 *   1. the passwd lock (lckpwdf()'s lock on ROOT/etc/.pwd.lock), then ROOT/etc/subuid.lock and
 *      ROOT/etc/subgid.lock with shadow's commonio protocol (link()ed pid file, stale takeover);
 *   2. re-read both files under the locks; a user with a range (by name or uid) keeps it;
 *   3. choose the missing range(s) by the policy, against every range in the file;
 *   4. write each changed file crash-safely: a temporary file in the same directory with the old
 *      owner and mode, fsync, rename() over the original, fsync of the directory;
 *   5. release the locks in reverse order.
 * Meant to run in a short-lived process (it may block up to lock_timeout_s). Returns 0 with
 * *ret filled in, or -errno with *err. No lock is left behind on any return. */
int alloc_transaction(const struct alloc_request *req, struct alloc_result *ret, struct alloc_error *err);

/* ---- Setting given ranges (subid-alloc --directory) ------------------------------------------ */

enum alloc_set_state {
	ALLOC_SET_UNCHANGED, /* exactly one line of the user, equal to the wanted range */
	ALLOC_SET_ADDED,     /* no line of the user: one is added */
	ALLOC_SET_CORRECTED, /* the user's lines differ (or repeat): they are replaced by one line */
	ALLOC_SET_CONFLICT,  /* another owner's line overlaps the wanted range: nothing is written for
			      * this user, in either file */
};

struct alloc_set_item {
	const char *user;           /* login name, written as the owner (must be alloc_name_writable) */
	uint32_t uid;               /* lines owned by the uid spelled in decimal are the user's too */
	struct idrange want[2];     /* [0] /etc/subuid, [1] /etc/subgid; valid ranges */
	/* Filled in: */
	enum alloc_set_state state[2];
	struct idrange old[2];      /* CORRECTED: the user's first line before */
	char conflict[2][96];       /* CONFLICT: the local line in the way, "owner:start:count" */
};

/* One file's part of the plan: classify every item against the content (which = 0 for subuid,
 * 1 for subgid): the user's own lines (by name or uid) and any other owner's line overlapping the
 * wanted range. The wanted ranges of the n items must not overlap each other. Returns 0 or
 * -ENOMEM. */
int alloc_set_classify(const char *buf, size_t len, struct alloc_set_item *items, size_t n, int which);

/* The new content of file `which` once both files are classified: every line kept byte for byte
 * except the lines of ADDED/CORRECTED users (in either file's sense: a user in CONFLICT in either
 * file is left alone in both), then one "user:start:count" line per such user, in item order.
 * *ret_changed is false (and *ret NULL) when nothing changes. Returns 0 or -ENOMEM. */
int alloc_set_build(const char *buf, size_t len, const struct alloc_set_item *items, size_t n, int which,
		    char **ret, size_t *ret_len, bool *ret_changed);

/* The locked transaction for given ranges: the same locks, reading, crash-safe writing and
 * release as alloc_transaction(), for n users at once (one read and at most one write of each
 * file, whatever n). dry_run: no lock and no write, only the plan in items. create: a missing file
 * is created (root:root 0644). Returns 0 with every item's state filled in (conflicts are states,
 * not errors), or -errno with *err. */
int alloc_set_transaction(const char *root, unsigned lock_timeout_s, bool create, bool dry_run,
			  struct alloc_set_item *items, size_t n, struct alloc_error *err);

/* ---- shadow's commonio lock, exposed for tests -------------------------------------------- */

/* Take the link()-based lock of path (creates path.PID, links it to path.lock, requires
 * st_nlink == 2; a lock whose pid is dead, or unsignalable, is stale and taken over once).
 * With ALLOC_LOCK_PWD_HELD (the caller holds /etc/.pwd.lock, which every commonio locker on the
 * real /etc takes first and the kernel releases at its death), any existing lock is stale,
 * whatever its pid names now. Returns 0, -EBUSY with err->detail naming the holder, or -errno. */
#define ALLOC_LOCK_PWD_HELD 1u
int alloc_lock_file(const char *path, unsigned flags, struct alloc_error *err);
/* Release it: unlink path.lock. */
int alloc_unlock_file(const char *path);

#endif
