/* Unit tests for the Windows event XML reader and its element parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "memread.h"
#include "read/xml.h"
#include "util/sbuf.h"
#include "util/wtime.h"

#define RD (&wh_reader_xml)

/* A Sysmon process start as wevtutil prints it (one line, single quotes). */
#define SYSMON1                                                                                   \
	"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"            \
	"<Provider Name='Microsoft-Windows-Sysmon' Guid='{5770385F-C22A-43E0-BF4C-06F5698FFBD9}'/>" \
	"<EventID>1</EventID><Version>5</Version><Level>4</Level><Task>1</Task><Opcode>0</Opcode>"  \
	"<Keywords>0x8000000000000000</Keywords>"                                                 \
	"<TimeCreated SystemTime='2025-10-25T13:44:33.4409070Z'/>"                                \
	"<EventRecordID>8999629</EventRecordID><Correlation/>"                                    \
	"<Execution ProcessID='3308' ThreadID='4008'/>"                                           \
	"<Channel>Microsoft-Windows-Sysmon/Operational</Channel>"                                 \
	"<Computer>ws-fin-07.corp.local</Computer><Security UserID='S-1-5-18'/></System>"         \
	"<EventData><Data Name='RuleName'>-</Data>"                                              \
	"<Data Name='UtcTime'>2025-10-25 13:44:33.433</Data>"                                     \
	"<Data Name='Image'>C:\\Windows\\System32\\reg.exe</Data>"                                \
	"<Data Name='CommandLine'>reg query &quot;HKLM\\X&quot; &amp; echo &#x41;&#xD;&#xA;ok</Data>" \
	"<Data Name='ParentImage'></Data></EventData>"                                           \
	"<RenderingInfo Culture='en-US'><Message>Process Create</Message>"                        \
	"<Level>Information</Level></RenderingInfo></Event>"

/* A Security event with a qualified id, unnamed data and binary data. */
#define CLASSIC                                                                                   \
	"<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\">\r\n"              \
	"  <System>\r\n"                                                                          \
	"    <Provider Name=\"Service Control Manager\" EventSourceName=\"Service Control Manager\"/>\r\n" \
	"    <EventID Qualifiers=\"16384\">7045</EventID>\r\n"                                      \
	"    <TimeCreated SystemTime=\"2021-03-01T10:00:00.000000000Z\"/>\r\n"                     \
	"    <EventRecordID>12</EventRecordID>\r\n"                                                \
	"    <Channel>System</Channel>\r\n"                                                        \
	"    <Computer>dc01</Computer>\r\n"                                                        \
	"  </System>\r\n"                                                                         \
	"  <EventData>\r\n"                                                                       \
	"    <Data>first</Data>\r\n"                                                              \
	"    <Data>second</Data>\r\n"                                                             \
	"    <Binary>00FF</Binary>\r\n"                                                           \
	"  </EventData>\r\n"                                                                      \
	"</Event>\r\n"

#define USERDATA                                                                                  \
	"<Event><System><Provider Name='Microsoft-Windows-Eventlog'/><EventID>1102</EventID>"       \
	"<TimeCreated SystemTime='2025-10-25T14:00:00Z'/><Channel>Security</Channel>"             \
	"<Computer>dc01</Computer></System><UserData>"                                            \
	"<LogFileCleared xmlns='http://manifests.microsoft.com/win/2004/08/windows/eventlog'>"    \
	"<SubjectUserSid>S-1-5-21-1</SubjectUserSid><SubjectUserName>admin</SubjectUserName>"    \
	"</LogFileCleared></UserData></Event>"

