/* SPDX-License-Identifier: GPL-2.0-or-later
 * libFuzzer target for the directory source's logic (lib/directory.c) and the local plan of
 * alloc_set_*() (lib/alloc.c): what a hostile directory answer or a hostile local file can reach.
 *
 * Input: the first byte picks the part, the rest is its text.
 *   0: /etc/subid-directory.conf for dir_config_parse();
 *   1: directory entries, one per line, five ';'-separated fields (ipaOwner, ipaSubUidNumber,
 *      ipaSubUidCount, ipaSubGidNumber, ipaSubGidCount), each a ','-separated list of values,
 *      judged by dir_entry_check() and dir_entries_check_overlaps() against FreeIPA's pool and a
 *      small pool, then dir_choose() over their ranges;
 *   2: an /etc/subuid for alloc_set_classify() and alloc_set_build() with three fixed users.
 *
 * Properties:
 *   0: an accepted configuration has a uri and a user_base, never plaintext to a network server
 *      (ldap:// without StartTLS), EXTERNAL only over ldapi://, a pool that holds a range and
 *      starts at 65536 or more, and a subid_base;
 *   1: a valid entry has one owner and ranges of the pool's count inside the pool, overlapping no
 *      other entry's; a chosen start is count-aligned in the pool and overlaps no range given;
 *      the free count never exceeds the pool's slots;
 *   2: the built file keeps every line of other owners byte for byte and in order, holds exactly
 *      one line per rewritten user (the wanted range), no line of a user in conflict changed. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "directory.h"
#include "fuzz.h"
#include "subfile.h"
#include "util.h"

#define MAXE 64
#define MAXV 4

static void fuzz_config(const char *t, size_t n)
{
	struct dir_config c;
	char err[256];

	if (dir_config_parse(t, n, &c, err, sizeof(err)) < 0)
		return;
	FUZZ_ASSERT(c.uri && c.user_base && c.subid_base, "missing uri/user_base/subid_base");
	FUZZ_ASSERT(c.count >= 1 && c.pool_min <= c.pool_max && c.pool_max <= 4294967294u, "pool %u-%u", c.pool_min,
		    c.pool_max);
	FUZZ_ASSERT((uint64_t)c.count - 1 <= (uint64_t)c.pool_max - c.pool_min, "count %u does not fit", c.count);
	FUZZ_ASSERT(c.pool_min >= 65536, "pool_min %u", c.pool_min);
	FUZZ_ASSERT(c.bind != DIR_BIND_EXTERNAL || (c.tls == DIR_TLS_NONE && c.write_tls == DIR_TLS_NONE),
		    "EXTERNAL over TLS");
	FUZZ_ASSERT(strncasecmp(c.uri, "ldap://", 7) != 0 || c.tls == DIR_TLS_STARTTLS, "plaintext uri");
	dir_config_free(&c);
}

/* Split s at sep into at most max NUL-terminated pieces (s is modified). */
static size_t split(char *s, char sep, char **out, size_t max)
{
	size_t n = 0;

	while (n < max) {
		char *p = strchr(s, sep);

		out[n++] = s;
		if (!p)
			break;
		*p = '\0';
		s = p + 1;
	}
	return n;
}

static void fuzz_entries(const char *t, size_t len)
{
	static const struct dir_config pools[2] = {
		{ .pool_min = DIR_DEF_POOL_MIN, .pool_max = DIR_DEF_POOL_MAX, .count = DIR_DEF_COUNT },
		{ .pool_min = 65536, .pool_max = 65536 + 99, .count = 10 },
	};
	char *buf = malloc(len + 1), *lines[MAXE];
	char *vals[MAXE][5][MAXV];
	const char *cvals[MAXE][5][MAXV];
	struct dir_raw_entry raw[MAXE];
	struct dir_entry e[MAXE];
	struct idrange rs[2 * MAXE];
	size_t n, nv[MAXE][5];

	if (!buf)
		return;
	memcpy(buf, t, len);
	buf[len] = '\0';
	n = split(buf, '\n', lines, MAXE);
	for (size_t i = 0; i < n; i++) {
		char *f[5] = { NULL };
		size_t nf = split(lines[i], ';', f, 5);

		for (size_t k = 0; k < 5; k++) {
			nv[i][k] = k < nf ? split(f[k], ',', vals[i][k], MAXV) : 0;
			for (size_t v = 0; v < nv[i][k]; v++)
				cvals[i][k][v] = vals[i][k][v];
		}
		raw[i] = (struct dir_raw_entry){ "dn", cvals[i][0], nv[i][0], cvals[i][1], nv[i][1], cvals[i][2], nv[i][2],
						 cvals[i][3], nv[i][3], cvals[i][4], nv[i][4] };
	}
	for (int p = 0; p < 2; p++) {
		const struct dir_config *cfg = &pools[p];
		uint64_t slots = ((uint64_t)cfg->pool_max - cfg->pool_min + 1) / cfg->count, nfree = 0;
		size_t m = 0;
		uint32_t start;

		for (size_t i = 0; i < n; i++)
			dir_entry_check(&raw[i], cfg, &e[i]);
		FUZZ_ASSERT(dir_entries_check_overlaps(e, n) == 0, "overlaps: ENOMEM");
		for (size_t i = 0; i < n; i++) {
			if (e[i].has_ranges) {
				rs[m++] = e[i].uid;
				rs[m++] = e[i].gid;
			}
			if (!e[i].valid)
				continue;
			FUZZ_ASSERT(e[i].owner && e[i].has_ranges, "valid without owner or ranges");
			FUZZ_ASSERT(e[i].uid.count == cfg->count && e[i].gid.count == cfg->count, "count");
			FUZZ_ASSERT(e[i].uid.start >= cfg->pool_min &&
					    (uint64_t)e[i].uid.start + e[i].uid.count - 1 <= cfg->pool_max,
				    "uid range outside the pool");
			FUZZ_ASSERT(e[i].gid.start >= cfg->pool_min &&
					    (uint64_t)e[i].gid.start + e[i].gid.count - 1 <= cfg->pool_max,
				    "gid range outside the pool");
			for (size_t j = 0; j < n; j++)
				if (j != i && e[j].has_ranges)
					FUZZ_ASSERT(!idrange_overlap(e[i].uid.start, e[i].uid.count, e[j].uid.start, e[j].uid.count) &&
							    !idrange_overlap(e[i].gid.start, e[i].gid.count, e[j].gid.start,
									     e[j].gid.count),
						    "valid entry %zu overlaps entry %zu", i, j);
		}
		if (dir_choose(rs, m, cfg, &start, &nfree) == 0) {
			FUZZ_ASSERT((start - cfg->pool_min) % cfg->count == 0, "unaligned %u", start);
			FUZZ_ASSERT(start >= cfg->pool_min && (uint64_t)start + cfg->count - 1 <= cfg->pool_max, "outside");
			for (size_t k = 0; k < m; k++)
				FUZZ_ASSERT(rs[k].count == 0 || !idrange_overlap(start, cfg->count, rs[k].start, rs[k].count),
					    "chosen %u overlaps %u+%u", start, rs[k].start, rs[k].count);
			FUZZ_ASSERT(nfree >= 1, "found a slot, counted none");
		} else {
			FUZZ_ASSERT(nfree == 0, "no slot chosen, %llu counted", (unsigned long long)nfree);
		}
		FUZZ_ASSERT(nfree <= slots, "free %llu > slots %llu", (unsigned long long)nfree, (unsigned long long)slots);
	}
	free(buf);
}

