/*
 * event.h: the normalized event every reader produces and every analysis
 * consumes.
 *
 * An event keeps the original field names and values of its source
 * (Sysmon/Windows names: Image, CommandLine, ProcessGuid ...), so that Sigma
 * rules match them unchanged; readers of ECS and auditd map their fields to
 * those names (docs/auditd-mapping.md, docs/input-formats.md). A handful of
 * header values (time, host, kind, event id, channel, provider, where it
 * came from) are lifted out for speed.
 *
 * Lifetime: an event handed out by a reader, with every string it points to,
 * is valid until the next call to that reader's next() or close(). Anything
 * that must outlive it is copied (engine/proc.c does so for processes).
 */
#ifndef WH_EVENT_H
#define WH_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

enum wh_kind {
	WH_EV_OTHER = 0,
	WH_EV_PROCESS_START,
	WH_EV_PROCESS_END,
	WH_EV_IMAGE_LOAD,
	WH_EV_FILE_CREATE,
	WH_EV_FILE_DELETE,
	WH_EV_NET_CONNECT,
	WH_EV_DNS_QUERY,
	WH_EV_REGISTRY_SET,
	WH_EV_LOGON,
	WH_EV_SERVICE_INSTALL,
	WH_EV_SCRIPT_BLOCK,
	WH_EV_KIND_COUNT
};

const char *wh_kind_name(enum wh_kind k);
/* Returns the kind for a name as wh_kind_name prints it, or -1. */
int wh_kind_parse(const char *name);

/* One original field. name and value are NUL-terminated; the lengths save a strlen. */
struct wh_field {
	const char *name;
	const char *value;
	uint32_t nlen;
	uint32_t vlen;
};

/* The largest number of fields one event may carry; readers report the excess. */
#define WH_EVENT_MAX_FIELDS 4096

struct wh_event {
	int64_t time;           /* ns since the epoch, UTC; WH_TIME_NONE when unknown */
	enum wh_kind kind;
	int32_t event_id;       /* -1 when the source has none */
	const char *host;       /* never NULL; "" when unknown */
	const char *channel;    /* never NULL */
	const char *provider;   /* never NULL */
	const char *format;     /* the reader that produced it: "json", "evtx", "auditd" ... */
	const char *source;     /* input name: a path, or "archive.zip:member" */
	uint64_t offset;        /* byte offset of the record in the (uncompressed) source */
	uint64_t record;        /* record number (EventRecordID, line number); 0 when unknown */
	struct wh_field *fields;
	uint32_t nfields;
	uint32_t fcap;
	bool truncated;         /* fields were dropped at WH_EVENT_MAX_FIELDS */
	struct wh_arena *arena; /* where the reader keeps values it had to build */
};

/* arena: where wh_event_add_copy puts copies; the reader owns and resets it. */
void wh_event_init(struct wh_event *ev, struct wh_arena *arena);
/* Forget the header and the fields; keep the field array for reuse. */
void wh_event_clear(struct wh_event *ev);
/* Free the field array. */
void wh_event_release(struct wh_event *ev);

/* Add a field whose strings the caller keeps alive for the event's lifetime.
 * Both must be NUL-terminated at their length. Returns -1 past WH_EVENT_MAX_FIELDS. */
int wh_event_add(struct wh_event *ev, const char *name, size_t nlen, const char *value, size_t vlen);
/* Add a field, copying name and value into the event's arena. */
int wh_event_add_copy(struct wh_event *ev, const char *name, size_t nlen, const char *value,
		      size_t vlen);
static inline int wh_event_add_str(struct wh_event *ev, const char *name, const char *value);

/* The first field with this exact name, or NULL. */
const struct wh_field *wh_event_field(const struct wh_event *ev, const char *name);
/* Its value, or NULL when absent. */
static inline const char *wh_event_get(const struct wh_event *ev, const char *name)
{
	const struct wh_field *f = wh_event_field(ev, name);
	return f ? f->value : NULL;
}

/*
 * Set ev->kind from the channel, provider and event id when the reader left
 * it WH_EV_OTHER: Sysmon ids (1 process start, 3 network, 11 file create ...),
 * Security (4688, 4689, 4624, 4697, 5156 ...), System 7045, PowerShell 4104.
 */
void wh_event_classify(struct wh_event *ev);

/* True for the Sysmon channel or provider. */
bool wh_event_is_sysmon(const struct wh_event *ev);
/* True for the Security channel or Microsoft-Windows-Security-Auditing. */
bool wh_event_is_security(const struct wh_event *ev);

static inline int wh_event_add_str(struct wh_event *ev, const char *name, const char *value)
{
	size_t nl = 0, vl = 0;
	while (name[nl])
		nl++;
	while (value[vl])
		vl++;
	return wh_event_add(ev, name, nl, value, vl);
}

#endif
