/* SPDX-License-Identifier: GPL-2.0-or-later
 * Check suite for lib/directory.c (the directory source's logic without LDAP) and for
 * alloc_set_*() in lib/alloc.c (writing given ranges): the configuration grammar and its
 * refusals, the verdict on hostile entries, the aligned choice and its free-slot count, DN
 * comparison, the plan for the local files, and the transaction in a mkdtemp() prefix. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "directory.h"
#include "check-run.h"

#define P0 2147483648u
#define C 65536u

/* ---- Configuration --------------------------------------------------------------------------- */

static const struct {
	const char *text;
	int want;
	const char *err; /* substring of the message, or for success the expected subid_base */
} conf_cases[] = {
	{ "uri ldapi:///\nuser_base ou=people,dc=example,dc=com\n", 0, "cn=subids,cn=accounts,dc=example,dc=com" },
	{ "# c\n\n  uri   ldapi:///  \nuser_base cn=users,cn=accounts,dc=a,dc=b\t\n", 0, "cn=subids,cn=accounts,dc=a,dc=b" },
	{ "uri ldapi:///\nuser_base ou=p,dc=x\nsubid_base ou=s,dc=x\n", 0, "ou=s,dc=x" },
	{ "uri ldaps://h\nuser_base ou=p,dc=x\nbind simple\nbind_dn cn=a\npassword_file /etc/pw\n", 0, "cn=subids,cn=accounts,dc=x" },
	{ "uri ldap://h\ntls starttls\nuser_base ou=p,dc=x\nbind simple\nbind_dn cn=a\npassword_file /p\n", 0, "cn=subids,cn=accounts,dc=x" },
	{ "uri ldapi:///\nuser_base ou=p,dc=x\npool_min 65536\npool_max 65536\ncount 1\n", 0, "cn=subids,cn=accounts,dc=x" },
	{ "uri ldapi:///\nuser_base ou=p,dc=x\nwrite_uri ldapi://%2Fp\n", 0, "cn=subids,cn=accounts,dc=x" },
	/* Refusals. */
	{ "user_base ou=p,dc=x\n", -EINVAL, "uri is missing" },
	{ "uri ldapi:///\n", -EINVAL, "user_base is missing" },
	{ "uri ldap://h\nuser_base ou=p,dc=x\n", -EINVAL, "plaintext to a network server is refused" },
	{ "uri ldap://h\nuser_base ou=p,dc=x\nbind simple\nbind_dn cn=a\npassword_file /p\n", -EINVAL, "plaintext" },
	{ "uri ldapi:///\nwrite_uri ldap://h\nuser_base ou=p,dc=x\n", -EINVAL, "plaintext" },
	{ "uri ldapi:/// ldap://h\nuser_base ou=p,dc=x\n", -EINVAL, "one scheme" },
	/* libldap splits at commas too: the second URI would be plaintext (EXTERNAL) */
	{ "uri ldaps://a,ldap://b\nuser_base ou=p,dc=x\nbind simple\nbind_dn cn=a\npassword_file /p\n", -EINVAL, "one scheme" },
	{ "uri ldapi:///,ldap://b\nuser_base ou=p,dc=x\n", -EINVAL, "one scheme" },
	{ "uri ldapi:///\nwrite_uri ldapi:///,ldap://b\nuser_base ou=p,dc=x\n", -EINVAL, "one scheme" },
	{ "uri http://h\nuser_base ou=p,dc=x\n", -EINVAL, "uri must be" },
	{ "uri ldaps://h\nuser_base ou=p,dc=x\n", -EINVAL, "bind external works over ldapi:// only" },
	{ "uri ldapi:///\nuser_base ou=p,dc=x\nbind simple\n", -EINVAL, "needs bind_dn and password_file" },
	{ "uri ldapi:///\nuser_base ou=p,dc=x\nbind_dn cn=a\n", -EINVAL, "go with bind simple only" },
	{ "uri ldapi:///\nuser_base ou=p,dc=x\npassword_file rel/p\n", -EINVAL, "absolute path" },
	{ "uri ldapi:///\nuser_base ou=p,dc=x\ntls starttls\n", -EINVAL, "ldap:// URIs only" },
	{ "uri ldapi:///\nuser_base ou=p,dc=x\ntls yes\n", -EINVAL, "tls must be starttls" },
	{ "uri ldapi:///\nuser_base ou=p,dc=x\nbind kerberos\n", -EINVAL, "bind must be" },
	{ "uri ldapi:///\nuri ldapi:///\nuser_base ou=p,dc=x\n", -EINVAL, "line 2: uri is given twice" },
	{ "uri ldapi:///\nuser_base ou=p,dc=x\nfoo bar\n", -EINVAL, "line 3: unknown key 'foo'" },
	{ "uri\nuser_base ou=p,dc=x\n", -EINVAL, "line 1: uri has no value" },
	{ "uri ldapi:///\nuser_base ou=p\x01,dc=x\n", -EINVAL, "control character" },
	{ "uri ldapi:///\nuser_base ou=people\n", -EINVAL, "no dc= suffix" },
	{ "uri ldapi:///\nuser_base ou=p,dc=x\ncount 0\n", -EINVAL, "count must be at least 1" },
	{ "uri ldapi:///\nuser_base ou=p,dc=x\ncount -1\n", -EINVAL, "not a plain decimal" },
	{ "uri ldapi:///\nuser_base ou=p,dc=x\ncount 065536\n", -EINVAL, "not a plain decimal" },
	{ "uri ldapi:///\nuser_base ou=p,dc=x\npool_max 4294967295\n", -EINVAL, "above 4294967294" },
	{ "uri ldapi:///\nuser_base ou=p,dc=x\npool_max 4294967296\n", -EINVAL, "not a plain decimal" },
	{ "uri ldapi:///\nuser_base ou=p,dc=x\npool_min 100\n", -EINVAL, "below 65536" },
	{ "uri ldapi:///\nuser_base ou=p,dc=x\npool_min 3000000000\npool_max 2000000000\n", -EINVAL, "above pool_max" },
	{ "uri ldapi:///\nuser_base ou=p,dc=x\npool_min 70000\npool_max 70009\ncount 11\n", -EINVAL, "does not fit" },
	{ "uri ldapi:///\nuser_base ou=p,dc=x\ntimeout 0\n", -EINVAL, "timeout must be" },
	{ "uri ldapi:///\nuser_base ou=p,dc=x\ntimeout 600001\n", -EINVAL, "timeout must be" },
};

