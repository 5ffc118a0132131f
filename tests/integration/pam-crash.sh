#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The allocation child killed with SIGKILL at any point. subid-alloc is run as pam_subid runs it
# (empty environment, the user as its argument) and killed:
#   1. exactly at each of its system calls from the first lock on: strace injects SIGKILL on
#      entry to the Nth call of each syscall, for every N the uninterrupted run makes (so the
#      call itself never happens: every point between two calls is covered);
#   2. after a random delay of 0-5 ms, many times.
# After each kill both files parse and each holds either its old content or the old content plus
# exactly the line the run was writing; owner and mode are kept. Then the next logins (pamtester
# sessions: the victim's, then another user's, whose allocation takes over the stale locks)
# succeed, leave the exact expected files, and no lock file behind.
# shellcheck source=tests/lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=tests/lib/pam-lib.sh
. "$(dirname "$0")/../lib/pam-lib.sh"

RANDOM_RUNS=${PAM_CRASH_RUNS:-150}
STRACE=$(command -v strace || true)

new_user nidk
new_user nidk2
pam_service "$PAM_SVC"

# First fit (65536 ids from 100000): nidk takes the exact hole 165536-231071 of /etc/subuid and
# 231072 in /etc/subgid; then nidk2 takes 232072 and (the 3392-id hole at 296608 being too
# small) 300010.
BASE_U='other1:100000:65536
other2:231072:1000
other3:400000:65536
'
BASE_G='other1:100000:65536
other2:165536:65536
other3:300000:10
'
L1_U='nidk:165536:65536
'
L1_G='nidk:231072:65536
'
L2_U='nidk2:232072:65536
'
L2_G='nidk2:300010:65536
'

# reset: the old files, and nothing else in /etc from earlier runs.
reset() {
	local l
	for l in $(leftovers); do rm -f "/etc/$l"; done
	set_subuid "$BASE_U"
	set_subgid "$BASE_G"
}

# is FILE CONTENT: FILE holds exactly CONTENT.
is() { printf '%s' "$2" | cmp -s - "$1"; }

# Aggregated results: one pass/fail line per property and kind of kill, with the first failures.
declare -A BAD NBAD
note_bad() {
	NBAD[$1]=$((${NBAD[$1]:-0} + 1))
	[ "${NBAD[$1]}" -gt 3 ] || BAD[$1]+=" [$2]"
}
report() {
	local kind=$1 runs=$2 prop
	for prop in "files old or old + the line" "files parse" "owner and mode kept" \
		"next logins succeed" "files exact after the next logins" \
		"no lock, pid or temporary file left after the next logins"; do
		if [ -z "${NBAD[$kind:$prop]:-}" ]; then
			pass "$kind ($runs kills): $prop"
		else
			fail "$kind ($runs kills): $prop" "${NBAD[$kind:$prop]} failures:${BAD[$kind:$prop]}"
		fi
	done
}
declare -A STATES
LEFT_TMP=0
LEFT_PID=0

# after_kill KIND WHERE: the checks after one killed run.
after_kill() {
	local kind=$1 where=$2 su sg f e
	su=old sg=old
	is /etc/subuid "$BASE_U" || { is /etc/subuid "$BASE_U$L1_U" && su=new; } || su=bad
	is /etc/subgid "$BASE_G" || { is /etc/subgid "$BASE_G$L1_G" && sg=new; } || sg=bad
	STATES[$kind:$su/$sg]=$((${STATES[$kind:$su/$sg]:-0} + 1))
	if [ "$su" = bad ] || [ "$sg" = bad ]; then
		note_bad "$kind:files old or old + the line" "$where: subuid $su, subgid $sg: $(paste -sd ';' /etc/subuid) / $(paste -sd ';' /etc/subgid)"
	fi
	for f in /etc/subuid /etc/subgid; do
		e=$(parse_errors "$f")
		[ -z "$e" ] || note_bad "$kind:files parse" "$where: $f: $(printf '%s' "$e" | paste -sd ';')"
		[ "$(stat -c '%U:%G %a' "$f")" = "root:root 644" ] ||
			note_bad "$kind:owner and mode kept" "$where: $f is $(stat -c '%U:%G %a' "$f")"
	done
	# A killed run may leave its link() pid file or its temporary file (as shadow's tools do);
	# counted here, removed by the next run (checked below).
	for f in $(leftovers); do
		case $f in
		*.lock) ;;
		*.[0-9]*[0-9]) LEFT_PID=$((LEFT_PID + 1)) ;;
		*) LEFT_TMP=$((LEFT_TMP + 1)) ;;
		esac
	done
	# The next logins: the victim's (completes or finds its ranges), then another user's (takes
	# over the stale locks, if any).
	run pamtester "$PAM_SVC" nidk open_session close_session
	[ "$RC" = 0 ] || note_bad "$kind:next logins succeed" "$where: nidk: $OUT $ERR"
	run pamtester "$PAM_SVC" nidk2 open_session close_session
	[ "$RC" = 0 ] || note_bad "$kind:next logins succeed" "$where: nidk2: $OUT $ERR"
	if ! is /etc/subuid "$BASE_U$L1_U$L2_U" || ! is /etc/subgid "$BASE_G$L1_G$L2_G"; then
		note_bad "$kind:files exact after the next logins" "$where: $(paste -sd ';' /etc/subuid) / $(paste -sd ';' /etc/subgid)"
	fi
	# The next run that locks cleans up after the killed one: its stale locks, its link() pid
	# files and its temporary file (one fixed name, /etc/subuid+) are gone (issue 9).
	if [ -n "$(leftovers)" ]; then
		note_bad "$kind:no lock, pid or temporary file left after the next logins" "$where: $(leftovers | paste -sd ' ')"
	fi
}

