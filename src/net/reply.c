#include "net/reply.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

const char *wh_reply_status_name(enum wh_reply_status s)
{
	static const char *const names[WH_REPLY__COUNT] = {
		"ok", "ignored", "short", "bad header", "bad checksum", "bad quote",
	};
	return (unsigned)s < WH_REPLY__COUNT ? names[s] : "?";
}

/* Transport fields of a quoted probe: at least 8 bytes of it are needed. */
static void quote_l4(struct wh_reply *r, const uint8_t *p, size_t n)
{
	if (n < 8)
		return;
	r->q_l4 = true;
	switch (r->q_proto) {
	case IPPROTO_UDP:
		r->q_sport = get16(p);
		r->q_dport = get16(p + 2);
		r->q_cksum = get16(p + 6);
		r->q_payload = p + 8;
		r->q_payload_len = n - 8;
		break;
	case IPPROTO_TCP:
		r->q_sport = get16(p);
		r->q_dport = get16(p + 2);
		r->q_tcp_seq = get32(p + 4);
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		r->q_icmp_type = p[0];
		r->q_cksum = get16(p + 2);
		r->q_icmp_id = get16(p + 4);
		r->q_icmp_seq = get16(p + 6);
		r->q_payload = p + 8;
		r->q_payload_len = n - 8;
		break;
	default:
		r->q_l4 = false;
		break;
	}
}

/*
 * RFC 4884 extension structure at ext (n bytes): version 2, a checksum over
 * the whole structure, then objects of (length, class, c-type). Only MPLS
 * label stacks are kept. need_cksum: the compatibility guess at offset 128
 * is accepted only with a correct, non-zero checksum.
 */
static void parse_ext(struct wh_reply *r, const uint8_t *ext, size_t n, bool need_cksum)
{
	if (n < 4 || (ext[0] >> 4) != 2)
		return;
	uint16_t ck = get16(ext + 2);
	if (ck != 0 || need_cksum) {
		if (wh_csum_fold(wh_csum_add(0, ext, n)) != 0 || ck == 0)
			return;
	}
	r->ext = true;
	size_t off = 4;
	while (off + 4 <= n) {
		uint16_t olen = get16(ext + off);
		uint8_t cls = ext[off + 2], ctype = ext[off + 3];
		if (olen < 4 || olen > n - off)
			return;
		if (cls == 1 && ctype == 1) {
			for (size_t e = off + 4; e + 4 <= off + olen && r->nmpls < WH_MPLS_MAX; e += 4) {
				uint32_t v = get32(ext + e);
				struct wh_mpls *m = &r->mpls[r->nmpls++];
				m->label = v >> 12;
				m->exp = (uint8_t)((v >> 9) & 7);
				m->s = (uint8_t)((v >> 8) & 1);
				m->ttl = (uint8_t)v;
			}
		}
		off += olen;
	}
}

/*
 * Split an error's body (what follows the 8-byte ICMP header) into the
 * original datagram and the extension structure. unit: 4 bytes for ICMP,
 * 8 for ICMPv6; lenfield: the RFC 4884 length in those units.
 */
static size_t split_ext(struct wh_reply *r, const uint8_t *body, size_t n, unsigned lenfield, unsigned unit)
{
	if (lenfield) {
		size_t orig = (size_t)lenfield * unit;
		if (orig >= 128 && orig < n) {
			parse_ext(r, body + orig, n - orig, false);
			return orig;
		}
		return n;
	}
	if (n > 128 + 4) {
		parse_ext(r, body + 128, n - 128, true);
		if (r->ext)
			return 128;
	}
	return n;
}

static int quote4(struct wh_reply *r, const uint8_t *q, size_t n)
{
	if (n < 20 || (q[0] >> 4) != 4)
		return WH_REPLY_BAD_QUOTE;
	size_t ihl = (size_t)(q[0] & 15) * 4;
	if (ihl < 20 || ihl > n)
		return WH_REPLY_BAD_QUOTE;
	r->quoted = true;
	r->q_tos = q[1];
	r->q_len = get16(q + 2);
	r->q_ipid = get16(q + 4);
	r->q_ttl = q[8];
	r->q_proto = q[9];
	r->q_src.family = r->q_dst.family = AF_INET;
	memcpy(r->q_src.a, q + 12, 4);
	memcpy(r->q_dst.a, q + 16, 4);
	/* A fragment other than the first quotes no transport header. */
	if ((get16(q + 6) & 0x1fff) == 0)
		quote_l4(r, q + ihl, n - ihl);
	return WH_REPLY_OK;
}

