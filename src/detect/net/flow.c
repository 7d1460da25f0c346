/*
 * flow.c: the flow table. Flows live in one array (indices, not pointers,
 * so it can grow by realloc up to the cap) with hash chains for lookup and
 * one least-recently-active list per timeout class: every flow in a list
 * has the same timeout, so only the list heads need checking as capture
 * time moves on, and the oldest flow overall is one of five heads.
 *
 * A packet does not move its flow to the tail of the list (that would touch
 * two other flows' memory per packet); the flow only notes the time. When
 * a flow reaches the head and turns out to have been active since it was
 * queued, it is queued again then. A change of timeout class moves it at
 * once.
 */
#include "detect/net/flow.h"
#include "util/diag.h"
#include "util/hash.h"
#include "util/xalloc.h"

#include <string.h>

#define NIL UINT32_MAX

enum klass { K_TCP_OPEN, K_TCP_ATTEMPT, K_TCP_CLOSED, K_UDP, K_ICMP, K_N };

/* TCP progress bits */
enum {
	T_OSYN = 1 << 0,    /* originator SYN */
	T_RSYNACK = 1 << 1, /* responder SYN-ACK */
	T_OACK = 1 << 2,    /* originator ACK after the SYN-ACK */
	T_OFIN = 1 << 3,
	T_RFIN = 1 << 4,
	T_ORST = 1 << 5,
	T_RRST = 1 << 6,
	T_RSYN = 1 << 7,    /* responder SYN without ACK (simultaneous open) */
};

struct flow {
	struct wh_ip a, b;          /* originator, responder */
	uint16_t ap, bp;            /* key ports */
	uint8_t proto;
	uint8_t klass;
	uint8_t tcp;                /* T_* bits */
	uint8_t oflags, rflags, first_flags;
	uint8_t syn_optlen, orig_ttl;
	uint16_t syn_win;
	uint16_t icmp_type;         /* ICMP echo: the request type for the record; else 0xffff */
	uint8_t hlen;
	bool synsig, icmp_unreach;
	bool live;                  /* in use (not on the free list) */
	uint32_t hseen;             /* history letters already written, per direction */
	char hist[WH_HISTORY_MAX + 1];
	int64_t first, last;
	int64_t qtime;              /* `last` when it was put at the tail of its list */
	uint64_t opk, rpk, oipb, ripb, ob, rb;
	uint32_t hnext;             /* hash chain, or free list */
	uint32_t prev, next;        /* list of its class */
	uint64_t hash;
	const char *source;
	uint64_t offset;
};

struct lru {
	uint32_t head, tail;
};

#define FRAG_SLOTS 4096

struct frag_slot {
	struct wh_ip src, dst;
	uint16_t id;
	uint8_t proto;
	bool used;
	uint16_t sport, dport;
};

struct wh_flowtab {
	struct wh_flow_opts o;
	wh_conn_fn fn;
	void *arg;
	struct flow *f;
	uint32_t nalloc;            /* entries allocated */
	uint32_t nused;             /* entries ever handed out (high water) */
	uint32_t count;             /* flows held */
	uint32_t freelist;
	uint32_t *bucket;
	uint32_t nbucket;           /* power of two */
	struct lru lru[K_N];
	int64_t timeout[K_N];
	int64_t now;
	struct wh_flow_stats st;
	struct wh_intern sources;
	struct frag_slot *frag;
};

void wh_flow_opts_default(struct wh_flow_opts *o)
{
	o->max_flows = 1000000;
	o->tcp_timeout = 300 * 1000000000LL;
	o->tcp_attempt_timeout = 60 * 1000000000LL;
	o->tcp_closed_timeout = 5 * 1000000000LL;
	o->udp_timeout = 60 * 1000000000LL;
	o->icmp_timeout = 60 * 1000000000LL;
}

