#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# pam_subid end to end, through the real libpam: pamtester opens sessions on services in the
# private /etc/pam.d (an overlay: the host's /etc is never touched), the module runs the real
# subid-alloc helper, and we look at /etc/subuid, /etc/subgid, the locks and the syslog lines
# (pam_syslog on a private /dev/log).
#   - allocation: the exact lines first-fit writes (lowest hole, other owners' ranges around it),
#     owner and mode kept, the NOTICE line with user, uid and both ranges;
#   - the fast path: a user with ranges (by name or by uid) makes no lock, no helper, no write;
#   - out of scope (uid limits, root, nsswitch subid: sss, missing files): PAM_IGNORE, nothing
#     written, one line saying why; create, mode=uid, count=/min=/max=, by_uid, names that cannot
#     be written, unknown options, malformed lines kept byte for byte;
#   - shadow's locks honoured (a live holder blocks, a dead one is taken over), helper checks;
#   - valgrind: no definite leak from the module, the exported symbols.
# shellcheck source=tests/lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=tests/lib/pam-lib.sh
. "$(dirname "$0")/../lib/pam-lib.sh"
command -v strace >/dev/null 2>&1 || skip "strace is not installed"

log_start

# ---------------------------------------------------------------------------------------------
# Users (made while the sub-id files do not exist, so useradd gives them no ranges)

for u in nidpff nidpuid nidpmix nidppart nidpnss nidpopt nidpmiss nidpcreate nidpmode nidpcoll \
	nidpurange nidpcnt nidpexh nidpbyuid nidpunk nidpmal nidpnonl nidpkeep nidplive nidpstale \
	nidppwd nidphelper nidpvg nidpquiet nidpdebug; do
	new_user "$u"
done
LOW_UID=$(free_uid 900)
new_user -u "$LOW_UID" nidplow
HIGH_UID=$(free_uid 60001)
new_user -u "$HIGH_UID" nidphigh
# A name with a control character (a tab) cannot come from useradd: add the passwd line by hand.
TAB_USER=$'nid\tbad'
TAB_UID=$(free_uid 3000)
printf '%s:x:%s:%s::/:/usr/sbin/nologin\n' "$TAB_USER" "$TAB_UID" "$TAB_UID" >>/etc/passwd
uid_of() { getent passwd "$1" | cut -d: -f3; }

# Other owners' ranges: first-fit of 65536 ids from 100000 lands in the exact hole
# 165536-231071 of /etc/subuid, and at 231072 in /etc/subgid.
BASE_U='other1:100000:65536
other2:231072:1000
other3:400000:65536
'
BASE_G='other1:100000:65536
other2:165536:65536
other3:300000:10
'
FF_U=165536
FF_G=231072

# reset_files [SUBUID SUBGID]: fresh files, root:root 0644 (BASE_* by default).
reset_files() {
	set_subuid "${1-$BASE_U}"
	set_subgid "${2-$BASE_G}"
}

# allocates WHAT USER UID SUBUID_START SUBGID_START COUNT [OPTIONS]: from the current files, a
# session appends exactly "USER:START:COUNT" to each (OWNER is USER, or UID with by_uid), logs
# the NOTICE line, and leaves no lock.
allocates() {
	local what=$1 user=$2 uid=$3 su=$4 sg=$5 count=$6 owner old_u old_g
	shift 6
	owner=$user
	[[ " $* " == *" by_uid "* ]] && owner=$uid
	old_u=$(cat /etc/subuid; echo x)
	old_u=${old_u%x}
	old_g=$(cat /etc/subgid; echo x)
	old_g=${old_g%x}
	pam_service "$PAM_SVC" "$@"
	log_mark
	session "$user"
	check_rc "$what: pamtester" 0
	check_file "$what" /etc/subuid "$old_u$owner:$su:$count
"
	check_file "$what" /etc/subgid "$old_g$owner:$sg:$count
"
	# The module writes control characters as \xHH.
	expect_log "$what: the allocation" "<85>" "user=${user//$'\t'/\\x09} uid=$uid subuid=$su:$count subgid=$sg:$count"
	check_no_leftovers "$what"
}

