/*
 * geodb.c: the address to AS and country tables, their text parsers and
 * the MaxMind databases beside them.
 *
 * A table is an array of ranges sorted by start address (the wider first
 * where two start together), each linked to the nearest earlier range that
 * holds it. A lookup bisects for the last range starting at or before the
 * address and walks up those links to the first range that also ends at or
 * after it: the most specific one. Range files that do not nest (DB-IP,
 * iptoasn) never walk; prefix2as walks a step or two.
 */
#include "intel/geodb.h"
#include "intel/csv.h"
#include "util/arena.h"
#include "util/diag.h"
#include "util/hash.h"
#include "util/num.h"
#include "util/xalloc.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Lines of range files are short; a longer one is not one of them. */
#define LINE_MAX_BYTES 4096

struct grange {
	struct wh_ip lo, hi;
	uint32_t asn;
	int32_t parent;         /* nearest earlier range holding this one, -1 none */
	char cc[4];
	const char *org;        /* "" when none */
};

/* An address as two integers in host order: compared without a call. */
struct gkey {
	uint64_t hi, lo;
};

struct gtable {
	struct grange *v;
	size_t n, cap;
	struct gkey *start;     /* v[i].lo, packed: the bisection touches only these */
	size_t nstart;          /* ranges indexed (sorted, linked, in start) */
};

struct wh_geodb {
	struct gtable as, country, ixp;
	MMDB_s mmdb[WH_GEODB_MAX_MMDB];
	size_t nmmdb;
	struct wh_map orgs;     /* AS names, each kept once */
	struct wh_arena org_text;
};

struct wh_geodb *wh_geodb_new(void)
{
	struct wh_geodb *db = wh_xcalloc(1, sizeof(*db));
	wh_map_init(&db->orgs, false);
	wh_arena_init(&db->org_text, 64 * 1024, WH_GEODB_MAX_NAMES);
	return db;
}

void wh_geodb_free(struct wh_geodb *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->nmmdb; i++)
		MMDB_close(&db->mmdb[i]);
	struct gtable *tables[] = { &db->as, &db->country, &db->ixp };
	for (size_t i = 0; i < 3; i++) {
		free(tables[i]->v);
		free(tables[i]->start);
	}
	wh_map_release(&db->orgs);
	wh_arena_release(&db->org_text);
	free(db);
}

bool wh_geodb_empty(const struct wh_geodb *db)
{
	return !db->nmmdb && !db->as.n && !db->country.n;
}

/* ---- tables ---- */

static struct gkey key_of(const struct wh_ip *ip)
{
	uint64_t h, l;
	memcpy(&h, ip->b, 8);
	memcpy(&l, ip->b + 8, 8);
	return (struct gkey){ be64toh(h), be64toh(l) };
}

static bool key_le(struct gkey a, struct gkey b)
{
	return a.hi < b.hi || (a.hi == b.hi && a.lo <= b.lo);
}

static bool table_add(struct gtable *t, const struct grange *r)
{
	if (t->n >= WH_GEODB_MAX_RANGES)
		return false;
	WH_GROW(t->v, t->n + 1, t->cap);
	t->v[t->n++] = *r;
	return true;
}

static int cmp_range(const void *x, const void *y)
{
	const struct grange *a = x, *b = y;
	int c = wh_ip_cmp(&a->lo, &b->lo);
	return c ? c : -wh_ip_cmp(&a->hi, &b->hi);   /* the wider range first */
}

