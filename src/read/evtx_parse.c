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
#include "read/evtx_parse.h"
#include "read/evtx_fmt.h"
#include "util/hash.h"
#include "util/wtime.h"
#include "util/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <isa-l/crc.h>

#define SUB_LIT 0xffffu
#define MAX_NEST 8                /* nested BinXML fragments in one record */
#define MAX_DEPTH 64              /* element nesting */
#define MAX_VALUES 8192           /* substitution values of one instance */
#define MAX_OPS_PER_RECORD 65536  /* ops run for one record, nested included */
#define COMPILE_BUDGET (8u * WH_EVTX_CHUNK_SIZE)  /* template bytes compiled per chunk */
#define TMAP_SIZE 1024            /* templates remembered per chunk (power of two) */
#define MAX_BUILD_TEXT (1u << 20) /* names and literals of one program */
#define MAX_ERRS 4096             /* error messages kept per chunk */
#define TEXT_BLOCK (256u * 1024)

enum ctx {
	CTX_DOC,        /* outside any element */
	CTX_EVENT,      /* in <Event> */
	CTX_SYSTEM,     /* in <System> */
	CTX_SYSITEM,    /* in a child of <System>: its text and attributes are fields */
	CTX_EVENTDATA,  /* in <EventData> */
	CTX_DATA,       /* in <Data> (or another child of EventData): its text is a field */
	CTX_USERDATA,   /* in <UserData> or below: leaf elements are fields */
	CTX_IGNORE,     /* content dropped */
};

enum role { ROLE_NONE, ROLE_EVENTID, ROLE_PROVIDER, ROLE_CHANNEL, ROLE_COMPUTER, ROLE_TIME,
	    ROLE_UTCTIME, ROLE_RECORDID };

enum op_kind { OP_FIELD, OP_NESTED };

enum op_flags {
	OPF_SKIP_EMPTY = 1,   /* no field when the value is empty (attributes, System items) */
	OPF_NAME_SUB = 2,     /* the name is the text of substitution name_sub */
};

struct piece {
	const char *lit;      /* literal text (SUB_LIT) */
	uint32_t len;
	uint16_t sub;         /* substitution number, or SUB_LIT */
	uint8_t ctx;          /* where a nested fragment in this value would be read */
};

struct op {
	const char *name;
	uint32_t nlen;
	uint32_t first;       /* pieces[first .. first + npieces) */
	uint32_t npieces;
	uint16_t sub;         /* OP_NESTED: the substitution */
	uint16_t name_sub;
	uint8_t kind, role, flags, ctx;
};

struct prog {
	const struct op *ops;
	const struct piece *pieces;
	uint32_t nops;
	bool persistent;      /* lives as long as the events: literals may be pointed at */
	const char *err;      /* a definition that does not compile (remembered per chunk) */
};

struct val {
	const unsigned char *p;
	uint32_t size;
	uint8_t type;
};

struct cache_ent {
	unsigned char guid[16];
	uint32_t size;
	uint8_t ctx;
	uint64_t hash;
	struct prog *prog;
};

struct tmap_ent {
	uint32_t gen;
	uint32_t key;
	struct prog *prog;
};

/* ---- the program builder ---- */

struct bpiece {
	uint32_t lit;        /* offset in b->str */
	uint32_t len;
	uint16_t sub;
	uint8_t ctx;
};

struct bop {
	uint32_t name, nlen; /* offset in b->str */
	uint32_t first, npieces;
	uint16_t sub, name_sub;
	uint8_t kind, role, flags, ctx;
};

struct frame {
	uint8_t ctx;
	bool has_child;
	bool has_attr;
	bool name_sub;           /* the field name is substitution fname_sub */
	uint16_t fname_sub;
	uint32_t piece_base;     /* this element's pieces start here in pstack */
	uint32_t name, nlen;     /* element name in b->str */
	uint32_t fname, fnlen;   /* field name (Data's Name attribute) in b->str */
};

