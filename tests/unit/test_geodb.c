/* Unit tests for src/intel/geodb: the one reader of IP to AS and country
 * data that flows and trace share. All data is made up here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "intel/geodb.h"
#include "intel/intel.h"
#include "util/diag.h"

static struct wh_ip ip(const char *s)
{
	struct wh_ip a;
	assert_true(wh_ip_parse(s, strlen(s), &a));
	return a;
}

static void expect(const struct wh_geodb *db, const char *addr, uint32_t asn, const char *org, const char *cc)
{
	struct wh_ip a = ip(addr);
	struct wh_geo g;
	bool known = wh_geodb_lookup(db, &a, &g);
	if (g.asn != asn || strcmp(g.as_org, org) != 0 || strcmp(g.country, cc) != 0)
		fail_msg("%s: AS%u '%s' '%s', want AS%u '%s' '%s'", addr, g.asn, g.as_org, g.country, asn, org, cc);
	assert_int_equal(known, asn != 0 || *cc);
}

/* Nested prefixes, ranges of every text format in one table, and a range
 * that says "not routed" inside a routed prefix. The buffers are string
 * literals: the parser must only read them. */
static void formats_and_nesting(void **state)
{
	(void)state;
	wh_diag.quiet = true;
	struct wh_geodb *db = wh_geodb_new();
	struct wh_geodb_added a;
	static const char p2a[] = "# pfx2as\n1.0.0.0\t8\t100\n1.2.0.0\t16\tAS200\n1.2.3.0\t24\t300_301\n"
				  "1.2.4.0\t24\t400,401\n2001:db8::\t32\t65000\n::ffff:9.0.0.0\t104\t900\n"
				  "1.2.5.0\t33\t5\n";
	assert_int_equal(wh_geodb_parse(db, p2a, strlen(p2a), "p2a", &a), 6);
	assert_int_equal(a.as, 6);
	assert_int_equal(a.country, 0);
	static const char ipt[] = "1.5.0.0\t1.5.0.255\t0\tNone\tNot routed\n"
				  "5.0.0.0\t5.0.0.255\t64501\tJP\tEXAMPLE-NET\n";
	assert_int_equal(wh_geodb_parse(db, ipt, strlen(ipt), "ipt", &a), 2);
	assert_int_equal(a.as, 2);
	assert_int_equal(a.unrouted, 1);
	static const char dbip[] = "6.0.0.0,6.0.0.255,64502,\"Example \"\"Q\"\", Inc.\"\n"
				   "7.0.0.0,7.0.0.255,DE\n8.0.0.0,8.0.0.255,EU,FR,Paris\n";
	assert_int_equal(wh_geodb_parse(db, dbip, strlen(dbip), "dbip", &a), 3);
	assert_int_equal(a.as, 1);
	assert_int_equal(a.country, 2);

	expect(db, "1.9.9.9", 100, "", "");
	expect(db, "1.2.0.0", 200, "", "");          /* first address of the /16 */
	expect(db, "1.2.3.255", 300, "", "");        /* the /24, most specific; several origins keep the first */
	expect(db, "1.2.4.1", 400, "", "");          /* an AS set keeps the first */
	expect(db, "1.2.5.0", 200, "", "");          /* after the nested /24s: back to the /16 */
	expect(db, "1.3.0.0", 100, "", "");          /* after the /16: back to the /8 */
	expect(db, "1.5.0.7", 0, "", "");            /* "not routed" inside the /8 hides it */
	expect(db, "1.5.1.0", 100, "", "");
	expect(db, "0.255.255.255", 0, "", "");
	expect(db, "2.0.0.0", 0, "", "");
	expect(db, "2001:db8:ffff::1", 65000, "", "");
	expect(db, "9.1.2.3", 900, "", "");          /* an IPv4-mapped prefix is the IPv4 one */
	expect(db, "5.0.0.9", 64501, "EXAMPLE-NET", "JP");
	expect(db, "6.0.0.1", 64502, "Example \"Q\", Inc.", "");
	expect(db, "7.0.0.1", 0, "", "DE");
	expect(db, "8.0.0.255", 0, "", "FR");        /* city lite: the country after the continent */
	assert_false(wh_geodb_empty(db));
	wh_geodb_free(db);
}