/* Sort, then link each range to the nearest earlier one that holds it. */
static void table_index(struct gtable *t)
{
	qsort(t->v, t->n, sizeof(*t->v), cmp_range);
	t->start = wh_xreallocarray(t->start, t->n ? t->n : 1, sizeof(*t->start));
	for (size_t i = 0; i < t->n; i++)
		t->start[i] = key_of(&t->v[i].lo);
	t->nstart = t->n;
	int32_t *stack = wh_xcalloc(t->n ? t->n : 1, sizeof(*stack));
	size_t sp = 0;
	for (size_t i = 0; i < t->n; i++) {
		struct grange *e = &t->v[i];
		while (sp && wh_ip_cmp(&t->v[stack[sp - 1]].hi, &e->hi) < 0)
			sp--;
		e->parent = sp ? stack[sp - 1] : -1;
		stack[sp++] = (int32_t)i;
	}
	free(stack);
}

static const struct grange *table_find(const struct gtable *t, const struct wh_ip *ip)
{
	struct gkey k = key_of(ip);
	size_t lo = 0, hi = t->nstart;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (key_le(t->start[mid], k))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	int32_t j = (int32_t)lo - 1;
	/* Nesting deeper than this is not routing data; give up rather than walk long. */
	for (int guard = 0; j >= 0 && guard < 256; guard++) {
		if (key_le(k, key_of(&t->v[j].hi)))
			return &t->v[j];
		j = t->v[j].parent;
	}
	return NULL;
}

/* An AS name, kept once however many ranges carry it. "" past the cap. */
static const char *org_name(struct wh_geodb *db, const char *s, size_t n)
{
	if (n > WH_GEODB_NAME_MAX)
		n = WH_GEODB_NAME_MAX;
	if (n == 0)
		return "";
	struct wh_map_slot *sl = wh_map_find(&db->orgs, s, n);
	if (sl)
		return sl->key;
	char *copy = wh_arena_strndup(&db->org_text, s, n);
	if (!copy)
		return "";
	wh_map_put(&db->orgs, copy, n, NULL)->val = copy;
	return copy;
}

/* ---- text ---- */

static bool is_cc(const char *s, size_t n)
{
	return n == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
}

