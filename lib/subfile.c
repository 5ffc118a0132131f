/* SPDX-License-Identifier: GPL-2.0-or-later
 * /etc/subuid and /etc/subgid parser.
 *
 * Invariants:
 *  - reads only inside [buf, buf+len); never writes to it; never allocates per line;
 *  - a line is an entry only if all three fields pass the strict grammar and the range is valid
 *    by the kernel's rule (count >= 1, start + count <= 2^32 - 1), so nothing downstream can be
 *    handed a wrapping range;
 *  - any malformed line is reported and skipped, never fatal to the rest of the file. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "number.h"
#include "subfile.h"

/* Longer owners are never login names (LOGIN_NAME_MAX is 256 on Linux, NUL included). */
#define LOGIN_OWNER_MAX 255

void subfile_iter_init(struct subfile_iter *it, const char *buf, size_t len)
{
	it->pos = buf;
	it->end = buf + len;
	it->lineno = 0;
}

static const char *const reason_str[SUBFILE__MAX] = {
	[SUBFILE_OK] = "valid",
	[SUBFILE_E_FIELDS] = "not of the form owner:start:count",
	[SUBFILE_E_OWNER] = "empty owner",
	[SUBFILE_E_OWNER_BYTES] = "NUL or control character in the owner",
	[SUBFILE_E_START] = "start is not a plain decimal number",
	[SUBFILE_E_START_RANGE] = "start is above 4294967295",
	[SUBFILE_E_COUNT] = "count is not a plain decimal number",
	[SUBFILE_E_COUNT_RANGE] = "count is above 4294967295",
	[SUBFILE_E_ZERO_COUNT] = "count is 0",
	[SUBFILE_E_OVERFLOW] = "start + count goes beyond 4294967294, the last valid id",
	[SUBFILE_E_CR] = "carriage return at the end of the line (CRLF line endings)",
};

const char *subfile_reason_str(enum subfile_reason reason)
{
	if ((unsigned)reason >= SUBFILE__MAX)
		return "unknown";
	return reason_str[reason];
}

static enum subfile_reason parse_entry(const char *p, size_t len, struct subfile_line *ret)
{
	const char *end = p + len, *c1, *c2;
	uint32_t start, count;
	int r;

	bool bad_owner = false;

	if (p[len - 1] == '\r')
		return SUBFILE_E_CR;
	/* The owner and its control-byte check in one walk to the first ':'. */
	for (c1 = p; c1 < end && *c1 != ':'; c1++)
		bad_owner |= (unsigned char)*c1 < 0x20 || *c1 == 0x7f;
	if (c1 == end)
		return SUBFILE_E_FIELDS;
	c2 = memchr(c1 + 1, ':', (size_t)(end - c1 - 1));
	if (!c2 || memchr(c2 + 1, ':', (size_t)(end - c2 - 1)))
		return SUBFILE_E_FIELDS;
	if (c1 == p)
		return SUBFILE_E_OWNER;
	if (bad_owner)
		return SUBFILE_E_OWNER_BYTES;
	r = subid_parse_u32(c1 + 1, (size_t)(c2 - c1 - 1), &start);
	if (r < 0)
		return r == -ERANGE ? SUBFILE_E_START_RANGE : SUBFILE_E_START;
	r = subid_parse_u32(c2 + 1, (size_t)(end - c2 - 1), &count);
	if (r < 0)
		return r == -ERANGE ? SUBFILE_E_COUNT_RANGE : SUBFILE_E_COUNT;
	if (count == 0)
		return SUBFILE_E_ZERO_COUNT;
	if (!idrange_valid(start, count))
		return SUBFILE_E_OVERFLOW;
	ret->owner = p;
	ret->owner_len = (size_t)(c1 - p);
	ret->start = start;
	ret->count = count;
	return SUBFILE_OK;
}

/* A digit run at *q (before end): its length and value (the first 11 digits), *q moved past it. */
static size_t digit_run(const char **q, const char *end, uint64_t *v)
{
	const char *s = *q;
	uint64_t acc = 0;
	size_t n = 0;

	for (; s < end; s++, n++) {
		unsigned d = (unsigned)(unsigned char)*s - '0';

		if (d > 9)
			break;
		if (n < 11)
			acc = acc * 10 + d;
	}
	*q = s;
	*v = acc;
	return n;
}

/* The common case in one walk: "owner:start:count" with a clean owner and two numbers valid by
 * subid_u32_verdict(). Anything else returns false and goes to parse_entry(), which names the
 * reason; both agree on every valid line. */
