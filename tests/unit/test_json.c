/*
 * Unit tests for the JSON scanner (read/json_scan.c) and the JSON reader
 * (read/json.c): every shape the reader knows, escapes, the ways documents
 * are laid out in a file, and broken input. Reader tests run each input at
 * several read sizes, so documents cut by a read's end are exercised.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "memread.h"
#include "read/json_scan.h"
#include "util/arena.h"
#include "util/sbuf.h"
#include "util/wtime.h"

extern const struct wh_reader wh_reader_json;
#define RD (&wh_reader_json)

/* Read sizes every reader test runs with: whole, byte by byte, odd pieces. */
static const size_t chunks[] = { 0, 1, 7, 100 };
#define NCHUNKS (sizeof(chunks) / sizeof(chunks[0]))

static int64_t t_of(const char *s)
{
	int64_t t;
	assert_int_equal(wh_time_parse(s, strlen(s), &t), 0);
	return t;
}

/* ---- the scanner ---- */

struct scanned {
	char buf[4096];
	struct wh_jdoc d;
	struct wh_arena a;
	int rc;
	size_t end, err_at;
	const char *err;
};

static void scan_text(struct scanned *s, const char *text)
{
	memset(s, 0, sizeof(*s));
	size_t n = strlen(text);
	assert_true(n + 1 < sizeof(s->buf));
	memcpy(s->buf, text, n);
	s->buf[n] = '\n';   /* what follows a document in a file */
	wh_arena_init(&s->a, 4096, 0);
	s->rc = wh_json_scan(s->buf, n + 1, 0, &s->d, &s->end, &s->err_at, &s->err);
	if (s->rc == WH_JSON_OK)
		wh_json_materialize(s->buf, &s->d, &s->a);
}

static void scanned_free(struct scanned *s)
{
	wh_jdoc_release(&s->d);
	wh_arena_release(&s->a);
}

static void scan_flat_nested_and_arrays(void **state)
{
	(void)state;
	struct scanned s;
	scan_text(&s, "{\"a\":\"x\", \"b\" : 12,\"c\":{\"d\":true,\"e\":null},"
		      "\"f\":[1,\"two\",{\"g\":false}],\"h\":-1.5e+3,\"i\":{}}");
	assert_int_equal(s.rc, WH_JSON_OK);
	assert_int_equal(s.buf[s.end - 1], '}');
	/* top, c, f, f's object, i */
	assert_int_equal(s.d.nnodes, 5);
	assert_true(s.d.nodes[2].is_array);
	static const struct {
		const char *name, *val;
		int type;
	} want[] = {
		{ "a", "x", WH_JT_STRING },   { "b", "12", WH_JT_NUMBER },  { "c.d", "true", WH_JT_TRUE },
		{ "c.e", "", WH_JT_NULL },    { "f", "1", WH_JT_NUMBER },   { "f", "two", WH_JT_STRING },
		{ "f.g", "false", WH_JT_FALSE }, { "h", "-1.5e+3", WH_JT_NUMBER },
	};
	assert_int_equal(s.d.nleaves, sizeof(want) / sizeof(want[0]));
	for (uint32_t k = 0; k < s.d.nleaves; k++) {
		struct wh_jleaf *l = &s.d.leaves[k];
		uint32_t nl;
		const char *name = wh_json_leaf_name(&s.d, l, &s.a, &nl);
		assert_string_equal(name, want[k].name);
		assert_int_equal(nl, strlen(want[k].name));
		assert_string_equal(l->val, want[k].val);
		assert_int_equal(l->val_len, strlen(want[k].val));
		assert_int_equal(l->type, want[k].type);
	}
	uint32_t pl;
	assert_string_equal(wh_json_node_path(&s.d, 3, &s.a, &pl), "f");
	scanned_free(&s);
}

