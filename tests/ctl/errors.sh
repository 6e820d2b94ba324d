#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# pmarkctl on bad input: every refusal exits non-zero, prints nothing on
# stdout and one line on stderr that starts with "pmarkctl: " (a usage error,
# exit 2, adds exactly "Try 'pmarkctl --help'."), and leaves the maps as they
# were: the same records, ports, rings and attachments.
# Checks are often `expect MSG eval '[[ ... ]]'`: single quotes on purpose.
# shellcheck disable=SC2016
set -u
. "$(dirname "$0")/lib.sh"

ctl_require
NS=pmctl-err-$$
PIN_NONE=/sys/fs/bpf/pmark-ctltest-$$-none   # never attached
NOT_BPFFS=$TMP/notbpf/pins                    # parent is not a bpf filesystem

make_ns "$NS"
make_veth "$NS" vc0 "$NS" vc1
use_pin_root "$PIN"
use_pin_root "$PIN_NONE"

run ctl_in "$NS" attach vc0
if [ "$RC" != 0 ]; then
	not_ok "attach vc0 (setup)" "$(captured)"
	tap_done
	exit 1
fi
ok "attach vc0 (setup)"
PROG_ID=$(egress_filters "$NS" vc0 | awk '$2 == "0x504d" { print $3 }')

# Some state that no refusal may change.
run ctl set --vtag 0x1234 --tsn 7 --ttl 9 --tos 0x20/0xfc
r1=$RC
run ctl set --vtag 99 --tsn 4294967295 --df clear --once
r2=$RC
run ctl ports add 5000 6000
check "records and ports to compare against (setup)" test "$r1$r2$RC" = 000

snapshot() {
	{
		ctl --json dump
		ctl --json ports list
		ctl --json status
	} 2>&1
}
BEFORE=$(snapshot)
check "the snapshot holds the two records" jtrue 'len(d) == 2' <<<"$(ctl --json dump)"

