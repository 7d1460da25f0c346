/*
 * netopts.h: the settings flows and recon share, from a configuration file
 * (KEY = VALUE lines; /etc/whitehawk/net.conf when present) and from
 * --set KEY=VALUE on the command line, which wins. The keys are listed in
 * docs/flows.md and in wh_netopts_keys.
 */
#ifndef WH_NETOPTS_H
#define WH_NETOPTS_H

#include <stdbool.h>

#include "detect/net/flow.h"
#include "detect/net/netan.h"
#include "intel/intel.h"
#include "report/finding_writer.h"

#define WH_NETCONF_DEFAULT "/etc/whitehawk/net.conf"

struct wh_netopts {
	struct wh_netan_opts an;
	struct wh_flow_opts flow;
	struct wh_intel *intel;     /* created on the first intel or geo file */
	enum wh_fmt fmt;
	int fail_on;                /* severity, or -1 */
	bool explain;
	const char *user;           /* recon -i: the user to run as */
	/* settings from the command line, applied after the file (they win) */
	struct wh_netopts_later {
		const char *key, *val, *where;
	} *later;
	size_t nlater, latercap;
};

void wh_netopts_init(struct wh_netopts *o);
void wh_netopts_release(struct wh_netopts *o);
/* One setting. Returns 0, or -1 after a message. `where` names its origin in messages. */
int wh_netopts_set(struct wh_netopts *o, const char *key, const char *val, const char *where);
/* "KEY=VALUE" */
int wh_netopts_set_arg(struct wh_netopts *o, const char *kv);
/* A configuration file; when must_exist is false a missing file is fine. */
int wh_netopts_config(struct wh_netopts *o, const char *path, bool must_exist);

/* Keep a command-line setting until wh_netopts_load, so that it wins over
 * the file. key NULL: val is "KEY=VALUE" (--set). The strings are borrowed. */
void wh_netopts_defer(struct wh_netopts *o, const char *key, const char *val, const char *where);
/* Read the configuration file (config; when NULL, WH_NETCONF_DEFAULT if it
 * exists), then apply the deferred settings. 0, or -1 after a message. */
int wh_netopts_load(struct wh_netopts *o, const char *config);

/* The keys, for -h: "internal, intel, geo, ..." */
extern const char wh_netopts_keys[];

#endif
