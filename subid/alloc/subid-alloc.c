/* SPDX-License-Identifier: GPL-2.0-or-later
 * subid-alloc: give a user sub-id ranges in /etc/subuid and /etc/subgid, as useradd would, under
 * shadow's locks (alloc_transaction() in alloc.c does the locked work). The same code path for an
 * admin at the command line and for pam_subid, which execs it with an empty environment.
 *
 * Invariants:
 *  - fds 0-2 are open before anything is opened, so no file we open can become stdout.
 *  - The environment is never consulted and no locale is loaded.
 *  - Every number, from argv and from login.defs alike, goes through subid_parse_u32: a malformed
 *    value is an error, never silently a default (a wrong SUB_UID_MIN would hand out wrong ids).
 *  - Configuration is read only from trusted files: regular, not group/world-writable, owned by
 *    root (or, under a --root test prefix only, by the effective user).
 *  - Only root changes the real files; --root is the one way around that, for tests.
 *  - Run with euid 0 (pam_subid, sudo, a setuid install), it first becomes root in every id with
 *    no supplementary group, leaves the caller's session, blocks every signal it can (^C and ^\
 *    from a terminal it could not leave, what sudo relays, an inherited ITIMER_PROF, whose timers
 *    it also clears) and sets its own rlimits, scheduling and umask: the invoking user can
 *    neither signal, stop nor starve it while it holds /etc's locks (issue 9). Its whole run is
 *    bounded by --timeout + RUN_SLACK_S seconds (DEADLINE_SIGNAL from a timer of its own, at its
 *    default action: terminate), whether or not its parent waits for it.
 *  - SIGPIPE is ignored: a refusal whose stderr has no reader is still logged.
 *  - Success prints exactly one line on stdout and exits 0; a failure exactly one line on stderr
 *    (and one LOG_ERR syslog line) and exits 1; a usage error exits 2. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/time.h>
#include <time.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "alloc.h"
#include "conf.h"
#include "dirmode.h"
#include "escape.h"
#include "fdguard.h"
#include "number.h"
#include "paths.h"
#include "spawn.h"
#include "util.h"

#define EXIT_USAGE 2

/* shadow waits 15 s for /etc/.pwd.lock (lckpwdf's alarm(15)). */
#define DEF_LOCK_TIMEOUT 15u
#define MAX_LOCK_TIMEOUT 3600u
/* The run's deadline is the lock wait plus this: reading, deciding and writing two small files. */
#define RUN_SLACK_S 10u
#define DIR_SLACK_S 60u /* --directory for one user: its searches, adds and retries on top */

/* The user as given or found, raw: every output escapes it (str_escape) where it is written. */
struct ctx {
	char user[256];
	long long uid; /* -1 until known */
};

static void usage(FILE *f)
{
	(void)fprintf(f,
		"usage: subid-alloc [--mode first-fit|uid] [--count N] [--min N] [--max N] [--min-uid N]\n"
		"                   [--by-uid] [--create] [--timeout S] [--root DIR] USER\n"
		"       subid-alloc --directory [--create] [--timeout S] [--root DIR] USER\n"
		"       subid-alloc --directory --sync [--dry-run] [--create] [--timeout S] [--root DIR]\n"
		"Gives USER (a login name, or a uid when all digits) a range in /etc/subuid and /etc/subgid\n"
		"unless it has one, under shadow's locks. Defaults from /etc/login.defs (SUB_UID_MIN, ...).\n"
		"Prints: user=NAME uid=N subuid=START:COUNT subgid=START:COUNT new=uid,gid|uid|gid|none\n"
		"--directory: the range comes from the LDAP directory (/etc/subid-directory.conf).\n"
		"Exit status: 0 done, 1 refused or failed (one line on stderr), 2 usage error,\n"
		"3 (--dry-run) differences found.\n");
}

