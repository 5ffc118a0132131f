/* SPDX-License-Identifier: GPL-2.0-or-later
 * subid-check, area "kernel": can this kernel, and this caller, create a user namespace and let
 * the helpers map ids into it?
 *
 * Check ids (stable, documented in subid-check(8)):
 *   kernel.userns                     user namespaces built in (/proc/self/ns/user; live only)
 *   kernel.max_user_namespaces        user.max_user_namespaces > 0, warn < 1024 or when the user's
 *                                     live namespaces (counted from /proc) reach 90 % of it
 *   kernel.unprivileged_userns_clone  Debian's/old kernels' switch is 1 where it exists
 *   kernel.apparmor_userns            Ubuntu's apparmor_restrict_unprivileged_userns (and the
 *                                     _unconfined sibling), with the per-binary profile hint
 *   kernel.cmdline_rhel7              RHEL 7 kernels (3.10.*) need namespace.unpriv_enable=1
 *                                     user_namespace.enable=1 on the command line
 *   kernel.no_new_privs               the caller has no_new_privs: setuid and file caps are void
 *   kernel.bounding_set               the caller's bounding set lacks CAP_SETUID / CAP_SETGID
 *
 * The sysctl values and /proc/cmdline are read under --sysroot (check_read_file()); what
 * describes the running kernel or the calling process itself (/proc/self/...) is checked live
 * only and skipped, with the reason, under a sysroot. Nothing here needs a privilege. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "util.h"

#define SYSCTL_CONF "/etc/sysctl.d/99-rootless.conf"
/* Docker's and RootlessKit's documented value: enough for every user of a busy host. */
#define MAX_USERNS_SUGGESTED 28633LL
/* RootlessKit warns below this many ("may be low"); so do we. */
#define MAX_USERNS_LOW 1024LL
/* A user namespace can nest at most 32 deep: bounds the walk up the parents. */
#define USERNS_MAX_DEPTH 33

/* Capability numbers from <linux/capability.h>, which cannot be mixed with libcap's header. */
#define KCAP_SETGID 6
#define KCAP_SETUID 7

/* The system PATH searched under a sysroot for the runtimes named in the AppArmor hint. */
#define SYSROOT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static void check_userns(struct check_ctx *c)
{
	static const char id[] = "kernel.userns";
	static const char expected[] = "user namespaces built into the kernel (/proc/self/ns/user exists)";
	struct stat st;

	if (!c->live) {
		check_emit(c, id, VERDICT_SKIP, expected, NULL,
			   "under a sysroot: user namespace support belongs to the running kernel, checked live only");
		return;
	}
	if (stat("/proc/self/ns/user", &st) == 0) {
		check_emit(c, id, VERDICT_PASS, expected, NULL, "/proc/self/ns/user exists");
		return;
	}
	if (errno != ENOENT) {
		check_emit(c, id, VERDICT_SKIP, expected, NULL, "cannot stat /proc/self/ns/user: %s", strerror(errno));
		return;
	}
	if (access("/proc/self/status", F_OK) < 0) {
		check_emit(c, id, VERDICT_SKIP, expected, "mount -t proc proc /proc",
			   "/proc is not mounted: cannot tell whether the kernel has user namespaces");
		return;
	}
	check_emit(c, id, VERDICT_FAIL, expected,
		   "boot a kernel built with CONFIG_USER_NS=y (check: grep CONFIG_USER_NS /boot/config-$(uname -r))",
		   "/proc/self/ns/user does not exist: this kernel has no user namespaces (CONFIG_USER_NS is off)");
}

struct seen_ns {
	ino_t ino;
	bool charged; /* charged to the uid being counted */
};

static const struct seen_ns *seen_find(const struct seen_ns *seen, size_t n, ino_t ino)
{
	for (size_t i = 0; i < n; i++)
		if (seen[i].ino == ino)
			return &seen[i];
	return NULL;
}

