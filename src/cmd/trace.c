/*
 * trace.c: `whitehawk trace`, a traceroute that speaks both tracert and
 * traceroute and has a faster, truer default of its own (docs/trace.md).
 *
 * The raw sockets are opened and every privilege dropped (src/net/priv)
 * before a single option is read or a name resolved.
 */
#include "cmd/cmd.h"
#include "net/asn.h"
#include "net/io.h"
#include "net/priv/priv.h"
#include "net/print.h"
#include "util/diag.h"
#include "util/hash.h"
#include "util/num.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static int run_trace(int argc, char **argv);

const struct wh_cmd wh_cmd_trace = {
	.name = "trace",
	.run = run_trace,
	.summary = "traceroute: tracert (ICMP), traceroute (UDP), TCP, Paris, MDA, AS path, per-hop loss",
	.usage = "whitehawk trace [-I | -U | -T | -M METHOD] [--paris | --classic] [-4 | -6] [-n] [-e] [-f FIRST_TTL] "
		 "[-m MAX_TTL] [-q N] [-w MAX[,HERE,NEAR]] [-N N] [-p PORT] [--sport PORT] [-s ADDR] [-i IFACE] "
		 "[--style linux|windows] [--json | --csv] [--as-file FILE] [OPTIONS] HOST [PACKETLEN]\n"
		 "whitehawk trace --mda [OPTIONS] HOST\n"
		 "whitehawk trace --cycles N [OPTIONS] HOST\n"
		 "whitehawk trace -f TARGETS [--rate PPS] [OPTIONS]",
	.options =
		"  -I, --icmp            ICMP echo probes, as Windows tracert sends them\n"
		"  -U, --udp             classic UDP to port 33434 + probe number, as Linux traceroute\n"
		"  -T, --tcp             TCP SYN probes (port 80 unless -p)\n"
		"  -M, --method NAME     paris-udp (default), udp, icmp, paris-icmp, tcp\n"
		"      --paris           keep every probe in one flow (Paris UDP; Paris ICMP with -I)\n"
		"      --classic         change the flow with every probe, as the classic tools do\n"
		"  -4, -6                IPv4 or IPv6 only\n"
		"  -n, -d                print addresses, no reverse DNS\n"
		"  -e                    show ICMP extensions (MPLS labels) in --style linux\n"
		"  -f N                  start at TTL N (traceroute); -f FILE: trace every target in FILE\n"
		"  -m N                  largest TTL (default 30)\n"
		"  -q N                  probes per hop (default 3)\n"
		"  -w MAX[,HERE,NEAR]    wait at most MAX s for a reply, HERE times the RTT of a reply\n"
		"                        from the same hop, NEAR times that of a later hop (5,3,10)\n"
		"  -N N                  probes in flight per target (default every TTL; linux 16; windows 1)\n"
		"  -p PORT               destination port (udp: the base port; tcp: 80)\n"
		"      --sport PORT      source port\n"
		"  -s ADDR               source address\n"
		"  -i IFACE              send through this interface\n"
		"  -t TOS                IPv4 TOS / IPv6 traffic class\n"
		"      --df              don't fragment (IPv4)\n"
		"      --style S         whitehawk (default), linux (traceroute), windows (tracert):\n"
		"                        output and defaults of that tool\n"
		"      --json            one JSON object per target (schema in docs/trace.md)\n"
		"      --csv             one CSV row per probe\n"
		"      --mda             Multipath Detection Algorithm: every interface at every hop\n"
		"      --mda-epsilon E   MDA's chance of missing an interface, per hop (default 0.05)\n"
		"      --mda-max-flows N flows MDA may use (default 128)\n"
		"      --cycles N        N probes per hop, then per-hop and per-link loss and latency\n"
		"      --as-file FILE    AS numbers from CAIDA prefix2as, iptoasn TSV, DB-IP CSV or an\n"
		"                        ASN mmdb (repeatable)\n"
		"      --ixp-file FILE   IXP prefixes: labelled, never mapped to an AS\n"
		"      --targets FILE    trace every target in FILE (one per line), as -f FILE\n"
		"      --rate PPS        probes per second over all targets (-f: 100; else no limit)\n"
		"      --parallel N      targets traced at once with -f (default 256)\n"
		"      --icmp-burst N    pace for routers' ICMP rate limit: N back to back (default 6;\n"
		"                        0 turns pacing off)\n"
		"      --icmp-rate R     then R per second per hop (default 1)\n"
		"      --no-learn        time silent hops out only by -w, as traceroute does\n"
		"      --unprivileged    UDP and ping sockets with IP_RECVERR, even when raw sockets work\n"
		"      --user NAME       the user to become when started as root (default nobody)\n",
};

