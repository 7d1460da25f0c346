/*
 * engine.c: compiling a loaded rule set into the matcher, and matching
 * events.
 *
 * Per event the work is: find the event's view (which rule variants its
 * logsource allows, cached per channel, provider, event id, kind and
 * format); bind the event's fields to the field ids rules use; run one
 * Hyperscan scan per field that has literals, which marks the literal leaves
 * that hold and the units they trigger; evaluate the triggered units and
 * the view's "always" units. Adding rules adds patterns to the per-field
 * databases and units to evaluate only when their literals occur, so the
 * cost per event stays nearly flat as rules grow.
 */
#include "detect/sigma/sigma_int.h"
#include "util/diag.h"
#include "util/num.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <hs/hs.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* What a pattern match means: each leaf that has this literal, with its kind
 * kept beside the id so the callback does not touch the leaf itself. */
struct sg_patleaf {
	uint32_t leaf;
	uint8_t kind;
	bool tail;               /* the leaf is longer than the pattern: see SG_HS_MAX_PAT */
};

/* Hyperscan refuses a literal of 16,384 bytes or more ("Pattern length
 * exceeds limit"), and one such literal failed the field's whole
 * database, so every rule on the field. A longer literal gives Hyperscan
 * its first SG_HS_MAX_PAT bytes, and where they match the rest is
 * compared (lit_tail). */
#define SG_HS_MAX_PAT 4096

struct sg_pat {
	uint32_t len;
	uint32_t n;
	struct sg_patleaf *leaves;
};

/* Equality literals of a field, found by hashing the whole value once
 * instead of letting Hyperscan report every occurrence of a short literal
 * such as "0" or "\\" inside longer values. */
struct sg_eqslot {
	uint64_t hash;           /* of the folded literal, or of the literal when cased */
	uint32_t leaf;           /* leaf id + 1; 0: empty */
};

/* A Hyperscan compile to run, possibly on another thread. */
struct hs_job {
	const char **exprs;
	unsigned *flags, *ids;
	size_t *lens;
	size_t np;
	const char *name;
	char path[4200];         /* in the cache, or "" */
	bool done;               /* loaded from the cache */
	bool compiled;
	hs_database_t **db;
	hs_error_t rc;
	hs_compile_error_t *err;
};

/*
 * Long literals (lists of file hashes such as 'SHA256=2fb6...', long
 * command lines and paths) are many, and Hyperscan scans hex text slowly
 * against thousands of them: every position looks like the start of some
 * hash. So Hyperscan is given only an anchor of each: the beginning up to
 * an early '=' ("SHA256=", "MD5="), shared by the literals that begin
 * alike, else SG_ANCHOR bytes, from the start or, when many literals
 * begin so, from where the literal is least like the others (see
 * pick_window). At each place an anchor ends, the
 * value's bytes where each literal behind it would start are checked
 * against a bloom filter, hashed, and looked up.
 */
#define SG_ANCHOR 8
#define SG_LONG_LIT 24           /* literals at least this long are anchored */
#define SG_ANCHOR_LENS 8         /* more lengths behind one anchor: keep them whole */
#define SG_BLOOM_WORDS 1024      /* 8 KiB: stays in the first-level cache */

#define SG_ANCHOR_ONLY 8          /* at most this many anchors for anchor_scan */

struct sg_anchor {
	uint32_t alen;           /* bytes of the anchor */
	uint32_t nlens;
	uint32_t lens[SG_ANCHOR_LENS];   /* a literal behind it: its length, */
	uint32_t offs[SG_ANCHOR_LENS];   /* and where in it the anchor starts */
};

/* Whole-number equalities of a field (numlit leaves), by number. */
struct sg_numslot {
	int64_t num;
	uint32_t leaf;           /* leaf id + 1; 0: empty */
};

struct sg_fielddb {
	struct hs_job job;       /* while it is being built */
	struct sg_numslot *num;  /* NULL when the field has none */
	uint32_t num_mask;
	struct sg_pat *lpats;    /* long literals (folded text in lpat_text) */
	const char **lpat_text;
	uint32_t nlpats;
	struct sg_eqslot *ltab;  /* hash of the folded literal -> lpats index + 1 */
	uint32_t ltab_mask;
	uint64_t *lbloom;        /* SG_BLOOM_WORDS: three bits of a word per literal, to skip most lookups cheaply */
	struct sg_anchor *anchors;   /* Hyperscan ids npats ... npats + nanchors - 1 */
	uint32_t nanchors;
	hs_database_t *db;       /* NULL when the field has only equality literals */
	struct sg_pat *pats;
	uint32_t npats;
	struct sg_eqslot *eq;    /* open addressing, mask + 1 slots */
	uint32_t eq_mask;
	bool eq_cased;           /* some equality literal is case-sensitive */
	/* the lengths of the equality literals: bit n for n < 64, bit 63 for
	 * any longer; and the longest. A value of another length is not
	 * hashed (call traces and script blocks are kilobytes long) */
	uint64_t eq_lens;
	uint32_t eq_maxlen;
	/* Only anchors, a few, all ending in the same byte that is not a
	 * letter (MD5= SHA1= SHA256= IMPHASH= of Hashes): found by looking for
	 * that byte instead of a Hyperscan scan, which ran at 4 cycles a byte
	 * over hex text. 0: not so. */
	char anchor_end;
	const char **atext;      /* the anchors' text then */
};

struct sg_view {
	uint64_t *allowed;       /* bit per unit */
	uint32_t *always;        /* units to evaluate on every event of this view */
	uint32_t nalways;
	bool any;                /* some unit is allowed */
	bool keywords;           /* some allowed unit searches keywords */
	const struct sg_fielddb *kwdb;   /* their literals, or NULL */
	uint32_t kwid;           /* kwdbs index + 1 of kwdb; 0: none */
	uint64_t *scan;          /* bit per field: some allowed unit has literals there */
	uint64_t *need;          /* bit per field: some allowed unit looks at it */
	/* what the view was made for, to know it again without building a key */
	int32_t event_id;
	uint8_t kind;
	char *format, *channel, *provider;
	/* The field names of the last event of this view, their ids and what
	 * the view does with them (struct sg_place): events of one source come
	 * with the same names in the same order, so a name is known by a
	 * compare instead of a hash lookup. */
	struct sg_place *shape;
	uint32_t nshape;
	/* Names the layout of the places: changes whenever a place is
	 * written. An event whose every name was found at its place has the
	 * names, in order, of every other such event of the view with the same
	 * stamp and number of fields (struct wh_sigma_hit's shape). */
	uint32_t uid;            /* the view's number, from 1 */
	uint32_t shape_gen;
	/* The keyword leaves (of kwdb) in its channel and provider, as spelt
	 * now: the same in every event of the view, so the joined keyword scan
	 * leaves out the fields that hold them (view_kwconst). */
	uint32_t *kwconst;
	uint32_t nkwconst;
	bool kwconst_done;
};

/* One remembered field name (names up to SG_SHAPE_NAME bytes), in the
 * cache of names. */
#define SG_SHAPE_NAME 48
#define SG_SHAPE_MAX 256
#define SG_NAME_CACHE 1024       /* power of two */
struct sg_shape {
	uint32_t fid;            /* SG_NONE: no rule uses the field */
	uint32_t nlen;           /* UINT32_MAX: not remembered */
	char name[SG_SHAPE_NAME];
};

/* The name at one place of a view's events, its id and what the view
 * does with its value: 32 bytes, two to a cache line, so that the twenty
 * names of an event are a dozen lines (at 56 bytes, with longer names
 * kept, they were twenty, and they missed the first-level cache when
 * events of other views came between), and the field's own record is not
 * read to know whether it is scanned. Longer names go to the cache of
 * names. */
#define SG_PLACE_NAME 23
enum { SG_ACT_BIND = 1, SG_ACT_SCAN = 2 };
struct sg_place {
	uint32_t fid;
	uint32_t nlen;           /* UINT32_MAX: not remembered */
	uint8_t act;             /* SG_ACT_*: bound (some unit of the view looks at it), scanned */
	char name[SG_PLACE_NAME];
};
_Static_assert(sizeof(struct sg_place) == 32, "a place is half a cache line");

/*
 * The scan result of a value is a function of the field and the value
 * alone, and logs repeat their values endlessly (the same images, parents,
 * command lines, DLLs, registry keys and host names), so the literal leaves
 * each value holds are remembered: a table keyed by a hash of (scan,
 * value), checked byte for byte. A value seen again costs a hash and a
 * compare instead of a Hyperscan scan. Its size is fixed: memory does not
 * grow with the input.
 *
 * A value may sit in either of the two slots of its set, and a new value
 * takes the one used less recently: with one slot per value, two frequent
 * values whose hashes fell on the same slot pushed each other out at every
 * turn (on the benchmark a tenth of the repeated command lines, users and
 * registry values were scanned again that way, a CommandLine scan costing
 * about 14,000 cycles).
 */
#define SG_MEMO_SLOTS 16384          /* power of two */
#define SG_MEMO_WAYS 2               /* slots of a set, side by side */
#define SG_MEMO_MAX_VALUE 4096       /* longer values are scanned every time (call traces are 300 - 1,000 bytes) */
#define SG_MEMO_MAX_LEAVES 256
#define SG_MEMO_MAX_EFFECTS 4096
#define SG_MEMO_BUDGET (32u << 20)  /* bytes of all entries together */
#define SG_MEMO_TRIAL 1024

struct sg_memo {
	uint64_t hash;           /* 0: empty */
	uint32_t scan;           /* field id (the keyword pseudo-field for keywords) */
	uint32_t vlen;
	uint32_t nleaves, nors, ntrig;
	uint32_t cap;            /* bytes at data */
	uint32_t used;           /* memo_clock when last found or stored */
	uint32_t gen;            /* given when stored, never twice: names the value (see sg_lres) */
	uint32_t kw;             /* it holds the value's keyword leaves too, of the union kw_all made
				    at this generation (kwall_gen); 0: none */
	bool folded;             /* the field's fold units were decided for the value (fold_units) */
	bool found;              /* found again since it was stored (see memo_victim) */
	char *data;              /* the value, then (aligned) the leaves, OR nodes and units it sets */
};

/*
 * Leaves the scan does not decide (regular expressions, globs, numbers,
 * times, networks) are computed from the value, and the values repeat: a
 * regular expression on CommandLine without a literal to wait for is tried
 * on every process start. The result is a function of the leaf and the
 * value, so it is remembered too, keyed by the leaf and the generation of
 * the value's memo entry (a generation names one stored value: it is never
 * given twice, and when the counter wraps both tables start empty). No
 * bytes are compared: the memo has done that. Direct-mapped, fixed size.
 */
#define SG_LRES_SLOTS 16384          /* power of two */

struct sg_lres {
	uint64_t key;            /* gen << 32 | (leaf + 1); 0: empty */
	uint8_t val;
};

struct sg_fgen {
	uint32_t epoch;          /* the event it is for */
	uint32_t gen;            /* 0: the field's value has no memo entry */
};

/* The set of slots where the value of hash h may be. */
static inline struct sg_memo *memo_set(struct wh_sigma *s, uint64_t h)
{
	return &s->memo[h & (SG_MEMO_SLOTS - SG_MEMO_WAYS)];
}

/* Keyword literals are searched in every value of an event: the values are
 * joined by this byte (never in UTF-8 text) and scanned once. */
#define SG_SEP 0xff

/* Keyword literal databases, one per distinct set of keyword leaves that
 * the views need (a Windows event never scans for Linux keywords). */
struct sg_kwdb {
	uint64_t key;
	struct sg_fielddb db;
};

#define SG_MAX_VIEWS 4096
#define SG_TRIGGER_CAP 4096

struct wh_sigma *wh_sigma_new(void)
{
	struct wh_sigma *s = wh_xcalloc(1, sizeof(*s));
	wh_arena_init(&s->arena, 256 * 1024, 0);
	wh_intern_init(&s->strings, false);
	wh_map_init(&s->placeholders, false);
	wh_map_init(&s->by_id, true);
	wh_map_init(&s->by_name, false);
	wh_map_init(&s->leaf_keys, false);
	wh_map_init(&s->or_sets, false);
	wh_map_init(&s->field_ids, true);
	wh_map_init(&s->views, false);
	s->re_mctx = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(s->re_mctx, SG_RE_MATCH_LIMIT);
	pcre2_set_depth_limit(s->re_mctx, SG_RE_DEPTH_LIMIT);
	s->re_jit = pcre2_jit_stack_create(32 * 1024, 512 * 1024, NULL);
	pcre2_jit_stack_assign(s->re_mctx, NULL, s->re_jit);
	s->re_md = pcre2_match_data_create(1, NULL);
	return s;
}

static void view_free(struct sg_view *v)
{
	free(v->allowed);
	free(v->scan);
	free(v->need);
	free(v->always);
	free(v->format);
	free(v->channel);
	free(v->provider);
	free(v->shape);
	free(v->kwconst);
	free(v);
}

static void fielddb_release(struct sg_fielddb *d)
{
	free(d->num);
	for (uint32_t k = 0; k < d->nlpats; k++)
		free(d->lpats[k].leaves);
	free(d->lpats);
	free(d->lpat_text);
	free(d->ltab);
	free(d->lbloom);
	free(d->anchors);
	free(d->atext);
	if (d->db)
		hs_free_database(d->db);
	free(d->eq);
	for (uint32_t k = 0; k < d->npats; k++)
		free(d->pats[k].leaves);
	free(d->pats);
}

void wh_sigma_free(struct wh_sigma *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; i < s->nleaves; i++)
		if (s->leaves[i]->re)
			pcre2_code_free(s->leaves[i]->re);
	for (uint32_t i = 0; i < s->nleaves; i++) {
		free(s->leaves[i]->trig);
		free(s->leaves[i]->ors);
	}
	for (uint32_t i = 0; i < s->nfields; i++) {
		struct sg_fielddb *d = s->fields[i].db;
		free(s->fields[i].fold);
		free(s->fields[i].fold_grp);
		if (!d)
			continue;
		fielddb_release(d);
		free(d);
	}
	for (uint32_t i = 0; i < s->nkwdbs; i++) {
		fielddb_release(&s->kwdbs[i]->db);
		free(s->kwdbs[i]);
	}
	free(s->kwdbs);
	free(s->kwu);
	free(s->cat);
	free(s->seg_end);
	free(s->kwdone);
	if (s->hs_scratch)
		hs_free_scratch(s->hs_scratch);
	for (uint32_t i = 0; i < s->nviews; i++)
		view_free(s->view_list[i]);
	free(s->view_list);
	for (uint32_t i = 0; i < s->ncorrs_all; i++)
		sg_corr_free(s->corrs[i]);
	free(s->corrs);
	for (uint32_t i = 0; i < s->nrules; i++) {
		free(s->rules[i].filters);
		free(s->rules[i].corrs);
	}
	free(s->rules);
	for (uint32_t i = 0; i < s->nfiles; i++) {
		wh_yaml_release(s->files[i]);
		free(s->files[i]);
	}
	free(s->files);
	for (uint32_t i = 0; i < s->ntargets; i++)
		free(s->targets[i].sels);
	free(s->targets);
	for (uint32_t i = 0; i < s->nunits; i++) {
		free(s->units[i].eventids);
		free(s->units[i].fields);
		free(s->units[i].kwleaves);
		free(s->units[i].checks);
		free(s->units[i].allfields);
	}
	free(s->units);
	free(s->entries);
	free(s->rejects);
	free(s->warnings);
	free(s->leaves);
	free(s->fields);
	free(s->leaf_epoch);
	free(s->leaf_val);
	free(s->unit_epoch);
	free(s->field_epoch);
	free(s->field_head);
	free(s->fvals);
	free(s->cand);
	free(s->fired);
	free(s->rec);
	free(s->rec_stamp);
	free(s->pend);
	free(s->lit);
	free(s->lit_pool);
	free(s->rule_hit);
	free(s->uhot);
	free(s->field_fold);
	free(s->prog);
	for (uint32_t i = 0; i < s->nnets; i++) {
		free(s->nets[i].v4.v);
		free(s->nets[i].v6.v);
	}
	free(s->nets);
	if (s->memo)
		for (uint32_t i = 0; i < SG_MEMO_SLOTS; i++)
			free(s->memo[i].data);
	free(s->memo);
	free(s->lres);
	free(s->field_gen);
	pcre2_match_data_free(s->re_md);
	pcre2_jit_stack_free(s->re_jit);
	pcre2_match_context_free(s->re_mctx);
	wh_map_release(&s->placeholders);
	wh_map_release(&s->by_id);
	wh_map_release(&s->by_name);
	wh_map_release(&s->leaf_keys);
	wh_map_release(&s->or_sets);
	wh_map_release(&s->field_ids);
	free(s->names);
	wh_map_release(&s->views);
	wh_intern_release(&s->strings);
	wh_arena_release(&s->arena);
	free(s);
}

