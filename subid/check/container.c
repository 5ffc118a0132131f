/* SPDX-License-Identifier: GPL-2.0-or-later
 * subid-check, area container: the environment a rootless runtime meets in CI and Kubernetes.
 *
 * Every check reads its evidence under the sysroot (check_path/check_read_file), so a fixture
 * tree with proc/self/mountinfo, sys/fs/cgroup/..., dev/fuse, usr/bin/... drives each verdict:
 *   container.inside       /run/.containerenv, /proc/1/environ (root only), /.dockerenv (weak alone),
 *                          /proc/1/cgroup, /proc/self/uid_map          pass (informational)
 *   container.proc_masked  /proc/self/mountinfo: over-mounts under /proc             warn
 *   container.pid_sandbox  /proc/self/ns/pid (the initial PID namespace has a fixed inode
 *                          number), else NSpid in /proc/self/status                   warn
 *   container.sys_readonly /proc/self/mountinfo: the mount on /sys                    warn
 *   container.cgroup       /sys/fs/cgroup/cgroup.controllers, user@UID.service's      warn
 *   container.fuse         /dev/fuse, fuse-overlayfs in PATH, /proc/sys/kernel/osrelease warn
 *   container.network      slirp4netns or pasta in PATH                                warn
 *   container.propagation  /proc/self/mountinfo: the mount on / has a shared: peer group warn
 * PATH is searched under the sysroot too (an image's binaries). Only two things need the live
 * system: /proc/1/environ, which only root may read (absence of it is not evidence), and the
 * kernel version, taken from uname(2) when /proc/sys/kernel/osrelease cannot be read live. Under
 * a sysroot that lacks the evidence (an image has no proc/ or sys/), the check is skipped. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "check.h"
#include "util.h"

/* proc_ns_init_ino: the initial namespaces have fixed inode numbers (include/linux/proc_ns.h). */
#define PROC_PID_INIT_INO 0xEFFFFFFCU

#define CGROUP_DROPIN                                                                                       \
	"mkdir -p /etc/systemd/system/user@.service.d && printf '[Service]\\nDelegate=cpu cpuset io memory "  \
	"pids\\n' > /etc/systemd/system/user@.service.d/delegate.conf && systemctl daemon-reload "            \
	"(or: systemctl edit user@.service, add [Service] Delegate=cpu cpuset io memory pids), then log in again"

struct mount_entry {
	const char *root, *point, *opts, *fstype, *source;
	bool shared; /* a "shared:N" optional field: mounts propagate to and from its peers */
};

struct mounts {
	char *buf;
	struct mount_entry *e;
	size_t n;
};

static void mounts_free(struct mounts *m)
{
	free(m->buf);
	free(m->e);
	*m = (struct mounts){ 0 };
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *d = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
		    s[3] <= '7') {
			*d++ = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
}

