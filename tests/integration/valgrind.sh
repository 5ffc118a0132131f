#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The helpers under valgrind (memcheck) on every refusal path, the write refusal and a granted
# map: each run must end as it does without valgrind (status, message, target untouched) and
# with no memory error and no definite or indirect leak.
#
# Valgrind loads the program itself, so a file capability never takes effect under it, and its
# launcher resets the effective ids to the real ones. So:
#  - the user's runs use a copy WITHOUT capabilities: every refusal is decided before the
#    privileged write, so the path is the same as with cap_setuid (the write error is the one
#    path that differs, and it is covered as "no capability: write refused");
#  - a granted map is checked as root on a root-owned target, where root's own CAP_SETUID lets
#    the write succeed;
#  - "refusing to run setuid or setgid" cannot be reached (valgrind's launcher resets euid/egid):
#    privilege.sh covers it, and the ASan/LSan pass (tests/sanitize.sh) runs privilege.sh.
# The openat2 syscall is unknown to valgrind 3.19 (ENOSYS), so under it the helpers take their
# openat + st_dev fallback for Linux < 5.6: that path gets a memcheck run here too.
# A build with --enable-sanitizers cannot run under valgrind: SKIP there (the sanitizer pass
# checks the same paths with ASan/LSan).
# shellcheck source=tests/lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"

command -v valgrind >/dev/null 2>&1 || skip "valgrind is not installed (apt-get install valgrind)"
if LC_ALL=C readelf -d "$NEWUIDMAP" 2>/dev/null | grep -q 'NEEDED.*lib[al]san'; then
	skip "the helpers are built with sanitizers (--enable-sanitizers): valgrind cannot run them"
fi

# Copies without any capability, run as the users.
VUID="$BIN/newuidmap-vg"
VGID="$BIN/newgidmap-vg"
cp "$NEWUIDMAP" "$VUID"
cp "$NEWGIDMAP" "$VGID"
chmod 755 "$VUID" "$VGID"

VG_DIR="$T_DIR/valgrind"
mkdir -m 1777 "$VG_DIR"
VG_N=0
# --errors-for-leak-kinds=definite,indirect: such a leak is an error, and any error turns the
# exit status into 99, which no test here expects. still-reachable blocks at exit() are not
# leaks (die() exits without unwinding the cleanup attributes, on purpose).
VG_OPTS=(--error-exitcode=99 --leak-check=full "--errors-for-leak-kinds=definite,indirect"
	"--show-leak-kinds=definite,indirect" --track-origins=yes --num-callers=30)

# vg_next: VG is the valgrind command line of the next run, VG_LOG its log.
vg_next() {
	VG_N=$((VG_N + 1))
	VG_LOG="$VG_DIR/$VG_N.log"
	VG=(valgrind "${VG_OPTS[@]}" "--log-file=$VG_LOG")
}

# check_vg WHAT: the last run's valgrind log shows memcheck ran to the end with no error and no
# definite or indirect leak.
check_vg() {
	local what=$1 errs
	if [ ! -s "$VG_LOG" ]; then
		fail "$what: valgrind clean" "no valgrind log ($VG_LOG); stderr: $ERR"
		return 0
	fi
	errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$VG_LOG" | tail -n 1)
	if [ "$RC" = 99 ] || [ "$errs" != 0 ] || grep -Eq '(definitely|indirectly) lost: [1-9]' "$VG_LOG"; then
		fail "$what: valgrind clean" "status $RC, ${errs:-no} errors:
$(grep -v '^--[0-9]*-- ' "$VG_LOG" | sed -n '1,60p')"
	else
		pass "$what: valgrind clean (0 errors, nothing definitely or indirectly lost)"
	fi
}

# vg_expect_refused WHAT SUBSTRING PID UID GID HELPER ARGS...: HELPER ARGS as UID:GID under
# valgrind: refused with SUBSTRING, PID's maps unchanged, valgrind clean.
vg_expect_refused() {
	local what=$1 sub=$2 pid=$3 u=$4 g=$5
	shift 5
	vg_next
	expect_refused "$what" "$sub" "$pid" -- run_as "$u" "$g" "${VG[@]}" "$@"
	check_vg "$what"
}

