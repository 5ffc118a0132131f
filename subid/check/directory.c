/* SPDX-License-Identifier: GPL-2.0-or-later
 * subid-check, ids subids.directory.*: the LDAP directory as the source of sub-id ranges
 * (/etc/subid-directory.conf, subid-alloc --directory, pam_subid source=directory).
 *
 *   subids.directory.reach  the configuration is valid and the directory answers (connect, bind);
 *   subids.directory.entry  the user's entry in the directory, judged as subid-alloc judges it;
 *   subids.directory.drift  this host's lines of the user against the directory's range;
 *   subids.directory.pool   how many ranges the pool can still hand out, and refused entries.
 *
 * Nothing is emitted when the file does not exist (the directory source is not in use). Under
 * --sysroot nothing is contacted. The directory is only read, never written; the password file
 * of a simple bind is root's, so an unprivileged caller gets a skip there, not a failure. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "conf.h"
#include "directory.h"
#include "dirldap.h"
#include "paths.h"
#include "subfile.h"
#include "util.h"

#define ID_REACH "subids.directory.reach"
#define ID_ENTRY "subids.directory.entry"
#define ID_DRIFT "subids.directory.drift"
#define ID_POOL "subids.directory.pool"

/* The user's first local range in file (by name or uid), or count 0 when none. */
static struct idrange local_range(struct check_ctx *c, const char *file, size_t *ret_n)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ struct idrange *r = NULL;
	struct idrange first = { 0, 0 };
	size_t len = 0, n = 0;

	*ret_n = 0;
	if (check_read_file(c, file, &buf, &len) < 0)
		return first;
	if (subfile_collect(buf, len, c->user, (uint32_t)c->uid, &r, &n, NULL) < 0 || n == 0)
		return first;
	*ret_n = n;
	return r[0];
}

static void drift(struct check_ctx *c, const struct dir_entry *e, const char *fix)
{
	struct idrange want[2] = { e->uid, e->gid };
	const char *files[2] = { PATH_SUBUID, PATH_SUBGID };
	char obs[2][128];
	bool same = true;

	for (int i = 0; i < 2; i++) {
		size_t n;
		struct idrange l = local_range(c, files[i], &n);

		if (n == 1 && l.start == want[i].start && l.count == want[i].count) {
			(void)snprintf(obs[i], sizeof(obs[i]), "%s %" PRIu32 ":%" PRIu32, files[i], l.start, l.count);
		} else {
			same = false;
			if (n == 0)
				(void)snprintf(obs[i], sizeof(obs[i]), "%s has no line of the user (directory: %" PRIu32 ":%" PRIu32 ")",
					       files[i], want[i].start, want[i].count);
			else
				(void)snprintf(obs[i], sizeof(obs[i]), "%s has %zu line(s), first %" PRIu32 ":%" PRIu32
					       " (directory: %" PRIu32 ":%" PRIu32 ")", files[i], n, l.start, l.count,
					       want[i].start, want[i].count);
		}
	}
	if (same)
		check_emit(c, ID_DRIFT, VERDICT_PASS, "this host's lines equal the directory's range", NULL,
			   "%s; %s", obs[0], obs[1]);
	else
		check_emit(c, ID_DRIFT, VERDICT_WARN, "this host's lines equal the directory's range", fix,
			   "%s; %s", obs[0], obs[1]);
}

/* Pool capacity over every entry (paged), and the entries refused. */
static void pool(struct check_ctx *c, struct dl_conn *conn, const struct dir_config *cfg)
{
	struct dl_entries all = { 0 };
	_cleanup_free_ struct idrange *rs = NULL;
	_cleanup_free_ struct dir_entry *e = NULL;
	uint64_t free_slots = 0, total = ((uint64_t)cfg->pool_max - cfg->pool_min + 1) / cfg->count;
	size_t m = 0, refused = 0, first_bad = SIZE_MAX;
	uint32_t start;
	char err[512];

	if (dl_search_entries(conn, NULL, &all, err, sizeof(err)) < 0) {
		check_emit(c, ID_POOL, VERDICT_FAIL, "the sub-id entries can be listed", NULL, "%s", err);
		return;
	}
	rs = calloc(2 * all.n + 1, sizeof(*rs));
	e = calloc(all.n + 1, sizeof(*e));
	if (!rs || !e) {
		c->oom = true;
		dl_entries_free(&all);
		return;
	}
	for (size_t i = 0; i < all.n; i++) {
		dir_entry_check(&all.e[i], cfg, &e[i]);
		if (e[i].has_ranges) {
			rs[m++] = e[i].uid;
			rs[m++] = e[i].gid;
		}
	}
	(void)dir_entries_check_overlaps(e, all.n);
	for (size_t i = 0; i < all.n; i++)
		if (!e[i].valid && refused++ == 0)
			first_bad = i;
	(void)dir_choose(rs, m, cfg, &start, &free_slots);
	if (refused)
		check_emit(c, ID_POOL, VERDICT_WARN, "free ranges left, no refused entry",
			   "fix or remove the refused entries; subid-alloc --directory --sync --dry-run lists them all",
			   "%zu entries, %" PRIu64 " of %" PRIu64 " ranges of %" PRIu32 " free; %zu refused, first %s: %s",
			   all.n, free_slots, total, cfg->count, refused, e[first_bad].dn, e[first_bad].why);
	else if (free_slots == 0)
		check_emit(c, ID_POOL, VERDICT_FAIL, "free ranges left", "widen pool_min/pool_max on every host",
			   "%zu entries, no free range of %" PRIu32 " in %" PRIu32 "-%" PRIu32, all.n, cfg->count,
			   cfg->pool_min, cfg->pool_max);
	else if (free_slots * 100 < total)
		check_emit(c, ID_POOL, VERDICT_WARN, "free ranges left", "widen pool_min/pool_max on every host",
			   "%zu entries, only %" PRIu64 " of %" PRIu64 " ranges of %" PRIu32 " free", all.n, free_slots, total,
			   cfg->count);
	else
		check_emit(c, ID_POOL, VERDICT_PASS, "free ranges left", NULL,
			   "%zu entries, %" PRIu64 " of %" PRIu64 " ranges of %" PRIu32 " free", all.n, free_slots, total,
			   cfg->count);
	dl_entries_free(&all);
}

