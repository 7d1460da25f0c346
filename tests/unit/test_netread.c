/* Unit tests for the network readers: addresses, the packet decoder, pcapng
 * blocks, capture files through the scan, and Zeek lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../tools/pcapw.h"
#include "read/ipaddr.h"
#include "read/packet.h"
#include "read/pcap.h"
#include "read/scan.h"
#include "read/zeek.h"
#include "util/diag.h"

static uint8_t frame[70000];

/* ---- addresses ---- */

static void ip_parse_format(void **state)
{
	(void)state;
	struct wh_ip a;
	char buf[WH_IP_STRLEN];
	assert_true(wh_ip_parse("192.168.1.20", 12, &a));
	assert_true(wh_ip_is_v4(&a));
	assert_string_equal(wh_ip_format(&a, buf), "192.168.1.20");
	assert_true(wh_ip_parse("::ffff:10.0.0.1", 15, &a));
	assert_true(wh_ip_is_v4(&a));
	assert_string_equal(wh_ip_format(&a, buf), "10.0.0.1");
	assert_true(wh_ip_parse("2001:db8::1", 11, &a));
	assert_false(wh_ip_is_v4(&a));
	assert_string_equal(wh_ip_format(&a, buf), "2001:db8::1");
	assert_true(wh_ip_parse("2001:0db8:0:0:1:0:0:1", 21, &a));
	assert_string_equal(wh_ip_format(&a, buf), "2001:db8::1:0:0:1");
	assert_true(wh_ip_parse("fe80::1%eth0", 12, &a));
	assert_string_equal(wh_ip_format(&a, buf), "fe80::1");
	assert_true(wh_ip_parse("::", 2, &a));
	assert_string_equal(wh_ip_format(&a, buf), "::");
	assert_true(wh_ip_parse("[::1]", 5, &a));
	assert_string_equal(wh_ip_format(&a, buf), "::1");
	/* refused */
	assert_false(wh_ip_parse("256.1.1.1", 9, &a));
	assert_false(wh_ip_parse("1.2.3", 5, &a));
	assert_false(wh_ip_parse("01.2.3.4", 8, &a));
	assert_false(wh_ip_parse("1::2::3", 7, &a));
	assert_false(wh_ip_parse("1:2:3:4:5:6:7:8:9", 17, &a));
	assert_false(wh_ip_parse("12345::", 7, &a));
	assert_false(wh_ip_parse("", 0, &a));
	assert_false(wh_ip_parse("host.example", 12, &a));
	/* n bytes only: "10.0.0.1" followed by more text */
	assert_true(wh_ip_parse("10.0.0.1:80", 8, &a));
}

static void prefixes(void **state)
{
	(void)state;
	struct wh_prefix p;
	struct wh_ip a;
	assert_true(wh_prefix_parse("172.16.0.0/12", 13, &p));
	assert_int_equal(p.len, 108);
	wh_ip_parse("172.31.255.1", 12, &a);
	assert_true(wh_prefix_contains(&p, &a));
	wh_ip_parse("172.32.0.1", 10, &a);
	assert_false(wh_prefix_contains(&p, &a));
	assert_true(wh_prefix_parse("fc00::/7", 8, &p));
	wh_ip_parse("fd12::5", 7, &a);
	assert_true(wh_prefix_contains(&p, &a));
	wh_ip_parse("10.0.0.1", 8, &a);
	assert_false(wh_prefix_contains(&p, &a));
	/* host bits are cleared */
	assert_true(wh_prefix_parse("10.1.2.3/8", 10, &p));
	wh_ip_parse("10.200.0.0", 10, &a);
	assert_true(wh_prefix_contains(&p, &a));
	assert_true(wh_prefix_parse("0.0.0.0/0", 9, &p));
	assert_true(wh_prefix_contains(&p, &a));
	assert_false(wh_prefix_parse("10.0.0.0/33", 11, &p));
	assert_false(wh_prefix_parse("10.0.0.0/", 9, &p));
	assert_false(wh_prefix_parse("::/129", 6, &p));
}

/* ---- the decoder ---- */