# shellcheck source=tests/lib/refusal-cases.sh
. "$(dirname "$0")/../lib/refusal-cases.sh"
refusal_files

# vg_refused TOOL WHAT MESSAGES ARGS...: the uncapped helper as A on a fresh target of A under
# valgrind; the word PID in ARGS stands for the target. Every case of refusals.sh, from the one
# list in tests/lib/refusal-cases.sh.
# shellcheck disable=SC2317 # called through each_refusal
vg_refused() {
	local tool=$1 what=$2 msgs=$3 a args=() helper=$VUID
	shift 3
	[ "$tool" = gid ] && helper=$VGID
	start_target "$A_UID" "$A_GID"
	for a in "$@"; do
		[ "$a" = PID ] && a=$TARGET
		args+=("$a")
	done
	vg_next
	expect_refused_all "$what" "$msgs" "$TARGET" -- run_as "$A_UID" "$A_GID" "${VG[@]}" "$helper" "${args[@]}"
	check_vg "$what"
}
each_refusal vg_refused

# ---- the target --------------------------------------------------------------------------------
start_target "$B_UID" "$B_GID"
vg_expect_refused "target owned by another user" "is owned by a different user" \
	"$TARGET" "$A_UID" "$A_GID" "$VUID" "$TARGET" 0 100000 1
start_plain "$A_UID" "$A_GID"
vg_expect_refused "target not in a new user namespace" "is not in a new user namespace" \
	"$TARGET" "$A_UID" "$A_GID" "$VUID" "$TARGET" 0 100000 1
start_target "$A_UID" "$A_GID"
expect_map "first map (no valgrind)" "$TARGET" uid_map "0 100000 1000" -- \
	run_as "$A_UID" "$A_GID" "$UIDMAP" "$TARGET" 0 100000 1000
vg_expect_refused "map already written" "is already written" \
	"$TARGET" "$A_UID" "$A_GID" "$VUID" "$TARGET" 0 110000 1000
# The caller's gid is not its primary group; login.defs is read (and grants nothing).
setpriv --reuid "$A_UID" --regid "$AUX_GID" --init-groups unshare -U sleep 60 </dev/null >/dev/null 2>&1 &
TARGET=$!
TARGETS+=("$TARGET")
wait_exec "$TARGET" sleep
vg_expect_refused "caller gid not the primary group" "is not your primary group" \
	"$TARGET" "$A_UID" "$AUX_GID" "$VUID" "$TARGET" 0 100000 1000

# ---- fd:N --------------------------------------------------------------------------------------
start_target "$A_UID" "$A_GID"
FAKE="$T_DIR/fake-proc"
mkdir "$FAKE"
printf 'untouched\n' >"$FAKE/uid_map"
vg_next
expect_refused "fd:3 of a non-procfs directory" "target fd:3 is not a /proc/PID directory on procfs" "$TARGET" -- \
	run_as "$A_UID" "$A_GID" "${VG[@]}" "$VUID" fd:3 0 100000 65536 3<"$FAKE"
check_vg "fd:3 of a non-procfs directory"
vg_next
expect_refused "fd:9 not open" "target fd:9 is not an open descriptor" "$TARGET" -- \
	run_as "$A_UID" "$A_GID" "${VG[@]}" "$VUID" fd:9 0 100000 65536 9<&-
check_vg "fd:9 not open"
vg_next
expect_refused "fd:3 of /proc itself" "it has no uid_map of its own" "$TARGET" -- \
	run_as "$A_UID" "$A_GID" "${VG[@]}" "$VUID" fd:3 0 100000 65536 3</proc
check_vg "fd:3 of /proc itself"
vg_next
expect_refused "target 'fd:03'" "the target must be a process id or fd:N" "$TARGET" -- \
	run_as "$A_UID" "$A_GID" "${VG[@]}" "$VUID" fd:03 0 100000 65536 3<"/proc/$TARGET"
check_vg "target 'fd:03'"

