#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The directory source's costs against a local slapd (tests/lib/ldap-lib.sh: Debian's slapd on a
# private ldapi:// socket with slapo-unique; users resolved by nslcd), in the test harness's
# private mount namespace (tests/lib/lib.sh):
#   - allocation latency: `subid-alloc --directory` for N new users, one after the other (each
#     searches, adds the entry, probes uniqueness, writes the local files): median and p99;
#   - the module's fast path with source=directory, for a user who has both lines, timed inside
#     one process by pamdrive.c (pam_open_session in a loop on one handle), beside the same loop
#     on a pam_permit-only stack; no helper runs and nothing connects to the directory there
#     (asserted in tests/integration/ldap-pam.sh);
#   - `subid-alloc --directory --sync` of S directory users (S entries added with ldapadd
#     beforehand) onto a host with empty files: median of a few runs, the files emptied between.
# A report, not a test: figures only, no threshold (exit 0; 77 if it cannot run).
# Knobs: BENCH_LDAP_USERS (N, 1000), BENCH_LDAP_SYNC_USERS (S, 10000), BENCH_LDAP_SYNC_ITER (3),
# BENCH_LDAP_FAST_ITER (pamdrive loop, 2000).
# shellcheck source=tests/lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=tests/lib/pam-lib.sh
. "$(dirname "$0")/../lib/pam-lib.sh"
# shellcheck source=tests/lib/ldap-lib.sh
. "$(dirname "$0")/../lib/ldap-lib.sh"

N=${BENCH_LDAP_USERS:-1000}
S=${BENCH_LDAP_SYNC_USERS:-10000}
SYNC_ITER=${BENCH_LDAP_SYNC_ITER:-3}
NFAST=${BENCH_LDAP_FAST_ITER:-2000}
need_tools python3
CC=${CC:-cc}
SRCDIR=${abs_top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}

ldap_start main
ldap_tree
ldap_users nidb "$N" 800000
nslcd_here "$LDAP_URI"
dir_conf
put_file /etc/subuid ''
put_file /etc/subgid ''
"$CC" -O2 -Wall -o "$T_DIR/pamdrive" "$SRCDIR/tests/bench/pamdrive.c" -lpam

# Allocation: N new users, one at a time.
python3 - "$N" "$HELPER" >"$T_DIR/alloc.txt" <<'PY'
import statistics, subprocess, sys, time
n, helper = int(sys.argv[1]), sys.argv[2]
times = []
for i in range(1, n + 1):
    t = time.perf_counter()
    r = subprocess.run([helper, "--directory", "nidb%d" % i], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    times.append((time.perf_counter() - t) * 1000)
    if r.returncode != 0:
        sys.exit("bench-ldap: subid-alloc --directory nidb%d failed: %s" % (i, r.stderr.decode().strip()))
times.sort()
p99 = times[max(0, int(len(times) * 0.99) - 1)]
print("subid-alloc --directory, new user (%d users)\t%d\t%.2f ms\t%.2f ms" % (n, n, statistics.median(times), p99))
PY
entries=$(dir_entries | wc -l)

# The fast path with the directory configured.
pam_service nidbench source=directory min_uid=1000 max_uid=100000000
put_file /etc/pam.d/nidbench-permit 'session required pam_permit.so
'
fast() {
	local out mean med p90
	out=$("$T_DIR/pamdrive" "$2" nidb1 "$NFAST")
	read -r _ _ _ mean _ med _ p90 <<<"$out"
	awk -v l="$1" -v n="$NFAST" -v med="$med" -v p90="$p90" -v mean="$mean" \
		'BEGIN { printf "%s (mean %.3f ms)\t%d\t%.3f ms\t%.3f ms (p90)\n", l, mean / 1000, n, med / 1000, p90 / 1000 }'
}
fast_u=$(fast "module fast path, source=directory, in-process" nidbench)
fast_p=$(fast "pam_permit only, in-process" nidbench-permit)

# Sync: S users with entries, onto empty files.
python3 - "$S" "$LDAP_USERS_BASE" "$LDAP_SUBIDS_BASE" >"$T_DIR/sync.ldif" <<'PY'
import sys
s, users, subids = int(sys.argv[1]), sys.argv[2], sys.argv[3]
out = sys.stdout
for i in range(1, s + 1):
    start = 2147483648 + (i + 20000) * 65536  # slots above the allocation benchmark's
    if start + 65535 > 4294901767:
        sys.exit("bench-ldap: %d users do not fit in the pool above the allocation benchmark's" % s)
    out.write("dn: uid=nids%d,%s\nobjectClass: account\nobjectClass: posixAccount\nuid: nids%d\ncn: nids%d\n"
              "uidNumber: %d\ngidNumber: %d\nhomeDirectory: /nonexistent\n\n" % (i, users, i, i, 900000 + i, 900000 + i))
    out.write("dn: ipaUniqueID=subid-%d,%s\nobjectClass: ipaSubordinateIdEntry\nobjectClass: ipaSubordinateId\n"
              "ipaUniqueID: subid-%d\nipaOwner: uid=nids%d,%s\nipaSubUidNumber: %d\nipaSubUidCount: 65536\n"
              "ipaSubGidNumber: %d\nipaSubGidCount: 65536\n\n" % (start, subids, start, i, users, start, start))
PY
t0=$(date +%s.%N)
ladd -c <"$T_DIR/sync.ldif" >/dev/null
t1=$(date +%s.%N)
python3 - "$SYNC_ITER" "$HELPER" >"$T_DIR/sync.txt" <<'PY'
import os, statistics, subprocess, sys, time
n, helper = int(sys.argv[1]), sys.argv[2]
times = []
last = ""
for i in range(n):
    for f in ("/etc/subuid", "/etc/subgid"):
        with open(f + ".bench", "w"):
            pass
        os.chmod(f + ".bench", 0o644)
        os.rename(f + ".bench", f)
    t = time.perf_counter()
    r = subprocess.run([helper, "--directory", "--sync"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    times.append((time.perf_counter() - t) * 1000)
    if r.returncode != 0:
        sys.exit("bench-ldap: subid-alloc --directory --sync failed (%d): %s" % (r.returncode, r.stderr.decode().strip()))
    last = r.stdout.decode().strip().splitlines()[-1]
print("subid-alloc --directory --sync, empty files\t%d\t%.0f ms\t-\t%s" % (n, statistics.median(times), last))
PY
lines=$(wc -l </etc/subuid)

echo "directory source: slapd $(slapd -VV 2>&1 | sed -n 's/.*slapd \([0-9.]*\).*/\1/p' | head -1) on ldapi://, slapo-unique (serialize); NSS through nslcd"
echo "helper: $HELPER"
{
	printf 'operation\truns\tmedian\tp99\n'
	cat "$T_DIR/alloc.txt"
	printf '%s\n%s\n' "$fast_u" "$fast_p"
	cut -f1-4 "$T_DIR/sync.txt"
} | column -t -s $'\t'
echo "after the allocations: $entries entries; ldapadd of $S users and $S entries took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
echo "the last sync printed: $(cut -f5 "$T_DIR/sync.txt"); /etc/subuid then held $lines lines"
# A report, not a test: no TAP plan.
T_FINISHED=1