void alloc_report_refusal(const char *source, const char *user, long long uid, const char *fmt, va_list ap)
{
	char msg[1024], text[ESCAPE_MAX(1024)], u[ESCAPE_MAX(64)], s[ESCAPE_MAX(32)], uidf[32] = "";

	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	/* The message quotes the user name and file or directory content: escaped once, here, for
	 * each place it goes. */
	(void)str_escape(msg, ESCAPE_TEXT, text, sizeof(text));
	(void)fprintf(stderr, "subid-alloc: %s\n", text);
	(void)str_escape(msg, ESCAPE_QUOTED, text, sizeof(text));
	(void)str_escape(user && *user ? user : "?", ESCAPE_FIELD, u, sizeof(u));
	(void)str_escape(source ? source : "", ESCAPE_FIELD, s, sizeof(s));
	if (uid >= 0)
		snprintf(uidf, sizeof(uidf), " uid=%lld", uid);
	syslog(LOG_ERR, "refused%s%s user=%s%s reason=\"%s\"", source ? " source=" : "", s, u, uidf, text);
}

__attribute__((noreturn, format(printf, 2, 3))) static void fail(const struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	alloc_report_refusal(NULL, c->user, c->uid, fmt, ap);
	va_end(ap);
	exit(EXIT_FAILURE);
}

__attribute__((noreturn, format(printf, 1, 2))) static void usage_error(const char *fmt, ...)
{
	char msg[512], text[ESCAPE_MAX(512)];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	(void)str_escape(msg, ESCAPE_TEXT, text, sizeof(text)); /* it quotes argv */
	(void)fprintf(stderr, "subid-alloc: %s\n", text);
	usage(stderr);
	exit(EXIT_USAGE);
}

/* Open ROOT/REL read-only after the trust checks (see the invariants). Returns the descriptor,
 * -errno, or -EPERM with *why set to the reason. */
