#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# subid-check, area "kernel": each check driven through each verdict it can reach, asserting the
# JSON verdict of exactly that id and the command its fix names. Sysctl values and the kernel
# command line come from fixture trees under --sysroot; the live states are real but private: a
# child user namespace with its own user.max_user_namespaces, a tmpfs over the checker's own
# /proc/PID/ns, setpriv --no-new-privs, and a reduced bounding set. The host is not touched.
# shellcheck source=tests/lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"

SC=$SUBID_CHECK
need_built "$SC"
# shellcheck source=tests/lib/json.sh
. "$(dirname "$0")/../lib/json.sh"

# mkroot NAME: a fixture tree with a passwd for the caller (root) and an ordinary 6.1 kernel.
mkroot() {
	local r="$T_DIR/$1"
	mkdir -p "$r/etc" "$r/proc/sys/user" "$r/proc/sys/kernel"
	echo "root:x:0:0:root:/root:/bin/sh" >"$r/etc/passwd"
	echo 28633 >"$r/proc/sys/user/max_user_namespaces"
	echo 6.1.0-28-amd64 >"$r/proc/sys/kernel/osrelease"
	echo "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet" >"$r/proc/cmdline"
	ROOT=$r
}

# sysroot NAME: report NAME of subid-check run on the tree $ROOT.
sysroot() {
	report "$1" "$SC" --sysroot "$ROOT" --no-probe --json
}

# -------------------------------------------------------------------------------------------
# Fixture trees

mkroot base
sysroot base
expect_report base kernel.userns skip "observed~sysroot"
expect_report base kernel.max_user_namespaces pass "observed~28633"
expect_report base kernel.unprivileged_userns_clone pass "observed~not present"
expect_report base kernel.apparmor_userns pass "observed~not present"
expect_report base kernel.cmdline_rhel7 pass "observed~6.1.0-28-amd64" "observed~not a RHEL 7 kernel"
expect_report base kernel.no_new_privs skip "observed~sysroot"
expect_report base kernel.bounding_set skip "observed~sysroot"

mkroot maxzero
echo 0 >"$ROOT/proc/sys/user/max_user_namespaces"
sysroot maxzero
expect_report maxzero kernel.max_user_namespaces fail "observed~0: no user namespace" \
	"fix~sysctl -w user.max_user_namespaces=28633" "fix~>> /etc/sysctl.d/99-rootless.conf"

mkroot maxlow
echo 100 >"$ROOT/proc/sys/user/max_user_namespaces"
sysroot maxlow
expect_report maxlow kernel.max_user_namespaces warn "observed~100: low" "fix~sysctl -w user.max_user_namespaces=28633"

mkroot max1024
echo 1024 >"$ROOT/proc/sys/user/max_user_namespaces"
sysroot max1024
expect_report max1024 kernel.max_user_namespaces pass "observed~1024"

mkroot maxnone
rm "$ROOT/proc/sys/user/max_user_namespaces"
sysroot maxnone
expect_report maxnone kernel.max_user_namespaces skip "observed~not present"

mkroot maxbad
echo "lots" >"$ROOT/proc/sys/user/max_user_namespaces"
sysroot maxbad
expect_report maxbad kernel.max_user_namespaces skip "observed~cannot read"

mkroot clone0
echo 0 >"$ROOT/proc/sys/kernel/unprivileged_userns_clone"
sysroot clone0
expect_report clone0 kernel.unprivileged_userns_clone fail "observed~0: only root" \
	"fix~sysctl -w kernel.unprivileged_userns_clone=1" "fix~'kernel.unprivileged_userns_clone = 1' >> /etc/sysctl.d/"

mkroot clone1
echo 1 >"$ROOT/proc/sys/kernel/unprivileged_userns_clone"
sysroot clone1
expect_report clone1 kernel.unprivileged_userns_clone pass "observed~1"

