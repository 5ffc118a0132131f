#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# subid-check, area subids.*: every check id driven through each of its verdicts.
#
# Most states are fixture trees under --sysroot (etc/passwd, etc/group, etc/subuid, etc/subgid,
# etc/login.defs, etc/nsswitch.conf) made in a temporary directory. The file checks demand
# root-owned files, so this runs as root (SKIP, 77, otherwise). The NSS plugin cases need the live
# system: they run in a private mount namespace with an overlayfs over /etc (the host's /etc is
# never written), a throw-away user made there with useradd, and a mock libsubid plugin compiled
# here. Each assertion parses the --json output with python3's json module and checks exactly one
# id's verdict, and the command or range its fix must contain.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/fixtures.sh
. "$(dirname "$0")/../lib/fixtures.sh"

need_root "the sub-id file checks need root-owned fixture files"
need_tools python3
need_built "$SUBID_CHECK"
# Everything below runs in a private mount namespace: the mounts below are ours alone.
enter_private_ns "$@"
scratch_tmpfs
T=$T_DIR
# shellcheck source=tests/lib/json.sh
. "$(dirname "$0")/../lib/json.sh"
# The reports are written there by chk (and a few direct runs); expect_check reads it.
JSON_FILE=$T/out.json

R="$T/root"

# put REL CONTENT [MODE]: a root-owned fixture file under the sysroot, CONTENT written exactly.
put() {
	mkdir -p "$(dirname "$R/$1")"
	rm -f "$R/$1"
	printf '%s' "$2" >"$R/$1"
	chown 0:0 "$R/$1"
	chmod "${3:-644}" "$R/$1"
}

# A healthy tree: alice and bob with disjoint 65536-id ranges, carol without any.
base() {
	rm -rf "$R"
	mkdir -p "$R/etc"
	put etc/passwd 'root:x:0:0:root:/root:/bin/bash
alice:x:1000:1000::/home/alice:/bin/sh
bob:x:1001:1001::/home/bob:/bin/sh
carol:x:1002:1002::/home/carol:/bin/sh
nobody:x:65534:65534::/nonexistent:/usr/sbin/nologin
'
	put etc/group 'root:x:0:
alice:x:1000:
bob:x:1001:
carol:x:1002:
nogroup:x:65534:
'
	put etc/subuid $'alice:100000:65536\nbob:165536:65536\n'
	put etc/subgid $'alice:100000:65536\nbob:165536:65536\n'
	put etc/login.defs $'UID_MIN 1000\nUID_MAX 60000\nSUB_UID_MIN 100000\nSUB_UID_MAX 600100000\nSUB_UID_COUNT 65536\nSUB_GID_MIN 100000\nSUB_GID_MAX 600100000\nSUB_GID_COUNT 65536\n'
	put etc/nsswitch.conf $'passwd: files\ngroup: files\nsubid: files\n'
	# Sane values for the kernel area, so that other areas stay quiet under this sysroot.
	put proc/sys/user/max_user_namespaces $'63229\n'
	put proc/sys/kernel/unprivileged_userns_clone $'1\n'
}

# chk ARGS...: subid-check on the fixture tree; JSON in $T/out.json, status in RC.
chk() {
	RC=0
	"$SUBID_CHECK" --sysroot "$R" --no-probe --json "$@" >"$T/out.json" 2>"$T/err" </dev/null || RC=$?
}

# chk_live ARGS...: subid-check on the live system (the overlay /etc), same outputs.
chk_live() {
	RC=0
	"$SUBID_CHECK" --no-probe --json "$@" >"$T/out.json" 2>"$T/err" </dev/null || RC=$?
}

# expect_exit WHAT N: the subids.* verdicts alone give exit status N (0 pass, 1 a failure, 2
# warnings only), and the real exit status follows the documented rule over every result.
expect_exit() {
	local what=$1 want=$2 msg
	if msg=$(python3 - "$T/out.json" "$RC" "$want" 2>&1 <<'EOF'
import json, sys
path, rc, want = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path) as f:
    doc = json.load(f)
def status(rs):
    v = [r["verdict"] for r in rs]
    return 1 if "fail" in v else 2 if "warn" in v else 0
mine = status([r for r in doc["checks"] if r["id"].startswith("subids.")])
every = status(doc["checks"])
if mine != want:
    sys.exit("the subids checks give status %d" % mine)
if rc != every or doc["exit"] != rc:
    sys.exit("exit status %d, JSON exit %d, but the results give %d" % (rc, doc["exit"], every))
EOF
	); then
		pass "$what: exit status $want"
	else
		fail "$what: exit status $want" "$msg"
	fi
}