struct builder {
	char *str;
	size_t slen, scap;
	struct bpiece *pstack;
	size_t psp, pscap;
	struct bpiece *pieces;
	size_t np, pcap;
	struct bop *ops;
	size_t nops, ocap;
	struct frame frames[MAX_DEPTH + 1];
	int depth;
	bool template_mode;      /* substitution tokens allowed */
};

struct wh_evtx_parser {
	/* The chunk being read */
	const unsigned char *c;
	uint32_t n;
	uint32_t gen;
	uint32_t compiled;       /* template bytes compiled in this chunk */
	uint32_t tmap_count;
	struct tmap_ent tmap[TMAP_SIZE];
	bool dep_ids;            /* elements carry a dependency id (learned, per chunk) */
	/* Templates of the file */
	struct cache_ent *cache;
	size_t ccap, ccount;
	struct wh_arena cache_arena;
	struct builder b;
	struct wh_arena scratch; /* throw-away programs of one record */
	struct val *vals[MAX_NEST + 1];
	size_t vcap[MAX_NEST + 1];
	/* The record being read */
	struct wh_evtx_out *out;
	struct wh_evtx_rec rec;
	int64_t t_created, t_utc;
	uint32_t ops_left;
	const char *err;
	uint32_t err_off;
	char errbuf[96];
};

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

static int fail(struct wh_evtx_parser *p, uint32_t off, const char *msg)
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

/* ---- builder helpers ---- */

/* Append bytes to the builder's text, NUL-terminated; returns the offset or -1. */
static int64_t b_str(struct builder *b, const char *s, size_t n)
{
	if (b->slen + n + 1 > MAX_BUILD_TEXT)
		return -1;
	WH_GROW(b->str, b->slen + n + 1, b->scap);
	size_t at = b->slen;
	memcpy(b->str + at, s, n);
	b->str[at + n] = '\0';
	b->slen += n + 1;
	return (int64_t)at;
}

/* Room for n more bytes of text at the end (written by the caller, then b_str_done). */
static char *b_str_room(struct builder *b, size_t n)
{
	if (b->slen + n + 1 > MAX_BUILD_TEXT)
		return NULL;
	WH_GROW(b->str, b->slen + n + 1, b->scap);
	return b->str + b->slen;
}

static uint32_t b_str_done(struct builder *b, size_t len)
{
	size_t at = b->slen;
	b->str[at + len] = '\0';
	b->slen += len + 1;
	return (uint32_t)at;
}

static void b_push_piece(struct builder *b, uint32_t lit, uint32_t len, uint16_t sub, uint8_t ctx)
{
	WH_GROW(b->pstack, b->psp + 1, b->pscap);
	b->pstack[b->psp++] = (struct bpiece){ lit, len, sub, ctx };
}

static struct bop *b_op(struct builder *b)
{
	WH_GROW(b->ops, b->nops + 1, b->ocap);
	struct bop *o = &b->ops[b->nops++];
	memset(o, 0, sizeof(*o));
	return o;
}

/* An op whose pieces are pstack[from .. psp). */
static void b_field(struct builder *b, uint32_t name, uint32_t nlen, size_t from, uint8_t flags,
		    uint8_t role)
{
	size_t k = b->psp - from;
	WH_GROW(b->pieces, b->np + k, b->pcap);
	memcpy(b->pieces + b->np, b->pstack + from, k * sizeof(struct bpiece));
	struct bop *o = b_op(b);
	o->kind = OP_FIELD;
	o->name = name;
	o->nlen = nlen;
	o->first = (uint32_t)b->np;
	o->npieces = (uint32_t)k;
	o->flags = flags;
	o->role = role;
	b->np += k;
}

static bool name_is(const struct builder *b, uint32_t off, uint32_t len, const char *lit)
{
	size_t ll = strlen(lit);
	return len == ll && memcmp(b->str + off, lit, ll) == 0;
}

