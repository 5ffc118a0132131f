/* SPDX-License-Identifier: GPL-2.0-or-later
 * Check suite for lib/range.c. The rule under test (range.h, the kernel's map_write()):
 * a range is valid iff count >= 1 and start + count <= 4294967295, computed without wrapping. */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "range.h"
#include "check-run.h"

#define U32MAX UINT64_C(4294967295)
#define U64MAX UINT64_MAX

/* ---- idrange_valid ---- */

static const struct {
	uint64_t start, count;
	bool valid;
} valid_cases[] = {
	{ 0, 0, false },
	{ 0, 1, true },
	{ 100000, 65536, true },
	{ 0, U32MAX - 1, true },
	{ 0, U32MAX, true },           /* 0 + 4294967295 = ID_LIMIT: the whole space but -1 */
	{ 0, U32MAX + 1, false },
	{ 1, U32MAX - 1, true },
	{ 1, U32MAX, false },
	{ U32MAX - 1, 1, true },       /* last id 4294967294 */
	{ U32MAX - 1, 2, false },
	{ U32MAX, 1, false },          /* id 4294967295 is never mappable */
	{ U32MAX, 0, false },
	{ U32MAX + 1, 1, false },      /* start beyond 32 bits */
	{ 100000, 0, false },
	{ 2147483648, 2147483647, true },
	{ 2147483648, 2147483648, false },
	/* sums that would wrap in 64 bits must not come back as small numbers */
	{ U64MAX, 1, false },
	{ 1, U64MAX, false },
	{ U64MAX, U64MAX, false },
	{ U32MAX - 1, U64MAX, false },
	{ 2, U64MAX - 1, false },
};

START_TEST(test_valid)
{
	ck_assert_msg(idrange_valid(valid_cases[_i].start, valid_cases[_i].count) == valid_cases[_i].valid,
		      "case %d: idrange_valid(%llu, %llu) != %d", _i, (unsigned long long)valid_cases[_i].start,
		      (unsigned long long)valid_cases[_i].count, valid_cases[_i].valid);
}
END_TEST

/* ---- idrange_overlap (both orders must agree) ---- */

static const struct {
	uint64_t as, ac, bs, bc;
	bool overlap;
} overlap_cases[] = {
	{ 0, 10, 10, 10, false },          /* touching: [0,10) [10,20) */
	{ 0, 11, 10, 10, true },           /* share id 10 */
	{ 0, 10, 9, 1, true },             /* last id of a */
	{ 0, 10, 20, 10, false },          /* gap */
	{ 5, 1, 0, 10, true },             /* contained */
	{ 0, 10, 0, 10, true },            /* identical */
	{ 100000, 65536, 165536, 65536, false },
	{ 100000, 65536, 165535, 65536, true },
	{ 0, 1, 1, 1, false },
	{ U32MAX - 1, 1, 0, U32MAX, true },    /* the last valid id inside the whole space */
	{ U32MAX - 2, 1, U32MAX - 1, 1, false },
	{ 0, U32MAX, 2147483648, 1, true },
};

START_TEST(test_overlap)
{
	uint64_t as = overlap_cases[_i].as, ac = overlap_cases[_i].ac, bs = overlap_cases[_i].bs,
		 bc = overlap_cases[_i].bc;

	ck_assert(idrange_valid(as, ac) && idrange_valid(bs, bc)); /* the precondition */
	ck_assert_msg(idrange_overlap(as, ac, bs, bc) == overlap_cases[_i].overlap, "case %d (a,b)", _i);
	ck_assert_msg(idrange_overlap(bs, bc, as, ac) == overlap_cases[_i].overlap, "case %d (b,a)", _i);
}
END_TEST

/* ---- idrange_covers ---- */

