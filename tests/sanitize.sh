#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The sanitizer pass: an out-of-tree build configured with --enable-sanitizers (ASan + UBSan,
# every UBSan finding fatal) and the whole `make check` in it, unit and integration tests alike.
#
#   tests/sanitize.sh [BUILDDIR]      (as root for the integration tests; they SKIP otherwise)
#
# Exit status 0 when every test passed (or skipped) and no sanitizer report was written; the
# last line is "sanitizer pass: N passed, N failed, N skipped; N sanitizer reports; Ns".
# BUILDDIR defaults to a fresh /tmp/newidmap-sanitize.XXXXXX, removed when everything passed.
# If the source tree was configured in place (./configure run there), automake refuses a second,
# out-of-tree build of it: the tree is then copied to BUILDDIR/src and `make distclean`ed there.
#
# Runtime options, and why:
#  - LeakSanitizer stays on for every program, the capability-holding helpers included. The
#    helpers make themselves non-dumpable (PR_SET_DUMPABLE 0), which would stop LSan's
#    ptrace-based heap scan; but gcc 12's runtime (libasan.so.8) marks the process dumpable again
#    for the scan at exit, after the helper has cleared every capability, so the scan works
#    (checked: the scanner attaches to a cap_setuid=ep helper run as nobody, and a leaking
#    cap_setuid=ep test program that sets PR_SET_DUMPABLE 0 gets its leak reported). The one
#    exception, setuid-installed copies, is explained at sanitizer-options below. The production
#    code is not touched for any of this. The helpers' leaks are also checked without ASan, under
#    valgrind, in tests/integration/valgrind.sh.
#  - The runtime reads ASAN_OPTIONS/UBSAN_OPTIONS when it starts, before main() (the helpers'
#    clearenv() comes later) and even in secure-execution mode (AT_SECURE, file capabilities):
#    which is why a sanitizer build must never be installed; tests/integration/hardening.sh
#    refuses one.
#  - exitcode=86: a sanitizer report must not pass for a refusal (the helpers' status 1); and
#    log_path sends every report to a file under BUILDDIR/sanitizer-logs, listed at the end, so a
#    report is seen even from a test that only checks for a non-zero status. Where a test
#    clears the environment (env -i, as tests/integration/clients.sh does for podman), the
#    defaults apply: the report goes to stderr and exits 1, which fails that test too.
set -euo pipefail

srcdir=$(cd "$(dirname "$0")/.." && pwd)
start=$(date +%s)

if [ $# -gt 0 ]; then
	builddir=$1
	mkdir -p "$builddir"
	keep=1
else
	builddir=$(mktemp -d /tmp/newidmap-sanitize.XXXXXX)
	keep=
fi
builddir=$(cd "$builddir" && pwd)
case "$builddir/" in "$srcdir"/*)
	echo "sanitize.sh: BUILDDIR must be outside the source tree ($srcdir)" >&2
	exit 2
	;;
esac
chmod 755 "$builddir"

log() { echo "sanitize.sh: $*"; }

if [ ! -x "$srcdir/configure" ]; then
	log "no configure script: run ./autogen.sh first" >&2
	exit 2
fi
src=$srcdir
if [ -f "$srcdir/config.status" ]; then
	log "the source tree is configured in place; building from a distcleaned copy in $builddir/src"
	rm -rf "$builddir/src"
	mkdir "$builddir/src"
	(cd "$srcdir" && tar --exclude=./.git -cf - .) | (cd "$builddir/src" && tar -xf -)
	make -C "$builddir/src" distclean >/dev/null
	src=$builddir/src
fi

mkdir -p "$builddir/build"
cd "$builddir/build"
log "configure --enable-sanitizers in $PWD"
"$src/configure" -q --enable-sanitizers
log "make"
make -j"${JOBS:-2}" >make.log 2>&1 || { cat make.log; log "FAIL: the build failed"; exit 1; }

# The build really is instrumented (an ignored --enable-sanitizers would make this pass vacuous).
for p in newidmap/newuidmap newidmap/newgidmap subid/check/subid-check; do
	if ! readelf -d "$p" | grep -q 'NEEDED.*libasan'; then
		log "FAIL: $p is not linked with ASan"
		exit 1
	fi
done

logs=$builddir/sanitizer-logs
rm -rf "$logs"
mkdir -m 1777 "$logs"
# Per-program options, read through include_if_exists=.../%b (%b: the program's file name).
# LeakSanitizer scans the heap by ptrace-attaching to the process from a helper thread, which
# the kernel allows only when the real and effective ids agree (PTRACE_MODE_REALCREDS): in a
# process started setuid it reports "LeakSanitizer has encountered a fatal error" at exit. Only
# privilege.sh's setuid-installed copies run so, to prove the helper refuses at once; their leak
# scan is turned off (the path is priv_init() then the common refusal, leak-checked everywhere
# else). A setgid-installed copy cannot be covered this way: the kernel makes it non-dumpable at
# exec, so its /proc/self/environ, where the runtime reads ASAN_OPTIONS, is closed to it and the
# runtime runs with its defaults (the LSan error then exits 1, like the refusal itself).
optdir=$builddir/sanitizer-options
rm -rf "$optdir"
mkdir "$optdir"
for p in newuidmap-setuid newuidmap-setuid-cap; do
	echo "detect_leaks=0" >"$optdir/$p"
done
chmod -R a+rX "$optdir"
# halt_on_error/abort_on_error: stop at the first report, with exitcode (not SIGABRT) so the test's
# own status check sees it. detect_stack_use_after_return: catch returned stack addresses too.
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0:exitcode=86:detect_stack_use_after_return=1:check_initialization_order=1:strict_string_checks=1:log_path=$logs/asan:include_if_exists=$optdir/%b"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=86:log_path=$logs/ubsan"
export LSAN_OPTIONS="exitcode=86"

log "make check (ASAN_OPTIONS=$ASAN_OPTIONS)"
rc=0
make -j"${JOBS:-2}" check >check.log 2>&1 || rc=$?

# Every test's verdict, from the automake .trs files.
pass=0 fail=0 skip=0
failed=()
while IFS= read -r trs; do
	r=$(sed -n 's/^:global-test-result: //p' "$trs")
	name=${trs#./}
	name=${name%.trs}
	case $r in
	PASS | XFAIL) pass=$((pass + 1)) ;;
	SKIP) skip=$((skip + 1)) ;;
	*)
		fail=$((fail + 1))
		failed+=("$name")
		;;
	esac
done < <(find . -name '*.trs' | sort)

reports=()
while IFS= read -r f; do
	reports+=("$f")
done < <(find "$logs" -type f | sort)

for t in "${failed[@]}"; do
	echo "--- FAIL: $t ($t.log)"
	tail -n 40 "$t.log" || true
done
for f in "${reports[@]}"; do
	echo "--- sanitizer report $f"
	cat "$f"
done
[ "$pass$fail" != 00 ] || { tail -n 40 check.log; log "FAIL: make check ran no test"; exit 1; }

elapsed=$(($(date +%s) - start))
echo "sanitizer pass: $pass passed, $fail failed, $skip skipped; ${#reports[@]} sanitizer reports; ${elapsed}s"
if [ "$rc" != 0 ] || [ "$fail" != 0 ] || [ "${#reports[@]}" != 0 ]; then
	log "FAIL (make check exit status $rc); logs in $builddir/build"
	exit 1
fi
if [ "$skip" != 0 ]; then
	log "note: $skip tests skipped (not root, or no user namespaces?)"
fi
[ -n "$keep" ] || rm -rf "$builddir"
exit 0
