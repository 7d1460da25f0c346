/*
 * rule.c: Sigma documents to rules. Reads the metadata, compiles the
 * detection (search identifiers, modifiers, values, the condition) into the
 * leaf-and-node form of sigma_int.h, and records every rule that cannot be
 * loaded with its file, line and the reason the specification gives.
 */
#include "detect/sigma/sigma_int.h"
#include "util/diag.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define SG_MAX_RULE_FILE (4u << 20)

static void add_report(struct wh_sigma *s, struct wh_sigma_reject **v, uint32_t *n, uint32_t *cap,
		       const char *file, uint32_t line, const char *title, const char *fmt, va_list ap)
{
	struct wh_sbuf sb = WH_SBUF_INIT(4096);
	wh_sbuf_vaddf(&sb, fmt, ap);
	WH_GROW(*v, *n + 1, *cap);
	struct wh_sigma_reject *r = &(*v)[(*n)++];
	r->file = wh_intern_str(&s->strings, file ? file : "");
	r->line = line;
	r->title = wh_intern_str(&s->strings, title ? title : "");
	r->reason = wh_arena_strdup(&s->arena, wh_sbuf_str(&sb));
	wh_sbuf_release(&sb);
}

void sg_reject(struct wh_sigma *s, const char *file, uint32_t line, const char *title, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add_report(s, &s->rejects, &s->nrejects, &s->rejects_cap, file, line, title, fmt, ap);
	va_end(ap);
}

void sg_warn(struct wh_sigma *s, const char *file, uint32_t line, const char *title, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add_report(s, &s->warnings, &s->nwarnings, &s->warnings_cap, file, line, title, fmt, ap);
	va_end(ap);
}

uint32_t sg_field_id(struct wh_sigma *s, const char *name, size_t n)
{
	bool added;
	struct wh_map_slot *slot = wh_map_find(&s->field_ids, name, n);
	if (slot)
		return (uint32_t)(uintptr_t)slot->val - 1;
	const char *key = wh_intern(&s->strings, name, n);
	slot = wh_map_put(&s->field_ids, key, n, &added);
	WH_GROW(s->fields, s->nfields + 1, s->fields_cap);
	memset(&s->fields[s->nfields], 0, sizeof(s->fields[0]));
	s->fields[s->nfields].name = key;
	slot->val = (void *)(uintptr_t)(s->nfields + 1);
	return s->nfields++;
}

/* ---- leaves and nodes ---- */

static uint32_t kind_cost(const struct sg_leaf *l)
{
	if (l->field == SG_KEYWORD)
		return 400;
	switch (l->kind) {
	case SG_K_EQ:
	case SG_K_CONTAINS:
	case SG_K_STARTS:
	case SG_K_ENDS:
		return l->conv ? 8 : 1;
	case SG_K_NULL:
	case SG_K_EXISTS:
	case SG_K_EMPTY:
	case SG_K_ANYSTR:
		return 2;
	case SG_K_NUM:
	case SG_K_TIME:
	case SG_K_CIDR:
		return 6;
	case SG_K_FIELDREF:
	case SG_K_GLOB:
		return 12;
	case SG_K_RE:
		return 120;
	default:
		return 50;
	}
}

/* Return the one leaf equal to `proto` (interned by a key of its parts). */
static struct sg_leaf *leaf_get(struct wh_sigma *s, const struct sg_leaf *proto, const char *re_src, size_t re_len,
				uint32_t re_flags)
{
	struct wh_sbuf key = WH_SBUF_INIT(4 * SG_MAX_VALUE + 256);
	/* the parts as bytes (formatting them was a tenth of the load time) */
	struct {
		uint32_t field, fref_field, len;
		uint8_t kind, cmp, timepart, conv, fref_kind, cased, isfloat, cidr_af, cidr_bits;
		uint8_t cidr_addr[16];
		int64_t inum;
		double dnum;
	} parts;
	memset(&parts, 0, sizeof(parts));
	parts.field = proto->field;
	parts.fref_field = proto->fref_field;
	parts.len = proto->len;
	parts.kind = proto->kind;
	parts.cmp = proto->cmp;
	parts.timepart = proto->timepart;
	parts.conv = proto->conv;
	parts.fref_kind = proto->fref_kind;
	parts.cased = proto->cased;
	parts.isfloat = proto->isfloat;
	parts.cidr_af = proto->cidr_af;
	parts.cidr_bits = proto->cidr_bits;
	memcpy(parts.cidr_addr, proto->cidr_addr, 16);
	parts.inum = proto->inum;
	parts.dnum = proto->dnum;
	wh_sbuf_add(&key, &parts, sizeof(parts));
	wh_sbuf_add(&key, proto->s ? proto->s : "", proto->len);
	if (proto->wild)
		wh_sbuf_add(&key, proto->wild, proto->len);
	if (re_src) {
		wh_sbuf_addf(&key, "|re%u|", re_flags);
		wh_sbuf_add(&key, re_src, re_len);
	}
	struct wh_map_slot *slot = wh_map_find(&s->leaf_keys, key.buf, key.len);
	if (slot) {
		wh_sbuf_release(&key);
		return slot->val;
	}
	struct sg_leaf *l = wh_arena_calloc(&s->arena, sizeof(*l));
	*l = *proto;
	l->id = s->nleaves;
	l->hint = SG_NONE;
	if (proto->s) {
		char *c = wh_arena_alloc(&s->arena, proto->len + 1);
		memcpy(c, proto->s, proto->len);
		c[proto->len] = '\0';
		l->s = c;
	}
	if (proto->wild) {
		uint8_t *w = wh_arena_alloc(&s->arena, proto->len + 1);
		memcpy(w, proto->wild, proto->len);
		l->wild = w;
	}
	l->cost = kind_cost(l);
	char *k = wh_arena_alloc(&s->arena, key.len + 1);
	memcpy(k, key.buf, key.len);
	bool added;
	slot = wh_map_put(&s->leaf_keys, k, key.len, &added);
	slot->val = l;
	WH_GROW(s->leaves, s->nleaves + 1, s->leaves_cap);
	s->leaves[s->nleaves++] = l;
	wh_sbuf_release(&key);
	return l;
}

static struct sg_node *node_leaf(struct wh_sigma *s, struct sg_leaf *l)
{
	struct sg_node *n = wh_arena_calloc(&s->arena, sizeof(*n));
	n->op = SG_N_LEAF;
	n->leaf = l;
	n->cost = l->cost;
	return n;
}

static struct sg_node *node_const(struct wh_sigma *s, bool v)
{
	struct sg_node *n = wh_arena_calloc(&s->arena, sizeof(*n));
	n->op = v ? SG_N_TRUE : SG_N_FALSE;
	return n;
}

static struct sg_node *node_not(struct wh_sigma *s, struct sg_node *k)
{
	if (k->op == SG_N_TRUE || k->op == SG_N_FALSE)
		return node_const(s, k->op == SG_N_FALSE);
	if (k->op == SG_N_NOT)
		return k->kids[0];
	struct sg_node *n = wh_arena_calloc(&s->arena, sizeof(*n));
	n->op = SG_N_NOT;
	n->n = 1;
	n->kids = wh_arena_alloc(&s->arena, sizeof(*n->kids));
	n->kids[0] = k;
	n->cost = k->cost;
	return n;
}

static int cmp_cost(const void *a, const void *b)
{
	const struct sg_node *x = *(struct sg_node *const *)a, *y = *(struct sg_node *const *)b;
	return x->cost < y->cost ? -1 : x->cost > y->cost;
}