START_TEST(test_conf)
{
	const char *t = conf_cases[_i].text;
	struct dir_config c = { 0 };
	char err[256];
	int r = dir_config_parse(t, strlen(t), &c, err, sizeof(err));

	ck_assert_msg(r == conf_cases[_i].want, "case %d: got %d (%s)", _i, r, err);
	if (r == 0) {
		ck_assert_str_eq(c.subid_base, conf_cases[_i].err);
		dir_config_free(&c);
	} else {
		ck_assert_msg(strstr(err, conf_cases[_i].err), "case %d: message '%s' lacks '%s'", _i, err,
			      conf_cases[_i].err);
		ck_assert_ptr_null(c.uri); /* untouched on failure */
	}
}
END_TEST

START_TEST(test_conf_defaults)
{
	const char *t = "uri ldapi:///\nuser_base ou=p,dc=x\n";
	struct dir_config c;

	ck_assert_int_eq(dir_config_parse(t, strlen(t), &c, NULL, 0), 0);
	ck_assert_uint_eq(c.pool_min, DIR_DEF_POOL_MIN);
	ck_assert_uint_eq(c.pool_max, DIR_DEF_POOL_MAX);
	ck_assert_uint_eq(c.count, DIR_DEF_COUNT);
	ck_assert_uint_eq(c.timeout_ms, DIR_DEF_TIMEOUT_MS);
	ck_assert_int_eq(c.bind, DIR_BIND_EXTERNAL);
	ck_assert_int_eq(c.tls, DIR_TLS_NONE);
	ck_assert_ptr_null(c.write_uri);
	dir_config_free(&c);
}
END_TEST

