/*
 * jsonbench.h: what the driver (jsonbench.c) and the walkers (jb_NAME.c)
 * share. Each walker is linked into a binary of its own: jansson and json-c
 * export functions of the same names (json_object_iter_next ...), and in one
 * process the dynamic linker would hand one library the other's.
 */
#ifndef JSONBENCH_H
#define JSONBENCH_H

#include <stddef.h>
#include <stdint.h>

/* What a walk saw; equal across parsers when they did the same work. */
struct tally {
	uint64_t docs, scalars, bytes, failed;
};

struct line {
	size_t off, len;
};

struct jb_candidate {
	const char *name;
	/* Parse each line of buf as one document and visit every key and
	 * scalar; buf may be written to (it is a fresh copy each run). */
	void (*run)(char *buf, const struct line *lines, size_t nlines, struct tally *t);
};

/* Defined by the walker linked in. */
extern const struct jb_candidate jb_candidate;

#endif
