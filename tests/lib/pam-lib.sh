# shellcheck shell=bash disable=SC2034,SC2154 # variables for the tests that source it; tap.sh sets the build paths
# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers of the pam_subid tests (pam-e2e.sh, pam-concurrency.sh, pam-crash.sh), sourced
# after lib.sh: so everything here runs in lib.sh's private mount namespace, with /etc an overlay.
#
#  - the module ($PAM_MOD, the built pam/.libs/pam_subid.so) and the helper, copied to a
#    root-owned 0755 file in lib.sh's root-owned $BIN directory ($HELPER), as the module demands;
#  - pam_service NAME OPTIONS...: /etc/pam.d/NAME (the overlay's) holding
#    "session optional MODULE helper=$HELPER OPTIONS" and "session required pam_permit.so";
#    pam_strict NAME OPTIONS...: the module alone, "session required", so pamtester's outcome tells
#    PAM_SUCCESS (exit 0), PAM_IGNORE (libpam: "Permission denied") and an error apart;
#  - checks on the sub-id files: parse, overlap, leftovers of locks and temporary files;
#    files_snap and files_unchanged WHAT (bytes and inodes as at the snap: not even rewritten).

command -v pamtester >/dev/null 2>&1 || skip "pamtester is not installed"

PAM_MOD=$PAM_MODULE
HELPER_BUILT=$SUBID_ALLOC
need_built "$PAM_MOD" "$HELPER_BUILT"
# A libtool wrapper script (if the helper ever links a shared library of ours) has the real
# binary in .libs.
if ! is_elf "$HELPER_BUILT" && [ -f "$abs_top_builddir/subid/alloc/.libs/subid-alloc" ]; then
	HELPER_BUILT=$abs_top_builddir/subid/alloc/.libs/subid-alloc
fi
# A sanitizer build (tests/sanitize.sh): pamtester is not built with ASan, so the runtime must be
# preloaded for libpam to dlopen the ASan module; leak checks of pamtester and libpam themselves
# are off (the module's own leaks are checked under valgrind in the normal pass).
PAM_SANITIZED=
if readelf -d "$PAM_MOD" 2>/dev/null | grep -q 'libasan'; then
	PAM_SANITIZED=1
	PAM_ASAN_LIB=$(${CC:-cc} -print-file-name=libasan.so)
	PAMTESTER_BIN=$(command -v pamtester)
	pamtester() {
		LD_PRELOAD="$PAM_ASAN_LIB" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" "$PAMTESTER_BIN" "$@"
	}
fi
HELPER="$BIN/subid-alloc"
install -m 755 -o root -g root "$HELPER_BUILT" "$HELPER"
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

# The distribution's SUB_UID_* / UID_* defaults, which the module and helper read.
PAM_SVC=nidsubid
PAM_STRICT=nidsubid-strict

# pam_service NAME OPTIONS...: the module as the issue wires it: optional, then pam_permit.
pam_service() {
	local name=$1
	shift
	put_file "/etc/pam.d/$name" "session optional $PAM_MOD helper=$HELPER $*
session required pam_permit.so
"
}

# pam_strict NAME OPTIONS...: the module alone, required.
pam_strict() {
	local name=$1
	shift
	put_file "/etc/pam.d/$name" "session required $PAM_MOD helper=$HELPER $*
"
}

# session USER [SERVICE]: one pamtester open+close session (run(): RC, OUT, ERR).
session() {
	run pamtester "${2:-$PAM_SVC}" "$1" open_session close_session
}

# pam_outcome USER OPTIONS...: PAM_SUCCESS, PAM_IGNORE or PAM_ERROR as the strict stack's
# pamtester open_session sees it (OUTCOME; the message in OUT/ERR).
pam_outcome() {
	local user=$1
	shift
	pam_strict "$PAM_STRICT" "$@"
	run pamtester "$PAM_STRICT" "$user" open_session
	if [ "$RC" = 0 ]; then
		OUTCOME=PAM_SUCCESS
	elif [[ "$OUT$ERR" == *"Permission denied"* ]]; then
		OUTCOME=PAM_IGNORE
	else
		OUTCOME=PAM_ERROR
	fi
}

# check_outcome WHAT WANT USER OPTIONS...
check_outcome() {
	local what=$1 want=$2
	shift 2
	pam_outcome "$@"
	if [ "$OUTCOME" = "$want" ]; then
		pass "$what: the module returns $want"
	else
		fail "$what: the module returns $want" "got $OUTCOME (pamtester: $(printf '%s %s' "$OUT" "$ERR" | paste -sd ' '))"
	fi
}