ALL_IDS="subids.subuid.file subids.subuid.syntax subids.subuid.entries subids.subuid.count subids.subuid.own_id
subids.subuid.overlap_users subids.subuid.overlap_accounts subids.subuid.bounds subids.subgid.file
subids.subgid.syntax subids.subgid.entries subids.subgid.count subids.subgid.own_id subids.subgid.overlap_users
subids.subgid.overlap_accounts subids.subgid.bounds subids.nsswitch subids.login_defs subids.allocation
subids.subuid.systemd_ranges subids.subuid.directory_ranges subids.subuid.overlap_source
subids.subgid.systemd_ranges subids.subgid.directory_ranges subids.subgid.overlap_source"

# ------------------------------------------------------------------------------------------------
# A healthy user: every check passes, and the ids are exactly the documented ones.
base
chk --user alice
for id in $ALL_IDS; do
	case $id in
	*.overlap_source) expect_check "healthy" "$id" skip ;; # the files are the source: overlap_users covers them
	*) expect_check "healthy" "$id" pass ;;
	esac
done
expect_check "healthy" subids.subuid.entries pass "" "line 1: 100000-165535 (65536 ids, by name)"
expect_check "healthy" subids.subuid.count pass "" "65536 uid ids"
expect_check "healthy" subids.subuid.bounds pass "" "highest uid 165535"
expect_exit "healthy" 0
if python3 - "$T/out.json" "$ALL_IDS" <<'EOF'; then
import json, sys
doc = json.load(open(sys.argv[1]))
got = sorted(r["id"] for r in doc["checks"] if r["area"] == "subids")
sys.exit(0 if got == sorted(sys.argv[2].split()) else 1)
EOF
	pass "healthy: the subids area emits exactly the documented ids"
else
	fail "healthy: the subids area emits exactly the documented ids" "got $(python3 -c 'import json,sys; print(" ".join(r["id"] for r in json.load(open(sys.argv[1]))["checks"]))' "$T/out.json")"
fi
# The user by uid, and the user's lines by uid.
chk --user 1000
expect_check "--user 1000" subids.subuid.entries pass "" "for alice"
base
put etc/subuid $'1000:100000:65536\nbob:165536:65536\n'
chk --user alice
expect_check "line by uid" subids.subuid.entries pass "" "line 1: 100000-165535 (65536 ids, by uid)"
# An alias (another passwd name of uid 1000, listed first): shadow's find_range() grants its
# lines on its second pass, and so do the helpers; it is alice's range, not another user's.
base
put etc/passwd "alias1000:x:1000:1000::/home/alice:/bin/sh
$(cat "$R/etc/passwd")"
put etc/subuid $'alias1000:100000:65536\nbob:165536:65536\n'
chk --user alice
expect_check "line by alias" subids.subuid.entries pass "" "line 1: 100000-165535 (65536 ids, by alias alias1000)"
expect_check "line by alias" subids.subuid.overlap_users pass
expect_check "line by alias" subids.subuid.count pass "" "65536 uid ids"
# A name of another uid is still another user's.
put etc/subuid $'bob:100000:65536\n'
chk --user alice
expect_check "another uid's name" subids.subuid.entries fail

# ------------------------------------------------------------------------------------------------
# subids.*.file
base
rm "$R/etc/subuid"
chk --user alice
expect_check "no /etc/subuid" subids.subuid.file fail "touch /etc/subuid && chmod 644 /etc/subuid && usermod --add-subuids " "does not exist"
expect_check "no /etc/subuid" subids.subuid.entries fail "usermod --add-subuids " "No such file"
expect_check "no /etc/subuid" subids.subuid.syntax skip
expect_check "no /etc/subuid" subids.subuid.count skip
expect_check "no /etc/subuid" subids.subgid.file pass
expect_exit "no /etc/subuid" 1
base
rm "$R/etc/subgid"
chk --user alice
expect_check "no /etc/subgid" subids.subgid.file fail "touch /etc/subgid && chmod 644 /etc/subgid && usermod --add-subgids " "does not exist"
base
mv "$R/etc/subuid" "$R/etc/subuid.real"
ln -s subuid.real "$R/etc/subuid"
chk --user alice
expect_check "symlink" subids.subuid.file fail "cp --remove-destination" "symbolic link"
base
chown 1000:1000 "$R/etc/subuid"
chk --user alice
expect_check "owned by alice" subids.subuid.file fail "chown root:root /etc/subuid" "owned by uid 1000"
base
chmod 664 "$R/etc/subuid"
chk --user alice
expect_check "group-writable" subids.subuid.file fail "chmod 644 /etc/subuid" "writable by group or others"
base
chmod 646 "$R/etc/subgid"
chk --user alice
expect_check "world-writable" subids.subgid.file fail "chmod 644 /etc/subgid" "mode 0646"
base
chmod 600 "$R/etc/subuid"
chk --user alice
expect_check "not world-readable" subids.subuid.file fail "chmod 644 /etc/subuid" "not world-readable"
expect_exit "not world-readable" 1
base
rm "$R/etc/subuid"
mkdir "$R/etc/subuid"
chk --user alice
expect_check "a directory" subids.subuid.file fail "" "not a regular file"

