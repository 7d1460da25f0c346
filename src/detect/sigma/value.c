/*
 * value.c: Sigma values and how one leaf matches one event value: escapes
 * and wildcards, case folding, numbers, CIDR, timestamps, encodings.
 *
 * Case-insensitive matching folds ASCII letters only, as Hyperscan's
 * caseless mode does, so the literal prefilter and the lazy matchers agree.
 */
#include "detect/sigma/sigma_int.h"
#include "util/diag.h"
#include "util/num.h"
#include "util/wtime.h"
#include "util/xalloc.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static inline unsigned char fold(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

size_t sg_unescape(const char *in, size_t n, char *out, uint8_t *wild, bool plain_wild)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = in[i];
		if (plain_wild && c == '\\' && i + 1 < n &&
		    (in[i + 1] == '*' || in[i + 1] == '?' || in[i + 1] == '\\')) {
			out[o] = in[i + 1];
			wild[o++] = SG_W_LIT;
			i++;
			continue;
		}
		out[o] = c;
		wild[o++] = plain_wild && c == '*' ? SG_W_STAR : plain_wild && c == '?' ? SG_W_ONE : SG_W_LIT;
	}
	return o;
}

/* The length of the UTF-8 sequence that starts at s[0] (1 for a stray byte). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t k = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 1;
	if (k > n)
		return 1;
	for (size_t i = 1; i < k; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 1;
	return k;
}

/*
 * Wildcard matching: '*' any run, '?' one character (a whole UTF-8
 * sequence). The classic two-pointer method with one backtrack point, which
 * is O(pattern * value) at worst and never recursive.
 */
bool sg_glob_match(const char *p, const uint8_t *w, size_t pn, const char *s, size_t n, bool cased)
{
	const unsigned char *ps = (const unsigned char *)p, *vs = (const unsigned char *)s;
	size_t pi = 0, si = 0, star_p = SIZE_MAX, star_s = 0;
	while (si < n) {
		if (pi < pn && w[pi] == SG_W_STAR) {
			star_p = pi++;
			star_s = si;
			continue;
		}
		if (pi < pn && w[pi] == SG_W_ONE) {
			pi++;
			si += utf8_len(vs + si, n - si);
			continue;
		}
		if (pi < pn && (cased ? ps[pi] == vs[si] : fold(ps[pi]) == fold(vs[si]))) {
			pi++;
			si++;
			continue;
		}
		if (star_p == SIZE_MAX)
			return false;
		pi = star_p + 1;
		si = ++star_s;
	}
	while (pi < pn && w[pi] == SG_W_STAR)
		pi++;
	return pi == pn;
}

static bool mem_eq(const char *a, const char *b, size_t n, bool cased)
{
	if (cased)
		return memcmp(a, b, n) == 0;
	for (size_t i = 0; i < n; i++)
		if (fold((unsigned char)a[i]) != fold((unsigned char)b[i]))
			return false;
	return true;
}

static bool mem_find(const char *hay, size_t hn, const char *nd, size_t nn, bool cased)
{
	if (nn == 0)
		return true;
	if (nn > hn)
		return false;
	if (cased)
		return memmem(hay, hn, nd, nn) != NULL;
	unsigned char f = fold((unsigned char)nd[0]);
	for (size_t i = 0; i + nn <= hn; i++)
		if (fold((unsigned char)hay[i]) == f && mem_eq(hay + i, nd, nn, false))
			return true;
	return false;
}

static bool str_op(uint8_t kind, const char *v, size_t n, const char *lit, size_t ln, bool cased)
{
	switch (kind) {
	case SG_K_EQ: return n == ln && mem_eq(v, lit, n, cased);
	case SG_K_STARTS: return n >= ln && mem_eq(v, lit, ln, cased);
	case SG_K_ENDS: return n >= ln && mem_eq(v + n - ln, lit, ln, cased);
	case SG_K_CONTAINS: return mem_find(v, n, lit, ln, cased);
	default: return false;
	}
}

