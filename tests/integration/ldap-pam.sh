#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# pam_subid source=directory on a fleet: one real slapd (tests/lib/ldap-lib.sh), four "hosts"
# (mount namespaces with their own /etc and their own nslcd), real libpam through pamtester.
#   - 64 first logins at once, two hosts per user, 32 users: exactly one directory entry per
#     user, no two overlapping, every host's /etc/subuid and /etc/subgid equal to the directory's
#     entries of the users who logged in there (and nothing else), no lock left;
#   - the fast path (the user has both lines) runs no helper and connects to no LDAP socket;
#   - the directory slow (a socket that accepts and never answers) or down during a login: the
#     login succeeds, nothing is written, the reason is logged; the next login allocates.
# shellcheck source=tests/lib/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib/lib.sh"
# shellcheck source=tests/lib/pam-lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib/pam-lib.sh"
# shellcheck source=tests/lib/ldap-lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib/ldap-lib.sh"
command -v strace >/dev/null 2>&1 || skip "strace is not installed"

# hpam H ARGS...: pamtester on host H (with the ASan runtime preloaded in a sanitizer build, as
# pam-lib.sh's pamtester() does; nsenter execs the binary, not the shell function).
hpam() {
	local h=$1
	shift
	if [ -n "$PAM_SANITIZED" ]; then
		on_host "$h" env LD_PRELOAD="$PAM_ASAN_LIB" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
			"$(type -P pamtester)" "$@"
	else
		on_host "$h" "$(type -P pamtester)" "$@"
	fi
}

log_start
C=65536
NUSERS=32
# In a sanitizer build every process is several times slower and nslcd drops a client that has
# not sent its request within its 0.5 s read timeout ("error reading from client: Timer
# expired"): 16 logins for 8 users there, the same assertions.
if [ -n "$PAM_SANITIZED" ]; then
	NUSERS=8
fi
NLOGINS=$((2 * NUSERS))
ldap_start main
ldap_tree
ldap_users nidp "$NUSERS" 720000
nslcd_here "$LDAP_URI"
dir_conf
# Directory uids are far above login.defs' UID_MAX: the scope is given.
SCOPE="min_uid=1000 max_uid=100000000"
# shellcheck disable=SC2086 # SCOPE is two options
pam_service "$PAM_SVC" source=directory timeout=60 $SCOPE
put_file /etc/subuid ''
put_file /etc/subgid ''

for h in 1 2 3 4; do
	host_new "h$h" "$LDAP_URI"
done
for h in 1 2 3 4; do
	if [ "$(on_host "h$h" getent passwd nidp7 | cut -d: -f3)" = 720007 ]; then
		pass "host h$h resolves the directory's users through its own nslcd"
	else
		fail "host h$h resolves the directory's users through its own nslcd" "getent: $(on_host "h$h" getent passwd nidp7)"
	fi
done

# ---------------------------------------------------------------------------------------------
# 64 first logins at once (NLOGINS): user i on hosts (i mod 4) + 1 and (i + 1 mod 4) + 1

pids=() what=()
for ((i = 1; i <= NUSERS; i++)); do
	for h in $((i % 4 + 1)) $(((i + 1) % 4 + 1)); do
		hpam "h$h" "$PAM_SVC" "nidp$i" open_session close_session >"$T_DIR/storm.$i.$h" 2>&1 &
		pids+=("$!")
		what+=("nidp$i@h$h")
	done
done
bad=
for k in "${!pids[@]}"; do
	wait "${pids[$k]}" || bad="$bad ${what[$k]}"
done
if [ -z "$bad" ]; then
	pass "$NLOGINS concurrent first logins on 4 hosts: every pamtester session succeeded"
else
	fail "$NLOGINS concurrent first logins on 4 hosts: every pamtester session succeeded" "failed:$bad"
fi

dir_entries >"$T_DIR/dir.txt"
n=$(wc -l <"$T_DIR/dir.txt")
dup=$(awk '{ print $1 }' "$T_DIR/dir.txt" | sort | uniq -d | paste -sd ' ')
missing=
for ((i = 1; i <= NUSERS; i++)); do
	grep -q "^nidp$i " "$T_DIR/dir.txt" || missing="$missing nidp$i"
done
if [ "$n" = "$NUSERS" ] && [ -z "$dup" ] && [ -z "$missing" ]; then
	pass "$NLOGINS concurrent first logins: exactly one directory entry per user ($n entries)"
else
	fail "$NLOGINS concurrent first logins: exactly one directory entry per user" "$n entries; duplicated: $dup; missing: $missing"
fi
awk '{ printf "%s:%s:%s\n", $1, $2, $3 }' "$T_DIR/dir.txt" >"$T_DIR/dir.sub"
awk '{ printf "%s:%s:%s\n", $1, $4, $5 }' "$T_DIR/dir.txt" >"$T_DIR/dir.sgid"
ov=$(overlaps "$T_DIR/dir.sub"; overlaps "$T_DIR/dir.sgid")
if [ -z "$ov" ]; then
	pass "$NLOGINS concurrent first logins: no two directory ranges overlap"
