#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Rootless podman and buildah through our helpers, beyond clients.sh's podman + runc: with our
# setcap'ed newuidmap/newgidmap bind-mounted over /usr/bin's in a private mount namespace, each
# part as its own throw-away user (fresh HOME and XDG_RUNTIME_DIR: no pause process to join, so
# every part makes podman call the helpers again), a busybox image made with `podman import`:
#   a) podman with runc (cgroupfs), and podman with crun (--cgroups=disabled on a cgroup2 mount
#      of our own: crun refuses the host's hybrid cgroups, which is asserted too);
#   b) podman run --userns=auto for a user with 200000 sub-ids: two containers get disjoint
#      1024-id blocks of them; a chown inside shows the mapped owner on the host;
#      and its refusal for a user with only 1000 sub-ids;
#   c) buildah bud and podman build of a one-line Containerfile (RUN chown) from the image: the
#      file's host owner in the storage is the mapped sub-id, and the built image shows the ids.
# Each user's uid_map/gid_map are its /etc/subuid and /etc/subgid ranges, written by our helpers
# (their syslog line, see tests/lib/runtimes-lib.sh).
# shellcheck source=tests/lib/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib/lib.sh"
# shellcheck source=tests/lib/runtimes-lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib/runtimes-lib.sh"

rt_require podman buildah runc crun conmon python3 mknod

# Rootless podman expects "/" to be a shared mount, as on a systemd host; ours is private to this
# namespace, so making it shared here reaches nothing outside it.
mount --make-rshared /
rt_private_dev
rt_bind_helpers
rt_busybox_tar
IMAGE=localhost/newidmap-it-busybox
PODMAN=(timeout 120 podman --storage-driver vfs --cgroup-manager cgroupfs)

# The pause processes (one per user) and what they hold are ours to stop: by the pid each podman
# recorded in its private XDG_RUNTIME_DIR, checked to be a pause process, and by its user
# namespace, pinned (fixtures.sh: pin_userns) so that its number cannot name another test's.
PAUSE_NS=()
remember_pause() {
	local f=$RT_RUN/libpod/tmp/pause.pid p
	[ -s "$f" ] || return 0
	p=$(cat "$f")
	is_pause "$p" && pin_userns "$p" && PAUSE_NS+=("$PINNED_NS")
	return 0
}
# shellcheck disable=SC2317 # run at exit
stop_podman() {
	local ns
	for ns in "${PAUSE_NS[@]}"; do kill_userns "$ns"; done
}
at_exit stop_podman

# new_user NAME SUBUID SUBGID COUNT: rt_add_user, then import the image as that user.
new_user() {
	rt_add_user "$@"
	run rt_as "${PODMAN[@]}" import "$RT_TAR" "$IMAGE"
	check_rc "$RT_NAME: podman import of the busybox tarball" 0
	remember_pause
}

# expect_rootless_maps WHAT: our helpers wrote the user's own id at 0 and its ranges from 1, and
# the rootless namespace (podman unshare) has them.
expect_rootless_maps() {
	rt_expect_logged "$1" uid "0:$RT_UID:1,1:$RT_SUBUID:$RT_COUNT"
	rt_expect_logged "$1" gid "0:$RT_GID:1,1:$RT_SUBGID:$RT_COUNT"
}

# ---- a) runc and crun --------------------------------------------------------------------------
# run_maps WHAT RUNTIME-ARGS...: a container printing its maps and chowning files in a volume;
# asserts the maps, the owners on the host.
run_maps() {
	local what=$1 vol
	shift
	vol=$T_DIR/vol-$RT_NAME
	mkdir "$vol"
	chown "$RT_UID:$RT_GID" "$vol"
	run rt_as "${PODMAN[@]}" "$@" --rm --network none -v "$vol:/vol" "$IMAGE" sh -c "$RT_PROBE_SH"
	check_rc "$what" 0
	rt_expect_rootless "$what" "$vol" 0
}

new_user nidt-runc 300000 400000 65536
run_maps "podman --runtime runc" --runtime runc run
expect_rootless_maps "podman --runtime runc"

