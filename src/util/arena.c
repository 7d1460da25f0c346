#include "util/arena.h"
#include "util/xalloc.h"

#include <stdint.h>
#include <string.h>

struct wh_arena_chunk {
	struct wh_arena_chunk *next;
	size_t size;   /* bytes in data[] */
	size_t fill;   /* bytes used in data[] */
	_Alignas(16) unsigned char data[];
};

void wh_arena_init(struct wh_arena *a, size_t chunk_size, size_t cap)
{
	a->head = NULL;
	a->spare = NULL;
	a->chunk_size = chunk_size ? chunk_size : 64 * 1024;
	a->used = 0;
	a->cap = cap;
}

static struct wh_arena_chunk *new_chunk(struct wh_arena *a, size_t need)
{
	struct wh_arena_chunk *c = a->spare;
	if (c && c->size >= need) {
		a->spare = c->next;
	} else {
		size_t size = need > a->chunk_size ? need : a->chunk_size;
		c = wh_xmalloc(sizeof(*c) + size);
		c->size = size;
	}
	c->fill = 0;
	c->next = a->head;
	a->head = c;
	return c;
}

void *wh_arena_alloc(struct wh_arena *a, size_t n)
{
	size_t need = (n + 15) & ~(size_t)15;
	if (need < n)
		return NULL;
	if (a->cap && a->used + need > a->cap)
		return NULL;
	struct wh_arena_chunk *c = a->head;
	if (!c || c->size - c->fill < need)
		c = new_chunk(a, need);
	void *p = c->data + c->fill;
	c->fill += need;
	a->used += need;
	return p;
}

void *wh_arena_calloc(struct wh_arena *a, size_t n)
{
	void *p = wh_arena_alloc(a, n);
	if (p)
		memset(p, 0, n);
	return p;
}

char *wh_arena_strndup(struct wh_arena *a, const char *s, size_t n)
{
	char *p = wh_arena_alloc(a, n + 1);
	if (!p)
		return NULL;
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *wh_arena_strdup(struct wh_arena *a, const char *s)
{
	return wh_arena_strndup(a, s, strlen(s));
}

static void free_list(struct wh_arena_chunk *c)
{
	while (c) {
		struct wh_arena_chunk *next = c->next;
		free(c);
		c = next;
	}
}

/* Keep the larger of *keep and c, free the other. */
static void keep_largest(struct wh_arena_chunk **keep, struct wh_arena_chunk *c)
{
	if (!*keep || c->size > (*keep)->size) {
		free(*keep);
		*keep = c;
	} else {
		free(c);
	}
}

void wh_arena_reset(struct wh_arena *a)
{
	/* Keep the largest chunk as the only spare: steady-state per-record use
	 * then allocates nothing, and a one-off huge record does not pin several
	 * large chunks. */
	struct wh_arena_chunk *keep = NULL;
	for (struct wh_arena_chunk *c = a->head, *next; c; c = next) {
		next = c->next;
		keep_largest(&keep, c);
	}
	for (struct wh_arena_chunk *c = a->spare, *next; c; c = next) {
		next = c->next;
		keep_largest(&keep, c);
	}
	/* A chunk grown by one giant record is not worth keeping. */
	if (keep && keep->size > 4 * a->chunk_size && keep->size > (1u << 20)) {
		free(keep);
		keep = NULL;
	}
	if (keep)
		keep->next = NULL;
	a->head = NULL;
	a->spare = keep;
	a->used = 0;
}

void wh_arena_release(struct wh_arena *a)
{
	free_list(a->head);
	free_list(a->spare);
	a->head = a->spare = NULL;
	a->used = 0;
}
