/* SPDX-License-Identifier: GPL-2.0-or-later
 * libFuzzer target for the /etc/subuid parser (subfile.h): subfile_collect() on arbitrary bytes,
 * and subfile_collect_fd() on the same bytes through a memfd.
 *
 * Input: byte 0 picks the (name, uid) looked up (bits 0-2) and whether the file is stretched
 * (bits 6-7 both set); the rest is the file. A stretched file gets a first line that brings a
 * chosen byte of the input to the SUBFILE_SCAN_BUF boundary of subfile_collect_fd()'s read buffer, or a
 * line longer than the buffer, so the carry-over and skip paths are reached with small inputs.
 *
 * Properties:
 *  - both functions return the same ranges (compared as sorted multisets: the header promises
 *    the same set, and each matching line is one range on both sides);
 *  - every returned range is valid by idrange_valid() and comes from an entry line whose owner
 *    matches (subfile_owner_matches());
 *  - the summary agrees with a walk of subfile_next(): lines = entries + bad + blank + comment,
 *    first_bad is the first bad line and its reason, and lines is the number of '\n' plus one
 *    for a last line without one;
 *  - every entry line is the canonical text "owner:start:count" of what was parsed (the strict
 *    grammar has one spelling per value), every bad line has a reason, blank and comment lines
 *    are exactly the empty ones and the ones starting with '#';
 *  - subfile_explain_fd() (the refusal's explanation, streamed) gives the same line count, the
 *    same summary when no line exceeds its buffer, the same number of the caller's entries and
 *    the first of them in file order, with line numbers of entry lines;
 *  - subfile_collect_alias_fd() (shadow's second pass) returns exactly the entries a brute-force
 *    walk selects: overlapping a wanted range, owner neither the name nor the uid, not all
 *    digits, at most 255 bytes, and said yes to by the owner callback (a fixed rule here);
 *  - no read outside the buffer (an exact-size heap copy, under ASan). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "range.h"
#include "subfile.h"


static const struct {
	const char *name;
	uint32_t uid;
} who[] = {
	{ "alice", 1000 },
	{ "1000", 1000 },  /* a user named after its own uid: one needle */
	{ "root", 0 },
	{ NULL, 42 },      /* no name: uid entries only */
	{ "a", 4294967295u },
	{ "01000", 1000 }, /* a name that looks like a uid in a non-canonical spelling */
	{ "bob", 100000 },
	{ "x:y", 7 },      /* cannot be an owner: nothing matches by name */
};

static int cmp_range(const void *a, const void *b)
{
	const struct idrange *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return (x->count > y->count) - (x->count < y->count);
}

/* The file as a descriptor at offset 0: one memfd for the whole run, rewritten for each input. */
static int fd_of(const char *buf, size_t len)
{
	static int fd = -1;
	size_t off = 0;

	if (fd < 0)
		fd = memfd_create("fuzz-subuid", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, 0) < 0) {
		perror("fuzz_subfile: memfd");
		abort();
	}
	while (off < len) {
		ssize_t w = pwrite(fd, buf + off, len - off, (off_t)off);

		if (w <= 0) {
			perror("fuzz_subfile: pwrite");
			abort();
		}
		off += (size_t)w;
	}
	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
	return fd;
}

