/* SPDX-License-Identifier: GPL-2.0-or-later
 * sssd.conf's id ranges (include/sssdconf.h). Line by line through a bounded local copy: the
 * text is never modified, nothing is allocated, nothing outlives the call. */
#include <string.h>
#include <strings.h>

#include "number.h"
#include "sssdconf.h"
#include "util.h"

#define IDMAP_MIN_DEFAULT 200000U        /* sssd-ldap(5) */
#define IDMAP_MAX_DEFAULT 2000200000U    /* exclusive */
#define ID_LAST UINT64_C(4294967294)

struct domain {
	char name[SSSDCONF_NAME_MAX];
	bool is_ad;
	int id_mapping; /* -1 unset, 0, 1 */
	bool has_min, has_max, has_rmin, has_rmax;
	uint32_t min_id, max_id, rmin, rmax;
};

static char *trim(char *s)
{
	char *e;

	s += strspn(s, " \t");
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Is word one of the names in list (separated by commas and blanks)? SSSD compares them exactly. */
static bool in_list(const char *list, const char *word)
{
	size_t wl = strlen(word);

	for (const char *p = list; *p;) {
		size_t l;

		p += strspn(p, ", \t");
		l = strcspn(p, ", \t");
		if (l == wl && l > 0 && strncmp(p, word, wl) == 0)
			return true;
		p += l;
	}
	return false;
}

static bool parse_bool(const char *v)
{
	return strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0 || strcmp(v, "1") == 0;
}

static void set_u32(const char *v, bool *has, uint32_t *val)
{
	uint32_t n;

	*has = subid_parse_u32_str(v, &n) == 0;
	if (*has)
		*val = n;
}

static size_t add(struct sssd_id_range *out, size_t max, size_t n, const struct domain *d, bool idmap, uint64_t lo,
		  uint64_t hi)
{
	if (hi > ID_LAST)
		hi = ID_LAST;
	if (lo < 1)
		lo = 1; /* uid 0 is never a directory's to hand out */
	if (lo > hi)
		return n;
	if (n < max) {
		memcpy(out[n].domain, d->name, sizeof(out[n].domain));
		out[n].idmap = idmap;
		out[n].lo = lo;
		out[n].hi = hi;
	}
	return n + 1;
}

size_t sssdconf_id_ranges(const char *buf, size_t len, struct sssd_id_range *out, size_t max, size_t *ret_domains)
{
	struct domain d[SSSDCONF_DOMAINS_MAX];
	char domains[SSSDCONF_LINE_MAX] = "";
	size_t nd = 0, n = 0, served = 0;
	bool have_list = false, in_sssd = false;
	struct domain *cur = NULL;
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = (size_t)((nl ? nl : end) - p);
		char line[SSSDCONF_LINE_MAX], *s, *eq, *key, *val;

		if (l >= sizeof(line)) {
			p = nl ? nl + 1 : end;
			continue;
		}
		memcpy(line, p, l);
		line[l] = '\0'; /* an embedded NUL ends the line early: SSSD would not read past it either */
		p = nl ? nl + 1 : end;
		s = trim(line);
		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *close = strchr(s, ']');

			cur = NULL;
			in_sssd = false;
			if (!close)
				continue;
			*close = '\0';
			s = trim(s + 1);
			if (strcmp(s, "sssd") == 0) {
				in_sssd = true;
			} else if (strncmp(s, "domain/", 7) == 0 && s[7] && strlen(s + 7) < SSSDCONF_NAME_MAX &&
				   nd < ELEMENTSOF(d)) {
				cur = &d[nd++];
				*cur = (struct domain){ .id_mapping = -1 };
				memcpy(cur->name, s + 7, strlen(s + 7) + 1);
			}
			continue;
		}
		eq = strchr(s, '=');
		if (!eq)
			continue;
		*eq = '\0';
		key = trim(s);
		val = trim(eq + 1);
		if (in_sssd && strcmp(key, "domains") == 0) {
			memcpy(domains, val, strlen(val) + 1);
			have_list = true;
			continue;
		}
		if (!cur)
			continue;
		if (strcmp(key, "id_provider") == 0)
			cur->is_ad = strcmp(val, "ad") == 0;
		else if (strcmp(key, "ldap_id_mapping") == 0)
			cur->id_mapping = parse_bool(val);
		else if (strcmp(key, "min_id") == 0)
			set_u32(val, &cur->has_min, &cur->min_id);
		else if (strcmp(key, "max_id") == 0)
			set_u32(val, &cur->has_max, &cur->max_id);
		else if (strcmp(key, "ldap_idmap_range_min") == 0)
			set_u32(val, &cur->has_rmin, &cur->rmin);
		else if (strcmp(key, "ldap_idmap_range_max") == 0)
			set_u32(val, &cur->has_rmax, &cur->rmax);
	}
	for (size_t i = 0; i < nd; i++) {
		const struct domain *x = &d[i];

		if (have_list && !in_list(domains, x->name))
			continue;
		served++;
		if (x->id_mapping == 1 || (x->id_mapping == -1 && x->is_ad)) {
			uint64_t lo = x->has_rmin ? x->rmin : IDMAP_MIN_DEFAULT;
			uint64_t hi_excl = x->has_rmax ? x->rmax : IDMAP_MAX_DEFAULT;

			if (hi_excl > 0)
				n = add(out, max, n, x, true, lo, hi_excl - 1);
		}
		if (x->has_min || (x->has_max && x->max_id > 0))
			n = add(out, max, n, x, false, x->has_min && x->min_id > 0 ? x->min_id : 1,
				x->has_max && x->max_id > 0 ? x->max_id : ID_LAST);
	}
	if (ret_domains)
		*ret_domains = served;
	return n;
}