static uint8_t ctx_enter(uint8_t parent, const struct builder *b, uint32_t name, uint32_t nlen)
{
	switch (parent) {
	case CTX_DOC:
		return name_is(b, name, nlen, "Event") ? CTX_EVENT : CTX_USERDATA;
	case CTX_EVENT:
		if (name_is(b, name, nlen, "System"))
			return CTX_SYSTEM;
		if (name_is(b, name, nlen, "EventData"))
			return CTX_EVENTDATA;
		if (name_is(b, name, nlen, "RenderingInfo"))
			return CTX_IGNORE;
		return CTX_USERDATA;   /* UserData, ProcessingErrorData, DebugData ... */
	case CTX_SYSTEM: return CTX_SYSITEM;
	case CTX_EVENTDATA: return CTX_DATA;
	case CTX_USERDATA: return CTX_USERDATA;
	default: return CTX_IGNORE;
	}
}

/* ---- reading BinXML pieces ---- */

/*
 * A name structure at chunk offset `at`: next offset (4), hash (2), count
 * (2), count UTF-16 units, NUL (2). When it sits right where the reader is
 * (*pos == at) it is inline and *pos moves past it. Returns its UTF-8 text
 * offset in b->str and length, or -1.
 */
static int read_name(struct wh_evtx_parser *p, uint32_t at, uint32_t *pos, uint32_t end,
		     uint32_t *off, uint32_t *len)
{
	const unsigned char *c = p->c;
	if ((uint64_t)at + 8 > p->n)
		return fail(p, *pos, "name offset outside the chunk");
	uint32_t count = wh_le16(c + at + 6);
	uint64_t stop = (uint64_t)at + 8 + 2 * (uint64_t)count + 2;
	if (stop > p->n)
		return fail(p, at, "name runs past the chunk");
	if (at == *pos) {
		if (stop > end)
			return fail(p, at, "inline name runs past its fragment");
		*pos = (uint32_t)stop;
	}
	char *dst = b_str_room(&p->b, 3 * (size_t)count);
	if (!dst)
		return fail(p, at, "template too large");
	size_t l = wh_evtx_utf16(c + at + 8, 2 * (size_t)count, dst);
	*off = b_str_done(&p->b, l);
	*len = (uint32_t)l;
	return 0;
}

/* Whether a name structure can sit at `at` for an element whose name field ends at `q`. */
static bool name_plausible(const struct wh_evtx_parser *p, uint32_t at, uint32_t q, uint32_t start,
			   uint32_t end)
{
	if ((uint64_t)at + 10 > p->n || at < WH_EVTX_CHUNK_HEADER_SIZE)
		return false;     /* names live among the records, after the chunk header */
	if (at != q && at >= start)
		return false;     /* a shared name was written before its first use */
	uint32_t count = wh_le16(p->c + at + 6);
	if (count == 0)
		return false;
	uint64_t stop = (uint64_t)at + 8 + 2 * (uint64_t)count;
	if (stop + 2 > p->n || (at == q && stop + 2 > end))
		return false;
	return wh_le16(p->c + stop) == 0;
}

static int c_content(struct wh_evtx_parser *p, uint32_t *pos, uint32_t end, bool top);

/* A literal text piece of UTF-16 (units at c[at], count units) for the current element. */
static int c_text(struct wh_evtx_parser *p, uint32_t at, uint32_t count)
{
	struct builder *b = &p->b;
	struct frame *f = &b->frames[b->depth];
	if (f->ctx != CTX_SYSITEM && f->ctx != CTX_DATA && f->ctx != CTX_USERDATA)
		return 0;
	if (b->depth == 0)
		return 0;   /* text around a nested fragment belongs to its parent */
	char *dst = b_str_room(b, 3 * (size_t)count);
	if (!dst)
		return fail(p, at, "template too large");
	size_t l = wh_evtx_utf16(p->c + at, 2 * (size_t)count, dst);
	uint32_t o = b_str_done(b, l);
	b_push_piece(b, o, (uint32_t)l, SUB_LIT, CTX_IGNORE);
	return 0;
}

