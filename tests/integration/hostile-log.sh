#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Log and terminal injection (issue 9, findings 3 and 4). A user name from a passwd overlay holds
# '"', a space, '=', ESC, CR and a high byte; argv adds LF; a rootfs holds file names with the
# same bytes. Every program that logs (newuidmap, newgidmap, subid-alloc, pam_subid) must write
# them escaped by lib/escape.c (\xNN) in their key=value fields, so no field is forged and no raw
# control byte reaches the log; subid-check's human output holds no raw control byte either.
# shellcheck source=tests/lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=tests/lib/pam-lib.sh
. "$(dirname "$0")/../lib/pam-lib.sh"
need_built "$SUBID_CHECK"

log_start

# The hostile name and its escaped form (ESCAPE_FIELD: '"', ' ', '=', '\', controls, high bytes).
HNAME=$'nidh"x action=map\e[2K\rZ\xe9'
HESC='nidh\x22x\x20action\x3dmap\x1b[2K\x0dZ\xe9'
HUID=$(free_uid 3100)
printf '%s:x:%s:%s::/:/usr/sbin/nologin\n' "$HNAME" "$HUID" "$HUID" >>/etc/passwd
[ "$(getent passwd "$HUID" | cut -d: -f1)" = "$HNAME" ] || skip "the C library does not return the hostile passwd name"
# A second one for pam_subid, so that subid-alloc's allocation does not make it a fast path.
PNAME=$'nidp"y\e]0;title\a\xff'
PESC='nidp\x22y\x1b]0;title\x07\xff'
PUID=$(free_uid 3200)
printf '%s:x:%s:%s::/:/usr/sbin/nologin\n' "$PNAME" "$PUID" "$PUID" >>/etc/passwd

set_subuid "other:100000:65536
"
set_subgid "other:100000:65536
"

# ours: the log lines of our programs since log_mark.
ours() {
	log_sync
	tail -n +"$((LOG_MARK + 1))" "$LOG" | grep -aE 'newuidmap\[|newgidmap\[|subid-alloc\[|pam_subid\(' || true
}

# expect_ours WHAT PATTERN...: one of our lines since log_mark holds every PATTERN (fixed strings).
expect_ours() {
	local what=$1
	shift
	if first_with_all "$@" < <(ours); then
		pass "$what: logged '$*'"
		return 0
	fi
	fail "$what: logged '$*'" "our new lines: $(ours | cat -v | paste -sd '|')"
}

# expect_clean WHAT: no line of ours since log_mark holds a raw control byte or a byte >= 0x80, or
# a field that the name forged.
expect_clean() {
	local bad
	bad=$(ours | LC_ALL=C grep -a $'[\x01-\x1f\x7f-\xff]' || true)
	if [ -z "$bad" ]; then
		pass "$1: no raw control or high byte in our log lines"
	else
		fail "$1: no raw control or high byte in our log lines" "$(printf '%s' "$bad" | cat -v | paste -sd '|')"
	fi
	# Outside the quoted values, no field that a name or argument brought.
	bad=$(ours | sed -E 's/"([^"\\]|\\.)*"//g' | grep -aE ' (x=1|x=y)( |$)|action=map.*action=map' || true)
	if [ -z "$bad" ]; then
		pass "$1: no forged field"
	else
		fail "$1: no forged field" "$(printf '%s' "$bad" | cat -v | paste -sd '|')"
	fi
}

# raw_free_output WHAT: the last run's stdout holds no raw control byte but the line ends, and no
# byte >= 0x80.
raw_free_output() {
	local bad
	bad=$(printf '%s' "$OUT" | LC_ALL=C grep -a $'[\x01-\x09\x0b-\x1f\x7f-\xff]' || true)
	if [ -z "$bad" ]; then
		pass "$1: no raw control or high byte in the output"
	else
		fail "$1: no raw control or high byte in the output" "$(printf '%s' "$bad" | cat -v | paste -sd '|')"
	fi
}

# A target of the hostile user (no supplementary groups: the name is not one initgroups likes).
hostile_target() {
	setpriv --reuid "$HUID" --regid "$HUID" --clear-groups unshare -U sleep 60 </dev/null >/dev/null 2>&1 &
	TARGET=$!
	TARGETS+=("$TARGET")
	wait_exec "$TARGET" sleep
}

# ---------------------------------------------------------------------------------------------
# newuidmap and newgidmap: the caller's name from NSS (caller=), a target with LF from argv.