# fast_path WHAT USER [OPTIONS]: a session for a user who has both ranges: success, no helper
# run, no lock file touched, no write, nothing logged.
fast_path() {
	local what=$1 user=$2 tr="$T_DIR/fast.trace" execs
	shift 2
	pam_service "$PAM_SVC" "$@"
	files_snap
	log_mark
	# strace execs the binary itself, not the pamtester() wrapper of a sanitizer build: pass the
	# preload through strace's environment then.
	run strace -f -qq -o "$tr" -e trace=execve,open,openat,link,linkat,rename,renameat,renameat2,unlink,unlinkat \
		${PAM_SANITIZED:+-E LD_PRELOAD=$PAM_ASAN_LIB -E ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0} \
		"$(type -P pamtester)" "$PAM_SVC" "$user" open_session close_session
	check_rc "$what: pamtester" 0
	files_unchanged "$what"
	if grep -q 'open.*"/etc/subuid"' "$tr" && grep -q 'open.*"/etc/subgid"' "$tr"; then
		pass "$what: the module read both files (the trace works)"
	else
		fail "$what: the module read both files (the trace works)" "no open of them in the strace output"
	fi
	execs=$(grep 'execve(' "$tr" | grep -v 'execve("[^"]*/pamtester"' || true)
	if [ -z "$execs" ]; then
		pass "$what: no helper was run"
	else
		fail "$what: no helper was run" "$(printf '%s' "$execs" | paste -sd '|')"
	fi
	if ! grep -q '\.lock"' "$tr"; then
		pass "$what: no lock file touched"
	else
		fail "$what: no lock file touched" "$(grep '\.lock"' "$tr" | paste -sd '|')"
	fi
	check_no_leftovers "$what"
	expect_no_module_log "$what"
}

# ignored WHAT USER PATTERN [OPTIONS]: the session succeeds (optional module, pam_permit), the
# module returns PAM_IGNORE, writes nothing, and logs one LOG_INFO line holding USER's name (or
# uid) and PATTERN (the reason).
ignored() {
	local what=$1 user=$2 pat=$3
	shift 3
	[ -e /etc/subuid ] && files_snap
	pam_service "$PAM_SVC" "$@"
	log_mark
	session "$user"
	check_rc "$what: pamtester" 0
	if [ -e /etc/subuid ]; then
		files_unchanged "$what"
	fi
	expect_log "$what: the reason" "<86>" "$pat"
	check_outcome "$what" PAM_IGNORE "$user" "$@"
	check_no_leftovers "$what"
}

# refused WHAT USER PATTERN [OPTIONS]: the session succeeds (optional module, pam_permit), the
# module returns an error, writes nothing, and logs at LOG_ERR a line holding PATTERN.
refused() {
	local what=$1 user=$2 pat=$3
	shift 3
	files_snap
	pam_service "$PAM_SVC" "$@"
	log_mark
	session "$user"
	check_rc "$what: pamtester" 0
	files_unchanged "$what"
	expect_log "$what: the reason" "<83>" "$pat"
	check_outcome "$what" PAM_ERROR "$user" "$@"
	files_unchanged "$what (strict stack too)"
	check_no_leftovers "$what"
}

# ---------------------------------------------------------------------------------------------
# The module's symbols

syms=$(nm -D --defined-only "$PAM_MOD" | awk '$2 == "T" || $2 == "D" || $2 == "B" { print $3 }' | sort | paste -sd ' ')
if [ "$syms" = "pam_sm_close_session pam_sm_open_session" ]; then
	pass "the module exports pam_sm_open_session and pam_sm_close_session only"
else
	fail "the module exports pam_sm_open_session and pam_sm_close_session only" "it exports: $syms"
fi

# ---------------------------------------------------------------------------------------------
# First fit, then the fast path

U=$(uid_of nidpff)
reset_files
allocates "first fit" nidpff "$U" "$FF_U" "$FF_G" 65536
check_owner_mode "first fit" /etc/subuid root:root 644
check_owner_mode "first fit" /etc/subgid root:root 644
if [[ $LINE == *"$FF_U"*"$FF_G"* ]]; then
	pass "first fit: the NOTICE line gives the subuid range then the subgid range"
