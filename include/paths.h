/* SPDX-License-Identifier: GPL-2.0-or-later
 * Every file path the programs read or write, in one place (util-linux's pathnames.h). The
 * allocator and subid-check prefix them with a root or sysroot; the helpers use them as they are. */
#ifndef NEWIDMAP_PATHS_H
#define NEWIDMAP_PATHS_H

#define PATH_SUBUID "/etc/subuid"
#define PATH_SUBGID "/etc/subgid"
#define PATH_LOGIN_DEFS "/etc/login.defs"
#define PATH_NSSWITCH "/etc/nsswitch.conf"
#define PATH_PASSWD "/etc/passwd"
#define PATH_GROUP "/etc/group"
#define PATH_PWD_LOCK "/etc/.pwd.lock"
#define PATH_DEV_NULL "/dev/null"

/* login.defs and nsswitch.conf larger than this are refused rather than read. */
#define SMALL_CONF_MAX (4u << 20)

#endif
