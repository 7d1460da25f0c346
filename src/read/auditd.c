/*
 * auditd.c: the Linux audit log reader.
 *
 * Reads auditd's log (raw, or enriched with the \x1d-separated
 * translations that `log_format = ENRICHED` adds), and audit records that
 * sit inside syslog, journal or dmesg lines ("audit: type=1300 audit(...)").
 * One line may hold several records (some collectors join them).
 *
 * The records of one event share msg=audit(TIME:SERIAL) and node. They may
 * interleave with other events' records and arrive out of order, so open
 * events wait in a bounded table until their EOE record, until a record
 * far enough away in serial or time shows they are over, until the table
 * or its byte budget is full (oldest first), or until the input ends.
 * Records of user-space messages (USER_*, DAEMON_*, ANOM_LOGIN_* ...) are
 * events of their own and leave at once.
 *
 * Each event becomes one struct wh_event that keeps every record's fields
 * under their own names ("type", "syscall", "exe", "a0" ..., repeated when
 * records repeat them), hex-encoded values decoded, plus Sysmon names
 * (Image, CommandLine, ProcessId, TargetFilename, DestinationIp ...) so one
 * rule serves Windows and Linux: docs/auditd-mapping.md is the contract.
 */
#include "read/auditd.h"
#include "read/auditd_syscalls.h"
#include "util/diag.h"
#include "util/num.h"
#include "util/wtime.h"
#include "util/xalloc.h"

#include <arpa/inet.h>
#include <string.h>

#define MAX_OPEN 256                      /* events waiting for more records */
#define SERIAL_WINDOW 64                  /* a record this many serials away ends an event */
#define TIME_WINDOW (2 * WH_NS_PER_SEC)   /* ... or this far away in time */
#define MAX_BUFFERED (64u << 20)          /* bytes held by waiting events */
#define MAX_RECS 4096                     /* records in one event */
#define MAX_ARGS 4096                     /* EXECVE arguments kept */
#define MAX_PATHS 64                      /* PATH records looked at for the mapping */

