/* SPDX-License-Identifier: GPL-2.0-or-later
 * subid-check rootfs PATH [--map INNER:OUTER:COUNT]...: is a container root file system usable
 * through this id map? Ids (stable): rootfs.path, rootfs.ownership.
 *
 *  - rootfs.path: absolute, exists, a directory, and every directory on the way (after resolving
 *    symbolic links) searchable by the user. Decided from stat() and the user's groups, never
 *    with access(), which would answer for the caller (often root), not for the user.
 *  - rootfs.ownership: every file's owner and group (lstat: links are not followed) lies inside
 *    the union of the map's OUTER ranges, the host ids the container can reach; a file outside
 *    shows up in the container as nobody/nogroup (the overflow id) and cannot be chowned there
 *    ("lchown ...: invalid argument"). One --map applies to uids and gids alike, as runc and
 *    containerd users give one map for both. Without --map the user's default rootless map is
 *    used: the user's own uid (inner 0) and its /etc/subuid ranges (inner 1 on), and the same
 *    with the primary gid and /etc/subgid (read from the files under --sysroot, not from an NSS
 *    source).
 * The walk opens every directory with openat(O_NOFOLLOW|O_DIRECTORY) relative to its parent and
 * stats entries with fstatat(AT_SYMLINK_NOFOLLOW): no path is resolved twice, no link followed.
 * It stays on the file system of PATH (mount points below it, e.g. a running container's /proc,
 * are counted, not entered). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "check.h"
#include "idmap.h"
#include "number.h"
#include "range.h"
#include "paths.h"
#include "shquote.h"
#include "subfile.h"
#include "util.h"

#define MAX_DEPTH 512 /* one descriptor per level */
#define MAX_PAIRS 4   /* distinct outside owner:group pairs a --from fix names */

struct span {
	uint64_t lo, hi; /* [lo, hi) */
};

struct idset {
	struct span *v;
	size_t n;
};

/* One side of the map (uids or gids): extents inner -> outer. */
struct side {
	struct idmap_extent *e;
	size_t n;
	struct idset outer;
};

struct pair {
	uint32_t uid, gid;
	unsigned long long n;
};

struct walk {
	const struct idset *u, *g;
	dev_t dev;
	uint64_t mnt_id;       /* the root's mount (statx STATX_MNT_ID, Linux 5.8), when known: a */
	bool have_mnt_id;      /* bind mount of the same file system has the same st_dev */
	unsigned long long entries, outside, errors, mounts;
	char path[PATH_MAX];
	size_t plen;
	bool have_first;
	char first[PATH_MAX];
	uint32_t first_uid, first_gid;
	char first_err[PATH_MAX + 64];
	struct pair pairs[MAX_PAIRS];
	size_t n_pairs;
	bool more_pairs;
	/* one-entry caches: trees are mostly owned by one or two ids */
	uint32_t last_uid, last_gid;
	bool last_uid_in, last_gid_in, cache_valid;
};

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return (x->lo > y->lo) - (x->lo < y->lo);
}

/* Sort and merge the spans in place: disjoint, ordered, touching spans joined. */
static void idset_normalise(struct idset *s)
{
	size_t o = 0;

	if (s->n == 0)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_span);
	for (size_t i = 1; i < s->n; i++) {
		if (s->v[i].lo <= s->v[o].hi) {
			if (s->v[i].hi > s->v[o].hi)
				s->v[o].hi = s->v[i].hi;
		} else {
			s->v[++o] = s->v[i];
		}
	}
	s->n = o + 1;
}

