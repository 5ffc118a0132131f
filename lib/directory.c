/* SPDX-License-Identifier: GPL-2.0-or-later
 * Sub-id ranges kept in an LDAP directory: the configuration grammar, the verdict on each entry
 * the directory returns, and the choice of a new range. No LDAP code here (see directory.h).
 *
 * Invariants:
 *  - every directory answer is hostile: a value is used only after the strict number grammar
 *    (subid_parse_u32), the kernel's range rule and the pool bounds accepted it, and an entry with
 *    zero or several values of an attribute is refused, never "the first one";
 *  - a refused entry still occupies the ids it names when they parse (dir_choose never hands out
 *    ids that some entry, valid or not, claims);
 *  - a chosen range is count-aligned from pool_min and inside [pool_min, pool_max], so two
 *    allocations that overlap have the same start, which the entry's RDN makes unique;
 *  - all arithmetic on ids is done in uint64_t;
 *  - the configuration never allows plaintext to a network server, nor EXTERNAL outside ldapi://.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "directory.h"
#include "number.h"
#include "util.h"

#define ID_MAX (ID_LIMIT - 1)

__attribute__((format(printf, 3, 4))) static int conf_fail(char *err, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (err && size) {
		va_start(ap, fmt);
		(void)vsnprintf(err, size, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

void dir_config_free(struct dir_config *c)
{
	if (!c)
		return;
	free(c->uri);
	free(c->write_uri);
	free(c->user_base);
	free(c->subid_base);
	free(c->bind_dn);
	free(c->password_file);
	free(c->ca_file);
	*c = (struct dir_config){ 0 };
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The TLS a URI needs: ldapi:// none, ldaps:// implicit, ldap:// StartTLS. -EINVAL for any other
 * scheme. A list of URIs must use one scheme throughout; libldap splits a list at blanks and at
 * commas ("ldaps://a,ldap://b" is two URIs, the second plaintext), and so does this. */
static int uri_scheme(const char *uri, enum dir_tls *ret)
{
	static const struct {
		const char *prefix;
		enum dir_tls tls;
	} schemes[] = { { "ldapi://", DIR_TLS_NONE }, { "ldaps://", DIR_TLS_LDAPS }, { "ldap://", DIR_TLS_STARTTLS } };
	bool first = true;
	enum dir_tls t = DIR_TLS_NONE;
	const char *p = uri;

	while (*p) {
		size_t i;

		while (is_blank(*p) || *p == ',')
			p++;
		if (!*p)
			break;
		for (i = 0; i < ELEMENTSOF(schemes); i++)
			if (strncasecmp(p, schemes[i].prefix, strlen(schemes[i].prefix)) == 0)
				break;
		if (i == ELEMENTSOF(schemes))
			return -EINVAL;
		if (!first && schemes[i].tls != t)
			return -EINVAL;
		t = schemes[i].tls;
		first = false;
		while (*p && !is_blank(*p) && *p != ',')
			p++;
	}
	if (first)
		return -EINVAL;
	*ret = t;
	return 0;
}

/* The trailing run of dc= RDNs of dn ("dc=example,dc=com"), or NULL. */
static const char *dn_suffix(const char *dn)
{
	const char *p = dn, *cand = NULL;

	/* RDN boundaries are unescaped commas; an escaped "\," inside a value is skipped. */
	for (;;) {
		while (is_blank(*p))
			p++;
		if (strncasecmp(p, "dc=", 3) == 0) {
			if (!cand)
				cand = p;
		} else {
			cand = NULL;
		}
		while (*p && *p != ',') {
			if (*p == '\\' && p[1])
				p++;
			p++;
		}
		if (!*p)
			break;
		p++;
	}
	return cand;
}

/* A copy of exactly vlen bytes: the value may end the buffer with no NUL after it (a last line
 * without a newline), so nothing past vlen is read (strndup() may look for the NUL). */
