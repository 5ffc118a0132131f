/* SPDX-License-Identifier: GPL-2.0-or-later
 * Trusted configuration reading. Invariants: the checks are made with fstat() on the descriptor
 * that is then read, never on the path again; the whole file is read into one buffer with a size
 * limit, so no later step can be fed content that changed under it. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf.h"
#include "util.h"

const char *conf_distrust_str(enum conf_distrust why)
{
	switch (why) {
	case CONF_TRUSTED: return "trusted";
	case CONF_NOT_REGULAR: return "is not a regular file";
	case CONF_NOT_ROOT_OWNED: return "is not owned by root";
	case CONF_WRITABLE: return "is writable by group or others";
	case CONF_TOO_LARGE: return "is too large";
	}
	return "is not trusted";
}

int conf_open_trusted(const char *path, int flags, size_t max_size, struct stat *ret_st,
		      enum conf_distrust *ret_why)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	*ret_why = CONF_TRUSTED;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | ((flags & CONF_NOFOLLOW) ? O_NOFOLLOW : 0));
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		*ret_why = CONF_NOT_REGULAR;
	else if (st.st_uid != 0)
		*ret_why = CONF_NOT_ROOT_OWNED;
	else if (st.st_mode & (S_IWGRP | S_IWOTH))
		*ret_why = CONF_WRITABLE;
	else if ((uintmax_t)st.st_size > max_size)
		*ret_why = CONF_TOO_LARGE;
	if (*ret_why != CONF_TRUSTED)
		return -EPERM;
	if (ret_st)
		*ret_st = st;
	return TAKE_FD(fd);
}

int conf_read_fd(int fd, size_t max_size, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t len = 0, size;

	/* Read to EOF rather than trusting st_size: the file may change size under us (a writer that
	 * renames a new file over it does not, one that truncates in place might). */
	if (fstat(fd, &st) < 0)
		return -errno;
	size = st.st_size > 0 && (uintmax_t)st.st_size < max_size ? (size_t)st.st_size + 1 : 4096;
	buf = malloc(size + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len == size) {
			char *nb;

			if (size > max_size)
				return -EFBIG;
			size = size * 2 > max_size + 1 ? max_size + 1 : size * 2;
			nb = realloc(buf, size + 1);
			if (!nb)
				return -ENOMEM;
			buf = nb;
		}
		n = read(fd, buf + len, size - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max_size)
		return -EFBIG;
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

int conf_read_trusted(const char *path, int flags, size_t max_size, char **ret, size_t *ret_len,
		      struct stat *ret_st, enum conf_distrust *ret_why)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r;

	fd = conf_open_trusted(path, flags, max_size, &st, ret_why);
	if (fd < 0)
		return fd;
	r = conf_read_fd(fd, max_size, ret, ret_len);
	if (r == -EFBIG) {
		*ret_why = CONF_TOO_LARGE;
		return -EPERM;
	}
	if (r < 0)
		return r;
	if (ret_st)
		*ret_st = st;
	return 0;
}

/* Advance over one line: returns its start, sets *len without the '\n', moves *pos past it. */
static const char *next_line(const char **pos, const char *end, size_t *len)
{
	const char *start = *pos, *nl;

	if (start >= end)
		return NULL;
	nl = memchr(start, '\n', (size_t)(end - start));
	*len = nl ? (size_t)(nl - start) : (size_t)(end - start);
	*pos = nl ? nl + 1 : end;
	return start;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

bool logindefs_get(const char *buf, size_t len, const char *key, const char **ret_val, size_t *ret_len)
{
	const char *pos = buf, *end = buf + len, *line, *found = NULL;
	size_t llen, klen = strlen(key), found_len = 0;

	/* shadow's def_load() grammar: trailing white space trimmed; the name is the first field;
	 * the value starts after the blanks and quotes that follow it and runs to the end of the line
	 * or the first '"'. A line with one field only is ignored; an empty value still counts. */
	while ((line = next_line(&pos, end, &llen))) {
		const char *p = line, *le = line + llen, *v;

		while (le > p && (is_blank(le[-1]) || le[-1] == '\v' || le[-1] == '\f'))
			le--;
		while (p < le && is_blank(*p))
			p++;
		if (p == le || *p == '#' || (size_t)(le - p) <= klen || memcmp(p, key, klen) != 0 || !is_blank(p[klen]))
			continue;
		p += klen;
		while (p < le && (is_blank(*p) || *p == '"'))
			p++;
		v = p;
		while (p < le && *p != '"')
			p++;
		found = v;
		found_len = (size_t)(p - v);
	}
	if (!found)
		return false;
	*ret_val = found;
	*ret_len = found_len;
	return true;
}

bool logindefs_get_bool(const char *buf, size_t len, const char *key)
{
	const char *v;
	size_t vlen;

	return logindefs_get(buf, len, key, &v, &vlen) && vlen == 3 && strncasecmp(v, "yes", 3) == 0;
}

int nsswitch_subid_source(const char *buf, size_t len, char *ret, size_t size)
{
	const char *pos = buf, *end = buf + len, *line;
	size_t llen;

	/* The grammar of libsubid's nss_init(), so that we and the library always agree on the source:
	 * the line must start with "subid:" (no leading blank), the token ends at a blank. */
	while ((line = next_line(&pos, end, &llen))) {
		const char *p = line, *le = line + llen, *tok;

		if (llen < 6 || strncasecmp(p, "subid:", 6) != 0)
			continue;
		p += 6;
		while (p < le && (*p == ' ' || *p == '\t'))
			p++;
		tok = p;
		while (p < le && *p != ' ' && *p != '\t')
			p++;
		if (p == tok)
			continue; /* "subid:" with no source: libsubid keeps looking */
		if ((size_t)(p - tok) >= size)
			return -ENAMETOOLONG;
		memcpy(ret, tok, (size_t)(p - tok));
		ret[p - tok] = '\0';
		return 1;
	}
	return 0;
}
