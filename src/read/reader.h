/*
 * reader.h: the seam between input formats and everything else.
 *
 * A reader turns one input (a file, or a member of an archive, already
 * decompressed) into a stream of struct wh_event. Readers are chosen by
 * sniffing the first bytes of the content, never the file name. To add a
 * format: write src/read/FORMAT.c with a `const struct wh_reader
 * wh_reader_FORMAT`, and list it in registry.c.
 *
 * Readers know nothing of detection or output. Bad records are reported
 * with wh_bad_record(source, offset, ...), counted, and skipped; next() goes
 * on with the rest of the input.
 */
#ifndef WH_READER_H
#define WH_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "model/event.h"

/* How many bytes of an input the sniffers see (fewer at a short input). */
#define WH_SNIFF_BYTES 65536

/* The largest single record (a JSON document, a line, an XML element). */
#define WH_MAX_RECORD (16u << 20)

struct wh_input;

/* Options every reader may consult. */
struct wh_read_opts {
	unsigned threads;   /* -j: worker threads a reader may use (1: none) */
	bool carve;         /* --carve: recover records from slack space (EVTX) */
};

struct wh_reader {
	/* Required. Short lowercase name: "json", "evtx", "auditd", ... */
	const char *name;
	/* Required. Look at the first bytes (at most WH_SNIFF_BYTES; all of a
	 * shorter input) and answer how sure the reader is that they are its
	 * format: 0 not mine, 100 certain. The highest score wins. */
	int (*sniff)(const unsigned char *buf, size_t len);
	/* Required. Start reading `in`; NULL when it cannot (already reported). */
	void *(*open)(struct wh_input *in, const struct wh_read_opts *opts);
	/* Required. Fill ev (already cleared; ev->source and ev->format are set
	 * by the caller) with the next record: 1 an event, 0 the end, -1 the rest
	 * of the input cannot be read (already reported). */
	int (*next)(void *state, struct wh_event *ev);
	/* Required. Free the state. */
	void (*close)(void *state);
};

/* The registry, in sniffing order; NULL-terminated. */
extern const struct wh_reader *const wh_readers[];
/* The best reader for these bytes, or NULL. */
const struct wh_reader *wh_reader_sniff(const unsigned char *buf, size_t len);
const struct wh_reader *wh_reader_by_name(const char *name);

/*
 * An input: a stream of bytes with a name for messages. Readers read it
 * sequentially with wh_input_read(). When the input is a plain regular file,
 * `fd` is its descriptor and `size` its size, so a reader may mmap it
 * instead (the sniffed bytes are then simply read again).
 */
struct wh_input {
	const char *name;          /* as in messages: "a/b.json", "x.zip:member.json" */
	int fd;                    /* a plain regular file, else -1 */
	uint64_t size;             /* bytes, when known; else 0 */
	/* Private to input.c */
	ssize_t (*raw_read)(struct wh_input *in, void *buf, size_t n);
	void *raw;
	unsigned char *head;       /* sniffed bytes not yet handed out */
	size_t head_len, head_pos;
	uint64_t pos;              /* bytes handed out so far */
};

/* Read up to n bytes: >0 bytes read, 0 the end, -1 an error (reported). */
ssize_t wh_input_read(struct wh_input *in, void *buf, size_t n);
/* Read exactly n bytes unless the input ends: returns the bytes read, or -1. */
ssize_t wh_input_read_full(struct wh_input *in, void *buf, size_t n);

/*
 * Line-by-line reading with a hard cap: lines longer than WH_MAX_RECORD are
 * reported and skipped. Returned lines exclude the newline (and a CR before
 * it) and stay valid until the next call.
 */
struct wh_lines {
	struct wh_input *in;
	char *buf;
	size_t cap, start, end;
	uint64_t base;     /* stream offset of buf[0] */
	uint64_t lineno;
	bool eof;
};
void wh_lines_init(struct wh_lines *l, struct wh_input *in);
void wh_lines_release(struct wh_lines *l);
/* 1 a line (*off is its byte offset), 0 the end, -1 a read error. */
int wh_lines_next(struct wh_lines *l, char **line, size_t *len, uint64_t *off);

#endif
