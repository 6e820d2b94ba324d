#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# pmarkctl attach --group NAME: the record maps (slots, rings, ports)
# become readable and writable by that group and nobody else, counters and
# config readable by it, the program and the bookkeeping maps stay root's.
# A member who is not root can write, read and remove records and ports; a
# user outside the group gets a one-line "permission denied".
# Checks are often `expect MSG eval '[[ ... ]]'`: single quotes on purpose.
# shellcheck disable=SC2016
set -u
. "$(dirname "$0")/lib.sh"

ctl_require groupadd groupdel stat
NS=pmctl-grp-$$
GRP=pmctl$$
OTHER=pmctlo$$
make_ns "$NS"
make_veth "$NS" vc0 "$NS" vc1
use_pin_root "$PIN"

# A plain attach first: it mounts bpffs if needed.  attach --group may open the
# bpffs root to others (o+x) so that the group can reach the pins; put its mode
# back at exit.
run ctl_in "$NS" attach vc0
expect "$(captured)" test "$RC" = 0
point "attach vc0"
BPFFS_MODE=$(stat -c %a /sys/fs/bpf)
on_exit "chmod $BPFFS_MODE /sys/fs/bpf"

groupadd "$GRP" || skip_all "groupadd $GRP failed"
on_exit "groupdel '$GRP'"
groupadd "$OTHER" || skip_all "groupadd $OTHER failed"
on_exit "groupdel '$OTHER'"
GID=$(getent group "$GRP" | cut -d: -f3)
OTHER_GID=$(getent group "$OTHER" | cut -d: -f3)
MEMBER=(setpriv --reuid 65534 --regid 65534 --groups "$GID")
STRANGER=(setpriv --reuid 65534 --regid 65534 --groups "$OTHER_GID")

run ctl_in "$NS" attach vc0 --group "$GRP"
expect "$(captured)" test "$RC" = 0
point "attach vc0 --group $GRP on the loaded pin root"

declare -A WANT=(
	[slots]="660 root $GRP" [rings]="660 root $GRP" [ports]="660 root $GRP"
	[counters]="640 root $GRP" [config]="640 root $GRP"
	[prog]="600 root root" [prog_l3]="600 root root" [frags]="600 root root" [devs]="600 root root"
	[quotes]="640 root $GRP" [prog_in]="600 root root" [prog_in_l3]="600 root root"
	[dtls]="660 root $GRP"
)
for p in "${PIN_NAMES[@]}"; do
	got=$(stat -c '%a %U %G' "$PIN/$p" 2>&1)
	expect "$p: $got, want ${WANT[$p]}" test "$got" = "${WANT[$p]}"
done
point "pin modes: record maps and dtls 660 and counters/config/quotes 640 for the group, the rest root's 600"
got=$(stat -c '%a %U %G' "$PIN")
expect "pin root: $got" test "$got" = "750 root $GRP"
point "the pin root directory is 750 root:$GRP"

# as_member / as_stranger ARGS...: pmarkctl as nobody, in the group or outside it.
as_member() { "${MEMBER[@]}" "$PMARKCTL" --pin-root "$PIN" "$@"; }
as_stranger() { "${STRANGER[@]}" "$PMARKCTL" --pin-root "$PIN" "$@"; }

run as_member set --vtag 0x51 --tsn 9 --ttl 3 --tos 0x10/0xfc --once
expect "$(captured)" test "$RC" = 0
point "a group member (not root) writes a record"
run as_member --json get --vtag 0x51 --tsn 9
expect "$(captured)" jtrue "d['ttl'] == 3 and d['tos'] == 0x10 and d['once'] is True" <<<"$OUT"
run ctl --json get --vtag 0x51 --tsn 9
expect "root sees: $(captured)" jtrue "d['ttl'] == 3" <<<"$OUT"
point "the member reads it back, and root sees it"
run as_member --json dump
expect "$(captured)" jtrue "len(d) == 1" <<<"$OUT"
point "the member dumps the records"
run as_member ports add 6000
expect "add: $(captured)" test "$RC" = 0
run as_member --json ports list
expect "list: $(captured)" jtrue "d == [6000]" <<<"$OUT"
point "the member registers a port and lists it"
run as_member dtls add 6000 10.9.9.9:4444
expect "add: $(captured)" test "$RC" = 0
TAG=$OUT
run as_member --json dtls list
expect "list: $(captured)" jtrue "[(p['port'], p['remote'], '0x%08x' % p['tag']) for p in d] ==
[(6000, '10.9.9.9:4444', '$TAG')]" <<<"$OUT"
run as_member set --tag "$TAG" --record 1:7 --ttl 4
expect "set: $(captured)" test "$RC" = 0
run as_member dtls del 6000 10.9.9.9:4444
expect "del: $(captured)" test "$RC" = 0
point "the member registers a protected peer, writes its record, and removes it"
run as_member --json stats
expect "$(captured)" jtrue "'marked' in d" <<<"$OUT"
point "the member reads the counters"
run as_member --json quotes
expect "$(captured)" jtrue "d == []" <<<"$OUT"
point "the member reads the ICMP quotes (none yet)"

# Outsiders: one line, permission denied, nothing changed.
for args in "set --vtag 0x51 --tsn 9 --ttl 9" "get --vtag 0x51 --tsn 9" "dump" "ports add 7000" \
	"ports list" "flush" "stats" "quotes" "dtls list" "dtls add 7000 10.9.9.9:1"; do
	# shellcheck disable=SC2086
	run as_stranger $args
	expect "$(captured)" test "$RC" = 1 -a -z "$OUT" -a "$ERR_LINES" = 1
	expect "stderr: $ERR" eval '[[ "$ERR" == "pmarkctl: "*"permission denied"* ]]'
	point "a user outside the group is refused: $args"
done
run "${NOBODY[@]}" "$PMARKCTL" --pin-root "$PIN" dump
expect "$(captured)" test "$RC" = 1
expect "stderr: $ERR" eval '[[ "$ERR" == "pmarkctl: "*"permission denied"* ]]'
point "a user with no group at all is refused"
run ctl --json get --vtag 0x51 --tsn 9
expect "$(captured)" jtrue "d['ttl'] == 3" <<<"$OUT"
run ctl --json ports list
expect "ports: $OUT" jtrue "d == [6000]" <<<"$OUT"
point "the refusals changed nothing"

run as_member del --vtag 0x51 --tsn 9
expect "del: $(captured)" test "$RC" = 0
run as_member flush
expect "flush: $(captured)" test "$RC" = 0
run as_member ports del 6000
expect "ports del: $(captured)" test "$RC" = 0
run ctl --json dump
expect "dump: $OUT" jtrue "d == []" <<<"$OUT"
point "the member deletes, flushes and unregisters"

run ctl detach --all
expect "$(captured)" test "$RC" = 0
expect "pin root left" test ! -e "$PIN"
point "detach --all removes the group's pins"

tap_done
