#include "model/event.h"
#include "util/wtime.h"
#include "util/xalloc.h"

#include <string.h>
#include <strings.h>

static const char *const kind_names[WH_EV_KIND_COUNT] = {
	[WH_EV_OTHER] = "other",
	[WH_EV_PROCESS_START] = "process_start",
	[WH_EV_PROCESS_END] = "process_end",
	[WH_EV_IMAGE_LOAD] = "image_load",
	[WH_EV_FILE_CREATE] = "file_create",
	[WH_EV_FILE_DELETE] = "file_delete",
	[WH_EV_NET_CONNECT] = "net_connect",
	[WH_EV_DNS_QUERY] = "dns_query",
	[WH_EV_REGISTRY_SET] = "registry_set",
	[WH_EV_LOGON] = "logon",
	[WH_EV_SERVICE_INSTALL] = "service_install",
	[WH_EV_SCRIPT_BLOCK] = "script_block",
};

const char *wh_kind_name(enum wh_kind k)
{
	return (unsigned)k < WH_EV_KIND_COUNT ? kind_names[k] : "other";
}

int wh_kind_parse(const char *name)
{
	for (int i = 0; i < WH_EV_KIND_COUNT; i++)
		if (strcmp(kind_names[i], name) == 0)
			return i;
	return -1;
}

void wh_event_init(struct wh_event *ev, struct wh_arena *arena)
{
	memset(ev, 0, sizeof(*ev));
	ev->arena = arena;
	wh_event_clear(ev);
}

void wh_event_clear(struct wh_event *ev)
{
	ev->time = WH_TIME_NONE;
	ev->kind = WH_EV_OTHER;
	ev->event_id = -1;
	ev->host = ev->channel = ev->provider = "";
	ev->format = ev->source = "";
	ev->offset = ev->record = 0;
	ev->nfields = 0;
	ev->truncated = false;
}

void wh_event_release(struct wh_event *ev)
{
	free(ev->fields);
	ev->fields = NULL;
	ev->fcap = ev->nfields = 0;
}

int wh_event_add(struct wh_event *ev, const char *name, size_t nlen, const char *value, size_t vlen)
{
	if (ev->nfields >= WH_EVENT_MAX_FIELDS) {
		ev->truncated = true;
		return -1;
	}
	WH_GROW(ev->fields, ev->nfields + 1, ev->fcap);
	struct wh_field *f = &ev->fields[ev->nfields++];
	f->name = name;
	f->nlen = (uint32_t)nlen;
	f->value = value;
	f->vlen = (uint32_t)vlen;
	return 0;
}

int wh_event_add_copy(struct wh_event *ev, const char *name, size_t nlen, const char *value,
		      size_t vlen)
{
	char *n = wh_arena_strndup(ev->arena, name, nlen);
	char *v = wh_arena_strndup(ev->arena, value, vlen);
	if (!n || !v) {
		ev->truncated = true;
		return -1;
	}
	return wh_event_add(ev, n, nlen, v, vlen);
}

const struct wh_field *wh_event_field(const struct wh_event *ev, const char *name)
{
	size_t n = strlen(name);
	for (uint32_t i = 0; i < ev->nfields; i++) {
		const struct wh_field *f = &ev->fields[i];
		if (f->nlen == n && memcmp(f->name, name, n) == 0)
			return f;
	}
	return NULL;
}

bool wh_event_is_sysmon(const struct wh_event *ev)
{
	return strcasecmp(ev->channel, "Microsoft-Windows-Sysmon/Operational") == 0 ||
	       strcasecmp(ev->provider, "Microsoft-Windows-Sysmon") == 0;
}

bool wh_event_is_security(const struct wh_event *ev)
{
	return strcasecmp(ev->channel, "Security") == 0 ||
	       strcasecmp(ev->provider, "Microsoft-Windows-Security-Auditing") == 0;
}

static enum wh_kind sysmon_kind(int id)
{
	switch (id) {
	case 1: return WH_EV_PROCESS_START;
	case 3: return WH_EV_NET_CONNECT;
	case 5: return WH_EV_PROCESS_END;
	case 6: /* driver loaded */
	case 7: return WH_EV_IMAGE_LOAD;
	case 11:
	case 15: /* FileCreateStreamHash */
	case 29: return WH_EV_FILE_CREATE; /* FileExecutableDetected */
	case 23:
	case 26: return WH_EV_FILE_DELETE;
	case 12:
	case 13:
	case 14: return WH_EV_REGISTRY_SET;
	case 22: return WH_EV_DNS_QUERY;
	default: return WH_EV_OTHER;
	}
}

void wh_event_classify(struct wh_event *ev)
{
	if (ev->kind != WH_EV_OTHER || ev->event_id < 0)
		return;
	int id = ev->event_id;
	if (wh_event_is_sysmon(ev)) {
		ev->kind = sysmon_kind(id);
		return;
	}
	if (wh_event_is_security(ev)) {
		switch (id) {
		case 4688: ev->kind = WH_EV_PROCESS_START; return;
		case 4689: ev->kind = WH_EV_PROCESS_END; return;
		case 4624:
		case 4625:
		case 4648: ev->kind = WH_EV_LOGON; return;
		case 4697: ev->kind = WH_EV_SERVICE_INSTALL; return;
		case 4657: ev->kind = WH_EV_REGISTRY_SET; return;
		case 4663: /* object access; a file only when ObjectType says so */
			break;
		case 5156: ev->kind = WH_EV_NET_CONNECT; return;
		default: return;
		}
		return;
	}
	if (id == 7045 && (strcasecmp(ev->channel, "System") == 0 ||
			   strcasecmp(ev->provider, "Service Control Manager") == 0)) {
		ev->kind = WH_EV_SERVICE_INSTALL;
		return;
	}
	if (id == 4104 && (strcasestr(ev->channel, "PowerShell") || strcasestr(ev->provider, "PowerShell")))
		ev->kind = WH_EV_SCRIPT_BLOCK;
}
