#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# How long newuidmap takes to refuse hostile command lines: 30,000 triples (the kernel takes at
# most 340), and one 100,000-digit id. tests/integration/hostile.sh asserts the refusals and
# their messages; the time they take is a figure, printed here, never a pass/fail threshold (it
# depends on the machine and its load). Run on demand, as root (make bench): the test harness's
# fixtures (tests/lib/lib.sh: private mount namespace, overlay /etc, a throw-away user, a capped
# copy of the helper), then N runs of each as that user against a fresh `unshare -U` target.
# Prints the median and p90 in milliseconds. Knob: BENCH_ARGS_ITER (runs per row, 20).
# shellcheck source=tests/lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"

N=${BENCH_ARGS_ITER:-20}
need_tools python3
set_subuid "$A_NAME:100000:65536
"
start_target "$A_UID" "$A_GID"
seq_triples 30000 0 1 100000 1 | tr '\n' ' ' >"$T_DIR/triples"
head -c 100000 /dev/zero | tr '\0' 7 >"$T_DIR/huge"

# measure LABEL ARGS...: N runs of newuidmap as user A on $TARGET (ARGS after the pid; the word
# @FILE stands for the words of FILE); each must be refused (exit 1).
measure() {
	local label=$1
	shift
	python3 - "$N" "$label" "$A_UID" "$A_GID" "$UIDMAP" "$TARGET" "$@" <<'PY'
import os, statistics, subprocess, sys, time
n, label, uid, gid, helper, target = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
args = []
for a in sys.argv[7:]:
    args += open(a[1:]).read().split() if a.startswith("@") else [a]
cmd = ["setpriv", "--reuid", uid, "--regid", gid, "--init-groups", helper, target] + args
times = []
for _ in range(n + 1):
    t = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times.append((time.perf_counter() - t) * 1000)
    if r.returncode != 1:
        sys.exit("%s: exit status %d, not the refusal (1)" % (label, r.returncode))
times = sorted(times[1:])  # the first run warms the caches
p90 = times[max(int(len(times) * 0.9) - 1, 0)]
print("%-32s %5d runs  median %8.2f ms  p90 %8.2f ms" % (label, n, statistics.median(times), p90))
PY
}

echo "newuidmap: $NEWUIDMAP (a capped copy, run as $A_NAME)"
measure "30000 triples, refused" "@$T_DIR/triples"
measure "a 100000-digit id, refused" 0 "@$T_DIR/huge" 1
measure "one triple outside the ranges" 0 500000 10
# A report, not a test: no TAP plan.
T_FINISHED=1