enum {
	OPT_PARIS = WH_OPT_LOG_LAST, OPT_CLASSIC, OPT_SPORT, OPT_DF, OPT_STYLE, OPT_JSON, OPT_CSV, OPT_MDA, OPT_MDA_EPS,
	OPT_MDA_FLOWS, OPT_CYCLES, OPT_ASFILE, OPT_IXPFILE, OPT_TARGETS, OPT_RATE, OPT_PARALLEL, OPT_BURST,
	OPT_IRATE, OPT_NOLEARN, OPT_UNPRIV, OPT_USER,
};

#define MAX_TARGETS 1000000
#define MAX_ASFILES 8

static volatile int stop_flag;

/*
 * Files named on the command line are opened before the privilege drop (a
 * user running sudo may name a file only root can read) and read after it.
 * Only opened: nothing in them is looked at while privileges are held.
 */
#define MAX_PREOPEN 16
static struct {
	const char *path;
	int fd;
} preopen[MAX_PREOPEN];
static size_t npreopen;

static bool is_ttl(const char *s)
{
	long long v;
	return wh_parse_num(s, 1, 255, &v, NULL) == 0;
}

static void preopen_files(int argc, char **argv)
{
	static const char *const longs[] = { "--as-file", "--ixp-file", "--targets" };
	for (int i = 1; i < argc && npreopen < MAX_PREOPEN; i++) {
		const char *a = argv[i], *v = NULL;
		if (strcmp(a, "--") == 0)
			break;
		for (size_t k = 0; k < sizeof(longs) / sizeof(longs[0]) && !v; k++) {
			size_t n = strlen(longs[k]);
			if (strcmp(a, longs[k]) == 0 && i + 1 < argc)
				v = argv[++i];
			else if (strncmp(a, longs[k], n) == 0 && a[n] == '=')
				v = a + n + 1;
		}
		if (!v && strcmp(a, "-f") == 0 && i + 1 < argc && !is_ttl(argv[i + 1]))
			v = argv[++i];
		if (v && strcmp(v, "-") != 0) {
			preopen[npreopen].path = v;
			preopen[npreopen].fd = open(v, O_RDONLY | O_CLOEXEC);
			npreopen++;
		}
	}
}

/* The descriptor opened for path before the drop (the caller owns it), or -1. */
static int preopened(const char *path)
{
	for (size_t i = 0; i < npreopen; i++)
		if (preopen[i].fd >= 0 && strcmp(preopen[i].path, path) == 0) {
			int fd = preopen[i].fd;
			preopen[i].fd = -1;
			return fd;
		}
	return -1;
}

static void preopen_close(void)
{
	for (size_t i = 0; i < npreopen; i++)
		if (preopen[i].fd >= 0)
			close(preopen[i].fd);
	npreopen = 0;
}

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

struct names {
	struct wh_map map;
	struct wh_arena arena;
};

/* Reverse DNS, once per address. */
static const char *lookup_name(const struct wh_addr *a, void *arg)
{
	struct names *nm = arg;
	char key[WH_ADDR_STRLEN];
	wh_addr_str(a, key);
	size_t kl = strlen(key);
	bool added;
	struct wh_map_slot *s = wh_map_put(&nm->map, key, kl, &added);
	if (!added)
		return s->val;
	s->key = wh_arena_strndup(&nm->arena, key, kl);
	s->val = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = wh_addr_to_sa(a, 0, &ss);
	char host[NI_MAXHOST];
	if (getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), NULL, 0, NI_NAMEREQD) == 0)
		s->val = wh_arena_strdup(&nm->arena, host);
	return s->val;
}

struct target {
	char *name;
	struct wh_addr addr;
};

struct run {
	struct wh_trace_printer pr;
	unsigned printed;
};