static int c_lit(struct wh_evtx_parser *p, const char *s, size_t n)
{
	struct builder *b = &p->b;
	struct frame *f = &b->frames[b->depth];
	if (b->depth == 0 ||
	    (f->ctx != CTX_SYSITEM && f->ctx != CTX_DATA && f->ctx != CTX_USERDATA))
		return 0;
	int64_t o = b_str(b, s, n);
	if (o < 0)
		return fail(p, 0, "template too large");
	b_push_piece(b, (uint32_t)o, (uint32_t)n, SUB_LIT, CTX_IGNORE);
	return 0;
}

static size_t utf8_put(char *out, uint32_t c)
{
	if (c == 0 || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		c = 0xfffd;
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | c >> 12);
		out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | c >> 18);
	out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* A substitution token in the current element. */
static int c_subst(struct wh_evtx_parser *p, uint16_t id, uint8_t type)
{
	struct builder *b = &p->b;
	struct frame *f = &b->frames[b->depth];
	if (!b->template_mode)
		return 0;   /* no values outside a template: nothing to put there */
	uint8_t ctx = f->ctx;
	if (b->depth > 0) {
		switch (ctx) {
		case CTX_SYSITEM:
		case CTX_DATA:
			b_push_piece(b, 0, 0, id, CTX_IGNORE);
			return 0;
		case CTX_USERDATA:
			if ((type & 0x7f) == WH_EVTX_BINXML) {
				f->has_child = true;
				break;
			}
			b_push_piece(b, 0, 0, id, CTX_USERDATA);
			return 0;
		default:
			break;
		}
	}
	if (ctx == CTX_IGNORE)
		return 0;
	/* Where no text is kept, a value can still be a nested fragment. */
	struct bop *o = b_op(b);
	o->kind = OP_NESTED;
	o->sub = id;
	o->ctx = f->ctx;
	return 0;
}

/* Value-like tokens (text, substitution, references, CDATA) at *pos. */
static int c_value_token(struct wh_evtx_parser *p, uint32_t *pos, uint32_t end)
{
	const unsigned char *c = p->c;
	uint32_t at = *pos;
	unsigned tok = c[at] & 0xbf;
	char tmp[16];
	switch (tok) {
	case 0x05: {   /* Value: type, then a UTF-16 string with a unit count */
		if (at + 4 > end)
			return fail(p, at, "value token past its fragment");
		unsigned type = c[at + 1];
		if (type != WH_EVTX_STRING)
			return fail(p, at, "value token of a type other than string");
		uint32_t count = wh_le16(c + at + 2);
		if ((uint64_t)at + 4 + 2 * (uint64_t)count > end)
			return fail(p, at, "value text past its fragment");
		*pos = at + 4 + 2 * count;
		return c_text(p, at + 4, count);
	}
	case 0x07: {   /* CDATA */
		if (at + 3 > end)
			return fail(p, at, "CDATA past its fragment");
		uint32_t count = wh_le16(c + at + 1);
		if ((uint64_t)at + 3 + 2 * (uint64_t)count > end)
			return fail(p, at, "CDATA past its fragment");
		*pos = at + 3 + 2 * count;
		return c_text(p, at + 3, count);
	}
	case 0x08: {   /* character reference */
		if (at + 3 > end)
			return fail(p, at, "character reference past its fragment");
		*pos = at + 3;
		return c_lit(p, tmp, utf8_put(tmp, wh_le16(c + at + 1)));
	}
	case 0x09: {   /* entity reference: &name; */
		if (at + 5 > end)
			return fail(p, at, "entity reference past its fragment");
		uint32_t q = at + 5, no, nl;
		size_t mark = p->b.slen;
		if (read_name(p, wh_le32(c + at + 1), &q, end, &no, &nl) < 0)
			return -1;
		*pos = q;
		static const char *const ents[][2] = {
			{ "lt", "<" }, { "gt", ">" }, { "amp", "&" }, { "quot", "\"" }, { "apos", "'" },
		};
		const char *txt = NULL;
		for (size_t i = 0; i < sizeof(ents) / sizeof(ents[0]); i++)
			if (name_is(&p->b, no, nl, ents[i][0]))
				txt = ents[i][1];
		if (txt) {
			p->b.slen = mark;
			return c_lit(p, txt, 1);
		}
		char buf[80];
		int k = snprintf(buf, sizeof(buf), "&%.64s;", p->b.str + no);
		p->b.slen = mark;
		return c_lit(p, buf, (size_t)k < sizeof(buf) ? (size_t)k : sizeof(buf) - 1);
	}
	case 0x0d:
	case 0x0e:     /* normal and optional substitution: id, type */
		if (at + 4 > end)
			return fail(p, at, "substitution past its fragment");
		*pos = at + 4;
		return c_subst(p, wh_le16(c + at + 1), c[at + 3]);
	default:
		return fail(p, at, "unexpected token in a value");
	}
}

