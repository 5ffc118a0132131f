/* SPDX-License-Identifier: GPL-2.0-or-later
 * libFuzzer target for sssdconf_id_ranges(), the reading of /etc/sssd/sssd.conf that subid-check
 * does (as root, on a file anyone with root on a directory-joined host may have written).
 *
 * Input: the file's bytes, any at all.
 *
 * Properties: every range stored has a NUL-terminated, non-empty domain name shorter than
 * SSSDCONF_NAME_MAX and 1 <= lo <= hi <= 4294967294; nothing is written past max entries; the
 * count does not depend on max, and the ranges stored with a smaller max are the first ones of a
 * larger; at most SSSDCONF_DOMAINS_MAX domains are served; the same text twice gives the same
 * answer (no state survives a call). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "sssdconf.h"

#define ROOM 64

/* Field by field: the padding of the struct is nobody's business. */
static bool same(const struct sssd_id_range *a, const struct sssd_id_range *b)
{
	return strcmp(a->domain, b->domain) == 0 && a->idmap == b->idmap && a->lo == b->lo && a->hi == b->hi;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sssd_id_range all[ROOM + 1], few[3 + 1], again[ROOM];
	size_t n, n_few, n_none, n_again, domains = 0, domains2 = 0;
	const char *text = (const char *)data;

	memset(all, 0xa5, sizeof(all));
	memset(few, 0xa5, sizeof(few));
	n = sssdconf_id_ranges(text, size, all, ROOM, &domains);
	n_few = sssdconf_id_ranges(text, size, few, 3, NULL);
	n_none = sssdconf_id_ranges(text, size, NULL, 0, &domains2);
	n_again = sssdconf_id_ranges(text, size, again, ROOM, NULL);
	FUZZ_ASSERT(n == n_few && n == n_none && n == n_again, "counts %zu %zu %zu %zu", n, n_few, n_none, n_again);
	FUZZ_ASSERT(domains == domains2 && domains <= SSSDCONF_DOMAINS_MAX, "domains %zu %zu", domains, domains2);
	/* the guard entries past max are untouched */
	FUZZ_ASSERT(((const unsigned char *)&all[ROOM])[0] == 0xa5 && ((const unsigned char *)&few[3])[0] == 0xa5, "a write past max");
	for (size_t i = 0; i < n && i < ROOM; i++) {
		size_t l = strnlen(all[i].domain, sizeof(all[i].domain));

		FUZZ_ASSERT(l > 0 && l < sizeof(all[i].domain), "range %zu: domain name of %zu bytes", i, l);
		FUZZ_ASSERT(all[i].lo >= 1 && all[i].lo <= all[i].hi && all[i].hi <= UINT64_C(4294967294), "range %zu: %llu-%llu", i, (unsigned long long)all[i].lo, (unsigned long long)all[i].hi);
		FUZZ_ASSERT(same(&all[i], &again[i]), "range %zu differs on a second call", i);
		if (i < 3)
			FUZZ_ASSERT(same(&all[i], &few[i]), "range %zu differs with a smaller max", i);
	}
	return 0;
}