# ------------------------------------------------------------------------------------------------
# subids.*.entries, with the computed free range: 131072 overlaps alice, 196608 overlaps bob,
# so the first free 65536-aligned hole at or after SUB_UID_MIN is 262144.
base
chk --user carol
expect_check "no lines" subids.subuid.entries fail "usermod --add-subuids 262144-327679 --add-subgids 262144-327679 carol" "names carol or uid 1002"
expect_check "no lines" subids.subgid.entries fail "usermod --add-subuids 262144-327679 --add-subgids 262144-327679 carol"
expect_check "no lines" subids.subuid.own_id skip
expect_check "no lines" subids.subgid.bounds skip
expect_exit "no lines" 1
# Only the gid side missing: only --add-subgids.
put etc/subuid $'alice:100000:65536\nbob:165536:65536\ncarol:400000:65536\n'
chk --user carol
expect_check "no gid lines" subids.subuid.entries pass
expect_check "no gid lines" subids.subgid.entries fail "usermod --add-subgids 262144-327679 carol"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if "--add-subuids" not in [r for r in d["checks"] if r["id"]=="subids.subgid.entries"][0]["fix"] else 1)' "$T/out.json"; then
	pass "no gid lines: the fix adds no uid range"
else
	fail "no gid lines: the fix adds no uid range" "it does"
fi
# SUB_UID_MIN moves the proposed range; account ids are avoided too.
base
# (Below systemd's container range from 524288 on, which proposals avoid: check-collide.sh.)
put etc/login.defs $'SUB_UID_MIN 300000\nSUB_GID_MIN 300000\n'
put etc/passwd "$(cat "$R/etc/passwd")"$'\nldap:x:330000:330000::/:/bin/sh\n'
chk --user carol
expect_check "SUB_UID_MIN 300000" subids.subuid.entries fail "--add-subuids 393216-458751 --add-subgids 393216-458751 carol"
check_true "SUB_UID_MIN 300000: the proposal is within SUB_UID_MAX (no note)" "$(cat "$T/out.json")" \
	eval '! grep -q "past SUB_" "$T/out.json"'
# No hole below SUB_UID_MAX: the proposal goes past it and says so, as a shell comment that keeps
# the command pasteable.
put etc/login.defs $'SUB_UID_MIN 100000\nSUB_UID_MAX 300000\nSUB_GID_MIN 100000\nSUB_GID_MAX 300000\n'
put etc/subuid $'alice:100000:65536\nbob:165536:65536\ndave:231072:100000\n'
chk --user carol
expect_check "SUB_UID_MAX 300000, full" subids.subuid.entries fail \
	"usermod --add-subuids 393216-458751 --add-subgids 393216-458751 carol  # past SUB_UID_MAX 300000: no free range of 65536 ids is left below it"

# ------------------------------------------------------------------------------------------------
# subids.*.count
base
put etc/subuid $'alice:100000:1000\nbob:165536:65536\n'
chk --user alice
expect_check "1000 ids" subids.subuid.count fail "usermod --add-subuids 262144-327679 alice" "only 1000 uid ids"
expect_exit "1000 ids" 1
chk --user alice --min-count 1000
expect_check "1000 ids, --min-count 1000" subids.subuid.count pass
expect_exit "1000 ids, --min-count 1000" 0
# Two lines add up; overlapping lines are not counted twice.
put etc/subuid $'alice:100000:32768\nbob:165536:65536\nalice:300000:32768\n'
chk --user alice
expect_check "two halves" subids.subuid.count pass "" "65536 uid ids in 2 ranges"
put etc/subuid $'alice:100000:40000\nbob:165536:65536\nalice:120000:30000\n'
chk --user alice
expect_check "overlapping own lines" subids.subuid.count fail "" "only 50000 uid ids"
base
put etc/subgid $'alice:100000:65535\nbob:165536:65536\n'
chk --user alice
expect_check "65535 gids" subids.subgid.count fail "usermod --add-subgids 262144-327679 alice" "only 65535 gid ids"

