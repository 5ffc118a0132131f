#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A hostile local user against pam_subid through the real su (issue 9, findings 1 and 2). su opens
# the PAM session with the user's real uid and effective uid 0, in the user's session and with the
# user's resource limits; the module's helper subid-alloc takes /etc/.pwd.lock and shadow's lock
# files. /etc/pam.d/su here (the overlay's) is the module between pam_permit lines, so the user
# can su to themselves without a password.
#  - the helper, while it waits for a lock the test holds: every uid and gid 0, no groups, its own
#    session and process group, no terminal; the user's kill -STOP and kill -KILL fail with EPERM;
#  - the user stops su (the module's process): the helper still finishes, or gives up at its own
#    deadline, and holds no lock afterwards (useradd works while su is still stopped);
#  - subid-alloc started by hand with euid 0 (a setuid copy) leaves the user's reach by itself;
#  - prlimit --fsize, --cpu, --nofile on su: the allocation is done, nothing is left in /etc;
#  - a killed run's leftovers (temporary file, pid files, stale locks) are cleaned up by the next;
#  - a lock file naming a live process that does not hold /etc/.pwd.lock (a recycled pid) is taken
#    over, and shadow's useradd works again after it.
# shellcheck source=tests/lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=tests/lib/pam-lib.sh
. "$(dirname "$0")/../lib/pam-lib.sh"
# su is setuid: it ignores LD_PRELOAD, so an ASan-built module cannot be loaded into it.
[ -z "$PAM_SANITIZED" ] || skip "sanitizer build: the setuid su cannot preload the ASan runtime the module needs"
SU=$(command -v su || true)
[ -n "$SU" ] && [ -u "$SU" ] || skip "su is not installed setuid root"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
command -v prlimit >/dev/null 2>&1 || skip "prlimit is not installed"
command -v pgrep >/dev/null 2>&1 || skip "pgrep (procps) is not installed"

log_start
for u in nidsa nidsb nidsc nidsd nidse nidsf nidsg nidsh; do
	new_user "$u"
	usermod -s /bin/sh "$u" # su -c runs the user's shell
done
uid_of() { getent passwd "$1" | cut -d: -f3; }
gid_of() { getent passwd "$1" | cut -d: -f4; }

BASE='other:100000:65536
'
reset_files() {
	set_subuid "$BASE"
	set_subgid "$BASE"
}

# su_service OPTIONS...: /etc/pam.d/su with the module.
su_service() {
	put_file /etc/pam.d/su "auth sufficient pam_rootok.so
auth required pam_permit.so
account required pam_permit.so
session optional $PAM_MOD helper=$HELPER $*
session required pam_permit.so
"
}

# as USER CMD...: CMD with USER's real and effective ids and groups (what the user can do).
# asv USER: the same as a command prefix in AS, for a background job whose $! must be CMD itself.
# shellcheck disable=SC2317 # called through run()
as() {
	local u=$1
	shift
	setpriv --reuid "$(uid_of "$u")" --regid "$(gid_of "$u")" --init-groups -- "$@"
}
asv() {
	AS=(setpriv --reuid "$(uid_of "$1")" --regid "$(gid_of "$1")" --init-groups --)
}

# stat_field PID N: field N of /proc/PID/stat (3 is the state), "gone" when PID is gone.
stat_field() {
	local s f
	s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo gone; return 0; }
	read -ra f <<<"${s##*) }" # the fields after "pid (comm) ", from the state on
	echo "${f[$(($2 - 3))]}"
}

# helper_of PID: the pid of the subid-alloc child of PID (waits up to 20 s); HPID.
helper_of() {
	local i
	HPID=
	for ((i = 0; i < 2000; i++)); do
		HPID=$(pgrep -P "$1" -x subid-alloc | sed -n 1p || true)
		[ -n "$HPID" ] && return 0
		sleep 0.01
	done
	return 1
}

