/* SPDX-License-Identifier: GPL-2.0-or-later
 * Check suite for lib/subfile.c, the /etc/subuid and /etc/subgid parser. Everything is fed from
 * memory buffers: no file under /etc is read. Literals are given with their exact size so that
 * embedded NUL bytes reach the parser. */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "subfile.h"
#include "check-run.h"

#define S(lit) lit, sizeof(lit) - 1
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
#define MIB (1024 * 1024)

/* ---- one line: subfile_parse_line ---- */

struct line_case {
	const char *text;
	size_t len;
	enum subfile_kind kind;
	enum subfile_reason reason;
	size_t owner_len; /* SUBFILE_ENTRY: the owner is text[0, owner_len) */
	uint32_t start, count;
};

#define ENT(lit, olen, s, c) { S(lit), SUBFILE_ENTRY, SUBFILE_OK, olen, s, c }
#define BADL(lit, why) { S(lit), SUBFILE_BAD, why, 0, 0, 0 }
#define KIND(lit, k) { S(lit), k, SUBFILE_OK, 0, 0, 0 }

static const struct line_case line_cases[] = {
	ENT("alice:100000:65536", 5, 100000, 65536),
	ENT("1000:100000:65536", 4, 100000, 65536),
	ENT("0:0:1", 1, 0, 1),
	ENT("a:1:1", 1, 1, 1),
	ENT("\xc3\xa9l\xc3\xa8ve:5:5", 7, 5, 5),      /* UTF-8 bytes are not control bytes */
	ENT("user.name-x_1$:200000:1", 14, 200000, 1),
	/* the kernel's limit, from range.h: start + count <= 4294967295 */
	ENT("alice:4294967294:1", 5, 4294967294U, 1),
	ENT("alice:0:4294967295", 5, 0, 4294967295U),
	ENT("alice:1:4294967294", 5, 1, 4294967294U),
	ENT("alice:4294967000:295", 5, 4294967000U, 295),
	BADL("alice:4294967295:1", SUBFILE_E_OVERFLOW),
	BADL("alice:1:4294967295", SUBFILE_E_OVERFLOW),
	BADL("alice:4294967294:2", SUBFILE_E_OVERFLOW),
	BADL("alice:4294967295:4294967295", SUBFILE_E_OVERFLOW),
	BADL("alice:4294967000:296", SUBFILE_E_OVERFLOW),
	/* blank and comment lines */
	KIND("", SUBFILE_BLANK),
	KIND("#", SUBFILE_COMMENT),
	KIND("# a comment", SUBFILE_COMMENT),
	KIND("#alice:100000:65536", SUBFILE_COMMENT),
	KIND("#\r", SUBFILE_COMMENT),
	/* field structure */
	BADL("alice", SUBFILE_E_FIELDS),
	BADL("alice:100000", SUBFILE_E_FIELDS),
	BADL("alice:100000:65536:", SUBFILE_E_FIELDS),
	BADL("alice:1:2:3", SUBFILE_E_FIELDS),
	BADL(" ", SUBFILE_E_FIELDS),
	BADL("::", SUBFILE_E_OWNER),
	BADL(":100000:65536", SUBFILE_E_OWNER),
	ENT(" #alice:1:1", 7, 1, 1), /* '#' must be the first byte: this owner is " #alice" */
	/* owner bytes */
	BADL("al\tice:1:1", SUBFILE_E_OWNER_BYTES),
	BADL("al\x7f" "ice:1:1", SUBFILE_E_OWNER_BYTES),
	BADL("al\0ice:1:1", SUBFILE_E_OWNER_BYTES),
	BADL("\0:1:1", SUBFILE_E_OWNER_BYTES),
	BADL("\x1b[31m:1:1", SUBFILE_E_OWNER_BYTES),
	/* start */
	BADL("alice::65536", SUBFILE_E_START),
	BADL("alice:-1:65536", SUBFILE_E_START),
	BADL("alice:+1:65536", SUBFILE_E_START),
	BADL("alice: 1:65536", SUBFILE_E_START),
	BADL("alice:01:65536", SUBFILE_E_START),
	BADL("alice:0x10:65536", SUBFILE_E_START),
	BADL("alice:100\0000:65536", SUBFILE_E_START),
	BADL("alice:4294967296:1", SUBFILE_E_START_RANGE),
	BADL("alice:18446744073709551616:1", SUBFILE_E_START_RANGE),
	/* count */
	BADL("alice:1:", SUBFILE_E_COUNT),
	BADL("alice:1:65536 ", SUBFILE_E_COUNT),
	BADL("alice:1:+1", SUBFILE_E_COUNT),
	BADL("alice:1:00", SUBFILE_E_COUNT),
	BADL("alice:1:65536#x", SUBFILE_E_COUNT),
	BADL("alice:100000:65536\0", SUBFILE_E_COUNT),
	BADL("alice:1:4294967296", SUBFILE_E_COUNT_RANGE),
	BADL("alice:1:0", SUBFILE_E_ZERO_COUNT),
	BADL("alice:4294967295:0", SUBFILE_E_ZERO_COUNT),
	/* CRLF files: the CR is reported as such, not as a bad count */
	BADL("alice:100000:65536\r", SUBFILE_E_CR),
	BADL("\r", SUBFILE_E_CR),
	BADL("alice\r", SUBFILE_E_CR),
};

