#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The built and the installed (make install DESTDIR=...) binaries are hardened, and the
# privileged ones link only what they need. Read from the ELF headers with readelf:
#   PIE             ET_DYN with DT_FLAGS_1 PIE (pam_subid.so: a shared object, ET_DYN, no PIE flag);
#   full RELRO      a PT_GNU_RELRO segment and BIND_NOW (DT_FLAGS BIND_NOW or DT_FLAGS_1 NOW);
#   stack protector __stack_chk_fail imported;
#   FORTIFY         at least one __*_chk function imported (every one of these programs formats
#                   or copies into fixed buffers, so a FORTIFY build always imports some);
#   NX stack        a PT_GNU_STACK segment without E;
#   no TEXTREL, no RPATH/RUNPATH (a run path in a capability binary is a library search path the
#                   packager did not choose);
#   DT_NEEDED       exactly:
#     newuidmap, newgidmap  libcap.so.2 libaudit.so.1 libc.so.6 (the capability, the audit record,
#                           libc; libsubid is dlopen()ed only for an NSS subid source: linking it
#                           would load it, and its own dependencies, into every run);
#     subid-check           libcap.so.2 libldap-2.5.so.0 liblber-2.5.so.0 libc.so.6 (reads file
#                           capabilities, and the directory source's entries; no privilege);
#     subid-alloc           libldap-2.5.so.0 liblber-2.5.so.0 libc.so.6 (root-run, rewrites
#                           /etc/subuid and /etc/subgid under shadow's locks; --directory talks
#                           to the LDAP directory through libldap, its one addition);
#     pam_subid.so          libpam.so.0 libc.so.6 (loaded into every process that opens a PAM
#                           session: it must bring in nothing else; it execs subid-alloc for the
#                           work, so it links neither libsubid nor libcap nor libaudit), and it
#                           exports only pam_sm_open_session and pam_sm_close_session.
# A build configured with --enable-sanitizers is not a production build: SKIP (its helpers link
# libasan/libubsan and use no FORTIFY by design; see tests/sanitize.sh).
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"

B=$abs_top_builddir
need_tools readelf
export LC_ALL=C

need_built "$B/newidmap/newuidmap"
if readelf -d "$B/newidmap/newuidmap" | grep -q 'NEEDED.*lib[aut]*san'; then
	skip "sanitizer build (--enable-sanitizers): hardening is checked in the regular build"
fi

# needed FILE: the DT_NEEDED sonames of FILE, sorted, space-separated.
needed() {
	readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' | sort | paste -sd ' '
}

# check_elf LABEL FILE KIND WANT-NEEDED: KIND is pie (an executable) or dso (a shared object).
check_elf() {
	local label=$1 f=$2 kind=$3 want=$4 hdr dyn phdr syms chk got exports
	if [ ! -f "$f" ]; then
		fail "$label" "$f does not exist"
		return 0
	fi
	hdr=$(readelf -hW "$f")
	dyn=$(readelf -dW "$f")
	phdr=$(readelf -lW "$f")
	syms=$(readelf --dyn-syms -W "$f")

	if ! grep -Eq '^ *Type: +DYN ' <<<"$hdr"; then
		fail "$label" "ELF type is not DYN: $(grep -E '^ *Type:' <<<"$hdr")"
	elif [ "$kind" = pie ]; then
		if grep -Eq '\(FLAGS_1\).*[[:space:]]PIE([[:space:]]|$)' <<<"$dyn"; then
			pass "$label: PIE (ET_DYN, DT_FLAGS_1 PIE)"
		else
			fail "$label" "ET_DYN but DT_FLAGS_1 has no PIE: $(grep 'FLAGS' <<<"$dyn" | paste -sd ' ')"
		fi
	else
		if grep -Eq '\(FLAGS_1\).*[[:space:]]PIE([[:space:]]|$)' <<<"$dyn"; then
			fail "$label" "a shared object flagged PIE"
		else
			pass "$label: shared object (ET_DYN)"
		fi
	fi

	if grep -q 'GNU_RELRO' <<<"$phdr" &&
		grep -Eq '\(FLAGS\).*BIND_NOW|\(FLAGS_1\).*[[:space:]]NOW([[:space:]]|$)' <<<"$dyn"; then
		pass "$label: full RELRO (GNU_RELRO segment, BIND_NOW)"
	else
		fail "$label" "not full RELRO: GNU_RELRO '$(grep -c GNU_RELRO <<<"$phdr")' segment(s), flags '$(grep FLAGS <<<"$dyn" | paste -sd ' ')'"
	fi

	if awk '$7 == "UND" { sub(/@.*/, "", $8); print $8 }' <<<"$syms" | grep -qx '__stack_chk_fail'; then
		pass "$label: stack protector (imports __stack_chk_fail)"
	else
		fail "$label" "no stack protector: __stack_chk_fail is not imported"
	fi

	chk=$(awk '$7 == "UND" { sub(/@.*/, "", $8); print $8 }' <<<"$syms" | grep -E '^__[a-z0-9_]+_chk$' |
		grep -vx '__stack_chk_fail' | sort -u | paste -sd ' ' || true)
	if [ -n "$chk" ]; then
		pass "$label: FORTIFY (imports $chk)"
	else
		fail "$label" "no FORTIFY: no __*_chk function is imported"
	fi

	if ! grep -q 'GNU_STACK' <<<"$phdr"; then
		fail "$label" "no GNU_STACK segment (the stack would be executable)"
	elif grep 'GNU_STACK' <<<"$phdr" | grep -Eq 'RWE|[[:space:]]E[[:space:]]'; then
		fail "$label" "executable stack: $(grep GNU_STACK <<<"$phdr")"
	else
		pass "$label: non-executable stack (GNU_STACK RW)"
	fi

	if grep -Eq '\(TEXTREL\)|\(FLAGS\).*TEXTREL' <<<"$dyn"; then
		fail "$label" "has text relocations"
	else
		pass "$label: no text relocations"
	fi
	if grep -Eq '\((RPATH|RUNPATH)\)' <<<"$dyn"; then
		fail "$label" "has a run path: $(grep -E 'RPATH|RUNPATH' <<<"$dyn")"
	else
		pass "$label: no RPATH/RUNPATH"
	fi

	got=$(needed "$f")
	want=$(tr ' ' '\n' <<<"$want" | sort | paste -sd ' ')
	if [ "$got" = "$want" ]; then
		pass "$label: links exactly $want"
	else
		fail "$label" "links '$got', expected exactly '$want'"
	fi

	if [ "$kind" = dso ]; then
		exports=$(awk '$7 != "UND" && $5 == "GLOBAL" && ($4 == "FUNC" || $4 == "OBJECT") { sub(/@.*/, "", $8); print $8 }' <<<"$syms" |
			sort -u | paste -sd ' ')
		if [ "$exports" = "pam_sm_close_session pam_sm_open_session" ]; then
			pass "$label: exports only pam_sm_open_session and pam_sm_close_session"
		else
			fail "$label" "exports '$exports'"
		fi
	fi
}

