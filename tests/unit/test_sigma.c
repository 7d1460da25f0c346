/*
 * test_sigma.c: the Sigma language, feature by feature, on small rules and
 * events written for these tests: detection grammar, conditions, every
 * modifier of specification 2.1, logsource mapping, rejections.
 * Correlations are in test_sigma_corr.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "detect/sigma/sigma.h"
#include "model/event.h"
#include "util/diag.h"
#include "util/wtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct hits {
	char ids[32][64];
	int n;
};

static void on_hit(const struct wh_sigma_hit *h, void *arg)
{
	struct hits *x = arg;
	if (x->n < 32)
		snprintf(x->ids[x->n++], 64, "%s", h->rule->id);
}

static struct wh_event evbuf;
static struct wh_arena evarena;

/* A Sysmon event: id, then name/value pairs, NULL-terminated. */
static struct wh_event *sysmon(int id, ...)
{
	wh_event_release(&evbuf);
	wh_arena_release(&evarena);
	wh_arena_init(&evarena, 4096, 0);
	wh_event_init(&evbuf, &evarena);
	evbuf.channel = "Microsoft-Windows-Sysmon/Operational";
	evbuf.provider = "Microsoft-Windows-Sysmon";
	evbuf.format = "json";
	evbuf.source = "test.json";
	evbuf.host = "ws1";
	evbuf.event_id = id;
	evbuf.time = 1700000000LL * WH_NS_PER_SEC;
	char idtxt[16];
	snprintf(idtxt, sizeof(idtxt), "%d", id);
	wh_event_add_copy(&evbuf, "EventID", 7, idtxt, strlen(idtxt));
	va_list ap;
	va_start(ap, id);
	for (;;) {
		const char *n = va_arg(ap, const char *);
		if (!n)
			break;
		const char *v = va_arg(ap, const char *);
		wh_event_add_copy(&evbuf, n, strlen(n), v, strlen(v));
	}
	va_end(ap);
	wh_event_classify(&evbuf);
	return &evbuf;
}

static struct wh_sigma *load(const char *yaml)
{
	struct wh_sigma *s = wh_sigma_new();
	setenv("WH_NO_SYSCONF", "1", 1);
	setenv("WH_NO_CACHE", "1", 1);
	wh_sigma_load_mapping(s, NULL);
	wh_sigma_load_buffer(s, "test.yml", yaml, strlen(yaml));
	for (size_t i = 0; i < wh_sigma_nrejects(s); i++)
		fprintf(stderr, "reject: line %u: %s\n", wh_sigma_reject_at(s, i)->line, wh_sigma_reject_at(s, i)->reason);
	assert_int_equal(wh_sigma_compile(s), 0);
	return s;
}

/* Does the one rule of `detection` (process_creation) fire on ev? */
static bool fires_ev(const char *detection, struct wh_event *ev)
{
	char yaml[8192];
	snprintf(yaml, sizeof(yaml),
		 "title: t\nid: r1\nlogsource: {product: windows, category: process_creation}\ndetection:\n%s\n",
		 detection);
	struct wh_sigma *s = wh_sigma_new();
	setenv("WH_NO_SYSCONF", "1", 1);
	setenv("WH_NO_CACHE", "1", 1);
	wh_sigma_load_mapping(s, NULL);
	wh_sigma_load_placeholders(s, NULL);
	wh_sigma_load_buffer(s, "t.yml", yaml, strlen(yaml));
	if (wh_sigma_nrejects(s)) {
		fprintf(stderr, "unexpected reject: %s\n", wh_sigma_reject_at(s, 0)->reason);
		fail();
	}
	assert_int_equal(wh_sigma_compile(s), 0);
	struct hits h = { 0 };
	wh_sigma_match(s, ev, on_hit, &h);
	wh_sigma_free(s);
	return h.n == 1;
}

#define PROC(...) sysmon(1, __VA_ARGS__, NULL)
#define CMD(v) PROC("Image", "C:\\Windows\\System32\\cmd.exe", "CommandLine", (v))

/* Does loading it give a reject whose reason contains `why`? */
static bool rejected(const char *yaml, const char *why)
{
	struct wh_sigma *s = wh_sigma_new();
	setenv("WH_NO_SYSCONF", "1", 1);
	setenv("WH_NO_CACHE", "1", 1);
	wh_sigma_load_buffer(s, "t.yml", yaml, strlen(yaml));
	bool r = false;
	for (size_t i = 0; i < wh_sigma_nrejects(s); i++)
		if (strstr(wh_sigma_reject_at(s, i)->reason, why))
			r = true;
	if (!r && wh_sigma_nrejects(s))
		fprintf(stderr, "other reject: %s\n", wh_sigma_reject_at(s, 0)->reason);
	wh_sigma_free(s);
	return r;
}

static void test_maps_and_lists(void **st)
{
	(void)st;
	const char *and = "  sel:\n    Image|endswith: '\\cmd.exe'\n    CommandLine|contains: whoami\n  condition: sel";
	assert_true(fires_ev(and, CMD("cmd /c whoami")));
	assert_false(fires_ev(and, CMD("cmd /c dir")));
	const char *or = "  sel:\n    CommandLine|contains:\n      - whoami\n      - ipconfig\n  condition: sel";
	assert_true(fires_ev(or, CMD("ipconfig /all")));
	assert_false(fires_ev(or, CMD("net view")));
	const char *maps = "  sel:\n    - CommandLine: a\n    - CommandLine: b\n      Image: x\n  condition: sel";
	assert_true(fires_ev(maps, CMD("a")));
	assert_false(fires_ev(maps, CMD("b")));
}

static void test_keywords(void **st)
{
	(void)st;
	const char *kw = "  keywords:\n    - mimikatz\n    - 'sekurlsa::*pass'\n  condition: keywords";
	assert_true(fires_ev(kw, CMD("run MIMIKATZ.exe now")));
	assert_true(fires_ev(kw, CMD("x sekurlsa::logonpasswords y")));
	assert_false(fires_ev(kw, CMD("nothing here")));
	const char *all = "  keywords:\n    '|all':\n      - net\n      - view\n  condition: keywords";
	assert_true(fires_ev(all, CMD("net view \\\\fs01")));
	assert_false(fires_ev(all, CMD("net use")));
}