# new_user NAME [useradd options]: a throw-away user in the overlay; prints nothing.
new_user() {
	useradd -M -l -s /usr/sbin/nologin "$@" >/dev/null 2>"$T_DIR/useradd.err" || {
		cat "$T_DIR/useradd.err" >&2
		return 1
	}
}

# free_uid FROM: the first uid >= FROM that no user has.
free_uid() {
	local u=$1
	while getent passwd "$u" >/dev/null; do u=$((u + 1)); done
	echo "$u"
}

# parse_errors FILE: one line per malformed line of a sub-id file (strict: NAME:START:COUNT with
# decimal numbers, count >= 1, start + count <= 2^32 - 1) and if the file does not end with a
# newline. Prints nothing when the file parses.
parse_errors() {
	awk '
		!/^[^:]+:(0|[1-9][0-9]*):[1-9][0-9]*$/ { printf "line %d malformed: %s\n", NR, $0; next }
		{ split($0, f, ":"); if (f[2] + f[3] > 4294967295) printf "line %d out of range: %s\n", NR, $0 }
	' "$1"
	if [ -s "$1" ] && [ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" != '\n' ]; then
		echo "no newline at the end"
	fi
}

# overlaps FILE: every pair of overlapping ranges (of any owners), one per line; nothing if none.
# (%.0f, not %s or %d: mawk prints numbers from 2^31 on as 2.14748e+09 or 2147483647.)
overlaps() {
	awk -F: 'NF == 3 && $2 ~ /^[0-9]+$/ && $3 ~ /^[0-9]+$/ { printf "%.0f %.0f %s\n", $2, $2 + $3, $0 }' "$1" |
		sort -n -k1,1 |
		awk '{ if (NR > 1 && $1 < end) printf "%s overlaps %s\n", $3, last; if ($2 > end) { end = $2; last = $3 } }'
}

# leftovers: files in /etc that a lock or an atomic rewrite of the sub-id files (or of shadow's
# files) leaves behind: *.lock (not glibc's /etc/.pwd.lock, which always stays), FILE.PID of the
# link() lock, and temporary files FILE.XXXXXX / FILE+ / FILE.cioXXXXXX. Shadow's FILE- backups
# are expected.
leftovers() {
	local f b
	for f in /etc/* /etc/.[!.]*; do
		[ -e "$f" ] || continue
		b=${f##*/}
		case $b in
		.pwd.lock) ;;
		*.lock) echo "$b" ;;
		subuid?* | subgid?* | passwd?* | group?* | shadow?* | gshadow?*)
			case $b in
			subuid- | subgid- | passwd- | group- | shadow- | gshadow-) ;;
			*) echo "$b" ;;
			esac
			;;
		esac
	done
}

# check_no_leftovers WHAT
check_no_leftovers() {
	local l
	l=$(leftovers | paste -sd ' ')
	if [ -z "$l" ]; then
		pass "$1: no lock, pid or temporary file left in /etc"
	else
		fail "$1: no lock, pid or temporary file left in /etc" "found: $l"
	fi
}

# check_file WHAT FILE EXPECTED: FILE holds exactly EXPECTED (printf %s).
check_file() {
	local got
	if [ ! -e "$2" ]; then
		fail "$1: $2 is as expected" "it does not exist"
		return 0
	fi
	if printf '%s' "$3" | cmp -s - "$2"; then
		pass "$1: $2 is exactly '$(show "$3")'"
	else
		got=$(cat "$2"; echo x)
		got=${got%x}
		fail "$1: $2 is exactly '$(show "$3")'" "it is '$(show "$got")'"
	fi
}

# check_owner_mode WHAT FILE OWNER:GROUP MODE (octal, as stat %a prints it)
check_owner_mode() {
	local got
	got=$(stat -c '%U:%G %a' "$2" 2>&1)
	if [ "$got" = "$3 $4" ]; then
		pass "$1: $2 is $3 $4"
	else
		fail "$1: $2 is $3 $4" "it is $got"
	fi
}

# ---------------------------------------------------------------------------------------------
# Syslog: pam_syslog() lines arrive on lib.sh's private /dev/log listener.

LOG="$T_DIR/syslog.txt"
LOG_MARK=0
LOG_SYNC=0

# log_start: a private /dev/log (a new /dev in our namespace), listened to into $LOG.
log_start() {
	setup_devlog "$LOG"
}

# log_mark: later log_new / expect_log look at lines logged from now on only.
log_mark() {
	log_sync
	LOG_MARK=$(wc -l <"$LOG")
}