/* ---- record headers ---- */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool type_char(char c)
{
	return (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' || c == '[' || c == ']';
}

/* audit(SECS.FRAC:SERIAL) at s: returns bytes consumed up to and including ')' or 0. */
static size_t parse_stamp(const char *s, size_t n, int64_t *t, uint64_t *serial)
{
	size_t i = 0;
	if (n < 6 || memcmp(s, "audit(", 6) != 0)
		return 0;
	i = 6;
	int64_t sec = 0;
	size_t d0 = i;
	while (i < n && is_digit(s[i])) {
		if (i - d0 >= 11)
			return 0;   /* past the year 5138: not a timestamp */
		sec = sec * 10 + (s[i] - '0');
		i++;
	}
	if (i == d0)
		return 0;
	int64_t frac = 0, scale = WH_NS_PER_SEC;
	if (i < n && s[i] == '.') {
		i++;
		size_t f0 = i;
		while (i < n && is_digit(s[i])) {
			if (i - f0 < 9) {
				frac = frac * 10 + (s[i] - '0');
				scale /= 10;
			}
			i++;
		}
		if (i == f0)
			return 0;
	}
	if (i >= n || s[i] != ':')
		return 0;
	i++;
	size_t s0 = i;
	while (i < n && is_digit(s[i]))
		i++;
	if (i == s0 || i >= n || s[i] != ')' || !wh_parse_u64(s + s0, i - s0, serial))
		return 0;
	if (sec > INT64_MAX / WH_NS_PER_SEC - 1)
		return 0;   /* past 2262: not a time whitehawk can hold */
	*t = sec * WH_NS_PER_SEC + frac * scale;
	return i + 1;
}

/* "type=T msg=audit(...):" or "type=T audit(...):" at s[0]; fills h from type on. */
static size_t parse_header_at(const char *s, size_t n, struct wh_audit_hdr *h)
{
	size_t i = 5;
	if (n < 5 || memcmp(s, "type=", 5) != 0)
		return 0;
	while (i < n && type_char(s[i]))
		i++;
	if (i == 5 || i >= n || s[i] != ' ')
		return 0;
	h->type = s + 5;
	h->type_len = i - 5;
	while (i < n && s[i] == ' ')
		i++;
	if (n - i >= 4 && memcmp(s + i, "msg=", 4) == 0)
		i += 4;
	size_t k = parse_stamp(s + i, n - i, &h->time, &h->serial);
	if (!k)
		return 0;
	i += k;
	while (i < n && s[i] == ' ')
		i++;
	if (i < n && s[i] == ':')
		i++;
	return i;
}

bool wh_auditd_find_record(const char *s, size_t n, size_t from, struct wh_audit_hdr *h)
{
	size_t i = from;
	while (i + 5 <= n) {
		const char *t = memmem(s + i, n - i, "type=", 5);
		if (!t)
			return false;
		size_t at = (size_t)(t - s);
		i = at + 5;
		if (at > 0 && s[at - 1] != ' ' && s[at - 1] != '\t')
			continue;
		size_t len = parse_header_at(t, n - at, h);
		if (!len)
			continue;
		h->body = at + len;
		h->start = at;
		h->node = NULL;
		h->node_len = 0;
		/* a node=NAME token right before belongs to this record */
		size_t e = at;
		while (e > from && (s[e - 1] == ' ' || s[e - 1] == '\t'))
			e--;
		size_t b = e;
		while (b > from && s[b - 1] != ' ' && s[b - 1] != '\t')
			b--;
		if (e > b + 5 && memcmp(s + b, "node=", 5) == 0) {
			h->node = s + b + 5;
			h->node_len = e - b - 5;
			h->start = b;
		}
		return true;
	}
	return false;
}

/* ---- record types ---- */

struct type_num {
	unsigned num;
	const char *name;
};

/* Record type numbers (linux/audit.h and libaudit), for kernel log lines
 * that print "type=1300" and to tell user-space messages (which are events
 * of their own) from the parts of a syscall event. */
static const struct type_num type_nums[] = {
	{ 1100, "USER_AUTH" }, { 1101, "USER_ACCT" }, { 1102, "USER_MGMT" }, { 1103, "CRED_ACQ" },
	{ 1104, "CRED_DISP" }, { 1105, "USER_START" }, { 1106, "USER_END" }, { 1107, "USER_AVC" },
	{ 1108, "USER_CHAUTHTOK" }, { 1109, "USER_ERR" }, { 1110, "CRED_REFR" }, { 1111, "USYS_CONFIG" },
	{ 1112, "USER_LOGIN" }, { 1113, "USER_LOGOUT" }, { 1114, "ADD_USER" }, { 1115, "DEL_USER" },
	{ 1116, "ADD_GROUP" }, { 1117, "DEL_GROUP" }, { 1118, "DAC_CHECK" }, { 1119, "CHGRP_ID" },
	{ 1120, "TEST" }, { 1121, "TRUSTED_APP" }, { 1122, "USER_SELINUX_ERR" }, { 1123, "USER_CMD" },
	{ 1124, "USER_TTY" }, { 1125, "CHUSER_ID" }, { 1126, "GRP_AUTH" }, { 1127, "SYSTEM_BOOT" },
	{ 1128, "SYSTEM_SHUTDOWN" }, { 1129, "SYSTEM_RUNLEVEL" }, { 1130, "SERVICE_START" },
	{ 1131, "SERVICE_STOP" }, { 1132, "GRP_MGMT" }, { 1133, "GRP_CHAUTHTOK" }, { 1134, "MAC_CHECK" },
	{ 1135, "ACCT_LOCK" }, { 1136, "ACCT_UNLOCK" }, { 1137, "USER_DEVICE" }, { 1138, "SOFTWARE_UPDATE" },
	{ 1200, "DAEMON_START" }, { 1201, "DAEMON_END" }, { 1202, "DAEMON_ABORT" }, { 1203, "DAEMON_CONFIG" },
	{ 1204, "DAEMON_RECONFIG" }, { 1205, "DAEMON_ROTATE" }, { 1206, "DAEMON_RESUME" },
	{ 1207, "DAEMON_ACCEPT" }, { 1208, "DAEMON_CLOSE" }, { 1209, "DAEMON_ERR" },
	{ 1300, "SYSCALL" }, { 1302, "PATH" }, { 1303, "IPC" }, { 1304, "SOCKETCALL" },
	{ 1305, "CONFIG_CHANGE" }, { 1306, "SOCKADDR" }, { 1307, "CWD" }, { 1309, "EXECVE" },
	{ 1311, "IPC_SET_PERM" }, { 1312, "MQ_OPEN" }, { 1313, "MQ_SENDRECV" }, { 1314, "MQ_NOTIFY" },
	{ 1315, "MQ_GETSETATTR" }, { 1316, "KERNEL_OTHER" }, { 1317, "FD_PAIR" }, { 1318, "OBJ_PID" },
	{ 1319, "TTY" }, { 1320, "EOE" }, { 1321, "BPRM_FCAPS" }, { 1322, "CAPSET" }, { 1323, "MMAP" },
	{ 1324, "NETFILTER_PKT" }, { 1325, "NETFILTER_CFG" }, { 1326, "SECCOMP" }, { 1327, "PROCTITLE" },
	{ 1328, "FEATURE_CHANGE" }, { 1329, "REPLACE" }, { 1330, "KERN_MODULE" }, { 1331, "FANOTIFY" },
	{ 1332, "TIME_INJOFFSET" }, { 1333, "TIME_ADJNTPVAL" }, { 1334, "BPF" },
	{ 1335, "EVENT_LISTENER" }, { 1336, "URINGOP" }, { 1337, "OPENAT2" }, { 1338, "DM_CTRL" },
	{ 1339, "DM_EVENT" }, { 1400, "AVC" }, { 1401, "SELINUX_ERR" }, { 1402, "AVC_PATH" },
	{ 1403, "MAC_POLICY_LOAD" }, { 1404, "MAC_STATUS" }, { 1405, "MAC_CONFIG_CHANGE" },
	{ 1700, "ANOM_PROMISCUOUS" }, { 1701, "ANOM_ABEND" }, { 1702, "ANOM_LINK" },
	{ 1703, "ANOM_CREAT" }, { 1800, "INTEGRITY_DATA" }, { 1801, "INTEGRITY_METADATA" },
	{ 1802, "INTEGRITY_STATUS" }, { 1803, "INTEGRITY_HASH" }, { 1804, "INTEGRITY_PCR" },
	{ 1805, "INTEGRITY_RULE" }, { 1806, "INTEGRITY_EVM_XATTR" }, { 1807, "INTEGRITY_POLICY_RULE" },
	{ 2100, "ANOM_LOGIN_FAILURES" }, { 2101, "ANOM_LOGIN_TIME" }, { 2102, "ANOM_LOGIN_SESSIONS" },
	{ 2103, "ANOM_LOGIN_ACCT" }, { 2104, "ANOM_LOGIN_LOCATION" }, { 2105, "ANOM_MAX_DAC" },
	{ 2106, "ANOM_MAX_MAC" }, { 2107, "ANOM_AMTU_FAIL" }, { 2108, "ANOM_RBAC_FAIL" },
	{ 2109, "ANOM_RBAC_INTEGRITY_FAIL" }, { 2110, "ANOM_CRYPTO_FAIL" }, { 2111, "ANOM_ACCESS_FS" },
	{ 2112, "ANOM_EXEC" }, { 2113, "ANOM_MK_EXEC" }, { 2114, "ANOM_ADD_ACCT" },
	{ 2115, "ANOM_DEL_ACCT" }, { 2116, "ANOM_MOD_ACCT" }, { 2117, "ANOM_ROOT_TRANS" },
	{ 2118, "ANOM_LOGIN_SERVICE" }, { 2119, "ANOM_LOGIN_ROOT" }, { 2120, "ANOM_ORIGIN_FAILURES" },
	{ 2121, "ANOM_SESSION" }, { 2200, "RESP_ANOMALY" }, { 2201, "RESP_ALERT" },
	{ 2202, "RESP_KILL_PROC" }, { 2203, "RESP_TERM_ACCESS" }, { 2204, "RESP_ACCT_REMOTE" },
	{ 2205, "RESP_ACCT_LOCK_TIMED" }, { 2206, "RESP_ACCT_UNLOCK_TIMED" }, { 2207, "RESP_ACCT_LOCK" },
	{ 2208, "RESP_TERM_LOCK" }, { 2209, "RESP_SEBOOL" }, { 2210, "RESP_EXEC" }, { 2211, "RESP_SINGLE" },
	{ 2212, "RESP_HALT" }, { 2213, "RESP_ORIGIN_BLOCK" }, { 2214, "RESP_ORIGIN_BLOCK_TIMED" },
	{ 2215, "RESP_ORIGIN_UNBLOCK_TIMED" }, { 2300, "USER_ROLE_CHANGE" }, { 2301, "ROLE_ASSIGN" },
	{ 2302, "ROLE_REMOVE" }, { 2303, "LABEL_OVERRIDE" }, { 2304, "LABEL_LEVEL_CHANGE" },
	{ 2305, "USER_LABELED_EXPORT" }, { 2306, "USER_UNLABELED_EXPORT" }, { 2307, "DEV_ALLOC" },
	{ 2308, "DEV_DEALLOC" }, { 2309, "FS_RELABEL" }, { 2310, "USER_MAC_POLICY_LOAD" },
	{ 2311, "ROLE_MODIFY" }, { 2312, "USER_MAC_CONFIG_CHANGE" }, { 2313, "USER_MAC_STATUS" },
	{ 2400, "CRYPTO_TEST_USER" }, { 2401, "CRYPTO_PARAM_CHANGE_USER" }, { 2402, "CRYPTO_LOGIN" },
	{ 2403, "CRYPTO_LOGOUT" }, { 2404, "CRYPTO_KEY_USER" }, { 2405, "CRYPTO_FAILURE_USER" },
	{ 2406, "CRYPTO_REPLAY_USER" }, { 2407, "CRYPTO_SESSION" }, { 2408, "CRYPTO_IKE_SA" },
	{ 2409, "CRYPTO_IPSEC_SA" }, { 2500, "VIRT_CONTROL" }, { 2501, "VIRT_RESOURCE" },
	{ 2502, "VIRT_MACHINE_ID" }, { 2503, "VIRT_INTEGRITY_CHECK" }, { 2504, "VIRT_CREATE" },
	{ 2505, "VIRT_DESTROY" }, { 2506, "VIRT_MIGRATE_IN" }, { 2507, "VIRT_MIGRATE_OUT" },
};

#define NTYPES (sizeof(type_nums) / sizeof(type_nums[0]))

/* The record type's number, or 0 when unknown. */
static unsigned type_number(const char *t, size_t n)
{
	if (n && is_digit(t[0])) {
		uint64_t v;
		return wh_parse_u64(t, n, &v) && v < 100000 ? (unsigned)v : 0;
	}
	for (size_t i = 0; i < NTYPES; i++)
		if (type_nums[i].name[0] == t[0] && strncmp(type_nums[i].name, t, n) == 0 &&
		    type_nums[i].name[n] == '\0')
			return type_nums[i].num;
	return 0;
}

static const char *type_name(unsigned num)
{
	for (size_t i = 0; i < NTYPES; i++)
		if (type_nums[i].num == num)
			return type_nums[i].name;
	return NULL;
}

/* User-space messages (1100-1299, 2100-2999) are never joined with others. */
static bool standalone_type(unsigned num)
{
	return (num >= 1100 && num < 1300) || (num >= 2100 && num < 3000);
}

/* ---- values ---- */

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 32;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

long wh_auditd_unhex(const char *s, size_t n, char *out)
{
	if (n == 0 || n % 2)
		return -1;
	for (size_t i = 0; i < n; i += 2) {
		int h = hexval((unsigned char)s[i]), l = hexval((unsigned char)s[i + 1]);
		if (h < 0 || l < 0)
			return -1;
		out[i / 2] = (char)(h << 4 | l);
	}
	return (long)(n / 2);
}

static bool all_hex(const char *s, size_t n)
{
	if (n == 0 || n % 2)
		return false;
	for (size_t i = 0; i < n; i++)
		if (hexval((unsigned char)s[i]) < 0)
			return false;
	return true;
}

int wh_auditd_saddr(const char *hex, size_t n, char *ip, size_t ipsz, unsigned *port)
{
	unsigned char b[128];
	if (n > 2 * sizeof(b))
		n = 2 * sizeof(b);   /* only the start matters for inet and inet6 */
	n &= ~(size_t)1;
	long bl = wh_auditd_unhex(hex, n, (char *)b);
	if (bl < 2)
		return -1;
	/* sa_family is in host byte order: little-endian on x86 and arm64, big on s390x */
	unsigned fam = b[0] | (unsigned)b[1] << 8;
	if (b[0] == 0 && b[1] != 0)
		fam = b[1];
	if (fam == 2) {
		if (bl < 8 || ipsz < INET_ADDRSTRLEN)
			return -1;
		*port = (unsigned)b[2] << 8 | b[3];
		if (!inet_ntop(AF_INET, b + 4, ip, (socklen_t)ipsz))
			return -1;
	} else if (fam == 10) {
		if (bl < 24 || ipsz < INET6_ADDRSTRLEN)
			return -1;
		*port = (unsigned)b[2] << 8 | b[3];
		if (!inet_ntop(AF_INET6, b + 8, ip, (socklen_t)ipsz))
			return -1;
	}
	return (int)fam;
}

int wh_auditd_cmdline_add(struct wh_sbuf *sb, const char *arg, size_t len, bool first)
{
	bool quote = len == 0;
	for (size_t i = 0; i < len && !quote; i++)
		quote = arg[i] == ' ' || arg[i] == '\t' || arg[i] == '\n' || arg[i] == '\r' ||
			arg[i] == '"';
	if (!first && wh_sbuf_addch(sb, ' ') < 0)
		return -1;
	if (!quote)
		return wh_sbuf_add(sb, arg, len);
	if (wh_sbuf_addch(sb, '"') < 0)
		return -1;
	size_t run = 0;
	for (size_t i = 0; i < len; i++) {
		if (arg[i] != '"' && arg[i] != '\\')
			continue;
		if (wh_sbuf_add(sb, arg + run, i - run) < 0 || wh_sbuf_addch(sb, '\\') < 0)
			return -1;
		run = i;
	}
	if (wh_sbuf_add(sb, arg + run, len - run) < 0)
		return -1;
	return wh_sbuf_addch(sb, '"');
}

/* ---- key=value pairs ---- */

struct kv {
	const char *k, *v;
	size_t kl, vl;
	char quote;       /* '"', '\'', '{' or 0 */
	bool enriched;    /* after the \x1d separator: auditd's own translations */
};

struct kvit {
	const char *s;
	size_t n, i;
	bool inner;       /* inside msg='...' */
	bool enriched;
};

/* The separator before the enriched part: the byte 0x1d, or "\u001D" as
 * JSON-escaping collectors and some test files write it. */
static size_t sep_at(const char *s, size_t n, size_t i)
{
	if (i < n && s[i] == 0x1d)
		return 1;
	if (n - i >= 6 && s[i] == '\\' && s[i + 1] == 'u' && memcmp(s + i + 2, "001", 3) == 0 &&
	    (s[i + 5] == 'D' || s[i + 5] == 'd'))
		return 6;
	return 0;
}

static bool key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' ||
	       c == '-' || c == '[' || c == ']' || c == '.';
}

