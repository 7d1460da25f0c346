/*
 * correl.c: Sigma correlation rules: event_count, value_count, temporal,
 * temporal_ordered, value_sum, value_avg and value_percentile, with
 * group-by, timespan, aliases and references by id or name (docs/sigma.md
 * says exactly when each fires).
 *
 * State is bounded: per correlation at most SG_CORR_MAX_GROUPS groups, per
 * group at most SG_CORR_MAX_ENTRIES hits, and nothing is kept once it is
 * older than the timespan before the newest hit seen (the watermark); what
 * the caps drop is counted in the statistics.
 */
#include "detect/sigma/sigma_int.h"
#include "util/diag.h"
#include "util/num.h"
#include "util/wtime.h"
#include "util/xalloc.h"

#include <math.h>
#include <string.h>
#include <strings.h>

#define SG_CORR_MAX_GROUPS 65536
#define SG_CORR_MAX_ENTRIES 4096
#define SG_CORR_MAX_VALUE 256

enum ctype { C_EVENT_COUNT, C_VALUE_COUNT, C_TEMPORAL, C_TEMPORAL_ORDERED, C_VALUE_SUM, C_VALUE_AVG,
	     C_VALUE_PERCENTILE };
enum { OP_GT, OP_GTE, OP_LT, OP_LTE, OP_EQ, OP_NEQ, OP_N };

struct centry {
	int64_t t;
	uint32_t ref;            /* index into the correlation's rules */
	double num;
	bool has_num;
	char *val;               /* value_count / value_percentile: the field's value */
	struct wh_evref evref;
};

struct cgroup {
	char *key;
	char *host;
	struct centry *e;        /* by time */
	uint32_t n, cap;
	int64_t newest;
	bool dead;
};

struct sg_corr {
	uint32_t rule;
	enum ctype type;
	const char **refs;
	uint32_t nrefs;
	uint32_t *ref_rule;      /* resolved; SG_NONE when not */
	const char **group_by;
	uint32_t ngroup;
	const char **alias_names;    /* [ngroup]: for each group-by name, NULL or an alias */
	const char ***alias_fields;  /* [ngroup][nrefs]: the field for each rule */
	int64_t span;
	bool has[OP_N];
	double cv[OP_N];
	const char *field;
	bool generate;
	bool active;
	struct wh_map gmap;          /* key -> group index + 1 */
	struct cgroup **groups;
	uint32_t ngroups, gcap, ndead;
	int64_t watermark;
	uint64_t since_sweep;
};

void sg_corr_free(struct sg_corr *c)
{
	if (!c)
		return;
	for (uint32_t g = 0; g < c->ngroups; g++) {
		struct cgroup *gr = c->groups[g];
		for (uint32_t i = 0; i < gr->n; i++)
			free(gr->e[i].val);
		free(gr->e);
		free(gr->key);
		free(gr->host);
		free(gr);
	}
	free(c->groups);
	free(c->ref_rule);
	wh_map_release(&c->gmap);
	free(c);
}

static bool parse_span(const char *s, int64_t *ns)
{
	size_t n = strlen(s);
	if (n < 2)
		return false;
	int64_t v;
	if (!wh_parse_i64(s, n - 1, &v) || v <= 0 || v > 100000000)
		return false;
	int64_t unit;
	switch (s[n - 1]) {
	case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	case 'w': unit = 7 * 86400; break;
	default: return false;
	}
	*ns = v * unit * WH_NS_PER_SEC;
	return true;
}

static const char **scalars(struct wh_sigma *s, const struct wh_ynode *n, uint32_t *count)
{
	*count = 0;
	if (!n || (n->type != WH_Y_SEQ && n->type != WH_Y_SCALAR))
		return NULL;
	uint32_t k = n->type == WH_Y_SEQ ? n->n : 1;
	const char **v = wh_arena_alloc(&s->arena, (k + 1) * sizeof(*v));
	for (uint32_t i = 0; i < k; i++) {
		const struct wh_ynode *it = n->type == WH_Y_SEQ ? n->kids[i] : n;
		if (it->type == WH_Y_SCALAR)
			v[(*count)++] = wh_intern(&s->strings, it->s, it->len);
	}
	return v;
}

