/* Unit tests for the auditd reader: joining records, decoding, mapping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "memread.h"
#include "read/auditd.h"
#include "util/sbuf.h"
#include "util/wtime.h"

#define RD (&wh_reader_auditd)

/* An execve of `cat "/tmp/a b"` as the kernel logs it on x86_64. */
static const char EXECVE_EVENT[] =
	"type=SYSCALL msg=audit(1604996384.965:100): arch=c000003e syscall=59 success=yes exit=0 "
	"a0=55 a1=56 a2=57 a3=0 items=2 ppid=29002 pid=2168 auid=1000 uid=1000 gid=1000 euid=1000 "
	"tty=pts0 ses=104 comm=\"cat\" exe=\"/usr/bin/cat\" key=(null)\n"
	"type=EXECVE msg=audit(1604996384.965:100): argc=2 a0=\"cat\" a1=2F746D702F612062\n"
	"type=CWD msg=audit(1604996384.965:100): cwd=\"/home/al\"\n"
	"type=PATH msg=audit(1604996384.965:100): item=0 name=\"/usr/bin/cat\" inode=20 nametype=NORMAL\n"
	"type=PATH msg=audit(1604996384.965:100): item=1 name=\"/lib64/ld-linux-x86-64.so.2\" "
	"nametype=NORMAL\n"
	"type=PROCTITLE msg=audit(1604996384.965:100): proctitle=636174002F746D702F612062\n"
	"type=EOE msg=audit(1604996384.965:100): \n";

static void execve_maps_to_process_start(void **state)
{
	(void)state;
	struct got g;
	read_str(RD, EXECVE_EVENT, 0, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.bad, 0);
	const struct got_event *e = &g.ev[0];
	assert_int_equal(e->kind, WH_EV_PROCESS_START);
	assert_int_equal(e->record, 100);
	assert_int_equal(e->offset, 0);
	assert_true(e->time == 1604996384LL * WH_NS_PER_SEC + 965000000LL);
	assert_string_equal(e->host, "");
	assert_int_equal(e->event_id, -1);
	/* every record is there, EOE adds nothing */
	assert_int_equal(got_count(e, "type"), 6);
	assert_string_equal(got_nth(e, "type", 1), "EXECVE");
	assert_string_equal(got_field(e, "Image"), "/usr/bin/cat");
	assert_string_equal(got_field(e, "CommandLine"), "cat \"/tmp/a b\"");
	assert_string_equal(got_field(e, "ProcessId"), "2168");
	assert_string_equal(got_field(e, "ParentProcessId"), "29002");
	assert_string_equal(got_field(e, "User"), "1000");
	assert_string_equal(got_field(e, "CurrentDirectory"), "/home/al");
	assert_string_equal(got_field(e, "SYSCALL"), "execve");
	assert_string_equal(got_field(e, "ARCH"), "x86_64");
	assert_string_equal(got_field(e, "proctitle"), "cat /tmp/a b");
	assert_string_equal(got_field(e, "comm"), "cat");
	assert_string_equal(got_field(e, "key"), "(null)");
	/* SYSCALL's registers and EXECVE's arguments both keep the name a1 */
	assert_string_equal(got_nth(e, "a1", 0), "56");
	assert_string_equal(got_nth(e, "a1", 1), "/tmp/a b");
	assert_string_equal(got_nth(e, "name", 1), "/lib64/ld-linux-x86-64.so.2");
	assert_null(got_field(e, "msg"));
	got_free(&g);
}

