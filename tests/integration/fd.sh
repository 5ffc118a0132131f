#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The fd:N target form: a procfs /proc/PID directory, or a pidfd (pidfd_open(2)), passed as
# descriptor N; anything else is refused. A pidfd is proven to still be the process whose
# /proc/PID was opened, including when the target exits and its pid is reused in between (a
# deterministic race: a private pid namespace, ns_last_pid, and an LD_PRELOAD shim that holds an
# uncapped copy of the helper just before it opens /proc/PID).
# shellcheck source=tests/lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"

set_subuid "$A_NAME:100000:65536
"
set_subgid "$A_NAME:100000:65536
"

# as_a CMD...: CMD as user A (descriptors opened by the caller's redirections are inherited).
# shellcheck disable=SC2317 # called through run/expect_*
as_a() { run_as "$A_UID" "$A_GID" "$@"; }

start_target "$A_UID" "$A_GID"
expect_map "fd:3 of /proc/PID" "$TARGET" uid_map "0 100000 65536" -- \
	as_a "$UIDMAP" fd:3 0 100000 65536 3<"/proc/$TARGET"
expect_map "newgidmap fd:5 of /proc/PID" "$TARGET" gid_map "0 100000 65536" -- \
	as_a "$GIDMAP" fd:5 0 100000 65536 5<"/proc/$TARGET"
check_proc "newgidmap fd:5: setgroups allow" "$TARGET" setgroups allow

start_target "$A_UID" "$A_GID"
expect_map "fd:4 of /proc/PID/task/TID" "$TARGET" uid_map "0 $A_UID 1" -- \
	as_a "$UIDMAP" fd:4 0 "$A_UID" 1 4<"/proc/$TARGET/task/$TARGET"

# A directory elsewhere holding a uid_map file must not receive the write.
FAKE="$T_DIR/fake-proc"
mkdir "$FAKE"
printf 'untouched\n' >"$FAKE/uid_map"
chmod 666 "$FAKE/uid_map"
start_target "$A_UID" "$A_GID"
expect_refused "fd:3 of a non-procfs directory with a uid_map" "target fd:3 is not a /proc/PID directory on procfs" \
	"$TARGET" -- as_a "$UIDMAP" fd:3 0 100000 65536 3<"$FAKE"
if [ "$(cat "$FAKE/uid_map")" = untouched ]; then
	pass "fd:3 of a non-procfs directory: the fake uid_map is untouched"
else
	fail "fd:3 of a non-procfs directory: the fake uid_map is untouched" "it holds '$(cat "$FAKE/uid_map")'"
fi

printf 'plain file\n' >"$T_DIR/regular"
expect_refused "fd:3 of a regular file" "target fd:3 is neither a /proc/PID directory nor a pidfd" \
	"$TARGET" -- as_a "$UIDMAP" fd:3 0 100000 65536 3<"$T_DIR/regular"
expect_refused "fd:3 of /proc/PID/uid_map itself" "target fd:3 is neither a /proc/PID directory nor a pidfd" \
	"$TARGET" -- as_a "$UIDMAP" fd:3 0 100000 65536 3<"/proc/$TARGET/uid_map"
expect_refused "fd:9 not open" "target fd:9 is not an open descriptor" \
	"$TARGET" -- as_a "$UIDMAP" fd:9 0 100000 65536 9<&-
expect_refused "fd:3 of /proc itself" "target fd:3 is not a /proc/PID directory (it has no uid_map of its own)" \
	"$TARGET" -- as_a "$UIDMAP" fd:3 0 100000 65536 3</proc
expect_refused "fd:3 of /proc/PID/ns" "target fd:3 is not a /proc/PID directory" \
	"$TARGET" -- as_a "$UIDMAP" fd:3 0 100000 65536 3<"/proc/$TARGET/ns"
for bad in fd: fd:abc fd:-1 "fd: 3" fd:03; do
	expect_refused "target '$bad'" "the target must be a process id or fd:N" \
		"$TARGET" -- as_a "$UIDMAP" "$bad" 0 100000 65536 3<"/proc/$TARGET"
done

# The descriptor is checked like a pid: owner and user namespace.
start_target "$B_UID" "$B_GID"
expect_refused "fd:3 of another user's process" "target process fd:3 is owned by a different user" \
	"$TARGET" -- as_a "$UIDMAP" fd:3 0 100000 65536 3<"/proc/$TARGET"
start_plain "$A_UID" "$A_GID"
expect_refused "fd:3 of a process not in a new user namespace" "is not in a new user namespace" \
	"$TARGET" -- as_a "$UIDMAP" fd:3 0 100000 65536 3<"/proc/$TARGET"

