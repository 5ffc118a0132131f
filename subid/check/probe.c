/* SPDX-License-Identifier: GPL-2.0-or-later
 * subid-check, area probe: prove the rootless path end to end, as a container runtime walks it.
 *
 *   P  subid-check itself. Reads the user's ranges, forks Q, collects Q's results from a pipe,
 *      emits them. P never runs anything as the checked user and never touches its files.
 *   Q  the probe. As root checking another user, the very first thing it does is become that user
 *      (initgroups, setresgid, setresuid), and it stays NOT dumpable: it is a fork of P and holds
 *      P's memory, freed heap included (sssd.conf, a directory bind password), and a dumpable Q
 *      would let the user read that memory or write forged results into P's pipe through
 *      /proc/Q/fd/1. Then it plays the runtime's parent: forks C, runs newuidmap/newgidmap from
 *      PATH against C
 *      (the PID form: shadow before 4.14 has no fd:N, and C stays our unreaped child, so its pid
 *      cannot be reused meanwhile), compares /proc/C/uid_map and gid_map with what it asked for,
 *      and stats the file C chowned.
 *   C  the namespace. It must be dumpable (a non-dumpable target's /proc/PID belongs to root, which
 *      the helpers refuse), so it first replaces the image it shares with Q and P: it execs
 *      subid-check afresh (PROBE_CHILD_ARG, fds 3 and 4), and only that fresh image, which holds
 *      nothing of P's, is the user's to read. Then unshare(CLONE_NEWUSER), and on Q's word it
 *      becomes root inside, calls setgroups(2), and chowns a fresh file to an id inside the range.
 *
 * Invariants: the steps run in order and stop at the first failure (the rest are "skip: earlier
 * step failed"); every pipe is O_CLOEXEC; C and the helper are always reaped, C is SIGKILLed on
 * any timeout and dies with Q (PR_SET_PDEATHSIG), Q dies with P; nothing waits longer than
 * PROBE_TIMEOUT_MS; the temporary file and directory are removed on every path that made them.
 * Q and C leave only through _exit(): P's stdio buffers must not be flushed twice, and the few
 * strings Q allocates go with it. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "spawn.h"
#include "conf.h"
#include "fdguard.h"
#include "idmap.h"
#include "number.h"
#include "paths.h"
#include "range.h"
#include "subfile.h"
#include "util.h"

#define PROBE_TIMEOUT_MS 5000
#define SUBID_FILE_MAX (64u << 20)
#define HELPER_OUTPUT_MAX 2000
#define PROBE_OUT_MAX (1u << 20) /* what is kept of Q's results */
#define CHOWN_INNER_ID 1000 /* an id inside the range, as an image's first user would have */
#define C_CMD_FD 3 /* C's pipes across its exec */
#define C_REP_FD 4
#define PROBE_EXEC_FAILED (-1) /* C's first report when its exec failed; the errno follows */

enum step { S_USERNS, S_UIDMAP, S_GIDMAP, S_SETGROUPS, S_CHOWN, S__N };

static const char *const step_id[S__N] = {
	"probe.userns", "probe.uid_map", "probe.gid_map", "probe.setgroups", "probe.chown",
};

static const char *const step_expected[S__N] = {
	"unshare(CLONE_NEWUSER) succeeds as the user",
	"newuidmap from PATH maps 0 to the user's uid and 1.. to its subordinate uids, and "
	"/proc/PID/uid_map shows exactly that",
	"newgidmap from PATH maps 0 to the user's gid and 1.. to its subordinate gids, and "
	"/proc/PID/gid_map shows exactly that",
	"setgroups is allow and setgroups(2) works as root inside the namespace",
	"a file chowned inside the namespace to an id in the range is owned on the host by the mapped id",
};

/* What P hands Q: the user's full default map, as podman or rootlesskit would request it. */
struct plan {
	const struct check_ctx *c;
	bool drop; /* root checking another user */
	struct idmap_extent map[2][IDMAP_MAX_EXTENTS]; /* [0] uid, [1] gid */
	size_t n_map[2];
	uint64_t total[2];     /* ids mapped: inner ids are 0 .. total-1 */
	char why_none[2][256]; /* why there is no range, when there is none */
	char src[2][64];       /* the NSS subid source the ranges come from, "" for the files */
};

struct step_out {
	bool set;
	enum verdict v;
	char *observed;
	char *fix;
};

/* ------------------------------------------------------------------------------------------ */
/* Small helpers */

