#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# subid-check, area "helpers": each check driven through each verdict it can reach, asserting the
# JSON verdict of exactly that id and the command its fix names. The helpers are real binaries
# (shadow-utils' from the uidmap package, and ours, $NEWUIDMAP/$NEWGIDMAP) copied into private
# directories with real modes, owners and file capabilities, found through PATH, bind-mounted over
# /usr/bin/newuidmap, or placed on a nosuid tmpfs, all inside the test's private mount namespace.
# shellcheck source=tests/lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"

SC=$SUBID_CHECK
need_built "$SC"
# shellcheck source=tests/lib/json.sh
. "$(dirname "$0")/../lib/json.sh"
# shadow-utils' helpers (Debian: the uidmap package), setuid root.
SHADOW_UID=/usr/bin/newuidmap
SHADOW_GID=/usr/bin/newgidmap
[ -u "$SHADOW_UID" ] && [ -u "$SHADOW_GID" ] || skip "shadow-utils' setuid $SHADOW_UID and $SHADOW_GID are needed (apt-get install uidmap)"

# with_path NAME PATH: report NAME of subid-check with that PATH (only these directories).
with_path() {
	env PATH="$2" "$SC" --no-probe --json >"$T_DIR/$1.json" 2>"$T_DIR/$1.err" </dev/null || true
}

# put DIR NAME SOURCE MODE [CAPS [OWNER]]: a copy of SOURCE as DIR/NAME. chown first (it clears
# setuid and capabilities), then the mode, then the capability ("-" for none).
put() {
	local dir=$1 name=$2 src=$3 mode=$4 caps=${5:--} owner=${6:-0}
	mkdir -p "$dir"
	rm -f "$dir/$name"
	cp "$src" "$dir/$name"
	chown "$owner:0" "$dir/$name"
	chmod "$mode" "$dir/$name"
	[ "$caps" = - ] || setcap "$caps" "$dir/$name"
}

H=$T_DIR/helpers
mkdir -p "$H"
chmod 755 "$H"

# -------------------------------------------------------------------------------------------
# path: the first executable match in PATH wins; a non-executable file is passed over.

put "$H/first" newuidmap "$NEWUIDMAP" 644
put "$H/second" newuidmap "$NEWUIDMAP" 755 cap_setuid=ep
put "$H/second" newgidmap "$NEWGIDMAP" 755 cap_setgid=ep
put "$H/third" newuidmap "$SHADOW_UID" 4755
with_path order "$H/first:$H/second:$H/third:/usr/bin:/bin"
expect_report order helpers.newuidmap.path pass "observed~$H/second/newuidmap"
expect_report order helpers.newgidmap.path pass "observed~$H/second/newgidmap"
# Ours with its file capability: what newidmap's make install produces.
expect_report order helpers.newuidmap.privilege pass "observed~has the file capability cap_setuid=ep"
expect_report order helpers.newgidmap.privilege pass "observed~has the file capability cap_setgid=ep"
expect_report order helpers.newuidmap.owner pass "observed~owned by root, mode 0755"
expect_report order helpers.newuidmap.nosuid pass
expect_report order helpers.newuidmap.implementation pass "observed~is newidmap (file capability)"
expect_report order helpers.newgidmap.implementation pass "observed~is newidmap (file capability)"

mkdir -p "$H/empty"
with_path missing "$H/empty"
for h in newuidmap newgidmap; do
	expect_report missing "helpers.$h.path" fail "observed~$h is not in PATH=$H/empty" "fix~apt-get install uidmap" \
		"fix~dnf install shadow-utils"
	for part in privilege owner nosuid implementation; do
		expect_report missing "helpers.$h.$part" skip "observed~$h is not in PATH"
	done
done

# -------------------------------------------------------------------------------------------
# privilege and implementation

# shadow-utils as the distribution installs it: setuid root.
with_path shadow "/usr/bin:/bin"
expect_report shadow helpers.newuidmap.privilege pass "observed~/usr/bin/newuidmap is setuid root (mode 4755), no file capability"
expect_report shadow helpers.newgidmap.privilege pass "observed~setuid root"
expect_report shadow helpers.newuidmap.implementation pass "observed~is shadow-utils (setuid)"
expect_report shadow helpers.newgidmap.implementation pass "observed~is shadow-utils (setuid)"
expect_report shadow helpers.newuidmap.owner pass
expect_report shadow helpers.newuidmap.nosuid pass

