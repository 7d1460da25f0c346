/*
 * test_sigma_corr.c: Sigma correlation rules, each type, with group-by,
 * timespan, aliases, references by id and by name, generate, and the
 * bounds on their state.
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

struct hits {
	char ids[64][64];
	double value[64];
	char group[64][128];
	int n;
};

static void on_hit(const struct wh_sigma_hit *h, void *arg)
{
	struct hits *x = arg;
	if (x->n < 64) {
		snprintf(x->ids[x->n], 64, "%s", h->rule->id);
		snprintf(x->group[x->n], 128, "%s", h->group ? h->group : "");
		x->value[x->n++] = h->value;
	}
}

static int count(const struct hits *h, const char *id)
{
	int n = 0;
	for (int i = 0; i < h->n; i++)
		n += strcmp(h->ids[i], id) == 0;
	return n;
}

static struct wh_event ev;
static struct wh_arena arena;

/* A Security event at second t with name/value pairs. */
static struct wh_event *sec(int id, int64_t t, ...)
{
	wh_event_release(&ev);
	wh_arena_release(&arena);
	wh_arena_init(&arena, 4096, 0);
	wh_event_init(&ev, &arena);
	ev.channel = "Security";
	ev.provider = "Microsoft-Windows-Security-Auditing";
	ev.format = "json";
	ev.source = "sec.json";
	ev.host = "dc1";
	ev.event_id = id;
	ev.time = (1700000000LL + t) * WH_NS_PER_SEC;
	char idtxt[16];
	snprintf(idtxt, sizeof(idtxt), "%d", id);
	wh_event_add_copy(&ev, "EventID", 7, idtxt, strlen(idtxt));
	va_list ap;
	va_start(ap, t);
	for (;;) {
		const char *n = va_arg(ap, const char *);
		if (!n)
			break;
		const char *v = va_arg(ap, const char *);
		wh_event_add_copy(&ev, n, strlen(n), v, strlen(v));
	}
	va_end(ap);
	wh_event_classify(&ev);
	return &ev;
}

#define BASE_RULES                                                                                        \
	"---\ntitle: failed logon\nid: f-id\nname: failed\nlogsource: {product: windows, service: security}\n"   \
	"detection: {s: {EventID: 4625}, condition: s}\n"                                                       \
	"---\ntitle: logon\nid: s-id\nname: success\nlogsource: {product: windows, service: security}\n"         \
	"detection: {s: {EventID: 4624}, condition: s}\n"

static struct wh_sigma *load(const char *corr)
{
	struct wh_sigma *s = wh_sigma_new();
	setenv("WH_NO_SYSCONF", "1", 1);
	setenv("WH_NO_CACHE", "1", 1);
	wh_sigma_load_mapping(s, NULL);
	char *y = malloc(strlen(corr) + strlen(BASE_RULES) + 1);
	memcpy(y, corr, strlen(corr));
	memcpy(y + strlen(corr), BASE_RULES, strlen(BASE_RULES) + 1);
	wh_sigma_load_buffer(s, "c.yml", y, strlen(y));
	free(y);
	for (size_t i = 0; i < wh_sigma_nrejects(s); i++)
		fprintf(stderr, "reject: %s\n", wh_sigma_reject_at(s, i)->reason);
	assert_int_equal(wh_sigma_nrejects(s), 0);
	assert_int_equal(wh_sigma_compile(s), 0);
	return s;
}

static void test_event_count(void **st)
{
	(void)st;
	struct wh_sigma *s = load("title: brute\nid: C\nlevel: high\ncorrelation:\n  type: event_count\n"
				  "  rules: [failed]\n  group-by: [TargetUserName]\n  timespan: 1m\n"
				  "  condition: {gte: 3}\n");
	struct hits h = { 0 };
	/* bob: 3 failures in 40 s: fires once; alice: 2, and the third too late */
	wh_sigma_match(s, sec(4625, 0, "TargetUserName", "bob", NULL), on_hit, &h);
	wh_sigma_match(s, sec(4625, 5, "TargetUserName", "alice", NULL), on_hit, &h);
	wh_sigma_match(s, sec(4625, 20, "TargetUserName", "bob", NULL), on_hit, &h);
	wh_sigma_match(s, sec(4625, 30, "TargetUserName", "alice", NULL), on_hit, &h);
	assert_int_equal(count(&h, "C"), 0);
	wh_sigma_match(s, sec(4625, 40, "TargetUserName", "bob", NULL), on_hit, &h);
	assert_int_equal(count(&h, "C"), 1);
	assert_string_equal(h.group[0], "TargetUserName=bob");
	assert_true(h.value[0] == 3);
	wh_sigma_match(s, sec(4625, 90, "TargetUserName", "alice", NULL), on_hit, &h);
	wh_sigma_finish(s, on_hit, &h);
	assert_int_equal(count(&h, "C"), 1);
	/* generate is false by default: the base rule's own hits are not reported */
	assert_int_equal(count(&h, "f-id"), 0);
	assert_int_equal(wh_sigma_rule_at(s, 1)->hits, 6);
	wh_sigma_free(s);
}

