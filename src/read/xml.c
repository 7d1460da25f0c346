/*
 * xml.c: the Windows event XML reader and the <Event> element parser.
 *
 * The stream is searched for <Event ...> ... </Event>; whatever lies
 * between elements (an <?xml?> declaration, an <Events> root, evtxexport's
 * banner and notes) is passed over. Each element, at most
 * WH_MAX_RECORD bytes, is parsed on its own by expat (reset between
 * elements), so a broken element is reported and skipped and the next one
 * is read. An element that never closes before the next <Event starts is
 * reported and reading resumes there.
 *
 * UTF-16 files (Windows PowerShell's `>` writes UTF-16LE with a BOM) are
 * converted to UTF-8 as they are read; offsets in messages then count the
 * converted bytes.
 */
#include "read/xml.h"
#include "util/diag.h"
#include "util/num.h"
#include "util/sbuf.h"
#include "util/wtime.h"
#include "util/xalloc.h"

#include <expat.h>
#include <limits.h>
#include <string.h>

#define MAX_DEPTH 64
#define READ_CHUNK (1u << 20)

/* ---- the element parser ---- */

enum section { SEC_NONE, SEC_SYSTEM, SEC_EVENTDATA, SEC_USERDATA, SEC_SKIP };

struct frame {
	const char *fname;   /* the field a leaf here gives (in the arena); NULL: none */
	size_t fnlen;
	bool had_child;
};

struct wh_xml_parser {
	XML_Parser xp;
	struct wh_event *ev;
	struct wh_arena *arena;
	int depth;
	enum section sec;
	struct frame fr[MAX_DEPTH];
	struct wh_sbuf text;
	const char *err;      /* why we stopped the parse ourselves */
	/* header values seen so far */
	const char *host, *channel, *provider, *systime, *utctime;
	int32_t event_id;
	uint64_t record;
};

static const char *local_name(const char *n)
{
	const char *c = strrchr(n, ':');
	return c ? c + 1 : n;
}

static void stop(struct wh_xml_parser *p, const char *why)
{
	if (!p->err)
		p->err = why;
	XML_StopParser(p->xp, XML_FALSE);
}

static const char *copy(struct wh_xml_parser *p, const char *s, size_t n)
{
	const char *c = wh_arena_strndup(p->arena, s, n);
	if (!c)
		stop(p, "event larger than the memory allowed for one record");
	return c;
}

/* Header values come from System (and Sysmon's UtcTime from EventData). */
static void header(struct wh_xml_parser *p, const char *name, const char *v, size_t vl)
{
	int64_t id;
	if (p->sec == SEC_EVENTDATA) {
		if (strcmp(name, "UtcTime") == 0)
			p->utctime = v;
		return;
	}
	switch (name[0]) {
	case 'E':
		if (strcmp(name, "EventID") == 0 && wh_parse_i64(v, vl, &id) && id >= 0 && id <= INT32_MAX)
			p->event_id = (int32_t)id;
		else if (strcmp(name, "EventRecordID") == 0)
			wh_parse_u64(v, vl, &p->record);
		break;
	case 'C':
		if (strcmp(name, "Channel") == 0)
			p->channel = v;
		else if (strcmp(name, "Computer") == 0)
			p->host = v;
		break;
	case 'P':
		if (strcmp(name, "Provider_Name") == 0)
			p->provider = v;
		break;
	case 'T':
		if (strcmp(name, "TimeCreated_SystemTime") == 0)
			p->systime = v;
		break;
	default:
		break;
	}
}