static void test_wildcards_and_escapes(void **st)
{
	(void)st;
	assert_true(fires_ev("  sel:\n    CommandLine: 'a*c'\n  condition: sel", CMD("abbbc")));
	assert_false(fires_ev("  sel:\n    CommandLine: 'a*c'\n  condition: sel", CMD("abbbcd")));
	assert_true(fires_ev("  sel:\n    CommandLine: 'a?c'\n  condition: sel", CMD("abc")));
	assert_false(fires_ev("  sel:\n    CommandLine: 'a?c'\n  condition: sel", CMD("abbc")));
	/* ? is one character, even a multi-byte one */
	assert_true(fires_ev("  sel:\n    CommandLine: 'a?c'\n  condition: sel", CMD("a\xc3\xa9" "c")));
	/* \* is a literal star; \\ a literal backslash; other backslashes stay */
	assert_true(fires_ev("  sel:\n    CommandLine: 'a\\*c'\n  condition: sel", CMD("a*c")));
	assert_false(fires_ev("  sel:\n    CommandLine: 'a\\*c'\n  condition: sel", CMD("abc")));
	assert_true(fires_ev("  sel:\n    CommandLine: 'x\\\\*'\n  condition: sel", CMD("x\\yz")));
	assert_true(fires_ev("  sel:\n    CommandLine: 'C:\\Windows\\x'\n  condition: sel", CMD("c:\\windows\\X")));
	assert_true(fires_ev("  sel:\n    CommandLine|contains: '\\\\?\\'\n  condition: sel", CMD("open \\?\\C:")));
}

static void test_null_and_empty(void **st)
{
	(void)st;
	const char *nul = "  sel:\n    Image|endswith: cmd.exe\n    ParentImage: null\n  condition: sel";
	assert_true(fires_ev(nul, CMD("x")));
	assert_false(fires_ev(nul, PROC("Image", "cmd.exe", "ParentImage", "")));
	const char *empty = "  sel:\n    ParentImage: ''\n  condition: sel";
	assert_true(fires_ev(empty, PROC("Image", "cmd.exe", "ParentImage", "")));
	assert_false(fires_ev(empty, CMD("x")));   /* absent is not empty */
	const char *notnull = "  sel:\n    ParentImage: null\n  condition: not sel";
	assert_true(fires_ev(notnull, PROC("ParentImage", "")));
}

static void test_numbers(void **st)
{
	(void)st;
	assert_true(fires_ev("  sel:\n    LogonType: 3\n  condition: sel", PROC("LogonType", "3")));
	assert_true(fires_ev("  sel:\n    LogonType: 3\n  condition: sel", PROC("LogonType", "0x3")));
	assert_false(fires_ev("  sel:\n    LogonType: 3\n  condition: sel", PROC("LogonType", "30")));
	assert_true(fires_ev("  sel:\n    Size|gt: 100\n  condition: sel", PROC("Size", "101")));
	assert_false(fires_ev("  sel:\n    Size|gt: 100\n  condition: sel", PROC("Size", "100")));
	assert_true(fires_ev("  sel:\n    Size|gte: 100\n  condition: sel", PROC("Size", "100")));
	assert_true(fires_ev("  sel:\n    Size|lt: 1.5\n  condition: sel", PROC("Size", "1.25")));
	assert_true(fires_ev("  sel:\n    Size|lte: -2\n  condition: sel", PROC("Size", "-2")));
	assert_false(fires_ev("  sel:\n    Size|lt: 10\n  condition: sel", PROC("Size", "ten")));
	/* a quoted number is a string */
	assert_false(fires_ev("  sel:\n    LogonType: '3'\n  condition: sel", PROC("LogonType", "0x3")));
	/* whole numbers past 2^63, in rules and in events, compare as numbers */
	assert_true(fires_ev("  sel:\n    Size: 11111111111111111116700\n  condition: sel",
			     PROC("Size", "11111111111111111116700")));
	assert_false(fires_ev("  sel:\n    Size: 11111111111111111116700\n  condition: sel", PROC("Size", "3")));
	assert_true(fires_ev("  sel:\n    Size|gt: 100\n  condition: sel", PROC("Size", "99999999999999999999999")));
	assert_false(fires_ev("  sel:\n    LogonType: 3\n  condition: sel", PROC("LogonType", "-1e300")));
}

static void test_case(void **st)
{
	(void)st;
	assert_true(fires_ev("  sel:\n    CommandLine|contains: WHOAMI\n  condition: sel", CMD("whoami")));
	assert_false(fires_ev("  sel:\n    CommandLine|contains|cased: WHOAMI\n  condition: sel", CMD("whoami")));
	assert_true(fires_ev("  sel:\n    CommandLine|contains|cased: whoami\n  condition: sel", CMD("whoami")));
	assert_false(fires_ev("  sel:\n    CommandLine|cased: 'Who*'\n  condition: sel", CMD("whoami")));
}

