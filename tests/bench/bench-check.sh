#!/bin/bash
# How long a whole subid-check run takes (the issue's target: well under 100 ms on this machine,
# probe included). Run on demand, as root: a throw-away user with ranges in a private /etc
# overlay, our helpers with their file capabilities bind-mounted over /usr/bin, then N runs of
# `subid-check --user U` with and without the probe. Prints the median and p90 in milliseconds;
# a report, not a test: it exits 0 whatever the figures (1 if a run could not be made).
set -euo pipefail

N=${BENCH_CHECK_ITER:-100}
[ "$(id -u)" = 0 ] || { echo "bench-check: needs root" >&2; exit 77; }
SC=${SUBID_CHECK:-${abs_top_builddir:?}/subid/check/subid-check}
if [ -z "${BENCH_IN_NS:-}" ]; then
	exec env BENCH_IN_NS=1 unshare -m --propagation private "$BASH" "$0" "$@"
fi
work=$(mktemp -d)
mount -t tmpfs -o mode=755 tmpfs "$work"
trap 'umount -l /etc 2>/dev/null; umount -l "$work" 2>/dev/null; rmdir "$work" 2>/dev/null || true' EXIT
mkdir "$work/u" "$work/w" "$work/bin"
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$work/u,workdir=$work/w" /etc
cp "${NEWUIDMAP:?}" "$work/bin/newuidmap"
cp "${NEWGIDMAP:?}" "$work/bin/newgidmap"
chmod 755 "$work/bin" "$work/bin/newuidmap" "$work/bin/newgidmap"
setcap cap_setuid=ep "$work/bin/newuidmap"
setcap cap_setgid=ep "$work/bin/newgidmap"
mount --bind "$work/bin/newuidmap" /usr/bin/newuidmap
mount --bind "$work/bin/newgidmap" /usr/bin/newgidmap
useradd -M -l nidbench
printf 'nidbench:100000:65536\n' >/etc/subuid
printf 'nidbench:100000:65536\n' >/etc/subgid
chmod 644 /etc/subuid /etc/subgid
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
measure "as root, for a user, with probe" "$SC" --user nidbench
measure "as root, for a user, --no-probe" "$SC" --user nidbench --no-probe
measure "as the user itself, with probe" setpriv --reuid nidbench --regid nidbench --init-groups "$SC"
