/* SPDX-License-Identifier: GPL-2.0-or-later
 * Check suite for lib/idmap.c: the "<inner> <outer> <count>" triples, the kernel's rules for a
 * map (map_write(): at most 340 extents, no count 0, no wrap past 4294967294, no overlap on either
 * side, text shorter than a page), the map text and the error messages. */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idmap.h"
#include "check-run.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
#define NONE ((size_t)-1) /* field not checked */
#define RET_N_SENTINEL ((size_t)777)

/* ---- idmap_parse_args (and idmap_describe of its errors) ---- */

struct parse_case {
	size_t nargs;
	const char *args[9];
	enum idmap_reason reason; /* IDMAP_OK: success */
	size_t index, other, arg;
	size_t n;
	struct idmap_extent e[3];
	const char *kind;
	const char *needle[3]; /* substrings the description must contain */
};

static const struct parse_case parse_cases[] = {
	{ 3, { "0", "100000", "65536" }, IDMAP_OK, 0, 0, 0, 1, { { 0, 100000, 65536 } }, NULL, { NULL } },
	{ 3, { "0", "1000", "1" }, IDMAP_OK, 0, 0, 0, 1, { { 0, 1000, 1 } }, NULL, { NULL } },
	/* adjacent ranges on both sides are fine */
	{ 6, { "0", "100000", "10", "10", "100010", "10" }, IDMAP_OK, 0, 0, 0, 2,
	  { { 0, 100000, 10 }, { 10, 100010, 10 } }, NULL, { NULL } },
	{ 6, { "0", "10", "10", "10", "0", "10" }, IDMAP_OK, 0, 0, 0, 2, { { 0, 10, 10 }, { 10, 0, 10 } }, NULL, { NULL } },
	{ 9, { "0", "1000", "1", "1", "100000", "65536", "65537", "0", "1" }, IDMAP_OK, 0, 0, 0, 3,
	  { { 0, 1000, 1 }, { 1, 100000, 65536 }, { 65537, 0, 1 } }, NULL, { NULL } },
	/* the edges of the id space */
	{ 3, { "0", "0", "4294967295" }, IDMAP_OK, 0, 0, 0, 1, { { 0, 0, 4294967295U } }, NULL, { NULL } },
	{ 3, { "4294967294", "4294967294", "1" }, IDMAP_OK, 0, 0, 0, 1, { { 4294967294U, 4294967294U, 1 } }, NULL, { NULL } },
	{ 6, { "0", "0", "1", "1", "1", "4294967294" }, IDMAP_OK, 0, 0, 0, 2,
	  { { 0, 0, 1 }, { 1, 1, 4294967294U } }, NULL, { NULL } },
	{ 3, { "4294967290", "1000", "5" }, IDMAP_OK, 0, 0, 0, 1, { { 4294967290U, 1000, 5 } }, NULL, { NULL } },

	/* argument count */
	{ 0, { NULL }, IDMAP_E_NO_EXTENTS, 0, NONE, NONE, 0, { { 0 } }, "uid", { "no uid range" } },
	{ 1, { "0" }, IDMAP_E_ARGC, 0, NONE, NONE, 0, { { 0 } }, "uid", { "triples", "incomplete" } },
	{ 2, { "0", "1000" }, IDMAP_E_ARGC, 0, NONE, NONE, 0, { { 0 } }, "uid", { "triples" } },
	{ 4, { "0", "1000", "1", "1" }, IDMAP_E_ARGC, 1, NONE, NONE, 0, { { 0 } }, "gid", { "triples" } },
	{ 5, { "0", "1000", "1", "1", "2" }, IDMAP_E_ARGC, 1, NONE, NONE, 0, { { 0 } }, "gid", { "incomplete" } },

	/* numbers: the index of the offending argument among the triples */
	{ 3, { "x", "1000", "1" }, IDMAP_E_NUMBER, 0, NONE, 0, 0, { { 0 } }, "uid",
	  { "inner id of uid range 1", "'x'" } },
	{ 3, { "", "1000", "1" }, IDMAP_E_NUMBER, 0, NONE, 0, 0, { { 0 } }, "uid", { "inner id of uid range 1", "''" } },
	{ 3, { "0", " 1000", "1" }, IDMAP_E_NUMBER, 0, NONE, 1, 0, { { 0 } }, "uid", { "outer id of uid range 1", "' 1000'" } },
	{ 6, { "0", "1000", "1", "1", "-1", "1" }, IDMAP_E_NUMBER, 1, NONE, 4, 0, { { 0 } }, "gid",
	  { "outer id of gid range 2", "'-1'" } },
	{ 6, { "0", "1000", "1", "1", "2000", "01" }, IDMAP_E_NUMBER, 1, NONE, 5, 0, { { 0 } }, "uid",
	  { "count of uid range 2", "'01'" } },
	{ 9, { "0", "1000", "1", "1", "2000", "1", "2", "3000", "1 " }, IDMAP_E_NUMBER, 2, NONE, 8, 0, { { 0 } }, "uid",
	  { "count of uid range 3", "'1 '" } },
	{ 3, { "0", "0x10", "1" }, IDMAP_E_NUMBER, 0, NONE, 1, 0, { { 0 } }, "uid", { "'0x10'" } },
	{ 3, { "0", "1000", "4294967296" }, IDMAP_E_NUMBER_RANGE, 0, NONE, 2, 0, { { 0 } }, "uid",
	  { "count of uid range 1", "above 4294967295", "'4294967296'" } },
	{ 6, { "0", "1000", "1", "18446744073709551616", "1", "1" }, IDMAP_E_NUMBER_RANGE, 1, NONE, 3, 0, { { 0 } },
	  "uid", { "inner id of uid range 2" } },
	/* the first bad argument wins */
	{ 6, { "0", "1000", "1", "4294967296", "x", "1" }, IDMAP_E_NUMBER_RANGE, 1, NONE, 3, 0, { { 0 } }, NULL, { NULL } },

	/* zero count */
	{ 3, { "0", "1000", "0" }, IDMAP_E_ZERO_COUNT, 0, NONE, NONE, 0, { { 0 } }, "uid", { "uid range 1 (0 1000 0)", "count 0" } },
	{ 6, { "0", "1000", "1", "5", "2000", "0" }, IDMAP_E_ZERO_COUNT, 1, NONE, NONE, 0, { { 0 } }, "gid",
	  { "gid range 2 (5 2000 0)" } },
	{ 3, { "4294967295", "1000", "0" }, IDMAP_E_ZERO_COUNT, 0, NONE, NONE, 0, { { 0 } }, NULL, { NULL } },

	/* inner / outer overflow: start + count <= 4294967295 */
	{ 3, { "4294967295", "1000", "1" }, IDMAP_E_INNER_OVERFLOW, 0, NONE, NONE, 0, { { 0 } }, "uid",
	  { "uid range 1 (4294967295 1000 1)", "inside" } },
	{ 3, { "4294967290", "1000", "6" }, IDMAP_E_INNER_OVERFLOW, 0, NONE, NONE, 0, { { 0 } }, NULL, { NULL } },
	{ 3, { "1", "0", "4294967295" }, IDMAP_E_INNER_OVERFLOW, 0, NONE, NONE, 0, { { 0 } }, NULL, { NULL } },
	{ 3, { "0", "4294967295", "1" }, IDMAP_E_OUTER_OVERFLOW, 0, NONE, NONE, 0, { { 0 } }, "uid",
	  { "uid range 1 (0 4294967295 1)", "outside" } },
	{ 6, { "0", "1000", "1", "1", "4294967294", "2" }, IDMAP_E_OUTER_OVERFLOW, 1, NONE, NONE, 0, { { 0 } }, "gid",
	  { "gid range 2 (1 4294967294 2)" } },
	{ 3, { "4294967295", "4294967295", "1" }, IDMAP_E_INNER_OVERFLOW, 0, NONE, NONE, 0, { { 0 } }, NULL, { NULL } },

	/* overlaps: index is the later extent, other the earlier one */
	{ 6, { "0", "1000", "10", "5", "2000", "10" }, IDMAP_E_INNER_OVERLAP, 1, 0, NONE, 0, { { 0 } }, "uid",
	  { "uid range 2 (5 2000 10)", "range 1 (0 1000 10)", "inside" } },
	{ 6, { "0", "1000", "10", "100", "1005", "10" }, IDMAP_E_OUTER_OVERLAP, 1, 0, NONE, 0, { { 0 } }, "uid",
	  { "uid range 2 (100 1005 10)", "range 1 (0 1000 10)", "outside" } },
	{ 9, { "0", "1000", "10", "10", "2000", "10", "20", "1009", "1" }, IDMAP_E_OUTER_OVERLAP, 2, 0, NONE, 0,
	  { { 0 } }, "gid", { "gid range 3 (20 1009 1)", "range 1 (0 1000 10)" } },
	{ 9, { "0", "1000", "10", "100", "2000", "10", "109", "3000", "1" }, IDMAP_E_INNER_OVERLAP, 2, 1, NONE, 0,
	  { { 0 } }, "uid", { "uid range 3 (109 3000 1)", "range 2 (100 2000 10)" } },
	{ 6, { "0", "1000", "10", "0", "1000", "10" }, IDMAP_E_INNER_OVERLAP, 1, 0, NONE, 0, { { 0 } }, NULL, { NULL } },
	{ 6, { "0", "0", "4294967295", "4294967294", "5", "1" }, IDMAP_E_INNER_OVERLAP, 1, 0, NONE, 0, { { 0 } }, NULL,
	  { NULL } },
};

