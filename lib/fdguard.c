/* SPDX-License-Identifier: GPL-2.0-or-later
 * fd_ensure_std(), clock_now_ms(): see fdguard.h. */
#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "fdguard.h"
#include "paths.h"

int fd_ensure_std(void)
{
	for (int fd = 0; fd < 3; fd++) {
		int n;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* The lowest free number is fd itself, so this fills exactly the hole. Not O_CLOEXEC:
		 * a program that execs passes its standard descriptors on. */
		n = open(PATH_DEV_NULL, O_RDWR | O_NOCTTY);
		if (n < 0)
			return -errno;
		if (n != fd) {
			(void)close(n);
			return -EBADF;
		}
	}
	return 0;
}

long long clock_now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
