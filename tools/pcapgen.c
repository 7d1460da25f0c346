/*
 * pcapgen.c: captures of known traffic for tests and benchmarks.
 *
 *   wh-pcapgen SCENARIO OUT [--key value]...
 *
 * Scenarios (each writes one classic pcap, Ethernet unless --link says
 * otherwise; times start at --t0, 2024-01-01 by default):
 *
 *   beacon      one host calling home every --period s (--count, --jitter s,
 *               --bytes per call)
 *   scan        a port scan of --dst from --src: --type syn|connect|fin|null|
 *               xmas|ack|udp, --ports N (every 7th open, every 3rd filtered)
 *   sweep       --port P probed on --hosts N hosts of 10.1.0.0/16 (SYN)
 *   pingsweep   ICMP echo to --hosts N hosts
 *   traceroute  --method icmp|udp|tcp --os windows|linux --hops N
 *               --seen both|probes|replies (which direction was captured)
 *   exfil       an upload of --bytes to an external host
 *   longconn    a connection held --secs with a keep-alive every 60 s
 *   lateral     one internal host reaching --hosts internal hosts over
 *               --service smb|rdp|winrm|ssh|rpc
 *   web         ordinary browsing: --count short connections to varied hosts
 *   bench       mixed traffic until the file holds --size bytes (for bench/pcap)
 *   broken      good packets around a truncated one, one with a bad IP length,
 *               one of an unknown link type is not possible in one pcap, so
 *               the file ends inside a record instead
 *
 * Addresses: --src, --dst. --link eth|sll|sll2|raw|null. --ipv6 1 makes the
 * default addresses IPv6. --header-linktype N writes N in the file header
 * whatever the frames are.
 */
#include "pcapw.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXOPT 32

static const char *opt_k[MAXOPT], *opt_v[MAXOPT];
static int nopt;

static const char *opt(const char *k, const char *def)
{
	for (int i = 0; i < nopt; i++)
		if (strcmp(opt_k[i], k) == 0)
			return opt_v[i];
	return def;
}

static long long optn(const char *k, long long def)
{
	const char *v = opt(k, NULL);
	if (!v)
		return def;
	char *end;
	long long x = strtoll(v, &end, 10);
	if (*end == 'G')
		x <<= 30;
	else if (*end == 'M')
		x <<= 20;
	else if (*end == 'K')
		x <<= 10;
	return x;
}

static double optf(const char *k, double def)
{
	const char *v = opt(k, NULL);
	return v ? strtod(v, NULL) : def;
}

static struct pw_file out;
static int link_type = PW_LT_ETH;
static uint8_t frame[70000];
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static void emit(const struct pw_pkt *p, int64_t t)
{
	size_t n = pw_build(link_type, p, frame, sizeof(frame));
	if (n)
		pw_write(&out, t, frame, (uint32_t)n, (uint32_t)n);
}

static const uint8_t kernel_syn_opts[20] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7 };
static const uint8_t nmap_syn_opts[4] = { 2, 4, 0x05, 0xb4 };
static uint8_t payload[65536];

static struct pw_pkt tcp(const char *s, const char *d, uint16_t sp, uint16_t dp, uint8_t fl, uint32_t plen)
{
	struct pw_pkt p = { 0 };
	pw_addr(&p, s, d);
	p.proto = 6;
	p.sport = sp;
	p.dport = dp;
	p.flags = fl;
	p.payload = payload;
	p.plen = plen;
	p.ttl = 64;
	return p;
}

/* A whole TCP connection: handshake, data both ways in MSS segments, close. */
static int64_t conversation(const char *c, const char *s, uint16_t cp, uint16_t sp, uint64_t up, uint64_t down,
			    int64_t t, int64_t gap)
{
	struct pw_pkt p = tcp(c, s, cp, sp, PW_SYN, 0);
	p.opts = kernel_syn_opts;
	p.optlen = 20;
	emit(&p, t);
	p = tcp(s, c, sp, cp, PW_SYN | PW_ACK, 0);
	emit(&p, t += gap);
	p = tcp(c, s, cp, sp, PW_ACK, 0);
	emit(&p, t += gap);
	while (up || down) {
		if (up) {
			uint32_t n = up > 1448 ? 1448 : (uint32_t)up;
			p = tcp(c, s, cp, sp, PW_ACK | PW_PSH, n);
			emit(&p, t += gap);
			up -= n;
		}
		if (down) {
			uint32_t n = down > 1448 ? 1448 : (uint32_t)down;
			p = tcp(s, c, sp, cp, PW_ACK | PW_PSH, n);
			emit(&p, t += gap);
			down -= n;
		}
	}
	p = tcp(c, s, cp, sp, PW_FIN | PW_ACK, 0);
	emit(&p, t += gap);
	p = tcp(s, c, sp, cp, PW_FIN | PW_ACK, 0);
	emit(&p, t += gap);
	p = tcp(c, s, cp, sp, PW_ACK, 0);
	emit(&p, t += gap);
	return t;
}

