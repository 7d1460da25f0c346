/*
 * trace_sim.h: a simulated network for the trace replay tests. It takes the
 * probes the tracer builds, walks them through a list of routers (per-flow
 * load balancing, NAT, loss, silent routers, ICMP rate limits, MPLS, RTTs),
 * and hands back the reply packets a Linux router or host would send, built
 * byte by byte, in virtual time. Nothing touches a network.
 */
#ifndef TRACE_SIM_H
#define TRACE_SIM_H

#include "net/addr.h"
#include "net/reply.h"
#include "net/tracer.h"

#include <netinet/in.h>
#include <string.h>

#define SIM_HOPS 40
#define SIM_EVENTS 4096

enum sim_dest { SIM_DEST_ANSWER, SIM_DEST_DROP };

struct sim_router {
	int nif;                      /* interfaces answering at this hop (load balanced) */
	struct wh_addr ifs[4];
	bool silent;                  /* never answers */
	double node_loss;             /* fraction of its own answers lost */
	double fwd_loss;              /* fraction of packets it forwards lost */
	int64_t extra_rtt;            /* added to every packet crossing it (both ways): a slow link after it */
	int64_t answer_delay;         /* added to its own answers only: a slow control plane */
	bool nat;                     /* rewrites the source address and port of what it forwards */
	struct wh_addr nat_addr;
	uint32_t mpls;                /* answers with an RFC 4884 MPLS label stack entry, 0 none */
	double tokens;                /* ICMP rate limit: burst 6, 1 per second */
	int64_t refill;
};

struct sim_event {
	int64_t at;
	uint8_t proto;                /* IPv6: IPPROTO_ICMPV6 or IPPROTO_TCP */
	struct wh_addr from;
	uint8_t buf[1600];
	size_t len;
};

struct sim {
	int family;
	struct wh_addr src, dst;
	int nhops;                    /* routers; the destination is hop nhops+1 */
	struct sim_router r[SIM_HOPS];
	enum sim_dest dest;
	int64_t link_rtt;             /* RTT added per hop */
	bool ratelimit;
	uint64_t rng;
	struct sim_event ev[SIM_EVENTS];
	int nev;
	uint64_t sent, answered;
};

static inline double sim_rand(struct sim *s)
{
	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 7;
	s->rng ^= s->rng << 17;
	return (double)(s->rng >> 11) / 9007199254740992.0;
}

static inline void sim_addr(struct wh_addr *a, int family, unsigned k, unsigned i)
{
	memset(a, 0, sizeof(*a));
	a->family = (uint8_t)family;
	if (family == AF_INET) {
		a->a[0] = 198; a->a[1] = 18; a->a[2] = (uint8_t)k; a->a[3] = (uint8_t)(2 + i);
	} else {
		a->a[0] = 0x20; a->a[1] = 0x01; a->a[2] = 0x0d; a->a[3] = 0xb8;
		a->a[5] = (uint8_t)k; a->a[15] = (uint8_t)(2 + i);
	}
}

/* A chain of n routers, router k answering from 198.18.(k-1).2 (2001:db8:0:k-1::2). */
static inline void sim_init(struct sim *s, int family, int n)
{
	memset(s, 0, sizeof(*s));
	s->family = family;
	s->nhops = n;
	s->rng = 0x9e3779b97f4a7c15ull;
	s->link_rtt = 1000000;   /* 1 ms per hop */
	sim_addr(&s->src, family, 0, 0xfe - 2);
	sim_addr(&s->dst, family, 200, 0);
	for (int k = 1; k <= n; k++) {
		s->r[k].nif = 1;
		sim_addr(&s->r[k].ifs[0], family, (unsigned)k - 1, 0);
		s->r[k].tokens = 6;
		s->r[k].refill = INT64_MIN;
	}
}

static inline uint16_t g16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline void p16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

/* What a per-flow load balancer hashes: addresses, protocol, and the first
 * four transport bytes (UDP/TCP ports; ICMP type, code and checksum). */
