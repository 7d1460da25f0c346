/* Unit tests for the trace probe builder, the reply parser, the MDA table and AS data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "net/analysis.h"
#include "net/asn.h"
#include "net/probe.h"
#include "net/reply.h"
#include "net/tracer.h"
#include "util/diag.h"

#include <netinet/in.h>
#include <string.h>

static void spec(struct wh_probe_spec *s, int fam, enum wh_method m, uint16_t id)
{
	memset(s, 0, sizeof(*s));
	s->method = m;
	wh_addr_parse(fam == AF_INET ? "198.18.0.1" : "2001:db8::1", &s->src);
	wh_addr_parse(fam == AF_INET ? "198.18.9.2" : "2001:db8:9::2", &s->dst);
	s->ttl = 5;
	s->sport = 40000;
	s->dport = 33434;
	s->ident = 0x1234;
	s->id = id;
	s->len = fam == AF_INET ? 60 : 80;
}

static uint16_t g16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Paris UDP: the checksum is the id and still valid; ports never change. */
static void paris_udp_checksum(void **state)
{
	(void)state;
	for (int fam = 0; fam < 2; fam++) {
		int f = fam ? AF_INET6 : AF_INET;
		size_t ih = fam ? 40 : 20;
		for (uint32_t id = 1; id < 65536; id += 97) {
			struct wh_probe_spec s;
			spec(&s, f, WH_M_UDP_PARIS, (uint16_t)id);
			uint8_t b[200];
			size_t n = wh_probe_build(&s, b, sizeof(b));
			assert_int_equal(n, fam ? 80 : 60);
			assert_int_equal(g16(b + ih + 6), id);
			assert_int_equal(g16(b + ih), 40000);
			assert_int_equal(g16(b + ih + 2), 33434);
			uint32_t sum = wh_csum_pseudo(&s.src, &s.dst, IPPROTO_UDP, (uint32_t)(n - ih));
			assert_int_equal(wh_csum_fold(wh_csum_add(sum, b + ih, n - ih)), 0);
			if (!fam) {
				assert_int_equal(wh_csum_fold(wh_csum_add(0, b, 20)), 0);
				assert_int_equal(g16(b + 4), id);
				assert_int_equal(b[8], 5);
			} else {
				assert_int_equal(b[7], 5);
				assert_int_equal(b[6], IPPROTO_UDP);
			}
			/* the unprivileged payload makes the kernel's checksum the id too */
			uint8_t pl[200];
			size_t pn = wh_probe_payload(&s, pl, sizeof(pl));
			assert_int_equal(pn, n - ih - 8);
			assert_memory_equal(pl, b + ih + 8, pn);
		}
	}
}

/* Paris ICMP: the checksum never changes while the sequence does. */
static void paris_icmp_constant(void **state)
{
	(void)state;
	for (int fam = 0; fam < 2; fam++) {
		int f = fam ? AF_INET6 : AF_INET;
		size_t ih = fam ? 40 : 20;
		for (uint16_t id = 1; id < 300; id++) {
			struct wh_probe_spec s;
			spec(&s, f, WH_M_ICMP_PARIS, id);
			uint8_t b[200];
			size_t n = wh_probe_build(&s, b, sizeof(b));
			assert_int_equal(g16(b + ih + 2), 0x1234);
			assert_int_equal(g16(b + ih + 6), id);
			uint32_t sum = fam ? wh_csum_pseudo(&s.src, &s.dst, IPPROTO_ICMPV6, (uint32_t)(n - ih)) : 0;
			assert_int_equal(wh_csum_fold(wh_csum_add(sum, b + ih, n - ih)), 0);
			/* classic: identifier fixed, checksum moves */
			spec(&s, f, WH_M_ICMP, id);
			wh_probe_build(&s, b, sizeof(b));
			assert_int_equal(g16(b + ih + 4), 0x1234);
		}
	}
}

static void tcp_syn(void **state)
{
	(void)state;
	struct wh_probe_spec s;
	spec(&s, AF_INET, WH_M_TCP, 77);
	s.dport = 80;
	uint8_t b[200];
	size_t n = wh_probe_build(&s, b, sizeof(b));
	assert_int_equal(n, 40);
	assert_int_equal(b[20 + 13], 0x02);
	assert_int_equal(g16(b + 24), WH_TCP_SEQ_TAG);
	assert_int_equal(g16(b + 26), 77);
	uint32_t sum = wh_csum_pseudo(&s.src, &s.dst, IPPROTO_TCP, 20);
	assert_int_equal(wh_csum_fold(wh_csum_add(sum, b + 20, 20)), 0);
	/* an id of 0 or a buffer too small builds nothing */
	s.id = 0;
	assert_int_equal(wh_probe_build(&s, b, sizeof(b)), 0);
	s.id = 1;
	assert_int_equal(wh_probe_build(&s, b, 30), 0);
}

