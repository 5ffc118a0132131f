/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SUBID_NUMBER_H
#define SUBID_NUMBER_H

#include <stddef.h>
#include <stdint.h>

/* Parse exactly len bytes as a decimal unsigned 32-bit number.
 * Grammar: "0" | [1-9][0-9]* ; nothing else: no sign, no white space, no leading zero, no base
 * prefix, no trailing bytes. Returns 0 and stores the value, -EINVAL for anything that is not of
 * that form (including the empty string), -ERANGE for a well-formed number above 4294967295.
 * *ret is untouched on failure. */
int subid_parse_u32(const char *s, size_t len, uint32_t *ret);

/* The grammar's verdict on a run of n decimal digits at s whose value, accumulated over at most
 * the first 11 digits, is v: 0, -EINVAL (empty, leading zero) or -ERANGE. The one definition of
 * the rule, shared by subid_parse_u32() and the sub-id file parser's fast path. */
static inline int subid_u32_verdict(const char *s, size_t n, uint64_t v)
{
	if (n == 0 || (s[0] == '0' && n > 1))
		return -22; /* -EINVAL, without pulling <errno.h> into every includer */
	if (n > 10 || v > UINT32_MAX)
		return -34; /* -ERANGE */
	return 0;
}

/* The same for a NUL-terminated string. */
int subid_parse_u32_str(const char *s, uint32_t *ret);

#endif
