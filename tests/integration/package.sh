#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian packaging, end to end: build the .debs from a clean copy of the release tree with
# upstream's packaging/debian (cp -r packaging/debian . && dpkg-buildpackage -us -uc -b), lint
# them, install them with dpkg -i into a throw-away view of the system and check what a packager
# promises: each helper carries exactly its one file capability and mode 0755, subid-check runs,
# the PAM module sits in the multiarch security directory with a pam-auth-update profile that is
# off by default, uidmap is replaced and not diverted, the postinst explains a failed setcap
# instead of falling back to setuid, and dpkg -r / dpkg -P leave nothing behind.
#
# The throw-away view: a private mount namespace with overlayfs on /usr, /etc and /var whose
# upper layers live on a tmpfs. dpkg, its maintainer scripts and pam-auth-update write there only;
# the host's /usr/bin, /etc/pam.d and dpkg database are never touched.
#
# Needs root, dpkg-dev and debhelper (SKIP otherwise); lintian is run when installed.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/fixtures.sh
. "$(dirname "$0")/../lib/fixtures.sh"

if ! in_private_ns; then
	need_root "mount namespace, dpkg -i"
	need_tools dpkg-buildpackage dh dpkg dpkg-deb dpkg-query dpkg-divert getcap setpriv unshare mount make
	[ -f "$abs_top_builddir/Makefile" ] || bail_out "$abs_top_builddir has no Makefile (run ./configure)"
fi
enter_private_ns "$@"

B=$abs_top_builddir
VERSION=${PACKAGE_VERSION:?}
DEBVER="$VERSION-1"
# The package build must not inherit our make's flags, jobserver or TESTS= override.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8

check() { # check WHAT CMD...: ok if CMD succeeds
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}
# names_version TEXT PROG VERSION: TEXT is "PROG ... VERSION" (newidmap's helpers print
# "PROG (newidmap) VERSION").
names_version() { [[ $1 == "$2 "*"$3" && $1 == *" $3" ]]; }
check_not() { # check_not WHAT CMD...: ok if CMD fails (its output is not wanted)
	local what=$1
	shift
	if "$@" >/dev/null 2>&1; then fail "$what"; else pass "$what"; fi
}

scratch_tmpfs
tmp=$T_DIR
log=$tmp/log
mkdir "$log"
showlog() { sed 's/^/    | /' "$1" | tail -n "${2:-15}"; }

# ---------------------------------------------------------------------------------------------
# 1. Build from the release tree (what make dist packs), with upstream's packaging.

src=$tmp/build/newidmap-$VERSION
mkdir -p "$tmp/build"
if ! make -s -C "$B" distdir distdir="$src" >"$log/distdir" 2>&1; then
	fail "make distdir (the release tree)" "failed"
	showlog "$log/distdir"
	finish
fi
for f in NEWS docs/packaging.md packaging/debian/control packaging/debian/rules \
	packaging/rpm/newidmap.spec completion/subid-check.bash; do
	check "the release tree has $f" test -s "$src/$f"
done
cp -r "$src/packaging/debian" "$src/debian"
start=$SECONDS
if (cd "$src" && DEB_BUILD_OPTIONS="parallel=$(nproc)" dpkg-buildpackage -us -uc -b) >"$log/build" 2>&1; then
	pass "dpkg-buildpackage -us -uc -b ($((SECONDS - start)) s)"
else
	fail "dpkg-buildpackage -us -uc -b" "failed"
	showlog "$log/build" 40
	finish
fi
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
deb_main=$tmp/build/newidmap_${DEBVER}_$arch.deb
deb_pam=$tmp/build/libpam-newidmap_${DEBVER}_$arch.deb
check "newidmap_${DEBVER}_$arch.deb built" test -s "$deb_main"
check "libpam-newidmap_${DEBVER}_$arch.deb built" test -s "$deb_pam"
# dh_auto_test ran the unit tests, and only them (see packaging/debian/rules).
if grep -q '^PASS: tests/unit/' "$log/build" && ! grep -q '^[A-Z]*: tests/integration/' "$log/build"; then
	pass "the package build ran the unit tests and no integration test"
