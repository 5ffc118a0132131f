#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# shadow 4.20's login.defs settings, honoured by default by subid-alloc and pam_subid (no option
# given), so that they and shadow 4.20's useradd agree on every user's range and line:
#   - SUB_UID_DETERMINISTIC / SUB_GID_DETERMINISTIC: start = SUB_UID_MIN + (uid - UID_MIN) *
#     SUB_UID_COUNT, each file by its own key; with the keys absent, shadow 4.20's own defaults
#     there (SUB_UID_MIN 65536, SUB_UID_MAX 4294967295);
#   - beyond SUB_UID_MAX: refused, or with UNSAFE_SUB_UID_DETERMINISTIC_WRAP the slot modulo the
#     number of slots (the man page's example: users A and B share 100000-165535);
#   - uid < UID_MIN: refused (shadow: "cannot calculate deterministic subordinate UIDs");
#   - SUB_UID_STORE_BY_UID / SUB_GID_STORE_BY_UID: the owner written as the numeric uid, per file;
#     with both, a name that no line can hold is allocated too;
#   - an option (--mode first-fit, mode=first-fit) overrides login.defs.
# The expected starts are computed here with shadow's formula in shell arithmetic (an oracle
# independent of lib/alloc.c), beside the man page's worked examples.
# shellcheck source=tests/lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=tests/lib/pam-lib.sh
. "$(dirname "$0")/../lib/pam-lib.sh"

log_start

DEFS_ORIG=$(cat /etc/login.defs 2>/dev/null || true)
# defs LINES...: login.defs = the distribution's, minus every sub-id key, plus LINES.
defs() {
	{
		printf '%s\n' "$DEFS_ORIG" | grep -Ev '^[[:space:]]*(SUB_[UG]ID_|UNSAFE_SUB_[UG]ID_|UID_MIN|UID_MAX)'
		printf 'UID_MIN 1000\nUID_MAX 60000\n'
		printf '%s\n' "$@"
	} >"$T_DIR/login.defs"
	install -m 644 -o root -g root "$T_DIR/login.defs" /etc/login.defs
}

for u in nidda niddb nidwrap nidbyuid nidmix nidpamd nidopt; do
	new_user "$u"
done
LOW_UID=$(free_uid 900)
new_user -u "$LOW_UID" niddlow
COLON_USER=$'nid\tbad' # a tab: no sub-id line can hold it
COLON_UID=$(free_uid 3000)
printf '%s:x:%s:%s::/:/usr/sbin/nologin\n' "$COLON_USER" "$COLON_UID" "$COLON_UID" >>/etc/passwd
uid_of() { getent passwd "$1" | cut -d: -f3; }

# alloc WHAT USER [OPTIONS]: run subid-alloc; sets RC, OUT, ERR.
alloc() {
	local what=$1 user=$2
	shift 2
	RC=0
	"$HELPER" "$@" -- "$user" >"$T_DIR/out" 2>"$T_DIR/err" || RC=$?
	OUT=$(cat "$T_DIR/out")
	ERR=$(cat "$T_DIR/err")
	: "$what"
}

# expect_alloc WHAT USER SUBUID_LINE SUBGID_LINE [OPTIONS]: from empty files, exactly these lines.
expect_alloc() {
	local what=$1 user=$2 lu=$3 lg=$4
	shift 4
	set_subuid ''
	set_subgid ''
	alloc "$what" "$user" "$@"
	if [ "$RC" = 0 ]; then pass "$what: subid-alloc exits 0"; else fail "$what: subid-alloc exits 0" "rc $RC: $ERR"; fi
	check_file "$what" /etc/subuid "$lu
"
	check_file "$what" /etc/subgid "$lg
"
	check_no_leftovers "$what"
}

