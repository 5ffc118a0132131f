#!/bin/bash
# make check: every libFuzzer target once over its checked-in corpus (tests/fuzz/corpus/TARGET),
# without fuzzing, so a seed or a past crash reproducer that fails again fails the suite.
# The targets are built with clang through make fuzz-build. SKIP (77) when clang or its
# libFuzzer runtime (Debian: clang, libclang-rt-14-dev) is missing. fuzz_diff_libsubid needs a
# private mount namespace (root, or user namespaces): without one it alone is skipped.
set -euo pipefail

: "${abs_top_builddir:?}" "${abs_top_srcdir:?}"
clang=${CLANG:-clang}

if ! command -v "$clang" >/dev/null 2>&1; then
	echo "SKIP: $clang not found (Debian package clang)"
	exit 77
fi
probe=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-probe.XXXXXX")
trap 'rm -rf "$probe"' EXIT
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' >"$probe/p.c"
if ! "$clang" -fsanitize=fuzzer,address,undefined -o "$probe/p" "$probe/p.c" >"$probe/log" 2>&1; then
	echo "SKIP: $clang cannot link -fsanitize=fuzzer,address,undefined (Debian package libclang-rt-14-dev):"
	sed 's/^/  /' "$probe/log"
	exit 77
fi

cd "$abs_top_builddir"
make --no-print-directory fuzz-build CLANG="$clang"
exec bash "$abs_top_srcdir/tests/fuzz/run.sh" replay "$abs_top_srcdir/tests/fuzz/corpus" tests/fuzz 0 \
	number subfile args maptext alloc diff_libsubid