# A copy with neither setuid nor a capability bind-mounted over /usr/bin/newuidmap (this mount
# namespace only).
put "$H/nocap" newuidmap "$SHADOW_UID" 755
mount --bind "$H/nocap/newuidmap" /usr/bin/newuidmap
with_path nocap "/usr/bin:/bin"
umount /usr/bin/newuidmap
expect_report nocap helpers.newuidmap.privilege fail "observed~neither setuid root" "observed~Operation not permitted" \
	"fix~setcap cap_setuid=ep /usr/bin/newuidmap"
expect_report nocap helpers.newuidmap.implementation pass "observed~is shadow-utils (unprivileged)"
expect_report nocap helpers.newgidmap.privilege pass "observed~setuid root"

# The wrong capability: cap_setgid on newuidmap, cap_setuid on newgidmap.
put "$H/wrong" newuidmap "$NEWUIDMAP" 755 cap_setgid=ep
put "$H/wrong" newgidmap "$NEWGIDMAP" 755 cap_setuid=ep
with_path wrong "$H/wrong:/usr/bin:/bin"
expect_report wrong helpers.newuidmap.privilege fail "observed~cap_setgid=ep, which lacks cap_setuid" \
	"fix~setcap cap_setuid=ep $H/wrong/newuidmap"
expect_report wrong helpers.newgidmap.privilege fail "observed~cap_setuid=ep, which lacks cap_setgid" \
	"fix~setcap cap_setgid=ep $H/wrong/newgidmap"

# A namespaced (v3) capability with rootid 1000: void on the host...
put "$H/v3" newuidmap "$NEWUIDMAP" 755
setcap -n 1000 cap_setuid=ep "$H/v3/newuidmap"
with_path v3 "$H/v3:/usr/bin:/bin"
expect_report v3 helpers.newuidmap.privilege fail "observed~[rootid=1000]" "observed~void here" \
	"fix~setcap cap_setuid=ep $H/v3/newuidmap (as root on the host"
# ...and valid in a user namespace whose root is uid 1000, where the kernel reads it back as v2.
unshare -U sleep 60 </dev/null >/dev/null 2>&1 &
NSPID=$!
TARGETS+=("$NSPID")
wait_exec "$NSPID" sleep
echo "0 1000 1" >"/proc/$NSPID/uid_map"
echo "0 1000 1" >"/proc/$NSPID/gid_map"
env PATH="$H/v3:/usr/bin:/bin" nsenter -t "$NSPID" -U \
	"$SC" --no-probe --json >"$T_DIR/v3ns.json" 2>"$T_DIR/v3ns.err" </dev/null || true
expect_report v3ns helpers.newuidmap.privilege pass "observed~has the file capability cap_setuid=ep" "observed!~rootid"

# setuid root and a capability at once.
put "$H/both" newuidmap "$SHADOW_UID" 4755 cap_setuid=ep
with_path both "$H/both:/usr/bin:/bin"
expect_report both helpers.newuidmap.privilege warn "observed~setuid root (mode 4755) and has the file capability cap_setuid=ep" \
	"fix~chmod u-s $H/both/newuidmap"
expect_report both helpers.newuidmap.implementation pass "observed~shadow-utils (setuid)"

# Ours refuses to run setuid: that is a failure, not a warning.
put "$H/ours-suid" newuidmap "$NEWUIDMAP" 4755 cap_setuid=ep
with_path ours_suid "$H/ours-suid:/usr/bin:/bin"
expect_report ours_suid helpers.newuidmap.privilege fail "observed~newidmap refuses to run setuid or setgid" \
	"fix~chmod u-s,g-s $H/ours-suid/newuidmap && setcap cap_setuid=ep $H/ours-suid/newuidmap"

# More capability than needed: ours refuses it (fail), shadow-utils merely has too much (warn).
put "$H/extra-ours" newuidmap "$NEWUIDMAP" 755 cap_setuid,cap_sys_admin=ep
put "$H/extra-shadow" newuidmap "$SHADOW_UID" 755 cap_setuid,cap_sys_admin=ep
with_path extra_ours "$H/extra-ours:/usr/bin:/bin"
with_path extra_shadow "$H/extra-shadow:/usr/bin:/bin"
expect_report extra_ours helpers.newuidmap.privilege fail "observed~cap_setuid,cap_sys_admin=ep" "observed~refuses" \
	"fix~setcap cap_setuid=ep $H/extra-ours/newuidmap"
