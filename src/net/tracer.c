#include "net/tracer.h"
#include "util/xalloc.h"

#include <math.h>
#include <netinet/in.h>
#include <string.h>

#define NS_PER_MS 1000000LL
#define NS_PER_S 1000000000LL
#define LEARN_FACTOR 3
#define LEARN_SLACK (100 * NS_PER_MS)
#define MIN_FACTOR_WAIT (1 * NS_PER_MS)
#define DEFAULT_WINDOW_CAP 1024

enum { ST_FREE, ST_FLYING, ST_EXPIRED, ST_ANSWERED, ST_RETIRED };

struct inflight {
	struct wh_trace *t;
	uint8_t state;
	uint8_t ttl;
	uint16_t flow, cycle;
	uint32_t slot;          /* index in the hop's results */
	uint32_t fly_idx;       /* index in t->fly */
	int64_t sent;
	uint16_t sport, dport, cksum, icmp_id;
	uint8_t tos;
};

struct wh_tracer {
	struct wh_trace_opts o;
	struct inflight *tab;           /* indexed by probe id; [0] unused */
	uint32_t next_id;
	struct wh_trace **pending;      /* added, not started */
	size_t npending, pending_head, pending_cap;
	struct wh_trace **active;
	size_t nactive, active_cap, rr;
	struct wh_trace **done;
	size_t ndone, done_head, done_cap;
	unsigned parallel;
	size_t ntraces;
	double gtokens;
	int64_t grefill;
	int64_t blocked_until;          /* earliest time a paced probe may go, or INT64_MAX */
	struct wh_tracer_stats st;
};

void wh_trace_opts_init(struct wh_trace_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->method = WH_M_UDP_PARIS;
	o->first_ttl = 1;
	o->max_ttl = 30;
	o->nqueries = 3;
	o->wait_max = 5 * NS_PER_S;
	o->wait_here = 3;
	o->wait_near = 10;
	o->learn_wait = true;
	o->scout = true;
	o->port = 33434;
	o->sport = 0;
	o->mda_epsilon = 0.05;
	o->mda_max_flows = 128;
	o->icmp_burst = 6;
	o->icmp_rate = 1;
}

const char *wh_drop_name(enum wh_drop d)
{
	static const char *const names[WH_DROP__COUNT] = {
		"malformed", "unrelated", "unmatched (stale or spoofed)", "mismatched (spoofed)", "duplicate",
		"late (trace finished)",
	};
	return (unsigned)d < WH_DROP__COUNT ? names[d] : "?";
}

/* P(some of m equally likely successors unseen after n probes), by inclusion-exclusion. */
static double p_miss(unsigned m, unsigned n)
{
	double p = 0, c = 1;
	for (unsigned i = 1; i < m; i++) {
		c = c * (m - i + 1) / i;    /* C(m, i) */
		double term = c * pow((double)(m - i) / m, n);
		p += (i & 1) ? term : -term;
	}
	return p;
}

unsigned wh_mda_nk(unsigned k, double epsilon)
{
	if (k == 0)
		k = 1;
	if (!(epsilon > 0 && epsilon < 1))
		epsilon = 0.05;
	unsigned m = k + 1;
	if (m > 24) {
		/* The union bound m((m-1)/m)^n <= eps: a little above the exact count. */
		double n = ceil(log(epsilon / m) / log((double)(m - 1) / m));
		return n > 100000 ? 100000 : (unsigned)n;
	}
	for (unsigned n = k; n < 100000; n++)
		if (p_miss(m, n) <= epsilon)
			return n;
	return 100000;
}

struct wh_tracer *wh_tracer_new(const struct wh_trace_opts *o)
{
	struct wh_tracer *tr = wh_xcalloc(1, sizeof(*tr));
	tr->o = *o;
	if (tr->o.max_ttl > WH_TRACE_MAX_TTL)
		tr->o.max_ttl = WH_TRACE_MAX_TTL;
	if (tr->o.first_ttl < 1)
		tr->o.first_ttl = 1;
	if (tr->o.nqueries < 1)
		tr->o.nqueries = 1;
	if (tr->o.mda && (tr->o.mda_max_flows < 2 || tr->o.mda_max_flows > WH_MDA_MAX_FLOWS))
		tr->o.mda_max_flows = tr->o.mda_max_flows < 2 ? 2 : WH_MDA_MAX_FLOWS;
	tr->tab = wh_xcalloc(65536, sizeof(*tr->tab));
	tr->next_id = 1;
	tr->gtokens = 1;
	tr->grefill = INT64_MIN;
	tr->blocked_until = INT64_MAX;
	return tr;
}

