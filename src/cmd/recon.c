/*
 * recon.c: `whitehawk recon`, reconnaissance seen on the wire: traceroutes
 * (Windows ICMP, Linux UDP, TCP; found from the probes, from the routers'
 * time exceeded, or both), port scans and sweeps with their type, and ping
 * sweeps.
 *
 * From capture files it prints its findings at the end, in time order.
 * Live (-i IFACE) it opens the interface with a BPF filter, then gives up
 * every privilege (src/net/priv) before it parses a single packet, and
 * prints each finding as soon as it is concluded: a traceroute when it
 * has been quiet for 10 seconds, a scan or sweep when it passes its
 * threshold.
 */
#include "cmd/cmd.h"
#include "cmd/netopts.h"
#include "detect/recon/tracedet.h"
#include "net/priv/priv.h"
#include "read/packet.h"
#include "read/pcap.h"
#include "read/scan.h"
#include "report/emit.h"
#include "util/diag.h"
#include "util/num.h"
#include "util/wtime.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <signal.h>
#include <string.h>
#include <time.h>

static int run_recon(int argc, char **argv);

/* Keep what matters to reconnaissance and drop bulk TCP data, which is most of the traffic. */
#define DEFAULT_FILTER "not (ip and tcp and tcp[tcpflags] & (tcp-syn|tcp-fin|tcp-rst) == 0 and ip[2:2] > 64)"

const struct wh_cmd wh_cmd_recon = {
	.name = "recon",
	.run = run_recon,
	.summary = "traceroutes, port scans and sweeps seen on the wire: reconnaissance before an attack",
	.usage = "whitehawk recon [--table | --csv | --json] [--explain] [--internal CIDRS] [--config FILE] "
		 "[--set KEY=VALUE]... [--fail-on LEVEL] [OPTIONS] CAPTURES...\n"
		 "whitehawk recon -i IFACE [--filter BPF] [--user USER] [--count N] [--duration SECS] "
		 "[--no-promisc] [--table | --csv | --json] [--internal CIDRS] [--fail-on LEVEL]",
	.options =
		"      --table         a table for people (the default)\n"
		"      --csv           CSV with a header row\n"
		"      --json          JSON lines, one finding each (the common finding format)\n"
		"      --explain       the table also explains each finding\n"
		"      --internal CIDRS  the internal networks, comma-separated (default RFC 1918 and fc00::/7)\n"
		"      --config FILE   settings as KEY = VALUE lines (default /etc/whitehawk/net.conf)\n"
		"      --set KEY=VALUE one setting (scan_ports, sweep_hosts, ping_hosts, internal ...)\n"
		"      --fail-on LEVEL exit status 1 when a finding is at level LEVEL or above\n"
		"  -i, --interface IFACE  capture live on IFACE (needs CAP_NET_RAW; privileges are\n"
		"                      dropped once it is open)\n"
		"      --filter BPF    the capture filter (default: all but bulk TCP data)\n"
		"      --user USER     the user to run as after opening the interface (default nobody)\n"
		"      --count N       stop after N packets\n"
		"      --duration SECS stop after SECS seconds\n"
		"      --no-promisc    do not put the interface in promiscuous mode\n" WH_LOG_OPTIONS_HELP,
};

enum { OPT_TABLE = WH_OPT_LOG_LAST, OPT_CSV, OPT_JSON, OPT_EXPLAIN, OPT_INTERNAL, OPT_CONFIG, OPT_SET,
       OPT_FAILON, OPT_FILTER, OPT_USER, OPT_COUNT, OPT_DURATION, OPT_NOPROMISC };

struct recon_ctx {
	struct wh_netan *an;
	struct wh_flowtab *ft;
	struct wh_tracedet *td;
	struct wh_findings *out;
	struct wh_decode_stats ds;
	uint64_t packets, captures;
};

static void on_conn(const struct wh_conn *c, void *arg)
{
	struct recon_ctx *x = arg;
	wh_netan_conn(x->an, c);
}

static void packet(struct recon_ctx *x, const struct wh_rawpkt *rp, const char *source)
{
	struct wh_pkt p;
	x->packets++;
	if (!wh_capture_decode(source, rp, &p, &x->ds))
		return;
	wh_tracedet_packet(x->td, &p, source, rp->offset);
	wh_flowtab_add(x->ft, &p, source, rp->offset);
}

