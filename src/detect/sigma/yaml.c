/*
 * yaml.c: the YAML tree of yaml.h, from libyaml's event stream.
 *
 * Containers being built sit on a stack; their children collect in a
 * growable array and move into the arena when the container ends, so the
 * tree is one arena and one free.
 */
#include "detect/sigma/yaml.h"
#include "util/num.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

struct open_node {
	struct wh_ynode *node;
	struct wh_ynode **kids;
	size_t nkids, cap;
};

struct anchor {
	char *name;
	struct wh_ynode *node;
};

struct builder {
	struct wh_yfile *f;
	struct open_node stack[WH_YAML_MAX_DEPTH + 1];
	int depth;
	struct anchor *anchors;
	size_t nanchors, anchors_cap;
	size_t nodes, aliases;
	struct wh_ynode *root;
	bool have_root;
};

static void set_err(struct wh_yfile *f, uint32_t line, const char *msg)
{
	if (f->err[0])
		return;
	snprintf(f->err, sizeof(f->err), "%s", msg);
	f->err_line = line;
}

static struct wh_ynode *new_node(struct builder *b, uint8_t type, uint32_t line)
{
	if (++b->nodes > WH_YAML_MAX_NODES)
		return NULL;
	struct wh_ynode *n = wh_arena_calloc(&b->f->arena, sizeof(*n));
	n->type = type;
	n->line = line;
	return n;
}

static void remember_anchor(struct builder *b, const yaml_char_t *name, struct wh_ynode *n)
{
	if (!name)
		return;
	WH_GROW(b->anchors, b->nanchors + 1, b->anchors_cap);
	b->anchors[b->nanchors].name = wh_xstrdup((const char *)name);
	b->anchors[b->nanchors].node = n;
	b->nanchors++;
}

/* Attach n to the container on top of the stack, or make it the root. */
static int attach(struct builder *b, struct wh_ynode *n)
{
	if (b->depth == 0) {
		b->root = n;
		b->have_root = true;
		return 0;
	}
	struct open_node *o = &b->stack[b->depth - 1];
	WH_GROW(o->kids, o->nkids + 1, o->cap);
	o->kids[o->nkids++] = n;
	return 0;
}

static int open_container(struct builder *b, uint8_t type, uint32_t line, const yaml_char_t *anchor)
{
	if (b->depth >= WH_YAML_MAX_DEPTH) {
		set_err(b->f, line, "nested deeper than 64 levels");
		return -1;
	}
	struct wh_ynode *n = new_node(b, type, line);
	if (!n) {
		set_err(b->f, line, "more than 500000 nodes");
		return -1;
	}
	remember_anchor(b, anchor, n);
	struct open_node *o = &b->stack[b->depth++];
	memset(o, 0, sizeof(*o));
	o->node = n;
	return 0;
}

static int close_container(struct builder *b)
{
	struct open_node *o = &b->stack[--b->depth];
	struct wh_ynode *n = o->node;
	if (n->type == WH_Y_MAP && o->nkids % 2) {
		set_err(b->f, n->line, "map with a key and no value");
		free(o->kids);
		return -1;
	}
	n->n = (uint32_t)(n->type == WH_Y_MAP ? o->nkids / 2 : o->nkids);
	if (o->nkids) {
		n->kids = wh_arena_alloc(&b->f->arena, o->nkids * sizeof(*n->kids));
		memcpy(n->kids, o->kids, o->nkids * sizeof(*n->kids));
	}
	free(o->kids);
	o->kids = NULL;
	return attach(b, n);
}

static void end_document(struct builder *b, uint32_t line)
{
	struct wh_yfile *f = b->f;
	f->docs = wh_xreallocarray(f->docs, f->ndocs + 1, sizeof(*f->docs));
	f->doc_line = wh_xreallocarray(f->doc_line, f->ndocs + 1, sizeof(*f->doc_line));
	f->docs[f->ndocs] = b->have_root ? b->root : NULL;
	f->doc_line[f->ndocs] = line;
	f->ndocs++;
	b->root = NULL;
	b->have_root = false;
	/* anchors are per document */
	for (size_t i = 0; i < b->nanchors; i++)
		free(b->anchors[i].name);
	b->nanchors = 0;
}

