/*
 * geodb.h: address to autonomous system and country, from offline files.
 * The one reader of these formats in whitehawk: flows and recon ask it
 * where a remote end is (through intel.h), trace asks it the AS of each
 * hop (through src/net/asn.h). Each format is parsed here and nowhere else.
 *
 * Text formats, told apart line by line from the content:
 *   DB-IP lite country CSV        start,end,country
 *   DB-IP lite city CSV           start,end,continent,country,...
 *   DB-IP lite ASN CSV            start,end,asn,organisation
 *   iptoasn TSV                   start<TAB>end<TAB>asn<TAB>country<TAB>description
 *                                 (AS 0 means "not routed": kept, so that it
 *                                 hides a wider range, but never an answer)
 *   CAIDA prefix2as (pfx2as)      address<TAB>length<TAB>asn; an AS field of
 *                                 "a_b" (several origins) or "a,b" (an AS
 *                                 set) keeps the first
 *   IXP prefix lists              address/length, one a line (PeeringDB
 *                                 ixpfx, CAIDA IXPs), loaded apart
 * and MaxMind DB files (GeoLite2/GeoIP2 Country, City, ASN, DB-IP's and
 * iptoasn's mmdb ...) through libmaxminddb.
 *
 * A line that does not parse is reported with its source and offset,
 * counted and skipped. Ranges may nest (prefix2as does): the most specific
 * range holding an address answers. Every table has a hard cap. Lookups do
 * not change the database, so they may run from several threads once
 * loading is done.
 *
 * Also here: the special-purpose address ranges (private, CGNAT, loopback
 * ...), defined once for everything that labels addresses.
 *
 * Formats: docs/intel-formats.md.
 */
#ifndef WH_INTEL_GEODB_H
#define WH_INTEL_GEODB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "read/ipaddr.h"

#define WH_GEODB_MAX_RANGES (16u << 20)     /* per table: AS, country, IXP */
#define WH_GEODB_MAX_NAMES (256u << 20)     /* bytes of distinct AS names */
#define WH_GEODB_MAX_MMDB 8
#define WH_GEODB_NAME_MAX 127               /* longer AS names are cut */

/* What one address maps to. */
struct wh_geo {
	char country[4];        /* ISO 3166 alpha-2, "" when unknown */
	uint32_t asn;           /* 0 when unknown */
	char as_org[128];       /* "" when unknown */
};

/* What a load added. */
struct wh_geodb_added {
	size_t as;              /* ranges with an AS, iptoasn's AS 0 ("not routed") included */
	size_t unrouted;        /* of those, the ones with AS 0 */
	size_t country;         /* ranges with a country and no AS */
	size_t mmdb;            /* MaxMind databases opened */
};

struct wh_geodb;

struct wh_geodb *wh_geodb_new(void);
void wh_geodb_free(struct wh_geodb *db);

/*
 * A file of any format above but an IXP list: an mmdb (recognised by its
 * metadata marker) or text. Returns 0, or -1 after a message; *added (may
 * be NULL) says what it gave, so that the caller can refuse a file of no
 * use to it.
 */
int wh_geodb_load(struct wh_geodb *db, const char *path, struct wh_geodb_added *added);
/* The same from a file already open, for example opened before a privilege
 * drop (an mmdb is then read from a private in-memory copy, since
 * libmaxminddb opens files by name). fd is closed. */
int wh_geodb_load_fd(struct wh_geodb *db, int fd, const char *path, struct wh_geodb_added *added);
/* A MaxMind DB, opened by name. */
int wh_geodb_load_mmdb(struct wh_geodb *db, const char *path);
/* An IXP prefix list. Returns 0, or -1 after a message. */
int wh_geodb_load_ixp(struct wh_geodb *db, const char *path);
int wh_geodb_load_ixp_fd(struct wh_geodb *db, int fd, const char *path);

/* ---- parsers, pure (buffer in, tables out, no I/O), for tests and fuzzing ---- */

/* Text range and prefix data. The buffer is only read. Returns the lines taken. */
size_t wh_geodb_parse(struct wh_geodb *db, const char *buf, size_t len, const char *source,
		      struct wh_geodb_added *added);
/* An IXP prefix list. Returns the prefixes taken. */
size_t wh_geodb_parse_ixp(struct wh_geodb *db, const char *buf, size_t len, const char *source);
/* Whether one line has the shape of the text formats above (two addresses,
 * or address, length and AS), for telling a range file from a feed. */
bool wh_geodb_line_shape(const char *line, size_t n);

/* ---- lookups ---- */

/* Ranges and databases loaded. */
bool wh_geodb_empty(const struct wh_geodb *db);
/*
 * Fills *out; true when anything is known. The AS comes from the range
 * and prefix files first (the most specific range; AS 0 answers nothing),
 * then from the mmdb files in the order loaded. The country comes from the
 * mmdb files first (where an address is located), then from country
 * ranges, then from the country column of the AS range (where it is
 * registered).
 */
bool wh_geodb_lookup(const struct wh_geodb *db, const struct wh_ip *ip, struct wh_geo *out);
/* Whether an IXP prefix list holds the address. */
bool wh_geodb_ixp(const struct wh_geodb *db, const struct wh_ip *ip);

/* ---- special-purpose ranges ---- */

struct wh_special {
	const char *label;      /* "private", "cgnat", "loopback", "link-local", "multicast",
				 * "unspecified", "documentation", "benchmark", "reserved" */
	bool unmapped;          /* never part of an AS, whatever the data says */
};

/* The special-purpose range holding the address, or NULL. */
const struct wh_special *wh_ip_special(const struct wh_ip *ip);

#endif