int sg_corr_load(struct wh_sigma *s, struct sg_rule *r, const struct wh_ynode *cn, const char **err,
		 uint32_t *err_line)
{
	*err_line = cn->line;
	if (cn->type != WH_Y_MAP) {
		*err = "correlation must be a map";
		return -1;
	}
	struct sg_corr *c = wh_xcalloc(1, sizeof(*c));
	wh_map_init(&c->gmap, false);
	c->watermark = INT64_MIN;
	const char *type = wh_ynode_str(wh_ymap_get(cn, "type"));
	static const char *const names[] = { "event_count", "value_count", "temporal", "temporal_ordered",
					     "value_sum", "value_avg", "value_percentile" };
	int ti = -1;
	for (int i = 0; type && i < 7; i++)
		if (strcmp(type, names[i]) == 0)
			ti = i;
	if (ti < 0) {
		*err = type ? "unknown correlation type (event_count, value_count, temporal, temporal_ordered, "
			      "value_sum, value_avg, value_percentile)"
			    : "correlation has no type";
		sg_corr_free(c);
		return -1;
	}
	c->type = (enum ctype)ti;
	c->refs = scalars(s, wh_ymap_get(cn, "rules"), &c->nrefs);
	if (!c->nrefs) {
		*err = "correlation refers to no rules";
		sg_corr_free(c);
		return -1;
	}
	c->group_by = scalars(s, wh_ymap_get(cn, "group-by"), &c->ngroup);
	const char *span = wh_ynode_str(wh_ymap_get(cn, "timespan"));
	if (!span)
		span = wh_ynode_str(wh_ymap_get(cn, "timeframe"));
	if (!span || !parse_span(span, &c->span)) {
		*err = "correlation needs a timespan such as 30s, 5m, 1h or 1d";
		sg_corr_free(c);
		return -1;
	}
	bool gen = false;
	if (wh_ynode_bool(wh_ymap_get(cn, "generate"), &gen) || wh_ynode_bool(wh_ymap_get(r->doc, "generate"), &gen))
		c->generate = gen;
	const struct wh_ynode *cond = wh_ymap_get(cn, "condition");
	if (cond && cond->type == WH_Y_MAP) {
		static const char *const ops[OP_N] = { "gt", "gte", "lt", "lte", "eq", "neq" };
		for (uint32_t i = 0; i < cond->n; i++) {
			const struct wh_ynode *k = cond->kids[2 * i], *v = cond->kids[2 * i + 1];
			if (k->type != WH_Y_SCALAR)
				continue;
			if (strcmp(k->s, "field") == 0) {
				c->field = wh_ynode_str(v) ? wh_intern(&s->strings, v->s, v->len) : NULL;
				continue;
			}
			int op = -1;
			for (int o = 0; o < OP_N; o++)
				if (strcmp(k->s, ops[o]) == 0)
					op = o;
			int64_t iv;
			double dv;
			bool f;
			if (op < 0 || v->type != WH_Y_SCALAR || !sg_parse_number(v->s, v->len, &iv, &dv, &f)) {
				*err = "correlation condition: only gt, gte, lt, lte, eq, neq with numbers, and field";
				*err_line = k->line;
				sg_corr_free(c);
				return -1;
			}
			c->has[op] = true;
			c->cv[op] = dv;
		}
	} else if (cond) {
		*err = "correlation condition must be a map";
		sg_corr_free(c);
		return -1;
	}
	bool any = false;
	for (int o = 0; o < OP_N; o++)
		any |= c->has[o];
	bool temporal = c->type == C_TEMPORAL || c->type == C_TEMPORAL_ORDERED;
	if (!any && !temporal) {
		*err = "correlation needs a condition (gt, gte, lt, lte or eq)";
		sg_corr_free(c);
		return -1;
	}
	if (!c->field && c->type != C_EVENT_COUNT && !temporal) {
		*err = "this correlation type needs condition.field";
		sg_corr_free(c);
		return -1;
	}
	/* aliases: alias -> { rule name: field } */
	const struct wh_ynode *al = wh_ymap_get(cn, "aliases");
	c->alias_names = wh_arena_calloc(&s->arena, (c->ngroup + 1) * sizeof(char *));
	c->alias_fields = wh_arena_calloc(&s->arena, (c->ngroup + 1) * sizeof(char **));
	for (uint32_t g = 0; g < c->ngroup; g++) {
		const struct wh_ynode *m = wh_ymap_get(al, c->group_by[g]);
		if (!m || m->type != WH_Y_MAP)
			continue;
		c->alias_names[g] = c->group_by[g];
		c->alias_fields[g] = wh_arena_calloc(&s->arena, (c->nrefs + 1) * sizeof(char *));
		for (uint32_t k = 0; k < c->nrefs; k++) {
			const struct wh_ynode *f = wh_ymap_get(m, c->refs[k]);
			c->alias_fields[g][k] = f && f->type == WH_Y_SCALAR ? wh_intern(&s->strings, f->s, f->len) : NULL;
		}
	}
	WH_GROW(s->corrs, s->ncorrs_all + 1, s->corrs_all_cap);
	c->rule = s->nrules;   /* the rule being loaded gets this index */
	s->corrs[s->ncorrs_all++] = c;
	r->corr = c;
	return 0;
}

