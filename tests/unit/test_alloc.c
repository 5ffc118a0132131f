/* SPDX-License-Identifier: GPL-2.0-or-later
 * Check suite for lib/alloc.c: the policies (first-fit, uid-derived), name and content rules,
 * shadow's commonio lock, and the whole transaction in a mkdtemp() prefix (ROOT/etc/...), which
 * runs unprivileged and as root alike. Every transaction test also checks that no lock, pid file
 * or temporary file is left and that the passwd lock is free again. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "util.h"
#include "check-run.h"

#define DEF_MIN 100000u
#define DEF_MAX 600100000u
#define DEF_COUNT 65536u

/* ---- alloc_policy_check ---------------------------------------------------------------------- */

static const struct {
	struct alloc_policy p;
	int want;
} policy_cases[] = {
	{ { ALLOC_FIRST_FIT, DEF_MIN, DEF_MAX, DEF_COUNT, 1000, false, false }, 0 },
	{ { ALLOC_UID, DEF_MIN, DEF_MAX, DEF_COUNT, 1000, false, false }, 0 },
	{ { ALLOC_FIRST_FIT, 5, 5, 1, 0, false, false }, 0 },                            /* one id */
	{ { ALLOC_FIRST_FIT, 0, 4294967294u, 4294967295u, 0, false, false }, 0 },        /* every id there is */
	{ { ALLOC_FIRST_FIT, DEF_MIN, DEF_MAX, 0, 0, false, false }, -EINVAL },          /* count 0 */
	{ { ALLOC_FIRST_FIT, 10, 9, 1, 0, false, false }, -EINVAL },                     /* min > max */
	{ { ALLOC_FIRST_FIT, 0, 4294967295u, 1, 0, false, false }, -EINVAL },            /* max is (uint32_t)-1 */
	{ { ALLOC_UID, 65536, 4294967295u, 65536, 1000, false, false }, 0 },              /* shadow 4.20's uid-mode default */
	{ { ALLOC_UID, 0, UINT64_C(4294967296), 1, 0, false, false }, -EINVAL },          /* but not beyond */
	{ { ALLOC_UID, 100000, 165534, 65536, 1000, false, false }, -EINVAL },            /* not one slot ("Not enough space") */
	{ { ALLOC_FIRST_FIT, 0, UINT64_C(1) << 40, 1, 0, false, false }, -EINVAL },      /* far beyond 32 bits */
	{ { ALLOC_FIRST_FIT, 10, 19, 11, 0, false, false }, -EINVAL },                   /* count does not fit */
	{ { ALLOC_FIRST_FIT, 10, 19, 10, 0, false, false }, 0 },                         /* exactly fits */
	{ { ALLOC_FIRST_FIT, 0, 4294967294u, UINT64_C(1) << 33, 0, false, false }, -EINVAL },
	{ { (enum alloc_mode)7, DEF_MIN, DEF_MAX, DEF_COUNT, 0, false, false }, -EINVAL }, /* unknown mode */
};

START_TEST(test_policy)
{
	struct alloc_error err = { 0 };
	int r = alloc_policy_check(&policy_cases[_i].p, &err);

	ck_assert_int_eq(r, policy_cases[_i].want);
	if (r < 0) {
		ck_assert_int_eq(err.reason, ALLOC_E_POLICY);
		ck_assert_str_ne(err.detail, "");
	}
}
END_TEST

START_TEST(test_reason_str)
{
	for (int i = 0; i < ALLOC__MAX; i++) {
		ck_assert_ptr_nonnull(alloc_reason_str((enum alloc_reason)i));
		for (int j = 0; j < i; j++)
			ck_assert_str_ne(alloc_reason_str((enum alloc_reason)i), alloc_reason_str((enum alloc_reason)j));
	}
	ck_assert_str_eq(alloc_reason_str(ALLOC__MAX), "unknown error");
	ck_assert_str_eq(alloc_reason_str((enum alloc_reason)-1), "unknown error");
}
END_TEST

/* ---- alloc_first_fit ------------------------------------------------------------------------- */

#define R(s, c) { (uint32_t)(s), (uint32_t)(c) }
static const struct {
	const char *what;
	struct idrange r[8];
	size_t n;
	uint64_t min, max, count;
	int want;
	uint32_t start;
} ff_cases[] = {
	{ "empty file", { R(0, 0) }, 0, DEF_MIN, DEF_MAX, DEF_COUNT, 0, DEF_MIN },
	{ "one range at min", { R(100000, 65536) }, 1, DEF_MIN, DEF_MAX, DEF_COUNT, 0, 165536 },
	{ "hole first", { R(200000, 65536) }, 1, DEF_MIN, DEF_MAX, DEF_COUNT, 0, 100000 },
	{ "first hole one too small", { R(165535, 65536) }, 1, DEF_MIN, DEF_MAX, DEF_COUNT, 0, 231071 },
	{ "first hole exactly", { R(165536, 65536) }, 1, DEF_MIN, DEF_MAX, DEF_COUNT, 0, 100000 },
	{ "hole middle", { R(100000, 65536), R(231072, 65536) }, 2, DEF_MIN, DEF_MAX, DEF_COUNT, 0, 165536 },
	{ "middle hole too small, hole last", { R(100000, 65536), R(200000, 65536) }, 2, DEF_MIN, DEF_MAX,
	  DEF_COUNT, 0, 265536 },
	{ "hole last, ending exactly at max", { R(0, 90) }, 1, 0, 99, 10, 0, 90 },
	{ "exhausted by one id", { R(0, 91) }, 1, 0, 99, 10, -ENOSPC, 0 },
	{ "exhausted: small holes only", { R(5, 5), R(19, 5), R(33, 5), R(47, 53) }, 4, 0, 99, 10, -ENOSPC, 0 },
	{ "other owner at the min edge", { R(1000, 1) }, 1, 1000, 1999, 10, 0, 1001 },
	{ "other owner at the max edge", { R(1999, 1) }, 1, 1000, 1999, 10, 0, 1000 },
	{ "both edges taken", { R(1999, 1), R(1000, 1) }, 2, 1000, 1999, 998, 0, 1001 },
	{ "both edges taken, one too many", { R(1999, 1), R(1000, 1) }, 2, 1000, 1999, 999, -ENOSPC, 0 },
	{ "range straddling min", { R(990, 20) }, 1, 1000, 1999, 10, 0, 1010 },
	{ "range straddling max", { R(1995, 100) }, 1, 1000, 1999, 996, -ENOSPC, 0 },
	{ "range covering all of [min,max]", { R(0, 1000000) }, 1, 1000, 1999, 1, -ENOSPC, 0 },
	{ "ranges outside [min,max] only", { R(0, 1000), R(2000, 5) }, 2, 1000, 1999, 1000, 0, 1000 },
	{ "overlapping, unsorted", { R(300, 50), R(100, 100), R(150, 100) }, 3, 100, 1000, 100, 0, 350 },
	{ "contained, unsorted", { R(500, 10), R(100, 1000), R(200, 5) }, 3, 100, 5000, 10, 0, 1100 },
	{ "duplicates", { R(100, 10), R(100, 10), R(100, 10) }, 3, 100, 200, 10, 0, 110 },
	{ "hole of exactly count", { R(120, 10), R(100, 10) }, 2, 100, 200, 10, 0, 110 },
	{ "hole one short", { R(119, 10), R(100, 10) }, 2, 100, 200, 10, 0, 129 },
	{ "count-0 range ignored", { R(105, 0) }, 1, 100, 200, 10, 0, 100 },
	{ "64-bit: top of the id space", { R(4294967200u, 94) }, 1, 4294967000u, 4294967294u, 200, 0, 4294967000u },
	{ "64-bit: last id", { R(4294967000u, 294) }, 1, 4294967000u, 4294967294u, 1, 0, 4294967294u },
	{ "64-bit: no wrap past 2^32", { R(4294967000u, 1) }, 1, 4294967000u, 4294967294u, 295, -ENOSPC, 0 },
	{ "starts 2^31 apart sort right", { R(3000000000u, 10), R(100, 10) }, 2, 100, 4294967294u, 10, 0, 110 },
	{ "invalid policy", { R(0, 0) }, 0, 10, 5, 1, -EINVAL, 0 },
};
#undef R

START_TEST(test_first_fit)
{
	struct alloc_policy p = { ALLOC_FIRST_FIT, ff_cases[_i].min, ff_cases[_i].max, ff_cases[_i].count, 0, false, false };
	struct idrange r[8];
	struct alloc_error err = { 0 };
	uint32_t start = 12345;
	int ret;

	memcpy(r, ff_cases[_i].r, sizeof(r));
	ret = alloc_first_fit(ff_cases[_i].n ? r : NULL, ff_cases[_i].n, &p, &start, &err);
	ck_assert_msg(ret == ff_cases[_i].want, "%s: returned %d", ff_cases[_i].what, ret);
	if (ret == 0) {
		ck_assert_msg(start == ff_cases[_i].start, "%s: start %" PRIu32, ff_cases[_i].what, start);
	} else {
		ck_assert_uint_eq(start, 12345); /* untouched */
		ck_assert_int_eq(err.reason, ret == -ENOSPC ? ALLOC_E_EXHAUSTED : ALLOC_E_POLICY);
	}
}
END_TEST

