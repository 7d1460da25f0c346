/*
 * Replay tests for the trace engine: the real tracer and reply parser,
 * driven by a simulated network (trace_sim.h) in virtual time. No sockets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "net/analysis.h"
#include "trace_sim.h"

#define MS 1000000LL

static struct wh_tracer *tracer(const struct wh_trace_opts *o, struct sim *s)
{
	struct wh_tracer *tr = wh_tracer_new(o);
	wh_tracer_add(tr, &s->dst, &s->src, "target");
	return tr;
}

static const struct wh_hop_probe *answered(const struct wh_trace *t, unsigned h)
{
	for (uint32_t i = 0; i < t->hops[h].n; i++)
		if (t->hops[h].p[i].rtt >= 0)
			return &t->hops[h].p[i];
	return NULL;
}

static unsigned distinct(const struct wh_trace *t, unsigned h)
{
	unsigned n = 0;
	for (uint32_t i = 0; i < t->hops[h].n; i++) {
		const struct wh_hop_probe *p = &t->hops[h].p[i];
		if (p->rtt < 0)
			continue;
		bool seen = false;
		for (uint32_t j = 0; j < i; j++)
			seen |= t->hops[h].p[j].rtt >= 0 && wh_addr_eq(&t->hops[h].p[j].from, &p->from);
		n += !seen;
	}
	return n;
}

/* Chain with a silent hop, every method, both families: the right hops,
 * the destination's distance, and a finish soon after the last answer. */
static void chain_all_methods(void **state)
{
	(void)state;
	static const enum wh_method ms[] = { WH_M_UDP_PARIS, WH_M_UDP, WH_M_ICMP, WH_M_ICMP_PARIS, WH_M_TCP };
	for (int fam = 0; fam < 2; fam++)
		for (size_t m = 0; m < sizeof(ms) / sizeof(ms[0]); m++) {
			struct sim s;
			sim_init(&s, fam ? AF_INET6 : AF_INET, 8);
			s.r[3].silent = true;
			struct wh_trace_opts o;
			wh_trace_opts_init(&o);
			o.method = ms[m];
			o.sport = 40000;
			o.ident = 777;
			o.port = ms[m] == WH_M_TCP ? 80 : 33434;
			o.packetlen = fam ? 80 : 60;
			struct wh_tracer *tr = tracer(&o, &s);
			struct wh_trace *t = sim_run(&s, tr);
			assert_non_null(t);
			assert_int_equal(t->dest_ttl, 9);
			assert_int_equal(wh_trace_last_ttl(t, &o), 9);
			for (unsigned h = 1; h <= 8; h++) {
				const struct wh_hop_probe *p = answered(t, h);
				if (h == 3) {
					assert_null(p);
					continue;
				}
				assert_non_null(p);
				assert_true(wh_addr_eq(&p->from, &s.r[h].ifs[0]));
				assert_int_equal(t->hops[h].n, 3);
				assert_int_equal(distinct(t, h), 1);
			}
			const struct wh_hop_probe *d = answered(t, 9);
			assert_non_null(d);
			assert_true(d->dest);
			assert_true(wh_addr_eq(&d->from, &s.dst));
			/* The silent hop times out at NEAR x the next hop's RTT, not after 5 s. */
			assert_true(t->end - t->start < 250 * MS);
			const struct wh_tracer_stats *st = wh_tracer_stats(tr);
			assert_int_equal(st->drop[WH_DROP_MALFORMED] + st->drop[WH_DROP_MISMATCH], 0);
			wh_trace_free(t);
			wh_tracer_free(tr);
		}
}

