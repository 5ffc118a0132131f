#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every refusal path of newuidmap/newgidmap: exit status 1, a message naming the reason, and the
# target's maps left empty (setgroups untouched).
# shellcheck source=tests/lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"

SUBUID="$A_NAME:100000:65536
$B_NAME:200000:65536
$A_NAME:0:10
$A_NAME:2000000000:100000
"
set_subuid "$SUBUID"
set_subgid "$A_NAME:100000:65536
$B_NAME:200000:65536
"

# refused WHAT SUBSTRING ARGS...: newuidmap as A on a fresh target of A (the word PID in ARGS
# stands for it) is refused with SUBSTRING and leaves the target unmapped.
refused() {
	local what=$1 sub=$2 a args=()
	shift 2
	start_target "$A_UID" "$A_GID"
	for a in "$@"; do
		[ "$a" = PID ] && a=$TARGET
		args+=("$a")
	done
	expect_refused "$what" "$sub" "$TARGET" -- run_as "$A_UID" "$A_GID" "$UIDMAP" "${args[@]}"
}

# Usage errors.
refused "no arguments" "no target process given" 
check_err "no arguments" "usage: newuidmap"
refused "argc not a multiple of 3" "the last one is incomplete" PID 0 100000 65536 1 100000
check_err "argc not a multiple of 3" "usage: newuidmap"
refused "pid only, no triple" "no uid range given" PID

# Numbers: one strict grammar.
for bad in 01 -1 +1 " 1" 0x10 1a ""; do
	refused "outer id '$bad'" "is not a plain decimal number: '$bad'" PID 0 "$bad" 1
done
refused "count '+1'" "count of uid range 1 is not a plain decimal number" PID 0 100000 +1
refused "inner id '-1'" "inner id of uid range 1 is not a plain decimal number" PID -1 100000 1
refused "outer id 4294967296" "above 4294967295: '4294967296'" PID 0 4294967296 1
refused "count 18446744073709551616" "above 4294967295" PID 0 100000 18446744073709551616

# The kernel's rules for extents, refused before anything is opened.
refused "zero count" "uid range 1 (0 100000 0) has count 0" PID 0 100000 0
refused "outer overflow" "goes past 4294967294 outside the namespace" PID 0 4294967000 1000
refused "inner overflow" "goes past 4294967294 inside the namespace" PID 4294967000 100000 1000
refused "outer range reaching 4294967295" "goes past 4294967294 outside" PID 0 4294967295 1
refused "overlapping inner ranges" "uid range 2 (5 100100 10) overlaps range 1 (0 100000 10) inside the namespace" \
	PID 0 100000 10 5 100100 10
refused "overlapping outer ranges" "overlaps range 1 (0 100000 10) outside the namespace" \
	PID 0 100000 10 100 100005 10
refused "duplicate extent" "overlaps range 1" PID 0 100000 10 0 100000 10

# 341 extents: one more than the kernel takes.
mapfile -t TRIPLES < <(seq_triples 341 0 1 100000 1)
read -ra ARGS <<<"${TRIPLES[*]}"
refused "341 extents" "341 uid ranges given; the kernel accepts at most 340" PID "${ARGS[@]}"

# Fewer than 340 extents but a map text of more than a page (24 bytes a line, 200 lines).
mapfile -t TRIPLES < <(seq_triples 200 1000000000 1 2000000000 1)
read -ra ARGS <<<"${TRIPLES[*]}"
refused "map text over a page" "grows past one page (4096 bytes)" PID "${ARGS[@]}"

# The caller's ranges.
refused "range outside the user's ranges" "host uids 500000-500009 are not all in $A_NAME's ranges in /etc/subuid" \
	PID 0 500000 10
refused "range partly outside" "host uids 165000-165999 are not all in $A_NAME's ranges" PID 0 165000 1000
refused "second range outside" "uid range 2 (1000 300000 1)" PID 0 100000 1000 1000 300000 1
refused "range of another user" "host uids 200000-200999 are not all in $A_NAME's ranges" PID 0 200000 1000
refused "outer id 0 listed in /etc/subuid" "maps host uid 0: refused for a non-root caller" PID 0 0 1
refused "outer 0 inside a listed range" "maps host uid 0" PID 0 0 10
refused "self-map of count 2" "not all in $A_NAME's ranges" PID 0 "$A_UID" 2
refused "someone else's uid as a self-map" "host uids $B_UID-$B_UID are not all" PID 0 "$B_UID" 1
start_target "$A_UID" "$A_GID"
expect_refused "newgidmap: gid range outside" "host gids 500000-500009 are not all in $A_NAME's ranges in /etc/subgid" \
	"$TARGET" -- run_as "$A_UID" "$A_GID" "$GIDMAP" "$TARGET" 0 500000 10
start_target "$A_UID" "$A_GID"
expect_refused "newgidmap: another group's gid is no self-map" "not all in $A_NAME's ranges" \
	"$TARGET" -- run_as "$A_UID" "$A_GID" "$GIDMAP" "$TARGET" 0 "$AUX_GID" 1
start_target "$A_UID" "$A_GID"
expect_refused "newgidmap: the uid is no gid self-map" "not all in $A_NAME's ranges" \
	"$TARGET" -- run_as "$A_UID" "$A_GID" "$GIDMAP" "$TARGET" 0 "$A_UID" 1
# A malformed line is pointed at when the ranges do not suffice.
set_subuid "$A_NAME:100000:65536
$A_NAME:300000:65536x
"
refused "refusal names the malformed line" "(/etc/subuid has 1 malformed line, the first at line 2: count is not a plain decimal number)" \
	PID 0 300000 10
set_subuid "$SUBUID"

