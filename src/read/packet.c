/*
 * packet.c: the frame decoder. Every field read is preceded by a length
 * check against what the capture holds (`cap`) and, for lengths a header
 * claims, against what the enclosing header allows (`len`).
 */
#include "read/packet.h"

#include <string.h>

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

bool wh_linktype_supported(int lt)
{
	switch (lt) {
	case WH_LT_NULL:
	case WH_LT_EN10MB:
	case WH_LT_RAW_DLT12:
	case WH_LT_RAW_DLT14:
	case WH_LT_RAW:
	case WH_LT_LOOP:
	case WH_LT_SLL:
	case WH_LT_IPV4:
	case WH_LT_IPV6:
	case WH_LT_SLL2:
		return true;
	default:
		return false;
	}
}

static bool is_v6_ext(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 60 || nh == 44 || nh == 51;
}

/* The transport header of a quoted packet: only its first 8 bytes are sure to be there. */
static void inner_l4(struct wh_pkt_inner *in, const uint8_t *q, uint32_t n)
{
	switch (in->proto) {
	case WH_PROTO_TCP:
	case WH_PROTO_UDP:
		if (n < 4)
			return;
		in->sport = rd16(q);
		in->dport = rd16(q + 2);
		if (in->proto == WH_PROTO_TCP && n >= 8)
			in->tcp_seq = rd32(q + 4);
		in->have_l4 = true;
		return;
	case WH_PROTO_ICMP:
	case WH_PROTO_ICMP6:
		if (n < 2)
			return;
		in->sport = q[0];
		in->dport = q[1];
		if (n >= 8) {
			in->icmp_id = rd16(q + 4);
			in->icmp_seq = rd16(q + 6);
		}
		in->have_l4 = true;
		return;
	default:
		return;
	}
}

/* Decode the packet an ICMP error quotes. Failure only means there is no inner packet. */
static bool decode_inner(struct wh_pkt_inner *in, const uint8_t *q, uint32_t n)
{
	if (n < 1)
		return false;
	unsigned ver = q[0] >> 4;
	if (ver == 4) {
		if (n < 20)
			return false;
		uint32_t ihl = (uint32_t)(q[0] & 15) * 4;
		if (ihl < 20 || ihl > n)
			return false;
		in->ipver = 4;
		in->ip_len = rd16(q + 2);
		in->ip_id = rd16(q + 4);
		in->ttl = q[8];
		in->proto = q[9];
		wh_ip_from_v4(&in->src, q + 12);
		wh_ip_from_v4(&in->dst, q + 16);
		if ((rd16(q + 6) & 0x1fff) == 0)
			inner_l4(in, q + ihl, n - ihl);
		return true;
	}
	if (ver == 6) {
		if (n < 40)
			return false;
		in->ipver = 6;
		in->ip_len = (uint16_t)(rd16(q + 4) + 40u);
		in->ttl = q[7];
		wh_ip_from_v6(&in->src, q + 8);
		wh_ip_from_v6(&in->dst, q + 24);
		uint8_t nh = q[6];
		uint32_t off = 40;
		for (int k = 0; k < 8 && is_v6_ext(nh); k++) {
			if (off + 8 > n)
				return true;
			uint8_t next = q[off];
			uint32_t elen;
			if (nh == 44) {
				if ((rd16(q + off + 2) >> 3) != 0) {
					in->proto = next;
					return true;
				}
				elen = 8;
			} else if (nh == 51) {
				elen = ((uint32_t)q[off + 1] + 2) * 4;
			} else {
				elen = ((uint32_t)q[off + 1] + 1) * 8;
			}
			nh = next;
			off += elen;
		}
		in->proto = nh;
		if (off <= n && !is_v6_ext(nh))
			inner_l4(in, q + off, n - off);
		return true;
	}
	return false;
}

