#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# pmarkctl attach / status / detach over network namespaces: one program and
# one set of maps per pin root, attached to any number of devices in any
# namespace; attach is idempotent; detach leaves no filter and removes the
# clsact qdisc pmarkctl created; detach --all leaves no pins and no qdisc of
# pmarkctl's, while a clsact qdisc that was there before survives with its
# own filter.
#
#   NA: vc0 <-> vc1      (vc1 has a clsact qdisc with a foreign cBPF filter first)
#       vc"2 <-> vc3     (a name that JSON must escape)
#   NB: vc0 <-> vc1      (the same names in another namespace)
#   NC: vc0 <-> vc1      (deleted while attached)
# Checks are often `expect MSG eval '[[ ... ]]'`: single quotes on purpose.
# shellcheck disable=SC2016
set -u
. "$(dirname "$0")/lib.sh"

ctl_require
NA=pmctl-lcA-$$
NB=pmctl-lcB-$$
NC=pmctl-lcC-$$
for ns in "$NA" "$NB" "$NC"; do
	make_ns "$ns"
	make_veth "$ns" vc0 "$ns" vc1
done
use_pin_root "$PIN"
# A device whose name needs escaping in JSON (a quote is legal in a name).
QDEV='vc"2'
make_veth "$NA" "$QDEV" "$NA" vc3

# A foreign filter on a clsact qdisc of NA's vc1 and NB's vc1 before pmarkctl comes.
# (A classic-BPF filter: it needs cls_bpf only, which pmark needs anyway.)
FOREIGN="bpf 0x7 -"
for ns in "$NA" "$NB"; do
	if ! ip netns exec "$ns" tc qdisc add dev vc1 clsact ||
		! ip netns exec "$ns" tc filter add dev vc1 egress prio 7 handle 7 bpf bytecode '1,6 0 0 0,'; then
		skip_all "cannot add a classic BPF filter on a clsact qdisc"
	fi
done

# pmark_filters NS DEV: the prog ids of pmark's filters (handle 0x504d) on DEV's egress.
pmark_filters() {
	egress_filters "$1" "$2" | awk '$2 == "0x504d" { print $3 }'
}

# pmark_in_filters NS DEV: the same on DEV's ingress.
pmark_in_filters() {
	ingress_filters "$1" "$2" | awk '$2 == "0x504d" { print $3 }'
}

# ---- attach -------------------------------------------------------------
run ctl_in "$NA" attach vc0
expect "$(captured)" test "$RC" = 0
expect "stdout: $OUT" eval '[[ "$OUT" == "vc0: attached (prog "*", pins $PIN)" ]]'
point "attach vc0 inside ip netns exec names the requested pin root"

for p in "${PIN_NAMES[@]}"; do
	expect "missing pin $p" test -e "$PIN/$p"
done
point "the pins are at $PIN, seen from outside the namespace"

run ctl --json status
PROG_ID=$(jval 'd["prog_id"]' <<<"$OUT")
expect "status: $(captured)" test -n "$PROG_ID"
point "status --json from outside parses and names the program"

run pmark_filters "$NA" vc0
expect "pmark filters on vc0: '$OUT'" test "$OUT" = "$PROG_ID"
point "one filter on vc0 egress, running prog $PROG_ID"
PROG_IN_ID=$(ctl --json status | jval 'd["prog_in_id"]')
run pmark_in_filters "$NA" vc0
expect "pmark ingress filters on vc0: '$OUT', status prog_in_id '$PROG_IN_ID'" \
	test -n "$PROG_IN_ID" -a "$OUT" = "$PROG_IN_ID"
point "one filter on vc0 ingress, running the ingress prog"
check "pmarkctl created a clsact qdisc on vc0" has_clsact "$NA" vc0

# Map ids (pin inodes without bpftool), to show that later attaches share the maps.
map_ids() {
	local p
	for p in slots rings ports counters config frags devs quotes dtls; do
		if command -v bpftool >/dev/null 2>&1; then
			bpftool -j map show pinned "$PIN/$p" 2>/dev/null |
				"$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["id"])' 2>/dev/null
		else
			stat -c %i "$PIN/$p" 2>/dev/null
		fi
	done | tr '\n' ' '
}
MAPS=$(map_ids)