int sg_corr_resolve(struct wh_sigma *s)
{
	for (uint32_t i = 0; i < s->ncorrs_all; i++) {
		struct sg_corr *c = s->corrs[i];
		struct sg_rule *cr = &s->rules[c->rule];
		c->ref_rule = wh_xcalloc(c->nrefs, sizeof(uint32_t));
		bool ok = true;
		for (uint32_t k = 0; k < c->nrefs; k++) {
			const char *ref = c->refs[k];
			uintptr_t idx = (uintptr_t)wh_map_get(&s->by_id, ref, strlen(ref));
			if (!idx)
				idx = (uintptr_t)wh_map_get(&s->by_name, ref, strlen(ref));
			if (!idx || idx - 1 == c->rule) {
				sg_warn(s, cr->pub.file, cr->pub.line, cr->pub.title,
					"correlation refers to '%s', which is not loaded: the correlation is off", ref);
				ok = false;
				c->ref_rule[k] = SG_NONE;
				continue;
			}
			c->ref_rule[k] = (uint32_t)(idx - 1);
		}
		c->active = ok && cr->pub.enabled;
		if (!c->active)
			continue;
		for (uint32_t k = 0; k < c->nrefs; k++) {
			struct sg_rule *r = &s->rules[c->ref_rule[k]];
			WH_GROW(r->corrs, r->ncorrs + 1, r->corrs_cap);
			r->corrs[r->ncorrs++] = i;
			if (!c->generate)
				r->referenced = true;
		}
	}
	return 0;
}

/* Lower bounds only: the condition can only become true as hits arrive. */
static bool growing(const struct sg_corr *c)
{
	return c->type != C_VALUE_AVG && c->type != C_VALUE_PERCENTILE && !c->has[OP_LT] && !c->has[OP_LTE] &&
	       !c->has[OP_EQ] && !c->has[OP_NEQ];
}

static bool cond_holds(const struct sg_corr *c, double v)
{
	if (c->has[OP_GT] && !(v > c->cv[OP_GT])) return false;
	if (c->has[OP_GTE] && !(v >= c->cv[OP_GTE])) return false;
	if (c->has[OP_LT] && !(v < c->cv[OP_LT])) return false;
	if (c->has[OP_LTE] && !(v <= c->cv[OP_LTE])) return false;
	if (c->has[OP_EQ] && !(v == c->cv[OP_EQ])) return false;
	if (c->has[OP_NEQ] && !(v != c->cv[OP_NEQ])) return false;
	return true;
}

static const char *field_for(const struct sg_corr *c, uint32_t g, uint32_t ref)
{
	if (c->alias_fields[g] && c->alias_fields[g][ref])
		return c->alias_fields[g][ref];
	return c->group_by[g];
}

static void free_entry(struct centry *e)
{
	free(e->val);
	e->val = NULL;
}

static void drop_front(struct cgroup *g, uint32_t k)
{
	for (uint32_t i = 0; i < k; i++)
		free_entry(&g->e[i]);
	memmove(g->e, g->e + k, (g->n - k) * sizeof(*g->e));
	g->n -= k;
}