START_TEST(test_conf_nul)
{
	static const char t[] = "uri ldapi:///\nuser_base ou=p,dc=x\0\n";
	struct dir_config c = { 0 };
	char err[128];

	ck_assert_int_eq(dir_config_parse(t, sizeof(t) - 1, &c, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "NUL"));
}
END_TEST

/* ---- Entries --------------------------------------------------------------------------------- */

static struct dir_config pool(void)
{
	return (struct dir_config){ .pool_min = P0, .pool_max = DIR_DEF_POOL_MAX, .count = C };
}

#define V(...) ((const char *const[]){ __VA_ARGS__ })
static const struct {
	struct dir_raw_entry raw;
	bool valid, has_ranges;
	const char *why;
} entry_cases[] = {
	{ { "e0", V("uid=a"), 1, V("2147483648"), 1, V("65536"), 1, V("2147483648"), 1, V("65536"), 1 }, true, true, NULL },
	{ { "e1", V("uid=a"), 1, V("2147549184"), 1, V("65536"), 1, V("2147614720"), 1, V("65536"), 1 }, true, true, NULL },
	{ { "e2", V("uid=a"), 1, V("-1"), 1, V("65536"), 1, V("2147483648"), 1, V("65536"), 1 }, false, false, "ipaSubUidNumber '-1'" },
	{ { "e3", V("uid=a"), 1, V("99999999999"), 1, V("65536"), 1, V("2147483648"), 1, V("65536"), 1 }, false, false, "'99999999999'" },
	{ { "e4", V("uid=a"), 1, V("2147483648"), 1, V("0x10"), 1, V("2147483648"), 1, V("65536"), 1 }, false, false, "ipaSubUidCount '0x10'" },
	{ { "e5", V("uid=a"), 1, V("2147483648"), 1, V("65536"), 1, V(" 2147483648"), 1, V("65536"), 1 }, false, false, "ipaSubGidNumber" },
	{ { "e6", V("uid=a"), 1, V("2147483648"), 1, V("2000000000"), 1, V("2147483648"), 1, V("2000000000"), 1 }, false, true, "count 2000000000/2000000000" },
	{ { "e7", V("uid=a"), 1, V("4294967295"), 1, V("65536"), 1, V("2147483648"), 1, V("65536"), 1 }, false, false, "runs past 4294967294" },
	{ { "e8", V("uid=a"), 1, V("2147483648"), 1, V("0"), 1, V("2147483648"), 1, V("0"), 1 }, false, false, "empty" },
	{ { "e9", V("uid=a"), 1, V("100000"), 1, V("65536"), 1, V("100000"), 1, V("65536"), 1 }, false, true, "outside the pool" },
	{ { "e10", V("uid=a"), 1, V("4294840000"), 1, V("65536"), 1, V("4294840000"), 1, V("65536"), 1 }, false, true, "outside the pool" },
	{ { "e17", V("uid=a"), 1, V("4294836232"), 1, V("65536"), 1, V("4294836232"), 1, V("65536"), 1 }, true, true, NULL }, /* the pool's last id */
	{ { "e11", V("uid=a", "uid=b"), 2, V("2147483648"), 1, V("65536"), 1, V("2147483648"), 1, V("65536"), 1 }, false, true, "ipaOwner has 2 values" },
	{ { "e12", NULL, 0, V("2147483648"), 1, V("65536"), 1, V("2147483648"), 1, V("65536"), 1 }, false, true, "ipaOwner has 0 values" },
	{ { "e13", V("uid=a"), 1, V("1", "2"), 2, V("65536"), 1, V("2147483648"), 1, V("65536"), 1 }, false, false, "ipaSubUidNumber has 2 values" },
	{ { "e14", V("uid=a\x01"), 1, V("2147483648"), 1, V("65536"), 1, V("2147483648"), 1, V("65536"), 1 }, false, true, "control character" },
	{ { "e15", V("uid=a"), 1, V("\x01"), 1, V("65536"), 1, V("2147483648"), 1, V("65536"), 1 }, false, false, "not a plain decimal" },
	{ { "e16", V("uid=a"), 1, V("02147483648"), 1, V("65536"), 1, V("2147483648"), 1, V("65536"), 1 }, false, false, "not a plain decimal" },
};

