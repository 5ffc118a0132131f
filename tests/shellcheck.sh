#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every shell script of the tree through shellcheck at severity warning (errors and warnings;
# style and info notes are not findings), with the project's .shellcheckrc and -x so that sourced
# harness files are followed. One TAP line per script. No root needed.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/lib/tap.sh"

need_tools shellcheck
cd "$abs_top_srcdir" || bail_out "cannot enter $abs_top_srcdir"
for f in tests/*.sh tests/lib/*.sh tests/integration/*.sh tests/bench/*.sh tests/fuzz/*.sh .ci/run autogen.sh; do
	[ -f "$f" ] || continue
	if out=$(shellcheck -x --severity=warning "$f" 2>&1); then
		pass "$f: shellcheck clean at severity warning"
	else
		fail "$f: shellcheck clean at severity warning" "$(printf '%s\n' "$out" | grep -E '^(In |.*SC[0-9]{4})' | head -n 6 | paste -sd '|')"
	fi
done
finish
