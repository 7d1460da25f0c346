/*
 * utf8.h: checking and writing UTF-8, shared by the readers that validate
 * their input and the writers that must never print invalid bytes.
 */
#ifndef WH_UTF8_H
#define WH_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * The length of the valid UTF-8 sequence at p, whose lead byte is >= 0x80:
 * 2 to 4; 0 when it is invalid (overlong, a surrogate, past U+10FFFF, a bad
 * continuation byte); -1 when the avail bytes end inside a sequence that is
 * valid so far (a reader may then wait for more input).
 */
static inline int wh_utf8_seq(const unsigned char *p, size_t avail)
{
	unsigned c = p[0];
	int len;
	unsigned min;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		min = 0x10000;
	} else {
		return 0;
	}
	if ((size_t)len > avail) {
		for (size_t k = 1; k < avail; k++)
			if ((p[k] & 0xc0) != 0x80)
				return 0;
		return -1;
	}
	unsigned cp = c & (0xff >> (len + 1));
	for (int k = 1; k < len; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* Write code point cp (at most U+10FFFF) as UTF-8 into o; returns 1 to 4. */
static inline size_t wh_utf8_put(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

#endif