for prog in newuidmap newgidmap; do
	bin=$UIDMAP
	[ "$prog" = newgidmap ] && bin=$GIDMAP
	hostile_target
	log_mark
	run setpriv --reuid "$HUID" --regid "$HUID" --clear-groups "$bin" "$TARGET" 0 100000 1
	check_rc "$prog, hostile caller name" 1
	expect_ours "$prog, hostile caller name" "${prog}[" "action=refuse" "caller=$HESC target=$TARGET "
	expect_clean "$prog, hostile caller name"
	log_mark
	run setpriv --reuid "$HUID" --regid "$HUID" --clear-groups "$bin" $'1 x=y\n<13>forged' 0 100000 1
	expect_ours "$prog, hostile target" "${prog}[" 'target=1\x20x\x3dy\x0a<13>forged '
	expect_clean "$prog, hostile target"
	if [[ $ERR != *$'\n<13>'* && $ERR != *$'\e'* ]]; then
		pass "$prog, hostile target: stderr holds no raw LF or ESC"
	else
		fail "$prog, hostile target: stderr holds no raw LF or ESC" "$(printf '%s' "$ERR" | cat -v)"
	fi
done

# ---------------------------------------------------------------------------------------------
# subid-alloc: the name from NSS (by uid), and a name with LF from argv.

log_mark
run "$HELPER" --by-uid "$HUID"
check_rc "subid-alloc, hostile name from NSS" 0
if [ "$OUT" = "user=$HESC uid=$HUID subuid=165536:65536 subgid=165536:65536 new=uid,gid" ]; then
	pass "subid-alloc, hostile name from NSS: the result line is escaped"
else
	fail "subid-alloc, hostile name from NSS: the result line is escaped" "it is '$(printf '%s' "$OUT" | cat -v)'"
fi
expect_ours "subid-alloc, hostile name from NSS" "subid-alloc[" "allocated user=$HESC uid=$HUID subuid=165536:65536"
expect_clean "subid-alloc, hostile name from NSS"

log_mark
run "$HELPER" $'nidz"q x=1\n<13>forged\e[2K'
check_rc "subid-alloc, hostile name in argv" 1
expect_ours "subid-alloc, hostile name in argv" "subid-alloc[" 'refused user=nidz\x22q\x20x\x3d1\x0a<13>forged\x1b[2K reason="no such user'
expect_clean "subid-alloc, hostile name in argv"
if [[ $ERR != *$'\n<13>'* && $ERR != *$'\e'* ]]; then
	pass "subid-alloc, hostile name in argv: stderr holds no raw LF or ESC"
else
	fail "subid-alloc, hostile name in argv: stderr holds no raw LF or ESC" "$(printf '%s' "$ERR" | cat -v)"
fi

# ---------------------------------------------------------------------------------------------
# pam_subid: PAM_USER from the application (argv of pamtester), the allocation line.

pam_service "$PAM_SVC" by_uid
log_mark
run pamtester "$PAM_SVC" "$PNAME" open_session close_session
check_rc "pam_subid, hostile name" 0
expect_ours "pam_subid, hostile name" "pam_subid(" "allocated sub-ids for user=$PESC uid=$PUID subuid="
expect_ours "pam_subid, hostile name: the helper's own line" "subid-alloc[" "allocated user=$PESC uid=$PUID"
expect_clean "pam_subid, hostile name"

log_mark
run pamtester "$PAM_SVC" $'nidq"r x=1\n<13>forged\r' open_session close_session
expect_ours "pam_subid, unknown hostile name" "pam_subid(" 'user=nidq\x22r\x20x\x3d1\x0a<13>forged\x0d is not in the user database'
expect_clean "pam_subid, unknown hostile name"

# Option values from /etc/pam.d (a file, so escaped too): an unknown mode= and a bad count=.
pam_service "$PAM_SVC" $'mode=x\e[2J\xff' $'count=1\e]0;t\a'
log_mark
run pamtester "$PAM_SVC" "$PNAME" open_session close_session
expect_ours "pam_subid, hostile option value" "pam_subid(" 'option mode=x\x1b[2J\xff: expected first-fit or uid'
expect_clean "pam_subid, hostile option value"

# ---------------------------------------------------------------------------------------------
# subid-check: the user's name (human output), and rootfs file names.

run "$SUBID_CHECK" --no-probe --user "$HNAME"
if [[ $OUT == *'user nidh"x action=map\x1b[2K\x0dZ\xe9 (uid '* ]]; then
	pass "subid-check, hostile user name: printed escaped"
else
	fail "subid-check, hostile user name: printed escaped" "$(printf '%s' "$OUT" | head -n 2 | cat -v | paste -sd '|')"
fi
raw_free_output "subid-check, hostile user name"

