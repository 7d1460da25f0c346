/*
 * auditd.h: the pure pieces of the auditd reader (read/auditd.c), exposed
 * so that unit tests and fuzzers can drive them without an input.
 *
 * The reader itself is wh_reader_auditd: it joins the records of one audit
 * event (same msg=audit(TIME:SERIAL) and node) into one struct wh_event and
 * maps them to Sysmon names; docs/auditd-mapping.md is the contract.
 */
#ifndef WH_AUDITD_H
#define WH_AUDITD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "read/reader.h"
#include "util/sbuf.h"

extern const struct wh_reader wh_reader_auditd;

/* The header of one record: [node=N ]type=T msg=audit(SECS.FRAC:SERIAL): */
struct wh_audit_hdr {
	const char *node;     /* NULL when absent */
	size_t node_len;
	const char *type;     /* as written: "SYSCALL", or "1300" in kernel log lines */
	size_t type_len;
	int64_t time;         /* ns since the epoch */
	uint64_t serial;
	size_t start;         /* where the record starts (node= or type=) */
	size_t body;          /* where its body starts, after the "):" */
};

/*
 * Find the first record header in s[from..n). Text before it (a syslog or
 * dmesg prefix, or the previous record's body) is not looked at. Returns
 * true and fills h, or false when there is none.
 */
bool wh_auditd_find_record(const char *s, size_t n, size_t from, struct wh_audit_hdr *h);

/*
 * Decode hex text (as auditd writes values with spaces, quotes or control
 * characters in them) into out, which holds n / 2 bytes. Returns the decoded
 * length, or -1 when s is not an even number of hex digits.
 */
long wh_auditd_unhex(const char *s, size_t n, char *out);

/*
 * Decode a SOCKADDR saddr= value (hex of a struct sockaddr). For AF_INET and
 * AF_INET6 writes the address as text to ip (at least 46 bytes) and the port
 * to *port. Returns the address family (2 inet, 10 inet6, 1 local ...), or
 * -1 when the value is not hex or too short for its family.
 */
int wh_auditd_saddr(const char *hex, size_t n, char *ip, size_t ipsz, unsigned *port);

/*
 * Append argv as one command line: arguments separated by a space; an
 * argument that is empty or holds whitespace or a double quote is put in
 * double quotes, with " and \ inside escaped by a backslash.
 * Returns 0, or -1 when sb's cap is reached.
 */
int wh_auditd_cmdline_add(struct wh_sbuf *sb, const char *arg, size_t len, bool first);

#endif
