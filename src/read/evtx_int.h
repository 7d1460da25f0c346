/*
 * evtx_int.h: what the two halves of the EVTX parser share, and nothing
 * else should see: evtx_compile.c turns BinXML into programs (lists of
 * field ops), evtx_parse.c runs them over records and chunks.
 */
#ifndef WH_EVTX_INT_H
#define WH_EVTX_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "read/evtx_parse.h"
#include "util/arena.h"

#define SUB_LIT 0xffffu
#define MAX_NEST 8                /* nested BinXML fragments in one record */
#define MAX_DEPTH 64              /* element nesting */
#define MAX_VALUES 8192           /* substitution values of one instance */
#define MAX_OPS_PER_RECORD 65536  /* ops run for one record, nested included */
#define COMPILE_BUDGET (8u * WH_EVTX_CHUNK_SIZE)  /* template bytes compiled per chunk */
#define TMAP_SIZE 1024            /* templates remembered per chunk (power of two) */
#define MAX_BUILD_TEXT (1u << 20) /* names and literals of one program */
#define MAX_ERRS 4096             /* error messages kept per chunk */
#define TEXT_BLOCK (256u * 1024)

enum ctx {
	CTX_DOC,        /* outside any element */
	CTX_EVENT,      /* in <Event> */
	CTX_SYSTEM,     /* in <System> */
	CTX_SYSITEM,    /* in a child of <System>: its text and attributes are fields */
	CTX_EVENTDATA,  /* in <EventData> */
	CTX_DATA,       /* in <Data> (or another child of EventData): its text is a field */
	CTX_USERDATA,   /* in <UserData> or below: leaf elements are fields */
	CTX_IGNORE,     /* content dropped */
};

enum role { ROLE_NONE, ROLE_EVENTID, ROLE_PROVIDER, ROLE_CHANNEL, ROLE_COMPUTER, ROLE_TIME,
	    ROLE_UTCTIME, ROLE_RECORDID };

enum op_kind { OP_FIELD, OP_NESTED };

enum op_flags {
	OPF_SKIP_EMPTY = 1,   /* no field when the value is empty (attributes, System items) */
	OPF_NAME_SUB = 2,     /* the name is the text of substitution name_sub */
};

struct piece {
	const char *lit;      /* literal text (SUB_LIT) */
	uint32_t len;
	uint16_t sub;         /* substitution number, or SUB_LIT */
	uint8_t ctx;          /* where a nested fragment in this value would be read */
};

struct op {
	const char *name;
	uint32_t nlen;
	uint32_t first;       /* pieces[first .. first + npieces) */
	uint32_t npieces;
	uint16_t sub;         /* OP_NESTED: the substitution */
	uint16_t name_sub;
	uint8_t kind, role, flags, ctx;
};

struct prog {
	const struct op *ops;
	const struct piece *pieces;
	uint32_t nops;
	bool persistent;      /* lives as long as the events: literals may be pointed at */
	const char *err;      /* a definition that does not compile (remembered per chunk) */
};

struct val {
	const unsigned char *p;
	uint32_t size;
	uint8_t type;
};

struct cache_ent {
	unsigned char guid[16];
	uint32_t size;
	uint8_t ctx;
	uint64_t hash;
	struct prog *prog;
};

struct tmap_ent {
	uint32_t gen;
	uint32_t key;
	struct prog *prog;
};

/* ---- the program builder ---- */

struct bpiece {
	uint32_t lit;        /* offset in b->str */
	uint32_t len;
	uint16_t sub;
	uint8_t ctx;
};

struct bop {
	uint32_t name, nlen; /* offset in b->str */
	uint32_t first, npieces;
	uint16_t sub, name_sub;
	uint8_t kind, role, flags, ctx;
};

struct frame {
	uint8_t ctx;
	bool has_child;
	bool has_attr;
	bool name_sub;           /* the field name is substitution fname_sub */
	uint16_t fname_sub;
	uint32_t piece_base;     /* this element's pieces start here in pstack */
	uint32_t name, nlen;     /* element name in b->str */
	uint32_t fname, fnlen;   /* field name (Data's Name attribute) in b->str */
};

struct builder {
	char *str;
	size_t slen, scap;
	struct bpiece *pstack;
	size_t psp, pscap;
	struct bpiece *pieces;
	size_t np, pcap;
	struct bop *ops;
	size_t nops, ocap;
	struct frame frames[MAX_DEPTH + 1];
	int depth;
	bool template_mode;      /* substitution tokens allowed */
};

struct wh_evtx_parser {
	/* The chunk being read */
	const unsigned char *c;
	uint32_t n;
	uint32_t gen;
	uint32_t compiled;       /* template bytes compiled in this chunk */
	uint32_t tmap_count;
	struct tmap_ent tmap[TMAP_SIZE];
	bool dep_ids;            /* elements carry a dependency id (learned, per chunk) */
	/* Templates of the file */
	struct cache_ent *cache;
	size_t ccap, ccount;
	struct wh_arena cache_arena;
	struct builder b;
	struct wh_arena scratch; /* throw-away programs of one record */
	struct val *vals[MAX_NEST + 1];
	size_t vcap[MAX_NEST + 1];
	/* The record being read */
	struct wh_evtx_out *out;
	struct wh_evtx_rec rec;
	int64_t t_created, t_utc;
	uint32_t ops_left;
	const char *err;
	uint32_t err_off;
	char errbuf[96];
};

/* Record p->err (the first reason wins) and return -1. */
int wh_evtx_fail(struct wh_evtx_parser *p, uint32_t off, const char *msg);

/* Start a program whose top level is read in context entry_ctx; with
 * template_mode, substitution tokens become value pieces. */
void wh_evtx_compile_reset(struct builder *b, uint8_t entry_ctx, bool template_mode);
/* Compile the tokens at *pos up to the end of the current element (or of
 * the fragment, at `end`, when top). 0, or -1 with p->err set. */
int wh_evtx_compile_content(struct wh_evtx_parser *p, uint32_t *pos, uint32_t end, bool top);
/* Compile the element whose OpenStartElement token is at *pos. */
int wh_evtx_compile_element(struct wh_evtx_parser *p, uint32_t *pos, uint32_t end);
/* The built program copied into arena a as one block; NULL when a is full.
 * persistent: it lives as long as the events (literals may be pointed at). */
struct prog *wh_evtx_compile_finish(struct builder *b, struct wh_arena *a, bool persistent);

#endif
