/*
 * xalloc.h: allocation that cannot fail. On out of memory the process ends
 * with a message: there is nothing sensible an analysis can do without the
 * memory for its own state, and checking every small allocation hides the
 * checks that matter (input sizes, caps).
 */
#ifndef WH_XALLOC_H
#define WH_XALLOC_H

#include <stddef.h>

void *wh_xmalloc(size_t n);
void *wh_xcalloc(size_t count, size_t size);
void *wh_xrealloc(void *p, size_t n);
/* realloc to count * size, dying on overflow. */
void *wh_xreallocarray(void *p, size_t count, size_t size);
char *wh_xstrdup(const char *s);
char *wh_xstrndup(const char *s, size_t n);

/* Ask for huge pages behind [p, p + n) (the 2 MiB pages wholly inside it):
 * a large buffer filled once from start to end then faults once per 2 MiB
 * instead of once per 4 KiB. Only advice: nothing changes when the kernel
 * does not take it. */
void wh_advise_huge(void *p, size_t n);

/* Grow *arr (of *cap elements of size sz) so it can hold at least need elements. */
#define WH_GROW(arr, need, cap)                                                  \
	do {                                                                     \
		if ((size_t)(need) > (size_t)(cap)) {                            \
			size_t wh_nc_ = (cap) ? (size_t)(cap) * 2 : 8;           \
			while (wh_nc_ < (size_t)(need))                          \
				wh_nc_ *= 2;                                     \
			(arr) = wh_xreallocarray((arr), wh_nc_, sizeof(*(arr))); \
			(cap) = wh_nc_;                                          \
		}                                                                \
	} while (0)

#endif