static bool kv_next(struct kvit *it, struct kv *kv)
{
	const char *s = it->s;
	size_t n = it->n, i = it->i;
	while (i < n) {
		size_t sl = sep_at(s, n, i);
		if (sl) {
			it->enriched = true;
			i += sl;
			continue;
		}
		if (s[i] == ' ' || s[i] == '\t') {
			i++;
			continue;
		}
		size_t ks = i;
		if (it->inner && s[i] == '(')
			ks = ++i;
		while (i < n && key_char(s[i]))
			i++;
		if (i < n && i > ks && s[i] == '=') {
			kv->k = s + ks;
			kv->kl = i - ks;
			kv->enriched = it->enriched;
			i++;
			char c = i < n ? s[i] : 0;
			if (c == '"' || c == '\'') {
				const char *q = memchr(s + i + 1, c, n - i - 1);
				kv->quote = c;
				kv->v = s + i + 1;
				kv->vl = q ? (size_t)(q - kv->v) : n - i - 1;
				i = q ? (size_t)(q - s) + 1 : n;
			} else if (c == '{') {
				const char *q = memchr(s + i, '}', n - i);
				kv->quote = '{';
				kv->v = s + i;
				kv->vl = q ? (size_t)(q - kv->v) + 1 : n - i;
				i += kv->vl;
			} else {
				size_t vs = i;
				while (i < n && s[i] != ' ' && s[i] != '\t' && !sep_at(s, n, i))
					i++;
				size_t ve = i;
				if (it->inner)
					while (ve > vs && (s[ve - 1] == ',' || s[ve - 1] == ')'))
						ve--;
				kv->quote = 0;
				kv->v = s + vs;
				kv->vl = ve - vs;
			}
			it->i = i;
			return true;
		}
		/* a bare word ("avc:", "denied", "{", "auditd start,"): not a field */
		if (i == ks)
			i++;
		while (i < n && s[i] != ' ' && s[i] != '\t' && !sep_at(s, n, i))
			i++;
	}
	it->i = n;
	return false;
}