static char *xfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xfmt(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

static int remaining_ms(long long deadline)
{
	long long left = deadline - clock_now_ms();

	return left <= 0 ? 0 : (int)left;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read exactly len bytes before the deadline. 0, -ETIMEDOUT, -EPIPE (EOF) or -errno. */
static int read_exact(int fd, void *buf, size_t len, long long deadline)
{
	char *p = buf;

	while (len > 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int r = poll(&pfd, 1, remaining_ms(deadline));
		ssize_t n;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Wait for a child until the deadline; SIGKILL it when the deadline passes. Always reaps.
 * Returns the wait status, or -1 when it could not be had (ECHILD). */
static int reap(pid_t pid, long long deadline, bool *ret_killed)
{
	int status;

	if (ret_killed)
		*ret_killed = false;
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -1;
		if (r == 0 && remaining_ms(deadline) == 0) {
			(void)kill(pid, SIGKILL);
			if (ret_killed)
				*ret_killed = true;
			while ((r = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
				;
			return r == pid ? status : -1;
		}
		if (r == 0) {
			struct timespec ts = { 0, 200000 }; /* 0.2 ms: helpers take about 1 ms */

			(void)nanosleep(&ts, NULL);
		}
	}
}

static void describe_status(int status, char *buf, size_t size)
{
	if (status < 0)
		snprintf(buf, size, "status unknown");
	else if (WIFEXITED(status))
		snprintf(buf, size, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, size, "wait status %#x", (unsigned)status);
}

/* A runtime finds the helpers as execvp(3) would: the first executable regular file of that name
 * in PATH, an empty element meaning the current directory. */
static char *find_in_path(const char *path_env, const char *name)
{
	const char *p = path_env;

	for (;;) {
		const char *colon = strchr(p, ':');
		size_t dlen = colon ? (size_t)(colon - p) : strlen(p);
		char *cand = dlen ? xfmt("%.*s/%s", (int)dlen, p, name) : xfmt("./%s", name);
		struct stat st;

		if (!cand)
			return NULL;
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0)
			return cand;
		free(cand);
		if (!colon)
			return NULL;
		p = colon + 1;
	}
}

static void format_map(const struct idmap_extent *e, size_t n, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && off < size; i++) {
		int w = snprintf(buf + off, size - off, "%s%u %u %u", i ? "; " : "", e[i].inner, e[i].outer,
				 e[i].count);

		if (w < 0)
			break;
		off += (size_t)w;
	}
	if (off >= size && size > 4)
		memcpy(buf + size - 4, "...", 4);
}

static int cmp_inner(const void *a, const void *b)
{
	const struct idmap_extent *x = a, *y = b;

	return x->inner < y->inner ? -1 : x->inner > y->inner;
}

/* Parse /proc/PID/uid_map text ("inner outer count" per line, padded). */
static int parse_proc_map(const char *text, struct idmap_extent *ret, size_t *ret_n)
{
	size_t n = 0;
	const char *p = text;

	while (*p) {
		uint32_t a, b, c;

		while (*p == ' ' || *p == '\n')
			p++;
		if (!*p)
			break;
		if (n == IDMAP_MAX_EXTENTS || check_next_u32(&p, &a) < 0 || check_next_u32(&p, &b) < 0 ||
		    check_next_u32(&p, &c) < 0)
			return -EINVAL;
		ret[n++] = (struct idmap_extent){ a, b, c };
	}
	*ret_n = n;
	return 0;
}

static bool maps_equal(const struct idmap_extent *want, size_t nw, struct idmap_extent *got, size_t ng)
{
	struct idmap_extent w[IDMAP_MAX_EXTENTS];

	if (nw != ng || nw > IDMAP_MAX_EXTENTS)
		return false;
	memcpy(w, want, nw * sizeof(*w));
	qsort(w, nw, sizeof(*w), cmp_inner);
	qsort(got, ng, sizeof(*got), cmp_inner);
	return memcmp(w, got, nw * sizeof(*w)) == 0;
}

static uint32_t map_inner(const struct idmap_extent *e, size_t n, uint32_t inner)
{
	for (size_t i = 0; i < n; i++)
		if (inner >= e[i].inner && (uint64_t)inner < (uint64_t)e[i].inner + e[i].count)
			return e[i].outer + (inner - e[i].inner);
	return (uint32_t)-1;
}

/* ------------------------------------------------------------------------------------------ */
/* The plan (in P): the user's ranges where the helpers take them: /etc/subuid and /etc/subgid, or
 * the NSS subid source /etc/nsswitch.conf names (through libsubid, as the helpers ask it). */

/* The subid: source of a trusted nsswitch.conf in src ("files" when it names none). Returns 0, or
 * -EPERM (why set) when the file is not trusted: the helpers then refuse everything. */
static int plan_source(const struct check_ctx *c, char *src, size_t size, enum conf_distrust *why)
{
	char path[4096];
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r;

	snprintf(src, size, "files");
	r = conf_read_trusted(check_path(c, PATH_NSSWITCH, path, sizeof(path)), 0, SMALL_CONF_MAX, &buf, &len, NULL,
			      why);
	if (r == -EPERM)
		return -EPERM;
	if (r < 0 || nsswitch_subid_source(buf, len, src, size) <= 0)
		snprintf(src, size, "files");
	return 0;
}

/* The ranges libsubid gives for the user from the NSS source src; n 0 and why_none set when none. */
static int plan_nss(const struct check_ctx *c, struct plan *pl, int side, const char *src, struct idrange **ret,
		    size_t *ret_n)
{
	/* Loaded once and kept: libsubid registers an atexit handler. */
	static void *lib;
	int n;

	if (!lib)
		lib = dlopen(LIBSUBID_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		snprintf(pl->why_none[side], sizeof(pl->why_none[side]), "the subid source '%s' needs " LIBSUBID_SONAME
			 ", which cannot be loaded", src);
		return 0;
	}
	n = check_libsubid_ranges(lib, c->user, side, ret, ret_n);
	if (n == -ENOMEM)
		return n;
	if (n < 0)
		snprintf(pl->why_none[side], sizeof(pl->why_none[side]), "the subid source '%s' cannot list the %cid "
			 "ranges of %s", src, side ? 'g' : 'u', c->user);
	else if (n == 0)
		snprintf(pl->why_none[side], sizeof(pl->why_none[side]), "no %cid range for %s (uid %u) in the subid "
			 "source '%s'", side ? 'g' : 'u', c->user, (unsigned)c->uid, src);
	return 0;
}

/* The user's ranges in its sub-id file, as the helper reads them; why_none says why there are none. */
static void plan_files(const struct check_ctx *c, struct plan *pl, int side, struct idrange **ranges, size_t *n)
{
	const char *file = side ? PATH_SUBGID : PATH_SUBUID;
	char path[4096];
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	enum conf_distrust why = CONF_TRUSTED;
	int r;

	r = conf_read_trusted(check_path(c, file, path, sizeof(path)), 0, SUBID_FILE_MAX, &buf, &len, NULL, &why);
	if (r == -EPERM && why != CONF_TRUSTED) {
		snprintf(pl->why_none[side], sizeof(pl->why_none[side]), "%s %s, so the helper will not use it",
			 file, conf_distrust_str(why));
	} else if (r == -ENOENT) {
		snprintf(pl->why_none[side], sizeof(pl->why_none[side]), "%s does not exist", file);
	} else if (r < 0) {
		snprintf(pl->why_none[side], sizeof(pl->why_none[side]), "cannot read %s: %s", file, strerror(-r));
	} else if (subfile_collect(buf, len, c->user, (uint32_t)c->uid, ranges, n, NULL) < 0) {
		snprintf(pl->why_none[side], sizeof(pl->why_none[side]), "out of memory reading %s", file);
	} else if (*n == 0) {
		snprintf(pl->why_none[side], sizeof(pl->why_none[side]), "no range for %s (uid %u) in %s", c->user,
			 (unsigned)c->uid, file);
	}
}

/* One side of the plan from where its ranges come (src_r and src: plan_source()'s answer). */
static void plan_side(const struct check_ctx *c, struct plan *pl, int side, int src_r, const char *src,
		      enum conf_distrust src_why)
{
	_cleanup_free_ struct idrange *ranges = NULL;
	size_t n = 0, k = 1;

	pl->map[side][0] = (struct idmap_extent){ 0, side ? (uint32_t)c->gid : (uint32_t)c->uid, 1 };
	pl->total[side] = 1;
	if (src_r < 0) {
		snprintf(pl->why_none[side], sizeof(pl->why_none[side]), PATH_NSSWITCH " %s, so the helper maps nothing",
			 conf_distrust_str(src_why));
	} else if (strcmp(src, "files") != 0) {
		snprintf(pl->src[side], sizeof(pl->src[side]), "%s", src);
		if (plan_nss(c, pl, side, src, &ranges, &n) < 0)
			snprintf(pl->why_none[side], sizeof(pl->why_none[side]), "out of memory");
	} else {
		plan_files(c, pl, side, &ranges, &n);
	}
	/* Inner 1.. over the ranges in their order: rootlesskit's and podman's default map. */
	for (size_t i = 0; i < n && k < IDMAP_MAX_EXTENTS; i++) {
		if (pl->total[side] + ranges[i].count >= ID_LIMIT)
			break;
		pl->map[side][k++] = (struct idmap_extent){ (uint32_t)pl->total[side], ranges[i].start, ranges[i].count };
		pl->total[side] += ranges[i].count;
	}
	pl->n_map[side] = k;
}

/* ------------------------------------------------------------------------------------------ */
/* C: the process that owns the new user namespace. */

enum { CMD_ROOT = 'r', CMD_CHOWN = 'c' };

struct root_reply {
	int err_setresgid, err_setresuid, err_setgroups;
};

struct chown_request {
	uint32_t uid, gid;
	char path[4096];
};

struct chown_reply {
	int err_create, err_chown;
};

static __attribute__((noreturn)) void child_main(int cmd_fd, int rep_fd, pid_t parent)
{
	int err;

	(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() != parent)
		_exit(1);
	(void)prctl(PR_SET_DUMPABLE, 1, 0, 0, 0); /* the fresh image is ours to show: the helper needs it */
	(void)signal(SIGPIPE, SIG_DFL);
	err = unshare(CLONE_NEWUSER) < 0 ? errno : 0;
	if (write_all(rep_fd, &err, sizeof(err)) < 0 || err)
		_exit(0);
	for (;;) {
		char cmd = 0;

		if (read_exact(cmd_fd, &cmd, 1, clock_now_ms() + PROBE_TIMEOUT_MS) < 0)
			_exit(0);
		if (cmd == CMD_ROOT) {
			/* Inside the namespace our uid is already 0 once the map is written; setresuid(0)
			 * is what a runtime's init does and proves it. */
			struct root_reply rr = { 0 };
			gid_t g = 0;

			rr.err_setresgid = setresgid(0, 0, 0) < 0 ? errno : 0;
			rr.err_setresuid = setresuid(0, 0, 0) < 0 ? errno : 0;
			rr.err_setgroups = setgroups(1, &g) < 0 ? errno : 0;
			if (write_all(rep_fd, &rr, sizeof(rr)) < 0)
				_exit(0);
		} else if (cmd == CMD_CHOWN) {
			struct chown_request rq = { 0 };
			struct chown_reply cr = { 0 };
			int fd;

			if (read_exact(cmd_fd, &rq, sizeof(rq), clock_now_ms() + PROBE_TIMEOUT_MS) < 0)
				_exit(0);
			rq.path[sizeof(rq.path) - 1] = '\0';
			fd = open(rq.path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
			if (fd < 0)
				cr.err_create = errno;
			else if (fchown(fd, rq.uid, rq.gid) < 0)
				cr.err_chown = errno;
			if (fd >= 0)
				(void)close(fd);
			(void)write_all(rep_fd, &cr, sizeof(cr));
			_exit(0);
		} else {
			_exit(0);
		}
	}
}

/* C's entry after the exec (main.c, argv "--probe-child QPID"): the pipes are fds 3 and 4. */
_Noreturn void probe_child_exec_main(const char *qpid)
{
	uint32_t q;

	if (subid_parse_u32_str(qpid, &q) < 0 || q == 0 || q > INT32_MAX)
		_exit(2);
	child_main(C_CMD_FD, C_REP_FD, (pid_t)q);
}

/* In the forked C, before anything else: the pipes at fds 3 and 4 (kept across exec), then
 * subid-check afresh from exe_fd, with an empty environment. If the exec fails, C reports
 * PROBE_EXEC_FAILED and the errno on the reply pipe and exits. */
static __attribute__((noreturn)) void child_exec(int exe_fd, int cmd_fd, int rep_fd, pid_t q)
{
	char qpid[16];
	char *argv[] = { (char *)"subid-check", (char *)PROBE_CHILD_ARG, qpid, NULL };
	char *envp[] = { NULL };
	int rep[2] = { PROBE_EXEC_FAILED, 0 };

	snprintf(qpid, sizeof(qpid), "%d", (int)q);
	/* exe_fd and rep_fd first to high numbers, so that placing cmd_fd at 3 closes neither. */
	if (exe_fd >= 0 && (exe_fd = fcntl(exe_fd, F_DUPFD_CLOEXEC, 10)) >= 0 &&
	    (rep_fd = fcntl(rep_fd, F_DUPFD_CLOEXEC, 10)) >= 0 && dup2(cmd_fd, C_CMD_FD) >= 0 &&
	    dup2(rep_fd, C_REP_FD) >= 0 && fcntl(C_CMD_FD, F_SETFD, 0) >= 0 && fcntl(C_REP_FD, F_SETFD, 0) >= 0)
		(void)syscall(SYS_execveat, exe_fd, "", argv, envp, AT_EMPTY_PATH);
	rep[1] = exe_fd < 0 ? EBADF : errno;
	(void)write_all(rep_fd >= 0 ? rep_fd : C_REP_FD, rep, sizeof(rep));
	_exit(127);
}

/* ------------------------------------------------------------------------------------------ */
/* Q: the probe, as the user. */

struct probe {
	const struct plan *pl;
	struct step_out out[S__N];
	long long deadline;
	pid_t child;
	int cmd_fd, rep_fd; /* to C, from C */
	char dir[4000], file[4096];
	bool made_dir, made_file;
};

static void set_step(struct probe *p, enum step s, enum verdict v, char *fix, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void set_step(struct probe *p, enum step s, enum verdict v, char *fix, const char *fmt, ...)
{
	va_list ap;
	char *obs = NULL;

	va_start(ap, fmt);
	if (vasprintf(&obs, fmt, ap) < 0)
		obs = NULL;
	va_end(ap);
	p->out[s] = (struct step_out){ .set = true, .v = v, .observed = obs, .fix = fix };
}

static const char *errno_meaning(int err)
{
	switch (err) {
	case EINVAL:
		return "the kernel has no CONFIG_USER_NS, or the caller is multi-threaded";
	case ENOSPC:
		return "user.max_user_namespaces is 0 or used up, here or in an enclosing namespace";
	case EPERM:
		return "unprivileged user namespaces are switched off (kernel.unprivileged_userns_clone=0), "
		       "or a seccomp filter (a container's default profile) or a chroot forbids them";
	case EACCES:
		return "an LSM refused userns_create: AppArmor (kernel.apparmor_restrict_unprivileged_userns=1) "
		       "or an SELinux policy";
	case EUSERS:
		return "user namespaces are nested deeper than the kernel's limit of 32";
	default:
		return "an unexpected error";
	}
}

static char *errno_fix(int err)
{
	switch (err) {
	case EINVAL:
		return xfmt("use a kernel built with CONFIG_USER_NS=y (RHEL 7: boot with namespace.unpriv_enable=1 "
			    "user_namespace.enable=1)");
	case ENOSPC:
		return xfmt("echo 'user.max_user_namespaces = 28633' > /etc/sysctl.d/90-userns.conf && sysctl --system "
			    "(inside a container, the limit of the host or the enclosing namespace applies)");
	case EPERM:
		return xfmt("echo 'kernel.unprivileged_userns_clone = 1' > /etc/sysctl.d/90-userns.conf && sysctl "
			    "--system; inside a container, allow unshare(CLONE_NEWUSER) in its seccomp profile "
			    "(docker run --security-opt seccomp=unconfined); do not run from a chroot");
	case EACCES:
		return xfmt("give the runtime binary an AppArmor profile with 'userns,' in /etc/apparmor.d (or "
			    "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0); SELinux: allow "
			    "user_namespace create for the user's domain");
	case EUSERS:
		return xfmt("run the container from a shallower user namespace");
	default:
		return NULL;
	}
}

static bool no_new_privs(void)
{
	return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1;
}

/* Why a helper that exited non-zero may have failed, for the fix. */
static char *helper_fix(const struct probe *p, int side, const char *helper, const char *output)
{
	const char *tool = side ? "newgidmap" : "newuidmap";
	const char *cap = side ? "cap_setgid" : "cap_setuid";
	char uq[1024], hq[4 * 4096 + 3];
	const char *user = check_word(p->pl->c->user, uq, sizeof(uq));
	const char *hw = check_word(helper, hq, sizeof(hq));
	struct stat st;
	struct statvfs sv;
	bool have_st = stat(helper, &st) == 0;
	bool setuid_root = have_st && st.st_uid == 0 && (st.st_mode & S_ISUID);
	bool fcap = getxattr(helper, "security.capability", NULL, 0) > 0;
	bool denied = output && (strstr(output, "Operation not permitted") || strstr(output, "Permission denied"));

	if (!have_st)
		st = (struct stat){ .st_uid = 0, .st_mode = 0755 };
	if (denied && !setuid_root && !fcap)
		return st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))
			       ? xfmt("%s has no privilege, and it is not root's alone (owner uid %u, mode %04o): give it "
				      "none; install the packaged helper (apt-get install --reinstall uidmap, or newidmap's "
				      "package) in a directory only root can write, and have PATH find it first",
				      helper, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777))
			       : xfmt("%s has neither the file capability nor setuid root: setcap %s=ep %s (newidmap), or "
				      "chmod u+s %s (shadow-utils); or apt-get install --reinstall uidmap", helper, cap, hw,
				      hw);
	if (denied && no_new_privs())
		return xfmt("no_new_privs is set on this process, so %s cannot gain its privilege: drop "
			    "NoNewPrivileges= (systemd) or allowPrivilegeEscalation: false (Kubernetes)", helper);
	if (denied && statvfs(helper, &sv) == 0 && (sv.f_flag & ST_NOSUID))
		return xfmt("%s is on a nosuid mount, which voids setuid and file capabilities: install it on a "
			    "file system mounted without nosuid", helper);
	if (denied && output && strstr(output, "write to"))
		return xfmt("unshare worked but the write of the map was refused although %s is privileged: an LSM "
			    "denied it (Ubuntu 24.04+: AppArmor's unprivileged_userns profile; check the audit log for "
			    "apparmor=\"DENIED\"): give the runtime an AppArmor profile with 'userns,', or sysctl -w "
			    "kernel.apparmor_restrict_unprivileged_userns=0", helper);
	if (output && strstr(output, "Invalid argument"))
		return xfmt("the kernel rejected %s's map as invalid: its ranges overlap each other or the user's own "
			    "%cid (the subids.* results name them): give %s a range of its own with usermod "
			    "--add-sub%cids START-END %s", user, side ? 'g' : 'u', user, side ? 'g' : 'u', user);
	return xfmt("%s refused %s's full map: the helpers.* and subids.* results say why; usermod "
		    "--add-sub%cids START-END %s grants a range", tool, user, side ? 'g' : 'u', user);
}

static void probe_map(struct probe *p, int side)
{
	const struct plan *pl = p->pl;
	const struct check_ctx *c = pl->c;
	enum step s = side ? S_GIDMAP : S_UIDMAP;
	const char *tool = side ? "newgidmap" : "newuidmap";
	const char *file = side ? "gid_map" : "uid_map";
	char uq[1024];
	size_t n = pl->n_map[side];
	char want[1024], got_text[1024], status_text[96], procpath[64];
	char *argv[3 + 3 * IDMAP_MAX_EXTENTS] = { 0 };
	char *cmdline = NULL, *output = NULL, *helper, outbuf[HELPER_OUTPUT_MAX + 1];
	_cleanup_free_ char *mapbuf = NULL;
	struct spawn_result res;
	size_t outlen = 0, mlen, nargv = 0;
	int status, r;
	bool killed;

	format_map(pl->map[side], n, want, sizeof(want));
	if (n < 2) {
		set_step(p, s, VERDICT_FAIL,
			 pl->src[side][0]
				 ? xfmt("give %s a %cid range of at least %llu ids in the subid source '%s' (usermod cannot "
					"write to it)", c->user, side ? 'g' : 'u', (unsigned long long)c->min_count,
					pl->src[side])
				 : xfmt("usermod --add-sub%cids START-END %s with a free range of at least %llu ids (the "
					"subids.* checks show what is taken)", side ? 'g' : 'u',
					check_word(c->user, uq, sizeof(uq)), (unsigned long long)c->min_count),
			 "%s: a runtime could map only %s %u into the namespace (podman: 'rootless single mapping', "
			 "rootlesskit: 'No sub%cid ranges found')", pl->why_none[side], side ? "gid" : "uid",
			 pl->map[side][0].outer, side ? 'g' : 'u');
		return;
	}
	helper = find_in_path(c->path_env, tool);
	if (!helper) {
		set_step(p, s, VERDICT_FAIL,
			 xfmt("apt-get install uidmap (Fedora/RHEL: dnf install shadow-utils), or install newidmap's "
			      "%s in a directory of PATH", tool),
			 "%s is not in PATH (%s): a runtime cannot map more than its own id", tool, c->path_env);
		return;
	}
	argv[nargv++] = helper;
	argv[nargv++] = xfmt("%d", (int)p->child);
	for (size_t i = 0; i < n; i++) {
		argv[nargv++] = xfmt("%u", pl->map[side][i].inner);
		argv[nargv++] = xfmt("%u", pl->map[side][i].outer);
		argv[nargv++] = xfmt("%u", pl->map[side][i].count);
	}
	for (size_t i = 0; i < nargv; i++)
		if (!argv[i]) {
			set_step(p, s, VERDICT_SKIP, NULL, "out of memory");
			return;
		}
	/* The command as a person would retype it: every triple, or the first three and "...". */
	{
		size_t shown = nargv, off = 0, size = 64;

		if (shown > 11)
			shown = 11; /* the helper, the pid and three triples */
		for (size_t i = 0; i < shown; i++)
			size += strlen(argv[i]) + 1;
		cmdline = malloc(size);
		for (size_t i = 0; cmdline && i < shown; i++)
			off += (size_t)snprintf(cmdline + off, size - off, "%s%s", i ? " " : "", argv[i]);
		if (cmdline && shown < nargv)
			snprintf(cmdline + off, size - off, " ... (%zu triples)", n);
	}
	/* stdin /dev/null, stdout and stderr into one buffer, killed at the probe's deadline: the
	 * same lib/spawn.c that pam_subid runs its helper with. */
	{
		struct spawn_opts so = {
			.exe_fd = -1,
			.path = helper,
			.argv = argv,
			.flags = SPAWN_MERGE_STDERR,
			.deadline_ms = p->deadline,
			.out = outbuf,
			.out_size = sizeof(outbuf),
		};

		r = spawn_run(&so, &res);
		if (r < 0) {
			set_step(p, s, VERDICT_SKIP, NULL, "cannot start %s: %s", helper, strerror(-r));
			return;
		}
	}
	if (res.exec_errno)
		snprintf(outbuf, sizeof(outbuf), "cannot execute %s: %s", helper, strerror(res.exec_errno));
	output = outbuf;
	outlen = strlen(outbuf);
	status = res.reaped ? res.status : -1;
	killed = res.timed_out;
	describe_status(status, status_text, sizeof(status_text));
	/* One line: newlines become "; ", the last one dropped. */
	for (size_t i = 0; i < outlen; i++)
		if (output[i] == '\n')
			output[i] = i + 1 == outlen ? '\0' : ' ';
	if (killed) {
		set_step(p, s, VERDICT_FAIL, xfmt("find out why %s hangs: strace -f %s", helper, cmdline),
			 "`%s` did not finish within %d ms and was killed", cmdline ? cmdline : tool, PROBE_TIMEOUT_MS);
		return;
	}
	if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		set_step(p, s, VERDICT_FAIL, helper_fix(p, side, helper, output), "`%s` failed (%s): %s",
			 cmdline ? cmdline : tool, status_text, *output ? output : "(no message)");
		return;
	}
	/* The helper says it worked: believe the kernel, not the helper. */
	snprintf(procpath, sizeof(procpath), "/proc/%d/%s", (int)p->child, file);
	{
		struct check_ctx live = { .sysroot = "" };
		struct idmap_extent got[IDMAP_MAX_EXTENTS];
		size_t ng = 0;

		r = check_read_file(&live, procpath, &mapbuf, &mlen);
		if (r < 0) {
			set_step(p, s, VERDICT_FAIL, NULL, "%s exited 0 but %s cannot be read: %s", helper, procpath,
				 strerror(-r));
			return;
		}
		if (parse_proc_map(mapbuf, got, &ng) < 0 || !maps_equal(pl->map[side], n, got, ng)) {
			format_map(got, ng, got_text, sizeof(got_text));
			set_step(p, s, VERDICT_FAIL,
				 xfmt("%s does not write the map it is asked for: reinstall it (apt-get install "
				      "--reinstall uidmap) or install newidmap's %s", helper, tool),
				 "%s exited 0 but %s is '%s'; requested '%s'", helper, file, got_text, want);
			return;
		}
	}
	set_step(p, s, VERDICT_PASS, NULL, "%s wrote %s '%s'", helper, file, want);
}

static void probe_setgroups(struct probe *p)
{
	const struct check_ctx *c = p->pl->c;
	char path[64], cmd = CMD_ROOT, uq[1024];
	_cleanup_free_ char *buf = NULL;
	struct check_ctx live = { .sysroot = "" };
	struct root_reply rr = { 0 };
	size_t len;
	int r;

	snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)p->child);
	r = check_read_file(&live, path, &buf, &len);
	if (r < 0) {
		set_step(p, S_SETGROUPS, VERDICT_FAIL, NULL, "cannot read %s: %s", path, strerror(-r));
		return;
	}
	buf[strcspn(buf, "\n")] = '\0';
	r = write_all(p->cmd_fd, &cmd, 1);
	if (r == 0)
		r = read_exact(p->rep_fd, &rr, sizeof(rr), p->deadline);
	if (r < 0) {
		set_step(p, S_SETGROUPS, VERDICT_FAIL, NULL, "the namespace's process stopped answering: %s",
			 strerror(-r));
		return;
	}
	if (rr.err_setresgid || rr.err_setresuid) {
		set_step(p, S_SETGROUPS, VERDICT_FAIL, NULL,
			 "cannot become root inside the namespace: setresgid(0): %s, setresuid(0): %s",
			 rr.err_setresgid ? strerror(rr.err_setresgid) : "ok",
			 rr.err_setresuid ? strerror(rr.err_setresuid) : "ok");
		return;
	}
	if (strcmp(buf, "allow") != 0) {
		set_step(p, S_SETGROUPS, VERDICT_FAIL,
			 xfmt("give %s a range in /etc/subgid (usermod --add-subgids START-END %s): the helper writes "
			      "deny when it grants only the caller's own gid (CVE-2018-7169)", c->user,
			      check_word(c->user, uq, sizeof(uq))),
			 "setgroups is '%s': setgroups(2) is refused inside the namespace (%s), so containers cannot "
			 "set supplementary groups (runc/crun fail on images whose users have them)", buf,
			 rr.err_setgroups ? strerror(rr.err_setgroups) : "yet the call worked");
		return;
	}
	if (rr.err_setgroups) {
		set_step(p, S_SETGROUPS, VERDICT_FAIL,
			 xfmt("a seccomp filter or an LSM blocks setgroups(2): run with the runtime's default profile"),
			 "setgroups is allow, but setgroups(2) as root in the namespace failed: %s",
			 strerror(rr.err_setgroups));
		return;
	}
	set_step(p, S_SETGROUPS, VERDICT_PASS, NULL,
		 "allow: the gid ranges were granted, so root in the namespace may call setgroups(2) and containers "
		 "get their supplementary groups (setgroups(2) as root inside worked)");
}

