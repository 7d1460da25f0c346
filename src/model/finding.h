/*
 * finding.h: what an analysis concludes, in one shape for every analysis
 * (Sigma hits, the seed's indicators, network behaviour, reconnaissance),
 * so that triage can group them into cases and every writer can print them.
 *
 * A finding has a stable id (WH-EXEC-TEMP, or the Sigma rule id), a title,
 * the evidence (references to events: source and byte offset or record),
 * severity and confidence, ATT&CK technique ids, its kill-chain stage, the
 * viewpoints it speaks to, and an explanation a person can read.
 *
 * Findings live in a struct wh_findings, whose arena owns every string they
 * point to: use wh_findings_str() to copy event values in.
 */
#ifndef WH_FINDING_H
#define WH_FINDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/arena.h"

enum wh_severity {
	WH_SEV_INFO = 0,
	WH_SEV_LOW,
	WH_SEV_MEDIUM,
	WH_SEV_HIGH,
	WH_SEV_CRITICAL,
};
const char *wh_severity_name(enum wh_severity s);
/* "informational"/"info", "low", "medium", "high", "critical"; -1 when unknown. */
int wh_severity_parse(const char *s);

/* The cyber kill chain, in order: a case reports the furthest stage reached. */
enum wh_stage {
	WH_KC_NONE = 0,
	WH_KC_RECONNAISSANCE,
	WH_KC_WEAPONIZATION,
	WH_KC_DELIVERY,
	WH_KC_EXPLOITATION,
	WH_KC_INSTALLATION,
	WH_KC_COMMAND_AND_CONTROL,
	WH_KC_LATERAL_MOVEMENT,
	WH_KC_ACTIONS_ON_OBJECTIVES,
	WH_KC_COUNT
};
const char *wh_stage_name(enum wh_stage s);   /* "command_and_control" ... */
int wh_stage_parse(const char *s);

/* The seed's viewpoints, as bits. */
enum wh_viewpoint {
	WH_VP_LOCATION = 1u << 0,   /* IP country / ASN */
	WH_VP_TIME = 1u << 1,
	WH_VP_DURATION = 1u << 2,
	WH_VP_DIRECTION = 1u << 3,  /* outbound: C&C; internal to internal: lateral movement */
	WH_VP_PORT = 1u << 4,
	WH_VP_VOLUME = 1u << 5,     /* data volume */
	WH_VP_FREQUENCY = 1u << 6,
	WH_VP_REPUTATION = 1u << 7,
	WH_VP_HISTORY = 1u << 8,    /* seen on other hosts, seen before */
	WH_VP_PROCESS = 1u << 9,    /* parent/child legitimacy, signature */
	WH_VP_STATE = 1u << 10,     /* still running or stopped */
	WH_VP_COUNT_ = 11
};
/* Names of the bits in order: "location", "time", ... */
extern const char *const wh_viewpoint_names[WH_VP_COUNT_];

/* A reference to the event that shows something. */
struct wh_evref {
	const char *source;   /* input name */
	uint64_t offset;      /* byte offset in the uncompressed input */
	uint64_t record;      /* record number, 0 when unknown */
	int64_t time;
};

struct wh_kv {
	const char *key, *value;
};

struct wh_finding {
	const char *id;            /* stable: "WH-EXEC-TEMP", a Sigma rule id ... */
	const char *title;
	const char *analytic;      /* what produced it: "sigma", "indicator", "flows", "recon" */
	enum wh_severity severity;
	uint8_t confidence;        /* 0 to 100 */
	const char *attack;        /* ATT&CK ids, comma-separated: "T1204.002,T1036.007" */
	enum wh_stage stage;
	uint32_t viewpoints;       /* enum wh_viewpoint bits */
	const char *host;
	int64_t time;              /* first evidence */
	int64_t time_end;          /* last evidence (== time for one event) */
	const char *explanation;
	/* the process it concerns, when there is one */
	const char *process_guid;
	uint64_t pid;
	const char *image;
	struct wh_evref *evidence;
	uint32_t nevidence;
	struct wh_kv *details;     /* the values that matter, in order */
	uint32_t ndetails;
};

struct wh_findings {
	struct wh_finding *v;
	size_t n, cap;
	struct wh_arena arena;
};

void wh_findings_init(struct wh_findings *l);
void wh_findings_release(struct wh_findings *l);
/* A new zeroed finding (time fields WH_TIME_NONE); valid until the next add. */
struct wh_finding *wh_findings_add(struct wh_findings *l);
/* A copy of s (or of n bytes of s) in the list's arena. */
const char *wh_findings_str(struct wh_findings *l, const char *s);
const char *wh_findings_strn(struct wh_findings *l, const char *s, size_t n);
/* printf into the list's arena. */
const char *wh_findings_fmt(struct wh_findings *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void wh_finding_add_evidence(struct wh_findings *l, struct wh_finding *f, const char *source,
			     uint64_t offset, uint64_t record, int64_t time);
void wh_finding_add_detail(struct wh_findings *l, struct wh_finding *f, const char *key,
			   const char *value);
/* Sort by time, then host, then id. */
void wh_findings_sort(struct wh_findings *l);

/* One finding as a JSON object on one line (the common JSON lines format). */
void wh_finding_write_json(FILE *out, const struct wh_finding *f);
/* The same line into dst, which has room for wh_finding_json_bound(f)
 * bytes; returns its length. For writers that gather their output. */
size_t wh_finding_json_bound(const struct wh_finding *f);
size_t wh_finding_json(char *dst, const struct wh_finding *f);

#endif
