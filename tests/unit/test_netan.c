/* Unit tests for the network analyses: the flow table, connections from
 * events, beacon scoring, scans by type, lateral movement, exfiltration,
 * long connections, intel, and the traceroute detector. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../tools/pcapw.h"
#include "detect/net/flow.h"
#include "detect/net/netan.h"
#include "detect/recon/tracedet.h"
#include "intel/intel.h"
#include "read/packet.h"
#include "util/diag.h"
#include "util/wtime.h"

#define S 1000000000LL
#define MS 1000000LL

static uint8_t frame[70000];

/* A decoded packet built through the real encoder and decoder. */
static struct wh_pkt mk(const struct pw_pkt *pp, int64_t ts)
{
	size_t n = pw_build(PW_LT_ETH, pp, frame, sizeof(frame));
	assert_true(n > 0);
	struct wh_pkt p = { 0 };
	p.ts = ts;
	const char *why;
	assert_int_equal(wh_pkt_decode(WH_LT_EN10MB, frame, (uint32_t)n, (uint32_t)n, &p, &why), WH_PKT_OK);
	return p;
}

static struct wh_pkt tcp(const char *s, const char *d, uint16_t sp, uint16_t dp, uint8_t fl, uint32_t plen,
			 int64_t ts)
{
	static uint8_t pl[4096];
	struct pw_pkt p = { 0 };
	pw_addr(&p, s, d);
	p.proto = 6;
	p.sport = sp;
	p.dport = dp;
	p.flags = fl;
	p.payload = pl;
	p.plen = plen;
	return mk(&p, ts);
}

struct sink {
	struct wh_conn c[256];
	size_t n;
};

static void collect(const struct wh_conn *c, void *arg)
{
	struct sink *s = arg;
	if (s->n < 256)
		s->c[s->n++] = *c;
}

static void add(struct wh_flowtab *t, struct wh_pkt p)
{
	wh_flowtab_add(t, &p, "test.pcap", 0);
}

static const struct wh_conn *conn_to(const struct sink *s, uint16_t port)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->c[i].resp_p == port)
			return &s->c[i];
	return NULL;
}

static void flow_states(void **state)
{
	(void)state;
	struct wh_flow_opts o;
	wh_flow_opts_default(&o);
	struct sink s = { .n = 0 };
	struct wh_flowtab *t = wh_flowtab_new(&o, collect, &s);
	int64_t t0 = 1700000000 * S;
	/* complete: SYN, SYN-ACK, ACK, data both ways, FIN both */
	add(t, tcp("10.0.0.1", "192.0.2.1", 5000, 443, PW_SYN, 0, t0));
	add(t, tcp("192.0.2.1", "10.0.0.1", 443, 5000, PW_SYN | PW_ACK, 0, t0 + 1 * MS));
	add(t, tcp("10.0.0.1", "192.0.2.1", 5000, 443, PW_ACK, 0, t0 + 2 * MS));
	add(t, tcp("10.0.0.1", "192.0.2.1", 5000, 443, PW_ACK | PW_PSH, 300, t0 + 3 * MS));
	add(t, tcp("192.0.2.1", "10.0.0.1", 443, 5000, PW_ACK | PW_PSH, 1000, t0 + 4 * MS));
	add(t, tcp("10.0.0.1", "192.0.2.1", 5000, 443, PW_FIN | PW_ACK, 0, t0 + 5 * MS));
	add(t, tcp("192.0.2.1", "10.0.0.1", 443, 5000, PW_FIN | PW_ACK, 0, t0 + 6 * MS));
	/* rejected */
	add(t, tcp("10.0.0.1", "192.0.2.1", 5001, 22, PW_SYN, 0, t0));
	add(t, tcp("192.0.2.1", "10.0.0.1", 22, 5001, PW_RST | PW_ACK, 0, t0 + MS));
	/* unanswered */
	add(t, tcp("10.0.0.1", "192.0.2.1", 5002, 23, PW_SYN, 0, t0));
	/* a first SYN-ACK: the capture missed the SYN; the originator is its receiver */
	add(t, tcp("192.0.2.9", "10.0.0.1", 8080, 5003, PW_SYN | PW_ACK, 0, t0));
	wh_flowtab_flush(t);
	assert_int_equal(s.n, 4);
	const struct wh_conn *c = conn_to(&s, 443);
	assert_non_null(c);
	assert_int_equal(c->state, WH_CS_SF);
	assert_int_equal(c->orig_bytes, 300);
	assert_int_equal(c->resp_bytes, 1000);
	assert_int_equal(c->orig_pkts, 4);
	assert_int_equal(c->resp_pkts, 3);
	assert_int_equal(c->duration, 6 * MS);
	assert_string_equal(c->history, "ShADdFf");
	assert_int_equal(c->first_flags, WH_TCP_SYN);
	c = conn_to(&s, 22);
	assert_int_equal(c->state, WH_CS_REJ);
	c = conn_to(&s, 23);
	assert_int_equal(c->state, WH_CS_S0);
	c = conn_to(&s, 8080);
	assert_non_null(c);
	char b[WH_IP_STRLEN];
	assert_string_equal(wh_ip_format(&c->orig, b), "10.0.0.1");
	assert_int_equal(c->orig_p, 5003);
	assert_int_equal(wh_flowtab_stats(t)->flows, 4);
	wh_flowtab_free(t);
}