# ------------------------------------------------------------------------------------------------
# subids.*.own_id
base
put etc/subuid $'alice:0:65536\nbob:165536:65536\n'
chk --user alice
expect_check "own uid inside" subids.subuid.own_id fail "usermod --del-subuids 0-65535 --add-subuids 262144-327679 alice" "uid 1000 of alice is inside its own range 0-65535 (line 1)"
expect_exit "own uid inside" 1
# The same line under the uid: usermod --del-subuids would not remove it (shadow matches the
# login name only), so the fix deletes line 1 by number, guarded by its text (before, the fix
# said --del-subuids, which left the line in place).
base
put etc/subuid $'1000:0:65536\nbob:165536:65536\n'
chk --user alice
expect_check "own uid inside, line by uid" subids.subuid.own_id fail \
	"sed -i '1{/^1000:0:65536\$/d}' /etc/subuid && usermod --add-subuids 262144-327679 alice"
json_expect "own uid inside, line by uid" "$(json_last)" subids.subuid.own_id fail "fix!~--del-subuids"
base
put etc/subgid $'bob:165536:65536\nalice:1000:65536\n'
chk --user alice
expect_check "own gid inside" subids.subgid.own_id fail "--del-subgids 1000-66535 --add-subgids " "(line 2)"
expect_check "own gid inside" subids.subuid.own_id pass

# ------------------------------------------------------------------------------------------------
# subids.*.overlap_users
base
put etc/subuid $'alice:100000:65536\nbob:150000:65536\n'
chk --user alice
expect_check "bob overlaps" subids.subuid.overlap_users fail "usermod --del-subuids 100000-165535 --add-subuids 262144-327679 alice" "overlaps bob's range 150000-215535 (line 2)"
expect_check "bob overlaps" subids.subgid.overlap_users pass
expect_exit "bob overlaps" 1
chk --user bob
expect_check "alice overlaps (as bob)" subids.subuid.overlap_users fail "--del-subuids 150000-215535" "overlaps alice's range 100000-165535 (line 1)"
base
put etc/subgid $'alice:100000:65536\n1001:130000:10\n'
chk --user alice
expect_check "uid-named owner overlaps" subids.subgid.overlap_users fail "--add-subgids " "overlaps 1001's range"

# ------------------------------------------------------------------------------------------------
# subids.*.overlap_accounts
base
put etc/passwd "$(cat "$R/etc/passwd")"$'\nldapuser:x:120000:1000::/:/bin/sh\n'
chk --user alice
expect_check "account in range" subids.subuid.overlap_accounts warn "usermod --del-subuids 100000-165535 --add-subuids " "account 'ldapuser' (uid 120000) is inside alice's range 100000-165535"
expect_check "account in range" subids.subgid.overlap_accounts pass
expect_exit "account in range" 2
base
put etc/group "$(cat "$R/etc/group")"$'\nldapgroup:x:130000:\n'
chk --user alice
expect_check "group in range" subids.subgid.overlap_accounts warn "--del-subgids 100000-165535" "group 'ldapgroup' (gid 130000)"
expect_check "group in range" subids.subuid.overlap_accounts pass
# The user's own id is own_id's business, not an account overlap.
base
put etc/subuid $'alice:0:65536\nbob:165536:65536\n'
chk --user alice
expect_check "own uid is not an account overlap" subids.subuid.overlap_accounts warn "" "account 'root' (uid 0)"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); o=[r for r in d["checks"] if r["id"]=="subids.subuid.overlap_accounts"][0]["observed"]; sys.exit(1 if "account '"'alice'"'" in o else 0)' "$T/out.json"; then
	pass "own uid is not an account overlap: alice herself is not listed"
else
	fail "own uid is not an account overlap: alice herself is not listed" "she is"
fi

