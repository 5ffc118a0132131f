/* SPDX-License-Identifier: GPL-2.0-or-later
 * subid-check, area subids.*: collisions of the user's sub-id ranges with ids that others hand out,
 * which no other checker looks at. Ids (stable), each for subuid and subgid:
 *   subids.sub{u,g}id.systemd_ranges    systemd's reserved ranges, from its docs/UIDS-GIDS.md      warn
 *   subids.sub{u,g}id.directory_ranges  the ids SSSD's domains hand out (/etc/sssd/sssd.conf)      warn
 *   subids.sub{u,g}id.overlap_source    another owner's ranges in the NSS subid source             warn
 *
 * Why each matters:
 *  - systemd allocates from its ranges at run time (DynamicUser=, systemd-nspawn -U,
 *    systemd-nsresourced, systemd-homed's idmapped homes, foreign images) and checks only NSS, and
 *    only the first id of each 64K block, before it takes one: /etc/subuid is invisible to it, so a
 *    sub-id range there can be handed to a service or a container at the same time.
 *  - an SSSD domain that maps ids (ldap_id_mapping, on by default for id_provider = ad) gives
 *    directory users uids from ldap_idmap_range_min..max; min_id/max_id bound what a domain may
 *    return: a sub-id range inside makes a directory user's uid reachable from containers.
 *  - with an NSS subid source (subid: sss, FreeIPA), the helpers never read the files, so the
 *    files' overlap check says nothing: the source itself must be asked which owners hold ids.
 * A pool above 2^31 (FreeIPA's sub-ids start at 2147483648) is above every systemd range and is no
 * collision. Nothing here exits or writes. */
#include <dlfcn.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "number.h"
#include "range.h"
#include "sssdconf.h"
#include "util.h"

#define SSSD_CONF "/etc/sssd/sssd.conf"
#define MAX_DOMAIN_RANGES 64
#define MAX_PROBES_PER_RANGE 256  /* owner look-ups in the subid source, per range */
#define MAX_ENUMERATED 4096       /* accounts whose ranges are listed from the subid source */

/* systemd's docs/UIDS-GIDS.md (systemd commit 752fa9bf), inclusive bounds. */
static const struct reserved {
	uint32_t lo, hi;
	const char *what;
} systemd_ranges[] = {
	{ 60001, 60513, "systemd-homed's user range 60001-60513" },
	{ 60514, 60577, "systemd-nspawn's host users range 60514-60577" },
	{ 60578, 60705, "systemd's greeter users range 60578-60705" },
	{ 61184, 65519, "systemd's dynamic users range 61184-65519 (DynamicUser=)" },
	{ 524288, 1879048191,
	  "systemd's container range 524288-1879048191 (systemd-nspawn -U, systemd-nsresourced, systemd-homed)" },
	{ 2147352576, 2147418111, "systemd's foreign UID range 2147352576-2147418111 (foreign OS images)" },
};

static bool overlaps(uint64_t alo, uint64_t ahi, uint64_t blo, uint64_t bhi)
{
	return alo <= bhi && blo <= ahi;
}

static uint64_t last_id(const struct idrange *r)
{
	return (uint64_t)r->start + r->count - 1;
}

/* The ranges SSSD's domains hand out here (lib/sssdconf.c). Returns how many (at most max are
 * stored), or -errno reading sssd.conf; *ret_domains gets how many domains SSSD serves. */
static int directory_ranges(const struct check_ctx *c, struct sssd_id_range *out, size_t max, size_t *ret_domains)
{
	_cleanup_free_ char *buf = NULL;
	size_t len, n;
	int r = check_read_file(c, SSSD_CONF, &buf, &len);

	if (r < 0)
		return r;
	n = sssdconf_id_ranges(buf, len, out, max, ret_domains);
	return (int)(n < max ? n : max);
}

static void describe_range(const struct sssd_id_range *d, char *buf, size_t size)
{
	snprintf(buf, size, "SSSD domain %s's %s %llu-%llu (%s)", d->domain, d->idmap ? "id mapping range" : "id range",
		 (unsigned long long)d->lo, (unsigned long long)d->hi,
		 d->idmap ? "ldap_idmap_range_min/_max" : "min_id/max_id");
}

