/*
 * fuzz_evtx.c: the EVTX parser over arbitrary bytes, three ways: the bytes
 * as one chunk (records, then slack carving), the bytes carved as a damaged
 * block, and the bytes as a whole input through the reader (with --carve,
 * on one thread or two). The first byte picks the way in for the reader
 * path, so both the file header and bare-chunk starts are reached.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "read/evtx_parse.h"
#include "read/reader.h"
#include "util/diag.h"

extern const struct wh_reader wh_reader_evtx;

struct src {
	const uint8_t *p;
	size_t n, pos;
};

static ssize_t src_read(struct wh_input *in, void *buf, size_t n)
{
	struct src *s = in->raw;
	size_t k = s->n - s->pos;
	if (k > n)
		k = n;
	memcpy(buf, s->p + s->pos, k);
	s->pos += k;
	return (ssize_t)k;
}

static void touch(const struct wh_field *f, uint32_t n)
{
	volatile size_t sum = 0;
	for (uint32_t k = 0; k < n; k++)
		sum += strlen(f[k].name) + strlen(f[k].value);
	(void)sum;
}

static void touch_out(const struct wh_evtx_out *o)
{
	for (size_t i = 0; i < o->nrecs; i++)
		if (o->recs[i].nfields)
			touch(o->fields + o->recs[i].first, o->recs[i].nfields);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	wh_diag.quiet = true;
	if (size < 1)
		return 0;
	struct wh_evtx_parser *p = wh_evtx_parser_new(1 << 20);
	struct wh_evtx_out o;
	wh_evtx_out_init(&o, 8 << 20);
	struct wh_evtx_chunk_header h;
	wh_evtx_chunk_check(data + 1, size - 1, &h);
	wh_evtx_parse_chunk(p, data + 1, size - 1, true, &o);
	touch_out(&o);
	wh_evtx_out_reset(&o);
	wh_evtx_carve_block(p, data + 1, size - 1, &o);
	touch_out(&o);
	wh_evtx_out_release(&o);
	wh_evtx_parser_free(p);

	struct src s = { data + 1, size - 1, 0 };
	struct wh_input in = { .name = "fuzz", .fd = -1, .raw_read = src_read, .raw = &s };
	struct wh_read_opts opts = { data[0] & 1 ? 2 : 1, true };
	void *st = wh_reader_evtx.open(&in, &opts);
	if (!st)
		return 0;
	struct wh_arena a = WH_ARENA_INIT;
	struct wh_event ev;
	wh_event_init(&ev, &a);
	for (int i = 0; i < 100000; i++) {
		wh_event_clear(&ev);
		if (wh_reader_evtx.next(st, &ev) <= 0)
			break;
		volatile size_t sum = strlen(ev.host) + strlen(ev.channel) + strlen(ev.provider);
		(void)sum;
		touch(ev.fields, ev.nfields);
	}
	wh_reader_evtx.close(st);
	wh_event_release(&ev);
	wh_arena_release(&a);
	return 0;
}
