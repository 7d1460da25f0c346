/*
 * conn.c: connection records to and from events.
 */
#include "detect/net/conn.h"
#include "read/packet.h"
#include "util/num.h"
#include "util/wtime.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const state_names[WH_CS_COUNT] = {
	"", "S0", "S1", "SF", "REJ", "S2", "S3", "RSTO", "RSTR", "RSTOS0", "RSTRH", "SH", "SHR", "OTH",
};

const char *wh_conn_state_name(enum wh_conn_state s)
{
	return (unsigned)s < WH_CS_COUNT ? state_names[s] : "";
}

enum wh_conn_state wh_conn_state_parse(const char *s, size_t n)
{
	for (int i = 1; i < WH_CS_COUNT; i++)
		if (strlen(state_names[i]) == n && memcmp(state_names[i], s, n) == 0)
			return (enum wh_conn_state)i;
	return WH_CS_NONE;
}

void wh_conn_init(struct wh_conn *c)
{
	memset(c, 0, sizeof(*c));
	c->service = c->uid = c->host = c->image = c->process_guid = c->user = c->query = "";
	c->source = "";
}

const char *wh_proto_name(uint8_t proto, char buf[8])
{
	switch (proto) {
	case WH_PROTO_TCP:
		return "tcp";
	case WH_PROTO_UDP:
		return "udp";
	case WH_PROTO_ICMP:
		return "icmp";
	case WH_PROTO_ICMP6:
		return "icmp6";
	default:
		snprintf(buf, 8, "%u", proto);
		return buf;
	}
}

int wh_proto_parse(const char *s, size_t n)
{
	static const struct { const char *name; int proto; } names[] = {
		{ "tcp", WH_PROTO_TCP }, { "udp", WH_PROTO_UDP }, { "icmp", WH_PROTO_ICMP },
		{ "icmp6", WH_PROTO_ICMP6 }, { "ipv6-icmp", WH_PROTO_ICMP6 }, { "icmpv6", WH_PROTO_ICMP6 },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == n && strncasecmp(names[i].name, s, n) == 0)
			return names[i].proto;
	uint64_t v;
	if (wh_parse_u64(s, n, &v) && v <= 255)
		return (int)v;
	return -1;
}

static const struct wh_field *field(const struct wh_event *ev, const char *name)
{
	const struct wh_field *f = wh_event_field(ev, name);
	return f && f->vlen ? f : NULL;
}

static bool get_ip(const struct wh_event *ev, const char *name, struct wh_ip *ip)
{
	const struct wh_field *f = field(ev, name);
	return f && wh_ip_parse(f->value, f->vlen, ip);
}

static bool get_u64(const struct wh_event *ev, const char *name, uint64_t *v)
{
	const struct wh_field *f = field(ev, name);
	return f && wh_parse_u64(f->value, f->vlen, v);
}

static bool get_port(const struct wh_event *ev, const char *name, uint16_t *p)
{
	uint64_t v;
	if (!get_u64(ev, name, &v) || v > 65535)
		return false;
	*p = (uint16_t)v;
	return true;
}

static const char *get_str(const struct wh_event *ev, const char *name)
{
	const struct wh_field *f = field(ev, name);
	return f ? f->value : "";
}

/* Seconds with a fraction ("12.345678") to ns; false when not a number. */
static bool get_seconds(const struct wh_event *ev, const char *name, int64_t *ns)
{
	const struct wh_field *f = field(ev, name);
	if (!f)
		return false;
	const char *s = f->value, *dot = memchr(s, '.', f->vlen);
	size_t il = dot ? (size_t)(dot - s) : f->vlen;
	uint64_t sec = 0, frac = 0;
	if (il && !wh_parse_u64(s, il, &sec))
		return false;
	if (sec > 100ull * 365 * 86400)
		return false;
	if (dot) {
		size_t fl = f->vlen - il - 1;
		uint64_t scale = 1000000000;
		for (size_t i = 0; i < fl; i++) {
			char c = dot[1 + i];
			if (c < '0' || c > '9')
				return false;
			if (scale > 1) {
				scale /= 10;
				frac += (uint64_t)(c - '0') * scale;
			}
		}
	}
	*ns = (int64_t)(sec * 1000000000ull + frac);
	return true;
}