bool sg_parse_number(const char *v, size_t n, int64_t *i, double *d, bool *isfloat)
{
	while (n && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (n == 0 || n > 60)
		return false;
	if (wh_parse_i64(v, n, i)) {
		*d = (double)*i;
		*isfloat = false;
		return true;
	}
	uint64_t u;
	if (n > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X') && wh_parse_u64(v, n, &u) &&
	    u <= (uint64_t)INT64_MAX) {
		*i = (int64_t)u;
		*d = (double)u;
		*isfloat = false;
		return true;
	}
	char buf[64], *end;
	memcpy(buf, v, n);
	buf[n] = '\0';
	for (size_t k = 0; k < n; k++)
		if (!strchr("0123456789+-.eE", buf[k]))
			return false;
	double x = strtod(buf, &end);
	if (end != buf + n || !isfinite(x))
		return false;
	*d = x;
	/* the whole part when it fits (a whole number past 2^63, such as
	 * 11111111111111111116700, comes here as a double: converting it
	 * would be undefined) */
	*i = x > -9223372036854775808.0 && x < 9223372036854775808.0 ? (int64_t)x : 0;
	*isfloat = true;
	return true;
}

static bool cmp_num(uint8_t cmp, double a, double b)
{
	switch (cmp) {
	case SG_CMP_EQ: return a == b;
	case SG_CMP_LT: return a < b;
	case SG_CMP_LTE: return a <= b;
	case SG_CMP_GT: return a > b;
	case SG_CMP_GTE: return a >= b;
	default: return false;
	}
}

static bool cmp_int(uint8_t cmp, int64_t a, int64_t b)
{
	switch (cmp) {
	case SG_CMP_EQ: return a == b;
	case SG_CMP_LT: return a < b;
	case SG_CMP_LTE: return a <= b;
	case SG_CMP_GT: return a > b;
	case SG_CMP_GTE: return a >= b;
	default: return false;
	}
}

bool sg_parse_cidr(const char *text, uint8_t *af, uint8_t *bits, uint8_t addr[16])
{
	char buf[64];
	size_t n = strlen(text);
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, text, n + 1);
	char *slash = strchr(buf, '/');
	long long b = -1;
	if (slash) {
		*slash = '\0';
		const char *err;
		if (wh_parse_num(slash + 1, 0, 128, &b, &err) < 0)
			return false;
	}
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1) {
		if (b > 32)
			return false;
		*af = 4;
		*bits = (uint8_t)(b < 0 ? 32 : b);
		return true;
	}
	if (inet_pton(AF_INET6, buf, addr) == 1) {
		*af = 6;
		*bits = (uint8_t)(b < 0 ? 128 : b);
		return true;
	}
	return false;
}

/* Parse an address as events write it: 4 or 6 in *af, 16 bytes in a. */
static bool parse_ip(const char *v, size_t n, uint8_t *af, uint8_t a[16])
{
	char buf[64];
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, v, n);
	buf[n] = '\0';
	/* Windows writes scoped addresses: fe80::1%12 */
	char *pct = strchr(buf, '%');
	if (pct)
		*pct = '\0';
	if (inet_pton(AF_INET, buf, a) == 1)
		*af = 4;
	else if (inet_pton(AF_INET6, buf, a) == 1)
		*af = 6;
	else
		return false;
	return true;
}

/*
 * The address a value holds, parsed once per event and kept: a rule often
 * lists many networks for one field (private ranges, a provider's blocks),
 * so the last value parsed is remembered (keyed by where it is: event
 * values do not change while an event is matched). Values converted into
 * convbuf are not kept, as that space is reused.
 */
static bool event_ip(struct wh_sigma *s, const char *v, size_t n, uint8_t *af, uint8_t a[16])
{
	bool conv = v >= s->convbuf && v < s->convbuf + sizeof(s->convbuf);
	if (!conv && s->ip_epoch == s->epoch && s->ip_v == v && s->ip_n == n) {
		*af = s->ip_af;
		memcpy(a, s->ip_a, 16);
		return s->ip_ok;
	}
	memset(a, 0, 16);
	*af = 0;
	bool ok = parse_ip(v, n, af, a);
	if (!conv) {
		s->ip_epoch = s->epoch;
		s->ip_v = v;
		s->ip_n = n;
		s->ip_ok = ok;
		s->ip_af = *af;
		memcpy(s->ip_a, a, 16);
	}
	return ok;
}

