/*
 * evtxw.c: the EVTX writer behind tools/evtxgen (see evtxw.h).
 *
 * Layout written (all little-endian):
 *   file header  "ElfFile\0", first/last chunk, next record id, header
 *                size 128, version 3.1, block size 4096, chunk count,
 *                flags at 120, CRC32 of bytes 0..119 at 124; 4 KiB in all
 *   chunk        "ElfChnk\0", first/last record number and id, header size
 *                128, last record offset, free-space offset, CRC32 of the
 *                records at 52, flags at 120, CRC32 of bytes 0..119 and
 *                128..511 at 124; records from offset 512
 *   record       2a 2a 00 00, size, number, FILETIME, BinXML, size again
 */
#include "evtxw.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define CHUNK 65536u
#define MAX_NAMES 1024
#define MAX_TPLS 256
#define MAX_RECS 4096
#define POOL_CAP (4u << 20)

struct name_ent {
	const char *name;
	uint32_t off;
};

struct tpl_ent {
	const struct evtxw_tpl *t;
	uint32_t off;
};

struct evtxw {
	FILE *f;
	struct evtxw_opts o;
	unsigned char c[CHUNK];
	uint32_t pos;
	bool overflow;
	unsigned index;            /* of the chunk being filled */
	uint64_t next_num;         /* next record number, from 1 */
	uint64_t chunk_first;      /* first record number of this chunk */
	uint32_t rec_off[MAX_RECS];
	size_t nrec;
	struct name_ent names[MAX_NAMES];
	size_t nnames;
	struct tpl_ent tpls[MAX_TPLS];
	size_t ntpls;
	unsigned damage_at[64], damage_flags[64];
	size_t ndamage;
	bool io_error;
};

/* ---- bytes ---- */

static void put(struct evtxw *w, const void *b, size_t n)
{
	if (n == 0)
		return;
	if (w->overflow || w->pos + n > CHUNK) {
		w->overflow = true;
		return;
	}
	memcpy(w->c + w->pos, b, n);
	w->pos += (uint32_t)n;
}

static void put8(struct evtxw *w, unsigned v)
{
	unsigned char b = (unsigned char)v;
	put(w, &b, 1);
}

static void put16(struct evtxw *w, unsigned v)
{
	unsigned char b[2] = { (unsigned char)v, (unsigned char)(v >> 8) };
	put(w, b, 2);
}

static void put32(struct evtxw *w, uint32_t v)
{
	unsigned char b[4];
	for (int i = 0; i < 4; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	put(w, b, 4);
}

static void put64(struct evtxw *w, uint64_t v)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	put(w, b, 8);
}

static void set16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void set32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void set64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* UTF-8 to UTF-16LE units in out (room for strlen(s) units); returns the count. */
static size_t utf16(const char *s, uint16_t *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;
	while (*p) {
		uint32_t c = *p++;
		int more = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
		if (more)
			c &= 0x3f >> more;
		while (more-- && (*p & 0xc0) == 0x80)
			c = c << 6 | (*p++ & 0x3f);
		if (c >= 0x10000) {
			c -= 0x10000;
			out[n++] = (uint16_t)(0xd800 | c >> 10);
			out[n++] = (uint16_t)(0xdc00 | (c & 0x3ff));
		} else {
			out[n++] = (uint16_t)c;
		}
	}
	return n;
}

static void put_utf16(struct evtxw *w, const uint16_t *u, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put16(w, u[i]);
}

/* ---- names and templates of the current chunk ---- */

/* A name: its offset when the chunk has it, else the name inline. */
static void put_name(struct evtxw *w, const char *name)
{
	for (size_t i = 0; i < w->nnames; i++)
		if (strcmp(w->names[i].name, name) == 0) {
			put32(w, w->names[i].off);
			return;
		}
	uint32_t at = w->pos + 4;
	put32(w, at);
	size_t len = strlen(name);
	uint16_t *u = malloc((len + 1) * sizeof(*u));
	size_t n = utf16(name, u);
	uint32_t hash = 0;
	for (size_t i = 0; i < n; i++)
		hash = hash * 65599 + u[i];
	put32(w, 0);
	put16(w, hash & 0xffff);
	put16(w, (unsigned)n);
	put_utf16(w, u, n);
	put16(w, 0);
	free(u);
	if (w->nnames < MAX_NAMES)
		w->names[w->nnames++] = (struct name_ent){ name, at };
}

