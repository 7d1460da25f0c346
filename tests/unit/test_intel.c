/* Unit tests for offline intel: every feed format, range files, mmdb
 * (written by tools/mkmmdb.py), lookups. All data is made up here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "intel/intel.h"
#include "util/diag.h"

static struct wh_ip ip(const char *s)
{
	struct wh_ip a;
	assert_true(wh_ip_parse(s, strlen(s), &a));
	return a;
}

static const struct wh_intel_hit *hit(const struct wh_intel *t, const char *s)
{
	struct wh_ip a = ip(s);
	return wh_intel_ip(t, &a);
}

static size_t parse(struct wh_intel *t, const char *name, const char *text, enum wh_feed_kind want)
{
	char *buf = strdup(text);
	size_t n = strlen(buf);
	assert_int_equal(wh_feed_sniff((const unsigned char *)buf, n), want);
	size_t k = want == WH_FEED_RANGES ? wh_intel_parse_ranges(t, name, buf, n)
					  : wh_intel_parse_feed(t, name, want, buf, n);
	free(buf);
	return k;
}

static void plain_list(void **state)
{
	(void)state;
	struct wh_intel *t = wh_intel_new();
	uint64_t bad0 = wh_diag.bad_records;
	assert_int_equal(parse(t, "list.txt",
			       "# blocklist\n"
			       "192.0.2.66\n"
			       "  198.51.100.0/24   # a whole net\n"
			       "2001:db8:bad::/48\n"
			       "malware.example\n"
			       "*.wild.example\n"
			       "http://203.0.113.9:8080/payload.exe\n"
			       "https://shared-hosting.example/x.bin\n"
			       "d41d8cd98f00b204e9800998ecf8427e\n"
			       "; another comment\n"
			       "not an indicator !!\n",
			       WH_FEED_PLAIN),
			 8);
	assert_int_equal(wh_diag.bad_records, bad0 + 1);
	assert_non_null(hit(t, "192.0.2.66"));
	assert_null(hit(t, "192.0.2.67"));
	const struct wh_intel_hit *h = hit(t, "198.51.100.200");
	assert_non_null(h);
	assert_string_equal(h->indicator, "198.51.100.0/24");
	assert_string_equal(h->feed, "list.txt");
	assert_non_null(hit(t, "2001:db8:bad:1::5"));
	assert_null(hit(t, "2001:db8:bae::5"));
	assert_non_null(hit(t, "203.0.113.9"));
	assert_non_null(wh_intel_domain(t, "malware.example", 15));
	assert_non_null(wh_intel_domain(t, "a.b.MALWARE.example.", 20));
	assert_non_null(wh_intel_domain(t, "x.wild.example", 14));
	/* a URL on a named host does not list the host */
	assert_null(wh_intel_domain(t, "shared-hosting.example", 22));
	/* never a bare top-level domain */
	assert_null(wh_intel_domain(t, "example", 7));
	assert_null(wh_intel_domain(t, "other.example", 13));
	wh_intel_free(t);
}

static void abusech(void **state)
{
	(void)state;
	struct wh_intel *t = wh_intel_new();
	/* Feodo Tracker: header after the comments */
	assert_int_equal(parse(t, "ipblocklist.csv",
			       "################\n"
			       "# abuse.ch Feodo Tracker Botnet C2 IP Blocklist (CSV)\n"
			       "#\n"
			       "\"first_seen_utc\",\"dst_ip\",\"dst_port\",\"c2_status\",\"last_online\",\"malware\"\n"
			       "\"2023-05-23 17:51:44\",\"192.0.2.10\",\"1194\",\"online\",\"2024-04-01\",\"Pikabot\"\n"
			       "\"2024-02-08 19:20:49\",\"192.0.2.11\",\"5000\",\"offline\",\"2024-03-11\",\"QakBot\"\n"
			       "# end\n",
			       WH_FEED_ABUSECH),
			 2);
	const struct wh_intel_hit *h = hit(t, "192.0.2.11");
	assert_non_null(h);
	assert_string_equal(h->threat, "QakBot");
	/* URLhaus: the header is a comment */
	assert_int_equal(parse(t, "urlhaus.csv",
			       "# URLhaus Database Dump (CSV) - abuse.ch\n"
			       "# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter\n"
			       "\"1\",\"2024-01-01 00:00:00\",\"http://192.0.2.50/bins/x86\",\"online\",\"\","
			       "\"malware_download\",\"mirai\",\"https://urlhaus.abuse.ch/url/1/\",\"r\"\n",
			       WH_FEED_ABUSECH),
			 1);
	h = hit(t, "192.0.2.50");
	assert_non_null(h);
	assert_string_equal(h->threat, "malware_download");
	/* ThreatFox: ip:port and domain */
	assert_int_equal(parse(t, "threatfox.csv",
			       "# ThreatFox IOCs: CSV export (abuse.ch)\n"
			       "# \"first_seen_utc\",\"ioc_id\",\"ioc_value\",\"ioc_type\",\"threat_type\",\"fk_malware\","
			       "\"malware_alias\",\"malware_printable\",\"last_seen_utc\",\"confidence_level\",\"reference\","
			       "\"tags\",\"anonymous\",\"reporter\"\n"
			       "\"2024-01-01 10:00:00\", \"100\", \"192.0.2.77:443\", \"ip:port\", \"botnet_cc\", "
			       "\"win.cobalt_strike\", \"\", \"Cobalt Strike\", \"\", \"100\", \"\", \"cs\", \"0\", \"r\"\n"
			       "\"2024-01-01 10:00:00\", \"101\", \"c2.bad.example\", \"domain\", \"botnet_cc\", "
			       "\"win.cobalt_strike\", \"\", \"Cobalt Strike\", \"\", \"100\", \"\", \"cs\", \"0\", \"r\"\n",
			       WH_FEED_ABUSECH),
			 2);
	h = hit(t, "192.0.2.77");
	assert_non_null(h);
	assert_string_equal(h->threat, "Cobalt Strike");
	assert_non_null(wh_intel_domain(t, "c2.bad.example", 14));
	wh_intel_free(t);
}