/* Against a brute-force oracle on a small id space: random unsorted, overlapping ranges. */
START_TEST(test_first_fit_oracle)
{
	unsigned seed = 42;

	for (int iter = 0; iter < 3000; iter++) {
		struct idrange r[6];
		bool used[64] = { false };
		size_t n = (size_t)(rand_r(&seed) % 7);
		struct alloc_policy p = { ALLOC_FIRST_FIT, 0, 0, 0, 0, false, false };
		uint32_t start = 0;
		int want = -ENOSPC, ret;
		uint64_t want_start = 0;

		p.min = (uint64_t)(rand_r(&seed) % 40);
		p.max = p.min + (uint64_t)(rand_r(&seed) % (63 - p.min));
		p.count = 1 + (uint64_t)(rand_r(&seed) % (p.max - p.min + 1));
		for (size_t i = 0; i < n; i++) {
			r[i].start = (uint32_t)(rand_r(&seed) % 60);
			r[i].count = 1 + (uint32_t)(rand_r(&seed) % 12);
			for (uint32_t x = r[i].start; x < r[i].start + r[i].count && x < 64; x++)
				used[x] = true;
		}
		for (uint64_t s = p.min; s + p.count - 1 <= p.max && want; s++) {
			bool free_ = true;

			for (uint64_t x = s; x < s + p.count; x++)
				free_ = free_ && !used[x];
			if (free_) {
				want = 0;
				want_start = s;
			}
		}
		ret = alloc_first_fit(n ? r : NULL, n, &p, &start, NULL);
		ck_assert_int_eq(ret, want);
		if (ret == 0)
			ck_assert_uint_eq(start, want_start);
	}
}
END_TEST

/* ---- alloc_uid_mode -------------------------------------------------------------------------- */

static const struct {
	const char *what;
	uint32_t uid;
	uint64_t min_uid, min, max, count;
	struct idrange r[3];
	const char *owners[3];
	size_t n;
	int want;
	uint32_t start;
	const char *detail; /* substring of err.detail on failure */
} uid_cases[] = {
	{ "uid = min_uid", 1000, 1000, DEF_MIN, DEF_MAX, DEF_COUNT, { { 0, 0 } }, { NULL }, 0, 0, DEF_MIN, NULL },
	{ "uid = min_uid + 5", 1005, 1000, DEF_MIN, DEF_MAX, DEF_COUNT, { { 0, 0 } }, { NULL }, 0, 0,
	  DEF_MIN + 5 * DEF_COUNT, NULL },
	{ "uid below min_uid", 999, 1000, DEF_MIN, DEF_MAX, DEF_COUNT, { { 0, 0 } }, { NULL }, 0, -ERANGE, 0,
	  "below min_uid" },
	{ "last slot ends at max", 1009, 1000, 100, 199, 10, { { 0, 0 } }, { NULL }, 0, 0, 190, NULL },
	{ "one slot beyond max", 1010, 1000, 100, 199, 10, { { 0, 0 } }, { NULL }, 0, -ERANGE, 0, "beyond max" },
	{ "huge uid: no 32-bit wrap", 4294967294u, 0, DEF_MIN, 4294967294u, DEF_COUNT, { { 0, 0 } }, { NULL }, 0,
	  -ERANGE, 0, "beyond max" },
	{ "wrap to a low start refused", 65536 + 1000, 1000, 0, 4294967294u, 65536, { { 0, 0 } }, { NULL }, 0,
	  -ERANGE, 0, "4294967296" },
	{ "count 1, the last id", 4294967294u, 0, 0, 4294967294u, 1, { { 0, 0 } }, { NULL }, 0, 0, 4294967294u,
	  NULL },
	{ "collision names the owner", 1001, 1000, 100, 1099, 100, { { 50, 10 }, { 150, 100 } }, { "alice", "bob" },
	  2, -EEXIST, 0, "overlaps bob:150:100" },
	{ "collision at the last id", 1001, 1000, 100, 1099, 100, { { 299, 5 } }, { "carol" }, 1, -EEXIST, 0,
	  "carol:299:5" },
	{ "touching ranges do not collide", 1001, 1000, 100, 1099, 100, { { 100, 100 }, { 300, 5 } },
	  { "a", "b" }, 2, 0, 200, NULL },
	{ "collision without owners", 1000, 1000, 100, 1099, 100, { { 0, 101 } }, { NULL }, 1, -EEXIST, 0,
	  "0:101" },
};

START_TEST(test_uid_mode)
{
	const __typeof__(uid_cases[0]) *c = &uid_cases[_i];
	struct alloc_policy p = { ALLOC_UID, c->min, c->max, c->count, c->min_uid, false, false };
	struct alloc_error err = { 0 };
	uint32_t start = 777;
	int ret;

	ret = alloc_uid_mode(c->n ? c->r : NULL, c->owners[0] ? c->owners : NULL, c->n, c->uid, &p, &start, &err);
	ck_assert_msg(ret == c->want, "%s: returned %d (%s)", c->what, ret, err.detail);
	if (ret == 0) {
		ck_assert_msg(start == c->start, "%s: start %" PRIu32, c->what, start);
	} else {
		ck_assert_uint_eq(start, 777);
		ck_assert_int_eq(err.reason, ret == -EEXIST ? ALLOC_E_COLLISION : ALLOC_E_UID_RANGE);
		ck_assert_msg(strstr(err.detail, c->detail), "%s: detail '%s'", c->what, err.detail);
	}
}
END_TEST

/* shadow 4.20's find_new_sub_uids_deterministic(), case by case: the man page's examples, the
 * default ring of 65535 slots up to 4294967295, and UNSAFE_SUB_UID_DETERMINISTIC_WRAP. */
static const struct {
	const char *what;
	uint64_t min, max, count, min_uid;
	bool wrap;
	uint32_t uid;
	struct idrange r[2]; /* existing ranges */
	size_t n;
	int want;
	uint32_t start;
} shadow_cases[] = {
	{ "man: uid 1000", DEF_MIN, DEF_MAX, DEF_COUNT, 1000, false, 1000, { { 0, 0 } }, 0, 0, 100000 },
	{ "man: uid 1001", DEF_MIN, DEF_MAX, DEF_COUNT, 1000, false, 1001, { { 0, 0 } }, 0, 0, 165536 },
	{ "man: uid 1002", DEF_MIN, DEF_MAX, DEF_COUNT, 1000, false, 1002, { { 0, 0 } }, 0, 0, 231072 },
	{ "man: uid 1100", DEF_MIN, DEF_MAX, DEF_COUNT, 1000, false, 1100, { { 0, 0 } }, 0, 0, 6653600 },
	{ "linear defaults: last of 9155 slots", DEF_MIN, DEF_MAX, DEF_COUNT, 1000, false, 1000 + 9154, { { 0, 0 } },
	  0, 0, 100000 + 9154u * 65536u },
	{ "linear defaults: slot 9155 is past max", DEF_MIN, DEF_MAX, DEF_COUNT, 1000, false, 1000 + 9155,
	  { { 0, 0 } }, 0, -ERANGE, 0 },
	{ "...and wraps to slot 0", DEF_MIN, DEF_MAX, DEF_COUNT, 1000, true, 1000 + 9155, { { 0, 0 } }, 0, 0, 100000 },
	{ "man wrap example: user A", 100000, 200000, 65536, 1000, true, 1000, { { 0, 0 } }, 0, 0, 100000 },
	{ "man wrap example: user B overlaps A", 100000, 200000, 65536, 1000, true, 1001, { { 100000, 65536 } }, 1, 0,
	  100000 },
	{ "no wrap: user B refused", 100000, 200000, 65536, 1000, false, 1001, { { 0, 0 } }, 0, -ERANGE, 0 },
	{ "no wrap: a collision is refused", 100000, 200000, 1000, 1000, false, 1001, { { 101500, 1 } }, 1, -EEXIST, 0 },
	{ "uid-mode defaults: first slot", 65536, 4294967295u, 65536, 1000, false, 1000, { { 0, 0 } }, 0, 0, 65536 },
	{ "uid-mode defaults: last slot below 2^32-1", 65536, 4294967295u, 65536, 1000, false, 1000 + 65533,
	  { { 0, 0 } }, 0, 0, 4294836224u },
	{ "uid-mode defaults: the slot holding 4294967295", 65536, 4294967295u, 65536, 1000, false, 1000 + 65534,
	  { { 0, 0 } }, 0, -ERANGE, 0 },
	{ "...refused with wrap too (it is inside the ring)", 65536, 4294967295u, 65536, 1000, true, 1000 + 65534,
	  { { 0, 0 } }, 0, -ERANGE, 0 },
	{ "uid-mode defaults: past the 65535 slots", 65536, 4294967295u, 65536, 1000, false, 1000 + 65535,
	  { { 0, 0 } }, 0, -ERANGE, 0 },
	{ "...wraps to slot 0 (65535 slots, as shadow counts them)", 65536, 4294967295u, 65536, 1000, true,
	  1000 + 65535, { { 0, 0 } }, 0, 0, 65536 },
	{ "...and slot 1 after", 65536, 4294967295u, 65536, 1000, true, 1000 + 65536, { { 0, 0 } }, 0, 0, 131072 },
	{ "uid below UID_MIN, even with wrap", DEF_MIN, DEF_MAX, DEF_COUNT, 1000, true, 999, { { 0, 0 } }, 0, -ERANGE,
	  0 },
	{ "uid 0 with UID_MIN 0", 10, 19, 5, 0, false, 0, { { 0, 0 } }, 0, 0, 10 },
	{ "the highest uid wraps without overflow", 0, 9, 1, 0, true, 4294967294u, { { 0, 0 } }, 0, 0, 4 },
	{ "the highest uid without wrap", 0, 9, 1, 0, false, 4294967295u, { { 0, 0 } }, 0, -ERANGE, 0 },
	{ "a remainder smaller than count is unused", 100, 124, 10, 0, false, 2, { { 0, 0 } }, 0, -ERANGE, 0 },
	{ "count = the whole space: one slot", 100, 199, 100, 5, true, 7, { { 0, 0 } }, 0, 0, 100 },
	{ "policy refused: count above the space", 100, 199, 101, 0, true, 0, { { 0, 0 } }, 0, -EINVAL, 0 },
};

