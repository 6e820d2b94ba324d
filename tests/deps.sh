#!/bin/bash
# deps.sh check|install: the Debian packages pmark builds and tests with.
# `check` exits non-zero when something is missing; `install` apt-gets it.
set -u
PKGS="clang libclang-rt-14-dev llvm libbpf-dev bpftool libelf-dev zlib1g-dev libusrsctp-dev pkg-config
iproute2 tcpdump tshark nftables python3 util-linux procps passwd make gcc traceroute iputils-tracepath
libssl-dev openssl libpcap-dev"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done

case "${1:-check}" in
check)
	[ -z "$missing" ] && exit 0
	echo "missing:$missing"
	exit 1 ;;
install)
	[ -z "$missing" ] && { echo "deps: all installed"; exit 0; }
	if [ "$(id -u)" != 0 ]; then
		echo "deps: missing:$missing; run 'make deps' as root" >&2
		exit 1
	fi
	echo "deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	# tshark asks whether non-root users may capture; the answer does not matter here.
	echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
	apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing ;;
*)
	echo "usage: $0 check|install" >&2
	exit 2 ;;
esac
