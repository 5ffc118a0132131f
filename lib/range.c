/* SPDX-License-Identifier: GPL-2.0-or-later
 * Range algebra. Invariant: every sum is done in uint64_t, so no input wraps around 2^32
 * (CVE-2016-6252 was a wrap between this check and the kernel's). */
#include <stdlib.h>

#include "range.h"

bool idrange_valid(uint64_t start, uint64_t count)
{
	return count >= 1 && start < ID_LIMIT && count <= ID_LIMIT - start;
}

bool idrange_overlap(uint64_t a_start, uint64_t a_count, uint64_t b_start, uint64_t b_count)
{
	return a_start < b_start + b_count && b_start < a_start + a_count;
}

static int cmp_start(const void *a, const void *b)
{
	const struct idrange *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

bool idrange_covers(struct idrange *ranges, size_t n, uint64_t start, uint64_t count)
{
	uint64_t next = start, end;

	if (!idrange_valid(start, count))
		return false;
	end = start + count;
	if (n > 1)
		qsort(ranges, n, sizeof(*ranges), cmp_start); /* never qsort(NULL, 0): UB */
	/* Sweep in order of start: each range that begins at or before the first uncovered id pushes
	 * the covered frontier to its end. A gap before the frontier reaches end means not covered. */
	for (size_t i = 0; i < n && next < end; i++) {
		uint64_t r_end = (uint64_t)ranges[i].start + ranges[i].count;

		if (ranges[i].start > next)
			break;
		if (r_end > next)
			next = r_end;
	}
	return next >= end;
}
