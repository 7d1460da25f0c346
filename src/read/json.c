/*
 * json.c: the JSON reader. JSON lines, a JSON array of events, or a stream of
 * concatenated (pretty-printed) documents, in any of these shapes:
 *
 *   flat       raw Sysmon EventData objects, OTRF Security-Datasets, NXLog;
 *              and whitehawk's own `events --json` output (its "@" keys)
 *   evtx       {"Event": {"System": {...}, "EventData": {...}}} with
 *              "#attributes", as EVTX-to-JSON dumpers print it
 *   winlog     Winlogbeat / Elastic Agent (winlog.event_data.*)
 *   ecs        other ECS documents (process.*, destination.* ...), mapped to
 *              Sysmon names so that the same rules match
 *   splunk     Splunk's JSON export ({"result": {...}})
 *
 * The shape is decided per document, so mixed files work. Field names are
 * documented in docs/input-formats.md.
 *
 * Parsing is in place (read/json_scan.c): one pass to validate and find the
 * spans, then strings are terminated and unescaped inside the read buffer,
 * so a typical event costs no copy and no allocation.
 */
#include "read/json_scan.h"
#include "read/reader.h"
#include "read/xml.h"
#include "util/diag.h"
#include "util/num.h"
#include "util/wtime.h"
#include "util/xalloc.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#define READ_CHUNK (1u << 20)

enum shape { SHAPE_FLAT, SHAPE_EVTX, SHAPE_WINLOG, SHAPE_ECS, SHAPE_SPLUNK };

struct json_reader {
	struct wh_input *in;
	char *buf;
	size_t cap, pos, end;
	uint64_t base;          /* stream offset of buf[0] */
	bool eof;
	bool in_array;          /* inside a top-level [ ... ] */
	bool resync;            /* after an error: skip to a line that starts a document */
	bool bom_checked;
	struct wh_jdoc doc;
	struct wh_arena arena;  /* per document */
	uint64_t docs;
};

static int json_sniff(const unsigned char *b, size_t n)
{
	size_t i = 0;
	if (n >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf)
		i = 3;
	while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n'))
		i++;
	if (i >= n)
		return 0;
	if (b[i] == '[') {
		i++;
		while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n'))
			i++;
		if (i < n && b[i] != '{' && b[i] != ']')
			return 0;
	} else if (b[i] != '{') {
		return 0;
	}
	i++;
	while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n'))
		i++;
	if (i < n && b[i] != '"' && b[i] != '}')
		return 0;
	return 50;
}

static void *json_open(struct wh_input *in, const struct wh_read_opts *opts)
{
	(void)opts;
	struct json_reader *r = wh_xcalloc(1, sizeof(*r));
	r->in = in;
	r->cap = READ_CHUNK;
	r->buf = wh_xmalloc(r->cap + 1);
	wh_arena_init(&r->arena, 64 * 1024, WH_MAX_RECORD * 2u);
	return r;
}

static void json_close(void *st)
{
	struct json_reader *r = st;
	free(r->buf);
	wh_jdoc_release(&r->doc);
	wh_arena_release(&r->arena);
	free(r);
}

/* Keep buf[keep..end) and read more after it. Returns bytes read, 0 at the end, -1. */
static ssize_t refill(struct json_reader *r, size_t keep)
{
	if (keep > 0) {
		memmove(r->buf, r->buf + keep, r->end - keep);
		r->base += keep;
		r->end -= keep;
		r->pos -= keep;
	}
	if (r->cap - r->end < READ_CHUNK / 2) {
		size_t ncap = r->cap * 2;
		if (ncap > WH_MAX_RECORD + READ_CHUNK)
			ncap = WH_MAX_RECORD + READ_CHUNK;
		if (ncap > r->cap) {
			r->buf = wh_xrealloc(r->buf, ncap + 1);
			r->cap = ncap;
		}
	}
	if (r->eof || r->end == r->cap)
		return 0;
	ssize_t n = wh_input_read(r->in, r->buf + r->end, r->cap - r->end);
	if (n < 0)
		return -1;
	if (n == 0)
		r->eof = true;
	r->end += (size_t)n;
	return n;
}

/* ---- header values ---- */

struct hdr {
	const char *host, *channel, *provider;
	int64_t time;
	int time_rank;          /* lower is better */
	int32_t event_id;
	uint64_t record;
	int kind;               /* -1: classify later */
};

