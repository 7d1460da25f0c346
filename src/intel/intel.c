/*
 * intel.c: loading and looking up offline intelligence.
 *
 * Addresses are kept in a hash map, prefixes in one map per prefix length
 * (a lookup masks the address once per length in use), names in a
 * case-insensitive map walked up the parent domains. Location and AS data
 * are geodb.c's.
 */
#include "intel/intel.h"
#include "intel/csv.h"
#include "read/json_scan.h"
#include "util/diag.h"
#include "util/hash.h"
#include "util/num.h"
#include "util/xalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FILE (2ull << 30)

struct wh_intel {
	struct wh_geodb *geo;
	struct wh_map ips;
	struct wh_map nets[129];
	bool netlen[129];
	struct wh_map names;
	struct wh_arena arena;
	struct wh_intern strings;
	size_t count;
	size_t ignored;       /* hashes and other indicators flows cannot use */
};

struct wh_intel *wh_intel_new(void)
{
	struct wh_intel *t = wh_xcalloc(1, sizeof(*t));
	wh_map_init(&t->ips, false);
	for (int i = 0; i <= 128; i++)
		wh_map_init(&t->nets[i], false);
	wh_map_init(&t->names, true);
	wh_arena_init(&t->arena, 256 * 1024, 0);
	wh_intern_init(&t->strings, false);
	t->geo = wh_geodb_new();
	return t;
}

void wh_intel_free(struct wh_intel *t)
{
	if (!t)
		return;
	wh_geodb_free(t->geo);
	wh_map_release(&t->ips);
	for (int i = 0; i <= 128; i++)
		wh_map_release(&t->nets[i]);
	wh_map_release(&t->names);
	wh_arena_release(&t->arena);
	wh_intern_release(&t->strings);
	free(t);
}

size_t wh_intel_count(const struct wh_intel *t)
{
	return t->count;
}

bool wh_intel_has_geo(const struct wh_intel *t)
{
	return !wh_geodb_empty(t->geo);
}

static const char *str(struct wh_intel *t, const char *s, size_t n)
{
	return wh_intern(&t->strings, s, n);
}

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	return b ? b + 1 : path;
}

/* ---- adding indicators ---- */

static struct wh_intel_hit *new_hit(struct wh_intel *t, const char *feed, const char *threat, size_t tl,
				    const char *ind, size_t il)
{
	struct wh_intel_hit *h = wh_arena_alloc(&t->arena, sizeof(*h));
	h->feed = feed;
	h->threat = str(t, threat ? threat : "", threat ? tl : 0);
	h->indicator = str(t, ind, il);
	return h;
}

static bool add_ip(struct wh_intel *t, const char *feed, const char *threat, size_t tl, const char *v, size_t n)
{
	struct wh_ip ip;
	if (!wh_ip_parse(v, n, &ip))
		return false;
	struct wh_ip *k = wh_arena_alloc(&t->arena, sizeof(*k));
	*k = ip;
	bool added;
	struct wh_map_slot *s = wh_map_put(&t->ips, (const char *)k, sizeof(*k), &added);
	if (added) {
		s->val = new_hit(t, feed, threat, tl, v, n);
		t->count++;
	}
	return true;
}

static bool add_net(struct wh_intel *t, const char *feed, const char *threat, size_t tl, const char *v, size_t n)
{
	struct wh_prefix p;
	if (!wh_prefix_parse(v, n, &p))
		return false;
	if (p.len == 128) {
		const char *slash = memchr(v, '/', n);
		return add_ip(t, feed, threat, tl, v, slash ? (size_t)(slash - v) : n);
	}
	struct wh_ip *k = wh_arena_alloc(&t->arena, sizeof(*k));
	*k = p.net;
	bool added;
	struct wh_map_slot *s = wh_map_put(&t->nets[p.len], (const char *)k, sizeof(*k), &added);
	if (added) {
		s->val = new_hit(t, feed, threat, tl, v, n);
		t->netlen[p.len] = true;
		t->count++;
	}
	return true;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
	       c == '_' || c == '.';
}