run ctl_in "$NA" attach vc0
expect "exit $RC" test "$RC" = 0
expect "stdout: $OUT" eval '[[ "$OUT" == "vc0: already attached (prog $PROG_ID"* ]]'
run ctl_in "$NA" --json attach vc0
expect "json: $(captured)" jtrue "d['already_attached'] is True and d['prog_id'] == $PROG_ID and d['device'] == 'vc0' and
d['pin_root'] == '$PIN'" <<<"$OUT"
point "attach vc0 twice: exit 0, 'already attached', JSON already_attached true"
run pmark_filters "$NA" vc0
expect "pmark filters: '$OUT'" test "$OUT" = "$PROG_ID"
point "still one filter on vc0, the same prog"

run ctl_in "$NA" --json attach vc1
expect "json: $(captured)" jtrue "d['prog_id'] == $PROG_ID and d['created_qdisc'] is False and d['already_attached'] is False" <<<"$OUT"
point "attach vc1 (clsact there already): the same prog, created_qdisc false"
run egress_filters "$NA" vc1
expect "filters on vc1: $OUT" test "$(sort <<<"$OUT")" = "$(printf '%s\n' "$FOREIGN" "bpf 0x504d $PROG_ID" | sort)"
point "vc1 has the foreign filter and pmark's"

run ctl_in "$NB" attach vc0
expect "vc0: $(captured)" test "$RC" = 0
run ctl_in "$NB" attach vc1
expect "vc1: $(captured)" test "$RC" = 0
point "attach vc0 and vc1 in a second namespace"
run pmark_filters "$NB" vc0
expect "pmark filters: '$OUT'" test "$OUT" = "$PROG_ID"
point "the second namespace runs the same prog"
run ctl_in "$NC" attach vc0
expect "$(captured)" test "$RC" = 0
point "attach vc0 in a third namespace"

