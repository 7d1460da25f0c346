#include "util/wtime.h"

#include <stdbool.h>
#include <stdio.h>

/* The civil-from-days and days-from-civil algorithms below are the standard
 * era-based conversions for the proleptic Gregorian calendar. */
int64_t wh_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void wh_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yy + (*m <= 2);
}

static bool digits(const char *s, size_t n, size_t at, size_t count, unsigned *out)
{
	if (at + count > n)
		return false;
	unsigned v = 0;
	for (size_t i = 0; i < count; i++) {
		char c = s[at + i];
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (unsigned)(c - '0');
	}
	*out = v;
	return true;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
	static const unsigned dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

static int parse_epoch(const char *s, size_t n, int64_t *ns)
{
	size_t i = 0;
	int64_t sec = 0, frac = 0;
	size_t nd = 0;
	bool neg = false;
	if (i < n && s[i] == '-') {
		neg = true;
		i++;
	}
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, nd++) {
		if (nd >= 11)   /* beyond year 5138: not an epoch time */
			return -1;
		sec = sec * 10 + (s[i] - '0');
	}
	if (nd == 0)
		return -1;
	if (i < n && s[i] == '.') {
		i++;
		int64_t scale = 100000000;
		size_t fd = 0;
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, fd++) {
			frac += (s[i] - '0') * scale;
			scale /= 10;
		}
		if (fd == 0)
			return -1;
	}
	if (i != n)
		return -1;
	if (sec > 9223372035LL)
		return -1;
	int64_t v = sec * WH_NS_PER_SEC + frac;
	*ns = neg ? -v : v;
	return 0;
}

int wh_time_parse(const char *s, size_t n, int64_t *ns)
{
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0)
		return -1;
	unsigned y, mo, d, h = 0, mi = 0, se = 0;
	if (!(n >= 10 && s[4] == '-' && s[7] == '-'))
		return parse_epoch(s, n, ns);
	if (!digits(s, n, 0, 4, &y) || !digits(s, n, 5, 2, &mo) || !digits(s, n, 8, 2, &d))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return -1;
	size_t i = 10;
	int64_t frac = 0;
	int64_t offset = 0;
	if (i < n) {
		if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
			return -1;
		i++;
		if (!digits(s, n, i, 2, &h) || i + 2 >= n + 0 || s[i + 2] != ':' ||
		    !digits(s, n, i + 3, 2, &mi))
			return -1;
		i += 5;
		if (i < n && s[i] == ':') {
			if (!digits(s, n, i + 1, 2, &se))
				return -1;
			i += 3;
		}
		if (h > 23 || mi > 59 || se > 60)
			return -1;
		if (i < n && (s[i] == '.' || s[i] == ',')) {
			i++;
			int64_t scale = 100000000;
			size_t fd = 0;
			for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, fd++) {
				frac += (s[i] - '0') * scale;
				scale /= 10;
			}
			if (fd == 0)
				return -1;
		}
		if (i < n && s[i] == ' ')
			i++;
		if (i < n) {
			if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == n) {
				i++;
			} else if (s[i] == '+' || s[i] == '-') {
				int sign = s[i] == '-' ? -1 : 1;
				unsigned oh, om = 0;
				if (!digits(s, n, i + 1, 2, &oh))
					return -1;
				i += 3;
				if (i < n && s[i] == ':')
					i++;
				if (i < n) {
					if (!digits(s, n, i, 2, &om))
						return -1;
					i += 2;
				}
				if (oh > 23 || om > 59)
					return -1;
				offset = sign * ((int64_t)oh * 3600 + om * 60);
			} else {
				return -1;
			}
		}
		if (i != n)
			return -1;
	}
	int64_t days = wh_days_from_civil(y, mo, d);
	int64_t secs = days * 86400 + h * 3600 + mi * 60 + se - offset;
	/* years before 1678 or after 2261 do not fit in int64 nanoseconds */
	if (secs > INT64_MAX / WH_NS_PER_SEC - 1 || secs < INT64_MIN / WH_NS_PER_SEC + 1)
		return -1;
	*ns = secs * WH_NS_PER_SEC + frac;
	return 0;
}

