/*
 * evtx.c: the EVTX reader. Windows event log files, whole ("ElfFile") or a
 * bare chunk ("ElfChnk", as carving tools and dirty copies leave them).
 *
 * The file is read as it comes, in 64 KiB blocks after the 4 KiB header,
 * into a small ring of slots; every block with a chunk signature is parsed
 * whatever the header says (the header of a log that was not closed
 * cleanly undercounts its chunks). With -j N (at most one per core), N - 1
 * workers parse blocks from the newest end of the ring while next() parses
 * from the oldest and hands out events strictly in block order, so the
 * output is the same for every N. Memory is the ring (N * 2 + 1 slots of a
 * block and its events) plus the compiled templates: bounded, whatever the
 * file size.
 *
 * Damage: a block that is not a chunk, or whose header or checksums do not
 * hold, is reported with its offset and skipped; with --carve its records
 * are recovered by signature, as are records in the slack space after the
 * last record of good chunks. Broken records are reported and skipped.
 * The format itself is in evtx_parse.c and evtx_compile.c.
 */
#include "read/evtx_parse.h"
#include "read/reader.h"
#include "util/diag.h"
#include "util/xalloc.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define TEMPLATE_CACHE_BYTES (16u << 20)   /* shared out among the threads */
#define TEXT_BUDGET (40u << 20)            /* event text of all slots together */
#define MAX_THREADS 16
#define DROP_BATCH (4u << 20)              /* mapped bytes given back at a time */

enum slot_state { SLOT_FREE, SLOT_FILLED, SLOT_BUSY, SLOT_DONE };

struct slot {
	unsigned char *own;        /* the slot's buffer, when the input is read */
	const unsigned char *buf;  /* the block: in own, or in the file's mapping */
	size_t len;
	uint64_t file_off;         /* where the block starts in the input */
	enum slot_state state;
	struct wh_evtx_out out;
	char note[200];            /* why the block was skipped ("" when it was not) */
};

struct evtx_reader {
	struct wh_input *in;
	bool carve;
	const unsigned char *map;  /* the whole file, when it is a regular file */
	size_t map_len;
	size_t dropped;            /* the mapping below this offset was given back */
	uint64_t next_off;         /* input offset of the next block */
	bool eof, read_error;
	struct slot *slots;
	unsigned nslots;
	uint64_t fill_seq, use_seq;
	struct slot *cur;
	size_t cur_rec;
	/* One parser per thread, each with its own compiled templates. */
	struct wh_evtx_parser **parsers;
	unsigned nparsers;         /* the last one is next()'s own */
	unsigned nthreads;         /* workers besides next(); 0: no threads at all */
	pthread_t *th;
	pthread_mutex_t mu;
	pthread_cond_t cv_work, cv_done;
	bool stop;
	bool main_waiting;         /* next() sleeps until slot use_seq is done */
	unsigned idle;             /* workers sleeping for want of a filled slot */
};

struct worker_arg {
	struct evtx_reader *r;
	unsigned idx;
};

static int evtx_sniff(const unsigned char *b, size_t n)
{
	if (n >= 8 && (memcmp(b, "ElfFile", 8) == 0 || memcmp(b, "ElfChnk", 8) == 0))
		return 100;
	/* A log whose header was never written (or was wiped): a chunk where
	 * the first one belongs. */
	if (n >= WH_EVTX_FILE_HEADER_SIZE + 8 && memcmp(b + WH_EVTX_FILE_HEADER_SIZE, "ElfChnk", 8) == 0)
		return 90;
	return 0;
}