else
	fail "first fit: the NOTICE line gives the subuid range then the subgid range" "$LINE"
fi
fast_path "second session" nidpff
check_outcome "second session" PAM_SUCCESS nidpff
# The helper is never looked at on the fast path: one that does not exist changes nothing.
check_outcome "second session, helper=/nonexistent" PAM_SUCCESS nidpff helper=/nonexistent/subid-alloc
pam_strict "$PAM_STRICT"
run pamtester "$PAM_STRICT" nidpff close_session
check_rc "close_session alone" 0

U=$(uid_of nidpuid)
reset_files "${BASE_U}$U:500000:65536
" "${BASE_G}$U:500000:65536
"
fast_path "ranges keyed by uid" nidpuid
U=$(uid_of nidpmix)
reset_files "${BASE_U}nidpmix:500000:65536
" "${BASE_G}$U:500000:65536
"
fast_path "a range by name and one by uid" nidpmix

# Only the missing file gets a line.
U=$(uid_of nidppart)
reset_files "${BASE_U}nidppart:600000:65536
"
files_snap
pam_service "$PAM_SVC"
log_mark
session nidppart
check_rc "subuid range only: pamtester" 0
check_file "subuid range only" /etc/subuid "${BASE_U}nidppart:600000:65536
"
check_file "subuid range only" /etc/subgid "${BASE_G}nidppart:$FF_G:65536
"
expect_log "subuid range only: the allocation" "<85>" nidppart "$U" "$FF_G"

# ---------------------------------------------------------------------------------------------
# Out of scope: PAM_IGNORE and nothing written

reset_files
ignored "uid $LOW_UID below UID_MIN" nidplow "$LOW_UID"
ignored "uid $HIGH_UID above UID_MAX" nidphigh "$HIGH_UID"
ignored "root" root "root"
U=$(uid_of nidpopt)
ignored "min_uid=$((U + 1))" nidpopt "$U" "min_uid=$((U + 1))"
ignored "max_uid=$((U - 1))" nidpopt "$U" "max_uid=$((U - 1))"
cp /etc/nsswitch.conf "$T_DIR/nsswitch.saved"
put_file /etc/nsswitch.conf "$(cat "$T_DIR/nsswitch.saved")
subid:  sss
"
ignored "nsswitch subid: sss" nidpnss "sss"
put_file /etc/nsswitch.conf "$(cat "$T_DIR/nsswitch.saved")"
# quiet silences the ignore line; debug logs it at LOG_DEBUG.
files_snap
pam_service "$PAM_SVC" quiet min_uid=100000
log_mark
session nidpquiet
check_rc "quiet: pamtester" 0
files_unchanged "quiet"
expect_no_module_log "quiet, out of scope"
pam_service "$PAM_SVC" debug min_uid=100000
log_mark
session nidpdebug
expect_log "debug, out of scope" "<87>" "nidpdebug"

# Missing files: ignored unless create.
rm -f /etc/subuid /etc/subgid
ignored "files missing" nidpmiss "subuid"
for f in subuid subgid; do
	if [ ! -e "/etc/$f" ]; then
		pass "files missing: /etc/$f not created"
	else
		fail "files missing: /etc/$f not created" "it exists: $(cat "/etc/$f")"
	fi
done
U=$(uid_of nidpcreate)
pam_service "$PAM_SVC" create
log_mark
session nidpcreate
check_rc "create: pamtester" 0
check_file "create" /etc/subuid "nidpcreate:100000:65536
"
check_file "create" /etc/subgid "nidpcreate:100000:65536
"
check_owner_mode "create" /etc/subuid root:root 644
check_owner_mode "create" /etc/subgid root:root 644
expect_log "create: the allocation" "<85>" nidpcreate "$U" 100000
check_no_leftovers "create"

# ---------------------------------------------------------------------------------------------
# Modes and options

