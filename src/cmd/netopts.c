/*
 * netopts.c: settings of the network commands.
 */
#include "cmd/netopts.h"
#include "util/diag.h"
#include "util/num.h"
#include "util/wtime.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char wh_netopts_keys[] =
	"internal, intel, geo, alert_countries, beacon_score, beacon_min_conns, beacon_all, "
	"long_conn, exfil_bytes, exfil_pcr, scan_ports, sweep_hosts, ping_hosts, lateral_hosts, "
	"rare_max, max_flows, max_pairs, tcp_timeout, udp_timeout, icmp_timeout, user";

void wh_netopts_init(struct wh_netopts *o)
{
	memset(o, 0, sizeof(*o));
	wh_netan_opts_default(&o->an);
	wh_flow_opts_default(&o->flow);
	o->fail_on = -1;
}

void wh_netopts_release(struct wh_netopts *o)
{
	wh_intel_free(o->intel);
	o->intel = NULL;
	free((char *)o->user);
	o->user = NULL;
	free(o->later);
	o->later = NULL;
	o->nlater = o->latercap = 0;
}

void wh_netopts_defer(struct wh_netopts *o, const char *key, const char *val, const char *where)
{
	WH_GROW(o->later, o->nlater + 1, o->latercap);
	o->later[o->nlater++] = (struct wh_netopts_later){ key, val, where };
}

