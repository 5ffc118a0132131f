# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The one list of the helpers' refusals that need nothing but a command line, the caller's
# ranges and the sub-id files, sourced after lib.sh by refusals.sh (the capability-holding
# copies) and valgrind.sh (uncapped copies under memcheck): both run every case, so a new case
# added here is checked both ways.
#
#   refusal_files                  /etc/subuid and /etc/subgid as the cases expect them
#   each_refusal FN                FN TOOL WHAT MESSAGES ARGS... for each command-line case:
#                                  TOOL uid or gid (newuidmap or newgidmap), run as user A on a
#                                  fresh target of A, the word PID in ARGS standing for it;
#                                  MESSAGES: what stderr must say, one string per line
#   each_subid_file_state FN       for each bad state of /etc/subuid or /etc/subgid (made here, and
#                                  undone after FN): FN TOOL WHAT MESSAGES (the request is a valid
#                                  0 100000 1000)
#   expect_refused_all WHAT MESSAGES PID -- CMD...   expect_refused (lib.sh) on the first message,
#                                  check_err on the others

REFUSAL_SUBUID="$A_NAME:100000:65536
$B_NAME:200000:65536
$A_NAME:0:10
$A_NAME:2000000000:100000
"
REFUSAL_SUBGID="$A_NAME:100000:65536
$B_NAME:200000:65536
"

refusal_files() {
	set_subuid "$REFUSAL_SUBUID"
	set_subgid "$REFUSAL_SUBGID"
}

expect_refused_all() {
	local what=$1 msgs=$2 pid=$3 first m
	shift 3
	first=${msgs%%$'\n'*}
	expect_refused "$what" "$first" "$pid" "$@"
	[ "$first" != "$msgs" ] || return 0
	while IFS= read -r m; do
		check_err "$what" "$m"
	done <<<"${msgs#*$'\n'}"
}

