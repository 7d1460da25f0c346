/*
 * num.h: numbers from untrusted text, always with bounds (never atoi).
 */
#ifndef WH_NUM_H
#define WH_NUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whole string in [min, max], decimal; 0 or -1 with *errstr set ("invalid", "too small", "too large"). */
int wh_parse_num(const char *s, long long min, long long max, long long *out, const char **errstr);
/* Decimal, or hexadecimal with a 0x prefix, from n bytes; false unless all bytes are used. */
bool wh_parse_u64(const char *s, size_t n, uint64_t *out);
/* Signed decimal from n bytes. */
bool wh_parse_i64(const char *s, size_t n, int64_t *out);

#endif