static void add(struct wh_xml_parser *p, const char *name, size_t nl, const char *v, size_t vl)
{
	const char *cv = copy(p, v, vl);
	if (!cv)
		return;
	if (wh_event_add(p->ev, name, nl, cv, vl) == 0)
		header(p, name, cv, vl);
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct wh_xml_parser *p = ud;
	const char *n = local_name(name);
	int d = p->depth++;
	if (d > 0 && d - 1 < MAX_DEPTH)
		p->fr[d - 1].had_child = true;
	wh_sbuf_reset(&p->text);
	if (d >= MAX_DEPTH)
		return;
	struct frame *f = &p->fr[d];
	f->fname = NULL;
	f->had_child = false;
	if (d == 0) {
		if (strcmp(n, "Event") != 0)
			stop(p, "the element is not an Event");
		return;
	}
	if (d == 1) {
		if (strcmp(n, "System") == 0)
			p->sec = SEC_SYSTEM;
		else if (strcmp(n, "EventData") == 0)
			p->sec = SEC_EVENTDATA;
		else if (strcmp(n, "RenderingInfo") == 0)
			p->sec = SEC_SKIP;   /* text for people, not fields */
		else
			p->sec = SEC_USERDATA;   /* UserData, ProcessingErrorData, DebugData ... */
		return;
	}
	switch (p->sec) {
	case SEC_SYSTEM:
		if (d != 2)
			return;
		/* <TimeCreated SystemTime='...'/> -> TimeCreated_SystemTime */
		for (size_t i = 0; atts[i] && atts[i + 1]; i += 2) {
			const char *a = atts[i];
			if (strncmp(a, "xmlns", 5) == 0)
				continue;
			a = local_name(a);
			size_t el = strlen(n), al = strlen(a);
			char *fn = wh_arena_alloc(p->arena, el + al + 2);
			if (!fn) {
				stop(p, "event larger than the memory allowed for one record");
				return;
			}
			memcpy(fn, n, el);
			fn[el] = '_';
			memcpy(fn + el + 1, a, al + 1);
			add(p, fn, el + al + 1, atts[i + 1], strlen(atts[i + 1]));
		}
		f->fnlen = strlen(n);
		f->fname = copy(p, n, f->fnlen);
		break;
	case SEC_EVENTDATA:
		/* <Data Name='Image'> -> Image; unnamed <Data> -> Data; <Binary> -> Binary */
		if (d == 2)
			for (size_t i = 0; atts[i] && atts[i + 1]; i += 2)
				if (strcmp(local_name(atts[i]), "Name") == 0 && atts[i + 1][0]) {
					f->fnlen = strlen(atts[i + 1]);
					f->fname = copy(p, atts[i + 1], f->fnlen);
					return;
				}
		f->fnlen = strlen(n);
		f->fname = copy(p, n, f->fnlen);
		break;
	case SEC_USERDATA:
		f->fnlen = strlen(n);
		f->fname = copy(p, n, f->fnlen);
		break;
	default:
		break;
	}
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	(void)name;
	struct wh_xml_parser *p = ud;
	int d = --p->depth;
	if (d >= 1 && d < MAX_DEPTH) {
		struct frame *f = &p->fr[d];
		/* A System element with no text (<Correlation/>) gives no field,
		 * as JSON dumps of the same event give null; an empty EventData
		 * or UserData value is an empty string. */
		if (!f->had_child && f->fname && p->sec != SEC_SKIP &&
		    (p->sec != SEC_SYSTEM || p->text.len > 0))
			add(p, f->fname, f->fnlen, wh_sbuf_str(&p->text), p->text.len);
		if (d == 1)
			p->sec = SEC_NONE;
	}
	wh_sbuf_reset(&p->text);
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	struct wh_xml_parser *p = ud;
	if (p->sec == SEC_NONE || p->sec == SEC_SKIP || p->depth > MAX_DEPTH || len <= 0)
		return;
	if (wh_sbuf_add(&p->text, s, (size_t)len) < 0)
		stop(p, "element text too large");
}

struct wh_xml_parser *wh_xml_parser_new(void)
{
	struct wh_xml_parser *p = wh_xcalloc(1, sizeof(*p));
	p->xp = XML_ParserCreate("UTF-8");
	if (!p->xp)
		WH_BUG("out of memory creating an XML parser");
	wh_sbuf_init(&p->text, WH_MAX_RECORD);
	return p;
}

void wh_xml_parser_free(struct wh_xml_parser *p)
{
	if (!p)
		return;
	XML_ParserFree(p->xp);
	wh_sbuf_release(&p->text);
	free(p);
}

