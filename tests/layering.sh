#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The layering rule of HACKING.md, checked on the built objects: nothing in lib/ prints, logs,
# exits or keeps mutable global state. The library is linked into the privileged helpers and into
# pam_subid.so, which lives inside long-running threaded services: a hidden printf, exit() or
# static variable there is a bug in every program at once.
#
# Checked on lib/.libs/libcommon.a (the convenience archive every program links):
#   - no undefined reference to stdio output, syslog, exit or err(3) functions, nor to stdout or
#     stderr (spawn.o may call _exit: in the child it forks, never in the caller);
#   - no symbol in a writable data section (.data, .bss, COMMON): read-only tables (.rodata,
#     .data.rel.ro) are fine.
# TAP output, one line per rule and object.
set -u
lib=${abs_top_builddir:-.}/lib/.libs/libcommon.a
command -v nm >/dev/null 2>&1 || { echo "1..0 # SKIP nm (binutils) is not installed"; exit 0; }
[ -f "$lib" ] || { echo "1..0 # SKIP $lib is not built"; exit 0; }

forbidden='printf fprintf vprintf vfprintf dprintf vdprintf puts fputs putchar fputc putc perror
fwrite psignal syslog vsyslog openlog exit _exit _Exit quick_exit err errx verr verrx warn warnx
vwarn vwarnx error error_at_line __printf_chk __fprintf_chk __vfprintf_chk __vprintf_chk
__dprintf_chk __syslog_chk __vsyslog_chk stdout stderr'

n=0 failed=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && ar x "$lib") || { echo "1..0 # SKIP cannot unpack $lib"; exit 0; }
for o in "$tmp"/*.o; do
	name=$(basename "$o" .o)
	n=$((n + 1))
	bad=
	for sym in $(nm -u "$o" | awk '{ print $NF }'); do
		sym=${sym%%@*}
		for f in $forbidden; do
			# spawn.o: the forked child's _exit() when its set-up or exec fails; the
			# calling process itself never exits there.
			[ "$name" = spawn ] && [ "$sym" = _exit ] && continue
			[ "$sym" = "$f" ] && bad="$bad $sym"
		done
	done
	if [ -z "$bad" ]; then
		echo "ok $n - $name: no printing, logging or exit"
	else
		echo "not ok $n - $name: no printing, logging or exit: references$bad"
		failed=$((failed + 1))
	fi
	n=$((n + 1))
	# sysv format: name|value|class|type|size|line|section
	glob=$(nm --format=sysv "$o" | awk -F'|' 'NF >= 7 {
		gsub(/ /, "", $1); gsub(/ /, "", $7)
		if ($7 == ".data" || $7 == ".bss" || $7 ~ /^\.data\./ && $7 !~ /^\.data\.rel\.ro/ || $7 ~ /^\.bss\./ || $7 == "*COM*")
			printf " %s(%s)", $1, $7 }')
	if [ -z "$glob" ]; then
		echo "ok $n - $name: no mutable global or static data"
	else
		echo "not ok $n - $name: no mutable global or static data:$glob"
		failed=$((failed + 1))
	fi
done
echo "1..$n"
[ "$failed" = 0 ]