# ---------------------------------------------------------------------------------------------
# Pidfds. pidfd-exec.py PID N CMD...: CMD with a pidfd of PID (pidfd_open) as descriptor N;
# with PID "reaped", of a child it has already reaped; with "zombie", of an unreaped child.
# The system's python3: the users run it (root's PATH may hold a per-user install they cannot read).
PY=/usr/bin/python3
[ -x "$PY" ] || skip "/usr/bin/python3 is needed to hand a pidfd to the helper"
PIDFD_EXEC="$T_DIR/pidfd-exec.py"
cat >"$PIDFD_EXEC" <<'PY'
import os, sys
what, n = sys.argv[1], int(sys.argv[2])
if what in ("reaped", "zombie"):
    pid = os.fork()
    if pid == 0:  # in a user namespace of its own, as a target would be, then exit
        import ctypes
        ctypes.CDLL(None, use_errno=True).unshare(0x10000000)  # CLONE_NEWUSER
        os._exit(0)
    fd = os.pidfd_open(pid)
    if what == "reaped":
        os.waitpid(pid, 0)
    else:
        os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)  # exited, left a zombie
else:
    fd = os.pidfd_open(int(what))
if fd != n:
    os.dup2(fd, n)  # the copy is inheritable
    os.close(fd)
else:
    os.set_inheritable(n, True)
os.execv(sys.argv[3], sys.argv[3:])
PY
chmod 644 "$PIDFD_EXEC"

start_target "$A_UID" "$A_GID"
expect_map "pidfd as fd:3" "$TARGET" uid_map "0 100000 65536" -- \
	as_a "$PY" "$PIDFD_EXEC" "$TARGET" 3 "$UIDMAP" fd:3 0 100000 65536
expect_map "newgidmap, pidfd as fd:7" "$TARGET" gid_map "0 100000 65536" -- \
	as_a "$PY" "$PIDFD_EXEC" "$TARGET" 7 "$GIDMAP" fd:7 0 100000 65536
check_proc "newgidmap, pidfd: setgroups allow" "$TARGET" setgroups allow
start_target "$A_UID" "$A_GID"
expect_map "newgidmap, pidfd, self-map only" "$TARGET" gid_map "0 $A_GID 1" -- \
	as_a "$PY" "$PIDFD_EXEC" "$TARGET" 3 "$GIDMAP" fd:3 0 "$A_GID" 1
check_proc "newgidmap, pidfd, self-map only: setgroups deny" "$TARGET" setgroups deny

start_target "$B_UID" "$B_GID"
expect_refused "pidfd of another user's process" "is owned by a different user" \
	"$TARGET" -- as_a "$PY" "$PIDFD_EXEC" "$TARGET" 3 "$UIDMAP" fd:3 0 100000 65536
start_plain "$A_UID" "$A_GID"
expect_refused "pidfd of a process not in a new user namespace" "is not in a new user namespace" \
	"$TARGET" -- as_a "$PY" "$PIDFD_EXEC" "$TARGET" 3 "$UIDMAP" fd:3 0 100000 65536
start_target "$A_UID" "$A_GID"
expect_refused "pidfd of a reaped process" "has exited (its pidfd says so)" \
	"$TARGET" -- as_a "$PY" "$PIDFD_EXEC" reaped 3 "$UIDMAP" fd:3 0 100000 65536
expect_refused "pidfd of a zombie" "has exited" \
	"$TARGET" -- as_a "$PY" "$PIDFD_EXEC" zombie 3 "$UIDMAP" fd:3 0 100000 65536
# An eventfd (not a pidfd, not a directory).
expect_refused "fd:3 of an eventfd" "target fd:3 is neither a /proc/PID directory nor a pidfd" \
	"$TARGET" -- as_a "$PY" -c 'import os, sys; fd = os.eventfd(0); os.dup2(fd, 3); os.set_inheritable(3, True); os.execv(sys.argv[1], sys.argv[1:])' \
	"$UIDMAP" fd:3 0 100000 65536

# A pidfd of a process that the helper's /proc (another pid namespace's) does not show: "Pid: 0".
start_target "$A_UID" "$A_GID"
expect_refused "pidfd of a process outside /proc's pid namespace" "in a pid namespace that /proc does not show" \
	"$TARGET" -- "$PY" "$PIDFD_EXEC" "$TARGET" 3 /usr/bin/unshare -p -f --mount-proc \
	setpriv --reuid "$A_UID" --regid "$A_GID" --init-groups "$UIDMAP" fd:3 0 100000 65536

