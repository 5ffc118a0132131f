/* SPDX-License-Identifier: GPL-2.0-or-later
 * Check suite for lib/sssdconf.c: the id ranges of the domains SSSD serves, from sssd.conf text.
 * Each case is a text and the ranges expected, written "domain:idmap|minmax:lo-hi;..." in the
 * order the function reports them (domains in file order, the mapping range first), and how
 * many domains SSSD serves. */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sssdconf.h"
#include "check-run.h"

static const struct {
	const char *text;
	const char *want;
	size_t domains;
} cases[] = {
	{ "", "", 0 },
	{ "[sssd]\ndomains = a\n", "", 0 },
	/* the AD provider maps ids unless told not to; the defaults of sssd-ldap(5) */
	{ "[domain/ad.example]\nid_provider = ad\n", "ad.example:idmap:200000-2000199999", 1 },
	{ "[domain/ad]\nid_provider = ad\nldap_id_mapping = False\n", "", 1 },
	{ "[domain/l]\nid_provider = ldap\n", "", 1 },
	{ "[domain/l]\nid_provider = ldap\nldap_id_mapping = true\n", "l:idmap:200000-2000199999", 1 },
	{ "[domain/l]\nid_provider=ldap\nldap_id_mapping=TRUE\nldap_idmap_range_min=350000\nldap_idmap_range_max=400000\n",
	  "l:idmap:350000-399999", 1 },
	/* min_id / max_id: max_id 0 is no bound; min_id 0 is still not uid 0 */
	{ "[domain/ipa]\nid_provider = ipa\nmin_id = 1200000000\nmax_id = 1200199999\n",
	  "ipa:minmax:1200000000-1200199999", 1 },
	{ "[domain/x]\nmin_id = 5000\n", "x:minmax:5000-4294967294", 1 },
	{ "[domain/x]\nmax_id = 0\n", "", 1 },
	{ "[domain/x]\nmin_id = 0\nmax_id = 10\n", "x:minmax:1-10", 1 },
	{ "[domain/x]\nmin_id = 20\nmax_id = 10\n", "", 1 },
	/* both kinds for one domain, mapping range first */
	{ "[domain/ad]\nid_provider = ad\nmin_id = 100\nmax_id = 300000\n",
	  "ad:idmap:200000-2000199999;ad:minmax:100-300000", 1 },
	/* [sssd] domains selects, in any order, with commas and blanks */
	{ "[sssd]\ndomains = b,  a\n[domain/a]\nid_provider = ad\n[domain/b]\nmin_id = 7\n[domain/c]\nid_provider = ad\n",
	  "a:idmap:200000-2000199999;b:minmax:7-4294967294", 2 },
	{ "[domain/a]\nid_provider = ad\n[sssd]\ndomains = c\n", "", 0 },
	/* comments, blank lines, CRLF, blanks around sections and keys */
	{ "# c\n; c\n\n  [ domain/w ]  \r\n  id_provider  =  ad \r\n", "w:idmap:200000-2000199999", 1 },
	/* keys outside a domain section, unknown sections and malformed numbers are ignored */
	{ "id_provider = ad\n[nss]\nmin_id = 5\n[domain/x]\nmin_id = -5\nmax_id = 0x10\n", "", 1 },
	{ "[domain/x]\nmin_id = 10\nmin_id = 12\n", "x:minmax:12-4294967294", 1 },
	/* max_id above the last id is clamped */
	{ "[domain/x]\nmin_id = 1\nmax_id = 4294967295\n", "x:minmax:1-4294967294", 1 },
	/* an idmap range whose max is 0 gives nothing; a max below the min gives nothing */
	{ "[domain/x]\nid_provider = ad\nldap_idmap_range_max = 0\n", "", 1 },
	{ "[domain/x]\nid_provider = ad\nldap_idmap_range_min = 300000\nldap_idmap_range_max = 300000\n", "", 1 },
	/* an unterminated section header, a domain with no name */
	{ "[domain/x\nid_provider = ad\n[domain/]\nid_provider = ad\n", "", 0 },
	/* no newline at the end */
	{ "[domain/z]\nmin_id = 9", "z:minmax:9-4294967294", 1 },
};