static void records_cut_by_reads_and_crlf(void **state)
{
	(void)state;
	/* the same event read 3 bytes at a time, with CRLF line ends */
	struct wh_sbuf sb = WH_SBUF_INIT(1 << 20);
	for (const char *p = EXECVE_EVENT; *p; p++) {
		if (*p == '\n')
			wh_sbuf_addch(&sb, '\r');
		wh_sbuf_addch(&sb, *p);
	}
	struct got g;
	read_mem(RD, sb.buf, sb.len, 3, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(got_field(&g.ev[0], "CommandLine"), "cat \"/tmp/a b\"");
	assert_string_equal(got_nth(&g.ev[0], "type", 5), "PROCTITLE");
	got_free(&g);
	wh_sbuf_release(&sb);
}

static void interleaved_events_are_joined_by_serial(void **state)
{
	(void)state;
	const char *log =
		"type=SYSCALL msg=audit(100.001:7): arch=c000003e syscall=42 success=no exit=-115 "
		"a0=3 pid=10 ppid=1 uid=0 exe=\"/usr/bin/curl\"\n"
		"type=SYSCALL msg=audit(100.002:8): arch=c000003e syscall=2 success=yes exit=3 "
		"a0=1 a1=241 pid=11 ppid=1 uid=0 exe=\"/usr/bin/touch\"\n"
		"type=CWD msg=audit(100.002:8): cwd=\"/srv\"\n"
		"type=SOCKADDR msg=audit(100.001:7): saddr=02000050C0A80101000000000000000000\n"
		"type=PATH msg=audit(100.002:8): item=0 name=\"./new.txt\" nametype=CREATE\n"
		"type=EOE msg=audit(100.002:8): \n"
		"type=EOE msg=audit(100.001:7): \n";
	struct got g;
	read_str(RD, log, 0, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.bad, 0);
	/* 8 ended first */
	assert_int_equal(g.ev[0].record, 8);
	assert_int_equal(g.ev[0].kind, WH_EV_FILE_CREATE);
	assert_string_equal(got_field(&g.ev[0], "TargetFilename"), "/srv/new.txt");
	assert_string_equal(got_field(&g.ev[0], "name"), "./new.txt");
	assert_int_equal(got_count(&g.ev[0], "type"), 3);
	assert_int_equal(g.ev[1].record, 7);
	/* a connect that is still in progress is still a connection attempt */
	assert_int_equal(g.ev[1].kind, WH_EV_NET_CONNECT);
	assert_string_equal(got_field(&g.ev[1], "DestinationIp"), "192.168.1.1");
	assert_string_equal(got_field(&g.ev[1], "DestinationPort"), "80");
	assert_string_equal(got_field(&g.ev[1], "DestinationIsIpv6"), "false");
	assert_string_equal(got_field(&g.ev[1], "Image"), "/usr/bin/curl");
	assert_int_equal(got_count(&g.ev[1], "type"), 2);
	got_free(&g);
}

static void events_without_eoe_end_by_window_or_input_end(void **state)
{
	(void)state;
	const char *log =
		"type=SYSCALL msg=audit(200.000:10): arch=c000003e syscall=87 success=yes pid=1\n"
		"type=USER_LOGIN msg=audit(200.000:11): pid=5 uid=0 auid=1000 ses=3 "
		"msg='op=login id=1000 exe=\"/usr/sbin/sshd\" hostname=10.1.1.1 addr=10.1.1.1 "
		"terminal=ssh res=success'\n"
		"type=PATH msg=audit(200.000:10): item=0 name=\"/tmp/x\" nametype=DELETE\n"
		"type=SYSCALL msg=audit(200.100:200): arch=c000003e syscall=87 success=yes pid=2\n"
		"type=SYSCALL msg=audit(200.200:201): arch=c000003e syscall=87 success=yes pid=3\n";
	struct got g;
	read_str(RD, log, 0, &g);
	assert_int_equal(g.n, 4);
	/* a user-space message is an event of its own, at once */
	assert_int_equal(g.ev[0].record, 11);
	assert_string_equal(got_field(&g.ev[0], "type"), "USER_LOGIN");
	assert_string_equal(got_field(&g.ev[0], "op"), "login");
	assert_string_equal(got_field(&g.ev[0], "exe"), "/usr/sbin/sshd");
	assert_string_equal(got_field(&g.ev[0], "res"), "success");
	assert_string_equal(got_field(&g.ev[0], "terminal"), "ssh");
	assert_string_equal(got_field(&g.ev[0], "Image"), "/usr/sbin/sshd");
	/* serial 200 is far from 10: 10 is over, with its late PATH record */
	assert_int_equal(g.ev[1].record, 10);
	assert_int_equal(got_count(&g.ev[1], "type"), 2);
	assert_int_equal(g.ev[1].kind, WH_EV_OTHER);
	assert_string_equal(got_field(&g.ev[1], "SYSCALL"), "unlink");
	/* the rest at the end of the input, in order */
	assert_int_equal(g.ev[2].record, 200);
	assert_int_equal(g.ev[3].record, 201);
	got_free(&g);
}

/* nodes events of nodes machines at the same moment, SYSCALL records
 * first and CWD records after: none can close by window */
static void read_nodes(int nodes, struct got *g)
{
	struct wh_sbuf sb = WH_SBUF_INIT(1 << 20);
	for (int i = 0; i < nodes; i++)
		wh_sbuf_addf(&sb, "node=n%d type=SYSCALL msg=audit(300.000:5): syscall=1 pid=%d\n", i, i);
	for (int i = 0; i < nodes; i++)
		wh_sbuf_addf(&sb, "node=n%d type=CWD msg=audit(300.000:5): cwd=\"/\"\n", i);
	read_mem(RD, sb.buf, sb.len, 0, g);
	wh_sbuf_release(&sb);
}

static void open_table_is_bounded_and_loses_nothing(void **state)
{
	(void)state;
	struct got g;
	/* within the table: every event gets both its records */
	read_nodes(200, &g);
	assert_int_equal(g.n, 200);
	for (size_t i = 0; i < g.n; i++) {
		assert_int_equal(got_count(&g.ev[i], "type"), 2);
		assert_string_equal(got_field(&g.ev[i], "node"), g.ev[i].host);
	}
	got_free(&g);
	/* beyond it: the oldest leave early, and no record is lost */
	read_nodes(600, &g);
	unsigned records = 0;
	for (size_t i = 0; i < g.n; i++) {
		records += got_count(&g.ev[i], "type");
		assert_string_equal(got_field(&g.ev[i], "node"), g.ev[i].host);
	}
	assert_int_equal(records, 1200);
	assert_true(g.n > 600);
	assert_int_equal(g.bad, 0);
	assert_string_equal(g.ev[0].host, "n0");
	got_free(&g);
}

static void enriched_format(void **state)
{
	(void)state;
	/* real enriched logs use the byte 0x1d; collectors may write \u001D */
	const char *log =
		"type=SYSCALL msg=audit(1624476656.044:9687): arch=c000003e syscall=59 success=yes "
		"exit=0 ppid=3177 pid=4646 auid=1198400500 uid=1198400500 comm=\"ps\" exe=\"/usr/bin/ps\" "
		"key=\"recon\"\x1d" "ARCH=x86_64 SYSCALL=execve AUID=\"administrator\" UID=\"root\" "
		"GID=646F6D61696E207573657273\n"
		"type=PATH msg=audit(1624476656.044:9687): item=0 name=\"/usr/bin/ps\" objtype=NORMAL "
		"cap_fver=0\\u001DOUID=\"root\" OGID=\"root\"\n"
		"type=EXECVE msg=audit(1624476656.044:9687): argc=2 a0=\"ps\" a1=\"ax\"\n";
	struct got g;
	read_str(RD, log, 0, &g);
	assert_int_equal(g.n, 1);
	const struct got_event *e = &g.ev[0];
	assert_int_equal(e->kind, WH_EV_PROCESS_START);
	assert_string_equal(got_field(e, "key"), "recon");
	assert_string_equal(got_field(e, "User"), "root");
	assert_string_equal(got_field(e, "uid"), "1198400500");
	assert_string_equal(got_field(e, "AUID"), "administrator");
	assert_string_equal(got_field(e, "GID"), "domain users");
	assert_string_equal(got_field(e, "cap_fver"), "0");
	assert_string_equal(got_field(e, "OUID"), "root");
	/* given by the log: not added a second time */
	assert_int_equal(got_count(e, "SYSCALL"), 1);
	assert_int_equal(got_count(e, "ARCH"), 1);
	assert_string_equal(got_field(e, "CommandLine"), "ps ax");
	got_free(&g);
}

static void several_records_on_one_line(void **state)
{
	(void)state;
	/* as Wazuh's tests and some collectors write them; node= once */
	const char *log =
		"node=web1 type=SYSCALL msg=audit(1479982525.380:50): arch=c000003e syscall=2 "
		"success=yes exit=3 a0=7ffedc40d83b a1=941 a2=1b6 pid=3333 ppid=432 uid=0 "
		"comm=\"touch\" exe=\"/bin/touch\" key=\"audit-wazuh-w\" type=CWD "
		"msg=audit(1479982525.380:50):  cwd=\"/var/log/audit\" type=PATH "
		"msg=audit(1479982525.380:50): item=0 name=\"/var/log/audit/d/\" nametype=PARENT "
		"type=PATH msg=audit(1479982525.380:50): item=1 name=\"/var/log/audit/d/m.py\" "
		"nametype=CREATE type=PROCTITLE msg=audit(1479982525.380:50): "
		"proctitle=746F756368002F7661722F6C6F672F61756469742F642F6D2E7079\n";
	struct got g;
	read_str(RD, log, 0, &g);
	assert_int_equal(g.n, 1);
	const struct got_event *e = &g.ev[0];
	assert_string_equal(e->host, "web1");
	assert_int_equal(got_count(e, "type"), 5);
	assert_int_equal(e->kind, WH_EV_FILE_CREATE);
	assert_string_equal(got_field(e, "TargetFilename"), "/var/log/audit/d/m.py");
	assert_string_equal(got_field(e, "CommandLine"), "touch /var/log/audit/d/m.py");
	assert_string_equal(got_field(e, "cwd"), "/var/log/audit");
	got_free(&g);
}

static void kernel_log_lines_and_other_arches(void **state)
{
	(void)state;
	const char *log =
		"[   12.345] audit: type=1300 audit(1700000000.000:5): arch=c00000b7 syscall=221 "
		"success=yes exit=0 pid=9 ppid=1 uid=0 exe=\"/usr/bin/id\"\n"
		"[   12.345] audit: type=1320 audit(1700000000.000:5):\n"
		"Nov 14 22:13:20 box audispd: node=box type=SYSCALL msg=audit(1700000000.100:6): "
		"arch=40000003 syscall=102 success=yes exit=0 a0=3 a1=bfff pid=10 uid=0 "
		"exe=\"/bin/nc\"\n"
		"Nov 14 22:13:20 box audispd: node=box type=SOCKADDR msg=audit(1700000000.100:6): "
		"saddr=0A001F9000000000FE800000000000000000000000000001000000000000\n"
		"Nov 14 22:13:20 box audispd: node=box type=EOE msg=audit(1700000000.100:6):\n";
	struct got g;
	read_str(RD, log, 0, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.bad, 0);
	assert_string_equal(got_field(&g.ev[0], "type"), "SYSCALL");
	assert_string_equal(got_field(&g.ev[0], "SYSCALL"), "execve");
	assert_string_equal(got_field(&g.ev[0], "ARCH"), "aarch64");
	assert_int_equal(g.ev[0].kind, WH_EV_PROCESS_START);
	assert_string_equal(g.ev[1].host, "box");
	assert_string_equal(got_field(&g.ev[1], "SYSCALL"), "socketcall");
	assert_int_equal(g.ev[1].kind, WH_EV_NET_CONNECT);
	assert_string_equal(got_field(&g.ev[1], "DestinationIp"), "fe80::1");
	assert_string_equal(got_field(&g.ev[1], "DestinationPort"), "8080");
	assert_string_equal(got_field(&g.ev[1], "DestinationIsIpv6"), "true");
	got_free(&g);
}

static void long_arguments_keys_and_proctitle(void **state)
{
	(void)state;
	const char *log =
		"type=SYSCALL msg=audit(10.5:1): arch=c000003e syscall=59 success=yes pid=1 "
		"key=6B31016B32\n"
		"type=EXECVE msg=audit(10.5:1): argc=3 a0=\"sh\" a1_len=10 a1[0]=2D632022 "
		"a1[1]=6869220A\n"
		"type=EXECVE msg=audit(10.5:1): a1[2]=7878 a2=\"\"\n"
		"type=EOE msg=audit(10.5:1):\n"
		"type=SYSCALL msg=audit(11.5:2): arch=c000003e syscall=0 success=yes pid=2\n"
		"type=PROCTITLE msg=audit(11.5:2): proctitle=707974686F6E33002D6300\n";
	struct got g;
	read_str(RD, log, 0, &g);
	assert_int_equal(g.n, 2);
	const struct got_event *e = &g.ev[0];
	/* two rule keys joined by \x01 */
	assert_int_equal(got_count(e, "key"), 2);
	assert_string_equal(got_nth(e, "key", 1), "k2");
	/* a1 in three parts over two records */
	assert_string_equal(got_nth(e, "a1", 0), "-c \"hi\"\nxx");
	assert_string_equal(got_field(e, "a1_len"), "10");
	assert_null(got_field(e, "a1[0]"));
	assert_string_equal(got_field(e, "CommandLine"), "sh \"-c \\\"hi\\\"\nxx\" \"\"");
	/* no EXECVE: the process title, NULs as separators */
	assert_int_equal(g.ev[1].kind, WH_EV_OTHER);
	assert_string_equal(got_field(&g.ev[1], "proctitle"), "python3 -c");
	assert_string_equal(got_field(&g.ev[1], "CommandLine"), "python3 -c");
	assert_string_equal(got_field(&g.ev[1], "SYSCALL"), "read");
	got_free(&g);
}

static void failed_exec_and_mkdir_are_no_start_or_create(void **state)
{
	(void)state;
	const char *log =
		"type=SYSCALL msg=audit(20.0:1): arch=c000003e syscall=59 success=no exit=-2 pid=1 "
		"exe=\"/bin/bash\"\n"
		"type=EOE msg=audit(20.0:1):\n"
		"type=SYSCALL msg=audit(20.0:2): arch=c000003e syscall=83 success=yes pid=1\n"
		"type=PATH msg=audit(20.0:2): item=1 name=\"/tmp/dir\" nametype=CREATE\n"
		"type=EOE msg=audit(20.0:2):\n"
		"type=SYSCALL msg=audit(20.0:3): arch=c000003e syscall=257 success=yes a0=ffffff9c "
		"a1=1 a2=0 pid=1\n"
		"type=PATH msg=audit(20.0:3): item=0 name=\"/etc/passwd\" nametype=NORMAL\n"
		"type=EOE msg=audit(20.0:3):\n";
	struct got g;
	read_str(RD, log, 0, &g);
	assert_int_equal(g.n, 3);
	for (size_t i = 0; i < g.n; i++)
		assert_int_equal(g.ev[i].kind, WH_EV_OTHER);
	assert_string_equal(got_field(&g.ev[1], "SYSCALL"), "mkdir");
	assert_null(got_field(&g.ev[2], "TargetFilename"));
	got_free(&g);
}

static void bad_lines_are_counted_and_skipped(void **state)
{
	(void)state;
	const char *log =
		"----\n"
		"time->Tue Nov 10 08:19:44 2020\n"
		"this is not an audit record\n"
		"type=SYSCALL msg=audit(notatime:1): x=1\n"
		"\n"
		"type=SYSCALL msg=audit(30.0:1): arch=c000003e syscall=59 success=yes comm=\"a b\n"
		"\x01\x02\xff binary\n"
		"type=EOE msg=audit(30.0:1):";
	struct got g;
	read_str(RD, log, 0, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.rc, 0);
	assert_int_equal(g.bad, 3);
	/* an unclosed quote runs to the end of the record */
	assert_string_equal(got_field(&g.ev[0], "comm"), "a b");
	got_free(&g);
}

static void sniff_scores(void **state)
{
	(void)state;
	const char *raw = "type=DAEMON_START msg=audit(1450875964.131:8728): auditd start, ver=2.4\n";
	const char *sys = "Nov 10 08:19:41 h audispd: node=h type=EOE msg=audit(1.2:3): \n";
	const char *json = "{\"message\": \"type=SYSCALL msg=audit(1.2:3): arch=c000003e\"}\n";
	const char *text = "hello\ntype=SYSCALL msg=audit(1.2:3):\n";
	assert_int_equal(RD->sniff((const unsigned char *)raw, strlen(raw)), 90);
	assert_int_equal(RD->sniff((const unsigned char *)sys, strlen(sys)), 60);
	assert_int_equal(RD->sniff((const unsigned char *)json, strlen(json)), 0);
	assert_int_equal(RD->sniff((const unsigned char *)text, strlen(text)), 0);
	assert_int_equal(RD->sniff((const unsigned char *)"", 0), 0);
	/* and the registry prefers it to JSON for a real log */
	assert_ptr_equal(wh_reader_sniff((const unsigned char *)raw, strlen(raw)), RD);
}

static void helpers(void **state)
{
	(void)state;
	char ip[64], out[8];
	unsigned port = 0;
	assert_int_equal(wh_auditd_saddr("02000016C0A80001", 16, ip, sizeof(ip), &port), 2);
	assert_string_equal(ip, "192.168.0.1");
	assert_int_equal(port, 22);
	/* big-endian family (s390x) */
	assert_int_equal(wh_auditd_saddr("000201BB7F000001", 16, ip, sizeof(ip), &port), 2);
	assert_string_equal(ip, "127.0.0.1");
	assert_int_equal(port, 443);
	assert_int_equal(wh_auditd_saddr("01002F746D70", 12, ip, sizeof(ip), &port), 1);
	assert_int_equal(wh_auditd_saddr("0200", 4, ip, sizeof(ip), &port), -1);
	assert_int_equal(wh_auditd_saddr("zz00", 4, ip, sizeof(ip), &port), -1);
	assert_int_equal(wh_auditd_saddr("0A00", 4, ip, sizeof(ip), &port), -1);
	assert_int_equal(wh_auditd_unhex("41420a", 6, out), 3);
	assert_int_equal(out[2], '\n');
	assert_int_equal(wh_auditd_unhex("414", 3, out), -1);
	assert_int_equal(wh_auditd_unhex("4g", 2, out), -1);

	struct wh_sbuf sb = WH_SBUF_INIT(64);
	wh_auditd_cmdline_add(&sb, "echo", 4, true);
	wh_auditd_cmdline_add(&sb, "", 0, false);
	wh_auditd_cmdline_add(&sb, "a\"b\\c d", 7, false);
	wh_auditd_cmdline_add(&sb, "x\\y", 3, false);
	assert_string_equal(wh_sbuf_str(&sb), "echo \"\" \"a\\\"b\\\\c d\" x\\y");
	wh_sbuf_release(&sb);

	struct wh_audit_hdr h;
	const char *l = "x type=foo y node=a type=PATH msg=audit(1.5:9) : item=0";
	assert_true(wh_auditd_find_record(l, strlen(l), 0, &h));
	assert_int_equal(h.serial, 9);
	assert_int_equal(h.node_len, 1);
	assert_int_equal(h.start, 13);
	assert_string_equal(l + h.body, " item=0");
	assert_true(h.time == 1 * WH_NS_PER_SEC + 500000000LL);
	assert_false(wh_auditd_find_record("type=X msg=audit(1:)", 20, 0, &h));
	assert_false(wh_auditd_find_record("xtype=X msg=audit(1:2):", 23, 0, &h));
	/* a time past what int64 nanoseconds hold is no timestamp */
	assert_false(wh_auditd_find_record("type=X msg=audit(9999999999.1:2):", 33, 0, &h));
	assert_true(wh_auditd_find_record("type=X msg=audit(9000000000.1:2):", 33, 0, &h));
}

static int setup(void **state)
{
	(void)state;
	wh_diag.quiet = true;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(execve_maps_to_process_start),
		cmocka_unit_test(records_cut_by_reads_and_crlf),
		cmocka_unit_test(interleaved_events_are_joined_by_serial),
		cmocka_unit_test(events_without_eoe_end_by_window_or_input_end),
		cmocka_unit_test(open_table_is_bounded_and_loses_nothing),
		cmocka_unit_test(enriched_format),
		cmocka_unit_test(several_records_on_one_line),
		cmocka_unit_test(kernel_log_lines_and_other_arches),
		cmocka_unit_test(long_arguments_keys_and_proctitle),
		cmocka_unit_test(failed_exec_and_mkdir_are_no_start_or_create),
		cmocka_unit_test(bad_lines_are_counted_and_skipped),
		cmocka_unit_test(sniff_scores),
		cmocka_unit_test(helpers),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
