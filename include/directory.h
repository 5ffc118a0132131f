/* SPDX-License-Identifier: GPL-2.0-or-later
 * Sub-id ranges kept in an LDAP directory (FreeIPA's schema: ipaSubordinateId entries with
 * ipaOwner, ipaSubUidNumber/Count, ipaSubGidNumber/Count): the pure logic, without any LDAP code.
 *   - the configuration file /etc/subid-directory.conf (grammar, defaults, refusals);
 *   - the verdict on each entry the directory returned (every answer is hostile input);
 *   - the lowest free count-aligned range of the pool, given the entries that exist.
 * The protocol itself (libldap) lives in subid/directory/, linked by subid-alloc and subid-check
 * only: never by newuidmap/newgidmap, nor by pam_subid.so.
 *
 * No printing, no exit, no global state: errors come back as -errno plus a message in a
 * caller-owned buffer. */
#ifndef SUBID_DIRECTORY_H
#define SUBID_DIRECTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "range.h"

/* FreeIPA's pool (ipa subid-generate): 65536 ids per user from 2^31 up to 4294901767. Far above
 * useradd's SUB_UID range (100000-600100000) and systemd's container range (524288-1879048191). */
#define DIR_DEF_POOL_MIN UINT32_C(2147483648)
#define DIR_DEF_POOL_MAX UINT32_C(4294901767)
#define DIR_DEF_COUNT UINT32_C(65536)
#define DIR_DEF_TIMEOUT_MS 5000u
#define DIR_MAX_TIMEOUT_MS 600000u
#define DIR_CONF_PATH "/etc/subid-directory.conf"

enum dir_bind {
	DIR_BIND_EXTERNAL, /* SASL EXTERNAL: over ldapi:// the server sees our uid (peer credentials) */
	DIR_BIND_SIMPLE,   /* a DN and a password read from a root-only file */
};

enum dir_tls {
	DIR_TLS_NONE,     /* ldapi:// only */
	DIR_TLS_LDAPS,    /* ldaps:// */
	DIR_TLS_STARTTLS, /* ldap:// + StartTLS, required */
};

struct dir_config {
	char *uri;          /* where lookups go (may be a read-only replica) */
	char *write_uri;    /* where new entries are added (the provider); NULL: uri */
	char *user_base;    /* the users: posixAccount entries with uid and uidNumber */
	char *subid_base;   /* the sub-id entries (FreeIPA: cn=subids,cn=accounts,SUFFIX) */
	enum dir_bind bind;
	char *bind_dn;      /* simple bind */
	char *password_file;/* simple bind: the password, first line; root-owned, mode 0600 or 0400 */
	enum dir_tls tls, write_tls;
	char *ca_file;      /* TLS: the CA bundle that must sign the server's certificate (optional) */
	uint32_t pool_min, pool_max, count;
	unsigned timeout_ms;/* per network operation and for connecting */
};

/* Parse the configuration (the whole file in buf). Grammar: one "key value" per line, '#'
 * comment lines and blank lines ignored, the value the rest of the line after blanks, trailing
 * blanks trimmed. Keys: uri, write_uri, user_base, subid_base, bind (external | simple), bind_dn,
 * password_file, tls (starttls, for ldap:// URIs), ca_file, pool_min, pool_max, count,
 * timeout (milliseconds). An unknown key, a repeated key, a missing value, a control byte, a
 * number that is not plain decimal, or a combination that would be unsafe is an error:
 *   - uri and user_base are required; subid_base defaults to cn=subids,cn=accounts,SUFFIX where
 *     SUFFIX is the trailing run of dc= RDNs of user_base (FreeIPA's place); without one it is
 *     required;
 *   - ldapi:// needs no TLS; ldaps:// is TLS; ldap:// requires "tls starttls": plaintext to a
 *     network server is refused, as is any other scheme;
 *   - bind simple requires bind_dn and password_file (absolute); external requires ldapi://
 *     (over the network EXTERNAL would need client certificates: not supported);
 *   - pool: count >= 1, pool_min <= pool_max <= 4294967294, count fits, pool_min >= 65536.
 * Returns 0 with *ret filled (free it with dir_config_free), or -EINVAL with a message naming the
 * line in err. -ENOMEM. */
int dir_config_parse(const char *buf, size_t len, struct dir_config *ret, char *err, size_t errsize);
void dir_config_free(struct dir_config *c);

/* ---- Entries --------------------------------------------------------------------------------- */

/* One sub-id entry as the directory returned it: each attribute's values as strings (the
 * directory may send none, several, or junk). */
struct dir_raw_entry {
	const char *dn;
	const char *const *owner;   size_t n_owner;
	const char *const *uid_num; size_t n_uid_num;
	const char *const *uid_cnt; size_t n_uid_cnt;
	const char *const *gid_num; size_t n_gid_num;
	const char *const *gid_cnt; size_t n_gid_cnt;
};

struct dir_entry {
	const char *dn, *owner;      /* point into the raw entry */
	bool valid;                  /* false: why says why; the ranges may still be set (has_ranges) */
	bool has_ranges;             /* both ranges parsed and kernel-valid: they occupy ids */
	struct idrange uid, gid;
	char why[160];
};

/* Judge one entry against the pool: exactly one value of each attribute, plain decimal numbers,
 * ranges valid by the kernel's rule, inside [pool_min, pool_max], of exactly the pool's count.
 * Fills *ret (valid or not, with the reason). */
void dir_entry_check(const struct dir_raw_entry *raw, const struct dir_config *cfg, struct dir_entry *ret);

/* Across entries: an entry whose uid or gid range overlaps another entry's is invalid (both are),
 * with the other's DN in why. n log n. Returns 0 or -ENOMEM. */
int dir_entries_check_overlaps(struct dir_entry *e, size_t n);

/* A directory user's uid, for dir_entries_check_uids(). */
struct dir_uid {
	uint32_t uid;
	const char *name;
};

/* Across entries and users: an entry whose sub-uid or sub-gid range holds the uidNumber of a
 * directory user is invalid ("its range holds uid N of NAME"): a container's ids would be that
 * user's files (shadow issue 1157). The uids array is sorted in place. Returns 0 or -ENOMEM. */
int dir_entries_check_uids(struct dir_entry *e, size_t n, struct dir_uid *uids, size_t nu);

/* The lowest start s = pool_min + k * count (k >= 0) such that [s, s + count) lies in the pool
 * and overlaps none of the n ranges (the uid and the gid ranges of every entry, valid or not, plus
 * any start a failed add excluded). The same start is used for the sub-uids and the sub-gids, as
 * FreeIPA does. The array is sorted in place. Returns 0 and *ret_start, or -ENOSPC; *ret_free
 * (may be NULL) is the number of aligned slots still free, counted in the same sweep. */
int dir_choose(struct idrange *ranges, size_t n, const struct dir_config *cfg, uint32_t *ret_start,
	       uint64_t *ret_free);

/* The RDN value of the entry subid-alloc adds for a start: "subid-START". Putting the start in the
 * RDN makes a second entry with the same start impossible on any LDAP server (a DN is unique),
 * with or without an attribute-uniqueness overlay. */
int dir_entry_rdn(uint32_t start, char *buf, size_t size);

/* Compare two DNs the way subid-alloc matches ipaOwner to a user's DN: ASCII case folded, blanks
 * around ',', '=' and '+' ignored. Both are normalised by the server's rules first where the
 * caller can (libldap's ldap_dn_normalize). */
bool dir_dn_equal(const char *a, const char *b);

#endif