static void take_time(struct hdr *h, const char *v, uint32_t vlen, int rank)
{
	int64_t t;
	if (rank >= h->time_rank || vlen == 0)
		return;
	if (wh_time_parse(v, vlen, &t) == 0) {
		h->time = t;
		h->time_rank = rank;
	}
}

static void take_id(struct hdr *h, const char *v, uint32_t vlen)
{
	int64_t id;
	if (h->event_id < 0 && wh_parse_i64(v, vlen, &id) && id >= 0 && id <= INT32_MAX)
		h->event_id = (int32_t)id;
}

/* Header values under the names the shapes end up with. */
static void header_field(struct hdr *h, const char *n, uint32_t nl, const char *v, uint32_t vl)
{
	switch (n[0]) {
	case 'E':
		if (nl == 7 && memcmp(n, "EventID", 7) == 0)
			take_id(h, v, vl);
		else if (nl == 9 && memcmp(n, "EventCode", 9) == 0)
			take_id(h, v, vl);
		else if (nl == 9 && memcmp(n, "EventTime", 9) == 0)
			take_time(h, v, vl, 6);
		else if (nl == 13 && memcmp(n, "EventRecordID", 13) == 0)
			wh_parse_u64(v, vl, &h->record);
		break;
	case 'U':
		if (nl == 7 && memcmp(n, "UtcTime", 7) == 0)
			take_time(h, v, vl, 1);
		break;
	case 'T':
		if (nl == 22 && memcmp(n, "TimeCreated_SystemTime", 22) == 0)
			take_time(h, v, vl, 2);
		else if (nl == 11 && memcmp(n, "TimeCreated", 11) == 0)
			take_time(h, v, vl, 4);
		break;
	case '@':
		if (nl == 10 && memcmp(n, "@timestamp", 10) == 0)
			take_time(h, v, vl, 3);
		else if (nl == 5 && memcmp(n, "@host", 5) == 0)
			h->host = v;
		else if (nl == 5 && memcmp(n, "@kind", 5) == 0)
			h->kind = wh_kind_parse(v);
		else if (nl == 9 && memcmp(n, "@event_id", 9) == 0)
			take_id(h, v, vl);
		else if (nl == 7 && memcmp(n, "@record", 7) == 0 && !h->record)
			wh_parse_u64(v, vl, &h->record);
		else if (nl == 8 && memcmp(n, "@channel", 8) == 0 && !*h->channel)
			h->channel = v;
		break;
	case 'C':
		if (nl == 7 && memcmp(n, "Channel", 7) == 0)
			h->channel = v;
		else if (nl == 8 && memcmp(n, "Computer", 8) == 0)
			h->host = v;
		else if (nl == 12 && memcmp(n, "ComputerName", 12) == 0 && !*h->host)
			h->host = v;
		break;
	case 'H':
		if (nl == 8 && memcmp(n, "Hostname", 8) == 0)
			h->host = v;
		break;
	case 'P':
		if (nl == 13 && memcmp(n, "Provider_Name", 13) == 0)
			h->provider = v;
		else if (nl == 12 && memcmp(n, "ProviderName", 12) == 0 && !*h->provider)
			h->provider = v;
		break;
	case 'S':
		if (nl == 10 && memcmp(n, "SourceName", 10) == 0 && !*h->provider)
			h->provider = v;
		break;
	case 'R':
		if (nl == 12 && memcmp(n, "RecordNumber", 12) == 0 && !h->record)
			wh_parse_u64(v, vl, &h->record);
		break;
	case '_':
		if (nl == 5 && memcmp(n, "_time", 5) == 0)
			take_time(h, v, vl, 5);
		break;
	case 'h':
		if (((nl == 4 && memcmp(n, "host", 4) == 0) ||
		     (nl == 8 && memcmp(n, "hostname", 8) == 0) ||
		     (nl == 9 && memcmp(n, "host.name", 9) == 0)) && !*h->host)
			h->host = v;
		break;
	case 't':
		if ((nl == 9 && memcmp(n, "timestamp", 9) == 0) || (nl == 2 && memcmp(n, "ts", 2) == 0))
			take_time(h, v, vl, 7);
		break;
	default:
		break;
	}
}