static size_t tcp_frame(int lt, const char *s, const char *d, uint16_t sp, uint16_t dp, uint8_t fl,
			uint32_t plen, uint16_t vlan)
{
	static uint8_t pl[2000];
	struct pw_pkt p = { 0 };
	pw_addr(&p, s, d);
	p.proto = 6;
	p.sport = sp;
	p.dport = dp;
	p.flags = fl;
	p.payload = pl;
	p.plen = plen;
	p.vlan = vlan;
	p.ttl = 57;
	return pw_build(lt, &p, frame, sizeof(frame));
}

static void decode_link_types(void **state)
{
	(void)state;
	static const int lts[] = { PW_LT_ETH, PW_LT_SLL, PW_LT_SLL2, PW_LT_NULL, PW_LT_RAW };
	for (size_t i = 0; i < sizeof(lts) / sizeof(lts[0]); i++) {
		size_t n = tcp_frame(lts[i], "10.0.0.1", "192.0.2.9", 40000, 443, PW_SYN, 0, 0);
		struct wh_pkt p = { 0 };
		const char *why;
		assert_int_equal(wh_pkt_decode(lts[i], frame, (uint32_t)n, (uint32_t)n, &p, &why), WH_PKT_OK);
		char a[WH_IP_STRLEN], b[WH_IP_STRLEN];
		assert_string_equal(wh_ip_format(&p.src, a), "10.0.0.1");
		assert_string_equal(wh_ip_format(&p.dst, b), "192.0.2.9");
		assert_int_equal(p.proto, WH_PROTO_TCP);
		assert_int_equal(p.sport, 40000);
		assert_int_equal(p.dport, 443);
		assert_int_equal(p.tcp_flags, WH_TCP_SYN);
		assert_int_equal(p.ttl, 57);
		assert_int_equal(p.ip_len, 40);
	}
	/* IPv6 in a VLAN with data */
	size_t n = tcp_frame(PW_LT_ETH, "2001:db8::1", "2001:db8::2", 5000, 22, PW_ACK | PW_PSH, 100, 42);
	struct wh_pkt p = { 0 };
	const char *why;
	assert_int_equal(wh_pkt_decode(WH_LT_EN10MB, frame, (uint32_t)n, (uint32_t)n, &p, &why), WH_PKT_OK);
	assert_int_equal(p.ipver, 6);
	assert_int_equal(p.vlan, 42);
	assert_int_equal(p.l4_len, 100);
	assert_int_equal(p.payload_caplen, 100);
	assert_int_equal(p.dport, 22);
	/* the same frame snapped inside the TCP header: not an error, lengths from the headers */
	assert_int_equal(wh_pkt_decode(WH_LT_EN10MB, frame, 70, (uint32_t)n, &p, &why), WH_PKT_OK);
	assert_int_equal(p.l4_len, 100);
	assert_int_equal(p.payload_caplen, 0);
	assert_true(p.flags & WH_PKF_L4_CUT);
	/* ARP is not IP */
	memset(frame, 0, 60);
	frame[12] = 0x08;
	frame[13] = 0x06;
	assert_int_equal(wh_pkt_decode(WH_LT_EN10MB, frame, 60, 60, &p, &why), WH_PKT_NOT_IP);
	assert_int_equal(wh_pkt_decode(147, frame, 60, 60, &p, &why), WH_PKT_LINKTYPE);
}