static void flow_icmp_udp(void **state)
{
	(void)state;
	struct wh_flow_opts o;
	wh_flow_opts_default(&o);
	struct sink s = { .n = 0 };
	struct wh_flowtab *t = wh_flowtab_new(&o, collect, &s);
	int64_t t0 = 1700000000 * S;
	/* echo and reply are one flow */
	struct pw_pkt e = { 0 };
	pw_addr(&e, "10.0.0.1", "192.0.2.1");
	e.proto = 1;
	e.icmp_type = 8;
	e.icmp_id = 77;
	e.icmp_seq = 1;
	add(t, mk(&e, t0));
	pw_addr(&e, "192.0.2.1", "10.0.0.1");
	e.icmp_type = 0;
	add(t, mk(&e, t0 + MS));
	/* a UDP probe answered by port unreachable */
	struct pw_pkt u = { 0 };
	pw_addr(&u, "10.0.0.1", "192.0.2.1");
	u.proto = 17;
	u.sport = 40000;
	u.dport = 161;
	add(t, mk(&u, t0));
	uint8_t q[64];
	size_t qn = pw_build(PW_LT_RAW, &u, q, sizeof(q));
	struct pw_pkt un = { 0 };
	pw_addr(&un, "192.0.2.1", "10.0.0.1");
	un.proto = 1;
	un.icmp_type = 3;
	un.icmp_code = 3;
	un.payload = q;
	un.plen = (uint32_t)qn;
	add(t, mk(&un, t0 + MS));
	wh_flowtab_flush(t);
	bool echo = false, udp = false;
	for (size_t i = 0; i < s.n; i++) {
		if (s.c[i].proto == WH_PROTO_ICMP && s.c[i].orig_p == 8) {
			echo = true;
			assert_int_equal(s.c[i].orig_pkts, 1);
			assert_int_equal(s.c[i].resp_pkts, 1);
		}
		if (s.c[i].proto == WH_PROTO_UDP) {
			udp = true;
			assert_true(s.c[i].icmp_unreach);
			assert_int_equal(s.c[i].state, WH_CS_S0);
		}
	}
	assert_true(echo);
	assert_true(udp);
	assert_int_equal(wh_flowtab_stats(t)->icmp_matched, 1);
	wh_flowtab_free(t);
}

static void flow_caps_and_timeouts(void **state)
{
	(void)state;
	struct wh_flow_opts o;
	wh_flow_opts_default(&o);
	o.max_flows = 16;
	struct sink s = { .n = 0 };
	struct wh_flowtab *t = wh_flowtab_new(&o, collect, &s);
	int64_t t0 = 1700000000 * S;
	for (int i = 0; i < 40; i++)
		add(t, tcp("10.0.0.1", "192.0.2.1", (uint16_t)(6000 + i), 80, PW_SYN, 0, t0 + i * MS));
	const struct wh_flow_stats *st = wh_flowtab_stats(t);
	assert_int_equal(st->peak, 16);
	assert_int_equal(st->evicted, 24);
	assert_int_equal(s.n, 24);
	/* the evicted are the oldest */
	assert_int_equal(s.c[0].orig_p, 6000);
	/* capture time moves on past the attempt timeout: the rest time out */
	add(t, tcp("10.0.0.2", "192.0.2.1", 7000, 80, PW_SYN, 0, t0 + 120 * S));
	assert_int_equal(st->timed_out, 16);
	assert_int_equal(s.n, 40);
	wh_flowtab_flush(t);
	assert_int_equal(s.n, 41);
	wh_flowtab_free(t);
}

/* ---- connections from events ---- */

