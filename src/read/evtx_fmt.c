/*
 * evtx_fmt.c: EVTX substitution values as text. The renderings follow what
 * Windows prints in an event's XML: decimal integers, lower-case hex with
 * 0x and no padding for the hex types, GUIDs in braces and upper case, SIDs
 * as S-1-5-..., FILETIMEs with nine fraction digits and SYSTEMTIMEs with
 * three (their precision), binary as upper-case hex pairs.
 */
#include "read/evtx_fmt.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

static const char hexlc[] = "0123456789abcdef";
static const char hexuc[] = "0123456789ABCDEF";

static size_t put_u64(char *out, uint64_t v)
{
	char tmp[24];
	size_t n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

static size_t put_i64(char *out, int64_t v)
{
	if (v < 0) {
		out[0] = '-';
		return 1 + put_u64(out + 1, (uint64_t)0 - (uint64_t)v);
	}
	return put_u64(out, (uint64_t)v);
}

static size_t put_hex(char *out, uint64_t v)
{
	char tmp[16];
	size_t n = 0;
	do {
		tmp[n++] = hexlc[v & 15];
		v >>= 4;
	} while (v);
	out[0] = '0';
	out[1] = 'x';
	for (size_t i = 0; i < n; i++)
		out[2 + i] = tmp[n - 1 - i];
	return n + 2;
}

static size_t put_bytes_hex(char *out, const unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexuc[b[i] >> 4];
		out[2 * i + 1] = hexuc[b[i] & 15];
	}
	return 2 * n;
}

static size_t put2(char *out, unsigned v)
{
	out[0] = (char)('0' + v / 10 % 10);
	out[1] = (char)('0' + v % 10);
	return 2;
}

size_t wh_evtx_utf16(const unsigned char *b, size_t n, char *out)
{
	size_t units = n / 2, i = 0, o = 0;
	for (;;) {
		/* Four ASCII units at a time: the common case in every log. */
		while (i + 4 <= units) {
			uint64_t w = wh_le64(b + 2 * i);
			if (w & 0xff80ff80ff80ff80ULL)
				break;
			if (!(w & 0xffff) || !(w & 0xffff0000ULL) || !(w & 0xffff00000000ULL) ||
			    !(w & 0xffff000000000000ULL))
				break;
			out[o] = (char)w;
			out[o + 1] = (char)(w >> 16);
			out[o + 2] = (char)(w >> 32);
			out[o + 3] = (char)(w >> 48);
			o += 4;
			i += 4;
		}
		if (i >= units)
			break;
		uint32_t c = wh_le16(b + 2 * i);
		i++;
		if (c == 0)
			break;
		if (c < 0x80) {
			out[o++] = (char)c;
			continue;
		}
		if (c >= 0xd800 && c <= 0xdbff && i < units) {
			uint32_t d = wh_le16(b + 2 * i);
			if (d >= 0xdc00 && d <= 0xdfff) {
				i++;
				c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
			} else {
				c = 0xfffd;
			}
		} else if (c >= 0xd800 && c <= 0xdfff) {
			c = 0xfffd;
		}
		if (c < 0x800) {
			out[o++] = (char)(0xc0 | c >> 6);
			out[o++] = (char)(0x80 | (c & 0x3f));
		} else if (c < 0x10000) {
			out[o++] = (char)(0xe0 | c >> 12);
			out[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (c & 0x3f));
		} else {
			/* A pair: 4 bytes from 2 units, within the 3-per-unit bound. */
			out[o++] = (char)(0xf0 | c >> 18);
			out[o++] = (char)(0x80 | ((c >> 12) & 0x3f));
			out[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (c & 0x3f));
		}
	}
	out[o] = '\0';
	return o;
}

/* Code page 1252 is what "ANSI" means on the systems that write these;
 * its printable ASCII and Latin-1 range is taken as such, the rest kept as
 * Latin-1 code points so no byte is lost. */
static size_t put_ansi(const unsigned char *b, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n && b[i]; i++) {
		unsigned c = b[i];
		if (c < 0x80) {
			out[o++] = (char)c;
		} else {
			out[o++] = (char)(0xc0 | c >> 6);
			out[o++] = (char)(0x80 | (c & 0x3f));
		}
	}
	out[o] = '\0';
	return o;
}

/* Days from 1601-01-01 to a civil date and back (proleptic Gregorian). */
static void civil_from_days1601(int64_t days, unsigned *y, unsigned *m, unsigned *d)
{
	/* Shift to an era-based algorithm anchored at 0000-03-01. */
	int64_t z = days + 584694;    /* days from 0000-03-01 to 1601-01-01 */
	int64_t era = z / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t dd = doy - (153 * mp + 2) / 5 + 1;
	int64_t mm = mp < 10 ? mp + 3 : mp - 9;
	*y = (unsigned)(yy + (mm <= 2));
	*m = (unsigned)mm;
	*d = (unsigned)dd;
}