# ------------------------------------------------------------------------------------------------
# subids.*.bounds
base
put etc/subuid $'alice:2147483648:65536\nbob:165536:65536\n'
chk --user alice
expect_check "above 2^31" subids.subuid.bounds warn "usermod --del-subuids 2147483648-2147549183 --add-subuids " "goes above 2147483647"
expect_exit "above 2^31" 2
put etc/subuid $'alice:2147418113:65536\nbob:165536:65536\n'
chk --user alice
expect_check "last id 2^31" subids.subuid.bounds warn "--add-subuids " "range 2147418113-2147483648 (line 1) goes above 2147483647"
put etc/subuid $'alice:2147418112:65536\nbob:165536:65536\n'
chk --user alice
expect_check "just below 2^31" subids.subuid.bounds pass "" "highest uid 2147483647"
# Past the last id: the parser refuses the line, so it is a syntax problem, and alice has no range.
put etc/subuid $'alice:4294901760:65536\nbob:165536:65536\n'
chk --user alice
expect_check "past 4294967294" subids.subuid.syntax warn "" "line 1: start + count goes beyond 4294967294"
expect_check "past 4294967294" subids.subuid.entries fail "--add-subuids "

# ------------------------------------------------------------------------------------------------
# subids.*.syntax
base
put etc/subuid $'alice:100000:65536\nbob:abc:65536\nbob:165536:65536\n'
chk --user alice
expect_check "bad start" subids.subuid.syntax warn "fix or delete line 2 of /etc/subuid" "line 2: start is not a plain decimal number"
expect_exit "bad start" 2
put etc/subuid $'alice:100000:65536\r\nbob:165536:65536\n'
chk --user alice
expect_check "CRLF" subids.subuid.syntax warn "sed -i 's/\\r\$//' /etc/subuid" "line 1: carriage return"
put etc/subuid $'alice:100000:65536\nbob:165536:0\n'
chk --user alice
expect_check "zero count" subids.subuid.syntax warn "a count of 0 grants nothing" "line 2: count is 0"
put etc/subuid $'alice:100000:65536\nbob:165536:65536\nalice:100000:65536\n'
chk --user alice
expect_check "repeated line" subids.subuid.syntax warn "delete the repeated lines" "line 3 repeats line 1"
put etc/subuid $'alice:100000:32768\nbob:165536:65536\nalice:300000:32768\n'
chk --user alice
expect_check "owner on two lines" subids.subuid.syntax warn "their ranges add up" "owner 'alice' on 2 lines (1, 3)"
put etc/subuid $'alice:100000:65536\nbob:165536:65536'
chk --user alice
expect_check "no final newline" subids.subuid.syntax warn "echo >> /etc/subuid" "the last line has no newline"
put etc/subgid $'alice:100000:65536\nbob:165536:65536\nx\nx:1:2:3\n:1:2\n'
chk --user alice
expect_check "several bad lines" subids.subgid.syntax warn "fix or delete lines 3,4,5 of /etc/subgid" "line 5: empty owner"
# A comment and blank lines are fine.
put etc/subgid $'# sub-ids\n\nalice:100000:65536\nbob:165536:65536\n'
chk --user alice
expect_check "comment and blank line" subids.subgid.syntax pass

# ------------------------------------------------------------------------------------------------
# subids.nsswitch under --sysroot
base
put etc/nsswitch.conf $'passwd: files\n'
chk --user alice
expect_check "no subid line" subids.nsswitch pass "" "subid source: files"
rm "$R/etc/nsswitch.conf"
chk --user alice
expect_check "no nsswitch.conf" subids.nsswitch pass "" "no /etc/nsswitch.conf"
put etc/nsswitch.conf $'passwd: files\nsubid: sss\n'
chk --user alice
expect_check "subid: sss under --sysroot" subids.nsswitch skip "" "subid source 'sss'"
expect_check "subid: sss under --sysroot" subids.subuid.entries skip
rm "$R/etc/subuid"
chk --user alice
expect_check "subid: sss, no /etc/subuid" subids.subuid.file skip "" "not used"
base
chmod 666 "$R/etc/nsswitch.conf"
chk --user alice
expect_check "writable nsswitch.conf" subids.nsswitch fail "chown root:root /etc/nsswitch.conf && chmod 644 /etc/nsswitch.conf" "writable by group or others"
expect_exit "writable nsswitch.conf" 1
chown 1000 "$R/etc/nsswitch.conf"
chmod 644 "$R/etc/nsswitch.conf"
chk --user alice
expect_check "alice's nsswitch.conf" subids.nsswitch fail "chown root:root /etc/nsswitch.conf" "not owned by root"

