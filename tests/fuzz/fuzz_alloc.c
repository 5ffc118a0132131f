/* SPDX-License-Identifier: GPL-2.0-or-later
 * libFuzzer target for the allocator's file rewrite (alloc.h): the policy, first fit, the
 * uid-derived start and alloc_append_line() on arbitrary file content, as alloc_transaction()
 * uses them (decide(): every valid entry of every owner takes its ids; malformed lines none).
 *
 * Input: min, max, count, uid, min_uid (5 x 4 bytes, little endian), one selector byte, then
 * the old file. Selector bits 0-3 pick the user name, bit 7 replaces min/max/count/min_uid by
 * shadow's defaults (100000, 600100000, 65536, 1000), which most real files are written with.
 *
 * Properties:
 *  - alloc_policy_check() and alloc_name_writable() agree with their documented rules;
 *  - first fit returns the lowest start >= min whose range lies in [min, max] and overlaps no
 *    valid entry (checked against every entry, and the lowest candidate found by brute force
 *    over min and the ends of the entries), or -ENOSPC exactly when there is none;
 *  - uid mode returns min + (uid - min_uid) * count (computed in 128 bits) when that range lies
 *    in [min, max] and overlaps no entry, -ERANGE or -EEXIST otherwise;
 *  - the rewritten content starts with the old content byte for byte, then a '\n' only if the
 *    old content did not end with one, then "owner:start:count\n" and nothing else;
 *  - it parses: its lines are the old lines (same kinds, same entries) plus one entry for the
 *    user, so its valid entries are the old ones plus the new one, and subfile_collect() gives
 *    the user the old ranges plus the new one. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "fuzz.h"
#include "range.h"
#include "subfile.h"

#define MAX_ID UINT64_C(4294967294)
#define MAX_ENTRIES 4096

static const char *const names[] = {
	"alice", "bob", "u", "user.name-x_1$", "\xc3\xa9l\xc3\xa8ve", "1000x", "x1000",
	/* not writable: */ "", "1000", "#alice", "a:b", "a\nb", "a\rb", "a\x7f", "0", "-",
};

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool name_writable_ref(const char *n)
{
	bool digits = true;

	if (n[0] == '\0' || n[0] == '#')
		return false;
	for (size_t i = 0; n[i]; i++) {
		unsigned char c = (unsigned char)n[i];

		if (c == ':' || c < 0x20 || c == 0x7f)
			return false;
		digits = digits && c >= '0' && c <= '9';
	}
	return !digits;
}

static bool policy_ok_ref(const struct alloc_policy *p)
{
	return p->count >= 1 && p->max <= MAX_ID && p->min <= p->max && p->min + p->count - 1 <= p->max;
}

static bool free_at(const struct idrange *r, size_t n, uint64_t s, uint64_t count)
{
	for (size_t i = 0; i < n; i++)
		if (idrange_overlap(s, count, r[i].start, r[i].count))
			return false;
	return true;
}

/* The lowest free start by brute force: it is min or the end of some entry (if s > min is the
 * lowest, s - 1 is taken by an entry that ends at s). */
