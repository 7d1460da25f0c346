#include "read/json_scan.h"
#include "util/jsonspan.h"
#include "util/utf8.h"
#include "util/xalloc.h"

#include <stdbool.h>
#include <string.h>


/* 1: whitespace */
static const uint8_t ws_tab[256] = { [' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1 };

struct scan {
	const char *b;
	size_t n, i;
	struct wh_jdoc *d;
	size_t err_at;
	const char *err;
	bool more;
};

static int fail(struct scan *s, const char *msg)
{
	if (!s->err) {
		s->err = msg;
		s->err_at = s->i;
	}
	return -1;
}

static int need_more(struct scan *s)
{
	s->more = true;
	return -1;
}

static inline void skip_ws(struct scan *s)
{
	while (s->i < s->n && ws_tab[(unsigned char)s->b[s->i]])
		s->i++;
}

static inline bool is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'f');
}

/* At the opening quote. Sets the body span; *esc when it holds escapes. */
static int scan_string(struct scan *s, uint32_t *off, uint32_t *len, uint8_t *esc)
{
	const unsigned char *b = (const unsigned char *)s->b;
	size_t i = s->i + 1, n = s->n;
	*esc = 0;
	*off = (uint32_t)i;
	for (;;) {
		i = wh_json_plain_span(b, i, n);
		if (i >= n)
			return need_more(s);
		unsigned c = b[i];
		if (c == '"')
			break;
		if (c == '\\') {
			*esc = 1;
			if (i + 1 >= n)
				return need_more(s);
			unsigned e = b[i + 1];
			if (e == 'u') {
				if (i + 6 > n)
					return need_more(s);
				for (int k = 2; k < 6; k++)
					if (!is_hex(b[i + k])) {
						s->i = i;
						return fail(s, "invalid \\u escape in string");
					}
				i += 6;
			} else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' ||
				   e == 'r' || e == 't') {
				i += 2;
			} else {
				s->i = i;
				return fail(s, "invalid escape in string");
			}
			continue;
		}
		if (c < 0x20) {
			s->i = i;
			return fail(s, c == '\n' ? "string not closed before end of line"
						 : "control character in string");
		}
		int l = wh_utf8_seq(b + i, n - i);
		if (l < 0)
			return need_more(s);
		if (l == 0) {
			s->i = i;
			return fail(s, "invalid UTF-8 in string");
		}
		i += (size_t)l;
	}
	*len = (uint32_t)(i - *off);
	s->i = i + 1;
	return 0;
}

static int scan_number(struct scan *s)
{
	const char *b = s->b;
	size_t i = s->i, n = s->n;
	if (i < n && b[i] == '-')
		i++;
	if (i >= n)
		return need_more(s);
	if (b[i] == '0') {
		i++;
	} else if (b[i] >= '1' && b[i] <= '9') {
		while (i < n && b[i] >= '0' && b[i] <= '9')
			i++;
	} else {
		s->i = i;
		return fail(s, "invalid number");
	}
	if (i < n && b[i] == '.') {
		i++;
		size_t st = i;
		while (i < n && b[i] >= '0' && b[i] <= '9')
			i++;
		if (i == st) {
			if (i >= n)
				return need_more(s);
			s->i = i;
			return fail(s, "invalid number");
		}
	}
	if (i < n && (b[i] == 'e' || b[i] == 'E')) {
		i++;
		if (i < n && (b[i] == '+' || b[i] == '-'))
			i++;
		size_t st = i;
		while (i < n && b[i] >= '0' && b[i] <= '9')
			i++;
		if (i == st) {
			if (i >= n)
				return need_more(s);
			s->i = i;
			return fail(s, "invalid number");
		}
	}
	/* A number that runs to the end of the buffer may continue after it. */
	if (i >= n)
		return need_more(s);
	s->i = i;
	return 0;
}

static int scan_literal(struct scan *s, const char *lit, size_t ll)
{
	size_t avail = s->n - s->i;
	if (avail < ll) {
		if (memcmp(s->b + s->i, lit, avail) == 0)
			return need_more(s);
		return fail(s, "invalid literal");
	}
	if (memcmp(s->b + s->i, lit, ll) != 0)
		return fail(s, "invalid literal");
	s->i += ll;
	return 0;
}

