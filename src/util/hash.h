/*
 * hash.h: a string-keyed hash map (open addressing, linear probing) and a
 * string intern table built on it.
 *
 * wh_map stores borrowed keys: the caller keeps each key alive as long as the
 * map holds it (the intern table keeps its keys in its own arena).
 * Case-insensitive maps fold ASCII only, which is what Windows field and
 * host names need.
 */
#ifndef WH_HASH_H
#define WH_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

uint64_t wh_hash_bytes(const void *p, size_t n);
uint64_t wh_hash_bytes_nocase(const void *p, size_t n);

/* A finaliser that carries every bit of x to every bit of the result, for
 * hashes built from products (which carry a difference only upwards) that
 * index tables by their low bits. */
static inline uint64_t wh_mix64(uint64_t x)
{
	x ^= x >> 32;
	x *= 0xd6e8feb86659fd93ULL;
	x ^= x >> 32;
	x *= 0xd6e8feb86659fd93ULL;
	x ^= x >> 32;
	return x;
}

struct wh_map_slot {
	const char *key;
	size_t klen;
	uint64_t hash;
	void *val;
};

struct wh_map {
	struct wh_map_slot *slots;
	size_t cap;      /* power of two, or 0 */
	size_t count;
	bool nocase;
};

void wh_map_init(struct wh_map *m, bool nocase);
void wh_map_release(struct wh_map *m);
/* Returns the slot for key, or NULL. */
struct wh_map_slot *wh_map_find(const struct wh_map *m, const char *key, size_t klen);
/* Returns the slot for key, adding it (val NULL) when absent; *added says which. */
struct wh_map_slot *wh_map_put(struct wh_map *m, const char *key, size_t klen, bool *added);
static inline void *wh_map_get(const struct wh_map *m, const char *key, size_t klen)
{
	struct wh_map_slot *s = wh_map_find(m, key, klen);
	return s ? s->val : NULL;
}

/* Iterate: for (size_t i = 0; i < m.cap; i++) if (m.slots[i].key) ... */

struct wh_intern {
	struct wh_map map;
	struct wh_arena arena;
};

void wh_intern_init(struct wh_intern *t, bool nocase);
void wh_intern_release(struct wh_intern *t);
/* A stable, NUL-terminated copy of s; the same pointer for equal strings. */
const char *wh_intern(struct wh_intern *t, const char *s, size_t n);
static inline const char *wh_intern_str(struct wh_intern *t, const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return wh_intern(t, s, n);
}

#endif