START_TEST(test_line)
{
	const struct line_case *c = &line_cases[_i];
	struct subfile_line l;

	memset(&l, 0xa5, sizeof(l));
	subfile_parse_line(c->text, c->len, 1000UL + (unsigned long)_i, &l);
	ck_assert_uint_eq(l.lineno, 1000UL + (unsigned long)_i);
	ck_assert_ptr_eq(l.text, c->text);
	ck_assert_uint_eq(l.len, c->len);
	ck_assert_msg(l.kind == c->kind, "case %d: kind %d, expected %d", _i, l.kind, c->kind);
	ck_assert_msg(l.reason == c->reason, "case %d: reason %d (%s), expected %d (%s)", _i, l.reason,
		      subfile_reason_str(l.reason), c->reason, subfile_reason_str(c->reason));
	if (c->kind == SUBFILE_ENTRY) {
		ck_assert_ptr_eq(l.owner, c->text);
		ck_assert_uint_eq(l.owner_len, c->owner_len);
		ck_assert_uint_eq(l.start, c->start);
		ck_assert_uint_eq(l.count, c->count);
	}
}
END_TEST

/* ---- whole buffers: subfile_iter_init / subfile_next ---- */

struct exp_line {
	enum subfile_kind kind;
	enum subfile_reason reason;
	const char *owner; /* entries only */
	uint32_t start, count;
};

#define E_ENT(o, s, c) { SUBFILE_ENTRY, SUBFILE_OK, o, s, c }
#define E_BAD(why) { SUBFILE_BAD, why, NULL, 0, 0 }
#define E_BLANK { SUBFILE_BLANK, SUBFILE_OK, NULL, 0, 0 }
#define E_COMMENT { SUBFILE_COMMENT, SUBFILE_OK, NULL, 0, 0 }

