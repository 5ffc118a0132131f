#!/bin/bash
# make check: every libFuzzer target once over its checked-in corpus (tests/fuzz/corpus/TARGET),
# without fuzzing, so a seed or a past crash reproducer that fails again fails the suite.
# The targets are built with clang through make fuzz-build. SKIP when clang or its
# libFuzzer runtime (Debian: clang, libclang-rt-14-dev) is missing. fuzz_diff_libsubid needs a
# private mount namespace (root, or user namespaces): without one it alone is skipped.
# TAP: one result per target, from run.sh's table.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"

clang=${CLANG:-clang}
need_tools "$clang"
probe=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-probe.XXXXXX")
at_exit 'rm -rf "$probe"'
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' >"$probe/p.c"
if ! "$clang" -fsanitize=fuzzer,address,undefined -o "$probe/p" "$probe/p.c" >"$probe/log" 2>&1; then
	skip "$clang cannot link -fsanitize=fuzzer,address,undefined (Debian package libclang-rt-14-dev): $(head -n 3 "$probe/log")"
fi

targets=(number subfile args maptext alloc diff_libsubid sssdconf directory)
cd "$abs_top_builddir"
make --no-print-directory fuzz-build CLANG="$clang" >"$probe/build" 2>&1 ||
	bail_out "make fuzz-build failed: $(tail -n 5 "$probe/build")"
rc=0
bash "$abs_top_srcdir/tests/fuzz/run.sh" replay "$abs_top_srcdir/tests/fuzz/corpus" tests/fuzz 0 \
	"${targets[@]}" >"$probe/table" 2>&1 || rc=$?
sed 's/^/# /' "$probe/table"
for t in "${targets[@]}"; do
	line=$(awk -v t="$t" '$1 == t { print; exit }' "$probe/table")
	read -r _ result execs crashes log <<<"${line:-- missing 0 0 -}"
	case $result in
	ok) pass "fuzz_$t: its corpus replays without a crash ($execs inputs)" ;;
	SKIP) skip_some "fuzz_$t: it needs a private mount namespace" ;;
	*) fail "fuzz_$t: its corpus replays without a crash" "result $result, $crashes crashes; log $log" ;;
	esac
done
[ "$rc" = 0 ] || [ "$T_FAILED" != 0 ] || fail "run.sh replay exits 0" "it exited $rc"
finish
