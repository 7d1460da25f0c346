/*
 * sigma.h: Sigma rules (specification 2.x with the modifiers of 2.1, and
 * correlation rules), loaded from YAML, compiled, and matched against
 * struct wh_event at a cost per event that stays nearly flat as rules grow.
 *
 * How it is used:
 *
 *   struct wh_sigma *s = wh_sigma_new();
 *   wh_sigma_load_mapping(s, NULL);          // the logsource mapping (defaults)
 *   wh_sigma_load_path(s, "rules/");         // files and folders, recursively
 *   ... wh_sigma_rule_at() / wh_sigma_set_enabled() to select ...
 *   wh_sigma_compile(s);
 *   for each event: wh_sigma_match(s, ev, on_hit, arg);
 *   wh_sigma_finish(s, on_hit, arg);         // correlation windows still open
 *   wh_sigma_free(s);
 *
 * A rule that cannot be loaded is a reject with its file, line and reason
 * (wh_sigma_reject_at); the other rules of the file and the folder still
 * load. Rules are matched on the original field names of the event
 * (docs/input-formats.md); the logsource mapping (etc/sigma-logsources.yml,
 * docs/sigma.md) says which events a rule's logsource covers and how fields
 * of other sources (Security 4688 ...) are named.
 *
 * A set is used by one thread at a time.
 */
#ifndef WH_SIGMA_H
#define WH_SIGMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/event.h"
#include "model/finding.h"

struct wh_sigma;

struct wh_sigma_rule {
	uint32_t index;            /* its place: wh_sigma_rule_at(s, index) is this rule */
	const char *id;            /* "" when the rule has none */
	const char *name;          /* "" when none */
	const char *title;
	const char *file;
	uint32_t line;             /* first line of its YAML document */
	const char *status;        /* "" when absent */
	const char *description;
	const char *level;         /* as written, "" when absent */
	enum wh_severity severity;
	uint8_t confidence;        /* from status: stable 80, test 70, experimental 50 ... */
	const char *const *tags;
	uint32_t ntags;
	const char *attack;        /* ATT&CK technique ids from the tags: "T1059.001,T1105" */
	enum wh_stage stage;       /* the furthest kill-chain stage of its tactic tags */
	const char *product, *category, *service;   /* "" when absent */
	const char *const *fields; /* the event fields its detection looks at, in order */
	uint32_t nfields;
	bool correlation;          /* a correlation rule */
	bool filter;               /* a Sigma filter (it changes other rules, never fires) */
	bool mapped;               /* its logsource covers some events (see rules check) */
	bool enabled;              /* reported when it fires (wh_sigma_set_enabled) */
	uint64_t hits;             /* times it fired */
};

struct wh_sigma_reject {
	const char *file;
	uint32_t line;
	const char *title;         /* "" when unknown */
	const char *reason;
};

/*
 * The names of an event, stamped: two events given to wh_sigma_match with
 * the same nonzero stamp and the same number of fields have the same field
 * names in the same order (a caller may then find a name where it found it
 * in the other). {0, 0}: no stamp.
 */
struct wh_sigma_shape {
	uint32_t view, gen;
};

/* A rule fired. For a single-event rule `ev` is the event. For a correlation
 * `ev` is the event that completed it, and `events` the evidence it kept. */
struct wh_sigma_hit {
	const struct wh_sigma_rule *rule;
	const struct wh_event *ev;           /* NULL when a window closed at wh_sigma_finish */
	const struct wh_evref *events;       /* correlation evidence (at most WH_SIGMA_MAX_EVIDENCE) */
	uint32_t nevents;
	uint64_t count;                      /* correlation: events in the window */
	double value;                        /* correlation: the value compared (count, sum, average ...) */
	const char *group;                   /* correlation: "User=bob; Computer=ws1", "" when none */
	const char *host;                    /* the host of the evidence */
	int64_t first, last;                 /* correlation: the window's first and last event */
	struct wh_sigma_shape shape;         /* ev's names (see struct wh_sigma_shape) */
};

#define WH_SIGMA_MAX_EVIDENCE 16

typedef void (*wh_sigma_hit_fn)(const struct wh_sigma_hit *hit, void *arg);

struct wh_sigma_stats {
	uint64_t events;           /* events given to wh_sigma_match */
	uint64_t covered;          /* events some loaded rule's logsource covers */
	uint64_t evaluated;        /* rule evaluations (after the literal prefilter) */
	uint64_t hits;
	uint64_t regex_limit;      /* regular expression matches stopped by the match limit */
	uint64_t corr_dropped;     /* correlation entries dropped at the state caps */
	uint64_t corr_late;        /* hits too old for their correlation window */
	uint32_t units;            /* compiled rule variants */
	uint32_t always;           /* variants evaluated on every event of their logsource */
	uint32_t literals;         /* literal patterns given to Hyperscan */
	uint32_t fields;           /* fields with a literal database */
	double compile_ms;
};