# expect_refusal WHAT USER PATTERN [OPTIONS]: exit 1, PATTERN on stderr, nothing written.
expect_refusal() {
	local what=$1 user=$2 pat=$3
	shift 3
	alloc "$what" "$user" "$@"
	if [ "$RC" = 1 ] && [[ "$ERR" == *"$pat"* ]]; then
		pass "$what: refused with '$pat'"
	else
		fail "$what: refused with '$pat'" "rc $RC, stderr '$ERR'"
	fi
}

# ---------------------------------------------------------------------------------------------
# SUB_UID_DETERMINISTIC with Debian's numbers: the man page's formula

defs 'SUB_UID_MIN 100000' 'SUB_UID_MAX 600100000' 'SUB_UID_COUNT 65536' \
	'SUB_GID_MIN 100000' 'SUB_GID_MAX 600100000' 'SUB_GID_COUNT 65536' \
	'SUB_UID_DETERMINISTIC yes' 'SUB_GID_DETERMINISTIC yes'
U=$(uid_of nidda)
S=$((100000 + (U - 1000) * 65536))
expect_alloc "deterministic, uid $U" nidda "nidda:$S:65536" "nidda:$S:65536"
# The range does not depend on what the file already holds (first fit would take 100000).
set_subuid "other:$((S + 65536)):5
"
set_subgid ''
alloc "deterministic, other owners around" nidda
check_file "deterministic, other owners around" /etc/subuid "other:$((S + 65536)):5
nidda:$S:65536
"
# Without the wrap, another owner inside the range is refused rather than overlapped.
set_subuid "other:$((S + 100)):1
"
set_subgid ''
expect_refusal "deterministic, a collision" nidda "overlaps other:$((S + 100)):1"
check_file "deterministic, a collision: nothing written" /etc/subgid ''

# Each file by its own key: SUB_GID_DETERMINISTIC absent is first fit from SUB_GID_MIN.
defs 'SUB_UID_MIN 100000' 'SUB_UID_MAX 600100000' 'SUB_UID_COUNT 65536' \
	'SUB_GID_MIN 100000' 'SUB_GID_MAX 600100000' 'SUB_GID_COUNT 65536' 'SUB_UID_DETERMINISTIC yes'
U=$(uid_of nidmix)
expect_alloc "subuid deterministic, subgid first fit" nidmix "nidmix:$((100000 + (U - 1000) * 65536)):65536" \
	"nidmix:100000:65536"

# Keys absent: shadow 4.20's deterministic defaults are SUB_UID_MIN 65536, SUB_UID_MAX 4294967295.
defs 'SUB_UID_DETERMINISTIC yes' 'SUB_GID_DETERMINISTIC yes'
U=$(uid_of niddb)
S=$((65536 + (U - 1000) * 65536))
expect_alloc "deterministic, shadow's defaults" niddb "niddb:$S:65536" "niddb:$S:65536"
# An option overrides login.defs (and its defaults are first fit's).
expect_alloc "--mode first-fit over SUB_UID_DETERMINISTIC" niddb "niddb:100000:65536" "niddb:100000:65536" \
	--mode first-fit
# uid < UID_MIN: no deterministic range.
set_subuid ''
set_subgid ''
expect_refusal "uid $LOW_UID below UID_MIN" niddlow "uid $LOW_UID is below min_uid 1000"

# ---------------------------------------------------------------------------------------------
# The wrap: the man page's example (100000-200000, 65536 per user: one slot)

defs 'SUB_UID_MIN 100000' 'SUB_UID_MAX 200000' 'SUB_UID_COUNT 65536' \
	'SUB_GID_MIN 100000' 'SUB_GID_MAX 200000' 'SUB_GID_COUNT 65536' \
	'SUB_UID_DETERMINISTIC yes' 'SUB_GID_DETERMINISTIC yes'
