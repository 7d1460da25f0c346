/*
 * sigma_int.h: what the parts of the Sigma engine share. Not for use
 * outside src/detect/sigma.
 *
 * A rule's detection compiles into a tree of sg_node whose leaves are
 * sg_leaf predicates ("Image ends with \cmd.exe"). Equal leaves of all rules
 * are one leaf, so each is decided once per event. Literal leaves (equals,
 * contains, starts with, ends with a fixed string) are decided for all rules
 * at once by one Hyperscan scan of each field; the others (wildcards,
 * regular expressions, numbers, CIDR ...) are decided lazily, and memoised.
 *
 * A rule runs as one or more units: one per way its logsource maps to
 * events whose field names differ (Sysmon 1 and Security 4688 for
 * process_creation). A unit is evaluated only when one of its trigger
 * literals was seen in the event, or always (for its logsource) when its
 * detection has no literal that every match needs.
 */
#ifndef WH_SIGMA_INT_H
#define WH_SIGMA_INT_H

#include "detect/sigma/sigma.h"
#include "detect/sigma/yaml.h"
#include "util/arena.h"
#include "util/hash.h"
#include "util/sbuf.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#define SG_NONE UINT32_MAX
#define SG_KEYWORD (UINT32_MAX - 1)   /* the field of a keyword leaf: any field */

/* Caps that keep a hostile rule from costing without bound. */
#define SG_MAX_VARIANTS 1024          /* values one value may expand to (windash, expand) */
#define SG_MAX_LEAVES_PER_RULE 100000
#define SG_MAX_VALUE 65536            /* bytes of one value */
#define SG_RE_MATCH_LIMIT 200000
#define SG_RE_DEPTH_LIMIT 5000

enum sg_kind {
	SG_K_EQ,        /* literal kinds, matched by Hyperscan: */
	SG_K_CONTAINS,
	SG_K_STARTS,
	SG_K_ENDS,
	SG_K_GLOB,      /* the rest: lazy */
	SG_K_RE,
	SG_K_NUM,       /* numeric comparison (cmp) */
	SG_K_NULL,      /* the field is absent */
	SG_K_EXISTS,    /* the field is present (exists: true) */
	SG_K_CIDR,
	SG_K_FIELDREF,
	SG_K_TIME,      /* a part of a timestamp compared as a number */
	SG_K_EMPTY,     /* the field is present and empty */
	SG_K_ANYSTR,    /* the field is present (contains '') */
};

enum sg_cmp { SG_CMP_EQ, SG_CMP_LT, SG_CMP_LTE, SG_CMP_GT, SG_CMP_GTE };
enum sg_timepart { SG_T_MINUTE, SG_T_HOUR, SG_T_DAY, SG_T_WEEK, SG_T_MONTH, SG_T_YEAR };
enum sg_conv { SG_CONV_NONE, SG_CONV_HEX };  /* how an event value is read (hex ids of 4688) */

/* Wildcard marks of a glob: per byte of the pattern. */
enum { SG_W_LIT = 0, SG_W_STAR = 1, SG_W_ONE = 2 };

struct sg_leaf {
	uint32_t id;
	uint32_t field;          /* field id, or SG_KEYWORD */
	uint8_t kind;            /* enum sg_kind */
	uint8_t cmp;             /* SG_K_NUM, SG_K_TIME */
	uint8_t timepart;
	uint8_t conv;            /* enum sg_conv */
	uint8_t fref_kind;       /* SG_K_FIELDREF: EQ, CONTAINS, STARTS or ENDS */
	bool cased;
	bool used;               /* part of a compiled unit */
	bool isfloat;
	const char *s;           /* literal / glob pattern / numeric text */
	uint32_t len;
	const uint8_t *wild;     /* SG_K_GLOB: len marks */
	uint32_t fref_field;
	int64_t inum;
	double dnum;
	pcre2_code *re;
	uint8_t cidr_af;         /* 4 or 6 */
	uint8_t cidr_bits;
	uint8_t cidr_addr[16];
	uint32_t hint;           /* a literal leaf every match needs, or SG_NONE */
	uint32_t *trig;          /* units this literal leaf triggers */
	uint32_t ntrig, trig_cap;
	uint32_t *ors;           /* OR nodes that hold when this literal leaf does */
	uint32_t nors, ors_cap;
	bool keyword;            /* searched in every field of the event */
	bool numlit;             /* a whole-number equality decided by the scan (engine.c) */
	bool limit_warned;       /* a regular expression that hit the match limit was reported */
	uint32_t cost;
	uint32_t refs;           /* compiled units that have it (engine.c, for the trigger choice) */
	uint32_t refs_unit;      /* the last unit counted, + 1 */
};