void wh_trace_free(struct wh_trace *t)
{
	if (!t)
		return;
	if (t->hops)
		for (unsigned h = 0; h <= WH_TRACE_MAX_TTL; h++)
			free(t->hops[h].p);
	free(t->hops);
	free(t->fly);
	free(t->flow_dest);
	free(t->mda_sent);
	free(t->name);
	free(t);
}

void wh_tracer_free(struct wh_tracer *tr)
{
	if (!tr)
		return;
	for (size_t i = tr->pending_head; i < tr->npending; i++)
		wh_trace_free(tr->pending[i]);
	for (size_t i = 0; i < tr->nactive; i++)
		wh_trace_free(tr->active[i]);
	for (size_t i = tr->done_head; i < tr->ndone; i++)
		wh_trace_free(tr->done[i]);
	free(tr->pending);
	free(tr->active);
	free(tr->done);
	free(tr->tab);
	free(tr);
}

const struct wh_trace_opts *wh_tracer_opts(const struct wh_tracer *tr)
{
	return &tr->o;
}

const struct wh_tracer_stats *wh_tracer_stats(const struct wh_tracer *tr)
{
	return &tr->st;
}

void wh_tracer_set_parallel(struct wh_tracer *tr, unsigned n)
{
	tr->parallel = n;
}

struct wh_trace *wh_tracer_add(struct wh_tracer *tr, const struct wh_addr *dst, const struct wh_addr *src,
			       const char *name)
{
	struct wh_trace *t = wh_xcalloc(1, sizeof(*t));
	t->dst = *dst;
	t->src = *src;
	t->name = wh_xstrdup(name ? name : "");
	t->index = tr->ntraces++;
	/* hops[] is indexed by TTL, all 256 of them: a few kilobytes. */
	t->hops = wh_xcalloc(WH_TRACE_MAX_TTL + 1, sizeof(*t->hops));
	for (unsigned h = 0; h <= WH_TRACE_MAX_TTL; h++) {
		t->hops[h].min_rtt = -1;
		t->hops[h].tokens = tr->o.icmp_burst;
		t->hops[h].refill_at = INT64_MIN;
	}
	if (tr->o.mda) {
		t->nflows = wh_mda_nk(1, tr->o.mda_epsilon);
		if (t->nflows > tr->o.mda_max_flows)
			t->nflows = tr->o.mda_max_flows;
		t->flow_dest = wh_xcalloc(tr->o.mda_max_flows, 1);
		t->mda_sent = wh_xcalloc((size_t)tr->o.mda_max_flows * (WH_TRACE_MAX_TTL + 1), 1);
	}
	WH_GROW(tr->pending, tr->npending + 1, tr->pending_cap);
	tr->pending[tr->npending++] = t;
	return t;
}

static void start_pending(struct wh_tracer *tr, int64_t now)
{
	while (tr->pending_head < tr->npending && (!tr->parallel || tr->nactive < tr->parallel)) {
		struct wh_trace *t = tr->pending[tr->pending_head++];
		t->started = true;
		t->start = now;
		WH_GROW(tr->active, tr->nactive + 1, tr->active_cap);
		tr->active[tr->nactive++] = t;
	}
	if (tr->pending_head == tr->npending)
		tr->pending_head = tr->npending = 0;
}

/* The largest TTL at which the destination answered any MDA flow, 0 none. */
static unsigned mda_max_dest(const struct wh_trace *t)
{
	unsigned m = 0;
	for (unsigned f = 0; f < t->nflows; f++)
		if (t->flow_dest[f] > m)
			m = t->flow_dest[f];
	return m;
}

unsigned wh_trace_last_ttl(const struct wh_trace *t, const struct wh_trace_opts *o)
{
	unsigned last = o->max_ttl;
	if (o->mda && t->flow_dest) {
		unsigned m = mda_max_dest(t);
		if (m)
			last = m;
	} else if (t->dest_ttl && t->dest_ttl < last) {
		last = t->dest_ttl;
	}
	if (t->stop_ttl && t->stop_ttl < last)
		last = t->stop_ttl;
	return last;
}

/* The last TTL worth sending to: also trimmed by a distance guessed from a quoted TTL. */
static unsigned send_limit(const struct wh_trace *t, const struct wh_trace_opts *o)
{
	unsigned last = wh_trace_last_ttl(t, o);
	if (!o->mda && t->guess_ttl && t->guess_ttl < last)
		last = t->guess_ttl;
	return last;
}

static unsigned per_hop_needed(const struct wh_trace_opts *o)
{
	return o->cycles ? o->cycles : o->nqueries;
}

