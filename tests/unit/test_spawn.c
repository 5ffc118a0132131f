/* SPDX-License-Identifier: GPL-2.0-or-later
 * Check suite for lib/spawn.c: a helper with a deadline, and the credentials, session, limits,
 * signals, descriptors and environment its child gets (issue 9). The child is a real program
 * (cat /proc/self/status, sh); what it reports about itself is parsed and compared. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <grp.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fdguard.h"
#include "spawn.h"
#include "check-run.h"

#define SH "/bin/sh"
#define CAT "/bin/cat"

static char out[8192], err[8192];

/* Every kill() spawn.c makes (it is linked into this program, so this definition is the one it
 * calls): the pids it signalled. */
static pid_t killed[64];
static int n_killed;

int kill(pid_t pid, int sig)
{
	if (n_killed < (int)(sizeof(killed) / sizeof(killed[0])))
		killed[n_killed++] = pid;
	return (int)syscall(SYS_kill, pid, sig);
}

/* Run argv (a NULL-terminated list) with flags and a 10 s deadline; returns the result. */
static struct spawn_result run(unsigned flags, const char *path, char *const *argv)
{
	struct spawn_opts o = {
		.exe_fd = -1,
		.path = path,
		.argv = argv,
		.flags = flags,
		.deadline_ms = clock_now_ms() + 10000,
		.out = out,
		.out_size = sizeof(out),
		.err = err,
		.err_size = sizeof(err),
	};
	struct spawn_result res;

	ck_assert_int_eq(spawn_run(&o, &res), 0);
	return res;
}

/* The value of "Key:" in /proc/self/status text, tabs kept. */
static const char *status_field(const char *text, const char *key, char *buf, size_t size)
{
	const char *p = strstr(text, key);
	size_t n;

	ck_assert_msg(p != NULL, "no %s in '%s'", key, text);
	p += strlen(key);
	p += strspn(p, "\t ");
	n = strcspn(p, "\n");
	while (n > 0 && p[n - 1] == ' ')
		n--;
	ck_assert_uint_lt(n, size);
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}

/* ---- output, status, exec failure, truncation ------------------------------------------------ */

static const struct sh_case {
	const char *script;
	unsigned flags;
	size_t out_size;
	const char *out, *err;
	int exit_status;
} sh_cases[] = {
	{ "echo out; echo err >&2; exit 3", 0, sizeof(out), "out\n", "err\n", 3 },
	{ "echo out; echo err >&2", SPAWN_MERGE_STDERR, sizeof(out), "out\nerr\n", "", 0 },
	{ "printf 0123456789abcdefXYZ", 0, 17, "0123456789abcdef", "", 0 },
	/* 1 MiB through a 16-byte buffer: the rest is read and dropped, the child never blocks */
	{ "head -c 1048576 /dev/zero | tr '\\0' a; exit 5", 0, 16, "aaaaaaaaaaaaaaa", "", 5 },
	{ "read x; echo \"[$x]\"", 0, sizeof(out), "[]\n", "", 0 }, /* stdin is /dev/null */
	{ "wc -c </proc/$$/environ", 0, sizeof(out), "0\n", "", 0 }, /* an empty environment */
	{ "exec 2>&-; echo x", 0, sizeof(out), "x\n", "", 0 },
};

START_TEST(test_sh)
{
	const struct sh_case *c = &sh_cases[_i];
	char *argv[] = { (char *)"sh", (char *)"-c", (char *)c->script, NULL };
	struct spawn_opts o = {
		.exe_fd = -1,
		.path = SH,
		.argv = argv,
		.flags = c->flags,
		.deadline_ms = clock_now_ms() + 10000,
		.out = out,
		.out_size = c->out_size,
		.err = err,
		.err_size = sizeof(err),
	};
	struct spawn_result res;

	ck_assert_int_eq(spawn_run(&o, &res), 0);
	ck_assert(res.reaped);
	ck_assert(!res.timed_out);
	ck_assert_int_eq(res.exec_errno, 0);
	ck_assert(WIFEXITED(res.status));
	ck_assert_int_eq(WEXITSTATUS(res.status), c->exit_status);
	ck_assert_str_eq(out, c->out);
	ck_assert_uint_eq(res.out_len, strlen(c->out));
	ck_assert_str_eq(err, c->err);
}
END_TEST

