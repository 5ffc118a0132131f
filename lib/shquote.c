/* SPDX-License-Identifier: GPL-2.0-or-later
 * shell_quote(): see shquote.h. Bytes other than ' are copied as they are inside the quotes, where
 * the shell gives no byte a meaning; whether they are safe to show on a terminal is the job of the
 * caller's escaping (escape.h), which runs on the whole printed line. */
#include <errno.h>
#include <string.h>

#include "shquote.h"

static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@+/,:=";

int shell_quote(const char *w, char *buf, size_t size)
{
	size_t o = 0, len = strlen(w);

	if (size == 0)
		return -ENOBUFS;
	buf[0] = '\0';
	if (len > 0 && w[0] != '-' && strspn(w, safe) == len) {
		if (len + 1 > size)
			return -ENOBUFS;
		memcpy(buf, w, len + 1);
		return (int)len;
	}
	/* '...' plus 3 more bytes for each ' (which becomes '\''), plus the NUL. */
	if (size < 3)
		return -ENOBUFS;
	buf[o++] = '\'';
	for (const char *p = w; *p; p++) {
		size_t need = *p == '\'' ? 4 : 1;

		if (o + need + 2 > size) {
			buf[0] = '\0';
			return -ENOBUFS;
		}
		if (*p == '\'') {
			memcpy(buf + o, "'\\''", 4);
		} else {
			buf[o] = *p;
		}
		o += need;
	}
	buf[o++] = '\'';
	buf[o] = '\0';
	return (int)o;
}
