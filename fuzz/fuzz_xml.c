/*
 * fuzz_xml.c: the Windows event XML reader over arbitrary bytes (the first
 * byte picks the size of each read, so tags are cut at every position), and
 * the element parser on the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "read/xml.h"
#include "util/diag.h"

struct src {
	const uint8_t *p;
	size_t n, pos, chunk;
};

static ssize_t src_read(struct wh_input *in, void *buf, size_t n)
{
	struct src *s = in->raw;
	size_t k = s->n - s->pos;
	if (k > n)
		k = n;
	if (k > s->chunk)
		k = s->chunk;
	memcpy(buf, s->p + s->pos, k);
	s->pos += k;
	return (ssize_t)k;
}

static void touch(const struct wh_event *ev)
{
	volatile size_t sum = strlen(ev->host) + strlen(ev->channel) + strlen(ev->provider);
	for (uint32_t k = 0; k < ev->nfields; k++)
		sum += strlen(ev->fields[k].name) + strlen(ev->fields[k].value);
	(void)sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	wh_diag.quiet = true;
	if (size == 0)
		return 0;
	struct src s = { data + 1, size - 1, 0, data[0] < 128 ? (size_t)data[0] + 1 : 65536 };
	wh_reader_xml.sniff(data + 1, size - 1);
	struct wh_input in = { .name = "fuzz", .fd = -1, .raw_read = src_read, .raw = &s };
	struct wh_read_opts opts = { 1, false };
	void *st = wh_reader_xml.open(&in, &opts);
	struct wh_arena a = WH_ARENA_INIT;
	struct wh_event ev;
	wh_event_init(&ev, &a);
	for (int i = 0; i < 100000; i++) {
		wh_event_clear(&ev);
		if (wh_reader_xml.next(st, &ev) <= 0)
			break;
		touch(&ev);
	}
	wh_reader_xml.close(st);

	wh_event_clear(&ev);
	const char *err;
	size_t at;
	if (wh_xml_parse_event_once((const char *)data, size, &ev, &a, &err, &at) == 0)
		touch(&ev);
	wh_event_release(&ev);
	wh_arena_release(&a);
	return 0;
}