static bool idset_has(const struct idset *s, uint64_t id)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (id < s->v[mid].lo)
			hi = mid;
		else if (id >= s->v[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

static int side_build(struct side *sd)
{
	sd->outer.v = reallocarray(NULL, sd->n ? sd->n : 1, sizeof(*sd->outer.v));
	if (!sd->outer.v)
		return -ENOMEM;
	for (size_t i = 0; i < sd->n; i++)
		sd->outer.v[i] = (struct span){ sd->e[i].outer, (uint64_t)sd->e[i].outer + sd->e[i].count };
	sd->outer.n = sd->n;
	idset_normalise(&sd->outer);
	return 0;
}

/* The host id that container id inner maps to, or -1. */
static long long side_to_outer(const struct side *sd, uint32_t inner)
{
	for (size_t i = 0; i < sd->n; i++)
		if (inner >= sd->e[i].inner && (uint64_t)inner < (uint64_t)sd->e[i].inner + sd->e[i].count)
			return (long long)sd->e[i].outer + (inner - sd->e[i].inner);
	return -1;
}

/* The user's default rootless map for one side: own id at inner 0, then the file's ranges. */
static int default_side(struct check_ctx *c, const char *file, uint32_t own, struct side *sd)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ struct idrange *r = NULL;
	size_t len = 0, n = 0;
	uint64_t inner = 1;

	if (check_read_file(c, file, &buf, &len) == 0 && subfile_collect(buf, len, c->user, c->uid, &r, &n, NULL) < 0)
		return -ENOMEM;
	sd->e = reallocarray(NULL, n + 1, sizeof(*sd->e));
	if (!sd->e)
		return -ENOMEM;
	sd->e[sd->n++] = (struct idmap_extent){ 0, own, 1 };
	for (size_t i = 0; i < n && sd->n < IDMAP_MAX_EXTENTS; i++) {
		if (inner + r[i].count > ID_LIMIT)
			break;
		sd->e[sd->n++] = (struct idmap_extent){ (uint32_t)inner, r[i].start, r[i].count };
		inner += r[i].count;
	}
	return 0;
}

static void describe_side(FILE *f, const struct side *sd)
{
	for (size_t i = 0; i < sd->n && i < 6; i++)
		fprintf(f, "%s%u:%u:%u", i ? " " : "", sd->e[i].inner, sd->e[i].outer, sd->e[i].count);
	if (sd->n > 6)
		fprintf(f, " ... (%zu extents)", sd->n);
}

/* w as one shell word into f. */
static void put_word(FILE *f, const char *w)
{
	size_t size = 4 * strlen(w) + 3;
	_cleanup_free_ char *buf = malloc(size);

	if (buf && shell_quote(w, buf, size) >= 0)
		(void)fputs(buf, f);
}

/* ------------------------------------------------------------------------------------------ */
/* rootfs.path */

/* The user's groups: the primary gid and the supplementary ones, live or from the sysroot's
 * /etc/group member lists. */
static size_t user_groups(struct check_ctx *c, gid_t *ret, size_t max)
{
	size_t n = 0;

	ret[n++] = c->gid;
	if (c->live) {
		int ng = (int)max;

		if (getgrouplist(c->user, c->gid, ret, &ng) >= 0 && ng > 0)
			return (size_t)ng;
		return 1;
	}
	{
		_cleanup_free_ char *buf = NULL;
		size_t len, ulen = strlen(c->user);
		char *save = NULL;

		if (check_read_file(c, PATH_GROUP, &buf, &len) < 0)
			return n;
		for (char *line = strtok_r(buf, "\n", &save); line && n < max; line = strtok_r(NULL, "\n", &save)) {
			char *f[4] = { 0 }, *p = line;
			uint32_t gid;

			for (int i = 0; i < 4 && p; i++) {
				f[i] = p;
				p = strchr(p, ':');
				if (p)
					*p++ = '\0';
			}
			if (!f[3] || subid_parse_u32_str(f[2], &gid) < 0)
				continue;
			for (char *m = f[3]; m && *m;) {
				char *comma = strchr(m, ',');
				size_t ml = comma ? (size_t)(comma - m) : strlen(m);

				if (ml == ulen && memcmp(m, c->user, ulen) == 0) {
					ret[n++] = gid;
					break;
				}
				m = comma ? comma + 1 : NULL;
			}
		}
	}
	return n;
}

static bool may_search(const struct check_ctx *c, const struct stat *st, const gid_t *groups, size_t n_groups)
{
	if (c->uid == 0)
		return true; /* CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH */
	if (st->st_uid == c->uid)
		return st->st_mode & S_IXUSR;
	for (size_t i = 0; i < n_groups; i++)
		if (groups[i] == st->st_gid)
			return st->st_mode & S_IXGRP;
	return st->st_mode & S_IXOTH;
}

/* Returns true when the walk can go on (the path is an existing directory). */
static bool check_path_usable(struct check_ctx *c, const char *path, char *resolved)
{
	struct stat st;
	gid_t groups[1024];
	size_t n_groups, rl;
	bool relative = path[0] != '/';

	if (stat(path, &st) < 0) {
		int e = errno;

		check_emit(c, "rootfs.path", VERDICT_FAIL, "an absolute path to an existing directory",
			   "give the path of the unpacked root file system", "%s: %s", path, strerror(e));
		return false;
	}
	if (!S_ISDIR(st.st_mode)) {
		check_emit(c, "rootfs.path", VERDICT_FAIL, "an absolute path to an existing directory",
			   "give the directory the image was unpacked into", "%s is not a directory", path);
		return false;
	}
	if (!realpath(path, resolved)) {
		int e = errno;

		check_emit(c, "rootfs.path", VERDICT_FAIL, "an absolute path to an existing directory", NULL,
			   "cannot resolve %s: %s", path, strerror(e));
		return false;
	}
	if (relative) {
		_cleanup_free_ char *fix = NULL;
		char *b = NULL;
		size_t bl = 0;
		FILE *f = open_memstream(&b, &bl);

		if (f) {
			(void)fputs("use the absolute path: ", f);
			put_word(f, resolved);
			if (fclose(f) == 0)
				fix = b;
			else
				free(b);
		}
		check_emit(c, "rootfs.path", VERDICT_FAIL, "an absolute path to an existing directory", fix,
			   "%s is relative: a runtime resolves it against its own working directory, not yours", path);
		return true;
	}
	/* Every directory from / down to the rootfs itself must be searchable by the user: "/", "/a",
	 * "/a/b", ... of the resolved path (realpath() leaves no "." "..", links or trailing '/'). */
	n_groups = user_groups(c, groups, ELEMENTSOF(groups));
	rl = strlen(resolved);
	for (size_t i = 0; i <= rl; i++) {
		char comp[PATH_MAX];

		if (i < rl && resolved[i] != '/')
			continue;
		if (i == rl && rl == 1)
			break; /* the rootfs is "/" itself, already checked */
		if (i == 0) {
			strcpy(comp, "/");
		} else {
			memcpy(comp, resolved, i);
			comp[i] = '\0';
		}
		if (stat(comp, &st) == 0 && !may_search(c, &st, groups, n_groups)) {
			/* With a POSIX ACL the group bits are the mask: the mode alone cannot decide. */
			bool has_acl = lgetxattr(comp, "system.posix_acl_access", NULL, 0) > 0;
			char *fb = NULL;
			size_t fl = 0;
			FILE *f = open_memstream(&fb, &fl);

			if (f) {
				(void)fputs("chmod o+x -- ", f);
				put_word(f, comp);
				(void)fputs(" (or only for this user: setfacl -m u:", f);
				put_word(f, c->user);
				(void)fputs(":x ", f);
				put_word(f, comp);
				(void)fputs(")", f);
				if (fclose(f) != 0) {
					free(fb);
					fb = NULL;
				}
			}
			check_emit(c, "rootfs.path", has_acl ? VERDICT_WARN : VERDICT_FAIL,
				   "every directory from / to the rootfs searchable (x) by the user", fb,
				   "%s (mode %04o, owner %u:%u) is not searchable by %s (uid %u): the runtime, running as the "
				   "user, cannot reach the rootfs%s",
				   comp, (unsigned)st.st_mode & 07777, (unsigned)st.st_uid, (unsigned)st.st_gid, c->user,
				   (unsigned)c->uid, has_acl ? "; it has an ACL, which this check does not evaluate" : "");
			free(fb);
			return true;
		}
	}
	check_emit(c, "rootfs.path", VERDICT_PASS, "every directory from / to the rootfs searchable (x) by the user",
		   NULL, "%s: a directory, searchable by %s (uid %u) all the way down", resolved, c->user,
		   (unsigned)c->uid);
	return true;
}

/* ------------------------------------------------------------------------------------------ */
/* rootfs.ownership */

static void walk_error(struct walk *w, int e)
{
	if (w->errors++ == 0)
		snprintf(w->first_err, sizeof(w->first_err), "%s: %s", w->path, strerror(e));
}

static void visit(struct walk *w, const struct stat *st)
{
	bool uin, gin;
	uint32_t uid = (uint32_t)st->st_uid, gid = (uint32_t)st->st_gid;

	w->entries++;
	if (w->cache_valid && uid == w->last_uid && gid == w->last_gid) {
		uin = w->last_uid_in;
		gin = w->last_gid_in;
	} else {
		uin = idset_has(w->u, uid);
		gin = idset_has(w->g, gid);
		w->last_uid = uid;
		w->last_gid = gid;
		w->last_uid_in = uin;
		w->last_gid_in = gin;
		w->cache_valid = true;
	}
	if (uin && gin)
		return;
	if (w->outside++ == 0) {
		w->have_first = true;
		memcpy(w->first, w->path, w->plen + 1);
		w->first_uid = uid;
		w->first_gid = gid;
	}
	for (size_t i = 0; i < w->n_pairs; i++)
		if (w->pairs[i].uid == uid && w->pairs[i].gid == gid) {
			w->pairs[i].n++;
			return;
		}
	if (w->n_pairs < MAX_PAIRS)
		w->pairs[w->n_pairs++] = (struct pair){ uid, gid, 1 };
	else
		w->more_pairs = true;
}

/* The mount id of the open directory fd (0 when the kernel cannot say: Linux < 5.8). */
static uint64_t mount_id(int fd)
{
	struct statx sx;

	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &sx) < 0 || !(sx.stx_mask & STATX_MNT_ID))
		return 0;
	return sx.stx_mnt_id;
}