/* AND or OR of kids: flattened, constants folded, cheapest first (the
 * order never changes the result, only how soon it is known). */
static struct sg_node *node_group(struct wh_sigma *s, uint8_t op, struct sg_node **kids, size_t n)
{
	bool is_and = op == SG_N_AND;
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += kids[i]->op == op ? kids[i]->n : 1;
	struct sg_node **v = wh_arena_alloc(&s->arena, (total ? total : 1) * sizeof(*v));
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		struct sg_node *k = kids[i];
		if (k->op == op) {
			for (uint32_t j = 0; j < k->n; j++)
				v[m++] = k->kids[j];
		} else if (k->op == (is_and ? SG_N_FALSE : SG_N_TRUE)) {
			return node_const(s, !is_and);
		} else if (k->op == (is_and ? SG_N_TRUE : SG_N_FALSE)) {
			continue;
		} else {
			v[m++] = k;
		}
	}
	if (m == 0)
		return node_const(s, is_and);
	if (m == 1)
		return v[0];
	qsort(v, m, sizeof(*v), cmp_cost);
	struct sg_node *g = wh_arena_calloc(&s->arena, sizeof(*g));
	g->op = op;
	g->n = (uint32_t)m;
	g->kids = v;
	for (size_t i = 0; i < m; i++)
		g->cost += v[i]->cost;
	return g;
}

/* ---- values and modifiers ---- */

struct mods {
	uint8_t match;       /* SG_K_EQ, CONTAINS, STARTS, ENDS */
	bool all, cased, exists, neq, re, re_i, re_m, re_s, cidr, fieldref, expand, windash;
	bool base64, base64offset;
	uint8_t utf16;       /* 0 none, 1 le, 2 be, 3 with BOM */
	int cmp;             /* -1 none */
	int timepart;        /* -1 none */
};

struct cctx {
	struct wh_sigma *s;
	struct sg_rule *r;
	const struct sg_rename *ren;
	uint32_t nren;
	const char *err;
	uint32_t err_line;
	char errbuf[256];
	uint32_t leaves;
	struct wh_sbuf fields;   /* field names seen, NUL-separated (base compile only) */
	bool collect_fields;
	int depth;
};

static struct sg_node *fail(struct cctx *c, uint32_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static struct sg_node *fail(struct cctx *c, uint32_t line, const char *fmt, ...)
{
	if (!c->err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->errbuf, sizeof(c->errbuf), fmt, ap);
		va_end(ap);
		c->err = c->errbuf;
		c->err_line = line;
	}
	return NULL;
}

static int parse_mods(struct cctx *c, const char *spec, uint32_t line, struct mods *m)
{
	memset(m, 0, sizeof(*m));
	m->match = SG_K_EQ;
	m->cmp = -1;
	m->timepart = -1;
	const char *p = strchr(spec, '|');
	while (p) {
		const char *q = strchr(p + 1, '|');
		size_t n = q ? (size_t)(q - p - 1) : strlen(p + 1);
		char mod[32];
		if (n == 0 || n >= sizeof(mod)) {
			fail(c, line, "empty or overlong modifier in '%s'", spec);
			return -1;
		}
		memcpy(mod, p + 1, n);
		mod[n] = '\0';
		if (strcmp(mod, "contains") == 0) m->match = SG_K_CONTAINS;
		else if (strcmp(mod, "startswith") == 0) m->match = SG_K_STARTS;
		else if (strcmp(mod, "endswith") == 0) m->match = SG_K_ENDS;
		else if (strcmp(mod, "all") == 0) m->all = true;
		else if (strcmp(mod, "cased") == 0) m->cased = true;
		else if (strcmp(mod, "exists") == 0) m->exists = true;
		else if (strcmp(mod, "neq") == 0) m->neq = true;
		else if (strcmp(mod, "windash") == 0) m->windash = true;
		else if (strcmp(mod, "re") == 0) m->re = true;
		else if (strcmp(mod, "i") == 0) m->re_i = true;
		else if (strcmp(mod, "m") == 0) m->re_m = true;
		else if (strcmp(mod, "s") == 0) m->re_s = true;
		else if (strcmp(mod, "base64") == 0) m->base64 = true;
		else if (strcmp(mod, "base64offset") == 0) m->base64offset = true;
		else if (strcmp(mod, "utf16le") == 0 || strcmp(mod, "wide") == 0) m->utf16 = 1;
		else if (strcmp(mod, "utf16be") == 0) m->utf16 = 2;
		else if (strcmp(mod, "utf16") == 0) m->utf16 = 3;
		else if (strcmp(mod, "lt") == 0) m->cmp = SG_CMP_LT;
		else if (strcmp(mod, "lte") == 0) m->cmp = SG_CMP_LTE;
		else if (strcmp(mod, "gt") == 0) m->cmp = SG_CMP_GT;
		else if (strcmp(mod, "gte") == 0) m->cmp = SG_CMP_GTE;
		else if (strcmp(mod, "minute") == 0) m->timepart = SG_T_MINUTE;
		else if (strcmp(mod, "hour") == 0) m->timepart = SG_T_HOUR;
		else if (strcmp(mod, "day") == 0) m->timepart = SG_T_DAY;
		else if (strcmp(mod, "week") == 0) m->timepart = SG_T_WEEK;
		else if (strcmp(mod, "month") == 0) m->timepart = SG_T_MONTH;
		else if (strcmp(mod, "year") == 0) m->timepart = SG_T_YEAR;
		else if (strcmp(mod, "cidr") == 0) m->cidr = true;
		else if (strcmp(mod, "expand") == 0) m->expand = true;
		else if (strcmp(mod, "fieldref") == 0) m->fieldref = true;
		else {
			fail(c, line, "unknown modifier '%s'", mod);
			return -1;
		}
		p = q;
	}
	if ((m->re_i || m->re_m || m->re_s) && !m->re) {
		fail(c, line, "the modifiers i, m and s need re ('%s')", spec);
		return -1;
	}
	if (m->utf16 && !(m->base64 || m->base64offset) && m->re) {
		fail(c, line, "utf16 modifiers do not apply to re ('%s')", spec);
		return -1;
	}
	int types = m->re + m->cidr + m->fieldref + m->exists + (m->cmp >= 0 && m->timepart < 0);
	if (types > 1 || (m->timepart >= 0 && (m->re || m->cidr || m->fieldref || m->exists))) {
		fail(c, line, "modifiers that cannot go together in '%s'", spec);
		return -1;
	}
	return 0;
}

static const char *rename_field(struct cctx *c, const char *name, size_t n, uint8_t *conv)
{
	*conv = SG_CONV_NONE;
	for (uint32_t i = 0; i < c->nren; i++)
		if (strlen(c->ren[i].to) == n && strncasecmp(c->ren[i].to, name, n) == 0) {
			*conv = c->ren[i].conv;
			return c->ren[i].from;
		}
	return NULL;
}

static uint32_t field_of(struct cctx *c, const char *name, size_t n, uint8_t *conv)
{
	if (c->collect_fields && n) {
		/* remember the rule's own field names, once each */
		const char *p = c->fields.buf, *end = p ? p + c->fields.len : NULL;
		bool seen = false;
		while (p && p < end) {
			size_t l = strlen(p);
			if (l == n && strncmp(p, name, n) == 0)
				seen = true;
			p += l + 1;
		}
		if (!seen) {
			wh_sbuf_add(&c->fields, name, n);
			wh_sbuf_addch(&c->fields, '\0');
		}
	}
	const char *to = rename_field(c, name, n, conv);
	if (to)
		return sg_field_id(c->s, to, strlen(to));
	return sg_field_id(c->s, name, n);
}

