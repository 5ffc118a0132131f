#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# subid-check's container area (container.*): fixture trees under --sysroot drive every verdict of
# every check (mountinfo, /proc/self/ns/pid, cgroup files, /dev/fuse, the kernel release, binaries
# in PATH), then real states made in our private mount namespace: /proc over-mounted from
# /dev/null, a read-only /sys bind, a new PID namespace, a PATH without slirp4netns or pasta.
# Every assertion reads the --json output.
# shellcheck source=tests/lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
need_built "$SUBID_CHECK"

# shellcheck source=tests/lib/json.sh
. "$(dirname "$0")/../lib/json.sh"
SC="$BIN/subid-check"
cp "$SUBID_CHECK" "$SC"
chmod 755 "$SC"

# ---------------------------------------------------------------------------------------------
# Fixture trees

FX="$T_DIR/fixtures"
PID_INIT='pid:[4026531836]'
PID_OWN='pid:[4026532399]'
# A plain host: root, /proc, /sys, cgroup2 and binfmt_misc (on a permanently empty directory:
# it does not mask /proc).
MI_HOST='21 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw
22 21 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:5 - proc proc rw
23 21 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:6 - sysfs sysfs rw
24 23 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:7 - cgroup2 cgroup2 rw,nsdelegate
25 22 0:40 / /proc/sys/fs/binfmt_misc rw,relatime shared:30 - binfmt_misc binfmt_misc rw
26 21 0:41 / /mnt/with\040space rw,relatime - tmpfs tmpfs rw'
# Docker's default: masked paths and read-only /proc directories, /sys read-only.
MI_DOCKER='500 400 0:60 / / rw,relatime - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w
501 500 0:62 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
502 500 0:63 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro
503 502 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw
504 501 0:62 /bus /proc/bus ro,nosuid,nodev,noexec,relatime - proc proc rw
505 501 0:62 /sysrq-trigger /proc/sysrq-trigger ro,nosuid,nodev,noexec,relatime - proc proc rw
506 501 0:64 / /proc/acpi ro,relatime - tmpfs tmpfs ro
507 501 0:5 /null /proc/kcore rw,nosuid - devtmpfs udev rw,size=4000k
508 501 0:5 /null /proc/keys rw,nosuid - devtmpfs udev rw,size=4000k
509 501 0:5 /null /proc/timer_list rw,nosuid - devtmpfs udev rw,size=4000k'

# fixture NAME: a fresh tree $FXD with an /etc/passwd (root and alice, uid 1000) and a plain
# healthy host: the mountinfo above, the initial PID namespace, the identity uid_map, cgroup v2
# delegated to alice, kernel 6.1, /dev/fuse, fuse-overlayfs and slirp4netns.
fixture() {
	FXD="$FX/$1"
	mkdir -p "$FXD/etc" "$FXD/proc/self/ns" "$FXD/proc/1" "$FXD/proc/sys/kernel" "$FXD/dev" "$FXD/usr/bin" \
		"$FXD/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service"
	printf 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n' >"$FXD/etc/passwd"
	printf '%s\n' "$MI_HOST" >"$FXD/proc/self/mountinfo"
	ln -s "$PID_INIT" "$FXD/proc/self/ns/pid"
	printf '         0          0 4294967295\n' >"$FXD/proc/self/uid_map"
	printf '0::/init.scope\n' >"$FXD/proc/1/cgroup"
	printf 'HOME=/\0TERM=linux\0' >"$FXD/proc/1/environ"
	printf 'cpuset cpu io memory hugetlb pids rdma misc\n' >"$FXD/sys/fs/cgroup/cgroup.controllers"
	printf 'cpu memory pids\n' >"$FXD/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/cgroup.controllers"
	printf '6.1.0-28-amd64\n' >"$FXD/proc/sys/kernel/osrelease"
	: >"$FXD/dev/fuse"
	mkexe fuse-overlayfs slirp4netns
}

mkexe() {
	local n
	for n in "$@"; do
		printf '#!/bin/sh\n' >"$FXD/usr/bin/$n"
		chmod 755 "$FXD/usr/bin/$n"
	done
}

# sc [ARGS...]: run subid-check on the current fixture, JSON, a PATH that the fixture populates.
sc() {
	run env PATH=/usr/bin:/bin "$SC" --sysroot "$FXD" --json "$@"
}