/* Fields whose unquoted value auditd writes as hex (it quotes them otherwise). */
static bool encoded_field(const char *k, size_t kl)
{
	static const char *const names[] = {
		"proctitle", "exe", "comm", "name", "cwd", "path", "key", "acct", "cmd", "ocomm",
		"watch", "dir", "file", "vm", "device", "cgroup", "root_dir", "grp", "new_group", NULL,
	};
	for (int i = 0; names[i]; i++)
		if (strlen(names[i]) == kl && memcmp(names[i], k, kl) == 0)
			return true;
	return false;
}

/* Enriched user and group names (UID="root", GID=<hex> when it holds a space). */
static bool enriched_id(const char *k, size_t kl)
{
	return kl >= 2 && k[kl - 2] == 'I' && k[kl - 1] == 'D';
}

/* ---- the reader ---- */

struct rec {
	uint32_t type, type_len;   /* offsets into the event's text */
	uint32_t body, body_len;
};

enum slot_state { SLOT_FREE, SLOT_OPEN, SLOT_READY, SLOT_OUT };

struct pending {
	enum slot_state state;
	uint64_t serial;
	int64_t time;
	uint64_t offset;           /* of the first record */
	uint32_t node_len;         /* the node name starts the text; 0: none */
	bool has_node;
	bool oversize;             /* records were dropped */
	struct wh_sbuf text;       /* node, then each record's type and body, NUL-terminated */
	struct rec *recs;
	uint32_t nrec, rcap;
};

#define NSLOTS (MAX_OPEN + 1)

struct arg {
	const char *v;
	size_t len;
	bool set;
};

struct auditd_reader {
	struct wh_input *in;
	struct wh_lines lines;
	struct pending slot[NSLOTS];
	int open[MAX_OPEN];        /* open slots, oldest first */
	size_t nopen;
	int ready[NSLOTS];         /* a ring of slots ready to hand out */
	size_t rhead, nready;
	int out;                   /* the slot handed out last, or -1 */
	size_t buffered;
	/* the line being split into records */
	char *line;
	size_t line_len;
	uint64_t line_off;
	struct wh_audit_hdr cur;
	bool have_rec;
	bool done, read_err;
	/* building */
	struct wh_arena arena;
	struct arg *args;
	size_t nargs, acap;
	struct wh_sbuf chunk, tmp;
};

static int auditd_sniff(const unsigned char *b, size_t n)
{
	const char *s = (const char *)b;
	size_t i = 0;
	int lines = 0;
	while (i < n && lines < 32) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - s) : n;
		size_t ls = i;
		while (ls < e && (s[ls] == ' ' || s[ls] == '\t' || s[ls] == '\r'))
			ls++;
		if (ls == e || (e - ls >= 4 && memcmp(s + ls, "----", 4) == 0) ||
		    (e - ls >= 6 && memcmp(s + ls, "time->", 6) == 0)) {
			i = e + 1;
			lines++;
			continue;
		}
		struct wh_audit_hdr h;
		if (!wh_auditd_find_record(s, e, ls, &h))
			return 0;
		if (h.start == ls)
			return 90;
		/* a prefix (syslog, dmesg): not when it looks like JSON or XML,
		 * whose string values may quote an audit record */
		for (size_t k = ls; k < h.start; k++)
			if (s[k] == '"' || s[k] == '{' || s[k] == '<')
				return 0;
		return 60;
	}
	return 0;
}

static void *auditd_open(struct wh_input *in, const struct wh_read_opts *opts)
{
	(void)opts;
	struct auditd_reader *r = wh_xcalloc(1, sizeof(*r));
	r->in = in;
	r->out = -1;
	wh_lines_init(&r->lines, in);
	for (size_t i = 0; i < NSLOTS; i++)
		wh_sbuf_init(&r->slot[i].text, WH_MAX_RECORD);
	wh_arena_init(&r->arena, 64 * 1024, 4u * WH_MAX_RECORD);
	wh_sbuf_init(&r->chunk, WH_MAX_RECORD);
	wh_sbuf_init(&r->tmp, WH_MAX_RECORD);
	return r;
}

static void auditd_close(void *st)
{
	struct auditd_reader *r = st;
	for (size_t i = 0; i < NSLOTS; i++) {
		wh_sbuf_release(&r->slot[i].text);
		free(r->slot[i].recs);
	}
	wh_lines_release(&r->lines);
	wh_arena_release(&r->arena);
	wh_sbuf_release(&r->chunk);
	wh_sbuf_release(&r->tmp);
	free(r->args);
	free(r);
}