static bool is_value_token(unsigned t)
{
	t &= 0xbf;
	return t == 0x05 || t == 0x07 || t == 0x08 || t == 0x09 || t == 0x0d || t == 0x0e;
}

/* An attribute of the element in frame f. */
static int c_attribute(struct wh_evtx_parser *p, uint32_t *pos, uint32_t end)
{
	struct builder *b = &p->b;
	const unsigned char *c = p->c;
	uint32_t at = *pos;
	if (at + 5 > end)
		return fail(p, at, "attribute past its fragment");
	uint32_t q = at + 5, an, al;
	if (read_name(p, wh_le32(c + at + 1), &q, end, &an, &al) < 0)
		return -1;
	struct frame *f = &b->frames[b->depth];
	f->has_attr = true;
	uint8_t saved = f->ctx;
	size_t base = b->psp;
	/* Attribute values are kept only where they become fields; the
	 * context is switched so that c_subst and c_text keep their pieces. */
	bool keep = saved == CTX_SYSITEM || (saved == CTX_DATA && name_is(b, an, al, "Name"));
	f->ctx = keep ? CTX_DATA : CTX_IGNORE;
	while (q < end && is_value_token(c[q]))
		if (c_value_token(p, &q, end) < 0)
			return -1;
	f->ctx = saved;
	*pos = q;
	if (!keep)
		return 0;
	if (saved == CTX_SYSITEM) {
		/* Element_Attribute */
		char *dst = b_str_room(b, (size_t)f->nlen + 1 + al);
		if (!dst)
			return fail(p, at, "template too large");
		memcpy(dst, b->str + f->name, f->nlen);
		dst[f->nlen] = '_';
		memcpy(dst + f->nlen + 1, b->str + an, al);
		uint32_t nl = f->nlen + 1 + al;
		uint32_t no = b_str_done(b, nl);
		uint8_t role = name_is(b, no, nl, "Provider_Name")            ? ROLE_PROVIDER
			       : name_is(b, no, nl, "TimeCreated_SystemTime") ? ROLE_TIME
									: ROLE_NONE;
		b_field(b, no, nl, base, OPF_SKIP_EMPTY, role);
		b->psp = base;
		return 0;
	}
	/* Data Name="...": the field's name, literal or a substitution. */
	size_t k = b->psp - base;
	if (k == 1 && b->pstack[base].sub != SUB_LIT) {
		f->name_sub = true;
		f->fname_sub = b->pstack[base].sub;
	} else {
		size_t total = 0;
		for (size_t i = base; i < b->psp; i++)
			total += b->pstack[i].sub == SUB_LIT ? b->pstack[i].len : 0;
		char *dst = b_str_room(b, total);
		if (!dst)
			return fail(p, at, "template too large");
		size_t o = 0;
		for (size_t i = base; i < b->psp; i++)
			if (b->pstack[i].sub == SUB_LIT) {
				memcpy(dst + o, b->str + b->pstack[i].lit, b->pstack[i].len);
				o += b->pstack[i].len;
			}
		f->fname = b_str_done(b, o);
		f->fnlen = (uint32_t)o;
	}
	b->psp = base;
	return 0;
}