# refuse WANT_RC REGEX DESC CMD...: CMD fails as described and changes nothing.
refuse() {
	local want=$1 re=$2 desc=$3 why=() first
	shift 3
	run "$@"
	first=$(head -n1 <<<"$ERR")
	[ "$RC" = "$want" ] || why+=("exit $RC, want $want")
	[ -z "$OUT" ] || why+=("stdout not empty: $OUT")
	case "$want" in
	2)
		[ "$ERR_LINES" = 2 ] || why+=("$ERR_LINES lines on stderr, want 2")
		[ "$(sed -n 2p <<<"$ERR")" = "Try 'pmarkctl --help'." ] ||
			why+=("second line is not \"Try 'pmarkctl --help'.\"")
		;;
	*)
		[ "$ERR_LINES" = 1 ] || why+=("$ERR_LINES lines on stderr, want 1")
		;;
	esac
	[[ "$first" == "pmarkctl: "* ]] || why+=("stderr does not start with 'pmarkctl: '")
	grep -Eq -- "$re" <<<"$first" || why+=("stderr does not match /$re/")
	local after
	after=$(snapshot)
	[ "$after" = "$BEFORE" ] || why+=("state changed: before: $BEFORE" "after: $after")
	[ ${#why[@]} = 0 ] || why+=("command: $*" "$(captured)")
	verdict "$desc" "${why[@]}"
}

# ---- usage errors (exit 2) ----------------------------------------------
refuse 2 "unknown command 'frob'" "unknown command" ctl frob
refuse 2 "unknown option '--frob'" "unknown option" ctl --frob status
refuse 2 "--pin-root" "--pin-root without a value" "$PMARKCTL" --pin-root
refuse 2 "must be an absolute path" "relative --pin-root" "$PMARKCTL" --pin-root relative/dir status

refuse 2 "--ttl 0: must be 1..255" "set --ttl 0" ctl set --vtag 0x1234 --tsn 7 --ttl 0
refuse 2 "--ttl 256: must be 1..255" "set --ttl 256" ctl set --vtag 0x1234 --tsn 7 --ttl 256
refuse 2 "--ttl -1" "set --ttl -1" ctl set --vtag 0x1234 --tsn 7 --ttl -1
refuse 2 "--ttl abc" "set --ttl abc" ctl set --vtag 0x1234 --tsn 7 --ttl abc
refuse 2 "--tos 256: value must be 0..255" "set --tos 256" ctl set --vtag 0x1234 --tsn 7 --tos 256
refuse 2 "--tos 0x100" "set --tos 0x100" ctl set --vtag 0x1234 --tsn 7 --tos 0x100
refuse 2 "--tos 0x20/0: mask" "set --tos with mask 0" ctl set --vtag 0x1234 --tsn 7 --tos 0x20/0
refuse 2 "mask" "set --tos with mask 256" ctl set --vtag 0x1234 --tsn 7 --tos 0x20/256
refuse 2 "mask" "set --tos with mask 'xyz'" ctl set --vtag 0x1234 --tsn 7 --tos 0x20/xyz
refuse 2 "mask" "set --tos with an empty mask" ctl set --vtag 0x1234 --tsn 7 --tos 0x20/
refuse 2 "outside the mask" "set --tos value outside its mask" ctl set --vtag 0x1234 --tsn 7 --tos 0x03/0xfc
refuse 2 "--vtag 12x: not a number" "set --vtag 12x" ctl set --vtag 12x --tsn 7 --ttl 5
refuse 2 "--tsn -1: not a number" "set --tsn -1" ctl set --vtag 0x1234 --tsn -1 --ttl 5
refuse 2 "--tsn 4294967296: not a number" "set --tsn 4294967296" ctl set --vtag 0x1234 --tsn 4294967296 --ttl 5
refuse 2 "--vtag 0x1ffffffff" "set --vtag 0x1ffffffff" ctl set --vtag 0x1ffffffff --tsn 7 --ttl 5
refuse 2 "--vtag : not a number" "set --vtag ''" ctl set --vtag "" --tsn 7 --ttl 5
refuse 2 "--vtag 0x: not a number" "set --vtag 0x" ctl set --vtag 0x --tsn 7 --ttl 5
refuse 2 "--tsn  1: not a number" "set --tsn ' 1'" ctl set --vtag 0x1234 --tsn " 1" --ttl 5
refuse 2 "--tsn \+1: not a number" "set --tsn +1" ctl set --vtag 0x1234 --tsn +1 --ttl 5
refuse 2 "--tsn 1\.0: not a number" "set --tsn 1.0" ctl set --vtag 0x1234 --tsn 1.0 --ttl 5
refuse 2 "--tsn 0x: not a number" "set --tsn 0x (hex prefix, no digits)" ctl set --vtag 0x1234 --tsn 0x --ttl 5
refuse 2 "changes nothing" "set without an option to apply" ctl set --vtag 0x1234 --tsn 7
refuse 2 "changes nothing" "set with only --once --owner --expire-ms" \
	ctl set --vtag 0x1234 --tsn 7 --once --owner 5 --expire-ms 100
refuse 2 "give --vtag V and --tsn T" "set without --tsn" ctl set --vtag 0x1234 --ttl 5
refuse 2 "give --vtag V and --tsn T" "set without --vtag" ctl set --tsn 7 --ttl 5
refuse 2 "--vtag needs a value" "set --vtag without a value" ctl set --tsn 7 --ttl 5 --vtag
refuse 2 "--ttl needs a value" "set --ttl without a value" ctl set --vtag 0x1234 --tsn 7 --ttl
refuse 2 "--df maybe: must be set or clear" "set --df maybe" ctl set --vtag 0x1234 --tsn 7 --df maybe
refuse 2 "--owner abc" "set --owner abc" ctl set --vtag 0x1234 --tsn 7 --ttl 5 --owner abc
refuse 2 "--owner 18446744073709551616" "set --owner 2^64" \
	ctl set --vtag 0x1234 --tsn 7 --ttl 5 --owner 18446744073709551616
refuse 2 "--expire-ms 4294967296" "set --expire-ms 2^32" \
	ctl set --vtag 0x1234 --tsn 7 --ttl 5 --expire-ms 4294967296
refuse 2 "--ip-id 65536: must be 0..65535" "set --ip-id 65536" ctl set --vtag 0x1234 --tsn 7 --ip-id 65536
refuse 2 "--ip-id 0x1ffff: must be 0..65535" "set --ip-id 0x1ffff" ctl set --vtag 0x1234 --tsn 7 --ip-id 0x1ffff
refuse 2 "--ip-id -1: must be 0..65535" "set --ip-id -1" ctl set --vtag 0x1234 --tsn 7 --ip-id -1
refuse 2 "--ip-id needs a value" "set --ip-id without a value" ctl set --vtag 0x1234 --tsn 7 --ip-id
refuse 2 "unknown argument '--frob'" "set with an unknown option" ctl set --vtag 0x1234 --tsn 7 --ttl 5 --frob
refuse 2 "unknown argument 'extra'" "set with a stray word" ctl set --vtag 0x1234 --tsn 7 --ttl 5 extra

refuse 2 "--tsn 12x: not a number" "get --tsn 12x" ctl get --vtag 0x1234 --tsn 12x
refuse 2 "give --vtag V and --tsn T" "get without --tsn" ctl get --vtag 0x1234
refuse 2 "unknown argument '--ttl'" "get with --ttl" ctl get --vtag 0x1234 --tsn 7 --ttl 5
refuse 2 "--vtag -1: not a number" "del --vtag -1" ctl del --vtag -1 --tsn 7
refuse 2 "give --vtag V and --tsn T" "del without --vtag" ctl del --tsn 7
refuse 2 "unknown argument 'x'" "dump with an argument" ctl dump x
refuse 2 "unknown argument 'x'" "flush with an argument" ctl flush x
refuse 2 "unknown argument 'x'" "quotes with an argument" ctl quotes x
refuse 2 "unknown argument '--frob'" "stats --frob" ctl stats --frob
refuse 2 "unknown argument '-x'" "status -x" ctl status -x
refuse 2 "unknown argument" "status with two devices" ctl status vc0 vc1

refuse 2 "add 0: not a port in 1..65535" "ports add 0" ctl ports add 0
refuse 2 "add 65536: not a port in 1..65535" "ports add 65536" ctl ports add 65536
refuse 2 "add abc: not a port in 1..65535" "ports add abc" ctl ports add abc
refuse 2 "add -1: not a port" "ports add -1" ctl ports add -1
refuse 2 "del 0: not a port" "ports del 0" ctl ports del 0
refuse 2 "add 65536" "ports add 5001 65536 adds neither" ctl ports add 5001 65536
refuse 2 "needs at least one PORT" "ports add without a port" ctl ports add
refuse 2 "give add, del or list" "ports without a subcommand" ctl ports
refuse 2 "'frob': give add, del or list" "ports frob" ctl ports frob
refuse 2 "list takes no PORT" "ports list 5" ctl ports list 5

refuse 2 "give the device" "attach without a device" ctl_in "$NS" attach
refuse 2 "unknown argument 'vc1'" "attach with two devices" ctl_in "$NS" attach vc0 vc1
refuse 2 "--group needs a value" "attach --group without a value" ctl_in "$NS" attach vc1 --group
refuse 2 "--rings 0: must be a power of two in 1..4096" "attach --rings 0" ctl_in "$NS" attach vc1 --rings 0
refuse 2 "--rings 4097: must be a power of two in 1..4096" "attach --rings 4097" ctl_in "$NS" attach vc1 --rings 4097
refuse 2 "--rings 48: must be a power of two in 1..4096" "attach --rings 48 (not a power of two)" ctl_in "$NS" attach vc1 --rings 48
refuse 2 "--ring-size 17: must be a power of two" "attach --ring-size 17" ctl_in "$NS" attach vc1 --ring-size 17
refuse 2 "--ring-size 8: must be a power of two" "attach --ring-size 8" ctl_in "$NS" attach vc1 --ring-size 8
refuse 2 "give the device, or --all" "detach without a device" ctl_in "$NS" detach
refuse 2 "give the device, or --all" "detach with two devices" ctl_in "$NS" detach vc0 vc1
refuse 2 "unknown argument '--frob'" "detach --frob" ctl_in "$NS" detach --frob

# ---- run-time errors (exit 1, one line) ---------------------------------
refuse 1 "^pmarkctl: attach:? nosuch0: no such device$" "attach an unknown device" ctl attach nosuch0
refuse 1 "^pmarkctl: attach:? nosuch0: no such device$" "attach an unknown device inside ip netns exec" \
	ctl_in "$NS" attach nosuch0
refuse 1 "^pmarkctl: detach:? nosuch0: no such device$" "detach an unknown device" ctl_in "$NS" detach nosuch0
refuse 1 "^pmarkctl: status:? nosuch0: no such device$" "status of an unknown device" ctl status nosuch0
refuse 1 "--group nosuchgrp$$: no such group" "attach --group of an unknown group" \
	ctl_in "$NS" attach vc1 --group nosuchgrp$$
refuse 1 "not on a bpf filesystem" "attach to a pin root off bpffs" \
	ip netns exec "$NS" "$PMARKCTL" --pin-root "$NOT_BPFFS" attach vc1

refuse 1 "vtag 0x00001234 tsn 8: no such record" "get of a missing TSN" ctl get --vtag 0x1234 --tsn 8
refuse 1 "no such record" "get of a vtag with no records" ctl get --vtag 0x4321 --tsn 7
refuse 1 "vtag 0x00001234 tsn 8: no such record" "del of a missing TSN" ctl del --vtag 0x1234 --tsn 8
refuse 1 "no such record" "del of a vtag with no records" ctl del --vtag 0x4321 --tsn 7
refuse 1 "del 7777: not registered" "ports del of a port not registered" ctl ports del 7777

# No pins where asked: every command says to attach, and creates nothing.
for args in "set --vtag 1 --tsn 1 --ttl 5" "get --vtag 1 --tsn 1" "del --vtag 1 --tsn 1" \
	"dump" "flush" "stats" "status" "ports list" "ports add 5000" "--json status" "quotes" \
	"dtls list" "dtls add 5000 10.0.0.2:5001" "get --tag 1 --record 1:1"; do
	# shellcheck disable=SC2086
	refuse 1 "not attached: run pmarkctl attach DEV" "missing pins: $args" \
		"$PMARKCTL" --pin-root "$PIN_NONE" $args
done
refuse 1 "not attached: run pmarkctl attach DEV" "missing pins: detach vc0" \
	ip netns exec "$NS" "$PMARKCTL" --pin-root "$PIN_NONE" detach vc0
refuse 1 "not attached: run pmarkctl attach DEV" "missing pins inside ip netns exec: dump" \
	ip netns exec "$NS" "$PMARKCTL" --pin-root "$PIN_NONE" dump
refuse 1 "not attached: run pmarkctl attach DEV" "missing pins via PMARK_PIN_ROOT: dump" \
	env PMARK_PIN_ROOT="$PIN_NONE" "$PMARKCTL" dump
refuse 1 "not attached: run pmarkctl attach DEV" "pin root off bpffs: dump" \
	"$PMARKCTL" --pin-root "$NOT_BPFFS" dump
check "no pin root was created by those refusals" test ! -e "$PIN_NONE" -a ! -e "$NOT_BPFFS"

# Not root.
refuse 1 "root" "attach as nobody says root is needed" \
	ip netns exec "$NS" "${NOBODY[@]}" "$PMARKCTL" --pin-root "$PIN" attach vc1
refuse 1 "root" "detach as nobody says root is needed" \
	ip netns exec "$NS" "${NOBODY[@]}" "$PMARKCTL" --pin-root "$PIN" detach vc0
refuse 1 "root" "detach --all as nobody says root is needed" \
	"${NOBODY[@]}" "$PMARKCTL" --pin-root "$PIN" detach --all
refuse 1 "permission denied" "set as nobody on root-only pins" \
	"${NOBODY[@]}" "$PMARKCTL" --pin-root "$PIN" set --vtag 0x1234 --tsn 7 --ttl 1
refuse 1 "permission denied" "flush as nobody on root-only pins" \
	"${NOBODY[@]}" "$PMARKCTL" --pin-root "$PIN" flush
refuse 1 "permission denied" "quotes as nobody on root-only pins" \
	"${NOBODY[@]}" "$PMARKCTL" --pin-root "$PIN" quotes

# After all that, the filter is the one attach put there.
filters=$(egress_filters "$NS" vc0)
if [ -n "$PROG_ID" ] && [ "$filters" = "bpf 0x504d $PROG_ID" ]; then
	ok "vc0 still carries the one pmark filter, prog $PROG_ID"
else
	not_ok "vc0 still carries the one pmark filter" "filters: '$filters', want 'bpf 0x504d $PROG_ID'"
fi
check "vc1 got no filter" test -z "$(egress_filters "$NS" vc1)$(ingress_filters "$NS" vc1)"
PROG_IN_ID=$(ingress_filters "$NS" vc0 | awk '$2 == "0x504d" { print $3 }')
check "vc0 still carries the pmark ingress filter" test -n "$PROG_IN_ID"

tap_done
