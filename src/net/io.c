#include "net/io.h"
#include "util/diag.h"

#include <errno.h>
#include <linux/errqueue.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* CLOCK_REALTIME, because the kernel stamps arriving packets on it
 * (SO_TIMESTAMPNS): an RTT is then the time on the wire, not how long the
 * reply waited in the socket while we were still sending. */
int64_t wh_clock_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The kernel's receive time of a message, or now. */
static int64_t rx_time(struct msghdr *mh)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
			struct timespec ts;
			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
		}
	return wh_clock_ns();
}

static void want_stamps(int fd)
{
	int on = 1;
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
}

static int bind_dev(int fd, const char *iface)
{
	if (!iface || fd < 0)
		return 0;
	return setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, iface, (socklen_t)strlen(iface) + 1);
}

int wh_route_source(const struct wh_addr *dst, const char *iface, struct wh_addr *src)
{
	int fd = socket(dst->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind_dev(fd, iface) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	struct sockaddr_storage ss;
	socklen_t sl = wh_addr_to_sa(dst, 33434, &ss);
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	wh_addr_from_sa((struct sockaddr *)&ss, src);
	return 0;
}

int wh_trace_io_raw_setup(struct wh_trace_io *io)
{
	struct wh_rawsocks *r = io->raw;
	int send = io->family == AF_INET6 ? r->send6 : r->send4;
	if (send < 0)
		return wh_error("no raw socket for %s", io->family == AF_INET6 ? "IPv6" : "IPv4");
	if (bind_dev(send, io->iface) < 0)
		return wh_error("cannot bind to interface '%s': %s", io->iface, strerror(errno));
	int on = 1;
	if (io->family == AF_INET6) {
		setsockopt(r->icmp6, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof(on));
		setsockopt(r->icmp6, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on));
		setsockopt(r->tcp6, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on));
		struct icmp6_filter f;
		ICMP6_FILTER_SETBLOCKALL(&f);
		ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &f);
		ICMP6_FILTER_SETPASS(ICMP6_PACKET_TOO_BIG, &f);
		ICMP6_FILTER_SETPASS(ICMP6_TIME_EXCEEDED, &f);
		ICMP6_FILTER_SETPASS(ICMP6_PARAM_PROB, &f);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
		setsockopt(r->icmp6, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f));
	}
	want_stamps(r->icmp4);
	want_stamps(r->tcp4);
	want_stamps(r->icmp6);
	want_stamps(r->tcp6);
	/* A deep receive queue: a multi-target run answers in bursts. */
	int rcv = 4 << 20;
	setsockopt(io->family == AF_INET6 ? r->icmp6 : r->icmp4, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	return 0;
}

int wh_trace_io_dgram_open(struct wh_trace_io *io, const struct wh_addr *src, uint16_t sport)
{
	bool icmp = io->method == WH_M_ICMP || io->method == WH_M_ICMP_PARIS;
	int proto = icmp ? (io->family == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP) : IPPROTO_UDP;
	int fd = socket(io->family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, proto);
	if (fd < 0) {
		if (icmp && (errno == EACCES || errno == EPERM))
			return wh_error("unprivileged ICMP needs a group in net.ipv4.ping_group_range, root, or "
					"CAP_NET_RAW (try UDP, the default)");
		return wh_error("cannot open a %s socket: %s", icmp ? "ping" : "UDP", strerror(errno));
	}
	if (bind_dev(fd, io->iface) < 0) {
		close(fd);
		return wh_error("cannot bind to interface '%s': %s", io->iface, strerror(errno));
	}
	struct sockaddr_storage ss;
	socklen_t sl = wh_addr_to_sa(src, sport, &ss);
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		close(fd);
		return wh_error("cannot bind to the source address: %s", strerror(errno));
	}
	sl = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	io->local_port = ntohs(io->family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						     : ((struct sockaddr_in *)&ss)->sin_port);
	int on = 1;
	if (io->family == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof(on));
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof(on));
	} else {
		setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof(on));
		setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &on, sizeof(on));
	}
	want_stamps(fd);
	io->dgram = fd;
	return 0;
}

void wh_trace_io_close(struct wh_trace_io *io)
{
	if (io->dgram >= 0)
		close(io->dgram);
	io->dgram = -1;
}

static bool send_raw(struct wh_trace_io *io, const struct wh_tx *tx)
{
	struct sockaddr_storage ss;
	socklen_t sl = wh_addr_to_sa(&tx->dst, 0, &ss);
	int fd = io->family == AF_INET6 ? io->raw->send6 : io->raw->send4;
	return sendto(fd, tx->buf, tx->len, 0, (struct sockaddr *)&ss, sl) == (ssize_t)tx->len;
}

