# shellcheck shell=bash disable=SC2034 # the variables set here are for the tests that source it
# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers of the real-runtime tests (tests/integration/runtime-*.sh), sourced after
# lib.sh (whose at_exit runs a runtime's own cleanup before the harness's), so everything below
# happens in lib.sh's private mount namespace (tmpfs $T_DIR, overlay over /etc, our helpers copied
# to $BIN with their file capabilities). Nothing here touches the host: /dev, /usr/bin/newuidmap,
# /sys/fs/cgroup are replaced by mounts in that namespace only.
#
# How a test proves that the runtime ran OUR helpers: rt_private_dev gives the namespace a /dev
# whose /dev/log is a socket we read. Our helpers log every map they write as
# "newuidmap[PID]: action=map map=uid caller_uid=U caller=NAME target=PID ranges="..."" (shadow's
# helpers log nothing of the kind), and rt_expect_logged finds that line with the user's exact
# ranges. The bytes at /usr/bin/newuidmap are also checked to be our copy (rt_bind_helpers).
#
# The machine quirks (docs/runtimes.md): /dev/net/tun may be 0600 (slirp4netns in a user
# namespace needs 0666): our /dev has its own tun node, mode 0666. Hybrid cgroups: crun refuses
# them, so rt_cgroup2 mounts a cgroup2 hierarchy at /sys/fs/cgroup in our namespace. Podman's
# pause process: every runtime user gets a fresh HOME and XDG_RUNTIME_DIR (rt_add_user).

# rt_require CMD...: SKIP unless every CMD is installed.
rt_require() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "$c is not installed (tests/install-deps.sh installs it)"
	done
}

# rt_private_dev: /dev becomes a tmpfs holding copies of the nodes of the real /dev and binds of
# its directories, except /dev/log (a socket read into $RT_LOG by a listener) and /dev/net/tun (a
# node of its own, mode 0666, as slirp4netns needs). Host /dev is not touched.
rt_private_dev() {
	local olddev="$T_DIR/olddev" e n py i
	py=$(command -v python3 || true)
	[ -n "$py" ] || skip "python3 is needed for the syslog listener"
	RT_LOG="$T_DIR/syslog.txt"
	mkdir -p "$olddev"
	mount --rbind /dev "$olddev"
	# Else, under a shared "/", the tmpfs below would propagate onto this copy too.
	mount --make-rprivate "$olddev"
	mount -t tmpfs -o mode=755,nosuid newidmap-dev /dev
	for e in "$olddev"/* "$olddev"/.[!.]*; do
		[ -e "$e" ] || [ -L "$e" ] || continue
		n=${e##*/}
		case $n in log | net) continue ;; esac
		# Nodes are copied, not bind-mounted: the kernel looks for the devpts instance of
		# /dev/ptmx at "pts" beside the node's own dentry, which a bind mount of it hides.
		if [ -d "$e" ] && [ ! -L "$e" ]; then
			mkdir "/dev/$n"
			mount --rbind "$e" "/dev/$n"
		else
			cp -a "$e" "/dev/$n"
		fi
	done
	# Rootless podman and docker keep locks in /dev/shm: a private one keeps another test's
	# runtime of the same uid from sharing them.
	mount -t tmpfs -o mode=1777,nosuid,nodev newidmap-shm /dev/shm
	mkdir -m 755 /dev/net
	mknod -m 666 /dev/net/tun c 10 200
	: >"$RT_LOG"
	"$py" - /dev/log "$RT_LOG" <<'EOF' >/dev/null 2>"$T_DIR/listener.err" &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
with open(sys.argv[2], "ab", buffering=0) as f:
    open(sys.argv[2] + ".ready", "w").close()
    while True:
        d = s.recv(65536)
        f.write(d.rstrip(b"\0\n") + b"\n")
EOF
	track "$!"
	for ((i = 0; i < 500; i++)); do
		[ -e "$RT_LOG.ready" ] && [ -S /dev/log ] && return 0
		sleep 0.01
	done
	bail_out "the syslog listener on /dev/log did not start: $(cat "$T_DIR/listener.err")"
}