size_t wh_sigma_nrules(const struct wh_sigma *s) { return s->nrules; }
const struct wh_sigma_rule *wh_sigma_rule_at(const struct wh_sigma *s, size_t i) { return &s->rules[i].pub; }
size_t wh_sigma_nrejects(const struct wh_sigma *s) { return s->nrejects; }
const struct wh_sigma_reject *wh_sigma_reject_at(const struct wh_sigma *s, size_t i) { return &s->rejects[i]; }
size_t wh_sigma_nwarnings(const struct wh_sigma *s) { return s->nwarnings; }
const struct wh_sigma_reject *wh_sigma_warning_at(const struct wh_sigma *s, size_t i) { return &s->warnings[i]; }
const struct wh_sigma_stats *wh_sigma_get_stats(const struct wh_sigma *s) { return &s->stats; }

void wh_sigma_set_enabled(struct wh_sigma *s, size_t i, bool on)
{
	if (i < s->nrules)
		s->rules[i].pub.enabled = on;
}

/* ---- compile ---- */

static bool is_literal(const struct sg_leaf *l)
{
	return l->field != SG_KEYWORD && !l->conv && l->len > 0 &&
	       (l->kind == SG_K_EQ || l->kind == SG_K_CONTAINS || l->kind == SG_K_STARTS || l->kind == SG_K_ENDS);
}

/*
 * A whole-number equality (DestinationPort: 4444) whose text is plain
 * decimal digits: the scan decides it by parsing the value once and
 * looking the number up, instead of each leaf parsing the value (a list of
 * 52 ports cost 2,000 cycles an event). The text condition keeps the
 * lookup exact: such a leaf's text fallback (a value that is not a number
 * equal as text) can only hold for a value that parses as the same number.
 * Up to 15 digits, so that a value written as a float compares exactly.
 */
static bool numlit_ok(const struct sg_leaf *l)
{
	if (l->kind != SG_K_NUM || l->cmp != SG_CMP_EQ || l->isfloat || l->conv || l->field == SG_KEYWORD ||
	    !l->s || l->len == 0 || l->len > 16)
		return false;
	uint32_t k = l->s[0] == '-' ? 1 : 0;
	if (k == l->len || l->len - k > 15)
		return false;
	for (uint32_t i = k; i < l->len; i++)
		if (l->s[i] < '0' || l->s[i] > '9')
			return false;
	int64_t i;
	double d;
	bool f;
	return sg_parse_number(l->s, l->len, &i, &d, &f) && !f && i == l->inum;
}

static inline bool is_scanned(const struct sg_leaf *l)
{
	return is_literal(l) || l->numlit;
}

static void count_refs(struct wh_sigma *s, const struct sg_node *n, uint32_t unit)
{
	if (n->op == SG_N_LEAF) {
		struct sg_leaf *l = n->leaf->hint != SG_NONE && !is_scanned(n->leaf) ? s->leaves[n->leaf->hint] : n->leaf;
		if (l->refs_unit != unit) {
			l->refs_unit = unit;
			l->refs++;
		}
		return;
	}
	for (uint32_t i = 0; i < n->n; i++)
		count_refs(s, n->kids[i], unit);
}

static void mark_used(struct wh_sigma *s, struct sg_node *n)
{
	if (n->op == SG_N_LEAF) {
		n->leaf->used = true;
		if (n->leaf->hint != SG_NONE)
			s->leaves[n->leaf->hint]->used = true;
		return;
	}
	for (uint32_t i = 0; i < n->n; i++)
		mark_used(s, n->kids[i]);
}

/*
 * The literals of which at least one holds whenever n holds: the trigger
 * set. Returns false when there is none (a NOT, a regular expression ...).
 * An AND takes its most selective child's set, an OR the union.
 */
struct trig_set {
	uint32_t *v;
	uint32_t n, cap;
	/* A guess of how often it fires: the sum over its literals of
	 * units / len^2, where units is the number of compiled units that have
	 * the literal. A short literal occurs by chance; a literal that many
	 * rules share is one logs often hold (\Windows\, .exe, cmd.exe: rules
	 * narrow them down with rarer ones). With length alone,
	 * "Image|contains: \Windows\ and CommandLine|contains: \..\..\"
	 * waited for \Windows\ and was evaluated on most process starts. */
	double cost;
};

static bool trigger_set(struct wh_sigma *s, const struct sg_node *n, struct trig_set *out)
{
	out->n = 0;
	out->cost = 0;
	switch (n->op) {
	case SG_N_FALSE:
		return true;     /* never holds: nothing triggers it */
	case SG_N_TRUE:
	case SG_N_NOT:
		return false;
	case SG_N_LEAF: {
		const struct sg_leaf *l = n->leaf;
		uint32_t id;
		if (is_scanned(l))
			id = l->id;
		else if ((l->kind == SG_K_GLOB || l->kind == SG_K_RE) && l->hint != SG_NONE)
			id = l->hint;
		else
			return false;
		WH_GROW(out->v, 1, out->cap);
		out->v[out->n++] = id;
		double len = s->leaves[id]->len, refs = s->leaves[id]->refs ? s->leaves[id]->refs : 1;
		out->cost = refs / (len * len);
		return true;
	}
	case SG_N_OR: {
		struct trig_set k = { 0 };
		for (uint32_t i = 0; i < n->n; i++) {
			if (!trigger_set(s, n->kids[i], &k) || out->n + k.n > SG_TRIGGER_CAP) {
				free(k.v);
				return false;
			}
			WH_GROW(out->v, out->n + k.n, out->cap);
			memcpy(out->v + out->n, k.v, k.n * sizeof(uint32_t));
			out->n += k.n;
			out->cost += k.cost;
		}
		free(k.v);
		return true;
	}
	case SG_N_AND: {
		bool found = false;
		struct trig_set k = { 0 };
		for (uint32_t i = 0; i < n->n; i++) {
			if (!trigger_set(s, n->kids[i], &k))
				continue;
			if (!found || k.cost < out->cost) {
				WH_GROW(out->v, k.n + 1, out->cap);
				memcpy(out->v, k.v, k.n * sizeof(uint32_t));
				out->n = k.n;
				out->cost = k.cost;
				found = true;
			}
		}
		free(k.v);
		return found;
	}
	default:
		return false;
	}
}

/*
 * The trigger groups of a unit: literal sets of which each must have a
 * literal in the event for the unit to hold, most selective first. The
 * first group's literals trigger the unit; the others are checked before
 * it is evaluated (a look at a few marks), so "Image ends with \\cmd.exe
 * and CommandLine contains X" is not evaluated on every cmd.exe, while a
 * literal such as '.exe' does not have to visit every unit that needs it.
 * The top-level AND gives one group per child that has a trigger set (the
 * SG_MAX_GROUPS most selective); anything else is one group. Returns the
 * number of groups (0: none, the unit is evaluated on every event of its
 * logsource).
 */
#define SG_MAX_GROUPS 3
#define SG_MAX_CHECK 32          /* a larger group is not worth checking */
/* An OR with fewer literal children than this reads their marks when it is
 * evaluated instead of having a mark of its own: the scan and the memo set
 * some 190 OR marks an event, most of them for ORs no variant of the event
 * will evaluate, and small ORs were half of them. */
#define SG_OR_MARKED 5

static int cmp_trig_cost(const void *a, const void *b)
{
	const struct trig_set *x = a, *y = b;
	return x->cost < y->cost ? -1 : x->cost > y->cost;
}

/* The children of an AND, with those of the ANDs among them in their place
 * (a selection of several fields under "selection and not filter"): each
 * may be a group of its own. Stores them at out + at when out is given;
 * returns their number. */
static uint32_t and_leaves(const struct sg_node *n, const struct sg_node **out, uint32_t at)
{
	for (uint32_t i = 0; i < n->n; i++) {
		if (n->kids[i]->op == SG_N_AND) {
			at = and_leaves(n->kids[i], out, at);
			continue;
		}
		if (out)
			out[at] = n->kids[i];
		at++;
	}
	return at;
}

static uint32_t trigger_groups(struct wh_sigma *s, const struct sg_node *n, struct trig_set *out)
{
	if (n->op != SG_N_AND) {
		if (!trigger_set(s, n, &out[0]))
			return 0;
		return 1;
	}
	uint32_t nk = and_leaves(n, NULL, 0);
	const struct sg_node **kids = wh_xcalloc(nk + 1, sizeof(*kids));
	and_leaves(n, kids, 0);
	struct trig_set *all = wh_xcalloc(nk + 1, sizeof(*all));
	uint32_t na = 0;
	for (uint32_t i = 0; i < nk; i++) {
		if (trigger_set(s, kids[i], &all[na]))
			na++;
		else
			free(all[na].v), all[na] = (struct trig_set){ 0 };
	}
	free(kids);
	qsort(all, na, sizeof(*all), cmp_trig_cost);
	uint32_t ng = na < SG_MAX_GROUPS ? na : SG_MAX_GROUPS;
	for (uint32_t g = 0; g < ng; g++) {
		WH_GROW(out[g].v, all[g].n + 1, out[g].cap);
		if (all[g].n)
			memcpy(out[g].v, all[g].v, all[g].n * sizeof(uint32_t));
		out[g].n = all[g].n;
		out[g].cost = all[g].cost;
	}
	for (uint32_t i = 0; i <= na && i <= nk; i++)
		free(all[i].v);
	free(all);
	return ng;
}

/*
 * Literals each of which alone makes x hold (a literal leaf, an OR's
 * literal children, recursively), for negative checks: a unit that is an
 * AND with a child NOT x cannot hold when one of them is in the event, so
 * the marks say no before the unit is evaluated. "Image not ending with
 * .exe, .com ..." or "not Image contains \\" have no literal to wait for
 * and were evaluated on every process start; now a look at six marks
 * skips them. The marks are the ones the evaluation reads, so the answer is
 * the same.
 */
#define SG_NEG_GROUP 0x80000000u   /* in a unit's checks: a negative group */
#define SG_LEAF_GROUP 0x40000000u  /* ... whose id is its one literal's, not an OR's */
#define SG_MAX_NEG 64