static void conn_from_events(void **state)
{
	(void)state;
	struct wh_arena a;
	wh_arena_init(&a, 4096, 0);
	struct wh_event ev;
	wh_event_init(&ev, &a);
	/* Sysmon 3, outbound */
	wh_event_add_str(&ev, "SourceIp", "10.1.1.5");
	wh_event_add_str(&ev, "SourcePort", "50000");
	wh_event_add_str(&ev, "DestinationIp", "198.51.100.9");
	wh_event_add_str(&ev, "DestinationPort", "443");
	wh_event_add_str(&ev, "Protocol", "tcp");
	wh_event_add_str(&ev, "Initiated", "true");
	wh_event_add_str(&ev, "Image", "C:\\Users\\a\\AppData\\Local\\Temp\\x.exe");
	wh_event_add_str(&ev, "ProcessId", "4242");
	ev.time = 1700000000 * S;
	struct wh_conn c;
	assert_true(wh_conn_from_event(&ev, &c));
	char b[WH_IP_STRLEN];
	assert_string_equal(wh_ip_format(&c.orig, b), "10.1.1.5");
	assert_int_equal(c.resp_p, 443);
	assert_int_equal(c.origin, WH_CO_HOST);
	assert_true(c.have & WH_CH_PROCESS);
	assert_int_equal(c.pid, 4242);
	/* inbound: the remote end originated it */
	wh_event_clear(&ev);
	wh_event_add_str(&ev, "SourceIp", "10.1.1.5");
	wh_event_add_str(&ev, "SourcePort", "3389");
	wh_event_add_str(&ev, "DestinationIp", "10.1.1.9");
	wh_event_add_str(&ev, "DestinationPort", "51000");
	wh_event_add_str(&ev, "Initiated", "false");
	assert_true(wh_conn_from_event(&ev, &c));
	assert_string_equal(wh_ip_format(&c.orig, b), "10.1.1.9");
	assert_int_equal(c.resp_p, 3389);
	/* Security 5156 */
	wh_event_clear(&ev);
	wh_event_add_str(&ev, "SourceAddress", "10.1.1.5");
	wh_event_add_str(&ev, "SourcePort", "50001");
	wh_event_add_str(&ev, "DestAddress", "10.1.1.7");
	wh_event_add_str(&ev, "DestPort", "445");
	wh_event_add_str(&ev, "Protocol", "6");
	wh_event_add_str(&ev, "Direction", "%%14593");
	wh_event_add_str(&ev, "Application", "\\device\\harddiskvolume2\\windows\\system32\\svchost.exe");
	assert_true(wh_conn_from_event(&ev, &c));
	assert_int_equal(c.proto, WH_PROTO_TCP);
	assert_int_equal(c.resp_p, 445);
	assert_non_null(strstr(c.image, "svchost"));
	/* Zeek */
	wh_event_clear(&ev);
	wh_event_add_str(&ev, "id.orig_h", "10.0.0.1");
	wh_event_add_str(&ev, "id.orig_p", "1234");
	wh_event_add_str(&ev, "id.resp_h", "10.0.0.2");
	wh_event_add_str(&ev, "id.resp_p", "80");
	wh_event_add_str(&ev, "proto", "tcp");
	wh_event_add_str(&ev, "duration", "12.500000");
	wh_event_add_str(&ev, "orig_bytes", "100");
	wh_event_add_str(&ev, "resp_bytes", "2000");
	wh_event_add_str(&ev, "conn_state", "SF");
	wh_event_add_str(&ev, "history", "ShADadFf");
	assert_true(wh_conn_from_event(&ev, &c));
	assert_int_equal(c.origin, WH_CO_ZEEK);
	assert_int_equal(c.duration, 12500000000LL);
	assert_int_equal(c.state, WH_CS_SF);
	assert_int_equal(c.resp_bytes, 2000);
	/* nothing to take */
	wh_event_clear(&ev);
	wh_event_add_str(&ev, "Image", "x");
	assert_false(wh_conn_from_event(&ev, &c));
	wh_event_release(&ev);
	wh_arena_release(&a);
}

/* ---- beacon scoring ---- */

static void beacon_scores(void **state)
{
	(void)state;
	int64_t ts[200];
	uint64_t sz[200];
	struct wh_beacon b;
	srand(7);
	for (int i = 0; i < 200; i++) {
		ts[i] = (int64_t)i * 300 * S;
		sz[i] = 512;
	}
	assert_true(wh_beacon_score(ts, sz, 200, ts[0], ts[199], &b));
	assert_true(b.score > 0.95);
	assert_true(fabs(b.period - 300) < 0.01);
	assert_true(b.jitter < 0.01);
	/* jitter of +-5 s around 300 s still scores as a beacon */
	for (int i = 0; i < 200; i++)
		ts[i] = (int64_t)i * 300 * S + (rand() % 10001 - 5000) * MS;
	assert_true(wh_beacon_score(ts, sz, 200, ts[0], ts[199], &b));
	assert_true(b.score >= 0.8);
	assert_true(b.jitter > 0.5 && b.jitter < 5);
	assert_true(fabs(b.period - 300) < 5);
	/* exponential (Poisson) arrivals with random sizes do not */
	int64_t t = 0;
	for (int i = 0; i < 200; i++) {
		double u = (rand() + 1.0) / ((double)RAND_MAX + 2.0);
		t += (int64_t)(-log(u) * 300 * S);
		ts[i] = t;
		sz[i] = (uint64_t)(rand() % 60000);
	}
	assert_true(wh_beacon_score(ts, sz, 200, ts[0], ts[199], &b));
	assert_true(b.score < 0.8);
	/* without sizes the score has three parts */
	for (int i = 0; i < 20; i++)
		ts[i] = (int64_t)i * 60 * S;
	assert_true(wh_beacon_score(ts, NULL, 20, ts[0], ts[19], &b));
	assert_false(b.have_sizes);
	assert_true(b.score > 0.95);
	/* too few */
	assert_false(wh_beacon_score(ts, NULL, 3, 0, 0, &b));
}

/* ---- the analyses ---- */

static struct wh_conn zc(const char *o, const char *r, uint16_t rp, uint8_t proto, int64_t ts)
{
	struct wh_conn c;
	wh_conn_init(&c);
	wh_ip_parse(o, strlen(o), &c.orig);
	wh_ip_parse(r, strlen(r), &c.resp);
	c.orig_p = 40000;
	c.resp_p = rp;
	c.proto = proto;
	c.ts = ts;
	c.origin = WH_CO_ZEEK;
	c.source = "conn.log";
	c.have = WH_CH_BYTES | WH_CH_STATE | WH_CH_PKTS | WH_CH_DURATION;
	return c;
}