# rt_bind_helpers: our capability-holding copies ($UIDMAP, $GIDMAP from lib.sh) at
# /usr/bin/newuidmap and /usr/bin/newgidmap in this namespace; asserts they are what runs there.
rt_bind_helpers() {
	local n f mine
	[ -e /usr/bin/newuidmap ] && [ -e /usr/bin/newgidmap ] ||
		skip "/usr/bin/newuidmap and newgidmap must exist to bind-mount ours over them (apt-get install uidmap)"
	mount --bind "$UIDMAP" /usr/bin/newuidmap
	mount --bind "$GIDMAP" /usr/bin/newgidmap
	for n in newuidmap:cap_setuid newgidmap:cap_setgid; do
		f=/usr/bin/${n%:*}
		mine=$BIN/${n%:*}
		if [ "$(stat -c %d:%i "$f")" = "$(stat -c %d:%i "$mine")" ] && [ ! -u "$f" ] && [ ! -g "$f" ] &&
			[ "$(getcap "$f")" = "$f ${n#*:}=ep" ]; then
			pass "$f is our copy, ${n#*:}=ep, no setuid bit"
		else
			fail "$f is our copy, ${n#*:}=ep, no setuid bit" "$(stat -c '%d:%i %A' "$f") $(getcap "$f")"
		fi
	done
}