# A healthy host: every container check passes.
fixture host
sc --user alice
expect_check "host" container.inside pass "" "no sign of a container"
expect_check "host" container.proc_masked pass "" "no over-mounts under /proc (6 mounts read)"
expect_check "host" container.propagation pass "" "/ (ext4) is a shared mount"
expect_check "host" container.pid_sandbox pass "" "not inside a container (the initial PID namespace)"
expect_check "host" container.sys_readonly pass "" "/sys is mounted read-write"
expect_check "host" container.cgroup pass "" "cgroup v2; user@1000.service delegates 'cpu memory pids'"
expect_check "host" container.fuse pass "" "kernel 6.1.0-28-amd64 mounts overlayfs in a user namespace"
expect_check "host" container.network pass "" "slirp4netns at /usr/bin/slirp4netns"
expect_check "host" probe.userns skip "" "--sysroot"

# Docker's defaults: masked /proc, read-only /sys, a PID namespace of its own.
fixture docker
: >"$FXD/.dockerenv"
printf '12:pids:/docker/4f1c0ffee\n0::/\n' >"$FXD/proc/self/cgroup"
printf '%s\n' "$MI_DOCKER" >"$FXD/proc/self/mountinfo"
ln -sfn "$PID_OWN" "$FXD/proc/self/ns/pid"
sc --user alice
expect_check "docker" container.inside pass "" "inside a container: /.dockerenv exists (docker); /proc/self/cgroup names docker"
expect_check "docker" container.proc_masked warn "docker run --security-opt systempaths=unconfined" \
	"6 over-mounts under /proc: /proc/bus (proc /bus, ro), /proc/sysrq-trigger (proc /sysrq-trigger, ro), /proc/acpi (tmpfs, ro), /proc/kcore (devtmpfs /null)"
expect_check "docker" container.proc_masked warn "procMount: Unmasked" "a nested runtime cannot mount a fresh procfs"
expect_check "docker" container.propagation warn "mount --make-rshared /" "/ (overlay) is a private mount"
expect_check "docker" container.pid_sandbox pass "" "the container has a PID namespace of its own ($PID_OWN)"
expect_check "docker" container.sys_readonly warn "--privileged" "/sys is mounted read-only (sysfs sysfs, ro,"

# docker --pid=host: inside a container, in the host's PID namespace.
fixture pidhost
: >"$FXD/.dockerenv"
printf '12:pids:/docker/4f1c0ffee\n0::/\n' >"$FXD/proc/self/cgroup"
sc
expect_check "--pid=host" container.pid_sandbox warn "--oci-worker-no-process-sandbox" \
	"the container shares the host's initial PID namespace ($PID_INIT)"
# No ns link: NSpid with two pids means a PID namespace of our own; with one, we cannot tell.
rm "$FXD/proc/self/ns/pid"
printf 'Name:\tbash\nNSpid:\t4242\t7\nPPid:\t1\n' >"$FXD/proc/self/status"
sc
expect_check "NSpid with two pids" container.pid_sandbox pass "" "a PID namespace of its own (NSpid)"
printf 'Name:\tbash\nNSpid:\t4242\nPPid:\t1\n' >"$FXD/proc/self/status"
sc
expect_check "no ns link, one NSpid" container.pid_sandbox skip "" "cannot tell the PID namespace"

# /.dockerenv alone (an image turned into a VM or chroot) is reported but is no reason to warn
# about the initial PID namespace.
fixture dockerenv-only
: >"$FXD/.dockerenv"
sc
expect_check "/.dockerenv alone" container.inside pass "" "probably not a container: /.dockerenv exists (docker), but no other sign"
expect_check "/.dockerenv alone" container.pid_sandbox pass ""

# Each sign of a container on its own.
fixture podman
mkdir -p "$FXD/run"
: >"$FXD/run/.containerenv"
sc
expect_check "podman" container.inside pass "" "inside a container: /run/.containerenv exists (podman, buildah)"
fixture environ
printf 'HOME=/\0container=lxc\0TERM=linux\0' >"$FXD/proc/1/environ"
sc
expect_check "container= of pid 1" container.inside pass "" "pid 1 has container=lxc"
fixture kubepods
printf '0::/kubepods.slice/kubepods-burstable.slice/cri-containerd-abc.scope\n' >"$FXD/proc/1/cgroup"
sc
expect_check "kubepods cgroup" container.inside pass "" "/proc/1/cgroup names kubepods"
fixture nested
printf '         0       1000          1\n         1     100000      65536\n' >"$FXD/proc/self/uid_map"
sc
expect_check "nested user namespace" container.inside pass "" "in a nested user namespace (uid_map:"

