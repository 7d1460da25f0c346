#include "net/asn.h"
#include "net/analysis.h"
#include "util/arena.h"
#include "util/diag.h"
#include "util/num.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct asrange {
	uint8_t lo[16], hi[16];     /* IPv4 as ::ffff:a.b.c.d */
	uint32_t asn;
	const char *name;
	int32_t parent;             /* nearest earlier range holding this one, -1 none */
	bool ixp;
};

struct wh_asdb {
	struct asrange *r;
	size_t n, cap;
	bool sorted;
	struct wh_arena names;
	size_t name_bytes;
	MMDB_s *mmdb;
};

struct wh_asdb *wh_asdb_new(void)
{
	struct wh_asdb *db = wh_xcalloc(1, sizeof(*db));
	wh_arena_init(&db->names, 64 * 1024, WH_ASDB_MAX_NAMES);
	return db;
}

void wh_asdb_free(struct wh_asdb *db)
{
	if (!db)
		return;
	if (db->mmdb) {
		MMDB_close(db->mmdb);
		free(db->mmdb);
	}
	wh_arena_release(&db->names);
	free(db->r);
	free(db);
}

size_t wh_asdb_size(const struct wh_asdb *db)
{
	return db->n;
}

static void to_key(const struct wh_addr *a, uint8_t k[16])
{
	if (a->family == AF_INET) {
		memset(k, 0, 10);
		k[10] = k[11] = 0xff;
		memcpy(k + 12, a->a, 4);
	} else {
		memcpy(k, a->a, 16);
	}
}

static bool parse_addr_n(const char *s, size_t n, struct wh_addr *a)
{
	char buf[WH_ADDR_STRLEN];
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return wh_addr_parse(buf, a);
}

static bool add_range(struct wh_asdb *db, const uint8_t lo[16], const uint8_t hi[16], uint32_t asn, const char *name,
		      size_t nlen, bool ixp)
{
	if (db->n >= WH_ASDB_MAX_RANGES || memcmp(lo, hi, 16) > 0)
		return false;
	WH_GROW(db->r, db->n + 1, db->cap);
	struct asrange *e = &db->r[db->n++];
	memcpy(e->lo, lo, 16);
	memcpy(e->hi, hi, 16);
	e->asn = asn;
	e->ixp = ixp;
	e->name = NULL;
	if (nlen) {
		if (nlen > 95)
			nlen = 95;
		e->name = wh_arena_strndup(&db->names, name, nlen);   /* NULL past the cap: no name */
	}
	db->sorted = false;
	return true;
}

static bool prefix_range(const struct wh_addr *a, unsigned len, uint8_t lo[16], uint8_t hi[16])
{
	unsigned bits = a->family == AF_INET ? 32 : 128;
	if (len > bits)
		return false;
	to_key(a, lo);
	unsigned host = bits - len;       /* host bits, counted from the end of the key */
	memcpy(hi, lo, 16);
	for (unsigned i = 0; i < host; i++) {
		unsigned byte = 15 - i / 8, bit = i % 8;
		lo[byte] &= (uint8_t)~(1u << bit);
		hi[byte] |= (uint8_t)(1u << bit);
	}
	return true;
}

/* Split a line at sep into at most max fields; returns the count. */
static size_t split(const char *s, size_t n, char sep, const char **f, size_t *fl, size_t max)
{
	size_t k = 0, start = 0;
	bool quote = false;
	for (size_t i = 0; i <= n && k < max; i++) {
		if (i < n && s[i] == '"' && sep == ',')
			quote = !quote;
		if (i == n || (s[i] == sep && !quote)) {
			f[k] = s + start;
			fl[k] = i - start;
			k++;
			start = i + 1;
		}
	}
	return k;
}

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
	/* "a_b" (several origins) and "a,b" (a set) keep the first */
	if (k < n && s[k] != '_' && s[k] != ',')
		return false;
	*asn = (uint32_t)v;
	return true;
}

static void unquote(const char **s, size_t *n)
{
	if (*n >= 2 && (*s)[0] == '"' && (*s)[*n - 1] == '"') {
		(*s)++;
		*n -= 2;
	}
}