static void decode_bad(void **state)
{
	(void)state;
	struct wh_pkt p = { 0 };
	const char *why;
	size_t n = tcp_frame(PW_LT_ETH, "10.0.0.1", "10.0.0.2", 1, 2, PW_SYN, 40, 0);
	/* cut short but claiming the full length on the wire was not snapped */
	assert_int_equal(wh_pkt_decode(WH_LT_EN10MB, frame, 30, 30, &p, &why), WH_PKT_TRUNCATED);
	assert_non_null(why);
	assert_int_equal(wh_pkt_decode(WH_LT_EN10MB, frame, 10, 10, &p, &why), WH_PKT_TRUNCATED);
	/* IP total length beyond the frame */
	assert_int_equal(wh_pkt_decode(WH_LT_EN10MB, frame, (uint32_t)n - 10, (uint32_t)n - 10, &p, &why),
			 WH_PKT_TRUNCATED);
	/* header length 16 */
	frame[14] = 0x44;
	assert_int_equal(wh_pkt_decode(WH_LT_EN10MB, frame, (uint32_t)n, (uint32_t)n, &p, &why),
			 WH_PKT_MALFORMED);
	frame[14] = 0x45;
	/* TCP data offset 3 */
	frame[14 + 20 + 12] = 0x30;
	assert_int_equal(wh_pkt_decode(WH_LT_EN10MB, frame, (uint32_t)n, (uint32_t)n, &p, &why),
			 WH_PKT_MALFORMED);
	/* TCP data offset beyond the segment */
	frame[14 + 20 + 12] = 0xf0;
	n = tcp_frame(PW_LT_ETH, "10.0.0.1", "10.0.0.2", 1, 2, PW_SYN, 0, 0);
	frame[14 + 20 + 12] = 0xf0;
	assert_int_equal(wh_pkt_decode(WH_LT_EN10MB, frame, (uint32_t)n, (uint32_t)n, &p, &why),
			 WH_PKT_MALFORMED);
	/* version 5 */
	n = tcp_frame(PW_LT_RAW, "10.0.0.1", "10.0.0.2", 1, 2, PW_SYN, 0, 0);
	frame[0] = 0x55;
	assert_int_equal(wh_pkt_decode(WH_LT_RAW, frame, (uint32_t)n, (uint32_t)n, &p, &why), WH_PKT_MALFORMED);
	/* every prefix of a good frame decodes or fails cleanly */
	n = tcp_frame(PW_LT_ETH, "2001:db8::1", "2001:db8::2", 5000, 22, PW_ACK, 10, 7);
	for (uint32_t k = 0; k <= n; k++) {
		enum wh_pkt_status st = wh_pkt_decode(WH_LT_EN10MB, frame, k, (uint32_t)n, &p, &why);
		assert_true(st == WH_PKT_OK || st == WH_PKT_TRUNCATED);
	}
}

static void decode_icmp_error(void **state)
{
	(void)state;
	/* a UDP traceroute probe with TTL 1 ... */
	struct pw_pkt probe = { 0 };
	pw_addr(&probe, "10.0.0.5", "198.51.100.7");
	probe.proto = 17;
	probe.ttl = 1;
	probe.sport = 41000;
	probe.dport = 33437;
	probe.ip_id = 777;
	static uint8_t pl[32];
	probe.payload = pl;
	probe.plen = 32;
	uint8_t quoted[128];
	size_t qn = pw_build(PW_LT_RAW, &probe, quoted, sizeof(quoted));
	/* ... and the router's time exceeded quoting its first 28 bytes */
	struct pw_pkt te = { 0 };
	pw_addr(&te, "10.0.0.1", "10.0.0.5");
	te.proto = 1;
	te.icmp_type = 11;
	te.payload = quoted;
	te.plen = 28;
	assert_true(qn > 28);
	size_t n = pw_build(PW_LT_ETH, &te, frame, sizeof(frame));
	struct wh_pkt p = { 0 };
	const char *why;
	assert_int_equal(wh_pkt_decode(WH_LT_EN10MB, frame, (uint32_t)n, (uint32_t)n, &p, &why), WH_PKT_OK);
	assert_int_equal(p.proto, WH_PROTO_ICMP);
	assert_int_equal(p.icmp_type, 11);
	assert_true(p.flags & WH_PKF_INNER);
	assert_int_equal(p.inner.proto, WH_PROTO_UDP);
	assert_int_equal(p.inner.ttl, 1);
	assert_int_equal(p.inner.dport, 33437);
	assert_int_equal(p.inner.ip_id, 777);
	assert_int_equal(p.inner.ip_len, 60);
	char a[WH_IP_STRLEN];
	assert_string_equal(wh_ip_format(&p.inner.dst, a), "198.51.100.7");
	/* ICMPv6 echo */
	struct pw_pkt e6 = { 0 };
	pw_addr(&e6, "2001:db8::5", "2001:db8::9");
	e6.proto = 58;
	e6.icmp_type = 128;
	e6.icmp_id = 0x1234;
	e6.icmp_seq = 3;
	n = pw_build(PW_LT_ETH, &e6, frame, sizeof(frame));
	assert_int_equal(wh_pkt_decode(WH_LT_EN10MB, frame, (uint32_t)n, (uint32_t)n, &p, &why), WH_PKT_OK);
	assert_true(p.flags & WH_PKF_ECHO);
	assert_int_equal(p.icmp_id, 0x1234);
	assert_int_equal(p.icmp_seq, 3);
	assert_int_equal(p.sport, 128);
}

