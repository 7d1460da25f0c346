/*
 * fuzz_json.c: the JSON scanner and the JSON reader over arbitrary bytes.
 *
 * The first byte picks the size of each read the reader gets (1 to 128
 * bytes, or 64 KiB), so documents are cut at every position; the rest is the
 * input. The same bytes also go to the scanner directly, whose promises are
 * checked, not just run: spans lie inside the buffer, a document that scans
 * also scans the same in any longer buffer, a proper prefix of it never
 * scans as complete, and materialised strings have the length they claim.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "read/json_scan.h"
#include "read/reader.h"
#include "util/diag.h"

extern const struct wh_reader wh_reader_json;

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
	for (uint32_t k = 0; k < ev->nfields; k++) {
		if (strlen(ev->fields[k].name) != ev->fields[k].nlen ||
		    strlen(ev->fields[k].value) != ev->fields[k].vlen)
			__builtin_trap();   /* a field's length must be its C string's */
		sum += ev->fields[k].nlen + ev->fields[k].vlen;
	}
	(void)sum;
}

static void check_scanner(const uint8_t *data, size_t size)
{
	if (size == 0 || (data[0] != '{' && data[0] != '['))
		return;
	char *buf = malloc(size + 1);
	if (!buf)
		return;
	memcpy(buf, data, size);
	buf[size] = '\n';
	struct wh_jdoc d = { 0 };
	size_t end = 0, err_at = 0;
	const char *err = NULL;
	int rc = wh_json_scan(buf, size, 0, &d, &end, &err_at, &err);
	if (rc == WH_JSON_ERR && (err_at > size || !err))
		__builtin_trap();
	if (rc == WH_JSON_OK) {
		if (end == 0 || end > size)
			__builtin_trap();
		for (uint32_t k = 0; k < d.nleaves; k++) {
			const struct wh_jleaf *l = &d.leaves[k];
			if ((size_t)l->val_off + l->val_len > end || (size_t)l->key_off + l->key_len > end ||
			    l->node < 0 || (uint32_t)l->node >= d.nnodes)
				__builtin_trap();
		}
		/* A complete document scans the same with more bytes after it,
		 * and a proper prefix of it is never complete. */
		uint32_t nleaves = d.nleaves;
		size_t end2;
		if (wh_json_scan(buf, size + 1, 0, &d, &end2, &err_at, &err) != WH_JSON_OK || end2 != end ||
		    d.nleaves != nleaves)
			__builtin_trap();
		size_t cut = end / 2;
		if (cut > 0 && wh_json_scan(buf, cut, 0, &d, &end2, &err_at, &err) == WH_JSON_OK)
			__builtin_trap();
		wh_json_scan(buf, size, 0, &d, &end, &err_at, &err);
		struct wh_arena a;
		wh_arena_init(&a, 4096, 1u << 24);
		wh_json_materialize(buf, &d, &a);
		for (uint32_t k = 0; k < d.nleaves; k++) {
			struct wh_jleaf *l = &d.leaves[k];
			if (strlen(l->val) != l->val_len || strlen(l->key) > l->key_len)
				__builtin_trap();
			uint32_t nl;
			const char *name = wh_json_leaf_name(&d, l, &a, &nl);
			if (strlen(name) != nl)
				__builtin_trap();
		}
		wh_arena_release(&a);
	}
	wh_jdoc_release(&d);
	/* Unescaping any bytes never writes past them. */
	memcpy(buf, data, size);
	buf[size] = '#';
	if (wh_json_unescape(buf, size) > size || buf[size] != '#')
		__builtin_trap();
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	wh_diag.quiet = true;
	if (size == 0)
		return 0;
	check_scanner(data + 1, size - 1);
	struct src s = { data + 1, size - 1, 0, data[0] < 128 ? (size_t)data[0] + 1 : 65536 };
	wh_reader_json.sniff(data + 1, size - 1);
	struct wh_input in = { .name = "fuzz", .fd = -1, .raw_read = src_read, .raw = &s };
	struct wh_read_opts opts = { 1, false };
	void *st = wh_reader_json.open(&in, &opts);
	struct wh_arena a = WH_ARENA_INIT;
	struct wh_event ev;
	wh_event_init(&ev, &a);
	for (int i = 0; i < 100000; i++) {
		wh_event_clear(&ev);
		if (wh_reader_json.next(st, &ev) <= 0)
			break;
		touch(&ev);
	}
	wh_reader_json.close(st);
	wh_event_release(&ev);
	wh_arena_release(&a);
	return 0;
}