#define MAXR 6
static const struct {
	size_t n;
	struct idrange r[MAXR];
	uint64_t start, count;
	bool covered;
} covers_cases[] = {
	/* one range */
	{ 1, { { 100000, 65536 } }, 100000, 65536, true },
	{ 1, { { 100000, 65536 } }, 100000, 1, true },
	{ 1, { { 100000, 65536 } }, 165535, 1, true },      /* the last id */
	{ 1, { { 100000, 65536 } }, 165536, 1, false },     /* one past the end */
	{ 1, { { 100000, 65536 } }, 100000, 65537, false }, /* request one past the end */
	{ 1, { { 100000, 65536 } }, 99999, 1, false },      /* one before */
	{ 1, { { 100000, 65536 } }, 99999, 2, false },
	{ 1, { { 100000, 65536 } }, 120000, 1000, true },
	/* count 0 is never covered, even inside */
	{ 1, { { 100000, 65536 } }, 100000, 0, false },
	{ 1, { { 100000, 65536 } }, 120000, 0, false },
	/* touching ranges join (shadow's have_range()) */
	{ 2, { { 100000, 65536 }, { 165536, 65536 } }, 100000, 131072, true },
	{ 2, { { 100000, 65536 }, { 165536, 65536 } }, 100000, 131073, false },
	{ 2, { { 100000, 65536 }, { 165536, 65536 } }, 165000, 1000, true },  /* across the seam */
	/* unsorted input */
	{ 2, { { 165536, 65536 }, { 100000, 65536 } }, 100000, 131072, true },
	{ 3, { { 300, 100 }, { 100, 100 }, { 200, 100 } }, 100, 300, true },
	{ 3, { { 300, 100 }, { 100, 100 }, { 200, 100 } }, 100, 301, false },
	/* overlapping ranges */
	{ 2, { { 100000, 65536 }, { 150000, 65536 } }, 100000, 115536, true },
	{ 2, { { 100000, 65536 }, { 150000, 65536 } }, 100000, 115537, false },
	{ 2, { { 150000, 65536 }, { 100000, 65536 } }, 110000, 100000, true },
	/* a range inside another must not pull the frontier back */
	{ 2, { { 100000, 65536 }, { 110000, 10 } }, 100000, 65536, true },
	{ 3, { { 100, 10 }, { 100, 50 }, { 100, 20 } }, 100, 50, true },
	/* gaps */
	{ 2, { { 100000, 65536 }, { 165537, 65536 } }, 100000, 131072, false },
	{ 2, { { 100000, 65536 }, { 165537, 65536 } }, 165536, 1, false },     /* the hole itself */
	{ 2, { { 100000, 65536 }, { 165537, 65536 } }, 165537, 65536, true },
	{ 3, { { 0, 10 }, { 20, 10 }, { 10, 9 } }, 0, 30, false },            /* id 19 missing */
	{ 3, { { 0, 10 }, { 20, 10 }, { 10, 10 } }, 0, 30, true },
	/* no ranges */
	{ 0, { { 0, 0 } }, 0, 1, false },
	/* near 2^32: requests that would wrap in 32 bits (CVE-2016-6252) */
	{ 1, { { 0, 4294967295U } }, 0, U32MAX, true },
	{ 1, { { 0, 4294967295U } }, U32MAX - 1, 1, true },
	{ 1, { { 0, 4294967295U } }, U32MAX, 1, false },       /* id 4294967295: never */
	{ 1, { { 0, 4294967295U } }, U32MAX, 2, false },       /* wraps to 1 in 32 bits */
	{ 1, { { 0, 4294967295U } }, U32MAX - 1, 2, false },
	{ 1, { { 0, 4294967295U } }, 1, U32MAX, false },
	{ 1, { { 4294967290U, 5 } }, 4294967290U, 5, true },
	{ 1, { { 4294967290U, 5 } }, 4294967290U, 6, false },
	{ 1, { { 4294967290U, 5 } }, U64MAX, 2, false },
	{ 1, { { 4294967290U, 5 } }, 4294967292U, U64MAX - 4294967290U, false }, /* sum wraps 2^64 to 1 */
	{ 1, { { 4294967290U, 5 } }, U32MAX + 4294967290U, 1, false },           /* start above 32 bits */
	/* entries that are themselves invalid (their end passes 2^32) give nothing invalid */
	{ 1, { { 4294967295U, 4294967295U } }, U32MAX, 1, false },
	{ 2, { { 4294967295U, 4294967295U }, { 0, 10 } }, 0, 10, true },
	{ 2, { { 4294967295U, 4294967295U }, { 0, 10 } }, 0, 11, false },
	/* many ranges, shuffled, chaining to the end */
	{ 6, { { 50, 10 }, { 10, 10 }, { 40, 10 }, { 0, 10 }, { 30, 10 }, { 20, 10 } }, 0, 60, true },
	{ 6, { { 50, 10 }, { 10, 10 }, { 40, 10 }, { 0, 10 }, { 30, 10 }, { 20, 9 } }, 0, 60, false },
};

