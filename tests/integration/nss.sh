#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The NSS subid source: with "subid: NAME" in /etc/nsswitch.conf the ranges come from
# libsubid_NAME.so through libsubid, and /etc/subuid is not consulted; a source that cannot be
# loaded refuses instead of falling back to the files.
# The helpers run with a file capability, so glibc's secure mode loads plugins only from the
# system library directory: the mock plugin is added there through an overlayfs mounted in our
# private mount namespace only.
# shellcheck source=tests/lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"

CC=${CC:-cc}
command -v "$CC" >/dev/null 2>&1 || skip "no C compiler ($CC) to build the mock subid plugin"
[ -f /usr/include/shadow/subid.h ] || skip "shadow/subid.h is missing (install libsubid-dev)"
LIBSUBID=$(ldconfig -p | awk '$1 == "libsubid.so.4" && !found { print $NF; found = 1 }')
[ -n "$LIBSUBID" ] || skip "libsubid.so.4 is not installed (libsubid4)"
LIBDIR=$(dirname "$(readlink -f "$LIBSUBID")")
SRC="$abs_top_srcdir/tests/integration/mock_subid_plugin.c"

# Build the plugins: zzz (complete) and partial (without shadow_subid_find_subid_owners).
"$CC" -shared -fPIC -O2 -Wall -Werror -DMOCK_OWNER="\"$A_NAME\"" -DMOCK_ERROR_OWNER="\"$B_NAME\"" \
	-o "$T_DIR/libsubid_zzz.so" "$SRC"
"$CC" -shared -fPIC -O2 -Wall -Werror -DMOCK_PARTIAL -DMOCK_OWNER="\"$A_NAME\"" \
	-DMOCK_ERROR_OWNER="\"$B_NAME\"" -o "$T_DIR/libsubid_partial.so" "$SRC"
# hasonly: has_range() also grants 500000+65536, which list_owner_ranges() does not list.
"$CC" -shared -fPIC -O2 -Wall -Werror -DMOCK_HAS_EXTRA -DMOCK_OWNER="\"$A_NAME\"" \
	-DMOCK_ERROR_OWNER="\"$B_NAME\"" -o "$T_DIR/libsubid_hasonly.so" "$SRC"

mkdir "$T_DIR/lib-upper" "$T_DIR/lib-work"
mount -t overlay newidmap-lib -o "lowerdir=$LIBDIR,upperdir=$T_DIR/lib-upper,workdir=$T_DIR/lib-work" "$LIBDIR"
install -m 644 -o root -g root "$T_DIR/libsubid_zzz.so" "$T_DIR/libsubid_partial.so" "$T_DIR/libsubid_hasonly.so" \
	"$LIBDIR/"
[ ! -e "$LIBDIR/libsubid_missing.so" ] || skip "$LIBDIR/libsubid_missing.so exists"

# The files would grant 100000:65536 to A and B; the plugin grants A 300000 (uids) and 400000
# (gids), and fails for B.
set_subuid "$A_NAME:100000:65536
$B_NAME:100000:65536
"
set_subgid "$A_NAME:100000:65536
$B_NAME:100000:65536
"

# nss SOURCE: /etc/nsswitch.conf = the original plus "subid: SOURCE".
nss() {
	put_file /etc/nsswitch.conf "$(cat "$T_DIR/nsswitch.conf.orig")
subid: $1
"
}

# shellcheck disable=SC2317 # called through run/expect_*
as_a() { run_as "$A_UID" "$A_GID" "$@"; }

nss zzz
start_target "$A_UID" "$A_GID"
expect_map "subid: zzz, uid range from the plugin" "$TARGET" uid_map "0 300000 65536" -- \
	as_a "$UIDMAP" "$TARGET" 0 300000 65536
expect_map "subid: zzz, gid range from the plugin" "$TARGET" gid_map "0 400000 65536" -- \
	as_a "$GIDMAP" "$TARGET" 0 400000 65536
check_proc "subid: zzz, gid range from the plugin: setgroups allow" "$TARGET" setgroups allow

start_target "$A_UID" "$A_GID"
expect_refused "subid: zzz, uid range only in /etc/subuid" \
	"host uids 100000-165535 are not all in $A_NAME's ranges from subid source 'zzz'; $A_NAME has 300000-365535" "$TARGET" -- \
	as_a "$UIDMAP" "$TARGET" 0 100000 65536
