#include "net/addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

bool wh_addr_eq(const struct wh_addr *x, const struct wh_addr *y)
{
	return x->family == y->family && memcmp(x->a, y->a, 16) == 0;
}

const char *wh_addr_str(const struct wh_addr *x, char *buf)
{
	if (x->family == AF_INET)
		inet_ntop(AF_INET, x->a, buf, WH_ADDR_STRLEN);
	else if (x->family == AF_INET6)
		inet_ntop(AF_INET6, x->a, buf, WH_ADDR_STRLEN);
	else
		snprintf(buf, WH_ADDR_STRLEN, "*");
	return buf;
}

bool wh_addr_parse(const char *s, struct wh_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, out->a) == 1) {
		out->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, s, out->a) == 1) {
		out->family = AF_INET6;
		return true;
	}
	return false;
}

void wh_addr_from_sa(const struct sockaddr *sa, struct wh_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;
		out->family = AF_INET;
		memcpy(out->a, &s4->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;
		out->family = AF_INET6;
		memcpy(out->a, &s6->sin6_addr, 16);
	}
}

unsigned wh_addr_to_sa(const struct wh_addr *x, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (x->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, x->a, 4);
		return sizeof(*s4);
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	memcpy(&s6->sin6_addr, x->a, 16);
	return sizeof(*s6);
}

uint32_t wh_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	while (len > 1) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

uint16_t wh_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t wh_csum_pseudo(const struct wh_addr *src, const struct wh_addr *dst, uint8_t proto, uint32_t len)
{
	uint32_t sum = 0;
	size_t n = wh_addr_len(src);
	sum = wh_csum_add(sum, src->a, n);
	sum = wh_csum_add(sum, dst->a, n);
	uint8_t tail[8];
	if (src->family == AF_INET) {
		tail[0] = 0;
		tail[1] = proto;
		tail[2] = (uint8_t)(len >> 8);
		tail[3] = (uint8_t)len;
		return wh_csum_add(sum, tail, 4);
	}
	tail[0] = (uint8_t)(len >> 24);
	tail[1] = (uint8_t)(len >> 16);
	tail[2] = (uint8_t)(len >> 8);
	tail[3] = (uint8_t)len;
	tail[4] = tail[5] = tail[6] = 0;
	tail[7] = proto;
	return wh_csum_add(sum, tail, 8);
}