# ------------------------------------------------------------------------------------------------
# subids.login_defs
base
rm "$R/etc/login.defs"
chk --user alice
expect_check "no login.defs" subids.login_defs pass "" "SUB_UID_MIN 100000 (default), SUB_UID_MAX 600100000 (default), SUB_UID_COUNT 65536 (default)"
put etc/login.defs $'SUB_UID_MIN 600100000\n'
chk --user alice
expect_check "MIN = MAX" subids.login_defs warn "edit /etc/login.defs" "SUB_UID_MIN 600100000 is not below SUB_UID_MAX 600100000"
expect_exit "MIN = MAX" 2
put etc/login.defs $'SUB_GID_COUNT 0\n'
chk --user alice
expect_check "COUNT 0" subids.login_defs warn "edit /etc/login.defs" "SUB_GID_COUNT is 0"
put etc/login.defs $'SUB_UID_MIN 100000\nSUB_UID_MAX 150000\nSUB_UID_COUNT 65536\n'
chk --user alice
expect_check "no room" subids.login_defs warn "" "is above SUB_UID_MAX 150000"
put etc/login.defs $'SUB_GID_MAX 4294967295\n'
chk --user alice
expect_check "MAX past the last id" subids.login_defs warn "" "SUB_GID_MAX 4294967295 is above 4294967294"
put etc/login.defs $'SUB_UID_COUNT 0x10000\n'
chk --user alice
expect_check "hex COUNT" subids.login_defs warn "" "SUB_UID_COUNT is '0x10000', not a plain decimal number"
put etc/login.defs $'# site values\nSUB_UID_MIN 200000\nSUB_UID_MAX 900000000\nSUB_UID_COUNT 131072\n'
chk --user alice
expect_check "site values" subids.login_defs pass "" "SUB_UID_MIN 200000, SUB_UID_MAX 900000000, SUB_UID_COUNT 131072"
put etc/login.defs $'SUB_UID_DETERMINISTIC yes\n'
chk --user alice
expect_check "deterministic defaults" subids.login_defs pass "" "SUB_UID_MIN 65536 (default), SUB_UID_MAX 4294967295 (default)"

# ------------------------------------------------------------------------------------------------
# subids.allocation: shadow 4.20's settings, and pam_subid lines that contradict them
DEFS_DET=$'UID_MIN 1000\nSUB_UID_MIN 100000\nSUB_UID_MAX 600100000\nSUB_UID_COUNT 65536\nSUB_GID_MIN 100000\nSUB_GID_MAX 600100000\nSUB_GID_COUNT 65536\nSUB_UID_DETERMINISTIC yes\nSUB_GID_DETERMINISTIC yes\n'
base
chk --user alice
expect_check "first fit" subids.allocation pass "" "subuid: first fit in 100000-600100000, 65536 ids, owner written as the name"
expect_check "first fit" subids.allocation pass "" "no pam_subid line in /etc/pam.d"
put etc/login.defs "$DEFS_DET"
chk --user bob
expect_check "deterministic" subids.allocation pass "" "subuid: SUB_UID_DETERMINISTIC yes: bob gets 165536-231071 (SUB_UID_MIN + (uid 1001 - UID_MIN 1000) * 65536), owner written as the name"
put etc/login.defs "${DEFS_DET}SUB_GID_STORE_BY_UID yes"$'\n'
chk --user bob
expect_check "store by uid" subids.allocation pass "" "subgid: SUB_GID_DETERMINISTIC yes: bob gets 165536-231071"
expect_check "store by uid" subids.allocation pass "" "owner written as the uid"
# The module as most sites wire it, agreeing with login.defs (options may also repeat it).
put etc/login.defs "$DEFS_DET"
put etc/pam.d/common-session $'session\trequired\tpam_unix.so\nsession optional pam_subid.so quiet\nsession [success=ok default=ignore] /usr/lib/x86_64-linux-gnu/security/pam_subid.so mode=uid count=65536 min_uid=1000\n'
chk --user bob
expect_check "pam lines agree" subids.allocation pass "" "the pam_subid lines agree"
# Contradictions: each one named with its file and line.
put etc/pam.d/sshd $'# comment pam_subid.so mode=first-fit\n\nsession optional pam_subid.so mode=first-fit by_uid count=1000 min_uid=500 min=7\n'
chk --user bob
expect_check "pam mode=first-fit" subids.allocation warn "pam_subid options" "/etc/pam.d/sshd line 3: mode=first-fit, but SUB_UID_DETERMINISTIC is yes"
expect_check "pam by_uid" subids.allocation warn "" "/etc/pam.d/sshd line 3: by_uid writes subuid owners as uids, but SUB_UID_STORE_BY_UID is not yes"
expect_check "pam count=" subids.allocation warn "" "count=1000, but SUB_UID_COUNT is 65536"
expect_check "pam: more than five" subids.allocation warn "" "and 3 more"
expect_exit "pam contradictions" 2
# mode=uid while login.defs says first fit; min_uid= against UID_MIN only in uid mode.
base
put etc/pam.d/login $'session optional pam_subid.so mode=uid min_uid=2000\n'
chk --user alice
expect_check "pam mode=uid on a first-fit host" subids.allocation warn "" "/etc/pam.d/login line 1: mode=uid, but SUB_UID_DETERMINISTIC is not yes"
expect_check "pam min_uid in uid mode" subids.allocation warn "" "min_uid=2000, but UID_MIN is 1000"
put etc/pam.d/login $'session optional pam_subid.so min_uid=2000\n'
chk --user alice
expect_check "min_uid with first fit" subids.allocation pass "" "the pam_subid lines agree"
# The wrap, and a uid below UID_MIN.
put etc/login.defs "${DEFS_DET}UNSAFE_SUB_UID_DETERMINISTIC_WRAP yes"$'\n'
chk --user alice
expect_check "wrap" subids.allocation warn "" "subuid: UNSAFE_SUB_UID_DETERMINISTIC_WRAP yes: users past the last slot share ranges"
put etc/login.defs "${DEFS_DET/UID_MIN 1000/UID_MIN 1001}"
chk --user alice
expect_check "uid below UID_MIN" subids.allocation warn "" "no range for alice: uid 1000 is below min_uid 1001"

