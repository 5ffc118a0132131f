# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for tests/integration/differential.sh and tests/integration/clients.sh only (sourced,
# not run). They keep every change to /etc inside a private mount namespace: the test re-runs
# itself under `unshare -m --propagation private`, mounts a tmpfs for its scratch files and an
# overlayfs over /etc whose upper layer lives on that tmpfs, so useradd and the edits of
# /etc/subuid, /etc/subgid and /etc/login.defs never reach the host. Target processes are tracked
# by the pid $! gives (setpriv and unshare exec in place), never looked up by name: other tests
# may run the same commands at the same time with the same uids.
# shellcheck shell=bash disable=SC2034 # CL_TMP and the like are for the tests that source it

_cl_dir=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=tests/lib/tap.sh
. "$_cl_dir/tap.sh"
# shellcheck source=tests/lib/fixtures.sh
. "$_cl_dir/fixtures.sh"

# SKIP unless this can run at all: root, user namespaces, the tools, the built helpers.
cl_require_root_userns()
{
	need_root "it mounts an overlay over /etc in a private mount namespace"
	need_tools unshare setpriv setcap getcap useradd groupadd getent mount stat
	need_built "$NEWUIDMAP" "$NEWGIDMAP"
	# The targets and clients are unprivileged: their user namespaces must be allowed (Debian's
	# kernel.unprivileged_userns_clone, user.max_user_namespaces).
	setpriv --reuid 65534 --regid 65534 --clear-groups unshare -U true 2>/dev/null ||
		skip "unprivileged user namespaces are not available here"
}

# Re-run the calling script ("$0") in a private mount namespace with a private /etc (fixtures.sh),
# once. Inside, CL_TMP is a private tmpfs (mode 0755, so the throw-away users can reach files in
# it) and /etc an overlay without sub-id files.
cl_enter_private_etc()
{
	enter_private_ns "$@"
	scratch_tmpfs
	CL_TMP=$T_DIR
	overlay_etc
	# The helpers match the host's files only by these paths: start from none of them.
	rm -f /etc/subuid /etc/subgid
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
	if [ "${2:-}" != nocaps ]; then
		capped_copy "$NEWUIDMAP" "$dir/newuidmap" cap_setuid=ep
		capped_copy "$NEWGIDMAP" "$dir/newgidmap" cap_setgid=ep
	else
		capped_copy "$NEWUIDMAP" "$dir/newuidmap" -
		capped_copy "$NEWGIDMAP" "$dir/newgidmap" -
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
	TARGETS+=("$CL_PID")
	# comm turns to "sleep" only after unshare(CLONE_NEWUSER) and the exec of sleep.
	for i in $(seq 1 500); do
		[ "$(cat "/proc/$CL_PID/comm" 2>/dev/null)" = sleep ] && return 0
		kill -0 "$CL_PID" 2>/dev/null || break
		sleep 0.01
	done
	bail_out "target pid $CL_PID (unshare -U sleep as $uid:$gid) did not start (after $i tries)"
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
