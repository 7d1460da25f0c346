/* Unit tests for src/engine/proc.c: process keys, parents, pid reuse,
 * missing parents, out-of-order logs, Sysmon/Security twins, provenance. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "engine/proc.h"
#include "util/wtime.h"

#define T(s) ((int64_t)(s) * WH_NS_PER_SEC)

/* Build an event from "Name=Value" pairs, NULL-terminated. */
static struct wh_event mk(struct wh_arena *a, const char *host, const char *channel, int id,
			  int64_t t, ...)
{
	struct wh_event ev;
	wh_event_init(&ev, a);
	ev.host = host;
	ev.channel = channel;
	ev.event_id = id;
	ev.time = t;
	ev.source = "test";
	va_list ap;
	va_start(ap, t);
	const char *kv;
	while ((kv = va_arg(ap, const char *))) {
		const char *eq = strchr(kv, '=');
		wh_event_add_copy(&ev, kv, (size_t)(eq - kv), eq + 1, strlen(eq + 1));
	}
	va_end(ap);
	wh_event_classify(&ev);
	return ev;
}

#define SYSMON "Microsoft-Windows-Sysmon/Operational"

static void feed(struct wh_engine *e, struct wh_event ev)
{
	wh_engine_add(e, &ev);
	wh_event_release(&ev);
}

static void guid_tree(void **state)
{
	(void)state;
	struct wh_arena a = WH_ARENA_INIT;
	struct wh_engine e;
	wh_engine_init(&e);
	/* child logged before its parent: order must not matter */
	feed(&e, mk(&a, "H", SYSMON, 1, T(20), "ProcessGuid={C}", "ProcessId=30", "Image=C:\\t\\c.exe",
		    "ParentProcessGuid={B}", "ParentProcessId=20", "ParentImage=C:\\t\\b.exe", NULL));
	feed(&e, mk(&a, "H", SYSMON, 1, T(10), "ProcessGuid={B}", "ProcessId=20", "Image=C:\\t\\b.exe",
		    "ParentProcessGuid={A}", "ParentProcessId=10", "ParentImage=C:\\t\\a.exe",
		    "CommandLine=b.exe /x", NULL));
	feed(&e, mk(&a, "H", SYSMON, 1, T(15), "ProcessGuid={D}", "ProcessId=40", "Image=C:\\t\\d.exe",
		    "ParentProcessGuid={B}", "ParentProcessId=20", "ParentImage=C:\\t\\b.exe", NULL));
	wh_engine_finish(&e);
	struct wh_host *h = wh_engine_host(&e, "h");   /* host names ignore case */
	assert_non_null(h);
	struct wh_proc *b = wh_host_find_guid(h, "{b}");
	struct wh_proc *c = wh_host_find_guid(h, "{C}");
	assert_non_null(b);
	assert_non_null(c);
	assert_ptr_equal(c->parent, b);
	assert_string_equal(b->cmdline, "b.exe /x");
	/* children in start order: D (15) before C (20) */
	assert_int_equal(b->nchildren, 2);
	assert_int_equal(b->children[0]->pid, 40);
	assert_int_equal(b->children[1]->pid, 30);
	/* A never started in the log: made up from what B says */
	struct wh_proc *anc[8];
	uint32_t n = wh_proc_ancestors(c, anc, 8);
	assert_int_equal(n, 2);
	assert_ptr_equal(anc[0], b);
	assert_true(anc[1]->synthetic);
	assert_string_equal(anc[1]->image, "C:\\t\\a.exe");
	assert_int_equal(anc[1]->pid, 10);
	assert_int_equal(anc[1]->start, WH_TIME_NONE);
	wh_engine_release(&e);
	wh_arena_release(&a);
}

#define SEC "Security"

static void pid_reuse(void **state)
{
	(void)state;
	struct wh_arena a = WH_ARENA_INIT;
	struct wh_engine e;
	wh_engine_init(&e);
	/* pid 0x100 is cmd.exe from 10 to 20, then notepad.exe from 30 */
	feed(&e, mk(&a, "H", SEC, 4688, T(10), "NewProcessId=0x100", "NewProcessName=C:\\w\\cmd.exe",
		    "ProcessId=0x4", "SubjectUserName=alice", "SubjectDomainName=CORP", NULL));
	feed(&e, mk(&a, "H", SEC, 4689, T(20), "ProcessId=0x100", "ProcessName=C:\\w\\cmd.exe", NULL));
	feed(&e, mk(&a, "H", SEC, 4688, T(30), "NewProcessId=0x100", "NewProcessName=C:\\w\\notepad.exe",
		    "ProcessId=0x4", NULL));
	/* a child of pid 0x100 at 15 belongs to cmd.exe, one at 35 to notepad.exe */
	feed(&e, mk(&a, "H", SEC, 4688, T(15), "NewProcessId=0x200", "NewProcessName=C:\\w\\ping.exe",
		    "ProcessId=0x100", "ParentProcessName=C:\\w\\cmd.exe", NULL));
	feed(&e, mk(&a, "H", SEC, 4688, T(35), "NewProcessId=0x300", "NewProcessName=C:\\w\\x.exe",
		    "ProcessId=0x100", NULL));
	wh_engine_finish(&e);
	struct wh_host *h = wh_engine_host(&e, "H");
	struct wh_proc *v[4];
	assert_int_equal(wh_host_pid_all(h, 0x100, v, 4), 2);
	struct wh_proc *cmd = wh_host_find_pid(h, 0x100, T(15));
	struct wh_proc *np = wh_host_find_pid(h, 0x100, T(31));
	assert_string_equal(cmd->image, "C:\\w\\cmd.exe");
	assert_string_equal(cmd->user, "CORP\\alice");
	assert_int_equal(cmd->end, T(20));
	assert_string_equal(np->image, "C:\\w\\notepad.exe");
	assert_ptr_equal(wh_host_find_pid(h, 0x200, T(16))->parent, cmd);
	assert_ptr_equal(wh_host_find_pid(h, 0x300, T(36))->parent, np);
	/* between the two lives nobody had the pid */
	assert_null(wh_host_find_pid(h, 0x100, T(25)));
	wh_engine_release(&e);
	wh_arena_release(&a);
}

