// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* pmark-trace: the derived values both printers show. */
#include "tool_addr.h"
#include "trace_out.h"

unsigned trace_view_pmtu_hop(const struct trace_view *v)
{
	const struct pmark_pmtu_result *p = &v->run->pmtu;

	if (!v->run->have_pmtu || !p->limiter_len)
		return 0;
	if (p->limiter_ttl)
		return p->limiter_ttl;
	/* The trace run first saw the same router answer Time Exceeded. */
	return trace_path_ttl_of(v->path, (const struct sockaddr *)&p->limiter);
}

uint32_t trace_view_next_hop_mtu(const struct trace_view *v)
{
	const struct pmark_pmtu_result *p = &v->run->pmtu;
	uint32_t mtu = 0, i;

	if (!v->run->have_pmtu)
		return 0;
	for (i = 0; i < p->nsteps && i < sizeof(p->steps) / sizeof(p->steps[0]); i++) {
		const struct pmark_pmtu_step *s = &p->steps[i];

		if (s->state != PMARK_PROBE_ICMP || !s->ev.mtu)
			continue;
		if (p->limiter_len && !tool_ip_equal((const struct sockaddr *)&s->ev.offender,
						     (const struct sockaddr *)&p->limiter))
			continue;
		if (!mtu || s->ev.mtu < mtu)
			mtu = s->ev.mtu;
	}
	return mtu;
}

const struct sockaddr *trace_view_step_addr(const struct trace_view *v,
					    const struct pmark_pmtu_step *s)
{
	if (s->state == PMARK_PROBE_ICMP)
		return (const struct sockaddr *)&s->ev.offender;
	if (s->state == PMARK_PROBE_ACKED)
		return (const struct sockaddr *)&v->run->a->target.ss;
	return NULL;
}
