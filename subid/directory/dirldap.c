/* SPDX-License-Identifier: GPL-2.0-or-later
 * Every libldap call of the project (see dirldap.h). Linked by subid-alloc and subid-check only.
 *
 * Invariants:
 *  - libldap reads no ldap.conf, .ldaprc or LDAP* environment variable: LDAPNOINIT is set before
 *    its first call, so /etc/subid-directory.conf is the whole client configuration;
 *  - every operation is bounded: LDAP_OPT_NETWORK_TIMEOUT for connecting, LDAP_OPT_TIMEOUT and a
 *    per-call timeout for each request, so a silent server cannot hold a login;
 *  - TLS is demanded, never offered: ldaps:// and StartTLS run with LDAP_OPT_X_TLS_HARD (a
 *    certificate signed by the configured CA, for the host name in the URI), and a failed StartTLS
 *    is an error, never a fallback to plaintext; referrals are never chased;
 *  - filter values are escaped by libldap (ldap_bv2escaped_filter_value); DNs we build hold only
 *    the configured base and digits;
 *  - what the server returns is copied as bytes into strings only after checking for NUL bytes
 *    and size; the logic judging it is in lib/directory.c. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <ldap.h>

#include "conf.h"
#include "dirldap.h"
#include "number.h"
#include "util.h"

#define MAX_VALUE 1024          /* longer values are replaced by the marker */
#define PAGE_SIZE 1000          /* paged results: below every server's default size limit */
#define MAX_PAGES 10000         /* 10 million entries: past that, a server that never ends the search */
#define BAD_VALUE "\x01"
#define DEFAULT_CA "/etc/ssl/certs/ca-certificates.crt"

struct dl_conn {
	LDAP *ld;
	const struct dir_config *cfg;
	struct timeval tv;
	const char *uri;
};

__attribute__((format(printf, 3, 4))) static int say(char *err, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (err && size) {
		va_start(ap, fmt);
		(void)vsnprintf(err, size, fmt, ap);
		va_end(ap);
	}
	return 0;
}

/* The errno a libldap result code means for the caller. */
static int ldap_errno(int rc)
{
	switch (rc) {
	case LDAP_SUCCESS: return 0;
	case LDAP_SERVER_DOWN: case LDAP_CONNECT_ERROR: return -ECONNREFUSED;
	case LDAP_TIMEOUT: case LDAP_TIMELIMIT_EXCEEDED: return -ETIMEDOUT;
	case LDAP_INVALID_CREDENTIALS: case LDAP_INAPPROPRIATE_AUTH: case LDAP_INSUFFICIENT_ACCESS:
	case LDAP_STRONG_AUTH_REQUIRED: case LDAP_AUTH_METHOD_NOT_SUPPORTED: case LDAP_UNWILLING_TO_PERFORM:
		return -EACCES;
	case LDAP_NO_MEMORY: return -ENOMEM;
	case LDAP_NO_SUCH_OBJECT: return -ENOENT;
	case LDAP_ALREADY_EXISTS: return -EEXIST;
	case LDAP_CONSTRAINT_VIOLATION: return -EBUSY;
	default: return -EPROTO;
	}
}

/* The server's diagnostic text, printable, for messages. */
static void diag(LDAP *ld, char *buf, size_t size)
{
	char *msg = NULL;
	size_t o = 0;

	buf[0] = '\0';
	if (ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &msg) != LDAP_OPT_SUCCESS || !msg)
		return;
	for (const char *p = msg; *p && o + 1 < size; p++) {
		if (*p >= 0x20 && *p < 0x7f)
			buf[o++] = *p;
		else
			buf[o++] = '?';
	}
	buf[o] = '\0';
	ldap_memfree(msg);
}

static int fail_rc(struct dl_conn *c, int rc, const char *what, char *err, size_t errsize)
{
	char d[256];

	diag(c->ld, d, sizeof(d));
	say(err, errsize, "%s: %s (%s)%s%s", c->uri, what, ldap_err2string(rc), d[0] ? ": " : "", d);
	return ldap_errno(rc);
}

