#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/mman.h>

static void oom(size_t n)
{
	fprintf(stderr, "whitehawk: out of memory allocating %zu bytes\n", n);
	abort();
}

void *wh_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *wh_xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);
	if (!p)
		oom(count * size);
	return p;
}

void *wh_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

void *wh_xreallocarray(void *p, size_t count, size_t size)
{
	if (size && count > (size_t)-1 / size)
		oom((size_t)-1);
	return wh_xrealloc(p, count * size);
}

char *wh_xstrdup(const char *s)
{
	return wh_xstrndup(s, strlen(s));
}

char *wh_xstrndup(const char *s, size_t n)
{
	char *p = wh_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void wh_advise_huge(void *p, size_t n)
{
	const uintptr_t huge = (uintptr_t)2 << 20;
	uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1), b = ((uintptr_t)p + n) & ~(huge - 1);
	if (b > a)
		(void)madvise((void *)a, b - a, MADV_HUGEPAGE);
}
