/*
 * reply.h: the pure parser of what comes back to a traceroute: ICMP and
 * ICMPv6 errors (time exceeded, destination unreachable, packet too big,
 * parameter problem) with the probe they quote, echo replies, and TCP
 * segments from the destination. Buffer in, struct out, no I/O, every length
 * checked before a read, so a fuzzer drives it directly.
 *
 * The parser says what the packet is and what it quotes; whether the quote
 * names a probe we sent (and whether a NAT changed it on the way) is decided
 * by the tracer, which knows what was sent.
 *
 * RFC 4884 extensions are read when the length field says where they start,
 * and also at offset 128 when it is zero and a valid extension header with a
 * correct checksum sits there (the older RFC 4950 practice); MPLS label
 * stack objects (class 1, c-type 1) are returned.
 */
#ifndef WH_NET_REPLY_H
#define WH_NET_REPLY_H

#include "net/addr.h"

enum wh_reply_kind {
	WH_RK_NONE = 0,
	WH_RK_TIME_EXCEEDED,    /* hop limit reached in transit (code 0) or reassembly (code 1) */
	WH_RK_UNREACH,          /* destination unreachable, any code */
	WH_RK_TOO_BIG,          /* ICMPv6 packet too big */
	WH_RK_PARAM,            /* parameter problem */
	WH_RK_ECHO_REPLY,       /* the destination answered an echo probe */
	WH_RK_TCP,              /* a TCP segment from the destination (SYN-ACK or RST) */
};

/* Why a packet was not a usable reply; every one is counted by the tracer. */
enum wh_reply_status {
	WH_REPLY_OK = 0,
	WH_REPLY_IGNORED,       /* well formed but not for a traceroute (echo request, redirect ...) */
	WH_REPLY_SHORT,         /* shorter than its headers say */
	WH_REPLY_BAD_HEADER,    /* version, header length or total length wrong */
	WH_REPLY_BAD_CHECKSUM,
	WH_REPLY_BAD_QUOTE,     /* an error whose quoted packet is missing or malformed */
	WH_REPLY__COUNT
};

#define WH_MPLS_MAX 8

struct wh_mpls {
	uint32_t label;         /* 20 bits */
	uint8_t exp;            /* traffic class, 3 bits */
	uint8_t s;              /* bottom of stack */
	uint8_t ttl;
};

struct wh_reply {
	enum wh_reply_kind kind;
	uint8_t type, code;
	struct wh_addr from;        /* who sent the reply */
	struct wh_addr to;          /* its destination (IPv4 header; IPv6: as given) */
	uint8_t reply_ttl;          /* TTL / hop limit the reply arrived with (0: unknown) */
	uint32_t mtu;               /* fragmentation needed / packet too big */

	/* The quoted probe (errors only). */
	bool quoted;
	bool q_partial;             /* rebuilt from an error queue: no IP header, no checksum */
	struct wh_addr q_src, q_dst;
	uint8_t q_proto;
	uint8_t q_ttl;              /* TTL left when the probe reached the replier */
	uint8_t q_tos;
	uint16_t q_ipid;            /* IPv4 identification */
	uint16_t q_len;             /* IPv4 total length / IPv6 payload length as quoted */
	uint32_t q_flowlabel;
	bool q_l4;                  /* the first 8 transport bytes are there */
	uint16_t q_sport, q_dport;  /* UDP/TCP */
	uint16_t q_cksum;           /* UDP or ICMP checksum */
	uint16_t q_icmp_id, q_icmp_seq;
	uint8_t q_icmp_type;
	uint32_t q_tcp_seq;
	const uint8_t *q_payload;   /* quoted transport payload (after 8 bytes of UDP/ICMP header) */
	size_t q_payload_len;

	/* Direct answers from the destination. */
	uint16_t icmp_id, icmp_seq;                /* echo reply */
	uint16_t tcp_sport, tcp_dport;
	uint32_t tcp_seq, tcp_ack;
	uint8_t tcp_flags;

	struct wh_mpls mpls[WH_MPLS_MAX];
	uint8_t nmpls;
	bool ext;                   /* an RFC 4884 extension structure was found */
};

const char *wh_reply_status_name(enum wh_reply_status s);

/*
 * An IPv4 packet as a raw socket delivers it, IP header first (ICMP or TCP).
 * Returns a wh_reply_status; on WH_REPLY_OK *r is filled.
 */
int wh_reply_parse4(const uint8_t *pkt, size_t len, struct wh_reply *r);
/*
 * An ICMPv6 message or a TCP segment as an IPv6 raw socket delivers it (no
 * IPv6 header): proto is IPPROTO_ICMPV6 or IPPROTO_TCP, from/to the
 * addresses of the packet (to may be NULL: the checksum is then not
 * checked), hop_limit from IPV6_HOPLIMIT (0 if unknown).
 */
int wh_reply_parse6(uint8_t proto, const uint8_t *pkt, size_t len, const struct wh_addr *from,
		    const struct wh_addr *to, uint8_t hop_limit, struct wh_reply *r);

/*
 * Traceroute's annotation for an unreachable or other error: "!H", "!N",
 * "!P", "!X", "!S", "!F-1500", "!<code>"... ; "" for time exceeded, a
 * port unreachable from the destination, an echo reply or TCP.
 */
const char *wh_reply_annotation(const struct wh_reply *r, char *buf, size_t n);
/* True when the reply means the probe reached the destination host. */
bool wh_reply_from_destination(const struct wh_reply *r);

#endif