static void scan_escapes_and_surrogates(void **state)
{
	(void)state;
	struct scanned s;
	scan_text(&s, "{\"k\\u00e9y\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\","
		      "\"pair\":\"\\ud83d\\ude00!\",\"lone\":\"\\ud800x\",\"low\":\"\\udc00\","
		      "\"hi_then_bmp\":\"\\ud800\\u0041\",\"nul\":\"a\\u0000b\",\"raw\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\","
		      "\"path\":\"C:\\\\Windows\\\\System32\\\\cmd.exe\"}");
	assert_int_equal(s.rc, WH_JSON_OK);
	assert_int_equal(s.d.nleaves, 8);
	struct wh_jleaf *l = s.d.leaves;
	assert_string_equal(l[0].key, "k\xc3\xa9y");
	assert_string_equal(l[0].val, "a\"b\\c/d\b\f\n\r\t");
	assert_int_equal(l[0].val_len, 12);
	assert_string_equal(l[1].val, "\xf0\x9f\x98\x80!");
	/* a surrogate without its partner is not UTF-8: it becomes U+FFFD */
	assert_string_equal(l[2].val, "\xef\xbf\xbdx");
	assert_string_equal(l[3].val, "\xef\xbf\xbd");
	assert_string_equal(l[4].val, "\xef\xbf\xbd" "A");
	/* \u0000 would end the C string early: kept visible */
	assert_string_equal(l[5].val, "a\xef\xbf\xbd" "b");
	assert_int_equal(l[5].val_len, 5);
	assert_string_equal(l[6].val, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	assert_string_equal(l[7].val, "C:\\Windows\\System32\\cmd.exe");
	scanned_free(&s);
}

/* Every proper prefix of a valid document asks for more, never fails: the
 * reader relies on this when a document spans two reads. */
static void scan_every_prefix_asks_for_more(void **state)
{
	(void)state;
	const char *doc = "{ \"a\" : [ 1 , -2.5e-3 , true , false , null ] , \"s\" : \"\\u00e9\\n\xe2\x82\xac\" ,"
			  " \"o\" : { \"n\" : 0 } , \"z\" : 123 }";
	size_t n = strlen(doc);
	struct wh_jdoc d = { 0 };
	for (size_t k = 1; k < n; k++) {
		size_t end, err_at;
		const char *err = NULL;
		int rc = wh_json_scan(doc, k, 0, &d, &end, &err_at, &err);
		if (rc != WH_JSON_MORE)
			fail_msg("prefix of %zu bytes: rc %d (%s)", k, rc, err ? err : "-");
	}
	size_t end, err_at;
	const char *err;
	assert_int_equal(wh_json_scan(doc, n, 0, &d, &end, &err_at, &err), WH_JSON_OK);
	assert_int_equal(end, n);
	wh_jdoc_release(&d);
}

static void scan_rejects_broken_documents(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		const char *err;   /* a part of the message */
		size_t at;         /* where the scanner points */
	} cases[] = {
		{ "{\"a\":\"\xc0\x80\"}", "invalid UTF-8", 6 },       /* overlong NUL */
		{ "{\"a\":\"\xed\xa0\x80\"}", "invalid UTF-8", 6 },   /* a surrogate in UTF-8 */
		{ "{\"a\":\"\xf5\x80\x80\x80\"}", "invalid UTF-8", 6 },
		{ "{\"a\":\"x\xff\"}", "invalid UTF-8", 7 },
		{ "{\"a\":\"\x80\"}", "invalid UTF-8", 6 },             /* a lone continuation byte */
		{ "{\"a\":\"x\x01\"}", "control character", 7 },
		{ "{\"a\":\"x\ny\"}", "not closed before end of line", 7 },
		{ "{\"a\":\"\\x\"}", "invalid escape", 6 },
		{ "{\"a\":\"\\u12g4\"}", "invalid \\u escape", 6 },
		{ "{\"a\" 1}", "expected ':'", 5 },
		{ "{\"a\":1,}", "expected a key", 7 },
		{ "{a:1}", "expected a key", 1 },
		{ "{\"a\":01}", "expected ',' or '}'", 6 },
		{ "{\"a\":[1 2]}", "expected ',' or ']'", 8 },
		{ "{\"a\":tru}", "invalid literal", 5 },
		{ "{\"a\":-}", "invalid number", 6 },
		{ "{\"a\":1.}", "invalid number", 7 },
		{ "{\"a\":1e+}", "invalid number", 8 },
		{ "{\"a\":@}", "unexpected character", 5 },
		{ "\"just a string\"", "expected '{' or '['", 0 },
		{ "\x01\x02\x03", "expected '{' or '['", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct scanned s;
		scan_text(&s, cases[i].text);
		if (s.rc != WH_JSON_ERR || !strstr(s.err, cases[i].err) || s.err_at != cases[i].at)
			fail_msg("case %zu: rc %d, err '%s' at %zu; want '%s' at %zu", i, s.rc,
				 s.err ? s.err : "-", s.err_at, cases[i].err, cases[i].at);
		scanned_free(&s);
	}
}

static void scan_depth_is_bounded(void **state)
{
	(void)state;
	char doc[2 * (WH_JSON_MAX_DEPTH + 10) + 1];
	size_t n = 0;
	for (int i = 0; i < WH_JSON_MAX_DEPTH + 10; i++)
		doc[n++] = '[';
	for (int i = 0; i < WH_JSON_MAX_DEPTH + 10; i++)
		doc[n++] = ']';
	doc[n] = '\0';
	struct scanned s;
	scan_text(&s, doc);
	assert_int_equal(s.rc, WH_JSON_ERR);
	assert_non_null(strstr(s.err, "nested too deep"));
	scanned_free(&s);
	/* just below the limit is fine */
	n = 0;
	for (int i = 0; i < WH_JSON_MAX_DEPTH; i++)
		doc[n++] = '[';
	for (int i = 0; i < WH_JSON_MAX_DEPTH; i++)
		doc[n++] = ']';
	doc[n] = '\0';
	scan_text(&s, doc);
	assert_int_equal(s.rc, WH_JSON_OK);
	scanned_free(&s);
}

static void unescape_never_grows(void **state)
{
	(void)state;
	/* Not through the scanner: cut-short escapes must not write past n. */
	static const char *const bodies[] = { "\\u", "ab\\u12", "\\", "x\\ud800", "\\u0000" };
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		char buf[32];
		size_t n = strlen(bodies[i]);
		memset(buf, '#', sizeof(buf));
		memcpy(buf, bodies[i], n);
		size_t out = wh_json_unescape(buf, n);
		assert_true(out <= n);
		assert_int_equal(buf[n], '#');
	}
}