# The uninterrupted run, as a reference: the exact lines.
reset
run env -i "$HELPER" nidk
check_rc "uninterrupted subid-alloc" 0
check_file "uninterrupted subid-alloc" /etc/subuid "$BASE_U$L1_U"
check_file "uninterrupted subid-alloc" /etc/subgid "$BASE_G$L1_G"
session nidk2
check_file "then a session of nidk2" /etc/subuid "$BASE_U$L1_U$L2_U"
check_file "then a session of nidk2" /etc/subgid "$BASE_G$L1_G$L2_G"
check_no_leftovers "uninterrupted"

# ---------------------------------------------------------------------------------------------
# 1. SIGKILL at every system call from the first lock on

if [ -n "$STRACE" ]; then
	reset
	env -i "$STRACE" -f -qq -o "$T_DIR/ref.trace" "$HELPER" nidk >/dev/null 2>&1 || true
	# "NAME N" for each call from the first one naming .pwd.lock: the Nth call of NAME. Calls that
	# touch no file and whose number varies from run to run (futex, memory management: a
	# sanitizer runtime makes its own) are no kill points: their Nth call may never come.
	awk '{
		sub(/^[0-9]+ +/, "")
		if (!match($0, /^[a-z_0-9]+\(/)) next
		name = substr($0, 1, RLENGTH - 1)
		if (name ~ /^(futex|getrandom|mmap|munmap|mprotect|madvise|brk|mremap|sched_yield|getpid|gettid|rt_sig.*|sigaltstack|prctl)$/) next
		n[name]++
		if (!on && index($0, ".pwd.lock")) on = 1
		if (on) print name, n[name]
	}' "$T_DIR/ref.trace" >"$T_DIR/points"
	npoints=$(wc -l <"$T_DIR/points")
	if [ "$npoints" -ge 10 ] && grep -q '^rename' "$T_DIR/points" && grep -q '^link' "$T_DIR/points"; then
		pass "the reference trace: $npoints calls from the first lock on, with link() and rename()"
	else
		fail "the reference trace: calls from the first lock on, with link() and rename()" \
			"$npoints calls: $(paste -sd ' ' "$T_DIR/points")"
	fi
	echo "# kill points: $(awk '{ c[$1]++ } END { for (k in c) printf "%s x%d ", k, c[k] }' "$T_DIR/points")"
	t0=$(date +%s%N)
	nkill=0
	while read -r name idx; do
		reset
		rc=0
		# (A subshell that waits, its stderr to /dev/null: bash reports a child killed by a signal.)
		(
			env -i "$STRACE" -f -qq -o /dev/null -e trace="$name" -e inject="$name:signal=SIGKILL:when=$idx" \
				"$HELPER" nidk >/dev/null 2>&1
			exit $?
		) 2>/dev/null || rc=$?
		if [ "$rc" != 137 ]; then
			note_bad "strace:files old or old + the line" "$name #$idx: the helper was not killed (exit $rc)"
		fi
		nkill=$((nkill + 1))
		after_kill strace "$name #$idx"
	done <"$T_DIR/points"
	report strace "$nkill"
	echo "# strace kills in $((($(date +%s%N) - t0) / 1000000)) ms; states after the kill (subuid/subgid):" \
		"$(for k in "${!STATES[@]}"; do [[ $k == strace:* ]] && printf '%s=%s ' "${k#strace:}" "${STATES[$k]}"; done)"
else
	skip_some "the exact kill points: strace is not installed"
fi

# ---------------------------------------------------------------------------------------------
# 2. SIGKILL after a random delay

# The delay is drawn in microseconds over the helper's own run time (at most 5 ms), and waited
# for with bash's read -t on a FIFO that never has data (no sleep process to start).
mkfifo "$T_DIR/never"
exec 7<>"$T_DIR/never"
# usec: $EPOCHREALTIME in microseconds (no process started).
usec() { local t=${EPOCHREALTIME/[.,]/}; echo "$((10#$t))"; }
span=0
for ((i = 0; i < 5; i++)); do
	reset
	t0=$(usec)
	env -i "$HELPER" nidk >/dev/null 2>&1
	span=$((span + $(usec) - t0))
done
span=$((span * 12 / 50))
[ "$span" -le 5000 ] || span=5000
[ "$span" -ge 500 ] || span=500
echo "# random delays: 0 to $span us (1.2 times the helper's mean run time, 0.5 to 5 ms)"
t0=$(date +%s%N)
completed=0
for ((i = 0; i < RANDOM_RUNS; i++)); do
	reset
	d=$(((RANDOM * 32768 + RANDOM) % span))
	env -i "$HELPER" nidk >/dev/null 2>&1 &
	p=$!
	BG_PIDS+=("$p")
	[ "$d" = 0 ] || read -r -t "$(printf '0.%06d' "$d")" -u 7 _ || true
	kill -KILL "$p" 2>/dev/null || true
	rc=0
	wait "$p" 2>/dev/null || rc=$?
	unset 'BG_PIDS[-1]'
	[ "$rc" != 0 ] || completed=$((completed + 1))
	after_kill random "run $i, $d us"
done
report random "$RANDOM_RUNS"
echo "# random kills in $((($(date +%s%N) - t0) / 1000000)) ms; $completed runs finished before the kill; states (subuid/subgid):" \
	"$(for k in "${!STATES[@]}"; do [[ $k == random:* ]] && printf '%s=%s ' "${k#random:}" "${STATES[$k]}"; done)"
echo "# left by killed runs until the next run (shadow's tools leave them too): $LEFT_PID link() pid files, $LEFT_TMP temporary files"

finish