static void put_value(struct evtxw *w, const struct evtxw_val *v);

/* A value written as text (plain records have no substitutions). */
static void put_text_of(struct evtxw *w, const struct evtxw_val *v)
{
	char buf[64];
	uint64_t x = 0;
	if (v->type == 0x00)
		return;
	if (v->type == 0x01) {
		size_t units = v->len / 2;
		if (units && v->data[2 * units - 2] == 0 && v->data[2 * units - 1] == 0)
			units--;
		put8(w, 0x05);
		put8(w, 0x01);
		put16(w, (unsigned)units);
		put(w, v->data, 2 * units);
		return;
	}
	for (uint32_t i = 0; i < v->len && i < 8; i++)
		x |= (uint64_t)v->data[i] << (8 * i);
	if (v->type == 0x14 || v->type == 0x15)
		snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)x);
	else
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)x);
	uint16_t u[64];
	size_t n = utf16(buf, u);
	put8(w, 0x05);
	put8(w, 0x01);
	put16(w, (unsigned)n);
	put_utf16(w, u, n);
}

/* Template tokens as BinXML; plain: substitutions replaced by their values. */
static void put_tokens(struct evtxw *w, const struct evtxw_tpl *t, const struct evtxw_val *vals,
		       size_t nvals, bool plain)
{
	uint32_t size_at[64], attr_at[64];
	bool attrs[64];
	int depth = 0;
	for (size_t i = 0; i < t->ntoks; i++) {
		const struct evtxw_token *k = &t->toks[i];
		switch (k->kind) {
		case TK_OPEN:
			put8(w, k->has_attrs ? 0x41 : 0x01);
			if (!w->o.no_dep_ids)
				put16(w, 0xffff);
			size_at[depth] = w->pos;
			put32(w, 0);
			put_name(w, k->name);
			attrs[depth] = k->has_attrs;
			attr_at[depth] = w->pos;
			if (k->has_attrs)
				put32(w, 0);
			depth++;
			break;
		case TK_ATTR:
			put8(w, i + 2 < t->ntoks && t->toks[i + 2].kind == TK_ATTR ? 0x46 : 0x06);
			put_name(w, k->name);
			break;
		case TK_TEXT: {
			size_t len = strlen(k->text);
			uint16_t *u = malloc((len + 1) * sizeof(*u));
			size_t n = utf16(k->text, u);
			put8(w, 0x05);
			put8(w, 0x01);
			put16(w, (unsigned)n);
			put_utf16(w, u, n);
			free(u);
			break;
		}
		case TK_SUB:
			if (plain) {
				if (k->sub < nvals)
					put_text_of(w, &vals[k->sub]);
				break;
			}
			put8(w, k->optional ? 0x0e : 0x0d);
			put16(w, k->sub);
			put8(w, k->type);
			break;
		case TK_CLOSE_START:
		case TK_CLOSE_EMPTY:
			if (attrs[depth - 1] && !w->overflow)
				set32(w->c + attr_at[depth - 1], w->pos - attr_at[depth - 1] - 4);
			put8(w, k->kind == TK_CLOSE_START ? 0x02 : 0x03);
			if (k->kind == TK_CLOSE_EMPTY) {
				depth--;
				if (!w->overflow)
					set32(w->c + size_at[depth], w->pos - size_at[depth] - 4);
			}
			break;
		case TK_END:
			put8(w, 0x04);
			depth--;
			if (!w->overflow)
				set32(w->c + size_at[depth], w->pos - size_at[depth] - 4);
			break;
		}
	}
}