/* Probes TTL h needs in the plain mode: -q, or one scout past the known path. */
static unsigned need_at(const struct wh_trace *t, const struct wh_trace_opts *o, unsigned h)
{
	unsigned need = per_hop_needed(o);
	if (!o->scout || o->cycles)
		return need;
	unsigned front = o->first_ttl + WH_SCOUT_AHEAD - 1;
	if (t->top_router + WH_SCOUT_AHEAD > front)
		front = t->top_router + WH_SCOUT_AHEAD;
	if (t->dest_ttl > front)
		front = t->dest_ttl;
	if (t->guess_ttl > front)
		front = t->guess_ttl;
	return h <= front ? need : 1;
}

static void refill(struct wh_hop *hp, const struct wh_trace_opts *o, int64_t now)
{
	double k = hp->nifaces ? hp->nifaces : 1;
	double cap = o->icmp_burst * k;
	if (hp->refill_at == INT64_MIN) {
		hp->refill_at = now;
		return;
	}
	if (now > hp->refill_at) {
		hp->tokens += (double)(now - hp->refill_at) / NS_PER_S * o->icmp_rate * k;
		hp->refill_at = now;
	}
	if (hp->tokens > cap)
		hp->tokens = cap;
}

/* True when TTL h may take a probe now; else lowers tr->blocked_until. */
static bool hop_ready(struct wh_tracer *tr, struct wh_hop *hp, int64_t now)
{
	const struct wh_trace_opts *o = &tr->o;
	if (o->icmp_burst <= 0)
		return true;
	refill(hp, o, now);
	if (hp->tokens >= 1)
		return true;
	double k = hp->nifaces ? hp->nifaces : 1;
	double rate = o->icmp_rate > 0 ? o->icmp_rate * k : 0;
	if (rate > 0) {
		int64_t wait = (int64_t)((1 - hp->tokens) / rate * NS_PER_S) + 1;
		if (now + wait < tr->blocked_until)
			tr->blocked_until = now + wait;
	}
	return false;
}

static unsigned window_of(const struct wh_trace_opts *o)
{
	if (o->window)
		return o->window;
	unsigned w = (o->max_ttl - o->first_ttl + 1) * per_hop_needed(o);
	if (o->mda)
		w = (o->max_ttl - o->first_ttl + 1) * 4;
	return w > DEFAULT_WINDOW_CAP ? DEFAULT_WINDOW_CAP : w;
}

/* MDA: the largest TTL flow f should be sent to. Flow 0 explores up to the
 * limit; the others follow where answers were seen, so that a far, silent
 * destination does not cost every flow every TTL. */
static unsigned mda_flow_limit(const struct wh_trace *t, const struct wh_trace_opts *o, unsigned f, unsigned limit)
{
	unsigned lim = limit;
	unsigned maxdest = mda_max_dest(t);
	if (t->flow_dest[f])
		lim = t->flow_dest[f];
	else if (maxdest && maxdest + 2 < lim)
		lim = maxdest + 2;
	else if (!maxdest && f > 0 && t->top_ttl + 2 < lim)
		lim = t->top_ttl + 2;
	if (t->stop_ttl && t->stop_ttl < lim)
		lim = t->stop_ttl;
	(void)o;
	return lim;
}

/* Choose the TTL (and flow) of a trace's next probe; 0 when none may go now. */
static unsigned pick(struct wh_tracer *tr, struct wh_trace *t, int64_t now, uint16_t *flow)
{
	const struct wh_trace_opts *o = &tr->o;
	if (t->inflight >= window_of(o) || t->nprobes >= WH_TRACE_MAX_PROBES_PER_TRACE)
		return 0;
	unsigned limit = send_limit(t, o);
	*flow = 0;
	if (o->mda) {
		for (unsigned f = 0; f < t->nflows; f++) {
			unsigned lim = mda_flow_limit(t, o, f, limit);
			for (unsigned h = o->first_ttl; h <= lim; h++) {
				if (t->mda_sent[(size_t)f * (WH_TRACE_MAX_TTL + 1) + h])
					continue;
				if (!hop_ready(tr, &t->hops[h], now))
					continue;
				*flow = (uint16_t)f;
				return h;
			}
		}
		return 0;
	}
	if (o->cycles) {
		unsigned need = per_hop_needed(o);
		/* Round-robin: the TTL that has had the fewest probes goes first. */
		unsigned best = 0;
		uint32_t fewest = UINT32_MAX;
		for (unsigned h = o->first_ttl; h <= limit; h++) {
			struct wh_hop *hp = &t->hops[h];
			if (hp->sent < need && hp->sent < fewest && hop_ready(tr, hp, now)) {
				fewest = hp->sent;
				best = h;
			}
		}
		if (best)
			*flow = (uint16_t)t->hops[best].sent;
		return best;
	}
	for (unsigned h = o->first_ttl; h <= limit; h++) {
		struct wh_hop *hp = &t->hops[h];
		if (hp->sent < need_at(t, o, h) && hop_ready(tr, hp, now))
			return h;
	}
	return 0;
}

