# shellcheck shell=bash disable=SC2034 # the variables set here are for the tests that source it
# SPDX-License-Identifier: GPL-2.0-or-later
# The standard set-up of the root-run integration tests, sourced by most tests/integration/*.sh.
# It sources tap.sh (TAP output, pass/fail/skip/finish, run/check_rc/check_err) and fixtures.sh
# (private namespace, overlay /etc, throw-away users, capped copies), then, in order:
#  1. SKIP unless we are root, the tools exist and `unshare -U true` works;
#  2. re-exec the test inside `unshare -m --propagation private`, so every mount below is ours;
#  3. mount a tmpfs (mode 755) on a fresh /tmp/newidmap-integ.* directory (T_DIR) and an overlayfs
#     over /etc with its upper layer there: useradd and every edit of /etc/subuid,
#     /etc/login.defs, /etc/nsswitch.conf land in the overlay and vanish with the namespace;
#  4. create throw-away users (nidta, a member of nidtaux too, and nidtb) and copy
#     $NEWUIDMAP/$NEWGIDMAP to a world-readable directory with cap_setuid=ep / cap_setgid=ep on the
#     copies ($UIDMAP, $GIDMAP).
# Target processes are tracked by $! (setpriv and unshare exec in place), never by name: other
# test runs on the same host may use the same uids. They are killed at exit.

_lib_dir=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=tests/lib/tap.sh
. "$_lib_dir/tap.sh"
# shellcheck source=tests/lib/fixtures.sh
. "$_lib_dir/fixtures.sh"

if ! in_private_ns; then
	need_root "the integration tests mount over /etc in a private mount namespace"
	need_tools unshare setpriv setcap getcap useradd groupadd mount timeout awk
	need_userns
	need_built "$NEWUIDMAP" "$NEWGIDMAP"
	for h in "$NEWUIDMAP" "$NEWGIDMAP"; do
		# A libtool wrapper script would lose the file capability on exec.
		is_elf "$h" || bail_out "$h is not an ELF binary"
	done
fi
enter_private_ns "$@"

# cleanup: what scripts written before tap.sh called to end the run from their own EXIT trap
# (with the exit status in $?): now tap.sh's exit handler, which runs the at_exit commands.
cleanup() {
	t_on_exit
}

# run_as UID GID CMD...: CMD as that user (real = effective ids), with its initial groups.
run_as() {
	local u=$1 g=$2
	shift 2
	setpriv --reuid "$u" --regid "$g" --init-groups -- "$@"
}

# The kernel pads map columns; compare fields only (setgroups is one field: drop the padding).
norm() {
	awk 'NF { print $1, $2, $3 }' | sed 's/ *$//'
}

# show TEXT: a map for a message, on one line, the first three lines of long maps only.
show() {
	local n
	n=$(printf '%s\n' "$1" | grep -c . || true)
	if [ "$n" -gt 3 ]; then
		printf "%s; ... (%s lines)" "$(printf '%s\n' "$1" | sed -n 1,3p | paste -sd ';' | sed 's/;/; /g')" "$n"
	else
		printf '%s' "${1//$'\n'/; }"
	fi
}

# check_proc WHAT PID FILE EXPECTED: /proc/PID/FILE (uid_map, gid_map, setgroups) holds EXPECTED
# (lines of "inner outer count", or allow/deny), both sides normalised.
check_proc() {
	local what=$1 pid=$2 file=$3 want got
	want=$(printf '%s\n' "$4" | norm)
	if ! got=$(norm <"/proc/$pid/$file" 2>&1); then
		fail "$what: /proc/PID/$file" "cannot read /proc/$pid/$file: $got"
		return 0
	fi
	if [ "$got" = "$want" ]; then
		pass "$what: /proc/PID/$file is '$(show "$want")'"
	else
		fail "$what: /proc/PID/$file is '$(show "$want")'" "it is '$(show "$got")'"
	fi
}

# proc_state PID: uid_map, gid_map and setgroups of PID, normalised, on one line each.
proc_state() {
	{ norm <"/proc/$1/uid_map"; echo "|"; norm <"/proc/$1/gid_map"; echo "|"; cat "/proc/$1/setgroups"; } | paste -sd ' '
}