START_TEST(test_parse)
{
	const struct parse_case *c = &parse_cases[_i];
	struct idmap_extent e[IDMAP_MAX_EXTENTS];
	struct idmap_error err;
	size_t n = RET_N_SENTINEL;
	int r;

	memset(&err, 0xa5, sizeof(err));
	r = idmap_parse_args(c->nargs, (char *const *)c->args, e, &n, &err);
	if (c->reason == IDMAP_OK) {
		ck_assert_msg(r == 0, "case %d: %d, reason %d index %zu", _i, r, err.reason, err.index);
		ck_assert_uint_eq(n, c->n);
		for (size_t i = 0; i < n; i++)
			ck_assert_msg(e[i].inner == c->e[i].inner && e[i].outer == c->e[i].outer &&
					      e[i].count == c->e[i].count,
				      "case %d extent %zu", _i, i);
		return;
	}
	ck_assert_msg(r == -EINVAL, "case %d: returned %d", _i, r);
	ck_assert_uint_eq(n, RET_N_SENTINEL); /* ret_n untouched on failure */
	ck_assert_msg(err.reason == c->reason, "case %d: reason %d, expected %d", _i, err.reason, c->reason);
	ck_assert_msg(err.index == c->index, "case %d: index %zu, expected %zu", _i, err.index, c->index);
	if (c->other != NONE)
		ck_assert_msg(err.other == c->other, "case %d: other %zu, expected %zu", _i, err.other, c->other);
	if (c->arg != NONE)
		ck_assert_msg(err.arg == c->arg, "case %d: arg %zu, expected %zu", _i, err.arg, c->arg);

	if (c->kind) {
		char msg[512];

		memset(msg, 'Z', sizeof(msg));
		idmap_describe(&err, c->kind, (char *const *)c->args, e, msg, sizeof(msg));
		ck_assert_ptr_nonnull(memchr(msg, '\0', sizeof(msg)));
		for (size_t k = 0; k < N_OF(c->needle) && c->needle[k]; k++)
			ck_assert_msg(strstr(msg, c->needle[k]), "case %d: \"%s\" lacks \"%s\"", _i, msg, c->needle[k]);
	}
}
END_TEST

