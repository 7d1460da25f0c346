#include "engine/proc.h"
#include "util/num.h"
#include "util/wtime.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Processes with one pid on one host, in the order they were added. */
struct wh_pidlist {
	struct wh_proc **v;
	uint32_t n, cap;
};

void wh_engine_init(struct wh_engine *e)
{
	memset(e, 0, sizeof(*e));
	wh_map_init(&e->hosts, true);
	wh_arena_init(&e->arena, 256 * 1024, 0);
}

void wh_engine_release(struct wh_engine *e)
{
	for (uint32_t i = 0; i < e->nhosts; i++) {
		struct wh_host *h = e->hostv[i];
		for (uint32_t k = 0; k < h->nprocs; k++)
			free(h->procs[k]->children);
		for (size_t k = 0; k < h->by_pid.cap; k++)
			if (h->by_pid.slots[k].key)
				free(((struct wh_pidlist *)h->by_pid.slots[k].val)->v);
		free(h->procs);
		free(h->filev);
		wh_map_release(&h->by_guid);
		wh_map_release(&h->by_pid);
		wh_map_release(&h->files);
	}
	free(e->hostv);
	wh_map_release(&e->hosts);
	wh_arena_release(&e->arena);
	memset(e, 0, sizeof(*e));
}

static const char *keep(struct wh_engine *e, const char *s)
{
	if (!s)
		return NULL;
	const char *p = wh_arena_strdup(&e->arena, s);
	return p ? p : "";
}

/* A lowercased copy, for keys that Windows compares without case. */
static const char *keep_lower(struct wh_engine *e, const char *s, size_t *len)
{
	size_t n = strlen(s);
	char *p = wh_arena_alloc(&e->arena, n + 1);
	for (size_t i = 0; i < n; i++)
		p[i] = (char)tolower((unsigned char)s[i]);
	p[n] = '\0';
	*len = n;
	return p;
}

struct wh_host *wh_engine_host(struct wh_engine *e, const char *name)
{
	return wh_map_get(&e->hosts, name, strlen(name));
}

static struct wh_host *host_get(struct wh_engine *e, const char *name)
{
	bool added;
	struct wh_map_slot *s = wh_map_put(&e->hosts, name, strlen(name), &added);
	if (!added)
		return s->val;
	struct wh_host *h = wh_arena_calloc(&e->arena, sizeof(*h));
	h->name = keep(e, name);
	s->key = h->name;   /* the map must not point into the caller's event */
	wh_map_init(&h->by_guid, true);
	wh_map_init(&h->by_pid, false);
	wh_map_init(&h->files, true);
	s->val = h;
	WH_GROW(e->hostv, e->nhosts + 1, e->hostcap);
	e->hostv[e->nhosts++] = h;
	return h;
}

static bool parse_pid(const char *s, uint64_t *pid)
{
	return s && *s && wh_parse_u64(s, strlen(s), pid);
}

static const char *field(const struct wh_event *ev, const char *name)
{
	const char *v = wh_event_get(ev, name);
	return v && *v ? v : NULL;
}

static struct wh_pidlist *pidlist(struct wh_engine *e, struct wh_host *h, uint64_t pid)
{
	char key[24];
	int n = snprintf(key, sizeof(key), "%llu", (unsigned long long)pid);
	bool added;
	struct wh_map_slot *s = wh_map_put(&h->by_pid, key, (size_t)n, &added);
	if (added) {
		s->key = wh_arena_strndup(&e->arena, key, (size_t)n);
		s->val = wh_arena_calloc(&e->arena, sizeof(struct wh_pidlist));
	}
	return s->val;
}

static struct wh_proc *new_proc(struct wh_engine *e, struct wh_host *h, const char *guid,
				uint64_t pid, int64_t start)
{
	struct wh_proc *p = wh_arena_calloc(&e->arena, sizeof(*p));
	p->host = h->name;
	p->pid = pid;
	p->start = start;
	p->end = WH_TIME_NONE;
	p->image = p->cmdline = p->user = "";
	if (guid) {
		size_t gl;
		p->guid = keep(e, guid);
		const char *lk = keep_lower(e, guid, &gl);
		wh_map_put(&h->by_guid, lk, gl, NULL)->val = p;
	}
	struct wh_pidlist *pl = pidlist(e, h, pid);
	WH_GROW(pl->v, pl->n + 1, pl->cap);
	pl->v[pl->n++] = p;
	WH_GROW(h->procs, h->nprocs + 1, h->proccap);
	h->procs[h->nprocs++] = p;
	return p;
}