# rt_cgroup2: a cgroup2 hierarchy at /sys/fs/cgroup in this namespace (the host's may be hybrid,
# which crun refuses). Only the mount is new; the cgroups are the host's unified hierarchy.
rt_cgroup2() {
	if [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; then
		mount -t cgroup2 none /sys/fs/cgroup
	fi
}

# rt_add_user NAME SUBUID SUBGID COUNT: a throw-away user (overlay /etc) with one sub-id range
# each in /etc/subuid and /etc/subgid, a fresh HOME and XDG_RUNTIME_DIR under $T_DIR. Sets
# RT_NAME RT_UID RT_GID RT_HOME RT_RUN RT_SUBUID RT_SUBGID RT_COUNT.
rt_add_user() {
	RT_NAME=$1 RT_SUBUID=$2 RT_SUBGID=$3 RT_COUNT=$4
	useradd -M -l -s /bin/sh "$RT_NAME"
	RT_UID=$(id -u "$RT_NAME")
	RT_GID=$(id -g "$RT_NAME")
	# useradd gives the user ranges of its own when the files exist (login.defs SUB_UID_COUNT):
	# the user is to have exactly the one range of the test.
	touch /etc/subuid /etc/subgid
	sed -i "/^$RT_NAME:/d; /^$RT_UID:/d" /etc/subuid
	sed -i "/^$RT_NAME:/d; /^$RT_UID:/d" /etc/subgid
	printf '%s:%s:%s\n' "$RT_NAME" "$RT_SUBUID" "$RT_COUNT" >>/etc/subuid
	printf '%s:%s:%s\n' "$RT_NAME" "$RT_SUBGID" "$RT_COUNT" >>/etc/subgid
	chmod 644 /etc/subuid /etc/subgid
	rt_fresh_dirs "$RT_NAME"
}

# rt_fresh_dirs TAG: a new empty HOME and XDG_RUNTIME_DIR for the current user (no pause process
# or daemon state of an earlier run to join). XDG_RUNTIME_DIR is kept short: podman 4.3 refuses a
# runroot ($XDG_RUNTIME_DIR/containers) longer than 50 characters in the `container cleanup` that
# conmon runs when a container exits, and `podman run` then waits 20 s for the exit code.
RT_NRUN=0
rt_fresh_dirs() {
	RT_NRUN=$((RT_NRUN + 1))
	RT_HOME=$T_DIR/home-$1
	RT_RUN=$T_DIR/r$RT_NRUN
	mkdir -p "$RT_HOME" "$RT_RUN"
	chown "$RT_UID:$RT_GID" "$RT_HOME" "$RT_RUN"
	chmod 700 "$RT_HOME" "$RT_RUN"
}

# rt_as CMD...: CMD as the runtime user, with a clean environment.
rt_as() {
	setpriv --reuid "$RT_UID" --regid "$RT_GID" --init-groups \
		env -i HOME="$RT_HOME" XDG_RUNTIME_DIR="$RT_RUN" USER="$RT_NAME" LOGNAME="$RT_NAME" \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C "$@"
}

# rt_busybox_tar: $RT_TAR, a root file system tarball of the static busybox and its applets
# (an image without a registry).
rt_busybox_tar() {
	busybox_tar "$T_DIR"
	RT_TAR=$BUSYBOX_TAR
}

# rt_expect_logged WHAT MAP RANGES [TARGET]: within 10 s our helper logged writing RANGES
# ("inner:outer:count,...") as the uid (MAP=uid) or gid map of the runtime user (for pid TARGET).
rt_expect_logged() {
	local what=$1 map=$2 ranges=$3 target=${4:-} i pat
	pat="action=map map=$map caller_uid=$RT_UID caller=$RT_NAME target=${target:-}"
	for ((i = 0; i < 1000; i++)); do
		if grep -F "$pat${target:+ }" "$RT_LOG" | grep -qF "ranges=\"$ranges\""; then
			pass "$what: our new${map}map logged the $map map $ranges for $RT_NAME${target:+ (pid $target)}"
			return 0
		fi
		sleep 0.01
	done
	fail "$what: our new${map}map logged the $map map $ranges for $RT_NAME${target:+ (pid $target)}" \
		"the log holds: $(grep -F "caller=$RT_NAME " "$RT_LOG" | paste -sd '|')"
}

# rt_expect_ns_empty WHAT NS...: within 10 s no live process is left in the pinned user namespaces NS
# (killed processes take a moment to exit and be reaped).
rt_expect_ns_empty() {
	local what=$1 end=$((SECONDS + 10)) ns left
	shift
	if [ $# = 0 ] || [ -z "$1" ]; then
		fail "$what: no process left in its user namespace" "the namespace was never found"
		return 0
	fi
	while :; do
		left=$(for ns in "$@"; do userns_pids "$ns"; done | paste -sd ' ')
		[ -n "$left" ] && [ "$SECONDS" -lt "$end" ] || break
		sleep 0.05
	done
	if [ -z "$left" ]; then
		pass "$what: no process left in its user namespace${2:+s ($# of them)}"
	else
		fail "$what: no process left in its user namespace" "pids $left: $(ps -o pid=,stat=,args= -p "${left// /,}" | paste -sd '|')"
	fi
}

# RT_PROBE_SH: what a test container runs: its two maps, then a file made by its root and one
# chowned to 1000:1000 in the volume at /vol; rt_expect_rootless reads the result.
RT_PROBE_SH='cat /proc/self/uid_map; echo /; cat /proc/self/gid_map; echo /;
	touch /vol/by-root /vol/by-1000 && chown 1000:1000 /vol/by-1000 && echo done'

# rt_expect_rootless WHAT VOL FIRST: $OUT from RT_PROBE_SH, its sections numbered from FIRST, and
# the files in VOL show the rootless map: the user's own ids at 0, its sub-ids from 1 (so inner
# 1000 is SUB + 999, and the container's root is the user).
rt_expect_rootless() {
	local what=$1 vol=$2 n=$3
	rt_expect "$what: the container's uid_map" "0 $RT_UID 1
1 $RT_SUBUID $RT_COUNT" "$(rt_section "$n" <<<"$OUT" | norm)"
	rt_expect "$what: the container's gid_map" "0 $RT_GID 1
1 $RT_SUBGID $RT_COUNT" "$(rt_section $((n + 1)) <<<"$OUT" | norm)"
	rt_expect "$what: touch and chown in the volume" "done" "$(rt_section $((n + 2)) <<<"$OUT")"
	rt_expect "$what: host owner of a file chowned to 1000:1000 inside" \
		"$((RT_SUBUID + 999)):$((RT_SUBGID + 999))" "$(stat -c %u:%g "$vol/by-1000" 2>&1)"
	rt_expect "$what: host owner of a file made by the container's root" "$RT_UID:$RT_GID" \
		"$(stat -c %u:%g "$vol/by-root" 2>&1)"
}

# rt_expect WHAT WANT GOT
rt_expect() {
	if [ "$2" = "$3" ]; then
		pass "$1 is '$(show "$2")'"
	else
		fail "$1 is '$(show "$2")'" "it is '$(show "$3")'"
	fi
}

# rt_section N: the Nth part (from 0) of stdin, parts being separated by lines "/".
rt_section() {
	awk -v n="$1" '/^\/$/ { s++; next } s == n'
}