size_t wh_asdb_load_text(struct wh_asdb *db, const char *buf, size_t len, const char *source)
{
	size_t added = 0, off = 0;
	while (off < len) {
		const char *line = buf + off;
		const char *nl = memchr(line, '\n', len - off);
		size_t n = nl ? (size_t)(nl - line) : len - off;
		size_t here = off;
		off += n + (nl ? 1 : 0);
		if (n && line[n - 1] == '\r')
			n--;
		if (n == 0 || line[0] == '#')
			continue;
		const char *f[6];
		size_t fl[6];
		size_t k = split(line, n, '\t', f, fl, 6);
		struct wh_addr a, b;
		uint32_t asn;
		uint8_t lo[16], hi[16];
		bool ok = false;
		if (k == 3) {
			/* prefix2as */
			uint64_t plen;
			ok = parse_addr_n(f[0], fl[0], &a) && wh_parse_u64(f[1], fl[1], &plen) &&
			     parse_asn(f[2], fl[2], &asn) && prefix_range(&a, (unsigned)(plen > 255 ? 255 : plen), lo, hi) &&
			     add_range(db, lo, hi, asn, NULL, 0, false);
		} else if (k >= 3) {
			/* iptoasn: start end asn cc description */
			ok = parse_addr_n(f[0], fl[0], &a) && parse_addr_n(f[1], fl[1], &b) && a.family == b.family &&
			     parse_asn(f[2], fl[2], &asn);
			if (ok) {
				to_key(&a, lo);
				to_key(&b, hi);
				/* AS 0 marks "not routed" in iptoasn: keep the range so it is known, unmapped */
				ok = add_range(db, lo, hi, asn, k >= 5 ? f[4] : NULL, k >= 5 ? fl[4] : 0, false);
			}
		} else {
			k = split(line, n, ',', f, fl, 6);
			if (k >= 3) {
				/* DB-IP: start,end,asn,organisation */
				for (size_t i = 0; i < k; i++)
					unquote(&f[i], &fl[i]);
				ok = parse_addr_n(f[0], fl[0], &a) && parse_addr_n(f[1], fl[1], &b) &&
				     a.family == b.family && parse_asn(f[2], fl[2], &asn);
				if (ok) {
					to_key(&a, lo);
					to_key(&b, hi);
					ok = add_range(db, lo, hi, asn, k >= 4 ? f[3] : NULL, k >= 4 ? fl[3] : 0, false);
				}
			}
		}
		if (ok)
			added++;
		else
			wh_bad_record(source, here, "not a prefix-to-AS line");
	}
	return added;
}

size_t wh_asdb_load_ixp_text(struct wh_asdb *db, const char *buf, size_t len, const char *source)
{
	size_t added = 0, off = 0;
	while (off < len) {
		const char *line = buf + off;
		const char *nl = memchr(line, '\n', len - off);
		size_t n = nl ? (size_t)(nl - line) : len - off;
		size_t here = off;
		off += n + (nl ? 1 : 0);
		while (n && (line[n - 1] == '\r' || line[n - 1] == ' '))
			n--;
		if (n == 0 || line[0] == '#')
			continue;
		const char *slash = memchr(line, '/', n);
		struct wh_addr a;
		uint64_t plen;
		uint8_t lo[16], hi[16];
		if (slash && parse_addr_n(line, (size_t)(slash - line), &a) &&
		    wh_parse_u64(slash + 1, n - (size_t)(slash - line) - 1, &plen) && plen <= 128 &&
		    prefix_range(&a, (unsigned)plen, lo, hi) && add_range(db, lo, hi, 0, NULL, 0, true))
			added++;
		else
			wh_bad_record(source, here, "not an IXP prefix");
	}
	return added;
}

static int cmp_range(const void *x, const void *y)
{
	const struct asrange *a = x, *b = y;
	int c = memcmp(a->lo, b->lo, 16);
	if (c)
		return c;
	return -memcmp(a->hi, b->hi, 16);   /* the wider range first */
}

static void sort_db(struct wh_asdb *db)
{
	qsort(db->r, db->n, sizeof(*db->r), cmp_range);
	int32_t *stack = wh_xcalloc(db->n ? db->n : 1, sizeof(*stack));
	size_t sp = 0;
	for (size_t i = 0; i < db->n; i++) {
		struct asrange *e = &db->r[i];
		while (sp && memcmp(db->r[stack[sp - 1]].hi, e->hi, 16) < 0)
			sp--;
		e->parent = sp ? stack[sp - 1] : -1;
		stack[sp++] = (int32_t)i;
	}
	free(stack);
	db->sorted = true;
}