START_TEST(test_exec_failure)
{
	char *argv[] = { (char *)"nothing", NULL };
	struct spawn_result res = run(0, "/nonexistent/nothing", argv);

	ck_assert(res.reaped);
	ck_assert_int_eq(res.exec_errno, ENOENT);
	ck_assert(WIFEXITED(res.status) && WEXITSTATUS(res.status) == 127);
}
END_TEST

/* sh -c script with a deadline ms from now: it must be SIGKILLed at it and reaped. */
static struct spawn_result run_past_deadline(const char *script, long long ms)
{
	char *argv[] = { (char *)"sh", (char *)"-c", (char *)script, NULL };
	struct spawn_opts o = {
		.exe_fd = -1,
		.path = SH,
		.argv = argv,
		.deadline_ms = clock_now_ms() + ms,
		.out = out,
		.out_size = sizeof(out),
	};
	struct spawn_result res;

	ck_assert_int_eq(spawn_run(&o, &res), 0);
	ck_assert(res.timed_out);
	ck_assert(res.reaped);
	ck_assert(WIFSIGNALED(res.status) && WTERMSIG(res.status) == SIGKILL);
	return res;
}

/* The deadline: a child that would sleep 30 s is SIGKILLed and reaped. */
START_TEST(test_deadline)
{
	struct spawn_result res = run_past_deadline("echo started; exec sleep 30", 300);

	ck_assert_str_eq(out, "started\n");
	ck_assert_int_eq(kill(res.pid, 0), -1); /* gone, not a zombie of ours */
	ck_assert_int_eq(errno, ESRCH);
}
END_TEST

/* A child whose status another waiter takes (a caller's SIGCHLD handler with waitpid(-1)). */
START_TEST(test_reaped_elsewhere)
{
	char *argv[] = { (char *)"sh", (char *)"-c", (char *)"echo x", NULL };
	struct sigaction sa = { .sa_handler = SIG_IGN };
	struct spawn_result res;

	/* SIGCHLD ignored: the kernel reaps the child itself, as in a daemon that ignores it. */
	ck_assert_int_eq(sigaction(SIGCHLD, &sa, NULL), 0);
	res = run(0, SH, argv);
	ck_assert(!res.reaped);
	ck_assert(!res.timed_out);
	ck_assert_str_eq(out, "x\n");
}
END_TEST

/* exec through a descriptor: what was checked is what runs. */
/* The deadline passes after the caller's side reaped the child (SIGCHLD ignored; a grandchild
 * keeps the output pipe open): the child's pid is no longer ours, and may already be another
 * process's, so it is never signalled. (Before, spawn_run() SIGKILLed that pid, as root in
 * pam_subid, before it looked whether the child was still there.) */
START_TEST(test_deadline_reaped_elsewhere)
{
	char *argv[] = { (char *)"sh", (char *)"-c", (char *)"sleep 30 & echo $!", NULL };
	struct sigaction sa = { .sa_handler = SIG_IGN };
	struct spawn_opts o = {
		.exe_fd = -1,
		.path = SH,
		.argv = argv,
		.deadline_ms = clock_now_ms() + 500,
		.out = out,
		.out_size = sizeof(out),
	};
	struct spawn_result res;
	long grandchild;

	ck_assert_int_eq(sigaction(SIGCHLD, &sa, NULL), 0);
	n_killed = 0;
	ck_assert_int_eq(spawn_run(&o, &res), 0);
	grandchild = strtol(out, NULL, 10);
	ck_assert_int_gt(grandchild, 1);
	(void)syscall(SYS_kill, (pid_t)grandchild, SIGKILL);
	ck_assert(res.timed_out);
	ck_assert(!res.reaped);
	for (int i = 0; i < n_killed; i++)
		ck_assert_msg(killed[i] != res.pid, "spawn_run() signalled pid %d after it was reaped elsewhere",
			      (int)res.pid);
}
END_TEST

