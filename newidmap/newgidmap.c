/* SPDX-License-Identifier: GPL-2.0-or-later
 * newgidmap: a binary of its own (not argv[0] dispatch) because its capability, cap_setgid, belongs
 * to this inode. */
#include "core.h"

int main(int argc, char **argv)
{
	return newidmap_main(IDMAP_GID, argc, argv);
}
