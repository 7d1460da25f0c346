/*
 * sbuf.h: a growable string buffer with a hard cap.
 *
 * Every buffer is created with the largest size it may ever reach. An append
 * that would pass it fails, leaves the buffer as it was, and sets
 * `overflow`, so a caller can report "record too large" and go on; nothing
 * grows without bound on hostile input. The contents are always
 * NUL-terminated.
 */
#ifndef WH_SBUF_H
#define WH_SBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct wh_sbuf {
	char *buf;
	size_t len;
	size_t alloc;
	size_t max;      /* hard cap on len */
	bool overflow;   /* an append was refused */
};

#define WH_SBUF_INIT(maxlen) { NULL, 0, 0, (maxlen), false }

void wh_sbuf_init(struct wh_sbuf *sb, size_t max);
/* Free the memory; the buffer may be used again. */
void wh_sbuf_release(struct wh_sbuf *sb);
/* Empty the buffer, keep its memory. */
static inline void wh_sbuf_reset(struct wh_sbuf *sb)
{
	sb->len = 0;
	sb->overflow = false;
	if (sb->buf)
		sb->buf[0] = '\0';
}
/* Make room for n more bytes. Returns 0, or -1 (and sets overflow) past the cap. */
int wh_sbuf_grow(struct wh_sbuf *sb, size_t n);
int wh_sbuf_add(struct wh_sbuf *sb, const void *data, size_t n);
int wh_sbuf_addstr(struct wh_sbuf *sb, const char *s);
int wh_sbuf_addch(struct wh_sbuf *sb, int c);
int wh_sbuf_addf(struct wh_sbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int wh_sbuf_vaddf(struct wh_sbuf *sb, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Hands the string to the caller (free() it) and leaves sb empty. */
char *wh_sbuf_detach(struct wh_sbuf *sb);
/* The contents as a C string; never NULL. */
static inline const char *wh_sbuf_str(const struct wh_sbuf *sb)
{
	return sb->buf ? sb->buf : "";
}

#endif