static void slot_free(struct auditd_reader *r, int i)
{
	struct pending *p = &r->slot[i];
	r->buffered -= p->text.len;
	/* a huge event's memory goes back, a normal one's is kept for reuse */
	if (p->text.alloc > (1u << 20))
		wh_sbuf_release(&p->text);
	else
		wh_sbuf_reset(&p->text);
	if (p->rcap > 1024) {
		free(p->recs);
		p->recs = NULL;
		p->rcap = 0;
	}
	p->nrec = 0;
	p->state = SLOT_FREE;
}

static void mark_ready(struct auditd_reader *r, size_t open_idx)
{
	int i = r->open[open_idx];
	memmove(&r->open[open_idx], &r->open[open_idx + 1], (r->nopen - open_idx - 1) * sizeof(int));
	r->nopen--;
	r->slot[i].state = SLOT_READY;
	r->ready[(r->rhead + r->nready) % NSLOTS] = i;
	r->nready++;
}

static bool same_node(const struct pending *p, const struct wh_audit_hdr *h)
{
	if (!p->has_node || !h->node)
		return !p->has_node && !h->node;
	return p->node_len == h->node_len && memcmp(p->text.buf, h->node, h->node_len) == 0;
}

/* Events that a record this far away shows to be over. */
static void sweep(struct auditd_reader *r, const struct wh_audit_hdr *h)
{
	for (size_t k = 0; k < r->nopen;) {
		struct pending *p = &r->slot[r->open[k]];
		int64_t dt = p->time - h->time;
		uint64_t ds = p->serial > h->serial ? p->serial - h->serial : h->serial - p->serial;
		if (dt > TIME_WINDOW || dt < -TIME_WINDOW || (same_node(p, h) && ds > SERIAL_WINDOW))
			mark_ready(r, k);
		else
			k++;
	}
}

static uint32_t text_add(struct pending *p, const char *s, size_t n)
{
	uint32_t at = (uint32_t)p->text.len;
	wh_sbuf_add(&p->text, s, n);
	wh_sbuf_addch(&p->text, '\0');
	return at;
}

static void append(struct auditd_reader *r, int i, const char *type, size_t tl, const char *body,
		   size_t bl, uint64_t off)
{
	struct pending *p = &r->slot[i];
	size_t need = tl + bl + 2;
	if (p->oversize)
		return;
	if (p->text.len + need > p->text.max || p->nrec >= MAX_RECS) {
		wh_bad_record(r->in->name, off,
			      "audit event %llu has more than %u records or %u MiB: the rest dropped",
			      (unsigned long long)p->serial, MAX_RECS, WH_MAX_RECORD >> 20);
		p->oversize = true;
		return;
	}
	WH_GROW(p->recs, p->nrec + 1, p->rcap);
	struct rec *rc = &p->recs[p->nrec++];
	size_t before = p->text.len;
	rc->type = text_add(p, type, tl);
	rc->type_len = (uint32_t)tl;
	rc->body = text_add(p, body, bl);
	rc->body_len = (uint32_t)bl;
	r->buffered += p->text.len - before;
	/* over the byte budget: hand out the oldest other events */
	while (r->buffered > MAX_BUFFERED && r->nopen > 1)
		mark_ready(r, r->open[0] == i ? 1 : 0);
}

static void add_record(struct auditd_reader *r, const struct wh_audit_hdr *h, const char *body,
		       size_t bl, uint64_t off)
{
	const char *type = h->type;
	size_t tl = h->type_len;
	unsigned num = type_number(type, tl);
	if (is_digit(type[0]) && type_name(num)) {
		type = type_name(num);
		tl = strlen(type);
	}
	bool eoe = num == 1320;
	for (size_t k = 0; k < r->nopen; k++) {
		struct pending *p = &r->slot[r->open[k]];
		if (p->serial != h->serial || p->time != h->time || !same_node(p, h))
			continue;
		if (eoe)
			mark_ready(r, k);
		else
			append(r, r->open[k], type, tl, body, bl, off);
		return;
	}
	sweep(r, h);
	if (eoe)
		return;   /* the end of an event already handed out: nothing to add */
	if (r->nopen == MAX_OPEN)
		mark_ready(r, 0);
	int i = -1;
	for (int k = 0; k < NSLOTS; k++)
		if (r->slot[k].state == SLOT_FREE) {
			i = k;
			break;
		}
	if (i < 0)
		WH_BUG("auditd: no free slot");
	struct pending *p = &r->slot[i];
	p->state = SLOT_OPEN;
	p->serial = h->serial;
	p->time = h->time;
	p->offset = off;
	p->oversize = false;
	p->has_node = h->node != NULL;
	p->node_len = 0;
	if (h->node) {
		size_t nl = h->node_len > 1024 ? 1024 : h->node_len;
		text_add(p, h->node, nl);
		p->node_len = (uint32_t)nl;
		r->buffered += nl + 1;
	}
	r->open[r->nopen++] = i;
	append(r, i, type, tl, body, bl, off);
	if (standalone_type(num))
		mark_ready(r, r->nopen - 1);
}

/* ---- building the event ---- */

struct path_info {
	const char *name, *nametype;
};

struct info {
	const char *arch, *syscall, *success, *exe, *pid, *ppid, *uid, *cwd, *proctitle;
	const char *a0, *a1, *a2;
	const char *ARCH, *SYSCALL, *UID;
	const char *saddr;
	size_t saddr_len;
	const char *ptitle_raw;    /* decoded proctitle with its NULs */
	size_t ptitle_len;
	struct path_info paths[MAX_PATHS];
	size_t npaths;
	bool execve_rec;
	bool args_truncated;
};

enum rtype { R_OTHER, R_SYSCALL, R_EXECVE, R_CWD, R_PATH, R_SOCKADDR, R_PROCTITLE };

static enum rtype rtype_of(const char *t)
{
	if (strcmp(t, "SYSCALL") == 0)
		return R_SYSCALL;
	if (strcmp(t, "EXECVE") == 0)
		return R_EXECVE;
	if (strcmp(t, "CWD") == 0)
		return R_CWD;
	if (strcmp(t, "PATH") == 0)
		return R_PATH;
	if (strcmp(t, "SOCKADDR") == 0)
		return R_SOCKADDR;
	if (strcmp(t, "PROCTITLE") == 0)
		return R_PROCTITLE;
	return R_OTHER;
}

static bool keyis(const struct kv *kv, const char *lit)
{
	size_t l = strlen(lit);
	return kv->kl == l && memcmp(kv->k, lit, l) == 0;
}

static void add_field(struct wh_event *ev, const char *k, size_t kl, const char *v, size_t vl)
{
	wh_event_add_copy(ev, k, kl, v, vl);
}

static const char *last_value(const struct wh_event *ev)
{
	return ev->nfields && !ev->truncated ? ev->fields[ev->nfields - 1].value : NULL;
}

