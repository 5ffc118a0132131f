/* SPDX-License-Identifier: GPL-2.0-or-later
 * pam_subid: at session open, give a user who has no sub-id ranges one in /etc/subuid and one in
 * /etc/subgid (directory users never pass through useradd).
 *
 * Invariants:
 *  - No global or static mutable state and no signal handler left behind: the module lives in
 *    long-running, possibly threaded processes (sshd, display managers).
 *  - The fast path (the user already has a range in both files, by name or uid) only reads the
 *    two trusted files and takes no lock.
 *  - Every lock and every write happens in the helper subid-alloc, a short-lived child started by
 *    lib/spawn.c with an empty environment, fds 0-2 on /dev/null and two pipes, no other
 *    descriptor, default signal dispositions and an empty mask; as root in every id, with no
 *    supplementary group, in a session of its own, with our rlimits and umask: out of reach of
 *    the user whose session this is (su: euid 0, the user's real uid). It keeps its own deadline
 *    (subid-alloc --timeout), so it never holds the locks longer even if this process is stopped.
 *    If it crashes or is killed at the timeout, the commonio lock it held is stale: the next
 *    helper takes it over. No alarm() and no fcntl lock ever touch the calling process.
 *  - The helper is exec'd through a descriptor (execveat) opened after checking that it and its
 *    directory are root-owned and not writable by group or others: what was checked is what runs.
 *  - Everything is logged with pam_syslog; nothing is shown to the user. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <security/pam_modutil.h>

#include "alloc.h"
#include "conf.h"
#include "escape.h"
#include "fdguard.h"
#include "number.h"
#include "paths.h"
#include "spawn.h"
#include "subfile.h"
#include "util.h"

#ifndef SUBID_ALLOC_PATH
#define SUBID_ALLOC_PATH "/usr/sbin/subid-alloc"
#endif

#define PAM_SUBID_EXPORT __attribute__((visibility("default")))

#define DEF_UID_MIN 1000u
#define DEF_UID_MAX 60000u
#define DEF_TIMEOUT 30u
#define DEF_DIR_TIMEOUT 10u /* source=directory: a login waits at most this for the directory */
#define MAX_TIMEOUT 3600u
#define HELPER_OUT_MAX 1024 /* what is kept of each of the helper's stdout and stderr */

struct opts {
	bool debug, quiet, create, by_uid;
	bool directory, have_timeout; /* source=directory: the helper runs subid-alloc --directory */
	bool have_mode, have_count, have_min, have_max, have_min_uid, have_max_uid;
	enum alloc_mode mode;
	uint32_t count, min, max, min_uid, max_uid;
	unsigned timeout;
	const char *helper;
};

/* An out-of-scope verdict (PAM_IGNORE): LOG_DEBUG with debug, nothing with quiet, else LOG_INFO. */
__attribute__((format(printf, 3, 4))) static int ignore(pam_handle_t *pamh, const struct opts *o, const char *fmt, ...)
{
	va_list ap;

	if (!o->debug && o->quiet)
		return PAM_IGNORE;
	va_start(ap, fmt);
	pam_vsyslog(pamh, o->debug ? LOG_DEBUG : LOG_INFO, fmt, ap);
	va_end(ap);
	return PAM_IGNORE;
}

/* An option value for a log line: pam.d is a file, and every field from a file is escaped. */
static const char *opt_clean(const char *v, char *buf, size_t size)
{
	(void)str_escape(v, ESCAPE_QUOTED, buf, size);
	return buf;
}

static int opt_u32(pam_handle_t *pamh, const char *arg, const char *val, uint32_t *ret)
{
	int r = subid_parse_u32_str(val, ret);

	char clean[ESCAPE_MAX(64)];

	if (r < 0) {
		(void)str_escape(arg, ESCAPE_QUOTED, clean, sizeof(clean)); /* "key=value" as written */
		pam_syslog(pamh, LOG_ERR, "option %s is %s; refusing to allocate with a configuration I cannot read",
			   clean, r == -ERANGE ? "above 4294967295" : "not a plain decimal number");
	}
	return r;
}

