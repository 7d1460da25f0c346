/*
 * scan.h: from the paths a user gives to a stream of events.
 *
 * Paths are files or folders (walked recursively, in name order). gzip,
 * bzip2, xz and zstd files, and zip, tar and 7z archives are opened with
 * libarchive and their members read as inputs of their own, nested up to
 * WH_SCAN_MAX_NEST deep. Each input is sniffed and given to the best reader.
 * Inputs no reader claims are "passed over" and named in the summary; inputs
 * that cannot be read are errors, reported, and the scan goes on.
 */
#ifndef WH_SCAN_H
#define WH_SCAN_H

#include <stdio.h>

#include "read/reader.h"

#define WH_SCAN_MAX_NEST 3

/* Called for every event; return nonzero to stop the scan. */
typedef int (*wh_scan_fn)(struct wh_event *ev, void *arg);

/*
 * Optional: called for each input once its reader is chosen, before the
 * reader opens it, so an analysis can read a format below the event level
 * (flows and recon take the packets of captures). Return 1 when it read
 * the input itself (*records: how many records it took, for the summary),
 * 0 to let the reader turn it into events as usual, -1 when the input
 * could not be read (already reported).
 */
typedef int (*wh_scan_take_fn)(const struct wh_reader *r, struct wh_input *in, void *arg,
			       uint64_t *records);

struct wh_scan_format_count {
	const char *format;
	uint64_t inputs, events;
};

struct wh_scan {
	/* Set by the caller */
	struct wh_read_opts opts;
	const struct wh_reader *force;  /* --format: skip sniffing */
	wh_scan_fn fn;
	void *arg;
	wh_scan_take_fn take_input;     /* NULL: every input becomes events */
	uint64_t max_ratio;             /* a member expanding more than this many times is a bomb */
	/* Results */
	uint64_t inputs;                /* inputs given to a reader */
	uint64_t events;
	uint64_t unreadable;            /* inputs that could not be opened or read to the end */
	char **passed;                  /* "name (reason)" of inputs passed over */
	size_t npassed, passed_cap;
	struct wh_scan_format_count formats[16];
	bool stopped;
};

void wh_scan_init(struct wh_scan *s, wh_scan_fn fn, void *arg);
void wh_scan_release(struct wh_scan *s);
/* Returns 0, or -1 when some input could not be read (the rest was still read). */
int wh_scan_paths(struct wh_scan *s, char *const *paths, int n);
/* "read 3 inputs (json 2, evtx 1): 1200 events, 2 records skipped; passed over: ..." */
void wh_scan_summary(const struct wh_scan *s, FILE *out);

#endif
