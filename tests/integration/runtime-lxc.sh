#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# An unprivileged LXC container through our helpers: with our setcap'ed newuidmap/newgidmap
# bind-mounted over /usr/bin's in a private mount namespace, a throw-away user runs
# `lxc-create -t busybox` with lxc.idmap lines from its /etc/subuid and /etc/subgid ranges
# (~/.config/lxc/default.conf, no network), `lxc-start`, `lxc-attach -- id`, and `lxc-stop`.
# Asserted: the rootfs and a file chowned inside have the mapped owners on the host; the
# container's init has the uid_map and gid_map of the ranges, written by our helpers (their
# syslog line names its pid); nothing of the container is left after lxc-stop.
# Also: lxc-checkconfig warns "newuidmap is not setuid-root" for our file-capability helpers
# although LXC itself accepts them, and refuses the same bytes without the capability
# (docs/runtimes.md).
# shellcheck source=tests/lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=tests/lib/runtimes-lib.sh
. "$(dirname "$0")/../lib/runtimes-lib.sh"

rt_require lxc-create lxc-start lxc-attach lxc-info lxc-stop lxc-checkconfig python3
[ -x /usr/share/lxc/templates/lxc-busybox ] || skip "the busybox template is missing (apt-get install lxc-templates)"
[ -x /bin/busybox ] || skip "/bin/busybox is missing (apt-get install busybox-static)"

rt_private_dev
rt_bind_helpers
rt_add_user nidt-lxc 500000 600000 65536
# LXC keeps the rootfs under ~/.local/share/lxc: the container's root (a sub-uid) must be able to
# pass through HOME.
chmod 711 "$RT_HOME"
mkdir -p "$RT_HOME/.config/lxc"
# No network (an unprivileged veth needs lxc-user-nic and a bridge), and no AppArmor profile of
# LXC's: on a host with AppArmor the default profile must be loaded by root beforehand, which is
# not what this test is about (this machine has no AppArmor; LXC then ignores the line).
cat >"$RT_HOME/.config/lxc/default.conf" <<EOF
lxc.idmap = u 0 $RT_SUBUID $RT_COUNT
lxc.idmap = g 0 $RT_SUBGID $RT_COUNT
lxc.net.0.type = empty
lxc.apparmor.profile = unconfined
EOF
chown -R "$RT_UID:$RT_GID" "$RT_HOME/.config"
C=nidt-c1
ROOTFS=$RT_HOME/.local/share/lxc/$C/rootfs
NS=
# shellcheck disable=SC2317 # run at exit
stop_container() {
	rt_as timeout 30 lxc-stop -n "$C" -k >/dev/null 2>&1 || true
	kill_userns "$NS"
}
at_exit stop_container

# lxc-checkconfig tests only the setuid bit of the helpers it finds on PATH (ours, here), so it
# warns about helpers that LXC itself (below) runs without complaint.
run lxc-checkconfig
if [[ $OUT == *"User namespace: "* ]]; then
	for n in newuidmap newgidmap; do
		if [[ $OUT == *"Warning: $n is not setuid-root"* ]]; then
			pass "lxc-checkconfig wrongly warns '$n is not setuid-root' for our file-capability $n"
		else
			fail "lxc-checkconfig warns '$n is not setuid-root'" "its output: $(grep -i "$n" <<<"$OUT" | paste -sd '|')"
		fi
	done
else
	skip_some "lxc-checkconfig found no kernel config to read (exit $RC), so it checks no helper: $(sed -n 1p <<<"$OUT$ERR")"
fi

run rt_as timeout 120 lxc-create -n "$C" -t busybox
check_rc "lxc-create -t busybox as $RT_NAME" 0
# The template unpacks the rootfs in the user namespace: its root owns it, seen as the first sub-id.
rt_expect "lxc-create: host owner of the container's /bin/busybox" "$RT_SUBUID:$RT_SUBGID" \
	"$(stat -c %u:%g "$ROOTFS/bin/busybox" 2>&1)"

run rt_as timeout 60 lxc-start -n "$C"
check_rc "lxc-start" 0
run rt_as timeout 30 lxc-info -n "$C" -s -p
PID=$(awk '$1 == "PID:" { print $2 }' <<<"$OUT")
rt_expect "lxc-info: state" RUNNING "$(awk '$1 == "State:" { print $2 }' <<<"$OUT")"
if [[ $PID =~ ^[0-9]+$ ]]; then
	pin_userns "$PID" && NS=$PINNED_NS
	check_proc "the container's init" "$PID" uid_map "0 $RT_SUBUID $RT_COUNT"
	check_proc "the container's init" "$PID" gid_map "0 $RT_SUBGID $RT_COUNT"
	rt_expect_logged "lxc-start" uid "0:$RT_SUBUID:$RT_COUNT" "$PID"
	rt_expect_logged "lxc-start" gid "0:$RT_SUBGID:$RT_COUNT" "$PID"
else
	fail "lxc-info: the container's pid" "got '$OUT' $ERR"
fi

run rt_as timeout 30 lxc-attach -n "$C" -- sh -c 'id; touch /tmp/by-1000; chown 1000:1000 /tmp/by-1000 && echo done'
check_rc "lxc-attach" 0
rt_expect "lxc-attach: id inside" "uid=0(root) gid=0(root)
done" "$OUT"
rt_expect "lxc-attach: host owner of a file chowned to 1000:1000 inside" \
	"$((RT_SUBUID + 1000)):$((RT_SUBGID + 1000))" "$(stat -c %u:%g "$ROOTFS/tmp/by-1000" 2>&1)"

run rt_as timeout 30 lxc-stop -n "$C" -k
check_rc "lxc-stop -k" 0
rt_expect_ns_empty "lxc-stop" "$NS"

# LXC's own test of the helper (lxc_map_ids) reads the capability, unlike lxc-checkconfig: with
# our bytes bound there without cap_setuid, lxc-start says newuidmap lacks privileges and fails,
# while lxc-checkconfig printed the same warning for the working helper above.
capped_copy "$NEWUIDMAP" "$T_DIR/nocaps/newuidmap" -
umount /usr/bin/newuidmap
mount --bind "$T_DIR/nocaps/newuidmap" /usr/bin/newuidmap
run rt_as timeout 60 lxc-start -n "$C" -l INFO -o "$RT_HOME/nocaps.log"
check_rc "lxc-start with our newuidmap without cap_setuid" 1
if grep -q "newuidmap is lacking necessary privileges" "$RT_HOME/nocaps.log"; then
	pass "lxc-start with our newuidmap without cap_setuid: LXC says 'newuidmap is lacking necessary privileges'"
else
	fail "lxc-start with our newuidmap without cap_setuid: LXC says 'newuidmap is lacking necessary privileges'" \
		"its log: $(grep -E 'WARN|ERROR' "$RT_HOME/nocaps.log" | head -n 5 | paste -sd '|')"
fi
finish
