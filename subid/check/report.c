/* SPDX-License-Identifier: GPL-2.0-or-later
 * subid-check: storing results and reading the sysroot. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "conf.h"
#include "number.h"
#include "shquote.h"
#include "util.h"

static char *dup_or_null(const char *s, bool *oom)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*oom = true;
	return d;
}

void check_emit(struct check_ctx *c, const char *id, enum verdict v, const char *expected, const char *fix,
		const char *observed_fmt, ...)
{
	struct check_result *r;
	const char *dot = strchr(id, '.');
	char *observed = NULL;
	va_list ap;

	if (c->n_results == c->cap_results) {
		size_t ncap = c->cap_results ? c->cap_results * 2 : 32;
		struct check_result *nr = reallocarray(c->results, ncap, sizeof(*nr));

		if (!nr) {
			c->oom = true;
			return;
		}
		c->results = nr;
		c->cap_results = ncap;
	}
	va_start(ap, observed_fmt);
	if (vasprintf(&observed, observed_fmt, ap) < 0) {
		observed = NULL;
		c->oom = true;
	}
	va_end(ap);
	r = &c->results[c->n_results++];
	*r = (struct check_result){
		.id = dup_or_null(id, &c->oom),
		.area = dot ? strndup(id, (size_t)(dot - id)) : dup_or_null(id, &c->oom),
		.verdict = v,
		.observed = observed,
		.expected = dup_or_null(expected ? expected : "", &c->oom),
		.fix = dup_or_null(fix, &c->oom),
	};
	if (!r->area)
		c->oom = true;
}

const char *check_path(const struct check_ctx *c, const char *abspath, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s", c->sysroot, abspath);
	return buf;
}

int check_read_file(const struct check_ctx *c, const char *abspath, char **ret, size_t *ret_len)
{
	char path[4096];
	_cleanup_close_ int fd = -1;

	fd = open(check_path(c, abspath, path, sizeof(path)), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	/* /proc files report size 0: conf_read_fd() reads to EOF whatever st_size says. */
	return conf_read_fd(fd, 64u << 20, ret, ret_len);
}

int check_read_sysctl(const struct check_ctx *c, const char *abspath, long long *ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	char *end;
	long long v;
	int r = check_read_file(c, abspath, &buf, &len);

	if (r < 0)
		return r;
	errno = 0;
	/* buf is set: check_read_file() returns 0 only with a buffer (the analyzer lets open() fail
	 * with errno 0, so that -errno reads as success). */
	/* NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker) */
	v = strtoll(buf, &end, 10);
	if (errno != 0 || end == buf || (*end != '\0' && *end != '\n'))
		return -EINVAL;
	*ret = v;
	return 0;
}

int check_next_u32(const char **p, uint32_t *ret)
{
	const char *s = *p + strspn(*p, " \t");
	size_t len = strspn(s, "0123456789");
	int r = subid_parse_u32(s, len, ret);

	if (r < 0)
		return r;
	*p = s + len;
	return 0;
}

const char *check_word(const char *w, char *buf, size_t size)
{
	if (shell_quote(w ? w : "", buf, size) < 0 && size)
		buf[0] = '\0';
	return buf;
}
