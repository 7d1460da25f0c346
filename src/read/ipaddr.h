/*
 * ipaddr.h: IP addresses as the network readers and analyses share them.
 *
 * Every address is 16 bytes: IPv6 as is, IPv4 mapped into ::ffff:a.b.c.d,
 * so one key type, one hash and one comparison serve both families and a
 * prefix table needs no second code path. Parsing accepts text from logs
 * (untrusted): it never reads past n bytes and never allocates.
 */
#ifndef WH_IPADDR_H
#define WH_IPADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct wh_ip {
	uint8_t b[16];
};

/* Longest text form plus NUL: "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255". */
#define WH_IP_STRLEN 48

static inline bool wh_ip_is_v4(const struct wh_ip *a)
{
	static const uint8_t pfx[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	return memcmp(a->b, pfx, 12) == 0;
}

static inline void wh_ip_from_v4(struct wh_ip *a, const uint8_t v4[4])
{
	memset(a->b, 0, 10);
	a->b[10] = a->b[11] = 0xff;
	memcpy(a->b + 12, v4, 4);
}

static inline void wh_ip_from_v6(struct wh_ip *a, const uint8_t v6[16])
{
	memcpy(a->b, v6, 16);
}

static inline int wh_ip_cmp(const struct wh_ip *x, const struct wh_ip *y)
{
	return memcmp(x->b, y->b, 16);
}

static inline bool wh_ip_eq(const struct wh_ip *x, const struct wh_ip *y)
{
	return memcmp(x->b, y->b, 16) == 0;
}

/* IPv4 dotted quad, IPv6 (with :: and an embedded IPv4 tail), or an IPv4-mapped
 * IPv6 "::ffff:1.2.3.4" (which becomes the IPv4 address). A zone ("%eth0") and
 * surrounding brackets are ignored. */
bool wh_ip_parse(const char *s, size_t n, struct wh_ip *out);
/* "a.b.c.d" or RFC 5952 IPv6; buf holds WH_IP_STRLEN bytes. Returns buf. */
char *wh_ip_format(const struct wh_ip *a, char buf[WH_IP_STRLEN]);

/* A prefix: the address with the host bits cleared and the length in
 * IPv6 bits (an IPv4 /8 is 104). */
struct wh_prefix {
	struct wh_ip net;
	uint8_t len;
};

/* "10.0.0.0/8", "fc00::/7", or an address alone (a host prefix). */
bool wh_prefix_parse(const char *s, size_t n, struct wh_prefix *out);
bool wh_prefix_contains(const struct wh_prefix *p, const struct wh_ip *a);

/* Fast 64-bit hash of an address. */
static inline uint64_t wh_ip_hash(const struct wh_ip *a)
{
	uint64_t x, y;
	memcpy(&x, a->b, 8);
	memcpy(&y, a->b + 8, 8);
	x ^= y * 0x9e3779b97f4a7c15ULL;
	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 29;
	return x;
}

#endif