static void bad_lines(void **state)
{
	(void)state;
	wh_diag.quiet = true;
	struct wh_geodb *db = wh_geodb_new();
	char *text = malloc(6000);
	int n = snprintf(text, 6000, "1.0.0.0,1.0.0.255,notanas\n2.0.0.255,2.0.0.0,5\n1.2.3.4\n"
			 "1.0.0.0,::1,5\n3.0.0.0\t8\tx\n\n#c\r\n4.0.0.0,4.0.0.255,44\r\n");
	memset(text + n, 'x', 5000);
	text[n + 4999] = '\0';
	uint64_t bad0 = wh_diag.bad_records;
	struct wh_geodb_added a;
	assert_int_equal(wh_geodb_parse(db, text, strlen(text), "bad", &a), 1);
	assert_int_equal(wh_diag.bad_records, bad0 + 6);   /* five bad lines and one too long */
	expect(db, "4.0.0.9", 44, "", "");
	free(text);
	/* an AS name longer than a lookup holds is cut, not overrun */
	char longname[400];
	n = snprintf(longname, sizeof(longname), "9.0.0.0,9.0.0.255,99,%0300d\n", 7);
	wh_geodb_parse(db, longname, (size_t)n, "long", NULL);
	struct wh_ip x = ip("9.0.0.1");
	struct wh_geo g;
	assert_true(wh_geodb_lookup(db, &x, &g));
	assert_int_equal(strlen(g.as_org), WH_GEODB_NAME_MAX);
	wh_geodb_free(db);
}

static void ixp(void **state)
{
	(void)state;
	wh_diag.quiet = true;
	struct wh_geodb *db = wh_geodb_new();
	static const char list[] = "# ixpfx\n80.81.192.0/21 \r\n2001:7f8::/32\nnot a prefix\n80.81.200.0\n10.0.0.0/33\n";
	uint64_t bad0 = wh_diag.bad_records;
	assert_int_equal(wh_geodb_parse_ixp(db, list, strlen(list), "ixp"), 2);
	assert_int_equal(wh_diag.bad_records, bad0 + 3);
	struct wh_ip a = ip("80.81.199.255"), b = ip("80.81.200.0"), c = ip("2001:7f8:1::1");
	assert_true(wh_geodb_ixp(db, &a));
	assert_false(wh_geodb_ixp(db, &b));
	assert_true(wh_geodb_ixp(db, &c));
	/* IXP prefixes are not AS data */
	assert_true(wh_geodb_empty(db));
	wh_geodb_free(db);
}

