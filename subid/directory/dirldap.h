/* SPDX-License-Identifier: GPL-2.0-or-later
 * The LDAP side of subid-alloc --directory (and subid-check's directory area): every libldap
 * call of the project lives in dirldap.c, a convenience library linked by those two tools only.
 * newuidmap, newgidmap and pam_subid.so never link it (tests/integration/hardening.sh checks
 * their DT_NEEDED).
 *
 * Errors: -errno plus one English line in a caller-owned buffer, naming the server's own words
 * where there are some. No printing, no exit. */
#ifndef SUBID_DIRLDAP_H
#define SUBID_DIRLDAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "directory.h"

struct dl_conn;

/* Connect to cfg->uri (write: cfg->write_uri when set), with the network timeout, no referral
 * chasing, LDAPv3, TLS with certificate and host name checks for ldaps:// and ldap:// (StartTLS
 * required), then bind: SASL EXTERNAL, or simple with the password read from cfg->password_file
 * (root-owned, not group/world-accessible; ROOT prefixes it under tests). Returns 0, or
 * -ECONNREFUSED (cannot reach the server), -ETIMEDOUT, -EACCES (bind refused), -EPERM (password
 * file not trusted), -EPROTO, -ENOMEM; err says which URI and why. */
int dl_open(const struct dir_config *cfg, const char *root, bool write, struct dl_conn **ret, char *err,
	    size_t errsize);
void dl_close(struct dl_conn *c);

/* The user's entry under user_base: (&(objectClass=posixAccount)(uid=NAME)), exactly one.
 * Returns 0 with a malloc()ed DN and the uidNumber, -ENOENT, -ENOTUNIQ (err names both DNs),
 * -EBADMSG (uidNumber missing or not a plain decimal number), or a connection error. */
int dl_find_user(struct dl_conn *c, const char *name, char **ret_dn, uint32_t *ret_uid, char *err,
		 size_t errsize);

/* Sub-id entries under subid_base: all of them (owner_dn NULL; paged), or those whose ipaOwner
 * matches owner_dn (the server's distinguishedNameMatch). Values are copied as strings; a value
 * holding a NUL byte or longer than 1024 bytes is replaced by "\x01" so that it fails every
 * check rather than being cut. */
struct dl_entries {
	struct dir_raw_entry *e;
	size_t n;
	void *store; /* internal */
};
int dl_search_entries(struct dl_conn *c, const char *owner_dn, struct dl_entries *ret, char *err, size_t errsize);
void dl_entries_free(struct dl_entries *e);

/* The entries that can overlap [start, start + count) in either id space while having at most
 * count ids: those whose ipaSubUidNumber or ipaSubGidNumber lies in [start - count + 1,
 * start + count - 1] (integerOrderingMatch). An entry of a larger count is refused for its own
 * owner by dir_entry_check(), and never handed out (dir_choose() sees every entry). */
int dl_search_entries_near(struct dl_conn *c, uint32_t start, uint32_t count, struct dl_entries *ret, char *err,
			   size_t errsize);

/* All posixAccount entries under user_base: DN (as the server returns it), uid (exactly one
 * value, else skipped and counted in *ret_bad) and uidNumber. */
struct dl_user {
	char *dn, *name;
	uint32_t uid;
};
int dl_search_users(struct dl_conn *c, struct dl_user **ret, size_t *ret_n, size_t *ret_bad, char *err,
		    size_t errsize);
void dl_users_free(struct dl_user *u, size_t n);

/* A posixAccount under user_base whose uidNumber lies in [lo, hi] (integerOrderingMatch), the
 * first the server returns: 0 with its uid (name, when given, copied), -ENOENT when none. */
int dl_find_uid_in(struct dl_conn *c, uint32_t lo, uint32_t hi, uint32_t *ret_uid, char *ret_name, size_t name_size,
		   char *err, size_t errsize);

/* Add the entry ipaUniqueID=subid-START,subid_base for owner_dn: FreeIPA's object classes, the
 * same start for sub-uids and sub-gids, the pool's count. Returns 0, -EEXIST (that DN exists),
 * -EBUSY (the server refused a duplicate: LDAP_CONSTRAINT_VIOLATION, slapo-unique or 389-DS's
 * attribute uniqueness), -EACCES, or a connection error (-ECONNRESET: the outcome is unknown). */
int dl_add_entry(struct dl_conn *c, const char *owner_dn, uint32_t start, char *err, size_t errsize);

/* Does the server refuse a second entry for the same ipaOwner? Adds a probe entry for owner_dn
 * (which must already have its entry) with FreeIPA's "not assigned" numbers -1. Refused with
 * LDAP_CONSTRAINT_VIOLATION: 0. Accepted: the probe is deleted again and -ENOTUNIQ returned (the
 * server does not enforce uniqueness). Other refusals and errors: -errno. */
int dl_probe_unique(struct dl_conn *c, const char *owner_dn, char *err, size_t errsize);

/* The server's normal form of a DN (ldap_dn_normalize, LDAPv3), malloc()ed, or NULL. */
char *dl_normalize_dn(const char *dn);

#endif
