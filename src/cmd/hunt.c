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

#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

static int run_hunt(int argc, char **argv);

const struct wh_cmd wh_cmd_hunt = {
	.name = "hunt",
	.run = run_hunt,
	.summary = "run Sigma rules over logs: a timeline of hits",
	.usage = "whitehawk hunt [--rules DIR]... [--table | --csv | --json] [--min-level L] [--rule SEL]... "
		 "[--exclude-rule SEL]... [--tune FILE]... [--mapping FILE] [--placeholders FILE] [--stats] "
		 "[--fail-on LEVEL] [--plain] [OPTIONS] LOGS...",
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
		"      --fail-on LEVEL exit status 1 when a hit is at level LEVEL or above\n"
		"      --plain         evaluate every rule leaf by leaf instead of through the compiled\n"
		"                      matcher: the same hits, many times slower; to check the matcher\n" WH_LOG_OPTIONS_HELP,
};

enum { OPT_RULES = WH_OPT_LOG_LAST, OPT_TABLE, OPT_CSV, OPT_JSON, OPT_MINLEVEL, OPT_RULE, OPT_EXCLUDE, OPT_TUNE,
       OPT_MAPPING, OPT_PLACEHOLDERS, OPT_STATS, OPT_FAILON, OPT_PLAIN };

enum out_mode { OUT_TABLE, OUT_CSV, OUT_JSON };

#define MAX_DETAILS 8
/* Rendered hits kept in memory before the timeline spills a sorted run to
 * a temporary file: memory does not grow with the number of hits. */
#ifndef WH_HUNT_TIMELINE_MEM   /* a build may lower it, to test spilling */
#define WH_HUNT_TIMELINE_MEM (16u << 20)
#endif
#define TIMELINE_MEM WH_HUNT_TIMELINE_MEM
/* Findings are built in a scratch list, emptied this often. */
#define SCRATCH_FINDINGS 4096
/* Hosts and sources remembered in front of their map. */
#define ICACHE 256
/* Output gathered before a write. */
#define OUT_BUF (1u << 20)
/* csv_row joins a hit's details in a buffer of this cap. */
#define CSV_DETAILS_MAX (1u << 20)
/* The largest record of one hit (its details are the event's values). */
#define REC_MAX (256u << 20)

/* the process fields a finding shows (proc_names) */
enum { P_IMAGE, P_NEWPROC, P_GUID, P_PID, P_COUNT };

/* What stays the same between hits of one rule, made once per rule: the
 * rule's own strings live as long as the set, which outlives the output. */
struct rule_memo {
	const struct wh_sigma_rule *rule;   /* the rule, once seen to be the set's */
	int32_t event_id;
	const char *explanation;   /* for event_id; NULL: not made yet */
	/* the names whose values its hits show (detail_names), then proc_names;
	 * nwant -1: more than 64, looked up one by one; want NULL: not made yet */
	int nwant;
	const char **want;
	uint32_t *wlen;
	uint64_t *whash;
	uint64_t *dup;             /* per name: the earlier names equal to it but for case */
	/* The distinct names of want (nname of them, at most 64 + P_COUNT),
	 * each want's among them (nid), and a table of them by name_hash
	 * (tslot: a name + 1, 0 empty), with filters on their lengths and
	 * first bytes: most of an event's fields are none of them, and are
	 * passed over without hashing their names. */
	uint32_t nname;
	uint8_t *nid;
	const char **nname_s;
	uint32_t *nname_l;
	uint64_t *nname_h;
	uint8_t *tslot;
	uint32_t tmask;
	uint64_t lenmask;          /* bit nlen % 64 */
	uint64_t firstmask[4];     /* bit of the first byte */
	uint32_t srow;             /* its row in the statistics per rule + 1; 0: not yet */
	/* Where find_details found them in the last hit's event, whose names
	 * were stamped shape (struct wh_sigma_shape) with shape_nf fields: an
	 * event of the same stamp has them at the same places. UINT32_MAX:
	 * absent. */
	struct wh_sigma_shape shape;
	uint32_t shape_nf;
	uint32_t at_n;
	uint8_t at_widx[MAX_DETAILS];
	uint32_t at_fl[MAX_DETAILS];
	uint32_t at_proc[P_COUNT];
	const char *fid;           /* the finding id: the rule's id, else its title */
	size_t fidlen;
	/* Its hits' JSON lines in pieces, made at the first one written:
	 * jhead the line up to the host's value ({"id": ... "host":), jkey
	 * per name ,"Name": , jmid from the explanation to the EventID
	 * detail, for the event id jmid_eid. */
	char *jhead;
	uint32_t jhead_len;
	char **jkey;
	uint32_t *jklen;
	size_t jkeys;              /* the lengths of all jkey together */
	char *jmid;
	size_t jmid_len, jmid_cap;
	int32_t jmid_eid;
	/* The same for CSV (,level,id,title,attack,) and the table (from the
	 * level to "  event ", and per name its line's start). */
	char *crule;
	size_t crule_len;
	char *trule;
	size_t trule_len;
	char **tkey;
	uint32_t *tklen;
	size_t tkeys;
};

/* A host or source as the hits keep it: interned, with its JSON form made
 * at its first hit instead of at every one. */
struct iname {
	const char *s;
	size_t len;
	char *json;
	size_t jlen;
	char *csv;                 /* its CSV field, and its table column; NULL: not made yet */
	size_t clen;
	char tab[26];              /* "%-24.24s  " of it, or of "-" */
	uint32_t hrow;             /* its row in the statistics per host + 1; 0: not yet */
};

/* The last iname looked up, with the string it was for. */
struct iname_memo {
	const char *in;            /* the string as the event had it */
	const struct iname *out;
	uint64_t gen;              /* the event it was for (hunt_ctx.evgen) */
};