expect_refused "subid: zzz, gid range only in /etc/subgid" \
	"host gids 100000-165535 are not all in $A_NAME's ranges from subid source 'zzz'" "$TARGET" -- \
	as_a "$GIDMAP" "$TARGET" 0 100000 65536
expect_refused "subid: zzz, range partly in the plugin's" "not all in $A_NAME's ranges from subid source 'zzz'" \
	"$TARGET" -- as_a "$UIDMAP" "$TARGET" 0 300000 65537
expect_map "subid: zzz, self-map with a plugin range" "$TARGET" uid_map "0 $A_UID 1
1 300000 65536" -- \
	as_a "$UIDMAP" "$TARGET" 0 "$A_UID" 1 1 300000 65536
expect_map "subid: zzz, gid self-map only" "$TARGET" gid_map "0 $A_GID 1" -- \
	as_a "$GIDMAP" "$TARGET" 0 "$A_GID" 1
check_proc "subid: zzz, gid self-map only: setgroups deny" "$TARGET" setgroups deny

start_target "$B_UID" "$B_GID"
expect_refused "subid: zzz, the plugin fails for the user" "subid source 'zzz' failed to list the uid ranges of $B_NAME" \
	"$TARGET" -- run_as "$B_UID" "$B_GID" "$UIDMAP" "$TARGET" 0 100000 65536

# A range the plugin's has_range() grants but its list does not hold: shadow's newuidmap asks
# only has_range(user, start, count), and so do we once the listed ranges fall short.
nss hasonly
start_target "$A_UID" "$A_GID"
expect_map "subid: hasonly, uid range only has_range() grants" "$TARGET" uid_map "0 300000 65536
65536 500000 65536" -- as_a "$UIDMAP" "$TARGET" 0 300000 65536 65536 500000 65536
expect_map "subid: hasonly, gid range only has_range() grants" "$TARGET" gid_map "0 500000 10" -- \
	as_a "$GIDMAP" "$TARGET" 0 500000 10
check_proc "subid: hasonly, gid range from has_range(): setgroups allow" "$TARGET" setgroups allow
start_target "$A_UID" "$A_GID"
expect_refused "subid: hasonly, has_range() says no beyond it" "not all in $A_NAME's ranges from subid source 'hasonly'" \
	"$TARGET" -- as_a "$UIDMAP" "$TARGET" 0 500000 65537

# The same request is granted by the files: the refusals below are about the source.
nss files
start_target "$A_UID" "$A_GID"
expect_map "subid: files, range in /etc/subuid" "$TARGET" uid_map "0 100000 65536" -- \
	as_a "$UIDMAP" "$TARGET" 0 100000 65536
start_target "$A_UID" "$A_GID"
expect_refused "subid: files, the plugin's range" "not all in $A_NAME's ranges in /etc/subuid" "$TARGET" -- \
	as_a "$UIDMAP" "$TARGET" 0 300000 65536

nss missing
expect_refused "subid: missing (no plugin)" "refusing rather than falling back to the files" "$TARGET" -- \
	as_a "$UIDMAP" "$TARGET" 0 100000 65536
check_err "subid: missing (no plugin)" "cannot load libsubid_missing.so"
expect_refused "subid: missing, newgidmap" "refusing rather than falling back to the files" "$TARGET" -- \
	as_a "$GIDMAP" "$TARGET" 0 100000 65536

nss partial
expect_refused "subid: partial (a function missing)" "libsubid_partial.so lacks the shadow_subid_* functions" \
	"$TARGET" -- as_a "$UIDMAP" "$TARGET" 0 100000 65536

nss ../../tmp/x
expect_refused "subid: a path as source" "is not a valid module name" "$TARGET" -- \
	as_a "$UIDMAP" "$TARGET" 0 100000 65536

nss zzz
chmod 666 /etc/nsswitch.conf
expect_refused "world-writable nsswitch.conf" "/etc/nsswitch.conf is writable by group or others" "$TARGET" -- \
	as_a "$UIDMAP" "$TARGET" 0 300000 65536

finish