/* A template instance: the definition inline at its first use in the chunk. */
static void put_instance(struct evtxw *w, const struct evtxw_tpl *t, const struct evtxw_val *vals,
			 size_t nvals)
{
	put8(w, 0x0c);
	put8(w, 0x01);
	put32(w, t->id);
	size_t i;
	for (i = 0; i < w->ntpls && w->tpls[i].t != t; i++)
		;
	if (i < w->ntpls) {
		put32(w, w->tpls[i].off);
	} else {
		uint32_t def = w->pos + 4;
		put32(w, def);
		put32(w, 0);
		put(w, t->guid, 16);
		uint32_t size_at = w->pos;
		put32(w, 0);
		put8(w, 0x0f);
		put8(w, 0x01);
		put8(w, 0x01);
		put8(w, 0x00);
		put_tokens(w, t, NULL, 0, false);
		put8(w, 0x00);
		if (!w->overflow)
			set32(w->c + size_at, w->pos - size_at - 4);
		if (w->ntpls < MAX_TPLS)
			w->tpls[w->ntpls++] = (struct tpl_ent){ t, def };
	}
	put32(w, (uint32_t)nvals);
	uint32_t desc = w->pos;
	for (size_t k = 0; k < nvals; k++) {
		put16(w, 0);
		put8(w, vals[k].type);
		put8(w, 0);
	}
	for (size_t k = 0; k < nvals; k++) {
		uint32_t start = w->pos;
		put_value(w, &vals[k]);
		if (!w->overflow)
			set16(w->c + desc + 4 * k, w->pos - start);
	}
}

static void put_value(struct evtxw *w, const struct evtxw_val *v)
{
	if (v->type == 0x21 && v->tpl) {
		/* Nested BinXML: a fragment holding a template instance. */
		put8(w, 0x0f);
		put8(w, 0x01);
		put8(w, 0x01);
		put8(w, 0x00);
		put_instance(w, v->tpl, v->vals, v->nvals);
		put8(w, 0x00);
		return;
	}
	put(w, v->data, v->len);
}

/* ---- chunks and the file ---- */

static void damage_of(const struct evtxw *w, unsigned index, unsigned *flags)
{
	*flags = 0;
	for (size_t i = 0; i < w->ndamage; i++)
		if (w->damage_at[i] == index)
			*flags |= w->damage_flags[i];
}

static void begin_chunk(struct evtxw *w)
{
	memset(w->c, 0, CHUNK);
	w->pos = 512;
	w->nrec = w->nnames = w->ntpls = 0;
	w->chunk_first = w->next_num;
	w->overflow = false;
}

static void end_chunk(struct evtxw *w)
{
	if (!w->nrec)
		return;
	unsigned flags;
	damage_of(w, w->index, &flags);
	uint64_t first = w->chunk_first, last = w->next_num - 1;
	uint32_t free_off = w->pos, last_off = w->rec_off[w->nrec - 1];
	if ((flags & EVTXW_SLACK) && w->nrec > 2) {
		/* As after a rollback: the last two records are still there, but
		 * past the free-space offset. */
		free_off = w->rec_off[w->nrec - 2];
		last_off = w->rec_off[w->nrec - 3];
		last -= 2;
	}
	if ((flags & EVTXW_BAD_RECORD) && w->nrec > 1) {
		/* The second record's template points into the chunk header. */
		unsigned char *r = w->c + w->rec_off[1];
		if (r[24] == 0x0f && r[28] == 0x0c)
			set32(r + 34, 0x10);
	}
	memcpy(w->c, "ElfChnk", 8);
	set64(w->c + 8, first);
	set64(w->c + 16, last);
	set64(w->c + 24, first);
	set64(w->c + 32, last);
	set32(w->c + 40, 128);
	set32(w->c + 44, last_off);
	set32(w->c + 48, free_off);
	set32(w->c + 52, (uint32_t)crc32(0, w->c + 512, free_off - 512));
	set32(w->c + 120, 0);
	uint32_t h = (uint32_t)crc32(0, w->c, 120);
	h = (uint32_t)crc32(h, w->c + 128, 384);
	set32(w->c + 124, h);
	if (flags & EVTXW_BAD_CRC) {
		/* One bit of the first record's write time, after the checksum. */
		w->c[512 + 16] ^= 1;
	}
	if (flags & EVTXW_BAD_MAGIC)
		memcpy(w->c, "ElfJunk", 8);
	if (fwrite(w->c, 1, CHUNK, w->f) != CHUNK)
		w->io_error = true;
	w->index++;
}

struct evtxw *evtxw_open(FILE *f, const struct evtxw_opts *o)
{
	struct evtxw *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->f = f;
	if (o)
		w->o = *o;
	w->next_num = 1;
	static const unsigned char zero[4096];
	if (fwrite(zero, 1, sizeof(zero), f) != sizeof(zero))
		w->io_error = true;
	begin_chunk(w);
	return w;
}