static bool is_domain(const char *v, size_t n)
{
	if (n < 3 || n > 253 || !memchr(v, '.', n) || v[0] == '.' || v[0] == '-')
		return false;
	bool alpha = false;
	for (size_t i = 0; i < n; i++) {
		if (!name_char(v[i]))
			return false;
		if ((v[i] | 32) >= 'a' && (v[i] | 32) <= 'z')
			alpha = true;
	}
	return alpha;
}

static bool add_domain(struct wh_intel *t, const char *feed, const char *threat, size_t tl, const char *v,
		       size_t n)
{
	while (n && v[n - 1] == '.')
		n--;
	if (n >= 2 && v[0] == '*' && v[1] == '.') {
		v += 2;
		n -= 2;
	}
	if (!is_domain(v, n))
		return false;
	const char *k = str(t, v, n);
	bool added;
	struct wh_map_slot *s = wh_map_put(&t->names, k, n, &added);
	if (added) {
		s->val = new_hit(t, feed, threat, tl, v, n);
		t->count++;
	}
	return true;
}

static bool is_hash(const char *v, size_t n)
{
	if (n != 32 && n != 40 && n != 64 && n != 128)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = (char)(v[i] | 32);
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return true;
}

/* The host of a URL: an address is kept; a name is not, since URL feeds list
 * single files on shared hosting (a whole domain would be a false positive). */
static bool add_url(struct wh_intel *t, const char *feed, const char *threat, size_t tl, const char *v, size_t n)
{
	const char *p = v, *end = v + n;
	const char *sch = NULL;
	for (const char *q = v; q + 2 < end; q++)
		if (q[0] == ':' && q[1] == '/' && q[2] == '/') {
			sch = q;
			break;
		}
	if (!sch)
		return false;
	p = sch + 3;
	const char *h = p;
	while (p < end && *p != '/' && *p != '?' && *p != '#')
		p++;
	const char *at = NULL;
	for (const char *q = h; q < p; q++)
		if (*q == '@')
			at = q;
	if (at)
		h = at + 1;
	size_t hl = (size_t)(p - h);
	if (hl && h[0] == '[') {
		const char *rb = memchr(h, ']', hl);
		if (!rb)
			return false;
		return add_ip(t, feed, threat, tl, h + 1, (size_t)(rb - h - 1)) || true;
	}
	const char *colon = memchr(h, ':', hl);
	if (colon)
		hl = (size_t)(colon - h);
	struct wh_ip ip;
	if (wh_ip_parse(h, hl, &ip))
		return add_ip(t, feed, threat, tl, h, hl);
	t->ignored++;
	return true;
}