/* SG_N_LIT: a literal leaf that the scan decides (set by compile): only
 * its mark is read, never the leaf. */
enum sg_op { SG_N_AND, SG_N_OR, SG_N_NOT, SG_N_LEAF, SG_N_TRUE, SG_N_FALSE, SG_N_LIT };

struct sg_node {
	uint8_t op;
	uint32_t n;              /* AND/OR: children */
	uint32_t cost;
	struct sg_node **kids;   /* AND/OR: n; NOT: 1 */
	struct sg_leaf *leaf;
	uint32_t lid;            /* SG_N_LIT: leaf->id */
	/* An OR with literal children: the scan marks it true when one of them
	 * matches, so only the other children (rest) need evaluating. */
	uint32_t orid;
	uint32_t nrest;
	struct sg_node **rest;
};

/* How a rule field is found in events of some source (Security 4688:
 * Image is NewProcessName). */
struct sg_rename {
	const char *to;          /* the name rules use */
	const char *from;        /* the name events have */
	uint8_t conv;
};

/* One way to recognise the events of a logsource. Every given part must
 * hold; a list holds when one of its items does. */
struct sg_sel {
	const char **channels;   /* "*": any non-empty channel */
	uint32_t nchannels;
	const char **providers;
	uint32_t nproviders;
	int32_t *ids;
	uint32_t nids;
	const char **formats;
	uint32_t nformats;
	uint32_t kinds;          /* bit per enum wh_kind; 0: any */
	struct sg_rename *ren;
	uint32_t nren;
};

struct sg_entry {
	const char *product, *category, *service;   /* "" when not part of the key */
	struct sg_sel *sels;
	uint32_t nsels;
	const char *file;
	uint32_t line;
};

/* The events one unit applies to: some selectors of one entry with the same renames. */
struct sg_target {
	const struct sg_entry *entry;
	uint32_t *sels;          /* indexes into entry->sels */
	uint32_t nsels;
	const struct sg_rename *ren;
	uint32_t nren;
};

struct sg_unit {
	uint32_t rule;
	uint32_t target;
	struct sg_node *expr;
	bool always;             /* no trigger literal: a candidate on every event of its target, unless a memo entry decides it (fold_units) */
	bool keywords;           /* has keyword leaves: every field value is searched */
	uint32_t *fields;        /* fields with literal leaves in its tree */
	uint32_t nfields, fields_cap;
	uint32_t *eventids;      /* EventID values the detection requires (one of), or NULL */
	uint32_t neventids;
	uint32_t *kwleaves;      /* keyword literal leaves in its tree (may repeat) */
	uint32_t nkwleaves, kwleaves_cap;
	uint32_t *allfields;     /* every field its tree looks at (not keywords) */
	uint32_t nallfields, allfields_cap;
	uint32_t *checks;        /* trigger groups checked before evaluating: n, n leaf ids, ... */
	uint32_t nchecks;
};

/*
 * What evaluating a unit reads, packed per unit in one array (units' prog):
 * its checks (a word per trigger group: the group's OR id, with
 * SG_NEG_GROUP for a negative one; see add_group), then its tree as nodes of two
 * words in depth-first order (the kind in the low 4 bits of the first and
 * the node's size in nodes above them; the second an OR's mark, a leaf id).
 * The trees built from the rules are spread over the rule set's arena
 * between the leaves and strings of every rule, so that walking one missed
 * the caches at every node; this way a unit costs a line or two.
 */
struct sg_uhot {
	uint32_t rule;
	uint32_t off;            /* its checks in prog */
	uint32_t nchecks;        /* words of checks (one per group); the tree follows them */
	uint32_t single;         /* field + 1 whose memo entries decide the unit (fold_units); 0: none */
	uint32_t check0;         /* its first check's word, read here: most candidates fail it, and
				    their checks in prog were a cache miss each */
};

struct sg_corr;

