/*
 * events.c: `whitehawk events`, the normalized events of any logs, as JSON
 * lines or CSV, with filters. It is also the quickest way to see how
 * whitehawk understood an input.
 */
#include "cmd/cmd.h"
#include "read/scan.h"
#include "report/emit.h"
#include "util/diag.h"
#include "util/num.h"
#include "util/wtime.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <string.h>

static int run_events(int argc, char **argv);

const struct wh_cmd wh_cmd_events = {
	.name = "events",
	.run = run_events,
	.summary = "print the normalized events of logs as JSON lines or CSV",
	.usage = "whitehawk events [--json | --csv | --count] [--kind K,...] [--id N,...] [--host H] "
		 "[--since T] [--until T] [--fields F,...] [OPTIONS] LOGS...",
	.options =
		"      --json          JSON lines, one object per event (the default)\n"
		"      --csv           CSV with a header row\n"
		"      --count         print only the number of events that pass the filters\n"
		"      --kind K,...    only these kinds: process_start, process_end, image_load,\n"
		"                      file_create, file_delete, net_connect, dns_query,\n"
		"                      registry_set, logon, service_install, script_block, other\n"
		"      --id N,...      only these event ids\n"
		"      --host H        only this host (case-insensitive; a short name matches its FQDN)\n"
		"      --since T       only events at or after T (ISO 8601 or epoch seconds)\n"
		"      --until T       only events before T\n"
		"      --fields F,...  CSV: the event fields to print as columns\n" WH_LOG_OPTIONS_HELP,
};

enum { OPT_JSON = WH_OPT_LOG_LAST, OPT_CSV, OPT_COUNT, OPT_KIND, OPT_ID, OPT_HOST, OPT_SINCE, OPT_UNTIL,
       OPT_FIELDS };

#define MAX_IDS 64

/*
 * Repeated field names. A name that appears more than once in an event (a
 * JSON array, repeated unnamed Data) is printed once, as an array. A small
 * hash table of the names finds repeats in one pass, so an event of many
 * distinct fields costs no pairwise comparisons.
 */
struct dup_table {
	uint32_t *slot;         /* field index + 1 of the first field with a name; 0 empty */
	uint32_t *first;        /* per field: index of the first field with its name */
	size_t nslot, nfirst;
};

struct events_ctx {
	FILE *out;
	bool csv;
	bool count;
	uint32_t kinds;          /* bit per kind; 0: all */
	int32_t ids[MAX_IDS];
	size_t nids;
	const char *host;
	int64_t since, until;
	char **fields;
	size_t nfields;
	uint64_t printed;
	struct dup_table dups;
	struct obuf *ob;       /* JSON output */
};

static const char *const default_csv_fields[] = {
	"Image", "CommandLine", "User", "ProcessId", "ParentImage", "TargetFilename",
	"DestinationIp", "DestinationPort", "QueryName", "TargetObject",
};

static inline uint64_t name_hash(const char *s, uint32_t n)
{
	/* length, first and last 8 bytes: names differ there, and equal
	 * hashes are compared in full anyway */
	uint64_t a = 0, b = 0;
	if (n >= 8) {
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
	} else {
		memcpy(&a, s, n);
	}
	uint64_t h = (a ^ (b * 0x9e3779b97f4a7c15ull) ^ n) * 0xff51afd7ed558ccdull;
	return h ^ (h >> 29);
}

/* Fill t->first for ev's fields; returns whether any name repeats. */
static bool find_dups(struct dup_table *t, const struct wh_event *ev)
{
	size_t need = 64;
	while (need < (size_t)ev->nfields * 2)
		need *= 2;
	if (need > t->nslot) {
		free(t->slot);
		t->slot = wh_xcalloc(need, sizeof(*t->slot));
		t->nslot = need;
	}
	WH_GROW(t->first, ev->nfields, t->nfirst);
	size_t mask = need - 1;
	memset(t->slot, 0, need * sizeof(*t->slot));
	bool dup = false;
	for (uint32_t i = 0; i < ev->nfields; i++) {
		const struct wh_field *f = &ev->fields[i];
		size_t h = (size_t)name_hash(f->name, f->nlen) & mask;
		for (;;) {
			uint32_t s = t->slot[h];
			if (s == 0) {
				t->slot[h] = i + 1;
				t->first[i] = i;
				break;
			}
			const struct wh_field *g = &ev->fields[s - 1];
			if (g->nlen == f->nlen && memcmp(g->name, f->name, f->nlen) == 0) {
				t->first[i] = s - 1;
				dup = true;
				break;
			}
			h = (h + 1) & mask;
		}
	}
	return dup;
}