# ------------------------------------------------------------------------------------------------
# subids.nsswitch on the live system, with a mock plugin: pass, warn (source and files differ),
# fail (plugin missing, plugin lacking a function), and entries from the source.
live_cases() {
	local cc plug="$T/plugins"
	cc=$(command -v "${CC:-cc}" || true)
	if [ -z "$cc" ]; then
		skip_some "the live NSS plugin cases: no C compiler"
		return 0
	fi
	mkdir -p "$plug"
	cat >"$plug/mock.c" <<'EOF'
/* A libsubid NSS plugin for tests: the user named by CK_NSS_USER owns CK_NSS_START:65536 (uid and
 * gid), nobody else owns anything. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <shadow/subid.h>

static bool mine(const char *owner)
{
	const char *u = getenv("CK_NSS_USER");

	return u && owner && strcmp(owner, u) == 0;
}

static unsigned long first(void)
{
	const char *s = getenv("CK_NSS_START");

	return s ? strtoul(s, NULL, 10) : 300000;
}

enum subid_status shadow_subid_has_range(const char *owner, unsigned long start, unsigned long count,
					 enum subid_type t, bool *result)
{
	(void)t;
	*result = mine(owner) && start >= first() && start + count <= first() + 65536;
	return SUBID_STATUS_SUCCESS;
}

enum subid_status shadow_subid_list_owner_ranges(const char *owner, enum subid_type t, struct subid_range **ranges,
						 int *count)
{
	(void)t;
	*ranges = NULL;
	*count = 0;
	if (!mine(owner) || getenv("CK_NSS_NONE"))
		return SUBID_STATUS_SUCCESS;
	*ranges = malloc(sizeof(**ranges));
	if (!*ranges)
		return SUBID_STATUS_ERROR;
	(*ranges)[0].start = first();
	(*ranges)[0].count = 65536;
	*count = 1;
	return SUBID_STATUS_SUCCESS;
}

#ifndef NO_OWNERS
enum subid_status shadow_subid_find_subid_owners(unsigned long id, enum subid_type t, uid_t **uids, int *count)
{
	(void)id;
	(void)t;
	*uids = NULL;
	*count = 0;
	return SUBID_STATUS_SUCCESS;
}
#endif

void shadow_subid_free(void *p)
{
	free(p);
}

#ifdef TRAP
/* Loaded at all: the file CK_TRAP says so (its constructor runs at dlopen()). */
__attribute__((constructor)) static void trap(void)
{
	const char *f = getenv("CK_TRAP");
	FILE *o = f ? fopen(f, "w") : NULL;

	if (o)
		fclose(o);
}
#endif
EOF
	if ! "$cc" -shared -fPIC -o "$plug/libsubid_cktest.so" "$plug/mock.c" 2>"$T/cc.err" ||
		! "$cc" -shared -fPIC -DTRAP -o "$plug/libsubid_cktrap.so" "$plug/mock.c" 2>>"$T/cc.err" ||
		! "$cc" -shared -fPIC -DNO_OWNERS -o "$plug/libsubid_cknoowners.so" "$plug/mock.c" 2>>"$T/cc.err"; then
		fail "live: build the mock plugin" "$(cat "$T/cc.err")"
		return 0
	fi
	overlay_etc
	rm -f /etc/subuid /etc/subgid
	sed -i '/^subid:/d' /etc/nsswitch.conf
	add_user cknssu
	printf 'cknssu:300000:65536\n' >/etc/subuid
	printf 'cknssu:300000:65536\n' >/etc/subgid
	chmod 644 /etc/subuid /etc/subgid
	export LD_LIBRARY_PATH="$plug" CK_NSS_USER=cknssu

	printf 'subid: cktest\n' >>/etc/nsswitch.conf
	CK_NSS_START=300000 chk_live --user cknssu
	expect_check "live, source agrees with the files" subids.nsswitch pass "" "subid source 'cktest': libsubid_cktest.so loads"
	expect_check "live, source agrees with the files" subids.subuid.entries pass "" "from the subid source 'cktest': 300000-365535"
	expect_check "live, source agrees with the files" subids.subuid.overlap_users skip
	# The same file, group-writable: reported, and the library it names is not loaded into root's
	# process (before, subid-check loaded it: entries came "from the subid source 'cktest'").
	sed -i 's/^subid:.*/subid: cktrap/' /etc/nsswitch.conf
	chmod 664 /etc/nsswitch.conf
	CK_TRAP="$T/trap" CK_NSS_START=300000 chk_live --user cknssu
	expect_check "live, group-writable nsswitch.conf naming a plugin" subids.nsswitch fail "" "writable by group or others"
	check_true "live, group-writable nsswitch.conf naming a plugin: the plugin was not loaded" "it was" [ ! -e "$T/trap" ]
	chmod 644 /etc/nsswitch.conf
	CK_TRAP="$T/trap" CK_NSS_START=300000 chk_live --user cknssu
	check_true "live, the same nsswitch.conf root's again: the plugin is loaded (the trap works)" "it was not" [ -e "$T/trap" ]
	rm -f "$T/trap"
	sed -i 's/^subid:.*/subid: cktest/' /etc/nsswitch.conf
	CK_NSS_START=400000 chk_live --user cknssu
	expect_check "live, source differs from the files" subids.nsswitch warn "make /etc/subuid agree with the subid source 'cktest'" "lists uid 400000-465535 for cknssu while /etc/subuid lists 300000-365535"
	expect_check "live, source differs from the files" subids.subuid.entries pass "" "400000-465535"
	# The probe asks for the ranges where the helpers take them: the source's, not the files'
	# (before, it planned 0:uid:1,1:300000:65536 from /etc/subuid and called that a failure).
	RC=0
	CK_NSS_START=400000 "$SUBID_CHECK" --json --user cknssu >"$T/out.json" 2>"$T/err" </dev/null || RC=$?
	json_expect "live, probe with the subid source" "$(json_last)" probe.uid_map fail "observed~ 1 400000 65536" \
		"observed!~300000"
	CK_NSS_NONE=1 chk_live --user cknssu
	expect_check "live, source lists nothing" subids.subuid.entries fail "in the subid source 'cktest'" "lists no uid range for cknssu"
	RC=0
	CK_NSS_NONE=1 "$SUBID_CHECK" --json --user cknssu >"$T/out.json" 2>"$T/err" </dev/null || RC=$?
	expect_check "live, probe, source lists nothing" probe.uid_map fail "in the subid source 'cktest' (usermod cannot" \
		"no uid range for cknssu (uid"
	rm /etc/subuid
	CK_NSS_START=300000 chk_live --user cknssu
	expect_check "live, source and no /etc/subuid" subids.subuid.file skip
	expect_check "live, source and no /etc/subuid" subids.nsswitch pass

	sed -i 's/^subid:.*/subid: cknosuch/' /etc/nsswitch.conf
	chk_live --user cknssu
	expect_check "live, plugin missing" subids.nsswitch fail "set 'subid: files' in /etc/nsswitch.conf" "cannot load libsubid_cknosuch.so"
	expect_check "live, plugin missing" subids.subuid.entries skip
	sed -i 's/^subid:.*/subid: cknoowners/' /etc/nsswitch.conf
	chk_live --user cknssu
	expect_check "live, plugin lacks a function" subids.nsswitch fail "libsubid_cknoowners.so" "lacks shadow_subid_find_subid_owners"
	sed -i 's/^subid:.*/subid: files/' /etc/nsswitch.conf
	chk_live --user cknssu
	expect_check "live, subid: files" subids.nsswitch pass
	unset LD_LIBRARY_PATH CK_NSS_USER
}
live_cases

finish
