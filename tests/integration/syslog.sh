#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Syslog: every map written is logged at LOG_AUTHPRIV|LOG_INFO (<86>) and every refusal at
# LOG_AUTHPRIV|LOG_NOTICE (<85>), as key=value fields. /dev/log is a socket we listen on, inside
# a new /dev of our private mount namespace only.
# shellcheck source=tests/lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"

LOG="$T_DIR/syslog.txt"
setup_devlog "$LOG"

set_subuid "$A_NAME:100000:65536
"
set_subgid "$A_NAME:100000:65536
"

# expect_prefix WHAT PREFIX: LINE (from expect_logged) starts with PREFIX.
expect_prefix() {
	if [ -n "$LINE" ] && [[ $LINE == "$2"* ]]; then
		pass "$1: priority $2"
	else
		fail "$1: priority $2" "the line is '$LINE'"
	fi
}

start_target "$A_UID" "$A_GID"
MAPPED=$TARGET
expect_map "map" "$MAPPED" uid_map "0 100000 65536" -- \
	run_as "$A_UID" "$A_GID" "$UIDMAP" "$MAPPED" 0 100000 65536
expect_logged "map" "newuidmap[" "action=map map=uid caller_uid=$A_UID caller=$A_NAME target=$MAPPED " \
	'ranges="0:100000:65536"'
expect_prefix "map" "<86>"
if [[ $LINE != *"reason="* ]]; then
	pass "map: no reason field"
else
	fail "map: no reason field" "the line is '$LINE'"
fi

expect_map "gid map of two ranges" "$MAPPED" gid_map "0 $A_GID 1
1 100000 65536" -- \
	run_as "$A_UID" "$A_GID" "$GIDMAP" "$MAPPED" 0 "$A_GID" 1 1 100000 65536
expect_logged "gid map" "newgidmap[" "action=map map=gid caller_uid=$A_UID caller=$A_NAME target=$MAPPED " \
	"ranges=\"0:$A_GID:1,1:100000:65536\""
expect_prefix "gid map" "<86>"

start_target "$A_UID" "$A_GID"
REFUSED=$TARGET
expect_refused "refusal" "not all in $A_NAME's ranges" "$REFUSED" -- \
	run_as "$A_UID" "$A_GID" "$UIDMAP" "$REFUSED" 0 500000 10
expect_logged "refusal" "newuidmap[" "action=refuse map=uid caller_uid=$A_UID caller=$A_NAME target=$REFUSED " \
	'ranges="0:500000:10"' 'reason="uid range 1 (0 500000 10): host uids 500000-500009 are not all in'
expect_prefix "refusal" "<85>"

# A refusal before the user is known still logs, with the caller uid.
expect_refused "usage refusal" "the last one is incomplete" "$REFUSED" -- \
	run_as "$A_UID" "$A_GID" "$UIDMAP" "$REFUSED" 0 100000
expect_logged "usage refusal" "action=refuse map=uid caller_uid=$A_UID " "target=$REFUSED " \
	'reason="ranges are given as <inner> <outer> <count> triples; the last one is incomplete"'
expect_prefix "usage refusal" "<85>"

# User-controlled text reaches the log sanitized: no raw control characters or quotes.
expect_refused "hostile target argument" "invalid target" "$REFUSED" -- \
	run_as "$A_UID" "$A_GID" "$UIDMAP" $'1"x\n<13>forged' 0 100000 1
expect_logged "hostile target argument" 'action=refuse' 'target=1\x22x\x0a<13>forged '
if ! grep -q '^<13>forged' "$LOG"; then
	pass "hostile target argument: no forged log line"
else
	fail "hostile target argument: no forged log line" "$(grep '^<13>forged' "$LOG")"
fi

finish