static int alloc_id(struct wh_tracer *tr)
{
	for (uint32_t i = 0; i < 65535; i++) {
		uint32_t id = tr->next_id;
		tr->next_id = tr->next_id >= 65535 ? 1 : tr->next_id + 1;
		uint8_t s = tr->tab[id].state;
		if (s != ST_FLYING && s != ST_EXPIRED)
			return (int)id;
	}
	return -1;
}

static bool global_ready(struct wh_tracer *tr, int64_t now)
{
	if (tr->o.rate <= 0)
		return true;
	double burst = tr->o.rate / 100 > 1 ? tr->o.rate / 100 : 1;
	if (tr->grefill == INT64_MIN)
		tr->grefill = now;
	tr->gtokens += (double)(now - tr->grefill) / NS_PER_S * tr->o.rate;
	tr->grefill = now;
	if (tr->gtokens > burst)
		tr->gtokens = burst;
	if (tr->gtokens >= 1)
		return true;
	int64_t wait = (int64_t)((1 - tr->gtokens) / tr->o.rate * NS_PER_S) + 1;
	if (now + wait < tr->blocked_until)
		tr->blocked_until = now + wait;
	return false;
}

int wh_tracer_next(struct wh_tracer *tr, int64_t now, struct wh_tx *tx)
{
	start_pending(tr, now);
	tr->blocked_until = INT64_MAX;
	if (!tr->nactive || !global_ready(tr, now))
		return 0;
	const struct wh_trace_opts *o = &tr->o;
	for (size_t k = 0; k < tr->nactive; k++) {
		size_t i = (tr->rr + k) % tr->nactive;
		struct wh_trace *t = tr->active[i];
		if (t->done)
			continue;
		uint16_t flow;
		unsigned ttl = pick(tr, t, now, &flow);
		if (!ttl)
			continue;
		if (t->hops[ttl].n >= WH_TRACE_MAX_PROBES_PER_TRACE)
			continue;
		int id = alloc_id(tr);
		if (id < 0)
			return 0;
		tr->rr = (i + 1) % tr->nactive;
		memset(&tx->spec, 0, sizeof(tx->spec));
		struct wh_probe_spec *s = &tx->spec;
		s->method = o->method;
		s->src = t->src;
		s->dst = t->dst;
		s->ttl = (uint8_t)ttl;
		s->tos = o->tos;
		s->df = o->df;
		s->id = (uint16_t)id;
		s->len = o->packetlen ? o->packetlen : (t->dst.family == AF_INET6 ? 80 : 60);
		s->sport = o->sport;
		s->dport = o->port;
		s->ident = o->ident;
		if (o->mda) {
			if (o->method == WH_M_ICMP_PARIS)
				s->ident = (uint16_t)(o->ident + flow);
			else
				s->sport = (uint16_t)(o->sport + flow);
		}
		if (o->method == WH_M_UDP)
			s->dport = (uint16_t)(o->port + t->serial++);
		tx->len = wh_probe_build(s, tx->buf, sizeof(tx->buf));
		if (!tx->len)
			return 0;
		tx->trace = t;
		tx->id = (uint16_t)id;
		tx->ttl = (uint8_t)ttl;
		tx->dst = t->dst;

		struct inflight *p = &tr->tab[id];
		memset(p, 0, sizeof(*p));
		p->t = t;
		p->state = ST_FLYING;
		p->ttl = (uint8_t)ttl;
		p->flow = o->mda ? flow : 0;
		p->cycle = o->cycles ? flow : 0;
		p->sport = s->sport;
		p->dport = s->dport;
		p->tos = s->tos;
		p->sent = now;
		/* What the checksum field of the probe says, for the NAT check. */
		size_t l4 = t->dst.family == AF_INET6 ? 40 : 20;
		if (o->method != WH_M_TCP && tx->len >= l4 + 8) {
			p->cksum = (uint16_t)(tx->buf[l4 + (o->method == WH_M_ICMP || o->method == WH_M_ICMP_PARIS ? 2 : 6)] << 8 |
					      tx->buf[l4 + (o->method == WH_M_ICMP || o->method == WH_M_ICMP_PARIS ? 3 : 7)]);
			p->icmp_id = (uint16_t)(tx->buf[l4 + 4] << 8 | tx->buf[l4 + 5]);
		}
		struct wh_hop *hp = &t->hops[ttl];
		WH_GROW(hp->p, hp->n + 1, hp->cap);
		struct wh_hop_probe *r = &hp->p[hp->n];
		memset(r, 0, sizeof(*r));
		r->rtt = -1;
		r->flow = p->flow;
		r->cycle = p->cycle;
		p->slot = hp->n++;
		hp->sent++;
		hp->inflight++;
		if (o->icmp_burst > 0)
			hp->tokens -= 1;
		if (o->mda)
			t->mda_sent[(size_t)flow * (WH_TRACE_MAX_TTL + 1) + ttl] = 1;
		t->inflight++;
		t->nprobes++;
		WH_GROW(t->fly, t->nfly + 1, t->flycap);
		p->fly_idx = t->nfly;
		t->fly[t->nfly++] = (uint16_t)id;
		if (o->rate > 0)
			tr->gtokens -= 1;
		tr->st.sent++;
		return 1;
	}
	return 0;
}

