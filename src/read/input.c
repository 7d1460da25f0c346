/*
 * input.c: reading an input sequentially, replaying the sniffed head first,
 * and splitting it into lines under a hard cap.
 */
#include "read/reader.h"
#include "util/diag.h"
#include "util/xalloc.h"

#include <errno.h>
#include <string.h>

ssize_t wh_input_read(struct wh_input *in, void *buf, size_t n)
{
	if (n == 0)
		return 0;
	if (in->head && in->head_pos < in->head_len) {
		size_t k = in->head_len - in->head_pos;
		if (k > n)
			k = n;
		memcpy(buf, in->head + in->head_pos, k);
		in->head_pos += k;
		in->pos += k;
		return (ssize_t)k;
	}
	ssize_t r = in->raw_read(in, buf, n);
	if (r > 0)
		in->pos += (uint64_t)r;
	return r;
}

ssize_t wh_input_read_full(struct wh_input *in, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = wh_input_read(in, (char *)buf + got, n - got);
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

void wh_lines_init(struct wh_lines *l, struct wh_input *in)
{
	memset(l, 0, sizeof(*l));
	l->in = in;
	l->cap = 1 << 20;
	l->buf = wh_xmalloc(l->cap + 1);
}

void wh_lines_release(struct wh_lines *l)
{
	free(l->buf);
	l->buf = NULL;
}

/* Move the unread part to the front and read more; returns bytes added, 0 at end, -1. */
static ssize_t refill(struct wh_lines *l)
{
	if (l->start > 0) {
		memmove(l->buf, l->buf + l->start, l->end - l->start);
		l->base += l->start;
		l->end -= l->start;
		l->start = 0;
	}
	if (l->end == l->cap) {
		/* The buffer holds one unfinished line. It may grow to hold a line
		 * of WH_MAX_RECORD bytes and its newline, and no further. */
		if (l->cap > WH_MAX_RECORD)
			return -2;    /* the caller skips the over-long line */
		l->cap = l->cap * 2 > WH_MAX_RECORD + 1 ? WH_MAX_RECORD + 1 : l->cap * 2;
		l->buf = wh_xrealloc(l->buf, l->cap + 1);
	}
	if (l->eof)
		return 0;
	ssize_t r = wh_input_read(l->in, l->buf + l->end, l->cap - l->end);
	if (r < 0)
		return -1;
	if (r == 0)
		l->eof = true;
	l->end += (size_t)r;
	return r;
}

int wh_lines_next(struct wh_lines *l, char **line, size_t *len, uint64_t *off)
{
	size_t scan = l->start;
	for (;;) {
		char *nl = memchr(l->buf + scan, '\n', l->end - scan);
		if (nl) {
			char *s = l->buf + l->start;
			size_t n = (size_t)(nl - s);
			*off = l->base + l->start;
			l->start += n + 1;
			l->lineno++;
			if (n && s[n - 1] == '\r')
				n--;
			s[n] = '\0';
			*line = s;
			*len = n;
			return 1;
		}
		size_t seen = l->end - l->start;
		ssize_t r = refill(l);
		if (r == -1)
			return -1;
		if (r == -2) {
			/* Over the cap: report, then drop bytes up to the next newline. */
			uint64_t at = l->base + l->start;
			wh_bad_record(l->in->name, at, "line longer than %u MiB skipped",
				      WH_MAX_RECORD >> 20);
			l->lineno++;
			for (;;) {
				l->start = l->end;
				ssize_t k = refill(l);
				if (k <= 0)
					return k < 0 ? -1 : 0;
				char *q = memchr(l->buf, '\n', l->end);
				if (q) {
					l->start = (size_t)(q - l->buf) + 1;
					break;
				}
			}
			scan = l->start;
			continue;
		}
		if (r == 0) {
			if (l->end == l->start)
				return 0;
			/* Last line without a newline. */
			char *s = l->buf + l->start;
			size_t n = l->end - l->start;
			*off = l->base + l->start;
			l->start = l->end;
			l->lineno++;
			if (n && s[n - 1] == '\r')
				n--;
			s[n] = '\0';
			*line = s;
			*len = n;
			return 1;
		}
		scan = l->start + seen;
	}
}
