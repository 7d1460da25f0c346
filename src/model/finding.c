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

/*
 * The JSON form is built in memory and handed to the stream in one write:
 * hunt writes tens of thousands of findings of about a kilobyte, and a
 * stdio call per piece (and printf for the numbers) cost more than the
 * escaping. First the bound on its length, then the bytes with no checks.
 */
static size_t bound_str(const char *s)
{
	return s ? 6 * strlen(s) + 2 : 2;
}

size_t wh_finding_json_bound(const struct wh_finding *f)
{
	/* the fixed keys, punctuation, names and numbers of a finding, with room */
	size_t n = 1024 + bound_str(f->id) + bound_str(f->title) + bound_str(f->analytic) +
		   2 * bound_str(f->attack) + bound_str(f->host) + bound_str(f->process_guid) +
		   bound_str(f->image) + bound_str(f->explanation);
	for (uint32_t i = 0; i < f->ndetails; i++)
		n += 1 + bound_str(f->details[i].key) + 1 + bound_str(f->details[i].value);
	for (uint32_t i = 0; i < f->nevidence; i++)
		n += 256 + bound_str(f->evidence[i].source);
	return n;
}

static char *put_lit(char *o, const char *s, size_t n)
{
	memcpy(o, s, n);
	return o + n;
}
#define PUT(o, lit) put_lit((o), (lit), sizeof(lit) - 1)

static char *put_str(char *o, const char *s)
{
	return s ? o + wh_json_escape(o, s, strlen(s)) : PUT(o, "\"\"");
}

static char *put_name(char *o, const char *s)   /* a name of ours: nothing to escape */
{
	*o++ = '"';
	o = put_lit(o, s, strlen(s));
	*o++ = '"';
	return o;
}

static char *put_u64(char *o, uint64_t v)
{
	char t[24];
	size_t n = 0;
	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*o++ = t[--n];
	return o;
}

/* A time as "RFC 3339" or null; the last one is remembered, since a
 * finding's times are most often the same. */
struct time_memo {
	int64_t t;
	size_t n;
	char s[WH_EMIT_TIME_BUFSZ];
};

static char *put_time(char *o, int64_t t, struct time_memo *m)
{
	if (t == WH_TIME_NONE)
		return PUT(o, "null");
	if (m->n == 0 || m->t != t) {
		m->n = wh_emit_time_str(t, m->s);
		m->t = t;
	}
	*o++ = '"';
	o = put_lit(o, m->s, m->n);
	*o++ = '"';
	return o;
}

size_t wh_finding_json(char *dst, const struct wh_finding *f)
{
	char *o = dst;
	struct time_memo tm = { 0 };
	o = PUT(o, "{\"id\":");
	o = put_str(o, f->id);
	o = PUT(o, ",\"title\":");
	o = put_str(o, f->title);
	o = PUT(o, ",\"analytic\":");
	o = put_str(o, f->analytic);
	o = PUT(o, ",\"severity\":");
	o = put_name(o, wh_severity_name(f->severity));
	o = PUT(o, ",\"confidence\":");
	o = put_u64(o, f->confidence);
	o = PUT(o, ",\"stage\":");
	o = put_name(o, wh_stage_name(f->stage));
	o = PUT(o, ",\"attack\":[");
	const char *a = f->attack ? f->attack : "";
	bool first = true;
	while (*a) {
		const char *c = strchr(a, ',');
		size_t n = c ? (size_t)(c - a) : strlen(a);
		if (n) {
			if (!first)
				*o++ = ',';
			o += wh_json_escape(o, a, n);
			first = false;
		}
		a += n + (c ? 1 : 0);
	}
	o = PUT(o, "],\"viewpoints\":[");
	first = true;
	for (int i = 0; i < WH_VP_COUNT_; i++)
		if (f->viewpoints & (1u << i)) {
			if (!first)
				*o++ = ',';
			o = put_name(o, wh_viewpoint_names[i]);
			first = false;
		}
	o = PUT(o, "],\"host\":");
	o = put_str(o, f->host);
	o = PUT(o, ",\"time\":");
	o = put_time(o, f->time, &tm);
	o = PUT(o, ",\"time_end\":");
	o = put_time(o, f->time_end, &tm);
	if (f->process_guid || f->pid || f->image) {
		o = PUT(o, ",\"process\":{\"guid\":");
		o = put_str(o, f->process_guid);
		o = PUT(o, ",\"pid\":");
		o = put_u64(o, f->pid);
		o = PUT(o, ",\"image\":");
		o = put_str(o, f->image);
		*o++ = '}';
	}
	o = PUT(o, ",\"explanation\":");
	o = put_str(o, f->explanation);
	o = PUT(o, ",\"details\":{");
	for (uint32_t i = 0; i < f->ndetails; i++) {
		if (i)
			*o++ = ',';
		o = put_str(o, f->details[i].key);
		*o++ = ':';
		o = put_str(o, f->details[i].value);
	}
	o = PUT(o, "},\"evidence\":[");
	for (uint32_t i = 0; i < f->nevidence; i++) {
		const struct wh_evref *e = &f->evidence[i];
		o = i ? PUT(o, ",{\"source\":") : PUT(o, "{\"source\":");
		o = put_str(o, e->source);
		o = PUT(o, ",\"offset\":");
		o = put_u64(o, e->offset);
		o = PUT(o, ",\"record\":");
		o = put_u64(o, e->record);
		o = PUT(o, ",\"time\":");
		o = put_time(o, e->time, &tm);
		*o++ = '}';
	}
	o = PUT(o, "]}\n");
	return (size_t)(o - dst);
}

void wh_finding_write_json(FILE *o, const struct wh_finding *f)
{
	char stack[16384];
	size_t bound = wh_finding_json_bound(f);
	char *buf = bound <= sizeof(stack) ? stack : wh_xmalloc(bound);
	fwrite_unlocked(buf, 1, wh_finding_json(buf, f), o);
	if (buf != stack)
		free(buf);
}
