#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# subid-check's live probe (probe.*) on real user namespaces: a throw-away user with ranges in the
# overlay's /etc/subuid and /etc/subgid, our helpers (with their file capabilities) bind-mounted
# over /usr/bin/newuidmap and /usr/bin/newgidmap in our private mount namespace; then broken
# states: a helper copy without its capability, user.max_user_namespaces = 0 in a child user
# namespace, no ranges, no gid range, no helper in PATH. Every assertion reads the --json output.
# shellcheck source=tests/lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
need_built "$SUBID_CHECK"

# shellcheck source=tests/lib/json.sh
. "$(dirname "$0")/../lib/json.sh"

# A copy any user can run (the build tree may sit under a private home).
SC="$BIN/subid-check"
cp "$SUBID_CHECK" "$SC"
chmod 755 "$SC"
# PATH for every run: the helpers a runtime finds are the ones in /usr/bin (bind-mounted below),
# not whatever else this host has in /usr/local/bin.
SAFE_PATH=/usr/bin:/bin:/usr/sbin:/sbin

# The probe's steps after a failure at step FIRST_SKIPPED-1.
expect_skipped_after() {
	local what=$1 id
	shift
	for id in "$@"; do
		expect_check "$what" "$id" skip "" "earlier step failed"
	done
}

# ---------------------------------------------------------------------------------------------
# A healthy host: ranges, privileged helpers where a runtime finds them.
set_subuid "$A_NAME:200000:65536
$B_NAME:300000:65536
"
set_subgid "$A_NAME:200000:65536
$B_NAME:300000:65536
"
mount --bind "$UIDMAP" /usr/bin/newuidmap
mount --bind "$GIDMAP" /usr/bin/newgidmap

run env PATH="$SAFE_PATH" "$SC" --user "$A_NAME" --json
expect_check "root probing $A_NAME" probe.userns pass "" "as $A_NAME (uid $A_UID) made user:["
expect_check "root probing $A_NAME" probe.uid_map pass "" "/usr/bin/newuidmap wrote uid_map '0 $A_UID 1; 1 200000 65536'"
expect_check "root probing $A_NAME" probe.gid_map pass "" "/usr/bin/newgidmap wrote gid_map '0 $A_GID 1; 1 200000 65536'"
expect_check "root probing $A_NAME" probe.setgroups pass "" "allow"
expect_check "root probing $A_NAME" probe.chown pass "" "chowned to 1000:1000 inside the namespace is owned by 200999:200999 on the host"

# The same as the user itself, with a runtime directory of its own: the probe works there and
# leaves nothing behind.
XDG="$T_DIR/xdg-a"
mkdir "$XDG"
chown "$A_UID:$A_GID" "$XDG"
chmod 700 "$XDG"
run run_as "$A_UID" "$A_GID" env PATH="$SAFE_PATH" XDG_RUNTIME_DIR="$XDG" "$SC" --json
expect_check "$A_NAME probing itself" probe.uid_map pass "" "wrote uid_map '0 $A_UID 1; 1 200000 65536'"
expect_check "$A_NAME probing itself" probe.chown pass "" "a file in $XDG chowned to 1000:1000"
if [ -z "$(ls -A "$XDG")" ]; then
	pass "$A_NAME probing itself: the temporary directory in XDG_RUNTIME_DIR is gone"
else
	fail "$A_NAME probing itself: the temporary directory in XDG_RUNTIME_DIR is gone" "left: $(ls -A "$XDG")"
fi

# Two ranges: inner ids continue across them, in file order.
set_subuid "$A_NAME:200000:500
$A_NAME:400000:65536
"
run env PATH="$SAFE_PATH" "$SC" --user "$A_NAME" --json
expect_check "two uid ranges" probe.uid_map pass "" "uid_map '0 $A_UID 1; 1 200000 500; 501 400000 65536'"
expect_check "two uid ranges" probe.chown pass "" "owned by 400499:200999 on the host"
set_subuid "$A_NAME:200000:65536
"

# ---------------------------------------------------------------------------------------------
# Why the probe did not run.
run env PATH="$SAFE_PATH" "$SC" --user "$A_NAME" --no-probe --json
expect_check "--no-probe" probe.userns skip "" "--no-probe"
expect_absent "--no-probe" probe.uid_map
run run_as "$A_UID" "$A_GID" env PATH="$SAFE_PATH" "$SC" --user "$B_NAME" --json
expect_check "not root, --user another user" probe.userns skip "" "not root and --user names another user"
mkdir -p "$T_DIR/sysroot/etc"
getent passwd root "$A_NAME" >"$T_DIR/sysroot/etc/passwd"
run env PATH="$SAFE_PATH" "$SC" --sysroot "$T_DIR/sysroot" --user "$A_NAME" --json
expect_check "--sysroot" probe.userns skip "" "--sysroot"

