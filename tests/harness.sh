#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The test harness itself (tests/lib/), no root needed: what tap.sh prints and how it exits for
# passes, failures, skips, an early stop and a broken build tree; that automake's TAP driver
# counts it as meant; that a script finds the build tree the same way run directly as under make
# check and never inherits another tree's programs; that tests start with fds 0-2 only; that the
# JSON expectation refuses what it must; and that every test script of make check reports
# through the harness (no bare "SKIP:" line, no "exit 77" of its own, no private pass/fail).
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/lib/tap.sh"

need_tools awk python3
LIB=$abs_top_srcdir/tests/lib
W=$(mktemp -d "${TMPDIR:-/tmp}/newidmap-harness.XXXXXX")
at_exit 'rm -rf "$W"'

# child NAME BODY: a script that sources tap.sh, then runs BODY.
child() {
	printf '#!/bin/bash\n. "%s/tap.sh"\n%s\n' "$LIB" "$2" >"$W/$1.sh"
}

# outcome NAME [ENV...]: run child NAME (as if directly: no TAP-driver variable unless given);
# sets RC, OUT.
outcome() {
	local name=$1
	shift
	RC=0
	OUT=$(env -u NEWIDMAP_TAP_DRIVER "$@" bash "$W/$name.sh" 2>&1) || RC=$?
}

# expect_lines WHAT TEXT: $OUT holds TEXT (several lines) as consecutive lines.
expect_lines() {
	if [[ $OUT == *"$2"* ]]; then
		pass "$1"
	else
		fail "$1" "expected:
$2
got:
$OUT"
	fi
}

# --------------------------------------------------------------------------------------------
# tap.sh's output and exit status

child counts 'pass "one"; fail "two" "why"; pass "three"; finish'
outcome counts
expect_lines "results are numbered, failures say why, the plan comes last" "ok 1 - one
not ok 2 - two: why
ok 3 - three
1..3
# 2 passed, 1 failed"
check_eq "a failure makes the script exit 1" 1 "$RC"

child allpass 'pass "one"; finish'
outcome allpass
check_eq "all passed: exit 0" 0 "$RC"

child skipall 'skip "no widget here"; pass "never"'
outcome skipall
expect_lines "a skip before any assertion skips the script" "1..0 # SKIP no widget here"
check_eq "run directly, a skipped script exits 77" 77 "$RC"
outcome skipall NEWIDMAP_TAP_DRIVER=1
check_eq "under the TAP driver, a skipped script exits 0 (the driver reads the plan)" 0 "$RC"

child skiplate 'pass "one"; skip "the rest needs a widget"; pass "never"'
outcome skiplate
expect_lines "a skip after assertions is one skipped result, then the plan" "ok 1 - one
ok 2 # SKIP the rest needs a widget
1..2"
check_eq "a late skip exits 0" 0 "$RC"

child skipsome 'skip_some "part A: no widget"; pass "part B"; finish'
outcome skipsome
expect_lines "skip_some counts a skipped part and goes on" "ok 1 # SKIP part A: no widget
ok 2 - part B
1..2"

child early 'pass "one"; false; pass "never"'
outcome early
expect_lines "a script that dies is reported, with a plan" "ok 1 - one
not ok 2 - the test stopped early (exit status 1)
1..2"
check_eq "a script that dies exits non-zero" 1 "$RC"

child none 'finish'
outcome none
expect_lines "a script that asserted nothing fails" "not ok 1 - the script made at least one assertion: it made none"
check_eq "a script that asserted nothing exits 1" 1 "$RC"

child hash 'pass "line with # SKIP in it"; fail "two" "first
second
third"; finish'
outcome hash
expect_lines "'#' in a description is escaped: never read as a directive" 'ok 1 - line with \# SKIP in it'
expect_lines "a long reason: its first line on the result, the rest as diagnostics" "not ok 2 - two: first
# second
# third"

child atexit 'at_exit "echo first-registered"; at_exit "echo last-registered"; pass "one"; finish'
outcome atexit
expect_lines "at_exit runs its commands at exit, the last registered first" "last-registered
first-registered"

