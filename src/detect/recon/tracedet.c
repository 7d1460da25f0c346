/*
 * tracedet.c: the traceroute detector. One entry per (tracer, target,
 * method) in a fixed-size table with hash chains; the probes each entry saw
 * are remembered by identity (ICMP id and sequence, ports, IP id) so that a
 * time exceeded quoting one of them tells the hop's TTL.
 */
#include "detect/recon/tracedet.h"
#include "util/hash.h"
#include "util/wtime.h"
#include "util/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define NIL UINT32_MAX
#define MAX_TTL 64
#define MAX_HOPS 64
#define RING 128

enum method { M_ICMP, M_UDP, M_TCP };
static const char *const method_names[] = { "icmp", "udp", "tcp" };

struct probe_id {
	uint32_t ident;   /* ICMP id<<16|seq, or sport<<16|dport */
	uint16_t ip_id;
	uint8_t ttl;
};

struct hop {
	struct wh_ip router;
	uint8_t ttl;      /* 0: unknown (the probe was not seen) */
	bool unreach;     /* it said unreachable rather than time exceeded */
	int64_t t;
};

struct trace {
	struct wh_ip tracer, target;
	uint8_t method;
	bool live, reported;
	uint32_t hnext;
	uint64_t hash;
	int64_t first, last;
	uint32_t probes, replies;
	uint16_t by_ttl[MAX_TTL + 1];
	uint8_t min_probe_ttl;
	uint8_t min_inner_ttl;
	struct probe_id ring[RING];
	uint32_t nring;
	struct hop hops[MAX_HOPS];
	uint32_t nhops;
	bool reached;
	int64_t reached_t;
	uint8_t reached_ttl;
	/* tool hints */
	uint32_t len92, len60, zero_payload, at_payload;
	uint16_t min_dport, max_dport, icmp_id;
	const char *src0, *src1;
	uint64_t off0, off1;
};

struct wh_tracedet {
	struct wh_tracedet_opts o;
	struct trace *t;
	uint32_t n, cap;
	uint32_t *bucket;
	uint32_t nbucket;
	uint32_t freelist;
	struct wh_intern sources;
	struct wh_map tracer_ttl;   /* a tracer's highest ordinary TTL: its OS family */
	struct wh_arena arena;
	uint64_t dropped;
	struct wh_findings *out;    /* where reports go, the caller's */
};

void wh_tracedet_opts_default(struct wh_tracedet_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->min_ttls = 3;
	o->min_routers = 3;
	o->window = 180 * WH_NS_PER_SEC;
	o->idle = 10 * WH_NS_PER_SEC;
	o->max_traces = 4096;
}

struct wh_tracedet *wh_tracedet_new(const struct wh_tracedet_opts *o, struct wh_findings *out)
{
	struct wh_tracedet *d = wh_xcalloc(1, sizeof(*d));
	d->o = *o;
	d->out = out;
	if (d->o.max_traces < 16)
		d->o.max_traces = 16;
	d->cap = (uint32_t)d->o.max_traces;
	d->t = wh_xcalloc(d->cap, sizeof(*d->t));
	d->nbucket = 1;
	while (d->nbucket < d->cap * 2)
		d->nbucket *= 2;
	d->bucket = wh_xmalloc(sizeof(uint32_t) * d->nbucket);
	memset(d->bucket, 0xff, sizeof(uint32_t) * d->nbucket);
	d->freelist = NIL;
	wh_intern_init(&d->sources, false);
	wh_map_init(&d->tracer_ttl, false);
	wh_arena_init(&d->arena, 64 * 1024, 0);
	return d;
}

uint64_t wh_tracedet_dropped(const struct wh_tracedet *d)
{
	return d->dropped;
}

void wh_tracedet_free(struct wh_tracedet *d)
{
	if (!d)
		return;
	free(d->t);
	free(d->bucket);
	wh_intern_release(&d->sources);
	wh_map_release(&d->tracer_ttl);
	wh_arena_release(&d->arena);
	free(d);
}