static int add_node(struct scan *s, uint32_t koff, uint32_t klen, uint8_t kesc, int32_t parent,
		    bool arr)
{
	struct wh_jdoc *d = s->d;
	if (d->nnodes >= 1u << 20)
		return fail(s, "too many objects in one document");
	WH_GROW(d->nodes, d->nnodes + 1, d->nodecap);
	struct wh_jnode *nd = &d->nodes[d->nnodes];
	nd->key_off = koff;
	nd->key_len = klen;
	nd->key_esc = kesc;
	nd->parent = parent;
	nd->is_array = arr;
	nd->path = NULL;
	nd->path_len = 0;
	return (int)d->nnodes++;
}

static int add_leaf(struct scan *s, uint32_t koff, uint32_t klen, uint8_t kesc, int32_t node,
		    uint8_t type, uint32_t voff, uint32_t vlen, uint8_t vesc)
{
	struct wh_jdoc *d = s->d;
	if (d->nleaves >= 1u << 22)
		return fail(s, "too many values in one document");
	WH_GROW(d->leaves, d->nleaves + 1, d->leafcap);
	struct wh_jleaf *l = &d->leaves[d->nleaves++];
	l->key_off = koff;
	l->key_len = klen;
	l->key_esc = kesc;
	l->node = node;
	l->type = type;
	l->val_off = voff;
	l->val_len = vlen;
	l->val_esc = vesc;
	l->key = l->val = NULL;
	return 0;
}

static int scan_value(struct scan *s, uint32_t koff, uint32_t klen, uint8_t kesc, int32_t node,
		      int depth);

static int scan_container(struct scan *s, uint32_t koff, uint32_t klen, uint8_t kesc,
			  int32_t parent, int depth)
{
	bool arr = s->b[s->i] == '[';
	if (depth >= WH_JSON_MAX_DEPTH)
		return fail(s, "nested too deep");
	int self = add_node(s, koff, klen, kesc, parent, arr);
	if (self < 0)
		return -1;
	s->i++;
	skip_ws(s);
	if (s->i >= s->n)
		return need_more(s);
	char close = arr ? ']' : '}';
	if (s->b[s->i] == close) {
		s->i++;
		return 0;
	}
	for (;;) {
		if (arr) {
			/* elements take the array's key, and the array's parent as container */
			if (scan_value(s, koff, klen, kesc, self, depth + 1) < 0)
				return -1;
		} else {
			if (s->b[s->i] != '"')
				return fail(s, "expected a key in quotes");
			uint32_t ko, kl;
			uint8_t ke;
			if (scan_string(s, &ko, &kl, &ke) < 0)
				return -1;
			skip_ws(s);
			if (s->i >= s->n)
				return need_more(s);
			if (s->b[s->i] != ':')
				return fail(s, "expected ':' after key");
			s->i++;
			skip_ws(s);
			if (s->i >= s->n)
				return need_more(s);
			if (scan_value(s, ko, kl, ke, self, depth + 1) < 0)
				return -1;
		}
		skip_ws(s);
		if (s->i >= s->n)
			return need_more(s);
		char c = s->b[s->i];
		if (c == ',') {
			s->i++;
			skip_ws(s);
			if (s->i >= s->n)
				return need_more(s);
			continue;
		}
		if (c == close) {
			s->i++;
			return 0;
		}
		return fail(s, arr ? "expected ',' or ']'" : "expected ',' or '}'");
	}
}