struct wh_flowtab *wh_flowtab_new(const struct wh_flow_opts *o, wh_conn_fn fn, void *arg)
{
	struct wh_flowtab *t = wh_xcalloc(1, sizeof(*t));
	t->o = *o;
	if (t->o.max_flows < 16)
		t->o.max_flows = 16;
	if (t->o.max_flows > (1u << 30))
		t->o.max_flows = 1u << 30;
	t->fn = fn;
	t->arg = arg;
	t->freelist = NIL;
	t->nbucket = 1024;
	t->bucket = wh_xmalloc(sizeof(uint32_t) * t->nbucket);
	memset(t->bucket, 0xff, sizeof(uint32_t) * t->nbucket);
	for (int k = 0; k < K_N; k++)
		t->lru[k].head = t->lru[k].tail = NIL;
	t->timeout[K_TCP_OPEN] = o->tcp_timeout;
	t->timeout[K_TCP_ATTEMPT] = o->tcp_attempt_timeout;
	t->timeout[K_TCP_CLOSED] = o->tcp_closed_timeout;
	t->timeout[K_UDP] = o->udp_timeout;
	t->timeout[K_ICMP] = o->icmp_timeout;
	t->now = INT64_MIN;
	wh_intern_init(&t->sources, false);
	t->frag = wh_xcalloc(FRAG_SLOTS, sizeof(*t->frag));
	return t;
}

const struct wh_flow_stats *wh_flowtab_stats(const struct wh_flowtab *t)
{
	return &t->st;
}

/* ---- keys ---- */


/* The same hash for both directions. */
static uint64_t key_hash(const struct wh_ip *x, uint16_t xp, const struct wh_ip *y, uint16_t yp,
			 uint8_t proto)
{
	uint64_t hx = wh_ip_hash(x) + xp, hy = wh_ip_hash(y) + yp;
	uint64_t lo = hx < hy ? hx : hy, hi = hx < hy ? hy : hx;
	return wh_mix64(lo * 0x9e3779b97f4a7c15ULL ^ (hi + proto));
}

/* ---- lists ---- */

static void lru_unlink(struct wh_flowtab *t, uint32_t i)
{
	struct flow *f = &t->f[i];
	struct lru *l = &t->lru[f->klass];
	if (f->prev != NIL)
		t->f[f->prev].next = f->next;
	else
		l->head = f->next;
	if (f->next != NIL)
		t->f[f->next].prev = f->prev;
	else
		l->tail = f->prev;
	f->prev = f->next = NIL;
}

static void lru_append(struct wh_flowtab *t, uint32_t i, uint8_t k)
{
	struct flow *f = &t->f[i];
	struct lru *l = &t->lru[k];
	f->klass = k;
	f->qtime = f->last;
	f->next = NIL;
	f->prev = l->tail;
	if (l->tail != NIL)
		t->f[l->tail].next = i;
	else
		l->head = i;
	l->tail = i;
}

static void touch(struct wh_flowtab *t, uint32_t i, uint8_t k)
{
	if (t->f[i].klass == k)
		return;   /* queued again lazily, when it reaches the head */
	lru_unlink(t, i);
	lru_append(t, i, k);
}

static void requeue(struct wh_flowtab *t, uint32_t i)
{
	uint8_t k = t->f[i].klass;
	lru_unlink(t, i);
	lru_append(t, i, k);
}

/* ---- records ---- */

static uint8_t tcp_state(const struct flow *f)
{
	uint8_t s = f->tcp;
	bool osyn = s & T_OSYN, rsa = s & T_RSYNACK;
	if (!osyn && !rsa)
		return WH_CS_OTH;
	if (osyn && !rsa) {
		if (s & T_RRST)
			return WH_CS_REJ;
		if (s & T_ORST)
			return WH_CS_RSTOS0;
		if (s & T_OFIN)
			return WH_CS_SH;
		return WH_CS_S0;
	}
	if (!osyn) {
		if (s & T_RRST)
			return WH_CS_RSTRH;
		if (s & T_RFIN)
			return WH_CS_SHR;
		return WH_CS_OTH;
	}
	if (s & T_ORST)
		return WH_CS_RSTO;
	if (s & T_RRST)
		return WH_CS_RSTR;
	if ((s & T_OFIN) && (s & T_RFIN))
		return WH_CS_SF;
	if (s & T_OFIN)
		return WH_CS_S2;
	if (s & T_RFIN)
		return WH_CS_S3;
	return WH_CS_S1;
}