/* "id parent maj:min root point opts [optional...] - fstype source superopts" */
static int read_mounts(const struct check_ctx *c, struct mounts *m)
{
	size_t len, cap = 0;
	char *save = NULL;
	int r;

	*m = (struct mounts){ 0 };
	r = check_read_file(c, "/proc/self/mountinfo", &m->buf, &len);
	if (r < 0)
		return r;
	for (char *line = strtok_r(m->buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[64], *tok, *fsave = NULL;
		size_t nf = 0, dash = 0;
		struct mount_entry e;

		for (tok = strtok_r(line, " ", &fsave); tok && nf < ELEMENTSOF(f); tok = strtok_r(NULL, " ", &fsave))
			f[nf++] = tok;
		for (size_t i = 6; i < nf; i++)
			if (strcmp(f[i], "-") == 0) {
				dash = i;
				break;
			}
		if (nf < 6 || !dash || dash + 1 >= nf)
			continue;
		unescape(f[3]);
		unescape(f[4]);
		e = (struct mount_entry){ f[3], f[4], f[5], f[dash + 1], dash + 2 < nf ? f[dash + 2] : "", false };
		for (size_t i = 6; i < dash; i++)
			e.shared |= strncmp(f[i], "shared:", 7) == 0;
		unescape((char *)e.source);
		if (m->n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct mount_entry *ne = reallocarray(m->e, ncap, sizeof(*ne));

			if (!ne) {
				mounts_free(m);
				return -ENOMEM;
			}
			m->e = ne;
			cap = ncap;
		}
		m->e[m->n++] = e;
	}
	return 0;
}

static bool has_token(const char *list, const char *sep, const char *word)
{
	size_t wl = strlen(word);

	for (const char *p = list; p && *p;) {
		size_t l = strcspn(p, sep);

		if (l == wl && strncmp(p, word, wl) == 0)
			return true;
		p += l;
		p += strspn(p, sep);
	}
	return false;
}

static bool exists(const struct check_ctx *c, const char *abspath, struct stat *ret)
{
	char path[4096];
	struct stat st;

	return stat(check_path(c, abspath, path, sizeof(path)), ret ? ret : &st) == 0;
}

/* The first executable file of that name in PATH, looked up under the sysroot. */
static bool find_in_path(const struct check_ctx *c, const char *name, char *ret, size_t size)
{
	const char *p = c->path_env;

	for (;;) {
		const char *colon = strchr(p, ':');
		size_t dlen = colon ? (size_t)(colon - p) : strlen(p);
		char abs[4096], path[4096];
		struct stat st;

		if (dlen && p[0] == '/') {
			snprintf(abs, sizeof(abs), "%.*s/%s", (int)dlen, p, name);
			check_path(c, abs, path, sizeof(path));
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) &&
			    (!c->live || access(path, X_OK) == 0)) {
				snprintf(ret, size, "%s", abs);
				return true;
			}
		}
		if (!colon)
			return false;
		p = colon + 1;
	}
}

/* ------------------------------------------------------------------------------------------ */

static bool check_inside(struct check_ctx *c)
{
	static const char *const cgroup_hints[] = { "docker", "kubepods", "libpod", "containerd", "crio",
						    "lxc",    "buildkit", "garden", "machine.slice" };
	char ev[1024] = "";
	size_t off = 0;
	_cleanup_free_ char *env = NULL, *cg = NULL, *map = NULL;
	size_t len;
	bool inside = false, weak = false, env_denied = false;
	int r;

#define EVIDENCE(...)                                                                                      \
	do {                                                                                               \
		if (off < sizeof(ev))                                                                      \
			off += (size_t)snprintf(ev + off, sizeof(ev) - off, "%s", off ? "; " : "");       \
		if (off < sizeof(ev))                                                                      \
			off += (size_t)snprintf(ev + off, sizeof(ev) - off, __VA_ARGS__);                  \
	} while (0)

	if (exists(c, "/run/.containerenv", NULL)) {
		EVIDENCE("/run/.containerenv exists (podman, buildah)");
		inside = true;
	}
	/* Docker creates /.dockerenv in every container, but it also survives in images turned into
	 * VMs or chroots: alone it is a weak sign, reported but not acted on (container.pid_sandbox
	 * would otherwise warn on such a host's initial PID namespace). */
	if (exists(c, "/.dockerenv", NULL)) {
		EVIDENCE("/.dockerenv exists (docker)");
		weak = true;
	}
	r = check_read_file(c, "/proc/1/environ", &env, &len);
	if (r == 0) {
		for (size_t i = 0; i < len; i += strlen(env + i) + 1)
			if (strncmp(env + i, "container=", 10) == 0) {
				EVIDENCE("pid 1 has %.64s", env + i);
				inside = true;
				break;
			}
	} else if (r == -EACCES || r == -EPERM) {
		env_denied = true;
	}
	/* pid 1's cgroup, and our own: under docker --pid=host pid 1 is the host's init, but our own
	 * cgroup still names the runtime (cgroup v1, or v2 without a private cgroup namespace). */
	for (int k = 0; k < 2; k++) {
		const char *path = k == 0 ? "/proc/1/cgroup" : "/proc/self/cgroup";

		free(cg);
		cg = NULL;
		if (check_read_file(c, path, &cg, &len) < 0)
			continue;
		for (size_t i = 0; i < ELEMENTSOF(cgroup_hints); i++)
			if (strstr(cg, cgroup_hints[i])) {
				EVIDENCE("%s names %s", path, cgroup_hints[i]);
				inside = true;
				break;
			}
		if (inside)
			break;
	}
	if (check_read_file(c, "/proc/self/uid_map", &map, &len) == 0) {
		const char *q = map;
		uint32_t a, b, n;

		/* The initial namespace's map is the one line "0 0 4294967295" (padded). */
		if (check_next_u32(&q, &a) < 0 || check_next_u32(&q, &b) < 0 || check_next_u32(&q, &n) < 0 ||
		    *q != '\n' || a != 0 || b != 0 || n != UINT32_MAX || strchr(map, '\n') != map + len - 1) {
			for (char *p = map; *p; p++)
				if (*p == '\n')
					*p = p[1] ? ';' : '\0';
			EVIDENCE("in a nested user namespace (uid_map: %.120s)", map);
			inside = true;
		}
	}
	if (inside)
		check_emit(c, "container.inside", VERDICT_PASS, "", NULL, "inside a container: %s", ev);
	else if (weak)
		check_emit(c, "container.inside", VERDICT_PASS, "", NULL,
			   "probably not a container: %s, but no other sign (a leftover of the image this system "
			   "was made from?)", ev);
	else
		check_emit(c, "container.inside", VERDICT_PASS, "", NULL,
			   "no sign of a container (/run/.containerenv, /.dockerenv, /proc/1/cgroup, "
			   "/proc/self/uid_map%s)",
			   env_denied ? "; /proc/1/environ is readable only by root" : ", /proc/1/environ");
	return inside;
#undef EVIDENCE
}