START_TEST(test_uid_mode_shadow)
{
	const __typeof__(shadow_cases[0]) *c = &shadow_cases[_i];
	struct alloc_policy p = { .mode = ALLOC_UID, .min = c->min, .max = c->max, .count = c->count,
				  .min_uid = c->min_uid, .wrap = c->wrap };
	struct alloc_error err = { 0 };
	uint32_t start = 777;
	int ret = alloc_uid_mode(c->n ? c->r : NULL, NULL, c->n, c->uid, &p, &start, &err);

	ck_assert_msg(ret == c->want, "%s: returned %d (%s)", c->what, ret, err.detail);
	if (ret == 0) {
		/* The range stays valid for the kernel, and it is shadow's formula. */
		ck_assert_msg(start == c->start, "%s: start %" PRIu32, c->what, start);
		ck_assert(idrange_valid(start, c->count));
	} else {
		ck_assert_uint_eq(start, 777);
		ck_assert_str_ne(err.detail, "");
	}
}
END_TEST

/* ---- alloc_policy_from_defs: login.defs as shadow 4.20 reads it -------------------------------- */

static const struct {
	const char *what;
	const char *defs; /* NULL: no login.defs */
	enum alloc_file which;
	int want;
	const char *bad_key;
	struct alloc_policy p;
	bool force;          /* pass mode as the override */
	enum alloc_mode mode;
} defs_cases[] = {
	{ "no login.defs: useradd's first-fit defaults", NULL, ALLOC_SUBUID, 0, NULL,
	  { ALLOC_FIRST_FIT, 100000, 600100000, 65536, 1000, false, false }, false, ALLOC_FIRST_FIT },
	{ "Debian 12's values", "UID_MIN 1000\nSUB_UID_MIN 100000\nSUB_UID_MAX 600100000\nSUB_UID_COUNT 65536\n",
	  ALLOC_SUBUID, 0, NULL, { ALLOC_FIRST_FIT, 100000, 600100000, 65536, 1000, false, false }, false, ALLOC_FIRST_FIT },
	{ "deterministic: its own defaults (65536, 4294967295)", "SUB_UID_DETERMINISTIC yes\n", ALLOC_SUBUID, 0, NULL,
	  { ALLOC_UID, 65536, 4294967295u, 65536, 1000, false, false }, false, ALLOC_FIRST_FIT },
	{ "deterministic with values", "SUB_UID_DETERMINISTIC YES\nSUB_UID_MIN 200000\nSUB_UID_MAX 300000\n"
	  "SUB_UID_COUNT 1000\nUID_MIN 500\n", ALLOC_SUBUID, 0, NULL,
	  { ALLOC_UID, 200000, 300000, 1000, 500, false, false }, false, ALLOC_FIRST_FIT },
	{ "wrap and store by uid", "SUB_UID_DETERMINISTIC yes\nUNSAFE_SUB_UID_DETERMINISTIC_WRAP Yes\n"
	  "SUB_UID_STORE_BY_UID yes\n", ALLOC_SUBUID, 0, NULL,
	  { ALLOC_UID, 65536, 4294967295u, 65536, 1000, true, true }, false, ALLOC_FIRST_FIT },
	{ "wrap alone does nothing", "UNSAFE_SUB_UID_DETERMINISTIC_WRAP yes\n", ALLOC_SUBUID, 0, NULL,
	  { ALLOC_FIRST_FIT, 100000, 600100000, 65536, 1000, false, false }, false, ALLOC_FIRST_FIT },
	{ "store by uid without determinism", "SUB_UID_STORE_BY_UID yes\n", ALLOC_SUBUID, 0, NULL,
	  { ALLOC_FIRST_FIT, 100000, 600100000, 65536, 1000, false, true }, false, ALLOC_FIRST_FIT },
	{ "only 'yes' is true, as in shadow", "SUB_UID_DETERMINISTIC 1\nSUB_UID_STORE_BY_UID true\n", ALLOC_SUBUID,
	  0, NULL, { ALLOC_FIRST_FIT, 100000, 600100000, 65536, 1000, false, false }, false, ALLOC_FIRST_FIT },
	{ "the last occurrence wins", "SUB_UID_DETERMINISTIC yes\nSUB_UID_DETERMINISTIC no\n", ALLOC_SUBUID, 0,
	  NULL, { ALLOC_FIRST_FIT, 100000, 600100000, 65536, 1000, false, false }, false, ALLOC_FIRST_FIT },
	{ "subgid reads SUB_GID_*, and UID_MIN", "SUB_UID_DETERMINISTIC yes\nSUB_GID_DETERMINISTIC yes\n"
	  "SUB_GID_MIN 7\nSUB_GID_MAX 70\nSUB_GID_COUNT 7\nUID_MIN 100\nSUB_GID_STORE_BY_UID yes\n"
	  "UNSAFE_SUB_UID_DETERMINISTIC_WRAP yes\n", ALLOC_SUBGID, 0, NULL, { ALLOC_UID, 7, 70, 7, 100, false, true }, false, ALLOC_FIRST_FIT },
	{ "subgid is independent of SUB_UID_*", "SUB_UID_DETERMINISTIC yes\nSUB_UID_STORE_BY_UID yes\n",
	  ALLOC_SUBGID, 0, NULL, { ALLOC_FIRST_FIT, 100000, 600100000, 65536, 1000, false, false }, false, ALLOC_FIRST_FIT },
	{ "a malformed number is an error", "SUB_UID_MIN 1e5\n", ALLOC_SUBUID, -EINVAL, "SUB_UID_MIN", { ALLOC_FIRST_FIT, 0, 0, 0, 0, false, false }, false, ALLOC_FIRST_FIT },
	{ "a number above 2^32-1", "SUB_UID_DETERMINISTIC yes\nSUB_UID_MAX 4294967296\n", ALLOC_SUBUID, -ERANGE,
	  "SUB_UID_MAX", { ALLOC_FIRST_FIT, 0, 0, 0, 0, false, false }, false, ALLOC_FIRST_FIT },
	{ "a bad UID_MIN", "UID_MIN -1\n", ALLOC_SUBGID, -EINVAL, "UID_MIN", { ALLOC_FIRST_FIT, 0, 0, 0, 0, false, false }, false, ALLOC_FIRST_FIT },
	{ "commented keys are absent", "#SUB_UID_DETERMINISTIC yes\n# SUB_UID_MIN x\n", ALLOC_SUBUID, 0, NULL,
	  { ALLOC_FIRST_FIT, 100000, 600100000, 65536, 1000, false, false }, false, ALLOC_FIRST_FIT },
	{ "--mode uid: uid-mode defaults, no wrap without DETERMINISTIC", "UNSAFE_SUB_UID_DETERMINISTIC_WRAP yes\n",
	  ALLOC_SUBUID, 0, NULL, { ALLOC_UID, 65536, 4294967295u, 65536, 1000, false, false }, true, ALLOC_UID },
	{ "--mode first-fit over DETERMINISTIC: first-fit defaults", "SUB_UID_DETERMINISTIC yes\n"
	  "UNSAFE_SUB_UID_DETERMINISTIC_WRAP yes\nSUB_UID_MAX 700000000\n", ALLOC_SUBUID, 0, NULL,
	  { ALLOC_FIRST_FIT, 100000, 700000000, 65536, 1000, false, false }, true, ALLOC_FIRST_FIT },
	{ "--mode uid with DETERMINISTIC keeps the wrap", "SUB_UID_DETERMINISTIC yes\n"
	  "UNSAFE_SUB_UID_DETERMINISTIC_WRAP yes\n", ALLOC_SUBUID, 0, NULL,
	  { ALLOC_UID, 65536, 4294967295u, 65536, 1000, true, false }, true, ALLOC_UID },
};

START_TEST(test_policy_from_defs)
{
	const __typeof__(defs_cases[0]) *c = &defs_cases[_i];
	struct alloc_policy p = { .min = 4242 };
	const char *key = NULL;
	int r = alloc_policy_from_defs(c->defs, c->defs ? strlen(c->defs) : 0, c->which, c->force ? &c->mode : NULL,
				       &p, &key);

	ck_assert_msg(r == c->want, "%s: returned %d", c->what, r);
	if (r < 0) {
		ck_assert_msg(key && strcmp(key, c->bad_key) == 0, "%s: key %s", c->what, key ? key : "(null)");
		ck_assert_uint_eq(p.min, 4242); /* untouched */
		return;
	}
	ck_assert_msg(p.mode == c->p.mode && p.min == c->p.min && p.max == c->p.max && p.count == c->p.count &&
			      p.min_uid == c->p.min_uid && p.wrap == c->p.wrap && p.by_uid == c->p.by_uid,
		      "%s: mode %d [%" PRIu64 ", %" PRIu64 "] count %" PRIu64 " min_uid %" PRIu64 " wrap %d by_uid %d",
		      c->what, (int)p.mode, p.min, p.max, p.count, p.min_uid, p.wrap, p.by_uid);
	/* Every policy shadow's defaults give is a valid one. */
	ck_assert_int_eq(alloc_policy_check(&p, NULL), 0);
}
END_TEST

/* ---- alloc_name_writable --------------------------------------------------------------------- */

static const struct {
	const char *name;
	bool ok;
} name_cases[] = {
	{ "alice", true },      { "a", true },          { "DOM\\user", true },  { "user@example.com", true },
	{ "a b", true },        { "-", true },          { "1000a", true },      { "a1000", true },
	{ "\xc3\xa9l\xc3\xa8ve", true },                { "x#", true },         { "", false },
	{ "a:b", false },       { ":", false },         { "alice:", false },    { "a\nb", false },
	{ "alice\n", false },   { "a\tb", false },      { "\x01", false },      { "a\x1f", false },
	{ "a\x7f", false },     { "\r", false },        { "1000", false },      { "0", false },
	{ "01000", false },     { "#alice", false },    { "#", false },
};

