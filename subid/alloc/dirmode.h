/* SPDX-License-Identifier: GPL-2.0-or-later
 * subid-alloc --directory: ranges from the LDAP directory (dirmode.c). */
#ifndef SUBID_ALLOC_DIRMODE_H
#define SUBID_ALLOC_DIRMODE_H

#include <stdarg.h>
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

/* subid-alloc.c: a refusal as one escaped line on stderr and one LOG_ERR line
 * "refused [source=SOURCE ]user=USER [uid=UID ]reason=\"...\"" (source may be NULL, uid -1). */
void alloc_report_refusal(const char *source, const char *user, long long uid, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

#endif
