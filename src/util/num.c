#include "util/num.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

int wh_parse_num(const char *s, long long min, long long max, long long *out, const char **errstr)
{
	const char *e = "invalid";
	char *end;
	if (!s || !*s)
		goto fail;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*end != '\0')
		goto fail;
	if ((errno == ERANGE && v == LLONG_MIN) || v < min) {
		e = "too small";
		goto fail;
	}
	if ((errno == ERANGE && v == LLONG_MAX) || v > max) {
		e = "too large";
		goto fail;
	}
	*out = v;
	if (errstr)
		*errstr = NULL;
	return 0;
fail:
	if (errstr)
		*errstr = e;
	return -1;
}

bool wh_parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	if (n == 0)
		return false;
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (n - 2 > 16)
			return false;
		for (size_t i = 2; i < n; i++) {
			unsigned c = (unsigned char)s[i], d;
			if (c >= '0' && c <= '9')
				d = c - '0';
			else if ((c | 32) >= 'a' && (c | 32) <= 'f')
				d = (c | 32) - 'a' + 10;
			else
				return false;
			v = v << 4 | d;
		}
		*out = v;
		return true;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned c = (unsigned char)s[i];
		if (c < '0' || c > '9')
			return false;
		if (v > (UINT64_MAX - (c - '0')) / 10)
			return false;
		v = v * 10 + (c - '0');
	}
	*out = v;
	return true;
}

bool wh_parse_i64(const char *s, size_t n, int64_t *out)
{
	bool neg = n > 0 && s[0] == '-';
	uint64_t v;
	if (!wh_parse_u64(s + neg, n - neg, &v))
		return false;
	if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX)
		return false;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}
