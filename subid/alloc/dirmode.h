/* SPDX-License-Identifier: GPL-2.0-or-later
 * subid-alloc --directory: ranges from the LDAP directory (dirmode.c). */
#ifndef SUBID_ALLOC_DIRMODE_H
#define SUBID_ALLOC_DIRMODE_H

#include <stdbool.h>

struct dirmode_opts {
	const char *root;          /* "" or a test prefix */
	const char *user;          /* one user (NULL with sync) */
	bool sync, dry_run, create;
	unsigned lock_timeout_s;
};

/* Run it; returns the exit status (0 done, 1 refused or failed, 3 dry run found differences).
 * Prints its own lines on stdout/stderr and logs to syslog. */
int dirmode_main(const struct dirmode_opts *o);

#endif