static uint64_t key_hash(const struct wh_ip *a, const struct wh_ip *b, uint8_t m)
{
	uint64_t h = wh_ip_hash(a) * 0x9e3779b97f4a7c15ULL ^ wh_ip_hash(b) ^ m;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 32);
}

static struct trace *find(struct wh_tracedet *d, const struct wh_ip *tr, const struct wh_ip *tg, uint8_t m)
{
	uint64_t h = key_hash(tr, tg, m);
	for (uint32_t i = d->bucket[h & (d->nbucket - 1)]; i != NIL; i = d->t[i].hnext) {
		struct trace *t = &d->t[i];
		if (t->hash == h && t->method == m && wh_ip_eq(&t->tracer, tr) && wh_ip_eq(&t->target, tg))
			return t;
	}
	return NULL;
}

static void unlink_trace(struct wh_tracedet *d, uint32_t i)
{
	uint32_t *pp = &d->bucket[d->t[i].hash & (d->nbucket - 1)];
	while (*pp != i)
		pp = &d->t[*pp].hnext;
	*pp = d->t[i].hnext;
	d->t[i].live = false;
	d->t[i].hnext = d->freelist;
	d->freelist = i;
}

static bool qualifies(const struct wh_tracedet *d, const struct trace *t, bool *by_seq, bool *by_te);
static void report(struct wh_tracedet *d, struct trace *t, struct wh_findings *out);

static struct trace *get(struct wh_tracedet *d, const struct wh_ip *tr, const struct wh_ip *tg, uint8_t m,
			 int64_t ts, struct wh_findings *evicted_out)
{
	struct trace *t = find(d, tr, tg, m);
	if (t)
		return t;
	uint32_t i;
	if (d->freelist != NIL) {
		i = d->freelist;
		d->freelist = d->t[i].hnext;
	} else if (d->n < d->cap) {
		i = d->n++;
	} else {
		/* Full: the least recently active goes; it is reported if it qualifies. */
		uint32_t old = 0;
		for (uint32_t k = 1; k < d->n; k++)
			if (d->t[k].last < d->t[old].last)
				old = k;
		bool s, e;
		if (!d->t[old].reported && qualifies(d, &d->t[old], &s, &e))
			report(d, &d->t[old], evicted_out);
		else if (!d->t[old].reported)
			d->dropped++;
		unlink_trace(d, old);
		i = d->freelist;
		d->freelist = d->t[i].hnext;
	}
	t = &d->t[i];
	memset(t, 0, sizeof(*t));
	t->tracer = *tr;
	t->target = *tg;
	t->method = m;
	t->live = true;
	t->hash = key_hash(tr, tg, m);
	t->first = t->last = ts;
	t->min_probe_ttl = 255;
	t->min_inner_ttl = 255;
	t->min_dport = 0xffff;
	t->hnext = d->bucket[t->hash & (d->nbucket - 1)];
	d->bucket[t->hash & (d->nbucket - 1)] = i;
	return t;
}

static bool is_multicast(const struct wh_ip *ip)
{
	if (wh_ip_is_v4(ip))
		return (ip->b[12] & 0xf0) == 0xe0 || (ip->b[12] == 255 && ip->b[13] == 255 && ip->b[14] == 255 && ip->b[15] == 255);
	return ip->b[0] == 0xff;
}

static void touch(struct trace *t, int64_t ts, const char *src, uint64_t off)
{
	if (ts > t->last)
		t->last = ts;
	if (ts < t->first)
		t->first = ts;
	if (!t->src0) {
		t->src0 = src;
		t->off0 = off;
	}
	t->src1 = src;
	t->off1 = off;
}

static uint8_t method_of(uint8_t proto)
{
	return proto == WH_PROTO_UDP ? M_UDP : proto == WH_PROTO_TCP ? M_TCP : M_ICMP;
}