/* A string leaf from bytes and wildcard marks, with the match type folded in. */
static struct sg_node *string_leaf(struct cctx *c, uint32_t field, uint8_t conv, const char *b, const uint8_t *w,
				   size_t n, uint8_t match, bool cased)
{
	if (++c->leaves > SG_MAX_LEAVES_PER_RULE)
		return fail(c, 0, "more than %u values", SG_MAX_LEAVES_PER_RULE);
	/* match type as wildcards around the value */
	bool lead = match == SG_K_CONTAINS || match == SG_K_ENDS;
	bool trail = match == SG_K_CONTAINS || match == SG_K_STARTS;
	/* strip the stars the value already has at its ends */
	size_t a = 0, z = n;
	while (a < z && w[a] == SG_W_STAR) {
		lead = true;
		a++;
	}
	while (z > a && w[z - 1] == SG_W_STAR) {
		trail = true;
		z--;
	}
	bool inner_wild = false;
	for (size_t i = a; i < z; i++)
		if (w[i] != SG_W_LIT)
			inner_wild = true;
	struct sg_leaf p = { .field = field, .conv = conv, .cased = cased };
	if (a == z) {
		/* nothing but stars, or empty */
		p.kind = (lead || trail) ? SG_K_ANYSTR : SG_K_EMPTY;
		if (field == SG_KEYWORD)
			return node_const(c->s, true);
		return node_leaf(c->s, leaf_get(c->s, &p, NULL, 0, 0));
	}
	if (!inner_wild) {
		p.kind = lead && trail ? SG_K_CONTAINS : lead ? SG_K_ENDS : trail ? SG_K_STARTS : SG_K_EQ;
		if (field == SG_KEYWORD)
			p.kind = SG_K_CONTAINS;    /* keywords are searched anywhere in a value */
		p.s = b + a;
		p.len = (uint32_t)(z - a);
		return node_leaf(c->s, leaf_get(c->s, &p, NULL, 0, 0));
	}
	/* a real glob: the stars at the ends come back as the match type says */
	if (field == SG_KEYWORD)
		lead = trail = true;
	size_t gn = 0;
	char *gb = wh_xmalloc(z - a + 3);
	uint8_t *gw = wh_xmalloc(z - a + 3);
	if (lead) {
		gb[gn] = '*';
		gw[gn++] = SG_W_STAR;
	}
	for (size_t i = a; i < z; i++) {
		gb[gn] = b[i];
		gw[gn++] = w[i];
	}
	if (trail) {
		gb[gn] = '*';
		gw[gn++] = SG_W_STAR;
	}
	p.kind = SG_K_GLOB;
	p.s = gb;
	p.wild = gw;
	p.len = (uint32_t)gn;
	struct sg_leaf *l = leaf_get(c->s, &p, NULL, 0, 0);
	/* the longest literal run is a hint every match needs */
	if (l->hint == SG_NONE && !conv) {
		size_t best = 0, bs = 0;
		for (size_t i = 0; i < gn;) {
			if (gw[i] != SG_W_LIT) {
				i++;
				continue;
			}
			size_t j = i;
			while (j < gn && gw[j] == SG_W_LIT)
				j++;
			if (j - i > best) {
				best = j - i;
				bs = i;
			}
			i = j;
		}
		if (best >= 2) {
			struct sg_leaf h = { .field = field, .kind = SG_K_CONTAINS, .cased = cased, .s = gb + bs,
					     .len = (uint32_t)best };
			l->hint = leaf_get(c->s, &h, NULL, 0, 0)->id;
		}
	}
	free(gb);
	free(gw);
	return node_leaf(c->s, l);
}

/* Text of a scalar value as the rule wrote it (numbers and booleans included). */
static struct sg_node *value_node(struct cctx *c, uint32_t field, uint8_t conv, const struct mods *m,
				  const struct wh_ynode *v);

static void utf16_encode(const char *in, size_t n, int how, struct wh_sbuf *out)
{
	if (how == 3)
		wh_sbuf_add(out, "\xff\xfe", 2);
	for (size_t i = 0; i < n;) {
		const unsigned char *u = (const unsigned char *)in + i;
		uint32_t cp;
		size_t k;
		if (u[0] < 0x80) { cp = u[0]; k = 1; }
		else if ((u[0] & 0xe0) == 0xc0 && i + 1 < n) { cp = (uint32_t)(u[0] & 0x1f) << 6 | (u[1] & 0x3f); k = 2; }
		else if ((u[0] & 0xf0) == 0xe0 && i + 2 < n) { cp = (uint32_t)(u[0] & 0x0f) << 12 | (uint32_t)(u[1] & 0x3f) << 6 | (u[2] & 0x3f); k = 3; }
		else if ((u[0] & 0xf8) == 0xf0 && i + 3 < n) { cp = (uint32_t)(u[0] & 0x07) << 18 | (uint32_t)(u[1] & 0x3f) << 12 | (uint32_t)(u[2] & 0x3f) << 6 | (u[3] & 0x3f); k = 4; }
		else { cp = 0xfffd; k = 1; }
		i += k;
		uint16_t units[2];
		int nu = 1;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			units[0] = (uint16_t)(0xd800 | (cp >> 10));
			units[1] = (uint16_t)(0xdc00 | (cp & 0x3ff));
			nu = 2;
		} else {
			units[0] = (uint16_t)cp;
		}
		for (int j = 0; j < nu; j++) {
			unsigned char b2[2];
			if (how == 2) {
				b2[0] = (unsigned char)(units[j] >> 8);
				b2[1] = (unsigned char)units[j];
			} else {
				b2[0] = (unsigned char)units[j];
				b2[1] = (unsigned char)(units[j] >> 8);
			}
			wh_sbuf_add(out, b2, 2);
		}
	}
}