struct sg_rule {
	struct wh_sigma_rule pub;
	const struct wh_ynode *doc;         /* the YAML document (the file's tree is kept) */
	const struct wh_ynode *detection;
	struct sg_node *base;               /* the detection compiled without renames */
	const struct sg_entry *entry;       /* its logsource mapping, or NULL */
	struct sg_corr *corr;               /* a correlation rule */
	uint32_t *filters;                  /* filter rules that apply to it */
	uint32_t nfilters, filters_cap;
	const char **filter_refs;           /* a filter: the rules it names */
	uint32_t nfilter_refs;
	uint32_t *corrs;                    /* correlations that refer to it */
	uint32_t ncorrs, corrs_cap;
	bool referenced;                    /* by a correlation with generate: false */
};

struct sg_field {
	const char *name;
	bool scanned;            /* has literal leaves */
	bool memo_off;           /* its values rarely repeat: see scan_value */
	struct sg_fielddb *db;
	uint32_t memo_tries, memo_hits, memo_skip;
	uint32_t *fold;          /* units decided with each memo entry of the field (engine.c) */
	uint32_t *fold_grp;      /* per fold unit: its negative group's OR id, or SG_NONE: evaluate it */
	uint32_t nfold;
};

#define SG_RECENT_VIEWS 8

struct sg_view;
struct sg_memo;
struct sg_fgen;
struct sg_lres;
struct sg_kwdb;
struct sg_pending;

