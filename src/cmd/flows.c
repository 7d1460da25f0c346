/*
 * flows.c: `whitehawk flows`, network viewpoints per host pair and per
 * destination from captures, Zeek logs and hosts' network events.
 *
 * Captures are read packet by packet into one flow table that spans every
 * input (a connection split over rotated captures stays one); Zeek conn
 * records and Sysmon / auditd / ECS network events are taken as
 * connections as they are. All of it goes through the analyses of
 * detect/net/netan.c, which end in findings.
 */
#include "cmd/cmd.h"
#include "cmd/netopts.h"
#include "read/packet.h"
#include "read/pcap.h"
#include "read/scan.h"
#include "report/emit.h"
#include "util/diag.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <string.h>

static int run_flows(int argc, char **argv);

const struct wh_cmd wh_cmd_flows = {
	.name = "flows",
	.run = run_flows,
	.summary = "network viewpoints per host pair: beacon, long connection, exfil, scan, lateral, intel",
	.usage = "whitehawk flows [--table | --csv | --json] [--explain] [--internal CIDRS] [--intel FILE]... "
		 "[--geo FILE]... [--config FILE] [--set KEY=VALUE]... [--only LIST] [--fail-on LEVEL] "
		 "[OPTIONS] CAPTURES|CONN_LOGS|EVENT_LOGS...",
	.options =
		"      --table         a table for people (the default)\n"
		"      --csv           CSV with a header row\n"
		"      --json          JSON lines, one finding each (the common finding format)\n"
		"      --explain       the table also explains each finding\n"
		"      --internal CIDRS  the internal networks, comma-separated\n"
		"                      (default 10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7)\n"
		"      --intel FILE    a reputation feed: plain list, abuse.ch CSV, MISP CSV or JSON,\n"
		"                      STIX 2.1; repeatable\n"
		"      --geo FILE      country and AS data: a MaxMind-format mmdb, DB-IP lite, iptoasn\n"
		"                      or CAIDA prefix2as file; repeatable\n"
		"      --config FILE   settings as KEY = VALUE lines (default /etc/whitehawk/net.conf)\n"
		"      --set KEY=VALUE one setting; repeatable; keys: internal, intel, geo,\n"
		"                      alert_countries, beacon_score, beacon_min_conns, beacon_all,\n"
		"                      long_conn, exfil_bytes, exfil_pcr, scan_ports, sweep_hosts,\n"
		"                      ping_hosts, lateral_hosts, rare_max, max_flows, max_pairs,\n"
		"                      tcp_timeout, udp_timeout, icmp_timeout\n"
		"      --only LIST     only these analyses: beacon, long, exfil, scan, lateral, intel,\n"
		"                      ports, geo\n"
		"      --fail-on LEVEL exit status 1 when a finding is at level LEVEL or above\n" WH_LOG_OPTIONS_HELP,
};

enum { OPT_TABLE = WH_OPT_LOG_LAST, OPT_CSV, OPT_JSON, OPT_EXPLAIN, OPT_INTERNAL, OPT_INTEL, OPT_GEO,
       OPT_CONFIG, OPT_SET, OPT_ONLY, OPT_FAILON };

struct flows_ctx {
	struct wh_netan *an;
	struct wh_flowtab *ft;
	struct wh_decode_stats ds;
	uint64_t captures, packets, conn_records, host_events, dns_answers;
};

static void on_conn(const struct wh_conn *c, void *arg)
{
	struct flows_ctx *x = arg;
	wh_netan_conn(x->an, c);
}

/* Captures are read here, below the event level, into the shared flow table. */
static int take_input(const struct wh_reader *r, struct wh_input *in, void *arg, uint64_t *records)
{
	extern const struct wh_reader wh_reader_pcap;
	struct flows_ctx *x = arg;
	if (r != &wh_reader_pcap)
		return 0;
	struct wh_capture *cap = wh_capture_open(in);
	if (!cap)
		return -1;
	x->captures++;
	struct wh_rawpkt rp;
	struct wh_pkt batch[WH_FLOW_BATCH];
	uint64_t offs[WH_FLOW_BATCH];
	size_t nb = 0;
	int rc;
	uint64_t n = 0;
	while ((rc = wh_capture_next(cap, &rp)) == 1) {
		n++;
		/* the batch keeps decoded fields only; the flow table reads no payload */
		if (wh_capture_decode(in->name, &rp, &batch[nb], &x->ds)) {
			offs[nb] = rp.offset;
			if (++nb == WH_FLOW_BATCH) {
				wh_flowtab_add_batch(x->ft, batch, nb, in->name, offs);
				nb = 0;
			}
		}
	}
	wh_flowtab_add_batch(x->ft, batch, nb, in->name, offs);
	wh_capture_close(cap);
	x->packets += n;
	*records = n;
	return rc < 0 ? -1 : 1;
}