# (ls writes to a file: a command substitution would itself hold a pipe open in the shell.)
child fds 'ls "/proc/$$/fd" >"'"$W"'/fds.out"; pass "$(sort -n "'"$W"'/fds.out" | paste -sd " ")"; finish'
RC=0
OUT=$(bash "$W/fds.sh" 3>/dev/null 7</dev/null 2>&1) || RC=$?
expect_lines "a test starts with fds 0-2 only (and bash's own 255), whatever it inherits" "ok 1 - 0 1 2 255"

# --------------------------------------------------------------------------------------------
# The build tree: found the same way run directly as under make check; never inherited.

mkdir -p "$W/src/tests/lib" "$W/src/build" "$W/elsewhere"
cp "$LIB/tap.sh" "$W/src/tests/lib/"
printf '#!/bin/bash\n. "$(dirname "$0")/lib/tap.sh"\npass "$abs_top_builddir|$NEWUIDMAP|$SUBID_CHECK|$PACKAGE_VERSION"\nfinish\n' >"$W/src/tests/where.sh"
: >"$W/src/build/config.status"
printf '#define PACKAGE_VERSION "9.8.7"\n' >"$W/src/build/config.h"
RC=0
OUT=$(cd "$W/src/build" && env -u abs_top_builddir -u abs_top_srcdir NEWUIDMAP=/bogus/newuidmap bash ../tests/where.sh 2>&1) || RC=$?
expect_lines "run directly from a build directory, the programs are that tree's, the version its config.h's" \
	"ok 1 - $W/src/build|$W/src/build/newidmap/newuidmap|$W/src/build/subid/check/subid-check|9.8.7"
expect_lines "a NEWUIDMAP inherited from the environment is not used" "/newidmap/newuidmap|"
RC=0
OUT=$(cd "$W/src/build" && env abs_top_builddir="$W/src/build" bash ../tests/where.sh 2>&1) || RC=$?
expect_lines "under make check (abs_top_builddir set), the same paths" \
	"ok 1 - $W/src/build|$W/src/build/newidmap/newuidmap|"
RC=0
OUT=$(cd "$W/elsewhere" && env -u abs_top_builddir -u abs_top_srcdir bash "$W/src/tests/where.sh" 2>&1) || RC=$?
expect_lines "no build tree anywhere: Bail out!, no silent fallback" "Bail out! no build tree"
check_eq "no build tree: exit 99 (an error, not a skip)" 99 "$RC"

# --------------------------------------------------------------------------------------------
# automake's TAP driver reads it as meant.

DRIVER=$abs_top_srcdir/build-aux/tap-driver.sh
if [ -f "$DRIVER" ]; then
	# drive NAME: how many results of each kind the driver wrote for child NAME, and its verdict
	# on the whole script.
	drive() {
		local k line=""
		env AM_TAP_AWK=awk NEWIDMAP_TAP_DRIVER=1 bash "$DRIVER" --test-name "$1" --log-file "$W/$1.log" \
			--trs-file "$W/$1.trs" --merge -- bash "$W/$1.sh" >/dev/null 2>&1 || true
		for k in PASS FAIL SKIP ERROR; do
			line+="$k=$(grep -c "^:test-result: $k" "$W/$1.trs") "
		done
		printf '%sscript=%s' "$line" "$(sed -n 's/^:global-test-result: //p' "$W/$1.trs")"
	}
	# A failing script exits 1: the driver reports that as an ERROR beside the FAIL.
	check_eq "the driver: each result counted, the script failed" "PASS=2 FAIL=1 SKIP=0 ERROR=1 script=ERROR" "$(drive counts)"
	check_eq "the driver: a passing script passes" "PASS=1 FAIL=0 SKIP=0 ERROR=0 script=PASS" "$(drive allpass)"
	check_eq "the driver: a skipped script is one SKIP, not an error" "PASS=0 FAIL=0 SKIP=1 ERROR=0 script=SKIP" "$(drive skipall)"
	check_eq "the driver: a late skip is a PASS and a SKIP" "PASS=1 FAIL=0 SKIP=1 ERROR=0 script=PASS" "$(drive skiplate)"
	check_eq "the driver: a script that died fails" "PASS=1 FAIL=1 SKIP=0 ERROR=1 script=ERROR" "$(drive early)"