/*
 * A JSON line is built here and handed to stdio in one write: an event has
 * some eighty names, values and separators, and a stdio call for each cost
 * more than the escaping. Strings too long for the buffer go to stdio
 * directly, so the buffer has a fixed size.
 */
struct obuf {
	FILE *out;
	size_t len;
	char buf[1 << 16];
};

static void ob_flush(struct obuf *b)
{
	fwrite_unlocked(b->buf, 1, b->len, b->out);
	b->len = 0;
}

static inline void ob_put(struct obuf *b, const void *s, size_t n)
{
	if (n > sizeof(b->buf) - b->len) {
		ob_flush(b);
		if (n > sizeof(b->buf)) {
			fwrite_unlocked(s, 1, n, b->out);
			return;
		}
	}
	memcpy(b->buf + b->len, s, n);
	b->len += n;
}
#define OB_LIT(b, lit) ob_put((b), (lit), sizeof(lit) - 1)

static inline void ob_ch(struct obuf *b, char c)
{
	if (b->len == sizeof(b->buf))
		ob_flush(b);
	b->buf[b->len++] = c;
}

static void ob_json(struct obuf *b, const char *s, size_t n)
{
	if (n > (sizeof(b->buf) - 2) / 6) {
		ob_flush(b);
		wh_emit_json_str(b->out, s, n);
		return;
	}
	if (6 * n + 2 > sizeof(b->buf) - b->len)
		ob_flush(b);
	b->len += wh_json_escape(b->buf + b->len, s, n);
}

static void ob_i64(struct obuf *b, int64_t v)
{
	char d[24];
	int i = (int)sizeof(d);
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do {
		d[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		d[--i] = '-';
	ob_put(b, d + i, sizeof(d) - (size_t)i);
}

/* The keys json_event writes itself; a field of the same name would repeat a
 * key in the object. */
static bool header_key(const char *n, uint32_t nl)
{
	static const char *const keys[] = { "@timestamp", "@host", "@kind", "@event_id", "@format",
					     "@source", "@offset", "@record", "@channel" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i]) == nl && memcmp(keys[i], n, nl) == 0)
			return true;
	return false;
}