static size_t put_datetime(char *out, unsigned y, unsigned mo, unsigned d, unsigned h, unsigned mi,
			   unsigned s)
{
	size_t o = 0;
	out[o++] = (char)('0' + y / 1000 % 10);
	out[o++] = (char)('0' + y / 100 % 10);
	o += put2(out + o, y % 100);
	out[o++] = '-';
	o += put2(out + o, mo);
	out[o++] = '-';
	o += put2(out + o, d);
	out[o++] = 'T';
	o += put2(out + o, h);
	out[o++] = ':';
	o += put2(out + o, mi);
	out[o++] = ':';
	o += put2(out + o, s);
	return o;
}

size_t wh_evtx_fmt_filetime(uint64_t ft, char *out)
{
	uint64_t secs = ft / 10000000u, frac = ft % 10000000u;
	uint64_t days = secs / 86400, rem = secs % 86400;
	unsigned y, m, d;
	civil_from_days1601((int64_t)days, &y, &m, &d);
	if (y > 9999)
		y = 9999;   /* four digits, as Windows prints them */
	size_t o = put_datetime(out, y, m, d, (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60),
				(unsigned)(rem % 60));
	out[o++] = '.';
	for (int i = 6; i >= 0; i--) {
		out[o + (size_t)i] = (char)('0' + frac % 10);
		frac /= 10;
	}
	o += 7;
	out[o++] = '0';
	out[o++] = '0';
	out[o++] = 'Z';
	out[o] = '\0';
	return o;
}

static size_t put_systime(const unsigned char *b, char *out)
{
	unsigned y = wh_le16(b), mo = wh_le16(b + 2), d = wh_le16(b + 6), h = wh_le16(b + 8),
		 mi = wh_le16(b + 10), s = wh_le16(b + 12), ms = wh_le16(b + 14);
	if (y > 9999)
		y = 9999;
	size_t o = put_datetime(out, y, mo % 100, d % 100, h % 100, mi % 100, s % 100);
	out[o++] = '.';
	ms %= 1000;
	out[o++] = (char)('0' + ms / 100);
	out[o++] = (char)('0' + ms / 10 % 10);
	out[o++] = (char)('0' + ms % 10);
	out[o++] = 'Z';
	out[o] = '\0';
	return o;
}

static size_t put_guid(const unsigned char *b, char *out)
{
	size_t o = 0;
	uint32_t d1 = wh_le32(b);
	unsigned d2 = wh_le16(b + 4), d3 = wh_le16(b + 6);
	out[o++] = '{';
	for (int i = 7; i >= 0; i--)
		out[o++] = hexuc[(d1 >> (4 * i)) & 15];
	out[o++] = '-';
	for (int i = 3; i >= 0; i--)
		out[o++] = hexuc[(d2 >> (4 * i)) & 15];
	out[o++] = '-';
	for (int i = 3; i >= 0; i--)
		out[o++] = hexuc[(d3 >> (4 * i)) & 15];
	out[o++] = '-';
	o += put_bytes_hex(out + o, b + 8, 2);
	out[o++] = '-';
	o += put_bytes_hex(out + o, b + 10, 6);
	out[o++] = '}';
	out[o] = '\0';
	return o;
}

/* Returns 0 when the bytes are not a whole SID. */
static size_t put_sid(const unsigned char *b, size_t n, char *out)
{
	if (n < 8)
		return 0;
	unsigned count = b[1];
	if (8 + 4 * (size_t)count > n)
		return 0;
	uint64_t auth = 0;
	for (int i = 2; i < 8; i++)
		auth = auth << 8 | b[i];
	size_t o = 0;
	out[o++] = 'S';
	out[o++] = '-';
	o += put_u64(out + o, b[0]);
	out[o++] = '-';
	if (auth >> 32) {
		/* Windows prints a 48-bit authority in hex. */
		out[o++] = '0';
		out[o++] = 'x';
		o += put_bytes_hex(out + o, b + 2, 6);
	} else {
		o += put_u64(out + o, auth);
	}
	for (unsigned i = 0; i < count; i++) {
		out[o++] = '-';
		o += put_u64(out + o, wh_le32(b + 8 + 4 * i));
	}
	out[o] = '\0';
	return o;
}

/* The shortest decimal that reads back as the same value (at most 24 characters). */
static size_t put_real(char *out, double v, int maxdigits, bool single)
{
	int k = 0;
	for (int d = single ? 6 : 15; d <= maxdigits; d++) {
		k = snprintf(out, 32, "%.*g", d, v);
		char *end;
		double back = strtod(out, &end);
		if (single ? (float)back == (float)v : back == v)
			break;
	}
	return k > 0 ? (size_t)k : 0;
}