static bool first_fit_ref(const struct idrange *r, size_t n, const struct alloc_policy *p, uint64_t *ret)
{
	bool found = false;

	for (size_t i = 0; i <= n; i++) {
		uint64_t s = i == n ? p->min : (uint64_t)r[i].start + r[i].count;

		if (s < p->min || s + p->count - 1 > p->max || (found && s >= *ret))
			continue;
		if (free_at(r, n, s, p->count)) {
			*ret = s;
			found = true;
		}
	}
	return found;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct alloc_policy p = { .mode = ALLOC_FIRST_FIT };
	struct alloc_error err;
	struct idrange *all = NULL, *sorted = NULL, *mine = NULL, *mine2 = NULL;
	char *out = NULL;
	size_t n = 0, out_len = 0, n_mine = 0, n_mine2 = 0, len;
	const char *old, *name;
	uint32_t uid, start = 0, ustart = 0xdeadbeef;
	uint64_t want = 0;
	struct subfile_iter it, it2;
	struct subfile_line l, l2;
	bool fits;
	int r;

	if (size < 21)
		return 0;
	p.min = le32(data), p.max = le32(data + 4), p.count = le32(data + 8);
	uid = le32(data + 12);
	p.min_uid = le32(data + 16);
	name = names[data[20] % 16 % ELEMENTS(names)];
	if (data[20] & 0x80)
		p.min = 100000, p.max = 600100000, p.count = 65536, p.min_uid = 1000;
	old = (const char *)data + 21;
	len = size - 21;

	FUZZ_ASSERT(alloc_name_writable(name) == name_writable_ref(name), "alloc_name_writable(\"%s\")", name);
	FUZZ_ASSERT((alloc_policy_check(&p, &err) == 0) == policy_ok_ref(&p), "alloc_policy_check(%" PRIu64 ", %" PRIu64
		    ", %" PRIu64 ")", p.min, p.max, p.count);

	/* Every valid entry of every owner, as decide() collects them. */
	all = calloc(MAX_ENTRIES, sizeof(*all));
	sorted = calloc(MAX_ENTRIES, sizeof(*sorted));
	if (!all || !sorted)
		goto out;
	subfile_iter_init(&it, old, len);
	while (subfile_next(&it, &l) && n < MAX_ENTRIES)
		if (l.kind == SUBFILE_ENTRY)
			all[n++] = (struct idrange){ l.start, l.count };
	if (n == MAX_ENTRIES)
		goto out;

	/* uid mode, without and with the wrap, against shadow 4.20's formula: slots = (max - min + 1) /
	 * count, slot = uid - min_uid (modulo slots with the wrap), start = min + slot * count; uid
	 * mode accepts max 4294967295 but never a range holding it. */
	p.mode = ALLOC_UID;
	for (int w = 0; w < 2; w++) {
		p.wrap = w == 1;
		memcpy(sorted, all, n * sizeof(*all));
		ustart = 0xdeadbeef;
		r = alloc_uid_mode(sorted, NULL, n, uid, &p, &ustart, &err);
		if (p.count >= 1 && p.max <= MAX_ID + 1 && p.min <= p.max && p.min + p.count - 1 <= p.max) {
			unsigned __int128 slots = ((unsigned __int128)p.max - p.min + 1) / p.count, slot = 0, s;
			bool in = uid >= p.min_uid;

			if (in) {
				slot = (unsigned __int128)uid - p.min_uid;
				if (slot >= slots && p.wrap)
					slot %= slots;
				in = slot < slots;
			}
			s = (unsigned __int128)p.min + slot * p.count;
			in = in && s + p.count - 1 <= MAX_ID;
			if (!in)
				FUZZ_ASSERT(r == -ERANGE && err.reason == ALLOC_E_UID_RANGE, "uid mode: %d for a range out of bounds", r);
			else if (!p.wrap && !free_at(all, n, (uint64_t)s, p.count))
				FUZZ_ASSERT(r == -EEXIST && err.reason == ALLOC_E_COLLISION, "uid mode: %d for a taken range", r);
			else
				FUZZ_ASSERT(r == 0 && ustart == (uint64_t)s, "uid mode (wrap %d): %d, start %" PRIu32 " for %" PRIu64,
					    w, r, ustart, (uint64_t)s);
		} else {
			FUZZ_ASSERT(r == -EINVAL && err.reason == ALLOC_E_POLICY, "uid mode accepted a bad policy (%d)", r);
		}
	}
	p.wrap = false;

	/* First fit, against brute force. */
	p.mode = ALLOC_FIRST_FIT;
	memcpy(sorted, all, n * sizeof(*all));
	r = alloc_first_fit(sorted, n, &p, &start, &err);
	if (!policy_ok_ref(&p)) {
		FUZZ_ASSERT(r == -EINVAL && err.reason == ALLOC_E_POLICY, "first fit accepted a bad policy (%d)", r);
		goto out;
	}
	fits = first_fit_ref(all, n, &p, &want);
	if (!fits) {
		FUZZ_ASSERT(r == -ENOSPC && err.reason == ALLOC_E_EXHAUSTED, "first fit: %d (start %" PRIu32
			    ") where no hole of %" PRIu64 " exists", r, start, p.count);
		goto out;
	}
	FUZZ_ASSERT(r == 0, "first fit: %d where %" PRIu64 " is free", r, want);
	FUZZ_ASSERT(start == want, "first fit chose %" PRIu32 ", the lowest free start is %" PRIu64, start, want);
	FUZZ_ASSERT(start >= p.min && start + p.count - 1 <= p.max && idrange_valid(start, p.count),
		    "first fit: %" PRIu32 "+%" PRIu64 " outside [%" PRIu64 ", %" PRIu64 "]", start, p.count, p.min, p.max);
	FUZZ_ASSERT(free_at(all, n, start, p.count), "first fit: %" PRIu32 " overlaps an entry", start);

	/* The rewrite, for a name that can be written. */
	if (!alloc_name_writable(name))
		goto out;
	r = alloc_append_line(old, len, name, start, (uint32_t)p.count, &out, &out_len);
	FUZZ_ASSERT(r == 0, "alloc_append_line: %d", r);
	{
		char line[400];
		size_t nl = len > 0 && old[len - 1] != '\n';
		int w = snprintf(line, sizeof(line), "%s:%" PRIu32 ":%" PRIu64 "\n", name, start, p.count);

		FUZZ_ASSERT(out_len == len + nl + (size_t)w, "new content of %zu bytes, expected %zu", out_len,
			    len + nl + (size_t)w);
		FUZZ_ASSERT(len == 0 || memcmp(out, old, len) == 0, "old content not kept byte for byte");
		FUZZ_ASSERT(!nl || out[len] == '\n', "old last line not ended");
		FUZZ_ASSERT(memcmp(out + len + nl, line, (size_t)w) == 0, "new line is not \"%s:%" PRIu32 ":%" PRIu64 "\"",
			    name, start, p.count);
		FUZZ_ASSERT(out[out_len] == '\0', "new content not NUL-terminated");
	}
	/* Line by line: the old lines unchanged, then the new entry, then nothing. */
	subfile_iter_init(&it, old, len);
	subfile_iter_init(&it2, out, out_len);
	while (subfile_next(&it, &l)) {
		FUZZ_ASSERT(subfile_next(&it2, &l2), "new content lost line %lu", l.lineno);
		FUZZ_ASSERT(l2.kind == l.kind && l2.reason == l.reason && l2.len == l.len &&
				    memcmp(l2.text, l.text, l.len) == 0,
			    "line %lu changed", l.lineno);
		if (l.kind == SUBFILE_ENTRY)
			FUZZ_ASSERT(l2.start == l.start && l2.count == l.count && l2.owner_len == l.owner_len,
				    "entry %lu changed", l.lineno);
	}
	FUZZ_ASSERT(subfile_next(&it2, &l2), "no new line");
	FUZZ_ASSERT(l2.kind == SUBFILE_ENTRY && l2.start == start && l2.count == p.count &&
			    l2.owner_len == strlen(name) && memcmp(l2.owner, name, l2.owner_len) == 0,
		    "the new line does not parse as %s:%" PRIu32 ":%" PRIu64 " (kind %d, reason %d)", name, start, p.count,
		    (int)l2.kind, (int)l2.reason);
	FUZZ_ASSERT(!subfile_next(&it2, &l2), "a line after the new one");

	/* The user's view: old ranges (by name or uid) plus the new one, in file order. */
	FUZZ_ASSERT(subfile_collect(old, len, name, uid, &mine, &n_mine, NULL) == 0, "subfile_collect");
	FUZZ_ASSERT(subfile_collect(out, out_len, name, uid, &mine2, &n_mine2, NULL) == 0, "subfile_collect");
	FUZZ_ASSERT(n_mine2 == n_mine + 1, "user has %zu ranges after, %zu before", n_mine2, n_mine);
	FUZZ_ASSERT(n_mine == 0 || memcmp(mine, mine2, n_mine * sizeof(*mine)) == 0, "user's old ranges changed");
	FUZZ_ASSERT(mine2[n_mine].start == start && mine2[n_mine].count == p.count, "user's new range differs");
out:
	free(mine);
	free(mine2);
	free(out);
	free(sorted);
	free(all);
	return 0;
}