static void test_event_count_lt_and_generate(void **st)
{
	(void)st;
	/* "fewer than 2 logons in the hour" is decided when the window closes */
	struct wh_sigma *s = load("title: rare\nid: R\ncorrelation:\n  type: event_count\n  generate: true\n"
				  "  rules: [s-id]\n  group-by: [TargetUserName]\n  timespan: 1h\n  condition: {lt: 2}\n");
	struct hits h = { 0 };
	wh_sigma_match(s, sec(4624, 0, "TargetUserName", "a", NULL), on_hit, &h);
	wh_sigma_match(s, sec(4624, 10, "TargetUserName", "b", NULL), on_hit, &h);
	wh_sigma_match(s, sec(4624, 20, "TargetUserName", "b", NULL), on_hit, &h);
	assert_int_equal(count(&h, "R"), 0);
	assert_int_equal(count(&h, "s-id"), 3);   /* generate: true */
	wh_sigma_finish(s, on_hit, &h);
	assert_int_equal(count(&h, "R"), 1);
	wh_sigma_free(s);
}

static void test_value_count(void **st)
{
	(void)st;
	struct wh_sigma *s = load("title: spray\nid: V\ncorrelation:\n  type: value_count\n  rules: [failed]\n"
				  "  group-by: [IpAddress]\n  timespan: 5m\n  condition: {field: TargetUserName, gt: 2}\n");
	struct hits h = { 0 };
	const char *users[] = { "a", "a", "b", "b", "c" };
	for (int i = 0; i < 5; i++)
		wh_sigma_match(s, sec(4625, i, "IpAddress", "10.0.0.9", "TargetUserName", users[i], NULL), on_hit, &h);
	assert_int_equal(count(&h, "V"), 1);
	assert_true(h.value[0] == 3);
	wh_sigma_free(s);
}

static void test_temporal(void **st)
{
	(void)st;
	struct wh_sigma *s = load("title: both\nid: T\ncorrelation:\n  type: temporal\n  rules: [failed, success]\n"
				  "  group-by: [TargetUserName]\n  timespan: 1m\n");
	struct hits h = { 0 };
	/* any order counts */
	wh_sigma_match(s, sec(4624, 0, "TargetUserName", "bob", NULL), on_hit, &h);
	wh_sigma_match(s, sec(4625, 10, "TargetUserName", "bob", NULL), on_hit, &h);
	assert_int_equal(count(&h, "T"), 1);
	/* too far apart */
	wh_sigma_match(s, sec(4625, 100, "TargetUserName", "eve", NULL), on_hit, &h);
	wh_sigma_match(s, sec(4624, 200, "TargetUserName", "eve", NULL), on_hit, &h);
	assert_int_equal(count(&h, "T"), 1);
	wh_sigma_free(s);
}

static void test_temporal_ordered(void **st)
{
	(void)st;
	struct wh_sigma *s = load("title: then\nid: O\ncorrelation:\n  type: temporal_ordered\n"
				  "  rules: [failed, s-id]\n  group-by: [TargetUserName]\n  timespan: 10m\n");
	struct hits h = { 0 };
	/* success then failure: wrong order */
	wh_sigma_match(s, sec(4624, 0, "TargetUserName", "bob", NULL), on_hit, &h);
	wh_sigma_match(s, sec(4625, 10, "TargetUserName", "bob", NULL), on_hit, &h);
	assert_int_equal(count(&h, "O"), 0);
	/* failure then success: fires */
	wh_sigma_match(s, sec(4624, 20, "TargetUserName", "bob", NULL), on_hit, &h);
	assert_int_equal(count(&h, "O"), 1);
	wh_sigma_free(s);
}

/* Two rules that fire on one event reach a correlation in the rules' order,
 * whatever order the compiled matcher decided them in: "logon type" has
 * no literal and is decided after "bob", whose literal queued it; the
 * plain matcher, which walks the rules in order, gives the same hits. */
