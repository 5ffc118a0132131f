/* SPDX-License-Identifier: GPL-2.0-or-later
 * Check suite for lib/number.c: the one decimal parser for ids, counts and pids.
 * Every case states the exact return value, the value on success, and that *ret keeps its
 * sentinel on failure (number.h: "*ret is untouched on failure"). */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "number.h"
#include "check-run.h"

#define SENTINEL UINT32_C(0xdeadbeef)

/* A string literal and its exact length, embedded NULs included. */
#define S(lit) lit, sizeof(lit) - 1

struct num_case {
	const char *s;
	size_t len;  /* bytes handed to subid_parse_u32 */
	bool cstr;   /* also a NUL-terminated string of that length: check subid_parse_u32_str too */
	int rc;
	uint32_t val;
};

#define OK(lit, v) { S(lit), true, 0, v }
#define BAD(lit, e) { S(lit), true, e, 0 }
/* Explicit length that differs from what strlen() would see. */
#define RAW(lit, l, e, v) { lit, l, false, e, v }

static const struct num_case cases[] = {
	/* the grammar: "0" | [1-9][0-9]* */
	OK("0", 0),
	OK("1", 1),
	OK("9", 9),
	OK("10", 10),
	OK("100000", 100000),
	OK("65536", 65536),
	OK("4294967294", 4294967294U),
	OK("4294967295", UINT32_MAX),
	/* empty, blanks, signs, leading zeros, base prefixes, trailing bytes */
	BAD("", -EINVAL),
	BAD(" 1", -EINVAL),
	BAD("1 ", -EINVAL),
	BAD("\t1", -EINVAL),
	BAD("1\n", -EINVAL),
	BAD("+1", -EINVAL),
	BAD("-1", -EINVAL),
	BAD("-0", -EINVAL),
	BAD("01", -EINVAL),
	BAD("00", -EINVAL),
	BAD("010", -EINVAL),
	BAD("0000000000000000000004294967296", -EINVAL),
	BAD("0x1", -EINVAL),
	BAD("0X1", -EINVAL),
	BAD("0b1", -EINVAL),
	BAD("1a", -EINVAL),
	BAD("a1", -EINVAL),
	BAD("1e3", -EINVAL),
	BAD("1.0", -EINVAL),
	BAD("1,000", -EINVAL),
	BAD("1_000", -EINVAL),
	BAD("\xef\xbc\x91", -EINVAL), /* U+FF11 FULLWIDTH DIGIT ONE */
	BAD("\xd9\xa3", -EINVAL),     /* U+0663 ARABIC-INDIC DIGIT THREE */
	BAD("1\xff", -EINVAL),
	/* above 2^32 - 1: -ERANGE, but only when the whole string is digits */
	BAD("4294967296", -ERANGE),
	BAD("4294967300", -ERANGE),
	BAD("9999999999", -ERANGE),
	BAD("42949672950", -ERANGE),
	BAD("18446744073709551615", -ERANGE),
	BAD("18446744073709551616", -ERANGE),
	BAD("99999999999999999999999999999999999999", -ERANGE),
	BAD("99999999999", -ERANGE),
	BAD("99999999999x", -EINVAL),
	BAD("99999999999999999999999-", -EINVAL),
	BAD("4294967296 ", -EINVAL),
	/* explicit lengths: an embedded NUL is a byte like any other non-digit */
	RAW("1\0002", 3, -EINVAL, 0),
	RAW("12\0", 3, -EINVAL, 0),
	RAW("\0001", 2, -EINVAL, 0),
	RAW("\0", 1, -EINVAL, 0),
	RAW("123", 2, 0, 12),
	RAW("4294967295", 9, 0, 429496729),
	RAW("42949672950", 10, 0, 4294967295U),
	RAW("1", 0, -EINVAL, 0),
	RAW("0123", 1, 0, 0),
};

START_TEST(test_parse)
{
	const struct num_case *c = &cases[_i];
	uint32_t v = SENTINEL;
	int r = subid_parse_u32(c->s, c->len, &v);

	ck_assert_msg(r == c->rc, "case %d: subid_parse_u32(\"%.*s\", %zu) = %d, expected %d", _i, (int)c->len,
		      c->s, c->len, r, c->rc);
	if (c->rc == 0)
		ck_assert_msg(v == c->val, "case %d: value %u, expected %u", _i, v, c->val);
	else
		ck_assert_msg(v == SENTINEL, "case %d: *ret changed to %u on failure", _i, v);

	if (c->cstr) {
		ck_assert_uint_eq(strlen(c->s), c->len);
		v = SENTINEL;
		r = subid_parse_u32_str(c->s, &v);
		ck_assert_msg(r == c->rc, "case %d: subid_parse_u32_str(\"%s\") = %d, expected %d", _i, c->s, r, c->rc);
		ck_assert_uint_eq(v, c->rc == 0 ? c->val : SENTINEL);
	}
}
END_TEST

START_TEST(test_null)
{
	uint32_t v = SENTINEL;

	ck_assert_int_eq(subid_parse_u32(NULL, 0, &v), -EINVAL);
	ck_assert_int_eq(subid_parse_u32(NULL, 5, &v), -EINVAL);
	ck_assert_int_eq(subid_parse_u32_str(NULL, &v), -EINVAL);
	ck_assert_uint_eq(v, SENTINEL);
}
END_TEST

/* Every value around each power of ten and around 2^32 parses back to itself, and one more than
 * UINT32_MAX written out is -ERANGE: a sweep that does not depend on the table above. */
START_TEST(test_roundtrip)
{
	static const uint64_t base[] = { 0, 9, 10, 99, 100, 65535, 65536, 99999, 100000, 999999999,
					 1000000000, 2147483647, 2147483648, 4294967290 };

	for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++)
		for (uint64_t d = 0; d <= 10; d++) {
			uint64_t x = base[i] + d;
			char s[32];
			uint32_t v = SENTINEL;
			int n = snprintf(s, sizeof(s), "%llu", (unsigned long long)x);

			ck_assert_int_gt(n, 0);
			if (x <= UINT32_MAX) {
				ck_assert_int_eq(subid_parse_u32(s, (size_t)n, &v), 0);
				ck_assert_uint_eq(v, (uint32_t)x);
			} else {
				ck_assert_int_eq(subid_parse_u32(s, (size_t)n, &v), -ERANGE);
				ck_assert_uint_eq(v, SENTINEL);
			}
		}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("number");
	TCase *tc = tcase_create("subid_parse_u32");

	tcase_add_loop_test(tc, test_parse, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_null);
	tcase_add_test(tc, test_roundtrip);
	suite_add_tcase(s, tc);
	return run_suite(s, false);
}