else
	fail "the package build's test run: $(grep -E '^(PASS|FAIL|SKIP|ERROR): ' "$log/build" | paste -sd ' ')"
fi

if command -v lintian >/dev/null 2>&1; then
	if lintian --fail-on error,warning "$tmp/build/newidmap_${DEBVER}_$arch.changes" >"$log/lintian" 2>&1; then
		pass "lintian: no error or warning"
	else
		fail "lintian reports errors or warnings"
		showlog "$log/lintian" 30
	fi
else
	skip_some "lintian is not installed"
fi

# The package content: the helpers plain 0755 (capabilities come from the postinst), nothing
# setuid anywhere, the PAM module in the multiarch security directory.
dpkg-deb -c "$deb_main" >"$log/content-main"
dpkg-deb -c "$deb_pam" >"$log/content-pam"
for f in usr/bin/newuidmap usr/bin/newgidmap usr/bin/subid-check usr/sbin/subid-alloc; do
	check "the .deb ships /$f as -rwxr-xr-x root/root" grep -Eq "^-rwxr-xr-x root/root .* \./$f\$" "$log/content-main"
done
check_not "no setuid or setgid file in the .debs" grep -Eq '^-..[sS]|^-.....[sS]' "$log/content-main" "$log/content-pam"
check "libpam-newidmap ships /usr/lib/$multiarch/security/pam_subid.so" \
	grep -q "\./usr/lib/$multiarch/security/pam_subid.so\$" "$log/content-pam"
check_not "no libtool archive in the .debs" grep -q '\.la$' "$log/content-main" "$log/content-pam"

# ---------------------------------------------------------------------------------------------
# 2. The throw-away system: overlays on /usr, /etc and /var.

for d in usr etc var; do
	mkdir -p "$tmp/lower/$d" "$tmp/upper/$d" "$tmp/work/$d"
	mount --rbind "/$d" "$tmp/lower/$d"
	mount -t overlay "newidmap-pkg-$d" \
		-o "lowerdir=$tmp/lower/$d,upperdir=$tmp/upper/$d,workdir=$tmp/work/$d" "/$d"
done
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

status() { dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | tr -d ' ' || true; }
had_uidmap=
[ "$(status uidmap)" = ii ] && had_uidmap=1
diversions_before=$(dpkg-divert --list | sort)

if dpkg -i "$deb_main" "$deb_pam" >"$log/install" 2>&1; then
	pass "dpkg -i newidmap libpam-newidmap"
else
	fail "dpkg -i" "failed"
	showlog "$log/install" 30
fi
check "newidmap is installed" test "$(status newidmap)" = ii
check "libpam-newidmap is installed" test "$(status libpam-newidmap)" = ii
check_not "the postinst printed no error" grep -q 'newidmap: ERROR' "$log/install"
if [ -n "$had_uidmap" ]; then
	# Conflicts + Replaces: dpkg removes uidmap in favour of newidmap; Provides keeps its
	# dependents satisfied.
	check "uidmap was removed in favour of newidmap" test "$(status uidmap)" != ii
	check "uidmap's getsubids went with it" test ! -e /usr/bin/getsubids
else
	skip_some "the replacement of uidmap: uidmap is not installed on this host"
fi
check "no diversion was added" test "$(dpkg-divert --list | sort)" = "$diversions_before"