START_TEST(test_name_writable)
{
	ck_assert_msg(alloc_name_writable(name_cases[_i].name) == name_cases[_i].ok, "case %d", _i);
}
END_TEST

START_TEST(test_name_writable_null)
{
	ck_assert(!alloc_name_writable(NULL));
}
END_TEST

/* ---- alloc_append_line ----------------------------------------------------------------------- */

#define S(lit) lit, sizeof(lit) - 1
static const struct {
	const char *old;
	size_t len;
	const char *owner;
	uint32_t start, count;
	const char *want;
	size_t want_len;
} append_cases[] = {
	{ S(""), "u", 1, 2, S("u:1:2\n") },
	{ S("a:1:2\n"), "u", 100000, 65536, S("a:1:2\nu:100000:65536\n") },
	{ S("a:1:2"), "u", 3, 4, S("a:1:2\nu:3:4\n") },                      /* no trailing newline */
	{ S("\n"), "u", 3, 4, S("\nu:3:4\n") },
	{ S("garbage\n\n# c\nx:y:z\n:1:2\n"), "u", 5, 6, S("garbage\n\n# c\nx:y:z\n:1:2\nu:5:6\n") },
	{ S("a:1:2\r\nb:3:4\r\n"), "u", 5, 6, S("a:1:2\r\nb:3:4\r\nu:5:6\n") }, /* CRLF kept */
	{ S("a:1:2\r"), "u", 5, 6, S("a:1:2\r\nu:5:6\n") },
	{ S("a\0b:1:2\n\0"), "u", 5, 6, S("a\0b:1:2\n\0\nu:5:6\n") },        /* NUL bytes kept */
	{ S("x:1:1\n"), "1500", 4294967294u, 1, S("x:1:1\n1500:4294967294:1\n") },
	{ S("x:1:1\n"), "alice", 0, 4294967295u, S("x:1:1\nalice:0:4294967295\n") },
};
#undef S

START_TEST(test_append)
{
	char *buf = NULL;
	size_t len = 0;

	ck_assert_int_eq(alloc_append_line(append_cases[_i].old, append_cases[_i].len, append_cases[_i].owner,
					   append_cases[_i].start, append_cases[_i].count, &buf, &len), 0);
	ck_assert_uint_eq(len, append_cases[_i].want_len);
	ck_assert_mem_eq(buf, append_cases[_i].want, len);
	ck_assert_int_eq(buf[len], '\0');
	free(buf);
}
END_TEST

START_TEST(test_append_null_empty)
{
	char *buf = NULL;
	size_t len = 0;

	ck_assert_int_eq(alloc_append_line(NULL, 0, "bob", 7, 8, &buf, &len), 0);
	ck_assert_str_eq(buf, "bob:7:8\n");
	ck_assert_uint_eq(len, 8);
	free(buf);
}
END_TEST

/* ---- Test fixtures: a ROOT prefix in /tmp ---------------------------------------------------- */

struct fixture {
	char root[64];
	char etc[96];
};

static void fx_init(struct fixture *fx)
{
	strcpy(fx->root, "/tmp/test-alloc.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(fx->root));
	snprintf(fx->etc, sizeof(fx->etc), "%s/etc", fx->root);
	ck_assert_int_eq(mkdir(fx->etc, 0755), 0);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void fx_done(struct fixture *fx)
{
	(void)chmod(fx->etc, 0755);
	ck_assert_int_eq(nftw(fx->root, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static void fx_path(const struct fixture *fx, const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", fx->etc, name);
}

static void fx_write(const struct fixture *fx, const char *name, const char *content, size_t len, mode_t mode)
{
	char path[160];
	int fd;

	fx_path(fx, name, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, content, len), (ssize_t)len);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	ck_assert_int_eq(close(fd), 0);
}

static void fx_puts(const struct fixture *fx, const char *name, const char *content)
{
	fx_write(fx, name, content, strlen(content), 0644);
}

/* The whole file (NUL-terminated, *len without it), or NULL when it does not exist. */
static char *fx_read(const struct fixture *fx, const char *name, size_t *len)
{
	char path[160], *buf;
	struct stat st;
	int fd;

	fx_path(fx, name, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ck_assert_int_eq(errno, ENOENT);
		return NULL;
	}
	ck_assert_int_eq(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(read(fd, buf, (size_t)st.st_size), st.st_size);
	buf[st.st_size] = '\0';
	close(fd);
	if (len)
		*len = (size_t)st.st_size;
	return buf;
}

static void fx_assert_content(const struct fixture *fx, const char *name, const char *want)
{
	size_t len = 0;
	char *got = fx_read(fx, name, &len);

	if (!want) {
		ck_assert_msg(!got, "%s exists", name);
		return;
	}
	ck_assert_msg(got, "%s missing", name);
	ck_assert_msg(len == strlen(want) && memcmp(got, want, len) == 0, "%s:\n%s\nwanted:\n%s", name, got, want);
	free(got);
}

/* No lock file, pid file or temporary file in ROOT/etc besides the names in keep[], and the
 * passwd lock free (an OFD lock of ours would conflict with one left behind). */
static void fx_assert_clean(const struct fixture *fx, const char *const *keep)
{
	DIR *d = opendir(fx->etc);
	struct dirent *de;
	char path[160];
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int fd;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		bool ok = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || !strcmp(de->d_name, "subuid") ||
			  !strcmp(de->d_name, "subgid") || !strcmp(de->d_name, ".pwd.lock");

		for (const char *const *k = keep; k && *k; k++)
			ok = ok || !strcmp(de->d_name, *k);
		ck_assert_msg(ok, "left behind: %s", de->d_name);
	}
	closedir(d);
	fx_path(fx, ".pwd.lock", path, sizeof(path));
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		ck_assert_msg(fcntl(fd, F_OFD_SETLK, &fl) == 0, "passwd lock still held");
		close(fd);
	}
}

static struct alloc_request fx_request(const struct fixture *fx, const char *user, uint32_t uid)
{
	return (struct alloc_request){
		.user = user,
		.uid = uid,
		.uid_policy = { ALLOC_FIRST_FIT, DEF_MIN, DEF_MAX, DEF_COUNT, 1000, false, false },
		.gid_policy = { ALLOC_FIRST_FIT, DEF_MIN, DEF_MAX, DEF_COUNT, 1000, false, false },
		.root = fx->root,
		.lock_timeout_s = 2,
	};
}

static ino_t fx_ino(const struct fixture *fx, const char *name)
{
	char path[160];
	struct stat st;

	fx_path(fx, name, path, sizeof(path));
	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_ino;
}

/* A child that stays alive until killed, and one already reaped (a dead pid). */
static pid_t live_child(void)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		alarm(60); /* never outlives a failed test by long */
		for (;;)
			pause();
	}
	return pid;
}

static void kill_child(pid_t pid)
{
	int st;

	(void)kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
}

static pid_t dead_pid(void)
{
	pid_t pid = fork();
	int st;

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return pid;
}

static void fx_lockfile(const struct fixture *fx, const char *name, pid_t pid)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%ld", (long)pid);

	fx_write(fx, name, buf, (size_t)n + 1, 0600); /* "<pid>\0", as shadow writes it */
}

/* ---- The transaction: success paths ------------------------------------------------------------ */

START_TEST(test_tx_create)
{
	struct fixture fx;
	struct alloc_request req;
	struct alloc_result res;
	struct alloc_error err = { 0 };
	struct stat st;
	char path[160];

	fx_init(&fx);
	req = fx_request(&fx, "alice", 1500);
	req.create = true;
	ck_assert_int_eq(alloc_transaction(&req, &res, &err), 0);
	ck_assert(!res.had_uid && !res.had_gid);
	ck_assert_uint_eq(res.uid_range.start, DEF_MIN);
	ck_assert_uint_eq(res.uid_range.count, DEF_COUNT);
	ck_assert_uint_eq(res.gid_range.start, DEF_MIN);
	fx_assert_content(&fx, "subuid", "alice:100000:65536\n");
	fx_assert_content(&fx, "subgid", "alice:100000:65536\n");
	fx_path(&fx, "subuid", path, sizeof(path));
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0644);
	ck_assert_uint_eq(st.st_uid, geteuid());
	ck_assert_uint_eq(st.st_gid, getegid());
	fx_assert_clean(&fx, NULL);
	/* A second run changes nothing and reports the existing ranges. */
	ck_assert_int_eq(alloc_transaction(&req, &res, &err), 0);
	ck_assert(res.had_uid && res.had_gid);
	ck_assert_uint_eq(res.uid_range.start, DEF_MIN);
	fx_assert_content(&fx, "subuid", "alice:100000:65536\n");
	fx_assert_clean(&fx, NULL);
	fx_done(&fx);
}
END_TEST

START_TEST(test_tx_append)
{
	/* Other owners' ranges, unsorted and overlapping; malformed, CRLF, comment, blank lines and a
	 * missing final newline: all kept byte for byte, the new range avoids every valid entry. */
	static const char old_uid[] = "bob:100000:65536\n# comment\n\ngarbage line\ncarol:300000:65536\r\n"
				      "dave:150000:100000\nerin:165536:10";
	static const char old_gid[] = "bob:100000:65536\n";
	struct fixture fx;
	struct alloc_request req;
	struct alloc_result res;
	struct alloc_error err = { 0 };

	fx_init(&fx);
	fx_puts(&fx, "subuid", old_uid);
	fx_puts(&fx, "subgid", old_gid);
	req = fx_request(&fx, "alice", 1500);
	ck_assert_int_eq(alloc_transaction(&req, &res, &err), 0);
	/* [100000,165536) bob, [150000,250000) dave; carol's CRLF line is malformed: free. */
	ck_assert_uint_eq(res.uid_range.start, 250000);
	ck_assert_uint_eq(res.gid_range.start, 165536);
	fx_assert_content(&fx, "subuid",
			  "bob:100000:65536\n# comment\n\ngarbage line\ncarol:300000:65536\r\n"
			  "dave:150000:100000\nerin:165536:10\nalice:250000:65536\n");
	fx_assert_content(&fx, "subgid", "bob:100000:65536\nalice:165536:65536\n");
	fx_assert_clean(&fx, NULL);
	fx_done(&fx);
}
END_TEST