static void fly_remove(struct wh_trace *t, struct inflight *tab, struct inflight *p)
{
	uint32_t i = p->fly_idx;
	if (i >= t->nfly)
		return;
	uint16_t last = t->fly[--t->nfly];
	if (i < t->nfly) {
		t->fly[i] = last;
		tab[last].fly_idx = i;
	}
}

void wh_tracer_sent(struct wh_tracer *tr, const struct wh_tx *tx, int64_t when, bool ok)
{
	struct inflight *p = &tr->tab[tx->id];
	if (p->state != ST_FLYING || p->t != tx->trace)
		return;
	p->sent = when;
	if (!ok) {
		/* Never left: a lost probe, not one to wait for. */
		p->state = ST_EXPIRED;
		tx->trace->inflight--;
		tx->trace->hops[p->ttl].inflight--;
		tr->st.expired++;
	}
}

static int64_t probe_timeout(const struct wh_tracer *tr, const struct wh_trace *t, const struct inflight *p)
{
	const struct wh_trace_opts *o = &tr->o;
	int64_t to = o->wait_max;
	const struct wh_hop *hp = &t->hops[p->ttl];
	if (o->wait_here > 0 && hp->min_rtt >= 0) {
		int64_t w = (int64_t)(o->wait_here * (double)hp->min_rtt);
		if (w < MIN_FACTOR_WAIT)
			w = MIN_FACTOR_WAIT;
		if (w < to)
			to = w;
	} else if (o->wait_near > 0) {
		for (unsigned h = p->ttl + 1u; h <= o->max_ttl; h++)
			if (t->hops[h].min_rtt >= 0) {
				int64_t w = (int64_t)(o->wait_near * (double)t->hops[h].min_rtt);
				if (w < MIN_FACTOR_WAIT)
					w = MIN_FACTOR_WAIT;
				if (w < to)
					to = w;
				break;
			}
	}
	if (o->learn_wait && t->max_rtt > 0) {
		int64_t w = LEARN_FACTOR * t->max_rtt + LEARN_SLACK;
		if (w < to)
			to = w;
	}
	return to;
}

