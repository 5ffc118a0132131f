#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A hostile local user against the writers of /etc/subuid and /etc/subgid (issue 9, finding 5):
# lines that our strict parser calls malformed but shadow's subordinate_parse() (strtoul base 0)
# reads as entries. shadow's own reading is the judge: getsubids (libsubid, the parser that
# useradd and shadow's newuidmap use) says which ids are bob's; subid-alloc, pam_subid and
# subid-check's proposed fix must never hand out any of them.
# shellcheck source=tests/lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=tests/lib/pam-lib.sh
. "$(dirname "$0")/../lib/pam-lib.sh"
SUBID_CHECK=${SUBID_CHECK:-${abs_top_builddir:-}/subid/check/subid-check}
[ -x "$SUBID_CHECK" ] || skip "subid-check is not built (SUBID_CHECK=$SUBID_CHECK)"
command -v getsubids >/dev/null 2>&1 || skip "getsubids (shadow's libsubid reader, package uidmap) is not installed"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"

for u in nidlbob nidlcarol nidldave nidlpam; do
	new_user "$u"
done

# shadow_range USER [-g]: "START COUNT" of USER's first range as shadow reads the files.
shadow_range() {
	getsubids ${2:+"$2"} "$1" 2>/dev/null | awk -v u="$1" '$2 == u { print $3, $4; exit }'
}

# file_range FILE OWNER: "START COUNT" of OWNER's strictly valid line in FILE.
file_range() {
	awk -F: -v o="$2" '$1 == o && $2 ~ /^[0-9]+$/ && $3 ~ /^[0-9]+$/ { print $2, $3; exit }' "$1"
}

# disjoint WHAT "S1 C1" "S2 C2"
disjoint() {
	local s1 c1 s2 c2
	read -r s1 c1 <<<"$2"
	read -r s2 c2 <<<"$3"
	if [ -z "$s1" ] || [ -z "$s2" ]; then
		fail "$1" "a range is missing: '$2' and '$3'"
	elif [ $((s1 + c1)) -le "$s2" ] || [ $((s2 + c2)) -le "$s1" ]; then
		pass "$1"
	else
		fail "$1" "$s1+$c1 overlaps $s2+$c2"
	fi
}

# proposed USER: "START COUNT" of the subuid range that subid-check's fix proposes for USER.
proposed() {
	"$SUBID_CHECK" --no-probe --json --user "$1" 2>/dev/null | python3 -c '
import json, re, sys
d = json.load(sys.stdin)
for r in d["checks"]:
    m = re.search(r"--add-subuids (\d+)-(\d+)", r.get("fix") or "")
    if m:
        print(m.group(1), int(m.group(2)) - int(m.group(1)) + 1)
        break
'
}

for line in "nidlbob: 100000:65536" "nidlbob:+100000:65536" "nidlbob:0x186a0:65536" \
	"nidlbob:0303240:65536" "nidlbob:100000:65536:extra"; do
	set_subuid "$line
"
	set_subgid "$line
"
	bob=$(shadow_range nidlbob)
	if [ "$bob" = "100000 65536" ]; then
		pass "'$line': shadow reads it as nidlbob's 100000-165535"
	else
		fail "'$line': shadow reads it as nidlbob's 100000-165535" "getsubids says '$bob'"
	fi
	disjoint "'$line': subid-check's proposed range for nidldave is clear of nidlbob's" \
		"$(proposed nidldave)" "$bob"
	run "$HELPER" nidlcarol
	check_rc "'$line': subid-alloc nidlcarol" 0
	disjoint "'$line': subid-alloc's subuid range for nidlcarol is clear of nidlbob's" \
		"$(file_range /etc/subuid nidlcarol)" "$bob"
	disjoint "'$line': subid-alloc's subgid range for nidlcarol is clear of nidlbob's" \
		"$(file_range /etc/subgid nidlcarol)" "$(shadow_range nidlbob -g)"
done

# The same through pam_subid (the module runs subid-alloc: one check that the path is the same).
set_subuid "nidlbob:0x186a0:65536
"
set_subgid "nidlbob: 100000:65536
"
pam_service "$PAM_SVC"
run pamtester "$PAM_SVC" nidlpam open_session close_session
check_rc "pam_subid next to lenient lines: pamtester" 0
disjoint "pam_subid next to 'nidlbob:0x186a0:65536': the subuid range is clear of nidlbob's" \
	"$(file_range /etc/subuid nidlpam)" "$(shadow_range nidlbob)"