# mountinfo: one mask is enough; none, or none readable.
fixture onemask
printf '%s\n30 22 0:44 / /proc/scsi ro,relatime - tmpfs tmpfs ro\n' "$MI_HOST" >"$FXD/proc/self/mountinfo"
sc
expect_check "one tmpfs mask" container.proc_masked warn "systempaths=unconfined" "1 over-mount under /proc: /proc/scsi (tmpfs, ro)"
fixture nomountinfo
rm "$FXD/proc/self/mountinfo"
sc
expect_check "no mountinfo" container.proc_masked skip "" "cannot read /proc/self/mountinfo under the sysroot"
expect_check "no mountinfo" container.sys_readonly skip "" "cannot read /proc/self/mountinfo under the sysroot"
fixture nosys
grep -v ' /sys' <<<"$MI_HOST" >"$FXD/proc/self/mountinfo"
sc
expect_check "nothing on /sys" container.sys_readonly warn "mount -t sysfs sysfs /sys" "nothing is mounted on /sys"
# The topmost mount on /sys decides: a read-only bind over a read-write sysfs.
fixture sysbind
printf '%s\n40 23 0:22 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs rw\n' "$MI_HOST" >"$FXD/proc/self/mountinfo"
sc
expect_check "read-only bind over /sys" container.sys_readonly warn "--privileged" "/sys is mounted read-only"

# cgroup: hybrid, v1, no delegation, partial delegation, root, no cgroup tree at all.
fixture hybrid
rm -r "$FXD/sys/fs/cgroup"
mkdir -p "$FXD/sys/fs/cgroup/unified" "$FXD/sys/fs/cgroup/memory"
sc --user alice
expect_check "hybrid cgroups" container.cgroup warn "systemd.unified_cgroup_hierarchy=1" \
	"hybrid: cgroup v1 controllers with a v2 hierarchy on /sys/fs/cgroup/unified; rootless containers get no resource limits (podman: 'cgroups in hybrid mode not supported')"
rm -r "$FXD/sys/fs/cgroup/unified"
sc --user alice
expect_check "cgroup v1" container.cgroup warn "systemd.unified_cgroup_hierarchy=1" "cgroup v1"
fixture nodelegation
rm -r "$FXD/sys/fs/cgroup/user.slice"
sc --user alice
expect_check "no user@1000.service" container.cgroup warn "loginctl enable-linger alice" \
	"user.slice/user-1000.slice/user@1000.service/cgroup.controllers: No such file or directory"
expect_check "no user@1000.service" container.cgroup warn "Delegate=cpu cpuset io memory pids"
fixture partial
printf 'memory pids\n' >"$FXD/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/cgroup.controllers"
sc --user alice
expect_check "memory pids only" container.cgroup warn "Delegate=cpu cpuset io memory pids" "delegates 'memory pids', missing cpu"
sc --user root
expect_check "root" container.cgroup pass "" "root manages its cgroups itself"
fixture image
rm -r "${FXD:?}/sys" "${FXD:?}/proc/sys" "${FXD:?}/dev"
sc --user alice
expect_check "image without sys/" container.cgroup skip "" "no /sys/fs/cgroup under the sysroot"
expect_check "image without /dev or osrelease" container.fuse skip "" "neither /proc/sys/kernel/osrelease nor /dev"

# fuse: a kernel before 5.11 needs /dev/fuse and fuse-overlayfs, both.
fixture oldkernel
printf '5.10.0-30-amd64\n' >"$FXD/proc/sys/kernel/osrelease"
sc
expect_check "5.10 with /dev/fuse and fuse-overlayfs" container.fuse pass "" "/dev/fuse present; fuse-overlayfs at /usr/bin/fuse-overlayfs"
rm "$FXD/usr/bin/fuse-overlayfs"
sc
expect_check "5.10 without fuse-overlayfs" container.fuse warn "apt-get install fuse-overlayfs" \
	"kernel 5.10.0-30-amd64 (before 5.11: no overlayfs in a user namespace); /dev/fuse present; fuse-overlayfs not in PATH"