/* Options. An unknown one is logged and ignored; a known one with a bad value refuses the whole
 * run (a mistyped mode= silently read as first-fit would mix allocation modes). */
static int parse_opts(pam_handle_t *pamh, int argc, const char **argv, struct opts *o)
{
	*o = (struct opts){ .timeout = DEF_TIMEOUT, .helper = SUBID_ALLOC_PATH };
	for (int i = 0; i < argc; i++) {
		char clean[ESCAPE_MAX(64)];
		const char *a = argv[i], *eq = strchr(a, '=');
		size_t klen = eq ? (size_t)(eq - a) : strlen(a);
		const char *v = eq ? eq + 1 : NULL;
		uint32_t t;

#define KEY(k) (klen == sizeof(k) - 1 && strncmp(a, k, klen) == 0)
		if (!v && KEY("debug")) {
			o->debug = true;
		} else if (!v && KEY("quiet")) {
			o->quiet = true;
		} else if (!v && KEY("create")) {
			o->create = true;
		} else if (!v && KEY("by_uid")) {
			o->by_uid = true;
		} else if (v && KEY("mode")) {
			if (strcmp(v, "first-fit") == 0) {
				o->mode = ALLOC_FIRST_FIT;
			} else if (strcmp(v, "uid") == 0) {
				o->mode = ALLOC_UID;
			} else {
				pam_syslog(pamh, LOG_ERR,
					   "option mode=%s: expected first-fit or uid; refusing to allocate",
					   opt_clean(v, clean, sizeof(clean)));
				return -EINVAL;
			}
			o->have_mode = true;
		} else if (v && KEY("count")) {
			if (opt_u32(pamh, a, v, &o->count) < 0)
				return -EINVAL;
			o->have_count = true;
		} else if (v && KEY("min")) {
			if (opt_u32(pamh, a, v, &o->min) < 0)
				return -EINVAL;
			o->have_min = true;
		} else if (v && KEY("max")) {
			if (opt_u32(pamh, a, v, &o->max) < 0)
				return -EINVAL;
			o->have_max = true;
		} else if (v && KEY("min_uid")) {
			if (opt_u32(pamh, a, v, &o->min_uid) < 0)
				return -EINVAL;
			o->have_min_uid = true;
		} else if (v && KEY("max_uid")) {
			if (opt_u32(pamh, a, v, &o->max_uid) < 0)
				return -EINVAL;
			o->have_max_uid = true;
		} else if (v && KEY("timeout")) {
			if (opt_u32(pamh, a, v, &t) < 0)
				return -EINVAL;
			if (t == 0 || t > MAX_TIMEOUT) {
				pam_syslog(pamh, LOG_ERR, "option timeout=%u: expected 1 to %u seconds; refusing to allocate",
					   t, MAX_TIMEOUT);
				return -EINVAL;
			}
			o->timeout = t;
			o->have_timeout = true;
		} else if (v && KEY("source")) {
			if (strcmp(v, "directory") == 0) {
				o->directory = true;
			} else if (strcmp(v, "files") == 0) {
				o->directory = false;
			} else {
				pam_syslog(pamh, LOG_ERR,
					   "option source=%s: expected files or directory; refusing to allocate",
					   opt_clean(v, clean, sizeof(clean)));
				return -EINVAL;
			}
		} else if (v && KEY("helper")) {
			if (v[0] != '/') {
				pam_syslog(pamh, LOG_ERR,
					   "option helper=%s: not an absolute path; refusing to allocate",
					   opt_clean(v, clean, sizeof(clean)));
				return -EINVAL;
			}
			o->helper = v;
		} else {
			(void)str_escape(a, ESCAPE_QUOTED, clean, sizeof(clean));
			pam_syslog(pamh, LOG_ERR, "unknown option \"%s\" ignored", clean);
		}
#undef KEY
	}
	/* The directory decides the range (/etc/subid-directory.conf): local policy options would
	 * be silently meaningless there. */
	if (o->directory && (o->have_mode || o->have_count || o->have_min || o->have_max || o->by_uid)) {
		pam_syslog(pamh, LOG_ERR, "source=directory takes no mode=, count=, min=, max= or by_uid; refusing to allocate");
		return -EINVAL;
	}
	if (o->directory && !o->have_timeout)
		o->timeout = DEF_DIR_TIMEOUT;
	return 0;
}