/* ---- the 340-extent limit, with argument arrays built in code ---- */

static char **make_args(size_t triples, size_t bad_overlap_at)
{
	char **a = calloc(triples * 3 + 1, sizeof(*a));

	ck_assert_ptr_nonnull(a);
	for (size_t i = 0; i < triples; i++) {
		/* disjoint on both sides: inner i*10, outer 100000 + i*10, count 10 */
		size_t outer = i == bad_overlap_at ? 100005 : 100000 + i * 10;

		ck_assert_int_gt(asprintf(&a[3 * i], "%zu", i * 10), 0);
		ck_assert_int_gt(asprintf(&a[3 * i + 1], "%zu", outer), 0);
		ck_assert_int_gt(asprintf(&a[3 * i + 2], "%d", 10), 0);
	}
	return a;
}

static void free_args(char **a)
{
	for (size_t i = 0; a[i]; i++)
		free(a[i]);
	free(a);
}

static const struct {
	size_t triples;
	size_t overlap_at; /* (size_t)-1: none */
	enum idmap_reason reason;
	size_t index;
} limit_cases[] = {
	{ 1, NONE, IDMAP_OK, 0 },
	{ 339, NONE, IDMAP_OK, 0 },
	{ 340, NONE, IDMAP_OK, 0 },
	{ 341, NONE, IDMAP_E_TOO_MANY, 341 },
	{ 1000, NONE, IDMAP_E_TOO_MANY, 1000 },
	{ 340, 339, IDMAP_E_OUTER_OVERLAP, 339 },
};