static int quote6(struct wh_reply *r, const uint8_t *q, size_t n)
{
	if (n < 40 || (q[0] >> 4) != 6)
		return WH_REPLY_BAD_QUOTE;
	r->quoted = true;
	uint32_t w = get32(q);
	r->q_tos = (uint8_t)(w >> 20);
	r->q_flowlabel = w & 0xfffff;
	r->q_len = get16(q + 4);
	r->q_proto = q[6];
	r->q_ttl = q[7];
	r->q_src.family = r->q_dst.family = AF_INET6;
	memcpy(r->q_src.a, q + 8, 16);
	memcpy(r->q_dst.a, q + 24, 16);
	/* Probes carry no extension headers; a quote with one is left at the IP layer. */
	quote_l4(r, q + 40, n - 40);
	return WH_REPLY_OK;
}

static int parse_tcp(struct wh_reply *r, const uint8_t *t, size_t n)
{
	if (n < 20)
		return WH_REPLY_SHORT;
	size_t doff = (size_t)(t[12] >> 4) * 4;
	if (doff < 20 || doff > n)
		return WH_REPLY_BAD_HEADER;
	r->kind = WH_RK_TCP;
	r->tcp_sport = get16(t);
	r->tcp_dport = get16(t + 2);
	r->tcp_seq = get32(t + 4);
	r->tcp_ack = get32(t + 8);
	r->tcp_flags = t[13];
	/* Only the answers a SYN can draw: SYN-ACK or RST. */
	if (!(r->tcp_flags & 0x04) && (r->tcp_flags & 0x12) != 0x12)
		return WH_REPLY_IGNORED;
	return WH_REPLY_OK;
}

int wh_reply_parse4(const uint8_t *pkt, size_t len, struct wh_reply *r)
{
	memset(r, 0, sizeof(*r));
	if (len < 20)
		return WH_REPLY_SHORT;
	if ((pkt[0] >> 4) != 4)
		return WH_REPLY_BAD_HEADER;
	size_t ihl = (size_t)(pkt[0] & 15) * 4;
	size_t tot = get16(pkt + 2);
	if (ihl < 20 || ihl > len || tot < ihl)
		return WH_REPLY_BAD_HEADER;
	if (tot > len)
		return WH_REPLY_SHORT;
	len = tot;   /* ignore link-layer padding */
	if ((get16(pkt + 6) & 0x3fff) != 0)
		return WH_REPLY_IGNORED;   /* a fragment: the kernel reassembles what it can */
	r->from.family = r->to.family = AF_INET;
	memcpy(r->from.a, pkt + 12, 4);
	memcpy(r->to.a, pkt + 16, 4);
	r->reply_ttl = pkt[8];
	const uint8_t *p = pkt + ihl;
	size_t n = len - ihl;
	uint8_t proto = pkt[9];

	/* TCP checksums are not checked: a raw socket sees segments before
	 * the stack does, and a local or veth peer may leave the checksum to
	 * an offload that never runs. The acknowledgement number, which must
	 * name a probe, does the checking. */
	if (proto == IPPROTO_TCP)
		return parse_tcp(r, p, n);
	if (proto != IPPROTO_ICMP)
		return WH_REPLY_IGNORED;
	if (n < 8)
		return WH_REPLY_SHORT;
	if (wh_csum_fold(wh_csum_add(0, p, n)) != 0)
		return WH_REPLY_BAD_CHECKSUM;
	r->type = p[0];
	r->code = p[1];
	switch (r->type) {
	case 0:
		r->kind = WH_RK_ECHO_REPLY;
		r->icmp_id = get16(p + 4);
		r->icmp_seq = get16(p + 6);
		return WH_REPLY_OK;
	case 3:
		r->kind = WH_RK_UNREACH;
		if (r->code == 4)
			r->mtu = get16(p + 6);
		break;
	case 11:
		r->kind = WH_RK_TIME_EXCEEDED;
		break;
	case 12:
		r->kind = WH_RK_PARAM;
		break;
	default:
		return WH_REPLY_IGNORED;
	}
	/* RFC 4884 length: byte 5 in 32-bit words (byte 4 for parameter problem's pointer). */
	size_t orig = split_ext(r, p + 8, n - 8, p[5], 4);
	return quote4(r, p + 8, orig);
}

