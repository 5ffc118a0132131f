/* SPDX-License-Identifier: GPL-2.0-or-later
 * Check suite for the small shared helpers: lib/shquote.c (one shell word for the fixes
 * subid-check prints) and lib/fdguard.c (descriptors 0-2 at the top of main, the monotonic clock).
 * Every quoting case is checked twice: the exact output, and that /bin/sh reads it back as one
 * word equal to the input. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fdguard.h"
#include "shquote.h"
#include "check-run.h"

struct quote_case {
	const char *in;
	const char *out;
};

static const struct quote_case quote_cases[] = {
	{ "alice", "alice" },
	{ "a.b_c-d@e+f", "a.b_c-d@e+f" },
	{ "/etc/subuid", "/etc/subuid" },
	{ "k=v,w:x", "k=v,w:x" },
	{ "", "''" },
	{ "-rf", "'-rf'" },
	{ "two words", "'two words'" },
	{ "it's", "'it'\\''s'" },
	{ "'", "''\\'''" },
	{ "$(reboot)", "'$(reboot)'" },
	{ "`id`", "'`id`'" },
	{ "a;b|c&d", "'a;b|c&d'" },
	{ "*?[]", "'*?[]'" },
	{ "~root", "'~root'" },
	{ "new\nline", "'new\nline'" },
	{ "tab\there", "'tab\there'" },
	{ "\x1b[2K", "'\x1b[2K'" },
	{ "caf\xc3\xa9", "'caf\xc3\xa9'" },
	{ "\\", "'\\'" },
	{ "\"q\"", "'\"q\"'" },
};

/* What /bin/sh makes of `printf %s WORD`: must be exactly the input, as one argument. */
static char *sh_roundtrip(const char *word)
{
	char cmd[512];
	static char out[256];
	FILE *p;
	size_t n;

	snprintf(cmd, sizeof(cmd), "set -- %s; [ $# = 1 ] && printf %%s \"$1\"", word);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	ck_assert_int_eq(pclose(p), 0);
	return out;
}

START_TEST(test_quote)
{
	const struct quote_case *c = &quote_cases[_i];
	char buf[128];
	int r = shell_quote(c->in, buf, sizeof(buf));

	ck_assert_int_eq(r, (int)strlen(c->out));
	ck_assert_str_eq(buf, c->out);
	/* The shell gives a word starting with '-' no meaning, but a command's option parser does:
	 * hence the quotes; the round trip checks only that it is one word. */
	ck_assert_str_eq(sh_roundtrip(buf), c->in);
}
END_TEST

START_TEST(test_quote_space)
{
	char buf[16];

	/* Exactly enough room: "alice" + NUL = 6; "'it'\''s'" + NUL = 10. */
	ck_assert_int_eq(shell_quote("alice", buf, 6), 5);
	ck_assert_int_eq(shell_quote("alice", buf, 5), -ENOBUFS);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(shell_quote("it's", buf, 10), 9);
	ck_assert_str_eq(buf, "'it'\\''s'");
	ck_assert_int_eq(shell_quote("it's", buf, 9), -ENOBUFS);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(shell_quote("", buf, 3), 2);
	ck_assert_int_eq(shell_quote("", buf, 2), -ENOBUFS);
	ck_assert_int_eq(shell_quote("x", buf, 0), -ENOBUFS);
}
END_TEST

/* fd_ensure_std() in a child with some of 0-2 closed: each hole is /dev/null, open read-write;
 * open descriptors are left alone. */
START_TEST(test_ensure_std)
{
	unsigned mask = (unsigned)_i; /* bit k: close fd k first */
	pid_t pid = fork();
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int keep = dup(2), before_flags = fcntl(1, F_GETFL);

		for (int fd = 0; fd < 3; fd++)
			if (mask & (1u << fd))
				(void)close(fd);
		if (fd_ensure_std() != 0)
			_exit(10);
		for (int fd = 0; fd < 3; fd++) {
			char link[64], target[64];
			ssize_t n;

			if (fcntl(fd, F_GETFD) < 0)
				_exit(11);
			if (!(mask & (1u << fd)))
				continue;
			snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
			n = readlink(link, target, sizeof(target) - 1);
			if (n < 0)
				_exit(12);
			target[n] = '\0';
			if (strcmp(target, "/dev/null") != 0 || (fcntl(fd, F_GETFL) & O_ACCMODE) != O_RDWR)
				_exit(13);
		}
		if (!(mask & 2u) && fcntl(1, F_GETFL) != before_flags)
			_exit(14);
		(void)close(keep);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

START_TEST(test_clock)
{
	long long a = clock_now_ms(), b;

	ck_assert_int_gt(a, 0);
	ck_assert_int_eq(usleep(20000), 0);
	b = clock_now_ms();
	/* Monotonic and in milliseconds: at least the 20 ms slept (no upper bound: a loaded
	 * machine may take longer). */
	ck_assert_int_ge(b - a, 20);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("util");

	tcase_add_loop_test(tc, test_quote, 0, (int)(sizeof(quote_cases) / sizeof(quote_cases[0])));
	tcase_add_test(tc, test_quote_space);
	tcase_add_loop_test(tc, test_ensure_std, 0, 8);
	tcase_add_test(tc, test_clock);
	suite_add_tcase(s, tc);
	return run_suite(s, true);
}
