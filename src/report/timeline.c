/*
 * timeline.c: sorted output in bounded memory (see timeline.h).
 *
 * Entries live in one byte buffer (host, id and text back to back) with a
 * small index. When the buffer passes the cap, the index is sorted and the
 * entries are written to a tmpfile(3) as a run of records:
 *
 *   int64 time | uint64 seq | uint32 host length | uint32 id length |
 *   uint32 text length | host | id | text
 *
 * At the end the runs (and what is still in memory, sorted, as one more
 * source) are merged by repeatedly taking the smallest head. More than
 * MAX_RUNS runs are first merged into one, so the number of open files
 * stays small whatever the output size.
 */
#include "report/timeline.h"
#include "util/diag.h"
#include "util/xalloc.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MIN_CAP (64u << 10)
#define MAX_RUNS 64
#define RUN_BUF (256u << 10)     /* stdio buffer of a run: few system calls */

struct ent {
	int64_t time;
	uint64_t seq;
	size_t off;              /* host, then id, then text, in buf */
	uint32_t hlen, ilen, tlen;
};

struct wh_timeline {
	size_t cap;
	char *buf;
	size_t len, bufcap;
	struct ent *v;
	size_t n, vcap;
	FILE *runs[MAX_RUNS];
	uint32_t nruns, spilled;
	uint64_t seq;
};

/* One record being merged: from a run, or from memory. */
struct head {
	FILE *f;                 /* NULL: the in-memory entries */
	size_t next;             /* in memory: index of the next entry */
	bool live;
	int64_t time;
	uint64_t seq;
	uint32_t hlen, ilen, tlen;
	char *rec;               /* host, id, text */
	size_t reccap;
};

struct wh_timeline *wh_timeline_new(size_t mem_cap)
{
	struct wh_timeline *t = wh_xcalloc(1, sizeof(*t));
	t->cap = mem_cap < MIN_CAP ? MIN_CAP : mem_cap;
	return t;
}

void wh_timeline_free(struct wh_timeline *t)
{
	if (!t)
		return;
	for (uint32_t i = 0; i < t->nruns; i++)
		fclose(t->runs[i]);
	free(t->buf);
	free(t->v);
	free(t);
}

uint64_t wh_timeline_count(const struct wh_timeline *t)
{
	return t->seq;
}

uint32_t wh_timeline_runs(const struct wh_timeline *t)
{
	return t->spilled;
}

static FILE *new_run(void)
{
	FILE *f = tmpfile();
	if (f)
		setvbuf(f, NULL, _IOFBF, RUN_BUF);
	return f;
}

static int cmp_key(int64_t ta, const char *ha, uint32_t hla, const char *ia, uint32_t ila, uint64_t sa, int64_t tb,
		   const char *hb, uint32_t hlb, const char *ib, uint32_t ilb, uint64_t sb)
{
	if (ta != tb)
		return ta < tb ? -1 : 1;
	int c = memcmp(ha, hb, hla < hlb ? hla : hlb);
	if (c || hla != hlb)
		return c ? c : hla < hlb ? -1 : 1;
	c = memcmp(ia, ib, ila < ilb ? ila : ilb);
	if (c || ila != ilb)
		return c ? c : ila < ilb ? -1 : 1;
	return sa < sb ? -1 : sa > sb;
}

static const char *sort_buf;

static int cmp_ent(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	return cmp_key(x->time, sort_buf + x->off, x->hlen, sort_buf + x->off + x->hlen, x->ilen, x->seq, y->time,
		       sort_buf + y->off, y->hlen, sort_buf + y->off + y->hlen, y->ilen, y->seq);
}

/* A sort key of the radix sort: the time as an unsigned number, and the
 * entry's place. */
struct rkey {
	uint64_t k;
	size_t i;
};

/*
 * By time with a radix sort (a byte at a time, skipping the bytes all
 * times share: a log spans hours, so the top bytes are the same), which
 * keeps arrival order among equal times; then each run of equal times,
 * mostly one event's hits, is put in order by host and id with the full
 * comparison. The entries arrive in no useful order (several hosts'
 * events interleave), and comparing 40-byte entries through qsort cost
 * more than the rest of writing a hit.
 */
