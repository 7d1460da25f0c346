/*
 * logsource.c: which events a Sigma logsource covers, from the mapping file
 * (etc/sigma-logsources.yml, documented in docs/sigma.md), and the
 * placeholder values of the `expand` modifier.
 *
 * The mapping built into the binary is loaded first; the installed copy in
 * /etc/whitehawk and a file given with --mapping are loaded over it, an
 * entry replacing the earlier one with the same product, category and
 * service. So a user extends the mapping by adding entries to the file.
 */
#include "detect/sigma/sigma_int.h"
#include "util/diag.h"
#include "util/num.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

extern const unsigned char wh_sigma_default_mapping[];
extern const unsigned long wh_sigma_default_mapping_len;

#ifndef WH_SYSCONFDIR
#define WH_SYSCONFDIR "/etc/whitehawk"
#endif

static const char *str_or_empty(struct wh_sigma *s, const struct wh_ynode *n)
{
	if (!n || n->type != WH_Y_SCALAR || wh_ynode_is_null(n))
		return "";
	return wh_intern(&s->strings, n->s, n->len);
}

/* A scalar or a list of scalars as an array of interned strings. */
static const char **str_list(struct wh_sigma *s, const struct wh_ynode *n, uint32_t *count)
{
	*count = 0;
	if (!n)
		return NULL;
	uint32_t k = n->type == WH_Y_SEQ ? n->n : 1;
	const char **v = wh_arena_alloc(&s->arena, (k + 1) * sizeof(*v));
	for (uint32_t i = 0; i < k; i++) {
		const struct wh_ynode *it = n->type == WH_Y_SEQ ? n->kids[i] : n;
		if (it->type == WH_Y_SCALAR)
			v[(*count)++] = wh_intern(&s->strings, it->s, it->len);
	}
	return v;
}

static int parse_sel(struct wh_sigma *s, const char *name, const struct wh_ynode *n, struct sg_sel *sel)
{
	memset(sel, 0, sizeof(*sel));
	if (!n || n->type != WH_Y_MAP) {
		wh_error("%s: line %u: an events item must be a map", name, n ? n->line : 0);
		return -1;
	}
	sel->channels = str_list(s, wh_ymap_get(n, "channel"), &sel->nchannels);
	sel->providers = str_list(s, wh_ymap_get(n, "provider"), &sel->nproviders);
	sel->formats = str_list(s, wh_ymap_get(n, "format"), &sel->nformats);
	uint32_t nids;
	const char **ids = str_list(s, wh_ymap_get(n, "event_id"), &nids);
	if (nids) {
		sel->ids = wh_arena_alloc(&s->arena, nids * sizeof(*sel->ids));
		for (uint32_t i = 0; i < nids; i++) {
			int64_t v;
			if (!wh_parse_i64(ids[i], strlen(ids[i]), &v) || v < 0 || v > INT32_MAX) {
				wh_error("%s: line %u: bad event_id '%s'", name, n->line, ids[i]);
				return -1;
			}
			sel->ids[sel->nids++] = (int32_t)v;
		}
	}
	uint32_t nk;
	const char **kinds = str_list(s, wh_ymap_get(n, "kind"), &nk);
	for (uint32_t i = 0; i < nk; i++) {
		int k = wh_kind_parse(kinds[i]);
		if (k < 0) {
			wh_error("%s: line %u: unknown kind '%s'", name, n->line, kinds[i]);
			return -1;
		}
		sel->kinds |= 1u << k;
	}
	const struct wh_ynode *ren = wh_ymap_get(n, "rename");
	if (ren && ren->type == WH_Y_MAP && ren->n) {
		sel->ren = wh_arena_calloc(&s->arena, ren->n * sizeof(*sel->ren));
		for (uint32_t i = 0; i < ren->n; i++) {
			const struct wh_ynode *k = ren->kids[2 * i], *v = ren->kids[2 * i + 1];
			struct sg_rename *r = &sel->ren[sel->nren];
			r->to = str_or_empty(s, k);
			if (v->type == WH_Y_MAP) {
				r->from = str_or_empty(s, wh_ymap_get(v, "field"));
				const char *conv = str_or_empty(s, wh_ymap_get(v, "convert"));
				if (strcmp(conv, "hex") == 0)
					r->conv = SG_CONV_HEX;
				else if (*conv) {
					wh_error("%s: line %u: unknown convert '%s' (hex)", name, v->line, conv);
					return -1;
				}
			} else {
				r->from = str_or_empty(s, v);
			}
			if (!*r->to || !*r->from) {
				wh_error("%s: line %u: a rename needs a field name on both sides", name, k->line);
				return -1;
			}
			sel->nren++;
		}
	}
	return 0;
}