# ---------------------------------------------------------------------------------------------
# A helper copy without its file capability where a runtime finds it: the map write fails with
# the helper's own message, and the fix names the missing privilege.
mkdir "$T_DIR/nocap"
chmod 755 "$T_DIR/nocap"
cp "$NEWUIDMAP" "$T_DIR/nocap/newuidmap"
chmod 755 "$T_DIR/nocap/newuidmap"
setcap -r "$T_DIR/nocap/newuidmap" 2>/dev/null || true
mount --bind "$T_DIR/nocap/newuidmap" /usr/bin/newuidmap
run env PATH="$SAFE_PATH" "$SC" --user "$A_NAME" --json
expect_check "helper without capability" probe.userns pass ""
expect_check "helper without capability" probe.uid_map fail "setcap cap_setuid=ep /usr/bin/newuidmap" \
	"newuidmap: write to uid_map failed: Operation not permitted"
expect_skipped_after "helper without capability" probe.gid_map probe.setgroups probe.chown
umount /usr/bin/newuidmap # back to our privileged copy

# No helper in PATH at all.
mkdir "$T_DIR/emptybin"
run env PATH="$T_DIR/emptybin" "$SC" --user "$A_NAME" --json
expect_check "no helper in PATH" probe.uid_map fail "apt-get install uidmap" "newuidmap is not in PATH ($T_DIR/emptybin)"

# The privileged copy again: the probe passes once more.
run env PATH="$SAFE_PATH" "$SC" --user "$A_NAME" --json
expect_check "back to the privileged helper" probe.uid_map pass ""

# ---------------------------------------------------------------------------------------------
# Root probing another user hands that user nothing of root's memory and no way into its result
# pipe. subid-check reads the mode-0600 /etc/sssd/sssd.conf (collide.c) before the probe: a
# secret planted there must be in no process the user can read. tests/integration/probe-spy.py
# stands in for newuidmap (as the user, a child of the probe Q, with the namespace process C as
# its target) and reports what the user can see of Q and C.
SECRET="nidt-secret-$RANDOM$RANDOM-not-to-leak"
mkdir -p /etc/sssd
{
	printf '[domain/x]\nid_provider = ldap\n'
	for ((i = 0; i < 64; i++)); do printf 'ldap_default_authtok = %s\n' "$SECRET"; done
} >/etc/sssd/sssd.conf
chmod 600 /etc/sssd/sssd.conf
SPY="$T_DIR/spybin"
mkdir -p "$SPY" "$T_DIR/spyout"
chown "$A_UID" "$T_DIR/spyout"
cp "$(dirname "$0")/probe-spy.py" "$T_DIR/probe-spy.py"
printf '#!/bin/sh\nexec python3 %s %s %s "$1" 2>%s\n' "$T_DIR/probe-spy.py" "$SECRET" "$T_DIR/spyout/report" \
	"$T_DIR/spyout/err" >"$SPY/newuidmap"
chmod 755 "$SPY/newuidmap" "$T_DIR/probe-spy.py"
run env PATH="$SPY:$SAFE_PATH" "$SC" --user "$A_NAME" --json
REPORT=$(cat "$T_DIR/spyout/report" 2>&1 || true; cat "$T_DIR/spyout/err" 2>/dev/null || true)
expect_check "spy as newuidmap" probe.uid_map fail ""
check_true "spy: it ran as $A_NAME against the probe" "$REPORT" grep -q '^c_mem=' <<<"$REPORT"
check_true "spy: the probe Q (root's fork, now $A_NAME's) is not dumpable: its /proc files are root's" \
	"$REPORT" grep -qx 'q_environ_owner=0' <<<"$REPORT"
check_true "spy: the user cannot read Q's memory" "$REPORT" grep -q '^q_mem=denied' <<<"$REPORT"
check_true "spy: the user cannot open Q's stdout (P's result pipe)" "$REPORT" grep -q '^q_stdout=denied' <<<"$REPORT"
check_true "spy: the namespace process C is a fresh image (subid-check --probe-child)" "$REPORT" \
	grep -q '^c_cmdline=subid-check --probe-child [0-9]' <<<"$REPORT"
check_true "spy: C's memory (the user's to read) holds no byte of root's secret" "$REPORT" \
	grep -qx 'c_mem=clean' <<<"$REPORT"
rm -rf /etc/sssd

# ---------------------------------------------------------------------------------------------
# user.max_user_namespaces = 0 in a child user namespace (the limit is per namespace and root in
# it may lower it): unshare fails with ENOSPC.
if unshare -U -r sh -c 'echo 0 >/proc/sys/user/max_user_namespaces' 2>/dev/null; then
	# shellcheck disable=SC2016 # $0 is for the inner shell
	run unshare -U -r env PATH="$SAFE_PATH" sh -c 'echo 0 >/proc/sys/user/max_user_namespaces && exec "$0" --json' "$SC"
	expect_check "max_user_namespaces=0" probe.userns fail "user.max_user_namespaces = 28633" \
		"failed: ENOSPC (No space left on device): user.max_user_namespaces is 0"
	expect_skipped_after "max_user_namespaces=0" probe.uid_map probe.gid_map probe.setgroups probe.chown
else
	fail "max_user_namespaces=0" "this kernel does not let root in a child user namespace lower the limit"
fi