START_TEST(test_entry)
{
	struct dir_config cfg = pool();
	struct dir_entry e;

	dir_entry_check(&entry_cases[_i].raw, &cfg, &e);
	ck_assert_msg(e.valid == entry_cases[_i].valid, "case %d: valid %d (%s)", _i, e.valid, e.why);
	ck_assert_msg(e.has_ranges == entry_cases[_i].has_ranges, "case %d: has_ranges %d", _i, e.has_ranges);
	ck_assert_str_eq(e.dn, entry_cases[_i].raw.dn);
	if (entry_cases[_i].why)
		ck_assert_msg(strstr(e.why, entry_cases[_i].why), "case %d: '%s' lacks '%s'", _i, e.why, entry_cases[_i].why);
}
END_TEST

START_TEST(test_overlaps)
{
	struct dir_config cfg = pool();
	struct dir_raw_entry raw[4] = {
		{ "a", V("uid=a"), 1, V("2147483648"), 1, V("65536"), 1, V("2147483648"), 1, V("65536"), 1 },
		{ "b", V("uid=b"), 1, V("2147549184"), 1, V("65536"), 1, V("2147549184"), 1, V("65536"), 1 },
		{ "c", V("uid=c"), 1, V("2147549284"), 1, V("65536"), 1, V("2147745792"), 1, V("65536"), 1 },
		{ "d", V("uid=d"), 1, V("2147811328"), 1, V("65536"), 1, V("2147745792"), 1, V("65536"), 1 },
	};
	struct dir_entry e[4];

	for (int i = 0; i < 4; i++)
		dir_entry_check(&raw[i], &cfg, &e[i]);
	ck_assert_int_eq(dir_entries_check_overlaps(e, 4), 0);
	ck_assert(e[0].valid);
	ck_assert(!e[1].valid && strstr(e[1].why, "sub-uid range overlaps entry c"));
	ck_assert(!e[2].valid && strstr(e[2].why, "overlaps entry b"));
	ck_assert(!e[3].valid && strstr(e[3].why, "sub-gid range overlaps entry c"));
}
END_TEST

START_TEST(test_uids)
{
	struct dir_config cfg = pool();
	struct dir_raw_entry raw[3] = {
		{ "a", V("uid=a"), 1, V("2147483648"), 1, V("65536"), 1, V("2147483648"), 1, V("65536"), 1 },
		{ "b", V("uid=b"), 1, V("2147549184"), 1, V("65536"), 1, V("2147549184"), 1, V("65536"), 1 },
		{ "c", V("uid=c"), 1, V("2147614720"), 1, V("65536"), 1, V("2147614720"), 1, V("65536"), 1 },
	};
	struct dir_uid uids[4] = { { 2147614720u + 65536, "next" }, { 2147549184u + 65535, "last" }, { 1000, "low" },
				   { 2147483647u, "below" } };
	struct dir_entry e[3];

	for (int i = 0; i < 3; i++)
		dir_entry_check(&raw[i], &cfg, &e[i]);
	ck_assert_int_eq(dir_entries_check_uids(e, 3, uids, 4), 0);
	ck_assert(e[0].valid);                   /* 2147483647 is just below it */
	ck_assert(!e[1].valid && strstr(e[1].why, "holds uid 2147614719 of directory user last"));
	ck_assert(e[2].valid);                   /* 2147680256 is just past it */
	ck_assert_int_eq(dir_entries_check_uids(e, 3, NULL, 0), 0);
}
END_TEST

/* ---- The choice ------------------------------------------------------------------------------ */