/* Parse (or carve, or judge) the block in s. Runs on any thread. */
static void process_block(struct evtx_reader *r, struct wh_evtx_parser *p, struct slot *s)
{
	wh_evtx_out_reset(&s->out);
	s->note[0] = '\0';
	if (s->len < WH_EVTX_CHUNK_SIZE) {
		static const unsigned char zero[64];
		bool blank = true;
		for (size_t i = 0; i < s->len && blank; i += sizeof(zero))
			blank = memcmp(s->buf + i, zero, s->len - i < sizeof(zero) ? s->len - i : sizeof(zero)) == 0;
		if (blank)
			return;
		size_t got = r->carve ? wh_evtx_carve_block(p, s->buf, s->len, &s->out) : 0;
		snprintf(s->note, sizeof(s->note),
			 "last chunk cut short (%zu of %u bytes): skipped%s", s->len, WH_EVTX_CHUNK_SIZE,
			 r->carve ? "" : " (--carve recovers what records it holds)");
		if (r->carve)
			snprintf(s->note + strlen(s->note), sizeof(s->note) - strlen(s->note),
				 ", %zu records carved", got);
		return;
	}
	struct wh_evtx_chunk_header h;
	enum wh_evtx_chunk_status st = wh_evtx_chunk_check(s->buf, s->len, &h);
	if (st == WH_EVTX_CHUNK_OK) {
		wh_evtx_parse_chunk(p, s->buf, s->len, r->carve, &s->out);
		return;
	}
	if (st == WH_EVTX_CHUNK_UNUSED)
		return;
	size_t got = r->carve ? wh_evtx_carve_block(p, s->buf, s->len, &s->out) : 0;
	if (r->carve)
		snprintf(s->note, sizeof(s->note), "chunk skipped: %s; %zu records carved from it",
			 wh_evtx_chunk_status_str(st), got);
	else
		snprintf(s->note, sizeof(s->note), "chunk skipped: %s (--carve recovers its records)",
			 wh_evtx_chunk_status_str(st));
}