static void sufficient_set(const struct sg_node *x, struct trig_set *out)
{
	switch (x->op) {
	case SG_N_LEAF:
		if (is_scanned(x->leaf) && out->n < SG_MAX_NEG) {
			WH_GROW(out->v, out->n + 1, out->cap);
			out->v[out->n++] = x->leaf->id;
		}
		return;
	case SG_N_OR:
		for (uint32_t i = 0; i < x->n; i++)
			if (x->kids[i]->op == SG_N_LEAF || x->kids[i]->op == SG_N_OR ||
			    (x->kids[i]->op == SG_N_AND && x->kids[i]->n == 1))
				sufficient_set(x->kids[i], out);
		return;
	case SG_N_AND:
		if (x->n == 1)
			sufficient_set(x->kids[0], out);
		return;
	default:
		return;
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Sort v and drop its repeats; returns how many are left. */
static uint32_t sort_unique(uint32_t *v, uint32_t n)
{
	qsort(v, n, sizeof(uint32_t), cmp_u32);
	uint32_t m = 0;
	for (uint32_t k = 0; k < n; k++)
		if (m == 0 || v[m - 1] != v[k])
			v[m++] = v[k];
	return m;
}

/*
 * The OR id of a set of literal leaves (n > 1): marked by the scan and the
 * memo whenever one of them is in the event. Equal sets share one id, so
 * a literal that many rules list alike (the shells in Image|endswith) marks
 * one id for all of them rather than one per rule. The id is added to the
 * leaves' lists when it is new.
 */
static uint32_t or_id(struct wh_sigma *s, const uint32_t *ids, uint32_t n)
{
	uint32_t *key = wh_xmalloc(n * sizeof(uint32_t));
	memcpy(key, ids, n * sizeof(uint32_t));
	uint32_t m = sort_unique(key, n);
	struct wh_map_slot *slot = wh_map_find(&s->or_sets, (const char *)key, m * sizeof(uint32_t));
	if (slot) {
		free(key);
		return (uint32_t)(uintptr_t)slot->val;
	}
	uint32_t *kept = wh_arena_alloc(&s->arena, m * sizeof(uint32_t));
	memcpy(kept, key, m * sizeof(uint32_t));
	free(key);
	key = kept;
	bool added;
	slot = wh_map_put(&s->or_sets, (const char *)key, m * sizeof(uint32_t), &added);
	uint32_t orid = ++s->nors;
	slot->val = (void *)(uintptr_t)orid;
	for (uint32_t k = 0; k < m; k++) {
		struct sg_leaf *l = s->leaves[key[k]];
		WH_GROW(l->ors, l->nors + 1, l->ors_cap);
		l->ors[l->nors++] = orid;
	}
	return orid;
}

/*
 * A check group as an OR of its literals: an id that the scan and the memo
 * mark, like an OR node's, whenever one of them is in the event, so that a
 * check reads one mark instead of one per literal (a process start read 79
 * marks spread over the leaves to rule out the 13 units its common literals
 * queue). In a unit's checks a group is its size (with SG_NEG_GROUP for a
 * negative one), this id, then its literals; evaluation reads the id alone.
 */
static void add_group(struct wh_sigma *s, struct sg_unit *un, const uint32_t *ids, uint32_t n, uint32_t flag)
{
	/* one literal: its own mark will do (an OR id would cost a mark more
	 * each time the literal occurs) */
	uint32_t orid = n == 1 ? ids[0] | SG_LEAF_GROUP : or_id(s, ids, n);
	un->checks = wh_xreallocarray(un->checks, un->nchecks + n + 2, sizeof(uint32_t));
	un->checks[un->nchecks++] = n | flag;
	un->checks[un->nchecks++] = orid;
	memcpy(un->checks + un->nchecks, ids, n * sizeof(uint32_t));
	un->nchecks += n;
}

/* Append the negative groups of n's top-level AND (see sufficient_set). */
static void negative_groups(struct wh_sigma *s, const struct sg_node *n, struct sg_unit *un, struct trig_set *tmp)
{
	if (n->op == SG_N_AND) {
		for (uint32_t i = 0; i < n->n; i++)
			negative_groups(s, n->kids[i], un, tmp);
		return;
	}
	if (n->op != SG_N_NOT)
		return;
	tmp->n = 0;
	sufficient_set(n->kids[0], tmp);
	if (!tmp->n)
		return;
	add_group(s, un, tmp->v, tmp->n, SG_NEG_GROUP);
}

/* EventID values of which one must hold for n to hold (same logic, EventID leaves only). */
static bool eventid_set(struct wh_sigma *s, uint32_t eid_field, const struct sg_node *n, struct trig_set *out)
{
	out->n = 0;
	switch (n->op) {
	case SG_N_FALSE:
		return true;
	case SG_N_LEAF: {
		const struct sg_leaf *l = n->leaf;
		if (l->field != eid_field || l->kind != SG_K_NUM || l->cmp != SG_CMP_EQ || l->isfloat || l->conv ||
		    l->inum < 0 || l->inum > INT32_MAX)
			return false;
		WH_GROW(out->v, 1, out->cap);
		out->v[out->n++] = (uint32_t)l->inum;
		return true;
	}
	case SG_N_OR: {
		struct trig_set k = { 0 };
		for (uint32_t i = 0; i < n->n; i++) {
			if (!eventid_set(s, eid_field, n->kids[i], &k) || out->n + k.n > 256) {
				free(k.v);
				return false;
			}
			WH_GROW(out->v, out->n + k.n, out->cap);
			memcpy(out->v + out->n, k.v, k.n * sizeof(uint32_t));
			out->n += k.n;
		}
		free(k.v);
		return true;
	}
	case SG_N_AND: {
		bool found = false;
		struct trig_set k = { 0 };
		for (uint32_t i = 0; i < n->n; i++) {
			if (!eventid_set(s, eid_field, n->kids[i], &k))
				continue;
			if (!found || k.n < out->n) {
				WH_GROW(out->v, k.n + 1, out->cap);
				memcpy(out->v, k.v, k.n * sizeof(uint32_t));
				out->n = k.n;
				found = true;
			}
		}
		free(k.v);
		return found;
	}
	default:
		return false;
	}
}

static bool same_renames(const struct sg_sel *a, const struct sg_sel *b)
{
	if (a->nren != b->nren)
		return false;
	for (uint32_t i = 0; i < a->nren; i++)
		if (strcmp(a->ren[i].to, b->ren[i].to) || strcmp(a->ren[i].from, b->ren[i].from) ||
		    a->ren[i].conv != b->ren[i].conv)
			return false;
	return true;
}

/* The targets of an entry: its selectors grouped by their renames. Made
 * once per entry; returns the first target and sets *n. */
static uint32_t entry_targets(struct wh_sigma *s, const struct sg_entry *e, uint32_t *n)
{
	for (uint32_t i = 0; i < s->ntargets; i++)
		if (s->targets[i].entry == e) {
			uint32_t k = i;
			while (k < s->ntargets && s->targets[k].entry == e)
				k++;
			*n = k - i;
			return i;
		}
	uint32_t first = s->ntargets;
	bool *done = wh_xcalloc(e->nsels + 1, 1);
	for (uint32_t i = 0; i < e->nsels; i++) {
		if (done[i])
			continue;
		WH_GROW(s->targets, s->ntargets + 1, s->targets_cap);
		struct sg_target *t = &s->targets[s->ntargets++];
		memset(t, 0, sizeof(*t));
		t->entry = e;
		t->sels = wh_xcalloc(e->nsels, sizeof(uint32_t));
		t->ren = e->sels[i].ren;
		t->nren = e->sels[i].nren;
		for (uint32_t j = i; j < e->nsels; j++)
			if (!done[j] && same_renames(&e->sels[i], &e->sels[j])) {
				done[j] = true;
				t->sels[t->nsels++] = j;
			}
	}
	free(done);
	*n = s->ntargets - first;
	return first;
}

static void add_unit_one(struct wh_sigma *s, uint32_t rule, uint32_t target, struct sg_node *expr)
{
	WH_GROW(s->units, s->nunits + 1, s->units_cap);
	struct sg_unit *u = &s->units[s->nunits++];
	memset(u, 0, sizeof(*u));
	u->rule = rule;
	u->target = target;
	u->expr = expr;
}

/*
 * A rule's detection as units, each of which alone makes the rule hold.
 * "1 of selection_* and not filter" is one unit per selection: a unit
 * waits for one group of literals and checks the others (trigger_groups),
 * and as one unit the OR of the selections had only the union of their
 * choices to wait for and nothing to check ("ParentImage ends with
 * rundll32.exe and Image ends with dllhost.exe", one of five selections,
 * was evaluated whenever one of the two held). So an OR at the top, or
 * the one OR of an AND whose other children are negations (the filters),
 * of at most SG_SPLIT children, is split, the filters going with each
 * part. Not when the AND has other literals to wait for: the parts would
 * all wait for the same ones, each a candidate where the whole was one.
 * Evaluations per covered event on the bench: 1.51 -> 0.79.
 */
#define SG_SPLIT 8

static void add_unit(struct wh_sigma *s, uint32_t rule, uint32_t target, struct sg_node *expr)
{
	if (expr->op == SG_N_OR && expr->n > 1 && expr->n <= SG_SPLIT) {
		for (uint32_t i = 0; i < expr->n; i++)
			add_unit_one(s, rule, target, expr->kids[i]);
		return;
	}
	uint32_t at = UINT32_MAX, nor = 0, nnot = 0;
	for (uint32_t i = 0; expr->op == SG_N_AND && i < expr->n; i++) {
		if (expr->kids[i]->op == SG_N_OR) {
			at = i;
			nor++;
		}
		nnot += expr->kids[i]->op == SG_N_NOT;
	}
	if (nor != 1 || nnot + 1 != expr->n || expr->kids[at]->n < 2 || expr->kids[at]->n > SG_SPLIT) {
		add_unit_one(s, rule, target, expr);
		return;
	}
	const struct sg_node *or = expr->kids[at];
	for (uint32_t b = 0; b < or->n; b++) {
		struct sg_node *and = wh_arena_calloc(&s->arena, sizeof(*and));
		*and = *expr;
		and->kids = wh_arena_alloc(&s->arena, expr->n * sizeof(*and->kids));
		memcpy(and->kids, expr->kids, expr->n * sizeof(*and->kids));
		and->kids[at] = or->kids[b];
		and->cost = expr->cost - or->cost + or->kids[b]->cost;
		add_unit_one(s, rule, target, and);
	}
}

static void apply_filters(struct wh_sigma *s)
{
	for (uint32_t i = 0; i < s->nrules; i++) {
		struct sg_rule *f = &s->rules[i];
		if (!f->pub.filter)
			continue;
		for (uint32_t k = 0; k < f->nfilter_refs; k++) {
			const char *ref = f->filter_refs[k];
			uintptr_t idx = (uintptr_t)wh_map_get(&s->by_id, ref, strlen(ref));
			if (!idx)
				idx = (uintptr_t)wh_map_get(&s->by_name, ref, strlen(ref));
			if (!idx) {
				sg_warn(s, f->pub.file, f->pub.line, f->pub.title, "filter names no loaded rule '%s'", ref);
				continue;
			}
			struct sg_rule *r = &s->rules[idx - 1];
			WH_GROW(r->filters, r->nfilters + 1, r->filters_cap);
			r->filters[r->nfilters++] = i;
		}
	}
}

static struct sg_node *with_filters(struct wh_sigma *s, struct sg_rule *r, struct sg_node *expr,
				    const struct sg_rename *ren, uint32_t nren)
{
	for (uint32_t k = 0; k < r->nfilters; k++) {
		struct sg_rule *f = &s->rules[r->filters[k]];
		const char *err;
		uint32_t line;
		struct sg_node *fx = nren ? sg_compile_detection(s, f, f->detection, ren, nren, &err, &line) : f->base;
		if (!fx)
			continue;
		/* the filter's condition says what to leave out */
		struct sg_node *notf = wh_arena_calloc(&s->arena, sizeof(*notf));
		notf->op = SG_N_NOT;
		notf->n = 1;
		notf->kids = wh_arena_alloc(&s->arena, sizeof(*notf->kids));
		notf->kids[0] = fx;
		notf->cost = fx->cost;
		struct sg_node *and = wh_arena_calloc(&s->arena, sizeof(*and));
		and->op = SG_N_AND;
		and->n = 2;
		and->kids = wh_arena_alloc(&s->arena, 2 * sizeof(*and->kids));
		and->kids[0] = expr;
		and->kids[1] = notf;
		and->cost = expr->cost + fx->cost;
		expr = and;
	}
	return expr;
}

struct build_pat {
	const char *s;
	uint32_t len;
	bool cased;
	uint32_t *leaves;
	uint32_t n, cap;
	bool single;             /* every leaf is decided by the first match */
};

/*
 * Compiled literal databases are cached on disk, keyed by a hash of the
 * field's patterns, because compiling every field of the public rule set
 * takes Hyperscan most of a second while loading a serialized database
 * takes milliseconds. The cache is $XDG_CACHE_HOME/whitehawk/hs (or
 * ~/.cache/whitehawk/hs; /var/cache/whitehawk/hs for root); WH_NO_CACHE=1
 * turns it off. A file that does not load is ignored and rewritten.
 */
static bool cache_dir(char *buf, size_t n)
{
	if (getenv("WH_NO_CACHE"))
		return false;
	const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int k;
	if (geteuid() == 0)
		k = snprintf(buf, n, "/var/cache/whitehawk/hs");
	else if (x && *x == '/')
		k = snprintf(buf, n, "%s/whitehawk/hs", x);
	else if (home && *home == '/')
		k = snprintf(buf, n, "%s/.cache/whitehawk/hs", home);
	else
		return false;
	if (k < 0 || (size_t)k >= n)
		return false;
	/* make the folders, one level at a time */
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(buf, 0755);
		*p = '/';
	}
	return mkdir(buf, 0755) == 0 || errno == EEXIST;
}

static hs_database_t *cache_load(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	hs_database_t *db = NULL;
	if (fstat(fd, &st) == 0 && st.st_size > 0 && st.st_size < (256 << 20)) {
		char *buf = wh_xmalloc((size_t)st.st_size);
		if (read(fd, buf, (size_t)st.st_size) == st.st_size &&
		    hs_deserialize_database(buf, (size_t)st.st_size, &db) != HS_SUCCESS)
			db = NULL;
		if (db)
			futimens(fd, NULL);   /* recently used: kept by cache_trim */
		free(buf);
	}
	close(fd);
	return db;
}

static void cache_store(const char *path, hs_database_t *db)
{
	char *bytes = NULL;
	size_t len = 0;
	if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS)
		return;
	char tmp[4300];
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		bool ok = write(fd, bytes, len) == (ssize_t)len;
		ok &= close(fd) == 0;
		if (!ok || rename(tmp, path) != 0)
			unlink(tmp);
	}
	free(bytes);
}

/*
 * The cache is content-addressed (a file per set of patterns), so several
 * rule sets can be warm at once; it is kept to SG_CACHE_FILES files by
 * removing the least recently used (a load refreshes a file's time).
 */
#define SG_CACHE_FILES 512

struct cache_ent {
	char name[64];
	int64_t mtime;
};

static int cmp_cache_ent(const void *a, const void *b)
{
	const struct cache_ent *x = a, *y = b;
	return x->mtime < y->mtime ? -1 : x->mtime > y->mtime;
}

static void cache_trim(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct cache_ent *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 65536) {
		size_t l = strlen(e->d_name);
		if (l < 4 || l >= sizeof(v->name) || strcmp(e->d_name + l - 3, ".hs") != 0)
			continue;
		struct stat st;
		if (fstatat(dirfd(d), e->d_name, &st, 0) != 0)
			continue;
		WH_GROW(v, n + 1, cap);
		memcpy(v[n].name, e->d_name, l + 1);
		v[n].mtime = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
		n++;
	}
	if (n > SG_CACHE_FILES) {
		qsort(v, n, sizeof(*v), cmp_cache_ent);
		for (size_t i = 0; i < n - SG_CACHE_FILES * 3 / 4; i++)
			unlinkat(dirfd(d), v[i].name, 0);
	}
	closedir(d);
	free(v);
}

static void eq_insert(struct sg_fielddb *d, uint64_t h, uint32_t leaf)
{
	uint32_t i = (uint32_t)h & d->eq_mask;
	while (d->eq[i].leaf)
		i = (i + 1) & d->eq_mask;
	d->eq[i].hash = h;
	d->eq[i].leaf = leaf + 1;
}

/*
 * One literal database: equality literals into a hash table, the others
 * into Hyperscan. `name` names it in messages and in the on-disk cache.
 * concat: the database scans the values of an event joined by SG_SEP, so a
 * pattern that contains SG_SEP could match across two values and must
 * report every match (the callback checks where it falls).
 */
/* ASCII upper case to lower case in 8 bytes at once (other bytes unchanged). */
static inline uint64_t fold8(uint64_t w)
{
	uint64_t low7 = w & 0x7f7f7f7f7f7f7f7full;
	uint64_t above_z = low7 + 0x2525252525252525ull;   /* high bit: byte > 'Z' */
	uint64_t from_a = low7 + 0x3f3f3f3f3f3f3f3full;    /* high bit: byte >= 'A' */
	uint64_t upper = ~w & (from_a ^ above_z) & 0x8080808080808080ull;
	return w | (upper >> 2);
}

/*
 * The last bytes of a key after its whole 8-byte words, as one
 * word: the 8 bytes that end the key when it is that long (they overlap
 * bytes already hashed, which the length in the seed makes harmless), else
 * two 4-byte loads or three single bytes. Copying the tail into a zeroed
 * word with a memcpy of variable length costs a failed store forwarding on
 * every value, which was the most expensive step of matching an event.
 */
static inline uint64_t tail_word(const char *p, size_t n)
{
	uint64_t w;
	if (n >= 8) {
		memcpy(&w, p + n - 8, 8);
		return w;
	}
	if (n >= 4) {
		uint32_t a, b;
		memcpy(&a, p, 4);
		memcpy(&b, p + n - 4, 4);
		return a | ((uint64_t)b >> ((8 - n) * 8)) << 32;
	}
	return (unsigned char)p[0] | (uint64_t)(unsigned char)p[n / 2] << 8 | (uint64_t)(unsigned char)p[n - 1] << 16;
}

/* A hash of n bytes as ASCII lower case, 8 bytes at a time (long literals
 * are hashed at every place their anchor occurs). */
static uint64_t hash_fold(const char *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		h = (h ^ fold8(w)) * 0xff51afd7ed558ccdull;
		h ^= h >> 29;
	}
	if (i < n)
		h = (h ^ fold8(tail_word(p, n))) * 0xc4ceb9fe1a85ec53ull;
	return wh_mix64(h);
}

/* The bloom filter's key for a long literal (at least SG_LONG_LIT bytes):
 * its length, first 16 and last 8 bytes, folded (paths share their
 * beginnings). Each place an anchor occurs is
 * checked against it before the whole literal is hashed: the anchors of
 * IOC lists (SHA256=) occur in every Hashes value, and hashing 71 bytes
 * behind each cost more than the rest of the value's matching. */
_Static_assert(SG_LONG_LIT >= 16, "quick_key reads 16 bytes of a long literal");

static inline uint64_t quick_key(const char *p, size_t len)
{
	uint64_t a, b, c;
	memcpy(&a, p, 8);
	memcpy(&b, p + 8, 8);
	memcpy(&c, p + len - 8, 8);
	uint64_t h = fold8(a) ^ (fold8(b) * 0x9e3779b97f4a7c15ull) ^ (fold8(c) * 0xc2b2ae3d27d4eb4full) ^ len;
	return wh_mix64(h);
}

/*
 * A key's word of the filter and its three bits there: one cache line per
 * lookup, as with one bit, but far fewer false yeses. With one bit in
 * 65,536 the 5,000 hashes of the public IOC rules let 7.5 % of the places
 * through to the literal table, whose lookups miss the caches (the
 * benchmark's Hashes values: 25,000 false lookups of 37,000); three bits of
 * a word let 1.5 % through (4,800 false lookups of 17,000).
 */
static inline uint64_t *bloom_word(uint64_t *bloom, uint64_t k)
{
	return &bloom[k & (SG_BLOOM_WORDS - 1)];
}

static inline uint64_t bloom_bits(uint64_t k)
{
	return 1ull << (k >> 58) | 1ull << ((k >> 52) & 63) | 1ull << ((k >> 46) & 63);
}

/* Literals of a field that begin alike: so do the field's values */
#define SG_COMMON_START 3

static inline bool is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool anchored(const struct sg_leaf *l)
{
	return (l->kind == SG_K_CONTAINS || l->kind == SG_K_STARTS) && l->len >= SG_LONG_LIT;
}

/* About how many of a field's long literals hold each window of
 * SG_ANCHOR bytes (folded): a count per hash of the window, the few
 * windows that share a count only make it larger. */
#define SG_WIN_BITS 16

struct win_count {
	uint16_t *n;             /* 1 << SG_WIN_BITS counts, saturating */
};

_Static_assert(SG_ANCHOR == 8, "a window is one 64-bit word");

static inline uint64_t window_at(const char *p)
{
	uint64_t w;
	memcpy(&w, p, 8);
	return fold8(w);
}

static inline uint16_t *win_count_of(const struct win_count *wc, const char *p)
{
	return &wc->n[wh_mix64(window_at(p)) >> (64 - SG_WIN_BITS)];
}

static inline void win_count_add(struct win_count *wc, const char *p)
{
	uint16_t *n = win_count_of(wc, p);
	if (*n < UINT16_MAX)
		(*n)++;
}

static inline bool common_start(const struct win_count *starts, const struct sg_leaf *l)
{
	return starts->n && *win_count_of(starts, l->s) >= SG_COMMON_START;
}

/* Count the long literals' first windows in *starts, and every window of
 * those whose start is common in *wins. */
static void win_count_init(struct win_count *starts, struct win_count *wins, struct sg_leaf **lv, uint32_t nl)
{
	uint32_t nlong = 0;
	for (uint32_t i = 0; i < nl && nlong < SG_COMMON_START; i++)
		nlong += anchored(lv[i]);
	if (nlong < SG_COMMON_START)
		return;   /* no start can be common: no tables (common_start) */
	starts->n = wh_xcalloc((size_t)1 << SG_WIN_BITS, sizeof(uint16_t));
	wins->n = wh_xcalloc((size_t)1 << SG_WIN_BITS, sizeof(uint16_t));
	for (uint32_t i = 0; i < nl; i++)
		if (anchored(lv[i]))
			win_count_add(starts, lv[i]->s);
	for (uint32_t i = 0; i < nl; i++) {
		const struct sg_leaf *l = lv[i];
		if (!anchored(l) || !common_start(starts, l))
			continue;
		for (uint32_t o = 0; o + SG_ANCHOR <= l->len; o++)
			win_count_add(wins, l->s + o);
	}
}

/*
 * Where in a long literal whose beginning is common (SG_COMMON_START of
 * the field's long literals share it) its anchor goes: at the window the
 * fewest of those literals share, the last of those. Literals share what
 * values share: the paths' beginnings ("C:\Windo" in every frame of a call
 * trace, "HKLM\SOFT" in every registry key), where an anchor at the start
 * stopped the scan at every frame (60 % of the anchor calls on the OTRF
 * data); their ends (a file, a value name) tell them apart. Literals that
 * begin their own way keep their beginning: one anchor serves all the
 * lengths behind it, and more anchors make Hyperscan slower.
 */
static uint32_t pick_window(const struct win_count *wc, const char *s, uint32_t len)
{
	uint32_t best = 0, bestn = UINT32_MAX;
	for (uint32_t o = 0; o + SG_ANCHOR <= len; o++) {
		uint32_t n = *win_count_of(wc, s + o);
		if (n <= bestn) {
			bestn = n;
			best = o;
		}
	}
	return best;
}

/* Take the long CONTAINS and STARTS literals out of lv into the anchor
 * tables of d; returns how many literals are left for Hyperscan itself.
 * *anchor_text gets the text of each anchor (owned by the leaves). */