/* Decode an unquoted hex value into the arena; NULL when it is not hex. */
static char *unhex_dup(struct wh_arena *a, const char *v, size_t vl, size_t *out_len)
{
	if (!all_hex(v, vl))
		return NULL;
	char *d = wh_arena_alloc(a, vl / 2 + 1);
	if (!d)
		return NULL;
	long n = wh_auditd_unhex(v, vl, d);
	d[n] = '\0';
	*out_len = (size_t)n;
	return d;
}

/* "a12" -> 12, "a3[0]" -> 3 with *chunk 0; -1 when the key is no argument. */
static long arg_index(const struct kv *kv, long *chunk)
{
	size_t i = 1;
	long idx = 0;
	*chunk = -1;
	if (kv->kl < 2 || kv->k[0] != 'a' || !is_digit(kv->k[1]))
		return -1;
	while (i < kv->kl && is_digit(kv->k[i])) {
		if (idx > 1000000)
			return -1;
		idx = idx * 10 + (kv->k[i++] - '0');
	}
	if (i == kv->kl)
		return idx;
	if (kv->k[i] != '[')
		return -1;
	long c = 0;
	size_t c0 = ++i;
	while (i < kv->kl && is_digit(kv->k[i])) {
		if (c > 1000000)
			return -1;
		c = c * 10 + (kv->k[i++] - '0');
	}
	if (i == c0 || i + 1 != kv->kl || kv->k[i] != ']')
		return -1;
	*chunk = c;
	return idx;
}

static void set_arg(struct auditd_reader *r, struct info *in, long idx, const char *v, size_t vl)
{
	if (idx >= MAX_ARGS) {
		in->args_truncated = true;
		return;
	}
	if ((size_t)idx >= r->nargs) {
		WH_GROW(r->args, (size_t)idx + 1, r->acap);
		memset(r->args + r->nargs, 0, ((size_t)idx + 1 - r->nargs) * sizeof(*r->args));
		r->nargs = (size_t)idx + 1;
	}
	r->args[idx].v = v;
	r->args[idx].len = vl;
	r->args[idx].set = true;
}

/* An argument too long for one field comes as a1[0], a1[1] ... (each hex):
 * the parts gather in r->chunk and go to the arena once complete. */
static void chunk_flush(struct auditd_reader *r, struct info *in, long *chunk_arg)
{
	if (*chunk_arg < 0)
		return;
	char *whole = wh_arena_strndup(&r->arena, wh_sbuf_str(&r->chunk), r->chunk.len);
	if (whole)
		set_arg(r, in, *chunk_arg, whole, r->chunk.len);
	wh_sbuf_reset(&r->chunk);
	*chunk_arg = -1;
}

static void execve_pair(struct auditd_reader *r, struct info *in, const struct kv *kv,
			long *chunk_arg)
{
	struct wh_arena *a = &r->arena;
	long chunk;
	long idx = arg_index(kv, &chunk);
	if (idx < 0)
		return;
	if (chunk >= 0) {
		if (*chunk_arg != idx) {
			chunk_flush(r, in, chunk_arg);
			*chunk_arg = idx;
		}
		if (all_hex(kv->v, kv->vl)) {
			if (wh_sbuf_grow(&r->chunk, kv->vl / 2) == 0) {
				long n = wh_auditd_unhex(kv->v, kv->vl, r->chunk.buf + r->chunk.len);
				r->chunk.len += (size_t)n;
				r->chunk.buf[r->chunk.len] = '\0';
			}
		} else {
			wh_sbuf_add(&r->chunk, kv->v, kv->vl);
		}
		return;
	}
	size_t dl = kv->vl;
	const char *d = NULL;
	if (!kv->quote)
		d = unhex_dup(a, kv->v, kv->vl, &dl);
	if (!d) {
		d = wh_arena_strndup(a, kv->v, kv->vl);
		dl = kv->vl;
	}
	if (d)
		set_arg(r, in, idx, d, dl);
}

static void note(struct info *in, enum rtype rt, const char *k, size_t kl, const char *v)
{
#define IS(lit) (kl == sizeof(lit) - 1 && memcmp(k, lit, kl) == 0)
#define FIRST(slot) do { if (!in->slot) in->slot = v; } while (0)
	if (!v)
		return;
	if (rt == R_SYSCALL) {
		if (IS("arch")) FIRST(arch);
		else if (IS("syscall")) FIRST(syscall);
		else if (IS("success")) FIRST(success);
		else if (IS("a0")) FIRST(a0);
		else if (IS("a1")) FIRST(a1);
		else if (IS("a2")) FIRST(a2);
		else if (IS("ARCH")) FIRST(ARCH);
		else if (IS("SYSCALL")) FIRST(SYSCALL);
	}
	if (rt == R_CWD && IS("cwd"))
		FIRST(cwd);
	if (IS("exe")) FIRST(exe);
	else if (IS("pid")) FIRST(pid);
	else if (IS("ppid")) FIRST(ppid);
	else if (IS("uid")) FIRST(uid);
	else if (IS("UID")) FIRST(UID);
	if (rt == R_PATH && in->npaths > 0) {
		struct path_info *p = &in->paths[in->npaths - 1];
		if (IS("name") && !p->name)
			p->name = v;
		else if ((IS("nametype") || IS("objtype")) && !p->nametype)
			p->nametype = v;
	}
#undef IS
#undef FIRST
}

