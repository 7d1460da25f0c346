/*
 * evtx_compile.c: BinXML to programs. A template definition (or a plain
 * fragment) is walked once, element by element, tracking each element's
 * context so that the naming rules of docs/input-formats.md are decided
 * here and never per record:
 *
 *   Event > System > X           text: field X; attribute A: field X_A
 *   Event > EventData > Data     text: field named by its Name attribute,
 *                                or "Data"; Binary and others by name
 *   Event > UserData > ... > X   leaf elements: field X
 *   Event > RenderingInfo        dropped
 *
 * Each field becomes an op: its name and the pieces of its value (literal
 * text and substitution numbers). A substitution where no text is kept
 * becomes an op that reads the value as a nested fragment if it is one.
 * Every offset and count is checked against the chunk before use.
 */
#include "read/evtx_fmt.h"
#include "read/evtx_int.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <string.h>

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
	if (k) {
		WH_GROW(b->pieces, b->np + k, b->pcap);
		memcpy(b->pieces + b->np, b->pstack + from, k * sizeof(struct bpiece));
	}
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
		return wh_evtx_fail(p, *pos, "name offset outside the chunk");
	uint32_t count = wh_le16(c + at + 6);
	uint64_t stop = (uint64_t)at + 8 + 2 * (uint64_t)count + 2;
	if (stop > p->n)
		return wh_evtx_fail(p, at, "name runs past the chunk");
	if (at == *pos) {
		if (stop > end)
			return wh_evtx_fail(p, at, "inline name runs past its fragment");
		*pos = (uint32_t)stop;
	}
	char *dst = b_str_room(&p->b, 3 * (size_t)count);
	if (!dst)
		return wh_evtx_fail(p, at, "template too large");
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
		return wh_evtx_fail(p, at, "template too large");
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
		return wh_evtx_fail(p, 0, "template too large");
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
			return wh_evtx_fail(p, at, "value token past its fragment");
		unsigned type = c[at + 1];
		if (type != WH_EVTX_STRING)
			return wh_evtx_fail(p, at, "value token of a type other than string");
		uint32_t count = wh_le16(c + at + 2);
		if ((uint64_t)at + 4 + 2 * (uint64_t)count > end)
			return wh_evtx_fail(p, at, "value text past its fragment");
		*pos = at + 4 + 2 * count;
		return c_text(p, at + 4, count);
	}
	case 0x07: {   /* CDATA */
		if (at + 3 > end)
			return wh_evtx_fail(p, at, "CDATA past its fragment");
		uint32_t count = wh_le16(c + at + 1);
		if ((uint64_t)at + 3 + 2 * (uint64_t)count > end)
			return wh_evtx_fail(p, at, "CDATA past its fragment");
		*pos = at + 3 + 2 * count;
		return c_text(p, at + 3, count);
	}
	case 0x08: {   /* character reference */
		if (at + 3 > end)
			return wh_evtx_fail(p, at, "character reference past its fragment");
		*pos = at + 3;
		return c_lit(p, tmp, utf8_put(tmp, wh_le16(c + at + 1)));
	}
	case 0x09: {   /* entity reference: &name; */
		if (at + 5 > end)
			return wh_evtx_fail(p, at, "entity reference past its fragment");
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
			return wh_evtx_fail(p, at, "substitution past its fragment");
		*pos = at + 4;
		return c_subst(p, wh_le16(c + at + 1), c[at + 3]);
	default:
		return wh_evtx_fail(p, at, "unexpected token in a value");
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
		return wh_evtx_fail(p, at, "attribute past its fragment");
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
			return wh_evtx_fail(p, at, "template too large");
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
			return wh_evtx_fail(p, at, "template too large");
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
int wh_evtx_compile_element(struct wh_evtx_parser *p, uint32_t *pos, uint32_t end)
{
	struct builder *b = &p->b;
	const unsigned char *c = p->c;
	uint32_t at = *pos;
	bool has_attrs = c[at] & 0x40;
	if (b->depth >= MAX_DEPTH)
		return wh_evtx_fail(p, at, "elements nested too deep");
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
		return wh_evtx_fail(p, at, "element name offset is not valid");
	}
	uint32_t name, nlen;
	if (read_name(p, wh_le32(c + q - 4), &q, end, &name, &nlen) < 0)
		return -1;
	if (has_attrs) {
		if (q + 4 > end)
			return wh_evtx_fail(p, at, "attribute list past its fragment");
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
		return wh_evtx_fail(p, at, "element not closed");
	if (c[q] == 0x02) {
		q++;
		if (wh_evtx_compile_content(p, &q, end, false) < 0)
			return -1;
	} else if (c[q] == 0x03) {
		q++;
	} else {
		return wh_evtx_fail(p, q, "expected the end of a start tag");
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
int wh_evtx_compile_content(struct wh_evtx_parser *p, uint32_t *pos, uint32_t end, bool top)
{
	const unsigned char *c = p->c;
	uint32_t q = *pos;
	for (;;) {
		if (q >= end) {
			if (top)
				break;
			return wh_evtx_fail(p, q, "element not closed");
		}
		unsigned t = c[q];
		switch (t & 0xbf) {
		case 0x00:
			if (!top)
				return wh_evtx_fail(p, q, "fragment ends inside an element");
			*pos = q + 1;
			return 0;
		case 0x01:
			if (wh_evtx_compile_element(p, &q, end) < 0)
				return -1;
			break;
		case 0x04:
			if (top)
				return wh_evtx_fail(p, q, "end tag outside any element");
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
				return wh_evtx_fail(p, q, "processing instruction past its fragment");
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
				return wh_evtx_fail(p, q, "processing instruction past its fragment");
			q += 3 + 2 * wh_le16(c + q + 1);
			break;
		case 0x0f:
			if (!top)
				return wh_evtx_fail(p, q, "fragment header inside an element");
			q += 4;
			break;
		default: {
			snprintf(p->errbuf, sizeof(p->errbuf), "unknown BinXML token 0x%02x", t);
			return wh_evtx_fail(p, q, p->errbuf);
		}
		}
	}
	*pos = q;
	return 0;
}

void wh_evtx_compile_reset(struct builder *b, uint8_t entry_ctx, bool template_mode)
{
	b->slen = b->psp = b->np = b->nops = 0;
	b->depth = 0;
	memset(&b->frames[0], 0, sizeof(b->frames[0]));
	b->frames[0].ctx = entry_ctx;
	b->template_mode = template_mode;
}

/* Copy the built program into arena a (one block); NULL when the arena is full. */
struct prog *wh_evtx_compile_finish(struct builder *b, struct wh_arena *a, bool persistent)
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
	if (b->slen)
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
