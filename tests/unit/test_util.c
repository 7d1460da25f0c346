/* Unit tests for src/util: arena, sbuf, hash, numbers, time, path classes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "util/arena.h"
#include "util/hash.h"
#include "util/num.h"
#include "util/pathclass.h"
#include "util/sbuf.h"
#include "util/wtime.h"

static void arena_basics(void **state)
{
	(void)state;
	struct wh_arena a;
	wh_arena_init(&a, 128, 0);
	char *s = wh_arena_strdup(&a, "hello");
	assert_string_equal(s, "hello");
	assert_int_equal((uintptr_t)wh_arena_alloc(&a, 3) % 16, 0);
	/* larger than a chunk */
	char *big = wh_arena_alloc(&a, 1000);
	assert_non_null(big);
	memset(big, 'x', 1000);
	assert_string_equal(s, "hello");
	wh_arena_reset(&a);
	assert_int_equal(a.used, 0);
	wh_arena_release(&a);
}

static void arena_cap(void **state)
{
	(void)state;
	struct wh_arena a;
	wh_arena_init(&a, 64, 256);
	assert_non_null(wh_arena_alloc(&a, 200));
	assert_null(wh_arena_alloc(&a, 100));
	wh_arena_reset(&a);
	assert_non_null(wh_arena_alloc(&a, 100));
	wh_arena_release(&a);
}

static void sbuf_cap(void **state)
{
	(void)state;
	struct wh_sbuf sb = WH_SBUF_INIT(10);
	assert_int_equal(wh_sbuf_addstr(&sb, "12345"), 0);
	assert_int_equal(wh_sbuf_addf(&sb, "%d", 678), 0);
	assert_string_equal(wh_sbuf_str(&sb), "12345678");
	assert_int_equal(wh_sbuf_addstr(&sb, "abc"), -1);
	assert_true(sb.overflow);
	assert_string_equal(wh_sbuf_str(&sb), "12345678");
	assert_int_equal(wh_sbuf_addstr(&sb, "ab"), 0);
	assert_int_equal(sb.len, 10);
	wh_sbuf_release(&sb);
}

static void intern_same_pointer(void **state)
{
	(void)state;
	struct wh_intern t;
	wh_intern_init(&t, true);
	const char *a = wh_intern_str(&t, "WS-FIN-07");
	const char *b = wh_intern_str(&t, "ws-fin-07");
	assert_ptr_equal(a, b);
	for (int i = 0; i < 1000; i++) {
		char buf[32];
		snprintf(buf, sizeof buf, "host%d", i);
		wh_intern_str(&t, buf);
	}
	assert_ptr_equal(wh_intern_str(&t, "WS-FIN-07"), a);
	assert_int_equal(t.map.count, 1001);
	wh_intern_release(&t);
}

static void numbers(void **state)
{
	(void)state;
	long long v;
	const char *err;
	assert_int_equal(wh_parse_num("42", 0, 100, &v, &err), 0);
	assert_int_equal(v, 42);
	assert_int_equal(wh_parse_num("420", 0, 100, &v, &err), -1);
	assert_string_equal(err, "too large");
	assert_int_equal(wh_parse_num("4x", 0, 100, &v, &err), -1);
	assert_string_equal(err, "invalid");
	uint64_t u;
	assert_true(wh_parse_u64("0x1A2b", 6, &u));
	assert_int_equal(u, 0x1a2b);
	assert_false(wh_parse_u64("18446744073709551616", 20, &u));
	assert_true(wh_parse_u64("18446744073709551615", 20, &u));
	int64_t i;
	assert_true(wh_parse_i64("-17", 3, &i));
	assert_int_equal(i, -17);
}

static int64_t t(const char *s)
{
	int64_t ns;
	if (wh_time_parse(s, strlen(s), &ns) < 0)
		return WH_TIME_NONE;
	return ns;
}

static void time_parse(void **state)
{
	(void)state;
	/* 2020-10-19T12:28:44Z = 1603110524 */
	assert_int_equal(t("2020-10-19T12:28:44Z"), 1603110524LL * WH_NS_PER_SEC);
	assert_int_equal(t("2020-10-19 12:28:44.333"), 1603110524333000000LL);
	assert_int_equal(t("2020-10-19T12:28:44.1234567Z"), 1603110524123456700LL);
	assert_int_equal(t("2020-10-19T12:28:44.123456789123Z"), 1603110524123456789LL);
	assert_int_equal(t("2020-10-19T21:28:44+09:00"), 1603110524LL * WH_NS_PER_SEC);
	assert_int_equal(t("2020-10-19T07:28:44-0500"), 1603110524LL * WH_NS_PER_SEC);
	assert_int_equal(t("1603110524.5"), 1603110524500000000LL);
	assert_int_equal(t("1603110524"), 1603110524LL * WH_NS_PER_SEC);
	assert_int_equal(t("2020-10-19"), 1603065600LL * WH_NS_PER_SEC);
	assert_int_equal(t("2020-02-30T00:00:00Z"), WH_TIME_NONE);
	assert_int_equal(t("2020-10-19T25:00:00Z"), WH_TIME_NONE);
	assert_int_equal(t("yesterday"), WH_TIME_NONE);
	assert_int_equal(t("2020-10-19T12:28"), 1603110480LL * WH_NS_PER_SEC);
	assert_int_equal(t(""), WH_TIME_NONE);
	/* FILETIME of 2020-10-19T12:28:44Z */
	assert_int_equal(wh_time_from_filetime(132475841240000000ULL), 1603110524LL * WH_NS_PER_SEC);
	assert_int_equal(wh_time_from_systemtime(2020, 10, 19, 12, 28, 44, 333), 1603110524333000000LL);
	assert_int_equal(wh_time_from_systemtime(2020, 13, 19, 12, 28, 44, 333), WH_TIME_NONE);
	char buf[WH_TIME_BUFSZ];
	assert_string_equal(wh_time_format(1603110524333000000LL, 3, buf), "2020-10-19T12:28:44.333Z");
	assert_string_equal(wh_time_format(-1, 9, buf), "1969-12-31T23:59:59.999999999Z");
	/* round trip across a range of dates */
	for (int64_t s = -2208988800LL; s < 4102444800LL; s += 86399 * 37) {
		wh_time_format(s * WH_NS_PER_SEC, 0, buf);
		assert_int_equal(t(buf), s * WH_NS_PER_SEC);
	}
}