static void emit(struct wh_flowtab *t, const struct flow *f)
{
	struct wh_conn c;
	wh_conn_init(&c);
	c.origin = WH_CO_CAPTURE;
	c.ts = f->first;
	c.duration = f->last - f->first;
	c.orig = f->a;
	c.resp = f->b;
	c.proto = f->proto;
	if (f->icmp_type != 0xffff) {
		c.orig_p = f->icmp_type;
		c.resp_p = 0;
	} else {
		c.orig_p = f->ap;
		c.resp_p = f->bp;
	}
	c.orig_bytes = f->ob;
	c.resp_bytes = f->rb;
	c.orig_pkts = f->opk;
	c.resp_pkts = f->rpk;
	c.orig_ip_bytes = f->oipb;
	c.resp_ip_bytes = f->ripb;
	c.orig_ttl = f->orig_ttl;
	c.icmp_unreach = f->icmp_unreach;
	c.have = WH_CH_BYTES | WH_CH_PKTS | WH_CH_STATE | WH_CH_DURATION;
	if (f->proto == WH_PROTO_TCP) {
		c.state = tcp_state(f);
		c.orig_flags = f->oflags;
		c.resp_flags = f->rflags;
		c.first_flags = f->first_flags;
		c.have |= WH_CH_FLAGS;
		if (f->synsig) {
			c.syn_optlen = f->syn_optlen;
			c.syn_win = f->syn_win;
			c.have |= WH_CH_SYNSIG;
		}
	} else if (f->proto == WH_PROTO_UDP) {
		c.state = f->rpk ? WH_CS_SF : WH_CS_S0;
	} else {
		c.state = WH_CS_OTH;
	}
	memcpy(c.history, f->hist, sizeof(c.history));
	c.source = f->source;
	c.offset = f->offset;
	t->st.flows++;
	if (t->fn)
		t->fn(&c, t->arg);
}

static void drop(struct wh_flowtab *t, uint32_t i)
{
	struct flow *f = &t->f[i];
	uint32_t *pp = &t->bucket[f->hash & (t->nbucket - 1)];
	while (*pp != i) {
		if (*pp == NIL)
			WH_BUG("flow missing from its hash chain");
		pp = &t->f[*pp].hnext;
	}
	*pp = f->hnext;
	lru_unlink(t, i);
	f->live = false;
	f->hnext = t->freelist;
	t->freelist = i;
	t->count--;
}

static void end_flow(struct wh_flowtab *t, uint32_t i)
{
	emit(t, &t->f[i]);
	drop(t, i);
}

static void expire(struct wh_flowtab *t, int64_t now)
{
	for (int k = 0; k < K_N; k++) {
		uint32_t h;
		while ((h = t->lru[k].head) != NIL) {
			struct flow *f = &t->f[h];
			if (f->last < now - t->timeout[k]) {
				t->st.timed_out++;
				end_flow(t, h);
			} else if (f->last > f->qtime) {
				requeue(t, h);
			} else {
				break;
			}
		}
	}
}

void wh_flowtab_expire(struct wh_flowtab *t, int64_t now)
{
	if (now > t->now)
		t->now = now;
	expire(t, t->now);
}

static void evict_oldest(struct wh_flowtab *t)
{
	uint32_t best;
	for (;;) {
		best = NIL;
		for (int k = 0; k < K_N; k++) {
			uint32_t h = t->lru[k].head;
			if (h != NIL && (best == NIL || t->f[h].qtime < t->f[best].qtime))
				best = h;
		}
		if (best == NIL)
			WH_BUG("flow table full but no flow to evict");
		if (t->f[best].last <= t->f[best].qtime)
			break;
		requeue(t, best);
	}
	t->st.evicted++;
	end_flow(t, best);
}

static void rehash(struct wh_flowtab *t)
{
	uint32_t nb = t->nbucket * 2;
	uint32_t *b = wh_xmalloc(sizeof(uint32_t) * nb);
	memset(b, 0xff, sizeof(uint32_t) * nb);
	for (uint32_t i = 0; i < t->nused; i++) {
		struct flow *f = &t->f[i];
		if (!f->live)
			continue;
		uint32_t *slot = &b[f->hash & (nb - 1)];
		f->hnext = *slot;
		*slot = i;
	}
	free(t->bucket);
	t->bucket = b;
	t->nbucket = nb;
}

