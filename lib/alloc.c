/* SPDX-License-Identifier: GPL-2.0-or-later
 * Sub-id allocation: the policy (first-fit or uid-derived), the rewritten file's content, shadow's
 * locks, and the whole locked transaction that pam_subid's helper and subid-alloc run.
 *
 * Invariants:
 *  - every id computation is done in uint64_t; a chosen range always has min <= start and
 *    start + count - 1 <= max <= 4294967294, so it is valid by the kernel's rule (range.h);
 *  - first-fit considers every valid entry of every owner, in any order, overlapping or not, and
 *    every line that shadow's lenient parser reads as an entry (subfile_shadow_range);
 *  - the old content is kept byte for byte (malformed lines, CRLF, NUL bytes) and one line added;
 *  - locks are taken in shadow's order (/etc/.pwd.lock, subuid.lock, subgid.lock) and released in
 *    reverse; alloc_transaction() leaves none behind on any return path;
 *  - the files are read only once every lock is held, and the decision uses that content only,
 *    so a concurrent useradd/usermod (same locks) can never be interleaved with us;
 *  - a file is replaced only by rename() of a complete, fsynced temporary file in the same
 *    directory with the old owner and mode: killed at any point, the old or the new content;
 *  - no printing, no exit, no global state, no signal handler, no alarm(). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "conf.h"
#include "number.h"
#include "paths.h"
#include "subfile.h"
#include "util.h"

#define ID_MAX (ID_LIMIT - 1)       /* 4294967294: the last id the kernel maps */
#define MAX_FILE_SIZE (64u << 20)   /* a pre-generated 64k-user file is about 2 MiB */
#define PWD_LOCK_POLL_NS 10000000L  /* 10 ms between two F_OFD_SETLK attempts */

static const char *const reason_str[ALLOC__MAX] = {
	[ALLOC_OK] = "success",
	[ALLOC_E_POLICY] = "invalid allocation policy",
	[ALLOC_E_EXHAUSTED] = "no free range left",
	[ALLOC_E_UID_RANGE] = "the uid-derived range is out of bounds",
	[ALLOC_E_COLLISION] = "the uid-derived range overlaps an existing range",
	[ALLOC_E_NAME] = "the user name cannot be written to the file",
	[ALLOC_E_NOFILE] = "the file does not exist",
	[ALLOC_E_UNTRUSTED] = "the file is not trusted",
	[ALLOC_E_LOCK] = "cannot lock",
	[ALLOC_E_IO] = "input/output error",
	[ALLOC_E_NSS] = "nsswitch.conf names a subid source other than files",
};

const char *alloc_reason_str(enum alloc_reason r)
{
	if ((unsigned)r >= ALLOC__MAX || !reason_str[r])
		return "unknown error";
	return reason_str[r];
}

/* Fill *err (when given) and return r, so that a failure is one statement. */
static int fail(struct alloc_error *err, enum alloc_reason reason, const char *file, int r, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int fail(struct alloc_error *err, enum alloc_reason reason, const char *file, int r, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->reason = reason;
		err->file = file;
		err->detail[0] = '\0';
		if (fmt) {
			va_start(ap, fmt);
			(void)vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
			va_end(ap);
		}
	}
	return r;
}

/* ---- Policy ---------------------------------------------------------------------------------- */

int alloc_policy_check(const struct alloc_policy *p, struct alloc_error *err)
{
	if (p->mode != ALLOC_FIRST_FIT && p->mode != ALLOC_UID)
		return fail(err, ALLOC_E_POLICY, NULL, -EINVAL, "unknown mode %d", (int)p->mode);
	if (p->count == 0)
		return fail(err, ALLOC_E_POLICY, NULL, -EINVAL, "count is 0");
	/* uid mode may name 4294967295, shadow 4.20's default there: it only sizes the slots, and the
	 * one slot holding that id is refused by alloc_uid_mode(). */
	if (p->max > (p->mode == ALLOC_UID ? ID_LIMIT : ID_MAX))
		return fail(err, ALLOC_E_POLICY, NULL, -EINVAL, "max %" PRIu64 " is above %" PRIu64, p->max,
			    p->mode == ALLOC_UID ? ID_LIMIT : ID_MAX);
	if (p->min > p->max)
		return fail(err, ALLOC_E_POLICY, NULL, -EINVAL, "min %" PRIu64 " is above max %" PRIu64, p->min, p->max);
	/* max <= ID_LIMIT and count >= 1 bound both terms: no wrap. */
	if (p->count - 1 > p->max - p->min)
		return fail(err, ALLOC_E_POLICY, NULL, -EINVAL, "count %" PRIu64 " does not fit in [%" PRIu64 ", %" PRIu64 "]",
			    p->count, p->min, p->max);
	return 0;
}

static int cmp_start(const void *a, const void *b)
{
	const struct idrange *x = a, *y = b;

	/* Compare, never subtract: starts 2^31 apart would overflow an int (yrro/pam_subuid's bug). */
	return (x->start > y->start) - (x->start < y->start);
}

int alloc_first_fit(struct idrange *ranges, size_t n, const struct alloc_policy *p, uint32_t *ret_start,
		    struct alloc_error *err)
{
	uint64_t cand;
	int r;

	r = alloc_policy_check(p, err);
	if (r < 0)
		return r;
	/* Sort only when needed (never qsort(NULL, 0)): useradd keeps the file sorted and allocations
	 * are appended in increasing order, so a sorted file is the common case, checked in O(n). */
	for (size_t i = 1; i < n; i++)
		if (ranges[i].start < ranges[i - 1].start) {
			qsort(ranges, n, sizeof(*ranges), cmp_start);
			break;
		}
	/* Sweep by start. cand is the lowest id >= min that no range seen so far covers: each range
	 * seen ends at or before it. The first range starting at or after cand + count leaves the
	 * hole [cand, cand + count) free, and so does every later one (they start even later). */
	cand = p->min;
	for (size_t i = 0; i < n; i++) {
		uint64_t s = ranges[i].start, e = s + ranges[i].count;

		if (ranges[i].count == 0)
			continue; /* covers nothing; shadow skips these too */
		if (cand + p->count <= s)
			break;
		if (e > cand)
			cand = e;
		if (cand > p->max)
			break;
	}
	if (cand > p->max || p->count - 1 > p->max - cand)
		return fail(err, ALLOC_E_EXHAUSTED, NULL, -ENOSPC,
			    "no hole of %" PRIu64 " ids in [%" PRIu64 ", %" PRIu64 "]", p->count, p->min, p->max);
	*ret_start = (uint32_t)cand;
	return 0;
}