static uint32_t ident_of(const struct wh_pkt *p)
{
	if (p->proto == WH_PROTO_ICMP || p->proto == WH_PROTO_ICMP6)
		return (uint32_t)p->icmp_id << 16 | p->icmp_seq;
	return (uint32_t)p->sport << 16 | p->dport;
}

static uint32_t inner_ident(const struct wh_pkt_inner *in)
{
	if (in->proto == WH_PROTO_ICMP || in->proto == WH_PROTO_ICMP6)
		return (uint32_t)in->icmp_id << 16 | in->icmp_seq;
	return (uint32_t)in->sport << 16 | in->dport;
}

static uint8_t probe_ttl(const struct trace *t, const struct wh_pkt_inner *in)
{
	uint32_t id = inner_ident(in);
	uint32_t n = t->nring < RING ? t->nring : RING;
	for (uint32_t k = 0; k < n; k++) {
		const struct probe_id *q = &t->ring[k];
		if (in->have_l4 && q->ident == id && (in->ipver == 6 || q->ip_id == in->ip_id))
			return q->ttl;
	}
	if (in->ipver == 4)
		for (uint32_t k = 0; k < n; k++)
			if (t->ring[k].ip_id == in->ip_id && t->ring[k].ident == id)
				return t->ring[k].ttl;
	return 0;
}

static void add_hop(struct trace *t, const struct wh_ip *router, uint8_t ttl, bool unreach, int64_t ts)
{
	for (uint32_t k = 0; k < t->nhops; k++)
		if (wh_ip_eq(&t->hops[k].router, router) && (t->hops[k].ttl == ttl || !ttl || !t->hops[k].ttl)) {
			if (!t->hops[k].ttl)
				t->hops[k].ttl = ttl;
			return;
		}
	if (t->nhops < MAX_HOPS)
		t->hops[t->nhops++] = (struct hop){ *router, ttl, unreach, ts };
}

static bool zero_bytes(const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return n > 0;
}

/* Linux traceroute fills its probes with 0x40, 0x41, ... ("@ABC..."). */
static bool at_pattern(const uint8_t *p, uint32_t n)
{
	if (n < 8)
		return false;
	for (uint32_t i = 0; i < 8; i++)
		if (p[i] != 0x40 + i)
			return false;
	return true;
}

static void note_probe(struct wh_tracedet *d, const struct wh_pkt *p, const char *src, uint64_t off)
{
	struct trace *t = get(d, &p->src, &p->dst, method_of(p->proto), p->ts, d->out);
	if (t->reported && p->ttl <= 2 && p->ts - t->last > d->o.idle) {
		/* a new run after the last was reported */
		struct wh_ip tr = t->tracer, tg = t->target;
		uint8_t m = t->method;
		uint32_t i = (uint32_t)(t - d->t);
		unlink_trace(d, i);
		t = get(d, &tr, &tg, m, p->ts, d->out);
	}
	touch(t, p->ts, src, off);
	t->probes++;
	t->by_ttl[p->ttl > MAX_TTL ? MAX_TTL : p->ttl]++;
	if (p->ttl < t->min_probe_ttl)
		t->min_probe_ttl = p->ttl;
	t->ring[t->nring++ % RING] = (struct probe_id){ ident_of(p), p->ip_id, p->ttl };
	if (p->ip_len == 92)
		t->len92++;
	else if (p->ip_len == 60)
		t->len60++;
	if (p->payload && zero_bytes(p->payload, p->payload_caplen))
		t->zero_payload++;
	if (p->payload && at_pattern(p->payload, p->payload_caplen))
		t->at_payload++;
	if (p->proto == WH_PROTO_UDP || p->proto == WH_PROTO_TCP) {
		if (p->dport < t->min_dport)
			t->min_dport = p->dport;
		if (p->dport > t->max_dport)
			t->max_dport = p->dport;
	} else {
		t->icmp_id = p->icmp_id;
	}
}