static inline uint32_t sim_flow_hash(const uint8_t *ip, size_t ih, uint8_t proto, size_t alen)
{
	uint32_t h = 2166136261u;
	const uint8_t *sa = ip + (ih == 20 ? 12 : 8);
	for (size_t i = 0; i < 2 * alen; i++)
		h = (h ^ sa[i]) * 16777619u;
	h = (h ^ proto) * 16777619u;
	for (size_t i = 0; i < 4; i++)
		h = (h ^ ip[ih + i]) * 16777619u;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	return h ^ (h >> 16);
}

static inline bool sim_allow(struct sim *s, struct sim_router *r, int64_t now)
{
	if (!s->ratelimit)
		return true;
	if (r->refill == INT64_MIN)
		r->refill = now;
	r->tokens += (double)(now - r->refill) / 1e9;
	r->refill = now;
	if (r->tokens > 6)
		r->tokens = 6;
	if (r->tokens < 1)
		return false;
	r->tokens -= 1;
	return true;
}

static inline void sim_recompute_l4(uint8_t *pkt, size_t len, int family)
{
	size_t ih = family == AF_INET ? 20 : 40;
	uint8_t proto = family == AF_INET ? pkt[9] : pkt[6];
	struct wh_addr a, b;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.family = b.family = (uint8_t)family;
	memcpy(a.a, pkt + (family == AF_INET ? 12 : 8), family == AF_INET ? 4 : 16);
	memcpy(b.a, pkt + (family == AF_INET ? 16 : 24), family == AF_INET ? 4 : 16);
	size_t l4 = len - ih;
	if (proto == IPPROTO_UDP || proto == IPPROTO_TCP) {
		size_t co = proto == IPPROTO_UDP ? 6 : 16;
		p16(pkt + ih + co, 0);
		uint16_t c = wh_csum_fold(wh_csum_add(wh_csum_pseudo(&a, &b, proto, (uint32_t)l4), pkt + ih, l4));
		p16(pkt + ih + co, c ? c : 0xffff);
	}
	if (family == AF_INET) {
		p16(pkt + 10, 0);
		p16(pkt + 10, wh_csum_fold(wh_csum_add(0, pkt, 20)));
	}
}

static inline void sim_queue(struct sim *s, int64_t at, uint8_t proto, const struct wh_addr *from, const uint8_t *b,
			     size_t n)
{
	if (s->nev >= SIM_EVENTS || n > sizeof(s->ev[0].buf))
		return;
	struct sim_event *e = &s->ev[s->nev++];
	e->at = at;
	e->proto = proto;
	e->from = *from;
	memcpy(e->buf, b, n);
	e->len = n;
}

/* An ICMP error (type/code) from `from`, quoting `q` (qlen bytes), with an
 * optional MPLS extension; IPv4 replies include their IP header. */
