#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Hostile callers, beyond the refusals of refusals.sh, fd.sh and privilege.sh: everything an
# unprivileged user controls around one run of newuidmap/newgidmap (descriptors 0-2, resource
# limits, signals, ptrace, the environment, argv, the target's lifetime and pid, mounts over
# /proc/PID files, concurrent runs, the shape of /etc/subuid). Each case asserts an exact exit
# status (1 for a refusal: never a signal, never a core), the target's maps and setgroups left as
# they were unless the map was legitimately written, and /etc left untouched. SECURITY.md cites
# these cases by name.
# shellcheck source=tests/lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || skip "$PY is needed (descriptor, rlimit and ptrace probes)"
LOG="$T_DIR/syslog.txt"
setup_devlog "$LOG"

SUBUID="$A_NAME:100000:65536
$B_NAME:200000:65536
"
SUBGID=$SUBUID
set_subuid "$SUBUID"
set_subgid "$SUBGID"

# A directory of user A: the helpers' working directory (a core file would land here).
UDIR="$T_DIR/user"
mkdir "$UDIR"
chown "$A_UID:$A_GID" "$UDIR"
cd "$UDIR" || exit 1
ulimit -c unlimited 2>/dev/null || true

# Sanitizer builds reserve terabytes of address space and open descriptors of their own: the
# RLIMIT_AS and RLIMIT_NOFILE cases are meaningless there (tests/sanitize.sh runs this file too).
SANITIZED=
if grep -qa -e __asan_init -e __ubsan_handle "$UIDMAP"; then
	SANITIZED=1
fi

# shellcheck disable=SC2317 # called through run/expect_*
as_a() { run_as "$A_UID" "$A_GID" "$@"; }

# ---------------------------------------------------------------------------------------------
# Probes, run as user A.

# launch.py OPTION... -- PROG ARG...: exec PROG after changing what a caller controls.
#   close=0,1,2  close these descriptors        nofile=N / as=BYTES  set the hard and soft limit
#   stderr=brokenpipe  fd 2 a pipe whose reader is gone, SIGPIPE at its default (as a shell has it)
#   argv0=TEXT   exec with that argv[0]
cat >"$T_DIR/launch.py" <<'EOF'
import os, resource, signal, sys
a = sys.argv[1:]
argv0 = None
while a[0] != "--":
    k, _, v = a.pop(0).partition("=")
    if k == "nofile":
        resource.setrlimit(resource.RLIMIT_NOFILE, (int(v), int(v)))
    elif k == "as":
        resource.setrlimit(resource.RLIMIT_AS, (int(v), int(v)))
    elif k == "close":
        for fd in v.split(","):
            os.close(int(fd))
    elif k == "stderr" and v == "brokenpipe":
        r, w = os.pipe()
        os.dup2(w, 2)
        os.close(w)
        os.close(r)
    elif k == "argv0":
        argv0 = v
a.pop(0)
signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # Python ignores it; a shell does not
os.execv(a[0], [argv0 if argv0 is not None else a[0]] + a[1:])
EOF
# probe.py PID: what user A can do to a running helper; one "name=result" per line.
cat >"$T_DIR/probe.py" <<'EOF'
import ctypes, errno, sys
pid = int(sys.argv[1])
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.restype = ctypes.c_long
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
def res(r):
    return "ok" if r >= 0 else errno.errorcode.get(ctypes.get_errno(), "?")
for name, req in (("ptrace_attach", 16), ("ptrace_seize", 0x4206)):
    r = libc.ptrace(req, pid, None, None)
    print("%s=%s" % (name, res(r)))
    if r >= 0:
        libc.ptrace(17, pid, None, None)  # PTRACE_DETACH
class iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
buf = ctypes.create_string_buffer(64)
local = iovec(ctypes.cast(buf, ctypes.c_void_p), 64)
remote = iovec(0x10000, 64)
libc.process_vm_readv.restype = ctypes.c_ssize_t
print("process_vm_readv=%s" % res(libc.process_vm_readv(pid, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)))
for f in ("mem", "environ", "maps"):
    try:
        with open("/proc/%d/%s" % (pid, f), "rb") as fh:
            fh.read(1)
        print("read_%s=ok" % f)
    except OSError as e:
        print("read_%s=%s" % (f, errno.errorcode.get(e.errno, "?")))
EOF
chmod 644 "$T_DIR/launch.py" "$T_DIR/probe.py"
# shellcheck disable=SC2317 # called through run/expect_*
launch() { as_a "$PY" "$T_DIR/launch.py" "$@"; }

# ---------------------------------------------------------------------------------------------
# Assertions of this file.

# etc_state: identity and times of the files the helpers read; they must never change.
etc_state() {
	stat -c '%n %i %s %y %a %u:%g %F' /etc/subuid /etc/subgid /etc/passwd /etc/group /etc/shadow \
		/etc/login.defs /etc/nsswitch.conf 2>&1
}

# check_etc WHAT BEFORE
check_etc() {
	local now
	now=$(etc_state)
	if [ "$now" = "$2" ]; then
		pass "$1: /etc untouched"
	else
		fail "$1: /etc untouched" "before: $2; after: $now"
	fi
}

# expect_outcome WHAT RC SUBSTRING PID -- CMD...: CMD exits RC (exactly: a signal is a failure),
# stderr holds SUBSTRING (unless empty), PID's maps and setgroups are unchanged unless RC is 0,
# and /etc is unchanged.
expect_outcome() {
	local what=$1 want=$2 sub=$3 pid=$4 before etc
	shift 4
	[ "$1" = -- ] && shift
	before=$(proc_state "$pid")
	etc=$(etc_state)
	run "$@"
	check_rc "$what" "$want"
	[ -z "$sub" ] || check_err "$what" "$sub"
	[ "$want" = 0 ] || check_unmapped "$what" "$pid" "$before"
	check_etc "$what" "$etc"
}

