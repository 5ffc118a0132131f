/* SPDX-License-Identifier: GPL-2.0-or-later
 * subid-alloc --directory [--sync [--dry-run]]: the directory is the source of truth for sub-id
 * ranges, the host's /etc/subuid and /etc/subgid hold a copy that the helpers read.
 *
 * One user:  find the user's entry (uid=NAME under user_base, its uidNumber equal to NSS's uid);
 *            find its sub-id entry (ipaOwner = that DN); none: add one at the lowest free aligned
 *            start, and let the directory refuse a duplicate (the DN ipaUniqueID=subid-START is
 *            unique by construction; a second entry for the same owner is refused by the server's
 *            uniqueness overlay/plugin), then search again and retry, at most ADD_TRIES times;
 *            then write the range into the local files (alloc_set_transaction).
 * Sync:      every user of user_base that has exactly one valid entry, onto this host at once.
 *
 * Invariants:
 *  - every entry is judged by dir_entry_check()/dir_entries_check_overlaps() before any of its
 *    numbers is used, and a refused entry is named with its DN and the reason;
 *  - a local line of another owner that overlaps the directory's range is never touched: the user
 *    is refused (conflict), in both files;
 *  - an entry this run added is used only after the server proved it refuses a second entry for
 *    the same owner (dl_probe_unique); an entry found already there is used as it is (the run
 *    that added it made the check): uniqueness is the server's job, never a local lock's;
 *  - nothing local is written unless the directory answered: down, slow or refusing, the files
 *    stay as they are;
 *  - the configuration is read from a trusted file only (root-owned, not group/world-writable). */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "alloc.h"
#include "conf.h"
#include "directory.h"
#include "dirldap.h"
#include "dirmode.h"
#include "escape.h"
#include "number.h"
#include "paths.h"
#include "util.h"

#define UID_TRIES 16 /* slots skipped because they hold a directory user's uid */
#define ADD_TRIES 64 /* with n hosts racing for the lowest slot, each round one wins */
#define CONF_MAX (64u << 10)

/* Sync's plan, printed per user. */
static const char *const state_word[] = {
	[ALLOC_SET_UNCHANGED] = "unchanged",
	[ALLOC_SET_ADDED] = "add",
	[ALLOC_SET_CORRECTED] = "correct",
	[ALLOC_SET_CONFLICT] = "conflict",
};

/* One line on stderr (escaped) and one LOG_ERR line; returns 1, the exit status. */
__attribute__((format(printf, 2, 3))) static int refuse(const char *user, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	alloc_report_refusal("directory", user, -1, fmt, ap);
	va_end(ap);
	return 1;
}

/* Read ROOT/REL after the trust checks: root-owned (or, under a test prefix, the caller's),
 * regular, not group/world-writable. Returns 0, -ENOENT, or 1 (refused, message printed). */
static int read_trusted(const char *root, const char *rel, char **ret, size_t *ret_len)
{
	char path[PATH_MAX];
	enum conf_distrust why = CONF_TRUSTED;
	int r;

	if ((size_t)snprintf(path, sizeof(path), "%s%s", root, rel) >= sizeof(path))
		return refuse(NULL, "%s%s: path too long", root, rel);
	r = conf_read_trusted(path, CONF_NOFOLLOW, CONF_MAX, ret, ret_len, NULL, &why);
	if (r == -ENOENT)
		return -ENOENT;
	if (r == -EPERM)
		return refuse(NULL, "%s %s; refusing to trust it", path, conf_distrust_str(why));
	if (r < 0)
		return refuse(NULL, "cannot read %s: %s", path, strerror(-r));
	return 0;
}

/* The subid: source of nsswitch.conf must be files (or absent), as for every write. */
static int check_nsswitch(const char *root)
{
	_cleanup_free_ char *nss = NULL;
	size_t len = 0;
	char src[64];
	int r = read_trusted(root, PATH_NSSWITCH, &nss, &len);

	if (r == -ENOENT)
		return 0;
	if (r)
		return r;
	r = nsswitch_subid_source(nss, len, src, sizeof(src));
	if (r < 0)
		return refuse(NULL, "%s/etc/nsswitch.conf: the subid: source name is too long", root);
	if (r > 0 && strcmp(src, "files") != 0)
		return refuse(NULL, "%s (subid: %s in %s/etc/nsswitch.conf)", alloc_reason_str(ALLOC_E_NSS), src, root);
	return 0;
}

