/* SPDX-License-Identifier: GPL-2.0-or-later
 * subid-check, area "helpers": the newuidmap and newgidmap a runtime will run, and whether they
 * hold the privilege to write another process's id map.
 *
 * Check ids (stable, documented in subid-check(8)), for HELPER = newuidmap and newgidmap:
 *   helpers.HELPER.path            the first executable HELPER in PATH, as execvp() finds it
 *   helpers.HELPER.privilege       setuid root, or the right file capability (cap_setuid for
 *                                  newuidmap, cap_setgid for newgidmap) permitted and effective;
 *                                  a v3 capability whose rootid is not 0 here is void; both setuid
 *                                  and a capability at once warns
 *   helpers.HELPER.owner           the file is root's and not group/world-writable, and so is
 *                                  every directory above it (sticky directories excepted)
 *   helpers.HELPER.nosuid          its filesystem is not mounted nosuid (which voids setuid and
 *                                  file capabilities alike)
 *   helpers.HELPER.implementation  shadow-utils, newidmap or unknown (informational)
 *
 * Live, the caller's PATH is searched. Under --sysroot the system PATH
 * (/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin) is searched inside the tree,
 * since the caller's PATH says nothing about the image; the results name the paths as seen
 * inside the tree. Symbolic links are followed on the host, so an absolute link in the tree
 * resolves outside it. The nosuid check looks at the mount the file sits on here (for a chroot,
 * the mount it runs from). The capability is read raw (getxattr security.capability) and decoded
 * here: the kernel translates a v3 rootid into the reader's user namespace (a rootid that is
 * root here reads as v2), so "rootid != 0" is exactly "void in this namespace". The helper is
 * identified by strings in its file, never run: it is a privileged program. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "check.h"
#include "util.h"

/* The fix for a helper that is not root's alone. */
#define NOT_ROOTS_FIX                                                                                \
	"install the packaged helper (apt-get install --reinstall uidmap, or newidmap's package) in a "   \
	"directory only root can write, and have PATH find it first"

#define SYSROOT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define INSTALL_HINT \
	"apt-get install uidmap (Debian, Ubuntu); dnf install shadow-utils (Fedora, RHEL); or install newidmap (make install)"

/* struct vfs_cap_data / vfs_ns_cap_data (<linux/capability.h>, which clashes with libcap's
 * header): little-endian 32-bit words: magic_etc, then {permitted, inheritable} for caps 0-31
 * and (v2, v3) for caps 32-63, then (v3) the rootid. */
#define VFS_REV_MASK 0xFF000000u
#define VFS_REV_1 0x01000000u
#define VFS_REV_2 0x02000000u
#define VFS_REV_3 0x03000000u
#define VFS_FLAG_EFFECTIVE 0x000001u
#define VFS_SIZE_1 12
#define VFS_SIZE_2 20
#define VFS_SIZE_3 24

/* Reading a helper to identify it: more than any real helper's size. */
#define HELPER_SCAN_MAX (32u << 20)

struct helper {
	const char *name;
	cap_value_t cap;
	const char *cap_name;
	const char *id_path, *id_priv, *id_owner, *id_nosuid, *id_impl;
};

static const struct helper helpers[] = {
	{ "newuidmap", CAP_SETUID, "cap_setuid", "helpers.newuidmap.path", "helpers.newuidmap.privilege",
	  "helpers.newuidmap.owner", "helpers.newuidmap.nosuid", "helpers.newuidmap.implementation" },
	{ "newgidmap", CAP_SETGID, "cap_setgid", "helpers.newgidmap.path", "helpers.newgidmap.privilege",
	  "helpers.newgidmap.owner", "helpers.newgidmap.nosuid", "helpers.newgidmap.implementation" },
};

enum impl { IMPL_UNKNOWN, IMPL_SHADOW, IMPL_NEWIDMAP };

struct fcaps {
	bool present;
	uint32_t rev;      /* VFS_REV_* */
	bool effective;
	uint64_t permitted;
	uint32_t rootid;   /* v3 only; as the kernel translated it for us */
};

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* 0 with *f filled (present false when the file has no capability), or -errno (-EINVAL: an
 * xattr we cannot decode). */