# stop_while_parsing PID FILE: poll until PID has FILE open, then SIGSTOP it and wait until it is
# stopped. Succeeds (STOP_FD set) only if the read offset is then still inside FILE: the helper
# was stopped in the middle of parsing, after it opened the target and before the map write.
stop_while_parsing() {
	local h=$1 file=$2 i fd pos size
	STOP_FD=
	for ((i = 0; i < 300000; i++)); do
		for fd in 3 4 5 6 7 8 9; do
			if [[ /proc/$h/fd/$fd -ef $file ]]; then
				kill -STOP "$h" 2>/dev/null || return 1
				STOP_FD=$fd
				break 2
			fi
		done
	done
	[ -n "$STOP_FD" ] || return 1
	for ((i = 0; i < 1000; i++)); do
		[[ $(<"/proc/$h/stat") == *") T "* ]] && break
		sleep 0.001
	done
	pos=$(sed -n 's/^pos:[[:space:]]*//p' "/proc/$h/fdinfo/$STOP_FD")
	size=$(stat -L -c %s "$file")
	[ -n "$pos" ] && [ "$pos" -lt "$size" ]
}

# no_core: no core file in the caller's directory.
# shellcheck disable=SC2317 # called through check_true
no_core() { ! compgen -G "$UDIR/core*" >/dev/null; }

# A sub-id file that takes a while to parse: 2,000,000 one-id lines of A (about 32 MB), then the
# range every case below asks for. The window lets a test stop the helper mid-parse reliably.
BIG="$T_DIR/subid.big"
awk -v a="$A_NAME" 'BEGIN { for (i = 0; i < 2000000; i++) printf "%s:%d:1\n", a, 1000000 + 2 * i;
	printf "%s:100000:65536\n", a }' >"$BIG"
chmod 644 "$BIG"

# use_file ETCFILE SOURCE: a root-owned mode 644 copy of SOURCE at ETCFILE.
use_file() {
	rm -rf "$1"
	cp "$2" "$1"
	chown root:root "$1"
	chmod 644 "$1"
}

# ---------------------------------------------------------------------------------------------
# 1. Descriptors 0, 1 and 2 closed, each and all: the map is still written when valid, a
# refusal is still exit 1, and with stderr gone the refusal still reaches syslog.
for fds in 0 1 2 0,1,2; do
	start_target "$A_UID" "$A_GID"
	expect_map "fds $fds closed, valid map" "$TARGET" uid_map "0 100000 65536" -- \
		launch close=$fds -- "$UIDMAP" "$TARGET" 0 100000 65536
	start_target "$A_UID" "$A_GID"
	expect_outcome "fds $fds closed, refusal" 1 "" "$TARGET" -- \
		launch close=$fds -- "$UIDMAP" "$TARGET" 0 500000 10
	expect_logged "fds $fds closed, refusal" "action=refuse map=uid caller_uid=$A_UID " "target=$TARGET " \
		'ranges="0:500000:10"' 'reason="uid range 1 (0 500000 10): host uids 500000-500009 are not all in'
	start_target "$A_UID" "$A_GID"
	expect_map "fds $fds closed, newgidmap self-map" "$TARGET" gid_map "0 $A_GID 1" -- \
		launch close=$fds -- "$GIDMAP" "$TARGET" 0 "$A_GID" 1
	check_proc "fds $fds closed, newgidmap self-map: setgroups deny" "$TARGET" setgroups deny
done
# shellcheck disable=SC2317 # called through run
read_only_out() { "$@" 1</dev/null 2<"$T_DIR/launch.py"; }
start_target "$A_UID" "$A_GID"
expect_outcome "fds 1 and 2 read-only" 1 "" "$TARGET" -- \
	read_only_out as_a "$UIDMAP" "$TARGET" 0 500000 11
expect_logged "fds 1 and 2 read-only" "action=refuse" "target=$TARGET " 'ranges="0:500000:11"'
# A shell's SIGPIPE disposition is the default: a broken stderr pipe must neither kill the helper
# before it logs nor make the refusal silent.
start_target "$A_UID" "$A_GID"
expect_outcome "stderr a pipe without reader" 1 "" "$TARGET" -- \
	launch stderr=brokenpipe -- "$UIDMAP" "$TARGET" 0 500000 12
expect_logged "stderr a pipe without reader" "action=refuse" "target=$TARGET " 'ranges="0:500000:12"'

# ---------------------------------------------------------------------------------------------
# 2. The target's lifetime: it exits before, during or right after our checks.

# Targets that exit right after unshare, raced by the helper: whatever the interleaving, exit 0
# (the map went to a namespace that was still alive) or a refusal naming why, never a signal. In
# a private pid namespace, so that a reused pid can only be ours (pid_max may be 32768). While
# setpriv switches to the user the target is briefly not dumpable and still in our namespace: its
# ns/user cannot be compared and its uid_map reads as the initial one, "already written".
# shellcheck disable=SC2317 # run through declare -f in the namespace
pidns_race() {
	local helper=$1 ua=$2 ga=$3 ub=$4 gb=$5 i x s rc err bad=""
	setpriv --reuid "$ub" --regid "$gb" --init-groups unshare -U sleep 60 </dev/null >/dev/null 2>&1 &
	s=$!
	wait_exec "$s" sleep
	for ((i = 0; i < 20; i++)); do
		setpriv --reuid "$ua" --regid "$ga" --init-groups unshare -U true </dev/null >/dev/null 2>&1 &
		x=$!
		rc=0
		err=$(setpriv --reuid "$ua" --regid "$ga" --init-groups "$helper" "$x" 0 100000 65536 2>&1 </dev/null) || rc=$?
		case "$rc:$err" in
		0:) ;;
		1:*"does not exist"* | 1:*"has exited"* | 1:*"is owned by a different user"* | \
			1:*"is not in a new user namespace"* | 1:*"open of uid_map failed"* | 1:*"is already written"*) ;;
		*) bad+=" [$rc: $err]" ;;
		esac
		wait "$x" 2>/dev/null
	done
	echo "race_bad=$bad"
	echo "race_sentinel=$(proc_state "$s")"
	kill -KILL "$s"
}
if unshare -p -f --mount-proc true 2>/dev/null; then
	ETC=$(etc_state)
	unshare -p -f --mount-proc -- "$BASH" -c "set -u; $(declare -f pidns_race wait_exec proc_state norm); pidns_race \"\$@\"" \
		_ "$UIDMAP" "$A_UID" "$A_GID" "$B_UID" "$B_GID" >"$T_DIR/race.txt" 2>&1 || true
	RACE_BAD=$(sed -n 's/^race_bad=//p' "$T_DIR/race.txt")
	check_true "20 targets exiting during the call: exit 0 or a refusal, never a signal" \
		"got ${RACE_BAD:-$(cat "$T_DIR/race.txt")}" grep -qx "race_bad=" "$T_DIR/race.txt"
	check_true "20 targets exiting during the call: another user's process unmapped" "$(cat "$T_DIR/race.txt")" \
		grep -qx "race_sentinel=| | allow" "$T_DIR/race.txt"
	check_etc "20 targets exiting during the call" "$ETC"