/* One concrete string (after expand) to a node: windash, encodings, match type. */
static struct sg_node *string_node(struct cctx *c, uint32_t field, uint8_t conv, const struct mods *m,
				   const char *text, size_t tlen, uint32_t line)
{
	struct wh_sigma *s = c->s;
	bool encoded = m->base64 || m->base64offset || m->utf16;
	char *b = wh_xmalloc(tlen + 1);
	uint8_t *w = wh_xmalloc(tlen + 1);
	size_t n = sg_unescape(text, tlen, b, w, true);
	struct sg_node *res = NULL;
	/* variants from windash */
	struct wh_sbuf var = WH_SBUF_INIT(64u << 20);
	int nvar = 1;
	if (m->windash) {
		nvar = sg_windash(b, n, w, &var, SG_MAX_VARIANTS);
		if (nvar < 0) {
			wh_sbuf_release(&var);
			free(b);
			free(w);
			return fail(c, line, "windash gives more than %u variants", SG_MAX_VARIANTS);
		}
	} else {
		uint32_t l32 = (uint32_t)n;
		wh_sbuf_add(&var, &l32, 4);
		wh_sbuf_add(&var, b, n);
		wh_sbuf_add(&var, w, n);
	}
	struct sg_node **kids = wh_xcalloc((size_t)nvar * 3 + 1, sizeof(*kids));
	size_t nk = 0;
	size_t at = 0;
	for (int k = 0; k < nvar && !c->err; k++) {
		uint32_t vl;
		memcpy(&vl, var.buf + at, 4);
		const char *vb = var.buf + at + 4;
		const uint8_t *vw = (const uint8_t *)var.buf + at + 4 + vl;
		at += 4 + 2 * (size_t)vl;
		if (!encoded) {
			struct sg_node *x = string_leaf(c, field, conv, vb, vw, vl, m->match, m->cased);
			if (x)
				kids[nk++] = x;
			continue;
		}
		/* encodings act on the literal bytes: wildcards are plain characters there */
		struct wh_sbuf raw = WH_SBUF_INIT(4 * SG_MAX_VALUE);
		if (m->utf16)
			utf16_encode(vb, vl, m->utf16, &raw);
		else
			wh_sbuf_add(&raw, vb, vl);
		if (!m->base64 && !m->base64offset) {
			uint8_t *lw = wh_xcalloc(raw.len + 1, 1);
			struct sg_node *x = string_leaf(c, field, conv, wh_sbuf_str(&raw), lw, raw.len, m->match, m->cased);
			free(lw);
			if (x)
				kids[nk++] = x;
		} else if (raw.len == 0) {
			/* the encoding of nothing is nothing: the empty string's leaf
			 * (any value with contains, an empty one when equal), as
			 * without the modifier; not an OR of no variants, never true */
			uint8_t lw = 0;
			struct sg_node *x = string_leaf(c, field, conv, "", &lw, 0, m->match, true);
			if (x)
				kids[nk++] = x;
		} else {
			int shifts = m->base64offset ? 3 : 1;
			for (int sft = 0; sft < shifts; sft++) {
				size_t inl = raw.len + (size_t)sft;
				unsigned char *in = wh_xcalloc(inl + 1, 1);
				memcpy(in + sft, raw.buf ? raw.buf : "", raw.len);
				char *enc = wh_xmalloc(inl / 3 * 4 + 8);
				size_t el = sg_base64(in, inl, enc);
				size_t a = 0, z = el;
				if (m->base64offset) {
					static const size_t cut_front[3] = { 0, 2, 3 };
					static const size_t cut_back[3] = { 0, 3, 2 };
					a = cut_front[sft];
					size_t back = cut_back[(raw.len + (size_t)sft) % 3];
					z = el > back ? el - back : 0;
				}
				if (z > a) {
					uint8_t *lw = wh_xcalloc(z - a + 1, 1);
					/* base64 of a value that may sit anywhere: contains unless
					 * the rule said otherwise */
					uint8_t match = m->base64offset && m->match == SG_K_EQ ? SG_K_CONTAINS : m->match;
					struct sg_node *x = string_leaf(c, field, conv, enc + a, lw, z - a, match, true);
					free(lw);
					if (x)
						kids[nk++] = x;
				}
				free(in);
				free(enc);
			}
		}
		wh_sbuf_release(&raw);
	}
	if (!c->err)
		res = node_group(s, SG_N_OR, kids, nk);
	free(kids);
	wh_sbuf_release(&var);
	free(b);
	free(w);
	return res;
}

/* Replace %name% placeholders by each of their values (all combinations). */
static struct sg_node *expand_node(struct cctx *c, uint32_t field, uint8_t conv, const struct mods *m,
				   const char *text, uint32_t line, int depth)
{
	const char *p = strchr(text, '%');
	const char *q = p ? strchr(p + 1, '%') : NULL;
	if (!p || !q || q == p + 1)
		return string_node(c, field, conv, m, text, strlen(text), line);
	if (depth > 8)
		return fail(c, line, "placeholders nested too deep");
	const struct sg_strlist *vals = wh_map_get(&c->s->placeholders, p + 1, (size_t)(q - p - 1));
	if (!vals) {
		sg_warn(c->s, c->r->pub.file, line, c->r->pub.title,
			"placeholder '%.*s' has no values (add it to sigma-placeholders.yml): the value matches nothing",
			(int)(q - p - 1), p + 1);
		return node_const(c->s, false);
	}
	if (vals->n > SG_MAX_VARIANTS)
		return fail(c, line, "placeholder with more than %u values", SG_MAX_VARIANTS);
	struct sg_node **kids = wh_xcalloc(vals->n + 1, sizeof(*kids));
	size_t nk = 0;
	for (uint32_t i = 0; i < vals->n && !c->err; i++) {
		struct wh_sbuf t = WH_SBUF_INIT(SG_MAX_VALUE);
		wh_sbuf_add(&t, text, (size_t)(p - text));
		wh_sbuf_addstr(&t, vals->v[i]);
		wh_sbuf_addstr(&t, q + 1);
		if (t.overflow) {
			wh_sbuf_release(&t);
			free(kids);
			return fail(c, line, "expanded value longer than %u bytes", SG_MAX_VALUE);
		}
		struct sg_node *x = expand_node(c, field, conv, m, wh_sbuf_str(&t), line, depth + 1);
		if (x)
			kids[nk++] = x;
		wh_sbuf_release(&t);
	}
	struct sg_node *res = c->err ? NULL : node_group(c->s, SG_N_OR, kids, nk);
	free(kids);
	return res;
}