# A name that is shell code: every fix that names the user (the probe's, the sub-id checks') has it
# as one quoted word, so the command root pastes runs no code of the user's (the probe's fixes had
# it bare before).
QNAME='nidq$(touch${IFS}/tmp/nidq-pwned)'
QUID=$((HUID + 7))
printf '%s:x:%s:%s::/:/usr/sbin/nologin\n' "$QNAME" "$QUID" "$QUID" >>/etc/passwd
run "$SUBID_CHECK" --json --user "$QNAME"
python3 -c '
import json, sys
d = json.loads(sys.argv[1])
q = "\x27" + sys.argv[2] + "\x27"
fixes = [c["fix"] for c in d["checks"] if c["fix"] and "--add-sub" in c["fix"]]
print(len(fixes), sum(1 for f in fixes if q not in f))
for f in fixes:
    print(f)' "$OUT" "$QNAME" >"$T_DIR/qfixes" 2>&1 || true
read -r n_fix n_bare <"$T_DIR/qfixes" || true
check_true "subid-check, a user name that is shell code: fixes that name the user were given" "$(cat "$T_DIR/qfixes")" \
	[ "${n_fix:-0}" -ge 2 ]
check_true "subid-check, a user name that is shell code: each such fix has it single-quoted" "$(cat "$T_DIR/qfixes")" \
	[ "${n_bare:-1}" = 0 ]
run "$SUBID_CHECK" --no-probe --user $'nidnone\e[2K\rPASS\xe9'
if [[ $ERR == *"user 'nidnone\x1b[2K\x0dPASS\xe9' not found"* ]]; then
	pass "subid-check, unknown hostile user name: stderr escaped"
else
	fail "subid-check, unknown hostile user name: stderr escaped" "$(printf '%s' "$ERR" | cat -v)"
fi

TREE="$T_DIR/rootfs"
mkdir -p "$TREE/tmp"
chmod 1777 "$TREE/tmp"
FNAME=$'x\e[2K\r  PASS rootfs.ownership: forged\e]0;title\a\xe9\x9b1m'
touch "$TREE/tmp/$FNAME"
mkdir "$TREE/tmp/d"$'\n'"  PASS forged line"
chown 100000:100000 "$TREE" "$TREE/tmp"
chown 5000000:5000000 "$TREE/tmp/$FNAME" "$TREE/tmp/d"$'\n'"  PASS forged line"
run "$SUBID_CHECK" rootfs "$TREE" --map 0:100000:65536
if [[ $OUT == *'tmp/x\x1b[2K\x0d  PASS rootfs.ownership: forged\x1b]0;title\x07\xe9\x9b1m'* ||
	$OUT == *'tmp/d\x0a  PASS forged line'* ]]; then
	pass "subid-check rootfs, hostile file names: printed escaped"
else
	fail "subid-check rootfs, hostile file names: printed escaped" "$(printf '%s' "$OUT" | cat -v | paste -sd '|')"
fi
raw_free_output "subid-check rootfs, hostile file names"
if ! printf '%s\n' "$OUT" | grep -q '^  PASS forged line'; then
	pass "subid-check rootfs, hostile file names: no forged line"
else
	fail "subid-check rootfs, hostile file names: no forged line" "$(printf '%s' "$OUT" | cat -v | paste -sd '|')"
fi
# --json: the document stays valid UTF-8 JSON whatever bytes the names hold (a Latin-1 byte
# becomes U+FFFD), and the control bytes come back as themselves after decoding.
TREE2="$T_DIR/rootfs2"
mkdir -p "$TREE2/tmp"
chmod 1777 "$TREE2/tmp"
touch "$TREE2/tmp/$FNAME"
chown 100000:100000 "$TREE2" "$TREE2/tmp"
chown 5000000:5000000 "$TREE2/tmp/$FNAME"
run "$SUBID_CHECK" rootfs "$TREE2" --map 0:100000:65536 --json
if printf '%s' "$OUT" | python3 -c '
import json, sys
doc = json.loads(sys.stdin.buffer.read().decode("utf-8", "strict"))
want = "x\x1b[2K\r  PASS rootfs.ownership: forged\x1b]0;title\x07\ufffd\ufffd1m"
def strings(o):
    if isinstance(o, str):
        yield o
    elif isinstance(o, dict):
        for v in o.values():
            yield from strings(v)
    elif isinstance(o, list):
        for v in o:
            yield from strings(v)
found = [x for x in strings(doc) if want in x]
print("strings holding the name:", len(found), file=sys.stderr)
sys.exit(0 if found else 3)
' 2>"$T_DIR/json.err"; then
	pass "subid-check rootfs --json, hostile file names: valid UTF-8 JSON holding the name"
else
	fail "subid-check rootfs --json, hostile file names: valid UTF-8 JSON holding the name" "$(cat "$T_DIR/json.err"; printf '%s' "$OUT" | head -c 600 | cat -v)"
fi

finish
