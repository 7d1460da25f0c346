/*
 * tracer.h: the traceroute engine as a state machine with no I/O. The caller
 * (src/net/io.c for real sockets, the replay tests for simulated networks)
 * asks it for the next probe to send, tells it when the probe left, hands it
 * every packet that arrives, and sleeps until the time it names. Everything
 * about probing order, windows, pacing, timeouts, reply validation, NAT
 * detection, MDA and cycles lives here, and so runs the same under a test.
 *
 * Times are int64_t nanoseconds on one clock of the caller's choosing.
 *
 * Probing (see docs/trace.md):
 *   - TTL-major order (every probe of TTL 1, then TTL 2 ...), at most
 *     `window` probes in flight per trace; whitehawk's default window holds
 *     every TTL at once.
 *   - A token bucket per TTL models the ICMP rate limit of the router(s) at
 *     that distance (Linux: a burst of 6, then one per second per source);
 *     a TTL where k interfaces answered gets k buckets' worth.
 *   - A global packets-per-second limit (`rate`, 0: none) over all traces.
 *   - A probe times out after `wait_max`, or `wait_here` times the RTT of a
 *     reply from the same hop, or `wait_near` times the RTT of a reply from
 *     a later hop (traceroute's -w MAX,HERE,NEAR); with `learn_wait`, also
 *     after 3 times the largest RTT seen on the path plus 100 ms.
 *   - Probing stops at the destination's distance and at a hop that
 *     answers net/host/prohibited unreachable.
 *   - With `scout`, TTLs more than WH_SCOUT_AHEAD past the farthest router
 *     that answered get one probe, not -q: probes past the destination
 *     all land on it and would spend its ICMP budget (Linux: a global
 *     burst of 50) on answers nobody needs. The rest follow as the path
 *     becomes known; a TTL at or before the destination always gets -q.
 */
#ifndef WH_NET_TRACER_H
#define WH_NET_TRACER_H

#include "net/probe.h"
#include "net/reply.h"

#include <stdbool.h>
#include <stdint.h>

#define WH_TRACE_MAX_TTL 255
#define WH_TRACE_MAX_PROBES_PER_TRACE 65536   /* hard cap on stored results */
#define WH_MDA_MAX_FLOWS 512
#define WH_SCOUT_AHEAD 4

struct wh_trace_opts {
	enum wh_method method;
	unsigned first_ttl, max_ttl;     /* 1..255 */
	unsigned nqueries;               /* probes per hop (-q) */
	unsigned window;                 /* probes in flight per trace (-N); 0: every TTL at once */
	int64_t wait_max;                /* ns */
	double wait_here, wait_near;     /* factors; 0 disables */
	bool learn_wait;                 /* whitehawk: time silent hops out from the path's RTTs */
	bool scout;                      /* whitehawk: one probe per TTL past the known path (see below) */
	uint16_t port;                   /* destination port (udp base, paris-udp, tcp) */
	uint16_t sport;                  /* source port; flows of MDA count up from it */
	uint16_t ident;                  /* icmp identifier / paris-icmp checksum */
	size_t packetlen;                /* whole probe length; 0: method default */
	uint8_t tos;
	bool df;
	unsigned cycles;                 /* --cycles: probes per hop for statistics (0: off) */
	bool mda;
	double mda_epsilon;
	unsigned mda_max_flows;
	double icmp_burst, icmp_rate;    /* router ICMP limit model; burst 0: no pacing */
	double rate;                     /* global probes per second; 0: no limit */
};

void wh_trace_opts_init(struct wh_trace_opts *o);

/* Why a reply was dropped: counted per tracer and printed in the summary. */
enum wh_drop {
	WH_DROP_MALFORMED,      /* the parser refused it (any wh_reply_status but ignored) */
	WH_DROP_UNRELATED,      /* not about any probe of ours (other traffic, other tools) */
	WH_DROP_UNMATCHED,      /* looks like ours but names no probe we sent: stale or spoofed */
	WH_DROP_MISMATCH,       /* names a probe but fields we never change differ: spoofed */
	WH_DROP_DUPLICATE,      /* a second answer to an answered probe */
	WH_DROP_LATE,           /* an answer after its trace had finished */
	WH_DROP__COUNT
};

enum wh_nat_flag {
	WH_NAT_SRC_ADDR = 1u << 0,   /* quoted source address is not ours: a NAT before this hop */
	WH_NAT_SRC_PORT = 1u << 1,   /* quoted source port rewritten (NAPT) */
	WH_NAT_DST = 1u << 2,        /* quoted destination port rewritten */
	WH_NAT_CKSUM = 1u << 3,      /* transport checksum changed with nothing else (an incremental update) */
	WH_NAT_TOS = 1u << 4,        /* TOS / traffic class rewritten (DSCP remarking, ECN) */
};

struct wh_hop_probe {
	struct wh_addr from;       /* family 0: no answer */
	int64_t rtt;               /* ns; -1 no answer */
	uint8_t kind, type, code;
	uint8_t q_ttl, reply_ttl;
	uint8_t nat;               /* enum wh_nat_flag */
	uint8_t nmpls;
	bool dest;                 /* the destination answered */
	bool late;                 /* answered after its timeout */
	uint16_t flow;             /* MDA flow number */
	uint16_t cycle;
	char annot[12];            /* "!H" ... */
	struct wh_mpls mpls[4];
};

