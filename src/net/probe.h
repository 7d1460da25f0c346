/*
 * probe.h: the probe packets of every traceroute method, built byte by byte
 * (IPv4 and IPv6 header included), and the probe's identity as a reply will
 * quote it back. Pure: buffer in, bytes out.
 *
 * How each method carries the probe id (a 16-bit number, never 0) so that a
 * reply quoting only the first 8 bytes of the transport header still names
 * the probe:
 *   paris-udp    constant ports; the UDP checksum equals the id, made so by
 *                two "balance" bytes at the start of the payload
 *   udp          destination port = base port + probe number (classic)
 *   icmp         echo sequence number = id; identifier constant (classic,
 *                so the ICMP checksum changes with every probe)
 *   paris-icmp   echo sequence = id; the identifier is chosen so that the
 *                ICMP checksum stays constant (per-flow balancers hash it)
 *   tcp          SYN with constant ports; sequence number = tag << 16 | id
 * IPv4 probes also carry the id in the IP identification field, which lets
 * a reply be matched when a NAT rewrote the transport header.
 * The payload starts with the balance word, then "WHTR", then the id, so
 * routers that quote the whole probe confirm the match a second time.
 */
#ifndef WH_NET_PROBE_H
#define WH_NET_PROBE_H

#include "net/addr.h"

enum wh_method {
	WH_M_UDP_PARIS,
	WH_M_UDP,
	WH_M_ICMP,
	WH_M_ICMP_PARIS,
	WH_M_TCP,
};

#define WH_PROBE_MAGIC "WHTR"
#define WH_TCP_SEQ_TAG 0x5748u      /* "WH": the high half of a TCP probe's sequence number */
#define WH_PROBE_MAX_LEN 65000

const char *wh_method_name(enum wh_method m);
/* The IP protocol of a method's probes. */
uint8_t wh_method_proto(enum wh_method m);
/* True when every probe of the method belongs to one flow (ports, ICMP checksum constant). */
bool wh_method_paris(enum wh_method m);

struct wh_probe_spec {
	enum wh_method method;
	struct wh_addr src, dst;
	uint8_t ttl;
	uint8_t tos;                /* IPv4 TOS / IPv6 traffic class */
	uint32_t flowlabel;         /* IPv6 only, 20 bits */
	bool df;                    /* IPv4: don't fragment */
	uint16_t sport, dport;      /* UDP and TCP; classic UDP: dport already includes the probe number */
	uint16_t ident;             /* icmp: echo identifier; paris-icmp: the constant checksum */
	uint16_t id;                /* the probe id, 1..65535 */
	size_t len;                 /* whole packet, IP header included (raised to the minimum) */
};

/* Bytes of IP plus transport header, the least a probe of this kind can be. */
size_t wh_probe_min_len(int family, enum wh_method m);
/* Build the packet into buf; returns its length, 0 when cap is too small. */
size_t wh_probe_build(const struct wh_probe_spec *s, uint8_t *buf, size_t cap);
/*
 * The transport payload alone (the bytes after the UDP or ICMP header), for
 * the unprivileged mode where the kernel writes the headers: for paris-udp
 * the balance word is computed with the pseudo-header so that the kernel's
 * checksum still equals the id. Returns the payload length or 0.
 */
size_t wh_probe_payload(const struct wh_probe_spec *s, uint8_t *buf, size_t cap);

#endif