static const int64_t S = 1000000000LL, MS = 1000000LL;

static void scen_beacon(const char *src, const char *dst, int64_t t)
{
	long long count = optn("count", 48);
	double period = optf("period", 60), jitter = optf("jitter", 0);
	long long bytes = optn("bytes", 300);
	uint16_t port = (uint16_t)optn("port", 443);
	for (long long i = 0; i < count; i++) {
		double j = jitter > 0 ? ((double)(rnd() % 2001) / 1000.0 - 1.0) * jitter : 0;
		int64_t at = t + (int64_t)((period * (double)i + j) * 1e9);
		conversation(src, dst, (uint16_t)(49152 + i % 16000), port, (uint64_t)bytes, 120, at, 20 * MS);
	}
}

static void scan_probe(const char *type, const char *src, const char *dst, uint16_t port, int state, int64_t t)
{
	/* state: 0 open, 1 closed, 2 filtered */
	uint16_t sp = 40000 + (port % 20000);
	struct pw_pkt p;
	if (strcmp(type, "udp") == 0) {
		p = tcp(src, dst, sp, port, 0, 0);
		p.proto = 17;
		p.plen = 0;
		emit(&p, t);
		if (state == 1) {
			uint8_t quoted[64];
			size_t qn = pw_build(PW_LT_RAW, &p, quoted, sizeof(quoted));
			struct pw_pkt u = { 0 };
			pw_addr(&u, dst, src);
			u.proto = p.ipver == 6 ? 58 : 1;
			u.icmp_type = p.ipver == 6 ? 1 : 3;
			u.icmp_code = p.ipver == 6 ? 4 : 3;
			u.payload = quoted;
			u.plen = (uint32_t)qn;
			emit(&u, t + MS);
		}
		return;
	}
	uint8_t fl = PW_SYN;
	bool syn = true;
	if (strcmp(type, "fin") == 0) { fl = PW_FIN; syn = false; }
	else if (strcmp(type, "null") == 0) { fl = 0; syn = false; }
	else if (strcmp(type, "xmas") == 0) { fl = PW_FIN | PW_PSH | PW_URG; syn = false; }
	else if (strcmp(type, "ack") == 0) { fl = PW_ACK; syn = false; }
	bool connect = strcmp(type, "connect") == 0;
	p = tcp(src, dst, connect ? (uint16_t)(30000 + port % 30000) : sp, port, fl, 0);
	if (syn) {
		p.opts = connect ? kernel_syn_opts : nmap_syn_opts;
		p.optlen = connect ? 20 : 4;
		p.win = connect ? 64240 : 1024;
	}
	emit(&p, t);
	struct pw_pkt r;
	if (syn) {
		if (state == 0) {
			r = tcp(dst, src, port, p.sport, PW_SYN | PW_ACK, 0);
			emit(&r, t + MS);
			if (connect) {
				r = tcp(src, dst, p.sport, port, PW_ACK, 0);
				emit(&r, t + 2 * MS);
				r = tcp(src, dst, p.sport, port, PW_RST | PW_ACK, 0);
				emit(&r, t + 3 * MS);
			} else {
				r = tcp(src, dst, p.sport, port, PW_RST, 0);
				emit(&r, t + 2 * MS);
			}
		} else if (state == 1) {
			r = tcp(dst, src, port, p.sport, PW_RST | PW_ACK, 0);
			emit(&r, t + MS);
		}
	} else if (state == 1 || (strcmp(type, "ack") == 0 && state == 0)) {
		r = tcp(dst, src, port, p.sport, PW_RST, 0);
		emit(&r, t + MS);
	}
}

static void scen_scan(const char *src, const char *dst, int64_t t)
{
	const char *type = opt("type", "syn");
	long long ports = optn("ports", 200);
	for (long long i = 0; i < ports; i++) {
		uint16_t port = (uint16_t)(1 + i * 7 % 65000);
		int state = i % 7 == 0 ? 0 : i % 3 == 0 ? 2 : 1;
		scan_probe(type, src, dst, port, state, t + i * 2 * MS);
	}
}