# log_sync: every datagram sent before is in $LOG (one receiver: the socket keeps their order,
# so once our own marker arrived, so did everything before it).
log_sync() {
	local i
	LOG_SYNC=$((LOG_SYNC + 1))
	logger -d -u /dev/log -t nidsync "sync $LOG_SYNC" 2>/dev/null || return 0
	for ((i = 0; i < 500; i++)); do
		grep -q "nidsync.*sync $LOG_SYNC\$" "$LOG" && return 0
		sleep 0.01
	done
}

# log_new: the lines of the module and the helper logged since log_mark.
log_new() {
	log_sync
	tail -n +"$((LOG_MARK + 1))" "$LOG" | grep -E 'pam_subid|subid-alloc' || true
}

# expect_log WHAT PRIORITY PATTERN...: a line of the module (pam_subid(...)) logged since log_mark
# at PRIORITY (<85> is LOG_AUTHPRIV|LOG_NOTICE, <83> LOG_ERR, <86> LOG_INFO, <87> LOG_DEBUG; a glob:
# <8[13]> is LOG_ALERT or LOG_ERR) holds every PATTERN (fixed strings); LINE is set to it.
expect_log() {
	local what=$1 prio=$2 l
	shift 2
	while IFS= read -r l; do
		# shellcheck disable=SC2053 # PRIORITY is a glob on purpose
		[[ $l == $prio* ]] || continue
		if has_all "$l" "pam_subid(" "$@"; then
			LINE=$l
			pass "$what: logged $prio '$*'"
			return 0
		fi
	done < <(log_new)
	LINE=
	fail "$what: logged $prio '$*'" "new lines: $(log_new | paste -sd '|')"
}

# expect_no_module_log WHAT: the module logged nothing since log_mark.
expect_no_module_log() {
	local l
	l=$(log_new | grep -F 'pam_subid(' || true)
	if [ -z "$l" ]; then
		pass "$1: the module logged nothing"
	else
		fail "$1: the module logged nothing" "$(printf '%s' "$l" | paste -sd '|')"
	fi
}

# hold_pwd_lock [LOCKFILE]: a background process that holds /etc/.pwd.lock as glibc's lckpwdf()
# does (a POSIX write lock) and, given LOCKFILE, then writes its pid and a NUL there, as shadow's
# commonio_lock() does under it; PWHOLDER is its pid. Returns once the lock is held.
hold_pwd_lock() {
	local i
	rm -f "$T_DIR/pw.ready"
	python3 -c '
import fcntl, os, sys, time
f = open("/etc/.pwd.lock", "a")
fcntl.lockf(f, fcntl.LOCK_EX)
if sys.argv[2]:
    with open(sys.argv[2], "wb") as l:
        l.write(b"%d\0" % os.getpid())
open(sys.argv[1], "w").close()
time.sleep(120)' "$T_DIR/pw.ready" "${1:-}" </dev/null >/dev/null 2>&1 &
	PWHOLDER=$!
	BG_PIDS+=("$PWHOLDER")
	for ((i = 0; i < 500; i++)); do
		[ -e "$T_DIR/pw.ready" ] && return 0
		sleep 0.01
	done
	return 1
}

# release_pwd_lock: end the hold_pwd_lock process.
release_pwd_lock() {
	kill "$PWHOLDER" 2>/dev/null || true
	wait "$PWHOLDER" 2>/dev/null || true
}

# files_snap / files_unchanged WHAT: /etc/subuid and /etc/subgid (bytes and inodes) as before.
files_snap() {
	cp -p /etc/subuid "$T_DIR/snap.subuid"
	cp -p /etc/subgid "$T_DIR/snap.subgid"
	FILES_INODES=$(stat -c %i /etc/subuid /etc/subgid | paste -sd ' ')
}
files_unchanged() {
	local f ino
	for f in subuid subgid; do
		if cmp -s "$T_DIR/snap.$f" "/etc/$f"; then
			pass "$1: /etc/$f unchanged"
		else
			fail "$1: /etc/$f unchanged" "diff: $(diff "$T_DIR/snap.$f" "/etc/$f" | paste -sd '|')"
		fi
	done
	ino=$(stat -c %i /etc/subuid /etc/subgid | paste -sd ' ')
	if [ "$ino" = "$FILES_INODES" ]; then
		pass "$1: neither file was rewritten (same inodes)"
	else
		fail "$1: neither file was rewritten (same inodes)" "inodes $FILES_INODES became $ino"
	fi
}