static int load_config(const char *root, struct dir_config *cfg)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	char err[256];
	int r = read_trusted(root, DIR_CONF_PATH, &buf, &len);

	if (r == -ENOENT)
		return refuse(NULL, "%s%s does not exist: the directory source is not configured (subid-directory.conf(5))",
			      root, DIR_CONF_PATH);
	if (r)
		return r;
	if (dir_config_parse(buf, len, cfg, err, sizeof(err)) < 0)
		return refuse(NULL, "%s%s: %s", root, DIR_CONF_PATH, err);
	return 0;
}

/* ---- One user -------------------------------------------------------------------------------- */

/* The user's valid entry must not overlap any other entry: those near it are fetched (an entry
 * of the pool's count that overlaps starts within count - 1 of it) and compared. Returns 0 or 1
 * (refused, printed). */
static int overlap_check(struct dl_conn *conn, const struct dir_config *cfg, const char *user,
			 const struct dir_entry *own)
{
	struct dl_entries near = { 0 };
	struct dir_entry o;
	char err[512];
	int r = 0;

	r = dl_search_entries_near(conn, own->uid.start < own->gid.start ? own->uid.start : own->gid.start,
				   own->uid.start < own->gid.start ? own->gid.start - own->uid.start + cfg->count
								   : own->uid.start - own->gid.start + cfg->count,
				   &near, err, sizeof(err));
	if (r < 0)
		return refuse(user, "cannot search the entries near %s: %s", own->dn, err);
	for (size_t i = 0; i < near.n && r == 0; i++) {
		dir_entry_check(&near.e[i], cfg, &o);
		if (!o.has_ranges || dir_dn_equal(o.dn, own->dn))
			continue;
		if (idrange_overlap(o.uid.start, o.uid.count, own->uid.start, own->uid.count) ||
		    idrange_overlap(o.gid.start, o.gid.count, own->gid.start, own->gid.count))
			r = refuse(user, "directory entry %s: its range %" PRIu32 "+%" PRIu32 " overlaps entry %s (%" PRIu32
				   "+%" PRIu32 "); nothing written", own->dn, own->uid.start, own->uid.count, o.dn,
				   o.uid.start, o.uid.count);
	}
	dl_entries_free(&near);
	return r;
}

/* The user's entries, judged. Returns 0 with ret_range[2] (the one valid entry's sub-uid and
 * sub-gid ranges), -ENOENT (none),
 * or 1 (refused, printed). */
static int user_entry(struct dl_conn *conn, const struct dir_config *cfg, const char *user, const char *dn,
		      struct idrange *ret_range)
{
	struct dl_entries es = { 0 };
	_cleanup_free_ struct dir_entry *e = NULL;
	char err[512];
	int r;

	r = dl_search_entries(conn, dn, &es, err, sizeof(err));
	if (r < 0)
		return refuse(user, "cannot search the sub-id entries of %s: %s", dn, err);
	if (es.n == 0) {
		dl_entries_free(&es);
		return -ENOENT;
	}
	e = calloc(es.n, sizeof(*e));
	if (!e) {
		dl_entries_free(&es);
		return refuse(user, "out of memory");
	}
	for (size_t i = 0; i < es.n; i++)
		dir_entry_check(&es.e[i], cfg, &e[i]);
	if (es.n > 1) {
		r = refuse(user, "the directory holds %zu sub-id entries for %s (%s and %s): one is expected; remove the "
			   "extra one", es.n, dn, e[0].dn, e[1].dn);
	} else if (!e[0].valid) {
		r = refuse(user, "directory entry %s: %s", e[0].dn, e[0].why);
	} else {
		ret_range[0] = e[0].uid;
		ret_range[1] = e[0].gid;
		r = overlap_check(conn, cfg, user, &e[0]);
		for (int i = 0; i < 2 && r == 0; i++) {
			uint32_t holder = 0;
			char name[72];
			int f = dl_find_uid_in(conn, ret_range[i].start, ret_range[i].start + ret_range[i].count - 1, &holder, name,
					       sizeof(name), err, sizeof(err));

			if (f == 0)
				r = refuse(user, "directory entry %s: its range holds uid %" PRIu32 " of directory user %s; nothing "
					   "written", e[0].dn, holder, name);
			else if (f != -ENOENT)
				r = refuse(user, "%s", err);
		}
	}
	dl_entries_free(&es);
	return r;
}

