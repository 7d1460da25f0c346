/*
 * test_timeline.c: the bounded-memory timeline gives the same order as
 * sorting everything in memory: with no spill, with a few runs, and with
 * more runs than it keeps open (they are folded), with equal keys kept in
 * arrival order, unknown times first, and empty texts; and whatever the
 * order of arrival: random, in time order with the entries of one time
 * shuffled (a log), in reverse, all at one time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "report/timeline.h"
#include "util/wtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct item {
	int64_t time;
	char host[16], id[16], text[64];
	size_t seq;
};

static int cmp_item(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	int c = strcmp(x->host, y->host);
	if (c)
		return c;
	c = strcmp(x->id, y->id);
	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

enum order { RANDOM, LOG, REVERSE, ONE_TIME };

static void check_order(size_t n, size_t cap, uint32_t min_runs, enum order order)
{
	struct item *v = calloc(n, sizeof(*v));
	struct wh_timeline *t = wh_timeline_new(cap);
	unsigned seed = 7;
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		/* few distinct keys, so that equal keys are common */
		v[i].time = (seed >> 8) % 50 == 0 ? WH_TIME_NONE : (int64_t)((seed >> 8) % 40);
		if (order == LOG)
			v[i].time = (int64_t)(i / 3);
		else if (order == REVERSE)
			v[i].time = (int64_t)((n - i) / 3);
		else if (order == ONE_TIME)
			v[i].time = 5;
		snprintf(v[i].host, sizeof(v[i].host), "h%u", (seed >> 16) % 3);
		snprintf(v[i].id, sizeof(v[i].id), "%s", (seed >> 20) % 2 ? "rule-b" : "rule-a");
		if (i % 97 == 0)
			v[i].text[0] = '\0';
		else
			snprintf(v[i].text, sizeof(v[i].text), "entry %zu %s\n", i, v[i].host);
		v[i].seq = i;
		assert_int_equal(wh_timeline_add(t, v[i].time, v[i].host, v[i].id, v[i].text, strlen(v[i].text)), 0);
	}
	assert_true(wh_timeline_runs(t) >= min_runs);
	assert_int_equal(wh_timeline_count(t), n);
	char *got = NULL;
	size_t glen = 0;
	FILE *o = open_memstream(&got, &glen);
	assert_int_equal(wh_timeline_write(t, o), 0);
	fclose(o);
	qsort(v, n, sizeof(*v), cmp_item);
	size_t wlen = 0;
	for (size_t i = 0; i < n; i++)
		wlen += strlen(v[i].text);
	char *want = malloc(wlen + 1), *p = want;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(v[i].text);
		memcpy(p, v[i].text, l);
		p += l;
	}
	assert_int_equal(glen, wlen);
	assert_memory_equal(got, want, wlen);
	/* written once: empty afterwards */
	free(got);
	o = open_memstream(&got, &glen);
	assert_int_equal(wh_timeline_write(t, o), 0);
	fclose(o);
	assert_int_equal(glen, 0);
	free(got);
	free(want);
	free(v);
	wh_timeline_free(t);
}

static void check(size_t n, size_t cap, uint32_t min_runs)
{
	check_order(n, cap, min_runs, RANDOM);
}

static void test_in_memory(void **st)
{
	(void)st;
	check(1000, 1u << 20, 0);
	for (size_t n = 0; n < 40; n++)
		check(n, 1u << 20, 0);
	check_order(5000, 1u << 20, 0, LOG);
	check_order(5000, 1u << 20, 0, REVERSE);
	check_order(5000, 1u << 20, 0, ONE_TIME);
	check_order(20000, 64u << 10, 3, LOG);
}

static void test_some_runs(void **st)
{
	(void)st;
	check(20000, 64u << 10, 3);
}

static void test_many_runs(void **st)
{
	(void)st;
	/* 64 KiB runs of about 2,700 entries: more than the 64 runs kept open */
	check(250000, 64u << 10, 65);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_memory),
		cmocka_unit_test(test_some_runs),
		cmocka_unit_test(test_many_runs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
