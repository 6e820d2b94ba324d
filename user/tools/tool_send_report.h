/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What pmark-send prints at the end: text, or one JSON object. */
#ifndef TOOL_SEND_REPORT_H
#define TOOL_SEND_REPORT_H

#include <stdbool.h>
#include "pmark.h"
#include "tool_addr.h"
#include "tool_dtls.h"
#include "tool_sender.h"

struct send_report {
	const struct send_job *job;
	struct pmark_ep *ep;
	char remote[TOOL_ADDRSTRLEN], local[TOOL_ADDRSTRLEN];
	bool all_acked;          /* unacked and pending reached 0 before the linger ran out */
	double linger_s;         /* time waited for that after the last send */
	bool wait_echo;          /* all_acked also means every message came back */
	bool have_stats;
	struct pmark_conn_stats stats;
	const struct recv_tally *echo;
	const char *error;       /* the runtime error, NULL if none */
	const struct tool_dtls *dtls;
};

void tool_send_report_text(const struct send_report *r);
void tool_send_report_json(const struct send_report *r);

#endif