static void host_n(char *buf, size_t n, long long i, bool v6)
{
	if (v6)
		snprintf(buf, n, "2001:db8:1::%llx", i + 1);
	else
		snprintf(buf, n, "10.1.%lld.%lld", (i + 1) / 250, (i + 1) % 250 + 1);
}

static void scen_sweep(const char *src, int64_t t, bool ping)
{
	long long hosts = optn("hosts", 64);
	uint16_t port = (uint16_t)optn("port", 445);
	bool v6 = strchr(src, ':') != NULL;
	for (long long i = 0; i < hosts; i++) {
		char dst[64];
		host_n(dst, sizeof(dst), i, v6);
		bool alive = i % 5 == 0;
		if (ping) {
			struct pw_pkt p = { 0 };
			pw_addr(&p, src, dst);
			p.proto = v6 ? 58 : 1;
			p.icmp_type = v6 ? 128 : 8;
			p.icmp_id = 0x4242;
			p.icmp_seq = (uint16_t)i;
			p.ttl = 64;
			emit(&p, t + i * 10 * MS);
			if (alive) {
				struct pw_pkt r = { 0 };
				pw_addr(&r, dst, src);
				r.proto = p.proto;
				r.icmp_type = v6 ? 129 : 0;
				r.icmp_id = 0x4242;
				r.icmp_seq = (uint16_t)i;
				emit(&r, t + i * 10 * MS + MS);
			}
		} else {
			scan_probe("syn", src, dst, port, alive ? 0 : 2, t + i * 10 * MS);
		}
	}
}

static void scen_traceroute(const char *src, const char *dst, int64_t t)
{
	const char *method = opt("method", "icmp"), *os = opt("os", "windows"), *seen = opt("seen", "both");
	long long hops = optn("hops", 8);
	bool probes = strcmp(seen, "replies") != 0, replies = strcmp(seen, "probes") != 0;
	bool v6 = strchr(src, ':') != NULL;
	bool win = strcmp(os, "windows") == 0;
	int per = 3;
	uint16_t seq = win ? 100 : 1, dport = 33434;
	uint16_t pid = win ? 1 : 0x3c5a;
	static uint8_t zero[64], at[32];
	for (int i = 0; i < 32; i++)
		at[i] = (uint8_t)(0x40 + i);
	for (long long ttl = 1; ttl <= hops; ttl++) {
		for (int k = 0; k < per; k++) {
			int64_t at_t = t + ttl * S + k * 50 * MS;
			struct pw_pkt p = { 0 };
			pw_addr(&p, src, dst);
			p.ttl = (uint8_t)ttl;
			p.ip_id = (uint16_t)(1000 + ttl * 3 + k);
			if (strcmp(method, "icmp") == 0) {
				p.proto = v6 ? 58 : 1;
				p.icmp_type = v6 ? 128 : 8;
				p.icmp_id = pid;
				p.icmp_seq = seq++;
				p.payload = win ? zero : at;
				p.plen = win ? 64 : 32;
			} else if (strcmp(method, "udp") == 0) {
				p.proto = 17;
				p.sport = 45000;
				p.dport = dport++;
				p.payload = at;
				p.plen = 32;
			} else {
				p.proto = 6;
				p.sport = (uint16_t)(50000 + ttl * 3 + k);
				p.dport = 80;
				p.flags = PW_SYN;
				p.opts = kernel_syn_opts;
				p.optlen = 20;
			}
			if (probes)
				emit(&p, at_t);
			bool last = ttl == hops;
			uint8_t quoted[256];
			p.ttl = 1;   /* as the router saw it */
			size_t qn = pw_build(PW_LT_RAW, &p, quoted, sizeof(quoted));
			struct pw_pkt r = { 0 };
			char router[64];
			if (v6)
				snprintf(router, sizeof(router), "2001:db8:99::%llx", ttl);
			else
				snprintf(router, sizeof(router), "10.99.%lld.1", ttl);
			if (!last) {
				pw_addr(&r, router, src);
				r.proto = v6 ? 58 : 1;
				r.icmp_type = v6 ? 3 : 11;
				r.payload = quoted;
				r.plen = (uint32_t)(qn < 28 || v6 ? qn : 28);
				r.ttl = (uint8_t)(255 - ttl);
			} else if (strcmp(method, "icmp") == 0) {
				pw_addr(&r, dst, src);
				r.proto = v6 ? 58 : 1;
				r.icmp_type = v6 ? 129 : 0;
				r.icmp_id = p.icmp_id;
				r.icmp_seq = p.icmp_seq;
				r.payload = p.payload;
				r.plen = p.plen;
			} else if (strcmp(method, "udp") == 0) {
				pw_addr(&r, dst, src);
				r.proto = v6 ? 58 : 1;
				r.icmp_type = v6 ? 1 : 3;
				r.icmp_code = v6 ? 4 : 3;
				r.payload = quoted;
				r.plen = (uint32_t)qn;
			} else {
				r = tcp(dst, src, 80, p.sport, PW_SYN | PW_ACK, 0);
			}
			if (replies)
				emit(&r, at_t + 5 * MS);
		}
	}
}

