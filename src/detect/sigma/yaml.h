/*
 * yaml.h: a small read-only YAML tree, built with libyaml, for Sigma rules
 * and whitehawk's own data files (the logsource mapping, placeholders).
 *
 * Parsing is pure: a buffer in, a tree out, no I/O, so the fuzzer can drive
 * it. Every node remembers its line, so a rule can be reported with the line
 * of the part that is wrong. A document of several YAML documents (`---`)
 * gives several trees. Anchors and aliases are kept as shared subtrees, never
 * copied, and their number is capped, so a "billion laughs" file cannot make
 * the tree grow beyond its text.
 *
 * Limits: WH_YAML_MAX_NODES nodes per file, WH_YAML_MAX_DEPTH levels. A
 * file past them is an error, like a syntax error.
 */
#ifndef WH_SIGMA_YAML_H
#define WH_SIGMA_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

#define WH_YAML_MAX_NODES 500000
#define WH_YAML_MAX_DEPTH 64
#define WH_YAML_MAX_ALIASES 1024

enum wh_ytype { WH_Y_SCALAR, WH_Y_SEQ, WH_Y_MAP };

struct wh_ynode {
	uint8_t type;          /* enum wh_ytype */
	bool plain;            /* a plain (unquoted) scalar: may be null, a bool or a number */
	uint32_t line;         /* 1-based */
	uint32_t n;            /* SEQ: items; MAP: pairs */
	size_t len;            /* SCALAR: bytes in s */
	const char *s;         /* SCALAR: NUL-terminated text */
	struct wh_ynode **kids; /* SEQ: n items; MAP: key, value, key, value ... (2n) */
};

struct wh_yfile {
	struct wh_ynode **docs;  /* root of each document; NULL for an empty document */
	uint32_t *doc_line;      /* first line of each document */
	uint32_t ndocs;
	struct wh_arena arena;
	char err[200];           /* the first error, when parsing failed */
	uint32_t err_line;
};

/* Returns 0, or -1 with err and err_line set. The documents before an error
 * are kept. Release with wh_yaml_release() in both cases. */
int wh_yaml_parse(struct wh_yfile *f, const char *buf, size_t len);
void wh_yaml_release(struct wh_yfile *f);

/* The value of `key` in a map (the last one when a key repeats), or NULL. */
const struct wh_ynode *wh_ymap_get(const struct wh_ynode *map, const char *key);
/* A plain scalar that means null: empty, "~", "null". */
bool wh_ynode_is_null(const struct wh_ynode *n);
/* A plain scalar that is true/false; *v receives it. */
bool wh_ynode_bool(const struct wh_ynode *n, bool *v);
/* A plain scalar that is an integer (decimal, 0x hex, 0o octal); *v receives it. */
bool wh_ynode_int(const struct wh_ynode *n, int64_t *v);
/* A plain scalar that is a float (and not an integer). */
bool wh_ynode_float(const struct wh_ynode *n, double *v);
/* A scalar's text, or NULL for another node type. */
static inline const char *wh_ynode_str(const struct wh_ynode *n)
{
	return n && n->type == WH_Y_SCALAR ? n->s : NULL;
}

#endif