/* One try: add an entry for dn at the lowest free aligned start that no entry claims and that
 * the directory did not refuse earlier in this run (ex). Returns 0 when this run added it
 * (*ret_start), -EEXIST when the directory refused it as a duplicate (the start is then added to
 * ex; the caller searches for the user's entry again), or 1 (refused, printed). */
static int add_entry(struct dl_conn *w, const struct dir_config *cfg, const char *user, const char *dn,
		     struct idrange *ex, size_t *n_ex, uint32_t *ret_start)
{
	struct dl_entries all = { 0 };
	_cleanup_free_ struct idrange *rs = NULL;
	size_t m = 0;
	uint32_t start;
	struct dir_entry e;
	char err[512];
	int r;

	r = dl_search_entries(w, NULL, &all, err, sizeof(err));
	if (r < 0)
		return refuse(user, "cannot list the sub-id entries: %s", err);
	rs = reallocarray(NULL, 2 * all.n + *n_ex + UID_TRIES + 1, sizeof(*rs));
	if (!rs) {
		dl_entries_free(&all);
		return refuse(user, "out of memory");
	}
	/* Every id any entry claims is taken, valid entry or not. */
	for (size_t i = 0; i < all.n; i++) {
		dir_entry_check(&all.e[i], cfg, &e);
		if (!e.has_ranges)
			continue;
		rs[m++] = e.uid;
		rs[m++] = e.gid;
	}
	dl_entries_free(&all);
	for (size_t i = 0; i < *n_ex; i++)
		rs[m++] = ex[i];
	/* The lowest free slot that holds no directory user's uid (shadow issue 1157: a container's
	 * ids must never be somebody's files). */
	for (int t = 0;; t++) {
		uint32_t holder = 0;
		char name[72];

		if (dir_choose(rs, m, cfg, &start, NULL) < 0)
			return refuse(user, "the directory's pool %" PRIu32 "-%" PRIu32 " has no free range of %" PRIu32
				      " ids left", cfg->pool_min, cfg->pool_max, cfg->count);
		r = dl_find_uid_in(w, start, start + cfg->count - 1, &holder, name, sizeof(name), err, sizeof(err));
		if (r == -ENOENT)
			break;
		if (r < 0)
			return refuse(user, "%s", err);
		if (t + 1 >= UID_TRIES)
			return refuse(user, "the pool %" PRIu32 "-%" PRIu32 " holds the uids of directory users (%s: %" PRIu32
				      "): move it away from them", cfg->pool_min, cfg->pool_max, name, holder);
		rs[m++] = (struct idrange){ start, cfg->count };
	}
	r = dl_add_entry(w, dn, start, err, sizeof(err));
	if (r == 0) {
		*ret_start = start;
		return 0;
	}
	if (r != -EEXIST && r != -EBUSY)
		return refuse(user, "cannot add the sub-id entry for %s: %s", dn, err);
	/* Another host allocated for this user, or took this start, first. */
	syslog(LOG_INFO, "source=directory start=%" PRIu32 " refused by the directory (%s); searching again", start,
	       r == -EEXIST ? "the DN exists" : "uniqueness");
	ex[(*n_ex)++] = (struct idrange){ start, cfg->count };
	return -EEXIST;
}