/* The element at *pos (an OpenStartElement token). */
static int c_element(struct wh_evtx_parser *p, uint32_t *pos, uint32_t end)
{
	struct builder *b = &p->b;
	const unsigned char *c = p->c;
	uint32_t at = *pos;
	bool has_attrs = c[at] & 0x40;
	if (b->depth >= MAX_DEPTH)
		return fail(p, at, "elements nested too deep");
	/* token, [dependency id (2)], data size (4), name offset (4). Some
	 * writers leave the dependency id out; which layout holds is decided
	 * by where the name offset points. */
	uint32_t q1 = at + 11, q0 = at + 9, q;
	bool with = p->dep_ids;
	uint32_t qa = with ? q1 : q0, qb = with ? q0 : q1;
	if (qa <= end && name_plausible(p, wh_le32(c + qa - 4), qa, at, end)) {
		q = qa;
	} else if (qb <= end && name_plausible(p, wh_le32(c + qb - 4), qb, at, end)) {
		q = qb;
		p->dep_ids = !with;
	} else {
		return fail(p, at, "element name offset is not valid");
	}
	uint32_t name, nlen;
	if (read_name(p, wh_le32(c + q - 4), &q, end, &name, &nlen) < 0)
		return -1;
	if (has_attrs) {
		if (q + 4 > end)
			return fail(p, at, "attribute list past its fragment");
		q += 4;
	}
	struct frame *parent = &b->frames[b->depth];
	parent->has_child = true;
	struct frame *f = &b->frames[++b->depth];
	memset(f, 0, sizeof(*f));
	f->ctx = ctx_enter(parent->ctx, b, name, nlen);
	f->name = name;
	f->nlen = nlen;
	f->fname = name;
	f->fnlen = nlen;
	f->piece_base = (uint32_t)b->psp;
	while (q < end && (c[q] & 0xbf) == 0x06)
		if (c_attribute(p, &q, end) < 0)
			return -1;
	if (q >= end)
		return fail(p, at, "element not closed");
	if (c[q] == 0x02) {
		q++;
		if (c_content(p, &q, end, false) < 0)
			return -1;
	} else if (c[q] == 0x03) {
		q++;
	} else {
		return fail(p, q, "expected the end of a start tag");
	}
	*pos = q;
	/* The element is complete: its field, if it makes one. */
	switch (f->ctx) {
	case CTX_SYSITEM: {
		uint8_t role = name_is(b, f->name, f->nlen, "EventID")   ? ROLE_EVENTID
			       : name_is(b, f->name, f->nlen, "Channel")  ? ROLE_CHANNEL
			       : name_is(b, f->name, f->nlen, "Computer") ? ROLE_COMPUTER
			       : name_is(b, f->name, f->nlen, "EventRecordID") ? ROLE_RECORDID
									  : ROLE_NONE;
		b_field(b, f->name, f->nlen, f->piece_base, OPF_SKIP_EMPTY, role);
		break;
	}
	case CTX_DATA:
		b_field(b, f->fname, f->fnlen, f->piece_base, 0,
			name_is(b, f->fname, f->fnlen, "UtcTime") && !f->name_sub ? ROLE_UTCTIME
										  : ROLE_NONE);
		if (f->name_sub) {
			b->ops[b->nops - 1].flags |= OPF_NAME_SUB;
			b->ops[b->nops - 1].name_sub = f->fname_sub;
		}
		break;
	case CTX_USERDATA:
		/* A leaf below the section element (UserData itself is not a field). */
		if (!f->has_child && b->frames[b->depth - 1].ctx == CTX_USERDATA)
			b_field(b, f->name, f->nlen, f->piece_base, 0, ROLE_NONE);
		break;
	default:
		break;
	}
	b->psp = f->piece_base;
	b->depth--;
	return 0;
}

