#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark: our newuidmap against shadow-utils' (/usr/bin/newuidmap) in the same run, on three
# /etc/subuid files: one line, 65,000 lines (the 32-bit space in 65536-id ranges) and 1,000,000
# lines, the caller's entry last. Each call maps a fresh user namespace; only fork + exec + wait
# of the helper is timed (tests/bench/timeit.c, compiled here). Prints median, p90 and peak RSS
# of both, the ratio ours/shadow of the medians, and PASS/MISS against the targets.
#
# Run on demand, as root: `make bench` in a build directory, or
#   NEWUIDMAP=/path/to/newuidmap tests/bench/bench.sh
# Knobs (environment): BENCH_ITER (calls per helper on the small files, default 50), BENCH_ITER_1M
# (on the 1,000,000-line file, default 15), BENCH_WARMUP (untimed calls first, default 2),
# SHADOW_NEWUIDMAP (default /usr/bin/newuidmap), CC (to build the driver, default cc).
# Exit: 0 whatever the figures (a report, not a test); 1 if a call failed; 77 (SKIP) when not
# root, without user namespaces or without shadow's newuidmap.
#
# Nothing on the host changes: everything happens in a private mount namespace, with an overlay
# over /etc (upper layer on a private tmpfs) that takes the throw-away user and the sub-id files.
set -euo pipefail

prog=bench.sh
skip() { echo "$prog: SKIP: $*" >&2; exit 77; }
die() { echo "$prog: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || skip "must run as root"
unshare -U true 2>/dev/null || skip "user namespaces are not available"
shadow=${SHADOW_NEWUIDMAP:-/usr/bin/newuidmap}
[ -x "$shadow" ] || skip "shadow's newuidmap ($shadow) is not installed (apt-get install uidmap)"
ours=${NEWUIDMAP:-${abs_top_builddir:+$abs_top_builddir/newidmap/newuidmap}}
[ -n "$ours" ] || die "set NEWUIDMAP to the built newuidmap, or run make bench in the build directory"
[ -x "$ours" ] || die "'$ours' is not an executable file: build it first"
ours=$(readlink -f "$ours")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ -r "$here/timeit.c" ] || die "$here/timeit.c is missing"
iters=${BENCH_ITER:-50}
iters_big=${BENCH_ITER_1M:-15}
warm=${BENCH_WARMUP:-2}
for v in "$iters" "$iters_big" "$warm"; do
	[[ $v =~ ^[0-9]+$ ]] || die "iteration counts must be plain numbers (got '$v')"
done

# Everything below runs in a private mount namespace: re-run this script there.
if [ "${NIDBENCH_IN_NS:-}" != 1 ]; then
	exec env NIDBENCH_IN_NS=1 NEWUIDMAP="$ours" SHADOW_NEWUIDMAP="$shadow" \
		unshare -m --propagation private "$BASH" "${BASH_SOURCE[0]}" "$@"
fi

work=$(mktemp -d /tmp/nidbench.XXXXXX)
cleanup() {
	umount -l /etc 2>/dev/null || true
	umount -l "$work" 2>/dev/null || true
	rmdir "$work" 2>/dev/null || true
}
trap cleanup EXIT
# World-readable and not nosuid: the helper copy keeps its file capability here.
mount -t tmpfs -o mode=0755 nidbench "$work"
mkdir "$work/upper" "$work/ovl" "$work/bin"
mount -t overlay nidbench-etc -o "lowerdir=/etc,upperdir=$work/upper,workdir=$work/ovl" /etc

user=nidbench$$
useradd -M -s /usr/sbin/nologin "$user"
uid=$(id -u "$user")
gid=$(id -g "$user")

"${CC:-cc}" -O2 -Wall -o "$work/bin/timeit" "$here/timeit.c" -lm
install -m 0755 "$ours" "$work/bin/newuidmap"
setcap cap_setuid=ep "$work/bin/newuidmap"
getcap "$work/bin/newuidmap" | grep -q 'cap_setuid[=+]ep' || die "setcap did not take on $work/bin/newuidmap"

# The three files. Owners other than the caller need not exist: both helpers match by name first
# and look an owner up only on an entry that contains the requested id (only the caller's here).
# Starts are printed with %.0f: mawk's %d stops at 2^31.
gen_one() { printf '%s:100000:65536\n' "$user"; }
gen_65k() {
	awk -v u="$user" 'BEGIN {
		for (i = 1; i < 65000; i++) printf "user%d:%.0f:65536\n", i - 1, i * 65536
		printf "%s:%.0f:65536\n", u, 65000 * 65536 }'
}
gen_1m() {
	awk -v u="$user" 'BEGIN {
		for (i = 1; i < 1000000; i++) printf "user%d:%.0f:4096\n", i - 1, i * 4096
		printf "%s:%.0f:65536\n", u, 1000000 * 4096 }'
}