# ---- /etc/subuid, /etc/subgid, login.defs, nsswitch.conf ----------------------------------------
# vg_file_refused TOOL WHAT MESSAGES: a valid request refused for the state of a sub-id file.
# shellcheck disable=SC2317 # called through each_subid_file_state
vg_file_refused() {
	vg_refused "$1" "$2" "$3" PID 0 100000 1000
}
each_subid_file_state vg_file_refused
chmod 666 /etc/nsswitch.conf
vg_refused uid "world-writable nsswitch.conf" "/etc/nsswitch.conf is writable by group or others" PID 0 100000 1000
put_file /etc/nsswitch.conf "$(cat "$T_DIR/nsswitch.conf.orig")
subid: nidt-missing
"
vg_refused uid "subid source without a plugin" "cannot load libsubid_nidt-missing.so" PID 0 100000 1000
put_file /etc/nsswitch.conf "$(cat "$T_DIR/nsswitch.conf.orig")
subid: ../../tmp/x
"
vg_refused uid "subid source with a path" "is not a valid module name" PID 0 100000 1000
cp "$T_DIR/nsswitch.conf.orig" /etc/nsswitch.conf
chmod 644 /etc/nsswitch.conf

# ---- privilege ---------------------------------------------------------------------------------
# An extra capability: cap_net_raw in the ambient set (valgrind, not a file, passes it on).
start_target "$A_UID" "$A_GID"
vg_next
expect_refused "extra capability cap_net_raw" "refusing to run with capability cap_net_raw" "$TARGET" -- \
	setpriv --reuid "$A_UID" --regid "$A_GID" --init-groups --inh-caps +net_raw --ambient-caps +net_raw -- \
	"${VG[@]}" "$VUID" "$TARGET" 0 100000 1000
check_vg "extra capability cap_net_raw"
# No capability: the kernel refuses the write (the one path past the privileged open).
vg_refused uid "no capability: write refused" "write to uid_map failed: Operation not permitted" PID 0 100000 1000
start_target "$A_UID" "$A_GID"
vg_expect_refused "newgidmap, no capability: write refused" "write to gid_map failed: Operation not permitted" \
	"$TARGET" "$A_UID" "$A_GID" "$VGID" "$TARGET" 0 100000 1000

# ---- granted maps ------------------------------------------------------------------------------
# A self-map needs no capability: the user's whole successful path, setgroups deny included.
start_target "$A_UID" "$A_GID"
vg_next
expect_map "self-map as the user" "$TARGET" uid_map "0 $A_UID 1" -- run_as "$A_UID" "$A_GID" "${VG[@]}" "$VUID" "$TARGET" 0 "$A_UID" 1
check_vg "self-map as the user"
vg_next
expect_map "gid self-map as the user" "$TARGET" gid_map "0 $A_GID 1" -- run_as "$A_UID" "$A_GID" "${VG[@]}" "$VGID" "$TARGET" 0 "$A_GID" 1
check_vg "gid self-map as the user"
check_proc "gid self-map as the user: setgroups deny" "$TARGET" setgroups deny
# Root, with its own CAP_SETUID/CAP_SETGID, on a root-owned target: ranges from the files.
set_subuid "root:100000:65536
"
set_subgid "root:100000:65536
"
start_target 0 0
vg_next
expect_map "root: uid ranges from /etc/subuid" "$TARGET" uid_map "0 100000 65536" -- "${VG[@]}" "$VUID" "$TARGET" 0 100000 65536
check_vg "root: uid ranges from /etc/subuid"
vg_next
expect_map "root: gid ranges from /etc/subgid" "$TARGET" gid_map "0 100000 65536" -- "${VG[@]}" "$VGID" "$TARGET" 0 100000 65536
check_vg "root: gid ranges from /etc/subgid"
check_proc "root: gid ranges from /etc/subgid: setgroups allow" "$TARGET" setgroups allow
# Root mapping host root (CAP_SETFCAP kept for the write).
start_target 0 0
vg_next
expect_map "root: maps host uid 0" "$TARGET" uid_map "0 0 1
1 100000 1000" -- "${VG[@]}" "$VUID" "$TARGET" 0 0 1 1 100000 1000
check_vg "root: maps host uid 0"
# A refusal as root: outside root's ranges.
start_target 0 0
vg_expect_refused "root: range outside its ranges" "host uids 500000-500009 are not all in root's ranges" \
	"$TARGET" 0 0 "$VUID" "$TARGET" 0 500000 10

finish