static void decode_fragments(void **state)
{
	(void)state;
	size_t n = tcp_frame(PW_LT_RAW, "10.0.0.1", "10.0.0.2", 1000, 2000, PW_ACK, 100, 0);
	struct wh_pkt p = { 0 };
	const char *why;
	frame[6] = 0x20;   /* more fragments */
	assert_int_equal(wh_pkt_decode(WH_LT_RAW, frame, (uint32_t)n, (uint32_t)n, &p, &why), WH_PKT_OK);
	assert_true(p.flags & WH_PKF_MORE_FRAGS);
	assert_int_equal(p.dport, 2000);
	frame[6] = 0x00;
	frame[7] = 0x10;   /* offset 128: no transport header */
	assert_int_equal(wh_pkt_decode(WH_LT_RAW, frame, (uint32_t)n, (uint32_t)n, &p, &why), WH_PKT_OK);
	assert_true(p.flags & WH_PKF_FRAGMENT);
	assert_int_equal(p.dport, 0);
}

/* ---- pcapng blocks ---- */

static void pcapng_blocks(void **state)
{
	(void)state;
	uint8_t shb[28] = { 0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0,
			    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 28, 0, 0, 0 };
	struct wh_pcapng st;
	memset(&st, 0, sizeof(st));
	struct wh_rawpkt pk;
	const char *why;
	assert_int_equal(wh_pcapng_block_len(&st, shb), 28);
	assert_int_equal(wh_pcapng_block(&st, shb, 28, &pk, &why), WH_PCAPNG_SKIP);
	assert_true(st.in_section);
	/* IDB: link type 1, tsresol 9 (ns) */
	uint8_t idb[32] = { 1, 0, 0, 0, 32, 0, 0, 0, 1, 0, 0, 0, 0, 0, 4, 0,
			    9, 0, 1, 0, 9, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0, 0 };
	assert_int_equal(wh_pcapng_block(&st, idb, 32, &pk, &why), WH_PCAPNG_SKIP);
	assert_int_equal(st.nifaces, 1);
	assert_int_equal(st.ifaces[0].tsunits, 1000000000);
	/* EPB with 4 bytes of data at 1.5 s */
	uint8_t epb[36] = { 6, 0, 0, 0, 36, 0, 0, 0, 0, 0, 0, 0 };
	uint64_t ticks = 1500000000ull;
	uint32_t hi = (uint32_t)(ticks >> 32), lo = (uint32_t)ticks;
	memcpy(epb + 12, &hi, 4);
	memcpy(epb + 16, &lo, 4);
	epb[20] = 4;
	epb[24] = 60;
	memcpy(epb + 28, "abcd", 4);
	epb[32] = 36;
	assert_int_equal(wh_pcapng_block(&st, epb, 36, &pk, &why), WH_PCAPNG_PACKET);
	assert_int_equal(pk.ts, 1500000000);
	assert_int_equal(pk.caplen, 4);
	assert_int_equal(pk.wirelen, 60);
	assert_int_equal(pk.linktype, 1);
	/* caplen beyond the block */
	epb[20] = 40;
	assert_int_equal(wh_pcapng_block(&st, epb, 36, &pk, &why), WH_PCAPNG_ERR);
	epb[20] = 4;
	/* unknown interface */
	epb[8] = 3;
	assert_int_equal(wh_pcapng_block(&st, epb, 36, &pk, &why), WH_PCAPNG_ERR);
	epb[8] = 0;
	/* trailing length disagrees */
	epb[32] = 40;
	assert_int_equal(wh_pcapng_block(&st, epb, 36, &pk, &why), WH_PCAPNG_ERR);
	/* bad lengths */
	uint8_t bad[12] = { 6, 0, 0, 0, 13, 0, 0, 0 };
	assert_int_equal(wh_pcapng_block_len(&st, bad), 0);
}

/* ---- whole captures through the scan ---- */

struct count_ctx {
	uint64_t events;
	uint64_t tcp;
};

static int count_events(struct wh_event *ev, void *arg)
{
	struct count_ctx *c = arg;
	c->events++;
	const char *p = wh_event_get(ev, "proto");
	if (p && strcmp(p, "tcp") == 0)
		c->tcp++;
	return 0;
}

static char tmpdir[64];

