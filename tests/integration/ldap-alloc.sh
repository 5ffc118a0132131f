#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# subid-alloc --directory against a real slapd (tests/lib/ldap-lib.sh: Debian's slapd on a private
# ldapi:// socket, FreeIPA's schema from docs/ldap/, slapo-unique) with the users resolved by real
# NSS (nslcd), on several "hosts" (private mount namespaces with their own /etc):
#   - allocation: the lowest aligned start of the pool, the entry in FreeIPA's schema, the local
#     lines; a second run and a second host get the same range, nothing rewritten;
#   - a local line of the user that disagrees is corrected (logged), other lines kept byte for
#     byte; a local line of another owner in the way: refused, named, nothing written;
#   - hostile entries refused per entry with the entry's DN: huge count, negative and 64-bit
#     numbers, overlapping entries, two entries for one owner, an owner that is no user;
#   - a server without the uniqueness overlay: refused with the reason, the probe entry removed;
#   - directory down: refused, nothing written; slapd killed and restarted during allocations: no
#     duplicate, no orphan, every user served on the next run;
#   - --sync and --sync --dry-run on a fresh host; a syncrepl read-only replica for lookups with
#     allocation on the provider (write_uri).
# shellcheck source=tests/lib/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib/lib.sh"
# shellcheck source=tests/lib/pam-lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib/pam-lib.sh"
# shellcheck source=tests/lib/ldap-lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib/ldap-lib.sh"

log_start
A=$HELPER
P0=2147483648 # FreeIPA's pool start; ranges of 65536
C=65536
slot() { echo $((P0 + $1 * C)); }

ldap_start main
ldap_tree
ldap_users nidd 12 700000
nslcd_here "$LDAP_URI"
dir_conf
put_file /etc/subuid ''
put_file /etc/subgid ''

if [ "$(getent passwd nidd3 | cut -d: -f3)" = 700003 ]; then
	pass "NSS resolves a directory user through nslcd (nidd3 is uid 700003)"
else
	fail "NSS resolves a directory user through nslcd" "getent passwd nidd3: $(getent passwd nidd3)"
fi

# check_dir WHAT EXPECTED: the directory's entries ("owner start count gstart gcount" lines).
check_dir() {
	local got
	got=$(dir_entries)
	if [ "$got" = "$2" ]; then
		pass "$1: the directory holds '$(show "$2")'"
	else
		fail "$1: the directory holds '$(show "$2")'" "it holds '$(show "$got")'"
	fi
}

# check_out WHAT EXPECTED: the last run's stdout.
check_out() {
	if [ "$OUT" = "$2" ]; then
		pass "$1: prints '$2'"
	else
		fail "$1: prints '$2'" "printed '$OUT' (stderr: $ERR)"
	fi
}

# ---------------------------------------------------------------------------------------------
# Allocation, then the same range again and on another host

S0=$(slot 0) S1=$(slot 1) S2=$(slot 2) S3=$(slot 3)
log_mark
run "$A" --directory nidd1
check_rc "first allocation" 0
check_out "first allocation" "user=nidd1 uid=700001 subuid=$S0:$C subgid=$S0:$C new=uid,gid"
check_file "first allocation" /etc/subuid "nidd1:$S0:$C
"
check_file "first allocation" /etc/subgid "nidd1:$S0:$C
"
check_dir "first allocation" "nidd1 $S0 $C $S0 $C"
got=$(lsearch -b "$LDAP_SUBIDS_BASE" "(ipaUniqueID=subid-$S0)" objectClass | grep -ci '^objectClass: ipaSubordinate' || true)
if [ "$got" = 4 ]; then
	pass "first allocation: the entry ipaUniqueID=subid-$S0 has FreeIPA's four sub-id object classes"
else
	fail "first allocation: the entry has FreeIPA's four sub-id object classes" "$got of them"
fi
n=$(lsearch -b "$LDAP_SUBIDS_BASE" -s one '(objectClass=*)' dn | grep -c '^dn:' || true)
if [ "$n" = 1 ]; then
	pass "first allocation: the uniqueness probe (refused) left no entry: one entry in the base"