each_refusal() {
	local fn=$1 bad triples pid_max
	# Usage errors.
	"$fn" uid "no arguments" "no target process given
usage: newuidmap"
	"$fn" uid "argc not a multiple of 3" "the last one is incomplete
usage: newuidmap" PID 0 100000 65536 1 100000
	"$fn" uid "pid only, no triple" "no uid range given" PID

	# Numbers: one strict grammar.
	for bad in 01 -1 +1 " 1" 0x10 1a ""; do
		"$fn" uid "outer id '$bad'" "is not a plain decimal number: '$bad'" PID 0 "$bad" 1
	done
	"$fn" uid "count '+1'" "count of uid range 1 is not a plain decimal number" PID 0 100000 +1
	"$fn" uid "inner id '-1'" "inner id of uid range 1 is not a plain decimal number" PID -1 100000 1
	"$fn" uid "outer id 4294967296" "above 4294967295: '4294967296'" PID 0 4294967296 1
	"$fn" uid "count 18446744073709551616" "above 4294967295" PID 0 100000 18446744073709551616

	# The kernel's rules for extents, refused before anything is opened.
	"$fn" uid "zero count" "uid range 1 (0 100000 0) has count 0" PID 0 100000 0
	"$fn" uid "outer overflow" "goes past 4294967294 outside the namespace" PID 0 4294967000 1000
	"$fn" uid "inner overflow" "goes past 4294967294 inside the namespace" PID 4294967000 100000 1000
	"$fn" uid "outer range reaching 4294967295" "goes past 4294967294 outside" PID 0 4294967295 1
	"$fn" uid "overlapping inner ranges" "uid range 2 (5 100100 10) overlaps range 1 (0 100000 10) inside the namespace" \
		PID 0 100000 10 5 100100 10
	"$fn" uid "overlapping outer ranges" "overlaps range 1 (0 100000 10) outside the namespace" \
		PID 0 100000 10 100 100005 10
	"$fn" uid "duplicate extent" "overlaps range 1" PID 0 100000 10 0 100000 10
	# 341 extents: one more than the kernel takes.
	mapfile -t triples < <(seq_triples 341 0 1 100000 1)
	read -ra triples <<<"${triples[*]}"
	"$fn" uid "341 extents" "341 uid ranges given; the kernel accepts at most 340" PID "${triples[@]}"
	# Fewer than 340 extents but a map text of more than a page (24 bytes a line, 200 lines).
	mapfile -t triples < <(seq_triples 200 1000000000 1 2000000000 1)
	read -ra triples <<<"${triples[*]}"
	"$fn" uid "map text over a page" "grows past one page (4096 bytes)" PID "${triples[@]}"

	# The caller's ranges.
	# Each refusal also says what the caller has: at most 3 ranges with their lines, then "and N
	# more" (refusals.sh checks the bound), or none (issue 12).
	"$fn" uid "range outside the user's ranges" "host uids 500000-500009 are not all in $A_NAME's ranges in /etc/subuid
; $A_NAME has 100000-165535 (/etc/subuid line 1), 0-9 (line 3), 2000000000-2000099999 (line 4)" \
		PID 0 500000 10
	"$fn" uid "range partly outside" "host uids 165000-165999 are not all in $A_NAME's ranges in /etc/subuid
; $A_NAME has 100000-165535 (/etc/subuid line 1)," PID 0 165000 1000
	"$fn" uid "second range outside" "uid range 2 (1000 300000 1)" PID 0 100000 1000 1000 300000 1
	"$fn" uid "range of another user" "host uids 200000-200999 are not all in $A_NAME's ranges" PID 0 200000 1000
	"$fn" uid "outer id 0 listed in /etc/subuid" "maps host uid 0: refused for a non-root caller" PID 0 0 1
	"$fn" uid "outer 0 inside a listed range" "maps host uid 0" PID 0 0 10
	"$fn" uid "self-map of count 2" "not all in $A_NAME's ranges" PID 0 "$A_UID" 2
	"$fn" uid "someone else's uid as a self-map" "host uids $B_UID-$B_UID are not all" PID 0 "$B_UID" 1
	"$fn" gid "newgidmap: gid range outside" "host gids 500000-500009 are not all in $A_NAME's ranges in /etc/subgid
; $A_NAME has 100000-165535 (/etc/subgid line 1)" \
		PID 0 500000 10
	"$fn" gid "newgidmap: another group's gid is no self-map" "not all in $A_NAME's ranges" PID 0 "$AUX_GID" 1
	"$fn" gid "newgidmap: the uid is no gid self-map" "not all in $A_NAME's ranges" PID 0 "$A_UID" 1
	# A malformed line is pointed at when the ranges do not suffice.
	set_subuid "$A_NAME:100000:65536
$A_NAME:300000:65536x
"
	"$fn" uid "refusal names the malformed line" \
		"; $A_NAME has 100000-165535 (/etc/subuid line 1) (/etc/subuid has 1 malformed line, the first at line 2: count is not a plain decimal number)" PID 0 300000 10
	# No range at all; a range by uid.
	set_subuid "$B_NAME:100000:65536
"
	"$fn" uid "no range of the user" "host uids 100000-100009 are not all in $A_NAME's ranges in /etc/subuid
; $A_NAME has no range there (by name, or by uid $A_UID)" PID 0 100000 10
	set_subuid "$A_UID:700000:10
"
	"$fn" uid "a range by uid is named" "; $A_NAME has 700000-700009 (/etc/subuid line 1)" PID 0 100000 10
	set_subuid "$REFUSAL_SUBUID"

	# The target, named on the command line.
	pid_max=$(cat /proc/sys/kernel/pid_max)
	"$fn" uid "target that does not exist" "target process $pid_max does not exist" "$pid_max" 0 100000 1
	for bad in 0 -1 abc 2147483648 " 1"; do
		"$fn" uid "target '$bad'" "invalid target '$bad'" "$bad" 0 100000 1
	done
	"$fn" uid "target '01'" "invalid target '01'
usage: newuidmap" 01 0 100000 1
	# Control bytes in an argument are escaped in the message.
	"$fn" uid "target with control bytes" "invalid target" $'1\e[2J' 0 100000 1
}

# /etc/subuid and /etc/subgid are used only if regular, root-owned, not writable by group or others.
each_subid_file_state() {
	local fn=$1
	rm -f /etc/subuid
	"$fn" uid "/etc/subuid missing" "/etc/subuid does not exist"
	put_file "$T_DIR/subuid.real" "$REFUSAL_SUBUID"
	ln -s "$T_DIR/subuid.real" /etc/subuid
	"$fn" uid "/etc/subuid a symlink" "/etc/subuid is a symbolic link"
	rm -f /etc/subuid
	mkdir /etc/subuid
	"$fn" uid "/etc/subuid a directory" "/etc/subuid is not a regular file"
	rm -rf /etc/subuid
	mkfifo -m 644 /etc/subuid
	"$fn" uid "/etc/subuid a FIFO (no hang)" "/etc/subuid is not a regular file"
	rm -f /etc/subuid
	set_subuid "$REFUSAL_SUBUID"
	chown "$A_UID:root" /etc/subuid
	"$fn" uid "/etc/subuid owned by the user" "/etc/subuid is not owned by root"
	chown root:root /etc/subuid
	chmod 664 /etc/subuid
	"$fn" uid "/etc/subuid group-writable" "/etc/subuid is writable by group or others"
	chmod 646 /etc/subuid
	"$fn" uid "/etc/subuid world-writable" "/etc/subuid is writable by group or others"
	set_subuid "$REFUSAL_SUBUID"
	chmod 666 /etc/subgid
	"$fn" gid "/etc/subgid world-writable" "/etc/subgid is writable by group or others"
	rm -f /etc/subgid
	"$fn" gid "/etc/subgid missing" "/etc/subgid does not exist"
	set_subgid "$REFUSAL_SUBGID"
}