static void clear_group(struct cgroup *g)
{
	drop_front(g, g->n);
}

/* Rebuild the group map without the dead groups. */
static void sweep(struct sg_corr *c)
{
	uint32_t m = 0;
	for (uint32_t i = 0; i < c->ngroups; i++) {
		struct cgroup *g = c->groups[i];
		if (g->n == 0 || g->newest < c->watermark - c->span) {
			clear_group(g);
			free(g->e);
			free(g->key);
			free(g->host);
			free(g);
			continue;
		}
		c->groups[m++] = g;
	}
	c->ngroups = m;
	wh_map_release(&c->gmap);
	wh_map_init(&c->gmap, false);
	for (uint32_t i = 0; i < m; i++) {
		bool added;
		wh_map_put(&c->gmap, c->groups[i]->key, strlen(c->groups[i]->key), &added)->val =
			(void *)(uintptr_t)(i + 1);
	}
	c->since_sweep = 0;
}

/* The window [lo, hi) of a group's entries within span ending at t. */
static void window(const struct cgroup *g, int64_t from, int64_t to, uint32_t *lo, uint32_t *hi)
{
	uint32_t a = 0;
	while (a < g->n && g->e[a].t < from)
		a++;
	uint32_t b = a;
	while (b < g->n && g->e[b].t <= to)
		b++;
	*lo = a;
	*hi = b;
}

static int cmp_str(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	return strcmp(x ? x : "", y ? y : "");
}

/* The value the condition is checked against, over entries [lo, hi). */
static double measure(const struct sg_corr *c, const struct cgroup *g, uint32_t lo, uint32_t hi)
{
	switch (c->type) {
	case C_EVENT_COUNT:
		return (double)(hi - lo);
	case C_VALUE_COUNT: {
		const char **v = wh_xcalloc(hi - lo + 1, sizeof(char *));
		uint32_t n = 0;
		for (uint32_t i = lo; i < hi; i++)
			if (g->e[i].val)
				v[n++] = g->e[i].val;
		qsort(v, n, sizeof(*v), cmp_str);
		uint32_t d = 0;
		for (uint32_t i = 0; i < n; i++)
			if (i == 0 || strcmp(v[i], v[i - 1]) != 0)
				d++;
		free(v);
		return d;
	}
	case C_VALUE_SUM:
	case C_VALUE_AVG: {
		double sum = 0;
		uint32_t n = 0;
		for (uint32_t i = lo; i < hi; i++)
			if (g->e[i].has_num) {
				sum += g->e[i].num;
				n++;
			}
		return c->type == C_VALUE_SUM ? sum : (n ? sum / n : NAN);
	}
	case C_TEMPORAL:
	case C_TEMPORAL_ORDERED: {
		uint64_t seen = 0;
		double d = 0;
		for (uint32_t i = lo; i < hi; i++)
			if (g->e[i].ref < 64 && !(seen & (1ull << g->e[i].ref))) {
				seen |= 1ull << g->e[i].ref;
				d++;
			}
		return d;
	}
	default:
		return NAN;
	}
}

/* temporal_ordered: the rules appear in order within the span, ending at hi-1. */
static bool in_order(const struct sg_corr *c, const struct cgroup *g, uint32_t lo, uint32_t hi)
{
	for (uint32_t st = lo; st < hi; st++) {
		if (g->e[st].ref != 0)
			continue;
		uint32_t want = 1;
		int64_t last = g->e[st].t;
		for (uint32_t i = st + 1; i < hi && want < c->nrefs; i++)
			if (g->e[i].ref == want) {
				last = g->e[i].t;
				want++;
			}
		if (want == c->nrefs && last - g->e[st].t <= c->span)
			return true;
	}
	return c->nrefs == 1 && hi > lo;
}