static int read_fcaps(const char *path, struct fcaps *f)
{
	unsigned char buf[64];
	ssize_t n = getxattr(path, "security.capability", buf, sizeof(buf));
	uint32_t magic;

	*f = (struct fcaps){ 0 };
	if (n < 0)
		return errno == ENODATA || errno == ENOTSUP ? 0 : -errno;
	if (n < 4)
		return -EINVAL;
	magic = le32(buf);
	f->rev = magic & VFS_REV_MASK;
	f->effective = magic & VFS_FLAG_EFFECTIVE;
	switch (f->rev) {
	case VFS_REV_1:
		if (n != VFS_SIZE_1)
			return -EINVAL;
		f->permitted = le32(buf + 4);
		break;
	case VFS_REV_2:
	case VFS_REV_3:
		if (n != (f->rev == VFS_REV_2 ? VFS_SIZE_2 : VFS_SIZE_3))
			return -EINVAL;
		f->permitted = le32(buf + 4) | (uint64_t)le32(buf + 12) << 32;
		if (f->rev == VFS_REV_3)
			f->rootid = le32(buf + 20);
		break;
	default:
		return -EINVAL;
	}
	f->present = true;
	return 0;
}

/* "cap_setuid,cap_sys_admin=ep [rootid=1000]" */
static void fcaps_text(const struct fcaps *f, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int bit = 0; bit < 64; bit++) {
		char *name;

		if (!(f->permitted & (1ULL << bit)))
			continue;
		name = cap_to_name((cap_value_t)bit);
		len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "%s%s", len ? "," : "",
					name ? name : "?");
		cap_free(name);
	}
	if (len == 0)
		len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "(none)");
	len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "=%s", f->effective ? "ep" : "p");
	if (f->rev == VFS_REV_3 && f->rootid != 0)
		(void)snprintf(buf + len, len < size ? size - len : 0, " [rootid=%u]", f->rootid);
}

/* The first executable NAME in PATH, as execvp() would pick it: *shown is the path as the runtime
 * sees it (inside the tree), *real the path to open here. */
static bool find_helper(const struct check_ctx *c, const char *name, char *shown, size_t shown_size, char *real,
			size_t real_size)
{
	const char *p = c->live ? c->path_env : SYSROOT_PATH;

	for (;;) {
		const char *end = strchrnul(p, ':');
		size_t dlen = (size_t)(end - p);
		struct stat st;

		/* An empty entry is the current directory for execvp(); a relative one is relative to
		 * it. Under a sysroot only absolute entries mean anything. */
		if (dlen < PATH_MAX && (c->live || (dlen > 0 && *p == '/'))) {
			snprintf(shown, shown_size, "%.*s/%s", dlen ? (int)dlen : 1, dlen ? p : ".", name);
			check_path(c, shown, real, real_size);
			if (stat(real, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) &&
			    (!c->live || access(real, X_OK) == 0))
				return true;
		}
		if (!*end)
			return false;
		p = end + 1;
	}
}

/* Strings that survive stripping: shadow's usage line and environment switch; ours' usage line. */
static enum impl detect_impl(const char *path, int *ret_err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	static const char *const ours[] = { "<inner> <outer> <count>", "newidmap" };
	static const char *const shadow[] = { "FORCE_SHADOW", "<loweruid>", "<lowergid>", "pw_uid:" };
	enum impl r = IMPL_UNKNOWN;
	struct stat st;
	void *m;

	*ret_err = 0;
	if (fd < 0 || fstat(fd, &st) < 0) {
		*ret_err = errno;
		return IMPL_UNKNOWN;
	}
	if (st.st_size <= 0 || (uint64_t)st.st_size > HELPER_SCAN_MAX)
		return IMPL_UNKNOWN;
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED) {
		*ret_err = errno;
		return IMPL_UNKNOWN;
	}
	for (size_t i = 0; r == IMPL_UNKNOWN && i < ELEMENTSOF(ours); i++)
		if (memmem(m, (size_t)st.st_size, ours[i], strlen(ours[i])))
			r = IMPL_NEWIDMAP;
	for (size_t i = 0; r == IMPL_UNKNOWN && i < ELEMENTSOF(shadow); i++)
		if (memmem(m, (size_t)st.st_size, shadow[i], strlen(shadow[i])))
			r = IMPL_SHADOW;
	(void)munmap(m, (size_t)st.st_size);
	return r;
}

/* uid is the kernel's overflow uid and we run in a user namespace that is not the initial one's
 * identity: the file's real owner is an id this namespace does not map. */
