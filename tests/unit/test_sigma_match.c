/*
 * test_sigma_match.c: the fast paths of the Sigma matcher, each against
 * what the plain semantics say: the keyword scan over an event's joined
 * values (a literal must lie inside one value), the memo of scan results
 * (a value seen again gives the same leaves, and only for its own field),
 * the remembered field names of a view (events whose fields change order
 * or name), the recent-view cache (channels that differ in case), and the
 * literal the prefilter takes from a regular expression.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "detect/sigma/sigma_int.h"
#include "model/event.h"
#include "util/wtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hits {
	char ids[64][64];
	int n;
};

static void on_hit(const struct wh_sigma_hit *h, void *arg)
{
	struct hits *x = arg;
	if (x->n < 64)
		snprintf(x->ids[x->n++], 64, "%s", h->rule->id);
}

static bool hit(const struct hits *h, const char *id)
{
	for (int i = 0; i < h->n; i++)
		if (strcmp(h->ids[i], id) == 0)
			return true;
	return false;
}

static struct wh_event evbuf;
static struct wh_arena evarena;

/* An event of a channel: event id, then name/value pairs, NULL-terminated. */
static struct wh_event *event(const char *channel, int id, ...)
{
	wh_event_release(&evbuf);
	wh_arena_release(&evarena);
	wh_arena_init(&evarena, 4096, 0);
	wh_event_init(&evbuf, &evarena);
	evbuf.channel = channel;
	evbuf.provider = strstr(channel, "ysmon") ? "Microsoft-Windows-Sysmon" : "Some-Provider";
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

#define SYSMON "Microsoft-Windows-Sysmon/Operational"
#define PROC(...) event(SYSMON, 1, __VA_ARGS__, NULL)

static struct wh_sigma *load(const char *yaml)
{
	struct wh_sigma *s = wh_sigma_new();
	setenv("WH_NO_SYSCONF", "1", 1);
	setenv("WH_NO_CACHE", "1", 1);
	wh_sigma_load_mapping(s, NULL);
	wh_sigma_load_buffer(s, "test.yml", yaml, strlen(yaml));
	for (size_t i = 0; i < wh_sigma_nrejects(s); i++)
		fprintf(stderr, "reject: line %u: %s\n", wh_sigma_reject_at(s, i)->line, wh_sigma_reject_at(s, i)->reason);
	assert_int_equal(wh_sigma_nrejects(s), 0);
	assert_int_equal(wh_sigma_compile(s), 0);
	return s;
}

static struct hits run(struct wh_sigma *s, struct wh_event *ev)
{
	struct hits h = { 0 };
	wh_sigma_match(s, ev, on_hit, &h);
	return h;
}

#define RULE(id, det) \
	"title: " id "\nid: " id "\nlogsource: {product: windows, category: process_creation}\ndetection:\n" det "\n"

/* Keyword literals are found in the joined values of an event, but only
 * inside one value: never across the end of one and the start of the next. */
static void test_keyword_boundaries(void **st)
{
	(void)st;
	struct wh_sigma *s = load(RULE("k1", "  keywords: ['abcdef']\n  condition: keywords") "---\n"
				  RULE("k2", "  keywords: ['xyz']\n  condition: keywords"));
	/* "abc" ends one value and "def" starts the next */
	struct hits h = run(s, PROC("A", "zzabc", "B", "defzz"));
	assert_false(hit(&h, "k1"));
	/* at the very start, the very end, and in the middle of the values */
	h = run(s, PROC("A", "abcdef", "B", "q"));
	assert_true(hit(&h, "k1"));
	h = run(s, PROC("A", "q", "B", "xxabcdef"));
	assert_true(hit(&h, "k1"));
	h = run(s, PROC("A", "q", "B", "r", "C", "..ABCDEF.."));
	assert_true(hit(&h, "k1"));
	/* a value that is only the keyword, between empty values */
	h = run(s, PROC("A", "", "B", "xyz", "C", ""));
	assert_true(hit(&h, "k2"));
	assert_false(hit(&h, "k1"));
	/* the field name is not searched */
	h = run(s, PROC("xyz", "nothing"));
	assert_false(hit(&h, "k2"));
	wh_sigma_free(s);
}

/* A keyword that contains the separator byte may match across two values
 * in the joined text: the match must still be refused, and a later real
 * match in one value must still be found. YAML text cannot hold the byte
 * 0xff, but the UTF-16 form of U+00FF is ff 00. */
static void test_keyword_with_separator_byte(void **st)
{
	(void)st;
	struct wh_sigma *s = load(RULE("k3", "  keywords:\n    '|wide':\n      - \"\\xff\"\n  condition: keywords"));
	/* "x", then "\0y": joined, the separator and the NUL read ff 00 */
	struct wh_event *ev = PROC("A", "x");
	wh_event_add_copy(ev, "B", 1, "\0y", 2);
	struct hits h = run(s, ev);
	assert_false(hit(&h, "k3"));
	wh_event_add_copy(ev, "C", 1, "q\xff\0q", 4);
	h = run(s, ev);
	assert_true(hit(&h, "k3"));
	wh_sigma_free(s);
}

/* The memo gives a value seen before the same literal leaves: the rule
 * decides the same as on the first sight, for each of many values. It is
 * keyed by field: the same value in another field is not the same. */
static void test_memo(void **st)
{
	(void)st;
	struct wh_sigma *s = load(RULE("m1", "  sel:\n    CommandLine|contains: ' -enc '\n    Image|endswith: '\\powershell.exe'\n  condition: sel") "---\n"
				  RULE("m2", "  sel:\n    ParentImage|endswith: '\\winword.exe'\n  condition: sel") "---\n"
				  RULE("m3", "  sel:\n    CommandLine|contains|cased: 'Secret'\n  condition: sel"));
	for (int round = 0; round < 3; round++) {
		struct hits h = run(s, PROC("Image", "C:\\x\\powershell.exe", "CommandLine", "p -enc AAA"));
		assert_true(hit(&h, "m1"));
		h = run(s, PROC("Image", "C:\\x\\powershell.exe", "CommandLine", "p -nop"));
		assert_false(hit(&h, "m1"));
		/* same command line, other image */
		h = run(s, PROC("Image", "C:\\x\\cmd.exe", "CommandLine", "p -enc AAA"));
		assert_false(hit(&h, "m1"));
		/* the value of ParentImage seen as Image: no hit for m2 */
		h = run(s, PROC("Image", "C:\\o\\winword.exe"));
		assert_false(hit(&h, "m2"));
		h = run(s, PROC("ParentImage", "C:\\o\\winword.exe"));
		assert_true(hit(&h, "m2"));
		/* values that differ only in case are different values */
		h = run(s, PROC("CommandLine", "the Secret"));
		assert_true(hit(&h, "m3"));
		h = run(s, PROC("CommandLine", "the secret"));
		assert_false(hit(&h, "m3"));
	}
	/* long values (call traces, kilobytes) are remembered too: the same
	 * value again, and values that differ from it only at the end or in
	 * the middle, each decided as when first seen */
	static char lv[5000];
	for (int round = 0; round < 3; round++)
		for (size_t len = 600; len < sizeof(lv); len += 1400) {
			memset(lv, 'a', len);
			memcpy(lv + len - 5, "e AAA", 5);
			memcpy(lv + 10, " -enc ", 6);
			lv[len] = '\0';
			struct hits h = run(s, PROC("Image", "C:\\powershell.exe", "CommandLine", lv));
			assert_true(hit(&h, "m1"));
			lv[12] = 'x';   /* " -exc ": no longer there */
			h = run(s, PROC("Image", "C:\\powershell.exe", "CommandLine", lv));
			assert_false(hit(&h, "m1"));
			memcpy(lv + len - 7, " -enc ", 6);   /* at the end instead */
			h = run(s, PROC("Image", "C:\\powershell.exe", "CommandLine", lv));
			assert_true(hit(&h, "m1"));
		}
	/* many distinct values evict each other; results stay right */
	char v[64];
	for (int i = 0; i < 40000; i++) {
		snprintf(v, sizeof(v), "run %d%s", i, i % 7 == 0 ? " -enc x" : "");
		struct hits h = run(s, PROC("Image", "C:\\powershell.exe", "CommandLine", v));
		if (hit(&h, "m1") != (i % 7 == 0))
			fail_msg("value %d decided wrongly", i);
	}
	wh_sigma_free(s);
}

/* The field names of a view are remembered by position: events that
 * change the order, add fields, or use a name of the same length must
 * still bind each value to its own field. */
static void test_field_shapes(void **st)
{
	(void)st;
	struct wh_sigma *s = load(RULE("f1", "  sel:\n    Image|endswith: '\\a.exe'\n    User: bob\n  condition: sel"));
	struct hits h = run(s, PROC("Image", "C:\\a.exe", "User", "bob"));
	assert_true(hit(&h, "f1"));
	h = run(s, PROC("User", "bob", "Image", "C:\\a.exe"));
	assert_true(hit(&h, "f1"));
	/* "Usex" has User's length and position */
	h = run(s, PROC("Image", "C:\\a.exe", "Usex", "bob"));
	assert_false(hit(&h, "f1"));
	h = run(s, PROC("X", "1", "Y", "2", "Image", "C:\\a.exe", "User", "bob"));
	assert_true(hit(&h, "f1"));
	/* field names compare without case, as Sigma says */
	h = run(s, PROC("image", "C:\\a.exe", "USER", "bob"));
	assert_true(hit(&h, "f1"));
	/* a long name that is not remembered, then the short ones again */
	char longname[200];
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	h = run(s, PROC(longname, "x", "Image", "C:\\a.exe", "User", "bob"));
	assert_true(hit(&h, "f1"));
	h = run(s, PROC("Image", "C:\\b.exe", "User", "bob"));
	assert_false(hit(&h, "f1"));
	wh_sigma_free(s);
}

/* Events of one view whose fields differ (forwarded logs add some): the
 * places past the view's first event, and names found through the name
 * cache rather than the place, give the same answers. */
static void test_field_places(void **st)
{
	(void)st;
	struct wh_sigma *s = load(RULE("p1", "  sel:\n    Image|endswith: '\\a.exe'\n    User: bob\n  condition: sel"));
	struct hits h = run(s, PROC("Image", "C:\\a.exe"));
	assert_false(hit(&h, "p1"));
	/* more fields than the first event had */
	h = run(s, PROC("A", "1", "B", "2", "C", "3", "D", "4", "Image", "C:\\a.exe", "User", "bob"));
	assert_true(hit(&h, "p1"));
	/* a name of the same length at a place that held User: not User */
	h = run(s, PROC("A", "1", "B", "2", "C", "3", "D", "4", "Image", "C:\\a.exe", "Usex", "bob"));
	assert_false(hit(&h, "p1"));
	/* User at a place that held Image, Image at one that held D */
	h = run(s, PROC("A", "1", "B", "2", "C", "3", "Image", "C:\\a.exe", "User", "bob"));
	assert_true(hit(&h, "p1"));
	/* the same names in other case: the cache keeps bytes, the ids fold */
	h = run(s, PROC("A", "1", "B", "2", "C", "3", "IMAGE", "C:\\a.exe", "user", "bob"));
	assert_true(hit(&h, "p1"));
	h = run(s, PROC("Usex", "bob", "Image", "C:\\a.exe"));
	assert_false(hit(&h, "p1"));
	/* thousands of names of User's length, each after User was seen: some
	 * share User's slot of the name cache, none may be taken for it */
	for (int i = 0; i < 4096; i++) {
		char name[8];
		snprintf(name, sizeof(name), "%04x", i);
		h = run(s, PROC("A", "1", "B", "2", "C", "3", "D", "4", "E", "5", "Image", "C:\\a.exe", "User", "bob"));
		assert_true(hit(&h, "p1"));
		h = run(s, PROC("A", "1", "B", "2", "C", "3", "D", "4", "E", "5", "F", "6", "Image", "C:\\a.exe", name, "bob"));
		assert_false(hit(&h, "p1"));
	}
	wh_sigma_free(s);
}

/* Equality literals are looked up only for values of their lengths: the
 * length filter must not drop a value of the right length, long ones
 * (the lengths from 63 up share one bit) included. */
static void test_equality_lengths(void **st)
{
	(void)st;
	char lit[71], yaml[512], longer[101];
	memset(lit, 'q', 70);
	lit[70] = '\0';
	memset(longer, 'q', 100);
	longer[100] = '\0';
	snprintf(yaml, sizeof(yaml), RULE("e1", "  sel:\n    User:\n      - bob\n      - '%s'\n  condition: sel"), lit);
	struct wh_sigma *s = load(yaml);
	struct hits h = run(s, PROC("User", "bob"));
	assert_true(hit(&h, "e1"));
	h = run(s, PROC("User", "BOB"));
	assert_true(hit(&h, "e1"));
	h = run(s, PROC("User", "bobb"));
	assert_false(hit(&h, "e1"));
	h = run(s, PROC("User", lit));
	assert_true(hit(&h, "e1"));
	h = run(s, PROC("User", longer));
	assert_false(hit(&h, "e1"));
	longer[69] = '\0';
	h = run(s, PROC("User", longer));
	assert_false(hit(&h, "e1"));
	wh_sigma_free(s);
}

/* Only the fields some rule of the view looks at are bound: those of
 * null and exists tests, of a fieldref's other side, and of leaves under
 * a negation count too. */
static void test_bound_fields(void **st)
{
	(void)st;
	struct wh_sigma *s = load(RULE("b1", "  sel:\n    Image|endswith: '\\a.exe'\n    Gone: null\n  condition: sel") "---\n"
				  RULE("b2", "  sel:\n    Image|endswith: '\\a.exe'\n    User|fieldref: Owner\n  condition: sel") "---\n"
				  RULE("b3", "  sel:\n    Image|endswith: '\\a.exe'\n  f:\n    Tag|exists: true\n  condition: sel and not f"));
	struct hits h = run(s, PROC("Image", "C:\\a.exe", "User", "bob", "Owner", "bob"));
	assert_true(hit(&h, "b1"));
	assert_true(hit(&h, "b2"));
	assert_true(hit(&h, "b3"));
	h = run(s, PROC("Image", "C:\\a.exe", "Gone", "x", "User", "bob", "Owner", "eve", "Tag", ""));
	assert_false(hit(&h, "b1"));
	assert_false(hit(&h, "b2"));
	assert_false(hit(&h, "b3"));
	wh_sigma_free(s);
}

/* Views are known again by their channel as written; a channel in other
 * case is the same logsource. */
static void test_recent_views(void **st)
{
	(void)st;
	struct wh_sigma *s = load(RULE("v1", "  sel:\n    Image|endswith: '\\a.exe'\n  condition: sel"));
	for (int i = 0; i < 20; i++) {
		/* more distinct views than the recent cache holds, in turn */
		char ch[64];
		snprintf(ch, sizeof(ch), "Channel-%d", i);
		struct hits h = run(s, event(ch, 1, "Image", "C:\\a.exe", NULL));
		assert_false(hit(&h, "v1"));
		h = run(s, event(i % 2 ? SYSMON : "microsoft-windows-sysmon/operational", 1, "Image", "C:\\a.exe", NULL));
		assert_true(hit(&h, "v1"));
		h = run(s, event(SYSMON, 3, "Image", "C:\\a.exe", NULL));
		assert_false(hit(&h, "v1"));
	}
	wh_sigma_free(s);
}

/* Long literals are found by their anchor (their beginning) and a hash of
 * the whole: at the start and the end of a value, after a false start of
 * the same anchor, with the case rules of each leaf, and for anchors with
 * more lengths behind them than the anchor table keeps. */
static void test_long_literals(void **st)
{
	(void)st;
	const char *h1 = "SHA256=2FB6C04C4F95FB8D158AF94C137F90AC820716DEAF88D8EBEC956254E046CB29";
	const char *h2 = "MD5=0123456789abcdef0123456789ABCDEF";
	char yaml[8192];
	int n = snprintf(yaml, sizeof(yaml),
			 RULE("l1", "  sel:\n    Hashes|contains:\n      - '%s'\n      - '%s'\n  condition: sel") "---\n"
			 RULE("l2", "  sel:\n    CommandLine|startswith: 'powershell.exe -NoProfile -Command'\n  condition: sel") "---\n"
			 RULE("l3", "  sel:\n    CommandLine|contains|cased: 'DownloadString(http://ab'\n  condition: sel"),
			 h1, h2);
	/* one anchor ("prefix-") with more lengths behind it than it keeps */
	for (int i = 0; i < 12; i++)
		n += snprintf(yaml + n, sizeof(yaml) - (size_t)n,
			      "---\ntitle: m%d\nid: m%d\nlogsource: {product: windows, category: process_creation}\n"
			      "detection:\n  sel:\n    ParentCommandLine|contains: 'prefix-%.*s'\n  condition: sel\n",
			      i, i, 20 + i, "abcdefghijklmnopqrstuvwxyz0123456789");
	struct wh_sigma *s = load(yaml);
	char v[512];
	/* at the end, in the middle, lower case, after a false start */
	snprintf(v, sizeof(v), "SHA1=AB,%s", h1);
	struct hits h = run(s, PROC("Hashes", v));
	assert_true(hit(&h, "l1"));
	snprintf(v, sizeof(v), "x%s,IMPHASH=00", h2);
	h = run(s, PROC("Hashes", v));
	assert_true(hit(&h, "l1"));
	h = run(s, PROC("Hashes", "sha256=2fb6c04c4f95fb8d158af94c137f90ac820716deaf88d8ebec956254e046cb29"));
	assert_true(hit(&h, "l1"));
	/* the same, its anchor ending further than 8 bytes in */
	h = run(s, PROC("Hashes", "md5=00,sha256=2fb6c04c4f95fb8d158af94c137f90ac820716deaf88d8ebec956254e046cb29"));
	assert_true(hit(&h, "l1"));
	snprintf(v, sizeof(v), "SHA1=AB,imphash=1,md5=0123456789abcdef0123456789abcdef");
	h = run(s, PROC("Hashes", v));
	assert_true(hit(&h, "l1"));
	/* an anchor's letters before an '=' that is not its own */
	h = run(s, PROC("Hashes", "xSHA256x=2fb6c04c4f95fb8d158af94c137f90ac820716deaf88d8ebec956254e046cb29"));
	assert_false(hit(&h, "l1"));
	h = run(s, PROC("Hashes", "SHA256=2FB6,SHA256=2FB6C04C4F95FB8D158AF94C137F90AC820716DEAF88D8EBEC956254E046CB29"));
	assert_true(hit(&h, "l1"));
	/* one character short at the end of the value; one character changed */
	h = run(s, PROC("Hashes", "SHA256=2FB6C04C4F95FB8D158AF94C137F90AC820716DEAF88D8EBEC956254E046CB2"));
	assert_false(hit(&h, "l1"));
	h = run(s, PROC("Hashes", "SHA256=2FB6C04C4F95FB8D158AF94C137F90AC820716DEAF88D8EBEC956254E046CB28"));
	assert_false(hit(&h, "l1"));
	/* the literal of another field */
	h = run(s, PROC("CommandLine", h1));
	assert_false(hit(&h, "l1"));
	/* startswith: only at the start */
	h = run(s, PROC("CommandLine", "POWERSHELL.EXE -noprofile -command x"));
	assert_true(hit(&h, "l2"));
	h = run(s, PROC("CommandLine", " powershell.exe -NoProfile -Command x"));
	assert_false(hit(&h, "l2"));
	/* cased: the exact bytes only */
	h = run(s, PROC("CommandLine", "iex (x).DownloadString(http://ab/c)"));
	assert_true(hit(&h, "l3"));
	h = run(s, PROC("CommandLine", "iex (x).downloadstring(http://ab/c)"));
	assert_false(hit(&h, "l3"));
	/* each of the twelve lengths behind one anchor */
	for (int i = 0; i < 12; i++) {
		char id[8];
		snprintf(id, sizeof(id), "m%d", i);
		snprintf(v, sizeof(v), "run prefix-%.*s!", 20 + i, "abcdefghijklmnopqrstuvwxyz0123456789");
		h = run(s, PROC("ParentCommandLine", v));
		assert_true(hit(&h, id));
		if (i + 1 < 12) {
			snprintf(id, sizeof(id), "m%d", i + 1);
			assert_false(hit(&h, id));
		}
	}
	wh_sigma_free(s);
}

#define RULE_PA(id, det) \
	"title: " id "\nid: " id "\nlogsource: {product: windows, category: process_access}\ndetection:\n" det "\n"

/* Literals that begin alike, as paths do, are anchored further in, where
 * they differ: found wherever they are, and never before the value. */
static void test_anchor_windows(void **st)
{
	(void)st;
	const char *yaml =
		RULE_PA("w1", "  sel:\n    CallTrace|contains: '|C:\\Windows\\System32\\dbghelp.dll+'\n  condition: sel") "---\n"
		RULE_PA("w2", "  sel:\n    CallTrace|contains: '|C:\\Windows\\System32\\dbgcore.dll+'\n  condition: sel") "---\n"
		RULE_PA("w3", "  sel:\n    CallTrace|startswith: 'C:\\Windows\\System32\\ntdll.dll+'\n  condition: sel") "---\n"
		RULE_PA("w4", "  sel:\n    CallTrace|contains: '|C:\\Windows\\System32\\KERNELBASE.dll+'\n  condition: sel") "---\n"
		/* twelve literals of one letter: every window alike, more lengths
		 * behind that one anchor than it keeps */
		RULE_PA("z", "  sel:\n    CallTrace|contains:\n"
			     "      - 'zzzzzzzzzzzzzzzzzzzzzzzz'\n      - 'zzzzzzzzzzzzzzzzzzzzzzzzz'\n"
			     "      - 'zzzzzzzzzzzzzzzzzzzzzzzzzz'\n      - 'zzzzzzzzzzzzzzzzzzzzzzzzzzz'\n"
			     "      - 'zzzzzzzzzzzzzzzzzzzzzzzzzzzz'\n      - 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzz'\n"
			     "      - 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz'\n      - 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz'\n"
			     "      - 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz'\n      - 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz'\n"
			     "      - 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz'\n      - 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz'\n"
			     "  condition: sel");
	struct wh_sigma *s = load(yaml);
	const char *trace = "C:\\Windows\\System32\\ntdll.dll+9d4c4|C:\\Windows\\System32\\KERNELBASE.dll+2bdae"
			    "|c:\\windows\\system32\\DBGHELP.dll+1f00|UNKNOWN(00007FFB1C2D0000)";
	struct hits h = run(s, event(SYSMON, 10, "CallTrace", trace, NULL));
	assert_true(hit(&h, "w1"));
	assert_false(hit(&h, "w2"));
	assert_true(hit(&h, "w3"));
	assert_true(hit(&h, "w4"));
	/* the differing part alone, at the start of the value: the literal
	 * would begin before it */
	h = run(s, event(SYSMON, 10, "CallTrace", "dbghelp.dll+|dbgcore.dll+|KERNELBASE.dll+", NULL));
	assert_false(hit(&h, "w1") || hit(&h, "w2") || hit(&h, "w3") || hit(&h, "w4"));
	/* startswith: not after the start */
	h = run(s, event(SYSMON, 10, "CallTrace", "|C:\\Windows\\System32\\ntdll.dll+9d4c4", NULL));
	assert_false(hit(&h, "w3"));
	/* one byte short of the shortest run of z */
	h = run(s, event(SYSMON, 10, "CallTrace", "a|zzzzzzzzzzzzzzzzzzzzzzz|b", NULL));
	assert_false(hit(&h, "z"));
	h = run(s, event(SYSMON, 10, "CallTrace", "a|zzzzzzzzzzzzzzzzzzzzzzzz|b", NULL));
	assert_true(hit(&h, "z"));
	wh_sigma_free(s);
}

/* A unit is evaluated once every trigger group of its top-level AND has
 * fired: more parts than groups, parts that are ORs, parts with a regular
 * expression, negations, and one literal in two parts. */
static void test_trigger_groups(void **st)
{
	(void)st;
	struct wh_sigma *s = load(
		RULE("g1", "  sel:\n    Image|endswith: '\\aaa.exe'\n    CommandLine|contains: bbbb\n"
			   "    ParentImage|endswith: '\\ccc.exe'\n    User|startswith: dddd\n"
			   "    OriginalFileName: eeee\n  condition: sel") "---\n"
		RULE("g2", "  sel:\n    CommandLine|contains: [xxxx, yyyy]\n    Image|endswith: ['\\p.exe', '\\q.exe']\n"
			   "  filter:\n    User: zzzz\n  condition: sel and not filter") "---\n"
		RULE("g3", "  sel:\n    CommandLine|contains: same\n    ParentCommandLine|contains: same\n"
			   "    CommandLine|re: 'r[0-9]+egex'\n  condition: sel"));
	const char *all[] = { "Image", "C:\\aaa.exe", "CommandLine", "bbbb", "ParentImage", "C:\\ccc.exe",
			      "User", "dddd1", "OriginalFileName", "eeee" };
	for (int drop = -1; drop < 5; drop++) {
		struct wh_event *ev = PROC("EventID", "1");
		for (int i = 0; i < 5; i++)
			if (i != drop)
				wh_event_add_copy(ev, all[2 * i], strlen(all[2 * i]), all[2 * i + 1], strlen(all[2 * i + 1]));
		struct hits h = run(s, ev);
		if (hit(&h, "g1") != (drop < 0))
			fail_msg("g1 with part %d left out", drop);
	}
	struct hits h = run(s, PROC("CommandLine", "a yyyy b", "Image", "C:\\q.exe"));
	assert_true(hit(&h, "g2"));
	h = run(s, PROC("CommandLine", "a yyyy b", "Image", "C:\\q.exe", "User", "zzzz"));
	assert_false(hit(&h, "g2"));
	h = run(s, PROC("CommandLine", "a yyyy b", "Image", "C:\\r.exe"));
	assert_false(hit(&h, "g2"));
	h = run(s, PROC("CommandLine", "same r12egex", "ParentCommandLine", "same"));
	assert_true(hit(&h, "g3"));
	h = run(s, PROC("CommandLine", "same r12egex", "ParentCommandLine", "other"));
	assert_false(hit(&h, "g3"));
	h = run(s, PROC("CommandLine", "same regex", "ParentCommandLine", "same"));
	assert_false(hit(&h, "g3"));
	wh_sigma_free(s);
}

/* Whole-number equalities are decided by one parse and a lookup: the same
 * answers as comparing numbers one leaf at a time, for hex and float
 * spellings, negative numbers, values that are no number, and numbers too
 * long for the table (left to the leaf). */
static void test_numbers_by_table(void **st)
{
	(void)st;
	struct wh_sigma *s = load(
		RULE("n1", "  sel:\n    DestinationPort: [25, 465, 4444]\n    Initiated: 'true'\n  condition: sel") "---\n"
		RULE("n2", "  sel:\n    Offset: -5\n  condition: sel") "---\n"
		RULE("n3", "  sel:\n    Big: 1234567890123456789\n  condition: sel") "---\n"
		RULE("n4", "  sel:\n    DestinationPort: 4444\n  filter:\n    Image|endswith: '\\ok.exe'\n"
			   "  condition: sel and not filter"));
	static const struct {
		const char *port;
		bool hit;
	} ports[] = { { "4444", true }, { "0x115C", true }, { "0x115c", true }, { "4444.0", true }, { " 4444", true },
		      { "44440", false }, { "444", false }, { "4444.5", false }, { "port4444", false }, { "", false },
		      { "25", true }, { "0465", true } };
	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		struct hits h = run(s, PROC("DestinationPort", ports[i].port, "Initiated", "true"));
		if (hit(&h, "n1") != ports[i].hit)
			fail_msg("port '%s'", ports[i].port);
		if (hit(&h, "n4") != (ports[i].hit && strstr(ports[i].port, "25") == NULL && strstr(ports[i].port, "465") == NULL))
			fail_msg("n4 on port '%s'", ports[i].port);
	}
	struct hits h = run(s, PROC("DestinationPort", "4444", "Initiated", "false"));
	assert_false(hit(&h, "n1"));
	h = run(s, PROC("DestinationPort", "4444", "Image", "C:\\ok.exe"));
	assert_false(hit(&h, "n4"));
	h = run(s, PROC("Offset", "-5"));
	assert_true(hit(&h, "n2"));
	h = run(s, PROC("Offset", "-5.0"));
	assert_true(hit(&h, "n2"));
	h = run(s, PROC("Offset", "5"));
	assert_false(hit(&h, "n2"));
	h = run(s, PROC("Big", "1234567890123456789"));
	assert_true(hit(&h, "n3"));
	h = run(s, PROC("Big", "1234567890123456788"));
	assert_false(hit(&h, "n3"));
	wh_sigma_free(s);
}

