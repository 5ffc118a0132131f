#!/bin/bash
# How long a whole subid-check run takes (the issue's target: well under 100 ms on this machine,
# probe included). Run on demand, as root: a throw-away user with ranges in a private /etc
# overlay, our helpers with their file capabilities bind-mounted over /usr/bin, then N runs of
# `subid-check --user U` with and without the probe. Prints the median and p90 in milliseconds;
# a report, not a test: it exits 0 whatever the figures (1 if a run could not be made).
# The fixtures are the test harness's (tests/lib/lib.sh): user A ($A_NAME) and the capped copies.
# shellcheck source=tests/lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"

N=${BENCH_CHECK_ITER:-100}
SC=$SUBID_CHECK
need_built "$SC"
need_tools python3
mount --bind "$UIDMAP" /usr/bin/newuidmap
mount --bind "$GIDMAP" /usr/bin/newgidmap
set_subuid "$A_NAME:100000:65536
"
set_subgid "$A_NAME:100000:65536
"
export PATH=/usr/bin:/bin:/usr/sbin:/sbin

measure() {
	local label=$1
	shift
	python3 - "$N" "$label" "$@" <<'PY'
import statistics, subprocess, sys, time
n, label, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
subprocess.run(cmd, stdout=subprocess.DEVNULL)  # warm the caches
times = []
for _ in range(n):
    t = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL)
    times.append((time.perf_counter() - t) * 1000)
    if r.returncode == 3:
        sys.exit("subid-check could not run (exit 3)")
times.sort()
p90 = times[int(len(times) * 0.9) - 1]
print("%-34s %5d runs  median %7.2f ms  p90 %7.2f ms  %s" % (
    label, n, statistics.median(times), p90, "PASS (< 100 ms)" if statistics.median(times) < 100 else "MISS"))
PY
}

echo "subid-check: $SC"
measure "as root, for a user, with probe" "$SC" --user "$A_NAME"
measure "as root, for a user, --no-probe" "$SC" --user "$A_NAME" --no-probe
# The user runs a copy it can reach (the build tree may be private).
cp "$SC" "$BIN/subid-check"
chmod 755 "$BIN/subid-check"
measure "as the user itself, with probe" setpriv --reuid "$A_UID" --regid "$A_GID" --init-groups "$BIN/subid-check"
# A report, not a test: no TAP plan.
T_FINISHED=1
