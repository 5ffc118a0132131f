/* SPDX-License-Identifier: GPL-2.0-or-later
 * The shared core of newuidmap and newgidmap.
 *
 * Invariants, in the order main runs:
 *  1. fds 0-2 are open (on /dev/null if the caller closed them) before anything is opened, so no
 *     file we open can become someone's stdout; every other inherited descriptor is closed,
 *     except the fd:N target; every open carries O_CLOEXEC.
 *  2. The privilege model is checked and the effective set emptied before argv is read
 *     (priv.c); the environment is cleared and no locale is loaded.
 *  3. The caller is identified by getuid()/getgid() only; the target by one directory
 *     descriptor of /proc/PID (or a proven procfs fd:N), checked with fstat() on that descriptor
 *     and never looked up by path again.
 *  4. Every outer range must lie inside the caller's sub-id ranges, or be the count-1 self-map;
 *     outer id 0 is never granted to a non-root caller, whatever the files say.
 *  5. /etc/subuid and /etc/subgid are used only if they are regular, root-owned and not
 *     group/world-writable; an NSS subid source other than files is used through libsubid,
 *     dlopen()ed only then, and a failure there refuses: there is no fallback to the files.
 *  6. The capability is effective only around openat(uid_map|gid_map) + one write() of the whole
 *     map; then everything is dropped but CAP_AUDIT_WRITE (when permitted, for the audit record),
 *     and that goes too once the record is sent, before exit.
 *  7. newgidmap: if no gid range came from the sub-id source, setgroups is set to "deny" before
 *     the gid map is written (CVE-2018-7169).
 * run() is the list of phases (identify_caller ... drop_all); each enters its priv_phase, and
 * priv.c asserts the capability state of each phase on the kernel's view. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <pwd.h>
#include <shadow/subid.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "conf.h"
#include "fdguard.h"
#include "core.h"
#include "idmap.h"
#include "log.h"
#include "number.h"
#include "paths.h"
#include "priv.h"
#include "range.h"
#include "subfile.h"
#include "util.h"


/* A caller-chosen tiny RLIMIT_STACK would crash us mid-run (glibc and syslog need some stack):
 * raise the soft limit as far as the hard one allows, and refuse a hard limit too small to run. */
#define STACK_NEEDED (256u << 10)
static void ensure_stack(const char *prog)
{
	static const char msg[] = ": the stack limit (RLIMIT_STACK) is below 256 KiB: too small to run\n";
	struct rlimit rl;

	if (getrlimit(RLIMIT_STACK, &rl) < 0 || rl.rlim_cur >= STACK_NEEDED)
		return;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < STACK_NEEDED) {
		/* write(), not stdio or syslog: with so little stack, even vfprintf() could fault. */
		(void)!write(STDERR_FILENO, prog, strlen(prog));
		(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
		_exit(EXIT_FAILURE);
	}
	rl.rlim_cur = STACK_NEEDED;
	(void)setrlimit(RLIMIT_STACK, &rl);
}

static void close_other_fds(int keep)
{
	/* close_range(2) since Linux 5.9; on older kernels the inherited descriptors stay, harmless
	 * as every descriptor we open is O_CLOEXEC and we exec nothing. */
	if (keep < 3) {
		(void)syscall(SYS_close_range, 3U, ~0U, 0U);
	} else {
		if (keep > 3)
			(void)syscall(SYS_close_range, 3U, (unsigned)keep - 1, 0U);
		(void)syscall(SYS_close_range, (unsigned)keep + 1, ~0U, 0U);
	}
}

/* Open a file inside the /proc/PID directory without following symlinks or crossing a mount:
 * a bind mount over /proc/PID/uid_map in the caller's own mount namespace (reachable through an
 * fd:N it hands us) must not redirect our privileged write. */
