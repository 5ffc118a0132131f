/* SPDX-License-Identifier: GPL-2.0-or-later
 * Reading the configuration files that decide privileges, and the two small formats besides
 * /etc/subuid that the helpers consult: login.defs and nsswitch.conf. */
#ifndef SUBID_CONF_H
#define SUBID_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* Why a file was not trusted (conf_read_trusted() returned -EPERM). */
enum conf_distrust {
	CONF_TRUSTED = 0,
	CONF_NOT_REGULAR,     /* not a regular file (directory, FIFO, device, ...) */
	CONF_NOT_ROOT_OWNED,  /* owner is not root */
	CONF_WRITABLE,        /* writable by group or others */
	CONF_TOO_LARGE,       /* larger than the caller's limit */
};

#define CONF_NOFOLLOW 1 /* refuse a symbolic link as the last component (-ELOOP) */

/* Open path read-only (O_CLOEXEC|O_NOCTTY|O_NONBLOCK, plus O_NOFOLLOW with CONF_NOFOLLOW), check on
 * the opened descriptor that it is a regular file owned by root and not writable by group or
 * others (as doas does for doas.conf), and read it whole. At most max_size bytes are accepted.
 * Returns 0 with a malloc()ed buffer (NUL-terminated; ret_len excludes the NUL) and the fstat
 * result in ret_st (may be NULL); -errno from open/read (-ELOOP: a symlink under CONF_NOFOLLOW);
 * or -EPERM with ret_why set. Outputs other than ret_why untouched on failure. */
int conf_read_trusted(const char *path, int flags, size_t max_size, char **ret, size_t *ret_len,
		      struct stat *ret_st, enum conf_distrust *ret_why);

const char *conf_distrust_str(enum conf_distrust why);

/* The open and the checks of conf_read_trusted() without the read: returns an O_CLOEXEC
 * descriptor, or -errno, or -EPERM with *ret_why (size is checked against max_size). */
int conf_open_trusted(const char *path, int flags, size_t max_size, struct stat *ret_st,
		      enum conf_distrust *ret_why);

/* Read fd from its current offset to EOF into a malloc()ed NUL-terminated buffer, at most
 * max_size bytes (-EFBIG beyond). */
int conf_read_fd(int fd, size_t max_size, char **ret, size_t *ret_len);

/* login.defs: find "KEY value" with shadow's grammar ('#' comment lines; the value is the rest of
 * the line after the key, leading blanks and quotes skipped, cut at the first '"', trailing white
 * space trimmed, possibly empty). Returns true and points ret_val and ret_len at the value inside
 * buf when the key is present. The last occurrence wins, as in shadow's getdef. */
bool logindefs_get(const char *buf, size_t len, const char *key, const char **ret_val, size_t *ret_len);

/* A login.defs boolean: "yes" (any case) is true, anything else or absent is false, as in shadow. */
bool logindefs_get_bool(const char *buf, size_t len, const char *key);

/* nsswitch.conf: the first token of the first "subid:" line that has one (database name matched
 * case-insensitively), as libsubid reads it. Copies it NUL-terminated into ret (size bytes).
 * Returns 1 when found, 0 when there is no such line (the files are used), -ENAMETOOLONG when the
 * token does not fit. */
int nsswitch_subid_source(const char *buf, size_t len, char *ret, size_t size);

#endif