static void test_same_event_order(void **st)
{
	(void)st;
	const char *rules = "title: then\nid: O2\ncorrelation:\n  type: temporal_ordered\n"
			    "  rules: [logon-type, bob]\n  group-by: [TargetUserName]\n  timespan: 10m\n"
			    "---\ntitle: logon type\nid: lt-id\nname: logon-type\n"
			    "logsource: {product: windows, service: security}\n"
			    "detection: {s: {LogonType|gte: 2}, condition: s}\n"
			    "---\ntitle: bob\nid: b-id\nname: bob\nlogsource: {product: windows, service: security}\n"
			    "detection: {s: {EventID: 4624, TargetUserName: bob}, condition: s}\n";
	struct wh_sigma *compiled = load(rules), *plain = load(rules);
	struct hits a = { 0 }, b = { 0 };
	wh_sigma_match(compiled, sec(4624, 0, "TargetUserName", "bob", "LogonType", "3", NULL), on_hit, &a);
	wh_sigma_match_plain(plain, sec(4624, 0, "TargetUserName", "bob", "LogonType", "3", NULL), on_hit, &b);
	assert_int_equal(count(&a, "O2"), 1);
	assert_int_equal(count(&b, "O2"), 1);
	wh_sigma_free(compiled);
	wh_sigma_free(plain);
}

static void test_chained_and_aliases(void **st)
{
	(void)st;
	/* many failures (a correlation) followed by a success, where the user
	 * field has different names in the two rules (an alias) */
	struct wh_sigma *s = load(
		"title: brute then in\nid: CH\nlevel: critical\ncorrelation:\n  type: temporal_ordered\n"
		"  rules: [many_failed, success]\n  group-by: [user]\n  timespan: 10m\n"
		"  aliases:\n    user:\n      many_failed: TargetUserName\n      success: SubjectUserName\n"
		"---\ntitle: many failed\nid: MF\nname: many_failed\ncorrelation:\n  type: event_count\n"
		"  rules: [failed]\n  group-by: [TargetUserName]\n  timespan: 10m\n  condition: {gte: 2}\n");
	struct hits h = { 0 };
	wh_sigma_match(s, sec(4625, 0, "TargetUserName", "bob", NULL), on_hit, &h);
	wh_sigma_match(s, sec(4625, 5, "TargetUserName", "bob", NULL), on_hit, &h);
	wh_sigma_match(s, sec(4624, 9, "SubjectUserName", "alice", NULL), on_hit, &h);
	assert_int_equal(count(&h, "CH"), 0);
	wh_sigma_match(s, sec(4624, 10, "SubjectUserName", "bob", NULL), on_hit, &h);
	assert_int_equal(count(&h, "CH"), 1);
	assert_int_equal(count(&h, "MF"), 0);   /* referenced, so not reported on its own */
	assert_string_equal(h.group[0], "user=bob");
	wh_sigma_free(s);
}

static void test_value_sum_avg(void **st)
{
	(void)st;
	struct wh_sigma *s = load("title: volume\nid: SUM\ncorrelation:\n  type: value_sum\n  rules: [s-id]\n"
				  "  group-by: [IpAddress]\n  timespan: 1h\n  condition: {field: Bytes, gte: 1000}\n"
				  "---\ntitle: avg\nid: AVG\ncorrelation:\n  type: value_avg\n  generate: true\n"
				  "  rules: [s-id]\n  group-by: [IpAddress]\n  timespan: 1h\n"
				  "  condition: {field: Bytes, gt: 300}\n");
	struct hits h = { 0 };
	wh_sigma_match(s, sec(4624, 0, "IpAddress", "1.2.3.4", "Bytes", "400", NULL), on_hit, &h);
	wh_sigma_match(s, sec(4624, 1, "IpAddress", "1.2.3.4", "Bytes", "500", NULL), on_hit, &h);
	assert_int_equal(count(&h, "SUM"), 0);
	wh_sigma_match(s, sec(4624, 2, "IpAddress", "1.2.3.4", "Bytes", "200", NULL), on_hit, &h);
	assert_int_equal(count(&h, "SUM"), 1);
	wh_sigma_match(s, sec(4624, 3, "IpAddress", "5.6.7.8", "Bytes", "100", NULL), on_hit, &h);
	/* the average is known when the window closes: (400+500+200)/3 > 300, 100 is not */
	wh_sigma_finish(s, on_hit, &h);
	assert_int_equal(count(&h, "AVG"), 1);
	for (int i = 0; i < h.n; i++)
		if (strcmp(h.ids[i], "AVG") == 0)
			assert_true(h.value[i] > 366 && h.value[i] < 367);
	wh_sigma_free(s);
}