static void check_proc_masked(struct check_ctx *c, const struct mounts *m)
{
	char list[2048] = "";
	size_t off = 0, masked = 0;

	for (size_t i = 0; i < m->n; i++) {
		const struct mount_entry *e = &m->e[i];

		if (strncmp(e->point, "/proc/", 6) != 0)
			continue;
		/* Mounts on directories the kernel keeps permanently empty do not stop a fresh procfs
		 * (mnt_already_visible()): binfmt_misc and nfsd. */
		if (strcmp(e->point, "/proc/sys/fs/binfmt_misc") == 0 || strcmp(e->point, "/proc/fs/nfsd") == 0)
			continue;
		masked++;
		if (masked <= 16 && off < sizeof(list))
			off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s (%s%s%s%s)", off ? ", " : "",
						e->point, e->fstype, strcmp(e->root, "/") ? " " : "",
						strcmp(e->root, "/") ? e->root : "",
						has_token(e->opts, ",", "ro") ? ", ro" : "");
	}
	if (masked)
		check_emit(c, "container.proc_masked", VERDICT_WARN, "no over-mounts under /proc",
			   "Docker: docker run --security-opt systempaths=unconfined (podman: --security-opt "
			   "unmask=ALL); Kubernetes: securityContext.procMount: Unmasked (with hostUsers: false); "
			   "or BuildKit's --oci-worker-no-process-sandbox (see container.pid_sandbox)",
			   "%zu over-mount%s under /proc: %s%s; a nested runtime cannot mount a fresh procfs "
			   "('mount proc:/proc ... operation not permitted')",
			   masked, masked == 1 ? "" : "s", list, masked > 16 ? ", ..." : "");
	else
		check_emit(c, "container.proc_masked", VERDICT_PASS, "no over-mounts under /proc", NULL,
			   "no over-mounts under /proc (%zu mounts read): a nested runtime can mount a fresh procfs",
			   m->n);
}

/* The inode number of a namespace link's "TYPE:[INODE]", given what follows the '['. */
static bool parse_ns_ino(const char *s, uint32_t *ret)
{
	return check_next_u32(&s, ret) == 0 && strcmp(s, "]") == 0;
}