/* ---- the reader ---- */

/* Read text at every chunk size; all must agree with the whole read, which
 * is left in *g for the test to look at. */
static void read_all_ways(const char *text, struct got *g)
{
	read_str(RD, text, 0, g);
	for (size_t c = 1; c < NCHUNKS; c++) {
		struct got o;
		read_str(RD, text, chunks[c], &o);
		assert_int_equal(o.n, g->n);
		assert_int_equal(o.bad, g->bad);
		for (size_t i = 0; i < g->n; i++) {
			assert_int_equal(o.ev[i].n, g->ev[i].n);
			assert_int_equal(o.ev[i].offset, g->ev[i].offset);
			assert_int_equal(o.ev[i].time, g->ev[i].time);
			for (uint32_t k = 0; k < g->ev[i].n; k++) {
				assert_string_equal(o.ev[i].names[k], g->ev[i].names[k]);
				assert_string_equal(o.ev[i].values[k], g->ev[i].values[k]);
			}
		}
		got_free(&o);
	}
}

/* OTRF / NXLog: Sysmon EventData flat beside the event-log envelope. */
#define FLAT_SYSMON                                                                                \
	"{\"SourceName\":\"Microsoft-Windows-Sysmon\",\"EventID\":1,\"Hostname\":\"WS1.corp.example\"," \
	"\"Channel\":\"Microsoft-Windows-Sysmon/Operational\",\"RecordNumber\":4242,"                 \
	"\"@timestamp\":\"2020-10-19T04:30:00.000Z\",\"UtcTime\":\"2020-10-19 04:28:31.089\","          \
	"\"ProcessId\":\"5136\",\"Image\":\"C:\\\\Windows\\\\System32\\\\esentutl.exe\","                \
	"\"CommandLine\":\"esentutl.exe /y \\\"C:\\\\x y\\\"\",\"Keywords\":-9223372036854775808,"       \
	"\"Product\":\"Microsoft\xc2\xae Windows\xc2\xae\",\"tags\":[\"mordorDataset\"]}\n"

static void flat_sysmon(void **state)
{
	(void)state;
	struct got g;
	read_all_ways(FLAT_SYSMON, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.bad, 0);
	struct got_event *e = &g.ev[0];
	assert_int_equal(e->kind, WH_EV_PROCESS_START);
	assert_int_equal(e->event_id, 1);
	assert_int_equal(e->record, 4242);
	assert_string_equal(e->host, "WS1.corp.example");
	assert_string_equal(e->channel, "Microsoft-Windows-Sysmon/Operational");
	assert_string_equal(e->provider, "Microsoft-Windows-Sysmon");
	/* UtcTime (the moment of the action) wins over the shipper's @timestamp */
	assert_int_equal(e->time, t_of("2020-10-19T04:28:31.089Z"));
	assert_string_equal(got_field(e, "Image"), "C:\\Windows\\System32\\esentutl.exe");
	assert_string_equal(got_field(e, "CommandLine"), "esentutl.exe /y \"C:\\x y\"");
	assert_string_equal(got_field(e, "EventID"), "1");
	assert_string_equal(got_field(e, "Keywords"), "-9223372036854775808");
	assert_string_equal(got_field(e, "Product"), "Microsoft\xc2\xae Windows\xc2\xae");
	assert_string_equal(got_field(e, "tags"), "mordorDataset");
	got_free(&g);
}

