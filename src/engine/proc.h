/*
 * proc.h: the engine core: per-host process tables and trees, and file
 * provenance (which process wrote which file).
 *
 * Feed it every event (wh_engine_add), then call wh_engine_finish() once to
 * link parents; after that, ask it for any event's process, its parent, its
 * ancestors, and the process that wrote its image file.
 *
 * Processes are keyed by Sysmon's ProcessGuid where the log has one, and
 * otherwise by pid plus start time, so a reused pid is a new process. A
 * parent that never appears in the log is made up from what its children
 * say of it (ParentImage, ParentCommandLine ...) and marked `synthetic`.
 * Events may arrive in any order: parents are linked in wh_engine_finish.
 *
 * The engine copies what it keeps into its own arena: memory grows with
 * the number of processes and files, not with the number of events.
 */
#ifndef WH_PROC_H
#define WH_PROC_H

#include <stdbool.h>
#include <stdint.h>

#include "model/event.h"
#include "model/finding.h"
#include "util/arena.h"
#include "util/hash.h"

struct wh_file;

struct wh_proc {
	const char *host;
	const char *guid;          /* ProcessGuid, or NULL */
	uint64_t pid;
	int64_t start;             /* WH_TIME_NONE when it started before the log */
	int64_t end;               /* WH_TIME_NONE while running or unknown */
	const char *image;         /* never NULL; "" when unknown */
	const char *cmdline;
	const char *user;
	const char *cwd;
	const char *integrity;
	const char *hashes;
	const char *company, *product, *description, *original_name;
	/* what the start event says of the parent */
	const char *parent_guid;
	uint64_t ppid;
	bool has_ppid;
	const char *parent_image, *parent_cmdline, *parent_user;
	struct wh_proc *parent;    /* linked by wh_engine_finish */
	struct wh_proc **children; /* in start order */
	uint32_t nchildren, childcap;
	bool synthetic;            /* known only from other events, not from its own start */
	struct wh_evref start_ref; /* the start event, when there is one */
	struct wh_file *image_file;/* provenance of the image, when a creation was seen */
	uint32_t nevents;          /* events attributed to it */
};

/* One creation of a file. Creations of the same path are chained, newest first. */
struct wh_file {
	const char *path;          /* as logged */
	struct wh_proc *creator;   /* linked by wh_engine_finish */
	int64_t time;
	struct wh_evref ref;
	/* who, as the event said it, until linked */
	const char *creator_guid;
	uint64_t creator_pid;
	const char *creator_image;
	struct wh_file *older;
};

struct wh_host {
	const char *name;
	struct wh_map by_guid;     /* lowercased guid -> proc */
	struct wh_map by_pid;      /* decimal pid -> struct wh_pidlist */
	struct wh_map files;       /* lowercased path -> newest struct wh_file */
	struct wh_file **filev;    /* every creation, in the order seen */
	uint32_t nfiles, filecap;
	struct wh_proc **procs;    /* every process, in the order first seen */
	uint32_t nprocs, proccap;
};

struct wh_engine {
	struct wh_map hosts;       /* lowercased name -> struct wh_host */
	struct wh_arena arena;
	struct wh_host **hostv;
	uint32_t nhosts, hostcap;
	bool finished;
};

void wh_engine_init(struct wh_engine *e);
void wh_engine_release(struct wh_engine *e);
/* Take what the engine needs from one event (copied; ev may go away after). */
void wh_engine_add(struct wh_engine *e, const struct wh_event *ev);
/* Link parents, children and image provenance. Call once, after the last add. */
void wh_engine_finish(struct wh_engine *e);

struct wh_host *wh_engine_host(struct wh_engine *e, const char *name);
/* The process an event belongs to (the actor: for a process start, the new
 * process), or NULL. Valid after wh_engine_finish. */
struct wh_proc *wh_engine_proc_of(struct wh_engine *e, const struct wh_event *ev);
/* By guid, or by pid alive at time t (t may be WH_TIME_NONE: the last one). */
struct wh_proc *wh_host_find_guid(struct wh_host *h, const char *guid);
struct wh_proc *wh_host_find_pid(struct wh_host *h, uint64_t pid, int64_t t);
/* Every process with that pid, oldest first; returns the count. */
uint32_t wh_host_pid_all(struct wh_host *h, uint64_t pid, struct wh_proc **out, uint32_t max);
/* The newest creation of path, or NULL. */
struct wh_file *wh_host_file(struct wh_host *h, const char *path);

/* The process that wrote p's image file, or NULL. */
static inline struct wh_proc *wh_proc_image_writer(const struct wh_proc *p)
{
	return p->image_file ? p->image_file->creator : NULL;
}
/* Ancestors from the parent up, at most max; returns the count. Cycles (a
 * broken log can claim one) end the walk. */
uint32_t wh_proc_ancestors(const struct wh_proc *p, struct wh_proc **out, uint32_t max);

#endif
