# shellcheck shell=bash disable=SC2034 # the variables set here are for the tests that source it
# SPDX-License-Identifier: GPL-2.0-or-later
# The reporting half of the test harness, sourced by every test script (directly, or through
# lib.sh). It needs neither root nor a namespace, so the scripts that check files or binaries only
# (hardening.sh, check-docs.sh, install.sh) use it alone.
#
# Output is TAP, read by automake's tap-driver.sh under make check, so every assertion is counted
# and named in test-suite.log:
#   ok N - what                      pass WHAT
#   not ok N - what: why             fail WHAT [WHY]  (more lines of WHY follow as "# " lines)
#   1..N                             finish: the plan, last; exit 1 if anything failed
#   1..0 # SKIP reason               skip REASON: the script cannot run here
#   ok N # SKIP reason               skip_some REASON: a part of it cannot, the rest runs
#   Bail out! reason                 bail_out REASON: the harness itself is broken (exit 99)
# A script that dies before finish() gets a "not ok - the test stopped early" and a plan, so the
# driver counts the failure instead of missing it.
#
# Defaults, the same under make check and run directly from a build tree (HACKING.md):
#   abs_top_builddir  make check exports it; otherwise the current directory when it holds
#                     config.status, else the source tree when it was configured in place;
#   abs_top_srcdir    the tree this file is in;
#   NEWUIDMAP NEWGIDMAP SUBID_CHECK SUBID_ALLOC PAM_MODULE   the built programs in that tree
#                     (always derived from abs_top_builddir: never inherited);
#   PACKAGE_VERSION   from its config.h.
# Exit status of a skip: 77 (automake's SKIP) when run directly; 0 under the TAP driver (make check
# sets NEWIDMAP_TAP_DRIVER), which reads the SKIP from the plan and would call 77 an error.

set -euo pipefail

# Start with descriptors 0-2 only, as from a login shell: the TAP driver leaves its log open on fd
# 3, and the tests that count descriptors (hostile.sh's RLIMIT_NOFILE cases, fd.sh) must see the
# same process whether run by make check or directly. 255 is bash's own (the script it reads).
for _fd in "/proc/$$/fd/"*; do
	_fd=${_fd##*/}
	case $_fd in
	0 | 1 | 2 | 255) ;;
	*) eval "exec $_fd>&-" ;;
	esac
done
unset _fd

T_PASSED=0
T_FAILED=0
T_NUM=0
T_FINISHED=
# Commands run at exit, last registered first (at_exit).
T_AT_EXIT=()

# bail_out REASON: the harness cannot work (no build tree, a broken fixture): not a test result.
bail_out() {
	T_FINISHED=1
	echo "Bail out! $*"
	exit 99
}

