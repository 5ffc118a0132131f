/* SPDX-License-Identifier: GPL-2.0-or-later
 * /etc/sssd/sssd.conf: the uid/gid ranges SSSD's domains hand out, for subid-check's collision
 * check (subids.*.directory_ranges). Library rules: no printing, no allocation, no state. */
#ifndef NEWIDMAP_SSSDCONF_H
#define NEWIDMAP_SSSDCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SSSDCONF_NAME_MAX 64   /* a longer domain name is not a domain we report */
#define SSSDCONF_LINE_MAX 1024 /* a longer line is skipped, as no option we read needs one */
#define SSSDCONF_DOMAINS_MAX 64

/* One range a domain hands out, both bounds inclusive, lo <= hi <= 4294967294. */
struct sssd_id_range {
	char domain[SSSDCONF_NAME_MAX];
	bool idmap; /* true: ldap_idmap_range_min.._max - 1 (the domain maps SIDs to ids);
		     * false: min_id..max_id (the ids the domain may return at all) */
	uint64_t lo, hi;
};

/* Parse sssd.conf text buf[0..len) (any bytes; SSSD's INI grammar: [section], "key = value",
 * '#' and ';' comment lines, blanks around keys and values, CR before LF). Only the domains SSSD
 * serves count: those named in [sssd] domains, or every [domain/NAME] section when that option
 * is absent. For each:
 *  - a domain that maps ids (ldap_id_mapping true, or unset with id_provider = ad, as sssd-ad(5)
 *    documents) gives ldap_idmap_range_min (default 200000) to ldap_idmap_range_max (exclusive,
 *    default 2000200000);
 *  - a domain that sets min_id or a non-zero max_id gives min_id (default 1) to max_id (0, the
 *    default, is no bound: 4294967294).
 * Numbers are plain decimal (subid_parse_u32_str); a malformed one counts as unset. At most max
 * ranges are stored in out; the return value is how many there are. *ret_domains (if not NULL)
 * gets the number of domains SSSD serves. Never fails. */
size_t sssdconf_id_ranges(const char *buf, size_t len, struct sssd_id_range *out, size_t max, size_t *ret_domains);

#endif