static int scan_value(struct scan *s, uint32_t koff, uint32_t klen, uint8_t kesc, int32_t node,
		      int depth)
{
	char c = s->b[s->i];
	switch (c) {
	case '{':
	case '[':
		return scan_container(s, koff, klen, kesc, node, depth);
	case '"': {
		uint32_t vo, vl;
		uint8_t ve;
		if (scan_string(s, &vo, &vl, &ve) < 0)
			return -1;
		return add_leaf(s, koff, klen, kesc, node, WH_JT_STRING, vo, vl, ve);
	}
	case 't':
	case 'f':
	case 'n': {
		const char *lit = c == 't' ? "true" : c == 'f' ? "false" : "null";
		size_t st = s->i;
		if (scan_literal(s, lit, strlen(lit)) < 0)
			return -1;
		return add_leaf(s, koff, klen, kesc, node,
				c == 't' ? WH_JT_TRUE : c == 'f' ? WH_JT_FALSE : WH_JT_NULL,
				(uint32_t)st, (uint32_t)(s->i - st), 0);
	}
	default:
		if (c == '-' || (c >= '0' && c <= '9')) {
			size_t st = s->i;
			if (scan_number(s) < 0)
				return -1;
			return add_leaf(s, koff, klen, kesc, node, WH_JT_NUMBER, (uint32_t)st,
					(uint32_t)(s->i - st), 0);
		}
		return fail(s, "unexpected character");
	}
}

int wh_json_scan(const char *buf, size_t len, size_t start, struct wh_jdoc *d, size_t *end,
		 size_t *err_at, const char **err)
{
	if (len > UINT32_MAX) {
		*err_at = start;
		*err = "document larger than 4 GiB";
		return WH_JSON_ERR;
	}
	struct scan s = { .b = buf, .n = len, .i = start, .d = d };
	d->nnodes = d->nleaves = 0;
	if (start >= len)
		return WH_JSON_MORE;
	if (buf[start] != '{' && buf[start] != '[') {
		*err_at = start;
		*err = "expected '{' or '['";
		return WH_JSON_ERR;
	}
	if (scan_container(&s, 0, 0, 0, -1, 0) < 0) {
		if (s.err) {
			*err_at = s.err_at;
			*err = s.err;
			return WH_JSON_ERR;
		}
		return WH_JSON_MORE;
	}
	*end = s.i;
	return WH_JSON_OK;
}

static unsigned hexval(unsigned char c)
{
	return c <= '9' ? c - '0' : (c | 32) - 'a' + 10;
}

size_t wh_json_unescape(char *s, size_t n)
{
	/* Nothing moves before the first backslash; after it, the text between
	 * escapes moves down in runs (Windows paths have an escape every few
	 * bytes, so the runs matter more than the escapes). */
	char *bs = memchr(s, '\\', n);
	if (!bs)
		return n;
	size_t i = (size_t)(bs - s), o = i;
	while (i < n) {
		if (s[i] != '\\') {
			char *next = memchr(s + i, '\\', n - i);
			size_t run = next ? (size_t)(next - (s + i)) : n - i;
			memmove(s + o, s + i, run);
			o += run;
			i += run;
			continue;
		}
		if (i + 1 >= n) {
			s[o++] = s[i++];
			continue;
		}
		char e = s[i + 1];
		i += 2;
		switch (e) {
		case 'b': s[o++] = '\b'; break;
		case 'f': s[o++] = '\f'; break;
		case 'n': s[o++] = '\n'; break;
		case 'r': s[o++] = '\r'; break;
		case 't': s[o++] = '\t'; break;
		case 'u': {
			if (i + 4 > n) {
				/* cut short (the scanner never lets this through): the
				 * replacement may not make the string longer */
				if (o + 3 <= n)
					o += wh_utf8_put(s + o, 0xfffd);
				else
					s[o++] = '?';
				i = n;
				break;
			}
			unsigned cp = hexval((unsigned char)s[i]) << 12 | hexval((unsigned char)s[i + 1]) << 8 |
				      hexval((unsigned char)s[i + 2]) << 4 | hexval((unsigned char)s[i + 3]);
			i += 4;
			if (cp >= 0xd800 && cp <= 0xdbff && i + 6 <= n && s[i] == '\\' && s[i + 1] == 'u') {
				unsigned lo = hexval((unsigned char)s[i + 2]) << 12 |
					      hexval((unsigned char)s[i + 3]) << 8 |
					      hexval((unsigned char)s[i + 4]) << 4 | hexval((unsigned char)s[i + 5]);
				if (lo >= 0xdc00 && lo <= 0xdfff) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					i += 6;
				} else {
					cp = 0xfffd;
				}
			} else if (cp >= 0xd800 && cp <= 0xdfff) {
				cp = 0xfffd;
			}
			/* \u0000 would cut the C string short: keep it visible instead. */
			if (cp == 0)
				cp = 0xfffd;
			o += wh_utf8_put(s + o, cp);
			break;
		}
		default: s[o++] = e; break;
		}
	}
	return o;
}

