#include "model/finding.h"
#include "report/emit.h"
#include "util/sbuf.h"
#include "util/wtime.h"
#include "util/xalloc.h"

#include <stdarg.h>
#include <string.h>
#include <strings.h>

static const char *const sev_names[] = { "informational", "low", "medium", "high", "critical" };

const char *wh_severity_name(enum wh_severity s)
{
	return (unsigned)s <= WH_SEV_CRITICAL ? sev_names[s] : "informational";
}

int wh_severity_parse(const char *s)
{
	if (strcasecmp(s, "info") == 0)
		return WH_SEV_INFO;
	for (int i = 0; i <= WH_SEV_CRITICAL; i++)
		if (strcasecmp(s, sev_names[i]) == 0)
			return i;
	return -1;
}

static const char *const stage_names[WH_KC_COUNT] = {
	"none", "reconnaissance", "weaponization", "delivery", "exploitation", "installation",
	"command_and_control", "lateral_movement", "actions_on_objectives",
};

const char *wh_stage_name(enum wh_stage s)
{
	return (unsigned)s < WH_KC_COUNT ? stage_names[s] : "none";
}

int wh_stage_parse(const char *s)
{
	for (int i = 0; i < WH_KC_COUNT; i++)
		if (strcasecmp(s, stage_names[i]) == 0)
			return i;
	return -1;
}

const char *const wh_viewpoint_names[WH_VP_COUNT_] = {
	"location", "time", "duration", "direction", "port", "volume",
	"frequency", "reputation", "history", "process", "state",
};

void wh_findings_init(struct wh_findings *l)
{
	memset(l, 0, sizeof(*l));
	wh_arena_init(&l->arena, 64 * 1024, 0);
}

void wh_findings_release(struct wh_findings *l)
{
	free(l->v);
	wh_arena_release(&l->arena);
	memset(l, 0, sizeof(*l));
}

struct wh_finding *wh_findings_add(struct wh_findings *l)
{
	WH_GROW(l->v, l->n + 1, l->cap);
	struct wh_finding *f = &l->v[l->n++];
	memset(f, 0, sizeof(*f));
	f->time = f->time_end = WH_TIME_NONE;
	f->id = f->title = f->analytic = f->attack = f->host = f->explanation = "";
	return f;
}

const char *wh_findings_strn(struct wh_findings *l, const char *s, size_t n)
{
	char *p = wh_arena_strndup(&l->arena, s, n);
	return p ? p : "";
}

const char *wh_findings_str(struct wh_findings *l, const char *s)
{
	return s ? wh_findings_strn(l, s, strlen(s)) : "";
}

const char *wh_findings_fmt(struct wh_findings *l, const char *fmt, ...)
{
	struct wh_sbuf sb = WH_SBUF_INIT(1 << 20);
	va_list ap;
	va_start(ap, fmt);
	wh_sbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	const char *r = wh_findings_strn(l, wh_sbuf_str(&sb), sb.len);
	wh_sbuf_release(&sb);
	return r;
}

void wh_finding_add_evidence(struct wh_findings *l, struct wh_finding *f, const char *source,
			     uint64_t offset, uint64_t record, int64_t time)
{
	struct wh_evref *nv = wh_arena_alloc(&l->arena, sizeof(*nv) * (f->nevidence + 1));
	if (f->nevidence)
		memcpy(nv, f->evidence, sizeof(*nv) * f->nevidence);
	nv[f->nevidence] = (struct wh_evref){ wh_findings_str(l, source), offset, record, time };
	f->evidence = nv;
	f->nevidence++;
	if (time != WH_TIME_NONE) {
		if (f->time == WH_TIME_NONE || time < f->time)
			f->time = time;
		if (f->time_end == WH_TIME_NONE || time > f->time_end)
			f->time_end = time;
	}
}

void wh_finding_add_detail(struct wh_findings *l, struct wh_finding *f, const char *key,
			   const char *value)
{
	struct wh_kv *nv = wh_arena_alloc(&l->arena, sizeof(*nv) * (f->ndetails + 1));
	if (f->ndetails)
		memcpy(nv, f->details, sizeof(*nv) * f->ndetails);
	nv[f->ndetails] = (struct wh_kv){ wh_findings_str(l, key), wh_findings_str(l, value) };
	f->details = nv;
	f->ndetails++;
}

static int cmp_finding(const void *a, const void *b)
{
	const struct wh_finding *x = a, *y = b;
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	int c = strcmp(x->host, y->host);
	return c ? c : strcmp(x->id, y->id);
}

void wh_findings_sort(struct wh_findings *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), cmp_finding);
}

static void jstr(FILE *o, const char *s)
{
	wh_emit_json_str(o, s ? s : "", s ? strlen(s) : 0);
}

static void jtime(FILE *o, int64_t t)
{
	if (t == WH_TIME_NONE) {
		fputs("null", o);
		return;
	}
	putc('"', o);
	wh_emit_time(o, t);
	putc('"', o);
}

void wh_finding_write_json(FILE *o, const struct wh_finding *f)
{
	fputs("{\"id\":", o);
	jstr(o, f->id);
	fputs(",\"title\":", o);
	jstr(o, f->title);
	fputs(",\"analytic\":", o);
	jstr(o, f->analytic);
	fprintf(o, ",\"severity\":\"%s\",\"confidence\":%u,\"stage\":\"%s\"",
		wh_severity_name(f->severity), f->confidence, wh_stage_name(f->stage));
	fputs(",\"attack\":[", o);
	const char *a = f->attack ? f->attack : "";
	bool first = true;
	while (*a) {
		const char *c = strchr(a, ',');
		size_t n = c ? (size_t)(c - a) : strlen(a);
		if (n) {
			if (!first)
				putc(',', o);
			wh_emit_json_str(o, a, n);
			first = false;
		}
		a += n + (c ? 1 : 0);
	}
	fputs("],\"viewpoints\":[", o);
	first = true;
	for (int i = 0; i < WH_VP_COUNT_; i++)
		if (f->viewpoints & (1u << i)) {
			fprintf(o, "%s\"%s\"", first ? "" : ",", wh_viewpoint_names[i]);
			first = false;
		}
	fputs("],\"host\":", o);
	jstr(o, f->host);
	fputs(",\"time\":", o);
	jtime(o, f->time);
	fputs(",\"time_end\":", o);
	jtime(o, f->time_end);
	if (f->process_guid || f->pid || f->image) {
		fputs(",\"process\":{\"guid\":", o);
		jstr(o, f->process_guid);
		fprintf(o, ",\"pid\":%llu,\"image\":", (unsigned long long)f->pid);
		jstr(o, f->image);
		putc('}', o);
	}
	fputs(",\"explanation\":", o);
	jstr(o, f->explanation);
	fputs(",\"details\":{", o);
	for (uint32_t i = 0; i < f->ndetails; i++) {
		if (i)
			putc(',', o);
		jstr(o, f->details[i].key);
		putc(':', o);
		jstr(o, f->details[i].value);
	}
	fputs("},\"evidence\":[", o);
	for (uint32_t i = 0; i < f->nevidence; i++) {
		const struct wh_evref *e = &f->evidence[i];
		fputs(i ? ",{\"source\":" : "{\"source\":", o);
		jstr(o, e->source);
		fprintf(o, ",\"offset\":%llu,\"record\":%llu,\"time\":", (unsigned long long)e->offset,
			(unsigned long long)e->record);
		jtime(o, e->time);
		putc('}', o);
	}
	fputs("]}\n", o);
}