void evtxw_damage(struct evtxw *w, unsigned index, unsigned flags)
{
	if (w->ndamage < 64) {
		w->damage_at[w->ndamage] = index;
		w->damage_flags[w->ndamage++] = flags;
	}
}

uint64_t evtxw_records(const struct evtxw *w)
{
	return w->next_num - 1;
}

static bool try_record(struct evtxw *w, const struct evtxw_tpl *t, const struct evtxw_val *vals,
		       size_t nvals, uint64_t time)
{
	if (w->nrec >= MAX_RECS)
		return false;
	uint32_t start = w->pos;
	size_t nn = w->nnames, nt = w->ntpls;
	put32(w, 0x00002a2a);
	put32(w, 0);
	put64(w, w->next_num);
	put64(w, time);
	put8(w, 0x0f);
	put8(w, 0x01);
	put8(w, 0x01);
	put8(w, 0x00);
	if (w->o.plain)
		put_tokens(w, t, vals, nvals, true);
	else
		put_instance(w, t, vals, nvals);
	put8(w, 0x00);
	/* Windows keeps records 8-byte aligned. */
	while (!w->overflow && (w->pos - start + 4) % 8)
		put8(w, 0);
	uint32_t size = w->pos - start + 4;
	put32(w, size);
	if (w->overflow) {
		memset(w->c + start, 0, CHUNK - start);
		w->pos = start;
		w->nnames = nn;
		w->ntpls = nt;
		w->overflow = false;
		return false;
	}
	set32(w->c + start + 4, size);
	w->rec_off[w->nrec++] = start;
	w->next_num++;
	return true;
}

int evtxw_record(struct evtxw *w, const struct evtxw_tpl *t, const struct evtxw_val *vals,
		 size_t nvals, uint64_t time)
{
	if (try_record(w, t, vals, nvals, time))
		return 0;
	end_chunk(w);
	begin_chunk(w);
	return try_record(w, t, vals, nvals, time) ? 0 : -1;
}

int evtxw_close(struct evtxw *w, bool dirty)
{
	end_chunk(w);
	unsigned char h[4096];
	memset(h, 0, sizeof(h));
	memcpy(h, "ElfFile", 8);
	set64(h + 8, 0);
	set64(h + 16, w->index ? w->index - 1 : 0);
	set64(h + 24, w->next_num);
	set32(h + 32, 128);
	set16(h + 36, 1);
	set16(h + 38, 3);
	set16(h + 40, 4096);
	set16(h + 42, dirty ? 1 : w->index);
	set32(h + 120, dirty ? 1 : 0);
	set32(h + 124, (uint32_t)crc32(0, h, 120));
	int rc = w->io_error ? -1 : 0;
	if (fseek(w->f, 0, SEEK_SET) != 0 || fwrite(h, 1, sizeof(h), w->f) != sizeof(h))
		rc = -1;
	free(w);
	return rc;
}

/* ---- templates ---- */

