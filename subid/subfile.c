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
#include <stdlib.h>
#include <string.h>

#include "number.h"
#include "subfile.h"

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

	if (p[len - 1] == '\r')
		return SUBFILE_E_CR;
	c1 = memchr(p, ':', len);
	if (!c1)
		return SUBFILE_E_FIELDS;
	c2 = memchr(c1 + 1, ':', (size_t)(end - c1 - 1));
	if (!c2 || memchr(c2 + 1, ':', (size_t)(end - c2 - 1)))
		return SUBFILE_E_FIELDS;
	if (c1 == p)
		return SUBFILE_E_OWNER;
	for (const char *q = p; q < c1; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
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