new_user nidt-crun 500000 600000 65536
if [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
	# Hybrid cgroups (this machine: v1 controllers, a v2 hierarchy at /sys/fs/cgroup/unified):
	# crun refuses to run there.
	run rt_as "${PODMAN[@]}" --runtime crun run --rm --network none "$IMAGE" true
	check_rc "podman --runtime crun on the host's hybrid cgroups" 126
	check_err "podman --runtime crun on the host's hybrid cgroups" "crun: cgroups in hybrid mode not supported"
else
	skip_some "the host's cgroups are not hybrid ($(stat -f -c %T /sys/fs/cgroup) at /sys/fs/cgroup): no crun refusal to show"
fi
rt_cgroup2
# With cgroup2 at /sys/fs/cgroup (ours) and no cgroups of its own, crun runs the container.
run_maps "podman --runtime crun --cgroups=disabled" --runtime crun run --cgroups=disabled
expect_rootless_maps "podman --runtime crun"
remember_pause

# ---- b) --userns=auto ----------------------------------------------------------------------------
# Podman carves each --userns=auto container a block (1024 ids by default) out of the rootless
# namespace's ids 1..COUNT (the sub-ids), away from the blocks of running containers.
AUTO=(--runtime crun run --cgroups=disabled --network none --userns=auto)
new_user nidt-auto 1000000 2000000 200000
run rt_as "${PODMAN[@]}" "${AUTO[@]}" -d "$IMAGE" sleep 60
check_rc "podman run --userns=auto -d (a first container)" 0
run rt_as "${PODMAN[@]}" inspect --format '{{.State.Pid}}' "$OUT"
FIRST=$OUT
if [[ $FIRST =~ ^[0-9]+$ ]]; then
	# Read from the host, the container's maps name host ids: the first block of sub-ids.
	check_proc "--userns=auto, first container" "$FIRST" uid_map "0 $RT_SUBUID 1024"
	check_proc "--userns=auto, first container" "$FIRST" gid_map "0 $RT_SUBGID 1024"
	# Its namespace, pinned like the pause processes', for the end's kill and check.
	if pin_userns "$FIRST"; then
		PAUSE_NS+=("$PINNED_NS")
	fi
else
	fail "--userns=auto: the first container's pid" "podman inspect said '$OUT' $ERR"
fi
VOL=$T_DIR/vol-auto
mkdir -m 1777 "$VOL"
run rt_as "${PODMAN[@]}" "${AUTO[@]}" --rm -v "$VOL:/vol" "$IMAGE" \
	sh -c 'cat /proc/self/uid_map; echo /; cat /proc/self/gid_map; echo /;
	       touch /vol/by-root /vol/by-1000 && chown 1000:1000 /vol/by-1000 && echo done'
check_rc "podman run --userns=auto (a second container, beside the first)" 0
# Seen from inside, the maps name ids of the rootless namespace: the next block, from 1025.
rt_expect "--userns=auto, second container: uid_map" "0 1025 1024" "$(rt_section 0 <<<"$OUT" | norm)"
rt_expect "--userns=auto, second container: gid_map" "0 1025 1024" "$(rt_section 1 <<<"$OUT" | norm)"
rt_expect "--userns=auto, second container: touch and chown" "done" "$(rt_section 2 <<<"$OUT")"
rt_expect "--userns=auto: host owner of a file made by the second container's root" \
	"$((RT_SUBUID + 1024)):$((RT_SUBGID + 1024))" "$(stat -c %u:%g "$VOL/by-root" 2>&1)"
rt_expect "--userns=auto: host owner of a file chowned to 1000:1000 in the second container" \
	"$((RT_SUBUID + 2024)):$((RT_SUBGID + 2024))" "$(stat -c %u:%g "$VOL/by-1000" 2>&1)"
expect_rootless_maps "podman --userns=auto"
run rt_as "${PODMAN[@]}" rm -f -t 0 -a
check_rc "podman rm -f the --userns=auto container" 0

# Too few sub-ids for a block of 1024: podman refuses before any container exists. Our helpers
# still map the 1000 sub-ids of the rootless namespace.
new_user nidt-small 3000000 3100000 1000
run rt_as "${PODMAN[@]}" "${AUTO[@]}" --rm "$IMAGE" true
check_rc "podman run --userns=auto with 1000 sub-ids" 125
check_err "podman run --userns=auto with 1000 sub-ids" "could not find enough available IDs"
expect_rootless_maps "podman with 1000 sub-ids"

# ---- c) buildah bud, podman build --------------------------------------------------------------
CTX=$T_DIR/ctx
mkdir -m 755 "$CTX"
printf 'FROM %s\nRUN touch /newidmap-built && chown 1234:4321 /newidmap-built\n' "$IMAGE" >"$CTX/Containerfile"
chmod 644 "$CTX/Containerfile"
# check_built WHAT TAG CMD...: CMD builds the Containerfile as TAG; the file the RUN step chowned is
# owned by sub-ids 1233 and 4320 on the host (inner 1 is the first sub-id), and by 1234:4321 in a
# container of the built image.
check_built() {
	local what=$1 tag=$2 f
	shift 2
	run rt_as "$@"
	check_rc "$what" 0
	f=$(find "$RT_HOME/.local/share/containers/storage/vfs/dir" -maxdepth 2 -name newidmap-built 2>/dev/null | sed -n 1p)
	rt_expect "$what: host owner of the file chowned to 1234:4321 by RUN" \
		"$((RT_SUBUID + 1233)):$((RT_SUBGID + 4320))" "$(stat -c %u:%g "$f" 2>&1)"
	run rt_as "${PODMAN[@]}" --runtime crun run --rm --cgroups=disabled --network none "$tag" stat -c %u:%g /newidmap-built
	rt_expect "$what: owner of the file in a container of the built image" "1234:4321" "$OUT"
}
new_user nidt-bah 4000000 4100000 65536
check_built "buildah bud" localhost/newidmap-bud timeout 120 buildah --storage-driver vfs bud -q -t localhost/newidmap-bud "$CTX"
expect_rootless_maps "buildah bud"
new_user nidt-pbld 5000000 5100000 65536
check_built "podman build" localhost/newidmap-build "${PODMAN[@]}" --runtime crun build -q -t localhost/newidmap-build "$CTX"
expect_rootless_maps "podman build"

stop_podman
rt_expect_ns_empty "podman's pause processes and containers stopped" "${PAUSE_NS[@]}"
finish