/* Sysmon 22 "QueryResults": "type:  5 cdn.example;::ffff:192.0.2.7;" and
 * Zeek dns.log "answers": "cdn.example,192.0.2.7". */
static void dns_answers(struct flows_ctx *x, const struct wh_event *ev)
{
	const char *q = wh_event_get(ev, "QueryName");
	const struct wh_field *a = wh_event_field(ev, "QueryResults");
	if (!a)
		a = wh_event_field(ev, "answers");
	if (!q || !a)
		return;
	const char *s = a->value, *end = a->value + a->vlen;
	while (s < end) {
		const char *e = s;
		while (e < end && *e != ';' && *e != ',')
			e++;
		const char *t = s;
		while (t < e && *t == ' ')
			t++;
		struct wh_ip ip;
		if (wh_ip_parse(t, (size_t)(e - t), &ip)) {
			wh_netan_dns(x->an, q, &ip);
			x->dns_answers++;
		}
		s = e + 1;
	}
}

static int on_event(struct wh_event *ev, void *arg)
{
	struct flows_ctx *x = arg;
	if (ev->kind == WH_EV_DNS_QUERY) {
		dns_answers(x, ev);
		return 0;
	}
	if (ev->kind != WH_EV_NET_CONNECT)
		return 0;
	struct wh_conn c;
	if (!wh_conn_from_event(ev, &c))
		return 0;
	if (c.origin == WH_CO_ZEEK)
		x->conn_records++;
	else
		x->host_events++;
	wh_netan_conn(x->an, &c);
	return 0;
}

static int parse_only(const char *list, uint32_t *what)
{
	static const struct {
		const char *name;
		uint32_t bit;
	} names[] = {
		{ "beacon", WH_NA_BEACON }, { "long", WH_NA_LONG },       { "exfil", WH_NA_EXFIL },
		{ "scan", WH_NA_SCAN },     { "lateral", WH_NA_LATERAL }, { "intel", WH_NA_INTEL },
		{ "ports", WH_NA_PORTS },   { "geo", WH_NA_GEO },
	};
	*what = 0;
	for (const char *s = list; *s;) {
		size_t n = strcspn(s, ",");
		size_t i;
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i].name) == n && strncmp(names[i].name, s, n) == 0)
				break;
		if (i == sizeof(names) / sizeof(names[0]))
			return -1;
		*what |= names[i].bit;
		s += n;
		if (*s == ',')
			s++;
	}
	return *what ? 0 : -1;
}

static void summary(const struct flows_ctx *x, const struct wh_scan *s, const struct wh_findings *l)
{
	const struct wh_flow_stats *fs = wh_flowtab_stats(x->ft);
	const struct wh_netan_stats *as = wh_netan_stats(x->an);
	wh_scan_summary(s, stderr);
	if (x->captures) {
		fprintf(stderr, "whitehawk: flows: %llu packets (%llu IP, %llu not IP, %llu broken) in %llu "
			"capture%s: %llu flows",
			(unsigned long long)x->packets, (unsigned long long)x->ds.ip,
			(unsigned long long)x->ds.not_ip, (unsigned long long)x->ds.bad,
			(unsigned long long)x->captures, x->captures == 1 ? "" : "s",
			(unsigned long long)fs->flows);
		if (fs->evicted)
			fprintf(stderr, ", %llu ended early because the flow table was full (max_flows %llu)",
				(unsigned long long)fs->evicted, (unsigned long long)fs->peak);
		if (x->ds.unknown_link)
			fprintf(stderr, ", %llu of an unknown link type", (unsigned long long)x->ds.unknown_link);
		fputc('\n', stderr);
	}
	fprintf(stderr, "whitehawk: flows: %llu connections analysed (%llu conn records, %llu host events), "
		"%llu host pairs; %zu finding%s\n",
		(unsigned long long)as->conns, (unsigned long long)x->conn_records,
		(unsigned long long)x->host_events, (unsigned long long)as->pairs, l->n, l->n == 1 ? "" : "s");
	if (as->pairs_dropped || as->ts_dropped || as->sources_dropped)
		fprintf(stderr, "whitehawk: flows: over the caps: %llu connections of pairs past max_pairs, "
			"%llu beacon samples past max_ts_per_pair, %llu of scan sources past max_sources\n",
			(unsigned long long)as->pairs_dropped, (unsigned long long)as->ts_dropped,
			(unsigned long long)as->sources_dropped);
}

