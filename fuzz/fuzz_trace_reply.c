/*
 * Fuzz the traceroute reply parser and the tracer's matching. The first
 * byte picks the path: 0 IPv4 packet, 1 ICMPv6 message, 2 IPv6 TCP segment,
 * 3 an IPv4 packet into a tracer with probes in flight, 4 an IPv6 ICMP
 * message into one, 5 prefix-to-AS text, 6 IXP prefix text.
 */
#include "net/asn.h"
#include "net/reply.h"
#include "net/tracer.h"
#include "util/diag.h"

#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void some_probes(struct wh_tracer *tr, int family)
{
	struct wh_tx tx;
	for (int i = 0; i < 12 && wh_tracer_next(tr, 1000, &tx); i++)
		wh_tracer_sent(tr, &tx, 1000, true);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	wh_diag.quiet = true;
	if (size < 1)
		return 0;
	uint8_t mode = data[0] % 7;
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	struct wh_reply r;
	struct wh_addr from, to;
	wh_addr_parse("2001:db8::2", &from);
	wh_addr_parse("2001:db8::1", &to);
	char buf[64];
	switch (mode) {
	case 0:
		if (wh_reply_parse4(p, n, &r) == WH_REPLY_OK)
			wh_reply_annotation(&r, buf, sizeof(buf));
		break;
	case 1:
	case 2:
		if (wh_reply_parse6(mode == 1 ? IPPROTO_ICMPV6 : IPPROTO_TCP, p, n, &from, &to, 64, &r) == WH_REPLY_OK)
			wh_reply_annotation(&r, buf, sizeof(buf));
		break;
	case 3:
	case 4: {
		struct wh_trace_opts o;
		wh_trace_opts_init(&o);
		o.method = (enum wh_method)(n ? p[0] % 5 : 0);
		o.sport = 40000;
		o.max_ttl = 4;
		struct wh_tracer *tr = wh_tracer_new(&o);
		struct wh_addr s, d;
		if (mode == 3) {
			wh_addr_parse("198.18.0.1", &s);
			wh_addr_parse("198.18.9.2", &d);
		} else {
			s = to;
			wh_addr_parse("2001:db8:9::2", &d);
		}
		wh_tracer_add(tr, &d, &s, "fuzz");
		some_probes(tr, d.family);
		if (mode == 3)
			wh_tracer_input4(tr, p, n, 2000);
		else
			wh_tracer_input6(tr, IPPROTO_ICMPV6, p, n, &from, &to, 64, 2000);
		wh_tracer_tick(tr, 3000);
		wh_tracer_abort(tr, 4000);
		struct wh_trace *t;
		while ((t = wh_tracer_pop_done(tr)))
			wh_trace_free(t);
		wh_tracer_free(tr);
		break;
	}
	case 5:
	case 6: {
		struct wh_asdb *db = wh_asdb_new();
		if (mode == 5)
			wh_asdb_load_text(db, (const char *)p, n, "fuzz");
		else
			wh_asdb_load_ixp_text(db, (const char *)p, n, "fuzz");
		struct wh_asn_info ai;
		wh_asdb_lookup(db, &from, &ai);
		struct wh_addr v4;
		wh_addr_parse("1.2.3.4", &v4);
		wh_asdb_lookup(db, &v4, &ai);
		wh_asdb_free(db);
		break;
	}
	}
	return 0;
}