/* Tokens up to the end of the current element (or of the fragment when top). */
static int c_content(struct wh_evtx_parser *p, uint32_t *pos, uint32_t end, bool top)
{
	const unsigned char *c = p->c;
	uint32_t q = *pos;
	for (;;) {
		if (q >= end) {
			if (top)
				break;
			return fail(p, q, "element not closed");
		}
		unsigned t = c[q];
		switch (t & 0xbf) {
		case 0x00:
			if (!top)
				return fail(p, q, "fragment ends inside an element");
			*pos = q + 1;
			return 0;
		case 0x01:
			if (c_element(p, &q, end) < 0)
				return -1;
			break;
		case 0x04:
			if (top)
				return fail(p, q, "end tag outside any element");
			*pos = q + 1;
			return 0;
		case 0x05:
		case 0x07:
		case 0x08:
		case 0x09:
		case 0x0d:
		case 0x0e:
			if (c_value_token(p, &q, end) < 0)
				return -1;
			break;
		case 0x0a:   /* processing instruction target: a name offset */
			if (q + 5 > end)
				return fail(p, q, "processing instruction past its fragment");
			{
				uint32_t r = q + 5, no, nl;
				size_t mark = p->b.slen;
				if (read_name(p, wh_le32(c + q + 1), &r, end, &no, &nl) < 0)
					return -1;
				p->b.slen = mark;
				q = r;
			}
			break;
		case 0x0b:   /* processing instruction data: counted UTF-16 */
			if (q + 3 > end || (uint64_t)q + 3 + 2 * (uint64_t)wh_le16(c + q + 1) > end)
				return fail(p, q, "processing instruction past its fragment");
			q += 3 + 2 * wh_le16(c + q + 1);
			break;
		case 0x0f:
			if (!top)
				return fail(p, q, "fragment header inside an element");
			q += 4;
			break;
		default: {
			snprintf(p->errbuf, sizeof(p->errbuf), "unknown BinXML token 0x%02x", t);
			return fail(p, q, p->errbuf);
		}
		}
	}
	*pos = q;
	return 0;
}

static void b_reset(struct builder *b, uint8_t entry_ctx, bool template_mode)
{
	b->slen = b->psp = b->np = b->nops = 0;
	b->depth = 0;
	memset(&b->frames[0], 0, sizeof(b->frames[0]));
	b->frames[0].ctx = entry_ctx;
	b->template_mode = template_mode;
}

