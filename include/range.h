/* SPDX-License-Identifier: GPL-2.0-or-later
 * Range algebra on 32-bit id ranges. */
#ifndef SUBID_RANGE_H
#define SUBID_RANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The kernel never maps (uint32_t)-1 and refuses an extent whose first + count wraps, so a valid
 * range satisfies count >= 1 and start + count <= ID_LIMIT (its last id is at most 2^32 - 2). */
#define ID_LIMIT UINT64_C(4294967295)

struct idrange {
	uint32_t start;
	uint32_t count;
};

/* True when [start, start+count) is a valid range by the rule above. */
bool idrange_valid(uint64_t start, uint64_t count);

/* True when the two ranges share at least one id. Both must be valid. */
bool idrange_overlap(uint64_t a_start, uint64_t a_count, uint64_t b_start, uint64_t b_count);

/* True when [start, start+count) lies wholly inside the union of the n ranges, also across ranges
 * that touch or overlap each other (a:100000:65536 + a:165536:65536 cover 100000+131072, as in
 * shadow's have_range()). Sorts the array in place by start. count 0 is never covered. */
bool idrange_covers(struct idrange *ranges, size_t n, uint64_t start, uint64_t count);

#endif