static void scen_exfil(const char *src, const char *dst, int64_t t)
{
	conversation(src, dst, 50123, (uint16_t)optn("port", 443), (uint64_t)optn("bytes", 80LL << 20), 20000, t,
		     100000);
}

static void scen_longconn(const char *src, const char *dst, int64_t t)
{
	long long secs = optn("secs", 3 * 3600);
	uint16_t port = (uint16_t)optn("port", 22);
	struct pw_pkt p = tcp(src, dst, 51515, port, PW_SYN, 0);
	p.opts = kernel_syn_opts;
	p.optlen = 20;
	emit(&p, t);
	p = tcp(dst, src, port, 51515, PW_SYN | PW_ACK, 0);
	emit(&p, t + MS);
	p = tcp(src, dst, 51515, port, PW_ACK, 0);
	emit(&p, t + 2 * MS);
	for (long long s = 60; s < secs; s += 60) {
		p = tcp(src, dst, 51515, port, PW_ACK | PW_PSH, 48);
		emit(&p, t + s * S);
		p = tcp(dst, src, port, 51515, PW_ACK | PW_PSH, 48);
		emit(&p, t + s * S + 5 * MS);
	}
}

static void scen_lateral(const char *src, int64_t t)
{
	const char *svc = opt("service", "smb");
	uint16_t port = strcmp(svc, "rdp") == 0 ? 3389 : strcmp(svc, "winrm") == 0 ? 5985
		      : strcmp(svc, "ssh") == 0 ? 22 : strcmp(svc, "rpc") == 0 ? 135 : 445;
	long long hosts = optn("hosts", 5);
	for (long long i = 0; i < hosts; i++) {
		char dst[64];
		host_n(dst, sizeof(dst), i + 100, strchr(src, ':') != NULL);
		conversation(src, dst, (uint16_t)(52000 + i), port, 4000, 9000, t + i * 30 * S, 2 * MS);
	}
}

static void scen_web(const char *src, int64_t t)
{
	long long count = optn("count", 40);
	for (long long i = 0; i < count; i++) {
		char dst[64];
		snprintf(dst, sizeof(dst), "198.51.100.%lld", 1 + (long long)(rnd() % 200));
		int64_t at = t + (int64_t)(rnd() % 3600) * S;
		conversation(src, dst, (uint16_t)(49152 + i), rnd() % 2 ? 443 : 80, 400 + rnd() % 900,
			     2000 + rnd() % 60000, at, 15 * MS);
	}
}

/* Mixed traffic for the benchmark: many flows, packets of every size. */
static void scen_bench(int64_t t)
{
	long long size = optn("size", 1LL << 30);
	uint64_t flows = (uint64_t)optn("flows", 200000);
	static const uint32_t sizes[] = { 0, 0, 40, 512, 1448, 1448, 1448, 1448, 900, 1448 };
	uint64_t written = 24, i = 0;
	struct pw_pkt p;
	while ((long long)written < size) {
		uint64_t f = rnd() % flows;
		char c[32], s[32];
		snprintf(c, sizeof(c), "10.%u.%u.%u", (unsigned)(f >> 16) & 255, (unsigned)(f >> 8) & 255, (unsigned)f & 255);
		snprintf(s, sizeof(s), "203.0.%u.%u", (unsigned)(f >> 8) & 127, (unsigned)(f * 7) & 255);
		uint16_t cp = (uint16_t)(1024 + f % 60000), sp = f % 3 ? 443 : 80;
		bool up = rnd() % 4 == 0;
		uint32_t plen = sizes[rnd() % 10];
		if (i % 97 == 0)
			p = tcp(c, s, cp, sp, PW_SYN, 0);
		else if (i % 101 == 0)
			p = tcp(c, s, cp, sp, PW_FIN | PW_ACK, 0);
		else
			p = up ? tcp(c, s, cp, sp, PW_ACK | PW_PSH, plen) : tcp(s, c, sp, cp, PW_ACK, plen);
		if (i % 50 == 0) {
			p.proto = 17;
			p.dport = 53;
			p.plen = 60;
		}
		size_t n = pw_build(link_type, &p, frame, sizeof(frame));
		pw_write(&out, t + (int64_t)i * 2000, frame, (uint32_t)n, (uint32_t)n);
		written += 16 + n;
		i++;
	}
}