else
	skip_some "targets exiting during the call (no pid namespaces)"
fi

# A zombie target (exited, not reaped): refused, its namespace left unmapped.
# shellcheck disable=SC2016 # Perl code
setpriv --reuid "$A_UID" --regid "$A_GID" --init-groups perl -e \
	'if (($p = fork) == 0) { exec "unshare", "-U", "true" } open(F, ">", $ARGV[0]); print F "$p\n"; close F; sleep 60' \
	"$UDIR/zombie" </dev/null >/dev/null 2>&1 &
TARGETS+=("$!")
for ((i = 0; i < 500; i++)); do
	Z=$(cat "$UDIR/zombie" 2>/dev/null || true)
	[ -n "$Z" ] && grep -q '^State:.*zombie' "/proc/$Z/status" 2>/dev/null && break
	sleep 0.01
done
if [ -n "$Z" ] && grep -q '^State:.*zombie' "/proc/$Z/status" 2>/dev/null; then
	expect_outcome "zombie target, newuidmap" 1 "" "$Z" -- as_a "$UIDMAP" "$Z" 0 100000 65536
	expect_outcome "zombie target, newgidmap self-map" 1 "" "$Z" -- as_a "$GIDMAP" "$Z" 0 "$A_GID" 1
else
	fail "zombie target" "could not make a zombie target (pid '${Z:-}')"
fi

# Pid reuse, in a private pid namespace where ns_last_pid sets the next pid. Runs as pid 1 there
# and writes key=value results for the assertions below.
# shellcheck disable=SC2317 # run through declare -f in the namespace
pidns_run() {
	local helper=$1 kind=$2 ua=$3 ga=$4 ub=$5 gb=$6 file=$7 out=$8 t t2 h rc fd args
	# (a) Mid-call: the helper is stopped while it parses a big sub-id file (it has opened and
	# checked /proc/T already); T dies and user B's new process takes pid T; the helper resumes.
	setpriv --reuid "$ua" --regid "$ga" --init-groups unshare -U sleep 60 </dev/null >/dev/null 2>&1 &
	t=$!
	wait_exec "$t" sleep
	if [ "$kind" = uid ]; then args=(0 100000 65536); else args=(0 "$ga" 1); fi
	setpriv --reuid "$ua" --regid "$ga" --init-groups "$helper" "$t" "${args[@]}" \
		</dev/null >"$out/mid.out" 2>"$out/mid.err" &
	h=$!
	if stop_while_parsing "$h" "$file"; then echo "mid_stopped=yes"; else echo "mid_stopped=no"; fi
	kill -KILL "$t"
	wait "$t" 2>/dev/null
	echo $((t - 1)) >/proc/sys/kernel/ns_last_pid
	setpriv --reuid "$ub" --regid "$gb" --init-groups unshare -U sleep 60 </dev/null >/dev/null 2>&1 &
	t2=$!
	wait_exec "$t2" sleep
	kill -CONT "$h"
	rc=0
	wait "$h" || rc=$?
	echo "mid_reused=$([ "$t2" = "$t" ] && echo yes || echo "no ($t then $t2)")"
	echo "mid_rc=$rc"
	echo "mid_err=$(cat "$out/mid.err")"
	echo "mid_owner=$(stat -c %u "/proc/$t2")"
	echo "mid_state=$(proc_state "$t2")"
	kill -KILL "$t2"
	wait "$t2" 2>/dev/null
	# (b) Before the call: the caller holds /proc/T open as fd 3; T dies and B's process takes pid
	# T; then the helper is given fd:3, and then pid T.
	setpriv --reuid "$ua" --regid "$ga" --init-groups unshare -U sleep 60 </dev/null >/dev/null 2>&1 &
	t=$!
	wait_exec "$t" sleep
	exec {fd}<"/proc/$t"
	kill -KILL "$t"
	wait "$t" 2>/dev/null
	echo $((t - 1)) >/proc/sys/kernel/ns_last_pid
	setpriv --reuid "$ub" --regid "$gb" --init-groups unshare -U sleep 60 </dev/null >/dev/null 2>&1 &
	t2=$!
	wait_exec "$t2" sleep
	echo "pre_reused=$([ "$t2" = "$t" ] && echo yes || echo "no ($t then $t2)")"
	rc=0
	setpriv --reuid "$ua" --regid "$ga" --init-groups "$helper" "fd:3" "${args[@]}" 3<&"$fd" \
		</dev/null >/dev/null 2>"$out/fd.err" || rc=$?
	echo "fd_rc=$rc"
	echo "fd_err=$(cat "$out/fd.err")"
	rc=0
	setpriv --reuid "$ua" --regid "$ga" --init-groups "$helper" "$t" "${args[@]}" \
		</dev/null >/dev/null 2>"$out/pid.err" || rc=$?
	echo "pid_rc=$rc"
	echo "pid_err=$(cat "$out/pid.err")"
	echo "pre_state=$(proc_state "$t2")"
	kill -KILL "$t2"
}

# result KEY: a value from the last pidns_run.
result() { sed -n "s/^$1=//p" "$T_DIR/pidns.txt"; }

if [ ! -w /proc/sys/kernel/ns_last_pid ] || ! unshare -p -f --mount-proc true 2>/dev/null; then
	skip_some "pid reuse cases (no ns_last_pid or no pid namespaces)"
