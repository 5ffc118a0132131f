/* SPDX-License-Identifier: GPL-2.0-or-later
 * Requested maps. Invariants: a map that passes idmap_parse_args() and idmap_format() is one the
 * kernel's map_write() accepts as text (at most 340 extents, no extent with count 0 or wrapping
 * past 2^32 - 2, no overlap on either side, text under a page); the caller still decides whether
 * the caller may have those outer ids. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "idmap.h"
#include "number.h"
#include "range.h"

static int fail(struct idmap_error *err, enum idmap_reason reason, size_t index, size_t other)
{
	*err = (struct idmap_error){ .reason = reason, .index = index, .other = other };
	return -EINVAL;
}

int idmap_check(const struct idmap_extent *e, size_t n, struct idmap_error *err)
{
	if (n == 0)
		return fail(err, IDMAP_E_NO_EXTENTS, 0, 0);
	if (n > IDMAP_MAX_EXTENTS) {
		fail(err, IDMAP_E_TOO_MANY, n, 0);
		err->limit = IDMAP_MAX_EXTENTS;
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (e[i].count == 0)
			return fail(err, IDMAP_E_ZERO_COUNT, i, 0);
		if (!idrange_valid(e[i].inner, e[i].count))
			return fail(err, IDMAP_E_INNER_OVERFLOW, i, 0);
		if (!idrange_valid(e[i].outer, e[i].count))
			return fail(err, IDMAP_E_OUTER_OVERFLOW, i, 0);
		/* The kernel refuses overlapping extents (mappings_overlap()); at most 340 extents, so
		 * the quadratic check costs nothing. */
		for (size_t j = 0; j < i; j++) {
			if (idrange_overlap(e[j].inner, e[j].count, e[i].inner, e[i].count))
				return fail(err, IDMAP_E_INNER_OVERLAP, i, j);
			if (idrange_overlap(e[j].outer, e[j].count, e[i].outer, e[i].count))
				return fail(err, IDMAP_E_OUTER_OVERLAP, i, j);
		}
	}
	return 0;
}

int idmap_parse_args(size_t nargs, char *const *args, struct idmap_extent *ret, size_t *ret_n,
		     struct idmap_error *err)
{
	size_t n = nargs / 3;

	if (nargs == 0)
		return fail(err, IDMAP_E_NO_EXTENTS, 0, 0);
	if (nargs % 3 != 0)
		return fail(err, IDMAP_E_ARGC, n, 0);
	if (n > IDMAP_MAX_EXTENTS) {
		fail(err, IDMAP_E_TOO_MANY, n, 0);
		err->limit = IDMAP_MAX_EXTENTS;
		return -EINVAL;
	}
	for (size_t a = 0; a < nargs; a++) {
		uint32_t v;
		int r = subid_parse_u32_str(args[a], &v);

		if (r < 0) {
			fail(err, r == -ERANGE ? IDMAP_E_NUMBER_RANGE : IDMAP_E_NUMBER, a / 3, 0);
			err->arg = a;
			return -EINVAL;
		}
		switch (a % 3) {
		case 0: ret[a / 3].inner = v; break;
		case 1: ret[a / 3].outer = v; break;
		default: ret[a / 3].count = v; break;
		}
	}
	if (idmap_check(ret, n, err) < 0)
		return -EINVAL;
	*ret_n = n;
	return 0;
}

int idmap_format(const struct idmap_extent *e, size_t n, size_t page_size, char *buf,
		 size_t *ret_len, struct idmap_error *err)
{
	size_t len = 0;

	/* No text fits in a zero-byte page, not even the empty one. */
	if (page_size == 0) {
		*err = (struct idmap_error){ .reason = IDMAP_E_TEXT_SIZE, .limit = 0 };
		return -E2BIG;
	}
	buf[0] = '\0'; /* an empty map is the empty string */
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(buf + len, page_size - len, "%" PRIu32 " %" PRIu32 " %" PRIu32 "\n",
				 e[i].inner, e[i].outer, e[i].count);

		/* The kernel takes fewer than PAGE_SIZE bytes (map_write(): count >= PAGE_SIZE is EINVAL),
		 * so text that fills the buffer exactly is already too long. */
		if (w < 0 || (size_t)w >= page_size - len) {
			*err = (struct idmap_error){ .reason = IDMAP_E_TEXT_SIZE, .index = i, .limit = page_size };
			return -E2BIG;
		}
		len += (size_t)w;
	}
	*ret_len = len;
	return 0;
}