static int take_input(const struct wh_reader *r, struct wh_input *in, void *arg, uint64_t *records)
{
	extern const struct wh_reader wh_reader_pcap;
	struct recon_ctx *x = arg;
	if (r != &wh_reader_pcap)
		return 0;
	struct wh_capture *cap = wh_capture_open(in);
	if (!cap)
		return -1;
	x->captures++;
	struct wh_rawpkt rp;
	int rc;
	uint64_t n = 0;
	while ((rc = wh_capture_next(cap, &rp)) == 1) {
		n++;
		packet(x, &rp, in->name);
	}
	wh_capture_close(cap);
	*records = n;
	return rc < 0 ? -1 : 1;
}

/* Zeek conn records and host events still show scans and sweeps. */
static int on_event(struct wh_event *ev, void *arg)
{
	struct recon_ctx *x = arg;
	struct wh_conn c;
	if (ev->kind == WH_EV_NET_CONNECT && wh_conn_from_event(ev, &c))
		wh_netan_conn(x->an, &c);
	return 0;
}

/* ---- live ---- */

static volatile sig_atomic_t stop_flag;
static struct wh_capture *live_cap;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
	wh_capture_break(live_cap);
}

static int64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * WH_NS_PER_SEC + ts.tv_nsec;
}

static void print_new(const struct wh_netopts *no, const struct wh_findings *l, size_t *printed)
{
	for (; *printed < l->n; (*printed)++)
		wh_finding_write(stdout, no->fmt, &l->v[*printed], no->explain);
	fflush(stdout);
}

