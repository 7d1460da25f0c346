/*
 * select.c: choosing rules (--rule, --exclude-rule, --min-level) and
 * finding the rule folders whitehawk uses by default.
 */
#include "detect/sigma/sigma_int.h"
#include "util/diag.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef WH_SOURCE_DIR
#define WH_SOURCE_DIR "."
#endif
#ifndef WH_DATADIR
#define WH_DATADIR "/usr/local/share"
#endif

bool wh_sigma_rule_matches(const struct wh_sigma_rule *r, const char *sel)
{
	if (!*sel)
		return false;
	if (*r->id && strcasecmp(r->id, sel) == 0)
		return true;
	if (*r->name && strcmp(r->name, sel) == 0)
		return true;
	size_t sl = strlen(sel);
	for (uint32_t i = 0; i < r->ntags; i++) {
		const char *t = r->tags[i];
		if (strncasecmp(t, sel, sl) == 0 && (t[sl] == '\0' || t[sl] == '.'))
			return true;
	}
	return strstr(r->file, sel) != NULL;
}

size_t wh_sigma_select(struct wh_sigma *s, int min_level, char *const *include, size_t ninclude,
		       char *const *exclude, size_t nexclude)
{
	size_t on = 0;
	for (uint32_t i = 0; i < s->nrules; i++) {
		struct wh_sigma_rule *r = &s->rules[i].pub;
		bool keep = !r->filter && (int)r->severity >= min_level;
		if (keep && ninclude) {
			keep = false;
			for (size_t k = 0; k < ninclude && !keep; k++)
				keep = wh_sigma_rule_matches(r, include[k]);
		}
		for (size_t k = 0; k < nexclude && keep; k++)
			keep = !wh_sigma_rule_matches(r, exclude[k]);
		r->enabled = keep || r->filter;
		on += keep;
	}
	return on;
}

const char *wh_sigma_rules_home(char *buf, size_t n)
{
	if (geteuid() == 0) {
		snprintf(buf, n, "/var/lib/whitehawk/rules");
		return buf;
	}
	const char *x = getenv("XDG_DATA_HOME");
	if (x && *x == '/') {
		snprintf(buf, n, "%s/whitehawk/rules", x);
		return buf;
	}
	const char *home = getenv("HOME");
	snprintf(buf, n, "%s/.local/share/whitehawk/rules", home && *home ? home : ".");
	return buf;
}

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int wh_sigma_default_rule_dirs(char *buf, size_t n)
{
	char home[4096];
	const char *cands[] = { wh_sigma_rules_home(home, sizeof(home)), WH_DATADIR "/whitehawk/rules",
				WH_SOURCE_DIR "/rules" };
	size_t used = 0;
	int count = 0;
	for (size_t i = 0; i < sizeof(cands) / sizeof(cands[0]); i++) {
		size_t l = strlen(cands[i]);
		if (!is_dir(cands[i]) || used + l + 2 > n)
			continue;
		/* the installed pack and the source pack are the same rules: take one */
		if (i == 2 && count > 0)
			continue;
		memcpy(buf + used, cands[i], l + 1);
		used += l + 1;
		count++;
	}
	if (used < n)
		buf[used] = '\0';
	return count;
}

int wh_sigma_load_rules(struct wh_sigma *s, char *const *dirs, size_t ndirs, const char *mapping,
		       const char *placeholders, bool quiet)
{
	if (wh_sigma_load_mapping(s, mapping) < 0)
		return -1;
	if (wh_sigma_load_placeholders(s, placeholders) < 0)
		return -1;
	int rc = 0;
	if (ndirs == 0) {
		char buf[16384];
		int n = wh_sigma_default_rule_dirs(buf, sizeof(buf));
		if (n == 0)
			return wh_error("no rules: give --rules DIR, or run 'whitehawk rules update'");
		for (const char *p = buf; *p; p += strlen(p) + 1)
			if (wh_sigma_load_path(s, p) < 0)
				rc = -1;
	}
	for (size_t i = 0; i < ndirs; i++)
		if (wh_sigma_load_path(s, dirs[i]) < 0)
			rc = -1;
	if (!quiet)
		for (size_t i = 0; i < wh_sigma_nrejects(s); i++) {
			const struct wh_sigma_reject *r = wh_sigma_reject_at(s, i);
			wh_warn("%s: line %u: rule not loaded: %s", r->file, r->line, r->reason);
		}
	return rc;
}

