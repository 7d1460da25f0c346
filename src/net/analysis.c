#include "net/analysis.h"
#include "util/xalloc.h"

#include <math.h>
#include <netinet/in.h>
#include <string.h>

unsigned wh_trace_hop_stats(const struct wh_trace *t, const struct wh_trace_opts *o, struct wh_hop_stats *st,
			    size_t nst)
{
	unsigned last = wh_trace_last_ttl(t, o);
	if (last >= nst)
		last = (unsigned)nst - 1;
	unsigned filled = 0;
	for (unsigned h = o->first_ttl; h <= last; h++) {
		const struct wh_hop *hp = &t->hops[h];
		struct wh_hop_stats *s = &st[h];
		memset(s, 0, sizeof(*s));
		s->ttl = h;
		s->sent = hp->n;
		s->rtt_min = s->rtt_avg = s->rtt_max = s->rtt_sdev = -1;
		double sum = 0, sum2 = 0;
		uint32_t best = 0;
		for (uint32_t i = 0; i < hp->n; i++) {
			const struct wh_hop_probe *p = &hp->p[i];
			if (p->rtt < 0)
				continue;
			s->received++;
			s->dest |= p->dest;
			sum += (double)p->rtt;
			sum2 += (double)p->rtt * (double)p->rtt;
			if (s->rtt_min < 0 || p->rtt < s->rtt_min)
				s->rtt_min = p->rtt;
			if (p->rtt > s->rtt_max)
				s->rtt_max = p->rtt;
			uint32_t same = 0;
			bool first = true;
			for (uint32_t j = 0; j < hp->n; j++) {
				if (hp->p[j].rtt >= 0 && wh_addr_eq(&hp->p[j].from, &p->from)) {
					same++;
					if (j < i)
						first = false;
				}
			}
			if (first)
				s->naddrs++;
			if (same > best) {
				best = same;
				s->addr = p->from;
			}
		}
		if (s->received) {
			double avg = sum / s->received;
			s->rtt_avg = (int64_t)avg;
			double var = sum2 / s->received - avg * avg;
			s->rtt_sdev = var > 0 ? (int64_t)sqrt(var) : 0;
		}
		s->loss = s->sent ? 1.0 - (double)s->received / s->sent : 0;
		filled++;
	}
	/* The minimum rule, from the far end back. */
	double m = 1.0;
	bool any_later = false;
	for (unsigned h = last; h >= o->first_ttl && h > 0; h--) {
		struct wh_hop_stats *s = &st[h];
		if (s->received) {
			if (!any_later || s->loss < m)
				m = s->loss;
			any_later = true;
		}
		s->path_loss = any_later ? m : s->loss;
		/* Of the probes that reached the router, the share it did not answer. */
		s->node_loss = s->path_loss < 1 ? (s->loss - s->path_loss) / (1 - s->path_loss) : 0;
		if (s->node_loss < 0)
			s->node_loss = 0;
	}
	double prev_path = 0;
	int64_t prev_rtt = 0;
	for (unsigned h = o->first_ttl; h <= last; h++) {
		struct wh_hop_stats *s = &st[h];
		if (!s->received)
			continue;
		s->link_loss = s->path_loss - prev_path > 0 ? s->path_loss - prev_path : 0;
		prev_path = s->path_loss;
		s->jump = s->rtt_min - prev_rtt;
		bool big = s->jump >= WH_JUMP_MIN_NS && (double)s->jump >= WH_JUMP_MIN_FRAC * (double)prev_rtt;
		if (big) {
			bool keeps = true;
			for (unsigned j = h + 1; j <= last; j++)
				if (st[j].received && (double)(st[j].rtt_min - prev_rtt) < WH_JUMP_KEEP * (double)s->jump)
					keeps = false;
			s->jump_persists = keeps;
		}
		prev_rtt = s->rtt_min;
	}
	return filled;
}