static bool is_digits(const char *s, size_t n)
{
	if (n == 0 || n > 3)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* "13335", "AS13335"; "a_b" (several origins) and "a,b" (an AS set) keep the first. */
static bool parse_asn(const char *s, size_t n, uint32_t *asn)
{
	if (n > 2 && (s[0] == 'A' || s[0] == 'a') && (s[1] == 'S' || s[1] == 's')) {
		s += 2;
		n -= 2;
	}
	size_t k = 0;
	while (k < n && s[k] >= '0' && s[k] <= '9')
		k++;
	uint64_t v;
	if (!wh_parse_u64(s, k, &v) || v > UINT32_MAX)
		return false;
	if (k < n && s[k] != '_' && s[k] != ',')
		return false;
	*asn = (uint32_t)v;
	return true;
}

/* r->lo and r->hi of the prefix a/len; len counts the bits of a's own family. */
static bool prefix_range(const char *a, size_t an, uint64_t len, struct grange *r)
{
	if (!wh_ip_parse(a, an, &r->lo))
		return false;
	bool v4 = memchr(a, ':', an) == NULL;
	if (len > (v4 ? 32u : 128u))
		return false;
	r->hi = r->lo;
	for (unsigned bit = (unsigned)len + (v4 ? 96u : 0u); bit < 128; bit++) {
		uint8_t m = (uint8_t)(0x80u >> (bit % 8));
		r->lo.b[bit / 8] &= (uint8_t)~m;
		r->hi.b[bit / 8] |= m;
	}
	return true;
}

/* One line's fields, split on a private copy, since the splitter writes and
 * the buffer may be a read-only map: tab-separated when the line has a tab,
 * else CSV. A line longer than LINE_MAX_BYTES is cut there. */
struct fields {
	char text[LINE_MAX_BYTES + 1];
	char *f[WH_CSV_MAX_COLS];
	size_t fl[WH_CSV_MAX_COLS];
	size_t n;
	char sep;
};

static void split_line(const char *line, size_t n, struct fields *fs)
{
	if (n > LINE_MAX_BYTES)
		n = LINE_MAX_BYTES;
	memcpy(fs->text, line, n);
	fs->text[n] = '\0';
	fs->sep = memchr(fs->text, '\t', n) ? '\t' : ',';
	fs->n = wh_csv_split(fs->text, n, fs->sep, fs->f, fs->fl);
}

/*
 * One line's fields into *r. Returns the table the range belongs in, or
 * NULL with *why saying what is wrong with the line.
 */
static struct gtable *parse_fields(struct wh_geodb *db, const struct fields *fs, struct grange *r,
				   const char **why)
{
	char *const *f = fs->f;
	const size_t *fl = fs->fl;
	size_t nf = fs->n;
	char sep = fs->sep;
	memset(r, 0, sizeof(*r));
	r->org = "";
	r->parent = -1;
	uint64_t plen;
	if (sep == '\t' && nf == 3 && is_digits(f[1], fl[1])) {
		/* prefix2as: address, length, AS */
		if (!wh_parse_u64(f[1], fl[1], &plen) || !prefix_range(f[0], fl[0], plen, r) ||
		    !parse_asn(f[2], fl[2], &r->asn)) {
			*why = "not a prefix2as line";
			return NULL;
		}
		return &db->as;
	}
	if (nf < 3 || !wh_ip_parse(f[0], fl[0], &r->lo) || !wh_ip_parse(f[1], fl[1], &r->hi) ||
	    wh_ip_is_v4(&r->lo) != wh_ip_is_v4(&r->hi) || wh_ip_cmp(&r->lo, &r->hi) > 0) {
		*why = "not an address range line";
		return NULL;
	}
	if (nf >= 4 && is_cc(f[2], fl[2]) && is_cc(f[3], fl[3])) {
		memcpy(r->cc, f[3], 2);      /* DB-IP city lite: continent, country, ... */
		return &db->country;
	}
	if (is_cc(f[2], fl[2])) {
		memcpy(r->cc, f[2], 2);      /* DB-IP country lite */
		return &db->country;
	}
	if (!parse_asn(f[2], fl[2], &r->asn)) {
		*why = "third column is neither a country code nor an AS number";
		return NULL;
	}
	if (nf >= 5 && (sep == '\t' || is_cc(f[3], fl[3]))) {
		/* iptoasn: asn, country ("None" when not routed), description */
		if (is_cc(f[3], fl[3]))
			memcpy(r->cc, f[3], 2);
		r->org = org_name(db, f[4], fl[4]);
	} else if (nf >= 4) {
		r->org = org_name(db, f[3], fl[3]);  /* DB-IP ASN lite: asn, organisation */
	}
	return &db->as;
}

/* The next line of buf from *off, without its end; false at the end. */
static bool next_line(const char *buf, size_t len, size_t *off, const char **line, size_t *n)
{
	if (*off >= len)
		return false;
	*line = buf + *off;
	const char *nl = memchr(*line, '\n', len - *off);
	*n = nl ? (size_t)(nl - *line) : len - *off;
	*off += *n + (nl ? 1 : 0);
	if (*n && (*line)[*n - 1] == '\r')
		(*n)--;
	return true;
}

size_t wh_geodb_parse(struct wh_geodb *db, const char *buf, size_t len, const char *source,
		      struct wh_geodb_added *added)
{
	struct wh_geodb_added a = { 0 };
	size_t off = 0, n, taken = 0;
	const char *line;
	while (next_line(buf, len, &off, &line, &n)) {
		size_t here = (size_t)(line - buf);
		if (n == 0 || line[0] == '#')
			continue;
		if (n > LINE_MAX_BYTES) {
			wh_bad_record(source, here, "line longer than %d bytes", LINE_MAX_BYTES);
			continue;
		}
		struct fields fs;
		split_line(line, n, &fs);
		struct grange r;
		const char *why = NULL;
		struct gtable *t = parse_fields(db, &fs, &r, &why);
		if (!t) {
			wh_bad_record(source, here, "%s", why);
			continue;
		}
		if (!table_add(t, &r)) {
			wh_bad_record(source, here, "more than %u ranges: the rest is skipped", WH_GEODB_MAX_RANGES);
			break;
		}
		if (t == &db->country) {
			a.country++;
		} else {
			a.as++;
			a.unrouted += r.asn == 0;
		}
		taken++;
	}
	if (a.as)
		table_index(&db->as);
	if (a.country)
		table_index(&db->country);
	if (added)
		*added = a;
	return taken;
}

size_t wh_geodb_parse_ixp(struct wh_geodb *db, const char *buf, size_t len, const char *source)
{
	size_t off = 0, n, taken = 0;
	const char *line;
	while (next_line(buf, len, &off, &line, &n)) {
		size_t here = (size_t)(line - buf);
		while (n && line[n - 1] == ' ')
			n--;
		if (n == 0 || line[0] == '#')
			continue;
		const char *slash = memchr(line, '/', n);
		struct grange r;
		memset(&r, 0, sizeof(r));
		r.org = "";
		uint64_t plen;
		if (!slash || !wh_parse_u64(slash + 1, n - (size_t)(slash - line) - 1, &plen) ||
		    !prefix_range(line, (size_t)(slash - line), plen, &r)) {
			wh_bad_record(source, here, "not an IXP prefix");
			continue;
		}
		if (!table_add(&db->ixp, &r)) {
			wh_bad_record(source, here, "more than %u IXP prefixes: the rest is skipped", WH_GEODB_MAX_RANGES);
			break;
		}
		taken++;
	}
	if (taken)
		table_index(&db->ixp);
	return taken;
}

bool wh_geodb_line_shape(const char *line, size_t n)
{
	struct fields fs;
	split_line(line, n, &fs);
	struct wh_ip ip;
	if (fs.n < 3 || !wh_ip_parse(fs.f[0], fs.fl[0], &ip))
		return false;
	if (wh_ip_parse(fs.f[1], fs.fl[1], &ip))
		return true;    /* start, end, ... */
	uint32_t asn;
	return fs.sep == '\t' && fs.n == 3 && is_digits(fs.f[1], fs.fl[1]) && parse_asn(fs.f[2], fs.fl[2], &asn);
}

/* ---- MaxMind databases ---- */

static void copy_str(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* Fills what g does not know yet from one database. */
static void mmdb_lookup(const MMDB_s *mm, const struct wh_ip *ip, struct wh_geo *g)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	if (wh_ip_is_v4(ip)) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, ip->b + 12, 4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, ip->b, 16);
	}
	int err;
	MMDB_lookup_result_s res = MMDB_lookup_sockaddr(mm, (struct sockaddr *)&ss, &err);
	if (err != MMDB_SUCCESS || !res.found_entry)
		return;
	MMDB_entry_data_s d;
	if (!g->country[0]) {
		if ((MMDB_get_value(&res.entry, &d, "country", "iso_code", NULL) == MMDB_SUCCESS && d.has_data &&
		     d.type == MMDB_DATA_TYPE_UTF8_STRING) ||
		    (MMDB_get_value(&res.entry, &d, "registered_country", "iso_code", NULL) == MMDB_SUCCESS &&
		     d.has_data && d.type == MMDB_DATA_TYPE_UTF8_STRING))
			copy_str(g->country, sizeof(g->country), d.utf8_string, d.data_size);
	}
	if (!g->asn && MMDB_get_value(&res.entry, &d, "autonomous_system_number", NULL) == MMDB_SUCCESS &&
	    d.has_data) {
		if (d.type == MMDB_DATA_TYPE_UINT32)
			g->asn = d.uint32;
		else if (d.type == MMDB_DATA_TYPE_UINT16)
			g->asn = d.uint16;
		if (MMDB_get_value(&res.entry, &d, "autonomous_system_organization", NULL) == MMDB_SUCCESS &&
		    d.has_data && d.type == MMDB_DATA_TYPE_UTF8_STRING)
			copy_str(g->as_org, sizeof(g->as_org), d.utf8_string, d.data_size);
	}
}