else
	use_file /etc/subuid "$BIG"
	use_file /etc/subgid "$BIG"
	for kind in uid gid; do
		helper=$UIDMAP
		[ "$kind" = uid ] || helper=$GIDMAP
		what="pid reuse, new${kind}map"
		ETC=$(etc_state)
		unshare -p -f --mount-proc -- "$BASH" -c \
			"set -u; $(declare -f pidns_run stop_while_parsing wait_exec proc_state norm); pidns_run \"\$@\"" \
			_ "$helper" "$kind" "$A_UID" "$A_GID" "$B_UID" "$B_GID" "/etc/sub${kind}" "$T_DIR" >"$T_DIR/pidns.txt" 2>&1 || true
		check_true "$what mid-call: the helper was stopped mid-parse" "$(cat "$T_DIR/pidns.txt")" \
			[ "$(result mid_stopped)" = yes ]
		check_true "$what mid-call: user B's process took the pid" "$(result mid_reused)" \
			[ "$(result mid_reused)" = yes ]
		check_true "$what mid-call: exit status 1" "got $(result mid_rc): $(result mid_err)" [ "$(result mid_rc)" = 1 ]
		check_true "$what mid-call: refused as exited ('has exited' or ESRCH)" "stderr: $(result mid_err)" \
			grep -q -e "has exited" -e "No such process" <<<"$(result mid_err)"
		check_true "$what mid-call: B's process still unmapped, setgroups allow" "$(result mid_state)" \
			[ "$(result mid_state)" = "| | allow" ]
		check_true "$what before the call: user B's process took the pid" "$(result pre_reused)" \
			[ "$(result pre_reused)" = yes ]
		check_true "$what, fd:N of the dead target: exit status 1" "got $(result fd_rc): $(result fd_err)" \
			[ "$(result fd_rc)" = 1 ]
		check_true "$what, pid of the dead target: refused as owned by a different user" \
			"got $(result pid_rc): $(result pid_err)" \
			grep -q "is owned by a different user" <<<"$(result pid_err)"
		check_true "$what before the call: B's process still unmapped, setgroups allow" "$(result pre_state)" \
			[ "$(result pre_state)" = "| | allow" ]
		check_etc "$what" "$ETC"
	done
	set_subuid "$SUBUID"
	set_subgid "$SUBGID"
fi

# ---------------------------------------------------------------------------------------------
# 3. Other targets: root's process; mounts over the target's files; concurrent writers.
unshare -U sleep 60 </dev/null >/dev/null 2>&1 &
TARGET=$!
TARGETS+=("$TARGET")
wait_exec "$TARGET" sleep
expect_outcome "root's process in a new user namespace" 1 "is owned by a different user: target uid 0" "$TARGET" -- \
	as_a "$UIDMAP" "$TARGET" 0 100000 65536

# A mount over /proc/T/uid_map (or setgroups) in the caller's mount namespace, reachable through
# the pid or through an fd:N, must not redirect the privileged write to user B's process.
start_target "$B_UID" "$B_GID"
VICTIM=$TARGET
start_target "$A_UID" "$A_GID"
mount --bind "/proc/$VICTIM/uid_map" "/proc/$TARGET/uid_map"
expect_outcome "uid_map bind-mounted over, by pid" 1 "Invalid cross-device link" "$TARGET" -- \
	as_a "$UIDMAP" "$TARGET" 0 100000 65536
expect_outcome "uid_map bind-mounted over, by fd:3" 1 "target fd:3 is not a /proc/PID directory" "$TARGET" -- \
	as_a "$UIDMAP" fd:3 0 100000 65536 3<"/proc/$TARGET"
umount "/proc/$TARGET/uid_map"
mount --bind "/proc/$VICTIM/setgroups" "/proc/$TARGET/setgroups"
expect_outcome "setgroups bind-mounted over, newgidmap self-map" 1 "Invalid cross-device link" "$TARGET" -- \
	as_a "$GIDMAP" "$TARGET" 0 "$A_GID" 1
umount "/proc/$TARGET/setgroups"
mount --bind "/proc/$VICTIM/gid_map" "/proc/$TARGET/gid_map"
expect_outcome "gid_map bind-mounted over" 1 "Invalid cross-device link" "$TARGET" -- \
	as_a "$GIDMAP" "$TARGET" 0 100000 65536
umount "/proc/$TARGET/gid_map"
check_unmapped "mounts over the target's files: user B's process" "$VICTIM"

# Eight helpers race for one target: exactly one map is written, the others are refused.
start_target "$A_UID" "$A_GID"
RACERS=()
for ((i = 0; i < 8; i++)); do
	setpriv --reuid "$A_UID" --regid "$A_GID" --init-groups "$UIDMAP" "$TARGET" 0 $((100000 + i * 1000)) 1000 \
		</dev/null >/dev/null 2>"$T_DIR/race.$i" &
	RACERS+=("$!")
done
WON=() LOST=0 ODD=
for ((i = 0; i < 8; i++)); do
	rc=0
	wait "${RACERS[$i]}" || rc=$?
	case $rc in
	0) WON+=("$i") ;;
	1) LOST=$((LOST + 1)) ;;
	*) ODD+=" helper $i exit $rc: $(cat "$T_DIR/race.$i")" ;;
	esac
done
check_true "8 concurrent helpers: exactly one succeeds, seven are refused" "won: ${WON[*]:-none}; lost $LOST;$ODD" \
	[ "${#WON[@]}" = 1 ] && [ "$LOST" = 7 ] && [ -z "$ODD" ]
if [ "${#WON[@]}" = 1 ]; then
	check_proc "8 concurrent helpers: the winner's map" "$TARGET" uid_map "0 $((100000 + WON[0] * 1000)) 1000"
fi

# ---------------------------------------------------------------------------------------------
# 4. argv: tens of thousands of arguments, huge and hostile ones, argc 0, a forged argv[0].
start_target "$A_UID" "$A_GID"
mapfile -t TRIPLES < <(seq_triples 30000 0 1 100000 1)
read -ra ARGS <<<"${TRIPLES[*]}"
# How long the refusal takes is a figure, not an assertion: tests/bench/bench-args.sh prints it.
expect_outcome "30000 triples" 1 "30000 uid ranges given; the kernel accepts at most 340" "$TARGET" -- \
	as_a "$UIDMAP" "$TARGET" "${ARGS[@]}"