# wait_state PID STATES: until PID's state is one of STATES (e.g. "Z X") or it is gone, up to
# 60 s; prints the last state seen ("gone" when it is gone).
wait_state() {
	local st i
	for ((i = 0; i < 6000; i++)); do
		st=$(stat_field "$1" 3)
		[[ " $2 gone " == *" $st "* ]] && { echo "$st"; return 0; }
		sleep 0.01
	done
	echo "$st"
}

# root_ids WHAT PID: every uid and gid of PID is 0, and it has no supplementary group.
root_ids() {
	local st
	st=$(grep -E '^(Uid|Gid|Groups):' "/proc/$2/status" | tr -s ' \t' ' ' | sed 's/ $//' | paste -sd ' ')
	if [ "$st" = "Uid: 0 0 0 0 Gid: 0 0 0 0 Groups:" ]; then
		pass "$1: every uid and gid is 0, no supplementary group"
	else
		fail "$1: every uid and gid is 0, no supplementary group" "$st"
	fi
}

# expect_eperm WHAT USER SIGNAL PID: the user's kill -SIGNAL PID fails with EPERM.
expect_eperm() {
	run as "$2" /bin/kill "-$3" "$4"
	if [ "$RC" != 0 ] && [[ $ERR == *"Operation not permitted"* ]]; then
		pass "$1: the user's kill -$3 on the helper fails with EPERM"
	else
		fail "$1: the user's kill -$3 on the helper fails with EPERM" "exit status $RC, stderr: $ERR"
	fi
}

# no_leftovers WHAT: nothing of a lock or rewrite left in /etc.
no_leftovers() { check_no_leftovers "$1"; }

# has_range WHAT USER: both files give USER one strictly valid range.
has_range() {
	local f
	for f in subuid subgid; do
		if grep -Eq "^$2:[0-9]+:65536\$" "/etc/$f" && [ -z "$(overlaps "/etc/$f")" ] && [ -z "$(parse_errors "/etc/$f")" ]; then
			pass "$1: /etc/$f gives $2 a range, no overlap, parses"
		else
			fail "$1: /etc/$f gives $2 a range, no overlap, parses" "$(paste -sd ';' "/etc/$f")"
		fi
	done
}

# ---------------------------------------------------------------------------------------------
# 1. The helper is out of the user's reach while it waits for a lock.

