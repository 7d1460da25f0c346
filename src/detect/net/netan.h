/*
 * netan.h: network behaviour, from connections to findings.
 *
 * Connections (struct wh_conn, from captures, Zeek logs or host events) go
 * in one at a time; the analysis keeps per host pair, per scanning source
 * and per destination state, all under hard caps, and at the end turns it
 * into findings in the common model:
 *
 *   WH-NET-BEACON     regular call-backs, scored the RITA way         command_and_control
 *   WH-NET-LONGCONN   a connection open for a long time               command_and_control
 *   WH-NET-EXFIL      a large upload (bytes out, producer-consumer)   actions_on_objectives
 *   WH-NET-PORTSCAN   many ports of one host probed, type named       reconnaissance
 *   WH-NET-SWEEP      one port probed on many hosts                   reconnaissance
 *   WH-NET-PINGSWEEP  ICMP echo to many hosts                         reconnaissance
 *   WH-NET-LATERAL    internal to internal over SMB, RDP, WinRM, SSH,
 *                     WMI/DCOM                                        lateral_movement
 *   WH-NET-INTEL      an address or name a feed lists                 command_and_control
 *   WH-NET-PORT       a port remote shells and malware favour         command_and_control
 *   WH-NET-GEO        a country the user asked to be told about       command_and_control
 *
 * Direction (internal networks by configuration, RFC 1918 and fc00::/7 by
 * default), location and AS, rarity (how many internal hosts talk to a
 * destination), the owning process and the ports are details of each
 * finding. The method and every threshold are in docs/flows.md.
 */
#ifndef WH_NETAN_H
#define WH_NETAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect/net/conn.h"
#include "model/finding.h"
#include "read/ipaddr.h"

struct wh_intel;

enum wh_netan_what {
	WH_NA_BEACON = 1u << 0,
	WH_NA_LONG = 1u << 1,
	WH_NA_EXFIL = 1u << 2,
	WH_NA_SCAN = 1u << 3,       /* port scans, sweeps, ping sweeps */
	WH_NA_LATERAL = 1u << 4,
	WH_NA_INTEL = 1u << 5,
	WH_NA_PORTS = 1u << 6,
	WH_NA_GEO = 1u << 7,
	WH_NA_ALL = 0xff,
};

#define WH_NETAN_MAX_INTERNAL 256
#define WH_NETAN_MAX_COUNTRIES 64

struct wh_netan_opts {
	uint32_t what;                  /* enum wh_netan_what bits */
	struct wh_prefix internal[WH_NETAN_MAX_INTERNAL];
	size_t ninternal;
	double beacon_score;            /* report at or above (0..1) */
	uint32_t beacon_min_conns;      /* connections a pair needs to be scored */
	bool beacon_all;                /* also internal-to-internal and inbound pairs */
	int64_t long_conn;              /* ns */
	uint64_t exfil_bytes;
	double exfil_pcr;
	uint32_t scan_ports;            /* distinct ports of one host */
	uint32_t sweep_hosts;           /* distinct hosts on one port */
	uint32_t ping_hosts;            /* distinct hosts sent an echo request */
	uint32_t lateral_hosts;         /* fan-out that makes lateral movement medium */
	uint32_t rare_max;              /* a destination this few internal hosts talk to is rare */
	size_t max_pairs;               /* hard caps */
	uint32_t max_ts_per_pair;
	size_t max_sources;
	char alert_countries[WH_NETAN_MAX_COUNTRIES][4];
	size_t nalert_countries;
	const struct wh_intel *intel;   /* may be NULL */
};

void wh_netan_opts_default(struct wh_netan_opts *o);
/* Replace the internal networks with a comma-separated list of prefixes;
 * false (and *bad set to the offending item) on a bad one. */
bool wh_netan_set_internal(struct wh_netan_opts *o, const char *list, const char **bad);
bool wh_netan_is_internal(const struct wh_netan_opts *o, const struct wh_ip *ip);

struct wh_netan_stats {
	uint64_t conns;                 /* connections analysed */
	uint64_t pairs;                 /* host pairs followed */
	uint64_t pairs_dropped;         /* connections of pairs past max_pairs, not followed */
	uint64_t ts_dropped;            /* beacon samples past max_ts_per_pair */
	uint64_t sources_dropped;       /* scan sources past max_sources */
};

struct wh_netan;

struct wh_netan *wh_netan_new(const struct wh_netan_opts *o);
void wh_netan_conn(struct wh_netan *a, const struct wh_conn *c);
/* A DNS answer (Sysmon 22, Zeek dns.log): connections to ip are named `name`. */
void wh_netan_dns(struct wh_netan *a, const char *name, const struct wh_ip *ip);
/* Turn the state into findings (added to out). Call once. */
void wh_netan_finish(struct wh_netan *a, struct wh_findings *out);
/* Live use: scans and sweeps past their thresholds since the last call, so
 * far (each reported once). Returns how many findings were added. */
size_t wh_netan_poll_scans(struct wh_netan *a, struct wh_findings *out);
const struct wh_netan_stats *wh_netan_stats(const struct wh_netan *a);
void wh_netan_free(struct wh_netan *a);

/* Scan type of one probe, as the name in findings: "syn", "connect",
 * "fin", "null", "xmas", "ack", "maimon", "udp", or NULL when the
 * connection does not look like a probe. */
const char *wh_netan_probe_type(const struct wh_conn *c);

/* The beacon statistics of sorted times (ns) and sizes, exposed for tests. */
struct wh_beacon {
	double score, ts_score, ds_score, dur_score, hist_score;
	double period;                  /* median interval, s */
	double jitter;                  /* median absolute deviation of the intervals, s */
	double mode;                    /* the most common interval, rounded to 1 s */
	bool have_sizes;
};
/* window_first/last: the whole data set's time span (ns). sizes may be NULL. */
bool wh_beacon_score(const int64_t *ts, const uint64_t *sizes, size_t n, int64_t window_first,
		     int64_t window_last, struct wh_beacon *out);

#endif
