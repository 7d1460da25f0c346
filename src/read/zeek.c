/*
 * zeek.c: the Zeek log reader (TSV with headers, zeek-cut output, JSON lines).
 */
#include "read/zeek.h"
#include "read/reader.h"
#include "util/diag.h"
#include "util/wtime.h"
#include "util/xalloc.h"

#include <string.h>

void wh_zeek_init(struct wh_zeek *z)
{
	memset(z, 0, sizeof(*z));
	z->sep = '\t';
	z->setsep = ',';
	memcpy(z->empty, "(empty)", 8);
	memcpy(z->unset, "-", 2);
}

void wh_zeek_release(struct wh_zeek *z)
{
	free(z->names);
	z->names = NULL;
	wh_jdoc_release(&z->doc);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if ((c | 32) >= 'a' && (c | 32) <= 'f')
		return (c | 32) - 'a' + 10;
	return -1;
}

/* Decode Zeek's \xHH escapes in place; returns the new length. */
static size_t unescape(char *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 3 < n && s[i + 1] == 'x') {
			int h = hexval(s[i + 2]), l = hexval(s[i + 3]);
			if (h >= 0 && l >= 0) {
				s[o++] = (char)(h << 4 | l);
				i += 3;
				continue;
			}
		}
		s[o++] = s[i];
	}
	s[o] = '\0';
	return o;
}

/* A header value like "\x09" or "," into one character. */
static bool one_char(const char *v, size_t n, char *out)
{
	char tmp[8];
	if (n == 0 || n >= sizeof(tmp))
		return false;
	memcpy(tmp, v, n);
	tmp[n] = '\0';
	n = unescape(tmp, n);
	if (n != 1)
		return false;
	*out = tmp[0];
	return true;
}

static void set_str(char *dst, size_t cap, const char *v, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '.';
}

static bool known_name(const char *s, size_t n)
{
	static const char *const names[] = { "ts", "uid", "id.orig_h", "id.resp_h", "id.orig_p",
					     "id.resp_p", "proto", "conn_state", "history", "service",
					     "query", "orig_bytes", "resp_bytes" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0)
			return true;
	return false;
}

/* Whether a line is a bare list of field names (zeek-cut's header). */
static bool bare_header(const char *s, size_t n)
{
	size_t tokens = 0, start = 0;
	bool known = false;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '\t') {
			if (i == start)
				return false;
			if (known_name(s + start, i - start))
				known = true;
			tokens++;
			start = i + 1;
		} else if (!name_char(s[i])) {
			return false;
		}
	}
	return known && tokens >= 2;
}

/* Split `s` at `sep` into the fields table; names are copied. */
static int take_fields(struct wh_zeek *z, const char *s, size_t n, const char **why)
{
	free(z->names);
	z->names = wh_xmalloc(n + 1);
	memcpy(z->names, s, n);
	z->names[n] = '\0';
	z->nfields = 0;
	z->have_fields = false;
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && z->names[i] != z->sep)
			continue;
		if (z->nfields == WH_ZEEK_MAX_FIELDS) {
			*why = "more than 512 fields in the #fields header";
			return WH_ZEEK_BAD;
		}
		z->names[i] = '\0';
		if (i == start) {
			*why = "empty name in the #fields header";
			return WH_ZEEK_BAD;
		}
		z->fields[z->nfields++] = z->names + start;
		start = i + 1;
	}
	z->have_fields = true;
	return WH_ZEEK_SKIP;
}

static int header_line(struct wh_zeek *z, char *line, size_t len, const char **why)
{
	if (len >= 11 && memcmp(line, "#separator ", 11) == 0) {
		char c;
		if (!one_char(line + 11, len - 11, &c)) {
			*why = "bad #separator";
			return WH_ZEEK_BAD;
		}
		z->sep = c;
		return WH_ZEEK_SKIP;
	}
	const char *sep = memchr(line, z->sep, len);
	if (!sep)
		return WH_ZEEK_SKIP;   /* a comment */
	size_t kl = (size_t)(sep - line) - 1;
	const char *key = line + 1, *v = sep + 1;
	size_t vl = len - (size_t)(v - line);
	if (kl == 6 && memcmp(key, "fields", 6) == 0)
		return take_fields(z, v, vl, why);
	if (kl == 13 && memcmp(key, "set_separator", 13) == 0) {
		if (!one_char(v, vl, &z->setsep)) {
			*why = "bad #set_separator";
			return WH_ZEEK_BAD;
		}
	} else if (kl == 11 && memcmp(key, "empty_field", 11) == 0) {
		set_str(z->empty, sizeof(z->empty), v, vl);
	} else if (kl == 11 && memcmp(key, "unset_field", 11) == 0) {
		set_str(z->unset, sizeof(z->unset), v, vl);
	} else if (kl == 4 && memcmp(key, "path", 4) == 0) {
		set_str(z->path, sizeof(z->path), v, vl);
	}
	return WH_ZEEK_SKIP;
}