static void check_pid_sandbox(struct check_ctx *c, bool inside)
{
	char path[4096], link[64];
	_cleanup_free_ char *status = NULL;
	ssize_t n = readlink(check_path(c, "/proc/self/ns/pid", path, sizeof(path)), link, sizeof(link) - 1);
	uint32_t ino;
	int own = -1; /* unknown */
	size_t len;

	if (n > 0) {
		link[n] = '\0';
		if (strncmp(link, "pid:[", 5) == 0 && parse_ns_ino(link + 5, &ino))
			own = ino != PROC_PID_INIT_INO;
	}
	if (own < 0 && check_read_file(c, "/proc/self/status", &status, &len) == 0) {
		/* NSpid lists our pid in each PID namespace from procfs's down: more than one means ours. */
		const char *l = strstr(status, "\nNSpid:");

		if (l) {
			int fields = 0;

			for (l += 7; *l && *l != '\n'; l++)
				if ((l[0] != ' ' && l[0] != '\t') && (l[-1] == ' ' || l[-1] == '\t' || l[-1] == ':'))
					fields++;
			if (fields > 1)
				own = 1;
		}
	}
	if (own < 0) {
		check_emit(c, "container.pid_sandbox", VERDICT_SKIP, "a PID namespace of its own inside a container",
			   NULL, "cannot tell the PID namespace: no /proc/self/ns/pid or NSpid%s",
			   *c->sysroot ? " under the sysroot" : "");
		return;
	}
	if (!inside) {
		check_emit(c, "container.pid_sandbox", VERDICT_PASS, "a PID namespace of its own inside a container",
			   NULL, "not inside a container (%s PID namespace)", own ? "a nested" : "the initial");
		return;
	}
	if (own)
		check_emit(c, "container.pid_sandbox", VERDICT_PASS, "a PID namespace of its own inside a container",
			   NULL, "the container has a PID namespace of its own (%s)", n > 0 ? link : "NSpid");
	else
		check_emit(c, "container.pid_sandbox", VERDICT_WARN, "a PID namespace of its own inside a container",
			   "run the container with its own PID namespace (drop docker --pid=host / Kubernetes "
			   "hostPID: true). BuildKit's --oci-worker-no-process-sandbox works without one, at a "
			   "price: build steps share the container's PID namespace, so their processes outlive the "
			   "step and can see and signal each other",
			   "the container shares the host's initial PID namespace (%s): no PID namespace sandbox, "
			   "so processes of a build can outlive it", n > 0 ? link : "NSpid");
}

static void check_sys_readonly(struct check_ctx *c, const struct mounts *m)
{
	const struct mount_entry *sys = NULL;

	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->e[i].point, "/sys") == 0)
			sys = &m->e[i]; /* the last one is on top */
	if (!sys) {
		check_emit(c, "container.sys_readonly", VERDICT_WARN, "sysfs mounted read-write on /sys",
			   "mount -t sysfs sysfs /sys (in a container: let the runtime mount /sys)",
			   "nothing is mounted on /sys: a nested runtime cannot mount sysfs for a new network "
			   "namespace");
		return;
	}
	if (has_token(sys->opts, ",", "ro"))
		check_emit(c, "container.sys_readonly", VERDICT_WARN, "sysfs mounted read-write on /sys",
			   "start the outer container with a read-write /sys (docker/podman run --privileged, "
			   "Kubernetes privileged: true), or make the nested runtime mount /sys read-only (podman "
			   "does for --network=host); a read-write sysfs mount under a locked read-only /sys fails "
			   "with EPERM",
			   "/sys is mounted read-only (%s %s, %s): a nested runtime that mounts a read-write sysfs "
			   "fails", sys->fstype, sys->source, sys->opts);
	else
		check_emit(c, "container.sys_readonly", VERDICT_PASS, "sysfs mounted read-write on /sys", NULL,
			   "/sys is mounted read-write (%s, %s)", sys->fstype, sys->opts);
}

