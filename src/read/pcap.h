/*
 * pcap.h: packets from capture files (pcap and pcapng, read with libpcap)
 * and from a live interface.
 *
 * A capture hands out raw frames with their link type, time, lengths and
 * byte offset in the input; read/packet.h decodes them. Bad records are
 * reported with the input name and offset and the reading goes on where the
 * format allows it (libpcap cannot resynchronise inside a classic pcap, so a
 * broken record there ends that file, reported).
 *
 * pcapng files whose interfaces have different link types are refused by
 * libpcap; for those whitehawk walks the blocks itself (wh_pcapng_*, pure,
 * see docs/dependencies.md).
 */
#ifndef WH_PCAP_H
#define WH_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "read/reader.h"

struct wh_rawpkt {
	int linktype;          /* LINKTYPE_ number (read/packet.h) */
	int64_t ts;            /* ns since the epoch */
	uint32_t caplen, wirelen;
	const uint8_t *data;   /* caplen bytes, valid until the next call */
	uint64_t offset;       /* byte offset of the record in the input */
	uint64_t index;        /* packet number in the input, from 1 */
};

/* 100 for a pcap or pcapng magic number, else 0. */
int wh_capture_sniff(const unsigned char *buf, size_t len);

struct wh_capture;

/* Start reading a capture file; NULL when it cannot be read (reported). */
struct wh_capture *wh_capture_open(struct wh_input *in);
/*
 * Open a live interface with a BPF filter (NULL or "" for none). Returns NULL
 * with a message in err (at least 256 bytes) on failure. Call before
 * dropping privileges.
 */
struct wh_capture *wh_capture_open_live(const char *iface, const char *filter, bool promisc,
					int timeout_ms, char *err, size_t errlen);
/* 1 a packet, 0 the end, -1 the rest cannot be read (reported), 2 a live
 * capture's timeout passed with no packet. */
int wh_capture_next(struct wh_capture *c, struct wh_rawpkt *pk);
/* Make a live capture's next() return 0 soon (safe from a signal handler). */
void wh_capture_break(struct wh_capture *c);
/* Packets the kernel dropped on a live capture, or 0. */
uint64_t wh_capture_dropped(struct wh_capture *c);
void wh_capture_close(struct wh_capture *c);

/* ---- pcapng blocks, for files libpcap refuses (pure, fuzzable) ---- */

#define WH_PCAPNG_MAX_IFACES 256
#define WH_PCAPNG_MAX_BLOCK (16u << 20)

struct wh_pcapng_iface {
	int linktype;
	uint32_t snaplen;
	uint64_t tsunits;      /* ticks per second */
	int64_t tsoffset;      /* seconds added to every time */
};

struct wh_pcapng {
	bool swapped;          /* the section is in the other byte order */
	bool in_section;
	uint32_t nifaces;
	struct wh_pcapng_iface ifaces[WH_PCAPNG_MAX_IFACES];
};

enum { WH_PCAPNG_SKIP = 0, WH_PCAPNG_PACKET = 1, WH_PCAPNG_ERR = -1 };

/* The total length of the block whose first 12 bytes are hdr, given the
 * section's byte order (a section header block decides its own); 0 when the
 * length is impossible. */
uint32_t wh_pcapng_block_len(const struct wh_pcapng *st, const uint8_t hdr[12]);
/*
 * Take one whole block (len bytes, as wh_pcapng_block_len said). Returns
 * WH_PCAPNG_PACKET and fills pk (data points into blk) for a packet,
 * WH_PCAPNG_SKIP for other blocks, WH_PCAPNG_ERR with *why for a broken one.
 */
int wh_pcapng_block(struct wh_pcapng *st, const uint8_t *blk, uint32_t len, struct wh_rawpkt *pk,
		    const char **why);

/* ---- decoding with reports ---- */

struct wh_pkt;

struct wh_decode_stats {
	uint64_t ip;          /* IP packets decoded */
	uint64_t not_ip;      /* ARP, LLDP ...: nothing for whitehawk */
	uint64_t bad;         /* truncated or malformed: reported */
	uint64_t unknown_link;/* of a link type whitehawk does not decode */
};

/* Decode a raw packet; broken ones are reported with source and offset.
 * Returns true when p holds an IP packet. */
bool wh_capture_decode(const char *source, const struct wh_rawpkt *rp, struct wh_pkt *p,
		       struct wh_decode_stats *ds);

#endif
