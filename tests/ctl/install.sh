#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# make install PREFIX=/usr DESTDIR=<tmp>: every file where it belongs, and a
# program built against the installed header with pkg-config, once against
# the shared and once against the static library, exchanges a message over a
# real usrsctp association on loopback.
set -u
. "$(dirname "$0")/lib.sh"

TOP=$(cd "$(dirname "$0")/../.." && pwd)
command -v pkg-config >/dev/null || skip_all "pkg-config missing"
TMP=$(mktemp -d /tmp/pmark-install.XXXXXX)
_cleanups+=("rm -rf $TMP")
DEST=$TMP/root
P=$DEST/usr

if make -s -C "$TOP" install PREFIX=/usr DESTDIR="$DEST" >"$TMP/make.log" 2>&1; then
	ok "make install PREFIX=/usr DESTDIR=..."
else
	not_ok "make install PREFIX=/usr DESTDIR=..." "$(tail -n 5 "$TMP/make.log")"
fi

for f in sbin/pmarkctl bin/pmark-send bin/pmark-sink include/pmark.h lib/libpmark.a \
	lib/libpmark.so.0 lib/libpmark.so lib/pkgconfig/pmark.pc share/man/man8/pmarkctl.8 \
	share/man/man1/pmark-send.1 share/man/man1/pmark-sink.1 share/man/man3/libpmark.3 \
	share/man/man3/pmark_ep.3; do
	expect "$f missing" test -e "$P/$f"
done
point "headers, libraries, pkg-config file, tools and man pages installed"
expect "pmark.pc does not say prefix=/usr" grep -qx 'prefix=/usr' "$P/lib/pkgconfig/pmark.pc"
expect "the tools do not run" eval '"$P/bin/pmark-send" --version >/dev/null'
point "pmark.pc names the real prefix; installed tools run"

# A second install straight into a prefix: the pmark.pc a user gets there.
PX=$TMP/prefix
if make -s -C "$TOP" install PREFIX="$PX" >"$TMP/make2.log" 2>&1; then
	ok "make install PREFIX=$PX"
else
	not_ok "make install PREFIX=$PX" "$(tail -n 5 "$TMP/make2.log")"
fi
P=$PX
export PKG_CONFIG_PATH=$P/lib/pkgconfig
cflags=$(pkg-config --cflags pmark) libs=$(pkg-config --libs pmark)
if cc -Wall -Wextra -Werror $cflags -o "$TMP/echo_shared" "$TOP/tests/install/echo_once.c" \
	$libs -Wl,-rpath,"$P/lib" 2>"$TMP/cc.log"; then
	ok "built against libpmark.so with pkg-config ($libs)"
else
	not_ok "built against libpmark.so with pkg-config" "$(cat "$TMP/cc.log")"
fi
out=$("$TMP/echo_shared" 7911 2>&1)
expect "output: $out" [ "${out%% *}" = ok ]
expect "not linked to the installed libpmark.so" eval 'ldd "$TMP/echo_shared" | grep -q "$P/lib/libpmark.so.0"'
point "shared: a message over a usrsctp association comes back whole"

if cc -Wall -Wextra -Werror $cflags -o "$TMP/echo_static" "$TOP/tests/install/echo_once.c" \
	"$P/lib/libpmark.a" $(pkg-config --static --libs-only-l pmark | sed "s/-lpmark//") 2>"$TMP/cc.log"; then
	ok "built against libpmark.a"
else
	not_ok "built against libpmark.a" "$(cat "$TMP/cc.log")"
fi
out=$("$TMP/echo_static" 7912 2>&1)
expect "output: $out" [ "${out%% *}" = ok ]
expect "linked to a libpmark.so" eval '! ldd "$TMP/echo_static" | grep -q libpmark'
point "static: a message over a usrsctp association comes back whole"

tap_done