static const struct {
	const char *buf;
	size_t len;
	size_t n;
	struct exp_line l[8];
} buf_cases[] = {
	{ S(""), 0, { { 0 } } },
	{ S("\n"), 1, { E_BLANK } },
	{ S("\n\n\n"), 3, { E_BLANK, E_BLANK, E_BLANK } },
	/* last line without a newline */
	{ S("alice:100000:65536"), 1, { E_ENT("alice", 100000, 65536) } },
	{ S("alice:100000:65536\nbob:165536:65536"), 2,
	  { E_ENT("alice", 100000, 65536), E_ENT("bob", 165536, 65536) } },
	/* a trailing newline ends the last line, it does not start another */
	{ S("alice:100000:65536\n"), 1, { E_ENT("alice", 100000, 65536) } },
	/* blank, comment and malformed lines never hide the valid lines after them */
	{ S("# head\n\nalice:1:1\nbroken\nbob:2:2\n#tail"), 6,
	  { E_COMMENT, E_BLANK, E_ENT("alice", 1, 1), E_BAD(SUBFILE_E_FIELDS), E_ENT("bob", 2, 2), E_COMMENT } },
	{ S("alice:1:0\nalice:4294967295:1\nalice:x:1\nalice:1:x\nalice:5:5"), 5,
	  { E_BAD(SUBFILE_E_ZERO_COUNT), E_BAD(SUBFILE_E_OVERFLOW), E_BAD(SUBFILE_E_START), E_BAD(SUBFILE_E_COUNT),
	    E_ENT("alice", 5, 5) } },
	/* CRLF file: every line is reported with the CR reason, blank CRLF lines too */
	{ S("alice:100000:65536\r\n\r\nbob:1:1\r\n"), 3,
	  { E_BAD(SUBFILE_E_CR), E_BAD(SUBFILE_E_CR), E_BAD(SUBFILE_E_CR) } },
	/* a lone CR is not a line break */
	{ S("alice:1:1\rbob:2:2\n"), 1, { E_BAD(SUBFILE_E_FIELDS) } },
	/* NUL bytes inside a line affect that line only */
	{ S("al\0ce:1:1\nalice:2:2\n"), 2, { E_BAD(SUBFILE_E_OWNER_BYTES), E_ENT("alice", 2, 2) } },
	{ S("alice:1\0:1\nalice:1:1\0\nalice:3:3"), 3,
	  { E_BAD(SUBFILE_E_START), E_BAD(SUBFILE_E_COUNT), E_ENT("alice", 3, 3) } },
	{ S("\0\nalice:4:4\n\0\0\0"), 3, { E_BAD(SUBFILE_E_FIELDS), E_ENT("alice", 4, 4), E_BAD(SUBFILE_E_FIELDS) } },
	/* several lines per owner, numeric owners */
	{ S("alice:100000:65536\n1000:200000:10\nalice:300000:5\n"), 3,
	  { E_ENT("alice", 100000, 65536), E_ENT("1000", 200000, 10), E_ENT("alice", 300000, 5) } },
};

START_TEST(test_buffer)
{
	struct subfile_iter it;
	struct subfile_line l;
	size_t i = 0, pos = 0;
	const char *buf = buf_cases[_i].buf;

	subfile_iter_init(&it, buf, buf_cases[_i].len);
	while (subfile_next(&it, &l)) {
		const struct exp_line *e = &buf_cases[_i].l[i];

		ck_assert_msg(i < buf_cases[_i].n, "case %d: more than %zu lines", _i, buf_cases[_i].n);
		ck_assert_uint_eq(l.lineno, i + 1);
		/* the line is the bytes up to the next '\n', in place in the buffer */
		ck_assert_ptr_eq(l.text, buf + pos);
		ck_assert_ptr_null(memchr(l.text, '\n', l.len));
		ck_assert_msg(l.kind == e->kind && l.reason == e->reason, "case %d line %zu: kind %d reason %d (%s)", _i,
			      i + 1, l.kind, l.reason, subfile_reason_str(l.reason));
		if (e->kind == SUBFILE_ENTRY) {
			ck_assert_uint_eq(l.owner_len, strlen(e->owner));
			ck_assert_mem_eq(l.owner, e->owner, l.owner_len);
			ck_assert_uint_eq(l.start, e->start);
			ck_assert_uint_eq(l.count, e->count);
		}
		pos += l.len + 1;
		i++;
	}
	ck_assert_uint_eq(i, buf_cases[_i].n);
	/* once at the end, it stays at the end */
	ck_assert(!subfile_next(&it, &l));
}
END_TEST

