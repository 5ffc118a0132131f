#!/bin/sh
# Install what building and testing newidmap needs on Debian 12 (run as root). One list, used by
# the README's commands and by CI.
set -eu
export DEBIAN_FRONTEND=noninteractive
# The daemons among these (docker.io's dockerd and containerd, lxc's lxc-net, slapd, nslcd) must
# not start on the test machine: the tests run their own, as throw-away users or on private
# sockets, in private namespaces. A
# policy-rc.d that exits 101 makes every postinst skip "invoke-rc.d start"; ours is removed again
# afterwards (one that was there already is left alone).
policy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
	policy=/usr/sbin/policy-rc.d
	printf '#!/bin/sh\n# newidmap tests/install-deps.sh: start no service during the install\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	trap 'rm -f "$policy"' EXIT
fi
apt-get update -q
apt-get install -y -q --no-install-recommends \
	build-essential autoconf automake libtool pkg-config \
	libcap-dev libcap2-bin libaudit-dev libsubid-dev libpam0g-dev check pamtester \
	uidmap util-linux passwd login procps python3 strace valgrind shellcheck mandoc \
	python3-jsonschema fuse-overlayfs fuse3 slirp4netns \
	debhelper lintian fakeroot clang libclang-rt-14-dev cppcheck clang-tidy bear \
	podman runc conmon crun busybox-static catatonit \
	docker.io containerd rootlesskit iptables lxc lxc-templates buildah binutils \
	libldap-dev slapd ldap-utils nslcd libnss-ldapd openssl