static const struct wh_finding *find_id(const struct wh_findings *l, const char *id, size_t nth)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].id, id) == 0 && nth-- == 0)
			return &l->v[i];
	return NULL;
}

static const char *detail(const struct wh_finding *f, const char *k)
{
	for (uint32_t i = 0; i < f->ndetails; i++)
		if (strcmp(f->details[i].key, k) == 0)
			return f->details[i].value;
	return NULL;
}

static void analyses(void **state)
{
	(void)state;
	struct wh_netan_opts o;
	wh_netan_opts_default(&o);
	o.exfil_bytes = 1 << 20;
	struct wh_netan *a = wh_netan_new(&o);
	int64_t t0 = 1700000000 * S;
	/* a beacon every 600 s across the data set, with a Zeek history and sizes */
	for (int i = 0; i < 30; i++) {
		struct wh_conn c = zc("10.0.0.5", "198.51.100.7", 443, WH_PROTO_TCP, t0 + i * 600 * S);
		c.orig_bytes = 220;
		c.resp_bytes = 1000;
		c.state = WH_CS_SF;
		snprintf(c.history, sizeof(c.history), "%s", "ShADadFf");
		wh_netan_conn(a, &c);
	}
	/* a SYN scan known only from Zeek's history */
	for (int p = 1; p <= 30; p++) {
		struct wh_conn c = zc("10.0.0.6", "10.0.0.99", (uint16_t)p, WH_PROTO_TCP, t0 + p * MS);
		c.state = p % 5 ? WH_CS_REJ : WH_CS_RSTO;
		snprintf(c.history, sizeof(c.history), "%s", p % 5 ? "Sr" : "ShR");
		wh_netan_conn(a, &c);
	}
	/* lateral movement over RDP to 4 hosts */
	for (int h = 0; h < 4; h++) {
		char dst[32];
		snprintf(dst, sizeof(dst), "10.0.1.%d", h + 1);
		struct wh_conn c = zc("10.0.0.7", dst, 3389, WH_PROTO_TCP, t0 + h * S);
		c.state = WH_CS_SF;
		c.orig_bytes = 5000;
		c.resp_bytes = 90000;
		wh_netan_conn(a, &c);
	}
	/* an upload */
	struct wh_conn up = zc("10.0.0.8", "203.0.113.77", 443, WH_PROTO_TCP, t0);
	up.orig_bytes = 5 << 20;
	up.resp_bytes = 10000;
	up.state = WH_CS_SF;
	wh_netan_conn(a, &up);
	/* a long one, still open */
	struct wh_conn lc = zc("10.0.0.9", "203.0.113.88", 22, WH_PROTO_TCP, t0);
	lc.duration = 5 * 3600 * S;
	lc.state = WH_CS_S1;
	lc.orig_bytes = lc.resp_bytes = 100;
	wh_netan_conn(a, &lc);
	/* ordinary browsing: nothing */
	for (int i = 0; i < 25; i++) {
		char dst[32];
		snprintf(dst, sizeof(dst), "192.0.2.%d", i + 1);
		struct wh_conn c = zc("10.0.0.10", dst, 443, WH_PROTO_TCP, t0 + (i * i * 37 % 3600) * S);
		c.state = WH_CS_SF;
		c.orig_bytes = 700;
		c.resp_bytes = 40000;
		wh_netan_conn(a, &c);
	}
	struct wh_findings l;
	wh_findings_init(&l);
	wh_netan_finish(a, &l);
	const struct wh_finding *f = find_id(&l, "WH-NET-BEACON", 0);
	assert_non_null(f);
	assert_int_equal(f->stage, WH_KC_COMMAND_AND_CONTROL);
	assert_string_equal(detail(f, "period_s"), "600.000");
	assert_string_equal(detail(f, "dst"), "198.51.100.7");
	assert_true(f->viewpoints & WH_VP_FREQUENCY);
	assert_null(find_id(&l, "WH-NET-BEACON", 1));
	f = find_id(&l, "WH-NET-PORTSCAN", 0);
	assert_non_null(f);
	assert_string_equal(detail(f, "scan_type"), "syn");
	assert_string_equal(detail(f, "open"), "6");
	assert_string_equal(detail(f, "closed"), "24");
	assert_int_equal(f->stage, WH_KC_RECONNAISSANCE);
	f = find_id(&l, "WH-NET-LATERAL", 0);
	assert_non_null(f);
	assert_string_equal(detail(f, "service"), "RDP");
	assert_string_equal(detail(f, "hosts"), "4");
	assert_int_equal(f->severity, WH_SEV_MEDIUM);
	assert_string_equal(f->attack, "T1021.001");
	assert_int_equal(f->stage, WH_KC_LATERAL_MOVEMENT);
	f = find_id(&l, "WH-NET-EXFIL", 0);
	assert_non_null(f);
	assert_int_equal(f->stage, WH_KC_ACTIONS_ON_OBJECTIVES);
	assert_string_equal(detail(f, "dst"), "203.0.113.77");
	f = find_id(&l, "WH-NET-LONGCONN", 0);
	assert_non_null(f);
	assert_string_equal(detail(f, "state"), "still open");
	assert_true(f->viewpoints & WH_VP_STATE);
	assert_int_equal(l.n, 5);
	wh_findings_release(&l);
	wh_netan_free(a);
}

