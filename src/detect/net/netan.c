/*
 * netan.c: the network analyses. State is kept per direction-aware host
 * pair (beacon samples, bytes, durations, probed ports, lateral services,
 * the owning process), per (source, port) for sweeps, and per external
 * destination for rarity. Every table and every per-entry set has a cap;
 * what does not fit is counted and said in the summary.
 */
#include "detect/net/netan.h"
#include "intel/intel.h"
#include "read/packet.h"
#include "util/hash.h"
#include "util/wtime.h"
#include "util/xalloc.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- options ---- */

static const char *const default_internal[] = {
	"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7",
};

void wh_netan_opts_default(struct wh_netan_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->what = WH_NA_ALL;
	for (size_t i = 0; i < sizeof(default_internal) / sizeof(default_internal[0]); i++)
		wh_prefix_parse(default_internal[i], strlen(default_internal[i]), &o->internal[o->ninternal++]);
	o->beacon_score = 0.8;
	o->beacon_min_conns = 5;
	o->long_conn = 3600 * WH_NS_PER_SEC;
	o->exfil_bytes = 50ull << 20;
	o->exfil_pcr = 0.5;
	o->scan_ports = 20;
	o->sweep_hosts = 20;
	o->ping_hosts = 10;
	o->lateral_hosts = 3;
	o->rare_max = 1;
	o->max_pairs = 400000;
	o->max_ts_per_pair = 8640;
	o->max_sources = 100000;
}

bool wh_netan_set_internal(struct wh_netan_opts *o, const char *list, const char **bad)
{
	size_t n = 0;
	struct wh_prefix tmp[WH_NETAN_MAX_INTERNAL];
	const char *s = list;
	while (*s) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		while (len && (*s == ' ')) {
			s++;
			len--;
		}
		while (len && s[len - 1] == ' ')
			len--;
		if (len) {
			if (n == WH_NETAN_MAX_INTERNAL || !wh_prefix_parse(s, len, &tmp[n])) {
				*bad = s;
				return false;
			}
			n++;
		}
		s += (comma ? (size_t)(comma - s) + 1 : strlen(s));
	}
	memcpy(o->internal, tmp, n * sizeof(tmp[0]));
	o->ninternal = n;
	return true;
}

bool wh_netan_is_internal(const struct wh_netan_opts *o, const struct wh_ip *ip)
{
	/* "::" is the source of a host event that did not name one (auditd
	 * connect): the host itself, which is ours. */
	static const struct wh_ip unspecified;
	if (wh_ip_eq(ip, &unspecified))
		return true;
	for (size_t i = 0; i < o->ninternal; i++)
		if (wh_prefix_contains(&o->internal[i], ip))
			return true;
	return false;
}

/* ---- state ---- */

enum stype { ST_SYN, ST_CONNECT, ST_FIN, ST_NULL, ST_XMAS, ST_ACK, ST_MAIMON, ST_UDP, ST_N };
static const char *const stype_names[ST_N] = { "syn", "connect", "fin", "null", "xmas", "ack", "maimon", "udp" };

enum lateral_service { LS_SMB, LS_RDP, LS_WINRM, LS_SSH, LS_RPC, LS_N };
static const struct {
	const char *name, *attack;
	uint16_t ports[2];        /* TCP; 0 when unused */
} lateral_info[LS_N] = {
	[LS_SMB] = { "SMB", "T1021.002", { 445, 139 } },
	[LS_RDP] = { "RDP", "T1021.001", { 3389, 0 } },
	[LS_WINRM] = { "WinRM", "T1021.006", { 5985, 5986 } },
	[LS_SSH] = { "SSH", "T1021.004", { 22, 0 } },
	[LS_RPC] = { "WMI/DCOM (RPC)", "T1047,T1021.003", { 135, 0 } },
};

struct pair_key {
	struct wh_ip o, r;
	uint64_t host;            /* hash of the host name when the source address is unknown */
};

#define INLINE_PORTS 16

struct portset {
	uint32_t inl[INLINE_PORTS];
	uint8_t n;
	uint8_t *bits;            /* 2 x 65536 bits once past INLINE_PORTS */
	uint32_t count;
};

struct pair {
	struct pair_key k;
	uint32_t conns, established;
	int64_t first, last;
	uint64_t bytes_out, bytes_in;
	bool bytes_known, still_open;
	int64_t max_dur;
	uint32_t long_conns;
	int64_t *ts;
	uint64_t *sz;
	uint32_t nts, tscap;
	int64_t ts_inl[4];        /* most pairs have a few connections: no allocation */
	uint64_t sz_inl[4];
	uint8_t ts_origin;        /* the origin the samples come from */
	bool sizes_ok;            /* every sample has a size */
	uint16_t ports[8];
	uint32_t pcount[8];
	uint8_t nports;
	bool more_ports;
	uint8_t proto;            /* of the first connection */
	struct portset probed;
	uint32_t stype[ST_N];
	uint32_t open, closed, filtered;
	uint64_t probe_ttls;      /* bit t-1 for each TTL 1..64 the probes were sent with */
	uint8_t lateral;          /* enum lateral_service bits with an established connection */
	uint32_t lat_conns;       /* connections over those services */
	int64_t lat_first;        /* the first of them, and where it was logged */
	const char *lat_src;
	uint64_t lat_off, lat_rec;
	uint16_t susp_port;       /* an established connection to a port malware favours */
	bool scan_reported;       /* by wh_netan_poll_scans */
	const char *image, *guid, *user, *host, *query;
	uint64_t pid;
	const char *src0, *src1;
	uint64_t off0, rec0, off1, rec1;
	int64_t t1;
};

#define SWEEP_SET_MAX 1024

struct sweep_key {
	struct wh_ip src;
	uint16_t port;
	uint8_t proto;
	uint8_t pad[5];
};

struct sweep {
	struct sweep_key k;
	uint64_t *set;            /* open addressing on address hashes */
	uint32_t setcap, ndst;
	bool saturated;
	uint32_t answered;
	struct wh_ip sample[8];
	uint8_t nsample;
	int64_t first, last;
	const char *src0;
	uint64_t off0, rec0;
	uint32_t stype[ST_N];
	bool reported;            /* by wh_netan_poll_scans */
	const char *host, *image; /* from host events, when the source logged them */
};

#define DEST_SET_MAX 64

struct dest {
	struct wh_ip ip;
	uint64_t srcs[DEST_SET_MAX];
	uint32_t n;
	bool saturated;
};

struct wh_netan {
	struct wh_netan_opts o;
	struct wh_netan_stats st;
	struct wh_map pairs, sweeps, dests, names, internal_hosts;
	struct wh_arena arena;    /* entries and their keys */
	struct wh_intern strings;
	int64_t wf, wl;           /* the whole data set's time span */
	uint64_t sweeps_n, dests_n;
};

struct wh_netan *wh_netan_new(const struct wh_netan_opts *o)
{
	struct wh_netan *a = wh_xcalloc(1, sizeof(*a));
	a->o = *o;
	wh_map_init(&a->pairs, false);
	wh_map_init(&a->sweeps, false);
	wh_map_init(&a->dests, false);
	wh_map_init(&a->names, false);
	wh_map_init(&a->internal_hosts, false);
	wh_arena_init(&a->arena, 1 << 20, 0);
	wh_intern_init(&a->strings, false);
	a->wf = INT64_MAX;
	a->wl = INT64_MIN;
	return a;
}