static void twins_and_provenance(void **state)
{
	(void)state;
	struct wh_arena a = WH_ARENA_INIT;
	struct wh_engine e;
	wh_engine_init(&e);
	/* the dropper writes the implant, which Sysmon and Security both see start */
	feed(&e, mk(&a, "H", SYSMON, 1, T(100), "ProcessGuid={D}", "ProcessId=500",
		    "Image=C:\\Users\\u\\Downloads\\inv.pdf.exe", "ParentProcessGuid={E}",
		    "ParentProcessId=400", "ParentImage=C:\\Windows\\explorer.exe", NULL));
	feed(&e, mk(&a, "H", SYSMON, 11, T(101), "ProcessGuid={D}", "ProcessId=500",
		    "Image=C:\\Users\\u\\Downloads\\inv.pdf.exe",
		    "TargetFilename=C:\\Users\\u\\AppData\\Local\\Temp\\svchost.exe", NULL));
	feed(&e, mk(&a, "H", SEC, 4688, T(103), "NewProcessId=0x258",
		    "NewProcessName=C:\\Users\\u\\AppData\\Local\\Temp\\svchost.exe", "ProcessId=0x1f4", NULL));
	feed(&e, mk(&a, "H", SYSMON, 1, T(102), "ProcessGuid={I}", "ProcessId=600",
		    "Image=C:\\Users\\u\\AppData\\Local\\Temp\\svchost.exe", "ParentProcessGuid={D}",
		    "ParentProcessId=500", "ParentImage=C:\\Users\\u\\Downloads\\inv.pdf.exe",
		    "Company=Adobe Systems Incorporated", NULL));
	struct wh_event net = mk(&a, "H", SYSMON, 3, T(200), "ProcessGuid={I}", "ProcessId=600",
				 "Image=C:\\Users\\u\\AppData\\Local\\Temp\\svchost.exe",
				 "DestinationIp=203.0.113.77", NULL);
	wh_engine_add(&e, &net);
	wh_engine_finish(&e);
	struct wh_host *h = wh_engine_host(&e, "H");
	struct wh_proc *v[4];
	/* one process for pid 600, not two */
	assert_int_equal(wh_host_pid_all(h, 600, v, 4), 1);
	struct wh_proc *imp = wh_host_find_guid(h, "{I}");
	assert_string_equal(imp->company, "Adobe Systems Incorporated");
	assert_ptr_equal(wh_engine_proc_of(&e, &net), imp);
	assert_ptr_equal(wh_proc_image_writer(imp), wh_host_find_guid(h, "{D}"));
	assert_int_equal(imp->image_file->time, T(101));
	/* the file is found without regard to case */
	assert_non_null(wh_host_file(h, "c:\\users\\u\\appdata\\local\\temp\\SVCHOST.EXE"));
	/* the dropper's image was written by nobody we know */
	assert_null(wh_proc_image_writer(wh_host_find_guid(h, "{D}")));
	wh_event_release(&net);
	wh_engine_release(&e);
	wh_arena_release(&a);
}

static void broken_cycle(void **state)
{
	(void)state;
	struct wh_arena a = WH_ARENA_INIT;
	struct wh_engine e;
	wh_engine_init(&e);
	/* a log that claims A is B's parent and B is A's */
	feed(&e, mk(&a, "H", SYSMON, 1, T(1), "ProcessGuid={A}", "ProcessId=1", "Image=a",
		    "ParentProcessGuid={B}", "ParentProcessId=2", NULL));
	feed(&e, mk(&a, "H", SYSMON, 1, T(2), "ProcessGuid={B}", "ProcessId=2", "Image=b",
		    "ParentProcessGuid={A}", "ParentProcessId=1", NULL));
	feed(&e, mk(&a, "H", SYSMON, 1, T(3), "ProcessGuid={S}", "ProcessId=3", "Image=s",
		    "ParentProcessGuid={S}", "ParentProcessId=3", NULL));
	wh_engine_finish(&e);
	struct wh_host *h = wh_engine_host(&e, "H");
	struct wh_proc *anc[16];
	assert_true(wh_proc_ancestors(wh_host_find_guid(h, "{A}"), anc, 16) <= 2);
	assert_null(wh_host_find_guid(h, "{S}")->parent);
	wh_engine_release(&e);
	wh_arena_release(&a);
}

static void hosts_apart(void **state)
{
	(void)state;
	struct wh_arena a = WH_ARENA_INIT;
	struct wh_engine e;
	wh_engine_init(&e);
	feed(&e, mk(&a, "H1", SYSMON, 1, T(1), "ProcessGuid={A}", "ProcessId=1", "Image=a", NULL));
	feed(&e, mk(&a, "H2", SYSMON, 1, T(1), "ProcessGuid={A}", "ProcessId=1", "Image=other", NULL));
	wh_engine_finish(&e);
	assert_int_equal(e.nhosts, 2);
	assert_string_equal(wh_host_find_guid(wh_engine_host(&e, "H2"), "{A}")->image, "other");
	wh_engine_release(&e);
	wh_arena_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(guid_tree),    cmocka_unit_test(pid_reuse),
		cmocka_unit_test(twins_and_provenance), cmocka_unit_test(broken_cycle),
		cmocka_unit_test(hosts_apart),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