/* A host's own connect() events (Sysmon 3): no bytes, no flags. */
static struct wh_conn hc(const char *o, const char *r, uint16_t rp, int64_t ts)
{
	struct wh_conn c;
	wh_conn_init(&c);
	wh_ip_parse(o, strlen(o), &c.orig);
	wh_ip_parse(r, strlen(r), &c.resp);
	c.orig_p = 50000;
	c.resp_p = rp;
	c.proto = WH_PROTO_TCP;
	c.ts = ts;
	c.origin = WH_CO_HOST;
	c.source = "ws1.sysmon.jsonl";
	c.host = "WS1.corp.example";
	c.image = "C:\\Users\\u\\AppData\\Local\\Temp\\svchost.exe";
	c.have = WH_CH_PROCESS;
	return c;
}

static void host_events_sweeps_lateral_rhythms(void **state)
{
	(void)state;
	struct wh_netan_opts o;
	wh_netan_opts_default(&o);
	struct wh_netan *a = wh_netan_new(&o);
	int64_t t0 = 1700000000 * S;
	/* WS1 (10.0.0.5) browses first: its first connection is to the mail server */
	struct wh_conn c = hc("10.0.0.5", "10.0.9.25", 443, t0);
	wh_netan_conn(a, &c);
	/* an hour later it connects to 445 and 3389 of 30 hosts: a sweep of
	 * each port, not lateral movement to 30 hosts */
	for (int h = 1; h <= 30; h++) {
		char dst[32];
		snprintf(dst, sizeof(dst), "10.0.1.%d", h);
		c = hc("10.0.0.5", dst, 445, t0 + 3600 * S + h * MS);
		wh_netan_conn(a, &c);
		c = hc("10.0.0.5", dst, 3389, t0 + 3600 * S + h * MS + 1);
		wh_netan_conn(a, &c);
	}
	/* and 443 on 30 hosts is what a browser does: no sweep */
	for (int h = 1; h <= 30; h++) {
		char dst[32];
		snprintf(dst, sizeof(dst), "10.0.2.%d", h);
		c = hc("10.0.0.5", dst, 443, t0 + 3700 * S + h * MS);
		wh_netan_conn(a, &c);
	}
	/* WS2 (10.0.0.6) reaches two chosen hosts over SMB, starting later than
	 * its first (web) connection: lateral movement, timed at the SMB one */
	c = hc("10.0.0.6", "10.0.9.25", 443, t0 + 10 * S);
	wh_netan_conn(a, &c);
	c = hc("10.0.0.6", "10.0.9.10", 445, t0 + 7200 * S);
	wh_netan_conn(a, &c);
	c = hc("10.0.0.6", "10.0.9.11", 445, t0 + 7300 * S);
	wh_netan_conn(a, &c);
	/* rhythms: four hosts call one address every 600 s (a shared service),
	 * one host alone calls another every 60 s */
	for (int h = 0; h < 4; h++) {
		char src[32];
		snprintf(src, sizeof(src), "10.0.0.%d", 5 + h);
		for (int i = 0; i < 40; i++) {
			struct wh_conn z = zc(src, "198.51.100.7", 443, WH_PROTO_TCP, t0 + (i * 600 + h) * S);
			z.orig_bytes = 200;
			z.resp_bytes = 900;
			z.state = WH_CS_SF;
			wh_netan_conn(a, &z);
		}
	}
	for (int i = 0; i < 300; i++) {
		struct wh_conn z = zc("10.0.0.5", "203.0.113.9", 443, WH_PROTO_TCP, t0 + i * 60 * S + (i % 7) * 100 * MS);
		z.orig_bytes = 330;
		z.resp_bytes = 580;
		z.state = WH_CS_SF;
		wh_netan_conn(a, &z);
	}
	struct wh_findings l;
	wh_findings_init(&l);
	wh_netan_finish(a, &l);
	int sweeps = 0;
	for (size_t i = 0; i < l.n; i++) {
		const struct wh_finding *f = &l.v[i];
		if (strcmp(f->id, "WH-NET-SWEEP") == 0) {
			sweeps++;
			assert_string_equal(detail(f, "hosts"), "30");
			assert_string_equal(detail(f, "scan_type"), "connect");
			bool rdp = strcmp(detail(f, "port"), "3389/tcp") == 0;
			assert_true(rdp || strcmp(detail(f, "port"), "445/tcp") == 0);
			/* named by the host and the process that logged the connections */
			assert_string_equal(f->host, "WS1.corp.example");
			assert_non_null(f->image);
			assert_int_equal(f->time, t0 + 3600 * S + 1 * MS + (rdp ? 1 : 0));
		}
	}
	assert_int_equal(sweeps, 2);
	const struct wh_finding *f = find_id(&l, "WH-NET-LATERAL", 0);
	assert_non_null(f);
	assert_null(find_id(&l, "WH-NET-LATERAL", 1));
	assert_string_equal(detail(f, "src"), "10.0.0.6");
	assert_string_equal(detail(f, "hosts"), "2");
	assert_string_equal(detail(f, "connections"), "2");
	assert_int_equal(f->time, t0 + 7200 * S);
	assert_int_equal(f->evidence[0].time, t0 + 7200 * S);
	/* the shared rhythm is low, the lone one high */
	int shared = 0, lone = 0;
	for (size_t i = 0; i < l.n; i++) {
		const struct wh_finding *b = &l.v[i];
		if (strcmp(b->id, "WH-NET-BEACON") != 0)
			continue;
		if (strcmp(detail(b, "dst"), "198.51.100.7") == 0) {
			shared++;
			assert_int_equal(b->severity, WH_SEV_LOW);
		} else {
			lone++;
			assert_string_equal(detail(b, "dst"), "203.0.113.9");
			assert_int_equal(b->severity, WH_SEV_HIGH);
			assert_string_equal(detail(b, "rarity"), "rare: few internal hosts talk to it");
		}
	}
	assert_int_equal(shared, 4);
	assert_int_equal(lone, 1);
	wh_findings_release(&l);
	wh_netan_free(a);
}