struct wh_proc *wh_host_find_guid(struct wh_host *h, const char *guid)
{
	return guid ? wh_map_get(&h->by_guid, guid, strlen(guid)) : NULL;
}

static struct wh_pidlist *pidlist_find(struct wh_host *h, uint64_t pid)
{
	char key[24];
	int n = snprintf(key, sizeof(key), "%llu", (unsigned long long)pid);
	return wh_map_get(&h->by_pid, key, (size_t)n);
}

/* The process with this pid that was alive at t: the latest started at or
 * before t that had not ended before t. A process that started before the
 * log (start unknown) is alive from the beginning. */
struct wh_proc *wh_host_find_pid(struct wh_host *h, uint64_t pid, int64_t t)
{
	struct wh_pidlist *pl = pidlist_find(h, pid);
	if (!pl || !pl->n)
		return NULL;
	struct wh_proc *best = NULL;
	for (uint32_t i = 0; i < pl->n; i++) {
		struct wh_proc *p = pl->v[i];
		if (t == WH_TIME_NONE) {
			if (!best || (p->start != WH_TIME_NONE &&
				      (best->start == WH_TIME_NONE || p->start > best->start)))
				best = p;
			continue;
		}
		if (p->start != WH_TIME_NONE && p->start > t)
			continue;
		if (p->end != WH_TIME_NONE && p->end < t)
			continue;
		if (!best || (p->start != WH_TIME_NONE &&
			      (best->start == WH_TIME_NONE || p->start > best->start)))
			best = p;
	}
	return best;
}

uint32_t wh_host_pid_all(struct wh_host *h, uint64_t pid, struct wh_proc **out, uint32_t max)
{
	struct wh_pidlist *pl = pidlist_find(h, pid);
	uint32_t n = 0;
	for (uint32_t i = 0; pl && i < pl->n && n < max; i++)
		out[n++] = pl->v[i];
	return n;
}

struct wh_file *wh_host_file(struct wh_host *h, const char *path)
{
	return wh_map_get(&h->files, path, strlen(path));
}

/* ---- reading events ---- */

/* What an event says about the process that did it. */
struct actor {
	const char *guid;
	uint64_t pid;
	bool has_pid;
	const char *image;
};

static bool is_4688(const struct wh_event *ev)
{
	return ev->event_id == 4688 && wh_event_is_security(ev);
}

static struct actor actor_of(const struct wh_event *ev)
{
	struct actor a = { 0 };
	if (is_4688(ev)) {
		a.has_pid = parse_pid(field(ev, "NewProcessId"), &a.pid);
		a.image = field(ev, "NewProcessName");
		return a;
	}
	a.guid = field(ev, "ProcessGuid");
	a.has_pid = parse_pid(field(ev, "ProcessId"), &a.pid);
	a.image = field(ev, "Image");
	if (!a.image)
		a.image = field(ev, "ProcessName");   /* Security 4689, 4663 ... */
	return a;
}

/* Find the actor's process; with `create`, make a synthetic one when absent. */
static struct wh_proc *resolve(struct wh_engine *e, struct wh_host *h, const struct actor *a,
			       int64_t t, bool create)
{
	struct wh_proc *p = NULL;
	if (a->guid) {
		p = wh_host_find_guid(h, a->guid);
		if (!p && create) {
			p = new_proc(e, h, a->guid, a->pid, WH_TIME_NONE);
			p->synthetic = true;
		}
	} else if (a->has_pid) {
		p = wh_host_find_pid(h, a->pid, t);
		if (p && a->image && *p->image && strcasecmp(p->image, a->image) != 0)
			p = NULL;   /* same pid, other program: pid reused */
		if (!p && create) {
			p = new_proc(e, h, NULL, a->pid, WH_TIME_NONE);
			p->synthetic = true;
		}
	}
	if (p && a->image && !*p->image)
		p->image = keep(e, a->image);
	return p;
}