for p in newuidmap:cap_setuid newgidmap:cap_setgid; do
	bin=${p%%:*} cap=${p#*:}
	got=$(getcap "/usr/bin/$bin" | awk '{print $2}')
	check "/usr/bin/$bin carries exactly $cap=ep (getcap: '$got')" test "$got" = "$cap=ep"
	check "/usr/bin/$bin is mode 0755 root:root" test "$(stat -c '%a %U:%G' "/usr/bin/$bin")" = "755 root:root"
	v=$("/usr/bin/$bin" --version 2>&1) || true
	check "$bin --version prints '$bin (newidmap) $VERSION' (got '$v')" test "$v" = "$bin (newidmap) $VERSION"
done
for f in /usr/bin/subid-check /usr/sbin/subid-alloc; do
	check "$f carries no capability" test -z "$(getcap "$f")"
	check "$f is mode 0755" test "$(stat -c %a "$f")" = 755
	v=$("$f" --version 2>&1) || true
	check "${f##*/} --version names the program and version $VERSION (got '$v')" \
		names_version "$v" "${f##*/}" "$VERSION"
done

# subid-check runs on the installed system and sees our helpers and their capabilities.
rc=0
/usr/bin/subid-check --no-probe --json >"$log/check.json" 2>"$log/check.err" </dev/null || rc=$?
check "subid-check --no-probe ran (exit $rc: 0, 1 or 2, not 3)" test "$rc" -le 2
if command -v python3 >/dev/null 2>&1; then
	verdicts=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for c in d["checks"]:
    if c["id"] in ("helpers.newuidmap.privilege", "helpers.newgidmap.privilege"):
        print(c["id"], c["verdict"], c["observed"])
' "$log/check.json" 2>&1) || true
	check "subid-check passes both installed helpers' privilege: ${verdicts//$'\n'/; }" \
		test "$(printf '%s\n' "$verdicts" | grep -c ' pass /usr/bin/new[ug]idmap ')" = 2
fi
check "subid-check's bash completion is installed" test -s /usr/share/bash-completion/completions/subid-check
for m in man1/newuidmap.1 man1/newgidmap.1 man8/subid-check.8 man8/subid-alloc.8 man8/pam_subid.8; do
	check "man page $m.gz is installed" test -s "/usr/share/man/$m.gz"
done

# PAM: the module where libpam looks, the profile present and not enabled.
check "pam_subid.so is in /usr/lib/$multiarch/security" test -f "/usr/lib/$multiarch/security/pam_subid.so"
profile=/usr/share/pam-configs/newidmap
check "the pam-auth-update profile exists" test -f "$profile"
check "the profile says Default: no" grep -qx 'Default: no' "$profile"
check_not "pam_subid is not in /etc/pam.d/common-session* after install" grep -qs pam_subid /etc/pam.d/common-session /etc/pam.d/common-session-noninteractive
if command -v pam-auth-update >/dev/null 2>&1; then
	pam-auth-update --enable newidmap >"$log/pam-enable" 2>&1 || true
	check "pam-auth-update --enable newidmap puts pam_subid in common-session" \
		grep -Eq '^session[[:space:]]+optional[[:space:]]+pam_subid\.so' /etc/pam.d/common-session
fi

# ---------------------------------------------------------------------------------------------
# 3. No CAP_SETFCAP (an unprivileged container build): the postinst cannot apply the capability;
#    it must say why and how to fix it, configure anyway, and never fall back to setuid.

if setpriv --bounding-set -setfcap --inh-caps -setfcap -- dpkg -i "$deb_main" >"$log/nocap" 2>&1; then
	pass "dpkg -i without CAP_SETFCAP still configures"
else
	fail "dpkg -i without CAP_SETFCAP" "failed"
	showlog "$log/nocap"
fi
check "newidmap is installed after the failed setcap" test "$(status newidmap)" = ii
check "the postinst says newuidmap will not work" grep -q 'newidmap: ERROR: could not give /usr/bin/newuidmap its file capability' "$log/nocap"
check "the postinst gives the setcap command" grep -q 'setcap cap_setuid=ep /usr/bin/newuidmap' "$log/nocap"
check "the postinst names the newgidmap failure too" grep -q 'setcap cap_setgid=ep /usr/bin/newgidmap' "$log/nocap"
check "no setuid fallback: newuidmap is 0755" test "$(stat -c %a /usr/bin/newuidmap)" = 755
check "newuidmap carries no capability" test -z "$(getcap /usr/bin/newuidmap)"
if command -v dpkg-reconfigure >/dev/null 2>&1; then
	dpkg-reconfigure newidmap >"$log/reconf" 2>&1 || true
	check "dpkg-reconfigure newidmap (the advised fix) applies cap_setuid=ep" \
		test "$(getcap /usr/bin/newuidmap | awk '{print $2}')" = cap_setuid=ep
fi

# ---------------------------------------------------------------------------------------------
# 4. dpkg -r, then dpkg -P: nothing left behind.

dpkg-deb -c "$deb_main" >"$log/files"
dpkg-deb -c "$deb_pam" >>"$log/files"
# --force-depends: on a host where a package depends on uidmap (buildah, rootlesskit), our
# Provides satisfied it; removing the provider is what we test, not what apt would do next.
if dpkg --force-depends -r libpam-newidmap newidmap >"$log/remove" 2>&1; then
	pass "dpkg -r libpam-newidmap newidmap"
else
	fail "dpkg -r" "failed"
	showlog "$log/remove"
fi
left=$(awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6 }' "$log/files" | while IFS= read -r f; do
	if [ -e "$f" ] || [ -L "$f" ]; then echo "$f"; fi
done)
check "dpkg -r removed every file of both packages${left:+ (left: ${left//$'\n'/ })}" test -z "$left"
check_not "the prerm took pam_subid out of /etc/pam.d/common-*" grep -qs pam_subid /etc/pam.d/common-auth /etc/pam.d/common-account /etc/pam.d/common-password /etc/pam.d/common-session /etc/pam.d/common-session-noninteractive
if dpkg --force-depends -P libpam-newidmap newidmap >"$log/purge" 2>&1; then
	pass "dpkg -P libpam-newidmap newidmap"
