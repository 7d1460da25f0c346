/*
 * tree.c: `whitehawk tree`, the process tree around a process: its
 * ancestors down from the oldest, then everything it started, in the style
 * of pstree, with time, image, command line and user; and who wrote each
 * image file.
 */
#include "cmd/cmd.h"
#include "engine/proc.h"
#include "read/scan.h"
#include "util/diag.h"
#include "util/num.h"
#include "util/sbuf.h"
#include "util/wtime.h"

#include <getopt.h>
#include <string.h>
#include <strings.h>

static int run_tree(int argc, char **argv);

const struct wh_cmd wh_cmd_tree = {
	.name = "tree",
	.run = run_tree,
	.summary = "print the process tree around a process: ancestors and descendants",
	.usage = "whitehawk tree LOGS... --host H [--pid P | --guid G] [--at T] [OPTIONS]",
	.options =
		"      --host H        the host (case-insensitive; a short name matches its FQDN)\n"
		"      --pid P         the process with pid P (every process that had it, when reused)\n"
		"      --guid G        the process with Sysmon ProcessGuid G\n"
		"      --at T          with --pid: the process that had the pid at time T\n"
		"      --wide          do not shorten long command lines\n"
		"without --pid or --guid, every process tree of the host is printed\n" WH_LOG_OPTIONS_HELP,
};

enum { OPT_HOST = WH_OPT_LOG_LAST, OPT_PID, OPT_GUID, OPT_AT, OPT_WIDE };

#define CMDLINE_WIDTH 160
#define MAX_DEPTH 256

struct tree_ctx {
	FILE *out;
	bool wide;
	const struct wh_proc *target;
};

static int on_event(struct wh_event *ev, void *arg)
{
	wh_engine_add(arg, ev);
	return 0;
}

static const char *base_name(const char *path)
{
	const char *b = path;
	for (const char *p = path; *p; p++)
		if (*p == '\\' || *p == '/')
			b = p + 1;
	return *b ? b : path;
}

static void print_proc(struct tree_ctx *c, const struct wh_proc *p)
{
	FILE *o = c->out;
	char tb[WH_TIME_BUFSZ];
	fprintf(o, "%s%s[%llu]", p == c->target ? "*" : "", *p->image ? base_name(p->image) : "?",
		(unsigned long long)p->pid);
	if (p->start != WH_TIME_NONE)
		fprintf(o, "  %s", wh_time_format(p->start, 3, tb));
	else
		fputs("  (started before the log)", o);
	if (*p->user)
		fprintf(o, "  %s", p->user);
	const char *cl = *p->cmdline ? p->cmdline : p->image;
	size_t n = strlen(cl);
	if (!c->wide && n > CMDLINE_WIDTH)
		fprintf(o, "  %.*s...", CMDLINE_WIDTH, cl);
	else if (*cl)
		fprintf(o, "  %s", cl);
	if (p->synthetic)
		fputs("  (not in the log: known from other events)", o);
	if (p->end != WH_TIME_NONE)
		fprintf(o, "  (exited %s)", wh_time_format(p->end, 3, tb));
	const struct wh_proc *w = wh_proc_image_writer(p);
	if (w)
		fprintf(o, "  <- image written by %s[%llu] at %s", *w->image ? base_name(w->image) : "?",
			(unsigned long long)w->pid, wh_time_format(p->image_file->time, 3, tb));
	putc('\n', o);
}

/* prefix holds the drawing for the levels above: "|  " or "   " each. */
static void print_subtree(struct tree_ctx *c, const struct wh_proc *p, struct wh_sbuf *prefix,
			  bool last, int depth)
{
	fputs(wh_sbuf_str(prefix), c->out);
	if (depth > 0)
		fputs(last ? "`- " : "|- ", c->out);
	print_proc(c, p);
	if (depth >= MAX_DEPTH)
		return;
	size_t keep = prefix->len;
	if (depth > 0)
		wh_sbuf_addstr(prefix, last ? "   " : "|  ");
	for (uint32_t i = 0; i < p->nchildren; i++)
		print_subtree(c, p->children[i], prefix, i + 1 == p->nchildren, depth + 1);
	prefix->len = keep;
	if (prefix->buf)
		prefix->buf[keep] = '\0';
}

/* The ancestors, oldest first, each on its own level; then the target's subtree. */
static void print_around(struct tree_ctx *c, const struct wh_proc *target)
{
	struct wh_proc *anc[MAX_DEPTH];
	uint32_t na = wh_proc_ancestors(target, anc, MAX_DEPTH);
	struct wh_sbuf prefix = WH_SBUF_INIT(4 * MAX_DEPTH + 16);
	int depth = 0;
	for (uint32_t i = na; i-- > 0;) {
		fputs(wh_sbuf_str(&prefix), c->out);
		if (depth > 0) {
			fputs("`- ", c->out);
		}
		print_proc(c, anc[i]);
		if (depth > 0)
			wh_sbuf_addstr(&prefix, "   ");
		depth++;
	}
	print_subtree(c, target, &prefix, true, depth);
	wh_sbuf_release(&prefix);
}