START_TEST(test_limit)
{
	char **a = make_args(limit_cases[_i].triples, limit_cases[_i].overlap_at);
	struct idmap_extent e[IDMAP_MAX_EXTENTS];
	struct idmap_error err;
	size_t n = RET_N_SENTINEL;
	int r = idmap_parse_args(limit_cases[_i].triples * 3, a, e, &n, &err);

	if (limit_cases[_i].reason == IDMAP_OK) {
		ck_assert_int_eq(r, 0);
		ck_assert_uint_eq(n, limit_cases[_i].triples);
		ck_assert_uint_eq(e[n - 1].inner, (n - 1) * 10);
		ck_assert_uint_eq(e[n - 1].outer, 100000 + (n - 1) * 10);
		ck_assert_uint_eq(e[n - 1].count, 10);
	} else {
		ck_assert_int_eq(r, -EINVAL);
		ck_assert_uint_eq(n, RET_N_SENTINEL);
		ck_assert_int_eq(err.reason, limit_cases[_i].reason);
		ck_assert_uint_eq(err.index, limit_cases[_i].index);
		if (err.reason == IDMAP_E_TOO_MANY) {
			char msg[256];

			ck_assert_uint_eq(err.limit, IDMAP_MAX_EXTENTS);
			idmap_describe(&err, "uid", a, e, msg, sizeof(msg));
			ck_assert_ptr_nonnull(strstr(msg, "340"));
		} else {
			ck_assert_uint_eq(err.other, 0);
		}
	}
	free_args(a);
}
END_TEST

/* idmap_check on extents built directly. */
START_TEST(test_check)
{
	static struct idmap_extent many[IDMAP_MAX_EXTENTS + 1];
	struct idmap_extent e[2] = { { 0, 1000, 10 }, { 10, 1010, 10 } };
	struct idmap_error err;

	ck_assert_int_eq(idmap_check(e, 2, &err), 0);
	ck_assert_int_eq(idmap_check(e, 0, &err), -EINVAL);
	ck_assert_int_eq(err.reason, IDMAP_E_NO_EXTENTS);
	e[1].outer = 1009;
	ck_assert_int_eq(idmap_check(e, 2, &err), -EINVAL);
	ck_assert_int_eq(err.reason, IDMAP_E_OUTER_OVERLAP);
	ck_assert_uint_eq(err.index, 1);
	ck_assert_uint_eq(err.other, 0);
	for (size_t i = 0; i < N_OF(many); i++)
		many[i] = (struct idmap_extent){ (uint32_t)i, (uint32_t)i, 1 };
	ck_assert_int_eq(idmap_check(many, IDMAP_MAX_EXTENTS, &err), 0);
	ck_assert_int_eq(idmap_check(many, IDMAP_MAX_EXTENTS + 1, &err), -EINVAL);
	ck_assert_int_eq(err.reason, IDMAP_E_TOO_MANY);
	ck_assert_uint_eq(err.limit, IDMAP_MAX_EXTENTS);
}
END_TEST

/* ---- idmap_format ---- */

static const struct {
	size_t n;
	struct idmap_extent e[3];
	size_t page_size;
	const char *text; /* NULL: -E2BIG expected */
	size_t index;     /* the extent that did not fit */
} format_cases[] = {
	{ 1, { { 0, 100000, 65536 } }, 4096, "0 100000 65536\n", 0 },
	{ 2, { { 0, 1000, 1 }, { 1, 100000, 65536 } }, 4096, "0 1000 1\n1 100000 65536\n", 0 },
	{ 3, { { 0, 0, 1 }, { 1, 100000, 999 }, { 1000, 4294967294U, 1 } }, 4096,
	  "0 0 1\n1 100000 999\n1000 4294967294 1\n", 0 },
	{ 1, { { 0, 0, 4294967295U } }, 4096, "0 0 4294967295\n", 0 },
	{ 1, { { 4294967294U, 4294967294U, 1 } }, 4096, "4294967294 4294967294 1\n", 0 },
	/* "0 0 1\n" is 6 bytes: the text must stay shorter than the page */
	{ 1, { { 0, 0, 1 } }, 7, "0 0 1\n", 0 },
	{ 1, { { 0, 0, 1 } }, 6, NULL, 0 },
	{ 1, { { 0, 0, 1 } }, 1, NULL, 0 },
	{ 2, { { 0, 0, 1 }, { 1, 1, 1 } }, 13, "0 0 1\n1 1 1\n", 0 },
	{ 2, { { 0, 0, 1 }, { 1, 1, 1 } }, 12, NULL, 1 },
	{ 3, { { 0, 0, 1 }, { 1, 1, 1 }, { 2, 2, 1 } }, 12, NULL, 1 },
	{ 2, { { 10, 10, 10 }, { 0, 0, 1 } }, 16, "10 10 10\n0 0 1\n", 0 }, /* 9 + 6 = 15 bytes */
	{ 2, { { 10, 10, 10 }, { 0, 0, 1 } }, 15, NULL, 1 },
};