/* UID_MIN / UID_MAX from login.defs, for the options not given. Returns a PAM code. */
static int uid_scope(pam_handle_t *pamh, struct opts *o)
{
	_cleanup_free_ char *defs = NULL;
	size_t len = 0;
	enum conf_distrust why;
	const char *keys[2] = { "UID_MIN", "UID_MAX" };
	uint32_t *dst[2] = { &o->min_uid, &o->max_uid };
	bool have[2] = { o->have_min_uid, o->have_max_uid };
	int r;

	if (have[0] && have[1])
		return PAM_SUCCESS;
	r = conf_read_trusted(PATH_LOGIN_DEFS, 0, SMALL_CONF_MAX, &defs, &len, NULL, &why);
	if (r == -EPERM) {
		pam_syslog(pamh, LOG_ALERT, PATH_LOGIN_DEFS " %s; refusing to trust it", conf_distrust_str(why));
		return PAM_SESSION_ERR;
	}
	if (r < 0 && r != -ENOENT) {
		pam_syslog(pamh, LOG_ERR, "cannot read " PATH_LOGIN_DEFS ": %s", strerror(-r));
		return PAM_SESSION_ERR;
	}
	for (int i = 0; i < 2; i++) {
		const char *v;
		size_t vlen;

		if (have[i])
			continue;
		*dst[i] = i == 0 ? DEF_UID_MIN : DEF_UID_MAX;
		if (!defs || !logindefs_get(defs, len, keys[i], &v, &vlen))
			continue;
		if (subid_parse_u32(v, vlen, dst[i]) < 0) {
			char clean[ESCAPE_MAX(40)];

			(void)str_escape_mem(v, vlen > 40 ? 40 : vlen, ESCAPE_QUOTED, clean, sizeof(clean));
			pam_syslog(pamh, LOG_ALERT, PATH_LOGIN_DEFS ": %s is '%s', not a plain decimal number", keys[i],
				   clean);
			return PAM_SESSION_ERR;
		}
	}
	return PAM_SUCCESS;
}

/* The subid: source of nsswitch.conf into src ("files" when there is none). Returns a PAM code. */
static int subid_source(pam_handle_t *pamh, char *src, size_t size)
{
	_cleanup_free_ char *nss = NULL;
	size_t len;
	enum conf_distrust why;
	int r;

	(void)snprintf(src, size, "files");
	r = conf_read_trusted(PATH_NSSWITCH, 0, SMALL_CONF_MAX, &nss, &len, NULL, &why);
	if (r == -ENOENT)
		return PAM_SUCCESS;
	if (r == -EPERM) {
		pam_syslog(pamh, LOG_ALERT, PATH_NSSWITCH " %s; refusing to trust it", conf_distrust_str(why));
		return PAM_SESSION_ERR;
	}
	if (r < 0) {
		pam_syslog(pamh, LOG_ERR, "cannot read " PATH_NSSWITCH ": %s", strerror(-r));
		return PAM_SESSION_ERR;
	}
	if (nsswitch_subid_source(nss, len, src, size) < 0) {
		pam_syslog(pamh, LOG_ALERT, PATH_NSSWITCH ": the subid: source name is too long");
		return PAM_SESSION_ERR;
	}
	return PAM_SUCCESS;
}