static int iface_index(const struct wh_mda_graph *g, unsigned ttl, const struct wh_addr *a)
{
	for (unsigned i = 0; i < g->count[ttl]; i++)
		if (wh_addr_eq(&g->ifaces[g->first[ttl] + i].addr, a))
			return (int)(g->first[ttl] + i);
	return -1;
}

void wh_mda_graph_build(const struct wh_trace *t, const struct wh_trace_opts *o, struct wh_mda_graph *g)
{
	memset(g, 0, sizeof(*g));
	unsigned last = wh_trace_last_ttl(t, o);
	g->first_ttl = o->first_ttl;
	g->last_ttl = last;
	g->first = wh_xcalloc(WH_TRACE_MAX_TTL + 2, sizeof(unsigned));
	g->count = wh_xcalloc(WH_TRACE_MAX_TTL + 2, sizeof(unsigned));
	size_t total = 0;
	for (unsigned h = o->first_ttl; h <= last; h++)
		total += t->hops[h].n;
	g->ifaces = wh_xcalloc(total ? total : 1, sizeof(*g->ifaces));
	for (unsigned h = o->first_ttl; h <= last; h++) {
		const struct wh_hop *hp = &t->hops[h];
		g->first[h] = (unsigned)g->nifaces;
		for (uint32_t i = 0; i < hp->n; i++) {
			const struct wh_hop_probe *p = &hp->p[i];
			if (p->rtt < 0)
				continue;
			int k = iface_index(g, h, &p->from);
			if (k < 0) {
				k = (int)g->nifaces++;
				g->count[h]++;
				g->ifaces[k].addr = p->from;
				g->ifaces[k].rtt_min = p->rtt;
			}
			g->ifaces[k].probes++;
			g->ifaces[k].dest |= p->dest;
			if (p->rtt < g->ifaces[k].rtt_min)
				g->ifaces[k].rtt_min = p->rtt;
		}
		if (g->count[h] > g->max_width)
			g->max_width = g->count[h];
	}
	/* Links: the same flow answered at consecutive TTLs. */
	unsigned nflows = o->mda ? t->nflows : 1;
	for (unsigned f = 0; f < nflows; f++) {
		const struct wh_hop_probe *prev = NULL;
		unsigned prev_ttl = 0;
		for (unsigned h = o->first_ttl; h <= last; h++) {
			const struct wh_hop *hp = &t->hops[h];
			const struct wh_hop_probe *cur = NULL;
			for (uint32_t i = 0; i < hp->n && !cur; i++)
				if (hp->p[i].flow == f && hp->p[i].rtt >= 0)
					cur = &hp->p[i];
			if (!cur) {
				prev = NULL;   /* a silent hop breaks the evidence */
				continue;
			}
			if (prev && prev_ttl + 1 == h && !prev->dest) {
				size_t k;
				for (k = 0; k < g->nlinks; k++)
					if (g->links[k].ttl == prev_ttl && wh_addr_eq(&g->links[k].from, &prev->from) &&
					    wh_addr_eq(&g->links[k].to, &cur->from))
						break;
				if (k == g->nlinks) {
					WH_GROW(g->links, g->nlinks + 1, g->linkcap);
					g->links[k].ttl = prev_ttl;
					g->links[k].from = prev->from;
					g->links[k].to = cur->from;
					g->links[k].flows = 0;
					g->nlinks++;
				}
				g->links[k].flows++;
			}
			prev = cur;
			prev_ttl = h;
		}
	}
	bool in = false;
	for (unsigned h = o->first_ttl; h <= last; h++) {
		bool wide = g->count[h] >= 2;
		if (wide && !in)
			g->diamonds++;
		in = wide;
	}
}

void wh_mda_graph_release(struct wh_mda_graph *g)
{
	free(g->ifaces);
	free(g->first);
	free(g->count);
	free(g->links);
	memset(g, 0, sizeof(*g));
}