/* The live user namespaces charged to uid in our namespace. The kernel charges a new namespace to
 * its creator's uid in the creator's namespace and, going up, to each ancestor namespace's owner
 * in that ancestor's parent (kernel/ucount.c inc_ucount()): so every namespace below a child of
 * ours that uid owns counts against our user.max_user_namespaces for uid. We find namespaces
 * through /proc/PID/ns/user and their parents (NS_GET_PARENT), so namespaces kept alive only by a
 * descriptor or a bind mount, and processes we may not inspect, are missed: a lower bound.
 * Returns the count, or -errno when /proc cannot be listed. */
static long long count_userns(uid_t uid)
{
	_cleanup_free_ struct seen_ns *seen = NULL;
	size_t n_seen = 0, cap_seen = 0;
	struct stat self;
	long long count = 0;
	struct dirent *de;
	DIR *d;

	if (stat("/proc/self/ns/user", &self) < 0)
		return -errno;
	d = opendir("/proc");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		int chain[USERNS_MAX_DEPTH];
		ino_t ino[USERNS_MAX_DEPTH];
		const struct seen_ns *known = NULL;
		int n, top = -1; /* chain[top]: the child of our namespace, or -1 */
		bool charged = false;
		char path[64];

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.20s/ns/user", de->d_name);
		chain[0] = open(path, O_RDONLY | O_CLOEXEC);
		if (chain[0] < 0)
			continue; /* gone, or not ours to inspect */
		/* Walk up until the parent is our namespace, or a namespace already judged. */
		for (n = 1;; n++) {
			struct stat st;
			int p;

			if (fstat(chain[n - 1], &st) < 0 || st.st_ino == self.st_ino)
				break; /* our own namespace: charged to nobody here */
			ino[n - 1] = st.st_ino;
			known = seen_find(seen, n_seen, st.st_ino);
			if (known || n == USERNS_MAX_DEPTH)
				break;
			p = ioctl(chain[n - 1], NS_GET_PARENT);
			if (p < 0)
				break; /* EPERM: an ancestor of ours, or outside our scope */
			chain[n] = p;
			if (fstat(p, &st) == 0 && st.st_ino == self.st_ino) {
				top = n - 1;
				n++;
				break;
			}
		}
		if (known) {
			charged = known->charged;
			top = n - 2; /* the namespaces below the judged one */
		} else if (top >= 0) {
			uid_t owner;

			charged = ioctl(chain[top], NS_GET_OWNER_UID, &owner) == 0 && owner == uid;
		}
		for (int i = 0; i <= top; i++) {
			if (n_seen == cap_seen) {
				size_t ncap = cap_seen ? cap_seen * 2 : 64;
				struct seen_ns *ns = reallocarray(seen, ncap, sizeof(*ns));

				if (!ns)
					break;
				seen = ns;
				cap_seen = ncap;
			}
			seen[n_seen++] = (struct seen_ns){ .ino = ino[i], .charged = charged };
			count += charged;
		}
		for (int i = 0; i < n && i < USERNS_MAX_DEPTH; i++)
			(void)close(chain[i]);
	}
	(void)closedir(d);
	return count;
}