sysinfo() {
	local cpu
	cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	echo "host: Linux $(uname -r), ${cpu:-unknown CPU}, $(nproc) CPU(s)"
	echo "ours:   $ours (copied to a tmpfs with cap_setuid=ep)"
	echo "shadow: $shadow ($(dpkg-query -W -f '${Package} ${Version}' uidmap 2>/dev/null || echo 'version unknown'), $(stat -c %A "$shadow"))"
	echo "each call: fork + exec + wait of the helper as uid $uid, mapping '0 START 65536' into a fresh user namespace"
}

# One case: write /etc/subuid, run the driver, keep its lines in $results.
results=$work/results
: >"$results"
run_case() {
	local name=$1 gen=$2 n=$3 start lines size out
	"$gen" >/etc/subuid.new
	chmod 0644 /etc/subuid.new
	mv -f /etc/subuid.new /etc/subuid
	lines=$(wc -l </etc/subuid)
	size=$(stat -c %s /etc/subuid)
	start=$(tail -n 1 /etc/subuid | awk -F: -v u="$user" '$1 == u { print $2 }')
	[ -n "$start" ] || die "$name: the caller's entry is not the last line"
	echo "running: $name ($lines line(s), $size bytes), $n calls each after $warm warm-up..." >&2
	if ! out=$("$work/bin/timeit" -u "$uid" -g "$gid" -m "0:$start:65536" -n "$n" -w "$warm" \
		-t /bin/true ours="$work/bin/newuidmap" shadow="$shadow"); then
		die "$name: a call failed (see above)"
	fi
	printf '%s\n' "$out" | awk -v name="$name" -v lines="$lines" -v size="$size" '{ print name, lines, size, $0 }' >>"$results"
}

sysinfo
run_case one gen_one "$iters"
run_case 65k gen_65k "$iters"
run_case 1m gen_1m "$iters_big"

# The report. results lines: case lines size label calls median p90 min max rss_kib
awk '
function human(b) { return b >= 1048576 ? sprintf("%.1f MiB", b / 1048576) : b >= 1024 ? sprintf("%.1f KiB", b / 1024) : b " B" }
function commas(n,   s, out) {
	s = sprintf("%d", n); out = ""
	while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) }
	return s out
}
{
	c = $1; if (!(c in seen)) { seen[c] = 1; order[++nc] = c }
	lines[c] = $2; size[c] = $3; calls[c, $4] = $5
	med[c, $4] = $6; p90[c, $4] = $7; rss[c, $4] = $10
}
END {
	target["one"] = 1.0; target["65k"] = 0.2; target["1m"] = 0.1
	printf "\n%-16s %9s %6s | %-15s | %-15s | %-13s | %-6s %s\n", "/etc/subuid", "size", "calls", "ours ms", "shadow ms", "ours/shadow", "target", "result"
	printf "%-16s %9s %6s | %7s %7s | %7s %7s | %6s %6s | %-6s %s\n", "", "", "each", "median", "p90", "median", "p90", "median", "p90", "median", ""
	for (i = 1; i <= nc; i++) {
		c = order[i]
		r = med[c, "ours"] / med[c, "shadow"]; rp = p90[c, "ours"] / p90[c, "shadow"]
		v = r <= target[c] ? "PASS" : "MISS"; miss += v == "MISS"
		printf "%-16s %9s %6d | %7.3f %7.3f | %7.3f %7.3f | %6.3f %6.3f | <= %-3.1f %s\n", commas(lines[c]) " line" (lines[c] == 1 ? "" : "s"), human(size[c]),
		       calls[c, "ours"], med[c, "ours"], p90[c, "ours"], med[c, "shadow"], p90[c, "shadow"], r, rp, target[c], v
	}
	printf "\npeak RSS of one call (KiB, max over the timed calls; wait4 ru_maxrss)\n"
	printf "%-16s %10s %10s %10s\n", "/etc/subuid", "ours", "shadow", "/bin/true"
	for (i = 1; i <= nc; i++) {
		c = order[i]
		printf "%-16s %10d %10d %10d\n", commas(lines[c]) " line" (lines[c] == 1 ? "" : "s"), rss[c, "ours"], rss[c, "shadow"], rss[c, "floor"]
	}
	printf "\nfloor: fork + exec + wait of /bin/true as the same user, median %.3f ms (one line) .. %.3f ms (1,000,000 lines)\n", med[order[1], "floor"], med[order[nc], "floor"]
	printf "ratio target met on %d of %d files (median of ours / median of shadow)\n", nc - miss, nc
}' "$results"