static int set_str(char **dst, const char *v, size_t vlen)
{
	char *s = vlen < SIZE_MAX ? malloc(vlen + 1) : NULL;

	if (!s)
		return -ENOMEM;
	memcpy(s, v, vlen);
	s[vlen] = '\0';
	free(*dst);
	*dst = s;
	return 0;
}

enum conf_key {
	K_URI, K_WRITE_URI, K_USER_BASE, K_SUBID_BASE, K_BIND, K_BIND_DN, K_PASSWORD_FILE, K_TLS, K_CA_FILE,
	K_POOL_MIN, K_POOL_MAX, K_COUNT, K_TIMEOUT, K__MAX
};

static const char *const key_names[K__MAX] = {
	[K_URI] = "uri", [K_WRITE_URI] = "write_uri", [K_USER_BASE] = "user_base", [K_SUBID_BASE] = "subid_base",
	[K_BIND] = "bind", [K_BIND_DN] = "bind_dn", [K_PASSWORD_FILE] = "password_file", [K_TLS] = "tls",
	[K_CA_FILE] = "ca_file", [K_POOL_MIN] = "pool_min", [K_POOL_MAX] = "pool_max", [K_COUNT] = "count",
	[K_TIMEOUT] = "timeout",
};

/* One "key value" line into c. */
static int conf_line(struct dir_config *c, bool seen[K__MAX], unsigned long lineno, const char *line, size_t len,
		     bool *tls_starttls, char *err, size_t errsize)
{
	const char *k = line, *v;
	size_t klen = 0, vlen;
	int key;
	uint32_t num;

	while (klen < len && !is_blank(k[klen]))
		klen++;
	v = k + klen;
	vlen = len - klen;
	while (vlen && is_blank(*v)) {
		v++;
		vlen--;
	}
	while (vlen && is_blank(v[vlen - 1]))
		vlen--;
	for (key = 0; key < K__MAX; key++)
		if (strlen(key_names[key]) == klen && strncmp(key_names[key], k, klen) == 0)
			break;
	if (key == K__MAX)
		return conf_fail(err, errsize, "line %lu: unknown key '%.*s'", lineno, (int)(klen > 40 ? 40 : klen), k);
	if (seen[key])
		return conf_fail(err, errsize, "line %lu: %s is given twice", lineno, key_names[key]);
	seen[key] = true;
	if (vlen == 0)
		return conf_fail(err, errsize, "line %lu: %s has no value", lineno, key_names[key]);
	for (size_t i = 0; i < vlen; i++)
		if ((unsigned char)v[i] < 0x20 && v[i] != '\t')
			return conf_fail(err, errsize, "line %lu: %s holds a control character", lineno, key_names[key]);

	switch (key) {
	case K_URI: return set_str(&c->uri, v, vlen);
	case K_WRITE_URI: return set_str(&c->write_uri, v, vlen);
	case K_USER_BASE: return set_str(&c->user_base, v, vlen);
	case K_SUBID_BASE: return set_str(&c->subid_base, v, vlen);
	case K_BIND_DN: return set_str(&c->bind_dn, v, vlen);
	case K_PASSWORD_FILE:
	case K_CA_FILE:
		if (v[0] != '/')
			return conf_fail(err, errsize, "line %lu: %s must be an absolute path", lineno, key_names[key]);
		return set_str(key == K_CA_FILE ? &c->ca_file : &c->password_file, v, vlen);
	case K_BIND:
		if (vlen == 8 && strncmp(v, "external", 8) == 0)
			c->bind = DIR_BIND_EXTERNAL;
		else if (vlen == 6 && strncmp(v, "simple", 6) == 0)
			c->bind = DIR_BIND_SIMPLE;
		else
			return conf_fail(err, errsize, "line %lu: bind must be external or simple", lineno);
		return 0;
	case K_TLS:
		if (!(vlen == 8 && strncmp(v, "starttls", 8) == 0))
			return conf_fail(err, errsize, "line %lu: tls must be starttls (ldaps:// URIs are TLS already)",
					 lineno);
		*tls_starttls = true;
		return 0;
	default:
		break;
	}
	/* The numbers. */
	if (subid_parse_u32(v, vlen, &num) < 0)
		return conf_fail(err, errsize, "line %lu: %s '%.*s' is not a plain decimal number up to 4294967295",
				 lineno, key_names[key], (int)(vlen > 40 ? 40 : vlen), v);
	switch (key) {
	case K_POOL_MIN: c->pool_min = num; break;
	case K_POOL_MAX: c->pool_max = num; break;
	case K_COUNT: c->count = num; break;
	case K_TIMEOUT:
		if (num == 0 || num > DIR_MAX_TIMEOUT_MS)
			return conf_fail(err, errsize, "line %lu: timeout must be 1 to %u milliseconds", lineno,
					 DIR_MAX_TIMEOUT_MS);
		c->timeout_ms = num;
		break;
	default:
		break;
	}
	return 0;
}

