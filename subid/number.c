/* SPDX-License-Identifier: GPL-2.0-or-later
 * The one number parser for ids, counts and pids.
 *
 * Invariants: accepts only what the grammar in number.h allows; arithmetic is done in uint64_t so
 * that no input can wrap (glibc's strtoul accepts "-1" as ULONG_MAX and " +1", shadow reads "010"
 * as octal; CVE-2016-6252 was an overflow in this exact place). */
#include <errno.h>
#include <string.h>

#include "number.h"

int subid_parse_u32(const char *s, size_t len, uint32_t *ret)
{
	uint64_t v = 0;

	if (!s || len == 0)
		return -EINVAL;
	/* A leading zero is refused rather than read as octal (shadow) or silently as decimal. */
	if (s[0] == '0' && len > 1)
		return -EINVAL;
	/* Every byte is checked, so that "99999999999x" is -EINVAL, not -ERANGE. Up to 19 digits fit
	 * in uint64_t without wrapping; past 10 digits (no leading zero) the number is >= 10^10 and
	 * out of range anyway, so accumulation stops there. */
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned)(unsigned char)s[i] - '0';

		if (d > 9)
			return -EINVAL;
		if (i < 11)
			v = v * 10 + d;
	}
	if (v > UINT32_MAX)
		return -ERANGE;
	*ret = (uint32_t)v;
	return 0;
}

int subid_parse_u32_str(const char *s, uint32_t *ret)
{
	if (!s)
		return -EINVAL;
	return subid_parse_u32(s, strlen(s), ret);
}
