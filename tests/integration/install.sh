#!/bin/bash
# make install applies exactly one file capability to each helper as root with no DESTDIR, fails
# loudly where the filesystem cannot hold capabilities, and with DESTDIR prints the setcap commands
# a packager must run (and applies nothing).
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/fixtures.sh
. "$(dirname "$0")/../lib/fixtures.sh"

need_root "setcap, mounts"
need_tools getcap make
need_built "$NEWUIDMAP" "$NEWGIDMAP"
# A private mount namespace so that the ramfs below never shows on the host.
enter_private_ns "$@"
B=$abs_top_builddir
tmp=$(mktemp -d)
at_exit 'umount "$tmp/ramfs" 2>/dev/null || true; rm -rf "$tmp"'

# 1. As root, no DESTDIR: caps applied, exactly one each, mode 0755, no setuid bit.
prefix=$tmp/root
if make -s -C "$B" install-exec prefix="$prefix" >"$tmp/out1" 2>&1; then
	pass "make install-exec as root succeeds"
else
	fail "make install-exec as root succeeds" "it failed: $(tail -3 "$tmp/out1")"
fi
for p in newuidmap:cap_setuid newgidmap:cap_setgid; do
	bin=${p%%:*} cap=${p#*:}
	got=$(getcap "$prefix/bin/$bin" | awk '{print $2}')
	check_true "$bin carries exactly $cap=ep" "it carries '$got'" [ "$got" = "$cap=ep" ]
	mode=$(stat -c %a "$prefix/bin/$bin")
	check_true "$bin mode 0755 (no setuid)" "mode $mode" [ "$mode" = 755 ]
done

# --version names the program, the project and the configured version.
for bin in newuidmap newgidmap; do
	v=$("$prefix/bin/$bin" --version)
	check_true "$bin --version: $bin (newidmap) ${PACKAGE_VERSION:?}" "it printed '$v'" [ "$v" = "$bin (newidmap) $PACKAGE_VERSION" ]
done

# 2. A filesystem that cannot hold security xattrs (ramfs): the install fails and says why.
mkdir "$tmp/ramfs"
mount -t ramfs ramfs "$tmp/ramfs"
if make -s -C "$B" install-exec prefix="$tmp/ramfs" >"$tmp/out2" 2>&1; then
	fail "install onto ramfs fails" "it succeeded though setcap cannot work there"
else
	pass "install onto ramfs fails"
fi
check_true "the failure names the setcap command" "no clear message: $(cat "$tmp/out2")" \
	grep -q "ERROR: .*setcap cap_setuid=ep .*failed" "$tmp/out2"

# 3. DESTDIR (a package build): nothing applied, the exact commands printed.
dest=$tmp/dest
if make -s -C "$B" install-exec DESTDIR="$dest" prefix=/usr >"$tmp/out3" 2>&1; then
	pass "DESTDIR install succeeds"
else
	fail "DESTDIR install succeeds" "$(cat "$tmp/out3")"
fi
for p in newuidmap:cap_setuid newgidmap:cap_setgid; do
	bin=${p%%:*} cap=${p#*:}
	grep -qx "      setcap $cap=ep /usr/bin/$bin" <(sed 's#/usr/sbin/setcap#setcap#; s#/sbin/setcap#setcap#' "$tmp/out3") &&
		pass "DESTDIR install prints 'setcap $cap=ep /usr/bin/$bin'" ||
		fail "DESTDIR install prints 'setcap $cap=ep /usr/bin/$bin'" "the output lacks it: $(cat "$tmp/out3")"
	caps=$(getcap "$dest/usr/bin/$bin")
	check_true "DESTDIR $bin carries no capability" "it has: $caps" [ -z "$caps" ]
done

finish