int alloc_uid_mode(const struct idrange *ranges, const char *const *owners, size_t n, uint32_t uid,
		   const struct alloc_policy *p, uint32_t *ret_start, struct alloc_error *err)
{
	uint64_t start, slot, slots;
	int r;

	r = alloc_policy_check(p, err);
	if (r < 0)
		return r;
	if (uid < p->min_uid)
		return fail(err, ALLOC_E_UID_RANGE, NULL, -ERANGE, "uid %" PRIu32 " is below min_uid %" PRIu64, uid,
			    p->min_uid);
	/* All in uint64: max - min + 1 <= 2^32, slot < 2^32 and slot < slots after the check below,
	 * so slot * count < max - min + 1 and nothing wraps. */
	slots = (p->max - p->min + 1) / p->count; /* >= 1: the policy check puts one range in [min, max] */
	slot = (uint64_t)uid - p->min_uid;
	if (slot >= slots) {
		if (!p->wrap)
			return fail(err, ALLOC_E_UID_RANGE, NULL, -ERANGE,
				    "uid %" PRIu32 " gives %" PRIu64 "-%" PRIu64 ", beyond max %" PRIu64, uid,
				    p->min + slot * p->count, p->min + (slot + 1) * p->count - 1, p->max);
		slot %= slots; /* shadow's ring: this range is also another uid's */
	}
	start = p->min + slot * p->count;
	if (start + p->count - 1 > ID_MAX)
		return fail(err, ALLOC_E_UID_RANGE, NULL, -ERANGE,
			    "uid %" PRIu32 " gives %" PRIu64 "-%" PRIu64 ", which holds 4294967295 (no user namespace "
			    "maps it)", uid, start, start + p->count - 1);
	for (size_t i = 0; i < n && !p->wrap; i++) {
		if (ranges[i].count == 0 || !idrange_overlap(start, p->count, ranges[i].start, ranges[i].count))
			continue;
		return fail(err, ALLOC_E_COLLISION, NULL, -EEXIST,
			    "%" PRIu64 ":%" PRIu64 " overlaps %s:%" PRIu32 ":%" PRIu32, start, p->count,
			    owners && owners[i] ? owners[i] : "(unknown owner)", ranges[i].start, ranges[i].count);
	}
	*ret_start = (uint32_t)start;
	return 0;
}

/* A login.defs number: absent -> def; present -> strict decimal below 2^32, or the error. */
static int defs_number(const char *defs, size_t len, const char *key, uint64_t def, uint64_t *ret)
{
	const char *v;
	size_t vlen;
	uint32_t x;
	int r;

	if (!defs || !logindefs_get(defs, len, key, &v, &vlen)) {
		*ret = def;
		return 0;
	}
	r = subid_parse_u32(v, vlen, &x);
	if (r < 0)
		return r;
	*ret = x;
	return 0;
}

int alloc_policy_from_defs(const char *defs, size_t len, enum alloc_file which, const enum alloc_mode *mode,
			   struct alloc_policy *ret, const char **ret_key)
{
	static const char *const keys[2][7] = {
		{ "SUB_UID_DETERMINISTIC", "UNSAFE_SUB_UID_DETERMINISTIC_WRAP", "SUB_UID_STORE_BY_UID", "SUB_UID_MIN",
		  "SUB_UID_MAX", "SUB_UID_COUNT", "UID_MIN" },
		{ "SUB_GID_DETERMINISTIC", "UNSAFE_SUB_GID_DETERMINISTIC_WRAP", "SUB_GID_STORE_BY_UID", "SUB_GID_MIN",
		  "SUB_GID_MAX", "SUB_GID_COUNT", "UID_MIN" },
	};
	const char *const *k = keys[which == ALLOC_SUBGID];
	struct alloc_policy p = { 0 };
	bool det_defs = defs && logindefs_get_bool(defs, len, k[0]);
	bool det = mode ? *mode == ALLOC_UID : det_defs;
	/* shadow 4.20: useradd's first-fit defaults, and find_new_sub_uids_deterministic()'s own. */
	const uint64_t def[4] = { det ? 65536 : 100000, det ? ID_LIMIT : 600100000, 65536, 1000 };
	uint64_t *dst[4] = { &p.min, &p.max, &p.count, &p.min_uid };

	p.mode = det ? ALLOC_UID : ALLOC_FIRST_FIT;
	p.wrap = det && det_defs && logindefs_get_bool(defs, len, k[1]);
	p.by_uid = defs && logindefs_get_bool(defs, len, k[2]);
	for (int i = 0; i < 4; i++) {
		int r = defs_number(defs, len, k[3 + i], def[i], dst[i]);

		if (r < 0) {
			if (ret_key)
				*ret_key = k[3 + i];
			return r;
		}
	}
	*ret = p;
	return 0;
}

bool alloc_name_writable(const char *name)
{
	bool digits = true;

	/* '#' first would turn the new line into a comment that no reader sees: the user would get a
	 * fresh range at every login. */
	if (!name || name[0] == '\0' || name[0] == '#')
		return false;
	for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
		if (*c == ':' || *c < 0x20 || *c == 0x7f)
			return false;
		if (*c < '0' || *c > '9')
			digits = false;
	}
	return !digits; /* all digits would read as a uid (subfile_owner_matches) */
}

int alloc_append_line(const char *old, size_t len, const char *owner, uint32_t start, uint32_t count,
		      char **ret, size_t *ret_len)
{
	char tail[2 * 11 + 3];
	size_t olen = strlen(owner), nl = len > 0 && old[len - 1] != '\n', tlen, total;
	char *buf, *p;

	tlen = (size_t)snprintf(tail, sizeof(tail), ":%" PRIu32 ":%" PRIu32 "\n", start, count);
	if (len > SIZE_MAX - 1 - nl - olen - tlen)
		return -ENOMEM;
	total = len + nl + olen + tlen;
	buf = malloc(total + 1);
	if (!buf)
		return -ENOMEM;
	p = buf;
	if (len > 0)
		p = mempcpy(p, old, len);
	if (nl)
		*p++ = '\n'; /* end the old last line, so the new entry is a line of its own */
	p = mempcpy(p, owner, olen);
	p = mempcpy(p, tail, tlen);
	*p = '\0';
	*ret = buf;
	*ret_len = total;
	return 0;
}

