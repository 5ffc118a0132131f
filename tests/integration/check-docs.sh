#!/bin/bash
# Every check id that subid-check really emits is described in subid-check(8) and in the README,
# and every man page passes mandoc's lint. The ids are taken from live runs (a normal run, which
# emits every area's ids, and a rootfs run), not from a list that could go stale with them.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"

SC=$SUBID_CHECK
src=$abs_top_srcdir
need_built "$SC"
need_tools python3
tmp=$(mktemp -d)
at_exit 'rm -rf "$tmp"'
mkdir "$tmp/root"

# Exit status 1/2 is expected here (this host need not be healthy); 3 is not.
rc=0
"$SC" --json >"$tmp/a.json" || rc=$?
check_true "subid-check --json exits 0, 1 or 2" "it exited $rc" [ "$rc" -le 2 ]
rc=0
"$SC" --json rootfs "$tmp/root" --map 0:0:1 >"$tmp/b.json" || rc=$?
check_true "subid-check rootfs exits 0, 1 or 2" "it exited $rc" [ "$rc" -le 2 ]
ids=$(python3 -c '
import json, sys
ids = set()
for f in sys.argv[1:]:
    ids.update(c["id"] for c in json.load(open(f))["checks"])
print("\n".join(sorted(ids)))' "$tmp/a.json" "$tmp/b.json")
n=$(printf '%s\n' "$ids" | wc -l)
check_true "at least 40 distinct check ids emitted ($n)" "only $n: $ids" [ "$n" -ge 40 ]

for id in $ids; do
	check_true "subid-check(8) describes $id" "it does not" grep -qF -- "$id" "$src/man/subid-check.8"
	check_true "the README names $id" "it does not" grep -qF -- "\`$id\`" "$src/README.md"
done

command -v mandoc >/dev/null || fail "mandoc lints the man pages" "mandoc is missing (Debian package mandoc)"
for m in "$src"/man/*.[0-9]; do
	out=$(mandoc -T lint -W all "$m" 2>&1) && pass "mandoc lint: $(basename "$m")" || fail "mandoc lint: $(basename "$m")" "$out"
done

finish