/* libmaxminddb opens by name: byname is path itself or a /proc/self/fd link. */
static int open_mmdb(struct wh_geodb *db, const char *path, const char *byname)
{
	if (db->nmmdb == WH_GEODB_MAX_MMDB)
		return wh_error("'%s': at most %d mmdb files", path, WH_GEODB_MAX_MMDB);
	int rc = MMDB_open(byname, MMDB_MODE_MMAP, &db->mmdb[db->nmmdb]);
	if (rc != MMDB_SUCCESS)
		return wh_error("cannot read the MaxMind database '%s': %s", path, MMDB_strerror(rc));
	db->nmmdb++;
	return 0;
}

int wh_geodb_load_mmdb(struct wh_geodb *db, const char *path)
{
	return open_mmdb(db, path, path);
}

/* An mmdb ends with its metadata, marked by this byte string. */
static bool is_mmdb(const char *buf, size_t len)
{
	static const char marker[] = "\xab\xcd\xefMaxMind.com";
	size_t tail = len > 131072 ? 131072 : len;
	return len > 14 && memmem(buf + len - tail, tail, marker, sizeof(marker) - 1) != NULL;
}

/* The file may be one only root could open (it was opened before the
 * privilege drop, and /proc/self/fd would check again), so libmaxminddb
 * gets a copy in memory that this process owns. */
