# shellcheck shell=bash disable=SC2034 # the variables set here are for the tests that source it
# SPDX-License-Identifier: GPL-2.0-or-later
# The fixtures of the root-run tests, sourced after tap.sh (lib.sh sources both and uses all of
# them; a script with other needs picks the ones it wants):
#
#   need_userns                SKIP unless user namespaces work (need_root, need_tools: tap.sh)
#   enter_private_ns ARGS...   re-run the calling script once in `unshare -m --propagation
#                              private`: every mount below is then ours alone and dies with us
#   scratch_tmpfs              T_DIR: a fresh /tmp/newidmap-integ.* with a tmpfs (mode 755) on it
#   overlay_etc                /etc becomes an overlayfs whose upper layer is in T_DIR: useradd and
#                              every edit of /etc land there and vanish with the namespace
#   capped_copy SRC DST CAPS   a root-owned 0755 copy with file capabilities CAPS ("-": none)
#   add_user NAME [useradd options]   a throw-away user in the overlay /etc
#   track PID                  kill PID at exit (targets, listeners); never looked up by name
#   pin_userns PID             PINNED_NS: PID's user namespace, held open until the test exits
#   userns_pids NS, kill_userns NS   the live processes of a pinned namespace; SIGKILL them
#   kill_pause FILE            kill what podman's pause process (pid in FILE) holds; remove FILE
#   busybox_tar DIR            BUSYBOX_TAR: DIR/busybox.tar, a root file system of the static
#                              busybox, to import as a container image (there is no registry)
#
# Never run any of these outside the private namespace: they mount over /etc.

TARGETS=()
BG_PIDS=()
FX_TMPFS=

# fx_ours PID: PID is (still) a process of this test: in the test's private mount namespace, or a
# descendant of the test's shell (the "hosts" of the LDAP tests hold mount namespaces of their
# own, and their nslcd is a grandchild). A tracked process that exited long ago leaves a pid that
# the kernel may have given to another test's process since (pid_max is 32768 here, and the suite
# forks a lot): killing by the bare number would kill that stranger, which is how a concurrent
# test's target died mid-run.
fx_ours() {
	local p=$1 stat i
	[ -n "$p" ] || return 1
	[ "$(readlink "/proc/$p/ns/mnt" 2>/dev/null)" = "$(readlink /proc/self/ns/mnt)" ] && return 0
	for ((i = 0; i < 64 && p > 1; i++)); do
		stat=$(cat "/proc/$p/stat" 2>/dev/null) || return 1
		stat=${stat##*) }
		# shellcheck disable=SC2086 # split on purpose: state, ppid, ...
		set -- $stat
		p=$2
		[ "$p" = "$$" ] && return 0
	done
	return 1
}

fx_cleanup() {
	local p mine=()
	# Decide first, kill after: killing a parent first would reparent its children and hide them.
	for p in "${TARGETS[@]}" "${BG_PIDS[@]}"; do
		fx_ours "$p" && mine+=("$p")
	done
	for p in "${mine[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	for p in "${TARGETS[@]}" "${BG_PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	cd /
	if [ -n "$FX_TMPFS" ]; then
		# The namespace dies with us; detach the tmpfs so that its host mount point can go.
		umount -l "$FX_TMPFS" 2>/dev/null || true
		rmdir "$FX_TMPFS" 2>/dev/null || true
	fi
}
at_exit fx_cleanup

track() {
	BG_PIDS+=("$1")
}

# What a runtime leaves behind (podman's pause process, containerd's shims, an LXC container) is
# found by its user namespace, never by name or uid: the other tests' users have the same uids.
# But the kernel gives a freed namespace's number ("user:[4026532N]") to the next namespace made,
# at once: a namespace recorded while a runtime ran and "killed" at exit after it had died named
# another test's fresh target, which died mid-run. So a namespace is only ever named while it is
# pinned: a `sleep` of ours holds it open (fd 3) until the test exits, and while it is held its
# number cannot be reused. The pinning sleeps are tracked, so they die last (at_exit is LIFO).
PINNED=()

# pin_userns PID: PINNED_NS is PID's user namespace, pinned; returns 1 (PINNED_NS empty) when PID
# is gone or is in our own user namespace (nothing of a runtime's).
pin_userns() {
	local pin i
	PINNED_NS=
	# shellcheck disable=SC2217 # fd 3 is the point: the sleep holds the namespace open
	sleep infinity 3<"/proc/$1/ns/user" </dev/null >/dev/null 2>&1 &
	pin=$!
	track "$pin"
	for ((i = 0; i < 500; i++)); do
		# Until the sleep has made its redirection, its fd 3 may still be one of ours.
		PINNED_NS=$(readlink "/proc/$pin/fd/3" 2>/dev/null) && [[ $PINNED_NS == "user:["* ]] && break
		PINNED_NS=
		kill -0 "$pin" 2>/dev/null || break
		sleep 0.01
	done
	if [ -z "$PINNED_NS" ] || [ "$PINNED_NS" = "$(readlink /proc/self/ns/user)" ]; then
		PINNED_NS=
		return 1
	fi
	PINNED+=("$PINNED_NS")
}

# userns_pids NS: the live processes (zombies left out) in the pinned user namespace NS.
userns_pids() {
	local d n=
	[ -n "$1" ] || return 0
	for n in "${PINNED[@]}"; do [ "$n" = "$1" ] && break; done
	[ "$n" = "$1" ] || bail_out "userns_pids: '$1' is not a pinned namespace (its number may name another)"
	for d in /proc/[0-9]*; do
		[ "$(readlink "$d/ns/user" 2>/dev/null)" = "$1" ] || continue
		[ "$(awk '{ print $3 }' "$d/stat" 2>/dev/null)" != Z ] || continue
		echo "${d#/proc/}"
	done
}

# kill_userns NS: SIGKILL every process of userns_pids NS.
kill_userns() {
	local p
	for p in $(userns_pids "$1"); do kill -KILL "$p" 2>/dev/null || true; done
}

# kill_pause FILE: podman's pause process, by the pid it wrote to FILE (in our private
# XDG_RUNTIME_DIR), and everything in its user namespace; FILE is removed. A pid that no longer
# names a pause process (podman's test suite knows it by its comm: catatonit or "podman pause")
# is left alone: the pause process died and the pid may be another test's. The name is checked
# again once the namespace is pinned, so the namespace is the pause process's.
kill_pause() {
	local p
	[ -s "$1" ] || return 0
	p=$(cat "$1")
	rm -f "$1"
	[[ $p =~ ^[0-9]+$ ]] && is_pause "$p" || return 0
	pin_userns "$p" && is_pause "$p" || return 0
	kill_userns "$PINNED_NS"
}

is_pause() {
	case $(cat "/proc/$1/comm" 2>/dev/null) in
	catatonit | "podman pause") return 0 ;;
	*) return 1 ;;
	esac
}

