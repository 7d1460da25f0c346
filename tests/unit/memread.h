/*
 * memread.h: run a reader over bytes in memory, for unit tests. Reads come
 * back in pieces of `chunk` bytes so that records cut by a read's end are
 * exercised; the events are copied so a test can look at them afterwards.
 */
#ifndef WH_TEST_MEMREAD_H
#define WH_TEST_MEMREAD_H

#include <string.h>

#include "model/event.h"
#include "read/reader.h"
#include "util/diag.h"
#include "util/xalloc.h"

struct memsrc {
	const char *buf;
	size_t len, pos, chunk;
};

static inline ssize_t memsrc_read(struct wh_input *in, void *buf, size_t n)
{
	struct memsrc *m = in->raw;
	size_t k = m->len - m->pos;
	if (k > n)
		k = n;
	if (m->chunk && k > m->chunk)
		k = m->chunk;
	memcpy(buf, m->buf + m->pos, k);
	m->pos += k;
	return (ssize_t)k;
}

struct got_event {
	enum wh_kind kind;
	int64_t time;
	int32_t event_id;
	uint64_t record, offset;
	char *host, *channel, *provider;
	char **names, **values;
	uint32_t n;
};

struct got {
	struct got_event *ev;
	size_t n, cap;
	uint64_t bad;          /* records reported as bad during the read */
	int rc;                /* what next() returned last */
};

static inline void got_free(struct got *g)
{
	for (size_t i = 0; i < g->n; i++) {
		struct got_event *e = &g->ev[i];
		for (uint32_t k = 0; k < e->n; k++) {
			free(e->names[k]);
			free(e->values[k]);
		}
		free(e->names);
		free(e->values);
		free(e->host);
		free(e->channel);
		free(e->provider);
	}
	free(g->ev);
	memset(g, 0, sizeof(*g));
}

/* Read all of text with reader rd, in pieces of chunk bytes (0: as asked). */
static inline void read_mem(const struct wh_reader *rd, const char *text, size_t len, size_t chunk,
		     struct got *g)
{
	struct memsrc m = { text, len, 0, chunk };
	struct wh_input in = { .name = "mem", .fd = -1, .size = len, .raw_read = memsrc_read, .raw = &m };
	struct wh_read_opts opts = { 1, false };
	uint64_t bad0 = wh_diag.bad_records;
	memset(g, 0, sizeof(*g));
	void *st = rd->open(&in, &opts);
	struct wh_arena dummy = WH_ARENA_INIT;
	struct wh_event ev;
	wh_event_init(&ev, &dummy);
	for (;;) {
		wh_event_clear(&ev);
		int rc = rd->next(st, &ev);
		g->rc = rc;
		if (rc <= 0)
			break;
		WH_GROW(g->ev, g->n + 1, g->cap);
		struct got_event *e = &g->ev[g->n++];
		e->kind = ev.kind;
		e->time = ev.time;
		e->event_id = ev.event_id;
		e->record = ev.record;
		e->offset = ev.offset;
		e->host = wh_xstrdup(ev.host);
		e->channel = wh_xstrdup(ev.channel);
		e->provider = wh_xstrdup(ev.provider);
		e->n = ev.nfields;
		e->names = wh_xcalloc(ev.nfields + 1, sizeof(char *));
		e->values = wh_xcalloc(ev.nfields + 1, sizeof(char *));
		for (uint32_t k = 0; k < ev.nfields; k++) {
			e->names[k] = wh_xstrndup(ev.fields[k].name, ev.fields[k].nlen);
			e->values[k] = wh_xstrndup(ev.fields[k].value, ev.fields[k].vlen);
		}
	}
	rd->close(st);
	wh_event_release(&ev);
	wh_arena_release(&dummy);
	g->bad = wh_diag.bad_records - bad0;
}

static inline void read_str(const struct wh_reader *rd, const char *text, size_t chunk, struct got *g)
{
	read_mem(rd, text, strlen(text), chunk, g);
}

/* The nth (0-based) value of field name in e, or NULL. */
static inline const char *got_nth(const struct got_event *e, const char *name, unsigned nth)
{
	for (uint32_t k = 0; k < e->n; k++)
		if (strcmp(e->names[k], name) == 0 && nth-- == 0)
			return e->values[k];
	return NULL;
}

static inline const char *got_field(const struct got_event *e, const char *name)
{
	return got_nth(e, name, 0);
}

static inline unsigned got_count(const struct got_event *e, const char *name)
{
	unsigned c = 0;
	for (uint32_t k = 0; k < e->n; k++)
		c += strcmp(e->names[k], name) == 0;
	return c;
}

#endif