/* The unlocked look: does the user have a range in path (by name or uid)? *ret_missing when the
 * file does not exist. Returns a PAM code. */
static int has_range(pam_handle_t *pamh, const char *path, const char *user, uint32_t uid, bool *ret_has,
		     bool *ret_missing)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ struct idrange *ranges = NULL;
	size_t n = 0;
	enum conf_distrust why;
	int r;

	*ret_has = *ret_missing = false;
	fd = conf_open_trusted(path, CONF_NOFOLLOW, SIZE_MAX, NULL, &why);
	if (fd == -ENOENT) {
		*ret_missing = true;
		return PAM_SUCCESS;
	}
	if (fd == -ELOOP) {
		pam_syslog(pamh, LOG_ALERT, "%s is a symbolic link; refusing it", path);
		return PAM_SESSION_ERR;
	}
	if (fd == -EPERM) {
		pam_syslog(pamh, LOG_ALERT, "%s %s; refusing to trust it", path, conf_distrust_str(why));
		return PAM_SESSION_ERR;
	}
	if (fd < 0) {
		pam_syslog(pamh, LOG_ERR, "cannot open %s: %s", path, strerror(-fd));
		return PAM_SESSION_ERR;
	}
	r = subfile_collect_fd(fd, user, uid, &ranges, &n);
	if (r < 0) {
		pam_syslog(pamh, r == -ENOMEM ? LOG_CRIT : LOG_ERR, "cannot read %s: %s", path, strerror(-r));
		return PAM_SESSION_ERR;
	}
	*ret_has = n > 0;
	return PAM_SUCCESS;
}

/* Open the helper for execveat() after the checks: an absolute path whose directory and file are
 * owned by root and not writable by group or others, the file regular and executable. Returns an
 * O_PATH descriptor or -1 (logged). */
static int open_helper(pam_handle_t *pamh, const char *path)
{
	_cleanup_close_ int dfd = -1, fd = -1;
	_cleanup_free_ char *dir = NULL;
	const char *base = strrchr(path, '/') + 1; /* path is absolute (parse_opts) */
	struct stat st;

	dir = strndup(path, (size_t)(base - path) > 1 ? (size_t)(base - path - 1) : 1);
	if (!dir) {
		pam_syslog(pamh, LOG_CRIT, "out of memory");
		return -1;
	}
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fstat(dfd, &st) < 0) {
		pam_syslog(pamh, LOG_ERR, "helper directory %s: %m", dir);
		return -1;
	}
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		pam_syslog(pamh, LOG_ALERT, "helper directory %s is %s; refusing to run %s", dir,
			   st.st_uid != 0 ? "not owned by root" : "writable by group or others", path);
		return -1;
	}
	fd = openat(dfd, *base ? base : ".", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		pam_syslog(pamh, LOG_ERR, "helper %s: %m", path);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) || !(st.st_mode & S_IXUSR)) {
		pam_syslog(pamh, LOG_ALERT, "helper %s is %s; refusing to run it", path,
			   !S_ISREG(st.st_mode) ? "not a regular file (or a symbolic link)"
			   : st.st_uid != 0     ? "not owned by root"
			   : !(st.st_mode & S_IXUSR) ? "not executable"
						     : "writable by group or others");
		return -1;
	}
	return TAKE_FD(fd);
}

struct run {
	char out[HELPER_OUT_MAX], err[HELPER_OUT_MAX];
	struct spawn_result r;
};

/* Run the helper through lib/spawn.c: as root in every id, with no supplementary group, in a
 * session of its own and with our resource limits and umask, so that the user whose login this
 * is cannot signal it, stop it from the terminal or starve it with rlimits while it holds
 * /etc's locks (su runs the session with euid 0 and the user's real uid: issue 9). Returns 0 or
 * -1 (logged: the helper could not be started). */