/* Build an ICMPv4 error around a quote, optionally with an RFC 4884 extension. */
static size_t err4(uint8_t *out, uint8_t type, uint8_t code, const uint8_t *q, size_t qn, bool ext, bool lenfield)
{
	memset(out, 0, 600);
	out[0] = 0x45;
	out[8] = 64;
	out[9] = IPPROTO_ICMP;
	out[12] = 198; out[13] = 18; out[14] = 3; out[15] = 2;
	out[16] = 198; out[17] = 18; out[18] = 0; out[19] = 1;
	uint8_t *ic = out + 20;
	ic[0] = type;
	ic[1] = code;
	if (type == 3 && code == 4)
		ic[6] = 0x05, ic[7] = 0xdc;   /* MTU 1500 */
	memcpy(ic + 8, q, qn);
	size_t body = qn;
	if (ext) {
		body = 128;
		if (lenfield)
			ic[5] = 32;
		uint8_t *x = ic + 8 + 128;
		x[0] = 0x20;
		x[4] = 0; x[5] = 12; x[6] = 1; x[7] = 1;
		/* two labels: 100 (not bottom), 200 (bottom, ttl 1) */
		uint32_t e1 = 100u << 12 | 2u << 9 | 0u << 8 | 255u, e2 = 200u << 12 | 0u << 9 | 1u << 8 | 1u;
		for (int i = 0; i < 4; i++) {
			x[8 + i] = (uint8_t)(e1 >> (24 - 8 * i));
			x[12 + i] = (uint8_t)(e2 >> (24 - 8 * i));
		}
		uint16_t c = wh_csum_fold(wh_csum_add(0, x, 16));
		x[2] = (uint8_t)(c >> 8);
		x[3] = (uint8_t)c;
		body += 16;
	}
	size_t icl = 8 + body;
	uint16_t c = wh_csum_fold(wh_csum_add(0, ic, icl));
	ic[2] = (uint8_t)(c >> 8);
	ic[3] = (uint8_t)c;
	out[2] = (uint8_t)((20 + icl) >> 8);
	out[3] = (uint8_t)(20 + icl);
	return 20 + icl;
}