static void fire(struct wh_sigma *s, struct sg_corr *c, struct cgroup *g, uint32_t lo, uint32_t hi, double v,
		 const struct wh_event *ev, const char *what, wh_sigma_hit_fn fn, void *arg)
{
	struct wh_evref refs[WH_SIGMA_MAX_EVIDENCE];
	uint32_t n = 0;
	/* the first hits and the last one: how it started and what completed it */
	for (uint32_t i = lo; i < hi && n < WH_SIGMA_MAX_EVIDENCE - 1; i++)
		refs[n++] = g->e[i].evref;
	if (hi > lo && n == WH_SIGMA_MAX_EVIDENCE - 1)
		refs[n++] = g->e[hi - 1].evref;
	struct wh_sbuf grp = WH_SBUF_INIT(4096);
	wh_sbuf_addstr(&grp, g->key);
	if (what)
		wh_sbuf_addf(&grp, "%s%s=%s", grp.len ? "; " : "", c->field ? c->field : "value", what);
	struct wh_sigma_hit h = {
		.rule = &s->rules[c->rule].pub,
		.ev = ev,
		.events = refs,
		.nevents = n,
		.count = hi - lo,
		.value = v,
		.group = wh_sbuf_str(&grp),
		.host = g->host ? g->host : "",
		.first = hi > lo ? g->e[lo].t : WH_TIME_NONE,
		.last = hi > lo ? g->e[hi - 1].t : WH_TIME_NONE,
	};
	sg_emit(s, c->rule, &h, ev, h.last, fn, arg);
	wh_sbuf_release(&grp);
}

/* value_percentile at the close of a window: each value whose share of the
 * window's hits (in percent) meets the condition. */
static void fire_percentiles(struct wh_sigma *s, struct sg_corr *c, struct cgroup *g, uint32_t lo, uint32_t hi,
			     wh_sigma_hit_fn fn, void *arg)
{
	uint32_t total = hi - lo;
	if (!total)
		return;
	const char **v = wh_xcalloc(total + 1, sizeof(char *));
	uint32_t n = 0;
	for (uint32_t i = lo; i < hi; i++)
		if (g->e[i].val)
			v[n++] = g->e[i].val;
	qsort(v, n, sizeof(*v), cmp_str);
	for (uint32_t i = 0; i < n;) {
		uint32_t j = i;
		while (j < n && strcmp(v[j], v[i]) == 0)
			j++;
		double pct = 100.0 * (double)(j - i) / (double)total;
		if (cond_holds(c, pct))
			fire(s, c, g, lo, hi, pct, NULL, v[i], fn, arg);
		i = j;
	}
	free(v);
}

/* Close the windows of a group that end before `upto` (INT64_MAX: all). */
static void close_windows(struct wh_sigma *s, struct sg_corr *c, struct cgroup *g, int64_t upto,
			  wh_sigma_hit_fn fn, void *arg)
{
	while (g->n && (upto == INT64_MAX || g->e[0].t + c->span < upto)) {
		uint32_t lo, hi;
		window(g, g->e[0].t, g->e[0].t + c->span, &lo, &hi);
		if (c->type == C_VALUE_PERCENTILE) {
			fire_percentiles(s, c, g, lo, hi, fn, arg);
		} else if (!growing(c)) {
			double v = measure(c, g, lo, hi);
			bool ok = c->type == C_TEMPORAL_ORDERED ? in_order(c, g, lo, hi) && cond_holds(c, v)
								: cond_holds(c, v);
			if (ok)
				fire(s, c, g, lo, hi, v, NULL, NULL, fn, arg);
		}
		drop_front(g, hi);
	}
}

static void group_key(const struct sg_corr *c, uint32_t ref, const struct wh_event *ev, struct wh_sbuf *key)
{
	for (uint32_t g = 0; g < c->ngroup; g++) {
		const char *f = field_for(c, g, ref);
		const char *v = ev ? wh_event_get(ev, f) : NULL;
		if (!v && ev && (strcasecmp(f, "Computer") == 0 || strcasecmp(f, "ComputerName") == 0 ||
				 strcasecmp(f, "Hostname") == 0))
			v = ev->host;
		wh_sbuf_addf(key, "%s%s=%s", g ? "; " : "", c->group_by[g], v ? v : "");
	}
}