HUGE=$(head -c 100000 /dev/zero | tr '\0' 7)
expect_outcome "a 100000-digit id" 1 "outer id of uid range 1 is above 4294967295" "$TARGET" -- \
	as_a "$UIDMAP" "$TARGET" 0 "$HUGE" 1
check_true "a 100000-digit id: the syslog line stays short" "$(awk '{ print length }' "$LOG" | sort -n | tail -1)" \
	[ "$(awk 'length > 2048' "$LOG" | wc -l)" = 0 ]
expect_outcome "a forged log line in a range" 1 "not a plain decimal number" "$TARGET" -- \
	as_a "$UIDMAP" "$TARGET" 0 $'1\n<13>evil' 1
expect_logged "a forged log line in a range" 'action=refuse' 'ranges="0:1\x0a<13>evil:1"'
check_true "a forged log line in a range: no forged line" "$(grep -a '^<13>evil' "$LOG" || true)" \
	[ "$(grep -ac '^<13>evil' "$LOG" || true)" = 0 ]
# argv[0] is not trusted: the binary, not its name, decides uid or gid, and the log says which.
expect_map "argv[0] 'newgidmap' on newuidmap" "$TARGET" uid_map "0 100000 65536" -- \
	launch argv0=newgidmap -- "$UIDMAP" "$TARGET" 0 100000 65536
check_proc "argv[0] 'newgidmap' on newuidmap: gid_map untouched" "$TARGET" gid_map ""
expect_logged "argv[0] 'newgidmap' on newuidmap" "newuidmap[" "action=map map=uid" "target=$TARGET "

# ---------------------------------------------------------------------------------------------
# 5. The environment (the dynamic loader's secure mode and clearenv()) and argc 0, with a C
# compiler to build a library that leaves a mark wherever it is loaded.
CC=${CC:-cc}
if command -v "$CC" >/dev/null 2>&1; then
	cat >"$T_DIR/evil.c" <<'EOF'
#include <fcntl.h>
#include <unistd.h>
__attribute__((constructor)) static void mark(void)
{
	int fd = open(MARK, O_WRONLY | O_CREAT | O_APPEND, 0666);

	if (fd >= 0) {
		(void)write(fd, "loaded\n", 7);
		(void)close(fd);
	}
}
unsigned int la_version(unsigned int v) { return v; }
EOF
	cat >"$T_DIR/argc0.c" <<'EOF'
#include <unistd.h>
/* pkexec's CVE-2021-4034: with argc 0, argv[1] is envp[0]. Exec the helper with no argv at all. */
int main(int argc, char **argv)
{
	char *const none[] = { (char *)0 };
	char *const env[] = { "1", "0", "0", "4294967295", (char *)0 };

	if (argc < 2)
		return 2;
	execve(argv[1], none, env);
	return 127;
}
EOF
	MARK="$UDIR/evil-loaded"
	"$CC" -shared -fPIC -O2 -DMARK="\"$MARK\"" -o "$T_DIR/evil.so" "$T_DIR/evil.c"
	"$CC" -O2 -o "$T_DIR/argc0" "$T_DIR/argc0.c"
	mkdir "$T_DIR/evil-lib"
	for l in libcap.so.2 libaudit.so.1 libc.so.6; do
		cp "$T_DIR/evil.so" "$T_DIR/evil-lib/$l"
	done
	chmod -R a+rX "$T_DIR/evil.so" "$T_DIR/evil-lib" "$T_DIR/argc0"
	# Control: the library does leave its mark in an ordinary program.
	as_a env LD_PRELOAD="$T_DIR/evil.so" true
	check_true "control: LD_PRELOAD marks an ordinary program" "no $MARK" [ -e "$MARK" ]
	rm -f "$MARK"
	start_target "$A_UID" "$A_GID"
	expect_map "LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT set" "$TARGET" uid_map "0 100000 65536" -- \
		as_a env LD_PRELOAD="$T_DIR/evil.so" LD_LIBRARY_PATH="$T_DIR/evil-lib" LD_AUDIT="$T_DIR/evil.so" \
		GCONV_PATH="$T_DIR/evil-lib" LOCPATH="$T_DIR/evil-lib" TZ="$T_DIR/evil.so" MALLOC_PERTURB_=85 \
		"$UIDMAP" "$TARGET" 0 100000 65536
	check_true "LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT set: nothing of the caller's was loaded" \
		"$(cat "$MARK" 2>/dev/null)" [ ! -e "$MARK" ]
	start_target "$A_UID" "$A_GID"
	expect_outcome "argc 0 (CVE-2021-4034)" 1 "no target process given" "$TARGET" -- \
		as_a "$T_DIR/argc0" "$UIDMAP"
else
	skip_some "environment and argc 0 cases (no C compiler $CC)"
fi

# ---------------------------------------------------------------------------------------------
# 6. Resource limits.
if [ -n "$SANITIZED" ]; then
	skip_some "RLIMIT_NOFILE and RLIMIT_AS cases (sanitizer build)"