static void walk_record(struct auditd_reader *r, struct wh_event *ev, struct info *in,
			enum rtype rt, const char *type, const char *body, size_t bl, long *chunk_arg)
{
	struct wh_arena *a = &r->arena;
	struct kvit it = { body, bl, 0, false, false };
	struct kvit outer = it;
	struct kv kv;
	bool in_msg = false;
	for (;;) {
		if (!kv_next(&it, &kv)) {
			if (!in_msg)
				break;
			/* back from msg='...' to the record */
			in_msg = false;
			it = outer;
			continue;
		}
		if (!in_msg && kv.quote == '\'' && keyis(&kv, "msg")) {
			/* user-space records carry their fields in msg='...' */
			outer = it;
			it = (struct kvit){ kv.v, kv.vl, 0, true, it.enriched };
			in_msg = true;
			continue;
		}
		if (rt == R_EXECVE && !kv.enriched && kv.kl >= 2 && kv.k[0] == 'a' && is_digit(kv.k[1])) {
			long c;
			if (arg_index(&kv, &c) >= 0) {
				execve_pair(r, in, &kv, chunk_arg);
				continue;   /* added, joined, after the last record */
			}
		}
		const char *v = kv.v;
		size_t vl = kv.vl;
		char *dec = NULL;
		if (!kv.quote && ((!kv.enriched && encoded_field(kv.k, kv.kl)) ||
				  (kv.enriched && enriched_id(kv.k, kv.kl)) ||
				  (!kv.enriched && keyis(&kv, "data") &&
				   (strcmp(type, "TTY") == 0 || strcmp(type, "USER_TTY") == 0))))
			dec = unhex_dup(a, kv.v, kv.vl, &vl);
		if (dec) {
			v = dec;
			if (keyis(&kv, "proctitle")) {
				in->ptitle_raw = dec;
				in->ptitle_len = vl;
				char *pt = wh_arena_strndup(a, dec, vl);
				if (pt) {
					while (vl && pt[vl - 1] == '\0')
						vl--;
					for (size_t i = 0; i < vl; i++)
						if (pt[i] == '\0')
							pt[i] = ' ';
					pt[vl] = '\0';
					v = pt;
				}
			} else if (keyis(&kv, "key") && memchr(dec, 0x01, vl)) {
				/* several rule keys, separated by \x01 */
				size_t s0 = 0;
				for (size_t i = 0; i <= vl; i++)
					if (i == vl || dec[i] == 0x01) {
						add_field(ev, kv.k, kv.kl, dec + s0, i - s0);
						s0 = i + 1;
					}
				continue;
			} else {
				/* a NUL cannot live in a C string value: show it as a space */
				for (size_t i = 0; i < vl; i++)
					if (dec[i] == '\0')
						dec[i] = ' ';
			}
		} else if (rt == R_PROCTITLE && keyis(&kv, "proctitle")) {
			in->ptitle_raw = kv.v;   /* written as text: no NULs to split at */
			in->ptitle_len = kv.vl;
		}
		if (rt == R_SOCKADDR && keyis(&kv, "saddr") && !in->saddr) {
			in->saddr = kv.v;
			in->saddr_len = kv.vl;
		}
		add_field(ev, kv.k, kv.kl, v, vl);
		note(in, rt, kv.k, kv.kl, last_value(ev));
	}
}

/* A value auditd writes as bare hex (arch=c000003e, a1=941). */
static bool hexarg(const char *v, uint64_t *out)
{
	char buf[24];
	size_t l = v ? strlen(v) : 0;
	if (!l || l > 16)
		return false;
	buf[0] = '0';
	buf[1] = 'x';
	memcpy(buf + 2, v, l);
	return wh_parse_u64(buf, l + 2, out);
}

static enum wh_audit_arch arch_of(const char *hex, const char **name)
{
	uint64_t v;
	*name = NULL;
	if (!hexarg(hex, &v))
		return WH_AUDIT_ARCH_UNKNOWN;
	switch (v) {
	case 0xc000003e: *name = "x86_64"; return WH_AUDIT_ARCH_X86_64;
	case 0x40000003: *name = "i386"; return WH_AUDIT_ARCH_I386;
	case 0xc00000b7: *name = "aarch64"; return WH_AUDIT_ARCH_AARCH64;
	case 0x40000028: *name = "armeb"; break;
	case 0x80000015: *name = "ppc64"; break;
	case 0xc0000015: *name = "ppc64le"; break;
	case 0x80000016: *name = "s390x"; break;
	case 0xc00000f3: *name = "riscv64"; break;
	default: break;
	}
	return WH_AUDIT_ARCH_UNKNOWN;
}

static void add_lit(struct wh_event *ev, const char *name, const char *v)
{
	if (v)
		wh_event_add_copy(ev, name, strlen(name), v, strlen(v));
}

/* A path as Sysmon would print it: absolute, from cwd when relative. */
static void add_target(struct auditd_reader *r, struct wh_event *ev, const char *name,
		       const char *cwd)
{
	if (name[0] == '/' || !cwd || !*cwd) {
		add_lit(ev, "TargetFilename", name);
		return;
	}
	wh_sbuf_reset(&r->tmp);
	if (name[0] == '.' && name[1] == '/')
		name += 2;
	wh_sbuf_addstr(&r->tmp, cwd);
	if (r->tmp.len == 0 || r->tmp.buf[r->tmp.len - 1] != '/')
		wh_sbuf_addch(&r->tmp, '/');
	wh_sbuf_addstr(&r->tmp, name);
	add_lit(ev, "TargetFilename", wh_sbuf_str(&r->tmp));
}

static void derive(struct auditd_reader *r, struct wh_event *ev, struct info *in)
{
	const char *archname;
	enum wh_audit_arch arch = arch_of(in->arch, &archname);
	const char *sysname = in->SYSCALL;
	uint64_t nr;
	if (!sysname && in->syscall && wh_parse_u64(in->syscall, strlen(in->syscall), &nr))
		sysname = wh_auditd_syscall_name(arch, nr);
	if (!in->ARCH && archname)
		add_lit(ev, "ARCH", archname);
	if (!in->SYSCALL && sysname)
		add_lit(ev, "SYSCALL", sysname);

	add_lit(ev, "Image", in->exe);
	/* CommandLine: the new program's arguments, else the process title */
	wh_sbuf_reset(&r->tmp);
	bool have_cl = false;
	if (r->nargs) {
		for (size_t i = 0; i < r->nargs; i++)
			wh_auditd_cmdline_add(&r->tmp, r->args[i].set ? r->args[i].v : "",
					      r->args[i].len, i == 0);
		have_cl = true;
	} else if (in->ptitle_raw) {
		size_t s0 = 0, len = in->ptitle_len;
		while (len && in->ptitle_raw[len - 1] == '\0')
			len--;
		for (size_t i = 0; i <= len; i++)
			if (i == len || in->ptitle_raw[i] == '\0') {
				wh_auditd_cmdline_add(&r->tmp, in->ptitle_raw + s0, i - s0, s0 == 0);
				s0 = i + 1;
			}
		have_cl = true;
	}
	if (have_cl && !r->tmp.overflow)
		wh_event_add_copy(ev, "CommandLine", 11, wh_sbuf_str(&r->tmp), r->tmp.len);
	add_lit(ev, "ProcessId", in->pid);
	add_lit(ev, "ParentProcessId", in->ppid);
	add_lit(ev, "User", in->UID ? in->UID : in->uid);
	add_lit(ev, "CurrentDirectory", in->cwd);

	bool failed = in->success && strcmp(in->success, "no") == 0;
	bool is_exec = sysname ? strcmp(sysname, "execve") == 0 || strcmp(sysname, "execveat") == 0
			       : in->execve_rec;
	if (is_exec && !failed) {
		ev->kind = WH_EV_PROCESS_START;
		return;
	}
	uint64_t a0;
	bool is_connect = sysname && (strcmp(sysname, "connect") == 0 ||
				      (strcmp(sysname, "socketcall") == 0 && hexarg(in->a0, &a0) &&
				       a0 == 3 /* SYS_CONNECT */));
	if (is_connect && in->saddr) {
		char ip[INET6_ADDRSTRLEN];
		unsigned port;
		int fam = wh_auditd_saddr(in->saddr, in->saddr_len, ip, sizeof(ip), &port);
		if (fam == 2 || fam == 10) {
			char pbuf[8];
			snprintf(pbuf, sizeof(pbuf), "%u", port);
			add_lit(ev, "DestinationIp", ip);
			add_lit(ev, "DestinationPort", pbuf);
			add_lit(ev, "DestinationIsIpv6", fam == 10 ? "true" : "false");
			add_lit(ev, "Initiated", "true");
			ev->kind = WH_EV_NET_CONNECT;
			return;
		}
	}
	if (failed)
		return;
	/* file creation: O_CREAT (0100 on x86 and arm alike), creat, or a
	 * path the kernel says was created (not a directory) */
	bool creates = false;
	uint64_t flags;
	if (sysname) {
		if (strcmp(sysname, "creat") == 0)
			creates = true;
		else if (strcmp(sysname, "open") == 0 && hexarg(in->a1, &flags))
			creates = flags & 0100;
		else if (strcmp(sysname, "openat") == 0 && hexarg(in->a2, &flags))
			creates = flags & 0100;
	}
	bool dir = sysname && (strcmp(sysname, "mkdir") == 0 || strcmp(sysname, "mkdirat") == 0);
	const char *target = NULL, *last = NULL;
	for (size_t i = 0; i < in->npaths; i++) {
		const struct path_info *p = &in->paths[i];
		if (!p->name)
			continue;
		if (p->nametype && strcmp(p->nametype, "CREATE") == 0 && !dir) {
			creates = true;
			if (!target)
				target = p->name;
		}
		if (!p->nametype || strcmp(p->nametype, "PARENT") != 0)
			last = p->name;
	}
	if (!target)
		target = last;
	if (creates && target) {
		add_target(r, ev, target, in->cwd);
		ev->kind = WH_EV_FILE_CREATE;
	}
}