struct wh_hop {
	struct wh_hop_probe *p;
	uint32_t n, cap;
	uint32_t sent, answered, inflight;
	int64_t min_rtt;           /* smallest RTT of a reply from this hop, -1 none */
	uint8_t nifaces;           /* distinct addresses that answered (capped) */
	double tokens;             /* rate-limit bucket */
	int64_t refill_at;
};

struct wh_trace {
	struct wh_addr dst, src;
	char *name;                /* as the user gave it (owned) */
	size_t index;              /* order of addition */
	struct wh_hop *hops;       /* [0 .. max_ttl] */
	unsigned dest_ttl;         /* distance of the destination, 0 unknown */
	unsigned stop_ttl;         /* a hop answered unreachable (!H ...), 0 none */
	unsigned guess_ttl;        /* destination distance inferred from a quoted TTL, 0 none */
	unsigned top_ttl;          /* largest TTL that drew any answer */
	unsigned top_router;       /* largest TTL answered by a router (not the destination) */
	uint32_t inflight;
	uint32_t nprobes;          /* probes sent */
	uint32_t serial;           /* classic UDP port offset */
	int64_t start, end;
	int64_t max_rtt;
	int64_t last_reply;
	uint8_t nat;               /* union of NAT flags seen */
	unsigned nat_hop;          /* first hop that showed one */
	bool done, started;
	/* MDA */
	unsigned nflows;
	uint8_t *flow_dest;        /* per flow: TTL at which it reached the destination, 0 unknown */
	uint8_t *mda_sent;         /* [flow][ttl] bit: sent */
	/* probes in flight or timed out but still open to a late answer */
	uint16_t *fly;
	uint32_t nfly, flycap;
	void *user;                /* the caller's */
};

struct wh_tx {
	struct wh_trace *trace;
	uint16_t id;
	uint8_t ttl;
	struct wh_addr dst;
	uint8_t buf[1500];
	size_t len;
	struct wh_probe_spec spec;
};

struct wh_tracer;

struct wh_tracer *wh_tracer_new(const struct wh_trace_opts *o);
void wh_tracer_free(struct wh_tracer *tr);
const struct wh_trace_opts *wh_tracer_opts(const struct wh_tracer *tr);
/* Add a target; src is the address probes leave from (needed for checksums). */
struct wh_trace *wh_tracer_add(struct wh_tracer *tr, const struct wh_addr *dst, const struct wh_addr *src,
			       const char *name);
/* Start at most `n` traces at once (multi-target); default: all. */
void wh_tracer_set_parallel(struct wh_tracer *tr, unsigned n);

/* The next probe due at `now`: 1 with *tx filled, 0 when none may go yet. */
int wh_tracer_next(struct wh_tracer *tr, int64_t now, struct wh_tx *tx);
/* The probe left at `when` (or could not be sent: ok false, it counts as lost). */
void wh_tracer_sent(struct wh_tracer *tr, const struct wh_tx *tx, int64_t when, bool ok);
/* A packet arrived at `when`: IPv4 with its IP header, or IPv6 ICMPv6/TCP as
 * parse6 takes it. Returns 1 when it answered a probe, 0 otherwise. */
int wh_tracer_input4(struct wh_tracer *tr, const uint8_t *pkt, size_t len, int64_t when);
int wh_tracer_input6(struct wh_tracer *tr, uint8_t proto, const uint8_t *pkt, size_t len,
		     const struct wh_addr *from, const struct wh_addr *to, uint8_t hoplimit, int64_t when);
/* A reply parsed elsewhere (the unprivileged error queue). */
int wh_tracer_input_reply(struct wh_tracer *tr, const struct wh_reply *r, int64_t when);
/* Expire probes and finish traces at `now`; returns the next time anything is due. */
int64_t wh_tracer_tick(struct wh_tracer *tr, int64_t now);
bool wh_tracer_done(const struct wh_tracer *tr);
/* Stop now (a signal): every trace finishes with what it has. */
void wh_tracer_abort(struct wh_tracer *tr, int64_t now);
/* Traces that finished since the last call, in the order they finished. */
struct wh_trace *wh_tracer_pop_done(struct wh_tracer *tr);
/* Frees a finished trace popped above. */
void wh_trace_free(struct wh_trace *t);

/* The last hop worth printing: the destination's, the unreachable's, or max_ttl. */
unsigned wh_trace_last_ttl(const struct wh_trace *t, const struct wh_trace_opts *o);

struct wh_tracer_stats {
	uint64_t sent, answered, late, expired;
	uint64_t drop[WH_DROP__COUNT];
	uint64_t parse_status[WH_REPLY__COUNT];
};
const struct wh_tracer_stats *wh_tracer_stats(const struct wh_tracer *tr);
const char *wh_drop_name(enum wh_drop d);

/* MDA: probes needed at a hop where k interfaces were seen (the n_k rule). */
unsigned wh_mda_nk(unsigned k, double epsilon);

#endif