else
	fail "$NLOGINS concurrent first logins: no two directory ranges overlap" "$ov"
fi
aligned=$(awk -v c=$C '($2 - 2147483648) % c != 0 || $2 != $4 || $3 != c || $5 != c' "$T_DIR/dir.txt")
if [ -z "$aligned" ]; then
	pass "$NLOGINS concurrent first logins: every range is count-aligned in the pool, sub-uid start = sub-gid start"
else
	fail "$NLOGINS concurrent first logins: every range is count-aligned in the pool" "$aligned"
fi
if [ "$(awk '{ print $2 }' "$T_DIR/dir.txt" | sort -n | tail -1)" = $((2147483648 + (NUSERS - 1) * C)) ]; then
	pass "$NLOGINS concurrent first logins: the lowest $NUSERS slots of the pool, no hole"
else
	fail "$NLOGINS concurrent first logins: the lowest $NUSERS slots, no hole" "highest start $(awk '{ print $2 }' "$T_DIR/dir.txt" | sort -n | tail -1)"
fi
for h in 1 2 3 4; do
	want_u=$(for ((i = 1; i <= NUSERS; i++)); do
		if [ $((i % 4 + 1)) = "$h" ] || [ $(((i + 1) % 4 + 1)) = "$h" ]; then
			grep "^nidp$i:" "$T_DIR/dir.sub"
		fi
	done | sort)
	want_g=$(for ((i = 1; i <= NUSERS; i++)); do
		if [ $((i % 4 + 1)) = "$h" ] || [ $(((i + 1) % 4 + 1)) = "$h" ]; then
			grep "^nidp$i:" "$T_DIR/dir.sgid"
		fi
	done | sort)
	got_u=$(on_host "h$h" sort /etc/subuid)
	got_g=$(on_host "h$h" sort /etc/subgid)
	if [ "$got_u" = "$want_u" ] && [ "$got_g" = "$want_g" ] && [ -n "$want_u" ]; then
		pass "host h$h: /etc/subuid and /etc/subgid equal the directory's entries of its $(printf '%s\n' "$want_u" | wc -l) users"
	else
		fail "host h$h: local lines equal the directory's" "subuid '$(show "$got_u")' want '$(show "$want_u")'; subgid '$(show "$got_g")'"
	fi
	l=$(on_host "h$h" bash -c "$(declare -f leftovers); leftovers" | paste -sd ' ')
	if [ -z "$l" ]; then
		pass "host h$h: no lock, pid or temporary file left in /etc"
	else
		fail "host h$h: no lock, pid or temporary file left in /etc" "$l"
	fi
done
errs=$(log_new | grep '^<8[0-3]>' || true)
if [ -z "$errs" ]; then
	pass "$NLOGINS concurrent first logins: no error logged by the module or the helper"
else
	fail "$NLOGINS concurrent first logins: no error logged by the module or the helper" "$(printf '%s' "$errs" | paste -sd '|'); nslcd said: $(grep -a 'nslcd' "$LOG" | tail -n 8 | paste -sd '|')"
fi
n=$(log_new | grep -c 'pam_subid(.*allocated sub-ids for user=nidp' || true)
if [ "$n" = "$NLOGINS" ]; then
	pass "$NLOGINS concurrent first logins: the module logged $NLOGINS allocations"
else
	fail "$NLOGINS concurrent first logins: the module logged $NLOGINS allocations" "$n lines"
fi

# ---------------------------------------------------------------------------------------------
# The fast path: no helper, no LDAP connection

tr="$T_DIR/fast.trace"
run on_host h2 strace -f -qq -o "$tr" -e trace=execve,connect \
	${PAM_SANITIZED:+-E LD_PRELOAD=$PAM_ASAN_LIB -E ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0} \
	"$(type -P pamtester)" "$PAM_SVC" nidp1 open_session close_session
check_rc "fast path" 0
execs=$(grep 'execve(' "$tr" | grep -v 'execve("[^"]*/pamtester"' || true)
if [ -z "$execs" ]; then
	pass "fast path: no helper was run"
else
	fail "fast path: no helper was run" "$(printf '%s' "$execs" | paste -sd '|')"
