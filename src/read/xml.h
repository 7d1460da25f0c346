/*
 * xml.h: Windows event XML, one <Event> element at a time.
 *
 * wh_reader_xml reads what `wevtutil qe /f:xml`, `Get-WinEvent ... |
 * % { $_.ToXml() }` and `evtxexport -f xml` print: <Event> elements one
 * after another (or inside an <Events> root), with any text between them.
 * Each element is found in the stream and parsed on its own, so a broken one
 * costs only itself.
 *
 * The element parser is pure (a buffer in, an event out) and shared: the
 * JSON reader uses it for Splunk exports whose result._raw holds the XML.
 * Field names follow docs/input-formats.md ("Windows events").
 */
#ifndef WH_XML_H
#define WH_XML_H

#include <stddef.h>

#include "model/event.h"
#include "read/reader.h"

extern const struct wh_reader wh_reader_xml;

/* An expat parser kept for reuse between elements. */
struct wh_xml_parser;

struct wh_xml_parser *wh_xml_parser_new(void);
void wh_xml_parser_free(struct wh_xml_parser *p);

/*
 * Parse one <Event> element, buf[0..len), into ev: its fields, then the
 * header (time, host, channel, provider, event id, record) and its kind
 * (wh_event_classify). ev->offset, ev->source and ev->format are left as
 * the caller set them. Names and values are copied into `arena`, which
 * must live as long as the event.
 *
 * Returns 0, or -1 with *err (a static message) and *err_at (the byte in
 * buf where parsing stopped); on -1 ev has the fields it had before.
 */
int wh_xml_parse_event(struct wh_xml_parser *p, const char *buf, size_t len, struct wh_event *ev,
		       struct wh_arena *arena, const char **err, size_t *err_at);

/* The same with a parser made for the one call (for occasional use). */
int wh_xml_parse_event_once(const char *buf, size_t len, struct wh_event *ev,
			    struct wh_arena *arena, const char **err, size_t *err_at);

#endif