static void element_fields_follow_the_contract(void **state)
{
	(void)state;
	struct wh_arena a = WH_ARENA_INIT;
	struct wh_event ev;
	wh_event_init(&ev, &a);
	const char *err = NULL;
	size_t at;
	struct wh_xml_parser *p = wh_xml_parser_new();
	assert_int_equal(wh_xml_parse_event(p, SYSMON1, strlen(SYSMON1), &ev, &a, &err, &at), 0);
	assert_string_equal(wh_event_get(&ev, "Provider_Name"), "Microsoft-Windows-Sysmon");
	assert_string_equal(wh_event_get(&ev, "Provider_Guid"), "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}");
	assert_string_equal(wh_event_get(&ev, "EventID"), "1");
	assert_string_equal(wh_event_get(&ev, "Keywords"), "0x8000000000000000");
	assert_string_equal(wh_event_get(&ev, "TimeCreated_SystemTime"), "2025-10-25T13:44:33.4409070Z");
	assert_string_equal(wh_event_get(&ev, "Execution_ProcessID"), "3308");
	assert_string_equal(wh_event_get(&ev, "Execution_ThreadID"), "4008");
	assert_string_equal(wh_event_get(&ev, "Security_UserID"), "S-1-5-18");
	assert_string_equal(wh_event_get(&ev, "Computer"), "ws-fin-07.corp.local");
	assert_string_equal(wh_event_get(&ev, "Image"), "C:\\Windows\\System32\\reg.exe");
	/* entities and character references decoded */
	assert_string_equal(wh_event_get(&ev, "CommandLine"), "reg query \"HKLM\\X\" & echo A\r\nok");
	/* an empty Data value is an empty string; <Correlation/> gives nothing */
	assert_string_equal(wh_event_get(&ev, "ParentImage"), "");
	assert_null(wh_event_get(&ev, "Correlation"));
	/* RenderingInfo is text for people */
	assert_null(wh_event_get(&ev, "Message"));
	unsigned nlevel = 0;
	for (uint32_t i = 0; i < ev.nfields; i++)
		if (strcmp(ev.fields[i].name, "Level") == 0)
			assert_string_equal(ev.fields[i].value, "4"), nlevel++;
	assert_int_equal(nlevel, 1);
	assert_null(wh_event_get(&ev, "xmlns"));
	/* header: Sysmon's UtcTime is preferred to TimeCreated */
	int64_t t;
	assert_int_equal(wh_time_parse("2025-10-25T13:44:33.433Z", 24, &t), 0);
	assert_true(ev.time == t);
	assert_string_equal(ev.host, "ws-fin-07.corp.local");
	assert_string_equal(ev.channel, "Microsoft-Windows-Sysmon/Operational");
	assert_string_equal(ev.provider, "Microsoft-Windows-Sysmon");
	assert_int_equal(ev.event_id, 1);
	assert_int_equal(ev.record, 8999629);
	assert_int_equal(ev.kind, WH_EV_PROCESS_START);

	wh_event_clear(&ev);
	wh_arena_reset(&a);
	assert_int_equal(wh_xml_parse_event(p, CLASSIC, strlen(CLASSIC), &ev, &a, &err, &at), 0);
	assert_string_equal(wh_event_get(&ev, "EventID"), "7045");
	assert_string_equal(wh_event_get(&ev, "EventID_Qualifiers"), "16384");
	assert_string_equal(wh_event_get(&ev, "Provider_EventSourceName"), "Service Control Manager");
	assert_string_equal(wh_event_get(&ev, "Binary"), "00FF");
	/* unnamed Data: "Data", once per element, in order */
	unsigned nd = 0;
	for (uint32_t i = 0; i < ev.nfields; i++)
		if (strcmp(ev.fields[i].name, "Data") == 0)
			assert_string_equal(ev.fields[i].value, nd++ ? "second" : "first");
	assert_int_equal(nd, 2);
	assert_int_equal(ev.kind, WH_EV_SERVICE_INSTALL);
	assert_int_equal(wh_time_parse("2021-03-01T10:00:00Z", 20, &t), 0);
	assert_true(ev.time == t);

	wh_event_clear(&ev);
	wh_arena_reset(&a);
	assert_int_equal(wh_xml_parse_event(p, USERDATA, strlen(USERDATA), &ev, &a, &err, &at), 0);
	assert_string_equal(wh_event_get(&ev, "SubjectUserName"), "admin");
	assert_string_equal(wh_event_get(&ev, "SubjectUserSid"), "S-1-5-21-1");
	assert_null(wh_event_get(&ev, "LogFileCleared"));
	assert_int_equal(ev.event_id, 1102);
	assert_int_equal(ev.record, 0);

	/* a time whitehawk cannot hold (before 1678) leaves the event without one */
	wh_event_clear(&ev);
	wh_arena_reset(&a);
	const char *old = "<Event><System><TimeCreated SystemTime='0001-01-01T00:00:00Z'/></System></Event>";
	assert_int_equal(wh_xml_parse_event(p, old, strlen(old), &ev, &a, &err, &at), 0);
	assert_true(ev.time == WH_TIME_NONE);
	assert_string_equal(wh_event_get(&ev, "TimeCreated_SystemTime"), "0001-01-01T00:00:00Z");

	wh_xml_parser_free(p);
	wh_event_release(&ev);
	wh_arena_release(&a);
}