static bool zeek_conn(const struct wh_event *ev, struct wh_conn *c)
{
	if (!get_ip(ev, "id.orig_h", &c->orig) || !get_ip(ev, "id.resp_h", &c->resp))
		return false;
	get_port(ev, "id.orig_p", &c->orig_p);
	get_port(ev, "id.resp_p", &c->resp_p);
	const struct wh_field *pf = field(ev, "proto");
	int proto = pf ? wh_proto_parse(pf->value, pf->vlen) : -1;
	if (proto < 0) {
		/* "unknown_transport": the IP protocol number is in ip_proto */
		uint64_t ipp;
		proto = get_u64(ev, "ip_proto", &ipp) && ipp <= 255 ? (int)ipp : 255;
	}
	c->proto = (uint8_t)proto;
	c->origin = WH_CO_ZEEK;
	if (get_seconds(ev, "duration", &c->duration))
		c->have |= WH_CH_DURATION;
	bool ob = get_u64(ev, "orig_bytes", &c->orig_bytes);
	bool rb = get_u64(ev, "resp_bytes", &c->resp_bytes);
	if (ob || rb)
		c->have |= WH_CH_BYTES;
	bool op = get_u64(ev, "orig_pkts", &c->orig_pkts);
	bool rp = get_u64(ev, "resp_pkts", &c->resp_pkts);
	get_u64(ev, "orig_ip_bytes", &c->orig_ip_bytes);
	get_u64(ev, "resp_ip_bytes", &c->resp_ip_bytes);
	if (op || rp)
		c->have |= WH_CH_PKTS;
	const struct wh_field *st = field(ev, "conn_state");
	if (st) {
		c->state = (uint8_t)wh_conn_state_parse(st->value, st->vlen);
		if (c->state)
			c->have |= WH_CH_STATE;
	}
	const struct wh_field *h = field(ev, "history");
	if (h) {
		size_t n = h->vlen < WH_HISTORY_MAX ? h->vlen : WH_HISTORY_MAX;
		memcpy(c->history, h->value, n);
		c->history[n] = '\0';
	}
	c->service = get_str(ev, "service");
	c->uid = get_str(ev, "uid");
	return true;
}

static bool host_conn(const struct wh_event *ev, struct wh_conn *c)
{
	struct wh_ip src, dst;
	uint16_t sp = 0, dp = 0;
	/* Sysmon names, or those of Windows Security 5156 (the filtering platform) */
	bool wfp = false;
	if (!get_ip(ev, "DestinationIp", &dst)) {
		if (!get_ip(ev, "DestAddress", &dst))
			return false;
		wfp = true;
	}
	bool have_src = get_ip(ev, wfp ? "SourceAddress" : "SourceIp", &src);
	if (!have_src)
		memset(&src, 0, sizeof(src));   /* the host itself; its name says which */
	get_port(ev, "SourcePort", &sp);
	get_port(ev, wfp ? "DestPort" : "DestinationPort", &dp);
	const struct wh_field *pf = field(ev, "Protocol");
	int proto = pf ? wh_proto_parse(pf->value, pf->vlen) : WH_PROTO_TCP;
	if (proto < 0)
		proto = WH_PROTO_TCP;
	c->proto = (uint8_t)proto;
	/* Sysmon names the local end Source; Initiated=false is an inbound connection. */
	const struct wh_field *ini = field(ev, "Initiated");
	bool inbound = ini && strcasecmp(ini->value, "false") == 0;
	const struct wh_field *dir = wfp ? field(ev, "Direction") : NULL;
	if (dir && (strcmp(dir->value, "%%14592") == 0 || strcasecmp(dir->value, "inbound") == 0))
		inbound = true;
	if (inbound && have_src) {
		c->orig = dst;
		c->orig_p = dp;
		c->resp = src;
		c->resp_p = sp;
	} else {
		c->orig = src;
		c->orig_p = sp;
		c->resp = dst;
		c->resp_p = dp;
		if (!inbound)
			c->query = get_str(ev, "DestinationHostname");
	}
	c->origin = WH_CO_HOST;
	c->image = get_str(ev, wfp ? "Application" : "Image");
	c->process_guid = get_str(ev, "ProcessGuid");
	c->user = get_str(ev, "User");
	get_u64(ev, "ProcessId", &c->pid);
	if (*c->image || *c->process_guid || c->pid)
		c->have |= WH_CH_PROCESS;
	return true;
}