/* A value's address is parsed once per event for all the networks of a
 * rule: events one after the other (whose values may sit at the same
 * place in memory), two address fields in one event, IPv4 written as
 * IPv6, scoped IPv6. */
static void test_cidr_lists(void **st)
{
	(void)st;
	struct wh_sigma *s = load(RULE("c1", "  sel:\n    Initiated: 'true'\n  private:\n    DestinationIp|cidr:\n"
					     "      - 10.0.0.0/8\n      - 172.16.0.0/12\n      - 192.168.0.0/16\n"
					     "      - 'fe80::/10'\n      - 'fc00::/7'\n  src:\n    SourceIp|cidr: 10.20.0.0/16\n"
					     "  condition: sel and src and not private"));
	static const struct {
		const char *dst, *src;
		bool hit;
	} c[] = { { "10.1.2.3", "10.20.1.1", false },      { "8.8.8.8", "10.20.1.1", true },
		  { "172.31.0.1", "10.20.1.1", false },    { "172.32.0.1", "10.20.1.1", true },
		  { "::ffff:10.0.0.1", "10.20.1.1", false }, { "::ffff:8.8.4.4", "10.20.1.1", true },
		  { "fe80::1%12", "10.20.1.1", false },     { "2001:db8::1", "10.20.1.1", true },
		  { "8.8.8.8", "10.21.1.1", false },        { "not an address", "10.20.1.1", true },
		  { "192.168.1.1", "10.20.9.9", false } };
	for (int round = 0; round < 2; round++)
		for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
			struct hits h = run(s, PROC("Initiated", "true", "SourceIp", c[i].src, "DestinationIp", c[i].dst));
			if (hit(&h, "c1") != c[i].hit)
				fail_msg("%s from %s", c[i].dst, c[i].src);
		}
	wh_sigma_free(s);
}

