/*
 * wtime.h: timestamps. Every time in whitehawk is int64_t nanoseconds since
 * 1970-01-01T00:00:00Z (UTC), which covers the years 1678 to 2261.
 * WH_TIME_NONE marks an event whose time is unknown.
 */
#ifndef WH_WTIME_H
#define WH_WTIME_H

#include <stddef.h>
#include <stdint.h>

#define WH_TIME_NONE INT64_MIN
#define WH_NS_PER_SEC 1000000000LL

/* Days from 1970-01-01 to the given proleptic Gregorian date. */
int64_t wh_days_from_civil(int64_t y, unsigned m, unsigned d);
void wh_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

/*
 * Parse a timestamp written as text. Accepted:
 *   ISO 8601 / RFC 3339: 2020-10-19T12:28:44.333Z, "2020-10-19 12:28:44.333",
 *     any number of fraction digits (kept to the nanosecond), a zone of Z,
 *     +hh:mm, +hhmm or +hh, or none (taken as UTC, as Sysmon's UtcTime is);
 *     a date alone (midnight UTC);
 *   epoch seconds with an optional fraction: 1604996384.965.
 * Returns 0 and sets *ns, or -1 when s is not a time.
 */
int wh_time_parse(const char *s, size_t n, int64_t *ns);

/* Windows FILETIME: 100 ns intervals since 1601-01-01. */
int64_t wh_time_from_filetime(uint64_t ft);
/* Windows SYSTEMTIME fields; returns WH_TIME_NONE when out of range. */
int64_t wh_time_from_systemtime(unsigned year, unsigned month, unsigned day, unsigned hour,
				unsigned min, unsigned sec, unsigned msec);

/* RFC 3339 in UTC with `digits` fraction digits (0, 3, 6 or 9); buf holds 40 bytes. */
#define WH_TIME_BUFSZ 40
char *wh_time_format(int64_t ns, int digits, char buf[WH_TIME_BUFSZ]);

#endif
