#include "net/priv/priv.h"
#include "util/diag.h"

#include <errno.h>
#include <string.h>
#include <grp.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int open_raw(int family, int proto, int *err)
{
	int fd = socket(family, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, proto);
	if (fd < 0 && !*err)
		*err = errno;
	return fd;
}

void wh_rawsocks_open(struct wh_rawsocks *s)
{
	s->err = 0;
	s->send4 = open_raw(AF_INET, IPPROTO_RAW, &s->err);
	s->icmp4 = open_raw(AF_INET, IPPROTO_ICMP, &s->err);
	s->tcp4 = open_raw(AF_INET, IPPROTO_TCP, &s->err);
	s->send6 = open_raw(AF_INET6, IPPROTO_RAW, &s->err);
	s->icmp6 = open_raw(AF_INET6, IPPROTO_ICMPV6, &s->err);
	s->tcp6 = open_raw(AF_INET6, IPPROTO_TCP, &s->err);
}

void wh_rawsocks_close(struct wh_rawsocks *s)
{
	int *fds[] = { &s->send4, &s->icmp4, &s->tcp4, &s->send6, &s->icmp6, &s->tcp6 };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

int wh_priv_drop(const char *user)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	bool root = geteuid() == 0 || uid == 0;

	/* The bounding set can only be cut while CAP_SETPCAP is still held. */
	for (int c = 0; c <= CAP_LAST_CAP; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL && errno != EPERM)
			return wh_error("cannot drop capability %d from the bounding set: %s", c, strerror(errno));
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);

	if (root) {
		const struct passwd *pw = getpwnam(user ? user : "nobody");
		if (pw) {
			uid = pw->pw_uid;
			gid = pw->pw_gid;
		} else if (user) {
			return wh_error("no user '%s' to drop privileges to", user);
		} else {
			uid = gid = 65534;
		}
		if (uid == 0)
			return wh_error("will not run as root: user '%s' has uid 0", user ? user : "nobody");
		if (setgroups(0, NULL) < 0)
			return wh_error("cannot drop supplementary groups: %s", strerror(errno));
	}
	if (setresgid(gid, gid, gid) < 0)
		return wh_error("cannot set group id %u: %s", (unsigned)gid, strerror(errno));
	if (setresuid(uid, uid, uid) < 0)
		return wh_error("cannot set user id %u: %s", (unsigned)uid, strerror(errno));

	/* Leaving root clears the capability sets already; a binary given
	 * cap_net_raw by setcap keeps its user, so clear them explicitly. */
	cap_t none = cap_init();
	if (!none)
		return wh_error("cannot allocate a capability set: %s", strerror(errno));
	int rc = cap_set_proc(none);
	cap_free(none);
	if (rc < 0)
		return wh_error("cannot clear capabilities: %s", strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return wh_error("cannot set no_new_privs: %s", strerror(errno));
	if (!wh_priv_dropped())
		return wh_error("privileges remain after dropping them");
	if (root)
		for (int c = 0; c <= CAP_LAST_CAP; c++)
			if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) > 0)
				return wh_error("capability %d is still in the bounding set", c);
	return 0;
}

bool wh_priv_dropped(void)
{
	uid_t r, e, s;
	if (getresuid(&r, &e, &s) < 0 || r == 0 || e == 0 || s == 0)
		return false;
	/* Getting root back must fail. */
	if (setuid(0) == 0)
		return false;
	cap_t now = cap_get_proc();
	if (!now)
		return false;
	cap_t none = cap_init();
	bool clear = none && cap_compare(now, none) == 0;
	cap_free(now);
	cap_free(none);
	/* With no_new_privs no exec can bring a capability back, whatever
	 * the bounding set holds (a non-root caller cannot empty it). */
	return clear && prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1;
}
