/*
 * evtxw.h: a small EVTX writer, ours, for tests and benchmarks.
 *
 * It writes what Windows writes: a 4 KiB file header, 64 KiB chunks with
 * checksums, records whose BinXML is a template instance (the template
 * defined inline at its first use in each chunk, names inline at their
 * first use and referenced by offset after), substitution values of every
 * type, nested BinXML values, and plain (template-less) records. It can
 * also damage what it writes, so tests can check how a reader copes.
 *
 * A template is written with the tpl_* calls as a list of tokens; a record
 * is a template plus its values. Everything is kept in memory per chunk.
 */
#ifndef EVTXW_H
#define EVTXW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum evtxw_tok { TK_OPEN, TK_ATTR, TK_TEXT, TK_SUB, TK_CLOSE_START, TK_CLOSE_EMPTY, TK_END };

struct evtxw_token {
	enum evtxw_tok kind;
	const char *name;      /* TK_OPEN, TK_ATTR */
	const char *text;      /* TK_TEXT */
	uint16_t sub;          /* TK_SUB */
	uint8_t type;          /* TK_SUB: declared type */
	bool optional;         /* TK_SUB: 0x0e rather than 0x0d */
	bool has_attrs;        /* TK_OPEN */
	bool more;             /* TK_ATTR: another attribute follows */
};

struct evtxw_tpl {
	unsigned char guid[16];
	uint32_t id;
	struct evtxw_token *toks;
	size_t ntoks, cap;
	int depth;             /* while building */
	int open_at[64];       /* token index of each open element */
};

/* A substitution value. For nested BinXML (type 0x21), tpl and vals. */
struct evtxw_val {
	uint8_t type;
	const unsigned char *data;
	uint32_t len;
	const struct evtxw_tpl *tpl;
	const struct evtxw_val *vals;
	size_t nvals;
};

enum evtxw_damage {
	EVTXW_BAD_MAGIC = 1,   /* chunk signature overwritten */
	EVTXW_BAD_CRC = 2,     /* a value byte changed after the checksum */
	EVTXW_SLACK = 4,       /* the last two records left past the free-space offset */
	EVTXW_BAD_RECORD = 8,  /* the second record's template offset broken */
};

struct evtxw_opts {
	bool no_dep_ids;       /* leave the element dependency ids out */
	bool plain;            /* records without templates (values written as text) */
};

struct evtxw;

struct evtxw *evtxw_open(FILE *f, const struct evtxw_opts *o);
/* Damage applied to chunk `index` when it is written (flags of enum evtxw_damage). */
void evtxw_damage(struct evtxw *w, unsigned index, unsigned flags);
/* Write one record; time is a FILETIME. Returns 0, or -1 when it cannot fit a chunk. */
int evtxw_record(struct evtxw *w, const struct evtxw_tpl *t, const struct evtxw_val *vals,
		 size_t nvals, uint64_t time);
/* Flush the last chunk and the header; dirty: header as a live log leaves it
 * (flag set, one chunk counted). Returns 0 or -1 on a write error. */
int evtxw_close(struct evtxw *w, bool dirty);
uint64_t evtxw_records(const struct evtxw *w);

/* Templates */
void tpl_init(struct evtxw_tpl *t, uint32_t id, const char *guid_text);
void tpl_release(struct evtxw_tpl *t);
void tpl_open(struct evtxw_tpl *t, const char *name);
void tpl_attr_text(struct evtxw_tpl *t, const char *name, const char *text);
void tpl_attr_sub(struct evtxw_tpl *t, const char *name, uint16_t sub, uint8_t type, bool optional);
void tpl_text(struct evtxw_tpl *t, const char *text);
void tpl_sub(struct evtxw_tpl *t, uint16_t sub, uint8_t type, bool optional);
void tpl_close(struct evtxw_tpl *t);   /* ends the element opened last */
/* <Name>{sub}</Name> */
void tpl_leaf_sub(struct evtxw_tpl *t, const char *name, uint16_t sub, uint8_t type);
/* <Data Name="name">{sub}</Data> */
void tpl_data(struct evtxw_tpl *t, const char *name, uint16_t sub, uint8_t type);

/* Values: the returned bytes live in a per-record pool reset by evtxw_pool_reset. */
struct evtxw_pool {
	unsigned char *buf;
	size_t len, cap;
};
void evtxw_pool_reset(struct evtxw_pool *p);
void evtxw_pool_release(struct evtxw_pool *p);
struct evtxw_val val_str(struct evtxw_pool *p, const char *utf8);          /* with its NUL */
struct evtxw_val val_strs(struct evtxw_pool *p, const char *const *items, size_t n);  /* array */
struct evtxw_val val_u(struct evtxw_pool *p, uint8_t type, uint64_t v);   /* ints, hex, filetime */
struct evtxw_val val_guid(struct evtxw_pool *p, const char *text);
struct evtxw_val val_sid(struct evtxw_pool *p, const char *text);
struct evtxw_val val_bin(struct evtxw_pool *p, const void *b, size_t n);
struct evtxw_val val_systime(struct evtxw_pool *p, unsigned y, unsigned mo, unsigned d,
			     unsigned h, unsigned mi, unsigned s, unsigned ms);
struct evtxw_val val_null(void);
struct evtxw_val val_nested(const struct evtxw_tpl *t, const struct evtxw_val *vals, size_t n);

#endif
