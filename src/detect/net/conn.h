/*
 * conn.h: one connection, the unit every network analysis reads.
 *
 * A connection comes from the flow table (packets of a capture), from a
 * Zeek conn.log record, or from a host's network event (Sysmon 3, auditd,
 * ECS), and it has the same shape in each case so that beacon, scan, exfil
 * and lateral analyses never ask where it came from. Fields a source cannot
 * give stay zero and the `have` bits say which are real (a Zeek log has no
 * TCP flags, a Sysmon event no byte counts).
 *
 * Strings (source, image ...) are borrowed: valid for the duration of the
 * callback that hands the connection out.
 */
#ifndef WH_CONN_H
#define WH_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "model/event.h"
#include "read/ipaddr.h"

/* Zeek's conn_state values, in its words. */
enum wh_conn_state {
	WH_CS_NONE = 0,   /* unknown */
	WH_CS_S0,         /* attempt seen, no reply */
	WH_CS_S1,         /* established, not terminated */
	WH_CS_SF,         /* normal establishment and termination */
	WH_CS_REJ,        /* attempt rejected */
	WH_CS_S2,         /* established, originator closed, no reply to it */
	WH_CS_S3,         /* established, responder closed, no reply to it */
	WH_CS_RSTO,       /* established, originator aborted */
	WH_CS_RSTR,       /* established, responder aborted */
	WH_CS_RSTOS0,     /* originator sent SYN then RST, no SYN-ACK */
	WH_CS_RSTRH,      /* responder sent SYN-ACK then RST, no SYN seen */
	WH_CS_SH,         /* originator sent SYN then FIN, no SYN-ACK */
	WH_CS_SHR,        /* responder sent SYN-ACK then FIN, no SYN seen */
	WH_CS_OTH,        /* no SYN seen: midstream */
	WH_CS_COUNT
};
const char *wh_conn_state_name(enum wh_conn_state s);
enum wh_conn_state wh_conn_state_parse(const char *s, size_t n);

enum wh_conn_have {
	WH_CH_BYTES = 1u << 0,     /* orig_bytes / resp_bytes are known */
	WH_CH_PKTS = 1u << 1,      /* packet counts are known */
	WH_CH_FLAGS = 1u << 2,     /* TCP flags per side are known (captures) */
	WH_CH_STATE = 1u << 3,     /* state and history are known */
	WH_CH_DURATION = 1u << 4,
	WH_CH_PROCESS = 1u << 5,   /* the process that owns it is known */
	WH_CH_SYNSIG = 1u << 6,    /* syn_optlen / syn_win are known */
};

enum wh_conn_origin {
	WH_CO_CAPTURE = 0,  /* built from packets */
	WH_CO_ZEEK,         /* a Zeek conn.log record */
	WH_CO_HOST,         /* a host's network event (Sysmon, auditd, ECS) */
};

#define WH_HISTORY_MAX 15

struct wh_conn {
	int64_t ts;                 /* first packet, ns */
	int64_t duration;           /* ns */
	struct wh_ip orig, resp;
	uint16_t orig_p, resp_p;    /* ICMP: type and code */
	uint8_t proto;
	uint8_t state;              /* enum wh_conn_state */
	uint8_t origin;             /* enum wh_conn_origin */
	uint8_t orig_flags;         /* every TCP flag the originator sent */
	uint8_t resp_flags;         /* every TCP flag the responder sent */
	uint8_t first_flags;        /* flags of the originator's first packet */
	uint8_t syn_optlen;         /* TCP option bytes of the originator's first SYN */
	uint8_t orig_ttl;           /* TTL of the originator's first packet */
	uint16_t syn_win;           /* window of that SYN */
	bool icmp_unreach;          /* an ICMP unreachable answered it */
	uint32_t have;              /* enum wh_conn_have */
	uint64_t orig_bytes, resp_bytes;        /* transport payload bytes */
	uint64_t orig_pkts, resp_pkts;
	uint64_t orig_ip_bytes, resp_ip_bytes;  /* bytes of whole IP packets */
	char history[WH_HISTORY_MAX + 1];       /* Zeek's history letters */
	const char *service;        /* "" when unknown */
	const char *uid;            /* Zeek uid, "" when none */
	/* the owner, from host events */
	const char *host, *image, *process_guid, *user;
	uint64_t pid;
	const char *query;          /* a name resolved to resp (DNS, Sysmon DestinationHostname) */
	/* where it was seen first */
	const char *source;
	uint64_t offset, record;
};

void wh_conn_init(struct wh_conn *c);

/*
 * A connection from an event: Zeek conn records (id.orig_h ...), Sysmon 3
 * and other net_connect events under Sysmon names (SourceIp, DestinationIp,
 * DestinationPort, Protocol, Initiated, Image ...). Returns false when the
 * event carries no connection.
 */
bool wh_conn_from_event(const struct wh_event *ev, struct wh_conn *c);

/* Add Zeek-named and Sysmon-named fields of c to ev, formatting into ev's
 * arena (used by the capture reader so that `events` prints connections). */
void wh_conn_to_event(const struct wh_conn *c, struct wh_event *ev);

/* "tcp", "udp", "icmp", "icmp6" or the number. buf holds 8 bytes. */
const char *wh_proto_name(uint8_t proto, char buf[8]);
/* A protocol by name or number; -1 when unknown. */
int wh_proto_parse(const char *s, size_t n);

#endif