static int run_helper(pam_handle_t *pamh, int exefd, char *const argv[], unsigned timeout, struct run *res)
{
	struct sigaction chld_old, chld_dfl;
	bool restore_chld = false;
	struct spawn_opts so = {
		.exe_fd = exefd,
		.argv = argv,
		.flags = SPAWN_ROOT | SPAWN_NEW_SESSION | SPAWN_SANE_LIMITS,
		.deadline_ms = clock_now_ms() + (long long)timeout * 1000,
		.out = res->out,
		.out_size = sizeof(res->out),
		.err = res->err,
		.err_size = sizeof(res->err),
	};
	int r;

	/* With SIGCHLD ignored the kernel reaps the child itself and waitpid() cannot see its status:
	 * the default disposition, just for the life of the helper. */
	if (sigaction(SIGCHLD, NULL, &chld_old) == 0 && !(chld_old.sa_flags & SA_SIGINFO) &&
	    chld_old.sa_handler == SIG_IGN) {
		memset(&chld_dfl, 0, sizeof(chld_dfl));
		chld_dfl.sa_handler = SIG_DFL;
		restore_chld = sigaction(SIGCHLD, &chld_dfl, NULL) == 0;
	}
	r = spawn_run(&so, &res->r);
	if (restore_chld)
		(void)sigaction(SIGCHLD, &chld_old, NULL);
	if (r < 0) {
		pam_syslog(pamh, LOG_CRIT, "cannot start the helper: %s", strerror(-r));
		return -1;
	}
	return 0;
}

/* The helper's success line: "user=NAME uid=N subuid=S:C subgid=S:C new=WHAT". Splits it in
 * place; returns false when it is not of that form. */
struct result_line {
	const char *user, *new;
	uint32_t uid;
	struct idrange sub[2];
};

static bool parse_range(const char *s, struct idrange *r)
{
	const char *colon = strchr(s, ':');

	return colon && subid_parse_u32(s, (size_t)(colon - s), &r->start) == 0 &&
	       subid_parse_u32_str(colon + 1, &r->count) == 0;
}

static bool parse_result(char *line, struct result_line *ret)
{
	static const char *const keys[5] = { "user=", "uid=", "subuid=", "subgid=", "new=" };
	char *nl = strchr(line, '\n'), *save = NULL, *tok = NULL;
	const char *val[5];

	if (!nl)
		return false;
	*nl = '\0';
	for (int i = 0; i < 5; i++) {
		tok = strtok_r(i == 0 ? line : NULL, " ", &save);
		if (!tok || strncmp(tok, keys[i], strlen(keys[i])) != 0)
			return false;
		val[i] = tok + strlen(keys[i]);
	}
	if (strtok_r(NULL, " ", &save))
		return false;
	ret->user = val[0];
	ret->new = val[4];
	return subid_parse_u32_str(val[1], &ret->uid) == 0 && parse_range(val[2], &ret->sub[0]) &&
	       parse_range(val[3], &ret->sub[1]);
}

/* The first line of the helper's stderr, printable, without the "subid-alloc: " prefix. */
static void first_line(const char *buf, size_t len, char *out, size_t size)
{
	char line[HELPER_OUT_MAX];
	const char *p = buf;
	size_t n = len;
	const char *nl = memchr(buf, '\n', len);

	if (nl)
		n = (size_t)(nl - buf);
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	memcpy(line, p, n);
	line[n] = '\0';
	p = strncmp(line, "subid-alloc: ", 13) == 0 ? line + 13 : line;
	/* subid-alloc escaped its own line (ESCAPE_TEXT): keep its \\xNN, stop anything raw. */
	(void)str_escape(p, ESCAPE_ESCAPED, out, size);
}

/* Whether login.defs has both files store the owner as the uid (shadow 4.20's SUB_UID_STORE_BY_UID
 * and SUB_GID_STORE_BY_UID), so that subid-alloc can write a name that a file cannot hold. Read
 * only on that rare path; an unreadable login.defs says no (subid-alloc then reports why). */