static void special_ranges(void **state)
{
	(void)state;
	static const struct {
		const char *ip, *label;
		bool unmapped;
	} cases[] = {
		{ "10.255.255.255", "private", true },  { "11.0.0.0", NULL, false },
		{ "172.15.255.255", NULL, false },       { "172.16.0.0", "private", true },
		{ "172.31.255.255", "private", true },   { "172.32.0.0", NULL, false },
		{ "192.168.7.7", "private", true },      { "100.63.255.255", NULL, false },
		{ "100.64.0.0", "cgnat", true },         { "100.127.255.255", "cgnat", true },
		{ "100.128.0.0", NULL, false },          { "127.1.2.3", "loopback", true },
		{ "169.254.9.9", "link-local", true },   { "0.1.2.3", "unspecified", true },
		{ "224.0.0.1", "multicast", true },      { "239.255.255.255", "multicast", true },
		{ "240.0.0.1", "reserved", false },      { "192.0.2.1", "documentation", false },
		{ "198.51.100.1", "documentation", false }, { "203.0.113.1", "documentation", false },
		{ "198.18.0.1", "benchmark", false },    { "198.19.255.255", "benchmark", false },
		{ "198.20.0.0", NULL, false },           { "::ffff:10.1.1.1", "private", true },
		{ "::", "unspecified", true },           { "::1", "loopback", true },
		{ "::2", NULL, false },                  { "fc00::1", "private", true },
		{ "fdff::1", "private", true },          { "fe00::1", NULL, false },
		{ "fe80::1", "link-local", true },       { "febf::1", "link-local", true },
		{ "fec0::1", NULL, false },              { "ff02::1", "multicast", true },
		{ "2001:db8::1", "documentation", false }, { "2001:db9::1", NULL, false },
		{ "2001:2::1", "benchmark", false },     { "2001:2:1::1", NULL, false },
		{ "8.8.8.8", NULL, false },              { "2a00::1", NULL, false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct wh_ip a = ip(cases[i].ip);
		const struct wh_special *s = wh_ip_special(&a);
		const char *got = s ? s->label : "(none)";
		if (strcmp(got, cases[i].label ? cases[i].label : "(none)") != 0 ||
		    (s && s->unmapped != cases[i].unmapped))
			fail_msg("%s: %s", cases[i].ip, got);
	}
}

static void line_shape(void **state)
{
	(void)state;
	static const char *const yes[] = { "1.0.0.0,1.0.0.255,AU", "1.0.0.0\t24\t13335", "1.0.0.0\t24\tAS1_2",
					   "::1\t::2\t5\tUS\tx", "1.0.0.0\t1.0.0.255\t0" };
	static const char *const no[] = { "1.0.0.0", "1.0.0.0/24", "1.0.0.0,foo,bar", "1.0.0.0\t24",
					  "1.0.0.0\t24\tnotanas", "1.0.0.0 24 13335", "evil.example,1.2.3.4,x" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!wh_geodb_line_shape(yes[i], strlen(yes[i])))
			fail_msg("'%s' is a range line", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (wh_geodb_line_shape(no[i], strlen(no[i])))
			fail_msg("'%s' is not a range line", no[i]);
}

static char *temp_file(const char *text)
{
	static char path[64];
	snprintf(path, sizeof(path), "/tmp/wh-test-geodb-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

/* An mmdb and range files together: the AS from the ranges, the country
 * from the mmdb; an mmdb loaded from an fd whose file is gone by then. */
static void mmdb_and_ranges(void **state)
{
	(void)state;
	const char *data = getenv("WH_TESTDATA");
	char path[] = "/tmp/wh-test-geodb-XXXXXX.mmdb";
	int fd = mkstemps(path, 5);
	assert_true(fd >= 0);
	close(fd);
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "python3 %s/../../tools/mkmmdb.py %s 203.0.113.0/24=ZZ,64500,MM-AS "
		 "198.51.100.0/24=YY,64510,Other 2001:db8::/32=XX", data ? data : "tests/data", path);
	if (system(cmd) != 0) {
		unlink(path);
		skip();
	}
	struct wh_geodb *db = wh_geodb_new();
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	unlink(path);
	struct wh_geodb_added a;
	assert_int_equal(wh_geodb_load_fd(db, fd, path, &a), 0);
	assert_int_equal(a.mmdb, 1);
	static const char ipt[] = "203.0.113.0\t203.0.113.127\t64501\tJP\tRANGE-AS\n";
	char *tp = temp_file(ipt);
	assert_int_equal(wh_geodb_load(db, tp, &a), 0);
	unlink(tp);
	assert_int_equal(a.as, 1);
	expect(db, "203.0.113.5", 64501, "RANGE-AS", "ZZ");  /* AS from the range, country from the mmdb */
	expect(db, "203.0.113.200", 64500, "MM-AS", "ZZ");   /* outside the range: the mmdb's AS */
	expect(db, "198.51.100.1", 64510, "Other", "YY");
	expect(db, "2001:db8::1", 0, "", "XX");
	expect(db, "192.0.2.1", 0, "", "");
	wh_geodb_free(db);
}

/* flows reads prefix2as through the same loader, told from a feed by content. */
static void intel_reads_prefix2as(void **state)
{
	(void)state;
	wh_diag.quiet = true;
	char *tp = temp_file("1.0.0.0\t8\t100\n1.2.0.0\t16\t200\n");
	struct wh_intel *t = wh_intel_new();
	assert_int_equal(wh_intel_load(t, tp), 0);
	assert_true(wh_intel_has_geo(t));
	assert_int_equal(wh_intel_count(t), 0);   /* not taken as a reputation list */
	struct wh_ip a = ip("1.2.3.4"), b = ip("1.3.0.0");
	struct wh_geo g;
	assert_true(wh_intel_geo(t, &a, &g));
	assert_int_equal(g.asn, 200);
	assert_true(wh_intel_geo(t, &b, &g));
	assert_int_equal(g.asn, 100);
	assert_true(wh_intel_load_feed(t, tp) < 0);
	wh_intel_free(t);
	unlink(tp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(formats_and_nesting), cmocka_unit_test(bad_lines),
		cmocka_unit_test(ixp),                 cmocka_unit_test(special_ranges),
		cmocka_unit_test(line_shape),          cmocka_unit_test(mmdb_and_ranges),
		cmocka_unit_test(intel_reads_prefix2as),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
