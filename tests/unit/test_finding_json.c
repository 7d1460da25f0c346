/*
 * test_finding_json.c: the common JSON form of a finding, byte for byte:
 * every key in its place, escapes (quotes, backslashes, controls, invalid
 * UTF-8, a string longer than the writer's stack piece), empty pieces of
 * the ATT&CK list, absent strings, unknown times, the process object only
 * when there is a process, several pieces of evidence; and the buffer form
 * stays within its bound and equals the stream form.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/finding.h"
#include "util/wtime.h"

/* The stream form, and a check that the buffer form is the same. */
static char *render(const struct wh_finding *f)
{
	char *got = NULL;
	size_t glen = 0;
	FILE *o = open_memstream(&got, &glen);
	assert_non_null(o);
	wh_finding_write_json(o, f);
	fclose(o);
	size_t bound = wh_finding_json_bound(f);
	char *buf = malloc(bound);
	assert_non_null(buf);
	size_t n = wh_finding_json(buf, f);
	assert_true(n <= bound);
	assert_int_equal(n, glen);
	assert_memory_equal(buf, got, n);
	free(buf);
	return got;
}

static void test_plain(void **st)
{
	(void)st;
	struct wh_findings l;
	wh_findings_init(&l);
	struct wh_finding *f = wh_findings_add(&l);
	f->id = "WH-X";
	f->title = "A \"quoted\" title";
	f->analytic = "sigma";
	f->severity = WH_SEV_HIGH;
	f->confidence = 70;
	f->stage = WH_KC_EXPLOITATION;
	f->attack = ",T1059.001,,T1105,";
	f->viewpoints = WH_VP_PROCESS | WH_VP_TIME;
	f->host = "ws1";
	f->explanation = "line\none\ttab";
	wh_finding_add_detail(&l, f, "Image", "C:\\Windows\\cmd.exe");
	wh_finding_add_detail(&l, f, "Ctl", "\x01\x1f");
	wh_finding_add_evidence(&l, f, "a.jsonl", 12, 3, 1700000000123000000LL);
	wh_finding_add_evidence(&l, f, "b.jsonl", 0, 0, WH_TIME_NONE);
	char *got = render(f);
	assert_string_equal(
		got,
		"{\"id\":\"WH-X\",\"title\":\"A \\\"quoted\\\" title\",\"analytic\":\"sigma\",\"severity\":\"high\","
		"\"confidence\":70,\"stage\":\"exploitation\",\"attack\":[\"T1059.001\",\"T1105\"],"
		"\"viewpoints\":[\"time\",\"process\"],\"host\":\"ws1\",\"time\":\"2023-11-14T22:13:20.123Z\","
		"\"time_end\":\"2023-11-14T22:13:20.123Z\",\"explanation\":\"line\\none\\ttab\","
		"\"details\":{\"Image\":\"C:\\\\Windows\\\\cmd.exe\",\"Ctl\":\"\\u0001\\u001f\"},"
		"\"evidence\":[{\"source\":\"a.jsonl\",\"offset\":12,\"record\":3,\"time\":\"2023-11-14T22:13:20.123Z\"},"
		"{\"source\":\"b.jsonl\",\"offset\":0,\"record\":0,\"time\":null}]}\n");
	free(got);
	wh_findings_release(&l);
}

static void test_process_and_absent(void **st)
{
	(void)st;
	struct wh_finding f;
	memset(&f, 0, sizeof(f));
	f.time = f.time_end = WH_TIME_NONE;
	f.pid = 18446744073709551615ull;   /* the whole range of a u64 */
	f.severity = (enum wh_severity)99;
	f.stage = (enum wh_stage)99;
	char *got = render(&f);
	assert_string_equal(got, "{\"id\":\"\",\"title\":\"\",\"analytic\":\"\",\"severity\":\"informational\","
				 "\"confidence\":0,\"stage\":\"none\",\"attack\":[],\"viewpoints\":[],\"host\":\"\","
				 "\"time\":null,\"time_end\":null,\"process\":{\"guid\":\"\",\"pid\":18446744073709551615,"
				 "\"image\":\"\"},\"explanation\":\"\",\"details\":{},\"evidence\":[]}\n");
	free(got);
	/* no guid, pid or image: no process object */
	f.pid = 0;
	f.time = 1700000000123456789LL;
	f.time_end = 1700000001000000000LL;
	got = render(&f);
	assert_non_null(strstr(got, "\"time\":\"2023-11-14T22:13:20.123456789Z\","
				    "\"time_end\":\"2023-11-14T22:13:21.000Z\",\"explanation\""));
	assert_null(strstr(got, "process"));
	free(got);
}

static void test_long_and_invalid_utf8(void **st)
{
	(void)st;
	/* longer than the stream writer's piece, with escapes across it */
	size_t n = 5000;
	char *v = malloc(n + 1);
	for (size_t i = 0; i < n; i++)
		v[i] = i % 7 == 0 ? '\\' : i % 11 == 0 ? '\xff' : 'a';
	v[n] = '\0';
	struct wh_kv d = { "Long", v };
	struct wh_finding f;
	memset(&f, 0, sizeof(f));
	f.time = f.time_end = WH_TIME_NONE;
	f.title = "caf\xc3\xa9 \xe2\x82";   /* valid, then a cut sequence */
	f.details = &d;
	f.ndetails = 1;
	char *got = render(&f);
	assert_non_null(strstr(got, "\"title\":\"caf\xc3\xa9 \\ufffd\\ufffd\""));
	const char *p = strstr(got, "\"Long\":\"");
	assert_non_null(p);
	p += strlen("\"Long\":\"");
	for (size_t i = 0; i < n; i++) {
		const char *want = i % 7 == 0 ? "\\\\" : i % 11 == 0 ? "\\ufffd" : "a";
		assert_memory_equal(p, want, strlen(want));
		p += strlen(want);
	}
	assert_memory_equal(p, "\"},\"evidence\":[]}\n", 19);
	free(got);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_process_and_absent),
		cmocka_unit_test(test_long_and_invalid_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