static bool defs_store_by_uid(void)
{
	_cleanup_free_ char *defs = NULL;
	size_t len = 0;
	enum conf_distrust why;

	if (conf_read_trusted(PATH_LOGIN_DEFS, 0, SMALL_CONF_MAX, &defs, &len, NULL, &why) < 0)
		return false;
	return logindefs_get_bool(defs, len, "SUB_UID_STORE_BY_UID") && logindefs_get_bool(defs, len, "SUB_GID_STORE_BY_UID");
}

static int allocate(pam_handle_t *pamh, const struct opts *o, const char *user, uint32_t uid)
{
	char nums[6][24], user_clean[256], why[512];
	const char *argv[24];
	size_t n = 0;
	_cleanup_close_ int exefd = -1;
	struct run res;
	struct result_line rl;

	(void)str_escape(user, ESCAPE_FIELD, user_clean, sizeof(user_clean));
	exefd = open_helper(pamh, o->helper);
	if (exefd < 0)
		return PAM_SESSION_ERR;

	/* The helper gets numbers re-formatted from what we parsed, never option text as written. The
	 * lock wait is half the time we give it, so a busy lock is reported by the helper itself. */
	argv[n++] = "subid-alloc";
	if (o->directory)
		argv[n++] = "--directory";
	if (o->have_mode) {
		argv[n++] = "--mode";
		argv[n++] = o->mode == ALLOC_UID ? "uid" : "first-fit";
	}
#define NUM_ARG(flag, idx, val)                                                       \
	do {                                                                          \
		(void)snprintf(nums[idx], sizeof(nums[idx]), "%lu", (unsigned long)(val)); \
		argv[n++] = flag;                                                     \
		argv[n++] = nums[idx];                                                \
	} while (0)
	if (o->have_count)
		NUM_ARG("--count", 0, o->count);
	if (o->have_min)
		NUM_ARG("--min", 1, o->min);
	if (o->have_max)
		NUM_ARG("--max", 2, o->max);
	if (!o->directory)
		NUM_ARG("--min-uid", 3, o->min_uid);
	NUM_ARG("--timeout", 4, o->timeout / 2);
#undef NUM_ARG
	if (o->by_uid)
		argv[n++] = "--by-uid";
	if (o->create)
		argv[n++] = "--create";
	argv[n++] = "--";
	/* A name the files cannot hold (by_uid only, checked by the caller) goes by uid: the helper
	 * reads an all-digit argument as a uid. */
	if (alloc_name_writable(user)) {
		argv[n++] = user;
	} else {
		(void)snprintf(nums[5], sizeof(nums[5]), "%lu", (unsigned long)uid);
		argv[n++] = nums[5];
	}
	argv[n] = NULL;

	if (o->debug)
		pam_syslog(pamh, LOG_DEBUG, "running %s for user=%s uid=%u", o->helper, user_clean, uid);
	if (run_helper(pamh, exefd, (char *const *)argv, o->timeout, &res) < 0)
		return PAM_SESSION_ERR;
	if (res.r.exec_errno) {
		pam_syslog(pamh, LOG_ERR, "cannot allocate sub-ids for user=%s uid=%u: cannot run the helper %s: %s",
			   user_clean, uid, o->helper, strerror(res.r.exec_errno));
		return PAM_SESSION_ERR;
	}
	if (res.r.timed_out) {
		pam_syslog(pamh, LOG_ERR,
			   "cannot allocate sub-ids for user=%s uid=%u: the helper %s did not finish in %u s and was "
			   "killed (a lock it held is stale now and will be taken over)",
			   user_clean, uid, o->helper, o->timeout);
		return PAM_SESSION_ERR;
	}
	/* Exit 0 and the one line; or, if the caller's own SIGCHLD handler took the status, the line
	 * alone (the helper prints it only on success). */
	if ((res.r.reaped && WIFEXITED(res.r.status) && WEXITSTATUS(res.r.status) == 0) || !res.r.reaped) {
		if (!parse_result(res.out, &rl) || rl.uid != uid) {
			if (!res.r.reaped)
				pam_syslog(pamh, LOG_ERR, "cannot allocate sub-ids for user=%s uid=%u: the helper's exit "
					   "status was lost (reaped elsewhere) and it printed no result", user_clean, uid);
			else
				pam_syslog(pamh, LOG_ERR, "sub-ids for user=%s uid=%u: the helper %s succeeded but "
					   "printed an unexpected line", user_clean, uid, o->helper);
			return PAM_SESSION_ERR;
		}
		if (strcmp(rl.new, "none") == 0) {
			if (o->debug)
				pam_syslog(pamh, LOG_DEBUG, "user=%s uid=%u already has subuid=%u:%u subgid=%u:%u",
					   user_clean, uid, rl.sub[0].start, rl.sub[0].count, rl.sub[1].start,
					   rl.sub[1].count);
		} else {
			pam_syslog(pamh, LOG_NOTICE, "allocated sub-ids for user=%s uid=%u subuid=%u:%u subgid=%u:%u new=%s",
				   user_clean, uid, rl.sub[0].start, rl.sub[0].count, rl.sub[1].start, rl.sub[1].count,
				   rl.new);
		}
		return PAM_SUCCESS;
	}
	first_line(res.err, res.r.err_len, why, sizeof(why));
	if (WIFEXITED(res.r.status))
		pam_syslog(pamh, LOG_ERR, "cannot allocate sub-ids for user=%s uid=%u: %s (%s exit status %d)",
			   user_clean, uid, *why ? why : "no reason given", o->helper, WEXITSTATUS(res.r.status));
	else
		pam_syslog(pamh, LOG_ERR, "cannot allocate sub-ids for user=%s uid=%u: the helper %s was killed by signal %d%s%s",
			   user_clean, uid, o->helper, WTERMSIG(res.r.status), *why ? ": " : "", why);
	return PAM_SESSION_ERR;
}

