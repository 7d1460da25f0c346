/*
 * evtx_parse.c: EVTX chunks, records and BinXML, without I/O.
 *
 * How a record becomes fields. A record's BinXML is nearly always one
 * TemplateInstance: a reference to a template definition elsewhere in the
 * chunk, then the instance's substitution values. The definition is an
 * element tree with Substitution tokens where the values go. We compile a
 * definition once (per file, and per the context it is inserted in) into
 * a list of ops, each "a field named N whose value is these pieces"
 * (literal text and substitution numbers) or "substitution S may be a
 * nested BinXML fragment: read it in context C". Running the ops over an
 * instance's values formats each value once, straight into the output
 * text, with no tree built.
 *
 * The naming rules (docs/input-formats.md) are applied while compiling, by
 * tracking the context of each element: the Event root, System and its
 * children, EventData and its Data elements, UserData (leaf elements),
 * and contexts whose content is dropped (RenderingInfo, anything below a
 * field).
 *
 * Fragments that are not template instances (rare: some nested values,
 * hand-written files) are compiled the same way into a throw-away program
 * and run at once.
 *
 * Bounds: every offset and size read from the input is checked against the
 * chunk before use; elements nest at most MAX_DEPTH deep and fragments
 * MAX_NEST deep; the work per record (ops run) and per chunk (template
 * bytes compiled) is capped, so hostile input costs bounded time.
 */
#include "read/evtx_fmt.h"
#include "read/evtx_int.h"
#include "util/hash.h"
#include "util/wtime.h"
#include "util/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <isa-l/crc.h>

static const char empty[] = "";

/* ---- output ---- */

struct wh_evtx_text_block {
	struct wh_evtx_text_block *next;
	size_t size;
	char data[];
};

void wh_evtx_out_init(struct wh_evtx_out *o, size_t text_cap)
{
	memset(o, 0, sizeof(*o));
	o->text_cap = text_cap;
	wh_arena_init(&o->spill, 64 * 1024, 0);
}

void wh_evtx_out_reset(struct wh_evtx_out *o)
{
	o->nrecs = o->nfields = o->nerrs = 0;
	o->errs_dropped = 0;
	o->cur = o->blocks;
	o->tp = o->cur ? o->cur->data : NULL;
	o->tend = o->cur ? o->cur->data + o->cur->size : NULL;
	o->text_bytes = 0;
	wh_arena_reset(&o->spill);
}

void wh_evtx_out_release(struct wh_evtx_out *o)
{
	struct wh_evtx_text_block *b = o->blocks;
	while (b) {
		struct wh_evtx_text_block *nx = b->next;
		free(b);
		b = nx;
	}
	free(o->recs);
	free(o->fields);
	free(o->errs);
	wh_arena_release(&o->spill);
	memset(o, 0, sizeof(*o));
}

/* Room for `need` bytes of text, in the current block or the next; NULL past the cap. */
static char *text_grow(struct wh_evtx_out *o, size_t need)
{
	if (o->text_bytes + need > o->text_cap)
		return NULL;
	if (o->cur)
		o->text_bytes += (size_t)(o->tend - o->tp);   /* the rest of this block is lost */
	if (o->text_bytes + need > o->text_cap)
		return NULL;
	struct wh_evtx_text_block *nx = o->cur ? o->cur->next : o->blocks;
	if (!nx || nx->size < need) {
		size_t sz = need > TEXT_BLOCK ? need : TEXT_BLOCK;
		struct wh_evtx_text_block *b = wh_xmalloc(sizeof(*b) + sz);
		b->size = sz;
		b->next = nx;
		if (o->cur)
			o->cur->next = b;
		else
			o->blocks = b;
		nx = b;
	}
	o->cur = nx;
	o->tp = nx->data;
	o->tend = nx->data + nx->size;
	return o->tp;
}

static inline char *text_reserve(struct wh_evtx_out *o, size_t need)
{
	if (o->tp && (size_t)(o->tend - o->tp) >= need && o->text_bytes + need <= o->text_cap)
		return o->tp;
	return text_grow(o, need);
}

/* Keep len bytes written at o->tp, plus their NUL. */
static inline void text_commit(struct wh_evtx_out *o, size_t len)
{
	o->tp += len + 1;
	o->text_bytes += len + 1;
}