/* A 1 MiB line between two valid ones: reported, and the line after it still parses. */
START_TEST(test_long_line)
{
	static const char head[] = "alice:1:1\n", tail[] = "\nalice:2:2";
	size_t len = sizeof(head) - 1 + MIB + sizeof(tail) - 1;
	char *buf = malloc(len);
	struct subfile_iter it;
	struct subfile_line l;

	ck_assert_ptr_nonnull(buf);
	memcpy(buf, head, sizeof(head) - 1);
	memset(buf + sizeof(head) - 1, 'x', MIB);
	memcpy(buf + sizeof(head) - 1 + MIB, tail, sizeof(tail) - 1);
	subfile_iter_init(&it, buf, len);
	ck_assert(subfile_next(&it, &l));
	ck_assert_int_eq(l.kind, SUBFILE_ENTRY);
	ck_assert(subfile_next(&it, &l));
	ck_assert_uint_eq(l.lineno, 2);
	ck_assert_uint_eq(l.len, MIB);
	ck_assert_int_eq(l.kind, SUBFILE_BAD);
	ck_assert_int_eq(l.reason, SUBFILE_E_FIELDS);
	ck_assert(subfile_next(&it, &l));
	ck_assert_uint_eq(l.lineno, 3);
	ck_assert_int_eq(l.kind, SUBFILE_ENTRY);
	ck_assert_uint_eq(l.start, 2);
	ck_assert(!subfile_next(&it, &l));
	free(buf);
}
END_TEST

/* 1 MiB fields: an owner that long is an entry (the owner is opaque bytes); a count of a million
 * digits is out of range, not wrapped. */
START_TEST(test_long_fields)
{
	char *buf = malloc(MIB + 64);
	struct subfile_line l;
	int n;

	ck_assert_ptr_nonnull(buf);
	memset(buf, 'u', MIB);
	n = snprintf(buf + MIB, 64, ":100000:65536");
	subfile_parse_line(buf, MIB + (size_t)n, 7, &l);
	ck_assert_int_eq(l.kind, SUBFILE_ENTRY);
	ck_assert_uint_eq(l.owner_len, MIB);
	ck_assert_uint_eq(l.start, 100000);
	ck_assert_uint_eq(l.count, 65536);

	memcpy(buf, "alice:1:", 8);
	memset(buf + 8, '9', MIB - 8);
	subfile_parse_line(buf, MIB, 8, &l);
	ck_assert_int_eq(l.kind, SUBFILE_BAD);
	ck_assert_int_eq(l.reason, SUBFILE_E_COUNT_RANGE);
	free(buf);
}
END_TEST

START_TEST(test_reason_str)
{
	for (int a = 0; a < SUBFILE__MAX; a++) {
		const char *s = subfile_reason_str((enum subfile_reason)a);

		ck_assert_ptr_nonnull(s);
		ck_assert_uint_gt(strlen(s), 0);
		for (int b = 0; b < a; b++)
			ck_assert_str_ne(s, subfile_reason_str((enum subfile_reason)b));
	}
	ck_assert_str_eq(subfile_reason_str(SUBFILE_E_ZERO_COUNT), "count is 0");
	ck_assert_ptr_nonnull(subfile_reason_str(SUBFILE__MAX));
	ck_assert_ptr_nonnull(subfile_reason_str((enum subfile_reason)-1));
}
END_TEST

/* ---- owner matching ---- */

static const struct {
	const char *owner;
	const char *name;
	uint32_t uid;
	bool match;
} owner_cases[] = {
	{ "alice", "alice", 1000, true },
	{ "alice", "alicex", 1000, false },
	{ "alicex", "alice", 1000, false },
	{ "ALICE", "alice", 1000, false },      /* byte for byte */
	{ "alice", NULL, 1000, false },
	{ "1000", "alice", 1000, true },        /* numeric owner = uid */
	{ "1000", NULL, 1000, true },
	{ "1000", "alice", 1001, false },
	{ "01000", "alice", 1000, false },      /* strict grammar: a leading zero is not uid 1000 */
	{ "01000", "01000", 5, true },          /* ... but it is a name, byte for byte */
	{ "1000x", "alice", 1000, false },      /* not a number */
	{ "1000x", "1000x", 1001, true },       /* a user called 1000x */
	{ "1000x", "1000", 1000, false },
	{ " 1000", "alice", 1000, false },
	{ "+1000", "alice", 1000, false },
	{ "1000 ", "alice", 1000, false },
	{ "0", "root", 0, true },
	{ "0", "alice", 1000, false },
	{ "00", "alice", 0, false },
	{ "4294967296", "alice", 0, false },    /* would be 0 if wrapped */
	{ "4294967295", "alice", 4294967295U, true },
	{ "1000", "1000", 5, true },            /* a name made of digits */
	{ "1001", "1000", 1000, false },
};

