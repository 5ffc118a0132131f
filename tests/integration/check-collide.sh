#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# subid-check's collision checks, on real overlapping configurations:
#  - subids.sub{u,g}id.systemd_ranges: sub-id ranges in each of systemd's reserved ranges (dynamic
#    users, the container range, the foreign range), just outside them, and FreeIPA's pool above
#    2^31, which is no collision; the fix moves the range to one that avoids them all;
#  - subids.sub{u,g}id.directory_ranges: /etc/sssd/sssd.conf fixtures (the AD provider's default id
#    mapping range, an explicit ldap_idmap_range, min_id/max_id, a domain SSSD does not serve, an
#    unreadable file);
#  - subids.sub{u,g}id.overlap_source: two owners with overlapping ranges in an NSS subid source
#    (the mock plugin of nss.sh, loaded through the real libsubid), live.
# Every assertion reads the --json output.
# shellcheck source=tests/lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
need_built "$SUBID_CHECK"

# shellcheck source=tests/lib/json.sh
. "$(dirname "$0")/../lib/json.sh"
PY=$JSON_PY
SC="$BIN/subid-check"
cp "$SUBID_CHECK" "$SC"
chmod 755 "$SC"

# expect ID VERDICT [TEXT]...: the last run()'s --json output has exactly one result ID with
# VERDICT, and every TEXT is in its observed text or its fix (a warn must have a fix). A TEXT
# "fix-avoids" asserts that the range the fix adds lies outside every systemd range and every
# range given in $AVOID ("lo-hi lo-hi ...").
AVOID=""
expect() {
	local id=$1 verdict=$2 msg
	shift 2
	if msg=$(printf '%s' "$OUT" | AVOID="$AVOID" "$PY" -c '
import json, os, re, sys
cid, verdict, texts = sys.argv[1], sys.argv[2], sys.argv[3:]
doc = json.load(sys.stdin)
hits = [c for c in doc["checks"] if c["id"] == cid]
if len(hits) != 1:
    sys.exit("%d results with id %s" % (len(hits), cid))
c = hits[0]
if c["verdict"] != verdict:
    sys.exit("verdict %s: %s" % (c["verdict"], c["observed"]))
if verdict in ("warn", "fail") and not c["fix"]:
    sys.exit("a %s without a fix" % verdict)
both = (c["observed"] or "") + " | fix: " + (c["fix"] or "")
for t in texts:
    if t == "fix-avoids":
        m = re.search(r"--add-sub[ug]ids (\d+)-(\d+)", c["fix"] or "")
        if not m:
            sys.exit("the fix adds no range: %r" % c["fix"])
        lo, hi = int(m.group(1)), int(m.group(2))
        avoid = [(60001, 65519), (524288, 1879048191), (2147352576, 2147418111)]
        avoid += [tuple(map(int, r.split("-"))) for r in os.environ["AVOID"].split()]
        bad = [a for a in avoid if lo <= a[1] and a[0] <= hi]
        if bad or hi >= 2**31:
            sys.exit("the proposed range %d-%d collides with %s" % (lo, hi, bad or "2^31"))
    elif t not in both:
        sys.exit("lacks %r: %s" % (t, both))
' "$id" "$verdict" "$@" 2>&1); then
		pass "$WHAT: $id is $verdict${*:+ ($*)}"
	else
		fail "$WHAT: $id is $verdict" "$msg"
	fi
}

# root NAME SUBUID SUBGID: a sysroot tree with alice (1000:1000) and bob (1001:1001) and the two
# files; sets R.
root() {
	R="$T_DIR/fx/$1"
	mkdir -p "$R/etc/sssd"
	printf 'root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\nbob:x:1001:1001::/home/bob:/bin/sh\n' >"$R/etc/passwd"
	printf 'root:x:0:\nalice:x:1000:\nbob:x:1001:\n' >"$R/etc/group"
	printf '%s' "$2" >"$R/etc/subuid"
	printf '%s' "$3" >"$R/etc/subgid"
	chmod 644 "$R/etc/subuid" "$R/etc/subgid"
	WHAT=$1
}
sc() { run "$SC" --sysroot "$R" --user alice --no-probe --json; }

# ---------------------------------------------------------------------------------------------
# systemd's reserved ranges (docs/UIDS-GIDS.md)

root clear 'alice:100000:65536
' 'alice:100000:65536
'
sc
expect subids.subuid.systemd_ranges pass "1 uid range clear of systemd's reserved ranges"
expect subids.subgid.systemd_ranges pass

root container 'alice:524288:65536
' 'alice:100000:65536
'
sc
expect subids.subuid.systemd_ranges warn "alice's subuid range 524288-589823" \
	"systemd's container range 524288-1879048191" "--del-subuids 524288-589823" fix-avoids
expect subids.subgid.systemd_ranges pass

# The top of the container range, crossing its end.
root container_end 'alice:100000:65536
' 'alice:1879048000:65536
'
sc
expect subids.subgid.systemd_ranges warn "alice's subgid range 1879048000-1879113535" \
	"524288-1879048191" "--del-subgids 1879048000-1879113535" fix-avoids

# A systemd-homed user (uid in 60001-60513): still a warning, with systemd's own advice beside it.
root homed 'hana:524288:65536
' 'hana:524288:65536
'
printf 'hana:x:60123:60123::/home/hana:/bin/sh\n' >>"$R/etc/passwd"
printf 'hana:x:60123:\n' >>"$R/etc/group"
run "$SC" --sysroot "$R" --user hana --no-probe --json
expect subids.subuid.systemd_ranges warn "the user's uid is in systemd-homed's range" "systemd's own advice"

root dynamic 'alice:61184:4336
' 'alice:100000:65536
'
sc
expect subids.subuid.systemd_ranges warn "systemd's dynamic users range 61184-65519" fix-avoids

root foreign 'alice:2147352576:65536
' 'alice:100000:65536
'
sc
expect subids.subuid.systemd_ranges warn "systemd's foreign UID range 2147352576-2147418111" fix-avoids

# Just outside: the hole between the dynamic and the container range, and above the foreign one.
root gaps 'alice:65536:458752
' 'alice:2147418112:65536
'
sc
expect subids.subuid.systemd_ranges pass
expect subids.subgid.systemd_ranges pass

# FreeIPA's sub-id pool starts at 2^31: above every systemd range, no collision (the bounds check
# says what it says about ids above 2^31).
root ipa_pool 'alice:2147483648:65536
' 'alice:2147483648:65536
'
sc
expect subids.subuid.systemd_ranges pass
expect subids.subgid.systemd_ranges pass

# The proposal of other fixes avoids the reserved ranges too: bob, with no range, on a system
# whose files fill everything from 131072 to the container range.
root crowded "alice:131072:393216
" "alice:131072:393216
"
run "$SC" --sysroot "$R" --user bob --no-probe --json
WHAT="crowded, bob without ranges"
expect subids.subuid.entries fail "usermod --add-subuids 1879048192-1879113727" fix-avoids

# ---------------------------------------------------------------------------------------------
# SSSD: /etc/sssd/sssd.conf

root sssd_ad 'alice:165536:65536
' 'alice:100000:65536
'
printf '[sssd]\nservices = nss, pam\ndomains = ad.example.com\n\n[domain/ad.example.com]\nid_provider = ad\n' \
	>"$R/etc/sssd/sssd.conf"
sc
AVOID="200000-2000199999"
expect subids.subuid.directory_ranges warn "alice's subuid range 165536-231071" \
	"SSSD domain ad.example.com's id mapping range 200000-2000199999" "--del-subuids 165536-231071" fix-avoids
expect subids.subgid.directory_ranges pass "1 id range of the 1 domain SSSD serves"
AVOID=""

root sssd_ad_nomap 'alice:165536:65536
' 'alice:100000:65536
'
printf '[sssd]\ndomains = ad.example.com\n[domain/ad.example.com]\nid_provider = ad\nldap_id_mapping = False\n' \
	>"$R/etc/sssd/sssd.conf"
sc
expect subids.subuid.directory_ranges pass "0 id ranges of the 1 domain SSSD serves"

root sssd_ldap 'alice:100000:65536
' 'alice:300000:65536
'
# An LDAP domain with its own mapping range, a FreeIPA domain with min_id/max_id, and one not in
# [sssd] domains (SSSD ignores it).
cat >"$R/etc/sssd/sssd.conf" <<'EOF'
[sssd]
domains = corp, ipa.example.com
; comment
[domain/corp]
id_provider = ldap
ldap_id_mapping = true
ldap_idmap_range_min = 350000
ldap_idmap_range_max = 400000

[domain/ipa.example.com]
id_provider = ipa
min_id = 1200000000
max_id = 1200199999

[domain/old]
id_provider = ad
EOF
sc
expect subids.subgid.directory_ranges warn "alice's subgid range 300000-365535" \
	"SSSD domain corp's id mapping range 350000-399999 (ldap_idmap_range_min/_max)" "--del-subgids 300000-365535"
expect subids.subuid.directory_ranges pass "2 id ranges of the 2 domains SSSD serves"
printf 'alice:1200100000:65536\n' >"$R/etc/subuid"
sc
expect subids.subuid.directory_ranges warn "SSSD domain ipa.example.com's id range 1200000000-1200199999 (min_id/max_id)"

# Unreadable for the caller: root-only, as SSSD installs it, read by alice herself.
root sssd_private 'alice:100000:65536
' 'alice:100000:65536
'
printf '[domain/x]\nid_provider = ad\n' >"$R/etc/sssd/sssd.conf"
chmod 600 "$R/etc/sssd/sssd.conf"
chmod 755 "$T_DIR/fx" "$R" "$R/etc" "$R/etc/sssd"
run run_as 1000 1000 "$SC" --sysroot "$R" --user alice --no-probe --json
expect subids.subuid.directory_ranges skip "readable by root only"

# ---------------------------------------------------------------------------------------------
# Another owner in the NSS subid source (live): the mock plugin with two owners, A at 300000 and
# B at 320000 (uids) / 420000 vs 400000 (gids): both overlap A's.

CC=${CC:-cc}
if ! command -v "$CC" >/dev/null 2>&1; then
	fail "NSS source" "no C compiler ($CC) to build the mock subid plugin"
	finish
fi
[ -f /usr/include/shadow/subid.h ] || skip "shadow/subid.h is missing (install libsubid-dev)"
LIBSUBID=$(ldconfig -p | awk '$1 == "libsubid.so.4" && !found { print $NF; found = 1 }')
[ -n "$LIBSUBID" ] || skip "libsubid.so.4 is not installed (libsubid4)"
LIBDIR=$(dirname "$(readlink -f "$LIBSUBID")")
MOCK="$abs_top_srcdir/tests/integration/mock_subid_plugin.c"
"$CC" -shared -fPIC -O2 -Wall -Werror -DMOCK_OWNER="\"$A_NAME\"" -DMOCK_ERROR_OWNER='"nidt-nobody"' \
	-DMOCK_OWNER2="\"$B_NAME\"" -o "$T_DIR/libsubid_zzcollide.so" "$MOCK"
"$CC" -shared -fPIC -O2 -Wall -Werror -DMOCK_OWNER="\"$A_NAME\"" -DMOCK_ERROR_OWNER='"nidt-nobody"' \
	-DMOCK_OWNER2="\"$B_NAME\"" -DMOCK_UID2_START=500000 -DMOCK_GID2_START=600000 \
	-o "$T_DIR/libsubid_zzapart.so" "$MOCK"
# B's 1000 uids strictly inside A's range, between the ids asked about by owner (300000, 327680,
# 365535): only listing the accounts' ranges finds them.
"$CC" -shared -fPIC -O2 -Wall -Werror -DMOCK_OWNER="\"$A_NAME\"" -DMOCK_ERROR_OWNER='"nidt-nobody"' \
	-DMOCK_OWNER2="\"$B_NAME\"" -DMOCK_UID2_START=310000 -DMOCK_COUNT2=1000 -DMOCK_GID2_START=600000 \
	-o "$T_DIR/libsubid_zzinside.so" "$MOCK"
# B's range owned, as the source answers "who owns this id", by uid 3999999, which no user
# database here resolves (and no account listing can find): only asking about ids finds it.
"$CC" -shared -fPIC -O2 -Wall -Werror -DMOCK_OWNER="\"$A_NAME\"" -DMOCK_ERROR_OWNER='"nidt-nobody"' \
	-DMOCK_OWNER2='"nidt-unlisted"' -DMOCK_OWNER2_UID=3999999 -o "$T_DIR/libsubid_zzunknown.so" "$MOCK"
mkdir "$T_DIR/lib-upper" "$T_DIR/lib-work"
mount -t overlay newidmap-lib -o "lowerdir=$LIBDIR,upperdir=$T_DIR/lib-upper,workdir=$T_DIR/lib-work" "$LIBDIR"
install -m 644 -o root -g root "$T_DIR/libsubid_zzcollide.so" "$T_DIR/libsubid_zzapart.so" \
	"$T_DIR/libsubid_zzinside.so" "$T_DIR/libsubid_zzunknown.so" "$LIBDIR/"
set_subuid ""
set_subgid ""
nss() {
	put_file /etc/nsswitch.conf "$(cat "$T_DIR/nsswitch.conf.orig")
subid: $1
"
}

nss zzcollide
run "$SC" --user "$A_NAME" --no-probe --json
WHAT="subid: zzcollide"
expect subids.subuid.entries pass "300000-365535"
expect subids.subuid.overlap_source warn "$A_NAME's subuid range 300000-365535 overlaps $B_NAME's range 320000-385535 in the subid source 'zzcollide'" \
	"have the directory give $A_NAME and $B_NAME disjoint ranges"
expect subids.subgid.overlap_source warn "$A_NAME's subgid range 400000-465535 overlaps $B_NAME's range 420000-485535"
# The files' overlap check cannot see these owners: it says so.
expect subids.subuid.overlap_users skip "cannot be listed"
# Seen from B: the same pair, the other way round.
run "$SC" --user "$B_NAME" --no-probe --json
WHAT="subid: zzcollide, as $B_NAME"
expect subids.subuid.overlap_source warn "$B_NAME's subuid range 320000-385535 overlaps $A_NAME's range 300000-365535"

nss zzapart
run "$SC" --user "$A_NAME" --no-probe --json
WHAT="subid: zzapart"
expect subids.subuid.overlap_source pass "subid source 'zzapart': no other owner"
expect subids.subgid.overlap_source pass

nss zzinside
run "$SC" --user "$A_NAME" --no-probe --json
WHAT="subid: zzinside"
expect subids.subuid.overlap_source warn "$A_NAME's subuid range 300000-365535 overlaps $B_NAME's range 310000-310999"
expect subids.subgid.overlap_source pass

nss zzunknown
run "$SC" --user "$A_NAME" --no-probe --json
WHAT="subid: zzunknown"
expect subids.subuid.overlap_source warn "uid 327680 of $A_NAME's subuid range 300000-365535 also belongs to uid 3999999 in the subid source 'zzunknown'"
expect subids.subgid.overlap_source warn "gid 458752 of $A_NAME's subgid range 400000-465535 also belongs to uid 3999999"

nss files
set_subuid "$A_NAME:100000:65536
"
set_subgid "$A_NAME:100000:65536
"
run "$SC" --user "$A_NAME" --no-probe --json
WHAT="subid: files"
expect subids.subuid.overlap_source skip "the subid source is the files"

finish