/* ---- shadow's commonio lock ------------------------------------------------------------------- */

/* The pid in a lock file: decimal digits up to the first NUL (shadow writes "<pid>\0"), strict. */
static int read_lock_pid(const char *lock, pid_t *ret)
{
	_cleanup_close_ int fd = -1;
	char buf[32];
	ssize_t n;
	uint32_t v;

	fd = open(lock, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	/* Like shadow's get_pid(): anything but a pid in 1..INT_MAX is not a lock we may judge. */
	if (subid_parse_u32(buf, strnlen(buf, (size_t)n), &v) < 0 || v == 0 || v > INT_MAX)
		return -EINVAL;
	*ret = (pid_t)v;
	return 0;
}

/* link() the pid file to the lock, then require a link count of 2 on the pid file: shadow's
 * check_link_count(), which catches an NFS link() that reports failure or success wrongly. */
static int link_lock(const char *pidfile, const char *lock)
{
	struct stat st;

	if (link(pidfile, lock) < 0)
		return -errno;
	if (lstat(pidfile, &st) < 0)
		return -errno;
	return st.st_nlink == 2 ? 0 : -ENOLCK;
}

static int write_full(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Create path.PID holding "<pid>\0" (0600), on disk before anyone can see it as a lock. */
static int write_pid_file(const char *pidfile, pid_t self)
{
	_cleanup_close_ int fd = -1;
	char buf[24];
	int n, r;

	fd = open(pidfile, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%ld", (long)self);
	r = write_full(fd, buf, (size_t)n + 1); /* with its NUL, as shadow writes it */
	if (r == 0 && fdatasync(fd) < 0)
		r = -errno;
	if (close(TAKE_FD(fd)) < 0 && r == 0)
		r = -errno;
	return r;
}

int alloc_lock_file(const char *path, unsigned flags, struct alloc_error *err)
{
	_cleanup_free_ char *pidfile = NULL, *lock = NULL;
	pid_t self = getpid(), holder = 0;
	int r;

	if (asprintf(&pidfile, "%s.%ld", path, (long)self) < 0) {
		pidfile = NULL;
		return fail(err, ALLOC_E_LOCK, path, -ENOMEM, NULL);
	}
	if (asprintf(&lock, "%s.lock", path) < 0) {
		lock = NULL;
		return fail(err, ALLOC_E_LOCK, path, -ENOMEM, NULL);
	}
	r = write_pid_file(pidfile, self);
	if (r < 0) {
		(void)unlink(pidfile);
		return fail(err, ALLOC_E_LOCK, path, r, "cannot create %s", pidfile);
	}
	r = link_lock(pidfile, lock);
	if (r == -EEXIST && (flags & ALLOC_LOCK_PWD_HELD)) {
		/* Every holder of a commonio lock on the real /etc holds lckpwdf()'s lock first
		 * (shadow's commonio_lock(), libsubid, us), and the kernel drops that lock when its
		 * holder dies. We hold it, so this lock file's owner is gone, whatever process its
		 * pid names now: a pid recycled onto a live process (any user can fork until it
		 * comes round) would otherwise keep the lock "held" for ever (issue 9). */
		if (unlink(lock) < 0 && errno != ENOENT) {
			r = -errno;
			(void)unlink(pidfile);
			return fail(err, ALLOC_E_LOCK, path, r, "cannot remove the stale %s", lock);
		}
		r = link_lock(pidfile, lock);
	} else if (r == -EEXIST) {
		/* Held, or left behind: judge it by its pid, as shadow's do_lock_file() does. */
		r = read_lock_pid(lock, &holder);
		if (r == -ENOENT) {
			r = link_lock(pidfile, lock); /* released meanwhile: one more try */
		} else if (r < 0) {
			(void)unlink(pidfile);
			return fail(err, ALLOC_E_LOCK, path, r, "%s holds no readable pid", lock);
		} else if (kill(holder, 0) == 0) {
			(void)unlink(pidfile);
			return fail(err, ALLOC_E_LOCK, path, -EBUSY, "%s is held by pid %ld", lock, (long)holder);
		} else {
			/* Dead (ESRCH), or EPERM: shadow counts both as stale. Take it over once; two
			 * takers racing here are kept apart by the passwd lock, as in shadow. */
			if (unlink(lock) < 0 && errno != ENOENT) {
				r = -errno;
				(void)unlink(pidfile);
				return fail(err, ALLOC_E_LOCK, path, r, "cannot remove the stale %s of pid %ld", lock,
					    (long)holder);
			}
			r = link_lock(pidfile, lock);
		}
		if (r == -EEXIST)
			r = -EBUSY; /* another process took it between our two tries */
	}
	(void)unlink(pidfile);
	if (r < 0)
		return fail(err, ALLOC_E_LOCK, path, r, "cannot link %s to %s", pidfile, lock);
	return 0;
}

int alloc_unlock_file(const char *path)
{
	_cleanup_free_ char *lock = NULL;
	pid_t holder = 0;
	int r;

	if (asprintf(&lock, "%s.lock", path) < 0)
		return -ENOMEM;
	/* Remove only our own lock: one taken over from us (a holder that could not signal us sees
	 * EPERM and calls it stale) now belongs to somebody else. */
	r = read_lock_pid(lock, &holder);
	if (r < 0)
		return r;
	if (holder != getpid())
		return -ESTALE;
	if (unlink(lock) < 0)
		return -errno;
	return 0;
}

/* ---- The passwd lock ------------------------------------------------------------------------- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* lckpwdf()'s lock without lckpwdf(): a whole-file write lock on ROOT/etc/.pwd.lock. An OFD lock
 * conflicts with the POSIX lock glibc takes there, so shadow's tools and we exclude each other;
 * polled, so no alarm() is needed and the wait is ours to bound. Returns the descriptor (closing
 * it releases the lock) or -errno: -ETIMEDOUT when still held after timeout_s. */
static int pwd_lock(const char *path, unsigned timeout_s, struct alloc_error *err, const char *name)
{
	_cleanup_close_ int fd = -1;
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0, .l_pid = 0 };
	uint64_t deadline = now_ns() + (uint64_t)timeout_s * 1000000000u;

	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (fd < 0)
		return fail(err, ALLOC_E_LOCK, name, -errno, "cannot open the passwd lock");
	for (;;) {
		struct timespec pause = { 0, PWD_LOCK_POLL_NS };

		if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
			return TAKE_FD(fd);
		if (errno != EAGAIN && errno != EACCES && errno != EINTR)
			return fail(err, ALLOC_E_LOCK, name, -errno, "cannot lock the passwd lock");
		if (now_ns() >= deadline)
			return fail(err, ALLOC_E_LOCK, name, -ETIMEDOUT, "still held by another process after %u s",
				    timeout_s);
		(void)nanosleep(&pause, NULL);
	}
}

/* ---- The transaction ------------------------------------------------------------------------- */

/* a followed by b, malloc()ed; NULL when out of memory. */
static char *strjoin(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 1);

	if (s) {
		/* Not terminated here on purpose: the copy of b below brings b's NUL. */
		/* NOLINTNEXTLINE(bugprone-not-null-terminated-result) */
		memcpy(s, a, la);
		memcpy(s + la, b, lb + 1);
	}
	return s;
}

struct subid_file {
	const char *name;      /* "/etc/subuid": static, for err->file (the path is freed on return) */
	char *path;            /* ROOT/etc/subuid */
	const struct alloc_policy *policy;
	bool locked, exists;
	struct stat st;
	char *buf;             /* the whole content read under the locks */
	size_t len;
	bool had;              /* the user already has a range: nothing to write */
	struct idrange range;  /* the user's first range, or the one allocated */
};

/* Open and check a file as conf_open_trusted() does, except that a test prefix may also be owned
 * by the caller's euid, then read it whole. A missing file is empty, when create is asked. */
static int read_subid_file(struct subid_file *f, bool prefix, bool create, struct alloc_error *err)
{
	_cleanup_close_ int fd = -1;
	int r;

	fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		if (r == -ENOENT && create)
			return 0;
		if (r == -ENOENT)
			return fail(err, ALLOC_E_NOFILE, f->name, r, "and creating it was not asked");
		if (r == -ELOOP)
			return fail(err, ALLOC_E_UNTRUSTED, f->name, r, "is a symbolic link");
		return fail(err, ALLOC_E_IO, f->name, r, "cannot open");
	}
	if (fstat(fd, &f->st) < 0)
		return fail(err, ALLOC_E_IO, f->name, -errno, "cannot stat");
	if (!S_ISREG(f->st.st_mode))
		return fail(err, ALLOC_E_UNTRUSTED, f->name, -EPERM, "%s", conf_distrust_str(CONF_NOT_REGULAR));
	if (f->st.st_uid != 0 && !(prefix && f->st.st_uid == geteuid()))
		return fail(err, ALLOC_E_UNTRUSTED, f->name, -EPERM, "is owned by uid %ld, not root",
			    (long)f->st.st_uid);
	if (f->st.st_mode & (S_IWGRP | S_IWOTH))
		return fail(err, ALLOC_E_UNTRUSTED, f->name, -EPERM, "%s", conf_distrust_str(CONF_WRITABLE));
	r = conf_read_fd(fd, MAX_FILE_SIZE, &f->buf, &f->len);
	if (r == -EFBIG)
		return fail(err, ALLOC_E_UNTRUSTED, f->name, r, "is larger than %u bytes", MAX_FILE_SIZE);
	if (r < 0)
		return fail(err, ALLOC_E_IO, f->name, r, "cannot read");
	f->exists = true;
	return 0;
}

