/*
 * csv.h: one line of a CSV or TSV file split into fields, for the intel
 * readers (feeds, range files). RFC 4180 quotes with "" escapes; spaces
 * before a field are skipped (ThreatFox writes ", " between fields) and
 * after an unquoted one trimmed. The split is done in place: fields are
 * NUL-terminated inside the line, so the line must be writable and the
 * byte after it may become a NUL.
 */
#ifndef WH_INTEL_CSV_H
#define WH_INTEL_CSV_H

#include <stddef.h>

#define WH_CSV_MAX_COLS 64

/* Splits s[0..n) at sep (',' or '\t'); fills at most WH_CSV_MAX_COLS fields and returns their count. */
size_t wh_csv_split(char *s, size_t n, char sep, char **f, size_t *fl);

#endif
