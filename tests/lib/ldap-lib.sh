# shellcheck shell=bash disable=SC2034 # the variables set here are for the tests that source it
# SPDX-License-Identifier: GPL-2.0-or-later
# A real directory for the tests of subid-alloc --directory and pam_subid source=directory,
# sourced after lib.sh (so inside its private mount namespace, /etc an overlay, $T_DIR a tmpfs):
#
#  - ldap_start NAME [nounique|consumer PROVIDER]: Debian's slapd, in the foreground (tracked in
#    BG_PIDS, so lib.sh's exit trap stops it), with its own cn=config made by slapadd -n0 and an
#    mdb database under $T_DIR/ldap/NAME, listening on a private ldapi:// socket only (no TCP
#    port); core, cosine, nis, inetorgperson and the project's docs/ldap/subid-schema.ldif;
#    slapo-unique on ipaOwner, ipaSubUidNumber and ipaSubGidNumber under the sub-id base, with
#    "serialize" (unless nounique); root (peer credentials over ldapi) manages everything. A
#    consumer is a read-only syncrepl replica of PROVIDER.
#    ldap_stop / ldap_restart NAME; ladd/lmodify/ldelete/lsearch talk to $LURI (default: the
#    last started) with SASL EXTERNAL;
#  - ldap_tree / ldap_users PREFIX N UID0: the suffix, ou=people, cn=accounts, cn=subids, and N
#    posixAccounts PREFIX1..PREFIXN with uids UID0+1..UID0+N; ldap_user NAME UID GID [CN] one more,
#    ldap_entry a sub-id entry by hand;
#  - nslcd_here URI: NSS (passwd, group) from the directory in the current namespace through a
#    real nslcd (libnss-ldapd): nslcd.conf and nsswitch.conf written into the overlay /etc, a tmpfs
#    on /run/nslcd, nslcd in the foreground (BG_PIDS);
#  - host_new H URI: a "host": a private mount namespace of its own, /etc an overlay (or a copy)
#    over the test's /etc, its own nslcd; on_host H CMD... runs CMD there (nsenter). Every host
#    talks to the same slapd;
#  - dir_conf [KEY VALUE]...: /etc/subid-directory.conf for the current namespace.
# Nothing here touches the host's /etc, /run or network: the sockets live in $T_DIR.

for tool in slapd slapadd ldapadd ldapsearch ldapmodify ldapdelete nslcd nsenter getent; do
	command -v "$tool" >/dev/null 2>&1 || skip "$tool is not installed (tests/install-deps.sh installs slapd, ldap-utils, nslcd)"
done
[ -d /usr/lib/ldap ] || skip "slapd's modules (/usr/lib/ldap) are missing"
getent passwd nslcd >/dev/null 2>&1 || skip "the nslcd user does not exist (is nslcd installed?)"

LDAP_SUFFIX=dc=nidtest,dc=example
LDAP_USERS_BASE=ou=people,$LDAP_SUFFIX
LDAP_SUBIDS_BASE=cn=subids,cn=accounts,$LDAP_SUFFIX
LDAP_SCHEMA=${abs_top_srcdir:-$(dirname "$0")/../..}/docs/ldap/subid-schema.ldif
LDAP_SCHEMA=$(cd "$(dirname "$LDAP_SCHEMA")" && pwd)/$(basename "$LDAP_SCHEMA")
LDAP_ROOT=$T_DIR/ldap
LDAP_EXTERNAL_DN=gidNumber=0+uidNumber=0,cn=peercred,cn=external,cn=auth
LDAP_ADMIN_PW=nidtest-secret # the rootdn's, for the simple-bind tests
mkdir -p "$LDAP_ROOT"
declare -A LDAP_PID=() HOST_PID=()

# ldap_uri NAME: the ldapi:// URI of NAME's socket.
ldap_uri() {
	printf 'ldapi://%s' "$(printf '%s' "$LDAP_ROOT/$1/ldapi" | sed 's/%/%25/g; s,/,%2F,g')"
}

