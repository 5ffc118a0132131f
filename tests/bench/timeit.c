/* SPDX-License-Identifier: GPL-2.0-or-later
 * timeit: the timing driver of tests/bench/bench.sh (compiled at run time, never installed).
 *
 *   timeit -u UID -g GID -m INNER:OUTER:COUNT [-n ITER] [-w WARMUP] [-t TRUE] LABEL=HELPER...
 *
 * Run as root. Per iteration and per helper (their order rotates, so no helper always runs
 * first), it:
 *  1. forks a target outside the timed region: the child becomes UID/GID, stays dumpable (so
 *     /proc/PID belongs to UID), unshare(CLONE_NEWUSER)s into a FRESH user namespace, reports
 *     ready on a pipe and pause()s;
 *  2. times only fork + exec + wait4 of "HELPER PID INNER OUTER COUNT" run as UID/GID, with
 *     CLOCK_MONOTONIC, and takes the call's peak RSS from wait4's rusage (the child alone);
 *  3. checks the helper exited 0 and that the target's uid_map now reads exactly the mapping;
 *  4. kills and reaps the target.
 * With -t, the same fork + exec + wait of TRUE (e.g. /bin/true) is timed as a floor: the cost of
 * starting any program, which neither helper can go below.
 * Output, one line per helper (times in milliseconds, RSS in KiB):
 *   LABEL ITER median p90 min max peak_rss_kib
 * Exit status: 0, or 1 when any call failed (the failure is described on stderr). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_HELPERS 8

struct helper {
	const char *label;
	const char *path;
	double *ms; /* one per timed call */
	long peak_rss_kib;
};

static uid_t uid;
static gid_t gid;
static char inner[16], outer[16], count[16];
/* The helpers get the same small, fixed environment. */
static char *const child_env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };

