#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Docker rootless through our helpers: Debian's dockerd-rootless.sh, run as a throw-away user
# under rootlesskit (slirp4netns) with a private XDG_RUNTIME_DIR and the vfs storage driver,
# with our setcap'ed newuidmap/newgidmap bind-mounted over /usr/bin's in a private mount
# namespace. A busybox image is made with `docker import` (no registry) and run on the default
# bridge network. Asserted: rootlesskit's map is the user's own id plus its /etc/subuid and
# /etc/subgid ranges, written by our helpers (their syslog line); the container's uid_map and
# gid_map; a file chowned inside the container has the mapped owner on the host. dockerd and
# everything it started are killed at the end.
# shellcheck source=tests/lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=tests/lib/runtimes-lib.sh
. "$(dirname "$0")/../lib/runtimes-lib.sh"

DOCKERD_ROOTLESS=/usr/share/docker.io/contrib/dockerd-rootless.sh
rt_require dockerd rootlesskit slirp4netns containerd runc python3 mknod
[ -x /usr/bin/docker ] || skip "/usr/bin/docker is missing (apt-get install docker.io)"
[ -x "$DOCKERD_ROOTLESS" ] || skip "$DOCKERD_ROOTLESS is missing (apt-get install docker.io)"
DOCKER=/usr/bin/docker

# Rootlesskit wants "/" to be a shared mount, as on a systemd host; ours is private to this
# namespace, so making it shared here reaches nothing outside it.
mount --make-rshared /
rt_private_dev
rt_bind_helpers
rt_busybox_tar
rt_add_user nidt-dock 300000 400000 65536

DPID='' NS=''
# shellcheck disable=SC2317 # run at exit
stop_dockerd() {
	local i
	[ -n "$DPID" ] || return 0
	# The process group: rootlesskit, dockerd, containerd, slirp4netns; then whatever left it
	# (containerd's shims call setsid) and is still in rootlesskit's user namespace.
	kill -TERM -- "-$DPID" 2>/dev/null || true
	for ((i = 0; i < 500; i++)); do
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.02
	done
	kill -KILL -- "-$DPID" 2>/dev/null || true
	wait "$DPID" 2>/dev/null || true
	DPID=
	kill_userns "$NS"
}

# dockerd-rootless.sh in its own process group (setsid), so stop_dockerd reaches every child.
setsid -w setpriv --reuid "$RT_UID" --regid "$RT_GID" --init-groups \
	env -i HOME="$RT_HOME" XDG_RUNTIME_DIR="$RT_RUN" USER="$RT_NAME" PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	"$DOCKERD_ROOTLESS" --storage-driver vfs >"$T_DIR/dockerd.log" 2>&1 </dev/null &
DPID=$!
track "$DPID"
at_exit stop_dockerd
export DOCKER_HOST=unix://$RT_RUN/docker.sock
# dk CMD...: the docker client as the user, talking to this dockerd.
dk() { rt_as env DOCKER_HOST="$DOCKER_HOST" timeout 120 "$DOCKER" "$@"; }

up=
for ((i = 0; i < 600; i++)); do
	if dk version >/dev/null 2>&1; then
		up=1
		break
	fi
	kill -0 "$DPID" 2>/dev/null || break
	sleep 0.1
done
if [ -z "$up" ]; then
	fail "dockerd-rootless.sh starts" "$(tail -n 20 "$T_DIR/dockerd.log" | paste -sd '|')"
	finish
fi
pass "dockerd-rootless.sh starts as $RT_NAME (rootlesskit, slirp4netns, vfs)"

rt_expect_logged "rootlesskit" uid "0:$RT_UID:1,1:$RT_SUBUID:$RT_COUNT"
rt_expect_logged "rootlesskit" gid "0:$RT_GID:1,1:$RT_SUBGID:$RT_COUNT"

# rootlesskit's namespace, as the kernel has it: its child (dockerd's parent) runs in it.
CHILD=$(pgrep -P "$DPID" | sed -n 1p || true)
if [ -n "$CHILD" ]; then
	pin_userns "$CHILD" && NS=$PINNED_NS
	check_proc "rootlesskit's child" "$CHILD" uid_map "0 $RT_UID 1
1 $RT_SUBUID $RT_COUNT"
	check_proc "rootlesskit's child" "$CHILD" gid_map "0 $RT_GID 1
1 $RT_SUBGID $RT_COUNT"
else
	fail "rootlesskit's child" "rootlesskit (pid $DPID) has no child"
fi

# The network of the daemon and of the default bridge is slirp4netns on a tap device in
# rootlesskit's namespaces: it needs the 0666 /dev/net/tun of rt_private_dev.
run pgrep -P "$DPID" -x slirp4netns
if [ -n "$OUT" ]; then
	pass "rootlesskit runs slirp4netns (pid $OUT)"
else
	fail "rootlesskit runs slirp4netns" "no slirp4netns child of rootlesskit (pid $DPID): $(tr '\0' ' ' <"/proc/$DPID/cmdline")"
fi

IMAGE=newidmap-it-busybox:latest
run dk import "$RT_TAR" "$IMAGE"
check_rc "docker import of the busybox tarball" 0

VOL=$T_DIR/vol
mkdir "$VOL"
chown "$RT_UID:$RT_GID" "$VOL"
run dk run --rm -v "$VOL:/vol" "$IMAGE" sh -c "id -u; echo /; $RT_PROBE_SH"
check_rc "docker run" 0
rt_expect "docker: id -u in the container" 0 "$(rt_section 0 <<<"$OUT")"
rt_expect_rootless docker "$VOL" 1

stop_dockerd
rt_expect_ns_empty "dockerd stopped" "$NS"
finish
