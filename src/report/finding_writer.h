/*
 * finding_writer.h: findings as a table for people, as CSV, or as JSON
 * lines (wh_finding_write_json). Every command that ends in findings can
 * print them through these, so they look the same everywhere.
 */
#ifndef WH_FINDING_WRITER_H
#define WH_FINDING_WRITER_H

#include <stdbool.h>
#include <stdio.h>

#include "model/finding.h"

enum wh_fmt { WH_FMT_TABLE = 0, WH_FMT_CSV, WH_FMT_JSON };

/* Start a listing: the CSV header row (nothing for the other formats). */
void wh_findings_begin(FILE *out, enum wh_fmt fmt);
/* One finding. explain: the table also prints the explanation. */
void wh_finding_write(FILE *out, enum wh_fmt fmt, const struct wh_finding *f, bool explain);
/* Every finding of l, with the CSV header first. */
void wh_findings_write(FILE *out, enum wh_fmt fmt, const struct wh_findings *l, bool explain);
/* The highest severity in l, or -1 when l is empty. */
int wh_findings_max_severity(const struct wh_findings *l);

#endif