n_pins=$(find "$PIN" -mindepth 1 | wc -l)
expect "$n_pins pins" test "$n_pins" = ${#PIN_NAMES[@]}
expect "no map ids: '$MAPS'" test "$(wc -w <<<"$MAPS")" = 9
expect "maps were '$MAPS', now '$(map_ids)'" test "$(map_ids)" = "$MAPS"
point "one set of maps: the same ${#PIN_NAMES[@]} pins, the same maps"

# ---- status -------------------------------------------------------------
run ctl status
expect "$(captured)" test "$RC" = 0
expect "not five attached devices" test "$(grep -c ' attached' <<<"$OUT")" = 5
expect "something NOT attached" eval '! grep -q "NOT attached" <<<"$OUT"'
point "status (text) lists five attached devices"
run ctl --json status
expect "$(captured)" jtrue "d['prog_id'] == $PROG_ID and d['loaded'] is True and len(d['devices']) == 5 and
all(x['attached'] is True for x in d['devices']) and
sorted((x['name'], x['created_qdisc']) for x in d['devices']) ==
  [('vc0', True), ('vc0', True), ('vc0', True), ('vc1', False), ('vc1', False)]" <<<"$OUT"
point "status --json: prog_id, five devices attached, created_qdisc right"
run ctl_in "$NA" status vc0
expect "$(captured)" test "$RC" = 0
expect "no 'vc0 ... attached' line" grep -q "vc0 .* attached" <<<"$OUT"
point "status vc0 inside its namespace: exit 0, attached"
run ctl_in "$NA" --json status vc0
expect "$(captured)" jtrue "len(d['devices']) == 1 and d['devices'][0]['name'] == 'vc0' and d['devices'][0]['attached'] is True" <<<"$OUT"
point "status --json vc0: one device, attached"
run ctl_in "$NA" status lo
expect "$(captured)" test "$RC" = 1
expect "no 'lo: not attached'" grep -q "lo: not attached" <<<"$OUT"
point "status of a device not attached exits 1"
run ctl_in "$NA" --json status lo
expect "$(captured)" test "$RC" = 1
expect "not attached false" jtrue "d['attached'] is False" <<<"$OUT"
point "status --json of a device not attached exits 1 with attached false"
run ctl_in "$NA" --json status "$QDEV"
expect "$(captured)" test "$RC" = 1
expect "not valid JSON with attached false: $OUT" jtrue "d['attached'] is False and d['name'] == '$QDEV'" <<<"$OUT"
point "status --json of a device named $QDEV (not attached): valid JSON"

# ---- detach one device ----------------------------------------------------
run ctl_in "$NA" detach vc0
expect "$(captured)" test "$RC" = 0
expect "no 'vc0: detached'" eval '[[ "$OUT" == "vc0: detached"* ]]'
point "detach vc0"
run egress_filters "$NA" vc0
expect "filters: $OUT" test -z "$OUT"
run ingress_filters "$NA" vc0
expect "ingress filters: $OUT" test -z "$OUT"
point "no filter left on vc0, egress or ingress"
expect "clsact qdisc still on vc0" eval '! has_clsact "$NA" vc0'
point "the clsact qdisc pmarkctl created on vc0 is gone"
run ctl_in "$NA" status vc0
expect "$(captured)" test "$RC" = 1
point "status vc0 after detach exits 1"
run ctl_in "$NA" status vc1
expect "$(captured)" test "$RC" = 0
run pmark_filters "$NA" vc1
expect "pmark filters on vc1: '$OUT'" test "$OUT" = "$PROG_ID"
point "vc1 stays attached"
run ctl_in "$NA" detach vc0
expect "$(captured)" test "$RC" = 0
expect "no 'not attached'" grep -q "not attached" <<<"$OUT"
point "detach vc0 again: exit 0, nothing to do"
check "the pins stay after detaching one device" test -e "$PIN/prog"

# ---- PMARK_PIN_ROOT ---------------------------------------------------------
run env PMARK_PIN_ROOT="$PIN" ip netns exec "$NA" "$PMARKCTL" attach vc0
expect "attach: $(captured)" test "$RC" = 0
run pmark_filters "$NA" vc0
expect "pmark filters: '$OUT'" test "$OUT" = "$PROG_ID"
point "PMARK_PIN_ROOT: attach vc0 again finds the loaded prog"
run env PMARK_PIN_ROOT="$PIN" "$PMARKCTL" --json status
expect "$(captured)" jtrue "d['prog_id'] == $PROG_ID and d['pin_root'] == '$PIN'" <<<"$OUT"
point "PMARK_PIN_ROOT: status --json sees the pin root"
run env PMARK_PIN_ROOT="$PIN-elsewhere" "$PMARKCTL" --pin-root "$PIN" status
expect "$(captured)" test "$RC" = 0
point "--pin-root wins over PMARK_PIN_ROOT"

# ---- a namespace that goes away -------------------------------------------
ip netns del "$NC"
run ctl --json status
expect "$(captured)" jtrue "[x['attached'] for x in d['devices']].count(None) == 1 and
[x['attached'] for x in d['devices']].count(True) == 4" <<<"$OUT"
point "status --json: the deleted namespace's device shows attached null"

# ---- detach --all -----------------------------------------------------------
run ctl detach --all
expect "$(captured)" test "$RC" = 0
expect "no 'detached from ... removed'" eval '[[ "$OUT" == "detached from "*" removed" ]]'
point "detach --all"
check "the pin root is gone" test ! -e "$PIN"
for ns in "$NA" "$NB"; do
	for dev in vc0 vc1; do
		expect "pmark filter on $dev in $ns" test -z "$(pmark_filters "$ns" "$dev")"
		expect "pmark ingress filter on $dev in $ns" test -z "$(pmark_in_filters "$ns" "$dev")"
	done
	expect "clsact qdisc on vc0 in $ns" eval '! has_clsact "$ns" vc0'
done
point "no pmark filter anywhere (egress or ingress), no clsact qdisc that pmarkctl created"
for ns in "$NA" "$NB"; do
	run egress_filters "$ns" vc1
	expect "no clsact qdisc" has_clsact "$ns" vc1
	expect "filters: '$OUT'" test "$OUT" = "$FOREIGN"
	point "the clsact qdisc that was there before survives on vc1 in $ns, with its filter"
done
run ctl detach --all
expect "$(captured)" test "$RC" = 0
expect "no 'nothing attached'" grep -q "nothing attached" <<<"$OUT"
point "detach --all again: exit 0, nothing attached"
run ctl status
expect "$(captured)" test "$RC" = 1
expect "no 'not attached' on stderr" grep -q "not attached" <<<"$ERR"
point "status after detach --all: exit 1, not attached"

tap_done