int sg_mapping_parse(struct wh_sigma *s, const char *name, const char *buf, size_t len)
{
	struct wh_yfile *f = wh_xcalloc(1, sizeof(*f));
	int rc = wh_yaml_parse(f, buf, len);
	WH_GROW(s->files, s->nfiles + 1, s->files_cap);
	s->files[s->nfiles++] = f;
	if (rc < 0)
		return wh_error("%s: line %u: %s", name, f->err_line, f->err);
	const struct wh_ynode *root = f->ndocs ? f->docs[0] : NULL;
	const struct wh_ynode *list = wh_ymap_get(root, "logsources");
	if (!list || list->type != WH_Y_SEQ)
		return wh_error("%s: no 'logsources' list", name);
	for (uint32_t i = 0; i < list->n; i++) {
		const struct wh_ynode *e = list->kids[i];
		if (e->type != WH_Y_MAP)
			return wh_error("%s: line %u: a logsources item must be a map", name, e->line);
		struct sg_entry ent = { .file = wh_intern_str(&s->strings, name), .line = e->line };
		ent.product = str_or_empty(s, wh_ymap_get(e, "product"));
		ent.category = str_or_empty(s, wh_ymap_get(e, "category"));
		ent.service = str_or_empty(s, wh_ymap_get(e, "service"));
		const struct wh_ynode *evs = wh_ymap_get(e, "events");
		if (!evs || evs->type != WH_Y_SEQ)
			return wh_error("%s: line %u: an entry needs an 'events' list", name, e->line);
		ent.sels = wh_arena_calloc(&s->arena, (evs->n + 1) * sizeof(*ent.sels));
		for (uint32_t j = 0; j < evs->n; j++)
			if (parse_sel(s, name, evs->kids[j], &ent.sels[ent.nsels++]) < 0)
				return -1;
		/* a later entry for the same logsource replaces the earlier one */
		uint32_t k;
		for (k = 0; k < s->nentries; k++) {
			struct sg_entry *o = &s->entries[k];
			if (strcmp(o->product, ent.product) == 0 && strcmp(o->category, ent.category) == 0 &&
			    strcmp(o->service, ent.service) == 0)
				break;
		}
		if (k == s->nentries) {
			WH_GROW(s->entries, s->nentries + 1, s->entries_cap);
			s->nentries++;
		}
		s->entries[k] = ent;
	}
	return 0;
}

static char *read_small_file(const char *path, size_t *len, bool quiet_missing)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		if (!(quiet_missing && errno == ENOENT))
			wh_error("%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	struct wh_sbuf sb = WH_SBUF_INIT(8u << 20);
	char chunk[8192];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		if (wh_sbuf_add(&sb, chunk, n) < 0)
			break;
	bool bad = ferror(fp) || sb.overflow;
	fclose(fp);
	if (bad) {
		wh_error("%s: cannot read (or larger than 8 MiB)", path);
		wh_sbuf_release(&sb);
		return NULL;
	}
	*len = sb.len;
	return wh_sbuf_detach(&sb);
}

int wh_sigma_load_mapping(struct wh_sigma *s, const char *path)
{
	if (!s->mapping_loaded) {
		s->mapping_loaded = true;
		if (sg_mapping_parse(s, "(built-in sigma-logsources.yml)", (const char *)wh_sigma_default_mapping,
				     wh_sigma_default_mapping_len) < 0)
			WH_BUG("the built-in logsource mapping does not parse");
		size_t len;
		const char *sys = WH_SYSCONFDIR "/sigma-logsources.yml";
		char *buf = getenv("WH_NO_SYSCONF") ? NULL : read_small_file(sys, &len, true);
		if (buf) {
			int rc = sg_mapping_parse(s, sys, buf, len);
			free(buf);
			if (rc < 0)
				return -1;
		}
	}
	if (!path)
		return 0;
	size_t len;
	char *buf = read_small_file(path, &len, false);
	if (!buf)
		return -1;
	int rc = sg_mapping_parse(s, path, buf, len);
	free(buf);
	return rc;
}

