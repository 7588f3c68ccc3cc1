#!/bin/sh
# Install the Debian packages cell needs to build, test and run.
# Idempotent: does nothing when every package is present. Uses sudo when
# not root. Run by `make deps`, and so by `make demo` and `make test`.
set -eu

packages="
build-essential pkg-config
libsodium-dev libgit2-dev libcjson-dev libseccomp-dev
libngtcp2-dev libngtcp2-crypto-gnutls-dev libgnutls28-dev libcurl4-gnutls-dev
bats bats-support bats-assert parallel
mandoc clang libclang-rt-14-dev iproute2 procps git jq
"

missing=""
for p in $packages; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done

[ -z "$missing" ] && exit 0

echo "deps: installing:$missing" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || {
		echo "deps: not root and no sudo; install:$missing" >&2
		exit 1
	}
	sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
