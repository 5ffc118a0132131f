/* SPDX-License-Identifier: GPL-2.0-or-later
 * Small helpers shared by the library and the tools: cleanup attributes in the style of systemd and
 * bubblewrap. Destructors accept NULL / -1 so that an early return never has to think about them. */
#ifndef NEWIDMAP_UTIL_H
#define NEWIDMAP_UTIL_H

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;

		(void)close(*fd);
		errno = saved;
	}
}

#define _cleanup_free_ __attribute__((cleanup(freep)))
#define _cleanup_close_ __attribute__((cleanup(closep)))

/* Hand ownership out of a cleanup variable. */
#define TAKE_PTR(p) ({ __typeof__(p) _p = (p); (p) = NULL; _p; })
#define TAKE_FD(fd) ({ int _fd = (fd); (fd) = -1; _fd; })

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

#endif