/* Walk the lines and check each one and the summary. Returns the number of matching entries. */
static size_t walk(const char *buf, size_t len, const char *name, uint32_t uid, const struct subfile_summary *sum)
{
	struct subfile_iter it;
	struct subfile_line l;
	unsigned long lines = 0, entries = 0, bad = 0, blank = 0, comment = 0, first_bad = 0, nl = 0;
	enum subfile_reason first_reason = SUBFILE_OK;
	size_t matching = 0, covered = 0;

	subfile_iter_init(&it, buf, len);
	while (subfile_next(&it, &l)) {
		lines++;
		FUZZ_ASSERT(l.lineno == lines, "line %lu numbered %lu", lines, l.lineno);
		FUZZ_ASSERT(l.text >= buf && l.len <= (size_t)(buf + len - l.text), "line outside the buffer");
		FUZZ_ASSERT(!memchr(l.text, '\n', l.len), "line %lu holds a newline", lines);
		covered += l.len;
		switch (l.kind) {
		case SUBFILE_BLANK:
			blank++;
			FUZZ_ASSERT(l.len == 0 && l.reason == SUBFILE_OK, "blank line %lu is not empty", lines);
			break;
		case SUBFILE_COMMENT:
			comment++;
			FUZZ_ASSERT(l.len > 0 && l.text[0] == '#' && l.reason == SUBFILE_OK, "comment %lu", lines);
			break;
		case SUBFILE_BAD:
			if (bad++ == 0) {
				first_bad = l.lineno;
				first_reason = l.reason;
			}
			FUZZ_ASSERT(l.len > 0 && l.text[0] != '#', "bad line %lu is blank or a comment", lines);
			FUZZ_ASSERT(l.reason > SUBFILE_OK && l.reason < SUBFILE__MAX, "bad line %lu: reason %d", lines,
				    (int)l.reason);
			break;
		case SUBFILE_ENTRY: {
			char canon[400];
			int w;

			entries++;
			FUZZ_ASSERT(l.reason == SUBFILE_OK && l.owner == l.text && l.owner_len > 0, "entry %lu", lines);
			FUZZ_ASSERT(idrange_valid(l.start, l.count), "entry %lu: invalid range %" PRIu32 "+%" PRIu32,
				    lines, l.start, l.count);
			for (size_t i = 0; i < l.owner_len; i++)
				FUZZ_ASSERT(l.owner[i] != ':' && (unsigned char)l.owner[i] >= 0x20 && l.owner[i] != 0x7f,
					    "entry %lu: owner byte %zu is 0x%02x", lines, i, (unsigned char)l.owner[i]);
			w = snprintf(canon, sizeof(canon), ":%" PRIu32 ":%" PRIu32, l.start, l.count);
			FUZZ_ASSERT(w > 0 && l.len == l.owner_len + (size_t)w &&
					    memcmp(l.text + l.owner_len, canon, (size_t)w) == 0,
				    "entry %lu is not the canonical text of %" PRIu32 ":%" PRIu32, lines, l.start, l.count);
			if (subfile_owner_matches(l.owner, l.owner_len, name, uid))
				matching++;
			break;
		}
		default:
			FUZZ_ASSERT(0, "line %lu: kind %d", lines, (int)l.kind);
		}
		/* shadow's lenient reading (what an allocator must count as taken): a range within
		 * the id space, an owner inside the line, and every strict entry read the same way. */
		{
			struct idrange t;
			size_t olen = 0;
			bool sh = subfile_shadow_range(l.text, l.len, &t, &olen);

			FUZZ_ASSERT(!sh || t.count == 0 || idrange_valid(t.start, t.count),
				    "line %lu: shadow range %" PRIu32 "+%" PRIu32 " invalid", lines, t.start, t.count);
			FUZZ_ASSERT(!sh || (olen > 0 && olen < l.len && l.text[olen] == ':'), "line %lu: owner length %zu",
				    lines, olen);
			if (l.kind == SUBFILE_ENTRY && l.len < SUBFILE_SHADOW_LINE_MAX)
				FUZZ_ASSERT(sh && t.start == l.start && t.count == l.count && olen == l.owner_len,
					    "entry %lu is not read the same way by shadow's parser", lines);
		}
	}
	for (const char *q = buf, *e = buf + len; q < e && (q = memchr(q, '\n', (size_t)(e - q))); q++)
		nl++;
	FUZZ_ASSERT(lines == nl + (len > 0 && buf[len - 1] != '\n'), "%lu lines for %lu newlines", lines, nl);
	FUZZ_ASSERT(covered + nl == len, "lines do not cover the buffer");
	FUZZ_ASSERT(lines == entries + bad + blank + comment, "line kinds do not add up");
	FUZZ_ASSERT(sum->lines == lines && sum->entries == entries && sum->bad == bad,
		    "summary %lu/%lu/%lu, walk %lu/%lu/%lu", sum->lines, sum->entries, sum->bad, lines, entries, bad);
	FUZZ_ASSERT(sum->lines >= sum->entries + sum->bad, "summary: more entries and bad lines than lines");
	FUZZ_ASSERT(sum->first_bad == first_bad && (bad == 0 || sum->first_bad_reason == first_reason),
		    "summary first bad line %lu (%d), walk %lu (%d)", sum->first_bad, (int)sum->first_bad_reason,
		    first_bad, (int)first_reason);
	return matching;
}

/* The owner callback of the alias pass: a fixed rule, so the brute force can apply it too. */
static bool alias_rule(const char *owner, void *userdata)
{
	(void)userdata;
	return strlen(owner) % 3 == 1;
}

static const struct idrange alias_want[2] = { { 0, 100000 }, { 200000, 65536 } };