int wh_reply_parse6(uint8_t proto, const uint8_t *pkt, size_t len, const struct wh_addr *from,
		    const struct wh_addr *to, uint8_t hop_limit, struct wh_reply *r)
{
	memset(r, 0, sizeof(*r));
	if (!from || from->family != AF_INET6)
		return WH_REPLY_BAD_HEADER;
	r->from = *from;
	if (to)
		r->to = *to;
	r->reply_ttl = hop_limit;
	if (proto == IPPROTO_TCP)
		return parse_tcp(r, pkt, len);   /* checksum: see wh_reply_parse4 */
	if (proto != IPPROTO_ICMPV6)
		return WH_REPLY_IGNORED;
	if (len < 8)
		return WH_REPLY_SHORT;
	/* The kernel checks ICMPv6 checksums before raw delivery. */
	r->type = pkt[0];
	r->code = pkt[1];
	switch (r->type) {
	case 129:
		r->kind = WH_RK_ECHO_REPLY;
		r->icmp_id = get16(pkt + 4);
		r->icmp_seq = get16(pkt + 6);
		return WH_REPLY_OK;
	case 1:
		r->kind = WH_RK_UNREACH;
		break;
	case 2:
		r->kind = WH_RK_TOO_BIG;
		r->mtu = get32(pkt + 4);
		break;
	case 3:
		r->kind = WH_RK_TIME_EXCEEDED;
		break;
	case 4:
		r->kind = WH_RK_PARAM;
		break;
	default:
		return WH_REPLY_IGNORED;
	}
	/* RFC 4884 length for ICMPv6: byte 4, in 64-bit words (types 1 and 3). */
	size_t orig = len - 8;
	if (r->type == 1 || r->type == 3)
		orig = split_ext(r, pkt + 8, len - 8, pkt[4], 8);
	return quote6(r, pkt + 8, orig);
}

bool wh_reply_from_destination(const struct wh_reply *r)
{
	switch (r->kind) {
	case WH_RK_ECHO_REPLY:
	case WH_RK_TCP:
		return true;
	case WH_RK_UNREACH:
		return r->from.family == AF_INET ? (r->type == 3 && r->code == 3) : r->code == 4;
	default:
		return false;
	}
}

const char *wh_reply_annotation(const struct wh_reply *r, char *buf, size_t n)
{
	const char *s = "";
	buf[0] = '\0';
	if (r->from.family == AF_INET) {
		if (r->kind == WH_RK_TIME_EXCEEDED && r->code != 0)
			s = "!<reassembly>";
		if (r->kind == WH_RK_PARAM)
			s = "!<param>";
		if (r->kind == WH_RK_UNREACH) {
			switch (r->code) {
			case 0: case 6: case 9: case 11: s = "!N"; break;
			case 1: case 7: case 10: case 12: s = "!H"; break;
			case 2: s = "!P"; break;
			case 3: s = ""; break;
			case 4: snprintf(buf, n, "!F-%u", (unsigned)r->mtu); return buf;
			case 5: s = "!S"; break;
			case 13: s = "!X"; break;
			case 14: s = "!V"; break;
			case 15: s = "!C"; break;
			default: snprintf(buf, n, "!<%u>", r->code); return buf;
			}
		}
	} else {
		if (r->kind == WH_RK_TIME_EXCEEDED && r->code != 0)
			s = "!<reassembly>";
		if (r->kind == WH_RK_PARAM)
			s = "!<param>";
		if (r->kind == WH_RK_TOO_BIG) {
			snprintf(buf, n, "!F-%u", (unsigned)r->mtu);
			return buf;
		}
		if (r->kind == WH_RK_UNREACH) {
			switch (r->code) {
			case 0: s = "!N"; break;
			case 1: case 5: case 6: s = "!X"; break;
			case 2: s = "!S"; break;
			case 3: s = "!H"; break;
			case 4: s = ""; break;
			default: snprintf(buf, n, "!<%u>", r->code); return buf;
			}
		}
	}
	snprintf(buf, n, "%s", s);
	return buf;
}
