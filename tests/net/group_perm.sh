#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Writing records without privileges: `pmarkctl attach vs0 --group G` makes
# the record maps writable by group G.  A process with uid 4242 in group G
# and no capabilities at all can `pmarkctl set` a record (which then marks
# the datagram), while uid 4243 outside the group is refused with a
# "permission denied" message and writes nothing.  G is created by the test
# and deleted at exit; the uids need no passwd entry (setpriv).

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

PORT=5500
VTAG=0x9e9e0001
GROUP=pmg$$
UID_IN=4242
UID_OUT=4243

require_wire
require_cmd setpriv groupadd groupdel getent stat
getent group "$GROUP" >/dev/null && skip_all "group $GROUP already exists"
tap_plan 8

# unpriv UID GID[,GID...] CMD...: CMD as UID with only the given groups and
# no capabilities, effective, inheritable or bounding.
unpriv()
{
	local uid=$1 gids=$2
	shift 2
	setpriv --reuid "$uid" --regid "${gids%%,*}" --groups "$gids" --no-new-privs \
		--inh-caps=-all --bounding-set=-all "$@"
}

topo_setup || { tap_fail "topology"; exit; }
make_group "$GROUP" || { tap_fail "groupadd $GROUP"; exit; }
gid=$MADE_GID
check "attach to $S_IF in S with --group $GROUP" pmctl_ns "$NS_S" attach "$S_IF" --group "$GROUP"
check "register UDP port $PORT" pmctl ports add "$PORT"

read -r pgroup pmode < <(stat -c '%G %a' "$PIN/slots" 2>/dev/null)
if [ "${pgroup:-}" = "$GROUP" ] && (((0${pmode:-0} & 020) != 0)); then
	tap_ok "record map pinned group $GROUP, group-writable (mode $pmode)"
else
	tap_fail "record map pinned group $GROUP, group-writable" "$(ls -la "$PIN" 2>&1)"
fi

out=$(unpriv "$UID_IN" "$gid" "$PMARKCTL" --pin-root "$PIN" set --vtag "$VTAG" --tsn 600 \
	--ttl 11 2>&1)
ok $? "uid $UID_IN in $GROUP, no capabilities: pmarkctl set succeeds" "$out"

out=$(unpriv "$UID_IN" "$gid" "$PMARKCTL" --pin-root "$PIN" get --vtag "$VTAG" --tsn 600 2>&1)
[[ "$out" =~ ttl\ 11 ]]
ok $? "uid $UID_IN in $GROUP: pmarkctl get shows the record" "$out"

out=$(unpriv "$UID_OUT" "$UID_OUT" "$PMARKCTL" --pin-root "$PIN" set --vtag "$VTAG" --tsn 601 \
	--ttl 12 2>&1)
st=$?
if [ $st != 0 ] && grep -qi -e 'permission denied' -e 'not permitted' <<<"$out"; then
	tap_ok "uid $UID_OUT outside $GROUP: refused (status $st): $(head -1 <<<"$out")"
else
	tap_fail "uid $UID_OUT outside $GROUP: refused with a permission message" \
		"status $st" "$out"
fi

SCTP_PORTS=("$PORT")
stats_save
cap_start wire "$NS_R" "$R_IF_S" "udp and src host $S_ADDR4" || tap_fail "capture in R"
send_s --src-port "$PORT" --dst "$D_ADDR4" --dst-port "$PORT" --vtag "$VTAG" --tsn 600 --count 2
cap_stop wire 2
rows=$(pkt_fields "${CAP_FILE[wire]}" sctp sctp.data_tsn_raw ip.ttl)
is "$(tr '\n' ' ' <<<"$rows")" "600,11 601,64 " \
	"TSN 600 marked by the unprivileged record (TTL 11); TSN 601 has none (TTL 64)"
is "$(stat_delta marked)/$(stat_delta no_record)" "1/1" "stats: marked 1, no_record 1"