static void json_event(struct obuf *o, const struct wh_event *ev, struct dup_table *dt)
{
	OB_LIT(o, "{\"@timestamp\":");
	if (ev->time == WH_TIME_NONE) {
		OB_LIT(o, "null");
	} else {
		char t[WH_EMIT_TIME_BUFSZ];
		size_t tl = wh_emit_time_str(ev->time, t);
		ob_ch(o, '"');
		ob_put(o, t, tl);
		ob_ch(o, '"');
	}
	OB_LIT(o, ",\"@host\":");
	ob_json(o, ev->host, strlen(ev->host));
	OB_LIT(o, ",\"@kind\":\"");
	const char *kind = wh_kind_name(ev->kind);
	ob_put(o, kind, strlen(kind));
	OB_LIT(o, "\",\"@event_id\":");
	ob_i64(o, ev->event_id);
	OB_LIT(o, ",\"@format\":");
	ob_json(o, ev->format, strlen(ev->format));
	OB_LIT(o, ",\"@source\":");
	ob_json(o, ev->source, strlen(ev->source));
	OB_LIT(o, ",\"@offset\":");
	ob_i64(o, (int64_t)ev->offset);
	OB_LIT(o, ",\"@record\":");
	ob_i64(o, (int64_t)ev->record);
	if (*ev->channel && !wh_event_field(ev, "Channel")) {
		OB_LIT(o, ",\"@channel\":");
		ob_json(o, ev->channel, strlen(ev->channel));
	}
	bool dups = find_dups(dt, ev);
	for (uint32_t i = 0; i < ev->nfields; i++) {
		const struct wh_field *f = &ev->fields[i];
		if (dups && dt->first[i] != i)
			continue;   /* printed with its first occurrence */
		if (f->name[0] == '@' && header_key(f->name, f->nlen))
			continue;   /* a shipper's "@timestamp": the header above is the event's time */
		uint32_t count = 1;
		if (dups)
			for (uint32_t j = i + 1; j < ev->nfields; j++)
				count += dt->first[j] == i;
		ob_ch(o, ',');
		ob_json(o, f->name, f->nlen);
		ob_ch(o, ':');
		if (count == 1) {
			ob_json(o, f->value, f->vlen);
			continue;
		}
		ob_ch(o, '[');
		ob_json(o, f->value, f->vlen);
		for (uint32_t j = i + 1; j < ev->nfields; j++)
			if (dt->first[j] == i) {
				ob_ch(o, ',');
				ob_json(o, ev->fields[j].value, ev->fields[j].vlen);
			}
		ob_ch(o, ']');
	}
	OB_LIT(o, "}\n");
	ob_flush(o);
}

static void csv_header(struct events_ctx *c)
{
	fputs("time,host,kind,event_id,channel,provider,source,offset", c->out);
	for (size_t i = 0; i < c->nfields; i++) {
		putc_unlocked(',', c->out);
		wh_emit_csv(c->out, c->fields[i], strlen(c->fields[i]));
	}
	putc_unlocked('\n', c->out);
}

static void csv_event(struct events_ctx *c, const struct wh_event *ev)
{
	FILE *o = c->out;
	wh_emit_time(o, ev->time);
	putc_unlocked(',', o);
	wh_emit_csv(o, ev->host, strlen(ev->host));
	fprintf(o, ",%s,%d,", wh_kind_name(ev->kind), ev->event_id);
	wh_emit_csv(o, ev->channel, strlen(ev->channel));
	putc_unlocked(',', o);
	wh_emit_csv(o, ev->provider, strlen(ev->provider));
	putc_unlocked(',', o);
	wh_emit_csv(o, ev->source, strlen(ev->source));
	fprintf(o, ",%llu", (unsigned long long)ev->offset);
	for (size_t i = 0; i < c->nfields; i++) {
		putc_unlocked(',', o);
		const struct wh_field *f = wh_event_field(ev, c->fields[i]);
		if (f)
			wh_emit_csv(o, f->value, f->vlen);
	}
	putc_unlocked('\n', o);
}

static int on_event(struct wh_event *ev, void *arg)
{
	struct events_ctx *c = arg;
	if (c->kinds && !(c->kinds & (1u << ev->kind)))
		return 0;
	if (c->nids) {
		size_t i;
		for (i = 0; i < c->nids && c->ids[i] != ev->event_id; i++)
			;
		if (i == c->nids)
			return 0;
	}
	if (c->host && !wh_host_match(c->host, ev->host))
		return 0;
	if (c->since != WH_TIME_NONE && (ev->time == WH_TIME_NONE || ev->time < c->since))
		return 0;
	if (c->until != WH_TIME_NONE && (ev->time == WH_TIME_NONE || ev->time >= c->until))
		return 0;
	if (c->count)
		;
	else if (c->csv)
		csv_event(c, ev);
	else
		json_event(c->ob, ev, &c->dups);
	c->printed++;
	return 0;
}