/* Copy the built program into arena a (one block); NULL when the arena is full. */
static struct prog *b_finish(struct builder *b, struct wh_arena *a, bool persistent)
{
	size_t sz = sizeof(struct prog) + b->nops * sizeof(struct op) + b->np * sizeof(struct piece) +
		    b->slen;
	unsigned char *m = wh_arena_alloc(a, sz);
	if (!m)
		return NULL;
	struct prog *pg = (struct prog *)m;
	struct op *ops = (struct op *)(pg + 1);
	struct piece *pcs = (struct piece *)(ops + b->nops);
	char *str = (char *)(pcs + b->np);
	memcpy(str, b->str, b->slen);
	for (size_t i = 0; i < b->np; i++) {
		const struct bpiece *s = &b->pieces[i];
		pcs[i] = (struct piece){ str + s->lit, s->len, s->sub, s->ctx };
	}
	uint32_t k = 0;
	for (size_t i = 0; i < b->nops; i++) {
		const struct bop *s = &b->ops[i];
		ops[k++] = (struct op){
			.name = str + s->name,
			.nlen = s->nlen,
			.first = s->first,
			.npieces = s->npieces,
			.sub = s->sub,
			.name_sub = s->name_sub,
			.kind = s->kind,
			.role = s->role,
			.flags = s->flags,
			.ctx = s->ctx,
		};
	}
	pg->ops = ops;
	pg->pieces = pcs;
	pg->nops = k;
	pg->persistent = persistent;
	pg->err = NULL;
	return pg;
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
			b_reset(&p->b, ctx, true);
			uint32_t q = body;
			/* On failure p->err keeps the reason for this record; later
			 * records of the chunk find the bad mark in the map. */
			if (c_content(p, &q, body + size, true) < 0) {
				pg = &bad_template;
			} else {
				pg = b_finish(&p->b, &p->cache_arena, true);
				if (pg)
					cache_add(p, guid, size, h, ctx, pg);
				else
					pg = b_finish(&p->b, &p->out->spill, true);
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
				return fail(p, 0, "chunk expands past the output cap");
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
			return fail(p, 0, "chunk expands past the output cap");
		size_t l = wh_evtx_fmt(v->type, b, size, dst);
		text_commit(o, l);
		add_field(p, name, nl, dst, l);
		return 0;
	}
	for (size_t i = 0; i < size; i += is) {
		char *dst = text_reserve(o, 64);
		if (!dst)
			return fail(p, 0, "chunk expands past the output cap");
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
		return fail(p, (uint32_t)(v->p - p->c), "BinXML values nested too deep");
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
			return fail(p, 0, "record expands to too many fields");
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
				return fail(p, 0, "chunk expands past the output cap");
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
						return fail(p, 0, "chunk expands past the output cap");
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
						return fail(p, 0, "chunk expands past the output cap");
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
				return fail(p, 0, "chunk expands past the output cap");
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
		return fail(p, at, "template instance past its record");
	uint32_t def = wh_le32(c + at + 6), q = at + 10;
	/* Definitions live among the records and start with a fragment
	 * header (or, from some writers, an element). */
	if (def < WH_EVTX_CHUNK_HEADER_SIZE || (uint64_t)def + 24 > p->n)
		return fail(p, at, "template definition offset outside the records");
	uint32_t dsize = wh_le32(c + def + 20);
	if ((uint64_t)def + 24 + dsize > p->n)
		return fail(p, def, "template definition runs past the chunk");
	if (dsize == 0 || (c[def + 24] != 0x0f && (c[def + 24] & 0xbf) != 0x01))
		return fail(p, def, "template definition does not start with markup");
	if (def == q) {
		if ((uint64_t)q + 24 + dsize > end)
			return fail(p, at, "template definition runs past its record");
		q += 24 + dsize;
	}
	struct prog *pg = template_prog(p, def, ctx);
	if (pg == &bad_template)
		return fail(p, def, "template definition cannot be read");
	if (q + 4 > end)
		return fail(p, q, "template values past the record");
	uint32_t count = wh_le32(c + q);
	q += 4;
	if (count > MAX_VALUES || (uint64_t)q + 4 * (uint64_t)count > end)
		return fail(p, q, "template value count past the record");
	WH_GROW(p->vals[nest], count, p->vcap[nest]);
	struct val *vals = p->vals[nest];
	uint32_t d = q;
	q += 4 * count;
	for (uint32_t i = 0; i < count; i++) {
		uint32_t sz = wh_le16(c + d + 4 * i);
		if ((uint64_t)q + sz > end)
			return fail(p, q, "template value past the record");
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
			b_reset(&p->b, ctx, false);
			if (c_element(p, &pos, end) < 0)
				return -1;
			struct prog *pg = b_finish(&p->b, &p->scratch, false);
			if (!pg)
				return fail(p, pos, "fragment too large");
			if (run_prog(p, pg, NULL, 0, nest) < 0)
				return -1;
			continue;
		}
		snprintf(p->errbuf, sizeof(p->errbuf), "unexpected BinXML token 0x%02x", t);
		return fail(p, pos, p->errbuf);
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