static bool send_dgram(struct wh_trace_io *io, const struct wh_tx *tx)
{
	uint8_t payload[1500];
	size_t n = wh_probe_payload(&tx->spec, payload, sizeof(payload));
	bool icmp = io->method == WH_M_ICMP || io->method == WH_M_ICMP_PARIS;
	uint8_t pkt[1508];
	const void *data = payload;
	if (icmp) {
		/* A ping socket takes the echo header; it writes the identifier and checksum itself. */
		memset(pkt, 0, 8);
		pkt[0] = io->family == AF_INET6 ? 128 : 8;
		pkt[6] = (uint8_t)(tx->id >> 8);
		pkt[7] = (uint8_t)tx->id;
		memcpy(pkt + 8, payload, n);
		data = pkt;
		n += 8;
	}
	struct sockaddr_storage ss;
	socklen_t sl = wh_addr_to_sa(&tx->dst, icmp ? 0 : tx->spec.dport, &ss);
	struct iovec iov = { (void *)data, n };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof(u));
	struct msghdr mh = { .msg_name = &ss, .msg_namelen = sl, .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	int ttl = tx->ttl;
	if (io->family == AF_INET6) {
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_HOPLIMIT;
	} else {
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_TTL;
	}
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &ttl, sizeof(ttl));
	/* An ICMP error that arrived since the last send is also left pending
	 * on the socket (sk_err), and the next send reports it instead of
	 * sending: that report clears it, so send again. */
	for (int attempt = 0; attempt < 3; attempt++) {
		if (sendmsg(io->dgram, &mh, 0) == (ssize_t)n)
			return true;
		if (errno != ECONNREFUSED && errno != EHOSTUNREACH && errno != ENETUNREACH && errno != EHOSTDOWN &&
		    errno != EPROTO && errno != ENOPROTOOPT && errno != EMSGSIZE && errno != ETIMEDOUT)
			return false;
	}
	return false;
}

static void read_raw(struct wh_trace_io *io, struct wh_tracer *tr, int fd, uint8_t proto)
{
	uint8_t buf[4096];
	for (int burst = 0; burst < 256; burst++) {
		struct sockaddr_storage from;
		union {
			char buf[256];
			struct cmsghdr align;
		} u;
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
		ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);
		if (n < 0)
			return;
		int64_t now = rx_time(&mh);
		if (io->family == AF_INET) {
			wh_tracer_input4(tr, buf, (size_t)n, now);
			continue;
		}
		struct wh_addr src, dst = { 0 };
		uint8_t hl = 0;
		wh_addr_from_sa((struct sockaddr *)&from, &src);
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level != IPPROTO_IPV6)
				continue;
			if (c->cmsg_type == IPV6_HOPLIMIT && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
				int v;
				memcpy(&v, CMSG_DATA(c), sizeof(v));
				hl = (uint8_t)v;
			} else if (c->cmsg_type == IPV6_PKTINFO && c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
				struct in6_pktinfo pi;
				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				dst.family = AF_INET6;
				memcpy(dst.a, &pi.ipi6_addr, 16);
			}
		}
		wh_tracer_input6(tr, proto, buf, (size_t)n, &src, dst.family ? &dst : NULL, hl, now);
	}
}

/* Unprivileged: echo replies on the normal queue, errors on the error queue. */
static void read_dgram(struct wh_trace_io *io, struct wh_tracer *tr)
{
	bool icmp = io->method == WH_M_ICMP || io->method == WH_M_ICMP_PARIS;
	uint8_t buf[2048];
	for (int burst = 0; burst < 256; burst++) {
		struct sockaddr_storage name;
		union {
			char buf[512];
			struct cmsghdr align;
		} u;
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr mh = { .msg_name = &name, .msg_namelen = sizeof(name), .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
		bool err = true;
		ssize_t n = recvmsg(io->dgram, &mh, MSG_DONTWAIT | MSG_ERRQUEUE);
		if (n < 0) {
			err = false;
			mh.msg_namelen = sizeof(name);
			mh.msg_controllen = sizeof(u.buf);
			n = recvmsg(io->dgram, &mh, MSG_DONTWAIT);
			if (n < 0)
				return;
		}
		int64_t now = rx_time(&mh);
		struct wh_reply r;
		memset(&r, 0, sizeof(r));
		if (!err) {
			/* Only ping sockets get data back: an echo reply, header first. */
			if (!icmp || n < 8 || (buf[0] != 0 && buf[0] != 129)) {
				continue;
			}
			wh_addr_from_sa((struct sockaddr *)&name, &r.from);
			r.kind = WH_RK_ECHO_REPLY;
			r.type = buf[0];
			r.icmp_id = io->local_port;
			r.icmp_seq = (uint16_t)(buf[6] << 8 | buf[7]);
			wh_tracer_input_reply(tr, &r, now);
			continue;
		}
		struct sock_extended_err ee;
		bool have = false;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
			    (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)) {
				if (c->cmsg_len < CMSG_LEN(sizeof(ee) + sizeof(struct sockaddr_in)))
					continue;
				memcpy(&ee, CMSG_DATA(c), sizeof(ee));
				const struct sockaddr *off = (const struct sockaddr *)(const void *)(CMSG_DATA(c) + sizeof(ee));
				struct sockaddr_storage offs;
				size_t room = c->cmsg_len - CMSG_LEN(sizeof(ee));
				memset(&offs, 0, sizeof(offs));
				memcpy(&offs, off, room < sizeof(offs) ? room : sizeof(offs));
				wh_addr_from_sa((struct sockaddr *)&offs, &r.from);
				have = true;
			}
		}
		if (!have || (ee.ee_origin != SO_EE_ORIGIN_ICMP && ee.ee_origin != SO_EE_ORIGIN_ICMP6) || !r.from.family)
			continue;
		r.type = ee.ee_type;
		r.code = ee.ee_code;
		bool v6 = ee.ee_origin == SO_EE_ORIGIN_ICMP6;
		if (v6)
			r.kind = r.type == 1 ? WH_RK_UNREACH : r.type == 2 ? WH_RK_TOO_BIG : r.type == 3 ? WH_RK_TIME_EXCEEDED : WH_RK_PARAM;
		else
			r.kind = r.type == 3 ? WH_RK_UNREACH : r.type == 11 ? WH_RK_TIME_EXCEEDED : WH_RK_PARAM;
		r.mtu = ee.ee_info;
		r.quoted = true;
		r.q_partial = true;
		wh_addr_from_sa((struct sockaddr *)&name, &r.q_dst);
		r.q_proto = icmp ? (v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP) : IPPROTO_UDP;
		r.q_l4 = true;
		if (icmp) {
			if (n < 8)
				continue;
			r.q_icmp_type = buf[0];
			r.q_icmp_id = io->local_port;
			r.q_icmp_seq = (uint16_t)(buf[6] << 8 | buf[7]);
			r.q_payload = buf + 8;
			r.q_payload_len = (size_t)n - 8;
		} else {
			/* The UDP socket gives back the payload only: it carries the id. */
			r.q_sport = io->local_port;
			r.q_dport = ntohs(v6 ? ((struct sockaddr_in6 *)&name)->sin6_port : ((struct sockaddr_in *)&name)->sin_port);
			r.q_payload = buf;
			r.q_payload_len = (size_t)n;
		}
		wh_tracer_input_reply(tr, &r, now);
	}
}