/* The checks across keys, once every line is read. */
static int conf_validate(struct dir_config *c, bool starttls, char *err, size_t errsize)
{
	const char *suffix;

	if (!c->uri)
		return conf_fail(err, errsize, "uri is missing");
	if (!c->user_base)
		return conf_fail(err, errsize, "user_base is missing");
	if (uri_scheme(c->uri, &c->tls) < 0)
		return conf_fail(err, errsize, "uri must be ldapi://, ldaps:// or ldap:// (one scheme for all its URIs)");
	c->write_tls = c->tls;
	if (c->write_uri && uri_scheme(c->write_uri, &c->write_tls) < 0)
		return conf_fail(err, errsize,
				 "write_uri must be ldapi://, ldaps:// or ldap:// (one scheme for all its URIs)");
	/* Plaintext to a network server is refused: ldap:// only with StartTLS, which is then
	 * required (a server that does not offer it fails the connection). */
	if ((c->tls == DIR_TLS_STARTTLS || c->write_tls == DIR_TLS_STARTTLS) && !starttls)
		return conf_fail(err, errsize, "an ldap:// URI needs 'tls starttls': plaintext to a network server is refused");
	if (starttls && c->tls != DIR_TLS_STARTTLS && c->write_tls != DIR_TLS_STARTTLS)
		return conf_fail(err, errsize, "tls starttls applies to ldap:// URIs only");
	if (c->bind == DIR_BIND_EXTERNAL && (c->tls != DIR_TLS_NONE || c->write_tls != DIR_TLS_NONE))
		return conf_fail(err, errsize, "bind external works over ldapi:// only; use bind simple over TLS");
	if (c->bind == DIR_BIND_SIMPLE && (!c->bind_dn || !c->password_file))
		return conf_fail(err, errsize, "bind simple needs bind_dn and password_file");
	if (c->bind == DIR_BIND_EXTERNAL && (c->bind_dn || c->password_file))
		return conf_fail(err, errsize, "bind_dn and password_file go with bind simple only");
	if (!c->subid_base) {
		suffix = dn_suffix(c->user_base);
		if (!suffix)
			return conf_fail(err, errsize, "subid_base is missing and user_base has no dc= suffix to place it under");
		if (asprintf(&c->subid_base, "cn=subids,cn=accounts,%s", suffix) < 0) {
			c->subid_base = NULL;
			return -ENOMEM;
		}
	}
	if (c->count == 0)
		return conf_fail(err, errsize, "count must be at least 1");
	if (c->pool_max > ID_MAX)
		return conf_fail(err, errsize, "pool_max %" PRIu32 " is above 4294967294", c->pool_max);
	if (c->pool_min > c->pool_max)
		return conf_fail(err, errsize, "pool_min %" PRIu32 " is above pool_max %" PRIu32, c->pool_min, c->pool_max);
	if ((uint64_t)c->count - 1 > (uint64_t)c->pool_max - c->pool_min)
		return conf_fail(err, errsize, "count %" PRIu32 " does not fit in the pool", c->count);
	/* Ids below 65536 are where local system and user accounts live. */
	if (c->pool_min < 65536)
		return conf_fail(err, errsize, "pool_min %" PRIu32 " is below 65536", c->pool_min);
	return 0;
}