reset_files
su_service timeout=8
hold_pwd_lock ""
asv nidsa
"${AS[@]}" "$SU" nidsa -c true </dev/null >/dev/null 2>&1 &
SUPID=$!
BG_PIDS+=("$SUPID")
if helper_of "$SUPID"; then
	pass "su's helper is running (waiting for /etc/.pwd.lock)"
	W="helper waiting under su"
	root_ids "$W" "$HPID"
	sid=$(stat_field "$HPID" 6)
	pgrp=$(stat_field "$HPID" 5)
	tty=$(stat_field "$HPID" 7)
	su_sid=$(stat_field "$SUPID" 6)
	su_pgrp=$(stat_field "$SUPID" 5)
	if [ "$sid" = "$HPID" ] && [ "$sid" != "$su_sid" ] && [ "$pgrp" != "$su_pgrp" ] && [ "$tty" = 0 ]; then
		pass "$W: not in the user's session or process group, no controlling terminal"
	else
		fail "$W: not in the user's session or process group, no controlling terminal" "helper sid $sid pgrp $pgrp tty $tty; su sid $su_sid pgrp $su_pgrp"
	fi
	if grep -q '^Max file size *unlimited' "/proc/$HPID/limits" && grep -q '^Max core file size *0 ' "/proc/$HPID/limits"; then
		pass "$W: its own resource limits (no file size limit, no core)"
	else
		fail "$W: its own resource limits (no file size limit, no core)" "$(grep -E 'file size|core' "/proc/$HPID/limits" | paste -sd ';')"
	fi
	expect_eperm "$W" nidsa STOP "$HPID"
	expect_eperm "$W" nidsa KILL "$HPID"
	st=$(stat_field "$HPID" 3)
	if [ "$st" = S ] || [ "$st" = R ]; then
		pass "$W: still running after the user's signals (state $st)"
	else
		fail "$W: still running after the user's signals" "state $st"
	fi
	# The user stops su itself (allowed: su's real uid is theirs). The lock goes; the helper
	# finishes on its own and holds nothing, while su stays stopped.
	run as nidsa /bin/kill -STOP "$SUPID"
	st=$(wait_state "$SUPID" "T")
	if [ "$st" = T ]; then
		pass "$W: the user stopped su (state T)"
	else
		fail "$W: the user stopped su (state T)" "state $st"
	fi
	release_pwd_lock
	st=$(wait_state "$HPID" "Z gone")
	if [ "$st" = Z ] || [ "$st" = gone ]; then
		pass "$W, su stopped: the helper finished anyway ($st)"
	else
		fail "$W, su stopped: the helper finished anyway" "state $st"
	fi
	no_leftovers "$W, su stopped"
	has_range "$W, su stopped" nidsa
	run useradd -M -l -s /usr/sbin/nologin nidsnew1
	check_rc "$W, su stopped: useradd meanwhile" 0
	[ "$(stat_field "$SUPID" 3)" = T ] && pass "$W: su was stopped all along" || fail "$W: su was stopped all along" "state $(stat_field "$SUPID" 3)"
	kill -CONT "$SUPID" 2>/dev/null || true
	wait "$SUPID" 2>/dev/null || true
else
	fail "su's helper is running (waiting for /etc/.pwd.lock)" "no subid-alloc child of su $SUPID"
	release_pwd_lock
	kill -KILL "$SUPID" 2>/dev/null || true
fi

# 2. The helper's own deadline: the lock is never released, su is stopped at once; the helper
# gives up by itself (its lock wait is half the module's timeout) and leaves nothing.
reset_files
su_service timeout=4
hold_pwd_lock ""
asv nidsb
"${AS[@]}" "$SU" nidsb -c true </dev/null >/dev/null 2>&1 &
SUPID=$!
BG_PIDS+=("$SUPID")
if helper_of "$SUPID"; then
	W="lock never released, su stopped"
	run as nidsb /bin/kill -STOP "$SUPID"
	st=$(wait_state "$HPID" "Z gone")
	if [ "$st" = Z ] || [ "$st" = gone ]; then
		pass "$W: the helper gave up at its own deadline ($st)"
	else
		fail "$W: the helper gave up at its own deadline" "state $st"
	fi
	[ "$(stat_field "$SUPID" 3)" = T ] && pass "$W: su is still stopped" || fail "$W: su is still stopped" "state $(stat_field "$SUPID" 3)"
	no_leftovers "$W"
	release_pwd_lock
	run useradd -M -l -s /usr/sbin/nologin nidsnew2
	check_rc "$W: useradd once the test's lock is gone, su still stopped" 0
	kill -CONT "$SUPID" 2>/dev/null || true
	wait "$SUPID" 2>/dev/null || true
else
	fail "su's helper is running (lock never released)" "no subid-alloc child of su $SUPID"
	release_pwd_lock
	kill -KILL "$SUPID" 2>/dev/null || true
fi

