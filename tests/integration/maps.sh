#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Successful maps of newuidmap/newgidmap on real user namespaces, checked in /proc/PID/*_map.
# shellcheck source=tests/lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"

# Comment, blank and malformed lines sit between the entries on purpose: they must not hurt.
SUBUID="# sub-ids of the integration test users
$A_NAME:100000:65536

this line is not an entry
$A_NAME:abc:10
$A_NAME:165536:65536
$B_NAME:300000:65536
$A_NAME:-1:10
$A_UID:500000:1000
$A_NAME:10000:1000
$A_NAME:4294967290:10
"
set_subuid "$SUBUID"
set_subgid "$A_NAME:100000:65536
$B_NAME:300000:65536
"

start_target "$A_UID" "$A_GID"
expect_map "single range" "$TARGET" uid_map "0 100000 65536" -- \
	run_as "$A_UID" "$A_GID" "$UIDMAP" "$TARGET" 0 100000 65536

start_target "$A_UID" "$A_GID"
expect_map "several ranges" "$TARGET" uid_map "0 100000 1000
1000 110000 5000
10000 120000 1" -- \
	run_as "$A_UID" "$A_GID" "$UIDMAP" "$TARGET" 0 100000 1000 1000 110000 5000 10000 120000 1

start_target "$A_UID" "$A_GID"
expect_map "a range spanning two touching lines" "$TARGET" uid_map "0 100000 131072" -- \
	run_as "$A_UID" "$A_GID" "$UIDMAP" "$TARGET" 0 100000 131072

start_target "$A_UID" "$A_GID"
expect_map "owner given by numeric uid" "$TARGET" uid_map "0 500000 1000" -- \
	run_as "$A_UID" "$A_GID" "$UIDMAP" "$TARGET" 0 500000 1000

start_target "$A_UID" "$A_GID"
expect_map "uid self-map, count 1, no entry" "$TARGET" uid_map "0 $A_UID 1" -- \
	run_as "$A_UID" "$A_GID" "$UIDMAP" "$TARGET" 0 "$A_UID" 1

start_target "$A_UID" "$A_GID"
expect_map "uid self-map plus a sub-uid range" "$TARGET" uid_map "0 $A_UID 1
1 100000 65536" -- \
	run_as "$A_UID" "$A_GID" "$UIDMAP" "$TARGET" 0 "$A_UID" 1 1 100000 65536

start_target "$A_UID" "$A_GID"
expect_map "gid self-map only" "$TARGET" gid_map "0 $A_GID 1" -- \
	run_as "$A_UID" "$A_GID" "$GIDMAP" "$TARGET" 0 "$A_GID" 1
check_proc "gid self-map only forces setgroups deny" "$TARGET" setgroups deny

start_target "$A_UID" "$A_GID"
expect_map "gid sub-gid range" "$TARGET" gid_map "0 100000 65536" -- \
	run_as "$A_UID" "$A_GID" "$GIDMAP" "$TARGET" 0 100000 65536
check_proc "gid sub-gid range keeps setgroups allow" "$TARGET" setgroups allow

start_target "$A_UID" "$A_GID"
expect_map "gid self-map plus sub-gid range" "$TARGET" gid_map "0 $A_GID 1
1 100000 65536" -- \
	run_as "$A_UID" "$A_GID" "$GIDMAP" "$TARGET" 0 "$A_GID" 1 1 100000 65536
check_proc "gid self-map plus sub-gid range keeps setgroups allow" "$TARGET" setgroups allow

# Both maps on one target, as podman does.
start_target "$A_UID" "$A_GID"
expect_map "uid then gid map on one target (uid)" "$TARGET" uid_map "0 $A_UID 1
1 100000 65536" -- \
	run_as "$A_UID" "$A_GID" "$UIDMAP" "$TARGET" 0 "$A_UID" 1 1 100000 65536
expect_map "uid then gid map on one target (gid)" "$TARGET" gid_map "0 $A_GID 1
1 100000 65536" -- \
	run_as "$A_UID" "$A_GID" "$GIDMAP" "$TARGET" 0 "$A_GID" 1 1 100000 65536

# The last line has no newline.
set_subuid "$B_NAME:300000:65536
$A_NAME:700000:1000"
start_target "$A_UID" "$A_GID"
expect_map "last line without newline" "$TARGET" uid_map "0 700000 1000" -- \
	run_as "$A_UID" "$A_GID" "$UIDMAP" "$TARGET" 0 700000 1000

# Only noise around the one entry, including CRLF, an overflow and a zero count.
set_subuid "#
$A_NAME:800000:10$(printf '\r')
$A_NAME:4294967295:1
$A_NAME:5:0
::
  $A_NAME:1:1
$A_NAME:800000:1000
# trailing comment"
start_target "$A_UID" "$A_GID"
expect_map "malformed lines around the entry" "$TARGET" uid_map "0 800000 1000" -- \
	run_as "$A_UID" "$A_GID" "$UIDMAP" "$TARGET" 0 800000 1000

# The kernel's limit: 340 extents, one id each, inside nidta:10000:1000, all disjoint.
set_subuid "$SUBUID"
mapfile -t TRIPLES < <(seq_triples 340 0 1 10000 2)
read -ra ARGS <<<"${TRIPLES[*]}"
start_target "$A_UID" "$A_GID"
expect_map "340 extents" "$TARGET" uid_map "$(printf '%s\n' "${TRIPLES[@]}")" -- \
	run_as "$A_UID" "$A_GID" "$UIDMAP" "$TARGET" "${ARGS[@]}"
lines=$(wc -l <"/proc/$TARGET/uid_map")
if [ "$lines" = 340 ]; then
	pass "340 extents: the map has 340 lines"
else
	fail "340 extents: the map has 340 lines" "it has $lines"
fi

# Two accounts that share a name: /etc/passwd lists A's name a second time for another uid, as a
# directory account shadowed by a local one looks. getpwuid() of that uid gives A's name, and A's
# lines name it; getpwnam() says the name is A's. The other uid gets nothing of A's (shadow's
# helpers grant it: this is the one place we refuse on purpose).
DUP_UID=$((A_UID + 50))
printf '%s:x:%s:%s::/:/usr/sbin/nologin\n' "$A_NAME" "$DUP_UID" "$DUP_UID" >>/etc/passwd
set_subuid "$A_NAME:100000:65536
"
start_target "$DUP_UID" "$DUP_UID"
expect_refused "a second account named $A_NAME (uid $DUP_UID)" \
	"your user name '$A_NAME' belongs to uid $A_UID in the user database, not to you (uid $DUP_UID)" "$TARGET" -- \
	run_as "$DUP_UID" "$DUP_UID" "$UIDMAP" "$TARGET" 0 100000 65536
start_target "$A_UID" "$A_GID"
expect_map "the account getpwnam() names, $A_NAME (uid $A_UID), as before" "$TARGET" uid_map "0 100000 65536" -- \
	run_as "$A_UID" "$A_GID" "$UIDMAP" "$TARGET" 0 100000 65536

finish