size_t check_reserved_ranges(const struct check_ctx *c, struct idrange *out, size_t max)
{
	struct sssd_id_range d[MAX_DOMAIN_RANGES];
	size_t n = 0, ndom;
	int nd;

	for (size_t i = 0; i < ELEMENTSOF(systemd_ranges) && n < max; i++)
		out[n++] = (struct idrange){ systemd_ranges[i].lo, systemd_ranges[i].hi - systemd_ranges[i].lo + 1 };
	nd = directory_ranges(c, d, ELEMENTSOF(d), &ndom);
	for (int i = 0; i < nd && n < max; i++) {
		uint64_t cnt = d[i].hi - d[i].lo + 1;

		if (cnt <= UINT32_MAX)
			out[n++] = (struct idrange){ (uint32_t)d[i].lo, (uint32_t)cnt };
	}
	return n;
}

/* ------------------------------------------------------------------------------------------ */
/* the checks */

static void emit_id(struct check_ctx *c, const char *kind, const char *what, enum verdict v, const char *expected,
		    const char *fix, const char *obs)
{
	char id[64];

	snprintf(id, sizeof(id), "subids.%s.%s", kind, what);
	check_emit(c, id, v, expected, fix, "%s", obs);
}

static bool no_ranges(struct check_ctx *c, const struct collide_in *in, const char *what)
{
	char obs[256];

	if (!in->known) {
		emit_id(c, in->kind, what, VERDICT_SKIP, NULL, NULL, "the user's ranges cannot be read here (see subids.nsswitch)");
		return true;
	}
	if (in->n == 0) {
		snprintf(obs, sizeof(obs), "%s has no %s ranges (see subids.%s.entries)", c->user, in->idword, in->kind);
		emit_id(c, in->kind, what, VERDICT_SKIP, NULL, NULL, obs);
		return true;
	}
	return false;
}

static void check_systemd(struct check_ctx *c, const struct collide_in *in)
{
	static const char exp[] = "no range inside systemd's reserved ranges (61184-65519, 524288-1879048191, "
				  "2147352576-2147418111 and the homed/greeter ids 60001-60705)";
	const struct idrange *hit = NULL;
	const struct reserved *res = NULL;
	unsigned n = 0;
	_cleanup_free_ char *obs = NULL, *fix = NULL;

	if (no_ranges(c, in, "systemd_ranges"))
		return;
	for (size_t i = 0; i < in->n; i++)
		for (size_t j = 0; j < ELEMENTSOF(systemd_ranges); j++)
			if (overlaps(in->r[i].start, last_id(&in->r[i]), systemd_ranges[j].lo, systemd_ranges[j].hi) &&
			    n++ == 0) {
				hit = &in->r[i];
				res = &systemd_ranges[j];
			}
	if (!hit) {
		if (asprintf(&obs, "%zu %s range%s clear of systemd's reserved ranges", in->n, in->idword,
			     in->n == 1 ? "" : "s") < 0)
			obs = NULL;
		emit_id(c, in->kind, "systemd_ranges", VERDICT_PASS, exp, NULL, obs ? obs : "");
		return;
	}
	fix = in->fix(in->ctx, in->which, hit);
	/* A systemd-homed user is the one case systemd itself points at the container range: homed
	 * maps only 0-60000, the user's uid, 60514-65534 and 524288-1879048191 into the home
	 * (UIDS-GIDS.md), and its developers advise allocating such users' sub-ids there
	 * (systemd#29297). Say so, so the warning is read in context rather than obeyed blindly. */
	if (asprintf(&obs,
		     "%s's %s range %u-%llu overlaps %s: systemd allocates there at run time and checks only NSS "
		     "(the first id of each 64K block), where %s is not listed, so the same ids can go to a service or "
		     "container and to %s's containers%s%s",
		     c->user, in->kind, hit->start, (unsigned long long)last_id(hit), res->what, in->path, c->user,
		     n > 1 ? " (and more overlaps)" : "",
		     c->user_known && c->uid >= 60001 && c->uid <= 60513 && res->lo == 524288
			     ? "; but the user's uid is in systemd-homed's range, and homed maps only the container range "
			       "(besides 0-65534) into its home directories: for this user a range there is systemd's own "
			       "advice, so keep it if no systemd-nspawn -U or nsresourced container runs on this host"
			     : "") < 0)
		obs = NULL;
	emit_id(c, in->kind, "systemd_ranges", VERDICT_WARN, exp, fix ? fix : "move the range out of systemd's reserved ranges",
		obs ? obs : "");
}