int wh_yaml_parse(struct wh_yfile *f, const char *buf, size_t len)
{
	memset(f, 0, sizeof(*f));
	wh_arena_init(&f->arena, 64 * 1024, 0);
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p)) {
		set_err(f, 0, "cannot start the YAML parser");
		return -1;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	struct builder b = { .f = f };
	int rc = 0;
	uint32_t doc_line = 1;
	for (bool done = false; !done;) {
		yaml_event_t e;
		if (!yaml_parser_parse(&p, &e)) {
			char msg[160];
			snprintf(msg, sizeof(msg), "YAML: %s%s%s", p.problem ? p.problem : "syntax error",
				 p.context ? " " : "", p.context ? p.context : "");
			set_err(f, (uint32_t)p.problem_mark.line + 1, msg);
			rc = -1;
			break;
		}
		uint32_t line = (uint32_t)e.start_mark.line + 1;
		switch (e.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			doc_line = line;
			break;
		case YAML_DOCUMENT_END_EVENT:
			end_document(&b, doc_line);
			break;
		case YAML_SCALAR_EVENT: {
			struct wh_ynode *n = new_node(&b, WH_Y_SCALAR, line);
			if (!n) {
				set_err(f, line, "more than 500000 nodes");
				rc = -1;
				done = true;
				break;
			}
			n->s = wh_arena_strndup(&f->arena, (const char *)e.data.scalar.value,
						e.data.scalar.length);
			n->len = e.data.scalar.length;
			n->plain = e.data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !e.data.scalar.tag;
			remember_anchor(&b, e.data.scalar.anchor, n);
			attach(&b, n);
			break;
		}
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (open_container(&b, e.type == YAML_SEQUENCE_START_EVENT ? WH_Y_SEQ : WH_Y_MAP, line,
					   e.type == YAML_SEQUENCE_START_EVENT ? e.data.sequence_start.anchor
									       : e.data.mapping_start.anchor) < 0) {
				rc = -1;
				done = true;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (close_container(&b) < 0) {
				rc = -1;
				done = true;
			}
			break;
		case YAML_ALIAS_EVENT: {
			struct wh_ynode *target = NULL;
			for (size_t i = b.nanchors; i-- > 0;)
				if (strcmp(b.anchors[i].name, (const char *)e.data.alias.anchor) == 0) {
					target = b.anchors[i].node;
					break;
				}
			if (!target || ++b.aliases > WH_YAML_MAX_ALIASES) {
				set_err(f, line, target ? "more than 1024 aliases" : "alias of an unknown anchor");
				rc = -1;
				done = true;
				break;
			}
			attach(&b, target);
			break;
		}
		default:
			break;
		}
		yaml_event_delete(&e);
	}
	while (b.depth > 0)
		free(b.stack[--b.depth].kids);
	for (size_t i = 0; i < b.nanchors; i++)
		free(b.anchors[i].name);
	free(b.anchors);
	yaml_parser_delete(&p);
	return rc;
}

void wh_yaml_release(struct wh_yfile *f)
{
	free(f->docs);
	free(f->doc_line);
	wh_arena_release(&f->arena);
	memset(f, 0, sizeof(*f));
}

const struct wh_ynode *wh_ymap_get(const struct wh_ynode *map, const char *key)
{
	if (!map || map->type != WH_Y_MAP)
		return NULL;
	const struct wh_ynode *found = NULL;
	for (uint32_t i = 0; i < map->n; i++) {
		const struct wh_ynode *k = map->kids[2 * i];
		if (k->type == WH_Y_SCALAR && strcmp(k->s, key) == 0)
			found = map->kids[2 * i + 1];
	}
	return found;
}

bool wh_ynode_is_null(const struct wh_ynode *n)
{
	if (!n || n->type != WH_Y_SCALAR || !n->plain)
		return false;
	return n->len == 0 || strcmp(n->s, "~") == 0 || strcmp(n->s, "null") == 0 ||
	       strcmp(n->s, "Null") == 0 || strcmp(n->s, "NULL") == 0;
}

bool wh_ynode_bool(const struct wh_ynode *n, bool *v)
{
	if (!n || n->type != WH_Y_SCALAR || !n->plain)
		return false;
	if (strcmp(n->s, "true") == 0 || strcmp(n->s, "True") == 0 || strcmp(n->s, "TRUE") == 0) {
		*v = true;
		return true;
	}
	if (strcmp(n->s, "false") == 0 || strcmp(n->s, "False") == 0 || strcmp(n->s, "FALSE") == 0) {
		*v = false;
		return true;
	}
	return false;
}

bool wh_ynode_int(const struct wh_ynode *n, int64_t *v)
{
	if (!n || n->type != WH_Y_SCALAR || !n->plain || n->len == 0 || n->len > 40)
		return false;
	const char *s = n->s;
	size_t len = n->len;
	bool neg = false;
	if (*s == '-' || *s == '+') {
		neg = *s == '-';
		s++;
		len--;
	}
	uint64_t u;
	if (len > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) {
		u = 0;
		for (size_t i = 2; i < len; i++) {
			if (s[i] < '0' || s[i] > '7' || u > (UINT64_MAX >> 3))
				return false;
			u = u * 8 + (uint64_t)(s[i] - '0');
		}
	} else if (!wh_parse_u64(s, len, &u)) {
		return false;
	}
	if (u > (uint64_t)INT64_MAX)
		return false;
	*v = neg ? -(int64_t)u : (int64_t)u;
	return true;
}

bool wh_ynode_float(const struct wh_ynode *n, double *v)
{
	int64_t i;
	if (!n || n->type != WH_Y_SCALAR || !n->plain || n->len == 0 || n->len > 60 || wh_ynode_int(n, &i))
		return false;
	const char *s = n->s;
	/* YAML floats: digits, one dot, an exponent; not "inf" words or hex */
	bool digit = false;
	for (size_t k = 0; k < n->len; k++) {
		char c = s[k];
		if (c >= '0' && c <= '9')
			digit = true;
		else if (!strchr("+-.eE", c))
			return false;
	}
	if (!digit)
		return false;
	char *end;
	double d = strtod(s, &end);
	if (end != s + n->len)
		return false;
	*v = d;
	return true;
}