/* The user's uid, by getpwnam_r() into a local buffer: unlike pam_modutil_getpwnam(), which
 * keeps every result on the PAM handle under a new key (a list that grows with each session a
 * long-lived handle opens), nothing outlives the call. Returns 0, -ENOENT or -errno. */
/* The uid of user, and the name the user database has for it (an NSS source may answer "Bob" for
 * "bob", and what subid-alloc writes, and what the helpers match, is that name), in canon. */
static int lookup_uid(const char *user, uint32_t *ret, char *canon, size_t canon_size)
{
	char stackbuf[4096], *heap = NULL, *buf = stackbuf;
	size_t size = sizeof(stackbuf);
	struct passwd pwd, *res = NULL;
	int r;

	for (;;) {
		r = getpwnam_r(user, &pwd, buf, size, &res);
		if (r != ERANGE || size >= (1u << 20))
			break;
		size *= 2;
		free(heap);
		heap = malloc(size);
		if (!heap)
			return -ENOMEM;
		buf = heap;
	}
	if (r == 0 && res) {
		*ret = (uint32_t)res->pw_uid;
		if ((size_t)snprintf(canon, canon_size, "%s", res->pw_name) >= canon_size)
			(void)snprintf(canon, canon_size, "%s", user);
	}
	free(heap);
	if (r != 0)
		return -r;
	return res ? 0 : -ENOENT;
}