static void check_directory(struct check_ctx *c, const struct collide_in *in)
{
	static const char exp[] = "no range inside the ids an SSSD domain hands out";
	struct sssd_id_range d[MAX_DOMAIN_RANGES];
	char obs[1024], what[256];
	size_t ndom = 0;
	int nd;

	if (no_ranges(c, in, "directory_ranges"))
		return;
	nd = directory_ranges(c, d, ELEMENTSOF(d), &ndom);
	if (nd == -ENOENT) {
		emit_id(c, in->kind, "directory_ranges", VERDICT_PASS, exp, NULL,
			"no " SSSD_CONF ": no SSSD domain hands out ids here");
		return;
	}
	if (nd < 0) {
		snprintf(obs, sizeof(obs), "cannot read " SSSD_CONF ": %s%s", strerror(-nd),
			 nd == -EACCES ? " (it is readable by root only: run subid-check as root)" : "");
		emit_id(c, in->kind, "directory_ranges", VERDICT_SKIP, exp, NULL, obs);
		return;
	}
	for (size_t i = 0; i < in->n; i++)
		for (int j = 0; j < nd; j++) {
			_cleanup_free_ char *fix = NULL;

			if (!overlaps(in->r[i].start, last_id(&in->r[i]), d[j].lo, d[j].hi))
				continue;
			fix = in->fix(in->ctx, in->which, &in->r[i]);
			describe_range(&d[j], what, sizeof(what));
			snprintf(obs, sizeof(obs),
				 "%s's %s range %u-%llu overlaps %s: a directory user given a %s there is reachable from "
				 "%s's containers",
				 c->user, in->kind, in->r[i].start, (unsigned long long)last_id(&in->r[i]), what,
				 in->idword, c->user);
			emit_id(c, in->kind, "directory_ranges", VERDICT_WARN, exp,
				fix ? fix : "move the range out of the directory's id range", obs);
			return;
		}
	snprintf(obs, sizeof(obs), "%d id range%s of the %zu domain%s SSSD serves, none overlapping", nd,
		 nd == 1 ? "" : "s", ndom, ndom == 1 ? "" : "s");
	emit_id(c, in->kind, "directory_ranges", VERDICT_PASS, exp, NULL, obs);
}

struct subid_r {
	unsigned long start, count;
};

/* Another owner whose ranges in the source overlap ours: its name and the first overlapping pair. */
struct clash {
	bool found;
	bool by_id; /* only the owner of one id is known (the source named it, its ranges did not show) */
	char owner[128];
	struct idrange mine;
	unsigned long start, count;
};

static bool clash_with(const struct collide_in *in, const char *owner, int (*get)(const char *, struct subid_r **),
		       struct clash *out)
{
	struct subid_r *rr = NULL;
	int n = get(owner, &rr);

	for (int j = 0; j < n && rr && !out->found; j++)
		for (size_t i = 0; i < in->n; i++) {
			/* A directory can hand back anything: judge only what the helpers would accept. */
			if (!idrange_valid(rr[j].start, rr[j].count) || !overlaps(in->r[i].start, last_id(&in->r[i]), rr[j].start,
							  (uint64_t)rr[j].start + rr[j].count - 1))
				continue;
			*out = (struct clash){ .found = true, .mine = in->r[i], .start = rr[j].start, .count = rr[j].count };
			snprintf(out->owner, sizeof(out->owner), "%s", owner);
			break;
		}
	free(rr); /* libsubid before 4.16 hands out malloc()ed arrays; newidmap's helpers free them alike */
	return out->found;
}