/*
 * The cidr leaves of one OR are matched as one set of merged ranges: it
 * must say what the leaves one by one say. Each network is also a rule of
 * its own (one leaf, no set); an address hits the list's rule exactly when
 * it hits one of those. The networks overlap, touch, nest and reach both
 * ends of the address spaces; the addresses are their bounds and the
 * addresses just outside them.
 */
static void test_network_sets(void **st)
{
	(void)st;
	static const char *const nets[] = { "10.0.0.0/8",         "10.1.0.0/16",         "11.0.0.0/8",
					    "192.168.1.0/25",     "192.168.1.128/25",    "255.255.255.255/32",
					    "0.0.0.0/32",         "172.16.0.0/12",       "::1/128",
					    "fe80::/10",          "fc00::/7",            "2001:db8::/32",
					    "2001:db8:0:0:8000::/65", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
					    "2001:db9::/48" };
	enum { NN = sizeof(nets) / sizeof(nets[0]) };
	char yaml[8192];
	size_t o = 0;
	o += (size_t)snprintf(yaml + o, sizeof(yaml) - o, "%s", RULE("all", "  sel:\n    DestinationIp|cidr:\n"));
	o--;   /* RULE ends in a newline after det: put the list before it */
	for (int i = 0; i < NN; i++)
		o += (size_t)snprintf(yaml + o, sizeof(yaml) - o, "      - '%s'\n", nets[i]);
	o += (size_t)snprintf(yaml + o, sizeof(yaml) - o, "  condition: sel\n");
	for (int i = 0; i < NN; i++) {
		char id[16], det[128];
		snprintf(id, sizeof(id), "n%d", i);
		snprintf(det, sizeof(det), "  sel:\n    DestinationIp|cidr: '%s'\n  condition: sel", nets[i]);
		o += (size_t)snprintf(yaml + o, sizeof(yaml) - o,
				      "---\ntitle: %s\nid: %s\nlogsource: {product: windows, category: process_creation}\n"
				      "detection:\n%s\n",
				      id, id, det);
	}
	assert_true(o < sizeof(yaml));
	struct wh_sigma *s = load(yaml);
	assert_int_equal(wh_sigma_nrules(s), NN + 1);
	static const char *const addr[] = {
		"9.255.255.255", "10.0.0.0", "10.1.255.255", "10.255.255.255", "11.0.0.0", "11.255.255.255",
		"12.0.0.0", "192.168.0.255", "192.168.1.0", "192.168.1.127", "192.168.1.128", "192.168.1.255",
		"192.168.2.0", "255.255.255.254", "255.255.255.255", "0.0.0.0", "0.0.0.1", "172.15.255.255",
		"172.16.0.0", "172.31.255.255", "172.32.0.0", "::ffff:10.9.8.7", "::ffff:12.0.0.1",
		"::ffff:255.255.255.255", "::", "::1", "::2", "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe80::",
		"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fec0::", "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		"fc00::", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff",
		"2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db9::", "2001:db9:0:ffff:ffff:ffff:ffff:ffff",
		"2001:db9:1::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		"fe80::1%12", "not an address", "", "10.0.0.0/8"
	};
	int in = 0;
	for (size_t a = 0; a < sizeof(addr) / sizeof(addr[0]); a++) {
		struct hits h = run(s, PROC("DestinationIp", addr[a]));
		bool any = false;
		for (int i = 0; i < NN; i++) {
			char id[16];
			snprintf(id, sizeof(id), "n%d", i);
			any |= hit(&h, id);
		}
		if (hit(&h, "all") != any)
			fail_msg("%s: the list says %d, its networks %d", addr[a], hit(&h, "all"), any);
		in += any;
	}
	assert_int_equal(in, 26);   /* the addresses inside some network, counted by hand */
	/* a field with two values: one inside is enough; an absent field is in none */
	struct hits h = run(s, PROC("DestinationIp", "8.8.8.8", "DestinationIp", "2001:db8::5"));
	assert_true(hit(&h, "all"));
	h = run(s, PROC("DestinationIp", "8.8.8.8", "DestinationIp", "9.9.9.9"));
	assert_false(hit(&h, "all"));
	h = run(s, PROC("SourceIp", "10.0.0.1"));
	assert_false(hit(&h, "all"));
	wh_sigma_free(s);
	/* sets of one family only: the other's ranges are empty */
	s = load(RULE("v4", "  sel:\n    DestinationIp|cidr: [10.0.0.0/8, 192.168.0.0/16]\n  condition: sel")
		 "---\n" RULE("v6", "  sel:\n    DestinationIp|cidr: ['fe80::/10', 'fc00::/7']\n  condition: sel"));
	h = run(s, PROC("DestinationIp", "192.168.3.4"));
	assert_true(hit(&h, "v4") && !hit(&h, "v6"));
	h = run(s, PROC("DestinationIp", "fd00::1"));
	assert_true(!hit(&h, "v4") && hit(&h, "v6"));
	h = run(s, PROC("DestinationIp", "::ffff:10.1.1.1"));
	assert_true(hit(&h, "v4") && !hit(&h, "v6"));
	wh_sigma_free(s);
}