/* ---- shapes ---- */

static bool streq(const char *a, uint32_t al, const char *lit)
{
	size_t ll = strlen(lit);
	return al == ll && memcmp(a, lit, ll) == 0;
}

static bool has_prefix(const char *a, uint32_t al, const char *lit)
{
	size_t ll = strlen(lit);
	return al >= ll && memcmp(a, lit, ll) == 0;
}

static enum shape detect_shape(const struct wh_jdoc *d)
{
	bool ts = false, ecs = false;
	for (uint32_t k = 1; k < d->nnodes; k++) {
		const struct wh_jnode *nd = &d->nodes[k];
		if (nd->parent != 0)
			continue;
		const char *key = nd->key;
		if (strcmp(key, "Event") == 0)
			return SHAPE_EVTX;
		if (strcmp(key, "winlog") == 0)
			return SHAPE_WINLOG;
		if (strcmp(key, "result") == 0)
			return SHAPE_SPLUNK;
		if (strcmp(key, "process") == 0 || strcmp(key, "destination") == 0 ||
		    strcmp(key, "file") == 0 || strcmp(key, "dns") == 0)
			ecs = true;
	}
	if (!ecs)
		return SHAPE_FLAT;
	for (uint32_t k = 0; k < d->nleaves; k++)
		if (d->leaves[k].node == 0 && strcmp(d->leaves[k].key, "@timestamp") == 0)
			ts = true;
	return ts ? SHAPE_ECS : SHAPE_FLAT;
}

/* ECS names that have a Sysmon equivalent; the ECS field is kept as well. */
static const char *const ecs_alias[][2] = {
	{ "process.executable", "Image" },
	{ "process.command_line", "CommandLine" },
	{ "process.pid", "ProcessId" },
	{ "process.entity_id", "ProcessGuid" },
	{ "process.working_directory", "CurrentDirectory" },
	{ "process.parent.executable", "ParentImage" },
	{ "process.parent.command_line", "ParentCommandLine" },
	{ "process.parent.pid", "ParentProcessId" },
	{ "process.parent.entity_id", "ParentProcessGuid" },
	{ "process.pe.original_file_name", "OriginalFileName" },
	{ "process.pe.company", "Company" },
	{ "process.pe.product", "Product" },
	{ "process.pe.description", "Description" },
	{ "user.name", "User" },
	{ "file.path", "TargetFilename" },
	{ "source.ip", "SourceIp" },
	{ "source.port", "SourcePort" },
	{ "destination.ip", "DestinationIp" },
	{ "destination.port", "DestinationPort" },
	{ "destination.domain", "DestinationHostname" },
	{ "network.transport", "Protocol" },
	{ "dns.question.name", "QueryName" },
	{ "registry.path", "TargetObject" },
	{ NULL, NULL },
};

struct emit {
	struct json_reader *r;
	struct wh_event *ev;
	struct hdr *h;
	bool ecs_start, ecs_end, ecs_net, ecs_file, ecs_dns;
};

static void add(struct emit *e, const char *n, uint32_t nl, const char *v, uint32_t vl)
{
	if (wh_event_add(e->ev, n, nl, v, vl) == 0)
		header_field(e->h, n, nl, v, vl);
}

static const char *join2(struct wh_arena *a, const char *x, const char *sep, const char *y,
			 uint32_t *len)
{
	size_t xl = strlen(x), sl = strlen(sep), yl = strlen(y);
	char *s = wh_arena_alloc(a, xl + sl + yl + 1);
	if (!s) {
		*len = 0;
		return "";
	}
	memcpy(s, x, xl);
	memcpy(s + xl, sep, sl);
	memcpy(s + xl + sl, y, yl + 1);
	*len = (uint32_t)(xl + sl + yl);
	return s;
}

/* The last dotted component of a path. */
static const char *last_component(const char *p, uint32_t pl, uint32_t *len)
{
	const char *dot = NULL;
	for (uint32_t i = 0; i < pl; i++)
		if (p[i] == '.')
			dot = p + i;
	if (!dot) {
		*len = pl;
		return p;
	}
	*len = (uint32_t)(p + pl - dot - 1);
	return dot + 1;
}

/* A leaf's key, or for an element of an array (which has none of its own)
 * the array's: the last component of its path. An empty key of an object
 * ({"": 1}) stays empty. */