# The race: the pidfd's process T exits after the helper read its pid and before it opened
# /proc/T, and another process of the same user (in its own user namespace, mappable by the user)
# takes pid T. Run with an uncapped copy under the stall shim (see stall_open.c), as pid 1 of a
# private pid namespace where ns_last_pid hands out T again.
# shellcheck disable=SC2317 # run through declare -f in the namespace
race_run() {
	local helper=$1 pyexec=$2 shim=$3 dir=$4 ua=$5 ga=$6 t t2 h rc
	setpriv --reuid "$ua" --regid "$ga" --init-groups unshare -U sleep 60 </dev/null >/dev/null 2>&1 &
	t=$!
	wait_exec "$t" sleep
	# Both FIFOs opened read-write, which never blocks: if the helper dies before it reaches the
	# shim (or the shim never loads), the test reports it instead of hanging on an open.
	exec 8<>"$dir/stalled" 9<>"$dir/go"
	setpriv --reuid "$ua" --regid "$ga" --init-groups env LD_PRELOAD="$shim" STALL_DIR="$dir" \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		/usr/bin/python3 "$pyexec" "$t" 3 "$helper" fd:3 0 "$ua" 1 </dev/null >/dev/null 2>"$dir/race.err" &
	h=$!
	# The helper has T's pid and is about to open /proc/T.
	if ! read -r -t 60 -u 8 _; then
		echo "reused=never stalled: the helper did not reach the shim within 60 s"
		echo "err=$(cat "$dir/race.err")"
		kill -KILL "$h" "$t" 2>/dev/null
		return 0
	fi
	kill -KILL "$t"
	wait "$t" 2>/dev/null
	echo $((t - 1)) >/proc/sys/kernel/ns_last_pid
	setpriv --reuid "$ua" --regid "$ga" --init-groups unshare -U sleep 60 </dev/null >/dev/null 2>&1 &
	t2=$!
	wait_exec "$t2" sleep
	echo go >&9
	rc=0
	wait "$h" || rc=$?
	echo "reused=$([ "$t2" = "$t" ] && echo yes || echo "no ($t then $t2)")"
	echo "rc=$rc"
	echo "err=$(cat "$dir/race.err")"
	echo "state=$(proc_state "$t2")"
	# Control: the same uncapped helper does map T2 when asked by pid, so only the pidfd's proof
	# kept it from T2 above.
	rc=0
	setpriv --reuid "$ua" --regid "$ga" --init-groups "$helper" "$t2" 0 "$ua" 1 </dev/null >/dev/null \
		2>"$dir/ctl.err" || rc=$?
	echo "ctl_rc=$rc"
	echo "ctl_state=$(proc_state "$t2")"
	kill -KILL "$t2"
}
race_result() { sed -n "s/^$1=//p" "$T_DIR/race.txt"; }

CC=${CC:-cc}
if [ ! -w /proc/sys/kernel/ns_last_pid ] || ! unshare -p -f --mount-proc true 2>/dev/null; then
	skip "the pid-reuse race needs ns_last_pid and pid namespaces"
fi
command -v "$CC" >/dev/null 2>&1 || skip "no C compiler ($CC) to build the stall shim"
SRCDIR=${abs_top_srcdir:-$(dirname "$0")/../..}
"$CC" -shared -fPIC -O2 -Wall -Werror -o "$T_DIR/stall_open.so" "$SRCDIR/tests/integration/stall_open.c" -ldl
NOCAP="$T_DIR/newuidmap-nocap"
cp "$UIDMAP" "$NOCAP"
setcap -r "$NOCAP" 2>/dev/null || true
chmod 755 "$NOCAP" "$T_DIR/stall_open.so"
STALL="$T_DIR/stall"
mkdir -m 755 "$STALL"
mkfifo -m 666 "$STALL/stalled" "$STALL/go"
# A sanitizer build's helper needs the ASan runtime first in the preload list, before the shim.
SHIM_PRELOAD="$T_DIR/stall_open.so"
if readelf -d "$NOCAP" 2>/dev/null | grep -q 'libasan'; then
	SHIM_PRELOAD="$(${CC} -print-file-name=libasan.so) $SHIM_PRELOAD"
fi
timeout -s KILL 180 unshare -p -f --mount-proc -- "$BASH" -c \
	"set -u; $(declare -f race_run wait_exec proc_state norm); race_run \"\$@\"" \
	_ "$NOCAP" "$PIDFD_EXEC" "$SHIM_PRELOAD" "$STALL" "$A_UID" "$A_GID" >"$T_DIR/race.txt" 2>&1 || true
if [ "$(race_result reused)" = yes ]; then
	pass "pidfd race: another process of the user took the target's pid while the helper was held"
else
	fail "pidfd race: another process of the user took the target's pid while the helper was held" \
		"$(race_result reused); $(cat "$T_DIR/race.txt")"
fi
if [ "$(race_result rc)" = 1 ] && grep -q "has exited (pid [0-9]* may already belong to another process)" <<<"$(race_result err)"; then
	pass "pidfd race: refused, the pidfd proves its process gone"
else
	fail "pidfd race: refused, the pidfd proves its process gone" "rc $(race_result rc): $(race_result err)"
fi
if [ "$(race_result state)" = "| | allow" ]; then
	pass "pidfd race: the process that took the pid is left unmapped"
else
	fail "pidfd race: the process that took the pid is left unmapped" "$(race_result state)"
fi
if [ "$(race_result ctl_rc)" = 0 ] && [ "$(race_result ctl_state)" = "0 $A_UID 1 | | allow" ]; then
	pass "pidfd race, control: the uncapped helper does map that process by pid"
else
	fail "pidfd race, control: the uncapped helper does map that process by pid" \
		"rc $(race_result ctl_rc), state $(race_result ctl_state)"
fi

finish