/* Find the probe a reply is about. Returns the id or 0; *why says why not. */
static uint16_t match(struct wh_tracer *tr, const struct wh_reply *r, enum wh_drop *why, uint8_t *nat)
{
	const struct wh_trace_opts *o = &tr->o;
	uint8_t want_proto = wh_method_proto(o->method);
	*nat = 0;
	*why = WH_DROP_UNRELATED;
	if (r->kind == WH_RK_ECHO_REPLY) {
		if (want_proto != IPPROTO_ICMP)
			return 0;
		uint16_t id = r->icmp_seq;
		struct inflight *p = &tr->tab[id];
		if (o->method == WH_M_ICMP && r->icmp_id != o->ident)
			return 0;
		if (p->state == ST_ANSWERED || p->state == ST_RETIRED) {
			*why = p->state == ST_ANSWERED ? WH_DROP_DUPLICATE : WH_DROP_LATE;
			return 0;
		}
		*why = WH_DROP_UNMATCHED;
		if (id == 0 || (p->state != ST_FLYING && p->state != ST_EXPIRED))
			return 0;
		if (!wh_addr_eq(&r->from, &p->t->dst) || r->icmp_id != p->icmp_id) {
			*why = WH_DROP_MISMATCH;
			return 0;
		}
		return id;
	}
	if (r->kind == WH_RK_TCP) {
		if (o->method != WH_M_TCP)
			return 0;
		uint32_t ack = r->tcp_ack - 1;
		/* A RST to a SYN acknowledges seq+1; some stacks send RST with ack 0 and seq = our seq+1. */
		if ((ack >> 16) != WH_TCP_SEQ_TAG)
			return 0;
		uint16_t id = (uint16_t)ack;
		struct inflight *p = &tr->tab[id];
		if (p->state == ST_ANSWERED || p->state == ST_RETIRED) {
			*why = p->state == ST_ANSWERED ? WH_DROP_DUPLICATE : WH_DROP_LATE;
			return 0;
		}
		*why = WH_DROP_UNMATCHED;
		if (id == 0 || (p->state != ST_FLYING && p->state != ST_EXPIRED))
			return 0;
		if (!wh_addr_eq(&r->from, &p->t->dst) || r->tcp_sport != p->dport || r->tcp_dport != p->sport) {
			*why = WH_DROP_MISMATCH;
			return 0;
		}
		return id;
	}
	/* An error quoting a probe. */
	uint8_t qp = r->q_proto == IPPROTO_ICMPV6 ? IPPROTO_ICMP : r->q_proto;
	if (!r->quoted || qp != want_proto)
		return 0;
	if (r->q_proto == IPPROTO_ICMP || r->q_proto == IPPROTO_ICMPV6) {
		uint8_t echo = r->q_dst.family == AF_INET6 ? 128 : 8;
		if (r->q_l4 && r->q_icmp_type != echo)
			return 0;
	}
	/* Candidate ids, strongest first. */
	uint16_t cand[4];
	unsigned nc = 0;
	uint16_t payload_id = 0;
	if (r->q_payload && r->q_payload_len >= 8 && memcmp(r->q_payload + 2, WH_PROBE_MAGIC, 4) == 0)
		payload_id = (uint16_t)(r->q_payload[6] << 8 | r->q_payload[7]);
	if (r->q_l4) {
		switch (o->method) {
		case WH_M_UDP_PARIS: cand[nc++] = r->q_cksum; break;
		case WH_M_ICMP:
		case WH_M_ICMP_PARIS: cand[nc++] = r->q_icmp_seq; break;
		case WH_M_TCP:
			if ((r->q_tcp_seq >> 16) == WH_TCP_SEQ_TAG)
				cand[nc++] = (uint16_t)r->q_tcp_seq;
			break;
		case WH_M_UDP: break;
		}
	}
	if (r->q_dst.family == AF_INET)
		cand[nc++] = r->q_ipid;
	if (payload_id && o->method != WH_M_ICMP && o->method != WH_M_ICMP_PARIS)
		cand[nc++] = payload_id;
	*why = WH_DROP_UNRELATED;
	for (unsigned i = 0; i < nc; i++) {
		uint16_t id = cand[i];
		if (!id)
			continue;
		struct inflight *p = &tr->tab[id];
		if (p->state == ST_ANSWERED || p->state == ST_RETIRED) {
			if (*why == WH_DROP_UNRELATED)
				*why = p->state == ST_ANSWERED ? WH_DROP_DUPLICATE : WH_DROP_LATE;
			continue;
		}
		if (p->state != ST_FLYING && p->state != ST_EXPIRED)
			continue;
		if (!wh_addr_eq(&r->q_dst, &p->t->dst))
			continue;
		/* The quoted payload, when there, must agree with the id. */
		if (payload_id && o->method != WH_M_ICMP && o->method != WH_M_ICMP_PARIS && payload_id != id) {
			*why = WH_DROP_MISMATCH;
			return 0;
		}
		if (r->q_partial)
			return id;   /* the kernel kept the headers to itself: nothing to compare */
		if (!wh_addr_eq(&r->q_src, &p->t->src))
			*nat |= WH_NAT_SRC_ADDR;
		if (r->q_l4) {
			if ((o->method == WH_M_UDP || o->method == WH_M_UDP_PARIS || o->method == WH_M_TCP)) {
				if (r->q_sport != p->sport)
					*nat |= WH_NAT_SRC_PORT;
				if (r->q_dport != p->dport)
					*nat |= WH_NAT_DST;
			}
			if (o->method != WH_M_TCP && r->q_cksum != p->cksum && !(*nat & (WH_NAT_SRC_ADDR | WH_NAT_SRC_PORT | WH_NAT_DST)))
				*nat |= WH_NAT_CKSUM;
		}
		if (r->q_tos != p->tos)
			*nat |= WH_NAT_TOS;
		return id;
	}
	/* Classic UDP over IPv6 with a short quote: the destination port names the probe. */
	if (o->method == WH_M_UDP && r->q_l4) {
		for (size_t k = 0; k < tr->nactive; k++) {
			struct wh_trace *t = tr->active[k];
			if (!wh_addr_eq(&t->dst, &r->q_dst))
				continue;
			for (uint32_t j = 0; j < t->nfly; j++) {
				struct inflight *p = &tr->tab[t->fly[j]];
				if (p->dport == r->q_dport && p->sport == r->q_sport)
					return t->fly[j];
			}
		}
	}
	if (*why == WH_DROP_UNRELATED) {
		for (size_t k = 0; k < tr->nactive; k++)
			if (wh_addr_eq(&tr->active[k]->dst, &r->q_dst)) {
				*why = WH_DROP_UNMATCHED;
				break;
			}
	}
	return 0;
}