/* traceroute's timing without learning: a silent destination costs MAX. */
static void silent_destination(void **state)
{
	(void)state;
	struct sim s;
	sim_init(&s, AF_INET, 5);
	s.dest = SIM_DEST_DROP;
	struct wh_trace_opts o;
	wh_trace_opts_init(&o);
	o.sport = 40000;
	o.max_ttl = 12;
	struct wh_tracer *tr = tracer(&o, &s);
	struct wh_trace *t = sim_run(&s, tr);
	assert_int_equal(t->dest_ttl, 0);
	assert_int_equal(wh_trace_last_ttl(t, &o), 12);
	for (unsigned h = 6; h <= 12; h++)
		assert_null(answered(t, h));
	/* learnt: 3 x the largest RTT (5 ms) + 100 ms, far below MAX (5 s) */
	int64_t learnt = t->end - t->start;
	assert_true(learnt < 170 * MS);
	assert_true(learnt >= 115 * MS - 2 * MS);
	wh_trace_free(t);
	wh_tracer_free(tr);

	o.learn_wait = false;
	sim_init(&s, AF_INET, 5);
	s.dest = SIM_DEST_DROP;
	tr = tracer(&o, &s);
	t = sim_run(&s, tr);
	assert_true(t->end - t->start >= 5000 * MS);
	assert_true(t->end - t->start < 5100 * MS);
	wh_trace_free(t);
	wh_tracer_free(tr);
}

/* tracert's way: one probe at a time, 4 s for each silent probe. */
static void windows_sequential(void **state)
{
	(void)state;
	struct sim s;
	sim_init(&s, AF_INET, 4);
	s.r[2].silent = true;
	struct wh_trace_opts o;
	wh_trace_opts_init(&o);
	o.method = WH_M_ICMP;
	o.window = 1;
	o.wait_max = 4000 * MS;
	o.wait_here = o.wait_near = 0;
	o.learn_wait = false;
	struct wh_tracer *tr = tracer(&o, &s);
	struct wh_trace *t = sim_run(&s, tr);
	assert_int_equal(t->dest_ttl, 5);
	/* 3 silent probes x 4 s, plus 12 answered ones at a few ms */
	assert_true(t->end - t->start >= 12000 * MS);
	assert_true(t->end - t->start < 12200 * MS);
	wh_trace_free(t);
	wh_tracer_free(tr);
}

/* A diamond behind a per-flow load balancer: classic UDP sees both
 * branches at one hop (and so draws false links), Paris UDP one branch
 * with true links, MDA every interface and exactly the true links. */
static void ecmp_diamond(void **state)
{
	(void)state;
	struct sim s;
	struct wh_trace_opts o;
	/* hop 1: R1; hops 2, 3: A1/B1, A2/B2; hop 4: M */
	sim_init(&s, AF_INET, 4);
	for (int k = 2; k <= 3; k++) {
		s.r[k].nif = 2;
		sim_addr(&s.r[k].ifs[1], AF_INET, (unsigned)k - 1, 100);
	}
	wh_trace_opts_init(&o);
	o.method = WH_M_UDP;
	o.sport = 40000;
	o.nqueries = 10;
	o.icmp_burst = 0;
	struct wh_tracer *tr = tracer(&o, &s);
	struct wh_trace *t = sim_run(&s, tr);
	assert_int_equal(distinct(t, 2), 2);
	assert_int_equal(distinct(t, 3), 2);
	/* probe i at hop 2 and probe i at hop 3 pair up into a "link": some cross branches */
	unsigned false_links = 0;
	for (uint32_t i = 0; i < 10; i++) {
		const struct wh_hop_probe *a = &t->hops[2].p[i], *b = &t->hops[3].p[i];
		if (a->rtt >= 0 && b->rtt >= 0 && a->from.a[3] != b->from.a[3])
			false_links++;
	}
	assert_true(false_links > 0);
	wh_trace_free(t);
	wh_tracer_free(tr);

	o.method = WH_M_UDP_PARIS;
	sim_init(&s, AF_INET, 4);
	for (int k = 2; k <= 3; k++) {
		s.r[k].nif = 2;
		sim_addr(&s.r[k].ifs[1], AF_INET, (unsigned)k - 1, 100);
	}
	tr = tracer(&o, &s);
	t = sim_run(&s, tr);
	assert_int_equal(distinct(t, 2), 1);
	assert_int_equal(distinct(t, 3), 1);
	assert_int_equal(answered(t, 2)->from.a[3], answered(t, 3)->from.a[3]);
	wh_trace_free(t);
	wh_tracer_free(tr);

	o.mda = true;
	o.nqueries = 1;
	o.mda_epsilon = 0.05;
	o.mda_max_flows = 128;
	sim_init(&s, AF_INET, 4);
	for (int k = 2; k <= 3; k++) {
		s.r[k].nif = 2;
		sim_addr(&s.r[k].ifs[1], AF_INET, (unsigned)k - 1, 100);
	}
	tr = tracer(&o, &s);
	t = sim_run(&s, tr);
	assert_int_equal(distinct(t, 1), 1);
	assert_int_equal(distinct(t, 2), 2);
	assert_int_equal(distinct(t, 3), 2);
	assert_int_equal(distinct(t, 4), 1);
	/* two interfaces seen: n_2 answers at those hops */
	assert_true(t->hops[2].answered >= wh_mda_nk(2, 0.05));
	struct wh_mda_graph g;
	wh_mda_graph_build(t, &o, &g);
	assert_int_equal(g.diamonds, 1);
	assert_int_equal(g.max_width, 2);
	/* R1->A1, R1->B1, A1->A2, B1->B2, A2->M, B2->M, M->D: and no A1->B2 */
	assert_int_equal(g.nlinks, 7);
	for (size_t k = 0; k < g.nlinks; k++)
		if (g.links[k].ttl == 2)
			assert_int_equal(g.links[k].from.a[3], g.links[k].to.a[3]);
	wh_mda_graph_release(&g);
	wh_trace_free(t);
	wh_tracer_free(tr);
}