# AppArmor: two runtimes in the tree's PATH, one with a profile granting userns.
mkroot aa1
echo 1 >"$ROOT/proc/sys/kernel/apparmor_restrict_unprivileged_userns"
echo 0 >"$ROOT/proc/sys/kernel/apparmor_restrict_unprivileged_unconfined"
mkdir -p "$ROOT/usr/bin" "$ROOT/etc/apparmor.d"
printf '#!/bin/sh\n' >"$ROOT/usr/bin/rootlesskit"
printf '#!/bin/sh\n' >"$ROOT/usr/bin/podman"
chmod 755 "$ROOT/usr/bin/rootlesskit" "$ROOT/usr/bin/podman"
printf 'abi <abi/4.0>,\ninclude <tunables/global>\nprofile podman /usr/bin/podman flags=(unconfined) {\n  userns,\n}\n' \
	>"$ROOT/etc/apparmor.d/podman"
sysroot aa1
expect_report aa1 kernel.apparmor_userns warn "observed~apparmor_restrict_unprivileged_userns = 1" \
	"observed~/usr/bin/podman (/etc/apparmor.d/podman)" "observed~without: /usr/bin/rootlesskit" \
	"fix~profile rootlesskit /usr/bin/rootlesskit flags=(unconfined)" "fix~userns," \
	"fix~apparmor_parser -r /etc/apparmor.d/rootlesskit" \
	"fix~sysctl -w kernel.apparmor_restrict_unprivileged_userns=0" "fix!~aa-exec"

echo 1 >"$ROOT/proc/sys/kernel/apparmor_restrict_unprivileged_unconfined"
sysroot aa1unconfined
expect_report aa1unconfined kernel.apparmor_userns warn "observed~apparmor_restrict_unprivileged_unconfined = 1" \
	"fix~aa-exec"

mkroot aa0
echo 0 >"$ROOT/proc/sys/kernel/apparmor_restrict_unprivileged_userns"
echo 1 >"$ROOT/proc/sys/kernel/apparmor_restrict_unprivileged_unconfined"
sysroot aa0
expect_report aa0 kernel.apparmor_userns pass "observed~0 (not restricted)" "observed~no effect"

mkroot aabad
echo on >"$ROOT/proc/sys/kernel/apparmor_restrict_unprivileged_userns"
sysroot aabad
expect_report aabad kernel.apparmor_userns skip "observed~cannot read"

# RHEL 7: only its 3.10 kernel needs the two switches.
mkroot el7
echo 3.10.0-1160.el7.x86_64 >"$ROOT/proc/sys/kernel/osrelease"
sysroot el7none
expect_report el7none kernel.cmdline_rhel7 fail "observed~namespace.unpriv_enable=1 and user_namespace.enable=1 missing" \
	"fix~grubby --update-kernel=ALL --args='namespace.unpriv_enable=1 user_namespace.enable=1'"
echo "BOOT_IMAGE=/vmlinuz ro user_namespace.enable=1 namespace.unpriv_enable=10" >"$ROOT/proc/cmdline"
sysroot el7half
expect_report el7half kernel.cmdline_rhel7 fail "observed~: namespace.unpriv_enable=1 missing" "fix~grubby"
echo "BOOT_IMAGE=/vmlinuz ro namespace.unpriv_enable=1 user_namespace.enable=1" >"$ROOT/proc/cmdline"
sysroot el7both
expect_report el7both kernel.cmdline_rhel7 pass "observed~are on the command line"
rm "$ROOT/proc/cmdline"
sysroot el7nocmdline
expect_report el7nocmdline kernel.cmdline_rhel7 skip "observed~cannot read /proc/cmdline"
rm "$ROOT/proc/sys/kernel/osrelease"
sysroot norelease
expect_report norelease kernel.cmdline_rhel7 skip "observed~cannot read /proc/sys/kernel/osrelease"

# -------------------------------------------------------------------------------------------
# Live states

report live "$SC" --no-probe --json
expect_report live kernel.userns pass "observed~/proc/self/ns/user exists"
expect_report live kernel.max_user_namespaces pass "observed~in use by"
expect_report live kernel.no_new_privs pass "observed~NoNewPrivs: 0"
expect_report live kernel.bounding_set pass "observed~has CAP_SETUID and CAP_SETGID"