struct wh_sigma {
	struct wh_arena arena;              /* rules, leaves, nodes: everything that lives as long as the set */
	struct wh_intern strings;
	/* mapping */
	struct sg_entry *entries;
	uint32_t nentries, entries_cap;
	bool mapping_loaded;
	/* placeholders for `expand` */
	struct wh_map placeholders;         /* name -> struct sg_strlist */
	/* rules */
	struct sg_rule *rules;
	uint32_t nrules, rules_cap;
	struct wh_map by_id, by_name;       /* -> rule index + 1 */
	struct wh_sigma_reject *rejects;
	uint32_t nrejects, rejects_cap;
	struct wh_sigma_reject *warnings;
	uint32_t nwarnings, warnings_cap;
	struct wh_yfile **files;            /* kept until compile: rules point into them */
	uint32_t nfiles, files_cap;
	/* leaves and fields */
	struct sg_leaf **leaves;
	uint32_t nleaves, leaves_cap;
	struct wh_map leaf_keys;            /* key -> leaf */
	struct wh_map or_sets;              /* sorted literal leaf ids -> OR id (see or_id) */
	struct sg_field *fields;
	uint32_t nfields, fields_cap;
	struct wh_map field_ids;            /* case-insensitive name -> id + 1 */
	struct sg_shape *names;             /* SG_NAME_CACHE names seen in events (engine.c) */
	pcre2_match_context *re_mctx;
	pcre2_jit_stack *re_jit;
	pcre2_match_data *re_md;
	/* compiled */
	bool compiled;
	struct sg_target *targets;
	uint32_t ntargets, targets_cap;
	struct sg_unit *units;
	uint32_t nunits, units_cap;
	void *hs_scratch;
	bool cache_stored;                  /* a compiled database went to the on-disk cache */
	struct sg_view *recent[SG_RECENT_VIEWS];    /* the views of the last events: see get_view */
	uint32_t recent_next;
	struct wh_map views;
	struct sg_view **view_list;
	uint32_t nviews, views_cap;
	uint32_t view_uid;                  /* views made so far */
	bool shape_missed;                  /* a name of the event was not at its place */
	struct wh_sigma_shape ev_shape;     /* the event's, for its hits */
	/* per event */
	uint32_t epoch;
	/* Byte stamps: an id is set in this event when its stamp equals tick.
	 * A byte rather than the epoch itself keeps these arrays (some 40,000
	 * leaves) four times smaller, so that the hundreds of ids an event
	 * marks and reads, spread over them, miss the caches less; the arrays
	 * are cleared when tick wraps, once in 255 events. */
	uint8_t tick;
	uint8_t *leaf_epoch;
	uint8_t *leaf_val;
	uint8_t *unit_epoch;
	uint32_t *field_epoch;
	uint32_t *field_head;
	struct sg_fval *fvals;
	uint32_t nfvals, fvals_cap;
	uint32_t *cand;
	uint32_t *fired;                    /* the rules this event fired, emitted in rule order */
	uint32_t nfired, fired_cap;
	uint32_t ncand, cand_cap;
	struct sg_uhot *uhot;               /* per unit */
	uint32_t *field_fold;               /* per field: epoch its one value had a folded memo entry */
	uint32_t *prog;
	uint32_t nprog, prog_cap;
	uint32_t kw_field;                  /* the pseudo-field of keyword literals */
	uint32_t nors;
	uint8_t *or_epoch;
	/* per literal leaf, what a match sets: OR nodes, then units to evaluate,
	 * packed in lit_pool so that marking does not touch the leaves */
	struct sg_lit *lit;
	uint32_t *lit_pool;
	uint8_t *rule_hit;                  /* tick a rule last fired, per rule */
	const struct wh_event *cur_ev;
	const struct sg_view *cur_view;
	/* the literal leaves one value holds (scan or memo), deduplicated */
	uint32_t *rec;
	uint32_t nrec, rec_cap;
	uint32_t *rec_stamp;
	uint32_t rec_no;
	struct sg_memo *memo;               /* SG_MEMO_SLOTS: see engine.c */
	size_t memo_bytes;                  /* held by its entries (at most SG_MEMO_BUDGET) */
	uint32_t memo_clock;                /* counts the memo's uses: which slot of a set is older */
	uint32_t memo_gen;                  /* the last generation given to a stored entry (engine.c) */
	struct sg_fgen *field_gen;          /* per field: the memo generation of its value, this event */
	struct sg_lres *lres;               /* computed leaves by (leaf, value generation): engine.c */
	struct sg_pending *pend;            /* this event's values to decide */
	uint32_t npend, pend_cap;
	struct sg_kwdb **kwdbs;
	uint32_t nkwdbs, kwdbs_cap;
	uint32_t *kwu;                      /* the keyword leaves of every view so far (kw_union) */
	uint32_t nkwu;
	const struct sg_fielddb *kwall;      /* their database (engine.c kw_all) */
	uint32_t kwall_gen;                 /* changes with the union */
	bool kwall_stale;
	char *cat;                          /* an event's values joined, for the keyword scan */
	size_t cat_cap;
	uint32_t *seg_end;                  /* where each value ends in cat */
	uint8_t *kwdone;                    /* per field of the event: its keywords are known */
	uint32_t kwdone_cap;
	uint32_t seg_cap;
	char convbuf[64 * 32];
	uint32_t convused;
	/* the networks of an OR's cidr leaves on one field, merged (engine.c) */
	struct sg_netset *nets;
	uint32_t nnets, nets_cap;
	/* the last address parsed for a cidr leaf, this event (value.c) */
	const char *ip_v;
	size_t ip_n;
	uint32_t ip_epoch;
	bool ip_ok;
	uint8_t ip_af;
	uint8_t ip_a[16];
	/* correlations */
	struct sg_corr **corrs;
	uint32_t ncorrs_all, corrs_all_cap;
	struct wh_sigma_stats stats;
};

/*
 * The cidr leaves that are children of one OR and look at one field, as
 * sorted address ranges with overlaps merged: office_outbound_non_local_ip
 * lists 161 networks in its filters, each was a leaf evaluation, now each
 * filter is a binary search. One list per family (an IPv4 address is not
 * in an IPv6 network); IPv4 addresses are held as 128-bit numbers below
 * 2^32, so that both lists are merged and searched alike.
 */
struct sg_netranges {
	uint64_t *v;             /* n quads, inclusive: first (high, low), last (high, low) */
	uint32_t n, cap;
};

struct sg_netset {
	uint32_t field;
	struct sg_netranges v4, v6;
};

struct sg_lit {
	uint32_t off, nors, ntrig;
};

struct sg_fval {
	const char *s;
	uint32_t len;
	uint32_t next;           /* index + 1 of the next value of the same field, 0: none */
};

struct sg_strlist {
	const char **v;
	uint32_t n;
};