/* Kind, time and Sysmon-named aliases, once the Zeek fields are in. */
static void finish(struct wh_event *ev, const char *path)
{
	const struct wh_field *ts = wh_event_field(ev, "ts");
	int64_t t;
	if (ts && wh_time_parse(ts->value, ts->vlen, &t) == 0)
		ev->time = t;
	bool conn = strcmp(path, "conn") == 0, dns = strcmp(path, "dns") == 0;
	if (!*path) {
		conn = wh_event_field(ev, "id.orig_h") &&
		       (wh_event_field(ev, "conn_state") || wh_event_field(ev, "history") ||
			wh_event_field(ev, "orig_bytes"));
		dns = !conn && wh_event_field(ev, "query");
	}
	static const char *const net_alias[][2] = {
		{ "id.orig_h", "SourceIp" }, { "id.orig_p", "SourcePort" },
		{ "id.resp_h", "DestinationIp" }, { "id.resp_p", "DestinationPort" },
		{ "proto", "Protocol" },
	};
	if (conn || dns) {
		uint32_t n = ev->nfields;
		for (size_t a = 0; a < sizeof(net_alias) / sizeof(net_alias[0]); a++)
			for (uint32_t i = 0; i < n; i++)
				if (strcmp(ev->fields[i].name, net_alias[a][0]) == 0) {
					wh_event_add(ev, net_alias[a][1], strlen(net_alias[a][1]),
						     ev->fields[i].value, ev->fields[i].vlen);
					break;
				}
	}
	if (conn) {
		ev->kind = WH_EV_NET_CONNECT;
	} else if (dns) {
		ev->kind = WH_EV_DNS_QUERY;
		const struct wh_field *q = wh_event_field(ev, "query");
		if (q)
			wh_event_add(ev, "QueryName", 9, q->value, q->vlen);
	}
}

static int tsv_record(struct wh_zeek *z, char *line, size_t len, struct wh_event *ev,
		      const char **why)
{
	uint32_t n = 0;
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && line[i] != z->sep)
			continue;
		if (n < WH_ZEEK_MAX_FIELDS)
			z->cols[n] = line + start;
		n++;
		line[i] = '\0';
		start = i + 1;
	}
	if (n != z->nfields) {
		*why = n > z->nfields ? "zeek record has more columns than its #fields header"
				      : "zeek record has fewer columns than its #fields header";
		return WH_ZEEK_BAD;
	}
	size_t unset_len = strlen(z->unset);
	for (uint32_t i = 0; i < n; i++) {
		char *v = (char *)z->cols[i];
		size_t vl = strlen(v);
		if (vl == unset_len && memcmp(v, z->unset, vl) == 0)
			continue;
		if (strcmp(v, z->empty) == 0) {
			v[0] = '\0';
			vl = 0;
		} else if (memchr(v, '\\', vl)) {
			vl = unescape(v, vl);
		}
		const char *name = z->fields[i];
		wh_event_add(ev, name, strlen(name), v, vl);
	}
	ev->channel = z->path;
	ev->provider = "zeek";
	finish(ev, z->path);
	return WH_ZEEK_EVENT;
}

