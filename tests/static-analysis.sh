#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Static analysis of lib/ (the library), subid/ (subid-check, subid-alloc), newidmap/ and pam/:
# clang-tidy with the checked-in .clang-tidy and cppcheck with tests/cppcheck-suppressions.xml.
# Fails on any finding of either.
#
#   tests/static-analysis.sh [BUILDDIR]
#
# How: an out-of-tree build of the default configuration under bear records the exact compile
# command of every file (compile_commands.json); each analyser then sees the defines, include
# paths and config.h the compiler saw. BUILDDIR defaults to a fresh /tmp/newidmap-sa.XXXXXX,
# removed on success. A source tree configured in place is copied and distcleaned first (automake
# refuses a second, out-of-tree build of it), as tests/sanitize.sh does.
# Notes:
#  - Each source file is analysed once: the helpers' shared sources are compiled twice (for
#    newuidmap and newgidmap), and clang-tidy 14 fed both commands for one file reports false
#    "uninitialized va_list" findings on the second run.
#  - cppcheck is told that noreturn means __attribute__((noreturn)): it does not read
#    <stdnoreturn.h>, and would otherwise follow die() as if it returned.
# Needs: clang-tidy (clang-tidy-14), cppcheck (2.10), bear, python3. Last line of output:
# "static analysis: N clang-tidy findings, N cppcheck findings in N files".
set -euo pipefail

srcdir=$(cd "$(dirname "$0")/.." && pwd)
log() { echo "static-analysis.sh: $*"; }

for t in clang-tidy cppcheck bear python3 make; do
	command -v "$t" >/dev/null 2>&1 || { log "$t is not installed (apt-get install clang-tidy cppcheck bear)" >&2; exit 2; }
done
[ -x "$srcdir/configure" ] || { log "no configure script: run ./autogen.sh first" >&2; exit 2; }

if [ $# -gt 0 ]; then
	builddir=$1
	mkdir -p "$builddir"
	keep=1
else
	builddir=$(mktemp -d /tmp/newidmap-sa.XXXXXX)
	keep=
fi
builddir=$(cd "$builddir" && pwd)
case "$builddir/" in "$srcdir"/*)
	log "BUILDDIR must be outside the source tree ($srcdir)" >&2
	exit 2
	;;
esac

src=$srcdir
if [ -f "$srcdir/config.status" ]; then
	log "the source tree is configured in place; analysing a distcleaned copy in $builddir/src"
	rm -rf "$builddir/src"
	mkdir "$builddir/src"
	(cd "$srcdir" && tar --exclude=./.git -cf - .) | (cd "$builddir/src" && tar -xf -)
	make -C "$builddir/src" distclean >/dev/null
	src=$builddir/src
fi

mkdir -p "$builddir/build"
cd "$builddir/build"
log "configure and build under bear in $PWD"
"$src/configure" -q
make clean >/dev/null 2>&1 || true
if ! bear --output compile_commands.all.json -- make -j"${JOBS:-2}" >make.log 2>&1; then
	tail -n 30 make.log
	log "FAIL: the build failed"
	exit 1
fi

# One entry per source file of lib/, subid/, newidmap/ and pam/ (the first command seen for it).
python3 - "$src" compile_commands.all.json compile_commands.json files.txt cppcheck-args.txt <<'EOF'
import json, shlex, sys
src, inp, outp, files, cargs = sys.argv[1:]
seen, out = set(), []
for e in json.load(open(inp)):
    f = e["file"]
    rel = f[len(src) + 1:] if f.startswith(src + "/") else None
    if not rel or not rel.endswith(".c") or rel.split("/")[0] not in ("lib", "subid", "newidmap", "pam"):
        continue
    if f in seen:
        continue
    seen.add(f)
    out.append(e)
json.dump(out, open(outp, "w"), indent=1)
with open(files, "w") as fl, open(cargs, "w") as ca:
    for e in out:
        a = e.get("arguments") or shlex.split(e["command"])
        d = e["directory"]
        absp = lambda p: p if p.startswith("/") else d + "/" + p
        flags, i = [], 1
        while i < len(a):
            x = a[i]
            if x in ("-include", "-I", "-D", "-U") and i + 1 < len(a):
                v = a[i + 1]
                i += 2
                if x == "-include":
                    flags.append("--include=" + absp(v))
                elif x == "-I":
                    flags.append("-I" + absp(v))
                else:
                    flags.append(x + v)
                continue
            if x.startswith(("-D", "-U")):
                flags.append(x)
            elif x.startswith("-I"):
                flags.append("-I" + absp(x[2:]))
            i += 1
        fl.write(e["file"] + "\n")
        # One line per file: the file, a tab, its cppcheck flags (NUL-free, tab-free).
        ca.write(e["file"] + "\t" + "\x1f".join(flags) + "\n")
EOF
nfiles=$(wc -l <files.txt)
[ "$nfiles" -gt 0 ] || { log "FAIL: no source file of lib/, subid/, newidmap/ or pam/ was compiled"; exit 1; }
log "$nfiles files"

# ---- clang-tidy --------------------------------------------------------------------------------
log "clang-tidy ($(clang-tidy --version | sed -n 's/.*version \([0-9.]*\).*/\1/p' | head -n 1)), config $src/.clang-tidy"
: >clang-tidy.log
xargs -P"${JOBS:-2}" -n 1 clang-tidy -p . --quiet --config-file="$src/.clang-tidy" <files.txt \
	>clang-tidy.log 2>clang-tidy.err || true
# Findings: "file:line:col: warning|error: message [check]", once each (headers repeat).
grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error): ' clang-tidy.log | sort -u >clang-tidy.findings || true
tidy_n=$(wc -l <clang-tidy.findings)
# A file clang-tidy could not compile is a failure too (its findings would be missing).
if grep -q 'clang-diagnostic-error' clang-tidy.findings; then
	log "clang-tidy could not compile some files (clang-diagnostic-error above)"
fi

# ---- cppcheck ----------------------------------------------------------------------------------
log "$(cppcheck --version), suppressions $src/tests/cppcheck-suppressions.xml"
: >cppcheck.findings
while IFS=$'\t' read -r f flagstr; do
	IFS=$'\x1f' read -r -a flags <<<"$flagstr"
	cppcheck "${flags[@]}" '-Dnoreturn=__attribute__((noreturn))' \
		--enable=warning,style,performance,portability --inconclusive --library=posix --std=c11 \
		--inline-suppr --suppress-xml="$src/tests/cppcheck-suppressions.xml" --suppress=missingIncludeSystem \
		-q --template='{file}:{line}:{column}: {severity}: {message} [{id}]' "$f" 2>>cppcheck.findings || true
done <cppcheck-args.txt
sort -u -o cppcheck.findings cppcheck.findings
cpp_n=$(grep -c . cppcheck.findings || true)

# ---- summary -----------------------------------------------------------------------------------
# Paths relative to the source tree, so that they read the same from a copy.
if [ "$tidy_n" != 0 ]; then
	echo "--- clang-tidy findings (details in $PWD/clang-tidy.log)"
	sed "s#^$src/##" clang-tidy.findings
fi
if [ "$cpp_n" != 0 ]; then
	echo "--- cppcheck findings"
	sed "s#^$src/##" cppcheck.findings
fi
echo "static analysis: $tidy_n clang-tidy findings, $cpp_n cppcheck findings in $nfiles files"
if [ "$tidy_n" != 0 ] || [ "$cpp_n" != 0 ]; then
	log "FAIL; logs in $PWD"
	exit 1
fi
[ -n "$keep" ] || rm -rf "$builddir"
exit 0
