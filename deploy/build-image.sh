#!/bin/sh
# Builds the release image (deploy/Dockerfile.release) from a prebuilt
# static dojo binary, pulling nothing: the build context is the binary, the
# build machine's CA certificates and an empty /tmp of mode 1777.
#
#   deploy/build-image.sh BINARY TAG [VERSION]
#
# `make image` runs it with bin/dojo. REVISION (default: git rev-parse
# HEAD) and CA_CERTS (default /etc/ssl/certs/ca-certificates.crt) may be
# set in the environment.
set -eu
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
	echo "usage: $0 BINARY TAG [VERSION]" >&2
	exit 2
fi
bin=$1
tag=$2
version=${3:-dev}
here=$(cd "$(dirname "$0")" && pwd)
certs=${CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}
revision=${REVISION:-$(git -C "$here" rev-parse HEAD 2>/dev/null || echo unknown)}
if [ ! -x "$bin" ]; then
	echo "$0: $bin is not an executable (build it with make build)" >&2
	exit 2
fi
if [ ! -s "$certs" ]; then
	echo "$0: no CA certificates at $certs (Debian: apt-get install ca-certificates; or set CA_CERTS)" >&2
	exit 2
fi
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
cp "$bin" "$ctx/dojo"
cp "$here/Dockerfile.release" "$ctx/Dockerfile"
mkdir -p "$ctx/rootfs/etc/ssl/certs" "$ctx/rootfs/tmp"
cp "$certs" "$ctx/rootfs/etc/ssl/certs/ca-certificates.crt"
chmod 1777 "$ctx/rootfs/tmp"
docker build --build-arg "VERSION=$version" --build-arg "REVISION=$revision" -t "$tag" "$ctx"
