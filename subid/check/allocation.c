/* SPDX-License-Identifier: GPL-2.0-or-later
 * subid-check, id subids.allocation: how new ranges are chosen on this host, and whether every
 * allocator agrees.
 *
 * shadow 4.20's useradd reads SUB_UID_DETERMINISTIC / SUB_GID_DETERMINISTIC (uid-derived ranges),
 * UNSAFE_SUB_*_DETERMINISTIC_WRAP and SUB_UID_STORE_BY_UID / SUB_GID_STORE_BY_UID from
 * login.defs; subid-alloc and pam_subid follow them unless a pam_subid option in /etc/pam.d says
 * otherwise. The check reports the policy of each file (alloc_policy_from_defs(), the allocators'
 * own reader), the range the user gets in uid mode, and warns when
 *   - the wrap is on (ranges of different users overlap by design: shadow's own warning);
 *   - the user's uid is below UID_MIN in uid mode (no range can be computed for it);
 *   - a pam_subid line's options (mode=, by_uid, min=, max=, count=, min_uid=) contradict
 *     login.defs, so that useradd and a login give different ranges or lines.
 * Reads only files under the sysroot; never exits. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "check.h"
#include "conf.h"
#include "number.h"
#include "paths.h"
#include "util.h"

#define ID "subids.allocation"
#define PATH_PAM_D "/etc/pam.d"
#define MAX_PAM_FILES 500   /* /etc/pam.d holds a few dozen */
#define LISTED 5            /* contradictions named before "and N more" */

static const char *const file_name[2] = { "subuid", "subgid" };
static const char *const key_prefix[2] = { "SUB_UID", "SUB_GID" };

struct finding {
	char text[1024];
	size_t len;
	unsigned n;
};

static void add(struct finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct finding *f, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (f->n++ >= LISTED || f->len >= sizeof(f->text))
		return;
	if (f->len) {
		w = snprintf(f->text + f->len, sizeof(f->text) - f->len, "; ");
		f->len += w > 0 ? (size_t)w : 0;
		if (f->len >= sizeof(f->text))
			return;
	}
	va_start(ap, fmt);
	w = vsnprintf(f->text + f->len, sizeof(f->text) - f->len, fmt, ap);
	va_end(ap);
	f->len += w > 0 ? (size_t)w : 0;
	if (f->len >= sizeof(f->text))
		f->len = sizeof(f->text) - 1;
}

/* One option of a pam_subid line, if present: its value (NULL for a flag) through *val. */
struct pam_opts {
	bool has_mode, by_uid, has[4];
	enum alloc_mode mode;
	uint32_t v[4]; /* min, max, count, min_uid */
};