static void test_conditions(void **st)
{
	(void)st;
	const char *d = "  sel_a:\n    CommandLine|contains: a\n  sel_b:\n    CommandLine|contains: b\n"
			"  _flt:\n    CommandLine|contains: z\n  condition: ";
	char buf[1024];
	struct { const char *cond, *cmd; bool want; } cases[] = {
		{ "sel_a and sel_b", "ab", true },
		{ "sel_a and sel_b", "a", false },
		{ "sel_a or sel_b", "b", true },
		{ "not sel_a", "b", true },
		{ "not sel_a", "a", false },
		/* precedence: not > and > or */
		{ "sel_a or sel_b and not _flt", "az", true },
		{ "(sel_a or sel_b) and not _flt", "az", false },
		{ "not sel_a and sel_b", "ab", false },
		{ "1 of sel_*", "b", true },
		{ "all of sel_*", "b", false },
		{ "all of sel_*", "ab", true },
		{ "1 of them", "z", false },      /* _flt is not part of them */
		{ "all of them", "ab", true },    /* nor here */
		{ "any of sel_*", "a", true },
		{ "sel_a and not 1 of _f*", "az", false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(buf, sizeof(buf), "%s%s", d, cases[i].cond);
		if (fires_ev(buf, CMD(cases[i].cmd)) != cases[i].want) {
			fprintf(stderr, "condition '%s' on '%s'\n", cases[i].cond, cases[i].cmd);
			fail();
		}
	}
}

static void test_string_modifiers(void **st)
{
	(void)st;
	assert_true(fires_ev("  sel:\n    CommandLine|startswith: net\n  condition: sel", CMD("net view")));
	assert_false(fires_ev("  sel:\n    CommandLine|startswith: view\n  condition: sel", CMD("net view")));
	assert_true(fires_ev("  sel:\n    CommandLine|endswith: view\n  condition: sel", CMD("net view")));
	const char *all = "  sel:\n    CommandLine|contains|all: [' -a', ' -b']\n  condition: sel";
	assert_true(fires_ev(all, CMD("x -b -a")));
	assert_false(fires_ev(all, CMD("x -a")));
	assert_true(fires_ev("  sel:\n    ParentImage|exists: true\n  condition: sel", PROC("ParentImage", "")));
	assert_false(fires_ev("  sel:\n    ParentImage|exists: true\n  condition: sel", CMD("x")));
	assert_true(fires_ev("  sel:\n    ParentImage|exists: false\n  condition: sel", CMD("x")));
	assert_true(fires_ev("  sel:\n    CommandLine|neq: a\n  condition: sel", CMD("b")));
	assert_false(fires_ev("  sel:\n    CommandLine|neq: a\n  condition: sel", CMD("A")));
	assert_true(fires_ev("  sel:\n    Size|neq: 5\n  condition: sel", PROC("Size", "6")));
	const char *wd = "  sel:\n    CommandLine|contains|windash: ' -enc '\n  condition: sel";
	assert_true(fires_ev(wd, CMD("powershell -enc AAA")));
	assert_true(fires_ev(wd, CMD("powershell /enc AAA")));
	assert_true(fires_ev(wd, CMD("powershell \xe2\x80\x93" "enc AAA")));   /* en dash */
	assert_true(fires_ev(wd, CMD("powershell \xe2\x80\x95" "enc AAA")));   /* horizontal bar */
	assert_false(fires_ev(wd, CMD("powershell enc AAA")));
}

static void test_regex(void **st)
{
	(void)st;
	assert_true(fires_ev("  sel:\n    CommandLine|re: '^net\\s+view$'\n  condition: sel", CMD("net  view")));
	assert_false(fires_ev("  sel:\n    CommandLine|re: '^net\\s+view$'\n  condition: sel", CMD("NET view")));
	assert_true(fires_ev("  sel:\n    CommandLine|re|i: '^net\\s+view$'\n  condition: sel", CMD("NET view")));
	assert_false(fires_ev("  sel:\n    CommandLine|re: '^b'\n  condition: sel", CMD("a\nb")));
	assert_true(fires_ev("  sel:\n    CommandLine|re|m: '^b'\n  condition: sel", CMD("a\nb")));
	assert_false(fires_ev("  sel:\n    CommandLine|re: 'a.b'\n  condition: sel", CMD("a\nb")));
	assert_true(fires_ev("  sel:\n    CommandLine|re|s: 'a.b'\n  condition: sel", CMD("a\nb")));
	/* regular expressions see the value as it is: no wildcards */
	assert_true(fires_ev("  sel:\n    CommandLine|re: 'a*b'\n  condition: sel", CMD("b")));
}

static void test_catastrophic_regex(void **st)
{
	(void)st;
	char big[20000];
	memset(big, 'a', sizeof(big) - 2);
	big[sizeof(big) - 2] = '!';
	big[sizeof(big) - 1] = '\0';
	struct wh_sigma *s = load("title: t\nid: r\nlogsource: {product: windows, category: process_creation}\n"
				  "detection:\n  sel:\n    CommandLine|re: '(a|aa)+$'\n  condition: sel\n");
	struct hits h = { 0 };
	wh_sigma_match(s, CMD(big), on_hit, &h);
	assert_int_equal(h.n, 0);
	assert_true(wh_sigma_get_stats(s)->regex_limit >= 1);   /* bounded, counted, reported */
	wh_sigma_free(s);
}

static void test_encodings(void **st)
{
	(void)st;
	/* base64("whoami") = d2hvYW1p */
	assert_true(fires_ev("  sel:\n    CommandLine|base64|contains: whoami\n  condition: sel", CMD("x d2hvYW1p y")));
	assert_false(fires_ev("  sel:\n    CommandLine|base64: whoami\n  condition: sel", CMD("x d2hvYW1p")));
	/* base64offset: "iex" at any of the three offsets inside a longer text */
	const char *off = "  sel:\n    CommandLine|base64offset|contains: 'iex'\n  condition: sel";
	assert_true(fires_ev(off, CMD("aWV4KG5ldy")));     /* base64("iex(new") */
	assert_true(fires_ev(off, CMD("eGlleA==")));       /* base64("xiex") */
	assert_true(fires_ev(off, CMD("eHhpZXg=")));       /* base64("xxiex") */
	assert_false(fires_ev(off, CMD("aWVA")));
	/* utf16le then base64: what PowerShell -EncodedCommand carries. base64("i\0e\0x\0") = aQBlAHgA */
	assert_true(fires_ev("  sel:\n    CommandLine|wide|base64|contains: iex\n  condition: sel", CMD("-enc aQBlAHgA")));
	assert_true(fires_ev("  sel:\n    CommandLine|utf16le|base64|contains: iex\n  condition: sel", CMD("aQBlAHgA")));
	/* utf16be: "\0i\0e\0x" = AGkAZQB4 */
	assert_true(fires_ev("  sel:\n    CommandLine|utf16be|base64|contains: iex\n  condition: sel", CMD("AGkAZQB4")));
	/* utf16 with BOM: FF FE i 0 e 0 x 0 = //5pAGUAeAA= */
	assert_true(fires_ev("  sel:\n    CommandLine|utf16|base64: iex\n  condition: sel", CMD("//5pAGUAeAA=")));
	assert_true(fires_ev("  sel:\n    CommandLine|wide|base64offset|contains: iex\n  condition: sel",
			     CMD("aQBlAHgA")));
	/* the encoding of nothing is nothing: contains '' holds for any value
	 * (as without the modifier), equals '' for an empty one only */
	assert_true(fires_ev("  sel:\n    CommandLine|base64|contains: ''\n  condition: sel", CMD("x")));
	assert_true(fires_ev("  sel:\n    CommandLine|wide|base64offset|contains: ''\n  condition: sel", CMD("x")));
	assert_false(fires_ev("  sel:\n    CommandLine|base64: ''\n  condition: sel", CMD("x")));
	assert_true(fires_ev("  sel:\n    CommandLine|base64: ''\n  condition: sel", CMD("")));
}

static void test_time_modifiers(void **st)
{
	(void)st;
	/* 2026-03-02 is a Monday in ISO week 10 */
	const char *t = "2026-03-02 21:07:05.000";
	assert_true(fires_ev("  sel:\n    UtcTime|hour: 21\n  condition: sel", PROC("UtcTime", t)));
	assert_true(fires_ev("  sel:\n    UtcTime|minute: 7\n  condition: sel", PROC("UtcTime", t)));
	assert_true(fires_ev("  sel:\n    UtcTime|day: 2\n  condition: sel", PROC("UtcTime", t)));
	assert_true(fires_ev("  sel:\n    UtcTime|week: 10\n  condition: sel", PROC("UtcTime", t)));
	assert_true(fires_ev("  sel:\n    UtcTime|month: 3\n  condition: sel", PROC("UtcTime", t)));
	assert_true(fires_ev("  sel:\n    UtcTime|year: 2026\n  condition: sel", PROC("UtcTime", t)));
	assert_true(fires_ev("  sel:\n    UtcTime|hour|gte: 20\n  condition: sel", PROC("UtcTime", t)));
	assert_false(fires_ev("  sel:\n    UtcTime|hour|lt: 20\n  condition: sel", PROC("UtcTime", t)));
	/* 2027-01-01 is a Friday: ISO week 53 of 2026 */
	assert_true(fires_ev("  sel:\n    UtcTime|week: 53\n  condition: sel", PROC("UtcTime", "2027-01-01 00:00:00")));
}

static void test_cidr(void **st)
{
	(void)st;
	const char *v4 = "  sel:\n    DestinationIp|cidr: 10.0.0.0/8\n  condition: sel";
	assert_true(fires_ev(v4, PROC("DestinationIp", "10.20.1.37")));
	assert_false(fires_ev(v4, PROC("DestinationIp", "11.0.0.1")));
	assert_true(fires_ev(v4, PROC("DestinationIp", "::ffff:10.1.2.3")));
	const char *v6 = "  sel:\n    DestinationIp|cidr: 'fe80::/10'\n  condition: sel";
	assert_true(fires_ev(v6, PROC("DestinationIp", "fe80::1%12")));
	assert_false(fires_ev(v6, PROC("DestinationIp", "2001:db8::1")));
	const char *odd = "  sel:\n    DestinationIp|cidr: 192.168.1.0/23\n  condition: sel";
	assert_true(fires_ev(odd, PROC("DestinationIp", "192.168.0.255")));
	assert_false(fires_ev(odd, PROC("DestinationIp", "192.168.2.1")));
}

static void test_fieldref(void **st)
{
	(void)st;
	const char *eq = "  sel:\n    ParentImage|fieldref: Image\n  condition: sel";
	assert_true(fires_ev(eq, PROC("Image", "C:\\a.exe", "ParentImage", "c:\\A.exe")));
	assert_false(fires_ev(eq, PROC("Image", "C:\\a.exe", "ParentImage", "C:\\b.exe")));
	assert_false(fires_ev(eq, PROC("Image", "C:\\a.exe")));
	const char *sw = "  sel:\n    CommandLine|fieldref|startswith: Image\n  condition: sel";
	assert_true(fires_ev(sw, PROC("Image", "C:\\a.exe", "CommandLine", "C:\\a.exe /x")));
}

static void test_expand(void **st)
{
	(void)st;
	struct wh_sigma *s = wh_sigma_new();
	setenv("WH_NO_SYSCONF", "1", 1);
	setenv("WH_NO_CACHE", "1", 1);
	wh_sigma_load_mapping(s, NULL);
	char ph[] = "/tmp/wh-test-ph-XXXXXX";
	int fd = mkstemp(ph);
	assert_true(fd >= 0);
	const char *text = "placeholders:\n  admins: [alice, 'adm_*']\n";
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(wh_sigma_load_placeholders(s, ph), 0);
	unlink(ph);
	const char *y = "title: t\nid: r1\nlogsource: {product: windows, category: process_creation}\n"
			"detection:\n  sel:\n    User|expand: 'CORP\\%admins%'\n  condition: sel\n"
			"---\ntitle: u\nid: r2\nlogsource: {product: windows, category: process_creation}\n"
			"detection:\n  sel:\n    User|expand: '%nobody%'\n  condition: sel\n";
	wh_sigma_load_buffer(s, "t.yml", y, strlen(y));
	assert_int_equal(wh_sigma_nrejects(s), 0);
	assert_int_equal(wh_sigma_nwarnings(s), 1);   /* the placeholder without values */
	wh_sigma_compile(s);
	struct hits h = { 0 };
	wh_sigma_match(s, PROC("User", "corp\\ALICE"), on_hit, &h);
	wh_sigma_match(s, PROC("User", "CORP\\adm_kim"), on_hit, &h);
	wh_sigma_match(s, PROC("User", "CORP\\mallory"), on_hit, &h);
	assert_int_equal(h.n, 2);
	assert_string_equal(h.ids[0], "r1");
	wh_sigma_free(s);
}

static void test_logsource(void **st)
{
	(void)st;
	struct wh_sigma *s = load(
		"title: t\nid: pc\nlogsource: {product: windows, category: process_creation}\n"
		"detection:\n  sel:\n    Image|endswith: '\\cmd.exe'\n    ProcessId: 6700\n  condition: sel\n"
		"---\ntitle: n\nid: sec\nlogsource: {product: windows, service: security}\n"
		"detection:\n  sel:\n    EventID: 4688\n    ProcessId: '0x3e8'\n  condition: sel\n");
	struct hits h = { 0 };
	/* a Sysmon 3 with the same fields is no process creation */
	wh_sigma_match(s, sysmon(3, "Image", "C:\\cmd.exe", "ProcessId", "6700", NULL), on_hit, &h);
	assert_int_equal(h.n, 0);
	wh_sigma_match(s, sysmon(1, "Image", "C:\\cmd.exe", "ProcessId", "6700", NULL), on_hit, &h);
	assert_int_equal(h.n, 1);
	/* Security 4688: NewProcessName is Image, hex NewProcessId is ProcessId;
	 * a rule for the Security service still sees the original names */
	struct wh_event *ev = sysmon(4688, "NewProcessName", "C:\\Windows\\cmd.exe", "NewProcessId", "0x1a2c",
				     "ProcessId", "0x3e8", NULL);
	ev->channel = "Security";
	ev->provider = "Microsoft-Windows-Security-Auditing";
	ev->kind = WH_EV_OTHER;
	wh_event_classify(ev);
	wh_sigma_match(s, ev, on_hit, &h);
	assert_int_equal(h.n, 3);
	assert_string_equal(h.ids[1], "pc");
	assert_string_equal(h.ids[2], "sec");
	wh_sigma_free(s);
}

static void test_rejections(void **st)
{
	(void)st;
	const char *head = "title: t\nlogsource: {product: windows, category: process_creation}\n";
	char y[1024];
	snprintf(y, sizeof(y), "%sdetection:\n  sel:\n    Image|all: x\n  condition: sel\n", head);
	assert_true(rejected(y, "all modifier needs more than one value"));
	snprintf(y, sizeof(y), "%sdetection:\n  sel:\n    Image|contains|all: [x]\n  condition: sel\n", head);
	assert_true(rejected(y, "all modifier needs more than one value"));
	snprintf(y, sizeof(y), "%sdetection:\n  sel:\n    Image|foo: x\n  condition: sel\n", head);
	assert_true(rejected(y, "unknown modifier 'foo'"));
	snprintf(y, sizeof(y), "%sdetection:\n  sel:\n    Image: x\n  condition: sel | count() > 5\n", head);
	assert_true(rejected(y, "aggregations"));
	snprintf(y, sizeof(y), "%sdetection:\n  sel:\n    Image: x\n  condition: sel and (\n", head);
	assert_true(rejected(y, "condition"));
	snprintf(y, sizeof(y), "%sdetection:\n  sel:\n    Image: x\n", head);
	assert_true(rejected(y, "no condition"));
	snprintf(y, sizeof(y), "%sdetection:\n  sel:\n    Image|re: '(unclosed'\n  condition: sel\n", head);
	assert_true(rejected(y, "invalid regular expression"));
	snprintf(y, sizeof(y), "%sdetection:\n  sel:\n    Ip|cidr: 10.0.0.0/33\n  condition: sel\n", head);
	assert_true(rejected(y, "not a CIDR"));
	snprintf(y, sizeof(y), "%sdetection:\n  sel:\n    Size|gt: big\n  condition: sel\n", head);
	assert_true(rejected(y, "needs a number"));
	snprintf(y, sizeof(y), "%sdetection:\n  sel:\n    Image|i: x\n  condition: sel\n", head);
	assert_true(rejected(y, "need re"));
	assert_true(rejected("logsource: {product: windows}\ndetection: {sel: {a: b}, condition: sel}\n", "no title"));
	assert_true(rejected("title: t\ndetection: {sel: {a: b}, condition: sel}\n", "no logsource"));
	assert_true(rejected("title: t\nlogsource: {product: windows}\ndetection: {sel: {a: b}, condition: 1 of x*}\n",
			     "no search identifier matches"));
	/* the line of the problem, not just the file */
	struct wh_sigma *s = wh_sigma_new();
	snprintf(y, sizeof(y), "%sdetection:\n  sel:\n    Image|foo: x\n  condition: sel\n", head);
	wh_sigma_load_buffer(s, "t.yml", y, strlen(y));
	assert_int_equal(wh_sigma_nrejects(s), 1);
	assert_int_equal(wh_sigma_reject_at(s, 0)->line, 5);
	wh_sigma_free(s);
	/* malformed YAML: reported with its line; documents before it still load */
	s = wh_sigma_new();
	const char *two = "title: ok\nlogsource: {product: windows}\ndetection: {sel: {a: b}, condition: sel}\n---\n"
			  "title: bad\ndetection: [unclosed\n";
	wh_sigma_load_buffer(s, "t.yml", two, strlen(two));
	assert_int_equal(wh_sigma_nrules(s), 1);
	assert_int_equal(wh_sigma_nrejects(s), 1);
	assert_true(wh_sigma_reject_at(s, 0)->line >= 6);
	wh_sigma_free(s);
}

static void test_selection(void **st)
{
	(void)st;
	struct wh_sigma *s = load(
		"title: a\nid: A\nlevel: low\ntags: [attack.execution, attack.t1059.001]\n"
		"logsource: {product: windows, category: process_creation}\ndetection: {s: {Image: x}, condition: s}\n"
		"---\ntitle: b\nid: B\nlevel: high\ntags: [attack.t1105]\n"
		"logsource: {product: windows, category: process_creation}\ndetection: {s: {Image: x}, condition: s}\n");
	const struct wh_sigma_rule *a = wh_sigma_rule_at(s, 0);
	assert_string_equal(a->attack, "T1059.001");
	assert_int_equal(a->stage, WH_KC_EXPLOITATION);
	assert_true(wh_sigma_rule_matches(a, "attack.t1059"));
	assert_false(wh_sigma_rule_matches(a, "attack.t105"));
	assert_true(wh_sigma_rule_matches(a, "a"));
	assert_true(wh_sigma_rule_matches(a, "test.yml"));
	wh_sigma_free(s);
	s = wh_sigma_new();
	const char *y = "title: a\nid: A\nlevel: low\nlogsource: {product: windows}\ndetection: {s: {Image: x}, condition: s}\n"
			"---\ntitle: b\nid: B\nlevel: high\nlogsource: {product: windows}\ndetection: {s: {Image: x}, condition: s}\n";
	wh_sigma_load_buffer(s, "t.yml", y, strlen(y));
	assert_int_equal(wh_sigma_select(s, WH_SEV_MEDIUM, NULL, 0, NULL, 0), 1);
	char *ex[] = { "B" };
	assert_int_equal(wh_sigma_select(s, WH_SEV_INFO, NULL, 0, ex, 1), 1);
	assert_true(wh_sigma_rule_at(s, 0)->enabled);
	wh_sigma_free(s);
}

static void test_filter(void **st)
{
	(void)st;
	struct wh_sigma *s = load(
		"title: a\nid: A\nlogsource: {product: windows, category: process_creation}\n"
		"detection: {s: {Image|endswith: '.exe'}, condition: s}\n"
		"---\ntitle: f\nlogsource: {product: windows, category: process_creation}\n"
		"filter:\n  rules: [A]\n  selection:\n    User|startswith: adm_\n  condition: selection\n");
	struct hits h = { 0 };
	wh_sigma_match(s, PROC("Image", "x.exe", "User", "adm_bob"), on_hit, &h);
	assert_int_equal(h.n, 0);
	wh_sigma_match(s, PROC("Image", "x.exe", "User", "bob"), on_hit, &h);
	assert_int_equal(h.n, 1);
	wh_sigma_free(s);
}

static void test_many_rules_one_event(void **st)
{
	(void)st;
	/* 500 rules on the same field: exactly the ones whose literal is there fire */
	static char y[500 * 200];
	size_t n = 0;
	for (int i = 0; i < 500; i++)
		n += (size_t)snprintf(y + n, sizeof(y) - n,
				      "%stitle: r%d\nid: id%d\nlogsource: {product: windows, category: process_creation}\n"
				      "detection: {s: {CommandLine|contains: 'tok%03d-'}, condition: s}\n",
				      i ? "---\n" : "", i, i, i);
	struct wh_sigma *s = load(y);
	struct hits h = { 0 };
	wh_sigma_match(s, CMD("run tok007- and tok123- now"), on_hit, &h);
	assert_int_equal(h.n, 2);
	assert_int_equal(wh_sigma_get_stats(s)->evaluated, 2);   /* the others were never evaluated */
	wh_sigma_free(s);
}

static void test_trigger_choice(void **st)
{
	(void)st;
	/* A unit waits for the literal group least likely to be in an event:
	 * short literals occur by chance, and a literal many rules share is one
	 * logs often hold. '\\Windows\\' is longer than '\\..\\..\\' but four
	 * rules have it: the traversal rule (an OR: one group, each branch's
	 * rarest literals) waits for its rare literal, and is not evaluated on
	 * every image under Windows. */
	const char *y = "title: traversal\nid: t\nlogsource: {product: windows, category: process_creation}\n"
			"detection: {s: {Image|contains: '\\Windows\\', CommandLine|contains: '\\..\\..\\'},\n"
			"  t: {CommandLine|contains: '.exe\\..\\'}, condition: s or t}\n"
			"---\ntitle: a\nid: a\nlogsource: {product: windows, category: process_creation}\n"
			"detection: {s: {Image|contains: '\\Windows\\', CommandLine|contains: aaa}, condition: s}\n"
			"---\ntitle: b\nid: b\nlogsource: {product: windows, category: process_creation}\n"
			"detection: {s: {Image|contains: '\\Windows\\', CommandLine|contains: bbb}, condition: s}\n"
			"---\ntitle: c\nid: c\nlogsource: {product: windows, category: process_creation}\n"
			"detection: {s: {Image|contains: '\\Windows\\', CommandLine|contains: ccc}, condition: s}\n";
	struct wh_sigma *s = load(y);
	struct hits h = { 0 };
	wh_sigma_match(s, CMD("cmd /c dir"), on_hit, &h);
	assert_int_equal(h.n, 0);
	assert_int_equal(wh_sigma_get_stats(s)->evaluated, 0);
	wh_sigma_match(s, CMD("cmd /c type a\\..\\..\\x"), on_hit, &h);
	assert_int_equal(h.n, 1);
	assert_string_equal(h.ids[0], "t");
	assert_int_equal(wh_sigma_get_stats(s)->evaluated, 1);
	wh_sigma_free(s);
}

static void test_split_selections(void **st)
{
	(void)st;
	/* "1 of selection_* and not filter" is a unit per selection, each
	 * waiting for one of its literals and checking its others: an event
	 * with the parent of the first selection alone evaluates nothing; each
	 * selection fires the rule once, the filter still holds it back. */
	const char *y = "title: two ways\nid: r\nlogsource: {product: windows, category: process_creation}\n"
			"detection:\n"
			"  selection_a: {ParentImage|endswith: '\\rundll32.exe', Image|endswith: '\\dllhost.exe'}\n"
			"  selection_b: {CommandLine|contains: 'zzfirst'}\n"
			"  filter: {CommandLine|contains: 'zzlegit'}\n"
			"  condition: 1 of selection_* and not filter\n";
	struct wh_sigma *s = load(y);
	struct hits h = { 0 };
	wh_sigma_match(s, PROC("ParentImage", "C:\\w\\rundll32.exe", "Image", "C:\\w\\cmd.exe", "CommandLine", "x"),
		       on_hit, &h);
	assert_int_equal(h.n, 0);
	assert_int_equal(wh_sigma_get_stats(s)->evaluated, 0);
	wh_sigma_match(s, PROC("ParentImage", "C:\\w\\rundll32.exe", "Image", "C:\\w\\dllhost.exe", "CommandLine", "x"),
		       on_hit, &h);
	assert_int_equal(h.n, 1);
	wh_sigma_match(s, PROC("ParentImage", "C:\\w\\rundll32.exe", "Image", "C:\\w\\dllhost.exe", "CommandLine",
			       "x zzfirst"),
		       on_hit, &h);
	assert_int_equal(h.n, 2);   /* both selections hold: one hit */
	wh_sigma_match(s, PROC("ParentImage", "C:\\w\\rundll32.exe", "Image", "C:\\w\\dllhost.exe", "CommandLine",
			       "zzfirst zzlegit"),
		       on_hit, &h);
	wh_sigma_match(s, PROC("Image", "C:\\w\\a.exe", "CommandLine", "zzfirst"), on_hit, &h);
	assert_int_equal(h.n, 3);
	wh_sigma_free(s);
}

/* The stamp of an event's names (wh_sigma_hit.shape) from its last hit. */
static struct wh_sigma_shape last_shape;
static void on_hit_shape(const struct wh_sigma_hit *h, void *arg)
{
	(void)arg;
	last_shape = h->shape;
}

static struct wh_sigma_shape shape_of(struct wh_sigma *s, struct wh_event *ev)
{
	last_shape = (struct wh_sigma_shape){ 0, 0 };
	wh_sigma_match(s, ev, on_hit_shape, NULL);
	return last_shape;
}

static bool same_shape(struct wh_sigma_shape a, struct wh_sigma_shape b)
{
	return a.view == b.view && a.gen == b.gen;
}

static void test_shape_stamp(void **st)
{
	(void)st;
	/* Events of one view with the same names in the same order share a
	 * stamp, whatever their values; a name changed, added or moved gives
	 * another; and a layout seen again after another is stamped anew (the
	 * places were written in between), never with a stamp already given
	 * to other names. Names too long to keep at a place: no stamp. */
	struct wh_sigma *s = load("title: t\nid: r\nlogsource: {product: windows, category: process_creation}\n"
				  "detection: {s: {Image|endswith: '.exe'}, condition: s}\n");
	/* the first event writes the places: the next one is the first to find them */
	struct wh_sigma_shape a = shape_of(s, PROC("Image", "a.exe", "User", "u1"));
	assert_int_equal(a.view, 0);
	struct wh_sigma_shape a2 = shape_of(s, PROC("Image", "b.exe", "User", "u2"));
	assert_true(a2.view != 0);
	assert_true(same_shape(a2, shape_of(s, PROC("Image", "c.exe", "User", "u3"))));
	struct wh_sigma_shape b = shape_of(s, PROC("Image", "a.exe", "Usr", "u1"));
	assert_int_equal(b.view, 0);
	struct wh_sigma_shape b2 = shape_of(s, PROC("Image", "a.exe", "Usr", "u1"));
	assert_true(b2.view != 0);
	assert_false(same_shape(b2, a2));
	assert_int_equal(shape_of(s, PROC("User", "u1", "Image", "a.exe")).view, 0);
	struct wh_sigma_shape c = shape_of(s, PROC("User", "u1", "Image", "a.exe"));
	assert_true(c.view != 0);
	assert_false(same_shape(c, b2));
	assert_false(same_shape(c, a2));
	assert_int_equal(shape_of(s, PROC("Image", "a.exe", "User", "u1")).view, 0);
	struct wh_sigma_shape a4 = shape_of(s, PROC("Image", "d.exe", "User", "u4"));
	assert_true(a4.view != 0);
	assert_false(same_shape(a4, a2));
	assert_false(same_shape(a4, b2));
	assert_false(same_shape(a4, c));
	/* one more field at the end: a new layout */
	assert_int_equal(shape_of(s, PROC("Image", "a.exe", "User", "u1", "Extra", "x")).view, 0);
	struct wh_sigma_shape d2 = shape_of(s, PROC("Image", "a.exe", "User", "u1", "Extra", "x"));
	assert_true(d2.view != 0);
	/* fewer fields than the places hold: the same stamp, told apart by the count */
	struct wh_sigma_shape e = shape_of(s, PROC("Image", "a.exe", "User", "u1"));
	assert_true(same_shape(e, d2));
	assert_int_equal(evbuf.nfields, 3);
	/* a name longer than a place keeps: none */
	struct wh_sigma_shape f = shape_of(s, PROC("Image", "a.exe", "AVeryLongFieldNameThatIsNotKept", "v"));
	assert_int_equal(f.view, 0);
	f = shape_of(s, PROC("Image", "a.exe", "AVeryLongFieldNameThatIsNotKept", "v"));
	assert_int_equal(f.view, 0);
	wh_sigma_free(s);
}

/* Hits of each rule id (by its first letter) over a run of events. */
static int count_id(const struct hits *h, char id)
{
	int n = 0;
	for (int i = 0; i < h->n; i++)
		n += h->ids[i][0] == id;
	return n;
}

static void test_keywords_in_channel(void **st)
{
	(void)st;
	/* The view's channel and provider are searched once for its keywords
	 * and left out of the joined scan of its events: a keyword in them
	 * still fires on every event, one that is not never does. */
	const char *y = "title: k\nid: k\nlogsource: {product: windows}\n"
			"detection: {k: ['Sysmon/Oper'], condition: k}\n"
			"---\ntitle: n\nid: n\nlogsource: {product: windows}\n"
			"detection: {k: ['nowhere-at-all'], condition: k}\n";
	struct wh_sigma *s = load(y);
	struct hits h = { 0 };
	for (int i = 0; i < 3; i++) {
		struct wh_event *ev = sysmon(3, "Channel", "Microsoft-Windows-Sysmon/Operational", "Provider_Name",
					     "Microsoft-Windows-Sysmon", "Image", "C:\\a.exe", NULL);
		/* as the JSON reader gives them: the fields' own values */
		ev->channel = ev->fields[1].value;
		ev->provider = ev->fields[2].value;
		wh_sigma_match(s, ev, on_hit, &h);
	}
	assert_int_equal(count_id(&h, 'k'), 3);
	assert_int_equal(count_id(&h, 'n'), 0);
	wh_sigma_free(s);
}

static void test_shared_or_lists(void **st)
{
	(void)st;
	/* Rules that list the same literals share one OR mark; what else an OR
	 * holds (a regular expression) stays its own, and a check group of the
	 * same literals reads the same mark. */
	const char *y = "title: a\nid: a\nlogsource: {product: windows, category: process_creation}\n"
			"detection: {s: {Image|endswith: [x1.exe, x2.exe, x3.exe, x4.exe, x5.exe]}, condition: s}\n"
			"---\ntitle: b\nid: b\nlogsource: {product: windows, category: process_creation}\n"
			"detection: {s: {Image|endswith: [x5.exe, x4.exe, x3.exe, x2.exe, x1.exe]}, r: {Image|re: 'zz[0-9]+'},\n"
			"  condition: s or r}\n"
			"---\ntitle: c\nid: c\nlogsource: {product: windows, category: process_creation}\n"
			"detection: {s: {Image|endswith: [x1.exe, x2.exe, x3.exe, x4.exe, x5.exe]}, t: {CommandLine|contains: go},\n"
			"  condition: s and t}\n";
	struct wh_sigma *s = load(y);
	struct hits h = { 0 };
	wh_sigma_match(s, PROC("Image", "C:\\x3.exe", "CommandLine", "stop"), on_hit, &h);
	assert_int_equal(h.n, 2);
	assert_int_equal(count_id(&h, 'a') + count_id(&h, 'b'), 2);
	wh_sigma_match(s, PROC("Image", "C:\\zz42.exe", "CommandLine", "go"), on_hit, &h);
	assert_int_equal(h.n, 3);
	assert_string_equal(h.ids[2], "b");
	wh_sigma_match(s, PROC("Image", "C:\\x5.exe", "CommandLine", "go"), on_hit, &h);
	assert_int_equal(h.n, 6);
	assert_int_equal(count_id(&h, 'c'), 1);
	wh_sigma_free(s);
}


static void test_keywords_through_memo(void **st)
{
	(void)st;
	/* The values the memo knows carry their keyword leaves with them, of
	 * the keywords of every view so far: the same value seen again must
	 * still fire the keyword rule, in its view and in a view with other
	 * keywords (process creation adds 'perfc.dat': the Image first seen in
	 * a network event, before any process start, is searched again when
	 * the process view brings the keyword); and a keyword of another
	 * view's rule does not fire there. Values seen once, values the memo does not
	 * take (over 512 bytes) and fields no rule looks at are searched as
	 * well. */
	const char *y = "title: any windows\nid: a\nlogsource: {product: windows}\n"
			"detection: {k: [mimikatz, 'sekurlsa::'], condition: k}\n"
			"---\ntitle: process keyword\nid: b\nlogsource: {product: windows, category: process_creation}\n"
			"detection: {k: ['perfc.dat'], s: {CommandLine|contains: zzz}, condition: k or s}\n"
			"---\ntitle: network image\nid: c\nlogsource: {product: windows, category: network_connection}\n"
			"detection: {s: {Image|endswith: '.exe'}, condition: s}\n"
			"---\ntitle: process image\nid: d\nlogsource: {product: windows, category: process_creation}\n"
			"detection: {s: {Image|endswith: '\\\\x.exe'}, condition: s}\n";
	struct wh_sigma *s = load(y);
	char longv[700];
	memset(longv, 'A', sizeof(longv));
	memcpy(longv + 600, " sekurlsa::x", 13);
	struct hits h = { 0 };
	for (int round = 0; round < 3; round++) {
		wh_sigma_match(s, sysmon(3, "Image", "C:\\t\\perfc.dat.exe", NULL), on_hit, &h);
		wh_sigma_match(s, PROC("Image", "C:\\t\\perfc.dat.exe", "CommandLine", "run"), on_hit, &h);
		wh_sigma_match(s, PROC("Image", "C:\\t\\y.exe", "CommandLine", "mimikatz.exe"), on_hit, &h);
		wh_sigma_match(s, PROC("Image", "C:\\t\\y.exe", "CommandLine", longv), on_hit, &h);
		wh_sigma_match(s, PROC("Image", "C:\\t\\y.exe", "CommandLine", "b", "RuleName", "sekurlsa::z"), on_hit,
			       &h);
		wh_sigma_match(s, sysmon(3, "Image", "C:\\t\\mimikatz.exe", NULL), on_hit, &h);
	}
	assert_int_equal(count_id(&h, 'b'), 3);   /* perfc.dat, first seen in a network event */
	assert_int_equal(count_id(&h, 'a'), 12);   /* the short, the long, the unlooked-at value, the network image */
	assert_int_equal(count_id(&h, 'c'), 6);
	assert_int_equal(count_id(&h, 'd'), 0);
	wh_sigma_free(s);
}

static void test_computed_leaves_remembered(void **st)
{
	(void)st;
	/* Regular expressions, numbers and globs are computed from the value
	 * and remembered by the value's memo entry: results must follow the
	 * values however they repeat and alternate, also when the field has
	 * two values. */
	const char *y = "title: re\nid: a\nlogsource: {product: windows, category: process_creation}\n"
			"detection: {s: {CommandLine|re: '^a[0-9]+z$'}, condition: s}\n"
			"---\ntitle: glob\nid: b\nlogsource: {product: windows, category: process_creation}\n"
			"detection: {s: {CommandLine: 'a?9*'}, condition: s}\n"
			"---\ntitle: lit\nid: c\nlogsource: {product: windows, category: process_creation}\n"
			"detection: {s: {CommandLine|contains: qqq}, condition: s}\n";
	struct wh_sigma *s = load(y);
	int want_a = 0, want_b = 0, got_a = 0, got_b = 0;
	for (int i = 0; i < 400; i++) {
		char v[32];
		int k = (i * 7) % 23;
		snprintf(v, sizeof(v), "a%d%c", k, i % 3 ? 'z' : 'y');
		want_a += i % 3 != 0;
		want_b += k >= 10 && k % 10 == 9;   /* "a?9*": a, one character, then 9 */
		struct hits h = { 0 };
		wh_sigma_match(s, PROC("CommandLine", v), on_hit, &h);
		got_a += count_id(&h, 'a');
		got_b += count_id(&h, 'b');
	}
	assert_int_equal(got_a, want_a);
	assert_int_equal(got_b, want_b);
	/* two values, the first matches: what holds for the event does not
	 * hold for the second value alone */
	struct hits h = { 0 };
	wh_sigma_match(s, PROC("CommandLine", "a1z", "CommandLine", "a1y"), on_hit, &h);
	assert_int_equal(count_id(&h, 'a'), 1);
	wh_sigma_match(s, PROC("CommandLine", "a1y"), on_hit, &h);
	assert_int_equal(count_id(&h, 'a'), 1);
	wh_sigma_free(s);
}

/* n bytes of filler with `lit` (when not NULL) at `at`, malloc'ed. */
static char *long_value(size_t n, const char *lit, size_t at)
{
	char *v = malloc(n + 1);
	for (size_t i = 0; i < n; i++)
		v[i] = (char)('a' + i % 23);
	if (lit)
		memcpy(v + at, lit, strlen(lit));
	v[n] = '\0';
	return v;
}

/* The ids (first letters) of the rules that fire on ev, in rule order. */
static void fired(struct wh_sigma *s, bool plain, struct wh_event *ev, char *out)
{
	struct hits h = { 0 };
	if (plain)
		wh_sigma_match_plain(s, ev, on_hit, &h);
	else
		wh_sigma_match(s, ev, on_hit, &h);
	int k = 0;
	for (; k < h.n && k < 15; k++)
		out[k] = h.ids[k][0];
	out[k] = '\0';
}

static void test_long_literals(void **st)
{
	(void)st;
	/* Literals past Hyperscan's length limit (16,383 bytes) are matched by
	 * their first bytes and the rest compared. One such literal used to
	 * fail its field's whole database, and hunt with it. Its beginning
	 * alone, its beginning twice before the whole of it, another case,
	 * the wrong end or two values must not do; the compiled matcher and
	 * the plain one must agree. */
	enum { L = 20000 };
	char *lit = long_value(L, NULL, 0), *other = long_value(L, NULL, 0), *half = long_value(L / 4, NULL, 0);
	lit[0] = other[0] = half[0] = 'Q';
	other[L - 1] = 'Z';   /* the same beginning, another end */
	static char y[4 * L + 4096];
	snprintf(y, sizeof(y),
		 "title: ends\nid: e\nlogsource: {product: windows, category: process_creation}\n"
		 "detection: {s: {CommandLine|endswith: '%s'}, condition: s}\n"
		 "---\ntitle: starts\nid: s\nlogsource: {product: windows, category: process_creation}\n"
		 "detection: {s: {CommandLine|startswith: '%s'}, condition: s}\n"
		 "---\ntitle: contains\nid: c\nlogsource: {product: windows, category: process_creation}\n"
		 "detection: {s: {ParentCommandLine|contains|cased: '%s'}, condition: s}\n"
		 "---\ntitle: keyword\nid: k\nlogsource: {product: windows}\n"
		 "detection: {k: ['%s'], condition: k}\n"
		 "---\ntitle: beside\nid: b\nlogsource: {product: windows, category: process_creation}\n"
		 "detection: {s: {CommandLine|contains: whoami}, condition: s}\n",
		 lit, lit, lit, other);
	struct wh_sigma *sets[2] = { load(y), load(y) };
	char *twice = malloc(3 * L);
	snprintf(twice, 3 * L, "%s%s%s", half, half, lit);
	char *upper = long_value(3 * L, lit, L + 7);
	for (char *p = upper; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 32);
	char *v1 = long_value(L + 100, lit, 100), *v2 = long_value(L + 100, lit, 0);
	char *v3 = long_value(L + 200, lit, 50), *v4 = long_value(3 * L, lit, L + 7);
	char *who = malloc(L + 16);
	snprintf(who, L + 16, "whoami %s", lit);
	char *kw1 = strdup(other), *kw2 = strdup(other + L - 10);
	kw1[L - 10] = '\0';
	const struct {
		const char *f1, *v1, *f2, *v2;   /* the event's fields (f2 may be NULL) */
		const char *want;                /* the rules that fire, by id, in rule order */
	} cases[] = {
		{ "CommandLine", lit, NULL, NULL, "es" },
		{ "CommandLine", v1, NULL, NULL, "e" },
		{ "CommandLine", v2, NULL, NULL, "s" },
		{ "CommandLine", v3, NULL, NULL, "" },
		{ "CommandLine", who, NULL, NULL, "eb" },
		{ "ParentCommandLine", v4, NULL, NULL, "c" },
		{ "ParentCommandLine", twice, NULL, NULL, "c" },
		{ "ParentCommandLine", upper, NULL, NULL, "" },
		{ "RuleName", other, NULL, NULL, "k" },
		{ "RuleName", kw1, "Description", kw2, "" },
		{ "RuleName", lit, NULL, NULL, "" },
	};
	for (int plain = 0; plain < 2; plain++) {
		for (int round = 0; round < 2; round++)   /* the second through whatever was remembered */
			for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
				char got[16];
				struct wh_event *ev = cases[i].f2 ? PROC(cases[i].f1, cases[i].v1, cases[i].f2, cases[i].v2)
								  : PROC(cases[i].f1, cases[i].v1);
				fired(sets[plain], plain, ev, got);
				if (strcmp(got, cases[i].want) != 0)
					fail_msg("case %zu (%s): '%s' fired, not '%s'", i, plain ? "plain" : "compiled", got,
						 cases[i].want);
			}
		wh_sigma_free(sets[plain]);
	}
	free(lit);
	free(other);
	free(half);
	free(twice);
	free(upper);
	free(v1);
	free(v2);
	free(v3);
	free(v4);
	free(who);
	free(kw1);
	free(kw2);
}