static _Noreturn void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("timeit: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* In a child: become the unprivileged caller. A failure here is reported through _exit codes
 * the parent decodes (126), as stdio state is shared with the parent. */
static void become_user(void)
{
	if (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0)
		_exit(126);
}

/* Step 1: a target in a fresh user namespace, owned by uid/gid. Returns its pid. */
static pid_t spawn_target(void)
{
	int p[2];
	pid_t pid;
	char c;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0)
		fail("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (pid == 0) {
		(void)close(p[0]);
		become_user();
		/* Credential changes (setuid, unshare) clear the dumpable flag, which hands /proc/PID to
		 * root, and the parent-death signal: set both afterwards, so /proc/PID is owned by uid as
		 * after the exec of an ordinary "unshare -U sleep", and no target outlives the driver. */
		if (unshare(CLONE_NEWUSER) < 0 || prctl(PR_SET_DUMPABLE, 1) < 0 || prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
			_exit(125);
		if (write(p[1], "r", 1) != 1)
			_exit(125);
		for (;;)
			pause();
	}
	(void)close(p[1]);
	do
		n = read(p[0], &c, 1);
	while (n < 0 && errno == EINTR);
	(void)close(p[0]);
	if (n != 1) {
		int st;

		(void)waitpid(pid, &st, 0);
		fail("the target could not %s (status %d)",
		     WIFEXITED(st) && WEXITSTATUS(st) == 126 ? "become the user" : "enter a new user namespace",
		     WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	}
	return pid;
}

static void kill_target(pid_t pid)
{
	(void)kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* Step 3: the target's uid_map must read exactly "INNER OUTER COUNT", one line. */
static void check_map(pid_t pid, const char *label)
{
	char path[64], buf[256], extra;
	unsigned long a, b, c;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	f = fopen(path, "re");
	if (!f)
		fail("%s: cannot read %s: %s", label, path, strerror(errno));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	(void)fclose(f);
	buf[n] = '\0';
	if (sscanf(buf, "%lu %lu %lu %c", &a, &b, &c, &extra) != 3 || a != strtoul(inner, NULL, 10) ||
	    b != strtoul(outer, NULL, 10) || c != strtoul(count, NULL, 10))
		fail("%s exited 0 but %s reads '%s', not '%s %s %s'", label, path, buf, inner, outer, count);
}

static double now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Step 2: one timed call. target 0 runs path with no arguments (the floor). */
static double timed_call(const char *path, pid_t target, long *rss_kib, int *status)
{
	char pidarg[16];
	char *argv[6];
	struct rusage ru;
	double t0, t1;
	pid_t pid;

	snprintf(pidarg, sizeof(pidarg), "%d", (int)target);
	argv[0] = (char *)path;
	argv[1] = target ? pidarg : NULL;
	argv[2] = inner;
	argv[3] = outer;
	argv[4] = count;
	argv[5] = NULL;

	t0 = now_ms();
	pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (pid == 0) {
		become_user();
		execve(path, argv, child_env);
		_exit(127);
	}
	while (wait4(pid, status, 0, &ru) < 0)
		if (errno != EINTR)
			fail("wait4: %s", strerror(errno));
	t1 = now_ms();
	*rss_kib = ru.ru_maxrss;
	return t1 - t0;
}

static void run_one(struct helper *h, int iter)
{
	pid_t target = 0;
	long rss;
	int st;
	double ms;

	if (h->path[0] != '@') /* '@' marks the floor: no target, no map */
		target = spawn_target();
	ms = timed_call(h->path + (h->path[0] == '@'), target, &rss, &st);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		if (target)
			kill_target(target);
		fail("%s failed: %s %d (126: cannot become uid %u, 127: cannot exec)", h->label,
		     WIFEXITED(st) ? "exit status" : "killed by signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
		     (unsigned)uid);
	}
	if (target) {
		check_map(target, h->label);
		kill_target(target);
	}
	if (iter >= 0) {
		h->ms[iter] = ms;
		if (rss > h->peak_rss_kib)
			h->peak_rss_kib = rss;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static unsigned long parse_ul(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || s[0] == '+' || s[0] == ' ')
		fail("bad %s '%s'", what, s);
	return v;
}

int main(int argc, char **argv)
{
	struct helper h[MAX_HELPERS];
	int nh = 0, iters = 20, warm = 2, opt;
	bool have_uid = false, have_gid = false, have_map = false;

	while ((opt = getopt(argc, argv, "+u:g:m:n:w:t:")) != -1) {
		switch (opt) {
		case 'u': uid = (uid_t)parse_ul(optarg, "uid"); have_uid = true; break;
		case 'g': gid = (gid_t)parse_ul(optarg, "gid"); have_gid = true; break;
		case 'n': iters = (int)parse_ul(optarg, "iteration count"); break;
		case 'w': warm = (int)parse_ul(optarg, "warm-up count"); break;
		case 'm':
			if (sscanf(optarg, "%15[0-9]:%15[0-9]:%15[0-9]", inner, outer, count) != 3)
				fail("bad mapping '%s' (INNER:OUTER:COUNT)", optarg);
			have_map = true;
			break;
		case 't': {
			/* The floor: "@path" so run_one knows to create no target. */
			char *p = malloc(strlen(optarg) + 2);

			if (!p || nh == MAX_HELPERS)
				fail("too many helpers");
			sprintf(p, "@%s", optarg);
			h[nh++] = (struct helper){ .label = "floor", .path = p };
			break;
		}
		default:
			fail("usage: timeit -u UID -g GID -m INNER:OUTER:COUNT [-n ITER] [-w WARMUP] [-t TRUE] LABEL=HELPER...");
		}
	}
	if (!have_uid || !have_gid || !have_map || uid == 0 || iters < 1 || iters > 100000)
		fail("need -u UID (not 0), -g GID, -m INNER:OUTER:COUNT and 1 <= ITER <= 100000");
	for (int i = optind; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (!eq || eq == argv[i] || eq[1] != '/' || nh == MAX_HELPERS)
			fail("bad helper '%s' (LABEL=/absolute/path)", argv[i]);
		*eq = '\0';
		h[nh++] = (struct helper){ .label = argv[i], .path = eq + 1 };
	}
	if (geteuid() != 0)
		fail("must run as root (it switches to uid %u for each call)", (unsigned)uid);
	for (int k = 0; k < nh; k++)
		if (!(h[k].ms = calloc((size_t)iters, sizeof(double))))
			fail("out of memory");

	/* Warm-up calls fill the page cache and the dynamic loader's caches; not recorded. */
	for (int i = 0; i < warm; i++)
		for (int k = 0; k < nh; k++)
			run_one(&h[k], -1);
	for (int i = 0; i < iters; i++)
		for (int k = 0; k < nh; k++)
			run_one(&h[(i + k) % nh], i);

	for (int k = 0; k < nh; k++) {
		double *v = h[k].ms;
		size_t n = (size_t)iters, p90 = (size_t)ceil(0.9 * (double)n) - 1;

		qsort(v, n, sizeof(*v), cmp_double);
		printf("%s %d %.3f %.3f %.3f %.3f %ld\n", h[k].label, iters,
		       n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, v[p90], v[0], v[n - 1], h[k].peak_rss_kib);
	}
	return 0;
}