# check_unmapped WHAT PID [BEFORE]: both maps of PID are empty and setgroups is still allow; or,
# given the proc_state from before the run, that nothing changed (a target in our own namespace).
check_unmapped() {
	local got want=${3:-"| | allow"}
	got=$(proc_state "$2")
	if [ "$got" = "$want" ]; then
		if [ "$want" = "| | allow" ]; then
			pass "$1: maps left empty, setgroups allow"
		else
			pass "$1: maps and setgroups unchanged"
		fi
	else
		fail "$1: maps left as they were" "uid_map | gid_map | setgroups were '$want', now '$got'"
	fi
}

# expect_map WHAT PID FILE EXPECTED -- CMD...: CMD succeeds and /proc/PID/FILE becomes EXPECTED.
expect_map() {
	local what=$1 pid=$2 file=$3 want=$4
	shift 4
	[ "$1" = -- ] && shift
	run "$@"
	check_rc "$what" 0
	check_proc "$what" "$pid" "$file" "$want"
}

# expect_refused WHAT SUBSTRING PID -- CMD...: CMD exits 1, says SUBSTRING, and the maps and
# setgroups of PID are as before (empty and allow for a fresh target).
expect_refused() {
	local what=$1 sub=$2 pid=$3 before
	shift 3
	[ "$1" = -- ] && shift
	before=$(proc_state "$pid")
	run "$@"
	check_rc "$what" 1
	check_err "$what" "$sub"
	check_unmapped "$what" "$pid" "$before"
}

# ---------------------------------------------------------------------------------------------
# Targets