static int one_user(const struct dirmode_opts *o, const struct dir_config *cfg)
{
	struct dl_conn *conn = NULL, *w = NULL;
	_cleanup_free_ char *dn = NULL;
	struct alloc_set_item item = { 0 };
	struct alloc_error aerr = { 0 };
	struct idrange range[2] = { { 0, 0 }, { 0, 0 } };
	char err[512], login[256], user_f[ESCAPE_MAX(64)];
	struct idrange ex[ADD_TRIES];
	size_t n_ex = 0;
	bool added = false;
	struct passwd *pw;
	uint32_t num, dir_uid = 0, start = 0;
	int r, tries = 0;
	const char *new;

	errno = 0;
	pw = subid_parse_u32_str(o->user, &num) == 0 ? getpwuid(num) : getpwnam(o->user);
	if (!pw)
		return refuse(o->user, "no such user '%s'%s%s", o->user, errno ? ": " : "", errno ? strerror(errno) : "");
	if (strlen(pw->pw_name) >= sizeof(login))
		return refuse(o->user, "the user name is too long");
	memcpy(login, pw->pw_name, strlen(pw->pw_name) + 1);
	item.user = login;
	item.uid = (uint32_t)pw->pw_uid;
	if (!alloc_name_writable(login))
		return refuse(login, "%s", alloc_reason_str(ALLOC_E_NAME));

	r = dl_open(cfg, o->root, false, &conn, err, sizeof(err));
	if (r < 0)
		return refuse(login, "directory %s", err);
	r = dl_find_user(conn, login, &dn, &dir_uid, err, sizeof(err));
	if (r < 0) {
		dl_close(conn);
		return refuse(login, "user '%s' in the directory: %s", login, err);
	}
	if (dir_uid != item.uid) {
		dl_close(conn);
		return refuse(login, "the directory's %s has uidNumber %" PRIu32 ", but this host resolves '%s' to uid %" PRIu32
			      " (a local account shadows it?)", dn, dir_uid, login, item.uid);
	}
	for (;;) {
		/* After a refused add, look on the provider: a replica may not have the entry yet. */
		r = user_entry(w ? w : conn, cfg, login, dn, range);
		if (r != -ENOENT)
			break;
		if (o->dry_run) {
			r = 2;
			break;
		}
		if (!w) {
			r = cfg->write_uri ? dl_open(cfg, o->root, true, &w, err, sizeof(err)) : 0;
			if (r < 0) {
				r = refuse(login, "directory (provider) %s", err);
				break;
			}
			if (!cfg->write_uri)
				w = conn;
		}
		r = add_entry(w, cfg, login, dn, ex, &n_ex, &start);
		if (r == 0) {
			added = true;
			range[0] = range[1] = (struct idrange){ start, cfg->count };
			break;
		}
		if (r != -EEXIST || ++tries >= ADD_TRIES) {
			if (r == -EEXIST)
				r = refuse(login, "the directory refused %d additions in a row; giving up", ADD_TRIES);
			break;
		}
	}
	if (r == 0 && added) {
		/* The new entry stays (it is the user's, and unique by DN), but nothing is written
		 * locally unless the server proves it refuses a second entry for this owner. */
		int p = dl_probe_unique(w, dn, err, sizeof(err));

		if (p == -ENOTUNIQ)
			r = refuse(login, "%s; configure it (docs/fleet.md) before allocating", err);
		else if (p < 0)
			r = refuse(login, "cannot check that the directory enforces unique owners: %s", err);
		if (r == 0) {
			char dn_f[ESCAPE_MAX(256)];

			/* A DN is the directory's text: escaped like any other field. */
			(void)str_escape(dn, ESCAPE_QUOTED, dn_f, sizeof(dn_f));
			syslog(LOG_NOTICE, "source=directory added entry subid-%" PRIu32 " owner=\"%s\"", start, dn_f);
		}
	}
	if (w && w != conn)
		dl_close(w);
	dl_close(conn);
	if (r == 2)
		return refuse(login, "%s has no sub-id entry in the directory", dn);
	if (r)
		return r;

	item.want[0] = range[0];
	item.want[1] = range[1];
	r = alloc_set_transaction(o->root, o->lock_timeout_s, o->create, o->dry_run, &item, 1, &aerr);
	if (r < 0)
		return refuse(login, "%s%s%s%s%s", aerr.file ? aerr.file : "", aerr.file ? ": " : "",
			      alloc_reason_str(aerr.reason), aerr.detail[0] ? ": " : "", aerr.detail);
	for (int i = 0; i < 2; i++)
		if (item.state[i] == ALLOC_SET_CONFLICT)
			return refuse(login, "the directory's range %" PRIu32 ":%" PRIu32 " overlaps the local line '%s' in %s; "
				      "nothing written", range[i].start, range[i].count, item.conflict[i],
				      i == 0 ? PATH_SUBUID : PATH_SUBGID);
	(void)str_escape(login, ESCAPE_FIELD, user_f, sizeof(user_f));
	for (int i = 0; i < 2; i++)
		if (item.state[i] == ALLOC_SET_CORRECTED)
			syslog(LOG_NOTICE, "corrected source=directory user=%s uid=%" PRIu32 " file=%s old=%" PRIu32 ":%" PRIu32
			       " new=%" PRIu32 ":%" PRIu32, user_f, item.uid, i == 0 ? PATH_SUBUID : PATH_SUBGID,
			       item.old[i].start, item.old[i].count, range[i].start, range[i].count);
	{
		bool wu = item.state[0] != ALLOC_SET_UNCHANGED, wg = item.state[1] != ALLOC_SET_UNCHANGED;

		new = wu && wg ? "uid,gid" : wu ? "uid" : wg ? "gid" : "none";
		if (wu || wg)
			syslog(LOG_NOTICE, "allocated source=directory user=%s uid=%" PRIu32 " subuid=%" PRIu32 ":%" PRIu32
			       " subgid=%" PRIu32 ":%" PRIu32 " new=%s%s", user_f, item.uid, range[0].start, range[0].count,
			       range[1].start, range[1].count, new, added ? " entry=added" : "");
	}
	printf("user=%s uid=%" PRIu32 " subuid=%" PRIu32 ":%" PRIu32 " subgid=%" PRIu32 ":%" PRIu32 " new=%s\n", user_f,
	       item.uid, range[0].start, range[0].count, range[1].start, range[1].count, new);
	if (fflush(stdout) != 0 || ferror(stdout))
		return refuse(login, "cannot write the result to stdout: %s", strerror(errno));
	return 0;
}