else
	# RLIMIT_NOFILE from 0 to 8 with each set of closed standard descriptors. glibc's start-up in
	# secure mode (AT_SECURE, as for any capability gain) reopens closed fds 0-2 on /dev/null and
	# deliberately traps (SIGSEGV) when it cannot: that happens before main, non-dumpable, nothing
	# read or written, and only when a closed fd k has k >= the limit. Every other outcome must be
	# the loader's exit 127 (no descriptor for a library), a clean refusal or the correct map.
	start_target "$A_UID" "$A_GID"
	NOFILE_BAD="" NOFILE_REFUSED="" NOFILE_OK=""
	for closed in none 0 1 2 0,1,2; do
		for n in 0 1 2 3 4 5 6 7 8; do
			opts=("nofile=$n")
			[ "$closed" = none ] || opts+=("close=$closed")
			before=$(proc_state "$TARGET")
			run launch "${opts[@]}" -- "$UIDMAP" "$TARGET" 0 100000 65536
			trap_expected=
			for k in ${closed//,/ }; do
				[ "$k" = none ] || [ "$k" -lt "$n" ] || trap_expected=1
			done
			after=$(proc_state "$TARGET")
			case $RC in
			0) if [ "$after" = "0 100000 65536 | | allow" ]; then NOFILE_OK+=" $closed/$n"; else
				NOFILE_BAD+=" [$closed/$n: exit 0 but $after]"; fi
				start_target "$A_UID" "$A_GID"
				continue ;;
			1) [[ $closed == *2* ]] || [[ $ERR == *"Too many open files"* ]] ||
				NOFILE_BAD+=" [$closed/$n: $ERR]"
				NOFILE_REFUSED+=" $closed/$n" ;;
			127) [ "$n" -le 3 ] || NOFILE_BAD+=" [$closed/$n: loader failed: $ERR]" ;;
			139) [ -n "$trap_expected" ] || NOFILE_BAD+=" [$closed/$n: SIGSEGV]" ;;
			*) NOFILE_BAD+=" [$closed/$n: exit $RC: $ERR]" ;;
			esac
			[ "$after" = "$before" ] || NOFILE_BAD+=" [$closed/$n: exit $RC changed the maps to $after]"
		done
	done
	check_true "RLIMIT_NOFILE 0-8 with fds 0-2 closed or not: only the allowed outcomes" "${NOFILE_BAD:-}" \
		[ -z "$NOFILE_BAD" ]
	check_true "RLIMIT_NOFILE: some limits give a clean refusal" "none did" [ -n "$NOFILE_REFUSED" ]
	check_true "RLIMIT_NOFILE 8: the map is written" "maps written at:${NOFILE_OK:- none}" \
		grep -q " none/8" <<<"$NOFILE_OK"

	# newgidmap, self-map only: with any limit, either setgroups is deny and the map is written,
	# or nothing is (CVE-2018-7169 must not be reachable by starving descriptors).
	GNOFILE_BAD="" GNOFILE_OK=""
	for n in 3 4 5 6 7 8; do
		start_target "$A_UID" "$A_GID"
		run launch nofile=$n -- "$GIDMAP" "$TARGET" 0 "$A_GID" 1
		st=$(proc_state "$TARGET")
		case "$RC:$st" in
		"0:| 0 $A_GID 1 | deny") GNOFILE_OK+=" $n" ;;
		"1:| | allow" | "127:| | allow") ;;
		*) GNOFILE_BAD+=" [nofile $n: exit $RC, state $st: $ERR]" ;;
		esac
	done
	check_true "RLIMIT_NOFILE 3-8, newgidmap self-map: written with setgroups deny, or nothing" \
		"${GNOFILE_BAD:-}" [ -z "$GNOFILE_BAD" ]
	check_true "RLIMIT_NOFILE 8, newgidmap self-map: written" "written at:${GNOFILE_OK:- none}" \
		grep -q " 8" <<<"$GNOFILE_OK"

	# RLIMIT_AS, from 1 MiB up in 64 KiB steps until the map is written: below the loader's needs
	# the kernel's exec or the loader fails (before main); from the first run that reaches main on,
	# every run is a clean refusal (our allocations failing) or the correct map, never a signal.
	as_scan() {
		local what=$1 helper=$2 file=$3 want=$4 as reached=
		shift 4
		AS_BAD="" AS_REFUSED="" AS_FIRST_OK="" AS_MSGS=""
		start_target "$A_UID" "$A_GID"
		for ((as = 1048576; as <= 67108864; as += 65536)); do
			run launch as=$as -- "$helper" "$TARGET" "$@"
			case $RC in
			0) if [ "$(norm <"/proc/$TARGET/$file")" = "$want" ]; then AS_FIRST_OK=$as; else
				AS_BAD+=" [$as: exit 0 but $(norm <"/proc/$TARGET/$file")]"; fi
				break ;;
			1) reached=1
				[ -z "$(norm <"/proc/$TARGET/$file")" ] || AS_BAD+=" [$as: refused but mapped]"
				[ -n "$ERR" ] || AS_BAD+=" [$as: refused without a message]"
				[[ $AS_MSGS == *"$ERR"* ]] || AS_MSGS+=" [$ERR]"
				AS_REFUSED+=" $as" ;;
			*) [ -z "$reached" ] || AS_BAD+=" [$as: exit $RC after main was reached: $ERR]" ;;
			esac
		done
		check_true "$what: RLIMIT_AS scan, never a signal once main runs" "${AS_BAD:-}" [ -z "$AS_BAD" ]
		check_true "$what: RLIMIT_AS scan, out-of-memory refusals seen" "none" [ -n "$AS_REFUSED" ]
		echo "# $what: RLIMIT_AS refusals at${AS_REFUSED:- none}:${AS_MSGS:- none}; mapped at ${AS_FIRST_OK:-never}"
		check_true "$what: RLIMIT_AS scan, the map is written below 64 MiB" "never" [ -n "$AS_FIRST_OK" ]
	}
	as_scan "newuidmap" "$UIDMAP" uid_map "0 100000 65536" 0 100000 65536
	as_scan "newgidmap self-map" "$GIDMAP" gid_map "0 $A_GID 1" 0 "$A_GID" 1
	[ -z "$AS_FIRST_OK" ] || check_proc "newgidmap self-map under RLIMIT_AS: setgroups deny" "$TARGET" setgroups deny
	AS_LIMIT=$((${AS_FIRST_OK:-4194304} + 4194304))

	# A 2,000,000-line file of the caller's own ranges under that limit: the map or a clean
	# out-of-memory refusal.
	use_file /etc/subuid "$BIG"
	start_target "$A_UID" "$A_GID"
	run launch as=$AS_LIMIT -- "$UIDMAP" "$TARGET" 0 100000 65536
	case "$RC:$(proc_state "$TARGET")" in
	"0:0 100000 65536 | | allow" | "1:| | allow") pass "2,000,000 own lines under RLIMIT_AS $AS_LIMIT: mapped or refused cleanly (exit $RC)" ;;
	*) fail "2,000,000 own lines under RLIMIT_AS $AS_LIMIT: mapped or refused cleanly" "exit $RC: $ERR" ;;
	esac
	set_subuid "$SUBUID"

	# RLIMIT_STACK: a tiny soft limit is raised back (the hard one allows it) and the map is
	# written; a hard limit below what the helper needs (256 KiB) is refused in one line, never a
	# crash. (Below ~16 KiB the dynamic loader itself faults before main, as for /bin/true.)
	start_target "$A_UID" "$A_GID"
	expect_outcome "RLIMIT_STACK soft 32 KiB" 0 "" "$TARGET" -- \
		as_a prlimit --stack=32768:unlimited "$UIDMAP" "$TARGET" 0 100000 65536
	check_proc "RLIMIT_STACK soft 32 KiB" "$TARGET" uid_map "0 100000 65536"
	start_target "$A_UID" "$A_GID"
	expect_outcome "RLIMIT_STACK hard 64 KiB" 1 "stack limit (RLIMIT_STACK) is below 256 KiB" "$TARGET" -- \
		as_a prlimit --stack=65536:65536 "$UIDMAP" "$TARGET" 0 100000 65536