bool wh_conn_from_event(const struct wh_event *ev, struct wh_conn *c)
{
	wh_conn_init(c);
	bool ok = zeek_conn(ev, c);
	if (!ok) {
		wh_conn_init(c);
		ok = host_conn(ev, c);
	}
	if (!ok)
		return false;
	c->ts = ev->time == WH_TIME_NONE ? 0 : ev->time;
	c->host = ev->host;
	c->source = ev->source;
	c->offset = ev->offset;
	c->record = ev->record;
	return true;
}

static void addf(struct wh_event *ev, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void addf(struct wh_event *ev, const char *name, const char *fmt, ...)
{
	char buf[64];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	wh_event_add_copy(ev, name, strlen(name), buf, (size_t)n);
}

static void adds(struct wh_event *ev, const char *name, const char *v)
{
	wh_event_add_copy(ev, name, strlen(name), v, strlen(v));
}

void wh_conn_to_event(const struct wh_conn *c, struct wh_event *ev)
{
	char a[WH_IP_STRLEN], b[WH_IP_STRLEN], pb[8];
	wh_ip_format(&c->orig, a);
	wh_ip_format(&c->resp, b);
	const char *proto = wh_proto_name(c->proto, pb);
	if (*c->uid)
		adds(ev, "uid", c->uid);
	adds(ev, "id.orig_h", a);
	addf(ev, "id.orig_p", "%u", c->orig_p);
	adds(ev, "id.resp_h", b);
	addf(ev, "id.resp_p", "%u", c->resp_p);
	adds(ev, "proto", proto);
	if (*c->service)
		adds(ev, "service", c->service);
	if (c->have & WH_CH_DURATION)
		addf(ev, "duration", "%lld.%06lld", (long long)(c->duration / 1000000000),
		     (long long)(c->duration % 1000000000 / 1000));
	if (c->have & WH_CH_BYTES) {
		addf(ev, "orig_bytes", "%llu", (unsigned long long)c->orig_bytes);
		addf(ev, "resp_bytes", "%llu", (unsigned long long)c->resp_bytes);
	}
	if (c->have & WH_CH_STATE)
		adds(ev, "conn_state", wh_conn_state_name(c->state));
	if (c->history[0])
		adds(ev, "history", c->history);
	if (c->have & WH_CH_PKTS) {
		addf(ev, "orig_pkts", "%llu", (unsigned long long)c->orig_pkts);
		addf(ev, "orig_ip_bytes", "%llu", (unsigned long long)c->orig_ip_bytes);
		addf(ev, "resp_pkts", "%llu", (unsigned long long)c->resp_pkts);
		addf(ev, "resp_ip_bytes", "%llu", (unsigned long long)c->resp_ip_bytes);
	}
	if (c->have & WH_CH_FLAGS) {
		addf(ev, "orig_tcp_flags", "0x%02x", c->orig_flags);
		addf(ev, "resp_tcp_flags", "0x%02x", c->resp_flags);
	}
	if (c->orig_ttl)
		addf(ev, "orig_ttl", "%u", c->orig_ttl);
	/* The same connection under the Sysmon names that rules match. */
	adds(ev, "SourceIp", a);
	addf(ev, "SourcePort", "%u", c->orig_p);
	adds(ev, "DestinationIp", b);
	addf(ev, "DestinationPort", "%u", c->resp_p);
	adds(ev, "Protocol", proto);
	adds(ev, "Initiated", "true");
}