static void drop(struct wh_tracer *tr, enum wh_drop d)
{
	tr->st.drop[d]++;
}

int wh_tracer_input_reply(struct wh_tracer *tr, const struct wh_reply *r, int64_t when)
{
	enum wh_drop why;
	uint8_t nat;
	uint16_t id = match(tr, r, &why, &nat);
	if (!id) {
		drop(tr, why);
		return 0;
	}
	struct inflight *p = &tr->tab[id];
	struct wh_trace *t = p->t;
	const struct wh_trace_opts *o = &tr->o;
	struct wh_hop *hp = &t->hops[p->ttl];
	struct wh_hop_probe *res = &hp->p[p->slot];
	bool late = p->state == ST_EXPIRED;
	int64_t rtt = when - p->sent;
	if (rtt < 0)
		rtt = 0;
	res->from = r->from;
	res->rtt = rtt;
	res->kind = (uint8_t)r->kind;
	res->type = r->type;
	res->code = r->code;
	res->q_ttl = r->q_ttl;
	res->reply_ttl = r->reply_ttl;
	res->nat = nat;
	res->late = late;
	res->dest = wh_reply_from_destination(r);
	wh_reply_annotation(r, res->annot, sizeof(res->annot));
	res->nmpls = r->nmpls > 4 ? 4 : r->nmpls;
	memcpy(res->mpls, r->mpls, res->nmpls * sizeof(r->mpls[0]));

	/* A new interface at this hop? (res itself already holds the address.) */
	bool seen = false;
	for (uint32_t i = 0; i < hp->n && !seen; i++)
		seen = i != p->slot && wh_addr_eq(&hp->p[i].from, &r->from);
	if (!seen && hp->nifaces < 255)
		hp->nifaces++;
	hp->answered++;
	if (hp->min_rtt < 0 || rtt < hp->min_rtt)
		hp->min_rtt = rtt;
	if (rtt > t->max_rtt)
		t->max_rtt = rtt;
	t->last_reply = when;
	if (p->ttl > t->top_ttl)
		t->top_ttl = p->ttl;
	if (!res->dest && r->kind == WH_RK_TIME_EXCEEDED && p->ttl > t->top_router)
		t->top_router = p->ttl;
	if (nat) {
		if (!t->nat)
			t->nat_hop = p->ttl;
		t->nat |= nat;
	}
	if (res->dest) {
		if (!t->dest_ttl || p->ttl < t->dest_ttl)
			t->dest_ttl = p->ttl;
		if (o->mda && (!t->flow_dest[p->flow] || p->ttl < t->flow_dest[p->flow]))
			t->flow_dest[p->flow] = p->ttl;
		if (r->quoted && r->q_ttl >= 1 && r->q_ttl <= p->ttl) {
			unsigned g = p->ttl - r->q_ttl + 1u;
			if (!t->guess_ttl || g < t->guess_ttl)
				t->guess_ttl = g;
		}
	} else if (r->kind == WH_RK_UNREACH || r->kind == WH_RK_TOO_BIG || r->kind == WH_RK_PARAM) {
		if (!t->stop_ttl || p->ttl < t->stop_ttl)
			t->stop_ttl = p->ttl;
	}
	if (late) {
		tr->st.late++;
	} else {
		hp->inflight--;
		t->inflight--;
	}
	tr->st.answered++;
	fly_remove(t, tr->tab, p);
	p->state = ST_ANSWERED;
	p->t = NULL;
	return 1;
}

static int count_status(struct wh_tracer *tr, int st)
{
	if ((unsigned)st < WH_REPLY__COUNT)
		tr->st.parse_status[st]++;
	if (st != WH_REPLY_IGNORED)
		drop(tr, WH_DROP_MALFORMED);
	return 0;
}

int wh_tracer_input4(struct wh_tracer *tr, const uint8_t *pkt, size_t len, int64_t when)
{
	struct wh_reply r;
	int st = wh_reply_parse4(pkt, len, &r);
	if (st != WH_REPLY_OK)
		return count_status(tr, st);
	tr->st.parse_status[WH_REPLY_OK]++;
	return wh_tracer_input_reply(tr, &r, when);
}

int wh_tracer_input6(struct wh_tracer *tr, uint8_t proto, const uint8_t *pkt, size_t len,
		     const struct wh_addr *from, const struct wh_addr *to, uint8_t hoplimit, int64_t when)
{
	struct wh_reply r;
	int st = wh_reply_parse6(proto, pkt, len, from, to, hoplimit, &r);
	if (st != WH_REPLY_OK)
		return count_status(tr, st);
	tr->st.parse_status[WH_REPLY_OK]++;
	return wh_tracer_input_reply(tr, &r, when);
}

