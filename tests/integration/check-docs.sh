#!/bin/bash
# Every check id that subid-check really emits is described in subid-check(8) and in the README,
# and every man page passes mandoc's lint. The ids are taken from live runs (a normal run, which
# emits every area's ids, and a rootfs run), not from a list that could go stale with them.
set -euo pipefail

pass=0 fail=0
ok() { echo "PASS: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

SC=${SUBID_CHECK:-${abs_top_builddir:-.}/subid/check/subid-check}
src=${abs_top_srcdir:-.}
[ -x "$SC" ] || { echo "FAIL: no subid-check at $SC"; echo "0 passed, 1 failed"; exit 1; }
command -v python3 >/dev/null || { echo "SKIP: needs python3"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/root"

# Exit status 1/2 is expected here (this host need not be healthy); 3 is not.
rc=0
"$SC" --json >"$tmp/a.json" || rc=$?
[ "$rc" -le 2 ] || bad "subid-check --json exited $rc"
rc=0
"$SC" --json rootfs "$tmp/root" --map 0:0:1 >"$tmp/b.json" || rc=$?
[ "$rc" -le 2 ] || bad "subid-check rootfs exited $rc"
ids=$(python3 -c '
import json, sys
ids = set()
for f in sys.argv[1:]:
    ids.update(c["id"] for c in json.load(open(f))["checks"])
print("\n".join(sorted(ids)))' "$tmp/a.json" "$tmp/b.json")
n=$(printf '%s\n' "$ids" | wc -l)
[ "$n" -ge 40 ] && ok "$n distinct check ids emitted" || bad "only $n ids emitted: $ids"

for id in $ids; do
	grep -qF -- "$id" "$src/man/subid-check.8" || bad "subid-check(8) does not describe $id"
	grep -qF -- "\`$id\`" "$src/README.md" || bad "README does not name $id"
done
[ "$fail" = 0 ] && ok "every emitted id is in subid-check(8) and the README"

if command -v mandoc >/dev/null; then
	for m in "$src"/man/*.[0-9]; do
		out=$(mandoc -T lint -W all "$m" 2>&1) && ok "mandoc lint: $(basename "$m")" || bad "mandoc lint $(basename "$m"): $out"
	done
else
	bad "mandoc is missing (Debian package mandoc): the man pages are not linted"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
