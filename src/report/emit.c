#include "report/emit.h"
#include "util/jsonspan.h"
#include "util/utf8.h"
#include "util/wtime.h"
#include "util/xalloc.h"

#include <stdbool.h>
#include <string.h>


void wh_emit_buffer(FILE *out)
{
	static char *buf;
	if (!buf)
		buf = wh_xmalloc(1 << 20);
	setvbuf(out, buf, _IOFBF, 1 << 20);
}

/* One byte or UTF-8 sequence at p[0] that plain_span stopped at; at most 6 bytes out. */
static inline size_t escape_one(char *o, const unsigned char *p, size_t avail, size_t *used)
{
	unsigned c = p[0];
	if (wh_json_byte_class[c] == 2) {
		int l = wh_utf8_seq(p, avail);   /* a sequence cut short is invalid here */
		if (l > 0) {
			memcpy(o, p, (size_t)l);
			*used = (size_t)l;
			return (size_t)l;
		}
	}
	*used = 1;
	o[0] = '\\';
	switch (c) {
	case '"': o[1] = '"'; return 2;
	case '\\': o[1] = '\\'; return 2;
	case '\n': o[1] = 'n'; return 2;
	case '\r': o[1] = 'r'; return 2;
	case '\t': o[1] = 't'; return 2;
	default:
		if (c < 0x20) {
			static const char hex[] = "0123456789abcdef";
			memcpy(o + 1, "u00", 3);
			o[4] = hex[c >> 4];
			o[5] = hex[c & 15];
		} else {
			memcpy(o + 1, "ufffd", 5);   /* invalid UTF-8 */
		}
		return 6;
	}
}

/* Write the escape of the byte at p[i] that needs one (a quote, a
 * backslash, a control byte, a byte that starts UTF-8 to check) at dst + *o;
 * returns how many bytes of p it took. */
static inline size_t escape_at(char *dst, size_t *o, const unsigned char *p, size_t i, size_t n)
{
	unsigned c = p[i];
	if (c == '"' || c == '\\') {
		dst[(*o)++] = '\\';
		dst[(*o)++] = (char)c;
		return 1;
	}
	size_t used;
	*o += escape_one(dst + *o, p + i, n - i, &used);
	return used;
}

/*
 * Plain bytes go 16 at a time: they are stored before they are checked,
 * which the room dst has (6 * n + 2) always allows while 16 bytes of input
 * are left, and quotes and backslashes (every Windows path has several)
 * are escaped in the loop rather than by a call. The last bytes (fewer
 * than 16) are checked together with those before them, in the 16 bytes
 * that end the string, and copied up to each byte to escape without
 * looking each up.
 */
size_t wh_json_escape(char *dst, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, i = 0;
	dst[o++] = '"';
#if defined(__SSE2__)
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
	while (i + 16 <= n) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		_mm_storeu_si128((__m128i *)(void *)(dst + o), v);
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
					 _mm_cmplt_epi8(v, space));
		unsigned mask = (unsigned)_mm_movemask_epi8(m);
		if (!mask) {
			i += 16;
			o += 16;
			continue;
		}
		size_t k = (size_t)__builtin_ctz(mask);
		i += k;
		o += k;
		i += escape_at(dst, &o, p, i, n);
	}
	if (i < n && n >= 16) {
		size_t base = n - 16;   /* i > base here */
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + base));
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
					 _mm_cmplt_epi8(v, space));
		unsigned mask = (unsigned)_mm_movemask_epi8(m) & (0xffffu << (i - base));
		while (i < n) {
			size_t next = mask ? base + (size_t)__builtin_ctz(mask) : n;
			while (i < next)
				dst[o++] = (char)p[i++];
			if (i >= n)
				break;
			i += escape_at(dst, &o, p, i, n);
			mask &= 0xffffu << (i - base);
		}
	}
#endif
	while (i < n) {
		while (i < n && !wh_json_byte_class[p[i]])
			dst[o++] = (char)p[i++];
		if (i >= n)
			break;
		i += escape_at(dst, &o, p, i, n);
	}
	dst[o++] = '"';
	return o;
}

/*
 * The string is escaped into a buffer on the stack and handed to stdio in
 * one write when it is of ordinary length: a write per escape (a Windows
 * path has several) used to cost more than the escaping.
 */
void wh_emit_json_str(FILE *out, const char *s, size_t n)
{
	char buf[2048];
	if (n <= (sizeof(buf) - 2) / 6) {
		fwrite_unlocked(buf, 1, wh_json_escape(buf, s, n), out);
		return;
	}
	/* long strings in pieces, never cutting a UTF-8 sequence */
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, i = 0;
	buf[o++] = '"';
	while (i < n) {
		if (sizeof(buf) - o < 16) {
			fwrite_unlocked(buf, 1, o, out);
			o = 0;
		}
		size_t lim = i + (sizeof(buf) - o - 6);
		if (lim > n)
			lim = n;
		size_t j = wh_json_plain_span(p, i, lim);
		memcpy(buf + o, p + i, j - i);
		o += j - i;
		i = j;
		if (i >= lim)
			continue;
		size_t used;
		o += escape_one(buf + o, p + i, n - i, &used);
		i += used;
	}
	if (sizeof(buf) - o < 1) {
		fwrite_unlocked(buf, 1, o, out);
		o = 0;
	}
	buf[o++] = '"';
	fwrite_unlocked(buf, 1, o, out);
}

