#include "net/probe.h"

#include <netinet/in.h>
#include <string.h>

const char *wh_method_name(enum wh_method m)
{
	switch (m) {
	case WH_M_UDP_PARIS: return "paris-udp";
	case WH_M_UDP: return "udp";
	case WH_M_ICMP: return "icmp";
	case WH_M_ICMP_PARIS: return "paris-icmp";
	case WH_M_TCP: return "tcp";
	}
	return "?";
}

uint8_t wh_method_proto(enum wh_method m)
{
	switch (m) {
	case WH_M_UDP_PARIS:
	case WH_M_UDP: return IPPROTO_UDP;
	case WH_M_ICMP:
	case WH_M_ICMP_PARIS: return IPPROTO_ICMP;   /* IPPROTO_ICMPV6 on IPv6: see proto_of() */
	case WH_M_TCP: return IPPROTO_TCP;
	}
	return 0;
}

bool wh_method_paris(enum wh_method m)
{
	return m == WH_M_UDP_PARIS || m == WH_M_ICMP_PARIS || m == WH_M_TCP;
}

static uint8_t proto_of(int family, enum wh_method m)
{
	uint8_t p = wh_method_proto(m);
	return (family == AF_INET6 && p == IPPROTO_ICMP) ? IPPROTO_ICMPV6 : p;
}

static size_t iphdr_len(int family)
{
	return family == AF_INET6 ? 40 : 20;
}

static size_t l4hdr_len(enum wh_method m)
{
	return m == WH_M_TCP ? 20 : 8;
}

size_t wh_probe_min_len(int family, enum wh_method m)
{
	return iphdr_len(family) + l4hdr_len(m);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Payload: balance word, magic, id, then a constant fill (like traceroute's 0x40.. bytes). */
static void fill_payload(uint8_t *p, size_t n, uint16_t id, bool with_id)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(0x40 + (i & 0x3f));
	if (n >= 2)
		p[0] = p[1] = 0;
	if (n >= 6)
		memcpy(p + 2, WH_PROBE_MAGIC, 4);
	if (n >= 8 && with_id)
		put16(p + 6, id);
}

/*
 * Choose the balance word w so that the checksum over everything comes out
 * as `want`: with S the sum of the rest, ~(S +' w) = want, so
 * w = ~want +' ~S. The id is never 0, so `want` never needs the UDP
 * "no checksum" special case.
 */
static uint16_t balance_for(uint32_t sum_rest, uint16_t want)
{
	uint16_t s = (uint16_t)(~wh_csum_fold(sum_rest));   /* folded sum, not inverted */
	return wh_csum_oc_add((uint16_t)~want, (uint16_t)~s);
}

size_t wh_probe_build(const struct wh_probe_spec *s, uint8_t *buf, size_t cap)
{
	int fam = s->dst.family;
	size_t ih = iphdr_len(fam), lh = l4hdr_len(s->method);
	size_t len = s->len;
	if (len < ih + lh)
		len = ih + lh;
	if (s->method == WH_M_TCP)
		len = ih + lh;   /* a SYN carries no data, as traceroute -T and tcptraceroute send it */
	if (len > cap || len > WH_PROBE_MAX_LEN || s->id == 0)
		return 0;
	memset(buf, 0, len);
	uint8_t proto = proto_of(fam, s->method);
	size_t l4len = len - ih;
	uint8_t *ip = buf, *l4 = buf + ih, *pl = l4 + lh;
	size_t plen = l4len - lh;

	if (fam == AF_INET) {
		ip[0] = 0x45;
		ip[1] = s->tos;
		put16(ip + 2, (uint16_t)len);
		put16(ip + 4, s->id);
		if (s->df)
			ip[6] = 0x40;
		ip[8] = s->ttl;
		ip[9] = proto;
		memcpy(ip + 12, s->src.a, 4);
		memcpy(ip + 16, s->dst.a, 4);
		put16(ip + 10, wh_csum_fold(wh_csum_add(0, ip, 20)));
	} else {
		put32(ip, 0x60000000u | (uint32_t)s->tos << 20 | (s->flowlabel & 0xfffff));
		put16(ip + 4, (uint16_t)l4len);
		ip[6] = proto;
		ip[7] = s->ttl;
		memcpy(ip + 8, s->src.a, 16);
		memcpy(ip + 24, s->dst.a, 16);
	}

	uint32_t pseudo = wh_csum_pseudo(&s->src, &s->dst, proto, (uint32_t)l4len);
	switch (s->method) {
	case WH_M_UDP_PARIS:
	case WH_M_UDP: {
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		put16(l4 + 4, (uint16_t)l4len);
		fill_payload(pl, plen, s->id, true);
		if (s->method == WH_M_UDP_PARIS && plen >= 2) {
			uint32_t sum = wh_csum_add(pseudo, l4, l4len);
			put16(pl, balance_for(sum, s->id));
		}
		uint16_t c = wh_csum_fold(wh_csum_add(pseudo, l4, l4len));
		put16(l4 + 6, c ? c : 0xffff);
		break;
	}
	case WH_M_ICMP:
	case WH_M_ICMP_PARIS: {
		l4[0] = fam == AF_INET6 ? 128 : 8;
		put16(l4 + 6, s->id);
		fill_payload(pl, plen, s->id, false);
		uint32_t sum = wh_csum_add(fam == AF_INET6 ? pseudo : 0, l4, l4len);
		if (s->method == WH_M_ICMP) {
			put16(l4 + 4, s->ident);
			sum = wh_csum_add(fam == AF_INET6 ? pseudo : 0, l4, l4len);
		} else {
			/* The identifier balances the sequence number so the
			 * checksum (ident) is the same for every probe. */
			put16(l4 + 4, balance_for(sum, s->ident));
			sum = wh_csum_add(fam == AF_INET6 ? pseudo : 0, l4, l4len);
		}
		put16(l4 + 2, wh_csum_fold(sum));
		break;
	}
	case WH_M_TCP:
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		put32(l4 + 4, WH_TCP_SEQ_TAG << 16 | s->id);
		l4[12] = 5 << 4;
		l4[13] = 0x02;          /* SYN */
		put16(l4 + 14, 5840);
		put16(l4 + 16, wh_csum_fold(wh_csum_add(pseudo, l4, l4len)));
		break;
	}
	return len;
}

size_t wh_probe_payload(const struct wh_probe_spec *s, uint8_t *buf, size_t cap)
{
	int fam = s->dst.family;
	size_t ih = iphdr_len(fam);
	if (s->method == WH_M_TCP || s->id == 0)
		return 0;
	size_t len = s->len < ih + 8 ? ih + 8 : s->len;
	size_t plen = len - ih - 8;
	if (plen > cap)
		return 0;
	fill_payload(buf, plen, s->id, s->method == WH_M_UDP || s->method == WH_M_UDP_PARIS);
	if (s->method == WH_M_UDP_PARIS && plen >= 2) {
		uint8_t hdr[8];
		put16(hdr, s->sport);
		put16(hdr + 2, s->dport);
		put16(hdr + 4, (uint16_t)(plen + 8));
		put16(hdr + 6, 0);
		uint32_t sum = wh_csum_pseudo(&s->src, &s->dst, IPPROTO_UDP, (uint32_t)(plen + 8));
		sum = wh_csum_add(sum, hdr, 8);
		sum = wh_csum_add(sum, buf, plen);
		put16(buf, balance_for(sum, s->id));
	}
	return plen;
}
