#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# assoc_ipv6.sh over DTLS 1.2 (SCTP inside DTLS, as WebRTC): see
# dtls_lib_assoc.sh for what changes and the checks it adds.
PM_DTLS=1
# shellcheck source-path=SCRIPTDIR source=assoc_ipv6.sh
source "$(dirname "$0")/assoc_ipv6.sh"