static const char *leaf_key(const struct wh_jdoc *d, const struct wh_jleaf *l, const char *path, uint32_t pl,
			    uint32_t *len)
{
	if (l->node < 0 || !d->nodes[l->node].is_array) {
		*len = l->key_len;
		return l->key;
	}
	return last_component(path, pl, len);
}

/* The Name attribute of the object a "#text" leaf sits in, as in
 * {"Data": [{"#attributes": {"Name": "Image"}, "#text": "C:\\a.exe"}]},
 * or NULL. Its leaves are next to the "#text" leaf: the search stops at the
 * first leaf outside the object and its "#attributes". */
static const char *data_name(const struct wh_jdoc *d, const struct wh_jleaf *l, uint32_t *len)
{
	int32_t obj = l->node;
	ptrdiff_t at = l - d->leaves;
	for (int dir = -1; dir <= 1; dir += 2) {
		for (ptrdiff_t k = at + dir; k >= 0 && k < (ptrdiff_t)d->nleaves; k += dir) {
			const struct wh_jleaf *x = &d->leaves[k];
			if (x->node == obj)
				continue;
			const struct wh_jnode *nd = &d->nodes[x->node];
			if (nd->parent != obj)
				break;
			if (x->type == WH_JT_STRING && x->val_len && streq(nd->key, nd->key_len, "#attributes") &&
			    streq(x->key, x->key_len, "Name")) {
				*len = x->val_len;
				return x->val;
			}
		}
	}
	return NULL;
}

static void emit_evtx(struct emit *e, struct wh_jleaf *l, const char *path, uint32_t pl)
{
	struct wh_arena *a = &e->r->arena;
	uint32_t nl;
	const char *c;
	if (streq(path, pl, "Event.EventData")) {
		if (streq(l->key, l->key_len, "#attributes"))
			return;
		c = leaf_key(&e->r->doc, l, path, pl, &nl);
		add(e, c, nl, l->val, l->val_len);
		return;
	}
	if (has_prefix(path, pl, "Event.EventData.")) {
		/* {"Data": {"#text": ...}} or {"Data": [{"#attributes": {"Name":
		 * ...}, "#text": ...}]}: a named Data element is the field of its
		 * name, an unnamed one is Data */
		if (strstr(path, "#attributes"))
			return;
		c = NULL;
		if (streq(l->key, l->key_len, "#text"))
			c = data_name(&e->r->doc, l, &nl);
		if (!c)
			c = last_component(path, pl, &nl);
		add(e, c, nl, l->val, l->val_len);
		return;
	}
	if (has_prefix(path, pl, "Event.UserData")) {
		if (strstr(path, "#attributes") || streq(l->key, l->key_len, "#attributes"))
			return;
		if (streq(l->key, l->key_len, "#text"))
			c = last_component(path, pl, &nl);
		else
			c = leaf_key(&e->r->doc, l, path, pl, &nl);
		add(e, c, nl, l->val, l->val_len);
		return;
	}
	if (streq(path, pl, "Event.System")) {
		c = leaf_key(&e->r->doc, l, path, pl, &nl);
		add(e, c, nl, l->val, l->val_len);
		return;
	}
	if (has_prefix(path, pl, "Event.System.")) {
		/* Event.System.Provider.#attributes + Name -> Provider_Name;
		 * Event.System.EventID + #text -> EventID */
		const char *elem = path + 13;
		uint32_t el = pl - 13;
		const char *hash = memchr(elem, '.', el);
		uint32_t elen = hash ? (uint32_t)(hash - elem) : el;
		char ebuf[128];
		if (elen >= sizeof(ebuf))
			return;
		memcpy(ebuf, elem, elen);
		ebuf[elen] = '\0';
		if (streq(l->key, l->key_len, "#text")) {
			const char *n = wh_arena_strdup(a, ebuf);
			if (n)
				add(e, n, elen, l->val, l->val_len);
			return;
		}
		const char *n = join2(a, ebuf, "_", l->key, &nl);
		add(e, n, nl, l->val, l->val_len);
		return;
	}
	if (streq(path, pl, "Event") && streq(l->key, l->key_len, "#attributes"))
		return;
	if (has_prefix(path, pl, "Event.#attributes"))
		return;
	uint32_t fl;
	const char *full = wh_json_leaf_name(&e->r->doc, l, a, &fl);
	add(e, full, fl, l->val, l->val_len);
}