static void relit(const char *re, bool caseless, const char *want)
{
	char out[256];
	size_t n = sg_re_literal(re, strlen(re), caseless, out, sizeof(out));
	if (n != strlen(want) || memcmp(out, want, n) != 0)
		fail_msg("'%s': got '%.*s', want '%s'", re, (int)n, out, want);
}

static void test_regex_literal(void **st)
{
	(void)st;
	relit("\\$PSHome\\[\\s*\\d{1,3}\\s*\\]", false, "$PSHome[");
	relit("abc(def|ghi)jklmn", false, "jklmn");
	relit("ab|cdefgh", false, "");                 /* top-level alternation */
	relit("abcd?efg", false, "abc");               /* d may be absent */
	relit("abcd*efg", false, "abc");
	relit("abcd{0,2}e", false, "abc");
	relit("abcd+efg", false, "abcd");              /* d is there at least once, then maybe again */
	relit("abcd{2}efgh", false, "abcd");           /* the first of two equally long runs */
	relit("ab[cd]efgh", false, "efgh");
	relit("a.b.cdef", false, "cdef");
	relit("^foo\\.exe$", false, "foo.exe");
	relit("\\w+`(?:\\w+|-|.)`[\\w+|\\s]", false, "`");  /* the caller wants 3 bytes or more */
	relit("(?x) a b c d e", false, "");            /* extended mode */
	relit("\\Qabc.def\\E", false, "");
	relit("a{b}cdef", false, "a{b}cdef");          /* braces that are no quantifier */
	relit("caf\xc3\xa9s?x", false, "caf\xc3\xa9");
	/* caseless: no letter PCRE2 may fold outside ASCII, no non-ASCII byte */
	relit("mimikatz", true, "mimi");
	relit("(?i)mimikatz", false, "mimi");
	relit("caf\xc3\xa9" "bar", true, "caf");
	relit("[a-z]+\\.dll", false, ".dll");
}