else
	skip_some "the TAP driver checks: $DRIVER is not there (run ./autogen.sh)"
fi

# --------------------------------------------------------------------------------------------
# The one JSON expectation refuses what it must.

cat >"$W/report.json" <<'EOF'
{"checks": [
 {"id": "a.pass", "verdict": "pass", "observed": "all good", "expected": "", "fix": null},
 {"id": "a.fixed", "verdict": "pass", "observed": "x", "expected": "", "fix": "do this"},
 {"id": "a.warn", "verdict": "warn", "observed": "too low", "expected": "", "fix": "raise it"},
 {"id": "a.bare", "verdict": "fail", "observed": "broken", "expected": "", "fix": null},
 {"id": "a.twice", "verdict": "pass", "observed": "", "expected": "", "fix": null},
 {"id": "a.twice", "verdict": "pass", "observed": "", "expected": "", "fix": null}
]}
EOF
# json_case WHAT WANT-STATUS ARGS...: expect-json.py on the report exits WANT-STATUS.
json_case() {
	local what=$1 want=$2 rc=0 out
	shift 2
	out=$(python3 "$LIB/expect-json.py" "$W/report.json" "$@" 2>&1) || rc=$?
	check_true "expect-json.py: $what" "exit $rc, wanted $want: $out" [ "$rc" = "$want" ]
}
json_case "a pass with the text it names" 0 a.pass pass "observed~all good"
json_case "a warn with its fix" 0 a.warn warn "fix~raise" "observed!~fine"
json_case "another verdict is refused" 1 a.pass warn
json_case "a missing text is refused" 1 a.pass pass "observed~nothing like it"
json_case "a text that must be absent is refused when present" 1 a.warn warn "observed!~too low"
json_case "a pass carrying a fix is refused" 1 a.fixed pass
json_case "a fail without a fix is refused" 1 a.bare fail
json_case "an id given twice is refused" 1 a.twice pass
json_case "an absent id is refused" 1 a.none pass
json_case "an unknown field is refused" 1 a.pass pass "colour~red"

# --------------------------------------------------------------------------------------------
# A runtime's leftovers are killed by user namespace, and only by a pinned one (fixtures.sh): the
# kernel gives a freed namespace's number to the next namespace made, so a number recorded while
# a runtime ran named a concurrent test's fresh target once the runtime's namespace was gone
# (runtime-podman.sh's exit handler killed a valgrind.sh target in CI that way).

if unshare -U true 2>/dev/null; then
	# new_ns: NSP is a fresh `unshare -U sleep`, NSN its namespace.
	new_ns() {
		local i
		unshare -U sleep 60 </dev/null >/dev/null 2>&1 &
		NSP=$!
		NSN=
		for ((i = 0; i < 500; i++)); do
			NSN=$(readlink "/proc/$NSP/ns/user" 2>/dev/null) || NSN=
			[ -n "$NSN" ] && [ "$NSN" != "$(readlink /proc/self/ns/user)" ] && return 0
			sleep 0.01
		done
		return 1
	}
	# The hazard is real: a new namespace gets a number recorded for one that died (other tests
	# make namespaces too, so try a few times).
	reused=
	dead=" "
	for ((t = 0; t < 20; t++)); do
		new_ns || break
		kill -KILL "$NSP"
		wait "$NSP" 2>/dev/null || true
		if [[ $dead == *" $NSN "* ]]; then
			reused=$t
			break
		fi
		dead+="$NSN "
		sleep 0.3 # the kernel frees a namespace a moment after its last process (RCU)
	done
	check_true "a freed user namespace's number is given to the next one made" "not seen in 20 tries" \
		[ -n "$reused" ]

	child pin '. "'"$LIB"'/fixtures.sh"
unshare -U sleep 60 </dev/null >/dev/null 2>&1 &
a=$!
for ((i = 0; i < 500; i++)); do
	[ "$(readlink /proc/$a/ns/user)" != "$(readlink /proc/self/ns/user)" ] && break
	sleep 0.01
