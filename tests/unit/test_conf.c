/* SPDX-License-Identifier: GPL-2.0-or-later
 * Check suite for lib/conf.c: login.defs and nsswitch.conf lookups fed from memory, and
 * conf_read_trusted() on files this test creates under its own mkdtemp() directory (never /etc).
 * Cases that need a root-owned file run only as root; otherwise they print a note and return. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "check-run.h"

#define S(lit) lit, sizeof(lit) - 1
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- login.defs ---- */

#define KEY "GRANT_AUX_GROUP_SUBIDS"

static const struct {
	const char *buf;
	size_t len;
	const char *key;
	const char *value; /* NULL: not found */
	bool yes;          /* logindefs_get_bool */
} defs_cases[] = {
	{ S(KEY " yes\n"), KEY, "yes", true },
	{ S(KEY " yes"), KEY, "yes", true },            /* no final newline */
	{ S(KEY " YES\n"), KEY, "YES", true },
	{ S(KEY " Yes\n"), KEY, "Yes", true },
	{ S(KEY " no\n"), KEY, "no", false },
	{ S(KEY "\tyes\n"), KEY, "yes", true },
	{ S(KEY " \t  yes   \n"), KEY, "yes", true },
	{ S("   " KEY " yes\n"), KEY, "yes", true },    /* leading blanks */
	{ S("\t" KEY " yes\n"), KEY, "yes", true },
	{ S(KEY " \"yes\"\n"), KEY, "yes", true },      /* quoted */
	{ S(KEY " \"no\"\n"), KEY, "no", false },
	{ S(KEY " yes\r\n"), KEY, "yes", true },        /* CRLF */
	{ S(KEY " yess\n"), KEY, "yess", false },
	{ S(KEY " y\n"), KEY, "y", false },
	{ S(KEY " 1\n"), KEY, "1", false },
	{ S(KEY " true\n"), KEY, "true", false },
	/* comments */
	{ S("#" KEY " yes\n"), KEY, NULL, false },
	{ S("# " KEY " yes\n"), KEY, NULL, false },
	{ S("  # " KEY " yes\n"), KEY, NULL, false },
	{ S("#" KEY " yes\n" KEY " no\n"), KEY, "no", false },
	/* last occurrence wins */
	{ S(KEY " yes\n" KEY " no\n"), KEY, "no", false },
	{ S(KEY " no\n" KEY " yes"), KEY, "yes", true },
	{ S(KEY " no\nOTHER x\n" KEY " yes\nMORE y\n"), KEY, "yes", true },
	/* only whole keys match */
	{ S(KEY "X yes\n"), KEY, NULL, false },
	{ S("GRANT_AUX_GROUP_SUBIDSX yes\n"), KEY, NULL, false },
	{ S("GRANT_AUX_GROUP yes\n"), KEY, NULL, false },
	{ S("X" KEY " yes\n"), KEY, NULL, false },
	{ S("grant_aux_group_subids yes\n"), KEY, NULL, false }, /* keys are case-sensitive (shadow: strcmp) */
	{ S(KEY "X yes\n" KEY " no\n"), KEY, "no", false },
	{ S(KEY " no\n" KEY "X yes\n"), KEY, "no", false },
	/* a key without a value */
	{ S(KEY "\n"), KEY, NULL, false },
	{ S(KEY), KEY, NULL, false },
	{ S(KEY "   \n"), KEY, NULL, false },
	/* absent */
	{ S(""), KEY, NULL, false },
	{ S("\n\n"), KEY, NULL, false },
	{ S("SUB_UID_MIN 100000\nSUB_UID_MAX 600100000\n"), KEY, NULL, false },
	/* other keys, from Debian's login.defs */
	{ S("SUB_UID_MIN\t\t   100000\nSUB_UID_MAX\t\t600100000\nSUB_UID_COUNT\t\t  65536\n"), "SUB_UID_MAX", "600100000",
	  false },
	{ S("SUB_UID_MIN 100000\nSUB_UID_MAX 600100000\n"), "SUB_UID_MIN", "100000", false },
};

