#include "report/emit.h"
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

/* 0: as is; 1: needs an escape; 2: non-ASCII */
static const uint8_t json_class[256] = {
#define R16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
	R16(1), R16(1),
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	R16(0), R16(0),
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
	R16(0), R16(0),
	R16(2), R16(2), R16(2), R16(2), R16(2), R16(2), R16(2), R16(2),
#undef R16
};

static size_t utf8_ok(const unsigned char *p, size_t avail)
{
	unsigned c = p[0];
	size_t len;
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
	if (len > avail)
		return 0;
	unsigned cp = c & (0xff >> (len + 1));
	for (size_t k = 1; k < len; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void wh_emit_json_str(FILE *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t run = 0, i = 0;
	putc_unlocked('"', out);
	while (i < n) {
		unsigned c = p[i];
		uint8_t k = json_class[c];
		if (k == 0) {
			i++;
			continue;
		}
		if (k == 2) {
			size_t l = utf8_ok(p + i, n - i);
			if (l) {
				i += l;
				continue;
			}
		}
		if (i > run)
			fwrite_unlocked(p + run, 1, i - run, out);
		switch (c) {
		case '"': WH_EMIT_LIT(out, "\\\""); break;
		case '\\': WH_EMIT_LIT(out, "\\\\"); break;
		case '\n': WH_EMIT_LIT(out, "\\n"); break;
		case '\r': WH_EMIT_LIT(out, "\\r"); break;
		case '\t': WH_EMIT_LIT(out, "\\t"); break;
		default:
			if (c < 0x20)
				fprintf(out, "\\u%04x", c);
			else
				WH_EMIT_LIT(out, "\\ufffd");
		}
		i++;
		run = i;
	}
	if (n > run)
		fwrite_unlocked(p + run, 1, n - run, out);
	putc_unlocked('"', out);
}

void wh_emit_csv(FILE *out, const char *s, size_t n)
{
	bool quote = false;
	for (size_t i = 0; i < n && !quote; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
			quote = true;
	if (!quote) {
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

void wh_emit_time(FILE *out, int64_t ns)
{
	char buf[WH_TIME_BUFSZ];
	/* as many fraction digits as the time has: no false precision, none lost */
	int digits = ns % 1000000 == 0 ? 3 : ns % 1000 == 0 ? 6 : 9;
	fputs_unlocked(wh_time_format(ns, digits, buf), out);
}
