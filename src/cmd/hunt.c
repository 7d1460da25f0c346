/*
 * hunt.c: `whitehawk hunt`, Sigma rules over logs: a timeline of hits as a
 * table, CSV or JSON lines, with statistics per rule and per host.
 *
 * Each hit becomes a finding of the common model (model/finding.h): the id
 * is the rule's id, the severity its level, the ATT&CK ids and the
 * kill-chain stage come from its tags, and the evidence names the event by
 * source, offset and record, so triage can take hunt's findings as they are.
 */
#include "cmd/cmd.h"
#include "detect/sigma/sigma.h"
#include "read/scan.h"
#include "report/emit.h"
#include "report/timeline.h"
#include "util/diag.h"
#include "util/hash.h"
#include "util/num.h"
#include "util/sbuf.h"
#include "util/wtime.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static int run_hunt(int argc, char **argv);

const struct wh_cmd wh_cmd_hunt = {
	.name = "hunt",
	.run = run_hunt,
	.summary = "run Sigma rules over logs: a timeline of hits",
	.usage = "whitehawk hunt [--rules DIR]... [--table | --csv | --json] [--min-level L] [--rule SEL]... "
		 "[--exclude-rule SEL]... [--tune FILE]... [--mapping FILE] [--placeholders FILE] [--stats] "
		 "[--fail-on LEVEL] [OPTIONS] LOGS...",
	.options =
		"      --rules DIR     Sigma rules: a folder (read recursively) or a file; repeatable.\n"
		"                      Default: the rules of 'whitehawk rules update' and the bundled pack\n"
		"      --table         a timeline table (the default)\n"
		"      --csv           CSV with a header row\n"
		"      --json          JSON lines, one finding per hit (the common finding format)\n"
		"      --min-level L   only rules of level L or above (informational, low, medium, high,\n"
		"                      critical)\n"
		"      --rule SEL      only rules whose id, tag (or tag prefix) or file path matches SEL;\n"
		"                      repeatable\n"
		"      --exclude-rule SEL  leave out the rules SEL matches; repeatable\n"
		"      --tune FILE     noise tuning: Sigma filters that leave matching events out of the\n"
		"                      rules they name; repeatable\n"
		"      --mapping FILE  logsource mapping entries added to the default mapping\n"
		"      --placeholders FILE  values for the placeholders of the expand modifier\n"
		"      --stats         hits per rule and per host after the timeline\n"
		"      --fail-on LEVEL exit status 1 when a hit is at level LEVEL or above\n" WH_LOG_OPTIONS_HELP,
};

enum { OPT_RULES = WH_OPT_LOG_LAST, OPT_TABLE, OPT_CSV, OPT_JSON, OPT_MINLEVEL, OPT_RULE, OPT_EXCLUDE, OPT_TUNE,
       OPT_MAPPING, OPT_PLACEHOLDERS, OPT_STATS, OPT_FAILON };

enum out_mode { OUT_TABLE, OUT_CSV, OUT_JSON };

#define MAX_DETAILS 8
/* Rendered hits kept in memory before the timeline spills a sorted run to
 * a temporary file: memory does not grow with the number of hits. */
#define TIMELINE_MEM (16u << 20)
/* Findings are built in a scratch list, emptied this often. */
#define SCRATCH_FINDINGS 4096
/* The largest record of one hit (its details are the event's values). */
#define REC_MAX (256u << 20)

/* What stays the same between hits of one rule, made once per rule: the
 * rule's own strings live as long as the set, which outlives the output. */
struct rule_memo {
	int32_t event_id;
	const char *explanation;   /* for event_id; NULL: not made yet */
	/* the names whose values its hits show (detail_names), then proc_names;
	 * nwant -1: more than 64, looked up one by one; want NULL: not made yet */
	int nwant;
	const char **want;
	uint32_t *wlen;
	uint64_t *whash;
	uint64_t *dup;             /* per name: the earlier names equal to it but for case */
};

/* The current event's field names in a hash table, made at its first hit
 * and used by all of its hits: a finding looks up about 15 names. */
struct name_tab {
	uint64_t gen;              /* the event it is for (hunt_ctx.evgen) */
	uint32_t mask;             /* slots - 1 */
	uint32_t *slot;            /* field index + 1; 0: empty */
	size_t cap;
};

struct stat_row {
	const char *key, *title;
	uint64_t hits;
	enum wh_severity sev;
	int64_t first, last;
	struct wh_map rules;   /* per host: distinct rules */
};

/* Hits per rule or per host, counted as they come. */
struct stat_tab {
	struct wh_map m;
	struct stat_row *rows;
	size_t n, cap;
};

struct hunt_ctx {
	struct wh_findings findings;   /* scratch: a hit's finding until it is rendered */
	struct wh_sigma *sigma;
	struct rule_memo *memo;    /* per rule index */
	size_t nrules;
	struct wh_arena marena;    /* the memos' name lists */
	uint64_t evgen;            /* events seen */
	struct name_tab names;
	struct wh_intern strings;  /* hosts, sources, explanations: few, repeated */
	enum out_mode mode;
	int fail_on;
	bool failed;               /* a hit at fail_on or above */
	uint64_t hits;
	struct wh_timeline *timeline;
	struct wh_sbuf rec;        /* one hit's record, before it goes on the timeline */
	struct wh_sbuf expl;       /* an explanation being made */
	const char *last_host, *last_host_in;     /* the last host interned, and as the event had it */
	const char *last_src, *last_src_in;       /* the same for the source */
	char *out;                 /* one finding's JSON line, when writing */
	size_t outcap;
	FILE *render;              /* a memory stream: one correlation's output */
	char *render_buf;
	size_t render_len;
	bool stats;
	struct stat_tab per_rule, per_host;
	int error;
};

