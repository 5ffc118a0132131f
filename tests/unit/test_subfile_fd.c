/* SPDX-License-Identifier: GPL-2.0-or-later
 * Check suite for subfile_collect_fd(), the helpers' fast path: it must find exactly the ranges
 * the full parser subfile_collect() finds, in the same order, whatever the file holds and wherever
 * the 64 KiB read buffer cuts it. Files are generated in memory and fed through a memfd. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "subfile.h"
#include "check-run.h"

#define BUF (64u << 10) /* the reader's buffer size, to aim lines at its edges */

struct text {
	char *p;
	size_t len, cap;
};

static void add(struct text *t, const char *s, size_t n)
{
	if (t->len + n > t->cap) {
		t->cap = (t->len + n) * 2 + 64;
		t->p = realloc(t->p, t->cap);
		ck_assert_ptr_nonnull(t->p);
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
}

static void addf(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(struct text *t, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	add(t, line, (size_t)n);
}

/* Pad with other owners' lines until the text length is exactly at. */
static void pad_to(struct text *t, size_t at)
{
	while (t->len + 40 < at)
		addf(t, "padowner%zu:%u:%u\n", t->len, 200000u, 10u);
	while (t->len + 1 < at)
		add(t, "#", 1);
	if (t->len < at)
		add(t, "\n", 1);
}

static int cmp_range(const void *a, const void *b)
{
	const struct idrange *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return (x->count > y->count) - (x->count < y->count);
}

/* The fast path returns the same ranges as a set (name lines first, then uid lines). */
static void compare(const struct text *t, const char *name, uint32_t uid)
{
	struct idrange *full = NULL, *fast = NULL;
	size_t n_full = 99, n_fast = 77;
	int fd = memfd_create("subuid", MFD_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, t->p, t->len), (ssize_t)t->len);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(subfile_collect(t->p, t->len, name, uid, &full, &n_full, NULL), 0);
	ck_assert_int_eq(subfile_collect_fd(fd, name, uid, &fast, &n_fast), 0);
	ck_assert_uint_eq(n_fast, n_full);
	if (n_full > 1) {
		qsort(full, n_full, sizeof(*full), cmp_range);
		qsort(fast, n_fast, sizeof(*fast), cmp_range);
	}
	for (size_t i = 0; i < n_full; i++) {
		ck_assert_uint_eq(fast[i].start, full[i].start);
		ck_assert_uint_eq(fast[i].count, full[i].count);
	}
	free(full);
	free(fast);
	close(fd);
}

/* Each case builds a file and states how many ranges alice (uid 1000) must get. */
enum { C_MIXED, C_FIRST_LINE, C_NO_NEWLINE, C_AT_EDGE_BEFORE, C_AT_EDGE_ON, C_AT_EDGE_AFTER, C_STRADDLE,
       C_LONG_LINE, C_HUGE_LINE_THEN_ENTRY, C_PREFIX_NAMES, C_NUMERIC_FORMS, C_BAD_OWN_LINES, C_EMPTY,
       C_MANY, C_CR_NUL, C__MAX };

static size_t build(int which, struct text *t)
{
	switch (which) {
	case C_MIXED:
		addf(t, "bob:100000:65536\nalice:165536:65536\n# comment\n\nalice:231072:10\n1000:300000:5\n");
		return 3;
	case C_FIRST_LINE:
		addf(t, "alice:100000:65536\nbob:165536:65536\n");
		return 1;
	case C_NO_NEWLINE:
		addf(t, "bob:1:2\nalice:100000:65536");
		return 1;
	case C_AT_EDGE_BEFORE: /* the entry ends exactly at the buffer edge, newline included */
		pad_to(t, BUF - strlen("alice:100000:65536\n"));
		addf(t, "alice:100000:65536\nalice:200000:1\n");
		return 2;
	case C_AT_EDGE_ON: /* the entry starts exactly at the buffer edge */
		pad_to(t, BUF);
		addf(t, "alice:100000:65536\n");
		return 1;
	case C_AT_EDGE_AFTER:
		pad_to(t, BUF + 1);
		addf(t, "alice:100000:65536\n");
		return 1;
	case C_STRADDLE: /* the edge cuts the entry, then the needle itself */
		pad_to(t, BUF - 7);
		addf(t, "alice:100000:65536\n");
		pad_to(t, 2 * BUF - 2);
		addf(t, "alice:400000:3\n");
		return 2;
	case C_LONG_LINE: /* a 100 KiB line: fits the buffer, is not an entry */
		addf(t, "alice:1:");
		for (int i = 0; i < 100 * 1024; i++)
			add(t, "9", 1);
		addf(t, "\nalice:500000:7\n");
		return 1;
	case C_HUGE_LINE_THEN_ENTRY: /* a line longer than the buffer is skipped, the next one is read */
		for (size_t i = 0; i < 3 * BUF; i++)
			add(t, "x", 1);
		addf(t, "\nalice:600000:8\n");
		return 1;
	case C_PREFIX_NAMES: /* names that begin like ours, or end like ours */
		addf(t, "alicex:1:1\nxalice:2:2\nalic:3:3\nalice:4:4\n 1000:5:5\n10000:6:6\n100:7:7\n");
		return 1;
	case C_NUMERIC_FORMS:
		addf(t, "01000:1:1\n+1000:2:2\n1000:3:3\n1000 :4:4\n");
		return 1;
	case C_BAD_OWN_LINES:
		addf(t, "alice:0x10:5\nalice:-1:5\nalice:5:0\nalice:4294967294:2\nalice:1:2:3\nalice::5\nalice:9:9\n");
		return 1;
	case C_EMPTY:
		return 0;
	case C_MANY:
		for (unsigned i = 0; i < 40000; i++)
			addf(t, "%s:%u:%u\n", i % 97 == 0 ? "alice" : (i % 89 == 0 ? "1000" : "someone"), 100000u + i * 16,
			     16u);
		return 40000 / 97 + 1 + 40000 / 89 + 1 - 1; /* multiples of 97, plus of 89 that are not of 97 */
	case C_CR_NUL:
		add(t, "alice:1:2\r\nali\0ce:3:4\nalice:5:6\n\0alice:7:8\n", 44);
		return 1;
	}
	return 0;
}

START_TEST(test_fast_equals_full)
{
	struct text t = { 0 };
	size_t expect = build(_i, &t);
	struct idrange *r = NULL;
	size_t n = 0;

	compare(&t, "alice", 1000);
	/* And the expected count, so that a bug shared by both parsers cannot pass. */
	ck_assert_int_eq(subfile_collect(t.p ? t.p : "", t.len, "alice", 1000, &r, &n, NULL), 0);
	if (_i != C_MANY)
		ck_assert_uint_eq(n, expect);
	free(r);
	/* Another user and a user named like its uid see the same as the full parser too. */
	compare(&t, "bob", 1001);
	compare(&t, "1000", 1000);
	compare(&t, NULL, 1000);
	free(t.p);
}
END_TEST

/* subfile_explain_fd(), the refusal's explanation: the same summary and the same first entries
 * as the whole-buffer parser, streamed (a line longer than the buffer is counted apart). */
static void compare_explain(const struct text *t, const char *name, uint32_t uid)
{
	struct subfile_explain ex;
	struct subfile_summary sum;
	struct idrange *full = NULL;
	size_t n_full = 0;
	int fd = memfd_create("subuid", MFD_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	if (t->len)
		ck_assert_int_eq(write(fd, t->p, t->len), (ssize_t)t->len);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(subfile_collect(t->p ? t->p : "", t->len, name, uid, &full, &n_full, &sum), 0);
	ck_assert_int_eq(subfile_explain_fd(fd, name, uid, &ex), 0);
	ck_assert_uint_eq(ex.sum.lines, sum.lines);
	ck_assert_uint_eq(ex.sum.entries, sum.entries);
	ck_assert_uint_eq(ex.sum.bad + ex.overlong, sum.bad);
	if (ex.overlong == 0) {
		ck_assert_uint_eq(ex.sum.first_bad, sum.first_bad);
		ck_assert_int_eq(ex.sum.first_bad_reason, sum.first_bad_reason);
	}
	ck_assert_uint_eq(ex.n_owned, n_full);
	for (size_t i = 0; i < n_full && i < SUBFILE_EXPLAIN_MAX; i++) {
		ck_assert_uint_eq(ex.owned[i].start, full[i].start);
		ck_assert_uint_eq(ex.owned[i].count, full[i].count);
		ck_assert_uint_ge(ex.owned[i].lineno, 1);
		ck_assert_uint_le(ex.owned[i].lineno, sum.lines);
	}
	free(full);
	close(fd);
}

START_TEST(test_explain_equals_full)
{
	struct text t = { 0 };

	(void)build(_i, &t);
	compare_explain(&t, "alice", 1000);
	compare_explain(&t, "bob", 1001);
	compare_explain(&t, NULL, 1000);
	free(t.p);
}
END_TEST

START_TEST(test_explain_lines)
{
	struct text t = { 0 };
	struct subfile_explain ex;
	int fd = memfd_create("subuid", MFD_CLOEXEC);

	addf(&t, "bob:1:2\nalice:100000:10\n#c\nalice:x:1\n\n1000:200000:5\nalice:300000:1\nalice:400000:1\n"
		 "alice:500000:1\nalice:600000:1");
	ck_assert_int_eq(write(fd, t.p, t.len), (ssize_t)t.len);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(subfile_explain_fd(fd, "alice", 1000, &ex), 0);
	ck_assert_uint_eq(ex.sum.lines, 10);
	ck_assert_uint_eq(ex.sum.bad, 1);
	ck_assert_uint_eq(ex.sum.first_bad, 4);
	ck_assert_uint_eq(ex.n_owned, 6);
	ck_assert_uint_eq(ex.owned[0].lineno, 2);
	ck_assert_uint_eq(ex.owned[0].start, 100000);
	ck_assert_uint_eq(ex.owned[1].lineno, 6);
	ck_assert_uint_eq(ex.owned[1].count, 5);
	ck_assert_uint_eq(ex.owned[SUBFILE_EXPLAIN_MAX - 1].lineno, 7); /* the third: SUBFILE_EXPLAIN_MAX is 3 */
	close(fd);
	free(t.p);
}
END_TEST

START_TEST(test_read_error)
{
	struct idrange *r = (struct idrange *)0x1;
	size_t n = 42;

	/* A directory descriptor: read() fails with EISDIR; outputs stay untouched. */
	int fd = open("/", O_RDONLY | O_DIRECTORY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(subfile_collect_fd(fd, "alice", 1000, &r, &n), -EISDIR);
	ck_assert_ptr_eq(r, (struct idrange *)0x1);
	ck_assert_uint_eq(n, 42);
	close(fd);
}
END_TEST

/* ---- subfile_collect_alias_fd(): shadow's second pass ----------------------------------------- */

/* The mock getpwnam(): "alias1" and "alias2" are other names of uid 1000; every owner asked is
 * recorded, to check that only owners of lines holding a requested id are ever looked up. */
struct asked {
	char names[64][64];
	size_t n;
};

static bool mock_is_caller(const char *owner, void *userdata)
{
	struct asked *a = userdata;

	if (a->n < 64)
		snprintf(a->names[a->n++], sizeof(a->names[0]), "%s", owner);
	return strcmp(owner, "alias1") == 0 || strcmp(owner, "alias2") == 0;
}

static int alias_run(const struct text *t, struct idrange *want, size_t n_want, struct asked *a,
		     struct idrange **r, size_t *n)
{
	int fd = memfd_create("subuid", MFD_CLOEXEC), ret;

	ck_assert_int_ge(fd, 0);
	if (t->len)
		ck_assert_int_eq(write(fd, t->p, t->len), (ssize_t)t->len);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	ret = subfile_collect_alias_fd(fd, "alice", 1000, want, n_want, mock_is_caller, a, r, n);
	close(fd);
	return ret;
}

START_TEST(test_alias_pass)
{
	struct text t = { 0 };
	struct asked a = { 0 };
	/* Two requests, given unsorted: 300000-300099 and 100000-100009. */
	struct idrange want[2] = { { 300000, 100 }, { 100000, 10 } };
	struct idrange *r = malloc(sizeof(*r));
	size_t n = 1;

	ck_assert_ptr_nonnull(r);
	r[0] = (struct idrange){ 7, 7 }; /* kept: the call appends */
	addf(&t, "alias1:100005:100\n"      /* overlaps the second request: asked, granted */
		 "alias1:100100:5\n"        /* holds no requested id: never asked */
		 "bob:100000:65536\n"       /* asked, not the caller */
		 "alice:100000:10\n"        /* the first pass's: not asked, not appended */
		 "1000:300000:1\n"          /* the uid: the first pass's */
		 "1001:300000:100\n"        /* another uid: never asked */
		 "01000:300000:100\n"       /* not the uid's spelling (shadow 4.13 compares strings) */
		 "alias2:299990:11\n"       /* ends at the request's first id */
		 "alias2:300099:1\n"        /* the same owner again: the answer is reused */
		 "alias2:300100:1\n"        /* just past the request */
		 "#alias1:300000:5\n"       /* a comment */
		 "alias1:300000:0\n"        /* malformed (count 0) */
		 "carol:299999:1\n");       /* touches nothing */
	pad_to(&t, BUF - 9);             /* the next line straddles the buffer edge */
	addf(&t, "alias1:300050:2\n");
	for (size_t i = 0; i < BUF + 10; i++) /* a line longer than the buffer */
		add(&t, "x", 1);
	addf(&t, "\nalias2:300010:3"); /* the last line, without a newline */
	ck_assert_int_eq(alias_run(&t, want, 2, &a, &r, &n), 0);
	ck_assert_uint_eq(n, 6);
	ck_assert_uint_eq(r[0].start, 7);
	ck_assert_uint_eq(r[1].start, 100005);
	ck_assert_uint_eq(r[2].start, 299990);
	ck_assert_uint_eq(r[3].start, 300099);
	ck_assert_uint_eq(r[4].start, 300050);
	ck_assert_uint_eq(r[5].start, 300010);
	ck_assert_uint_eq(r[5].count, 3);
	/* want came back sorted. */
	ck_assert_uint_eq(want[0].start, 100000);
	/* Asked: alias1, bob, alias2 (once for its two lines in a row), alias1, alias2; never a
	 * numeric owner, the caller's own lines, or a line outside the requests. */
	ck_assert_uint_eq(a.n, 5);
	ck_assert_str_eq(a.names[0], "alias1");
	ck_assert_str_eq(a.names[1], "bob");
	ck_assert_str_eq(a.names[2], "alias2");
	ck_assert_str_eq(a.names[3], "alias1");
	ck_assert_str_eq(a.names[4], "alias2");
	free(r);
	free(t.p);
}
END_TEST

START_TEST(test_alias_nothing_wanted)
{
	struct text t = { 0 };
	struct asked a = { 0 };
	struct idrange *r = NULL;
	size_t n = 0;

	addf(&t, "alias1:1:100\n");
	/* No request left uncovered: nothing is read, nobody is asked. */
	ck_assert_int_eq(alias_run(&t, NULL, 0, &a, &r, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(a.n, 0);
	/* An empty file. */
	free(t.p);
	t = (struct text){ 0 };
	ck_assert_int_eq(alias_run(&t, &(struct idrange){ 1, 1 }, 1, &a, &r, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(r);
}
END_TEST

START_TEST(test_alias_read_error)
{
	struct asked a = { 0 };
	struct idrange *r = NULL, want = { 1, 1 };
	size_t n = 3;
	int fd = open("/", O_RDONLY | O_DIRECTORY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(subfile_collect_alias_fd(fd, "alice", 1000, &want, 1, mock_is_caller, &a, &r, &n), -EISDIR);
	ck_assert_uint_eq(n, 3);
	close(fd);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("subfile_fd");
	TCase *tc = tcase_create("fast path");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_fast_equals_full, 0, C__MAX);
	tcase_add_test(tc, test_read_error);
	tcase_add_test(tc, test_alias_pass);
	tcase_add_loop_test(tc, test_explain_equals_full, 0, C__MAX);
	tcase_add_test(tc, test_explain_lines);
	tcase_add_test(tc, test_alias_nothing_wanted);
	tcase_add_test(tc, test_alias_read_error);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite(), false);
}
