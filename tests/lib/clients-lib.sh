# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for tests/integration/differential.sh and tests/integration/clients.sh only (sourced,
# not run). They keep every change to /etc inside a private mount namespace: the test re-runs
# itself under `unshare -m --propagation private`, mounts a tmpfs for its scratch files and an
# overlayfs over /etc whose upper layer lives on that tmpfs, so useradd and the edits of
# /etc/subuid, /etc/subgid and /etc/login.defs never reach the host. Target processes are tracked
# by the pid $! gives (setpriv and unshare exec in place), never looked up by name: other tests
# may run the same commands at the same time with the same uids.
# shellcheck shell=bash

cl_skip()
{
	echo "SKIP: $*"
	exit 77
}

cl_die()
{
	echo "ERROR: $*" >&2
	exit 99
}

# Exit 77 unless this can run at all: root, user namespaces, the tools, the built helpers.
cl_require_root_userns()
{
	local t
	[ "$(id -u)" = 0 ] || cl_skip "needs root (it mounts an overlay over /etc in a private mount namespace)"
	for t in unshare setpriv setcap getcap useradd groupadd getent mount stat; do
		command -v "$t" >/dev/null 2>&1 || cl_skip "$t is not installed"
	done
	[ -n "${NEWUIDMAP:-}" ] && [ -x "$NEWUIDMAP" ] || cl_skip "NEWUIDMAP is not set to the built newuidmap (run through make check)"
	[ -n "${NEWGIDMAP:-}" ] && [ -x "$NEWGIDMAP" ] || cl_skip "NEWGIDMAP is not set to the built newgidmap (run through make check)"
	# The targets and clients are unprivileged: their user namespaces must be allowed (Debian's
	# kernel.unprivileged_userns_clone, user.max_user_namespaces).
	setpriv --reuid 65534 --regid 65534 --clear-groups unshare -U true 2>/dev/null ||
		cl_skip "unprivileged user namespaces are not available here"
	unshare -m --propagation private true 2>/dev/null || cl_skip "cannot create a mount namespace"
}

# Re-run the calling script ("$0") in a private mount namespace with a private /etc, once. In the
# namespace this returns with CL_TMP set to a private tmpfs (mode 0755, so the throw-away users can
# reach files in it) and /etc an overlay; outside it never returns, it exits with the script's code.
cl_enter_private_etc()
{
	local rc=0

	if [ "${CL_PRIVATE_ETC:-}" != 1 ]; then
		CL_TMP=$(mktemp -d "${TMPDIR:-/tmp}/newidmap-it.XXXXXX")
		CL_PRIVATE_ETC=1 CL_TMP=$CL_TMP unshare -m --propagation private "${BASH:-bash}" "$0" "$@" || rc=$?
		rmdir "$CL_TMP" 2>/dev/null || true
		exit "$rc"
	fi
	mount -t tmpfs -o mode=0755 newidmap-it "$CL_TMP" || cl_die "cannot mount a tmpfs on $CL_TMP"
	mkdir "$CL_TMP/upper" "$CL_TMP/work"
	mount -t overlay overlay -o "lowerdir=/etc,upperdir=$CL_TMP/upper,workdir=$CL_TMP/work" /etc ||
		cl_skip "cannot mount an overlayfs over /etc (needed to add throw-away users without touching the host)"
	# The helpers match the host's files only by these paths: start from none of them.
	rm -f /etc/subuid /etc/subgid
	CL_PIDS=()
	trap cl_cleanup EXIT
}

cl_cleanup()
{
	local p
	for p in "${CL_PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null || true
	done
}

# cl_free_id passwd|group FROM: print the first id >= FROM that the database does not use.
cl_free_id()
{
	local db=$1 id=$2
	while getent "$db" "$id" >/dev/null; do
		id=$((id + 1))
	done
	echo "$id"
}

# cl_add_user NAME: a throw-away user (no home) with a primary group of its own whose gid differs
# from the uid, so a test can tell the two apart. Prints "uid gid".
cl_add_user()
{
	local name=$1 uid gid
	uid=$(cl_free_id passwd 59000)
	gid=$(cl_free_id group $((uid + 7)))
	groupadd -g "$gid" "$name"
	useradd -M -N -u "$uid" -g "$gid" -s /bin/sh "$name"
	echo "$uid $gid"
}

# cl_add_group NAME: a throw-away group; prints its gid.
cl_add_group()
{
	local gid
	gid=$(cl_free_id group 59500)
	groupadd -g "$gid" "$1"
	echo "$gid"
}

# cl_install_ours DIR [nocaps]: copies of the built helpers in DIR, mode 0755, with their one file
# capability each (or none with "nocaps"); a copy so the build tree's binaries stay unprivileged.
cl_install_ours()
{
	local dir=$1
	mkdir -p "$dir"
	chmod 0755 "$dir"
	cp "$NEWUIDMAP" "$dir/newuidmap"
	cp "$NEWGIDMAP" "$dir/newgidmap"
	chmod 0755 "$dir/newuidmap" "$dir/newgidmap"
	if [ "${2:-}" != nocaps ]; then
		setcap cap_setuid=ep "$dir/newuidmap" || cl_skip "setcap cannot set file capabilities on $dir"
		setcap cap_setgid=ep "$dir/newgidmap" || cl_skip "setcap cannot set file capabilities on $dir"
	fi
}

# cl_start_target UID GID [deny]: a `unshare -U sleep` of that user, with a new user namespace and
# no maps yet (with "deny", setgroups is already "deny"). Sets CL_PID once sleep runs in it.
cl_start_target()
{
	local uid=$1 gid=$2 i extra=()
	[ "${3:-}" = deny ] && extra=(--setgroups deny)
	setpriv --reuid "$uid" --regid "$gid" --clear-groups unshare -U "${extra[@]}" sleep 60 &
	CL_PID=$!
	CL_PIDS+=("$CL_PID")
	# comm turns to "sleep" only after unshare(CLONE_NEWUSER) and the exec of sleep.
	for i in $(seq 1 500); do
		[ "$(cat "/proc/$CL_PID/comm" 2>/dev/null)" = sleep ] && return 0
		kill -0 "$CL_PID" 2>/dev/null || break
		sleep 0.01
	done
	cl_die "target pid $CL_PID (unshare -U sleep as $uid:$gid) did not start (after $i tries)"
}

cl_stop_target()
{
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# cl_map FILE: a map as "inner outer count" triples joined by ",", or "-" when it is empty.
cl_map()
{
	local m
	m=$(awk '{ printf "%s%s %s %s", (NR > 1 ? "," : ""), $1, $2, $3 }' "$1")
	echo "${m:--}"
}

# Counting checks: cl_expect NAME EXPECTED ACTUAL, cl_ok NAME, cl_bad NAME WHY; cl_summary prints
# "N passed, N failed" and returns non-zero if anything failed.
CL_PASSED=0
CL_FAILED=0
cl_ok()
{
	echo "PASS $1"
	CL_PASSED=$((CL_PASSED + 1))
}
cl_bad()
{
	echo "FAIL $1: $2"
	CL_FAILED=$((CL_FAILED + 1))
}
cl_expect()
{
	if [ "$2" = "$3" ]; then
		cl_ok "$1 ($3)"
	else
		cl_bad "$1" "expected '$2', got '$3'"
	fi
}
cl_summary()
{
	echo "$CL_PASSED passed, $CL_FAILED failed"
	[ "$CL_FAILED" = 0 ]
}