START_TEST(test_logindefs)
{
	const char *v = (const char *)&v;
	size_t vlen = 4242;
	bool found = logindefs_get(defs_cases[_i].buf, defs_cases[_i].len, defs_cases[_i].key, &v, &vlen);

	if (defs_cases[_i].value) {
		ck_assert_msg(found, "case %d: %s not found", _i, defs_cases[_i].key);
		ck_assert_msg(vlen == strlen(defs_cases[_i].value) && memcmp(v, defs_cases[_i].value, vlen) == 0,
			      "case %d: value '%.*s', expected '%s'", _i, (int)vlen, v, defs_cases[_i].value);
		/* the value points into the buffer */
		ck_assert(v >= defs_cases[_i].buf && v + vlen <= defs_cases[_i].buf + defs_cases[_i].len);
	} else {
		ck_assert_msg(!found, "case %d: found '%.*s'", _i, (int)vlen, v);
		ck_assert_ptr_eq(v, (const char *)&v);
		ck_assert_uint_eq(vlen, 4242);
	}
	ck_assert_msg(logindefs_get_bool(defs_cases[_i].buf, defs_cases[_i].len, defs_cases[_i].key) == defs_cases[_i].yes,
		      "case %d: bool", _i);
}
END_TEST

/* The buffer is counted, not NUL-terminated: bytes past len are not part of the file. */
START_TEST(test_logindefs_counted)
{
	static const char buf[] = KEY " no\n" KEY " yes\n";
	const size_t k = sizeof(KEY) - 1;
	const char *v;
	size_t vlen;

	ck_assert(logindefs_get(buf, k + 2, KEY, &v, &vlen)); /* "KEY n" */
	ck_assert_uint_eq(vlen, 1);
	ck_assert_mem_eq(v, "n", 1);
	ck_assert(logindefs_get(buf, k + 4, KEY, &v, &vlen)); /* "KEY no\n" */
	ck_assert_uint_eq(vlen, 2);
	ck_assert_mem_eq(v, "no", 2);
	ck_assert(!logindefs_get_bool(buf, k + 4 + k + 2, KEY)); /* "...KEY y" */
	ck_assert(logindefs_get_bool(buf, k + 4 + k + 4, KEY));  /* "...KEY yes" */
	ck_assert(logindefs_get_bool(buf, sizeof(buf) - 1, KEY));
	ck_assert(!logindefs_get(buf, k, KEY, &v, &vlen));      /* "KEY": no value */
	ck_assert(!logindefs_get(buf, 0, KEY, &v, &vlen));
}
END_TEST

/* ---- nsswitch.conf ---- */

static const struct {
	const char *buf;
	size_t len;
	size_t size;
	int rc;
	const char *token;
} nss_cases[] = {
	{ S(""), 64, 0, NULL },
	{ S("passwd: files systemd\ngroup: files systemd\n"), 64, 0, NULL },
	{ S("subid: files\n"), 64, 1, "files" },
	{ S("subid: files"), 64, 1, "files" },
	{ S("subid:   sss\n"), 64, 1, "sss" },
	{ S("subid:\tsss\n"), 64, 1, "sss" },
	{ S("subid:sss\n"), 64, 1, "sss" },
	{ S("subid: sss files\n"), 64, 1, "sss" },   /* only the first token */
	{ S("subid: sss\tfiles\n"), 64, 1, "sss" },
	{ S("SUBID: x\n"), 64, 1, "x" },             /* database name case-insensitive */
	{ S("SubId: Files\n"), 64, 1, "Files" },     /* the token as written */
	{ S("passwd: files\nsubid: sss\ngroup: files\n"), 64, 1, "sss" },
	{ S("subid: sss\nsubid: files\n"), 64, 1, "sss" }, /* the first subid: line */
	/* libsubid's grammar: the line must begin with "subid:" */
	{ S("  subid: sss\n"), 64, 0, NULL },
	{ S("\tsubid: sss\n"), 64, 0, NULL },
	{ S("#subid: sss\n"), 64, 0, NULL },
	{ S("# subid: sss\nsubid: files\n"), 64, 1, "files" },
	{ S("subids: sss\n"), 64, 0, NULL },
	{ S("subid sss\n"), 64, 0, NULL },
	{ S("sub: sss\n"), 64, 0, NULL },
	/* "subid:" with nothing: keep looking */
	{ S("subid:\nsubid: sss\n"), 64, 1, "sss" },
	{ S("subid:   \t\nsubid: sss\n"), 64, 1, "sss" },
	{ S("subid:\n"), 64, 0, NULL },
	{ S("subid:  \n"), 64, 0, NULL },
	/* the token must fit with its NUL */
	{ S("subid: abcdefg\n"), 8, 1, "abcdefg" },
	{ S("subid: abcdefgh\n"), 8, -ENAMETOOLONG, NULL },
	{ S("subid: a_very_long_module_name_indeed\n"), 16, -ENAMETOOLONG, NULL },
	{ S("subid: x\n"), 1, -ENAMETOOLONG, NULL },
	{ S("subid: x\n"), 2, 1, "x" },
};