static void scan_types(void **state)
{
	(void)state;
	static const struct {
		uint8_t first, orig, resp, optlen;
		const char *want;
	} cases[] = {
		{ WH_TCP_SYN, WH_TCP_SYN | WH_TCP_RST, WH_TCP_SYN | WH_TCP_ACK, 4, "syn" },
		{ WH_TCP_SYN, WH_TCP_SYN, WH_TCP_RST | WH_TCP_ACK, 4, "syn" },
		{ WH_TCP_SYN, WH_TCP_SYN | WH_TCP_ACK | WH_TCP_RST, WH_TCP_SYN | WH_TCP_ACK, 20, "connect" },
		{ WH_TCP_SYN, WH_TCP_SYN, WH_TCP_RST | WH_TCP_ACK, 20, "connect" },
		{ WH_TCP_FIN, WH_TCP_FIN, WH_TCP_RST, 0, "fin" },
		{ 0, 0, WH_TCP_RST, 0, "null" },
		{ WH_TCP_FIN | WH_TCP_PSH | WH_TCP_URG, WH_TCP_FIN | WH_TCP_PSH | WH_TCP_URG, 0, 0, "xmas" },
		{ WH_TCP_ACK, WH_TCP_ACK, WH_TCP_RST, 0, "ack" },
		{ WH_TCP_FIN | WH_TCP_ACK, WH_TCP_FIN | WH_TCP_ACK, WH_TCP_RST, 0, "maimon" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct wh_conn c = zc("10.0.0.1", "10.0.0.2", 80, WH_PROTO_TCP, 0);
		c.origin = WH_CO_CAPTURE;
		c.have |= WH_CH_FLAGS | WH_CH_SYNSIG;
		c.first_flags = cases[i].first;
		c.orig_flags = cases[i].orig;
		c.resp_flags = cases[i].resp;
		c.syn_optlen = cases[i].optlen;
		c.orig_pkts = 1;
		const char *t = wh_netan_probe_type(&c);
		assert_non_null(t);
		assert_string_equal(t, cases[i].want);
	}
	/* data exchanged: not a probe */
	struct wh_conn c = zc("10.0.0.1", "10.0.0.2", 80, WH_PROTO_TCP, 0);
	c.orig_bytes = 10;
	assert_null(wh_netan_probe_type(&c));
	/* UDP without an answer, or with an unreachable */
	c = zc("10.0.0.1", "10.0.0.2", 161, WH_PROTO_UDP, 0);
	c.origin = WH_CO_CAPTURE;
	c.icmp_unreach = true;
	assert_string_equal(wh_netan_probe_type(&c), "udp");
	c.resp_bytes = 40;
	assert_null(wh_netan_probe_type(&c));
	/* Zeek histories */
	c = zc("10.0.0.1", "10.0.0.2", 80, WH_PROTO_TCP, 0);
	snprintf(c.history, sizeof(c.history), "%s", "ShAR");
	assert_string_equal(wh_netan_probe_type(&c), "connect");
	snprintf(c.history, sizeof(c.history), "%s", "F");
	assert_string_equal(wh_netan_probe_type(&c), "fin");
}

static void intel_and_rarity(void **state)
{
	(void)state;
	wh_diag.quiet = true;
	struct wh_intel *t = wh_intel_new();
	char feed[] = "# test feed\n198.51.100.66\nevil.example\n";
	assert_int_equal(wh_intel_parse_feed(t, "test-feed.txt", WH_FEED_PLAIN, feed, strlen(feed)), 2);
	struct wh_netan_opts o;
	wh_netan_opts_default(&o);
	o.intel = t;
	o.what = WH_NA_INTEL;
	struct wh_netan *a = wh_netan_new(&o);
	struct wh_conn c = zc("10.0.0.5", "198.51.100.66", 8080, WH_PROTO_TCP, 1700000000 * S);
	c.state = WH_CS_SF;
	c.orig_bytes = 10;
	wh_netan_conn(a, &c);
	/* a name from DNS makes the second destination match by domain */
	struct wh_ip ip;
	wh_ip_parse("192.0.2.200", 11, &ip);
	wh_netan_dns(a, "cdn.evil.example", &ip);
	c = zc("10.0.0.6", "192.0.2.200", 443, WH_PROTO_TCP, 1700000000 * S);
	wh_netan_conn(a, &c);
	for (int i = 0; i < 6; i++) {
		char src[32];
		snprintf(src, sizeof(src), "10.0.0.%d", 20 + i);
		c = zc(src, "192.0.2.1", 443, WH_PROTO_TCP, 1700000000 * S);
		wh_netan_conn(a, &c);
	}
	struct wh_findings l;
	wh_findings_init(&l);
	wh_netan_finish(a, &l);
	assert_int_equal(l.n, 2);
	const struct wh_finding *f = find_id(&l, "WH-NET-INTEL", 0);
	assert_string_equal(detail(f, "feed"), "test-feed.txt");
	assert_int_equal(f->severity, WH_SEV_HIGH);
	assert_true(f->viewpoints & WH_VP_REPUTATION);
	/* rare: one internal host of eight talks to it */
	assert_string_equal(detail(f, "internal_hosts_talking"), "1 of 8");
	assert_true(f->viewpoints & WH_VP_HISTORY);
	f = find_id(&l, "WH-NET-INTEL", 1);
	assert_string_equal(detail(f, "indicator"), "evil.example");
	assert_string_equal(detail(f, "dst_name"), "cdn.evil.example");
	wh_findings_release(&l);
	wh_netan_free(a);
	wh_intel_free(t);
	wh_diag.quiet = false;
}

static void internal_nets(void **state)
{
	(void)state;
	struct wh_netan_opts o;
	wh_netan_opts_default(&o);
	struct wh_ip ip;
	wh_ip_parse("100.64.1.1", 10, &ip);
	assert_false(wh_netan_is_internal(&o, &ip));
	const char *bad;
	assert_true(wh_netan_set_internal(&o, "100.64.0.0/10, 10.0.0.0/8", &bad));
	assert_true(wh_netan_is_internal(&o, &ip));
	wh_ip_parse("192.168.1.1", 11, &ip);
	assert_false(wh_netan_is_internal(&o, &ip));
	assert_false(wh_netan_set_internal(&o, "10.0.0.0/8,nonsense", &bad));
	assert_string_equal(bad, "nonsense");
}

/* ---- traceroutes ---- */

struct tr_opts {
	bool windows, probes, replies;
	uint8_t proto;
	int hops;
};

static size_t run_traceroute(const struct tr_opts *to, struct wh_findings *l)
{
	struct wh_tracedet_opts o;
	wh_tracedet_opts_default(&o);
	struct wh_netan_opts no;
	wh_netan_opts_default(&no);
	o.net = &no;
	struct wh_tracedet *d = wh_tracedet_new(&o, l);
	int64_t t0 = 1700000000 * S;
	static uint8_t zero[64], at[32];
	for (int i = 0; i < 32; i++)
		at[i] = (uint8_t)(0x40 + i);
	uint16_t seq = 1;
	for (int ttl = 1; ttl <= to->hops; ttl++) {
		for (int k = 0; k < 3; k++) {
			int64_t ts = t0 + ttl * S + k * 10 * MS;
			struct pw_pkt p = { 0 };
			pw_addr(&p, "10.0.0.5", "203.0.113.9");
			p.ttl = (uint8_t)ttl;
			p.ip_id = (uint16_t)(500 + ttl * 3 + k);
			p.proto = to->proto;
			if (to->proto == 1) {
				p.icmp_type = 8;
				p.icmp_id = 1;
				p.icmp_seq = seq++;
				p.payload = to->windows ? zero : at;
				p.plen = to->windows ? 64 : 32;
			} else {
				p.sport = 44000;
				p.dport = (uint16_t)(33434 + (ttl - 1) * 3 + k);
				p.payload = at;
				p.plen = 32;
			}
			if (to->probes) {
				struct wh_pkt pk = mk(&p, ts);
				wh_tracedet_packet(d, &pk, "t.pcap", 0);
			}
			if (!to->replies || ttl == to->hops)
				continue;
			p.ttl = 1;
			uint8_t q[128];
			size_t qn = pw_build(PW_LT_RAW, &p, q, sizeof(q));
			struct pw_pkt r = { 0 };
			char router[32];
			snprintf(router, sizeof(router), "10.99.%d.1", ttl);
			pw_addr(&r, router, "10.0.0.5");
			r.proto = 1;
			r.icmp_type = 11;
			r.payload = q;
			r.plen = (uint32_t)(qn < 28 ? qn : 28);
			struct wh_pkt rk = mk(&r, ts + 2 * MS);
			wh_tracedet_packet(d, &rk, "t.pcap", 100);
		}
	}
	/* an ordinary packet of the tracer: its TTL says its OS */
	struct wh_pkt n = tcp("10.0.0.5", "198.51.100.1", 1000, 80, PW_ACK, 10, t0);
	n.ttl = 128;
	wh_tracedet_packet(d, &n, "t.pcap", 0);
	size_t k = wh_tracedet_finish(d);
	wh_tracedet_free(d);
	return k;
}

static void traceroutes(void **state)
{
	(void)state;
	struct wh_findings l;
	/* Windows tracert, both directions */
	wh_findings_init(&l);
	struct tr_opts o = { true, true, true, 1, 6 };
	assert_int_equal(run_traceroute(&o, &l), 1);
	const struct wh_finding *f = &l.v[0];
	assert_string_equal(f->id, "WH-RECON-TRACEROUTE");
	assert_int_equal(f->stage, WH_KC_RECONNAISSANCE);
	assert_string_equal(detail(f, "method"), "icmp");
	assert_string_equal(detail(f, "tool"), "tracert");
	assert_string_equal(detail(f, "os_family"), "windows");
	assert_string_equal(detail(f, "detected_by"), "ttl-sequence,time-exceeded");
	assert_string_equal(detail(f, "hops"), "1:10.99.1.1 2:10.99.2.1 3:10.99.3.1 4:10.99.4.1 5:10.99.5.1");
	assert_string_equal(detail(f, "probes_per_ttl"), "3");
	wh_findings_release(&l);
	/* only the replies were captured: Zeek's method, hops in time order */
	wh_findings_init(&l);
	o = (struct tr_opts){ true, false, true, 1, 6 };
	assert_int_equal(run_traceroute(&o, &l), 1);
	f = &l.v[0];
	assert_string_equal(detail(f, "detected_by"), "time-exceeded");
	assert_string_equal(detail(f, "seen"), "replies only");
	assert_string_equal(detail(f, "tool"), "tracert");
	wh_findings_release(&l);
	/* only the probes: Linux UDP */
	wh_findings_init(&l);
	o = (struct tr_opts){ false, true, false, 17, 6 };
	assert_int_equal(run_traceroute(&o, &l), 1);
	f = &l.v[0];
	assert_string_equal(detail(f, "method"), "udp");
	assert_string_equal(detail(f, "tool"), "traceroute");
	assert_string_equal(detail(f, "os_family"), "linux/unix");
	assert_string_equal(detail(f, "detected_by"), "ttl-sequence");
	assert_string_equal(detail(f, "hops"), "none seen");
	wh_findings_release(&l);
	/* two hops are not enough for either method */
	wh_findings_init(&l);
	o = (struct tr_opts){ true, true, true, 1, 2 };
	assert_int_equal(run_traceroute(&o, &l), 0);
	wh_findings_release(&l);
}

static void not_traceroutes(void **state)
{
	(void)state;
	struct wh_findings l;
	wh_findings_init(&l);
	struct wh_tracedet_opts o;
	wh_tracedet_opts_default(&o);
	struct wh_tracedet *d = wh_tracedet_new(&o, &l);
	int64_t t0 = 1700000000 * S;
	for (int i = 0; i < 50; i++) {
		/* SSDP: UDP with TTL 2 to a multicast group, again and again */
		struct pw_pkt p = { 0 };
		pw_addr(&p, "10.0.0.5", "239.255.255.250");
		p.proto = 17;
		p.ttl = 2;
		p.sport = 50000;
		p.dport = 1900;
		struct wh_pkt k = mk(&p, t0 + i * S);
		wh_tracedet_packet(d, &k, "t", 0);
		/* pings with an ordinary TTL */
		struct pw_pkt e = { 0 };
		pw_addr(&e, "10.0.0.5", "192.0.2.1");
		e.proto = 1;
		e.icmp_type = 8;
		e.icmp_seq = (uint16_t)i;
		e.ttl = 64;
		k = mk(&e, t0 + i * S);
		wh_tracedet_packet(d, &k, "t", 0);
		/* an application sending with TTL 1 (LLMNR-like) to one host */
		struct pw_pkt u = { 0 };
		pw_addr(&u, "10.0.0.5", "10.0.0.6");
		u.proto = 17;
		u.ttl = 1;
		u.sport = 5355;
		u.dport = 5355;
		k = mk(&u, t0 + i * S);
		wh_tracedet_packet(d, &k, "t", 0);
	}
	assert_int_equal(wh_tracedet_finish(d), 0);
	wh_tracedet_free(d);
	wh_findings_release(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(flow_states),
		cmocka_unit_test(flow_icmp_udp),
		cmocka_unit_test(flow_caps_and_timeouts),
		cmocka_unit_test(conn_from_events),
		cmocka_unit_test(beacon_scores),
		cmocka_unit_test(analyses),
		cmocka_unit_test(host_events_sweeps_lateral_rhythms),
		cmocka_unit_test(scan_types),
		cmocka_unit_test(intel_and_rarity),
		cmocka_unit_test(internal_nets),
		cmocka_unit_test(traceroutes),
		cmocka_unit_test(not_traceroutes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