static void check_max_user_namespaces(struct check_ctx *c)
{
	static const char id[] = "kernel.max_user_namespaces";
	static const char expected[] = "user.max_user_namespaces of at least 1024, not nearly used up";
	char fix[512];
	long long v, used = -1;
	int r = check_read_sysctl(c, "/proc/sys/user/max_user_namespaces", &v);

	if (r == -ENOENT) {
		check_emit(c, id, VERDICT_SKIP, expected, NULL,
			   "/proc/sys/user/max_user_namespaces is not present%s (kernels before 4.9 have no such limit)",
			   c->live ? "" : " in the sysroot");
		return;
	}
	if (r < 0) {
		check_emit(c, id, VERDICT_SKIP, expected, NULL, "cannot read /proc/sys/user/max_user_namespaces: %s",
			   strerror(-r));
		return;
	}
	snprintf(fix, sizeof(fix), "sysctl -w user.max_user_namespaces=%lld && echo 'user.max_user_namespaces = %lld' >> %s",
		 MAX_USERNS_SUGGESTED, MAX_USERNS_SUGGESTED, SYSCTL_CONF);
	if (v <= 0) {
		check_emit(c, id, VERDICT_FAIL, expected, fix,
			   "%lld: no user namespace can be created (unshare fails with ENOSPC, \"fork/exec /proc/self/exe: no space left on device\")",
			   v);
		return;
	}
	if (c->live && c->user_known)
		used = count_userns(c->uid);
	/* Nearly used up: 90 % or more of the limit already taken by this user's namespaces. */
	if (used > 0 && used * 10 >= v * 9) {
		long long want = v * 2 > MAX_USERNS_SUGGESTED ? v * 2 : MAX_USERNS_SUGGESTED;

		snprintf(fix, sizeof(fix),
			 "end stale namespaces (podman system migrate stops a stale pause process), or raise the limit: "
			 "sysctl -w user.max_user_namespaces=%lld && echo 'user.max_user_namespaces = %lld' >> %s",
			 want, want, SYSCTL_CONF);
		check_emit(c, id, VERDICT_WARN, expected, fix,
			   "%lld%s; nearly used up: %lld in use by %s (counted from /proc, a lower bound)", v,
			   v < MAX_USERNS_LOW ? " (low: below 1024)" : "", used, c->user);
		return;
	}
	if (v < MAX_USERNS_LOW) {
		if (used >= 0)
			check_emit(c, id, VERDICT_WARN, expected, fix,
				   "%lld: low (below 1024): a few containers or nested runtimes use it up; %lld in use by %s",
				   v, used, c->user);
		else
			check_emit(c, id, VERDICT_WARN, expected, fix,
				   "%lld: low (below 1024): a few containers or nested runtimes use it up", v);
		return;
	}
	if (used >= 0)
		check_emit(c, id, VERDICT_PASS, expected, NULL, "%lld (%lld in use by %s, counted from /proc)", v, used,
			   c->user);
	else
		check_emit(c, id, VERDICT_PASS, expected, NULL, "%lld", v);
}

static void check_unprivileged_userns_clone(struct check_ctx *c)
{
	static const char id[] = "kernel.unprivileged_userns_clone";
	static const char expected[] = "kernel.unprivileged_userns_clone = 1 where the kernel has it";
	long long v;
	int r = check_read_sysctl(c, "/proc/sys/kernel/unprivileged_userns_clone", &v);

	if (r == -ENOENT) {
		check_emit(c, id, VERDICT_PASS, expected, NULL, "not present on this kernel (no such switch)");
		return;
	}
	if (r < 0) {
		check_emit(c, id, VERDICT_SKIP, expected, NULL, "cannot read /proc/sys/kernel/unprivileged_userns_clone: %s",
			   strerror(-r));
		return;
	}
	if (v == 1) {
		check_emit(c, id, VERDICT_PASS, expected, NULL, "1");
		return;
	}
	check_emit(c, id, VERDICT_FAIL, expected,
		   "sysctl -w kernel.unprivileged_userns_clone=1 && echo 'kernel.unprivileged_userns_clone = 1' >> " SYSCTL_CONF,
		   "%lld: only root may create user namespaces (unshare fails with EPERM, \"fork/exec /proc/self/exe: operation not permitted\")",
		   v);
}

/* The runtimes that create user namespaces themselves, which Ubuntu's restriction confines. The
 * helpers (newuidmap, newgidmap) need no profile: they create none. */
static const char *const userns_runtimes[] = {
	"rootlesskit", "podman", "buildah", "bwrap", "unshare", "crun", "runc", "nerdctl", "lxc-usernsexec",
};

/* The first executable NAME in the PATH entries (under the sysroot: the system PATH inside it). */
static bool find_runtime(const struct check_ctx *c, const char *name, char *ret, size_t size)
{
	const char *p = c->live ? c->path_env : SYSROOT_PATH;

	while (p && *p) {
		const char *end = strchrnul(p, ':');
		char shown[4096], real[4096];
		struct stat st;

		if (end > p && *p == '/' && (size_t)(end - p) < 2048) {
			snprintf(shown, sizeof(shown), "%.*s/%s", (int)(end - p), p, name);
			if (stat(check_path(c, shown, real, sizeof(real)), &st) == 0 && S_ISREG(st.st_mode) &&
			    (st.st_mode & 0111)) {
				snprintf(ret, size, "%s", shown);
				return true;
			}
		}
		p = *end ? end + 1 : end;
	}
	return false;
}

