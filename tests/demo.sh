#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# See the installed helpers work, as a rootless runtime uses them (the README's first command runs
# this after make install). As root, on the real system: this is a demonstration, not a test, and
# it changes the host on purpose, once:
#   - creates the user nidemo (useradd -m) if there is none;
#   - gives it the ranges 100000-165535 in /etc/subuid and /etc/subgid (usermod, under shadow's
#     locks) if it has no line there;
# then, as nidemo, with the PATH a login would have:
#   - shows which newuidmap/newgidmap a runtime finds, their version and their one file capability;
#   - runs util-linux `unshare --map-auto --map-root-user`, which execs newuidmap/newgidmap, and
#     prints the maps the kernel then shows;
#   - runs subid-check --quiet (only problems; exit 0 all passed, 2 warnings only).
# Exit status 0 when the maps were written and subid-check found no failure.
set -eu

DEMO_USER=${DEMO_USER:-nidemo}
say() { printf '\n== %s\n' "$*"; }

[ "$(id -u)" = 0 ] || { echo "demo.sh: run as root (it may create the user $DEMO_USER)" >&2; exit 1; }
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH

if ! id "$DEMO_USER" >/dev/null 2>&1; then
	say "creating the user $DEMO_USER"
	useradd -m "$DEMO_USER"
fi
if ! grep -qs "^$DEMO_USER:" /etc/subuid || ! grep -qs "^$DEMO_USER:" /etc/subgid; then
	say "giving $DEMO_USER the sub-ids 100000-165535"
	touch /etc/subuid /etc/subgid
	grep -qs "^$DEMO_USER:" /etc/subuid || usermod --add-subuids 100000-165535 "$DEMO_USER"
	grep -qs "^$DEMO_USER:" /etc/subgid || usermod --add-subgids 100000-165535 "$DEMO_USER"
fi
grep -H "^$DEMO_USER:" /etc/subuid /etc/subgid

say "the helpers a runtime finds in PATH"
for h in newuidmap newgidmap; do
	p=$(command -v "$h") || { echo "demo.sh: $h is not in PATH (run make install)" >&2; exit 1; }
	# Ours answers --version; shadow's helper does not.
	v=$("$p" --version 2>/dev/null) || v="not newidmap's $h"
	printf '%s: %s; %s\n' "$p" "$v" "$(getcap "$p" | sed 's/^[^ ]* //')"
done

say "unshare --map-auto --map-root-user, as $DEMO_USER"
runuser -u "$DEMO_USER" -- env PATH="$PATH" unshare --map-auto --map-root-user \
	sh -c 'id; echo "uid_map:"; cat /proc/self/uid_map; echo "gid_map:"; cat /proc/self/gid_map'

say "subid-check --quiet, as $DEMO_USER"
rc=0
runuser -u "$DEMO_USER" -- env PATH="$PATH" subid-check --quiet || rc=$?
case $rc in
0) echo "subid-check: every check passed" ;;
2) echo "subid-check: warnings only (exit 2): rootless containers work; the warnings say what to improve" ;;
*)
	echo "demo.sh: subid-check exited $rc (1: a check failed, 3: it could not run)" >&2
	exit 1
	;;
esac
