/*
 * intel.h: offline intelligence about addresses and names: location and
 * autonomous system (read by geodb.h: MaxMind-format mmdb, DB-IP lite and
 * iptoasn range files, CAIDA prefix2as), and reputation from feeds (plain
 * lists, abuse.ch CSVs, MISP CSV and JSON, STIX 2.1 bundles).
 *
 * Everything is loaded from files the user names (by option or
 * configuration); nothing is fetched. Loading is strict about what it
 * keeps and lenient about what it skips: a line it cannot read is
 * reported with file and offset and skipped. Lookups are read-only and
 * may run from several threads once loading is done.
 *
 * Formats: docs/intel-formats.md.
 */
#ifndef WH_INTEL_H
#define WH_INTEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intel/geodb.h"
#include "read/ipaddr.h"

/* What a feed says about an indicator. */
struct wh_intel_hit {
	const char *feed;       /* the feed's file name */
	const char *threat;     /* malware family or threat type, "" when the feed has none */
	const char *indicator;  /* as the feed wrote it */
};

struct wh_intel;

struct wh_intel *wh_intel_new(void);
void wh_intel_free(struct wh_intel *t);

/* A MaxMind DB (GeoLite2/GeoIP2 Country, City or ASN, DB-IP mmdb ...). */
int wh_intel_load_mmdb(struct wh_intel *t, const char *path);
/* A CSV or TSV of address ranges: DB-IP lite country (start,end,cc), DB-IP
 * lite ASN (start,end,asn,org), iptoasn (start end asn cc org), or CAIDA
 * prefix2as (address length asn). Sniffed. */
int wh_intel_load_ranges(struct wh_intel *t, const char *path);
/* A reputation feed: plain list (IPs, CIDRs, domains, URLs), abuse.ch CSV
 * (Feodo Tracker, URLhaus, ThreatFox), MISP CSV or JSON, STIX 2.1. Sniffed. */
int wh_intel_load_feed(struct wh_intel *t, const char *path);
/* A mmdb, range file or feed, told apart by content. */
int wh_intel_load(struct wh_intel *t, const char *path);

/* Indicators loaded so far (addresses, prefixes, names). */
size_t wh_intel_count(const struct wh_intel *t);
bool wh_intel_has_geo(const struct wh_intel *t);

/* Location and AS: wh_geodb_lookup() on the geo files loaded. */
bool wh_intel_geo(const struct wh_intel *t, const struct wh_ip *ip, struct wh_geo *out);
const struct wh_intel_hit *wh_intel_ip(const struct wh_intel *t, const struct wh_ip *ip);
/* A name, or any parent domain of it, listed by a feed. */
const struct wh_intel_hit *wh_intel_domain(const struct wh_intel *t, const char *name, size_t n);

/* ---- parsers, pure, for tests and fuzzing ---- */

enum wh_feed_kind {
	WH_FEED_UNKNOWN = 0,
	WH_FEED_PLAIN,
	WH_FEED_ABUSECH,        /* Feodo Tracker, URLhaus, ThreatFox CSV */
	WH_FEED_MISP_CSV,
	WH_FEED_MISP_JSON,
	WH_FEED_STIX,
	WH_FEED_RANGES,         /* DB-IP lite / iptoasn range file, prefix2as */
	WH_FEED_MMDB,
};
enum wh_feed_kind wh_feed_sniff(const unsigned char *buf, size_t len);
const char *wh_feed_kind_name(enum wh_feed_kind k);

/*
 * Read a feed from memory into t (buf is modified in place; `name` is used
 * in messages and as the feed's name). Returns the number of indicators
 * taken; bad lines are reported and skipped.
 */
size_t wh_intel_parse_feed(struct wh_intel *t, const char *name, enum wh_feed_kind kind, char *buf,
			   size_t len);
/* The same for a range file (buf is only read). Counts the ranges that say
 * something: iptoasn's "not routed" lines are kept but not counted. */
size_t wh_intel_parse_ranges(struct wh_intel *t, const char *name, char *buf, size_t len);

/*
 * One STIX 2.1 pattern's simple comparisons: calls fn for each
 * "[ipv4-addr:value = '...']", "ipv6-addr", "domain-name", "url" term
 * (joined by OR or AND). Returns the number of terms, or -1 when the
 * pattern is not one whitehawk understands.
 */
int wh_stix_pattern(const char *pat, size_t n,
		    void (*fn)(const char *type, size_t tl, const char *val, size_t vl, void *arg),
		    void *arg);

#endif
