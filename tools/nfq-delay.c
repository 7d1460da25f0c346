/*
 * nfq-delay: hold packets for a fixed time before letting them go, for the
 * trace namespace tests and benchmark (this kernel has no netem).
 *
 *   wh-nfq-delay -d MS [-q QUEUE] NETNS...
 *
 * For each network namespace named (as in /run/netns), it joins the
 * namespace, opens a netfilter queue there, and comes back; then it serves
 * all the queues from one loop. A packet queued by a rule such as
 *   iptables -A FORWARD -j NFQUEUE --queue-num 0 --queue-bypass
 * is accepted MS milliseconds after it arrived, in arrival order. With
 * --queue-bypass, packets pass undelayed when this program is not running.
 * It runs until SIGTERM or SIGINT.
 */
#include <netinet/in.h>   /* before any linux/ header, so glibc's definitions win */
#include <errno.h>
#include <fcntl.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_NS 64
#define RING 65536

struct held {
	uint32_t id;
	int64_t due;
};

struct queue {
	struct nfq_handle *h;
	struct nfq_q_handle *qh;
	int fd;
	struct held ring[RING];
	uint32_t head, tail;    /* ring[head..tail) wait, in arrival order */
	uint64_t passed;
};

static int64_t delay_ns;
static volatile sig_atomic_t stop;

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void on_sig(int s)
{
	(void)s;
	stop = 1;
}

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa, void *data)
{
	(void)msg;
	struct queue *q = data;
	struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
	if (!ph)
		return 0;
	uint32_t id = ntohl(ph->packet_id);
	if (q->tail - q->head >= RING) {
		/* Full: let it through now rather than lose it. */
		nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL);
		return 0;
	}
	q->ring[q->tail % RING] = (struct held){ id, now_ns() + delay_ns };
	q->tail++;
	return 0;
}

static int open_in(const char *ns, struct queue *q, unsigned qnum)
{
	char path[256];
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || self < 0) {
		fprintf(stderr, "nfq-delay: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "nfq-delay: cannot join %s: %s\n", ns, strerror(errno));
		return -1;
	}
	close(fd);
	q->h = nfq_open();
	if (!q->h) {
		fprintf(stderr, "nfq-delay: nfq_open in %s failed\n", ns);
		return -1;
	}
	q->qh = nfq_create_queue(q->h, (uint16_t)qnum, on_packet, q);
	if (!q->qh) {
		fprintf(stderr, "nfq-delay: cannot bind queue %u in %s\n", qnum, ns);
		return -1;
	}
	nfq_set_mode(q->qh, NFQNL_COPY_META, 0);
	nfq_set_queue_maxlen(q->qh, RING);
	q->fd = nfq_fd(q->h);
	int rcv = 8 << 20;
	setsockopt(q->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv));
	if (setns(self, CLONE_NEWNET) < 0) {
		fprintf(stderr, "nfq-delay: cannot return to the first namespace\n");
		return -1;
	}
	close(self);
	return 0;
}

int main(int argc, char **argv)
{
	double ms = -1;
	unsigned qnum = 0;
	int opt;
	while ((opt = getopt(argc, argv, "d:q:")) != -1) {
		char *end;
		switch (opt) {
		case 'd':
			ms = strtod(optarg, &end);
			if (*end || ms < 0 || ms > 10000)
				ms = -1;
			break;
		case 'q':
			qnum = (unsigned)strtoul(optarg, &end, 10);
			if (*end || qnum > 65535)
				return 2;
			break;
		default:
			return 2;
		}
	}
	if (ms < 0 || optind >= argc || argc - optind > MAX_NS) {
		fprintf(stderr, "usage: wh-nfq-delay -d MS [-q QUEUE] NETNS...\n");
		return 2;
	}
	delay_ns = (int64_t)(ms * 1e6);
	int n = argc - optind;
	struct queue *qs = calloc((size_t)n, sizeof(*qs));
	struct pollfd *pf = calloc((size_t)n, sizeof(*pf));
	if (!qs || !pf)
		return 1;
	for (int i = 0; i < n; i++) {
		if (open_in(argv[optind + i], &qs[i], qnum) < 0)
			return 1;
		pf[i].fd = qs[i].fd;
		pf[i].events = POLLIN;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	printf("ready\n");
	fflush(stdout);
	char buf[4096] __attribute__((aligned));
	while (!stop) {
		int64_t now = now_ns(), next = now + 100000000LL;
		for (int i = 0; i < n; i++) {
			struct queue *q = &qs[i];
			while (q->head != q->tail && q->ring[q->head % RING].due <= now) {
				nfq_set_verdict(q->qh, q->ring[q->head % RING].id, NF_ACCEPT, 0, NULL);
				q->head++;
				q->passed++;
			}
			if (q->head != q->tail && q->ring[q->head % RING].due < next)
				next = q->ring[q->head % RING].due;
		}
		int64_t dt = next - now;
		struct timespec ts = { (time_t)(dt / 1000000000LL), (long)(dt % 1000000000LL) };
		if (ppoll(pf, (nfds_t)n, &ts, NULL) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			if (!(pf[i].revents & POLLIN))
				continue;
			for (int k = 0; k < 64; k++) {
				ssize_t r = recv(qs[i].fd, buf, sizeof(buf), MSG_DONTWAIT);
				if (r <= 0)
					break;
				nfq_handle_packet(qs[i].h, buf, (int)r);
			}
		}
	}
	/* Let everything still held go before leaving. */
	for (int i = 0; i < n; i++) {
		for (; qs[i].head != qs[i].tail; qs[i].head++)
			nfq_set_verdict(qs[i].qh, qs[i].ring[qs[i].head % RING].id, NF_ACCEPT, 0, NULL);
		nfq_destroy_queue(qs[i].qh);
		nfq_close(qs[i].h);
	}
	free(qs);
	free(pf);
	return 0;
}