# t_desc TEXT: TEXT as one TAP description: one line, and a '#' escaped so that text such as
# "#nidt" or "# skip" is never read as a directive.
t_desc() {
	local d=${1//$'\n'/ }
	printf '%s' "${d//#/\\#}"
}

pass() {
	T_NUM=$((T_NUM + 1))
	T_PASSED=$((T_PASSED + 1))
	echo "ok $T_NUM - $(t_desc "$1")"
}

# fail WHAT [WHY]: the first line of WHY goes on the result line, the rest as diagnostics.
fail() {
	local why=${2:-} first rest
	first=${why%%$'\n'*}
	T_NUM=$((T_NUM + 1))
	T_FAILED=$((T_FAILED + 1))
	echo "not ok $T_NUM - $(t_desc "$1")${first:+: $(t_desc "$first")}"
	if [ "$first" != "$why" ]; then
		rest=${why#*$'\n'}
		printf '%s\n' "$rest" | sed 's/^/# /'
	fi
}

# skip REASON: this script cannot run here. Before any assertion, the whole script is skipped;
# after some, the rest is (one skipped result), and the script finishes.
skip() {
	if [ "$T_NUM" = 0 ]; then
		T_FINISHED=1
		echo "1..0 # SKIP $(t_desc "$*")"
		if [ -n "${NEWIDMAP_TAP_DRIVER:-}" ]; then
			exit 0
		fi
		exit 77
	fi
	T_NUM=$((T_NUM + 1))
	echo "ok $T_NUM # SKIP $(t_desc "$*")"
	finish
}

# skip_some REASON: a part of the script cannot run here; the rest does. Counted as a SKIP result.
skip_some() {
	T_NUM=$((T_NUM + 1))
	echo "ok $T_NUM # SKIP $(t_desc "$*")"
}

# finish: the plan and a summary; exit 1 if anything failed. A script that asserted nothing has
# not tested anything: that is a failure, not a pass.
finish() {
	[ "$T_NUM" != 0 ] || fail "the script made at least one assertion" "it made none"
	T_FINISHED=1
	echo "1..$T_NUM"
	echo "# $T_PASSED passed, $T_FAILED failed"
	[ "$T_FAILED" = 0 ] || exit 1
	exit 0
}

# at_exit CMD: run CMD (a string, eval'ed) when the script exits, before the early-stop report.
at_exit() {
	T_AT_EXIT=("$1" "${T_AT_EXIT[@]}")
}

t_on_exit() {
	local rc=$? c
	trap - EXIT
	set +e
	for c in "${T_AT_EXIT[@]}"; do
		eval "$c"
	done
	if [ -z "$T_FINISHED" ]; then
		T_NUM=$((T_NUM + 1))
		echo "not ok $T_NUM - the test stopped early (exit status $rc)"
		echo "1..$T_NUM"
		echo "# $T_PASSED passed, $((T_FAILED + 1)) failed"
		[ "$rc" != 0 ] || rc=1
	fi
	exit "$rc"
}
trap t_on_exit EXIT
trap 'exit 130' INT TERM HUP

# check_true WHAT WHY CMD...: pass if CMD succeeds, else fail with WHY.
check_true() {
	local what=$1 why=$2
	shift 2
	if "$@"; then
		pass "$what"
	else
		fail "$what" "$why"
	fi
}

# check_eq WHAT WANT GOT
check_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1 ($3)"
	else
		fail "$1" "expected '$2', got '$3'"
	fi
}

# ---------------------------------------------------------------------------------------------
# Running commands

# t_scratch: a directory for run()'s output files ($T_DIR when lib.sh made one).
t_scratch() {
	if [ -z "${T_DIR:-}" ]; then
		T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/newidmap-test.XXXXXX")
		at_exit 'rm -rf "$T_DIR"'
	fi
}

# run CMD...: run a command, recording its exit status in RC, stdout in OUT, stderr in ERR.
run() {
	t_scratch
	RC=0
	"$@" >"$T_DIR/run.out" 2>"$T_DIR/run.err" </dev/null || RC=$?
	OUT=$(cat "$T_DIR/run.out")
	ERR=$(cat "$T_DIR/run.err")
}

# check_rc WHAT WANT: the last run() exited with WANT.
check_rc() {
	if [ "$RC" = "$2" ]; then
		pass "$1: exit status $2"
	else
		fail "$1: exit status $2" "got $RC; stderr: $ERR"
	fi
}

# check_err WHAT SUBSTRING: the last run()'s stderr contains SUBSTRING.
check_err() {
	if [[ $ERR == *"$2"* ]]; then
		pass "$1: stderr mentions '$2'"
	else
		fail "$1: stderr mentions '$2'" "stderr was: ${ERR:-<empty>}"
	fi
}

# check_err_lacks WHAT SUBSTRING
check_err_lacks() {
	if [[ $ERR != *"$2"* ]]; then
		pass "$1: stderr does not mention '$2'"
	else
		fail "$1: stderr does not mention '$2'" "stderr was: $ERR"
	fi
}

# is_elf FILE: FILE is an ELF binary (not a libtool wrapper script, which would lose a file
# capability on exec).
is_elf() {
	[ -f "$1" ] && [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ]
}

# ---------------------------------------------------------------------------------------------
# Where the built programs are: the same answer under make check and run directly.

if [ -z "${abs_top_srcdir:-}" ]; then
	abs_top_srcdir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
fi
if [ -z "${abs_top_builddir:-}" ]; then
	if [ -f "$PWD/config.status" ]; then
		abs_top_builddir=$PWD
	elif [ -f "$abs_top_srcdir/config.status" ]; then
		abs_top_builddir=$abs_top_srcdir
	else
		bail_out "no build tree: run this from the build directory (the one with config.status), or through make check"
	fi
fi
# Always derived, never taken from the environment: a value inherited from an outer run (a test
# that runs a nested make check) must not point a test at another tree's binaries.
NEWUIDMAP=$abs_top_builddir/newidmap/newuidmap
NEWGIDMAP=$abs_top_builddir/newidmap/newgidmap
SUBID_CHECK=$abs_top_builddir/subid/check/subid-check
SUBID_ALLOC=$abs_top_builddir/subid/alloc/subid-alloc
PAM_MODULE=$abs_top_builddir/pam/.libs/pam_subid.so
PACKAGE_VERSION=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$abs_top_builddir/config.h" 2>/dev/null || true)
export abs_top_srcdir abs_top_builddir NEWUIDMAP NEWGIDMAP SUBID_CHECK SUBID_ALLOC PAM_MODULE PACKAGE_VERSION

# need_root WHY: SKIP unless root.
need_root() {
	[ "$(id -u)" = 0 ] || skip "needs root: $*"
}

# need_tools TOOL...: SKIP unless each is installed.
need_tools() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || skip "$t is not installed"
	done
}

# need_built PROGRAM...: each one exists (built by make, or make check's check_PROGRAMS). A missing
# program is a broken build tree, the same whether run directly or through make check.
need_built() {
	local p
	for p in "$@"; do
		[ -f "$p" ] || bail_out "$p is not built (run make in $abs_top_builddir first)"
	done
}
