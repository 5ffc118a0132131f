/* SPDX-License-Identifier: GPL-2.0-or-later
 * Reporting. Invariants: every refusal goes through die*(), which always writes one stderr line and
 * one syslog line before exit(1), and clears every capability on the way out; user-controlled
 * values pass through str_escape() (lib/escape.c) before they reach either: bare key=value fields
 * with ESCAPE_FIELD, quoted ones with ESCAPE_QUOTED; the audit record is sent only with
 * CAP_AUDIT_WRITE permitted, raised just around the send (priv_audit_raise); a granted map is
 * logged by log_granted(), which cannot turn the outcome into a refusal. */
#include <errno.h>
#include <libaudit.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "escape.h"
#include "log.h"
#include "priv.h"

struct log_ctx log_ctx;

void log_set_ranges(int n, char *const *args)
{
	size_t o = 0;

	log_ctx.ranges[0] = '\0';
	for (int i = 0; i < n; i++) {
		char arg[24];
		int w;

		(void)str_escape(args[i], ESCAPE_QUOTED, arg, sizeof(arg));
		w = snprintf(log_ctx.ranges + o, sizeof(log_ctx.ranges) - o, "%s%s", arg,
			     i + 1 == n ? "" : (i % 3 == 2 ? "," : ":"));
		if (w < 0 || (size_t)w >= sizeof(log_ctx.ranges) - o) {
			/* Cut on overflow and say so. */
			memcpy(log_ctx.ranges + sizeof(log_ctx.ranges) - 4, "...", 4);
			return;
		}
		o += (size_t)w;
	}
}

static void audit(const char *what, const char *reason, int result)
{
	char msg[768], target[ESCAPE_MAX(48)];
	int fd;

	if (!priv_audit_permitted())
		return;
	(void)str_escape(log_ctx.target ? log_ctx.target : "?", ESCAPE_FIELD, target, sizeof(target));
	fd = audit_open();
	if (fd < 0)
		return; /* no audit in this kernel */
	snprintf(msg, sizeof(msg), "op=%s map=%s target=%s ranges=\"%s\"%s%s%s", what, log_ctx.map, target,
		 log_ctx.ranges, reason ? " reason=\"" : "",
		 reason ? reason : "", reason ? "\"" : "");
	if (priv_audit_raise() == 0) {
		(void)audit_log_user_message(fd, AUDIT_TRUSTED_APP, msg, NULL, NULL, NULL, result);
		priv_audit_lower();
	}
	audit_close(fd);
}

static void syslog_fields(int prio, const char *action, const char *reason)
{
	/* The name comes from NSS and the target from argv: either could forge a field or a line. */
	char user[ESCAPE_MAX(64)], target[ESCAPE_MAX(48)];

	(void)str_escape(log_ctx.user ? log_ctx.user : "?", ESCAPE_FIELD, user, sizeof(user));
	(void)str_escape(log_ctx.target ? log_ctx.target : "?", ESCAPE_FIELD, target, sizeof(target));
	openlog(log_ctx.prog, LOG_PID, LOG_AUTHPRIV);
	syslog(prio, "action=%s map=%s caller_uid=%u caller=%s target=%s ranges=\"%s\"%s%s%s", action,
	       log_ctx.map, (unsigned)log_ctx.uid, user, target, log_ctx.ranges, reason ? " reason=\"" : "",
	       reason ? reason : "", reason ? "\"" : "");
	closelog();
}

static noreturn void refuse(const char *msg, bool usage)
{
	char clean[600];

	/* The message quotes the caller's arguments: escape control bytes for the terminal too. */
	(void)str_escape(msg, ESCAPE_QUOTED, clean, sizeof(clean));
	fprintf(stderr, "%s: %s\n", log_ctx.prog, clean);
	if (usage)
		fprintf(stderr, "usage: %s <pid>|fd:<N> <inner> <outer> <count> [<inner> <outer> <count>]...\n"
			"  fd:<N>: inherited descriptor N, open on /proc/<pid> or a pidfd (pidfd_open, clone3)\n",
			log_ctx.prog);
	syslog_fields(LOG_NOTICE, "refuse", clean);
	audit("refuse", clean, 0);
	(void)priv_clear();
	exit(EXIT_FAILURE);
}

noreturn void die(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	refuse(msg, false);
}

noreturn void die_errno(int err, const char *fmt, ...)
{
	char msg[512];
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = strlen(msg);
	snprintf(msg + n, sizeof(msg) - n, ": %s", strerror(err));
	refuse(msg, false);
}

noreturn void die_usage(const char *why)
{
	refuse(why, true);
}

void log_granted(void)
{
	syslog_fields(LOG_INFO, "map", NULL);
	audit("map", NULL, 1);
}

void warn(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: warning: ", log_ctx.prog);
	va_start(ap, fmt);
	(void)vfprintf(stderr, fmt, ap);
	va_end(ap);
	(void)fputc('\n', stderr);
}