static struct sg_node *value_node(struct cctx *c, uint32_t field, uint8_t conv, const struct mods *m,
				  const struct wh_ynode *v)
{
	struct wh_sigma *s = c->s;
	if (v->type != WH_Y_SCALAR)
		return fail(c, v->line, "a value must be a scalar or a list of scalars");
	if (v->len > SG_MAX_VALUE)
		return fail(c, v->line, "a value longer than %u bytes", SG_MAX_VALUE);
	struct sg_leaf p = { .field = field, .conv = conv, .cased = m->cased };
	if (m->exists) {
		bool want;
		if (!wh_ynode_bool(v, &want))
			return fail(c, v->line, "exists takes true or false, not '%s'", v->s);
		if (field == SG_KEYWORD)
			return fail(c, v->line, "exists needs a field");
		p.kind = SG_K_EXISTS;
		struct sg_node *x = node_leaf(s, leaf_get(s, &p, NULL, 0, 0));
		return want ? x : node_not(s, x);
	}
	if (wh_ynode_is_null(v)) {
		if (field == SG_KEYWORD)
			return fail(c, v->line, "null is not a keyword");
		/* null: the field is absent */
		p.kind = SG_K_NULL;
		p.conv = SG_CONV_NONE;
		return node_leaf(s, leaf_get(s, &p, NULL, 0, 0));
	}
	if (m->fieldref) {
		if (field == SG_KEYWORD)
			return fail(c, v->line, "fieldref needs a field");
		uint8_t c2;
		p.kind = SG_K_FIELDREF;
		p.fref_kind = m->match;
		p.fref_field = field_of(c, v->s, v->len, &c2);
		return node_leaf(s, leaf_get(s, &p, NULL, 0, 0));
	}
	if (m->timepart >= 0 || m->cmp >= 0) {
		int64_t i;
		double d;
		bool f;
		if (!sg_parse_number(v->s, v->len, &i, &d, &f))
			return fail(c, v->line, "a numeric modifier needs a number, not '%s'", v->s);
		if (field == SG_KEYWORD)
			return fail(c, v->line, "numeric modifiers need a field");
		p.kind = m->timepart >= 0 ? SG_K_TIME : SG_K_NUM;
		p.timepart = (uint8_t)(m->timepart >= 0 ? m->timepart : 0);
		p.cmp = (uint8_t)(m->cmp >= 0 ? m->cmp : SG_CMP_EQ);
		p.inum = i;
		p.dnum = d;
		p.isfloat = f;
		p.s = v->s;
		p.len = (uint32_t)v->len;
		p.cased = false;
		return node_leaf(s, leaf_get(s, &p, NULL, 0, 0));
	}
	if (m->cidr) {
		if (field == SG_KEYWORD)
			return fail(c, v->line, "cidr needs a field");
		p.kind = SG_K_CIDR;
		if (!sg_parse_cidr(v->s, &p.cidr_af, &p.cidr_bits, p.cidr_addr))
			return fail(c, v->line, "not a CIDR network: '%s'", v->s);
		p.cased = false;
		return node_leaf(s, leaf_get(s, &p, NULL, 0, 0));
	}
	if (m->re) {
		/* event values are not always valid UTF-8: match them anyway */
		uint32_t flags = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
		if (m->re_i)
			flags |= PCRE2_CASELESS;
		if (m->re_m)
			flags |= PCRE2_MULTILINE;
		if (m->re_s)
			flags |= PCRE2_DOTALL;
		p.kind = SG_K_RE;
		p.cased = true;
		struct sg_leaf *l = leaf_get(s, &p, v->s, v->len, flags);
		if (!l->re) {
			int ec;
			PCRE2_SIZE eo;
			l->re = pcre2_compile((PCRE2_SPTR)v->s, v->len, flags, &ec, &eo, NULL);
			if (!l->re) {
				PCRE2_UCHAR msg[160];
				pcre2_get_error_message(ec, msg, sizeof(msg));
				/* leave the leaf unusable; the rule is rejected */
				return fail(c, v->line, "invalid regular expression at offset %zu: %s", (size_t)eo,
					    (const char *)msg);
			}
			pcre2_jit_compile(l->re, PCRE2_JIT_COMPLETE);
		}
		if (field == SG_KEYWORD)
			return fail(c, v->line, "re needs a field");
		/* a literal every match contains lets the prefilter skip the
		 * expression on events that lack it */
		if (l->hint == SG_NONE && !conv) {
			char lit[256];
			size_t ln = sg_re_literal(v->s, v->len, m->re_i, lit, sizeof(lit));
			if (ln >= 3) {
				struct sg_leaf h = { .field = field, .kind = SG_K_CONTAINS, .cased = false, .s = lit,
						     .len = (uint32_t)ln };
				l->hint = leaf_get(s, &h, NULL, 0, 0)->id;
			}
		}
		return node_leaf(s, l);
	}
	bool b;
	int64_t iv;
	double dv;
	bool encoded = m->base64 || m->base64offset || m->utf16 || m->windash || m->expand;
	if (v->plain && !encoded && m->match == SG_K_EQ && field != SG_KEYWORD &&
	    (wh_ynode_int(v, &iv) || wh_ynode_float(v, &dv))) {
		/* numbers compare as numbers */
		bool f;
		sg_parse_number(v->s, v->len, &p.inum, &p.dnum, &f);
		if (wh_ynode_int(v, &iv)) {
			p.inum = iv;
			p.dnum = (double)iv;
			f = false;
		}
		p.isfloat = f;
		p.kind = SG_K_NUM;
		p.cmp = SG_CMP_EQ;
		p.s = v->s;
		p.len = (uint32_t)v->len;
		p.cased = false;
		return node_leaf(s, leaf_get(s, &p, NULL, 0, 0));
	}
	(void)b;
	if (m->expand)
		return expand_node(c, field, conv, m, v->s, v->line, 0);
	return string_node(c, field, conv, m, v->s, v->len, v->line);
}

/* "Field|mods: value or list" */
static struct sg_node *field_node(struct cctx *c, const struct wh_ynode *k, const struct wh_ynode *v)
{
	struct mods m;
	if (k->type != WH_Y_SCALAR)
		return fail(c, k->line, "a field name must be a scalar");
	if (parse_mods(c, k->s, k->line, &m) < 0)
		return NULL;
	const char *bar = strchr(k->s, '|');
	size_t fl = bar ? (size_t)(bar - k->s) : k->len;
	uint8_t conv = SG_CONV_NONE;
	uint32_t field = fl ? field_of(c, k->s, fl, &conv) : SG_KEYWORD;
	struct sg_node *res;
	if (v->type == WH_Y_SEQ) {
		if (m.all && v->n == 1)
			return fail(c, v->line, "the all modifier needs more than one value");
		struct sg_node **kids = wh_xcalloc(v->n + 1, sizeof(*kids));
		size_t nk = 0;
		for (uint32_t i = 0; i < v->n && !c->err; i++) {
			struct sg_node *x = value_node(c, field, conv, &m, v->kids[i]);
			if (x)
				kids[nk++] = x;
		}
		res = c->err ? NULL : node_group(c->s, m.all ? SG_N_AND : SG_N_OR, kids, nk);
		free(kids);
	} else if (v->type == WH_Y_SCALAR) {
		if (m.all)
			return fail(c, v->line, "the all modifier needs more than one value");
		res = value_node(c, field, conv, &m, v);
	} else {
		return fail(c, v->line, "the value of '%s' must be a scalar or a list", k->s);
	}
	if (res && m.neq)
		res = node_not(c->s, res);
	return res;
}

static struct sg_node *map_node(struct cctx *c, const struct wh_ynode *map)
{
	struct sg_node **kids = wh_xcalloc(map->n + 1, sizeof(*kids));
	size_t nk = 0;
	for (uint32_t i = 0; i < map->n && !c->err; i++) {
		struct sg_node *x = field_node(c, map->kids[2 * i], map->kids[2 * i + 1]);
		if (x)
			kids[nk++] = x;
	}
	struct sg_node *res = c->err ? NULL : node_group(c->s, SG_N_AND, kids, nk);
	free(kids);
	return res;
}

static struct sg_node *keyword_node(struct cctx *c, const struct wh_ynode *v)
{
	struct mods m;
	memset(&m, 0, sizeof(m));
	m.match = SG_K_CONTAINS;
	m.cmp = m.timepart = -1;
	if (wh_ynode_is_null(v))
		return fail(c, v->line, "null is not a keyword");
	return value_node(c, SG_KEYWORD, SG_CONV_NONE, &m, v);
}

/* One search identifier's definition. */
static struct sg_node *search_node(struct cctx *c, const struct wh_ynode *d)
{
	if (d->type == WH_Y_MAP)
		return map_node(c, d);
	if (d->type == WH_Y_SEQ) {
		struct sg_node **kids = wh_xcalloc(d->n + 1, sizeof(*kids));
		size_t nk = 0;
		for (uint32_t i = 0; i < d->n && !c->err; i++) {
			const struct wh_ynode *it = d->kids[i];
			struct sg_node *x = it->type == WH_Y_MAP ? map_node(c, it)
					    : it->type == WH_Y_SCALAR ? keyword_node(c, it)
					    : fail(c, it->line, "a list item must be a map or a keyword");
			if (x)
				kids[nk++] = x;
		}
		struct sg_node *res = c->err ? NULL : node_group(c->s, SG_N_OR, kids, nk);
		free(kids);
		return res;
	}
	return keyword_node(c, d);
}

/* ---- the condition ---- */

struct cond {
	struct cctx *c;
	const struct wh_ynode *det;
	struct sg_node **compiled;   /* per search identifier, compiled on first use */
	const char *p;
	uint32_t line;
	int depth;
	bool filter;                 /* a filter's section: `rules` is no search */
};

enum tok { T_END, T_LP, T_RP, T_AND, T_OR, T_NOT, T_OF, T_ONE, T_ALL, T_THEM, T_ID, T_PIPE, T_BAD };