static int run_live(struct recon_ctx *x, struct wh_netopts *no, const char *iface, const char *filter,
		    bool promisc, uint64_t count, int64_t duration, bool quiet)
{
	char err[512];
	live_cap = wh_capture_open_live(iface, filter ? filter : DEFAULT_FILTER, promisc, 250, err, sizeof(err));
	if (!live_cap)
		return wh_error("%s", err), WH_EXIT_ERROR;
	/* Nothing is parsed before this point: the interface is open, the rest runs unprivileged. */
	if (wh_priv_drop(no->user) < 0) {
		wh_capture_close(live_cap);
		return WH_EXIT_ERROR;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (!quiet)
		fprintf(stderr, "whitehawk: recon: listening on %s (filter: %s)\n", iface, filter ? filter : DEFAULT_FILTER);
	wh_findings_begin(stdout, no->fmt);
	size_t printed = 0;
	int64_t start = wall_ns(), last_poll = start;
	int status = WH_EXIT_OK;
	while (!stop_flag) {
		struct wh_rawpkt rp;
		int rc = wh_capture_next(live_cap, &rp);
		if (rc == 1)
			packet(x, &rp, iface);
		else if (rc == 0)
			break;
		else if (rc < 0) {
			status = WH_EXIT_ERROR;
			break;
		}
		int64_t now = wall_ns();
		if (now - last_poll >= WH_NS_PER_SEC) {
			last_poll = now;
			wh_flowtab_expire(x->ft, now);
			wh_netan_poll_scans(x->an, x->out);
			wh_tracedet_poll(x->td, now);
			print_new(no, x->out, &printed);
		}
		if ((count && x->packets >= count) || (duration && now - start >= duration))
			break;
	}
	wh_flowtab_flush(x->ft);
	wh_netan_poll_scans(x->an, x->out);
	wh_tracedet_finish(x->td);
	print_new(no, x->out, &printed);
	uint64_t dropped = wh_capture_dropped(live_cap);
	if (!quiet)
		fprintf(stderr, "whitehawk: recon: %llu packets on %s (%llu dropped by the kernel): %zu finding%s\n",
			(unsigned long long)x->packets, iface, (unsigned long long)dropped, x->out->n,
			x->out->n == 1 ? "" : "s");
	wh_capture_close(live_cap);
	live_cap = NULL;
	return status;
}

static int run_recon(int argc, char **argv)
{
	const struct wh_cmd *self = &wh_cmd_recon;
	static const struct option longopts[] = {
		{ "table", no_argument, NULL, OPT_TABLE },
		{ "csv", no_argument, NULL, OPT_CSV },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "explain", no_argument, NULL, OPT_EXPLAIN },
		{ "internal", required_argument, NULL, OPT_INTERNAL },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "set", required_argument, NULL, OPT_SET },
		{ "fail-on", required_argument, NULL, OPT_FAILON },
		{ "interface", required_argument, NULL, 'i' },
		{ "filter", required_argument, NULL, OPT_FILTER },
		{ "user", required_argument, NULL, OPT_USER },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "no-promisc", no_argument, NULL, OPT_NOPROMISC },
		WH_LOG_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct wh_netopts no;
	wh_netopts_init(&no);
	struct wh_logopts lo;
	wh_logopts_init(&lo);
	const char *config = NULL, *iface = NULL, *filter = NULL;
	bool promisc = true;
	long long count = 0, duration = 0;
	int opt, status = WH_EXIT_OK;
	const char *err;
	while ((opt = getopt_long(argc, argv, WH_LOG_SHORTOPTS "i:", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_TABLE: no.fmt = WH_FMT_TABLE; break;
		case OPT_CSV: no.fmt = WH_FMT_CSV; break;
		case OPT_JSON: no.fmt = WH_FMT_JSON; break;
		case OPT_EXPLAIN: no.explain = true; break;
		case OPT_CONFIG: config = optarg; break;
		case 'i': iface = optarg; break;
		case OPT_FILTER: filter = optarg; break;
		case OPT_NOPROMISC: promisc = false; break;
		case OPT_USER: wh_netopts_defer(&no, "user", optarg, "--user"); break;
		case OPT_INTERNAL: wh_netopts_defer(&no, "internal", optarg, "--internal"); break;
		case OPT_SET: wh_netopts_defer(&no, NULL, optarg, "--set"); break;
		case OPT_COUNT:
			if (wh_parse_num(optarg, 1, 1LL << 60, &count, &err) < 0) {
				status = wh_cmd_usage_error(self, "--count '%s' is %s", optarg, err);
				goto out;
			}
			break;
		case OPT_DURATION:
			if (wh_parse_num(optarg, 1, 10LL * 365 * 86400, &duration, &err) < 0) {
				status = wh_cmd_usage_error(self, "--duration '%s' is %s", optarg, err);
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
	if (!iface && optind >= argc) {
		status = wh_cmd_usage_error(self, "no captures given, and no -i IFACE");
		goto out;
	}
	if (iface && optind < argc) {
		status = wh_cmd_usage_error(self, "-i IFACE and capture files do not go together");
		goto out;
	}
	if (wh_netopts_load(&no, config) < 0) {
		status = WH_EXIT_ERROR;
		goto out;
	}
	no.an.what = WH_NA_SCAN;
	/* Probes end quickly: conclude them sooner than connections in general. */
	no.flow.tcp_attempt_timeout = 10 * WH_NS_PER_SEC;
	no.flow.tcp_closed_timeout = 2 * WH_NS_PER_SEC;
	if (no.flow.udp_timeout > 10 * WH_NS_PER_SEC)
		no.flow.udp_timeout = 10 * WH_NS_PER_SEC;
	if (no.flow.icmp_timeout > 10 * WH_NS_PER_SEC)
		no.flow.icmp_timeout = 10 * WH_NS_PER_SEC;

	struct wh_findings l;
	wh_findings_init(&l);
	struct recon_ctx x;
	memset(&x, 0, sizeof(x));
	x.out = &l;
	x.an = wh_netan_new(&no.an);
	x.ft = wh_flowtab_new(&no.flow, on_conn, &x);
	struct wh_tracedet_opts to;
	wh_tracedet_opts_default(&to);
	to.net = &no.an;
	x.td = wh_tracedet_new(&to, &l);
	wh_emit_buffer(stdout);
	if (iface) {
		status = run_live(&x, &no, iface, filter, promisc, (uint64_t)count, duration * WH_NS_PER_SEC, lo.quiet);
	} else {
		struct wh_scan s;
		wh_scan_init(&s, on_event, &x);
		s.opts = lo.read;
		s.force = lo.format;
		s.take_input = take_input;
		if (wh_scan_paths(&s, argv + optind, argc - optind) < 0)
			status = WH_EXIT_ERROR;
		wh_flowtab_flush(x.ft);
		wh_tracedet_finish(x.td);
		wh_netan_finish(x.an, &l);
		wh_findings_sort(&l);
		wh_findings_write(stdout, no.fmt, &l, no.explain);
		fflush(stdout);
		if (!lo.quiet) {
			wh_scan_summary(&s, stderr);
			fprintf(stderr, "whitehawk: recon: %llu packets (%llu IP, %llu broken) in %llu capture%s; "
				"%zu finding%s\n",
				(unsigned long long)x.packets, (unsigned long long)x.ds.ip, (unsigned long long)x.ds.bad,
				(unsigned long long)x.captures, x.captures == 1 ? "" : "s", l.n, l.n == 1 ? "" : "s");
		}
		wh_scan_release(&s);
	}
	if (status == WH_EXIT_OK && no.fail_on >= 0 && wh_findings_max_severity(&l) >= no.fail_on)
		status = WH_EXIT_FINDINGS;
	wh_tracedet_free(x.td);
	wh_flowtab_free(x.ft);
	wh_netan_free(x.an);
	wh_findings_release(&l);
out:
	wh_netopts_release(&no);
	return status;
}