static const uint8_t v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* Is the value in the leaf's network? An IPv4 network holds the IPv4
 * addresses mapped into IPv6 (::ffff:10.1.2.3) too. */
static bool ip_in(struct wh_sigma *s, const struct sg_leaf *l, const char *v, size_t n)
{
	uint8_t a[16], af;
	if (!event_ip(s, v, n, &af, a))
		return false;
	if (af == 6 && l->cidr_af == 4 && memcmp(a, v4_mapped, 12) == 0) {
		memmove(a, a + 12, 4);
		af = 4;
	}
	if (af != l->cidr_af)
		return false;
	unsigned full = l->cidr_bits / 8, rest = l->cidr_bits % 8;
	if (memcmp(a, l->cidr_addr, full) != 0)
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));
		if ((a[full] & mask) != (l->cidr_addr[full] & mask))
			return false;
	}
	return true;
}

static uint64_t be64(const uint8_t *p)
{
	uint64_t x = 0;
	for (int i = 0; i < 8; i++)
		x = x << 8 | p[i];
	return x;
}

/* Bits [0, bits) of a 64-bit word, from the top; the rest are host bits. */
static uint64_t host_mask(unsigned bits)
{
	return bits >= 64 ? 0 : ~0ull >> bits;
}

/* The first and last address of a network of `bits` bits whose 128-bit
 * number is hi:lo. */
static void add_range(struct sg_netranges *r, uint64_t hi, uint64_t lo, unsigned bits)
{
	uint64_t mh = host_mask(bits), ml = bits <= 64 ? ~0ull : host_mask(bits - 64);
	WH_GROW(r->v, 4 * (r->n + 1), r->cap);
	uint64_t *q = r->v + 4 * r->n++;
	q[0] = hi & ~mh;
	q[1] = lo & ~ml;
	q[2] = q[0] | mh;
	q[3] = q[1] | ml;
}

void sg_netset_add(struct sg_netset *ns, const struct sg_leaf *l)
{
	if (l->cidr_af == 4)   /* the address below 2^32: 96 leading bits of zero */
		add_range(&ns->v4, 0, be64(l->cidr_addr) >> 32, 96u + l->cidr_bits);
	else
		add_range(&ns->v6, be64(l->cidr_addr), be64(l->cidr_addr + 8), l->cidr_bits);
}

static bool le128(const uint64_t *a, const uint64_t *b)
{
	return a[0] < b[0] || (a[0] == b[0] && a[1] <= b[1]);
}

static int cmp_range(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;
	return le128(x, y) ? (x[0] == y[0] && x[1] == y[1] ? 0 : -1) : 1;
}

/* Sort the ranges by their first address and merge those that overlap or
 * touch. */
static void seal(struct sg_netranges *r)
{
	if (r->n > 1)
		qsort(r->v, r->n, 4 * sizeof(uint64_t), cmp_range);
	uint32_t k = 0;
	for (uint32_t i = 0; i < r->n; i++) {
		uint64_t *q = r->v + 4 * i;
		if (k) {
			uint64_t *prev = r->v + 4 * (k - 1);
			/* q starts inside prev or at the address after its last */
			bool top = prev[2] == ~0ull && prev[3] == ~0ull;
			uint64_t next[2] = { prev[2] + (prev[3] == ~0ull), prev[3] + 1 };
			if (top || le128(q, prev + 2) || (q[0] == next[0] && q[1] == next[1])) {
				if (!le128(q + 2, prev + 2)) {
					prev[2] = q[2];
					prev[3] = q[3];
				}
				continue;
			}
		}
		memmove(r->v + 4 * k++, q, 4 * sizeof(uint64_t));
	}
	r->n = k;
}

void sg_netset_seal(struct sg_netset *ns)
{
	seal(&ns->v4);
	seal(&ns->v6);
}

