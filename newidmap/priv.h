/* SPDX-License-Identifier: GPL-2.0-or-later
 * The helpers' privilege: one file capability, effective only around the map write. */
#ifndef NEWIDMAP_PRIV_H
#define NEWIDMAP_PRIV_H

#include <stdbool.h>
#include <sys/capability.h>

/* Check the privilege model and lower everything (see priv.c). cap is CAP_SETUID or CAP_SETGID.
 * Dies when the binary runs setuid/setgid or with capabilities beyond the expected ones. */
void priv_init(const char *prog, cap_value_t cap);

/* Drop CAP_SETFCAP from the permitted set. It is kept only for a root caller that maps outer id 0
 * (Linux >= 5.12 requires it for that mapping). */
void priv_forget_setfcap(void);

/* Whether cap is in the permitted set. */
bool priv_have(cap_value_t cap);

/* Make exactly the given capabilities effective (n may be 0: lower all). Returns 0 or -errno. */
int priv_set_effective(const cap_value_t *caps, int n);

/* After the map write: keep nothing but CAP_AUDIT_WRITE (if permitted, for the audit record),
 * nothing effective. Dies on failure. */
void priv_drop_privileged(void);

/* Clear every set for good; returns 0 or -errno (used on the way out, after the last record). */
int priv_clear(void);

#endif
