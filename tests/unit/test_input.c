/* Unit tests for src/read/input.c: line splitting and its hard cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "memread.h"
#include "read/reader.h"
#include "util/diag.h"
#include "util/xalloc.h"

/* Lines: "a", then one of `big` bytes of 'x', then "b", without a final newline. */
static char *make(size_t big, size_t *len)
{
	*len = 2 + big + 1 + 1;
	char *s = wh_xmalloc(*len);
	memcpy(s, "a\n", 2);
	memset(s + 2, 'x', big);
	s[2 + big] = '\n';
	s[3 + big] = 'b';
	return s;
}

static void run(size_t big, size_t chunk, bool want_big)
{
	size_t len;
	char *s = make(big, &len);
	struct memsrc m = { s, len, 0, chunk };
	struct wh_input in = { .name = "mem", .fd = -1, .raw_read = memsrc_read, .raw = &m };
	struct wh_lines l;
	wh_lines_init(&l, &in);
	uint64_t bad0 = wh_diag.bad_records;
	char *line;
	size_t n;
	uint64_t off;
	assert_int_equal(wh_lines_next(&l, &line, &n, &off), 1);
	assert_string_equal(line, "a");
	assert_int_equal(off, 0);
	if (want_big) {
		assert_int_equal(wh_lines_next(&l, &line, &n, &off), 1);
		assert_int_equal(n, big);
		assert_int_equal(off, 2);
		assert_int_equal(wh_diag.bad_records, bad0);
	}
	assert_int_equal(wh_lines_next(&l, &line, &n, &off), 1);
	assert_string_equal(line, "b");
	assert_int_equal(off, 2 + big + 1);
	assert_int_equal(wh_lines_next(&l, &line, &n, &off), 0);
	if (!want_big)
		assert_int_equal(wh_diag.bad_records, bad0 + 1);
	/* the buffer never grew past one record and its newline */
	assert_true(l.cap <= WH_MAX_RECORD + 1);
	wh_lines_release(&l);
	free(s);
}

static void line_at_the_cap_is_kept(void **state)
{
	(void)state;
	run(WH_MAX_RECORD, 0, true);
	run(WH_MAX_RECORD, 100000, true);
}

static void line_past_the_cap_is_skipped(void **state)
{
	(void)state;
	wh_diag.quiet = true;
	run(WH_MAX_RECORD + 1, 0, false);
	run(WH_MAX_RECORD + 4096, 65536, false);
	run(3 * WH_MAX_RECORD, 0, false);
	wh_diag.quiet = false;
}

static void crlf_and_empty_lines(void **state)
{
	(void)state;
	const char *s = "one\r\n\r\ntwo\n";
	struct memsrc m = { s, strlen(s), 0, 1 };
	struct wh_input in = { .name = "mem", .fd = -1, .raw_read = memsrc_read, .raw = &m };
	struct wh_lines l;
	wh_lines_init(&l, &in);
	char *line;
	size_t n;
	uint64_t off;
	assert_int_equal(wh_lines_next(&l, &line, &n, &off), 1);
	assert_string_equal(line, "one");
	assert_int_equal(wh_lines_next(&l, &line, &n, &off), 1);
	assert_int_equal(n, 0);
	assert_int_equal(off, 5);
	assert_int_equal(wh_lines_next(&l, &line, &n, &off), 1);
	assert_string_equal(line, "two");
	assert_int_equal(wh_lines_next(&l, &line, &n, &off), 0);
	assert_int_equal(l.lineno, 3);
	wh_lines_release(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(line_at_the_cap_is_kept),
		cmocka_unit_test(line_past_the_cap_is_skipped),
		cmocka_unit_test(crlf_and_empty_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
