/*
 * Unit tests for the EVTX reader: value rendering (evtx_fmt.c), chunk
 * checks and BinXML parsing (evtx_parse.c).
 *
 * Chunks are written with our own writer (tools/evtxgen/evtxw.c, compiled
 * into this test), so each test states the event it writes and checks the
 * fields the parser gives back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "read/evtx_fmt.h"
#include "read/evtx_parse.h"
#include "util/wtime.h"

#include "../../tools/evtxgen/evtxw.c"

/* ---- value rendering ---- */

static const char *fmt(unsigned type, const void *b, size_t n)
{
	static char out[4096];
	size_t len = wh_evtx_fmt(type, b, n, out);
	assert_int_equal(len, strlen(out));
	assert_true(len < wh_evtx_fmt_max(n));
	return out;
}

static void fmt_strings(void **state)
{
	(void)state;
	char out[64];
	static const unsigned char ascii[] = { 'H', 0, 'i', 0, 0, 0, 'X', 0 };
	assert_int_equal(wh_evtx_utf16(ascii, sizeof(ascii), out), 2);
	assert_string_equal(out, "Hi");   /* stops at the NUL */
	/* é (2 bytes), € (3 bytes), U+1F600 from a surrogate pair (4 bytes) */
	static const unsigned char intl[] = { 0xe9, 0, 0xac, 0x20, 0x3d, 0xd8, 0x00, 0xde };
	wh_evtx_utf16(intl, sizeof(intl), out);
	assert_string_equal(out, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	/* a lone surrogate is replaced, an odd last byte ignored */
	static const unsigned char bad[] = { 0x00, 0xd8, 'a', 0, 'b' };
	wh_evtx_utf16(bad, sizeof(bad), out);
	assert_string_equal(out, "\xef\xbf\xbd" "a");
	/* the fast path over runs of ASCII, and a non-ASCII unit inside one */
	static const unsigned char run[] = { 'a', 0, 'b', 0, 'c', 0, 'd', 0, 'e', 0, 'f', 0, 0xe9, 0, 'g', 0 };
	wh_evtx_utf16(run, sizeof(run), out);
	assert_string_equal(out, "abcdef\xc3\xa9g");
	static const unsigned char ansi[] = { 'c', 'a', 'f', 0xe9, 0, 'x' };
	assert_string_equal(fmt(WH_EVTX_ANSI, ansi, sizeof(ansi)), "caf\xc3\xa9");
}

static void fmt_numbers(void **state)
{
	(void)state;
	unsigned char b[8];
	b[0] = 0xfb;
	assert_string_equal(fmt(WH_EVTX_INT8, b, 1), "-5");
	assert_string_equal(fmt(WH_EVTX_UINT8, b, 1), "251");
	uint64_t v = (uint64_t)-5000000000LL;
	memcpy(b, &v, 8);
	assert_string_equal(fmt(WH_EVTX_INT64, b, 8), "-5000000000");
	v = UINT64_MAX;
	memcpy(b, &v, 8);
	assert_string_equal(fmt(WH_EVTX_UINT64, b, 8), "18446744073709551615");
	v = (uint64_t)INT64_MIN;
	memcpy(b, &v, 8);
	assert_string_equal(fmt(WH_EVTX_INT64, b, 8), "-9223372036854775808");
	/* hex as Windows prints it: lower case, no padding */
	v = 0x3e7;
	memcpy(b, &v, 8);
	assert_string_equal(fmt(WH_EVTX_HEX64, b, 8), "0x3e7");
	assert_string_equal(fmt(WH_EVTX_SIZET, b, 8), "0x3e7");
	uint32_t w = 0;
	memcpy(b, &w, 4);
	assert_string_equal(fmt(WH_EVTX_HEX32, b, 4), "0x0");
	w = 0xC000006D;
	memcpy(b, &w, 4);
	assert_string_equal(fmt(WH_EVTX_HEX32, b, 4), "0xc000006d");
	/* booleans: any non-zero is true */
	w = 2;
	memcpy(b, &w, 4);
	assert_string_equal(fmt(WH_EVTX_BOOL, b, 4), "true");
	w = 0;
	memcpy(b, &w, 4);
	assert_string_equal(fmt(WH_EVTX_BOOL, b, 4), "false");
	float f = 0.1f;
	memcpy(b, &f, 4);
	assert_string_equal(fmt(WH_EVTX_REAL32, b, 4), "0.1");
	double d = 1e300;
	memcpy(b, &d, 8);
	assert_string_equal(fmt(WH_EVTX_REAL64, b, 8), "1e+300");
	/* a size that does not fit the type: kept as hex bytes */
	assert_string_equal(fmt(WH_EVTX_UINT32, "\x01\x02\x03", 3), "010203");
	assert_string_equal(fmt(WH_EVTX_BINARY, "\xde\xad\x00", 3), "DEAD00");
	assert_string_equal(fmt(WH_EVTX_NULL, "", 0), "");
}

static void fmt_times_ids(void **state)
{
	(void)state;
	char out[64];
	wh_evtx_fmt_filetime(0, out);
	assert_string_equal(out, "1601-01-01T00:00:00.000000000Z");
	wh_evtx_fmt_filetime(133590240001234567ULL, out);
	assert_string_equal(out, "2024-05-01T08:00:00.123456700Z");
	/* 2024-02-29T23:59:59.9999999Z: a leap day, the last tick of it */
	uint64_t ft = (uint64_t)(wh_days_from_civil(2024, 2, 29) * 86400 + 86399 + 11644473600LL) * 10000000 +
		      9999999;
	wh_evtx_fmt_filetime(ft, out);
	assert_string_equal(out, "2024-02-29T23:59:59.999999900Z");
	assert_int_equal(wh_time_from_filetime(133590240001234567ULL), 1714550400123456700LL);
	static const unsigned char st[16] = { 0xe8, 0x07, 5, 0, 3, 0, 1, 0, 10, 0, 0, 0, 1, 0, 123, 0 };
	assert_string_equal(fmt(WH_EVTX_SYSTIME, st, 16), "2024-05-01T10:00:01.123Z");
	static const unsigned char guid[16] = { 0x78, 0x56, 0x34, 0x12, 0xbc, 0x9a, 0xf0, 0xde,
						0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };
	assert_string_equal(fmt(WH_EVTX_GUID, guid, 16), "{12345678-9ABC-DEF0-1122-334455667788}");
	static const unsigned char sid[] = { 1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0 };
	assert_string_equal(fmt(WH_EVTX_SID, sid, sizeof(sid)), "S-1-5-18");
	static const unsigned char sid2[] = { 1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 0x02, 0, 0 };
	assert_string_equal(fmt(WH_EVTX_SID, sid2, sizeof(sid2)), "S-1-5-32-544");
	/* an authority of 2^32 or more is printed in hex, as Windows does */
	static const unsigned char sid3[] = { 1, 0, 0x01, 0, 0, 0, 0, 0 };
	assert_string_equal(fmt(WH_EVTX_SID, sid3, sizeof(sid3)), "S-1-0x010000000000");
	/* a SID that claims more parts than it has is not read past its end */
	static const unsigned char sid4[] = { 1, 3, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0 };
	assert_string_equal(fmt(WH_EVTX_SID, sid4, sizeof(sid4)), "010300000000000512000000");
}

static void fmt_arrays(void **state)
{
	(void)state;
	static const unsigned char u16[] = { 1, 0, 2, 0, 0xff, 0xff };
	assert_string_equal(fmt(WH_EVTX_ARRAY | WH_EVTX_UINT16, u16, sizeof(u16)), "1,2,65535");
	static const unsigned char strs[] = { 'a', 0, 0, 0, 'b', 0, 'c', 0, 0, 0 };
	assert_string_equal(fmt(WH_EVTX_ARRAY | WH_EVTX_STRING, strs, sizeof(strs)), "a,bc");
	/* not a whole number of items */
	assert_string_equal(fmt(WH_EVTX_ARRAY | WH_EVTX_UINT32, u16, sizeof(u16)), "01000200FFFF");
}

/* ---- chunks from our writer ---- */

#define FILE_MAX (4096 + 8 * 65536)

struct built {
	unsigned char *b;
	size_t len;
};

struct ev1 {
	struct evtxw_tpl sysmon, userdata, inner, classic;
};

static void build_templates(struct ev1 *t)
{
	struct evtxw_tpl *s = &t->sysmon;
	tpl_init(s, 1, "{11111111-2222-3333-4444-555555555555}");
	tpl_open(s, "Event");
	tpl_attr_text(s, "xmlns", "http://schemas.microsoft.com/win/2004/08/events/event");
	tpl_open(s, "System");
	tpl_open(s, "Provider");
	tpl_attr_text(s, "Name", "Microsoft-Windows-Sysmon");
	tpl_close(s);
	tpl_open(s, "EventID");
	tpl_attr_sub(s, "Qualifiers", 5, 0x06, true);
	tpl_sub(s, 0, 0x06, true);
	tpl_close(s);
	tpl_open(s, "TimeCreated");
	tpl_attr_sub(s, "SystemTime", 1, 0x11, true);
	tpl_close(s);
	tpl_leaf_sub(s, "EventRecordID", 6, 0x0a);
	tpl_open(s, "Channel");
	tpl_text(s, "Microsoft-Windows-Sysmon/Operational");
	tpl_close(s);
	tpl_leaf_sub(s, "Computer", 2, 0x01);
	tpl_open(s, "Security");
	tpl_attr_sub(s, "UserID", 3, 0x13, true);
	tpl_close(s);
	tpl_close(s);
	tpl_open(s, "EventData");
	tpl_data(s, "Image", 4, 0x01);
	tpl_data(s, "UtcTime", 7, 0x01);
	tpl_data(s, "LogonId", 8, 0x15);
	tpl_data(s, "Missing", 9, 0x01);
	tpl_close(s);
	tpl_open(s, "RenderingInfo");
	tpl_leaf_sub(s, "Message", 4, 0x01);
	tpl_close(s);
	tpl_close(s);

	struct evtxw_tpl *u = &t->userdata;
	tpl_init(u, 2, "{22222222-2222-3333-4444-555555555555}");
	tpl_open(u, "Event");
	tpl_open(u, "System");
	tpl_leaf_sub(u, "EventID", 0, 0x06);
	tpl_close(u);
	tpl_open(u, "UserData");
	tpl_sub(u, 1, 0x21, true);
	tpl_close(u);
	tpl_close(u);

	struct evtxw_tpl *in = &t->inner;
	tpl_init(in, 3, "{33333333-2222-3333-4444-555555555555}");
	tpl_open(in, "LogFileCleared");
	tpl_leaf_sub(in, "SubjectUserName", 0, 0x01);
	tpl_open(in, "Nested");
	tpl_leaf_sub(in, "Deep", 1, 0x08);
	tpl_close(in);
	tpl_close(in);

	struct evtxw_tpl *c = &t->classic;
	tpl_init(c, 4, "{44444444-2222-3333-4444-555555555555}");
	tpl_open(c, "Event");
	tpl_open(c, "EventData");
	tpl_open(c, "Data");
	tpl_sub(c, 0, 0x81, true);
	tpl_close(c);
	tpl_open(c, "Binary");
	tpl_sub(c, 1, 0x0e, true);
	tpl_close(c);
	tpl_close(c);
	tpl_close(c);
}

static void free_templates(struct ev1 *t)
{
	tpl_release(&t->sysmon);
	tpl_release(&t->userdata);
	tpl_release(&t->inner);
	tpl_release(&t->classic);
}

/* n records cycling through the three shapes, into a file in memory. */
static struct built build(unsigned n, const struct evtxw_opts *o, unsigned damage_chunk, unsigned damage)
{
	struct ev1 t;
	build_templates(&t);
	FILE *f = tmpfile();
	assert_non_null(f);
	struct evtxw *w = evtxw_open(f, o);
	if (damage)
		evtxw_damage(w, damage_chunk, damage);
	struct evtxw_pool p = { 0 };
	char host[32];
	for (unsigned i = 0; i < n; i++) {
		evtxw_pool_reset(&p);
		if (i % 3 == 0) {
			snprintf(host, sizeof(host), "ws%u.corp", i);
			struct evtxw_val v[10] = {
				val_u(&p, 0x06, 1),
				val_u(&p, 0x11, 133590240001234567ULL),
				val_str(&p, host),
				val_sid(&p, "S-1-5-18"),
				val_str(&p, "C:\\Windows\\System32\\cmd.exe"),
				val_null(),
				val_u(&p, 0x0a, 1000 + i),
				val_str(&p, "2024-05-01 08:00:00.500"),
				val_u(&p, 0x15, 0x3e7),
				val_null(),
			};
			assert_int_equal(evtxw_record(w, &t.sysmon, v, 10, 133590240000000000ULL), 0);
		} else if (i % 3 == 1) {
			struct evtxw_val in[2] = { val_str(&p, "admin01"), val_u(&p, 0x08, 7) };
			struct evtxw_val v[2] = { val_u(&p, 0x06, 1102), val_nested(&t.inner, in, 2) };
			assert_int_equal(evtxw_record(w, &t.userdata, v, 2, 133590240000000000ULL), 0);
		} else {
			static const char *const items[] = { "one", "", "three" };
			struct evtxw_val v[2] = { val_strs(&p, items, 3), val_null() };
			assert_int_equal(evtxw_record(w, &t.classic, v, 2, 133590240000000000ULL), 0);
		}
	}
	assert_int_equal(evtxw_close(w, false), 0);
	evtxw_pool_release(&p);
	free_templates(&t);
	struct built r;
	r.b = malloc(FILE_MAX);
	rewind(f);
	r.len = fread(r.b, 1, FILE_MAX, f);
	fclose(f);
	assert_true(r.len > 4096);
	return r;
}

static const char *get(const struct wh_evtx_out *o, const struct wh_evtx_rec *r, const char *name, int nth)
{
	for (uint32_t i = 0; i < r->nfields; i++) {
		const struct wh_field *f = &o->fields[r->first + i];
		if (strcmp(f->name, name) == 0 && nth-- == 0) {
			assert_int_equal(f->vlen, strlen(f->value));
			assert_int_equal(f->nlen, strlen(f->name));
			return f->value;
		}
	}
	return NULL;
}

/* Records first_rec .. first_rec + 2, written as shapes i, i + 1, i + 2 (i % 3 == 0). */
static void check_shapes(const struct wh_evtx_out *o, size_t first_rec, unsigned i)
{
	char host[32];
	snprintf(host, sizeof(host), "ws%u.corp", i);
	const struct wh_evtx_rec *r = &o->recs[first_rec];
	/* the Sysmon-like shape */
	assert_string_equal(get(o, r, "Provider_Name", 0), "Microsoft-Windows-Sysmon");
	assert_string_equal(get(o, r, "EventID", 0), "1");
	assert_null(get(o, r, "EventID_Qualifiers", 0));     /* a NULL attribute is left out */
	assert_string_equal(get(o, r, "TimeCreated_SystemTime", 0), "2024-05-01T08:00:00.123456700Z");
	assert_string_equal(get(o, r, "Channel", 0), "Microsoft-Windows-Sysmon/Operational");
	assert_string_equal(get(o, r, "Computer", 0), host);
	assert_string_equal(get(o, r, "Security_UserID", 0), "S-1-5-18");
	assert_string_equal(get(o, r, "Image", 0), "C:\\Windows\\System32\\cmd.exe");
	assert_string_equal(get(o, r, "LogonId", 0), "0x3e7");
	assert_null(get(o, r, "Missing", 0));                /* a NULL element is left out */
	assert_null(get(o, r, "Message", 0));                /* RenderingInfo is not kept */
	assert_null(get(o, r, "Provider", 0));               /* no text, attributes only */
	assert_null(get(o, r, "xmlns", 0));
	assert_int_equal(r->event_id, 1);
	assert_string_equal(r->channel, "Microsoft-Windows-Sysmon/Operational");
	assert_string_equal(r->provider, "Microsoft-Windows-Sysmon");
	assert_string_equal(r->host, host);
	assert_int_equal(r->record, 1000 + i);                  /* EventRecordID, not the header's number */
	/* UtcTime wins over TimeCreated, as in the JSON reader */
	int64_t want;
	assert_int_equal(wh_time_parse("2024-05-01T08:00:00.500Z", 24, &want), 0);
	assert_int_equal(r->time, want);
	/* UserData through a nested BinXML value: leaf elements by name */
	r = &o->recs[first_rec + 1];
	assert_string_equal(get(o, r, "EventID", 0), "1102");
	assert_string_equal(get(o, r, "SubjectUserName", 0), "admin01");
	assert_string_equal(get(o, r, "Deep", 0), "7");
	assert_null(get(o, r, "Nested", 0));
	assert_null(get(o, r, "LogFileCleared", 0));
	assert_int_equal(r->nfields, 3);
	/* a string array repeats its element; a NULL Binary is left out */
	r = &o->recs[first_rec + 2];
	assert_string_equal(get(o, r, "Data", 0), "one");
	assert_string_equal(get(o, r, "Data", 1), "");
	assert_string_equal(get(o, r, "Data", 2), "three");
	assert_null(get(o, r, "Binary", 0));
	assert_int_equal(r->event_id, -1);
	assert_int_equal(r->time, 1714550400000000000LL);    /* the record's own write time */
}

static void parse_shapes(void **state)
{
	(void)state;
	struct built f = build(6, NULL, 0, 0);
	struct wh_evtx_file_header h;
	assert_int_equal(wh_evtx_file_header_parse(f.b, f.len, &h), 0);
	assert_true(h.crc_ok);
	assert_int_equal(h.major, 3);
	assert_int_equal(h.chunk_count, 1);
	struct wh_evtx_chunk_header ch;
	assert_int_equal(wh_evtx_chunk_check(f.b + 4096, 65536, &ch), WH_EVTX_CHUNK_OK);
	assert_int_equal(ch.first_number, 1);
	assert_int_equal(ch.last_number, 6);
	struct wh_evtx_parser *p = wh_evtx_parser_new(1 << 20);
	struct wh_evtx_out o;
	wh_evtx_out_init(&o, 8 << 20);
	assert_int_equal(wh_evtx_parse_chunk(p, f.b + 4096, 65536, false, &o), 6);
	assert_int_equal(o.nerrs, 0);
	assert_int_equal(o.recs[0].offset, 512);
	check_shapes(&o, 0, 0);
	check_shapes(&o, 3, 3);   /* the same templates, now referenced, not inline */
	/* the same chunk again: the templates come from the file's cache */
	wh_evtx_out_reset(&o);
	assert_int_equal(wh_evtx_parse_chunk(p, f.b + 4096, 65536, false, &o), 6);
	check_shapes(&o, 3, 3);
	wh_evtx_out_release(&o);
	wh_evtx_parser_free(p);
	free(f.b);
}

/* Elements without dependency ids and records without templates read the same. */
static void parse_variants(void **state)
{
	(void)state;
	struct evtxw_opts nodep = { .no_dep_ids = true };
	struct built f = build(6, &nodep, 0, 0);
	struct wh_evtx_parser *p = wh_evtx_parser_new(1 << 20);
	struct wh_evtx_out o;
	wh_evtx_out_init(&o, 8 << 20);
	assert_int_equal(wh_evtx_parse_chunk(p, f.b + 4096, 65536, false, &o), 6);
	check_shapes(&o, 0, 0);
	free(f.b);
	struct evtxw_opts plain = { .plain = true };
	f = build(1, &plain, 0, 0);
	wh_evtx_out_reset(&o);
	assert_int_equal(wh_evtx_parse_chunk(p, f.b + 4096, 65536, false, &o), 1);
	const struct wh_evtx_rec *r = &o.recs[0];
	assert_string_equal(get(&o, r, "Image", 0), "C:\\Windows\\System32\\cmd.exe");
	assert_string_equal(get(&o, r, "Computer", 0), "ws0.corp");
	assert_string_equal(r->channel, "Microsoft-Windows-Sysmon/Operational");
	free(f.b);
	wh_evtx_out_release(&o);
	wh_evtx_parser_free(p);
}

static void chunk_checks(void **state)
{
	(void)state;
	struct built f = build(30, NULL, 0, 0);
	unsigned char *c = f.b + 4096;
	struct wh_evtx_chunk_header h;
	assert_int_equal(wh_evtx_chunk_check(c, 65536, &h), WH_EVTX_CHUNK_OK);
	c[h.free_off - 8] ^= 1;
	assert_int_equal(wh_evtx_chunk_check(c, 65536, &h), WH_EVTX_CHUNK_BAD_DATA_CRC);
	c[h.free_off - 8] ^= 1;
	c[130] ^= 1;
	assert_int_equal(wh_evtx_chunk_check(c, 65536, &h), WH_EVTX_CHUNK_BAD_HEADER_CRC);
	c[130] ^= 1;
	c[120] |= 4;   /* "no checksums": then none are checked */
	c[600] ^= 1;
	assert_int_equal(wh_evtx_chunk_check(c, 65536, &h), WH_EVTX_CHUNK_OK);
	c[600] ^= 1;
	c[120] &= ~4;
	uint32_t free_off = h.free_off;
	set32(c + 48, 70000);
	assert_int_equal(wh_evtx_chunk_check(c, 65536, &h), WH_EVTX_CHUNK_BAD_HEADER);
	set32(c + 48, free_off);
	c[0] = 'X';
	assert_int_equal(wh_evtx_chunk_check(c, 65536, &h), WH_EVTX_CHUNK_BAD_MAGIC);
	static unsigned char zero[65536];
	assert_int_equal(wh_evtx_chunk_check(zero, sizeof(zero), &h), WH_EVTX_CHUNK_UNUSED);
	free(f.b);
}

/* Slack records come back with carving only; a damaged block is carved. */
static void carving(void **state)
{
	(void)state;
	struct built f = build(9, NULL, 0, EVTXW_SLACK);
	struct wh_evtx_parser *p = wh_evtx_parser_new(1 << 20);
	struct wh_evtx_out o;
	wh_evtx_out_init(&o, 8 << 20);
	assert_int_equal(wh_evtx_parse_chunk(p, f.b + 4096, 65536, false, &o), 7);
	wh_evtx_out_reset(&o);
	assert_int_equal(wh_evtx_parse_chunk(p, f.b + 4096, 65536, true, &o), 9);
	assert_true(o.recs[7].carved && o.recs[8].carved && !o.recs[6].carved);
	check_shapes(&o, 6, 6);
	wh_evtx_out_reset(&o);
	memcpy(f.b + 4096, "garbage!", 8);
	assert_int_equal(wh_evtx_carve_block(p, f.b + 4096, 65536, &o), 9);
	check_shapes(&o, 0, 0);
	wh_evtx_out_release(&o);
	wh_evtx_parser_free(p);
	free(f.b);
}

/* A broken record is reported and skipped; the rest of the chunk is read. */
static void broken_record(void **state)
{
	(void)state;
	struct built f = build(6, NULL, 0, EVTXW_BAD_RECORD);
	struct wh_evtx_parser *p = wh_evtx_parser_new(1 << 20);
	struct wh_evtx_out o;
	wh_evtx_out_init(&o, 8 << 20);
	assert_int_equal(wh_evtx_parse_chunk(p, f.b + 4096, 65536, false, &o), 5);
	assert_int_equal(o.nerrs, 1);
	assert_non_null(strstr(o.errs[0].msg, "record 2 skipped"));
	wh_evtx_out_release(&o);
	wh_evtx_parser_free(p);
	free(f.b);
}

/* Every truncation and many corruptions of a chunk: no crash, no hang,
 * never more records than there are. ASan builds check the reads. */
static void hostile(void **state)
{
	(void)state;
	struct built f = build(12, NULL, 0, 0);
	struct wh_evtx_chunk_header h;
	wh_evtx_chunk_check(f.b + 4096, 65536, &h);
	struct wh_evtx_parser *p = wh_evtx_parser_new(1 << 20);
	struct wh_evtx_out o;
	wh_evtx_out_init(&o, 8 << 20);
	unsigned char *c = malloc(65536);
	for (uint32_t n = 0; n <= h.free_off; n += 13) {
		memcpy(c, f.b + 4096, n);
		wh_evtx_out_reset(&o);
		assert_true(wh_evtx_parse_chunk(p, c, n, true, &o) <= 12);
		wh_evtx_out_reset(&o);
		assert_true(wh_evtx_carve_block(p, c, n, &o) <= 12);
	}
	uint64_t seed = 42;
	for (int round = 0; round < 3000; round++) {
		memcpy(c, f.b + 4096, 65536);
		for (int k = 0; k < 1 + round % 4; k++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			uint32_t at = 512 + (uint32_t)(seed >> 33) % (h.free_off - 512);
			c[at] = (unsigned char)(seed >> 17);
		}
		wh_evtx_out_reset(&o);
		assert_true(wh_evtx_parse_chunk(p, c, 65536, true, &o) <= 12 + 12);
	}
	free(c);
	wh_evtx_out_release(&o);
	wh_evtx_parser_free(p);
	free(f.b);
}

/* The output cap holds: past it records are reported, not stored. */
static void output_cap(void **state)
{
	(void)state;
	struct built f = build(30, NULL, 0, 0);
	struct wh_evtx_parser *p = wh_evtx_parser_new(1 << 20);
	struct wh_evtx_out o;
	wh_evtx_out_init(&o, 300);
	size_t got = wh_evtx_parse_chunk(p, f.b + 4096, 65536, false, &o);
	assert_true(got < 30);
	assert_true(o.nerrs > 0);
	assert_true(o.text_bytes <= 300);
	wh_evtx_out_release(&o);
	wh_evtx_parser_free(p);
	free(f.b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fmt_strings),
		cmocka_unit_test(fmt_numbers),
		cmocka_unit_test(fmt_times_ids),
		cmocka_unit_test(fmt_arrays),
		cmocka_unit_test(parse_shapes),
		cmocka_unit_test(parse_variants),
		cmocka_unit_test(chunk_checks),
		cmocka_unit_test(carving),
		cmocka_unit_test(broken_record),
		cmocka_unit_test(hostile),
		cmocka_unit_test(output_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