static void *worker(void *arg)
{
	struct worker_arg *wa = arg;
	struct evtx_reader *r = wa->r;
	struct wh_evtx_parser *p = r->parsers[wa->idx];
	free(wa);
	pthread_mutex_lock(&r->mu);
	for (;;) {
		/* The newest filled slot: next() parses from the oldest end of
		 * the ring, the workers from the newest, so that next() finds the
		 * block it needs either done or its own to parse, and seldom
		 * waits for one a worker is halfway through. */
		if (r->stop)
			break;   /* closing: blocks still queued are not wanted */
		struct slot *s = NULL;
		for (uint64_t q = r->fill_seq; q-- > r->use_seq;) {
			struct slot *t = &r->slots[q % r->nslots];
			if (t->state == SLOT_FILLED) {
				s = t;
				break;
			}
		}
		if (!s) {
			r->idle++;
			pthread_cond_wait(&r->cv_work, &r->mu);
			r->idle--;
			continue;
		}
		s->state = SLOT_BUSY;
		pthread_mutex_unlock(&r->mu);
		process_block(r, p, s);
		pthread_mutex_lock(&r->mu);
		s->state = SLOT_DONE;
		/* Wake next() only for the block it waits for: a wake-up per
		 * block costs more than it saves. */
		if (r->main_waiting && s == &r->slots[r->use_seq % r->nslots])
			pthread_cond_signal(&r->cv_done);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

/* Read the next block into s; false at the end of the input. */
static bool read_block(struct evtx_reader *r, struct slot *s)
{
	if (r->eof)
		return false;
	if (r->map) {
		/* Point into the mapping: no copy. */
		if (r->next_off >= r->map_len) {
			r->eof = true;
			return false;
		}
		size_t k = r->map_len - r->next_off;
		if (k > WH_EVTX_CHUNK_SIZE)
			k = WH_EVTX_CHUNK_SIZE;
		s->buf = r->map + r->next_off;
		s->len = k;
		s->file_off = r->next_off;
		r->next_off += k;
		return true;
	}
	s->buf = s->own;
	ssize_t got = wh_input_read_full(r->in, s->own, WH_EVTX_CHUNK_SIZE);
	if (got < 0) {
		r->read_error = true;
		r->eof = true;
		return false;
	}
	if (got < (ssize_t)WH_EVTX_CHUNK_SIZE)
		r->eof = true;
	if (got == 0)
		return false;
	s->len = (size_t)got;
	s->file_off = r->next_off;
	r->next_off += (uint64_t)got;
	return true;
}

static void stop_workers(struct evtx_reader *r)
{
	if (!r->nthreads)
		return;
	pthread_mutex_lock(&r->mu);
	r->stop = true;
	pthread_cond_broadcast(&r->cv_work);
	pthread_mutex_unlock(&r->mu);
	for (unsigned i = 0; i < r->nthreads; i++)
		pthread_join(r->th[i], NULL);
	r->nthreads = 0;
}

static void evtx_close(void *st)
{
	struct evtx_reader *r = st;
	stop_workers(r);
	if (r->th) {
		pthread_mutex_destroy(&r->mu);
		pthread_cond_destroy(&r->cv_work);
		pthread_cond_destroy(&r->cv_done);
	}
	for (unsigned i = 0; i < r->nslots; i++) {
		free(r->slots[i].own);
		wh_evtx_out_release(&r->slots[i].out);
	}
	if (r->map)
		munmap((void *)r->map, r->map_len);
	for (unsigned i = 0; i < r->nparsers; i++)
		wh_evtx_parser_free(r->parsers[i]);
	free(r->parsers);
	free(r->slots);
	free(r->th);
	free(r);
}

static void *evtx_open(struct wh_input *in, const struct wh_read_opts *opts)
{
	unsigned char hdr[8];
	ssize_t got = wh_input_read_full(in, hdr, sizeof(hdr));
	if (got < (ssize_t)sizeof(hdr)) {
		if (got >= 0)
			wh_error("%s: not an EVTX file: too short", in->name);
		return NULL;
	}
	bool carve = opts && opts->carve;
	struct evtx_reader *r = wh_xcalloc(1, sizeof(*r));
	r->in = in;
	r->carve = carve;
	bool bare = memcmp(hdr, "ElfChnk", 8) == 0;
	/* No file header where it should be: the chunks may still follow it
	 * (a log whose header was never flushed); checked on the first block. */
	bool header_lost = !bare && memcmp(hdr, "ElfFile", 8) != 0;
	if (!bare) {
		/* The rest of the 4 KiB header: the chunks follow it whatever it says. */
		unsigned char rest[WH_EVTX_FILE_HEADER_SIZE - 8];
		got = wh_input_read_full(in, rest, sizeof(rest));
		if (got < 0) {
			free(r);
			return NULL;
		}
		r->next_off = 8 + (uint64_t)got;
		if (got < (ssize_t)sizeof(rest))
			r->eof = true;
	}
	unsigned threads = opts && opts->threads > 1 ? opts->threads : 1;
	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	/* More parsing threads than cores only makes them wait for each
	 * other (next() needs its blocks in order). */
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	if (cores >= 1 && threads > (unsigned long)cores)
		threads = (unsigned)cores;
	/* -j N: N - 1 workers, and next() parses too whenever the block it
	 * needs has not been taken yet, so N threads parse on N cores rather
	 * than N + 1 threads crowding them. One thread: no workers at all. */
	r->nthreads = threads > 1 ? threads - 1 : 0;
	r->nslots = r->nthreads ? 2 * threads + 1 : 1;
	r->slots = wh_xcalloc(r->nslots, sizeof(*r->slots));
	for (unsigned i = 0; i < r->nslots; i++) {
		r->slots[i].own = wh_xmalloc(WH_EVTX_CHUNK_SIZE);
		r->slots[i].buf = r->slots[i].own;
		wh_evtx_out_init(&r->slots[i].out, TEXT_BUDGET / r->nslots);
	}
	if (in->fd >= 0 && in->size > r->next_off && r->next_off == WH_EVTX_FILE_HEADER_SIZE &&
	    in->size <= SIZE_MAX) {
		/* A regular file: parse it where the page cache has it, rather
		 * than copy it through read(). Chunks are dropped from the
		 * mapping once handed out, so the resident size stays small. */
		void *m = mmap(NULL, (size_t)in->size, PROT_READ, MAP_PRIVATE, in->fd, 0);
		if (m != MAP_FAILED) {
			r->map = m;
			r->map_len = (size_t)in->size;
			r->dropped = 0;
			madvise(m, r->map_len, MADV_SEQUENTIAL);
		}
	}
	r->nparsers = r->nthreads + 1;
	r->parsers = wh_xcalloc(r->nparsers, sizeof(*r->parsers));
	for (unsigned i = 0; i < r->nparsers; i++)
		r->parsers[i] = wh_evtx_parser_new(TEMPLATE_CACHE_BYTES / r->nparsers);
	if (bare || header_lost) {
		/* Read the first block now: a bare chunk gets its 8 bytes back
		 * in front, a file without a header shows whether a chunk
		 * follows it. */
		struct slot *s = &r->slots[0];
		size_t have = 0;
		if (bare) {
			memcpy(s->own, hdr, 8);
			have = 8;
		}
		got = r->eof ? 0 : wh_input_read_full(in, s->own + have, WH_EVTX_CHUNK_SIZE - have);
		if (got < 0) {
			r->nthreads = 0;
			evtx_close(r);
			return NULL;
		}
		s->len = have + (size_t)got;
		s->buf = s->own;
		s->file_off = r->next_off;
		r->next_off += s->len;
		if (s->len < WH_EVTX_CHUNK_SIZE)
			r->eof = true;
		s->state = SLOT_FILLED;
		r->fill_seq = 1;
		if (header_lost) {
			if ((s->len < 8 || memcmp(s->own, "ElfChnk", 8) != 0) && !carve) {
				/* Only --format evtx gets here; with --carve any
				 * bytes are searched for records. */
				wh_error("%s: not an EVTX file (no ElfFile or ElfChnk signature; --carve searches any bytes for records)",
					 in->name);
				r->nthreads = 0;
				evtx_close(r);
				return NULL;
			}
			wh_note(in->name, "offset 0: no EVTX file header (never written, or damaged): reading the chunks after it");
		}
	}
	if (r->nthreads) {
		pthread_mutex_init(&r->mu, NULL);
		pthread_cond_init(&r->cv_work, NULL);
		pthread_cond_init(&r->cv_done, NULL);
		r->th = wh_xcalloc(r->nthreads, sizeof(*r->th));
		for (unsigned i = 0; i < r->nthreads; i++) {
			struct worker_arg *wa = wh_xmalloc(sizeof(*wa));
			wa->r = r;
			wa->idx = i;
			if (pthread_create(&r->th[i], NULL, worker, wa) != 0) {
				free(wa);
				wh_error("%s: cannot start a reader thread", in->name);
				r->nthreads = i;   /* the ones started are stopped and joined */
				evtx_close(r);
				return NULL;
			}
		}
	}
	return r;
}

/* The next block, parsed, in input order; NULL at the end. */
static struct slot *next_slot(struct evtx_reader *r)
{
	if (!r->nthreads) {
		struct slot *s = &r->slots[0];
		if (r->fill_seq == r->use_seq) {
			if (!read_block(r, s))
				return NULL;
			r->fill_seq++;
		}
		r->use_seq++;
		process_block(r, r->parsers[r->nparsers - 1], s);
		return s;
	}
	/* Keep the ring full, then wait for the oldest block. */
	while (!r->eof && r->fill_seq < r->use_seq + r->nslots) {
		struct slot *s = &r->slots[r->fill_seq % r->nslots];
		if (!read_block(r, s))
			break;
		pthread_mutex_lock(&r->mu);
		s->state = SLOT_FILLED;
		r->fill_seq++;
		if (r->idle)
			pthread_cond_signal(&r->cv_work);
		pthread_mutex_unlock(&r->mu);
	}
	if (r->use_seq == r->fill_seq)
		return NULL;
	struct slot *s = &r->slots[r->use_seq % r->nslots];
	pthread_mutex_lock(&r->mu);
	if (s->state == SLOT_FILLED) {
		/* No worker has it yet: parse it here rather than wait. */
		s->state = SLOT_BUSY;
		pthread_mutex_unlock(&r->mu);
		process_block(r, r->parsers[r->nparsers - 1], s);
		pthread_mutex_lock(&r->mu);
		s->state = SLOT_DONE;
	}
	while (s->state != SLOT_DONE) {
		r->main_waiting = true;
		pthread_cond_wait(&r->cv_done, &r->mu);
	}
	r->main_waiting = false;
	r->use_seq++;
	pthread_mutex_unlock(&r->mu);
	return s;
}

static void release_slot(struct evtx_reader *r, struct slot *s)
{
	/* Give the pages read so far back, a few MiB at a time: blocks are
	 * released in file order, so nothing below this one is still in use,
	 * and with threads each madvise costs a TLB shootdown on every core. */
	size_t done = (size_t)(s->file_off + s->len);
	if (r->map && done <= r->map_len && done - r->dropped >= DROP_BATCH) {
		madvise((void *)(r->map + r->dropped), done - r->dropped, MADV_DONTNEED);
		r->dropped = done;
	}
	if (!r->nthreads) {
		s->state = SLOT_FREE;
		return;
	}
	pthread_mutex_lock(&r->mu);
	s->state = SLOT_FREE;
	pthread_mutex_unlock(&r->mu);
}

/* What went wrong in a block, in order, from this thread. */
static void report_block(struct evtx_reader *r, struct slot *s)
{
	const char *name = r->in->name;
	if (s->note[0])
		wh_bad_record(name, s->file_off, "%s", s->note);
	for (size_t i = 0; i < s->out.nerrs; i++)
		wh_bad_record(name, s->file_off + s->out.errs[i].offset, "%s", s->out.errs[i].msg);
	for (uint64_t i = 0; i < s->out.errs_dropped; i++)
		wh_bad_record(name, s->file_off, "further broken record in this chunk");
}

static int evtx_next(void *st, struct wh_event *ev)
{
	struct evtx_reader *r = st;
	for (;;) {
		struct slot *s = r->cur;
		if (s && r->cur_rec < s->out.nrecs) {
			const struct wh_evtx_rec *rec = &s->out.recs[r->cur_rec++];
			ev->time = rec->time;
			ev->event_id = rec->event_id;
			ev->host = rec->host;
			ev->channel = rec->channel;
			ev->provider = rec->provider;
			ev->offset = s->file_off + rec->offset;
			ev->record = rec->record;
			if (rec->nfields) {
				WH_GROW(ev->fields, rec->nfields, ev->fcap);
				memcpy(ev->fields, s->out.fields + rec->first,
				       rec->nfields * sizeof(struct wh_field));
			}
			ev->nfields = rec->nfields;
			ev->truncated = rec->truncated;
			if (rec->truncated)
				wh_note(r->in->name, "offset %llu: record %llu has more than %u fields; the rest are dropped",
					(unsigned long long)ev->offset, (unsigned long long)ev->record,
					WH_EVENT_MAX_FIELDS);
			wh_event_classify(ev);
			return 1;
		}
		if (s) {
			release_slot(r, s);
			r->cur = NULL;
		}
		s = next_slot(r);
		if (!s)
			return r->read_error ? -1 : 0;
		r->cur = s;
		r->cur_rec = 0;
		report_block(r, s);
	}
}

const struct wh_reader wh_reader_evtx = {
	.name = "evtx",
	.sniff = evtx_sniff,
	.open = evtx_open,
	.next = evtx_next,
	.close = evtx_close,
};