static int open_mmdb_copy(struct wh_geodb *db, const char *path, const char *buf, size_t len)
{
	int mfd = memfd_create("whitehawk-mmdb", MFD_CLOEXEC);
	bool copied = mfd >= 0;
	for (size_t off = 0; copied && off < len;) {
		ssize_t w = write(mfd, buf + off, len - off);
		if (w <= 0)
			copied = false;
		else
			off += (size_t)w;
	}
	char byfd[64];
	snprintf(byfd, sizeof(byfd), "/proc/self/fd/%d", mfd);
	int rc = open_mmdb(db, path, copied ? byfd : path);
	if (mfd >= 0)
		close(mfd);
	return rc;
}

/* ---- files ---- */

/* Maps the file behind fd (closed here) read-only; an empty file gives NULL, 0. */
static int map_fd(int fd, const char *path, const char **buf, size_t *len)
{
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return wh_error("'%s' is not a regular file", path);
	}
	*len = (size_t)st.st_size;
	*buf = NULL;
	if (*len) {
		void *m = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED) {
			close(fd);
			return wh_error("cannot read '%s': %s", path, strerror(errno));
		}
		*buf = m;
	}
	close(fd);
	return 0;
}

static void unmap(const char *buf, size_t len)
{
	if (buf)
		munmap((void *)buf, len);
}

static int load_fd(struct wh_geodb *db, int fd, const char *path, bool by_name, struct wh_geodb_added *added)
{
	const char *buf;
	size_t len;
	struct wh_geodb_added a = { 0 };
	if (added)
		*added = a;
	if (map_fd(fd, path, &buf, &len) < 0)
		return -1;
	if (is_mmdb(buf, len)) {
		int rc = by_name ? open_mmdb(db, path, path) : open_mmdb_copy(db, path, buf, len);
		unmap(buf, len);
		if (rc == 0 && added)
			added->mmdb = 1;
		return rc;
	}
	wh_geodb_parse(db, buf, len, path, added);
	unmap(buf, len);
	return 0;
}

static int open_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		wh_error("cannot open '%s': %s", path, strerror(errno));
	return fd;
}

int wh_geodb_load(struct wh_geodb *db, const char *path, struct wh_geodb_added *added)
{
	int fd = open_file(path);
	return fd < 0 ? -1 : load_fd(db, fd, path, true, added);
}