need_userns() {
	unshare -U true >/dev/null 2>&1 || skip "user namespaces are not available (unshare -U true failed)"
}

# enter_private_ns ARGS...: the rest of the script runs in a private mount namespace. Outside it,
# this never returns (exec); inside, it returns at once. NEWIDMAP_PRIVATE_NS holds the namespace
# (as /proc/self/ns/mnt names it) this was done for, so a value inherited from elsewhere (a nested
# test run) never passes for one. euid 0 without CAP_SYS_ADMIN (fakeroot) cannot make one: SKIP.
enter_private_ns() {
	local here
	here=$(readlink /proc/self/ns/mnt)
	case ${NEWIDMAP_PRIVATE_NS:-} in
	"$here") return 0 ;;
	"from:"*)
		if [ "${NEWIDMAP_PRIVATE_NS#from:}" != "$here" ]; then
			# NEWIDMAP_INTEG_NS: the name the scripts written before fixtures.sh test.
			export NEWIDMAP_PRIVATE_NS=$here NEWIDMAP_INTEG_NS=1
			return 0
		fi
		;;
	esac
	unshare -m --propagation private true >/dev/null 2>&1 || skip "cannot create a mount namespace"
	export NEWIDMAP_PRIVATE_NS="from:$here"
	exec unshare -m --propagation private -- "${BASH:-/bin/bash}" "$0" "$@"
}

# in_private_ns: enter_private_ns ran for the namespace we are in.
in_private_ns() {
	[ "${NEWIDMAP_PRIVATE_NS:-}" = "$(readlink /proc/self/ns/mnt)" ]
}

scratch_tmpfs() {
	in_private_ns || bail_out "scratch_tmpfs outside the private mount namespace"
	T_DIR=$(mktemp -d /tmp/newidmap-integ.XXXXXX)
	mount -t tmpfs -o mode=755 newidmap-integ "$T_DIR"
	FX_TMPFS=$T_DIR
}

overlay_etc() {
	[ -n "$FX_TMPFS" ] || bail_out "overlay_etc before scratch_tmpfs"
	mkdir -p "$T_DIR/etc-upper" "$T_DIR/etc-work"
	mount -t overlay newidmap-etc -o "lowerdir=/etc,upperdir=$T_DIR/etc-upper,workdir=$T_DIR/etc-work" /etc ||
		skip "cannot mount an overlayfs over /etc (needed to change /etc without touching the host)"
}

# capped_copy SRC DST CAPS: chown first (it clears setuid and capabilities), then the mode, then
# the capability. The directory of DST must be searchable by the users who run it.
capped_copy() {
	local src=$1 dst=$2 caps=$3
	is_elf "$src" || bail_out "$src is not an ELF binary (a libtool wrapper would lose the capability)"
	mkdir -p "$(dirname "$dst")"
	rm -f "$dst"
	cp "$src" "$dst"
	chown 0:0 "$dst"
	chmod 755 "$dst"
	if [ "$caps" != - ]; then
		setcap "$caps" "$dst" || skip "setcap cannot set file capabilities on $(dirname "$dst")"
	fi
}

busybox_tar() {
	local root=$1/rootfs c
	[ -x /bin/busybox ] || skip "/bin/busybox is missing (apt-get install busybox-static)"
	mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/etc" "$root/vol"
	cp /bin/busybox "$root/bin/busybox"
	for c in sh ls id cat chown stat touch echo sleep mkdir true; do ln -s busybox "$root/bin/$c"; done
	printf 'root:x:0:0:root:/:/bin/sh\n' >"$root/etc/passwd"
	printf 'root:x:0:\n' >"$root/etc/group"
	BUSYBOX_TAR=$1/busybox.tar
	tar -C "$root" -cf "$BUSYBOX_TAR" .
	chmod 644 "$BUSYBOX_TAR"
}

# add_user NAME [useradd options]: no home, no login shell, no lastlog/faillog entry (-l: /var/log
# is the host's).
add_user() {
	local name=$1
	shift
	useradd -M -l -s /usr/sbin/nologin "$@" "$name" >/dev/null 2>"$T_DIR/useradd.err" ||
		bail_out "useradd $name failed: $(cat "$T_DIR/useradd.err")"
}