static uint32_t split_long(struct wh_sigma *s, struct sg_fielddb *d, struct sg_leaf **lv, uint32_t nl,
			   const char ***anchor_text)
{
	(void)s;
	struct wh_map amap, lmap;
	wh_map_init(&amap, true);
	wh_map_init(&lmap, true);
	uint32_t *group = wh_xcalloc(nl + 1, sizeof(uint32_t));   /* anchor + 1, 0: not long */
	const char **atext = NULL;
	uint32_t acap = 0;
	struct win_count starts = { 0 }, wc = { 0 };
	win_count_init(&starts, &wc, lv, nl);
	for (uint32_t i = 0; i < nl; i++) {
		struct sg_leaf *l = lv[i];
		if (!anchored(l))
			continue;
		uint32_t alen = SG_ANCHOR, off = 0;
		uint32_t k = 0;
		while (k < SG_ANCHOR && is_alnum(l->s[k]))
			k++;
		if (k >= 3 && k < SG_ANCHOR && l->s[k] == '=')
			alen = k + 1;   /* a key: SHA256= */
		else if (common_start(&starts, l))
			off = pick_window(&wc, l->s, (uint32_t)l->len);
		bool added;
		struct wh_map_slot *slot = wh_map_put(&amap, l->s + off, alen, &added);
		if (added) {
			WH_GROW(d->anchors, d->nanchors + 1, acap);
			atext = wh_xreallocarray(atext, acap, sizeof(*atext));
			memset(&d->anchors[d->nanchors], 0, sizeof(d->anchors[0]));
			d->anchors[d->nanchors].alen = alen;
			atext[d->nanchors] = l->s + off;
			slot->val = (void *)(uintptr_t)(d->nanchors + 1);
			d->nanchors++;
		}
		uint32_t a = (uint32_t)(uintptr_t)slot->val - 1;
		struct sg_anchor *an = &d->anchors[a];
		uint32_t kept = an->nlens < SG_ANCHOR_LENS ? an->nlens : SG_ANCHOR_LENS;
		for (k = 0; k < kept && !(an->lens[k] == l->len && an->offs[k] == off); k++)
			;
		if (k == kept) {
			if (an->nlens < SG_ANCHOR_LENS) {
				an->lens[an->nlens] = (uint32_t)l->len;
				an->offs[an->nlens] = off;
			}
			an->nlens++;   /* past SG_ANCHOR_LENS: the anchor is given up below */
		}
		group[i] = a + 1;
	}
	/* anchors with too many lengths behind them leave their literals whole */
	uint32_t *renum = wh_xcalloc(d->nanchors + 1, sizeof(uint32_t));
	uint32_t na = 0;
	for (uint32_t a = 0; a < d->nanchors; a++) {
		if (d->anchors[a].nlens > SG_ANCHOR_LENS)
			continue;
		renum[a] = na + 1;
		d->anchors[na] = d->anchors[a];
		atext[na] = atext[a];
		na++;
	}
	d->nanchors = na;
	uint32_t m = 0, lcap = 0;
	for (uint32_t i = 0; i < nl; i++) {
		struct sg_leaf *l = lv[i];
		if (!group[i] || !renum[group[i] - 1]) {
			lv[m++] = l;
			continue;
		}
		bool added;
		struct wh_map_slot *slot = wh_map_put(&lmap, l->s, l->len, &added);
		if (added) {
			WH_GROW(d->lpats, d->nlpats + 1, lcap);
			d->lpat_text = wh_xreallocarray(d->lpat_text, lcap, sizeof(*d->lpat_text));
			memset(&d->lpats[d->nlpats], 0, sizeof(d->lpats[0]));
			d->lpats[d->nlpats].len = l->len;
			d->lpat_text[d->nlpats] = l->s;
			slot->val = (void *)(uintptr_t)(d->nlpats + 1);
			d->nlpats++;
		}
		struct sg_pat *p = &d->lpats[(uintptr_t)slot->val - 1];
		p->leaves = wh_xreallocarray(p->leaves, p->n + 1, sizeof(*p->leaves));
		p->leaves[p->n].leaf = l->id;
		p->leaves[p->n].kind = l->kind;
		p->n++;
	}
	if (d->nlpats) {
		uint32_t cap = 16;
		while (cap < d->nlpats * 2)
			cap *= 2;
		d->ltab = wh_xcalloc(cap, sizeof(*d->ltab));
		d->ltab_mask = cap - 1;
		d->lbloom = wh_xcalloc(SG_BLOOM_WORDS, sizeof(uint64_t));
		for (uint32_t i = 0; i < d->nlpats; i++) {
			uint64_t h = hash_fold(d->lpat_text[i], d->lpats[i].len);
			uint64_t b = quick_key(d->lpat_text[i], d->lpats[i].len);
			*bloom_word(d->lbloom, b) |= bloom_bits(b);
			uint32_t k = (uint32_t)h & d->ltab_mask;
			while (d->ltab[k].leaf)
				k = (k + 1) & d->ltab_mask;
			d->ltab[k].hash = h;
			d->ltab[k].leaf = i + 1;
		}
		s->stats.literals += d->nlpats;
	}
	free(group);
	free(renum);
	free(wc.n);
	free(starts.n);
	wh_map_release(&amap);
	wh_map_release(&lmap);
	*anchor_text = atext;
	return m;
}

static int build_db_prepare(struct wh_sigma *s, const char *name, struct sg_leaf **lv, uint32_t nl, bool concat,
			    struct sg_fielddb *d)
{
	/* whole-number equalities to their table */
	uint32_t nnum = 0;
	for (uint32_t i = 0; i < nl; i++)
		nnum += lv[i]->numlit;
	if (nnum) {
		uint32_t cap = 16;
		while (cap < nnum * 2)
			cap *= 2;
		d->num = wh_xcalloc(cap, sizeof(*d->num));
		d->num_mask = cap - 1;
		uint32_t m = 0;
		for (uint32_t i = 0; i < nl; i++) {
			struct sg_leaf *l = lv[i];
			if (!l->numlit) {
				lv[m++] = l;
				continue;
			}
			uint32_t k = (uint32_t)((uint64_t)l->inum * 0x9e3779b97f4a7c15ull >> 32) & d->num_mask;
			while (d->num[k].leaf)
				k = (k + 1) & d->num_mask;
			d->num[k].num = l->inum;
			d->num[k].leaf = l->id + 1;
		}
		nl = m;
		s->stats.literals += nnum;
	}
	/* equality literals go to the hash table, the others to Hyperscan */
	uint32_t neq = 0;
	for (uint32_t i = 0; i < nl; i++)
		neq += lv[i]->kind == SG_K_EQ;
	if (neq) {
		uint32_t cap = 16;
		while (cap < neq * 2)
			cap *= 2;
		d->eq = wh_xcalloc(cap, sizeof(*d->eq));
		d->eq_mask = cap - 1;
		uint32_t m = 0;
		for (uint32_t i = 0; i < nl; i++) {
			struct sg_leaf *l = lv[i];
			if (l->kind != SG_K_EQ) {
				lv[m++] = l;
				continue;
			}
			d->eq_cased |= l->cased;
			d->eq_lens |= 1ull << (l->len < 63 ? l->len : 63);
			if (l->len > d->eq_maxlen)
				d->eq_maxlen = (uint32_t)l->len;
			eq_insert(d, l->cased ? wh_hash_bytes(l->s, l->len) : wh_hash_bytes_nocase(l->s, l->len), l->id);
		}
		nl = m;
		s->stats.literals += neq;
	}
	const char **anchor_text = NULL;
	if (!concat)
		nl = split_long(s, d, lv, nl, &anchor_text);
	if (nl == 0 && d->nanchors == 0)
		return 0;
	struct wh_map pmap;
	wh_map_init(&pmap, false);
	struct build_pat *pats = NULL;
	size_t np = 0, pcap = 0;
	struct wh_sbuf key = WH_SBUF_INIT(SG_MAX_VALUE * 2);
	for (uint32_t i = 0; i < nl; i++) {
		struct sg_leaf *l = lv[i];
		size_t plen = l->len < SG_HS_MAX_PAT ? l->len : SG_HS_MAX_PAT;
		wh_sbuf_reset(&key);
		wh_sbuf_addch(&key, l->cased ? 'C' : 'i');
		wh_sbuf_add(&key, l->s, plen);
		if (!l->cased)
			for (size_t k = 1; k < key.len; k++)
				if (key.buf[k] >= 'A' && key.buf[k] <= 'Z')
					key.buf[k] = (char)(key.buf[k] + 32);
		bool added;
		char *k = wh_arena_alloc(&s->arena, key.len);
		memcpy(k, key.buf, key.len);
		struct wh_map_slot *slot = wh_map_put(&pmap, k, key.len, &added);
		if (added) {
			WH_GROW(pats, np + 1, pcap);
			memset(&pats[np], 0, sizeof(pats[np]));
			pats[np].s = l->s;
			pats[np].len = plen;
			pats[np].cased = l->cased;
			pats[np].single = true;
			slot->val = (void *)(uintptr_t)(np + 1);
			np++;
		}
		struct build_pat *p = &pats[(uintptr_t)slot->val - 1];
		WH_GROW(p->leaves, p->n + 1, p->cap);
		p->leaves[p->n++] = l->id;
		/* a prefix (SG_HS_MAX_PAT) may match first where the rest does not */
		if (l->kind == SG_K_EQ || l->kind == SG_K_ENDS || l->len > plen || (concat && memchr(l->s, SG_SEP, l->len)))
			p->single = false;
	}
	wh_sbuf_release(&key);
	wh_map_release(&pmap);
	struct hs_job *j = &d->job;
	size_t nall = np + d->nanchors;
	j->exprs = wh_xcalloc(nall, sizeof(char *));
	j->flags = wh_xcalloc(nall, sizeof(unsigned));
	j->ids = wh_xcalloc(nall, sizeof(unsigned));
	j->lens = wh_xcalloc(nall, sizeof(size_t));
	j->np = nall;
	for (uint32_t a = 0; a < d->nanchors; a++) {
		j->exprs[np + a] = anchor_text[a];
		j->lens[np + a] = d->anchors[a].alen;
		j->ids[np + a] = (unsigned)(np + a);
		j->flags[np + a] = HS_FLAG_CASELESS;
	}
	if (np == 0 && d->nanchors > 0 && d->nanchors <= SG_ANCHOR_ONLY) {
		char end = anchor_text[0][d->anchors[0].alen - 1];
		bool same = !((end >= 'a' && end <= 'z') || (end >= 'A' && end <= 'Z'));
		for (uint32_t a = 1; a < d->nanchors && same; a++)
			same = anchor_text[a][d->anchors[a].alen - 1] == end;
		if (same && end) {
			d->anchor_end = end;
			d->atext = anchor_text;
			anchor_text = NULL;
		}
	}
	free(anchor_text);
	j->name = name;
	d->pats = wh_xcalloc(np, sizeof(*d->pats));
	d->npats = (uint32_t)np;
	for (size_t i = 0; i < np; i++) {
		j->exprs[i] = pats[i].s;
		j->lens[i] = pats[i].len;
		j->ids[i] = (unsigned)i;
		j->flags[i] = (pats[i].cased ? 0 : HS_FLAG_CASELESS) | (pats[i].single ? HS_FLAG_SINGLEMATCH : 0);
		d->pats[i].len = pats[i].len;
		d->pats[i].n = pats[i].n;
		d->pats[i].leaves = wh_xcalloc(pats[i].n, sizeof(struct sg_patleaf));
		for (uint32_t k = 0; k < pats[i].n; k++) {
			const struct sg_leaf *l = s->leaves[pats[i].leaves[k]];
			d->pats[i].leaves[k].leaf = l->id;
			d->pats[i].leaves[k].kind = l->kind;
			d->pats[i].leaves[k].tail = l->len > pats[i].len;
		}
		free(pats[i].leaves);
	}
	free(pats);
	/* the cache key: every pattern with its flags, in order */
	char dir[4096];
	if (cache_dir(dir, sizeof(dir))) {
		const char *ver = hs_version();
		uint64_t h = wh_hash_bytes(ver, strlen(ver));
		for (size_t i = 0; i < nall; i++) {
			uint64_t part[3] = { j->flags[i], j->lens[i], wh_hash_bytes(j->exprs[i], j->lens[i]) };
			h = h * 0x100000001b3ull ^ wh_hash_bytes(part, sizeof(part));
		}
		snprintf(j->path, sizeof(j->path), "%s/%016llx-%zu.hs", dir, (unsigned long long)h, nall);
		d->db = cache_load(j->path);
		j->done = d->db != NULL;
	}
	j->db = &d->db;
	return 0;
}

/* Compile a prepared database (any thread: Hyperscan's compiler is
 * reentrant). */
static void hs_job_run(struct hs_job *j)
{
	if (j->done || !j->np)
		return;
	j->rc = hs_compile_lit_multi(j->exprs, j->flags, j->ids, j->lens, (unsigned)j->np, HS_MODE_BLOCK, NULL, j->db,
				     &j->err);
	j->compiled = j->rc == HS_SUCCESS;
}

/* After the compile: report, cache, scratch space. */
static int hs_job_finish(struct wh_sigma *s, struct hs_job *j)
{
	int rc = 0;
	if (j->np && j->rc != HS_SUCCESS) {
		wh_error("sigma: cannot compile the literals of field '%s': %s", j->name,
			 j->err && j->err->message ? j->err->message : "hyperscan error");
		hs_free_compile_error(j->err);
		rc = -1;
	} else if (j->np) {
		if (j->compiled && *j->path) {
			cache_store(j->path, *j->db);
			s->cache_stored = true;
		}
		if (hs_alloc_scratch(*j->db, (hs_scratch_t **)&s->hs_scratch) != HS_SUCCESS)
			rc = wh_error("sigma: cannot allocate Hyperscan scratch space");
		s->stats.literals += (uint32_t)j->np;
		s->stats.fields++;
	}
	free(j->exprs);
	free(j->flags);
	free(j->ids);
	free(j->lens);
	memset(j, 0, sizeof(*j));
	return rc;
}

static int build_db(struct wh_sigma *s, const char *name, struct sg_leaf **lv, uint32_t nl, bool concat,
		    struct sg_fielddb *d)
{
	if (build_db_prepare(s, name, lv, nl, concat, d) < 0)
		return -1;
	hs_job_run(&d->job);
	return hs_job_finish(s, &d->job);
}

static int build_field_db(struct wh_sigma *s, uint32_t fid, struct sg_leaf **lv, uint32_t nl)
{
	struct sg_fielddb *d = wh_xcalloc(1, sizeof(*d));
	s->fields[fid].db = d;
	s->fields[fid].scanned = true;
	return build_db_prepare(s, s->fields[fid].name, lv, nl, false, d);
}

/* What marking a literal leaf sets, packed per leaf (see struct sg_lit). */
static void pack_literals(struct wh_sigma *s)
{
	size_t total = 0;
	for (uint32_t i = 0; i < s->nleaves; i++)
		total += (size_t)s->leaves[i]->nors + s->leaves[i]->ntrig;
	s->lit = wh_xcalloc(s->nleaves + 1, sizeof(*s->lit));
	s->lit_pool = wh_xcalloc(total + 1, sizeof(uint32_t));
	uint32_t off = 0;
	for (uint32_t i = 0; i < s->nleaves; i++) {
		const struct sg_leaf *l = s->leaves[i];
		s->lit[i].off = off;
		s->lit[i].nors = l->nors;
		s->lit[i].ntrig = l->ntrig;
		if (l->nors)
			memcpy(s->lit_pool + off, l->ors, l->nors * sizeof(uint32_t));
		off += l->nors;
		if (l->ntrig)
			memcpy(s->lit_pool + off, l->trig, l->ntrig * sizeof(uint32_t));
		off += l->ntrig;
	}
}

/* Literal leaves that a scan decides become SG_N_LIT nodes. */
static void lit_nodes(struct wh_sigma *s, struct sg_node *n)
{
	if (n->op == SG_N_LEAF) {
		const struct sg_leaf *l = n->leaf;
		if (is_scanned(l) && s->fields[l->field].scanned) {
			n->op = SG_N_LIT;
			n->lid = l->id;
		}
		return;
	}
	if (n->op == SG_N_LIT)
		return;
	for (uint32_t i = 0; i < n->n; i++)
		lit_nodes(s, n->kids[i]);
}

/* Does every leaf of n look at one field's value alone (no keywords, no
 * reference to another field)? *f gets the field. */
static bool single_field(const struct sg_node *n, uint32_t *f)
{
	if (n->op == SG_N_LEAF || n->op == SG_N_LIT) {
		const struct sg_leaf *l = n->leaf;
		if (l->keyword || l->field == SG_KEYWORD || l->kind == SG_K_FIELDREF || (*f != SG_NONE && *f != l->field))
			return false;
		*f = l->field;
		return true;
	}
	if (n->op == SG_N_TRUE || n->op == SG_N_FALSE)
		return true;
	for (uint32_t i = 0; i < n->n; i++)
		if (!single_field(n->kids[i], f))
			return false;
	return true;
}

/* A negative group of unit u whose literals are all on one field, which a
 * memo entry of that field can then decide (fold_units): the field, and in
 * *g the group's OR id; SG_NONE when there is none. */