static enum tok next_tok(struct cond *q, const char **id, size_t *idn, bool consume)
{
	const char *p = q->p;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	enum tok t;
	const char *start = p;
	if (!*p) {
		t = T_END;
	} else if (*p == '(') {
		t = T_LP;
		p++;
	} else if (*p == ')') {
		t = T_RP;
		p++;
	} else if (*p == '|') {
		t = T_PIPE;
		p++;
	} else {
		while (*p && !strchr(" \t\r\n()|", *p))
			p++;
		size_t n = (size_t)(p - start);
		if (n == 3 && strncasecmp(start, "and", 3) == 0) t = T_AND;
		else if (n == 2 && strncasecmp(start, "or", 2) == 0) t = T_OR;
		else if (n == 3 && strncasecmp(start, "not", 3) == 0) t = T_NOT;
		else if (n == 2 && strncasecmp(start, "of", 2) == 0) t = T_OF;
		else if (n == 1 && *start == '1') t = T_ONE;
		else if (n == 3 && strncasecmp(start, "any", 3) == 0) t = T_ONE;
		else if (n == 3 && strncasecmp(start, "all", 3) == 0) t = T_ALL;
		else if (n == 4 && strncasecmp(start, "them", 4) == 0) t = T_THEM;
		else t = T_ID;
		*id = start;
		*idn = n;
	}
	if (consume)
		q->p = p;
	return t;
}

static bool name_glob(const char *pat, size_t pn, const char *name)
{
	uint8_t w[256];
	if (pn >= sizeof(w))
		return false;
	for (size_t i = 0; i < pn; i++)
		w[i] = pat[i] == '*' ? SG_W_STAR : SG_W_LIT;
	return sg_glob_match(pat, w, pn, name, strlen(name), true);
}

static struct sg_node *search_by_index(struct cond *q, uint32_t i)
{
	if (!q->compiled[i]) {
		struct sg_node *x = search_node(q->c, q->det->kids[2 * i + 1]);
		if (!x)
			return NULL;
		q->compiled[i] = x;
	}
	return q->compiled[i];
}

static bool is_search(const struct cond *q, const struct wh_ynode *k)
{
	return k->type == WH_Y_SCALAR && strcmp(k->s, "condition") != 0 && strcmp(k->s, "timeframe") != 0 &&
	       !(q->filter && strcmp(k->s, "rules") == 0);
}

static struct sg_node *parse_or(struct cond *q);

static struct sg_node *parse_primary(struct cond *q)
{
	struct cctx *c = q->c;
	const char *id;
	size_t idn;
	enum tok t = next_tok(q, &id, &idn, true);
	if (++q->depth > 64)
		return fail(c, q->line, "condition nested too deep");
	struct sg_node *res = NULL;
	switch (t) {
	case T_LP:
		res = parse_or(q);
		if (res && next_tok(q, &id, &idn, true) != T_RP)
			res = fail(c, q->line, "condition: ')' missing");
		break;
	case T_NOT: {
		struct sg_node *x = parse_primary(q);
		res = x ? node_not(c->s, x) : NULL;
		break;
	}
	case T_ONE:
	case T_ALL: {
		if (next_tok(q, &id, &idn, true) != T_OF)
			return fail(c, q->line, "condition: 'of' expected after '%s'", t == T_ALL ? "all" : "1");
		const char *pat;
		size_t pn;
		enum tok w = next_tok(q, &pat, &pn, true);
		if (w != T_THEM && w != T_ID)
			return fail(c, q->line, "condition: a pattern or 'them' expected after 'of'");
		struct sg_node **kids = wh_xcalloc(q->det->n + 1, sizeof(*kids));
		size_t nk = 0;
		for (uint32_t i = 0; i < q->det->n && !c->err; i++) {
			const struct wh_ynode *k = q->det->kids[2 * i];
			if (!is_search(q, k))
				continue;
			if (w == T_THEM ? k->s[0] == '_' : !name_glob(pat, pn, k->s))
				continue;
			struct sg_node *x = search_by_index(q, i);
			if (x)
				kids[nk++] = x;
		}
		if (!c->err && nk == 0)
			res = fail(c, q->line, "condition: no search identifier matches '%.*s'",
				   (int)(w == T_THEM ? 4 : pn), w == T_THEM ? "them" : pat);
		else if (!c->err)
			res = node_group(c->s, t == T_ALL ? SG_N_AND : SG_N_OR, kids, nk);
		free(kids);
		break;
	}
	case T_ID: {
		for (uint32_t i = 0; i < q->det->n; i++) {
			const struct wh_ynode *k = q->det->kids[2 * i];
			if (is_search(q, k) && strlen(k->s) == idn && strncmp(k->s, id, idn) == 0) {
				res = search_by_index(q, i);
				q->depth--;
				return res;
			}
		}
		res = fail(c, q->line, "condition: unknown search identifier '%.*s'", (int)idn, id);
		break;
	}
	case T_PIPE:
		res = fail(c, q->line, "condition: aggregations ('| count() ...') are not part of Sigma 2; "
				       "use a correlation rule");
		break;
	default:
		res = fail(c, q->line, "condition: unexpected %s", t == T_END ? "end" : "word");
		break;
	}
	q->depth--;
	return res;
}

static struct sg_node *parse_and(struct cond *q)
{
	struct sg_node *kids[2];
	struct sg_node *x = parse_primary(q);
	const char *id;
	size_t idn;
	while (x && next_tok(q, &id, &idn, false) == T_AND) {
		next_tok(q, &id, &idn, true);
		struct sg_node *y = parse_primary(q);
		if (!y)
			return NULL;
		kids[0] = x;
		kids[1] = y;
		x = node_group(q->c->s, SG_N_AND, kids, 2);
	}
	return x;
}

static struct sg_node *parse_or(struct cond *q)
{
	struct sg_node *kids[2];
	struct sg_node *x = parse_and(q);
	const char *id;
	size_t idn;
	while (x && next_tok(q, &id, &idn, false) == T_OR) {
		next_tok(q, &id, &idn, true);
		struct sg_node *y = parse_and(q);
		if (!y)
			return NULL;
		kids[0] = x;
		kids[1] = y;
		x = node_group(q->c->s, SG_N_OR, kids, 2);
	}
	return x;
}

static struct sg_node *parse_condition(struct cond *q, const struct wh_ynode *cn)
{
	struct cctx *c = q->c;
	if (cn->type != WH_Y_SCALAR || cn->len == 0)
		return fail(c, cn->line, "the condition must be a non-empty string");
	q->p = cn->s;
	q->line = cn->line;
	q->depth = 0;
	struct sg_node *x = parse_or(q);
	const char *id;
	size_t idn;
	if (x) {
		enum tok t = next_tok(q, &id, &idn, false);
		if (t == T_PIPE)
			return fail(c, cn->line, "condition: aggregations ('| count() ...') are not part of Sigma 2; "
						 "use a correlation rule");
		if (t != T_END)
			return fail(c, cn->line, "condition: unexpected '%.*s'", (int)(t == T_ID ? idn : 1),
				    t == T_ID ? id : q->p);
	}
	return x;
}

