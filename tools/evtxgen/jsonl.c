/*
 * jsonl.c: flat JSON lines for evtxgen --from-jsonl (see jsonl.h).
 */
#include "jsonl.h"

#include <stdint.h>

struct p {
	const unsigned char *s;
	size_t n, i;
	char *out;              /* scratch, written forward */
	const char *err;
	size_t err_at;
};

static int fail(struct p *p, const char *msg)
{
	if (!p->err) {
		p->err = msg;
		p->err_at = p->i;
	}
	return -1;
}

static void ws(struct p *p)
{
	while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\r' || p->s[p->i] == '\n'))
		p->i++;
}

static int hex4(const unsigned char *s)
{
	int v = 0;
	for (int k = 0; k < 4; k++) {
		int c = s[k], d = c >= '0' && c <= '9'   ? c - '0'
				  : c >= 'a' && c <= 'f' ? c - 'a' + 10
				  : c >= 'A' && c <= 'F' ? c - 'A' + 10
							 : -1;
		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

static void put_utf8(struct p *p, uint32_t c)
{
	if (c < 0x80) {
		*p->out++ = (char)c;
	} else if (c < 0x800) {
		*p->out++ = (char)(0xc0 | c >> 6);
		*p->out++ = (char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		*p->out++ = (char)(0xe0 | c >> 12);
		*p->out++ = (char)(0x80 | (c >> 6 & 0x3f));
		*p->out++ = (char)(0x80 | (c & 0x3f));
	} else {
		*p->out++ = (char)(0xf0 | c >> 18);
		*p->out++ = (char)(0x80 | (c >> 12 & 0x3f));
		*p->out++ = (char)(0x80 | (c >> 6 & 0x3f));
		*p->out++ = (char)(0x80 | (c & 0x3f));
	}
}

/* Length of the well-formed UTF-8 sequence at s[0..n), or 0 (RFC 3629:
 * no overlong forms, no surrogates, nothing past U+10FFFF). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
	if (len == 0 || len > n)
		return 0;
	for (size_t k = 1; k < len; k++)
		if ((s[k] & 0xc0) != 0x80)
			return 0;
	if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) || (c == 0xf0 && s[1] < 0x90) ||
	    (c == 0xf4 && s[1] > 0x8f))
		return 0;
	return len;
}

/* A string at p->i (on its opening quote), decoded into scratch. */
static int string(struct p *p, const char **val)
{
	p->i++;
	*val = p->out;
	for (;;) {
		if (p->i >= p->n)
			return fail(p, "string not closed");
		unsigned c = p->s[p->i];
		if (c == '"') {
			p->i++;
			*p->out++ = '\0';
			return 0;
		}
		if (c < 0x20)
			return fail(p, "control character in a string");
		if (c != '\\') {
			size_t len = utf8_len(p->s + p->i, p->n - p->i);
			if (!len)
				return fail(p, "invalid UTF-8 in a string");
			for (size_t k = 0; k < len; k++)
				*p->out++ = (char)p->s[p->i++];
			continue;
		}
		if (p->i + 1 >= p->n)
			return fail(p, "string not closed");
		char e = (char)p->s[p->i + 1];
		switch (e) {
		case '"': case '\\': case '/': *p->out++ = e; p->i += 2; continue;
		case 'b': *p->out++ = '\b'; p->i += 2; continue;
		case 'f': *p->out++ = '\f'; p->i += 2; continue;
		case 'n': *p->out++ = '\n'; p->i += 2; continue;
		case 'r': *p->out++ = '\r'; p->i += 2; continue;
		case 't': *p->out++ = '\t'; p->i += 2; continue;
		case 'u': break;
		default: return fail(p, "invalid escape in a string");
		}
		int cp = p->i + 6 <= p->n ? hex4(p->s + p->i + 2) : -1;
		if (cp < 0)
			return fail(p, "invalid \\u escape in a string");
		p->i += 6;
		uint32_t u = (uint32_t)cp;
		if (u >= 0xd800 && u <= 0xdbff && p->i + 6 <= p->n && p->s[p->i] == '\\' && p->s[p->i + 1] == 'u') {
			int lo = hex4(p->s + p->i + 2);
			if (lo >= 0xdc00 && lo <= 0xdfff) {
				u = 0x10000 + ((u - 0xd800) << 10) + ((uint32_t)lo - 0xdc00);
				p->i += 6;
			} else {
				u = 0xfffd;   /* the next escape is read on its own */
			}
		} else if (u >= 0xd800 && u <= 0xdfff) {
			u = 0xfffd;
		}
		/* A NUL would cut the value short in C and in EVTX strings. */
		if (u == 0)
			u = 0xfffd;
		put_utf8(p, u);
	}
}

static bool digit(const struct p *p)
{
	return p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9';
}

static int number(struct p *p, const char **val)
{
	size_t start = p->i;
	if (p->s[p->i] == '-')
		p->i++;
	if (!digit(p))
		return fail(p, "invalid number");
	if (p->s[p->i] == '0')
		p->i++;
	else
		while (digit(p))
			p->i++;
	if (p->i < p->n && p->s[p->i] == '.') {
		p->i++;
		if (!digit(p))
			return fail(p, "invalid number");
		while (digit(p))
			p->i++;
	}
	if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
		p->i++;
		if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-'))
			p->i++;
		if (!digit(p))
			return fail(p, "invalid number");
		while (digit(p))
			p->i++;
	}
	*val = p->out;
	for (size_t k = start; k < p->i; k++)
		*p->out++ = (char)p->s[k];
	*p->out++ = '\0';
	return 0;
}

static bool literal(struct p *p, const char *word)
{
	size_t k = 0;
	while (word[k] && p->i + k < p->n && p->s[p->i + k] == (unsigned char)word[k])
		k++;
	if (word[k])
		return false;
	p->i += k;
	return true;
}

int jsonl_parse(const char *line, size_t len, char *scratch, struct jsonl_field *out, const char **err,
		size_t *err_at)
{
	struct p p = { (const unsigned char *)line, len, 0, scratch, NULL, 0 };
	int nf = 0;
	ws(&p);
	if (p.i >= p.n || p.s[p.i] != '{') {
		fail(&p, "not a JSON object");
		goto bad;
	}
	p.i++;
	ws(&p);
	if (p.i < p.n && p.s[p.i] == '}') {
		p.i++;
		goto end;
	}
	for (;;) {
		ws(&p);
		if (p.i >= p.n || p.s[p.i] != '"') {
			fail(&p, "expected a field name");
			goto bad;
		}
		if (nf == JSONL_MAX_FIELDS) {
			fail(&p, "too many fields");
			goto bad;
		}
		struct jsonl_field *f = &out[nf];
		if (string(&p, &f->key) < 0)
			goto bad;
		ws(&p);
		if (p.i >= p.n || p.s[p.i] != ':') {
			fail(&p, "expected ':'");
			goto bad;
		}
		p.i++;
		ws(&p);
		if (p.i >= p.n) {
			fail(&p, "value missing");
			goto bad;
		}
		unsigned c = p.s[p.i];
		if (c == '"') {
			f->kind = JSONL_STRING;
			if (string(&p, &f->val) < 0)
				goto bad;
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			f->kind = JSONL_NUMBER;
			if (number(&p, &f->val) < 0)
				goto bad;
		} else if (literal(&p, "true")) {
			f->kind = JSONL_TRUE;
			f->val = "true";
		} else if (literal(&p, "false")) {
			f->kind = JSONL_FALSE;
			f->val = "false";
		} else if (literal(&p, "null")) {
			f->kind = JSONL_NULL;
			f->val = "";
		} else if (c == '{' || c == '[') {
			fail(&p, "nested objects and arrays are not supported (flat lines only)");
			goto bad;
		} else {
			fail(&p, "invalid value");
			goto bad;
		}
		nf++;
		ws(&p);
		if (p.i < p.n && p.s[p.i] == ',') {
			p.i++;
			continue;
		}
		if (p.i < p.n && p.s[p.i] == '}') {
			p.i++;
			break;
		}
		fail(&p, "expected ',' or '}'");
		goto bad;
	}
end:
	ws(&p);
	if (p.i < p.n) {
		fail(&p, "text after the object");
		goto bad;
	}
	return nf;
bad:
	*err = p.err;
	*err_at = p.err_at;
	return -1;
}