bool wh_csv_needs_quotes(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
#if defined(__SSE2__)
	if (n >= 16) {
		const __m128i comma = _mm_set1_epi8(','), quote = _mm_set1_epi8('"'), cr = _mm_set1_epi8('\r'),
			      lf = _mm_set1_epi8('\n');
		for (;;) {
			/* the last block overlaps the one before: a check reads only */
			if (i + 16 > n)
				i = n - 16;
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
			__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, comma), _mm_cmpeq_epi8(v, quote)),
						 _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, lf)));
			if (_mm_movemask_epi8(m))
				return true;
			i += 16;
			if (i >= n)
				return false;
		}
	}
#endif
	for (; i < n; i++)
		if (p[i] == ',' || p[i] == '"' || p[i] == '\n' || p[i] == '\r')
			return true;
	return false;
}

size_t wh_csv_quoted(char *dst, const char *s, size_t n)
{
	char *o = dst;
	*o++ = '"';
	const char *end = s + n;
	while (s < end) {
		const char *q = memchr(s, '"', (size_t)(end - s));
		size_t run = q ? (size_t)(q - s) + 1 : (size_t)(end - s);
		memcpy(o, s, run);
		o += run;
		s += run;
		if (q)
			*o++ = '"';
	}
	*o++ = '"';
	return (size_t)(o - dst);
}

size_t wh_csv_field(char *dst, const char *s, size_t n)
{
	if (wh_csv_needs_quotes(s, n))
		return wh_csv_quoted(dst, s, n);
	memcpy(dst, s, n);
	return n;
}

void wh_emit_csv(FILE *out, const char *s, size_t n)
{
	if (!wh_csv_needs_quotes(s, n)) {
		fwrite_unlocked(s, 1, n, out);
		return;
	}
	putc_unlocked('"', out);
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"') {
			fwrite_unlocked(s + run, 1, i + 1 - run, out);
			putc_unlocked('"', out);
			run = i + 1;
		}
	}
	fwrite_unlocked(s + run, 1, n - run, out);
	putc_unlocked('"', out);
}

size_t wh_emit_time_str(int64_t ns, char buf[WH_EMIT_TIME_BUFSZ])
{
	/* as many fraction digits as the time has: no false precision, none lost */
	int digits = ns % 1000000 == 0 ? 3 : ns % 1000 == 0 ? 6 : 9;
	if (ns == WH_TIME_NONE) {
		buf[0] = '-';
		buf[1] = '\0';
		return 1;
	}
	/* Events come in time order, many in the same second: the formatted
	 * second is kept and only the fraction is written anew. */
	static _Thread_local int64_t last_sec = WH_TIME_NONE;
	static _Thread_local char last[WH_TIME_BUFSZ];
	static _Thread_local size_t last_len;
	int64_t sec = ns / WH_NS_PER_SEC, frac = ns % WH_NS_PER_SEC;
	if (frac < 0) {
		frac += WH_NS_PER_SEC;
		sec--;
	}
	if (sec <= INT64_MIN / WH_NS_PER_SEC) {
		/* the first second of the range: sec * 1e9 would not fit */
		wh_time_format(ns, digits, buf);
		return strlen(buf);
	}
	static _Thread_local int64_t last_min = WH_TIME_NONE;
	if (sec != last_sec) {
		/* within the same minute only the seconds' two digits change
		 * (yyyy-mm-ddThh:mm:ss is 19 bytes: a year of four digits) */
		int64_t min = sec / 60 - (sec % 60 < 0);
		if (min == last_min && last_len == 19) {
			unsigned ss = (unsigned)(sec - min * 60);
			last[17] = (char)('0' + ss / 10);
			last[18] = (char)('0' + ss % 10);
		} else {
			wh_time_format(sec * WH_NS_PER_SEC, 0, last);
			last_len = strlen(last) - 1;   /* without the Z */
			last_min = min;
		}
		last_sec = sec;
	}
	memcpy(buf, last, last_len);
	size_t o = last_len;
	buf[o++] = '.';
	unsigned f = (unsigned)(digits == 3 ? frac / 1000000 : digits == 6 ? frac / 1000 : frac);
	for (int k = digits - 1; k >= 0; k--) {
		buf[o + (size_t)k] = (char)('0' + f % 10);
		f /= 10;
	}
	o += (size_t)digits;
	buf[o++] = 'Z';
	buf[o] = '\0';
	return o;
}

void wh_emit_time(FILE *out, int64_t ns)
{
	char buf[WH_EMIT_TIME_BUFSZ];
	size_t n = wh_emit_time_str(ns, buf);
	fwrite_unlocked(buf, 1, n, out);
}
