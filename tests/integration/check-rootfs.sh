#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# subid-check rootfs: rootfs.path and rootfs.ownership driven through each of their verdicts on
# real trees chowned to ids inside and outside the map, with --map and with the user's default
# rootless map read from a --sysroot fixture (etc/passwd, etc/group, etc/subuid, etc/subgid).
# Runs as root (chown to arbitrary ids; SKIP otherwise), in a private mount namespace (a tmpfs
# mounted inside the tree must not be entered).
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/fixtures.sh
. "$(dirname "$0")/../lib/fixtures.sh"

need_root "the trees are chowned to arbitrary ids"
need_tools python3 setpriv
need_built "$SUBID_CHECK"
# Everything below runs in a private mount namespace: the mounts below are ours alone.
enter_private_ns "$@"
scratch_tmpfs
T=$T_DIR
# shellcheck source=tests/lib/json.sh
. "$(dirname "$0")/../lib/json.sh"
# The reports are written there by chk (and a few direct runs); expect_check reads it.
JSON_FILE=$T/out.json

# The sysroot: alice (1000:1000) with 100000:65536 sub-ids; bob (1001) without.
R="$T/sysroot"
mkdir -p "$R/etc"
printf 'root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\nbob:x:1001:1001::/home/bob:/bin/sh\n' >"$R/etc/passwd"
printf 'root:x:0:\nalice:x:1000:\nbob:x:1001:\nbuilders:x:2000:alice\n' >"$R/etc/group"
printf 'alice:100000:65536\n' >"$R/etc/subuid"
printf 'alice:100000:65536\n' >"$R/etc/subgid"
chmod 644 "$R"/etc/*

# tree: a small root file system, everything owned by 100000:100000 (container root under the
# map 0:100000:65536), plus a few container ids shifted the same way.
TREE="$T/tree"
make_tree() {
	rm -rf "$TREE"
	mkdir -p "$TREE/bin" "$TREE/etc" "$TREE/usr/lib/deep/er" "$TREE/var/empty" "$TREE/mnt"
	printf '#!/bin/sh\n' >"$TREE/bin/sh"
	printf 'root:x:0:0::/root:/bin/sh\n' >"$TREE/etc/passwd"
	: >"$TREE/usr/lib/deep/er/file"
	: >"$TREE/etc/shadow"
	ln -s /etc/passwd "$TREE/etc/hostlink" # points out of the tree, at a host file owned by 0:0
	mkfifo "$TREE/var/fifo"
	chmod 755 "$TREE"
	chown -hR 100000:100000 "$TREE"
	chown 100000:100042 "$TREE/etc/shadow"
}

# chk ARGS...: subid-check rootfs, JSON in $T/out.json, status in RC.
chk() {
	RC=0
	"$SUBID_CHECK" rootfs --json "$@" >"$T/out.json" 2>"$T/err" </dev/null || RC=$?
}

# expect_exit WHAT N: rootfs mode runs only the rootfs checks, so the status is exact.
expect_exit() {
	local json
	json=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["exit"])' "$T/out.json" 2>&1 || true)
	if [ "$RC" = "$2" ] && [ "$json" = "$2" ]; then
		pass "$1: exit status $2"
	else
		fail "$1: exit status $2" "got $RC (JSON exit $json); stderr: $(cat "$T/err")"
	fi
}

N_TREE=16 # entries of make_tree, the root directory included

# ------------------------------------------------------------------------------------------------
# In range, with --map and with alice's default map.
make_tree
chk "$TREE" --map 0:100000:65536
expect_check "shifted tree, --map" rootfs.path pass "" "$TREE: a directory"
expect_check "shifted tree, --map" rootfs.ownership pass "" "all $N_TREE entries are owned inside the map (uids and gids) 0:100000:65536"
expect_exit "shifted tree, --map" 0
chk "$TREE" --sysroot "$R" --user alice
expect_check "shifted tree, default map" rootfs.ownership pass "" "default map of alice: uid 0:1000:1 1:100000:65536, gid 0:1000:1 1:100000:65536"
expect_exit "shifted tree, default map" 0
# The user's own id is inner 0 of the default map.
chown 1000:1000 "$TREE/bin/sh"
chk "$TREE" --sysroot "$R" --user alice
expect_check "own id, default map" rootfs.ownership pass
chk "$TREE" --map 0:100000:65536
expect_check "own id, --map without it" rootfs.ownership fail "" "$TREE/bin/sh is owned by 1000:1000"
# Several extents: their union counts.
make_tree
chown 300005:300005 "$TREE/bin/sh"
chk "$TREE" --map 0:100000:65536 --map 65536:300000:65536
expect_check "two extents" rootfs.ownership pass
chk "$TREE" --map 0:100000:65536
expect_check "second extent missing" rootfs.ownership fail "" "is owned by 300005:300005"

# ------------------------------------------------------------------------------------------------
# Out of range: the first file named, all counted, and a fix that shifts the ids.
make_tree
chown 0:0 "$TREE/usr/lib/deep/er/file"
chk "$TREE" --map 0:100000:65536
expect_check "unshifted file" rootfs.ownership fail "chown -hR --from=0:0 100000:100000 -- $TREE" "$TREE/usr/lib/deep/er/file is owned by 0:0"
expect_check "unshifted file" rootfs.ownership fail "" "1 of $N_TREE entries are outside"
expect_exit "unshifted file" 1
# Only the group outside.
make_tree
chown 100000:7 "$TREE/bin/sh"
chk "$TREE" --map 0:100000:65536
expect_check "group outside" rootfs.ownership fail "chown -hR --from=100000:7 100000:100007 -- $TREE" "$TREE/bin/sh is owned by 100000:7"
# A tree unpacked as real root: every entry outside, with two owner pairs.
make_tree
chown -hR 0:0 "$TREE"
chown 0:42 "$TREE/etc/shadow"
chk "$TREE" --map 0:100000:65536
expect_check "unpacked as root" rootfs.ownership fail "chown -hR --from=0:0 100000:100000 -- $TREE && chown -hR --from=0:42 100000:100042 -- $TREE" "$N_TREE of $N_TREE entries are outside"
# Too many distinct pairs, or ids the map cannot shift: everything to the container's root.
make_tree
chown 1:1 "$TREE/bin/sh"
chown 2:2 "$TREE/etc/passwd"
chown 3:3 "$TREE/etc/shadow"
chown 4:4 "$TREE/var/empty"
chown 5:5 "$TREE/var/fifo"
chown 6:6 "$TREE/usr/lib/deep/er/file"
chk "$TREE" --map 0:100000:65536
expect_check "six pairs" rootfs.ownership fail "chown -hR 100000:100000 -- $TREE" "6 of $N_TREE entries are outside"
make_tree
chown 70000:70000 "$TREE/bin/sh"
chk "$TREE" --map 0:100000:65536
expect_check "unmappable id" rootfs.ownership fail "chown -hR 100000:100000 -- $TREE (every file to the container's root" "is owned by 70000:70000"
# bob has no sub-ids: his default map is his own id alone.
make_tree
chk "$TREE" --sysroot "$R" --user bob
expect_check "bob's default map" rootfs.ownership fail "chown -hR 1001:1001 -- $TREE" "default map of bob: uid 0:1001:1"

# ------------------------------------------------------------------------------------------------
# Symbolic links are not followed: the link's own owner counts, not its target's.
make_tree
chk "$TREE" --map 0:100000:65536
expect_check "link to a host file" rootfs.ownership pass
chown -h 0:0 "$TREE/etc/hostlink"
chk "$TREE" --map 0:100000:65536
expect_check "link owned by host root" rootfs.ownership fail "" "$TREE/etc/hostlink is owned by 0:0"
# A directory reached through a link is never entered.
make_tree
mkdir -p "$T/outside"
: >"$T/outside/hostfile"
ln -s "$T/outside" "$TREE/var/linkdir"
chown -h 100000:100000 "$TREE/var/linkdir"
chk "$TREE" --map 0:100000:65536
expect_check "link to a host directory" rootfs.ownership pass "" "all $((N_TREE + 1)) entries"

# ------------------------------------------------------------------------------------------------
# Mount points below the rootfs are counted, not entered.
make_tree
mount -t tmpfs -o mode=755 ck-rootfs "$TREE/mnt"
: >"$TREE/mnt/hostowned"
chk "$TREE" --map 0:100000:65536
expect_check "tmpfs below the rootfs" rootfs.ownership fail "" "$TREE/mnt is owned by 0:0"
expect_check "tmpfs below the rootfs" rootfs.ownership fail "" "1 of $N_TREE entries"
umount "$TREE/mnt"
# A bind mount of the tree's own file system (same st_dev) is a mount point too: bound back into
# itself twice, it made the walk grow without end (before, only st_dev was compared).
make_tree
mkdir -p "$TREE/mnt/a" "$TREE/mnt/b"
chown 100000:100000 "$TREE/mnt/a" "$TREE/mnt/b"
mount --bind "$TREE" "$TREE/mnt/a"
mount --bind "$TREE" "$TREE/mnt/b"
RC=0
timeout 60 "$SUBID_CHECK" rootfs --json "$TREE" --map 0:100000:65536 >"$T/out.json" 2>"$T/err" </dev/null || RC=$?
check_true "the tree bound into itself twice: the walk ends (exit status 0, not timeout's 124)" "exit status $RC" [ "$RC" = 0 ]
expect_check "the tree bound into itself twice" rootfs.ownership pass "" "all $((N_TREE + 2)) entries"
umount "$TREE/mnt/a" "$TREE/mnt/b"

# ------------------------------------------------------------------------------------------------
# Unreadable parts (the check run by a user who cannot read a directory): warn, not pass.
make_tree
chmod 700 "$TREE/usr/lib/deep"
RC=0
setpriv --reuid 65534 --regid 65534 --clear-groups -- "$SUBID_CHECK" rootfs --json "$TREE" --map 0:100000:65536 \
	>"$T/out.json" 2>"$T/err" </dev/null || RC=$?
expect_check "unreadable directory" rootfs.ownership warn "run subid-check rootfs as root" "$TREE/usr/lib/deep: Permission denied"
expect_exit "unreadable directory" 2

# ------------------------------------------------------------------------------------------------
# rootfs.path
make_tree
chk "$T/nonexistent" --map 0:100000:65536
expect_check "missing path" rootfs.path fail "" "No such file or directory"
expect_check "missing path" rootfs.ownership skip
expect_exit "missing path" 1
chk "$TREE/bin/sh" --map 0:100000:65536
expect_check "a file" rootfs.path fail "" "is not a directory"
(cd "$T" && "$SUBID_CHECK" rootfs --json tree --map 0:100000:65536 >"$T/out.json" 2>"$T/err" </dev/null) && RC=0 || RC=$?
expect_check "relative path" rootfs.path fail "use the absolute path: $TREE" "tree is relative"
expect_check "relative path" rootfs.ownership pass
expect_exit "relative path" 1
# Traversal, decided for the user (here alice of the sysroot), not for the root caller.
mkdir -p "$T/locked/in"
cp -a "$TREE" "$T/locked/in/rootfs"
chmod 700 "$T/locked"
chk "$T/locked/in/rootfs" --sysroot "$R" --user alice
expect_check "parent mode 0700" rootfs.path fail "chmod o+x -- $T/locked" "$T/locked (mode 0700, owner 0:0) is not searchable by alice (uid 1000)"
expect_check "parent mode 0700" rootfs.ownership pass
chk "$T/locked/in/rootfs" --sysroot "$R" --user root
expect_check "parent mode 0700, as root" rootfs.path pass
chmod 711 "$T/locked"
chk "$T/locked/in/rootfs" --sysroot "$R" --user alice
expect_check "parent mode 0711" rootfs.path pass
chmod 710 "$T/locked"
chown 0:1000 "$T/locked"
chk "$T/locked/in/rootfs" --sysroot "$R" --user alice
expect_check "group x, primary group" rootfs.path pass
chown 0:2000 "$T/locked"
chk "$T/locked/in/rootfs" --sysroot "$R" --user alice
expect_check "group x, supplementary group" rootfs.path pass
chk "$T/locked/in/rootfs" --sysroot "$R" --user bob
expect_check "group x, not a member" rootfs.path fail "setfacl -m u:bob:x $T/locked" "is not searchable by bob (uid 1001)"
chown 1001:0 "$T/locked"
chmod 100 "$T/locked"
chk "$T/locked/in/rootfs" --sysroot "$R" --user bob
expect_check "owner x" rootfs.path pass
# A symbolic link on the way is resolved: the directories behind it count.
chown 0:0 "$T/locked"
chmod 700 "$T/locked"
ln -s "$T/locked/in" "$T/via"
chk "$T/via/rootfs" --sysroot "$R" --user alice
expect_check "through a link" rootfs.path fail "chmod o+x -- $T/locked" "$T/locked (mode 0700"
# A POSIX ACL on the way: the mode alone cannot decide, so warn.
chmod 700 "$T/locked"
if python3 - "$T/locked" <<'EOF' 2>"$T/acl.err"; then
import os, struct, sys
# system.posix_acl_access: version 2, then (tag, perm, id): USER_OBJ rwx, USER 1000 --x,
# GROUP_OBJ ---, MASK --x, OTHER ---.
U = 0xffffffff
acl = struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *e) for e in
    [(0x01, 7, U), (0x02, 1, 1000), (0x04, 0, U), (0x10, 1, U), (0x20, 0, U)])
os.setxattr(sys.argv[1], "system.posix_acl_access", acl)
EOF
	chk "$T/locked/in/rootfs" --sysroot "$R" --user bob --map 0:100000:65536
	expect_check "ACL on the way" rootfs.path warn "chmod o+x -- $T/locked" "it has an ACL"
	expect_exit "ACL on the way" 2
else
	skip_some "the ACL case: no POSIX ACLs on $T ($(cat "$T/acl.err"))"
fi

# ------------------------------------------------------------------------------------------------
# A map the kernel would refuse is a usage error (exit 3, the rule named), not a tree to check.
for bad in "0:100000:0|count 0" "0:100000:10 --map 5:200000:10|overlaps range 1" \
	"0:4294967295:10|goes past 4294967294" "0:1e5:10|INNER:OUTER:COUNT"; do
	args=${bad%%|*} want=${bad#*|} rc=0
	# shellcheck disable=SC2086 # $args holds several words on purpose
	err=$("$SUBID_CHECK" rootfs "$T" --map $args 2>&1 >/dev/null) || rc=$?
	if [ "$rc" = 3 ] && [[ $err == *"$want"* ]]; then
		pass "--map $args refused with exit 3: $err"
	else
		fail "--map $args" "exit $rc, stderr '$err' (expected 3 and '$want')"
	fi
done

# ------------------------------------------------------------------------------------------------
# A large tree (100,000 entries): for information, the time it takes (not a timed test).
mkdir -p "$T/big"
python3 - "$T/big" <<'EOF'
import os, sys
base = sys.argv[1]
for d in range(1000):
    p = os.path.join(base, "d%d" % d)
    os.mkdir(p)
    for f in range(99):
        open(os.path.join(p, "f%d" % f), "w").close()
EOF
chown -R 100000:100000 "$T/big"
start=$(date +%s%N)
chk "$T/big" --map 0:100000:65536
end=$(date +%s%N)
expect_check "100,000 entries" rootfs.ownership pass "" "all 100001 entries"
echo "# 100,001 entries checked in $(((end - start) / 1000000)) ms"

finish
