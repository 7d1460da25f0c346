/*
 * evtx_fmt.h: the text of one EVTX substitution value, as Windows renders
 * it in an event's XML (and as Sigma rules therefore match it).
 *
 * These are pure functions: bytes in, UTF-8 text out, into a buffer the
 * caller sized with wh_evtx_fmt_max(). They never read past `size` bytes
 * and never write past the bound, whatever the bytes are.
 */
#ifndef WH_EVTX_FMT_H
#define WH_EVTX_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* EVTX is little-endian and so are the hosts whitehawk runs on; the loads
 * below rely on it. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the EVTX reader assumes a little-endian host"
#endif

/* BinXML value types (the low 7 bits; 0x80 marks an array of that type). */
enum wh_evtx_type {
	WH_EVTX_NULL = 0x00,
	WH_EVTX_STRING = 0x01,      /* UTF-16LE */
	WH_EVTX_ANSI = 0x02,
	WH_EVTX_INT8 = 0x03,
	WH_EVTX_UINT8 = 0x04,
	WH_EVTX_INT16 = 0x05,
	WH_EVTX_UINT16 = 0x06,
	WH_EVTX_INT32 = 0x07,
	WH_EVTX_UINT32 = 0x08,
	WH_EVTX_INT64 = 0x09,
	WH_EVTX_UINT64 = 0x0a,
	WH_EVTX_REAL32 = 0x0b,
	WH_EVTX_REAL64 = 0x0c,
	WH_EVTX_BOOL = 0x0d,        /* 32-bit */
	WH_EVTX_BINARY = 0x0e,
	WH_EVTX_GUID = 0x0f,
	WH_EVTX_SIZET = 0x10,       /* 4 or 8 bytes, printed in hex */
	WH_EVTX_FILETIME = 0x11,
	WH_EVTX_SYSTIME = 0x12,
	WH_EVTX_SID = 0x13,
	WH_EVTX_HEX32 = 0x14,
	WH_EVTX_HEX64 = 0x15,
	WH_EVTX_HANDLE = 0x20,
	WH_EVTX_BINXML = 0x21,      /* a nested BinXML fragment */
	WH_EVTX_EVTXML = 0x23,
	WH_EVTX_ARRAY = 0x80,
};

/* The most bytes wh_evtx_fmt() writes for a value of `size` bytes (with the NUL). */
static inline size_t wh_evtx_fmt_max(size_t size)
{
	return 64 + 6 * size;
}

/*
 * Write the text of a value of `type` held in b[0..size) to out, NUL-terminated,
 * and return its length. A value whose size does not fit its type is
 * written as hex bytes, so nothing is lost and nothing is misread. BinXML
 * (0x21) gives "" here: it is markup, handled by the parser.
 */
size_t wh_evtx_fmt(unsigned type, const unsigned char *b, size_t size, char *out);

/* The size of one item of a fixed-size type, or 0 for variable-size types. */
size_t wh_evtx_item_size(unsigned type);

/* UTF-16LE to UTF-8, stopping at the first NUL; lone surrogates become
 * U+FFFD. out holds 3 * (n / 2) + 1 bytes. Returns the length written. */
size_t wh_evtx_utf16(const unsigned char *b, size_t n, char *out);

/* Windows FILETIME as 2025-10-25T13:44:33.440907300Z; out holds 32 bytes. */
size_t wh_evtx_fmt_filetime(uint64_t ft, char *out);

static inline uint16_t wh_le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}

static inline uint32_t wh_le32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static inline uint64_t wh_le64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

#endif
