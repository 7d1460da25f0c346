/*
 * jsonl.h: one line of flat JSON (an object of strings, numbers, true,
 * false and null) split into its fields, for evtxgen --from-jsonl.
 *
 * Pure: a buffer in, fields out, no I/O. Strict JSON grammar: a line that
 * is not one flat object (nested objects or arrays, invalid UTF-8, a raw
 * control character in a string, a bad escape or number, text after the
 * object) is refused with a message. Escapes are decoded as whitehawk's
 * JSON reader decodes them (src/read/json_scan.c), so both sides of a
 * comparison see the same text: \uXXXX and surrogate pairs to UTF-8, a
 * lone surrogate and \u0000 to U+FFFD. Numbers keep their JSON text.
 *
 * Not whitehawk's own scanner on purpose: tests/e2e/evtx-jsonl.sh compares
 * that JSON reader with the EVTX reader on the files this tool writes, and
 * a fault of the scanner would reach both sides through the tool and hide.
 */
#ifndef JSONL_H
#define JSONL_H

#include <stdbool.h>
#include <stddef.h>

#define JSONL_MAX_FIELDS 1024

enum jsonl_kind { JSONL_STRING, JSONL_NUMBER, JSONL_TRUE, JSONL_FALSE, JSONL_NULL };

struct jsonl_field {
	const char *key;       /* NUL-terminated, UTF-8 */
	const char *val;       /* NUL-terminated; "true", "false", "" for null */
	enum jsonl_kind kind;
};

/*
 * Parse line[0..len) (no line end). Decoded keys and values are written to
 * scratch, which needs len + 1 bytes (decoded text is never longer than its
 * JSON form). Returns the number of fields (at most JSONL_MAX_FIELDS), or
 * -1 with *err set to a static message and *err_at to the byte offset in
 * the line where the fault lies.
 */
int jsonl_parse(const char *line, size_t len, char *scratch, struct jsonl_field *out, const char **err,
		size_t *err_at);

#endif