static void reply_v4(void **state)
{
	(void)state;
	struct wh_probe_spec s;
	spec(&s, AF_INET, WH_M_UDP_PARIS, 4242);
	uint8_t probe[200], pkt[700];
	size_t pn = wh_probe_build(&s, probe, sizeof(probe));
	struct wh_reply r;
	size_t n = err4(pkt, 11, 0, probe, pn, false, false);
	assert_int_equal(wh_reply_parse4(pkt, n, &r), WH_REPLY_OK);
	assert_int_equal(r.kind, WH_RK_TIME_EXCEEDED);
	assert_true(r.quoted && r.q_l4);
	assert_int_equal(r.q_cksum, 4242);
	assert_int_equal(r.q_ipid, 4242);
	assert_int_equal(r.q_sport, 40000);
	assert_int_equal(r.q_ttl, 5);
	assert_true(wh_addr_eq(&r.q_dst, &s.dst));
	assert_int_equal(r.q_payload_len, 32);
	assert_int_equal(r.nmpls, 0);
	/* RFC 4884 with the length field, and the older offset-128 form */
	for (int lf = 0; lf < 2; lf++) {
		n = err4(pkt, 11, 0, probe, pn, true, lf);
		assert_int_equal(wh_reply_parse4(pkt, n, &r), WH_REPLY_OK);
		assert_true(r.ext);
		assert_int_equal(r.nmpls, 2);
		assert_int_equal(r.mpls[0].label, 100);
		assert_int_equal(r.mpls[0].exp, 2);
		assert_int_equal(r.mpls[0].s, 0);
		assert_int_equal(r.mpls[0].ttl, 255);
		assert_int_equal(r.mpls[1].label, 200);
		assert_int_equal(r.mpls[1].s, 1);
		assert_int_equal(r.q_cksum, 4242);
		/* the quote stops where the extension starts */
		assert_int_equal(r.q_payload_len, 128 - 28);
	}
	/* a broken extension checksum: compatibility mode refuses it */
	n = err4(pkt, 11, 0, probe, pn, true, false);
	pkt[20 + 8 + 128 + 10] ^= 1;
	pkt[22] = pkt[23] = 0;
	uint16_t c = wh_csum_fold(wh_csum_add(0, pkt + 20, n - 20));
	pkt[22] = (uint8_t)(c >> 8);
	pkt[23] = (uint8_t)c;
	assert_int_equal(wh_reply_parse4(pkt, n, &r), WH_REPLY_OK);
	assert_int_equal(r.nmpls, 0);
	/* annotations */
	char a[16];
	struct { uint8_t code; const char *want; } codes[] = {
		{ 0, "!N" }, { 1, "!H" }, { 2, "!P" }, { 3, "" }, { 4, "!F-1500" }, { 5, "!S" }, { 13, "!X" }, { 9, "!N" },
		{ 10, "!H" }, { 14, "!V" }, { 15, "!C" }, { 8, "!<8>" },
	};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		n = err4(pkt, 3, codes[i].code, probe, pn, false, false);
		assert_int_equal(wh_reply_parse4(pkt, n, &r), WH_REPLY_OK);
		assert_string_equal(wh_reply_annotation(&r, a, sizeof(a)), codes[i].want);
		assert_int_equal(wh_reply_from_destination(&r), codes[i].code == 3);
	}
	/* malformed */
	n = err4(pkt, 11, 0, probe, pn, false, false);
	assert_int_equal(wh_reply_parse4(pkt, 19, &r), WH_REPLY_SHORT);
	assert_int_equal(wh_reply_parse4(pkt, n - 1, &r), WH_REPLY_SHORT);
	pkt[0] = 0x44;   /* a header shorter than 20 bytes */
	assert_int_equal(wh_reply_parse4(pkt, n, &r), WH_REPLY_BAD_HEADER);
	pkt[0] = 0x45;
	pkt[30] ^= 0x10;
	assert_int_equal(wh_reply_parse4(pkt, n, &r), WH_REPLY_BAD_CHECKSUM);
	n = err4(pkt, 11, 0, probe, 12, false, false);
	assert_int_equal(wh_reply_parse4(pkt, n, &r), WH_REPLY_BAD_QUOTE);
	n = err4(pkt, 5, 0, probe, pn, false, false);   /* a redirect */
	assert_int_equal(wh_reply_parse4(pkt, n, &r), WH_REPLY_IGNORED);
}

static void reply_v6(void **state)
{
	(void)state;
	struct wh_probe_spec s;
	spec(&s, AF_INET6, WH_M_UDP, 9);
	s.dport = 33440;
	uint8_t probe[200], m[400];
	size_t pn = wh_probe_build(&s, probe, sizeof(probe));
	memset(m, 0, sizeof(m));
	m[0] = 1;
	m[1] = 4;
	memcpy(m + 8, probe, pn);
	struct wh_addr from;
	wh_addr_parse("2001:db8:9::2", &from);
	struct wh_reply r;
	assert_int_equal(wh_reply_parse6(IPPROTO_ICMPV6, m, 8 + pn, &from, NULL, 60, &r), WH_REPLY_OK);
	assert_int_equal(r.kind, WH_RK_UNREACH);
	assert_true(wh_reply_from_destination(&r));
	assert_int_equal(r.q_dport, 33440);
	assert_int_equal(r.q_ttl, 5);
	assert_int_equal(r.reply_ttl, 60);
	char a[16];
	struct { uint8_t code; const char *want; } codes[] = { { 0, "!N" }, { 1, "!X" }, { 2, "!S" }, { 3, "!H" }, { 4, "" } };
	for (size_t i = 0; i < 5; i++) {
		m[1] = codes[i].code;
		assert_int_equal(wh_reply_parse6(IPPROTO_ICMPV6, m, 8 + pn, &from, NULL, 60, &r), WH_REPLY_OK);
		assert_string_equal(wh_reply_annotation(&r, a, sizeof(a)), codes[i].want);
	}
	m[0] = 2;
	m[6] = 0x05, m[7] = 0x00;
	assert_int_equal(wh_reply_parse6(IPPROTO_ICMPV6, m, 8 + pn, &from, NULL, 60, &r), WH_REPLY_OK);
	assert_string_equal(wh_reply_annotation(&r, a, sizeof(a)), "!F-1280");
	assert_int_equal(wh_reply_parse6(IPPROTO_ICMPV6, m, 7, &from, NULL, 60, &r), WH_REPLY_SHORT);
	assert_int_equal(wh_reply_parse6(IPPROTO_ICMPV6, m, 30, &from, NULL, 60, &r), WH_REPLY_BAD_QUOTE);
	m[0] = 135;   /* neighbour solicitation */
	assert_int_equal(wh_reply_parse6(IPPROTO_ICMPV6, m, 8 + pn, &from, NULL, 60, &r), WH_REPLY_IGNORED);
}