const struct wh_netan_stats *wh_netan_stats(const struct wh_netan *a)
{
	return &a->st;
}

static const char *intern(struct wh_netan *a, const char *s)
{
	return s && *s ? wh_intern_str(&a->strings, s) : "";
}

static uint64_t ip_key64(const struct wh_ip *ip)
{
	uint64_t h = wh_ip_hash(ip);
	return h ? h : 1;   /* 0 marks an empty slot */
}

/* ---- sets ---- */

static void portset_add(struct portset *s, uint32_t v)
{
	if (s->bits) {
		uint8_t m = (uint8_t)(1u << (v & 7));
		if (!(s->bits[v >> 3] & m)) {
			s->bits[v >> 3] |= m;
			s->count++;
		}
		return;
	}
	for (uint8_t i = 0; i < s->n; i++)
		if (s->inl[i] == v)
			return;
	if (s->n < INLINE_PORTS) {
		s->inl[s->n++] = v;
		s->count++;
		return;
	}
	s->bits = wh_xcalloc(2 * 65536 / 8, 1);
	for (uint8_t i = 0; i < s->n; i++)
		s->bits[s->inl[i] >> 3] |= (uint8_t)(1u << (s->inl[i] & 7));
	s->bits[v >> 3] |= (uint8_t)(1u << (v & 7));
	s->count++;
}

/* Add to an open-addressing set of nonzero 64-bit keys; false when it was there. */
static bool set64_add(uint64_t **set, uint32_t *cap, uint32_t *n, uint32_t max, uint64_t key,
		      bool *saturated)
{
	if (*n >= max) {
		*saturated = true;
		return false;
	}
	if ((*n + 1) * 2 > *cap) {
		uint32_t nc = *cap ? *cap * 2 : 16;
		uint64_t *ns = wh_xcalloc(nc, sizeof(*ns));
		for (uint32_t i = 0; i < *cap; i++)
			if ((*set)[i]) {
				uint32_t j = (uint32_t)((*set)[i] & (nc - 1));
				while (ns[j])
					j = (j + 1) & (nc - 1);
				ns[j] = (*set)[i];
			}
		free(*set);
		*set = ns;
		*cap = nc;
	}
	uint32_t j = (uint32_t)(key & (*cap - 1));
	while ((*set)[j]) {
		if ((*set)[j] == key)
			return false;
		j = (j + 1) & (*cap - 1);
	}
	(*set)[j] = key;
	(*n)++;
	return true;
}

/* ---- probes ---- */

static bool is_echo_request(const struct wh_conn *c)
{
	return (c->proto == WH_PROTO_ICMP && c->orig_p == 8) || (c->proto == WH_PROTO_ICMP6 && c->orig_p == 128);
}

static int probe_type(const struct wh_conn *c)
{
	if (c->proto == WH_PROTO_UDP) {
		if (c->origin == WH_CO_HOST)
			return -1;
		if (c->have & WH_CH_BYTES) {
			if (c->resp_bytes > 0 || (c->have & WH_CH_PKTS && c->resp_pkts > 0 && !c->icmp_unreach))
				return -1;
			if (c->orig_bytes > 64)
				return -1;
		} else if (c->state != WH_CS_S0) {
			return -1;
		}
		return ST_UDP;
	}
	if (c->proto != WH_PROTO_TCP)
		return -1;
	if ((c->have & WH_CH_BYTES) && (c->orig_bytes > 0 || c->resp_bytes > 0))
		return -1;
	if (c->origin == WH_CO_HOST)
		return ST_CONNECT;   /* a host event is a connect() that the host logged */
	if (c->have & WH_CH_FLAGS) {
		uint8_t ff = c->first_flags, of = c->orig_flags, rf = c->resp_flags;
		if ((ff & WH_TCP_SYN) && !(ff & WH_TCP_ACK)) {
			bool handshake = (rf & WH_TCP_SYN) && (rf & WH_TCP_ACK) && (of & WH_TCP_ACK);
			if (handshake)
				return ST_CONNECT;
			/* A kernel's connect() sends a SYN full of options; a raw
			 * scanner's carries at most an MSS. */
			if ((c->have & WH_CH_SYNSIG) && c->syn_optlen > 4)
				return ST_CONNECT;
			return ST_SYN;
		}
		if (ff == 0 && c->orig_pkts <= 2)
			return ST_NULL;
		if ((ff & (WH_TCP_FIN | WH_TCP_PSH | WH_TCP_URG)) == (WH_TCP_FIN | WH_TCP_PSH | WH_TCP_URG) &&
		    !(ff & WH_TCP_SYN))
			return ST_XMAS;
		if (ff == WH_TCP_FIN)
			return ST_FIN;
		if (ff == (WH_TCP_FIN | WH_TCP_ACK) && c->orig_pkts <= 2)
			return ST_MAIMON;
		if (ff == WH_TCP_ACK && c->orig_pkts <= 2 && !(of & WH_TCP_SYN))
			return ST_ACK;
		return -1;
	}
	/* Zeek: the history letters (upper case: the originator) */
	const char *h = c->history;
	if (h[0] == 'S') {
		const char *sa = strchr(h, 'h');
		if (sa && strchr(sa, 'A'))
			return ST_CONNECT;
		return ST_SYN;
	}
	if (h[0] == 'F')
		return ST_FIN;
	if (h[0] == 'A' && c->orig_pkts <= 2 && (c->have & WH_CH_PKTS))
		return ST_ACK;
	if (!h[0] && (c->have & WH_CH_STATE)) {
		switch (c->state) {
		case WH_CS_S0:
		case WH_CS_REJ:
		case WH_CS_RSTOS0:
		case WH_CS_SH:
			return ST_SYN;
		default:
			return -1;
		}
	}
	return -1;
}

const char *wh_netan_probe_type(const struct wh_conn *c)
{
	int t = probe_type(c);
	return t < 0 ? NULL : stype_names[t];
}

/* Open, closed or filtered, as a scanner would say. */
static void probe_outcome(const struct wh_conn *c, uint32_t *open, uint32_t *closed, uint32_t *filtered)
{
	if (c->proto == WH_PROTO_UDP) {
		if (c->icmp_unreach)
			(*closed)++;
		else
			(*filtered)++;   /* open|filtered: no answer */
		return;
	}
	if (c->have & WH_CH_FLAGS) {
		if ((c->resp_flags & (WH_TCP_SYN | WH_TCP_ACK)) == (WH_TCP_SYN | WH_TCP_ACK))
			(*open)++;
		else if (c->resp_flags & WH_TCP_RST)
			(*closed)++;
		else
			(*filtered)++;
		return;
	}
	if (strchr(c->history, 'h') || c->state == WH_CS_RSTO || c->state == WH_CS_SF || c->state == WH_CS_S1)
		(*open)++;
	else if (c->state == WH_CS_REJ || strchr(c->history, 'r'))
		(*closed)++;
	else
		(*filtered)++;
}

/* Web ports: a browser or an agent reaches many hosts on them, so a host's
 * own connect() there is no probe of a sweep. */
static bool web_port(uint16_t port)
{
	return port == 80 || port == 443 || port == 8080 || port == 8443;
}

