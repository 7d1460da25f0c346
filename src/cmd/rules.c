/*
 * rules.c: `whitehawk rules list | check | update`: the Sigma rules
 * whitehawk would load, the ones it cannot load and why, and fetching a
 * rule repository with git.
 */
#include "cmd/cmd.h"
#include "detect/sigma/sigma.h"
#include "report/emit.h"
#include "util/diag.h"
#include "util/sbuf.h"
#include "util/xalloc.h"

#include <errno.h>
#include <getopt.h>
#include <spawn.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int run_rules(int argc, char **argv);

#define DEFAULT_REPO "https://github.com/SigmaHQ/sigma.git"

const struct wh_cmd wh_cmd_rules = {
	.name = "rules",
	.run = run_rules,
	.summary = "list, check and update Sigma rules",
	.usage = "whitehawk rules list [--rules DIR]... [--json] [--min-level L] [--rule SEL]... "
		 "[--exclude-rule SEL]...\n"
		 "whitehawk rules check [--mapping FILE] [--placeholders FILE] [--json] DIR...\n"
		 "whitehawk rules update [--repo URL] [--dir DIR]",
	.options =
		"      --rules DIR     Sigma rules: a folder or a file; repeatable (default: the rules of\n"
		"                      'rules update' and the bundled pack)\n"
		"      --json          JSON lines instead of a table\n"
		"      --min-level L   list only rules of level L or above\n"
		"      --rule SEL      list only rules whose id, tag or file path matches SEL; repeatable\n"
		"      --exclude-rule SEL  leave out the rules SEL matches; repeatable\n"
		"      --mapping FILE  logsource mapping entries added to the default mapping\n"
		"      --placeholders FILE  values for the placeholders of the expand modifier\n"
		"      --repo URL      the git repository of rules (default: SigmaHQ's, or $WH_RULES_REPO)\n"
		"      --dir DIR       where to keep it (default: /var/lib/whitehawk/rules as root, else\n"
		"                      $XDG_DATA_HOME/whitehawk/rules or ~/.local/share/whitehawk/rules)\n"
		"  check exits with 1 when some rule was not loaded\n",
};

enum { OPT_RULES = 0x2000, OPT_JSON, OPT_MINLEVEL, OPT_RULE, OPT_EXCLUDE, OPT_MAPPING, OPT_PLACEHOLDERS,
       OPT_REPO, OPT_DIR };

struct args {
	char **dirs;
	size_t ndirs, dcap;
	char **incl, **excl;
	size_t nincl, icap, nexcl, ecap;
	const char *mapping, *placeholders, *repo, *dir;
	bool json;
	int min_level;
};

static void free_args(struct args *a)
{
	free(a->dirs);
	free(a->incl);
	free(a->excl);
}

static const char *logsource(const struct wh_sigma_rule *r, char *buf, size_t n)
{
	snprintf(buf, n, "%s%s%s%s%s", r->product, *r->category && *r->product ? "/" : "", r->category,
		 *r->service && (*r->product || *r->category) ? "/" : "", r->service);
	return buf;
}

static void json_kv(FILE *o, const char *k, const char *v, bool first)
{
	fprintf(o, "%s\"%s\":", first ? "" : ",", k);
	wh_emit_json_str(o, v, strlen(v));
}

static int cmd_list(struct args *a)
{
	struct wh_sigma *s = wh_sigma_new();
	int status = wh_sigma_load_rules(s, a->dirs, a->ndirs, a->mapping, a->placeholders, true) < 0
			     ? WH_EXIT_ERROR : WH_EXIT_OK;
	wh_sigma_select(s, a->min_level, a->incl, a->nincl, a->excl, a->nexcl);
	wh_emit_buffer(stdout);
	if (!a->json)
		printf("%-36s  %-8s  %-12s  %-28s  %s\n", "ID", "LEVEL", "STATUS", "LOGSOURCE", "TITLE");
	size_t shown = 0;
	for (size_t i = 0; i < wh_sigma_nrules(s); i++) {
		const struct wh_sigma_rule *r = wh_sigma_rule_at(s, i);
		if (!r->enabled || r->filter)
			continue;
		char ls[256];
		logsource(r, ls, sizeof(ls));
		if (r->correlation)
			snprintf(ls, sizeof(ls), "(correlation)");
		shown++;
		if (a->json) {
			putchar('{');
			json_kv(stdout, "id", r->id, true);
			json_kv(stdout, "title", r->title, false);
			json_kv(stdout, "level", wh_severity_name(r->severity), false);
			json_kv(stdout, "status", r->status, false);
			json_kv(stdout, "logsource", ls, false);
			json_kv(stdout, "attack", r->attack, false);
			json_kv(stdout, "stage", wh_stage_name(r->stage), false);
			json_kv(stdout, "file", r->file, false);
			printf(",\"line\":%u,\"mapped\":%s}\n", r->line, r->mapped ? "true" : "false");
			continue;
		}
		printf("%-36.36s  %-8s  %-12.12s  %-28.28s  %s\n", *r->id ? r->id : "-", wh_severity_name(r->severity),
		       *r->status ? r->status : "-", ls, r->title);
	}
	fflush(stdout);
	fprintf(stderr, "whitehawk: %zu rules listed, %zu loaded, %zu not loaded\n", shown, wh_sigma_nrules(s),
		wh_sigma_nrejects(s));
	wh_sigma_free(s);
	return status;
}