int dir_config_parse(const char *buf, size_t len, struct dir_config *ret, char *err, size_t errsize)
{
	struct dir_config c = {
		.bind = DIR_BIND_EXTERNAL,
		.pool_min = DIR_DEF_POOL_MIN,
		.pool_max = DIR_DEF_POOL_MAX,
		.count = DIR_DEF_COUNT,
		.timeout_ms = DIR_DEF_TIMEOUT_MS,
	};
	bool seen[K__MAX] = { false }, starttls = false;
	const char *p = buf, *end = buf + len;
	unsigned long lineno = 0;
	int r = 0;

	if (err && errsize)
		err[0] = '\0';
	while (p < end && r == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *s = p;
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);

		p = nl ? nl + 1 : end;
		lineno++;
		if (memchr(s, '\0', l)) {
			r = conf_fail(err, errsize, "line %lu: holds a NUL byte", lineno);
			break;
		}
		while (l && is_blank(*s)) {
			s++;
			l--;
		}
		if (l == 0 || *s == '#')
			continue;
		r = conf_line(&c, seen, lineno, s, l, &starttls, err, errsize);
	}
	if (r == 0)
		r = conf_validate(&c, starttls, err, errsize);
	if (r < 0) {
		if (r == -ENOMEM && err && errsize)
			(void)snprintf(err, errsize, "out of memory");
		dir_config_free(&c);
		return r;
	}
	*ret = c;
	return 0;
}

/* ---- Entries --------------------------------------------------------------------------------- */

__attribute__((format(printf, 2, 3))) static void entry_bad(struct dir_entry *e, const char *fmt, ...)
{
	va_list ap;

	if (!e->valid)
		return; /* the first reason is kept */
	e->valid = false;
	va_start(ap, fmt);
	(void)vsnprintf(e->why, sizeof(e->why), fmt, ap);
	va_end(ap);
}