# mode=uid: start = min + (uid - min_uid) * count (login.defs: 100000, UID_MIN 1000, 65536).
U=$(uid_of nidpmode)
S=$((100000 + (U - 1000) * 65536))
reset_files
allocates "mode=uid" nidpmode "$U" "$S" "$S" 65536 mode=uid
fast_path "mode=uid, second session" nidpmode mode=uid
reset_files
S=$((7000000 + (U - 500) * 1000))
allocates "mode=uid min=7000000 count=1000 min_uid=500" nidpmode "$U" "$S" "$S" 1000 \
	mode=uid min=7000000 count=1000 min_uid=500
# A collision with another owner's range: nothing written, LOG_ERR naming it.
U=$(uid_of nidpcoll)
S=$((100000 + (U - 1000) * 65536))
reset_files "${BASE_U}blocker:$((S + 65535)):1
"
refused "mode=uid collision" nidpcoll "blocker" mode=uid
# The range would leave [min, max].
U=$(uid_of nidpurange)
reset_files
refused "mode=uid beyond max" nidpurange "$U" mode=uid "max=$((100000 + (U - 1000) * 65536 + 65534))"

# count=/min=/max= with first fit: the range ends exactly at max; one id less is exhaustion.
U=$(uid_of nidpcnt)
reset_files "${BASE_U}edge:5000000:10
" "${BASE_G}edge:5000000:10
"
allocates "count=1000 min=5000000 max=5001009" nidpcnt "$U" 5000010 5000010 1000 count=1000 min=5000000 max=5001009
reset_files "${BASE_U}edge:5000000:10
" "${BASE_G}edge:5000000:10
"
refused "count=1000 min=5000000 max=5001008 (exhausted)" nidpexh "nidpexh" count=1000 min=5000000 max=5001008

# by_uid: the owner field is the uid.
U=$(uid_of nidpbyuid)
reset_files
allocates "by_uid" nidpbyuid "$U" "$FF_U" "$FF_G" 65536 by_uid
fast_path "by_uid, second session" nidpbyuid by_uid

# Unknown options: logged at LOG_ERR, ignored.
U=$(uid_of nidpunk)
reset_files
allocates "unknown options" nidpunk "$U" "$FF_U" "$FF_G" 65536 bogus=1 frobnicate
expect_log "unknown options" "<83>" "bogus=1"
expect_log "unknown options" "<83>" "frobnicate"

# ---------------------------------------------------------------------------------------------
# User names that cannot be written as an owner

reset_files
refused "a user name with a tab" "$TAB_USER" "$TAB_UID"
allocates "a user name with a tab, by_uid" "$TAB_USER" "$TAB_UID" "$FF_U" "$FF_G" 65536 by_uid

# A name with ':' cannot be in /etc/passwd: it comes from a mock NSS module (passwd: ... nidcolon)
# in the system library directory, overlaid in our namespace only.
CC=${CC:-cc}
LIBC=$(ldconfig -p | awk '$1 == "libc.so.6" && $NF ~ /x86_64|lib64|aarch64/ && !f { print $NF; f = 1 }')
[ -n "$LIBC" ] || LIBC=$(ldconfig -p | awk '$1 == "libc.so.6" && !f { print $NF; f = 1 }')
if command -v "$CC" >/dev/null 2>&1 && [ -n "$LIBC" ]; then
	LIBDIR=$(dirname "$(readlink -f "$LIBC")")
	COLON_USER='nid:colon'
	COLON_UID=$(free_uid 3100)
	cat >"$T_DIR/nss_nidcolon.c" <<'EOF'
#include <errno.h>
#include <nss.h>
#include <pwd.h>
#include <string.h>
#include <sys/types.h>

static enum nss_status fill(struct passwd *pw, char *buf, size_t len, int *errnop)
{
	static const char name[] = NIDNAME, empty[] = "", shell[] = "/usr/sbin/nologin";

	if (len < sizeof name + sizeof empty + sizeof shell + 2) {
		*errnop = ERANGE;
		return NSS_STATUS_TRYAGAIN;
	}
	memcpy(buf, name, sizeof name);
	pw->pw_name = buf;
	buf += sizeof name;
	memcpy(buf, "x", 2);
	pw->pw_passwd = buf;
	buf += 2;
	memcpy(buf, empty, sizeof empty);
	pw->pw_gecos = buf;
	pw->pw_dir = (char *)"/";
	buf += sizeof empty;
	memcpy(buf, shell, sizeof shell);
	pw->pw_shell = buf;
	pw->pw_uid = NIDUID;
	pw->pw_gid = NIDUID;
	return NSS_STATUS_SUCCESS;
}