static void element_errors_leave_the_event_alone(void **state)
{
	(void)state;
	struct wh_arena a = WH_ARENA_INIT;
	struct wh_event ev;
	wh_event_init(&ev, &a);
	wh_event_add_str(&ev, "Kept", "yes");
	const char *err = NULL;
	size_t at = 0;
	const char *bad = "<Event><System><EventID>1</EventIDx></System></Event>";
	assert_int_equal(wh_xml_parse_event_once(bad, strlen(bad), &ev, &a, &err, &at), -1);
	assert_non_null(err);
	assert_true(at >= 24 && at < strlen(bad));
	assert_int_equal(ev.nfields, 1);
	assert_int_equal(ev.event_id, -1);
	const char *other = "<Record><System/></Record>";
	assert_int_equal(wh_xml_parse_event_once(other, strlen(other), &ev, &a, &err, &at), -1);
	assert_string_equal(err, "the element is not an Event");
	const char *cut = "<Event><System><EventID>1</EventID>";
	assert_int_equal(wh_xml_parse_event_once(cut, strlen(cut), &ev, &a, &err, &at), -1);
	const char *dtd = "<!DOCTYPE x [<!ENTITY a 'aaaa'>]><Event>&a;</Event>";
	assert_int_equal(wh_xml_parse_event_once(dtd + 33, strlen(dtd) - 33, &ev, &a, &err, &at), -1);
	assert_int_equal(ev.nfields, 1);
	wh_event_release(&ev);
	wh_arena_release(&a);
}

static void stream_of_elements_in_every_shape(void **state)
{
	(void)state;
	static const char *const inputs[] = {
		/* wevtutil: concatenated, no separator */
		SYSMON1 CLASSIC USERDATA,
		/* an <Events> root with a declaration */
		"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Events>\n" SYSMON1 "\n" CLASSIC USERDATA
		"\n</Events>\n",
		/* evtxexport -f xml: its banner, then the elements, one per line pair */
		"evtxexport 20240421\n\n" SYSMON1 "\n\n" CLASSIC "\n" USERDATA "\n\n",
		/* and with Event number lines between the elements */
		"evtxexport 20240421\n\nEvent number\t\t: 1\nWritten time\t\t: Oct 25, 2025\n" SYSMON1
		"\n\nEvent number\t\t: 2\n" CLASSIC "\nEvent number\t\t: 3\n" USERDATA "\n\n",
	};
	for (size_t k = 0; k < sizeof(inputs) / sizeof(inputs[0]); k++) {
		assert_true(RD->sniff((const unsigned char *)inputs[k], strlen(inputs[k])) > 0);
		/* whole, and 5 bytes per read so tags are cut everywhere */
		for (size_t chunk = 0; chunk <= 5; chunk += 5) {
			struct got g;
			read_str(RD, inputs[k], chunk, &g);
			assert_int_equal(g.n, 3);
			assert_int_equal(g.bad, 0);
			assert_int_equal(g.ev[0].event_id, 1);
			assert_int_equal(g.ev[1].event_id, 7045);
			assert_int_equal(g.ev[2].event_id, 1102);
			assert_string_equal(got_field(&g.ev[0], "Image"), "C:\\Windows\\System32\\reg.exe");
			/* the offset of each element, so a user can find it */
			assert_memory_equal(inputs[k] + g.ev[1].offset, "<Event xmlns=\"", 14);
			/* no EventRecordID: the element's number */
			assert_int_equal(g.ev[2].record, 3);
			got_free(&g);
		}
	}
}

