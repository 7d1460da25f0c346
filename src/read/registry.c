/*
 * registry.c: every reader whitehawk has, in sniffing order. Ties in the
 * sniff score go to the reader listed first.
 */
#include "read/reader.h"

#include <string.h>

extern const struct wh_reader wh_reader_json;
extern const struct wh_reader wh_reader_evtx;
extern const struct wh_reader wh_reader_auditd;
extern const struct wh_reader wh_reader_xml;
extern const struct wh_reader wh_reader_pcap;
extern const struct wh_reader wh_reader_zeek;

const struct wh_reader *const wh_readers[] = {
	&wh_reader_json,
	&wh_reader_evtx,
	&wh_reader_auditd,
	&wh_reader_xml,
	&wh_reader_pcap,
	&wh_reader_zeek,
	NULL,
};

const struct wh_reader *wh_reader_sniff(const unsigned char *buf, size_t len)
{
	const struct wh_reader *best = NULL;
	int best_score = 0;
	for (size_t i = 0; wh_readers[i]; i++) {
		int sc = wh_readers[i]->sniff(buf, len);
		if (sc > best_score) {
			best_score = sc;
			best = wh_readers[i];
		}
	}
	return best;
}

const struct wh_reader *wh_reader_by_name(const char *name)
{
	for (size_t i = 0; wh_readers[i]; i++)
		if (strcmp(wh_readers[i]->name, name) == 0)
			return wh_readers[i];
	return NULL;
}