/* Decide f->range: the user's existing range (f->had), or a new one by the policy against every
 * entry of every owner in the content read under the locks. One pass over the file: it stops at
 * the user's first range, and otherwise collects every valid entry (malformed lines take no ids). */
static int decide(struct subid_file *f, const struct alloc_request *req, struct alloc_error *err)
{
	_cleanup_free_ struct idrange *all = NULL;
	_cleanup_free_ const char **owners = NULL;
	_cleanup_free_ char *names = NULL;
	bool uid_mode = f->policy->mode == ALLOC_UID;
	struct subfile_iter it;
	struct subfile_line line;
	size_t n = 0, cap = 0, name_len = strlen(req->user), uid_len;
	char uid_str[16];
	uint32_t start;
	int r;

	/* The owner spellings subfile_owner_matches() accepts: the name, or the uid in the strict
	 * decimal form (the only one it reads as a uid), compared as bytes. */
	uid_len = (size_t)snprintf(uid_str, sizeof(uid_str), "%" PRIu32, req->uid);
	if (uid_mode) {
		/* Owners for the collision message: one NUL-terminated copy of the file, cut after
		 * each owner, rather than one allocation per line. Allocated even for an empty file,
		 * so that names is never NULL where an entry is read. */
		names = malloc(f->len + 1);
		if (!names)
			return fail(err, ALLOC_E_IO, f->name, -ENOMEM, NULL);
		if (f->len)
			memcpy(names, f->buf, f->len);
	}
	subfile_iter_init(&it, f->buf, f->len);
	while (subfile_next(&it, &line)) {
		struct idrange taken;

		if (line.kind == SUBFILE_ENTRY) {
			if ((line.owner_len == name_len && memcmp(line.owner, req->user, name_len) == 0) ||
			    (line.owner_len == uid_len && memcmp(line.owner, uid_str, uid_len) == 0)) {
				f->had = true;
				f->range = (struct idrange){ line.start, line.count };
				return 0;
			}
			taken = (struct idrange){ line.start, line.count };
		} else if (subfile_shadow_range(line.text, line.len, &taken, &line.owner_len) && taken.count) {
			/* Malformed to us, an entry to shadow ("bob: 100000:65536", "0x186a0",
			 * "#bob:..."): its ids are taken for useradd and newuidmap, so never hand them
			 * out (issue 9). It is nobody's range here, not even the user's own. */
			line.owner = line.text;
		} else {
			continue;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 1024;
			struct idrange *na = reallocarray(all, ncap, sizeof(*all));

			if (!na)
				return fail(err, ALLOC_E_IO, f->name, -ENOMEM, NULL);
			all = na;
			if (uid_mode) {
				const char **no = reallocarray(owners, ncap, sizeof(*owners));

				if (!no)
					return fail(err, ALLOC_E_IO, f->name, -ENOMEM, NULL);
				owners = no;
			}
			cap = ncap;
		}
		if (uid_mode) {
			size_t off = (size_t)(line.owner - f->buf);

			names[off + line.owner_len] = '\0'; /* was the ':' after the owner */
			owners[n] = names + off;
		}
		all[n++] = taken;
	}

	if (uid_mode)
		r = alloc_uid_mode(all, owners, n, req->uid, f->policy, &start, err);
	else
		r = alloc_first_fit(all, n, f->policy, &start, err);
	if (r < 0) {
		if (err)
			err->file = f->name;
		return r;
	}
	f->range = (struct idrange){ start, (uint32_t)f->policy->count };
	return 0;
}

