/* SPDX-License-Identifier: GPL-2.0-or-later
 * Requested id maps: the "<inner> <outer> <count>" triples of newuidmap/newgidmap, the kernel's
 * rules for them, and the text written to /proc/PID/uid_map or gid_map. */
#ifndef SUBID_IDMAP_H
#define SUBID_IDMAP_H

#include <stddef.h>
#include <stdint.h>

/* The kernel's limit on extents in one map (UID_GID_MAP_MAX_EXTENTS, Linux >= 4.15). */
#define IDMAP_MAX_EXTENTS 340

struct idmap_extent {
	uint32_t inner; /* first id inside the namespace */
	uint32_t outer; /* first id outside, in the caller's namespace */
	uint32_t count;
};

enum idmap_reason {
	IDMAP_OK = 0,
	IDMAP_E_NO_EXTENTS,     /* no triple given */
	IDMAP_E_ARGC,           /* arguments not a multiple of three */
	IDMAP_E_TOO_MANY,       /* more than IDMAP_MAX_EXTENTS triples */
	IDMAP_E_NUMBER,         /* argument arg is not a plain decimal number */
	IDMAP_E_NUMBER_RANGE,   /* argument arg is above 4294967295 */
	IDMAP_E_ZERO_COUNT,     /* extent index has count 0 */
	IDMAP_E_INNER_OVERFLOW, /* inner + count of extent index goes past 4294967294 */
	IDMAP_E_OUTER_OVERFLOW, /* outer + count ... */
	IDMAP_E_INNER_OVERLAP,  /* inner ranges of extents other and index overlap */
	IDMAP_E_OUTER_OVERLAP,  /* outer ranges of extents other and index overlap */
	IDMAP_E_TEXT_SIZE,      /* the map text reaches the kernel's one-page limit */
	IDMAP__MAX
};

struct idmap_error {
	enum idmap_reason reason;
	size_t index; /* extent (0-based) the error is about */
	size_t other; /* the earlier extent, for overlaps */
	size_t arg;   /* argument (0-based, among the triples) for number errors */
	size_t limit; /* the limit that was hit, for TOO_MANY and TEXT_SIZE */
};

/* Parse nargs strings as triples into ret (room for IDMAP_MAX_EXTENTS), validating each number
 * with the strict grammar, each extent by the kernel's rules and the set for overlaps on either
 * side. Returns 0, or -EINVAL with *err filled in. */
int idmap_parse_args(size_t nargs, char *const *args, struct idmap_extent *ret, size_t *ret_n,
		     struct idmap_error *err);

/* The extent checks alone (zero count, overflow, overlaps, count limit) on parsed extents. */
int idmap_check(const struct idmap_extent *e, size_t n, struct idmap_error *err);

/* Format the map as "inner outer count\n" lines into buf, NUL-terminated. The kernel takes a map
 * only in one write of less than a page, so the text must be shorter than page_size bytes; buf
 * must hold at least page_size bytes. Returns 0 and the text length, or -E2BIG with *err. */
int idmap_format(const struct idmap_extent *e, size_t n, size_t page_size, char *buf,
		 size_t *ret_len, struct idmap_error *err);

/* Describe an error in one English sentence fragment into buf (NUL-terminated, truncated to size).
 * kind is "uid" or "gid"; args are the triples as given (may be NULL), e is what was parsed. */
void idmap_describe(const struct idmap_error *err, const char *kind, char *const *args,
		    const struct idmap_extent *e, char *buf, size_t size);

#endif
