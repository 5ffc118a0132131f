#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every refusal path of newuidmap/newgidmap: exit status 1, a message naming the reason, and the
# target's maps left empty (setgroups untouched).
# shellcheck source=tests/lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"

# shellcheck source=tests/lib/refusal-cases.sh
. "$(dirname "$0")/../lib/refusal-cases.sh"
refusal_files

# refused TOOL WHAT MESSAGES ARGS...: the helper as A on a fresh target of A (the word PID in ARGS
# stands for it) is refused with MESSAGES and leaves the target unmapped.
# shellcheck disable=SC2317 # called through each_refusal
refused() {
	local tool=$1 what=$2 msgs=$3 a args=() helper=$UIDMAP
	shift 3
	[ "$tool" = gid ] && helper=$GIDMAP
	start_target "$A_UID" "$A_GID"
	for a in "$@"; do
		[ "$a" = PID ] && a=$TARGET
		args+=("$a")
	done
	expect_refused_all "$what" "$msgs" "$TARGET" -- run_as "$A_UID" "$A_GID" "$helper" "${args[@]}"
}
each_refusal refused

# What the caller has is bounded: three ranges named, the rest counted, one line (issue 12).
LINES=""
for i in $(seq 0 49); do
	LINES="$LINES$A_NAME:$((3000000 + i * 10)):10
"
done
set_subuid "$B_NAME:1:1
$LINES"
refused uid "50 ranges: three named, the rest counted" \
	"; $A_NAME has 3000000-3000009 (/etc/subuid line 2), 3000010-3000019 (line 3), 3000020-3000029 (line 4), and 47 more" \
	PID 0 100000 10
if [ "$(printf '%s' "$ERR" | wc -l)" -le 1 ] && [ "${#ERR}" -lt 512 ]; then
	pass "50 ranges: the refusal is one line under 512 bytes"
else
	fail "50 ranges: the refusal is one line under 512 bytes" "${#ERR} bytes: $ERR"
fi
refusal_files
refused uid "three ranges: no 'and N more'" "(line 4)" PID 0 500000 10
check_err_lacks "three ranges: no 'and N more'" "more"

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

# /etc/subuid and /etc/subgid: used only if regular, root-owned files not writable by group or
# others. timeout: a FIFO must not hang the helper.
# shellcheck disable=SC2317 # called through each_subid_file_state
file_refused() {
	local tool=$1 what=$2 msgs=$3 helper=$UIDMAP
	[ "$tool" = gid ] && helper=$GIDMAP
	start_target "$A_UID" "$A_GID"
	expect_refused_all "$what" "$msgs" "$TARGET" -- \
		timeout 10 setpriv --reuid "$A_UID" --regid "$A_GID" --init-groups -- "$helper" "$TARGET" 0 100000 1000
}
each_subid_file_state file_refused
chown root:"$A_GID" /etc/subuid
chmod 640 /etc/subuid
start_target "$A_UID" "$A_GID"
expect_map "/etc/subuid mode 640 group of the user (not writable): used" "$TARGET" uid_map "0 100000 1000" -- \
	run_as "$A_UID" "$A_GID" "$UIDMAP" "$TARGET" 0 100000 1000
set_subuid "$REFUSAL_SUBUID"

finish