/* One indicator of unknown kind. false when it is not one at all. */
static bool add_any(struct wh_intel *t, const char *feed, const char *threat, size_t tl, const char *v, size_t n)
{
	while (n && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r'))
		n--;
	if (n == 0)
		return false;
	bool url = n > 3 && memmem(v, n, "://", 3) != NULL;
	if (memchr(v, '/', n) && !url)
		return add_net(t, feed, threat, tl, v, n);
	if (add_ip(t, feed, threat, tl, v, n))
		return true;
	/* "1.2.3.4:443" (ThreatFox ip:port) */
	const char *colon = memchr(v, ':', n);
	if (colon && !memchr(colon + 1, ':', n - (size_t)(colon - v) - 1) &&
	    add_ip(t, feed, threat, tl, v, (size_t)(colon - v)))
		return true;
	if (url)
		return add_url(t, feed, threat, tl, v, n);
	if (add_domain(t, feed, threat, tl, v, n))
		return true;
	if (is_hash(v, n)) {
		t->ignored++;
		return true;
	}
	return false;
}

/* ---- lookups ---- */

bool wh_intel_geo(const struct wh_intel *t, const struct wh_ip *ip, struct wh_geo *g)
{
	return wh_geodb_lookup(t->geo, ip, g);
}

const struct wh_intel_hit *wh_intel_ip(const struct wh_intel *t, const struct wh_ip *ip)
{
	struct wh_map_slot *s = wh_map_find(&t->ips, (const char *)ip, sizeof(*ip));
	if (s)
		return s->val;
	for (int len = 128; len >= 0; len--) {
		if (!t->netlen[len])
			continue;
		struct wh_ip m = *ip;
		for (unsigned bit = (unsigned)len; bit < 128; bit++)
			m.b[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
		s = wh_map_find(&t->nets[len], (const char *)&m, sizeof(m));
		if (s)
			return s->val;
	}
	return NULL;
}

const struct wh_intel_hit *wh_intel_domain(const struct wh_intel *t, const char *name, size_t n)
{
	while (n && name[n - 1] == '.')
		n--;
	for (;;) {
		struct wh_map_slot *s = wh_map_find(&t->names, name, n);
		if (s)
			return s->val;
		const char *dot = memchr(name, '.', n);
		if (!dot)
			return NULL;
		n -= (size_t)(dot - name) + 1;
		name = dot + 1;
		if (!memchr(name, '.', n))
			return NULL;   /* never a bare top-level domain */
	}
}

/* ---- text helpers ---- */

struct line_iter {
	char *p, *end;
	uint64_t off;
};

static bool next_line(struct line_iter *it, char **line, size_t *len, uint64_t *off, const char *base)
{
	if (it->p >= it->end)
		return false;
	char *s = it->p;
	char *nl = memchr(s, '\n', (size_t)(it->end - s));
	char *e = nl ? nl : it->end;
	it->p = nl ? nl + 1 : it->end;
	*off = (uint64_t)(s - base);
	if (e > s && e[-1] == '\r')
		e--;
	*e = '\0';
	*line = s;
	*len = (size_t)(e - s);
	return true;
}

static bool streqn(const char *a, size_t an, const char *lit)
{
	size_t l = strlen(lit);
	return an == l && strncasecmp(a, lit, l) == 0;
}

/* ---- sniffing ---- */

static const char *const kind_names[] = { "unknown", "plain list", "abuse.ch CSV", "MISP CSV",
					  "MISP JSON", "STIX 2.1", "address ranges", "mmdb" };

const char *wh_feed_kind_name(enum wh_feed_kind k)
{
	return (unsigned)k < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[k] : "unknown";
}

enum wh_feed_kind wh_feed_sniff(const unsigned char *b, size_t n)
{
	size_t i = 0;
	if (n >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf)
		i = 3;
	for (size_t k = i; k < n && k < 4096; k++)
		if (b[k] == 0)
			return WH_FEED_MMDB;
	while (i < n && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t'))
		i++;
	const char *s = (const char *)b + i;
	size_t m = n - i;
	if (m && (s[0] == '{' || s[0] == '[')) {
		if (memmem(s, m, "\"pattern\"", 9) || memmem(s, m, "\"spec_version\"", 14))
			return WH_FEED_STIX;
		if (memmem(s, m, "\"Attribute\"", 11) || memmem(s, m, "\"Event\"", 7))
			return WH_FEED_MISP_JSON;
		return WH_FEED_UNKNOWN;
	}
	/* text: look at the comments and the first data line */
	bool abusech = memmem(s, m, "abuse.ch", 8) != NULL;
	size_t p = 0;
	while (p < m) {
		const char *nl = memchr(s + p, '\n', m - p);
		size_t e = nl ? (size_t)(nl - s) : m;
		const char *l = s + p;
		size_t ll = e - p;
		p = e + 1;
		if (ll && l[ll - 1] == '\r')
			ll--;
		if (ll == 0)
			continue;
		bool comment = l[0] == '#' || l[0] == ';';
		if (memmem(l, ll, "first_seen_utc", 14) || memmem(l, ll, "dateadded,url", 13) ||
		    memmem(l, ll, "ioc_value", 9) || (comment && memmem(l, ll, "dst_ip", 6)))
			return WH_FEED_ABUSECH;
		if (!comment && memmem(l, ll, "uuid", 4) && memmem(l, ll, "type", 4) && memmem(l, ll, "value", 5))
			return WH_FEED_MISP_CSV;
		if (comment)
			continue;
		if (wh_geodb_line_shape(l, ll))
			return WH_FEED_RANGES;
		return abusech ? WH_FEED_ABUSECH : WH_FEED_PLAIN;
	}
	return abusech ? WH_FEED_ABUSECH : WH_FEED_PLAIN;
}

/* ---- feeds ---- */

static size_t parse_plain(struct wh_intel *t, const char *feed, char *buf, size_t len)
{
	struct line_iter it = { buf, buf + len, 0 };
	char *line;
	size_t ll, taken = 0;
	uint64_t off;
	while (next_line(&it, &line, &ll, &off, buf)) {
		size_t i = 0;
		while (i < ll && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i == ll || line[i] == '#' || line[i] == ';')
			continue;
		size_t j = i;
		while (j < ll && line[j] != ' ' && line[j] != '\t' && line[j] != ',' && line[j] != ';' &&
		       line[j] != '#')
			j++;
		if (add_any(t, feed, NULL, 0, line + i, j - i))
			taken++;
		else
			wh_bad_record(feed, off, "not an address, prefix, domain, URL or hash: '%.*s'",
				      (int)(j - i > 80 ? 80 : j - i), line + i);
	}
	return taken;
}

static size_t parse_csv_feed(struct wh_intel *t, const char *feed, char *buf, size_t len, bool misp)
{
	struct line_iter it = { buf, buf + len, 0 };
	char *line;
	size_t ll, taken = 0;
	uint64_t off;
	int c_val = -1, c_type = -1, c_threat = -1, c_threat2 = -1;
	bool header = false;
	while (next_line(&it, &line, &ll, &off, buf)) {
		if (ll >= 3 && (unsigned char)line[0] == 0xef && (unsigned char)line[1] == 0xbb &&
		    (unsigned char)line[2] == 0xbf) {
			line += 3;
			ll -= 3;
		}
		bool comment = ll && line[0] == '#';
		char *body = line + (comment ? 1 : 0);
		size_t bl = ll - (comment ? 1 : 0);
		while (bl && *body == ' ') {
			body++;
			bl--;
		}
		if (bl == 0)
			continue;
		char *f[WH_CSV_MAX_COLS];
		size_t fl[WH_CSV_MAX_COLS];
		if (!header) {
			/* The header may sit in a comment (URLhaus, ThreatFox). */
			char tmp[4096];
			size_t tl = bl < sizeof(tmp) - 1 ? bl : sizeof(tmp) - 1;
			memcpy(tmp, body, tl);
			tmp[tl] = '\0';
			size_t nf = wh_csv_split(tmp, tl, ',', f, fl);
			for (size_t k = 0; k < nf; k++) {
				if (streqn(f[k], fl[k], "dst_ip") || streqn(f[k], fl[k], "ip_address") ||
				    streqn(f[k], fl[k], "url") || streqn(f[k], fl[k], "ioc_value") ||
				    streqn(f[k], fl[k], "ioc") || (misp && streqn(f[k], fl[k], "value")))
					c_val = (int)k;
				else if (streqn(f[k], fl[k], "ioc_type") || (misp && streqn(f[k], fl[k], "type")))
					c_type = (int)k;
				else if (streqn(f[k], fl[k], "malware") || streqn(f[k], fl[k], "malware_printable") ||
					 streqn(f[k], fl[k], "threat") || (misp && streqn(f[k], fl[k], "comment")))
					c_threat = (int)k;
				else if (streqn(f[k], fl[k], "threat_type") || streqn(f[k], fl[k], "tags") ||
					 (misp && streqn(f[k], fl[k], "category")))
					c_threat2 = (int)k;
			}
			if (c_val >= 0) {
				header = true;
				continue;
			}
			if (comment)
				continue;
			wh_bad_record(feed, off, "no header naming the indicator column before the first record");
			return taken;
		}
		if (comment)
			continue;
		size_t nf = wh_csv_split(body, bl, ',', f, fl);
		if ((size_t)c_val >= nf) {
			wh_bad_record(feed, off, "record has %zu columns, the header names column %d", nf, c_val + 1);
			continue;
		}
		const char *th = c_threat >= 0 && (size_t)c_threat < nf && fl[c_threat] ? f[c_threat] : NULL;
		size_t thl = th ? fl[c_threat] : 0;
		if (!th && c_threat2 >= 0 && (size_t)c_threat2 < nf && fl[c_threat2]) {
			th = f[c_threat2];
			thl = fl[c_threat2];
		}
		char *v = f[c_val];
		size_t vl = fl[c_val];
		if (misp && c_type >= 0 && (size_t)c_type < nf) {
			/* MISP composite types: "ip-dst|port", "domain|ip" */
			const char *ty = f[c_type];
			char *bar = memchr(v, '|', vl);
			if (bar && strstr(ty, "|port"))
				vl = (size_t)(bar - v);
			else if (bar && strcmp(ty, "domain|ip") == 0) {
				add_any(t, feed, th, thl, bar + 1, vl - (size_t)(bar - v) - 1);
				vl = (size_t)(bar - v);
			}
			if (strncmp(ty, "ip-", 3) != 0 && strncmp(ty, "domain", 6) != 0 &&
			    strcmp(ty, "hostname") != 0 && strcmp(ty, "url") != 0 && strcmp(ty, "uri") != 0) {
				t->ignored++;
				continue;
			}
		}
		if (add_any(t, feed, th, thl, v, vl))
			taken++;
		else
			wh_bad_record(feed, off, "not an indicator whitehawk reads: '%.*s'", (int)(vl > 80 ? 80 : vl), v);
	}
	return taken;
}

/* ---- JSON feeds (MISP, STIX) ---- */

struct stix_cb {
	struct wh_intel *t;
	const char *feed, *threat;
	size_t tl, taken;
};

static void stix_term(const char *type, size_t tl, const char *val, size_t vl, void *arg)
{
	struct stix_cb *c = arg;
	char tmp[2048];
	if (vl >= sizeof(tmp))
		return;
	/* unescape \' and \\ */
	size_t o = 0;
	for (size_t i = 0; i < vl; i++) {
		if (val[i] == '\\' && i + 1 < vl)
			i++;
		tmp[o++] = val[i];
	}
	tmp[o] = '\0';
	bool ok;
	if (streqn(type, tl, "url"))
		ok = add_url(c->t, c->feed, c->threat, c->tl, tmp, o);
	else if (streqn(type, tl, "domain-name"))
		ok = add_domain(c->t, c->feed, c->threat, c->tl, tmp, o);
	else
		ok = add_net(c->t, c->feed, c->threat, c->tl, tmp, o) || add_ip(c->t, c->feed, c->threat, c->tl, tmp, o);
	if (ok)
		c->taken++;
}

int wh_stix_pattern(const char *pat, size_t n,
		    void (*fn)(const char *type, size_t tl, const char *val, size_t vl, void *arg), void *arg)
{
	static const char *const types[] = { "ipv4-addr", "ipv6-addr", "domain-name", "url" };
	int terms = 0;
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); k++) {
			size_t tl = strlen(types[k]);
			if (i + tl + 6 > n || memcmp(pat + i, types[k], tl) != 0 || memcmp(pat + i + tl, ":value", 6) != 0)
				continue;
			if (i > 0 && (name_char(pat[i - 1]) || pat[i - 1] == ':'))
				continue;
			size_t j = i + tl + 6;
			while (j < n && pat[j] == ' ')
				j++;
			if (j >= n || pat[j] != '=')
				break;    /* another operator: not a simple equality */
			j++;
			while (j < n && pat[j] == ' ')
				j++;
			if (j >= n || pat[j] != '\'')
				return -1;
			size_t v = ++j;
			while (j < n && pat[j] != '\'') {
				if (pat[j] == '\\')
					j++;
				j++;
			}
			if (j >= n)
				return -1;
			fn(types[k], tl, pat + v, j - v, arg);
			terms++;
			i = j;
			break;
		}
	}
	return terms;
}