static int cmd_check(struct args *a)
{
	struct wh_sigma *s = wh_sigma_new();
	int status = wh_sigma_load_rules(s, a->dirs, a->ndirs, a->mapping, a->placeholders, true) < 0
			     ? WH_EXIT_ERROR : WH_EXIT_OK;
	/* compiling resolves correlation references and builds the matcher,
	 * which is where a few more problems show */
	if (wh_sigma_compile(s) < 0)
		status = WH_EXIT_ERROR;
	wh_emit_buffer(stdout);
	for (size_t i = 0; i < wh_sigma_nrejects(s); i++) {
		const struct wh_sigma_reject *r = wh_sigma_reject_at(s, i);
		if (a->json) {
			putchar('{');
			json_kv(stdout, "result", "not loaded", true);
			json_kv(stdout, "file", r->file, false);
			printf(",\"line\":%u", r->line);
			json_kv(stdout, "title", r->title, false);
			json_kv(stdout, "reason", r->reason, false);
			puts("}");
		} else {
			printf("not loaded: %s: line %u: %s%s%s%s\n", r->file, r->line, r->reason, *r->title ? " ('" : "",
			       r->title, *r->title ? "')" : "");
		}
	}
	for (size_t i = 0; i < wh_sigma_nwarnings(s); i++) {
		const struct wh_sigma_reject *r = wh_sigma_warning_at(s, i);
		if (a->json) {
			putchar('{');
			json_kv(stdout, "result", "warning", true);
			json_kv(stdout, "file", r->file, false);
			printf(",\"line\":%u", r->line);
			json_kv(stdout, "title", r->title, false);
			json_kv(stdout, "reason", r->reason, false);
			puts("}");
		} else {
			printf("warning: %s: line %u: %s\n", r->file, r->line, r->reason);
		}
	}
	size_t unmapped = 0, corr = 0, filters = 0;
	for (size_t i = 0; i < wh_sigma_nrules(s); i++) {
		const struct wh_sigma_rule *r = wh_sigma_rule_at(s, i);
		corr += r->correlation;
		filters += r->filter;
		if (r->mapped)
			continue;
		unmapped++;
		char ls[256];
		if (a->json) {
			putchar('{');
			json_kv(stdout, "result", "unmapped logsource", true);
			json_kv(stdout, "file", r->file, false);
			printf(",\"line\":%u", r->line);
			json_kv(stdout, "title", r->title, false);
			json_kv(stdout, "logsource", logsource(r, ls, sizeof(ls)), false);
			puts("}");
		} else {
			printf("no events: %s: logsource %s is not in the mapping (the rule loads but matches no "
			       "event)\n", r->file, logsource(r, ls, sizeof(ls)));
		}
	}
	const struct wh_sigma_stats *st = wh_sigma_get_stats(s);
	fflush(stdout);
	fprintf(stderr,
		"whitehawk: %zu rules loaded (%zu correlations, %zu filters), %zu not loaded, %zu warnings, "
		"%zu with a logsource outside the mapping; %u variants, %u literals in %u fields, %u evaluated "
		"on every event of their logsource; compiled in %.0f ms\n",
		wh_sigma_nrules(s), corr, filters, wh_sigma_nrejects(s), wh_sigma_nwarnings(s), unmapped, st->units,
		st->literals, st->fields, st->always, st->compile_ms);
	if (status == WH_EXIT_OK && wh_sigma_nrejects(s))
		status = WH_EXIT_FINDINGS;
	wh_sigma_free(s);
	return status;
}