# No /proc/self/ns/user: a tmpfs over the checker's own /proc/PID/ns (exec keeps the pid).
# shellcheck disable=SC2016
report nouserns unshare -m --propagation private sh -c \
	'mount -t tmpfs none "/proc/$$/ns" && exec "$0" --no-probe --json' "$SC"
expect_report nouserns kernel.userns fail "observed~does not exist" "fix~CONFIG_USER_NS=y"

# A child user namespace has its own user.max_user_namespaces, which its root may lower.
# shellcheck disable=SC2016
report childmax0 unshare -U -r sh -c \
	'echo 0 >/proc/sys/user/max_user_namespaces && exec "$0" --no-probe --json' "$SC"
expect_report childmax0 kernel.max_user_namespaces fail "observed~0: no user namespace" \
	"fix~sysctl -w user.max_user_namespaces=28633"
# shellcheck disable=SC2016
report childmax100 unshare -U -r sh -c \
	'echo 100 >/proc/sys/user/max_user_namespaces && exec "$0" --no-probe --json' "$SC"
expect_report childmax100 kernel.max_user_namespaces warn "observed~100: low" "observed~0 in use by root" \
	"observed!~nearly used up"

# Nearly used up: a limit of 4 in the child namespace, with 3 (75 %) and then 4 (100 %) of its
# own child namespaces alive (each a sleep under unshare -U, waited for by its namespace link).
# shellcheck disable=SC2016
unshare -U -r bash -c '
	set -eu
	echo 4 >/proc/sys/user/max_user_namespaces
	self=$(readlink /proc/self/ns/user)
	pids=()
	start() {
		unshare -U sleep 30 </dev/null >/dev/null 2>&1 &
		pids+=("$!")
		for _ in $(seq 500); do
			ns=$(readlink "/proc/$!/ns/user" 2>/dev/null || true)
			[ -n "$ns" ] && [ "$ns" != "$self" ] && [ "$(cat "/proc/$!/comm")" = sleep ] && return 0
			sleep 0.01
		done
		return 1
	}
	start; start; start
	"$0" --no-probe --json >"$1/used3.json" || true
	start
	"$0" --no-probe --json >"$1/used4.json" || true
	kill "${pids[@]}"
	wait
' "$SC" "$T_DIR" || true
expect_report used3 kernel.max_user_namespaces warn "observed~3 in use by root" "observed!~nearly used up"
expect_report used4 kernel.max_user_namespaces warn "observed~nearly used up: 4 in use by root" \
	"fix~sysctl -w user.max_user_namespaces=28633" "fix~podman system migrate"

report nnp setpriv --no-new-privs "$SC" --no-probe --json
expect_report nnp kernel.no_new_privs fail "observed~NoNewPrivs: 1" "fix~NoNewPrivileges=" \
	"fix~allowPrivilegeEscalation: true" "fix~--security-opt no-new-privileges"
expect_report nnp kernel.bounding_set pass

report bnd_setuid setpriv --bounding-set -setuid "$SC" --no-probe --json
expect_report bnd_setuid kernel.bounding_set fail "observed~lacks CAP_SETUID (newuidmap)" "observed!~CAP_SETGID (newgidmap)" \
	"fix~--cap-add SETUID --cap-add SETGID" "fix~CapabilityBoundingSet="
expect_report bnd_setuid kernel.no_new_privs pass

report bnd_setgid setpriv --bounding-set -setgid "$SC" --no-probe --json
expect_report bnd_setgid kernel.bounding_set fail "observed~lacks CAP_SETGID (newgidmap)" "observed!~CAP_SETUID (newuidmap)"

if command -v capsh >/dev/null 2>&1; then
	# shellcheck disable=SC2016
	report bnd_both capsh --drop=cap_setuid,cap_setgid -- -c 'exec "$0" --no-probe --json' "$SC"
	expect_report bnd_both kernel.bounding_set fail "observed~CAP_SETUID (newuidmap) and CAP_SETGID (newgidmap)" \
		"fix~securityContext.capabilities.add: [SETUID, SETGID]"
fi

finish