static int run_flows(int argc, char **argv)
{
	const struct wh_cmd *self = &wh_cmd_flows;
	static const struct option longopts[] = {
		{ "table", no_argument, NULL, OPT_TABLE },
		{ "csv", no_argument, NULL, OPT_CSV },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "explain", no_argument, NULL, OPT_EXPLAIN },
		{ "internal", required_argument, NULL, OPT_INTERNAL },
		{ "intel", required_argument, NULL, OPT_INTEL },
		{ "geo", required_argument, NULL, OPT_GEO },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "set", required_argument, NULL, OPT_SET },
		{ "only", required_argument, NULL, OPT_ONLY },
		{ "fail-on", required_argument, NULL, OPT_FAILON },
		WH_LOG_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct wh_netopts no;
	wh_netopts_init(&no);
	struct wh_logopts lo;
	wh_logopts_init(&lo);
	const char *config = NULL;
	int opt, status = WH_EXIT_OK;
	while ((opt = getopt_long(argc, argv, WH_LOG_SHORTOPTS, longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_TABLE: no.fmt = WH_FMT_TABLE; break;
		case OPT_CSV: no.fmt = WH_FMT_CSV; break;
		case OPT_JSON: no.fmt = WH_FMT_JSON; break;
		case OPT_EXPLAIN: no.explain = true; break;
		case OPT_CONFIG: config = optarg; break;
		case OPT_INTERNAL: wh_netopts_defer(&no, "internal", optarg, "--internal"); break;
		case OPT_INTEL: wh_netopts_defer(&no, "intel", optarg, "--intel"); break;
		case OPT_GEO: wh_netopts_defer(&no, "geo", optarg, "--geo"); break;
		case OPT_SET: wh_netopts_defer(&no, NULL, optarg, "--set"); break;
		case OPT_ONLY:
			if (parse_only(optarg, &no.an.what) < 0) {
				status = wh_cmd_usage_error(self, "bad --only '%s'", optarg);
				goto out;
			}
			break;
		case OPT_FAILON:
			if ((status = wh_cmd_level(self, optarg, &no.fail_on)))
				goto out;
			break;
		default:
			if ((status = wh_cmd_other_opt(self, &lo, opt, optarg)))
				goto out;
			break;
		}
	}
	if (optind >= argc) {
		status = wh_cmd_usage_error(self, "no captures or logs given");
		goto out;
	}
	uint32_t only = no.an.what;
	if (wh_netopts_load(&no, config) < 0) {
		status = WH_EXIT_ERROR;
		goto out;
	}
	if (only != WH_NA_ALL)
		no.an.what = only;

	struct flows_ctx x;
	memset(&x, 0, sizeof(x));
	x.an = wh_netan_new(&no.an);
	x.ft = wh_flowtab_new(&no.flow, on_conn, &x);
	struct wh_scan s;
	wh_scan_init(&s, on_event, &x);
	s.opts = lo.read;
	s.force = lo.format;
	s.take_input = take_input;
	if (wh_scan_paths(&s, argv + optind, argc - optind) < 0)
		status = WH_EXIT_ERROR;
	wh_flowtab_flush(x.ft);
	struct wh_findings l;
	wh_findings_init(&l);
	wh_netan_finish(x.an, &l);
	wh_emit_buffer(stdout);
	wh_findings_write(stdout, no.fmt, &l, no.explain);
	fflush(stdout);
	if (!lo.quiet)
		summary(&x, &s, &l);
	if (status == WH_EXIT_OK && no.fail_on >= 0 && wh_findings_max_severity(&l) >= no.fail_on)
		status = WH_EXIT_FINDINGS;
	wh_findings_release(&l);
	wh_scan_release(&s);
	wh_flowtab_free(x.ft);
	wh_netan_free(x.an);
out:
	wh_netopts_release(&no);
	return status;
}