static void build(struct auditd_reader *r, int i, struct wh_event *ev)
{
	struct pending *p = &r->slot[i];
	struct info in;
	memset(&in, 0, sizeof(in));
	wh_arena_reset(&r->arena);
	ev->arena = &r->arena;
	ev->time = p->time;
	ev->record = p->serial;
	ev->offset = p->offset;
	ev->host = p->has_node ? p->text.buf : "";
	if (p->has_node)
		add_field(ev, "node", 4, p->text.buf, p->node_len);
	r->nargs = 0;
	long chunk_arg = -1;
	for (uint32_t k = 0; k < p->nrec; k++) {
		const struct rec *rc = &p->recs[k];
		const char *type = p->text.buf + rc->type;
		enum rtype rt = rtype_of(type);
		add_field(ev, "type", 4, type, rc->type_len);
		if (rt == R_EXECVE)
			in.execve_rec = true;
		if (rt == R_PATH && in.npaths < MAX_PATHS)
			in.paths[in.npaths++] = (struct path_info){ NULL, NULL };
		walk_record(r, ev, &in, rt, type, p->text.buf + rc->body, rc->body_len, &chunk_arg);
	}
	chunk_flush(r, &in, &chunk_arg);
	/* EXECVE arguments, joined from their parts, in order */
	for (size_t k = 0; k < r->nargs; k++) {
		if (!r->args[k].set)
			continue;
		char name[16];
		int nl = snprintf(name, sizeof(name), "a%zu", k);
		add_field(ev, name, (size_t)nl, r->args[k].v, r->args[k].len);
	}
	derive(r, ev, &in);
	if (ev->truncated || in.args_truncated)
		wh_bad_record(r->in->name, ev->offset, "audit event %llu: too many fields, the rest dropped",
			      (unsigned long long)p->serial);
}

/* Lines that carry no record and are no error: ausearch's separators. */
static bool skip_line(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i == n || (n - i >= 4 && memcmp(s + i, "----", 4) == 0) ||
	       (n - i >= 6 && memcmp(s + i, "time->", 6) == 0);
}

/* Add the current record of the line; move to the next one. */
static void line_step(struct auditd_reader *r)
{
	struct wh_audit_hdr next;
	const struct wh_audit_hdr *h = &r->cur;
	bool more = wh_auditd_find_record(r->line, r->line_len, h->body, &next);
	size_t end = more ? next.start : r->line_len;
	size_t b = h->body;
	while (b < end && (r->line[b] == ' ' || r->line[b] == '\t'))
		b++;
	while (end > b && (r->line[end - 1] == ' ' || r->line[end - 1] == '\t'))
		end--;
	add_record(r, h, r->line + b, end - b, r->line_off + h->start);
	if (more) {
		/* collectors that join an event's records on one line write
		 * node= once, before the first */
		if (!next.node && h->node) {
			next.node = h->node;
			next.node_len = h->node_len;
		}
		r->cur = next;
	}
	r->have_rec = more;
}

static int auditd_next(void *st, struct wh_event *ev)
{
	struct auditd_reader *r = st;
	if (r->out >= 0) {
		slot_free(r, r->out);
		r->out = -1;
	}
	for (;;) {
		if (r->nready) {
			int i = r->ready[r->rhead];
			r->rhead = (r->rhead + 1) % NSLOTS;
			r->nready--;
			r->slot[i].state = SLOT_OUT;
			r->out = i;
			build(r, i, ev);
			return 1;
		}
		if (r->have_rec) {
			line_step(r);
			continue;
		}
		if (r->done) {
			if (r->nopen) {
				while (r->nopen)
					mark_ready(r, 0);
				continue;
			}
			return r->read_err ? -1 : 0;
		}
		char *line;
		size_t len;
		uint64_t off;
		int rc = wh_lines_next(&r->lines, &line, &len, &off);
		if (rc <= 0) {
			r->done = true;
			r->read_err = rc < 0;
			continue;
		}
		if (skip_line(line, len))
			continue;
		if (!wh_auditd_find_record(line, len, 0, &r->cur)) {
			wh_bad_record(r->in->name, off, "not an audit record");
			continue;
		}
		r->line = line;
		r->line_len = len;
		r->line_off = off;
		r->have_rec = true;
	}
}

const struct wh_reader wh_reader_auditd = {
	.name = "auditd",
	.sniff = auditd_sniff,
	.open = auditd_open,
	.next = auditd_next,
	.close = auditd_close,
};