static void note_tracer_ttl(struct wh_tracedet *d, const struct wh_pkt *p)
{
	if (p->ttl <= 32)
		return;
	struct wh_map_slot *s = wh_map_find(&d->tracer_ttl, (const char *)&p->src, sizeof(p->src));
	if (!s)
		return;
	uintptr_t v = (uintptr_t)s->val;
	if (p->ttl > v)
		s->val = (void *)(uintptr_t)p->ttl;
}

static void want_tracer_ttl(struct wh_tracedet *d, const struct wh_ip *tracer)
{
	if (d->tracer_ttl.count >= d->o.max_traces * 4)
		return;
	if (wh_map_find(&d->tracer_ttl, (const char *)tracer, sizeof(*tracer)))
		return;
	struct wh_ip *k = wh_arena_alloc(&d->arena, sizeof(*k));
	*k = *tracer;
	wh_map_put(&d->tracer_ttl, (const char *)k, sizeof(*k), NULL)->val = (void *)(uintptr_t)1;
}

void wh_tracedet_packet(struct wh_tracedet *d, const struct wh_pkt *p, const char *source, uint64_t offset)
{
	if (p->flags & (WH_PKF_FRAGMENT | WH_PKF_L4_CUT))
		return;
	const char *src = NULL;
	bool icmp = p->proto == WH_PROTO_ICMP || p->proto == WH_PROTO_ICMP6;
	bool v6 = p->proto == WH_PROTO_ICMP6;
	if (d->tracer_ttl.count)
		note_tracer_ttl(d, p);
	/* probes */
	if (p->ttl <= 32 && !is_multicast(&p->dst)) {
		bool probe = false;
		if (icmp && (p->flags & WH_PKF_ECHO) && p->icmp_type == (v6 ? 128 : 8))
			probe = true;
		else if (p->proto == WH_PROTO_UDP)
			probe = true;
		else if (p->proto == WH_PROTO_TCP && (p->tcp_flags & (WH_TCP_SYN | WH_TCP_ACK)) == WH_TCP_SYN)
			probe = true;
		if (probe) {
			src = wh_intern_str(&d->sources, source ? source : "");
			note_probe(d, p, src, offset);
			want_tracer_ttl(d, &p->src);
			return;
		}
	}
	if (icmp && (p->flags & WH_PKF_INNER) && p->inner.ipver) {
		bool te = v6 ? p->icmp_type == 3 : p->icmp_type == 11;
		bool unreach = v6 ? p->icmp_type == 1 : p->icmp_type == 3;
		if (!te && !unreach)
			return;
		const struct wh_pkt_inner *in = &p->inner;
		uint8_t m = method_of(in->proto);
		if (m == M_ICMP && in->have_l4 && in->sport != (in->proto == WH_PROTO_ICMP6 ? 128 : 8))
			return;   /* the quote is not an echo request */
		struct trace *t;
		if (te) {
			t = get(d, &in->src, &in->dst, m, p->ts, d->out);
		} else {
			t = find(d, &in->src, &in->dst, m);
			if (!t)
				return;
		}
		src = wh_intern_str(&d->sources, source ? source : "");
		touch(t, p->ts, src, offset);
		t->replies++;
		if (in->ttl < t->min_inner_ttl)
			t->min_inner_ttl = in->ttl;
		uint8_t ttl = probe_ttl(t, in);
		if (unreach && wh_ip_eq(&p->src, &in->dst)) {
			t->reached = true;
			t->reached_t = p->ts;
			t->reached_ttl = ttl;
		} else {
			add_hop(t, &p->src, ttl, unreach, p->ts);
		}
		if (!t->probes) {
			if (in->ip_len == 92)
				t->len92++;
			else if (in->ip_len == 60)
				t->len60++;
			if (m != M_ICMP && in->have_l4) {
				if (in->dport < t->min_dport)
					t->min_dport = in->dport;
				if (in->dport > t->max_dport)
					t->max_dport = in->dport;
			}
		}
		want_tracer_ttl(d, &in->src);
		return;
	}
	/* the target answering the tracer */
	struct trace *t = NULL;
	if (icmp && (p->flags & WH_PKF_ECHO) && p->icmp_type == (v6 ? 129 : 0))
		t = find(d, &p->dst, &p->src, M_ICMP);
	else if (p->proto == WH_PROTO_TCP && (p->tcp_flags & (WH_TCP_SYN | WH_TCP_RST)))
		t = find(d, &p->dst, &p->src, M_TCP);
	if (t && t->probes) {
		src = wh_intern_str(&d->sources, source ? source : "");
		touch(t, p->ts, src, offset);
		t->replies++;
		if (!t->reached) {
			t->reached = true;
			t->reached_t = p->ts;
			/* the probe it answers: echo id/seq, or the ports reversed */
			struct wh_pkt_inner q = { 0 };
			q.have_l4 = true;
			q.ipver = 6;   /* match by identity alone */
			q.proto = p->proto;
			if (p->proto == WH_PROTO_TCP) {
				q.sport = p->dport;
				q.dport = p->sport;
			} else {
				q.icmp_id = p->icmp_id;
				q.icmp_seq = p->icmp_seq;
			}
			t->reached_ttl = probe_ttl(t, &q);
		}
	}
}

