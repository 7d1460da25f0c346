/*
 * priv.h: the only code in whitehawk that holds privileges. It opens the raw
 * sockets a traceroute needs, then gives up everything: supplementary
 * groups, the root user (for an unprivileged one), every capability in
 * every set (effective, permitted, inheritable, ambient and the bounding
 * set), and sets no_new_privs so no later exec can gain any back. The
 * caller opens its sockets and drops before it reads a single option or
 * resolves a name, as OpenBSD traceroute and mtr-packet do.
 *
 * tests/e2e/trace-privdrop.sh fails when any other file touches
 * capabilities or user ids, and checks /proc/PID/status of a running trace.
 */
#ifndef WH_NET_PRIV_H
#define WH_NET_PRIV_H

#include <stdbool.h>

struct wh_rawsocks {
	int send4;     /* AF_INET, SOCK_RAW, IPPROTO_RAW: we write the IP header */
	int icmp4;     /* AF_INET, SOCK_RAW, IPPROTO_ICMP: every ICMP message */
	int tcp4;      /* AF_INET, SOCK_RAW, IPPROTO_TCP: SYN-ACK and RST for -T */
	int send6;     /* AF_INET6, SOCK_RAW, IPPROTO_RAW: header included */
	int icmp6;     /* AF_INET6, SOCK_RAW, IPPROTO_ICMPV6 */
	int tcp6;      /* AF_INET6, SOCK_RAW, IPPROTO_TCP */
	int err;       /* errno of the first socket that could not be opened, or 0 */
};

/* Open every raw socket this process may open; the others stay -1. */
void wh_rawsocks_open(struct wh_rawsocks *s);
void wh_rawsocks_close(struct wh_rawsocks *s);

/*
 * Give up all privileges for good. When running as root, switch to `user`
 * (NULL: "nobody", or uid/gid 65534 when there is no such user). Returns 0,
 * or -1 with a message when any step fails or a check afterwards finds a
 * privilege left; the caller must then stop.
 */
int wh_priv_drop(const char *user);

/* After the drop: true when the process holds no capability and is not root. */
bool wh_priv_dropped(void);

#endif