static int run_git(char *const *argv)
{
	pid_t pid;
	int rc = posix_spawnp(&pid, "git", NULL, NULL, argv, environ);
	if (rc != 0)
		return wh_error("cannot run git: %s", strerror(rc));
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return wh_error("waiting for git: %s", strerror(errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return wh_error("git %s failed", argv[1]);
	return 0;
}

static int mkdirs(const char *path)
{
	char buf[4096];
	size_t n = strlen(path);
	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		char c = buf[i];
		buf[i] = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return wh_error("cannot create '%s': %s", buf, strerror(errno));
		buf[i] = c;
	}
	return 0;
}

static int cmd_update(struct args *a)
{
	char home[4096], gitdir[4200];
	const char *dir = a->dir ? a->dir : wh_sigma_rules_home(home, sizeof(home));
	const char *repo = a->repo ? a->repo : getenv("WH_RULES_REPO") ? getenv("WH_RULES_REPO") : DEFAULT_REPO;
	snprintf(gitdir, sizeof(gitdir), "%s/.git", dir);
	struct stat st;
	int rc;
	if (stat(gitdir, &st) == 0) {
		fprintf(stderr, "whitehawk: updating %s\n", dir);
		char *argv[] = { "git", "-C", (char *)dir, "pull", "--ff-only", "--quiet", NULL };
		rc = run_git(argv);
	} else {
		/* clone beside, then put in place: a failed clone leaves no half folder */
		char parent[4096];
		snprintf(parent, sizeof(parent), "%s", dir);
		char *slash = strrchr(parent, '/');
		if (slash && slash != parent) {
			*slash = '\0';
			if (mkdirs(parent) < 0)
				return WH_EXIT_ERROR;
		}
		fprintf(stderr, "whitehawk: cloning %s into %s\n", repo, dir);
		char *argv[] = { "git", "clone", "--depth", "1", "--quiet", (char *)repo, (char *)dir, NULL };
		rc = run_git(argv);
	}
	if (rc < 0)
		return WH_EXIT_ERROR;
	struct wh_sigma *s = wh_sigma_new();
	char *dirs[] = { (char *)dir };
	wh_sigma_load_rules(s, dirs, 1, NULL, NULL, true);
	fprintf(stderr, "whitehawk: %s: %zu rules load, %zu not loaded%s\n", dir, wh_sigma_nrules(s),
		wh_sigma_nrejects(s), wh_sigma_nrejects(s) ? " (see 'whitehawk rules check')" : "");
	wh_sigma_free(s);
	return WH_EXIT_OK;
}

static int run_rules(int argc, char **argv)
{
	const struct wh_cmd *self = &wh_cmd_rules;
	if (argc < 2)
		return wh_cmd_usage_error(self, "list, check or update?");
	const char *sub = argv[1];
	static const struct option longopts[] = {
		{ "rules", required_argument, NULL, OPT_RULES },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "min-level", required_argument, NULL, OPT_MINLEVEL },
		{ "rule", required_argument, NULL, OPT_RULE },
		{ "exclude-rule", required_argument, NULL, OPT_EXCLUDE },
		{ "mapping", required_argument, NULL, OPT_MAPPING },
		{ "placeholders", required_argument, NULL, OPT_PLACEHOLDERS },
		{ "repo", required_argument, NULL, OPT_REPO },
		{ "dir", required_argument, NULL, OPT_DIR },
		{ NULL, 0, NULL, 0 },
	};
	struct args a = { .min_level = WH_SEV_INFO };
	int opt;
	optind = 2;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_RULES:
			WH_GROW(a.dirs, a.ndirs + 1, a.dcap);
			a.dirs[a.ndirs++] = optarg;
			break;
		case OPT_JSON: a.json = true; break;
		case OPT_MINLEVEL: {
			int st = wh_cmd_level(self, optarg, &a.min_level);
			if (st) {
				free_args(&a);
				return st;
			}
			break;
		}
		case OPT_RULE:
			WH_GROW(a.incl, a.nincl + 1, a.icap);
			a.incl[a.nincl++] = optarg;
			break;
		case OPT_EXCLUDE:
			WH_GROW(a.excl, a.nexcl + 1, a.ecap);
			a.excl[a.nexcl++] = optarg;
			break;
		case OPT_MAPPING: a.mapping = optarg; break;
		case OPT_PLACEHOLDERS: a.placeholders = optarg; break;
		case OPT_REPO: a.repo = optarg; break;
		case OPT_DIR: a.dir = optarg; break;
		default:
			free_args(&a);
			return wh_cmd_usage_error(self, "unknown option");
		}
	}
	for (int i = optind; i < argc; i++) {
		WH_GROW(a.dirs, a.ndirs + 1, a.dcap);
		a.dirs[a.ndirs++] = argv[i];
	}
	int rc;
	if (strcmp(sub, "list") == 0) {
		rc = cmd_list(&a);
	} else if (strcmp(sub, "check") == 0) {
		rc = cmd_check(&a);
	} else if (strcmp(sub, "update") == 0) {
		if (a.ndirs) {
			free_args(&a);
			return wh_cmd_usage_error(self, "update takes no folders; use --dir");
		}
		rc = cmd_update(&a);
	} else {
		rc = wh_cmd_usage_error(self, "unknown subcommand '%s' (list, check, update)", sub);
	}
	free_args(&a);
	return rc;
}