/* ---- Sync ------------------------------------------------------------------------------------ */

struct owner_ref {
	char *norm;    /* normalised DN */
	size_t user;   /* index into users */
};

static int cmp_ref(const void *a, const void *b)
{
	return strcasecmp(((const struct owner_ref *)a)->norm, ((const struct owner_ref *)b)->norm);
}

static void print_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void print_line(const char *fmt, ...)
{
	char msg[1024], text[ESCAPE_MAX(1024)];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	(void)str_escape(msg, ESCAPE_TEXT, text, sizeof(text));
	printf("%s\n", text);
}

/* order[0..n) sorted by the names of the items it indexes (qsort has no context argument). */
static const struct alloc_set_item *sort_base;
static int cmp_item_name(const void *a, const void *b)
{
	return strcmp(sort_base[*(const size_t *)a].user, sort_base[*(const size_t *)b].user);
}
static void sort_items_by_name(size_t *order, size_t n, const struct alloc_set_item *items)
{
	sort_base = items;
	if (n > 1)
		qsort(order, n, sizeof(*order), cmp_item_name);
	sort_base = NULL;
}

static int sync_all(const struct dirmode_opts *o, const struct dir_config *cfg)
{
	struct dl_conn *conn = NULL;
	struct dl_user *users = NULL;
	struct dl_entries es = { 0 };
	_cleanup_free_ struct dir_entry *e = NULL;
	_cleanup_free_ struct owner_ref *refs = NULL;
	_cleanup_free_ struct alloc_set_item *items = NULL;
	_cleanup_free_ size_t *owner_of = NULL, *n_entries = NULL;
	_cleanup_free_ struct idrange *rs = NULL;
	_cleanup_free_ struct dir_uid *uids = NULL;
	_cleanup_free_ char **canon = NULL;
	_cleanup_free_ size_t *order = NULL;
	size_t n_users = 0, bad_users = 0, n_items = 0, refused = 0, counts[4] = { 0 }, m = 0;
	struct alloc_error aerr = { 0 };
	uint64_t free_slots = 0;
	uint32_t dummy;
	char err[512];
	int r, status = 0;

	r = dl_open(cfg, o->root, false, &conn, err, sizeof(err));
	if (r < 0)
		return refuse(NULL, "directory %s", err);
	r = dl_search_users(conn, &users, &n_users, &bad_users, err, sizeof(err));
	if (r == 0)
		r = dl_search_entries(conn, NULL, &es, err, sizeof(err));
	dl_close(conn);
	if (r < 0) {
		dl_users_free(users, n_users);
		return refuse(NULL, "directory search: %s", err);
	}
	e = calloc(es.n + 1, sizeof(*e));
	refs = calloc(n_users + 1, sizeof(*refs));
	owner_of = calloc(es.n + 1, sizeof(*owner_of));
	n_entries = calloc(n_users + 1, sizeof(*n_entries));
	items = calloc(n_users + 1, sizeof(*items));
	canon = calloc(n_users + 1, sizeof(*canon));
	order = calloc(n_users + 1, sizeof(*order));
	rs = calloc(2 * es.n + 1, sizeof(*rs));
	if (!e || !refs || !owner_of || !n_entries || !items || !canon || !order || !rs) {
		status = refuse(NULL, "out of memory");
		goto out;
	}
	/* Judge every entry, then match owners to users by normalised DN. */
	for (size_t i = 0; i < es.n; i++)
		dir_entry_check(&es.e[i], cfg, &e[i]);
	if (dir_entries_check_overlaps(e, es.n) < 0) {
		status = refuse(NULL, "out of memory");
		goto out;
	}
	uids = calloc(n_users + 1, sizeof(*uids));
	if (!uids) {
		status = refuse(NULL, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n_users; i++)
		uids[i] = (struct dir_uid){ users[i].uid, users[i].name };
	(void)dir_entries_check_uids(e, es.n, uids, n_users);
	for (size_t i = 0; i < n_users; i++) {
		refs[i].norm = dl_normalize_dn(users[i].dn);
		refs[i].user = i;
		if (!refs[i].norm) {
			refs[i].norm = strdup(users[i].dn);
			if (!refs[i].norm) {
				status = refuse(NULL, "out of memory");
				goto out;
			}
		}
	}
	qsort(refs, n_users, sizeof(*refs), cmp_ref);
	for (size_t i = 0; i < es.n; i++) {
		_cleanup_free_ char *norm = NULL;
		struct owner_ref key = { NULL, 0 }, *hit;

		owner_of[i] = SIZE_MAX;
		if (e[i].has_ranges) {
			rs[m++] = e[i].uid;
			rs[m++] = e[i].gid;
		}
		if (!e[i].owner)
			continue;
		norm = dl_normalize_dn(e[i].owner);
		key.norm = norm ? norm : (char *)e[i].owner;
		hit = n_users ? bsearch(&key, refs, n_users, sizeof(*refs), cmp_ref) : NULL;
		if (!hit) {
			if (e[i].valid) {
				e[i].valid = false;
				(void)snprintf(e[i].why, sizeof(e[i].why), "its owner %.60s is no posixAccount under %.40s",
					       e[i].owner, cfg->user_base);
			}
			continue;
		}
		owner_of[i] = hit->user;
		n_entries[hit->user]++;
	}
	/* One entry per user: an owner with several has all of them refused. */
	for (size_t i = 0; i < es.n; i++) {
		if (owner_of[i] != SIZE_MAX && n_entries[owner_of[i]] > 1 && e[i].valid) {
			e[i].valid = false;
			(void)snprintf(e[i].why, sizeof(e[i].why), "its owner %.100s has %zu sub-id entries", e[i].owner,
				       n_entries[owner_of[i]]);
		}
	}
	for (size_t i = 0; i < es.n; i++) {
		char dn_f[ESCAPE_MAX(200)], why_f[ESCAPE_MAX(160)];
		const struct dl_user *u;
		struct passwd *pw;

		if (!e[i].valid) {
			print_line("refused entry %s: %s", e[i].dn, e[i].why);
			(void)str_escape(e[i].dn, ESCAPE_QUOTED, dn_f, sizeof(dn_f));
			(void)str_escape(e[i].why, ESCAPE_QUOTED, why_f, sizeof(why_f));
			syslog(LOG_ERR, "refused source=directory entry=\"%s\" reason=\"%s\"", dn_f, why_f);
			refused++;
			continue;
		}
		u = &users[owner_of[i]];
		/* The name must resolve here to the same uid: a local account of that name (or a
		 * name this host does not know) is left alone. */
		pw = getpwnam(u->name);
		if (!pw || (uint32_t)pw->pw_uid != u->uid) {
			print_line("refused user %s: %s", u->name,
				   !pw ? "this host does not resolve the name (NSS)"
				       : "this host resolves the name to another uid (a local account?)");
			refused++;
			continue;
		}
		/* The line is written under the name this host's user database spells (one_user()
		 * writes pw_name too): an NSS source that folds case turns "Alice" into "alice", and
		 * the helpers match the name byte for byte. */
		if (strcmp(pw->pw_name, u->name) != 0) {
			canon[n_items] = strdup(pw->pw_name);
			if (!canon[n_items]) {
				status = refuse(NULL, "out of memory");
				goto out;
			}
		}
		if (!alloc_name_writable(canon[n_items] ? canon[n_items] : u->name)) {
			print_line("refused user %s: %s", u->name, alloc_reason_str(ALLOC_E_NAME));
			free(canon[n_items]);
			canon[n_items] = NULL;
			refused++;
			continue;
		}
		items[n_items] = (struct alloc_set_item){ .user = canon[n_items] ? canon[n_items] : u->name, .uid = u->uid,
							  .want = { e[i].uid, e[i].gid } };
		n_items++;
	}
	/* Two users whose lines would carry one name (two posixAccounts with the same uid, or two
	 * spellings that fold to one): neither is written, as one_user() refuses such a name. */
	for (size_t i = 0; i < n_items; i++)
		order[i] = i;
	sort_items_by_name(order, n_items, items);
	for (size_t i = 0; i + 1 < n_items; i++) {
		size_t j = i + 1;

		if (strcmp(items[order[i]].user, items[order[j]].user) != 0)
			continue;
		while (j < n_items && strcmp(items[order[i]].user, items[order[j]].user) == 0)
			j++;
		print_line("refused user %s: %zu directory users share this name", items[order[i]].user, j - i);
		for (size_t k = i; k < j; k++)
			items[order[k]].user = NULL;
		refused += j - i;
		i = j - 1;
	}
	{
		size_t w = 0;

		for (size_t i = 0; i < n_items; i++)
			if (items[i].user)
				items[w++] = items[i];
		n_items = w;
	}
	r = alloc_set_transaction(o->root, o->lock_timeout_s, o->create, o->dry_run, items, n_items, &aerr);
	if (r < 0) {
		status = refuse(NULL, "%s%s%s%s%s", aerr.file ? aerr.file : "", aerr.file ? ": " : "",
				alloc_reason_str(aerr.reason), aerr.detail[0] ? ": " : "", aerr.detail);
		goto out;
	}
	for (size_t i = 0; i < n_items; i++) {
		struct alloc_set_item *t = &items[i];
		enum alloc_set_state s = t->state[0] == ALLOC_SET_CONFLICT || t->state[1] == ALLOC_SET_CONFLICT
						 ? ALLOC_SET_CONFLICT
					 : t->state[0] == ALLOC_SET_CORRECTED || t->state[1] == ALLOC_SET_CORRECTED
						 ? ALLOC_SET_CORRECTED
					 : t->state[0] == ALLOC_SET_ADDED || t->state[1] == ALLOC_SET_ADDED ? ALLOC_SET_ADDED
													      : ALLOC_SET_UNCHANGED;

		counts[s]++;
		if (s == ALLOC_SET_UNCHANGED)
			continue;
		if (s == ALLOC_SET_CONFLICT) {
			int f = t->state[0] == ALLOC_SET_CONFLICT ? 0 : 1;

			print_line("conflict user=%s subuid=%" PRIu32 ":%" PRIu32 ": overlaps the local line '%s' in %s", t->user,
				   t->want[f].start, t->want[f].count, t->conflict[f], f == 0 ? PATH_SUBUID : PATH_SUBGID);
			continue;
		}
		for (int f = 0; f < 2; f++) {
			if (t->state[f] == ALLOC_SET_ADDED)
				print_line("%s user=%s %s=%" PRIu32 ":%" PRIu32, o->dry_run ? "would add" : "added", t->user,
					   f == 0 ? "subuid" : "subgid", t->want[f].start, t->want[f].count);
			else if (t->state[f] == ALLOC_SET_CORRECTED)
				print_line("%s user=%s %s=%" PRIu32 ":%" PRIu32 " (was %" PRIu32 ":%" PRIu32 ")",
					   o->dry_run ? "would correct" : "corrected", t->user, f == 0 ? "subuid" : "subgid",
					   t->want[f].start, t->want[f].count, t->old[f].start, t->old[f].count);
		}
		if (!o->dry_run) {
			char user_f[ESCAPE_MAX(64)];

			(void)str_escape(t->user, ESCAPE_FIELD, user_f, sizeof(user_f));
			syslog(LOG_NOTICE, "%s source=directory user=%s uid=%" PRIu32 " subuid=%" PRIu32 ":%" PRIu32
			       " subgid=%" PRIu32 ":%" PRIu32, state_word[s], user_f, t->uid, t->want[0].start,
			       t->want[0].count, t->want[1].start, t->want[1].count);
		}
	}
	(void)dir_choose(rs, m, cfg, &dummy, &free_slots);
	printf("%s: %zu entries, %zu users in sync, %zu %s, %zu %s, %zu conflicts, %zu refused; pool %" PRIu32 "-%" PRIu32
	       ": %" PRIu64 " free ranges of %" PRIu32 "\n",
	       o->dry_run ? "dry run" : "sync", es.n, counts[ALLOC_SET_UNCHANGED], counts[ALLOC_SET_ADDED],
	       o->dry_run ? "to add" : "added", counts[ALLOC_SET_CORRECTED], o->dry_run ? "to correct" : "corrected",
	       counts[ALLOC_SET_CONFLICT], refused, cfg->pool_min, cfg->pool_max, free_slots, cfg->count);
	if (bad_users)
		printf("note: %zu posixAccount entries without a single uid and uidNumber were skipped\n", bad_users);
	if (refused || counts[ALLOC_SET_CONFLICT])
		status = 1;
	else if (o->dry_run && (counts[ALLOC_SET_ADDED] || counts[ALLOC_SET_CORRECTED]))
		status = 3;
out:
	if (fflush(stdout) != 0 && status == 0)
		status = 1;
	if (refs)
		for (size_t i = 0; i < n_users; i++)
			free(refs[i].norm);
	if (canon)
		for (size_t i = 0; i < n_users; i++)
			free(canon[i]);
	dl_entries_free(&es);
	dl_users_free(users, n_users);
	return status;
}

int dirmode_main(const struct dirmode_opts *o)
{
	struct dir_config cfg = { 0 };
	int r;

	if (!*o->root && geteuid() != 0)
		return refuse(o->user, "must be run as root (or with --root DIR for a test tree)");
	r = check_nsswitch(o->root);
	if (r)
		return r;
	r = load_config(o->root, &cfg);
	if (r)
		return r;
	r = o->sync ? sync_all(o, &cfg) : one_user(o, &cfg);
	dir_config_free(&cfg);
	return r;
}
