#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Why the directory source exists: rootless podman as the same directory user on two hosts that
# share one home. One real slapd (tests/lib/ldap-lib.sh), two hosts (mount namespaces with their
# own /etc and nslcd), our capped newuidmap/newgidmap bound over /usr/bin's in this namespace only,
# the user's home and its container storage (vfs) on one filesystem both hosts see.
#   - a login on each host (pamtester, pam_subid source=directory) gives the user the same range;
#   - podman on host A chowns a file in a volume of the shared home to 1000:1000 inside the
#     container: its host owner is the first sub-id + 999, which host B's /etc/subuid gives the
#     same user;
#   - podman on host B, from the same storage, sees that file as 1000:1000 inside its container.
# SKIP in a sanitizer build (podman's own processes gain nothing from it; CI time).
# shellcheck source=tests/lib/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib/lib.sh"
# shellcheck source=tests/lib/pam-lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib/pam-lib.sh"
# shellcheck source=tests/lib/ldap-lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib/ldap-lib.sh"
need_tools podman runc
[ -x /bin/busybox ] || skip "/bin/busybox is missing (apt-get install busybox-static)"
[ -e /usr/bin/newuidmap ] && [ -e /usr/bin/newgidmap ] ||
	skip "/usr/bin/newuidmap and newgidmap must exist to bind-mount ours over them (apt-get install uidmap)"
[ -z "$PAM_SANITIZED" ] || skip "sanitizer build: rootless podman runs in the regular build only"
setpriv --reuid 65534 --regid 65534 --clear-groups unshare -U true 2>/dev/null ||
	skip "unprivileged user namespaces are not available here"

C=65536
# Our helpers at /usr/bin, in this namespace (and so in the hosts made from it) only.
mount --bind "$UIDMAP" /usr/bin/newuidmap
mount --bind "$GIDMAP" /usr/bin/newgidmap

ldap_start main
ldap_tree
ldap_users nidpod 1 760000
U=760001
nslcd_here "$LDAP_URI"
dir_conf
pam_service "$PAM_SVC" source=directory min_uid=1000 max_uid=100000000
# The shared home, as NFS would give it to both hosts.
HOMEDIR=$T_DIR/home/nidpod1
mkdir -p "$HOMEDIR/vol"
chown -R "$U:$U" "$T_DIR/home/nidpod1"
chmod 755 "$T_DIR/home"

# A busybox image without a registry.
busybox_tar "$T_DIR"
IMAGE=localhost/newidmap-ldap-busybox
PODMAN=(timeout 120 podman --storage-driver vfs --cgroup-manager cgroupfs --runtime runc)

for h in a b; do
	host_new "$h" "$LDAP_URI"
	# Rootless podman wants "/" shared and keeps locks in /dev/shm: both private to the host.
	on_host "$h" mount --make-rshared /
	on_host "$h" mount -t tmpfs -o mode=1777,nosuid,nodev "nidpod-shm-$h" /dev/shm
	mkdir -p "$T_DIR/run-$h"
	chown "$U:$U" "$T_DIR/run-$h"
	chmod 0700 "$T_DIR/run-$h"
done

# as H CMD...: CMD on host H as the directory user, with the shared home and the host's own
# runtime directory.
as() {
	local h=$1
	shift
	on_host "$h" setpriv --reuid "$U" --regid "$U" --clear-groups \
		env -i HOME="$HOMEDIR" XDG_RUNTIME_DIR="$T_DIR/run-$h" PATH=/usr/bin:/bin LC_ALL=C "$@"
}
# shellcheck disable=SC2317 # run by at_exit and below
stop_pause() {
	local h
	for h in a b; do
		kill_pause "$T_DIR/run-$h/libpod/tmp/pause.pid"
	done
}
at_exit stop_pause

for h in a b; do
	run on_host "$h" pamtester "$PAM_SVC" nidpod1 open_session close_session
	check_rc "login on host $h" 0
done
S=$(dir_entries | awk '$1 == "nidpod1" { print $2 }')
for h in a b; do
	got=$(on_host "$h" cat /etc/subuid /etc/subgid | paste -sd ' ')
	if [ -n "$S" ] && [ "$got" = "nidpod1:$S:$C nidpod1:$S:$C" ]; then
		pass "host $h: the directory's range $S:$C in both files"
	else
		fail "host $h: the directory's range in both files" "directory start '$S', files '$got'"
	fi
done

if run as a "${PODMAN[@]}" import "$BUSYBOX_TAR" "$IMAGE" && [ "$RC" = 0 ]; then
	pass "host a: podman import of the busybox tarball into the shared home"
else
	fail "host a: podman import of the busybox tarball" "exit $RC: $ERR"
fi
run as a "${PODMAN[@]}" run --rm --network none -v "$HOMEDIR/vol:/vol" "$IMAGE" \
	sh -c 'touch /vol/f && chown 1000:1000 /vol/f && cat /proc/self/uid_map'
check_rc "host a: podman run, chown 1000:1000 in the volume" 0
if [[ $(printf '%s\n' "$OUT" | awk 'NR == 2 { print $1, $2, $3 }') == "1 $S $C" ]]; then
	pass "host a: the container's uid_map maps 1 to the directory's range ($S)"
else
	fail "host a: the container's uid_map maps 1 to the directory's range" "uid_map: $(show "$OUT")"
fi
stop_pause
owner=$(on_host b stat -c %u:%g "$HOMEDIR/vol/f" 2>&1)
if [ "$owner" = "$((S + 999)):$((S + 999))" ]; then
	pass "host b: the file's host owner is $((S + 999)):$((S + 999)), inside the user's range on host b"
else
	fail "host b: the file's host owner is inside the user's range" "it is $owner (range $S)"
fi
run as b "${PODMAN[@]}" run --rm --network none -v "$HOMEDIR/vol:/vol" "$IMAGE" stat -c %u:%g /vol/f
check_rc "host b: podman run from the shared storage" 0
if [ "$OUT" = "1000:1000" ]; then
	pass "host b: the container sees the file host a chowned as 1000:1000"
else
	fail "host b: the container sees the file as 1000:1000" "it sees '$OUT' ($ERR)"
fi
stop_pause

finish