/* A rule whose regular expression has a literal is evaluated only when the
 * literal occurs, and still matches exactly what PCRE2 says. */
static void test_regex_prefilter(void **st)
{
	(void)st;
	struct wh_sigma *s = load(RULE("r1", "  sel:\n    CommandLine|re: '\\$PSHome\\[\\s*\\d+'\n  condition: sel") "---\n"
				  RULE("r2", "  sel:\n    CommandLine|re|i: 'invoke-(?:expression|webrequest)'\n  condition: sel"));
	assert_int_equal(s->stats.always, 0);
	struct hits h = run(s, PROC("CommandLine", "x $PSHome[ 21]+$pshome[30]"));
	assert_true(hit(&h, "r1"));
	h = run(s, PROC("CommandLine", "x $PSHome[x]"));
	assert_false(hit(&h, "r1"));
	h = run(s, PROC("CommandLine", "x $pshome[1]"));   /* the expression is case-sensitive */
	assert_false(hit(&h, "r1"));
	h = run(s, PROC("CommandLine", "INVOKE-WebRequest http://x"));
	assert_true(hit(&h, "r2"));
	h = run(s, PROC("CommandLine", "invoke-command"));
	assert_false(hit(&h, "r2"));
	wh_sigma_free(s);
}

/* A unit with a NOT of literals (no literal to wait for) is skipped by its
 * marks when one of them is in the event, and still holds exactly when the
 * plain semantics say: with the other value of the field, with the field
 * absent, and with a literal that only makes part of the NOT true. */