START_TEST(test_exe_fd)
{
	char *argv[] = { (char *)"cat", (char *)"/proc/self/comm", NULL };
	int fd = open(CAT, O_PATH | O_CLOEXEC);
	struct spawn_opts o = {
		.exe_fd = fd,
		.path = "/nonexistent",
		.argv = argv,
		.deadline_ms = clock_now_ms() + 10000,
		.out = out,
		.out_size = sizeof(out),
	};
	struct spawn_result res;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(spawn_run(&o, &res), 0);
	ck_assert_int_eq(res.exec_errno, 0);
	ck_assert_str_eq(out, "cat\n");
	close(fd);
}
END_TEST

/* ---- what the child inherits ----------------------------------------------------------------- */

/* Descriptors: only 0-2, whatever the parent has open without O_CLOEXEC; 0-2 closed in the parent
 * do not confuse the set-up. */
START_TEST(test_fds)
{
	char *argv[] = { (char *)"sh", (char *)"-c", (char *)"for f in 3 4 5 9 20; do [ -e /proc/$$/fd/$f ] && echo leaked $f; done; echo done", NULL };
	struct spawn_result res;

	ck_assert_int_eq(dup2(STDERR_FILENO, 9), 9);
	ck_assert_int_eq(dup2(STDERR_FILENO, 20), 20);
	close(0);
	close(1);
	res = run(0, SH, argv);
	ck_assert_int_eq(res.exec_errno, 0);
	ck_assert_str_eq(out, "done\n");
}
END_TEST

/* Signals: default dispositions and an empty mask, whatever the caller ignored or blocked. */
START_TEST(test_signals)
{
	char *argv[] = { (char *)"cat", (char *)"/proc/self/status", NULL };
	struct sigaction sa = { .sa_handler = SIG_IGN };
	sigset_t set;
	char buf[64];
	struct spawn_result res;

	ck_assert_int_eq(sigaction(SIGTERM, &sa, NULL), 0);
	ck_assert_int_eq(sigaction(SIGXFSZ, &sa, NULL), 0);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	ck_assert_int_eq(sigprocmask(SIG_BLOCK, &set, NULL), 0);
	unsigned long long ign, blk, reserved = 0;

	res = run(0, CAT, argv);
	ck_assert_int_eq(res.exec_errno, 0);
	/* Signals 32 to SIGRTMIN - 1 are glibc's own (sigaction() refuses them, and glibc installs
	 * its handlers at start-up in every program): an ignored one inherited from whoever started
	 * this test cannot be reset, and does not matter. */
	for (int sig = 32; sig < SIGRTMIN; sig++)
		reserved |= 1ULL << (sig - 1);
	ign = strtoull(status_field(out, "SigIgn:", buf, sizeof(buf)), NULL, 16);
	blk = strtoull(status_field(out, "SigBlk:", buf, sizeof(buf)), NULL, 16);
	ck_assert_msg((ign & ~reserved) == 0, "ignored: %llx", ign);
	ck_assert_msg((blk & ~reserved) == 0, "blocked: %llx", blk);
}
END_TEST