static int cmp_range(const void *a, const void *b)
{
	const struct idrange *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return (x->count > y->count) - (x->count < y->count);
}

START_TEST(test_covers)
{
	struct idrange r[MAXR], before[MAXR];
	size_t n = covers_cases[_i].n;
	bool got;

	memcpy(r, covers_cases[_i].r, sizeof(r));
	memcpy(before, r, sizeof(r));
	got = idrange_covers(r, n, covers_cases[_i].start, covers_cases[_i].count);
	ck_assert_msg(got == covers_cases[_i].covered, "case %d: idrange_covers(%llu, %llu) = %d", _i,
		      (unsigned long long)covers_cases[_i].start, (unsigned long long)covers_cases[_i].count, got);

	/* range.h: "Sorts the array in place by start": sorted afterwards, same elements. */
	for (size_t i = 1; i < n; i++)
		ck_assert_msg(r[i - 1].start <= r[i].start, "case %d: not sorted at %zu", _i, i);
	qsort(before, n, sizeof(before[0]), cmp_range);
	qsort(r, n, sizeof(r[0]), cmp_range);
	ck_assert_msg(memcmp(r, before, n * sizeof(r[0])) == 0, "case %d: elements changed", _i);
}
END_TEST

/* The empty set as the helper passes it when the caller has no entry at all: NULL and 0. */
START_TEST(test_covers_null)
{
	ck_assert(!idrange_covers(NULL, 0, 100000, 1));
	ck_assert(!idrange_covers(NULL, 0, 0, 0));
}
END_TEST

/* Brute force against a bitmap on a small universe: every request [s, s+c) over a few fixed sets. */
START_TEST(test_covers_exhaustive)
{
	static const struct idrange sets[][3] = {
		{ { 3, 4 }, { 7, 2 }, { 12, 3 } },
		{ { 12, 3 }, { 2, 6 }, { 5, 1 } },
		{ { 0, 1 }, { 1, 1 }, { 2, 1 } },
	};
	enum { U = 20 };

	for (size_t k = 0; k < sizeof(sets) / sizeof(sets[0]); k++) {
		bool in[U] = { false };

		for (size_t j = 0; j < 3; j++)
			for (uint32_t x = sets[k][j].start; x < sets[k][j].start + sets[k][j].count; x++)
				in[x] = true;
		for (uint64_t s = 0; s < U; s++)
			for (uint64_t c = 0; s + c <= U; c++) {
				struct idrange r[3];
				bool want = c > 0;

				for (uint64_t x = s; x < s + c; x++)
					want = want && in[x];
				memcpy(r, sets[k], sizeof(r));
				ck_assert_msg(idrange_covers(r, 3, s, c) == want, "set %zu: [%llu, +%llu)", k,
					      (unsigned long long)s, (unsigned long long)c);
			}
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("range");
	TCase *tv = tcase_create("idrange_valid"), *to = tcase_create("idrange_overlap"),
	      *tc = tcase_create("idrange_covers");

	tcase_add_loop_test(tv, test_valid, 0, (int)(sizeof(valid_cases) / sizeof(valid_cases[0])));
	tcase_add_loop_test(to, test_overlap, 0, (int)(sizeof(overlap_cases) / sizeof(overlap_cases[0])));
	tcase_add_loop_test(tc, test_covers, 0, (int)(sizeof(covers_cases) / sizeof(covers_cases[0])));
	tcase_add_test(tc, test_covers_null);
	tcase_add_test(tc, test_covers_exhaustive);
	suite_add_tcase(s, tv);
	suite_add_tcase(s, to);
	suite_add_tcase(s, tc);
	return run_suite(s, false);
}