size_t wh_evtx_item_size(unsigned t)
{
	switch (t) {
	case WH_EVTX_INT8:
	case WH_EVTX_UINT8: return 1;
	case WH_EVTX_INT16:
	case WH_EVTX_UINT16: return 2;
	case WH_EVTX_INT32:
	case WH_EVTX_UINT32:
	case WH_EVTX_REAL32:
	case WH_EVTX_BOOL:
	case WH_EVTX_HEX32: return 4;
	case WH_EVTX_INT64:
	case WH_EVTX_UINT64:
	case WH_EVTX_REAL64:
	case WH_EVTX_FILETIME:
	case WH_EVTX_HEX64: return 8;
	case WH_EVTX_GUID:
	case WH_EVTX_SYSTIME: return 16;
	default: return 0;
	}
}

/* One fixed-size item; b holds wh_evtx_item_size(t) bytes. */
static size_t put_item(unsigned t, const unsigned char *b, char *out)
{
	float f;
	double dbl;
	switch (t) {
	case WH_EVTX_INT8: return put_i64(out, (int8_t)b[0]);
	case WH_EVTX_UINT8: return put_u64(out, b[0]);
	case WH_EVTX_INT16: return put_i64(out, (int16_t)wh_le16(b));
	case WH_EVTX_UINT16: return put_u64(out, wh_le16(b));
	case WH_EVTX_INT32: return put_i64(out, (int32_t)wh_le32(b));
	case WH_EVTX_UINT32: return put_u64(out, wh_le32(b));
	case WH_EVTX_INT64: return put_i64(out, (int64_t)wh_le64(b));
	case WH_EVTX_UINT64: return put_u64(out, wh_le64(b));
	case WH_EVTX_REAL32:
		memcpy(&f, b, 4);
		return put_real(out, f, 9, true);
	case WH_EVTX_REAL64:
		memcpy(&dbl, b, 8);
		return put_real(out, dbl, 17, false);
	case WH_EVTX_BOOL:
		if (wh_le32(b)) {
			memcpy(out, "true", 4);
			return 4;
		}
		memcpy(out, "false", 5);
		return 5;
	case WH_EVTX_HEX32: return put_hex(out, wh_le32(b));
	case WH_EVTX_HEX64: return put_hex(out, wh_le64(b));
	case WH_EVTX_FILETIME: return wh_evtx_fmt_filetime(wh_le64(b), out);
	case WH_EVTX_SYSTIME: return put_systime(b, out);
	case WH_EVTX_GUID: return put_guid(b, out);
	default: return 0;
	}
}

size_t wh_evtx_fmt(unsigned type, const unsigned char *b, size_t size, char *out)
{
	size_t o = 0;
	unsigned t = type & 0x7f;
	if (type & WH_EVTX_ARRAY) {
		/* Items joined by commas: strings end at each NUL, fixed-size items
		 * follow each other. */
		if (t == WH_EVTX_STRING) {
			size_t i = 0;
			bool first = true;
			while (i + 2 <= size) {
				size_t j = i;
				while (j + 2 <= size && (b[j] | b[j + 1]))
					j += 2;
				if (!first)
					out[o++] = ',';
				first = false;
				o += wh_evtx_utf16(b + i, j - i, out + o);
				i = j + 2;
			}
			out[o] = '\0';
			return o;
		}
		size_t is = wh_evtx_item_size(t);
		if (is == 0 || size % is)
			goto raw;
		for (size_t i = 0; i < size; i += is) {
			if (i)
				out[o++] = ',';
			o += put_item(t, b + i, out + o);
		}
		out[o] = '\0';
		return o;
	}
	switch (t) {
	case WH_EVTX_NULL:
	case WH_EVTX_BINXML:
		out[0] = '\0';
		return 0;
	case WH_EVTX_STRING:
	case WH_EVTX_EVTXML:
		return wh_evtx_utf16(b, size, out);
	case WH_EVTX_ANSI:
		return put_ansi(b, size, out);
	case WH_EVTX_BINARY:
		o = put_bytes_hex(out, b, size);
		out[o] = '\0';
		return o;
	case WH_EVTX_SID:
		o = put_sid(b, size, out);
		if (o == 0)
			goto raw;
		return o;
	case WH_EVTX_SIZET:
	case WH_EVTX_HANDLE:
		if (size == 4)
			o = put_hex(out, wh_le32(b));
		else if (size == 8)
			o = put_hex(out, wh_le64(b));
		else
			goto raw;
		out[o] = '\0';
		return o;
	default:
		break;
	}
	size_t is = wh_evtx_item_size(t);
	if (is == 0 || size != is)
		goto raw;
	o = put_item(t, b, out);
	out[o] = '\0';
	return o;
raw:
	o = put_bytes_hex(out, b, size);
	out[o] = '\0';
	return o;
}