static uint32_t alloc_flow(struct wh_flowtab *t)
{
	if (t->count >= t->o.max_flows)
		evict_oldest(t);
	uint32_t i;
	if (t->freelist != NIL) {
		i = t->freelist;
		t->freelist = t->f[i].hnext;
	} else {
		if (t->nused == t->nalloc) {
			uint32_t n = t->nalloc ? t->nalloc * 2 : 1024;
			if (n > t->o.max_flows)
				n = (uint32_t)t->o.max_flows;
			t->f = wh_xreallocarray(t->f, n, sizeof(*t->f));
			t->nalloc = n;
		}
		i = t->nused++;
	}
	t->f[i].live = false;   /* not in a chain until the caller links it */
	t->count++;
	if (t->count > t->st.peak)
		t->st.peak = t->count;
	if (t->count > t->nbucket - t->nbucket / 4)
		rehash(t);
	return i;
}

/* Find the flow; *orig says whether the packet's sender is its originator. */
static uint32_t lookup(struct wh_flowtab *t, uint64_t h, const struct wh_ip *s, uint16_t sp,
		       const struct wh_ip *d, uint16_t dp, uint8_t proto, bool *orig)
{
	for (uint32_t i = t->bucket[h & (t->nbucket - 1)]; i != NIL; i = t->f[i].hnext) {
		struct flow *f = &t->f[i];
		if (f->hash != h || f->proto != proto)
			continue;
		if (f->ap == sp && f->bp == dp && wh_ip_eq(&f->a, s) && wh_ip_eq(&f->b, d)) {
			*orig = true;
			return i;
		}
		if (f->ap == dp && f->bp == sp && wh_ip_eq(&f->a, d) && wh_ip_eq(&f->b, s)) {
			*orig = false;
			return i;
		}
	}
	return NIL;
}

static void add_letter(struct flow *f, char upper, bool orig)
{
	static const char letters[] = "SHADFRQ";
	const char *p = strchr(letters, upper);
	if (!p)
		return;
	uint32_t bit = 1u << ((uint32_t)(p - letters) + (orig ? 0 : 16));
	if (f->hseen & bit)
		return;
	f->hseen |= bit;
	if (f->hlen < WH_HISTORY_MAX) {
		f->hist[f->hlen++] = orig ? upper : (char)(upper + 32);
		f->hist[f->hlen] = '\0';
	}
}

static uint8_t tcp_klass(const struct flow *f)
{
	uint8_t s = f->tcp;
	if ((s & (T_ORST | T_RRST)) || ((s & T_OFIN) && (s & T_RFIN)))
		return K_TCP_CLOSED;
	if ((s & T_OSYN) && !(s & T_RSYNACK))
		return K_TCP_ATTEMPT;
	return K_TCP_OPEN;
}

static void tcp_update(struct flow *f, const struct wh_pkt *p, bool orig, bool data)
{
	uint8_t fl = p->tcp_flags;
	if (orig)
		f->oflags |= fl;
	else
		f->rflags |= fl;
	bool syn = fl & WH_TCP_SYN, ack = fl & WH_TCP_ACK, fin = fl & WH_TCP_FIN, rst = fl & WH_TCP_RST;
	if (syn && (fin || rst)) {
		add_letter(f, 'Q', orig);
	} else if (syn && ack) {
		add_letter(f, 'H', orig);
		if (!orig)
			f->tcp |= T_RSYNACK;
	} else if (syn) {
		add_letter(f, 'S', orig);
		if (orig) {
			if (!(f->tcp & T_OSYN) && !f->synsig) {
				f->synsig = true;
				f->syn_optlen = p->tcp_hlen > 20 ? (uint8_t)(p->tcp_hlen - 20) : 0;
				f->syn_win = p->tcp_win;
			}
			f->tcp |= T_OSYN;
		} else {
			f->tcp |= T_RSYN;
		}
	}
	if (fin) {
		add_letter(f, 'F', orig);
		f->tcp |= orig ? T_OFIN : T_RFIN;
	}
	if (rst) {
		add_letter(f, 'R', orig);
		f->tcp |= orig ? T_ORST : T_RRST;
	}
	if (data)
		add_letter(f, 'D', orig);
	else if (ack && !syn && !fin && !rst)
		add_letter(f, 'A', orig);
	if (orig && ack && !syn && (f->tcp & T_RSYNACK))
		f->tcp |= T_OACK;
}