static const struct {
	struct idrange r[4];
	size_t n;
	uint32_t min, max, count;
	int want;
	uint32_t start;
	uint64_t free;
} choose_cases[] = {
	{ { { 0, 0 } }, 0, P0, DIR_DEF_POOL_MAX, C, 0, P0, 32767 },
	{ { { P0, C } }, 1, P0, DIR_DEF_POOL_MAX, C, 0, P0 + C, 32766 },
	{ { { P0 + C, C } }, 1, P0, DIR_DEF_POOL_MAX, C, 0, P0, 32766 },                     /* the hole below */
	{ { { P0 + 1, 1 } }, 1, P0, DIR_DEF_POOL_MAX, C, 0, P0 + C, 32766 },                 /* unaligned: slot taken */
	{ { { P0 + C, C }, { P0, C } }, 2, P0, DIR_DEF_POOL_MAX, C, 0, P0 + 2 * C, 32765 }, /* unsorted */
	{ { { 100, 5 }, { 4294967000u, 200 } }, 2, P0, DIR_DEF_POOL_MAX, C, 0, P0, 32767 },  /* outside the pool */
	{ { { P0, 0xFFFFFFFFu - P0 } }, 1, P0, DIR_DEF_POOL_MAX, C, -ENOSPC, 0, 0 },        /* everything taken */
	{ { { 70000, 10 } }, 1, 70000, 70019, 10, 0, 70010, 1 },
	{ { { 70000, 10 }, { 70010, 10 } }, 2, 70000, 70019, 10, -ENOSPC, 0, 0 },
	{ { { 70005, 1 } }, 1, 70000, 70029, 10, 0, 70010, 2 },
	{ { { 70000, 30 } }, 1, 70000, 70028, 10, -ENOSPC, 0, 0 },                          /* last slot incomplete */
	{ { { 0, 0 } }, 0, 70000, 70028, 10, 0, 70000, 2 },                                 /* 70020+10 > 70028 */
	{ { { 70000, 10 }, { 70000, 10 }, { 70003, 20 } }, 3, 70000, 70039, 10, 0, 70030, 1 }, /* overlapping ones */
};

START_TEST(test_choose)
{
	struct dir_config cfg = { .pool_min = choose_cases[_i].min, .pool_max = choose_cases[_i].max, .count = choose_cases[_i].count };
	struct idrange r[4];
	uint32_t start = 0;
	uint64_t nfree = 99;
	int ret;

	memcpy(r, choose_cases[_i].r, sizeof(r));
	ret = dir_choose(r, choose_cases[_i].n, &cfg, &start, &nfree);
	ck_assert_msg(ret == choose_cases[_i].want, "case %d: got %d", _i, ret);
	ck_assert_msg(nfree == choose_cases[_i].free, "case %d: free %llu", _i, (unsigned long long)nfree);
	if (ret == 0)
		ck_assert_msg(start == choose_cases[_i].start, "case %d: start %u", _i, start);
}
END_TEST

