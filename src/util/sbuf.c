#include "util/sbuf.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <string.h>

void wh_sbuf_init(struct wh_sbuf *sb, size_t max)
{
	sb->buf = NULL;
	sb->len = sb->alloc = 0;
	sb->max = max;
	sb->overflow = false;
}

void wh_sbuf_release(struct wh_sbuf *sb)
{
	free(sb->buf);
	wh_sbuf_init(sb, sb->max);
}

int wh_sbuf_grow(struct wh_sbuf *sb, size_t n)
{
	if (n > sb->max || sb->len > sb->max - n) {
		sb->overflow = true;
		return -1;
	}
	size_t need = sb->len + n + 1;
	if (need <= sb->alloc)
		return 0;
	size_t na = sb->alloc ? sb->alloc : 64;
	while (na < need)
		na *= 2;
	if (na > sb->max + 1)
		na = sb->max + 1;
	sb->buf = wh_xrealloc(sb->buf, na);
	sb->alloc = na;
	return 0;
}

int wh_sbuf_add(struct wh_sbuf *sb, const void *data, size_t n)
{
	if (wh_sbuf_grow(sb, n) < 0)
		return -1;
	if (n)
		memcpy(sb->buf + sb->len, data, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
	return 0;
}

int wh_sbuf_addstr(struct wh_sbuf *sb, const char *s)
{
	return wh_sbuf_add(sb, s, strlen(s));
}

int wh_sbuf_addch(struct wh_sbuf *sb, int c)
{
	char ch = (char)c;
	return wh_sbuf_add(sb, &ch, 1);
}

int wh_sbuf_vaddf(struct wh_sbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return -1;
	if (wh_sbuf_grow(sb, (size_t)n) < 0)
		return -1;
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
	return 0;
}

int wh_sbuf_addf(struct wh_sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = wh_sbuf_vaddf(sb, fmt, ap);
	va_end(ap);
	return r;
}

char *wh_sbuf_detach(struct wh_sbuf *sb)
{
	char *s = sb->buf ? sb->buf : wh_xstrdup("");
	wh_sbuf_init(sb, sb->max);
	return s;
}