/* MDA: are more flows needed? Grows t->nflows and returns true when so. */
static bool mda_grow(struct wh_tracer *tr, struct wh_trace *t)
{
	const struct wh_trace_opts *o = &tr->o;
	unsigned last = wh_trace_last_ttl(t, o);
	unsigned want = t->nflows;
	for (unsigned h = o->first_ttl; h <= last; h++) {
		const struct wh_hop *hp = &t->hops[h];
		if (!hp->nifaces)
			continue;
		unsigned nk = wh_mda_nk(hp->nifaces, o->mda_epsilon);
		/* Probes that went past the hop (their flow ended before it) say nothing about it. */
		if (hp->answered < nk) {
			unsigned missing = nk - hp->answered;
			if (t->nflows + missing > want)
				want = t->nflows + missing;
		}
	}
	if (want > o->mda_max_flows)
		want = o->mda_max_flows;
	if (want <= t->nflows)
		return false;
	t->nflows = want;
	return true;
}

static bool all_sent(struct wh_tracer *tr, struct wh_trace *t)
{
	const struct wh_trace_opts *o = &tr->o;
	unsigned last = send_limit(t, o);
	if (t->nprobes >= WH_TRACE_MAX_PROBES_PER_TRACE)
		return true;
	if (o->mda) {
		for (unsigned f = 0; f < t->nflows; f++) {
			unsigned lim = mda_flow_limit(t, o, f, last);
			for (unsigned h = o->first_ttl; h <= lim; h++)
				if (!t->mda_sent[(size_t)f * (WH_TRACE_MAX_TTL + 1) + h])
					return false;
		}
		return true;
	}
	for (unsigned h = o->first_ttl; h <= last; h++)
		if (t->hops[h].sent < need_at(t, o, h))
			return false;
	return true;
}

enum { NOT_DONE, DONE, GREW };

static int trace_complete(struct wh_tracer *tr, struct wh_trace *t)
{
	const struct wh_trace_opts *o = &tr->o;
	if (!all_sent(tr, t))
		return NOT_DONE;
	unsigned last = wh_trace_last_ttl(t, o);
	for (unsigned h = o->first_ttl; h <= last; h++)
		if (t->hops[h].inflight)
			return NOT_DONE;
	if (o->mda && mda_grow(tr, t))
		return GREW;
	return DONE;
}

static void finish(struct wh_tracer *tr, size_t idx, int64_t now)
{
	struct wh_trace *t = tr->active[idx];
	t->done = true;
	t->end = now;
	for (uint32_t i = 0; i < t->nfly; i++) {
		struct inflight *p = &tr->tab[t->fly[i]];
		if (p->state == ST_FLYING)
			tr->st.expired++;
		p->state = ST_RETIRED;
		p->t = NULL;
	}
	t->nfly = 0;
	t->inflight = 0;
	tr->active[idx] = tr->active[--tr->nactive];
	WH_GROW(tr->done, tr->ndone + 1, tr->done_cap);
	tr->done[tr->ndone++] = t;
}

int64_t wh_tracer_tick(struct wh_tracer *tr, int64_t now)
{
	int64_t next = INT64_MAX;
	bool freed = false;       /* a window slot opened: the caller should try to send now */
	for (size_t i = 0; i < tr->nactive;) {
		struct wh_trace *t = tr->active[i];
		for (uint32_t j = 0; j < t->nfly; j++) {
			struct inflight *p = &tr->tab[t->fly[j]];
			if (p->state != ST_FLYING)
				continue;
			int64_t due = p->sent + probe_timeout(tr, t, p);
			if (now >= due) {
				p->state = ST_EXPIRED;
				t->inflight--;
				t->hops[p->ttl].inflight--;
				tr->st.expired++;
				freed = true;
			} else if (due < next) {
				next = due;
			}
		}
		int c = trace_complete(tr, t);
		if (c == DONE) {
			finish(tr, i, now);
			freed = true;
			continue;
		}
		if (c == GREW)
			freed = true;   /* new flows to send now */
		i++;
	}
	start_pending(tr, now);
	if (tr->blocked_until < next)
		next = tr->blocked_until;
	return freed && tr->nactive ? now : next;
}

bool wh_tracer_done(const struct wh_tracer *tr)
{
	return tr->nactive == 0 && tr->pending_head == tr->npending;
}

struct wh_trace *wh_tracer_pop_done(struct wh_tracer *tr)
{
	if (tr->done_head >= tr->ndone) {
		tr->done_head = tr->ndone = 0;
		return NULL;
	}
	return tr->done[tr->done_head++];
}

void wh_tracer_abort(struct wh_tracer *tr, int64_t now)
{
	start_pending(tr, now);
	while (tr->nactive)
		finish(tr, tr->nactive - 1, now);
	/* Traces never started are dropped with the tracer. */
}
