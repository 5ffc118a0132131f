/* SPDX-License-Identifier: GPL-2.0-or-later
 * subid-check, area subids.*: the sub-id ranges of the user, as newuidmap/newgidmap will see them.
 *
 * Ids (stable), each for subuid and subgid: subids.sub{u,g}id.{file,syntax,entries,count,own_id,
 * overlap_users,overlap_accounts,bounds}; and subids.nsswitch, subids.login_defs.
 *
 * What decides the verdicts:
 *  - file: newidmap reads /etc/subuid only if it is a regular, root-owned file not writable by
 *    group or others, opened with O_NOFOLLOW; and, holding only cap_setuid (no
 *    CAP_DAC_OVERRIDE), only if the caller can read it, so it must be world-readable.
 *  - syntax: newidmap skips a malformed line (it never grants from it), so those are warnings;
 *    shadow 4.19 and later reject a whole file whose last line has no newline (shadow #1581).
 *  - entries, count, own_id, bounds: the ranges that match the user by login name or by numeric
 *    uid (subfile_owner_matches: the helpers' own rule), or by another login name of the same uid
 *    (an alias: shadow's find_range() second pass, which the helpers follow), or, with an NSS
 *    subid source, the ranges that source lists through libsubid. Aliases come from the account
 *    list already read (getpwent(), or the sysroot's passwd): no lookup per line.
 *  - overlap_users: two owners sharing ids can enter each other's containers' files.
 *  - overlap_accounts: a real account's uid inside the range is reachable from the container.
 *  - nsswitch: newidmap refuses an untrusted nsswitch.conf and an NSS source whose plugin does
 *    not load (libsubid itself would silently fall back to the files; we do not).
 * Fixes propose a free range: the lowest 65536-aligned hole at or after SUB_UID_MIN that no
 * sub-id range (of either file, any owner) and no account id (passwd and group) touches, so the
 * same START-END serves --add-subuids and --add-subgids. Nothing here exits or writes a file. */
#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "conf.h"
#include "number.h"
#include "paths.h"
#include "range.h"
#include "shquote.h"
#include "subfile.h"
#include "util.h"

#ifndef LIBSUBID_SONAME
#define LIBSUBID_SONAME "libsubid.so.4"
#endif

#define SUBID_FILE_MAX (512u << 20) /* the helpers' own limit */
#define RANGE_ALIGN UINT64_C(65536)
#define HIGH_IDS UINT64_C(2147483648) /* 2^31: ids from here on are negative as int32_t */
#define LISTED 5                       /* problems named one by one before "and N more" */

/* shadow's defaults (useradd, libmisc/find_new_sub_uids.c) */
#define DEF_SUB_MIN UINT64_C(100000)
#define DEF_SUB_MAX UINT64_C(600100000)
#define DEF_SUB_COUNT UINT64_C(65536)

struct entry {
	const char *owner;
	size_t owner_len;
	const char *text;
	size_t len;
	unsigned long lineno;
	uint32_t start, count;
	bool mine, by_name, by_alias;
};

struct account {
	char *name;
	uint32_t id;
};

struct kind {
	const char *name;    /* "subuid" */
	const char *path;    /* PATH_SUBUID */
	const char *idword;  /* "uid" */
	const char *del_opt; /* "--del-subuids" */
	const char *acct_db; /* PATH_PASSWD */
	uint32_t own;        /* the user's uid (gid: primary gid) */

	int lstat_err;
	struct stat st;
	int read_err;          /* 0, or -errno reading the file */
	bool trusted;          /* conf_read_trusted() accepted it */
	enum conf_distrust why;
	char *buf;
	size_t len;

	struct entry *e; /* every valid entry, in file order */
	size_t n_e;
	unsigned long lines, bad;

	/* The ranges newidmap would use for the user, and where they come from. */
	bool eff_known;
	struct idrange *eff;
	size_t n_eff;

	/* From the NSS source, through libsubid (live only). */
	bool nss_listed;
	struct idrange *nss;
	size_t n_nss;

	struct account *acc;
	size_t n_acc;
	bool acc_read;
};

enum src_state {
	SRC_FILES,   /* no subid: line, or "files" */
	SRC_NSS_OK,  /* plugin loaded, libsubid listed the ranges */
	SRC_NSS_BAD, /* plugin or libsubid failed: newidmap refuses */
	SRC_NSS_SYSROOT, /* another source under --sysroot: cannot be loaded for another tree */
};

struct defs {
	uint64_t min, max, count;
};

struct state {
	struct check_ctx *c;
	struct kind k[2];
	/* nsswitch.conf */
	int ns_err;
	enum conf_distrust ns_why;
	char src[64];
	enum src_state src_state;
	char src_detail[512];
	bool src_has_free;
	/* login.defs */
	struct defs defs[2];
	char *defs_problems; /* NULL when sane */
	char *defs_seen;
};

/* ------------------------------------------------------------------------------------------ */
/* small helpers */

