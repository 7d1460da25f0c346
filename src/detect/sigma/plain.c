/*
 * plain.c: the plain matcher. Every rule whose logsource takes the event
 * is evaluated by walking its detection tree, leaf by leaf, against the
 * event's values: no views, no memo, no Hyperscan, no trigger literals,
 * checks or marks. It is slow (every unit of the event's logsources, every
 * event) and it is there to check the compiled matcher of engine.c, whose
 * shortcuts are many: `whitehawk hunt --plain` and the corpus and fuzz
 * tests compare the two, hit for hit.
 *
 * It shares with the compiled matcher only what a rule means: the trees
 * that rule.c builds, the logsource selectors (logsource.c), one leaf
 * against one value (value.c), and what a hit does (sg_emit: correlations,
 * the callback).
 */
#include "detect/sigma/sigma_int.h"
#include "util/xalloc.h"

#include <string.h>

/* The field id of an event's field name (case-insensitive), or SG_NONE. */
static uint32_t plain_field(const struct wh_sigma *s, const struct wh_field *f)
{
	struct wh_map_slot *slot = wh_map_find(&s->field_ids, f->name, f->nlen);
	return slot ? (uint32_t)(uintptr_t)slot->val - 1 : SG_NONE;
}

/* One value against a leaf, after the value's conversion. */
static bool plain_value(struct wh_sigma *s, const struct wh_event *ev, const uint32_t *fid, const struct sg_leaf *l,
			const char *v, size_t n)
{
	const char *cv;
	size_t cn;
	if (l->conv == SG_CONV_HEX && sg_hex_to_dec(s, v, n, &cv, &cn)) {
		v = cv;
		n = cn;
	}
	if (l->kind != SG_K_FIELDREF)
		return sg_leaf_match_value(s, l, v, n);
	for (uint32_t j = 0; j < ev->nfields; j++)
		if (fid[j] == l->fref_field && sg_fieldref_match(s, l, v, n, ev->fields[j].value, ev->fields[j].vlen))
			return true;
	return false;
}

static bool plain_leaf(struct wh_sigma *s, const struct wh_event *ev, const uint32_t *fid, const struct sg_leaf *l)
{
	if (l->keyword) {
		for (uint32_t i = 0; i < ev->nfields; i++)
			if (sg_leaf_match_value(s, l, ev->fields[i].value, ev->fields[i].vlen))
				return true;
		return false;
	}
	bool present = false, ref = l->kind != SG_K_FIELDREF;
	for (uint32_t i = 0; i < ev->nfields; i++) {
		present |= fid[i] == l->field;
		ref |= fid[i] == l->fref_field;
	}
	bool holds;
	if (sg_leaf_by_presence(l, present, &holds))
		return holds;
	if (!ref)
		return false;
	for (uint32_t i = 0; i < ev->nfields; i++)
		if (fid[i] == l->field && plain_value(s, ev, fid, l, ev->fields[i].value, ev->fields[i].vlen))
			return true;
	return false;
}

static bool plain_eval(struct wh_sigma *s, const struct wh_event *ev, const uint32_t *fid, const struct sg_node *n)
{
	switch (n->op) {
	case SG_N_AND:
		for (uint32_t i = 0; i < n->n; i++)
			if (!plain_eval(s, ev, fid, n->kids[i]))
				return false;
		return true;
	case SG_N_OR:
		for (uint32_t i = 0; i < n->n; i++)
			if (plain_eval(s, ev, fid, n->kids[i]))
				return true;
		return false;
	case SG_N_NOT:
		return !plain_eval(s, ev, fid, n->kids[0]);
	case SG_N_LEAF:
	case SG_N_LIT:
		return plain_leaf(s, ev, fid, n->leaf);
	case SG_N_TRUE:
		return true;
	default:
		return false;
	}
}

static bool plain_target(const struct wh_sigma *s, const struct sg_target *tg, const struct wh_event *ev)
{
	for (uint32_t k = 0; k < tg->nsels; k++)
		if (sg_sel_match(&tg->entry->sels[tg->sels[k]], ev))
			return true;
	return false;
}

void wh_sigma_match_plain(struct wh_sigma *s, const struct wh_event *ev, wh_sigma_hit_fn fn, void *arg)
{
	if (!s->compiled && wh_sigma_compile(s) < 0)
		return;
	s->stats.events++;
	sg_new_event(s);
	s->cur_ev = ev;
	s->ev_shape = (struct wh_sigma_shape){ 0, 0 };
	s->convused = 0;
	uint32_t *fid = wh_xcalloc(ev->nfields + 1, sizeof(uint32_t));
	for (uint32_t i = 0; i < ev->nfields; i++)
		fid[i] = plain_field(s, &ev->fields[i]);
	/* per target: 0 not decided, 1 takes the event, 2 does not */
	uint8_t *tk = wh_xcalloc(s->ntargets + 1, 1);
	uint8_t *hit = wh_xcalloc(s->nrules + 1, 1);
	bool covered = false;
	for (uint32_t u = 0; u < s->nunits; u++) {
		const struct sg_unit *un = &s->units[u];
		if (hit[un->rule])
			continue;
		if (!tk[un->target])
			tk[un->target] = plain_target(s, &s->targets[un->target], ev) ? 1 : 2;
		if (tk[un->target] != 1)
			continue;
		covered = true;
		s->stats.evaluated++;
		if (!plain_eval(s, ev, fid, un->expr))
			continue;
		hit[un->rule] = 1;
	}
	s->stats.covered += covered;
	/* in the rules' order, as wh_sigma_match emits them */
	for (uint32_t r = 0; r < s->nrules; r++)
		if (hit[r])
			sg_emit_event(s, r, ev, fn, arg);
	free(hit);
	free(tk);
	free(fid);
}