/* The Event/System/EventData shape with #attributes, as EVTX dumpers print it, pretty-printed. */
#define EVTX_JSON                                                                      \
	"{\n"                                                                          \
	"  \"Event\": {\n"                                                             \
	"    \"#attributes\": { \"xmlns\": \"http://schemas.microsoft.com/win/2004/08/events/event\" },\n" \
	"    \"System\": {\n"                                                          \
	"      \"Provider\": { \"#attributes\": { \"Name\": \"Microsoft-Windows-Sysmon\",\n" \
	"                      \"Guid\": \"5770385F-C22A-43E0-BF4C-06F5698FFBD9\" } },\n"  \
	"      \"EventID\": 3,\n"                                                      \
	"      \"TimeCreated\": { \"#attributes\": { \"SystemTime\": \"2025-10-25T13:44:33.440907Z\" } },\n" \
	"      \"EventRecordID\": 8999629,\n"                                          \
	"      \"Correlation\": null,\n"                                               \
	"      \"Execution\": { \"#attributes\": { \"ProcessID\": 3308, \"ThreadID\": 4008 } },\n" \
	"      \"Channel\": \"Microsoft-Windows-Sysmon/Operational\",\n"               \
	"      \"Computer\": \"ar-win-dc.attackrange.local\",\n"                       \
	"      \"Security\": { \"#attributes\": { \"UserID\": \"S-1-5-18\" } }\n"      \
	"    },\n"                                                                     \
	"    \"EventData\": {\n"                                                       \
	"      \"Image\": \"C:\\\\Windows\\\\System32\\\\svchost.exe\",\n"             \
	"      \"DestinationIp\": \"10.0.0.5\",\n"                                     \
	"      \"DestinationPort\": 445\n"                                             \
	"    }\n"                                                                      \
	"  }\n"                                                                        \
	"}\n"

/* UserData and #text, another layout the same dumpers use. */
#define EVTX_USERDATA                                                                   \
	"{\"Event\":{\"System\":{\"Provider\":{\"#attributes\":{\"Name\":\"Microsoft-Windows-Eventlog\"}}," \
	"\"EventID\":{\"#attributes\":{\"Qualifiers\":0},\"#text\":1102},\"Channel\":\"Security\","   \
	"\"Computer\":\"dc01\",\"TimeCreated\":{\"#attributes\":{\"SystemTime\":\"2025-10-25T14:00:00Z\"}}}," \
	"\"UserData\":{\"LogFileCleared\":{\"#attributes\":{\"xmlns\":\"http://x\"},"              \
	"\"SubjectUserSid\":\"S-1-5-21-1\",\"SubjectUserName\":\"admin\"}}}}\n"

static void evtx_json_shape(void **state)
{
	(void)state;
	struct got g;
	read_all_ways(EVTX_JSON EVTX_USERDATA, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.bad, 0);
	struct got_event *e = &g.ev[0];
	assert_int_equal(e->kind, WH_EV_NET_CONNECT);
	assert_int_equal(e->event_id, 3);
	assert_int_equal(e->record, 8999629);
	assert_string_equal(e->host, "ar-win-dc.attackrange.local");
	assert_string_equal(e->provider, "Microsoft-Windows-Sysmon");
	assert_int_equal(e->time, t_of("2025-10-25T13:44:33.440907Z"));
	assert_string_equal(got_field(e, "Provider_Name"), "Microsoft-Windows-Sysmon");
	assert_string_equal(got_field(e, "Provider_Guid"), "5770385F-C22A-43E0-BF4C-06F5698FFBD9");
	assert_string_equal(got_field(e, "TimeCreated_SystemTime"), "2025-10-25T13:44:33.440907Z");
	assert_string_equal(got_field(e, "Execution_ProcessID"), "3308");
	assert_string_equal(got_field(e, "Security_UserID"), "S-1-5-18");
	assert_string_equal(got_field(e, "Image"), "C:\\Windows\\System32\\svchost.exe");
	assert_string_equal(got_field(e, "DestinationPort"), "445");
	assert_null(got_field(e, "Correlation"));   /* null is absent */
	assert_null(got_field(e, "xmlns"));
	assert_null(got_field(e, "Event.#attributes.xmlns"));

	e = &g.ev[1];
	assert_int_equal(e->event_id, 1102);
	assert_string_equal(got_field(e, "EventID"), "1102");
	assert_string_equal(got_field(e, "EventID_Qualifiers"), "0");
	assert_string_equal(got_field(e, "SubjectUserName"), "admin");
	assert_string_equal(got_field(e, "SubjectUserSid"), "S-1-5-21-1");
	assert_null(got_field(e, "xmlns"));
	assert_string_equal(e->host, "dc01");
	got_free(&g);
}