else
	fail "first allocation: the uniqueness probe left no entry" "$n entries in the base"
fi
check_no_leftovers "first allocation"
log_sync
if tail -n +"$((LOG_MARK + 1))" "$LOG" | grep -q "subid-alloc.*allocated source=directory user=nidd1 uid=700001 subuid=$S0:$C"; then
	pass "first allocation: logged (NOTICE) with user, uid and range"
else
	fail "first allocation: logged with user, uid and range" "log: $(log_new | paste -sd '|')"
fi

files_snap
run "$A" --directory nidd1
check_rc "second run" 0
check_out "second run" "user=nidd1 uid=700001 subuid=$S0:$C subgid=$S0:$C new=none"
files_unchanged "second run"
check_dir "second run" "nidd1 $S0 $C $S0 $C"

host_new h2 "$LDAP_URI"
host_put h2 /etc/subid-directory.conf
run on_host h2 "$A" --directory nidd1
check_rc "second host" 0
check_out "second host" "user=nidd1 uid=700001 subuid=$S0:$C subgid=$S0:$C new=uid,gid"
got=$(on_host h2 cat /etc/subuid /etc/subgid | paste -sd ' ')
if [ "$got" = "nidd1:$S0:$C nidd1:$S0:$C" ]; then
	pass "second host: the same range in its own /etc/subuid and /etc/subgid"
else
	fail "second host: the same range in its own files" "they hold '$got'"
fi
check_file "second host: the first host's file is its own" /etc/subuid "nidd1:$S0:$C
"

run "$A" --directory nidd2
check_rc "next user" 0
check_out "next user" "user=nidd2 uid=700002 subuid=$S1:$C subgid=$S1:$C new=uid,gid"
check_dir "next user" "nidd1 $S0 $C $S0 $C
nidd2 $S1 $C $S1 $C"

# ---------------------------------------------------------------------------------------------
# subid-check's view: reachability, the user's entry, drift of this host's lines, pool capacity

