#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The fuzz seed corpus as a regression test: builds the libFuzzer harnesses
# of the SCTP wire parsers and of the tc programs' packet parsers, egress
# and ingress (tests/fuzz/, ASan + UBSan), and runs each once
# over its committed corpus (`make fuzz-regress-NAME`), a fraction of a
# second.  The long runs are `make fuzz` (docs/fuzzing.md).
# Needs no root.  Without clang or its libFuzzer runtime the script skips
# (exit 4), except under CI (CI=true), where that is a failure.
set -u
. "$(dirname "$0")/lib.sh"

B=${BUILD:-build}

TMP=$(mktemp -d "/tmp/pmark-$TEST_NAME.XXXXXX") || skip_all "mktemp failed"
on_exit "rm -rf '$TMP'"

# missing WHY: a prerequisite is not there; a skip, or a failure under CI.
missing() {
	if [ "${CI:-}" = true ]; then
		not_ok "fuzz prerequisites installed" "$1 (CI=true: every prerequisite must be there)"
		tap_done
		exit 1
	fi
	skip_all "$1"
}

FUZZ_CC=${FUZZ_CC:-${CLANG:-clang}}
command -v make >/dev/null 2>&1 || missing "make not installed"
command -v "$FUZZ_CC" >/dev/null 2>&1 || missing "$FUZZ_CC not installed"
# Linking a trivial fuzzer finds a missing libFuzzer or sanitizer runtime
# (libclang-rt-14-dev) better than looking for the archive by name.
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' \
	>"$TMP/probe.c"
"$FUZZ_CC" -fsanitize=fuzzer,address,undefined -o "$TMP/probe" "$TMP/probe.c" >"$TMP/probe.log" 2>&1 ||
	missing "$FUZZ_CC cannot link a libFuzzer binary (libclang-rt-14-dev?): $(grep -m1 . "$TMP/probe.log")"

cd "$TOP_DIR" || exit 1
# The harnesses are FUZZ_NAMES of tests/fuzz/fuzz.mk: one added there is tested here.
# shellcheck disable=SC2016  # $(FUZZ_NAMES) is make's, not the shell's
read -r -a HARNESSES < <(make -s --no-print-directory -f tests/fuzz/fuzz.mk \
	--eval 'fuzz-names: ; @echo $(FUZZ_NAMES)' fuzz-names)
if [ "${#HARNESSES[@]}" = 0 ]; then
	not_ok "fuzz harnesses listed (FUZZ_NAMES in tests/fuzz/fuzz.mk)"
	tap_done
	exit 1
fi
# Only the binaries here: under `make test` the output of make stays out of the TAP stream.
if make -s BUILD="$B" FUZZ_CC="$FUZZ_CC" fuzz-build >"$TMP/build.log" 2>&1; then
	ok "fuzz harnesses build (clang, ASan + UBSan)"
else
	not_ok "fuzz harnesses build (clang, ASan + UBSan)" "$(tail -n 20 "$TMP/build.log")"
	tap_done
	exit 1
fi

for h in "${HARNESSES[@]}"; do
	n=$(find "tests/fuzz/corpus/$h" -type f | wc -l)
	if [ "$n" = 0 ]; then
		not_ok "fuzz_$h: corpus tests/fuzz/corpus/$h is empty"
	elif make -s BUILD="$B" FUZZ_CC="$FUZZ_CC" "fuzz-regress-$h" >"$TMP/$h.log" 2>&1; then
		ok "fuzz_$h: its $n seeds run clean"
	else
		not_ok "fuzz_$h: its $n seeds run clean" "$(tail -n 30 "$TMP/$h.log")"
	fi
done
tap_done