int64_t wh_time_from_filetime(uint64_t ft)
{
	/* 11644473600 s between 1601-01-01 and 1970-01-01. */
	const int64_t delta = 116444736000000000LL;
	int64_t t = (int64_t)(ft & 0x7fffffffffffffffULL) - delta;
	if (t > INT64_MAX / 100 || t < INT64_MIN / 100 + 1)
		return WH_TIME_NONE;
	return t * 100;
}

int64_t wh_time_from_systemtime(unsigned year, unsigned month, unsigned day, unsigned hour,
				unsigned min, unsigned sec, unsigned msec)
{
	if (year < 1601 || year > 30827 || month < 1 || month > 12 || day < 1 ||
	    day > days_in_month(year, month) || hour > 23 || min > 59 || sec > 59 || msec > 999)
		return WH_TIME_NONE;
	if (year > 2261)
		return WH_TIME_NONE;
	int64_t days = wh_days_from_civil(year, month, day);
	int64_t secs = days * 86400 + hour * 3600 + min * 60 + sec;
	return secs * WH_NS_PER_SEC + (int64_t)msec * 1000000;
}

char *wh_time_format(int64_t ns, int ndigits, char buf[WH_TIME_BUFSZ])
{
	if (ns == WH_TIME_NONE) {
		snprintf(buf, WH_TIME_BUFSZ, "-");
		return buf;
	}
	int64_t secs = ns / WH_NS_PER_SEC, frac = ns % WH_NS_PER_SEC;
	if (frac < 0) {
		frac += WH_NS_PER_SEC;
		secs--;
	}
	int64_t days = secs / 86400, rem = secs % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	int64_t y;
	unsigned m, d;
	wh_civil_from_days(days, &y, &m, &d);
	if (y >= 0 && y <= 9999) {
		/* the digits by hand: writers print a time per line, and printf
		 * cost more than the rest of a finding's line */
		unsigned v[6] = { (unsigned)y / 100, (unsigned)y % 100, m, d, (unsigned)(rem / 3600),
				  (unsigned)(rem / 60 % 60) };
		static const char after[6] = { 0, '-', '-', 'T', ':', ':' };   /* yyyy-mm-ddThh:mm: */
		char *p = buf;
		for (int i = 0; i < 6; i++) {
			*p++ = (char)('0' + v[i] / 10);
			*p++ = (char)('0' + v[i] % 10);
			if (after[i])
				*p++ = after[i];
		}
		*p++ = (char)('0' + (unsigned)(rem % 60) / 10);
		*p++ = (char)('0' + (unsigned)(rem % 60) % 10);
		if (ndigits == 3 || ndigits == 6 || ndigits == 9) {
			unsigned f = (unsigned)(ndigits == 3 ? frac / 1000000 : ndigits == 6 ? frac / 1000 : frac);
			*p++ = '.';
			for (int k = ndigits - 1; k >= 0; k--) {
				p[k] = (char)('0' + f % 10);
				f /= 10;
			}
			p += ndigits;
		}
		*p++ = 'Z';
		*p = '\0';
		return buf;
	}
	int len = snprintf(buf, WH_TIME_BUFSZ, "%04lld-%02u-%02uT%02u:%02u:%02u", (long long)y, m, d,
			   (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60), (unsigned)(rem % 60));
	if (ndigits == 3)
		len += snprintf(buf + len, WH_TIME_BUFSZ - len, ".%03u", (unsigned)(frac / 1000000));
	else if (ndigits == 6)
		len += snprintf(buf + len, WH_TIME_BUFSZ - len, ".%06u", (unsigned)(frac / 1000));
	else if (ndigits == 9)
		len += snprintf(buf + len, WH_TIME_BUFSZ - len, ".%09u", (unsigned)frac);
	snprintf(buf + len, WH_TIME_BUFSZ - len, "Z");
	return buf;
}