# wait_exec PID COMM: until PID runs COMM (its last exec happened) or 5 s pass.
wait_exec() {
	local i
	for ((i = 0; i < 500; i++)); do
		[ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.01
	done
	echo "process $1 never ran $2" >&2
	return 1
}

# Targets sleep for TARGET_LIFE seconds, far longer than any test needs them (a loaded machine
# made a 60 s target die in the middle of hostile.sh's RLIMIT_AS scan); the exit handler kills
# them all.
TARGET_LIFE=900

# start_target UID GID: sets TARGET to the pid of `unshare -U sleep` run as UID:GID (with the
# user's initial groups), once it sits in its new user namespace.
start_target() {
	setpriv --reuid "$1" --regid "$2" --init-groups unshare -U sleep "$TARGET_LIFE" </dev/null >/dev/null 2>&1 &
	TARGET=$!
	TARGETS+=("$TARGET")
	wait_exec "$TARGET" sleep
	if [ "$(readlink "/proc/$TARGET/ns/user")" = "$(readlink /proc/self/ns/user)" ]; then
		echo "target $TARGET is not in a new user namespace" >&2
		return 1
	fi
}

# start_plain UID GID: sets TARGET to a plain `sleep` (no new user namespace) as UID:GID.
start_plain() {
	setpriv --reuid "$1" --regid "$2" --init-groups sleep "$TARGET_LIFE" </dev/null >/dev/null 2>&1 &
	TARGET=$!
	TARGETS+=("$TARGET")
	wait_exec "$TARGET" sleep
}

# ---------------------------------------------------------------------------------------------
# /etc in the overlay

# put_file PATH CONTENT [MODE]: write CONTENT exactly (no newline added), owned by root.
put_file() {
	rm -rf "$1"
	printf '%s' "$2" >"$1"
	chown root:root "$1"
	chmod "${3:-644}" "$1"
}

set_subuid() { put_file /etc/subuid "$1"; }
set_subgid() { put_file /etc/subgid "$1"; }

# seq_triples N INNER0 INNER_STEP OUTER0 OUTER_STEP: N one-id triples, one per line.
seq_triples() {
	awk -v n="$1" -v i0="$2" -v is="$3" -v o0="$4" -v os="$5" \
		'BEGIN { for (k = 0; k < n; k++) printf "%d %d 1\n", i0 + k * is, o0 + k * os }'
}

# ---------------------------------------------------------------------------------------------
# /dev/log for syslog.sh: a new /dev in our namespace only (the host's /dev is untouched).

# setup_devlog LOGFILE: /dev becomes a tmpfs with the usual nodes bind-mounted from the old /dev
# and /dev/log a datagram socket; every datagram is appended to LOGFILE as one line.
setup_devlog() {
	local logfile=$1 olddev="$T_DIR/olddev" n py i
	py=$(command -v /usr/bin/python3 python3 | sed -n 1p)
	[ -n "$py" ] || skip "python3 is needed for the syslog listener"
	mkdir -p "$olddev"
	mount --rbind /dev "$olddev"
	mount -t tmpfs -o mode=755 newidmap-dev /dev
	for n in null zero full random urandom tty; do
		[ -e "$olddev/$n" ] || continue
		: >"/dev/$n"
		mount --bind "$olddev/$n" "/dev/$n"
	done
	for n in pts shm; do
		[ -d "$olddev/$n" ] || continue
		mkdir "/dev/$n"
		mount --rbind "$olddev/$n" "/dev/$n"
	done
	ln -s /proc/self/fd /dev/fd
	ln -s /proc/self/fd/0 /dev/stdin
	ln -s /proc/self/fd/1 /dev/stdout
	ln -s /proc/self/fd/2 /dev/stderr
	ln -s pts/ptmx /dev/ptmx
	: >"$logfile"
	"$py" - /dev/log "$logfile" <<'EOF' >/dev/null 2>"$T_DIR/listener.err" &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
with open(sys.argv[2], "ab", buffering=0) as f:
    f.write(b"")
    open(sys.argv[2] + ".ready", "w").close()
    while True:
        d = s.recv(65536)
        f.write(d.rstrip(b"\0\n") + b"\n")
EOF
	BG_PIDS+=("$!")
	for ((i = 0; i < 500; i++)); do
		[ -e "$logfile.ready" ] && [ -S /dev/log ] && return 0
		sleep 0.01
	done
	echo "the syslog listener did not start: $(cat "$T_DIR/listener.err")" >&2
	return 1
}

# has_all LINE PATTERN...: LINE holds every PATTERN (fixed strings).
has_all() {
	local l=$1 p
	shift
	for p in "$@"; do
		[[ $l == *"$p"* ]] || return 1
	done
}

# first_with_all PATTERN...: LINE is the first line of stdin that holds every PATTERN (status 1,
# LINE empty, when none does).
first_with_all() {
	LINE=
	while IFS= read -r LINE; do
		has_all "$LINE" "$@" && return 0
	done
	LINE=
	return 1
}

# expect_logged WHAT PATTERN...: within 5 s, one line of $LOG (setup_devlog's file) holds every
# PATTERN (fixed strings); LINE is set to it.
expect_logged() {
	local what=$1 i
	shift
	for ((i = 0; i < 500; i++)); do
		if first_with_all "$@" <"$LOG"; then
			pass "$what: logged '$*'"
			return 0
		fi
		sleep 0.01
	done
	LINE=
	fail "$what: logged '$*'" "the log holds: $(tail -n 5 "$LOG" | paste -sd '|')"
}

# ---------------------------------------------------------------------------------------------
# Setup inside the namespace

scratch_tmpfs
overlay_etc

# The helpers under test, with their real file capabilities, where any user can run them.
BIN="$T_DIR/bin"
mkdir "$BIN"
chmod 755 "$BIN"
UIDMAP="$BIN/newuidmap"
GIDMAP="$BIN/newgidmap"
capped_copy "$NEWUIDMAP" "$UIDMAP" cap_setuid=ep
capped_copy "$NEWGIDMAP" "$GIDMAP" cap_setgid=ep

# Throw-away users, in the overlay only: A (a member of AUX too) and B.
rm -f /etc/subuid /etc/subgid
groupadd nidtaux
add_user nidta -G nidtaux
add_user nidtb
A_NAME=nidta
A_UID=$(id -u nidta)
A_GID=$(id -g nidta)
B_NAME=nidtb
B_UID=$(id -u nidtb)
B_GID=$(id -g nidtb)
AUX_GID=$(getent group nidtaux | cut -d: -f3)
# The helpers match sub-id files only; start each test from the distribution's settings.
cp /etc/login.defs "$T_DIR/login.defs.orig"
cp /etc/nsswitch.conf "$T_DIR/nsswitch.conf.orig"
if grep -q '^subid:' /etc/nsswitch.conf; then
	sed -i '/^subid:/d' /etc/nsswitch.conf
fi