/* Walk the directory open on dfd (taken over: closed here); w->path names it. Recursive, one level
 * per directory: bounded, as depth stops at MAX_DEPTH. */
/* NOLINTNEXTLINE(misc-no-recursion): bounded by MAX_DEPTH */
static void walk_dir(struct walk *w, int dfd, int depth)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	size_t base = w->plen;

	if (!d) {
		walk_error(w, errno);
		close(dfd);
		return;
	}
	for (;;) {
		struct stat st;
		size_t nl;

		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno)
				walk_error(w, errno);
			break;
		}
		if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		nl = strlen(de->d_name);
		if (base + 1 + nl >= sizeof(w->path)) {
			walk_error(w, ENAMETOOLONG);
			continue;
		}
		w->path[base] = '/';
		memcpy(w->path + base + 1, de->d_name, nl + 1);
		w->plen = base + 1 + nl;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT) /* removed while we walk: not an error of the tree */
				walk_error(w, errno);
		} else {
			visit(w, &st);
			if (S_ISDIR(st.st_mode)) {
				if (st.st_dev != w->dev) {
					w->mounts++;
				} else if (depth >= MAX_DEPTH) {
					walk_error(w, ELOOP);
				} else {
					int fd = openat(dirfd(d), de->d_name,
							O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
					struct stat again;
					uint64_t mid;

					if (fd < 0) {
						walk_error(w, errno);
					} else if (fstat(fd, &again) < 0 || again.st_dev != st.st_dev ||
						   again.st_ino != st.st_ino) {
						close(fd); /* replaced under us */
					} else if (w->have_mnt_id && (mid = mount_id(fd)) != 0 && mid != w->mnt_id) {
						close(fd); /* a bind mount (same st_dev): not entered, as any mount */
						w->mounts++;
					} else {
						walk_dir(w, fd, depth + 1);
					}
				}
			}
		}
		w->plen = base;
		w->path[base] = '\0';
	}
	closedir(d);
}

