/* SPDX-License-Identifier: GPL-2.0-or-later
 * str_escape(): see escape.h. Invariants: the output never holds a control byte, a byte >= 0x80
 * or a byte of the caller's set; it is always NUL-terminated; an escape is written
 * whole or not at all; no allocation except in str_escape_alloc(). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

static bool must_escape(unsigned char c, const char *bad)
{
	if (c < 0x20 || c >= 0x7f)
		return true;
	return bad && strchr(bad, c) != NULL; /* c is never NUL here */
}

/* Write c (escaped or not) at out, which has room for 4 bytes; returns how many were written. */
static size_t put(unsigned char c, const char *bad, char *out)
{
	static const char hex[] = "0123456789abcdef";

	if (!must_escape(c, bad)) {
		out[0] = (char)c;
		return 1;
	}
	out[0] = '\\';
	out[1] = 'x';
	out[2] = hex[c >> 4];
	out[3] = hex[c & 15];
	return 4;
}

/* How many of the first len bytes of s fit, escaped, in room bytes. */
static size_t fit(const char *s, size_t len, const char *bad, size_t room)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		size_t n = must_escape((unsigned char)s[i], bad) ? 4 : 1;

		if (n > room - o)
			break;
		o += n;
	}
	return i;
}

int str_escape_mem(const char *s, size_t len, const char *bad, char *buf, size_t size)
{
	size_t n, o = 0;
	bool cut;

	if (size == 0)
		return -EINVAL;
	n = fit(s, len, bad, size - 1);
	cut = n < len;
	if (cut && size >= 4)
		n = fit(s, len, bad, size - 4); /* room for "..." so a reader sees the cut */
	for (size_t i = 0; i < n; i++)
		o += put((unsigned char)s[i], bad, buf + o);
	if (cut && size >= 4) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return cut ? -ENOBUFS : 0;
}

int str_escape(const char *s, const char *bad, char *buf, size_t size)
{
	if (!s)
		s = "";
	return str_escape_mem(s, strlen(s), bad, buf, size);
}

int str_escape_alloc(const char *s, const char *bad, char **ret)
{
	size_t len, size = 1;
	char *buf;

	if (!s)
		s = "";
	len = strlen(s);
	for (size_t i = 0; i < len; i++)
		size += must_escape((unsigned char)s[i], bad) ? 4 : 1;
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	(void)str_escape_mem(s, len, bad, buf, size);
	*ret = buf;
	return 0;
}
