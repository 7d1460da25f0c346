/*
 * test_emit.c: the output helpers that work 16 bytes at a time (JSON
 * escaping, the CSV quoting decision and quoted form) give what a plain
 * byte-by-byte version of their rules gives, on strings of every length
 * around the block size with escapes at every place: at block ends, in the
 * last bytes, in UTF-8 sequences cut short or invalid. Each output buffer
 * is exactly the documented room, so a write past it is caught under ASan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/emit.h"
#include "util/utf8.h"

/* JSON escaping by its rules, one byte (or UTF-8 sequence) at a time. */
static size_t ref_json(char *o, const unsigned char *p, size_t n)
{
	size_t k = 0;
	o[k++] = '"';
	for (size_t i = 0; i < n;) {
		unsigned c = p[i];
		if (c >= 0x80) {
			int l = wh_utf8_seq(p + i, n - i);
			if (l > 0) {
				memcpy(o + k, p + i, (size_t)l);
				k += (size_t)l;
				i += (size_t)l;
			} else {
				memcpy(o + k, "\\ufffd", 6);
				k += 6;
				i++;
			}
			continue;
		}
		i++;
		switch (c) {
		case '"': memcpy(o + k, "\\\"", 2); k += 2; break;
		case '\\': memcpy(o + k, "\\\\", 2); k += 2; break;
		case '\n': memcpy(o + k, "\\n", 2); k += 2; break;
		case '\r': memcpy(o + k, "\\r", 2); k += 2; break;
		case '\t': memcpy(o + k, "\\t", 2); k += 2; break;
		default:
			if (c < 0x20)
				k += (size_t)snprintf(o + k, 7, "\\u%04x", c);
			else
				o[k++] = (char)c;
		}
	}
	o[k++] = '"';
	return k;
}

static bool ref_needs_quotes(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] == ',' || p[i] == '"' || p[i] == '\n' || p[i] == '\r')
			return true;
	return false;
}

static size_t ref_quoted(char *o, const unsigned char *p, size_t n)
{
	size_t k = 0;
	o[k++] = '"';
	for (size_t i = 0; i < n; i++) {
		o[k++] = (char)p[i];
		if (p[i] == '"')
			o[k++] = '"';
	}
	o[k++] = '"';
	return k;
}

/* Bytes that matter to the writers, often; plain letters otherwise. */
static unsigned char pick(unsigned *seed)
{
	static const unsigned char special[] = { '"', '\\', '\n', '\r', '\t', 0x01, 0x1f, ',', 0x7f,
						 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80,
						 0xff, 0xc0, 0x80, 0xed, 0xa0 };
	*seed = *seed * 1103515245u + 12345u;
	unsigned r = (*seed >> 16) & 0x7fff;
	if (r % 4 == 0)
		return special[(r / 4) % sizeof(special)];
	return (unsigned char)('a' + r % 26);
}

static void check_one(const unsigned char *s, size_t n)
{
	char *want = malloc(6 * n + 2), *got = malloc(6 * n + 2);
	assert_non_null(want);
	assert_non_null(got);
	size_t wl = ref_json(want, s, n), gl = wh_json_escape(got, (const char *)s, n);
	assert_int_equal(gl, wl);
	assert_memory_equal(got, want, wl);
	free(want);
	free(got);

	bool q = ref_needs_quotes(s, n);
	assert_int_equal(wh_csv_needs_quotes((const char *)s, n), q);
	want = malloc(2 * n + 2);
	got = malloc(2 * n + 2);
	assert_non_null(want);
	assert_non_null(got);
	wl = q ? ref_quoted(want, s, n) : n;
	if (!q && n)
		memcpy(want, s, n);
	gl = wh_csv_field(got, (const char *)s, n);
	assert_int_equal(gl, wl);
	assert_memory_equal(got, want, wl);
	free(want);
	free(got);
}

static void test_random_strings(void **st)
{
	(void)st;
	unsigned seed = 42;
	for (size_t n = 0; n <= 70; n++) {
		for (int round = 0; round < 300; round++) {
			/* the string alone in its allocation: a read past it is caught */
			unsigned char *s = malloc(n ? n : 1);
			assert_non_null(s);
			for (size_t i = 0; i < n; i++)
				s[i] = pick(&seed);
			check_one(s, n);
			free(s);
		}
	}
}

/* One byte to escape at each place of a plain string. */
static void test_each_place(void **st)
{
	(void)st;
	static const unsigned char one[] = { '"', '\\', '\n', 0x02, ',', 0xc3, 0xff };
	for (size_t n = 1; n <= 48; n++)
		for (size_t at = 0; at < n; at++)
			for (size_t k = 0; k < sizeof(one); k++) {
				unsigned char *s = malloc(n);
				assert_non_null(s);
				memset(s, 'x', n);
				s[at] = one[k];
				check_one(s, n);
				free(s);
			}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_strings),
		cmocka_unit_test(test_each_place),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