static char *ownership_fix(const struct walk *w, const struct side *us, const struct side *gs, const char *path)
{
	char *b = NULL;
	size_t bl = 0;
	FILE *f = open_memstream(&b, &bl);
	bool shiftable = !w->more_pairs;
	long long root_u = side_to_outer(us, 0), root_g = side_to_outer(gs, 0);

	if (!f)
		return NULL;
	/* A tree unpacked without the map (e.g. as real root) keeps the container's own ids: each
	 * pair shifts to where the map puts it. */
	for (size_t i = 0; i < w->n_pairs && shiftable; i++) {
		bool uin = idset_has(&us->outer, w->pairs[i].uid), gin = idset_has(&gs->outer, w->pairs[i].gid);

		if ((!uin && side_to_outer(us, w->pairs[i].uid) < 0) || (!gin && side_to_outer(gs, w->pairs[i].gid) < 0))
			shiftable = false;
	}
	if (shiftable) {
		for (size_t i = 0; i < w->n_pairs; i++) {
			uint32_t u = w->pairs[i].uid, g = w->pairs[i].gid;
			long long nu = idset_has(&us->outer, u) ? (long long)u : side_to_outer(us, u);
			long long ng = idset_has(&gs->outer, g) ? (long long)g : side_to_outer(gs, g);

			fprintf(f, "%schown -hR --from=%u:%u %lld:%lld -- ", i ? " && " : "", u, g, nu, ng);
			put_word(f, path);
		}
		(void)fputs(" (shifts the container's ids into the map; chown clears setuid/setgid bits)", f);
	} else {
		if (root_u < 0)
			root_u = us->n ? us->e[0].outer : 0;
		if (root_g < 0)
			root_g = gs->n ? gs->e[0].outer : 0;
		fprintf(f, "chown -hR %lld:%lld -- ", root_u, root_g);
		put_word(f, path);
		(void)fputs(" (every file to the container's root, as containerd and runc users do; chown clears setuid/setgid "
		      "bits)", f);
	}
	if (fclose(f) != 0) {
		free(b);
		return NULL;
	}
	return b;
}

