/*
 * commands.c: the one table of subcommands, and what they share.
 */
#include "cmd/cmd.h"
#include "model/finding.h"
#include "util/diag.h"
#include "util/num.h"

#include <stdarg.h>
#include <string.h>
#include <strings.h>

extern const struct wh_cmd wh_cmd_events;
extern const struct wh_cmd wh_cmd_flows;
extern const struct wh_cmd wh_cmd_recon;
extern const struct wh_cmd wh_cmd_hunt;
extern const struct wh_cmd wh_cmd_rules;
extern const struct wh_cmd wh_cmd_trace;
extern const struct wh_cmd wh_cmd_tree;


const struct wh_cmd *const wh_commands[] = {
	&wh_cmd_events,
	&wh_cmd_flows,
	&wh_cmd_recon,
	&wh_cmd_hunt,
	&wh_cmd_rules,
	&wh_cmd_trace,
	&wh_cmd_tree,

	NULL,
};

const struct wh_cmd *wh_command_find(const char *name)
{
	for (size_t i = 0; wh_commands[i]; i++)
		if (strcmp(wh_commands[i]->name, name) == 0)
			return wh_commands[i];
	return NULL;
}

void wh_cmd_help(const struct wh_cmd *c, FILE *out)
{
	const char *u = c->usage;
	bool first = true;
	while (*u) {
		const char *nl = strchr(u, '\n');
		size_t n = nl ? (size_t)(nl - u) : strlen(u);
		fprintf(out, "%s%.*s\n", first ? "usage: " : "   or: ", (int)n, u);
		first = false;
		u += n + (nl ? 1 : 0);
	}
	fprintf(out, "\n%s\n", c->summary);
	if (c->options && *c->options)
		fprintf(out, "\n%s", c->options);
}

int wh_cmd_usage_error(const struct wh_cmd *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("whitehawk: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	fprintf(stderr, "try 'whitehawk %s -h'\n", c->name);
	return WH_EXIT_ERROR;
}

void wh_logopts_init(struct wh_logopts *lo)
{
	memset(lo, 0, sizeof(*lo));
	lo->read.threads = 1;
}

int wh_logopt(struct wh_logopts *lo, int c, const char *arg)
{
	long long v;
	const char *err;
	switch (c) {
	case 'j':
		if (wh_parse_num(arg, 1, 256, &v, &err) < 0) {
			wh_error("--jobs '%s' is %s (1 to 256)", arg, err);
			return -1;
		}
		lo->read.threads = (unsigned)v;
		return 1;
	case 'q':
		lo->quiet = true;
		wh_diag.quiet = true;
		return 1;
	case WH_OPT_FORMAT:
		lo->format = wh_reader_by_name(arg);
		if (!lo->format) {
			wh_error("unknown --format '%s'", arg);
			return -1;
		}
		return 1;
	case WH_OPT_STRICT:
		lo->strict = true;
		wh_diag.strict = true;
		return 1;
	case WH_OPT_CARVE:
		lo->read.carve = true;
		return 1;
	default:
		return 0;
	}
}

int wh_cmd_other_opt(const struct wh_cmd *c, struct wh_logopts *lo, int opt, const char *arg)
{
	int r = wh_logopt(lo, opt, arg);
	if (r == 1)
		return 0;
	return r == 0 ? wh_cmd_usage_error(c, "unknown option") : WH_EXIT_ERROR;
}

int wh_cmd_level(const struct wh_cmd *c, const char *arg, int *level)
{
	int lv = wh_severity_parse(arg);
	if (lv < 0)
		return wh_cmd_usage_error(c, "unknown level '%s' (informational, low, medium, high, critical)",
					  arg);
	*level = lv;
	return 0;
}

bool wh_host_match(const char *want, const char *host)
{
	size_t wl = strlen(want);
	if (strncasecmp(want, host, wl) != 0)
		return false;
	return host[wl] == '\0' || host[wl] == '.';
}