static void probe_chown(struct probe *p)
{
	const struct plan *pl = p->pl;
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	const char *base = "/tmp";
	struct chown_request rq = { 0 };
	struct chown_reply cr = { 0 };
	struct stat st;
	uint32_t want_uid, want_gid;
	char cmd = CMD_CHOWN;
	int r;

	/* Where a rootless runtime keeps run-time state, if it is ours; else /tmp. */
	if (xdg && xdg[0] == '/' && stat(xdg, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == getuid() &&
	    access(xdg, W_OK | X_OK) == 0)
		base = xdg;
	rq.uid = pl->total[0] > CHOWN_INNER_ID ? CHOWN_INNER_ID : (uint32_t)pl->total[0] - 1;
	rq.gid = pl->total[1] > CHOWN_INNER_ID ? CHOWN_INNER_ID : (uint32_t)pl->total[1] - 1;
	want_uid = map_inner(pl->map[0], pl->n_map[0], rq.uid);
	want_gid = map_inner(pl->map[1], pl->n_map[1], rq.gid);
	snprintf(p->dir, sizeof(p->dir), "%s/subid-check.XXXXXX", base);
	if (!mkdtemp(p->dir)) {
		set_step(p, S_CHOWN, VERDICT_SKIP, NULL, "cannot make a temporary directory in %s: %s", base,
			 strerror(errno));
		return;
	}
	p->made_dir = true;
	snprintf(p->file, sizeof(p->file), "%s/probe", p->dir);
	snprintf(rq.path, sizeof(rq.path), "%s", p->file);
	r = write_all(p->cmd_fd, &cmd, 1);
	if (r == 0)
		r = write_all(p->cmd_fd, &rq, sizeof(rq));
	if (r == 0)
		r = read_exact(p->rep_fd, &cr, sizeof(cr), p->deadline);
	if (r < 0) {
		set_step(p, S_CHOWN, VERDICT_FAIL, NULL, "the namespace's process stopped answering: %s", strerror(-r));
		return;
	}
	p->made_file = cr.err_create == 0;
	if (cr.err_create) {
		set_step(p, S_CHOWN, VERDICT_FAIL, NULL, "root in the namespace cannot create %s: %s", p->file,
			 strerror(cr.err_create));
		return;
	}
	if (cr.err_chown) {
		set_step(p, S_CHOWN, VERDICT_FAIL,
			 xfmt("the file system under %s refuses ids from the range (NFS, an idmapped systemd-homed "
			      "home): keep container storage (graphroot) on a local file system", base),
			 "chown(%u, %u) as root in the namespace failed on %s: %s (the error behind 'lchown ...: %s' in "
			 "podman and docker)", rq.uid, rq.gid, base, strerror(cr.err_chown), strerror(cr.err_chown));
		return;
	}
	if (lstat(p->file, &st) < 0) {
		set_step(p, S_CHOWN, VERDICT_FAIL, NULL, "cannot stat %s: %s", p->file, strerror(errno));
		return;
	}
	if (st.st_uid != want_uid || st.st_gid != want_gid) {
		set_step(p, S_CHOWN, VERDICT_FAIL,
			 xfmt("the file system under %s does not store the mapped ids: keep container storage on a "
			      "local file system", base),
			 "a file in %s chowned to %u:%u inside the namespace is owned by %u:%u on the host, not by the "
			 "mapped %u:%u (a file system that squashes owners, like NFS with all_squash)", base, rq.uid,
			 rq.gid, (unsigned)st.st_uid, (unsigned)st.st_gid, want_uid, want_gid);
		return;
	}
	set_step(p, S_CHOWN, VERDICT_PASS, NULL,
		 "a file in %s chowned to %u:%u inside the namespace is owned by %u:%u on the host, as mapped", base,
		 rq.uid, rq.gid, want_uid, want_gid);
}

static void probe_cleanup(struct probe *p)
{
	if (p->made_file || p->made_dir)
		(void)unlink(p->file);
	if (p->made_dir)
		(void)rmdir(p->dir);
	p->made_file = p->made_dir = false;
}

/* Serialise one result to P: step, verdict, observed, fix (length UINT32_MAX for none). */
static int send_step(int fd, enum step s, const struct step_out *o)
{
	const char *obs = o->observed ? o->observed : "(out of memory)";
	uint32_t lo = (uint32_t)strlen(obs), lf = o->fix ? (uint32_t)strlen(o->fix) : UINT32_MAX;
	unsigned char head[2] = { (unsigned char)s, (unsigned char)o->v };
	int r;

	if ((r = write_all(fd, head, sizeof(head))) < 0 || (r = write_all(fd, &lo, sizeof(lo))) < 0 ||
	    (r = write_all(fd, obs, lo)) < 0 || (r = write_all(fd, &lf, sizeof(lf))) < 0)
		return r;
	return o->fix ? write_all(fd, o->fix, lf) : 0;
}

static __attribute__((noreturn)) void probe_main(const struct plan *pl, int out_fd, pid_t parent)
{
	const struct check_ctx *c = pl->c;
	struct probe p = { .pl = pl, .child = -1, .cmd_fd = -1, .rep_fd = -1 };
	int cmd[2], rep[2], err = 0, exe_fd;
	enum step s;

	p.deadline = clock_now_ms() + PROBE_TIMEOUT_MS;
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() != parent)
		_exit(1); /* P is gone already: nobody to report to */
	/* What C execs: this very program, opened while we may still be root (C's exec then needs
	 * only the file's execute bit for the user, not a path the user can walk). */
	exe_fd = open("/proc/self/exe", O_PATH | O_CLOEXEC);
	(void)signal(SIGPIPE, SIG_IGN);
	(void)signal(SIGCHLD, SIG_DFL);
	if (pl->drop) {
		/* Become the user before anything else, groups first (they need root). */
		if (initgroups(c->user, c->gid) < 0 || setresgid(c->gid, c->gid, c->gid) < 0 ||
		    setresuid(c->uid, c->uid, c->uid) < 0) {
			set_step(&p, S_USERNS, VERDICT_SKIP, NULL, "cannot become %s (uid %u gid %u) to run the probe: %s",
				 c->user, (unsigned)c->uid, (unsigned)c->gid, strerror(errno));
			goto out;
		}
		/* Not dumpable, whatever fs.suid_dumpable says: see the top of this file. */
		(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0); /* cleared by the credential change */
	}
	if (pipe2(cmd, O_CLOEXEC) < 0 || pipe2(rep, O_CLOEXEC) < 0) {
		set_step(&p, S_USERNS, VERDICT_SKIP, NULL, "cannot make a pipe: %s", strerror(errno));
		goto out;
	}
	{
		pid_t self = getpid();

		p.child = fork();
		if (p.child == 0) {
			(void)close(cmd[1]);
			(void)close(rep[0]);
			(void)close(out_fd);
			child_exec(exe_fd, cmd[0], rep[1], self);
		}
	}
	(void)close(cmd[0]);
	(void)close(rep[1]);
	p.cmd_fd = cmd[1];
	p.rep_fd = rep[0];
	if (p.child < 0) {
		set_step(&p, S_USERNS, VERDICT_SKIP, NULL, "cannot fork: %s", strerror(errno));
		goto out;
	}

	/* 1. unshare(CLONE_NEWUSER) in C. */
	{
		int r = read_exact(p.rep_fd, &err, sizeof(err), p.deadline);

		if (r < 0) {
			set_step(&p, S_USERNS, VERDICT_FAIL, NULL, "the probe's child did not report: %s", strerror(-r));
			goto out;
		}
		if (err == PROBE_EXEC_FAILED) {
			int e = 0;

			(void)read_exact(p.rep_fd, &e, sizeof(e), p.deadline);
			set_step(&p, S_USERNS, VERDICT_SKIP, NULL,
				 "cannot start the probe's namespace process: exec of subid-check as %s failed: %s",
				 c->user, strerror(e));
			goto out;
		}
	}
	if (err) {
		set_step(&p, S_USERNS, VERDICT_FAIL, errno_fix(err),
			 "unshare(CLONE_NEWUSER) as %s (uid %u) failed: %s (%s): %s", c->user, (unsigned)getuid(),
			 strerrorname_np(err) ? strerrorname_np(err) : "?", strerror(err), errno_meaning(err));
		goto out;
	}
	{
		char link[64], ns[64] = "";
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/%d/ns/user", (int)p.child);
		n = readlink(link, ns, sizeof(ns) - 1);
		ns[n > 0 ? n : 0] = '\0';
		set_step(&p, S_USERNS, VERDICT_PASS, NULL, "unshare(CLONE_NEWUSER) as %s (uid %u) made %s", c->user,
			 (unsigned)getuid(), n > 0 ? ns : "a new user namespace");
	}

	/* 2, 3. The maps, through the helpers a runtime would run; 4. setgroups; 5. chown. */
	probe_map(&p, 0);
	if (p.out[S_UIDMAP].v != VERDICT_PASS)
		goto out;
	probe_map(&p, 1);
	if (p.out[S_GIDMAP].v != VERDICT_PASS)
		goto out;
	probe_setgroups(&p);
	if (p.out[S_SETGROUPS].v != VERDICT_PASS)
		goto out;
	probe_chown(&p);

out:
	probe_cleanup(&p);
	if (p.cmd_fd >= 0)
		(void)close(p.cmd_fd); /* C reads EOF and exits */
	if (p.rep_fd >= 0)
		(void)close(p.rep_fd);
	if (p.child > 0)
		(void)reap(p.child, clock_now_ms() + 1000, NULL);
	for (s = 0; s < S__N; s++) {
		if (!p.out[s].set)
			set_step(&p, s, VERDICT_SKIP, NULL, "earlier step failed");
		if (send_step(out_fd, s, &p.out[s]) < 0)
			_exit(1);
	}
	_exit(0);
}