static void scen_broken(const char *src, const char *dst, int64_t t)
{
	struct pw_pkt p = tcp(src, dst, 40000, 80, PW_SYN, 0);
	emit(&p, t);
	/* a frame cut short although its wire length says it was not snapped */
	size_t n = pw_build(link_type, &p, frame, sizeof(frame));
	pw_write(&out, t + MS, frame, (uint32_t)n - 10, (uint32_t)n - 10);
	/* an IP total length beyond the frame */
	n = pw_build(link_type, &p, frame, sizeof(frame));
	size_t ipoff = link_type == PW_LT_ETH ? 14 : 0;
	frame[ipoff + 2] = 0x05;
	frame[ipoff + 3] = 0xdc;
	pw_write(&out, t + 2 * MS, frame, (uint32_t)n, (uint32_t)n);
	p = tcp(dst, src, 80, 40000, PW_SYN | PW_ACK, 0);
	emit(&p, t + 3 * MS);
	/* the file ends inside the next record */
	n = pw_build(link_type, &p, frame, sizeof(frame));
	uint32_t rec[4] = { (uint32_t)(t / S) + 1, 0, (uint32_t)n, (uint32_t)n };
	fwrite(rec, sizeof(rec), 1, out.f);
	fwrite(frame, 1, n / 2, out.f);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: wh-pcapgen SCENARIO OUT [--key value]...\n");
		return 2;
	}
	for (int i = 3; i + 1 < argc && nopt < MAXOPT; i += 2) {
		if (strncmp(argv[i], "--", 2) != 0) {
			fprintf(stderr, "wh-pcapgen: expected --key value, got '%s'\n", argv[i]);
			return 2;
		}
		opt_k[nopt] = argv[i] + 2;
		opt_v[nopt++] = argv[i + 1];
	}
	const char *lk = opt("link", "eth");
	link_type = strcmp(lk, "sll") == 0 ? PW_LT_SLL : strcmp(lk, "sll2") == 0 ? PW_LT_SLL2
		  : strcmp(lk, "raw") == 0 ? PW_LT_RAW : strcmp(lk, "null") == 0 ? PW_LT_NULL : PW_LT_ETH;
	bool v6 = optn("ipv6", 0) != 0;
	const char *src = opt("src", v6 ? "fd00::10" : "192.168.10.20");
	const char *dst = opt("dst", v6 ? "2001:db8:5::80" : "203.0.113.50");
	rng ^= (uint64_t)optn("seed", 1) * 0x2545f4914f6cdd1dULL;
	int64_t t = optn("t0", 1704067200) * S;
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 31 + 7);
	/* --header-linktype N: a header that lies about the frames (for bad-input tests) */
	if (pw_open(&out, argv[2], (int)optn("header-linktype", link_type), false) < 0) {
		perror(argv[2]);
		return 1;
	}
	static char buf[1 << 20];
	setvbuf(out.f, buf, _IOFBF, sizeof(buf));
	const char *sc = argv[1];
	if (strcmp(sc, "beacon") == 0)
		scen_beacon(src, dst, t);
	else if (strcmp(sc, "scan") == 0)
		scen_scan(src, dst, t);
	else if (strcmp(sc, "sweep") == 0)
		scen_sweep(src, t, false);
	else if (strcmp(sc, "pingsweep") == 0)
		scen_sweep(src, t, true);
	else if (strcmp(sc, "traceroute") == 0)
		scen_traceroute(src, dst, t);
	else if (strcmp(sc, "exfil") == 0)
		scen_exfil(src, dst, t);
	else if (strcmp(sc, "longconn") == 0)
		scen_longconn(src, dst, t);
	else if (strcmp(sc, "lateral") == 0)
		scen_lateral(src, t);
	else if (strcmp(sc, "web") == 0)
		scen_web(src, t);
	else if (strcmp(sc, "bench") == 0)
		scen_bench(t);
	else if (strcmp(sc, "broken") == 0)
		scen_broken(src, dst, t);
	else {
		fprintf(stderr, "wh-pcapgen: unknown scenario '%s'\n", sc);
		pw_close(&out);
		return 2;
	}
	return pw_close(&out) == 0 ? 0 : 1;
}
