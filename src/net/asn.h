/*
 * asn.h: the AS of a traceroute hop, for annotating hops and the AS path.
 *
 * The data is read by src/intel/geodb.h (CAIDA prefix2as, iptoasn TSV,
 * DB-IP ASN CSV, ASN mmdb, IXP prefix lists; docs/intel-formats.md), the
 * same reader flows uses. This is trace's view of it: hop addresses are
 * struct wh_addr, and an AS path leaves special-purpose ranges and IXP
 * peering LANs unmapped.
 */
#ifndef WH_NET_ASN_H
#define WH_NET_ASN_H

#include "net/addr.h"

#include <stddef.h>
#include <stdint.h>

struct wh_asdb;

struct wh_asn_info {
	uint32_t asn;            /* 0: not mapped */
	char name[96];
	const char *label;       /* special range ("private", "cgnat", "ixp" ...) or NULL */
};

struct wh_asdb *wh_asdb_new(void);
void wh_asdb_free(struct wh_asdb *db);
/* Load a file of any format above (an mmdb by its metadata marker). Returns
 * 0, or -1 with a message, also when the file holds no AS data. */
int wh_asdb_load(struct wh_asdb *db, const char *path);
/* Load an IXP prefix list. */
int wh_asdb_load_ixp(struct wh_asdb *db, const char *path);
/* The same from a file already open (opened before a privilege drop); fd is closed. */
int wh_asdb_load_fd(struct wh_asdb *db, int fd, const char *path);
int wh_asdb_load_ixp_fd(struct wh_asdb *db, int fd, const char *path);
/* The text parsers behind them: pure. Return the ranges (prefixes) added. */
size_t wh_asdb_load_text(struct wh_asdb *db, const char *buf, size_t len, const char *source);
size_t wh_asdb_load_ixp_text(struct wh_asdb *db, const char *buf, size_t len, const char *source);
/*
 * Fills *out; returns 1 when the address maps to an AS. Special ranges
 * (private, CGNAT, loopback, link-local, multicast, IXP ...) are labelled
 * and private, CGNAT, loopback, link-local, multicast and IXP ranges are
 * never mapped, whatever the data says. db may be NULL (labels only).
 */
int wh_asdb_lookup(struct wh_asdb *db, const struct wh_addr *a, struct wh_asn_info *out);

#endif