struct stat_row {
	const char *key, *title;
	uint64_t hits;
	enum wh_severity sev;
	int64_t first, last;
	struct wh_map rules;   /* per host: distinct rules */
	const char *last_rule; /* per host: the id last put in rules (a put again changes nothing) */
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
	struct wh_intern strings;  /* explanations: few, repeated */
	struct wh_map inames;      /* hosts and sources: struct iname, in marena */
	struct iname *icache[ICACHE];   /* some of them, by name_hash */
	enum out_mode mode;
	int fail_on;
	bool failed;               /* a hit at fail_on or above */
	uint64_t hits;
	struct wh_timeline *timeline;
	struct wh_sbuf expl;       /* an explanation being made */
	struct iname_memo last_host, last_src;
	char *out;                 /* output gathered for one write (JSON lines) */
	size_t outlen, outcap;
	bool out_failed;           /* a write failed (reported) */
	int64_t tm_t;              /* the last time written, as JSON (tm_len 0: none yet) */
	char tm_json[WH_EMIT_TIME_BUFSZ + 2];
	size_t tm_len;
	int64_t tc_t;              /* the same for CSV and the table */
	char tc_str[WH_EMIT_TIME_BUFSZ];
	size_t tc_len;
	int64_t tt_t;
	char tt_str[24];           /* "%-20.20s  " */
	bool tt_made;
	FILE *render;              /* a memory stream: one correlation's output */
	char *render_buf;
	size_t render_len;
	bool stats;
	bool plain;                /* --plain: every rule evaluated leaf by leaf (plain.c) */
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
static const char *const proc_names[P_COUNT] = { "Image", "NewProcessName", "ProcessGuid", "ProcessId" };

static struct rule_memo *rule_memo(struct hunt_ctx *c, const struct wh_sigma_rule *r);

/* A hash of a field name from its length and its first and last 8 bytes
 * (4 when shorter): names are short, and this costs the same for all. */
static uint64_t name_hash(const char *s, size_t n)
{
	uint64_t a = 0, b = 0;
	if (n >= 8) {
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
	} else if (n >= 4) {
		uint32_t x, y;
		memcpy(&x, s, 4);
		memcpy(&y, s + n - 4, 4);
		a = x;
		b = y;
	} else if (n) {
		a = (uint64_t)(unsigned char)s[0] | (uint64_t)(unsigned char)s[n / 2] << 8 |
		    (uint64_t)(unsigned char)s[n - 1] << 16;
	}
	uint64_t h = (a ^ (b * 0x9e3779b97f4a7c15ull) ^ n) * 0xff51afd7ed558ccdull;
	return h ^ (h >> 29);
}

/* Make the memo's name lists. */
static void memo_names(struct hunt_ctx *c, struct rule_memo *m, const struct wh_sigma_rule *r)
{
	const char *want[64];
	size_t wlen[64];
	int nw = detail_names(r, want, wlen, 64);
	m->nwant = nw;
	m->fid = *r->id ? r->id : r->title;
	m->fidlen = strlen(m->fid);
	if (nw < 0) {
		m->want = (const char **)proc_names;   /* made: nothing to keep */
		return;
	}
	size_t nall = (size_t)nw + P_COUNT;
	m->want = wh_arena_alloc(&c->marena, nall * sizeof(*m->want));
	m->wlen = wh_arena_alloc(&c->marena, nall * sizeof(*m->wlen));
	m->whash = wh_arena_alloc(&c->marena, nall * sizeof(*m->whash));
	m->dup = wh_arena_alloc(&c->marena, nall * sizeof(*m->dup));
	m->nid = wh_arena_alloc(&c->marena, nall);
	m->nname_s = wh_arena_alloc(&c->marena, nall * sizeof(*m->nname_s));
	m->nname_l = wh_arena_alloc(&c->marena, nall * sizeof(*m->nname_l));
	m->nname_h = wh_arena_alloc(&c->marena, nall * sizeof(*m->nname_h));
	m->nname = 0;
	m->lenmask = 0;
	memset(m->firstmask, 0, sizeof(m->firstmask));
	for (size_t w = 0; w < nall; w++) {
		m->want[w] = w < (size_t)nw ? want[w] : proc_names[w - (size_t)nw];
		m->wlen[w] = (uint32_t)strlen(m->want[w]);
		m->whash[w] = name_hash(m->want[w], m->wlen[w]);
		m->dup[w] = 0;
		for (size_t k = 0; k < w && w < (size_t)nw; k++)
			if (strcasecmp(m->want[k], m->want[w]) == 0)
				m->dup[w] |= 1ull << k;
		uint32_t id = 0;
		while (id < m->nname && strcmp(m->nname_s[id], m->want[w]) != 0)
			id++;
		if (id == m->nname) {
			m->nname_s[id] = m->want[w];
			m->nname_l[id] = m->wlen[w];
			m->nname_h[id] = m->whash[w];
			unsigned char c0 = (unsigned char)m->want[w][0];
			m->lenmask |= 1ull << (m->wlen[w] & 63);
			m->firstmask[c0 >> 6] |= 1ull << (c0 & 63);
			m->nname++;
		}
		m->nid[w] = (uint8_t)id;
	}
	uint32_t slots = 16;
	while (slots < 2 * m->nname)
		slots *= 2;
	m->tmask = slots - 1;
	m->tslot = wh_arena_calloc(&c->marena, slots);
	for (uint32_t id = 0; id < m->nname; id++) {
		uint32_t k = (uint32_t)m->nname_h[id] & m->tmask;
		while (m->tslot[k])
			k = (k + 1) & m->tmask;
		m->tslot[k] = (uint8_t)(id + 1);
	}
}

/* The details and the process fields of a hit that on_event_hit does not
 * take (a rule with more names than its records index), name by name. */
static void add_details(struct finding_buf *fb, struct wh_finding *f, const struct wh_sigma_rule *r,
			const struct wh_event *ev, const char *proc[P_COUNT])
{
	add_details_by_name(fb, f, r, ev);
	for (int k = 0; k < P_COUNT; k++)
		proc[k] = wh_event_get(ev, proc_names[k]);
}

/* A hit's details as find_details gives them. */
struct hit_details {
	uint32_t n;
	uint8_t widx[MAX_DETAILS];         /* each detail's place in its rule's name list */
	const struct wh_field *fl[MAX_DETAILS];
	const struct wh_field *proc[P_COUNT];
};

/*
 * The first MAX_DETAILS of the memo's names that the event has, each once
 * (names that differ only in case count as one), and the process fields.
 */
static void find_details_at(struct rule_memo *m, const struct wh_event *ev, struct hit_details *d)
{
	const struct wh_field *f = ev->fields;
	for (int k = 0; k < P_COUNT; k++)
		d->proc[k] = m->at_proc[k] == UINT32_MAX ? NULL : &f[m->at_proc[k]];
	d->n = m->at_n;
	for (uint32_t k = 0; k < m->at_n; k++) {
		d->widx[k] = m->at_widx[k];
		d->fl[k] = &f[m->at_fl[k]];
	}
}

static void find_details(struct hunt_ctx *c, struct rule_memo *m, const struct wh_event *ev,
			 struct wh_sigma_shape shape, struct hit_details *d)
{
	/* an event with the names of the last one: the same places */
	if (shape.view && m->shape.view == shape.view && m->shape.gen == shape.gen && m->shape_nf == ev->nfields) {
		find_details_at(m, ev, d);
		return;
	}
	/* one pass over the event's fields: the first field of each name */
	const struct wh_field *found[64 + P_COUNT];
	memset(found, 0, m->nname * sizeof(*found));
	uint32_t left = m->nname;
	for (uint32_t i = 0; i < ev->nfields && left; i++) {
		const struct wh_field *fl = &ev->fields[i];
		unsigned char c0 = (unsigned char)fl->name[0];   /* NUL when the name is empty */
		if (!((m->lenmask >> (fl->nlen & 63)) & 1) || !((m->firstmask[c0 >> 6] >> (c0 & 63)) & 1))
			continue;
		uint64_t h = name_hash(fl->name, fl->nlen);
		for (uint32_t k = (uint32_t)h & m->tmask; m->tslot[k]; k = (k + 1) & m->tmask) {
			uint32_t id = m->tslot[k] - 1u;
			if (m->nname_h[id] == h && m->nname_l[id] == fl->nlen &&
			    memcmp(m->nname_s[id], fl->name, fl->nlen) == 0) {
				if (!found[id]) {
					found[id] = fl;
					left--;
				}
				break;
			}
		}
	}
	int nw = m->nwant;
	for (int k = 0; k < P_COUNT; k++)
		d->proc[k] = found[m->nid[nw + k]];
	uint64_t chosen = 0;
	uint32_t nd = 0;
	for (int w = 0; w < nw && nd < MAX_DETAILS; w++) {
		if (chosen & m->dup[w])
			continue;
		const struct wh_field *fl = found[m->nid[w]];
		if (!fl)
			continue;
		d->widx[nd] = (uint8_t)w;
		d->fl[nd] = fl;
		chosen |= 1ull << w;
		nd++;
	}
	d->n = nd;
	m->shape = shape;
	m->shape_nf = ev->nfields;
	if (!shape.view)
		return;
	for (int k = 0; k < P_COUNT; k++)
		m->at_proc[k] = d->proc[k] ? (uint32_t)(d->proc[k] - ev->fields) : UINT32_MAX;
	m->at_n = nd;
	for (uint32_t k = 0; k < nd; k++) {
		m->at_widx[k] = d->widx[k];
		m->at_fl[k] = (uint32_t)(d->fl[k] - ev->fields);
	}
}

/* The memo of rule r, or NULL when r is not one of the set's rules. */
static struct rule_memo *rule_memo(struct hunt_ctx *c, const struct wh_sigma_rule *r)
{
	if (!c->memo) {
		c->nrules = wh_sigma_nrules(c->sigma);
		c->memo = wh_xcalloc(c->nrules + 1, sizeof(*c->memo));
	}
	if (r->index >= c->nrules)
		return NULL;
	struct rule_memo *m = &c->memo[r->index];
	if (m->rule != r) {   /* checked once per rule */
		if (wh_sigma_rule_at(c->sigma, r->index) != r)
			return NULL;
		m->rule = r;
	}
	return m;
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

/* The iname of s, made at its first use. */
static const struct iname *iname_of(struct hunt_ctx *c, const char *s)
{
	/* a cache in front of the map: hosts change from event to event, and
	 * the map's hash reads every byte */
	size_t n = strlen(s);
	uint64_t h = n * 0x9e3779b97f4a7c15ull, w;
	if (n >= 8) {   /* every 8 bytes (the last 8 overlapping): hosts differ in the middle */
		for (size_t i = 0; i + 8 < n; i += 8) {
			memcpy(&w, s + i, 8);
			h = (h ^ w) * 0xff51afd7ed558ccdull;
		}
		memcpy(&w, s + n - 8, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
	} else {
		h ^= name_hash(s, n);
	}
	h ^= h >> 29;
	h *= 0x9e3779b97f4a7c15ull;
	struct iname **cs = &c->icache[(h >> 56) & (ICACHE - 1)];
	if (*cs && (*cs)->len == n && memcmp((*cs)->s, s, n) == 0)
		return *cs;
	bool added;
	struct wh_map_slot *sl = wh_map_put(&c->inames, s, n, &added);
	if (added) {
		struct iname *in = wh_arena_calloc(&c->marena, sizeof(*in));
		char *copy = wh_arena_strndup(&c->marena, s, n);
		sl->key = copy;   /* the map borrows its keys: the same bytes, kept */
		in->s = copy;
		in->len = n;
		in->json = wh_arena_alloc(&c->marena, 6 * n + 2);
		in->jlen = wh_json_escape(in->json, s, n);
		sl->val = in;
	}
	*cs = sl->val;
	return *cs;
}

/* The iname of s, remembered for the next hit: the hits of a run mostly
 * share their host and source, and the hits of one event always do. */
static const struct iname *intern_last(struct hunt_ctx *c, const char *s, struct iname_memo *im)
{
	if (im->out && im->in == s && (im->gen == c->evgen || strcmp(im->out->s, s) == 0)) {
		im->gen = c->evgen;
		return im->out;
	}
	im->out = iname_of(c, s);
	im->in = s;
	im->gen = c->evgen;
	return im->out;
}

static void table_row(FILE *o, const struct wh_finding *f);
static void csv_row(FILE *o, const struct wh_finding *f);
static void stat_add(struct stat_tab *t, const char *key, const struct wh_finding *f, bool per_host,
		     uint32_t *row);

/* What a finding takes from its rule. */
static void rule_part(struct wh_finding *f, const struct wh_sigma_rule *r)
{
	f->id = *r->id ? r->id : r->title;
	f->title = r->title;
	f->analytic = "sigma";
	f->severity = r->severity;
	f->confidence = r->confidence;
	f->attack = r->attack;
	f->stage = r->stage;
	f->viewpoints = WH_VP_PROCESS;
}

/* A finding for the hit, in the scratch list. */
static struct wh_finding *build_finding(struct hunt_ctx *c, const struct wh_sigma_hit *h, struct finding_buf *fb)
{
	const struct wh_sigma_rule *r = h->rule;
	struct wh_findings *l = &c->findings;
	struct wh_finding *f = wh_findings_add(l);
	rule_part(f, r);
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
	add_details(fb, f, r, ev, proc);
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
 * later or not at all. What the record points to (the inames of its host
 * and source) lives until the output is written; the timeline may write a
 * record to a temporary file and read it back in the same process, so the
 * pointers stay valid. The time is the timeline entry's. The text is then
 * made from pieces the rule, the host and the source keep ready
 * (json_entry, csv_entry, table_entry), the same bytes as the finding
 * writers give, which debug builds check line by line.
 *
 *   kind, ndetails, image_at, guid_at (a byte each) | event id (int32) |
 *   rule index (uint32) | host, source (struct iname pointers) | offset, record, pid
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
	const struct iname *host, *source;
	uint64_t offset, record, pid;
};

#define REC_HEAD_BYTES (4 + 4 + 4 + 2 * sizeof(const char *))

/* 7 bits a byte, low first: offsets, record numbers and lengths are small. */
static char *rec_varint(char *o, uint64_t v)
{
	while (v >= 0x80) {
		*o++ = (char)(v | 0x80);
		v >>= 7;
	}
	*o++ = (char)v;
	return o;
}

static size_t varint_len(uint64_t v)
{
	size_t n = 1;
	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
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

static char *rec_str(char *o, const char *v, size_t n)
{
	o = rec_varint(o, n);
	memcpy(o, v, n);
	o[n] = '\0';
	return o + n + 1;
}

static char *rec_put_head(char *o, const struct rec_head *hd)
{
	o[0] = (char)hd->kind;
	o[1] = (char)hd->ndetails;
	o[2] = (char)hd->image_at;
	o[3] = (char)hd->guid_at;
	memcpy(o + 4, &hd->event_id, 4);
	memcpy(o + 8, &hd->rule, 4);
	memcpy(o + 12, &hd->host, sizeof(hd->host));
	memcpy(o + 12 + sizeof(hd->host), &hd->source, sizeof(hd->source));
	o += REC_HEAD_BYTES;
	o = rec_varint(o, hd->offset);
	o = rec_varint(o, hd->record);
	return rec_varint(o, hd->pid);
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

/* Where a process field's value is in the record: a detail, or inline. */
static uint8_t rec_at(const struct hit_details *d, const struct wh_field *fl)
{
	if (!fl)
		return AT_NONE;
	for (uint32_t k = 0; k < d->n; k++)
		if (d->fl[k] == fl)
			return (uint8_t)k;
	return AT_INLINE;
}

/* A single-event hit of a rule with a memo: its record, written straight
 * into the timeline. */
static void on_event_hit(struct hunt_ctx *c, struct rule_memo *m, const struct wh_sigma_hit *h)
{
	const struct wh_sigma_rule *r = h->rule;
	const struct wh_event *ev = h->ev;
	const struct iname *hn = intern_last(c, h->host ? h->host : ev->host, &c->last_host);
	if (c->fail_on >= 0 && (int)r->severity >= c->fail_on)
		c->failed = true;
	if (c->stats) {
		struct wh_finding f;
		memset(&f, 0, sizeof(f));
		f.id = m->fid;
		f.title = r->title;
		f.severity = r->severity;
		f.host = hn->s;
		f.time = f.time_end = ev->time;
		stat_add(&c->per_rule, f.id, &f, false, &m->srow);
		stat_add(&c->per_host, f.host, &f, true, &((struct iname *)hn)->hrow);
	}
	struct hit_details d;
	find_details(c, m, ev, h->shape, &d);
	const struct wh_field *image = d.proc[P_IMAGE] ? d.proc[P_IMAGE] : d.proc[P_NEWPROC];
	struct rec_head hd = {
		.kind = REC_EVENT,
		.ndetails = (uint8_t)d.n,
		.image_at = rec_at(&d, image),
		.guid_at = rec_at(&d, d.proc[P_GUID]),
		.event_id = ev->event_id,
		.rule = r->index,
		.host = hn,
		.source = intern_last(c, ev->source, &c->last_src),
		.offset = ev->offset,
		.record = ev->record,
	};
	const struct wh_field *pid = d.proc[P_PID];
	uint64_t p;
	if (pid && wh_parse_u64(pid->value, strlen(pid->value), &p))
		hd.pid = p;
	/* values as C strings (what strlen gives), as the finding shows them */
	size_t vl[MAX_DETAILS], il = 0, gl = 0;
	size_t len = REC_HEAD_BYTES + varint_len(hd.offset) + varint_len(hd.record) + varint_len(hd.pid);
	for (uint32_t k = 0; k < d.n; k++) {
		vl[k] = strlen(d.fl[k]->value);
		len += 1 + varint_len(vl[k]) + vl[k] + 1;
	}
	if (hd.image_at == AT_INLINE) {
		il = strlen(image->value);
		len += varint_len(il) + il + 1;
	}
	if (hd.guid_at == AT_INLINE) {
		gl = strlen(d.proc[P_GUID]->value);
		len += varint_len(gl) + gl + 1;
	}
	if (len > REC_MAX) {
		wh_error("hunt: a hit's values are too large to keep (rule '%s')", m->fid);
		c->error = 1;
		return;
	}
	char *t = wh_timeline_alloc(c->timeline, ev->time, hn->s, hn->len, m->fid, m->fidlen, len);
	if (!t) {
		c->error = 1;
		return;
	}
	char *o = rec_put_head(t, &hd);
	for (uint32_t k = 0; k < d.n; k++) {
		*o++ = (char)d.widx[k];
		o = rec_str(o, d.fl[k]->value, vl[k]);
	}
	if (hd.image_at == AT_INLINE)
		o = rec_str(o, image->value, il);
	if (hd.guid_at == AT_INLINE)
		rec_str(o, d.proc[P_GUID]->value, gl);
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
		on_event_hit(c, m, h);
		return;
	}
	struct finding_buf fb;
	const struct wh_finding *f = build_finding(c, h, &fb);
	if (c->fail_on >= 0 && (int)f->severity >= c->fail_on)
		c->failed = true;
	if (c->stats) {
		stat_add(&c->per_rule, f->id, f, false, NULL);
		stat_add(&c->per_host, f->host, f, true, NULL);
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

/* A record's contents, read back. */
struct rec_view {
	struct rec_head hd;
	const struct rule_memo *m;
	const char *val[MAX_DETAILS + 1];
	size_t vlen[MAX_DETAILS + 1];
	uint8_t widx[MAX_DETAILS + 1];
	const char *image, *guid;   /* NULL: none */
	size_t ilen, glen;
	size_t vtotal;              /* the lengths of all values, image and guid */
};

static const char *rec_get_strn(const char *p, size_t *off, size_t *len)
{
	size_t n = (size_t)rec_get_varint(p, off);
	const char *v = p + *off;
	*off += n + 1;
	*len = n;
	return v;
}

/* The image or the guid of a record: its own string (AT_INLINE), one of
 * the details already read, or none (NULL, length 0). */
static const char *rec_get_at(const char *p, size_t *off, const struct rec_view *v, uint8_t at, size_t *len)
{
	*len = 0;
	if (at == AT_INLINE)
		return rec_get_strn(p, off, len);
	if (at == AT_NONE)
		return NULL;
	*len = v->vlen[at];
	return v->val[at];
}

static void rec_read(const struct hunt_ctx *c, const char *p, struct rec_view *v)
{
	size_t off;
	rec_get_head(p, &off, &v->hd);
	v->m = &c->memo[v->hd.rule];   /* made by the hit */
	v->vtotal = 0;
	for (uint32_t k = 0; k < v->hd.ndetails; k++) {
		v->widx[k] = (uint8_t)p[off++];
		v->val[k] = rec_get_strn(p, &off, &v->vlen[k]);
		v->vtotal += v->vlen[k];
	}
	v->image = rec_get_at(p, &off, v, v->hd.image_at, &v->ilen);
	v->guid = rec_get_at(p, &off, v, v->hd.guid_at, &v->glen);
	v->vtotal += v->ilen + v->glen;
}

/* "%d", without printf's cost per hit; returns the start in buf[16]. */
static char *fmt_i32(char buf[16], int32_t x)
{
	char *es = buf + 16;
	uint32_t u = x < 0 ? 0u - (uint32_t)x : (uint32_t)x;
	*--es = '\0';
	do {
		*--es = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (x < 0)
		*--es = '-';
	return es;
}

static char *put_u64(char *o, uint64_t v)
{
	static const char pairs[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
				    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
				    "8081828384858687888990919293949596979899";
	char t[40] = { 0 }, *e = t + 20, *b = e;   /* at most 20 digits; 20 more bytes to copy whole */
	while (v >= 100) {
		b -= 2;
		memcpy(b, pairs + 2 * (v % 100), 2);
		v /= 100;
	}
	if (v >= 10) {
		b -= 2;
		memcpy(b, pairs + 2 * v, 2);
	} else {
		*--b = (char)('0' + v);
	}
	memcpy(o, b, 20);   /* whole: o has the room, and a constant size is one move */
	return o + (e - b);
}

static char *put_mem(char *o, const char *s, size_t n)
{
	memcpy(o, s, n);
	return o + n;
}
#define PUT(o, lit) put_mem((o), (lit), sizeof(lit) - 1)

/* s with its quotes doubled (CSV), without the quotes around it. */
static char *put_dq(char *o, const char *s, size_t n)
{
	const char *end = s + n;
	while (s < end) {
		const char *q = memchr(s, '"', (size_t)(end - s));
		size_t run = q ? (size_t)(q - s) + 1 : (size_t)(end - s);
		o = put_mem(o, s, run);
		s += run;
		if (q)
			*o++ = '"';
	}
	return o;
}

#ifndef NDEBUG
/* The finding of a record, as the common model has it: for the writers
 * that take a struct wh_finding. det has room for MAX_DETAILS + 1, eid 16. */
static void view_finding(struct hunt_ctx *c, int64_t time, const struct rec_view *v, struct wh_finding *f,
			 struct wh_kv *det, char *eid, struct wh_evref *e)
{
	const struct wh_sigma_rule *r = wh_sigma_rule_at(c->sigma, v->hd.rule);
	det[0] = (struct wh_kv){ "EventID", fmt_i32(eid, v->hd.event_id) };
	for (uint32_t k = 0; k < v->hd.ndetails; k++) {
		det[k + 1].key = v->m->want[v->widx[k]];
		det[k + 1].value = v->val[k];
	}
	memset(f, 0, sizeof(*f));
	rule_part(f, r);
	f->host = v->hd.host->s;
	f->time = f->time_end = time;
	if (c->mode == OUT_JSON)   /* the only form that shows it */
		f->explanation = explain(c, r, v->hd.event_id);
	f->process_guid = v->guid;
	f->pid = v->hd.pid;
	f->image = v->image;
	*e = (struct wh_evref){ v->hd.source->s, v->hd.offset, v->hd.record, time };
	f->evidence = e;
	f->nevidence = 1;
	f->details = det;
	f->ndetails = v->hd.ndetails + 1u;
}
#endif

/*
 * The gathered output goes to the file descriptor in one write(2): through
 * stdio it would be copied once more into stdout's buffer (a third of the
 * cost of a line). stdout is flushed first, so what was printed before
 * (the CSV header) stays ahead.
 */
static void out_flush(struct hunt_ctx *c)
{
	const char *p = c->out;
	size_t n = c->outlen;
	c->outlen = 0;
	if (!n || c->out_failed)
		return;
	fflush(stdout);
	while (n) {
		ssize_t w = write(STDOUT_FILENO, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			wh_error("hunt: cannot write the output: %s", strerror(errno));
			c->out_failed = true;
			c->error = 1;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

/* Room for need more bytes of output. */
static char *out_reserve(struct hunt_ctx *c, size_t need)
{
	if (c->outlen + need > c->outcap) {
		out_flush(c);
		if (need > c->outcap) {
			free(c->out);
			c->outcap = need > OUT_BUF ? need : OUT_BUF;
			c->out = wh_xmalloc(c->outcap);
		}
	}
	return c->out + c->outlen;
}

/* The memo's JSON pieces that do not depend on the event id. */
static void memo_json(struct hunt_ctx *c, struct rule_memo *m, const struct wh_sigma_rule *r)
{
	/* The head is cut from a whole line of a finding with the rule's
	 * fields, so the format stays wh_finding_json's: ,"host": cannot occur
	 * earlier, inside an escaped string, whose quotes are escaped. */
	struct wh_finding f;
	memset(&f, 0, sizeof(f));
	f.id = *r->id ? r->id : r->title;
	f.title = r->title;
	f.analytic = "sigma";
	f.severity = r->severity;
	f.confidence = r->confidence;
	f.attack = r->attack;
	f.stage = r->stage;
	f.viewpoints = WH_VP_PROCESS;
	f.host = f.explanation = "";
	f.time = f.time_end = WH_TIME_NONE;
	char *line = wh_xmalloc(wh_finding_json_bound(&f));
	size_t n = wh_finding_json(line, &f);
	static const char key[] = ",\"host\":";
	const char *h = memmem(line, n, key, sizeof(key) - 1);
	size_t hl = h ? (size_t)(h - line) + sizeof(key) - 1 : 0;
	m->jhead = wh_arena_alloc(&c->marena, hl + 1);
	memcpy(m->jhead, line, hl);
	m->jhead_len = (uint32_t)hl;
	free(line);
	size_t nw = (size_t)m->nwant;
	m->jkey = wh_arena_alloc(&c->marena, (nw ? nw : 1) * sizeof(*m->jkey));
	m->jklen = wh_arena_alloc(&c->marena, (nw ? nw : 1) * sizeof(*m->jklen));
	m->jkeys = 0;
	for (size_t w = 0; w < nw; w++) {
		char *k = wh_arena_alloc(&c->marena, 6 * m->wlen[w] + 4);
		k[0] = ',';
		size_t kl = 1 + wh_json_escape(k + 1, m->want[w], m->wlen[w]);
		k[kl++] = ':';
		m->jkey[w] = k;
		m->jklen[w] = (uint32_t)kl;
		m->jkeys += kl;
	}
	m->jmid_eid = 0;
	m->jmid_len = 0;
}

/* ,"explanation":...,"details":{"EventID":"N" for event id eid. */
static void memo_jmid(struct hunt_ctx *c, struct rule_memo *m, const struct wh_sigma_rule *r, int32_t eid)
{
	const char *e = explain(c, r, eid);
	size_t el = strlen(e);
	char eb[16];
	const char *es = fmt_i32(eb, eid);
	size_t need = 64 + 6 * el + 6 * strlen(es);
	if (need > m->jmid_cap) {
		free(m->jmid);
		m->jmid = wh_xmalloc(need);
		m->jmid_cap = need;
	}
	char *o = m->jmid;
	o = PUT(o, ",\"explanation\":");
	o += wh_json_escape(o, e, el);
	o = PUT(o, ",\"details\":{\"EventID\":");
	o += wh_json_escape(o, es, strlen(es));
	m->jmid_len = (size_t)(o - m->jmid);
	m->jmid_eid = eid;
}

/* A time as JSON ("..." or null), remembered: hits come in time order. */
static char *put_time(struct hunt_ctx *c, char *o, int64_t t)
{
	if (c->tm_len == 0 || c->tm_t != t) {
		if (t == WH_TIME_NONE) {
			memcpy(c->tm_json, "null", 4);
			c->tm_len = 4;
		} else {
			c->tm_json[0] = '"';
			size_t n = wh_emit_time_str(t, c->tm_json + 1);
			c->tm_json[n + 1] = '"';
			c->tm_len = n + 2;
		}
		c->tm_t = t;
	}
	return put_mem(o, c->tm_json, c->tm_len);
}

/*
 * A record's JSON line, the same bytes as wh_finding_json gives for its
 * finding (view_finding), made from pieces: what belongs to the rule,
 * host and source was escaped once, at their first hit; only the event's
 * values are escaped per hit, and the image and the process guid once
 * even when they are also details.
 */
static void json_entry(struct hunt_ctx *c, int64_t time, const struct rec_view *v)
{
	struct rule_memo *m = &c->memo[v->hd.rule];
	const struct wh_sigma_rule *r = wh_sigma_rule_at(c->sigma, v->hd.rule);
	if (!m->jhead)
		memo_json(c, m, r);
	if (m->jmid_len == 0 || m->jmid_eid != v->hd.event_id)
		memo_jmid(c, m, r, v->hd.event_id);
	size_t need = m->jhead_len + v->hd.host->jlen + v->hd.source->jlen + m->jmid_len + m->jkeys +
		      6 * v->vtotal + 2 * (MAX_DETAILS + 3) + 3 * sizeof(c->tm_json) + 256;
	char *o0 = out_reserve(c, need), *o = o0;
	o = put_mem(o, m->jhead, m->jhead_len);
	o = put_mem(o, v->hd.host->json, v->hd.host->jlen);
	o = PUT(o, ",\"time\":");
	o = put_time(c, o, time);
	o = PUT(o, ",\"time_end\":");
	o = put_time(c, o, time);
	char *ij = NULL, *gj = NULL;   /* the image's and guid's JSON, for their details */
	size_t ijl = 0, gjl = 0;
	if (v->guid || v->hd.pid || v->image) {
		o = PUT(o, ",\"process\":{\"guid\":");
		gj = o;
		o = v->guid ? o + wh_json_escape(o, v->guid, v->glen) : PUT(o, "\"\"");
		gjl = (size_t)(o - gj);
		o = PUT(o, ",\"pid\":");
		o = put_u64(o, v->hd.pid);
		o = PUT(o, ",\"image\":");
		ij = o;
		o = v->image ? o + wh_json_escape(o, v->image, v->ilen) : PUT(o, "\"\"");
		ijl = (size_t)(o - ij);
		*o++ = '}';
	}
	o = put_mem(o, m->jmid, m->jmid_len);
	for (uint32_t k = 0; k < v->hd.ndetails; k++) {
		o = put_mem(o, m->jkey[v->widx[k]], m->jklen[v->widx[k]]);
		if (k == v->hd.image_at && ij)
			o = put_mem(o, ij, ijl);
		else if (k == v->hd.guid_at && gj)
			o = put_mem(o, gj, gjl);
		else
			o += wh_json_escape(o, v->val[k], v->vlen[k]);
	}
	o = PUT(o, "},\"evidence\":[{\"source\":");
	o = put_mem(o, v->hd.source->json, v->hd.source->jlen);
	o = PUT(o, ",\"offset\":");
	o = put_u64(o, v->hd.offset);
	o = PUT(o, ",\"record\":");
	o = put_u64(o, v->hd.record);
	o = PUT(o, ",\"time\":");
	o = put_time(c, o, time);
	o = PUT(o, "}]}\n");
	c->outlen += (size_t)(o - o0);
#ifndef NDEBUG
	/* debug builds (the sanitizer runs of the tests) check the pieces
	 * against the common writer, hit by hit */
	struct wh_finding f;
	struct wh_kv det[MAX_DETAILS + 1];
	char eid[16];
	struct wh_evref e;
	view_finding(c, time, v, &f, det, eid, &e);
	char *ref = wh_xmalloc(wh_finding_json_bound(&f));
	size_t rl = wh_finding_json(ref, &f);
	if (rl != (size_t)(o - o0) || memcmp(ref, o0, rl) != 0) {
		fprintf(stderr, "hunt: JSON pieces differ from wh_finding_json:\n%.*s%.*s", (int)rl, ref,
			(int)(o - o0), o0);
		abort();
	}
	free(ref);
#endif
}

/* The CSV and table forms of an iname. */
static void iname_forms(struct hunt_ctx *c, struct iname *in)
{
	in->csv = wh_arena_alloc(&c->marena, 2 * in->len + 2);
	in->clen = wh_csv_field(in->csv, in->s, in->len);
	const char *h = in->len ? in->s : "-";
	size_t hl = in->len ? in->len : 1;
	if (hl > 24)
		hl = 24;
	memcpy(in->tab, h, hl);
	memset(in->tab + hl, ' ', sizeof(in->tab) - hl);
}

/*
 * s as print_trunc writes it, at most max bytes (then "..."): control
 * bytes become spaces. Bytes map one to one, so the last block may overlap
 * the one before. Returns the end of what was written.
 */
static char *put_printable(char *o, const char *s, size_t n, size_t max)
{
	size_t m = n < max ? n : max, i = 0;
	const unsigned char *p = (const unsigned char *)s;
#if defined(__SSE2__)
	if (m >= 16) {
		const __m128i lim = _mm_set1_epi8(0x1f), sp = _mm_set1_epi8(' ');
		for (;;) {
			if (i + 16 > m)
				i = m - 16;
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
			__m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(v, lim), v);   /* v <= 0x1f, unsigned */
			v = _mm_or_si128(_mm_andnot_si128(ctl, v), _mm_and_si128(ctl, sp));
			_mm_storeu_si128((__m128i *)(void *)(o + i), v);
			i += 16;
			if (i >= m)
				break;
		}
	}
#endif
	for (; i < m; i++)
		o[i] = p[i] < 0x20 ? ' ' : (char)p[i];
	o += m;
	if (n > max)
		o = PUT(o, "...");
	return o;
}

/* The memo's CSV and table pieces. */
static void memo_text(struct hunt_ctx *c, struct rule_memo *m, const struct wh_sigma_rule *r)
{
	const char *sev = wh_severity_name(r->severity);
	size_t il = strlen(m->fid), tl = strlen(r->title), al = strlen(r->attack), sl = strlen(sev);
	char *o = m->crule = wh_arena_alloc(&c->marena, 2 * (il + tl + al) + sl + 16);
	*o++ = ',';
	o = put_mem(o, sev, sl);
	*o++ = ',';
	o += wh_csv_field(o, m->fid, il);
	*o++ = ',';
	o += wh_csv_field(o, r->title, tl);
	*o++ = ',';
	o += wh_csv_field(o, r->attack, al);
	*o++ = ',';
	m->crule_len = (size_t)(o - m->crule);
	/* the table: "%-8.8s  " of the level, the title, "%30s" and the id,
	 * "  [attack]", "  event " */
	const char *tsev = r->severity == WH_SEV_INFO ? "info" : sev;
	size_t tsl = strlen(tsev) < 8 ? strlen(tsev) : 8;
	o = m->trule = wh_arena_alloc(&c->marena, 8 + 2 + 63 + 1 + 30 + il + 4 + al + 8 + 16);
	o = put_mem(o, tsev, tsl);
	memset(o, ' ', 10 - tsl);
	o += 10 - tsl;
	o = put_printable(o, r->title, tl, 60);
	*o++ = '\n';
	memset(o, ' ', 30);
	o = put_mem(o + 30, m->fid, il);
	if (al) {
		o = PUT(o, "  [");
		o = put_mem(o, r->attack, al);
		*o++ = ']';
	}
	o = PUT(o, "  event ");
	m->trule_len = (size_t)(o - m->trule);
	size_t nw = (size_t)m->nwant;
	m->tkey = wh_arena_alloc(&c->marena, (nw ? nw : 1) * sizeof(*m->tkey));
	m->tklen = wh_arena_alloc(&c->marena, (nw ? nw : 1) * sizeof(*m->tklen));
	m->tkeys = 0;
	for (size_t w = 0; w < nw; w++) {
		char *k = wh_arena_alloc(&c->marena, 30 + m->wlen[w] + 2);
		memset(k, ' ', 30);
		memcpy(k + 30, m->want[w], m->wlen[w]);
		memcpy(k + 30 + m->wlen[w], ": ", 2);
		m->tkey[w] = k;
		m->tklen[w] = 30 + m->wlen[w] + 2;
		m->tkeys += m->tklen[w];
	}
}

/* wh_emit_time's text of t, remembered. */
static char *put_csv_time(struct hunt_ctx *c, char *o, int64_t t)
{
	if (c->tc_len == 0 || c->tc_t != t) {
		c->tc_len = wh_emit_time_str(t, c->tc_str);
		c->tc_t = t;
	}
	return put_mem(o, c->tc_str, c->tc_len);
}

#ifndef NDEBUG
/* Debug builds check a row made from pieces against the writer that takes
 * the finding (table_row, csv_row), hit by hit. */
static void check_row(struct hunt_ctx *c, int64_t time, const struct rec_view *v, const char *row, size_t len)
{
	struct wh_finding f;
	struct wh_kv det[MAX_DETAILS + 1];
	char eid[16];
	struct wh_evref e;
	view_finding(c, time, v, &f, det, eid, &e);
	fseeko(c->render, 0, SEEK_SET);
	if (c->mode == OUT_TABLE)
		table_row(c->render, &f);
	else
		csv_row(c->render, &f);
	off_t rl = ftello(c->render);
	fflush(c->render);
	if (rl < 0 || (size_t)rl != len || memcmp(c->render_buf, row, len) != 0) {
		fprintf(stderr, "hunt: row pieces differ from the writer:\n%.*s%.*s", (int)rl, c->render_buf, (int)len,
			row);
		abort();
	}
}
#endif

/* A record's CSV row, the same bytes as csv_row gives for its finding. */
static void csv_entry(struct hunt_ctx *c, int64_t time, const struct rec_view *v)
{
	struct rule_memo *m = &c->memo[v->hd.rule];
	if (!m->crule)
		memo_text(c, m, wh_sigma_rule_at(c->sigma, v->hd.rule));
	struct iname *host = (struct iname *)v->hd.host, *src = (struct iname *)v->hd.source;
	if (!host->csv)
		iname_forms(c, host);
	if (!src->csv)
		iname_forms(c, src);
	/* the details joined as "; Key=value" up to the 1 MiB csv_row's buffer
	 * takes (a piece past it is left out there, so here too) */
	size_t dl = 0;
	bool quote = false;
	uint32_t keep = 0;   /* bit k: detail k is in */
	for (uint32_t k = 0; k < v->hd.ndetails; k++) {
		size_t kl = v->m->wlen[v->widx[k]];
		size_t piece = (dl ? 2 : 0) + kl + 1 + v->vlen[k];
		if (piece > CSV_DETAILS_MAX - dl)
			continue;
		keep |= 1u << k;
		dl += piece;
		quote = quote || wh_csv_needs_quotes(v->m->want[v->widx[k]], kl) ||
			wh_csv_needs_quotes(v->val[k], v->vlen[k]);
	}
	size_t need = m->crule_len + host->clen + src->clen + 2 * dl + 3 * 24 + WH_EMIT_TIME_BUFSZ + 64;
	char *o0 = out_reserve(c, need), *o = o0;
	o = put_csv_time(c, o, time);
	*o++ = ',';
	o = put_mem(o, host->csv, host->clen);
	o = put_mem(o, m->crule, m->crule_len);
	char eb[16];
	const char *es = fmt_i32(eb, v->hd.event_id);
	o = put_mem(o, es, (size_t)(eb + 15 - es));
	*o++ = ',';
	o = put_mem(o, src->csv, src->clen);
	*o++ = ',';
	o = put_u64(o, v->hd.offset);
	*o++ = ',';
	o = put_u64(o, v->hd.record);
	*o++ = ',';
	if (quote)
		*o++ = '"';
	bool first = true;
	for (uint32_t k = 0; k < v->hd.ndetails; k++) {
		if (!(keep & (1u << k)))
			continue;
		if (!first)
			o = PUT(o, "; ");
		first = false;
		const char *key = v->m->want[v->widx[k]];
		size_t kl = v->m->wlen[v->widx[k]];
		o = quote ? put_dq(o, key, kl) : put_mem(o, key, kl);
		*o++ = '=';
		o = quote ? put_dq(o, v->val[k], v->vlen[k]) : put_mem(o, v->val[k], v->vlen[k]);
	}
	if (quote)
		*o++ = '"';
	*o++ = '\n';
	c->outlen += (size_t)(o - o0);
#ifndef NDEBUG
	check_row(c, time, v, o0, (size_t)(o - o0));
#endif
}

/* A record's table rows, the same bytes as table_row gives for its finding. */
static void table_entry(struct hunt_ctx *c, int64_t time, const struct rec_view *v)
{
	struct rule_memo *m = &c->memo[v->hd.rule];
	if (!m->crule)
		memo_text(c, m, wh_sigma_rule_at(c->sigma, v->hd.rule));
	struct iname *host = (struct iname *)v->hd.host;
	if (!host->csv)
		iname_forms(c, host);
	size_t need = sizeof(c->tt_str) + sizeof(host->tab) + m->trule_len + 16 + m->tkeys +
		      (size_t)v->hd.ndetails * (160 + 4) + 64;
	char *o0 = out_reserve(c, need), *o = o0;
	if (!c->tt_made || c->tt_t != time) {
		/* "%-20.20s  " of the time to the second, or of "-" */
		char tb[WH_TIME_BUFSZ];
		const char *ts = time == WH_TIME_NONE ? "-" : wh_time_format(time, 0, tb);
		size_t tl = strlen(ts) < 20 ? strlen(ts) : 20;
		memcpy(c->tt_str, ts, tl);
		memset(c->tt_str + tl, ' ', sizeof(c->tt_str) - tl);
		c->tt_t = time;
		c->tt_made = true;
	}
	o = put_mem(o, c->tt_str, 22);
	o = put_mem(o, host->tab, sizeof(host->tab));
	o = put_mem(o, m->trule, m->trule_len);
	char eb[16];
	const char *es = fmt_i32(eb, v->hd.event_id);
	o = put_mem(o, es, (size_t)(eb + 15 - es));
	*o++ = '\n';
	for (uint32_t k = 0; k < v->hd.ndetails; k++) {
		o = put_mem(o, m->tkey[v->widx[k]], m->tklen[v->widx[k]]);
		o = put_printable(o, v->val[k], v->vlen[k], 160);
		*o++ = '\n';
	}
	c->outlen += (size_t)(o - o0);
#ifndef NDEBUG
	check_row(c, time, v, o0, (size_t)(o - o0));
#endif
}

/* Write one timeline entry: a record is made into its finding and printed. */
static void write_entry(int64_t time, const char *p, size_t len, void *arg)
{
	struct hunt_ctx *c = arg;
	if (len && (uint8_t)p[0] == REC_TEXT) {
		memcpy(out_reserve(c, len - 1), p + 1, len - 1);
		c->outlen += len - 1;
		return;
	}
	struct rec_view v;
	rec_read(c, p, &v);
	if (c->mode == OUT_JSON)
		json_entry(c, time, &v);
	else if (c->mode == OUT_CSV)
		csv_entry(c, time, &v);
	else
		table_entry(c, time, &v);
}

static int on_event(struct wh_event *ev, void *arg)
{
	struct hunt_ctx *c = arg;
	c->evgen++;
	if (c->plain)
		wh_sigma_match_plain(c->sigma, ev, on_hit, c);
	else
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
static void stat_add(struct stat_tab *t, const char *key, const struct wh_finding *f, bool per_host,
		     uint32_t *row)
{
	bool added;
	uint32_t at = row ? *row : 0;   /* the row's place + 1, when the caller keeps it */
	if (!at) {
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
		at = (uint32_t)(uintptr_t)sl->val;
		if (row)
			*row = at;
	}
	struct stat_row *r = &t->rows[at - 1];
	r->hits++;
	if (f->severity > r->sev)
		r->sev = f->severity;
	if (f->time != WH_TIME_NONE && (r->first == WH_TIME_NONE || f->time < r->first))
		r->first = f->time;
	if (f->time != WH_TIME_NONE && (r->last == WH_TIME_NONE || f->time > r->last))
		r->last = f->time;
	if (per_host && r->last_rule != f->id) {
		wh_map_put(&r->rules, f->id, strlen(f->id), &added);
		r->last_rule = f->id;
	}
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
		{ "plain", no_argument, NULL, OPT_PLAIN },
		WH_LOG_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct wh_logopts lo;
	wh_logopts_init(&lo);
	struct strv dirs = { 0 }, incl = { 0 }, excl = { 0 }, tunes = { 0 };
	const char *mapping = NULL, *placeholders = NULL;
	enum out_mode mode = OUT_TABLE;
	int min_level = WH_SEV_INFO, fail_on = -1, opt, status = WH_EXIT_OK;
	bool stats = false, plain = false;
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
		case OPT_PLAIN: plain = true; break;
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
	wh_map_init(&c.inames, false);
	wh_arena_init(&c.marena, 64 * 1024, 0);
	wh_map_init(&c.per_rule.m, false);
	wh_map_init(&c.per_host.m, true);
	c.mode = mode;
	c.fail_on = fail_on;
	c.stats = stats;
	c.plain = plain;
	c.timeline = wh_timeline_new(TIMELINE_MEM);
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
	out_flush(&c);
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
	for (size_t i = 0; c.memo && i < c.nrules; i++)
		free(c.memo[i].jmid);
	free(c.memo);
	wh_map_release(&c.inames);
	wh_arena_release(&c.marena);
	wh_timeline_free(c.timeline);
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