/* A router that rewrites the source address: found, and replies still matched. */
static void nat_detected(void **state)
{
	(void)state;
	static const enum wh_method ms[] = { WH_M_UDP_PARIS, WH_M_TCP, WH_M_ICMP };
	for (size_t m = 0; m < 3; m++) {
		struct sim s;
		sim_init(&s, AF_INET, 6);
		s.r[2].nat = true;
		sim_addr(&s.r[2].nat_addr, AF_INET, 150, 0);
		struct wh_trace_opts o;
		wh_trace_opts_init(&o);
		o.method = ms[m];
		o.sport = 40000;
		o.port = 33434;
		struct wh_tracer *tr = tracer(&o, &s);
		struct wh_trace *t = sim_run(&s, tr);
		assert_int_equal(t->dest_ttl, 7);
		assert_int_equal(t->nat_hop, 3);
		assert_true(t->nat & WH_NAT_SRC_ADDR);
		assert_int_equal(answered(t, 2)->nat, 0);
		assert_true(answered(t, 4)->nat & WH_NAT_SRC_ADDR);
		if (ms[m] != WH_M_ICMP)
			assert_true(answered(t, 4)->nat & WH_NAT_SRC_PORT);
		wh_trace_free(t);
		wh_tracer_free(tr);
	}
}