# ldap_config NAME [nounique|consumer PROVIDER]: NAME's cn=config LDIF on stdout.
ldap_config() {
	local name=$1 mode=${2:-unique} provider=${3:-} d=$LDAP_ROOT/$1
	cat <<EOF
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: $d/slapd.pid
olcServerID: ${LDAP_SID:-1}
EOF
	if [ -n "${LDAP_TLS_CERT:-}" ]; then
		# TLS for ldaps:// and StartTLS (LDAP_LISTEN adds the TCP listeners on loopback).
		printf 'olcTLSCertificateFile: %s\nolcTLSCertificateKeyFile: %s\n' "$LDAP_TLS_CERT" "$LDAP_TLS_KEY"
	fi
	cat <<EOF

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb
olcModuleLoad: unique
olcModuleLoad: syncprov

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif
include: file:///etc/ldap/schema/cosine.ldif
include: file:///etc/ldap/schema/nis.ldif
include: file:///etc/ldap/schema/inetorgperson.ldif
include: file://$LDAP_SCHEMA

dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend
olcSizeLimit: unlimited

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcAccess: {0}to * by dn.exact=$LDAP_EXTERNAL_DN manage by * none

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcDbDirectory: $d/db
olcDbMaxSize: 1073741824
olcSuffix: $LDAP_SUFFIX
olcRootDN: cn=admin,$LDAP_SUFFIX
olcRootPW: $LDAP_ADMIN_PW
olcLimits: dn.exact=$LDAP_EXTERNAL_DN size=unlimited time=unlimited
olcDbIndex: objectClass eq
olcDbIndex: uid eq
olcDbIndex: entryCSN,entryUUID eq
olcDbIndex: ipaOwner eq,pres
olcDbIndex: ipaSubUidNumber eq,pres
olcDbIndex: ipaSubGidNumber eq,pres
olcAccess: {0}to * by dn.exact=$LDAP_EXTERNAL_DN manage by * read
EOF
	case $mode in
	consumer)
		# A read-only replica: refreshAndPersist from the provider over its ldapi socket,
		# as root (EXTERNAL); writes are refused (no updateref: clients must not be sent on).
		cat <<EOF
olcSyncrepl: rid=001 provider=$(ldap_uri "$provider") bindmethod=sasl saslmech=EXTERNAL
  searchbase="$LDAP_SUFFIX" type=refreshAndPersist retry="1 +" timeout=3
EOF
		;;
	*)
		cat <<EOF

dn: olcOverlay={0}syncprov,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcSyncProvConfig
olcOverlay: {0}syncprov
EOF
		;;
	esac
	if [ "$mode" = unique ]; then
		cat <<EOF

dn: olcOverlay={1}unique,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcUniqueConfig
olcOverlay: {1}unique
olcUniqueURI: serialize ldap:///$LDAP_SUBIDS_BASE?ipaOwner?sub
olcUniqueURI: serialize ldap:///$LDAP_SUBIDS_BASE?ipaSubUidNumber?sub
olcUniqueURI: serialize ldap:///$LDAP_SUBIDS_BASE?ipaSubGidNumber?sub
EOF
	fi
}

# ldap_run NAME: start slapd on NAME's existing configuration; waits for its socket.
ldap_run() {
	local name=$1 d=$LDAP_ROOT/$1 i
	rm -f "$d/ldapi"
	# Only the private socket, unless a test asks for loopback TCP listeners too (LDAP_LISTEN).
	slapd -d 0 -h "$(ldap_uri "$name")${LDAP_LISTEN:+ $LDAP_LISTEN}" -F "$d/config" >>"$d/slapd.log" 2>&1 &
	LDAP_PID[$name]=$!
	BG_PIDS+=("$!")
	for ((i = 0; i < 1000; i++)); do
		if [ -S "$d/ldapi" ] && ldapsearch -Q -Y EXTERNAL -H "$(ldap_uri "$name")" -s base -b "" -LLL 1.1 >/dev/null 2>&1; then
			chmod 0777 "$d/ldapi" # nslcd connects as the nslcd user
			return 0
		fi
		kill -0 "${LDAP_PID[$name]}" 2>/dev/null || break
		sleep 0.01
	done
	echo "slapd $name did not start: $(tail -5 "$d/slapd.log")" >&2
	return 1
}

# ldap_start NAME [nounique|consumer PROVIDER]: a new server (see the top). Sets LDAP_URI and LURI.
# LDAP_TLS_CERT/LDAP_TLS_KEY (PEM files) give it TLS; LDAP_LISTEN adds listeners (ldaps://, ldap://
# on 127.0.0.1).
ldap_start() {
	local name=$1 d=$LDAP_ROOT/$1
	mkdir -p "$d/config" "$d/db"
	ldap_config "$@" >"$d/config.ldif"
	slapadd -n0 -F "$d/config" -l "$d/config.ldif" >"$d/slapadd.log" 2>&1 || {
		cat "$d/slapadd.log" >&2
		return 1
	}
	ldap_run "$name"
	LDAP_URI=$(ldap_uri "$name")
	LURI=$LDAP_URI
}

# ldap_stop NAME: TERM, wait (mdb flushes), KILL after 10 s.
ldap_stop() {
	local pid=${LDAP_PID[$1]:-} i
	[ -n "$pid" ] || return 0
	# A slapd that died already left a pid another test may hold now (fixtures.sh: fx_ours).
	if ! fx_ours "$pid"; then
		LDAP_PID[$1]=
		return 0
	fi
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 1000; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.01
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	LDAP_PID[$1]=
}

