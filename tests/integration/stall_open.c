/* SPDX-License-Identifier: GPL-2.0-or-later
 * An LD_PRELOAD shim for fd.sh's pid-reuse race, built there with
 *   cc -shared -fPIC -o stall_open.so stall_open.c -ldl
 * and preloaded into a copy of newuidmap WITHOUT its file capability (the loader ignores
 * LD_PRELOAD in a capability-gaining exec), run by the owner of the target's user namespace, who
 * may write its own one-id map without privilege. The first open() of "/proc/<digits>" writes a
 * line to the FIFO $STALL_DIR/stalled and then waits for a line on $STALL_DIR/go: the test makes
 * the target exit and gives its pid to another process of the same user in that window, which is
 * exactly between reading a pidfd's pid and opening /proc/PID. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static char dir[256];

__attribute__((constructor)) static void init(void)
{
	const char *d = getenv("STALL_DIR"); /* read before the helper clears its environment */

	if (d)
		snprintf(dir, sizeof(dir), "%s", d);
}

static void fifo_io(const char *name, int flags)
{
	char path[300], c = '\n';
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = (int)syscall(SYS_openat, AT_FDCWD, path, flags | O_CLOEXEC);
	if (fd < 0)
		return;
	if (flags == O_WRONLY)
		(void)!write(fd, &c, 1);
	else
		(void)!read(fd, &c, 1);
	close(fd);
}

static void maybe_stall(const char *path)
{
	static int done;
	const char *p;

	if (done || !dir[0] || !path || strncmp(path, "/proc/", 6) != 0 || !path[6])
		return;
	for (p = path + 6; *p; p++)
		if (*p < '0' || *p > '9')
			return;
	done = 1;
	fifo_io("stalled", O_WRONLY);
	fifo_io("go", O_RDONLY);
}

static int real_open(const char *path, int flags, mode_t mode)
{
	return (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

#define OPEN_WRAPPER(name)                                                   \
	int name(const char *path, int flags, ...)                             \
	{                                                                      \
		mode_t mode = 0;                                               \
		if (flags & (O_CREAT | __O_TMPFILE)) {                         \
			va_list ap;                                            \
			va_start(ap, flags);                                   \
			mode = va_arg(ap, mode_t);                             \
			va_end(ap);                                            \
		}                                                              \
		maybe_stall(path);                                             \
		return real_open(path, flags, mode);                           \
	}
OPEN_WRAPPER(open)
OPEN_WRAPPER(open64)

int __open_2(const char *path, int flags)
{
	maybe_stall(path);
	return real_open(path, flags, 0);
}

int __open64_2(const char *path, int flags)
{
	maybe_stall(path);
	return real_open(path, flags, 0);
}