/* Lines our parser refuses but shadow's subordinate_parse() (strtoul base 0) reads as entries:
 * their ids are bob's for useradd and newuidmap, so alice must never get them (issue 9). */
static const struct lenient_case {
	const char *line;
	int64_t start; /* alice's start in both files, -1: refused, nothing left */
} lenient_cases[] = {
	{ "bob: 100000:65536\n", 165536 },
	{ "bob:\t100000:65536\n", 165536 },
	{ "bob:+100000:65536\n", 165536 },
	{ "bob:0x186a0:65536\n", 165536 },
	{ "bob:0X186A0:65536\n", 165536 },
	{ "bob:0303240:65536\n", 165536 },
	{ "bob:100000:0x10000\n", 165536 },
	{ "bob:100000: 65536\n", 165536 },
	{ "bob:100000:65536:extra field\n", 165536 },
	{ "#bob:100000:65536\n", 165536 },
	{ "bob:100000:65536\nbob: 165536:65536\n", 231072 },
	{ "bob:100000:-1\n", -1 },               /* count ULONG_MAX: everything above is bob's */
	/* not entries to shadow either: free */
	{ "bob:100000:65536\r\n", 100000 },
	{ "bob:100000 :65536\n", 100000 },
	{ "bob:-1:65536\n", 100000 },            /* starts at ULONG_MAX: maps nothing */
	{ "bob::100000:65536\n", 100000 },
	{ ":100000:65536\n", 100000 },
	{ "bob:100000:0\n", 100000 },
	{ "bob:99999999999999999999:65536\n", 100000 }, /* ERANGE */
};

START_TEST(test_tx_lenient_lines_taken)
{
	const struct lenient_case *c = &lenient_cases[_i];
	struct fixture fx;
	struct alloc_request req;
	struct alloc_result res;
	struct alloc_error err = { 0 };
	char want[256];
	int r;

	fx_init(&fx);
	fx_puts(&fx, "subuid", c->line);
	fx_puts(&fx, "subgid", c->line);
	req = fx_request(&fx, "alice", 1500);
	r = alloc_transaction(&req, &res, &err);
	if (c->start < 0) {
		ck_assert_int_eq(r, -ENOSPC);
		ck_assert_int_eq(err.reason, ALLOC_E_EXHAUSTED);
		fx_assert_content(&fx, "subuid", c->line);
	} else {
		ck_assert_msg(r == 0, "row %d: %d (%s: %s)", _i, r, alloc_reason_str(err.reason), err.detail);
		ck_assert_uint_eq(res.uid_range.start, (uint32_t)c->start);
		ck_assert_uint_eq(res.gid_range.start, (uint32_t)c->start);
		snprintf(want, sizeof(want), "%salice:%u:65536\n", c->line, (unsigned)c->start);
		fx_assert_content(&fx, "subuid", want);
		fx_assert_content(&fx, "subgid", want);
	}
	fx_assert_clean(&fx, NULL);
	fx_done(&fx);
}
END_TEST

START_TEST(test_tx_nul_bytes_kept)
{
	static const char old[] = "x\0y:1:2\nbob:100000:10\n\0\n";
	static const char want[] = "x\0y:1:2\nbob:100000:10\n\0\nalice:100010:65536\n";
	struct fixture fx;
	struct alloc_request req;
	struct alloc_result res;
	struct alloc_error err = { 0 };
	size_t len;
	char *got;

	fx_init(&fx);
	fx_write(&fx, "subuid", old, sizeof(old) - 1, 0644);
	fx_puts(&fx, "subgid", "");
	req = fx_request(&fx, "alice", 1500);
	ck_assert_int_eq(alloc_transaction(&req, &res, &err), 0);
	got = fx_read(&fx, "subuid", &len);
	ck_assert_uint_eq(len, sizeof(want) - 1);
	ck_assert_mem_eq(got, want, len);
	free(got);
	fx_assert_content(&fx, "subgid", "alice:100000:65536\n");
	fx_assert_clean(&fx, NULL);
	fx_done(&fx);
}
END_TEST

START_TEST(test_tx_keeps_owner_mode)
{
	struct fixture fx;
	struct alloc_request req;
	struct alloc_result res;
	struct alloc_error err = { 0 };
	struct stat before, after;
	char path[160];
	gid_t gid = getegid();

	fx_init(&fx);
	fx_write(&fx, "subuid", "bob:100000:65536\n", 17, 0600);
	fx_write(&fx, "subgid", "bob:100000:65536\n", 17, 0640);
	fx_path(&fx, "subgid", path, sizeof(path));
	if (geteuid() == 0) {
		gid = 42; /* root can give the old file any group: it must be kept */
		ck_assert_int_eq(chown(path, 0, gid), 0);
	}
	fx_path(&fx, "subuid", path, sizeof(path));
	ck_assert_int_eq(stat(path, &before), 0);
	req = fx_request(&fx, "alice", 1500);
	ck_assert_int_eq(alloc_transaction(&req, &res, &err), 0);
	ck_assert_int_eq(stat(path, &after), 0);
	ck_assert_uint_ne(after.st_ino, before.st_ino); /* replaced by rename(), never rewritten in place */
	ck_assert_uint_eq(after.st_mode & 07777, 0600);
	ck_assert_uint_eq(after.st_uid, before.st_uid);
	ck_assert_uint_eq(after.st_gid, before.st_gid);
	fx_path(&fx, "subgid", path, sizeof(path));
	ck_assert_int_eq(stat(path, &after), 0);
	ck_assert_uint_eq(after.st_mode & 07777, 0640);
	ck_assert_uint_eq(after.st_gid, gid);
	fx_assert_clean(&fx, NULL);
	fx_done(&fx);
}
END_TEST

/* Existing ranges by name or by uid: that file is not touched (same inode, same bytes). */
static const struct {
	const char *subuid, *subgid;
	bool had_uid, had_gid;
	uint32_t uid_start, gid_start;
	const char *want_uid, *want_gid;
} had_cases[] = {
	{ "alice:300000:65536\n", "alice:400000:65536\n", true, true, 300000, 400000, NULL, NULL },
	{ "1500:300000:65536\n", "1500:400000:10\n", true, true, 300000, 400000, NULL, NULL },
	{ "bob:100000:65536\n1500:300000:65536\n", "", true, false, 300000, 100000, NULL, "alice:100000:65536\n" },
	{ "", "x:1:1\nalice:7:1\n", false, true, 100000, 7, "alice:100000:65536\n", NULL },
	/* "01500" is not uid 1500 under the strict grammar, and "alicex" is not alice. */
	{ "01500:100000:65536\nalicex:165536:65536\n", "", false, false, 231072, 100000,
	  "01500:100000:65536\nalicex:165536:65536\nalice:231072:65536\n", "alice:100000:65536\n" },
};

START_TEST(test_tx_had)
{
	struct fixture fx;
	struct alloc_request req;
	struct alloc_result res;
	struct alloc_error err = { 0 };
	ino_t ino_uid, ino_gid;

	fx_init(&fx);
	fx_puts(&fx, "subuid", had_cases[_i].subuid);
	fx_puts(&fx, "subgid", had_cases[_i].subgid);
	ino_uid = fx_ino(&fx, "subuid");
	ino_gid = fx_ino(&fx, "subgid");
	req = fx_request(&fx, "alice", 1500);
	ck_assert_int_eq(alloc_transaction(&req, &res, &err), 0);
	ck_assert_int_eq(res.had_uid, had_cases[_i].had_uid);
	ck_assert_int_eq(res.had_gid, had_cases[_i].had_gid);
	ck_assert_uint_eq(res.uid_range.start, had_cases[_i].uid_start);
	ck_assert_uint_eq(res.gid_range.start, had_cases[_i].gid_start);
	fx_assert_content(&fx, "subuid", had_cases[_i].want_uid ? had_cases[_i].want_uid : had_cases[_i].subuid);
	fx_assert_content(&fx, "subgid", had_cases[_i].want_gid ? had_cases[_i].want_gid : had_cases[_i].subgid);
	if (had_cases[_i].had_uid)
		ck_assert_uint_eq(fx_ino(&fx, "subuid"), ino_uid);
	if (had_cases[_i].had_gid)
		ck_assert_uint_eq(fx_ino(&fx, "subgid"), ino_gid);
	fx_assert_clean(&fx, NULL);
	fx_done(&fx);
}
END_TEST

START_TEST(test_tx_by_uid_and_uid_mode)
{
	struct fixture fx;
	struct alloc_request req;
	struct alloc_result res;
	struct alloc_error err = { 0 };

	fx_init(&fx);
	fx_puts(&fx, "subuid", "");
	fx_puts(&fx, "subgid", "");
	/* A name that cannot be written is refused by name and accepted by uid. */
	req = fx_request(&fx, "dom:user", 1502);
	req.uid_policy.mode = ALLOC_UID;
	req.gid_policy = (struct alloc_policy){ ALLOC_UID, 200000, 300000, 1000, 1500, false, false };
	ck_assert_int_eq(alloc_transaction(&req, &res, &err), -EINVAL);
	ck_assert_int_eq(err.reason, ALLOC_E_NAME);
	req.by_uid = true;
	ck_assert_int_eq(alloc_transaction(&req, &res, &err), 0);
	ck_assert_uint_eq(res.uid_range.start, DEF_MIN + 502 * DEF_COUNT);
	ck_assert_uint_eq(res.gid_range.start, 202000);
	ck_assert_uint_eq(res.gid_range.count, 1000);
	fx_assert_content(&fx, "subuid", "1502:32999072:65536\n");
	fx_assert_content(&fx, "subgid", "1502:202000:1000\n");
	/* The uid entry is found again, whatever the name. */
	req.by_uid = false;
	req.user = "other";
	ck_assert_int_eq(alloc_transaction(&req, &res, &err), 0);
	ck_assert(res.had_uid && res.had_gid);
	fx_assert_clean(&fx, NULL);
	fx_done(&fx);
}
END_TEST

