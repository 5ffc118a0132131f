/* SPDX-License-Identifier: GPL-2.0-or-later
 * The helpers' reporting: one line on stderr for the person, key=value fields to syslog
 * (LOG_AUTHPRIV) and an audit record for the record. It uses priv.h (to raise CAP_AUDIT_WRITE around
 * an audit send); priv.c knows nothing of it. */
#ifndef NEWIDMAP_LOG_H
#define NEWIDMAP_LOG_H

#include <stdbool.h>
#include <stdnoreturn.h>
#include <sys/types.h>

struct log_ctx {
	const char *prog; /* "newuidmap" or "newgidmap" */
	const char *map;  /* "uid" or "gid" */
	uid_t uid;        /* the caller's real uid */
	const char *user; /* the caller's login name, NULL until known */
	const char *target; /* argv[1] as given (escaped when logged), NULL until read */
	char ranges[256]; /* the requested triples, "inner:outer:count,...", cut short if long */
};

extern struct log_ctx log_ctx;

/* Record the requested ranges for the log lines. */
void log_set_ranges(int n, char *const *args);

/* Print "prog: message" on stderr, log the refusal (LOG_NOTICE) and exit 1. */
noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same with ": strerror(err)" appended; err is a positive errno value. */
noreturn void die_errno(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print the usage text on stderr, log the refusal and exit 1. */
noreturn void die_usage(const char *why);

/* Log a map written (LOG_INFO and a successful audit record). Never fails and never exits: the
 * map is written, so whatever happens to the record, the outcome stays a success. */
void log_granted(void);

/* A warning on stderr only (nothing refused). */
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