struct sg_node *sg_compile_detection(struct wh_sigma *s, struct sg_rule *r, const struct wh_ynode *det,
				     const struct sg_rename *ren, uint32_t nren, const char **err, uint32_t *err_line)
{
	struct cctx c = { .s = s, .r = r, .ren = ren, .nren = nren, .fields = WH_SBUF_INIT(1 << 20) };
	c.collect_fields = r && !r->base && !ren;
	*err = NULL;
	if (!det || det->type != WH_Y_MAP) {
		*err = "detection must be a map";
		*err_line = det ? det->line : 0;
		return NULL;
	}
	const struct wh_ynode *cn = wh_ymap_get(det, "condition");
	if (!cn) {
		*err = "detection has no condition";
		*err_line = det->line;
		return NULL;
	}
	struct cond q = { .c = &c, .det = det, .filter = r && r->pub.filter };
	q.compiled = wh_xcalloc(det->n + 1, sizeof(*q.compiled));
	struct sg_node *res = NULL;
	if (cn->type == WH_Y_SEQ) {
		/* a list of conditions: any of them (Sigma 1, still accepted) */
		struct sg_node **kids = wh_xcalloc(cn->n + 1, sizeof(*kids));
		size_t nk = 0;
		for (uint32_t i = 0; i < cn->n && !c.err; i++) {
			struct sg_node *x = parse_condition(&q, cn->kids[i]);
			if (x)
				kids[nk++] = x;
		}
		if (!c.err)
			res = nk ? node_group(s, SG_N_OR, kids, nk) : fail(&c, cn->line, "empty condition list");
		free(kids);
	} else {
		res = parse_condition(&q, cn);
	}
	/* every search identifier must compile, used or not, so a rule with a
	 * broken unused search is reported rather than silently kept */
	for (uint32_t i = 0; i < det->n && !c.err && res; i++)
		if (is_search(&q, det->kids[2 * i]) && !q.compiled[i])
			if (!search_by_index(&q, i))
				res = NULL;
	free(q.compiled);
	if (c.err) {
		/* copy: c.errbuf dies with this frame */
		*err = wh_arena_strdup(&s->arena, c.err);
		*err_line = c.err_line ? c.err_line : det->line;
		wh_sbuf_release(&c.fields);
		return NULL;
	}
	if (c.collect_fields && r) {
		uint32_t nf = 0;
		for (size_t i = 0; i < c.fields.len; i++)
			nf += c.fields.buf[i] == '\0';
		const char **fv = wh_arena_alloc(&s->arena, (nf + 1) * sizeof(*fv));
		const char *p = c.fields.buf;
		for (uint32_t i = 0; i < nf; i++) {
			fv[i] = wh_intern_str(&s->strings, p);
			p += strlen(p) + 1;
		}
		r->pub.fields = fv;
		r->pub.nfields = nf;
	}
	wh_sbuf_release(&c.fields);
	return res;
}

/* ---- metadata ---- */

static const char *meta_str(struct wh_sigma *s, const struct wh_ynode *doc, const char *key)
{
	const struct wh_ynode *n = wh_ymap_get(doc, key);
	if (!n || n->type != WH_Y_SCALAR || wh_ynode_is_null(n))
		return "";
	return wh_intern(&s->strings, n->s, n->len);
}

bool wh_sigma_tag_technique(const char *tag, char *buf, size_t n)
{
	if (strncasecmp(tag, "attack.t", 8) != 0 || !(tag[8] >= '0' && tag[8] <= '9'))
		return false;
	size_t len = strlen(tag + 7);
	if (len + 1 > n)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = tag[7 + i];
		if (!((ch >= '0' && ch <= '9') || ch == '.' || ch == 't' || ch == 'T'))
			return false;
		buf[i] = (ch == 't') ? 'T' : ch;
	}
	buf[len] = '\0';
	return true;
}

static enum wh_stage tactic_stage(const char *t)
{
	static const struct {
		const char *tactic;
		enum wh_stage stage;
	} tab[] = {
		{ "reconnaissance", WH_KC_RECONNAISSANCE },
		{ "resource_development", WH_KC_WEAPONIZATION },
		{ "initial_access", WH_KC_DELIVERY },
		{ "execution", WH_KC_EXPLOITATION },
		{ "persistence", WH_KC_INSTALLATION },
		{ "privilege_escalation", WH_KC_INSTALLATION },
		{ "defense_evasion", WH_KC_INSTALLATION },
		{ "credential_access", WH_KC_LATERAL_MOVEMENT },
		{ "discovery", WH_KC_LATERAL_MOVEMENT },
		{ "lateral_movement", WH_KC_LATERAL_MOVEMENT },
		{ "command_and_control", WH_KC_COMMAND_AND_CONTROL },
		{ "collection", WH_KC_ACTIONS_ON_OBJECTIVES },
		{ "exfiltration", WH_KC_ACTIONS_ON_OBJECTIVES },
		{ "impact", WH_KC_ACTIONS_ON_OBJECTIVES },
	};
	char norm[64];
	size_t n = strlen(t);
	if (n >= sizeof(norm))
		return WH_KC_NONE;
	for (size_t i = 0; i <= n; i++)
		norm[i] = t[i] == '-' ? '_' : (char)((t[i] >= 'A' && t[i] <= 'Z') ? t[i] + 32 : t[i]);
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcmp(norm, tab[i].tactic) == 0)
			return tab[i].stage;
	return WH_KC_NONE;
}

static void read_tags(struct wh_sigma *s, struct sg_rule *r, const struct wh_ynode *tags)
{
	if (!tags || tags->type != WH_Y_SEQ)
		return;
	const char **v = wh_arena_alloc(&s->arena, (tags->n + 1) * sizeof(*v));
	uint32_t n = 0;
	struct wh_sbuf att = WH_SBUF_INIT(4096);
	for (uint32_t i = 0; i < tags->n; i++) {
		const struct wh_ynode *t = tags->kids[i];
		if (t->type != WH_Y_SCALAR)
			continue;
		v[n++] = wh_intern(&s->strings, t->s, t->len);
		char tech[64];
		if (wh_sigma_tag_technique(t->s, tech, sizeof(tech))) {
			if (att.len)
				wh_sbuf_addch(&att, ',');
			wh_sbuf_addstr(&att, tech);
		} else if (strncasecmp(t->s, "attack.", 7) == 0) {
			enum wh_stage st = tactic_stage(t->s + 7);
			if (st > r->pub.stage)
				r->pub.stage = st;
		}
	}
	r->pub.tags = v;
	r->pub.ntags = n;
	r->pub.attack = wh_intern_str(&s->strings, wh_sbuf_str(&att));
	wh_sbuf_release(&att);
}

static uint8_t status_confidence(const char *st)
{
	if (strcmp(st, "stable") == 0)
		return 80;
	if (strcmp(st, "test") == 0)
		return 70;
	if (strcmp(st, "experimental") == 0)
		return 50;
	if (strcmp(st, "deprecated") == 0 || strcmp(st, "unsupported") == 0)
		return 30;
	return 60;
}

static void index_rule(struct wh_sigma *s, uint32_t idx)
{
	struct sg_rule *r = &s->rules[idx];
	bool added;
	if (*r->pub.id) {
		struct wh_map_slot *sl = wh_map_put(&s->by_id, r->pub.id, strlen(r->pub.id), &added);
		if (added)
			sl->val = (void *)(uintptr_t)(idx + 1);
		else
			sg_warn(s, r->pub.file, r->pub.line, r->pub.title, "id '%s' is also the id of an earlier rule",
				r->pub.id);
	}
	if (*r->pub.name) {
		struct wh_map_slot *sl = wh_map_put(&s->by_name, r->pub.name, strlen(r->pub.name), &added);
		if (added)
			sl->val = (void *)(uintptr_t)(idx + 1);
	}
}