static bool parse_valid(const char *p, size_t len, struct subfile_line *ret)
{
	const char *end = p + len, *q = p, *num;
	uint64_t start, count;
	size_t n;

	for (; q < end && *q != ':'; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			return false;
	if (q == p || q == end)
		return false;
	ret->owner = p;
	ret->owner_len = (size_t)(q - p);
	num = ++q;
	n = digit_run(&q, end, &start);
	if (q == end || *q != ':' || subid_u32_verdict(num, n, start) < 0)
		return false;
	num = ++q;
	n = digit_run(&q, end, &count);
	if (q != end || subid_u32_verdict(num, n, count) < 0 || count == 0 || !idrange_valid(start, count))
		return false;
	ret->start = (uint32_t)start;
	ret->count = (uint32_t)count;
	return true;
}

void subfile_parse_line(const char *text, size_t len, unsigned long lineno, struct subfile_line *ret)
{
	*ret = (struct subfile_line){ .lineno = lineno, .text = text, .len = len };
	if (len == 0) {
		ret->kind = SUBFILE_BLANK;
		return;
	}
	if (text[0] == '#') {
		ret->kind = SUBFILE_COMMENT;
		return;
	}
	if (parse_valid(text, len, ret)) {
		ret->kind = SUBFILE_ENTRY;
		return;
	}
	ret->owner = NULL;
	ret->owner_len = 0;
	ret->reason = parse_entry(text, len, ret);
	ret->kind = ret->reason == SUBFILE_OK ? SUBFILE_ENTRY : SUBFILE_BAD;
}

bool subfile_next(struct subfile_iter *it, struct subfile_line *ret)
{
	const char *nl;
	size_t len;

	if (it->pos >= it->end)
		return false;
	nl = memchr(it->pos, '\n', (size_t)(it->end - it->pos));
	len = nl ? (size_t)(nl - it->pos) : (size_t)(it->end - it->pos);
	subfile_parse_line(it->pos, len, ++it->lineno, ret);
	it->pos = nl ? nl + 1 : it->end;
	return true;
}

static bool owner_matches(const char *owner, size_t owner_len, const char *name, size_t name_len,
			  uint32_t uid)
{
	uint32_t v;

	if (name && name_len == owner_len && memcmp(owner, name, owner_len) == 0)
		return true;
	/* Only digits reach the number parser; a name like "1000x" never does. */
	return owner_len > 0 && owner[0] >= '0' && owner[0] <= '9' &&
	       subid_parse_u32(owner, owner_len, &v) == 0 && v == uid;
}

/* shadow's getulong(): strtoul(s, &end, 0) over the whole field, not empty, no ERANGE. */
static bool shadow_getulong(const char *s, unsigned long *ret)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (*s == '\0' || *end != '\0' || errno == ERANGE)
		return false;
	*ret = v;
	return true;
}

bool subfile_shadow_range(const char *text, size_t len, struct idrange *ret_taken, size_t *ret_owner_len)
{
	char line[SUBFILE_SHADOW_LINE_MAX];
	char *fields[3], *cp = line;
	unsigned long start, count;
	uint64_t end;
	int i;

	/* shadow sees the line up to its first NUL, and refuses one of 1024 bytes or more. */
	len = strnlen(text, len);
	if (len >= sizeof(line))
		return false;
	memcpy(line, text, len);
	line[len] = '\0';
	/* subordinate_parse(): three ':'-separated fields; anything after a third ':' is ignored. */
	for (i = 0; i < 3 && cp; i++) {
		fields[i] = cp;
		cp = strchr(cp, ':');
		if (cp)
			*cp++ = '\0';
	}
	if (i != 3 || !*fields[0] || !*fields[1] || !*fields[2])
		return false;
	if (!shadow_getulong(fields[1], &start) || !shadow_getulong(fields[2], &count))
		return false;
	/* The ids it covers, as far as they lie below 2^32 - 1 (the rest maps nothing). */
	*ret_taken = (struct idrange){ 0, 0 };
	if (count != 0 && start < ID_LIMIT) {
		end = count > ID_LIMIT - start ? ID_LIMIT : (uint64_t)start + count;
		*ret_taken = (struct idrange){ (uint32_t)start, (uint32_t)(end - start) };
	}
	if (ret_owner_len)
		*ret_owner_len = strlen(fields[0]);
	return true;
}

bool subfile_owner_matches(const char *owner, size_t owner_len, const char *name, uint32_t uid)
{
	return owner_matches(owner, owner_len, name, name ? strlen(name) : 0, uid);
}