void check_subids_directory(struct check_ctx *c)
{
	_cleanup_free_ char *buf = NULL, *dn = NULL;
	struct dir_config cfg = { 0 };
	struct dl_conn *conn = NULL;
	struct dl_entries es = { 0 };
	struct dir_entry e;
	size_t len = 0;
	uint32_t dir_uid = 0;
	char err[512], fix[320];
	int r;

	{
		char uq[1024];

		(void)snprintf(fix, sizeof(fix), "as root: subid-alloc --directory %s", check_word(c->user, uq, sizeof(uq)));
	}
	r = check_read_file(c, DIR_CONF_PATH, &buf, &len);
	if (r == -ENOENT)
		return; /* the directory source is not in use */
	if (r < 0) {
		check_emit(c, ID_REACH, VERDICT_SKIP, "", NULL, "cannot read " DIR_CONF_PATH ": %s", strerror(-r));
		return;
	}
	if (dir_config_parse(buf, len, &cfg, err, sizeof(err)) < 0) {
		check_emit(c, ID_REACH, VERDICT_FAIL, "a valid " DIR_CONF_PATH, "see subid-directory.conf(5)",
			   DIR_CONF_PATH ": %s", err);
		return;
	}
	if (!c->live) {
		check_emit(c, ID_REACH, VERDICT_SKIP, "", NULL, "%s is configured; the directory is not contacted under --sysroot",
			   cfg.uri);
		goto out;
	}
	r = dl_open(&cfg, "", false, &conn, err, sizeof(err));
	if (r == -EPERM || (r == -EACCES && geteuid() != 0) || (r < 0 && cfg.bind == DIR_BIND_SIMPLE && geteuid() != 0)) {
		check_emit(c, ID_REACH, VERDICT_SKIP, "", NULL, "%s (run as root: the bind credentials are root's)", err);
		goto out;
	}
	if (r < 0) {
		check_emit(c, ID_REACH, VERDICT_FAIL, "the directory answers",
			   "check uri in " DIR_CONF_PATH " and that the server runs; logins keep the ranges already here",
			   "%s", err);
		goto out;
	}
	check_emit(c, ID_REACH, VERDICT_PASS, "the directory answers", NULL, "%s answered (bind %s)", cfg.uri,
		   cfg.bind == DIR_BIND_SIMPLE ? "simple" : "external");

	r = dl_find_user(conn, c->user, &dn, &dir_uid, err, sizeof(err));
	if (r == -ENOENT) {
		check_emit(c, ID_ENTRY, VERDICT_SKIP, "", NULL, "%s is no directory user (%s)", c->user, err);
	} else if (r < 0) {
		check_emit(c, ID_ENTRY, VERDICT_FAIL, "one posixAccount for the user", "fix the user's entry", "%s", err);
	} else if (dir_uid != (uint32_t)c->uid) {
		check_emit(c, ID_ENTRY, VERDICT_FAIL, "the directory's uidNumber is the user's uid here",
			   "a local account shadows the directory user: rename one of them",
			   "%s has uidNumber %" PRIu32 ", %s is uid %u here", dn, dir_uid, c->user, (unsigned)c->uid);
	} else if (dl_search_entries(conn, dn, &es, err, sizeof(err)) < 0) {
		check_emit(c, ID_ENTRY, VERDICT_FAIL, "the user's sub-id entry can be searched", NULL, "%s", err);
	} else if (es.n == 0) {
		check_emit(c, ID_ENTRY, VERDICT_WARN, "one sub-id entry for the user", fix,
			   "no sub-id entry for %s under %s yet", dn, cfg.subid_base);
	} else if (es.n > 1) {
		check_emit(c, ID_ENTRY, VERDICT_FAIL, "one sub-id entry for the user", "remove the extra entry",
			   "%zu sub-id entries for %s (%s and %s)", es.n, dn, es.e[0].dn, es.e[1].dn);
	} else {
		dir_entry_check(&es.e[0], &cfg, &e);
		if (!e.valid) {
			check_emit(c, ID_ENTRY, VERDICT_FAIL, "a valid sub-id entry", "fix or remove the entry",
				   "directory entry %s: %s", e.dn, e.why);
		} else {
			check_emit(c, ID_ENTRY, VERDICT_PASS, "a valid sub-id entry", NULL,
				   "%s: subuid %" PRIu32 ":%" PRIu32 ", subgid %" PRIu32 ":%" PRIu32, e.dn, e.uid.start,
				   e.uid.count, e.gid.start, e.gid.count);
			drift(c, &e, fix);
		}
	}
	pool(c, conn, &cfg);
	dl_entries_free(&es);
	dl_close(conn);
out:
	dir_config_free(&cfg);
}