# The target.
PID_MAX=$(cat /proc/sys/kernel/pid_max)
refused "target that does not exist" "target process $PID_MAX does not exist" "$PID_MAX" 0 100000 1
for bad in 0 -1 abc 2147483648 " 1" 01; do
	refused "target '$bad'" "invalid target '$bad'" "$bad" 0 100000 1
done
check_err "target '01'" "usage: newuidmap"

start_target "$B_UID" "$B_GID"
B_TARGET=$TARGET
expect_refused "target owned by another user" "target process $B_TARGET is owned by a different user" "$B_TARGET" -- \
	run_as "$A_UID" "$A_GID" "$UIDMAP" "$B_TARGET" 0 100000 1

start_plain "$A_UID" "$A_GID"
PLAIN=$TARGET
expect_refused "target not in a new user namespace" "is not in a new user namespace" "$PLAIN" -- \
	run_as "$A_UID" "$A_GID" "$UIDMAP" "$PLAIN" 0 100000 1

start_target "$A_UID" "$A_GID"
expect_map "first map" "$TARGET" uid_map "0 100000 1000" -- \
	run_as "$A_UID" "$A_GID" "$UIDMAP" "$TARGET" 0 100000 1000
run run_as "$A_UID" "$A_GID" "$UIDMAP" "$TARGET" 0 110000 1000
check_rc "map already written" 1
check_err "map already written" "the uid_map of target process $TARGET is already written"
check_proc "map already written: unchanged" "$TARGET" uid_map "0 100000 1000"

# The caller's real gid must be its primary group unless GRANT_AUX_GROUP_SUBIDS is yes.
# shellcheck disable=SC2317 # called through expect_*
setpriv_aux() { setpriv --reuid "$A_UID" --regid "$AUX_GID" --init-groups -- "$@"; }
setpriv --reuid "$A_UID" --regid "$AUX_GID" --init-groups unshare -U sleep 60 </dev/null >/dev/null 2>&1 &
TARGET=$!
TARGETS+=("$TARGET")
wait_exec "$TARGET" sleep
expect_refused "caller gid not the primary group" "your gid $AUX_GID is not your primary group $A_GID" "$TARGET" -- \
	setpriv_aux "$UIDMAP" "$TARGET" 0 100000 1000
printf '\nGRANT_AUX_GROUP_SUBIDS yes\n' >>/etc/login.defs
expect_map "caller gid not primary, GRANT_AUX_GROUP_SUBIDS yes" "$TARGET" uid_map "0 100000 1000" -- \
	setpriv_aux "$UIDMAP" "$TARGET" 0 100000 1000
# An untrusted login.defs grants nothing.
setpriv --reuid "$A_UID" --regid "$AUX_GID" --init-groups unshare -U sleep 60 </dev/null >/dev/null 2>&1 &
TARGET=$!
TARGETS+=("$TARGET")
wait_exec "$TARGET" sleep
chmod 666 /etc/login.defs
expect_refused "GRANT_AUX_GROUP_SUBIDS in a world-writable login.defs" "is not your primary group" "$TARGET" -- \
	setpriv_aux "$UIDMAP" "$TARGET" 0 100000 1000
cp "$T_DIR/login.defs.orig" /etc/login.defs
chmod 644 /etc/login.defs

# /etc/subuid itself: used only if a regular, root-owned file not writable by group or others.
subuid_refused() {
	local what=$1 sub=$2
	start_target "$A_UID" "$A_GID"
	expect_refused "$what" "$sub" "$TARGET" -- \
		timeout 10 setpriv --reuid "$A_UID" --regid "$A_GID" --init-groups -- "$UIDMAP" "$TARGET" 0 100000 1000
	set_subuid "$SUBUID"
}
rm -f /etc/subuid
subuid_refused "/etc/subuid missing" "/etc/subuid does not exist"
rm -f /etc/subuid
put_file "$T_DIR/subuid.real" "$SUBUID"
ln -s "$T_DIR/subuid.real" /etc/subuid
subuid_refused "/etc/subuid a symlink" "/etc/subuid is a symbolic link"
rm -f /etc/subuid
mkdir /etc/subuid
subuid_refused "/etc/subuid a directory" "/etc/subuid is not a regular file"
rm -rf /etc/subuid
mkfifo -m 644 /etc/subuid
subuid_refused "/etc/subuid a FIFO (no hang)" "/etc/subuid is not a regular file"
chown "$A_UID:root" /etc/subuid
subuid_refused "/etc/subuid owned by the user" "/etc/subuid is not owned by root"
chmod 664 /etc/subuid
subuid_refused "/etc/subuid group-writable" "/etc/subuid is writable by group or others"
chmod 646 /etc/subuid
subuid_refused "/etc/subuid world-writable" "/etc/subuid is writable by group or others"
chown root:"$A_GID" /etc/subuid
chmod 640 /etc/subuid
start_target "$A_UID" "$A_GID"
expect_map "/etc/subuid mode 640 group of the user (not writable): used" "$TARGET" uid_map "0 100000 1000" -- \
	run_as "$A_UID" "$A_GID" "$UIDMAP" "$TARGET" 0 100000 1000
set_subuid "$SUBUID"
# /etc/subgid the same way, for newgidmap.
chmod 666 /etc/subgid
start_target "$A_UID" "$A_GID"
expect_refused "/etc/subgid world-writable" "/etc/subgid is writable by group or others" "$TARGET" -- \
	run_as "$A_UID" "$A_GID" "$GIDMAP" "$TARGET" 0 100000 1000
rm -f /etc/subgid
start_target "$A_UID" "$A_GID"
expect_refused "/etc/subgid missing" "/etc/subgid does not exist" "$TARGET" -- \
	run_as "$A_UID" "$A_GID" "$GIDMAP" "$TARGET" 0 100000 1000

finish