/* Fields worth showing for any hit, after those the rule looks at. */
static const char *const always_fields[] = { "Image", "CommandLine", "TargetFilename", "ImageLoaded",
					     "DestinationIp", "QueryName", "TargetObject", "NewProcessName" };

/* A single-event finding's details and evidence, pointing at the event's
 * own strings: the finding is rendered before the next event, so nothing
 * needs copying. */
struct finding_buf {
	struct wh_kv det[MAX_DETAILS + 1];
	uint8_t widx[MAX_DETAILS + 1];   /* each detail's place in its rule's name list */
	struct wh_evref evidence;
	char eid[16];
};

static void put_detail(struct wh_finding *f, struct finding_buf *fb, const char *key, const char *value)
{
	if (f->ndetails < MAX_DETAILS + 1) {
		fb->det[f->ndetails].key = key;
		fb->det[f->ndetails].value = value;
		f->details = fb->det;
		f->ndetails++;
	}
}

/* The details one name at a time (any number of names). */
static void add_details_by_name(struct finding_buf *fb, struct wh_finding *f, const struct wh_sigma_rule *r,
				const struct wh_event *ev)
{
	const char *done[MAX_DETAILS];
	uint32_t nd = 0;
	for (uint32_t pass = 0; pass < 2; pass++) {
		uint32_t n = pass == 0 ? r->nfields : (uint32_t)(sizeof(always_fields) / sizeof(always_fields[0]));
		for (uint32_t i = 0; i < n && nd < MAX_DETAILS; i++) {
			const char *name = pass == 0 ? r->fields[i] : always_fields[i];
			if (strcmp(name, "EventID") == 0)
				continue;
			bool seen = false;
			for (uint32_t k = 0; k < nd; k++)
				seen |= strcasecmp(done[k], name) == 0;
			const char *v = seen ? NULL : wh_event_get(ev, name);
			if (!v)
				continue;
			put_detail(f, fb, name, v);
			done[nd++] = name;
		}
	}
}

/* The names whose values a finding shows: the rule's fields in order, then
 * always_fields; EventID has its own detail. Returns how many (at most
 * cap; -1 when there are more). */
static int detail_names(const struct wh_sigma_rule *r, const char **want, size_t *wlen, int cap)
{
	int nw = 0;
	uint32_t nalways = (uint32_t)(sizeof(always_fields) / sizeof(always_fields[0]));
	for (uint32_t pass = 0; pass < 2; pass++) {
		uint32_t n = pass == 0 ? r->nfields : nalways;
		for (uint32_t i = 0; i < n; i++) {
			const char *name = pass == 0 ? r->fields[i] : always_fields[i];
			if (strcmp(name, "EventID") == 0)
				continue;
			if (nw == cap)
				return -1;
			want[nw] = name;
			wlen[nw] = strlen(name);
			nw++;
		}
	}
	return nw;
}

/* The fields a finding names its process by, found with the details. */
enum { P_IMAGE, P_NEWPROC, P_GUID, P_PID, P_COUNT };
static const char *const proc_names[P_COUNT] = { "Image", "NewProcessName", "ProcessGuid", "ProcessId" };

static struct rule_memo *rule_memo(struct hunt_ctx *c, const struct wh_sigma_rule *r);

/* A hash of a field name from its length and its first and last 8 bytes:
 * names are short, and this costs the same for all of them. */
static uint64_t name_hash(const char *s, size_t n)
{
	uint64_t a = 0, b = 0;
	if (n >= 8) {
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
	} else {
		for (size_t i = 0; i < n; i++)
			a |= (uint64_t)(unsigned char)s[i] << (8 * i);
	}
	uint64_t h = (a ^ (b * 0x9e3779b97f4a7c15ull) ^ n) * 0xff51afd7ed558ccdull;
	return h ^ (h >> 29);
}

static void names_build(struct hunt_ctx *c, const struct wh_event *ev)
{
	struct name_tab *t = &c->names;
	size_t want = 32;
	while (want < 2 * (size_t)ev->nfields)   /* nfields <= WH_EVENT_MAX_FIELDS: bounded */
		want *= 2;
	if (want > t->cap) {
		free(t->slot);
		t->slot = wh_xmalloc(want * sizeof(*t->slot));
		t->cap = want;
	}
	t->mask = (uint32_t)want - 1;
	memset(t->slot, 0, want * sizeof(*t->slot));
	for (uint32_t i = 0; i < ev->nfields; i++) {
		const struct wh_field *fl = &ev->fields[i];
		uint32_t k = (uint32_t)name_hash(fl->name, fl->nlen) & t->mask;
		bool dup = false;
		for (; t->slot[k]; k = (k + 1) & t->mask) {
			const struct wh_field *o = &ev->fields[t->slot[k] - 1];
			if (o->nlen == fl->nlen && memcmp(o->name, fl->name, fl->nlen) == 0) {
				dup = true;   /* the first field of a name is the one shown */
				break;
			}
		}
		if (!dup)
			t->slot[k] = i + 1;
	}
	t->gen = c->evgen;
}

static const char *names_get(const struct name_tab *t, const struct wh_event *ev, const char *name, uint32_t len,
			     uint64_t hash)
{
	for (uint32_t k = (uint32_t)hash & t->mask; t->slot[k]; k = (k + 1) & t->mask) {
		const struct wh_field *o = &ev->fields[t->slot[k] - 1];
		if (o->nlen == len && memcmp(o->name, name, len) == 0)
			return o->value;
	}
	return NULL;
}