/* Sysmon 1 and Security 4688 often both log one process start, a moment
 * apart, one with a guid and one without. Two starts of the same pid and
 * image within this window are one process. */
#define TWIN_WINDOW (5 * WH_NS_PER_SEC)

static struct wh_proc *find_twin(struct wh_host *h, const struct actor *a, int64_t t)
{
	struct wh_pidlist *pl = pidlist_find(h, a->pid);
	if (!pl || t == WH_TIME_NONE || !a->image)
		return NULL;
	for (uint32_t i = 0; i < pl->n; i++) {
		struct wh_proc *q = pl->v[i];
		if (q->synthetic || q->start == WH_TIME_NONE)
			continue;
		if (!!q->guid == !!a->guid)
			continue;   /* twins come from two different logs */
		int64_t d = q->start > t ? q->start - t : t - q->start;
		if (d <= TWIN_WINDOW && strcasecmp(q->image, a->image) == 0)
			return q;
	}
	return NULL;
}

static void add_start(struct wh_engine *e, struct wh_host *h, const struct wh_event *ev)
{
	struct actor a = actor_of(ev);
	if (!a.guid && !a.has_pid)
		return;
	struct wh_proc *p = NULL;
	if (a.guid) {
		p = wh_host_find_guid(h, a.guid);
		if (p && !p->synthetic)
			return;   /* the same start seen twice (overlapping exports) */
	} else {
		/* pid reuse: a start at another time is another process; a
		 * made-up process with this pid that ended after this start is
		 * this one, seen before its start (logs out of order) */
		struct wh_pidlist *pl = pidlist_find(h, a.pid);
		for (uint32_t i = 0; pl && i < pl->n; i++) {
			struct wh_proc *q = pl->v[i];
			if (!q->synthetic && q->start == ev->time)
				return;
			if (q->synthetic && q->start == WH_TIME_NONE && ev->time != WH_TIME_NONE &&
			    (q->end == WH_TIME_NONE || q->end >= ev->time) &&
			    (!a.image || !*q->image || strcasecmp(q->image, a.image) == 0))
				p = q;
		}
	}
	if (!p && a.has_pid) {
		struct wh_proc *twin = find_twin(h, &a, ev->time);
		if (twin && !a.guid)
			return;   /* the Sysmon view is already here and richer */
		if (twin) {
			/* adopt the Security-log view: give it the guid, fill it below */
			size_t gl;
			twin->guid = keep(e, a.guid);
			const char *lk = keep_lower(e, a.guid, &gl);
			wh_map_put(&h->by_guid, lk, gl, NULL)->val = twin;
			p = twin;
		}
	}
	if (!p)
		p = new_proc(e, h, a.guid, a.pid, ev->time);
	p->synthetic = false;
	p->start = ev->time;
	p->pid = a.has_pid ? a.pid : p->pid;
	p->start_ref = (struct wh_evref){ ev->source, ev->offset, ev->record, ev->time };
	p->start_ref.source = keep(e, ev->source);
	if (a.image)
		p->image = keep(e, a.image);
	const char *v;
	if ((v = field(ev, "CommandLine")))
		p->cmdline = keep(e, v);
	if ((v = field(ev, "User"))) {
		p->user = keep(e, v);
	} else if (is_4688(ev)) {
		/* TargetUserName is the new process's account when it differs from the creator's */
		const char *tu = field(ev, "TargetUserName"), *td = field(ev, "TargetDomainName");
		const char *su = field(ev, "SubjectUserName"), *sd = field(ev, "SubjectDomainName");
		const char *u = tu && strcmp(tu, "-") != 0 ? tu : su;
		const char *d = tu && strcmp(tu, "-") != 0 ? td : sd;
		if (u) {
			char buf[512];
			snprintf(buf, sizeof(buf), "%s%s%s", d ? d : "", d ? "\\" : "", u);
			p->user = keep(e, buf);
		}
	}
	p->cwd = keep(e, field(ev, "CurrentDirectory"));
	p->integrity = keep(e, field(ev, "IntegrityLevel"));
	p->hashes = keep(e, field(ev, "Hashes"));
	p->company = keep(e, field(ev, "Company"));
	p->product = keep(e, field(ev, "Product"));
	p->description = keep(e, field(ev, "Description"));
	p->original_name = keep(e, field(ev, "OriginalFileName"));
	if (is_4688(ev)) {
		p->has_ppid = parse_pid(field(ev, "ProcessId"), &p->ppid);
		p->parent_image = keep(e, field(ev, "ParentProcessName"));
	} else {
		p->parent_guid = keep(e, field(ev, "ParentProcessGuid"));
		p->has_ppid = parse_pid(field(ev, "ParentProcessId"), &p->ppid);
		p->parent_image = keep(e, field(ev, "ParentImage"));
		p->parent_cmdline = keep(e, field(ev, "ParentCommandLine"));
		p->parent_user = keep(e, field(ev, "ParentUser"));
	}
	p->nevents++;
}

