#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# subid-alloc --directory over TLS against a real slapd listening on loopback (ldaps:// and
# ldap:// + StartTLS) with a certificate from a throw-away CA (openssl, in $T_DIR):
#   - the right CA: allocation over ldaps:// and over StartTLS, with a simple bind;
#   - another CA, or a certificate for another host name: refused before any bind, nothing
#     written, even with LDAPTLS_REQCERT=never and an ldap.conf saying the same in the
#     environment (LDAPNOINIT: libldap's own configuration is never read);
#   - StartTLS to a server without TLS: refused, never plaintext instead.
# shellcheck source=tests/lib/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib/lib.sh"
# shellcheck source=tests/lib/pam-lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib/pam-lib.sh"
# shellcheck source=tests/lib/ldap-lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib/ldap-lib.sh"
need_tools openssl python3

A=$HELPER
P=$T_DIR/pki
mkdir -p "$P"
# ca NAME: a self-signed CA; cert NAME CA SAN: a server certificate signed by CA.
ca() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=newidmap test $1" \
		-keyout "$P/$1.key" -out "$P/$1.pem" >/dev/null 2>&1
}
cert() {
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$1" -keyout "$P/$1.key" -out "$P/$1.csr" >/dev/null 2>&1
	printf 'subjectAltName=%s\n' "$3" >"$P/$1.ext"
	openssl x509 -req -in "$P/$1.csr" -CA "$P/$2.pem" -CAkey "$P/$2.key" -CAcreateserial -days 2 \
		-extfile "$P/$1.ext" -out "$P/$1.pem" >/dev/null 2>&1
}
ca goodca
ca rogueca
cert server goodca "IP:127.0.0.1,DNS:localhost"
cert elsewhere goodca "DNS:ldap.elsewhere.invalid"
chmod 0644 "$P"/*.pem
chmod 0600 "$P"/*.key
for f in goodca.pem rogueca.pem server.pem elsewhere.pem; do
	[ -s "$P/$f" ] || bail_out "openssl did not make $f"
done

# Two free loopback ports.
read -r PS PT < <(python3 -c '
import socket
a, b = socket.socket(), socket.socket()
a.bind(("127.0.0.1", 0)); b.bind(("127.0.0.1", 0))
print(a.getsockname()[1], b.getsockname()[1])')

LDAP_TLS_CERT=$P/server.pem LDAP_TLS_KEY=$P/server.key LDAP_LISTEN="ldaps://127.0.0.1:$PS ldap://127.0.0.1:$PT" ldap_start tls
ldap_tree
ldap_users nidt 6 750000
nslcd_here "$LDAP_URI"
printf '%s\n' "$LDAP_ADMIN_PW" >"$T_DIR/pw"
chmod 0600 "$T_DIR/pw"
BIND=(bind simple bind_dn "cn=admin,$LDAP_SUFFIX" password_file "$T_DIR/pw")
put_file /etc/subuid ''
put_file /etc/subgid ''

# ok WHAT USER: allocated (exit 0) and the line is there.
ok() {
	run "$A" --directory "$2"
	check_rc "$1" 0
	if grep -q "^$2:2147" /etc/subuid; then
		pass "$1: the range is in /etc/subuid"
	else
		fail "$1: the range is in /etc/subuid" "$(paste -sd ' ' /etc/subuid)"
	fi
}
# refused WHAT USER PATTERN [ENV...]: exit 1, PATTERN in stderr, nothing written, no entry.
refused() {
	local what=$1 user=$2 pat=$3
	shift 3
	files_snap
	run env "$@" "$A" --directory "$user"
	check_rc "$what" 1
	check_err "$what" "$pat"
	files_unchanged "$what"
	if ! dir_entries | grep -q "^$user "; then
		pass "$what: no entry was added"
	else
		fail "$what: no entry was added" "$(dir_entries | grep "^$user ")"
	fi
}

DIR_URI="ldaps://127.0.0.1:$PS" dir_conf "${BIND[@]}" ca_file "$P/goodca.pem"
ok "ldaps://, the server's CA" nidt1
DIR_URI="ldap://127.0.0.1:$PT" dir_conf tls starttls "${BIND[@]}" ca_file "$P/goodca.pem"
ok "ldap:// + StartTLS, the server's CA" nidt2

DIR_URI="ldaps://127.0.0.1:$PS" dir_conf "${BIND[@]}" ca_file "$P/rogueca.pem"
refused "ldaps://, another CA" nidt3 "Can't contact LDAP server"
DIR_URI="ldap://127.0.0.1:$PT" dir_conf tls starttls "${BIND[@]}" ca_file "$P/rogueca.pem"
refused "ldap:// + StartTLS, another CA" nidt3 "StartTLS failed (plaintext is never used instead)"
# libldap's own knobs in the environment would turn the check off; they are never read.
printf 'TLS_REQCERT never\nTLS_CACERT %s\n' "$P/rogueca.pem" >"$T_DIR/ldap.conf"
DIR_URI="ldaps://127.0.0.1:$PS" dir_conf "${BIND[@]}" ca_file "$P/rogueca.pem"
refused "ldaps://, another CA, LDAPTLS_REQCERT=never and LDAPCONF in the environment" nidt3 "Can't contact LDAP server" \
	LDAPTLS_REQCERT=never LDAPCONF="$T_DIR/ldap.conf" LDAPRC="$T_DIR/ldap.conf"

# The CA file decides which server is believed: one that others can write is refused, before any
# connection (failed before: the good CA in a group-writable file was used).
cp "$P/goodca.pem" "$T_DIR/ca-gw.pem"
chmod 664 "$T_DIR/ca-gw.pem"
DIR_URI="ldaps://127.0.0.1:$PS" dir_conf "${BIND[@]}" ca_file "$T_DIR/ca-gw.pem"
refused "ldaps://, a group-writable CA file" nidt3 "is not a regular file owned by root that only root can write"
# An empty password file would be an unauthenticated bind (RFC 4513 5.1.2): refused.
: >"$T_DIR/pw-empty"
chmod 0600 "$T_DIR/pw-empty"
DIR_URI="ldaps://127.0.0.1:$PS" dir_conf bind simple bind_dn "cn=admin,$LDAP_SUFFIX" password_file "$T_DIR/pw-empty" \
	ca_file "$P/goodca.pem"
refused "an empty password file" nidt3 "is empty (its first line is the password)"
# A referral under the sub-id base (a subtree delegated to another server, whose entries would
# never be seen): the search is refused, not taken as complete (failed before: allocated).
ladd -M >/dev/null <<EOF
dn: cn=delegated,$LDAP_SUBIDS_BASE
objectClass: referral
objectClass: extensibleObject
cn: delegated
ref: ldap://ldap.elsewhere.invalid/cn=delegated,$LDAP_SUBIDS_BASE
EOF
DIR_URI="ldaps://127.0.0.1:$PS" dir_conf "${BIND[@]}" ca_file "$P/goodca.pem"
refused "a referral under the sub-id base" nidt3 "returned a referral to another server, which is not followed"
ldelete -M "cn=delegated,$LDAP_SUBIDS_BASE"

# The server's certificate for another host name (same CA).
lmodify >/dev/null <<EOF
dn: cn=config
changetype: modify
replace: olcTLSCertificateFile
olcTLSCertificateFile: $P/elsewhere.pem
-
replace: olcTLSCertificateKeyFile
olcTLSCertificateKeyFile: $P/elsewhere.key
EOF
subj=$(openssl s_client -connect "127.0.0.1:$PS" </dev/null 2>/dev/null | openssl x509 -noout -ext subjectAltName 2>/dev/null | tr -d ' \n')
if [[ $subj == *"DNS:ldap.elsewhere.invalid"* ]]; then
	pass "the server now presents the certificate for ldap.elsewhere.invalid (signed by the same CA)"
else
	fail "the server now presents the certificate for ldap.elsewhere.invalid" "it presents: $subj"
fi
DIR_URI="ldaps://127.0.0.1:$PS" dir_conf "${BIND[@]}" ca_file "$P/goodca.pem"
refused "ldaps://, a certificate for another host name" nidt4 "Can't contact LDAP server"

# StartTLS to a server that has no TLS at all.
ldap_stop tls
LDAP_LISTEN="ldap://127.0.0.1:$PT" LDAP_TLS_CERT='' ldap_start notls
ldap_tree
ldap_users nidt 6 750000
sed -i "s|^uri .*|uri $LDAP_URI|" /etc/nslcd.conf
nslcd_start
DIR_URI="ldap://127.0.0.1:$PT" dir_conf tls starttls "${BIND[@]}" ca_file "$P/goodca.pem"
refused "ldap:// + StartTLS to a server without TLS" nidt5 "StartTLS failed (plaintext is never used instead)"

finish