static int lateral_service(const struct wh_conn *c)
{
	if (c->proto != WH_PROTO_TCP || c->resp_p == 0)
		return -1;
	for (int s = 0; s < LS_N; s++)
		if (lateral_info[s].ports[0] == c->resp_p || lateral_info[s].ports[1] == c->resp_p)
			return s;
	return -1;
}

/* The connection got somewhere: a reply, data, or a host that logged it. */
static bool established(const struct wh_conn *c)
{
	if (c->origin == WH_CO_HOST)
		return true;
	if ((c->have & WH_CH_BYTES) && c->orig_bytes + c->resp_bytes > 0)
		return true;
	switch (c->state) {
	case WH_CS_S1:
	case WH_CS_SF:
	case WH_CS_S2:
	case WH_CS_S3:
	case WH_CS_RSTR:
		/* From a capture, a handshake the originator never acknowledged
		 * (SYN, SYN-ACK, nothing) did not get anywhere. */
		if (c->have & WH_CH_FLAGS)
			return (c->orig_flags & WH_TCP_ACK) != 0;
		return true;
	case WH_CS_RSTO:
		return c->have & WH_CH_FLAGS ? (c->orig_flags & WH_TCP_ACK) != 0 : strchr(c->history, 'A') != NULL;
	default:
		return false;
	}
}

static bool suspicious_port(uint16_t port);

/* ---- taking connections ---- */

static struct pair *get_pair(struct wh_netan *a, const struct wh_conn *c)
{
	struct pair_key k;
	memset(&k, 0, sizeof(k));
	k.o = c->orig;
	k.r = c->resp;
	static const struct wh_ip zero;
	if (wh_ip_eq(&c->orig, &zero) && c->host && *c->host)
		k.host = wh_hash_bytes_nocase(c->host, strlen(c->host));
	struct wh_map_slot *s = wh_map_find(&a->pairs, (const char *)&k, sizeof(k));
	if (s)
		return s->val;
	if (a->pairs.count >= a->o.max_pairs) {
		a->st.pairs_dropped++;
		return NULL;
	}
	struct pair *p = wh_arena_calloc(&a->arena, sizeof(*p));
	p->k = k;
	p->first = INT64_MAX;
	p->lat_first = INT64_MAX;
	p->last = INT64_MIN;
	p->sizes_ok = true;
	p->proto = c->proto;
	p->ts = p->ts_inl;
	p->sz = p->sz_inl;
	p->tscap = 4;
	s = wh_map_put(&a->pairs, (const char *)&p->k, sizeof(p->k), NULL);
	s->val = p;
	a->st.pairs++;
	return p;
}

static void add_sample(struct wh_netan *a, struct pair *p, const struct wh_conn *c)
{
	/* One source of samples per pair: a capture or Zeek log beats host
	 * events (which may describe the same connections again). */
	bool wire = c->origin != WH_CO_HOST;
	if (p->nts && wire && p->ts_origin == WH_CO_HOST) {
		p->nts = 0;
		p->sizes_ok = true;
	} else if (!wire && p->nts && p->ts_origin != WH_CO_HOST) {
		return;
	}
	p->ts_origin = c->origin;
	if (p->nts >= a->o.max_ts_per_pair) {
		a->st.ts_dropped++;
		return;
	}
	if (p->nts == p->tscap) {
		uint32_t nc = p->tscap ? p->tscap * 2 : 8;
		if (nc > a->o.max_ts_per_pair)
			nc = a->o.max_ts_per_pair;
		if (p->ts == p->ts_inl) {
			p->ts = wh_xreallocarray(NULL, nc, sizeof(*p->ts));
			p->sz = wh_xreallocarray(NULL, nc, sizeof(*p->sz));
			memcpy(p->ts, p->ts_inl, sizeof(p->ts_inl));
			memcpy(p->sz, p->sz_inl, sizeof(p->sz_inl));
		} else {
			p->ts = wh_xreallocarray(p->ts, nc, sizeof(*p->ts));
			p->sz = wh_xreallocarray(p->sz, nc, sizeof(*p->sz));
		}
		p->tscap = nc;
	}
	p->ts[p->nts] = c->ts;
	p->sz[p->nts] = c->orig_bytes;
	if (!(c->have & WH_CH_BYTES))
		p->sizes_ok = false;
	p->nts++;
}

static void add_port(struct pair *p, uint16_t port)
{
	for (uint8_t i = 0; i < p->nports; i++)
		if (p->ports[i] == port) {
			p->pcount[i]++;
			return;
		}
	if (p->nports < 8) {
		p->ports[p->nports] = port;
		p->pcount[p->nports++] = 1;
	} else {
		p->more_ports = true;
	}
}

static void sweep_add(struct wh_netan *a, const struct wh_conn *c, int stype, bool answered)
{
	struct sweep_key k;
	memset(&k, 0, sizeof(k));
	k.src = c->orig;
	k.port = is_echo_request(c) ? 0 : c->resp_p;
	k.proto = c->proto;
	struct wh_map_slot *s = wh_map_find(&a->sweeps, (const char *)&k, sizeof(k));
	struct sweep *w;
	if (s) {
		w = s->val;
	} else {
		if (a->sweeps_n >= a->o.max_sources) {
			a->st.sources_dropped++;
			return;
		}
		w = wh_arena_calloc(&a->arena, sizeof(*w));
		w->k = k;
		w->first = INT64_MAX;
		w->last = INT64_MIN;
		w->src0 = intern(a, c->source);
		w->off0 = c->offset;
		w->rec0 = c->record;
		s = wh_map_put(&a->sweeps, (const char *)&w->k, sizeof(w->k), NULL);
		s->val = w;
		a->sweeps_n++;
	}
	if (!w->host && c->host && *c->host)
		w->host = intern(a, c->host);
	if (!w->image && (c->have & WH_CH_PROCESS) && c->image && *c->image)
		w->image = intern(a, c->image);
	if (c->ts < w->first)
		w->first = c->ts;
	if (c->ts > w->last)
		w->last = c->ts;
	if (stype >= 0)
		w->stype[stype]++;
	if (set64_add(&w->set, &w->setcap, &w->ndst, SWEEP_SET_MAX, ip_key64(&c->resp), &w->saturated)) {
		if (w->nsample < 8)
			w->sample[w->nsample++] = c->resp;
		if (answered)
			w->answered++;
	}
}

static void dest_add(struct wh_netan *a, const struct wh_conn *c)
{
	struct wh_map_slot *s = wh_map_find(&a->dests, (const char *)&c->resp, sizeof(c->resp));
	struct dest *d;
	if (s) {
		d = s->val;
	} else {
		if (a->dests_n >= a->o.max_pairs)
			return;
		d = wh_arena_calloc(&a->arena, sizeof(*d));
		d->ip = c->resp;
		s = wh_map_put(&a->dests, (const char *)&d->ip, sizeof(d->ip), NULL);
		s->val = d;
		a->dests_n++;
	}
	uint64_t h = ip_key64(&c->orig);
	for (uint32_t i = 0; i < d->n; i++)
		if (d->srcs[i] == h)
			return;
	if (d->n < DEST_SET_MAX)
		d->srcs[d->n++] = h;
	else
		d->saturated = true;
}

