/*
 * fuzz_packet: the frame decoder, then the flow table and the traceroute
 * detector on what it decodes. The first byte picks the link type.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "detect/net/flow.h"
#include "detect/recon/tracedet.h"
#include "read/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int links[] = { WH_LT_EN10MB, WH_LT_SLL, WH_LT_SLL2, WH_LT_RAW, WH_LT_NULL, WH_LT_LOOP,
			     WH_LT_IPV4, WH_LT_IPV6, 147 };

static void sink(const struct wh_conn *c, void *arg)
{
	(void)c;
	(void)arg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct wh_flowtab *ft;
	static struct wh_tracedet *td;
	static struct wh_findings out;
	static unsigned runs;
	if (!ft || ++runs % 4096 == 0) {
		/* start over now and then so the tables do not only grow */
		if (ft) {
			wh_flowtab_free(ft);
			wh_tracedet_free(td);
			wh_findings_release(&out);
		}
		struct wh_flow_opts fo;
		wh_flow_opts_default(&fo);
		fo.max_flows = 64;
		ft = wh_flowtab_new(&fo, sink, NULL);
		struct wh_tracedet_opts to;
		wh_tracedet_opts_default(&to);
		to.max_traces = 32;
		wh_findings_init(&out);
		td = wh_tracedet_new(&to, &out);
	}
	if (size < 1)
		return 0;
	int lt = links[data[0] % (sizeof(links) / sizeof(links[0]))];
	/* the second byte, when there is one, trims the wire length: snapped frames */
	uint32_t caplen = (uint32_t)(size - 1), wire = caplen;
	if (size > 2 && data[1] & 1)
		wire += data[1];
	struct wh_pkt p = { .ts = (int64_t)runs * 1000000000 };
	const char *why;
	if (wh_pkt_decode(lt, data + 1, caplen, wire, &p, &why) == WH_PKT_OK) {
		wh_flowtab_add(ft, &p, "fuzz", 0);
		wh_tracedet_packet(td, &p, "fuzz", 0);
	}
	if (runs % 512 == 0) {
		wh_tracedet_poll(td, (int64_t)runs * 1000000000 + 3600000000000LL);
		wh_flowtab_flush(ft);
	}
	return 0;
}