static void emit_winlog(struct emit *e, struct wh_jleaf *l, const char *path, uint32_t pl)
{
	struct wh_arena *a = &e->r->arena;
	if (streq(path, pl, "winlog.event_data") || has_prefix(path, pl, "winlog.user_data")) {
		uint32_t nl;
		const char *c = leaf_key(&e->r->doc, l, path, pl, &nl);
		add(e, c, nl, l->val, l->val_len);
		return;
	}
	if (streq(path, pl, "winlog")) {
		static const char *const map[][2] = {
			{ "event_id", "EventID" },     { "channel", "Channel" },
			{ "computer_name", "Computer" }, { "provider_name", "Provider_Name" },
			{ "provider_guid", "Provider_Guid" }, { "record_id", "EventRecordID" },
			{ "opcode", "Opcode" },        { "task", "Task" },
			{ "version", "Version" },      { NULL, NULL },
		};
		for (int i = 0; map[i][0]; i++)
			if (streq(l->key, l->key_len, map[i][0])) {
				add(e, map[i][1], (uint32_t)strlen(map[i][1]), l->val, l->val_len);
				return;
			}
	}
	uint32_t fl;
	const char *full = wh_json_leaf_name(&e->r->doc, l, a, &fl);
	add(e, full, fl, l->val, l->val_len);
}

static void emit_ecs(struct emit *e, struct wh_jleaf *l)
{
	uint32_t fl;
	const char *full = wh_json_leaf_name(&e->r->doc, l, &e->r->arena, &fl);
	add(e, full, fl, l->val, l->val_len);
	if (full[0] == 'e' && streq(full, fl, "event.category")) {
		e->ecs_net |= strcmp(l->val, "network") == 0;
		e->ecs_file |= strcmp(l->val, "file") == 0;
	} else if (full[0] == 'e' && (streq(full, fl, "event.type") || streq(full, fl, "event.action"))) {
		e->ecs_start |= strcmp(l->val, "start") == 0 || strcmp(l->val, "exec") == 0 ||
				strcmp(l->val, "executed") == 0;
		e->ecs_end |= strcmp(l->val, "end") == 0 || strcmp(l->val, "exit") == 0;
	} else if (streq(full, fl, "dns.question.name")) {
		e->ecs_dns = true;
	}
	for (int i = 0; ecs_alias[i][0]; i++)
		if (streq(full, fl, ecs_alias[i][0])) {
			add(e, ecs_alias[i][1], (uint32_t)strlen(ecs_alias[i][1]), l->val, l->val_len);
			break;
		}
}

static void emit_splunk(struct emit *e, struct wh_jleaf *l, const char *path, uint32_t pl)
{
	if (streq(path, pl, "result")) {
		uint32_t nl;
		const char *c = leaf_key(&e->r->doc, l, path, pl, &nl);
		add(e, c, nl, l->val, l->val_len);
		return;
	}
	if (pl == 0)
		return;   /* preview, offset, lastrow: the export's own bookkeeping */
	uint32_t fl;
	const char *full = wh_json_leaf_name(&e->r->doc, l, &e->r->arena, &fl);
	add(e, full, fl, l->val, l->val_len);
}

static bool our_meta(const char *k, uint32_t kl)
{
	/* whitehawk's own output: "@host", "@kind" ... say where an event came
	 * from, they are not fields of it */
	return kl > 1 && k[0] == '@' && !streq(k, kl, "@timestamp") && !streq(k, kl, "@version");
}

/* Splunk exports of XmlWinEventLog keep the event XML in result._raw: read
 * it as the XML reader would, so the fields are the Windows ones. Returns
 * false to fall back to the flat result fields. */
