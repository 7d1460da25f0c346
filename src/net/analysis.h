/*
 * analysis.h: what a finished trace means, computed from its probes with no
 * I/O: per-hop statistics in the pathping way (--cycles), the multipath
 * graph that MDA found (--mda), and the AS path.
 *
 * Loss at a node versus loss on a link, by the minimum rule: a probe that
 * got an answer from hop j crossed every hop before j, so the loss of the
 * path up to hop h is at most the smallest loss seen at h or any later
 * hop. Loss at h above that is the router's own (it did not answer: ICMP
 * rate limiting or a busy control plane), not loss of traffic through it.
 * The loss of the link into h is the rise of path loss from the previous
 * answering hop to h.
 *
 * A latency jump at hop h (its smallest RTT above the previous answering
 * hop's by at least WH_JUMP_MIN_NS and WH_JUMP_MIN_FRAC) is called a
 * bottleneck hint only when every later answering hop keeps at least
 * WH_JUMP_KEEP of the rise; otherwise it is the router being slow to answer.
 */
#ifndef WH_NET_ANALYSIS_H
#define WH_NET_ANALYSIS_H

#include "net/tracer.h"

#define WH_JUMP_MIN_NS 5000000LL   /* 5 ms */
#define WH_JUMP_MIN_FRAC 0.3
#define WH_JUMP_KEEP 0.75

struct wh_hop_stats {
	unsigned ttl;
	uint32_t sent, received;
	struct wh_addr addr;        /* the address that answered most */
	uint32_t naddrs;            /* distinct addresses that answered */
	double loss;                /* 0..1 at this hop */
	double path_loss;           /* by the minimum rule: loss of traffic up to this hop */
	double node_loss;           /* of the probes that reached it, the share the router did not answer */
	double link_loss;           /* path_loss rise since the previous answering hop */
	int64_t rtt_min, rtt_avg, rtt_max, rtt_sdev;   /* ns; -1 none */
	int64_t jump;               /* rise of rtt_min over the previous answering hop, ns */
	bool jump_persists;         /* a bottleneck hint */
	bool dest;
};

/* Fills st[first..last] (indexed by TTL); returns the number filled. */
unsigned wh_trace_hop_stats(const struct wh_trace *t, const struct wh_trace_opts *o, struct wh_hop_stats *st,
			    size_t nst);

/* MDA graph */
struct wh_mda_iface {
	struct wh_addr addr;
	uint32_t probes;
	int64_t rtt_min;
	bool dest;
};

struct wh_mda_link {
	unsigned ttl;               /* from hop ttl to ttl+1 (or the next hop that answered) */
	struct wh_addr from, to;
	uint32_t flows;
};

struct wh_mda_graph {
	struct wh_mda_iface *ifaces;    /* grouped by ttl */
	unsigned *first;                /* [ttl]: index of the first iface of the hop */
	unsigned *count;                /* [ttl] */
	size_t nifaces;
	struct wh_mda_link *links;
	size_t nlinks, linkcap;
	unsigned first_ttl, last_ttl;
	unsigned diamonds;
	unsigned max_width;
};

void wh_mda_graph_build(const struct wh_trace *t, const struct wh_trace_opts *o, struct wh_mda_graph *g);
void wh_mda_graph_release(struct wh_mda_graph *g);

#endif
