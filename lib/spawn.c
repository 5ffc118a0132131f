/* SPDX-License-Identifier: GPL-2.0-or-later
 * spawn_run(): a helper with a deadline (see spawn.h).
 *
 * Invariants:
 *  - between fork() and exec the child calls only async-signal-safe functions and raw system
 *    calls, and never returns: it execs or _exit(127)s, telling the parent why through a
 *    close-on-exec pipe (the parent sees EOF when exec worked);
 *  - the child is always reaped before spawn_run() returns (or its status was taken by another
 *    waiter), and SIGKILLed first if the deadline passed: no child outlives the call;
 *  - every descriptor made here is O_CLOEXEC and closed on every return path;
 *  - no global state, no signal handler: the signal mask is changed only around fork() and
 *    restored. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fdguard.h"
#include "spawn.h"

#define NOFILE_SANE 1024
#define STACK_SANE (8u << 20)

int spawn_sane_limits(void)
{
	static const struct {
		int res;
		rlim_t cur;
	} lim[] = {
		{ RLIMIT_FSIZE, RLIM_INFINITY }, /* SIGXFSZ mid-file */
		{ RLIMIT_CPU, RLIM_INFINITY },   /* SIGXCPU, then SIGKILL, mid-transaction */
		{ RLIMIT_AS, RLIM_INFINITY },    /* malloc failing at the caller's will */
		{ RLIMIT_DATA, RLIM_INFINITY },
		{ RLIMIT_CORE, 0 },              /* no core file of a root process */
		{ RLIMIT_NOFILE, NOFILE_SANE },  /* no lock, pipe or syslog socket failing with EMFILE */
		{ RLIMIT_STACK, STACK_SANE },
		{ RLIMIT_RTTIME, RLIM_INFINITY }, /* SIGKILL at the first tick of a real-time policy */
	};

	(void)umask(022);
	/* The caller's scheduling is not ours either: a user allowed real-time priority could start
	 * the helper under SCHED_FIFO with a tiny RLIMIT_RTTIME, or at nice 19 in the idle I/O class
	 * to starve it while it holds /etc's locks. Raw calls, as for the limits. Going back to nice
	 * 0 needs CAP_SYS_NICE, which a container may lack: as far as it goes, like the limits. */
	{
		struct sched_param sp = { .sched_priority = 0 };

		if (syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &sp) < 0 && errno != EPERM)
			return -errno;
		if (syscall(SYS_setpriority, PRIO_PROCESS, 0, 0) < 0 && errno != EPERM && errno != EACCES)
			return -errno;
		if (syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, 0 /* IOPRIO_CLASS_NONE */) < 0 &&
		    errno != EPERM)
			return -errno;
	}
	for (size_t i = 0; i < sizeof(lim) / sizeof(lim[0]); i++) {
		struct rlimit old, rl;

		/* prlimit64 as a raw call: setrlimit() is not on the async-signal-safe list. The
		 * soft limit is ours; the hard one is raised only as far as the soft one needs (a
		 * lowered hard limit is not the caller's to keep us under, but valgrind, for one,
		 * refuses any change of the hard RLIMIT_NOFILE). */
		if (syscall(SYS_prlimit64, 0, lim[i].res, NULL, &old) < 0)
			return -errno;
		rl.rlim_cur = lim[i].cur;
		rl.rlim_max = old.rlim_max;
		if (rl.rlim_max != RLIM_INFINITY && (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > rl.rlim_max))
			rl.rlim_max = rl.rlim_cur;
		if (syscall(SYS_prlimit64, 0, lim[i].res, &rl, NULL) == 0)
			continue;
		if (errno != EPERM || rl.rlim_max == old.rlim_max)
			return -errno;
		/* No CAP_SYS_RESOURCE (a container's bounding set may lack it): as far as the hard
		 * limit goes. The helper must then survive what is left (subid-alloc ignores
		 * SIGXFSZ, so a write fails with EFBIG and it cleans up). */
		rl = (struct rlimit){ old.rlim_max, old.rlim_max };
		if (syscall(SYS_prlimit64, 0, lim[i].res, &rl, NULL) < 0)
			return -errno;
	}
	return 0;
}