static bool splunk_xml(struct json_reader *r, struct wh_event *ev)
{
	struct wh_jdoc *d = &r->doc;
	for (uint32_t k = 0; k < d->nleaves; k++) {
		struct wh_jleaf *l = &d->leaves[k];
		if (l->type != WH_JT_STRING || l->node <= 0 || d->nodes[l->node].parent != 0 ||
		    strcmp(l->key, "_raw") != 0 || strcmp(d->nodes[l->node].key, "result") != 0)
			continue;
		uint32_t i = 0;
		while (i < l->val_len && strchr(" \t\r\n", l->val[i]))
			i++;
		if (l->val_len - i < 7 || memcmp(l->val + i, "<Event", 6) != 0)
			return false;
		const char *err;
		size_t at;
		if (wh_xml_parse_event_once(l->val + i, l->val_len - i, ev, &r->arena, &err, &at) == 0)
			return true;
		wh_note(r->in->name, "offset %llu: result._raw is not valid event XML (%s at byte %zu): "
			"read as flat fields", (unsigned long long)ev->offset, err, at + i);
		return false;
	}
	return false;
}

static int build_event(struct json_reader *r, struct wh_event *ev)
{
	struct wh_jdoc *d = &r->doc;
	struct hdr h = { "", "", "", WH_TIME_NONE, 100, -1, 0, -1 };
	struct emit e = { .r = r, .ev = ev, .h = &h };
	enum shape sh = detect_shape(d);
	if (sh == SHAPE_SPLUNK && splunk_xml(r, ev))
		return 1;
	for (uint32_t k = 0; k < d->nleaves; k++) {
		struct wh_jleaf *l = &d->leaves[k];
		if (l->type == WH_JT_NULL)
			continue;   /* null means absent */
		if (l->node == 0 && sh != SHAPE_ECS && sh != SHAPE_SPLUNK) {
			/* top-level key: the common case, no path to build */
			if (our_meta(l->key, l->key_len)) {
				header_field(&h, l->key, l->key_len, l->val, l->val_len);
				continue;
			}
			if (sh == SHAPE_FLAT || sh == SHAPE_WINLOG || sh == SHAPE_EVTX) {
				add(&e, l->key, l->key_len, l->val, l->val_len);
				continue;
			}
		}
		uint32_t pl;
		const char *path = wh_json_node_path(d, l->node, &r->arena, &pl);
		switch (sh) {
		case SHAPE_EVTX: emit_evtx(&e, l, path, pl); break;
		case SHAPE_WINLOG: emit_winlog(&e, l, path, pl); break;
		case SHAPE_ECS: emit_ecs(&e, l); break;
		case SHAPE_SPLUNK: emit_splunk(&e, l, path, pl); break;
		default: {
			uint32_t fl;
			const char *full = wh_json_leaf_name(d, l, &r->arena, &fl);
			add(&e, full, fl, l->val, l->val_len);
		}
		}
	}
	ev->time = h.time;
	ev->host = h.host;
	ev->channel = h.channel;
	ev->provider = h.provider;
	ev->event_id = h.event_id;
	ev->record = h.record;
	if (h.kind >= 0) {
		ev->kind = (enum wh_kind)h.kind;
	} else if (sh == SHAPE_ECS) {
		if (e.ecs_dns)
			ev->kind = WH_EV_DNS_QUERY;
		else if (e.ecs_net)
			ev->kind = WH_EV_NET_CONNECT;
		else if (e.ecs_file)
			ev->kind = WH_EV_FILE_CREATE;
		else if (e.ecs_start)
			ev->kind = WH_EV_PROCESS_START;
		else if (e.ecs_end)
			ev->kind = WH_EV_PROCESS_END;
	}
	wh_event_classify(ev);
	if (ev->truncated)
		wh_bad_record(r->in->name, ev->offset, "more than %u fields: the rest dropped",
			      WH_EVENT_MAX_FIELDS);
	return 1;
}

/* After an error: drop bytes up to a line whose first byte starts a document.
 * Returns 1 positioned there, 0 at the end of the input, -1 on a read error. */
static int resync(struct json_reader *r)
{
	for (;;) {
		size_t at = r->pos;
		for (;;) {
			char *nl = memchr(r->buf + at, '\n', r->end - at);
			if (!nl) {
				r->pos = r->end;
				break;
			}
			at = (size_t)(nl - r->buf) + 1;
			if (at >= r->end) {
				r->pos = at - 1;   /* keep the newline: the next byte decides */
				break;
			}
			if (r->buf[at] == '{' || r->buf[at] == '[') {
				r->pos = at;
				r->resync = false;
				return 1;
			}
		}
		ssize_t n = refill(r, r->pos);
		if (n < 0)
			return -1;
		if (n == 0 && r->end - r->pos <= 1) {
			r->pos = r->end;
			return 0;
		}
	}
}