#define GUARD 64

START_TEST(test_format)
{
	size_t ps = format_cases[_i].page_size, len = RET_N_SENTINEL;
	char *buf = malloc(ps + GUARD);
	struct idmap_error err;
	int r;

	ck_assert_ptr_nonnull(buf);
	memset(buf, 'G', ps + GUARD);
	memset(&err, 0xa5, sizeof(err));
	r = idmap_format(format_cases[_i].e, format_cases[_i].n, ps, buf, &len, &err);
	if (format_cases[_i].text) {
		ck_assert_msg(r == 0, "case %d: %d", _i, r);
		ck_assert_uint_eq(len, strlen(format_cases[_i].text));
		ck_assert_mem_eq(buf, format_cases[_i].text, len);
		ck_assert_int_eq(buf[len], '\0');
	} else {
		ck_assert_msg(r == -E2BIG, "case %d: %d", _i, r);
		ck_assert_int_eq(err.reason, IDMAP_E_TEXT_SIZE);
		ck_assert_uint_eq(err.index, format_cases[_i].index);
		ck_assert_uint_eq(err.limit, ps);
		ck_assert_uint_eq(len, RET_N_SENTINEL);
	}
	for (size_t i = ps; i < ps + GUARD; i++)
		ck_assert_msg(buf[i] == 'G', "case %d: wrote past page_size at %zu", _i, i);
	free(buf);
}
END_TEST

/* An extent whose text line is exactly width bytes: d1 + d2 + d3 digits, two spaces, a newline. */
static struct idmap_extent extent_of_width(unsigned width)
{
	static const uint32_t pow10[] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000 };
	unsigned digits = width - 3, d[3];

	ck_assert(width >= 6 && width <= 33);
	d[0] = (digits + 2) / 3;
	d[1] = (digits + 1) / 3;
	d[2] = digits / 3;
	return (struct idmap_extent){ pow10[d[0] - 1], pow10[d[1] - 1], pow10[d[2] - 1] };
}

/* Real page size, many long extents: the text reaches 4096 bytes and is refused at the exact
 * extent where it would; 4095 bytes is still accepted. Lengths are computed here, not read back. */
START_TEST(test_format_page)
{
	enum { PS = 4096 };
	static struct idmap_extent e[IDMAP_MAX_EXTENTS];
	static char buf[PS + GUARD];
	struct idmap_error err;
	size_t len, n;

	/* extents of 33 bytes: 124 of them make 4092 bytes and fit ... */
	for (size_t i = 0; i < IDMAP_MAX_EXTENTS; i++)
		e[i] = extent_of_width(33);
	ck_assert_int_eq(idmap_format(e, 124, PS, buf, &len, &err), 0);
	ck_assert_uint_eq(len, 124 * 33);
	ck_assert_uint_eq(strlen(buf), 124 * 33);
	/* ... a 125th (index 124) would reach 4125: 340 of them are refused there */
	ck_assert_int_eq(idmap_format(e, IDMAP_MAX_EXTENTS, PS, buf, &len, &err), -E2BIG);
	ck_assert_int_eq(err.reason, IDMAP_E_TEXT_SIZE);
	ck_assert_uint_eq(err.index, 124);
	ck_assert_uint_eq(err.limit, PS);

	/* exactly 4095 bytes: 123 * 33 + 18 + 18 */
	n = 0;
	for (; n < 123; n++)
		e[n] = extent_of_width(33);
	e[n++] = extent_of_width(18);
	e[n++] = extent_of_width(18);
	memset(buf, 'G', sizeof(buf));
	ck_assert_int_eq(idmap_format(e, n, PS, buf, &len, &err), 0);
	ck_assert_uint_eq(len, 4095);
	ck_assert_int_eq(buf[4095], '\0');
	ck_assert_int_eq(buf[4094], '\n');
	ck_assert_int_eq(buf[PS], 'G');

	/* one byte more, exactly 4096: refused, at the last extent */
	e[n - 1] = extent_of_width(19);
	len = RET_N_SENTINEL;
	ck_assert_int_eq(idmap_format(e, n, PS, buf, &len, &err), -E2BIG);
	ck_assert_uint_eq(err.index, n - 1);
	ck_assert_uint_eq(len, RET_N_SENTINEL);
	for (size_t i = PS; i < sizeof(buf); i++)
		ck_assert_int_eq(buf[i], 'G');
}
END_TEST