START_TEST(test_rdn)
{
	char buf[32];

	ck_assert_int_eq(dir_entry_rdn(P0, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "subid-2147483648");
	ck_assert_int_eq(dir_entry_rdn(P0, buf, 8), -ENAMETOOLONG);
}
END_TEST

static const struct {
	const char *a, *b;
	bool eq;
} dn_cases[] = {
	{ "uid=a,ou=p,dc=x", "uid=a,ou=p,dc=x", true },
	{ "UID=A,OU=P,DC=X", "uid=a,ou=p,dc=x", true },
	{ "uid=a, ou=p , dc=x", "uid=a,ou=p,dc=x", true },
	{ "uid = a,ou=p,dc=x", "uid=a,ou=p,dc=x", true },
	{ "uid=a,ou=p,dc=x", "uid=b,ou=p,dc=x", false },
	{ "uid=a,ou=p,dc=x", "uid=a,ou=p", false },
	{ "uid=a\\,b,dc=x", "uid=a,b,dc=x", false },
	/* the escaped byte counts (it was skipped: "a\\,b" equalled "a\\+b") */
	{ "cn=a\\,b,dc=x", "cn=a\\+b,dc=x", false },
	{ "cn=a\\,b,dc=x", "CN=A\\,B,DC=X", true },
	{ "cn=a\\", "cn=a\\", true },
	{ "uid=a b,dc=x", "uid=ab,dc=x", false },
	{ "", "", true },
};

START_TEST(test_dn)
{
	ck_assert_msg(dir_dn_equal(dn_cases[_i].a, dn_cases[_i].b) == dn_cases[_i].eq, "case %d", _i);
	ck_assert_msg(dir_dn_equal(dn_cases[_i].b, dn_cases[_i].a) == dn_cases[_i].eq, "case %d (swapped)", _i);
}
END_TEST

/* ---- The local files: classify and build ----------------------------------------------------- */

struct set_case {
	const char *old_u, *old_g;
	struct { const char *user; uint32_t uid; uint32_t su, sg; } items[3];
	size_t n;
	enum alloc_set_state want[3][2];
	const char *new_u, *new_g; /* NULL: unchanged */
};

static const struct set_case set_cases[] = {
	/* Added to empty files. */
	{ "", "", { { "a", 1001, P0, P0 } }, 1, { { ALLOC_SET_ADDED, ALLOC_SET_ADDED } },
	  "a:2147483648:65536\n", "a:2147483648:65536\n" },
	/* Already right: nothing to write. */
	{ "a:2147483648:65536\n", "a:2147483648:65536\n", { { "a", 1001, P0, P0 } }, 1,
	  { { ALLOC_SET_UNCHANGED, ALLOC_SET_UNCHANGED } }, NULL, NULL },
	/* Wrong by name, wrong by uid, repeated right: all corrected into one line; others kept. */
	{ "#c\nb:5:5\na:100000:65536\n1001:7:7\nbad line\n", "a:2147483648:65536\na:2147483648:65536\n",
	  { { "a", 1001, P0, P0 } }, 1, { { ALLOC_SET_CORRECTED, ALLOC_SET_CORRECTED } },
	  "#c\nb:5:5\nbad line\na:2147483648:65536\n", "a:2147483648:65536\n" },
	/* Another owner in the way (in the gid file only): the user is left alone in both files. */
	{ "", "x:2147483700:1\n", { { "a", 1001, P0, P0 }, { "b", 1002, P0 + C, P0 + C } }, 2,
	  { { ALLOC_SET_ADDED, ALLOC_SET_CONFLICT }, { ALLOC_SET_ADDED, ALLOC_SET_ADDED } },
	  "b:2147549184:65536\n", "x:2147483700:1\nb:2147549184:65536\n" },
	/* A local line straddling two wanted ranges conflicts with both. */
	{ "x:2147549000:300\n", "", { { "a", 1001, P0, P0 }, { "b", 1002, P0 + C, P0 + C } }, 2,
	  { { ALLOC_SET_CONFLICT, ALLOC_SET_ADDED }, { ALLOC_SET_CONFLICT, ALLOC_SET_ADDED } }, NULL, NULL },
	/* No final newline: kept, ended, then the new line. */
	{ "b:5:5", "", { { "a", 1001, P0, P0 } }, 1, { { ALLOC_SET_ADDED, ALLOC_SET_ADDED } },
	  "b:5:5\na:2147483648:65536\n", "a:2147483648:65536\n" },
	/* A line just below and just above the range is no conflict. */
	{ "x:2147418112:65536\ny:2147549184:1\n", "", { { "a", 1001, P0, P0 } }, 1,
	  { { ALLOC_SET_ADDED, ALLOC_SET_ADDED } }, "x:2147418112:65536\ny:2147549184:1\na:2147483648:65536\n",
	  "a:2147483648:65536\n" },
	/* A user whose name reads as another's uid is matched by name first. */
	{ "c:2147483648:65536\n", "", { { "c", 1003, P0, P0 }, { "d", 1004, P0 + C, P0 + C } }, 2,
	  { { ALLOC_SET_UNCHANGED, ALLOC_SET_ADDED }, { ALLOC_SET_ADDED, ALLOC_SET_ADDED } },
	  "c:2147483648:65536\nd:2147549184:65536\n", "c:2147483648:65536\nd:2147549184:65536\n" },
};

START_TEST(test_set)
{
	const struct set_case *t = &set_cases[_i];
	struct alloc_set_item it[3];
	const char *old[2] = { t->old_u, t->old_g }, *want[2] = { t->new_u, t->new_g };

	memset(it, 0, sizeof(it));
	for (size_t i = 0; i < t->n; i++) {
		it[i].user = t->items[i].user;
		it[i].uid = t->items[i].uid;
		it[i].want[0] = (struct idrange){ t->items[i].su, C };
		it[i].want[1] = (struct idrange){ t->items[i].sg, C };
	}
	for (int f = 0; f < 2; f++)
		ck_assert_int_eq(alloc_set_classify(old[f], strlen(old[f]), it, t->n, f), 0);
	for (size_t i = 0; i < t->n; i++)
		for (int f = 0; f < 2; f++)
			ck_assert_msg(it[i].state[f] == t->want[i][f], "case %d item %zu file %d: state %d", _i, i, f,
				      it[i].state[f]);
	for (int f = 0; f < 2; f++) {
		char *out = (char *)1;
		size_t len = 7;
		bool changed = true;

		ck_assert_int_eq(alloc_set_build(old[f], strlen(old[f]), it, t->n, f, &out, &len, &changed), 0);
		if (!want[f]) {
			ck_assert_msg(!changed && !out, "case %d file %d: changed to '%s'", _i, f, out ? out : "");
		} else {
			ck_assert_msg(changed, "case %d file %d: unchanged", _i, f);
			ck_assert_str_eq(out, want[f]);
			ck_assert_uint_eq(len, strlen(want[f]));
		}
		free(out);
	}
}
END_TEST

START_TEST(test_set_conflict_names)
{
	struct alloc_set_item it = { .user = "a", .uid = 1, .want = { { P0, C }, { P0, C } } };
	static const char f[] = "zed:2147483700:10\n";

	ck_assert_int_eq(alloc_set_classify(f, strlen(f), &it, 1, 0), 0);
	ck_assert_int_eq(it.state[0], ALLOC_SET_CONFLICT);
	ck_assert_str_eq(it.conflict[0], "zed:2147483700:10");
}
END_TEST

START_TEST(test_set_old)
{
	struct alloc_set_item it = { .user = "a", .uid = 1, .want = { { P0, C }, { P0, C } } };
	static const char f[] = "a:100000:65536\na:5:5\n";

	ck_assert_int_eq(alloc_set_classify(f, strlen(f), &it, 1, 0), 0);
	ck_assert_int_eq(it.state[0], ALLOC_SET_CORRECTED);
	ck_assert_uint_eq(it.old[0].start, 100000);
	ck_assert_uint_eq(it.old[0].count, 65536);
}
END_TEST

/* ---- The transaction in a prefix ------------------------------------------------------------- */

static char root[64];

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void put(const char *rel, const char *content)
{
	char p[128];
	FILE *f;

	(void)snprintf(p, sizeof(p), "%s%s", root, rel);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(content, f);
	fclose(f);
	chmod(p, 0644);
}

static char *get(const char *rel)
{
	static char buf[4096];
	char p[128];
	FILE *f;
	size_t n;

	(void)snprintf(p, sizeof(p), "%s%s", root, rel);
	f = fopen(p, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void setup(void)
{
	char p[128];

	strcpy(root, "/tmp/test_directory.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	(void)snprintf(p, sizeof(p), "%s/etc", root);
	ck_assert_int_eq(mkdir(p, 0755), 0);
}

static void teardown(void)
{
	(void)nftw(root, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

START_TEST(test_transaction)
{
	struct alloc_set_item it[2] = {
		{ .user = "a", .uid = 1001, .want = { { P0, C }, { P0, C } } },
		{ .user = "b", .uid = 1002, .want = { { P0 + C, C }, { P0 + C, C } } },
	};
	struct alloc_error err = { 0 };
	struct stat st;
	char p[128];

	put("/etc/subuid", "keep:1:1\na:9:9\n");
	put("/etc/subgid", "keep:1:1\n");
	/* Dry run: the plan, nothing written, no lock taken. */
	ck_assert_int_eq(alloc_set_transaction(root, 1, false, true, it, 2, &err), 0);
	ck_assert_int_eq(it[0].state[0], ALLOC_SET_CORRECTED);
	ck_assert_int_eq(it[1].state[1], ALLOC_SET_ADDED);
	ck_assert_str_eq(get("/etc/subuid"), "keep:1:1\na:9:9\n");
	(void)snprintf(p, sizeof(p), "%s/etc/.pwd.lock", root);
	ck_assert_int_ne(stat(p, &st), 0);
	/* For real. */
	ck_assert_int_eq(alloc_set_transaction(root, 1, false, false, it, 2, &err), 0);
	ck_assert_str_eq(get("/etc/subuid"), "keep:1:1\na:2147483648:65536\nb:2147549184:65536\n");
	ck_assert_str_eq(get("/etc/subgid"), "keep:1:1\na:2147483648:65536\nb:2147549184:65536\n");
	(void)snprintf(p, sizeof(p), "%s/etc/subuid.lock", root);
	ck_assert_int_ne(stat(p, &st), 0);
	/* Again: unchanged. */
	ck_assert_int_eq(alloc_set_transaction(root, 1, false, false, it, 2, &err), 0);
	ck_assert_int_eq(it[0].state[0], ALLOC_SET_UNCHANGED);
	ck_assert_int_eq(it[1].state[1], ALLOC_SET_UNCHANGED);
}
END_TEST

START_TEST(test_transaction_refusals)
{
	struct alloc_set_item bad_name = { .user = "a:b", .uid = 1, .want = { { P0, C }, { P0, C } } };
	struct alloc_set_item bad_range = { .user = "a", .uid = 1, .want = { { 4294967295u, 1 }, { P0, C } } };
	struct alloc_set_item ok = { .user = "a", .uid = 1, .want = { { P0, C }, { P0, C } } };
	struct alloc_error err = { 0 };

	ck_assert_int_eq(alloc_set_transaction(root, 1, true, false, &bad_name, 1, &err), -EINVAL);
	ck_assert_int_eq(err.reason, ALLOC_E_NAME);
	ck_assert_int_eq(alloc_set_transaction(root, 1, true, false, &bad_range, 1, &err), -EINVAL);
	/* Missing files without create: refused; with create: made. */
	ck_assert_int_eq(alloc_set_transaction(root, 1, false, false, &ok, 1, &err), -ENOENT);
	ck_assert_int_eq(err.reason, ALLOC_E_NOFILE);
	ck_assert_int_eq(alloc_set_transaction(root, 1, true, false, &ok, 1, &err), 0);
	ck_assert_str_eq(get("/etc/subuid"), "a:2147483648:65536\n");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("directory");
	TCase *t = tcase_create("logic");
	TCase *x = tcase_create("transaction");

	tcase_add_loop_test(t, test_conf, 0, (int)(sizeof(conf_cases) / sizeof(conf_cases[0])));
	tcase_add_test(t, test_conf_defaults);
	tcase_add_test(t, test_conf_nul);
	tcase_add_loop_test(t, test_entry, 0, (int)(sizeof(entry_cases) / sizeof(entry_cases[0])));
	tcase_add_test(t, test_overlaps);
	tcase_add_test(t, test_uids);
	tcase_add_loop_test(t, test_choose, 0, (int)(sizeof(choose_cases) / sizeof(choose_cases[0])));
	tcase_add_test(t, test_rdn);
	tcase_add_loop_test(t, test_dn, 0, (int)(sizeof(dn_cases) / sizeof(dn_cases[0])));
	tcase_add_loop_test(t, test_set, 0, (int)(sizeof(set_cases) / sizeof(set_cases[0])));
	tcase_add_test(t, test_set_conflict_names);
	tcase_add_test(t, test_set_old);
	tcase_add_checked_fixture(x, setup, teardown);
	tcase_add_test(x, test_transaction);
	tcase_add_test(x, test_transaction_refusals);
	suite_add_tcase(s, t);
	suite_add_tcase(s, x);
	return s;
}

int main(void)
{
	return run_suite(suite(), false);
}
