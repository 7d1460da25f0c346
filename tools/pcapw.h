/*
 * pcapw.h: a small packet builder and pcap / pcapng writer for tests and
 * benchmarks (never part of whitehawk itself).
 *
 * pw_build() lays out a link header, an IPv4 or IPv6 header and a TCP, UDP
 * or ICMP header with correct lengths and checksums, then the payload. An
 * ICMP error quotes whatever bytes are given as its payload (build the
 * quoted packet with pw_build(PW_LT_RAW, ...) first). pw_open()/pw_write()
 * write classic pcap, pw_ng_*() pcapng with any mix of interfaces.
 *
 * Header-only so that unit tests, tools/pcapgen.c and benchmarks can use it
 * without a library of their own; every function is static.
 */
#ifndef WH_TOOLS_PCAPW_H
#define WH_TOOLS_PCAPW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#define PW_UNUSED __attribute__((unused))

enum { PW_LT_NULL = 0, PW_LT_ETH = 1, PW_LT_RAW = 101, PW_LT_SLL = 113, PW_LT_SLL2 = 276 };

enum { PW_FIN = 0x01, PW_SYN = 0x02, PW_RST = 0x04, PW_PSH = 0x08, PW_ACK = 0x10, PW_URG = 0x20 };

struct pw_pkt {
	int ipver;                 /* 4 (default when 0) or 6 */
	uint8_t src[16], dst[16];  /* IPv4 in the first 4 bytes */
	uint8_t ttl;               /* 64 when 0 */
	uint8_t proto;             /* 6, 17, 1 or 58 */
	uint16_t ip_id;
	uint16_t sport, dport;
	uint8_t flags;             /* TCP flags */
	uint32_t seq, ack;
	uint16_t win;
	const uint8_t *opts;       /* TCP options, a multiple of 4 bytes */
	uint8_t optlen;
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq;
	const uint8_t *payload;
	uint32_t plen;
	uint16_t vlan;             /* 802.1Q tag on Ethernet when nonzero */
};

static PW_UNUSED void pw_addr(struct pw_pkt *p, const char *src, const char *dst)
{
	bool v6 = strchr(src, ':') != NULL;
	p->ipver = v6 ? 6 : 4;
	inet_pton(v6 ? AF_INET6 : AF_INET, src, p->src);
	inet_pton(v6 ? AF_INET6 : AF_INET, dst, p->dst);
}

static PW_UNUSED void pw_put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static PW_UNUSED void pw_put32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

static PW_UNUSED uint32_t pw_sum(const uint8_t *b, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		s += (uint32_t)b[n - 1] << 8;
	return s;
}

static PW_UNUSED uint16_t pw_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Build a frame into out (cap bytes); returns its length, 0 when it does not fit. */
static PW_UNUSED size_t pw_build(int linktype, const struct pw_pkt *p, uint8_t *out, size_t cap)
{
	int ver = p->ipver ? p->ipver : 4;
	size_t l4h;
	switch (p->proto) {
	case 6: l4h = 20u + p->optlen; break;
	case 17: l4h = 8; break;
	default: l4h = 8; break;
	}
	size_t iph = ver == 4 ? 20 : 40;
	size_t ipl = iph + l4h + p->plen;
	size_t link = 0;
	uint16_t etype = ver == 4 ? 0x0800 : 0x86dd;
	switch (linktype) {
	case PW_LT_ETH: link = 14 + (p->vlan ? 4 : 0); break;
	case PW_LT_SLL: link = 16; break;
	case PW_LT_SLL2: link = 20; break;
	case PW_LT_NULL: link = 4; break;
	default: link = 0; break;
	}
	if (link + ipl > cap || ipl > 65535)
		return 0;
	uint8_t *b = out;
	memset(b, 0, link + iph + l4h);
	if (linktype == PW_LT_ETH) {
		static const uint8_t dm[6] = { 0x02, 0, 0, 0, 0, 0x02 }, sm[6] = { 0x02, 0, 0, 0, 0, 0x01 };
		memcpy(b, dm, 6);
		memcpy(b + 6, sm, 6);
		if (p->vlan) {
			pw_put16(b + 12, 0x8100);
			pw_put16(b + 14, p->vlan);
			pw_put16(b + 16, etype);
		} else {
			pw_put16(b + 12, etype);
		}
	} else if (linktype == PW_LT_SLL) {
		pw_put16(b, 0);         /* to us */
		pw_put16(b + 2, 1);     /* ARPHRD_ETHER */
		pw_put16(b + 4, 6);
		pw_put16(b + 14, etype);
	} else if (linktype == PW_LT_SLL2) {
		pw_put16(b, etype);
		pw_put32(b + 4, 2);     /* interface index */
		pw_put16(b + 8, 1);     /* ARPHRD_ETHER */
		b[11] = 6;
	} else if (linktype == PW_LT_NULL) {
		uint32_t fam = ver == 4 ? 2 : 10;
		memcpy(b, &fam, 4);     /* host byte order, as BSD writes it */
	}
	uint8_t *ip = b + link, *l4 = ip + iph;
	uint8_t ttl = p->ttl ? p->ttl : 64;
	if (ver == 4) {
		ip[0] = 0x45;
		pw_put16(ip + 2, (uint16_t)ipl);
		pw_put16(ip + 4, p->ip_id);
		ip[8] = ttl;
		ip[9] = p->proto;
		memcpy(ip + 12, p->src, 4);
		memcpy(ip + 16, p->dst, 4);
		pw_put16(ip + 10, pw_fold(pw_sum(ip, 20, 0)));
	} else {
		ip[0] = 0x60;
		pw_put16(ip + 4, (uint16_t)(l4h + p->plen));
		ip[6] = p->proto;
		ip[7] = ttl;
		memcpy(ip + 8, p->src, 16);
		memcpy(ip + 24, p->dst, 16);
	}
	if (p->proto == 6) {
		pw_put16(l4, p->sport);
		pw_put16(l4 + 2, p->dport);
		pw_put32(l4 + 4, p->seq);
		pw_put32(l4 + 8, p->ack);
		l4[12] = (uint8_t)(((20 + p->optlen) / 4) << 4);
		l4[13] = p->flags;
		pw_put16(l4 + 14, p->win ? p->win : 65535);
		if (p->optlen)
			memcpy(l4 + 20, p->opts, p->optlen);
	} else if (p->proto == 17) {
		pw_put16(l4, p->sport);
		pw_put16(l4 + 2, p->dport);
		pw_put16(l4 + 4, (uint16_t)(8 + p->plen));
	} else {
		l4[0] = p->icmp_type;
		l4[1] = p->icmp_code;
		pw_put16(l4 + 4, p->icmp_id);
		pw_put16(l4 + 6, p->icmp_seq);
	}
	if (p->plen)
		memcpy(l4 + l4h, p->payload, p->plen);
	/* transport checksum */
	uint32_t s = 0;
	size_t l4len = l4h + p->plen;
	if (p->proto == 6 || p->proto == 17 || p->proto == 58) {
		if (ver == 4) {
			s = pw_sum(ip + 12, 8, 0);
			s += p->proto;
			s += (uint32_t)l4len;
		} else {
			s = pw_sum(ip + 8, 32, 0);
			s += (uint32_t)l4len;
			s += p->proto;
		}
	}
	uint16_t ck = pw_fold(pw_sum(l4, l4len, s));
	if (p->proto == 6)
		pw_put16(l4 + 16, ck);
	else if (p->proto == 17)
		pw_put16(l4 + 6, ck ? ck : 0xffff);
	else
		pw_put16(l4 + 2, ck);
	return link + ipl;
}

