/*
 * fuzz_auditd.c: the auditd reader over arbitrary bytes. The first byte
 * picks how many bytes each read returns, so records and lines are cut at
 * every position; the pure helpers get the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "read/auditd.h"
#include "util/diag.h"
#include "util/sbuf.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	wh_diag.quiet = true;
	if (size == 0)
		return 0;
	struct src s = { data + 1, size - 1, 0, data[0] < 128 ? (size_t)data[0] + 1 : 65536 };
	wh_reader_auditd.sniff(data + 1, size - 1);
	struct wh_input in = { .name = "fuzz", .fd = -1, .raw_read = src_read, .raw = &s };
	struct wh_read_opts opts = { 1, false };
	void *st = wh_reader_auditd.open(&in, &opts);
	struct wh_arena a = WH_ARENA_INIT;
	struct wh_event ev;
	wh_event_init(&ev, &a);
	for (int i = 0; i < 100000; i++) {
		wh_event_clear(&ev);
		if (wh_reader_auditd.next(st, &ev) <= 0)
			break;
		/* touch every string the event hands out */
		volatile size_t sum = strlen(ev.host);
		for (uint32_t k = 0; k < ev.nfields; k++)
			sum += strlen(ev.fields[k].name) + strlen(ev.fields[k].value);
		(void)sum;
	}
	wh_reader_auditd.close(st);
	wh_event_release(&ev);
	wh_arena_release(&a);

	char ip[64];
	unsigned port;
	wh_auditd_saddr((const char *)data, size, ip, sizeof(ip), &port);
	struct wh_audit_hdr h;
	wh_auditd_find_record((const char *)data, size, 0, &h);
	struct wh_sbuf sb = WH_SBUF_INIT(1 << 16);
	wh_auditd_cmdline_add(&sb, (const char *)data, size, false);
	wh_sbuf_release(&sb);
	return 0;
}