/* Garbage, spoofed and stray packets are counted and change nothing. */
static void spoofed_ignored(void **state)
{
	(void)state;
	struct sim s;
	sim_init(&s, AF_INET, 4);
	struct wh_trace_opts o;
	wh_trace_opts_init(&o);
	o.sport = 40000;
	struct wh_tracer *tr = tracer(&o, &s);
	int64_t now = 1000000000LL;
	struct wh_tx tx;
	assert_true(wh_tracer_next(tr, now, &tx));
	wh_tracer_sent(tr, &tx, now, true);
	/* a time exceeded quoting our probe with a wrong id in checksum, IP id and payload */
	uint8_t forged[1600];
	memcpy(forged, tx.buf, tx.len);
	p16(forged + 4, (uint16_t)(tx.id + 1000));
	p16(forged + 26, (uint16_t)(tx.id + 1000));
	p16(forged + 28 + 6, (uint16_t)(tx.id + 1000));
	struct wh_addr r1 = s.r[1].ifs[0];
	s.nev = 0;
	sim_error(&s, now, &r1, 11, 0, forged, tx.len, 0);
	assert_int_equal(wh_tracer_input4(tr, s.ev[0].buf, s.ev[0].len, now + 1), 0);
	/* right checksum and IP id but a payload naming another probe: spoofed */
	memcpy(forged, tx.buf, tx.len);
	p16(forged + 28 + 6, (uint16_t)(tx.id + 1));
	s.nev = 0;
	sim_error(&s, now, &r1, 11, 0, forged, tx.len, 0);
	assert_int_equal(wh_tracer_input4(tr, s.ev[0].buf, s.ev[0].len, now + 1), 0);
	/* truncated and corrupted packets */
	s.nev = 0;
	sim_error(&s, now, &r1, 11, 0, tx.buf, tx.len, 0);
	assert_int_equal(wh_tracer_input4(tr, s.ev[0].buf, 24, now + 1), 0);
	s.ev[0].buf[30] ^= 0xff;
	assert_int_equal(wh_tracer_input4(tr, s.ev[0].buf, s.ev[0].len, now + 1), 0);
	s.ev[0].buf[30] ^= 0xff;
	/* a stray error about someone else's traffic */
	memcpy(forged, tx.buf, tx.len);
	forged[19] ^= 0x55;
	s.nev = 0;
	sim_error(&s, now, &r1, 11, 0, forged, tx.len, 0);
	assert_int_equal(wh_tracer_input4(tr, s.ev[0].buf, s.ev[0].len, now + 1), 0);
	const struct wh_tracer_stats *st = wh_tracer_stats(tr);
	assert_int_equal(st->drop[WH_DROP_UNMATCHED], 1);
	assert_int_equal(st->drop[WH_DROP_MISMATCH], 1);
	assert_int_equal(st->drop[WH_DROP_MALFORMED], 2);
	assert_int_equal(st->drop[WH_DROP_UNRELATED], 1);
	/* the genuine answer is still taken, once */
	s.nev = 0;
	sim_error(&s, now, &r1, 11, 0, tx.buf, tx.len, 0);
	assert_int_equal(wh_tracer_input4(tr, s.ev[0].buf, s.ev[0].len, now + 1000), 1);
	assert_int_equal(wh_tracer_input4(tr, s.ev[0].buf, s.ev[0].len, now + 2000), 0);
	assert_int_equal(st->drop[WH_DROP_DUPLICATE], 1);
	wh_tracer_free(tr);
}

/* Routers limit ICMP to a burst of 6 then 1/s: pacing keeps every answer. */
static void pacing_respects_rate_limit(void **state)
{
	(void)state;
	for (int paced = 0; paced < 2; paced++) {
		struct sim s;
		sim_init(&s, AF_INET, 5);
		s.ratelimit = true;
		struct wh_trace_opts o;
		wh_trace_opts_init(&o);
		o.sport = 40000;
		o.cycles = 12;
		o.icmp_burst = paced ? 6 : 0;
		struct wh_tracer *tr = tracer(&o, &s);
		struct wh_trace *t = sim_run(&s, tr);
		uint32_t lost = 0;
		for (unsigned h = 1; h <= 5; h++)
			lost += t->hops[h].n - t->hops[h].answered;
		if (paced) {
			assert_int_equal(lost, 0);
			assert_true(t->end - t->start >= 5500 * MS);   /* 6 at once, then one a second */
		} else {
			assert_true(lost >= 5 * 5);                    /* 6 of 12 answered per router */
		}
		wh_trace_free(t);
		wh_tracer_free(tr);
	}
}

/* pathping's figures: loss on a link versus at a node, and a latency jump
 * that is a bottleneck (kept downstream) versus a slow router. */
