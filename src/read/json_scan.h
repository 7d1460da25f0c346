/*
 * json_scan.h: a validating JSON scanner that flattens one document into
 * leaves, without copying and without touching the buffer.
 *
 * The scanner records spans: every scalar leaf with its key and the object
 * or array it sits in. It writes nothing, so when a document is cut short at
 * the end of the buffer (WH_JSON_MORE) the caller can read more and scan the
 * same bytes again. wh_json_materialize() then NUL-terminates and unescapes
 * strings in place (an unescaped string is never longer than its source).
 *
 * It is pure: a buffer in, spans out, no I/O; fuzz/fuzz_json.c drives it.
 */
#ifndef WH_JSON_SCAN_H
#define WH_JSON_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

#define WH_JSON_MAX_DEPTH 64

enum wh_json_type { WH_JT_STRING = 's', WH_JT_NUMBER = 'n', WH_JT_TRUE = 't', WH_JT_FALSE = 'f',
		    WH_JT_NULL = 'z' };

/* A container: an object or an array, with the key it hangs under. */
struct wh_jnode {
	uint32_t key_off, key_len;  /* span of the key, inside the quotes; len 0 at the top */
	int32_t parent;             /* index of the enclosing node, -1 for the top */
	uint8_t key_esc;            /* the key has escapes */
	uint8_t is_array;
	const char *key;            /* set by wh_json_materialize; "" (key_len 0) for array elements */
	const char *path;           /* dotted path, built by wh_json_node_path() */
	uint32_t path_len;
};

/* A scalar leaf. Elements of an array take the array's key: their own
 * key is "" with key_len 0 once materialised (wh_json_leaf_name gives the
 * array's). */
struct wh_jleaf {
	uint32_t key_off, key_len;
	uint32_t val_off, val_len;  /* strings: inside the quotes */
	int32_t node;               /* the container it sits in */
	uint8_t type;               /* enum wh_json_type */
	uint8_t key_esc, val_esc;
	/* set by wh_json_materialize */
	const char *key, *val;
};

struct wh_jdoc {
	struct wh_jnode *nodes;
	struct wh_jleaf *leaves;
	uint32_t nnodes, nodecap, nleaves, leafcap;
};

enum { WH_JSON_OK = 0, WH_JSON_MORE = 1, WH_JSON_ERR = -1 };

/*
 * Scan one value (an object or an array) starting at buf[start], which must
 * not be whitespace. On WH_JSON_OK, *end is the index after the value. On
 * WH_JSON_ERR, *err_at is the offending index and *err a message.
 */
int wh_json_scan(const char *buf, size_t len, size_t start, struct wh_jdoc *d, size_t *end,
		 size_t *err_at, const char **err);

/* NUL-terminate and unescape keys, strings and numbers in place (the byte
 * after a number is a delimiter the scan no longer needs, so the document's
 * last byte may become a NUL); true, false and null become constant strings.
 * Call only after WH_JSON_OK. The arena is not used at present. */
void wh_json_materialize(char *buf, struct wh_jdoc *d, struct wh_arena *a);

/* The dotted path of a node ("winlog.event_data"), built in the arena on first
 * use. Arrays are transparent: an element has its array's path. */
const char *wh_json_node_path(struct wh_jdoc *d, int32_t node, struct wh_arena *a, uint32_t *len);
/* The dotted name of a leaf: "winlog.event_data.Image"; array elements take the array's name. */
const char *wh_json_leaf_name(struct wh_jdoc *d, struct wh_jleaf *l, struct wh_arena *a,
			      uint32_t *len);

void wh_jdoc_release(struct wh_jdoc *d);

/* Decode \-escapes of a JSON string body in place; returns the new length.
 * Invalid surrogates become U+FFFD. The scanner has checked the syntax. */
size_t wh_json_unescape(char *s, size_t n);

#endif