static size_t parse_json_feed(struct wh_intel *t, const char *feed, enum wh_feed_kind kind, char *buf, size_t len)
{
	struct wh_jdoc d = { 0 };
	struct wh_arena a;
	wh_arena_init(&a, 64 * 1024, 0);
	size_t pos = 0, taken = 0;
	while (pos < len) {
		while (pos < len && strchr(" \t\r\n,", buf[pos]))
			pos++;
		if (pos >= len)
			break;
		size_t end, err_at;
		const char *err;
		wh_arena_reset(&a);
		int rc = wh_json_scan(buf, len, pos, &d, &end, &err_at, &err);
		if (rc != WH_JSON_OK) {
			wh_bad_record(feed, rc == WH_JSON_MORE ? pos : err_at, "invalid JSON: %s",
				      rc == WH_JSON_MORE ? "the file ends inside a document" : err);
			break;
		}
		wh_json_materialize(buf, &d, &a);
		/* Per container: its type, value, pattern and name leaves. */
		uint32_t nn = d.nnodes;
		const char **ty = wh_xcalloc(nn, sizeof(*ty)), **val = wh_xcalloc(nn, sizeof(*val));
		const char **pat = wh_xcalloc(nn, sizeof(*pat)), **name = wh_xcalloc(nn, sizeof(*name));
		uint32_t *vlen = wh_xcalloc(nn, sizeof(*vlen)), *plen = wh_xcalloc(nn, sizeof(*plen));
		const char *info = NULL;
		for (uint32_t k = 0; k < d.nleaves; k++) {
			struct wh_jleaf *l = &d.leaves[k];
			if (l->node < 0 || (uint32_t)l->node >= nn || l->type != WH_JT_STRING)
				continue;
			const char *key = l->key;
			if (strcmp(key, "type") == 0)
				ty[l->node] = l->val;
			else if (strcmp(key, "value") == 0) {
				val[l->node] = l->val;
				vlen[l->node] = l->val_len;
			} else if (strcmp(key, "pattern") == 0) {
				pat[l->node] = l->val;
				plen[l->node] = l->val_len;
			} else if (strcmp(key, "name") == 0 && !name[l->node])
				name[l->node] = l->val;
			else if (strcmp(key, "info") == 0 && !info)
				info = l->val;
		}
		for (uint32_t k = 0; k < nn; k++) {
			if (kind == WH_FEED_STIX && pat[k] && ty[k] && strcmp(ty[k], "indicator") == 0) {
				struct stix_cb c = { t, feed, name[k], name[k] ? strlen(name[k]) : 0, 0 };
				if (wh_stix_pattern(pat[k], plen[k], stix_term, &c) < 0)
					wh_bad_record(feed, pos, "STIX pattern whitehawk cannot read: '%.80s'", pat[k]);
				else if (c.taken == 0)
					t->ignored++;
				taken += c.taken;
			} else if (kind == WH_FEED_MISP_JSON && ty[k] && val[k]) {
				const char *v = val[k];
				size_t vl = vlen[k];
				const char *bar = memchr(v, '|', vl);
				const char *th = info;
				size_t thl = th ? strlen(th) : 0;
				if (strncmp(ty[k], "ip-", 3) == 0 || strcmp(ty[k], "domain") == 0 ||
				    strcmp(ty[k], "hostname") == 0 || strcmp(ty[k], "url") == 0 ||
				    strcmp(ty[k], "domain|ip") == 0) {
					if (bar && strcmp(ty[k], "domain|ip") == 0) {
						add_any(t, feed, th, thl, bar + 1, vl - (size_t)(bar - v) - 1);
						vl = (size_t)(bar - v);
					} else if (bar) {
						vl = (size_t)(bar - v);
					}
					if (add_any(t, feed, th, thl, v, vl))
						taken++;
					else
						wh_bad_record(feed, pos, "MISP %s value whitehawk cannot read: '%.80s'", ty[k], v);
				} else {
					t->ignored++;
				}
			}
		}
		free(ty);
		free(val);
		free(pat);
		free(name);
		free(vlen);
		free(plen);
		pos = end;
	}
	wh_jdoc_release(&d);
	wh_arena_release(&a);
	return taken;
}