/* The password: the first line of a root-owned file that only root can read. */
static int read_password(const char *root, const char *file, char **ret, char *err, size_t errsize)
{
	char path[4096];
	_cleanup_free_ char *buf = NULL;
	size_t len;
	struct stat st;
	enum conf_distrust why;
	int r;

	if ((size_t)snprintf(path, sizeof(path), "%s%s", root, file) >= sizeof(path))
		return -ENAMETOOLONG;
	r = conf_read_trusted(path, CONF_NOFOLLOW, 4096, &buf, &len, &st, &why);
	if (r == -EPERM) {
		say(err, errsize, "password file %s %s; refusing to use it", path, conf_distrust_str(why));
		return -EPERM;
	}
	if (r < 0) {
		say(err, errsize, "cannot read the password file %s: %s", path, strerror(-r));
		return r;
	}
	if (st.st_mode & 077) {
		say(err, errsize, "password file %s can be read by group or others (mode %o); refusing to use it", path,
		    (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	len = strcspn(buf, "\r\n");
	buf[len] = '\0';
	if (len == 0) {
		/* A simple bind with a DN and no password is an unauthenticated bind (RFC 4513
		 * 5.1.2), which some servers answer as success with anonymous rights. */
		say(err, errsize, "password file %s is empty (its first line is the password); refusing to use it", path);
		return -EINVAL;
	}
	*ret = TAKE_PTR(buf);
	return 0;
}

/* A password's memory is zeroed before it is freed, on every path. */
static void free_secret(char **p)
{
	if (*p) {
		explicit_bzero(*p, strlen(*p));
		free(*p);
	}
}

/* The CA file decides which server is believed: a regular file (no symlink at its end) that only
 * its owner, root or the effective user, can write. libldap then reads it by its path. */
static int check_ca_file(const char *path, char *err, size_t errsize)
{
	struct stat st;

	if (lstat(path, &st) < 0) {
		say(err, errsize, "cannot use the CA file %s: %s", path, strerror(errno));
		return -errno;
	}
	if (S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode)) {
		/* The default bundle is a symlink into /etc/ssl/certs: follow it, checked the same way. */
		if (!S_ISLNK(st.st_mode) || stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
			say(err, errsize, "CA file %s is not a regular file; refusing to use it", path);
			return -EPERM;
		}
	}
	if (!S_ISREG(st.st_mode) || (st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & 022)) {
		say(err, errsize, "CA file %s is not a regular file owned by root that only root can write (owner %ld, "
			"mode %o); refusing to use it", path, (long)st.st_uid, (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

int dl_open(const struct dir_config *cfg, const char *root, bool write, struct dl_conn **ret, char *err,
	    size_t errsize)
{
	_cleanup_free_ struct dl_conn *c = NULL;
	const char *uri = write && cfg->write_uri ? cfg->write_uri : cfg->uri;
	enum dir_tls tls = write && cfg->write_uri ? cfg->write_tls : cfg->tls;
	int rc, v3 = LDAP_VERSION3, hard = LDAP_OPT_X_TLS_HARD, zero = 0;
	struct berval cred = { 0, NULL };
	__attribute__((cleanup(free_secret))) char *pw = NULL;

	/* The secrets and the trust anchors first, before any connection: a password file or a CA
	 * file that others could read or write is refused without a packet sent. */
	if (cfg->bind == DIR_BIND_SIMPLE) {
		int r = read_password(root ? root : "", cfg->password_file, &pw, err, errsize);

		if (r < 0)
			return r;
	}
	if (tls != DIR_TLS_NONE) {
		int r = check_ca_file(cfg->ca_file ? cfg->ca_file : DEFAULT_CA, err, errsize);

		if (r < 0) {
			return r;
		}
	}
	/* No ldap.conf, no .ldaprc, no LDAP* variables: our configuration file is the only one. */
	(void)setenv("LDAPNOINIT", "1", 1);
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->cfg = cfg;
	c->uri = uri;
	c->tv.tv_sec = cfg->timeout_ms / 1000;
	c->tv.tv_usec = (suseconds_t)(cfg->timeout_ms % 1000) * 1000;
	rc = ldap_initialize(&c->ld, uri);
	if (rc != LDAP_SUCCESS) {
		say(err, errsize, "%s: %s", uri, ldap_err2string(rc));
		return -EINVAL;
	}
	if (ldap_set_option(c->ld, LDAP_OPT_PROTOCOL_VERSION, &v3) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(c->ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(c->ld, LDAP_OPT_NETWORK_TIMEOUT, &c->tv) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(c->ld, LDAP_OPT_TIMEOUT, &c->tv) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(c->ld, LDAP_OPT_RESTART, LDAP_OPT_ON) != LDAP_OPT_SUCCESS) {
		say(err, errsize, "%s: cannot set the connection options", uri);
		goto fail;
	}
	if (tls != DIR_TLS_NONE) {
		if (ldap_set_option(c->ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &hard) != LDAP_OPT_SUCCESS ||
		    ldap_set_option(c->ld, LDAP_OPT_X_TLS_CACERTFILE, cfg->ca_file ? cfg->ca_file : DEFAULT_CA) !=
			    LDAP_OPT_SUCCESS ||
		    ldap_set_option(c->ld, LDAP_OPT_X_TLS_NEWCTX, &zero) != LDAP_OPT_SUCCESS) {
			say(err, errsize, "%s: cannot set up TLS (CA file %s)", uri, cfg->ca_file ? cfg->ca_file : DEFAULT_CA);
			goto fail;
		}
	}
	if (tls == DIR_TLS_STARTTLS) {
		rc = ldap_start_tls_s(c->ld, NULL, NULL);
		if (rc != LDAP_SUCCESS) {
			int r = fail_rc(c, rc, "StartTLS failed (plaintext is never used instead)", err, errsize);

			ldap_unbind_ext_s(c->ld, NULL, NULL);
			return r == -EPROTO ? -EACCES : r;
		}
	}
	if (cfg->bind == DIR_BIND_SIMPLE) {
		if (!pw)
			goto fail; /* read_password() gave one above, or we returned */
		cred.bv_val = pw;
		cred.bv_len = strlen(pw);
		rc = ldap_sasl_bind_s(c->ld, cfg->bind_dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
		explicit_bzero(pw, cred.bv_len);
	} else {
		/* An empty initial response (no authorisation identity): the identity is the peer
		 * credentials of the socket. A server that still asks gets the same empty answer. */
		struct berval empty = { 0, (char *)"" };

		rc = ldap_sasl_bind_s(c->ld, NULL, "EXTERNAL", &empty, NULL, NULL, NULL);
		for (int step = 0; rc == LDAP_SASL_BIND_IN_PROGRESS && step < 2; step++)
			rc = ldap_sasl_bind_s(c->ld, NULL, "EXTERNAL", &empty, NULL, NULL, NULL);
	}
	if (rc != LDAP_SUCCESS) {
		int r = fail_rc(c, rc, cfg->bind == DIR_BIND_SIMPLE ? "simple bind refused" : "SASL EXTERNAL bind refused",
				err, errsize);

		ldap_unbind_ext_s(c->ld, NULL, NULL);
		return r;
	}
	*ret = TAKE_PTR(c);
	return 0;
fail:
	ldap_unbind_ext_s(c->ld, NULL, NULL);
	return -EPROTO;
}

void dl_close(struct dl_conn *c)
{
	if (!c)
		return;
	if (c->ld)
		ldap_unbind_ext_s(c->ld, NULL, NULL);
	free(c);
}

char *dl_normalize_dn(const char *dn)
{
	char *out = NULL, *copy;

	if (ldap_dn_normalize(dn, LDAP_DN_FORMAT_LDAPV3, &out, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS || !out)
		return NULL;
	copy = strdup(out);
	ldap_memfree(out);
	return copy;
}

/* A value as a C string: the marker when it holds a NUL byte or is too long. */
static char *value_str(const struct berval *bv)
{
	if (bv->bv_len > MAX_VALUE || memchr(bv->bv_val, '\0', bv->bv_len))
		return strdup(BAD_VALUE);
	return strndup(bv->bv_val, bv->bv_len);
}

/* ---- Paged search ---------------------------------------------------------------------------- */

typedef int (*entry_fn)(struct dl_conn *c, LDAPMessage *e, void *arg);

/* Search base/scope/filter for attrs, PAGE_SIZE entries at a time (RFC 2696) when paged, calling
 * fn for each entry. Returns 0 or -errno (err set). */
static int search_paged(struct dl_conn *c, const char *base, int scope, const char *filter, char **attrs, bool paged,
			entry_fn fn, void *arg, char *err, size_t errsize)
{
	struct berval *cookie = NULL;
	int r = 0, pages = 0;

	do {
		LDAPControl *page = NULL, *sctrls[2] = { NULL, NULL }, **rctrls = NULL;
		LDAPMessage *res = NULL;
		int rc, code = 0;
		struct timeval tv = c->tv;

		if (paged) {
			rc = ldap_create_page_control(c->ld, PAGE_SIZE, cookie, 0, &page);
			if (rc != LDAP_SUCCESS) {
				r = fail_rc(c, rc, "cannot make a paged-results control", err, errsize);
				break;
			}
			sctrls[0] = page;
		}
		rc = ldap_search_ext_s(c->ld, base, scope, filter, attrs, 0, paged ? sctrls : NULL, NULL, &tv,
				       LDAP_NO_LIMIT, &res);
		if (page)
			ldap_control_free(page);
		if (rc != LDAP_SUCCESS && rc != LDAP_NO_SUCH_OBJECT) {
			r = fail_rc(c, rc, "search failed", err, errsize);
			if (res)
				ldap_msgfree(res);
			break;
		}
		if (rc == LDAP_NO_SUCH_OBJECT) {
			/* The base itself is missing: say so, the caller decides whether that is an error. */
			say(err, errsize, "%s: the base %s does not exist", c->uri, base);
			ldap_msgfree(res);
			r = -ENOENT;
			break;
		}
		if (ldap_first_reference(c->ld, res)) {
			/* A continuation reference: part of the subtree lives on another server, whose
			 * entries we would never see (and might hand out their ids). */
			say(err, errsize, "%s: the search under %s returned a referral to another server, which is "
				"not followed: keep the whole subtree on one server", c->uri, base);
			ldap_msgfree(res);
			r = -EPROTO;
			break;
		}
		if (++pages > MAX_PAGES) {
			say(err, errsize, "%s: the search under %s is still not done after %d pages of %d; refusing "
				"to go on", c->uri, base, MAX_PAGES, PAGE_SIZE);
			ldap_msgfree(res);
			r = -E2BIG;
			break;
		}
		for (LDAPMessage *e = ldap_first_entry(c->ld, res); e && r == 0; e = ldap_next_entry(c->ld, e))
			r = fn(c, e, arg);
		if (r == 0) {
			rc = ldap_parse_result(c->ld, res, &code, NULL, NULL, NULL, &rctrls, 0);
			if (rc == LDAP_SUCCESS && code != LDAP_SUCCESS)
				r = fail_rc(c, code, "search failed", err, errsize);
		}
		if (cookie) {
			ber_bvfree(cookie);
			cookie = NULL;
		}
		if (r == 0 && paged && rctrls) {
			LDAPControl *pr = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, rctrls, NULL);
			ber_int_t count = 0;
			struct berval ck = { 0, NULL };

			if (pr && ldap_parse_pageresponse_control(c->ld, pr, &count, &ck) == LDAP_SUCCESS && ck.bv_len > 0) {
				cookie = ber_bvdup(&ck);
				if (!cookie)
					r = -ENOMEM;
			}
			if (ck.bv_val)
				ber_memfree(ck.bv_val);
		}
		if (rctrls)
			ldap_controls_free(rctrls);
		ldap_msgfree(res);
	} while (r == 0 && cookie);
	if (cookie)
		ber_bvfree(cookie);
	return r;
}

/* ---- Users ----------------------------------------------------------------------------------- */

struct find_user {
	char *dn;
	size_t n;
	char *other;
	struct berval **uidnum;
};

static int one_user(struct dl_conn *c, LDAPMessage *e, void *arg)
{
	struct find_user *f = arg;
	char *dn = ldap_get_dn(c->ld, e);

	if (!dn)
		return -ENOMEM;
	if (f->n++ == 0) {
		f->dn = strdup(dn);
		f->uidnum = ldap_get_values_len(c->ld, e, "uidNumber");
	} else if (!f->other) {
		f->other = strdup(dn);
	}
	ldap_memfree(dn);
	return f->dn ? 0 : -ENOMEM;
}

int dl_find_user(struct dl_conn *c, const char *name, char **ret_dn, uint32_t *ret_uid, char *err, size_t errsize)
{
	struct berval bv = { strlen(name), (char *)name }, esc = { 0, NULL };
	struct find_user f = { 0 };
	char *attrs[] = { "uidNumber", NULL };
	_cleanup_free_ char *filter = NULL;
	uint32_t uid = 0;
	int r;

	if (ldap_bv2escaped_filter_value(&bv, &esc) != 0)
		return -ENOMEM;
	r = asprintf(&filter, "(&(objectClass=posixAccount)(uid=%s))", esc.bv_val);
	ber_memfree(esc.bv_val);
	if (r < 0) {
		filter = NULL;
		return -ENOMEM;
	}
	r = search_paged(c, c->cfg->user_base, LDAP_SCOPE_SUBTREE, filter, attrs, false, one_user, &f, err, errsize);
	if (r == 0 && f.n == 0) {
		say(err, errsize, "no posixAccount with this uid under %s", c->cfg->user_base);
		r = -ENOENT;
	} else if (r == 0 && f.n > 1) {
		say(err, errsize, "%zu posixAccount entries have this uid (%.150s and %.150s)", f.n, f.dn,
		    f.other ? f.other : "?");
		r = -ENOTUNIQ;
	} else if (r == 0) {
		if (!f.uidnum || ldap_count_values_len(f.uidnum) != 1 || f.uidnum[0]->bv_len > 10 ||
		    subid_parse_u32(f.uidnum[0]->bv_val, f.uidnum[0]->bv_len, &uid) < 0) {
			say(err, errsize, "the entry %.200s has no single plain decimal uidNumber", f.dn);
			r = -EBADMSG;
		}
	}
	if (f.uidnum)
		ldap_value_free_len(f.uidnum);
	free(f.other);
	if (r < 0) {
		free(f.dn);
		return r;
	}
	*ret_dn = f.dn;
	*ret_uid = uid;
	return 0;
}

int dl_find_uid_in(struct dl_conn *c, uint32_t lo, uint32_t hi, uint32_t *ret_uid, char *ret_name, size_t name_size,
		   char *err, size_t errsize)
{
	char filter[128], *attrs[] = { "uid", "uidNumber", NULL };
	struct timeval tv = c->tv;
	LDAPMessage *res = NULL, *e;
	struct berval **num = NULL, **uid = NULL;
	uint32_t n = 0;
	int rc, r = -ENOENT;

	(void)snprintf(filter, sizeof(filter), "(&(objectClass=posixAccount)(uidNumber>=%" PRIu32 ")(uidNumber<=%" PRIu32 "))",
		       lo, hi);
	/* One entry is enough: a size limit of 1 answers LDAP_SIZELIMIT_EXCEEDED when there are more. */
	rc = ldap_search_ext_s(c->ld, c->cfg->user_base, LDAP_SCOPE_SUBTREE, filter, attrs, 0, NULL, NULL, &tv, 1, &res);
	if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED) {
		r = fail_rc(c, rc, "search for uids in a range failed", err, errsize);
		if (res)
			ldap_msgfree(res);
		return r;
	}
	if (ldap_first_reference(c->ld, res)) {
		say(err, errsize, "%s: the search under %s returned a referral to another server, which is not followed: "
			"keep the whole subtree on one server", c->uri, c->cfg->user_base);
		ldap_msgfree(res);
		return -EPROTO;
	}
	e = ldap_first_entry(c->ld, res);
	if (e) {
		num = ldap_get_values_len(c->ld, e, "uidNumber");
		uid = ldap_get_values_len(c->ld, e, "uid");
		if (num && ldap_count_values_len(num) == 1 && num[0]->bv_len <= 10 &&
		    subid_parse_u32(num[0]->bv_val, num[0]->bv_len, &n) == 0) {
			*ret_uid = n;
			if (ret_name && name_size) {
				ret_name[0] = '\0';
				if (uid && ldap_count_values_len(uid) >= 1 && !memchr(uid[0]->bv_val, '\0', uid[0]->bv_len))
					(void)snprintf(ret_name, name_size, "%.*s", (int)(uid[0]->bv_len > 64 ? 64 : uid[0]->bv_len),
						       uid[0]->bv_val);
			}
			r = 0;
		}
	}
	if (num)
		ldap_value_free_len(num);
	if (uid)
		ldap_value_free_len(uid);
	ldap_msgfree(res);
	return r;
}

struct user_list {
	struct dl_user *u;
	size_t n, cap, bad;
};

static int list_user(struct dl_conn *c, LDAPMessage *e, void *arg)
{
	struct user_list *l = arg;
	struct berval **uid = ldap_get_values_len(c->ld, e, "uid");
	struct berval **num = ldap_get_values_len(c->ld, e, "uidNumber");
	uint32_t n = 0;
	char *dn = NULL;
	int r = 0;

	if (!uid || !num || ldap_count_values_len(uid) != 1 || ldap_count_values_len(num) != 1 ||
	    num[0]->bv_len > 10 || subid_parse_u32(num[0]->bv_val, num[0]->bv_len, &n) < 0 ||
	    uid[0]->bv_len == 0 || uid[0]->bv_len > 255 || memchr(uid[0]->bv_val, '\0', uid[0]->bv_len)) {
		l->bad++;
		goto out;
	}
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 256;
		struct dl_user *nu = reallocarray(l->u, ncap, sizeof(*nu));

		if (!nu) {
			r = -ENOMEM;
			goto out;
		}
		l->u = nu;
		l->cap = ncap;
	}
	dn = ldap_get_dn(c->ld, e);
	if (!dn) {
		r = -ENOMEM;
		goto out;
	}
	l->u[l->n] = (struct dl_user){ .dn = strdup(dn), .name = strndup(uid[0]->bv_val, uid[0]->bv_len), .uid = n };
	if (!l->u[l->n].dn || !l->u[l->n].name) {
		free(l->u[l->n].dn);
		free(l->u[l->n].name);
		r = -ENOMEM;
		goto out;
	}
	l->n++;
out:
	if (dn)
		ldap_memfree(dn);
	if (uid)
		ldap_value_free_len(uid);
	if (num)
		ldap_value_free_len(num);
	return r;
}

int dl_search_users(struct dl_conn *c, struct dl_user **ret, size_t *ret_n, size_t *ret_bad, char *err, size_t errsize)
{
	struct user_list l = { 0 };
	char *attrs[] = { "uid", "uidNumber", NULL };
	int r;

	r = search_paged(c, c->cfg->user_base, LDAP_SCOPE_SUBTREE, "(objectClass=posixAccount)", attrs, true, list_user,
			 &l, err, errsize);
	if (r < 0) {
		dl_users_free(l.u, l.n);
		return r;
	}
	*ret = l.u;
	*ret_n = l.n;
	*ret_bad = l.bad;
	return 0;
}

void dl_users_free(struct dl_user *u, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(u[i].dn);
		free(u[i].name);
	}
	free(u);
}

/* ---- Sub-id entries -------------------------------------------------------------------------- */

/* Storage: one allocation per entry holding the raw entry's string arrays; freed as a list. */
struct entry_store {
	char **strings;  /* every string, to free */
	size_t n_strings, cap_strings;
	char ***arrays;  /* every value array */
	size_t n_arrays, cap_arrays;
	size_t cap;
};

static int keep(void **arr, size_t *n, size_t *cap, void *p)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 1024;
		void **na = reallocarray(*(void ***)arr, ncap, sizeof(void *));

		if (!na)
			return -ENOMEM;
		*(void ***)arr = na;
		*cap = ncap;
	}
	(*(void ***)arr)[(*n)++] = p;
	return 0;
}

static int values(struct dl_conn *c, LDAPMessage *e, const char *attr, struct entry_store *s,
		  const char *const **ret, size_t *ret_n)
{
	struct berval **v = ldap_get_values_len(c->ld, e, attr);
	size_t n = v ? (size_t)ldap_count_values_len(v) : 0;
	char **arr;
	int r = 0;

	arr = calloc(n + 1, sizeof(*arr));
	if (!arr || keep((void **)&s->arrays, &s->n_arrays, &s->cap_arrays, arr) < 0) {
		free(arr);
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		arr[i] = value_str(v[i]);
		if (!arr[i] || keep((void **)&s->strings, &s->n_strings, &s->cap_strings, arr[i]) < 0) {
			free(arr[i]);
			arr[i] = NULL;
			r = -ENOMEM;
			goto out;
		}
	}
	*ret = (const char *const *)arr;
	*ret_n = n;
out:
	if (v)
		ldap_value_free_len(v);
	return r;
}

struct entry_list {
	struct dl_entries *out;
	struct entry_store *s;
};

static int one_entry(struct dl_conn *c, LDAPMessage *e, void *arg)
{
	struct entry_list *l = arg;
	struct dir_raw_entry raw = { 0 };
	char *dn = ldap_get_dn(c->ld, e), *dncopy;
	int r;

	if (!dn)
		return -ENOMEM;
	dncopy = strdup(dn);
	ldap_memfree(dn);
	if (!dncopy || keep((void **)&l->s->strings, &l->s->n_strings, &l->s->cap_strings, dncopy) < 0) {
		free(dncopy);
		return -ENOMEM;
	}
	raw.dn = dncopy;
	if ((r = values(c, e, "ipaOwner", l->s, &raw.owner, &raw.n_owner)) < 0 ||
	    (r = values(c, e, "ipaSubUidNumber", l->s, &raw.uid_num, &raw.n_uid_num)) < 0 ||
	    (r = values(c, e, "ipaSubUidCount", l->s, &raw.uid_cnt, &raw.n_uid_cnt)) < 0 ||
	    (r = values(c, e, "ipaSubGidNumber", l->s, &raw.gid_num, &raw.n_gid_num)) < 0 ||
	    (r = values(c, e, "ipaSubGidCount", l->s, &raw.gid_cnt, &raw.n_gid_cnt)) < 0)
		return r;
	if (l->out->n == l->s->cap || !l->out->e) {
		size_t ncap = l->s->cap && l->out->e ? l->s->cap * 2 : 256;
		struct dir_raw_entry *ne = reallocarray(l->out->e, ncap, sizeof(*ne));

		if (!ne)
			return -ENOMEM;
		l->out->e = ne;
		l->s->cap = ncap;
	}
	l->out->e[l->out->n++] = raw;
	return 0;
}

static int search_entries(struct dl_conn *c, const char *filter, bool paged, struct dl_entries *ret, char *err,
			  size_t errsize)
{
	char *attrs[] = { "ipaOwner", "ipaSubUidNumber", "ipaSubUidCount", "ipaSubGidNumber", "ipaSubGidCount", NULL };
	struct entry_store *s = calloc(1, sizeof(*s));
	struct dl_entries out = { .store = s };
	struct entry_list l = { &out, s };
	int r;

	if (!s)
		return -ENOMEM;
	r = search_paged(c, c->cfg->subid_base, LDAP_SCOPE_SUBTREE, filter, attrs, paged, one_entry, &l, err, errsize);
	if (r < 0) {
		dl_entries_free(&out);
		return r;
	}
	*ret = out;
	return 0;
}

int dl_search_entries_near(struct dl_conn *c, uint32_t start, uint32_t count, struct dl_entries *ret, char *err,
			   size_t errsize)
{
	uint64_t lo = start >= count ? (uint64_t)start - count + 1 : 0, hi = (uint64_t)start + count - 1;
	char filter[256];

	(void)snprintf(filter, sizeof(filter),
		       "(&(objectClass=ipaSubordinateId)(|(&(ipaSubUidNumber>=%" PRIu64 ")(ipaSubUidNumber<=%" PRIu64
		       "))(&(ipaSubGidNumber>=%" PRIu64 ")(ipaSubGidNumber<=%" PRIu64 "))))",
		       lo, hi, lo, hi);
	return search_entries(c, filter, true, ret, err, errsize);
}

int dl_search_entries(struct dl_conn *c, const char *owner_dn, struct dl_entries *ret, char *err, size_t errsize)
{
	_cleanup_free_ char *filter = NULL;
	int r;

	if (owner_dn) {
		struct berval bv = { strlen(owner_dn), (char *)owner_dn }, esc = { 0, NULL };

		if (ldap_bv2escaped_filter_value(&bv, &esc) != 0)
			return -ENOMEM;
		r = asprintf(&filter, "(&(objectClass=ipaSubordinateId)(ipaOwner=%s))", esc.bv_val);
		ber_memfree(esc.bv_val);
	} else {
		r = asprintf(&filter, "(objectClass=ipaSubordinateId)");
	}
	if (r < 0) {
		filter = NULL;
		return -ENOMEM;
	}
	return search_entries(c, filter, owner_dn == NULL, ret, err, errsize);
}

void dl_entries_free(struct dl_entries *e)
{
	struct entry_store *s;

	if (!e)
		return;
	s = e->store;
	if (s) {
		for (size_t i = 0; i < s->n_strings; i++)
			free(s->strings[i]);
		for (size_t i = 0; i < s->n_arrays; i++)
			free(s->arrays[i]);
		free(s->strings);
		free(s->arrays);
		free(s);
	}
	free(e->e);
	*e = (struct dl_entries){ 0 };
}

/* ---- Adding ---------------------------------------------------------------------------------- */

/* Add dn with FreeIPA's classes, owner_dn and the numbers given as strings. */
static int add_subid(struct dl_conn *c, const char *dn, const char *rdnval, const char *owner_dn, const char *num,
		     const char *count, char *err, size_t errsize)
{
	char *oc[] = { "top", "ipaSubordinateIdEntry", "ipaSubordinateId", "ipaSubordinateUid", "ipaSubordinateGid", NULL };
	char *uq[] = { (char *)rdnval, NULL }, *own[] = { (char *)owner_dn, NULL }, *nv[] = { (char *)num, NULL };
	char *cv[] = { (char *)count, NULL }, *desc[] = { "assigned by newidmap subid-alloc", NULL };
	LDAPMod m[] = {
		{ LDAP_MOD_ADD, (char *)"objectClass", { oc } },
		{ LDAP_MOD_ADD, (char *)"ipaUniqueID", { uq } },
		{ LDAP_MOD_ADD, (char *)"description", { desc } },
		{ LDAP_MOD_ADD, (char *)"ipaOwner", { own } },
		{ LDAP_MOD_ADD, (char *)"ipaSubUidNumber", { nv } },
		{ LDAP_MOD_ADD, (char *)"ipaSubUidCount", { cv } },
		{ LDAP_MOD_ADD, (char *)"ipaSubGidNumber", { nv } },
		{ LDAP_MOD_ADD, (char *)"ipaSubGidCount", { cv } },
	};
	LDAPMod *mods[ELEMENTSOF(m) + 1];
	int rc;

	for (size_t i = 0; i < ELEMENTSOF(m); i++)
		mods[i] = &m[i];
	mods[ELEMENTSOF(m)] = NULL;
	rc = ldap_add_ext_s(c->ld, dn, mods, NULL, NULL);
	if (rc == LDAP_SUCCESS)
		return 0;
	return fail_rc(c, rc, "add refused", err, errsize);
}

int dl_add_entry(struct dl_conn *c, const char *owner_dn, uint32_t start, char *err, size_t errsize)
{
	char rdn[32], num[16], count[16];
	_cleanup_free_ char *dn = NULL;

	if (dir_entry_rdn(start, rdn, sizeof(rdn)) < 0)
		return -EINVAL;
	(void)snprintf(num, sizeof(num), "%" PRIu32, start);
	(void)snprintf(count, sizeof(count), "%" PRIu32, c->cfg->count);
	if (asprintf(&dn, "ipaUniqueID=%s,%s", rdn, c->cfg->subid_base) < 0) {
		dn = NULL;
		return -ENOMEM;
	}
	return add_subid(c, dn, rdn, owner_dn, num, count, err, errsize);
}

int dl_probe_unique(struct dl_conn *c, const char *owner_dn, char *err, size_t errsize)
{
	char rdn[64], count[16];
	_cleanup_free_ char *dn = NULL;
	struct timespec ts;
	int r, rc;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	(void)snprintf(rdn, sizeof(rdn), "newidmap-uniqueness-probe-%ld-%ld%09ld", (long)getpid(), (long)ts.tv_sec,
		       ts.tv_nsec);
	(void)snprintf(count, sizeof(count), "%" PRIu32, c->cfg->count);
	if (asprintf(&dn, "ipaUniqueID=%s,%s", rdn, c->cfg->subid_base) < 0) {
		dn = NULL;
		return -ENOMEM;
	}
	/* -1 is FreeIPA's "to be assigned" value: no reader takes it for a range. */
	r = add_subid(c, dn, rdn, owner_dn, "-1", count, err, errsize);
	if (r == -EBUSY)
		return 0;
	if (r < 0)
		return r;
	rc = ldap_delete_ext_s(c->ld, dn, NULL, NULL);
	if (rc != LDAP_SUCCESS) {
		char d[200];

		diag(c->ld, d, sizeof(d));
		say(err, errsize, "%s: the server accepted a second sub-id entry for %.200s and its removal failed (%s): "
		    "delete %.200s by hand", c->uri, owner_dn, ldap_err2string(rc), dn);
		return -ENOTUNIQ;
	}
	say(err, errsize, "%s: the server accepted a second sub-id entry for the same ipaOwner: it does not enforce "
	    "unique ipaOwner values under %.200s (slapo-unique, or 389-DS's attribute uniqueness plugin)", c->uri,
	    c->cfg->subid_base);
	return -ENOTUNIQ;
}
