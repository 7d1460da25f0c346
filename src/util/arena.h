/*
 * arena.h: region allocation for one unit of work (a record, a file, a rule
 * set). Many small allocations, freed together by wh_arena_reset() or
 * wh_arena_release(). Pointers handed out stay valid until then.
 *
 * An arena has an optional cap on the bytes it may hold; an allocation
 * beyond the cap returns NULL instead of growing, so a hostile input cannot
 * make a per-record arena grow without bound.
 */
#ifndef WH_ARENA_H
#define WH_ARENA_H

#include <stddef.h>

struct wh_arena_chunk;

struct wh_arena {
	struct wh_arena_chunk *head;   /* chunk being filled */
	struct wh_arena_chunk *spare;  /* chunks kept by reset for reuse */
	size_t chunk_size;             /* default size of a new chunk */
	size_t used;                   /* bytes handed out since the last reset */
	size_t cap;                    /* 0: no cap */
};

#define WH_ARENA_INIT { NULL, NULL, 64 * 1024, 0, 0 }

void wh_arena_init(struct wh_arena *a, size_t chunk_size, size_t cap);
/* Aligned to 16 bytes. Returns NULL only when the cap is reached; dies on out of memory. */
void *wh_arena_alloc(struct wh_arena *a, size_t n);
void *wh_arena_calloc(struct wh_arena *a, size_t n);
/* Copies n bytes and adds a NUL. */
char *wh_arena_strndup(struct wh_arena *a, const char *s, size_t n);
char *wh_arena_strdup(struct wh_arena *a, const char *s);
/* Frees everything handed out but keeps one chunk of memory for reuse. */
void wh_arena_reset(struct wh_arena *a);
/* Frees all memory; the arena may be used again after wh_arena_init. */
void wh_arena_release(struct wh_arena *a);

#endif
