/* SPDX-License-Identifier: GPL-2.0-or-later
 * The one number parser for ids, counts and pids.
 *
 * Invariants: accepts only what the grammar in number.h allows; arithmetic is done in uint64_t so
 * that no input can wrap (glibc's strtoul accepts "-1" as ULONG_MAX and " +1", shadow reads "010"
 * as octal; CVE-2016-6252 was an overflow in this exact place). */
#include <errno.h>
#include <string.h>

_Static_assert(EINVAL == 22 && ERANGE == 34, "subid_u32_verdict() hard-codes these");

#include "number.h"

int subid_parse_u32(const char *s, size_t len, uint32_t *ret)
{
	uint64_t v = 0;
	int r;

	if (!s)
		return -EINVAL;
	/* Every byte is checked first, so that "99999999999x" is -EINVAL, not -ERANGE. Past 10 digits
	 * the value is out of range anyway: accumulating 11 is enough and cannot wrap. */
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned)(unsigned char)s[i] - '0';

		if (d > 9)
			return -EINVAL;
		if (i < 11)
			v = v * 10 + d;
	}
	r = subid_u32_verdict(s, len, v);
	if (r < 0)
		return r;
	*ret = (uint32_t)v;
	return 0;
}

int subid_parse_u32_str(const char *s, uint32_t *ret)
{
	if (!s)
		return -EINVAL;
	return subid_parse_u32(s, strlen(s), ret);
}