fi

# ---------------------------------------------------------------------------------------------
# 7. Signals and ptrace while the helper runs with its capability permitted.
HELPER_OUT="$T_DIR/helper.out"
# start_helper HELPER ARGS...: as user A, in the background; H is its pid (setpriv execs).
start_helper() {
	setpriv --reuid "$A_UID" --regid "$A_GID" --init-groups "$@" </dev/null >"$HELPER_OUT" 2>&1 &
	H=$!
}

# Control: user A's ordinary process is traceable by A and its /proc/PID files are A's.
start_plain "$A_UID" "$A_GID"
CONTROL_PROBE=$(as_a "$PY" "$T_DIR/probe.py" "$TARGET" 2>&1 || true)
check_true "control: the caller can ptrace and read its own ordinary process" "$CONTROL_PROBE" \
	grep -qx "ptrace_attach=ok" <<<"$CONTROL_PROBE"
check_true "control: an ordinary process's /proc/PID/environ belongs to its user" "owner $(stat -c %u "/proc/$TARGET/environ")" \
	[ "$(stat -c %u "/proc/$TARGET/environ")" = "$A_UID" ]

# Stopped mid-parse: no capability effective, only the helper's own one permitted, not dumpable,
# not traceable or readable by the caller; resumed by the caller, it writes the right map.
for kind in uid gid; do
	if [ "$kind" = uid ]; then helper=$UIDMAP cap=0000000000000080 file=/etc/subuid; else
		helper=$GIDMAP cap=0000000000000040 file=/etc/subgid; fi
	what="new${kind}map stopped while parsing"
	use_file "$file" "$BIG"
	start_target "$A_UID" "$A_GID"
	start_helper "$helper" "$TARGET" 0 100000 65536
	if ! stop_while_parsing "$H" "$file"; then
		fail "$what" "could not stop the helper in the middle of parsing $file"
		kill -CONT "$H" 2>/dev/null || true
		wait "$H" || true
		continue
	fi
	pass "$what: stopped with $file open, read offset inside it"
	STATUS=$(cat "/proc/$H/status")
	for want in "CapEff:"$'\t'"0000000000000000" "CapPrm:"$'\t'"$cap" "CapInh:"$'\t'"0000000000000000" \
		"CapAmb:"$'\t'"0000000000000000" "NoNewPrivs:"$'\t'"1"; do
		check_true "$what: /proc/PID/status '${want/$'\t'/ }'" "$(grep "^${want%%:*}:" <<<"$STATUS")" \
			grep -qxF "$want" <<<"$STATUS"
	done
	# A non-dumpable process's /proc/PID files belong to root (the directory keeps its owner).
	check_true "$what: not dumpable (/proc/PID/environ owned by root)" "owner $(stat -c %u "/proc/$H/environ")" \
		[ "$(stat -c %u "/proc/$H/environ")" = 0 ]
	PROBE=$(as_a "$PY" "$T_DIR/probe.py" "$H" 2>&1 || true)
	for want in ptrace_attach=EPERM ptrace_seize=EPERM process_vm_readv=EPERM read_mem=EACCES \
		read_environ=EACCES read_maps=EACCES; do
		check_true "$what: the caller's ${want%%=*} fails with ${want#*=}" "$PROBE" grep -qx "$want" <<<"$PROBE"
	done
	if command -v strace >/dev/null 2>&1; then
		run as_a strace -p "$H"
		check_true "$what: the caller's strace -p fails with EPERM" "exit $RC: $ERR" \
			grep -q "Operation not permitted" <<<"$ERR"
	fi
	# The caller's own SIGCONT resumes it.
	as_a kill -CONT "$H"
	rc=0
	wait "$H" || rc=$?
	check_true "$what: resumed by the caller, exit status 0" "exit $rc: $(cat "$HELPER_OUT")" [ "$rc" = 0 ]
	check_proc "$what, resumed" "$TARGET" "${kind}_map" "0 100000 65536"
done

