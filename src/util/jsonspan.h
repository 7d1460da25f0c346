/*
 * jsonspan.h: finding, in a JSON string body, the next byte that needs
 * attention. The JSON scanner (which validates) and the JSON writer (which
 * escapes) spend most of their time in this loop, so they share it.
 */
#ifndef WH_JSONSPAN_H
#define WH_JSONSPAN_H

#include <stddef.h>
#include <stdint.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* 0: a byte copied as it is; 1: a quote, a backslash or a control
 * character; 2: a non-ASCII byte (the start or middle of UTF-8). */
extern const uint8_t wh_json_byte_class[256];

/*
 * The first index at or after i (below n) whose byte is not plain: a quote,
 * a backslash, a control character or a non-ASCII byte; n when there is
 * none. With SSE2 (every x86-64) it looks at 16 bytes at a time, and a
 * signed compare with 0x20 catches both the controls and the bytes >= 0x80
 * at once. It never reads at or past n.
 */
static inline size_t wh_json_plain_span(const unsigned char *p, size_t i, size_t n)
{
#if defined(__SSE2__)
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'),
		      space = _mm_set1_epi8(0x20);
	while (i + 16 <= n) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
					 _mm_cmplt_epi8(v, space));
		unsigned mask = (unsigned)_mm_movemask_epi8(m);
		if (mask)
			return i + (size_t)__builtin_ctz(mask);
		i += 16;
	}
#else
	while (i + 4 <= n && !wh_json_byte_class[p[i]] && !wh_json_byte_class[p[i + 1]] &&
	       !wh_json_byte_class[p[i + 2]] && !wh_json_byte_class[p[i + 3]])
		i += 4;
#endif
	while (i < n && !wh_json_byte_class[p[i]])
		i++;
	return i;
}

#endif