/* Split "a,b,c" into a NULL-free array of copies. */
static char **split_list(const char *s, size_t *n)
{
	char **v = NULL;
	size_t cap = 0;
	*n = 0;
	while (*s) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		if (len) {
			WH_GROW(v, *n + 1, cap);
			v[(*n)++] = wh_xstrndup(s, len);
		}
		s += len + (comma ? 1 : 0);
	}
	return v;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int run_events(int argc, char **argv)
{
	const struct wh_cmd *self = &wh_cmd_events;
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "csv", no_argument, NULL, OPT_CSV },
		{ "count", no_argument, NULL, OPT_COUNT },
		{ "kind", required_argument, NULL, OPT_KIND },
		{ "id", required_argument, NULL, OPT_ID },
		{ "host", required_argument, NULL, OPT_HOST },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "fields", required_argument, NULL, OPT_FIELDS },
		WH_LOG_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct events_ctx c = { .out = stdout, .since = WH_TIME_NONE, .until = WH_TIME_NONE };
	struct wh_logopts lo;
	wh_logopts_init(&lo);
	int opt, status = WH_EXIT_OK;
	size_t n;
	char **list;
	while ((opt = getopt_long(argc, argv, WH_LOG_SHORTOPTS, longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_JSON: c.csv = c.count = false; break;
		case OPT_CSV: c.csv = true; c.count = false; break;
		case OPT_COUNT: c.count = true; c.csv = false; break;
		case OPT_KIND:
			list = split_list(optarg, &n);
			for (size_t i = 0; i < n; i++) {
				int k = wh_kind_parse(list[i]);
				if (k < 0) {
					free_list(list, n);
					return wh_cmd_usage_error(self, "unknown --kind '%s'", list[i]);
				}
				c.kinds |= 1u << k;
			}
			free_list(list, n);
			break;
		case OPT_ID:
			list = split_list(optarg, &n);
			for (size_t i = 0; i < n; i++) {
				int64_t id;
				if (!wh_parse_i64(list[i], strlen(list[i]), &id) || id < 0 || id > INT32_MAX ||
				    c.nids >= MAX_IDS) {
					free_list(list, n);
					return wh_cmd_usage_error(self, "bad --id '%s'", optarg);
				}
				c.ids[c.nids++] = (int32_t)id;
			}
			free_list(list, n);
			break;
		case OPT_HOST: c.host = optarg; break;
		case OPT_SINCE:
		case OPT_UNTIL: {
			int64_t t;
			if (wh_time_parse(optarg, strlen(optarg), &t) < 0)
				return wh_cmd_usage_error(self, "cannot read the time '%s'", optarg);
			if (opt == OPT_SINCE)
				c.since = t;
			else
				c.until = t;
			break;
		}
		case OPT_FIELDS:
			free_list(c.fields, c.nfields);
			c.fields = split_list(optarg, &c.nfields);
			break;
		default: {
			int st = wh_cmd_other_opt(self, &lo, opt, optarg);
			if (st)
				return st;
			break;
		}
		}
	}
	if (optind >= argc)
		return wh_cmd_usage_error(self, "no logs given");
	if (c.csv && !c.fields) {
		size_t k = sizeof(default_csv_fields) / sizeof(default_csv_fields[0]);
		c.fields = wh_xcalloc(k, sizeof(char *));
		for (size_t i = 0; i < k; i++)
			c.fields[i] = wh_xstrdup(default_csv_fields[i]);
		c.nfields = k;
	}
	wh_emit_buffer(stdout);
	c.ob = wh_xmalloc(sizeof(*c.ob));
	c.ob->out = c.out;
	c.ob->len = 0;
	if (c.csv)
		csv_header(&c);
	struct wh_scan s;
	wh_scan_init(&s, on_event, &c);
	s.opts = lo.read;
	s.force = lo.format;
	if (wh_scan_paths(&s, argv + optind, argc - optind) < 0)
		status = WH_EXIT_ERROR;
	if (c.count)
		printf("%llu\n", (unsigned long long)c.printed);
	fflush(stdout);
	if (!lo.quiet)
		wh_scan_summary(&s, stderr);
	wh_scan_release(&s);
	free_list(c.fields, c.nfields);
	free(c.ob);
	free(c.dups.slot);
	free(c.dups.first);
	return status;
}
