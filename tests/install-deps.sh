#!/bin/sh
# Install what building and testing newidmap needs on Debian 12 (run as root). One list, used by
# the README's commands and by CI.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends \
	build-essential autoconf automake libtool pkg-config \
	libcap-dev libcap2-bin libaudit-dev libsubid-dev libpam0g-dev check pamtester \
	uidmap util-linux passwd login procps python3 strace valgrind shellcheck mandoc \
	python3-jsonschema fuse-overlayfs fuse3 slirp4netns \
	debhelper lintian fakeroot clang libclang-rt-14-dev cppcheck clang-tidy bear \
	podman runc conmon crun busybox-static catatonit