static void parse_pam_opts(char *args, struct pam_opts *o)
{
	static const char *const nkeys[4] = { "min=", "max=", "count=", "min_uid=" };
	char *save = NULL;

	*o = (struct pam_opts){ 0 };
	for (char *t = strtok_r(args, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (strcmp(t, "by_uid") == 0) {
			o->by_uid = true;
		} else if (strcmp(t, "mode=uid") == 0) {
			o->has_mode = true;
			o->mode = ALLOC_UID;
		} else if (strcmp(t, "mode=first-fit") == 0) {
			o->has_mode = true;
			o->mode = ALLOC_FIRST_FIT;
		} else {
			for (int i = 0; i < 4; i++)
				if (strncmp(t, nkeys[i], strlen(nkeys[i])) == 0 &&
				    subid_parse_u32_str(t + strlen(nkeys[i]), &o->v[i]) == 0)
					o->has[i] = true;
		}
	}
}

/* The module field of a PAM line: the word after the type and the control ("[...]" may hold
 * blanks). Returns the rest of the line after it through *args, or NULL when the line does not
 * load pam_subid.so. line is modified. */
static char *pam_subid_args(char *line)
{
	char *p = line, *mod, *end;
	size_t len;

	p += strspn(p, " \t");
	if (*p == '#' || *p == '\0' || *p == '@')
		return NULL;
	if (*p == '-')
		p++;
	p += strcspn(p, " \t"); /* type */
	p += strspn(p, " \t");
	if (*p == '[') {
		p = strchr(p, ']');
		if (!p)
			return NULL;
		p++;
	} else {
		p += strcspn(p, " \t"); /* control */
	}
	p += strspn(p, " \t");
	mod = p;
	end = p + strcspn(p, " \t");
	len = (size_t)(end - mod);
	/* "pam_subid.so" or any path ending in "/pam_subid.so". */
	if (len < 12 || memcmp(end - 12, "pam_subid.so", 12) != 0 || (len > 12 && end[-13] != '/'))
		return NULL;
	return *end ? end + 1 : end;
}

static void check_pam_lines(struct check_ctx *c, const struct alloc_policy pol[2], const bool pol_ok[2],
			    struct finding *f, unsigned *lines_seen)
{
	char dir[4096];
	struct dirent *de;
	int files = 0;
	DIR *d = opendir(check_path(c, PATH_PAM_D, dir, sizeof(dir)));

	if (!d)
		return;
	while (files < MAX_PAM_FILES && (de = readdir(d))) {
		_cleanup_free_ char *buf = NULL;
		char rel[512];
		size_t len;
		unsigned long lineno = 0;

		if (de->d_name[0] == '.' || (de->d_type != DT_REG && de->d_type != DT_UNKNOWN))
			continue;
		files++;
		snprintf(rel, sizeof(rel), PATH_PAM_D "/%s", de->d_name);
		if (check_read_file(c, rel, &buf, &len) < 0 || !strstr(buf, "pam_subid.so"))
			continue;
		for (char *l = buf, *nl; l < buf + len; l = nl + 1) {
			struct pam_opts o;
			char *args;

			nl = memchr(l, '\n', (size_t)(buf + len - l));
			if (!nl)
				nl = buf + len; /* the NUL check_read_file() adds */
			*nl = '\0';
			lineno++;
			args = pam_subid_args(l);
			if (!args)
				continue;
			(*lines_seen)++;
			parse_pam_opts(args, &o);
			for (int i = 0; i < 2; i++) {
				static const char *const nk[4] = { "min", "max", "count", "min_uid" };
				static const char *const dk[4] = { "_MIN", "_MAX", "_COUNT", "" };
				const uint64_t want[4] = { pol[i].min, pol[i].max, pol[i].count, pol[i].min_uid };
				enum alloc_mode eff = o.has_mode ? o.mode : pol[i].mode;

				if (!pol_ok[i])
					continue;
				if (o.has_mode && o.mode != pol[i].mode)
					add(f, "%s line %lu: mode=%s, but %s_DETERMINISTIC is %s in " PATH_LOGIN_DEFS
					    ": logins and useradd choose %s ranges differently", rel, lineno,
					    o.mode == ALLOC_UID ? "uid" : "first-fit", key_prefix[i],
					    pol[i].mode == ALLOC_UID ? "yes" : "not yes", file_name[i]);
				if (o.by_uid && !pol[i].by_uid)
					add(f, "%s line %lu: by_uid writes %s owners as uids, but %s_STORE_BY_UID is not yes: "
					    "useradd writes names", rel, lineno, file_name[i], key_prefix[i]);
				for (int j = 0; j < 4; j++) {
					/* min_uid only moves uid-mode ranges. */
					if (!o.has[j] || o.v[j] == want[j] || (j == 3 && eff != ALLOC_UID))
						continue;
					add(f, "%s line %lu: %s=%" PRIu32 ", but %s%s is %" PRIu64 " in " PATH_LOGIN_DEFS, rel,
					    lineno, nk[j], o.v[j], j == 3 ? "UID_MIN" : key_prefix[i], dk[j], want[j]);
				}
			}
		}
	}
	(void)closedir(d);
}

void check_subids_allocation(struct check_ctx *c)
{
	_cleanup_free_ char *defs = NULL;
	size_t len = 0;
	struct alloc_policy pol[2];
	bool pol_ok[2] = { false, false };
	struct finding seen = { 0 }, warn = { 0 }, pam = { 0 };
	unsigned pam_lines = 0;
	int r = check_read_file(c, PATH_LOGIN_DEFS, &defs, &len);

	for (int i = 0; i < 2; i++) {
		const char *key = NULL;
		const struct alloc_policy *p = &pol[i];

		if (alloc_policy_from_defs(r == 0 ? defs : NULL, len, i == 0 ? ALLOC_SUBUID : ALLOC_SUBGID, NULL, &pol[i],
					   &key) < 0) {
			add(&seen, "%s: %s is not a plain decimal number (see subids.login_defs)", file_name[i], key);
			continue;
		}
		pol_ok[i] = true;
		if (p->mode == ALLOC_FIRST_FIT) {
			add(&seen, "%s: first fit in %" PRIu64 "-%" PRIu64 ", %" PRIu64 " ids, owner written as the %s",
			    file_name[i], p->min, p->max, p->count, p->by_uid ? "uid" : "name");
			continue;
		}
		{
			struct alloc_error err = { 0 };
			uint32_t start;
			int u = alloc_uid_mode(NULL, NULL, 0, (uint32_t)c->uid, p, &start, &err);

			if (u == 0)
				add(&seen, "%s: %s_DETERMINISTIC yes%s: %s gets %" PRIu32 "-%" PRIu64 " (%s_MIN + (uid %u - "
				    "UID_MIN %" PRIu64 ") * %" PRIu64 "), owner written as the %s", file_name[i], key_prefix[i],
				    p->wrap ? " with the wrap" : "", c->user ? c->user : "the user", start,
				    (uint64_t)start + p->count - 1, key_prefix[i], (unsigned)c->uid, p->min_uid, p->count,
				    p->by_uid ? "uid" : "name");
			else
				add(&warn, "%s: %s_DETERMINISTIC yes, but no range for %s: %s", file_name[i], key_prefix[i],
				    c->user ? c->user : "the user", err.detail);
		}
		if (p->wrap)
			add(&warn, "%s: UNSAFE_%s_DETERMINISTIC_WRAP yes: users past the last slot share ranges with "
			    "others, and their containers each other's files", file_name[i], key_prefix[i]);
	}
	check_pam_lines(c, pol, pol_ok, &pam, &pam_lines);
	if (warn.n || pam.n) {
		char more[48] = "";
		unsigned n = warn.n + pam.n;

		if (n > LISTED)
			snprintf(more, sizeof(more), "; and %u more", n - LISTED);
		check_emit(c, ID, VERDICT_WARN,
			   "the allocators agree with " PATH_LOGIN_DEFS " (shadow 4.20's SUB_*_DETERMINISTIC, "
			   "SUB_*_STORE_BY_UID), no wrap",
			   "make the pam_subid options in " PATH_PAM_D " match " PATH_LOGIN_DEFS " (or drop them: "
			   "pam_subid follows it), and leave UNSAFE_SUB_*_DETERMINISTIC_WRAP unset",
			   "%s; %s%s%s%s", seen.text, warn.text, warn.len && pam.len ? "; " : "", pam.text, more);
		return;
	}
	check_emit(c, ID, VERDICT_PASS, NULL, NULL, "%s%s", seen.text,
		   pam_lines ? "; the pam_subid lines agree" : "; no pam_subid line in " PATH_PAM_D);
}