static int json_record(struct wh_zeek *z, char *line, size_t len, struct wh_event *ev,
		       const char **why)
{
	size_t end, err_at;
	const char *err;
	int rc = wh_json_scan(line, len, 0, &z->doc, &end, &err_at, &err);
	if (rc != WH_JSON_OK) {
		*why = rc == WH_JSON_MORE ? "zeek JSON record cut short" : "zeek record is not valid JSON";
		return WH_ZEEK_BAD;
	}
	wh_json_materialize(line, &z->doc, ev->arena);
	const char *path = "";
	for (uint32_t k = 0; k < z->doc.nleaves; k++) {
		struct wh_jleaf *l = &z->doc.leaves[k];
		if (l->type == WH_JT_NULL)
			continue;
		uint32_t nl;
		const char *name = l->node == 0 ? l->key : wh_json_leaf_name(&z->doc, l, ev->arena, &nl);
		if (!name)
			continue;
		if (strcmp(name, "_path") == 0) {
			path = l->val;
			continue;
		}
		wh_event_add(ev, name, strlen(name), l->val, l->val_len);
	}
	ev->channel = path;
	ev->provider = "zeek";
	finish(ev, path);
	return WH_ZEEK_EVENT;
}

int wh_zeek_line(struct wh_zeek *z, char *line, size_t len, struct wh_event *ev, const char **why)
{
	*why = NULL;
	if (len == 0)
		return WH_ZEEK_SKIP;
	if (line[0] == '#')
		return header_line(z, line, len, why);
	if (line[0] == '{')
		return json_record(z, line, len, ev, why);
	if (!z->have_fields) {
		if (bare_header(line, len)) {
			z->sep = '\t';
			return take_fields(z, line, len, why);
		}
		*why = "zeek record before a #fields header";
		return WH_ZEEK_BAD;
	}
	return tsv_record(z, line, len, ev, why);
}

int wh_zeek_sniff(const unsigned char *b, size_t n)
{
	size_t i = 0;
	while (i < n) {
		const unsigned char *nl = memchr(b + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - b) : n;
		size_t ll = e - i;
		if (ll && b[e - 1] == '\r')
			ll--;
		const char *s = (const char *)b + i;
		if (ll >= 11 && memcmp(s, "#separator ", 11) == 0)
			return 100;
		if (ll == 0 || s[0] == '#') {
			i = e + 1;
			continue;
		}
		if (s[0] == '{') {
			bool orig = memmem(s, ll, "\"id.orig_h\"", 11) != NULL;
			bool ts = memmem(s, ll, "\"ts\"", 4) != NULL;
			bool uid = memmem(s, ll, "\"uid\"", 5) != NULL;
			bool path = memmem(s, ll, "\"_path\"", 7) != NULL;
			return (orig || (ts && (uid || path))) ? 60 : 0;
		}
		return bare_header(s, ll) ? 60 : 0;
	}
	return 0;
}

/* ---- the reader ---- */

struct zeek_reader {
	struct wh_input *in;
	struct wh_lines lines;
	struct wh_zeek z;
	struct wh_arena arena;
};

static int zeek_sniff(const unsigned char *b, size_t n)
{
	return wh_zeek_sniff(b, n);
}

static void *zeek_open(struct wh_input *in, const struct wh_read_opts *opts)
{
	(void)opts;
	struct zeek_reader *r = wh_xcalloc(1, sizeof(*r));
	r->in = in;
	wh_lines_init(&r->lines, in);
	wh_zeek_init(&r->z);
	wh_arena_init(&r->arena, 16 * 1024, WH_MAX_RECORD * 2u);
	return r;
}

static int zeek_next(void *st, struct wh_event *ev)
{
	struct zeek_reader *r = st;
	for (;;) {
		char *line;
		size_t len;
		uint64_t off;
		int rc = wh_lines_next(&r->lines, &line, &len, &off);
		if (rc <= 0)
			return rc;
		wh_arena_reset(&r->arena);
		wh_event_clear(ev);
		ev->source = r->in->name;
		ev->format = "zeek";
		ev->arena = &r->arena;
		const char *why;
		rc = wh_zeek_line(&r->z, line, len, ev, &why);
		if (rc == WH_ZEEK_SKIP)
			continue;
		if (rc == WH_ZEEK_BAD) {
			wh_bad_record(r->in->name, off, "%s", why);
			continue;
		}
		ev->offset = off;
		ev->record = r->lines.lineno;
		return 1;
	}
}

static void zeek_close(void *st)
{
	struct zeek_reader *r = st;
	wh_lines_release(&r->lines);
	wh_zeek_release(&r->z);
	wh_arena_release(&r->arena);
	free(r);
}

const struct wh_reader wh_reader_zeek = {
	.name = "zeek",
	.sniff = zeek_sniff,
	.open = zeek_open,
	.next = zeek_next,
	.close = zeek_close,
};