HELPERS_NEEDED="libcap.so.2 libaudit.so.1 libc.so.6"
# libldap's sonames as this build links them (Debian 12: libldap-2.5.so.0 liblber-2.5.so.0); the
# directory source lives in subid-alloc and subid-check only. (Word splitting of LDAP_NEEDED is meant.)
LDAP_NEEDED=$(readelf -d "$B/subid/alloc/subid-alloc" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(libl\(dap\|ber\)[^]]*\)\]$/\1/p')
# shellcheck disable=SC2086
ALLOC_NEEDED=$(printf '%s\n' libc.so.6 $LDAP_NEEDED | sort | paste -sd ' ')
# shellcheck disable=SC2086
CHECK_NEEDED=$(printf '%s\n' libcap.so.2 libc.so.6 $LDAP_NEEDED | sort | paste -sd ' ')

# check_tree WHERE BINDIR SBINDIR PAMDIR
check_tree() {
	local where=$1
	check_elf "$where newuidmap" "$2/newuidmap" pie "$HELPERS_NEEDED"
	check_elf "$where newgidmap" "$2/newgidmap" pie "$HELPERS_NEEDED"
	check_elf "$where subid-check" "$2/subid-check" pie "$CHECK_NEEDED"
	if [ -n "$3" ]; then
		check_elf "$where subid-alloc" "$3/subid-alloc" pie "$ALLOC_NEEDED"
	fi
	if [ -n "$4" ]; then
		check_elf "$where pam_subid.so" "$4/pam_subid.so" dso "libpam.so.0 libc.so.6"
	fi
}

# The tools that are part of this build (the PAM module and subid-alloc came later: check them
# whenever the Makefile builds them).
SBIN_BUILT="" PAM_BUILT=""
if grep -q '^sbin_PROGRAMS = .*subid-alloc' "$B/Makefile"; then
	SBIN_BUILT=$B/subid/alloc
fi
if grep -q '^secure_LTLIBRARIES = .*pam_subid' "$B/Makefile"; then
	PAM_BUILT=$B/pam/.libs
fi

# 1. The build tree.
tmp=$(mktemp -d)
at_exit 'rm -rf "$tmp"'
# The helpers live in newidmap/, subid-check in subid/check/: one directory of links for check_tree.
mkdir "$tmp/built"
ln -s "$B/newidmap/newuidmap" "$B/newidmap/newgidmap" "$B/subid/check/subid-check" "$tmp/built/"
check_tree built "$tmp/built" "$SBIN_BUILT" "$PAM_BUILT"

# 2. What make install puts on disk (a package build: DESTDIR, nothing applied).
dest=$tmp/dest
if make -s -C "$B" install DESTDIR="$dest" prefix=/usr >"$tmp/install.out" 2>&1; then
	pass "make install DESTDIR=... succeeds"
else
	fail "make install DESTDIR=..." "failed: $(tail -n 5 "$tmp/install.out")"
fi
SBIN_INST="" PAM_INST=""
[ -z "$SBIN_BUILT" ] || SBIN_INST=$dest/usr/sbin
if [ -n "$PAM_BUILT" ]; then
	PAM_INST=$(dirname "$(find "$dest" -name pam_subid.so -print -quit)")
	[ -n "$PAM_INST" ] && [ "$PAM_INST" != . ] || PAM_INST=$dest/usr/lib/security
fi
check_tree installed "$dest/usr/bin" "$SBIN_INST" "$PAM_INST"

finish