static void on_done(struct wh_trace *t, void *arg)
{
	struct run *r = arg;
	wh_trace_print(&r->pr, t);
	fflush(r->pr.out);
	r->printed++;
	wh_trace_free(t);
}

static int resolve(const char *host, int family, struct wh_addr *out, bool quiet_fail)
{
	if (wh_addr_parse(host, out)) {
		if (family && out->family != family)
			return quiet_fail ? -1 : wh_error("'%s' is not an %s address", host, family == AF_INET6 ? "IPv6" : "IPv4");
		return 0;
	}
	struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_DGRAM };
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc != 0 || !res) {
		if (!quiet_fail)
			wh_error("cannot resolve '%s': %s", host, rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -1;
	}
	wh_addr_from_sa(res->ai_addr, out);
	freeaddrinfo(res);
	return 0;
}

/* A targets file: one host or address per line, '#' comments. */
static int read_targets(const char *path, int family, struct target **tv, size_t *nt, size_t *cap)
{
	int pfd = preopened(path);
	FILE *f = strcmp(path, "-") == 0 ? stdin : pfd >= 0 ? fdopen(pfd, "r") : fopen(path, "r");
	if (!f)
		return wh_error("cannot open '%s': %s", path, strerror(errno));
	char line[1024];
	uint64_t off = 0;
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);
		uint64_t here = off;
		off += n;
		if (n == sizeof(line) - 1 && line[n - 1] != '\n') {
			wh_bad_record(path, here, "line too long");
			int c;
			while ((c = fgetc(f)) != EOF && c != '\n')
				off++;
			continue;
		}
		char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		char *e = s + strlen(s);
		while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (!*s || *s == '#')
			continue;
		if (*nt >= MAX_TARGETS) {
			wh_error("'%s': more than %u targets", path, MAX_TARGETS);
			break;
		}
		struct wh_addr a;
		if (resolve(s, family, &a, true) < 0) {
			wh_bad_record(path, here, "cannot resolve target '%s'", s);
			continue;
		}
		WH_GROW(*tv, *nt + 1, *cap);
		(*tv)[*nt].name = wh_xstrdup(s);
		(*tv)[*nt].addr = a;
		(*nt)++;
	}
	if (f != stdin)
		fclose(f);
	return 0;
}

static bool parse_u(const char *s, long long lo, long long hi, unsigned *out)
{
	long long v;
	if (wh_parse_num(s, lo, hi, &v, NULL) < 0)
		return false;
	*out = (unsigned)v;
	return true;
}

static bool parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || *end || errno || !(v >= lo && v <= hi))
		return false;
	*out = v;
	return true;
}

/* -w MAX[,HERE[,NEAR]] as traceroute reads it. */
static bool parse_wait(const char *s, struct wh_trace_opts *o)
{
	char buf[64];
	if (strlen(s) >= sizeof(buf))
		return false;
	snprintf(buf, sizeof(buf), "%s", s);
	char *save = NULL, *tok = strtok_r(buf, ",/", &save);
	double v[3] = { -1, -1, -1 };
	for (int i = 0; tok && i < 3; i++, tok = strtok_r(NULL, ",/", &save))
		if (!parse_double(tok, 0, 3600, &v[i]))
			return false;
	if (tok || v[0] <= 0)
		return false;
	o->wait_max = (int64_t)(v[0] * 1e9);
	if (v[1] >= 0)
		o->wait_here = v[1];
	if (v[2] >= 0)
		o->wait_near = v[2];
	return true;
}

static int method_by_name(const char *s, enum wh_method *m)
{
	static const enum wh_method all[] = { WH_M_UDP_PARIS, WH_M_UDP, WH_M_ICMP, WH_M_ICMP_PARIS, WH_M_TCP };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(s, wh_method_name(all[i])) == 0) {
			*m = all[i];
			return 0;
		}
	return -1;
}