size_t wh_intel_parse_feed(struct wh_intel *t, const char *name, enum wh_feed_kind kind, char *buf, size_t len)
{
	const char *feed = str(t, name, strlen(name));
	switch (kind) {
	case WH_FEED_ABUSECH:
		return parse_csv_feed(t, feed, buf, len, false);
	case WH_FEED_MISP_CSV:
		return parse_csv_feed(t, feed, buf, len, true);
	case WH_FEED_MISP_JSON:
	case WH_FEED_STIX:
		return parse_json_feed(t, feed, kind, buf, len);
	case WH_FEED_PLAIN:
		return parse_plain(t, feed, buf, len);
	default:
		return 0;
	}
}

/* ---- ranges ---- */

size_t wh_intel_parse_ranges(struct wh_intel *t, const char *name, char *buf, size_t len)
{
	struct wh_geodb_added a;
	wh_geodb_parse(t->geo, buf, len, name, &a);
	return a.as + a.country - a.unrouted;   /* "not routed" says nothing of where an address is */
}

/* ---- files ---- */

static char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		wh_error("cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > MAX_FILE) {
		wh_error("'%s' is not a regular file of at most 2 GiB", path);
		close(fd);
		return NULL;
	}
	size_t n = (size_t)st.st_size, got = 0;
	char *buf = wh_xmalloc(n + 1);
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			wh_error("cannot read '%s': %s", path, r < 0 ? strerror(errno) : "file shrank");
			free(buf);
			close(fd);
			return NULL;
		}
		got += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
}