# ---------------------------------------------------------------------------------------------
# No ranges: the probe stops at the uid map, before running a helper.
set_subuid "$B_NAME:300000:65536
"
run env PATH="$SAFE_PATH" "$SC" --user "$A_NAME" --json
expect_check "no subuid range" probe.userns pass ""
expect_check "no subuid range" probe.uid_map fail "usermod --add-subuids START-END $A_NAME" \
	"no range for $A_NAME (uid $A_UID) in /etc/subuid"
expect_skipped_after "no subuid range" probe.gid_map probe.setgroups probe.chown
rm -f /etc/subuid
run env PATH="$SAFE_PATH" "$SC" --user "$A_NAME" --json
expect_check "no /etc/subuid" probe.uid_map fail "usermod --add-subuids" "/etc/subuid does not exist"

# A uid range but no gid range: the gid map step fails.
set_subuid "$A_NAME:200000:65536
"
set_subgid "$B_NAME:300000:65536
"
run env PATH="$SAFE_PATH" "$SC" --user "$A_NAME" --json
expect_check "no subgid range" probe.uid_map pass ""
expect_check "no subgid range" probe.gid_map fail "usermod --add-subgids START-END $A_NAME" \
	"no range for $A_NAME (uid $A_UID) in /etc/subgid"
expect_skipped_after "no subgid range" probe.setgroups probe.chown

# A range the helper refuses: the user's own uid inside it, so the kernel rejects the overlap.
set_subgid "$A_NAME:200000:65536
"
set_subuid "$A_NAME:$A_UID:10
"
run env PATH="$SAFE_PATH" "$SC" --user "$A_NAME" --json
expect_check "own uid inside the range" probe.uid_map fail "refused $A_NAME's full map" "failed (exit status 1)"

# An untrusted /etc/subuid (group-writable): the helper will not use it; the probe says so.
put_file /etc/subuid "$A_NAME:200000:65536
" 664
run env PATH="$SAFE_PATH" "$SC" --user "$A_NAME" --json
expect_check "group-writable /etc/subuid" probe.uid_map fail "usermod --add-subuids" "/etc/subuid is writable by group or others"

# ---------------------------------------------------------------------------------------------
# Storage that squashes owners (as NFS all_squash does): the user's runtime directory on a
# fuse-overlayfs mount with squash_to_uid/gid. The chown works, the host sees the wrong owner.
set_subuid "$A_NAME:200000:65536
"
set_subgid "$A_NAME:200000:65536
"
if command -v fuse-overlayfs >/dev/null 2>&1 && [ -c /dev/fuse ] && command -v fusermount3 >/dev/null 2>&1; then
	SQ="$T_DIR/squash"
	mkdir -p "$SQ/lower" "$SQ/upper" "$SQ/work" "$SQ/mnt"
	chown "$A_UID:$A_GID" "$SQ/lower" "$SQ/upper" "$SQ/mnt"
	chmod 700 "$SQ/lower" "$SQ/upper"
	fuse-overlayfs -f -o "lowerdir=$SQ/lower,upperdir=$SQ/upper,workdir=$SQ/work,squash_to_uid=$A_UID,squash_to_gid=$A_GID,allow_other" \
		"$SQ/mnt" >/dev/null 2>&1 &
	BG_PIDS+=("$!")
	for ((i = 0; i < 500; i++)); do
		[ "$(stat -f -c %T "$SQ/mnt" 2>/dev/null)" = fuseblk ] || [ "$(stat -f -c %T "$SQ/mnt" 2>/dev/null)" = fuse ] && break
		sleep 0.01
	done
	run run_as "$A_UID" "$A_GID" env PATH="$SAFE_PATH" XDG_RUNTIME_DIR="$SQ/mnt" "$SC" --json
	expect_check "owner-squashing storage" probe.setgroups pass ""
	expect_check "owner-squashing storage" probe.chown fail "keep container storage on a local file system" \
		"chowned to 1000:1000 inside the namespace is owned by $A_UID:$A_GID on the host, not by the mapped 200999:200999"
	if [ -z "$(ls -A "$SQ/mnt")" ]; then
		pass "owner-squashing storage: the temporary directory is gone"
	else
		fail "owner-squashing storage: the temporary directory is gone" "left: $(ls -A "$SQ/mnt")"
	fi
	fusermount3 -u "$SQ/mnt" || umount -l "$SQ/mnt"
else
	skip_some "owner-squashing storage (needs fuse-overlayfs, fusermount3 and /dev/fuse)"
fi

# ---------------------------------------------------------------------------------------------
# The probe leaves no process behind: nothing in our namespace runs as A after all this.
run env PATH="$SAFE_PATH" "$SC" --user "$A_NAME" --json
expect_check "last run" probe.chown pass ""
left=""
for p in /proc/[0-9]*; do
	if [ "$(stat -c %u "$p" 2>/dev/null)" = "$A_UID" ] && [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$(readlink /proc/self/ns/mnt)" ]; then
		left="$left ${p#/proc/}"
	fi
done
if [ -z "$left" ]; then
	pass "no probe process left running as $A_NAME"
else
	fail "no probe process left running as $A_NAME" "still there:$left"
fi

finish
