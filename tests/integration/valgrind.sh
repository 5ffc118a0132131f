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

# vg_refused WHAT SUBSTRING ARGS...: newuidmap (no capability) as A on a fresh target of A under
# valgrind; the word PID in ARGS stands for the target.
vg_refused() {
	local what=$1 sub=$2 a args=()
	shift 2
	start_target "$A_UID" "$A_GID"
	for a in "$@"; do
		[ "$a" = PID ] && a=$TARGET
		args+=("$a")
	done
	vg_expect_refused "$what" "$sub" "$TARGET" "$A_UID" "$A_GID" "$VUID" "${args[@]}"
}

SUBUID="$A_NAME:100000:65536
$B_NAME:200000:65536
$A_NAME:0:10
$A_NAME:2000000000:100000
"
set_subuid "$SUBUID"
set_subgid "$A_NAME:100000:65536
$B_NAME:200000:65536
"

# ---- the command line ------------------------------------------------------------------------
vg_refused "no arguments" "no target process given"
vg_refused "argc not a multiple of 3" "the last one is incomplete" PID 0 100000 65536 1 100000
vg_refused "pid only, no triple" "no uid range given" PID
vg_refused "outer id '01'" "is not a plain decimal number: '01'" PID 0 01 1
vg_refused "count '+1'" "count of uid range 1 is not a plain decimal number" PID 0 100000 +1
vg_refused "outer id 4294967296" "above 4294967295: '4294967296'" PID 0 4294967296 1
vg_refused "zero count" "uid range 1 (0 100000 0) has count 0" PID 0 100000 0
vg_refused "outer overflow" "goes past 4294967294 outside the namespace" PID 0 4294967000 1000
vg_refused "inner overflow" "goes past 4294967294 inside the namespace" PID 4294967000 100000 1000
vg_refused "overlapping inner ranges" "overlaps range 1 (0 100000 10) inside the namespace" \
	PID 0 100000 10 5 100100 10
vg_refused "overlapping outer ranges" "overlaps range 1 (0 100000 10) outside the namespace" \
	PID 0 100000 10 100 100005 10
mapfile -t TRIPLES < <(seq_triples 341 0 1 100000 1)
read -ra ARGS <<<"${TRIPLES[*]}"
vg_refused "341 extents" "341 uid ranges given; the kernel accepts at most 340" PID "${ARGS[@]}"
mapfile -t TRIPLES < <(seq_triples 200 1000000000 1 2000000000 1)
read -ra ARGS <<<"${TRIPLES[*]}"
vg_refused "map text over a page" "grows past one page" PID "${ARGS[@]}"
# Control bytes in an argument are escaped in the message: the sanitizer of log.c runs.
vg_refused "target with control bytes" "invalid target" $'1\e[2J' 0 100000 1

# ---- the caller's ranges -----------------------------------------------------------------------
vg_refused "range outside the user's ranges" "host uids 500000-500009 are not all in $A_NAME's ranges" PID 0 500000 10
vg_refused "second range outside" "uid range 2 (1000 300000 1)" PID 0 100000 1000 1000 300000 1
vg_refused "outer id 0 listed in /etc/subuid" "maps host uid 0: refused for a non-root caller" PID 0 0 1
vg_refused "someone else's uid as a self-map" "host uids $B_UID-$B_UID are not all" PID 0 "$B_UID" 1
start_target "$A_UID" "$A_GID"
vg_expect_refused "newgidmap: gid range outside" "host gids 500000-500009 are not all in $A_NAME's ranges in /etc/subgid" \
	"$TARGET" "$A_UID" "$A_GID" "$VGID" "$TARGET" 0 500000 10
set_subuid "$A_NAME:100000:65536
$A_NAME:300000:65536x
"
vg_refused "refusal names the malformed line" "the first at line 2: count is not a plain decimal number" \
	PID 0 300000 10
set_subuid "$SUBUID"

# ---- the target --------------------------------------------------------------------------------
PID_MAX=$(cat /proc/sys/kernel/pid_max)
vg_refused "target that does not exist" "target process $PID_MAX does not exist" "$PID_MAX" 0 100000 1
vg_refused "target 'abc'" "invalid target 'abc'" abc 0 100000 1
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
rm -f /etc/subuid
vg_refused "/etc/subuid missing" "/etc/subuid does not exist" PID 0 100000 1000
put_file "$T_DIR/subuid.real" "$SUBUID"
ln -s "$T_DIR/subuid.real" /etc/subuid
vg_refused "/etc/subuid a symlink" "/etc/subuid is a symbolic link" PID 0 100000 1000
rm -f /etc/subuid
mkfifo -m 644 /etc/subuid
vg_refused "/etc/subuid a FIFO" "/etc/subuid is not a regular file" PID 0 100000 1000
rm -f /etc/subuid
mkdir /etc/subuid
vg_refused "/etc/subuid a directory" "/etc/subuid is not a regular file" PID 0 100000 1000
rm -rf /etc/subuid
set_subuid "$SUBUID"
chown "$A_UID" /etc/subuid
vg_refused "/etc/subuid owned by the user" "/etc/subuid is not owned by root" PID 0 100000 1000
chown root /etc/subuid
chmod 666 /etc/subuid
vg_refused "/etc/subuid world-writable" "/etc/subuid is writable by group or others" PID 0 100000 1000
set_subuid "$SUBUID"
rm -f /etc/subgid
start_target "$A_UID" "$A_GID"
vg_expect_refused "/etc/subgid missing" "/etc/subgid does not exist" \
	"$TARGET" "$A_UID" "$A_GID" "$VGID" "$TARGET" 0 100000 1000
set_subgid "$A_NAME:100000:65536
"
chmod 666 /etc/nsswitch.conf
vg_refused "world-writable nsswitch.conf" "/etc/nsswitch.conf is writable by group or others" PID 0 100000 1000
put_file /etc/nsswitch.conf "$(cat "$T_DIR/nsswitch.conf.orig")
subid: nidt-missing
"
vg_refused "subid source without a plugin" "cannot load libsubid_nidt-missing.so" PID 0 100000 1000
put_file /etc/nsswitch.conf "$(cat "$T_DIR/nsswitch.conf.orig")
subid: ../../tmp/x
"
vg_refused "subid source with a path" "is not a valid module name" PID 0 100000 1000
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
vg_refused "no capability: write refused" "write to uid_map failed: Operation not permitted" PID 0 100000 1000
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