static void out_error(struct wh_evtx_out *o, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void out_error(struct wh_evtx_out *o, uint64_t off, const char *fmt, ...)
{
	if (o->nerrs >= MAX_ERRS) {
		o->errs_dropped++;
		return;
	}
	WH_GROW(o->errs, o->nerrs + 1, o->ecap);
	struct wh_evtx_err *e = &o->errs[o->nerrs++];
	e->offset = off;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

/* ---- file and chunk headers ---- */

int wh_evtx_file_header_parse(const unsigned char *b, size_t n, struct wh_evtx_file_header *h)
{
	if (n < 128 || memcmp(b, "ElfFile", 8) != 0)
		return -1;
	h->first_chunk = wh_le64(b + 8);
	h->last_chunk = wh_le64(b + 16);
	h->next_record = wh_le64(b + 24);
	h->header_size = wh_le32(b + 32);
	h->minor = wh_le16(b + 36);
	h->major = wh_le16(b + 38);
	h->block_size = wh_le16(b + 40);
	h->chunk_count = wh_le16(b + 42);
	h->flags = wh_le32(b + 120);
	h->crc_ok = crc32_gzip_refl(0, b, 120) == wh_le32(b + 124);
	return 0;
}

const char *wh_evtx_chunk_status_str(enum wh_evtx_chunk_status s)
{
	switch (s) {
	case WH_EVTX_CHUNK_OK: return "ok";
	case WH_EVTX_CHUNK_UNUSED: return "unused";
	case WH_EVTX_CHUNK_BAD_MAGIC: return "no chunk signature";
	case WH_EVTX_CHUNK_BAD_HEADER: return "chunk header out of bounds";
	case WH_EVTX_CHUNK_BAD_HEADER_CRC: return "chunk header checksum mismatch";
	case WH_EVTX_CHUNK_BAD_DATA_CRC: return "chunk records checksum mismatch";
	}
	return "?";
}

static bool all_zero(const unsigned char *c, size_t n)
{
	static const unsigned char zero[256];
	for (size_t i = 0; i < n; i += sizeof(zero)) {
		size_t k = n - i < sizeof(zero) ? n - i : sizeof(zero);
		if (memcmp(c + i, zero, k) != 0)
			return false;
	}
	return true;
}

enum wh_evtx_chunk_status wh_evtx_chunk_check(const unsigned char *c, size_t n,
					      struct wh_evtx_chunk_header *h)
{
	memset(h, 0, sizeof(*h));
	if (n < WH_EVTX_CHUNK_HEADER_SIZE || memcmp(c, "ElfChnk", 8) != 0)
		return all_zero(c, n) ? WH_EVTX_CHUNK_UNUSED : WH_EVTX_CHUNK_BAD_MAGIC;
	h->first_number = wh_le64(c + 8);
	h->last_number = wh_le64(c + 16);
	h->first_id = wh_le64(c + 24);
	h->last_id = wh_le64(c + 32);
	h->header_size = wh_le32(c + 40);
	h->last_record_off = wh_le32(c + 44);
	h->free_off = wh_le32(c + 48);
	h->data_crc = wh_le32(c + 52);
	h->flags = wh_le32(c + 120);
	h->header_crc = wh_le32(c + 124);
	if (h->free_off < WH_EVTX_CHUNK_HEADER_SIZE || h->free_off > n)
		return WH_EVTX_CHUNK_BAD_HEADER;
	/* Flag 4: the writer did not keep checksums. */
	if (h->flags & 4)
		return WH_EVTX_CHUNK_OK;
	/* CRC32 as zlib and gzip compute it (ISA-L's folded implementation). */
	uint32_t crc = crc32_gzip_refl(0, c, 120);
	crc = crc32_gzip_refl(crc, c + 128, WH_EVTX_CHUNK_HEADER_SIZE - 128);
	if (crc != h->header_crc)
		return WH_EVTX_CHUNK_BAD_HEADER_CRC;
	crc = crc32_gzip_refl(0, c + WH_EVTX_CHUNK_HEADER_SIZE, h->free_off - WH_EVTX_CHUNK_HEADER_SIZE);
	if (crc != h->data_crc)
		return WH_EVTX_CHUNK_BAD_DATA_CRC;
	return WH_EVTX_CHUNK_OK;
}

/* ---- the parser ---- */

struct wh_evtx_parser *wh_evtx_parser_new(size_t cache_cap)
{
	struct wh_evtx_parser *p = wh_xcalloc(1, sizeof(*p));
	wh_arena_init(&p->cache_arena, 256 * 1024, cache_cap);
	wh_arena_init(&p->scratch, 64 * 1024, 0);
	p->dep_ids = true;
	return p;
}

void wh_evtx_parser_free(struct wh_evtx_parser *p)
{
	if (!p)
		return;
	free(p->cache);
	wh_arena_release(&p->cache_arena);
	wh_arena_release(&p->scratch);
	free(p->b.str);
	free(p->b.pstack);
	free(p->b.pieces);
	free(p->b.ops);
	for (int i = 0; i <= MAX_NEST; i++)
		free(p->vals[i]);
	free(p);
}

int wh_evtx_fail(struct wh_evtx_parser *p, uint32_t off, const char *msg)
{
	if (!p->err) {
		p->err = msg;
		p->err_off = off;
	}
	return -1;
}

/* A fast hash of a template definition (word at a time; not for adversaries:
 * a collision costs wrong names in that file, never memory safety). */
static uint64_t def_hash(const unsigned char *b, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		h ^= wh_le64(b + i);
		h *= 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	uint64_t t = 0;
	for (size_t k = 0; i < n; i++, k++)
		t |= (uint64_t)b[i] << (8 * k);
	h ^= t;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 29;
	return h;
}

/* ---- templates ---- */

static struct prog bad_template;

static struct prog *cache_find(struct wh_evtx_parser *p, const unsigned char *guid, uint32_t size,
			       uint64_t h, uint8_t ctx)
{
	if (!p->ccap)
		return NULL;
	size_t mask = p->ccap - 1;
	for (size_t i = (size_t)(h ^ ctx) & mask;; i = (i + 1) & mask) {
		struct cache_ent *e = &p->cache[i];
		if (!e->prog)
			return NULL;
		if (e->hash == h && e->size == size && e->ctx == ctx && memcmp(e->guid, guid, 16) == 0)
			return e->prog;
	}
}

static void cache_add(struct wh_evtx_parser *p, const unsigned char *guid, uint32_t size, uint64_t h,
		      uint8_t ctx, struct prog *pg)
{
	if ((p->ccount + 1) * 2 > p->ccap) {
		size_t ncap = p->ccap ? p->ccap * 2 : 256;
		struct cache_ent *nc = wh_xcalloc(ncap, sizeof(*nc));
		for (size_t i = 0; i < p->ccap; i++) {
			struct cache_ent *e = &p->cache[i];
			if (!e->prog)
				continue;
			size_t j = (size_t)(e->hash ^ e->ctx) & (ncap - 1);
			while (nc[j].prog)
				j = (j + 1) & (ncap - 1);
			nc[j] = *e;
		}
		free(p->cache);
		p->cache = nc;
		p->ccap = ncap;
	}
	size_t mask = p->ccap - 1;
	size_t i = (size_t)(h ^ ctx) & mask;
	while (p->cache[i].prog)
		i = (i + 1) & mask;
	struct cache_ent *e = &p->cache[i];
	memcpy(e->guid, guid, 16);
	e->size = size;
	e->hash = h;
	e->ctx = ctx;
	e->prog = pg;
	p->ccount++;
}

/* The program for the template defined at chunk offset def (checked by the caller). */
static struct prog *template_prog(struct wh_evtx_parser *p, uint32_t def, uint8_t ctx)
{
	uint32_t key = def | (uint32_t)ctx << 24;
	uint32_t slot = (uint32_t)((key * 2654435761u) >> 22) & (TMAP_SIZE - 1);
	for (uint32_t i = 0; i < TMAP_SIZE; i++, slot = (slot + 1) & (TMAP_SIZE - 1)) {
		struct tmap_ent *e = &p->tmap[slot];
		if (e->gen != p->gen)
			break;
		if (e->key == key)
			return e->prog;
	}
	const unsigned char *guid = p->c + def + 4;
	uint32_t size = wh_le32(p->c + def + 20);
	uint32_t body = def + 24;
	uint64_t h = def_hash(p->c + body, size);
	struct prog *pg = cache_find(p, guid, size, h, ctx);
	if (!pg) {
		if (p->compiled > COMPILE_BUDGET) {
			pg = &bad_template;
		} else {
			p->compiled += size;
			wh_evtx_compile_reset(&p->b, ctx, true);
			uint32_t q = body;
			/* On failure p->err keeps the reason for this record; later
			 * records of the chunk find the bad mark in the map. */
			if (wh_evtx_compile_content(p, &q, body + size, true) < 0) {
				pg = &bad_template;
			} else {
				pg = wh_evtx_compile_finish(&p->b, &p->cache_arena, true);
				if (pg)
					cache_add(p, guid, size, h, ctx, pg);
				else
					pg = wh_evtx_compile_finish(&p->b, &p->out->spill, true);
			}
		}
	}
	if (p->tmap_count < TMAP_SIZE * 3 / 4) {
		for (;; slot = (slot + 1) & (TMAP_SIZE - 1)) {
			struct tmap_ent *e = &p->tmap[slot];
			if (e->gen != p->gen) {
				e->gen = p->gen;
				e->key = key;
				e->prog = pg;
				p->tmap_count++;
				break;
			}
		}
	}
	return pg;
}

/* ---- running programs ---- */

static int run_fragment(struct wh_evtx_parser *p, uint32_t pos, uint32_t end, uint8_t ctx, int nest);

static inline size_t fmt_bound(unsigned type, uint32_t size)
{
	if (type == WH_EVTX_STRING)
		return (size_t)size / 2 * 3 + 1;
	if (type >= WH_EVTX_INT8 && type <= WH_EVTX_HEX64 && type != WH_EVTX_BINARY &&
	    type != WH_EVTX_SID && type != WH_EVTX_ANSI && size <= 16)
		return 64;
	return wh_evtx_fmt_max(size);
}

/* Format one value at dst (room for fmt_bound bytes); returns the length. */
static inline size_t fmt_val(const struct val *v, char *dst)
{
	switch (v->type) {
	case WH_EVTX_STRING:
		return wh_evtx_utf16(v->p, v->size, dst);
	case WH_EVTX_NULL:
	case WH_EVTX_BINXML:
		dst[0] = '\0';
		return 0;
	default:
		return wh_evtx_fmt(v->type, v->p, v->size, dst);
	}
}

static void set_role(struct wh_evtx_parser *p, uint8_t role, const char *v, size_t vl,
		     const struct val *single)
{
	struct wh_evtx_rec *r = &p->rec;
	switch (role) {
	case ROLE_EVENTID: {
		int64_t id = 0;
		size_t i = 0;
		for (; i < vl && i < 10 && v[i] >= '0' && v[i] <= '9'; i++)
			id = id * 10 + (v[i] - '0');
		if (i == vl && vl > 0 && id <= INT32_MAX)
			r->event_id = (int32_t)id;
		break;
	}
	case ROLE_RECORDID: {
		/* Logs converted from ETW traces number their records apart from
		 * the EventRecordID they show; the event's own number wins. */
		uint64_t id = 0;
		size_t i = 0;
		for (; i < vl && i < 19 && v[i] >= '0' && v[i] <= '9'; i++)
			id = id * 10 + (uint64_t)(v[i] - '0');
		if (i == vl && vl > 0)
			r->record = id;
		break;
	}
	case ROLE_PROVIDER: r->provider = v; break;
	case ROLE_CHANNEL: r->channel = v; break;
	case ROLE_COMPUTER: r->host = v; break;
	case ROLE_TIME: {
		int64_t t;
		if (single && single->type == WH_EVTX_FILETIME && single->size == 8)
			p->t_created = wh_time_from_filetime(wh_le64(single->p));
		else if (wh_time_parse(v, vl, &t) == 0)
			p->t_created = t;
		break;
	}
	case ROLE_UTCTIME: {
		int64_t t;
		if (wh_time_parse(v, vl, &t) == 0)
			p->t_utc = t;
		break;
	}
	default: break;
	}
}

static int add_field(struct wh_evtx_parser *p, const char *n, size_t nl, const char *v, size_t vl)
{
	struct wh_evtx_out *o = p->out;
	if (o->nfields - p->rec.first >= WH_EVENT_MAX_FIELDS) {
		p->rec.truncated = true;
		return -1;
	}
	WH_GROW(o->fields, o->nfields + 1, o->fcap);
	struct wh_field *f = &o->fields[o->nfields++];
	f->name = n;
	f->nlen = (uint32_t)nl;
	f->value = v;
	f->vlen = (uint32_t)vl;
	return 0;
}

/* One field per item of an array value. */
static int add_array(struct wh_evtx_parser *p, const char *name, size_t nl, const struct val *v)
{
	struct wh_evtx_out *o = p->out;
	unsigned t = v->type & 0x7f;
	const unsigned char *b = v->p;
	size_t size = v->size;
	if (t == WH_EVTX_STRING) {
		/* Each item ends at its NUL; a last item without one still counts. */
		size_t i = 0;
		while (i + 2 <= size) {
			size_t j = i;
			while (j + 2 <= size && (b[j] | b[j + 1]))
				j += 2;
			char *dst = text_reserve(o, (j - i) / 2 * 3 + 1);
			if (!dst)
				return wh_evtx_fail(p, 0, "chunk expands past the output cap");
			size_t l = wh_evtx_utf16(b + i, j - i, dst);
			text_commit(o, l);
			add_field(p, name, nl, dst, l);
			i = j + 2;
		}
		return 0;
	}
	size_t is = wh_evtx_item_size(t);
	if (is == 0 || size % is) {
		/* Not a whole number of items: kept as one value, in hex. */
		char *dst = text_reserve(o, wh_evtx_fmt_max(size));
		if (!dst)
			return wh_evtx_fail(p, 0, "chunk expands past the output cap");
		size_t l = wh_evtx_fmt(v->type, b, size, dst);
		text_commit(o, l);
		add_field(p, name, nl, dst, l);
		return 0;
	}
	for (size_t i = 0; i < size; i += is) {
		char *dst = text_reserve(o, 64);
		if (!dst)
			return wh_evtx_fail(p, 0, "chunk expands past the output cap");
		size_t l = wh_evtx_fmt(t, b + i, is, dst);
		text_commit(o, l);
		add_field(p, name, nl, dst, l);
	}
	return 0;
}

static int run_nested(struct wh_evtx_parser *p, const struct val *v, uint8_t ctx, int nest)
{
	if (ctx == CTX_IGNORE || !v->size)
		return 0;
	if (nest >= MAX_NEST)
		return wh_evtx_fail(p, (uint32_t)(v->p - p->c), "BinXML values nested too deep");
	uint32_t at = (uint32_t)(v->p - p->c);
	return run_fragment(p, at, at + v->size, ctx, nest + 1);
}

static int run_prog(struct wh_evtx_parser *p, const struct prog *pg, const struct val *vals,
		    uint32_t nvals, int nest)
{
	struct wh_evtx_out *o = p->out;
	static const struct val none = { NULL, 0, WH_EVTX_NULL };
	for (uint32_t i = 0; i < pg->nops; i++) {
		const struct op *op = &pg->ops[i];
		if (!p->ops_left--)
			return wh_evtx_fail(p, 0, "record expands to too many fields");
		if (op->kind == OP_NESTED) {
			if (op->sub < nvals && vals[op->sub].type == WH_EVTX_BINXML)
				if (run_nested(p, &vals[op->sub], op->ctx, nest) < 0)
					return -1;
			continue;
		}
		if (p->rec.truncated)
			continue;
		const char *name = op->name, *v = empty;
		size_t nl = op->nlen, vl = 0;
		const struct val *single = NULL;
		if (op->flags & OPF_NAME_SUB) {
			const struct val *nv = op->name_sub < nvals ? &vals[op->name_sub] : &none;
			char *dst = text_reserve(o, fmt_bound(nv->type, nv->size));
			if (!dst)
				return wh_evtx_fail(p, 0, "chunk expands past the output cap");
			nl = fmt_val(nv, dst);
			name = dst;
			text_commit(o, nl);
			if (nl == 0) {
				name = "Data";
				nl = 4;
			}
		}
		if (op->npieces == 1) {
			const struct piece *pc = &pg->pieces[op->first];
			if (pc->sub == SUB_LIT) {
				if (pg->persistent) {
					v = pc->lit;
					vl = pc->len;
				} else {
					char *dst = text_reserve(o, pc->len + 1);
					if (!dst)
						return wh_evtx_fail(p, 0, "chunk expands past the output cap");
					memcpy(dst, pc->lit, pc->len);
					dst[pc->len] = '\0';
					v = dst;
					vl = pc->len;
					text_commit(o, vl);
				}
			} else {
				single = pc->sub < nvals ? &vals[pc->sub] : &none;
				if (single->type == WH_EVTX_BINXML) {
					if (run_nested(p, single, pc->ctx, nest) < 0)
						return -1;
				} else if (single->type == WH_EVTX_NULL) {
					/* A NULL value as the whole content: Windows leaves
					 * the element (or attribute) out. */
					continue;
				} else if (single->type & WH_EVTX_ARRAY) {
					/* Windows repeats the element once per item. */
					if (add_array(p, name, nl, single) < 0)
						return -1;
					continue;
				} else {
					char *dst = text_reserve(o, fmt_bound(single->type, single->size));
					if (!dst)
						return wh_evtx_fail(p, 0, "chunk expands past the output cap");
					vl = fmt_val(single, dst);
					v = dst;
					text_commit(o, vl);
				}
			}
		} else if (op->npieces > 1) {
			bool all_null = true;
			for (uint32_t k = 0; k < op->npieces && all_null; k++) {
				const struct piece *pc = &pg->pieces[op->first + k];
				all_null = pc->sub != SUB_LIT && (pc->sub >= nvals || vals[pc->sub].type == WH_EVTX_NULL);
			}
			if (all_null)
				continue;
			size_t need = 1;
			for (uint32_t k = 0; k < op->npieces; k++) {
				const struct piece *pc = &pg->pieces[op->first + k];
				const struct val *sv = pc->sub == SUB_LIT ? NULL : pc->sub < nvals ? &vals[pc->sub] : &none;
				need += sv ? fmt_bound(sv->type, sv->size) : pc->len;
			}
			char *dst = text_reserve(o, need);
			if (!dst)
				return wh_evtx_fail(p, 0, "chunk expands past the output cap");
			for (uint32_t k = 0; k < op->npieces; k++) {
				const struct piece *pc = &pg->pieces[op->first + k];
				if (pc->sub == SUB_LIT) {
					memcpy(dst + vl, pc->lit, pc->len);
					vl += pc->len;
					continue;
				}
				const struct val *sv = pc->sub < nvals ? &vals[pc->sub] : &none;
				if (sv->type == WH_EVTX_BINXML) {
					/* Nested output goes to the text too: finish ours first. */
					continue;
				}
				vl += fmt_val(sv, dst + vl);
			}
			dst[vl] = '\0';
			v = dst;
			text_commit(o, vl);
			for (uint32_t k = 0; k < op->npieces; k++) {
				const struct piece *pc = &pg->pieces[op->first + k];
				if (pc->sub != SUB_LIT && pc->sub < nvals && vals[pc->sub].type == WH_EVTX_BINXML)
					if (run_nested(p, &vals[pc->sub], pc->ctx, nest) < 0)
						return -1;
			}
		}
		if ((op->flags & OPF_SKIP_EMPTY) && vl == 0)
			continue;
		if (op->role)
			set_role(p, op->role, v, vl, single);
		add_field(p, name, nl, v, vl);
	}
	return 0;
}

/* A TemplateInstance token at *pos: its definition, its values, then its ops. */
static int run_template(struct wh_evtx_parser *p, uint32_t *pos, uint32_t end, uint8_t ctx, int nest)
{
	const unsigned char *c = p->c;
	uint32_t at = *pos;
	if (at + 10 > end)
		return wh_evtx_fail(p, at, "template instance past its record");
	uint32_t def = wh_le32(c + at + 6), q = at + 10;
	/* Definitions live among the records and start with a fragment
	 * header (or, from some writers, an element). */
	if (def < WH_EVTX_CHUNK_HEADER_SIZE || (uint64_t)def + 24 > p->n)
		return wh_evtx_fail(p, at, "template definition offset outside the records");
	uint32_t dsize = wh_le32(c + def + 20);
	if ((uint64_t)def + 24 + dsize > p->n)
		return wh_evtx_fail(p, def, "template definition runs past the chunk");
	if (dsize == 0 || (c[def + 24] != 0x0f && (c[def + 24] & 0xbf) != 0x01))
		return wh_evtx_fail(p, def, "template definition does not start with markup");
	if (def == q) {
		if ((uint64_t)q + 24 + dsize > end)
			return wh_evtx_fail(p, at, "template definition runs past its record");
		q += 24 + dsize;
	}
	struct prog *pg = template_prog(p, def, ctx);
	if (pg == &bad_template)
		return wh_evtx_fail(p, def, "template definition cannot be read");
	if (q + 4 > end)
		return wh_evtx_fail(p, q, "template values past the record");
	uint32_t count = wh_le32(c + q);
	q += 4;
	if (count > MAX_VALUES || (uint64_t)q + 4 * (uint64_t)count > end)
		return wh_evtx_fail(p, q, "template value count past the record");
	WH_GROW(p->vals[nest], count, p->vcap[nest]);
	struct val *vals = p->vals[nest];
	uint32_t d = q;
	q += 4 * count;
	for (uint32_t i = 0; i < count; i++) {
		uint32_t sz = wh_le16(c + d + 4 * i);
		if ((uint64_t)q + sz > end)
			return wh_evtx_fail(p, q, "template value past the record");
		vals[i].p = c + q;
		vals[i].size = sz;
		vals[i].type = c[d + 4 * i + 2];
		q += sz;
	}
	*pos = q;
	return run_prog(p, pg, vals, count, nest);
}

/* A BinXML fragment in c[pos..end), read in context ctx. */
static int run_fragment(struct wh_evtx_parser *p, uint32_t pos, uint32_t end, uint8_t ctx, int nest)
{
	const unsigned char *c = p->c;
	while (pos < end) {
		unsigned t = c[pos];
		if (t == 0x00)
			break;
		if (t == 0x0f) {
			pos += 4;
			continue;
		}
		if (t == 0x0c) {
			if (run_template(p, &pos, end, ctx, nest) < 0)
				return -1;
			continue;
		}
		if ((t & 0xbf) == 0x01) {
			/* Plain markup: compile it on the spot and run it. */
			wh_evtx_compile_reset(&p->b, ctx, false);
			if (wh_evtx_compile_element(p, &pos, end) < 0)
				return -1;
			struct prog *pg = wh_evtx_compile_finish(&p->b, &p->scratch, false);
			if (!pg)
				return wh_evtx_fail(p, pos, "fragment too large");
			if (run_prog(p, pg, NULL, 0, nest) < 0)
				return -1;
			continue;
		}
		snprintf(p->errbuf, sizeof(p->errbuf), "unexpected BinXML token 0x%02x", t);
		return wh_evtx_fail(p, pos, p->errbuf);
	}
	return 0;
}

/* ---- records and chunks ---- */

static void begin_chunk(struct wh_evtx_parser *p, const unsigned char *c, size_t n,
			struct wh_evtx_out *out)
{
	p->c = c;
	p->n = (uint32_t)n;
	p->out = out;
	p->compiled = 0;
	p->tmap_count = 0;
	if (++p->gen == 0) {
		memset(p->tmap, 0, sizeof(p->tmap));
		p->gen = 1;
	}
}

/* The record at c[off]: its size, or 0 when no record starts there (and
 * an error is added unless quiet). A record whose BinXML is broken is
 * reported and skipped, but its size is returned so reading goes on. */
static uint32_t parse_record(struct wh_evtx_parser *p, uint32_t off, bool quiet, bool carved)
{
	const unsigned char *c = p->c;
	struct wh_evtx_out *o = p->out;
	if ((uint64_t)off + WH_EVTX_RECORD_MIN > p->n || wh_le32(c + off) != 0x00002a2a)
		return 0;
	uint32_t size = wh_le32(c + off + 4);
	if (size < WH_EVTX_RECORD_MIN || (uint64_t)off + size > p->n) {
		if (!quiet)
			out_error(o, off, "record size %u does not fit the chunk", size);
		return 0;
	}
	if (wh_le32(c + off + size - 4) != size) {
		if (!quiet)
			out_error(o, off, "record size %u does not match its copy at the end", size);
		return 0;
	}
	memset(&p->rec, 0, sizeof(p->rec));
	p->rec.offset = off;
	p->rec.record = wh_le64(c + off + 8);
	p->rec.event_id = -1;
	p->rec.host = p->rec.channel = p->rec.provider = empty;
	p->rec.first = (uint32_t)o->nfields;
	p->rec.carved = carved;
	p->t_created = p->t_utc = WH_TIME_NONE;
	p->ops_left = MAX_OPS_PER_RECORD;
	p->err = NULL;
	wh_arena_reset(&p->scratch);
	struct wh_evtx_text_block *cur = o->cur;
	char *tp = o->tp, *tend = o->tend;
	size_t tb = o->text_bytes;
	if (run_fragment(p, off + 24, off + size - 4, CTX_DOC, 0) < 0) {
		o->nfields = p->rec.first;
		o->cur = cur;
		o->tp = tp;
		o->tend = tend;
		o->text_bytes = tb;
		if (!quiet)
			out_error(o, off, "record %llu skipped: %s (at offset %u of the chunk)",
				  (unsigned long long)p->rec.record, p->err ? p->err : "broken BinXML",
				  p->err_off);
		return quiet ? 0 : size;
	}
	p->rec.nfields = (uint32_t)(o->nfields - p->rec.first);
	if (p->t_utc != WH_TIME_NONE)
		p->rec.time = p->t_utc;
	else if (p->t_created != WH_TIME_NONE)
		p->rec.time = p->t_created;
	else
		p->rec.time = wh_time_from_filetime(wh_le64(c + off + 16));
	WH_GROW(o->recs, o->nrecs + 1, o->rcap);
	o->recs[o->nrecs++] = p->rec;
	return size;
}

/* The next record signature at or after `from` (before `to`), or 0. */
static uint32_t next_signature(const unsigned char *c, uint32_t from, uint32_t to)
{
	while (from + 4 <= to) {
		const unsigned char *s = memchr(c + from, 0x2a, to - from - 3);
		if (!s)
			return 0;
		uint32_t at = (uint32_t)(s - c);
		if (wh_le32(c + at) == 0x00002a2a)
			return at;
		from = at + 1;
	}
	return 0;
}

/* Records found in c[from..to) by their signature, size and size copy. */
static size_t carve_range(struct wh_evtx_parser *p, uint32_t from, uint32_t to)
{
	size_t got = 0;
	uint32_t at = from;
	while ((at = next_signature(p->c, at, to)) != 0) {
		size_t before = p->out->nrecs;
		uint32_t sz = parse_record(p, at, true, true);
		if (sz && p->out->nrecs > before) {
			got++;
			at += sz;
		} else {
			at += 1;
		}
	}
	return got;
}

size_t wh_evtx_parse_chunk(struct wh_evtx_parser *p, const unsigned char *c, size_t n, bool carve,
			   struct wh_evtx_out *out)
{
	if (n > WH_EVTX_CHUNK_SIZE)
		n = WH_EVTX_CHUNK_SIZE;
	if (n < WH_EVTX_CHUNK_HEADER_SIZE + WH_EVTX_RECORD_MIN)
		return 0;
	begin_chunk(p, c, n, out);
	size_t before = out->nrecs;
	uint32_t free_off = wh_le32(c + 48);
	if (free_off < WH_EVTX_CHUNK_HEADER_SIZE || free_off > n)
		free_off = (uint32_t)n;
	uint32_t off = WH_EVTX_CHUNK_HEADER_SIZE;
	while (off + WH_EVTX_RECORD_MIN <= free_off) {
		uint32_t sz = parse_record(p, off, false, false);
		if (sz) {
			off += sz;
			continue;
		}
		if (wh_le32(c + off) != 0x00002a2a)
			out_error(out, off, "no record where the chunk says one is");
		uint32_t nx = next_signature(c, off + 1, free_off);
		if (!nx)
			break;
		off = nx;
	}
	if (carve && free_off < n)
		carve_range(p, off > free_off ? off : free_off, (uint32_t)n);
	return out->nrecs - before;
}

size_t wh_evtx_carve_block(struct wh_evtx_parser *p, const unsigned char *c, size_t n,
			   struct wh_evtx_out *out)
{
	if (n > WH_EVTX_CHUNK_SIZE)
		n = WH_EVTX_CHUNK_SIZE;
	if (n < WH_EVTX_RECORD_MIN)
		return 0;
	begin_chunk(p, c, n, out);
	return carve_range(p, 0, (uint32_t)n);
}