# 2b. subid-alloc started by hand with euid 0 and the user's real uid (a setuid copy stands for
# sudo rules and setuid installs): it leaves the caller's ids, session and limits by itself.
reset_files
install -m 4755 -o root -g root "$HELPER" "$BIN/subid-alloc-setuid"
hold_pwd_lock ""
asv nidsb
"${AS[@]}" prlimit --fsize=30 "$BIN/subid-alloc-setuid" --timeout 30 nidsb </dev/null >/dev/null 2>&1 &
SAPID=$!
BG_PIDS+=("$SAPID")
W="subid-alloc setuid, run by the user"
if wait_exec "$SAPID" subid-alloc-set 2>/dev/null || [ "$(cat "/proc/$SAPID/comm" 2>/dev/null)" = subid-alloc-set ]; then
	for ((i = 0; i < 500; i++)); do
		grep -q '^Uid:.0.0.0.0$' "/proc/$SAPID/status" 2>/dev/null && break
		sleep 0.01
	done
	root_ids "$W" "$SAPID"
	if [ "$(stat_field "$SAPID" 6)" = "$SAPID" ] && [ "$(stat_field "$SAPID" 7)" = 0 ]; then
		pass "$W: a session of its own, no controlling terminal"
	else
		fail "$W: a session of its own, no controlling terminal" "sid $(stat_field "$SAPID" 6) tty $(stat_field "$SAPID" 7)"
	fi
	if grep -q '^Max file size *unlimited' "/proc/$SAPID/limits"; then
		pass "$W: no file size limit (prlimit --fsize=30 on it)"
	else
		echo "# $W: the hard file size limit could not be lifted here (no CAP_SYS_RESOURCE): $(grep '^Max file size' "/proc/$SAPID/limits" | tr -s ' ')"
	fi
	expect_eperm "$W" nidsb STOP "$SAPID"
	expect_eperm "$W" nidsb KILL "$SAPID"
	release_pwd_lock
	wait "$SAPID" && rc=0 || rc=$?
	no_leftovers "$W"
	if [ "$rc" = 0 ]; then
		has_range "$W" nidsb
	else
		echo "# $W: exit status $rc (refused: the file size limit it could not lift here)"
	fi
else
	fail "$W: it runs" "no subid-alloc-setuid process $SAPID"
	release_pwd_lock
fi
rm -f "$BIN/subid-alloc-setuid"

# 2c. The run's own deadline while the helper holds every lock: strace delays its fsync() of the
# new file by 60 s; with --timeout 1 its deadline is 1 + 10 s, so its deadline signal (SIGRTMIN+1
# from a timer of its own: sudo relays SIGALRM, so that one is blocked) ends it mid-write. The
# kernel drops /etc/.pwd.lock; the lock files name a dead pid, and shadow's useradd (and the next
# run) take them over; the file is old or new, never half-written.
if command -v strace >/dev/null 2>&1; then
	reset_files
	W="helper stuck holding the locks"
	run strace -f -o /dev/null -e trace=fsync -e inject=fsync:delay_enter=60000000 "$HELPER" --timeout 1 nidsg
	if [ "$RC" = $((128 + $(kill -l RTMIN+1))) ]; then
		pass "$W: ended by its own deadline (SIGRTMIN+1)"
	else
		fail "$W: ended by its own deadline (SIGRTMIN+1)" "exit status $RC: $ERR"
	fi
	if python3 -c '
import fcntl
fcntl.lockf(open("/etc/.pwd.lock", "a"), fcntl.LOCK_EX | fcntl.LOCK_NB)'; then
		pass "$W: /etc/.pwd.lock is free again"
	else
		fail "$W: /etc/.pwd.lock is free again" "still held"
	fi
	if [ -z "$(parse_errors /etc/subuid)" ] && [ -z "$(parse_errors /etc/subgid)" ]; then
		pass "$W: both files parse"
	else
		fail "$W: both files parse" "$(paste -sd ';' /etc/subuid) / $(paste -sd ';' /etc/subgid)"
	fi
	run useradd -M -l -s /usr/sbin/nologin nidsnew4
	check_rc "$W: shadow's useradd afterwards" 0
	run as nidsg "$SU" nidsg -c true
	check_rc "$W: the next login" 0
	has_range "$W" nidsg
	no_leftovers "$W: after the next login"
else
	echo "# strace is not installed: the deadline while holding the locks is not tried"
fi