int main(void)
{
	wh_diag.quiet = true;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_maps_and_lists),
		cmocka_unit_test(test_keywords),
		cmocka_unit_test(test_wildcards_and_escapes),
		cmocka_unit_test(test_null_and_empty),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_case),
		cmocka_unit_test(test_conditions),
		cmocka_unit_test(test_string_modifiers),
		cmocka_unit_test(test_regex),
		cmocka_unit_test(test_catastrophic_regex),
		cmocka_unit_test(test_encodings),
		cmocka_unit_test(test_time_modifiers),
		cmocka_unit_test(test_cidr),
		cmocka_unit_test(test_fieldref),
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_logsource),
		cmocka_unit_test(test_rejections),
		cmocka_unit_test(test_selection),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_many_rules_one_event),
		cmocka_unit_test(test_shape_stamp),
		cmocka_unit_test(test_trigger_choice),
		cmocka_unit_test(test_split_selections),
		cmocka_unit_test(test_shared_or_lists),
		cmocka_unit_test(test_keywords_in_channel),
		cmocka_unit_test(test_keywords_through_memo),
		cmocka_unit_test(test_computed_leaves_remembered),
		cmocka_unit_test(test_long_literals),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	wh_event_release(&evbuf);
	wh_arena_release(&evarena);
	return rc;
}