static int json_next(void *st, struct wh_event *ev)
{
	struct json_reader *r = st;
	for (;;) {
		if (r->resync) {
			int k = resync(r);
			if (k <= 0)
				return k;
		}
		if (!r->bom_checked) {
			/* a UTF-8 BOM at the start, even when the first read is shorter */
			while (r->end < 3 && !r->eof)
				if (refill(r, 0) < 0)
					return -1;
			if (r->end >= 3 && memcmp(r->buf, "\xef\xbb\xbf", 3) == 0)
				r->pos = 3;
			r->bom_checked = true;
		}
		/* skip whitespace, and the commas and brackets of a top-level array */
		while (r->pos < r->end) {
			unsigned char c = (unsigned char)r->buf[r->pos];
			if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
				r->pos++;
			else if (c == ',' && r->in_array)
				r->pos++;
			else if (c == ']' && r->in_array) {
				r->in_array = false;
				r->pos++;
			} else
				break;
		}
		if (r->pos >= r->end) {
			ssize_t n = refill(r, r->pos);
			if (n < 0)
				return -1;
			if (n == 0) {
				if (r->in_array)
					wh_bad_record(r->in->name, r->base + r->pos,
						      "JSON array not closed at end of input");
				return 0;
			}
			continue;
		}
		if (r->buf[r->pos] == '[' && !r->in_array) {
			/* an array of events, or one event that is an array: peek */
			size_t j = r->pos + 1;
			while (j < r->end && strchr(" \t\r\n", r->buf[j]))
				j++;
			if (j < r->end && (r->buf[j] == '{' || r->buf[j] == ']')) {
				r->in_array = true;
				r->pos++;
				continue;
			}
			if (j >= r->end && !r->eof) {
				if (refill(r, r->pos) < 0)
					return -1;
				continue;
			}
		}
		size_t end, err_at;
		const char *err;
		wh_arena_reset(&r->arena);
		int rc = wh_json_scan(r->buf, r->end, r->pos, &r->doc, &end, &err_at, &err);
		if (rc == WH_JSON_MORE) {
			size_t have = r->end - r->pos;
			if (r->eof) {
				wh_bad_record(r->in->name, r->base + r->pos,
					      "truncated JSON: the input ends inside a document");
				r->pos = r->end;
				return 0;
			}
			if (have > WH_MAX_RECORD) {
				wh_bad_record(r->in->name, r->base + r->pos,
					      "JSON document larger than %u MiB skipped", WH_MAX_RECORD >> 20);
				r->pos++;
				r->resync = true;
				continue;
			}
			if (refill(r, r->pos) < 0)
				return -1;
			continue;
		}
		if (rc == WH_JSON_ERR) {
			/* The offset is where the record starts, so that it can be
			 * found; the byte at fault is named when it lies further on. */
			if (err_at == r->pos)
				wh_bad_record(r->in->name, r->base + r->pos, "invalid JSON: %s", err);
			else
				wh_bad_record(r->in->name, r->base + r->pos, "invalid JSON: %s (at offset %llu)",
					      err, (unsigned long long)(r->base + err_at));
			r->resync = true;
			continue;
		}
		if (end - r->pos > WH_MAX_RECORD) {
			/* complete, but over the cap that a document still being read
			 * is held to: the same limit whichever way it arrived */
			wh_bad_record(r->in->name, r->base + r->pos,
				      "JSON document larger than %u MiB skipped", WH_MAX_RECORD >> 20);
			r->pos = end;
			continue;
		}
		if (r->buf[r->pos] != '{') {
			wh_bad_record(r->in->name, r->base + r->pos, "JSON value is not an object");
			r->pos = end;
			continue;
		}
		ev->offset = r->base + r->pos;
		r->docs++;
		wh_json_materialize(r->buf, &r->doc, &r->arena);
		r->pos = end;
		ev->arena = &r->arena;
		build_event(r, ev);
		if (ev->record == 0)
			ev->record = r->docs;   /* no record id in the data: the document number */
		return 1;
	}
}

const struct wh_reader wh_reader_json = {
	.name = "json",
	.sniff = json_sniff,
	.open = json_open,
	.next = json_next,
	.close = json_close,
};