static const char *tmp_path(const char *name)
{
	static char buf[128];
	if (!tmpdir[0]) {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/wh-netread-XXXXXX");
		assert_non_null(mkdtemp(tmpdir));
	}
	snprintf(buf, sizeof(buf), "%s/%s", tmpdir, name);
	return buf;
}

static void write_conversation(struct pw_file *w, int lt, int64_t t0)
{
	static const uint8_t fl[] = { PW_SYN, PW_SYN | PW_ACK, PW_ACK, PW_ACK | PW_PSH, PW_ACK | PW_FIN,
				      PW_ACK | PW_FIN, PW_ACK };
	static const int dir[] = { 0, 1, 0, 0, 0, 1, 0 };
	for (size_t i = 0; i < sizeof(fl); i++) {
		size_t n = dir[i] ? tcp_frame(lt, "192.0.2.80", "10.0.0.7", 80, 51000, fl[i], 0, 0)
				  : tcp_frame(lt, "10.0.0.7", "192.0.2.80", 51000, 80, fl[i], i == 3 ? 300 : 0, 0);
		pw_write(w, t0 + (int64_t)i * 1000000, frame, (uint32_t)n, (uint32_t)n);
	}
}

static void capture_files(void **state)
{
	(void)state;
	wh_diag.quiet = true;
	/* classic pcap, one conversation and an ARP frame */
	struct pw_file w;
	const char *p1 = tmp_path("a.pcap");
	assert_int_equal(pw_open(&w, p1, PW_LT_ETH, false), 0);
	write_conversation(&w, PW_LT_ETH, 1600000000LL * 1000000000);
	memset(frame, 0, 60);
	frame[12] = 8;
	frame[13] = 6;
	pw_write(&w, 1600000001LL * 1000000000, frame, 60, 60);
	pw_close(&w);
	struct count_ctx c = { 0 };
	struct wh_scan s;
	wh_scan_init(&s, count_events, &c);
	char *paths[] = { (char *)p1 };
	uint64_t bad0 = wh_diag.bad_records;
	assert_int_equal(wh_scan_paths(&s, paths, 1), 0);
	assert_int_equal(c.events, 1);
	assert_int_equal(c.tcp, 1);
	assert_int_equal(wh_diag.bad_records, bad0);
	wh_scan_release(&s);

	/* the same file cut inside its last record: one bad record, the rest read */
	FILE *f = fopen(p1, "rb");
	static uint8_t buf[8192];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	const char *p2 = tmp_path("cut.pcap");
	f = fopen(p2, "wb");
	fwrite(buf, 1, n - 20, f);
	fclose(f);
	memset(&c, 0, sizeof(c));
	wh_scan_init(&s, count_events, &c);
	paths[0] = (char *)p2;
	wh_scan_paths(&s, paths, 1);
	assert_int_equal(c.events, 1);
	assert_int_equal(wh_diag.bad_records, bad0 + 1);
	wh_scan_release(&s);

	/* pcapng with an Ethernet and a loopback interface: libpcap refuses it */
	const char *p3 = tmp_path("mixed.pcapng");
	f = fopen(p3, "wb");
	pw_ng_shb(f);
	pw_ng_idb(f, PW_LT_ETH);
	pw_ng_idb(f, PW_LT_NULL);
	size_t k = tcp_frame(PW_LT_ETH, "10.0.0.1", "10.0.0.2", 1, 22, PW_SYN, 0, 0);
	pw_ng_epb(f, 0, 1000000000, frame, (uint32_t)k, (uint32_t)k);
	k = tcp_frame(PW_LT_NULL, "127.0.0.1", "127.0.0.1", 5, 6, PW_SYN, 0, 0);
	pw_ng_epb(f, 1, 2000000000, frame, (uint32_t)k, (uint32_t)k);
	fclose(f);
	memset(&c, 0, sizeof(c));
	wh_scan_init(&s, count_events, &c);
	paths[0] = (char *)p3;
	assert_int_equal(wh_scan_paths(&s, paths, 1), 0);
	assert_int_equal(c.events, 2);
	wh_scan_release(&s);
	/* the loopback interface described only after 64 KiB of packets: libpcap
	 * stops there, and the file is read again by the block walker without
	 * handing out the first packets twice */
	const char *p4 = tmp_path("late.pcapng");
	f = fopen(p4, "wb");
	pw_ng_shb(f);
	pw_ng_idb(f, PW_LT_ETH);
	for (int i = 0; i < 900; i++) {
		k = tcp_frame(PW_LT_ETH, "10.0.0.1", "10.0.0.2", (uint16_t)(10000 + i), 80, PW_SYN, 0, 0);
		pw_ng_epb(f, 0, 1000000000LL + i * 1000000LL, frame, (uint32_t)k, (uint32_t)k);
	}
	pw_ng_idb(f, PW_LT_NULL);
	for (int i = 0; i < 3; i++) {
		k = tcp_frame(PW_LT_NULL, "127.0.0.1", "127.0.0.1", (uint16_t)(20000 + i), 6, PW_SYN, 0, 0);
		pw_ng_epb(f, 1, 3000000000LL + i, frame, (uint32_t)k, (uint32_t)k);
	}
	long size = ftell(f);
	fclose(f);
	assert_true(size > 65536);
	memset(&c, 0, sizeof(c));
	bad0 = wh_diag.bad_records;
	wh_scan_init(&s, count_events, &c);
	paths[0] = (char *)p4;
	assert_int_equal(wh_scan_paths(&s, paths, 1), 0);
	assert_int_equal(c.events, 903);
	assert_int_equal(wh_diag.bad_records, bad0);
	wh_scan_release(&s);
	unlink(p1);
	unlink(p2);
	unlink(p3);
	unlink(p4);
	rmdir(tmpdir);
	wh_diag.quiet = false;
}

