/*
 * fuzz_capture: a whole capture file (pcap through libpcap, pcapng through
 * libpcap or the block walker) read from memory as the scan would give it,
 * every record decoded; and the pcapng block parser on its own.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "read/packet.h"
#include "read/pcap.h"
#include "util/diag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct mem {
	const uint8_t *p;
	size_t n, off;
};

static ssize_t mem_read(struct wh_input *in, void *buf, size_t n)
{
	struct mem *m = in->raw;
	size_t k = m->n - m->off < n ? m->n - m->off : n;
	memcpy(buf, m->p + m->off, k);
	m->off += k;
	return (ssize_t)k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	wh_diag.quiet = true;
	size_t head = size < WH_SNIFF_BYTES ? size : WH_SNIFF_BYTES;
	struct mem m = { data, size, head };
	struct wh_input in = {
		.name = "fuzz.pcap",
		.fd = -1,
		.raw_read = mem_read,
		.raw = &m,
		.head = (unsigned char *)data,
		.head_len = head,
	};
	struct wh_capture *c = wh_capture_open(&in);
	if (c) {
		struct wh_rawpkt rp;
		struct wh_decode_stats ds = { 0 };
		struct wh_pkt p;
		int n = 0;
		while (wh_capture_next(c, &rp) == 1 && n++ < 100000)
			wh_capture_decode("fuzz.pcap", &rp, &p, &ds);
		wh_capture_close(c);
	}
	/* the block parser over the same bytes */
	struct wh_pcapng st;
	memset(&st, 0, sizeof(st));
	size_t o = 0;
	while (o + 12 <= size) {
		uint32_t len = wh_pcapng_block_len(&st, data + o);
		if (!len || len > size - o)
			break;
		struct wh_rawpkt pk;
		const char *why;
		if (wh_pcapng_block(&st, data + o, len, &pk, &why) == WH_PCAPNG_PACKET) {
			struct wh_pkt p = { 0 };
			wh_pkt_decode(pk.linktype, pk.data, pk.caplen, pk.wirelen, &p, &why);
		}
		o += len;
	}
	return 0;
}