/* cap: bytes captured from the transport header on; len: bytes the IP header gives it. */
static enum wh_pkt_status decode_l4(struct wh_pkt *o, const uint8_t *p, uint32_t cap, uint32_t len,
				    const char **why)
{
	switch (o->proto) {
	case WH_PROTO_TCP: {
		if (len < 20) {
			*why = "tcp segment shorter than a tcp header";
			return WH_PKT_MALFORMED;
		}
		if (cap < 20) {
			o->flags |= WH_PKF_L4_CUT;
			o->l4_len = len > 20 ? len - 20 : 0;
			return WH_PKT_OK;
		}
		o->sport = rd16(p);
		o->dport = rd16(p + 2);
		o->tcp_seq = rd32(p + 4);
		o->tcp_ack = rd32(p + 8);
		uint32_t doff = (uint32_t)(p[12] >> 4) * 4;
		o->tcp_flags = p[13];
		o->tcp_win = rd16(p + 14);
		if (doff < 20) {
			*why = "tcp data offset below 20 bytes";
			return WH_PKT_MALFORMED;
		}
		if (doff > len) {
			*why = "tcp data offset beyond the segment";
			return WH_PKT_MALFORMED;
		}
		o->tcp_hlen = (uint8_t)doff;
		o->l4_len = len - doff;
		if (cap > doff) {
			o->payload = p + doff;
			o->payload_caplen = cap - doff;
		}
		return WH_PKT_OK;
	}
	case WH_PROTO_UDP:
		if (len < 8) {
			*why = "udp datagram shorter than a udp header";
			return WH_PKT_MALFORMED;
		}
		o->l4_len = len - 8;
		if (cap < 8) {
			o->flags |= WH_PKF_L4_CUT;
			return WH_PKT_OK;
		}
		o->sport = rd16(p);
		o->dport = rd16(p + 2);
		if (cap > 8) {
			o->payload = p + 8;
			o->payload_caplen = cap - 8;
		}
		return WH_PKT_OK;
	case WH_PROTO_ICMP:
	case WH_PROTO_ICMP6: {
		if (len < 8) {
			*why = "icmp message shorter than 8 bytes";
			return WH_PKT_MALFORMED;
		}
		o->l4_len = len - 8;
		if (cap < 8) {
			o->flags |= WH_PKF_L4_CUT;
			return WH_PKT_OK;
		}
		uint8_t t = p[0], c = p[1];
		o->icmp_type = t;
		o->icmp_code = c;
		o->sport = t;
		o->dport = c;
		bool v6 = o->proto == WH_PROTO_ICMP6;
		bool echo = v6 ? (t == 128 || t == 129) : (t == 0 || t == 8);
		bool error = v6 ? (t >= 1 && t <= 4) : (t == 3 || t == 4 || t == 5 || t == 11 || t == 12);
		if (echo) {
			o->flags |= WH_PKF_ECHO;
			o->icmp_id = rd16(p + 4);
			o->icmp_seq = rd16(p + 6);
		}
		if (cap > 8) {
			o->payload = p + 8;
			o->payload_caplen = cap - 8;
		}
		if (error && cap > 8 && decode_inner(&o->inner, p + 8, cap - 8))
			o->flags |= WH_PKF_INNER;
		return WH_PKT_OK;
	}
	default:
		o->l4_len = len;
		if (cap) {
			o->payload = p;
			o->payload_caplen = cap;
		}
		return WH_PKT_OK;
	}
}

enum wh_pkt_status wh_pkt_decode_ip(const uint8_t *p, uint32_t avail, bool snapped,
				    struct wh_pkt *o, const char **why)
{
	if (avail < 1) {
		*why = "no ip header";
		return WH_PKT_TRUNCATED;
	}
	unsigned ver = p[0] >> 4;
	if (ver == 4) {
		if (avail < 20) {
			*why = "ipv4 header cut short";
			return WH_PKT_TRUNCATED;
		}
		uint32_t ihl = (uint32_t)(p[0] & 15) * 4;
		if (ihl < 20) {
			*why = "ipv4 header length below 20 bytes";
			return WH_PKT_MALFORMED;
		}
		if (ihl > avail) {
			*why = "ipv4 options cut short";
			return WH_PKT_TRUNCATED;
		}
		uint32_t tot = rd16(p + 2);
		if (tot == 0 && !snapped)
			tot = avail;    /* segmentation offload: the NIC fills it in later */
		if (tot < ihl) {
			*why = "ipv4 total length below the header length";
			return WH_PKT_MALFORMED;
		}
		if (tot > avail && !snapped) {
			*why = "ipv4 total length beyond the end of the frame";
			return WH_PKT_TRUNCATED;
		}
		o->ipver = 4;
		o->ip_len = tot;
		o->ip_id = rd16(p + 4);
		o->ttl = p[8];
		o->proto = p[9];
		wh_ip_from_v4(&o->src, p + 12);
		wh_ip_from_v4(&o->dst, p + 16);
		uint16_t fo = rd16(p + 6);
		if (fo & 0x2000)
			o->flags |= WH_PKF_MORE_FRAGS;
		if (fo & 0x1fff) {
			o->flags |= WH_PKF_FRAGMENT;
			o->l4_len = tot - ihl;
			return WH_PKT_OK;
		}
		uint32_t end = tot < avail ? tot : avail;
		return decode_l4(o, p + ihl, end - ihl, tot - ihl, why);
	}
	if (ver == 6) {
		if (avail < 40) {
			*why = "ipv6 header cut short";
			return WH_PKT_TRUNCATED;
		}
		uint32_t tot = 40u + rd16(p + 4);
		if (tot == 40 && p[6] == 0 && avail > 40)
			tot = avail;    /* a jumbogram: the length is in an option */
		if (tot > avail && !snapped) {
			*why = "ipv6 payload length beyond the end of the frame";
			return WH_PKT_TRUNCATED;
		}
		o->ipver = 6;
		o->ip_len = tot;
		o->ttl = p[7];
		wh_ip_from_v6(&o->src, p + 8);
		wh_ip_from_v6(&o->dst, p + 24);
		uint32_t end = tot < avail ? tot : avail;
		uint8_t nh = p[6];
		uint32_t off = 40;
		for (int k = 0; is_v6_ext(nh); k++) {
			if (k == 8) {
				*why = "more than 8 ipv6 extension headers";
				return WH_PKT_MALFORMED;
			}
			if (off + 8 > tot) {
				*why = "ipv6 extension header beyond the payload length";
				return WH_PKT_MALFORMED;
			}
			if (off + 8 > end) {
				o->proto = nh;
				o->flags |= WH_PKF_L4_CUT;
				return WH_PKT_OK;
			}
			uint8_t next = p[off];
			uint32_t elen;
			if (nh == 44) {
				uint16_t fo = rd16(p + off + 2);
				if (fo & 1)
					o->flags |= WH_PKF_MORE_FRAGS;
				o->ip_id = rd16(p + off + 6);
				if (fo >> 3) {
					o->proto = next;
					o->flags |= WH_PKF_FRAGMENT;
					o->l4_len = tot - off - 8;
					return WH_PKT_OK;
				}
				elen = 8;
			} else if (nh == 51) {
				elen = ((uint32_t)p[off + 1] + 2) * 4;
			} else {
				elen = ((uint32_t)p[off + 1] + 1) * 8;
			}
			if (off + elen > tot) {
				*why = "ipv6 extension header beyond the payload length";
				return WH_PKT_MALFORMED;
			}
			nh = next;
			off += elen;
		}
		o->proto = nh;
		if (nh == 59) {     /* no next header */
			o->l4_len = 0;
			return WH_PKT_OK;
		}
		if (off > end) {
			o->flags |= WH_PKF_L4_CUT;
			o->l4_len = tot - off;
			return WH_PKT_OK;
		}
		return decode_l4(o, p + off, end - off, tot - off, why);
	}
	*why = "ip version is neither 4 nor 6";
	return WH_PKT_MALFORMED;
}

