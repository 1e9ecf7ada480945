#!/bin/sh
# Installs the build and test dependencies of vdn-cni from Debian's archive.
# Idempotent: packages already present are not fetched again, and apt-get update
# runs only when something is missing.
set -eu

PKGS="build-essential pkg-config
libnl-3-dev libnl-route-3-dev libmnl-dev libcjson-dev libcurl4-openssl-dev libyaml-dev
libcmocka-dev python3 python3-pytest iproute2 iputils-ping procps openssl
containernetworking-plugins valgrind clang
podman runc busybox-static python3-yaml man-db"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
