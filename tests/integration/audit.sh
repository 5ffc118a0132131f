#!/bin/bash
# Audit records arrive in the kernel's audit log: a granted map gives an AUDIT_TRUSTED_APP record
# with res=success, a refusal one with res=failed and the reason. Audit accepts user records only
# when it is enabled, so the test enables it for its own duration and restores the previous state.
# Records are read from the audit multicast group (AUDIT_NLGRP_READLOG), as journald does.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/fixtures.sh
. "$(dirname "$0")/../lib/fixtures.sh"

need_root "it enables audit and mounts an overlay over /etc"
need_userns
need_tools python3 setcap setpriv useradd
need_built "$NEWUIDMAP"
enter_private_ns "$@"
here=$(cd "$(dirname "$0")" && pwd)
scratch_tmpfs
tmp=$T_DIR
state=""
# At exit, restore the audit state the host had.
at_exit '[ -z "$state" ] || python3 "$here/audit-ctl.py" set "$state" >/dev/null 2>&1 || true'

# shellcheck disable=SC2034 # read by the at_exit command above
state=$(python3 "$here/audit-ctl.py" get) || { state=""; skip "the kernel has no audit support"; }
python3 "$here/audit-ctl.py" set 1 >/dev/null

# Private /etc: an overlay, so the throw-away user and the sub-id files never reach the host.
overlay_etc
add_user nidaudit
u=$(id -u nidaudit) g=$(id -g nidaudit)
printf 'nidaudit:400000:65536\n' >/etc/subuid
printf 'nidaudit:400000:65536\n' >/etc/subgid
chmod 644 /etc/subuid /etc/subgid

# A copy with cap_setuid plus the optional cap_audit_write a packager may grant.
mkdir "$tmp/bin"
chmod 755 "$tmp/bin"
capped_copy "$NEWUIDMAP" "$tmp/bin/newuidmap" cap_setuid,cap_audit_write=ep

as_user() { setpriv --reuid "$u" --regid "$g" --init-groups "$@"; }

python3 "$here/audit-ctl.py" listen 8 >"$tmp/records" &
listener=$!
track "$listener"
sleep 0.5

# Backgrounded directly (not through the function) so that $! is the target itself.
setpriv --reuid "$u" --regid "$g" --init-groups unshare -U sleep 30 &
t1=$!
track "$t1"
setpriv --reuid "$u" --regid "$g" --init-groups unshare -U sleep 30 &
t2=$!
track "$t2"
sleep 0.3
as_user "$tmp/bin/newuidmap" "$t1" 0 400000 65536 && pass "map granted" || fail "map granted" "refused"
as_user "$tmp/bin/newuidmap" "$t2" 0 500000 10 2>/dev/null && fail "out-of-range map refused" "granted" || pass "out-of-range map refused"
wait "$listener" || true

grep -q "op=map map=uid target=$t1 ranges=\"0:400000:65536\".* uid=$u .*res=success\|uid=$u .*op=map map=uid target=$t1 ranges=\"0:400000:65536\".*res=success" "$tmp/records" &&
	pass "audit record for the granted map (uid=$u, target, ranges, res=success)" ||
	fail "audit record for the granted map" "no success record: $(cat "$tmp/records")"
grep -q "op=refuse map=uid target=$t2 ranges=\"0:500000:10\" reason=\"uid range 1 (0 500000 10): host uids 500000-500009 are not all in nidaudit's ranges in /etc/subuid[;\"].*res=failed" "$tmp/records" &&
	pass "audit record for the refusal with its reason and res=failed" ||
	fail "audit record for the refusal with its reason and res=failed" "no refusal record: $(cat "$tmp/records")"

finish