U=$(uid_of nidwrap) # above 1000: beyond the one slot
set_subuid ''
set_subgid ''
expect_refusal "beyond SUB_UID_MAX without the wrap" nidwrap "beyond max 200000"
check_file "beyond SUB_UID_MAX: nothing written" /etc/subuid ''
defs 'SUB_UID_MIN 100000' 'SUB_UID_MAX 200000' 'SUB_UID_COUNT 65536' \
	'SUB_GID_MIN 100000' 'SUB_GID_MAX 200000' 'SUB_GID_COUNT 65536' \
	'SUB_UID_DETERMINISTIC yes' 'SUB_GID_DETERMINISTIC yes' \
	'UNSAFE_SUB_UID_DETERMINISTIC_WRAP yes' 'UNSAFE_SUB_GID_DETERMINISTIC_WRAP yes'
set_subuid 'usera:100000:65536
'
set_subgid 'usera:100000:65536
'
alloc "UNSAFE_SUB_UID_DETERMINISTIC_WRAP" nidwrap
if [ "$RC" = 0 ]; then pass "wrap: subid-alloc exits 0"; else fail "wrap: subid-alloc exits 0" "rc $RC: $ERR"; fi
check_file "wrap: user B shares user A's slot, as in shadow" /etc/subuid 'usera:100000:65536
nidwrap:100000:65536
'
check_file "wrap: the same in subgid" /etc/subgid 'usera:100000:65536
nidwrap:100000:65536
'

# ---------------------------------------------------------------------------------------------
# SUB_UID_STORE_BY_UID / SUB_GID_STORE_BY_UID

defs 'SUB_UID_MIN 100000' 'SUB_UID_MAX 600100000' 'SUB_UID_COUNT 65536' \
	'SUB_GID_MIN 100000' 'SUB_GID_MAX 600100000' 'SUB_GID_COUNT 65536' 'SUB_UID_STORE_BY_UID yes'
U=$(uid_of nidbyuid)
expect_alloc "SUB_UID_STORE_BY_UID only" nidbyuid "$U:100000:65536" "nidbyuid:100000:65536"
# A second run finds the uid line: nothing new.
alloc "SUB_UID_STORE_BY_UID, second run" nidbyuid
if [[ "$OUT" == *"new=none"* ]]; then pass "store by uid: a second run finds both"; else fail "store by uid: a second run finds both" "$OUT $ERR"; fi
# A name no line can hold: refused unless both files store by uid.
set_subuid ''
set_subgid ''
expect_refusal "a name with a tab and one file by uid" "$COLON_UID" "cannot be written"
defs 'SUB_UID_MIN 100000' 'SUB_UID_MAX 600100000' 'SUB_UID_COUNT 65536' \
	'SUB_GID_MIN 100000' 'SUB_GID_MAX 600100000' 'SUB_GID_COUNT 65536' \
	'SUB_UID_STORE_BY_UID yes' 'SUB_GID_STORE_BY_UID yes' 'SUB_UID_DETERMINISTIC yes' 'SUB_GID_DETERMINISTIC yes'
S=$((100000 + (COLON_UID - 1000) * 65536))
expect_alloc "a name with a tab, both by uid, deterministic" "$COLON_UID" "$COLON_UID:$S:65536" "$COLON_UID:$S:65536"

# ---------------------------------------------------------------------------------------------
# pam_subid: no option, login.defs decides; an option overrides it

U=$(uid_of nidpamd)
S=$((100000 + (U - 1000) * 65536))
set_subuid ''
set_subgid ''
pam_service "$PAM_SVC"
session nidpamd
check_rc "pam_subid, login.defs deterministic and by uid: pamtester" 0
check_file "pam_subid follows login.defs" /etc/subuid "$U:$S:65536
"
check_file "pam_subid follows login.defs (subgid)" /etc/subgid "$U:$S:65536
"
set_subuid ''
set_subgid ''
pam_service "$PAM_SVC" mode=first-fit
session nidopt
check_rc "pam_subid mode=first-fit: pamtester" 0
U=$(uid_of nidopt)
check_file "mode=first-fit overrides SUB_UID_DETERMINISTIC (still by uid)" /etc/subuid "$U:100000:65536
"
check_no_leftovers "pam_subid"

finish