static void render(const struct sssd_id_range *r, size_t n, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(buf + used, size - used, "%s%s:%s:%" PRIu64 "-%" PRIu64, i ? ";" : "", r[i].domain,
				 r[i].idmap ? "idmap" : "minmax", r[i].lo, r[i].hi);

		ck_assert(w > 0 && (size_t)w < size - used);
		used += (size_t)w;
	}
}

START_TEST(test_cases)
{
	struct sssd_id_range r[8];
	char got[1024];
	size_t domains = 99, n = sssdconf_id_ranges(cases[_i].text, strlen(cases[_i].text), r, 8, &domains);

	ck_assert_uint_le(n, 8);
	render(r, n, got, sizeof(got));
	ck_assert_msg(strcmp(got, cases[_i].want) == 0, "case %d: got \"%s\", want \"%s\"", _i, got, cases[_i].want);
	ck_assert_msg(domains == cases[_i].domains, "case %d: %zu domains, want %zu", _i, domains, cases[_i].domains);
}
END_TEST

/* More ranges than room: the count says so, only max are written, nothing past them. */
START_TEST(test_max)
{
	static const char text[] = "[domain/a]\nmin_id=1\n[domain/b]\nmin_id=2\n[domain/c]\nmin_id=3\n";
	struct sssd_id_range r[3];

	memset(r, 0x5a, sizeof(r));
	ck_assert_uint_eq(sssdconf_id_ranges(text, sizeof(text) - 1, r, 2, NULL), 3);
	ck_assert_str_eq(r[1].domain, "b");
	ck_assert_uint_eq((unsigned char)r[2].domain[0], 0x5a);
	ck_assert_uint_eq(sssdconf_id_ranges(text, sizeof(text) - 1, NULL, 0, NULL), 3);
}
END_TEST

/* A line longer than SSSDCONF_LINE_MAX is skipped whole; a name too long is no domain; a NUL
 * ends its line; the text need not be NUL-terminated. */
START_TEST(test_limits)
{
	char text[4096], name[SSSDCONF_NAME_MAX + 8];
	struct sssd_id_range r[4];
	size_t len, domains;

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	len = (size_t)snprintf(text, sizeof(text), "[domain/%s]\nmin_id = 5\n[domain/ok]\nmin_id = 6", name);
	ck_assert_uint_eq(sssdconf_id_ranges(text, len, r, 4, &domains), 1);
	ck_assert_str_eq(r[0].domain, "ok");
	ck_assert_uint_eq(domains, 1);

	memset(text, ' ', sizeof(text));
	memcpy(text, "[domain/x]\nmin_id = 5", 21);
	text[sizeof(text) - 1] = '\n';
	ck_assert_uint_eq(sssdconf_id_ranges(text, sizeof(text), r, 4, NULL), 0); /* one 4075-byte line */

	memcpy(text, "[domain/y]\nmin_id = 8\0 max_id = 9\n", 35);
	ck_assert_uint_eq(sssdconf_id_ranges(text, 35, r, 4, NULL), 1);
	ck_assert_uint_eq(r[0].lo, 8);
	ck_assert_uint_eq(r[0].hi, 4294967294U);

	memcpy(text, "[domain/q]\nmin_id = 77777", 25);
	ck_assert_uint_eq(sssdconf_id_ranges(text, 23, r, 4, NULL), 1); /* "min_id = 777" */
	ck_assert_uint_eq(r[0].lo, 777);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sssdconf");
	TCase *tc = tcase_create("sssdconf_id_ranges");

	tcase_add_loop_test(tc, test_cases, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_max);
	tcase_add_test(tc, test_limits);
	suite_add_tcase(s, tc);
	return run_suite(s, false);
}