int wh_netopts_load(struct wh_netopts *o, const char *config)
{
	if (wh_netopts_config(o, config ? config : WH_NETCONF_DEFAULT, config != NULL) < 0)
		return -1;
	for (size_t i = 0; i < o->nlater; i++) {
		const struct wh_netopts_later *l = &o->later[i];
		int rc = l->key ? wh_netopts_set(o, l->key, l->val, l->where) : wh_netopts_set_arg(o, l->val);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int num(const char *val, long long min, long long max, long long *out, const char *key,
	       const char *where)
{
	const char *err;
	if (wh_parse_num(val, min, max, out, &err) < 0) {
		wh_error("%s: %s '%s' is %s (%lld to %lld)", where, key, val, err, min, max);
		return -1;
	}
	return 0;
}

static int frac(const char *val, double min, double max, double *out, const char *key, const char *where)
{
	char *end;
	errno = 0;
	double d = strtod(val, &end);
	if (errno || end == val || *end || !(d >= min && d <= max)) {
		wh_error("%s: %s '%s' is not a number from %g to %g", where, key, val, min, max);
		return -1;
	}
	*out = d;
	return 0;
}

static struct wh_intel *intel(struct wh_netopts *o)
{
	if (!o->intel)
		o->intel = wh_intel_new();
	o->an.intel = o->intel;
	return o->intel;
}

int wh_netopts_set(struct wh_netopts *o, const char *key, const char *val, const char *where)
{
	long long v;
	if (strcmp(key, "internal") == 0) {
		const char *bad;
		if (!wh_netan_set_internal(&o->an, val, &bad))
			return wh_error("%s: internal: '%s' is not a list of networks (bad at '%s')", where, val, bad);
		return 0;
	}
	if (strcmp(key, "intel") == 0) {
		if (wh_intel_load_feed(intel(o), val) < 0)
			return -1;
		return 0;
	}
	if (strcmp(key, "geo") == 0) {
		if (wh_intel_load(intel(o), val) < 0)
			return -1;
		return 0;
	}
	if (strcmp(key, "alert_countries") == 0) {
		o->an.nalert_countries = 0;
		for (const char *s = val; *s;) {
			size_t n = strcspn(s, ", ");
			if (n == 2 && o->an.nalert_countries < WH_NETAN_MAX_COUNTRIES) {
				char *cc = o->an.alert_countries[o->an.nalert_countries++];
				cc[0] = (char)(s[0] & ~32);
				cc[1] = (char)(s[1] & ~32);
				cc[2] = '\0';
			} else if (n) {
				return wh_error("%s: alert_countries: '%.*s' is not a two-letter country code", where,
						(int)n, s);
			}
			s += n;
			s += strspn(s, ", ");
		}
		o->an.what |= WH_NA_GEO;
		return 0;
	}
	if (strcmp(key, "beacon_score") == 0)
		return frac(val, 0, 1, &o->an.beacon_score, key, where);
	if (strcmp(key, "exfil_pcr") == 0)
		return frac(val, -1, 1, &o->an.exfil_pcr, key, where);
	if (strcmp(key, "beacon_all") == 0) {
		if (strcasecmp(val, "true") && strcasecmp(val, "false") && strcmp(val, "1") && strcmp(val, "0"))
			return wh_error("%s: beacon_all '%s' is neither true nor false", where, val);
		o->an.beacon_all = strcasecmp(val, "true") == 0 || strcmp(val, "1") == 0;
		return 0;
	}
	if (strcmp(key, "user") == 0) {
		free((char *)o->user);
		o->user = strdup(val);
		return 0;
	}
	static const struct {
		const char *key;
		long long min, max;
		int kind;   /* 0 u32 analysis, 1 seconds, 2 bytes, 3 sizes */
	} nums[] = {
		{ "beacon_min_conns", 4, 1000000, 0 }, { "scan_ports", 2, 65536, 0 },
		{ "sweep_hosts", 2, 1024, 0 },          { "ping_hosts", 2, 1024, 0 },
		{ "lateral_hosts", 1, 1000000, 0 },     { "rare_max", 0, 1000, 0 },
		{ "long_conn", 1, 365LL * 86400, 1 },   { "tcp_timeout", 1, 86400, 1 },
		{ "udp_timeout", 1, 86400, 1 },         { "icmp_timeout", 1, 86400, 1 },
		{ "exfil_bytes", 1, 1LL << 50, 2 },     { "max_flows", 16, 1LL << 30, 3 },
		{ "max_pairs", 16, 1LL << 30, 3 },
	};
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		if (strcmp(key, nums[i].key) != 0)
			continue;
		if (num(val, nums[i].min, nums[i].max, &v, key, where) < 0)
			return -1;
		if (!strcmp(key, "beacon_min_conns")) o->an.beacon_min_conns = (uint32_t)v;
		else if (!strcmp(key, "scan_ports")) o->an.scan_ports = (uint32_t)v;
		else if (!strcmp(key, "sweep_hosts")) o->an.sweep_hosts = (uint32_t)v;
		else if (!strcmp(key, "ping_hosts")) o->an.ping_hosts = (uint32_t)v;
		else if (!strcmp(key, "lateral_hosts")) o->an.lateral_hosts = (uint32_t)v;
		else if (!strcmp(key, "rare_max")) o->an.rare_max = (uint32_t)v;
		else if (!strcmp(key, "long_conn")) o->an.long_conn = v * WH_NS_PER_SEC;
		else if (!strcmp(key, "tcp_timeout")) o->flow.tcp_timeout = v * WH_NS_PER_SEC;
		else if (!strcmp(key, "udp_timeout")) o->flow.udp_timeout = v * WH_NS_PER_SEC;
		else if (!strcmp(key, "icmp_timeout")) o->flow.icmp_timeout = v * WH_NS_PER_SEC;
		else if (!strcmp(key, "exfil_bytes")) o->an.exfil_bytes = (uint64_t)v;
		else if (!strcmp(key, "max_flows")) o->flow.max_flows = (size_t)v;
		else if (!strcmp(key, "max_pairs")) o->an.max_pairs = (size_t)v;
		return 0;
	}
	return wh_error("%s: unknown setting '%s' (known: %s)", where, key, wh_netopts_keys);
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

int wh_netopts_set_arg(struct wh_netopts *o, const char *kv)
{
	const char *eq = strchr(kv, '=');
	if (!eq)
		return wh_error("--set '%s': expected KEY=VALUE", kv);
	char key[64];
	size_t kl = (size_t)(eq - kv);
	if (kl == 0 || kl >= sizeof(key))
		return wh_error("--set '%s': expected KEY=VALUE", kv);
	memcpy(key, kv, kl);
	key[kl] = '\0';
	char *val = strdup(eq + 1);
	int rc = wh_netopts_set(o, trim(key), trim(val), "--set");
	free(val);
	return rc;
}

int wh_netopts_config(struct wh_netopts *o, const char *path, bool must_exist)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		if (!must_exist && errno == ENOENT)
			return 0;
		return wh_error("cannot read the configuration '%s': %s", path, strerror(errno));
	}
	char line[4096];
	unsigned lineno = 0;
	int rc = 0;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		char *s = trim(line);
		if (!*s || *s == '#' || *s == ';')
			continue;
		char *eq = strchr(s, '=');
		char where[600];
		snprintf(where, sizeof(where), "%s:%u", path, lineno);
		if (!eq) {
			rc = wh_error("%s: expected KEY = VALUE", where);
			continue;
		}
		*eq = '\0';
		if (wh_netopts_set(o, trim(s), trim(eq + 1), where) < 0)
			rc = -1;
	}
	fclose(f);
	return rc;
}