static const struct asrange *find(struct wh_asdb *db, const uint8_t k[16])
{
	if (!db->n)
		return NULL;
	if (!db->sorted)
		sort_db(db);
	size_t lo = 0, hi = db->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (memcmp(db->r[mid].lo, k, 16) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	int32_t j = (int32_t)lo - 1;
	for (int guard = 0; j >= 0 && guard < 256; guard++) {
		if (memcmp(k, db->r[j].hi, 16) <= 0)
			return &db->r[j];
		j = db->r[j].parent;
	}
	return NULL;
}

static bool unmapped_label(const char *l)
{
	return l && (strcmp(l, "private") == 0 || strcmp(l, "cgnat") == 0 || strcmp(l, "loopback") == 0 ||
		     strcmp(l, "link-local") == 0 || strcmp(l, "multicast") == 0 || strcmp(l, "unspecified") == 0 ||
		     strcmp(l, "ixp") == 0);
}

int wh_asdb_lookup(struct wh_asdb *db, const struct wh_addr *a, struct wh_asn_info *out)
{
	memset(out, 0, sizeof(*out));
	out->label = wh_addr_special(a);
	if (!db)
		return 0;
	uint8_t k[16];
	to_key(a, k);
	/* IXP prefixes are looked for first: an IXP LAN is often inside a member's announced range. */
	const struct asrange *e = find(db, k);
	for (const struct asrange *p = e; p; p = p->parent >= 0 ? &db->r[p->parent] : NULL)
		if (p->ixp) {
			out->label = "ixp";
			break;
		}
	if (unmapped_label(out->label))
		return 0;
	while (e && e->ixp)
		e = e->parent >= 0 ? &db->r[e->parent] : NULL;
	if (e && e->asn) {
		out->asn = e->asn;
		if (e->name)
			snprintf(out->name, sizeof(out->name), "%s", e->name);
		return 1;
	}
	if (db->mmdb) {
		struct sockaddr_storage ss;
		wh_addr_to_sa(a, 0, &ss);
		int mmerr;
		MMDB_lookup_result_s res = MMDB_lookup_sockaddr(db->mmdb, (struct sockaddr *)&ss, &mmerr);
		if (mmerr == MMDB_SUCCESS && res.found_entry) {
			MMDB_entry_data_s d;
			if (MMDB_get_value(&res.entry, &d, "autonomous_system_number", NULL) == MMDB_SUCCESS &&
			    d.has_data && d.type == MMDB_DATA_TYPE_UINT32)
				out->asn = d.uint32;
			if (MMDB_get_value(&res.entry, &d, "autonomous_system_organization", NULL) == MMDB_SUCCESS &&
			    d.has_data && d.type == MMDB_DATA_TYPE_UTF8_STRING) {
				size_t n = d.data_size < sizeof(out->name) - 1 ? d.data_size : sizeof(out->name) - 1;
				memcpy(out->name, d.utf8_string, n);
				out->name[n] = '\0';
			}
			return out->asn != 0;
		}
	}
	return 0;
}

static int map_fd(int fd, const char *path, char **buf, size_t *len)
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

static int map_file(const char *path, char **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return wh_error("cannot open '%s': %s", path, strerror(errno));
	return map_fd(fd, path, buf, len);
}

static int load_mapped(struct wh_asdb *db, const char *path, char *buf, size_t len);

int wh_asdb_load(struct wh_asdb *db, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return wh_error("cannot open '%s': %s", path, strerror(errno));
	return wh_asdb_load_fd(db, fd, path);
}

int wh_asdb_load_fd(struct wh_asdb *db, int fd, const char *path)
{
	char *buf;
	size_t len;
	if (map_fd(fd, path, &buf, &len) < 0)
		return -1;
	return load_mapped(db, path, buf, len);
}

static int load_mapped(struct wh_asdb *db, const char *path, char *buf, size_t len)
{
	/* An mmdb ends with its metadata, marked by this byte string. */
	static const char marker[] = "\xab\xcd\xefMaxMind.com";
	bool mmdb = len > 14 && memmem(buf + (len > 131072 ? len - 131072 : 0), len > 131072 ? 131072 : len, marker,
				       sizeof(marker) - 1) != NULL;
	if (mmdb) {
		if (db->mmdb) {
			munmap(buf, len);
			return wh_error("'%s': only one mmdb at a time", path);
		}
		/* libmaxminddb opens by name. The file may be one only root could
		 * open (it was opened before the privilege drop), so hand it a
		 * copy in memory that this process owns. */
		int mfd = memfd_create("whitehawk-mmdb", MFD_CLOEXEC);
		bool copied = mfd >= 0;
		for (size_t off = 0; copied && off < len;) {
			ssize_t w = write(mfd, buf + off, len - off);
			if (w <= 0)
				copied = false;
			else
				off += (size_t)w;
		}
		munmap(buf, len);
		char byfd[64];
		snprintf(byfd, sizeof(byfd), "/proc/self/fd/%d", mfd);
		db->mmdb = wh_xcalloc(1, sizeof(*db->mmdb));
		int rc = MMDB_open(copied ? byfd : path, MMDB_MODE_MMAP, db->mmdb);
		if (mfd >= 0)
			close(mfd);
		if (rc != MMDB_SUCCESS) {
			free(db->mmdb);
			db->mmdb = NULL;
			return wh_error("'%s': %s", path, MMDB_strerror(rc));
		}
		return 0;
	}
	size_t added = wh_asdb_load_text(db, buf, len, path);
	if (buf)
		munmap(buf, len);
	if (!added)
		return wh_error("'%s': no prefix-to-AS data recognised", path);
	return 0;
}

int wh_asdb_load_ixp(struct wh_asdb *db, const char *path)
{
	char *buf;
	size_t len;
	if (map_file(path, &buf, &len) < 0)
		return -1;
	wh_asdb_load_ixp_text(db, buf, len, path);
	if (buf)
		munmap(buf, len);
	return 0;
}

int wh_asdb_load_ixp_fd(struct wh_asdb *db, int fd, const char *path)
{
	char *buf;
	size_t len;
	if (map_fd(fd, path, &buf, &len) < 0)
		return -1;
	wh_asdb_load_ixp_text(db, buf, len, path);
	if (buf)
		munmap(buf, len);
	return 0;
}