int wh_trace_io_run(struct wh_trace_io *io, struct wh_tracer *tr, wh_trace_done_fn on_done, void *arg)
{
	struct pollfd pf[3];
	nfds_t npf = 0;
	uint8_t pproto[3];
	if (io->raw) {
		if (io->family == AF_INET6) {
			pf[npf].fd = io->raw->icmp6;
			pproto[npf++] = IPPROTO_ICMPV6;
			if (io->method == WH_M_TCP) {
				pf[npf].fd = io->raw->tcp6;
				pproto[npf++] = IPPROTO_TCP;
			}
		} else {
			pf[npf].fd = io->raw->icmp4;
			pproto[npf++] = IPPROTO_ICMP;
			if (io->method == WH_M_TCP) {
				pf[npf].fd = io->raw->tcp4;
				pproto[npf++] = IPPROTO_TCP;
			}
		}
	} else {
		pf[npf].fd = io->dgram;
		pproto[npf++] = 0;
	}
	for (nfds_t i = 0; i < npf; i++)
		pf[i].events = POLLIN;
	uint64_t sent_ok = 0, sent_fail = 0;
	int last_errno = 0;
	struct wh_tx tx;
	while (!wh_tracer_done(tr)) {
		if (io->stop && *io->stop)
			break;
		/* Read what is waiting before anything can expire: after a long
		 * wait for the CPU, answers that came in time are in the queue. */
		for (nfds_t i = 0; i < npf; i++) {
			if (io->raw)
				read_raw(io, tr, pf[i].fd, pproto[i]);
			else
				read_dgram(io, tr);
		}
		int64_t now = wh_clock_ns();
		while (wh_tracer_next(tr, now, &tx)) {
			/* Stamped before the send: on a veth path the reply can be
			 * queued, and stamped, before sendto() returns. */
			now = wh_clock_ns();
			int64_t t0 = now;
			bool ok = io->raw ? send_raw(io, &tx) : send_dgram(io, &tx);
			if (ok) {
				sent_ok++;
			} else {
				sent_fail++;
				last_errno = errno;
			}
			wh_tracer_sent(tr, &tx, t0, ok);
			now = wh_clock_ns();
		}
		int64_t wake = wh_tracer_tick(tr, now);
		struct wh_trace *t;
		while ((t = wh_tracer_pop_done(tr)))
			on_done(t, arg);
		if (wh_tracer_done(tr))
			break;
		if (sent_fail && !sent_ok && sent_fail >= 3) {
			errno = last_errno;
			return wh_error("cannot send probes: %s", strerror(last_errno));
		}
		int64_t dt = wake == INT64_MAX ? 1000000000LL : wake - now;
		if (dt < 0)
			dt = 0;
		if (dt > 1000000000LL)
			dt = 1000000000LL;
		struct timespec ts = { (time_t)(dt / 1000000000LL), (long)(dt % 1000000000LL) };
		int rc = ppoll(pf, npf, &ts, NULL);
		if (rc < 0 && errno != EINTR)
			return wh_error("poll: %s", strerror(errno));
	}
	/* Interrupted: report what is known. */
	wh_tracer_abort(tr, wh_clock_ns());
	struct wh_trace *t;
	while ((t = wh_tracer_pop_done(tr)))
		on_done(t, arg);
	return 0;
}