enum nss_status _nss_nidcolon_getpwnam_r(const char *n, struct passwd *pw, char *buf, size_t len, int *errnop)
{
	if (strcmp(n, NIDNAME) != 0)
		return NSS_STATUS_NOTFOUND;
	return fill(pw, buf, len, errnop);
}

enum nss_status _nss_nidcolon_getpwuid_r(uid_t u, struct passwd *pw, char *buf, size_t len, int *errnop)
{
	if (u != NIDUID)
		return NSS_STATUS_NOTFOUND;
	return fill(pw, buf, len, errnop);
}
EOF
	"$CC" -shared -fPIC -O2 -Wall -Werror -DNIDNAME="\"$COLON_USER\"" -DNIDUID="$COLON_UID" \
		-o "$T_DIR/libnss_nidcolon.so.2" "$T_DIR/nss_nidcolon.c"
	mkdir "$T_DIR/lib-upper" "$T_DIR/lib-work"
	mount -t overlay newidmap-lib -o "lowerdir=$LIBDIR,upperdir=$T_DIR/lib-upper,workdir=$T_DIR/lib-work" "$LIBDIR"
	install -m 644 -o root -g root "$T_DIR/libnss_nidcolon.so.2" "$LIBDIR/"
	sed -i 's/^passwd:.*/& nidcolon/' /etc/nsswitch.conf
	# (getent cannot print it: putpwent() refuses the ':'.)
	if [ "$(id -nu "$COLON_UID" 2>&1)" = "$COLON_USER" ] && [ "$(id -u "$COLON_USER" 2>&1)" = "$COLON_UID" ]; then
		pass "the mock NSS module serves '$COLON_USER' (uid $COLON_UID)"
	else
		fail "the mock NSS module serves '$COLON_USER' (uid $COLON_UID)" "id: $(id -nu "$COLON_UID" 2>&1)"
	fi
	reset_files
	refused "a user name with ':'" "$COLON_USER" "$COLON_UID"
	allocates "a user name with ':', by_uid" "$COLON_USER" "$COLON_UID" "$FF_U" "$FF_G" 65536 by_uid

	# An NSS source that folds case (SSSD with case_sensitive = false): a login as "NIDCASE"
	# is the user "nidcase", whose line subid-alloc writes under that name. The next login as
	# "NIDCASE" must find it on the fast path, without /etc's locks (before, pam_subid looked
	# for "NIDCASE:" and ran the helper at every login).
	CASE_UID=$(free_uid $((COLON_UID + 1)))
	sed -e 's/_nss_nidcolon_/_nss_nidcase_/' -e 's/strcmp(n, NIDNAME)/strcasecmp(n, NIDNAME)/' \
		-e 's/#include <string.h>/#include <string.h>\n#include <strings.h>/' \
		"$T_DIR/nss_nidcolon.c" >"$T_DIR/nss_nidcase.c"
	"$CC" -shared -fPIC -O2 -Wall -Werror -DNIDNAME='"nidcase"' -DNIDUID="$CASE_UID" \
		-o "$T_DIR/libnss_nidcase.so.2" "$T_DIR/nss_nidcase.c"
	install -m 644 -o root -g root "$T_DIR/libnss_nidcase.so.2" "$LIBDIR/"
	sed -i 's/^passwd:.*/& nidcase/' /etc/nsswitch.conf
	reset_files
	pam_service "$PAM_SVC" debug
	session NIDCASE
	check_true "NSS folds case: a login as NIDCASE allocates for nidcase" "$(paste -sd ' ' /etc/subuid)" \
		grep -q '^nidcase:' /etc/subuid
	files_snap
	log_mark
	session NIDCASE
	expect_log "NSS folds case: the next login as NIDCASE takes the fast path" "<87>" \
		"user=nidcase uid=$CASE_UID already has ranges"
	files_unchanged "NSS folds case: the next login as NIDCASE"
	put_file /etc/nsswitch.conf "$(cat "$T_DIR/nsswitch.saved")"
