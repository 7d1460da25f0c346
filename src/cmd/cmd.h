/*
 * cmd.h: the command seam. Each subcommand lives in src/cmd/NAME.c and
 * exports one `const struct wh_cmd wh_cmd_NAME`. To add a command:
 *
 *   1. write src/cmd/NAME.c with its run function and its struct wh_cmd;
 *   2. list &wh_cmd_NAME in the table in src/cmd/commands.c;
 *   3. write docs/man/whitehawk-NAME.1 whose SYNOPSIS repeats `usage`
 *      line for line (tests/e2e/man-synopsis checks it);
 *   4. describe it in README.md.
 *
 * A run function returns the process exit status: 0 done, 1 done with
 * findings at or above --fail-on, 2 usage or input error.
 */
#ifndef WH_CMD_H
#define WH_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include "read/reader.h"

struct wh_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;   /* one line for `whitehawk --help` */
	const char *usage;     /* synopsis lines, each "whitehawk NAME ...", joined by '\n' */
	const char *options;   /* option descriptions for -h, one per line */
};

extern const struct wh_cmd *const wh_commands[];
const struct wh_cmd *wh_command_find(const char *name);

/* "usage: ..." then the options, as -h and `whitehawk help NAME` print them. */
void wh_cmd_help(const struct wh_cmd *c, FILE *out);
/* Print the usage to stderr and return 2. */
int wh_cmd_usage_error(const struct wh_cmd *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

enum { WH_EXIT_OK = 0, WH_EXIT_FINDINGS = 1, WH_EXIT_ERROR = 2 };

/*
 * Options shared by every command that reads logs. Add WH_LOG_LONGOPTS to a
 * command's getopt_long table, WH_LOG_SHORTOPTS to its short option string,
 * and pass unknown option characters to wh_logopt().
 */
struct wh_logopts {
	struct wh_read_opts read;
	const struct wh_reader *format;
	bool strict;
	bool quiet;
};

enum {
	WH_OPT_FORMAT = 0x1000,
	WH_OPT_STRICT,
	WH_OPT_CARVE,
	WH_OPT_LOG_LAST   /* commands number their own long-only options from here */
};

#define WH_LOG_SHORTOPTS "j:q"
#define WH_LOG_LONGOPTS                                              \
	{ "jobs", required_argument, NULL, 'j' },                    \
	{ "quiet", no_argument, NULL, 'q' },                         \
	{ "format", required_argument, NULL, WH_OPT_FORMAT },        \
	{ "strict", no_argument, NULL, WH_OPT_STRICT },              \
	{ "carve", no_argument, NULL, WH_OPT_CARVE }

#define WH_LOG_OPTIONS_HELP                                                                  \
	"  -j, --jobs N        threads for readers that parse in parallel (EVTX); default 1\n"   \
	"  -q, --quiet         no warnings and no summary\n"                                    \
	"      --format NAME   read every input as NAME instead of sniffing (json, xml, evtx, auditd)\n" \
	"      --strict        stop at the first bad record (exit status 2)\n"                   \
	"      --carve         recover EVTX records from slack space\n"

void wh_logopts_init(struct wh_logopts *lo);
/* Handle a common option; returns 1 when c was one, 0 when not, -1 on a bad value. */
int wh_logopt(struct wh_logopts *lo, int c, const char *arg);
/*
 * For the `default:` of a command's option loop: a common log option is
 * taken (returns 0); anything else is reported and the exit status to end
 * with is returned (a usage error for an unknown option).
 */
int wh_cmd_other_opt(const struct wh_cmd *c, struct wh_logopts *lo, int opt, const char *arg);
/* A severity level given to an option (--fail-on, --min-level): returns 0
 * with *level set, or the exit status after a usage message. */
int wh_cmd_level(const struct wh_cmd *c, const char *arg, int *level);

/* Match a --host value against an event's host: case-insensitive, and a
 * short name matches its FQDN (WS1 matches ws1.corp.local). */
bool wh_host_match(const char *want, const char *host);

#endif
