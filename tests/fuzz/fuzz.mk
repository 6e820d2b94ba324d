# libFuzzer harnesses for the SCTP wire parsers and the tc programs' packet
# parsers, egress and ingress (docs/fuzzing.md); included by the Makefile.
#   make fuzz           build, then fuzz each harness for FUZZ_RUNS executions (default 10^6)
#   make fuzz-regress   build, then run each harness once over the committed seed corpus
# Needs clang and its libFuzzer runtime (Debian: clang, libclang-rt-14-dev).

BUILD      ?= build
FUZZ_CC    ?= $(or $(CLANG),clang)
FUZZ_RUNS  ?= 1000000
FUZZ_MAXLEN ?= 4096
# Extra libFuzzer flags, e.g. FUZZ_ARGS=-jobs=4 or -seed=1.
FUZZ_ARGS  ?=
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-std=gnu11 -Wall -Wextra -Werror -Iuser/lib -Ibpf
# Only the two pure files (and bpf/'s pure headers): the harnesses must not
# pull in libbpf or usrsctp.
FUZZ_LIB   := user/lib/sctp_wire.c user/lib/crc32c.c
FUZZ_NAMES := sctp_packet sack icmp parse
FUZZ_BINS  := $(FUZZ_NAMES:%=$(BUILD)/fuzz/fuzz_%)

.PHONY: fuzz fuzz-regress fuzz-build
fuzz: $(FUZZ_NAMES:%=fuzz-run-%)
fuzz-regress: $(FUZZ_NAMES:%=fuzz-regress-%)
fuzz-build: $(FUZZ_BINS)

$(BUILD)/fuzz:
	mkdir -p $@

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB) user/lib/sctp_wire.h $(wildcard bpf/*.h) tests/fuzz/fuzz_check.h \
		tests/fuzz/fuzz.mk | $(BUILD)/fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_LIB)

# Fuzz a fresh copy of the seeds, so what the fuzzer adds stays out of the
# committed corpus.  Any finding (crash, sanitizer report, leak, timeout)
# makes libFuzzer exit non-zero; it keeps the input as $(BUILD)/fuzz/NAME-crash-<sha1>
# (or -leak-, -timeout-, -oom-).
# The full log is $(BUILD)/fuzz/NAME.log; the last line says runs and seconds.
fuzz-run-%: $(BUILD)/fuzz/fuzz_%
	rm -rf $(BUILD)/fuzz/work-$*
	mkdir -p $(BUILD)/fuzz/work-$*
	cp tests/fuzz/corpus/$*/* $(BUILD)/fuzz/work-$*/
	@echo "fuzz $*: $(FUZZ_RUNS) runs (log: $(BUILD)/fuzz/$*.log)"
	@if $< -runs=$(FUZZ_RUNS) -max_len=$(FUZZ_MAXLEN) -timeout=10 -print_final_stats=1 \
		-artifact_prefix=$(BUILD)/fuzz/$*- $(FUZZ_ARGS) $(BUILD)/fuzz/work-$* \
		>$(BUILD)/fuzz/$*.log 2>&1; then \
		grep -E '^Done [0-9]+ runs|^stat::(number_of_executed_units|peak_rss_mb)' \
			$(BUILD)/fuzz/$*.log | sed 's/^/  /'; \
	else \
		tail -n 40 $(BUILD)/fuzz/$*.log; \
		echo "fuzz $*: FINDING"; grep -h 'Test unit written to' $(BUILD)/fuzz/$*.log; \
		exit 1; \
	fi

# Each committed seed once, in libFuzzer's file mode (which writes nothing):
# the corpus as a regression test, in well under a second.
fuzz-regress-%: $(BUILD)/fuzz/fuzz_%
	@echo "fuzz-regress $*: $(words $(wildcard tests/fuzz/corpus/$*/*)) seeds"
	@$< -runs=1 $(wildcard tests/fuzz/corpus/$*/*) >$(BUILD)/fuzz/$*-regress.log 2>&1 || \
		{ tail -n 40 $(BUILD)/fuzz/$*-regress.log; exit 1; }