/* Keys of array elements are the array's own key span: only the node that
 * owns a span (one whose parent is not an array) may unescape it. */
static bool owns_key(const struct wh_jdoc *d, int32_t parent)
{
	return parent >= 0 && !d->nodes[parent].is_array;
}

void wh_json_materialize(char *buf, struct wh_jdoc *d, struct wh_arena *a)
{
	for (uint32_t k = 0; k < d->nnodes; k++) {
		struct wh_jnode *nd = &d->nodes[k];
		nd->key = "";
		if (!owns_key(d, nd->parent)) {
			nd->key_len = 0;   /* the span is the array's: key and length agree */
			continue;
		}
		char *kp = buf + nd->key_off;
		if (nd->key_esc)
			nd->key_len = (uint32_t)wh_json_unescape(kp, nd->key_len);
		kp[nd->key_len] = '\0';
		nd->key = kp;
	}
	for (uint32_t k = 0; k < d->nleaves; k++) {
		struct wh_jleaf *l = &d->leaves[k];
		l->key = "";
		if (!owns_key(d, l->node))
			l->key_len = 0;   /* as for nodes: "" with its length */
		else {
			char *kp = buf + l->key_off;
			if (l->key_esc)
				l->key_len = (uint32_t)wh_json_unescape(kp, l->key_len);
			kp[l->key_len] = '\0';
			l->key = kp;
		}
		switch (l->type) {
		case WH_JT_STRING: {
			char *v = buf + l->val_off;
			if (l->val_esc)
				l->val_len = (uint32_t)wh_json_unescape(v, l->val_len);
			v[l->val_len] = '\0';
			l->val = v;
			break;
		}
		case WH_JT_NUMBER: {
			/* The byte after a number is a comma, a bracket or white
			 * space, never part of a key or string span, and the scan
			 * is done with it: the number is terminated in place. */
			char *v = buf + l->val_off;
			v[l->val_len] = '\0';
			l->val = v;
			break;
		}
		case WH_JT_TRUE: l->val = "true"; l->val_len = 4; break;
		case WH_JT_FALSE: l->val = "false"; l->val_len = 5; break;
		default: l->val = ""; l->val_len = 0; break;
		}
	}
}

static const char *join(struct wh_arena *a, const char *p, uint32_t pl, const char *k, uint32_t kl,
			uint32_t *len)
{
	if (pl == 0) {
		*len = kl;
		return k;
	}
	char *s = wh_arena_alloc(a, (size_t)pl + kl + 2);
	if (!s) {
		*len = kl;
		return k;
	}
	memcpy(s, p, pl);
	s[pl] = '.';
	memcpy(s + pl + 1, k, kl);
	s[pl + 1 + kl] = '\0';
	*len = pl + 1 + kl;
	return s;
}

const char *wh_json_node_path(struct wh_jdoc *d, int32_t node, struct wh_arena *a, uint32_t *len)
{
	if (node < 0) {
		*len = 0;
		return "";
	}
	struct wh_jnode *nd = &d->nodes[node];
	if (nd->path) {
		*len = nd->path_len;
		return nd->path;
	}
	uint32_t pl;
	const char *pp = wh_json_node_path(d, nd->parent, a, &pl);
	if (owns_key(d, nd->parent))
		nd->path = join(a, pp, pl, nd->key, nd->key_len, &nd->path_len);
	else {
		nd->path = pp;
		nd->path_len = pl;
	}
	*len = nd->path_len;
	return nd->path;
}

const char *wh_json_leaf_name(struct wh_jdoc *d, struct wh_jleaf *l, struct wh_arena *a,
			      uint32_t *len)
{
	uint32_t pl;
	const char *pp = wh_json_node_path(d, l->node, a, &pl);
	if (!owns_key(d, l->node)) {
		*len = pl;
		return pp;
	}
	return join(a, pp, pl, l->key, l->key_len, len);
}

void wh_jdoc_release(struct wh_jdoc *d)
{
	free(d->nodes);
	free(d->leaves);
	memset(d, 0, sizeof(*d));
}