expect_report extra_shadow helpers.newuidmap.privilege warn "observed~more than cap_setuid" \
	"fix~setcap cap_setuid=ep $H/extra-shadow/newuidmap"
# CAP_AUDIT_WRITE beside ours' own capability is accepted (ours uses it for audit records).
put "$H/audit-ours" newuidmap "$NEWUIDMAP" 755 cap_setuid,cap_audit_write=ep
with_path audit_ours "$H/audit-ours:/usr/bin:/bin"
expect_report audit_ours helpers.newuidmap.privilege pass "observed~cap_setuid,cap_audit_write=ep"

# Permitted without the effective flag: enough for ours (it raises it), not for shadow-utils.
put "$H/p-ours" newuidmap "$NEWUIDMAP" 755 cap_setuid=p
put "$H/p-shadow" newuidmap "$SHADOW_UID" 755 cap_setuid=p
with_path p_ours "$H/p-ours:/usr/bin:/bin"
with_path p_shadow "$H/p-shadow:/usr/bin:/bin"
expect_report p_ours helpers.newuidmap.privilege pass "observed~cap_setuid=p"
expect_report p_shadow helpers.newuidmap.privilege fail "observed~without the effective flag" \
	"fix~setcap cap_setuid=ep $H/p-shadow/newuidmap"

# setuid root with a wrong capability beside it: works through setuid, the capability confuses.
put "$H/suid-wrong" newuidmap "$SHADOW_UID" 4755 cap_setgid=ep
with_path suid_wrong "$H/suid-wrong:/usr/bin:/bin"
expect_report suid_wrong helpers.newuidmap.privilege warn "observed~is setuid root" "observed~not the right one" \
	"fix~setcap -r $H/suid-wrong/newuidmap"

# An unknown program in the helper's place.
put "$H/unknown" newuidmap /bin/true 4755
with_path unknown "$H/unknown:/usr/bin:/bin"
expect_report unknown helpers.newuidmap.implementation pass "observed~is unknown (setuid)"

# A helper the caller may run but not read (mode 4711), checked by an ordinary user: it cannot be
# identified, but its privilege still can (getxattr needs no read permission).
put "$H/unreadable" newuidmap "$SHADOW_UID" 4711
mkdir -p "$T_DIR/sc"
cp "$SC" "$T_DIR/sc/subid-check"
chmod 755 "$T_DIR/sc" "$T_DIR/sc/subid-check"
env PATH="$H/unreadable:/usr/bin:/bin" setpriv --reuid "$A_UID" --regid "$A_GID" --init-groups \
	"$T_DIR/sc/subid-check" --no-probe --json >"$T_DIR/unreadable.json" 2>"$T_DIR/unreadable.err" </dev/null || true
expect_report unreadable helpers.newuidmap.implementation skip "observed~cannot read $H/unreadable/newuidmap" \
	"observed~Permission denied"
expect_report unreadable helpers.newuidmap.privilege pass "observed~setuid root (mode 4711)"

# -------------------------------------------------------------------------------------------
# owner

put "$H/owner" newuidmap "$NEWUIDMAP" 755 cap_setuid=ep 1000
with_path owner "$H/owner:/usr/bin:/bin"
expect_report owner helpers.newuidmap.owner fail "observed~owned by uid 1000" \
	"fix~rm -f $H/owner/newuidmap; install the packaged helper" "fix!~setcap" "fix!~chown"
# No fix may give a capability to a program its owner could have written (root pasting
# "setcap cap_setuid=ep ~bob/bin/newuidmap" would make bob's program privileged).
expect_report owner helpers.newuidmap.privilege fail "observed~no privilege may be given" \
	"fix~install the packaged helper" "fix!~setcap"

put "$H/groupw" newuidmap "$NEWUIDMAP" 775 cap_setuid=ep
with_path groupw "$H/groupw:/usr/bin:/bin"
expect_report groupw helpers.newuidmap.owner fail "observed~mode 0775" "fix~rm -f $H/groupw/newuidmap;" "fix!~setcap"
expect_report groupw helpers.newuidmap.privilege fail "observed~mode 0775: no privilege may be given" "fix!~setcap"

put "$H/dirw" newuidmap "$NEWUIDMAP" 755 cap_setuid=ep
chmod 777 "$H/dirw"
with_path dirw "$H/dirw:/usr/bin:/bin"
expect_report dirw helpers.newuidmap.owner fail "observed~the directory $H/dirw above it" "observed~mode 0777" \
	"fix~chown root:root $H/dirw && chmod go-w $H/dirw"