/* SPAWN_NEW_SESSION: the child leads a new session and process group, without a terminal. */
START_TEST(test_session)
{
	char *argv[] = { (char *)"cat", (char *)"/proc/self/stat", NULL };
	long pid, ppid, pgrp, sid, tty;
	char comm[64], state;

	for (int with = 0; with < 2; with++) {
		struct spawn_result res = run(with ? SPAWN_NEW_SESSION : 0, CAT, argv);

		ck_assert_int_eq(res.exec_errno, 0);
		ck_assert_int_eq(sscanf(out, "%ld %63s %c %ld %ld %ld %ld", &pid, comm, &state, &ppid, &pgrp, &sid, &tty), 7);
		ck_assert_int_eq(pid, res.pid);
		if (with) {
			ck_assert_int_eq(sid, pid);
			ck_assert_int_eq(pgrp, pid);
			ck_assert_int_eq(tty, 0);
		} else {
			ck_assert_int_eq(sid, getsid(0));
			ck_assert_int_eq(pgrp, getpgrp());
		}
	}
}
END_TEST

/* SPAWN_SANE_LIMITS: the caller's tiny limits and umask are not the child's. */
START_TEST(test_limits)
{
	char *argv[] = { (char *)"cat", (char *)"/proc/self/limits", (char *)"/proc/self/status", NULL };
	struct rlimit tiny = { 4096, RLIM_INFINITY }, nofile;
	struct spawn_result res;
	char buf[64];

	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &nofile), 0);
	if (nofile.rlim_max < 1024 && geteuid() != 0)
		return; /* cannot be raised to 1024 without privilege here */
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &tiny), 0);
	tiny = (struct rlimit){ 60, RLIM_INFINITY };
	ck_assert_int_eq(setrlimit(RLIMIT_CPU, &tiny), 0);
	tiny = (struct rlimit){ 1 << 20, RLIM_INFINITY };
	ck_assert_int_eq(setrlimit(RLIMIT_CORE, &tiny), 0);
	tiny = (struct rlimit){ 16, nofile.rlim_max };
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &tiny), 0);
	tiny = (struct rlimit){ 1000, RLIM_INFINITY };
	ck_assert_int_eq(setrlimit(RLIMIT_RTTIME, &tiny), 0);
	umask(0777);
	res = run(SPAWN_SANE_LIMITS, CAT, argv);
	ck_assert_msg(res.exec_errno == 0, "set-up failed: %s", strerror(res.exec_errno));
	ck_assert_msg(strstr(out, "Max file size             unlimited            unlimited"), "%s", out);
	ck_assert_msg(strstr(out, "Max cpu time              unlimited            unlimited"), "%s", out);
	ck_assert_msg(strstr(out, "Max core file size        0 "), "%s", out);
	ck_assert_msg(strstr(out, "Max open files            1024 "), "%s", out);
	ck_assert_msg(strstr(out, "Max realtime timeout      unlimited            unlimited"), "%s", out);
	ck_assert_str_eq(status_field(out, "Umask:", buf, sizeof(buf)), "0022");
	/* without the flag, the caller's */
	res = run(0, CAT, argv);
	ck_assert_msg(strstr(out, "Max file size             4096 "), "%s", out);
	ck_assert_str_eq(status_field(out, "Umask:", buf, sizeof(buf)), "0777");
}
END_TEST

/* The caller's scheduling is not the helper's: from SCHED_FIFO (root only) and nice 19, the child
 * runs SCHED_OTHER at nice 0 (/proc/self/stat fields 18 and 19: priority and nice; 41: policy). */