else
	skip_some "the ':' name test: no C compiler"
fi

# ---------------------------------------------------------------------------------------------
# The rewritten files

# Malformed lines, comments, blank lines, CRLF, spaces: kept byte for byte.
MAL_U=$'other1:100000:65536\nthis line is not a range\n# a comment\n\nbad:12x:5\n   \nother2:231072:1000\ncolon:only:\nother3:400000:65536\ncrlf:950000:10\r\ntrailing:960000:10 \n'
MAL_G=$'other1:100000:65536\n::\nother2:165536:65536\n-1:0:5\nneg:-5:10\nother3:300000:10\n'
U=$(uid_of nidpmal)
reset_files "$MAL_U" "$MAL_G"
allocates "malformed lines" nidpmal "$U" "$FF_U" "$FF_G" 65536
# No newline at the end: one is added before the new line.
U=$(uid_of nidpnonl)
reset_files "other1:100000:65536" "other1:100000:65536
other2:165536:65536"
pam_service "$PAM_SVC"
log_mark
session nidpnonl
check_file "no final newline" /etc/subuid "other1:100000:65536
nidpnonl:165536:65536
"
check_file "no final newline" /etc/subgid "other1:100000:65536
other2:165536:65536
nidpnonl:231072:65536
"
# Owner, group and mode kept.
U=$(uid_of nidpkeep)
reset_files
chmod 600 /etc/subgid
chgrp adm /etc/subuid 2>/dev/null || chgrp 4 /etc/subuid
want_group=$(stat -c %G /etc/subuid)
allocates "owner and mode kept" nidpkeep "$U" "$FF_U" "$FF_G" 65536
check_owner_mode "owner and mode kept" /etc/subuid "root:$want_group" 644
check_owner_mode "owner and mode kept" /etc/subgid root:root 600

# ---------------------------------------------------------------------------------------------
# shadow's locks

# A lock held by a live shadow tool (shadow's format: the pid and a NUL, taken while it holds
# lckpwdf()'s POSIX lock on /etc/.pwd.lock, as commonio_lock() does): the module gives up at its
# timeout and writes nothing; the lock stays. (A lock file whose live pid does not hold
# /etc/.pwd.lock is stale: hostile-pam.sh "recycled pid".)
hold_pwd_lock /etc/subuid.lock
HOLDER=$PWHOLDER
reset_files
files_snap
pam_service "$PAM_SVC" timeout=5
log_mark
session nidplive
check_rc "/etc/subuid.lock held by a live pid: pamtester" 0
files_unchanged "/etc/subuid.lock held by a live pid"
expect_log "/etc/subuid.lock held by a live pid: the reason" "<83>" "lock"
check_outcome "/etc/subuid.lock held by a live pid" PAM_ERROR nidplive timeout=5
files_unchanged "/etc/subuid.lock held by a live pid (strict stack too)"
if [ -e /etc/subuid.lock ] && [ "$(tr -d '\0' </etc/subuid.lock)" = "$HOLDER" ]; then
	pass "the live holder's lock is left alone"
else
	fail "the live holder's lock is left alone" "/etc/subuid.lock: $(tr '\0' '@' </etc/subuid.lock 2>&1)"
fi
release_pwd_lock
rm -f /etc/subuid.lock
# The same with a dead pid: stale, taken over.
sh -c 'exit 0' &
DEAD=$!
wait "$DEAD" || true
printf '%s\0' "$DEAD" >/etc/subuid.lock
printf '%s\0' "$DEAD" >/etc/subgid.lock
U=$(uid_of nidpstale)
reset_files
allocates "stale locks of pid $DEAD" nidpstale "$U" "$FF_U" "$FF_G" 65536

