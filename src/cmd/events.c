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
};

static const char *const default_csv_fields[] = {
	"Image", "CommandLine", "User", "ProcessId", "ParentImage", "TargetFilename",
	"DestinationIp", "DestinationPort", "QueryName", "TargetObject",
};

static void json_event(FILE *o, const struct wh_event *ev)
{
	WH_EMIT_LIT(o, "{\"@timestamp\":");
	if (ev->time == WH_TIME_NONE) {
		WH_EMIT_LIT(o, "null");
	} else {
		putc_unlocked('"', o);
		wh_emit_time(o, ev->time);
		putc_unlocked('"', o);
	}
	WH_EMIT_LIT(o, ",\"@host\":");
	wh_emit_json_str(o, ev->host, strlen(ev->host));
	fprintf(o, ",\"@kind\":\"%s\",\"@event_id\":%d,\"@format\":\"%s\",\"@source\":",
		wh_kind_name(ev->kind), ev->event_id, ev->format);
	wh_emit_json_str(o, ev->source, strlen(ev->source));
	fprintf(o, ",\"@offset\":%llu,\"@record\":%llu", (unsigned long long)ev->offset,
		(unsigned long long)ev->record);
	if (*ev->channel && !wh_event_field(ev, "Channel")) {
		WH_EMIT_LIT(o, ",\"@channel\":");
		wh_emit_json_str(o, ev->channel, strlen(ev->channel));
	}
	/* A field name that appears more than once (a JSON array, repeated
	 * unnamed Data) is printed once, as an array. A 64-bit filter on
	 * (length, first byte) keeps the common no-repeat case linear. */
	uint64_t seen = 0;
	bool maybe_dup = false;
	for (uint32_t i = 0; i < ev->nfields; i++) {
		const struct wh_field *f = &ev->fields[i];
		uint64_t bit = 1ull << ((f->nlen * 31u + (unsigned char)f->name[0]) & 63);
		if (seen & bit)
			maybe_dup = true;
		seen |= bit;
	}
	for (uint32_t i = 0; i < ev->nfields; i++) {
		const struct wh_field *f = &ev->fields[i];
		uint32_t j, count = 1;
		if (maybe_dup) {
			for (j = 0; j < i; j++)
				if (ev->fields[j].nlen == f->nlen && memcmp(ev->fields[j].name, f->name, f->nlen) == 0)
					break;
			if (j < i)
				continue;   /* printed with its first occurrence */
			for (j = i + 1; j < ev->nfields; j++)
				if (ev->fields[j].nlen == f->nlen && memcmp(ev->fields[j].name, f->name, f->nlen) == 0)
					count++;
		}
		putc_unlocked(',', o);
		wh_emit_json_str(o, f->name, f->nlen);
		putc_unlocked(':', o);
		if (count == 1) {
			wh_emit_json_str(o, f->value, f->vlen);
			continue;
		}
		putc_unlocked('[', o);
		wh_emit_json_str(o, f->value, f->vlen);
		for (j = i + 1; j < ev->nfields; j++)
			if (ev->fields[j].nlen == f->nlen && memcmp(ev->fields[j].name, f->name, f->nlen) == 0) {
				putc_unlocked(',', o);
				wh_emit_json_str(o, ev->fields[j].value, ev->fields[j].vlen);
			}
		putc_unlocked(']', o);
	}
	WH_EMIT_LIT(o, "}\n");
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
		json_event(c->out, ev);
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
			int r = wh_logopt(&lo, opt, optarg);
			if (r == 1)
				break;
			if (r == 0)
				return wh_cmd_usage_error(self, "unknown option");
			return WH_EXIT_ERROR;
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
	return status;
}
