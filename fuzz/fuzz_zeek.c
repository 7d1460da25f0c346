/*
 * fuzz_zeek: Zeek log lines (TSV headers and records, zeek-cut headers,
 * JSON), each turned into an event and, when it is one, a connection.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detect/net/conn.h"
#include "read/zeek.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = '\0';
	struct wh_zeek z;
	wh_zeek_init(&z);
	struct wh_arena a;
	wh_arena_init(&a, 4096, 1 << 24);
	struct wh_event ev;
	wh_event_init(&ev, &a);
	char *s = buf, *end = buf + size;
	while (s < end) {
		char *nl = memchr(s, '\n', (size_t)(end - s));
		char *e = nl ? nl : end;
		*e = '\0';
		wh_arena_reset(&a);
		wh_event_clear(&ev);
		ev.arena = &a;
		const char *why;
		if (wh_zeek_line(&z, s, (size_t)(e - s), &ev, &why) == WH_ZEEK_EVENT) {
			struct wh_conn c;
			wh_conn_from_event(&ev, &c);
		}
		s = e + 1;
	}
	wh_event_release(&ev);
	wh_arena_release(&a);
	wh_zeek_release(&z);
	wh_zeek_sniff(data, size);
	free(buf);
	return 0;
}