static uint32_t neg_group_field(const struct wh_sigma *s, uint32_t u, uint32_t *g)
{
	const struct sg_unit *un = &s->units[u];
	const uint32_t *c = un->checks;
	for (uint32_t i = 0; i < un->nchecks;) {
		uint32_t w = c[i], n = w & ~SG_NEG_GROUP, f = SG_NONE, k;
		if (w & SG_NEG_GROUP) {
			for (k = 0; k < n; k++) {
				const struct sg_leaf *l = s->leaves[c[i + 2 + k]];
				if (l->keyword || (f != SG_NONE && l->field != f))
					break;
				f = l->field;
			}
			if (k == n && f != SG_NONE) {
				*g = c[i + 1];
				return f;
			}
		}
		i += 2 + n;
	}
	return SG_NONE;
}

enum { SG_F_AND, SG_F_OR, SG_F_ORM, SG_F_NOT, SG_F_LIT, SG_F_LEAF, SG_F_TRUE, SG_F_FALSE, SG_F_NET };

/* A cidr leaf that can join its OR siblings in one set of networks. */
static bool net_leaf(const struct sg_node *n)
{
	return n->op == SG_N_LEAF && n->leaf->kind == SG_K_CIDR && !n->leaf->keyword &&
	       n->leaf->field != SG_KEYWORD && n->leaf->conv == SG_CONV_NONE;
}

static void flatten(struct wh_sigma *s, const struct sg_node *n);

/*
 * The children of an OR: the cidr leaves on one field, when there are two
 * or more, as one SG_F_NET node whose argument is their set of networks;
 * the others as they are. The OR holds when a value is in one network,
 * that is in their union.
 */
static void flatten_or(struct wh_sigma *s, struct sg_node *const *kids, uint32_t n)
{
	bool *done = wh_xcalloc(n ? n : 1, sizeof(bool));
	for (uint32_t i = 0; i < n; i++) {
		if (done[i])
			continue;
		uint32_t f = net_leaf(kids[i]) ? kids[i]->leaf->field : SG_NONE, same = 0;
		for (uint32_t k = i; k < n && f != SG_NONE; k++)
			same += net_leaf(kids[k]) && kids[k]->leaf->field == f;
		if (same < 2) {
			flatten(s, kids[i]);
			continue;
		}
		WH_GROW(s->nets, s->nnets + 1, s->nets_cap);
		struct sg_netset *ns = &s->nets[s->nnets];
		memset(ns, 0, sizeof(*ns));
		ns->field = f;
		for (uint32_t k = i; k < n; k++)
			if (net_leaf(kids[k]) && kids[k]->leaf->field == f) {
				sg_netset_add(ns, kids[k]->leaf);
				done[k] = true;
			}
		sg_netset_seal(ns);
		WH_GROW(s->prog, s->nprog + 2, s->prog_cap);
		s->prog[s->nprog++] = SG_F_NET | 1u << 4;
		s->prog[s->nprog++] = s->nnets++;
	}
	free(done);
}

/* Append a tree to prog (see struct sg_uhot). An OR the scan marks keeps
 * only its other children: a literal child that holds has marked it. */
static void flatten(struct wh_sigma *s, const struct sg_node *n)
{
	uint32_t at = s->nprog, op, arg = 0;
	WH_GROW(s->prog, s->nprog + 2, s->prog_cap);
	s->nprog += 2;
	switch (n->op) {
	case SG_N_AND:
		op = SG_F_AND;
		for (uint32_t i = 0; i < n->n; i++)
			flatten(s, n->kids[i]);
		break;
	case SG_N_OR:
		if (n->orid) {
			op = SG_F_ORM;
			arg = n->orid;
			flatten_or(s, n->rest, n->nrest);
		} else {
			op = SG_F_OR;
			flatten_or(s, n->kids, n->n);
		}
		break;
	case SG_N_NOT:
		op = SG_F_NOT;
		flatten(s, n->kids[0]);
		break;
	case SG_N_LIT:
		op = SG_F_LIT;
		arg = n->lid;
		break;
	case SG_N_LEAF:
		op = SG_F_LEAF;
		arg = n->leaf->id;
		break;
	case SG_N_TRUE:
		op = SG_F_TRUE;
		break;
	default:
		op = SG_F_FALSE;
		break;
	}
	s->prog[at] = op | (s->nprog - at) / 2 << 4;
	s->prog[at + 1] = arg;
}

struct job_pool {
	struct hs_job **jobs;
	uint32_t n;
	atomic_uint next;
};

static void *job_worker(void *arg)
{
	struct job_pool *p = arg;
	for (;;) {
		uint32_t i = atomic_fetch_add(&p->next, 1);
		if (i >= p->n)
			return NULL;
		hs_job_run(p->jobs[i]);
	}
}

static int cmp_job_size(const void *a, const void *b)
{
	const struct hs_job *x = *(struct hs_job *const *)a, *y = *(struct hs_job *const *)b;
	return x->np > y->np ? -1 : x->np < y->np;
}

/*
 * Compile the field databases that the cache did not have, on up to
 * SG_COMPILE_THREADS threads (largest first, so that the big ones do not
 * end up last), then finish them in field order on this thread. The
 * public rule set spends most of its load time here when the cache is cold.
 */
#define SG_COMPILE_THREADS 4