PAM_SUBID_EXPORT int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct opts o;
	const void *item = NULL;
	const char *user;
	char user_clean[256], src[64], canon[256];
	bool has_u, has_g, miss_u, miss_g;
	uint32_t uid = 0;
	int r;

	(void)flags; /* nothing is ever shown to the user, so PAM_SILENT changes nothing */
	if (parse_opts(pamh, argc, argv, &o) < 0)
		return PAM_SERVICE_ERR;

	r = pam_get_item(pamh, PAM_USER, &item);
	user = item;
	if (r != PAM_SUCCESS || !user || !*user) {
		pam_syslog(pamh, LOG_ERR, "no user name in the PAM handle");
		return PAM_USER_UNKNOWN;
	}
	(void)str_escape(user, ESCAPE_FIELD, user_clean, sizeof(user_clean));
	r = lookup_uid(user, &uid, canon, sizeof(canon));
	if (r == -ENOENT) {
		pam_syslog(pamh, LOG_ERR, "user=%s is not in the user database", user_clean);
		return PAM_USER_UNKNOWN;
	}
	if (r < 0) {
		pam_syslog(pamh, LOG_ERR, "user=%s: cannot look the user up: %s", user_clean, strerror(-r));
		return PAM_SYSTEM_ERR;
	}
	/* From here on the database's spelling: the fast path must look for the name that the
	 * helper writes (pw_name), or a login typed as "Bob" takes /etc's locks at every login. */
	if (strcmp(canon, user) != 0) {
		user = canon;
		(void)str_escape(user, ESCAPE_FIELD, user_clean, sizeof(user_clean));
	}

	/* Scope. */
	if (uid == 0)
		return ignore(pamh, &o, "user=%s uid=0: root gets no sub-ids", user_clean);
	r = uid_scope(pamh, &o);
	if (r != PAM_SUCCESS)
		return r;
	if (uid < o.min_uid || uid > o.max_uid)
		return ignore(pamh, &o, "user=%s uid=%u is outside min_uid=%u..max_uid=%u: nothing to do", user_clean,
			      uid, o.min_uid, o.max_uid);
	r = subid_source(pamh, src, sizeof(src));
	if (r != PAM_SUCCESS)
		return r;
	if (strcmp(src, "files") != 0) {
		char src_clean[128];

		(void)str_escape(src, ESCAPE_QUOTED, src_clean, sizeof(src_clean));
		return ignore(pamh, &o, "user=%s uid=%u: " PATH_NSSWITCH " names the subid source '%s', not files: "
			      "nothing to do", user_clean, uid, src_clean);
	}

	/* The fast path, without any lock: both ranges there already. */
	r = has_range(pamh, PATH_SUBUID, user, uid, &has_u, &miss_u);
	if (r != PAM_SUCCESS)
		return r;
	r = has_range(pamh, PATH_SUBGID, user, uid, &has_g, &miss_g);
	if (r != PAM_SUCCESS)
		return r;
	if (has_u && has_g) {
		if (o.debug)
			pam_syslog(pamh, LOG_DEBUG, "user=%s uid=%u already has ranges in " PATH_SUBUID " and " PATH_SUBGID,
				   user_clean, uid);
		return PAM_SUCCESS;
	}
	if ((miss_u || miss_g) && !o.create)
		return ignore(pamh, &o, "user=%s uid=%u: %s%s%s does not exist and the create option is not given: "
			      "nothing to do", user_clean, uid, miss_u ? PATH_SUBUID : "",
			      miss_u && miss_g ? " (nor " PATH_SUBGID ")" : "", !miss_u ? PATH_SUBGID : "");
	if (geteuid() != 0)
		return ignore(pamh, &o, "user=%s uid=%u has no sub-ids, but this process (euid %u) is not root and "
			      "cannot add them", user_clean, uid, (unsigned)geteuid());
	if (!o.by_uid && !alloc_name_writable(user) && !defs_store_by_uid()) {
		pam_syslog(pamh, LOG_ERR, "cannot allocate sub-ids for user=%s uid=%u: %s (the by_uid option writes the "
			   "uid instead)", user_clean, uid, alloc_reason_str(ALLOC_E_NAME));
		return PAM_SESSION_ERR;
	}
	return allocate(pamh, &o, user, uid);
}

PAM_SUBID_EXPORT int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}