# sc_verdict USER ID [HOST]: "verdict|observed" of check ID in subid-check --json for USER.
sc_verdict() {
	local out
	out=$(${3:+on_host "$3"} "$SUBID_CHECK" --json --no-probe --user "$1" 2>/dev/null || true)
	printf '%s' "$out" | python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
except ValueError:
    print("no-json|"); sys.exit()
for c in d["checks"]:
    if c["id"] == sys.argv[1]:
        print("%s|%s" % (c["verdict"], c["observed"])); break
else:
    print("absent|")' "$2"
}
# check_sc WHAT USER ID VERDICT PATTERN [HOST]
check_sc() {
	local got
	got=$(sc_verdict "$2" "$3" "${6:-}")
	if [[ ${got%%|*} == "$4" && ${got#*|} == *"$5"* ]]; then
		pass "$1: subid-check $3 is $4 ('$5')"
	else
		fail "$1: subid-check $3 is $4 ('$5')" "got '$got'"
	fi
}
check_sc "subid-check, allocated user" nidd1 subids.directory.reach pass "answered (bind external)"
check_sc "subid-check, allocated user" nidd1 subids.directory.entry pass "ipaUniqueID=subid-$S0,$LDAP_SUBIDS_BASE: subuid $S0:$C, subgid $S0:$C"
check_sc "subid-check, allocated user" nidd1 subids.directory.drift pass "/etc/subuid $S0:$C; /etc/subgid $S0:$C"
check_sc "subid-check, allocated user" nidd1 subids.directory.pool pass "2 entries, 32765 of 32767 ranges of $C free"
check_sc "subid-check, a user without an entry" nidd6 subids.directory.entry warn "no sub-id entry for uid=nidd6,$LDAP_USERS_BASE"
check_sc "subid-check, drift on another host" nidd2 subids.directory.drift warn "/etc/subuid has no line of the user (directory: $S1:$C)" h2
DIR_URI=$(ldap_uri gone) dir_conf
check_sc "subid-check, directory down" nidd1 subids.directory.reach fail "Can't contact LDAP server"
dir_conf

# ---------------------------------------------------------------------------------------------
# Local lines: a wrong line of the user is corrected, the others kept byte for byte

set_subuid "# kept
other:100000:65536
nidd1:100000000:65536
junk line kept
nidd1:$S0:$C
700001:5:5
"
set_subgid "other:100000:65536
nidd2:$S1:$C
"
log_mark
run "$A" --directory nidd1
check_rc "correction" 0
check_out "correction" "user=nidd1 uid=700001 subuid=$S0:$C subgid=$S0:$C new=uid,gid"
check_file "correction: the user's three lines (by name and by uid) become one" /etc/subuid "# kept
other:100000:65536
junk line kept
nidd1:$S0:$C
"
check_file "correction: added where missing, other lines kept" /etc/subgid "other:100000:65536
nidd2:$S1:$C
nidd1:$S0:$C
"
log_sync
if tail -n +"$((LOG_MARK + 1))" "$LOG" | grep -q "corrected source=directory user=nidd1 uid=700001 file=/etc/subuid old=100000000:65536 new=$S0:$C"; then
	pass "correction: logged with the old and the new range"
else
	fail "correction: logged with the old and the new range" "log: $(log_new | paste -sd '|')"
fi

set_subuid "nidd1:$S0:$C
localx:$((S2 + 10)):5
"
set_subgid "nidd1:$S0:$C
"
files_snap
run "$A" --directory nidd3
check_rc "a local line in the way" 1
check_err "a local line in the way" "overlaps the local line 'localx:$((S2 + 10)):5' in /etc/subuid"
files_unchanged "a local line in the way (neither file)"
check_dir "a local line in the way: the directory entry is the user's all the same" "nidd1 $S0 $C $S0 $C
nidd2 $S1 $C $S1 $C
nidd3 $S2 $C $S2 $C"

# ---------------------------------------------------------------------------------------------
# Hostile entries, each refused with its DN

U() { echo "uid=$1,$LDAP_USERS_BASE"; }
ldap_entry hostile-count "$(U nidd4)" "$(slot 20)" 2000000000 "$(slot 20)" 2000000000
ldap_entry hostile-neg "$(U nidd5)" -5 "$C" "$(slot 21)" "$C"
ldap_entry hostile-big "$(U nidd6)" 99999999999 "$C" "$(slot 22)" "$C"
ldap_entry hostile-ov1 "$(U nidd7)" "$(slot 23)" "$C" "$(slot 23)" "$C"
ldap_entry hostile-ov2 "$(U nidd8)" "$(($(slot 23) + 100))" "$C" "$(($(slot 23) + 100))" "$C"
ldap_entry hostile-out "$(U nidd9)" 300000 "$C" 300000 "$C"
# A second entry for nidd10: the overlay refuses it, so it goes in with the relax control, as
# replication (or a hostile administrator) could.
ldap_entry hostile-twoA "$(U nidd10)" "$(slot 25)" "$C" "$(slot 25)" "$C"
ldapadd -Q -Y EXTERNAL -H "$LURI" -e relax >/dev/null <<EOF
dn: ipaUniqueID=hostile-twoB,$LDAP_SUBIDS_BASE
objectClass: ipaSubordinateIdEntry
objectClass: ipaSubordinateId
ipaUniqueID: hostile-twoB
ipaOwner: $(U nidd10)
ipaSubUidNumber: $(slot 26)
ipaSubUidCount: $C
ipaSubGidNumber: $(slot 26)
ipaSubGidCount: $C
EOF
ldap_entry hostile-noowner "cn=nobody,$LDAP_SUFFIX" "$(slot 27)" "$C" "$(slot 27)" "$C"
# A DN holding a newline: the refusal must not forge a log line.
NLRDN=$'hostile\nforged root login'
ldapadd -Q -Y EXTERNAL -H "$LURI" >/dev/null <<EOF
dn:: $(printf 'ipaUniqueID=%s,%s' "$NLRDN" "$LDAP_SUBIDS_BASE" | base64 -w0)
objectClass: ipaSubordinateIdEntry
objectClass: ipaSubordinateId
ipaUniqueID:: $(printf '%s' "$NLRDN" | base64 -w0)
ipaOwner: cn=nobody2,$LDAP_SUFFIX
ipaSubUidNumber: $(slot 28)
ipaSubUidCount: $C
ipaSubGidNumber: $(slot 28)
ipaSubGidCount: $C
EOF

put_file /etc/subuid ''
put_file /etc/subgid ''
hostile() {
	local what=$1 user=$2 pat=$3
	files_snap
	run "$A" --directory "$user"
	check_rc "$what" 1
	check_err "$what" "$pat"
	files_unchanged "$what"
}
hostile "hostile: a huge count" nidd4 "ipaUniqueID=hostile-count,$LDAP_SUBIDS_BASE: count 2000000000/2000000000 is not the pool's $C"
hostile "hostile: a negative start" nidd5 "ipaUniqueID=hostile-neg,$LDAP_SUBIDS_BASE: ipaSubUidNumber '-5' is not a plain decimal number"
hostile "hostile: a start beyond 32 bits" nidd6 "ipaUniqueID=hostile-big,$LDAP_SUBIDS_BASE: ipaSubUidNumber '99999999999' is not a plain decimal number"
hostile "hostile: overlapping entries (first)" nidd7 "ipaUniqueID=hostile-ov1,$LDAP_SUBIDS_BASE: its range $(slot 23)+$C overlaps entry ipaUniqueID=hostile-ov2"
hostile "hostile: overlapping entries (second)" nidd8 "overlaps entry ipaUniqueID=hostile-ov1,$LDAP_SUBIDS_BASE"
hostile "hostile: outside the pool" nidd9 "ipaUniqueID=hostile-out,$LDAP_SUBIDS_BASE: range 300000/300000+$C is outside the pool"
hostile "hostile: two entries for one owner" nidd10 "2 sub-id entries for $(U nidd10)"

# New allocations never hand out ids that any entry claims, valid or not (slots 20-27 here).
run "$A" --directory nidd11
check_rc "allocation beside hostile entries" 0
check_out "allocation beside hostile entries" "user=nidd11 uid=700011 subuid=$S3:$C subgid=$S3:$C new=uid,gid"

# A directory user's uid inside the pool (shadow issue 1157: a container's ids would be that
# user's files): the slot holding it is never handed out, and an entry holding it is refused.
S4=$(slot 4) S5=$(slot 5) S6=$(slot 6)
ldap_users niddnew 2 770000
ldap_user niddinpool1 $((S4 + 7)) 7000
ldap_user niddinpool2 $((S6 + 1)) 7000
run "$A" --directory niddnew1
check_rc "the slot holding a directory user's uid is skipped" 0
check_out "the slot holding a directory user's uid is skipped" "user=niddnew1 uid=770001 subuid=$S5:$C subgid=$S5:$C new=uid,gid"
ldap_entry hostile-uid "$(U niddnew2)" "$S6" "$C" "$S6" "$C"
hostile "hostile: an entry holding a directory user's uid" niddnew2 "ipaUniqueID=hostile-uid,$LDAP_SUBIDS_BASE: its range holds uid $((S6 + 1)) of directory user niddinpool2"

# A second posixAccount with nidd2's uid value and uidNumber, owning an entry of its own: both
# would be written as "nidd2" lines. Sync refuses the name (before, it wrote both and rewrote
# the file at every run).
S7=$(slot 7)
ldap_user nidd2 700002 700002 nidd2-twin
ldap_entry twin-entry "cn=nidd2-twin,$LDAP_USERS_BASE" "$S7" "$C" "$S7" "$C"

# Sync on a fresh host: every refused entry named, the valid ones written.
host_new h3 "$LDAP_URI"
host_put h3 /etc/subid-directory.conf
log_mark
run on_host h3 "$A" --directory --sync --dry-run
check_rc "sync dry run with hostile entries" 1
log_sync
if tail -n +"$((LOG_MARK + 1))" "$LOG" | grep -q '^forged'; then
	fail "sync: a DN with a newline forges no log line" "$(grep -a 'forged' "$LOG" | paste -sd '|')"
elif tail -n +"$((LOG_MARK + 1))" "$LOG" | grep -qF 'entry="ipaUniqueID=hostile\x0aforged root login'; then
	pass "sync: a DN with a newline forges no log line (logged as \\x0a)"
else
	fail "sync: a DN with a newline forges no log line" "the refusal was not logged: $(log_new | grep -a hostile | paste -sd '|')"
fi
if [[ $OUT == *'refused entry ipaUniqueID=hostile\x0aforged root login'* ]]; then
	pass "sync: the DN with a newline is printed escaped"
else
	fail "sync: the DN with a newline is printed escaped" "$(show "$OUT")"
fi
for e in hostile-count hostile-neg hostile-big hostile-ov1 hostile-ov2 hostile-out hostile-twoA hostile-twoB hostile-noowner hostile-uid; do
	if [[ $OUT == *"refused entry ipaUniqueID=$e,$LDAP_SUBIDS_BASE: "* ]]; then
		pass "sync dry run: refuses entry $e by its DN"
	else
		fail "sync dry run: refuses entry $e by its DN" "output: $(show "$OUT")"
	fi
done
for u in nidd1 nidd3 nidd11 niddnew1; do
	if [[ $OUT == *"would add user=$u subuid="* ]]; then
		pass "sync dry run: would add $u"
	else
		fail "sync dry run: would add $u" "output: $(show "$OUT")"
	fi
done
got=$(on_host h3 cat /etc/subuid /etc/subgid)
if [ -z "$got" ]; then
	pass "sync dry run: nothing written"
else
	fail "sync dry run: nothing written" "files hold '$(show "$got")'"
fi
run on_host h3 "$A" --directory --sync
check_rc "sync with hostile entries: status 1 (entries refused)" 1
check_true "sync: two directory users named nidd2 are refused, not both written" "$(show "$OUT")" \
	grep -q '^refused user nidd2: 2 directory users share this name' <<<"$OUT"
want=$(dir_entries | awk '$1 ~ /^nidd(1|3|11|new1)$/ { printf "%s:%s:%s\n", $1, $2, $3 }' | sort)
got=$(on_host h3 cat /etc/subuid | sort)
if [ "$got" = "$want" ]; then
	pass "sync: the host's /etc/subuid equals the directory's valid entries"
else
	fail "sync: the host's /etc/subuid equals the directory's valid entries" "want '$(show "$want")', got '$(show "$got")'"
fi
run on_host h3 "$A" --directory --sync --dry-run
check_rc "sync dry run after sync (only the refusals remain)" 1
if [[ $OUT == *"would "* ]]; then
	fail "sync dry run after sync: no difference left" "output: $(show "$OUT")"
else
	pass "sync dry run after sync: no difference left"
fi
# Remove the hostile entries for the rest.
for e in hostile-count hostile-neg hostile-big hostile-ov1 hostile-ov2 hostile-out hostile-twoA hostile-twoB hostile-noowner hostile-uid; do
	ldelete "ipaUniqueID=$e,$LDAP_SUBIDS_BASE"
done
ldelete "uid=niddinpool1,$LDAP_USERS_BASE" "uid=niddinpool2,$LDAP_USERS_BASE"
ldelete "ipaUniqueID=twin-entry,$LDAP_SUBIDS_BASE" "cn=nidd2-twin,$LDAP_USERS_BASE"
ldelete "$(printf 'ipaUniqueID=%s,%s' "$NLRDN" "$LDAP_SUBIDS_BASE")"

# ---------------------------------------------------------------------------------------------
# Who the user is: the directory's uidNumber must be NSS's uid; the name is escaped in filters

ldap_users niddsh 1 740000
useradd -M -l -u 5123 -s /usr/sbin/nologin niddsh1 2>/dev/null || printf 'niddsh1:x:5123:5123::/:/usr/sbin/nologin\n' >>/etc/passwd
files_snap
run "$A" --directory niddsh1
check_rc "a local account shadows a directory user" 1
check_err "a local account shadows a directory user" "has uidNumber 740001, but this host resolves 'niddsh1' to uid 5123"
files_unchanged "a local account shadows a directory user"
# A name holding a filter metacharacter: unescaped, (uid=nidd*) would match every nidd user.
printf 'nidd*:x:5124:5124::/:/usr/sbin/nologin\n' >>/etc/passwd
run "$A" --directory 'nidd*'
check_rc "a user name with '*'" 1
check_err "a user name with '*'" "no posixAccount with this uid"
files_unchanged "a user name with '*'"

# Simple bind: the password file must be root's alone.
printf '%s\n' "$LDAP_ADMIN_PW" >"$T_DIR/pw"
chmod 0644 "$T_DIR/pw"
dir_conf bind simple bind_dn "cn=admin,$LDAP_SUFFIX" password_file "$T_DIR/pw"
run "$A" --directory nidd12
check_rc "simple bind, password file readable by others" 1
check_err "simple bind, password file readable by others" "can be read by group or others (mode 644); refusing to use it"
files_unchanged "simple bind, password file readable by others"
chmod 0600 "$T_DIR/pw"
printf 'wrong\n' >"$T_DIR/pw"
run "$A" --directory nidd12
check_rc "simple bind, wrong password" 1
check_err "simple bind, wrong password" "simple bind refused (Invalid credentials)"
printf '%s\n' "$LDAP_ADMIN_PW" >"$T_DIR/pw"
run "$A" --directory nidd12
check_rc "simple bind, root-only password file" 0
dir_conf
chmod 0666 /etc/subid-directory.conf
run "$A" --directory nidd12
check_rc "a world-writable configuration file" 1
check_err "a world-writable configuration file" "/etc/subid-directory.conf is writable by group or others; refusing to trust it"
dir_conf
printf 'uri ldap://ldap.example.com\nuser_base %s\n' "$LDAP_USERS_BASE" >/etc/subid-directory.conf
run "$A" --directory nidd12
check_rc "plaintext to a network server" 1
check_err "plaintext to a network server" "an ldap:// URI needs 'tls starttls': plaintext to a network server is refused"
dir_conf
set_subuid ''
set_subgid ''

# ---------------------------------------------------------------------------------------------
# The directory down, and killed during allocations

# The sub-id directory unreachable (NSS still answers from the running slapd)...
DIR_URI=$(ldap_uri gone) dir_conf
files_snap
run "$A" --directory nidd12
check_rc "directory down" 1
check_err "directory down" "Can't contact LDAP server"
files_unchanged "directory down"
check_no_leftovers "directory down"
# ... and the whole directory down (NSS too): refused all the same, nothing written.
dir_conf
ldap_stop main
run "$A" --directory nidd12
check_rc "directory and NSS down" 1
check_err "directory and NSS down" "no such user 'nidd12'"
files_unchanged "directory and NSS down"
ldap_run main
nslcd_start
nss_wait nidd12
run "$A" --directory nidd12
check_rc "directory back" 0

ldap_users niddr 16 710000
for round in 1 2; do
	pids=()
	for i in $(seq 1 16); do
		"$A" --directory "niddr$i" >/dev/null 2>&1 &
		pids+=("$!")
	done
	sleep 0.0$((round * 3))
	kill -KILL "${LDAP_PID[main]}"
	wait "${LDAP_PID[main]}" 2>/dev/null || true
	for p in "${pids[@]}"; do
		wait "$p" || true
	done
	ldap_run main
done
nslcd_start
nss_wait niddr16
bad=
for i in $(seq 1 16); do
	"$A" --directory "niddr$i" >/dev/null 2>"$T_DIR/r.err" || bad="$bad niddr$i($(cat "$T_DIR/r.err"))"
done
if [ -z "$bad" ]; then
	pass "slapd killed twice during 16 allocations: every user served on the next run"
else
	fail "slapd killed during allocations: every user served on the next run" "failed:$bad"
fi
n=$(dir_entries | awk '$1 ~ /^niddr/' | wc -l)
dup=$(dir_entries | awk '{ print $1 }' | sort | uniq -d | paste -sd ' ')
if [ "$n" = 16 ] && [ -z "$dup" ]; then
	pass "slapd killed during allocations: exactly one entry per user"
else
	fail "slapd killed during allocations: exactly one entry per user" "$n entries, duplicates: $dup"
fi
ov=$(dir_entries | awk '{ printf "%s:%s:%s\n", $1, $2, $3 }' >"$T_DIR/dir.sub"; overlaps "$T_DIR/dir.sub")
if [ -z "$ov" ]; then
	pass "slapd killed during allocations: no two entries overlap"
else
	fail "slapd killed during allocations: no two entries overlap" "$ov"
fi

# ---------------------------------------------------------------------------------------------
# A server without the uniqueness overlay

LDAP_SID=2 ldap_start nouniq nounique
ldap_tree
ldap_users nidd 2 700000
DIR_URI=$LDAP_URI dir_conf
put_file /etc/subuid ''
put_file /etc/subgid ''
files_snap
run "$A" --directory nidd1
check_rc "no uniqueness overlay" 1
check_err "no uniqueness overlay" "does not enforce unique ipaOwner values"
files_unchanged "no uniqueness overlay"
n=$(lsearch -b "$LDAP_SUBIDS_BASE" '(objectClass=ipaSubordinateId)' dn | grep -c '^dn:' || true)
if [ "$n" = 1 ]; then
	pass "no uniqueness overlay: the probe entry was removed (one entry left: the user's)"
else
	fail "no uniqueness overlay: the probe entry was removed" "$n entries"
fi
ldap_stop nouniq
LURI=$(ldap_uri main)
LDAP_URI=$LURI

# ---------------------------------------------------------------------------------------------
# A read-only replica for lookups, allocation on the provider

LDAP_SID=3 ldap_start replica consumer main
LURI=$(ldap_uri main)
replicated() {
	local i
	for ((i = 0; i < 500; i++)); do
		[ "$(LURI=$(ldap_uri replica) dir_entries)" = "$(LURI=$(ldap_uri main) dir_entries)" ] && return 0
		sleep 0.02
	done
	return 1
}
if replicated; then
	pass "replica: syncrepl copied the provider's entries"
else
	fail "replica: syncrepl copied the provider's entries" "$(LURI=$(ldap_uri replica) dir_entries | wc -l) entries there"
fi
DIR_URI=$(ldap_uri replica) dir_conf write_uri "$(ldap_uri main)"
put_file /etc/subuid ''
put_file /etc/subgid ''
run "$A" --directory nidd4
check_rc "replica: a new user allocated through the provider" 0
n4=$(dir_entries | awk '$1 == "nidd4" { print $2 }')
check_out "replica: a new user allocated through the provider" "user=nidd4 uid=700004 subuid=$n4:$C subgid=$n4:$C new=uid,gid"
replicated || true
ldap_stop main
# NSS from the replica too, as a host near it would have.
sed -i "s|^uri .*|uri $(ldap_uri replica)|" /etc/nslcd.conf
nslcd_start
put_file /etc/subuid ''
put_file /etc/subgid ''
run "$A" --directory nidd4
check_rc "replica: lookups served by the replica with the provider down" 0
check_out "replica: lookups served by the replica with the provider down" "user=nidd4 uid=700004 subuid=$n4:$C subgid=$n4:$C new=uid,gid"
DIR_URI=$(ldap_uri replica) dir_conf
run "$A" --directory nidd5
check_rc "replica: a write to the read-only replica is refused" 1
check_err "replica: a write to the read-only replica is refused" "cannot add the sub-id entry"
ldap_stop replica

finish