int wh_xml_parse_event(struct wh_xml_parser *p, const char *buf, size_t len, struct wh_event *ev,
		       struct wh_arena *arena, const char **err, size_t *err_at)
{
	uint32_t n0 = ev->nfields;
	bool t0 = ev->truncated;
	if (len > INT_MAX || len > WH_MAX_RECORD) {
		*err = "element too large";
		*err_at = 0;
		return -1;
	}
	/* a reset parser has no handlers: set them again */
	XML_ParserReset(p->xp, "UTF-8");
	XML_SetUserData(p->xp, p);
	XML_SetElementHandler(p->xp, on_start, on_end);
	XML_SetCharacterDataHandler(p->xp, on_text);
	p->ev = ev;
	p->arena = arena;
	p->depth = 0;
	p->sec = SEC_NONE;
	p->err = NULL;
	p->host = p->channel = p->provider = p->systime = p->utctime = NULL;
	p->event_id = -1;
	p->record = 0;
	wh_sbuf_reset(&p->text);
	enum XML_Status st = XML_Parse(p->xp, buf, (int)len, XML_TRUE);
	if (st != XML_STATUS_OK || p->err) {
		XML_Index at = XML_GetCurrentByteIndex(p->xp);
		*err = p->err ? p->err : XML_ErrorString(XML_GetErrorCode(p->xp));
		*err_at = at < 0 ? 0 : (size_t)at;
		ev->nfields = n0;
		ev->truncated = t0;
		return -1;
	}
	int64_t t;
	if (p->utctime && wh_time_parse(p->utctime, strlen(p->utctime), &t) == 0)
		ev->time = t;
	else if (p->systime && wh_time_parse(p->systime, strlen(p->systime), &t) == 0)
		ev->time = t;
	if (p->host)
		ev->host = p->host;
	if (p->channel)
		ev->channel = p->channel;
	if (p->provider)
		ev->provider = p->provider;
	ev->event_id = p->event_id;
	ev->record = p->record;
	wh_event_classify(ev);
	return 0;
}

int wh_xml_parse_event_once(const char *buf, size_t len, struct wh_event *ev,
			    struct wh_arena *arena, const char **err, size_t *err_at)
{
	struct wh_xml_parser *p = wh_xml_parser_new();
	int rc = wh_xml_parse_event(p, buf, len, ev, arena, err, err_at);
	wh_xml_parser_free(p);
	return rc;
}

/* ---- finding elements in the stream ---- */

static bool tag_end_char(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '>' || c == '/';
}

/*
 * The next "<Event" start tag in s[0..n) (not <Events>, <EventData> ...).
 * Returns its index or -1; *more says the buffer ended before it could tell.
 */
static long find_start(const char *s, size_t n, bool *more)
{
	size_t i = 0;
	*more = false;
	while (i < n) {
		const char *t = memmem(s + i, n - i, "<Event", 6);
		if (!t)
			return -1;
		size_t at = (size_t)(t - s);
		if (at + 6 >= n) {
			*more = true;
			return (long)at;
		}
		if (tag_end_char(s[at + 6]))
			return (long)at;
		i = at + 6;
	}
	return -1;
}

/* The index after "</Event>" (spaces allowed before '>') in s[0..n), or -1. */
static long find_end(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		const char *t = memmem(s + i, n - i, "</Event", 7);
		if (!t)
			return -1;
		size_t k = (size_t)(t - s) + 7;
		while (k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r' || s[k] == '\n'))
			k++;
		if (k < n && s[k] == '>')
			return (long)(k + 1);
		i = (size_t)(t - s) + 7;
	}
	return -1;
}

/* ---- UTF-16 ---- */

