/*
 * zeek.h: Zeek logs, line by line.
 *
 * Three shapes, decided per line: Zeek's TSV (read by its #fields header,
 * never by column position; #separator, #set_separator, #empty_field,
 * #unset_field and #path are honoured and may change part way, as they do
 * where logs were concatenated), a bare header line of field names as
 * zeek-cut prints it, and JSON lines (LogAscii::use_json). Fields keep
 * Zeek's names (id.orig_h ...); conn records also get the Sysmon names
 * (SourceIp, DestinationIp, DestinationPort, Protocol ...) and dns records
 * QueryName, as docs/input-formats.md promises. Unset values ("-") are
 * absent fields, as JSON null is.
 *
 * wh_zeek_line() is pure: the line in (modified in place: values are cut
 * and unescaped inside it), an event out; fuzz/fuzz_zeek.c drives it.
 */
#ifndef WH_ZEEK_H
#define WH_ZEEK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/event.h"
#include "read/json_scan.h"

#define WH_ZEEK_MAX_FIELDS 512

struct wh_zeek {
	char sep, setsep;
	char empty[32], unset[32];
	char path[64];
	char *names;                        /* the #fields line, NUL-separated */
	const char *fields[WH_ZEEK_MAX_FIELDS];
	uint32_t nfields;
	bool have_fields;
	const char *cols[WH_ZEEK_MAX_FIELDS];
	struct wh_jdoc doc;
};

enum { WH_ZEEK_SKIP = 0, WH_ZEEK_EVENT = 1, WH_ZEEK_BAD = -1 };

void wh_zeek_init(struct wh_zeek *z);
void wh_zeek_release(struct wh_zeek *z);
/*
 * One line, without its newline, NUL-terminated at len. Returns
 * WH_ZEEK_EVENT with ev filled (kind, time, channel = the log's path,
 * fields pointing into the line or into ev->arena), WH_ZEEK_SKIP for a
 * header, comment or blank line, WH_ZEEK_BAD with *why for a broken record.
 */
int wh_zeek_line(struct wh_zeek *z, char *line, size_t len, struct wh_event *ev, const char **why);

/* How sure the first bytes are a Zeek log: 100 for "#separator", 60 for Zeek
 * JSON or a zeek-cut header, else 0. */
int wh_zeek_sniff(const unsigned char *buf, size_t len);

#endif