static void check_cgroup(struct check_ctx *c)
{
	static const char *const needed[] = { "cpu", "memory", "pids" };
	const char *exp = "cgroup v2, with cpu, memory and pids delegated to user@UID.service";
	char path[256], missing[64] = "", fix[1024];
	_cleanup_free_ char *ctl = NULL;
	size_t len;
	int r;

	if (!exists(c, "/sys/fs/cgroup/cgroup.controllers", NULL)) {
		const char *mode;

		if (exists(c, "/sys/fs/cgroup/unified", NULL))
			mode = "hybrid: cgroup v1 controllers with a v2 hierarchy on /sys/fs/cgroup/unified";
		else if (exists(c, "/sys/fs/cgroup", NULL))
			mode = "cgroup v1: no /sys/fs/cgroup/cgroup.controllers";
		else if (*c->sysroot) {
			check_emit(c, "container.cgroup", VERDICT_SKIP, exp, NULL, "no /sys/fs/cgroup under the sysroot");
			return;
		} else
			mode = "no cgroup file system on /sys/fs/cgroup";
		check_emit(c, "container.cgroup", VERDICT_WARN, exp,
			   "boot with cgroup v2: add systemd.unified_cgroup_hierarchy=1 to GRUB_CMDLINE_LINUX in "
			   "/etc/default/grub, run update-grub and reboot",
			   "%s; rootless containers get no resource limits (podman: 'cgroups in hybrid mode not "
			   "supported')", mode);
		return;
	}
	if (c->uid == 0) {
		check_emit(c, "container.cgroup", VERDICT_PASS, exp, NULL,
			   "cgroup v2; root manages its cgroups itself and needs no delegation");
		return;
	}
	snprintf(path, sizeof(path), "/sys/fs/cgroup/user.slice/user-%u.slice/user@%u.service/cgroup.controllers",
		 (unsigned)c->uid, (unsigned)c->uid);
	r = check_read_file(c, path, &ctl, &len);
	if (r < 0) {
		snprintf(fix, sizeof(fix), "loginctl enable-linger %s (or log in through a PAM session, not su or "
			 "sudo), and delegate the controllers: %s", c->user, CGROUP_DROPIN);
		check_emit(c, "container.cgroup", VERDICT_WARN, exp, fix,
			   "cgroup v2, but %s: %s (no systemd user manager for %s), so rootless containers cannot "
			   "set resource limits", path, strerror(-r), c->user);
		return;
	}
	ctl[strcspn(ctl, "\n")] = '\0';
	for (size_t i = 0; i < ELEMENTSOF(needed); i++)
		if (!has_token(ctl, " ", needed[i]))
			snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%s%s",
				 *missing ? " " : "", needed[i]);
	if (*missing)
		check_emit(c, "container.cgroup", VERDICT_WARN, exp, CGROUP_DROPIN,
			   "cgroup v2; user@%u.service delegates '%s', missing %s: limits on those fail in rootless "
			   "containers", (unsigned)c->uid, ctl, missing);
	else
		check_emit(c, "container.cgroup", VERDICT_PASS, exp, NULL, "cgroup v2; user@%u.service delegates '%s'",
			   (unsigned)c->uid, ctl);
}

/* MAJOR.MINOR at the start of a kernel release ("6.1.0-18-amd64"). */
static bool parse_release(const char *rel, uint32_t *major, uint32_t *minor)
{
	const char *p = rel;

	if (check_next_u32(&p, major) < 0 || *p != '.')
		return false;
	p++;
	return check_next_u32(&p, minor) == 0;
}

static void check_fuse(struct check_ctx *c)
{
	const char *exp = "kernel 5.11 or later (overlayfs in a user namespace), or /dev/fuse and fuse-overlayfs";
	_cleanup_free_ char *rel = NULL;
	char fo[4096], release[128] = "";
	struct stat st;
	size_t len;
	bool dev, have_fo, have_rel = false, native = false;
	uint32_t major = 0, minor = 0;

	dev = exists(c, "/dev/fuse", &st) && (*c->sysroot || S_ISCHR(st.st_mode));
	have_fo = find_in_path(c, "fuse-overlayfs", fo, sizeof(fo));
	if (check_read_file(c, "/proc/sys/kernel/osrelease", &rel, &len) == 0) {
		snprintf(release, sizeof(release), "%.*s", (int)strcspn(rel, "\n"), rel);
		have_rel = true;
	} else if (c->live) {
		struct utsname u;

		if (uname(&u) == 0) {
			snprintf(release, sizeof(release), "%s", u.release);
			have_rel = true;
		}
	}
	if (*c->sysroot && !have_rel && !exists(c, "/dev", NULL)) {
		check_emit(c, "container.fuse", VERDICT_SKIP, exp, NULL,
			   "neither /proc/sys/kernel/osrelease nor /dev under the sysroot");
		return;
	}
	if (have_rel && parse_release(release, &major, &minor))
		native = major > 5 || (major == 5 && minor >= 11);
	if (native || (dev && have_fo))
		check_emit(c, "container.fuse", VERDICT_PASS, exp, NULL, "%s%s%s; /dev/fuse %s; fuse-overlayfs %s%s",
			   have_rel ? "kernel " : "kernel version unknown", release,
			   native ? " mounts overlayfs in a user namespace" : "", dev ? "present" : "absent",
			   have_fo ? "at " : "not in PATH", have_fo ? fo : "");
	else
		check_emit(c, "container.fuse", VERDICT_WARN, exp,
			   "apt-get install fuse-overlayfs and make /dev/fuse available (modprobe fuse; in a "
			   "container: --device /dev/fuse), or run a kernel 5.11 or later",
			   "%s%s%s; /dev/fuse %s; fuse-overlayfs %s%s: rootless storage falls back to the slow vfs "
			   "driver", have_rel ? "kernel " : "kernel version unknown", release,
			   have_rel ? " (before 5.11: no overlayfs in a user namespace)" : "", dev ? "present" : "absent",
			   have_fo ? "at " : "not in PATH", have_fo ? fo : "");
}