static void update(struct wh_flowtab *t, uint32_t i, const struct wh_pkt *p, bool orig,
		   bool have_l4)
{
	struct flow *f = &t->f[i];
	if (p->ts > f->last)
		f->last = p->ts;
	if (p->ts < f->first)
		f->first = p->ts;
	if (orig) {
		f->opk++;
		f->oipb += p->ip_len;
		f->ob += p->l4_len;
	} else {
		f->rpk++;
		f->ripb += p->ip_len;
		f->rb += p->l4_len;
	}
	uint8_t k;
	if (f->proto == WH_PROTO_TCP) {
		if (have_l4)
			tcp_update(f, p, orig, p->l4_len > 0);
		k = tcp_klass(f);
	} else if (f->proto == WH_PROTO_ICMP || f->proto == WH_PROTO_ICMP6) {
		k = K_ICMP;
	} else {
		if (p->l4_len > 0)
			add_letter(f, 'D', orig);
		k = K_UDP;
	}
	touch(t, i, k);
}

/* ---- fragments ---- */

static struct frag_slot *frag_slot(struct wh_flowtab *t, const struct wh_pkt *p)
{
	uint64_t h = wh_mix64(wh_ip_hash(&p->src) ^ (wh_ip_hash(&p->dst) << 1) ^ p->ip_id ^
			   ((uint64_t)p->proto << 20));
	return &t->frag[h & (FRAG_SLOTS - 1)];
}

static bool frag_match(const struct frag_slot *s, const struct wh_pkt *p)
{
	return s->used && s->id == p->ip_id && s->proto == p->proto && wh_ip_eq(&s->src, &p->src) &&
	       wh_ip_eq(&s->dst, &p->dst);
}

/* ---- packets ---- */

static bool is_icmp_error(const struct wh_pkt *p)
{
	return p->flags & WH_PKF_INNER;
}

static void credit_icmp_error(struct wh_flowtab *t, const struct wh_pkt *p)
{
	const struct wh_pkt_inner *in = &p->inner;
	if (!in->have_l4 || (in->proto != WH_PROTO_TCP && in->proto != WH_PROTO_UDP))
		return;
	uint64_t h = key_hash(&in->src, in->sport, &in->dst, in->dport, in->proto);
	bool orig;
	uint32_t i = lookup(t, h, &in->src, in->sport, &in->dst, in->dport, in->proto, &orig);
	if (i == NIL)
		return;
	bool unreach = p->proto == WH_PROTO_ICMP ? p->icmp_type == 3 : p->icmp_type == 1;
	if (unreach)
		t->f[i].icmp_unreach = true;
	t->st.icmp_matched++;
}