# ---------------------------------------------------------------------------------------------
# 3. The user's resource limits on su are not the helper's.

su_service
for lim in --fsize=30 --cpu=1 --nofile=30; do
	u=nidsc
	case $lim in --cpu=*) u=nidsd ;; --nofile=*) u=nidse ;; esac
	reset_files
	log_mark
	run as "$u" prlimit "$lim" "$SU" "$u" -c true
	W="prlimit $lim su $u"
	check_rc "$W" 0
	no_leftovers "$W"
	# Root lifts the limits for the helper, which then allocates; where the hard limit cannot be
	# lifted (no CAP_SYS_RESOURCE in this machine's bounding set) it fails cleanly instead.
	if grep -q "^$u:" /etc/subuid; then
		echo "# $W: allocated at once"
	else
		echo "# $W: refused cleanly: $(log_new | grep -a 'pam_subid(' | tail -n 1)"
		run as "$u" "$SU" "$u" -c true
		check_rc "$W: the next login" 0
	fi
	has_range "$W" "$u"
done

# ---------------------------------------------------------------------------------------------
# 4. What a killed run leaves (a temporary file, pid files, stale locks of a dead pid) is gone
# after the next one.

reset_files
sh -c 'exit 0' &
DEAD=$!
wait "$DEAD" || true
printf 'junk' >/etc/subuid+
printf '%s\0' "$DEAD" >"/etc/subuid.$DEAD"
: >/etc/subgid.4000000
printf '%s\0' "$DEAD" >/etc/subuid.lock
printf '%s\0' "$DEAD" >/etc/subgid.lock
printf 'keep me' >/etc/subuid.2024
run as nidsf "$SU" nidsf -c true
check_rc "leftovers of a killed run: su nidsf" 0
has_range "leftovers of a killed run" nidsf
l=$(leftovers | grep -v '^subuid\.2024$' | paste -sd ' ' || true)
if [ -z "$l" ]; then
	pass "leftovers of a killed run: the temporary file, the pid files and the stale locks are gone"
else
	fail "leftovers of a killed run: the temporary file, the pid files and the stale locks are gone" "left: $l"
fi
if [ "$(cat /etc/subuid.2024)" = "keep me" ]; then
	pass "leftovers of a killed run: a file that only looks like one is kept"
else
	fail "leftovers of a killed run: a file that only looks like one is kept" "it is gone or changed"
fi
rm -f /etc/subuid.2024

# ---------------------------------------------------------------------------------------------
# 5. A stale lock whose pid now belongs to another live process (the user's own: any user can
# fork until the pid comes round). It does not hold /etc/.pwd.lock, so it holds nothing.

reset_files
asv nidsg
"${AS[@]}" sleep 120 </dev/null >/dev/null 2>&1 &
LIVE=$!
BG_PIDS+=("$LIVE")
wait_exec "$LIVE" sleep
printf '%s\0' "$LIVE" >/etc/subuid.lock
W="recycled pid $LIVE in /etc/subuid.lock"
run useradd -M -l -s /usr/sbin/nologin nidsnew3
if [ "$RC" != 0 ] && [[ $ERR == *"lock"* ]]; then
	pass "$W: shadow's useradd is locked out by it (shadow judges by the pid)"
else
	fail "$W: shadow's useradd is locked out by it (shadow judges by the pid)" "exit status $RC: $ERR"
fi
run as nidsh "$SU" nidsh -c true
check_rc "$W: su nidsh" 0
has_range "$W" nidsh
no_leftovers "$W"
run useradd -M -l -s /usr/sbin/nologin nidsnew3
check_rc "$W: shadow's useradd afterwards" 0
run usermod --add-subuids 900000-900009 --add-subgids 900000-900009 nidsnew3
check_rc "$W: shadow's usermod --add-subuids afterwards" 0
no_leftovers "$W: after useradd and usermod"
kill "$LIVE" 2>/dev/null || true

finish
