#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Differential: subid-alloc against shadow 4.20's own useradd on the same login.defs, uid by uid:
# the same verdict (a range or a refusal) and the same subuid and subgid ranges. Debian 12 ships
# shadow 4.13, so this needs a useradd built from shadow's 4.20 tag, given as SHADOW420_USERADD
# (SKIP otherwise), for instance:
#   git clone -b 4.20.2 https://github.com/shadow-maint/shadow && cd shadow && autoreconf -fi &&
#   ./configure --without-selinux --without-audit --disable-nls --without-libpam --without-libbsd \
#     --disable-man --disable-logind --enable-subordinate-ids && make -C lib && make -C src useradd
# (autoreconf needs libltdl-dev). shadow's useradd runs with --prefix on a throw-away tree, so it
# never touches /etc; subid-alloc runs with --root on another, for a live user of the same uid
# made in the private /etc overlay. Owners are compared by range only (the names differ).
# SUB_UID_STORE_BY_UID is left out: shadow 4.20.2's useradd fails with it ("failed to prepare the
# new /etc/subuid entry": it looks the new user up in NSS before its passwd line is written).
# The one documented difference: the slot that holds 4294967295 (uid UID_MIN + 65534 with the
# uid-mode defaults), which shadow hands out and subid-alloc refuses.
# shellcheck source=tests/lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"

U420=${SHADOW420_USERADD:-}
[ -n "$U420" ] || skip "SHADOW420_USERADD is not set to a useradd built from shadow 4.20 (Debian 12 has 4.13)"
[ -x "$U420" ] || skip "SHADOW420_USERADD ($U420) is not executable"
ALLOC=$SUBID_ALLOC
[ -x "$ALLOC" ] || skip "subid-alloc is not built"
# Debian's useradd makes the live users; without the files it gives them no ranges.
rm -f /etc/subuid /etc/subgid

# tree DIR DEFS: a minimal root for useradd --prefix (and subid-alloc --root).
tree() {
	rm -rf "$1"
	mkdir -p "$1/etc"
	printf 'root:x:0:0:root:/root:/bin/bash\n' >"$1/etc/passwd"
	printf 'root:x:0:\n' >"$1/etc/group"
	printf 'root:*:19000:0:99999:7:::\n' >"$1/etc/shadow"
	printf 'root:*::\n' >"$1/etc/gshadow"
	chmod 600 "$1/etc/shadow" "$1/etc/gshadow"
	printf '%b' "$2" >"$1/etc/login.defs"
	: >"$1/etc/subuid"
	: >"$1/etc/subgid"
}

# same WHAT DEFS UID [KNOWN]: useradd -F -u UID in one tree, subid-alloc UID in the other; with
# KNOWN, shadow must give that range and subid-alloc must refuse.
same() {
	local what=$1 defs=$2 uid=$3 known=${4:-} name="nids$3" s o
	getent passwd "$uid" >/dev/null || useradd -M -N -u "$uid" -s /usr/sbin/nologin "$name" 2>/dev/null
	tree "$T_DIR/p" "$defs"
	tree "$T_DIR/r" "$defs"
	if "$U420" -P "$T_DIR/p" -F -M -N -u "$uid" -s /bin/false "$name" >/dev/null 2>"$T_DIR/e420"; then s=ok; else s=refused; fi
	s="$s $(cut -d: -f2- "$T_DIR/p/etc/subuid" "$T_DIR/p/etc/subgid" | paste -sd ' ')"
	if "$ALLOC" --root "$T_DIR/r" "$uid" >/dev/null 2>"$T_DIR/eours"; then o=ok; else o=refused; fi
	o="$o $(cut -d: -f2- "$T_DIR/r/etc/subuid" "$T_DIR/r/etc/subgid" | paste -sd ' ')"
	if [ -n "$known" ]; then
		if [ "$s" = "ok $known $known" ] && [ "$o" = "refused " ]; then
			pass "$what, uid $uid: the documented difference (shadow $known, subid-alloc refuses)"
		else
			fail "$what, uid $uid: the documented difference" "shadow '$s' ($(head -c 200 "$T_DIR/e420")), ours '$o' ($(head -c 200 "$T_DIR/eours"))"
		fi
	elif [ "$s" = "$o" ]; then
		pass "$what, uid $uid: the same ($s)"
	else
		fail "$what, uid $uid: the same" "shadow '$s' ($(head -c 200 "$T_DIR/e420")), ours '$o' ($(head -c 200 "$T_DIR/eours"))"
	fi
}

D='UID_MIN 1000\nUID_MAX 60000\nGID_MIN 1000\nGID_MAX 60000\nCREATE_HOME no\n'
DET="${D}SUB_UID_DETERMINISTIC yes\nSUB_GID_DETERMINISTIC yes\n"
DEB='SUB_UID_MIN 100000\nSUB_UID_MAX 600100000\nSUB_UID_COUNT 65536\nSUB_GID_MIN 100000\nSUB_GID_MAX 600100000\nSUB_GID_COUNT 65536\n'
WRAP='UNSAFE_SUB_UID_DETERMINISTIC_WRAP yes\nUNSAFE_SUB_GID_DETERMINISTIC_WRAP yes\n'
for u in 1000 1001 1100 9999 10154 10155; do same "Debian's numbers, deterministic" "$DET$DEB" "$u"; done
for u in 10154 10155 10156; do same "Debian's numbers, deterministic with the wrap" "$DET$WRAP$DEB" "$u"; done
for u in 1000 1001 50000 66533 66535; do same "deterministic, keys absent (shadow's defaults)" "$DET" "$u"; done
same "deterministic, keys absent" "$DET" 66534 "4294901760:65536"
for u in 1000 1001 1003; do
	same "the man page's wrap example" "$DET${WRAP}SUB_UID_MIN 100000\nSUB_UID_MAX 200000\nSUB_UID_COUNT 65536\nSUB_GID_MIN 100000\nSUB_GID_MAX 200000\nSUB_GID_COUNT 65536\n" "$u"
done
for u in 1002 1003 1004; do
	same "a count that does not divide the space, wrap" "$DET${WRAP}SUB_UID_MIN 1000000\nSUB_UID_MAX 1000024\nSUB_UID_COUNT 10\nSUB_GID_MIN 1000000\nSUB_GID_MAX 1000024\nSUB_GID_COUNT 10\n" "$u"
done
same "subuid deterministic, subgid first fit" "${D}SUB_UID_DETERMINISTIC yes\n$DEB" 1001
same "first fit" "$D$DEB" 1001
same "UID_MIN 1500" "UID_MIN 1500\nUID_MAX 60000\nSUB_UID_DETERMINISTIC yes\nSUB_GID_DETERMINISTIC yes\nSUB_UID_MIN 100000\nSUB_UID_MAX 600100000\nSUB_UID_COUNT 1000\nSUB_GID_MIN 100000\nSUB_GID_MAX 600100000\nSUB_GID_COUNT 1000\n" 1500
finish