/* Arrays in the EVTX shape: named and unnamed Data elements, an array of
 * values in UserData and one straight under EventData. An element of an
 * array has no key of its own: its field is the array's (or the Data
 * element's Name), never bytes read past an empty key. */
#define EVTX_ARRAYS                                                                                \
	"{\"Event\":{\"System\":{\"Provider\":{\"#attributes\":{\"Name\":\"Microsoft-Windows-Sysmon\"}}," \
	"\"EventID\":1,\"Channel\":\"Microsoft-Windows-Sysmon/Operational\",\"Computer\":\"ws1\","     \
	"\"TimeCreated\":{\"#attributes\":{\"SystemTime\":\"2025-10-25T14:00:00Z\"}}},"                \
	"\"EventData\":{\"Data\":[{\"#attributes\":{\"Name\":\"Image\"},\"#text\":\"C:\\\\a.exe\"},"    \
	"{\"#text\":\"unnamed\"},{\"#text\":\"a b\",\"#attributes\":{\"Name\":\"CommandLine\"}}]},"    \
	"\"UserData\":{\"W\":{\"Tags\":[\"t1\",\"t2\"],\"SubjectUserName\":\"admin\"}}}}\n"            \
	"{\"Event\":{\"System\":{\"EventID\":2,\"Channel\":\"Application\",\"Computer\":\"ws1\"},"     \
	"\"EventData\":[\"p\",\"q\"]}}\n"

static void evtx_json_arrays(void **state)
{
	(void)state;
	struct got g;
	read_all_ways(EVTX_ARRAYS, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.bad, 0);
	struct got_event *e = &g.ev[0];
	assert_string_equal(got_field(e, "Image"), "C:\\a.exe");
	assert_string_equal(got_field(e, "CommandLine"), "a b");   /* its Name after its text */
	assert_string_equal(got_field(e, "Data"), "unnamed");
	assert_int_equal(got_count(e, "Data"), 1);
	assert_int_equal(got_count(e, "Tags"), 2);
	assert_string_equal(got_nth(e, "Tags", 0), "t1");
	assert_string_equal(got_nth(e, "Tags", 1), "t2");
	assert_string_equal(got_field(e, "SubjectUserName"), "admin");
	for (uint32_t k = 0; k < e->n; k++)
		assert_true(e->names[k][0] != '\0');
	e = &g.ev[1];
	assert_int_equal(e->event_id, 2);
	assert_int_equal(got_count(e, "EventData"), 2);
	assert_string_equal(got_nth(e, "EventData", 1), "q");
	got_free(&g);
}

#define WINLOG                                                                                     \
	"{\"@timestamp\":\"2024-05-20T08:00:01.000Z\",\"host\":{\"name\":\"ws-dev-03\"},"               \
	"\"agent\":{\"type\":\"winlogbeat\",\"version\":\"8.12.0\"},"                                  \
	"\"winlog\":{\"channel\":\"Microsoft-Windows-Sysmon/Operational\",\"event_id\":\"11\","       \
	"\"computer_name\":\"WS-DEV-03.corp.example\",\"provider_name\":\"Microsoft-Windows-Sysmon\"," \
	"\"record_id\":77,\"event_data\":{\"Image\":\"C:\\\\a.exe\","                                   \
	"\"TargetFilename\":\"C:\\\\Users\\\\bob\\\\Downloads\\\\x.exe\",\"UtcTime\":\"2024-05-20 08:00:00.500\"}}}\n"

static void winlog_shape(void **state)
{
	(void)state;
	struct got g;
	read_all_ways(WINLOG, &g);
	assert_int_equal(g.n, 1);
	struct got_event *e = &g.ev[0];
	assert_int_equal(e->kind, WH_EV_FILE_CREATE);
	assert_int_equal(e->event_id, 11);
	assert_int_equal(e->record, 77);
	assert_string_equal(e->host, "WS-DEV-03.corp.example");
	assert_int_equal(e->time, t_of("2024-05-20T08:00:00.500Z"));
	assert_string_equal(got_field(e, "EventID"), "11");
	assert_string_equal(got_field(e, "Channel"), "Microsoft-Windows-Sysmon/Operational");
	assert_string_equal(got_field(e, "Computer"), "WS-DEV-03.corp.example");
	assert_string_equal(got_field(e, "EventRecordID"), "77");
	assert_string_equal(got_field(e, "TargetFilename"), "C:\\Users\\bob\\Downloads\\x.exe");
	assert_string_equal(got_field(e, "agent.type"), "winlogbeat");
	assert_string_equal(got_field(e, "host.name"), "ws-dev-03");
	assert_null(got_field(e, "winlog.event_data.Image"));
	got_free(&g);
}