/* ---- Zeek ---- */

static int zline(struct wh_zeek *z, const char *text, struct wh_event *ev, const char **why)
{
	static char line[4096];
	size_t n = strlen(text);
	memcpy(line, text, n + 1);
	wh_event_clear(ev);
	return wh_zeek_line(z, line, n, ev, why);
}

static void zeek_tsv(void **state)
{
	(void)state;
	struct wh_zeek z;
	wh_zeek_init(&z);
	struct wh_arena a;
	wh_arena_init(&a, 4096, 0);
	struct wh_event ev;
	wh_event_init(&ev, &a);
	const char *why;
	assert_int_equal(zline(&z, "#separator \\x09", &ev, &why), WH_ZEEK_SKIP);
	assert_int_equal(zline(&z, "#unset_field\t-", &ev, &why), WH_ZEEK_SKIP);
	assert_int_equal(zline(&z, "#path\tconn", &ev, &why), WH_ZEEK_SKIP);
	/* a record before #fields */
	assert_int_equal(zline(&z, "1.0\tC1\t10.0.0.1", &ev, &why), WH_ZEEK_BAD);
	/* columns in an unusual order: read by name */
	assert_int_equal(zline(&z, "#fields\tid.resp_p\tproto\tid.orig_h\tts\tid.resp_h\tservice\tid.orig_p",
			       &ev, &why), WH_ZEEK_SKIP);
	assert_int_equal(zline(&z, "443\ttcp\t10.0.0.1\t1600000000.250000\t192.0.2.1\t-\t5555", &ev, &why),
			 WH_ZEEK_EVENT);
	assert_int_equal(ev.kind, WH_EV_NET_CONNECT);
	assert_int_equal(ev.time, 1600000000250000000LL);
	assert_string_equal(wh_event_get(&ev, "DestinationIp"), "192.0.2.1");
	assert_string_equal(wh_event_get(&ev, "DestinationPort"), "443");
	assert_string_equal(wh_event_get(&ev, "id.orig_p"), "5555");
	assert_null(wh_event_get(&ev, "service"));   /* unset */
	/* missing and extra columns */
	assert_int_equal(zline(&z, "443\ttcp\t10.0.0.1", &ev, &why), WH_ZEEK_BAD);
	assert_non_null(strstr(why, "fewer"));
	assert_int_equal(zline(&z, "443\ttcp\t10.0.0.1\t1\t2\t3\t4\t5", &ev, &why), WH_ZEEK_BAD);
	assert_non_null(strstr(why, "more"));
	/* an escaped separator inside a value */
	assert_int_equal(zline(&z, "#fields\tuid\tquery", &ev, &why), WH_ZEEK_SKIP);
	assert_int_equal(zline(&z, "#path\tdns", &ev, &why), WH_ZEEK_SKIP);
	assert_int_equal(zline(&z, "C1\ta\\x09b.example", &ev, &why), WH_ZEEK_EVENT);
	assert_string_equal(wh_event_get(&ev, "query"), "a\tb.example");
	assert_string_equal(wh_event_get(&ev, "QueryName"), "a\tb.example");
	assert_int_equal(ev.kind, WH_EV_DNS_QUERY);
	wh_zeek_release(&z);

	/* zeek-cut output: a bare header line */
	wh_zeek_init(&z);
	assert_int_equal(zline(&z, "### a comment", &ev, &why), WH_ZEEK_SKIP);
	assert_int_equal(zline(&z, "uid\tservice\thistory", &ev, &why), WH_ZEEK_SKIP);
	assert_int_equal(zline(&z, "C1\thttp\tShADadFf", &ev, &why), WH_ZEEK_EVENT);
	assert_string_equal(wh_event_get(&ev, "history"), "ShADadFf");
	wh_zeek_release(&z);

	/* JSON */
	wh_zeek_init(&z);
	assert_int_equal(zline(&z, "{\"ts\":1591367999.305988,\"uid\":\"CMdzit1AMNsmfAIiQc\",\"id.orig_h\":"
				   "\"192.168.4.76\",\"id.orig_p\":36844,\"id.resp_h\":\"192.168.4.1\","
				   "\"id.resp_p\":53,\"proto\":\"udp\",\"service\":\"dns\",\"duration\":0.06685,"
				   "\"conn_state\":\"SF\",\"tunnel_parents\":[]}", &ev, &why),
			 WH_ZEEK_EVENT);
	assert_int_equal(ev.kind, WH_EV_NET_CONNECT);
	assert_string_equal(wh_event_get(&ev, "id.resp_p"), "53");
	assert_string_equal(wh_event_get(&ev, "Protocol"), "udp");
	assert_int_equal(ev.time / 1000, 1591367999305988LL);
	assert_int_equal(zline(&z, "{\"ts\":1591367999.3,\"id.orig_h\":", &ev, &why), WH_ZEEK_BAD);
	wh_zeek_release(&z);
	wh_event_release(&ev);
	wh_arena_release(&a);
}

