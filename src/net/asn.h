/*
 * asn.h: IP address to AS number from offline data, for annotating hops.
 *
 * Formats, recognised from the content:
 *   CAIDA prefix2as (RouteViews pfx2as)   "1.0.0.0<TAB>24<TAB>13335"; an AS
 *       field of "a_b" (several origins) or "a,b" (an AS set) keeps the first
 *   iptoasn TSV                           "start<TAB>end<TAB>asn<TAB>cc<TAB>description"
 *   DB-IP ASN CSV                         "start,end,asn,organisation"
 *   an ASN mmdb (GeoLite2-ASN, DB-IP, iptoasn's), read with libmaxminddb
 *   an IXP prefix list (--ixp-file)       "prefix/len" per line (PeeringDB ixpfx, CAIDA IXPs)
 * Lines that do not parse are reported with file and offset, counted and
 * skipped. The most specific range that holds an address wins.
 *
 * The netflow work (src/intel) reads the same formats for flows; the two
 * could share one loader later.
 */
#ifndef WH_NET_ASN_H
#define WH_NET_ASN_H

#include "net/addr.h"

#include <stddef.h>
#include <stdint.h>

#define WH_ASDB_MAX_RANGES (16u << 20)
#define WH_ASDB_MAX_NAMES (256u << 20)

struct wh_asdb;

struct wh_asn_info {
	uint32_t asn;            /* 0: not mapped */
	char name[96];
	const char *label;       /* special range ("private", "cgnat", "ixp" ...) or NULL */
};

struct wh_asdb *wh_asdb_new(void);
void wh_asdb_free(struct wh_asdb *db);
/* Load a file of any format above (an mmdb by its metadata marker). Returns 0 or -1 with a message. */
int wh_asdb_load(struct wh_asdb *db, const char *path);
/* Load an IXP prefix list. */
int wh_asdb_load_ixp(struct wh_asdb *db, const char *path);
/* The same from a file already open (opened before a privilege drop); fd is closed. */
int wh_asdb_load_fd(struct wh_asdb *db, int fd, const char *path);
int wh_asdb_load_ixp_fd(struct wh_asdb *db, int fd, const char *path);
/* The parser behind wh_asdb_load for text formats: pure. Returns the ranges added. */
size_t wh_asdb_load_text(struct wh_asdb *db, const char *buf, size_t len, const char *source);
size_t wh_asdb_load_ixp_text(struct wh_asdb *db, const char *buf, size_t len, const char *source);
/*
 * Fills *out; returns 1 when the address maps to an AS. Special ranges
 * (private, CGNAT, loopback, link-local, multicast, IXP ...) are labelled
 * and private, CGNAT, loopback, link-local, multicast and IXP ranges are
 * never mapped, whatever the data says.
 */
int wh_asdb_lookup(struct wh_asdb *db, const struct wh_addr *a, struct wh_asn_info *out);
size_t wh_asdb_size(const struct wh_asdb *db);

#endif