int wh_geodb_load_fd(struct wh_geodb *db, int fd, const char *path, struct wh_geodb_added *added)
{
	return load_fd(db, fd, path, false, added);
}

int wh_geodb_load_ixp_fd(struct wh_geodb *db, int fd, const char *path)
{
	const char *buf;
	size_t len;
	if (map_fd(fd, path, &buf, &len) < 0)
		return -1;
	wh_geodb_parse_ixp(db, buf, len, path);
	unmap(buf, len);
	return 0;
}

int wh_geodb_load_ixp(struct wh_geodb *db, const char *path)
{
	int fd = open_file(path);
	return fd < 0 ? -1 : wh_geodb_load_ixp_fd(db, fd, path);
}

/* ---- lookups ---- */

bool wh_geodb_lookup(const struct wh_geodb *db, const struct wh_ip *ip, struct wh_geo *g)
{
	memset(g, 0, sizeof(*g));
	const struct grange *as = table_find(&db->as, ip);
	if (as && as->asn) {
		g->asn = as->asn;
		copy_str(g->as_org, sizeof(g->as_org), as->org, strlen(as->org));
	} else {
		as = NULL;
	}
	for (size_t i = 0; i < db->nmmdb && !(g->country[0] && g->asn); i++)
		mmdb_lookup(&db->mmdb[i], ip, g);
	const struct grange *c;
	if (!g->country[0] && (c = table_find(&db->country, ip)) != NULL)
		memcpy(g->country, c->cc, sizeof(g->country));
	if (!g->country[0] && as && as->cc[0])
		memcpy(g->country, as->cc, sizeof(g->country));
	return g->country[0] || g->asn;
}

bool wh_geodb_ixp(const struct wh_geodb *db, const struct wh_ip *ip)
{
	return table_find(&db->ixp, ip) != NULL;
}

/* ---- special-purpose ranges (RFC 6890 and the ranges it lists) ---- */

#define V4NET(a, b, c, d, len) { { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d } }, 96 + (len) }

static const struct {
	struct wh_prefix net;
	struct wh_special s;
} special[] = {
	{ V4NET(0, 0, 0, 0, 8), { "unspecified", true } },
	{ V4NET(10, 0, 0, 0, 8), { "private", true } },
	{ V4NET(100, 64, 0, 0, 10), { "cgnat", true } },
	{ V4NET(127, 0, 0, 0, 8), { "loopback", true } },
	{ V4NET(169, 254, 0, 0, 16), { "link-local", true } },
	{ V4NET(172, 16, 0, 0, 12), { "private", true } },
	{ V4NET(192, 0, 2, 0, 24), { "documentation", false } },
	{ V4NET(192, 168, 0, 0, 16), { "private", true } },
	{ V4NET(198, 18, 0, 0, 15), { "benchmark", false } },
	{ V4NET(198, 51, 100, 0, 24), { "documentation", false } },
	{ V4NET(203, 0, 113, 0, 24), { "documentation", false } },
	{ V4NET(224, 0, 0, 0, 4), { "multicast", true } },
	{ V4NET(240, 0, 0, 0, 4), { "reserved", false } },
	{ { { { 0 } }, 128 }, { "unspecified", true } },
	{ { { { [15] = 1 } }, 128 }, { "loopback", true } },
	{ { { { 0xfc } }, 7 }, { "private", true } },
	{ { { { 0xfe, 0x80 } }, 10 }, { "link-local", true } },
	{ { { { 0xff } }, 8 }, { "multicast", true } },
	{ { { { 0x20, 0x01, 0x0d, 0xb8 } }, 32 }, { "documentation", false } },
	{ { { { 0x20, 0x01, 0x00, 0x02 } }, 48 }, { "benchmark", false } },
};

const struct wh_special *wh_ip_special(const struct wh_ip *ip)
{
	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++)
		if (wh_prefix_contains(&special[i].net, ip))
			return &special[i].s;
	return NULL;
}
