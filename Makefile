# pmark: per-message IP options for SCTP over UDP.
#   make          build the BPF object, its skeleton, libpmark and pmarkctl
#   make test     install missing dependencies, build, run every test
#   make demo     install missing dependencies, build, run the demonstration
#   make bench    per-packet cost of the tc program (see docs/performance.md)
#   make deps     install the Debian packages the build and tests need

BUILD   ?= build
CC      ?= gcc
CLANG   ?= clang
BPFTOOL ?= bpftool
PREFIX  ?= /usr/local
DESTDIR ?=

WARN     := -Wall -Wextra -Werror
CFLAGS   ?= -O2 -g
CFLAGS   += $(WARN) -std=gnu11 -Iinclude -Ibpf -I$(BUILD) -D_GNU_SOURCE
# usrsctp statically: one SCTP stack inside libpmark, whatever else the
# application links.
USRSCTP_LIBS := -l:libusrsctp.a -lpthread
LDLIBS   := -lbpf -lelf -lz -lssl -lcrypto -lpcap $(USRSCTP_LIBS)
BPF_ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(BPF_ARCH) \
	-Ivmlinux -Ibpf $(WARN) -Wno-unused-parameter

BPF_HDRS  := $(wildcard bpf/*.h)
LIB_SRCS  := $(wildcard user/lib/*.c)
LIB_OBJS  := $(LIB_SRCS:user/lib/%.c=$(BUILD)/lib/%.o)
CTL_SRCS  := $(wildcard user/pmarkctl/*.c)
CTL_OBJS  := $(CTL_SRCS:user/pmarkctl/%.c=$(BUILD)/pmarkctl.d/%.o)
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOLS     := $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tests/%)
PROG_SRCS := $(wildcard tests/prog/*.c)
UNIT_SRCS := $(wildcard tests/unit/*.c)
UNITS     := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_SRCS := $(wildcard tests/bench/*.c)

.PHONY: all deps need-deps test demo bench install clean
.SECONDARY:
all: $(BUILD)/pmarkctl $(BUILD)/libpmark.a $(BUILD)/libpmark.so $(TOOLS) $(UNITS) \
	$(if $(PROG_SRCS),$(BUILD)/tests/test_prog) $(if $(BENCH_SRCS),$(BUILD)/tests/pmark_bench)

# vmlinux.h is generated from the running kernel's BTF (CO-RE relocates the
# few kernel types the program uses), so it is not committed.
vmlinux/vmlinux.h:
	mkdir -p $(@D)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) vmlinux/vmlinux.h | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $(subst .,_,$*)_bpf > $@.tmp && mv $@.tmp $@

$(BUILD) $(BUILD)/lib $(BUILD)/pmarkctl.d $(BUILD)/tests:
	mkdir -p $@

$(BUILD)/lib/%.o: user/lib/%.c include/pmark.h include/pmark_dtls.h $(BPF_HDRS) $(wildcard user/lib/*.h) | $(BUILD)/lib
	$(CC) $(CFLAGS) -fPIC -c $< -o $@

$(BUILD)/libpmark.a: $(LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

# The shared library uses the shared usrsctp (Debian's static one is not PIC).
$(BUILD)/libpmark.so: $(LIB_OBJS)
	$(CC) -shared -Wl,-soname,libpmark.so.0 -Wl,--no-undefined -o $@ $^ -lbpf -lelf -lz -lssl -lcrypto -lpcap -lusrsctp -lpthread

$(BUILD)/pmarkctl.d/%.o: user/pmarkctl/%.c $(BUILD)/pmark.skel.h include/pmark.h $(BPF_HDRS) \
		$(wildcard user/pmarkctl/*.h) $(wildcard user/lib/*.h) | $(BUILD)/pmarkctl.d
	$(CC) $(CFLAGS) -Iuser/lib -c $< -o $@

$(BUILD)/pmarkctl: $(CTL_OBJS) $(BUILD)/libpmark.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/tools/%.c $(BPF_HDRS) | $(BUILD)/tests
	$(CC) $(filter-out -D_GNU_SOURCE,$(CFLAGS)) -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libpmark.a $(BPF_HDRS) | $(BUILD)/tests
	$(CC) $(CFLAGS) -Iuser/lib -o $@ $< $(BUILD)/libpmark.a $(LDLIBS)

$(BUILD)/tests/test_prog: $(PROG_SRCS) $(wildcard tests/prog/*.h) $(BUILD)/pmark.skel.h \
		$(BUILD)/libpmark.a | $(BUILD)/tests
	$(CC) $(CFLAGS) -Iuser/lib -Itests/prog -o $@ $(PROG_SRCS) $(BUILD)/libpmark.a $(LDLIBS)

$(BUILD)/tests/pmark_bench: $(BENCH_SRCS) $(wildcard tests/bench/*.h) $(BUILD)/pmark.skel.h \
		$(BUILD)/empty.skel.h $(BUILD)/libpmark.a | $(BUILD)/tests
	$(CC) $(CFLAGS) -Iuser/lib -Itests/bench -o $@ $(BENCH_SRCS) $(BUILD)/libpmark.a $(LDLIBS)

# Installs what is missing (Debian packages); a no-op when all is there.
need-deps:
	@tests/deps.sh check >/dev/null 2>&1 || tests/deps.sh install

deps:
	tests/deps.sh install

test: need-deps
	$(MAKE) all
	tests/run.sh

demo: need-deps
	$(MAKE) all
	user/pmark-demo-trace.sh
	user/pmark-demo.sh

bench: need-deps
	$(MAKE) all
	$(BUILD)/tests/pmark_bench
	BUILD=$(BUILD) tests/bench/assoc_bench.sh
	BUILD=$(BUILD) tests/bench/assoc_bench.sh --dtls --no-record-rate
	BUILD=$(BUILD) tests/bench/trace_bench.sh

# pmark.pc names PREFIX, so it is written at install time, never stale.
PMARK_PC = printf '%s\n' 'prefix=$(PREFIX)' 'includedir=$${prefix}/include' 'libdir=$${prefix}/lib' '' \
	'Name: pmark' 'Description: per-message IP options for SCTP over UDP' \
	'Version: 0.1.0' 'Requires.private: libbpf' 'Cflags: -I$${includedir}' \
	'Libs: -L$${libdir} -lpmark' 'Libs.private: -lusrsctp -lssl -lcrypto -lpcap -lpthread'

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/share/man/man8 \
		$(DESTDIR)$(PREFIX)/share/man/man3
	install -m 0755 $(BUILD)/pmarkctl $(DESTDIR)$(PREFIX)/sbin/
	install -m 0644 include/pmark.h include/pmark_trace.h include/pmark_dtls.h $(DESTDIR)$(PREFIX)/include/
	install -m 0644 $(BUILD)/libpmark.a $(DESTDIR)$(PREFIX)/lib/
	install -m 0755 $(BUILD)/libpmark.so $(DESTDIR)$(PREFIX)/lib/libpmark.so.0
	ln -sf libpmark.so.0 $(DESTDIR)$(PREFIX)/lib/libpmark.so
	$(PMARK_PC) > $(DESTDIR)$(PREFIX)/lib/pkgconfig/pmark.pc
	install -m 0644 $(wildcard docs/*.8) $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 0644 $(wildcard docs/*.3) $(DESTDIR)$(PREFIX)/share/man/man3/

clean:
	rm -rf $(BUILD) vmlinux/vmlinux.h
-include tests/fuzz/fuzz.mk
-include tests/peer/peer.mk

-include user/tools/tools.mk
