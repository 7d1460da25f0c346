/*
 * addr.h: one address type for IPv4 and IPv6 in the traceroute code, and the
 * Internet checksum. Nothing here does I/O.
 */
#ifndef WH_NET_ADDR_H
#define WH_NET_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "read/ipaddr.h"


/* An IPv4 address lives in a[0..3], the rest zero, so memcmp compares. */
struct wh_addr {
	uint8_t family;          /* AF_INET, AF_INET6, or 0 for none */
	uint8_t a[16];
};

#define WH_ADDR_STRLEN 46

static inline size_t wh_addr_len(const struct wh_addr *x)
{
	return x->family == AF_INET6 ? 16 : 4;
}
bool wh_addr_eq(const struct wh_addr *x, const struct wh_addr *y);
/* Numeric text; buf holds WH_ADDR_STRLEN bytes. Returns buf ("*" for none). */
const char *wh_addr_str(const struct wh_addr *x, char *buf);
/* Parse a numeric IPv4 or IPv6 address; false when s is not one. */
bool wh_addr_parse(const char *s, struct wh_addr *out);
/* The same address as the flow and intel code keep it (IPv4 mapped into
 * IPv6), for the one place trace asks them: AS lookups. */
static inline void wh_addr_to_ip(const struct wh_addr *x, struct wh_ip *out)
{
	if (x->family == AF_INET)
		wh_ip_from_v4(out, x->a);
	else
		wh_ip_from_v6(out, x->a);
}
void wh_addr_from_sa(const struct sockaddr *sa, struct wh_addr *out);
/* Fill a sockaddr for x (port in host order); returns its length. */
unsigned wh_addr_to_sa(const struct wh_addr *x, uint16_t port, struct sockaddr_storage *ss);

/* Ones' complement sum helpers (RFC 1071). Sums are kept folded to 16 bits. */
uint32_t wh_csum_add(uint32_t sum, const void *data, size_t len);
uint16_t wh_csum_fold(uint32_t sum);
/* Sum of the IPv4/IPv6 pseudo-header for an upper-layer length and protocol. */
uint32_t wh_csum_pseudo(const struct wh_addr *src, const struct wh_addr *dst, uint8_t proto, uint32_t len);
/* a +' b in ones' complement arithmetic. */
static inline uint16_t wh_csum_oc_add(uint16_t a, uint16_t b)
{
	uint32_t s = (uint32_t)a + b;
	return (uint16_t)((s & 0xffff) + (s >> 16));
}

#endif