START_TEST(test_owner)
{
	const char *o = owner_cases[_i].owner;

	ck_assert_msg(subfile_owner_matches(o, strlen(o), owner_cases[_i].name, owner_cases[_i].uid) ==
			      owner_cases[_i].match,
		      "case %d: owner '%s' name '%s' uid %u", _i, o, owner_cases[_i].name ? owner_cases[_i].name : "(null)",
		      owner_cases[_i].uid);
}
END_TEST

/* The owner is a counted string: bytes after owner_len are not part of it. */
START_TEST(test_owner_counted)
{
	ck_assert(subfile_owner_matches("alice:1:1", 5, "alice", 1));
	ck_assert(!subfile_owner_matches("alice:1:1", 4, "alice", 1));
	ck_assert(subfile_owner_matches("1000:1:1", 4, NULL, 1000));
	ck_assert(!subfile_owner_matches("10001:1:1", 5, NULL, 1000));
}
END_TEST

/* ---- subfile_collect ---- */

static const char file_a[] = "# subuid\n"            /* 1 comment */
			     "alice:100000:65536\n"   /* 2 */
			     "bob:165536:65536\n"     /* 3 */
			     "alice:231072:65536\n"   /* 4 */
			     "1000:296608:65536\n"    /* 5 */
			     "01000:362144:65536\n"   /* 6: an entry, but not uid 1000 */
			     "1000x:427680:65536\n"   /* 7 */
			     "alice:1:0\n"            /* 8 bad: count 0 */
			     "\n"                     /* 9 blank */
			     "alice:500000:10\r\n"    /* 10 bad: CR */
			     "alice:600000:10";       /* 11, no newline */

static const char file_b[] = "x\nalice:7:7\ny:1:\n"; /* 1 bad fields, 2 entry, 3 bad count */
static const char file_c[] = "ali\0ce:1:1\nalice:2:2\nalice:4294967294:1\nalice:4294967295:1\n";

struct collect_case {
	const char *buf;
	size_t len;
	const char *name;
	uint32_t uid;
	size_t n;
	struct idrange r[6];
	struct subfile_summary sum;
};

#define SUM_A { 11, 7, 2, 8, SUBFILE_E_ZERO_COUNT }

static const struct collect_case collect_cases[] = {
	{ S(file_a), "alice", 1000, 4, { { 100000, 65536 }, { 231072, 65536 }, { 296608, 65536 }, { 600000, 10 } }, SUM_A },
	{ S(file_a), "alice", 2000, 3, { { 100000, 65536 }, { 231072, 65536 }, { 600000, 10 } }, SUM_A },
	{ S(file_a), "bob", 1001, 1, { { 165536, 65536 } }, SUM_A },
	{ S(file_a), "1000x", 1001, 1, { { 427680, 65536 } }, SUM_A },
	{ S(file_a), "carol", 1000, 1, { { 296608, 65536 } }, SUM_A },
	{ S(file_a), NULL, 1000, 1, { { 296608, 65536 } }, SUM_A },
	{ S(file_a), "01000", 5, 1, { { 362144, 65536 } }, SUM_A },
	{ S(file_a), "carol", 999, 0, { { 0, 0 } }, SUM_A },
	{ S(file_a), "ALICE", 2000, 0, { { 0, 0 } }, SUM_A },
	{ S(""), "alice", 1000, 0, { { 0, 0 } }, { 0, 0, 0, 0, SUBFILE_OK } },
	{ S("\n# only comments\n"), "alice", 1000, 0, { { 0, 0 } }, { 2, 0, 0, 0, SUBFILE_OK } },
	{ S(file_b), "alice", 1000, 1, { { 7, 7 } }, { 3, 1, 2, 1, SUBFILE_E_FIELDS } },
	{ S(file_c), "alice", 1000, 2, { { 2, 2 }, { 4294967294U, 1 } }, { 4, 2, 2, 1, SUBFILE_E_OWNER_BYTES } },
	{ S("alice:1:1\r\nalice:2:2\r\n"), "alice", 1000, 0, { { 0, 0 } }, { 2, 0, 2, 1, SUBFILE_E_CR } },
};