static void cycles_minimum_rule(void **state)
{
	(void)state;
	struct sim s;
	sim_init(&s, AF_INET, 8);
	s.r[3].fwd_loss = 0.3;            /* the link from hop 3 to hop 4 loses 30% */
	s.r[6].node_loss = 0.5;           /* hop 6 answers half the time: its own loss */
	s.r[4].extra_rtt = 20 * MS;       /* everything past hop 4 is 20 ms later */
	s.r[7].answer_delay = 15 * MS;    /* hop 7 is slow to answer, nothing after it */
	struct wh_trace_opts o;
	wh_trace_opts_init(&o);
	o.sport = 40000;
	o.cycles = 400;
	o.icmp_burst = 0;
	struct wh_tracer *tr = tracer(&o, &s);
	struct wh_trace *t = sim_run(&s, tr);
	struct wh_hop_stats st[WH_TRACE_MAX_TTL + 1];
	wh_trace_hop_stats(t, &o, st, WH_TRACE_MAX_TTL + 1);
	assert_true(st[3].link_loss < 0.02);
	assert_true(st[4].link_loss > 0.22 && st[4].link_loss < 0.38);
	assert_true(st[6].node_loss > 0.4 && st[6].node_loss < 0.6);   /* of what reached it */
	assert_true(st[6].link_loss < 0.06);
	assert_true(st[7].link_loss < 0.06);
	assert_true(st[5].jump_persists);
	assert_false(st[7].jump_persists);
	assert_true(st[7].jump >= 14 * MS);
	for (unsigned h = 1; h <= 9; h++)
		if (h != 5)
			assert_false(st[h].jump_persists);
	wh_trace_free(t);
	wh_tracer_free(tr);
}

/* RFC 4884 MPLS labels reach the hop results. */
static void mpls_labels(void **state)
{
	(void)state;
	for (int fam = 0; fam < 2; fam++) {
		struct sim s;
		sim_init(&s, fam ? AF_INET6 : AF_INET, 4);
		s.r[2].mpls = 24001;
		struct wh_trace_opts o;
		wh_trace_opts_init(&o);
		o.sport = 40000;
		struct wh_tracer *tr = tracer(&o, &s);
		struct wh_trace *t = sim_run(&s, tr);
		const struct wh_hop_probe *p = answered(t, 2);
		assert_int_equal(p->nmpls, 1);
		assert_int_equal(p->mpls[0].label, 24001);
		assert_int_equal(p->mpls[0].s, 1);
		assert_int_equal(answered(t, 3)->nmpls, 0);
		wh_trace_free(t);
		wh_tracer_free(tr);
	}
}

/* Many targets through one tracer at a set rate. */
static void multi_target_rate(void **state)
{
	(void)state;
	struct sim s;
	sim_init(&s, AF_INET, 3);
	struct wh_trace_opts o;
	wh_trace_opts_init(&o);
	o.sport = 40000;
	o.rate = 100;
	struct wh_tracer *tr = wh_tracer_new(&o);
	/* every target sits behind the same 3 routers; the sim answers for s.dst only,
	 * so trace the same destination 4 times */
	for (int i = 0; i < 4; i++)
		wh_tracer_add(tr, &s.dst, &s.src, "t");
	int64_t start = 1000000000LL;
	struct wh_trace *last = sim_run(&s, tr);
	assert_non_null(last);
	/* 4 traces x 4 hops x 3 probes at 100/s: at least 0.47 s */
	assert_true(last->end - start >= 470 * MS);
	assert_int_equal(wh_tracer_stats(tr)->sent, 48);
	wh_trace_free(last);
	wh_tracer_free(tr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(chain_all_methods),
		cmocka_unit_test(silent_destination),
		cmocka_unit_test(windows_sequential),
		cmocka_unit_test(ecmp_diamond),
		cmocka_unit_test(nat_detected),
		cmocka_unit_test(spoofed_ignored),
		cmocka_unit_test(pacing_respects_rate_limit),
		cmocka_unit_test(cycles_minimum_rule),
		cmocka_unit_test(mpls_labels),
		cmocka_unit_test(multi_target_rate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
