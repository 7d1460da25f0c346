/*
 * evtx_parse.h: the EVTX format, from bytes to events, without any I/O.
 *
 * An EVTX file is a 4 KiB file header followed by 64 KiB chunks. Each chunk
 * holds records; a record holds one event as binary XML (BinXML), nearly
 * always an instance of a template defined once in the chunk plus the
 * instance's substitution values.
 *
 * The parser compiles every template once per file (keyed by its GUID and
 * a hash of its definition, and by where it is inserted): the compiled form
 * is the list of fields it yields, each a name and the pieces of its value
 * (literal text and substitution numbers). An instance then costs only the
 * formatting of its values, straight from the chunk bytes.
 *
 * Field names follow docs/input-formats.md: System child elements by name,
 * their attributes as Element_Attribute, EventData Data by its Name
 * attribute (or "Data"), UserData leaf elements by name; RenderingInfo is
 * dropped.
 *
 * A parser (struct wh_evtx_parser) belongs to one thread; a file read with
 * several threads has one per thread. Results go to a struct wh_evtx_out,
 * which owns every string of the events it holds until it is reset. Every
 * size and offset read from the input is checked before use; nesting is
 * bounded; broken records are described in out->errs and skipped.
 */
#ifndef WH_EVTX_PARSE_H
#define WH_EVTX_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/event.h"
#include "util/arena.h"

#define WH_EVTX_FILE_HEADER_SIZE 4096u
#define WH_EVTX_CHUNK_SIZE 65536u
#define WH_EVTX_CHUNK_HEADER_SIZE 512u     /* header, string table, template table */
#define WH_EVTX_RECORD_MIN 28u              /* header and size copy, no BinXML */

struct wh_evtx_file_header {
	uint64_t first_chunk, last_chunk, next_record;
	uint32_t header_size;
	uint16_t minor, major, block_size, chunk_count;
	uint32_t flags;             /* 1: dirty (not closed cleanly), 2: full */
	bool crc_ok;
};

/* 0 and *h filled when b starts with "ElfFile\0" and holds 128 bytes; else -1. */
int wh_evtx_file_header_parse(const unsigned char *b, size_t n, struct wh_evtx_file_header *h);

enum wh_evtx_chunk_status {
	WH_EVTX_CHUNK_OK,
	WH_EVTX_CHUNK_UNUSED,         /* all zero: space the log has not used yet */
	WH_EVTX_CHUNK_BAD_MAGIC,
	WH_EVTX_CHUNK_BAD_HEADER,     /* offsets outside the chunk */
	WH_EVTX_CHUNK_BAD_HEADER_CRC,
	WH_EVTX_CHUNK_BAD_DATA_CRC,
};

struct wh_evtx_chunk_header {
	uint64_t first_number, last_number, first_id, last_id;
	uint32_t header_size, last_record_off, free_off, data_crc, flags, header_crc;
};

/* Check a whole chunk (n == WH_EVTX_CHUNK_SIZE) and read its header. */
enum wh_evtx_chunk_status wh_evtx_chunk_check(const unsigned char *c, size_t n,
					      struct wh_evtx_chunk_header *h);
const char *wh_evtx_chunk_status_str(enum wh_evtx_chunk_status s);

/* One event of a chunk. Its fields are out->fields[first .. first + nfields). */
struct wh_evtx_rec {
	uint64_t offset;          /* in the chunk; the reader adds the chunk's place in the file */
	uint64_t record;          /* record identifier (EventRecordID) */
	int64_t time;             /* UtcTime, else TimeCreated, else the record's write time */
	int32_t event_id;
	const char *host, *channel, *provider;
	uint32_t first, nfields;
	bool truncated;           /* fields dropped at WH_EVENT_MAX_FIELDS */
	bool carved;              /* found in slack space */
};

struct wh_evtx_err {
	uint64_t offset;          /* in the chunk */
	char msg[120];
};

struct wh_evtx_text_block;

/* Events of one chunk with their fields and text. Reset between chunks. */
struct wh_evtx_out {
	struct wh_evtx_rec *recs;
	size_t nrecs, rcap;
	struct wh_field *fields;
	size_t nfields, fcap;
	struct wh_evtx_err *errs;
	size_t nerrs, ecap;
	uint64_t errs_dropped;    /* errors past the cap: still counted */
	/* Text of names and values, in blocks that never move. */
	struct wh_evtx_text_block *blocks, *cur;
	char *tp, *tend;
	size_t text_bytes, text_cap;
	/* Templates compiled while the parser's cache was full live here. */
	struct wh_arena spill;
};

/* text_cap: the most text bytes the out may hold (a record past it is skipped). */
void wh_evtx_out_init(struct wh_evtx_out *o, size_t text_cap);
void wh_evtx_out_reset(struct wh_evtx_out *o);
void wh_evtx_out_release(struct wh_evtx_out *o);

struct wh_evtx_parser;

/* cache_cap: the most bytes of compiled templates to keep for the file. */
struct wh_evtx_parser *wh_evtx_parser_new(size_t cache_cap);
void wh_evtx_parser_free(struct wh_evtx_parser *p);

/*
 * Parse the records of a chunk (n bytes, normally WH_EVTX_CHUNK_SIZE) into
 * out: from offset 512 up to the header's free-space offset, as the header
 * says. With `carve`, also look for records in the slack space after it.
 * Returns the number of records added.
 */
size_t wh_evtx_parse_chunk(struct wh_evtx_parser *p, const unsigned char *c, size_t n,
			   bool carve, struct wh_evtx_out *out);

/*
 * Recover what records can be recovered from a damaged block (bad magic,
 * header or CRC): scan it for record signatures whose size and trailing
 * size copy agree, and parse those. Template definitions the records point
 * to are read from the same block when they are intact there.
 */
size_t wh_evtx_carve_block(struct wh_evtx_parser *p, const unsigned char *c, size_t n,
			   struct wh_evtx_out *out);

#endif