/* ---- evaluation ---- */

static uint32_t longest_ttl_run(const struct trace *t, uint8_t *lo, uint8_t *hi)
{
	uint32_t best = 0, run = 0;
	*lo = *hi = 0;
	for (uint32_t ttl = 1; ttl <= 32; ttl++) {
		if (t->by_ttl[ttl]) {
			run++;
			if (run > best) {
				best = run;
				*hi = (uint8_t)ttl;
				*lo = (uint8_t)(ttl - run + 1);
			}
		} else {
			run = 0;
		}
	}
	return best;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Most distinct routers with a time exceeded inside one window. */
static uint32_t routers_in_window(const struct trace *t, int64_t window)
{
	int64_t ts[MAX_HOPS];
	uint32_t n = 0;
	for (uint32_t k = 0; k < t->nhops; k++)
		if (!t->hops[k].unreach)
			ts[n++] = t->hops[k].t;
	qsort(ts, n, sizeof(ts[0]), cmp_i64);
	uint32_t best = 0;
	for (uint32_t i = 0, j = 0; i < n; i++) {
		while (ts[i] - ts[j] > window)
			j++;
		if (i - j + 1 > best)
			best = i - j + 1;
	}
	return best;
}

static bool qualifies(const struct wh_tracedet *d, const struct trace *t, bool *by_seq, bool *by_te)
{
	uint8_t lo, hi;
	*by_seq = longest_ttl_run(t, &lo, &hi) >= d->o.min_ttls;
	bool low = t->min_probe_ttl < 10 || t->min_inner_ttl <= 2;
	*by_te = low && routers_in_window(t, d->o.window) >= d->o.min_routers;
	return *by_seq || *by_te;
}

static int cmp_hop(const void *a, const void *b)
{
	const struct hop *x = a, *y = b;
	if (x->ttl != y->ttl) {
		if (!x->ttl)
			return 1;
		if (!y->ttl)
			return -1;
		return x->ttl < y->ttl ? -1 : 1;
	}
	return x->t < y->t ? -1 : x->t > y->t;
}

static void tool_guess(const struct wh_tracedet *d, const struct trace *t, const char **tool, const char **os)
{
	*tool = "unknown";
	*os = "unknown";
	uint32_t samples = t->probes ? t->probes : t->replies;
	switch (t->method) {
	case M_ICMP:
		if (t->len92 * 2 >= samples && (t->zero_payload * 2 >= t->probes)) {
			*tool = "tracert";
			*os = "windows";
		} else if (t->len60 * 2 >= samples || t->at_payload * 2 > t->probes) {
			*tool = "traceroute -I";
			*os = "linux/unix";
		} else {
			*tool = "icmp tracer (mtr, ping -t or custom)";
		}
		break;
	case M_UDP:
		if (t->min_dport >= 33434 && t->max_dport <= 33434 + 3 * 64) {
			*tool = "traceroute";
			*os = "linux/unix";
		} else {
			*tool = "udp tracer (paris-traceroute, mtr -u or custom)";
		}
		break;
	default:
		*tool = "tcptraceroute or traceroute -T";
		*os = "linux/unix";
		break;
	}
	if (strcmp(*os, "unknown") == 0) {
		struct wh_map_slot *s = wh_map_find(&d->tracer_ttl, (const char *)&t->tracer, sizeof(t->tracer));
		uintptr_t ttl = s ? (uintptr_t)s->val : 0;
		if (ttl > 64 && ttl <= 128)
			*os = "windows (by its initial TTL)";
		else if (ttl > 32 && ttl <= 64)
			*os = "linux/unix (by its initial TTL)";
	}
}

static bool internal(const struct wh_tracedet *d, const struct wh_ip *ip)
{
	return d->o.net && wh_netan_is_internal(d->o.net, ip);
}

static void detail(struct wh_findings *out, struct wh_finding *f, const char *k, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void detail(struct wh_findings *out, struct wh_finding *f, const char *k, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	wh_finding_add_detail(out, f, k, buf);
}

static void report(struct wh_tracedet *d, struct trace *t, struct wh_findings *out)
{
	bool by_seq, by_te;
	qualifies(d, t, &by_seq, &by_te);
	t->reported = true;
	const char *tool, *os;
	tool_guess(d, t, &tool, &os);
	char a[WH_IP_STRLEN], b[WH_IP_STRLEN];
	wh_ip_format(&t->tracer, a);
	wh_ip_format(&t->target, b);
	bool ti = internal(d, &t->tracer), gi = internal(d, &t->target);
	enum wh_severity sev = !ti && gi ? WH_SEV_MEDIUM : WH_SEV_LOW;
	struct wh_finding *f = wh_findings_add(out);
	f->id = "WH-RECON-TRACEROUTE";
	f->analytic = "recon";
	f->stage = WH_KC_RECONNAISSANCE;
	f->attack = "T1590.004,T1018";
	f->viewpoints = WH_VP_DIRECTION | WH_VP_TIME | WH_VP_PORT;
	f->severity = sev;
	f->confidence = (uint8_t)(by_seq && by_te ? 95 : 80);
	f->host = wh_findings_str(out, a);
	qsort(t->hops, t->nhops, sizeof(t->hops[0]), cmp_hop);
	char hops[1024];
	size_t hl = 0;
	hops[0] = '\0';
	for (uint32_t k = 0; k < t->nhops && hl < sizeof(hops) - 80; k++) {
		char r[WH_IP_STRLEN];
		if (t->hops[k].ttl)
			hl += (size_t)snprintf(hops + hl, sizeof(hops) - hl, "%s%u:%s%s", hl ? " " : "", t->hops[k].ttl,
					       wh_ip_format(&t->hops[k].router, r), t->hops[k].unreach ? "!" : "");
		else
			hl += (size_t)snprintf(hops + hl, sizeof(hops) - hl, "%s?:%s%s", hl ? " " : "",
					       wh_ip_format(&t->hops[k].router, r), t->hops[k].unreach ? "!" : "");
	}
	uint8_t lo, hi;
	longest_ttl_run(t, &lo, &hi);
	uint32_t maxttl = 0, ttls = 0, most = 0;
	for (uint32_t ttl = 1; ttl <= MAX_TTL; ttl++)
		if (t->by_ttl[ttl]) {
			maxttl = ttl;
			ttls++;
			if (t->by_ttl[ttl] > most)
				most = t->by_ttl[ttl];
		}
	const char *seen = t->probes && t->replies ? "probes and replies" : t->probes ? "probes only" : "replies only";
	const char *how = by_seq && by_te ? "ttl-sequence,time-exceeded" : by_seq ? "ttl-sequence" : "time-exceeded";
	f->title = wh_findings_fmt(out, "%s traceroute (%s, %s) from %s to %s: %u hop%s answered%s",
				   method_names[t->method], tool, os, a, b, t->nhops, t->nhops == 1 ? "" : "s",
				   t->reached ? ", target reached" : "");
	detail(out, f, "tracer", "%s", a);
	detail(out, f, "target", "%s", b);
	detail(out, f, "method", "%s", method_names[t->method]);
	detail(out, f, "tool", "%s", tool);
	detail(out, f, "os_family", "%s", os);
	detail(out, f, "detected_by", "%s", how);
	detail(out, f, "seen", "%s", seen);
	detail(out, f, "direction", "%s", ti && gi ? "internal" : ti ? "outbound" : gi ? "inbound" : "external");
	if (t->probes) {
		detail(out, f, "probes", "%u", t->probes);
		detail(out, f, "ttls", "%u distinct, %u to %u in a row, up to %u", ttls, lo, hi, maxttl);
		detail(out, f, "probes_per_ttl", "%u", most);
	}
	if (t->method != M_ICMP && t->min_dport <= t->max_dport)
		detail(out, f, "dst_ports", t->min_dport == t->max_dport ? "%u" : "%u-%u", t->min_dport, t->max_dport);
	detail(out, f, "hops", "%s", hl ? hops : "none seen");
	if (t->reached && t->reached_ttl)
		detail(out, f, "target_reached", "yes, at ttl %u", t->reached_ttl);
	else
		wh_finding_add_detail(out, f, "target_reached", t->reached ? "yes" : "no");
	f->explanation = wh_findings_fmt(
		out, "%s mapped the path to %s with %s probes (%s): %s. %u router%s answered. Attackers map a "
		"network this way before they strike; administrators do it to find faults, which the "
		"tracer and the target tell apart.",
		a, b, method_names[t->method], how,
		by_seq ? wh_findings_fmt(out, "the TTL rose from %u to %u", lo, hi)
		       : wh_findings_fmt(out, "time exceeded came back from %u routers", t->nhops),
		t->nhops, t->nhops == 1 ? "" : "s");
	if (t->src0)
		wh_finding_add_evidence(out, f, t->src0, t->off0, 0, t->first);
	if (t->src1 && (t->src1 != t->src0 || t->off1 != t->off0))
		wh_finding_add_evidence(out, f, t->src1, t->off1, 0, t->last);
	f->time = t->first;
	f->time_end = t->last;
}

size_t wh_tracedet_poll(struct wh_tracedet *d, int64_t now)
{
	struct wh_findings *out = d->out;
	size_t before = out->n;
	for (uint32_t i = 0; i < d->n; i++) {
		struct trace *t = &d->t[i];
		bool s, e;
		if (!t->live || t->reported || now - t->last < d->o.idle)
			continue;
		if (qualifies(d, t, &s, &e))
			report(d, t, out);
		else if (now - t->last > d->o.window)
			unlink_trace(d, i);   /* stale and not a traceroute */
	}
	return out->n - before;
}

size_t wh_tracedet_finish(struct wh_tracedet *d)
{
	struct wh_findings *out = d->out;
	size_t before = out->n;
	for (uint32_t i = 0; i < d->n; i++) {
		struct trace *t = &d->t[i];
		bool s, e;
		if (t->live && !t->reported && qualifies(d, t, &s, &e))
			report(d, t, out);
	}
	return out->n - before;
}