static void zeek_sniff(void **state)
{
	(void)state;
	const char *tsv = "#separator \\x09\n#fields\tts\n";
	assert_int_equal(wh_zeek_sniff((const unsigned char *)tsv, strlen(tsv)), 100);
	const char *bt = "### BTest baseline\n#separator \\x09\n";
	assert_int_equal(wh_zeek_sniff((const unsigned char *)bt, strlen(bt)), 100);
	const char *js = "{\"ts\":1.5,\"uid\":\"C1\",\"id.orig_h\":\"10.0.0.1\"}\n";
	assert_int_equal(wh_zeek_sniff((const unsigned char *)js, strlen(js)), 60);
	/* higher than the generic JSON reader, which claims objects with 50 */
	assert_true(wh_zeek_sniff((const unsigned char *)js, strlen(js)) > 50);
	const char *sysmon = "{\"EventID\":3,\"Image\":\"C:\\\\x.exe\"}\n";
	assert_int_equal(wh_zeek_sniff((const unsigned char *)sysmon, strlen(sysmon)), 0);
	const char *text = "hello world\n";
	assert_int_equal(wh_zeek_sniff((const unsigned char *)text, strlen(text)), 0);
	assert_int_equal(wh_capture_sniff((const unsigned char *)"\xd4\xc3\xb2\xa1" "0123456789012345678901", 24), 100);
	assert_int_equal(wh_capture_sniff((const unsigned char *)"\x0a\x0d\x0d\x0a\x1c\0\0\0\x4d\x3c\x2b\x1a", 12), 100);
	assert_int_equal(wh_capture_sniff((const unsigned char *)"{\"a\":1}", 7), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ip_parse_format),
		cmocka_unit_test(prefixes),
		cmocka_unit_test(decode_link_types),
		cmocka_unit_test(decode_bad),
		cmocka_unit_test(decode_icmp_error),
		cmocka_unit_test(decode_fragments),
		cmocka_unit_test(pcapng_blocks),
		cmocka_unit_test(capture_files),
		cmocka_unit_test(zeek_tsv),
		cmocka_unit_test(zeek_sniff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
