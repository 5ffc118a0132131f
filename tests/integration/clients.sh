#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Real clients through our helpers in place of shadow's. In a private mount namespace (with a
# private /etc, see clients-lib.sh), copies of the built newuidmap/newgidmap carrying only their
# file capability are bind-mounted over /usr/bin/newuidmap and /usr/bin/newgidmap, a throw-away
# user gets sub-id ranges, and as that user:
#   a) util-linux unshare --map-users=auto / --map-groups=auto / --map-auto, and a refused request;
#   b) rootless podman (vfs storage, cgroupfs, runc, no network) running a busybox image made
#      with `podman import` (no registry is needed), with a chown inside a bind-mounted volume
#      checked from the host;
#   c) the proof that podman ran our helper: see the comment there.
# shellcheck source=tests/lib/clients-lib.sh
. "$(dirname "$0")/../lib/clients-lib.sh"

cl_require_root_userns
for t in podman runc; do
	command -v "$t" >/dev/null 2>&1 || skip "$t is not installed (apt-get install podman runc)"
done
[ -x /bin/busybox ] || skip "/bin/busybox is missing (apt-get install busybox-static)"
[ -e /usr/bin/newuidmap ] && [ -e /usr/bin/newgidmap ] ||
	skip "/usr/bin/newuidmap and newgidmap must exist to bind-mount ours over them (apt-get install uidmap)"
cl_enter_private_etc "$@"
# Rootless podman expects "/" to be a shared mount, as on a systemd host. Our namespace's mounts
# are private to it already, so making them shared here reaches no mount outside it.
mount --make-rshared /
# Rootless podman keeps its locks in /dev/shm/libpod_rootless_lock_UID: a private /dev/shm keeps
# another test's podman of the same uid (in its own namespace) from sharing them.
mount -t tmpfs -o mode=1777,nosuid,nodev newidmap-it-shm /dev/shm

# The throw-away user and its ranges: the uid and gid ranges start at different ids so that a
# swapped uid/gid would show.
read -r U G < <(cl_add_user nidt-cl)
SUBUID=200000 SUBGID=300000 COUNT=65536
printf 'nidt-cl:%s:%s\n' "$SUBUID" "$COUNT" >/etc/subuid
printf 'nidt-cl:%s:%s\n' "$SUBGID" "$COUNT" >/etc/subgid
chmod 0644 /etc/subuid /etc/subgid

OURS=$CL_TMP/ours
NOCAPS=$CL_TMP/nocaps
cl_install_ours "$OURS"
cl_install_ours "$NOCAPS" nocaps

# bind_helpers UIDMAP-DIR GIDMAP-DIR: put those newuidmap and newgidmap at /usr/bin/newuidmap and
# /usr/bin/newgidmap (in this mount namespace only), replacing whatever was bound there before.
bind_helpers()
{
	while mountpoint -q /usr/bin/newuidmap; do umount /usr/bin/newuidmap; done
	while mountpoint -q /usr/bin/newgidmap; do umount /usr/bin/newgidmap; done
	mount --bind "$1/newuidmap" /usr/bin/newuidmap
	mount --bind "$2/newgidmap" /usr/bin/newgidmap
}
bind_helpers "$OURS" "$OURS"