/* SUB_UID_STORE_BY_UID and SUB_GID_STORE_BY_UID each decide their own file; a name that cannot be
 * written is accepted only when both files store by uid. */
START_TEST(test_tx_store_by_uid_per_file)
{
	struct fixture fx;
	struct alloc_request req;
	struct alloc_result res;
	struct alloc_error err = { 0 };

	fx_init(&fx);
	fx_puts(&fx, "subuid", "");
	fx_puts(&fx, "subgid", "");
	req = fx_request(&fx, "dom:user", 1502);
	req.uid_policy.by_uid = true;
	ck_assert_int_eq(alloc_transaction(&req, &res, &err), -EINVAL);
	ck_assert_int_eq(err.reason, ALLOC_E_NAME);
	req.gid_policy.by_uid = true;
	ck_assert_int_eq(alloc_transaction(&req, &res, &err), 0);
	fx_assert_content(&fx, "subuid", "1502:100000:65536\n");
	fx_assert_content(&fx, "subgid", "1502:100000:65536\n");
	req = fx_request(&fx, "bob", 1503);
	req.gid_policy.by_uid = true;
	ck_assert_int_eq(alloc_transaction(&req, &res, &err), 0);
	fx_assert_content(&fx, "subuid", "1502:100000:65536\nbob:165536:65536\n");
	fx_assert_content(&fx, "subgid", "1502:100000:65536\n1503:165536:65536\n");
	/* Deterministic with wrap: the ring's one slot is shared, as the administrator asked. */
	req = fx_request(&fx, "carol", 1504);
	req.uid_policy = (struct alloc_policy){ .mode = ALLOC_UID, .min = 100000, .max = 165535, .count = 65536,
						.min_uid = 1000, .wrap = true };
	ck_assert_int_eq(alloc_transaction(&req, &res, &err), 0);
	ck_assert_uint_eq(res.uid_range.start, 100000);
	fx_assert_content(&fx, "subuid", "1502:100000:65536\nbob:165536:65536\ncarol:100000:65536\n");
	fx_assert_clean(&fx, NULL);
	fx_done(&fx);
}
END_TEST

/* The files are read only under the locks: a child's transaction waits on the passwd lock we
 * hold while we write alice's range (as useradd would); it must then find it and write nothing. */
START_TEST(test_tx_reread_under_lock)
{
	struct fixture fx;
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char path[160];
	pid_t pid;
	int fd, st;

	fx_init(&fx);
	fx_puts(&fx, "subuid", "bob:100000:65536\n");
	fx_puts(&fx, "subgid", "bob:100000:65536\n");
	fx_path(&fx, ".pwd.lock", path, sizeof(path));
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fcntl(fd, F_SETLK, &fl), 0); /* a POSIX lock, as glibc's lckpwdf() takes */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct alloc_request req = fx_request(&fx, "alice", 1500);
		struct alloc_result res;
		struct alloc_error err;
		int r;

		req.lock_timeout_s = 10;
		r = alloc_transaction(&req, &res, &err);
		_exit(r == 0 && res.had_uid && res.had_gid && res.uid_range.start == 400000 ? 0 : 1);
	}
	usleep(200000); /* the child is now polling */
	fx_puts(&fx, "subuid", "bob:100000:65536\nalice:400000:65536\n");
	fx_puts(&fx, "subgid", "bob:100000:65536\nalice:400000:65536\n");
	close(fd); /* releases the lock */
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child saw the old content (status %d)", st);
	fx_assert_content(&fx, "subuid", "bob:100000:65536\nalice:400000:65536\n");
	fx_assert_clean(&fx, NULL);
	fx_done(&fx);
}
END_TEST

/* lckpwdf()'s lock held by another process for a while: we wait, then proceed. */
START_TEST(test_tx_waits_for_passwd_lock)
{
	struct fixture fx;
	struct alloc_request req;
	struct alloc_result res;
	struct alloc_error err = { 0 };
	char path[160], c;
	int pfd[2], st;
	pid_t holder, releaser;

	/* No timing assertion (they fail falsely on a loaded machine): while a POSIX lock on
	 * .pwd.lock is held (as glibc's lckpwdf() holds it), a zero timeout must give up with
	 * ALLOC_E_LOCK and write nothing; with the holder killed later by another process, the
	 * transaction must succeed, and only after the kill (its exit released the lock). */
	fx_init(&fx);
	fx_puts(&fx, "subuid", "");
	fx_puts(&fx, "subgid", "");
	fx_path(&fx, ".pwd.lock", path, sizeof(path));
	ck_assert_int_eq(pipe(pfd), 0);
	holder = fork();
	ck_assert_int_ge(holder, 0);
	if (holder == 0) {
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
		int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

		if (fd < 0 || fcntl(fd, F_SETLKW, &fl) < 0)
			_exit(1);
		(void)!write(pfd[1], "x", 1);
		for (;;)
			pause(); /* until killed: the lock goes with the process */
	}
	close(pfd[1]);
	ck_assert_int_eq(read(pfd[0], &c, 1), 1);
	close(pfd[0]);

	req = fx_request(&fx, "alice", 1500);
	req.lock_timeout_s = 0;
	ck_assert_int_eq(alloc_transaction(&req, &res, &err), -ETIMEDOUT);
	ck_assert_int_eq(err.reason, ALLOC_E_LOCK);
	fx_assert_content(&fx, "subuid", "");

	/* The releaser writes a marker, then kills the holder: the lock can be had only after the
	 * kill, so the marker must be there once the transaction returns. */
	ck_assert_int_eq(pipe2(pfd, O_NONBLOCK), 0);
	releaser = fork();
	ck_assert_int_ge(releaser, 0);
	if (releaser == 0) {
		usleep(200000);
		(void)!write(pfd[1], "k", 1);
		(void)kill(holder, SIGKILL);
		_exit(0);
	}
	close(pfd[1]);
	req.lock_timeout_s = 30;
	ck_assert_int_eq(alloc_transaction(&req, &res, &err), 0);
	ck_assert_msg(read(pfd[0], &c, 1) == 1, "the transaction did not wait for the passwd lock");
	close(pfd[0]);
	ck_assert_int_eq(waitpid(holder, &st, 0), holder);
	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	ck_assert_int_eq(waitpid(releaser, &st, 0), releaser);
	fx_assert_content(&fx, "subuid", "alice:100000:65536\n");
	fx_assert_clean(&fx, NULL);
	fx_done(&fx);
}
END_TEST

START_TEST(test_tx_stale_lock)
{
	struct fixture fx;
	struct alloc_request req;
	struct alloc_result res;
	struct alloc_error err = { 0 };

	fx_init(&fx);
	fx_puts(&fx, "subuid", "");
	fx_puts(&fx, "subgid", "");
	/* Left behind by processes that died (a reaped child's pid is free). */
	fx_lockfile(&fx, "subuid.lock", dead_pid());
	fx_lockfile(&fx, "subgid.lock", dead_pid());
	req = fx_request(&fx, "alice", 1500);
	ck_assert_int_eq(alloc_transaction(&req, &res, &err), 0);
	fx_assert_content(&fx, "subuid", "alice:100000:65536\n");
	fx_assert_content(&fx, "subgid", "alice:100000:65536\n");
	fx_assert_clean(&fx, NULL);
	fx_done(&fx);
}
END_TEST

/* A live holder of either commonio lock: -EBUSY naming it; its lock stays, ours are released. */
START_TEST(test_tx_busy_lock)
{
	static const char *const names[] = { "subuid.lock", "subgid.lock" };
	const char *keep[] = { names[_i], NULL };
	struct fixture fx;
	struct alloc_request req;
	struct alloc_result res;
	struct alloc_error err = { 0 };
	char want[64], buf[32];
	pid_t pid = live_child();
	size_t len;
	char *got;

	fx_init(&fx);
	fx_puts(&fx, "subuid", "");
	fx_puts(&fx, "subgid", "");
	fx_lockfile(&fx, names[_i], pid);
	req = fx_request(&fx, "alice", 1500);
	ck_assert_int_eq(alloc_transaction(&req, &res, &err), -EBUSY);
	ck_assert_int_eq(err.reason, ALLOC_E_LOCK);
	ck_assert_str_eq(err.file, _i == 0 ? "/etc/subuid" : "/etc/subgid");
	snprintf(want, sizeof(want), "held by pid %ld", (long)pid);
	ck_assert_msg(strstr(err.detail, want), "detail: %s", err.detail);
	fx_assert_content(&fx, "subuid", "");
	fx_assert_content(&fx, "subgid", "");
	fx_assert_clean(&fx, keep);
	got = fx_read(&fx, names[_i], &len); /* the holder's lock is untouched */
	snprintf(buf, sizeof(buf), "%ld", (long)pid);
	ck_assert_uint_eq(len, strlen(buf) + 1);
	ck_assert_str_eq(got, buf);
	free(got);
	kill_child(pid);
	fx_done(&fx);
}
END_TEST

/* ---- The transaction: every failure leaves no lock and no change ------------------------------ */

enum setup {
	SETUP_NONE,
	SETUP_HOLD_PWD,      /* we hold an OFD lock on .pwd.lock */
	SETUP_LOCK_DIR,      /* subuid.lock is a directory: its pid cannot be read */
	SETUP_LOCK_GARBAGE,  /* subgid.lock holds no pid */
	SETUP_FSIZE,         /* RLIMIT_FSIZE too small for the new content: write() fails */
};