static void misp(void **state)
{
	(void)state;
	struct wh_intel *t = wh_intel_new();
	assert_int_equal(parse(t, "misp.csv",
			       "uuid,event_id,category,type,value,comment,to_ids,date\n"
			       "5f1,12,Network activity,ip-dst|port,192.0.2.90|8443,C2 of the campaign,1,1700000000\n"
			       "5f2,12,Network activity,domain,misp-c2.example,,1,1700000000\n"
			       "5f3,12,Payload delivery,sha256,"
			       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855,,1,1700000000\n",
			       WH_FEED_MISP_CSV),
			 2);
	assert_non_null(hit(t, "192.0.2.90"));
	assert_string_equal(hit(t, "192.0.2.90")->threat, "C2 of the campaign");
	assert_non_null(wh_intel_domain(t, "misp-c2.example", 15));
	assert_int_equal(parse(t, "event.json",
			       "{\"Event\": {\"info\": \"Phishing wave 7\", \"Attribute\": ["
			       "{\"type\": \"ip-src\", \"value\": \"192.0.2.91\", \"to_ids\": true},"
			       "{\"type\": \"domain|ip\", \"value\": \"phish.example|192.0.2.92\"},"
			       "{\"type\": \"md5\", \"value\": \"d41d8cd98f00b204e9800998ecf8427e\"}],"
			       "\"Object\": [{\"Attribute\": [{\"type\": \"url\", \"value\": \"http://192.0.2.93/a\"}]}]}}",
			       WH_FEED_MISP_JSON),
			 3);
	assert_string_equal(hit(t, "192.0.2.91")->threat, "Phishing wave 7");
	assert_non_null(hit(t, "192.0.2.92"));
	assert_non_null(hit(t, "192.0.2.93"));
	assert_non_null(wh_intel_domain(t, "phish.example", 13));
	wh_intel_free(t);
}

static void stix_cb(const char *type, size_t tl, const char *val, size_t vl, void *arg)
{
	char *out = arg;
	size_t n = strlen(out);
	snprintf(out + n, 256 - n, "%.*s=%.*s;", (int)tl, type, (int)vl, val);
}

static void stix(void **state)
{
	(void)state;
	char got[256] = "";
	const char *pat = "[ipv4-addr:value = '192.0.2.1' OR domain-name:value = 'x.example'] AND "
			  "[url:value = 'http://a.example/it\\'s']";
	assert_int_equal(wh_stix_pattern(pat, strlen(pat), stix_cb, got), 3);
	assert_string_equal(got, "ipv4-addr=192.0.2.1;domain-name=x.example;url=http://a.example/it\\'s;");
	got[0] = '\0';
	const char *hashes = "[file:hashes.'SHA-256' = 'abc']";
	assert_int_equal(wh_stix_pattern(hashes, strlen(hashes), stix_cb, got), 0);
	const char *broken = "[ipv4-addr:value = '192.0.2.1]";
	assert_int_equal(wh_stix_pattern(broken, strlen(broken), stix_cb, got), -1);

	struct wh_intel *t = wh_intel_new();
	assert_int_equal(parse(t, "bundle.json",
			       "{\"type\": \"bundle\", \"id\": \"bundle--1\", \"objects\": ["
			       "{\"type\": \"indicator\", \"spec_version\": \"2.1\", \"id\": \"indicator--1\","
			       " \"name\": \"Emotet C2\", \"pattern_type\": \"stix\","
			       " \"pattern\": \"[ipv4-addr:value = '192.0.2.120'] OR [ipv6-addr:value = '2001:db8::66']\"},"
			       "{\"type\": \"indicator\", \"spec_version\": \"2.1\", \"id\": \"indicator--2\","
			       " \"pattern\": \"[domain-name:value = 'stix-c2.example']\", \"pattern_type\": \"stix\"},"
			       "{\"type\": \"malware\", \"name\": \"Emotet\", \"pattern\": \"[ipv4-addr:value = '192.0.2.121']\"}]}",
			       WH_FEED_STIX),
			 3);
	assert_string_equal(hit(t, "192.0.2.120")->threat, "Emotet C2");
	assert_non_null(hit(t, "2001:db8::66"));
	assert_null(hit(t, "192.0.2.121"));   /* not an indicator object */
	assert_non_null(wh_intel_domain(t, "www.stix-c2.example", 19));
	wh_intel_free(t);
}