static bool owner_unmapped(uid_t uid)
{
	char buf[128];
	unsigned long v[3];
	FILE *f;
	char *p, *end;
	bool ok;

	v[0] = 65534;
	if ((f = fopen("/proc/sys/kernel/overflowuid", "re"))) {
		if (fgets(buf, sizeof(buf), f)) {
			errno = 0;
			v[0] = strtoul(buf, &end, 10);
			if (errno || end == buf)
				v[0] = 65534;
		}
		(void)fclose(f);
	}
	if (uid != (uid_t)v[0])
		return false;
	buf[0] = '\0';
	if ((f = fopen("/proc/self/uid_map", "re"))) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		(void)fclose(f);
	}
	/* The initial namespace's map is "0 0 4294967295": anything else is a child namespace. */
	p = buf;
	ok = true;
	for (int i = 0; i < 3 && ok; i++) {
		errno = 0;
		v[i] = strtoul(p, &end, 10);
		ok = errno == 0 && end != p;
		p = end;
	}
	return !(ok && v[0] == 0 && v[1] == 0 && v[2] == 4294967295UL);
}

static void check_privilege(struct check_ctx *c, const struct helper *h, const char *shown, const char *real,
			    const struct stat *st, enum impl impl)
{
	static const char expected_fmt[] = "setuid root, or the file capability %s=ep (not both)";
	char expected[128], caps[512] = "", fix[3 * PATH_MAX + 64], q[4 * PATH_MAX + 3];
	bool setuid_root = (st->st_mode & S_ISUID) && st->st_uid == 0;
	bool right, void_v3, extra;
	uint64_t allowed;
	struct fcaps f;
	int r = read_fcaps(real, &f);

	snprintf(expected, sizeof(expected), expected_fmt, h->cap_name);
	if (r < 0) {
		check_emit(c, h->id_priv, VERDICT_SKIP, expected, NULL, "cannot read the capability of %s: %s", shown,
			   r == -EINVAL ? "security.capability is malformed" : strerror(-r));
		return;
	}
	/* A program that is not root's alone gets no privilege from a fix of ours: setcap on a file
	 * its owner wrote would hand that owner the capability. (In a user namespace that does not map
	 * the host's root, a root-owned file shows the overflow uid: that owner is not judged here.) */
	if ((st->st_uid != 0 && !owner_unmapped(st->st_uid)) || (st->st_mode & (S_IWGRP | S_IWOTH))) {
		check_emit(c, h->id_priv, VERDICT_FAIL, expected, NOT_ROOTS_FIX,
			   "%s is owned by uid %u, mode %04o: no privilege may be given to a program that anyone but "
			   "root can change (helpers.%s.owner)", shown, (unsigned)st->st_uid,
			   (unsigned)(st->st_mode & 07777), h->name);
		return;
	}
	shown = check_word(shown, q, sizeof(q));
	if (f.present)
		fcaps_text(&f, caps, sizeof(caps));
	void_v3 = f.present && f.rev == VFS_REV_3 && f.rootid != 0;
	right = f.present && !void_v3 && (f.permitted & (1ULL << h->cap));
	/* newidmap raises its capability itself, so it needs no effective flag; shadow-utils and
	 * unknown programs rely on the kernel making it effective at execve(). */
	if (right && !f.effective && impl != IMPL_NEWIDMAP)
		right = false;
	/* newidmap refuses any capability but its own (and CAP_AUDIT_WRITE for audit records). */
	allowed = (1ULL << h->cap) | (impl == IMPL_NEWIDMAP ? 1ULL << CAP_AUDIT_WRITE : 0);
	extra = f.present && !void_v3 && (f.permitted & ~allowed);

	if (impl == IMPL_NEWIDMAP && (st->st_mode & (S_ISUID | S_ISGID))) {
		snprintf(fix, sizeof(fix), "chmod u-s,g-s %s && setcap %s=ep %s", shown, h->cap_name, shown);
		check_emit(c, h->id_priv, VERDICT_FAIL, expected, fix,
			   "%s is newidmap installed set%cid (mode %04o%s%s): newidmap refuses to run setuid or setgid",
			   shown, (st->st_mode & S_ISUID) ? 'u' : 'g', (unsigned)(st->st_mode & 07777),
			   *caps ? ", capability " : "", caps);
		return;
	}
	if (right && setuid_root) {
		snprintf(fix, sizeof(fix), "chmod u-s %s (the capability alone is enough)", shown);
		check_emit(c, h->id_priv, VERDICT_WARN, expected, fix,
			   "%s is setuid root (mode %04o) and has the file capability %s at once: setuid makes it "
			   "run as full root, so the capability limits nothing",
			   shown, (unsigned)(st->st_mode & 07777), caps);
		return;
	}
	if (right && extra) {
		snprintf(fix, sizeof(fix), "setcap %s=ep %s", h->cap_name, shown);
		check_emit(c, h->id_priv, impl == IMPL_NEWIDMAP ? VERDICT_FAIL : VERDICT_WARN, expected, fix,
			   "%s has the file capability %s: more than %s%s", shown, caps, h->cap_name,
			   impl == IMPL_NEWIDMAP ? "; newidmap refuses to run with any other capability" : "");
		return;
	}
	if (right) {
		check_emit(c, h->id_priv, VERDICT_PASS, expected, NULL, "%s has the file capability %s", shown, caps);
		return;
	}
	if (setuid_root) {
		if (f.present) {
			snprintf(fix, sizeof(fix), "setcap -r %s", shown);
			check_emit(c, h->id_priv, VERDICT_WARN, expected, fix,
				   "%s is setuid root (mode %04o); its file capability %s is %s", shown,
				   (unsigned)(st->st_mode & 07777), caps,
				   void_v3 ? "a namespaced (v3) one, void here" : "not the right one, and confusing");
			return;
		}
		check_emit(c, h->id_priv, VERDICT_PASS, expected, NULL, "%s is setuid root (mode %04o), no file capability",
			   shown, (unsigned)(st->st_mode & 07777));
		return;
	}
	snprintf(fix, sizeof(fix), "setcap %s=ep %s%s", h->cap_name, shown,
		 void_v3 ? " (as root on the host, outside any user namespace)" : "");
	if (void_v3)
		check_emit(c, h->id_priv, VERDICT_FAIL, expected, fix,
			   "%s has the file capability %s: a namespaced (v3) capability with rootid %u applies only in a "
			   "user namespace whose root is that uid, so it is void here",
			   shown, caps, f.rootid);
	else if (f.present && (f.permitted & (1ULL << h->cap)))
		check_emit(c, h->id_priv, VERDICT_FAIL, expected, fix,
			   "%s has the file capability %s without the effective flag: a program that does not raise "
			   "its capabilities itself (shadow-utils) runs without it",
			   shown, caps);
	else if (f.present)
		check_emit(c, h->id_priv, VERDICT_FAIL, expected, fix,
			   "%s has the file capability %s, which lacks %s: it cannot write %s (\"write to %s failed: "
			   "Operation not permitted\")",
			   shown, caps, h->cap_name, h->cap == CAP_SETUID ? "uid_map" : "gid_map",
			   h->cap == CAP_SETUID ? "uid_map" : "gid_map");
	else
		check_emit(c, h->id_priv, VERDICT_FAIL, expected, fix,
			   "%s is neither setuid root (mode %04o, owner uid %u) nor has a file capability: it cannot "
			   "write another process's %s (\"write to %s failed: Operation not permitted\")",
			   shown, (unsigned)(st->st_mode & 07777), (unsigned)st->st_uid,
			   h->cap == CAP_SETUID ? "uid_map" : "gid_map", h->cap == CAP_SETUID ? "uid_map" : "gid_map");
}

