/*
 * fuzz_feed: the intel parsers. The first byte picks the format (plain
 * list, abuse.ch CSV, MISP CSV, MISP JSON, STIX 2.1, range file); the rest
 * is the file. Lookups follow, and the STIX pattern parser and the address
 * parsers get the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "intel/intel.h"
#include "util/diag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void term(const char *type, size_t tl, const char *val, size_t vl, void *arg)
{
	(void)type;
	(void)tl;
	(void)val;
	(void)vl;
	(*(int *)arg)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum wh_feed_kind kinds[] = { WH_FEED_PLAIN, WH_FEED_ABUSECH, WH_FEED_MISP_CSV,
						   WH_FEED_MISP_JSON, WH_FEED_STIX, WH_FEED_RANGES };
	wh_diag.quiet = true;
	if (size < 1)
		return 0;
	enum wh_feed_kind k = kinds[data[0] % 6];
	char *buf = malloc(size);
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	struct wh_intel *t = wh_intel_new();
	if (k == WH_FEED_RANGES)
		wh_intel_parse_ranges(t, "fuzz", buf, size - 1);
	else
		wh_intel_parse_feed(t, "fuzz", k, buf, size - 1);
	static const char *const probes[] = { "192.0.2.1", "10.0.0.1", "2001:db8::1", "::ffff:1.2.3.4" };
	for (size_t i = 0; i < 4; i++) {
		struct wh_ip ip;
		struct wh_geo g;
		wh_ip_parse(probes[i], strlen(probes[i]), &ip);
		wh_intel_ip(t, &ip);
		wh_intel_geo(t, &ip, &g);
	}
	wh_intel_domain(t, "a.b.example", 11);
	wh_intel_free(t);
	wh_feed_sniff(data, size);
	int n = 0;
	wh_stix_pattern((const char *)data, size, term, &n);
	/* addresses and prefixes: what parses prints back and parses again the same */
	struct wh_ip ip, ip2;
	if (size <= 64 && wh_ip_parse((const char *)data, size, &ip)) {
		char s[WH_IP_STRLEN];
		wh_ip_format(&ip, s);
		if (!wh_ip_parse(s, strlen(s), &ip2) || !wh_ip_eq(&ip, &ip2))
			abort();
	}
	struct wh_prefix p;
	if (size <= 64 && wh_prefix_parse((const char *)data, size, &p))
		wh_prefix_contains(&p, &p.net);
	free(buf);
	return 0;
}