# ldap_restart NAME
ldap_restart() {
	ldap_stop "$1"
	ldap_run "$1"
}

# shellcheck disable=SC2120 # the scripts pass options (-c, -e relax)
ladd() { ldapadd -Q -Y EXTERNAL -H "$LURI" "$@"; }
lmodify() { ldapmodify -Q -Y EXTERNAL -H "$LURI" "$@"; }
ldelete() { ldapdelete -Q -Y EXTERNAL -H "$LURI" "$@"; }
lsearch() { ldapsearch -Q -LLL -o ldif-wrap=no -Y EXTERNAL -H "$LURI" "$@"; }

# ldap_tree: the suffix, ou=people, cn=accounts and cn=subids (FreeIPA's place).
ldap_tree() {
	ladd >/dev/null <<EOF
dn: $LDAP_SUFFIX
objectClass: dcObject
objectClass: organization
dc: nidtest
o: nidtest

dn: $LDAP_USERS_BASE
objectClass: organizationalUnit
ou: people

dn: cn=accounts,$LDAP_SUFFIX
objectClass: organizationalRole
cn: accounts

dn: $LDAP_SUBIDS_BASE
objectClass: organizationalRole
cn: subids
EOF
}

# ldap_users PREFIX N UID0: posixAccounts PREFIX1..PREFIXN, uids UID0+1...
ldap_users() {
	local p=$1 n=$2 u0=$3 i
	for ((i = 1; i <= n; i++)); do
		printf 'dn: uid=%s%d,%s\nobjectClass: account\nobjectClass: posixAccount\nuid: %s%d\ncn: %s%d\nuidNumber: %d\ngidNumber: %d\nhomeDirectory: /nonexistent\nloginShell: /usr/sbin/nologin\n\n' \
			"$p" "$i" "$LDAP_USERS_BASE" "$p" "$i" "$p" "$i" $((u0 + i)) $((u0 + i))
	done | ladd >/dev/null
}

# ldap_user NAME UIDNUMBER GIDNUMBER [CN]: one posixAccount under the users' base, uid=NAME; with
# CN, its RDN is cn=CN instead (a second account with the same uid value).
ldap_user() {
	local rdn=uid=$1 cn=$1
	[ -z "${4:-}" ] || { rdn=cn=$4; cn=$4; }
	ladd >/dev/null <<EOF
dn: $rdn,$LDAP_USERS_BASE
objectClass: account
objectClass: posixAccount
uid: $1
cn: $cn
uidNumber: $2
gidNumber: $3
homeDirectory: /nonexistent
EOF
}

# ldap_entry RDN OWNER_DN UIDNUM UIDCOUNT GIDNUM GIDCOUNT: a sub-id entry added by hand.
ldap_entry() {
	ladd >/dev/null <<EOF
dn: ipaUniqueID=$1,$LDAP_SUBIDS_BASE
objectClass: ipaSubordinateIdEntry
objectClass: ipaSubordinateId
ipaUniqueID: $1
ipaOwner: $2
ipaSubUidNumber: $3
ipaSubUidCount: $4
ipaSubGidNumber: $5
ipaSubGidCount: $6
EOF
}

# dir_entries: "owner-uid start count gstart gcount" per sub-id entry, sorted by start.
dir_entries() {
	lsearch -b "$LDAP_SUBIDS_BASE" '(objectClass=ipaSubordinateId)' ipaOwner ipaSubUidNumber ipaSubUidCount \
		ipaSubGidNumber ipaSubGidCount |
		awk '/^dn:/ { if (o != "") print o, u, uc, g, gc; o = ""; u = uc = g = gc = "" }
		     /^ipaOwner:/ { split($2, a, ","); sub(/^uid=/, "", a[1]); o = a[1] }
		     /^ipaSubUidNumber:/ { u = $2 } /^ipaSubUidCount:/ { uc = $2 }
		     /^ipaSubGidNumber:/ { g = $2 } /^ipaSubGidCount:/ { gc = $2 }
		     END { if (o != "") print o, u, uc, g, gc }' | sort -k2,2n
}

