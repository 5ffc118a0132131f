/* SPDX-License-Identifier: GPL-2.0-or-later
 * A mock NSS subid source for tests/integration/nss.sh, built there as libsubid_zzz.so with
 *   cc -shared -fPIC -DMOCK_OWNER='"name"' -DMOCK_ERROR_OWNER='"name"' mock_subid_plugin.c
 * It implements the plugin ABI libsubid (shadow >= 4.11) dlopen()s for "subid: zzz" in
 * /etc/nsswitch.conf: MOCK_OWNER owns uids MOCK_UID_START+MOCK_COUNT and gids
 * MOCK_GID_START+MOCK_COUNT; asking about MOCK_ERROR_OWNER fails as a directory outage would;
 * every other owner has no range. The helper's environment is cleared, so the answers are fixed
 * at build time. With -DMOCK_OWNER2='"name"' (check-collide.sh) a second owner holds uids
 * MOCK_UID2_START+MOCK_COUNT2 and gids MOCK_GID2_START+MOCK_COUNT2 (-D to move them). */
#include <pwd.h>
#include <shadow/subid.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#ifndef MOCK_OWNER
#define MOCK_OWNER "nidta"
#endif
#ifndef MOCK_ERROR_OWNER
#define MOCK_ERROR_OWNER "nidtb"
#endif
#define MOCK_UID_START 300000UL
#define MOCK_GID_START 400000UL
#define MOCK_COUNT 65536UL
#define MOCK_EXTRA_START 500000UL
#ifndef MOCK_UID2_START
#define MOCK_UID2_START 320000UL
#endif
#ifndef MOCK_GID2_START
#define MOCK_GID2_START 420000UL
#endif
#ifndef MOCK_COUNT2
#define MOCK_COUNT2 65536UL
#endif

static unsigned long mock_start(enum subid_type t)
{
	return t == ID_TYPE_UID ? MOCK_UID_START : MOCK_GID_START;
}

enum subid_status shadow_subid_has_range(const char *owner, unsigned long start, unsigned long count,
					 enum subid_type t, bool *result)
{
	unsigned long s = mock_start(t);

	*result = false;
	if (strcmp(owner, MOCK_ERROR_OWNER) == 0)
		return SUBID_STATUS_ERROR_CONN;
#ifdef MOCK_OWNER2
	if (strcmp(owner, MOCK_OWNER2) == 0) {
		s = t == ID_TYPE_UID ? MOCK_UID2_START : MOCK_GID2_START;
		*result = start >= s && count <= MOCK_COUNT2 && start - s <= MOCK_COUNT2 - count;
		return SUBID_STATUS_SUCCESS;
	}
#endif
	if (strcmp(owner, MOCK_OWNER) != 0)
		return SUBID_STATUS_SUCCESS;
	*result = start >= s && count <= MOCK_COUNT && start - s <= MOCK_COUNT - count;
#ifdef MOCK_HAS_EXTRA
	/* -DMOCK_HAS_EXTRA: has_range() also grants MOCK_EXTRA_START+MOCK_COUNT (uids and gids), which
	 * list_owner_ranges() does not list, as a directory that resolves owners (aliases) only when
	 * asked about a range may do. shadow's helpers ask only has_range(). */
	*result = *result || (start >= MOCK_EXTRA_START && count <= MOCK_COUNT && start - MOCK_EXTRA_START <= MOCK_COUNT - count);
#endif
	return SUBID_STATUS_SUCCESS;
}

enum subid_status shadow_subid_list_owner_ranges(const char *owner, enum subid_type t, struct subid_range **ranges,
						 int *count)
{
	struct subid_range *r;

	*ranges = NULL;
	*count = 0;
	if (strcmp(owner, MOCK_ERROR_OWNER) == 0)
		return SUBID_STATUS_ERROR_CONN;
#ifdef MOCK_OWNER2
	if (strcmp(owner, MOCK_OWNER2) == 0) {
		r = malloc(sizeof(*r));
		if (!r)
			return SUBID_STATUS_ERROR;
		r->start = t == ID_TYPE_UID ? MOCK_UID2_START : MOCK_GID2_START;
		r->count = MOCK_COUNT2;
		*ranges = r;
		*count = 1;
		return SUBID_STATUS_SUCCESS;
	}
#endif
	if (strcmp(owner, MOCK_OWNER) != 0)
		return SUBID_STATUS_SUCCESS;
	/* The caller frees the array with free() (libsubid < 4.16) or shadow_subid_free(). */
	r = malloc(sizeof(*r));
	if (!r)
		return SUBID_STATUS_ERROR;
	r->start = mock_start(t);
	r->count = MOCK_COUNT;
	*ranges = r;
	*count = 1;
	return SUBID_STATUS_SUCCESS;
}

#ifndef MOCK_PARTIAL /* -DMOCK_PARTIAL: a plugin missing a function libsubid needs */
enum subid_status shadow_subid_find_subid_owners(unsigned long id, enum subid_type t, uid_t **uids, int *count)
{
	unsigned long s = mock_start(t);
	struct passwd *pw;

	*uids = NULL;
	*count = 0;
	/* Room for both owners: their ranges may overlap (check-collide.sh makes them). */
	*uids = malloc(2 * sizeof(**uids));
	if (!*uids)
		return SUBID_STATUS_ERROR;
	if (id >= s && id - s < MOCK_COUNT) {
		pw = getpwnam(MOCK_OWNER);
		if (!pw) {
			free(*uids);
			*uids = NULL;
			return SUBID_STATUS_UNKNOWN_USER;
		}
		(*uids)[(*count)++] = pw->pw_uid;
	}
#ifdef MOCK_OWNER2
	s = t == ID_TYPE_UID ? MOCK_UID2_START : MOCK_GID2_START;
	if (id >= s && id - s < MOCK_COUNT2) {
#ifdef MOCK_OWNER2_UID
		/* -DMOCK_OWNER2_UID=N: the owner is a uid the user database does not know (a directory
		 * user this host cannot resolve). */
		(*uids)[(*count)++] = (uid_t)MOCK_OWNER2_UID;
#else
		pw = getpwnam(MOCK_OWNER2);
		if (pw)
			(*uids)[(*count)++] = pw->pw_uid;
#endif
	}
#endif
	if (*count == 0) {
		free(*uids);
		*uids = NULL;
	}
	return SUBID_STATUS_SUCCESS;
}
#endif

void shadow_subid_free(void *ptr)
{
	free(ptr);
}