fi
if grep -q 'connect(' "$tr" && ! grep 'connect(' "$tr" | grep -q 'ldapi'; then
	pass "fast path: no connection to the directory (connects seen: $(grep -o 'sun_path="[^"]*"' "$tr" | sort -u | paste -sd ' '))"
else
	fail "fast path: no connection to the directory" "$(grep 'connect(' "$tr" | paste -sd '|')"
fi

# ---------------------------------------------------------------------------------------------
# A slow directory, then a directory down, during a login: the login goes on, nothing written

# A socket that accepts connections and never answers: a directory that hangs.
py=$(command -v python3)
"$py" - "$LDAP_ROOT/hang.sock" <<'EOF' >/dev/null 2>&1 &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(64)
held = []
while True:
    c, _ = s.accept()
    held.append(c)
EOF
BG_PIDS+=("$!")
for ((i = 0; i < 500; i++)); do [ -S "$LDAP_ROOT/hang.sock" ] && break; sleep 0.01; done
chmod 0777 "$LDAP_ROOT/hang.sock"
HANG_URI="ldapi://$(printf '%s' "$LDAP_ROOT/hang.sock" | sed 's,/,%2F,g')"
DIR_URI=$HANG_URI dir_conf timeout 30000
host_put h1 /etc/subid-directory.conf
on_host h1 sh -c "printf 'session optional %s helper=%s source=directory timeout=2 %s\nsession required pam_permit.so\n' '$PAM_MOD' '$HELPER' '$SCOPE' >/etc/pam.d/nidslow"
ldap_users nidps 1 730000
nss_wait nidps1
before=$(on_host h1 cat /etc/subuid /etc/subgid | md5sum)
log_mark
run hpam h1 nidslow nidps1 open_session close_session
check_rc "directory hanging during a login: the login succeeds" 0
expect_log "directory hanging during a login" "<83>" "user=nidps1" "did not finish in 2 s and was killed"
if [ "$(on_host h1 cat /etc/subuid /etc/subgid | md5sum)" = "$before" ]; then
	pass "directory hanging during a login: nothing written"
else
	fail "directory hanging during a login: nothing written" "the files changed"
fi
if ! dir_entries | grep -q '^nidps1 '; then
	pass "directory hanging during a login: no entry for the user"
else
	fail "directory hanging during a login: no entry for the user" "$(dir_entries | grep '^nidps1 ')"
fi
l=$(on_host h1 bash -c "$(declare -f leftovers); leftovers" | paste -sd ' ')
if [ -z "$l" ]; then
	pass "directory hanging during a login: no lock left (the helper was killed)"
else
	fail "directory hanging during a login: no lock left" "$l"
fi

# Down: the sub-id directory's socket refuses connections (NSS still answers).
DIR_URI=$(ldap_uri gone) dir_conf
host_put h1 /etc/subid-directory.conf
log_mark
run hpam h1 "$PAM_SVC" nidps1 open_session close_session
check_rc "directory down during a login: the login succeeds" 0
expect_log "directory down during a login" "<83>" "user=nidps1" "Can't contact LDAP server"
if [ "$(on_host h1 cat /etc/subuid /etc/subgid | md5sum)" = "$before" ]; then
	pass "directory down during a login: nothing written"
else
	fail "directory down during a login: nothing written" "the files changed"
fi

# Back: the next login allocates.
dir_conf
host_put h1 /etc/subid-directory.conf
log_mark
run hpam h1 "$PAM_SVC" nidps1 open_session close_session
check_rc "directory back: the next login" 0
s=$(dir_entries | awk '$1 == "nidps1" { print $2 }')
expect_log "directory back: the next login allocates" "<85>" "user=nidps1" "subuid=$s:$C"
if on_host h1 grep -qx "nidps1:$s:$C" /etc/subuid && on_host h1 grep -qx "nidps1:$s:$C" /etc/subgid; then
	pass "directory back: the directory's range $s:$C is in both files"
else
	fail "directory back: the directory's range is in both files" "$(on_host h1 cat /etc/subuid | paste -sd ' ')"
fi

# Options that make no sense with the directory: refused, logged, nothing written.
ldap_users nidpo 1 731000
nss_wait nidpo1
before=$(on_host h1 cat /etc/subuid /etc/subgid | md5sum)
for opts in "source=directory mode=uid" "source=directory count=10" "source=directory by_uid" "source=ldap"; do
	on_host h1 sh -c "printf 'session optional %s helper=%s %s %s\nsession required pam_permit.so\n' '$PAM_MOD' '$HELPER' '$opts' '$SCOPE' >/etc/pam.d/nidopts"
	log_mark
	run hpam h1 nidopts nidpo1 open_session close_session
	check_rc "pam_subid $opts: the login goes on" 0
	if [ "$opts" = source=ldap ]; then
		expect_log "pam_subid $opts" "<83>" "option source=ldap: expected files or directory"
	else
		expect_log "pam_subid $opts" "<83>" "source=directory takes no mode=, count=, min=, max= or by_uid"
	fi
done
if [ "$(on_host h1 cat /etc/subuid /etc/subgid | md5sum)" = "$before" ] && ! dir_entries | grep -q '^nidpo1 '; then
	pass "refused options: nothing written, no entry added"
else
	fail "refused options: nothing written, no entry added" "$(dir_entries | grep '^nidpo1 ')"
fi

finish