static void add_end(struct wh_engine *e, struct wh_host *h, const struct wh_event *ev)
{
	struct actor a = actor_of(ev);
	struct wh_proc *p = resolve(e, h, &a, ev->time, true);
	if (!p)
		return;
	if (ev->time != WH_TIME_NONE && (p->end == WH_TIME_NONE || ev->time < p->end))
		p->end = ev->time;
	p->nevents++;
}

static void add_file(struct wh_engine *e, struct wh_host *h, const struct wh_event *ev)
{
	const char *path = field(ev, "TargetFilename");
	if (!path)
		return;
	struct actor a = actor_of(ev);
	struct wh_file *f = wh_arena_calloc(&e->arena, sizeof(*f));
	f->path = keep(e, path);
	f->time = ev->time;
	f->ref = (struct wh_evref){ keep(e, ev->source), ev->offset, ev->record, ev->time };
	f->creator_guid = keep(e, a.guid);
	f->creator_pid = a.has_pid ? a.pid : UINT64_MAX;
	f->creator_image = keep(e, a.image);
	size_t pl;
	const char *lk = keep_lower(e, path, &pl);
	bool added;
	struct wh_map_slot *s = wh_map_put(&h->files, lk, pl, &added);
	f->older = added ? NULL : s->val;
	s->val = f;
	WH_GROW(h->filev, h->nfiles + 1, h->filecap);
	h->filev[h->nfiles++] = f;
	/* Make sure a creator known only from this event exists. */
	if (a.guid)
		resolve(e, h, &a, ev->time, true);
}

void wh_engine_add(struct wh_engine *e, const struct wh_event *ev)
{
	struct wh_host *h = host_get(e, ev->host);
	switch (ev->kind) {
	case WH_EV_PROCESS_START:
		add_start(e, h, ev);
		break;
	case WH_EV_PROCESS_END:
		add_end(e, h, ev);
		break;
	case WH_EV_FILE_CREATE:
		add_file(e, h, ev);
		break;
	default: {
		/* Any other event of a process with a guid tells us it existed. */
		struct actor a = actor_of(ev);
		if (a.guid) {
			struct wh_proc *p = resolve(e, h, &a, ev->time, true);
			if (p)
				p->nevents++;
		}
		break;
	}
	}
}

/* ---- linking ---- */

static void add_child(struct wh_proc *parent, struct wh_proc *child)
{
	WH_GROW(parent->children, parent->nchildren + 1, parent->childcap);
	parent->children[parent->nchildren++] = child;
	child->parent = parent;
}

static bool would_cycle(const struct wh_proc *parent, const struct wh_proc *child)
{
	for (const struct wh_proc *q = parent; q; q = q->parent)
		if (q == child)
			return true;
	return false;
}