static int open_in_proc(int dirfd, const char *name, int flags)
{
	struct open_how how = {
		.flags = (unsigned)(flags | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY),
		.resolve = RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH,
	};
	struct stat dst, fst;
	int fd = (int)syscall(SYS_openat2, dirfd, name, &how, sizeof(how));

	if (fd >= 0 || errno != ENOSYS)
		return fd;
	/* Linux < 5.6: openat, then prove the file is on the directory's filesystem. */
	fd = openat(dirfd, name, flags | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return -1;
	if (fstat(dirfd, &dst) < 0 || fstat(fd, &fst) < 0 || dst.st_dev != fst.st_dev) {
		(void)close(fd);
		errno = EXDEV;
		return -1;
	}
	return fd;
}

static bool is_procfs(int fd)
{
	struct statfs sfs;

	return fstatfs(fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
}

/* The target: "PID" (decimal, 1..INT_MAX) or "fd:N" (a descriptor the caller passed us). */
struct target {
	int dirfd;
	int pid;       /* the pid form, or 0 */
	int passed_fd; /* N of fd:N, or -1 */
	bool pidfd;    /* fd:N is a pidfd; dirfd is then our own open of /proc/PID */
	char label[48]; /* "1234", "fd:5" or "fd:5 (pidfd of 1234)" for messages */
};

static void parse_target(const char *arg, struct target *t)
{
	uint32_t v;
	char clean[64];

	t->dirfd = -1;
	t->pid = 0;
	t->passed_fd = -1;
	t->pidfd = false;
	(void)snprintf(clean, sizeof(clean), "%s", arg); /* cut only: die() escapes the whole message */
	if (strncmp(arg, "fd:", 3) == 0) {
		if (subid_parse_u32_str(arg + 3, &v) < 0 || v > INT32_MAX)
			die_usage("the target must be a process id or fd:N with N a plain decimal number");
		t->passed_fd = (int)v;
		snprintf(t->label, sizeof(t->label), "fd:%u", (unsigned)v);
		return;
	}
	if (subid_parse_u32_str(arg, &v) < 0 || v == 0 || v > INT32_MAX) {
		char msg[192];

		snprintf(msg, sizeof(msg), "invalid target '%s': a process id is a plain decimal number from 1 to 2147483647",
			 clean);
		die_usage(msg);
	}
	t->pid = (int)v;
	snprintf(t->label, sizeof(t->label), "%u", (unsigned)v);
}

/* The pid of a pidfd, from /proc/self/fdinfo/N ("Pid:\t1234"), as seen in the pid namespace of
 * the procfs at /proc (the one we then open /proc/PID in). Returns the pid, 0 when the process
 * is in a pid namespace that procfs does not see, -1 when it has exited, or -2 when fd is not a
 * pidfd (no Pid: line) or the fdinfo cannot be read. */
static long pidfd_pid(int fd)
{
	char path[64], buf[1024], *p;
	_cleanup_close_ int info = -1;
	ssize_t n;
	uint32_t v;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	info = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (info < 0 || !is_procfs(info))
		return -2;
	n = read(info, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -2;
	buf[n] = '\0';
	p = strstr(buf, "\nPid:\t");
	if (!p)
		return -2;
	p += strlen("\nPid:\t");
	if (strncmp(p, "-1\n", 3) == 0)
		return -1;
	if (subid_parse_u32(p, strcspn(p, "\n"), &v) < 0 || v > INT32_MAX)
		return -2;
	return (long)v;
}

/* Whether the process of a pidfd is still there (a zombie counts: its pid is not free yet).
 * Signal 0 is only a permission and existence check; EPERM also proves that it exists. */
static bool pidfd_alive(int fd)
{
	return syscall(SYS_pidfd_send_signal, fd, 0, NULL, 0) == 0 || errno == EPERM;
}

/* fd:N holding a pidfd (pidfd_open(2), clone3(CLONE_PIDFD)): its pid, then /proc/PID opened by
 * us, then the proof that the process was alive after that open, so the pid could not have been
 * freed and given to another process in between: what we opened is the pidfd's process. */
static void open_pidfd_target(struct target *t, int fd)
{
	long pid = pidfd_pid(fd);
	char path[32];

	if (pid == -2)
		die("target fd:%d is neither a /proc/PID directory nor a pidfd", fd);
	if (pid == -1)
		die("target process %s has exited (its pidfd says so)", t->label);
	if (pid == 0)
		die("target fd:%d is a pidfd of a process in a pid namespace that /proc does not show", fd);
	snprintf(t->label, sizeof(t->label), "fd:%d (pidfd of %ld)", fd, pid);
	snprintf(path, sizeof(path), "/proc/%ld", pid);
	t->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (t->dirfd < 0 && errno != ENOENT && errno != ESRCH)
		die_errno(errno, "cannot open %s", path);
	if (!pidfd_alive(fd))
		die("target process %s has exited (pid %ld may already belong to another process)", t->label, pid);
	if (t->dirfd < 0)
		die("target process %s: %s does not exist although the process lives: is /proc mounted for "
		    "another pid namespace?", t->label, path);
	if (!is_procfs(t->dirfd))
		die("%s is not on procfs: is /proc mounted?", path);
	t->pidfd = true;
}

static void open_target_dir(struct target *t)
{
	struct stat st;

	if (t->passed_fd >= 0) {
		int fd = t->passed_fd;

		/* A /proc/PID (or /proc/PID/task/TID) directory is proven by being a directory on
		 * procfs holding a uid_map that is itself on the same procfs. Shadow's check compares
		 * with /proc/self/uid_map; ours also accepts a procfs of another pid namespace.
		 * Anything else must be a pidfd. */
		if (fcntl(fd, F_GETFD) < 0)
			die_errno(errno, "target fd:%d is not an open descriptor", fd);
		if (fstat(fd, &st) < 0)
			die_errno(errno, "cannot stat target fd:%d", fd);
		if (!S_ISDIR(st.st_mode)) {
			open_pidfd_target(t, fd);
			return;
		}
		if (!is_procfs(fd))
			die("target fd:%d is not a /proc/PID directory on procfs", fd);
		{
			_cleanup_close_ int probe = open_in_proc(fd, "uid_map", O_RDONLY);

			if (probe < 0 || !is_procfs(probe))
				die("target fd:%d is not a /proc/PID directory (it has no uid_map of its own)", fd);
		}
		t->dirfd = fd;
		return;
	} else {
		char path[32];
		int pid = t->pid;

		snprintf(path, sizeof(path), "/proc/%d", pid);
		t->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (t->dirfd < 0) {
			if (errno == ENOENT)
				die("target process %d does not exist", pid);
			die_errno(errno, "cannot open %s", path);
		}
		if (!is_procfs(t->dirfd))
			die("%s is not on procfs: is /proc mounted?", path);
	}
}

/* Ownership: the target's /proc/PID directory must belong to the caller's real uid and gid, and
 * (unless login.defs says GRANT_AUX_GROUP_SUBIDS yes) the caller's real gid must be its primary
 * group, exactly shadow's rule. Root gets no bypass: it maps only root-owned processes. */
static void check_owner(const struct target *t, uid_t uid, gid_t gid, gid_t pw_gid)
{
	struct stat st;

	if (fstat(t->dirfd, &st) < 0)
		die_errno(errno, "cannot stat target %s", t->label);
	if (st.st_uid == uid && st.st_gid == gid && gid == pw_gid)
		return;
	if (st.st_uid == uid && st.st_gid == gid) {
		_cleanup_free_ char *defs = NULL;
		size_t len;
		enum conf_distrust why;

		/* Read only when it can change the verdict; an untrusted login.defs grants nothing. */
		if (conf_read_trusted(PATH_LOGIN_DEFS, 0, SMALL_CONF_MAX, &defs, &len, NULL, &why) == 0 &&
		    logindefs_get_bool(defs, len, "GRANT_AUX_GROUP_SUBIDS"))
			return;
		die("target process %s is owned by a different user: your gid %u is not your primary group %u "
		    "(GRANT_AUX_GROUP_SUBIDS is not set in " PATH_LOGIN_DEFS ")",
		    t->label, (unsigned)gid, (unsigned)pw_gid);
	}
	die("target process %s is owned by a different user: target uid %u gid %u, you are uid %u gid %u",
	    t->label, (unsigned)st.st_uid, (unsigned)st.st_gid, (unsigned)uid, (unsigned)gid);
}

/* Whether the target has exited (gone, or a zombie whose /proc files refuse to open). */
static bool target_exited(const struct target *t)
{
	_cleanup_close_ int fd = open_in_proc(t->dirfd, "stat", O_RDONLY);
	char buf[512], *paren;
	ssize_t n;

	if (fd < 0)
		return errno == ESRCH || errno == ENOENT;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return n < 0 && errno == ESRCH;
	buf[n] = '\0';
	/* "pid (comm) S ...": comm may hold anything, so the state follows the last ')'. */
	paren = strrchr(buf, ')');
	return paren && (paren[2] == 'Z' || paren[2] == 'X');
}

/* Refuse early, with a clear reason, what the kernel would refuse with a bare EPERM. */
static void check_target_state(const struct target *t, const char *map_name)
{
	_cleanup_close_ int fd = -1;
	char buf[8];
	ssize_t n;
	struct stat self, other;

	if (fstatat(t->dirfd, "ns/user", &other, 0) < 0) {
		if (errno == ESRCH || errno == ENOENT)
			die("target process %s has exited", t->label);
		/* Not readable (e.g. a non-dumpable target): leave the verdict to the kernel. */
	} else if (stat("/proc/self/ns/user", &self) == 0 && self.st_dev == other.st_dev && self.st_ino == other.st_ino) {
		die("target process %s is not in a new user namespace (it shares ours): run it under unshare -U first",
		    t->label);
	}
	fd = open_in_proc(t->dirfd, map_name, O_RDONLY);
	if (fd < 0) {
		if (errno == ESRCH || errno == ENOENT || target_exited(t))
			die("target process %s has exited", t->label);
		die_errno(errno, "cannot open %s of target %s", map_name, t->label);
	}
	n = read(fd, buf, sizeof(buf));
	if (n > 0) {
		/* Our own map seen through a target that is still in our namespace (its ns/user was not
		 * readable above, e.g. while it is briefly non-dumpable in setpriv) is not "written". */
		_cleanup_close_ int ours = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
		_cleanup_close_ int tmap = open_in_proc(t->dirfd, "uid_map", O_RDONLY);
		char a[256], b[256];
		ssize_t na = ours >= 0 ? read(ours, a, sizeof(a)) : -1, nb = tmap >= 0 ? read(tmap, b, sizeof(b)) : -1;

		if (na > 0 && na == nb && memcmp(a, b, (size_t)na) == 0)
			die("target process %s is not in a new user namespace (its uid_map is ours): run it under "
			    "unshare -U first", t->label);
		die("the %s of target process %s is already written; a map can be written only once", map_name, t->label);
	}
}

/* Ranges of the caller from the NSS subid source named in nsswitch.conf, through libsubid.
 * libsubid itself falls back to the files when its plugin fails to load: we refuse instead, by
 * loading the plugin ourselves first and checking what libsubid needs from it. */
static int nss_ranges(const char *source, enum idmap_kind kind, const char *user, struct idrange **ret,
		      size_t *ret_n, void **ret_plugin)
{
	__typeof__(&subid_get_uid_ranges) get;
	char plugin[80], clean[64];
	void *ph, *lib;
	struct subid_range *r = NULL;
	int n;
	struct idrange *v;
	size_t nv = 0;

	(void)snprintf(clean, sizeof(clean), "%s", source); /* cut only: die() escapes the whole message */
	if (strlen(source) > 50 || strchr(source, '/'))
		die("subid source '%s' in " PATH_NSSWITCH " is not a valid module name", clean);
	snprintf(plugin, sizeof(plugin), "libsubid_%s.so", source);
	ph = dlopen(plugin, RTLD_NOW | RTLD_LOCAL);
	if (!ph)
		die("subid source '%s' in " PATH_NSSWITCH ": cannot load %s (%s); refusing rather than falling back to "
		    "the files", clean, plugin, dlerror());
	if (!dlsym(ph, "shadow_subid_has_range") || !dlsym(ph, "shadow_subid_list_owner_ranges") ||
	    !dlsym(ph, "shadow_subid_find_subid_owners"))
		die("subid source '%s': %s lacks the shadow_subid_* functions libsubid needs; refusing", clean, plugin);
	lib = dlopen(LIBSUBID_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		die("subid source '%s' in " PATH_NSSWITCH " needs " LIBSUBID_SONAME ": %s", clean, dlerror());
	/* libsubid >= 4.16 (which exports subid_free) also requires shadow_subid_free of the plugin
	 * and silently uses the files without it: require what this libsubid requires. */
	if (dlsym(lib, "subid_free") && !dlsym(ph, "shadow_subid_free"))
		die("subid source '%s': %s lacks shadow_subid_free, which this libsubid needs; refusing", clean, plugin);
	get = (__typeof__(get))dlsym(lib, kind == IDMAP_UID ? "subid_get_uid_ranges" : "subid_get_gid_ranges");
	if (!get)
		die("%s has no subid_get_%cid_ranges", LIBSUBID_SONAME, kind == IDMAP_UID ? 'u' : 'g');
	n = get(user, &r);
	if (n < 0)
		die("subid source '%s' failed to list the %cid ranges of %s", clean, kind == IDMAP_UID ? 'u' : 'g', user);
	v = n > 0 ? calloc((size_t)n, sizeof(*v)) : NULL;
	if (n > 0 && !v)
		die_errno(ENOMEM, "cannot read ranges");
	for (int i = 0; i < n; i++)
		/* A directory can hand back anything: keep only ranges valid by the kernel's rule. */
		if (idrange_valid(r[i].start, r[i].count) && r[i].start <= UINT32_MAX && r[i].count <= UINT32_MAX)
			v[nv++] = (struct idrange){ (uint32_t)r[i].start, (uint32_t)r[i].count };
	{
		/* libsubid >= 4.16 hands back the plugin's own array: its subid_free() releases it
		 * with the plugin's shadow_subid_free (which may not be our malloc's free). */
		void (*sfree)(void *) = (__typeof__(sfree))dlsym(lib, "subid_free");

		if (sfree)
			sfree(r);
		else
			free(r);
	}
	*ret = v;
	*ret_n = nv;
	*ret_plugin = ph;
	/* The libraries stay loaded until exit: libsubid registers an atexit handler. */
	return 0;
}

struct source {
	char name[64];            /* "files" or the NSS source */
	const char *path;         /* the file, for "files" */
	int fd;                   /* the file, open, for "files"; else -1 */
	void *plugin;             /* the NSS source's plugin, dlopen()ed; else NULL */
};

static void caller_ranges(enum idmap_kind kind, const char *user, uid_t uid, struct idrange **ret, size_t *ret_n,
			  struct source *src)
{
	_cleanup_free_ char *nss = NULL;
	size_t len;
	enum conf_distrust why;
	int r;

	src->fd = -1;
	src->path = kind == IDMAP_UID ? PATH_SUBUID : PATH_SUBGID;
	strcpy(src->name, "files");
	r = conf_read_trusted(PATH_NSSWITCH, 0, SMALL_CONF_MAX, &nss, &len, NULL, &why);
	if (r == 0) {
		if (nsswitch_subid_source(nss, len, src->name, sizeof(src->name)) < 0)
			die(PATH_NSSWITCH ": the subid: source name is too long");
	} else if (r == -EPERM) {
		die(PATH_NSSWITCH " %s; refusing to trust it", conf_distrust_str(why));
	} else if (r != -ENOENT) {
		die_errno(-r, "cannot read " PATH_NSSWITCH);
	}
	if (strcmp(src->name, "files") != 0) {
		(void)nss_ranges(src->name, kind, user, ret, ret_n, &src->plugin);
		return;
	}

	/* Ids are matched by login name or numeric uid; newgidmap matches /etc/subgid owners by the
	 * user too (as shadow does), not by group. Only the lines that can be the caller's are parsed
	 * (subfile_collect_fd); the whole file is parsed only to explain a refusal. */
	src->fd = conf_open_trusted(src->path, CONF_NOFOLLOW, SIZE_MAX, NULL, &why);
	r = src->fd;
	if (r == -ELOOP)
		die("%s is a symbolic link; refusing it (a sub-id file must be a regular root-owned file)", src->path);
	if (r == -ENOENT)
		die("%s does not exist: no subordinate ids are configured (see subid-check, or usermod --add-sub%cids)",
		    src->path, kind == IDMAP_UID ? 'u' : 'g');
	if (r == -EPERM)
		die("%s %s; refusing to use it (it must be a regular file owned by root, not writable by group or others)",
		    src->path, conf_distrust_str(why));
	if (r < 0)
		die_errno(-r, "cannot open %s", src->path);
	r = subfile_collect_fd(src->fd, user, uid, ret, ret_n);
	if (r < 0)
		die_errno(-r, "cannot read %s", src->path);
}

/* shadow's find_range() second pass asks getpwnam() whether an entry's owner is another login name
 * of the caller's uid (an alias). Called only for entries holding a requested id that the
 * caller's own lines leave uncovered (subfile_collect_alias_fd). */
static bool owner_is_caller(const char *owner, void *userdata)
{
	const uid_t *uid = userdata;
	const struct passwd *pw = getpwnam(owner);

	return pw && pw->pw_uid == *uid;
}

/* The requests that the caller's own ranges leave uncovered, answered as shadow answers them:
 * from the files, the lines of the caller's aliases that hold a requested id (appended to the
 * ranges); from an NSS source, the plugin's own has_range() for the caller's name, the very
 * question shadow's newuidmap asks it (an answer yes adds the request as a range). The usual
 * request is covered already and costs nothing here. */
static void alias_grants(enum idmap_kind kind, const char *user, uid_t uid, const struct idmap_extent *ext,
			 size_t n_ext, struct source *src, struct idrange **ranges, size_t *n_ranges)
{
	struct idrange want[IDMAP_MAX_EXTENTS];
	size_t n = 0;
	int r;

	for (size_t i = 0; i < n_ext; i++)
		if (!idrange_covers(*ranges, *n_ranges, ext[i].outer, ext[i].count))
			want[n++] = (struct idrange){ ext[i].outer, ext[i].count };
	if (n == 0)
		return;
	if (src->fd >= 0) {
		if (lseek(src->fd, 0, SEEK_SET) < 0)
			die_errno(errno, "cannot read %s", src->path);
		r = subfile_collect_alias_fd(src->fd, user, (uint32_t)uid, want, n, owner_is_caller, &uid, ranges,
					     n_ranges);
		if (r < 0)
			die_errno(-r, "cannot read %s", src->path);
		return;
	}
	if (src->plugin) {
		enum subid_status (*has)(const char *, unsigned long, unsigned long, enum subid_type, bool *) =
			(__typeof__(has))dlsym(src->plugin, "shadow_subid_has_range");
		struct idrange *v;

		v = reallocarray(*ranges, *n_ranges + n, sizeof(**ranges));
		if (!v)
			die_errno(ENOMEM, "cannot read ranges");
		*ranges = v;
		for (size_t i = 0; i < n && has; i++) {
			bool yes = false;

			if (has(user, want[i].start, want[i].count, kind == IDMAP_UID ? ID_TYPE_UID : ID_TYPE_GID, &yes) ==
				    SUBID_STATUS_SUCCESS && yes)
				v[(*n_ranges)++] = want[i];
		}
	}
}

/* Append to a NUL-terminated buffer, truncating. */
static void append(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void append(char *buf, size_t size, const char *fmt, ...)
{
	size_t n = strnlen(buf, size);
	va_list ap;

	if (n + 1 >= size)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(buf + n, size - n, fmt, ap);
	va_end(ap);
}

/* For a refusal: what the caller does have, so that the fix is obvious: at most
 * SUBFILE_EXPLAIN_MAX ranges with their lines, then "and N more"; the lines of an alias found
 * for the request; and a note on malformed lines. One streamed pass over the file in a fixed
 * buffer (subfile_explain_fd): memory does not depend on the file's size. A failure to read
 * only drops the explanation. */
static void describe_refusal(const struct source *src, const char *user, uid_t uid, const struct idrange *ranges,
			     size_t n_ranges, size_t n_alias, char *buf, size_t size)
{
	struct subfile_explain ex;

	buf[0] = '\0';
	if (src->fd < 0) {
		/* An NSS source: the ranges it listed (and those its has_range() granted). */
		if (n_ranges == 0) {
			append(buf, size, "; %s has no range there", user);
			return;
		}
		append(buf, size, "; %s has", user);
		for (size_t i = 0; i < n_ranges && i < SUBFILE_EXPLAIN_MAX; i++)
			append(buf, size, "%s %u-%llu", i ? "," : "", ranges[i].start,
			       (unsigned long long)ranges[i].start + ranges[i].count - 1);
		if (n_ranges > SUBFILE_EXPLAIN_MAX)
			append(buf, size, ", and %zu more", n_ranges - SUBFILE_EXPLAIN_MAX);
		return;
	}
	if (lseek(src->fd, 0, SEEK_SET) < 0 || subfile_explain_fd(src->fd, user, (uint32_t)uid, &ex) < 0)
		return;
	if (ex.n_owned == 0)
		append(buf, size, "; %s has no range there (by name, or by uid %u)", user, (unsigned)uid);
	else
		append(buf, size, "; %s has %u-%llu (%s line %lu)", user, ex.owned[0].start,
		       (unsigned long long)ex.owned[0].start + ex.owned[0].count - 1, src->path, ex.owned[0].lineno);
	for (size_t i = 1; i < ex.n_owned && i < SUBFILE_EXPLAIN_MAX; i++)
		append(buf, size, ", %u-%llu (line %lu)", ex.owned[i].start,
		       (unsigned long long)ex.owned[i].start + ex.owned[i].count - 1, ex.owned[i].lineno);
	if (ex.n_owned > SUBFILE_EXPLAIN_MAX)
		append(buf, size, ", and %zu more", ex.n_owned - SUBFILE_EXPLAIN_MAX);
	if (n_alias)
		append(buf, size, "; and %zu line%s of another name of uid %u", n_alias, n_alias == 1 ? "" : "s",
		       (unsigned)uid);
	if (ex.sum.bad > 0)
		append(buf, size, " (%s has %lu malformed line%s, the first at line %lu: %s)", src->path, ex.sum.bad,
		       ex.sum.bad == 1 ? "" : "s", ex.sum.first_bad, subfile_reason_str(ex.sum.first_bad_reason));
}

static void write_setgroups_deny(const struct target *t)
{
	_cleanup_close_ int fd = open_in_proc(t->dirfd, "setgroups", O_RDWR);
	char buf[8] = { 0 };
	ssize_t n;

	if (fd < 0) {
		if (errno == ENOENT && !target_exited(t)) {
			warn("the kernel does not support setgroups restrictions (no /proc/PID/setgroups)");
			return;
		}
		if (errno == ESRCH || target_exited(t))
			die("target process %s has exited", t->label);
		die_errno(errno, "cannot open setgroups of target %s", t->label);
	}
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		die_errno(errno, "cannot read setgroups of target %s", t->label);
	if (strncmp(buf, "deny\n", 5) == 0)
		return;
	if (lseek(fd, 0, SEEK_SET) < 0)
		die_errno(errno, "cannot seek setgroups of target %s", t->label);
	if (write(fd, "deny\n", 5) != 5)
		die_errno(errno, "cannot write deny to setgroups of target %s", t->label);
}

/* ---------------------------------------------------------------------------------------------
 * The phases of a run. run() calls them in this order; each starts with priv_enter(), which
 * asserts the capability state the phase allows (priv.h). Every refusal is a die*() inside one
 * of them, so no phase after it runs. */

struct request {
	enum idmap_kind kind;
	const char *map_name;      /* "uid_map" or "gid_map" */
	const char *kname;         /* "uid" or "gid" */
	cap_value_t cap;           /* CAP_SETUID or CAP_SETGID */
	/* identify_caller() */
	uid_t uid;
	gid_t gid, pw_gid;
	char user[256];
	/* parse_request() */
	struct target t;
	struct idmap_extent ext[IDMAP_MAX_EXTENTS];
	size_t n_ext;
	bool maps_root;            /* some extent maps host id 0 */
	/* read_grants() */
	struct source src;
	struct idrange *ranges;
	size_t n_ranges;
	size_t n_alias;            /* of which found by alias_grants() in the files */
	/* validate() */
	bool any_from_source;      /* some extent was granted by the sub-id source (not the self-map) */
	char *text;                /* the map, formatted */
	size_t text_len;
};

static const char *cap_str(cap_value_t cap)
{
	return cap == CAP_SETUID ? "cap_setuid" : "cap_setgid";
}

/* Phase 0: the privilege model, before argv is read. */
static void check_privilege(struct request *rq)
{
	struct priv_error err;
	int r = priv_init(rq->cap, &err);

	if (r == 0)
		return;
	if (err.why == PRIV_SETUID)
		die("refusing to run setuid or setgid: %s must be installed with the file capability %s and mode 0755 "
		    "(setcap %s=ep %s)", log_ctx.prog, cap_str(rq->cap), cap_str(rq->cap), log_ctx.prog);
	if (err.why == PRIV_EXTRA_CAP)
		die("refusing to run with capability %s: %s must carry only %s (setcap %s=ep %s)", cap_to_name(err.cap),
		    log_ctx.prog, cap_str(rq->cap), cap_str(rq->cap), log_ctx.prog);
	die_errno(-r, "%s", err.what);
}

/* Phase 1: the caller, by real uid only (never $USER or getlogin()); looked up first so that
 * every log line names it. pw_gid is copied: later NSS calls may reuse the static struct. */
static void identify_caller(struct request *rq)
{
	struct passwd *pw;
	size_t len;

	priv_enter(PRIV_IDENTIFY);
	pw = getpwuid(rq->uid);
	if (!pw)
		die("cannot determine your user name (uid %u is not in the user database)", (unsigned)rq->uid);
	len = strlen(pw->pw_name);
	if (len >= sizeof(rq->user))
		die("your user name is too long");
	memcpy(rq->user, pw->pw_name, len + 1);
	rq->pw_gid = pw->pw_gid;
	log_ctx.user = rq->user;
	/* Lines are matched by this name: it must be ours both ways. Two accounts that share a name
	 * (a local one shadowing a directory one, two SSSD domains without qualified names) would
	 * otherwise let the second use the ranges that useradd and subid-alloc wrote for the first,
	 * which getpwnam() names. A name getpwnam() does not know proves nothing either way. */
	pw = getpwnam(rq->user);
	if (pw && pw->pw_uid != rq->uid)
		die("your user name '%s' belongs to uid %u in the user database, not to you (uid %u): two accounts share "
		    "it, and the sub-id lines that name it are uid %u's; give one of them another name",
		    rq->user, (unsigned)pw->pw_uid, (unsigned)rq->uid, (unsigned)pw->pw_uid);
}

/* Phase 1, first: the target argument, then every inherited descriptor closed but the fd:N one,
 * before NSS runs: a module's own descriptors (SSSD's socket and memory cache) opened by
 * getpwuid() must not be closed under it, nor their numbers reused by ours while it holds them. */
static void take_target(struct request *rq, int argc, char **argv)
{
	priv_enter(PRIV_IDENTIFY);
	if (argc < 2)
		die_usage("no target process given");
	log_ctx.target = argv[1];
	log_set_ranges(argc - 2, argv + 2);
	parse_target(argv[1], &rq->t);
	close_other_fds(rq->t.passed_fd);
}

/* Phase 1, continued: the extents from argv. */
static void parse_request(struct request *rq, int argc, char **argv)
{
	struct idmap_error ierr;
	char msg[512];
	int r;

	priv_enter(PRIV_IDENTIFY);
	r = idmap_parse_args((size_t)(argc - 2), argv + 2, rq->ext, &rq->n_ext, &ierr);
	if (r < 0) {
		idmap_describe(&ierr, rq->kname, argv + 2, rq->ext, msg, sizeof(msg));
		if (ierr.reason == IDMAP_E_NO_EXTENTS || ierr.reason == IDMAP_E_ARGC)
			die_usage(msg);
		die("%s", msg);
	}
	for (size_t i = 0; i < rq->n_ext; i++)
		rq->maps_root |= rq->ext[i].outer == 0;
}

/* Phase 2: open /proc/PID once, check its owner and that its map can still be written. */
static void open_target(struct request *rq)
{
	priv_enter(PRIV_TARGET);
	open_target_dir(&rq->t);
	check_owner(&rq->t, rq->uid, rq->gid, rq->pw_gid);
	check_target_state(&rq->t, rq->map_name);
}

/* Phase 3: the caller's ranges, from the files or the NSS subid source. */
static void read_grants(struct request *rq)
{
	priv_enter(PRIV_GRANTS);
	caller_ranges(rq->kind, rq->user, rq->uid, &rq->ranges, &rq->n_ranges, &rq->src);
	{
		size_t own = rq->n_ranges;

		alias_grants(rq->kind, rq->user, rq->uid, rq->ext, rq->n_ext, &rq->src, &rq->ranges, &rq->n_ranges);
		if (rq->src.fd >= 0)
			rq->n_alias = rq->n_ranges - own;
	}
}

/* Phase 4: every extent against the grants, then the map text the kernel will get. */
static void validate(struct request *rq, char **argv)
{
	struct idmap_error ierr;
	char msg[512];
	long page;

	priv_enter(PRIV_VALIDATE);
	for (size_t i = 0; i < rq->n_ext; i++) {
		const struct idmap_extent *e = &rq->ext[i];
		char have[320];

		/* A mapped host root is a path to host root: never for an unprivileged caller. */
		if (e->outer == 0 && rq->uid != 0)
			die("%s range %zu (%u %u %u) maps host %s 0: refused for a non-root caller, whatever %s says",
			    rq->kname, i + 1, e->inner, e->outer, e->count, rq->kname,
			    rq->src.path ? rq->src.path : "the sub-id source");
		if (idrange_covers(rq->ranges, rq->n_ranges, e->outer, e->count)) {
			rq->any_from_source = true;
			continue;
		}
		/* The count-1 self-map needs no entry (newuidmap: the real uid; newgidmap: the real gid). */
		if (e->count == 1 && e->outer == (rq->kind == IDMAP_UID ? rq->uid : rq->gid))
			continue;
		describe_refusal(&rq->src, rq->user, rq->uid, rq->ranges, rq->n_ranges, rq->n_alias, have, sizeof(have));
		if (strcmp(rq->src.name, "files") == 0)
			die("%s range %zu (%u %u %u): host %ss %u-%llu are not all in %s's ranges in %s%s", rq->kname, i + 1,
			    e->inner, e->outer, e->count, rq->kname, e->outer, (unsigned long long)e->outer + e->count - 1,
			    rq->user, rq->src.path, have);
		die("%s range %zu (%u %u %u): host %ss %u-%llu are not all in %s's ranges from subid source '%s'%s",
		    rq->kname, i + 1, e->inner, e->outer, e->count, rq->kname, e->outer,
		    (unsigned long long)e->outer + e->count - 1, rq->user, rq->src.name, have);
	}

	/* The kernel's limit is its PAGE_SIZE: 4096 on x86, 64 KiB on some arm64 and ppc64 kernels. */
	page = sysconf(_SC_PAGESIZE);
	if (page < 4096 || page > (1L << 20))
		page = 4096;
	rq->text = malloc((size_t)page);
	if (!rq->text)
		die_errno(ENOMEM, "cannot format the %s map", rq->kname);
	if (idmap_format(rq->ext, rq->n_ext, (size_t)page, rq->text, &rq->text_len, &ierr) < 0) {
		idmap_describe(&ierr, rq->kname, argv + 2, rq->ext, msg, sizeof(msg));
		die("%s", msg);
	}
	/* CAP_SETFCAP: only a root caller mapping host uid 0 needs it (Linux >= 5.12). */
	if (!(rq->kind == IDMAP_UID && rq->maps_root && rq->uid == 0)) {
		int r = priv_forget_setfcap();

		if (r < 0)
			die_errno(-r, "cannot lower capabilities");
	}
}

/* The kernel refused the write and the helper's capability was never permitted: say why exec did
 * not grant it, so that the fix named is the one that works. */
static _Noreturn void die_without_cap(const struct request *rq)
{
	const char *c = cap_str(rq->cap), *p = log_ctx.prog, *m = rq->map_name;

	switch (priv_why_missing(rq->cap)) {
	case PRIV_MISSING_BSET:
		die("write to %s failed: Operation not permitted (%s is not in the capability bounding set "
		    "%s runs with, so neither a file capability nor root can grant it: run it outside the service "
		    "or container that dropped it (CapabilityBoundingSet=, --cap-drop))", m, c, p);
	case PRIV_MISSING_NNP:
		die("write to %s failed: Operation not permitted (%s carries %s, but its caller set "
		    "no_new_privs, so exec granted no file capability: run it from a process without "
		    "no_new_privs, not under NoNewPrivileges=yes or --security-opt no-new-privileges)", m, p, c);
	case PRIV_MISSING_NOSUID:
		die("write to %s failed: Operation not permitted (%s carries %s, but its file system is "
		    "mounted nosuid, so exec granted no file capability: install it on a file system "
		    "mounted without nosuid)", m, p, c);
	case PRIV_MISSING_OTHER:
		die("write to %s failed: Operation not permitted (%s carries %s, but exec did not grant it: "
		    "traced by an unprivileged debugger, or a security module refused it)", m, p, c);
	case PRIV_MISSING_FILE:
		break;
	}
	die("write to %s failed: Operation not permitted (%s does not hold %s: install it with setcap %s=ep)",
	    m, p, c, c);
}

/* Phase 5, the only code that holds an effective capability: from the open (the kernel checks
 * the opener's credentials) through the single write. Everything but CAP_AUDIT_WRITE goes right
 * after, before any refusal can be reported. newgidmap's setgroups "deny" comes first and needs
 * no capability (the target is the caller's). */
static void write_map(struct request *rq)
{
	bool setfcap = rq->kind == IDMAP_UID && rq->maps_root && rq->uid == 0;
	bool have = priv_have(rq->cap);
	_cleanup_close_ int mapfd = -1;
	ssize_t w = -1;
	int saved = 0, raise_err = 0, r;

	if (rq->kind == IDMAP_GID && !rq->any_from_source)
		write_setgroups_deny(&rq->t);

	priv_enter(PRIV_WRITE);
	if (have && (r = priv_raise_for_write(setfcap)) < 0) {
		raise_err = -r;
	} else {
		mapfd = open_in_proc(rq->t.dirfd, rq->map_name, O_WRONLY);
		saved = errno;
		if (mapfd >= 0) {
			w = write(mapfd, rq->text, rq->text_len);
			saved = errno;
		}
	}
	r = priv_drop_after_write();
	/* From here on the phase is PRIV_LOG: nothing can raise a capability again. */
	if (r < 0)
		die_errno(-r, "cannot drop capabilities after the write");
	if (raise_err)
		die_errno(raise_err, "cannot raise %s", cap_str(rq->cap));
	if (mapfd < 0) {
		if (saved == ESRCH || saved == ENOENT || target_exited(&rq->t))
			die("target process %s has exited", rq->t.label);
		die_errno(saved, "open of %s failed", rq->map_name);
	}
	if (w != (ssize_t)rq->text_len) {
		if (w < 0 && saved == EPERM && !have)
			die_without_cap(rq);
		if (w < 0)
			die_errno(saved, "write to %s failed", rq->map_name);
		die("write to %s failed: short write", rq->map_name);
	}
	if (close(TAKE_FD(mapfd)) < 0 && errno != EINTR)
		die_errno(errno, "closing %s failed", rq->map_name);
}

/* Phase 7: nothing held, for good. The map is written: a failure here is reported, never turned
 * into a refusal (the process exits right after, which drops everything anyway). */
static void drop_all(void)
{
	if (priv_clear() < 0)
		warn("cannot clear capabilities before exit: %s", strerror(errno));
}

/* The body of newidmap_main(), with its large frame (the request). Not inlined: the stack limit
 * must be fixed before this frame is touched. */
static __attribute__((noinline)) int run(enum idmap_kind kind, int argc, char **argv)
{
	struct request rq = {
		.kind = kind,
		.map_name = kind == IDMAP_UID ? "uid_map" : "gid_map",
		.kname = kind == IDMAP_UID ? "uid" : "gid",
		.cap = kind == IDMAP_UID ? CAP_SETUID : CAP_SETGID,
		.uid = getuid(),
		.gid = getgid(),
		.src = { .fd = -1 },
	};
	log_ctx.prog = kind == IDMAP_UID ? "newuidmap" : "newgidmap";
	log_ctx.map = rq.kname;
	log_ctx.uid = rq.uid;
	check_privilege(&rq);
	/* Nothing below consults the environment; clear it so no library does either. */
	(void)clearenv();

	/* Not in shadow's grammar (a target is a pid or fd:N), so no runtime can mean anything else. */
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("%s (newidmap) %s\n", log_ctx.prog, PACKAGE_VERSION);
		drop_all();
		return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	}

	take_target(&rq, argc, argv);
	identify_caller(&rq);
	parse_request(&rq, argc, argv);
	open_target(&rq);
	read_grants(&rq);
	validate(&rq, argv);
	write_map(&rq);
	log_granted();
	drop_all();
	free(rq.ranges);
	free(rq.text);
	return EXIT_SUCCESS;
}

int newidmap_main(enum idmap_kind kind, int argc, char **argv)
{
	/* Small frame: these run before anything that needs much stack or could write to stdout. */
	if (fd_ensure_std() < 0)
		abort(); /* cannot even report: stderr is what is missing */
	/* A caller can hand us a stderr pipe with no reader: the refusal must still reach syslog and
	 * audit, not die of SIGPIPE on the way (which would let a caller hide refusals). */
	(void)signal(SIGPIPE, SIG_IGN);
	ensure_stack(kind == IDMAP_UID ? "newuidmap" : "newgidmap");
	return run(kind, argc, argv);
}
