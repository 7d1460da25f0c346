/*
 * pcap.c: capture files through libpcap, read from the input stream with a
 * stdio cookie (so members of archives and gzip'd captures work as plain
 * files do), and the pcapng block walker for the files libpcap refuses.
 */
#include "read/pcap.h"
#include "detect/net/flow.h"
#include "read/packet.h"
#include "util/diag.h"
#include "util/xalloc.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <string.h>
#include <unistd.h>

struct wh_capture {
	struct wh_input *in;        /* NULL for a live capture */
	const char *name;
	pcap_t *p;
	FILE *fp;                   /* the cookie stream libpcap reads (owned by p) */
	int linktype;
	bool live;
	bool read_failed;           /* the input reported a read error */
	uint64_t index;
	uint64_t next_off;          /* offset of the next record */
	/* the block walker */
	bool walk;
	struct wh_pcapng *ng;
	uint8_t *buf;
	size_t bufcap;
	uint64_t skip;              /* packets already handed out before a restart */
	int64_t last_ts;
};

#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du
#define PCAP_MAGIC_KUZ 0xa1b2cd34u
#define PCAPNG_SHB 0x0a0d0d0au

static uint32_t rd32be(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t rd32le(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint32_t rd32e(const uint8_t *p, bool be)
{
	return be ? rd32be(p) : rd32le(p);
}

static uint16_t rd16e(const uint8_t *p, bool be)
{
	return be ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

int wh_capture_sniff(const unsigned char *b, size_t n)
{
	if (n < 4)
		return 0;
	uint32_t be = rd32be(b), le = rd32le(b);
	if (be == PCAPNG_SHB)
		return n >= 12 ? 100 : 0;
	uint32_t m[] = { PCAP_MAGIC_US, PCAP_MAGIC_NS, PCAP_MAGIC_KUZ };
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (be == m[i] || le == m[i])
			return n >= 24 ? 100 : 0;
	return 0;
}

/* ---- pcapng blocks ---- */

uint32_t wh_pcapng_block_len(const struct wh_pcapng *st, const uint8_t hdr[12])
{
	bool be = st->swapped;
	if (rd32be(hdr) == PCAPNG_SHB) {
		if (rd32be(hdr + 8) == 0x1a2b3c4du)
			be = true;
		else if (rd32le(hdr + 8) == 0x1a2b3c4du)
			be = false;
		else
			return 0;
	}
	uint32_t len = rd32e(hdr + 4, be);
	if (len < 12 || len % 4 || len > WH_PCAPNG_MAX_BLOCK)
		return 0;
	return len;
}

static int64_t ticks_to_ns(uint64_t ticks, const struct wh_pcapng_iface *f)
{
	unsigned __int128 ns = (unsigned __int128)ticks * 1000000000u / f->tsunits;
	int64_t off = f->tsoffset;
	if (ns > (unsigned __int128)INT64_MAX / 2)
		return INT64_MIN;
	if (off > 4000000000LL || off < -4000000000LL)
		off = 0;
	return (int64_t)ns + off * 1000000000LL;
}

static int parse_idb(struct wh_pcapng *st, const uint8_t *b, uint32_t len, const char **why)
{
	bool be = st->swapped;
	if (len < 20) {
		*why = "interface description block too short";
		return WH_PCAPNG_ERR;
	}
	if (st->nifaces >= WH_PCAPNG_MAX_IFACES) {
		*why = "more than 256 interfaces in one section";
		return WH_PCAPNG_ERR;
	}
	struct wh_pcapng_iface f = { rd16e(b + 8, be), rd32e(b + 12, be), 1000000, 0 };
	uint32_t o = 16, end = len - 4;
	while (o + 4 <= end) {
		uint16_t code = rd16e(b + o, be), olen = rd16e(b + o + 2, be);
		if (code == 0)
			break;
		if (o + 4 + olen > end) {
			*why = "interface option beyond the block";
			return WH_PCAPNG_ERR;
		}
		const uint8_t *v = b + o + 4;
		if (code == 9 && olen >= 1) {
			unsigned r = v[0] & 0x7f;
			if (v[0] & 0x80) {
				if (r > 62) {
					*why = "timestamp resolution out of range";
					return WH_PCAPNG_ERR;
				}
				f.tsunits = 1ull << r;
			} else {
				if (r > 18) {
					*why = "timestamp resolution out of range";
					return WH_PCAPNG_ERR;
				}
				f.tsunits = 1;
				for (unsigned i = 0; i < r; i++)
					f.tsunits *= 10;
			}
		} else if (code == 14 && olen >= 8) {
			uint64_t x = be ? (uint64_t)rd32be(v) << 32 | rd32be(v + 4)
					: (uint64_t)rd32le(v + 4) << 32 | rd32le(v);
			f.tsoffset = (int64_t)x;
		}
		o += 4 + ((olen + 3u) & ~3u);
	}
	st->ifaces[st->nifaces++] = f;
	return WH_PCAPNG_SKIP;
}

int wh_pcapng_block(struct wh_pcapng *st, const uint8_t *b, uint32_t len, struct wh_rawpkt *pk,
		    const char **why)
{
	*why = NULL;
	if (len < 12 || len % 4) {
		*why = "impossible block length";
		return WH_PCAPNG_ERR;
	}
	if (rd32be(b) == PCAPNG_SHB) {
		if (len < 28) {
			*why = "section header block too short";
			return WH_PCAPNG_ERR;
		}
		if (rd32be(b + 8) == 0x1a2b3c4du)
			st->swapped = true;
		else if (rd32le(b + 8) == 0x1a2b3c4du)
			st->swapped = false;
		else {
			*why = "bad byte-order magic in the section header";
			return WH_PCAPNG_ERR;
		}
		if (rd16e(b + 12, st->swapped) != 1) {
			*why = "unknown pcapng major version";
			st->in_section = false;
			return WH_PCAPNG_ERR;
		}
		st->in_section = true;
		st->nifaces = 0;
		if (rd32e(b + len - 4, st->swapped) != len) {
			*why = "block lengths disagree";
			return WH_PCAPNG_ERR;
		}
		return WH_PCAPNG_SKIP;
	}
	bool be = st->swapped;
	if (!st->in_section) {
		*why = "block outside a section";
		return WH_PCAPNG_ERR;
	}
	if (rd32e(b + len - 4, be) != len) {
		*why = "block lengths disagree";
		return WH_PCAPNG_ERR;
	}
	uint32_t type = rd32e(b, be);
	switch (type) {
	case 1:
		return parse_idb(st, b, len, why);
	case 2:   /* obsolete packet block */
	case 6: { /* enhanced packet block */
		if (len < 32) {
			*why = "packet block too short";
			return WH_PCAPNG_ERR;
		}
		uint32_t ifid = type == 6 ? rd32e(b + 8, be) : rd16e(b + 8, be);
		uint32_t cap = rd32e(b + 20, be), orig = rd32e(b + 24, be);
		if (ifid >= st->nifaces) {
			*why = "packet of an interface that was not described";
			return WH_PCAPNG_ERR;
		}
		if (cap > len - 32) {
			*why = "packet data beyond the block";
			return WH_PCAPNG_ERR;
		}
		const struct wh_pcapng_iface *f = &st->ifaces[ifid];
		uint64_t ticks = (uint64_t)rd32e(b + 12, be) << 32 | rd32e(b + 16, be);
		pk->linktype = f->linktype;
		pk->ts = ticks_to_ns(ticks, f);
		pk->caplen = cap;
		pk->wirelen = orig < cap ? cap : orig;
		pk->data = b + 28;
		return WH_PCAPNG_PACKET;
	}
	case 3: { /* simple packet block: interface 0, no time */
		if (len < 16) {
			*why = "simple packet block too short";
			return WH_PCAPNG_ERR;
		}
		if (st->nifaces == 0) {
			*why = "packet of an interface that was not described";
			return WH_PCAPNG_ERR;
		}
		uint32_t orig = rd32e(b + 8, be), cap = len - 16;
		if (cap > orig)
			cap = orig;
		if (st->ifaces[0].snaplen && cap > st->ifaces[0].snaplen)
			cap = st->ifaces[0].snaplen;
		pk->linktype = st->ifaces[0].linktype;
		pk->ts = INT64_MIN;
		pk->caplen = cap;
		pk->wirelen = orig;
		pk->data = b + 12;
		return WH_PCAPNG_PACKET;
	}
	default:
		return WH_PCAPNG_SKIP;
	}
}

/* Whether the pcapng blocks in these first bytes describe interfaces of
 * different link types (libpcap refuses such files). */
static bool head_has_mixed_links(const uint8_t *b, size_t n)
{
	struct wh_pcapng *st = wh_xcalloc(1, sizeof(*st));
	bool mixed = false;
	size_t o = 0;
	int first = -1;
	while (o + 12 <= n && !mixed) {
		uint32_t len = wh_pcapng_block_len(st, b + o);
		if (!len || o + len > n)
			break;
		struct wh_rawpkt pk;
		const char *why;
		uint32_t before = st->nifaces;
		bool shb = rd32be(b + o) == PCAPNG_SHB;
		if (wh_pcapng_block(st, b + o, len, &pk, &why) == WH_PCAPNG_ERR && shb)
			break;
		if (st->nifaces > before) {
			int lt = st->ifaces[st->nifaces - 1].linktype;
			if (first < 0)
				first = lt;
			else if (lt != first)
				mixed = true;
		}
		o += len;
	}
	free(st);
	return mixed;
}

/* ---- the stream libpcap reads ---- */

static ssize_t ck_read(void *cookie, char *buf, size_t n)
{
	struct wh_capture *c = cookie;
	ssize_t r = wh_input_read(c->in, buf, n);
	if (r < 0) {
		c->read_failed = true;
		return -1;
	}
	return r;
}

/* Only telling the position is supported: ftell gives record offsets. */
static int ck_seek(void *cookie, off64_t *off, int whence)
{
	struct wh_capture *c = cookie;
	if ((whence == SEEK_CUR && *off == 0) ||
	    (whence == SEEK_SET && (uint64_t)*off == c->in->pos)) {
		*off = (off64_t)c->in->pos;
		return 0;
	}
	errno = ESPIPE;
	return -1;
}

static int start_libpcap(struct wh_capture *c)
{
	cookie_io_functions_t io = { .read = ck_read, .seek = ck_seek };
	c->fp = fopencookie(c, "r", io);
	if (!c->fp)
		return wh_error("%s: cannot read: %s", c->name, strerror(errno));
	setvbuf(c->fp, NULL, _IOFBF, 1 << 20);
	char err[PCAP_ERRBUF_SIZE] = "";
	c->p = pcap_fopen_offline_with_tstamp_precision(c->fp, PCAP_TSTAMP_PRECISION_NANO, err);
	if (!c->p) {
		fclose(c->fp);
		c->fp = NULL;
		if (c->read_failed)
			return -1;
		return wh_error("%s: cannot read the capture: %s", c->name, err);
	}
	c->linktype = pcap_datalink(c->p);
	if (c->linktype == DLT_RAW || c->linktype == 12 || c->linktype == 14)
		c->linktype = WH_LT_RAW;
	off_t pos = ftello(c->fp);
	c->next_off = pos >= 0 ? (uint64_t)pos : 0;
	return 0;
}

static void start_walk(struct wh_capture *c)
{
	c->walk = true;
	c->ng = wh_xcalloc(1, sizeof(*c->ng));
	c->bufcap = 1 << 16;
	c->buf = wh_xmalloc(c->bufcap);
}

struct wh_capture *wh_capture_open(struct wh_input *in)
{
	struct wh_capture *c = wh_xcalloc(1, sizeof(*c));
	c->in = in;
	c->name = in->name;
	c->last_ts = INT64_MIN;
	if (in->head && in->head_len >= 12 && rd32be(in->head) == PCAPNG_SHB &&
	    head_has_mixed_links(in->head, in->head_len)) {
		start_walk(c);
		return c;
	}
	if (start_libpcap(c) < 0) {
		free(c);
		return NULL;
	}
	return c;
}

/* libpcap met an interface with another link type part way: read the file
 * again with the block walker, skipping the packets already handed out. */
static bool restart_walk(struct wh_capture *c)
{
	struct wh_input *in = c->in;
	if (!in || in->fd < 0 || !in->head)
		return false;
	if (lseek(in->fd, (off_t)in->head_len, SEEK_SET) < 0)
		return false;
	pcap_close(c->p);
	c->p = NULL;
	c->fp = NULL;
	in->head_pos = 0;
	in->pos = 0;
	c->skip = c->index;
	c->index = 0;
	start_walk(c);
	return true;
}

static int walk_next(struct wh_capture *c, struct wh_rawpkt *pk)
{
	for (;;) {
		uint64_t off = c->in->pos;
		uint8_t hdr[12];
		ssize_t n = wh_input_read_full(c->in, hdr, 12);
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		if (n < 12) {
			wh_bad_record(c->name, off, "capture ends inside a block header");
			return 0;
		}
		uint32_t len = wh_pcapng_block_len(c->ng, hdr);
		if (!len) {
			wh_bad_record(c->name, off, "impossible pcapng block length: rest of the capture skipped");
			return 0;
		}
		if (len > c->bufcap) {
			c->bufcap = len;
			c->buf = wh_xrealloc(c->buf, c->bufcap);
		}
		memcpy(c->buf, hdr, 12);
		n = wh_input_read_full(c->in, c->buf + 12, len - 12);
		if (n < 0)
			return -1;
		if ((uint32_t)n < len - 12) {
			wh_bad_record(c->name, off, "capture ends inside a block");
			return 0;
		}
		const char *why;
		int rc = wh_pcapng_block(c->ng, c->buf, len, pk, &why);
		if (rc == WH_PCAPNG_ERR) {
			wh_bad_record(c->name, off, "%s", why);
			continue;
		}
		if (rc != WH_PCAPNG_PACKET)
			continue;
		if (c->skip) {
			c->skip--;
			continue;
		}
		if (pk->ts == INT64_MIN)
			pk->ts = c->last_ts == INT64_MIN ? 0 : c->last_ts;
		c->last_ts = pk->ts;
		pk->offset = off;
		pk->index = ++c->index;
		return 1;
	}
}

int wh_capture_next(struct wh_capture *c, struct wh_rawpkt *pk)
{
	if (c->walk)
		return walk_next(c, pk);
	struct pcap_pkthdr *h;
	const u_char *d;
	uint64_t off = c->next_off;
	int rc = pcap_next_ex(c->p, &h, &d);
	if (rc == 1) {
		if (!c->live) {
			off_t pos = ftello(c->fp);
			if (pos >= 0)
				c->next_off = (uint64_t)pos;
		}
		pk->linktype = c->linktype;
		/* Times from a file are untrusted: a pcapng tick count can put the
		 * seconds beyond what nanoseconds since 1970 can hold. */
		int64_t sec;
		if (__builtin_mul_overflow((int64_t)h->ts.tv_sec, 1000000000LL, &sec) ||
		    __builtin_add_overflow(sec, (int64_t)h->ts.tv_usec * (c->live ? 1000 : 1), &pk->ts))
			pk->ts = 0;
		pk->caplen = h->caplen;
		pk->wirelen = h->len < h->caplen ? h->caplen : h->len;
		pk->data = d;
		pk->offset = off;
		pk->index = ++c->index;
		return 1;
	}
	if (rc == 0)
		return 2;
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	const char *msg = pcap_geterr(c->p);
	if (c->live)
		return wh_error("%s: capture failed: %s", c->name, msg);
	if (c->read_failed)
		return -1;
	if (strstr(msg, "different from the type of the first interface")) {
		if (restart_walk(c))
			return walk_next(c, pk);
		wh_bad_record(c->name, off, "pcapng interfaces of different link types inside an "
			      "archive cannot be read: rest of the capture skipped");
		return 0;
	}
	if (strstr(msg, "truncated"))
		wh_bad_record(c->name, off, "capture ends inside a packet record (%s)", msg);
	else
		wh_bad_record(c->name, off, "%s: rest of the capture skipped", msg);
	return 0;
}

struct wh_capture *wh_capture_open_live(const char *iface, const char *filter, bool promisc,
					int timeout_ms, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_create(iface, perr);
	if (!p) {
		snprintf(err, errlen, "cannot open interface '%s': %s", iface, perr);
		return NULL;
	}
	pcap_set_snaplen(p, 65535);
	pcap_set_promisc(p, promisc ? 1 : 0);
	pcap_set_timeout(p, timeout_ms);
	pcap_set_immediate_mode(p, 1);
	pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_MICRO);
	int rc = pcap_activate(p);
	if (rc < 0) {
		snprintf(err, errlen, "cannot open interface '%s': %s", iface,
			 rc == PCAP_ERROR ? pcap_geterr(p) : pcap_statustostr(rc));
		pcap_close(p);
		return NULL;
	}
	if (filter && *filter) {
		struct bpf_program prog;
		if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
			snprintf(err, errlen, "bad capture filter '%s': %s", filter, pcap_geterr(p));
			pcap_close(p);
			return NULL;
		}
		rc = pcap_setfilter(p, &prog);
		pcap_freecode(&prog);
		if (rc < 0) {
			snprintf(err, errlen, "cannot set the capture filter: %s", pcap_geterr(p));
			pcap_close(p);
			return NULL;
		}
	}
	struct wh_capture *c = wh_xcalloc(1, sizeof(*c));
	c->p = p;
	c->live = true;
	c->name = wh_xstrdup(iface);
	c->linktype = pcap_datalink(p);
	if (c->linktype == DLT_RAW)
		c->linktype = WH_LT_RAW;
	return c;
}

void wh_capture_break(struct wh_capture *c)
{
	if (c && c->p)
		pcap_breakloop(c->p);
}

uint64_t wh_capture_dropped(struct wh_capture *c)
{
	struct pcap_stat st;
	if (!c->live || pcap_stats(c->p, &st) < 0)
		return 0;
	return st.ps_drop;
}

void wh_capture_close(struct wh_capture *c)
{
	if (!c)
		return;
	if (c->p)
		pcap_close(c->p);   /* closes c->fp too */
	if (c->live)
		free((char *)c->name);
	free(c->ng);
	free(c->buf);
	free(c);
}

/* ---- decoding with reports ---- */

bool wh_capture_decode(const char *source, const struct wh_rawpkt *rp, struct wh_pkt *p,
		       struct wh_decode_stats *ds)
{
	const char *why;
	p->ts = rp->ts;
	switch (wh_pkt_decode(rp->linktype, rp->data, rp->caplen, rp->wirelen, p, &why)) {
	case WH_PKT_OK:
		ds->ip++;
		return true;
	case WH_PKT_NOT_IP:
		ds->not_ip++;
		return false;
	case WH_PKT_LINKTYPE:
		if (ds->unknown_link++ == 0)
			wh_bad_record(source, rp->offset, "packet %llu: link type %d is not one whitehawk "
				      "decodes: such packets are skipped",
				      (unsigned long long)rp->index, rp->linktype);
		return false;
	default:
		ds->bad++;
		wh_bad_record(source, rp->offset, "packet %llu: %s", (unsigned long long)rp->index, why);
		return false;
	}
}

/* ---- the reader: a capture as connection records ---- */

/*
 * `whitehawk events` and every analysis that reads events see a capture as
 * the connections in it, one net_connect event per flow, with Zeek's and
 * Sysmon's field names: the same thing a Zeek conn.log of it would give.
 * The analyses that need packets (flows, recon) take the capture before
 * it becomes events (struct wh_scan's take_input).
 */
struct pcap_reader {
	struct wh_input *in;
	struct wh_capture *cap;
	struct wh_flowtab *ft;
	struct wh_conn *q;
	size_t qn, qhead, qcap;
	bool eof;
	struct wh_decode_stats ds;
	struct wh_arena arena;
};

static void queue_conn(const struct wh_conn *c, void *arg)
{
	struct pcap_reader *r = arg;
	if (r->qhead == r->qn)
		r->qhead = r->qn = 0;
	WH_GROW(r->q, r->qn + 1, r->qcap);
	r->q[r->qn++] = *c;
}

static int capr_sniff(const unsigned char *b, size_t n)
{
	return wh_capture_sniff(b, n);
}

static void *capr_open(struct wh_input *in, const struct wh_read_opts *opts)
{
	(void)opts;
	struct wh_capture *cap = wh_capture_open(in);
	if (!cap)
		return NULL;
	struct pcap_reader *r = wh_xcalloc(1, sizeof(*r));
	r->in = in;
	r->cap = cap;
	struct wh_flow_opts fo;
	wh_flow_opts_default(&fo);
	fo.max_flows = 100000;
	r->ft = wh_flowtab_new(&fo, queue_conn, r);
	wh_arena_init(&r->arena, 4096, 1 << 20);
	return r;
}

static int capr_next(void *st, struct wh_event *ev)
{
	struct pcap_reader *r = st;
	while (r->qhead == r->qn) {
		if (r->eof) {
			if (!wh_flowtab_pop(r->ft))
				return 0;
			continue;
		}
		struct wh_rawpkt rp;
		int rc = wh_capture_next(r->cap, &rp);
		if (rc == 1) {
			struct wh_pkt p;
			if (wh_capture_decode(r->in->name, &rp, &p, &r->ds))
				wh_flowtab_add(r->ft, &p, r->in->name, rp.offset);
		} else if (rc == 2) {
			continue;
		} else {
			r->eof = true;
			if (rc < 0)
				return -1;
		}
	}
	const struct wh_conn *c = &r->q[r->qhead++];
	wh_arena_reset(&r->arena);
	ev->arena = &r->arena;
	ev->time = c->ts;
	ev->kind = WH_EV_NET_CONNECT;
	ev->channel = "conn";
	ev->provider = "whitehawk";
	ev->offset = c->offset;
	wh_conn_to_event(c, ev);
	return 1;
}

static void capr_close(void *st)
{
	struct pcap_reader *r = st;
	wh_capture_close(r->cap);
	wh_flowtab_free(r->ft);
	free(r->q);
	wh_arena_release(&r->arena);
	free(r);
}

const struct wh_reader wh_reader_pcap = {
	.name = "pcap",
	.sniff = capr_sniff,
	.open = capr_open,
	.next = capr_next,
	.close = capr_close,
};