int sg_placeholders_parse(struct wh_sigma *s, const char *name, const char *buf, size_t len)
{
	struct wh_yfile *f = wh_xcalloc(1, sizeof(*f));
	int rc = wh_yaml_parse(f, buf, len);
	WH_GROW(s->files, s->nfiles + 1, s->files_cap);
	s->files[s->nfiles++] = f;
	if (rc < 0)
		return wh_error("%s: line %u: %s", name, f->err_line, f->err);
	const struct wh_ynode *root = f->ndocs ? f->docs[0] : NULL;
	const struct wh_ynode *m = wh_ymap_get(root, "placeholders");
	if (!m)
		m = root;
	if (!m || wh_ynode_is_null(m))
		return 0;
	if (m->type != WH_Y_MAP)
		return wh_error("%s: placeholders must be a map of name: [values]", name);
	for (uint32_t i = 0; i < m->n; i++) {
		const struct wh_ynode *k = m->kids[2 * i];
		if (k->type != WH_Y_SCALAR)
			continue;
		struct sg_strlist *l = wh_arena_calloc(&s->arena, sizeof(*l));
		l->v = str_list(s, m->kids[2 * i + 1], &l->n);
		const char *key = wh_intern(&s->strings, k->s, k->len);
		bool added;
		wh_map_put(&s->placeholders, key, k->len, &added)->val = l;
	}
	return 0;
}

int wh_sigma_load_placeholders(struct wh_sigma *s, const char *path)
{
	size_t len;
	bool dflt = path == NULL;
	if (dflt)
		path = WH_SYSCONFDIR "/sigma-placeholders.yml";
	char *buf = (dflt && getenv("WH_NO_SYSCONF")) ? NULL : read_small_file(path, &len, dflt);
	if (!buf)
		return dflt ? 0 : -1;
	int rc = sg_placeholders_parse(s, path, buf, len);
	free(buf);
	return rc;
}

static const struct sg_entry *find_exact(const struct wh_sigma *s, const char *p, const char *c, const char *sv)
{
	for (uint32_t i = s->nentries; i-- > 0;) {
		const struct sg_entry *e = &s->entries[i];
		if (strcasecmp(e->product, p) == 0 && strcasecmp(e->category, c) == 0 && strcasecmp(e->service, sv) == 0)
			return e;
	}
	return NULL;
}

const struct sg_entry *sg_mapping_find(const struct wh_sigma *s, const char *product, const char *category,
				       const char *service)
{
	const struct sg_entry *e = find_exact(s, product, category, service);
	if (e)
		return e;
	if (*category && *service) {
		/* a category of a service: the category decides the events */
		if ((e = find_exact(s, product, category, "")))
			return e;
		if ((e = find_exact(s, product, "", service)))
			return e;
	}
	if (*product && !*category && *service) {
		/* a service known without its product */
		if ((e = find_exact(s, "", "", service)))
			return e;
	}
	if (*product && *category && !*service) {
		if ((e = find_exact(s, "", category, "")))
			return e;
	}
	return NULL;
}

static bool in_list(const char *const *v, uint32_t n, const char *x)
{
	for (uint32_t i = 0; i < n; i++) {
		if (v[i][0] == '*' && v[i][1] == '\0') {
			if (*x)
				return true;
		} else if (strcasecmp(v[i], x) == 0) {
			return true;
		}
	}
	return false;
}

bool sg_sel_match(const struct sg_sel *sel, const struct wh_event *ev)
{
	if (sel->nids) {
		uint32_t i;
		for (i = 0; i < sel->nids && sel->ids[i] != ev->event_id; i++)
			;
		if (i == sel->nids)
			return false;
	}
	if (sel->kinds && !(sel->kinds & (1u << ev->kind)))
		return false;
	if (sel->nchannels && !in_list(sel->channels, sel->nchannels, ev->channel))
		return false;
	if (sel->nproviders && !in_list(sel->providers, sel->nproviders, ev->provider))
		return false;
	if (sel->nformats && !in_list(sel->formats, sel->nformats, ev->format ? ev->format : ""))
		return false;
	return true;
}