/* Is there a profile in /etc/apparmor.d naming path and granting userns? A text search: the
 * profile files name the binary's path in the profile header and hold a "userns," rule. */
static bool has_userns_profile(const struct check_ctx *c, const char *path, char *ret, size_t size)
{
	char dir[4096];
	struct dirent *de;
	bool found = false;
	int files = 0;
	DIR *d = opendir(check_path(c, "/etc/apparmor.d", dir, sizeof(dir)));

	if (!d)
		return false;
	while (!found && files < 1000 && (de = readdir(d))) {
		_cleanup_free_ char *buf = NULL;
		char rel[512];
		size_t len;
		const char *hit;

		if (de->d_name[0] == '.' || (de->d_type != DT_REG && de->d_type != DT_UNKNOWN))
			continue;
		files++;
		snprintf(rel, sizeof(rel), "/etc/apparmor.d/%s", de->d_name);
		if (check_read_file(c, rel, &buf, &len) < 0 || !strstr(buf, "userns"))
			continue;
		for (hit = strstr(buf, path); hit; hit = strstr(hit + 1, path)) {
			char after = hit[strlen(path)];

			if (after == ' ' || after == '\t' || after == '\n' || after == '{' || after == ',') {
				snprintf(ret, size, "%s", rel);
				found = true;
				break;
			}
		}
	}
	(void)closedir(d);
	return found;
}

/* Append to a NUL-terminated buffer, truncating. */
static void append(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void append(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len + 1 >= size)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}

static void check_apparmor_userns(struct check_ctx *c)
{
	static const char id[] = "kernel.apparmor_userns";
	static const char expected[] =
		"kernel.apparmor_restrict_unprivileged_userns = 0, or a profile granting userns for each runtime";
	char with[2048] = "", without[2048] = "", example[512] = "", fix[2048];
	long long v, unconfined = -1;
	int r = check_read_sysctl(c, "/proc/sys/kernel/apparmor_restrict_unprivileged_userns", &v);

	if (check_read_sysctl(c, "/proc/sys/kernel/apparmor_restrict_unprivileged_unconfined", &unconfined) < 0)
		unconfined = -1;
	if (r == -ENOENT) {
		check_emit(c, id, VERDICT_PASS, expected, NULL,
			   "not present on this kernel (no AppArmor user namespace restriction)");
		return;
	}
	if (r < 0) {
		check_emit(c, id, VERDICT_SKIP, expected, NULL,
			   "cannot read /proc/sys/kernel/apparmor_restrict_unprivileged_userns: %s", strerror(-r));
		return;
	}
	if (v == 0) {
		check_emit(c, id, VERDICT_PASS, expected, NULL, "0 (not restricted)%s",
			   unconfined == 1 ? "; apparmor_restrict_unprivileged_unconfined = 1 has no effect without it" : "");
		return;
	}
	for (size_t i = 0; i < ELEMENTSOF(userns_runtimes); i++) {
		char path[4096], profile[600];

		if (!find_runtime(c, userns_runtimes[i], path, sizeof(path)))
			continue;
		if (has_userns_profile(c, path, profile, sizeof(profile))) {
			append(with, sizeof(with), "%s%s (%s)", *with ? ", " : "", path, profile);
		} else {
			append(without, sizeof(without), "%s%s", *without ? ", " : "", path);
			if (!*example)
				snprintf(example, sizeof(example), "%s", path);
		}
	}
	/* The example lands inside a quoted printf and a path in a root shell: only plain paths. */
	if (*example && strspn(example, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/._+-") !=
			    strlen(example))
		example[0] = '\0';
	{
		const char *base = *example ? strrchr(example, '/') + 1 : "RUNTIME";

		snprintf(fix, sizeof(fix),
			 "give each runtime that creates user namespaces (%s) a profile: "
			 "printf 'abi <abi/4.0>,\\ninclude <tunables/global>\\nprofile %s %s flags=(unconfined) {\\n  userns,\\n}\\n' "
			 "> /etc/apparmor.d/%s && apparmor_parser -r /etc/apparmor.d/%s%s; "
			 "or lift the restriction: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 && "
			 "echo 'kernel.apparmor_restrict_unprivileged_userns = 0' >> " SYSCTL_CONF,
			 *without ? without : "none found in PATH", base, *example ? example : "/path/to/RUNTIME", base, base,
			 unconfined == 1 ? " (aa-exec into a permissive profile does not work: "
					   "apparmor_restrict_unprivileged_unconfined = 1)" : "");
	}
	check_emit(c, id, VERDICT_WARN, expected, fix,
		   "kernel.apparmor_restrict_unprivileged_userns = %lld%s: a program without an AppArmor profile "
		   "granting userns gets no capabilities in the namespace it creates, so its uid_map/setgroups "
		   "writes fail with EPERM or EACCES; runtimes with such a profile: %s; without: %s",
		   v,
		   unconfined == 1 ? ", apparmor_restrict_unprivileged_unconfined = 1" :
		   unconfined == 0 ? ", apparmor_restrict_unprivileged_unconfined = 0" : "",
		   *with ? with : "none", *without ? without : "none found");
}

static bool cmdline_has(const char *cmdline, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = cmdline; (p = strstr(p, word)); p += n)
		if ((p == cmdline || p[-1] == ' ' || p[-1] == '\t') && (p[n] == '\0' || p[n] == ' ' || p[n] == '\n' || p[n] == '\t'))
			return true;
	return false;
}