static void sort_mem(struct wh_timeline *t)
{
	sort_buf = t->buf;
	size_t n = t->n;
	if (n < 64) {
		if (n > 1)
			qsort(t->v, n, sizeof(*t->v), cmp_ent);
		return;
	}
	struct rkey *a = wh_xmalloc(n * sizeof(*a)), *b = wh_xmalloc(n * sizeof(*b));
	for (size_t i = 0; i < n; i++) {
		a[i].k = (uint64_t)t->v[i].time ^ (1ull << 63);   /* signed order */
		a[i].i = i;
	}
	for (unsigned shift = 0; shift < 64; shift += 8) {
		size_t cnt[256] = { 0 };
		for (size_t i = 0; i < n; i++)
			cnt[(a[i].k >> shift) & 255]++;
		if (cnt[(a[0].k >> shift) & 255] == n)
			continue;
		size_t sum = 0;
		for (unsigned d = 0; d < 256; d++) {
			size_t c = cnt[d];
			cnt[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			b[cnt[(a[i].k >> shift) & 255]++] = a[i];
		struct rkey *x = a;
		a = b;
		b = x;
	}
	free(b);
	/* v[i] = v[a[i].i] in place, cycle by cycle (done: SIZE_MAX) */
	struct ent *v = t->v;
	for (size_t i = 0; i < n; i++) {
		if (a[i].i == SIZE_MAX)
			continue;
		struct ent x = v[i];
		size_t j = i;
		for (;;) {
			size_t k = a[j].i;
			a[j].i = SIZE_MAX;
			if (k == i) {
				v[j] = x;
				break;
			}
			v[j] = v[k];
			j = k;
		}
	}
	free(a);
	for (size_t s0 = 0; s0 < n;) {
		size_t e = s0 + 1;
		while (e < n && v[e].time == v[s0].time)
			e++;
		if (e - s0 > 16) {
			qsort(v + s0, e - s0, sizeof(*v), cmp_ent);
		} else {
			for (size_t i = s0 + 1; i < e; i++) {
				struct ent x = v[i];
				size_t j = i;
				for (; j > s0 && cmp_ent(&v[j - 1], &x) > 0; j--)
					v[j] = v[j - 1];
				v[j] = x;
			}
		}
		s0 = e;
	}
}

static bool put_rec(FILE *f, int64_t time, uint64_t seq, const char *h, uint32_t hl, const char *id, uint32_t il,
		    const char *text, uint32_t tl)
{
	uint32_t lens[3] = { hl, il, tl };
	return fwrite(&time, sizeof(time), 1, f) == 1 && fwrite(&seq, sizeof(seq), 1, f) == 1 &&
	       fwrite(lens, sizeof(lens), 1, f) == 1 && fwrite(h, 1, hl, f) == hl && fwrite(id, 1, il, f) == il &&
	       fwrite(text, 1, tl, f) == tl;
}

/* Read the next record of h->f into h; false at the end or on an error. */
static bool get_rec(struct head *h)
{
	uint32_t lens[3];
	if (fread(&h->time, sizeof(h->time), 1, h->f) != 1 || fread(&h->seq, sizeof(h->seq), 1, h->f) != 1 ||
	    fread(lens, sizeof(lens), 1, h->f) != 1)
		return false;
	size_t need = (size_t)lens[0] + lens[1] + lens[2];
	if (need > h->reccap) {
		free(h->rec);
		h->reccap = need + 64;
		h->rec = wh_xmalloc(h->reccap);
	}
	if (fread(h->rec, 1, need, h->f) != need)
		return false;
	h->hlen = lens[0];
	h->ilen = lens[1];
	h->tlen = lens[2];
	return true;
}

static void head_load(struct wh_timeline *t, struct head *h)
{
	if (h->f) {
		h->live = get_rec(h);
		return;
	}
	h->live = h->next < t->n;
	if (!h->live)
		return;
	const struct ent *e = &t->v[h->next++];
	h->time = e->time;
	h->seq = e->seq;
	h->hlen = e->hlen;
	h->ilen = e->ilen;
	h->tlen = e->tlen;
	h->rec = t->buf + e->off;   /* borrowed */
}

/*
 * Merge the runs (and, when with_mem, the sorted entries in memory): into
 * the run `out` as records when out is not NULL, else each text through
 * fn. Closes the runs. Returns 0 or -1 (a run could not be read back:
 * reported).
 */
static int merge(struct wh_timeline *t, bool with_mem, FILE *out, wh_timeline_fn fn, void *arg)
{
	uint32_t nh = t->nruns + (with_mem ? 1 : 0);
	struct head *hs = wh_xcalloc(nh + 1, sizeof(*hs));
	int rc = 0;
	for (uint32_t i = 0; i < t->nruns; i++) {
		hs[i].f = t->runs[i];
		rewind(hs[i].f);
		head_load(t, &hs[i]);
	}
	if (with_mem)
		head_load(t, &hs[t->nruns]);
	for (;;) {
		struct head *m = NULL;
		for (uint32_t i = 0; i < nh; i++) {
			struct head *h = &hs[i];
			if (!h->live)
				continue;
			if (!m || cmp_key(h->time, h->rec, h->hlen, h->rec + h->hlen, h->ilen, h->seq, m->time, m->rec,
					  m->hlen, m->rec + m->hlen, m->ilen, m->seq) < 0)
				m = h;
		}
		if (!m)
			break;
		const char *text = m->rec + m->hlen + m->ilen;
		if (out) {
			if (!put_rec(out, m->time, m->seq, m->rec, m->hlen, m->rec + m->hlen, m->ilen, text, m->tlen)) {
				rc = wh_error("timeline: cannot write a temporary file");
				break;
			}
		} else {
			fn(m->time, text, m->tlen, arg);
		}
		head_load(t, m);
	}
	for (uint32_t i = 0; i < t->nruns; i++) {
		if (rc == 0 && !feof(hs[i].f))
			rc = wh_error("timeline: cannot read a temporary file back");
		fclose(hs[i].f);
		free(hs[i].rec);
	}
	t->nruns = 0;
	free(hs);
	return rc;
}

/* Write what is in memory as a sorted run. */
static int spill(struct wh_timeline *t)
{
	if (t->nruns == MAX_RUNS) {
		/* fold the runs into one first */
		FILE *f = new_run();
		if (!f)
			return wh_error("timeline: cannot make a temporary file");
		if (merge(t, false, f, NULL, NULL) < 0) {
			fclose(f);
			return -1;
		}
		t->runs[t->nruns++] = f;
	}
	FILE *f = new_run();
	if (!f)
		return wh_error("timeline: cannot make a temporary file");
	sort_mem(t);
	for (size_t i = 0; i < t->n; i++) {
		const struct ent *e = &t->v[i];
		const char *p = t->buf + e->off;
		if (!put_rec(f, e->time, e->seq, p, e->hlen, p + e->hlen, e->ilen, p + e->hlen + e->ilen, e->tlen)) {
			fclose(f);
			return wh_error("timeline: cannot write a temporary file");
		}
	}
	if (fflush(f) != 0) {
		fclose(f);
		return wh_error("timeline: cannot write a temporary file");
	}
	t->runs[t->nruns++] = f;
	t->spilled++;
	t->n = 0;
	t->len = 0;
	return 0;
}

char *wh_timeline_alloc(struct wh_timeline *t, int64_t time, const char *host, size_t hl, const char *id, size_t il,
			size_t len)
{
	if (hl > UINT32_MAX || il > UINT32_MAX || len > UINT32_MAX) {
		wh_error("timeline: an entry too large");
		return NULL;
	}
	size_t need = hl + il + len;
	if (t->n && t->len + need > t->cap && spill(t) < 0) {
		t->seq++;
		return NULL;
	}
	if (!t->buf) {
		/* the whole cap at once: pages are only backed as they are
		 * written, and growing by doubling copied the entries again and
		 * again. In huge pages where the kernel gives them: written in
		 * 4 KiB pages, the first touch of each page was 2 % of a hunt
		 * with every Sigma rule (200,000 events, 57,000 hits) */
		t->buf = wh_xmalloc(t->cap);
		t->bufcap = t->cap;
		wh_advise_huge(t->buf, t->cap);
	}
	if (t->len + need > t->bufcap) {
		size_t nc = t->bufcap ? t->bufcap : 4096;
		while (nc < t->len + need)
			nc *= 2;
		/* no more than the cap (and the entry that passes it) */
		if (nc > t->cap && t->len + need <= t->cap)
			nc = t->cap;
		else if (nc > t->cap)
			nc = t->len + need;
		t->buf = wh_xrealloc(t->buf, nc);
		t->bufcap = nc;
	}
	WH_GROW(t->v, t->n + 1, t->vcap);
	struct ent *e = &t->v[t->n++];
	e->time = time;
	e->seq = t->seq++;
	e->off = t->len;
	e->hlen = (uint32_t)hl;
	e->ilen = (uint32_t)il;
	e->tlen = (uint32_t)len;
	char *p = t->buf + t->len;
	memcpy(p, host, hl);
	memcpy(p + hl, id, il);
	t->len += need;
	return p + hl + il;
}

int wh_timeline_add(struct wh_timeline *t, int64_t time, const char *host, const char *id, const char *text,
		    size_t len)
{
	char *p = wh_timeline_alloc(t, time, host, strlen(host), id, strlen(id), len);
	if (!p)
		return -1;
	if (len)
		memcpy(p, text, len);
	return 0;
}

int wh_timeline_each(struct wh_timeline *t, wh_timeline_fn fn, void *arg)
{
	sort_mem(t);
	int rc = 0;
	if (t->nruns) {
		rc = merge(t, true, NULL, fn, arg);
	} else {
		for (size_t i = 0; i < t->n; i++) {
			const struct ent *e = &t->v[i];
			fn(e->time, t->buf + e->off + e->hlen + e->ilen, e->tlen, arg);
		}
	}
	t->n = 0;
	t->len = 0;
	return rc;
}

static void write_text(int64_t time, const char *text, size_t len, void *arg)
{
	(void)time;
	fwrite(text, 1, len, arg);
}

int wh_timeline_write(struct wh_timeline *t, FILE *out)
{
	return wh_timeline_each(t, write_text, out);
}