static int open_trusted(const char *root, const char *rel, int flags, size_t max, const char **why)
{
	char path[PATH_MAX];
	enum conf_distrust d;
	struct stat st;
	int fd;

	*why = NULL;
	if ((size_t)snprintf(path, sizeof(path), "%s%s", root, rel) >= sizeof(path))
		return -ENAMETOOLONG;
	if (!*root) {
		fd = conf_open_trusted(path, flags, max, NULL, &d);
		if (fd == -EPERM)
			*why = conf_distrust_str(d);
		return fd;
	}
	/* A test prefix: the same checks, but a file of the effective user is accepted too. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | ((flags & CONF_NOFOLLOW) ? O_NOFOLLOW : 0));
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		int e = errno;

		(void)close(fd);
		return -e;
	}
	if (!S_ISREG(st.st_mode))
		*why = conf_distrust_str(CONF_NOT_REGULAR);
	else if (st.st_uid != 0 && st.st_uid != geteuid())
		*why = "is owned by neither root nor you";
	else if (st.st_mode & (S_IWGRP | S_IWOTH))
		*why = conf_distrust_str(CONF_WRITABLE);
	else if ((uintmax_t)st.st_size > max)
		*why = conf_distrust_str(CONF_TOO_LARGE);
	if (*why) {
		(void)close(fd);
		return -EPERM;
	}
	return fd;
}

/* Read a whole trusted configuration file; a missing one is *ret == NULL. Fails on anything else. */
static void read_conf(const struct ctx *c, const char *root, const char *rel, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = -1;
	const char *why;
	int r;

	*ret = NULL;
	*ret_len = 0;
	fd = open_trusted(root, rel, 0, SMALL_CONF_MAX, &why);
	if (fd == -ENOENT)
		return;
	if (fd == -EPERM)
		fail(c, "%s%s %s; refusing to trust it", root, rel, why);
	if (fd < 0)
		fail(c, "cannot open %s%s: %s", root, rel, strerror(-fd));
	r = conf_read_fd(fd, SMALL_CONF_MAX, ret, ret_len);
	if (r < 0)
		fail(c, "cannot read %s%s: %s", root, rel, strerror(-r));
}

/* One file's policy from login.defs as shadow 4.20's useradd reads it (alloc_policy_from_defs),
 * a malformed number being an error rather than a silent default. */
static void defs_policy(const struct ctx *c, const char *defs, size_t len, const char *root, enum alloc_file which,
			const enum alloc_mode *mode, struct alloc_policy *ret)
{
	const char *key = NULL, *v = "";
	size_t vlen = 0;
	int r = alloc_policy_from_defs(defs, len, which, mode, ret, &key);

	if (r == 0)
		return;
	(void)logindefs_get(defs, len, key, &v, &vlen);
	fail(c, "%s/etc/login.defs: %s is '%.*s', %s", root, key, (int)(vlen > 40 ? 40 : vlen), v,
	     r == -ERANGE ? "above 4294967295" : "not a plain decimal number");
}

static uint32_t opt_u32(const char *opt, const char *arg)
{
	uint32_t x;
	int r = subid_parse_u32_str(arg, &x);

	if (r < 0)
		usage_error("--%s '%s': %s", opt, arg,
			    r == -ERANGE ? "above 4294967295" : "not a plain decimal number");
	return x;
}

/* "FILE: REASON: DETAIL: ERRNO", the parts that apply. */
static void describe(const struct alloc_error *e, int r, char *buf, size_t size)
{
	bool sys = (e->reason == ALLOC_E_IO || e->reason == ALLOC_E_LOCK) && r < 0 && r != -EBUSY && r != -ETIMEDOUT;

	(void)snprintf(buf, size, "%s%s%s%s%s%s%s", e->file ? e->file : "", e->file ? ": " : "",
		       alloc_reason_str(e->reason), e->detail[0] ? ": " : "", e->detail, sys ? ": " : "",
		       sys ? strerror(-r) : "");
}

/* Out of the invoking user's reach, when we have the privilege: see the invariants. Before any
 * file is opened. The errors are reported once ctx exists (returns -errno or 0). */
static int leave_caller(void)
{
	/* SIGXFSZ too: where a hard RLIMIT_FSIZE could not be lifted (no CAP_SYS_RESOURCE), a
	 * write past it then fails with EFBIG, and the transaction cleans up instead of dying with
	 * a half-written temporary file and its locks. */
	static const int stops[] = { SIGTSTP, SIGTTIN, SIGTTOU, SIGHUP, SIGXFSZ };
	static const int timers[] = { ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF };
	struct sigaction ign = { .sa_handler = SIG_IGN };
	struct itimerval off = { 0 };
	sigset_t all;
	int r;

	if (geteuid() != 0)
		return 0; /* a --root test run as a user: nothing to protect, nothing we could do */
	/* Every signal blocked but the deadline's (arm_deadline): setsid() fails when we lead a
	 * process group (a shell's job, sudo's child), so the terminal's ^C and ^\ would still reach
	 * us; sudo relays SIGINT, SIGTERM, SIGHUP, SIGALRM, SIGUSR1/2 that the user sends to sudo; a
	 * setuid start inherits ITIMER_PROF and ITIMER_VIRTUAL. Faults (SIGSEGV...) still kill. */
	sigfillset(&all);
	(void)sigprocmask(SIG_SETMASK, &all, NULL);
	for (size_t i = 0; i < ELEMENTSOF(timers); i++)
		(void)setitimer(timers[i], &off, NULL);
	r = spawn_become_root();
	if (r < 0)
		return r;
	/* EPERM when we already lead a process group (a shell's job, or pam_subid's setsid()): the
	 * ignored stop signals below then keep the terminal's ^Z away. */
	(void)setsid();
	for (size_t i = 0; i < ELEMENTSOF(stops); i++)
		(void)sigaction(stops[i], &ign, NULL);
	return spawn_sane_limits();
}

/* The deadline: DEADLINE_SIGNAL from a timer of our own, at its default action (terminate),
 * whatever disposition or mask the caller left us. A real-time signal, not SIGALRM: sudo relays
 * SIGALRM from the user, who could then end us at a moment of their choosing. The kernel then
 * drops /etc/.pwd.lock; our commonio lock files name a dead process and the next run takes them
 * over. Without a timer (it cannot fail short of ENOMEM), alarm() and SIGALRM. */
#define DEADLINE_SIGNAL (SIGRTMIN + 1)
static void arm_deadline(unsigned seconds)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = DEADLINE_SIGNAL };
	struct itimerspec when = { .it_value = { .tv_sec = seconds } };
	timer_t t;
	sigset_t set;

	sigemptyset(&set);
	if (timer_create(CLOCK_MONOTONIC, &ev, &t) == 0 && timer_settime(t, 0, &when, NULL) == 0) {
		(void)sigaction(DEADLINE_SIGNAL, &dfl, NULL);
		sigaddset(&set, DEADLINE_SIGNAL);
	} else {
		(void)sigaction(SIGALRM, &dfl, NULL);
		sigaddset(&set, SIGALRM);
		(void)alarm(seconds);
	}
	(void)sigprocmask(SIG_UNBLOCK, &set, NULL);
}