/* Is hi:lo in one of the sorted, disjoint ranges? */
static bool in_ranges(const struct sg_netranges *r, uint64_t hi, uint64_t lo)
{
	const uint64_t x[2] = { hi, lo };
	uint32_t a = 0, b = r->n;   /* the first range starting after x is in [a, b] */
	while (a < b) {
		uint32_t mid = (a + b) / 2;
		if (le128(r->v + 4 * mid, x))
			a = mid + 1;
		else
			b = mid;
	}
	return a > 0 && le128(x, r->v + 4 * (a - 1) + 2);
}

bool sg_netset_match(struct wh_sigma *s, const struct sg_netset *ns)
{
	if (s->field_epoch[ns->field] != s->epoch)
		return false;   /* absent: no value is in a network */
	for (uint32_t i = s->field_head[ns->field]; i; i = s->fvals[i - 1].next) {
		uint8_t a[16], af;
		if (!event_ip(s, s->fvals[i - 1].s, s->fvals[i - 1].len, &af, a))
			continue;
		if (af == 4 && in_ranges(&ns->v4, 0, be64(a) >> 32))
			return true;
		if (af != 6)
			continue;
		if (memcmp(a, v4_mapped, 12) == 0 && in_ranges(&ns->v4, 0, be64(a + 8) & 0xffffffffull))
			return true;
		if (in_ranges(&ns->v6, be64(a), be64(a + 8)))
			return true;
	}
	return false;
}

static bool time_part(const char *v, size_t n, uint8_t part, int64_t *out)
{
	int64_t ns;
	if (wh_time_parse(v, n, &ns) < 0)
		return false;
	int64_t secs = ns / WH_NS_PER_SEC - (ns % WH_NS_PER_SEC < 0 ? 1 : 0);
	int64_t days = secs / 86400 - (secs % 86400 < 0 ? 1 : 0);
	int64_t sod = secs - days * 86400;
	int64_t y;
	unsigned m, d;
	wh_civil_from_days(days, &y, &m, &d);
	switch (part) {
	case SG_T_MINUTE: *out = (sod / 60) % 60; return true;
	case SG_T_HOUR: *out = sod / 3600; return true;
	case SG_T_DAY: *out = d; return true;
	case SG_T_MONTH: *out = m; return true;
	case SG_T_YEAR: *out = y; return true;
	case SG_T_WEEK: {
		/* ISO 8601 week: the week with the year's first Thursday is week 1 */
		int64_t wd = ((days % 7) + 7 + 3) % 7;          /* 0 = Monday; 1970-01-01 was a Thursday */
		int64_t thursday = days - wd + 3;
		int64_t ty;
		unsigned tm, td;
		wh_civil_from_days(thursday, &ty, &tm, &td);
		int64_t jan1 = wh_days_from_civil(ty, 1, 1);
		*out = (thursday - jan1) / 7 + 1;
		return true;
	}
	default: return false;
	}
}

bool sg_leaf_match_value(struct wh_sigma *s, const struct sg_leaf *l, const char *v, size_t n)
{
	switch (l->kind) {
	case SG_K_EQ:
	case SG_K_CONTAINS:
	case SG_K_STARTS:
	case SG_K_ENDS:
		return str_op(l->kind, v, n, l->s, l->len, l->cased);
	case SG_K_GLOB:
		return sg_glob_match(l->s, l->wild, l->len, v, n, l->cased);
	case SG_K_EMPTY:
		return n == 0;
	case SG_K_ANYSTR:
	case SG_K_EXISTS:
		return true;
	case SG_K_NUM: {
		int64_t i;
		double d;
		bool f;
		if (sg_parse_number(v, n, &i, &d, &f)) {
			if (!f && !l->isfloat)
				return cmp_int(l->cmp, i, l->inum);
			return cmp_num(l->cmp, d, l->dnum);
		}
		/* not a number: equality still holds on the text ("4688" as written) */
		return l->cmp == SG_CMP_EQ && str_op(SG_K_EQ, v, n, l->s, l->len, false);
	}
	case SG_K_TIME: {
		int64_t part;
		return time_part(v, n, l->timepart, &part) && cmp_int(l->cmp, part, l->inum);
	}
	case SG_K_CIDR:
		return ip_in(s, l, v, n);
	case SG_K_RE: {
		int rc = pcre2_match(l->re, (PCRE2_SPTR)v, n, 0, 0, s->re_md, s->re_mctx);
		if (rc >= 0)
			return true;
		if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
		    rc == PCRE2_ERROR_JIT_STACKLIMIT) {
			s->stats.regex_limit++;
			if (!l->limit_warned && s->cur_ev) {
				/* once per expression: a catastrophic one would say it on every event */
				((struct sg_leaf *)l)->limit_warned = true;
				wh_warn("%s: offset %llu: a Sigma regular expression on field '%s' stopped at the "
					"PCRE2 match limit (counted as no match; further stops are only counted)",
					s->cur_ev->source, (unsigned long long)s->cur_ev->offset,
					l->field < s->nfields ? s->fields[l->field].name : "?");
			}
		}
		return false;
	}
	default:
		return false;
	}
}