/* idmap.h: "Format the map ... into buf, NUL-terminated." With no extents the text is empty and
 * must still be a string. */
START_TEST(test_format_empty)
{
	char buf[16];
	size_t len = RET_N_SENTINEL;
	struct idmap_error err;

	memset(buf, 'X', sizeof(buf));
	ck_assert_int_eq(idmap_format(NULL, 0, sizeof(buf), buf, &len, &err), 0);
	ck_assert_uint_eq(len, 0);
	ck_assert_msg(buf[0] == '\0', "idmap_format with n = 0 left buf unterminated (buf[0] = '%c')", buf[0]);
}
END_TEST

/* ---- idmap_describe for the cases the parse table does not reach ---- */

START_TEST(test_describe)
{
	static struct idmap_extent e[IDMAP_MAX_EXTENTS];
	static char text[4096];
	char msg[512];
	struct idmap_error err = { 0 };
	char *args[] = { "0", "1000", "10", "5", "2000", "10", NULL };

	/* text size, as idmap_format reports it */
	for (size_t i = 0; i < IDMAP_MAX_EXTENTS; i++)
		e[i] = extent_of_width(33);
	ck_assert_int_eq(idmap_format(e, IDMAP_MAX_EXTENTS, sizeof(text), text, &(size_t){ 0 }, &err), -E2BIG);
	idmap_describe(&err, "gid", NULL, e, msg, sizeof(msg));
	ck_assert_msg(strstr(msg, "gid map") && strstr(msg, "4096") && strstr(msg, "range 125"), "%s", msg);

	/* without the parsed extents, an extent error still names the range */
	err = (struct idmap_error){ .reason = IDMAP_E_INNER_OVERLAP, .index = 1, .other = 0 };
	idmap_describe(&err, "uid", args, NULL, msg, sizeof(msg));
	ck_assert_msg(strstr(msg, "uid range 2"), "%s", msg);

	/* truncated to size, still a string */
	err = (struct idmap_error){ .reason = IDMAP_E_ZERO_COUNT, .index = 0 };
	e[0] = (struct idmap_extent){ 0, 1000, 0 };
	idmap_describe(&err, "uid", args, e, msg, 10);
	ck_assert_uint_eq(strlen(msg), 9);
	ck_assert_mem_eq(msg, "uid range", 9);

	/* an unknown reason gives a generic sentence, not garbage */
	err = (struct idmap_error){ .reason = IDMAP__MAX };
	idmap_describe(&err, "gid", args, e, msg, sizeof(msg));
	ck_assert_msg(strstr(msg, "gid"), "%s", msg);
}
END_TEST

/* A zero-byte page holds no text at all, not even the empty map's: -E2BIG, nothing written. */
START_TEST(test_format_zero_page)
{
	struct idmap_extent e[1] = { { 0, 100000, 1 } };
	struct idmap_error err = { 0 };
	char buf[1] = { 'X' };
	size_t len = 77;

	ck_assert_int_eq(idmap_format(e, 0, 0, buf, &len, &err), -E2BIG);
	ck_assert_int_eq(err.reason, IDMAP_E_TEXT_SIZE);
	ck_assert_int_eq(idmap_format(e, 1, 0, buf, &len, &err), -E2BIG);
	ck_assert_uint_eq(len, 77);
	ck_assert_int_eq(buf[0], 'X');
}
END_TEST


int main(void)
{
	Suite *s = suite_create("idmap");
	TCase *tp = tcase_create("parse_args"), *tf = tcase_create("format"), *td = tcase_create("describe");

	tcase_add_loop_test(tp, test_parse, 0, (int)N_OF(parse_cases));
	tcase_add_loop_test(tp, test_limit, 0, (int)N_OF(limit_cases));
	tcase_add_test(tp, test_check);
	tcase_add_loop_test(tf, test_format, 0, (int)N_OF(format_cases));
	tcase_add_test(tf, test_format_zero_page);
	tcase_add_test(tf, test_format_page);
	tcase_add_test(tf, test_format_empty);
	tcase_add_test(td, test_describe);
	suite_add_tcase(s, tp);
	suite_add_tcase(s, tf);
	suite_add_tcase(s, td);
	return run_suite(s, false);
}