# A storm of SIGSTOP/SIGCONT from the caller during the whole run changes nothing.
start_target "$A_UID" "$A_GID"
start_helper "$UIDMAP" "$TARGET" 0 100000 65536
wait_exec "$H" newuidmap
# A pidfd, so that no signal can reach another process that reuses the pid.
STORM=$(as_a "$PY" -c 'import os, signal, sys, time
try:
    fd = os.pidfd_open(int(sys.argv[1]))
except OSError:
    print(0); sys.exit()
n = 0
try:
    for n in range(1, 301):
        signal.pidfd_send_signal(fd, signal.SIGSTOP); time.sleep(0.0005)
        signal.pidfd_send_signal(fd, signal.SIGCONT); time.sleep(0.0005)
except ProcessLookupError:
    n -= 1
print(n)' "$H" 2>&1 || true)
rc=0
wait "$H" || rc=$?
check_true "SIGSTOP/SIGCONT storm: at least 10 stops reached the running helper" "$STORM" [ "${STORM:-0}" -ge 10 ]
check_true "SIGSTOP/SIGCONT storm: exit status 0" "exit $rc: $(cat "$HELPER_OUT")" [ "$rc" = 0 ]
check_proc "SIGSTOP/SIGCONT storm" "$TARGET" uid_map "0 100000 65536"

# Killed by the caller mid-parse (SIGKILL, SIGSEGV, SIGABRT): nothing written, and no core file,
# although RLIMIT_CORE is unlimited and the working directory is the caller's.
CORE_PATTERN=$(cat /proc/sys/kernel/core_pattern)
rm -f "$UDIR"/core*
setpriv --reuid "$A_UID" --regid "$A_GID" --init-groups sleep 60 </dev/null >/dev/null 2>&1 &
CTRL=$!
wait_exec "$CTRL" sleep
kill -SEGV "$CTRL"
wait "$CTRL" 2>/dev/null || true
CORES_VISIBLE=
if compgen -G "$UDIR/core*" >/dev/null; then
	CORES_VISIBLE=1
	rm -f "$UDIR"/core*
fi
# (A sanitizer build catches SIGSEGV itself and reports it: not there.)
SIGNALS=(KILL SEGV ABRT)
[ -z "$SANITIZED" ] || SIGNALS=(KILL ABRT)
for sig in "${SIGNALS[@]}"; do
	what="killed with SIG$sig mid-parse"
	start_target "$A_UID" "$A_GID"
	start_helper "$UIDMAP" "$TARGET" 0 100000 65536
	if ! stop_while_parsing "$H" /etc/subuid; then
		fail "$what" "could not stop the helper in the middle of parsing"
		kill -CONT "$H" 2>/dev/null || true
		wait "$H" || true
		continue
	fi
	ETC=$(etc_state)
	as_a kill -"$sig" "$H"
	as_a kill -CONT "$H" 2>/dev/null || true
	rc=0
	wait "$H" || rc=$?
	check_true "$what: died of the caller's signal" "exit $rc" [ "$rc" -gt 128 ]
	check_unmapped "$what" "$TARGET"
	check_etc "$what" "$ETC"
	if [ -n "$CORES_VISIBLE" ]; then
		check_true "$what: no core file" "$(ls "$UDIR")" no_core
	fi
done
[ -n "$CORES_VISIBLE" ] || skip_some "core file checks (core_pattern '$CORE_PATTERN' leaves no file in the cwd)"
set_subuid "$SUBUID"
set_subgid "$SUBGID"

# ---------------------------------------------------------------------------------------------
# 8. /etc/subuid of the wrong kind (refusals.sh has the symlink, the directory, the FIFO alone,
# the caller's file, group- and world-writable ones).

# subuid_case WHAT RC SUBSTRING: newuidmap as A on a fresh target, with a 10 s timeout.
subuid_case() {
	start_target "$A_UID" "$A_GID"
	expect_outcome "$1" "$2" "$3" "$TARGET" -- timeout 10 setpriv --reuid "$A_UID" --regid "$A_GID" --init-groups -- \
		"$UIDMAP" "$TARGET" 0 100000 65536
	[ "$2" != 0 ] || check_proc "$1" "$TARGET" uid_map "0 100000 65536"
}

# A FIFO that a root process is writing to, a character device, a file only root can read.
rm -f /etc/subuid
mkfifo -m 644 /etc/subuid
(printf '%s\n' "$A_NAME:100000:65536" >/etc/subuid) 2>/dev/null &
WRITER=$!
BG_PIDS+=("$WRITER")
subuid_case "/etc/subuid a FIFO being written" 1 "/etc/subuid is not a regular file"
kill "$WRITER" 2>/dev/null || true
rm -f /etc/subuid
mknod -m 644 /etc/subuid c 1 5
subuid_case "/etc/subuid the character device /dev/zero" 1 "/etc/subuid is not a regular file"
set_subuid "$SUBUID"
chmod 600 /etc/subuid
subuid_case "/etc/subuid readable by root only" 1 "cannot open /etc/subuid: Permission denied"
set_subuid "$SUBUID"

# About 200 MB of junk: random bytes, another user's lines, a 1 MiB line that ends like one of
# A's entries, malformed entries of A, then A's one entry. The helper streams the file in a
# bounded buffer, so it must work under an address-space limit far below the file's size.
rm -f /etc/subuid
(
	set +o pipefail
	head -c 20000000 /dev/urandom
	printf '\n'
	yes "$B_NAME:200000:65536" | head -c 150000000
	printf '\n'
	head -c 1048576 /dev/zero | tr '\0' x
	printf '%s:300000:1000\n' "$A_NAME"
	yes "$A_NAME:1x:1" | head -c 30000000
	printf '\n%s:100000:65536\n' "$A_NAME"
) >/etc/subuid
chmod 644 /etc/subuid
HUGE_LIMIT=()
if [ -z "$SANITIZED" ]; then
	HUGE_LIMIT=(as="${AS_LIMIT:-16777216}")
fi
what="/etc/subuid of 200 MB of junk"
echo "# $what: $(stat -c %s /etc/subuid) bytes, ${HUGE_LIMIT[*]:-no RLIMIT_AS (sanitizer build)}"
start_target "$A_UID" "$A_GID"
expect_map "$what, range in the last line" "$TARGET" uid_map "0 100000 65536" -- \
	launch "${HUGE_LIMIT[@]}" -- "$UIDMAP" "$TARGET" 0 100000 65536
start_target "$A_UID" "$A_GID"
expect_outcome "$what, range only inside a long line" 1 "host uids 300000-300999 are not all in $A_NAME's ranges" \
	"$TARGET" -- launch "${HUGE_LIMIT[@]}" -- "$UIDMAP" "$TARGET" 0 300000 1000
# The explanation (what A has, the malformed lines) is streamed too: it is still there under the
# address-space limit, 200 MB of file or not (the whole-file parse it replaced was dropped here).
check_err "$what, range only inside a long line, explained" "; $A_NAME has 100000-165535 (/etc/subuid line "
check_err "$what, range only inside a long line, explained" "malformed lines, the first at line 1"
set_subuid "$SUBUID"

check_true "no core file left in the caller's directory" "$(ls "$UDIR")" no_core
finish