static int compile_jobs(struct wh_sigma *s)
{
	struct job_pool p = { .jobs = wh_xcalloc(s->nfields + 1, sizeof(struct hs_job *)) };
	atomic_init(&p.next, 0);
	for (uint32_t f = 0; f < s->nfields; f++) {
		struct sg_fielddb *d = s->fields[f].db;
		if (d && d->job.np && !d->job.done)
			p.jobs[p.n++] = &d->job;
	}
	qsort(p.jobs, p.n, sizeof(*p.jobs), cmp_job_size);
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	uint32_t nt = cpus > 1 ? (uint32_t)(cpus < SG_COMPILE_THREADS ? cpus : SG_COMPILE_THREADS) : 1;
	if (nt > p.n)
		nt = p.n ? p.n : 1;
	pthread_t th[SG_COMPILE_THREADS];
	uint32_t started = 0;
	for (uint32_t i = 1; i < nt; i++)
		if (pthread_create(&th[started], NULL, job_worker, &p) == 0)
			started++;
	job_worker(&p);
	for (uint32_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	free(p.jobs);
	int rc = 0;
	for (uint32_t f = 0; f < s->nfields; f++) {
		struct sg_fielddb *d = s->fields[f].db;
		if (d && hs_job_finish(s, &d->job) < 0)
			rc = -1;
	}
	char dir[4096];
	if (s->cache_stored && cache_dir(dir, sizeof(dir)))
		cache_trim(dir);
	return rc;
}

static int cmp_leaf_field(const void *a, const void *b)
{
	const struct sg_leaf *x = *(struct sg_leaf *const *)a, *y = *(struct sg_leaf *const *)b;
	return x->field < y->field ? -1 : x->field > y->field;
}

static void add_field(uint32_t **v, uint32_t *n, uint32_t *cap, uint32_t f)
{
	for (uint32_t k = 0; k < *n; k++)
		if ((*v)[k] == f)
			return;
	WH_GROW(*v, *n + 1, *cap);
	(*v)[(*n)++] = f;
}

/* Walk a unit's tree: note keyword leaves, and give OR nodes with literal
 * children an id that the scan can mark. */
static void prepare_node(struct wh_sigma *s, struct sg_node *n, struct sg_unit *u)
{
	if (n->op == SG_N_LEAF) {
		const struct sg_leaf *l = n->leaf;
		u->keywords |= l->keyword;
		if (!l->keyword) {
			add_field(&u->allfields, &u->nallfields, &u->allfields_cap, l->field);
			if (l->kind == SG_K_FIELDREF)
				add_field(&u->allfields, &u->nallfields, &u->allfields_cap, l->fref_field);
		}
		if (l->keyword) {
			uint32_t id = is_literal(l) ? l->id : l->hint;
			if (id != SG_NONE) {
				WH_GROW(u->kwleaves, u->nkwleaves + 1, u->kwleaves_cap);
				u->kwleaves[u->nkwleaves++] = id;
			}
			return;
		}
		if (is_scanned(l) || l->hint != SG_NONE) {
			uint32_t k;
			for (k = 0; k < u->nfields && u->fields[k] != l->field; k++)
				;
			if (k == u->nfields) {
				WH_GROW(u->fields, u->nfields + 1, u->fields_cap);
				u->fields[u->nfields++] = l->field;
			}
		}
		return;
	}
	for (uint32_t i = 0; i < n->n; i++)
		prepare_node(s, n->kids[i], u);
	if (n->op != SG_N_OR || n->orid)
		return;
	uint32_t nlit = 0;
	for (uint32_t i = 0; i < n->n; i++)
		nlit += n->kids[i]->op == SG_N_LEAF && is_scanned(n->kids[i]->leaf);
	if (nlit < SG_OR_MARKED)
		return;
	uint32_t *lits = wh_xmalloc(nlit * sizeof(uint32_t)), nl = 0;
	n->rest = wh_arena_alloc(&s->arena, (n->n - nlit + 1) * sizeof(*n->rest));
	for (uint32_t i = 0; i < n->n; i++) {
		struct sg_node *k = n->kids[i];
		if (k->op == SG_N_LEAF && is_scanned(k->leaf))
			lits[nl++] = k->leaf->id;
		else
			n->rest[n->nrest++] = k;
	}
	n->orid = or_id(s, lits, nl);
	free(lits);
}

int wh_sigma_compile(struct wh_sigma *s)
{
	if (s->compiled)
		return 0;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	s->compiled = true;
	sg_corr_resolve(s);
	apply_filters(s);
	/* units */
	for (uint32_t i = 0; i < s->nrules; i++) {
		struct sg_rule *r = &s->rules[i];
		if (r->pub.correlation || r->pub.filter || !r->entry || !r->base)
			continue;
		if (!r->pub.enabled && !r->ncorrs)
			continue;
		uint32_t nt, first = entry_targets(s, r->entry, &nt);
		for (uint32_t t = first; t < first + nt; t++) {
			const struct sg_target *tg = &s->targets[t];
			struct sg_node *x = r->base;
			if (tg->nren) {
				const char *err;
				uint32_t line;
				x = sg_compile_detection(s, r, r->detection, tg->ren, tg->nren, &err, &line);
				if (!x)
					continue;
			}
			add_unit(s, i, t, with_filters(s, r, x, tg->ren, tg->nren));
		}
	}
	/* keyword leaves search every field: they get a pseudo-field of their
	 * own, so their literals go through Hyperscan like the others */
	s->kw_field = sg_field_id(s, "\x01keywords", 9);
	for (uint32_t i = 0; i < s->nleaves; i++)
		if (s->leaves[i]->field == SG_KEYWORD) {
			s->leaves[i]->field = s->kw_field;
			s->leaves[i]->keyword = true;
		}
	for (uint32_t i = 0; i < s->nleaves; i++)
		s->leaves[i]->numlit = numlit_ok(s->leaves[i]);
	for (uint32_t u = 0; u < s->nunits; u++)
		prepare_node(s, s->units[u].expr, &s->units[u]);
	/* how many units have each leaf */
	for (uint32_t u = 0; u < s->nunits; u++)
		count_refs(s, s->units[u].expr, u + 1);
	/* triggers */
	uint32_t eid = sg_field_id(s, "EventID", 7);
	struct trig_set ts = { 0 };
	struct trig_set groups[SG_MAX_GROUPS] = { 0 };
	for (uint32_t u = 0; u < s->nunits; u++) {
		struct sg_unit *un = &s->units[u];
		mark_used(s, un->expr);
		uint32_t ng = trigger_groups(s, un->expr, groups);
		/* the most selective group triggers; the others are checked */
		for (uint32_t k = 0; ng && k < groups[0].n; k++) {
			struct sg_leaf *l = s->leaves[groups[0].v[k]];
			if (l->ntrig && l->trig[l->ntrig - 1] == u)
				continue;
			WH_GROW(l->trig, l->ntrig + 1, l->trig_cap);
			l->trig[l->ntrig++] = u;
		}
		for (uint32_t g = 1; g < ng; g++) {
			if (groups[g].n > SG_MAX_CHECK)
				continue;
			add_group(s, un, groups[g].v, groups[g].n, 0);
		}
		negative_groups(s, un->expr, un, &ts);
		if (ng == 0) {
			un->always = true;
			s->stats.always++;
		}
		if (eventid_set(s, eid, un->expr, &ts) && ts.n) {
			un->eventids = wh_xmalloc(ts.n * sizeof(uint32_t));
			memcpy(un->eventids, ts.v, ts.n * sizeof(uint32_t));
			un->neventids = ts.n;
		}
	}
	free(ts.v);
	for (uint32_t g = 0; g < SG_MAX_GROUPS; g++)
		free(groups[g].v);
	s->stats.units = s->nunits;
	/* one literal database per field */
	struct sg_leaf **lits = wh_xcalloc(s->nleaves + 1, sizeof(*lits));
	uint32_t nl = 0;
	for (uint32_t i = 0; i < s->nleaves; i++) {
		struct sg_leaf *l = s->leaves[i];
		if (l->used && l->keyword && is_literal(l))
			s->fields[s->kw_field].scanned = true;   /* by the views' keyword databases */
		else if (l->used && is_scanned(l))
			lits[nl++] = l;
	}
	qsort(lits, nl, sizeof(*lits), cmp_leaf_field);
	int rc = 0;
	for (uint32_t i = 0; i < nl && rc == 0;) {
		uint32_t j = i;
		while (j < nl && lits[j]->field == lits[i]->field)
			j++;
		rc = build_field_db(s, lits[i]->field, lits + i, j - i);
		i = j;
	}
	free(lits);
	if (rc == 0)
		rc = compile_jobs(s);
	/* per-event state */
	/* the OR marks right after the leaves', so that a memo entry's marks are
	 * one list (memo_store) */
	s->leaf_epoch = wh_xcalloc((size_t)s->nleaves + 1 + s->nors + 1, 1);
	s->or_epoch = s->leaf_epoch + s->nleaves + 1;
	s->leaf_val = wh_xcalloc(s->nleaves + 1, 1);
	s->unit_epoch = wh_xcalloc(s->nunits + 1, 1);
	s->field_epoch = wh_xcalloc(s->nfields + 1, sizeof(uint32_t));
	s->field_head = wh_xcalloc(s->nfields + 1, sizeof(uint32_t));
	s->rec_stamp = wh_xcalloc(s->nleaves + 1, sizeof(uint32_t));
	s->rule_hit = wh_xcalloc(s->nrules + 1, 1);
	pack_literals(s);
	for (uint32_t u = 0; u < s->nunits; u++)
		lit_nodes(s, s->units[u].expr);
	s->uhot = wh_xcalloc(s->nunits + 1, sizeof(*s->uhot));
	for (uint32_t u = 0; u < s->nunits; u++) {
		const struct sg_unit *un = &s->units[u];
		struct sg_uhot *h = &s->uhot[u];
		h->rule = un->rule;
		h->off = s->nprog;
		WH_GROW(s->prog, s->nprog + un->nchecks, s->prog_cap);
		for (uint32_t i = 0; i < un->nchecks; i += 2 + (un->checks[i] & ~SG_NEG_GROUP))
			s->prog[s->nprog++] = (un->checks[i] & SG_NEG_GROUP) | un->checks[i + 1];
		h->nchecks = s->nprog - h->off;
		h->check0 = h->nchecks ? s->prog[h->off] : 0;
		flatten(s, un->expr);
	}
	s->memo = wh_xcalloc(SG_MEMO_SLOTS, sizeof(*s->memo));
	s->lres = wh_xcalloc(SG_LRES_SLOTS, sizeof(*s->lres));
	s->field_gen = wh_xcalloc(s->nfields + 1, sizeof(*s->field_gen));
	s->field_fold = wh_xcalloc(s->nfields + 1, sizeof(uint32_t));
	for (uint32_t u = 0; u < s->nunits; u++) {
		uint32_t f = SG_NONE, g = SG_NONE;
		if (!s->units[u].always)
			continue;
		if (!single_field(s->units[u].expr, &f) || f == SG_NONE)
			f = neg_group_field(s, u, &g);
		if (f == SG_NONE || !s->fields[f].scanned)
			continue;
		struct sg_field *fd = &s->fields[f];
		fd->fold = wh_xreallocarray(fd->fold, fd->nfold + 1, sizeof(uint32_t));
		fd->fold_grp = wh_xreallocarray(fd->fold_grp, fd->nfold + 1, sizeof(uint32_t));
		fd->fold_grp[fd->nfold] = g;
		fd->fold[fd->nfold++] = u;
		s->uhot[u].single = f + 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s->stats.compile_ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	return rc;
}

/* ---- views ---- */

/* The keyword database for a set of keyword leaves (sorted, no repeats):
 * shared by every view that needs the same set. NULL when it cannot be
 * built (reported). */
static const struct sg_fielddb *kw_db(struct wh_sigma *s, const uint32_t *ids, uint32_t n, uint32_t *id)
{
	uint64_t key = wh_hash_bytes(ids, n * sizeof(uint32_t)) ^ n;
	for (uint32_t i = 0; i < s->nkwdbs; i++)
		if (s->kwdbs[i]->key == key) {
			*id = i + 1;
			return &s->kwdbs[i]->db;
		}
	struct sg_kwdb *k = wh_xcalloc(1, sizeof(*k));
	k->key = key;
	struct sg_leaf **lv = wh_xcalloc(n + 1, sizeof(*lv));
	for (uint32_t i = 0; i < n; i++)
		lv[i] = s->leaves[ids[i]];
	int rc = build_db(s, "keywords", lv, n, true, &k->db);
	free(lv);
	WH_GROW(s->kwdbs, s->nkwdbs + 1, s->kwdbs_cap);
	s->kwdbs[s->nkwdbs++] = k;
	*id = s->nkwdbs;
	return rc < 0 ? NULL : &k->db;
}

/*
 * The keywords of every view made so far, as one database, made when first
 * needed after a view brought new ones (kw_union); NULL when none has any.
 * Each new union is a new generation, and the memo entries searched
 * against an older one no longer count as searched. The union of every
 * rule's keywords (331 on the public set, Linux's and the web servers'
 * among them) made each new value's search cost twice the view's (20).
 */
static const struct sg_fielddb *kw_all(struct wh_sigma *s)
{
	if (s->kwall_stale) {
		s->kwall_stale = false;
		uint32_t id;
		const struct sg_fielddb *d = kw_db(s, s->kwu, s->nkwu, &id);
		s->kwall = d && d->db ? d : NULL;
	}
	return s->kwall;
}

/* Add a view's keyword leaves to the union. */
static void kw_union(struct wh_sigma *s, const uint32_t *kw, uint32_t n)
{
	uint32_t *u = wh_xreallocarray(NULL, s->nkwu + n + 1, sizeof(uint32_t));
	if (s->nkwu)
		memcpy(u, s->kwu, s->nkwu * sizeof(uint32_t));
	memcpy(u + s->nkwu, kw, n * sizeof(uint32_t));
	uint32_t m = sort_unique(u, s->nkwu + n);
	if (m == s->nkwu) {
		free(u);
		return;
	}
	free(s->kwu);
	s->kwu = u;
	s->nkwu = m;
	s->kwall_stale = true;
	if (++s->kwall_gen == 0) {
		/* the count wrapped: no entry counts as searched */
		for (uint32_t j = 0; s->memo && j < SG_MEMO_SLOTS; j++)
			s->memo[j].kw = 0;
		s->kwall_gen = 1;
	}
}

static struct sg_view *make_view(struct wh_sigma *s, const struct wh_event *ev)
{
	struct sg_view *v = wh_xcalloc(1, sizeof(*v));
	v->uid = ++s->view_uid;
	size_t words = (s->nunits + 63) / 64 + 1;
	v->allowed = wh_xcalloc(words, sizeof(uint64_t));
	v->scan = wh_xcalloc(s->nfields / 64 + 1, sizeof(uint64_t));
	v->need = wh_xcalloc(s->nfields / 64 + 1, sizeof(uint64_t));
	bool *tmatch = wh_xcalloc(s->ntargets + 1, 1);
	for (uint32_t t = 0; t < s->ntargets; t++) {
		const struct sg_target *tg = &s->targets[t];
		for (uint32_t k = 0; k < tg->nsels && !tmatch[t]; k++)
			tmatch[t] = sg_sel_match(&tg->entry->sels[tg->sels[k]], ev);
	}
	uint32_t cap = 0;
	uint32_t *kw = NULL, nkw = 0, kwcap = 0;
	for (uint32_t u = 0; u < s->nunits; u++) {
		const struct sg_unit *un = &s->units[u];
		if (!tmatch[un->target])
			continue;
		if (un->neventids) {
			uint32_t k;
			for (k = 0; k < un->neventids && (int64_t)un->eventids[k] != ev->event_id; k++)
				;
			if (k == un->neventids)
				continue;
		}
		v->allowed[u / 64] |= 1ull << (u % 64);
		v->any = true;
		v->keywords |= un->keywords;
		if (un->nkwleaves) {
			WH_GROW(kw, nkw + un->nkwleaves, kwcap);
			memcpy(kw + nkw, un->kwleaves, un->nkwleaves * sizeof(uint32_t));
			nkw += un->nkwleaves;
		}
		for (uint32_t k = 0; k < un->nfields; k++)
			v->scan[un->fields[k] / 64] |= 1ull << (un->fields[k] % 64);
		for (uint32_t k = 0; k < un->nallfields; k++)
			v->need[un->allfields[k] / 64] |= 1ull << (un->allfields[k] % 64);
		if (un->always) {
			WH_GROW(v->always, v->nalways + 1, cap);
			v->always[v->nalways++] = u;
		}
	}
	free(tmatch);
	if (nkw) {
		uint32_t m = sort_unique(kw, nkw);
		v->kwdb = kw_db(s, kw, m, &v->kwid);
		if (!v->kwdb || !v->kwdb->db)
			v->kwid = 0;
		else
			kw_union(s, kw, m);
	}
	free(kw);
	return v;
}

static struct sg_view *view_lookup(struct wh_sigma *s, const struct wh_event *ev);

static inline bool view_is(const struct sg_view *v, const struct wh_event *ev)
{
	return v->event_id == ev->event_id && v->kind == (uint8_t)ev->kind && strcmp(v->channel, ev->channel) == 0 &&
	       strcmp(v->provider, ev->provider) == 0 && strcmp(v->format, ev->format ? ev->format : "") == 0;
}

static struct sg_view *get_view(struct wh_sigma *s, const struct wh_event *ev)
{
	/* the views of the last few events, compared as they are: a log holds
	 * a handful of event types, so the key below is rarely built */
	for (uint32_t i = 0; i < SG_RECENT_VIEWS && s->recent[i]; i++)
		if (view_is(s->recent[i], ev))
			return s->recent[i];
	struct sg_view *v = view_lookup(s, ev);
	if (!view_is(v, ev)) {
		/* known under another spelling (the key folds case): remember
		 * this spelling too */
		free(v->format);
		free(v->channel);
		free(v->provider);
		v->kwconst_done = false;
		v->event_id = ev->event_id;
		v->kind = (uint8_t)ev->kind;
		v->format = wh_xstrdup(ev->format ? ev->format : "");
		v->channel = wh_xstrdup(ev->channel);
		v->provider = wh_xstrdup(ev->provider);
	}
	s->recent[s->recent_next] = v;
	s->recent_next = (s->recent_next + 1) % SG_RECENT_VIEWS;
	return v;
}

static struct sg_view *view_lookup(struct wh_sigma *s, const struct wh_event *ev)
{
	char key[512];
	int n = snprintf(key, sizeof(key), "%s|%s|%s|%d|%d", ev->format ? ev->format : "", ev->channel,
			 ev->provider, ev->event_id, (int)ev->kind);
	if (n < 0 || (size_t)n >= sizeof(key))
		n = (int)sizeof(key) - 1;
	for (int i = 0; i < n; i++)
		if (key[i] >= 'A' && key[i] <= 'Z')
			key[i] = (char)(key[i] + 32);
	struct wh_map_slot *slot = wh_map_find(&s->views, key, (size_t)n);
	if (slot)
		return slot->val;
	if (s->nviews >= SG_MAX_VIEWS) {
		/* so many distinct sources: start the cache again rather than grow */
		for (uint32_t i = 0; i < s->nviews; i++)
			view_free(s->view_list[i]);
		s->nviews = 0;
		memset(s->recent, 0, sizeof(s->recent));
		wh_map_release(&s->views);
		wh_map_init(&s->views, false);
	}
	struct sg_view *v = make_view(s, ev);
	v->event_id = ev->event_id;
	v->kind = (uint8_t)ev->kind;
	v->format = wh_xstrdup(ev->format ? ev->format : "");
	v->channel = wh_xstrdup(ev->channel);
	v->provider = wh_xstrdup(ev->provider);
	WH_GROW(s->view_list, s->nviews + 1, s->views_cap);
	s->view_list[s->nviews++] = v;
	const char *k = wh_intern(&s->strings, key, (size_t)n);
	bool added;
	wh_map_put(&s->views, k, (size_t)n, &added)->val = v;
	return v;
}

/* ---- matching ---- */

/* a == b for n bytes, inline for the short ones (field names: a call to
 * memcmp for each of an event's twenty names cost more than the compare) */
static inline bool same_short(const char *a, const char *b, size_t n)
{
	uint64_t x, y, z, w;
	if (n > 16)
		return memcmp(a, b, n) == 0;
	if (n >= 8) {
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		memcpy(&z, a + n - 8, 8);
		memcpy(&w, b + n - 8, 8);
		return ((x ^ y) | (z ^ w)) == 0;
	}
	if (n >= 4) {
		uint32_t p, q, r, t;
		memcpy(&p, a, 4);
		memcpy(&q, b, 4);
		memcpy(&r, a + n - 4, 4);
		memcpy(&t, b + n - 4, 4);
		return ((p ^ q) | (r ^ t)) == 0;
	}
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

static inline bool allowed(const struct sg_view *v, uint32_t u)
{
	return (v->allowed[u / 64] >> (u % 64)) & 1;
}

/* Queue the units of the event's view not queued yet. The stamps are
 * bytes, and a store through a byte pointer may change anything as far as
 * the compiler knows: without the restrict locals it reloads the arrays
 * and counts after every store. */
static inline void add_cands(struct wh_sigma *s, const uint32_t *u, uint32_t n)
{
	WH_GROW(s->cand, s->ncand + n, s->cand_cap);
	uint8_t *restrict ue = s->unit_epoch;
	uint32_t *restrict cand = s->cand;
	const struct sg_view *view = s->cur_view;
	const uint8_t e = s->tick;
	uint32_t nc = s->ncand;
	for (uint32_t k = 0; k < n; k++) {
		uint32_t x = u[k];
		if (ue[x] == e || !allowed(view, x))
			continue;
		ue[x] = e;
		cand[nc++] = x;
	}
	s->ncand = nc;
}

/* Does a check word hold in this event (a group with a literal in it, a
 * negative group without)? */
static inline bool check_holds(const struct wh_sigma *s, uint32_t w)
{
	uint32_t id = w & ~(SG_NEG_GROUP | SG_LEAF_GROUP);
	bool any = ((w & SG_LEAF_GROUP) ? s->leaf_epoch[id] : s->or_epoch[id]) == s->tick;
	return (w & SG_NEG_GROUP) ? !any : any;
}

/* Has every checked trigger group of the unit a literal in this event? */
static bool checks_pass(const struct wh_sigma *s, const struct sg_uhot *un)
{
	if (!check_holds(s, un->check0))
		return false;
	const uint32_t *checks = s->prog + un->off;
	for (uint32_t i = 1; i < un->nchecks; i++)
		if (!check_holds(s, checks[i]))
			return false;
	return true;
}

struct scan_ctx {
	struct wh_sigma *s;
	const struct sg_fielddb *d;
	const char *v;
	uint32_t vlen;
};

/* A literal leaf holds in this event: mark it, its OR parents, its units. */
static void mark_literal(struct wh_sigma *s, uint32_t id)
{
	const struct sg_lit *li = &s->lit[id];
	const uint8_t e = s->tick;
	const uint32_t no = li->nors, nt = li->ntrig;
	s->leaf_epoch[id] = e;
	s->leaf_val[id] = 1;
	const uint32_t *p = s->lit_pool + li->off;
	uint8_t *restrict oe = s->or_epoch;
	for (uint32_t k = 0; k < no; k++)
		oe[p[k]] = e;
	add_cands(s, p + no, nt);
}

/* Note that a literal leaf holds for the value being scanned (once per value). */
static inline void record(struct wh_sigma *s, uint32_t leaf)
{
	if (s->rec_stamp[leaf] == s->rec_no)
		return;
	s->rec_stamp[leaf] = s->rec_no;
	WH_GROW(s->rec, s->nrec + 1, s->rec_cap);
	s->rec[s->nrec++] = leaf;
}

static bool same_folded(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (x >= 'A' && x <= 'Z')
			x += 32;
		if (y >= 'A' && y <= 'Z')
			y += 32;
		if (x != y)
			return false;
	}
	return true;
}

/* An anchor ended at `to`: look up the long literals that start with it. */
static void on_anchor(struct scan_ctx *c, uint32_t a, unsigned long long to);

/* What the Hyperscan scan of an anchor-only field reports, found by the
 * anchors' last byte (see anchor_end). */
static void anchor_scan(struct scan_ctx *c)
{
	const struct sg_fielddb *d = c->d;
	const char *v = c->v, *p = v, *end = v + c->vlen;
	while (p < end && (p = memchr(p, d->anchor_end, (size_t)(end - p))) != NULL) {
		uint32_t to = (uint32_t)(p - v) + 1;
		for (uint32_t a = 0; a < d->nanchors; a++) {
			uint32_t al = d->anchors[a].alen;
			if (al <= to && same_folded(d->atext[a], v + to - al, al))
				on_anchor(c, a, to);
		}
		p++;
	}
}

static void on_anchor(struct scan_ctx *c, uint32_t a, unsigned long long to)
{
	struct wh_sigma *s = c->s;
	const struct sg_fielddb *d = c->d;
	const struct sg_anchor *an = &d->anchors[a];
	for (uint32_t k = 0; k < an->nlens; k++) {
		uint32_t len = an->lens[k], back = an->alen + an->offs[k];
		if (back > to)
			continue;
		uint32_t start = (uint32_t)to - back;
		if (start + len > c->vlen)
			continue;
		const char *v = c->v + start;
		uint64_t b = quick_key(v, len), bits = bloom_bits(b);
		if ((*bloom_word(d->lbloom, b) & bits) != bits)
			continue;
		uint64_t h = hash_fold(v, len);
		for (uint32_t i = (uint32_t)h & d->ltab_mask; d->ltab[i].leaf; i = (i + 1) & d->ltab_mask) {
			if (d->ltab[i].hash != h)
				continue;
			const struct sg_pat *p = &d->lpats[d->ltab[i].leaf - 1];
			if (p->len != len || !same_folded(d->lpat_text[d->ltab[i].leaf - 1], v, len))
				continue;
			for (uint32_t j = 0; j < p->n; j++) {
				const struct sg_leaf *l = s->leaves[p->leaves[j].leaf];
				if (p->leaves[j].kind == SG_K_STARTS && start != 0)
					continue;
				if (l->cased && memcmp(l->s, v, len) != 0)
					continue;
				record(s, l->id);
			}
		}
	}
}

/* A leaf longer than its pattern (SG_HS_MAX_PAT), whose first plen bytes
 * end at `to` in v: is the rest there too, before `limit`? */
static bool lit_tail(const struct sg_leaf *l, uint32_t plen, const char *v, uint64_t to, uint64_t limit)
{
	if (to < plen || to - plen + l->len > limit)
		return false;
	size_t rest = l->len - plen;
	return l->cased ? memcmp(v + to, l->s + plen, rest) == 0 : same_folded(v + to, l->s + plen, rest);
}

static int on_literal(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
		      void *arg)
{
	(void)from;
	(void)flags;
	struct scan_ctx *c = arg;
	struct wh_sigma *s = c->s;
	if (id >= c->d->npats) {
		on_anchor(c, id - c->d->npats, to);
		return 0;
	}
	const struct sg_pat *p = &c->d->pats[id];
	for (uint32_t k = 0; k < p->n; k++) {
		const struct sg_patleaf *pl = &p->leaves[k];
		uint64_t end = to;   /* where the leaf's literal ends; it starts at to - p->len */
		if (pl->tail) {
			const struct sg_leaf *l = s->leaves[pl->leaf];
			if (!lit_tail(l, p->len, c->v, to, c->vlen))
				continue;
			end = to - p->len + l->len;
		}
		bool ok;
		switch (pl->kind) {
		case SG_K_CONTAINS: ok = true; break;
		case SG_K_STARTS: ok = to == p->len; break;
		case SG_K_ENDS: ok = end == c->vlen; break;
		case SG_K_EQ: ok = to == p->len && end == c->vlen; break;
		default: ok = false; break;
		}
		if (ok)
			record(s, pl->leaf);
	}
	return 0;
}

/* The whole-number equalities that hold for the value (see numlit_ok). */
static void match_num(struct wh_sigma *s, const struct sg_fielddb *d, const char *v, uint32_t n)
{
	int64_t i;
	double x;
	bool f;
	if (!sg_parse_number(v, n, &i, &x, &f))
		return;
	if (f) {
		/* 3.0 equals 3; the leaves are below 2^53, where doubles are exact */
		if (!(x >= -9007199254740992.0 && x <= 9007199254740992.0) || x != (double)(int64_t)x)
			return;
		i = (int64_t)x;
	}
	for (uint32_t k = (uint32_t)((uint64_t)i * 0x9e3779b97f4a7c15ull >> 32) & d->num_mask; d->num[k].leaf;
	     k = (k + 1) & d->num_mask)
		if (d->num[k].num == i)
			record(s, d->num[k].leaf - 1);
}

static void match_eq(struct wh_sigma *s, const struct sg_fielddb *d, const char *v, uint32_t n)
{
	if (n > d->eq_maxlen || !((d->eq_lens >> (n < 63 ? n : 63)) & 1))
		return;   /* no equality literal is that long */
	for (int pass = 0; pass < (d->eq_cased ? 2 : 1); pass++) {
		uint64_t h = pass == 0 ? wh_hash_bytes_nocase(v, n) : wh_hash_bytes(v, n);
		for (uint32_t i = (uint32_t)h & d->eq_mask; d->eq[i].leaf; i = (i + 1) & d->eq_mask) {
			if (d->eq[i].hash != h)
				continue;
			struct sg_leaf *l = s->leaves[d->eq[i].leaf - 1];
			if (l->cased != (pass == 1) || l->len != n || !sg_leaf_match_value(s, l, v, n))
				continue;
			record(s, l->id);
		}
	}
}

static bool leaf_eval(struct wh_sigma *s, const struct sg_leaf *l);

static bool eval(struct wh_sigma *s, const uint32_t *f)
{
	const uint32_t *end = f + (f[0] >> 4) * 2, *k;
	switch (f[0] & 15) {
	case SG_F_AND:
		for (k = f + 2; k < end; k += (k[0] >> 4) * 2)
			if (!eval(s, k))
				return false;
		return true;
	case SG_F_ORM:
		if (s->or_epoch[f[1]] == s->tick)
			return true;   /* a literal child matched in the scan */
		/* fall through */
	case SG_F_OR:
		for (k = f + 2; k < end; k += (k[0] >> 4) * 2)
			if (eval(s, k))
				return true;
		return false;
	case SG_F_NOT:
		return !eval(s, f + 2);
	case SG_F_LIT:
		return s->leaf_epoch[f[1]] == s->tick;
	case SG_F_LEAF:
		return leaf_eval(s, s->leaves[f[1]]);
	case SG_F_TRUE:
		return true;
	case SG_F_NET:
		return sg_netset_match(s, &s->nets[f[1]]);
	default:
		return false;
	}
}

static inline bool field_present(const struct wh_sigma *s, uint32_t f)
{
	return s->field_epoch[f] == s->epoch;
}

/* 0x1a2c -> "6700" in the per-event conversion space. */
bool sg_hex_to_dec(struct wh_sigma *s, const char *v, size_t n, const char **out, size_t *olen)
{
	uint64_t x;
	if (!(n > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X') && wh_parse_u64(v, n, &x)))
		return false;
	if (s->convused + 24 > sizeof(s->convbuf))
		s->convused = 0;
	char *b = s->convbuf + s->convused;
	int k = snprintf(b, 24, "%llu", (unsigned long long)x);
	s->convused += (uint32_t)k + 1;
	*out = b;
	*olen = (size_t)k;
	return true;
}

static bool leaf_values(struct wh_sigma *s, const struct sg_leaf *l);

static bool leaf_compute(struct wh_sigma *s, const struct sg_leaf *l)
{
	if (l->keyword) {
		const struct wh_event *ev = s->cur_ev;
		for (uint32_t i = 0; i < ev->nfields; i++)
			if (sg_leaf_match_value(s, l, ev->fields[i].value, ev->fields[i].vlen))
				return true;
		return false;
	}
	bool holds;
	if (sg_leaf_by_presence(l, field_present(s, l->field), &holds))
		return holds;
	/* the field's one value has a memo entry: the result may be known */
	struct sg_lres *slot = NULL;
	uint64_t key = 0;
	const struct sg_fgen *fg = &s->field_gen[l->field];
	if (l->kind != SG_K_FIELDREF && fg->epoch == s->epoch && fg->gen && !s->fvals[s->field_head[l->field] - 1].next) {
		key = (uint64_t)fg->gen << 32 | (l->id + 1);
		slot = &s->lres[(key * 0x9e3779b97f4a7c15ull) >> 32 & (SG_LRES_SLOTS - 1)];
		if (slot->key == key)
			return slot->val;
	}
	bool r = leaf_values(s, l);
	if (slot) {
		slot->key = key;
		slot->val = r;
	}
	return r;
}

/* Does the leaf hold for some value of its field? */
static bool leaf_values(struct wh_sigma *s, const struct sg_leaf *l)
{
	for (uint32_t i = s->field_head[l->field]; i; i = s->fvals[i - 1].next) {
		const struct sg_fval *fv = &s->fvals[i - 1];
		const char *v = fv->s;
		size_t n = fv->len;
		if (l->conv == SG_CONV_HEX && !sg_hex_to_dec(s, fv->s, fv->len, &v, &n)) {
			v = fv->s;
			n = fv->len;
		}
		if (l->kind == SG_K_FIELDREF) {
			if (!field_present(s, l->fref_field))
				return false;
			for (uint32_t j = s->field_head[l->fref_field]; j; j = s->fvals[j - 1].next)
				if (sg_fieldref_match(s, l, v, n, s->fvals[j - 1].s, s->fvals[j - 1].len))
					return true;
			continue;
		}
		if (sg_leaf_match_value(s, l, v, n))
			return true;
	}
	return false;
}

static bool leaf_eval(struct wh_sigma *s, const struct sg_leaf *l)
{
	if (is_scanned(l) && s->fields[l->field].scanned)
		return s->leaf_epoch[l->id] == s->tick;   /* decided by the scan */
	if (s->leaf_epoch[l->id] == s->tick)
		return s->leaf_val[l->id];
	bool v;
	if (l->hint != SG_NONE && s->leaf_epoch[l->hint] != s->tick && s->fields[l->field].scanned)
		v = false;     /* a literal every match needs is not there */
	else
		v = leaf_compute(s, l);
	s->leaf_epoch[l->id] = s->tick;
	s->leaf_val[l->id] = v;
	return v;
}

/* (s->fvals has room: see wh_sigma_match) */
static void bind_field(struct wh_sigma *s, uint32_t f, const char *v, uint32_t n)
{
	struct sg_fval *fv = &s->fvals[s->nfvals++];
	fv->s = v;
	fv->len = n;
	fv->next = 0;
	if (s->field_epoch[f] != s->epoch) {
		s->field_epoch[f] = s->epoch;
		s->field_head[f] = s->nfvals;
		return;
	}
	/* append, keeping the event's order */
	uint32_t i = s->field_head[f];
	while (s->fvals[i - 1].next)
		i = s->fvals[i - 1].next;
	s->fvals[i - 1].next = s->nfvals;
}

/* A name's slot in the name cache: its length and first and last bytes
 * as they are (the map folds case, byte by byte). */
static inline uint32_t name_slot(const char *p, uint32_t n)
{
	uint64_t a = 0, b = 0;
	if (n >= 8) {
		memcpy(&a, p, 8);
		memcpy(&b, p + n - 8, 8);
	} else if (n) {
		a = tail_word(p, n);
	}
	return (uint32_t)(wh_mix64(a ^ (b * 0x9e3779b97f4a7c15ull) ^ n) & (SG_NAME_CACHE - 1));
}

static uint32_t field_find(struct wh_sigma *s, const struct wh_field *f)
{
	if (f->nlen > SG_SHAPE_NAME) {
		struct wh_map_slot *slot = wh_map_find(&s->field_ids, f->name, f->nlen);
		return slot ? (uint32_t)(uintptr_t)slot->val - 1 : SG_NONE;
	}
	if (!s->names) {
		s->names = wh_xcalloc(SG_NAME_CACHE, sizeof(*s->names));
		for (uint32_t k = 0; k < SG_NAME_CACHE; k++)
			s->names[k].nlen = UINT32_MAX;
	}
	struct sg_shape *c = &s->names[name_slot(f->name, f->nlen)];
	if (c->nlen == f->nlen && same_short(c->name, f->name, f->nlen))
		return c->fid;
	struct wh_map_slot *slot = wh_map_find(&s->field_ids, f->name, f->nlen);
	c->fid = slot ? (uint32_t)(uintptr_t)slot->val - 1 : SG_NONE;
	c->nlen = f->nlen;
	memcpy(c->name, f->name, f->nlen);
	return c->fid;
}

/* What the view does with the values of field fid (SG_ACT_*). */
static uint8_t field_act(const struct wh_sigma *s, const struct sg_view *v, uint32_t fid)
{
	/* a field no rule of this view looks at is not bound */
	if (fid == SG_NONE || !((v->need[fid / 64] >> (fid % 64)) & 1))
		return 0;
	/* no rule this event can reach has literals on the field: the scan
	 * could only mark leaves nobody will look at */
	if (!s->fields[fid].scanned || !((v->scan[fid / 64] >> (fid % 64)) & 1))
		return SG_ACT_BIND;
	return SG_ACT_BIND | SG_ACT_SCAN;
}

/* A place of the view is written: a new stamp (a new number for the view
 * when the count wraps, so that no stamp is given twice). */
static inline void shape_changed(struct wh_sigma *s, struct sg_view *v)
{
	if (++v->shape_gen == 0) {
		v->uid = ++s->view_uid;
		v->shape_gen = 1;
	}
}

/* The id of the event's i-th field name, or SG_NONE, and what the view
 * does with its value: from the name the view saw at that place last,
 * else from the name cache (events of one view that differ in their
 * fields, as forwarded logs do), else the map. */
static inline uint32_t field_lookup(struct wh_sigma *s, struct sg_view *v, uint32_t i, const struct wh_field *f,
				    uint8_t *act)
{
	struct sg_place *sh = i < v->nshape ? &v->shape[i] : NULL;
	if (sh && sh->nlen == f->nlen && same_short(sh->name, f->name, f->nlen)) {
		*act = sh->act;
		return sh->fid;
	}
	uint32_t fid = field_find(s, f);
	*act = field_act(s, v, fid);
	s->shape_missed = true;
	if (sh && f->nlen <= SG_PLACE_NAME) {
		shape_changed(s, v);
		sh->fid = fid;
		sh->nlen = f->nlen;
		sh->act = *act;
		memcpy(sh->name, f->name, f->nlen);
	}
	return fid;
}

void sg_emit(struct wh_sigma *s, uint32_t rule, const struct wh_sigma_hit *h, const struct wh_event *ev, int64_t t,
	     wh_sigma_hit_fn fn, void *arg)
{
	struct sg_rule *r = &s->rules[rule];
	r->pub.hits++;
	s->stats.hits++;
	for (uint32_t k = 0; k < r->ncorrs; k++)
		sg_corr_feed(s, r->corrs[k], rule, ev, t, fn, arg);
	if (r->pub.enabled && !r->referenced && fn)
		fn(h, arg);
}

void sg_emit_event(struct wh_sigma *s, uint32_t rule, const struct wh_event *ev, wh_sigma_hit_fn fn, void *arg)
{
	struct wh_sigma_hit h = { .rule = &s->rules[rule].pub, .ev = ev, .host = ev->host, .group = "",
				  .first = ev->time, .last = ev->time, .count = 1, .value = 1,
				  .shape = ev == s->cur_ev ? s->ev_shape : (struct wh_sigma_shape){ 0, 0 } };
	sg_emit(s, rule, &h, ev, ev->time, fn, arg);
}

struct kw_ctx {
	struct wh_sigma *s;
	const struct sg_fielddb *d;
	uint32_t nseg;
	const char *v;           /* the value scanned alone (on_keyword_value) */
	uint32_t vlen;
};

/* A keyword literal ends at `to` in the joined values: it counts when it
 * lies inside one value. */
static int on_keyword(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
		      void *arg)
{
	(void)from;
	(void)flags;
	struct kw_ctx *c = arg;
	struct wh_sigma *s = c->s;
	const struct sg_pat *p = &c->d->pats[id];
	/* the value it ends in: the first whose end is at or after `to` */
	uint32_t lo = 0, hi = c->nseg;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (s->seg_end[mid] < to)
			lo = mid + 1;
		else
			hi = mid;
	}
	uint64_t start = lo == 0 ? 0 : (uint64_t)s->seg_end[lo - 1] + 1;
	if (lo == c->nseg || to < start + p->len)
		return 0;
	for (uint32_t k = 0; k < p->n; k++)
		if (!p->leaves[k].tail || lit_tail(s->leaves[p->leaves[k].leaf], p->len, s->cat, to, s->seg_end[lo]))
			record(s, p->leaves[k].leaf);
	return 0;
}

/* A keyword literal in one value scanned alone (see scan_value). */
static int on_keyword_value(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
			    void *arg)
{
	(void)from;
	(void)flags;
	struct kw_ctx *c = arg;
	const struct sg_pat *p = &c->d->pats[id];
	for (uint32_t k = 0; k < p->n; k++)
		if (!p->leaves[k].tail || lit_tail(c->s->leaves[p->leaves[k].leaf], p->len, c->v, to, c->vlen))
			record(c->s, p->leaves[k].leaf);
	return 0;
}

/* The cap on the joined values of one event (a larger event's keyword
 * search sees its first values only). */
#define SG_MAX_CAT (64u << 20)

/* Copy n bytes (w <= n <= 2w) as two moves of w, the first and the last
 * w bytes; w is a constant where it is inlined, so the moves are plain
 * loads and stores. */
static inline void move_ends(char *dst, const char *src, size_t n, size_t w)
{
	char a[16], b[16];
	memcpy(a, src, w);
	memcpy(b, src + n - w, w);
	memcpy(dst, a, w);
	memcpy(dst + n - w, b, w);
}

/* memcpy, inline for up to 32 bytes (most of an event's values: the call
 * cost more than the copy). */
static inline void copy_value(char *dst, const char *src, size_t n)
{
	if (n > 32)
		memcpy(dst, src, n);
	else if (n >= 16)
		move_ends(dst, src, n, 16);
	else if (n >= 8)
		move_ends(dst, src, n, 8);
	else if (n >= 4)
		move_ends(dst, src, n, 4);
	else if (n > 0)
		move_ends(dst, src, n, 1), dst[n / 2] = src[n / 2];
}

/* The keyword leaves of the view's channel and provider (struct sg_view). */
static void view_kwconst(struct wh_sigma *s, struct sg_view *v)
{
	v->kwconst_done = true;
	v->nkwconst = 0;
	if (++s->rec_no == 0) {
		memset(s->rec_stamp, 0, (s->nleaves + 1) * sizeof(uint32_t));
		s->rec_no = 1;
	}
	s->nrec = 0;
	const char *parts[2] = { v->channel, v->provider };
	for (int k = 0; k < 2; k++) {
		struct kw_ctx c = { .s = s, .d = v->kwdb, .v = parts[k], .vlen = (uint32_t)strlen(parts[k]) };
		if (c.vlen)
			hs_scan(v->kwdb->db, c.v, c.vlen, 0, s->hs_scratch, on_keyword_value, &c);
	}
	v->kwconst = wh_xreallocarray(v->kwconst, s->nrec + 1, sizeof(uint32_t));
	if (s->nrec)
		memcpy(v->kwconst, s->rec, s->nrec * sizeof(uint32_t));
	v->nkwconst = s->nrec;
}

static void scan_keywords(struct wh_sigma *s, const struct sg_fielddb *d, const struct wh_event *ev)
{
	const struct sg_view *view = s->cur_view;
	WH_GROW(s->seg_end, ev->nfields + 1, s->seg_cap);
	size_t n = 0;
	uint32_t nseg = 0;
	for (uint32_t i = 0; i < ev->nfields; i++) {
		const struct wh_field *f = &ev->fields[i];
		if (i < s->kwdone_cap && s->kwdone[i])
			continue;   /* searched already (see scan_value) */
		if (f->value == ev->channel || f->value == ev->provider)
			continue;   /* the view's (view_kwconst) */
		if (n + f->vlen + 1 > s->cat_cap) {
			if (n + f->vlen + 1 > SG_MAX_CAT)
				break;
			size_t cap = s->cat_cap ? s->cat_cap : 4096;
			while (cap < n + f->vlen + 1)
				cap *= 2;
			s->cat = wh_xrealloc(s->cat, cap < SG_MAX_CAT ? cap : SG_MAX_CAT);
			s->cat_cap = cap < SG_MAX_CAT ? cap : SG_MAX_CAT;
		}
		copy_value(s->cat + n, f->value, f->vlen);
		n += f->vlen;
		s->seg_end[nseg++] = (uint32_t)n;
		s->cat[n++] = (char)SG_SEP;
	}
	for (uint32_t k = 0; k < view->nkwconst; k++)
		if (s->leaf_epoch[view->kwconst[k]] != s->tick)
			mark_literal(s, view->kwconst[k]);
	if (n == 0)
		return;
	if (++s->rec_no == 0) {
		memset(s->rec_stamp, 0, (s->nleaves + 1) * sizeof(uint32_t));
		s->rec_no = 1;
	}
	s->nrec = 0;
	struct kw_ctx c = { .s = s, .d = d, .nseg = nseg };
	hs_scan(d->db, s->cat, (unsigned)n, 0, s->hs_scratch, on_keyword, &c);
	for (uint32_t k = 0; k < s->nrec; k++)
		if (s->leaf_epoch[s->rec[k]] != s->tick)
			mark_literal(s, s->rec[k]);
}

/* A hash for memo keys: 8 bytes at a time, as values are longer than names. */
static uint64_t value_hash(uint32_t scan, const char *v, uint32_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ ((uint64_t)scan << 32 | n);
	uint32_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, v + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 29;
	}
	if (i < n)
		h = (h ^ tail_word(v, n)) * 0xc4ceb9fe1a85ec53ull;
	h = wh_mix64(h);
	return h ? h : 1;
}

/*
 * Remember what the leaves in s->rec set when they hold: the leaves, the
 * OR nodes they make true, the units they trigger, flattened so that a
 * value seen again sets them without visiting each leaf's lists. False
 * when the entry would be too large to be worth it.
 */
static bool memo_store(struct wh_sigma *s, struct sg_memo *m, uint64_t h, uint32_t scan, const char *v, uint32_t n,
		       uint32_t kw)
{
	uint32_t nl = s->nrec, no = 0, nt = 0;
	for (uint32_t k = 0; k < nl; k++) {
		no += s->lit[s->rec[k]].nors;
		nt += s->lit[s->rec[k]].ntrig;
	}
	if (nl > SG_MEMO_MAX_LEAVES || no + nt > SG_MEMO_MAX_EFFECTS)
		return false;
	uint32_t voff = (n + 3) & ~3u;
	uint32_t need = voff + (nl + no + nt + s->fields[scan].nfold) * (uint32_t)sizeof(uint32_t);
	if (need > m->cap) {
		uint32_t cap = need < 64 ? 64 : need;
		if (s->memo_bytes - m->cap + cap > SG_MEMO_BUDGET)
			return false;
		s->memo_bytes = s->memo_bytes - m->cap + cap;
		free(m->data);
		m->cap = cap;
		m->data = wh_xmalloc(m->cap);
	}
	memcpy(m->data, v, n);
	uint32_t *p = (uint32_t *)(m->data + voff);
	if (nl)
		memcpy(p, s->rec, nl * sizeof(uint32_t));
	/* the OR nodes as places in leaf_epoch, where or_epoch begins */
	const uint32_t ors_at = s->nleaves + 1;
	uint32_t *o = p + nl, *t = o + no;
	for (uint32_t k = 0; k < nl; k++) {
		const struct sg_lit *li = &s->lit[s->rec[k]];
		const uint32_t *q = s->lit_pool + li->off;
		for (uint32_t j = 0; j < li->nors; j++)
			o[j] = q[j] + ors_at;
		o += li->nors;
		if (li->ntrig)
			memcpy(t, q + li->nors, li->ntrig * sizeof(uint32_t));
		t += li->ntrig;
	}
	if (++s->memo_gen == 0) {
		/* after 4 billion entries: no generation may be seen twice */
		for (uint32_t i = 0; i < SG_MEMO_SLOTS; i++)
			if (&s->memo[i] != m)
				s->memo[i].hash = 0;
		memset(s->lres, 0, SG_LRES_SLOTS * sizeof(*s->lres));
		s->memo_gen = 1;
	}
	m->gen = s->memo_gen;
	m->hash = h;
	m->used = ++s->memo_clock;
	m->kw = kw;
	m->scan = scan;
	m->vlen = n;
	m->nleaves = nl;
	m->nors = no;
	m->ntrig = nt;
	m->folded = false;
	m->found = false;
	return true;
}

/*
 * Units with no literal to wait for whose every leaf looks at one field's
 * value (a regular expression on CommandLine) are a function of that value:
 * they are evaluated once when the value gets its memo entry, and those that
 * hold join the entry's units, so that in later events they are evaluated
 * only when they hold instead of on every event (four of the seven rules
 * that ran on every process start). Only when the field has one value in
 * the event: the entry is for that value alone.
 */
static void fold_units(struct wh_sigma *s, struct sg_memo *m, uint32_t f)
{
	const struct sg_field *fd = &s->fields[f];
	if (!fd->nfold || s->fvals[s->field_head[f] - 1].next)
		return;
	uint32_t *t = (uint32_t *)(m->data + ((m->vlen + 3) & ~3u)) + m->nleaves + m->nors + m->ntrig;
	uint32_t n = 0;
	for (uint32_t k = 0; k < fd->nfold; k++) {
		uint32_t u = fd->fold[k], g = fd->fold_grp[k];
		const struct sg_uhot *un = &s->uhot[u];
		bool maybe;
		if (g == SG_NONE) {
			s->stats.evaluated++;
			maybe = eval(s, s->prog + un->off + un->nchecks);
		} else {
			/* a negative group of the field's literals: the value rules
			 * the unit out when it holds one of them */
			uint32_t id = g & ~SG_LEAF_GROUP;
			maybe = ((g & SG_LEAF_GROUP) ? s->leaf_epoch[id] : s->or_epoch[id]) != s->tick;
		}
		if (maybe) {
			t[n++] = u;
			add_cands(s, &u, 1);
		}
	}
	m->ntrig += n;
	m->folded = true;
	s->field_fold[f] = s->epoch;
}

/* Set what a remembered value sets (see memo_store; restrict: see add_cands). */
static void replay(struct wh_sigma *s, const struct sg_memo *m)
{
	const uint32_t *p = (const uint32_t *)(m->data + ((m->vlen + 3) & ~3u));
	const uint8_t e = s->tick;
	/* the leaves and the OR nodes are one list of places in leaf_epoch
	 * (memo_store): one loop, whose end is mispredicted once a replay, where
	 * two with three and five steps an event's ten replays were */
	const uint32_t nm = m->nleaves + m->nors, nt = m->ntrig;
	uint8_t *restrict le = s->leaf_epoch;
	uint32_t k = 0;
	for (; k + 4 <= nm; k += 4) {
		le[p[k]] = e;
		le[p[k + 1]] = e;
		le[p[k + 2]] = e;
		le[p[k + 3]] = e;
	}
	for (; k < nm; k++)
		le[p[k]] = e;
	p += nm;
	add_cands(s, p, nt);
}

/*
 * Decide the literal leaves of one value: from the memo when the value was
 * seen before, else by the equality table and a Hyperscan scan (then
 * remembered). Every leaf found is marked for this event.
 */
/* One value to decide: its memo slot is looked up after all of the
 * event's values have been hashed and their slots fetched, so that the
 * cache misses of a dozen lookups overlap instead of following each other. */
struct sg_pending {
	uint32_t fid;
	uint32_t n;
	const char *v;
	uint64_t h;              /* 0: not through the memo */
	uint32_t idx;            /* the event's field */
};

/* Hash the value and fetch its slot, when the field uses the memo. A field
 * whose values rarely repeat (file hashes, temporary names) would only pay
 * for hashing and storing them: after SG_MEMO_TRIAL tries with fewer than
 * one hit in 8, its values skip the memo, all but one in 64 that keep the
 * count honest. */
static void scan_prepare(struct wh_sigma *s, struct sg_pending *p)
{
	struct sg_field *fd = &s->fields[p->fid];
	p->h = 0;
	if (p->n <= SG_MEMO_MAX_VALUE && (!fd->memo_off || (++fd->memo_skip & 63) == 0)) {
		if (++fd->memo_tries >= SG_MEMO_TRIAL) {
			fd->memo_off = fd->memo_hits * 8 < fd->memo_tries;
			fd->memo_tries = fd->memo_hits = 0;
		}
		p->h = value_hash(p->fid, p->v, p->n);
		struct sg_memo *set = memo_set(s, p->h);
		__builtin_prefetch(set);
		__builtin_prefetch(set + SG_MEMO_WAYS - 1);
	}
}

/*
 * The slot for a new value: an empty one, else the older of those whose
 * value was not found again while it was recent (a temporary name, a
 * port, a time: most values seen once are never seen again). When every
 * slot of the set holds a value in use, the new one is not kept: values
 * seen once pushed out the command lines that come back every few
 * thousand events, whose scans cost 20,000 cycles each.
 */
static inline bool memo_kept(const struct wh_sigma *s, const struct sg_memo *m)
{
	return m->found && s->memo_clock - m->used < SG_MEMO_SLOTS * 4u;
}

static struct sg_memo *memo_victim(const struct wh_sigma *s, struct sg_memo *set)
{
	struct sg_memo *m = NULL;
	for (uint32_t k = 0; k < SG_MEMO_WAYS; k++) {
		struct sg_memo *x = &set[k];
		if (!x->hash)
			return x;
		if (memo_kept(s, x))
			continue;
		if (!m || (int32_t)(x->used - m->used) < 0)
			m = x;
	}
	return m;
}

static void scan_value(struct wh_sigma *s, const struct sg_pending *p)
{
	uint32_t scan = p->fid, n = p->n;
	const char *v = p->v;
	const struct sg_fielddb *d = s->fields[scan].db;
	struct sg_memo *m = NULL;
	uint64_t h = p->h;
	if (h) {
		struct sg_memo *set = memo_set(s, h);
		for (uint32_t k = 0; k < SG_MEMO_WAYS; k++) {
			m = &set[k];
			if (m->hash == h && m->scan == scan && m->vlen == n && same_short(m->data, v, n)) {
				/* searched for the keywords of fewer views than there are
				 * now (a view with new ones came later): searched again,
				 * whole, once */
				if (s->cur_view->kwid && m->kw != s->kwall_gen && kw_all(s))
					break;
				s->fields[scan].memo_hits++;
				m->used = ++s->memo_clock;
				m->found = true;
				s->field_gen[scan] = (struct sg_fgen){ s->epoch, m->gen };
				replay(s, m);
				if (m->folded && !s->fvals[s->field_head[scan] - 1].next)
					s->field_fold[scan] = s->epoch;
				if (m->kw && m->kw == s->kwall_gen && s->cur_view->kwid)
					s->kwdone[p->idx] = 1;
				return;
			}
			m = NULL;
		}
		if (!m)
			m = memo_victim(s, set);
	}
	if (++s->rec_no == 0) {
		memset(s->rec_stamp, 0, (s->nleaves + 1) * sizeof(uint32_t));
		s->rec_no = 1;
	}
	s->nrec = 0;
	if (d->num)
		match_num(s, d, v, n);
	if (d->eq)
		match_eq(s, d, v, n);
	if (d->anchor_end) {
		struct scan_ctx c = { .s = s, .d = d, .v = v, .vlen = n };
		anchor_scan(&c);
	} else if (d->db) {
		struct scan_ctx c = { .s = s, .d = d, .v = v, .vlen = n };
		hs_scan(d->db, v, n, 0, s->hs_scratch, on_literal, &c);
	}
	/* A value that goes into the memo is searched for the keywords of
	 * every view so far now, on its own, so that its entry gives them too
	 * when it comes again, in any of those views, and the event's keyword
	 * scan leaves it out: most of an event's bytes are in values the memo
	 * knows. The keywords of rules the view does not reach are marked too,
	 * and read by nothing: their units are not the view's (add_cands). */
	uint32_t kw = 0;
	const struct sg_fielddb *all = m ? kw_all(s) : NULL;
	if (all) {
		struct kw_ctx c = { .s = s, .d = all, .v = v, .vlen = n };
		hs_scan(all->db, v, n, 0, s->hs_scratch, on_keyword_value, &c);
		kw = s->kwall_gen;
		if (s->cur_view->kwid)
			s->kwdone[p->idx] = 1;
	}
	if (m && memo_store(s, m, h, scan, v, n, kw)) {
		s->field_gen[scan] = (struct sg_fgen){ s->epoch, m->gen };
		replay(s, m);
		fold_units(s, m, scan);
		return;
	}
	if (m && m->hash == h)
		m->hash = 0;   /* the value's old entry, searched for fewer keywords, that it no longer fits */
	for (uint32_t k = 0; k < s->nrec; k++)
		if (s->leaf_epoch[s->rec[k]] != s->tick)
			mark_literal(s, s->rec[k]);
}

void sg_new_event(struct wh_sigma *s)
{
	if (++s->tick == 0) {
		memset(s->leaf_epoch, 0, s->nleaves + 1);
		memset(s->unit_epoch, 0, s->nunits + 1);
		memset(s->or_epoch, 0, s->nors + 1);
		memset(s->rule_hit, 0, s->nrules + 1);
		s->tick = 1;
	}
	if (++s->epoch == 0) {
		/* after 4 billion events: start the stamps again */
		memset(s->field_epoch, 0, (s->nfields + 1) * sizeof(uint32_t));
		memset(s->field_gen, 0, (s->nfields + 1) * sizeof(*s->field_gen));
		memset(s->field_fold, 0, (s->nfields + 1) * sizeof(uint32_t));
		s->ip_epoch = 0;
		s->epoch = 1;
	}
}

void wh_sigma_match(struct wh_sigma *s, const struct wh_event *ev, wh_sigma_hit_fn fn, void *arg)
{
	if (!s->compiled && wh_sigma_compile(s) < 0)
		return;
	s->stats.events++;
	struct sg_view *view = get_view(s, ev);
	if (!view->any)
		return;
	s->stats.covered++;
	sg_new_event(s);
	s->cur_ev = ev;
	s->cur_view = view;
	s->ncand = 0;
	s->nfired = 0;
	s->npend = 0;
	s->nfvals = 0;
	s->convused = 0;
	if (view->kwid) {
		/* which values the keyword scan can leave out (scan_value); at most
		 * WH_EVENT_MAX_FIELDS */
		if (ev->nfields > s->kwdone_cap) {
			free(s->kwdone);
			s->kwdone_cap = ev->nfields;
			s->kwdone = wh_xmalloc(s->kwdone_cap);
		}
		if (ev->nfields)
			memset(s->kwdone, 0, ev->nfields);
	}
	if (!view->shape || (ev->nfields > view->nshape && view->nshape < SG_SHAPE_MAX)) {
		/* as many places as the view's longest event had, so far */
		uint32_t n = ev->nfields < SG_SHAPE_MAX ? ev->nfields : SG_SHAPE_MAX;
		view->shape = wh_xreallocarray(view->shape, n + 1, sizeof(*view->shape));
		for (uint32_t i = view->nshape; i <= n; i++)
			view->shape[i].nlen = UINT32_MAX;
		view->nshape = n;
		shape_changed(s, view);
	}
	s->shape_missed = ev->nfields > view->nshape;
	/* room for every field, once an event */
	WH_GROW(s->pend, ev->nfields, s->pend_cap);
	WH_GROW(s->fvals, ev->nfields, s->fvals_cap);
	for (uint32_t i = 0; i < ev->nfields; i++) {
		const struct wh_field *f = &ev->fields[i];
		uint8_t act;
		uint32_t fid = field_lookup(s, view, i, f, &act);
		if (!act)
			continue;
		bind_field(s, fid, f->value, f->vlen);
		if (!(act & SG_ACT_SCAN) || f->vlen == 0)
			continue;
		struct sg_pending *p = &s->pend[s->npend++];
		p->fid = fid;
		p->v = f->value;
		p->n = f->vlen;
		p->idx = i;
		scan_prepare(s, p);
	}
	/* the stamp of the event's names (see struct sg_view) */
	s->ev_shape = (struct wh_sigma_shape){ 0, 0 };
	if (!s->shape_missed && view->shape_gen)
		s->ev_shape = (struct wh_sigma_shape){ view->uid, view->shape_gen };
	/* the slots are on their way; their values too */
	for (uint32_t i = 0; i < s->npend; i++) {
		if (!s->pend[i].h)
			continue;
		const struct sg_memo *set = memo_set(s, s->pend[i].h);
		for (uint32_t k = 0; k < SG_MEMO_WAYS; k++)
			if (set[k].hash == s->pend[i].h)
				__builtin_prefetch(set[k].data);
	}
	for (uint32_t i = 0; i < s->npend; i++)
		scan_value(s, &s->pend[i]);
	if (view->kwid) {
		if (!view->kwconst_done)
			view_kwconst(s, view);
		scan_keywords(s, view->kwdb, ev);
	}
	for (uint32_t i = 0; i < view->nalways; i++) {
		uint32_t u = view->always[i], f = s->uhot[u].single;
		if (f && s->field_fold[f - 1] == s->epoch)
			continue;   /* decided with its field's value: see fold_units */
		add_cands(s, &u, 1);
	}
	for (uint32_t i = 0; i < s->ncand; i++) {
		const struct sg_uhot *un = &s->uhot[s->cand[i]];
		if (s->rule_hit[un->rule] == s->tick || (un->nchecks && !checks_pass(s, un)))
			continue;
		s->stats.evaluated++;
		if (!eval(s, s->prog + un->off + un->nchecks))
			continue;
		s->rule_hit[un->rule] = s->tick;
		WH_GROW(s->fired, s->nfired + 1, s->fired_cap);
		s->fired[s->nfired++] = un->rule;
	}
	/* in the rules' order, not the order the variants were queued in: a
	 * correlation of two rules that fire on one event counts them alike
	 * whatever the matcher's path (and as wh_sigma_match_plain does) */
	if (s->nfired > 1)
		qsort(s->fired, s->nfired, sizeof(uint32_t), cmp_u32);
	for (uint32_t i = 0; i < s->nfired; i++)
		sg_emit_event(s, s->fired[i], ev, fn, arg);
}

void wh_sigma_finish(struct wh_sigma *s, wh_sigma_hit_fn fn, void *arg)
{
	sg_corr_finish(s, fn, arg);
}
