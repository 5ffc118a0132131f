/* SPDX-License-Identifier: GPL-2.0-or-later
 * Check suite for lib/escape.c: the one escaping function of every log line and of subid-check's
 * human output (issue 9). Every row states the input (NUL bytes included), the extra set, the
 * buffer size, the exact output and the return value. */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "check-run.h"

/* A string literal and its exact length, embedded NULs included. */
#define S(lit) lit, sizeof(lit) - 1

struct esc_case {
	const char *in;
	size_t len;
	const char *bad;
	size_t size; /* 0: a buffer large enough for anything */
	const char *out;
	int rc;
};

static const struct esc_case cases[] = {
	/* printable ASCII passes through, in every set */
	{ S("alice"), ESCAPE_TEXT, 0, "alice", 0 },
	{ S("alice"), ESCAPE_FIELD, 0, "alice", 0 },
	{ S(""), ESCAPE_FIELD, 0, "", 0 },
	{ S("a-b_c.d@e+f~"), ESCAPE_FIELD, 0, "a-b_c.d@e+f~", 0 },
	/* the quote: only where the set says so */
	{ S("x\"y"), ESCAPE_TEXT, 0, "x\"y", 0 },
	{ S("x\"y"), ESCAPE_QUOTED, 0, "x\\x22y", 0 },
	{ S("x\"y"), ESCAPE_FIELD, 0, "x\\x22y", 0 },
	/* the space and '=': only in a bare key=value field */
	{ S("a b"), ESCAPE_TEXT, 0, "a b", 0 },
	{ S("a b"), ESCAPE_QUOTED, 0, "a b", 0 },
	{ S("a b"), ESCAPE_FIELD, 0, "a\\x20b", 0 },
	{ S("a=b"), ESCAPE_FIELD, 0, "a\\x3db", 0 },
	{ S("a=b"), ESCAPE_QUOTED, 0, "a=b", 0 },
	/* the backslash, in every set but ESCAPE_ESCAPED: an escape in the output comes from us */
	{ S("a\\x41"), ESCAPE_TEXT, 0, "a\\x5cx41", 0 },
	{ S("\\"), ESCAPE_QUOTED, 0, "\\x5c", 0 },
	{ S("\\"), ESCAPE_FIELD, 0, "\\x5c", 0 },
	/* already escaped by our helper: kept; a raw control byte or quote still escaped */
	{ S("user 'a\\x22b'"), ESCAPE_ESCAPED, 0, "user 'a\\x22b'", 0 },
	{ S("a\"b\nc"), ESCAPE_ESCAPED, 0, "a\\x22b\\x0ac", 0 },
	/* control bytes, always: LF, CR, ESC, TAB, DEL, NUL */
	{ S("a\nb"), ESCAPE_TEXT, 0, "a\\x0ab", 0 },
	{ S("a\rb"), ESCAPE_TEXT, 0, "a\\x0db", 0 },
	{ S("\033[2K\r  PASS"), ESCAPE_TEXT, 0, "\\x1b[2K\\x0d  PASS", 0 },
	{ S("\033]0;title\007"), ESCAPE_TEXT, 0, "\\x1b]0;title\\x07", 0 },
	{ S("\t"), ESCAPE_TEXT, 0, "\\x09", 0 },
	{ S("\177"), ESCAPE_TEXT, 0, "\\x7f", 0 },
	{ S("a\0b"), ESCAPE_TEXT, 0, "a\\x00b", 0 },
	{ S("\001\037"), ESCAPE_TEXT, 0, "\\x01\\x1f", 0 },
	/* high bytes, always: C1 CSI, UTF-8, 0xff */
	{ S("\233"), ESCAPE_TEXT, 0, "\\x9b", 0 },
	{ S("Jos\303\251"), ESCAPE_TEXT, 0, "Jos\\xc3\\xa9", 0 },
	{ S("\200\377"), ESCAPE_FIELD, 0, "\\x80\\xff", 0 },
	/* a forged field and a forged line (issue 9, finding 3) */
	{ S("x\" action=map target=1"), ESCAPE_QUOTED, 0, "x\\x22 action=map target=1", 0 },
	{ S("x\" action=map"), ESCAPE_FIELD, 0, "x\\x22\\x20action\\x3dmap", 0 },
	{ S("1\n<13>forged"), ESCAPE_FIELD, 0, "1\\x0a<13>forged", 0 },
	/* the buffer: exact fit, cut with "...", never half an escape, tiny buffers */
	{ S("abc"), ESCAPE_TEXT, 4, "abc", 0 },
	{ S("abcd"), ESCAPE_TEXT, 4, "...", -ENOBUFS },
	{ S("abcdefgh"), ESCAPE_TEXT, 6, "ab...", -ENOBUFS },
	{ S("a\nb"), ESCAPE_TEXT, 6, "a...", -ENOBUFS },
	{ S("\n"), ESCAPE_TEXT, 5, "\\x0a", 0 },
	{ S("\n\n"), ESCAPE_TEXT, 8, "\\x0a...", -ENOBUFS },
	{ S("\n\n"), ESCAPE_TEXT, 7, "...", -ENOBUFS },
	{ S("\n\n"), ESCAPE_TEXT, 9, "\\x0a\\x0a", 0 },
	{ S("ab"), ESCAPE_TEXT, 1, "", -ENOBUFS },
	{ S("ab"), ESCAPE_TEXT, 2, "a", -ENOBUFS },
	{ S("ab"), ESCAPE_TEXT, 3, "ab", 0 },
	{ S("\n"), ESCAPE_TEXT, 3, "", -ENOBUFS },
	{ S(""), ESCAPE_TEXT, 1, "", 0 },
};

