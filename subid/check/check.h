/* SPDX-License-Identifier: GPL-2.0-or-later
 * subid-check: the framework shared by every check area.
 *
 * A check has a stable id ("area.name", e.g. "kernel.max_user_namespaces"), an area, a verdict and
 * three texts: what it observed, what it expected, and (for warn/fail) the fix as a command or a
 * short instruction. Areas emit results through check_emit(); main.c prints them (human or JSON)
 * and derives the exit status. The ids are a stable interface: documented in subid-check(8) and
 * the JSON schema; never renamed. */
#ifndef SUBID_CHECK_H
#define SUBID_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

enum verdict {
	VERDICT_PASS,
	VERDICT_WARN,
	VERDICT_FAIL,
	VERDICT_SKIP, /* could not be checked here; observed says why */
};

struct check_result {
	char *id;
	char *area;
	enum verdict verdict;
	char *observed;
	char *expected;
	char *fix; /* NULL when none */
};

struct check_ctx {
	/* Options. */
	const char *sysroot;   /* "" for the live system, else a directory: /etc and /proc/sys are
				* read below it (see check_path()). */
	bool live;             /* sysroot is the live system: live-only checks (probe, helpers in PATH,
				* the caller's own /proc/self/status) run only then. */
	bool probe;            /* --no-probe clears it */
	uint64_t min_count;    /* --min-count, default 65536 */
	const char *path_env;  /* PATH to search for the helpers (the caller's PATH, or a default) */

	/* The user being checked. */
	const char *user;
	uid_t uid;
	gid_t gid;
	bool user_known;       /* found in the user database (under sysroot: its /etc/passwd) */

	/* Results, in emission order. */
	struct check_result *results;
	size_t n_results, cap_results;
	bool oom;              /* a result could not be stored: main exits 3 */
};

/* Record one result. observed/expected/fix are printf formats (fix may be NULL). */
void check_emit(struct check_ctx *c, const char *id, enum verdict v, const char *expected, const char *fix,
		const char *observed_fmt, ...) __attribute__((format(printf, 6, 7)));

/* The path of an absolute system path under the sysroot, in buf. */
const char *check_path(const struct check_ctx *c, const char *abspath, char *buf, size_t size);

/* Read a whole small file (a /proc/sys value, a config file) under the sysroot. Returns 0 with a
 * malloc()ed NUL-terminated buffer, or -errno. Trailing newlines are kept. */
int check_read_file(const struct check_ctx *c, const char *abspath, char **ret, size_t *ret_len);

/* Read a /proc/sys integer (e.g. "/proc/sys/user/max_user_namespaces") under the sysroot.
 * Returns 0, -ENOENT when absent, -EINVAL when not an integer. */
int check_read_sysctl(const struct check_ctx *c, const char *abspath, long long *ret);

/* Parse the decimal number at *p (after any spaces and tabs) with the strict parser
 * subid_parse_u32(), for the numbers of /proc text: no sscanf(), which wraps and takes signs. The
 * number is the run of digits there; the byte after it is the caller's to judge. Returns 0 and
 * advances *p past the number, or -EINVAL/-ERANGE with *p and *ret untouched. */
int check_next_u32(const char **p, uint32_t *ret);

/* s as a JSON string (quoted, escaped), or null for NULL. */
void check_json_str(FILE *f, const char *s);

/* The areas, run in this order. Each emits its own results and never exits. */
void check_area_kernel(struct check_ctx *c);    /* kernel.*  : userns, sysctls, AppArmor, NoNewPrivs, bounding set */
void check_area_helpers(struct check_ctx *c);   /* helpers.* : newuidmap/newgidmap in PATH, privilege, nosuid */
void check_area_subids(struct check_ctx *c);    /* subids.*  : the user's ranges, syntax, overlaps, nsswitch, login.defs */
void check_subids_allocation(struct check_ctx *c); /* subids.allocation (allocation.c), run by check_area_subids */
void check_subids_directory(struct check_ctx *c);  /* subids.directory.* (directory.c), run by check_area_subids */
void check_area_probe(struct check_ctx *c);
/* The ranges libsubid (the loaded lib) lists for user, uids (side 0) or gids (1), as the helpers
 * keep them (idrange_valid), in a new array (NULL when none); what libsubid handed back is
 * released with its subid_free() when it has one. Returns how many libsubid listed (>= 0), -EIO
 * when it failed, -ENOSYS when lib has no getter, -ENOMEM. (subids.c) */
struct idrange;
int check_libsubid_ranges(void *lib, const char *user, int side, struct idrange **ret, size_t *ret_n);
/* w as one shell word for a fix (shell_quote) in buf; "" when it does not fit. Returns buf. */
const char *check_word(const char *w, char *buf, size_t size);
/* The probe's namespace process C runs as "subid-check --probe-child QPID" (a fresh image: see
 * probe.c); main() hands that over before it reads anything. Never returns. */
#define PROBE_CHILD_ARG "--probe-child"
_Noreturn void probe_child_exec_main(const char *qpid);     /* probe.*   : live user namespace through the helpers */
void check_area_container(struct check_ctx *c); /* container.* : /proc masks, pid ns, /sys, cgroup, fuse, network */

/* Collisions of one kind of the user's sub-id ranges (collide.c): systemd's reserved ranges, the
 * ids SSSD's domains hand out, other owners in the NSS subid source. subids.c calls it once per
 * kind, with the ranges the helpers would use and its own fix builder. */
struct idrange;
struct collide_in {
	const char *kind;       /* "subuid" or "subgid" */
	const char *idword;     /* "uid" or "gid" */
	const char *path;       /* "/etc/subuid" */
	unsigned which;         /* 1 (subuid) or 2 (subgid), as the fix builder takes it */
	const struct idrange *r;
	size_t n;
	bool known;             /* false: the ranges cannot be read here (the checks are skipped) */
	const char *nss_source; /* the NSS subid source the ranges came from, or NULL for the files */
	/* A fix that moves the range del to a free one (malloc()ed; NULL when out of memory). */
	char *(*fix)(void *ctx, unsigned which, const struct idrange *del);
	void *ctx;
};
void check_collisions(struct check_ctx *c, const struct collide_in *in);

/* systemd's reserved ranges and the ranges SSSD's domains hand out here, for proposals of free
 * ranges to avoid. Returns how many were stored in out (at most max). */
size_t check_reserved_ranges(const struct check_ctx *c, struct idrange *out, size_t max);

/* subid-check rootfs PATH [--map inner:outer:count]...: returns like main's exit status. */
struct idmap_extent;
void check_rootfs(struct check_ctx *c, const char *path, const struct idmap_extent *map, size_t n_map);

#endif
