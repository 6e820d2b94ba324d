#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# dtls_decrypt.py on its own (no namespaces, no root): --self-test rewrites
# synthetic DTLS frames of every link type (Ethernet with a VLAN tag, Linux
# cooked v1 and v2, raw IP, BSD loopback) and IP version (IPv4 with options
# and with no UDP checksum, IPv6 with a destination options header) and
# checks the headers kept, the lengths and checksums redone, and tshark's
# verdict on the checksums; a call without its arguments is a usage error
# (status 2), and a file that is no capture an error (status 2), never a
# silent success.  The dtls_assoc_*.sh tests run it on real captures.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

require_cmd python3 tshark
tap_plan 3
lib_tmp >/dev/null

check "dtls_decrypt.py --self-test" python3 "$LIB_DIR/dtls_decrypt.py" --self-test

python3 "$LIB_DIR/dtls_decrypt.py" >/dev/null 2>&1
is "$?" 2 "dtls_decrypt.py without arguments: usage error, status 2"

echo "not a capture" >"$LIB_TMP/bad.pcap"
python3 "$LIB_DIR/dtls_decrypt.py" "$LIB_TMP/bad.pcap" /dev/null "$LIB_TMP/out.pcap" 2>"$LIB_TMP/err"
rc=$?
[ "$rc" = 2 ] && grep -q "not a pcap file" "$LIB_TMP/err"
ok $? "dtls_decrypt.py on a file that is no capture: status 2 ($rc), says so" "$(cat "$LIB_TMP/err")"
