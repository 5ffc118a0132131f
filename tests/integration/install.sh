#!/bin/bash
# make install applies exactly one file capability to each helper as root with no DESTDIR, fails
# loudly where the filesystem cannot hold capabilities, and with DESTDIR prints the setcap commands
# a packager must run (and applies nothing).
set -euo pipefail

pass=0 fail=0
ok() { echo "PASS: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (setcap, mounts)"; exit 77; }
command -v getcap >/dev/null || { echo "SKIP: getcap missing (libcap2-bin)"; exit 77; }
# euid 0 without the capability (fakeroot) cannot make a mount namespace: say so, do not fail.
unshare -m --propagation private true 2>/dev/null || { echo "SKIP: cannot create a mount namespace"; exit 77; }
if [ -z "${NEWIDMAP_IN_NS:-}" ]; then
	# A private mount namespace so that the ramfs below never shows on the host.
	exec env NEWIDMAP_IN_NS=1 unshare -m --propagation private "$BASH" "$0" "$@"
fi
B=${abs_top_builddir:?}
tmp=$(mktemp -d)
trap 'umount "$tmp/ramfs" 2>/dev/null || true; rm -rf "$tmp"' EXIT

# 1. As root, no DESTDIR: caps applied, exactly one each, mode 0755, no setuid bit.
prefix=$tmp/root
if make -s -C "$B" install-exec prefix="$prefix" >"$tmp/out1" 2>&1; then
	ok "make install-exec as root succeeds"
else
	bad "make install-exec as root failed: $(tail -3 "$tmp/out1")"
fi
for p in newuidmap:cap_setuid newgidmap:cap_setgid; do
	bin=${p%%:*} cap=${p#*:}
	got=$(getcap "$prefix/bin/$bin" | awk '{print $2}')
	[ "$got" = "$cap=ep" ] && ok "$bin carries exactly $cap=ep" || bad "$bin carries '$got', expected $cap=ep"
	mode=$(stat -c %a "$prefix/bin/$bin")
	[ "$mode" = 755 ] && ok "$bin mode 0755 (no setuid)" || bad "$bin mode $mode"
done

# --version names the program, the project and the configured version.
for bin in newuidmap newgidmap; do
	v=$("$prefix/bin/$bin" --version)
	[ "$v" = "$bin (newidmap) ${PACKAGE_VERSION:?}" ] && ok "$bin --version: $v" || bad "$bin --version printed '$v'"
done

# 2. A filesystem that cannot hold security xattrs (ramfs): the install fails and says why.
mkdir "$tmp/ramfs"
mount -t ramfs ramfs "$tmp/ramfs"
if make -s -C "$B" install-exec prefix="$tmp/ramfs" >"$tmp/out2" 2>&1; then
	bad "install onto ramfs succeeded though setcap cannot work there"
else
	ok "install onto ramfs fails"
fi
grep -q "ERROR: .*setcap cap_setuid=ep .*failed" "$tmp/out2" && ok "the failure names the setcap command" ||
	bad "no clear message: $(cat "$tmp/out2")"

# 3. DESTDIR (a package build): nothing applied, the exact commands printed.
dest=$tmp/dest
make -s -C "$B" install-exec DESTDIR="$dest" prefix=/usr >"$tmp/out3" 2>&1 || bad "DESTDIR install failed: $(cat "$tmp/out3")"
for p in newuidmap:cap_setuid newgidmap:cap_setgid; do
	bin=${p%%:*} cap=${p#*:}
	grep -qx "      setcap $cap=ep /usr/bin/$bin" <(sed 's#/usr/sbin/setcap#setcap#; s#/sbin/setcap#setcap#' "$tmp/out3") &&
		ok "DESTDIR install prints 'setcap $cap=ep /usr/bin/$bin'" || bad "DESTDIR output lacks the setcap line for $bin: $(cat "$tmp/out3")"
	[ -z "$(getcap "$dest/usr/bin/$bin")" ] && ok "DESTDIR $bin carries no capability" || bad "DESTDIR $bin has caps"
done

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