static const struct {
	const char *what;
	const char *subuid, *subgid; /* NULL: the file does not exist */
	mode_t uid_mode;
	enum setup setup;
	const char *user;
	bool create;
	struct alloc_policy uid_policy;
	int want;
	enum alloc_reason reason;
	const char *file;
} fail_cases[] = {
	{ "exhausted", "a:100:900\n", "", 0644, SETUP_NONE, "alice", false,
	  { ALLOC_FIRST_FIT, 100, 999, 1, 0, false, false }, -ENOSPC, ALLOC_E_EXHAUSTED, "/etc/subuid" },
	{ "uid mode: collision", "bob:1000:10\n", "", 0644, SETUP_NONE, "alice", false,
	  { ALLOC_UID, 500, 10000, 100, 1495, false, false }, -EEXIST, ALLOC_E_COLLISION, "/etc/subuid" },
	{ "uid mode: out of range", "", "", 0644, SETUP_NONE, "alice", false,
	  { ALLOC_UID, 500, 10000, 100, 1501, false, false }, -ERANGE, ALLOC_E_UID_RANGE, "/etc/subuid" },
	{ "invalid policy", "", "", 0644, SETUP_NONE, "alice", false,
	  { ALLOC_FIRST_FIT, 500, 400, 1, 0, false, false }, -EINVAL, ALLOC_E_POLICY, "/etc/subuid" },
	{ "world-writable subuid", "", "", 0666, SETUP_NONE, "alice", false,
	  { ALLOC_FIRST_FIT, DEF_MIN, DEF_MAX, DEF_COUNT, 0, false, false }, -EPERM, ALLOC_E_UNTRUSTED, "/etc/subuid" },
	{ "group-writable subuid", "", "", 0620, SETUP_NONE, "alice", false,
	  { ALLOC_FIRST_FIT, DEF_MIN, DEF_MAX, DEF_COUNT, 0, false, false }, -EPERM, ALLOC_E_UNTRUSTED, "/etc/subuid" },
	{ "subgid missing, no create", "", NULL, 0644, SETUP_NONE, "alice", false,
	  { ALLOC_FIRST_FIT, DEF_MIN, DEF_MAX, DEF_COUNT, 0, false, false }, -ENOENT, ALLOC_E_NOFILE, "/etc/subgid" },
	{ "both missing, no create", NULL, NULL, 0644, SETUP_NONE, "alice", false,
	  { ALLOC_FIRST_FIT, DEF_MIN, DEF_MAX, DEF_COUNT, 0, false, false }, -ENOENT, ALLOC_E_NOFILE, "/etc/subuid" },
	{ "name with ':'", "", "", 0644, SETUP_NONE, "a:b", true,
	  { ALLOC_FIRST_FIT, DEF_MIN, DEF_MAX, DEF_COUNT, 0, false, false }, -EINVAL, ALLOC_E_NAME, NULL },
	{ "name with a newline", "", "", 0644, SETUP_NONE, "a\nb", true,
	  { ALLOC_FIRST_FIT, DEF_MIN, DEF_MAX, DEF_COUNT, 0, false, false }, -EINVAL, ALLOC_E_NAME, NULL },
	{ "all-digit name", "", "", 0644, SETUP_NONE, "1234", true,
	  { ALLOC_FIRST_FIT, DEF_MIN, DEF_MAX, DEF_COUNT, 0, false, false }, -EINVAL, ALLOC_E_NAME, NULL },
	{ "passwd lock held", "", "", 0644, SETUP_HOLD_PWD, "alice", false,
	  { ALLOC_FIRST_FIT, DEF_MIN, DEF_MAX, DEF_COUNT, 0, false, false }, -ETIMEDOUT, ALLOC_E_LOCK, "/etc/.pwd.lock" },
	{ "subuid.lock unreadable", "", "", 0644, SETUP_LOCK_DIR, "alice", false,
	  { ALLOC_FIRST_FIT, DEF_MIN, DEF_MAX, DEF_COUNT, 0, false, false }, -EISDIR, ALLOC_E_LOCK, "/etc/subuid" },
	{ "subgid.lock without a pid", "", "", 0644, SETUP_LOCK_GARBAGE, "alice", false,
	  { ALLOC_FIRST_FIT, DEF_MIN, DEF_MAX, DEF_COUNT, 0, false, false }, -EINVAL, ALLOC_E_LOCK, "/etc/subgid" },
	{ "write fails (RLIMIT_FSIZE)", "bob:100000:65536\n", "", 0644, SETUP_FSIZE, "alice", false,
	  { ALLOC_FIRST_FIT, DEF_MIN, DEF_MAX, DEF_COUNT, 0, false, false }, -EFBIG, ALLOC_E_IO, "/etc/subuid" },
};

START_TEST(test_tx_fail)
{
	const __typeof__(fail_cases[0]) *c = &fail_cases[_i];
	const char *keep[2] = { NULL, NULL };
	struct fixture fx;
	struct alloc_request req;
	struct alloc_result res = { .had_uid = true, .uid_range = { 7, 7 } };
	struct alloc_error err = { 0 };
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	struct rlimit old_lim, lim;
	void (*old_sig)(int) = SIG_DFL;
	char path[160];
	int hold = -1, r;

	fx_init(&fx);
	if (c->subuid)
		fx_write(&fx, "subuid", c->subuid, strlen(c->subuid), c->uid_mode);
	if (c->subgid)
		fx_puts(&fx, "subgid", c->subgid);
	switch (c->setup) {
	case SETUP_NONE:
		break;
	case SETUP_HOLD_PWD:
		fx_path(&fx, ".pwd.lock", path, sizeof(path));
		hold = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		ck_assert_int_ge(hold, 0);
		ck_assert_int_eq(fcntl(hold, F_OFD_SETLK, &fl), 0);
		break;
	case SETUP_LOCK_DIR:
		fx_path(&fx, "subuid.lock", path, sizeof(path));
		ck_assert_int_eq(mkdir(path, 0700), 0);
		keep[0] = "subuid.lock";
		break;
	case SETUP_LOCK_GARBAGE:
		fx_puts(&fx, "subgid.lock", "not a pid\n");
		keep[0] = "subgid.lock";
		break;
	case SETUP_FSIZE:
		/* Enough for the pid files, not for the new content; root is bound by it too. */
		ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old_lim), 0);
		lim = old_lim;
		lim.rlim_cur = 20;
		old_sig = signal(SIGXFSZ, SIG_IGN);
		ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
		break;
	}
	req = fx_request(&fx, c->user, 1500);
	req.create = c->create;
	req.uid_policy = c->uid_policy;
	req.lock_timeout_s = 1;
	r = alloc_transaction(&req, &res, &err);
	if (c->setup == SETUP_FSIZE) {
		ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old_lim), 0);
		signal(SIGXFSZ, old_sig);
	}
	ck_assert_msg(r == c->want, "%s: returned %d (%s: %s)", c->what, r, alloc_reason_str(err.reason), err.detail);
	ck_assert_msg(err.reason == c->reason, "%s: reason %s", c->what, alloc_reason_str(err.reason));
	if (c->file)
		ck_assert_str_eq(err.file, c->file);
	ck_assert(res.had_uid && res.uid_range.start == 7); /* untouched */
	/* Nothing written, nothing created, nothing left. */
	fx_assert_content(&fx, "subuid", c->subuid);
	fx_assert_content(&fx, "subgid", c->subgid);
	if (hold >= 0)
		close(hold);
	fx_assert_clean(&fx, keep);
	fx_done(&fx);
}
END_TEST

START_TEST(test_tx_untrusted_kinds)
{
	/* 0: symlink, 1: directory, 2: FIFO; each as subuid, with a good subgid. */
	struct fixture fx;
	struct alloc_request req;
	struct alloc_result res;
	struct alloc_error err = { 0 };
	char path[160];
	int r;

	fx_init(&fx);
	fx_puts(&fx, "subgid", "");
	fx_puts(&fx, "real", "");
	fx_path(&fx, "subuid", path, sizeof(path));
	if (_i == 0)
		ck_assert_int_eq(symlink("real", path), 0);
	else if (_i == 1)
		ck_assert_int_eq(mkdir(path, 0755), 0);
	else
		ck_assert_int_eq(mkfifo(path, 0644), 0);
	req = fx_request(&fx, "alice", 1500);
	req.create = true;
	r = alloc_transaction(&req, &res, &err);
	ck_assert_int_eq(r, _i == 0 ? -ELOOP : -EPERM);
	ck_assert_int_eq(err.reason, ALLOC_E_UNTRUSTED);
	ck_assert_str_eq(err.file, "/etc/subuid");
	fx_assert_content(&fx, "subgid", "");
	fx_assert_content(&fx, "real", "");
	{
		const char *keep[] = { "real", NULL };

		fx_assert_clean(&fx, keep);
	}
	fx_done(&fx);
}
END_TEST

/* A file owned by somebody else than root (and, under a prefix, than us): only root can make one. */
START_TEST(test_tx_foreign_owner)
{
	struct fixture fx;
	struct alloc_request req;
	struct alloc_result res;
	struct alloc_error err = { 0 };
	char path[160];

	if (geteuid() != 0)
		return; /* an unprivileged user cannot create a file owned by another uid */
	fx_init(&fx);
	fx_puts(&fx, "subuid", "");
	fx_puts(&fx, "subgid", "");
	fx_path(&fx, "subgid", path, sizeof(path));
	ck_assert_int_eq(chown(path, 12345, 0), 0);
	req = fx_request(&fx, "alice", 1500);
	ck_assert_int_eq(alloc_transaction(&req, &res, &err), -EPERM);
	ck_assert_int_eq(err.reason, ALLOC_E_UNTRUSTED);
	ck_assert_str_eq(err.file, "/etc/subgid");
	ck_assert_msg(strstr(err.detail, "12345"), "%s", err.detail);
	fx_assert_content(&fx, "subuid", "");
	fx_assert_clean(&fx, NULL);
	fx_done(&fx);
}
END_TEST