/* ------------------------------------------------------------------------------------------ */
/* P */

static void skip_all(struct check_ctx *c, const char *why)
{
	for (enum step s = 0; s < S__N; s++)
		check_emit(c, step_id[s], VERDICT_SKIP, step_expected[s], NULL, "%s", why);
}

struct probe_args {
	const struct plan *pl;
	pid_t parent;
};

/* Q's body, run by spawn_run() in the child: its results go to stdout. */
static int probe_child(void *arg)
{
	const struct probe_args *a = arg;

	probe_main(a->pl, STDOUT_FILENO, a->parent);
}

void check_area_probe(struct check_ctx *c)
{
	struct plan *pl;
	_cleanup_free_ char *buf = NULL;
	struct step_out got[S__N] = { 0 };
	size_t len = 0, off = 0;
	char status_text[96];
	struct spawn_result res;
	int r, status;
	bool killed;

	if (!c->live || !c->probe) {
		const char *why = !c->live ? "not run with --sysroot: the probe needs the live system"
				  : getuid() != 0 && c->user_known && c->uid != getuid()
				      ? "not root and --user names another user: only root can run the probe as someone else"
				      : "--no-probe";

		check_emit(c, "probe.userns", VERDICT_SKIP, step_expected[S_USERNS], NULL, "%s", why);
		return;
	}
	pl = calloc(1, sizeof(*pl));
	if (!pl) {
		skip_all(c, "out of memory");
		return;
	}
	pl->c = c;
	pl->drop = getuid() == 0 && c->uid != 0;
	{
		/* Where both sides' ranges come from: nsswitch.conf, read once. */
		char src[64];
		enum conf_distrust why = CONF_TRUSTED;
		int src_r = plan_source(c, src, sizeof(src), &why);

		plan_side(c, pl, 0, src_r, src, why);
		plan_side(c, pl, 1, src_r, src, why);
	}
	buf = malloc(PROBE_OUT_MAX + 1);
	if (!buf) {
		skip_all(c, "out of memory");
		free(pl);
		return;
	}
	/* Q through lib/spawn.c: its results on its stdout, killed and reaped at the deadline. */
	(void)fflush(NULL);
	{
		struct probe_args a = { pl, getpid() };
		struct spawn_opts so = {
			.exe_fd = -1,
			.fn = probe_child,
			.fn_arg = &a,
			.deadline_ms = clock_now_ms() + PROBE_TIMEOUT_MS + 2000,
			.out = buf,
			.out_size = PROBE_OUT_MAX + 1,
		};

		r = spawn_run(&so, &res);
	}
	free(pl);
	if (r < 0) {
		skip_all(c, "cannot start the probe");
		return;
	}
	len = res.out_len;
	killed = res.timed_out;
	status = res.reaped ? res.status : -1;
	describe_status(status, status_text, sizeof(status_text));

	/* Parse what arrived; anything short or malformed ends the list there. */
	while (off + 2 + 4 <= len) {
		unsigned s = (unsigned char)buf[off], v = (unsigned char)buf[off + 1];
		uint32_t lo, lf;

		memcpy(&lo, buf + off + 2, 4);
		if (s >= S__N || v > VERDICT_SKIP || lo > len - off - 6 || len - off - 6 - lo < 4)
			break;
		memcpy(&lf, buf + off + 6 + lo, 4);
		if (lf != UINT32_MAX && lf > len - off - 10 - lo)
			break;
		free(got[s].observed);
		free(got[s].fix);
		got[s] = (struct step_out){ .set = true, .v = v, .observed = strndup(buf + off + 6, lo),
					    .fix = lf == UINT32_MAX ? NULL : strndup(buf + off + 10 + lo, lf) };
		off += 10 + lo + (lf == UINT32_MAX ? 0 : lf);
	}
	for (enum step s = 0; s < S__N; s++) {
		if (got[s].set)
			check_emit(c, step_id[s], got[s].v, step_expected[s], got[s].fix, "%s",
				   got[s].observed ? got[s].observed : "(out of memory)");
		else
			check_emit(c, step_id[s], VERDICT_SKIP, step_expected[s], NULL,
				   "the probe ended before this step (%s%s)", status_text,
				   killed ? ", killed after the time limit" : "");
		free(got[s].observed);
		free(got[s].fix);
	}
}