int subfile_collect(const char *buf, size_t len, const char *name, uint32_t uid,
		    struct idrange **ret, size_t *ret_n, struct subfile_summary *ret_summary)
{
	struct subfile_summary sum = { 0 };
	struct subfile_iter it;
	struct subfile_line line;
	struct idrange *v = NULL;
	size_t n = 0, cap = 0, name_len = name ? strlen(name) : 0;

	subfile_iter_init(&it, buf, len);
	while (subfile_next(&it, &line)) {
		sum.lines++;
		if (line.kind == SUBFILE_BAD) {
			if (sum.bad++ == 0) {
				sum.first_bad = line.lineno;
				sum.first_bad_reason = line.reason;
			}
			continue;
		}
		if (line.kind != SUBFILE_ENTRY)
			continue;
		sum.entries++;
		if (!owner_matches(line.owner, line.owner_len, name, name_len, uid))
			continue;
		if (n == cap) {
			/* Grows only for the owner's own lines, doubling: no allocation per line. */
			size_t ncap = cap ? cap * 2 : 8;
			struct idrange *nv = reallocarray(v, ncap, sizeof(*v));

			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
			cap = ncap;
		}
		v[n++] = (struct idrange){ line.start, line.count };
	}
	*ret = v;
	*ret_n = n;
	if (ret_summary)
		*ret_summary = sum;
	return 0;
}

struct collector {
	struct idrange *v;
	size_t n, cap;
	const char *name;
	size_t name_len;
	uint32_t uid;
};

static int take_line(struct collector *col, const char *text, size_t len)
{
	struct subfile_line line;

	subfile_parse_line(text, len, 0, &line);
	if (line.kind != SUBFILE_ENTRY || !owner_matches(line.owner, line.owner_len, col->name, col->name_len, col->uid))
		return 0;
	if (col->n == col->cap) {
		size_t ncap = col->cap ? col->cap * 2 : 8;
		struct idrange *nv = reallocarray(col->v, ncap, sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		col->v = nv;
		col->cap = ncap;
	}
	col->v[col->n++] = (struct idrange){ line.start, line.count };
	return 0;
}

/* [p, e) holds whole lines (e is just past a '\n', or the end of the file) and *e is writable
 * (the buffer keeps a spare byte). needle is "\n<owner>:"; the region's first line has no '\n'
 * before it and is tested on its own. The search uses strstr() on the region NUL-terminated at e:
 * glibc's SSE2 strstr needs about a third of memmem's instructions for such needles. An embedded
 * NUL ends a strstr() early, so the search resumes past it. */
static int scan_region(struct collector *col, char *p, char *e, const char *needle, size_t nlen)
{
	char *q = p, *h, *le, save = *e;
	size_t klen = nlen < 4 ? nlen : 4;
	bool has_nul;
	int r = 0;

	if ((size_t)(e - p) >= nlen - 1 && memcmp(p, needle + 1, nlen - 1) == 0) {
		le = memchr(p, '\n', (size_t)(e - p));
		r = take_line(col, p, (size_t)((le ? le : e) - p));
		if (r < 0)
			return r;
	}
	/* One fast memchr() tells whether any NUL can stop strstr() early; files rarely hold one. */
	has_nul = memchr(p, '\0', (size_t)(e - p)) != NULL;
	*e = '\0';
	while (q < e) {
		/* The key is the needle's tail ("...ce:"): glibc's strstr() screens candidates by the
		 * key's first bytes, and names share prefixes (user0001, user0002, ...) far more often
		 * than endings. A hit is a match only if the whole needle ends there. */
		const char *k = strstr(q, needle + nlen - klen);

		if (!k) {
			if (!has_nul)
				break;
			q += strlen(q) + 1; /* past the NUL that stopped it (e's own ends the loop) */
			continue;
		}
		h = (char *)k + klen - nlen;
		if (h < p || memcmp(h, needle, nlen) != 0) {
			q = (char *)k + 1;
			continue;
		}
		le = memchr(h + 1, '\n', (size_t)(e - h - 1));
		if (!le)
			le = e;
		r = take_line(col, h + 1, (size_t)(le - h - 1));
		if (r < 0)
			break;
		q = le;
	}
	*e = save;
	return r;
}

int subfile_collect_fd(int fd, const char *name, uint32_t uid, struct idrange **ret, size_t *ret_n)
{
	struct collector col = { .name = name, .name_len = name ? strlen(name) : 0, .uid = uid };
	char needle[2][320];
	size_t nlen[2] = { 0, 0 }, have = 0;
	bool skipping = false;
	char *buf;
	int r = 0;

	/* A name that does not fit (or holds a newline) cannot be matched by a needle: such names do
	 * not exist in a passwd database, and the uid needle still finds numeric entries. */
	if (name && col.name_len + 3 <= sizeof(needle[0]) && !memchr(name, '\n', col.name_len))
		nlen[0] = (size_t)snprintf(needle[0], sizeof(needle[0]), "\n%s:", name);
	nlen[1] = (size_t)snprintf(needle[1], sizeof(needle[1]), "\n%" PRIu32 ":", uid);
	if (nlen[0] == nlen[1] && memcmp(needle[0], needle[1], nlen[0]) == 0)
		nlen[1] = 0; /* a user named after its own uid: one needle is enough */

	buf = malloc(SUBFILE_SCAN_BUF + 1); /* + 1: the NUL scan_region() puts after a region */
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = read(fd, buf + have, SUBFILE_SCAN_BUF - have);
		char *start = buf, *end, *last;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		end = buf + have + n;
		if (n == 0) {
			/* The last line, without a newline. */
			for (int k = 0; k < 2 && r == 0 && have > 0 && !skipping; k++)
				if (nlen[k])
					r = scan_region(&col, buf, end, needle[k], nlen[k]);
			break;
		}
		if (skipping) {
			char *nl = memchr(buf, '\n', (size_t)(end - buf));

			if (!nl) {
				have = 0;
				continue;
			}
			start = nl + 1;
			skipping = false;
		}
		last = start < end ? memrchr(start, '\n', (size_t)(end - start)) : NULL;
		if (!last) {
			if (start == buf && (size_t)(end - buf) == SUBFILE_SCAN_BUF) {
				/* A line longer than the whole buffer: far longer than "<owner>:<id>:<id>", skip it. */
				skipping = true;
				have = 0;
			} else {
				have = (size_t)(end - start);
				memmove(buf, start, have);
			}
			continue;
		}
		for (int k = 0; k < 2 && r == 0; k++)
			if (nlen[k])
				r = scan_region(&col, start, last + 1, needle[k], nlen[k]);
		if (r < 0)
			break;
		have = (size_t)(end - (last + 1));
		memmove(buf, last + 1, have);
	}
	free(buf);
	if (r < 0) {
		free(col.v);
		return r;
	}
	*ret = col.v;
	*ret_n = col.n;
	return 0;
}