/* RHEL 7's 3.10 kernel ships user namespaces as a technology preview, off unless both switches
 * are on the command line (Docker's check-config.sh tested user_namespace.enable=1 until 2024). */
static void check_cmdline_rhel7(struct check_ctx *c)
{
	static const char id[] = "kernel.cmdline_rhel7";
	static const char expected[] =
		"on RHEL 7 kernels (3.10): namespace.unpriv_enable=1 user_namespace.enable=1 on the kernel command line";
	_cleanup_free_ char *release = NULL, *cmdline = NULL;
	size_t len;
	bool a, b;
	int r = check_read_file(c, "/proc/sys/kernel/osrelease", &release, &len);

	if (r < 0) {
		check_emit(c, id, VERDICT_SKIP, expected, NULL, "cannot read /proc/sys/kernel/osrelease: %s", strerror(-r));
		return;
	}
	release[strcspn(release, "\n")] = '\0';
	if (strncmp(release, "3.10.", 5) != 0) {
		check_emit(c, id, VERDICT_PASS, expected, NULL, "kernel %s is not a RHEL 7 kernel: nothing needed", release);
		return;
	}
	r = check_read_file(c, "/proc/cmdline", &cmdline, &len);
	if (r < 0) {
		check_emit(c, id, VERDICT_SKIP, expected, NULL, "kernel %s: cannot read /proc/cmdline: %s", release,
			   strerror(-r));
		return;
	}
	a = cmdline_has(cmdline, "namespace.unpriv_enable=1");
	b = cmdline_has(cmdline, "user_namespace.enable=1");
	if (a && b) {
		check_emit(c, id, VERDICT_PASS, expected, NULL,
			   "kernel %s: namespace.unpriv_enable=1 user_namespace.enable=1 are on the command line", release);
		return;
	}
	check_emit(c, id, VERDICT_FAIL, expected,
		   "grubby --update-kernel=ALL --args='namespace.unpriv_enable=1 user_namespace.enable=1' && reboot",
		   "kernel %s (RHEL 7): %s%s%s missing from the command line, so user namespaces are off", release,
		   a ? "" : "namespace.unpriv_enable=1", !a && !b ? " and " : "", b ? "" : "user_namespace.enable=1");
}

/* A "Name:\tvalue" field of /proc/self/status. */
static const char *status_field(const char *status, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = status; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, name, n) == 0 && p[n] == ':')
			return p + n + 1 + strspn(p + n + 1, " \t");
	return NULL;
}

/* The caller's own /proc/self/status (always the live one: it describes this process). */
static int read_self_status(char **ret)
{
	static const struct check_ctx live = { .sysroot = "" };
	size_t len;

	return check_read_file(&live, "/proc/self/status", ret, &len);
}