/* The alias pass by brute force: how many entries it must return. */
static size_t alias_brute(const char *buf, size_t len, const char *name, uint32_t uid)
{
	struct subfile_iter it;
	struct subfile_line l;
	size_t n = 0;

	subfile_iter_init(&it, buf, len);
	while (subfile_next(&it, &l)) {
		char owner[256];
		bool digits = true;

		if (l.kind != SUBFILE_ENTRY || subfile_owner_matches(l.owner, l.owner_len, name, uid) || l.owner_len > 255)
			continue;
		if (!idrange_overlap(l.start, l.count, alias_want[0].start, alias_want[0].count) &&
		    !idrange_overlap(l.start, l.count, alias_want[1].start, alias_want[1].count))
			continue;
		for (size_t i = 0; i < l.owner_len; i++)
			digits = digits && l.owner[i] >= '0' && l.owner[i] <= '9';
		memcpy(owner, l.owner, l.owner_len);
		owner[l.owner_len] = '\0';
		/* An owner holding a NUL byte is cut there for the callback, as in the library. */
		if (!digits && alias_rule(owner, NULL))
			n++;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct subfile_summary sum = { .lines = 12345 };
	struct idrange *a = NULL, *b = NULL;
	size_t na = 99, nb = 99, len, pad = 0, matching;
	const char *name;
	uint32_t uid;
	char *buf;
	int r, fd;

	if (size == 0)
		return 0;
	name = who[data[0] % ELEMENTS(who)].name;
	uid = who[data[0] % ELEMENTS(who)].uid;
	if ((data[0] & 0xc0) == 0xc0) {
		/* Stretch (one input in four): a first line of pad bytes ('x', then '\n') so that
		 * byte 5k of the rest (k from bits 3-5) lands at the end of the read buffer;
		 * k = 7 gives instead a first line longer than the buffer. */
		unsigned k = (data[0] >> 3) & 0x07;

		pad = k == 7 ? SUBFILE_SCAN_BUF + 100 : SUBFILE_SCAN_BUF - k * 5;
	}
	data++, size--;
	len = pad + size;
	buf = malloc(len ? len : 1);
	if (!buf)
		return 0;
	if (pad) {
		memset(buf, 'x', pad - 1);
		buf[pad - 1] = '\n';
	}
	if (size)
		memcpy(buf + pad, data, size);

	r = subfile_collect(buf, len, name, uid, &a, &na, &sum);
	FUZZ_ASSERT(r == 0, "subfile_collect: %d", r);
	FUZZ_ASSERT((na == 0) == (a == NULL), "subfile_collect: %zu ranges at %p", na, (void *)a);
	matching = walk(buf, len, name, uid, &sum);
	FUZZ_ASSERT(na == matching, "subfile_collect returned %zu ranges, %zu entries match", na, matching);
	for (size_t i = 0; i < na; i++)
		FUZZ_ASSERT(idrange_valid(a[i].start, a[i].count), "range %zu invalid", i);

	fd = fd_of(buf, len);
	{
		struct subfile_explain ex;
		struct idrange want[2] = { alias_want[0], alias_want[1] }, *al = NULL;
		size_t nal = 0, brute;

		r = subfile_explain_fd(fd, name, uid, &ex);
		FUZZ_ASSERT(r == 0, "subfile_explain_fd: %d", r);
		FUZZ_ASSERT(ex.sum.lines == sum.lines, "explain: %lu lines, parser %lu", ex.sum.lines, sum.lines);
		if (ex.overlong == 0)
			FUZZ_ASSERT(ex.sum.entries == sum.entries && ex.sum.bad == sum.bad && ex.sum.first_bad == sum.first_bad,
				    "explain summary %lu/%lu/%lu, parser %lu/%lu/%lu", ex.sum.entries, ex.sum.bad,
				    ex.sum.first_bad, sum.entries, sum.bad, sum.first_bad);
		FUZZ_ASSERT(ex.n_owned == na, "explain: %zu of the caller's entries, parser %zu", ex.n_owned, na);
		for (size_t i = 0; i < na && i < SUBFILE_EXPLAIN_MAX; i++)
			FUZZ_ASSERT(ex.owned[i].start == a[i].start && ex.owned[i].count == a[i].count &&
					    ex.owned[i].lineno >= 1 && ex.owned[i].lineno <= sum.lines,
				    "explain: owned %zu is %" PRIu32 "+%" PRIu32 " line %lu", i, ex.owned[i].start,
				    ex.owned[i].count, ex.owned[i].lineno);
		if (lseek(fd, 0, SEEK_SET) != 0)
			abort();
		r = subfile_collect_alias_fd(fd, name, uid, want, 2, alias_rule, NULL, &al, &nal);
		FUZZ_ASSERT(r == 0, "subfile_collect_alias_fd: %d", r);
		brute = alias_brute(buf, len, name, uid);
		FUZZ_ASSERT(nal == brute, "alias pass: %zu ranges, brute force %zu", nal, brute);
		for (size_t i = 0; i < nal; i++)
			FUZZ_ASSERT(idrange_valid(al[i].start, al[i].count), "alias range %zu invalid", i);
		free(al);
		if (lseek(fd, 0, SEEK_SET) != 0)
			abort();
	}
	r = subfile_collect_fd(fd, name, uid, &b, &nb);
	FUZZ_ASSERT(r == 0, "subfile_collect_fd: %d", r);
	FUZZ_ASSERT(na == nb, "subfile_collect: %zu ranges, subfile_collect_fd: %zu", na, nb);
	if (na > 1) {
		qsort(a, na, sizeof(*a), cmp_range);
		qsort(b, nb, sizeof(*b), cmp_range);
	}
	for (size_t i = 0; i < na; i++)
		FUZZ_ASSERT(a[i].start == b[i].start && a[i].count == b[i].count,
			    "range %zu: %" PRIu32 "+%" PRIu32 " vs %" PRIu32 "+%" PRIu32, i, a[i].start, a[i].count,
			    b[i].start, b[i].count);
	free(a);
	free(b);
	free(buf);
	return 0;
}