void sg_corr_feed(struct wh_sigma *s, uint32_t ci, uint32_t rule, const struct wh_event *ev, int64_t t,
		  wh_sigma_hit_fn fn, void *arg)
{
	struct sg_corr *c = s->corrs[ci];
	if (!c->active)
		return;
	uint32_t ref = SG_NONE;
	for (uint32_t k = 0; k < c->nrefs; k++)
		if (c->ref_rule[k] == rule) {
			ref = k;
			break;
		}
	if (ref == SG_NONE)
		return;
	if (t == WH_TIME_NONE)
		t = c->watermark == INT64_MIN ? 0 : c->watermark;
	if (c->watermark != INT64_MIN && t < c->watermark - c->span) {
		s->stats.corr_late++;
		return;
	}
	if (t > c->watermark)
		c->watermark = t;
	struct wh_sbuf key = WH_SBUF_INIT(8192);
	group_key(c, ref, ev, &key);
	struct wh_map_slot *slot = wh_map_find(&c->gmap, wh_sbuf_str(&key), key.len);
	struct cgroup *g;
	if (slot) {
		g = c->groups[(uintptr_t)slot->val - 1];
	} else {
		if (c->ngroups >= SG_CORR_MAX_GROUPS) {
			sweep(c);
			if (c->ngroups >= SG_CORR_MAX_GROUPS) {
				s->stats.corr_dropped++;
				wh_sbuf_release(&key);
				return;
			}
		}
		g = wh_xcalloc(1, sizeof(*g));
		g->key = wh_sbuf_detach(&key);
		g->host = wh_xstrdup(ev ? ev->host : "");
		WH_GROW(c->groups, c->ngroups + 1, c->gcap);
		c->groups[c->ngroups++] = g;
		bool added;
		wh_map_put(&c->gmap, g->key, strlen(g->key), &added)->val = (void *)(uintptr_t)c->ngroups;
	}
	wh_sbuf_release(&key);
	/* windows that closed before this hit */
	close_windows(s, c, g, t, fn, arg);
	if (g->n >= SG_CORR_MAX_ENTRIES) {
		drop_front(g, 1);
		s->stats.corr_dropped++;
	}
	/* insert by time (hits mostly arrive in order) */
	WH_GROW(g->e, g->n + 1, g->cap);
	uint32_t at = g->n;
	while (at > 0 && g->e[at - 1].t > t)
		at--;
	memmove(g->e + at + 1, g->e + at, (g->n - at) * sizeof(*g->e));
	g->n++;
	struct centry *e = &g->e[at];
	memset(e, 0, sizeof(*e));
	e->t = t;
	e->ref = ref;
	if (ev)
		e->evref = (struct wh_evref){ wh_intern_str(&s->strings, ev->source), ev->offset, ev->record, t };
	if (c->field && ev) {
		const char *v = wh_event_get(ev, c->field);
		if (v) {
			size_t vl = strlen(v);
			e->val = wh_xstrndup(v, vl > SG_CORR_MAX_VALUE ? SG_CORR_MAX_VALUE : vl);
			int64_t iv;
			e->has_num = sg_parse_number(v, vl, &iv, &e->num, &(bool){ false });
		}
	}
	if (t > g->newest || g->n == 1)
		g->newest = t;
	if (growing(c)) {
		uint32_t lo, hi;
		window(g, t - c->span, t, &lo, &hi);
		double v = measure(c, g, lo, hi);
		bool ok = cond_holds(c, v);
		if (c->type == C_TEMPORAL || c->type == C_TEMPORAL_ORDERED) {
			bool any = false;
			for (int o = 0; o < OP_N; o++)
				any |= c->has[o];
			if (!any)
				ok = v >= c->nrefs;   /* by default every rule must appear */
			if (ok && c->type == C_TEMPORAL_ORDERED)
				ok = in_order(c, g, lo, hi);
		}
		if (ok) {
			fire(s, c, g, lo, hi, v, ev, NULL, fn, arg);
			clear_group(g);   /* the next alert needs hits of its own */
		}
	}
	if (++c->since_sweep >= 65536)
		sweep(c);
}

void sg_corr_finish(struct wh_sigma *s, wh_sigma_hit_fn fn, void *arg)
{
	for (uint32_t i = 0; i < s->ncorrs_all; i++) {
		struct sg_corr *c = s->corrs[i];
		if (!c->active)
			continue;
		for (uint32_t g = 0; g < c->ngroups; g++)
			close_windows(s, c, c->groups[g], INT64_MAX, fn, arg);
	}
}