put "$H/sticky" newuidmap "$NEWUIDMAP" 755 cap_setuid=ep
chmod 1777 "$H/sticky"
with_path sticky "$H/sticky:/usr/bin:/bin"
expect_report sticky helpers.newuidmap.owner pass

put "$H/dirowner" newuidmap "$NEWUIDMAP" 755 cap_setuid=ep
chown 1000 "$H/dirowner"
with_path dirowner "$H/dirowner:/usr/bin:/bin"
expect_report dirowner helpers.newuidmap.owner fail "observed~owned by uid 1000" "fix~chown root:root $H/dirowner"

# -------------------------------------------------------------------------------------------
# nosuid: a tmpfs mounted nosuid voids the setuid bit and the capability alike.

mkdir -p "$H/nosuid"
mount -t tmpfs -o nosuid,mode=755 newidmap-nosuid "$H/nosuid"
put "$H/nosuid" newuidmap "$SHADOW_UID" 4755
put "$H/nosuid" newgidmap "$NEWGIDMAP" 755 cap_setgid=ep
with_path nosuid "$H/nosuid:/usr/bin:/bin"
expect_report nosuid helpers.newuidmap.nosuid fail "observed~mounted nosuid" "fix~mount -o remount,suid $H/nosuid"
expect_report nosuid helpers.newgidmap.nosuid fail "observed~mounted nosuid" "fix~mount -o remount,suid $H/nosuid"
expect_report nosuid helpers.newuidmap.privilege pass
# The same binary bind-mounted over /usr/bin/newuidmap brings its mount's nosuid along.
mount --bind "$H/nosuid/newuidmap" /usr/bin/newuidmap
with_path nosuid_bind "/usr/bin:/bin"
umount /usr/bin/newuidmap
expect_report nosuid_bind helpers.newuidmap.nosuid fail "fix~mount -o remount,suid /usr/bin/newuidmap"
expect_report nosuid_bind helpers.newgidmap.nosuid pass

# -------------------------------------------------------------------------------------------
# Under --sysroot: the system PATH inside the tree, /usr/sbin before /usr/bin.

R=$T_DIR/root
mkdir -p "$R/etc" "$R/usr/bin" "$R/usr/sbin"
chmod 755 "$R" "$R/etc" "$R/usr" "$R/usr/bin" "$R/usr/sbin"
echo "root:x:0:0:root:/root:/bin/sh" >"$R/etc/passwd"
put "$R/usr/bin" newuidmap "$NEWUIDMAP" 755 cap_setuid=ep
put "$R/usr/sbin" newuidmap "$SHADOW_UID" 4755
"$SC" --sysroot "$R" --no-probe --json >"$T_DIR/sysroot.json" 2>"$T_DIR/sysroot.err" </dev/null || true
expect_report sysroot helpers.newuidmap.path pass "observed~/usr/sbin/newuidmap in $R"
expect_report sysroot helpers.newuidmap.implementation pass "observed~/usr/sbin/newuidmap is shadow-utils (setuid)"
expect_report sysroot helpers.newuidmap.privilege pass "observed~setuid root"
expect_report sysroot helpers.newgidmap.path fail "observed~the system PATH inside $R" "fix~apt-get install uidmap"
rm "$R/usr/sbin/newuidmap"
put "$R/usr/bin" newgidmap "$NEWGIDMAP" 755
"$SC" --sysroot "$R" --no-probe --json >"$T_DIR/sysroot2.json" 2>"$T_DIR/sysroot2.err" </dev/null || true
expect_report sysroot2 helpers.newuidmap.path pass "observed~/usr/bin/newuidmap in $R"
expect_report sysroot2 helpers.newuidmap.implementation pass "observed~is newidmap (file capability)"
expect_report sysroot2 helpers.newgidmap.privilege fail "fix~setcap cap_setgid=ep /usr/bin/newgidmap"
chmod 777 "$R/usr"
"$SC" --sysroot "$R" --no-probe --json >"$T_DIR/sysroot3.json" 2>"$T_DIR/sysroot3.err" </dev/null || true
expect_report sysroot3 helpers.newuidmap.owner fail "observed~the directory /usr above it" "fix~chown root:root /usr && chmod go-w /usr"

finish
