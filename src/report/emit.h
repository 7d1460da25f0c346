/*
 * emit.h: low-level output helpers shared by every writer: JSON strings,
 * CSV fields, timestamps. They write through stdio's unlocked calls, so
 * callers should give the stream a large buffer (wh_emit_buffer).
 */
#ifndef WH_EMIT_H
#define WH_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Give out a 1 MiB buffer; call before the first write. */
void wh_emit_buffer(FILE *out);
/* "..." with JSON escapes; invalid UTF-8 bytes become U+FFFD. */
void wh_emit_json_str(FILE *out, const char *s, size_t n);
/* The same into dst, which must have room for 6 * n + 2 bytes (every byte
 * may become \u00XX); returns the bytes written. For writers that build
 * whole lines themselves. */
size_t wh_json_escape(char *dst, const char *s, size_t n);
/* A CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF. */
void wh_emit_csv(FILE *out, const char *s, size_t n);
/* The same into dst, which must have room for 2 * n + 2 bytes; returns the
 * bytes written. */
size_t wh_csv_field(char *dst, const char *s, size_t n);
/* Whether a CSV field of these bytes is quoted; and the quoted form
 * (quotes doubled) into dst (room for 2 * n + 2). */
bool wh_csv_needs_quotes(const char *s, size_t n);
size_t wh_csv_quoted(char *dst, const char *s, size_t n);
/* Print a time as RFC 3339 UTC with 3, 6 or 9 fraction digits (as many as it
 * has), or "-" when unknown. */
void wh_emit_time(FILE *out, int64_t ns);
/* The same into buf, NUL-terminated; returns its length. */
#define WH_EMIT_TIME_BUFSZ 48
size_t wh_emit_time_str(int64_t ns, char buf[WH_EMIT_TIME_BUFSZ]);

static inline void wh_emit_lit(FILE *out, const char *s, size_t n)
{
	fwrite_unlocked(s, 1, n, out);
}
#define WH_EMIT_LIT(out, lit) wh_emit_lit((out), (lit), sizeof(lit) - 1)

#endif