/* Lines of owners other than the items, in order, as one string. */
static char *others(const char *buf, size_t len, const struct alloc_set_item *it, size_t n, bool skip_conflicts)
{
	struct subfile_iter iter;
	struct subfile_line line;
	char *out = malloc(len + 2), *o = out;

	if (!out)
		abort();
	subfile_iter_init(&iter, buf, len);
	while (subfile_next(&iter, &line)) {
		bool mine = false;

		if (line.kind == SUBFILE_ENTRY)
			for (size_t i = 0; i < n; i++)
				if (subfile_owner_matches(line.owner, line.owner_len, it[i].user, it[i].uid) &&
				    !(skip_conflicts && (it[i].state[0] == ALLOC_SET_CONFLICT || it[i].state[1] == ALLOC_SET_CONFLICT)))
					mine = true;
		if (mine)
			continue;
		memcpy(o, line.text, line.len);
		o += line.len;
		*o++ = '\n';
	}
	*o = '\0';
	return out;
}

static void fuzz_set(const char *t, size_t len)
{
	struct alloc_set_item it[3] = {
		{ .user = "alice", .uid = 1000, .want = { { 2147483648u, 65536 }, { 2147483648u, 65536 } } },
		{ .user = "bob", .uid = 1001, .want = { { 2147549184u, 65536 }, { 2147549184u, 65536 } } },
		{ .user = "1002x", .uid = 1002, .want = { { 100000, 10 }, { 100000, 10 } } },
	};
	char *out = NULL, *before, *after;
	size_t olen = 0;
	bool changed = false;

	FUZZ_ASSERT(alloc_set_classify(t, len, it, 3, 0) == 0, "classify");
	FUZZ_ASSERT(alloc_set_classify("", 0, it, 3, 1) == 0, "classify empty");
	FUZZ_ASSERT(alloc_set_build(t, len, it, 3, 0, &out, &olen, &changed) == 0, "build");
	if (!changed) {
		FUZZ_ASSERT(!out, "unchanged with output");
		return;
	}
	/* Other owners' lines (and the lines of users left alone) are kept in order. */
	before = others(t, len, it, 3, true);
	after = others(out, olen, it, 3, true);
	FUZZ_ASSERT(strcmp(before, after) == 0, "other lines changed");
	free(before);
	free(after);
	for (size_t i = 0; i < 3; i++) {
		bool rewritten = it[i].state[0] != ALLOC_SET_CONFLICT && it[i].state[1] != ALLOC_SET_CONFLICT &&
				 (it[i].state[0] == ALLOC_SET_ADDED || it[i].state[0] == ALLOC_SET_CORRECTED);
		_cleanup_free_ struct idrange *r = NULL;
		size_t nr = 0;

		if (!rewritten)
			continue;
		FUZZ_ASSERT(subfile_collect(out, olen, it[i].user, it[i].uid, &r, &nr, NULL) == 0, "collect");
		FUZZ_ASSERT(nr == 1 && r[0].start == it[i].want[0].start && r[0].count == it[i].want[0].count,
			    "user %s has %zu lines after the rewrite", it[i].user, nr);
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *t = (const char *)data + 1;

	if (size == 0)
		return 0;
	switch (data[0] % 3) {
	case 0: fuzz_config(t, size - 1); break;
	case 1: fuzz_entries(t, size - 1); break;
	default: fuzz_set(t, size - 1); break;
	}
	return 0;
}