static void check_no_new_privs(struct check_ctx *c)
{
	static const char id[] = "kernel.no_new_privs";
	static const char expected[] = "NoNewPrivs: 0 in the caller";
	_cleanup_free_ char *status = NULL;
	const char *f;
	int r;

	if (!c->live) {
		check_emit(c, id, VERDICT_SKIP, expected, NULL,
			   "under a sysroot: no_new_privs belongs to the calling process, checked live only");
		return;
	}
	r = read_self_status(&status);
	f = r < 0 ? NULL : status_field(status, "NoNewPrivs");
	if (!f) {
		check_emit(c, id, VERDICT_SKIP, expected, NULL, "cannot read NoNewPrivs from /proc/self/status: %s",
			   r < 0 ? strerror(-r) : "no such field (kernel before 4.10)");
		return;
	}
	if (*f == '0') {
		check_emit(c, id, VERDICT_PASS, expected, NULL, "NoNewPrivs: 0");
		return;
	}
	check_emit(c, id, VERDICT_FAIL, expected,
		   "start the session without no_new_privs (it is inherited and cannot be cleared): systemd: drop "
		   "NoNewPrivileges=yes from the unit; Kubernetes: securityContext.allowPrivilegeEscalation: true; "
		   "Docker/Podman: run without --security-opt no-new-privileges",
		   "NoNewPrivs: 1 in this process and its children: execve() ignores setuid bits and file "
		   "capabilities, so newuidmap/newgidmap run unprivileged (\"newuidmap: Could not set caps\", "
		   "\"write to uid_map failed: Operation not permitted\")");
}

static void check_bounding_set(struct check_ctx *c)
{
	static const char id[] = "kernel.bounding_set";
	static const char expected[] = "CAP_SETUID and CAP_SETGID in the caller's bounding set";
	_cleanup_free_ char *status = NULL;
	unsigned long long bnd;
	const char *f;
	char *end;
	bool uid_ok, gid_ok;
	int r;

	if (!c->live) {
		check_emit(c, id, VERDICT_SKIP, expected, NULL,
			   "under a sysroot: the bounding set belongs to the calling process, checked live only");
		return;
	}
	r = read_self_status(&status);
	f = r < 0 ? NULL : status_field(status, "CapBnd");
	errno = 0;
	bnd = f ? strtoull(f, &end, 16) : 0;
	if (!f || errno != 0 || end == f) {
		check_emit(c, id, VERDICT_SKIP, expected, NULL, "cannot read CapBnd from /proc/self/status: %s",
			   r < 0 ? strerror(-r) : "missing or malformed");
		return;
	}
	uid_ok = bnd & (1ULL << KCAP_SETUID);
	gid_ok = bnd & (1ULL << KCAP_SETGID);
	if (uid_ok && gid_ok) {
		check_emit(c, id, VERDICT_PASS, expected, NULL, "CapBnd %016llx has CAP_SETUID and CAP_SETGID", bnd);
		return;
	}
	check_emit(c, id, VERDICT_FAIL, expected,
		   "run without dropping them: docker/podman run --cap-add SETUID --cap-add SETGID (or no --cap-drop "
		   "of them); Kubernetes: securityContext.capabilities.add: [SETUID, SETGID]; systemd: keep "
		   "CAP_SETUID CAP_SETGID in CapabilityBoundingSet=",
		   "CapBnd %016llx lacks %s%s%s: execve() cannot grant the helpers their file capability or setuid "
		   "root's full set (\"newuidmap: Could not set caps\", or EPERM on the map write)",
		   bnd, uid_ok ? "" : "CAP_SETUID (newuidmap)", !uid_ok && !gid_ok ? " and " : "",
		   gid_ok ? "" : "CAP_SETGID (newgidmap)");
}

void check_area_kernel(struct check_ctx *c)
{
	check_userns(c);
	check_max_user_namespaces(c);
	check_unprivileged_userns_clone(c);
	check_apparmor_userns(c);
	check_cmdline_rhel7(c);
	check_no_new_privs(c);
	check_bounding_set(c);
}