/* After the link header: ethertype at hand, VLAN tags still possible. */
static enum wh_pkt_status after_ethertype(const uint8_t *buf, uint32_t caplen, uint32_t off,
					  uint16_t etype, bool snapped, struct wh_pkt *o,
					  const char **why)
{
	for (int tags = 0; etype == 0x8100 || etype == 0x88a8 || etype == 0x9100; tags++) {
		if (tags == 4) {
			*why = "more than 4 vlan tags";
			return WH_PKT_MALFORMED;
		}
		if (off + 4 > caplen) {
			*why = "vlan tag cut short";
			return WH_PKT_TRUNCATED;
		}
		if (!o->vlan)
			o->vlan = rd16(buf + off) & 0x0fff;
		etype = rd16(buf + off + 2);
		off += 4;
	}
	if (etype != 0x0800 && etype != 0x86dd)
		return WH_PKT_NOT_IP;
	return wh_pkt_decode_ip(buf + off, caplen - off, snapped, o, why);
}

enum wh_pkt_status wh_pkt_decode(int linktype, const uint8_t *buf, uint32_t caplen,
				 uint32_t wirelen, struct wh_pkt *o, const char **why)
{
	int64_t ts = o->ts;
	memset(o, 0, sizeof(*o));
	o->ts = ts;
	o->caplen = caplen;
	o->wirelen = wirelen < caplen ? caplen : wirelen;
	bool snapped = caplen < wirelen;
	*why = NULL;
	switch (linktype) {
	case WH_LT_EN10MB:
		if (caplen < 14) {
			*why = "ethernet header cut short";
			return WH_PKT_TRUNCATED;
		}
		return after_ethertype(buf, caplen, 14, rd16(buf + 12), snapped, o, why);
	case WH_LT_SLL:
		if (caplen < 16) {
			*why = "linux cooked header cut short";
			return WH_PKT_TRUNCATED;
		}
		return after_ethertype(buf, caplen, 16, rd16(buf + 14), snapped, o, why);
	case WH_LT_SLL2:
		if (caplen < 20) {
			*why = "linux cooked v2 header cut short";
			return WH_PKT_TRUNCATED;
		}
		return after_ethertype(buf, caplen, 20, rd16(buf), snapped, o, why);
	case WH_LT_NULL:
	case WH_LT_LOOP: {
		if (caplen < 4) {
			*why = "loopback header cut short";
			return WH_PKT_TRUNCATED;
		}
		/* The family is in the writer's byte order for NULL: accept either. */
		uint32_t be = rd32(buf);
		uint32_t le = (uint32_t)buf[3] << 24 | (uint32_t)buf[2] << 16 | (uint32_t)buf[1] << 8 | buf[0];
		uint32_t fam = be < 256 ? be : le;
		if (fam == 2)
			return wh_pkt_decode_ip(buf + 4, caplen - 4, snapped, o, why);
		if (fam == 10 || fam == 24 || fam == 28 || fam == 30)
			return wh_pkt_decode_ip(buf + 4, caplen - 4, snapped, o, why);
		return WH_PKT_NOT_IP;
	}
	case WH_LT_RAW:
	case WH_LT_RAW_DLT12:
	case WH_LT_RAW_DLT14:
	case WH_LT_IPV4:
	case WH_LT_IPV6:
		return wh_pkt_decode_ip(buf, caplen, snapped, o, why);
	default:
		*why = "unknown link type";
		return WH_PKT_LINKTYPE;
	}
}
