/* SPDX-License-Identifier: GPL-2.0-or-later
 * Run a helper program with a deadline: fork, exec, collect its output through pipes, reap it, and
 * SIGKILL it if the deadline passes first. One implementation for pam_subid (which runs the root
 * helper subid-alloc inside a login) and subid-check's probe (which runs newuidmap/newgidmap).
 *
 * The child gets: fds 0-2 (stdin /dev/null, stdout and stderr to the pipes) and nothing else, the
 * default disposition for every signal and an empty signal mask, the environment given (empty by
 * default). On request (flags) it also gets, before exec:
 *  - SPAWN_ROOT: every uid and gid 0 and no supplementary group. A PAM application such as su
 *    runs with euid 0 but the caller's real uid; a helper left with that real uid can be stopped
 *    or killed by the caller (kill(2) checks the real uid) while it holds /etc's locks (issue 9).
 *  - SPAWN_NEW_SESSION: setsid(): no controlling terminal, not in the caller's process group or
 *    session, so no job-control signal (^Z, ^C) from the caller's terminal reaches it.
 *  - SPAWN_SANE_LIMITS: spawn_sane_limits(): umask 022 and resource limits of our choosing, not
 *    the caller's (a tiny RLIMIT_FSIZE kills a writer mid-file with SIGXFSZ).
 * Everything the child runs before exec is async-signal-safe: the caller may be threaded. A child
 * that runs a function (fn) instead of exec gets the same descriptors and signals, and the
 * caller's environment. */
#ifndef NEWIDMAP_SPAWN_H
#define NEWIDMAP_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SPAWN_ROOT 0x1u
#define SPAWN_NEW_SESSION 0x2u
#define SPAWN_SANE_LIMITS 0x4u
#define SPAWN_MERGE_STDERR 0x8u /* stderr into the stdout pipe (and buffer) */

struct spawn_opts {
	int exe_fd;              /* >= 0: execveat(exe_fd, "", AT_EMPTY_PATH): what was checked runs */
	const char *path;        /* else execve(path) */
	char *const *argv;
	char *const *envp;       /* NULL: an empty environment */
	int (*fn)(void *arg);    /* when set, run instead of exec: the child is our own code (subid-check's
				  * probe process), in a single-threaded caller; _exit(fn(arg)) */
	void *fn_arg;
	unsigned flags;          /* SPAWN_* */
	long long deadline_ms;   /* on clock_now_ms(): then the child is SIGKILLed and reaped */
	char *out, *err;         /* caller's buffers for stdout and stderr (may be NULL: discarded) */
	size_t out_size, err_size; /* the first size - 1 bytes are kept, NUL-terminated; the rest is
				    * read and dropped so the child never blocks on a full pipe */
};

struct spawn_result {
	size_t out_len, err_len;
	int status;      /* waitpid() status, when reaped */
	bool reaped;     /* false: another waiter (the caller's SIGCHLD handler) took the status */
	bool timed_out;  /* the deadline passed: the child was SIGKILLed */
	int exec_errno;  /* the child could not be set up or exec'd: its errno (status is then 127) */
	pid_t pid;
};

/* Run the child and wait for it as described above. Returns 0 when it was started (its fate is in
 * *ret, filled in), or -errno when it could not be (pipes, /dev/null, fork). */
int spawn_run(const struct spawn_opts *o, struct spawn_result *ret);

/* umask 022 and the resource limits a helper needs whatever its caller set: no file size, CPU,
 * address-space or data limit, no core file, 1024 descriptors, an 8 MiB stack (soft limits; a
 * hard limit is raised only where it is below them, which needs CAP_SYS_RESOURCE: without it, as
 * in a container that drops it, the soft limit goes as far as the hard one and no further). Async-signal-safe (raw system calls).
 * Returns 0 or -errno (the first limit that could not be set). */
int spawn_sane_limits(void);

/* Every uid and gid 0, no supplementary group: setgroups, setresgid, setresuid as raw system calls
 * (for this thread only: the caller is single-threaded, a forked child or a fresh program).
 * Async-signal-safe. Returns 0 or -errno. */
int spawn_become_root(void);

#endif