/* Make the memo's name lists. */
static void memo_names(struct hunt_ctx *c, struct rule_memo *m, const struct wh_sigma_rule *r)
{
	const char *want[64];
	size_t wlen[64];
	int nw = detail_names(r, want, wlen, 64);
	m->nwant = nw;
	if (nw < 0) {
		m->want = (const char **)proc_names;   /* made: nothing to keep */
		return;
	}
	size_t nall = (size_t)nw + P_COUNT;
	m->want = wh_arena_alloc(&c->marena, nall * sizeof(*m->want));
	m->wlen = wh_arena_alloc(&c->marena, nall * sizeof(*m->wlen));
	m->whash = wh_arena_alloc(&c->marena, nall * sizeof(*m->whash));
	m->dup = wh_arena_alloc(&c->marena, nall * sizeof(*m->dup));
	for (size_t w = 0; w < nall; w++) {
		m->want[w] = w < (size_t)nw ? want[w] : proc_names[w - (size_t)nw];
		m->wlen[w] = (uint32_t)strlen(m->want[w]);
		m->whash[w] = name_hash(m->want[w], m->wlen[w]);
		m->dup[w] = 0;
		for (size_t k = 0; k < w && w < (size_t)nw; k++)
			if (strcasecmp(m->want[k], m->want[w]) == 0)
				m->dup[w] |= 1ull << k;
	}
}

/*
 * The first MAX_DETAILS of those names that the event has, each once
 * (names that differ only in case count as one), with their values, and
 * the process fields.
 */
static void add_details(struct hunt_ctx *c, struct finding_buf *fb, struct wh_finding *f, const struct wh_sigma_rule *r,
			const struct wh_event *ev, const char *proc[P_COUNT])
{
	struct rule_memo *m = rule_memo(c, r);
	if (m && !m->want)
		memo_names(c, m, r);
	if (!m || m->nwant < 0) {
		add_details_by_name(fb, f, r, ev);   /* a rule with very many fields */
		for (int k = 0; k < P_COUNT; k++)
			proc[k] = wh_event_get(ev, proc_names[k]);
		return;
	}
	if (c->names.gen != c->evgen || !c->names.slot)
		names_build(c, ev);
	int nw = m->nwant;
	for (int k = 0; k < P_COUNT; k++)
		proc[k] = names_get(&c->names, ev, m->want[nw + k], m->wlen[nw + k], m->whash[nw + k]);
	uint64_t chosen = 0;
	uint32_t nd = 0;
	for (int w = 0; w < nw && nd < MAX_DETAILS; w++) {
		if (chosen & m->dup[w])
			continue;
		const char *v = names_get(&c->names, ev, m->want[w], m->wlen[w], m->whash[w]);
		if (!v)
			continue;
		fb->widx[f->ndetails] = (uint8_t)w;
		put_detail(f, fb, m->want[w], v);
		chosen |= 1ull << w;
		nd++;
	}
}

/* The memo of rule r, or NULL when r is not one of the set's rules. */
static struct rule_memo *rule_memo(struct hunt_ctx *c, const struct wh_sigma_rule *r)
{
	if (!c->memo) {
		c->nrules = wh_sigma_nrules(c->sigma);
		c->memo = wh_xcalloc(c->nrules + 1, sizeof(*c->memo));
	}
	if (r->index >= c->nrules || wh_sigma_rule_at(c->sigma, r->index) != r)
		return NULL;
	return &c->memo[r->index];
}

/* The explanation of a hit of rule r on an event of this id (valid until
 * the next call when r is not the set's). */
static const char *explain(struct hunt_ctx *c, const struct wh_sigma_rule *r, int32_t event_id)
{
	struct rule_memo *m = rule_memo(c, r);
	if (m && m->explanation && m->event_id == event_id)
		return m->explanation;
	wh_sbuf_reset(&c->expl);
	wh_sbuf_addf(&c->expl, "Sigma rule '%s' (%s) matched event %d%s%s", r->title, r->file, event_id,
		     *r->description ? ": " : "", r->description);
	const char *e = wh_sbuf_str(&c->expl);
	if (m) {
		m->explanation = wh_intern_str(&c->strings, e);
		m->event_id = event_id;
	}
	return e;
}

/* An interned copy of s, remembered for the next hit: the hits of a run
 * mostly share their host and source. */
static const char *intern_last(struct hunt_ctx *c, const char *s, const char **in, const char **out)
{
	if (!*out || *in != s || strcmp(*out, s) != 0) {
		*out = wh_intern_str(&c->strings, s);
		*in = s;
	}
	return *out;
}

static void table_row(FILE *o, const struct wh_finding *f);
static void csv_row(FILE *o, const struct wh_finding *f);
static void stat_add(struct stat_tab *t, const char *key, const struct wh_finding *f, bool per_host);