/* One YAML document. Returns 1 when it became a rule, 0 when rejected or empty. */
static int load_doc(struct wh_sigma *s, const char *file, const struct wh_ynode *doc, uint32_t line)
{
	if (!doc)
		return 0;
	if (doc->type != WH_Y_MAP) {
		sg_reject(s, file, line, "", "a Sigma document must be a map");
		return 0;
	}
	const char *title = meta_str(s, doc, "title");
	const struct wh_ynode *tn = wh_ymap_get(doc, "title");
	if (!*title || !tn || tn->type != WH_Y_SCALAR) {
		sg_reject(s, file, line, "", "no title (title is mandatory)");
		return 0;
	}
	const struct wh_ynode *det = wh_ymap_get(doc, "detection");
	const struct wh_ynode *corr = wh_ymap_get(doc, "correlation");
	const struct wh_ynode *filt = wh_ymap_get(doc, "filter");
	if (!det && !corr && !filt) {
		if (wh_ymap_get(doc, "action")) {
			sg_reject(s, file, line, title, "Sigma 1 'action' documents (global, reset, repeat) are not part of "
							"Sigma 2");
			return 0;
		}
		sg_reject(s, file, line, title, "no detection, correlation or filter section");
		return 0;
	}
	WH_GROW(s->rules, s->nrules + 1, s->rules_cap);
	uint32_t idx = s->nrules;
	struct sg_rule *r = &s->rules[idx];
	memset(r, 0, sizeof(*r));
	r->doc = doc;
	r->pub.index = idx;
	r->pub.title = title;
	r->pub.file = wh_intern_str(&s->strings, file);
	r->pub.line = line;
	r->pub.id = meta_str(s, doc, "id");
	r->pub.name = meta_str(s, doc, "name");
	r->pub.status = meta_str(s, doc, "status");
	r->pub.description = meta_str(s, doc, "description");
	r->pub.level = meta_str(s, doc, "level");
	r->pub.attack = "";
	r->pub.enabled = true;
	r->pub.confidence = status_confidence(r->pub.status);
	int sev = *r->pub.level ? wh_severity_parse(r->pub.level) : WH_SEV_MEDIUM;
	if (sev < 0) {
		sg_warn(s, file, line, title, "unknown level '%s': taken as medium", r->pub.level);
		sev = WH_SEV_MEDIUM;
	}
	r->pub.severity = (enum wh_severity)sev;
	read_tags(s, r, wh_ymap_get(doc, "tags"));
	const struct wh_ynode *ls = wh_ymap_get(doc, "logsource");
	r->pub.product = meta_str(s, ls, "product");
	r->pub.category = meta_str(s, ls, "category");
	r->pub.service = meta_str(s, ls, "service");
	const char *err = NULL;
	uint32_t eline = line;
	if (corr) {
		r->pub.correlation = true;
		r->pub.mapped = true;
		if (sg_corr_load(s, r, corr, &err, &eline) < 0) {
			sg_reject(s, file, eline, title, "%s", err);
			return 0;
		}
	} else {
		if (!ls || ls->type != WH_Y_MAP) {
			sg_reject(s, file, line, title, "no logsource (logsource is mandatory)");
			return 0;
		}
		if (!*r->pub.product && !*r->pub.category && !*r->pub.service) {
			sg_reject(s, file, ls->line, title, "logsource names no product, category or service");
			return 0;
		}
		const struct wh_ynode *body = det;
		if (filt) {
			/* a filter: `filter: { rules: [...], <searches>, condition }` */
			r->pub.filter = true;
			if (filt->type != WH_Y_MAP) {
				sg_reject(s, file, filt->line, title, "filter must be a map");
				return 0;
			}
			const struct wh_ynode *refs = wh_ymap_get(filt, "rules");
			if (!refs || (refs->type != WH_Y_SEQ && refs->type != WH_Y_SCALAR)) {
				sg_reject(s, file, filt->line, title, "filter has no rules list");
				return 0;
			}
			uint32_t nr = refs->type == WH_Y_SEQ ? refs->n : 1;
			r->filter_refs = wh_arena_alloc(&s->arena, (nr + 1) * sizeof(char *));
			for (uint32_t i = 0; i < nr; i++) {
				const struct wh_ynode *it = refs->type == WH_Y_SEQ ? refs->kids[i] : refs;
				if (it->type == WH_Y_SCALAR)
					r->filter_refs[r->nfilter_refs++] = wh_intern(&s->strings, it->s, it->len);
			}
			body = filt;
		}
		/* the filter's own `rules` key is not a search */
		r->detection = body;
		r->entry = sg_mapping_find(s, r->pub.product, r->pub.category, r->pub.service);
		r->pub.mapped = r->entry != NULL;
		struct sg_node *x = sg_compile_detection(s, r, body, NULL, 0, &err, &eline);
		if (!x) {
			sg_reject(s, file, eline, title, "%s", err);
			return 0;
		}
		r->base = x;
	}
	s->nrules++;
	index_rule(s, idx);
	return 1;
}

int wh_sigma_load_buffer(struct wh_sigma *s, const char *name, const char *buf, size_t len)
{
	if (s->compiled) {
		wh_error("sigma: rules loaded after compile are ignored");
		return 0;
	}
	if (!s->mapping_loaded)
		wh_sigma_load_mapping(s, NULL);
	struct wh_yfile *f = wh_xcalloc(1, sizeof(*f));
	int rc = wh_yaml_parse(f, buf, len);
	WH_GROW(s->files, s->nfiles + 1, s->files_cap);
	s->files[s->nfiles++] = f;
	int loaded = 0;
	for (uint32_t i = 0; i < f->ndocs; i++)
		loaded += load_doc(s, name, f->docs[i], f->doc_line[i]);
	if (rc < 0)
		sg_reject(s, name, f->err_line, "", "%s (the rest of the file is not read)", f->err);
	return loaded;
}

static bool yaml_name(const char *n)
{
	size_t l = strlen(n);
	return (l > 4 && strcmp(n + l - 4, ".yml") == 0) || (l > 5 && strcmp(n + l - 5, ".yaml") == 0);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_file(struct wh_sigma *s, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return wh_error("%s: cannot open: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_size > (off_t)SG_MAX_RULE_FILE) {
		close(fd);
		sg_reject(s, path, 0, "", "larger than %u MiB", SG_MAX_RULE_FILE >> 20);
		return 0;
	}
	size_t cap = (size_t)st.st_size + 1, n = 0;
	char *buf = wh_xmalloc(cap);
	for (;;) {
		if (n == cap - 1) {
			if (cap > SG_MAX_RULE_FILE)
				break;
			cap *= 2;
			buf = wh_xrealloc(buf, cap);
		}
		ssize_t r = read(fd, buf + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			free(buf);
			return wh_error("%s: cannot read: %s", path, strerror(e));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	wh_sigma_load_buffer(s, path, buf, n);
	free(buf);
	return 0;
}

static int load_dir(struct wh_sigma *s, const char *path, int depth)
{
	if (depth > 32)
		return 0;
	DIR *d = opendir(path);
	if (!d)
		return wh_error("%s: cannot open folder: %s", path, strerror(errno));
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;   /* ., .., and hidden entries such as .git */
		WH_GROW(names, n + 1, cap);
		names[n++] = wh_xstrdup(e->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		struct wh_sbuf p = WH_SBUF_INIT(8192);
		wh_sbuf_addf(&p, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", names[i]);
		struct stat st;
		if (!p.overflow && stat(p.buf, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				rc |= load_dir(s, p.buf, depth + 1);
			else if (S_ISREG(st.st_mode) && yaml_name(names[i]))
				rc |= load_file(s, p.buf);
		}
		wh_sbuf_release(&p);
		free(names[i]);
	}
	free(names);
	return rc;
}

int wh_sigma_load_path(struct wh_sigma *s, const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return wh_error("%s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return load_dir(s, path, 0);
	return load_file(s, path);
}