/* The path inside the tree of a host path below the sysroot. */
static const char *inside(const struct check_ctx *c, const char *real)
{
	size_t n = strlen(c->sysroot);

	if (n && strncmp(real, c->sysroot, n) == 0 && real[n] == '/')
		return real + n;
	return real;
}

static void check_owner(struct check_ctx *c, const struct helper *h, const char *shown, const char *real,
			const struct stat *st)
{
	static const char expected[] =
		"owned by root, not writable by group or others, in directories only root can write";
	char fix[9 * PATH_MAX + 256], resolved[PATH_MAX], *slash, q[4 * PATH_MAX + 3];

	if (st->st_uid != 0 || (st->st_mode & (S_IWGRP | S_IWOTH))) {
		/* Its owner or group may have changed the program: never chown it to root and give it
		 * back its privilege; the packaged program goes in its place. */
		snprintf(fix, sizeof(fix), "rm -f %s; %s", check_word(shown, q, sizeof(q)), NOT_ROOTS_FIX);
		check_emit(c, h->id_owner, VERDICT_FAIL, expected, fix,
			   "%s is owned by uid %u, mode %04o: %s can replace the privileged program", shown,
			   (unsigned)st->st_uid, (unsigned)(st->st_mode & 07777),
			   st->st_uid != 0 ? "its owner" : "its group or anyone");
		return;
	}
	if (!realpath(real, resolved)) {
		check_emit(c, h->id_owner, VERDICT_SKIP, expected, NULL, "%s is root's, mode %04o; cannot resolve its path: %s",
			   shown, (unsigned)(st->st_mode & 07777), strerror(errno));
		return;
	}
	/* Whoever can write a directory above it can rename another program into its place. */
	while ((slash = strrchr(resolved, '/'))) {
		struct stat dst;

		if (slash == resolved)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (stat(resolved, &dst) == 0 &&
		    (dst.st_uid != 0 || ((dst.st_mode & (S_IWGRP | S_IWOTH)) && !(dst.st_mode & S_ISVTX)))) {
			const char *dir = check_word(inside(c, resolved), q, sizeof(q));

			snprintf(fix, sizeof(fix), "chown root:root %s && chmod go-w %s", dir, dir);
			check_emit(c, h->id_owner, VERDICT_FAIL, expected, fix,
				   "%s is root's, but the directory %s above it is owned by uid %u, mode %04o: "
				   "whoever can write it can put another program in its place",
				   shown, dir, (unsigned)dst.st_uid, (unsigned)(dst.st_mode & 07777));
			return;
		}
		if (slash == resolved || strcmp(resolved, c->sysroot) == 0)
			break;
	}
	check_emit(c, h->id_owner, VERDICT_PASS, expected, NULL,
		   "%s is owned by root, mode %04o, in root-owned directories", shown, (unsigned)(st->st_mode & 07777));
}