struct wh_sigma *wh_sigma_new(void);
void wh_sigma_free(struct wh_sigma *s);

/*
 * The logsource mapping. path NULL: the default (WH_SYSCONFDIR
 * sigma-logsources.yml when installed, else the copy built into the binary).
 * A further file adds entries and replaces those with the same logsource.
 * Call before loading rules. Returns 0 or -1 (reported).
 */
int wh_sigma_load_mapping(struct wh_sigma *s, const char *path);
/* Placeholder values for the `expand` modifier (YAML: name: [values]).
 * path NULL: the default file when there is one. Call before loading rules. */
int wh_sigma_load_placeholders(struct wh_sigma *s, const char *path);

/* Rules from a file or a folder (recursive; *.yml and *.yaml). Rejects are
 * recorded, not returned. Returns -1 when the path cannot be read. */
int wh_sigma_load_path(struct wh_sigma *s, const char *path);
/* Rules from text: one or more YAML documents. `name` names it in messages.
 * Pure: no I/O. Returns the number of rules loaded from it. */
int wh_sigma_load_buffer(struct wh_sigma *s, const char *name, const char *buf, size_t len);

size_t wh_sigma_nrules(const struct wh_sigma *s);
const struct wh_sigma_rule *wh_sigma_rule_at(const struct wh_sigma *s, size_t i);
size_t wh_sigma_nrejects(const struct wh_sigma *s);
const struct wh_sigma_reject *wh_sigma_reject_at(const struct wh_sigma *s, size_t i);
/* Warnings that do not stop a rule from loading (unknown placeholder ...). */
size_t wh_sigma_nwarnings(const struct wh_sigma *s);
const struct wh_sigma_reject *wh_sigma_warning_at(const struct wh_sigma *s, size_t i);

/* Every rule starts enabled. A disabled rule is not reported when it fires
 * (a correlation still sees it when it refers to it). Before compile. */
void wh_sigma_set_enabled(struct wh_sigma *s, size_t i, bool on);

/* Build the matcher. Returns 0, or -1 when a library failed (reported). */
int wh_sigma_compile(struct wh_sigma *s);

void wh_sigma_match(struct wh_sigma *s, const struct wh_event *ev, wh_sigma_hit_fn fn, void *arg);
/* The same hits, found by evaluating every rule of the event's logsources
 * leaf by leaf (plain.c): slow, for checking wh_sigma_match. One set of
 * rules takes its events through one of the two, not both. */
void wh_sigma_match_plain(struct wh_sigma *s, const struct wh_event *ev, wh_sigma_hit_fn fn, void *arg);
/* The end of the input: close correlation windows that are still open. */
void wh_sigma_finish(struct wh_sigma *s, wh_sigma_hit_fn fn, void *arg);

const struct wh_sigma_stats *wh_sigma_get_stats(const struct wh_sigma *s);

/*
 * Selection (select.c). A selector matches a rule by its id, by a tag (or a
 * tag prefix at a dot: "attack.t1059" matches "attack.t1059.001"), or by a
 * piece of its file path. Rules below min_level, rules no include selector
 * matches (when any is given), and rules an exclude selector matches are
 * disabled. Returns the number of rules left enabled.
 */
size_t wh_sigma_select(struct wh_sigma *s, int min_level, char *const *include, size_t ninclude,
		       char *const *exclude, size_t nexclude);
bool wh_sigma_rule_matches(const struct wh_sigma_rule *r, const char *sel);
/* Where `rules update` keeps rules: /var/lib/whitehawk/rules for root, else
 * $XDG_DATA_HOME/whitehawk/rules or ~/.local/share/whitehawk/rules. Into buf. */
const char *wh_sigma_rules_home(char *buf, size_t n);
/* The rule folders used when none is given: the updated rules, the installed
 * pack, the source tree's pack; those that exist, in buf (NUL-separated,
 * ending with an empty string). Returns how many. */
int wh_sigma_default_rule_dirs(char *buf, size_t n);

/*
 * Everything a command needs before selecting: the mapping (NULL: default),
 * the placeholders (NULL: default), then the rules of each path, or of the
 * default folders when there are none. Prints each rule not loaded (unless
 * quiet). Returns -1 when a path could not be read or there were no rules.
 */
int wh_sigma_load_rules(struct wh_sigma *s, char *const *paths, size_t npaths, const char *mapping,
			const char *placeholders, bool quiet);

/* "attack.t1059.001" -> "T1059.001" into buf; false when the tag is no technique. */
bool wh_sigma_tag_technique(const char *tag, char *buf, size_t n);

#endif