/* A finding for the hit, in the scratch list. */
static struct wh_finding *build_finding(struct hunt_ctx *c, const struct wh_sigma_hit *h, struct finding_buf *fb)
{
	const struct wh_sigma_rule *r = h->rule;
	struct wh_findings *l = &c->findings;
	struct wh_finding *f = wh_findings_add(l);
	f->id = *r->id ? r->id : r->title;
	f->title = r->title;
	f->analytic = "sigma";
	f->severity = r->severity;
	f->confidence = r->confidence;
	f->attack = r->attack;
	f->stage = r->stage;
	f->viewpoints = WH_VP_PROCESS;
	const struct wh_event *ev = h->ev;
	f->host = wh_intern_str(&c->strings, h->host ? h->host : ev ? ev->host : "");
	if (r->correlation) {
		f->viewpoints |= WH_VP_FREQUENCY | WH_VP_TIME;
		f->explanation = wh_findings_fmt(l, "correlation '%s' (%s): %llu events, value %g%s%s", r->title,
						 r->file, (unsigned long long)h->count, h->value, *h->group ? ", " : "",
						 h->group);
		for (uint32_t i = 0; i < h->nevents; i++)
			wh_finding_add_evidence(l, f, h->events[i].source, h->events[i].offset, h->events[i].record,
						h->events[i].time);
		if (*h->group)
			wh_finding_add_detail(l, f, "group", h->group);
		wh_finding_add_detail(l, f, "count", wh_findings_fmt(l, "%llu", (unsigned long long)h->count));
		if (f->time == WH_TIME_NONE) {
			f->time = h->first;
			f->time_end = h->last;
		}
		return f;
	}
	f->explanation = explain(c, r, ev->event_id);
	fb->evidence = (struct wh_evref){ ev->source, ev->offset, ev->record, ev->time };
	f->evidence = &fb->evidence;
	f->nevidence = 1;
	f->time = f->time_end = ev->time;
	snprintf(fb->eid, sizeof(fb->eid), "%d", ev->event_id);
	put_detail(f, fb, "EventID", fb->eid);
	const char *proc[P_COUNT];
	add_details(c, fb, f, r, ev, proc);
	f->image = proc[P_IMAGE] ? proc[P_IMAGE] : proc[P_NEWPROC];
	f->process_guid = proc[P_GUID];
	const char *pid = proc[P_PID];
	uint64_t p;
	if (pid && wh_parse_u64(pid, strlen(pid), &p))
		f->pid = p;
	return f;
}

/*
 * A hit waits on the timeline as a compact record, and its text is made
 * only when the timeline is written: the record holds what the event gives
 * (the detail values, the process, where the event is) and names the rule
 * by its index and the details by their place in the rule's name list, so
 * it is a fraction of the rendered line (about 220 bytes against 1.2 KB on
 * the benchmark), fewer bytes go through memory, and the timeline spills
 * later or not at all. Strings the record points to (interned hosts and
 * sources) live until the output is written; the timeline may write a
 * record to a temporary file and read it back in the same process, so the
 * pointers stay valid. The time is the timeline entry's.
 *
 *   kind, ndetails, image_at, guid_at (a byte each) | event id (int32) |
 *   rule index (uint32) | host, source (pointers) | offset, record, pid
 *   (varints) | ndetails x (name index byte, varint length, value, NUL) |
 *   image (varint length, value, NUL) when image_at is AT_INLINE | guid
 *   the same
 *
 * A correlation's hit, and a hit of a rule with more names than a byte
 * indexes, is rendered at once and kept as REC_TEXT + its text.
 */
enum { REC_EVENT = 1, REC_TEXT = 2 };
enum { AT_NONE = 0xff, AT_INLINE = 0xfe };   /* else: the detail that holds the value */

struct rec_head {
	uint8_t kind;
	uint8_t ndetails;
	uint8_t image_at, guid_at;
	int32_t event_id;
	uint32_t rule;
	const char *host, *source;
	uint64_t offset, record, pid;
};

#define REC_HEAD_BYTES (4 + 4 + 4 + 2 * sizeof(const char *))

