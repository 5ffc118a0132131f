/* SPDX-License-Identifier: GPL-2.0-or-later
 * Process hygiene at the top of main(): descriptors 0-2 and a monotonic clock. */
#ifndef NEWIDMAP_FDGUARD_H
#define NEWIDMAP_FDGUARD_H

/* Make sure descriptors 0, 1 and 2 are open, filling a closed one with /dev/null, so that no file
 * the program opens later can become its stdout or stderr (a caller may start us with them
 * closed). Returns 0, or -errno when a hole cannot be filled: the caller then has no stderr to
 * report on and should abort(). */
int fd_ensure_std(void);

/* CLOCK_MONOTONIC in milliseconds: for deadlines, never for wall-clock time. */
long long clock_now_ms(void);

#endif