static void ranges(void **state)
{
	(void)state;
	struct wh_intel *t = wh_intel_new();
	/* DB-IP lite country */
	assert_int_equal(parse(t, "dbip-country.csv",
			       "1.0.0.0,1.0.0.255,AU\n"
			       "203.0.113.0,203.0.113.255,ZZ\n"
			       "2001:db8::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,YY\n",
			       WH_FEED_RANGES),
			 3);
	/* DB-IP lite ASN (quoted organisation with a comma) */
	assert_int_equal(parse(t, "dbip-asn.csv",
			       "203.0.113.0,203.0.113.127,64500,\"Example Transit, Inc.\"\n",
			       WH_FEED_RANGES),
			 1);
	/* iptoasn TSV, with a not-routed range */
	assert_int_equal(parse(t, "ip2asn-v4.tsv",
			       "198.51.100.0\t198.51.100.255\t64501\tXX\tEXAMPLE-NET\n"
			       "198.51.101.0\t198.51.101.255\t0\tNone\tNot routed\n",
			       WH_FEED_RANGES),
			 1);
	struct wh_geo g;
	struct wh_ip a = ip("203.0.113.5");
	assert_true(wh_intel_geo(t, &a, &g));
	assert_string_equal(g.country, "ZZ");
	assert_int_equal(g.asn, 64500);
	assert_string_equal(g.as_org, "Example Transit, Inc.");
	a = ip("203.0.113.200");
	assert_true(wh_intel_geo(t, &a, &g));
	assert_string_equal(g.country, "ZZ");
	assert_int_equal(g.asn, 0);
	a = ip("198.51.100.9");
	assert_true(wh_intel_geo(t, &a, &g));
	assert_string_equal(g.country, "XX");
	assert_int_equal(g.asn, 64501);
	a = ip("2001:db8::1");
	assert_true(wh_intel_geo(t, &a, &g));
	assert_string_equal(g.country, "YY");
	a = ip("198.51.101.1");
	assert_false(wh_intel_geo(t, &a, &g));
	a = ip("1.0.1.0");
	assert_false(wh_intel_geo(t, &a, &g));
	wh_intel_free(t);
}

static void mmdb(void **state)
{
	(void)state;
	/* WH_TESTDATA is SRC/tests/data */
	const char *data = getenv("WH_TESTDATA");
	char path[] = "/tmp/wh-test-XXXXXX.mmdb";
	int fd = mkstemps(path, 5);
	assert_true(fd >= 0);
	close(fd);
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "python3 %s/../../tools/mkmmdb.py %s 203.0.113.0/24=ZZ,64500,Test-AS "
		 "2001:db8::/32=YY,64511", data ? data : "tests/data", path);
	if (system(cmd) != 0) {
		unlink(path);
		skip();
	}
	struct wh_intel *t = wh_intel_new();
	assert_int_equal(wh_intel_load(t, path), 0);
	assert_true(wh_intel_has_geo(t));
	struct wh_geo g;
	struct wh_ip a = ip("203.0.113.77");
	assert_true(wh_intel_geo(t, &a, &g));
	assert_string_equal(g.country, "ZZ");
	assert_int_equal(g.asn, 64500);
	assert_string_equal(g.as_org, "Test-AS");
	a = ip("2001:db8:1::1");
	assert_true(wh_intel_geo(t, &a, &g));
	assert_string_equal(g.country, "YY");
	assert_int_equal(g.asn, 64511);
	a = ip("192.0.2.1");
	assert_false(wh_intel_geo(t, &a, &g));
	wh_intel_free(t);
	unlink(path);
	/* a file that is not a database */
	t = wh_intel_new();
	wh_diag.quiet = true;
	assert_true(wh_intel_load_mmdb(t, "/etc/hostname") < 0 || wh_intel_load_mmdb(t, "/dev/null") < 0);
	wh_diag.quiet = false;
	wh_intel_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_list), cmocka_unit_test(abusech), cmocka_unit_test(misp),
		cmocka_unit_test(stix),       cmocka_unit_test(ranges),  cmocka_unit_test(mmdb),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