/* Undo the octal escapes (\040 for a space) of a mountinfo field, in place. */
static void mountinfo_unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') << 6 | (r[2] - '0') << 3 | (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

/* The mount point path sits on: the longest mount point above it in /proc/self/mountinfo, the
 * last one listed when several are stacked. */
static bool mount_point_of(const char *path, char *ret, size_t size)
{
	static const struct check_ctx live = { .sysroot = "" };
	_cleanup_free_ char *buf = NULL;
	size_t len, best = 0;
	char *save = NULL;
	bool found = false;

	if (check_read_file(&live, "/proc/self/mountinfo", &buf, &len) < 0)
		return false;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f = line, *mp;
		size_t n;

		for (int i = 0; i < 4 && f; i++) {
			f = strchr(f, ' ');
			if (f)
				f++;
		}
		if (!f)
			continue;
		mp = f;
		f = strchr(mp, ' ');
		if (f)
			*f = '\0';
		mountinfo_unescape(mp);
		n = strlen(mp);
		if (strcmp(mp, "/") == 0)
			n = 0;
		else if (strncmp(path, mp, n) != 0 || (path[n] != '/' && path[n] != '\0'))
			continue;
		if (n >= best) {
			best = n;
			snprintf(ret, size, "%s", mp);
			found = true;
		}
	}
	return found;
}

static void check_nosuid(struct check_ctx *c, const struct helper *h, const char *shown, const char *real)
{
	static const char expected[] = "on a filesystem mounted without nosuid";
	char resolved[PATH_MAX], mp[PATH_MAX] = "", fix[PATH_MAX + 256];
	struct statvfs sv;

	if (statvfs(real, &sv) < 0) {
		check_emit(c, h->id_nosuid, VERDICT_SKIP, expected, NULL, "cannot statvfs %s: %s", shown, strerror(errno));
		return;
	}
	if (!(sv.f_flag & ST_NOSUID)) {
		check_emit(c, h->id_nosuid, VERDICT_PASS, expected, NULL, "%s is on a filesystem mounted without nosuid%s",
			   shown, c->live ? "" : " (as mounted here)");
		return;
	}
	if (!realpath(real, resolved) || !mount_point_of(resolved, mp, sizeof(mp)))
		snprintf(mp, sizeof(mp), "MOUNTPOINT");
	snprintf(fix, sizeof(fix),
		 "mount -o remount,suid %s (and drop nosuid from its /etc/fstab entry), or install %s on a "
		 "filesystem mounted without nosuid",
		 mp, h->name);
	check_emit(c, h->id_nosuid, VERDICT_FAIL, expected, fix,
		   "%s is on %s, mounted nosuid%s: execve() ignores its setuid bit and file capability there", shown,
		   mp, c->live ? "" : " here");
}