static int cmp_idrange_start(const void *a, const void *b)
{
	const struct idrange *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

/* Whether [start, start+count) overlaps one of the sorted, disjoint ranges of want. */
static bool overlaps_sorted(const struct idrange *want, size_t n, uint64_t start, uint64_t count)
{
	size_t lo = 0, hi = n;

	/* The first range that ends after start: the only candidate not wholly before it. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if ((uint64_t)want[mid].start + want[mid].count <= start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && want[lo].start < start + count;
}

struct alias_pass {
	const char *name;
	size_t name_len;
	uint32_t uid;
	const struct idrange *want;
	size_t n_want;
	subfile_owner_fn is_caller;
	void *userdata;
	struct idrange **v;
	size_t *n, cap;
	char last[LOGIN_OWNER_MAX + 1]; /* the last owner asked about, and the answer */
	bool last_valid, last_yes;
};

static int alias_line(struct alias_pass *ap, const char *text, size_t len)
{
	struct subfile_line line;
	bool digits = true, yes;

	subfile_parse_line(text, len, 0, &line);
	if (line.kind != SUBFILE_ENTRY || !overlaps_sorted(ap->want, ap->n_want, line.start, line.count))
		return 0;
	if (owner_matches(line.owner, line.owner_len, ap->name, ap->name_len, ap->uid))
		return 0; /* the first pass has it */
	for (size_t i = 0; i < line.owner_len && digits; i++)
		digits = line.owner[i] >= '0' && line.owner[i] <= '9';
	/* A numeric owner other than the uid is another user (shadow 4.13 compares the uid as a
	 * string); a name longer than any login name cannot resolve. */
	if (digits || line.owner_len > LOGIN_OWNER_MAX)
		return 0;
	if (ap->last_valid && strlen(ap->last) == line.owner_len && memcmp(ap->last, line.owner, line.owner_len) == 0) {
		yes = ap->last_yes;
	} else {
		memcpy(ap->last, line.owner, line.owner_len);
		ap->last[line.owner_len] = '\0';
		yes = ap->is_caller(ap->last, ap->userdata);
		ap->last_valid = true;
		ap->last_yes = yes;
	}
	if (!yes)
		return 0;
	if (*ap->n == ap->cap) {
		size_t ncap = ap->cap ? ap->cap * 2 : 8;
		struct idrange *nv = reallocarray(*ap->v, ncap, sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*ap->v = nv;
		ap->cap = ncap;
	}
	(*ap->v)[(*ap->n)++] = (struct idrange){ line.start, line.count };
	return 0;
}

/* Every line of fd, from its offset to EOF, to fn(ctx, text, len) through one fixed buffer of
 * SUBFILE_SCAN_BUF bytes; a line longer than the buffer (no entry of any login name is that
 * long) is given once as (NULL, 0). Stops at fn's first error. Memory: the buffer only. */
static int stream_lines(int fd, int (*fn)(void *ctx, const char *text, size_t len), void *ctx)
{
	size_t have = 0;
	bool skipping = false;
	char *buf = malloc(SUBFILE_SCAN_BUF);
	int r = 0;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t got = read(fd, buf + have, SUBFILE_SCAN_BUF - have);
		char *p, *end, *nl;

		if (got < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		end = buf + have + got;
		p = buf;
		if (got == 0) {
			if (have > 0 && !skipping)
				r = fn(ctx, buf, have); /* the last line, without a newline */
			break;
		}
		while (r == 0 && (nl = memchr(p, '\n', (size_t)(end - p)))) {
			if (!skipping)
				r = fn(ctx, p, (size_t)(nl - p));
			skipping = false;
			p = nl + 1;
		}
		if (r < 0)
			break;
		have = (size_t)(end - p);
		if (have == SUBFILE_SCAN_BUF) {
			if (!skipping && (r = fn(ctx, NULL, 0)) < 0)
				break; /* reported once, however many buffers it spans */
			skipping = true;
			have = 0;
		} else {
			memmove(buf, p, have);
		}
	}
	free(buf);
	return r;
}

static int alias_cb(void *ctx, const char *text, size_t len)
{
	return text ? alias_line(ctx, text, len) : 0;
}

int subfile_collect_alias_fd(int fd, const char *name, uint32_t uid, struct idrange *want, size_t n_want,
			     subfile_owner_fn is_caller, void *userdata, struct idrange **ranges, size_t *n)
{
	struct alias_pass ap = { .name = name, .name_len = name ? strlen(name) : 0, .uid = uid, .want = want,
				 .n_want = n_want, .is_caller = is_caller, .userdata = userdata, .v = ranges,
				 .n = n, .cap = *n };
	size_t n0 = *n;
	int r;

	if (n_want == 0)
		return 0;
	if (n_want > 1)
		qsort(want, n_want, sizeof(*want), cmp_idrange_start);
	r = stream_lines(fd, alias_cb, &ap);
	if (r < 0)
		*n = n0;
	return r;
}

struct explainer {
	struct subfile_explain *ex;
	const char *name;
	size_t name_len;
	uint32_t uid;
};

static int explain_cb(void *ctx, const char *text, size_t len)
{
	struct explainer *e = ctx;
	struct subfile_explain *ex = e->ex;
	struct subfile_line line;

	ex->sum.lines++;
	if (!text) {
		ex->overlong++;
		return 0;
	}
	subfile_parse_line(text, len, ex->sum.lines, &line);
	if (line.kind == SUBFILE_BAD) {
		if (ex->sum.bad++ == 0) {
			ex->sum.first_bad = line.lineno;
			ex->sum.first_bad_reason = line.reason;
		}
		return 0;
	}
	if (line.kind != SUBFILE_ENTRY)
		return 0;
	ex->sum.entries++;
	if (!owner_matches(line.owner, line.owner_len, e->name, e->name_len, e->uid))
		return 0;
	if (ex->n_owned < SUBFILE_EXPLAIN_MAX)
		ex->owned[ex->n_owned] = (struct subfile_owned){ line.lineno, line.start, line.count };
	ex->n_owned++;
	return 0;
}

int subfile_explain_fd(int fd, const char *name, uint32_t uid, struct subfile_explain *ret)
{
	struct subfile_explain ex = { 0 };
	struct explainer e = { &ex, name, name ? strlen(name) : 0, uid };
	int r = stream_lines(fd, explain_cb, &e);

	if (r < 0)
		return r;
	*ret = ex;
	return 0;
}