static void check_source(struct check_ctx *c, const struct collide_in *in)
{
	static const char exp[] = "no other owner holds ids of the user's ranges in the subid source";
	int (*get)(const char *, struct subid_r **);
	int (*owners)(uint32_t, uint32_t **);
	void *lib;
	struct clash cl = { 0 };
	unsigned long probes = 0, listed = 0;
	char obs[1024], fix[768];

	if (!in->nss_source) {
		char why[200];

		snprintf(why, sizeof(why), "the subid source is the files: subids.%s.overlap_users compares their owners",
			 in->kind);
		emit_id(c, in->kind, "overlap_source", VERDICT_SKIP, exp, NULL, why);
		return;
	}
	if (no_ranges(c, in, "overlap_source"))
		return;
	/* subids.c loaded libsubid and the plugin (read_nss()); they stay loaded until exit. */
	lib = dlopen(LIBSUBID_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
	get = lib ? (int (*)(const char *, struct subid_r **))dlsym(lib, in->which == 1 ? "subid_get_uid_ranges"
										   : "subid_get_gid_ranges")
		  : NULL;
	owners = lib ? (int (*)(uint32_t, uint32_t **))dlsym(lib, in->which == 1 ? "subid_get_uid_owners"
										   : "subid_get_gid_owners")
		     : NULL;
	if (!get || !owners) {
		emit_id(c, in->kind, "overlap_source", VERDICT_SKIP, exp, NULL, LIBSUBID_SONAME " cannot be queried here");
		if (lib)
			dlclose(lib);
		return;
	}
	/* 1. Who owns the ends of each range and each 64K boundary inside it: finds owners the user
	 *    database does not list (directory users are often not enumerable). */
	for (size_t i = 0; i < in->n && !cl.found; i++) {
		uint64_t last = last_id(&in->r[i]);

		for (uint64_t id = in->r[i].start, k = 0; id <= last && k < MAX_PROBES_PER_RANGE && !cl.found; k++) {
			uint32_t *u = NULL;
			int n = owners((uint32_t)id, &u);

			probes++;
			for (int j = 0; j < n && u && !cl.found; j++) {
				struct passwd *pw;

				if (u[j] == c->uid)
					continue;
				pw = getpwuid(u[j]);
				if (pw && strcmp(pw->pw_name, c->user) == 0)
					continue; /* an alias of the user (another name of the uid) */
				if (pw && clash_with(in, pw->pw_name, get, &cl))
					break;
				/* The source names an owner whose listed ranges miss the id (or who has no
				 * name): report the id itself. */
				cl = (struct clash){ .found = true, .by_id = true, .mine = in->r[i], .start = (unsigned long)id,
						     .count = 1 };
				if (pw)
					snprintf(cl.owner, sizeof(cl.owner), "%s", pw->pw_name);
				else
					snprintf(cl.owner, sizeof(cl.owner), "uid %u", u[j]);
			}
			free(u);
			if (id == last)
				break;
			/* the next 64K boundary, then the last id */
			id = ((id >> 16) + 1) << 16;
			if (id > last)
				id = last;
		}
	}
	/* 2. Every account the user database lists: their ranges, compared in full. */
	if (!cl.found) {
		struct passwd *pw;

		setpwent();
		while (!cl.found && listed < MAX_ENUMERATED && (pw = getpwent())) {
			if (pw->pw_uid == c->uid || strcmp(pw->pw_name, c->user) == 0)
				continue;
			listed++;
			(void)clash_with(in, pw->pw_name, get, &cl);
		}
		endpwent();
	}
	dlclose(lib);
	if (!cl.found) {
		snprintf(obs, sizeof(obs),
			 "subid source '%s': no other owner at %lu ids of %s's %zu range%s, none among the ranges of %lu "
			 "listed accounts%s",
			 in->nss_source, probes, c->user, in->n, in->n == 1 ? "" : "s", listed,
			 listed == MAX_ENUMERATED ? " (the first ones only)" : "");
		emit_id(c, in->kind, "overlap_source", VERDICT_PASS, exp, NULL, obs);
		return;
	}
	if (cl.by_id)
		snprintf(obs, sizeof(obs),
			 "%s %lu of %s's %s range %u-%llu also belongs to %s in the subid source '%s': each can reach "
			 "the other's container files",
			 in->idword, cl.start, c->user, in->kind, cl.mine.start, (unsigned long long)last_id(&cl.mine),
			 cl.owner, in->nss_source);
	else
		snprintf(obs, sizeof(obs),
			 "%s's %s range %u-%llu overlaps %s's range %lu-%llu in the subid source '%s': each can reach "
			 "the other's container files",
			 c->user, in->kind, cl.mine.start, (unsigned long long)last_id(&cl.mine), cl.owner, cl.start,
			 (unsigned long long)cl.start + cl.count - 1, in->nss_source);
	snprintf(fix, sizeof(fix),
		 "the ranges come from the subid source '%s', not from %s (usermod cannot change them): have the "
		 "directory give %s and %s disjoint ranges (FreeIPA: ipa subid-find --owner NAME shows them)",
		 in->nss_source, in->path, c->user, cl.owner);
	emit_id(c, in->kind, "overlap_source", VERDICT_WARN, exp, fix, obs);
}

void check_collisions(struct check_ctx *c, const struct collide_in *in)
{
	check_systemd(c, in);
	check_directory(c, in);
	check_source(c, in);
}