#define ECS_EXEC                                                                                   \
	"{\"@timestamp\":\"2024-05-20T09:15:00.123456Z\",\"host\":{\"name\":\"lnx1\"},"                 \
	"\"event\":{\"category\":[\"process\"],\"type\":[\"start\"]},"                                 \
	"\"process\":{\"executable\":\"/usr/bin/curl\",\"pid\":4242,\"command_line\":\"curl -s http://x\"," \
	"\"parent\":{\"executable\":\"/bin/bash\",\"pid\":1}},\"user\":{\"name\":\"alice\"}}\n"
#define ECS_NET                                                                                    \
	"{\"@timestamp\":\"2024-05-20T09:15:01Z\",\"event\":{\"category\":\"network\"},"                 \
	"\"destination\":{\"ip\":\"203.0.113.9\",\"port\":443},\"process\":{\"executable\":\"/usr/bin/curl\"}}\n"

static void ecs_aliases(void **state)
{
	(void)state;
	struct got g;
	read_all_ways(ECS_EXEC ECS_NET, &g);
	assert_int_equal(g.n, 2);
	struct got_event *e = &g.ev[0];
	assert_int_equal(e->kind, WH_EV_PROCESS_START);
	assert_string_equal(e->host, "lnx1");
	assert_int_equal(e->time, t_of("2024-05-20T09:15:00.123456Z"));
	/* the ECS name is kept and the Sysmon name added */
	assert_string_equal(got_field(e, "process.executable"), "/usr/bin/curl");
	assert_string_equal(got_field(e, "Image"), "/usr/bin/curl");
	assert_string_equal(got_field(e, "ProcessId"), "4242");
	assert_string_equal(got_field(e, "CommandLine"), "curl -s http://x");
	assert_string_equal(got_field(e, "ParentImage"), "/bin/bash");
	assert_string_equal(got_field(e, "ParentProcessId"), "1");
	assert_string_equal(got_field(e, "User"), "alice");
	e = &g.ev[1];
	assert_int_equal(e->kind, WH_EV_NET_CONNECT);
	assert_string_equal(got_field(e, "DestinationIp"), "203.0.113.9");
	assert_string_equal(got_field(e, "DestinationPort"), "443");
	got_free(&g);
}

static void splunk_export(void **state)
{
	(void)state;
	struct got g;
	read_all_ways("{\"preview\":false,\"offset\":0,\"lastrow\":true,\"result\":{\"_time\":"
		      "\"2024-05-20T08:00:00.000+02:00\",\"EventCode\":\"4688\",\"host\":\"DC01\","
		      "\"Channel\":\"Security\",\"NewProcessName\":\"C:\\\\x.exe\",\"_raw\":\"plain text\"}}\n",
		      &g);
	assert_int_equal(g.n, 1);
	struct got_event *e = &g.ev[0];
	assert_int_equal(e->event_id, 4688);
	assert_int_equal(e->kind, WH_EV_PROCESS_START);
	assert_string_equal(e->host, "DC01");
	assert_int_equal(e->time, t_of("2024-05-20T06:00:00Z"));
	assert_string_equal(got_field(e, "NewProcessName"), "C:\\x.exe");
	/* the export's own bookkeeping is not a field */
	assert_null(got_field(e, "preview"));
	assert_null(got_field(e, "offset"));
	assert_null(got_field(e, "lastrow"));
	got_free(&g);
}

static void arrays_repeat_their_name(void **state)
{
	(void)state;
	struct got g;
	read_all_ways("{\"tags\":[\"a\",\"b\"],\"n\":[1,[2,3]],\"o\":[{\"x\":1},{\"x\":2}],\"e\":[]}\n", &g);
	assert_int_equal(g.n, 1);
	struct got_event *e = &g.ev[0];
	assert_int_equal(got_count(e, "tags"), 2);
	assert_string_equal(got_nth(e, "tags", 1), "b");
	assert_int_equal(got_count(e, "n"), 3);
	assert_string_equal(got_nth(e, "n", 2), "3");
	assert_int_equal(got_count(e, "o.x"), 2);
	assert_null(got_field(e, "e"));
	got_free(&g);
}