static void test_negative_checks(void **st)
{
	(void)st;
	struct wh_sigma *s = load(RULE("n1", "  ext:\n    Image|endswith: ['.exe', '.com']\n"
					     "  cond:\n    ParentImage|contains: ':\\Windows\\Installer\\'\n    Image|endswith: '.tmp'\n"
					     "  condition: not ext and not cond") "---\n"
				  RULE("n2", "  sel:\n    CommandLine|contains: 'evil'\n  filter:\n    User: 'SYSTEM'\n"
					     "  condition: sel and not filter"));
	assert_true(s->stats.always >= 1);   /* n1 (one per logsource variant) */
	/* twice: first as new values, then as values the memo knows, which
	 * decide n1's Image group once (fold_units) */
	uint64_t before = s->stats.evaluated;
	struct hits h;
	for (int round = 0; round < 2; round++) {
		h = run(s, PROC("Image", "C:\\Windows\\System32\\cmd.exe"));
		assert_false(hit(&h, "n1"));
		assert_int_equal(s->stats.evaluated, before);    /* .exe is marked: not evaluated */
		h = run(s, PROC("Image", "C:\\Users\\a\\run.scr"));
		assert_true(hit(&h, "n1"));
		h = run(s, PROC("Image", "C:\\Users\\a\\x.tmp"));   /* half of cond: still a hit */
		assert_true(hit(&h, "n1"));
		h = run(s, PROC("Image", "C:\\Users\\a\\x.tmp", "ParentImage", "C:\\Windows\\Installer\\p.exe"));
		assert_false(hit(&h, "n1"));
		h = run(s, PROC("CommandLine", "no image here"));     /* the field absent */
		assert_true(hit(&h, "n1"));
		h = run(s, PROC("Image", "C:\\a.exe", "Image", "C:\\b.scr"));   /* twice, one without the extension */
		assert_false(hit(&h, "n1"));
		before = s->stats.evaluated;
	}
	before = s->stats.evaluated;
	h = run(s, PROC("Image", "a.com", "CommandLine", "evil.ps1", "User", "SYSTEM"));
	assert_false(hit(&h, "n2"));
	assert_int_equal(s->stats.evaluated, before);    /* n1 and n2 both skipped by their marks */
	h = run(s, PROC("Image", "a.com", "CommandLine", "evil.ps1", "User", "alice"));
	assert_true(hit(&h, "n2"));
	wh_sigma_free(s);
}