START_TEST(test_sched)
{
	char *argv[] = { (char *)"sh", (char *)"-c", (char *)"cut -d' ' -f19,41 /proc/self/stat", NULL };
	struct sched_param sp = { .sched_priority = 1 };
	struct spawn_result res;

	if (geteuid() != 0)
		return; /* SCHED_FIFO and the way back from nice 19 need privilege */
	ck_assert_int_eq(setpriority(PRIO_PROCESS, 0, 19), 0);
	ck_assert_int_eq(sched_setscheduler(0, SCHED_FIFO, &sp), 0);
	res = run(0, SH, argv);
	ck_assert_int_eq(res.exec_errno, 0);
	ck_assert_str_eq(out, "19 1\n"); /* the caller's: nice 19, SCHED_FIFO (1) */
	res = run(SPAWN_SANE_LIMITS, SH, argv);
	ck_assert_int_eq(res.exec_errno, 0);
	ck_assert_str_eq(out, "0 0\n"); /* SCHED_OTHER (0), nice 0 */
	sp.sched_priority = 0;
	ck_assert_int_eq(sched_setscheduler(0, SCHED_OTHER, &sp), 0);
	res = run(0, SH, argv);
	ck_assert_str_eq(out, "19 0\n");
	res = run(SPAWN_SANE_LIMITS, SH, argv);
	ck_assert_str_eq(out, "0 0\n");
}
END_TEST

/* A child that never stops writing is still ended at its deadline (poll() is always ready). */
START_TEST(test_deadline_flood)
{
	/* Before, spawn_run() could loop here until the case's own timeout (30 s) failed it. */
	(void)run_past_deadline("exec cat /dev/zero", 500);
}
END_TEST

/* SPAWN_ROOT: from euid 0 with another real uid and supplementary groups (su's state during the
 * PAM session), the child has every id 0 and no group. Root only. */
START_TEST(test_root)
{
	char *argv[] = { (char *)"cat", (char *)"/proc/self/status", NULL };
	gid_t groups[2] = { 65534, 100 };
	struct spawn_result res;
	char buf[128];

	if (geteuid() != 0)
		return;
	ck_assert_int_eq(setgroups(2, groups), 0);
	ck_assert_int_eq(setresgid(65534, 0, 0), 0);
	ck_assert_int_eq(setresuid(65534, 0, 0), 0);
	res = run(0, CAT, argv);
	ck_assert_str_eq(status_field(out, "Uid:", buf, sizeof(buf)), "65534\t0\t0\t0");
	ck_assert_str_eq(status_field(out, "Groups:", buf, sizeof(buf)), "100 65534");
	res = run(SPAWN_ROOT, CAT, argv);
	ck_assert_int_eq(res.exec_errno, 0);
	ck_assert_str_eq(status_field(out, "Uid:", buf, sizeof(buf)), "0\t0\t0\t0");
	ck_assert_str_eq(status_field(out, "Gid:", buf, sizeof(buf)), "0\t0\t0\t0");
	ck_assert_str_eq(status_field(out, "Groups:", buf, sizeof(buf)), "");
}
END_TEST

/* SPAWN_ROOT without privilege: the set-up fails, reported, nothing runs. */
START_TEST(test_root_refused)
{
	char *argv[] = { (char *)"sh", (char *)"-c", (char *)"echo ran", NULL };
	struct spawn_result res;

	if (geteuid() == 0)
		ck_assert_int_eq(setresuid(65534, 65534, 65534), 0);
	res = run(SPAWN_ROOT, SH, argv);
	ck_assert_int_eq(res.exec_errno, EPERM);
	ck_assert_str_eq(out, "");
	ck_assert(WIFEXITED(res.status) && WEXITSTATUS(res.status) == 127);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("spawn");
	TCase *tc = tcase_create("spawn_run");

	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_sh, 0, (int)(sizeof(sh_cases) / sizeof(sh_cases[0])));
	tcase_add_test(tc, test_exec_failure);
	tcase_add_test(tc, test_deadline);
	tcase_add_test(tc, test_reaped_elsewhere);
	tcase_add_test(tc, test_deadline_reaped_elsewhere);
	tcase_add_test(tc, test_exe_fd);
	tcase_add_test(tc, test_fds);
	tcase_add_test(tc, test_signals);
	tcase_add_test(tc, test_session);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_sched);
	tcase_add_test(tc, test_deadline_flood);
	tcase_add_test(tc, test_root);
	tcase_add_test(tc, test_root_refused);
	suite_add_tcase(s, tc);
	return run_suite(s, true);
}