/* What `whitehawk events --json` prints reads back as the same event. */
static void own_output_reads_back(void **state)
{
	(void)state;
	struct got g;
	read_all_ways("{\"@timestamp\":\"2024-05-20T08:00:00.036Z\",\"@host\":\"WS1\",\"@kind\":\"dns_query\","
		      "\"@event_id\":22,\"@format\":\"json\",\"@source\":\"x.zip:a.json\",\"@offset\":12,"
		      "\"@record\":7,\"@channel\":\"Microsoft-Windows-Sysmon/Operational\","
		      "\"EventID\":\"22\",\"QueryName\":\"evil.example\",\"Data\":[\"1\",\"2\"]}\n",
		      &g);
	assert_int_equal(g.n, 1);
	struct got_event *e = &g.ev[0];
	assert_string_equal(e->host, "WS1");
	assert_int_equal(e->kind, WH_EV_DNS_QUERY);
	assert_int_equal(e->event_id, 22);
	assert_int_equal(e->time, t_of("2024-05-20T08:00:00.036Z"));
	assert_int_equal(e->record, 7);
	assert_string_equal(e->channel, "Microsoft-Windows-Sysmon/Operational");
	assert_string_equal(got_field(e, "QueryName"), "evil.example");
	assert_int_equal(got_count(e, "Data"), 2);
	/* the @ keys describe the event; they are not its fields */
	assert_null(got_field(e, "@host"));
	assert_null(got_field(e, "@kind"));
	assert_null(got_field(e, "@source"));
	assert_null(got_field(e, "@offset"));
	got_free(&g);
}

static void layouts_bom_array_and_pretty_stream(void **state)
{
	(void)state;
	struct got g;
	/* a BOM, then a top-level array across lines */
	read_all_ways("\xef\xbb\xbf[\n  {\"a\": 1},\n  {\"a\": 2}\n ,{\"a\":3}]\n", &g);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.bad, 0);
	assert_string_equal(got_field(&g.ev[2], "a"), "3");
	assert_int_equal(g.ev[0].record, 1);
	assert_int_equal(g.ev[2].record, 3);
	got_free(&g);

	/* concatenated pretty-printed documents, with and without newlines between */
	read_all_ways("{\n  \"a\": {\n    \"b\": \"x\"\n  }\n}\n{\n  \"a\": {\n    \"b\": \"y\"\n  }\n}{\"a\":{\"b\":\"z\"}}", &g);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.bad, 0);
	assert_string_equal(got_field(&g.ev[1], "a.b"), "y");
	assert_string_equal(got_field(&g.ev[2], "a.b"), "z");
	assert_int_equal(g.ev[1].offset, 30);
	got_free(&g);

	/* CRLF line ends and an empty array */
	read_all_ways("{\"a\":1}\r\n\r\n{\"a\":2}\r\n", &g);
	assert_int_equal(g.n, 2);
	got_free(&g);
	read_all_ways("[]\n", &g);
	assert_int_equal(g.n, 0);
	assert_int_equal(g.bad, 0);
	got_free(&g);
}

/* ---- bad input: reported, counted, skipped, the rest read ---- */

static void broken_records_are_skipped(void **state)
{
	(void)state;
	struct got g;
	read_all_ways("{\"n\":1}\n"
		      "\x01\x02\x03garbage\xfe\xfd\x7f{\n"              /* binary garbage */
		      "{\"n\":2,\"s\":\"bad \xff byte\"}\n"          /* invalid UTF-8 */
		      "{\"n\":3,\"broken\n"                            /* cut mid-line */
		      "{\"n\":4}\n"
		      "[1,2\n"                                         /* not an object, not closed */
		      "{\"n\":5}\n"
		      "\"a string\"\n"
		      "{\"n\":6}\n"
		      "{\"n\":7,\"cut\":\"at the e",                  /* truncated at the end */
		      &g);
	assert_int_equal(g.n, 4);
	assert_int_equal(g.bad, 6);
	assert_int_equal(g.rc, 0);
	static const char *const want[] = { "1", "4", "5", "6" };
	for (size_t i = 0; i < g.n; i++)
		assert_string_equal(got_field(&g.ev[i], "n"), want[i]);
	assert_int_equal(g.ev[1].offset, 63);
	got_free(&g);
}