int wh_intel_load_mmdb(struct wh_intel *t, const char *path)
{
	return wh_geodb_load_mmdb(t->geo, path);
}

int wh_intel_load_ranges(struct wh_intel *t, const char *path)
{
	struct wh_geodb_added a;
	if (wh_geodb_load(t->geo, path, &a) < 0)
		return -1;
	if (!a.mmdb && a.as + a.country == a.unrouted)
		return wh_error("'%s': no address ranges in it", path);
	return 0;
}

int wh_intel_load_feed(struct wh_intel *t, const char *path)
{
	size_t len;
	char *buf = slurp(path, &len);
	if (!buf)
		return -1;
	enum wh_feed_kind k = wh_feed_sniff((unsigned char *)buf, len < 65536 ? len : 65536);
	if (k == WH_FEED_MMDB || k == WH_FEED_RANGES || k == WH_FEED_UNKNOWN) {
		free(buf);
		return wh_error("'%s' is not a feed whitehawk reads", path);
	}
	size_t before = t->ignored;
	size_t n = wh_intel_parse_feed(t, base_name(path), k, buf, len);
	free(buf);
	if (n == 0 && t->ignored == before)
		return wh_error("'%s': no indicators in it", path);
	return 0;
}

int wh_intel_load(struct wh_intel *t, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return wh_error("cannot open '%s': %s", path, strerror(errno));
	unsigned char head[65536];
	ssize_t n = read(fd, head, sizeof(head));
	close(fd);
	if (n < 0)
		return wh_error("cannot read '%s': %s", path, strerror(errno));
	enum wh_feed_kind k = wh_feed_sniff(head, (size_t)n);
	if (k == WH_FEED_MMDB)
		return wh_intel_load_mmdb(t, path);
	if (k == WH_FEED_RANGES)
		return wh_intel_load_ranges(t, path);
	return wh_intel_load_feed(t, path);
}