static void check_network(struct check_ctx *c)
{
	char slirp[4096], pasta[4096];
	bool s = find_in_path(c, "slirp4netns", slirp, sizeof(slirp));
	bool p = find_in_path(c, "pasta", pasta, sizeof(pasta));

	if (s || p)
		check_emit(c, "container.network", VERDICT_PASS, "slirp4netns or pasta in PATH", NULL, "%s%s%s%s%s",
			   s ? "slirp4netns at " : "", s ? slirp : "", s && p ? ", " : "", p ? "pasta at " : "",
			   p ? pasta : "");
	else
		check_emit(c, "container.network", VERDICT_WARN, "slirp4netns or pasta in PATH",
			   "apt-get install slirp4netns (or passt, which provides pasta)",
			   "neither slirp4netns nor pasta is in PATH (%s): rootless containers get no network beyond "
			   "--network=host", c->path_env);
}

/* Rootless runtimes make their mount namespace a slave of the host's (rootlesskit
 * --propagation=rslave, podman): that needs / to be shared, else mounts made on the host later
 * (a USB disk, an NFS automount, a volume) never appear in running containers. systemd makes /
 * shared at boot; a chroot, a container or "unshare -m" usually leaves it private. Podman warns
 * '"/" is not a shared mount' at each start and rootlesskit refuses --propagation=rslave. The
 * mount that counts is the last one on / (it covers the earlier ones). */
static void check_propagation(struct check_ctx *c, const struct mounts *m)
{
	static const char exp[] = "/ is a shared mount (a shared: tag in /proc/self/mountinfo)";
	const struct mount_entry *root = NULL;

	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->e[i].point, "/") == 0)
			root = &m->e[i];
	if (!root)
		check_emit(c, "container.propagation", VERDICT_SKIP, exp, NULL, "nothing is mounted on / in /proc/self/mountinfo");
	else if (root->shared)
		check_emit(c, "container.propagation", VERDICT_PASS, exp, NULL, "/ (%s) is a shared mount", root->fstype);
	else
		check_emit(c, "container.propagation", VERDICT_WARN, exp,
			   "mount --make-rshared / (systemd does this at boot; add it where this environment is set up, "
			   "or run rootlesskit with --propagation=rprivate)",
			   "/ (%s) is a private mount: mounts made on the host later do not reach rootless containers; "
			   "podman warns \"/\" is not a shared mount and rootlesskit refuses --propagation=rslave",
			   root->fstype);
}

void check_area_container(struct check_ctx *c)
{
	struct mounts m;
	bool inside = check_inside(c);
	int r = read_mounts(c, &m);

	if (r < 0) {
		check_emit(c, "container.proc_masked", VERDICT_SKIP, "no over-mounts under /proc", NULL,
			   "cannot read /proc/self/mountinfo%s: %s", *c->sysroot ? " under the sysroot" : "",
			   strerror(-r));
	} else {
		check_proc_masked(c, &m);
	}
	check_pid_sandbox(c, inside);
	if (r < 0)
		check_emit(c, "container.sys_readonly", VERDICT_SKIP, "sysfs mounted read-write on /sys", NULL,
			   "cannot read /proc/self/mountinfo%s: %s", *c->sysroot ? " under the sysroot" : "",
			   strerror(-r));
	else
		check_sys_readonly(c, &m);
	if (r < 0)
		check_emit(c, "container.propagation", VERDICT_SKIP, "/ is a shared mount", NULL,
			   "cannot read /proc/self/mountinfo%s: %s", *c->sysroot ? " under the sysroot" : "",
			   strerror(-r));
	else
		check_propagation(c, &m);
	if (r == 0)
		mounts_free(&m);
	check_cgroup(c);
	check_fuse(c);
	check_network(c);
}