/* Exactly one value, a plain decimal uint32. Returns 0, or -EINVAL with the reason in e. */
static int one_number(struct dir_entry *e, const char *attr, const char *const *v, size_t n, uint32_t *ret)
{
	size_t len;

	if (n != 1) {
		entry_bad(e, "%s has %zu values, not one", attr, n);
		return -EINVAL;
	}
	len = strnlen(v[0], 12);
	if (subid_parse_u32(v[0], len, ret) < 0 || v[0][len] != '\0') {
		entry_bad(e, "%s '%.12s%s' is not a plain decimal number up to 4294967295", attr, v[0],
			  len >= 12 ? "..." : "");
		return -EINVAL;
	}
	return 0;
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

void dir_entry_check(const struct dir_raw_entry *raw, const struct dir_config *cfg, struct dir_entry *ret)
{
	struct dir_entry *e = ret;
	uint32_t un = 0, uc = 0, gn = 0, gc = 0;
	bool nums_ok;

	*e = (struct dir_entry){ .dn = raw->dn, .valid = true };
	if (raw->n_owner != 1)
		entry_bad(e, "ipaOwner has %zu values, not one", raw->n_owner);
	else if (!printable(raw->owner[0]) || !raw->owner[0][0])
		entry_bad(e, "ipaOwner is empty or holds a control character");
	else
		e->owner = raw->owner[0];
	nums_ok = one_number(e, "ipaSubUidNumber", raw->uid_num, raw->n_uid_num, &un) == 0;
	nums_ok &= one_number(e, "ipaSubUidCount", raw->uid_cnt, raw->n_uid_cnt, &uc) == 0;
	nums_ok &= one_number(e, "ipaSubGidNumber", raw->gid_num, raw->n_gid_num, &gn) == 0;
	nums_ok &= one_number(e, "ipaSubGidCount", raw->gid_cnt, raw->n_gid_cnt, &gc) == 0;
	if (!nums_ok)
		return;
	if (!idrange_valid(un, uc) || !idrange_valid(gn, gc)) {
		entry_bad(e, "range %" PRIu32 "+%" PRIu32 " or %" PRIu32 "+%" PRIu32
			  " is empty or runs past 4294967294", un, uc, gn, gc);
		return;
	}
	e->has_ranges = true;
	e->uid = (struct idrange){ un, uc };
	e->gid = (struct idrange){ gn, gc };
	if (uc != cfg->count || gc != cfg->count)
		entry_bad(e, "count %" PRIu32 "/%" PRIu32 " is not the pool's %" PRIu32, uc, gc, cfg->count);
	else if (un < cfg->pool_min || (uint64_t)un + uc - 1 > cfg->pool_max || gn < cfg->pool_min ||
		 (uint64_t)gn + gc - 1 > cfg->pool_max)
		entry_bad(e, "range %" PRIu32 "/%" PRIu32 "+%" PRIu32 " is outside the pool %" PRIu32 "-%" PRIu32, un, gn,
			  uc, cfg->pool_min, cfg->pool_max);
}

struct span {
	uint64_t start, end; /* [start, end) */
	size_t idx;
};

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

/* Mark overlaps in one id space (uid or gid). */
static void overlaps_in(struct dir_entry *e, struct span *s, size_t m, const char *space)
{
	size_t far = 0; /* the span seen so far that reaches furthest */

	qsort(s, m, sizeof(*s), cmp_span);
	for (size_t i = 1; i < m; i++) {
		if (s[i].start < s[far].end) {
			struct dir_entry *a = &e[s[i].idx], *b = &e[s[far].idx];

			entry_bad(a, "its sub-%s range overlaps entry %.100s", space, b->dn);
			entry_bad(b, "its sub-%s range overlaps entry %.100s", space, a->dn);
		}
		if (s[i].end > s[far].end)
			far = i;
	}
}

int dir_entries_check_overlaps(struct dir_entry *e, size_t n)
{
	_cleanup_free_ struct span *s = NULL;
	size_t m;

	if (n < 2)
		return 0;
	s = reallocarray(NULL, n, sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (int space = 0; space < 2; space++) {
		m = 0;
		for (size_t i = 0; i < n; i++) {
			const struct idrange *r = space == 0 ? &e[i].uid : &e[i].gid;

			if (!e[i].has_ranges)
				continue;
			s[m++] = (struct span){ r->start, (uint64_t)r->start + r->count, i };
		}
		overlaps_in(e, s, m, space == 0 ? "uid" : "gid");
	}
	return 0;
}

static int cmp_uid(const void *a, const void *b)
{
	const struct dir_uid *x = a, *y = b;

	return (x->uid > y->uid) - (x->uid < y->uid);
}

/* The first user whose uid lies in [start, start + count), or NULL. uids sorted. */
static const struct dir_uid *uid_in(const struct dir_uid *uids, size_t nu, struct idrange r)
{
	size_t lo = 0, hi = nu;

	while (lo < hi) { /* the first uid >= start */
		size_t mid = lo + (hi - lo) / 2;

		if (uids[mid].uid < r.start)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < nu && (uint64_t)uids[lo].uid < (uint64_t)r.start + r.count)
		return &uids[lo];
	return NULL;
}

int dir_entries_check_uids(struct dir_entry *e, size_t n, struct dir_uid *uids, size_t nu)
{
	if (nu > 1)
		qsort(uids, nu, sizeof(*uids), cmp_uid);
	for (size_t i = 0; i < n; i++) {
		const struct dir_uid *u;

		if (!e[i].has_ranges)
			continue;
		u = uid_in(uids, nu, e[i].uid);
		if (!u)
			u = uid_in(uids, nu, e[i].gid);
		if (u)
			entry_bad(&e[i], "its range holds uid %" PRIu32 " of directory user %.40s", u->uid,
				  u->name ? u->name : "?");
	}
	return 0;
}

static int cmp_range(const void *a, const void *b)
{
	const struct idrange *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

int dir_choose(struct idrange *ranges, size_t n, const struct dir_config *cfg, uint32_t *ret_start,
	       uint64_t *ret_free)
{
	uint64_t min = cfg->pool_min, max = cfg->pool_max, count = cfg->count, cand = min, free_slots = 0;
	bool found = false;
	uint32_t start = 0;

	if (count == 0 || min > max || count - 1 > max - min)
		return -EINVAL;
	if (n > 1)
		qsort(ranges, n, sizeof(*ranges), cmp_range);
	/* Sweep by start. cand is the lowest aligned start not yet known to be taken; every range
	 * seen so far ends at or before it. Slots between cand and the next range's start are free. */
	for (size_t i = 0; i <= n; i++) {
		uint64_t s = i < n ? ranges[i].start : max + 1, e;

		if (i < n && ranges[i].count == 0)
			continue;
		if (s > max + 1)
			s = max + 1;
		/* Free aligned slots [cand, s): those with slot + count <= s. */
		if (cand + count <= s) {
			uint64_t k = (s - cand) / count;

			if (!found) {
				found = true;
				start = (uint32_t)cand;
			}
			free_slots += k;
			cand += k * count;
		}
		if (i == n)
			break;
		e = (uint64_t)ranges[i].start + ranges[i].count;
		if (e > cand) /* align up past this range */
			cand = min + ((e - min) + count - 1) / count * count;
		if (cand > max)
			break;
	}
	/* The last slot must end within the pool: slots are counted only while cand + count <= max + 1
	 * (s is capped at max + 1 above). */
	if (ret_free)
		*ret_free = free_slots;
	if (!found)
		return -ENOSPC;
	*ret_start = start;
	return 0;
}

int dir_entry_rdn(uint32_t start, char *buf, size_t size)
{
	int n = snprintf(buf, size, "subid-%" PRIu32, start);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* Advance past blanks. */
static const char *skip_blanks(const char *p)
{
	while (*p == ' ')
		p++;
	return p;
}

static char ascii_lower(char c)
{
	if (c >= 'A' && c <= 'Z')
		c = (char)(c - 'A' + 'a');
	return c;
}

bool dir_dn_equal(const char *a, const char *b)
{
	a = skip_blanks(a);
	b = skip_blanks(b);
	for (;;) {
		char ca = *a, cb = *b;

		/* Blanks before a separator or the end are not significant. */
		if (ca == ' ' || cb == ' ') {
			const char *na = skip_blanks(a), *nb = skip_blanks(b);

			if ((*na == ',' || *na == '=' || *na == '+' || !*na) && (*nb == ',' || *nb == '=' || *nb == '+' || !*nb)) {
				a = na;
				b = nb;
				ca = *a;
				cb = *b;
			}
		}
		if (ca == ',' || ca == '=' || ca == '+') {
			if (cb != ca)
				return false;
			a = skip_blanks(a + 1);
			b = skip_blanks(b + 1);
			continue;
		}
		if (!ca || !cb)
			return ca == cb;
		if (ascii_lower(ca) != ascii_lower(cb))
			return false;
		if (ca == '\\') {
			/* An escaped byte is compared like any other (case folded), never skipped, and
			 * never taken for a separator. */
			if (!a[1] || !b[1])
				return a[1] == b[1];
			if (ascii_lower(a[1]) != ascii_lower(b[1]))
				return false;
			a++;
			b++;
		}
		a++;
		b++;
	}
}
