/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NEWIDMAP_CORE_H
#define NEWIDMAP_CORE_H

enum idmap_kind {
	IDMAP_UID,
	IDMAP_GID,
};

/* The whole of newuidmap / newgidmap; returns the exit status (0 or 1). */
int newidmap_main(enum idmap_kind kind, int argc, char **argv);

#endif