# /etc/.pwd.lock held as glibc's lckpwdf() holds it (a POSIX write lock): timeout=1 gives up.
PY=$(command -v python3 || true)
if [ -n "$PY" ]; then
	hold_pwd_lock
	reset_files
	t0=$(date +%s%N)
	refused "/etc/.pwd.lock held (lckpwdf-style), timeout=1" nidppwd "lock" timeout=1
	t1=$(date +%s%N)
	# refused ran two sessions (optional and strict stacks).
	if [ $(((t1 - t0) / 1000000)) -lt 12000 ]; then
		pass "/etc/.pwd.lock held: the two sessions gave up in $(((t1 - t0) / 1000000)) ms"
	else
		fail "/etc/.pwd.lock held: the sessions give up in time" "they took $(((t1 - t0) / 1000000)) ms"
	fi
	release_pwd_lock
	U=$(uid_of nidppwd)
	allocates "/etc/.pwd.lock released" nidppwd "$U" "$FF_U" "$FF_G" 65536
else
	skip_some "the /etc/.pwd.lock test: no python3"
fi

# ---------------------------------------------------------------------------------------------
# The helper must be a root-owned regular file nobody else can write

reset_files
install -m 775 -o root -g root "$HELPER" "$BIN/subid-alloc-gw"
install -m 755 -o nobody -g root "$HELPER" "$BIN/subid-alloc-nobody"
for h in "$BIN/subid-alloc-gw" "$BIN/subid-alloc-nobody" "$BIN/no-such-helper" subid-alloc "$BIN"; do
	files_snap
	put_file "/etc/pam.d/$PAM_SVC" "session optional $PAM_MOD helper=$h
session required pam_permit.so
"
	log_mark
	session nidphelper
	check_rc "helper=$h: pamtester" 0
	files_unchanged "helper=$h"
	expect_log "helper=$h: refused" "<8[13]>" "$h"
done
rm -f "$BIN/subid-alloc-gw" "$BIN/subid-alloc-nobody"

# ---------------------------------------------------------------------------------------------
# valgrind: no definite leak and no memory error in the module's frames

if [ -n "$PAM_SANITIZED" ]; then
	skip_some "valgrind cases (sanitizer build: ASan and valgrind do not mix)"
elif command -v valgrind >/dev/null 2>&1; then
	# vg WHAT USER: one open_session under valgrind; the report is checked for the module's frames.
	vg() {
		local what=$1 vl="$T_DIR/valgrind.$2.log" bad
		run valgrind --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
			--keep-debuginfo=yes --child-silent-after-fork=yes --log-file="$vl" \
			pamtester "$PAM_SVC" "$2" open_session
		check_rc "$what under valgrind: pamtester" 0
		if grep -q 'ERROR SUMMARY' "$vl"; then
			pass "$what under valgrind: valgrind ran ($(grep -o 'in use at exit: .*' "$vl" | sed -n 1p))"
		else
			fail "$what under valgrind: valgrind ran" "$(tail -n 5 "$vl" | paste -sd '|')"
		fi
		# Loss records and errors, one block each (up to the blank line), keeping those whose stack
		# goes through the module or the library compiled into it.
		bad=$(sed 's/^==[0-9]*== \{0,1\}//' "$vl" | awk '
			/definitely lost in loss record|^Invalid |uninitialised|^Conditional jump|^Syscall param|^Mismatched free/ { rec = $0; inrec = 1; next }
			inrec && /^$/ { if (hit) print rec; inrec = 0; hit = 0; next }
			inrec && /pam_subid|pam_sm_|\((alloc|subfile|conf|number|range|idmap)\.c:[0-9]+\)/ { hit = 1 }
		')
		if [ -z "$bad" ]; then
			pass "$what under valgrind: no definite leak or memory error in the module"
		else
			fail "$what under valgrind: no definite leak or memory error in the module" "$(printf '%s' "$bad" | paste -sd '|') (see $vl)"
			sed 's/^/# /' "$vl"
		fi
	}
	U=$(uid_of nidpvg)
	reset_files
	pam_service "$PAM_SVC"
	vg "allocation" nidpvg
	check_file "allocation under valgrind" /etc/subuid "${BASE_U}nidpvg:$FF_U:65536
"
	vg "fast path" nidpvg
	pam_service "$PAM_SVC" min_uid=100000 bogus
	vg "ignored, unknown option" nidpvg
else
	skip_some "the leak check: valgrind is not installed"
fi

finish