void idmap_describe(const struct idmap_error *err, const char *kind, char *const *args,
		    const struct idmap_extent *e, char *buf, size_t size)
{
	/* index may be past the array for TOO_MANY: only form pointers the reason refers to. */
	bool has = e && err->index < IDMAP_MAX_EXTENTS;
	const struct idmap_extent *x = has ? &e[err->index] : NULL, *o = has ? &e[err->other] : NULL;
	/* args is read only for the errors that name an argument: for the others it may be empty. */
	const char *arg = args && (err->reason == IDMAP_E_NUMBER || err->reason == IDMAP_E_NUMBER_RANGE) ?
				  args[err->arg] : "";
	static const char *const field[] = { "inner id", "outer id", "count" };

#define RANGE_FMT "%s range %zu (%" PRIu32 " %" PRIu32 " %" PRIu32 ")"
#define RANGE_ARGS(k, i, p) k, (i) + 1, (p)->inner, (p)->outer, (p)->count
	if (!has && err->reason >= IDMAP_E_ZERO_COUNT && err->reason <= IDMAP_E_OUTER_OVERLAP) {
		snprintf(buf, size, "invalid %s range %zu", kind, err->index + 1);
		return;
	}
	switch (err->reason) {
	case IDMAP_E_NO_EXTENTS:
		snprintf(buf, size, "no %s range given", kind);
		break;
	case IDMAP_E_ARGC:
		snprintf(buf, size, "ranges are given as <inner> <outer> <count> triples; the last one is incomplete");
		break;
	case IDMAP_E_TOO_MANY:
		snprintf(buf, size, "%zu %s ranges given; the kernel accepts at most %zu", err->index, kind, err->limit);
		break;
	case IDMAP_E_NUMBER:
		snprintf(buf, size, "%s of %s range %zu is not a plain decimal number: '%s'", field[err->arg % 3], kind,
			 err->index + 1, arg);
		break;
	case IDMAP_E_NUMBER_RANGE:
		snprintf(buf, size, "%s of %s range %zu is above 4294967295: '%s'", field[err->arg % 3], kind,
			 err->index + 1, arg);
		break;
	case IDMAP_E_ZERO_COUNT:
		snprintf(buf, size, RANGE_FMT " has count 0", RANGE_ARGS(kind, err->index, x));
		break;
	case IDMAP_E_INNER_OVERFLOW:
		snprintf(buf, size, RANGE_FMT " goes past 4294967294 inside the namespace", RANGE_ARGS(kind, err->index, x));
		break;
	case IDMAP_E_OUTER_OVERFLOW:
		snprintf(buf, size, RANGE_FMT " goes past 4294967294 outside the namespace", RANGE_ARGS(kind, err->index, x));
		break;
	case IDMAP_E_INNER_OVERLAP:
		snprintf(buf, size, RANGE_FMT " overlaps range %zu (%" PRIu32 " %" PRIu32 " %" PRIu32 ") inside the namespace",
			 RANGE_ARGS(kind, err->index, x), err->other + 1, o->inner, o->outer, o->count);
		break;
	case IDMAP_E_OUTER_OVERLAP:
		snprintf(buf, size, RANGE_FMT " overlaps range %zu (%" PRIu32 " %" PRIu32 " %" PRIu32 ") outside the namespace",
			 RANGE_ARGS(kind, err->index, x), err->other + 1, o->inner, o->outer, o->count);
		break;
	case IDMAP_E_TEXT_SIZE:
		snprintf(buf, size, "the %s map text grows past one page (%zu bytes) at range %zu; the kernel takes less than a page",
			 kind, err->limit, err->index + 1);
		break;
	default:
		snprintf(buf, size, "invalid %s map", kind);
		break;
	}
#undef RANGE_FMT
#undef RANGE_ARGS
}