# nslcd_here URI: NSS passwd/group through nslcd in the current mount namespace. /etc must be a
# private overlay or copy (lib.sh's, or a host's).
nslcd_here() {
	local uri=$1 i
	# Retry a restarted server after 1 s, not nslcd's default 10 s of failing fast; 16 threads
	# for the 64 simultaneous logins (the default 5 queue them).
	printf 'uid nslcd\ngid nslcd\nuri %s\nbase %s\nbase passwd %s\nreconnect_sleeptime 1\nreconnect_retrytime 1\nthreads 16\n' \
		"$uri" "$LDAP_SUFFIX" "$LDAP_USERS_BASE" >/etc/nslcd.conf
	chown root:nslcd /etc/nslcd.conf
	chmod 0640 /etc/nslcd.conf
	sed -i -E 's/^(passwd|group):.*/\1: files ldap/' /etc/nsswitch.conf
	mkdir -p /run/nslcd
	mount -t tmpfs -o mode=755 nidtest-nslcd /run/nslcd
	chown nslcd:nslcd /run/nslcd
	nslcd_start
}

# nslcd_start: (re)start this namespace's nslcd; a fresh one after a slapd restart has no broken
# connection to retry.
nslcd_start() {
	local i
	if [ -n "${NSLCD_PID:-}" ]; then
		kill "$NSLCD_PID" 2>/dev/null || true
		wait "$NSLCD_PID" 2>/dev/null || true
		rm -f /run/nslcd/socket
	fi
	nslcd -n >>"$LDAP_ROOT/nslcd.log" 2>&1 &
	NSLCD_PID=$!
	BG_PIDS+=("$NSLCD_PID") # lib.sh's exit trap stops it
	for ((i = 0; i < 500; i++)); do
		[ -S /run/nslcd/socket ] && return 0
		sleep 0.01
	done
	echo "nslcd did not start: $(tail -3 "$LDAP_ROOT/nslcd.log")" >&2
	return 1
}

# nss_wait USER: until NSS resolves USER again (nslcd reconnects to a restarted slapd), 10 s at most.
nss_wait() {
	local i
	for ((i = 0; i < 200; i++)); do
		getent passwd "$1" >/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# dir_conf KEY VALUE...: /etc/subid-directory.conf (root 0644) with uri and user_base of the last
# started server, then the given pairs.
dir_conf() {
	{
		printf 'uri %s\nuser_base %s\n' "${DIR_URI:-$LDAP_URI}" "$LDAP_USERS_BASE"
		while [ $# -ge 2 ]; do
			printf '%s %s\n' "$1" "$2"
			shift 2
		done
	} >/etc/subid-directory.conf
	chown root:root /etc/subid-directory.conf
	chmod 0644 /etc/subid-directory.conf
}

# host_new H URI: a host namespace: /etc an overlay over ours (a copy where overlays cannot
# stack), empty /etc/subuid and /etc/subgid, its own nslcd for URI. The holder process and its
# nslcd are in BG_PIDS.
host_new() {
	local h=$1 uri=$2 d=$T_DIR/hosts/$1 i
	mkdir -p "$d/up" "$d/wk" "$d/etc"
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare -m --propagation private -- bash -c '
		d=$1 uri=$2 root=$3
		if ! mount -t overlay "nidhost-$4" -o "lowerdir=/etc,upperdir=$d/up,workdir=$d/wk" /etc 2>/dev/null; then
			cp -a /etc/. "$d/etc/" && mount --bind "$d/etc" /etc
		fi
		. "$5"
		: >/etc/subuid; : >/etc/subgid
		chmod 644 /etc/subuid /etc/subgid
		nslcd_here "$uri" && echo "$NSLCD_PID" >"$d/nslcd.pid"
		echo ready >"$d/ready"
		exec sleep 100000
	' host "$d" "$uri" "$LDAP_ROOT" "$h" "$T_DIR/host-fns.sh" </dev/null >"$d/log" 2>&1 &
	HOST_PID[$h]=$!
	BG_PIDS+=("$!")
	for ((i = 0; i < 1000; i++)); do
		[ -e "$d/ready" ] && [ -s "$d/nslcd.pid" ] && break
		sleep 0.01
	done
	[ -s "$d/nslcd.pid" ] || { echo "host $h did not start: $(cat "$d/log")" >&2; return 1; }
	BG_PIDS+=("$(cat "$d/nslcd.pid")")
}

# host_put H PATH: copy our PATH (root 0644) to the same path on host H.
host_put() {
	# shellcheck disable=SC2094 # PATH is read here and written in H's namespace: two files
	on_host "$1" sh -c 'cat >"$1" && chown root:root "$1" && chmod 0644 "$1"' put "$2" <"$2"
}

# on_host H CMD...: CMD in host H's mount namespace.
on_host() {
	local h=$1
	shift
	nsenter --mount="/proc/${HOST_PID[$h]}/ns/mnt" -- "$@"
}

# The functions a host's setup shell needs (nslcd_here and its variables).
{
	declare -p LDAP_SUFFIX LDAP_USERS_BASE LDAP_ROOT
	declare -f nslcd_here nslcd_start
} >"$T_DIR/host-fns.sh"
