#!/bin/bash
# Audit records arrive in the kernel's audit log: a granted map gives an AUDIT_TRUSTED_APP record
# with res=success, a refusal one with res=failed and the reason. Audit accepts user records only
# when it is enabled, so the test enables it for its own duration and restores the previous state.
# Records are read from the audit multicast group (AUDIT_NLGRP_READLOG), as journald does.
set -euo pipefail

pass=0 fail=0
ok() { echo "PASS: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
unshare -U true 2>/dev/null || { echo "SKIP: no user namespaces"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: needs python3"; exit 77; }
# euid 0 without the capability (fakeroot) cannot make a mount namespace: say so, do not fail.
unshare -m --propagation private true 2>/dev/null || { echo "SKIP: cannot create a mount namespace"; exit 77; }
if [ -z "${NEWIDMAP_IN_NS:-}" ]; then
	exec env NEWIDMAP_IN_NS=1 unshare -m --propagation private "$BASH" "$0" "$@"
fi
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
chmod 755 "$tmp"
pids=()
state=""
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	[ -n "$state" ] && python3 "$here/audit-ctl.py" set "$state" >/dev/null 2>&1 || true
	umount /etc 2>/dev/null || true
	umount "$tmp/o" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

state=$(python3 "$here/audit-ctl.py" get) || { echo "SKIP: the kernel has no audit support"; state=""; exit 77; }
python3 "$here/audit-ctl.py" set 1 >/dev/null

# Private /etc: an overlay, so the throw-away user and the sub-id files never reach the host.
mkdir "$tmp/o"
mount -t tmpfs tmpfs "$tmp/o"
mkdir "$tmp/o/u" "$tmp/o/w"
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$tmp/o/u,workdir=$tmp/o/w" /etc
useradd -M -s /bin/sh nidaudit
u=$(id -u nidaudit) g=$(id -g nidaudit)
printf 'nidaudit:400000:65536\n' >/etc/subuid
printf 'nidaudit:400000:65536\n' >/etc/subgid
chmod 644 /etc/subuid /etc/subgid

# A copy with cap_setuid plus the optional cap_audit_write a packager may grant.
mkdir "$tmp/bin"
cp "${NEWUIDMAP:?}" "$tmp/bin/newuidmap"
chmod 755 "$tmp/bin" "$tmp/bin/newuidmap"
setcap cap_setuid,cap_audit_write=ep "$tmp/bin/newuidmap"

as_user() { setpriv --reuid "$u" --regid "$g" --init-groups "$@"; }

python3 "$here/audit-ctl.py" listen 8 >"$tmp/records" &
pids+=($!)
sleep 0.5

# Backgrounded directly (not through the function) so that $! is the target itself.
setpriv --reuid "$u" --regid "$g" --init-groups unshare -U sleep 30 &
t1=$!
pids+=("$t1")
setpriv --reuid "$u" --regid "$g" --init-groups unshare -U sleep 30 &
t2=$!
pids+=("$t2")
sleep 0.3
as_user "$tmp/bin/newuidmap" "$t1" 0 400000 65536 && ok "map granted" || bad "map refused"
as_user "$tmp/bin/newuidmap" "$t2" 0 500000 10 2>/dev/null && bad "out-of-range map granted" || ok "out-of-range map refused"
wait "${pids[0]}" || true

grep -q "op=map map=uid target=$t1 ranges=\"0:400000:65536\".* uid=$u .*res=success\|uid=$u .*op=map map=uid target=$t1 ranges=\"0:400000:65536\".*res=success" "$tmp/records" &&
	ok "audit record for the granted map (uid=$u, target, ranges, res=success)" ||
	bad "no success record: $(cat "$tmp/records")"
grep -q "op=refuse map=uid target=$t2 ranges=\"0:500000:10\" reason=\"uid range 1 (0 500000 10): host uids 500000-500009 are not all in nidaudit's ranges in /etc/subuid\".*res=failed" "$tmp/records" &&
	ok "audit record for the refusal with its reason and res=failed" ||
	bad "no refusal record: $(cat "$tmp/records")"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