/* A read-only ROOT/etc: nothing can be created there. Unprivileged, mode 0555 does it; root ignores
 * modes, so root makes a read-only bind mount in a private mount namespace of a child. */
static int ro_etc_transaction(struct fixture *fx, struct alloc_error *err)
{
	struct alloc_request req = fx_request(fx, "alice", 1500);
	struct alloc_result res;

	return alloc_transaction(&req, &res, err);
}

START_TEST(test_tx_readonly_etc)
{
	struct fixture fx;
	struct alloc_error err = { 0 };
	int r, st;

	fx_init(&fx);
	fx_puts(&fx, "subuid", "");
	fx_puts(&fx, "subgid", "");
	fx_write(&fx, ".pwd.lock", "", 0, 0600);
	if (geteuid() != 0) {
		ck_assert_int_eq(chmod(fx.etc, 0555), 0);
		r = ro_etc_transaction(&fx, &err);
		ck_assert_int_lt(r, 0);
		ck_assert_int_eq(err.reason, ALLOC_E_LOCK);
		/* .pwd.lock opened for writing fine; the pid file could not be created. */
		ck_assert_str_eq(err.file, "/etc/subuid");
		ck_assert_int_eq(chmod(fx.etc, 0755), 0);
	} else {
		pid_t pid = fork();

		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0 ||
			    mount(fx.etc, fx.etc, "none", MS_BIND, NULL) < 0 ||
			    mount("none", fx.etc, "none", MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
				_exit(100);
			r = ro_etc_transaction(&fx, &err);
			_exit(r == -EROFS && err.reason == ALLOC_E_LOCK ? 0 : 101 + (-r & 0x3f));
		}
		ck_assert_int_eq(waitpid(pid, &st, 0), pid);
		/* 100: no private mount namespace (euid 0 without the capability, e.g. under fakeroot):
		 * the case cannot run there, said so rather than faked; 101 + errno: not EROFS. */
		if (WIFEXITED(st) && WEXITSTATUS(st) == 100)
			printf("NOTE: no private mount namespace here (fakeroot?): the read-only /etc case is not run\n");
		else
			ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "read-only /etc: exit status %d",
				      WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	}
	fx_assert_content(&fx, "subuid", "");
	fx_assert_content(&fx, "subgid", "");
	fx_assert_clean(&fx, NULL);
	fx_done(&fx);
}
END_TEST

/* ---- alloc_lock_file / alloc_unlock_file ------------------------------------------------------ */

START_TEST(test_lock_protocol)
{
	struct fixture fx;
	struct alloc_error err = { 0 };
	char path[160], want[32], lock[160], pidfile[192];
	struct stat st;
	size_t len;
	char *got;
	int n;

	fx_init(&fx);
	fx_path(&fx, "subuid", path, sizeof(path));
	ck_assert_int_eq(alloc_lock_file(path, 0, &err), 0);
	/* The lock holds "<pid>\0", mode 0600, one link (the pid file is gone). */
	got = fx_read(&fx, "subuid.lock", &len);
	n = snprintf(want, sizeof(want), "%ld", (long)getpid());
	ck_assert_uint_eq(len, (size_t)n + 1);
	ck_assert_mem_eq(got, want, (size_t)n + 1);
	free(got);
	fx_path(&fx, "subuid.lock", lock, sizeof(lock));
	ck_assert_int_eq(lstat(lock, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_uint_eq(st.st_nlink, 1);
	snprintf(pidfile, sizeof(pidfile), "%s.%ld", path, (long)getpid());
	ck_assert_int_eq(access(pidfile, F_OK), -1);
	/* Held by a live pid (ours): busy, and named. */
	ck_assert_int_eq(alloc_lock_file(path, 0, &err), -EBUSY);
	ck_assert_int_eq(err.reason, ALLOC_E_LOCK);
	ck_assert_ptr_nonnull(strstr(err.detail, want));
	ck_assert_int_eq(access(pidfile, F_OK), -1);
	ck_assert_int_eq(alloc_unlock_file(path), 0);
	ck_assert_int_eq(alloc_unlock_file(path), -ENOENT);
	fx_assert_clean(&fx, NULL);
	fx_done(&fx);
}
END_TEST

START_TEST(test_lock_stale_and_foreign)
{
	struct fixture fx;
	struct alloc_error err = { 0 };
	char path[160];
	pid_t pid;
	const char *keep[] = { "subuid.lock", NULL };

	fx_init(&fx);
	fx_path(&fx, "subuid", path, sizeof(path));
	/* Stale: taken over. */
	fx_lockfile(&fx, "subuid.lock", dead_pid());
	ck_assert_int_eq(alloc_lock_file(path, 0, &err), 0);
	ck_assert_int_eq(alloc_unlock_file(path), 0);
	/* Not ours: never removed by unlock. */
	pid = live_child();
	fx_lockfile(&fx, "subuid.lock", pid);
	ck_assert_int_eq(alloc_lock_file(path, 0, &err), -EBUSY);
	ck_assert_int_eq(alloc_unlock_file(path), -ESTALE);
	fx_assert_clean(&fx, keep);
	kill_child(pid);
	/* Its holder now dead: stale. */
	ck_assert_int_eq(alloc_lock_file(path, 0, &err), 0);
	ck_assert_int_eq(alloc_unlock_file(path), 0);
	fx_assert_clean(&fx, NULL);
	fx_done(&fx);
}
END_TEST

/* Lock files whose content is no pid: refused (as shadow refuses them), never removed. */
static const struct {
	const char *content;
	size_t len;
} badpid_cases[] = {
	{ "", 0 }, { "abc", 3 }, { "0", 2 }, { "-1", 3 }, { "12 ", 4 }, { "012", 4 }, { "99999999999", 12 },
	{ "12\n", 3 },
};

START_TEST(test_lock_bad_pid)
{
	struct fixture fx;
	struct alloc_error err = { 0 };
	char path[160];
	const char *keep[] = { "subuid.lock", NULL };

	fx_init(&fx);
	fx_path(&fx, "subuid", path, sizeof(path));
	fx_write(&fx, "subuid.lock", badpid_cases[_i].content, badpid_cases[_i].len, 0600);
	ck_assert_int_eq(alloc_lock_file(path, 0, &err), -EINVAL);
	ck_assert_int_eq(err.reason, ALLOC_E_LOCK);
	ck_assert_int_eq(alloc_unlock_file(path), -EINVAL);
	fx_assert_clean(&fx, keep);
	fx_done(&fx);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("alloc");
	TCase *tp = tcase_create("policy"), *tf = tcase_create("first_fit"), *tu = tcase_create("uid_mode"),
	      *tn = tcase_create("name"), *ta = tcase_create("append"), *tl = tcase_create("lock"),
	      *tt = tcase_create("transaction");

	tcase_add_loop_test(tp, test_policy, 0, (int)ELEMENTSOF(policy_cases));
	tcase_add_test(tp, test_reason_str);
	tcase_add_loop_test(tf, test_first_fit, 0, (int)ELEMENTSOF(ff_cases));
	tcase_add_test(tf, test_first_fit_oracle);
	tcase_add_loop_test(tu, test_uid_mode, 0, (int)ELEMENTSOF(uid_cases));
	tcase_add_loop_test(tu, test_uid_mode_shadow, 0, (int)ELEMENTSOF(shadow_cases));
	tcase_add_loop_test(tp, test_policy_from_defs, 0, (int)ELEMENTSOF(defs_cases));
	tcase_add_loop_test(tn, test_name_writable, 0, (int)ELEMENTSOF(name_cases));
	tcase_add_test(tn, test_name_writable_null);
	tcase_add_loop_test(ta, test_append, 0, (int)ELEMENTSOF(append_cases));
	tcase_add_test(ta, test_append_null_empty);
	tcase_add_test(tl, test_lock_protocol);
	tcase_add_test(tl, test_lock_stale_and_foreign);
	tcase_add_loop_test(tl, test_lock_bad_pid, 0, (int)ELEMENTSOF(badpid_cases));
	tcase_add_test(tt, test_tx_create);
	tcase_add_test(tt, test_tx_append);
	tcase_add_test(tt, test_tx_nul_bytes_kept);
	tcase_add_loop_test(tt, test_tx_lenient_lines_taken, 0, (int)ELEMENTSOF(lenient_cases));
	tcase_add_test(tt, test_tx_keeps_owner_mode);
	tcase_add_loop_test(tt, test_tx_had, 0, (int)ELEMENTSOF(had_cases));
	tcase_add_test(tt, test_tx_by_uid_and_uid_mode);
	tcase_add_test(tt, test_tx_store_by_uid_per_file);
	tcase_add_test(tt, test_tx_reread_under_lock);
	tcase_add_test(tt, test_tx_waits_for_passwd_lock);
	tcase_add_test(tt, test_tx_stale_lock);
	tcase_add_loop_test(tt, test_tx_busy_lock, 0, 2);
	tcase_add_loop_test(tt, test_tx_fail, 0, (int)ELEMENTSOF(fail_cases));
	tcase_add_loop_test(tt, test_tx_untrusted_kinds, 0, 3);
	tcase_add_test(tt, test_tx_foreign_owner);
	tcase_add_test(tt, test_tx_readonly_etc);
	tcase_set_timeout(tt, 30);
	suite_add_tcase(s, tp);
	suite_add_tcase(s, tf);
	suite_add_tcase(s, tu);
	suite_add_tcase(s, tn);
	suite_add_tcase(s, ta);
	suite_add_tcase(s, tl);
	suite_add_tcase(s, tt);
	return run_suite(s, false);
}
