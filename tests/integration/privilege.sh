#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The privilege model: file capability cap_setuid / cap_setgid only. A setuid or setgid install,
# or an extra capability, is refused; without any capability the kernel's EPERM is explained,
# and what the kernel allows an unprivileged owner (a single self-map) still works.
# shellcheck source=tests/lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"

set_subuid "$A_NAME:100000:65536
"
set_subgid "$A_NAME:100000:65536
"

# variant NAME SOURCE: a fresh copy of SOURCE (mode 755, no capability) at $BIN/NAME, in V.
variant() {
	V="$BIN/$1"
	cp "$2" "$V"
	chmod 755 "$V"
	setcap -r "$V" 2>/dev/null || true
}

# shellcheck disable=SC2317 # called through run/expect_*
as_a() { run_as "$A_UID" "$A_GID" "$@"; }

# Installed setuid root (the way shadow's helpers are), without capabilities.
variant newuidmap-setuid "$NEWUIDMAP"
chmod 4755 "$V"
start_target "$A_UID" "$A_GID"
expect_refused "setuid root install" "refusing to run setuid or setgid" "$TARGET" -- \
	as_a "$V" "$TARGET" 0 100000 65536
check_err "setuid root install" "setcap cap_setuid=ep"

variant newgidmap-setgid "$NEWGIDMAP"
chgrp "$AUX_GID" "$V"
chmod 2755 "$V"
expect_refused "setgid install" "refusing to run setuid or setgid" "$TARGET" -- \
	as_a "$V" "$TARGET" 0 100000 65536

# A setuid-root copy that also carries the right capability is still refused.
variant newuidmap-setuid-cap "$NEWUIDMAP"
chmod 4755 "$V"
setcap cap_setuid=ep "$V"
chmod 4755 "$V" # setcap may clear the setuid bit; set it again
expect_refused "setuid root and cap_setuid" "refusing to run setuid or setgid" "$TARGET" -- \
	as_a "$V" "$TARGET" 0 100000 65536

# One capability too many.
variant newuidmap-netraw "$NEWUIDMAP"
setcap cap_setuid,cap_net_raw=ep "$V"
expect_refused "extra capability cap_net_raw" "refusing to run with capability cap_net_raw" "$TARGET" -- \
	as_a "$V" "$TARGET" 0 100000 65536
check_err "extra capability cap_net_raw" "must carry only cap_setuid"

variant newgidmap-sysadmin "$NEWGIDMAP"
setcap cap_setgid,cap_sys_admin=ep "$V"
expect_refused "extra capability cap_sys_admin" "refusing to run with capability cap_sys_admin" "$TARGET" -- \
	as_a "$V" "$TARGET" 0 100000 65536

# The wrong one: newuidmap with cap_setgid only. It is an extra capability to newuidmap.
variant newuidmap-wrongcap "$NEWUIDMAP"
setcap cap_setgid=ep "$V"
expect_refused "newuidmap with cap_setgid" "refusing to run with capability cap_setgid" "$TARGET" -- \
	as_a "$V" "$TARGET" 0 100000 65536

# Permitted but not effective (setcap =p) is the same single capability: it must still work,
# as the helper raises it itself.
variant newuidmap-permitted "$NEWUIDMAP"
setcap cap_setuid=p "$V"
expect_map "cap_setuid=p (not effective at exec)" "$TARGET" uid_map "0 100000 65536" -- \
	as_a "$V" "$TARGET" 0 100000 65536

# CAP_AUDIT_WRITE is the one allowed extra (for audit records).
variant newuidmap-audit "$NEWUIDMAP"
setcap cap_setuid,cap_audit_write=ep "$V"
start_target "$A_UID" "$A_GID"
expect_map "cap_setuid + cap_audit_write" "$TARGET" uid_map "0 100000 65536" -- \
	as_a "$V" "$TARGET" 0 100000 65536

# No capability at all: the kernel refuses anything but the owner's own single self-map.
variant newuidmap-nocap "$NEWUIDMAP"
start_target "$A_UID" "$A_GID"
expect_refused "no capability, several ranges" "write to uid_map failed: Operation not permitted" "$TARGET" -- \
	as_a "$V" "$TARGET" 0 "$A_UID" 1 1 100000 65536
check_err "no capability, several ranges" "setcap cap_setuid=ep"
expect_map "no capability, single uid self-map" "$TARGET" uid_map "0 $A_UID 1" -- \
	as_a "$V" "$TARGET" 0 "$A_UID" 1