/* The MDA stopping points at epsilon 0.05 are those of the MDA paper's table. */
static void mda_nk(void **state)
{
	(void)state;
	static const unsigned want[] = { 6, 11, 16, 21, 27, 33, 38, 44, 51, 57 };
	for (unsigned k = 1; k <= 10; k++)
		assert_int_equal(wh_mda_nk(k, 0.05), want[k - 1]);
	assert_true(wh_mda_nk(1, 0.01) > 6);
	assert_true(wh_mda_nk(40, 0.05) > wh_mda_nk(20, 0.05));
}

static void asn_formats(void **state)
{
	(void)state;
	wh_diag.quiet = true;
	struct wh_asdb *db = wh_asdb_new();
	const char *pfx = "# prefix2as\n1.0.0.0\t8\t100\n1.2.0.0\t16\t200\n1.2.3.0\t24\t300_301\n"
			  "10.0.0.0\t8\t999\n2001:db8::\t32\t65000\nnot a line\n";
	assert_int_equal(wh_asdb_load_text(db, pfx, strlen(pfx), "p2a"), 5);
	const char *ipt = "5.0.0.0\t5.0.0.255\t64501\tJP\tEXAMPLE-NET\n5.0.1.0\t5.0.1.255\t0\tNone\tNot routed\n";
	assert_int_equal(wh_asdb_load_text(db, ipt, strlen(ipt), "iptoasn"), 2);
	const char *dbip = "6.0.0.0,6.0.0.255,64502,\"Example, Inc.\"\n";
	assert_int_equal(wh_asdb_load_text(db, dbip, strlen(dbip), "dbip"), 1);
	const char *ixp = "1.2.3.128/25\n";
	assert_int_equal(wh_asdb_load_ixp_text(db, ixp, strlen(ixp), "ixp"), 1);
	struct { const char *ip; uint32_t asn; const char *label; const char *name; } cases[] = {
		{ "1.9.9.9", 100, NULL, "" },          /* only the /8 */
		{ "1.2.9.9", 200, NULL, "" },          /* the /16 inside the /8 */
		{ "1.2.3.4", 300, NULL, "" },          /* the /24: most specific; MOAS keeps the first */
		{ "1.2.3.200", 0, "ixp", "" },         /* an IXP LAN: labelled, not mapped */
		{ "1.3.0.0", 100, NULL, "" },          /* after the nested ones: back to the /8 */
		{ "10.1.2.3", 0, "private", "" },      /* private: never mapped, whatever the data says */
		{ "100.64.1.1", 0, "cgnat", "" },
		{ "127.0.0.1", 0, "loopback", "" },
		{ "5.0.0.9", 64501, NULL, "EXAMPLE-NET" },
		{ "5.0.1.9", 0, NULL, "" },            /* iptoasn's AS 0: not routed */
		{ "6.0.0.1", 64502, NULL, "Example, Inc." },
		{ "2001:db8:1::1", 65000, "documentation", "" },
		{ "fd00::1", 0, "private", "" },
		{ "9.9.9.9", 0, NULL, "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct wh_addr a;
		assert_true(wh_addr_parse(cases[i].ip, &a));
		struct wh_asn_info ai;
		int m = wh_asdb_lookup(db, &a, &ai);
		if (ai.asn != cases[i].asn || m != (cases[i].asn != 0))
			fail_msg("%s: AS%u, want AS%u", cases[i].ip, ai.asn, cases[i].asn);
		if (cases[i].label)
			assert_string_equal(ai.label ? ai.label : "(none)", cases[i].label);
		else
			assert_null(ai.label);
		assert_string_equal(ai.name, cases[i].name);
	}
	wh_asdb_free(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(paris_udp_checksum), cmocka_unit_test(paris_icmp_constant),
		cmocka_unit_test(tcp_syn),            cmocka_unit_test(reply_v4),
		cmocka_unit_test(reply_v6),           cmocka_unit_test(mda_nk),
		cmocka_unit_test(asn_formats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