else
	fail "dpkg -P" "failed"
	showlog "$log/purge"
fi
for p in newidmap libpam-newidmap; do
	check_not "$p is gone from the dpkg database" dpkg-query -W "$p"
	check_not "no /var/lib/dpkg/info/$p.* file is left" compgen -G "/var/lib/dpkg/info/$p.*"
done
check "no diversion is left" test "$(dpkg-divert --list | sort)" = "$diversions_before"
check_not "no stat override names our files" grep -Eqs '/usr/(s?bin/(new[ug]idmap|subid-)|lib/.*/pam_subid)' /var/lib/dpkg/statoverride

# What the overlays caught: under /usr only directories and whiteouts (uidmap's removal) may
# remain; under /etc only files pam-auth-update rewrote with their original content; under /var
# nothing named after us, outside dpkg's log, the -old backups of dpkg and debconf and man-db's
# cache.
stray=$(find "$tmp/upper/usr" ! -type d ! -type c -printf '/usr/%P\n')
check "nothing of ours is left under /usr${stray:+ (left: ${stray//$'\n'/ })}" test -z "$stray"
stray=$(cd "$tmp/upper/etc" && find . ! -type d ! -type c -printf '%P\n' | while IFS= read -r f; do
	cmp -s "$f" "$tmp/lower/etc/$f" || echo "/etc/$f"
done)
check "nothing is left changed under /etc${stray:+ (changed: ${stray//$'\n'/ })}" test -z "$stray"
stray=$(cd "$tmp/upper/var" && find . ! -type d ! -type c -printf '%P\n' |
	grep -Ev '^(log/dpkg\.log|log/apt/|lib/dpkg/(status-old|available-old|diversions-old|statoverride-old)$|cache/debconf/[^/]*-old$|cache/man/)' |
	while IFS= read -r f; do
		if [[ $f == *newidmap* ]] || grep -qs -e newidmap -e pam_subid "$f"; then echo "/var/$f"; fi
	done)
check "nothing under /var names newidmap${stray:+ (left: ${stray//$'\n'/ })}" test -z "$stray"

finish