static struct evtxw_token *tok(struct evtxw_tpl *t)
{
	if (t->ntoks == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->toks = realloc(t->toks, t->cap * sizeof(*t->toks));
		if (!t->toks)
			abort();
	}
	struct evtxw_token *k = &t->toks[t->ntoks++];
	memset(k, 0, sizeof(*k));
	return k;
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* "{00112233-4455-6677-8899-AABBCCDDEEFF}" as the 16 bytes Windows stores. */
static void guid_bytes(const char *s, unsigned char *out)
{
	unsigned char raw[16];
	size_t n = 0;
	for (; *s && n < 32; s++) {
		int v = hexval(*s);
		if (v < 0)
			continue;
		if (n % 2 == 0)
			raw[n / 2] = (unsigned char)(v << 4);
		else
			raw[n / 2] |= (unsigned char)v;
		n++;
	}
	if (n < 32)
		memset(raw + n / 2, 0, 16 - n / 2);
	/* The first three groups are little-endian numbers. */
	out[0] = raw[3], out[1] = raw[2], out[2] = raw[1], out[3] = raw[0];
	out[4] = raw[5], out[5] = raw[4], out[6] = raw[7], out[7] = raw[6];
	memcpy(out + 8, raw + 8, 8);
}

void tpl_init(struct evtxw_tpl *t, uint32_t id, const char *guid_text)
{
	memset(t, 0, sizeof(*t));
	t->id = id;
	guid_bytes(guid_text, t->guid);
}

void tpl_release(struct evtxw_tpl *t)
{
	free(t->toks);
	memset(t, 0, sizeof(*t));
}

/* An element's start tag stays open for attributes until content or close. */
static void seal(struct evtxw_tpl *t)
{
	if (t->depth == 0)
		return;
	int at = t->open_at[t->depth - 1];
	if (at < 0)
		return;
	struct evtxw_token *o = &t->toks[at];
	o->has_attrs = false;
	for (size_t i = (size_t)at + 1; i < t->ntoks; i++)
		if (t->toks[i].kind == TK_ATTR)
			o->has_attrs = true;
	tok(t)->kind = TK_CLOSE_START;
	t->open_at[t->depth - 1] = -1;
}

void tpl_open(struct evtxw_tpl *t, const char *name)
{
	seal(t);
	struct evtxw_token *k = tok(t);
	k->kind = TK_OPEN;
	k->name = name;
	t->open_at[t->depth++] = (int)t->ntoks - 1;
}

void tpl_attr_text(struct evtxw_tpl *t, const char *name, const char *text)
{
	struct evtxw_token *k = tok(t);
	k->kind = TK_ATTR;
	k->name = name;
	k = tok(t);
	k->kind = TK_TEXT;
	k->text = text;
}

void tpl_attr_sub(struct evtxw_tpl *t, const char *name, uint16_t sub, uint8_t type, bool optional)
{
	struct evtxw_token *k = tok(t);
	k->kind = TK_ATTR;
	k->name = name;
	k = tok(t);
	k->kind = TK_SUB;
	k->sub = sub;
	k->type = type;
	k->optional = optional;
}

void tpl_text(struct evtxw_tpl *t, const char *text)
{
	seal(t);
	struct evtxw_token *k = tok(t);
	k->kind = TK_TEXT;
	k->text = text;
}

void tpl_sub(struct evtxw_tpl *t, uint16_t sub, uint8_t type, bool optional)
{
	seal(t);
	struct evtxw_token *k = tok(t);
	k->kind = TK_SUB;
	k->sub = sub;
	k->type = type;
	k->optional = optional;
}

void tpl_close(struct evtxw_tpl *t)
{
	int at = t->open_at[t->depth - 1];
	if (at >= 0) {
		/* Nothing was put inside: an empty element. */
		struct evtxw_token *o = &t->toks[at];
		o->has_attrs = (size_t)at + 1 < t->ntoks;
		tok(t)->kind = TK_CLOSE_EMPTY;
	} else {
		tok(t)->kind = TK_END;
	}
	t->depth--;
}

void tpl_leaf_sub(struct evtxw_tpl *t, const char *name, uint16_t sub, uint8_t type)
{
	tpl_open(t, name);
	tpl_sub(t, sub, type, true);
	tpl_close(t);
}

void tpl_data(struct evtxw_tpl *t, const char *name, uint16_t sub, uint8_t type)
{
	tpl_open(t, "Data");
	tpl_attr_text(t, "Name", name);
	tpl_sub(t, sub, type, true);
	tpl_close(t);
}

/* ---- values ---- */

void evtxw_pool_reset(struct evtxw_pool *p)
{
	if (!p->buf) {
		p->buf = malloc(POOL_CAP);
		p->cap = POOL_CAP;
		if (!p->buf)
			abort();
	}
	p->len = 0;
}

void evtxw_pool_release(struct evtxw_pool *p)
{
	free(p->buf);
	memset(p, 0, sizeof(*p));
}

static unsigned char *pool(struct evtxw_pool *p, size_t n)
{
	if (!p->buf)
		evtxw_pool_reset(p);
	if (p->len + n > p->cap)
		abort();   /* a generator bug: values of one record are small */
	unsigned char *r = p->buf + p->len;
	p->len += n;
	return r;
}

struct evtxw_val val_str(struct evtxw_pool *p, const char *utf8)
{
	size_t len = strlen(utf8);
	uint16_t *u = malloc((len + 1) * sizeof(*u));
	size_t n = utf16(utf8, u);
	unsigned char *b = pool(p, 2 * n + 2);
	for (size_t i = 0; i < n; i++)
		set16(b + 2 * i, u[i]);
	set16(b + 2 * n, 0);
	free(u);
	return (struct evtxw_val){ .type = 0x01, .data = b, .len = (uint32_t)(2 * n + 2) };
}

struct evtxw_val val_strs(struct evtxw_pool *p, const char *const *items, size_t count)
{
	size_t total = 0;
	for (size_t i = 0; i < count; i++)
		total += 2 * strlen(items[i]) + 2;
	unsigned char *b = pool(p, total), *q = b;
	for (size_t i = 0; i < count; i++) {
		uint16_t *u = malloc((strlen(items[i]) + 1) * sizeof(*u));
		size_t n = utf16(items[i], u);
		for (size_t k = 0; k < n; k++, q += 2)
			set16(q, u[k]);
		set16(q, 0);
		q += 2;
		free(u);
	}
	return (struct evtxw_val){ .type = 0x81, .data = b, .len = (uint32_t)(q - b) };
}

struct evtxw_val val_u(struct evtxw_pool *p, uint8_t type, uint64_t v)
{
	size_t n;
	switch (type & 0x7f) {
	case 0x03: case 0x04: n = 1; break;
	case 0x05: case 0x06: n = 2; break;
	case 0x07: case 0x08: case 0x0b: case 0x0d: case 0x14: n = 4; break;
	default: n = 8; break;
	}
	unsigned char *b = pool(p, n);
	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	return (struct evtxw_val){ .type = type, .data = b, .len = (uint32_t)n };
}

struct evtxw_val val_guid(struct evtxw_pool *p, const char *text)
{
	unsigned char *b = pool(p, 16);
	guid_bytes(text, b);
	return (struct evtxw_val){ .type = 0x0f, .data = b, .len = 16 };
}

struct evtxw_val val_sid(struct evtxw_pool *p, const char *text)
{
	/* S-R-A-S1-S2...: revision, count, 48-bit big-endian authority, subs */
	uint64_t parts[20];
	size_t n = 0;
	const char *s = text + 2;
	while (*s && n < 20) {
		char *end;
		parts[n++] = strtoull(s, &end, 10);
		s = *end == '-' ? end + 1 : end;
		if (!*end)
			break;
	}
	size_t subs = n >= 2 ? n - 2 : 0;
	unsigned char *b = pool(p, 8 + 4 * subs);
	b[0] = (unsigned char)parts[0];
	b[1] = (unsigned char)subs;
	for (int i = 0; i < 6; i++)
		b[2 + i] = (unsigned char)(parts[1] >> (8 * (5 - i)));
	for (size_t i = 0; i < subs; i++)
		set32(b + 8 + 4 * i, (uint32_t)parts[2 + i]);
	return (struct evtxw_val){ .type = 0x13, .data = b, .len = (uint32_t)(8 + 4 * subs) };
}

struct evtxw_val val_bin(struct evtxw_pool *p, const void *data, size_t n)
{
	unsigned char *b = pool(p, n);
	memcpy(b, data, n);
	return (struct evtxw_val){ .type = 0x0e, .data = b, .len = (uint32_t)n };
}

struct evtxw_val val_systime(struct evtxw_pool *p, unsigned y, unsigned mo, unsigned d, unsigned h,
			     unsigned mi, unsigned s, unsigned ms)
{
	unsigned char *b = pool(p, 16);
	unsigned f[8] = { y, mo, 0, d, h, mi, s, ms };
	for (int i = 0; i < 8; i++)
		set16(b + 2 * i, f[i]);
	return (struct evtxw_val){ .type = 0x12, .data = b, .len = 16 };
}

struct evtxw_val val_null(void)
{
	return (struct evtxw_val){ .type = 0x00 };
}

struct evtxw_val val_nested(const struct evtxw_tpl *t, const struct evtxw_val *vals, size_t n)
{
	return (struct evtxw_val){ .type = 0x21, .tpl = t, .vals = vals, .nvals = n };
}