START_TEST(test_mem)
{
	const struct esc_case *c = &cases[_i];
	size_t size = c->size ? c->size : ESCAPE_MAX(c->len);
	char *buf = malloc(size + 8);
	int r;

	ck_assert_ptr_nonnull(buf);
	memset(buf, 'Z', size + 8);
	r = str_escape_mem(c->in, c->len, c->bad, buf, size);
	ck_assert_msg(r == c->rc, "row %d: returned %d, expected %d", _i, r, c->rc);
	ck_assert_str_eq(buf, c->out);
	/* nothing written past size */
	for (size_t i = size; i < size + 8; i++)
		ck_assert_int_eq(buf[i], 'Z');
	/* the output holds no control byte, no high byte, no byte of the set */
	for (const unsigned char *p = (const unsigned char *)buf; *p; p++) {
		ck_assert_msg(*p >= 0x20 && *p < 0x7f, "row %d: raw byte 0x%02x in the output", _i, *p);
		if (*p == '\\' && strchr(c->bad, '\\')) {
			/* with '\' in the set, every '\' of the output starts one of our escapes */
			ck_assert_msg(p[1] == 'x' && strchr("0123456789abcdef", p[2]) && p[2] &&
					      strchr("0123456789abcdef", p[3]) && p[3],
				      "row %d: a '\\' that is not an escape", _i);
			p += 3;
			continue;
		}
		ck_assert_msg(*p == '\\' || !strchr(c->bad, *p), "row %d: raw byte '%c' of the set in the output", _i, *p);
	}
	free(buf);
}
END_TEST

/* The C-string and malloc() forms agree with the memory form (rows without a NUL inside). */
START_TEST(test_str_alloc)
{
	const struct esc_case *c = &cases[_i];
	char *a = (char *)"sentinel", *buf;
	size_t size = c->size ? c->size : ESCAPE_MAX(c->len);

	if (strlen(c->in) != c->len)
		return;
	buf = malloc(size);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(str_escape(c->in, c->bad, buf, size), c->rc);
	ck_assert_str_eq(buf, c->out);
	free(buf);
	if (c->rc == 0) {
		ck_assert_int_eq(str_escape_alloc(c->in, c->bad, &a), 0);
		ck_assert_str_eq(a, c->out);
		free(a);
	}
}
END_TEST

START_TEST(test_edges)
{
	char buf[8] = "ZZZZZZZ", *a = NULL;

	ck_assert_int_eq(str_escape("x", ESCAPE_TEXT, buf, 0), -EINVAL);
	ck_assert_str_eq(buf, "ZZZZZZZ"); /* size 0: nothing written */
	ck_assert_int_eq(str_escape(NULL, ESCAPE_TEXT, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(str_escape("a b\\\"", NULL, buf, sizeof(buf)), 0); /* no set: the fixed bytes only */
	ck_assert_str_eq(buf, "a b\\\"");
	ck_assert_int_eq(str_escape_alloc(NULL, ESCAPE_FIELD, &a), 0);
	ck_assert_str_eq(a, "");
	free(a);
}
END_TEST

/* Every byte value, alone, in each set: escaped exactly when it must be. */
START_TEST(test_every_byte)
{
	static const char *const sets[] = { ESCAPE_TEXT, ESCAPE_QUOTED, ESCAPE_FIELD, ESCAPE_ESCAPED, ESCAPE_COMMAND };
	char in[1], out[8], want[8];

	for (size_t s = 0; s < sizeof(sets) / sizeof(sets[0]); s++)
		for (int b = 0; b < 256; b++) {
			bool esc = b < 0x20 || b >= 0x7f || (b && strchr(sets[s], b));

			in[0] = (char)b;
			ck_assert_int_eq(str_escape_mem(in, 1, sets[s], out, sizeof(out)), 0);
			if (esc)
				snprintf(want, sizeof(want), "\\x%02x", b);
			else
				snprintf(want, sizeof(want), "%c", b);
			ck_assert_msg(strcmp(out, want) == 0, "set %zu byte 0x%02x: '%s', expected '%s'", s, b, out, want);
		}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("escape");
	TCase *tc = tcase_create("str_escape");

	tcase_add_loop_test(tc, test_mem, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_loop_test(tc, test_str_alloc, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_edges);
	tcase_add_test(tc, test_every_byte);
	suite_add_tcase(s, tc);
	return run_suite(s, true);
}
