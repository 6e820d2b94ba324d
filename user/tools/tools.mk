# pmark-send and pmark-sink, the test sender and receiver over libpmark's
# usrsctp level, and pmark-trace, the in-flow tracer (user/tools/).
# Included at the end of the main Makefile.

PMT_SRCS   := $(wildcard user/tools/*.c)
# Each program is one file with main(); everything else is shared helpers.
PMT_MAINS  := user/tools/pmark-send.c user/tools/pmark-sink.c user/tools/pmark-trace.c
PMT_COMMON := $(filter-out $(PMT_MAINS),$(PMT_SRCS))
PMT_OBJS   := $(PMT_COMMON:user/tools/%.c=$(BUILD)/tools.d/%.o)
PMT_BINS   := $(BUILD)/pmark-send $(BUILD)/pmark-sink $(BUILD)/pmark-trace
PMT_MAN    := docs/pmark-send.1 docs/pmark-sink.1 docs/pmark-trace.1
# usrsctp, as long as the main Makefile's LDLIBS does not bring it.
PMT_LDLIBS := $(if $(findstring usrsctp,$(LDLIBS)),,-l:libusrsctp.a -lpthread)

.PHONY: install-tools
all: $(PMT_BINS)
install: install-tools

$(BUILD)/tools.d:
	mkdir -p $@

$(BUILD)/tools.d/%.o: user/tools/%.c include/pmark.h include/pmark_trace.h include/pmark_dtls.h \
		$(wildcard user/tools/*.h) | $(BUILD)/tools.d
	$(CC) $(CFLAGS) -Iuser/tools -c $< -o $@

# The helpers in an archive: each program links only the ones it uses.
$(BUILD)/tools.d/libpmtools.a: $(PMT_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/pmark-send: $(BUILD)/tools.d/pmark-send.o $(BUILD)/tools.d/libpmtools.a $(BUILD)/libpmark.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(PMT_LDLIBS)

$(BUILD)/pmark-sink: $(BUILD)/tools.d/pmark-sink.o $(BUILD)/tools.d/libpmtools.a $(BUILD)/libpmark.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(PMT_LDLIBS)

# -lm: the report's standard deviation (sqrt).
$(BUILD)/pmark-trace: $(BUILD)/tools.d/pmark-trace.o $(BUILD)/tools.d/libpmtools.a $(BUILD)/libpmark.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(PMT_LDLIBS) -lm

install-tools: $(PMT_BINS)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(PMT_BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 $(PMT_MAN) $(DESTDIR)$(PREFIX)/share/man/man1/