/* A field whose literals are only the anchors of long ones (Hashes lists)
 * is searched without Hyperscan; it finds a hash anywhere in the value, in
 * any case, and nothing that differs in one byte. */
static void test_anchor_only_field(void **st)
{
	(void)st;
	const char *md5 = "MD5=0123456789ABCDEF0123456789ABCDEF";
	const char *sha = "SHA256=AAAABBBBCCCCDDDDEEEEFFFF0000111122223333444455556666777788889999";
	char det[512];
	snprintf(det, sizeof(det), "  sel:\n    Hashes|contains: ['%s', '%s']\n  condition: sel", md5, sha);
	char rule[1024];
	snprintf(rule, sizeof(rule), RULE("h1", "%s"), det);
	struct wh_sigma *s = load(rule);
	struct hits h = run(s, PROC("Hashes", "SHA1=00,md5=0123456789abcdef0123456789abcdef,IMPHASH=11"));
	assert_true(hit(&h, "h1"));
	h = run(s, PROC("Hashes", "MD5=0123456789ABCDEF0123456789ABCDEE"));
	assert_false(hit(&h, "h1"));
	char v[256];
	snprintf(v, sizeof(v), "x=1,%s", sha);
	h = run(s, PROC("Hashes", v));
	assert_true(hit(&h, "h1"));
	h = run(s, PROC("Hashes", "SHA256=AAAABBBBCCCCDDDDEEEEFFFF000011112222333344445555666677778888999"));   /* one short */
	assert_false(hit(&h, "h1"));
	wh_sigma_free(s);
}