static void test_value_percentile(void **st)
{
	(void)st;
	/* a process name seen in at most 10 % of a host's process starts */
	struct wh_sigma *s = load("title: rare name\nid: P\ncorrelation:\n  type: value_percentile\n  rules: [s-id]\n"
				  "  group-by: [Computer]\n  timespan: 1d\n  condition: {field: Name, lte: 10}\n");
	struct hits h = { 0 };
	for (int i = 0; i < 19; i++)
		wh_sigma_match(s, sec(4624, i, "Name", "common.exe", NULL), on_hit, &h);
	wh_sigma_match(s, sec(4624, 30, "Name", "rare.exe", NULL), on_hit, &h);
	wh_sigma_finish(s, on_hit, &h);
	assert_int_equal(count(&h, "P"), 1);
	assert_non_null(strstr(h.group[0], "Name=rare.exe"));
	assert_true(h.value[0] == 5);
	wh_sigma_free(s);
}

static void test_state_bounded(void **st)
{
	(void)st;
	struct wh_sigma *s = load("title: brute\nid: C\ncorrelation:\n  type: event_count\n"
				  "  rules: [failed]\n  group-by: [TargetUserName]\n  timespan: 1m\n  condition: {gte: 1000000}\n");
	struct hits h = { 0 };
	char user[32];
	/* 200000 distinct groups over a long time: old groups go, memory stays bounded */
	for (int i = 0; i < 200000; i++) {
		snprintf(user, sizeof(user), "u%d", i);
		wh_sigma_match(s, sec(4625, i, "TargetUserName", user, NULL), on_hit, &h);
	}
	/* a hit older than the window before the newest is not kept */
	wh_sigma_match(s, sec(4625, 5, "TargetUserName", "late", NULL), on_hit, &h);
	assert_int_equal(wh_sigma_get_stats(s)->corr_late, 1);
	assert_int_equal(h.n, 0);
	wh_sigma_free(s);
}

static void test_rejects(void **st)
{
	(void)st;
	const char *bad[] = {
		"title: x\ncorrelation: {type: nope, rules: [a], timespan: 1m, condition: {gte: 1}}\n",
		"title: x\ncorrelation: {type: event_count, rules: [a], timespan: 1x, condition: {gte: 1}}\n",
		"title: x\ncorrelation: {type: event_count, timespan: 1m, condition: {gte: 1}}\n",
		"title: x\ncorrelation: {type: event_count, rules: [a], timespan: 1m}\n",
		"title: x\ncorrelation: {type: value_count, rules: [a], timespan: 1m, condition: {gte: 1}}\n",
		"title: x\ncorrelation: {type: event_count, rules: [a], timespan: 1m, condition: {most: 1}}\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct wh_sigma *s = wh_sigma_new();
		wh_sigma_load_buffer(s, "c.yml", bad[i], strlen(bad[i]));
		if (wh_sigma_nrejects(s) != 1)
			fprintf(stderr, "not rejected: %s", bad[i]);
		assert_int_equal(wh_sigma_nrejects(s), 1);
		wh_sigma_free(s);
	}
	/* a reference to a rule that is not loaded: loaded, warned, off */
	struct wh_sigma *s = wh_sigma_new();
	const char *y = "title: x\ncorrelation: {type: event_count, rules: [ghost], timespan: 1m, condition: {gte: 1}}\n";
	wh_sigma_load_buffer(s, "c.yml", y, strlen(y));
	wh_sigma_compile(s);
	assert_int_equal(wh_sigma_nrejects(s), 0);
	assert_int_equal(wh_sigma_nwarnings(s), 1);
	wh_sigma_free(s);
}

int main(void)
{
	wh_diag.quiet = true;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_count),
		cmocka_unit_test(test_event_count_lt_and_generate),
		cmocka_unit_test(test_value_count),
		cmocka_unit_test(test_temporal),
		cmocka_unit_test(test_temporal_ordered),
		cmocka_unit_test(test_same_event_order),
		cmocka_unit_test(test_chained_and_aliases),
		cmocka_unit_test(test_value_sum_avg),
		cmocka_unit_test(test_value_percentile),
		cmocka_unit_test(test_state_bounded),
		cmocka_unit_test(test_rejects),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	wh_event_release(&ev);
	wh_arena_release(&arena);
	return rc;
}