static char *xvasprintf(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

static void emit(struct state *s, const struct kind *k, const char *what, enum verdict v, const char *expected,
		 const char *fix, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
static void emit(struct state *s, const struct kind *k, const char *what, enum verdict v, const char *expected,
		 const char *fix, const char *fmt, ...)
{
	char id[64];
	va_list ap;
	_cleanup_free_ char *obs = NULL;

	if (k)
		snprintf(id, sizeof(id), "subids.%s.%s", k->name, what);
	else
		snprintf(id, sizeof(id), "subids.%s", what);
	va_start(ap, fmt);
	obs = xvasprintf(fmt, ap);
	va_end(ap);
	if (!obs) {
		s->c->oom = true;
		return;
	}
	check_emit(s->c, id, v, expected, fix, "%s", obs);
}

/* A growing text: a memstream, NULL-safe. */
struct text {
	FILE *f;
	char *buf;
	size_t len;
};

static void text_open(struct text *t)
{
	t->buf = NULL;
	t->len = 0;
	t->f = open_memstream(&t->buf, &t->len);
}

static void tprintf(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tprintf(struct text *t, const char *fmt, ...)
{
	va_list ap;

	if (!t->f)
		return;
	va_start(ap, fmt);
	(void)vfprintf(t->f, fmt, ap);
	va_end(ap);
}

/* Close the stream; returns the text (caller frees), "" never NULL unless out of memory. */
static char *text_take(struct text *t, struct check_ctx *c)
{
	char *r;

	if (!t->f) {
		c->oom = true;
		return NULL;
	}
	if (fclose(t->f) != 0) {
		free(t->buf);
		c->oom = true;
		return NULL;
	}
	t->f = NULL;
	r = t->buf;
	t->buf = NULL;
	return r;
}

static uint64_t align_up(uint64_t v)
{
	return (v + RANGE_ALIGN - 1) / RANGE_ALIGN * RANGE_ALIGN;
}

static int cmp_range(const void *a, const void *b)
{
	const struct idrange *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return (x->count > y->count) - (x->count < y->count);
}

/* Ids covered by the union of the ranges (overlaps counted once). */
static uint64_t union_size(const struct idrange *r, size_t n)
{
	_cleanup_free_ struct idrange *v = NULL;
	uint64_t total = 0, cur_lo = 0, cur_hi = 0;

	if (n == 0)
		return 0;
	v = reallocarray(NULL, n, sizeof(*v));
	if (!v) {
		for (size_t i = 0; i < n; i++)
			total += r[i].count;
		return total;
	}
	memcpy(v, r, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_range);
	for (size_t i = 0; i < n; i++) {
		uint64_t lo = v[i].start, hi = lo + v[i].count;

		if (i == 0 || lo > cur_hi) {
			total += cur_hi - cur_lo;
			cur_lo = lo;
			cur_hi = hi;
		} else if (hi > cur_hi) {
			cur_hi = hi;
		}
	}
	return total + (cur_hi - cur_lo);
}

/* ------------------------------------------------------------------------------------------ */
/* reading */

/* Append one account (name copied) to k->acc, growing it by doubling. False when out of memory:
 * the list then stops there, as the earlier accounts are still usable. */
static bool push_account(struct kind *k, size_t *cap, const char *name, uint32_t id)
{
	if (k->n_acc == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct account *nv = reallocarray(k->acc, ncap, sizeof(*nv));

		if (!nv)
			return false;
		k->acc = nv;
		*cap = ncap;
	}
	k->acc[k->n_acc] = (struct account){ strdup(name), id };
	if (k->acc[k->n_acc].name)
		k->n_acc++;
	return true;
}

static void read_accounts(struct state *s, struct kind *k, bool group)
{
	size_t cap = 0;

	k->acc_read = true;
	if (s->c->live) {
		if (group) {
			struct group *gr;

			setgrent();
			while ((gr = getgrent()) && push_account(k, &cap, gr->gr_name, (uint32_t)gr->gr_gid))
				;
			endgrent();
		} else {
			struct passwd *pw;

			setpwent();
			while ((pw = getpwent()) && push_account(k, &cap, pw->pw_name, (uint32_t)pw->pw_uid))
				;
			endpwent();
		}
		return;
	}
	{
		_cleanup_free_ char *buf = NULL;
		size_t len;
		char *save = NULL;

		if (check_read_file(s->c, k->acct_db, &buf, &len) < 0)
			return;
		for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char *name = line, *p, *idf;
			uint32_t id;

			p = strchr(line, ':');
			if (!p)
				continue;
			*p++ = '\0';
			p = strchr(p, ':'); /* skip the password field */
			if (!p)
				continue;
			idf = ++p;
			p = strchr(idf, ':');
			if (p)
				*p = '\0';
			if (subid_parse_u32_str(idf, &id) < 0)
				continue;
			if (!push_account(k, &cap, name, id))
				return;
		}
	}
}

/* shadow's second pass (find_range() in lib/subordinateio.c) also grants an entry whose owner is
 * another login name of the user's uid: mark those as the user's. The names come from the
 * passwd account list (k[0].acc), so a file of any size costs one comparison per entry and alias,
 * and nothing when the uid has one name (the usual case). */
static void mark_aliases(struct state *s)
{
	const struct kind *pk = &s->k[0];
	size_t n_alias = 0;

	for (size_t a = 0; a < pk->n_acc; a++)
		n_alias += pk->acc[a].id == s->c->uid && strcmp(pk->acc[a].name, s->c->user) != 0;
	if (n_alias == 0)
		return;
	for (int i = 0; i < 2; i++) {
		struct kind *k = &s->k[i];

		for (size_t j = 0; j < k->n_e; j++) {
			struct entry *e = &k->e[j];

			for (size_t a = 0; a < pk->n_acc && !e->mine; a++) {
				const struct account *acc = &pk->acc[a];

				if (acc->id == s->c->uid && strlen(acc->name) == e->owner_len &&
				    memcmp(acc->name, e->owner, e->owner_len) == 0)
					e->mine = e->by_alias = true;
			}
		}
	}
}

static void read_subfile(struct state *s, struct kind *k)
{
	char path[4096];
	struct subfile_iter it;
	struct subfile_line line;
	size_t cap = 0, name_len = strlen(s->c->user);
	int r;

	check_path(s->c, k->path, path, sizeof(path));
	k->lstat_err = lstat(path, &k->st) < 0 ? -errno : 0;
	if (k->lstat_err < 0) {
		k->read_err = k->lstat_err;
		return;
	}
	r = conf_read_trusted(path, CONF_NOFOLLOW, SUBID_FILE_MAX, &k->buf, &k->len, NULL, &k->why);
	k->trusted = r == 0;
	if (r == -EPERM || r == -ELOOP) {
		/* Not trusted by newidmap, but still worth reading for the other checks. */
		if (r == -ELOOP)
			k->why = CONF_TRUSTED;
		r = check_read_file(s->c, k->path, &k->buf, &k->len);
	}
	if (r < 0) {
		k->read_err = r;
		return;
	}
	subfile_iter_init(&it, k->buf, k->len);
	while (subfile_next(&it, &line)) {
		k->lines++;
		if (line.kind == SUBFILE_BAD)
			k->bad++;
		if (line.kind != SUBFILE_ENTRY)
			continue;
		if (k->n_e == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct entry *nv = reallocarray(k->e, ncap, sizeof(*nv));

			if (!nv) {
				s->c->oom = true;
				return;
			}
			k->e = nv;
			cap = ncap;
		}
		k->e[k->n_e++] = (struct entry){
			.owner = line.owner,
			.owner_len = line.owner_len,
			.text = line.text,
			.len = line.len,
			.lineno = line.lineno,
			.start = line.start,
			.count = line.count,
			.mine = subfile_owner_matches(line.owner, line.owner_len, s->c->user, s->c->uid),
			.by_name = line.owner_len == name_len && memcmp(line.owner, s->c->user, name_len) == 0,
		};
	}
}

/* login.defs: SUB_UID_MIN/MAX/COUNT and SUB_GID_*, with shadow's defaults when absent. A value
 * that is not sane is reported, and the defaults are used for the free range in the fixes. */
static void read_defs(struct state *s)
{
	static const char *const prefix[2] = { "SUB_UID", "SUB_GID" };
	static const char *const suffix[3] = { "_MIN", "_MAX", "_COUNT" };
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	struct text prob, seen;
	int r = check_read_file(s->c, PATH_LOGIN_DEFS, &buf, &len);

	text_open(&prob);
	text_open(&seen);
	if (r < 0)
		tprintf(&seen, "/etc/login.defs: %s; ", strerror(-r));
	for (int i = 0; i < 2; i++) {
		char dkey[40];
		bool det;

		/* shadow 4.20's uid-derived mode has its own defaults (see subids.allocation). */
		snprintf(dkey, sizeof(dkey), "%s_DETERMINISTIC", prefix[i]);
		det = r == 0 && logindefs_get_bool(buf, len, dkey);
		struct defs d = { det ? 65536 : DEF_SUB_MIN, det ? ID_LIMIT : DEF_SUB_MAX, DEF_SUB_COUNT };
		uint64_t *dst[3] = { &d.min, &d.max, &d.count };
		bool sane = true;

		for (int j = 0; j < 3; j++) {
			char key[32];
			const char *v;
			size_t vlen;
			uint32_t x;

			snprintf(key, sizeof(key), "%s%s", prefix[i], suffix[j]);
			if (r < 0 || !logindefs_get(buf, len, key, &v, &vlen)) {
				tprintf(&seen, "%s%s %llu (default)", (i + j) ? ", " : "", key, (unsigned long long)*dst[j]);
				continue;
			}
			if (subid_parse_u32(v, vlen, &x) < 0) {
				tprintf(&prob, "%s is '%.*s', not a plain decimal number; ", key, (int)(vlen > 40 ? 40 : vlen), v);
				tprintf(&seen, "%s%s '%.*s'", (i + j) ? ", " : "", key, (int)(vlen > 40 ? 40 : vlen), v);
				sane = false;
				continue;
			}
			*dst[j] = x;
			tprintf(&seen, "%s%s %u", (i + j) ? ", " : "", key, x);
		}
		if (d.min >= d.max) {
			tprintf(&prob, "%s_MIN %llu is not below %s_MAX %llu; ", prefix[i], (unsigned long long)d.min,
				prefix[i], (unsigned long long)d.max);
			sane = false;
		}
		if (d.count == 0) {
			tprintf(&prob, "%s_COUNT is 0: useradd allocates no sub-ids; ", prefix[i]);
			sane = false;
		} else if (d.min < d.max && d.min + d.count - 1 > d.max) {
			tprintf(&prob, "%s_MIN + %s_COUNT - 1 = %llu is above %s_MAX %llu: useradd finds no room; ",
				prefix[i], prefix[i], (unsigned long long)(d.min + d.count - 1), prefix[i],
				(unsigned long long)d.max);
			sane = false;
		}
		if (d.max > ID_LIMIT - (det ? 0 : 1)) {
			tprintf(&prob, "%s_MAX %llu is above 4294967294, the last id a user namespace can map; ",
				prefix[i], (unsigned long long)d.max);
			sane = false;
		}
		if (d.max > ID_LIMIT - 1)
			d.max = ID_LIMIT - 1; /* uid mode's 4294967295 sizes its slots; no free range reaches it */
		s->defs[i] = sane ? d : (struct defs){ DEF_SUB_MIN, DEF_SUB_MAX, DEF_SUB_COUNT };
	}
	s->defs_problems = text_take(&prob, s->c);
	s->defs_seen = text_take(&seen, s->c);
	if (s->defs_problems && !*s->defs_problems) {
		free(s->defs_problems);
		s->defs_problems = NULL;
	} else if (s->defs_problems) {
		s->defs_problems[strlen(s->defs_problems) - 2] = '\0'; /* the last "; " */
	}
}

int check_libsubid_ranges(void *lib, const char *user, int side, struct idrange **ret, size_t *ret_n)
{
	struct {
		unsigned long start, count;
	} *rr = NULL;
	int (*get)(const char *, void *) =
		(int (*)(const char *, void *))dlsym(lib, side ? "subid_get_gid_ranges" : "subid_get_uid_ranges");
	void (*sfree)(void *) = (void (*)(void *))dlsym(lib, "subid_free");
	int n;

	*ret = NULL;
	*ret_n = 0;
	if (!get)
		return -ENOSYS;
	n = get(user, &rr);
	if (n < 0)
		return -EIO;
	if (n > 0 && !(*ret = calloc((size_t)n, sizeof(**ret))))
		n = -ENOMEM;
	for (int j = 0; j < n; j++)
		/* A directory can hand back anything: keep what the helpers would keep. */
		if (rr[j].start <= UINT32_MAX && rr[j].count <= UINT32_MAX && idrange_valid(rr[j].start, rr[j].count))
			(*ret)[(*ret_n)++] = (struct idrange){ (uint32_t)rr[j].start, (uint32_t)rr[j].count };
	if (rr)
		(sfree ? sfree : free)(rr);
	return n;
}

/* nsswitch.conf and, for a source other than files on the live system, the plugin and libsubid,
 * loaded the way newidmap loads them (core.c nss_ranges()). */
static void read_nss(struct state *s)
{
	char path[4096], plugin[80];
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	void *ph, *lib;
	int r;

	snprintf(s->src, sizeof(s->src), "files");
	s->src_state = SRC_FILES;
	check_path(s->c, PATH_NSSWITCH, path, sizeof(path));
	r = conf_read_trusted(path, 0, SMALL_CONF_MAX, &buf, &len, NULL, &s->ns_why);
	s->ns_err = r;
	if (r == -EPERM && s->ns_why != CONF_TOO_LARGE)
		r = check_read_file(s->c, PATH_NSSWITCH, &buf, &len);
	if (r < 0)
		return;
	r = nsswitch_subid_source(buf, len, s->src, sizeof(s->src));
	if (r < 0) {
		snprintf(s->src, sizeof(s->src), "(too long)");
		s->src_state = SRC_NSS_BAD;
		snprintf(s->src_detail, sizeof(s->src_detail), "the subid: source name in /etc/nsswitch.conf is too long");
		return;
	}
	if (r == 0)
		snprintf(s->src, sizeof(s->src), "files");
	if (strcmp(s->src, "files") == 0)
		return;
	if (!s->c->live) {
		s->src_state = SRC_NSS_SYSROOT;
		return;
	}
	s->src_state = SRC_NSS_BAD;
	if (strlen(s->src) > 50 || strchr(s->src, '/')) {
		snprintf(s->src_detail, sizeof(s->src_detail), "subid source '%s' is not a valid module name", s->src);
		return;
	}
	if (s->ns_err < 0) {
		/* Read to report on, never to act on: a file others can write does not choose which
		 * library root loads (the helpers refuse it altogether). */
		snprintf(s->src_detail, sizeof(s->src_detail),
			 "subid source '%s' named by an untrusted /etc/nsswitch.conf: its plugin was not loaded", s->src);
		return;
	}
	snprintf(plugin, sizeof(plugin), "libsubid_%s.so", s->src);
	ph = dlopen(plugin, RTLD_NOW | RTLD_LOCAL);
	if (!ph) {
		const char *e = dlerror();

		snprintf(s->src_detail, sizeof(s->src_detail), "subid source '%s': cannot load %s (%s)", s->src, plugin,
			 e ? e : "unknown error");
		return;
	}
	{
		static const char *const need[] = { "shadow_subid_has_range", "shadow_subid_list_owner_ranges",
						    "shadow_subid_find_subid_owners" };
		struct text t;
		_cleanup_free_ char *missing = NULL;
		bool any = false;

		text_open(&t);
		for (size_t i = 0; i < ELEMENTSOF(need); i++)
			if (!dlsym(ph, need[i])) {
				tprintf(&t, "%s%s", any ? ", " : "", need[i]);
				any = true;
			}
		missing = text_take(&t, s->c);
		if (any) {
			snprintf(s->src_detail, sizeof(s->src_detail), "subid source '%s': %s lacks %s", s->src, plugin,
				 missing);
			return;
		}
	}
	s->src_has_free = dlsym(ph, "shadow_subid_free") != NULL;
	lib = dlopen(LIBSUBID_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		const char *e = dlerror();

		snprintf(s->src_detail, sizeof(s->src_detail), "subid source '%s' is used through " LIBSUBID_SONAME
			 ", which does not load (%s)", s->src, e ? e : "unknown error");
		return;
	}
	{
		bool (*init)(const char *, FILE *) = (bool (*)(const char *, FILE *))dlsym(lib, "subid_init");

		if (init)
			(void)init("subid-check", NULL); /* its messages to /dev/null: we report ourselves */
		for (int i = 0; i < 2; i++) {
			struct kind *k = &s->k[i];
			int n = check_libsubid_ranges(lib, s->c->user, i, &k->nss, &k->n_nss);

			if (n == -ENOSYS) {
				snprintf(s->src_detail, sizeof(s->src_detail), LIBSUBID_SONAME " has no subid_get_%cid_ranges",
					 i ? 'g' : 'u');
				return;
			}
			if (n == -ENOMEM) {
				s->c->oom = true;
				return;
			}
			if (n < 0) {
				snprintf(s->src_detail, sizeof(s->src_detail),
					 "subid source '%s' failed to list the %s ranges of %s", s->src, k->idword, s->c->user);
				return;
			}
			k->nss_listed = true;
		}
	}
	/* The libraries stay loaded until exit: libsubid registers an atexit handler. */
	s->src_state = SRC_NSS_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* the free range proposed in fixes */

struct ival {
	uint64_t lo, hi; /* [lo, hi) */
};

static int cmp_ival(const void *a, const void *b)
{
	const struct ival *x = a, *y = b;

	return (x->lo > y->lo) - (x->lo < y->lo);
}

/* The ranges of the lines we call malformed but shadow reads as entries ("bob: 100000:65536",
 * "bob:0x186a0:65536", a comment "#bob:..."): taken for useradd and newuidmap, so never proposed
 * (issue 9). Writes at most room intervals into v; returns how many. */
static size_t shadow_taken(const struct kind *k, struct ival *v, size_t room)
{
	struct subfile_iter it;
	struct subfile_line line;
	struct idrange t;
	size_t n = 0;

	if (!k->buf)
		return 0;
	subfile_iter_init(&it, k->buf, k->len);
	while (n < room && subfile_next(&it, &line))
		if (line.kind != SUBFILE_ENTRY && subfile_shadow_range(line.text, line.len, &t, NULL) && t.count)
			v[n++] = (struct ival){ t.start, (uint64_t)t.start + t.count };
	return n;
}

/* The lowest 65536-aligned start at or after max(SUB_UID_MIN, SUB_GID_MIN) where size ids touch no
 * range of either file (any owner, the user's own too) and no account's uid or gid: within
 * SUB_UID_MAX/SUB_GID_MAX whenever any hole there is big enough (as useradd would), else beyond
 * rather than offering nothing (fix_add says so). Returns false when no such hole exists below
 * 2^32 - 1. */
static bool free_range(struct state *s, uint64_t size, uint64_t *ret)
{
	_cleanup_free_ struct ival *v = NULL;
	size_t n = 0, cap = 0;
	uint64_t cand;

	struct idrange rsv[96];
	/* Never propose ids that systemd or an SSSD domain hands out (collide.c). */
	size_t n_rsv = check_reserved_ranges(s->c, rsv, ELEMENTSOF(rsv));

	cap = n_rsv;
	for (int i = 0; i < 2; i++)
		cap += s->k[i].lines + s->k[i].n_acc; /* lines: the entries and the lines shadow_taken() reads */
	/* At least one element, so that v is never NULL where it is filled. */
	v = reallocarray(NULL, cap ? cap : 1, sizeof(*v));
	if (!v) {
		s->c->oom = true;
		return false;
	}
	for (int i = 0; i < 2; i++) {
		for (size_t j = 0; j < s->k[i].n_e; j++)
			v[n++] = (struct ival){ s->k[i].e[j].start, (uint64_t)s->k[i].e[j].start + s->k[i].e[j].count };
		for (size_t j = 0; j < s->k[i].n_acc; j++)
			v[n++] = (struct ival){ s->k[i].acc[j].id, (uint64_t)s->k[i].acc[j].id + 1 };
		n += shadow_taken(&s->k[i], v + n, cap - n);
	}
	for (size_t j = 0; j < n_rsv; j++)
		v[n++] = (struct ival){ rsv[j].start, (uint64_t)rsv[j].start + rsv[j].count };
	if (n)
		qsort(v, n, sizeof(*v), cmp_ival);
	cand = align_up(s->defs[0].min > s->defs[1].min ? s->defs[0].min : s->defs[1].min);
	if (cand == 0)
		cand = RANGE_ALIGN; /* never propose id 0 */
	/* cand only grows, and every interval passed ends at or before it: one sweep suffices. */
	for (size_t i = 0; i < n; i++) {
		if (v[i].hi <= cand)
			continue;
		if (v[i].lo >= cand + size)
			break;
		cand = align_up(v[i].hi);
	}
	if (cand + size > ID_LIMIT)
		return false;
	*ret = cand;
	return true;
}

/* The user's name as one shell word, in buf ("" if it does not fit: the fix is then not pasteable,
 * but never a different command). */
static const char *user_word(const struct state *s, char *buf, size_t size)
{
	(void)shell_quote(s->c->user, buf, size);
	return buf;
}

/* "usermod [--del-subXids D] [--add-subuids S-E] [--add-subgids S-E] USER" for a new range of size
 * ids; which: bit 0 subuid, bit 1 subgid. del (may be NULL) is a range to drop from kind del_kind. */
static char *fix_add(struct state *s, unsigned which, uint64_t size, const struct kind *del_kind,
		     const struct idrange *del)
{
	char word[512];
	uint64_t start;
	struct text t;

	if (s->src_state == SRC_NSS_OK)
		return xasprintf("give %s a range of %llu ids in the subid source '%s' (usermod cannot write to it)",
				 user_word(s, word, sizeof(word)), (unsigned long long)size, s->src);
	if (!free_range(s, size, &start))
		return xasprintf("no free 65536-aligned range of %llu ids is left below 4294967295: remove unused ranges "
				 "from /etc/subuid and /etc/subgid first", (unsigned long long)size);
	text_open(&t);
	/* usermod --del-sub*ids removes only lines that name the login name (shadow's remove_range()
	 * compares the owner with it): a line the helpers match by uid or by an alias is deleted by
	 * its line number, guarded by its exact text. */
	if (del && del_kind) {
		for (size_t i = 0; i < del_kind->n_e; i++) {
			const struct entry *e = &del_kind->e[i];
			char owner[128];

			if (!e->mine || e->by_name || e->start != del->start || e->count != del->count)
				continue;
			if (e->owner_len < sizeof(owner) &&
			    strspn(e->owner, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") >= e->owner_len) {
				memcpy(owner, e->owner, e->owner_len);
				owner[e->owner_len] = '\0';
				tprintf(&t, "sed -i '%lu{/^%s:%u:%u$/d}' %s && ", e->lineno, owner, e->start, e->count,
					del_kind->path);
			} else {
				tprintf(&t, "sed -i '%lud' %s && ", e->lineno, del_kind->path);
			}
			del = NULL; /* deleted by line: no --del-sub*ids */
			break;
		}
	}
	tprintf(&t, "usermod ");
	if (del)
		tprintf(&t, "%s %u-%llu ", del_kind->del_opt, del->start, (unsigned long long)del->start + del->count - 1);
	if (which & 1)
		tprintf(&t, "--add-subuids %llu-%llu ", (unsigned long long)start, (unsigned long long)(start + size - 1));
	if (which & 2)
		tprintf(&t, "--add-subgids %llu-%llu ", (unsigned long long)start, (unsigned long long)(start + size - 1));
	tprintf(&t, "%s", user_word(s, word, sizeof(word)));
	/* The lowest hole lies past SUB_UID_MAX/SUB_GID_MAX: say so, as a shell comment (the command
	 * stays pasteable), since useradd and subid-alloc would not allocate there. */
	for (int i = 0; i < 2; i++) {
		if (!(which & (1u << i)) || start + size - 1 <= s->defs[i].max)
			continue;
		tprintf(&t, "  # past SUB_%cID_MAX %llu: no free range of %llu ids is left below it; raise "
			"SUB_%cID_MAX in /etc/login.defs so that useradd allocates there too", i ? 'G' : 'U',
			(unsigned long long)s->defs[i].max, (unsigned long long)size, i ? 'G' : 'U');
		break;
	}
	return text_take(&t, s->c);
}

/* collide.c's fixes: move the range del of one kind to a free range. */
static char *collide_fix(void *ctx, unsigned which, const struct idrange *del)
{
	struct state *s = ctx;

	return fix_add(s, which, align_up(del->count), &s->k[which == 1 ? 0 : 1], del);
}

/* ------------------------------------------------------------------------------------------ */
/* the checks */

static void check_file(struct state *s, struct kind *k)
{
	struct text obs, fix;
	_cleanup_free_ char *o = NULL, *f = NULL, *add = NULL;
	bool bad = false;
	unsigned mode = (unsigned)k->st.st_mode & 07777;

	if (k->lstat_err == -ENOENT) {
		if (s->src_state != SRC_FILES) {
			emit(s, k, "file", VERDICT_SKIP, NULL, NULL,
			     "%s does not exist; not used: /etc/nsswitch.conf names the subid source '%s'", k->path, s->src);
			return;
		}
		add = fix_add(s, k == &s->k[0] ? 1 : 2, s->defs[0].count > s->c->min_count ? s->defs[0].count : s->c->min_count,
			      NULL, NULL);
		f = xasprintf("touch %s && chmod 644 %s%s%s", k->path, k->path, add ? " && " : "", add ? add : "");
		emit(s, k, "file", VERDICT_FAIL, "a regular file owned by root, mode 0644", f,
		     "%s does not exist: new%cidmap has no sub-ids to grant", k->path, k == &s->k[0] ? 'u' : 'g');
		return;
	}
	if (k->lstat_err < 0) {
		emit(s, k, "file", VERDICT_FAIL, "a regular file owned by root, mode 0644", NULL, "cannot examine %s: %s",
		     k->path, strerror(-k->lstat_err));
		return;
	}
	text_open(&obs);
	text_open(&fix);
	if (S_ISLNK(k->st.st_mode)) {
		tprintf(&obs, "%s is a symbolic link: newuidmap opens it with O_NOFOLLOW and refuses it", k->path);
		tprintf(&fix, "cp --remove-destination \"$(readlink -f %s)\" %s && chown root:root %s && chmod 644 %s",
			k->path, k->path, k->path, k->path);
		bad = true;
	} else if (!S_ISREG(k->st.st_mode)) {
		tprintf(&obs, "%s is not a regular file (mode %06o)", k->path, (unsigned)k->st.st_mode);
		tprintf(&fix, "replace %s with a regular file of owner:start:count lines, mode 0644", k->path);
		bad = true;
	} else {
		const char *sep = "";

		tprintf(&obs, "%s:", k->path);
		if (k->st.st_uid != 0) {
			tprintf(&obs, " owned by uid %u, not root;", (unsigned)k->st.st_uid);
			bad = true;
		}
		if (k->st.st_mode & (S_IWGRP | S_IWOTH)) {
			tprintf(&obs, " writable by group or others (mode %04o): anyone could grant themselves ids;", mode);
			bad = true;
		}
		if (!(k->st.st_mode & S_IROTH)) {
			tprintf(&obs, " not world-readable (mode %04o): the helpers run as the user with only cap_set%cid and "
				"cannot read it;", mode, k == &s->k[0] ? 'u' : 'g');
			bad = true;
		}
		if (k->why == CONF_TOO_LARGE) {
			tprintf(&obs, " larger than the helpers accept (%u MiB);", SUBID_FILE_MAX >> 20);
			bad = true;
		}
		if (bad) {
			tprintf(&obs, " the helpers refuse it");
			if (k->st.st_uid != 0 || k->st.st_gid != 0) {
				tprintf(&fix, "chown root:root %s", k->path);
				sep = " && ";
			}
			if ((k->st.st_mode & (S_IWGRP | S_IWOTH)) || !(k->st.st_mode & S_IROTH))
				tprintf(&fix, "%schmod 644 %s", sep, k->path);
		} else {
			tprintf(&obs, " regular file, owner uid %u gid %u, mode %04o", (unsigned)k->st.st_uid,
				(unsigned)k->st.st_gid, mode);
		}
	}
	o = text_take(&obs, s->c);
	f = text_take(&fix, s->c);
	if (!o || !f)
		return;
	emit(s, k, "file", bad ? VERDICT_FAIL : VERDICT_PASS,
	     "a regular file (not a symbolic link) owned by root, not writable by group or others, world-readable",
	     bad && *f ? f : NULL, "%s", o);
}

static int cmp_entry_owner(const void *a, const void *b)
{
	const struct entry *x = *(const struct entry *const *)a, *y = *(const struct entry *const *)b;
	size_t n = x->owner_len < y->owner_len ? x->owner_len : y->owner_len;
	int r = memcmp(x->owner, y->owner, n);

	if (r)
		return r;
	if (x->owner_len != y->owner_len)
		return x->owner_len < y->owner_len ? -1 : 1;
	return (x->lineno > y->lineno) - (x->lineno < y->lineno);
}

static int cmp_entry_text(const void *a, const void *b)
{
	const struct entry *x = *(const struct entry *const *)a, *y = *(const struct entry *const *)b;
	size_t n = x->len < y->len ? x->len : y->len;
	int r = memcmp(x->text, y->text, n);

	if (r)
		return r;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return (x->lineno > y->lineno) - (x->lineno < y->lineno);
}

static void check_syntax(struct state *s, struct kind *k)
{
	struct subfile_iter it;
	struct subfile_line line;
	struct text obs, fix, badl;
	_cleanup_free_ const struct entry **idx = NULL;
	_cleanup_free_ char *o = NULL, *f = NULL, *bl = NULL;
	unsigned long n_bad = 0, n_cr = 0, n_zero = 0, n_dup_owner = 0, n_dup_line = 0;
	bool no_newline, warn;
	const char *sep = "";

	if (!k->buf) {
		emit(s, k, "syntax", VERDICT_SKIP, NULL, NULL, "%s not read: %s", k->path, strerror(-k->read_err));
		return;
	}
	text_open(&obs);
	text_open(&fix);
	text_open(&badl);
	subfile_iter_init(&it, k->buf, k->len);
	while (subfile_next(&it, &line)) {
		if (line.kind != SUBFILE_BAD)
			continue;
		n_bad++;
		n_cr += line.reason == SUBFILE_E_CR;
		n_zero += line.reason == SUBFILE_E_ZERO_COUNT;
		if (n_bad <= LISTED)
			tprintf(&obs, "%sline %lu: %s", n_bad > 1 ? "; " : "", line.lineno, subfile_reason_str(line.reason));
		/* CRLF lines get their own fix (sed); the list names the others. */
		if (line.reason != SUBFILE_E_CR && n_bad - n_cr <= 20)
			tprintf(&badl, "%s%lu", n_bad - n_cr > 1 ? "," : "", line.lineno);
	}
	if (n_bad > LISTED)
		tprintf(&obs, "; and %lu more malformed lines", n_bad - LISTED);
	bl = text_take(&badl, s->c);

	if (k->n_e > 1) {
		/* idx holds pointers to the entries: sizeof(*idx) is the size of a pointer on purpose. */
		/* NOLINTNEXTLINE(bugprone-sizeof-expression) */
		idx = reallocarray(NULL, k->n_e, sizeof(*idx));
		if (!idx) {
			s->c->oom = true;
			return;
		}
		/* Owners on several lines: sorted by owner, then line. */
		for (size_t i = 0; i < k->n_e; i++)
			idx[i] = &k->e[i];
		/* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers, as above */
		qsort(idx, k->n_e, sizeof(*idx), cmp_entry_owner);
		for (size_t i = 0; i < k->n_e;) {
			size_t j = i + 1;

			while (j < k->n_e && idx[j]->owner_len == idx[i]->owner_len &&
			       memcmp(idx[j]->owner, idx[i]->owner, idx[i]->owner_len) == 0)
				j++;
			if (j - i > 1 && ++n_dup_owner <= LISTED) {
				tprintf(&obs, "%sowner '%.*s' on %zu lines (", n_bad || n_dup_owner > 1 ? "; " : "",
					(int)idx[i]->owner_len, idx[i]->owner, j - i);
				for (size_t m = i; m < j && m < i + LISTED; m++)
					tprintf(&obs, "%s%lu", m > i ? ", " : "", idx[m]->lineno);
				tprintf(&obs, "%s)", j - i > LISTED ? ", ..." : "");
			}
			i = j;
		}
		if (n_dup_owner > LISTED)
			tprintf(&obs, "; and %lu more owners on several lines", n_dup_owner - LISTED);
		/* Exact repeats of a line. */
		/* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers, as above */
		qsort(idx, k->n_e, sizeof(*idx), cmp_entry_text);
		for (size_t i = 1; i < k->n_e; i++) {
			size_t first = i - 1;

			if (idx[i]->len != idx[first]->len || memcmp(idx[i]->text, idx[first]->text, idx[i]->len) != 0)
				continue;
			while (first > 0 && idx[first - 1]->len == idx[i]->len &&
			       memcmp(idx[first - 1]->text, idx[i]->text, idx[i]->len) == 0)
				first--;
			if (++n_dup_line <= LISTED)
				tprintf(&obs, "%sline %lu repeats line %lu", n_bad || n_dup_owner || n_dup_line > 1 ? "; " : "",
					idx[i]->lineno, idx[first]->lineno);
		}
		if (n_dup_line > LISTED)
			tprintf(&obs, "; and %lu more repeated lines", n_dup_line - LISTED);
	}
	no_newline = k->len > 0 && k->buf[k->len - 1] != '\n';
	if (no_newline)
		tprintf(&obs, "%sthe last line has no newline: shadow 4.19 and later reject the whole file",
			n_bad || n_dup_owner || n_dup_line ? "; " : "");

	warn = n_bad || n_dup_owner || n_dup_line || no_newline;
	if (n_bad) {
		tprintf(&obs, " (newuidmap skips malformed lines)");
		if (n_cr) {
			tprintf(&fix, "sed -i 's/\\r$//' %s", k->path);
			sep = "; ";
		}
		if (n_bad > n_cr) {
			tprintf(&fix, "%sfix or delete line%s %s%s of %s%s", sep, n_bad - n_cr > 1 ? "s" : "", bl ? bl : "",
				n_bad - n_cr > 20 ? ",..." : "", k->path, n_zero ? " (a count of 0 grants nothing)" : "");
			sep = "; ";
		}
	}
	if (n_dup_line) {
		tprintf(&fix, "%sdelete the repeated lines", sep);
		sep = "; ";
	}
	if (no_newline) {
		tprintf(&fix, "%secho >> %s", sep, k->path);
		sep = "; ";
	}
	if (n_dup_owner && !n_dup_line && !n_bad && !no_newline)
		tprintf(&fix, "nothing to do if intended: several lines of one owner are allowed, their ranges add up");
	else if (n_dup_owner)
		tprintf(&fix, "%s(several lines of one owner are allowed: their ranges add up)", sep);
	if (!warn)
		tprintf(&obs, "%s: %lu lines, %zu entries, all well-formed, one line per owner", k->path, k->lines, k->n_e);
	o = text_take(&obs, s->c);
	f = text_take(&fix, s->c);
	if (!o || !f)
		return;
	emit(s, k, "syntax", warn ? VERDICT_WARN : VERDICT_PASS,
	     "owner:start:count lines with count > 0, LF line endings, a final newline, no repeated lines, one line per owner",
	     warn ? f : NULL, "%s%s%s", warn ? k->path : "", warn ? ": " : "", o);
}

static void describe_ranges(struct text *t, const struct state *s, const struct kind *k)
{
	size_t shown = 0;

	if (s->src_state == SRC_NSS_OK) {
		for (size_t i = 0; i < k->n_eff && shown < LISTED; i++, shown++)
			tprintf(t, "%s%u-%llu (%u ids)", i ? ", " : "", k->eff[i].start,
				(unsigned long long)k->eff[i].start + k->eff[i].count - 1, k->eff[i].count);
	} else {
		for (size_t i = 0; i < k->n_e && shown < LISTED; i++) {
			if (!k->e[i].mine)
				continue;
			tprintf(t, "%sline %lu: %u-%llu (%u ids, by %s%.*s)", shown ? ", " : "", k->e[i].lineno, k->e[i].start,
				(unsigned long long)k->e[i].start + k->e[i].count - 1, k->e[i].count,
				k->e[i].by_name ? "name" : k->e[i].by_alias ? "alias " : "uid",
				k->e[i].by_alias ? (int)(k->e[i].owner_len > 64 ? 64 : k->e[i].owner_len) : 0, k->e[i].owner);
			shown++;
		}
	}
	if (k->n_eff > shown)
		tprintf(t, ", and %zu more", k->n_eff - shown);
}

/* Where a range of the user came from, for messages: " (line N)" or "". */
static void range_origin(const struct state *s, const struct kind *k, size_t i, char *buf, size_t size)
{
	buf[0] = '\0';
	if (s->src_state == SRC_FILES) {
		size_t m = 0;

		for (size_t j = 0; j < k->n_e; j++)
			if (k->e[j].mine && m++ == i) {
				snprintf(buf, size, " (line %lu)", k->e[j].lineno);
				return;
			}
	}
}

static uint64_t wanted_size(const struct state *s)
{
	uint64_t def = s->defs[0].count > s->defs[1].count ? s->defs[0].count : s->defs[1].count;

	return align_up(def > s->c->min_count ? def : s->c->min_count);
}

static void check_entries(struct state *s, struct kind *k, unsigned missing)
{
	struct text obs;
	_cleanup_free_ char *o = NULL, *f = NULL;
	char expected[256];

	snprintf(expected, sizeof(expected), "at least one range for %s (by name, by uid %u or by another name of that uid)",
		 s->c->user, (unsigned)s->c->uid);
	if (s->src_state == SRC_NSS_BAD || s->src_state == SRC_NSS_SYSROOT) {
		emit(s, k, "entries", VERDICT_SKIP, NULL, NULL,
		     "the subid source '%s' decides which ranges %s has, and it cannot be queried here (see subids.nsswitch)",
		     s->src, s->c->user);
		return;
	}
	if (k->n_eff == 0) {
		f = fix_add(s, missing, wanted_size(s), NULL, NULL);
		if (s->src_state == SRC_NSS_OK)
			emit(s, k, "entries", VERDICT_FAIL, expected, f, "the subid source '%s' lists no %s range for %s",
			     s->src, k->idword, s->c->user);
		else if (!k->buf)
			emit(s, k, "entries", VERDICT_FAIL, expected, f, "no %s ranges for %s: %s: %s", k->idword,
			     s->c->user, k->path, strerror(-k->read_err));
		else
			emit(s, k, "entries", VERDICT_FAIL, expected, f,
			     "no line of %s names %s or uid %u: rootless containers get a single id", k->path, s->c->user,
			     (unsigned)s->c->uid);
		return;
	}
	text_open(&obs);
	tprintf(&obs, "%zu range%s for %s", k->n_eff, k->n_eff == 1 ? "" : "s", s->c->user);
	if (s->src_state == SRC_NSS_OK)
		tprintf(&obs, " from the subid source '%s'", s->src);
	else
		tprintf(&obs, " in %s", k->path);
	tprintf(&obs, ": ");
	describe_ranges(&obs, s, k);
	o = text_take(&obs, s->c);
	if (o)
		emit(s, k, "entries", VERDICT_PASS, expected, NULL, "%s", o);
}

/* Emit a skip for a check that needs the user's ranges when there are none; returns true then. */
static bool skip_without_ranges(struct state *s, struct kind *k, const char *what)
{
	if (s->src_state == SRC_NSS_BAD || s->src_state == SRC_NSS_SYSROOT) {
		emit(s, k, what, VERDICT_SKIP, NULL, NULL, "the ranges of the subid source '%s' cannot be read here",
		     s->src);
		return true;
	}
	if (k->n_eff == 0) {
		emit(s, k, what, VERDICT_SKIP, NULL, NULL, "%s has no %s ranges (see subids.%s.entries)", s->c->user,
		     k->idword, k->name);
		return true;
	}
	return false;
}

static void check_count(struct state *s, struct kind *k)
{
	uint64_t total;
	char expected[64];
	_cleanup_free_ char *f = NULL;

	if (skip_without_ranges(s, k, "count"))
		return;
	total = union_size(k->eff, k->n_eff);
	snprintf(expected, sizeof(expected), "at least %llu ids (--min-count)", (unsigned long long)s->c->min_count);
	if (total >= s->c->min_count) {
		emit(s, k, "count", VERDICT_PASS, expected, NULL, "%llu %s ids in %zu range%s",
		     (unsigned long long)total, k->idword, k->n_eff, k->n_eff == 1 ? "" : "s");
		return;
	}
	f = fix_add(s, k == &s->k[0] ? 1 : 2, align_up(s->c->min_count - total), NULL, NULL);
	emit(s, k, "count", VERDICT_FAIL, expected, f,
	     "only %llu %s ids in %zu range%s: images with files owned by higher ids fail to unpack "
	     "(\"potentially insufficient UIDs or GIDs\", lchown: invalid argument)",
	     (unsigned long long)total, k->idword, k->n_eff, k->n_eff == 1 ? "" : "s");
}

static void check_own_id(struct state *s, struct kind *k)
{
	char expected[128], origin[48];
	_cleanup_free_ char *f = NULL;

	if (skip_without_ranges(s, k, "own_id"))
		return;
	snprintf(expected, sizeof(expected), "%s %u outside every range of %s", k->idword, (unsigned)k->own, s->c->user);
	for (size_t i = 0; i < k->n_eff; i++) {
		const struct idrange *r = &k->eff[i];

		if (!idrange_overlap(r->start, r->count, k->own, 1))
			continue;
		range_origin(s, k, i, origin, sizeof(origin));
		f = fix_add(s, k == &s->k[0] ? 1 : 2, align_up(r->count), k, r);
		emit(s, k, "own_id", VERDICT_FAIL, expected, f,
		     "%s %u of %s is inside its own range %u-%llu%s: the container maps it twice and the kernel refuses "
		     "the map (\"the specified mapping ... includes the user UID\")",
		     k->idword, (unsigned)k->own, s->c->user, r->start, (unsigned long long)r->start + r->count - 1, origin);
		return;
	}
	emit(s, k, "own_id", VERDICT_PASS, expected, NULL, "%s %u lies outside the %zu range%s", k->idword,
	     (unsigned)k->own, k->n_eff, k->n_eff == 1 ? "" : "s");
}

static void check_overlap_users(struct state *s, struct kind *k)
{
	const struct entry *mine = NULL, *other = NULL;
	unsigned long n = 0;
	_cleanup_free_ char *f = NULL;

	if (skip_without_ranges(s, k, "overlap_users"))
		return;
	if (s->src_state == SRC_NSS_OK) {
		emit(s, k, "overlap_users", VERDICT_SKIP, NULL, NULL,
		     "the other owners of the subid source '%s' cannot be listed", s->src);
		return;
	}
	for (size_t i = 0; i < k->n_e; i++) {
		if (!k->e[i].mine)
			continue;
		for (size_t j = 0; j < k->n_e; j++) {
			if (k->e[j].mine || !idrange_overlap(k->e[i].start, k->e[i].count, k->e[j].start, k->e[j].count))
				continue;
			if (n++ == 0) {
				mine = &k->e[i];
				other = &k->e[j];
			}
		}
	}
	if (n == 0) {
		emit(s, k, "overlap_users", VERDICT_PASS, "no range shared with another owner", NULL,
		     "no other owner's range in %s overlaps those of %s", k->path, s->c->user);
		return;
	}
	{
		struct idrange r = { mine->start, mine->count };

		f = fix_add(s, k == &s->k[0] ? 1 : 2, align_up(mine->count), k, &r);
	}
	emit(s, k, "overlap_users", VERDICT_FAIL, "no range shared with another owner", f,
	     "%s's range %u-%llu (line %lu) overlaps %.*s's range %u-%llu (line %lu)%s%lu overlap%s in all: the two "
	     "users' containers share ids and can reach each other's files",
	     s->c->user, mine->start, (unsigned long long)mine->start + mine->count - 1, mine->lineno,
	     (int)other->owner_len, other->owner, other->start, (unsigned long long)other->start + other->count - 1,
	     other->lineno, "; ", n, n == 1 ? "" : "s");
}

static void check_overlap_accounts(struct state *s, struct kind *k)
{
	struct text obs;
	_cleanup_free_ char *o = NULL, *f = NULL;
	const struct idrange *first_r = NULL;
	unsigned long n = 0;
	const char *db = k == &s->k[0] ? "the user database" : "the group database";

	if (skip_without_ranges(s, k, "overlap_accounts"))
		return;
	if (!s->c->live)
		db = k->acct_db;
	if (k->n_acc == 0) {
		emit(s, k, "overlap_accounts", VERDICT_SKIP, NULL, NULL, "no accounts could be read from %s", db);
		return;
	}
	text_open(&obs);
	for (size_t a = 0; a < k->n_acc; a++) {
		if (k->acc[a].id == k->own)
			continue; /* the user's own id: subids.*.own_id */
		for (size_t i = 0; i < k->n_eff; i++) {
			const struct idrange *r = &k->eff[i];

			if (!idrange_overlap(r->start, r->count, k->acc[a].id, 1))
				continue;
			if (++n <= LISTED)
				tprintf(&obs, "%s%s '%s' (%s %u) is inside %s's range %u-%llu", n > 1 ? "; " : "",
					k == &s->k[0] ? "account" : "group", k->acc[a].name, k->idword, k->acc[a].id, s->c->user,
					r->start, (unsigned long long)r->start + r->count - 1);
			if (!first_r)
				first_r = r;
			break;
		}
	}
	if (n > LISTED)
		tprintf(&obs, "; and %lu more", n - LISTED);
	if (n)
		tprintf(&obs, ": files of %s appear inside the user's containers as owned by a container id",
			n == 1 ? "that account" : "those accounts");
	else
		tprintf(&obs, "none of the %zu %s in %s has a %s inside the ranges of %s", k->n_acc,
			k == &s->k[0] ? "accounts" : "groups", db, k->idword, s->c->user);
	o = text_take(&obs, s->c);
	if (!o)
		return;
	if (n)
		f = fix_add(s, k == &s->k[0] ? 1 : 2, align_up(first_r->count), k, first_r);
	emit(s, k, "overlap_accounts", n ? VERDICT_WARN : VERDICT_PASS, "no account's id inside the ranges", f, "%s", o);
}

static void check_bounds(struct state *s, struct kind *k)
{
	uint64_t highest = 0;
	char origin[48];
	_cleanup_free_ char *f = NULL;

	if (skip_without_ranges(s, k, "bounds"))
		return;
	for (size_t i = 0; i < k->n_eff; i++) {
		const struct idrange *r = &k->eff[i];
		uint64_t last = (uint64_t)r->start + r->count - 1;

		/* The parser already refused anything past 4294967294 (subfile.c), so only 2^31 is left. */
		if (last >= HIGH_IDS) {
			range_origin(s, k, i, origin, sizeof(origin));
			f = fix_add(s, k == &s->k[0] ? 1 : 2, align_up(r->count), k, r);
			emit(s, k, "bounds", VERDICT_WARN, "every id below 2147483648 (2^31)", f,
			     "range %u-%llu%s goes above 2147483647: ids of 2^31 and more are negative as signed 32-bit "
			     "numbers and some tools and file systems mishandle them",
			     r->start, (unsigned long long)last, origin);
			return;
		}
		if (last > highest)
			highest = last;
	}
	emit(s, k, "bounds", VERDICT_PASS, "every id below 2147483648 (2^31)", NULL, "highest %s %llu", k->idword,
	     (unsigned long long)highest);
}

static bool same_ranges(const struct idrange *a, size_t na, const struct idrange *b, size_t nb)
{
	_cleanup_free_ struct idrange *x = NULL, *y = NULL;

	if (na != nb)
		return false;
	x = reallocarray(NULL, na, sizeof(*x));
	y = reallocarray(NULL, nb, sizeof(*y));
	if (!x || !y)
		return true; /* cannot tell: say nothing */
	memcpy(x, a, na * sizeof(*x));
	memcpy(y, b, nb * sizeof(*y));
	qsort(x, na, sizeof(*x), cmp_range);
	qsort(y, nb, sizeof(*y), cmp_range);
	return memcmp(x, y, na * sizeof(*x)) == 0;
}

static void check_nsswitch(struct state *s)
{
	static const char expected[] = "a root-owned /etc/nsswitch.conf; subid: files (or none), or a source whose "
				       "libsubid plugin loads";

	if (s->ns_err == -EPERM) {
		emit(s, NULL, "nsswitch", VERDICT_FAIL, expected,
		     "chown root:root /etc/nsswitch.conf && chmod 644 /etc/nsswitch.conf",
		     "/etc/nsswitch.conf %s: newuidmap and newgidmap refuse to trust it and map nothing",
		     conf_distrust_str(s->ns_why));
		return;
	}
	if (s->ns_err < 0 && s->ns_err != -ENOENT) {
		emit(s, NULL, "nsswitch", VERDICT_FAIL, expected, "chmod 644 /etc/nsswitch.conf",
		     "cannot read /etc/nsswitch.conf: %s: newuidmap and newgidmap refuse to run", strerror(-s->ns_err));
		return;
	}
	switch (s->src_state) {
	case SRC_FILES:
		emit(s, NULL, "nsswitch", VERDICT_PASS, expected, NULL, "%s",
		     s->ns_err == -ENOENT ? "no /etc/nsswitch.conf: the helpers read /etc/subuid and /etc/subgid"
					  : "subid source: files (/etc/subuid and /etc/subgid)");
		return;
	case SRC_NSS_SYSROOT:
		emit(s, NULL, "nsswitch", VERDICT_SKIP, NULL, NULL,
		     "subid source '%s': its plugin libsubid_%s.so can be tried only on the live system, not under --sysroot",
		     s->src, s->src);
		return;
	case SRC_NSS_BAD: {
		_cleanup_free_ char *f = xasprintf(
			"install the plugin libsubid_%s.so where the dynamic linker finds it (for SSSD: the sssd package "
			"that ships it), or set 'subid: files' in /etc/nsswitch.conf",
			s->src);

		emit(s, NULL, "nsswitch", VERDICT_FAIL, expected, f,
		     "%s: newuidmap and newgidmap refuse to map (libsubid itself would silently fall back to the files)",
		     s->src_detail);
		return;
	}
	case SRC_NSS_OK:
		break;
	}
	for (int i = 0; i < 2; i++) {
		struct kind *k = &s->k[i];
		_cleanup_free_ struct idrange *files = NULL;
		size_t nf = 0;
		struct text a, b;
		_cleanup_free_ char *ta = NULL, *tb = NULL, *f = NULL;

		if (!k->buf || k->n_nss == 0)
			continue;
		files = reallocarray(NULL, k->n_e ? k->n_e : 1, sizeof(*files));
		if (!files) {
			s->c->oom = true;
			return;
		}
		for (size_t j = 0; j < k->n_e; j++)
			if (k->e[j].mine)
				files[nf++] = (struct idrange){ k->e[j].start, k->e[j].count };
		if (nf == 0 || same_ranges(files, nf, k->nss, k->n_nss))
			continue;
		text_open(&a);
		text_open(&b);
		for (size_t j = 0; j < k->n_nss && j < LISTED; j++)
			tprintf(&a, "%s%u-%llu", j ? ", " : "", k->nss[j].start,
				(unsigned long long)k->nss[j].start + k->nss[j].count - 1);
		for (size_t j = 0; j < nf && j < LISTED; j++)
			tprintf(&b, "%s%u-%llu", j ? ", " : "", files[j].start,
				(unsigned long long)files[j].start + files[j].count - 1);
		ta = text_take(&a, s->c);
		tb = text_take(&b, s->c);
		f = xasprintf("make %s agree with the subid source '%s', or delete the lines of %s from it", k->path,
			      s->src, s->c->user);
		emit(s, NULL, "nsswitch", VERDICT_WARN, expected, f,
		     "subid source '%s' loads, but it lists %s %s for %s while %s lists %s: newuidmap uses the source; "
		     "tools that read the files directly (util-linux unshare, LXC, Podman without libsubid, RootlessKit "
		     "--subid-source=static) see other ids",
		     s->src, k->idword, ta ? ta : "?", s->c->user, k->path, tb ? tb : "?");
		return;
	}
	emit(s, NULL, "nsswitch", VERDICT_PASS, expected, NULL,
	     "subid source '%s': libsubid_%s.so loads and exports the shadow_subid_* functions%s; it lists %zu uid and "
	     "%zu gid range%s for %s",
	     s->src, s->src, s->src_has_free ? "" : " (not shadow_subid_free, which shadow 4.16 and later also need)",
	     s->k[0].n_nss, s->k[1].n_nss, s->k[1].n_nss == 1 ? "" : "s", s->c->user);
}

static void check_login_defs(struct state *s)
{
	if (s->defs_problems) {
		emit(s, NULL, "login_defs", VERDICT_WARN,
		     "SUB_UID_MIN < SUB_UID_MAX, SUB_UID_COUNT > 0, MIN + COUNT - 1 <= MAX, MAX <= 4294967294 (and SUB_GID_*)",
		     "edit /etc/login.defs: SUB_UID_MIN 100000, SUB_UID_MAX 600100000, SUB_UID_COUNT 65536 (and the same for "
		     "SUB_GID_*) are shadow's defaults",
		     "/etc/login.defs: %s: useradd allocates sub-ids from these", s->defs_problems);
		return;
	}
	emit(s, NULL, "login_defs", VERDICT_PASS, NULL, NULL, "%s", s->defs_seen ? s->defs_seen : "");
}

void check_area_subids(struct check_ctx *c)
{
	struct state s = {
		.c = c,
		.k = {
			{ .name = "subuid", .path = PATH_SUBUID, .idword = "uid",
			  .del_opt = "--del-subuids", .acct_db = PATH_PASSWD, .own = c->uid },
			{ .name = "subgid", .path = PATH_SUBGID, .idword = "gid",
			  .del_opt = "--del-subgids", .acct_db = PATH_GROUP, .own = c->gid },
		},
	};
	unsigned missing = 0;

	if (!c->user_known || !c->user) {
		emit(&s, &s.k[0], "entries", VERDICT_SKIP, NULL, NULL, "the user is not in the user database");
		emit(&s, &s.k[1], "entries", VERDICT_SKIP, NULL, NULL, "the user is not in the user database");
		return;
	}
	read_defs(&s);
	for (int i = 0; i < 2; i++) {
		read_subfile(&s, &s.k[i]);
		read_accounts(&s, &s.k[i], i == 1);
	}
	mark_aliases(&s);
	read_nss(&s);
	for (int i = 0; i < 2; i++) {
		struct kind *k = &s.k[i];

		if (s.src_state == SRC_NSS_OK) {
			k->eff = k->nss;
			k->n_eff = k->n_nss;
		} else if (s.src_state == SRC_FILES && k->n_e) {
			k->eff = reallocarray(NULL, k->n_e, sizeof(*k->eff));
			if (!k->eff) {
				c->oom = true;
				goto out;
			}
			for (size_t j = 0; j < k->n_e; j++)
				if (k->e[j].mine)
					k->eff[k->n_eff++] = (struct idrange){ k->e[j].start, k->e[j].count };
		}
		k->eff_known = s.src_state == SRC_FILES || s.src_state == SRC_NSS_OK;
		if (k->eff_known && k->n_eff == 0)
			missing |= 1u << i;
	}
	for (int i = 0; i < 2; i++) {
		struct kind *k = &s.k[i];

		check_file(&s, k);
		check_syntax(&s, k);
		check_entries(&s, k, missing);
		check_count(&s, k);
		check_own_id(&s, k);
		check_overlap_users(&s, k);
		check_overlap_accounts(&s, k);
		check_bounds(&s, k);
		check_collisions(c, &(struct collide_in){
			.kind = k->name, .idword = k->idword, .path = k->path, .which = i == 0 ? 1 : 2,
			.r = k->eff, .n = k->n_eff, .known = k->eff_known,
			.nss_source = s.src_state == SRC_NSS_OK ? s.src : NULL, .fix = collide_fix, .ctx = &s });
	}
	check_nsswitch(&s);
	check_login_defs(&s);
	check_subids_allocation(c);
	check_subids_directory(c);
out:
	for (int i = 0; i < 2; i++) {
		struct kind *k = &s.k[i];

		if (k->eff != k->nss)
			free(k->eff);
		free(k->nss);
		free(k->e);
		free(k->buf);
		for (size_t j = 0; j < k->n_acc; j++)
			free(k->acc[j].name);
		free(k->acc);
	}
	free(s.defs_problems);
	free(s.defs_seen);
}
