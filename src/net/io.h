/*
 * io.h: the tracer's sockets. Privileged mode sends whole packets on raw
 * sockets opened (before the privilege drop) by src/net/priv; unprivileged
 * mode sends through ordinary UDP sockets and ICMP datagram ("ping")
 * sockets with a per-packet TTL, and reads the ICMP errors the kernel files
 * in the socket error queue (IP_RECVERR, IPV6_RECVERR).
 *
 * wh_trace_io_run() drives a tracer to the end and calls on_done for each
 * trace as it finishes. It never ends the process.
 */
#ifndef WH_NET_IO_H
#define WH_NET_IO_H

#include "net/priv/priv.h"
#include "net/tracer.h"

struct wh_trace_io {
	struct wh_rawsocks *raw;    /* privileged mode, or NULL */
	int family;                 /* AF_INET or AF_INET6: what this run probes */
	enum wh_method method;
	const char *iface;          /* -i, or NULL */
	/* unprivileged mode */
	int dgram;                  /* UDP or ping socket, -1 when raw */
	uint16_t local_port;        /* its port (UDP source port, or the ping identifier) */
	volatile int *stop;         /* set by a signal handler: finish now */
};

/* The clock of the tracer under io: CLOCK_REALTIME in ns, as packets are stamped. */
int64_t wh_clock_ns(void);

/*
 * The source address the kernel would use toward dst (a UDP connect, which
 * sends nothing), honouring -i. Returns 0, or -1 with errno set
 * (ENETUNREACH: no route).
 */
int wh_route_source(const struct wh_addr *dst, const char *iface, struct wh_addr *src);

/* Raw mode: bind the send socket to -i and set receive options. */
int wh_trace_io_raw_setup(struct wh_trace_io *io);
/*
 * Unprivileged mode: open the datagram socket for io->family and
 * io->method (classic or Paris UDP, classic ICMP) from src, sport 0 letting
 * the kernel choose. Returns 0, or -1 with a message.
 */
int wh_trace_io_dgram_open(struct wh_trace_io *io, const struct wh_addr *src, uint16_t sport);
void wh_trace_io_close(struct wh_trace_io *io);

typedef void (*wh_trace_done_fn)(struct wh_trace *t, void *arg);
/* Returns 0, or -1 when sending failed for every probe (no route, no permission). */
int wh_trace_io_run(struct wh_trace_io *io, struct wh_tracer *tr, wh_trace_done_fn on_done, void *arg);

#endif