/* Replace f's content by content: temporary file beside it with the old owner and mode (a new
 * file: root:root 0644, or the caller's ids under a test prefix), fsync, rename(). Killed
 * anywhere, the file holds the old or the new content. */
static int replace_subid_file(struct subid_file *f, const char *content, size_t len, bool prefix,
			      struct alloc_error *err)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -1;
	uid_t uid = prefix ? geteuid() : 0;
	gid_t gid = prefix ? getegid() : 0;
	mode_t mode = 0644;
	int r;

	if (f->exists) {
		uid = f->st.st_uid;
		gid = f->st.st_gid;
		mode = f->st.st_mode & 0777; /* no setuid/sticky bits; group/other write excluded earlier */
	}
	/* One fixed name per file, as shadow's commonio uses (/etc/subuid+): we hold the file's lock,
	 * so nobody else writes it now, and whatever a killed run left there is overwritten rather
	 * than piling up. Removed first, then created exclusively: never a link or another file. */
	if (asprintf(&tmp, "%s+", f->path) < 0) {
		tmp = NULL;
		return fail(err, ALLOC_E_IO, f->name, -ENOMEM, NULL);
	}
	if (unlink(tmp) < 0 && errno != ENOENT)
		return fail(err, ALLOC_E_IO, f->name, -errno, "cannot remove the old %s", tmp);
	/* 0600 until fchmod: nobody reads a half-written file */
	fd = open(tmp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (fd < 0)
		return fail(err, ALLOC_E_IO, f->name, -errno, "cannot create the temporary file %s", tmp);
	if (fchown(fd, uid, gid) < 0 || fchmod(fd, mode) < 0) {
		r = -errno;
		goto fail_unlink;
	}
	r = write_full(fd, content, len);
	if (r < 0)
		goto fail_unlink;
	if (fsync(fd) < 0 || close(TAKE_FD(fd)) < 0) {
		r = -errno;
		goto fail_unlink;
	}
	if (rename(tmp, f->path) < 0) {
		r = -errno;
		goto fail_unlink;
	}
	/* The directory is fsynced once, after both renames (sync_dir()). */
	return 0;

fail_unlink:
	(void)unlink(tmp);
	return fail(err, ALLOC_E_IO, f->name, r, "cannot write the new content");
}

/* Replace f's content by old + the new line (replace_subid_file() does the writing). */
static int write_subid_file(struct subid_file *f, const char *owner, bool prefix,
			    struct alloc_error *err)
{
	_cleanup_free_ char *content = NULL;
	size_t len;
	int r;

	r = alloc_append_line(f->buf, f->len, owner, f->range.start, f->range.count, &content, &len);
	if (r < 0)
		return fail(err, ALLOC_E_IO, f->name, r, NULL);
	return replace_subid_file(f, content, len, prefix, err);
}

/* The renames must reach the disk before a range is reported as given. Both files live in one
 * directory, so one fsync of it after both renames makes both durable; a crash before it leaves
 * each file old or new, as every step does. */
static int sync_dir(const char *dir, const char *name, struct alloc_error *err)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;

	if (dfd < 0 || (fsync(dfd) < 0 && errno != EINVAL))
		r = -errno;
	if (dfd >= 0)
		(void)close(dfd);
	if (r < 0)
		return fail(err, ALLOC_E_IO, name, r, "written, but the directory fsync failed");
	return 0;
}

/* What a run killed at any point leaves beside path, removed by the next one under the locks:
 * the temporary path+ (overwritten anyway when we write), and, on the real /etc (with_pids), the
 * pid files path.PID of the link() lock, recognised by their content ("PID\0", or the start of it
 * that a kill let through, down to an empty file): shadow's
 * lockers create theirs only after taking /etc/.pwd.lock, which we hold, so none is in use. */
static void remove_leftovers(const char *dir, const char *path, bool with_pids)
{
	_cleanup_free_ char *plus = NULL;
	const char *base = strrchr(path, '/') + 1; /* path is ROOT/etc/NAME */
	size_t blen = strlen(base);
	DIR *d;
	struct dirent *de;

	if (asprintf(&plus, "%s+", path) >= 0)
		(void)unlink(plus);
	else
		plus = NULL;
	if (!with_pids)
		return;
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		const char *suffix = de->d_name + blen + 1;
		size_t slen;
		char buf[32];
		ssize_t n;
		int fd;

		if (strncmp(de->d_name, base, blen) != 0 || de->d_name[blen] != '.')
			continue;
		slen = strspn(suffix, "0123456789");
		if (slen == 0 || slen > 10 || suffix[slen] != '\0')
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		(void)close(fd);
		/* "PID\0", or the part of it a kill let through (an empty file: killed after open) */
		if (n >= 0 && (size_t)n <= slen + 1 && memcmp(buf, suffix, (size_t)n < slen ? (size_t)n : slen) == 0 &&
		    ((size_t)n <= slen || buf[slen] == '\0'))
			(void)unlinkat(dirfd(d), de->d_name, 0);
	}
	(void)closedir(d);
}

/* The paths one transaction works on, under ROOT ("" on a real system). */
struct etc_paths {
	char *dir;     /* ROOT/etc */
	char *pwdlock; /* ROOT/etc/.pwd.lock */
	char *subuid;  /* ROOT/etc/subuid */
	char *subgid;  /* ROOT/etc/subgid */
};

static void etc_paths_free(struct etc_paths *p)
{
	free(p->dir);
	free(p->pwdlock);
	free(p->subuid);
	free(p->subgid);
}

/* Fill p and point files[0] and files[1] at subuid and subgid. Returns 0 or -ENOMEM. */
static int etc_paths_init(struct etc_paths *p, const char *root, struct subid_file files[2])
{
	p->dir = strjoin(root, "/etc");
	p->pwdlock = strjoin(root, PATH_PWD_LOCK);
	p->subuid = strjoin(root, PATH_SUBUID);
	p->subgid = strjoin(root, PATH_SUBGID);
	if (!p->dir || !p->pwdlock || !p->subuid || !p->subgid)
		return -ENOMEM;
	files[0].path = p->subuid;
	files[1].path = p->subgid;
	return 0;
}