/* ---- classic pcap ---- */

struct pw_file {
	FILE *f;
	bool nanos;
	uint64_t records;
};

static PW_UNUSED int pw_open(struct pw_file *w, const char *path, int linktype, bool nanos)
{
	w->f = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
	if (!w->f)
		return -1;
	w->nanos = nanos;
	w->records = 0;
	uint32_t hdr[6] = { nanos ? 0xa1b23c4du : 0xa1b2c3d4u, 2u | (4u << 16), 0, 0, 262144,
			    (uint32_t)linktype };
	return fwrite(hdr, sizeof(hdr), 1, w->f) == 1 ? 0 : -1;
}

static PW_UNUSED void pw_write(struct pw_file *w, int64_t ts_ns, const uint8_t *frame,
			       uint32_t caplen, uint32_t wirelen)
{
	uint32_t rec[4] = { (uint32_t)(ts_ns / 1000000000),
			    (uint32_t)(w->nanos ? ts_ns % 1000000000 : ts_ns % 1000000000 / 1000),
			    caplen, wirelen };
	fwrite(rec, sizeof(rec), 1, w->f);
	fwrite(frame, 1, caplen, w->f);
	w->records++;
}

static PW_UNUSED int pw_close(struct pw_file *w)
{
	int rc = 0;
	if (w->f && w->f != stdout)
		rc = fclose(w->f);
	else if (w->f)
		rc = fflush(w->f);
	w->f = NULL;
	return rc;
}

/* ---- pcapng (little-endian) ---- */

static PW_UNUSED void pw_ng_shb(FILE *f)
{
	uint32_t b[7] = { 0x0a0d0d0au, 28, 0x1a2b3c4du, 1, 0xffffffffu, 0xffffffffu, 28 };
	fwrite(b, sizeof(b), 1, f);
}

/* An interface with microsecond times (the default resolution). */
static PW_UNUSED void pw_ng_idb(FILE *f, int linktype)
{
	uint32_t b[5] = { 1, 20, (uint32_t)linktype & 0xffff, 262144, 20 };
	fwrite(b, sizeof(b), 1, f);
}

static PW_UNUSED void pw_ng_epb(FILE *f, uint32_t ifid, int64_t ts_ns, const uint8_t *frame,
				uint32_t caplen, uint32_t wirelen)
{
	uint32_t pad = (4 - caplen % 4) % 4, len = 32 + caplen + pad;
	uint64_t us = (uint64_t)(ts_ns / 1000);
	uint32_t h[7] = { 6, len, ifid, (uint32_t)(us >> 32), (uint32_t)us, caplen, wirelen };
	fwrite(h, sizeof(h), 1, f);
	fwrite(frame, 1, caplen, f);
	static const uint8_t zero[4];
	fwrite(zero, 1, pad, f);
	fwrite(&len, 4, 1, f);
}

#endif