bool sg_fieldref_match(struct wh_sigma *s, const struct sg_leaf *l, const char *v, size_t n, const char *ref,
		       size_t rn)
{
	struct sg_leaf tmp = { .kind = l->fref_kind, .cased = l->cased, .s = ref, .len = (uint32_t)rn };
	return sg_leaf_match_value(s, &tmp, v, n);
}

size_t sg_base64(const unsigned char *in, size_t n, char *out)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0, i = 0;
	for (; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = tab[(v >> 6) & 63];
		out[o++] = tab[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	return o;
}

/*
 * windash: every '-' or '/' that starts a command-line flag (at the start or
 * after a space, and before a letter or digit) in each of its five forms:
 * - / en dash, em dash, horizontal bar. Each variant goes to out as a
 * uint32_t length L, L bytes of text, then L wildcard marks. Returns the
 * number of variants, or -1 past max.
 */
int sg_windash(const char *in, size_t n, const uint8_t *wild, struct wh_sbuf *out, uint32_t max)
{
	static const char *const forms[] = { "-", "/", "\xe2\x80\x93", "\xe2\x80\x94", "\xe2\x80\x95" };
	size_t pos[16];
	size_t np = 0;
	for (size_t i = 0; i < n; i++) {
		if (wild[i] != SG_W_LIT || (in[i] != '-' && in[i] != '/'))
			continue;
		bool start = i == 0 || in[i - 1] == ' ' || in[i - 1] == '\t' || wild[i - 1] == SG_W_STAR;
		unsigned char nx = i + 1 < n ? (unsigned char)in[i + 1] : 0;
		bool word = i + 1 < n && ((unsigned)((nx | 32) - 'a') < 26u || (unsigned)(nx - '0') < 10u ||
					  wild[i + 1] != SG_W_LIT);
		if (start && word) {
			if (np == 16)
				return -1;
			pos[np++] = i;
		}
	}
	uint64_t total = 1;
	for (size_t k = 0; k < np; k++) {
		total *= 5;
		if (total > max)
			return -1;
	}
	for (uint64_t v = 0; v < total; v++) {
		uint64_t code = v;
		size_t next = 0;
		uint32_t tlen = 0;
		for (size_t i = 0; i < n; i++) {
			if (next < np && pos[next] == i) {
				tlen += (uint32_t)strlen(forms[code % 5]);
				code /= 5;
				next++;
			} else {
				tlen++;
			}
		}
		wh_sbuf_add(out, &tlen, sizeof(tlen));
		/* text */
		code = v;
		next = 0;
		for (size_t i = 0; i < n; i++) {
			if (next < np && pos[next] == i) {
				wh_sbuf_addstr(out, forms[code % 5]);
				code /= 5;
				next++;
			} else {
				wh_sbuf_addch(out, in[i]);
			}
		}
		/* marks: the multi-byte dashes are literal */
		code = v;
		next = 0;
		for (size_t i = 0; i < n; i++) {
			if (next < np && pos[next] == i) {
				size_t fl = strlen(forms[code % 5]);
				for (size_t k = 0; k < fl; k++)
					wh_sbuf_addch(out, SG_W_LIT);
				code /= 5;
				next++;
			} else {
				wh_sbuf_addch(out, wild[i]);
			}
		}
		if (out->overflow)
			return -1;
	}
	return (int)total;
}