static size_t put_utf8(unsigned char *o, uint32_t c)
{
	if (c < 0x80) {
		o[0] = (unsigned char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (unsigned char)(0xc0 | c >> 6);
		o[1] = (unsigned char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (unsigned char)(0xe0 | c >> 12);
		o[1] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
		o[2] = (unsigned char)(0x80 | (c & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | c >> 18);
	o[1] = (unsigned char)(0x80 | (c >> 12 & 0x3f));
	o[2] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
	o[3] = (unsigned char)(0x80 | (c & 0x3f));
	return 4;
}

/*
 * Convert UTF-16 (big-endian when be) from in[0..n) to UTF-8 in out, which
 * holds 3 bytes per 2 in. Returns the bytes written; *used says how many
 * input bytes were taken (an odd byte or a high surrogate at the end waits
 * for more unless last). Unpaired surrogates become U+FFFD.
 */
static size_t utf16_to_utf8(const unsigned char *in, size_t n, bool be, bool last,
			    unsigned char *out, size_t *used)
{
	size_t i = 0, o = 0;
	while (i + 1 < n) {
		uint32_t u = be ? (uint32_t)in[i] << 8 | in[i + 1] : (uint32_t)in[i + 1] << 8 | in[i];
		if (u >= 0xd800 && u < 0xdc00) {
			if (i + 3 >= n && !last)
				break;
			uint32_t l = 0;
			if (i + 3 < n)
				l = be ? (uint32_t)in[i + 2] << 8 | in[i + 3] : (uint32_t)in[i + 3] << 8 | in[i + 2];
			if (l >= 0xdc00 && l < 0xe000) {
				o += put_utf8(out + o, 0x10000 + ((u - 0xd800) << 10) + (l - 0xdc00));
				i += 4;
				continue;
			}
			u = 0xfffd;
		} else if (u >= 0xdc00 && u < 0xe000) {
			u = 0xfffd;
		}
		o += put_utf8(out + o, u);
		i += 2;
	}
	if (last && i < n)
		i = n;   /* a lone odd byte at the end */
	*used = i;
	return o;
}

/* ---- the reader ---- */

enum enc { ENC_UNKNOWN, ENC_UTF8, ENC_UTF16LE, ENC_UTF16BE };

struct xml_reader {
	struct wh_input *in;
	char *buf;
	size_t cap, pos, end;
	uint64_t base;          /* stream offset of buf[0] */
	bool eof;
	enum enc enc;
	unsigned char *raw;     /* UTF-16 bytes read but not yet converted */
	size_t raw_len;
	size_t scanned;         /* bytes after pos searched for the element's end */
	struct wh_xml_parser *xp;
	struct wh_arena arena;
	uint64_t events;
};

static void *xml_open(struct wh_input *in, const struct wh_read_opts *opts)
{
	(void)opts;
	struct xml_reader *r = wh_xcalloc(1, sizeof(*r));
	r->in = in;
	r->cap = READ_CHUNK;
	r->buf = wh_xmalloc(r->cap + 1);
	r->xp = wh_xml_parser_new();
	wh_arena_init(&r->arena, 64 * 1024, 3u * WH_MAX_RECORD);
	return r;
}

static void xml_close(void *st)
{
	struct xml_reader *r = st;
	free(r->buf);
	free(r->raw);
	wh_xml_parser_free(r->xp);
	wh_arena_release(&r->arena);
	free(r);
}

/* Read UTF-16 and append it to buf as UTF-8. */
static ssize_t read_utf16(struct xml_reader *r, size_t room)
{
	size_t want = room / 3 * 2;
	if (want < 8)
		return 0;
	if (want > READ_CHUNK)
		want = READ_CHUNK;
	if (!r->raw)
		r->raw = wh_xmalloc(READ_CHUNK + 8);
	ssize_t n = 0;
	if (r->raw_len < want) {
		n = wh_input_read(r->in, r->raw + r->raw_len, want - r->raw_len);
		if (n < 0)
			return -1;
		if (n == 0)
			r->eof = true;
		r->raw_len += (size_t)n;
	}
	size_t used;
	size_t o = utf16_to_utf8(r->raw, r->raw_len, r->enc == ENC_UTF16BE, r->eof,
				 (unsigned char *)r->buf + r->end, &used);
	memmove(r->raw, r->raw + used, r->raw_len - used);
	r->raw_len -= used;
	r->end += o;
	return (ssize_t)o + (n > 0 ? 1 : 0);   /* progress, even when a surrogate waits */
}

/* Keep buf[keep..end), read more after it. Returns >0 progress, 0 at the end, -1. */
static ssize_t refill(struct xml_reader *r, size_t keep)
{
	if (keep > 0) {
		memmove(r->buf, r->buf + keep, r->end - keep);
		r->base += keep;
		r->end -= keep;
		r->pos -= keep;
	}
	if (r->cap - r->end < READ_CHUNK / 2 && r->cap < WH_MAX_RECORD + READ_CHUNK) {
		size_t ncap = r->cap * 2;
		if (ncap > WH_MAX_RECORD + READ_CHUNK)
			ncap = WH_MAX_RECORD + READ_CHUNK;
		r->buf = wh_xrealloc(r->buf, ncap + 1);
		r->cap = ncap;
	}
	if (r->eof && !(r->enc >= ENC_UTF16LE && r->raw_len))
		return 0;
	if (r->end == r->cap)
		return 0;
	if (r->enc == ENC_UNKNOWN) {
		unsigned char bom[2];
		ssize_t n = wh_input_read_full(r->in, bom, 2);
		if (n < 0)
			return -1;
		r->enc = ENC_UTF8;
		if (n == 2 && bom[0] == 0xff && bom[1] == 0xfe)
			r->enc = ENC_UTF16LE;
		else if (n == 2 && bom[0] == 0xfe && bom[1] == 0xff)
			r->enc = ENC_UTF16BE;
		else if (n > 0) {
			memcpy(r->buf + r->end, bom, (size_t)n);
			r->end += (size_t)n;
			return n;
		} else {
			r->eof = true;
			return 0;
		}
		r->base = 2;   /* the BOM */
	}
	if (r->enc != ENC_UTF8)
		return read_utf16(r, r->cap - r->end);
	ssize_t n = wh_input_read(r->in, r->buf + r->end, r->cap - r->end);
	if (n < 0)
		return -1;
	if (n == 0)
		r->eof = true;
	r->end += (size_t)n;
	return n;
}

static int xml_next(void *st, struct wh_event *ev)
{
	struct xml_reader *r = st;
	for (;;) {
		bool more;
		long s = find_start(r->buf + r->pos, r->end - r->pos, &more);
		if (s < 0 || more) {
			/* keep what could be the start of a tag cut by the buffer's end */
			size_t keep = s >= 0 ? r->pos + (size_t)s
				      : (r->end - r->pos > 6 ? r->end - 6 : r->pos);
			if (r->eof && s < 0)
				return 0;
			r->pos = keep;
			ssize_t n = refill(r, keep);
			if (n < 0)
				return -1;
			if (n == 0 && r->eof && s >= 0) {
				wh_bad_record(r->in->name, r->base + r->pos,
					      "input ends inside an Event element");
				return 0;
			}
			if (n == 0 && r->eof)
				return 0;
			continue;
		}
		r->pos += (size_t)s;
		size_t from = r->pos + 6 + r->scanned;
		long e = find_end(r->buf + from, r->end - from);
		long ns = find_start(r->buf + from, r->end - from, &more);
		if (more)
			ns = -1;   /* cut by the buffer's end: decided after the next read */
		if (ns >= 0 && (e < 0 || ns < e)) {
			wh_bad_record(r->in->name, r->base + r->pos,
				      "Event element not closed before the next one: skipped");
			r->pos = from + (size_t)ns;
			r->scanned = 0;
			continue;
		}
		if (e < 0) {
			if (r->end - r->pos > WH_MAX_RECORD) {
				wh_bad_record(r->in->name, r->base + r->pos,
					      "Event element larger than %u MiB skipped",
					      WH_MAX_RECORD >> 20);
				r->pos += 6;
				r->scanned = 0;
				continue;
			}
			/* search again from a little before the end, where a tag may be cut */
			size_t seen = r->end - r->pos;
			r->scanned = seen > 6 + 16 ? seen - 6 - 16 : 0;
			ssize_t n = refill(r, r->pos);
			if (n < 0)
				return -1;
			if (n == 0) {
				wh_bad_record(r->in->name, r->base + r->pos,
					      "input ends inside an Event element");
				r->pos = r->end;
				r->scanned = 0;
				return 0;
			}
			continue;
		}
		size_t start = r->pos, stop_at = from + (size_t)e;
		r->pos = stop_at;
		r->scanned = 0;
		wh_arena_reset(&r->arena);
		ev->arena = &r->arena;
		ev->offset = r->base + start;
		const char *err;
		size_t at;
		if (wh_xml_parse_event(r->xp, r->buf + start, stop_at - start, ev, &r->arena, &err,
				       &at) < 0) {
			wh_bad_record(r->in->name, r->base + start + at, "invalid event XML: %s", err);
			continue;
		}
		r->events++;
		if (ev->record == 0)
			ev->record = r->events;   /* no EventRecordID: the element's number */
		if (ev->truncated)
			wh_bad_record(r->in->name, ev->offset, "more than %u fields: the rest dropped",
				      WH_EVENT_MAX_FIELDS);
		return 1;
	}
}

/* ---- sniffing ---- */

static size_t skip_ws(const char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
		i++;
	return i;
}

static bool starts(const char *s, size_t n, size_t i, const char *lit)
{
	size_t l = strlen(lit);
	return n - i >= l && memcmp(s + i, lit, l) == 0;
}

/* An <Event> start tag at i whose element has a <System> part. */
static bool event_at(const char *s, size_t n, size_t i)
{
	if (!starts(s, n, i, "<Event") || n - i < 7 || !tag_end_char(s[i + 6]))
		return false;
	return memmem(s + i, n - i, "<System", 7) != NULL;
}

static int sniff_utf8(const char *s, size_t n)
{
	size_t i = 0;
	if (n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	i = skip_ws(s, n, i);
	if (starts(s, n, i, "<?xml")) {
		const char *q = memmem(s + i, n - i, "?>", 2);
		if (!q)
			return 0;
		i = skip_ws(s, n, (size_t)(q - s) + 2);
	}
	while (starts(s, n, i, "<!--")) {
		const char *q = memmem(s + i, n - i, "-->", 3);
		if (!q)
			return 0;
		i = skip_ws(s, n, (size_t)(q - s) + 3);
	}
	if (starts(s, n, i, "<Events") && n - i > 7 && tag_end_char(s[i + 7])) {
		const char *gt = memchr(s + i, '>', n - i);
		if (!gt)
			return 0;
		i = skip_ws(s, n, (size_t)(gt - s) + 1);
		return event_at(s, n, i) ? 95 : 0;
	}
	if (i < n && s[i] == '<')
		return event_at(s, n, i) ? 95 : 0;
	/* evtxexport: its banner ("evtxexport 20240421"), and in some modes
	 * "Event number : N" lines, before the elements */
	if (starts(s, n, i, "evtxexport") || starts(s, n, i, "Event number")) {
		bool more;
		long at = find_start(s + i, n - i, &more);
		if (at < 0 || more)
			return 0;
		return event_at(s, n, i + (size_t)at) ? 90 : 0;
	}
	return 0;
}

static int xml_sniff(const unsigned char *b, size_t n)
{
	if (n >= 2 && ((b[0] == 0xff && b[1] == 0xfe) || (b[0] == 0xfe && b[1] == 0xff))) {
		static _Thread_local unsigned char u8[3 * 8192 + 8];
		size_t used, take = n - 2 > 16384 ? 16384 : n - 2;
		size_t o = utf16_to_utf8(b + 2, take, b[0] == 0xfe, true, u8, &used);
		return sniff_utf8((const char *)u8, o);
	}
	return sniff_utf8((const char *)b, n);
}

const struct wh_reader wh_reader_xml = {
	.name = "xml",
	.sniff = xml_sniff,
	.open = xml_open,
	.next = xml_next,
	.close = xml_close,
};