static void note_internal_host(struct wh_netan *a, const struct wh_ip *ip)
{
	if (a->internal_hosts.count >= a->o.max_pairs)
		return;
	if (wh_map_find(&a->internal_hosts, (const char *)ip, sizeof(*ip)))
		return;
	struct wh_ip *copy = wh_arena_alloc(&a->arena, sizeof(*copy));
	*copy = *ip;
	wh_map_put(&a->internal_hosts, (const char *)copy, sizeof(*copy), NULL)->val = copy;
}

void wh_netan_conn(struct wh_netan *a, const struct wh_conn *c)
{
	a->st.conns++;
	if (c->ts != 0 && c->ts != WH_TIME_NONE) {
		if (c->ts < a->wf)
			a->wf = c->ts;
		int64_t end = c->ts + (c->duration > 0 ? c->duration : 0);
		if (end > a->wl)
			a->wl = end;
	}
	bool oi = wh_netan_is_internal(&a->o, &c->orig), ri = wh_netan_is_internal(&a->o, &c->resp);
	if (oi)
		note_internal_host(a, &c->orig);
	int st = probe_type(c);
	if (a->o.what & WH_NA_SCAN) {
		bool answered = established(c) || (c->resp_flags & WH_TCP_SYN) || strchr(c->history, 'h');
		if (is_echo_request(c))
			sweep_add(a, c, -1, c->resp_pkts > 0);
		else if (st >= 0 && (c->origin != WH_CO_HOST || (oi && ri && !web_port(c->resp_p))))
			sweep_add(a, c, st, answered);
	}
	if (oi && !ri)
		dest_add(a, c);
	struct pair *p = get_pair(a, c);
	if (!p)
		return;
	p->conns++;
	if (c->ts < p->first) {
		p->first = c->ts;
		p->src0 = intern(a, c->source);
		p->off0 = c->offset;
		p->rec0 = c->record;
	}
	int64_t end = c->ts + (c->duration > 0 ? c->duration : 0);
	if (end >= p->last) {
		p->last = end;
		p->t1 = c->ts;
		p->src1 = intern(a, c->source);
		p->off1 = c->offset;
		p->rec1 = c->record;
	}
	if (c->have & WH_CH_BYTES) {
		p->bytes_known = true;
		p->bytes_out += c->orig_bytes;
		p->bytes_in += c->resp_bytes;
	}
	if (c->duration > p->max_dur)
		p->max_dur = c->duration;
	if (c->duration >= a->o.long_conn) {
		p->long_conns++;
		if (c->state == WH_CS_S1 || c->state == WH_CS_OTH)
			p->still_open = true;
	}
	bool est = established(c);
	if (est)
		p->established++;
	if (est && st < 0 && c->proto == WH_PROTO_TCP && suspicious_port(c->resp_p))
		p->susp_port = c->resp_p;
	add_port(p, c->resp_p);
	add_sample(a, p, c);
	if (st >= 0 && (a->o.what & WH_NA_SCAN)) {
		portset_add(&p->probed, c->resp_p + (c->proto == WH_PROTO_UDP ? 65536u : 0));
		p->stype[st]++;
		probe_outcome(c, &p->open, &p->closed, &p->filtered);
		if (c->orig_ttl >= 1 && c->orig_ttl <= 64)
			p->probe_ttls |= 1ull << (c->orig_ttl - 1);
	}
	int ls = lateral_service(c);
	if (ls >= 0 && oi && ri && est) {
		p->lateral |= (uint8_t)(1u << ls);
		p->lat_conns++;
		if (c->ts < p->lat_first) {
			p->lat_first = c->ts;
			p->lat_src = intern(a, c->source);
			p->lat_off = c->offset;
			p->lat_rec = c->record;
		}
	}
	if (c->have & WH_CH_PROCESS && !p->image) {
		p->image = intern(a, c->image);
		p->guid = intern(a, c->process_guid);
		p->user = intern(a, c->user);
		p->pid = c->pid;
	}
	if (!p->host && c->host && *c->host)
		p->host = intern(a, c->host);
	if (!p->query && c->query && *c->query)
		p->query = intern(a, c->query);
}

void wh_netan_dns(struct wh_netan *a, const char *name, const struct wh_ip *ip)
{
	if (!name || !*name || a->names.count >= a->o.max_pairs)
		return;
	struct wh_map_slot *s = wh_map_find(&a->names, (const char *)ip, sizeof(*ip));
	if (s)
		return;
	struct wh_ip *copy = wh_arena_alloc(&a->arena, sizeof(*copy));
	*copy = *ip;
	s = wh_map_put(&a->names, (const char *)copy, sizeof(*copy), NULL);
	s->val = (void *)intern(a, name);
}

/* ---- findings ---- */

static const char *ipstr(struct wh_findings *out, const struct wh_ip *ip)
{
	char b[WH_IP_STRLEN];
	return wh_findings_str(out, wh_ip_format(ip, b));
}

static const char *fmt_bytes(char buf[32], uint64_t v)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double x = (double)v;
	int u = 0;
	while (x >= 1024 && u < 4) {
		x /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, 32, "%llu B", (unsigned long long)v);
	else
		snprintf(buf, 32, "%.1f %s", x, unit[u]);
	return buf;
}

static const char *fmt_dur(char buf[32], double s)
{
	if (s < 120)
		snprintf(buf, 32, "%.3g s", s);
	else if (s < 7200)
		snprintf(buf, 32, "%.1f min", s / 60);
	else if (s < 172800)
		snprintf(buf, 32, "%.1f h", s / 3600);
	else
		snprintf(buf, 32, "%.1f d", s / 86400);
	return buf;
}

static const char *direction(const struct wh_netan *a, const struct wh_ip *o, const struct wh_ip *r)
{
	bool oi = wh_netan_is_internal(&a->o, o), ri = wh_netan_is_internal(&a->o, r);
	return oi && ri ? "internal" : oi ? "outbound" : ri ? "inbound" : "external";
}

static struct wh_finding *new_finding(struct wh_findings *out, const char *id, enum wh_stage stage,
				      const char *attack, uint32_t vp, enum wh_severity sev, unsigned conf)
{
	struct wh_finding *f = wh_findings_add(out);
	f->id = id;
	f->analytic = "flows";
	f->stage = stage;
	f->attack = attack;
	f->viewpoints = vp;
	f->severity = sev;
	f->confidence = (uint8_t)(conf > 100 ? 100 : conf);
	return f;
}