static uint32_t pc(const char *p)
{
	return wh_path_class(p, strlen(p));
}

static void path_classes(void **state)
{
	(void)state;
	uint32_t f = pc("C:\\Users\\alice\\AppData\\Local\\Temp\\svchost.exe");
	assert_true(f & WH_PC_WINDOWS);
	assert_true(f & WH_PC_WIN_TEMP);
	assert_true(f & WH_PC_WIN_APPDATA);
	assert_true(f & WH_PC_WIN_USER);
	assert_false(f & WH_PC_WIN_SYSTEM);
	f = pc("c:\\windows\\system32\\svchost.exe");
	assert_true(f & WH_PC_WIN_SYSTEM);
	assert_false(f & WH_PC_SUSPICIOUS_EXEC);
	f = pc("C:\\Users\\bob\\Downloads\\invoice.pdf.exe");
	assert_true(f & WH_PC_WIN_DOWNLOADS);
	assert_true(pc("C:\\Program Files (x86)\\Adobe\\x.exe") & WH_PC_WIN_PROGRAMS);
	assert_true(pc("%LOCALAPPDATA%\\Temp\\svchost.exe") & WH_PC_WIN_TEMP);
	assert_true(pc("\\\\fileserver\\share\\x.exe") & WH_PC_NETWORK);
	assert_true(pc("C:\\a\\b\\c\\d\\e\\f\\g\\h\\i\\j\\x.exe") & WH_PC_DEEP);
	f = pc("/tmp/.x/payload");
	assert_true(f & WH_PC_LINUX);
	assert_true(f & WH_PC_LX_TMP);
	assert_true(f & WH_PC_LX_HIDDEN);
	assert_true(wh_path_outside_fhs_programs(f));
	f = pc("/usr/bin/python3");
	assert_true(f & WH_PC_LX_PROGRAMS);
	assert_false(wh_path_outside_fhs_programs(f));
	assert_true(pc("/dev/shm/x") & WH_PC_LX_TMP);
	assert_false(pc("/dev/shm/x") & WH_PC_LX_DEV);
	assert_true(pc("/usr/lib/x86_64-linux-gnu/libc.so.6") & WH_PC_LX_PROGRAMS);
	assert_true(pc("/home/u/.local/bin/x") & WH_PC_LX_HIDDEN);
	assert_false(pc("/home/u/../x") & WH_PC_LX_HIDDEN);
	assert_true(pc("/var/tmp/x") & WH_PC_LX_TMP);
	assert_false(pc("/var/tmp/x") & WH_PC_LX_VAR);
	assert_false(pc("/optional/x") & WH_PC_LX_PROGRAMS);
	assert_int_equal(pc(""), 0);
}

static uint32_t nt(const char *p)
{
	return wh_name_tricks(p, strlen(p));
}

static void name_tricks(void **state)
{
	(void)state;
	uint32_t f = nt("C:\\Users\\a\\Downloads\\invoice.pdf______________.exe");
	assert_true(f & WH_NT_EXECUTABLE);
	assert_true(f & WH_NT_DOUBLE_EXT);
	assert_true(f & WH_NT_PADDING);
	f = nt("report.docx.scr");
	assert_true(f & WH_NT_DOUBLE_EXT);
	assert_false(f & WH_NT_PADDING);
	assert_int_equal(nt("setup.exe"), WH_NT_EXECUTABLE);
	assert_int_equal(nt("notes.txt"), WH_NT_DOCUMENT);
	assert_false(nt("archive.tar.gz") & WH_NT_DOUBLE_EXT);
	assert_true(nt("photo\xe2\x80\xaegpj.exe") & WH_NT_RTLO);
	assert_int_equal(nt("noext"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(arena_basics),   cmocka_unit_test(arena_cap),
		cmocka_unit_test(sbuf_cap),       cmocka_unit_test(intern_same_pointer),
		cmocka_unit_test(numbers),        cmocka_unit_test(time_parse),
		cmocka_unit_test(path_classes),   cmocka_unit_test(name_tricks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