/* A unit with no literal to wait for whose leaves all look at one field is
 * decided once per memo entry of the field's value: the same hits as
 * evaluating it on every event, on values seen again, with the field
 * absent, and with the field twice in one event. */
static void test_folded_units(void **st)
{
	(void)st;
	struct wh_sigma *s = load(RULE("f1", "  sel:\n    CommandLine|re: 'a.c'\n  condition: sel") "---\n"
				  RULE("f2", "  sel:\n    CommandLine|re: 'a.c'\n  condition: not sel") "---\n"
				  RULE("f3", "  sel:\n    CommandLine|contains: 'mimikatz'\n  condition: sel"));
	assert_true(s->stats.always >= 2);
	for (int round = 0; round < 3; round++) {
		struct hits h = run(s, PROC("CommandLine", "x abc x"));
		assert_true(hit(&h, "f1"));
		assert_false(hit(&h, "f2"));
		h = run(s, PROC("CommandLine", "zzz"));
		assert_false(hit(&h, "f1"));
		assert_true(hit(&h, "f2"));
		h = run(s, PROC("Image", "C:\\x.exe"));     /* no CommandLine: not sel holds */
		assert_false(hit(&h, "f1"));
		assert_true(hit(&h, "f2"));
		h = run(s, PROC("CommandLine", "zzz", "CommandLine", "aXc"));   /* one of two values */
		assert_true(hit(&h, "f1"));
		assert_false(hit(&h, "f2"));
	}
	/* once the values are known, the unit is not evaluated for them */
	uint64_t before = s->stats.evaluated;
	struct hits h = run(s, PROC("CommandLine", "zzz"));
	assert_true(hit(&h, "f2"));
	assert_int_equal(s->stats.evaluated - before, 1);   /* f2, which holds; f1 not at all */
	wh_sigma_free(s);
}

int main(void)
{
	wh_arena_init(&evarena, 4096, 0);
	wh_event_init(&evbuf, &evarena);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keyword_boundaries),
		cmocka_unit_test(test_keyword_with_separator_byte),
		cmocka_unit_test(test_memo),
		cmocka_unit_test(test_field_shapes),
		cmocka_unit_test(test_field_places),
		cmocka_unit_test(test_equality_lengths),
		cmocka_unit_test(test_bound_fields),
		cmocka_unit_test(test_recent_views),
		cmocka_unit_test(test_long_literals),
		cmocka_unit_test(test_anchor_windows),
		cmocka_unit_test(test_trigger_groups),
		cmocka_unit_test(test_numbers_by_table),
		cmocka_unit_test(test_cidr_lists),
		cmocka_unit_test(test_network_sets),
		cmocka_unit_test(test_regex_literal),
		cmocka_unit_test(test_regex_prefilter),
		cmocka_unit_test(test_negative_checks),
		cmocka_unit_test(test_anchor_only_field),
		cmocka_unit_test(test_folded_units),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	wh_event_release(&evbuf);
	wh_arena_release(&evarena);
	return rc;
}