static void detailf(struct wh_findings *out, struct wh_finding *f, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void detailf(struct wh_findings *out, struct wh_finding *f, const char *key, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	wh_finding_add_detail(out, f, key, buf);
}

static const char *pair_name(struct wh_netan *a, const struct pair *p)
{
	if (p->query && *p->query)
		return p->query;
	struct wh_map_slot *s = wh_map_find(&a->names, (const char *)&p->k.r, sizeof(p->k.r));
	return s ? s->val : "";
}

/* The details every pair finding carries: who, where, how much, and the
 * viewpoints they speak to. */
static void pair_common(struct wh_netan *a, struct wh_findings *out, struct wh_finding *f,
			const struct pair *p)
{
	static const struct wh_ip zero;
	const char *o = wh_ip_eq(&p->k.o, &zero) && p->host ? p->host : ipstr(out, &p->k.o);
	const char *r = ipstr(out, &p->k.r);
	f->host = p->host && *p->host ? p->host : o;
	wh_finding_add_detail(out, f, "src", o);
	wh_finding_add_detail(out, f, "dst", r);
	const char *name = pair_name(a, p);
	if (*name)
		wh_finding_add_detail(out, f, "dst_name", name);
	const char *dir = direction(a, &p->k.o, &p->k.r);
	wh_finding_add_detail(out, f, "direction", dir);
	f->viewpoints |= WH_VP_DIRECTION;
	char pb[8], ports[160];
	size_t pl = 0;
	ports[0] = '\0';
	for (uint8_t i = 0; i < p->nports && pl < sizeof(ports) - 16; i++)
		pl += (size_t)snprintf(ports + pl, sizeof(ports) - pl, "%s%u", i ? "," : "", p->ports[i]);
	if (p->more_ports && pl < sizeof(ports) - 8)
		snprintf(ports + pl, sizeof(ports) - pl, ",...");
	detailf(out, f, "ports", "%s/%s", ports, wh_proto_name(p->proto, pb));
	f->viewpoints |= WH_VP_PORT;
	detailf(out, f, "connections", "%u", p->conns);
	if (p->bytes_known) {
		detailf(out, f, "bytes_out", "%llu", (unsigned long long)p->bytes_out);
		detailf(out, f, "bytes_in", "%llu", (unsigned long long)p->bytes_in);
	}
	const struct wh_ip *remote = wh_netan_is_internal(&a->o, &p->k.r) ? &p->k.o : &p->k.r;
	if (a->o.intel && wh_intel_has_geo(a->o.intel)) {
		struct wh_geo g;
		if (wh_intel_geo(a->o.intel, remote, &g)) {
			if (g.country[0])
				wh_finding_add_detail(out, f, "country", g.country);
			if (g.asn)
				detailf(out, f, "asn", "AS%u%s%s", g.asn, *g.as_org ? " " : "", g.as_org);
			f->viewpoints |= WH_VP_LOCATION;
		}
	}
	if (!wh_netan_is_internal(&a->o, &p->k.r) && wh_netan_is_internal(&a->o, &p->k.o)) {
		struct wh_map_slot *s = wh_map_find(&a->dests, (const char *)&p->k.r, sizeof(p->k.r));
		if (s) {
			const struct dest *d = s->val;
			detailf(out, f, "internal_hosts_talking", "%s%u of %zu", d->saturated ? ">=" : "", d->n,
				a->internal_hosts.count);
			if (d->n <= a->o.rare_max && a->internal_hosts.count >= 3) {
				wh_finding_add_detail(out, f, "rarity", "rare: few internal hosts talk to it");
				f->viewpoints |= WH_VP_HISTORY;
			}
		}
	}
	if (p->image && *p->image) {
		f->image = p->image;
		f->process_guid = p->guid;
		f->pid = p->pid;
		if (p->user && *p->user)
			wh_finding_add_detail(out, f, "user", p->user);
		f->viewpoints |= WH_VP_PROCESS;
	}
	wh_finding_add_evidence(out, f, p->src0, p->off0, p->rec0, p->first);
	if (p->conns > 1)
		wh_finding_add_evidence(out, f, p->src1, p->off1, p->rec1, p->t1);
	f->time = p->first;
	f->time_end = p->last;
}

/* How many internal hosts talk to the external end of an outbound pair:
 * 0 when unknown (not outbound, or the destination table was full). */
static uint32_t dest_talkers(struct wh_netan *a, const struct pair *p)
{
	if (wh_netan_is_internal(&a->o, &p->k.r) || !wh_netan_is_internal(&a->o, &p->k.o))
		return 0;
	const struct dest *d = wh_map_get(&a->dests, (const char *)&p->k.r, sizeof(p->k.r));
	return d ? d->n : 0;
}

static void finding_beacon(struct wh_netan *a, struct wh_findings *out, struct pair *p)
{
	if (p->nts < a->o.beacon_min_conns)
		return;
	bool outbound = wh_netan_is_internal(&a->o, &p->k.o) && !wh_netan_is_internal(&a->o, &p->k.r);
	if (!outbound && !a->o.beacon_all)
		return;
	struct wh_beacon b;
	if (!wh_beacon_score(p->ts, p->sizes_ok ? p->sz : NULL, p->nts, a->wf, a->wl, &b))
		return;
	if (b.score < a->o.beacon_score)
		return;
	enum wh_severity sev = b.score >= 0.95 ? WH_SEV_HIGH : WH_SEV_MEDIUM;
	/* A rhythm that most hosts keep with the same destination is a shared
	 * service (updates, monitoring) more often than an implant on each;
	 * a rhythm only one host keeps is what an implant looks like. */
	uint32_t talkers = dest_talkers(a, p), hosts = (uint32_t)a->internal_hosts.count;
	bool common = talkers >= 3 && 2 * talkers >= hosts;
	bool lone = talkers == 1 && hosts >= 3;
	if (common)
		sev = WH_SEV_LOW;
	else if (lone)
		sev = WH_SEV_HIGH;
	struct wh_finding *f = new_finding(out, "WH-NET-BEACON", WH_KC_COMMAND_AND_CONTROL, "T1071",
					   WH_VP_FREQUENCY | WH_VP_TIME, sev, (unsigned)lround(b.score * 100));
	pair_common(a, out, f, p);
	char d1[32], d2[32];
	const char *dst = f->details[1].value;
	f->title = wh_findings_fmt(out, "beacon from %s to %s every %s", f->host, dst, fmt_dur(d1, b.period));
	double jpct = b.period > 0 ? 100 * b.jitter / b.period : 0;
	f->explanation = wh_findings_fmt(
		out,
		"%u connections from %s to %s came at a steady rhythm: a median interval of %s with a "
		"jitter (median absolute deviation) of %s (%.1f%%), scored %.2f the RITA way "
		"(intervals %.2f, sizes %s, duration %.2f, histogram %.2f). Malware calling home "
		"keeps such a rhythm; so do update checks and monitoring, which the destination tells apart.%s",
		p->conns, f->host, dst, fmt_dur(d1, b.period), fmt_dur(d2, b.jitter), jpct, b.score,
		b.ts_score, b.have_sizes ? wh_findings_fmt(out, "%.2f", b.ds_score) : "unknown",
		b.dur_score, b.hist_score,
		common ? wh_findings_fmt(out, " %u of the %u internal hosts keep the same rhythm with it, as a "
					      "shared service does: low.", talkers, hosts)
		: lone ? wh_findings_fmt(out, " No other of the %u internal hosts talks to it: high.", hosts)
		       : "");
	detailf(out, f, "period_s", "%.3f", b.period);
	detailf(out, f, "jitter_s", "%.3f", b.jitter);
	detailf(out, f, "top_interval_s", "%.3f", b.mode);
	detailf(out, f, "score", "%.3f", b.score);
	detailf(out, f, "ts_score", "%.3f", b.ts_score);
	if (b.have_sizes)
		detailf(out, f, "ds_score", "%.3f", b.ds_score);
	detailf(out, f, "dur_score", "%.3f", b.dur_score);
	detailf(out, f, "hist_score", "%.3f", b.hist_score);
}

static void finding_long(struct wh_netan *a, struct wh_findings *out, struct pair *p)
{
	if (!p->long_conns)
		return;
	bool outbound = !wh_netan_is_internal(&a->o, &p->k.r) || !wh_netan_is_internal(&a->o, &p->k.o);
	double hours = (double)p->max_dur / 3.6e12;
	enum wh_severity sev = outbound && hours >= 8 ? WH_SEV_MEDIUM : WH_SEV_LOW;
	struct wh_finding *f = new_finding(out, "WH-NET-LONGCONN", WH_KC_COMMAND_AND_CONTROL, "T1071",
					   WH_VP_DURATION | WH_VP_TIME, sev, outbound ? 60 : 40);
	pair_common(a, out, f, p);
	char d1[32];
	f->title = wh_findings_fmt(out, "long connection from %s to %s: %s", f->host, f->details[1].value,
				   fmt_dur(d1, (double)p->max_dur / 1e9));
	f->explanation = wh_findings_fmt(
		out, "%u connection%s from %s to %s lasted %s or more (the longest %s)%s. Interactive "
		"command and control and tunnels hold a connection open; so do VPNs and streaming.",
		p->long_conns, p->long_conns == 1 ? "" : "s", f->host, f->details[1].value,
		fmt_dur(d1, (double)a->o.long_conn / 1e9), wh_findings_fmt(out, "%.1f h", hours),
		p->still_open ? ", and it was still open when the data ends" : "");
	detailf(out, f, "longest_s", "%.0f", (double)p->max_dur / 1e9);
	if (p->still_open) {
		wh_finding_add_detail(out, f, "state", "still open");
		f->viewpoints |= WH_VP_STATE;
	}
}

static void finding_exfil(struct wh_netan *a, struct wh_findings *out, struct pair *p)
{
	if (!p->bytes_known || p->bytes_out < a->o.exfil_bytes)
		return;
	if (!wh_netan_is_internal(&a->o, &p->k.o) || wh_netan_is_internal(&a->o, &p->k.r))
		return;
	double pcr = (double)((double)p->bytes_out - (double)p->bytes_in) / (double)(p->bytes_out + p->bytes_in);
	if (pcr < a->o.exfil_pcr)
		return;
	enum wh_severity sev = p->bytes_out >= 10 * a->o.exfil_bytes ? WH_SEV_HIGH : WH_SEV_MEDIUM;
	struct wh_finding *f = new_finding(out, "WH-NET-EXFIL", WH_KC_ACTIONS_ON_OBJECTIVES, "T1041,T1048",
					   WH_VP_VOLUME, sev, (unsigned)lround(50 + 45 * pcr));
	pair_common(a, out, f, p);
	char b1[32], b2[32];
	f->title = wh_findings_fmt(out, "large upload from %s to %s: %s", f->host, f->details[1].value,
				   fmt_bytes(b1, p->bytes_out));
	f->explanation = wh_findings_fmt(
		out, "%s sent %s to %s and got %s back (producer-consumer ratio %.2f: +1 is pure upload). "
		"Data theft looks like this; so do backups and uploads to file shares, which the "
		"destination tells apart.",
		f->host, fmt_bytes(b1, p->bytes_out), f->details[1].value, fmt_bytes(b2, p->bytes_in), pcr);
	detailf(out, f, "pcr", "%.3f", pcr);
}

static const char *top_stype(const uint32_t *t, uint32_t *count)
{
	int best = -1;
	for (int i = 0; i < ST_N; i++)
		if (t[i] && (best < 0 || t[i] > t[best]))
			best = i;
	*count = best < 0 ? 0 : t[best];
	return best < 0 ? "unknown" : stype_names[best];
}

/* Probes sent with TTL 1, 2, 3 ... are a traceroute (recon reports it), not a scan:
 * a scanner's probes leave with one TTL. */
static bool traceroute_like(const struct pair *p)
{
	return (p->probe_ttls & 7) == 7;
}

static void finding_scan(struct wh_netan *a, struct wh_findings *out, struct pair *p)
{
	if (p->probed.count < a->o.scan_ports || traceroute_like(p))
		return;
	uint32_t n;
	const char *type = top_stype(p->stype, &n);
	/* From inside, a scan means a host of ours is mapping; from outside it is
	 * the internet's background noise unless more follows. */
	bool from_inside = wh_netan_is_internal(&a->o, &p->k.o);
	struct wh_finding *f = new_finding(out, "WH-NET-PORTSCAN", WH_KC_RECONNAISSANCE, "T1046",
					   WH_VP_FREQUENCY, from_inside ? WH_SEV_MEDIUM : WH_SEV_LOW,
					   p->probed.count >= 100 ? 90 : 70);
	pair_common(a, out, f, p);
	/* the ports of a scan are its probed ports, not the first eight */
	for (uint32_t i = 0; i < f->ndetails; i++)
		if (strcmp(f->details[i].key, "ports") == 0)
			f->details[i].value = wh_findings_fmt(out, "%u distinct", p->probed.count);
	f->title = wh_findings_fmt(out, "%s port scan of %s from %s: %u ports", type, f->details[1].value,
				   f->host, p->probed.count);
	f->explanation = wh_findings_fmt(
		out, "%s probed %u distinct ports of %s without exchanging data (%u open, %u closed, %u "
		"filtered or unanswered). %u of the probes look like a %s scan. Mapping the services of "
		"a host is reconnaissance before an attack; vulnerability scanners you run do the same.",
		f->host, p->probed.count, f->details[1].value, p->open, p->closed, p->filtered, n, type);
	wh_finding_add_detail(out, f, "scan_type", type);
	detailf(out, f, "ports_probed", "%u", p->probed.count);
	detailf(out, f, "open", "%u", p->open);
	detailf(out, f, "closed", "%u", p->closed);
	detailf(out, f, "filtered", "%u", p->filtered);
}

static void finding_sweep(struct wh_netan *a, struct wh_findings *out, struct sweep *w)
{
	bool ping = (w->k.proto == WH_PROTO_ICMP || w->k.proto == WH_PROTO_ICMP6) && w->k.port == 0;
	if (w->ndst < (ping ? a->o.ping_hosts : a->o.sweep_hosts))
		return;
	char pb[8], d1[32];
	uint32_t n;
	const char *type = ping ? "echo" : top_stype(w->stype, &n);
	struct wh_finding *f = new_finding(out, ping ? "WH-NET-PINGSWEEP" : "WH-NET-SWEEP", WH_KC_RECONNAISSANCE,
					   ping ? "T1018" : "T1046,T1018", WH_VP_FREQUENCY | WH_VP_PORT,
					   WH_SEV_MEDIUM, w->ndst >= 100 ? 90 : 70);
	const char *src = ipstr(out, &w->k.src);
	f->host = w->host ? w->host : src;
	wh_finding_add_detail(out, f, "src", src);
	if (w->image) {
		f->image = w->image;
		f->viewpoints |= WH_VP_PROCESS;
		wh_finding_add_detail(out, f, "process", w->image);
	}
	char list[8 * WH_IP_STRLEN + 16];
	size_t ll = 0;
	list[0] = '\0';
	for (uint8_t i = 0; i < w->nsample; i++) {
		char b[WH_IP_STRLEN];
		ll += (size_t)snprintf(list + ll, sizeof(list) - ll, "%s%s", i ? "," : "", wh_ip_format(&w->sample[i], b));
	}
	if (w->ndst > w->nsample)
		snprintf(list + ll, sizeof(list) - ll, ",...");
	wh_finding_add_detail(out, f, "dst_sample", list);
	detailf(out, f, "hosts", "%s%u", w->saturated ? ">=" : "", w->ndst);
	detailf(out, f, "answered", "%u", w->answered);
	if (!ping) {
		detailf(out, f, "port", "%u/%s", w->k.port, wh_proto_name(w->k.proto, pb));
		wh_finding_add_detail(out, f, "scan_type", type);
	}
	bool internal = wh_netan_is_internal(&a->o, &w->k.src);
	wh_finding_add_detail(out, f, "direction", internal ? "from inside" : "from outside");
	f->viewpoints |= WH_VP_DIRECTION;
	if (ping) {
		f->title = wh_findings_fmt(out, "ping sweep from %s: %s%u hosts", src, w->saturated ? ">=" : "", w->ndst);
		f->explanation = wh_findings_fmt(
			out, "%s sent ICMP echo requests to %s%u distinct hosts in %s (%u answered). Finding "
			"which hosts are alive is the first step of mapping a network.",
			src, w->saturated ? "at least " : "", w->ndst, fmt_dur(d1, (double)(w->last - w->first) / 1e9),
			w->answered);
	} else {
		f->title = wh_findings_fmt(out, "%s sweep of port %u/%s from %s: %s%u hosts", type, w->k.port,
					   wh_proto_name(w->k.proto, pb), src, w->saturated ? ">=" : "", w->ndst);
		f->explanation = wh_findings_fmt(
			out, "%s probed port %u/%s on %s%u distinct hosts in %s (%u answered). Looking for "
			"one service across a network is how worms and attackers find their next target.",
			src, w->k.port, wh_proto_name(w->k.proto, pb), w->saturated ? "at least " : "", w->ndst,
			fmt_dur(d1, (double)(w->last - w->first) / 1e9), w->answered);
	}
	wh_finding_add_evidence(out, f, w->src0, w->off0, w->rec0, w->first);
	f->time = w->first;
	f->time_end = w->last;
}

static bool suspicious_port(uint16_t port)
{
	static const uint16_t ports[] = { 1080, 4444, 4445, 5554, 6666, 6667, 6668, 6669, 9001,
					  9030, 9050, 9051, 12345, 31337, 54321 };
	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
		if (ports[i] == port)
			return true;
	return false;
}

static void finding_port(struct wh_netan *a, struct wh_findings *out, struct pair *p)
{
	uint16_t hit = p->susp_port;
	if (!hit || wh_netan_is_internal(&a->o, &p->k.r))
		return;
	struct wh_finding *f = new_finding(out, "WH-NET-PORT", WH_KC_COMMAND_AND_CONTROL, "T1571", 0,
					   WH_SEV_LOW, 50);
	pair_common(a, out, f, p);
	f->title = wh_findings_fmt(out, "connection from %s to %s on port %u", f->host, f->details[1].value, hit);
	f->explanation = wh_findings_fmt(
		out, "%s reached %s on TCP port %u, a port that remote shells, IRC bots, proxies and Tor "
		"favour and that ordinary software rarely uses.",
		f->host, f->details[1].value, hit);
}

static void finding_intel(struct wh_netan *a, struct wh_findings *out, struct pair *p)
{
	const struct wh_intel *t = a->o.intel;
	bool ri = wh_netan_is_internal(&a->o, &p->k.r);
	const struct wh_ip *remote = ri ? &p->k.o : &p->k.r;
	const struct wh_intel_hit *h = wh_intel_ip(t, remote);
	const char *name = pair_name(a, p);
	if (!h && *name)
		h = wh_intel_domain(t, name, strlen(name));
	if (!h)
		return;
	struct wh_finding *f = new_finding(out, "WH-NET-INTEL", WH_KC_COMMAND_AND_CONTROL, "T1071",
					   WH_VP_REPUTATION, p->established ? WH_SEV_HIGH : WH_SEV_MEDIUM,
					   p->established ? 90 : 70);
	pair_common(a, out, f, p);
	wh_finding_add_detail(out, f, "feed", h->feed);
	wh_finding_add_detail(out, f, "indicator", h->indicator);
	if (*h->threat)
		wh_finding_add_detail(out, f, "threat", h->threat);
	const char *other = ri ? f->details[0].value : f->details[1].value;
	f->title = wh_findings_fmt(out, "%s talked to %s, listed by %s%s%s", f->host, other, h->feed,
				   *h->threat ? " as " : "", h->threat);
	f->explanation = wh_findings_fmt(
		out, "%s is listed in the feed %s%s%s (indicator %s). %u connection%s, %u of them "
		"established: %s.",
		other, h->feed, *h->threat ? " as " : "", h->threat, h->indicator, p->conns,
		p->conns == 1 ? "" : "s", p->established,
		p->established ? "the host reached it" : "no connection was seen to complete");
}

static void finding_geo(struct wh_netan *a, struct wh_findings *out, struct pair *p)
{
	if (!a->o.intel || !a->o.nalert_countries || wh_netan_is_internal(&a->o, &p->k.r))
		return;
	struct wh_geo g;
	if (!wh_intel_geo(a->o.intel, &p->k.r, &g) || !g.country[0])
		return;
	size_t i;
	for (i = 0; i < a->o.nalert_countries; i++)
		if (strcmp(a->o.alert_countries[i], g.country) == 0)
			break;
	if (i == a->o.nalert_countries)
		return;
	struct wh_finding *f = new_finding(out, "WH-NET-GEO", WH_KC_COMMAND_AND_CONTROL, "T1071",
					   WH_VP_LOCATION, WH_SEV_LOW, 40);
	pair_common(a, out, f, p);
	f->title = wh_findings_fmt(out, "%s talked to %s in %s", f->host, f->details[1].value, g.country);
	f->explanation = wh_findings_fmt(out, "%s is located in %s, a country on the alert list; "
				      "%u connection%s.", f->details[1].value, g.country, p->conns,
				      p->conns == 1 ? "" : "s");
}

/* Lateral movement, grouped by source and service. */
struct lat {
	struct wh_ip src;
	int svc;
	uint32_t ndst, conns;
	char dsts[256];
	size_t dl;
	int64_t first, last;
	const struct pair *firstp;
	const char *host, *image;
};

/* The widest sweep from src over one of a lateral service's ports, or NULL. */
static const struct sweep *swept(struct wh_netan *a, const struct wh_ip *src, int svc)
{
	const struct sweep *best = NULL;
	for (int i = 0; i < 2 && lateral_info[svc].ports[i]; i++) {
		struct sweep_key k;
		memset(&k, 0, sizeof(k));
		k.src = *src;
		k.port = lateral_info[svc].ports[i];
		k.proto = WH_PROTO_TCP;
		const struct sweep *w = wh_map_get(&a->sweeps, (const char *)&k, sizeof(k));
		if (w && (!best || w->ndst > best->ndst))
			best = w;
	}
	return best;
}

static void findings_lateral(struct wh_netan *a, struct wh_findings *out)
{
	struct lat *v = NULL;
	size_t n = 0, cap = 0;
	struct wh_map idx;
	wh_map_init(&idx, false);
	for (size_t i = 0; i < a->pairs.cap; i++) {
		if (!a->pairs.slots[i].key)
			continue;
		const struct pair *p = a->pairs.slots[i].val;
		for (int s = 0; s < LS_N; s++) {
			if (!(p->lateral & (1u << s)))
				continue;
			struct { struct wh_ip ip; int svc; } key;
			memset(&key, 0, sizeof(key));
			key.ip = p->k.o;
			key.svc = s;
			struct wh_map_slot *sl = wh_map_find(&idx, (const char *)&key, sizeof(key));
			struct lat *l;
			if (sl) {
				l = &v[(size_t)(uintptr_t)sl->val - 1];
			} else {
				WH_GROW(v, n + 1, cap);
				l = &v[n++];
				memset(l, 0, sizeof(*l));
				l->src = p->k.o;
				l->svc = s;
				l->first = INT64_MAX;
				l->last = INT64_MIN;
				void *kc = wh_arena_alloc(&a->arena, sizeof(key));
				memcpy(kc, &key, sizeof(key));
				wh_map_put(&idx, kc, sizeof(key), NULL)->val = (void *)(uintptr_t)n;
			}
			l->ndst++;
			l->conns += p->lat_conns;
			char b[WH_IP_STRLEN];
			if (l->dl < sizeof(l->dsts) - WH_IP_STRLEN - 4)
				l->dl += (size_t)snprintf(l->dsts + l->dl, sizeof(l->dsts) - l->dl, "%s%s",
							  l->dl ? "," : "", wh_ip_format(&p->k.r, b));
			else if (l->dl < sizeof(l->dsts) - 4 && l->dsts[l->dl - 1] != '.')
				l->dl += (size_t)snprintf(l->dsts + l->dl, sizeof(l->dsts) - l->dl, ",...");
			if (p->lat_first < l->first) {
				l->first = p->lat_first;
				l->firstp = p;
			}
			if (p->last > l->last)
				l->last = p->last;
			if (!l->host && p->host)
				l->host = p->host;
			if (!l->image && p->image)
				l->image = p->image;
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct lat *l = &v[i];
		/* Reaching as many hosts as a sweep of the service's port did is
		 * that sweep, reported as reconnaissance; lateral movement is a
		 * source reaching a few chosen hosts. */
		const struct sweep *w = swept(a, &l->src, l->svc);
		if (w && w->ndst >= a->o.sweep_hosts && l->ndst <= w->ndst)
			continue;
		bool many = l->ndst >= a->o.lateral_hosts;
		struct wh_finding *f = new_finding(out, "WH-NET-LATERAL", WH_KC_LATERAL_MOVEMENT,
						   lateral_info[l->svc].attack, WH_VP_DIRECTION | WH_VP_PORT,
						   many ? WH_SEV_MEDIUM : WH_SEV_LOW, many ? 70 : 40);
		const char *src = ipstr(out, &l->src);
		f->host = l->host ? l->host : src;
		wh_finding_add_detail(out, f, "src", src);
		wh_finding_add_detail(out, f, "service", lateral_info[l->svc].name);
		wh_finding_add_detail(out, f, "dst", l->dsts);
		detailf(out, f, "hosts", "%u", l->ndst);
		detailf(out, f, "connections", "%u", l->conns);
		wh_finding_add_detail(out, f, "direction", "internal");
		if (l->image) {
			f->image = l->image;
			f->viewpoints |= WH_VP_PROCESS;
		}
		f->title = wh_findings_fmt(out, "%s reached %u internal host%s over %s", src, l->ndst,
					   l->ndst == 1 ? "" : "s", lateral_info[l->svc].name);
		f->explanation = wh_findings_fmt(
			out, "%s opened %u connection%s over %s to %u other internal host%s (%s). Moving from "
			"host to host inside the network uses these services; so does administration, which "
			"the source and the accounts tell apart.",
			src, l->conns, l->conns == 1 ? "" : "s", lateral_info[l->svc].name, l->ndst,
			l->ndst == 1 ? "" : "s", l->dsts);
		const struct pair *p = l->firstp;
		wh_finding_add_evidence(out, f, p->lat_src, p->lat_off, p->lat_rec, p->lat_first);
		f->time = l->first;
		f->time_end = l->last;
	}
	free(v);
	wh_map_release(&idx);
}

void wh_netan_finish(struct wh_netan *a, struct wh_findings *out)
{
	if (a->wf == INT64_MAX)
		a->wf = a->wl = 0;
	uint32_t w = a->o.what;
	for (size_t i = 0; i < a->pairs.cap; i++) {
		if (!a->pairs.slots[i].key)
			continue;
		struct pair *p = a->pairs.slots[i].val;
		if (w & WH_NA_BEACON)
			finding_beacon(a, out, p);
		if (w & WH_NA_LONG)
			finding_long(a, out, p);
		if (w & WH_NA_EXFIL)
			finding_exfil(a, out, p);
		if (w & WH_NA_SCAN)
			finding_scan(a, out, p);
		if (w & WH_NA_PORTS)
			finding_port(a, out, p);
		if ((w & WH_NA_INTEL) && a->o.intel)
			finding_intel(a, out, p);
		if (w & WH_NA_GEO)
			finding_geo(a, out, p);
	}
	if (w & WH_NA_SCAN)
		for (size_t i = 0; i < a->sweeps.cap; i++)
			if (a->sweeps.slots[i].key)
				finding_sweep(a, out, a->sweeps.slots[i].val);
	if (w & WH_NA_LATERAL)
		findings_lateral(a, out);
	wh_findings_sort(out);
}

size_t wh_netan_poll_scans(struct wh_netan *a, struct wh_findings *out)
{
	size_t before = out->n;
	if (!(a->o.what & WH_NA_SCAN))
		return 0;
	for (size_t i = 0; i < a->pairs.cap; i++) {
		if (!a->pairs.slots[i].key)
			continue;
		struct pair *p = a->pairs.slots[i].val;
		if (p->scan_reported || p->probed.count < a->o.scan_ports || traceroute_like(p))
			continue;
		finding_scan(a, out, p);
		p->scan_reported = true;
	}
	for (size_t i = 0; i < a->sweeps.cap; i++) {
		if (!a->sweeps.slots[i].key)
			continue;
		struct sweep *w = a->sweeps.slots[i].val;
		size_t n = out->n;
		if (w->reported)
			continue;
		finding_sweep(a, out, w);
		if (out->n > n)
			w->reported = true;
	}
	return out->n - before;
}

void wh_netan_free(struct wh_netan *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->pairs.cap; i++)
		if (a->pairs.slots[i].key) {
			struct pair *p = a->pairs.slots[i].val;
			if (p->ts != p->ts_inl) {
				free(p->ts);
				free(p->sz);
			}
			free(p->probed.bits);
		}
	for (size_t i = 0; i < a->sweeps.cap; i++)
		if (a->sweeps.slots[i].key)
			free(((struct sweep *)a->sweeps.slots[i].val)->set);
	wh_map_release(&a->pairs);
	wh_map_release(&a->sweeps);
	wh_map_release(&a->dests);
	wh_map_release(&a->names);
	wh_map_release(&a->internal_hosts);
	wh_arena_release(&a->arena);
	wh_intern_release(&a->strings);
	free(a);
}