/* rule.c */
uint32_t sg_field_id(struct wh_sigma *s, const char *name, size_t n);
void sg_reject(struct wh_sigma *s, const char *file, uint32_t line, const char *title, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void sg_warn(struct wh_sigma *s, const char *file, uint32_t line, const char *title, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Compile a detection (search identifiers and condition) with renames.
 * Returns NULL with *err set. */
struct sg_node *sg_compile_detection(struct wh_sigma *s, struct sg_rule *r, const struct wh_ynode *det,
				     const struct sg_rename *ren, uint32_t nren, const char **err,
				     uint32_t *err_line);

/* value.c: matching one leaf against one value */
bool sg_glob_match(const char *p, const uint8_t *w, size_t pn, const char *s, size_t n, bool cased);
bool sg_leaf_match_value(struct wh_sigma *s, const struct sg_leaf *l, const char *v, size_t n);
/* A fieldref leaf: does value v compare (as the leaf's fref_kind says)
 * with ref, one value of the field it refers to? */
bool sg_fieldref_match(struct wh_sigma *s, const struct sg_leaf *l, const char *v, size_t n, const char *ref,
		       size_t rn);
/* A field leaf that its field's presence decides (null, exists, contains
 * '', or any leaf on an absent field): true, with the answer in *holds. */
static inline bool sg_leaf_by_presence(const struct sg_leaf *l, bool present, bool *holds)
{
	switch (l->kind) {
	case SG_K_NULL:
		*holds = !present;
		return true;
	case SG_K_EXISTS:
	case SG_K_ANYSTR:
		*holds = present;
		return true;
	default:
		*holds = false;
		return !present;
	}
}
bool sg_parse_cidr(const char *text, uint8_t *af, uint8_t *bits, uint8_t addr[16]);
/* Some value of the set's field is in one of its networks (value.c). */
bool sg_netset_match(struct wh_sigma *s, const struct sg_netset *ns);
/* Add a cidr leaf's network to a set being built; sg_netset_seal sorts and
 * merges. */
void sg_netset_add(struct sg_netset *ns, const struct sg_leaf *l);
void sg_netset_seal(struct sg_netset *ns);
bool sg_parse_number(const char *v, size_t n, int64_t *i, double *d, bool *isfloat);
/* Parse a Sigma string value (wildcards and escapes) into bytes and marks. */
size_t sg_unescape(const char *in, size_t n, char *out, uint8_t *wild, bool plain_wild);
size_t sg_base64(const unsigned char *in, size_t n, char *out);
int sg_windash(const char *in, size_t n, const uint8_t *wild, struct wh_sbuf *out, uint32_t max);

/* relit.c: the longest literal that every match of the regular expression
 * p contains (compared ASCII case-insensitively), into out (at most cap
 * bytes). Returns its length; 0 when none is known. */
size_t sg_re_literal(const char *p, size_t n, bool caseless, char *out, size_t cap);

/* logsource.c */
const struct sg_entry *sg_mapping_find(const struct wh_sigma *s, const char *product, const char *category,
				       const char *service);
bool sg_sel_match(const struct sg_sel *sel, const struct wh_event *ev);
int sg_mapping_parse(struct wh_sigma *s, const char *name, const char *buf, size_t len);
int sg_placeholders_parse(struct wh_sigma *s, const char *name, const char *buf, size_t len);

/* correl.c */
int sg_corr_load(struct wh_sigma *s, struct sg_rule *r, const struct wh_ynode *c, const char **err,
		 uint32_t *err_line);
int sg_corr_resolve(struct wh_sigma *s);
void sg_corr_feed(struct wh_sigma *s, uint32_t corr, uint32_t rule, const struct wh_event *ev,
		  int64_t t, wh_sigma_hit_fn fn, void *arg);
void sg_corr_finish(struct wh_sigma *s, wh_sigma_hit_fn fn, void *arg);
void sg_corr_free(struct sg_corr *c);

/* engine.c */
/* A new event: the per-event stamps move on. */
void sg_new_event(struct wh_sigma *s);
/* A hex number ("0x1a2c") as decimal text in the per-event conversion
 * space; false when v is not one. */
bool sg_hex_to_dec(struct wh_sigma *s, const char *v, size_t n, const char **out, size_t *olen);
void sg_emit(struct wh_sigma *s, uint32_t rule, const struct wh_sigma_hit *h, const struct wh_event *ev,
	     int64_t t, wh_sigma_hit_fn fn, void *arg);
/* A rule fired on the event: sg_emit with the event's hit. */
void sg_emit_event(struct wh_sigma *s, uint32_t rule, const struct wh_event *ev, wh_sigma_hit_fn fn, void *arg);

#endif