static void check_impl(struct check_ctx *c, const struct helper *h, const char *shown, const char *real,
		       const struct stat *st, enum impl impl, int err)
{
	static const char expected[] = "which implementation (informational)";
	struct fcaps f;
	const char *model;

	if (err) {
		check_emit(c, h->id_impl, VERDICT_SKIP, expected, NULL, "cannot read %s to identify it: %s", shown,
			   strerror(err));
		return;
	}
	if ((st->st_mode & S_ISUID) && st->st_uid == 0)
		model = "setuid";
	else if (read_fcaps(real, &f) == 0 && f.present)
		model = "file capability";
	else
		model = "unprivileged";
	switch (impl) {
	case IMPL_NEWIDMAP:
		check_emit(c, h->id_impl, VERDICT_PASS, expected, NULL,
			   "%s is newidmap (%s); it records no version in the binary", shown, model);
		break;
	case IMPL_SHADOW:
		check_emit(c, h->id_impl, VERDICT_PASS, expected, NULL,
			   "%s is shadow-utils (%s); it records no version in the binary (ask the package manager)",
			   shown, model);
		break;
	default:
		check_emit(c, h->id_impl, VERDICT_PASS, expected, NULL,
			   "%s is unknown (%s): neither shadow-utils' nor newidmap's strings are in it", shown, model);
	}
}

static void check_helper(struct check_ctx *c, const struct helper *h)
{
	char shown[PATH_MAX + 64], real[2 * PATH_MAX + 64], reason[PATH_MAX + 128];
	struct stat st;
	enum impl impl;
	int err;

	if (!find_helper(c, h->name, shown, sizeof(shown), real, sizeof(real))) {
		check_emit(c, h->id_path, VERDICT_FAIL, "an executable newuidmap and newgidmap in PATH", INSTALL_HINT,
			   "%s is not in %s%s%s (\"exec: \\\"%s\\\": executable file not found in $PATH\")", h->name,
			   c->live ? "PATH=" : "the system PATH inside ", c->live ? c->path_env : c->sysroot,
			   c->live ? "" : " (" SYSROOT_PATH ")", h->name);
		snprintf(reason, sizeof(reason), "%s is not in PATH", h->name);
		check_emit(c, h->id_priv, VERDICT_SKIP, NULL, NULL, "%s", reason);
		check_emit(c, h->id_owner, VERDICT_SKIP, NULL, NULL, "%s", reason);
		check_emit(c, h->id_nosuid, VERDICT_SKIP, NULL, NULL, "%s", reason);
		check_emit(c, h->id_impl, VERDICT_SKIP, NULL, NULL, "%s", reason);
		return;
	}
	check_emit(c, h->id_path, VERDICT_PASS, "an executable newuidmap and newgidmap in PATH", NULL,
		   "%s finds %s%s%s", c->live ? "PATH" : "the system PATH", shown, c->live ? "" : " in ",
		   c->live ? "" : c->sysroot);
	if (stat(real, &st) < 0) {
		snprintf(reason, sizeof(reason), "cannot stat %s: %s", shown, strerror(errno));
		check_emit(c, h->id_priv, VERDICT_SKIP, NULL, NULL, "%s", reason);
		check_emit(c, h->id_owner, VERDICT_SKIP, NULL, NULL, "%s", reason);
		check_emit(c, h->id_nosuid, VERDICT_SKIP, NULL, NULL, "%s", reason);
		check_emit(c, h->id_impl, VERDICT_SKIP, NULL, NULL, "%s", reason);
		return;
	}
	impl = detect_impl(real, &err);
	check_privilege(c, h, shown, real, &st, impl);
	check_owner(c, h, shown, real, &st);
	check_nosuid(c, h, shown, real);
	check_impl(c, h, shown, real, &st, impl, err);
}

void check_area_helpers(struct check_ctx *c)
{
	for (size_t i = 0; i < ELEMENTSOF(helpers); i++)
		check_helper(c, &helpers[i]);
}