static struct wh_proc *synthetic_parent(struct wh_engine *e, struct wh_host *h, struct wh_proc *c)
{
	struct wh_proc *p = NULL;
	if (c->parent_guid) {
		p = new_proc(e, h, c->parent_guid, c->ppid, WH_TIME_NONE);
	} else {
		/* siblings whose parent is missing share one made-up parent */
		struct wh_pidlist *pl = pidlist_find(h, c->ppid);
		for (uint32_t i = 0; pl && i < pl->n; i++) {
			struct wh_proc *q = pl->v[i];
			if (q->synthetic && q->start == WH_TIME_NONE &&
			    (!c->parent_image || !*q->image || strcasecmp(q->image, c->parent_image) == 0))
				return q;
		}
		p = new_proc(e, h, NULL, c->ppid, WH_TIME_NONE);
	}
	p->synthetic = true;
	if (c->parent_image)
		p->image = c->parent_image;
	if (c->parent_cmdline)
		p->cmdline = c->parent_cmdline;
	if (c->parent_user)
		p->user = c->parent_user;
	return p;
}

static int cmp_start(const void *a, const void *b)
{
	const struct wh_proc *x = *(struct wh_proc *const *)a, *y = *(struct wh_proc *const *)b;
	if (x->start != y->start) {
		if (x->start == WH_TIME_NONE)
			return -1;
		if (y->start == WH_TIME_NONE)
			return 1;
		return x->start < y->start ? -1 : 1;
	}
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static void link_host(struct wh_engine *e, struct wh_host *h)
{
	/* Parents. New synthetic parents are appended to h->procs and have no
	 * parent of their own, so the loop bound may grow safely. */
	for (uint32_t i = 0; i < h->nprocs; i++) {
		struct wh_proc *c = h->procs[i];
		if (c->parent || (!c->parent_guid && !c->has_ppid))
			continue;
		struct wh_proc *p = NULL;
		if (c->parent_guid)
			p = wh_host_find_guid(h, c->parent_guid);
		if (!p && c->has_ppid && !c->parent_guid) {
			p = wh_host_find_pid(h, c->ppid, c->start);
			/* a pid alive at the time but running another program is not the parent */
			if (p && c->parent_image && *p->image && strcasecmp(p->image, c->parent_image) != 0)
				p = NULL;
			if (p == c)
				p = NULL;
		}
		if (!p)
			p = synthetic_parent(e, h, c);
		if (p && p != c && !would_cycle(p, c))
			add_child(p, c);
	}
	for (uint32_t i = 0; i < h->nprocs; i++)
		if (h->procs[i]->nchildren > 1)
			qsort(h->procs[i]->children, h->procs[i]->nchildren, sizeof(struct wh_proc *),
			      cmp_start);
	/* File creators, then image provenance: the newest creation of the image
	 * path before the process started. */
	for (uint32_t i = 0; i < h->nfiles; i++) {
		struct wh_file *f = h->filev[i];
		struct actor a = { f->creator_guid, f->creator_pid, f->creator_pid != UINT64_MAX,
				   f->creator_image };
		f->creator = resolve(e, h, &a, f->time, true);
	}
	for (uint32_t i = 0; i < h->nprocs; i++) {
		struct wh_proc *p = h->procs[i];
		if (!*p->image)
			continue;
		for (struct wh_file *f = wh_host_file(h, p->image); f; f = f->older) {
			if (p->start == WH_TIME_NONE || f->time == WH_TIME_NONE || f->time <= p->start) {
				p->image_file = f;
				break;
			}
		}
	}
}

void wh_engine_finish(struct wh_engine *e)
{
	if (e->finished)
		return;
	for (uint32_t i = 0; i < e->nhosts; i++)
		link_host(e, e->hostv[i]);
	e->finished = true;
}

struct wh_proc *wh_engine_proc_of(struct wh_engine *e, const struct wh_event *ev)
{
	struct wh_host *h = wh_engine_host(e, ev->host);
	if (!h)
		return NULL;
	struct actor a = actor_of(ev);
	return resolve(e, h, &a, ev->time, false);
}

uint32_t wh_proc_ancestors(const struct wh_proc *p, struct wh_proc **out, uint32_t max)
{
	uint32_t n = 0;
	for (struct wh_proc *q = p->parent; q && n < max; q = q->parent) {
		for (uint32_t i = 0; i < n; i++)
			if (out[i] == q)
				return n;
		out[n++] = q;
	}
	return n;
}