void check_rootfs(struct check_ctx *c, const char *path, const struct idmap_extent *map, size_t n_map)
{
	struct side us = { 0 }, gs = { 0 };
	_cleanup_free_ struct walk *w = NULL;
	_cleanup_free_ char *mapdesc = NULL, *fix = NULL;
	char resolved[PATH_MAX];
	size_t ml = 0;
	FILE *f;
	int fd;
	struct stat st;

	if (!check_path_usable(c, path, resolved))
		goto skip;

	if (n_map) {
		us.e = reallocarray(NULL, n_map, sizeof(*us.e));
		gs.e = reallocarray(NULL, n_map, sizeof(*gs.e));
		if (!us.e || !gs.e)
			goto oom;
		memcpy(us.e, map, n_map * sizeof(*map));
		memcpy(gs.e, map, n_map * sizeof(*map));
		us.n = gs.n = n_map;
	} else if (default_side(c, PATH_SUBUID, c->uid, &us) < 0 || default_side(c, PATH_SUBGID, c->gid, &gs) < 0) {
		goto oom;
	}
	if (side_build(&us) < 0 || side_build(&gs) < 0)
		goto oom;
	f = open_memstream(&mapdesc, &ml);
	if (!f)
		goto oom;
	if (n_map) {
		(void)fputs("map (uids and gids) ", f);
		describe_side(f, &us);
	} else {
		fprintf(f, "default map of %s: uid ", c->user);
		describe_side(f, &us);
		(void)fputs(", gid ", f);
		describe_side(f, &gs);
	}
	if (fclose(f) != 0) {
		free(mapdesc);
		mapdesc = NULL;
		goto oom;
	}

	w = calloc(1, sizeof(*w));
	if (!w)
		goto oom;
	w->u = &us.outer;
	w->g = &gs.outer;
	snprintf(w->path, sizeof(w->path), "%s", path);
	w->plen = strlen(w->path);
	while (w->plen > 1 && w->path[w->plen - 1] == '/')
		w->path[--w->plen] = '\0';
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		check_emit(c, "rootfs.ownership", VERDICT_FAIL, "every file owned inside the map's outer ranges", NULL,
			   "cannot open %s: %s", path, strerror(e));
		goto out;
	}
	w->dev = st.st_dev;
	w->mnt_id = mount_id(fd);
	w->have_mnt_id = w->mnt_id != 0;
	visit(w, &st);
	walk_dir(w, fd, 0);

	if (w->outside) {
		/* The resolved path: the one that was walked, not one a symlink of somebody's may send
		 * elsewhere when root pastes the command later. */
		fix = ownership_fix(w, &us, &gs, resolved);
		check_emit(c, "rootfs.ownership", VERDICT_FAIL, "every file's owner and group inside the map's outer ranges",
			   fix,
			   "%s is owned by %u:%u, outside the %s; %llu of %llu entries are outside: in the container they "
			   "belong to nobody and cannot be chowned (\"lchown: invalid argument\")%s%s",
			   w->first, w->first_uid, w->first_gid, mapdesc, w->outside, w->entries,
			   w->errors ? "; and some could not be read: " : "", w->errors ? w->first_err : "");
	} else if (w->errors) {
		check_emit(c, "rootfs.ownership", VERDICT_WARN, "every file's owner and group inside the map's outer ranges",
			   "run subid-check rootfs as root or as the owner of the tree to see every file",
			   "%llu entries inside the %s, but %llu could not be read (the first: %s)", w->entries, mapdesc,
			   w->errors, w->first_err);
	} else {
		check_emit(c, "rootfs.ownership", VERDICT_PASS, "every file's owner and group inside the map's outer ranges",
			   NULL, "all %llu entries are owned inside the %s%s", w->entries, mapdesc,
			   w->mounts ? " (mount points below it were not entered)" : "");
	}
	goto out;

oom:
	c->oom = true;
	goto out;
skip:
	check_emit(c, "rootfs.ownership", VERDICT_SKIP, NULL, NULL, "not checked: %s is not a usable directory", path);
out:
	free(us.e);
	free(gs.e);
	free(us.outer.v);
	free(gs.outer.v);
}