static inline void sim_error(struct sim *s, int64_t at, const struct wh_addr *from, uint8_t type, uint8_t code,
			     const uint8_t *q, size_t qlen, uint32_t mpls)
{
	uint8_t b[1600];
	size_t off = 0;
	bool v4 = s->family == AF_INET;
	size_t maxq = v4 ? 576 - 28 : 1280 - 48;
	if (qlen > maxq)
		qlen = maxq;
	if (v4) {
		memset(b, 0, 20);
		b[0] = 0x45; b[8] = 64; b[9] = IPPROTO_ICMP;
		memcpy(b + 12, from->a, 4);
		memcpy(b + 16, s->src.a, 4);
		off = 20;
	}
	uint8_t *ic = b + off;
	memset(ic, 0, 8);
	ic[0] = type;
	ic[1] = code;
	size_t body = qlen;
	memcpy(ic + 8, q, qlen);
	if (mpls) {
		/* RFC 4884: pad the quote to 128 bytes, say so in the length field, append the extension */
		if (body < 128) {
			memset(ic + 8 + body, 0, 128 - body);
			body = 128;
		}
		if (v4)
			ic[5] = (uint8_t)(body / 4);
		else
			ic[4] = (uint8_t)(body / 8);
		uint8_t *x = ic + 8 + body;
		memset(x, 0, 12);
		x[0] = 0x20;
		p16(x + 4, 8); x[6] = 1; x[7] = 1;
		uint32_t e = mpls << 12 | 0u << 9 | 1u << 8 | 1u;
		x[8] = (uint8_t)(e >> 24); x[9] = (uint8_t)(e >> 16); x[10] = (uint8_t)(e >> 8); x[11] = (uint8_t)e;
		p16(x + 2, wh_csum_fold(wh_csum_add(0, x, 12)));
		body += 12;
	}
	size_t icl = 8 + body;
	if (v4) {
		p16(ic + 2, wh_csum_fold(wh_csum_add(0, ic, icl)));
		p16(b + 2, (uint16_t)(20 + icl));
		p16(b + 10, wh_csum_fold(wh_csum_add(0, b, 20)));
	} else {
		p16(ic + 2, wh_csum_fold(wh_csum_add(wh_csum_pseudo(from, &s->src, IPPROTO_ICMPV6, (uint32_t)icl), ic, icl)));
	}
	sim_queue(s, at, v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6, from, b, off + icl);
}

/* One probe leaves at `now`. */
static inline void sim_send(struct sim *s, const uint8_t *probe, size_t len, int64_t now)
{
	uint8_t pkt[1600];
	if (len > sizeof(pkt))
		return;
	memcpy(pkt, probe, len);
	const uint8_t *orig = probe;   /* a NAT on the way back restores what it rewrote */
	s->sent++;
	bool v4 = s->family == AF_INET;
	size_t ih = v4 ? 20 : 40, alen = v4 ? 4 : 16;
	uint8_t proto = v4 ? pkt[9] : pkt[6];
	unsigned ttl = v4 ? pkt[8] : pkt[7];
	uint32_t h = sim_flow_hash(pkt, ih, proto, alen);
	int64_t t = now;
	int branch = -1;
	for (int k = 1; k <= s->nhops + 1; k++) {
		t += s->link_rtt / 2;
		if (k <= s->nhops) {
			struct sim_router *r = &s->r[k];
			int ifi = 0;
			if (r->nif > 1) {
				if (branch < 0)
					branch = (int)(h % (uint32_t)r->nif);
				ifi = branch % r->nif;
			} else {
				branch = -1;
			}
			if (ttl == 1) {
				/* Time exceeded, quoting the packet as it arrived (TTL 1). */
				if (r->silent || sim_rand(s) < r->node_loss || !sim_allow(s, r, t))
					return;
				sim_error(s, now + 2 * (t - now) + r->answer_delay, &r->ifs[ifi], v4 ? 11 : 3, 0, pkt, len,
					  r->mpls);
				s->answered++;
				return;
			}
			ttl--;
			if (v4)
				pkt[8] = (uint8_t)ttl;
			else
				pkt[7] = (uint8_t)ttl;
			if (sim_rand(s) < r->fwd_loss)
				return;
			t += r->extra_rtt / 2;
			if (r->nat) {
				memcpy(pkt + (v4 ? 12 : 8), r->nat_addr.a, alen);
				if (proto == IPPROTO_UDP || proto == IPPROTO_TCP)
					p16(pkt + ih, (uint16_t)(g16(pkt + ih) ^ 0x1000));
				sim_recompute_l4(pkt, len, s->family);
			}
			if (v4) {
				p16(pkt + 10, 0);
				p16(pkt + 10, wh_csum_fold(wh_csum_add(0, pkt, 20)));
			}
			continue;
		}
		/* The destination. */
		if (s->dest == SIM_DEST_DROP)
			return;
		int64_t rtt = 2 * (t - now);
		uint8_t icmp = v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
		if (proto == IPPROTO_UDP) {
			sim_error(s, now + rtt, &s->dst, v4 ? 3 : 1, v4 ? 3 : 4, pkt, len, 0);
		} else if (proto == icmp) {
			uint8_t b[1600];
			size_t off = 0;
			if (v4) {
				memcpy(b, pkt, 20);
				memcpy(b + 12, s->dst.a, 4);
				memcpy(b + 16, s->src.a, 4);
				b[8] = 64;
				off = 20;
			}
			memcpy(b + off, pkt + ih, len - ih);
			b[off] = v4 ? 0 : 129;
			p16(b + off + 2, 0);
			size_t il = len - ih;
			uint32_t sum = v4 ? 0 : wh_csum_pseudo(&s->dst, &s->src, IPPROTO_ICMPV6, (uint32_t)il);
			p16(b + off + 2, wh_csum_fold(wh_csum_add(sum, b + off, il)));
			if (v4) {
				p16(b + 10, 0);
				p16(b + 10, wh_csum_fold(wh_csum_add(0, b, 20)));
			}
			sim_queue(s, now + rtt, icmp, &s->dst, b, off + il);
		} else if (proto == IPPROTO_TCP) {
			uint8_t b[80];
			size_t off = 0;
			if (v4) {
				memset(b, 0, 20);
				b[0] = 0x45; b[8] = 64; b[9] = IPPROTO_TCP;
				memcpy(b + 12, s->dst.a, 4);
				memcpy(b + 16, s->src.a, 4);
				p16(b + 2, 40);
				off = 20;
			}
			uint8_t *tc = b + off;
			memset(tc, 0, 20);
			p16(tc, g16(orig + ih + 2));
			p16(tc + 2, g16(orig + ih));
			uint32_t seq = (uint32_t)g16(pkt + ih + 4) << 16 | g16(pkt + ih + 6);
			uint32_t ack = seq + 1;
			tc[8] = (uint8_t)(ack >> 24); tc[9] = (uint8_t)(ack >> 16); tc[10] = (uint8_t)(ack >> 8); tc[11] = (uint8_t)ack;
			tc[12] = 5 << 4;
			tc[13] = 0x14;   /* RST ACK */
			sim_queue(s, now + rtt, IPPROTO_TCP, &s->dst, b, off + 20);
		}
		s->answered++;
		return;
	}
}