disjoint "pam_subid next to 'nidlbob: 100000:65536': the subgid range is clear of nidlbob's" \
	"$(file_range /etc/subgid nidlpam)" "$(shadow_range nidlbob -g)"

# A count that shadow reads as ULONG_MAX: everything above 100000 is bob's. Refused, nothing written.
set_subuid "nidlbob:100000:-1
"
set_subgid "nidlbob:100000:65536
"
run "$HELPER" nidlcarol
check_rc "'nidlbob:100000:-1': subid-alloc refuses" 1
check_err "'nidlbob:100000:-1': subid-alloc refuses" "no free range left"
check_file "'nidlbob:100000:-1'" /etc/subuid "nidlbob:100000:-1
"

# ---------------------------------------------------------------------------------------------
# --root run as root by someone who chose the arguments (a sudo rule for subid-alloc, a setuid
# copy): the prefix must be root's own tree, or root would lock and write "subuid" wherever a
# symlink of theirs points. The stand-in for a root-owned directory worth protecting: $T_DIR/victim.
mkdir -m 755 "$T_DIR/victim" "$T_DIR/evil" "$T_DIR/evil2" "$T_DIR/good" "$T_DIR/good/etc"
chown "$A_UID" "$T_DIR/evil" "$T_DIR/evil2"
ln -s "$T_DIR/victim" "$T_DIR/evil/etc"
run "$HELPER" --root "$T_DIR/evil" --create nidlcarol
check_rc "--root through a user's symlinked etc, as root" 1
check_err "--root through a user's symlinked etc, as root" "--root: the file is not trusted: ROOT is not root's own"
check_true "--root through a user's symlinked etc: nothing made in the directory it points to" \
	"$(ls -A "$T_DIR/victim" | paste -sd ' ')" [ -z "$(ls -A "$T_DIR/victim")" ]
# The user's own etc (a real directory) in a root-owned prefix: refused too.
chown root "$T_DIR/evil2"
mkdir -m 755 "$T_DIR/evil2/etc"
chown "$A_UID" "$T_DIR/evil2/etc"
run "$HELPER" --root "$T_DIR/evil2" --create nidlcarol
check_rc "--root with a user-owned etc, as root" 1
check_err "--root with a user-owned etc, as root" "ROOT/etc is not root's own"
check_true "--root with a user-owned etc: nothing made in it" "$(ls -A "$T_DIR/evil2/etc" | paste -sd ' ')" \
	[ -z "$(ls -A "$T_DIR/evil2/etc")" ]
# Control: root's own tree works.
run "$HELPER" --root "$T_DIR/good" --create nidlcarol
check_rc "--root on root's own tree, as root" 0
check_true "--root on root's own tree: the range is written there" "$(cat "$T_DIR/good/etc/subuid" 2>&1)" \
	grep -q '^nidlcarol:' "$T_DIR/good/etc/subuid"

# ---------------------------------------------------------------------------------------------
# Run as root with arguments of the caller's (a sudo rule): the signals sudo relays from the user
# (SIGINT, SIGTERM, SIGHUP, SIGALRM, SIGUSR1/2, SIGQUIT), SIGPIPE and SIGPROF reach it while it
# waits for /etc/.pwd.lock, and change nothing: it finishes once the lock is free.
set_subuid ""
set_subgid ""
python3 -c 'import fcntl, sys, time
f = open("/etc/.pwd.lock", "a")
fcntl.lockf(f, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(2)' >"$T_DIR/holder.out" &
HOLDER=$!
track "$HOLDER"
for ((i = 0; i < 500; i++)); do grep -q held "$T_DIR/holder.out" 2>/dev/null && break; sleep 0.01; done
"$HELPER" --timeout 10 nidldave >"$T_DIR/sig.out" 2>"$T_DIR/sig.err" &
H=$!
sleep 0.5
for sig in INT TERM HUP ALRM USR1 USR2 QUIT PIPE PROF VTALRM; do kill -"$sig" "$H" 2>/dev/null || true; done
rc=0
wait "$H" || rc=$?
wait "$HOLDER" || true
check_true "signals a sudo user could relay, while waiting for /etc/.pwd.lock: exit status 0" \
	"exit status $rc: $(cat "$T_DIR/sig.err")" [ "$rc" = 0 ]
check_true "signals a sudo user could relay: the range was allocated after all" "$(cat /etc/subuid)" \
	grep -q '^nidldave:' /etc/subuid

finish