done
pin_userns "$a" || fail "pin_userns" "it failed"
NS=$PINNED_NS
check_true "userns_pids finds the pinned namespace'"'"'s process" "$(userns_pids "$NS")" [ "$(userns_pids "$NS")" = "$a" ]
kill -KILL "$a"
wait "$a" 2>/dev/null || true
sleep 0.3
for ((t = 0; t < 5; t++)); do
	unshare -U sleep 60 </dev/null >/dev/null 2>&1 &
	b=$!
	for ((i = 0; i < 500; i++)); do
		nb=$(readlink /proc/$b/ns/user)
		[ "$nb" != "$(readlink /proc/self/ns/user)" ] && break
		sleep 0.01
	done
	check_true "a namespace made after the pinned one died has another number ($t)" "$nb" [ "$nb" != "$NS" ]
	kill_userns "$NS"
	sleep 0.2
	st=$(awk '"'"'{ print $3 }'"'"' "/proc/$b/stat" 2>/dev/null || echo gone)
	check_true "kill_userns of the dead pinned namespace leaves the new one alone ($t)" "state $st" [ "$st" = S ]
	kill -KILL "$b"
	wait "$b" 2>/dev/null || true
	sleep 0.3
done
pin_userns $$ && fail "pin_userns of a process in our own namespace" "it pinned $PINNED_NS"
pass "pin_userns refuses our own namespace"
finish'
	outcome pin
	check_true "pin_userns, userns_pids and kill_userns: the child passes" "exit $RC: $OUT" [ "$RC" = 0 ]
	expect_lines "the child ran all its checks" "1..12"

	child unpinned '. "'"$LIB"'/fixtures.sh"
userns_pids "user:[4026531837]"
pass "not reached"
finish'
	outcome unpinned
	check_true "userns_pids of a namespace not pinned is a harness error (Bail out!, exit 99)" "exit $RC: $OUT" \
		[ "$RC" = 99 ]
else
	skip_some "pinned user namespaces (unshare -U does not work here)"
fi

# --------------------------------------------------------------------------------------------
# Every test script of make check reports through the harness.

scripts=$(sed -n 's/.*\(tests\/[a-z0-9_/-]*\.sh\).*/\1/p' "$abs_top_srcdir"/tests/*/Makemodule.am "$abs_top_srcdir"/tests/Makemodule.am |
	sort -u | grep -E '^tests/(integration|fuzz)/' | grep -v '/run\.sh$' || true)
# The functions of tap.sh, fixtures.sh and lib.sh: a script that defines one again has a private
# copy (hostile.sh had check_true and a copy of syslog.sh's log wait).
HARNESS_FNS=$(sed -n 's/^\([a-z_][a-z0-9_]*\)() *{.*/\1/p' "$LIB/tap.sh" "$LIB/fixtures.sh" "$LIB/lib.sh" | sort -u | paste -sd '|')
check_true "the harness functions are found (${HARNESS_FNS//|/ })" "none" [ -n "$HARNESS_FNS" ]
n=0
for s in $scripts; do
	f=$abs_top_srcdir/$s
	[ -f "$f" ] || continue
	n=$((n + 1))
	if ! grep -qE '^\. ".*/lib/[a-z-]+\.sh"' "$f"; then
		fail "$s sources the harness (tests/lib)" "it sources no tests/lib/*.sh"
		continue
	fi
	# Its own result lines (not ones written to a file), its own skip, or its own copy of a
	# harness function.
	bad=$(grep -nE 'echo "?(SKIP|PASS|FAIL|ok |not ok )|exit 77|^('"$HARNESS_FNS"')\(\)' "$f" |
		grep -v '^[0-9]*:[[:space:]]*#' | grep -vE '>>?[[:space:]]*"?\$' | head -n 3 | paste -sd ' ' || true)
	check_true "$s reports only through the harness" "$bad" [ -z "$bad" ]
done
check_true "the Makemodule.am files list test scripts ($n)" "none found" [ "$n" -gt 10 ]

finish