static void utf16_input(void **state)
{
	(void)state;
	const char *u8 = "<Events>" SYSMON1 "</Events>";
	size_t n = strlen(u8);
	for (int be = 0; be <= 1; be++) {
		/* every character of the sample is ASCII except the one we add */
		struct wh_sbuf sb = WH_SBUF_INIT(1 << 20);
		wh_sbuf_add(&sb, be ? "\xfe\xff" : "\xff\xfe", 2);
		for (size_t i = 0; i < n; i++) {
			if (strncmp(u8 + i, "reg.exe", 7) == 0) {
				/* U+00E9 and U+1F600 (a surrogate pair) */
				static const unsigned char le[] = { 0xe9, 0x00, 0x3d, 0xd8, 0x00, 0xde };
				static const unsigned char bee[] = { 0x00, 0xe9, 0xd8, 0x3d, 0xde, 0x00 };
				wh_sbuf_add(&sb, be ? bee : le, 6);
			}
			char c[2] = { be ? 0 : u8[i], be ? u8[i] : 0 };
			wh_sbuf_add(&sb, c, 2);
		}
		assert_true(RD->sniff((const unsigned char *)sb.buf, sb.len) > 0);
		struct got g;
		read_mem(RD, sb.buf, sb.len, 7, &g);
		assert_int_equal(g.n, 1);
		assert_int_equal(g.bad, 0);
		assert_string_equal(got_field(&g.ev[0], "Image"),
				    "C:\\Windows\\System32\\\xc3\xa9\xf0\x9f\x98\x80reg.exe");
		got_free(&g);
		wh_sbuf_release(&sb);
	}
}

static void broken_elements_are_skipped_and_reading_goes_on(void **state)
{
	(void)state;
	const char *in =
		/* 1: invalid XML inside */
		"<Event><System><EventID>5</EventIDx></System></Event>\n"
		/* 2: good */
		CLASSIC
		/* 3: cut off by the next element */
		"<Event><System><EventID>6</EventID>\n"
		/* 4: good */
		USERDATA
		/* 5: invalid UTF-8 */
		"<Event><System><Computer>\xff\xfe</Computer></System></Event>"
		/* 6: not closed at the end of the input */
		"garbage\n<Event><System>";
	struct got g;
	read_str(RD, in, 0, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.bad, 4);
	assert_int_equal(g.rc, 0);
	assert_int_equal(g.ev[0].event_id, 7045);
	assert_int_equal(g.ev[1].event_id, 1102);
	got_free(&g);
}

static void large_element_is_bounded(void **state)
{
	(void)state;
	/* an element with no end, longer than WH_MAX_RECORD, then a good one */
	size_t big = WH_MAX_RECORD + (2u << 20);
	char *buf = wh_xmalloc(big + sizeof(USERDATA));
	memcpy(buf, "<Event><System>", 15);
	memset(buf + 15, 'x', big - 15);
	memcpy(buf + big, USERDATA, sizeof(USERDATA));
	struct got g;
	read_mem(RD, buf, big + strlen(USERDATA), 0, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.bad, 1);
	assert_int_equal(g.ev[0].event_id, 1102);
	assert_int_equal(g.ev[0].offset, big);
	got_free(&g);
	free(buf);
}

static void sniff_only_event_xml(void **state)
{
	(void)state;
	static const char *const no[] = {
		"<root><a/></root>",
		"<EventList><Event/></EventList>",
		"{\"Event\": {\"System\": {}}}",
		"Event number : 1\nNo XML here\n",
		"type=SYSCALL msg=audit(1.2:3): x=1\n",
		"<?xml version=\"1.0\"?><html><System></System></html>",
		"",
		"<",
	};
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_int_equal(RD->sniff((const unsigned char *)no[i], strlen(no[i])), 0);
	const char *yes = "\xef\xbb\xbf<?xml version='1.0'?>\n<!-- x -->\n" USERDATA;
	assert_true(RD->sniff((const unsigned char *)yes, strlen(yes)) > 50);
	assert_ptr_equal(wh_reader_sniff((const unsigned char *)yes, strlen(yes)), RD);
}

static int setup(void **state)
{
	(void)state;
	wh_diag.quiet = true;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(element_fields_follow_the_contract),
		cmocka_unit_test(element_errors_leave_the_event_alone),
		cmocka_unit_test(stream_of_elements_in_every_shape),
		cmocka_unit_test(utf16_input),
		cmocka_unit_test(broken_elements_are_skipped_and_reading_goes_on),
		cmocka_unit_test(large_element_is_bounded),
		cmocka_unit_test(sniff_only_event_xml),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