static int run_trace(int argc, char **argv)
{
	const struct wh_cmd *self = &wh_cmd_trace;
	/* Privileged work first, options after: nothing the user typed is
	 * looked at while the process can still open raw sockets. */
	struct wh_rawsocks raw;
	wh_rawsocks_open(&raw);
	const char *user = NULL;
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], "--user") == 0)
			user = argv[i + 1];
	preopen_files(argc, argv);
	if (wh_priv_drop(user) < 0) {
		wh_rawsocks_close(&raw);
		preopen_close();
		return WH_EXIT_ERROR;
	}

	static const struct option longopts[] = {
		{ "icmp", no_argument, NULL, 'I' },
		{ "udp", no_argument, NULL, 'U' },
		{ "tcp", no_argument, NULL, 'T' },
		{ "method", required_argument, NULL, 'M' },
		{ "paris", no_argument, NULL, OPT_PARIS },
		{ "classic", no_argument, NULL, OPT_CLASSIC },
		{ "sport", required_argument, NULL, OPT_SPORT },
		{ "df", no_argument, NULL, OPT_DF },
		{ "style", required_argument, NULL, OPT_STYLE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "csv", no_argument, NULL, OPT_CSV },
		{ "mda", no_argument, NULL, OPT_MDA },
		{ "mda-epsilon", required_argument, NULL, OPT_MDA_EPS },
		{ "mda-max-flows", required_argument, NULL, OPT_MDA_FLOWS },
		{ "cycles", required_argument, NULL, OPT_CYCLES },
		{ "as-file", required_argument, NULL, OPT_ASFILE },
		{ "ixp-file", required_argument, NULL, OPT_IXPFILE },
		{ "targets", required_argument, NULL, OPT_TARGETS },
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "parallel", required_argument, NULL, OPT_PARALLEL },
		{ "icmp-burst", required_argument, NULL, OPT_BURST },
		{ "icmp-rate", required_argument, NULL, OPT_IRATE },
		{ "no-learn", no_argument, NULL, OPT_NOLEARN },
		{ "unprivileged", no_argument, NULL, OPT_UNPRIV },
		{ "user", required_argument, NULL, OPT_USER },
		{ NULL, 0, NULL, 0 },
	};
	struct wh_trace_opts o;
	wh_trace_opts_init(&o);
	int family = 0, method_set = 0;
	int paris = -1;               /* -1: the method's default */
	bool numeric = false, ext = false, unpriv = false, learn = true, window_set = false, wait_set = false,
	     rate_set = false;
	enum wh_trace_style style = WH_STYLE_WHITEHAWK;
	enum wh_trace_format fmt = WH_FMT_TEXT;
	const char *targets_file = NULL, *iface = NULL, *src_arg = NULL, *ixp_file = NULL;
	const char *as_files[MAX_ASFILES];
	size_t nas = 0;
	unsigned parallel = 256, port = 0, sport = 0, u;
	int opt, status = WH_EXIT_OK;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "IUTM:46ndef:m:q:w:N:p:s:i:t:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'I': o.method = WH_M_ICMP; method_set = 1; break;
		case 'U': o.method = WH_M_UDP; method_set = 1; break;
		case 'T': o.method = WH_M_TCP; method_set = 1; break;
		case 'M':
			if (method_by_name(optarg, &o.method) < 0)
				return wh_cmd_usage_error(self, "unknown method '%s'", optarg);
			method_set = 2;
			break;
		case OPT_PARIS: paris = 1; break;
		case OPT_CLASSIC: paris = 0; break;
		case '4': family = AF_INET; break;
		case '6': family = AF_INET6; break;
		case 'n':
		case 'd': numeric = true; break;
		case 'e': ext = true; break;
		case 'f':
			/* traceroute's first TTL when a number, scamper's targets file otherwise */
			if (parse_u(optarg, 1, 255, &u))
				o.first_ttl = u;
			else
				targets_file = optarg;
			break;
		case OPT_TARGETS: targets_file = optarg; break;
		case 'm':
			if (!parse_u(optarg, 1, 255, &o.max_ttl))
				return wh_cmd_usage_error(self, "-m '%s' is not a TTL (1 to 255)", optarg);
			break;
		case 'q':
			if (!parse_u(optarg, 1, 10, &o.nqueries))
				return wh_cmd_usage_error(self, "-q '%s' is not 1 to 10", optarg);
			break;
		case 'w':
			if (!parse_wait(optarg, &o))
				return wh_cmd_usage_error(self, "-w '%s' is not MAX[,HERE,NEAR]", optarg);
			wait_set = true;
			break;
		case 'N':
			if (!parse_u(optarg, 1, 1024, &o.window))
				return wh_cmd_usage_error(self, "-N '%s' is not 1 to 1024", optarg);
			window_set = true;
			break;
		case 'p':
			if (!parse_u(optarg, 1, 65535, &port))
				return wh_cmd_usage_error(self, "-p '%s' is not a port", optarg);
			break;
		case OPT_SPORT:
			if (!parse_u(optarg, 1, 65535, &sport))
				return wh_cmd_usage_error(self, "--sport '%s' is not a port", optarg);
			break;
		case 's': src_arg = optarg; break;
		case 'i': iface = optarg; break;
		case 't':
			if (!parse_u(optarg, 0, 255, &u))
				return wh_cmd_usage_error(self, "-t '%s' is not 0 to 255", optarg);
			o.tos = (uint8_t)u;
			break;
		case OPT_DF: o.df = true; break;
		case OPT_STYLE:
			if (strcmp(optarg, "linux") == 0 || strcmp(optarg, "traceroute") == 0)
				style = WH_STYLE_LINUX;
			else if (strcmp(optarg, "windows") == 0 || strcmp(optarg, "tracert") == 0)
				style = WH_STYLE_WINDOWS;
			else if (strcmp(optarg, "whitehawk") == 0)
				style = WH_STYLE_WHITEHAWK;
			else
				return wh_cmd_usage_error(self, "unknown --style '%s' (linux, windows, whitehawk)", optarg);
			break;
		case OPT_JSON: fmt = WH_FMT_JSON; break;
		case OPT_CSV: fmt = WH_FMT_CSV; break;
		case OPT_MDA: o.mda = true; break;
		case OPT_MDA_EPS:
			if (!parse_double(optarg, 1e-9, 0.5, &o.mda_epsilon))
				return wh_cmd_usage_error(self, "--mda-epsilon '%s' is not in (0, 0.5]", optarg);
			break;
		case OPT_MDA_FLOWS:
			if (!parse_u(optarg, 2, WH_MDA_MAX_FLOWS, &o.mda_max_flows))
				return wh_cmd_usage_error(self, "--mda-max-flows '%s' is not 2 to %u", optarg, WH_MDA_MAX_FLOWS);
			break;
		case OPT_CYCLES:
			if (!parse_u(optarg, 1, 1000, &o.cycles))
				return wh_cmd_usage_error(self, "--cycles '%s' is not 1 to 1000", optarg);
			break;
		case OPT_ASFILE:
			if (nas >= MAX_ASFILES)
				return wh_cmd_usage_error(self, "at most %d --as-file", MAX_ASFILES);
			as_files[nas++] = optarg;
			break;
		case OPT_IXPFILE: ixp_file = optarg; break;
		case OPT_RATE:
			if (!parse_double(optarg, 0, 1e6, &o.rate))
				return wh_cmd_usage_error(self, "--rate '%s' is not 0 to 1000000", optarg);
			rate_set = true;
			break;
		case OPT_PARALLEL:
			if (!parse_u(optarg, 1, 65536, &parallel))
				return wh_cmd_usage_error(self, "--parallel '%s' is not 1 to 65536", optarg);
			break;
		case OPT_BURST:
			if (!parse_double(optarg, 0, 1e6, &o.icmp_burst))
				return wh_cmd_usage_error(self, "--icmp-burst '%s' is not a number", optarg);
			break;
		case OPT_IRATE:
			if (!parse_double(optarg, 0.001, 1e6, &o.icmp_rate))
				return wh_cmd_usage_error(self, "--icmp-rate '%s' is not a positive number", optarg);
			break;
		case OPT_NOLEARN: learn = false; break;
		case OPT_UNPRIV: unpriv = true; break;
		case OPT_USER: break;   /* used before the drop */
		default:
			return wh_cmd_usage_error(self, "unknown option");
		}
	}

	/* Each style brings its tool's defaults; explicit options win. */
	if (style == WH_STYLE_LINUX) {
		if (!method_set)
			o.method = WH_M_UDP;
		if (!window_set)
			o.window = 16;
		learn = false;
		o.scout = false;
	} else if (style == WH_STYLE_WINDOWS) {
		if (!method_set)
			o.method = WH_M_ICMP;
		if (!window_set)
			o.window = 1;
		if (!wait_set) {
			o.wait_max = 4000000000LL;
			o.wait_here = o.wait_near = 0;
		}
		learn = false;
		o.scout = false;
	}
	o.learn_wait = learn;
	if (method_set != 2 && paris >= 0) {
		if (o.method == WH_M_ICMP || o.method == WH_M_ICMP_PARIS)
			o.method = paris ? WH_M_ICMP_PARIS : WH_M_ICMP;
		else if (o.method == WH_M_UDP || o.method == WH_M_UDP_PARIS)
			o.method = paris ? WH_M_UDP_PARIS : WH_M_UDP;
	}
	if (o.mda) {
		/* MDA steers flows, which needs a method that keeps one per probe. */
		if (o.method == WH_M_UDP)
			o.method = WH_M_UDP_PARIS;
		if (o.method == WH_M_ICMP)
			o.method = WH_M_ICMP_PARIS;
		if (o.cycles)
			return wh_cmd_usage_error(self, "--mda and --cycles do not go together");
	}
	o.port = (uint16_t)(port ? port : o.method == WH_M_TCP ? 80 : 33434);
	o.sport = (uint16_t)(sport ? sport : ((unsigned)getpid() & 0x3fff) | 0x8000);
	o.ident = (uint16_t)getpid();

	struct target *tv = NULL;
	size_t nt = 0, tcap = 0;
	if (targets_file) {
		if (read_targets(targets_file, family, &tv, &nt, &tcap) < 0) {
			wh_rawsocks_close(&raw);
			return WH_EXIT_ERROR;
		}
		if (!rate_set)
			o.rate = 100;
		if (optind < argc)
			return wh_cmd_usage_error(self, "give targets with -f FILE or on the command line, not both");
	} else {
		if (optind >= argc)
			return wh_cmd_usage_error(self, "no host given");
		if (argc - optind > 2)
			return wh_cmd_usage_error(self, "too many arguments");
		struct wh_addr a;
		if (resolve(argv[optind], family, &a, false) < 0) {
			wh_rawsocks_close(&raw);
			return WH_EXIT_ERROR;
		}
		WH_GROW(tv, 1, tcap);
		tv[0].name = wh_xstrdup(argv[optind]);
		tv[0].addr = a;
		nt = 1;
		if (argc - optind == 2) {
			if (!parse_u(argv[optind + 1], 28, 65000, &u))
				return wh_cmd_usage_error(self, "packet length '%s' is not 28 to 65000", argv[optind + 1]);
			o.packetlen = u;
		}
	}

	struct wh_asdb *asdb = NULL;
	if (nas || ixp_file) {
		asdb = wh_asdb_new();
		for (size_t i = 0; i < nas; i++) {
			int fd = preopened(as_files[i]);
			if ((fd >= 0 ? wh_asdb_load_fd(asdb, fd, as_files[i]) : wh_asdb_load(asdb, as_files[i])) < 0)
				status = WH_EXIT_ERROR;
		}
		if (ixp_file) {
			int fd = preopened(ixp_file);
			if ((fd >= 0 ? wh_asdb_load_ixp_fd(asdb, fd, ixp_file) : wh_asdb_load_ixp(asdb, ixp_file)) < 0)
				status = WH_EXIT_ERROR;
		}
		if (status != WH_EXIT_OK)
			goto out;
	}

	struct names nm;
	wh_map_init(&nm.map, false);
	wh_arena_init(&nm.arena, 16 * 1024, 16u << 20);

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	/* One run per address family: a tracer and its sockets serve one. */
	for (int pass = 0; pass < 2 && !stop_flag; pass++) {
		int fam = pass == 0 ? AF_INET : AF_INET6;
		size_t count = 0;
		for (size_t i = 0; i < nt; i++)
			count += tv[i].addr.family == fam;
		if (!count)
			continue;
		struct wh_trace_opts fo = o;
		if (!fo.packetlen)
			fo.packetlen = fam == AF_INET6 ? 80 : 60;
		struct wh_trace_io io = { .family = fam, .method = fo.method, .iface = iface, .dgram = -1, .stop = &stop_flag };
		bool have_raw = (fam == AF_INET ? raw.send4 >= 0 && raw.icmp4 >= 0 : raw.send6 >= 0 && raw.icmp6 >= 0);
		struct wh_addr src = { 0 };
		if (src_arg) {
			if (!wh_addr_parse(src_arg, &src) || src.family != fam) {
				status = wh_cmd_usage_error(self, "-s '%s' is not an %s address", src_arg,
							    fam == AF_INET6 ? "IPv6" : "IPv4");
				break;
			}
		}
		/* The source of each target: routes differ per destination. */
		struct wh_tracer *tr;
		if (!have_raw || unpriv) {
			if (fo.method == WH_M_TCP) {
				status = WH_EXIT_ERROR;
				wh_error("TCP probes need raw sockets: run as root or give whitehawk CAP_NET_RAW (%s)",
					 strerror(raw.err ? raw.err : EPERM));
				break;
			}
			if (fo.method == WH_M_ICMP_PARIS) {
				wh_warn("unprivileged ICMP cannot keep the checksum constant: classic ICMP instead");
				fo.method = WH_M_ICMP;
			}
			io.method = fo.method;
			if (!src.family && wh_route_source(&tv[0].addr, iface, &src) < 0) {
				char b[WH_ADDR_STRLEN];
				status = WH_EXIT_ERROR;
				wh_error("no route to %s: %s", wh_addr_str(&tv[0].addr, b), strerror(errno));
				break;
			}
			if (wh_trace_io_dgram_open(&io, &src, fo.method == WH_M_ICMP ? 0 : (uint16_t)sport) < 0) {
				status = WH_EXIT_ERROR;
				break;
			}
			if (fo.method == WH_M_ICMP)
				fo.ident = io.local_port;
			else
				fo.sport = io.local_port;
		} else {
			io.raw = &raw;
			if (wh_trace_io_raw_setup(&io) < 0) {
				status = WH_EXIT_ERROR;
				break;
			}
		}
		tr = wh_tracer_new(&fo);
		wh_tracer_set_parallel(tr, parallel);
		size_t added = 0;
		for (size_t i = 0; i < nt; i++) {
			if (tv[i].addr.family != fam)
				continue;
			struct wh_addr s = src;
			if (!s.family && wh_route_source(&tv[i].addr, iface, &s) < 0) {
				char b[WH_ADDR_STRLEN];
				if (nt == 1) {
					wh_error("no route to %s: %s", wh_addr_str(&tv[i].addr, b), strerror(errno));
					status = WH_EXIT_ERROR;
				} else {
					wh_warn("%s: no route to %s: %s", tv[i].name, wh_addr_str(&tv[i].addr, b), strerror(errno));
				}
				continue;
			}
			wh_tracer_add(tr, &tv[i].addr, &s, tv[i].name);
			added++;
		}
		if (added) {
			struct run r = { .pr = { .out = stdout, .style = style, .format = fmt, .o = wh_tracer_opts(tr),
						 .stats = wh_tracer_stats(tr), .numeric = numeric, .extensions = ext,
						 .as_lookups = asdb != NULL, .asdb = asdb, .name = lookup_name,
						 .name_arg = &nm, .packetlen = fo.packetlen } };
			if (fo.method == WH_M_TCP)
				r.pr.packetlen = fam == AF_INET6 ? 60 : 40;
			if (wh_trace_io_run(&io, tr, on_done, &r) < 0)
				status = WH_EXIT_ERROR;
			const struct wh_tracer_stats *st = wh_tracer_stats(tr);
			if (nt > 1 && !wh_diag.quiet)
				fprintf(stderr, "whitehawk: %zu targets, %llu probes, %llu answers\n", added,
					(unsigned long long)st->sent, (unsigned long long)st->answered);
		}
		wh_tracer_free(tr);
		wh_trace_io_close(&io);
	}
	wh_map_release(&nm.map);
	wh_arena_release(&nm.arena);
out:
	wh_asdb_free(asdb);
	for (size_t i = 0; i < nt; i++)
		free(tv[i].name);
	free(tv);
	wh_rawsocks_close(&raw);
	preopen_close();
	if (stop_flag && status == WH_EXIT_OK)
		status = 130;
	return status;
}