START_TEST(test_nsswitch)
{
	char out[64];
	int r;

	ck_assert_uint_le(nss_cases[_i].size, sizeof(out));
	memset(out, 'Q', sizeof(out));
	r = nsswitch_subid_source(nss_cases[_i].buf, nss_cases[_i].len, out, nss_cases[_i].size);
	ck_assert_msg(r == nss_cases[_i].rc, "case %d: %d, expected %d", _i, r, nss_cases[_i].rc);
	if (r == 1)
		ck_assert_str_eq(out, nss_cases[_i].token);
	/* never a byte past size */
	for (size_t i = nss_cases[_i].size; i < sizeof(out); i++)
		ck_assert_int_eq(out[i], 'Q');
}
END_TEST

/* ---- conf_read_trusted ---- */

static char tmpdir[] = "/tmp/newidmap-test-conf.XXXXXX";

static void dir_setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

static void dir_teardown(void)
{
	(void)nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

enum setup {
	F_REG,          /* a regular file with the content below, mode as given */
	F_EMPTY,        /* empty regular file */
	F_SYMLINK,      /* a symlink to a good regular file */
	F_SYMLINK_DIR,  /* a good file reached through a symlinked directory */
	F_DIR,          /* a directory */
	F_FIFO,         /* a named pipe nobody writes to */
	F_NOT_ROOT,     /* regular file owned by uid 1 (or by the caller when not root) */
	F_MISSING,      /* nothing there */
	F_MISSING_DIR,  /* parent directory missing */
	F_NOTDIR,       /* a regular file used as a directory */
	F_DEVNULL,      /* /dev/null: a character device owned by root */
	F_PROC,         /* /proc/self/status: st_size 0, content longer: read to EOF */
};

static const char content[] = "SUB_UID_MIN 100000\n# a NUL follows\n\0after\nlast line, no newline";

#define BIG ((size_t)1 << 20)

static const struct {
	enum setup setup;
	mode_t mode;
	int flags;
	size_t max_size;
	int rc;
	enum conf_distrust why;
	bool need_root; /* needs a root-owned file to mean anything */
} trust_cases[] = {
	{ F_REG, 0644, 0, BIG, 0, CONF_TRUSTED, true },
	{ F_REG, 0644, CONF_NOFOLLOW, BIG, 0, CONF_TRUSTED, true },
	{ F_REG, 0600, 0, BIG, 0, CONF_TRUSTED, true },
	{ F_REG, 0400, 0, BIG, 0, CONF_TRUSTED, true },
	{ F_REG, 0000, 0, BIG, 0, CONF_TRUSTED, true },   /* root reads it anyway */
	{ F_REG, 0644, 0, sizeof(content) - 1, 0, CONF_TRUSTED, true },        /* exactly max_size */
	{ F_REG, 0644, 0, sizeof(content) - 2, -EPERM, CONF_TOO_LARGE, true }, /* one byte over */
	{ F_REG, 0644, 0, 0, -EPERM, CONF_TOO_LARGE, true },
	{ F_EMPTY, 0644, 0, 0, 0, CONF_TRUSTED, true },
	{ F_EMPTY, 0644, 0, BIG, 0, CONF_TRUSTED, true },
	{ F_REG, 0664, 0, BIG, -EPERM, CONF_WRITABLE, true },  /* group-writable */
	{ F_REG, 0620, 0, BIG, -EPERM, CONF_WRITABLE, true },
	{ F_REG, 0646, 0, BIG, -EPERM, CONF_WRITABLE, true },  /* world-writable */
	{ F_REG, 0642, 0, BIG, -EPERM, CONF_WRITABLE, true },
	{ F_REG, 0666, 0, BIG, -EPERM, CONF_WRITABLE, true },
	{ F_REG, 01666, 0, BIG, -EPERM, CONF_WRITABLE, true },
	{ F_SYMLINK, 0644, 0, BIG, 0, CONF_TRUSTED, true },    /* followed without CONF_NOFOLLOW */
	{ F_SYMLINK, 0644, CONF_NOFOLLOW, BIG, -ELOOP, CONF_TRUSTED, false },
	{ F_SYMLINK_DIR, 0644, CONF_NOFOLLOW, BIG, 0, CONF_TRUSTED, true }, /* only the last component */
	{ F_DIR, 0755, 0, BIG, -EPERM, CONF_NOT_REGULAR, false },
	{ F_DIR, 0755, CONF_NOFOLLOW, BIG, -EPERM, CONF_NOT_REGULAR, false },
	{ F_FIFO, 0644, 0, BIG, -EPERM, CONF_NOT_REGULAR, false },
	{ F_FIFO, 0600, CONF_NOFOLLOW, BIG, -EPERM, CONF_NOT_REGULAR, false },
	{ F_DEVNULL, 0, 0, BIG, -EPERM, CONF_NOT_REGULAR, false },
	{ F_NOT_ROOT, 0644, 0, BIG, -EPERM, CONF_NOT_ROOT_OWNED, false },
	{ F_NOT_ROOT, 0600, CONF_NOFOLLOW, BIG, -EPERM, CONF_NOT_ROOT_OWNED, false },
	{ F_MISSING, 0, 0, BIG, -ENOENT, CONF_TRUSTED, false },
	{ F_MISSING, 0, CONF_NOFOLLOW, BIG, -ENOENT, CONF_TRUSTED, false },
	{ F_MISSING_DIR, 0, 0, BIG, -ENOENT, CONF_TRUSTED, false },
	{ F_NOTDIR, 0644, 0, BIG, -ENOTDIR, CONF_TRUSTED, false },
	{ F_PROC, 0, 0, BIG, 0, CONF_TRUSTED, true },
	{ F_PROC, 0, 0, 16, -EPERM, CONF_TOO_LARGE, true },
};

static void write_file(const char *path, const char *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	ck_assert_int_eq(fchmod(fd, mode), 0); /* exact mode, whatever the umask */
	ck_assert_int_eq(close(fd), 0);
}

START_TEST(test_trusted)
{
	char path[256], target[256];
	const char *p = path, *expect = content;
	size_t expect_len = sizeof(content) - 1;
	bool root = geteuid() == 0;
	char *sentinel_buf = (char *)&root, *buf = sentinel_buf;
	size_t len = 4242;
	struct stat st, sentinel_st, ref;
	enum conf_distrust why = (enum conf_distrust)99;
	int r;

	if (trust_cases[_i].need_root && !root) {
		printf("NOTE: test_conf: conf_read_trusted case %d skipped: it needs a root-owned file and this test "
		       "is not running as root\n", _i);
		return;
	}
	snprintf(path, sizeof(path), "%s/case%d", tmpdir, _i);
	snprintf(target, sizeof(target), "%s/case%d.target", tmpdir, _i);
	switch (trust_cases[_i].setup) {
	case F_REG:
		write_file(path, content, sizeof(content) - 1, trust_cases[_i].mode);
		break;
	case F_EMPTY:
		write_file(path, "", 0, trust_cases[_i].mode);
		expect = "";
		expect_len = 0;
		break;
	case F_SYMLINK:
		write_file(target, content, sizeof(content) - 1, trust_cases[_i].mode);
		ck_assert_int_eq(symlink(target, path), 0);
		break;
	case F_SYMLINK_DIR:
		ck_assert_int_eq(mkdir(target, 0755), 0);
		ck_assert_int_eq(symlink(target, path), 0);
		snprintf(target, sizeof(target), "%s/case%d.target/file", tmpdir, _i);
		write_file(target, content, sizeof(content) - 1, trust_cases[_i].mode);
		snprintf(path, sizeof(path), "%s/case%d/file", tmpdir, _i);
		break;
	case F_DIR:
		ck_assert_int_eq(mkdir(path, trust_cases[_i].mode), 0);
		break;
	case F_FIFO:
		ck_assert_int_eq(mkfifo(path, trust_cases[_i].mode), 0);
		break;
	case F_NOT_ROOT:
		write_file(path, content, sizeof(content) - 1, trust_cases[_i].mode);
		if (root)
			ck_assert_int_eq(chown(path, 1, 1), 0);
		break;
	case F_MISSING:
		break;
	case F_MISSING_DIR:
		snprintf(path, sizeof(path), "%s/case%d.nodir/file", tmpdir, _i);
		break;
	case F_NOTDIR:
		write_file(target, content, sizeof(content) - 1, trust_cases[_i].mode);
		snprintf(path, sizeof(path), "%s/case%d.target/file", tmpdir, _i);
		break;
	case F_DEVNULL:
		p = "/dev/null";
		break;
	case F_PROC:
		p = "/proc/self/status";
		break;
	}

	memset(&st, 0xa5, sizeof(st));
	memset(&sentinel_st, 0xa5, sizeof(sentinel_st));
	r = conf_read_trusted(p, trust_cases[_i].flags, trust_cases[_i].max_size, &buf, &len, &st, &why);
	ck_assert_msg(r == trust_cases[_i].rc, "case %d: %s: returned %d (%s), expected %d", _i, p, r,
		      r < 0 ? strerror(-r) : "ok", trust_cases[_i].rc);
	if (r == -EPERM || r == 0)
		ck_assert_msg(why == trust_cases[_i].why, "case %d: why %d (%s), expected %d", _i, why,
			      conf_distrust_str(why), trust_cases[_i].why);
	if (r < 0) {
		/* conf.h: outputs other than ret_why untouched on failure */
		ck_assert_ptr_eq(buf, sentinel_buf);
		ck_assert_uint_eq(len, 4242);
		ck_assert_mem_eq(&st, &sentinel_st, sizeof(st));
		return;
	}

	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(buf[len], '\0');
	ck_assert_int_eq(stat(p, &ref), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_uint_eq(st.st_ino, ref.st_ino);
	ck_assert_uint_eq(st.st_dev, ref.st_dev);
	ck_assert_uint_eq(st.st_uid, 0);
	if (trust_cases[_i].setup == F_PROC) {
		/* st_size is 0 here: the length comes from reading to EOF */
		ck_assert_int_eq(st.st_size, 0);
		ck_assert_uint_gt(len, 16);
		ck_assert_uint_eq(strlen(buf), len);
		ck_assert_mem_eq(buf, "Name:", 5);
		ck_assert_int_eq(buf[len - 1], '\n');
	} else {
		ck_assert_uint_eq(len, expect_len);
		ck_assert_mem_eq(buf, expect, len);
		ck_assert_int_eq(st.st_size, (off_t)expect_len);
	}
	free(buf);

	/* ret_st may be NULL */
	buf = NULL;
	ck_assert_int_eq(conf_read_trusted(p, trust_cases[_i].flags, trust_cases[_i].max_size, &buf, &len, NULL, &why), 0);
	free(buf);
}
END_TEST

START_TEST(test_distrust_str)
{
	static const enum conf_distrust all[] = { CONF_TRUSTED, CONF_NOT_REGULAR, CONF_NOT_ROOT_OWNED, CONF_WRITABLE,
						   CONF_TOO_LARGE };

	for (size_t a = 0; a < N_OF(all); a++) {
		ck_assert_ptr_nonnull(conf_distrust_str(all[a]));
		for (size_t b = 0; b < a; b++)
			ck_assert_str_ne(conf_distrust_str(all[a]), conf_distrust_str(all[b]));
	}
	ck_assert_ptr_nonnull(conf_distrust_str((enum conf_distrust)42));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("conf");
	TCase *tl = tcase_create("logindefs"), *tn = tcase_create("nsswitch"), *tt = tcase_create("read_trusted");

	tcase_add_loop_test(tl, test_logindefs, 0, (int)N_OF(defs_cases));
	tcase_add_test(tl, test_logindefs_counted);
	tcase_add_loop_test(tn, test_nsswitch, 0, (int)N_OF(nss_cases));
	tcase_add_unchecked_fixture(tt, dir_setup, dir_teardown);
	tcase_add_loop_test(tt, test_trusted, 0, (int)N_OF(trust_cases));
	tcase_add_test(tt, test_distrust_str);
	suite_add_tcase(s, tl);
	suite_add_tcase(s, tn);
	suite_add_tcase(s, tt);
	return run_suite(s, false);
}