/* Under euid 0, a test prefix must be root's own tree: ROOT and ROOT/etc directories owned by
 * root that group and others cannot write, ROOT/etc reached without a symlink. Otherwise whoever
 * may run us as root with arguments of theirs (a sudo rule, a setuid copy) would have root create
 * locks and rewrite "subuid" in any directory a symlink of theirs names (/etc/sudoers.d). Not as
 * a user: a test tree of the user's own is then all there is to write. Returns 0 or -EPERM. */
static int prefix_trusted(const char *root, struct alloc_error *err)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_BENEATH,
	};
	struct stat st;
	bool ok;
	int rfd, efd;

	if (geteuid() != 0)
		return 0;
	rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ok = rfd >= 0 && fstat(rfd, &st) == 0 && st.st_uid == 0 && !(st.st_mode & 022);
	if (!ok) {
		if (rfd >= 0)
			(void)close(rfd);
		return fail(err, ALLOC_E_UNTRUSTED, "--root", -EPERM, "ROOT is not root's own (as root, ROOT and "
			    "ROOT/etc must be root-owned directories that group and others cannot write, etc no symlink)");
	}
	efd = (int)syscall(SYS_openat2, rfd, "etc", &how, sizeof(how));
	if (efd < 0 && errno == ENOSYS && fstatat(rfd, "etc", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
		/* Linux < 5.6: not a symlink, then opened without following one. */
		efd = openat(rfd, "etc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	(void)close(rfd);
	ok = efd >= 0 && fstat(efd, &st) == 0 && st.st_uid == 0 && !(st.st_mode & 022);
	if (efd >= 0)
		(void)close(efd);
	if (!ok)
		return fail(err, ALLOC_E_UNTRUSTED, "--root", -EPERM, "ROOT/etc is not root's own (as root, ROOT and "
			    "ROOT/etc must be root-owned directories that group and others cannot write, etc no symlink)");
	return 0;
}

/* With /etc/.pwd.lock held: the lock files of subuid then subgid (stale ones taken over, see
 * alloc_lock_file()), then what a killed earlier run left removed. Returns 0 or -errno with *err;
 * files[i].locked tells the caller what to release. */
static int lock_files(struct subid_file files[2], const char *dir, bool prefix, struct alloc_error *err)
{
	int r = 0;

	for (int i = 0; i < 2 && r == 0; i++) {
		r = alloc_lock_file(files[i].path, prefix ? 0 : ALLOC_LOCK_PWD_HELD, err);
		if (r < 0)
			err->file = files[i].name;
		else
			files[i].locked = true;
	}
	for (int i = 0; i < 2 && r == 0; i++)
		remove_leftovers(dir, files[i].path, !prefix);
	return r;
}

/* Steps 2-4 of alloc_transaction(), with every lock held. */
static int transaction_locked(struct subid_file files[2], const char *dir, const struct alloc_request *req,
			      bool prefix, struct alloc_result *ret, struct alloc_error *err)
{
	char uidstr[16];
	int r;

	/* Read and decide both files before writing either: a refusal writes nothing. */
	for (int i = 0; i < 2; i++) {
		r = read_subid_file(&files[i], prefix, req->create, err);
		if (r < 0)
			return r;
		r = decide(&files[i], req, err);
		if (r < 0)
			return r;
	}
	(void)snprintf(uidstr, sizeof(uidstr), "%" PRIu32, req->uid);
	for (int i = 0; i < 2; i++) {
		if (files[i].had)
			continue;
		r = write_subid_file(&files[i], req->by_uid || files[i].policy->by_uid ? uidstr : req->user, prefix, err);
		if (r < 0) {
			/* A first file already replaced stays replaced: make that durable too. */
			if (i == 1 && !files[0].had)
				(void)sync_dir(dir, files[0].name, NULL);
			return r;
		}
	}
	if (!(files[0].had && files[1].had)) {
		r = sync_dir(dir, files[files[0].had ? 1 : 0].name, err);
		if (r < 0)
			return r;
	}
	*ret = (struct alloc_result){
		.had_uid = files[0].had,
		.had_gid = files[1].had,
		.uid_range = files[0].range,
		.gid_range = files[1].range,
	};
	return 0;
}

int alloc_transaction(const struct alloc_request *req, struct alloc_result *ret, struct alloc_error *err)
{
	const char *root = req->root ? req->root : "";
	bool prefix = root[0] != '\0';
	__attribute__((cleanup(etc_paths_free))) struct etc_paths ep = { 0 };
	_cleanup_close_ int pwdfd = -1;
	struct subid_file files[2] = {
		{ .name = "/etc/subuid", .policy = &req->uid_policy },
		{ .name = "/etc/subgid", .policy = &req->gid_policy },
	};
	struct alloc_error ignored;
	int r = 0, u;

	if (!err)
		err = &ignored;
	/* Refusals that need no file come first, before any lock. */
	if (!req->user)
		return fail(err, ALLOC_E_NAME, NULL, -EINVAL, "no user name");
	if (!(req->by_uid || (req->uid_policy.by_uid && req->gid_policy.by_uid)) && !alloc_name_writable(req->user))
		return fail(err, ALLOC_E_NAME, NULL, -EINVAL,
			    "empty, only digits, a leading '#', or a ':' or control character in it");
	for (int i = 0; i < 2; i++) {
		r = alloc_policy_check(files[i].policy, err);
		if (r < 0) {
			err->file = files[i].name;
			return r;
		}
	}
	if (etc_paths_init(&ep, root, files) < 0)
		return fail(err, ALLOC_E_IO, NULL, -ENOMEM, NULL);
	if (prefix && (r = prefix_trusted(root, err)) < 0)
		return r;

	/* 1. The locks, in shadow's order: passwd, subuid, subgid. */
	pwdfd = pwd_lock(ep.pwdlock, req->lock_timeout_s, err, PATH_PWD_LOCK);
	if (pwdfd < 0)
		return pwdfd;
	r = lock_files(files, ep.dir, prefix, err);

	/* 2-4. Read, decide, write. */
	if (r == 0)
		r = transaction_locked(files, ep.dir, req, prefix, ret, err);

	/* 5. Release in reverse order, whatever happened; a failed release is reported (its lock
	 * then holds our pid, stale as soon as we exit) unless an earlier error is. */
	for (int i = 1; i >= 0; i--) {
		if (files[i].locked) {
			u = alloc_unlock_file(files[i].path);
			if (u < 0 && r == 0)
				r = fail(err, ALLOC_E_LOCK, files[i].name, u, "cannot remove the lock file");
		}
		free(files[i].buf);
	}
	return r; /* pwdfd closes here: the passwd lock goes last */
}

/* ---- Setting given ranges -------------------------------------------------------------------- */

#define SET_LINE_NUMBERS ((size_t)(2 * 10 + 3)) /* two uint32 in decimal, two ':' and '\n' */

/* Items looked up by owner: sorted index arrays by name and by uid. */
struct set_index {
	const struct alloc_set_item *items;
	size_t n;
	size_t *by_name, *by_uid, *by_start;
	int which;
};

static int cmp_owner(const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);
	int c = memcmp(a, b, alen < blen ? alen : blen);

	return c ? c : (alen > blen) - (alen < blen);
}

/* qsort_r comparators: the index arrays are sorted through the items. */
static int cmp_idx_name(const void *a, const void *b, void *arg)
{
	const struct alloc_set_item *it = arg;

	return strcmp(it[*(const size_t *)a].user, it[*(const size_t *)b].user);
}

static int cmp_idx_uid(const void *a, const void *b, void *arg)
{
	const struct alloc_set_item *it = arg;
	uint32_t x = it[*(const size_t *)a].uid, y = it[*(const size_t *)b].uid;

	return (x > y) - (x < y);
}

struct start_arg {
	const struct alloc_set_item *items;
	int which;
};

static int cmp_idx_start(const void *a, const void *b, void *arg)
{
	const struct start_arg *sa = arg;
	uint32_t x = sa->items[*(const size_t *)a].want[sa->which].start;
	uint32_t y = sa->items[*(const size_t *)b].want[sa->which].start;

	return (x > y) - (x < y);
}

static void set_index_free(struct set_index *ix)
{
	free(ix->by_name);
	free(ix->by_uid);
	free(ix->by_start);
}

static int set_index_init(struct set_index *ix, const struct alloc_set_item *items, size_t n, int which)
{
	struct start_arg sa = { items, which };

	*ix = (struct set_index){ .items = items, .n = n, .which = which };
	if (n == 0)
		return 0;
	ix->by_name = reallocarray(NULL, n, sizeof(size_t));
	ix->by_uid = reallocarray(NULL, n, sizeof(size_t));
	ix->by_start = reallocarray(NULL, n, sizeof(size_t));
	if (!ix->by_name || !ix->by_uid || !ix->by_start) {
		set_index_free(ix);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		ix->by_name[i] = ix->by_uid[i] = ix->by_start[i] = i;
	qsort_r(ix->by_name, n, sizeof(size_t), cmp_idx_name, (void *)items);
	qsort_r(ix->by_uid, n, sizeof(size_t), cmp_idx_uid, (void *)items);
	qsort_r(ix->by_start, n, sizeof(size_t), cmp_idx_start, &sa);
	return 0;
}

/* The item whose user owns the line (by name, else by the strict decimal uid), or SIZE_MAX. */
static size_t set_owner(const struct set_index *ix, const char *owner, size_t len)
{
	size_t lo = 0, hi = ix->n;
	uint32_t uid;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_owner(owner, len, ix->items[ix->by_name[mid]].user);

		if (c == 0)
			return ix->by_name[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (subid_parse_u32(owner, len, &uid) < 0)
		return SIZE_MAX;
	lo = 0;
	hi = ix->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t u = ix->items[ix->by_uid[mid]].uid;

		if (u == uid)
			return ix->by_uid[mid];
		if (uid < u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return SIZE_MAX;
}

int alloc_set_classify(const char *buf, size_t len, struct alloc_set_item *items, size_t n, int which)
{
	uint32_t *exact, *other;
	struct set_index ix;
	struct subfile_iter it;
	struct subfile_line line;
	bool *conflict;
	int r;

	if (n == 0)
		return 0;
	/* Plain frees on every path (no cleanup attribute here: cppcheck follows these). */
	exact = calloc(n, sizeof(*exact));
	other = calloc(n, sizeof(*other));
	conflict = calloc(n, sizeof(*conflict));
	r = exact && other && conflict ? set_index_init(&ix, items, n, which) : -ENOMEM;
	if (r < 0) {
		free(exact);
		free(other);
		free(conflict);
		return r;
	}
	subfile_iter_init(&it, buf, len);
	while (subfile_next(&it, &line)) {
		size_t i, lo = 0, hi = n;
		uint64_t lend;

		if (line.kind != SUBFILE_ENTRY)
			continue;
		i = set_owner(&ix, line.owner, line.owner_len);
		if (i != SIZE_MAX) {
			struct alloc_set_item *t = &items[i];

			if (line.start == t->want[which].start && line.count == t->want[which].count) {
				exact[i]++;
			} else if (other[i]++ == 0) {
				t->old[which] = (struct idrange){ line.start, line.count };
			}
			continue;
		}
		/* Another owner's line: which wanted ranges does it overlap? The wanted ranges are
		 * disjoint, so walk back from the last one starting before the line's end. */
		lend = (uint64_t)line.start + line.count;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (items[ix.by_start[mid]].want[which].start < lend)
				lo = mid + 1;
			else
				hi = mid;
		}
		while (lo > 0) {
			struct alloc_set_item *t = &items[ix.by_start[lo - 1]];
			size_t k = ix.by_start[lo - 1];

			if ((uint64_t)t->want[which].start + t->want[which].count <= line.start)
				break; /* disjoint and sorted: no earlier one reaches the line */
			if (!conflict[k]) {
				conflict[k] = true;
				(void)snprintf(t->conflict[which], sizeof(t->conflict[which]), "%.*s:%" PRIu32 ":%" PRIu32,
					       (int)(line.owner_len > 64 ? 64 : line.owner_len), line.owner, line.start,
					       line.count);
			}
			lo--;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (conflict[i])
			items[i].state[which] = ALLOC_SET_CONFLICT;
		else if (exact[i] == 1 && other[i] == 0)
			items[i].state[which] = ALLOC_SET_UNCHANGED;
		else if (exact[i] == 0 && other[i] == 0)
			items[i].state[which] = ALLOC_SET_ADDED;
		else {
			items[i].state[which] = ALLOC_SET_CORRECTED;
			if (other[i] == 0) /* only repeats of the right line */
				items[i].old[which] = items[i].want[which];
		}
	}
	free(exact);
	free(other);
	free(conflict);
	set_index_free(&ix);
	return 0;
}

/* Whether the user's lines are rewritten: changed in this file, and in conflict in neither. */
static bool set_rewrites(const struct alloc_set_item *t, int which)
{
	if (t->state[0] == ALLOC_SET_CONFLICT || t->state[1] == ALLOC_SET_CONFLICT)
		return false;
	return t->state[which] == ALLOC_SET_ADDED || t->state[which] == ALLOC_SET_CORRECTED;
}

int alloc_set_build(const char *buf, size_t len, const struct alloc_set_item *items, size_t n, int which,
		    char **ret, size_t *ret_len, bool *ret_changed)
{
	struct set_index ix;
	struct subfile_iter it;
	struct subfile_line line;
	size_t cap, o = 0, rewrites = 0, extra = 0;
	char *out;
	int r;

	*ret = NULL;
	*ret_len = 0;
	*ret_changed = false;
	for (size_t i = 0; i < n; i++)
		if (set_rewrites(&items[i], which)) {
			rewrites++;
			extra += strlen(items[i].user) + SET_LINE_NUMBERS; /* ":START:COUNT\n" */
		}
	if (rewrites == 0)
		return 0;
	r = set_index_init(&ix, items, n, which);
	if (r < 0)
		return r;
	if (len > SIZE_MAX / 2 - extra) {
		set_index_free(&ix);
		return -ENOMEM;
	}
	cap = len + 1 + extra + 1; /* + a '\n' ending the old last line, + the NUL */
	out = malloc(cap);
	if (!out) {
		set_index_free(&ix);
		return -ENOMEM;
	}
	subfile_iter_init(&it, buf, len);
	while (subfile_next(&it, &line)) {
		if (line.kind == SUBFILE_ENTRY) {
			size_t i = set_owner(&ix, line.owner, line.owner_len);

			if (i != SIZE_MAX && set_rewrites(&items[i], which))
				continue; /* dropped: replaced by the line appended below */
		}
		memcpy(out + o, line.text, line.len);
		o += line.len;
		out[o++] = '\n';
	}
	for (size_t i = 0; i < n; i++) {
		if (!set_rewrites(&items[i], which))
			continue;
		o += (size_t)snprintf(out + o, cap - o, "%s:%" PRIu32 ":%" PRIu32 "\n", items[i].user,
				      items[i].want[which].start, items[i].want[which].count);
	}
	out[o] = '\0';
	set_index_free(&ix);
	*ret = out;
	*ret_len = o;
	*ret_changed = true;
	return 0;
}

int alloc_set_transaction(const char *root, unsigned lock_timeout_s, bool create, bool dry_run,
			  struct alloc_set_item *items, size_t n, struct alloc_error *err)
{
	__attribute__((cleanup(etc_paths_free))) struct etc_paths ep = { 0 };
	/* Two variables, not an array: the cleanup attribute frees what the variable points to, and
	 * for an array that is only its first element. */
	_cleanup_free_ char *content_u = NULL, *content_g = NULL;
	char **content[2] = { &content_u, &content_g };
	_cleanup_close_ int pwdfd = -1;
	struct subid_file files[2] = { { .name = "/etc/subuid" }, { .name = "/etc/subgid" } };
	size_t clen[2] = { 0, 0 };
	bool changed[2] = { false, false }, prefix;
	struct alloc_error ignored;
	int r = 0, u;

	if (!err)
		err = &ignored;
	root = root ? root : "";
	prefix = root[0] != '\0';
	for (size_t i = 0; i < n; i++) {
		if (!alloc_name_writable(items[i].user))
			return fail(err, ALLOC_E_NAME, NULL, -EINVAL, "'%.64s' cannot be written as an owner",
				    items[i].user ? items[i].user : "");
		for (int w = 0; w < 2; w++)
			if (!idrange_valid(items[i].want[w].start, items[i].want[w].count))
				return fail(err, ALLOC_E_POLICY, NULL, -EINVAL, "invalid range for %.64s", items[i].user);
	}
	if (etc_paths_init(&ep, root, files) < 0)
		return fail(err, ALLOC_E_IO, NULL, -ENOMEM, NULL);
	if (prefix && (r = prefix_trusted(root, err)) < 0)
		return r;

	if (!dry_run) {
		pwdfd = pwd_lock(ep.pwdlock, lock_timeout_s, err, PATH_PWD_LOCK);
		if (pwdfd < 0)
			return pwdfd;
		r = lock_files(files, ep.dir, prefix, err);
	}
	/* Read and plan both files before writing either. */
	for (int i = 0; i < 2 && r == 0; i++) {
		r = read_subid_file(&files[i], prefix, create || dry_run, err);
		if (r == 0) {
			r = alloc_set_classify(files[i].buf, files[i].len, items, n, i);
			if (r < 0)
				r = fail(err, ALLOC_E_IO, files[i].name, r, NULL);
		}
	}
	for (int i = 0; i < 2 && r == 0; i++) {
		r = alloc_set_build(files[i].buf, files[i].len, items, n, i, content[i], &clen[i], &changed[i]);
		if (r < 0)
			r = fail(err, ALLOC_E_IO, files[i].name, r, NULL);
	}
	if (!dry_run) {
		for (int i = 0; i < 2 && r == 0; i++) {
			if (!changed[i])
				continue;
			r = replace_subid_file(&files[i], *content[i], clen[i], prefix, err);
			if (r < 0 && i == 1 && changed[0])
				(void)sync_dir(ep.dir, files[0].name, NULL);
		}
		if (r == 0 && (changed[0] || changed[1]))
			r = sync_dir(ep.dir, files[changed[0] ? 0 : 1].name, err);
	}
	for (int i = 1; i >= 0; i--) {
		if (files[i].locked) {
			u = alloc_unlock_file(files[i].path);
			if (u < 0 && r == 0)
				r = fail(err, ALLOC_E_LOCK, files[i].name, u, "cannot remove the lock file");
		}
		free(files[i].buf);
	}
	return r;
}