void wh_flowtab_add(struct wh_flowtab *t, const struct wh_pkt *p, const char *source,
		    uint64_t offset)
{
	t->st.packets++;
	t->st.bytes += p->wirelen;
	if (p->ts > t->now) {
		t->now = p->ts;
		expire(t, t->now);
	}
	uint16_t sp = p->sport, dp = p->dport;
	bool have_l4 = !(p->flags & (WH_PKF_FRAGMENT | WH_PKF_L4_CUT));
	bool ported = p->proto == WH_PROTO_TCP || p->proto == WH_PROTO_UDP;
	if (ported && (p->flags & WH_PKF_FRAGMENT)) {
		struct frag_slot *s = frag_slot(t, p);
		if (frag_match(s, p)) {
			sp = s->sport;
			dp = s->dport;
		}
	} else if (ported && (p->flags & WH_PKF_MORE_FRAGS) && have_l4) {
		struct frag_slot *s = frag_slot(t, p);
		*s = (struct frag_slot){ p->src, p->dst, p->ip_id, p->proto, true, sp, dp };
	}
	bool icmp = p->proto == WH_PROTO_ICMP || p->proto == WH_PROTO_ICMP6;
	bool echo = icmp && (p->flags & WH_PKF_ECHO);
	uint16_t req_type = p->proto == WH_PROTO_ICMP ? 8 : 128;
	if (echo)
		sp = dp = p->icmp_id;      /* request and reply share a key */
	if (icmp && is_icmp_error(p))
		credit_icmp_error(t, p);
	uint64_t h = key_hash(&p->src, sp, &p->dst, dp, p->proto);
	bool orig = true;
	uint32_t i = lookup(t, h, &p->src, sp, &p->dst, dp, p->proto, &orig);
	if (i == NIL) {
		i = alloc_flow(t);
		struct flow *f = &t->f[i];
		memset(f, 0, sizeof(*f));
		/* A first SYN-ACK or echo reply comes from the responder. */
		bool flip = (p->proto == WH_PROTO_TCP && have_l4 &&
			     (p->tcp_flags & (WH_TCP_SYN | WH_TCP_ACK)) == (WH_TCP_SYN | WH_TCP_ACK)) ||
			    (echo && p->icmp_type != req_type);
		f->a = flip ? p->dst : p->src;
		f->b = flip ? p->src : p->dst;
		f->ap = flip ? dp : sp;
		f->bp = flip ? sp : dp;
		f->proto = p->proto;
		f->icmp_type = echo ? req_type : 0xffff;
		f->first = f->last = p->ts;
		f->hash = h;
		f->live = true;
		f->prev = f->next = NIL;
		f->source = wh_intern_str(&t->sources, source ? source : "");
		f->offset = offset;
		if (!flip) {
			f->orig_ttl = p->ttl;
			if (p->proto == WH_PROTO_TCP && have_l4)
				f->first_flags = p->tcp_flags;
		}
		f->hnext = t->bucket[h & (t->nbucket - 1)];
		t->bucket[h & (t->nbucket - 1)] = i;
		uint8_t k = p->proto == WH_PROTO_TCP ? K_TCP_ATTEMPT : icmp ? K_ICMP : K_UDP;
		lru_append(t, i, k);
		orig = !flip;
	} else if (orig && t->f[i].opk == 0) {
		t->f[i].orig_ttl = p->ttl;
		if (p->proto == WH_PROTO_TCP && have_l4)
			t->f[i].first_flags = p->tcp_flags;
	}
	update(t, i, p, orig, have_l4);
}

/*
 * Packets of a large capture land on flows all over memory, and a cache
 * miss on the hash bucket and another on the flow cost more than the rest
 * of the work. Taking packets in batches lets those misses overlap: first
 * every bucket of the batch is fetched, then every flow they point to,
 * then the packets are added one by one as usual (the fetches are hints
 * and change nothing).
 */
void wh_flowtab_add_batch(struct wh_flowtab *t, const struct wh_pkt *p, size_t n, const char *source,
			  const uint64_t *offsets)
{
	uint64_t h[WH_FLOW_BATCH];
	if (n > WH_FLOW_BATCH)
		n = WH_FLOW_BATCH;
	for (size_t i = 0; i < n; i++) {
		uint16_t sp = p[i].sport, dp = p[i].dport;
		if (p[i].flags & WH_PKF_ECHO)
			sp = dp = p[i].icmp_id;
		h[i] = key_hash(&p[i].src, sp, &p[i].dst, dp, p[i].proto);
		__builtin_prefetch(&t->bucket[h[i] & (t->nbucket - 1)]);
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t idx = t->bucket[h[i] & (t->nbucket - 1)];
		if (idx != NIL)
			__builtin_prefetch(&t->f[idx]);
	}
	for (size_t i = 0; i < n; i++)
		wh_flowtab_add(t, &p[i], source, offsets[i]);
}

bool wh_flowtab_pop(struct wh_flowtab *t)
{
	/* The head that started first, so records come out roughly in time order. */
	uint32_t best = NIL;
	for (int k = 0; k < K_N; k++) {
		uint32_t h = t->lru[k].head;
		if (h != NIL && (best == NIL || t->f[h].first < t->f[best].first))
			best = h;
	}
	if (best == NIL)
		return false;
	end_flow(t, best);
	return true;
}

void wh_flowtab_flush(struct wh_flowtab *t)
{
	while (wh_flowtab_pop(t))
		;
}

void wh_flowtab_free(struct wh_flowtab *t)
{
	if (!t)
		return;
	free(t->f);
	free(t->bucket);
	free(t->frag);
	wh_intern_release(&t->sources);
	free(t);
}