START_TEST(test_collect)
{
	const struct collect_case *c = &collect_cases[_i];
	static struct idrange dummy;
	struct idrange *r = &dummy; /* sentinel: must be overwritten */
	size_t n = 12345;
	struct subfile_summary sum;

	memset(&sum, 0xa5, sizeof(sum));
	ck_assert_int_eq(subfile_collect(c->buf, c->len, c->name, c->uid, &r, &n, &sum), 0);
	ck_assert_msg(n == c->n, "case %d: %zu ranges, expected %zu", _i, n, c->n);
	if (n == 0)
		ck_assert_ptr_null(r); /* "NULL when there are none" */
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(r[i].start == c->r[i].start && r[i].count == c->r[i].count,
			      "case %d range %zu: %u+%u, expected %u+%u", _i, i, r[i].start, r[i].count, c->r[i].start,
			      c->r[i].count);
	ck_assert_uint_eq(sum.lines, c->sum.lines);
	ck_assert_uint_eq(sum.entries, c->sum.entries);
	ck_assert_uint_eq(sum.bad, c->sum.bad);
	ck_assert_uint_eq(sum.first_bad, c->sum.first_bad);
	ck_assert_int_eq(sum.first_bad_reason, c->sum.first_bad_reason);
	free(r);

	/* the summary is optional */
	r = NULL;
	n = 0;
	ck_assert_int_eq(subfile_collect(c->buf, c->len, c->name, c->uid, &r, &n, NULL), 0);
	ck_assert_uint_eq(n, c->n);
	free(r);
}
END_TEST

/* Many lines for one owner, interleaved with others: every range kept, in file order. */
START_TEST(test_collect_many)
{
	enum { LINES = 3000 };
	char *buf = malloc(LINES * 32), *p = buf;
	struct idrange *r = NULL;
	size_t n = 0;
	struct subfile_summary sum;

	ck_assert_ptr_nonnull(buf);
	for (unsigned i = 0; i < LINES; i++)
		p += sprintf(p, "%s:%u:%u\n", i % 3 == 1 ? "bob" : "alice", 100000 + i * 10, 10);
	ck_assert_int_eq(subfile_collect(buf, (size_t)(p - buf), "alice", 1000, &r, &n, &sum), 0);
	ck_assert_uint_eq(n, LINES - LINES / 3);
	for (unsigned i = 0, k = 0; i < LINES; i++) {
		if (i % 3 == 1)
			continue;
		ck_assert_uint_eq(r[k].start, 100000 + i * 10);
		ck_assert_uint_eq(r[k].count, 10);
		k++;
	}
	ck_assert_uint_eq(sum.lines, LINES);
	ck_assert_uint_eq(sum.entries, LINES);
	ck_assert_uint_eq(sum.bad, 0);
	ck_assert_uint_eq(sum.first_bad, 0);
	free(r);
	free(buf);
}
END_TEST

/* subfile_shadow_range(): how shadow's subordinate_parse() (getulong: strtoul base 0, the whole
 * field, no ERANGE) reads a line our parser refuses, and the part of its range below 2^32 - 1. */
