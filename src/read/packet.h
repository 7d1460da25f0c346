/*
 * packet.h: one captured frame decoded into the facts the network analyses
 * use (addresses, ports, TTL, TCP flags, ICMP type and the packet an ICMP
 * error quotes).
 *
 * wh_pkt_decode() is pure: a buffer in, a struct out, no I/O, no
 * allocation. It checks every length before it reads a field, so it is safe
 * on any bytes (fuzz/fuzz_packet.c drives it). Lengths come in two kinds:
 * what the headers say (ip_len, l4_len: what was on the wire) and what the
 * capture kept (payload_caplen); a snap length that cut the packet short is
 * normal and not an error.
 */
#ifndef WH_PACKET_H
#define WH_PACKET_H

#include <stdbool.h>
#include <stdint.h>

#include "read/ipaddr.h"

/* Link types by their LINKTYPE_ numbers (the values in pcap files), plus the
 * DLT_ values libpcap reports for raw IP on some systems. */
enum wh_linktype {
	WH_LT_NULL = 0,       /* BSD loopback, family in host byte order */
	WH_LT_EN10MB = 1,     /* Ethernet, with 802.1Q / 802.1ad tags */
	WH_LT_RAW_DLT12 = 12, /* raw IP (DLT_RAW on Linux) */
	WH_LT_RAW_DLT14 = 14, /* raw IP (DLT_RAW on OpenBSD) */
	WH_LT_RAW = 101,      /* raw IP */
	WH_LT_LOOP = 108,     /* OpenBSD loopback, family in network byte order */
	WH_LT_SLL = 113,      /* Linux cooked capture v1 */
	WH_LT_IPV4 = 228,
	WH_LT_IPV6 = 229,
	WH_LT_SLL2 = 276,     /* Linux cooked capture v2 */
};

/* Whether the decoder knows the link type. */
bool wh_linktype_supported(int linktype);

enum wh_tcp_flag {
	WH_TCP_FIN = 0x01,
	WH_TCP_SYN = 0x02,
	WH_TCP_RST = 0x04,
	WH_TCP_PSH = 0x08,
	WH_TCP_ACK = 0x10,
	WH_TCP_URG = 0x20,
	WH_TCP_ECE = 0x40,
	WH_TCP_CWR = 0x80,
};

enum {
	WH_PROTO_ICMP = 1,
	WH_PROTO_TCP = 6,
	WH_PROTO_UDP = 17,
	WH_PROTO_ICMP6 = 58,
};

enum wh_pkt_flag {
	WH_PKF_FRAGMENT = 1u << 0,   /* a fragment after the first: no transport header */
	WH_PKF_MORE_FRAGS = 1u << 1, /* more fragments follow */
	WH_PKF_L4_CUT = 1u << 2,     /* the capture ended inside the transport header */
	WH_PKF_INNER = 1u << 3,      /* an ICMP error with a quoted packet in `inner` */
	WH_PKF_ECHO = 1u << 4,       /* ICMP echo request or reply: icmp_id and icmp_seq are set */
};

/* The packet an ICMP error quotes: the header the router received. */
struct wh_pkt_inner {
	struct wh_ip src, dst;
	uint8_t ipver, proto, ttl;
	bool have_l4;             /* the quote reached the ports / ICMP id */
	uint16_t ip_id;
	uint16_t ip_len;          /* total length of the original packet */
	uint16_t sport, dport;    /* TCP/UDP ports; ICMP: type and code */
	uint16_t icmp_id, icmp_seq;
	uint32_t tcp_seq;
};

struct wh_pkt {
	int64_t ts;               /* ns since the epoch */
	uint32_t wirelen, caplen;
	struct wh_ip src, dst;
	uint8_t ipver;            /* 4 or 6 */
	uint8_t proto;            /* the transport protocol number */
	uint8_t ttl;              /* TTL or hop limit */
	uint8_t tcp_flags;
	uint16_t sport, dport;    /* TCP/UDP ports; ICMP: type and code, as Zeek keys them */
	uint16_t ip_id;           /* IPv4 identification (0 for IPv6) */
	uint16_t vlan;            /* outermost 802.1Q VLAN id, 0 for none */
	uint32_t flags;           /* enum wh_pkt_flag */
	uint32_t ip_len;          /* the IP packet's length by its header */
	uint32_t l4_len;          /* transport payload length by the headers */
	uint32_t tcp_seq, tcp_ack;
	uint16_t tcp_win;
	uint8_t tcp_hlen;         /* TCP header length with options */
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq;
	const uint8_t *payload;   /* transport payload as captured (NULL when none) */
	uint32_t payload_caplen;
	struct wh_pkt_inner inner;
};

enum wh_pkt_status {
	WH_PKT_OK = 0,
	WH_PKT_NOT_IP,     /* ARP, LLDP, STP ...: not an error, nothing to decode */
	WH_PKT_TRUNCATED,  /* a header is cut short although the frame was not snapped */
	WH_PKT_MALFORMED,  /* a header says something impossible */
	WH_PKT_LINKTYPE,   /* a link type the decoder does not know */
};

/*
 * Decode one frame of `linktype`. caplen bytes are in buf; wirelen is the
 * length on the wire (>= caplen). On WH_PKT_TRUNCATED or WH_PKT_MALFORMED,
 * *why says what was wrong (a static string). out->ts is left as it was.
 */
enum wh_pkt_status wh_pkt_decode(int linktype, const uint8_t *buf, uint32_t caplen,
				 uint32_t wirelen, struct wh_pkt *out, const char **why);

/* Decode from the IP header on (the version nibble decides); the same rules. */
enum wh_pkt_status wh_pkt_decode_ip(const uint8_t *buf, uint32_t caplen, bool snapped,
				    struct wh_pkt *out, const char **why);

#endif
