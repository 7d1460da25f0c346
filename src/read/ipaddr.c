/*
 * ipaddr.c: parsing and printing addresses and prefixes. Written by hand
 * rather than with inet_pton because log text is not NUL-terminated where
 * the address ends, carries zones and brackets, and must never be trusted
 * for length.
 */
#include "read/ipaddr.h"

#include <stdio.h>

static bool parse_v4(const char *s, size_t n, uint8_t out[4])
{
	unsigned part = 0, val = 0, digits = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (digits == 0 || part > 3)
				return false;
			out[part++] = (uint8_t)val;
			val = digits = 0;
			continue;
		}
		if (s[i] < '0' || s[i] > '9')
			return false;
		/* No leading zeros beyond one digit: "010" is ambiguous (octal to some). */
		if (digits == 1 && val == 0)
			return false;
		val = val * 10 + (unsigned)(s[i] - '0');
		if (val > 255 || ++digits > 3)
			return false;
	}
	return part == 4;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if ((c | 32) >= 'a' && (c | 32) <= 'f')
		return (c | 32) - 'a' + 10;
	return -1;
}

static bool parse_v6(const char *s, size_t n, uint8_t out[16])
{
	uint16_t words[8];
	int nw = 0, gap = -1;
	size_t i = 0;
	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 0;
		i = 2;
		if (n == 2)
			goto done;
	} else if (n && s[0] == ':') {
		return false;
	}
	while (i < n) {
		if (nw >= 8)
			return false;
		/* An IPv4 tail: the rest has a dot. */
		size_t j = i;
		bool dot = false;
		while (j < n && s[j] != ':') {
			if (s[j] == '.')
				dot = true;
			j++;
		}
		if (dot) {
			uint8_t v4[4];
			if (j != n || nw > 6 || !parse_v4(s + i, n - i, v4))
				return false;
			words[nw++] = (uint16_t)(v4[0] << 8 | v4[1]);
			words[nw++] = (uint16_t)(v4[2] << 8 | v4[3]);
			break;
		}
		if (j == i || j - i > 4)
			return false;
		unsigned v = 0;
		for (size_t k = i; k < j; k++) {
			int h = hexval(s[k]);
			if (h < 0)
				return false;
			v = v << 4 | (unsigned)h;
		}
		words[nw++] = (uint16_t)v;
		if (j == n)
			break;
		/* s[j] == ':' */
		if (j + 1 < n && s[j + 1] == ':') {
			if (gap >= 0)
				return false;
			gap = nw;
			i = j + 2;
			if (i == n)
				break;
		} else {
			if (j + 1 == n)
				return false;
			i = j + 1;
		}
	}
done:
	if (gap < 0 && nw != 8)
		return false;
	if (gap >= 0 && nw >= 8)
		return false;
	int fill = 8 - nw, o = 0;
	uint16_t full[8] = { 0 };
	if (gap < 0) {
		for (int k = 0; k < 8; k++)
			full[k] = words[k];
	} else {
		for (int k = 0; k < gap; k++)
			full[o++] = words[k];
		o += fill;
		for (int k = gap; k < nw; k++)
			full[o++] = words[k];
	}
	for (int k = 0; k < 8; k++) {
		out[2 * k] = (uint8_t)(full[k] >> 8);
		out[2 * k + 1] = (uint8_t)full[k];
	}
	return true;
}

bool wh_ip_parse(const char *s, size_t n, struct wh_ip *out)
{
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
	}
	for (size_t i = 0; i < n; i++)
		if (s[i] == '%') {
			n = i;
			break;
		}
	if (n == 0 || n > 64)
		return false;
	uint8_t v4[4];
	bool colon = memchr(s, ':', n) != NULL;
	if (!colon) {
		if (!parse_v4(s, n, v4))
			return false;
		wh_ip_from_v4(out, v4);
		return true;
	}
	uint8_t v6[16];
	if (!parse_v6(s, n, v6))
		return false;
	wh_ip_from_v6(out, v6);
	return true;
}

char *wh_ip_format(const struct wh_ip *a, char buf[WH_IP_STRLEN])
{
	const uint8_t *b = a->b;
	if (wh_ip_is_v4(a)) {
		snprintf(buf, WH_IP_STRLEN, "%u.%u.%u.%u", b[12], b[13], b[14], b[15]);
		return buf;
	}
	uint16_t w[8];
	for (int i = 0; i < 8; i++)
		w[i] = (uint16_t)(b[2 * i] << 8 | b[2 * i + 1]);
	/* RFC 5952: the longest run of two or more zero words becomes "::", the first on a tie. */
	int best = -1, bestlen = 1;
	for (int i = 0; i < 8;) {
		if (w[i]) {
			i++;
			continue;
		}
		int j = i;
		while (j < 8 && !w[j])
			j++;
		if (j - i > bestlen) {
			best = i;
			bestlen = j - i;
		}
		i = j;
	}
	size_t o = 0;
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			o += (size_t)snprintf(buf + o, WH_IP_STRLEN - o, "::");
			i += bestlen - 1;
			continue;
		}
		if (o && buf[o - 1] != ':')
			buf[o++] = ':';
		o += (size_t)snprintf(buf + o, WH_IP_STRLEN - o, "%x", w[i]);
	}
	buf[o] = '\0';
	return buf;
}

bool wh_prefix_parse(const char *s, size_t n, struct wh_prefix *out)
{
	const char *slash = memchr(s, '/', n);
	size_t an = slash ? (size_t)(slash - s) : n;
	if (!wh_ip_parse(s, an, &out->net))
		return false;
	bool v4 = wh_ip_is_v4(&out->net) && memchr(s, ':', an) == NULL;
	unsigned len = 128;
	if (slash) {
		size_t dn = n - an - 1;
		if (dn == 0 || dn > 3)
			return false;
		len = 0;
		for (size_t i = 0; i < dn; i++) {
			char c = slash[1 + i];
			if (c < '0' || c > '9')
				return false;
			len = len * 10 + (unsigned)(c - '0');
		}
		if (v4) {
			if (len > 32)
				return false;
			len += 96;
		} else if (len > 128) {
			return false;
		}
	}
	out->len = (uint8_t)len;
	for (unsigned bit = len; bit < 128; bit++)
		out->net.b[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
	return true;
}

bool wh_prefix_contains(const struct wh_prefix *p, const struct wh_ip *a)
{
	unsigned full = p->len / 8, rest = p->len % 8;
	if (memcmp(p->net.b, a->b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff00u >> rest);
	return (a->b[full] & mask) == p->net.b[full];
}
