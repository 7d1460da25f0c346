/*
 * flow.h: packets to connections, in bounded memory.
 *
 * The table keys flows by 5-tuple in either direction (the originator is the
 * host that sent the first packet, or the receiver of a first SYN-ACK or
 * echo reply), counts both directions, follows the TCP handshake and
 * teardown to a state in the manner of Zeek's conn_state, and hands each
 * flow to a callback as a struct wh_conn when it ends: when it times out
 * (by capture time, never by the wall clock), when the table is full and it
 * is the least recently active flow (counted as evicted), or at the flush.
 *
 * Memory is max_flows entries and nothing else grows with the input. ICMP
 * errors are credited to the flow they quote (a UDP probe answered by port
 * unreachable), and fragments after the first to the flow of the first.
 */
#ifndef WH_FLOW_H
#define WH_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect/net/conn.h"
#include "read/packet.h"

typedef void (*wh_conn_fn)(const struct wh_conn *c, void *arg);

struct wh_flow_opts {
	size_t max_flows;          /* hard cap on flows held at once */
	int64_t tcp_timeout;       /* ns of silence that end an established TCP flow */
	int64_t tcp_attempt_timeout; /* ... a flow whose handshake did not complete */
	int64_t tcp_closed_timeout;  /* ... a flow after FIN from both sides or RST */
	int64_t udp_timeout;
	int64_t icmp_timeout;
};

/* Zeek's spirit: 5 min TCP, 1 min UDP and ICMP; 1,000,000 flows. */
void wh_flow_opts_default(struct wh_flow_opts *o);

struct wh_flow_stats {
	uint64_t packets;          /* IP packets given to the table */
	uint64_t bytes;            /* their wire bytes */
	uint64_t flows;            /* flows handed out */
	uint64_t timed_out;        /* ... of which ended by a timeout */
	uint64_t evicted;          /* ... of which pushed out early because the table was full */
	uint64_t peak;             /* most flows held at once */
	uint64_t icmp_matched;     /* ICMP errors credited to the flow they quote */
};

struct wh_flowtab;

struct wh_flowtab *wh_flowtab_new(const struct wh_flow_opts *o, wh_conn_fn fn, void *arg);
/* Add one decoded packet seen in `source` (any string; it is interned) at `offset`. */
void wh_flowtab_add(struct wh_flowtab *t, const struct wh_pkt *p, const char *source,
		    uint64_t offset);
/* The same for up to WH_FLOW_BATCH packets at once, faster on large captures. */
#define WH_FLOW_BATCH 16
void wh_flowtab_add_batch(struct wh_flowtab *t, const struct wh_pkt *p, size_t n, const char *source,
			  const uint64_t *offsets);
/* Hand out flows idle for longer than their timeout as of time `now` (live captures). */
void wh_flowtab_expire(struct wh_flowtab *t, int64_t now);
/* Hand out one flow still held (the earliest of the least active); false when none is. */
bool wh_flowtab_pop(struct wh_flowtab *t);
/* Hand out every flow still held. */
void wh_flowtab_flush(struct wh_flowtab *t);
const struct wh_flow_stats *wh_flowtab_stats(const struct wh_flowtab *t);
void wh_flowtab_free(struct wh_flowtab *t);

#endif
