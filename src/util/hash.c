#include "util/hash.h"
#include "util/xalloc.h"

#include <string.h>
#include <strings.h>

/* FNV-1a with a final avalanche; keys here are short names, not bulk data. */
static inline uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

uint64_t wh_hash_bytes(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return mix(h);
}

uint64_t wh_hash_bytes_nocase(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		unsigned c = s[i];
		if (c >= 'A' && c <= 'Z')
			c += 32;
		h ^= c;
		h *= 0x100000001b3ULL;
	}
	return mix(h);
}

void wh_map_init(struct wh_map *m, bool nocase)
{
	m->slots = NULL;
	m->cap = m->count = 0;
	m->nocase = nocase;
}

void wh_map_release(struct wh_map *m)
{
	free(m->slots);
	wh_map_init(m, m->nocase);
}

static bool key_eq(const struct wh_map *m, const struct wh_map_slot *s, const char *key,
		   size_t klen, uint64_t h)
{
	if (s->hash != h || s->klen != klen)
		return false;
	return m->nocase ? strncasecmp(s->key, key, klen) == 0 : memcmp(s->key, key, klen) == 0;
}

struct wh_map_slot *wh_map_find(const struct wh_map *m, const char *key, size_t klen)
{
	if (!m->cap)
		return NULL;
	uint64_t h = m->nocase ? wh_hash_bytes_nocase(key, klen) : wh_hash_bytes(key, klen);
	size_t mask = m->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct wh_map_slot *s = &m->slots[i];
		if (!s->key)
			return NULL;
		if (key_eq(m, s, key, klen, h))
			return s;
	}
}

static void rehash(struct wh_map *m, size_t ncap)
{
	struct wh_map_slot *old = m->slots;
	size_t ocap = m->cap;
	m->slots = wh_xcalloc(ncap, sizeof(*m->slots));
	m->cap = ncap;
	for (size_t i = 0; i < ocap; i++) {
		if (!old[i].key)
			continue;
		size_t j = old[i].hash & (ncap - 1);
		while (m->slots[j].key)
			j = (j + 1) & (ncap - 1);
		m->slots[j] = old[i];
	}
	free(old);
}

struct wh_map_slot *wh_map_put(struct wh_map *m, const char *key, size_t klen, bool *added)
{
	if ((m->count + 1) * 4 > m->cap * 3)
		rehash(m, m->cap ? m->cap * 2 : 16);
	uint64_t h = m->nocase ? wh_hash_bytes_nocase(key, klen) : wh_hash_bytes(key, klen);
	size_t mask = m->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct wh_map_slot *s = &m->slots[i];
		if (!s->key) {
			s->key = key;
			s->klen = klen;
			s->hash = h;
			s->val = NULL;
			m->count++;
			if (added)
				*added = true;
			return s;
		}
		if (key_eq(m, s, key, klen, h)) {
			if (added)
				*added = false;
			return s;
		}
	}
}

void wh_intern_init(struct wh_intern *t, bool nocase)
{
	wh_map_init(&t->map, nocase);
	wh_arena_init(&t->arena, 16 * 1024, 0);
}

void wh_intern_release(struct wh_intern *t)
{
	wh_map_release(&t->map);
	wh_arena_release(&t->arena);
}

const char *wh_intern(struct wh_intern *t, const char *s, size_t n)
{
	struct wh_map_slot *sl = wh_map_find(&t->map, s, n);
	if (sl)
		return sl->key;
	char *copy = wh_arena_strndup(&t->arena, s, n);
	sl = wh_map_put(&t->map, copy, n, NULL);
	sl->val = copy;
	return copy;
}