int main(int argc, char **argv)
{
	enum { OPT_MODE = 1, OPT_COUNT, OPT_MIN, OPT_MAX, OPT_MIN_UID, OPT_BY_UID, OPT_CREATE, OPT_TIMEOUT,
	       OPT_ROOT, OPT_DIRECTORY, OPT_SYNC, OPT_DRY_RUN, OPT_HELP, OPT_VERSION };
	static const struct option longopts[] = {
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "min", required_argument, NULL, OPT_MIN },
		{ "max", required_argument, NULL, OPT_MAX },
		{ "min-uid", required_argument, NULL, OPT_MIN_UID },
		{ "by-uid", no_argument, NULL, OPT_BY_UID },
		{ "create", no_argument, NULL, OPT_CREATE },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "directory", no_argument, NULL, OPT_DIRECTORY },
		{ "sync", no_argument, NULL, OPT_SYNC },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	struct ctx c = { .uid = -1 };
	enum alloc_mode mode = ALLOC_FIRST_FIT;
	bool have_mode = false, have_count = false, have_min = false, have_max = false, have_min_uid = false;
	uint32_t count = 0, min = 0, max = 0, min_uid = 0, timeout = DEF_LOCK_TIMEOUT, num;
	const char *root = "";
	bool directory = false, sync = false, dry_run = false;
	struct alloc_request req = { 0 };
	struct alloc_result res = { 0 };
	struct alloc_error err = { 0 };
	_cleanup_free_ char *defs = NULL, *nss = NULL;
	size_t defs_len, nss_len, len;
	char src[64], login[256], msg[512], user_f[ESCAPE_MAX(64)], root_f[ESCAPE_MAX(64)];
	struct idrange ur, gr;
	const char *new;
	struct passwd *pw;
	int opt, r, left;

	if (fd_ensure_std() < 0)
		abort(); /* cannot even report: stderr is what is missing */
	(void)signal(SIGPIPE, SIG_IGN);
	left = leave_caller();
	openlog("subid-alloc", LOG_PID, LOG_AUTHPRIV);
	if (left < 0)
		fail(&c, "cannot leave the caller's credentials, session and limits: %s", strerror(-left));

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_MODE:
			if (strcmp(optarg, "first-fit") == 0)
				mode = ALLOC_FIRST_FIT;
			else if (strcmp(optarg, "uid") == 0)
				mode = ALLOC_UID;
			else
				usage_error("--mode '%s': expected first-fit or uid", optarg);
			have_mode = true;
			break;
		case OPT_COUNT: count = opt_u32("count", optarg); have_count = true; break;
		case OPT_MIN: min = opt_u32("min", optarg); have_min = true; break;
		case OPT_MAX: max = opt_u32("max", optarg); have_max = true; break;
		case OPT_MIN_UID: min_uid = opt_u32("min-uid", optarg); have_min_uid = true; break;
		case OPT_BY_UID: req.by_uid = true; break;
		case OPT_CREATE: req.create = true; break;
		case OPT_TIMEOUT:
			timeout = opt_u32("timeout", optarg);
			if (timeout > MAX_LOCK_TIMEOUT)
				usage_error("--timeout %u: at most %u seconds", timeout, MAX_LOCK_TIMEOUT);
			break;
		case OPT_ROOT: root = optarg; break;
		case OPT_DIRECTORY: directory = true; break;
		case OPT_SYNC: sync = true; break;
		case OPT_DRY_RUN: dry_run = true; break;
		case OPT_HELP: usage(stdout); return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
		case OPT_VERSION:
			printf("subid-alloc (newidmap) %s\n", PACKAGE_VERSION);
			return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
		default:
			/* getopt_long sets optopt to the val of a long option missing its value, to
			 * the character of an unknown short option, and to 0 for an unknown long one. */
			if (optopt >= OPT_MODE && optopt <= OPT_VERSION)
				usage_error("option '--%s' needs a value", longopts[optopt - 1].name);
			if (optopt)
				usage_error("unknown option '-%c'", optopt);
			usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	/* The directory decides the range: the local policy options have no say there. */
	if ((sync || dry_run) && !directory)
		usage_error("--sync and --dry-run go with --directory");
	if (directory && (have_mode || have_count || have_min || have_max || have_min_uid || req.by_uid))
		usage_error("--directory takes its pool from /etc/subid-directory.conf: no --mode, --count, --min, "
			    "--max, --min-uid or --by-uid");
	if (directory && sync && optind != argc)
		usage_error("--sync takes no user ('%s' is extra)", argv[optind]);
	if (directory && sync)
		return dirmode_main(&(struct dirmode_opts){ .root = root, .sync = true, .dry_run = dry_run,
							    .create = req.create, .lock_timeout_s = timeout });
	if (optind == argc)
		usage_error("no user given");
	if (optind + 1 != argc)
		usage_error("one user only ('%s' is extra)", argv[optind + 1]);
	if (directory) {
		/* One user's directory work is a few bounded round trips (the configuration's
		 * timeout each), then the same locked write: the same deadline, plus the network. */
		arm_deadline(timeout + RUN_SLACK_S + DIR_SLACK_S);
		return dirmode_main(&(struct dirmode_opts){ .root = root, .user = argv[optind], .dry_run = dry_run,
							    .create = req.create, .lock_timeout_s = timeout });
	}
	(void)snprintf(c.user, sizeof(c.user), "%s", argv[optind]);
	arm_deadline(timeout + RUN_SLACK_S);

	/* Only root may take /etc's locks and rewrite /etc; a prefix is the tests' own tree. */
	if (!*root && geteuid() != 0)
		fail(&c, "must be run as root (or with --root DIR for a test tree)");

	/* The user: a uid when all digits, else a login name, from the live user database. */
	errno = 0;
	pw = subid_parse_u32_str(argv[optind], &num) == 0 ? getpwuid(num) : getpwnam(argv[optind]);
	if (!pw)
		fail(&c, "no such user '%s'%s%s", c.user, errno ? ": " : "", errno ? strerror(errno) : "");
	len = strlen(pw->pw_name);
	if (len >= sizeof(login))
		fail(&c, "the user name is too long");
	memcpy(login, pw->pw_name, len + 1);
	memcpy(c.user, login, len + 1);
	c.uid = pw->pw_uid;

	/* shadow's own tools refuse to write the files when another source decides the ranges. */
	read_conf(&c, root, PATH_NSSWITCH, &nss, &nss_len);
	if (nss) {
		r = nsswitch_subid_source(nss, nss_len, src, sizeof(src));
		if (r < 0)
			fail(&c, "%s/etc/nsswitch.conf: the subid: source name is too long", root);
		if (r > 0 && strcmp(src, "files") != 0) {
			fail(&c, "%s (subid: %s in %s/etc/nsswitch.conf)", alloc_reason_str(ALLOC_E_NSS), src, root);
		}
	}

	/* login.defs decides each file's policy (shadow 4.20's SUB_UID_DETERMINISTIC, its WRAP and
	 * SUB_UID_STORE_BY_UID included, so useradd and we give every user the same range and line);
	 * an option given overrides it for both files. */
	read_conf(&c, root, PATH_LOGIN_DEFS, &defs, &defs_len);
	defs_policy(&c, defs, defs_len, root, ALLOC_SUBUID, have_mode ? &mode : NULL, &req.uid_policy);
	defs_policy(&c, defs, defs_len, root, ALLOC_SUBGID, have_mode ? &mode : NULL, &req.gid_policy);
	for (int i = 0; i < 2; i++) {
		struct alloc_policy *p = i == 0 ? &req.uid_policy : &req.gid_policy;

		if (have_min)
			p->min = min;
		if (have_max)
			p->max = max;
		if (have_count)
			p->count = count;
		if (have_min_uid)
			p->min_uid = min_uid;
	}
	/* The name is written unless the uid is, in both files (--by-uid, or SUB_*ID_STORE_BY_UID). */
	if (!(req.by_uid || (req.uid_policy.by_uid && req.gid_policy.by_uid)) && !alloc_name_writable(login))
		fail(&c, "%s (use --by-uid to write the uid instead)", alloc_reason_str(ALLOC_E_NAME));
	if (alloc_policy_check(&req.uid_policy, &err) < 0) {
		describe(&err, -EINVAL, msg, sizeof(msg));
		fail(&c, "subuid policy: %s", msg);
	}
	if (alloc_policy_check(&req.gid_policy, &err) < 0) {
		describe(&err, -EINVAL, msg, sizeof(msg));
		fail(&c, "subgid policy: %s", msg);
	}

	req.user = login;
	req.uid = (uint32_t)c.uid;
	req.root = root;
	req.lock_timeout_s = timeout;
	r = alloc_transaction(&req, &res, &err);
	if (r < 0) {
		describe(&err, r, msg, sizeof(msg));
		fail(&c, "%s", msg);
	}

	/* What the user has now: the new range, or (nothing written) its first one in the file. */
	ur = res.uid_range;
	gr = res.gid_range;
	new = !res.had_uid && !res.had_gid ? "uid,gid" : !res.had_uid ? "uid" : !res.had_gid ? "gid" : "none";
	(void)str_escape(c.user, ESCAPE_FIELD, user_f, sizeof(user_f));
	(void)str_escape(root, ESCAPE_FIELD, root_f, sizeof(root_f)); /* argv too */
	if (res.had_uid && res.had_gid)
		syslog(LOG_INFO, "unchanged user=%s uid=%u subuid=%u:%u subgid=%u:%u: it already has both ranges",
		       user_f, req.uid, ur.start, ur.count, gr.start, gr.count);
	else
		syslog(LOG_NOTICE, "allocated user=%s uid=%u subuid=%u:%u subgid=%u:%u new=%s%s%s", user_f,
		       req.uid, ur.start, ur.count, gr.start, gr.count, new, *root ? " root=" : "", root_f);
	printf("user=%s uid=%u subuid=%u:%u subgid=%u:%u new=%s\n", user_f, req.uid, ur.start, ur.count, gr.start,
	       gr.count, new);
	if (fflush(stdout) != 0 || ferror(stdout))
		fail(&c, "cannot write the result to stdout: %s", strerror(errno));
	return EXIT_SUCCESS;
}