# The files clients will run are ours: the same inode as our copy, the bytes of the build, the one
# capability, mode 0755 and no setuid/setgid bit.
for n in newuidmap:cap_setuid newgidmap:cap_setgid; do
	f=/usr/bin/${n%:*} cap=${n#*:}
	built=$NEWUIDMAP
	[ "${n%:*}" = newgidmap ] && built=$NEWGIDMAP
	check_eq "$f is our copy (device:inode)" "$(stat -c %d:%i "$OURS/${n%:*}")" "$(stat -c %d:%i "$f")"
	if cmp -s "$built" "$f"; then pass "$f has the bytes of $built"; else fail "$f" "differs from $built"; fi
	check_eq "$f mode and owner" "755 root:root" "$(stat -c '%a %U:%G' "$f")"
	if [ -u "$f" ] || [ -g "$f" ]; then fail "$f" "has a setuid or setgid bit"; else pass "$f has no setuid/setgid bit"; fi
	check_eq "$f capabilities" "$f $cap=ep" "$(getcap "$f")"
done

HOME_DIR=$CL_TMP/home
RUN_DIR=$CL_TMP/run
VOL=$CL_TMP/vol
mkdir -p "$HOME_DIR" "$RUN_DIR" "$VOL"
chown "$U:$G" "$HOME_DIR" "$RUN_DIR" "$VOL"
chmod 0700 "$RUN_DIR"

# as CMD...: run CMD as the throw-away user, with a clean environment.
as()
{
	setpriv --reuid "$U" --regid "$G" --init-groups \
		env -i HOME="$HOME_DIR" XDG_RUNTIME_DIR="$RUN_DIR" PATH=/usr/bin:/bin LC_ALL=C "$@"
}

# as_run NAME CMD...: run CMD as the user, its stdout in OUT; a failure is a FAIL with its stderr.
as_run()
{
	local name=$1 rc=0
	shift
	OUT=$(as "$@" 2>"$CL_TMP/stderr") || rc=$?
	[ "$rc" = 0 ] && return 0
	fail "$name" "exit status $rc: $(tr '\n' ' ' <"$CL_TMP/stderr")"
	OUT=
	return 1
}

# section N: the Nth part (from 0) of stdin, parts being separated by lines "/".
section()
{
	awk -v n="$1" '/^\/$/ { s++; next } s == n'
}

# ---- a) util-linux unshare (2.38: --map-users=OUTER,INNER,COUNT|auto) -------------------------
# auto maps only the first sub-id block, to 0: the caller's own uid is not mapped, so id -u
# shows the overflow uid.
if as_run "unshare --map-users=auto --map-groups=auto id -u" unshare --map-users=auto --map-groups=auto id -u; then
	check_eq "unshare --map-users=auto --map-groups=auto id -u" "$(cat /proc/sys/kernel/overflowuid)" "$OUT"
fi

if as_run "unshare --map-users=auto --map-groups=auto --setuid 0 --setgid 0" \
	unshare --map-users=auto --map-groups=auto --setuid 0 --setgid 0 \
	sh -c 'id -u; id -g; echo /; cat /proc/self/uid_map; echo /; cat /proc/self/gid_map; echo /; cat /proc/self/setgroups'; then
	check_eq "unshare auto --setuid 0 --setgid 0: id -u, id -g" "0 0" "$(section 0 <<<"$OUT" | paste -sd' ')"
	check_eq "unshare auto: uid_map" "0 $SUBUID $COUNT" "$(section 1 <<<"$OUT" | cl_map -)"
	check_eq "unshare auto: gid_map" "0 $SUBGID $COUNT" "$(section 2 <<<"$OUT" | cl_map -)"
	check_eq "unshare auto: setgroups (a sub-gid range keeps allow)" allow "$(section 3 <<<"$OUT")"
fi

# --map-auto with --map-root-user: the caller's own ids to 0 (the count-1 self-map), the block from
# 1 (util-linux punches the hole, so the block loses its last id).
if as_run "unshare --map-auto --map-root-user" \
	unshare --map-auto --map-root-user sh -c 'cat /proc/self/uid_map; echo /; cat /proc/self/gid_map'; then
	check_eq "unshare --map-auto --map-root-user: uid_map" "0 $U 1,1 $SUBUID $((COUNT - 1))" \
		"$(section 0 <<<"$OUT" | cl_map -)"
	check_eq "unshare --map-auto --map-root-user: gid_map" "0 $G 1,1 $SUBGID $((COUNT - 1))" \
		"$(section 1 <<<"$OUT" | cl_map -)"
fi

# A request outside the user's ranges fails, with our helper's message on the client's stderr.
if out=$(as unshare --map-users=$((SUBUID + COUNT)),0,10 id -u 2>&1); then
	fail "unshare --map-users outside the ranges" "succeeded: $out"
elif grep -q "host uids $((SUBUID + COUNT))-$((SUBUID + COUNT + 9)) are not all in nidt-cl's ranges in /etc/subuid" <<<"$out"; then
	pass "unshare --map-users outside the ranges is refused by our newuidmap"
else
	fail "unshare --map-users outside the ranges" "not our refusal: $out"
fi

# ---- b) rootless podman -----------------------------------------------------------------------
# A busybox image without a registry: a tarball with the static busybox and its applet links.
busybox_tar "$CL_TMP"
IMAGE=localhost/newidmap-it-busybox
PODMAN=(timeout 120 podman --storage-driver vfs --cgroup-manager cgroupfs --runtime runc)

# Podman leaves a pause process holding its user namespace; it is ours to stop (by the pid it
# recorded in our private XDG_RUNTIME_DIR and its user namespace: fixtures.sh's kill_pause).
stop_pause()
{
	kill_pause "$RUN_DIR/libpod/tmp/pause.pid"
}
at_exit stop_pause

if out=$(as "${PODMAN[@]}" import "$BUSYBOX_TAR" "$IMAGE" 2>&1); then
	pass "podman import of the busybox tarball"
	if as_run "podman run" "${PODMAN[@]}" run --rm --network none -v "$VOL:/vol" "$IMAGE" \
		sh -c 'id -u; echo /; cat /proc/self/uid_map; echo /; cat /proc/self/gid_map; echo /;
		       touch /vol/by-root /vol/by-1000 && chown 1000:1000 /vol/by-1000 && echo done'; then
		check_eq "podman: id -u in the container" 0 "$(section 0 <<<"$OUT")"
		# Podman maps the user's own uid to 0 and the sub-id block from 1.
		check_eq "podman: container uid_map" "0 $U 1,1 $SUBUID $COUNT" "$(section 1 <<<"$OUT" | cl_map -)"
		check_eq "podman: container gid_map" "0 $G 1,1 $SUBGID $COUNT" "$(section 2 <<<"$OUT" | cl_map -)"
		check_eq "podman: touch and chown in the volume" "done" "$(section 3 <<<"$OUT")"
		# Inner 1 is the first sub-id, so inner 1000 is SUB + 999; inner 0 is the user.
		check_eq "podman: host owner of a file chowned to 1000:1000 in the volume" \
			"$((SUBUID + 999)):$((SUBGID + 999))" "$(stat -c %u:%g "$VOL/by-1000" 2>&1)"
		check_eq "podman: host owner of a file made by the container's root" "$U:$G" \
			"$(stat -c %u:%g "$VOL/by-root" 2>&1)"
	fi
else
	fail "podman import" "failed: $out"
fi
stop_pause

# ---- c) proof that podman ran OUR helpers ------------------------------------------------------
# The bytes at /usr/bin/newuidmap are ours (checked above), but a client could in principle run
# another newuidmap. So run podman again from scratch (new storage and runtime dir: no pause
# process to join, so it must set up a user namespace again) with the very same bytes bound at the
# same path but without the file capability. Podman must then fail, and its error must carry the
# message only our helper prints ("... does not hold cap_setuid: install it with setcap ...";
# shadow's never says that). As the capability is the only thing changed between this run and the
# one above, the mapping above was written by our helper. Once for each helper: newuidmap without
# its capability, then newuidmap with it and newgidmap without.
# prove_ours NAME UIDMAP-DIR GIDMAP-DIR ERE
prove_ours()
{
	local out
	bind_helpers "$2" "$3"
	HOME_DIR=$CL_TMP/home-$1
	RUN_DIR=$CL_TMP/run-$1
	mkdir -p "$HOME_DIR" "$RUN_DIR"
	chown "$U:$G" "$HOME_DIR" "$RUN_DIR"
	chmod 0700 "$RUN_DIR"
	if out=$(as "${PODMAN[@]}" import "$BUSYBOX_TAR" "$IMAGE" 2>&1); then
		fail "podman with $1" "succeeded: $out"
	elif grep -Eq -- "$4" <<<"$out"; then
		pass "podman with $1 fails with our helper's message"
	else
		fail "podman with $1" "failed otherwise: $out"
	fi
	stop_pause
}
for n in newuidmap newgidmap; do
	if cmp -s "$OURS/$n" "$NOCAPS/$n" && [ -z "$(getcap "$NOCAPS/$n")" ]; then
		pass "$NOCAPS/$n: our bytes without a capability"
	else
		fail "$NOCAPS/$n" "not our bytes without a capability: $(getcap "$NOCAPS/$n")"
	fi
done
prove_ours "newuidmap-without-cap" "$NOCAPS" "$OURS" \
	'/usr/bin/newuidmap [0-9]+ .*newuidmap does not hold cap_setuid: install it with setcap cap_setuid=ep'
prove_ours "newgidmap-without-cap" "$OURS" "$NOCAPS" \
	'/usr/bin/newgidmap [0-9]+ .*newgidmap does not hold cap_setgid: install it with setcap cap_setgid=ep'

finish
