/*
 * timeline.h: lines of output written in time order, in bounded memory.
 *
 * A command that reports hits as a timeline cannot write them as they come
 * (the inputs are not in time order as a whole) and must not keep them all
 * (memory would grow with the input). A timeline keeps the rendered lines
 * (or compact records) of its entries up to a memory cap; past it, it sorts what it holds and
 * spills it to a temporary file as a sorted run, and at the end merges the
 * runs. Order: time (unknown first), then host, then id (byte order), then
 * the order of arrival.
 */
#ifndef WH_TIMELINE_H
#define WH_TIMELINE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct wh_timeline;

/* mem_cap: bytes of entries kept before a run is spilled (at least 64 KiB
 * is used). */
struct wh_timeline *wh_timeline_new(size_t mem_cap);
void wh_timeline_free(struct wh_timeline *t);

/* One entry: its sort key and its text (copied). Returns 0, or -1 when a
 * run could not be spilled (reported; the entry is lost). */
int wh_timeline_add(struct wh_timeline *t, int64_t time, const char *host, const char *id, const char *text,
		    size_t len);

/* The same with the lengths of host and id given, and the text written in
 * place: returns room for len bytes, which the caller fills before the
 * next call, or NULL (as -1 above). */
char *wh_timeline_alloc(struct wh_timeline *t, int64_t time, const char *host, size_t hl, const char *id, size_t il,
			size_t len);

/* Write every entry's text in order; the timeline is empty afterwards.
 * Returns 0, or -1 when a spilled run could not be read back (reported). */
int wh_timeline_write(struct wh_timeline *t, FILE *out);

/* The same, handing each entry's time and bytes to fn instead: an entry
 * may be a compact record that fn renders only now. The bytes are valid
 * during the call. */
typedef void (*wh_timeline_fn)(int64_t time, const char *text, size_t len, void *arg);
int wh_timeline_each(struct wh_timeline *t, wh_timeline_fn fn, void *arg);

/* Entries added so far; runs spilled so far. */
uint64_t wh_timeline_count(const struct wh_timeline *t);
uint32_t wh_timeline_runs(const struct wh_timeline *t);

#endif