mkexe fuse-overlayfs
rm "$FXD/dev/fuse"
sc
expect_check "5.10 without /dev/fuse" container.fuse warn "--device /dev/fuse" "/dev/fuse absent"
printf '5.11.0\n' >"$FXD/proc/sys/kernel/osrelease"
sc
expect_check "5.11 without /dev/fuse" container.fuse pass "" "kernel 5.11.0 mounts overlayfs in a user namespace; /dev/fuse absent"
# A non-executable fuse-overlayfs is not found, as execvp would not run it.
printf '5.4.0\n' >"$FXD/proc/sys/kernel/osrelease"
: >"$FXD/dev/fuse"
chmod 644 "$FXD/usr/bin/fuse-overlayfs"
sc
expect_check "fuse-overlayfs not executable" container.fuse warn "fuse-overlayfs" "fuse-overlayfs not in PATH"

# network: neither tool, pasta alone.
fixture nonet
rm "$FXD/usr/bin/slirp4netns"
sc
expect_check "no slirp4netns or pasta" container.network warn "apt-get install slirp4netns (or passt" "neither slirp4netns nor pasta is in PATH"
mkexe pasta
sc
expect_check "pasta only" container.network pass "" "pasta at /usr/bin/pasta"

# ---------------------------------------------------------------------------------------------
# Real states, in our private mount namespace only.

# A file under /proc over-mounted from /dev/null, as Docker masks /proc/kcore.
masked=""
for f in /proc/keys /proc/timer_list /proc/kcore /proc/sched_debug; do
	if [ -f "$f" ]; then
		masked=$f
		break
	fi
done
if [ -n "$masked" ]; then
	mount --bind /dev/null "$masked"
	run env PATH=/usr/bin:/bin "$SC" --no-probe --json
	expect_check "live: $masked over-mounted" container.proc_masked warn "systempaths=unconfined" "$masked ("
	umount "$masked"
else
	fail "live: a file under /proc over-mounted" "none of /proc/keys /proc/timer_list /proc/kcore exists"
fi

# A read-only bind of /sys over itself.
mount --bind /sys /sys
mount -o remount,bind,ro /sys
run env PATH=/usr/bin:/bin "$SC" --no-probe --json
expect_check "live: read-only /sys bind" container.sys_readonly warn "--privileged" "/sys is mounted read-only (sysfs sysfs, ro"
umount /sys

# A PID namespace of our own, with its own /proc: never the host's initial one.
run unshare -p -f --mount-proc env PATH=/usr/bin:/bin "$SC" --no-probe --json
expect_check "live: new PID namespace" container.pid_sandbox pass ""

# BuildKit's --oci-worker-no-process-sandbox case: inside a container (podman's /run/.containerenv,
# on a tmpfs of ours over /run) but in the host's PID namespace: build steps outlive their build
# and can signal the daemon.
run unshare -m --propagation unchanged sh -c 'mount -t tmpfs -o mode=755 nidt-run /run && : >/run/.containerenv && exec env PATH=/usr/bin:/bin "$0" --no-probe --json' "$SC"
expect_check "live: a container without its own PID namespace" container.pid_sandbox warn \
	"--oci-worker-no-process-sandbox" "shares the host's initial PID namespace"

# A PATH without slirp4netns or pasta.
mkdir -p "$T_DIR/emptybin"
run env PATH="$T_DIR/emptybin" "$SC" --no-probe --json
expect_check "live: PATH without slirp4netns or pasta" container.network warn "apt-get install slirp4netns" \
	"neither slirp4netns nor pasta is in PATH ($T_DIR/emptybin)"

# / private (as lib.sh's unshare --propagation private leaves it), then shared in a child mount
# namespace of ours: podman's '"/" is not a shared mount' state and its fix.
run unshare -m --propagation unchanged sh -c 'mount --make-private / && exec env PATH=/usr/bin:/bin "$0" --no-probe --json' "$SC"
expect_check "live: / private" container.propagation warn "mount --make-rshared /" "is a private mount"
run unshare -m --propagation unchanged sh -c 'mount --make-rshared / && exec env PATH=/usr/bin:/bin "$0" --no-probe --json' "$SC"
expect_check "live: / made shared" container.propagation pass "" "is a shared mount"

finish