variant newgidmap-nocap "$NEWGIDMAP"
start_target "$A_UID" "$A_GID"
run as_a "$V" "$TARGET" 0 100000 65536
check_rc "no capability, gid range" 1
check_err "no capability, gid range" "write to gid_map failed: Operation not permitted"
check_err "no capability, gid range" "setcap cap_setgid=ep"
check_proc "no capability, gid range: gid_map left empty" "$TARGET" gid_map ""
expect_map "no capability, single gid self-map" "$TARGET" gid_map "0 $A_GID 1" -- \
	as_a "$V" "$TARGET" 0 "$A_GID" 1
check_proc "no capability, single gid self-map: setgroups deny" "$TARGET" setgroups deny

# The file carries the capability but exec did not grant it: the refusal names the reason, not
# "install it with setcap" (which would change nothing). Each against a control that maps.
variant newuidmap-capped "$NEWUIDMAP"
setcap cap_setuid=ep "$V"
start_target "$A_UID" "$A_GID"
expect_refused "file capability, caller set no_new_privs" \
	"write to uid_map failed: Operation not permitted (newuidmap carries cap_setuid, but its caller set no_new_privs" \
	"$TARGET" -- as_a setpriv --no-new-privs -- "$V" "$TARGET" 0 100000 65536
check_err "file capability, caller set no_new_privs" "NoNewPrivileges=yes"
check_true "file capability, caller set no_new_privs: no advice to setcap" "$ERR" eval '[[ $ERR != *"install it with setcap"* ]]'
expect_map "file capability, control without no_new_privs" "$TARGET" uid_map "0 100000 65536" -- \
	as_a "$V" "$TARGET" 0 100000 65536

mkdir "$T_DIR/nosuid"
mount -t tmpfs -o nosuid,mode=755 nidt-nosuid "$T_DIR/nosuid"
capped_copy "$NEWGIDMAP" "$T_DIR/nosuid/newgidmap" cap_setgid=ep
start_target "$A_UID" "$A_GID"
expect_refused "file capability on a nosuid mount" \
	"write to gid_map failed: Operation not permitted (newgidmap carries cap_setgid, but its file system is mounted nosuid" \
	"$TARGET" -- as_a "$T_DIR/nosuid/newgidmap" "$TARGET" 0 100000 65536
mount -o remount,suid "$T_DIR/nosuid"
expect_map "file capability, the same mount remounted suid" "$TARGET" gid_map "0 100000 65536" -- \
	as_a "$T_DIR/nosuid/newgidmap" "$TARGET" 0 100000 65536

# root in a service or container whose bounding set lacks cap_setuid: root's exec gets only what
# the bounding set holds, so the write fails; the message says so (not "setcap", not "traced").
# (An =ep copy cannot even be executed there: the kernel refuses to exec a file whose effective
# capabilities it cannot grant. The plain copy is what root runs.)
set_subuid "root:100000:65536
$A_NAME:100000:65536
"
start_target 0 0
expect_refused "root, cap_setuid dropped from the bounding set" \
	"write to uid_map failed: Operation not permitted (cap_setuid is not in the capability bounding set newuidmap runs with" \
	"$TARGET" -- setpriv --bounding-set -setuid -- "$BIN/newuidmap-nocap" "$TARGET" 0 100000 65536
expect_map "root, the same without the bounding set dropped" "$TARGET" uid_map "0 100000 65536" -- \
	"$BIN/newuidmap-nocap" "$TARGET" 0 100000 65536

if grep -qa __asan_init "$NEWUIDMAP"; then
	# LeakSanitizer cannot run under ptrace: the helper would end with its fatal error instead.
	skip_some "a traced helper (a sanitizer build: LeakSanitizer does not work under ptrace)"
elif command -v strace >/dev/null 2>&1; then
	# An unprivileged tracer: the kernel grants a traced exec no more than its tracer has.
	start_target "$A_UID" "$A_GID"
	expect_refused "file capability, traced by the caller" \
		"write to uid_map failed: Operation not permitted (newuidmap carries cap_setuid, but exec did not grant it: traced" \
		"$TARGET" -- as_a strace -f -o /dev/null "$BIN/newuidmap-capped" "$TARGET" 0 100000 65536
else
	skip_some "a traced helper (strace is not installed)"
fi

finish
