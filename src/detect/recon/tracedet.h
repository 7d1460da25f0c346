/*
 * tracedet.h: traceroutes seen on the wire.
 *
 * A traceroute shows in two ways, and either is enough, so a capture of one
 * direction of the exchange still finds it:
 *
 *   probes    packets from a tracer to a target whose TTL (hop limit) rises
 *             1, 2, 3 ... (at least three distinct low TTLs): ICMP echo as
 *             Windows tracert sends them, UDP to 33434 and up as Linux
 *             traceroute does, TCP SYN as tcptraceroute does;
 *   replies   Zeek's method: ICMP time exceeded from at least three
 *             different routers to one tracer about one target within three
 *             minutes, together with low-TTL packets (a probe seen with a
 *             TTL below 10, or the quote inside the time exceeded, whose TTL
 *             is 0 to 2 where the router dropped it).
 *
 * For each traceroute the finding names the tracer, the target, the method,
 * the tool and operating system family it most likely came from (packet
 * sizes, payloads, ports and identifiers), the hops that answered with
 * their TTL when the probe they quote was seen, and whether the target
 * answered. Memory is capped (max_traces, least recently active evicted and
 * still reported when it qualifies).
 */
#ifndef WH_TRACEDET_H
#define WH_TRACEDET_H

#include <stddef.h>
#include <stdint.h>

#include "detect/net/netan.h"
#include "model/finding.h"
#include "read/packet.h"

struct wh_tracedet_opts {
	uint32_t min_ttls;          /* distinct probe TTLs that make a sequence (3) */
	uint32_t min_routers;       /* routers answering time exceeded (3, as Zeek) */
	int64_t window;             /* ns within which the routers answer (3 min, as Zeek) */
	int64_t idle;               /* ns of silence after which a live trace is reported (10 s) */
	size_t max_traces;
	const struct wh_netan_opts *net;   /* internal networks, for severity and direction */
};

void wh_tracedet_opts_default(struct wh_tracedet_opts *o);

struct wh_tracedet;

/* Findings go to out (the caller's list), as traceroutes are concluded. */
struct wh_tracedet *wh_tracedet_new(const struct wh_tracedet_opts *o, struct wh_findings *out);
/* One decoded packet seen in `source` at `offset`. */
void wh_tracedet_packet(struct wh_tracedet *d, const struct wh_pkt *p, const char *source, uint64_t offset);
/* Report traceroutes idle for `idle` as of `now` (live capture). Returns how many were added. */
size_t wh_tracedet_poll(struct wh_tracedet *d, int64_t now);
/* Report every traceroute not reported yet. */
size_t wh_tracedet_finish(struct wh_tracedet *d);
/* Traceroutes dropped because the table was full and they did not qualify yet. */
uint64_t wh_tracedet_dropped(const struct wh_tracedet *d);
void wh_tracedet_free(struct wh_tracedet *d);

#endif