/* 7 bits a byte, low first: offsets, record numbers and lengths are small. */
static void rec_varint(struct wh_sbuf *b, uint64_t v)
{
	unsigned char t[10];
	size_t n = 0;
	while (v >= 0x80) {
		t[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	t[n++] = (unsigned char)v;
	wh_sbuf_add(b, t, n);
}

static uint64_t rec_get_varint(const char *p, size_t *off)
{
	uint64_t v = 0;
	for (unsigned shift = 0;; shift += 7) {
		unsigned char c = (unsigned char)p[(*off)++];
		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return v;
	}
}

static void rec_str(struct wh_sbuf *b, const char *v)
{
	size_t n = strlen(v);
	rec_varint(b, n);
	wh_sbuf_add(b, v, n + 1);
}

static const char *rec_get_str(const char *p, size_t *off)
{
	size_t n = (size_t)rec_get_varint(p, off);
	const char *v = p + *off;
	*off += n + 1;
	return v;
}

static void rec_put_head(struct wh_sbuf *b, const struct rec_head *hd)
{
	char t[REC_HEAD_BYTES];
	t[0] = (char)hd->kind;
	t[1] = (char)hd->ndetails;
	t[2] = (char)hd->image_at;
	t[3] = (char)hd->guid_at;
	memcpy(t + 4, &hd->event_id, 4);
	memcpy(t + 8, &hd->rule, 4);
	memcpy(t + 12, &hd->host, sizeof(hd->host));
	memcpy(t + 12 + sizeof(hd->host), &hd->source, sizeof(hd->source));
	wh_sbuf_add(b, t, sizeof(t));
	rec_varint(b, hd->offset);
	rec_varint(b, hd->record);
	rec_varint(b, hd->pid);
}

static void rec_get_head(const char *p, size_t *off, struct rec_head *hd)
{
	hd->kind = (uint8_t)p[0];
	hd->ndetails = (uint8_t)p[1];
	hd->image_at = (uint8_t)p[2];
	hd->guid_at = (uint8_t)p[3];
	memcpy(&hd->event_id, p + 4, 4);
	memcpy(&hd->rule, p + 8, 4);
	memcpy(&hd->host, p + 12, sizeof(hd->host));
	memcpy(&hd->source, p + 12 + sizeof(hd->host), sizeof(hd->source));
	*off = REC_HEAD_BYTES;
	hd->offset = rec_get_varint(p, off);
	hd->record = rec_get_varint(p, off);
	hd->pid = rec_get_varint(p, off);
}

static uint8_t rec_at(const struct wh_finding *f, const char *v)
{
	if (!v)
		return AT_NONE;
	for (uint32_t k = 0; k < f->ndetails; k++)
		if (f->details[k].value == v)
			return (uint8_t)k;
	return AT_INLINE;
}

/* The hit's finding in part: what the counts, the statistics and the sort
 * need, and the details. */
static void event_finding(struct hunt_ctx *c, const struct wh_sigma_rule *r, const char *host,
			  const struct wh_event *ev, struct wh_finding *f)
{
	memset(f, 0, sizeof(*f));
	f->id = *r->id ? r->id : r->title;
	f->title = r->title;
	f->severity = r->severity;
	f->host = intern_last(c, host, &c->last_host_in, &c->last_host);
	f->time = f->time_end = ev->time;
}

static void on_event_hit(struct hunt_ctx *c, const struct wh_sigma_hit *h)
{
	const struct wh_sigma_rule *r = h->rule;
	const struct wh_event *ev = h->ev;
	struct wh_finding f;
	struct finding_buf fb;
	event_finding(c, r, h->host ? h->host : ev->host, ev, &f);
	if (c->fail_on >= 0 && (int)f.severity >= c->fail_on)
		c->failed = true;
	if (c->stats) {
		stat_add(&c->per_rule, f.id, &f, false);
		stat_add(&c->per_host, f.host, &f, true);
	}
	const char *proc[P_COUNT];
	add_details(c, &fb, &f, r, ev, proc);
	const char *image = proc[P_IMAGE] ? proc[P_IMAGE] : proc[P_NEWPROC];
	struct rec_head hd = {
		.kind = REC_EVENT,
		.ndetails = (uint8_t)f.ndetails,
		.image_at = rec_at(&f, image),
		.guid_at = rec_at(&f, proc[P_GUID]),
		.event_id = ev->event_id,
		.rule = r->index,
		.host = f.host,
		.source = intern_last(c, ev->source, &c->last_src_in, &c->last_src),
		.offset = ev->offset,
		.record = ev->record,
	};
	const char *pid = proc[P_PID];
	uint64_t p;
	if (pid && wh_parse_u64(pid, strlen(pid), &p))
		hd.pid = p;
	struct wh_sbuf *b = &c->rec;
	wh_sbuf_reset(b);
	rec_put_head(b, &hd);
	for (uint32_t k = 0; k < f.ndetails; k++) {
		wh_sbuf_addch(b, fb.widx[k]);
		rec_str(b, f.details[k].value);
	}
	if (hd.image_at == AT_INLINE)
		rec_str(b, image);
	if (hd.guid_at == AT_INLINE)
		rec_str(b, proc[P_GUID]);
	if (b->overflow) {
		wh_error("hunt: a hit's values are too large to keep (rule '%s')", f.id);
		c->error = 1;
		return;
	}
	if (wh_timeline_add(c->timeline, f.time, f.host, f.id, b->buf, b->len) < 0)
		c->error = 1;
}

/* Count the finding and put it on the timeline. */
static void on_hit(const struct wh_sigma_hit *h, void *arg)
{
	struct hunt_ctx *c = arg;
	c->hits++;
	struct rule_memo *m = h->ev && !h->rule->correlation ? rule_memo(c, h->rule) : NULL;
	if (m && !m->want)
		memo_names(c, m, h->rule);
	if (m && m->nwant >= 0) {
		on_event_hit(c, h);
		return;
	}
	struct finding_buf fb;
	const struct wh_finding *f = build_finding(c, h, &fb);
	if (c->fail_on >= 0 && (int)f->severity >= c->fail_on)
		c->failed = true;
	if (c->stats) {
		stat_add(&c->per_rule, f->id, f, false);
		stat_add(&c->per_host, f->host, f, true);
	}
	fseeko(c->render, 0, SEEK_SET);
	putc(REC_TEXT, c->render);
	if (c->mode == OUT_TABLE)
		table_row(c->render, f);
	else if (c->mode == OUT_CSV)
		csv_row(c->render, f);
	else
		wh_finding_write_json(c->render, f);
	off_t len = ftello(c->render);
	if (fflush(c->render) != 0 || len < 0 ||
	    wh_timeline_add(c->timeline, f->time, f->host, f->id, c->render_buf, (size_t)len) < 0)
		c->error = 1;
	if (c->findings.n >= SCRATCH_FINDINGS) {
		wh_findings_release(&c->findings);
		wh_findings_init(&c->findings);
	}
}

/* Write one timeline entry: a record is made into its finding and printed. */
static void write_entry(int64_t time, const char *p, size_t len, void *arg)
{
	struct hunt_ctx *c = arg;
	if (len && (uint8_t)p[0] == REC_TEXT) {
		fwrite_unlocked(p + 1, 1, len - 1, stdout);
		return;
	}
	struct rec_head hd;
	size_t off;
	rec_get_head(p, &off, &hd);
	const struct wh_sigma_rule *r = wh_sigma_rule_at(c->sigma, hd.rule);
	const struct rule_memo *m = &c->memo[hd.rule];   /* made by the hit */
	struct wh_finding f;
	struct wh_kv det[MAX_DETAILS + 1];
	char eid[16], *es = eid + sizeof(eid);   /* "%d", without printf's cost per hit */
	uint32_t u = hd.event_id < 0 ? 0u - (uint32_t)hd.event_id : (uint32_t)hd.event_id;
	*--es = '\0';
	do {
		*--es = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (hd.event_id < 0)
		*--es = '-';
	det[0] = (struct wh_kv){ "EventID", es };
	for (uint32_t k = 0; k < hd.ndetails; k++) {
		det[k + 1].key = m->want[(uint8_t)p[off++]];
		det[k + 1].value = rec_get_str(p, &off);
	}
	const char *image = hd.image_at == AT_NONE ? NULL
			    : hd.image_at == AT_INLINE ? rec_get_str(p, &off)
						       : det[hd.image_at + 1].value;
	const char *guid = hd.guid_at == AT_NONE ? NULL
			   : hd.guid_at == AT_INLINE ? rec_get_str(p, &off)
						     : det[hd.guid_at + 1].value;
	memset(&f, 0, sizeof(f));
	f.id = *r->id ? r->id : r->title;
	f.title = r->title;
	f.analytic = "sigma";
	f.severity = r->severity;
	f.confidence = r->confidence;
	f.attack = r->attack;
	f.stage = r->stage;
	f.viewpoints = WH_VP_PROCESS;
	f.host = hd.host;
	f.time = f.time_end = time;
	if (c->mode == OUT_JSON)   /* the only form that shows it */
		f.explanation = explain(c, r, hd.event_id);
	f.process_guid = guid;
	f.pid = hd.pid;
	f.image = image;
	struct wh_evref e = { hd.source, hd.offset, hd.record, time };
	f.evidence = &e;
	f.nevidence = 1;
	f.details = det;
	f.ndetails = hd.ndetails + 1;
	if (c->mode == OUT_TABLE) {
		table_row(stdout, &f);
	} else if (c->mode == OUT_CSV) {
		csv_row(stdout, &f);
	} else {
		size_t need = wh_finding_json_bound(&f);
		if (need > c->outcap) {
			c->outcap = need + 4096;
			free(c->out);
			c->out = wh_xmalloc(c->outcap);
		}
		fwrite_unlocked(c->out, 1, wh_finding_json(c->out, &f), stdout);
	}
}

static int on_event(struct wh_event *ev, void *arg)
{
	struct hunt_ctx *c = arg;
	c->evgen++;
	wh_sigma_match(c->sigma, ev, on_hit, c);
	return 0;
}

static const char *detail(const struct wh_finding *f, const char *key)
{
	for (uint32_t i = 0; i < f->ndetails; i++)
		if (strcmp(f->details[i].key, key) == 0)
			return f->details[i].value;
	return NULL;
}

static void print_trunc(FILE *o, const char *s, size_t max)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < n && i < max; i++)
		putc_unlocked((unsigned char)s[i] < 0x20 ? ' ' : s[i], o);
	if (n > max)
		fputs("...", o);
}

static void table_row(FILE *o, const struct wh_finding *f)
{
	char tb[WH_TIME_BUFSZ];
	fprintf(o, "%-20.20s  ", f->time == WH_TIME_NONE ? "-" : wh_time_format(f->time, 0, tb));
	fprintf(o, "%-24.24s  %-8.8s  ", *f->host ? f->host : "-",
		f->severity == WH_SEV_INFO ? "info" : wh_severity_name(f->severity));
	print_trunc(o, f->title, 60);
	fputc('\n', o);
	fprintf(o, "%30s%s", "", f->id);
	if (*f->attack)
		fprintf(o, "  [%s]", f->attack);
	const char *eid = detail(f, "EventID");
	if (eid)
		fprintf(o, "  event %s", eid);
	fputc('\n', o);
	for (uint32_t i = 0; i < f->ndetails; i++) {
		if (strcmp(f->details[i].key, "EventID") == 0)
			continue;
		fprintf(o, "%30s%s: ", "", f->details[i].key);
		print_trunc(o, f->details[i].value, 160);
		fputc('\n', o);
	}
}

static void csv_row(FILE *o, const struct wh_finding *f)
{
	wh_emit_time(o, f->time);
	putc_unlocked(',', o);
	wh_emit_csv(o, f->host, strlen(f->host));
	fprintf(o, ",%s,", wh_severity_name(f->severity));
	wh_emit_csv(o, f->id, strlen(f->id));
	putc_unlocked(',', o);
	wh_emit_csv(o, f->title, strlen(f->title));
	putc_unlocked(',', o);
	wh_emit_csv(o, f->attack, strlen(f->attack));
	putc_unlocked(',', o);
	const char *eid = detail(f, "EventID");
	if (eid)
		fputs(eid, o);
	putc_unlocked(',', o);
	if (f->nevidence) {
		wh_emit_csv(o, f->evidence[0].source, strlen(f->evidence[0].source));
		fprintf(o, ",%llu,%llu,", (unsigned long long)f->evidence[0].offset,
			(unsigned long long)f->evidence[0].record);
	} else {
		fputs(",,,", o);
	}
	struct wh_sbuf d = WH_SBUF_INIT(1 << 20);
	for (uint32_t i = 0; i < f->ndetails; i++)
		if (strcmp(f->details[i].key, "EventID") != 0)
			wh_sbuf_addf(&d, "%s%s=%s", d.len ? "; " : "", f->details[i].key, f->details[i].value);
	wh_emit_csv(o, wh_sbuf_str(&d), d.len);
	wh_sbuf_release(&d);
	putc_unlocked('\n', o);
}

static int cmp_stat(const void *a, const void *b)
{
	const struct stat_row *x = a, *y = b;
	if (x->hits != y->hits)
		return x->hits > y->hits ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* key and the finding's strings stay valid to the end (rule and interned). */
static void stat_add(struct stat_tab *t, const char *key, const struct wh_finding *f, bool per_host)
{
	bool added;
	struct wh_map_slot *sl = wh_map_put(&t->m, key, strlen(key), &added);
	if (added) {
		WH_GROW(t->rows, t->n + 1, t->cap);
		struct stat_row *r = &t->rows[t->n];
		memset(r, 0, sizeof(*r));
		r->key = key;
		r->title = f->title;
		r->sev = f->severity;
		r->first = r->last = f->time;
		wh_map_init(&r->rules, false);
		sl->val = (void *)(uintptr_t)(t->n + 1);
		t->n++;
	}
	struct stat_row *r = &t->rows[(uintptr_t)sl->val - 1];
	r->hits++;
	if (f->severity > r->sev)
		r->sev = f->severity;
	if (f->time != WH_TIME_NONE && (r->first == WH_TIME_NONE || f->time < r->first))
		r->first = f->time;
	if (f->time != WH_TIME_NONE && (r->last == WH_TIME_NONE || f->time > r->last))
		r->last = f->time;
	if (per_host)
		wh_map_put(&r->rules, f->id, strlen(f->id), &added);
}

static void stat_release(struct stat_tab *t)
{
	for (size_t i = 0; i < t->n; i++)
		wh_map_release(&t->rows[i].rules);
	free(t->rows);
	wh_map_release(&t->m);
}

static void print_stats(FILE *o, struct stat_tab *per_rule, struct stat_tab *per_host)
{
	char a[WH_TIME_BUFSZ], b[WH_TIME_BUFSZ];
	struct stat_row *rows = per_rule->rows;
	size_t n = per_rule->n;
	if (n)
		qsort(rows, n, sizeof(*rows), cmp_stat);
	fprintf(o, "\nhits per rule (%zu rules)\n%8s  %-8s  %-36s  %s\n", n, "HITS", "LEVEL", "ID", "TITLE");
	for (size_t i = 0; i < n; i++) {
		fprintf(o, "%8llu  %-8s  %-36.36s  ", (unsigned long long)rows[i].hits, wh_severity_name(rows[i].sev),
			rows[i].key);
		print_trunc(o, rows[i].title, 70);
		fputc('\n', o);
	}
	rows = per_host->rows;
	n = per_host->n;
	if (n)
		qsort(rows, n, sizeof(*rows), cmp_stat);
	fprintf(o, "\nhits per host (%zu hosts)\n%8s  %6s  %-8s  %-20s  %-20s  %s\n", n, "HITS", "RULES", "MAXLEVEL",
		"FIRST", "LAST", "HOST");
	for (size_t i = 0; i < n; i++)
		fprintf(o, "%8llu  %6zu  %-8s  %-20s  %-20s  %s\n", (unsigned long long)rows[i].hits,
			rows[i].rules.count, wh_severity_name(rows[i].sev),
			rows[i].first == WH_TIME_NONE ? "-" : wh_time_format(rows[i].first, 0, a),
			rows[i].last == WH_TIME_NONE ? "-" : wh_time_format(rows[i].last, 0, b),
			*rows[i].key ? rows[i].key : "-");
}

struct strv {
	char **v;
	size_t n, cap;
};

static void strv_push(struct strv *a, char *s)
{
	WH_GROW(a->v, a->n + 1, a->cap);
	a->v[a->n++] = s;
}

static int run_hunt(int argc, char **argv)
{
	const struct wh_cmd *self = &wh_cmd_hunt;
	static const struct option longopts[] = {
		{ "rules", required_argument, NULL, OPT_RULES },
		{ "table", no_argument, NULL, OPT_TABLE },
		{ "csv", no_argument, NULL, OPT_CSV },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "min-level", required_argument, NULL, OPT_MINLEVEL },
		{ "rule", required_argument, NULL, OPT_RULE },
		{ "exclude-rule", required_argument, NULL, OPT_EXCLUDE },
		{ "tune", required_argument, NULL, OPT_TUNE },
		{ "mapping", required_argument, NULL, OPT_MAPPING },
		{ "placeholders", required_argument, NULL, OPT_PLACEHOLDERS },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "fail-on", required_argument, NULL, OPT_FAILON },
		WH_LOG_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct wh_logopts lo;
	wh_logopts_init(&lo);
	struct strv dirs = { 0 }, incl = { 0 }, excl = { 0 }, tunes = { 0 };
	const char *mapping = NULL, *placeholders = NULL;
	enum out_mode mode = OUT_TABLE;
	int min_level = WH_SEV_INFO, fail_on = -1, opt, status = WH_EXIT_OK;
	bool stats = false;
	while ((opt = getopt_long(argc, argv, WH_LOG_SHORTOPTS, longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_RULES: strv_push(&dirs, optarg); break;
		case OPT_TABLE: mode = OUT_TABLE; break;
		case OPT_CSV: mode = OUT_CSV; break;
		case OPT_JSON: mode = OUT_JSON; break;
		case OPT_MINLEVEL:
		case OPT_FAILON: {
			int st = wh_cmd_level(self, optarg, opt == OPT_MINLEVEL ? &min_level : &fail_on);
			if (st)
				return st;
			break;
		}
		case OPT_RULE: strv_push(&incl, optarg); break;
		case OPT_EXCLUDE: strv_push(&excl, optarg); break;
		case OPT_TUNE: strv_push(&tunes, optarg); break;
		case OPT_MAPPING: mapping = optarg; break;
		case OPT_PLACEHOLDERS: placeholders = optarg; break;
		case OPT_STATS: stats = true; break;
		default: {
			int st = wh_cmd_other_opt(self, &lo, opt, optarg);
			if (!st)
				break;
			free(dirs.v);
			free(incl.v);
			free(excl.v);
			free(tunes.v);
			return st;
		}
		}
	}
	if (optind >= argc) {
		free(dirs.v);
		free(incl.v);
		free(excl.v);
		free(tunes.v);
		return wh_cmd_usage_error(self, "no logs given");
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct hunt_ctx c = { 0 };
	wh_findings_init(&c.findings);
	wh_intern_init(&c.strings, false);
	wh_arena_init(&c.marena, 64 * 1024, 0);
	wh_map_init(&c.per_rule.m, false);
	wh_map_init(&c.per_host.m, true);
	c.mode = mode;
	c.fail_on = fail_on;
	c.stats = stats;
	c.timeline = wh_timeline_new(TIMELINE_MEM);
	wh_sbuf_init(&c.rec, REC_MAX);
	wh_sbuf_init(&c.expl, 1 << 20);
	c.render = open_memstream(&c.render_buf, &c.render_len);
	if (!c.render) {
		status = wh_error("cannot open a memory stream");
		goto out;
	}
	c.sigma = wh_sigma_new();
	if (wh_sigma_load_rules(c.sigma, dirs.v, dirs.n, mapping, placeholders, lo.quiet) < 0)
		status = WH_EXIT_ERROR;
	for (size_t i = 0; i < tunes.n; i++)
		if (wh_sigma_load_path(c.sigma, tunes.v[i]) < 0)
			status = WH_EXIT_ERROR;
	size_t enabled = wh_sigma_select(c.sigma, min_level, incl.v, incl.n, excl.v, excl.n);
	if (wh_sigma_compile(c.sigma) < 0) {
		status = WH_EXIT_ERROR;
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!lo.quiet)
		fprintf(stderr, "whitehawk: %zu rules loaded, %zu selected, %zu not loaded%s (%.0f ms)\n",
			wh_sigma_nrules(c.sigma), enabled, wh_sigma_nrejects(c.sigma),
			wh_sigma_nrejects(c.sigma) ? ": see 'whitehawk rules check'" : "",
			(double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	struct wh_scan sc;
	wh_scan_init(&sc, on_event, &c);
	sc.opts = lo.read;
	sc.force = lo.format;
	if (wh_scan_paths(&sc, argv + optind, argc - optind) < 0)
		status = WH_EXIT_ERROR;
	wh_sigma_finish(c.sigma, on_hit, &c);
	wh_emit_buffer(stdout);
	if (mode == OUT_CSV)
		fputs("time,host,level,rule_id,rule_title,attack,event_id,source,offset,record,details\n", stdout);
	if (wh_timeline_each(c.timeline, write_entry, &c) < 0 || c.error)
		status = WH_EXIT_ERROR;
	if (c.failed && status == WH_EXIT_OK)
		status = WH_EXIT_FINDINGS;
	if (stats)
		print_stats(mode == OUT_TABLE ? stdout : stderr, &c.per_rule, &c.per_host);
	fflush(stdout);
	if (!lo.quiet) {
		const struct wh_sigma_stats *st = wh_sigma_get_stats(c.sigma);
		wh_scan_summary(&sc, stderr);
		fprintf(stderr, "whitehawk: %llu hits from %llu events (%llu covered by some rule's logsource)\n",
			(unsigned long long)c.hits, (unsigned long long)st->events, (unsigned long long)st->covered);
		if (stats)
			fprintf(stderr, "whitehawk: matcher: %u rule variants (%u without a literal prefilter), %u literals "
					"in %u fields; %.2f variants evaluated per covered event\n",
				st->units, st->always, st->literals, st->fields,
				st->covered ? (double)st->evaluated / (double)st->covered : 0.0);
		if (st->regex_limit)
			fprintf(stderr, "whitehawk: %llu regular expression matches stopped at the PCRE2 match limit "
					"(counted as no match)\n", (unsigned long long)st->regex_limit);
		if (st->corr_dropped || st->corr_late)
			fprintf(stderr, "whitehawk: correlations: %llu hits dropped at the state caps, %llu too late "
					"for their window\n", (unsigned long long)st->corr_dropped,
				(unsigned long long)st->corr_late);
	}
	wh_scan_release(&sc);
out:
	wh_findings_release(&c.findings);
	wh_sigma_free(c.sigma);
	wh_intern_release(&c.strings);
	free(c.memo);
	wh_arena_release(&c.marena);
	free(c.names.slot);
	wh_timeline_free(c.timeline);
	wh_sbuf_release(&c.rec);
	wh_sbuf_release(&c.expl);
	free(c.out);
	if (c.render)
		fclose(c.render);
	free(c.render_buf);
	stat_release(&c.per_rule);
	stat_release(&c.per_host);
	free(dirs.v);
	free(incl.v);
	free(excl.v);
	free(tunes.v);
	return status;
}