int spawn_become_root(void)
{
	/* Raw calls: glibc's wrappers broadcast to every thread of the process with a signal, which
	 * is neither needed (one thread) nor async-signal-safe. Groups first, then gids, then uids:
	 * each step needs the privilege the next one gives up. Already there (sshd, a root shell):
	 * nothing to do, and nothing that needs CAP_SETUID or CAP_SETGID. */
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (syscall(SYS_getresuid, &ru, &eu, &su) == 0 && syscall(SYS_getresgid, &rg, &eg, &sg) == 0 &&
	    (ru | eu | su | rg | eg | sg) == 0 && syscall(SYS_getgroups, 0, NULL) == 0)
		return 0;
	if (syscall(SYS_setgroups, 0, NULL) < 0)
		return -errno;
	if (syscall(SYS_setresgid, 0, 0, 0) < 0)
		return -errno;
	if (syscall(SYS_setresuid, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

/* The child's last words: errno on the report pipe, then _exit(127). */
__attribute__((noreturn)) static void child_fail(int report_fd, int err)
{
	(void)!write(report_fd, &err, sizeof(err));
	_exit(127);
}

/* In the child: fds[0..2] become 0..2, exe (when >= 0) becomes 3, report becomes 4 (both
 * close-on-exec), everything else is closed; then the options, then exec. */
__attribute__((noreturn)) static void child(const struct spawn_opts *o, int fds[3], int exe, int report, int maxfd)
{
	static char *const empty_env[] = { NULL };
	int keep[5] = { fds[0], fds[1], fds[2], exe, report };
	struct sigaction sa;
	sigset_t none;

	/* Lift every descriptor we keep above 4 first, so the dup2()s cannot clobber one another
	 * (a daemon may run with 0-2 closed, so the pipes may have got those numbers). */
	for (int i = 0; i < 5; i++) {
		if (keep[i] >= 0 && keep[i] < 5) {
			keep[i] = fcntl(keep[i], F_DUPFD_CLOEXEC, 5);
			if (keep[i] < 0)
				_exit(127); /* not even the report pipe is usable */
		}
	}
	report = keep[4];
	if (dup2(report, 4) < 0)
		_exit(127);
	report = 4;
	if (fcntl(report, F_SETFD, FD_CLOEXEC) < 0)
		child_fail(report, errno);
	for (int i = 0; i < 3; i++)
		if (dup2(keep[i], i) < 0)
			child_fail(report, errno);
	if (keep[3] >= 0 && (dup2(keep[3], 3) < 0 || fcntl(3, F_SETFD, FD_CLOEXEC) < 0))
		child_fail(report, errno);
	if (syscall(SYS_close_range, 5U, ~0U, 0U) < 0)
		for (int fd = 5; fd < maxfd; fd++)
			(void)close(fd);
	if (keep[3] < 0)
		(void)close(3);

	/* Default dispositions, then an empty mask (all signals are blocked since before fork). */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int s = 1; s < NSIG; s++)
		(void)sigaction(s, &sa, NULL); /* EINVAL for SIGKILL, SIGSTOP and libc's own: fine */

	if ((o->flags & SPAWN_NEW_SESSION) && setsid() < 0)
		child_fail(report, errno);
	if (o->flags & SPAWN_ROOT) {
		int r = spawn_become_root();

		if (r < 0)
			child_fail(report, -r);
	}
	if (o->flags & SPAWN_SANE_LIMITS) {
		int r = spawn_sane_limits();

		if (r < 0)
			child_fail(report, -r);
	}
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);

	if (o->fn) {
		(void)close(report); /* set up: the parent reads EOF, as after an exec */
		_exit(o->fn(o->fn_arg));
	}
	if (keep[3] >= 0)
		(void)syscall(SYS_execveat, 3, "", o->argv, o->envp ? o->envp : empty_env, AT_EMPTY_PATH);
	else
		(void)execve(o->path, o->argv, o->envp ? o->envp : empty_env);
	child_fail(report, errno);
}

/* Append what fits of chunk to buf (size bytes, NUL-terminated). */
static void keep_chunk(char *buf, size_t size, size_t *len, const char *chunk, size_t n)
{
	if (!buf || size == 0 || *len + 1 >= size)
		return;
	if (n > size - 1 - *len)
		n = size - 1 - *len;
	memcpy(buf + *len, chunk, n);
	*len += n;
	buf[*len] = '\0';
}

static int left_ms(long long deadline)
{
	long long l = deadline - clock_now_ms();

	return l <= 0 ? 0 : l > INT_MAX ? INT_MAX : (int)l;
}

int spawn_run(const struct spawn_opts *o, struct spawn_result *ret)
{
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, rep[2] = { -1, -1 }, nullfd = -1, maxfd = 65536, r = 0;
	bool merge = o->flags & SPAWN_MERGE_STDERR;
	sigset_t all, old_mask;
	struct rlimit rl;
	pid_t pid;

	memset(ret, 0, sizeof(*ret));
	if (o->out && o->out_size)
		o->out[0] = '\0';
	if (o->err && o->err_size)
		o->err[0] = '\0';
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < INT_MAX)
		maxfd = (int)rl.rlim_cur;
	nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (nullfd < 0 || pipe2(outp, O_CLOEXEC) < 0 || (!merge && pipe2(errp, O_CLOEXEC) < 0) ||
	    pipe2(rep, O_CLOEXEC) < 0) {
		r = -errno;
		goto out;
	}

	/* Signals blocked across fork(): no handler of the caller runs in the child before it resets
	 * the dispositions. */
	sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old_mask);
	pid = fork();
	if (pid == 0) {
		int fds[3] = { nullfd, outp[1], merge ? outp[1] : errp[1] };

		child(o, fds, o->exe_fd, rep[1], maxfd);
	}
	(void)pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	if (pid < 0) {
		r = -errno;
		goto out;
	}
	ret->pid = pid;
	(void)close(outp[1]);
	outp[1] = -1;
	if (!merge) {
		(void)close(errp[1]);
		errp[1] = -1;
	}
	(void)close(rep[1]);
	rep[1] = -1;

	/* Read the report pipe (EOF: exec worked), stdout and stderr until EOF or the deadline. */
	{
		struct pollfd p[3] = { { .fd = rep[0], .events = POLLIN }, { .fd = outp[0], .events = POLLIN },
				       { .fd = merge ? -1 : errp[0], .events = POLLIN } };
		int report = 0;
		size_t report_len = 0;

		while (p[0].fd >= 0 || p[1].fd >= 0 || p[2].fd >= 0) {
			int n;

			/* Checked on every round, not only when poll() times out: a child that never
			 * stops writing keeps poll() ready and would otherwise outlive its deadline. */
			if (left_ms(o->deadline_ms) == 0) {
				ret->timed_out = true;
				break;
			}
			n = poll(p, 3, left_ms(o->deadline_ms));
			if (n < 0 && errno != EINTR) {
				ret->timed_out = true; /* cannot watch it: treat as hung */
				break;
			}
			if (n == 0 && left_ms(o->deadline_ms) == 0) {
				ret->timed_out = true;
				break;
			}
			for (int i = 0; n > 0 && i < 3; i++) {
				char chunk[512];
				ssize_t k;

				if (p[i].fd < 0 || !p[i].revents)
					continue;
				k = read(p[i].fd, chunk, sizeof(chunk));
				if (k < 0 && errno == EINTR)
					continue;
				if (k <= 0) {
					p[i].fd = -1; /* EOF (or error): the child closed its end */
					continue;
				}
				if (i == 0) {
					size_t take = (size_t)k;

					if (take > sizeof(report) - report_len)
						take = sizeof(report) - report_len;
					memcpy((char *)&report + report_len, chunk, take);
					report_len += take;
				} else if (i == 1) {
					keep_chunk(o->out, o->out_size, &ret->out_len, chunk, (size_t)k);
				} else {
					keep_chunk(o->err, o->err_size, &ret->err_len, chunk, (size_t)k);
				}
			}
		}
		if (report_len == sizeof(report))
			ret->exec_errno = report ? report : EIO;
	}

	/* Reap it: its output is closed, so it is exiting; give it until the deadline. It is
	 * SIGKILLed only after a waitpid() has just seen it unreaped (0), so the pid is still our
	 * child's, alive or a zombie: once a caller's SIGCHLD handler has reaped it (ECHILD), the pid
	 * may already be another process's, and root must not signal that one. */
	for (;;) {
		pid_t w = waitpid(pid, &ret->status, WNOHANG);

		if (w == pid) {
			ret->reaped = true;
			break;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			break; /* ECHILD: someone else reaped it */
		if (ret->timed_out || left_ms(o->deadline_ms) == 0) {
			ret->timed_out = true;
			(void)kill(pid, SIGKILL);
			while ((w = waitpid(pid, &ret->status, 0)) < 0 && errno == EINTR)
				;
			ret->reaped = w == pid;
			break;
		}
		(void)nanosleep(&(struct timespec){ .tv_nsec = 5L * 1000 * 1000 }, NULL);
	}
out:
	for (int i = 0; i < 2; i++) {
		if (outp[i] >= 0)
			(void)close(outp[i]);
		if (errp[i] >= 0)
			(void)close(errp[i]);
		if (rep[i] >= 0)
			(void)close(rep[i]);
	}
	if (nullfd >= 0)
		(void)close(nullfd);
	return r;
}