static void odd_but_valid_records_are_kept(void **state)
{
	(void)state;
	struct got g;
	read_all_ways("{}\n"                                                                   /* no fields */
		      "{\"EventID\":99999,\"Channel\":\"Microsoft-Windows-Sysmon/Operational\"}\n"   /* unknown id */
		      "{\"EventID\":\"abc\",\"Image\":\"x\"}\n"                                     /* id not a number */
		      "{\"Channel\":\"Security\",\"EventID\":4688}\n"                              /* fields missing */
		      "{\"UtcTime\":\"2024-05-20 10:00:00.000\",\"EventID\":1}\n"
		      "{\"UtcTime\":\"2024-05-20 09:00:00.000\",\"EventID\":1}\n"                  /* earlier */
		      "{\"UtcTime\":\"not a time\",\"EventID\":1}\n",
		      &g);
	assert_int_equal(g.n, 7);
	assert_int_equal(g.bad, 0);
	assert_int_equal(g.ev[0].n, 0);
	assert_int_equal(g.ev[0].time, WH_TIME_NONE);
	assert_int_equal(g.ev[1].event_id, 99999);
	assert_int_equal(g.ev[1].kind, WH_EV_OTHER);
	assert_int_equal(g.ev[2].event_id, -1);
	assert_int_equal(g.ev[3].kind, WH_EV_PROCESS_START);
	assert_null(got_field(&g.ev[3], "NewProcessName"));
	/* out of order stays in file order, each with its own time */
	assert_true(g.ev[5].time < g.ev[4].time);
	assert_int_equal(g.ev[6].time, WH_TIME_NONE);
	assert_string_equal(got_field(&g.ev[6], "UtcTime"), "not a time");
	got_free(&g);
}

static void oversized_document_is_skipped(void **state)
{
	(void)state;
	/* A document just over the 16 MiB cap (it still fits the read buffer)
	 * and one far over it (it never does), each followed by a good one. */
	static const size_t over[] = { 4096, 3u << 20 };
	for (size_t k = 0; k < 2; k++) {
		size_t big = WH_MAX_RECORD + over[k];
		const char *head = "{\"a\":\"", *tail = "\"}\n{\"after\":1}\n";
		size_t n = strlen(head) + big + strlen(tail);
		char *text = wh_xmalloc(n + 1);
		memcpy(text, head, strlen(head));
		memset(text + strlen(head), 'x', big);
		memcpy(text + strlen(head) + big, tail, strlen(tail) + 1);
		struct got g;
		read_mem(RD, text, n, 0, &g);
		assert_int_equal(g.n, 1);
		assert_int_equal(g.bad, 1);
		assert_string_equal(got_field(&g.ev[0], "after"), "1");
		got_free(&g);
		free(text);
	}
}

static void too_many_fields_are_dropped_and_reported(void **state)
{
	(void)state;
	struct wh_sbuf sb = WH_SBUF_INIT(1 << 20);
	wh_sbuf_addch(&sb, '{');
	for (int i = 0; i < WH_EVENT_MAX_FIELDS + 10; i++)
		wh_sbuf_addf(&sb, "%s\"f%d\":%d", i ? "," : "", i, i);
	wh_sbuf_addstr(&sb, "}\n{\"next\":1}\n");
	struct got g;
	read_str(RD, wh_sbuf_str(&sb), 0, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.ev[0].n, WH_EVENT_MAX_FIELDS);
	assert_int_equal(g.bad, 1);
	got_free(&g);
	wh_sbuf_release(&sb);
}

static void sniff(void **state)
{
	(void)state;
	const unsigned char *yes[] = { (const unsigned char *)"{\"a\":1}", (const unsigned char *)"\xef\xbb\xbf {}",
				       (const unsigned char *)"[\n {\"a\":1}]", (const unsigned char *)"[]" };
	const unsigned char *no[] = { (const unsigned char *)"<Event>", (const unsigned char *)"[1,2]",
				      (const unsigned char *)"type=SYSCALL msg=audit(1.2:3):",
				      (const unsigned char *)"{a:1}", (const unsigned char *)"" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(RD->sniff(yes[i], strlen((const char *)yes[i])) > 0);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_int_equal(RD->sniff(no[i], strlen((const char *)no[i])), 0);
}

int main(void)
{
	wh_diag.quiet = getenv("WH_TEST_VERBOSE") == NULL;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(scan_flat_nested_and_arrays),
		cmocka_unit_test(scan_escapes_and_surrogates),
		cmocka_unit_test(scan_every_prefix_asks_for_more),
		cmocka_unit_test(scan_rejects_broken_documents),
		cmocka_unit_test(scan_depth_is_bounded),
		cmocka_unit_test(unescape_never_grows),
		cmocka_unit_test(flat_sysmon),
		cmocka_unit_test(evtx_json_shape),
		cmocka_unit_test(evtx_json_arrays),
		cmocka_unit_test(winlog_shape),
		cmocka_unit_test(ecs_aliases),
		cmocka_unit_test(splunk_export),
		cmocka_unit_test(arrays_repeat_their_name),
		cmocka_unit_test(own_output_reads_back),
		cmocka_unit_test(layouts_bom_array_and_pretty_stream),
		cmocka_unit_test(broken_records_are_skipped),
		cmocka_unit_test(odd_but_valid_records_are_kept),
		cmocka_unit_test(oversized_document_is_skipped),
		cmocka_unit_test(too_many_fields_are_dropped_and_reported),
		cmocka_unit_test(sniff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
