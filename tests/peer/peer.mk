# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# usrsctp_peer: interoperability test peer on usrsctp's native API and its
# own SCTP-over-UDP encapsulation (libusrsctp-dev; static library).
# Included at the end of the Makefile.

all: $(BUILD)/tests/usrsctp_peer

$(BUILD)/tests/usrsctp_peer: tests/peer/usrsctp_peer.c | $(BUILD)/tests
	$(CC) $(CFLAGS) -o $@ $< -l:libusrsctp.a -lpthread