static const struct shadow_case {
	const char *text;
	size_t len;
	bool entry;
	uint32_t start, count;
	size_t owner_len;
} shadow_cases[] = {
#define SH(lit, e, s, c, o) { lit, sizeof(lit) - 1, e, s, c, o }
	SH("bob:100000:65536", true, 100000, 65536, 3),
	SH("bob: 100000:65536", true, 100000, 65536, 3),
	SH("bob:\t \v100000:65536", true, 100000, 65536, 3), /* rows checked against getsubids 4.13 */
	SH("bob:+100000:65536", true, 100000, 65536, 3),
	SH("bob:0x186a0:65536", true, 100000, 65536, 3),
	SH("bob:0X186A0:0x10000", true, 100000, 65536, 3),
	SH("bob:0303240:65536", true, 100000, 65536, 3),
	SH("bob:100000:65536:more:fields", true, 100000, 65536, 3),
	SH("#bob:100000:65536", true, 100000, 65536, 4),
	SH(" bob :100000:65536", true, 100000, 65536, 5),
	SH("bob:100000:0", true, 0, 0, 3),                          /* an entry that takes nothing */
	SH("bob:4294967200:1000", true, 4294967200u, 95, 3),        /* clipped at 2^32 - 1 */
	SH("bob:100000:-1", true, 100000, 4294867295u, 3),          /* ULONG_MAX: everything above */
	SH("bob:-1:10", true, 0, 0, 3),                             /* starts beyond every id */
	SH("bob:4294967295:10", true, 0, 0, 3),
	SH("bob:18446744073709551615:1", true, 0, 0, 3),
	/* not entries to shadow either */
	SH("bob:100000:65536\r", false, 0, 0, 0),
	SH("bob:100000 :65536", false, 0, 0, 0),
	SH("bob:100000:65536 ", false, 0, 0, 0),
	SH("bob:0x:65536", false, 0, 0, 0),
	SH("bob:08:65536", false, 0, 0, 0),
	SH("bob:18446744073709551616:1", false, 0, 0, 0),           /* ERANGE */
	SH("bob::65536", false, 0, 0, 0),
	SH(":100000:65536", false, 0, 0, 0),
	SH("bob:100000:", false, 0, 0, 0),
	SH("bob:100000", false, 0, 0, 0),
	SH("", false, 0, 0, 0),
	SH("# a comment", false, 0, 0, 0),
	SH("bob:1\0:0:65536", false, 0, 0, 0),                      /* shadow stops at the NUL */
	SH("bob:100000:65536\0junk", true, 100000, 65536, 3),
#undef SH
};

START_TEST(test_shadow_range)
{
	const struct shadow_case *c = &shadow_cases[_i];
	struct idrange r = { 7, 7 };
	size_t olen = 99;
	bool got = subfile_shadow_range(c->text, c->len, &r, &olen);

	ck_assert_msg(got == c->entry, "row %d: entry %d, expected %d", _i, got, c->entry);
	if (!got)
		return;
	ck_assert_uint_eq(r.start, c->start);
	ck_assert_uint_eq(r.count, c->count);
	ck_assert_uint_eq(olen, c->owner_len);
}
END_TEST

/* A line of 1024 bytes or more is refused by shadow (its 1024-byte buffer), one of 1023 read. */
START_TEST(test_shadow_range_long)
{
	char line[1100];
	struct idrange r;
	size_t n;

	for (size_t len = 1020; len <= 1026; len++) {
		memset(line, 'a', sizeof(line));
		n = len - (sizeof("1:1") - 1) - 1;
		memcpy(line + n, ":1:1", 4);
		ck_assert_msg(subfile_shadow_range(line, len, &r, NULL) == (len < SUBFILE_SHADOW_LINE_MAX), "len %zu", len);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("subfile");
	TCase *tl = tcase_create("line"), *tb = tcase_create("buffer"), *to = tcase_create("owner"),
	      *tc = tcase_create("collect");

	tcase_add_loop_test(tl, test_line, 0, (int)N_OF(line_cases));
	tcase_add_test(tl, test_long_fields);
	tcase_add_test(tl, test_reason_str);
	tcase_add_loop_test(tb, test_buffer, 0, (int)N_OF(buf_cases));
	tcase_add_test(tb, test_long_line);
	tcase_add_loop_test(to, test_owner, 0, (int)N_OF(owner_cases));
	tcase_add_test(to, test_owner_counted);
	tcase_add_loop_test(tc, test_collect, 0, (int)N_OF(collect_cases));
	tcase_add_test(tc, test_collect_many);
	tcase_add_loop_test(tl, test_shadow_range, 0, (int)N_OF(shadow_cases));
	tcase_add_test(tl, test_shadow_range_long);
	suite_add_tcase(s, tl);
	suite_add_tcase(s, tb);
	suite_add_tcase(s, to);
	suite_add_tcase(s, tc);
	return run_suite(s, false);
}
