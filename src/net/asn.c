/*
 * asn.c: trace's adapter over src/intel/geodb.c. It converts hop addresses
 * at the boundary and applies the AS path's rules; it parses nothing.
 */
#include "net/asn.h"
#include "intel/geodb.h"
#include "util/diag.h"
#include "util/xalloc.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

struct wh_asdb {
	struct wh_geodb *geo;
};

struct wh_asdb *wh_asdb_new(void)
{
	struct wh_asdb *db = wh_xcalloc(1, sizeof(*db));
	db->geo = wh_geodb_new();
	return db;
}

void wh_asdb_free(struct wh_asdb *db)
{
	if (!db)
		return;
	wh_geodb_free(db->geo);
	free(db);
}

/* A country file given to --as-file loads, but is no use to a trace: say so. */
static int need_as(int rc, const char *path, const struct wh_geodb_added *a)
{
	if (rc == 0 && !a->mmdb && !a->as)
		return wh_error("'%s': no prefix-to-AS data recognised", path);
	return rc;
}

int wh_asdb_load(struct wh_asdb *db, const char *path)
{
	struct wh_geodb_added a;
	return need_as(wh_geodb_load(db->geo, path, &a), path, &a);
}

int wh_asdb_load_fd(struct wh_asdb *db, int fd, const char *path)
{
	struct wh_geodb_added a;
	return need_as(wh_geodb_load_fd(db->geo, fd, path, &a), path, &a);
}

int wh_asdb_load_ixp(struct wh_asdb *db, const char *path)
{
	return wh_geodb_load_ixp(db->geo, path);
}

int wh_asdb_load_ixp_fd(struct wh_asdb *db, int fd, const char *path)
{
	return wh_geodb_load_ixp_fd(db->geo, fd, path);
}

size_t wh_asdb_load_text(struct wh_asdb *db, const char *buf, size_t len, const char *source)
{
	struct wh_geodb_added a;
	wh_geodb_parse(db->geo, buf, len, source, &a);
	return a.as;
}

size_t wh_asdb_load_ixp_text(struct wh_asdb *db, const char *buf, size_t len, const char *source)
{
	return wh_geodb_parse_ixp(db->geo, buf, len, source);
}

int wh_asdb_lookup(struct wh_asdb *db, const struct wh_addr *a, struct wh_asn_info *out)
{
	memset(out, 0, sizeof(*out));
	if (a->family != AF_INET && a->family != AF_INET6)
		return 0;
	struct wh_ip ip;
	wh_addr_to_ip(a, &ip);
	const struct wh_special *sp = wh_ip_special(&ip);
	bool unmapped = sp && sp->unmapped;
	out->label = sp ? sp->label : NULL;
	if (!db)
		return 0;
	/* IXP prefixes are looked for first: an IXP LAN is often inside a member's announced range. */
	if (wh_geodb_ixp(db->geo, &ip)) {
		out->label = "ixp";
		unmapped = true;
	}
	struct wh_geo g;
	if (unmapped || !wh_geodb_lookup(db->geo, &ip, &g) || !g.asn)
		return 0;
	out->asn = g.asn;
	size_t n = strnlen(g.as_org, sizeof(out->name) - 1);
	memcpy(out->name, g.as_org, n);
	out->name[n] = '\0';
	return 1;
}