/* Run a tracer over the simulation until it is done; returns the finished trace. */
static inline struct wh_trace *sim_run(struct sim *s, struct wh_tracer *tr)
{
	int64_t now = 1000000000LL;
	struct wh_tx tx;
	struct wh_trace *done = NULL;
	for (int guard = 0; guard < 2000000 && !wh_tracer_done(tr); guard++) {
		while (wh_tracer_next(tr, now, &tx)) {
			sim_send(s, tx.buf, tx.len, now);
			wh_tracer_sent(tr, &tx, now, true);
		}
		int64_t wake = wh_tracer_tick(tr, now);
		struct wh_trace *t;
		while ((t = wh_tracer_pop_done(tr))) {
			wh_trace_free(done);   /* the caller gets the last one */
			done = t;
		}
		if (wh_tracer_done(tr))
			break;
		int64_t next = wake;
		for (int i = 0; i < s->nev; i++)
			if (s->ev[i].at < next)
				next = s->ev[i].at;
		if (next == INT64_MAX)
			break;
		if (next > now)
			now = next;
		for (int i = 0; i < s->nev;) {
			if (s->ev[i].at <= now) {
				struct sim_event e = s->ev[i];
				s->ev[i] = s->ev[--s->nev];
				if (s->family == AF_INET)
					wh_tracer_input4(tr, e.buf, e.len, e.at);
				else
					wh_tracer_input6(tr, e.proto, e.buf, e.len, &e.from, &s->src, 64, e.at);
				continue;
			}
			i++;
		}
	}
	struct wh_trace *t;
	while ((t = wh_tracer_pop_done(tr))) {
		wh_trace_free(done);
		done = t;
	}
	return done;
}

#endif