static int run_tree(int argc, char **argv)
{
	const struct wh_cmd *self = &wh_cmd_tree;
	static const struct option longopts[] = {
		{ "host", required_argument, NULL, OPT_HOST },
		{ "pid", required_argument, NULL, OPT_PID },
		{ "guid", required_argument, NULL, OPT_GUID },
		{ "at", required_argument, NULL, OPT_AT },
		{ "wide", no_argument, NULL, OPT_WIDE },
		WH_LOG_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const char *host = NULL, *guid = NULL;
	uint64_t pid = 0;
	bool has_pid = false;
	int64_t at = WH_TIME_NONE;
	struct tree_ctx c = { .out = stdout };
	struct wh_logopts lo;
	wh_logopts_init(&lo);
	int opt;
	while ((opt = getopt_long(argc, argv, WH_LOG_SHORTOPTS, longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_HOST: host = optarg; break;
		case OPT_GUID: guid = optarg; break;
		case OPT_WIDE: c.wide = true; break;
		case OPT_PID:
			if (!wh_parse_u64(optarg, strlen(optarg), &pid))
				return wh_cmd_usage_error(self, "bad --pid '%s'", optarg);
			has_pid = true;
			break;
		case OPT_AT:
			if (wh_time_parse(optarg, strlen(optarg), &at) < 0)
				return wh_cmd_usage_error(self, "cannot read the time '%s'", optarg);
			break;
		default: {
			int st = wh_cmd_other_opt(self, &lo, opt, optarg);
			if (st)
				return st;
			break;
		}
		}
	}
	if (!host)
		return wh_cmd_usage_error(self, "--host is required");
	if (guid && has_pid)
		return wh_cmd_usage_error(self, "give --pid or --guid, not both");
	if (optind >= argc)
		return wh_cmd_usage_error(self, "no logs given");

	struct wh_engine e;
	wh_engine_init(&e);
	struct wh_scan s;
	wh_scan_init(&s, on_event, &e);
	s.opts = lo.read;
	s.force = lo.format;
	int status = wh_scan_paths(&s, argv + optind, argc - optind) < 0 ? WH_EXIT_ERROR : WH_EXIT_OK;
	wh_engine_finish(&e);

	/* The host: exact name first, then a short name matching an FQDN. */
	struct wh_host *h = wh_engine_host(&e, host);
	for (uint32_t i = 0; !h && i < e.nhosts; i++)
		if (wh_host_match(host, e.hostv[i]->name))
			h = e.hostv[i];
	if (!h) {
		wh_error("no events of host '%s' in the logs", host);
		status = WH_EXIT_ERROR;
		goto out;
	}
	if (guid) {
		/* braces are optional, case does not matter */
		char g[128];
		size_t gl = strlen(guid);
		if (guid[0] != '{' && gl + 3 < sizeof(g)) {
			snprintf(g, sizeof(g), "{%s}", guid);
			guid = g;
		}
		const struct wh_proc *p = wh_host_find_guid(h, guid);
		if (!p && guid == g) {
			g[strlen(g) - 1] = '\0';
			p = wh_host_find_guid(h, g + 1);
		}
		if (!p) {
			wh_error("no process with guid '%s' on host '%s'", guid, h->name);
			status = WH_EXIT_ERROR;
			goto out;
		}
		c.target = p;
		print_around(&c, p);
	} else if (has_pid) {
		struct wh_proc *v[64];
		uint32_t n;
		if (at != WH_TIME_NONE) {
			v[0] = wh_host_find_pid(h, pid, at);
			n = v[0] ? 1 : 0;
		} else {
			n = wh_host_pid_all(h, pid, v, 64);
		}
		if (n == 0) {
			wh_error("no process with pid %llu on host '%s'", (unsigned long long)pid, h->name);
			status = WH_EXIT_ERROR;
			goto out;
		}
		if (n > 1)
			fprintf(c.out, "pid %llu was used by %u processes on %s\n\n",
				(unsigned long long)pid, n, h->name);
		for (uint32_t i = 0; i < n; i++) {
			if (i)
				putc('\n', c.out);
			c.target = v[i];
			print_around(&c, v[i]);
		}
	} else {
		struct wh_sbuf prefix = WH_SBUF_INIT(4 * MAX_DEPTH + 16);
		bool first = true;
		for (uint32_t i = 0; i < h->nprocs; i++) {
			const struct wh_proc *p = h->procs[i];
			/* a process known only from other events, with no children,
			 * is not a tree */
			if (p->parent || (p->synthetic && !p->nchildren))
				continue;
			if (!first)
				putc('\n', c.out);
			first = false;
			print_subtree(&c, h->procs[i], &prefix, true, 0);
		}
		wh_sbuf_release(&prefix);
	}
out:
	fflush(stdout);
	if (!lo.quiet)
		wh_scan_summary(&s, stderr);
	wh_scan_release(&s);
	wh_engine_release(&e);
	return status;
}
