/*
 * evtxgen: write EVTX files of our own, for whitehawk's tests, fuzz seeds
 * and benchmarks.
 *
 *   evtxgen [-k KIND] [-n RECORDS | -m MIB] [-s SEED] [--no-dep-ids] [--plain]
 *           [--no-odd] [--damage CHUNK:WHAT[,WHAT]]... [--dirty] OUT.evtx
 *   evtxgen --from-jsonl IN.jsonl [--strings] [--no-dep-ids] [--plain] OUT.evtx
 *
 * KIND: sysmon (process create, network connect, file create), security
 * (4624 logon, 4688 process create, 4672 special privileges), mixed (both),
 * sample (one of each event shape the reader must handle: those, UserData,
 * a classic event with an array and a NULL value, a nested BinXML value,
 * every value type, and two shapes libevtx cannot read, which --no-odd
 * leaves out). WHAT: bad-magic, bad-crc, slack, bad-record.
 * --from-jsonl writes each line of flat Sysmon JSON (what
 * bench/hunt/gen-sysmon.py writes) as the Sysmon record it stands for, so
 * the same events can be read both ways; bad lines are reported with their
 * number and skipped ("-" reads standard input). --strings: EventData
 * inline and every value a string, rather than Sysmon's own layout.
 * The output is the same for the same arguments.
 */
#include "evtxw.h"
#include "jsonl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 0x853c49e6748fea9bULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const char *pick(const char *const *v, size_t n)
{
	return v[rnd() % n];
}
#define PICK(arr) pick((arr), sizeof(arr) / sizeof((arr)[0]))

static const char *const hosts[] = {
	"WS-FIN-07.corp.local", "WS-HR-02.corp.local", "DC01.corp.local", "SRV-SQL-01.corp.local",
};
static const char *const users[] = { "CORP\\alice", "CORP\\bob", "NT AUTHORITY\\SYSTEM", "CORP\\svc_backup" };
static const char *const images[] = {
	"C:\\Windows\\System32\\cmd.exe",
	"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
	"C:\\Windows\\System32\\rundll32.exe",
	"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE",
	"C:\\Users\\alice\\AppData\\Local\\Temp\\invoice.pdf.exe",
	"C:\\Windows\\System32\\svchost.exe",
};
static const char *const cmdlines[] = {
	"cmd.exe /c whoami /all",
	"powershell.exe -NoProfile -ExecutionPolicy Bypass -EncodedCommand SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA",
	"rundll32.exe C:\\Users\\Public\\lib.dll,DllRegisterServer",
	"\"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE\" /n \"C:\\Users\\alice\\Downloads\\Q3 results.docm\"",
	"C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule",
	"reg  query \"HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\" /v CurrentBuildNumber",
};
static const char *const ips[] = { "10.0.4.17", "10.0.4.22", "192.168.56.101", "185.220.101.4", "52.114.128.9" };
static const char *const files[] = {
	"C:\\Users\\alice\\AppData\\Local\\Temp\\~DF3A21.tmp",
	"C:\\ProgramData\\svc\\update.exe",
	"C:\\Windows\\Prefetch\\CMD.EXE-0BD30981.pf",
	"C:\\Users\\bob\\Downloads\\tool.zip",
};

#define SYS_SUBS 16

static void system_part(struct evtxw_tpl *t, const char *provider, const char *guid)
{
	tpl_open(t, "System");
	tpl_open(t, "Provider");
	tpl_attr_text(t, "Name", provider);
	if (guid)
		tpl_attr_text(t, "Guid", guid);
	tpl_close(t);
	tpl_open(t, "EventID");
	tpl_attr_sub(t, "Qualifiers", 11, 0x06, true);
	tpl_sub(t, 3, 0x06, true);
	tpl_close(t);
	tpl_leaf_sub(t, "Version", 4, 0x04);
	tpl_leaf_sub(t, "Level", 0, 0x04);
	tpl_leaf_sub(t, "Task", 2, 0x06);
	tpl_leaf_sub(t, "Opcode", 1, 0x04);
	tpl_leaf_sub(t, "Keywords", 5, 0x15);
	tpl_open(t, "TimeCreated");
	tpl_attr_sub(t, "SystemTime", 6, 0x11, true);
	tpl_close(t);
	tpl_leaf_sub(t, "EventRecordID", 10, 0x0a);
	tpl_open(t, "Correlation");
	tpl_attr_sub(t, "ActivityID", 7, 0x0f, true);
	tpl_attr_sub(t, "RelatedActivityID", 13, 0x0f, true);
	tpl_close(t);
	tpl_open(t, "Execution");
	tpl_attr_sub(t, "ProcessID", 8, 0x08, true);
	tpl_attr_sub(t, "ThreadID", 9, 0x08, true);
	tpl_close(t);
	tpl_leaf_sub(t, "Channel", 14, 0x01);
	tpl_leaf_sub(t, "Computer", 15, 0x01);
	tpl_open(t, "Security");
	tpl_attr_sub(t, "UserID", 12, 0x13, true);
	tpl_close(t);
	tpl_close(t);
}

static void event_open(struct evtxw_tpl *t, const char *provider, const char *guid)
{
	tpl_open(t, "Event");
	tpl_attr_text(t, "xmlns", "http://schemas.microsoft.com/win/2004/08/events/event");
	system_part(t, provider, guid);
}

struct sysv {
	unsigned id, version, level, task, opcode;
	uint64_t keywords;
	const char *channel, *sid;
	bool qualifiers;
};

static void system_vals(struct evtxw_pool *p, struct evtxw_val *v, const struct sysv *s,
			uint64_t time, uint64_t record, const char *host)
{
	v[0] = val_u(p, 0x04, s->level);
	v[1] = val_u(p, 0x04, s->opcode);
	v[2] = val_u(p, 0x06, s->task);
	v[3] = val_u(p, 0x06, s->id);
	v[4] = val_u(p, 0x04, s->version);
	v[5] = val_u(p, 0x15, s->keywords);
	v[6] = val_u(p, 0x11, time);
	v[7] = val_null();
	v[8] = val_u(p, 0x08, 4 + rnd() % 9000);
	v[9] = val_u(p, 0x08, 4 + rnd() % 9000);
	v[10] = val_u(p, 0x0a, record);
	v[11] = s->qualifiers ? val_u(p, 0x06, 16384) : val_null();
	v[12] = s->sid ? val_sid(p, s->sid) : val_null();
	v[13] = val_null();
	v[14] = val_str(p, s->channel);
	v[15] = val_str(p, host);
}

/* "2024-05-01 10:00:00.123" for Sysmon's UtcTime, from a FILETIME. */
static void utctime(uint64_t ft, char *buf, size_t n)
{
	uint64_t ms = ft / 10000 % 1000, secs = ft / 10000000;
	uint64_t days = secs / 86400, rem = secs % 86400;
	/* civil from days since 1601-01-01 */
	int64_t z = (int64_t)days + 584694, era = z / 146097, doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
	int64_t y = yoe + era * 400 + (m <= 2);
	snprintf(buf, n, "%04lld-%02lld-%02lld %02llu:%02llu:%02llu.%03llu", (long long)y, (long long)m,
		 (long long)d, (unsigned long long)(rem / 3600), (unsigned long long)(rem / 60 % 60),
		 (unsigned long long)(rem % 60), (unsigned long long)ms);
}

static void guid_text(char *buf, size_t n)
{
	snprintf(buf, n, "{%08llX-%04llX-%04llX-%04llX-%012llX}", (unsigned long long)(rnd() & 0xffffffff),
		 (unsigned long long)(rnd() & 0xffff), (unsigned long long)(rnd() & 0xffff),
		 (unsigned long long)(rnd() & 0xffff), (unsigned long long)(rnd() & 0xffffffffffffULL));
}

/* ---- the templates ---- */

struct tpls {
	struct evtxw_tpl sysmon1, sysmon3, sysmon11, sec4624, sec4688, sec4672, log1102, classic,
		userdata_outer, userdata_inner, types, odd;
};

static const char sysmon_guid[] = "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}";
static const char security_guid[] = "{54849625-5478-4994-A5BA-3E3B0328C30D}";

static void data_list(struct evtxw_tpl *t, const char *const *names, const uint8_t *types, size_t n)
{
	tpl_open(t, "EventData");
	for (size_t i = 0; i < n; i++)
		tpl_data(t, names[i], (uint16_t)(SYS_SUBS + i), types[i]);
	tpl_close(t);
}

static const char *const s1_names[] = {
	"RuleName", "UtcTime", "ProcessGuid", "ProcessId", "Image", "FileVersion", "Description",
	"Product", "Company", "OriginalFileName", "CommandLine", "CurrentDirectory", "User",
	"LogonGuid", "LogonId", "TerminalSessionId", "IntegrityLevel", "Hashes", "ParentProcessGuid",
	"ParentProcessId", "ParentImage", "ParentCommandLine", "ParentUser",
};
static const uint8_t s1_types[] = {
	1, 1, 0x0f, 8, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0x0f, 0x15, 8, 1, 1, 0x0f, 8, 1, 1, 1,
};
static const char *const s3_names[] = {
	"RuleName", "UtcTime", "ProcessGuid", "ProcessId", "Image", "User", "Protocol", "Initiated",
	"SourceIsIpv6", "SourceIp", "SourceHostname", "SourcePort", "SourcePortName",
	"DestinationIsIpv6", "DestinationIp", "DestinationHostname", "DestinationPort",
	"DestinationPortName",
};
static const uint8_t s3_types[] = { 1, 1, 0x0f, 8, 1, 1, 1, 0x0d, 0x0d, 1, 1, 6, 1, 0x0d, 1, 1, 6, 1 };
static const char *const s11_names[] = {
	"RuleName", "UtcTime", "ProcessGuid", "ProcessId", "Image", "TargetFilename", "CreationUtcTime", "User",
};
static const uint8_t s11_types[] = { 1, 1, 0x0f, 8, 1, 1, 1, 1 };
static const char *const l_names[] = {
	"SubjectUserSid", "SubjectUserName", "SubjectDomainName", "SubjectLogonId", "TargetUserSid",
	"TargetUserName", "TargetDomainName", "TargetLogonId", "LogonType", "LogonProcessName",
	"AuthenticationPackageName", "WorkstationName", "LogonGuid", "TransmittedServices",
	"LmPackageName", "KeyLength", "ProcessId", "ProcessName", "IpAddress", "IpPort",
	"ImpersonationLevel", "RestrictedAdminMode", "TargetOutboundUserName",
	"TargetOutboundDomainName", "VirtualAccount", "TargetLinkedLogonId", "ElevatedToken",
};
static const uint8_t l_types[] = {
	0x13, 1, 1, 0x15, 0x13, 1, 1, 0x15, 8, 1, 1, 1, 0x0f, 1, 1, 8, 0x15, 1, 1, 1, 1, 1, 1, 1, 1, 0x15, 1,
};
static const char *const p_names[] = {
	"SubjectUserSid", "SubjectUserName", "SubjectDomainName", "SubjectLogonId", "NewProcessId",
	"NewProcessName", "TokenElevationType", "ProcessId", "CommandLine", "TargetUserSid",
	"TargetUserName", "TargetDomainName", "TargetLogonId", "ParentProcessName", "MandatoryLabel",
};
static const uint8_t p_types[] = { 0x13, 1, 1, 0x15, 0x15, 1, 1, 0x15, 1, 0x13, 1, 1, 0x15, 1, 0x13 };
static const char *const k_names[] = {
	"SubjectUserSid", "SubjectUserName", "SubjectDomainName", "SubjectLogonId", "PrivilegeList",
};
static const uint8_t k_types[] = { 0x13, 1, 1, 0x15, 1 };

/* Every value type, one Data element each; see the sample's expected output. */
static const char *const ty_names[] = {
	"Int8", "UInt8", "Int16", "UInt16", "Int32", "UInt32", "Int64", "UInt64", "Real32", "Real64",
	"Bool", "BoolOdd", "Binary", "Guid", "SizeT", "FileTime", "SysTime", "Sid", "Hex32", "Hex64",
	"Ansi", "UInt16Array", "StringArray", "NullValue", "EmptyString",
};
static const uint8_t ty_types[] = {
	0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0d, 0x0e, 0x0f, 0x10,
	0x11, 0x12, 0x13, 0x14, 0x15, 0x02, 0x86, 0x81, 0x01, 0x01,
};
#define NTY (sizeof(ty_names) / sizeof(ty_names[0]))

static void build_tpls(struct tpls *T)
{
	tpl_init(&T->sysmon1, 0x11111111, "{A1000000-0000-0000-0000-000000000001}");
	event_open(&T->sysmon1, "Microsoft-Windows-Sysmon", sysmon_guid);
	data_list(&T->sysmon1, s1_names, s1_types, sizeof(s1_types));
	tpl_close(&T->sysmon1);

	tpl_init(&T->sysmon3, 0x11111113, "{A1000000-0000-0000-0000-000000000003}");
	event_open(&T->sysmon3, "Microsoft-Windows-Sysmon", sysmon_guid);
	data_list(&T->sysmon3, s3_names, s3_types, sizeof(s3_types));
	tpl_close(&T->sysmon3);

	tpl_init(&T->sysmon11, 0x1111111b, "{A1000000-0000-0000-0000-00000000000B}");
	event_open(&T->sysmon11, "Microsoft-Windows-Sysmon", sysmon_guid);
	data_list(&T->sysmon11, s11_names, s11_types, sizeof(s11_types));
	tpl_close(&T->sysmon11);

	tpl_init(&T->sec4624, 0x22224624, "{B2000000-0000-0000-0000-000000004624}");
	event_open(&T->sec4624, "Microsoft-Windows-Security-Auditing", security_guid);
	data_list(&T->sec4624, l_names, l_types, sizeof(l_types));
	tpl_close(&T->sec4624);

	tpl_init(&T->sec4688, 0x22224688, "{B2000000-0000-0000-0000-000000004688}");
	event_open(&T->sec4688, "Microsoft-Windows-Security-Auditing", security_guid);
	data_list(&T->sec4688, p_names, p_types, sizeof(p_types));
	tpl_close(&T->sec4688);

	tpl_init(&T->sec4672, 0x22224672, "{B2000000-0000-0000-0000-000000004672}");
	event_open(&T->sec4672, "Microsoft-Windows-Security-Auditing", security_guid);
	data_list(&T->sec4672, k_names, k_types, sizeof(k_types));
	tpl_close(&T->sec4672);

	/* 1102: the log was cleared, told in UserData. */
	struct evtxw_tpl *t = &T->log1102;
	tpl_init(t, 0x33331102, "{C3000000-0000-0000-0000-000000001102}");
	event_open(t, "Microsoft-Windows-Eventlog", "{FC65DDD8-D6EF-4962-83D5-6E5CFE9CE148}");
	tpl_open(t, "UserData");
	tpl_open(t, "LogFileCleared");
	tpl_attr_text(t, "xmlns", "http://manifests.microsoft.com/win/2004/08/windows/eventlog");
	tpl_leaf_sub(t, "SubjectUserSid", SYS_SUBS, 0x13);
	tpl_leaf_sub(t, "SubjectUserName", SYS_SUBS + 1, 0x01);
	tpl_leaf_sub(t, "SubjectDomainName", SYS_SUBS + 2, 0x01);
	tpl_leaf_sub(t, "SubjectLogonId", SYS_SUBS + 3, 0x15);
	tpl_close(t);
	tpl_close(t);
	tpl_close(t);

	/* A classic (pre-Vista style) event: unnamed Data from a string array,
	 * and Binary that may be NULL. */
	t = &T->classic;
	tpl_init(t, 0x44440001, "{D4000000-0000-0000-0000-000000000001}");
	event_open(t, "MsiInstaller", NULL);
	tpl_open(t, "EventData");
	tpl_open(t, "Data");
	tpl_sub(t, SYS_SUBS, 0x81, true);
	tpl_close(t);
	tpl_open(t, "Binary");
	tpl_sub(t, SYS_SUBS + 1, 0x0e, true);
	tpl_close(t);
	tpl_close(t);
	tpl_close(t);

	/* UserData whose content is a nested BinXML value. */
	t = &T->userdata_outer;
	tpl_init(t, 0x55550001, "{E5000000-0000-0000-0000-000000000001}");
	event_open(t, "Service Control Manager", "{555908D1-A6D7-4695-8E1E-26931D2012F4}");
	tpl_open(t, "UserData");
	tpl_sub(t, SYS_SUBS, 0x21, true);
	tpl_close(t);
	tpl_close(t);
	t = &T->userdata_inner;
	tpl_init(t, 0x55550002, "{E5000000-0000-0000-0000-000000000002}");
	tpl_open(t, "EventXML");
	tpl_attr_text(t, "xmlns", "Event_NS");
	tpl_leaf_sub(t, "Param1", 0, 0x01);
	tpl_leaf_sub(t, "Param2", 1, 0x08);
	tpl_open(t, "Literal");
	tpl_text(t, "fixed text");
	tpl_close(t);
	tpl_close(t);

	t = &T->types;
	tpl_init(t, 0x66660001, "{F6000000-0000-0000-0000-000000000001}");
	event_open(t, "Whitehawk-Test-Types", "{F6000000-0000-0000-0000-0000000000FF}");
	tpl_open(t, "EventData");
	for (size_t i = 0; i < NTY; i++)
		tpl_data(t, ty_names[i], (uint16_t)(SYS_SUBS + i), ty_types[i]);
	tpl_close(t);
	tpl_close(t);

	/* Shapes libevtx cannot read: a value made of text and a number, a
	 * Data element named by a substitution. */
	t = &T->odd;
	tpl_init(t, 0x66660002, "{F6000000-0000-0000-0000-000000000002}");
	event_open(t, "Whitehawk-Test-Types", "{F6000000-0000-0000-0000-0000000000FF}");
	tpl_open(t, "EventData");
	tpl_open(t, "Data");
	tpl_attr_text(t, "Name", "Mixed");
	tpl_text(t, "pid=");
	tpl_sub(t, SYS_SUBS, 0x07, false);
	tpl_close(t);
	tpl_open(t, "Data");
	tpl_attr_sub(t, "Name", SYS_SUBS + 1, 0x01, false);
	tpl_sub(t, SYS_SUBS + 2, 0x01, false);
	tpl_close(t);
	tpl_close(t);
	tpl_close(t);
}

static void free_tpls(struct tpls *T)
{
	struct evtxw_tpl *all[] = { &T->sysmon1, &T->sysmon3, &T->sysmon11, &T->sec4624, &T->sec4688,
				    &T->sec4672, &T->log1102, &T->classic, &T->userdata_outer,
				    &T->userdata_inner, &T->types, &T->odd };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		tpl_release(all[i]);
}

/* ---- events ---- */

struct gen {
	struct evtxw *w;
	struct tpls T;
	struct evtxw_pool pool;
	uint64_t time;
	uint64_t record;
	const char *host;
};

static int emit(struct gen *g, const struct evtxw_tpl *t, struct evtxw_val *v, size_t n)
{
	int rc = evtxw_record(g->w, t, v, n, g->time);
	evtxw_pool_reset(&g->pool);
	return rc;
}

static const struct sysv sysmon_sys = { 1, 5, 4, 1, 0, 0x8000000000000000ULL,
					"Microsoft-Windows-Sysmon/Operational", "S-1-5-18", false };

static int ev_sysmon1(struct gen *g)
{
	struct evtxw_pool *p = &g->pool;
	struct evtxw_val v[SYS_SUBS + 23];
	struct sysv s = sysmon_sys;
	system_vals(p, v, &s, g->time, g->record, g->host);
	char ut[40], pg[48], lg[48], ppg[48];
	utctime(g->time, ut, sizeof(ut));
	guid_text(pg, sizeof(pg));
	guid_text(lg, sizeof(lg));
	guid_text(ppg, sizeof(ppg));
	const char *img = PICK(images);
	const char *base = strrchr(img, '\\') + 1;
	struct evtxw_val *d = v + SYS_SUBS;
	d[0] = val_str(p, "-");
	d[1] = val_str(p, ut);
	d[2] = val_guid(p, pg);
	d[3] = val_u(p, 0x08, 100 + rnd() % 20000);
	d[4] = val_str(p, img);
	d[5] = val_str(p, "10.0.19041.1 (WinBuild.160101.0800)");
	d[6] = val_str(p, "Windows Command Processor");
	d[7] = val_str(p, "Microsoft\xc2\xae Windows\xc2\xae Operating System");
	d[8] = val_str(p, "Microsoft Corporation");
	d[9] = val_str(p, base);
	d[10] = val_str(p, PICK(cmdlines));
	d[11] = val_str(p, "C:\\Users\\alice\\");
	d[12] = val_str(p, PICK(users));
	d[13] = val_guid(p, lg);
	d[14] = val_u(p, 0x15, 0x3e7 + rnd() % 0x100000);
	d[15] = val_u(p, 0x08, rnd() % 3);
	d[16] = val_str(p, "High");
	d[17] = val_str(p, "SHA1=E65FAA187D27D84106B78B909C06D405837EC64E,MD5=EB20E119AAF500E2752DC5A588B54C12,"
			   "SHA256=C6A168C81654F5901E864C8FD61FA54F084CD8B2E0A8AC1B83EACF9EB4484F75,"
			   "IMPHASH=E23A24F7BA9B35B3E9706724F6749860");
	d[18] = val_guid(p, ppg);
	d[19] = val_u(p, 0x08, 100 + rnd() % 20000);
	d[20] = val_str(p, PICK(images));
	d[21] = val_str(p, PICK(cmdlines));
	d[22] = val_str(p, PICK(users));
	return emit(g, &g->T.sysmon1, v, SYS_SUBS + 23);
}

static int ev_sysmon3(struct gen *g)
{
	struct evtxw_pool *p = &g->pool;
	struct evtxw_val v[SYS_SUBS + 18];
	struct sysv s = sysmon_sys;
	s.id = 3;
	s.task = 3;
	system_vals(p, v, &s, g->time, g->record, g->host);
	char ut[40], pg[48];
	utctime(g->time, ut, sizeof(ut));
	guid_text(pg, sizeof(pg));
	struct evtxw_val *d = v + SYS_SUBS;
	d[0] = val_str(p, "-");
	d[1] = val_str(p, ut);
	d[2] = val_guid(p, pg);
	d[3] = val_u(p, 0x08, 100 + rnd() % 20000);
	d[4] = val_str(p, PICK(images));
	d[5] = val_str(p, PICK(users));
	d[6] = val_str(p, "tcp");
	d[7] = val_u(p, 0x0d, 1);
	d[8] = val_u(p, 0x0d, 0);
	d[9] = val_str(p, PICK(ips));
	d[10] = val_str(p, g->host);
	d[11] = val_u(p, 0x06, 49152 + rnd() % 16000);
	d[12] = val_str(p, "-");
	d[13] = val_u(p, 0x0d, 0);
	d[14] = val_str(p, PICK(ips));
	d[15] = val_str(p, "-");
	d[16] = val_u(p, 0x06, rnd() % 2 ? 443 : 445);
	d[17] = val_str(p, rnd() % 2 ? "https" : "microsoft-ds");
	return emit(g, &g->T.sysmon3, v, SYS_SUBS + 18);
}

static int ev_sysmon11(struct gen *g)
{
	struct evtxw_pool *p = &g->pool;
	struct evtxw_val v[SYS_SUBS + 8];
	struct sysv s = sysmon_sys;
	s.id = 11;
	s.task = 11;
	system_vals(p, v, &s, g->time, g->record, g->host);
	char ut[40], pg[48];
	utctime(g->time, ut, sizeof(ut));
	guid_text(pg, sizeof(pg));
	struct evtxw_val *d = v + SYS_SUBS;
	d[0] = val_str(p, "-");
	d[1] = val_str(p, ut);
	d[2] = val_guid(p, pg);
	d[3] = val_u(p, 0x08, 100 + rnd() % 20000);
	d[4] = val_str(p, PICK(images));
	d[5] = val_str(p, PICK(files));
	d[6] = val_str(p, ut);
	d[7] = val_str(p, PICK(users));
	return emit(g, &g->T.sysmon11, v, SYS_SUBS + 8);
}

static const struct sysv security_sys = { 4624, 2, 0, 12544, 0, 0x8020000000000000ULL, "Security", NULL, false };

static int ev_4624(struct gen *g)
{
	struct evtxw_pool *p = &g->pool;
	struct evtxw_val v[SYS_SUBS + 27];
	struct sysv s = security_sys;
	system_vals(p, v, &s, g->time, g->record, g->host);
	char lg[48];
	guid_text(lg, sizeof(lg));
	struct evtxw_val *d = v + SYS_SUBS;
	d[0] = val_sid(p, "S-1-5-18");
	d[1] = val_str(p, "DC01$");
	d[2] = val_str(p, "CORP");
	d[3] = val_u(p, 0x15, 0x3e7);
	d[4] = val_sid(p, "S-1-5-21-3623811015-3361044348-30300820-1013");
	d[5] = val_str(p, rnd() % 2 ? "alice" : "bob");
	d[6] = val_str(p, "CORP");
	d[7] = val_u(p, 0x15, rnd() % 0x10000000);
	d[8] = val_u(p, 0x08, rnd() % 2 ? 3 : 10);
	d[9] = val_str(p, "NtLmSsp ");
	d[10] = val_str(p, "NTLM");
	d[11] = val_str(p, "WS-FIN-07");
	d[12] = val_guid(p, "{00000000-0000-0000-0000-000000000000}");
	d[13] = val_str(p, "-");
	d[14] = val_str(p, "NTLM V2");
	d[15] = val_u(p, 0x08, 128);
	d[16] = val_u(p, 0x15, 0);
	d[17] = val_str(p, "-");
	d[18] = val_str(p, PICK(ips));
	d[19] = val_str(p, "50123");
	d[20] = val_str(p, "%%1833");
	d[21] = val_str(p, "-");
	d[22] = val_str(p, "-");
	d[23] = val_str(p, "-");
	d[24] = val_str(p, "%%1843");
	d[25] = val_u(p, 0x15, 0);
	d[26] = val_str(p, "%%1842");
	return emit(g, &g->T.sec4624, v, SYS_SUBS + 27);
}

static int ev_4688(struct gen *g)
{
	struct evtxw_pool *p = &g->pool;
	struct evtxw_val v[SYS_SUBS + 15];
	struct sysv s = security_sys;
	s.id = 4688;
	s.task = 13312;
	s.version = 2;
	system_vals(p, v, &s, g->time, g->record, g->host);
	struct evtxw_val *d = v + SYS_SUBS;
	d[0] = val_sid(p, "S-1-5-21-3623811015-3361044348-30300820-1013");
	d[1] = val_str(p, "alice");
	d[2] = val_str(p, "CORP");
	d[3] = val_u(p, 0x15, 0x3e7 + rnd() % 0x100000);
	d[4] = val_u(p, 0x15, 0x100 + rnd() % 0x4000);
	d[5] = val_str(p, PICK(images));
	d[6] = val_str(p, "%%1938");
	d[7] = val_u(p, 0x15, 0x100 + rnd() % 0x4000);
	d[8] = val_str(p, PICK(cmdlines));
	d[9] = val_sid(p, "S-1-0-0");
	d[10] = val_str(p, "-");
	d[11] = val_str(p, "-");
	d[12] = val_u(p, 0x15, 0);
	d[13] = val_str(p, PICK(images));
	d[14] = val_sid(p, "S-1-16-12288");
	return emit(g, &g->T.sec4688, v, SYS_SUBS + 15);
}

static int ev_4672(struct gen *g)
{
	struct evtxw_pool *p = &g->pool;
	struct evtxw_val v[SYS_SUBS + 5];
	struct sysv s = security_sys;
	s.id = 4672;
	s.task = 12548;
	s.version = 0;
	system_vals(p, v, &s, g->time, g->record, g->host);
	struct evtxw_val *d = v + SYS_SUBS;
	d[0] = val_sid(p, "S-1-5-18");
	d[1] = val_str(p, "SYSTEM");
	d[2] = val_str(p, "NT AUTHORITY");
	d[3] = val_u(p, 0x15, 0x3e7);
	d[4] = val_str(p, "SeAssignPrimaryTokenPrivilege\r\n\t\t\tSeTcbPrivilege\r\n\t\t\tSeSecurityPrivilege\r\n\t\t\t"
			  "SeTakeOwnershipPrivilege\r\n\t\t\tSeLoadDriverPrivilege");
	return emit(g, &g->T.sec4672, v, SYS_SUBS + 5);
}

static int ev_1102(struct gen *g)
{
	struct evtxw_pool *p = &g->pool;
	struct evtxw_val v[SYS_SUBS + 4];
	struct sysv s = { 1102, 0, 4, 104, 0, 0x4020000000000000ULL, "Security", NULL, false };
	system_vals(p, v, &s, g->time, g->record, g->host);
	struct evtxw_val *d = v + SYS_SUBS;
	d[0] = val_sid(p, "S-1-5-21-1587066498-1489273250-1035260531-1108");
	d[1] = val_str(p, "admin01");
	d[2] = val_str(p, "EXAMPLE");
	d[3] = val_u(p, 0x15, 0xaf855);
	return emit(g, &g->T.log1102, v, SYS_SUBS + 4);
}

static int ev_classic(struct gen *g, bool with_binary)
{
	struct evtxw_pool *p = &g->pool;
	struct evtxw_val v[SYS_SUBS + 2];
	struct sysv s = { 1040, 0, 4, 0, 0, 0x80000000000000ULL, "Application", NULL, true };
	system_vals(p, v, &s, g->time, g->record, g->host);
	static const char *const items[] = { "C:\\Windows\\Installer\\4f2a.msi", "2128", "(NULL)", "" };
	v[SYS_SUBS] = val_strs(p, items, 4);
	static const unsigned char bin[] = { 0x28, 0x4e, 0x55, 0x4c, 0x4c, 0x29, 0x00, 0xff };
	v[SYS_SUBS + 1] = with_binary ? val_bin(p, bin, sizeof(bin)) : val_null();
	return emit(g, &g->T.classic, v, SYS_SUBS + 2);
}

static int ev_nested(struct gen *g)
{
	struct evtxw_pool *p = &g->pool;
	struct evtxw_val v[SYS_SUBS + 1], inner[2];
	struct sysv s = { 7045, 0, 4, 0, 0, 0x8080000000000000ULL, "System", "S-1-5-18", true };
	system_vals(p, v, &s, g->time, g->record, g->host);
	inner[0] = val_str(p, "C:\\ProgramData\\svc\\update.exe");
	inner[1] = val_u(p, 0x08, 3);
	v[SYS_SUBS] = val_nested(&g->T.userdata_inner, inner, 2);
	return emit(g, &g->T.userdata_outer, v, SYS_SUBS + 1);
}

static int ev_types(struct gen *g)
{
	struct evtxw_pool *p = &g->pool;
	struct evtxw_val v[SYS_SUBS + NTY];
	struct sysv s = { 9, 1, 4, 0, 0, 0x1ULL, "Whitehawk-Test/Operational", "S-1-5-21-1-2-3-500", false };
	system_vals(p, v, &s, g->time, g->record, g->host);
	struct evtxw_val *d = v + SYS_SUBS;
	float f32 = 1.5f;
	double f64 = -2.25;
	uint32_t u32;
	uint64_t u64;
	memcpy(&u32, &f32, 4);
	memcpy(&u64, &f64, 8);
	d[0] = val_u(p, 0x03, (uint8_t)-5);
	d[1] = val_u(p, 0x04, 250);
	d[2] = val_u(p, 0x05, (uint16_t)-300);
	d[3] = val_u(p, 0x06, 65000);
	d[4] = val_u(p, 0x07, (uint32_t)-70000);
	d[5] = val_u(p, 0x08, 4000000000u);
	d[6] = val_u(p, 0x09, (uint64_t)-5000000000LL);
	d[7] = val_u(p, 0x0a, 18000000000000000000ULL);
	d[8] = val_u(p, 0x0b, u32);
	d[9] = val_u(p, 0x0c, u64);
	d[10] = val_u(p, 0x0d, 1);
	d[11] = val_u(p, 0x0d, 2);
	static const unsigned char bin[] = { 0xde, 0xad, 0xbe, 0xef, 0x00, 0x01 };
	d[12] = val_bin(p, bin, sizeof(bin));
	d[13] = val_guid(p, "{12345678-9ABC-DEF0-1122-334455667788}");
	d[14] = val_u(p, 0x10, 0x7ff6a1b20000ULL);
	d[15] = val_u(p, 0x11, 133590240001234567ULL);
	d[16] = val_systime(p, 2024, 5, 1, 10, 0, 1, 123);
	d[17] = val_sid(p, "S-1-5-21-3623811015-3361044348-30300820-1013");
	d[18] = val_u(p, 0x14, 0xc000006d);
	d[19] = val_u(p, 0x15, 0x3e7);
	static const unsigned char ansi[] = { 'a', 'n', 's', 'i', ' ', 0xe9, 0 };
	d[20] = val_bin(p, ansi, sizeof(ansi));
	d[20].type = 0x02;
	static const unsigned char arr[] = { 1, 0, 2, 0, 0xff, 0xff };
	d[21] = val_bin(p, arr, sizeof(arr));
	d[21].type = 0x86;
	static const char *const items[] = { "first", "second" };
	d[22] = val_strs(p, items, 2);
	d[23] = val_null();
	d[24] = val_str(p, "");
	return emit(g, &g->T.types, v, SYS_SUBS + NTY);
}

static int ev_odd(struct gen *g)
{
	struct evtxw_pool *p = &g->pool;
	struct evtxw_val v[SYS_SUBS + 3];
	struct sysv s = { 10, 1, 4, 0, 0, 0x1ULL, "Whitehawk-Test/Operational", NULL, false };
	system_vals(p, v, &s, g->time, g->record, g->host);
	v[SYS_SUBS] = val_u(p, 0x07, (uint32_t)-70000);
	v[SYS_SUBS + 1] = val_str(p, "NameFromValue");
	v[SYS_SUBS + 2] = val_str(p, "named by a substitution");
	return emit(g, &g->T.odd, v, SYS_SUBS + 3);
}

enum kind { K_SYSMON, K_SECURITY, K_MIXED, K_SAMPLE };

static bool odd_shapes = true;

static int one(struct gen *g, enum kind k, uint64_t i)
{
	g->record++;
	g->time += 10000 * (1 + rnd() % 2000);   /* 1 ms to 2 s apart */
	g->host = hosts[rnd() % (sizeof(hosts) / sizeof(hosts[0]))];
	unsigned r = (unsigned)(rnd() % 10);
	switch (k) {
	case K_SYSMON:
		return r < 6 ? ev_sysmon1(g) : r < 8 ? ev_sysmon3(g) : ev_sysmon11(g);
	case K_SECURITY:
		return r < 4 ? ev_4624(g) : r < 8 ? ev_4688(g) : ev_4672(g);
	case K_MIXED:
		return r < 5 ? one(g, K_SYSMON, i) : one(g, K_SECURITY, i);
	case K_SAMPLE:
		switch (i % (odd_shapes ? 12 : 11)) {
		case 0: return ev_sysmon1(g);
		case 1: return ev_sysmon3(g);
		case 2: return ev_sysmon11(g);
		case 3: return ev_4624(g);
		case 4: return ev_4688(g);
		case 5: return ev_4672(g);
		case 6: return ev_1102(g);
		case 7: return ev_classic(g, false);
		case 8: return ev_classic(g, true);
		case 9: return ev_nested(g);
		case 10: return ev_types(g);
		default: return ev_odd(g);
		}
	}
	return -1;
}

/* ---- --from-jsonl: flat Sysmon JSON lines as EVTX records ----
 *
 * Each line becomes the record Sysmon would have written for it, so that
 * the same events can be read, and hunted, both as JSON lines and as EVTX.
 * EventID, Computer, Channel, Provider_Name and EventRecordID go to
 * <System>; every other field, UtcTime and RuleName included (they are
 * EventData in real Sysmon events), becomes a <Data Name="..."> in the
 * line's order; null is a NULL substitution, so no field, as the JSON
 * reader gives none. The System values a line lacks are what Sysmon puts
 * there: version by event id, level 4, task = event id, keywords
 * 0x8000000000000000, TimeCreated from UtcTime, the service's process and
 * a thread, SYSTEM's SID.
 *
 * The layout is Sysmon's (seen in recorded logs): one template for the
 * Event and its System part per provider, whose last substitution is the
 * EventData as a nested BinXML value with a template of its own per
 * (event id, field names, value types); GUIDs, process and thread ids,
 * LogonId, ports, booleans and GrantedAccess are typed values. A value is
 * typed only when its text is what a reader renders from that type (a
 * GUID in upper case, a decimal without leading zeros, 0x and lower-case
 * hex), so the text read back is the line's; other text stays a string.
 * --strings writes the plain form instead: EventData inline in one
 * template per shape, every value a string. Templates are reused within
 * each chunk, as Windows does. */

#define JL_LINE_CAP (1u << 20)   /* longer lines are reported and skipped */
#define JL_MAX_SHAPES 4096        /* distinct templates kept */

struct shape {
	uint64_t hash;
	char *key;                /* provider\0eventid\0types\0name\0name\0...: the names point in here */
	size_t keylen;
	struct evtxw_tpl tpl;     /* EventData (or, with --strings, the whole event) */
	struct evtxw_tpl *outer;  /* Event and System, of the provider; NULL with --strings */
};

struct outer {
	char *provider;
	struct evtxw_tpl tpl;
};

struct jl {
	bool strings;
	struct shape *shapes;
	size_t nshapes;
	struct outer *outers;
	size_t nouters;
	struct evtxw_pool pool;
	uint64_t time;            /* FILETIME of the last UtcTime read */
	uint64_t record;          /* of the last line */
};

static uint64_t fnv(const void *b, size_t n, uint64_t h)
{
	const unsigned char *p = b;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

/* Event versions as recent Sysmon releases write them; 5 for the rest. */
static unsigned sysmon_version(unsigned id)
{
	static const unsigned char v[] = { 0, 5, 5, 5, 3, 3, 4, 3, 2, 2, 3, 2, 2, 2, 2, 2, 3, 1, 1, 3, 3, 3, 5 };
	return id < sizeof(v) ? v[id] : 5;
}

/* The EventData fields Sysmon writes as other than strings. */
static uint8_t sysmon_type(const char *name)
{
	static const struct {
		const char *name;
		uint8_t type;
	} t[] = {
		{ "ProcessGuid", 0x0f }, { "LogonGuid", 0x0f }, { "ParentProcessGuid", 0x0f },
		{ "SourceProcessGuid", 0x0f }, { "TargetProcessGuid", 0x0f }, { "SourceProcessGUID", 0x0f },
		{ "TargetProcessGUID", 0x0f }, { "ProcessId", 0x08 }, { "ParentProcessId", 0x08 },
		{ "TerminalSessionId", 0x08 }, { "SourceProcessId", 0x08 }, { "TargetProcessId", 0x08 },
		{ "SourceThreadId", 0x08 }, { "NewThreadId", 0x08 }, { "LogonId", 0x15 },
		{ "SourcePort", 0x06 }, { "DestinationPort", 0x06 }, { "Initiated", 0x0d },
		{ "SourceIsIpv6", 0x0d }, { "DestinationIsIpv6", 0x0d }, { "IsExecutable", 0x0d },
		{ "GrantedAccess", 0x14 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i].name, name) == 0)
			return t[i].type;
	return 0x01;
}

/* Digits of `base` (lower-case for 16) without a leading zero, up to max. */
static bool canonical_uint(const char *s, unsigned base, uint64_t max, uint64_t *v)
{
	if (!*s || (s[0] == '0' && s[1]))
		return false;
	uint64_t x = 0;
	for (; *s; s++) {
		unsigned d = *s >= '0' && *s <= '9' ? (unsigned)(*s - '0') : base == 16 && *s >= 'a' && *s <= 'f' ? (unsigned)(*s - 'a' + 10) : 99;
		if (d >= base || x > (max - d) / base)
			return false;
		x = x * base + d;
	}
	*v = x;
	return true;
}

static bool canonical_guid(const char *s)
{
	static const char form[] = "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}";
	for (size_t i = 0; i < sizeof(form) - 1; i++) {
		bool hex = (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'F');
		if (form[i] == 'X' ? !hex : s[i] != form[i])
			return false;
	}
	return s[sizeof(form) - 1] == '\0';
}

/* The value of one EventData field, typed when Sysmon types it and the
 * text is what that type renders as. */
static struct evtxw_val data_val(struct evtxw_pool *p, const struct jsonl_field *f, bool typed)
{
	if (f->kind == JSONL_NULL)
		return val_null();
	uint8_t type = typed ? sysmon_type(f->key) : 0x01;
	const char *s = f->val;
	uint64_t v;
	switch (type) {
	case 0x0f:
		if (canonical_guid(s))
			return val_guid(p, s);
		break;
	case 0x08:
	case 0x06:
		if (canonical_uint(s, 10, type == 0x08 ? UINT32_MAX : UINT16_MAX, &v))
			return val_u(p, type, v);
		break;
	case 0x14:
	case 0x15:
		if (s[0] == '0' && s[1] == 'x' && canonical_uint(s + 2, 16, type == 0x14 ? UINT32_MAX : UINT64_MAX, &v))
			return val_u(p, type, v);
		break;
	case 0x0d:
		if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0)
			return val_u(p, 0x0d, s[0] == 't');
		break;
	}
	return val_str(p, s);
}

/* "2026-03-02 08:00:00.404" (T for the space, a Z, up to 7 fraction
 * digits allowed) as a FILETIME; false when it is not such a time. */
static bool parse_utc(const char *s, uint64_t *ft)
{
	unsigned f[6] = { 0 };
	static const char sep[] = "-- ::";
	const char *p = s;
	for (int k = 0; k < 6; k++) {
		unsigned width = k == 0 ? 4 : 2, v = 0;
		for (unsigned d = 0; d < width; d++, p++) {
			if (*p < '0' || *p > '9')
				return false;
			v = v * 10 + (unsigned)(*p - '0');
		}
		f[k] = v;
		if (k < 5) {
			if (*p != sep[k] && !(k == 2 && *p == 'T'))
				return false;
			p++;
		}
	}
	uint64_t frac = 0;
	unsigned digits = 0;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++)
			if (digits < 7) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				digits++;
			}
		if (!digits)
			return false;
	}
	for (; digits < 7; digits++)
		frac *= 10;
	if (*p == 'Z')
		p++;
	if (*p || f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 || f[4] > 59 || f[5] > 60 || f[0] < 1601)
		return false;
	/* days from civil, counted from 1970-01-01 */
	int64_t y = (int64_t)f[0] - (f[1] <= 2), era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400, mp = (f[1] + 9) % 12;
	int64_t doy = (153 * mp + 2) / 5 + f[2] - 1, doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = era * 146097 + doe - 719468;
	int64_t secs = days * 86400 + f[3] * 3600 + f[4] * 60 + f[5] + 11644473600LL;
	*ft = (uint64_t)secs * 10000000u + frac;
	return true;
}

/* An unsigned decimal (JSON number or string of digits) up to max. */
static bool jl_uint(const struct jsonl_field *f, uint64_t max, uint64_t *v)
{
	const char *s = f->val;
	if ((f->kind != JSONL_NUMBER && f->kind != JSONL_STRING) || !*s)
		return false;
	uint64_t x = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || x > (max - (uint64_t)(*s - '0')) / 10)
			return false;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*v = x;
	return true;
}

static const char sysmon_provider[] = "Microsoft-Windows-Sysmon";
enum { SYS_EVENTID, SYS_COMPUTER, SYS_CHANNEL, SYS_PROVIDER, SYS_RECORD, NSYS };
static const char *const sys_keys[NSYS] = { "EventID", "Computer", "Channel", "Provider_Name", "EventRecordID" };

/* The Event and System template of a provider, made at its first use. */
static struct evtxw_tpl *outer_of(struct jl *j, const char *provider)
{
	for (size_t i = 0; i < j->nouters; i++)
		if (strcmp(j->outers[i].provider, provider) == 0)
			return &j->outers[i].tpl;
	if (j->nouters == JL_MAX_SHAPES)
		return NULL;
	if (!j->outers) {
		j->outers = calloc(JL_MAX_SHAPES, sizeof(*j->outers));
		if (!j->outers)
			abort();
	}
	struct outer *o = &j->outers[j->nouters];
	o->provider = strdup(provider);
	if (!o->provider)
		abort();
	char guid[48];
	snprintf(guid, sizeof(guid), "{B1000000-0000-0000-0000-%012zX}", j->nouters + 1);
	tpl_init(&o->tpl, 0x5d000000u + (uint32_t)j->nouters, guid);
	event_open(&o->tpl, o->provider, strcmp(provider, sysmon_provider) == 0 ? sysmon_guid : NULL);
	tpl_sub(&o->tpl, SYS_SUBS, 0x21, true);
	tpl_close(&o->tpl);
	j->nouters++;
	return &o->tpl;
}

/* The template for this line's shape, made at its first use; NULL when
 * the table is full. types[i] is the type of data[i]'s value. */
static struct shape *shape_of(struct jl *j, const char *provider, unsigned id, const struct jsonl_field *data,
			      const uint8_t *types, size_t nd)
{
	char idtext[8];
	snprintf(idtext, sizeof(idtext), "%u", id);
	size_t len = strlen(provider) + 1 + strlen(idtext) + 1 + nd + 1;
	for (size_t i = 0; i < nd; i++)
		len += strlen(data[i].key) + 1;
	uint64_t h = fnv(provider, strlen(provider) + 1, 0xcbf29ce484222325ULL);
	h = fnv(idtext, strlen(idtext) + 1, h);
	h = fnv(types, nd, h);
	for (size_t i = 0; i < nd; i++)
		h = fnv(data[i].key, strlen(data[i].key) + 1, h);
	for (size_t i = 0; i < j->nshapes; i++) {
		const struct shape *s = &j->shapes[i];
		if (s->hash != h || s->keylen != len)
			continue;
		const char *k = s->key;
		bool same = strcmp(k, provider) == 0;
		k += strlen(k) + 1;
		same = same && strcmp(k, idtext) == 0;
		k += strlen(k) + 1;
		same = same && memcmp(k, types, nd) == 0;
		k += nd;
		for (size_t d = 0; same && d < nd; d++) {
			k += strlen(k) + 1;
			same = strcmp(k, data[d].key) == 0;
		}
		if (same)
			return &j->shapes[i];
	}
	if (j->nshapes == JL_MAX_SHAPES)
		return NULL;
	struct evtxw_tpl *outer = j->strings ? NULL : outer_of(j, provider);
	if (!j->strings && !outer)
		return NULL;
	if (!j->shapes) {
		j->shapes = calloc(JL_MAX_SHAPES, sizeof(*j->shapes));
		if (!j->shapes)
			abort();
	}
	struct shape *s = &j->shapes[j->nshapes];
	s->hash = h;
	s->keylen = len;
	s->outer = outer;
	s->key = malloc(len);
	if (!s->key)
		abort();
	char *k = s->key;
	const char *names[JSONL_MAX_FIELDS];
	size_t n = strlen(provider) + 1;
	memcpy(k, provider, n);
	const char *prov = k;
	k += n;
	n = strlen(idtext) + 1;
	memcpy(k, idtext, n);
	k += n;
	memcpy(k, types, nd);
	k += nd;
	*k++ = '\0';
	for (size_t i = 0; i < nd; i++) {
		n = strlen(data[i].key) + 1;
		memcpy(k, data[i].key, n);
		names[i] = k;
		k += n;
	}
	char guid[48];
	snprintf(guid, sizeof(guid), "{B2000000-0000-0000-0000-%012zX}", j->nshapes + 1);
	tpl_init(&s->tpl, 0x5e000000u + (uint32_t)j->nshapes, guid);
	uint16_t first = 0;
	if (j->strings) {
		event_open(&s->tpl, prov, strcmp(prov, sysmon_provider) == 0 ? sysmon_guid : NULL);
		first = SYS_SUBS;
	}
	tpl_open(&s->tpl, "EventData");
	for (size_t i = 0; i < nd; i++)
		tpl_data(&s->tpl, names[i], (uint16_t)(first + i), types[i]);
	tpl_close(&s->tpl);
	if (j->strings)
		tpl_close(&s->tpl);
	j->nshapes++;
	return s;
}

/* One line as one record: 1 written, 0 skipped (reported). */
static int jl_line(struct jl *j, struct evtxw *w, const char *in, uint64_t lineno, const char *line, size_t len,
		   char *scratch, struct jsonl_field *f)
{
	const char *err;
	size_t at;
	int nf = jsonl_parse(line, len, scratch, f, &err, &at);
	if (nf < 0) {
		fprintf(stderr, "evtxgen: %s: line %llu: %s (at byte %zu)\n", in, (unsigned long long)lineno, err, at + 1);
		return 0;
	}
	const struct jsonl_field *sys[NSYS] = { NULL };
	struct jsonl_field data[JSONL_MAX_FIELDS];
	size_t nd = 0;
	for (int i = 0; i < nf; i++) {
		int k;
		for (k = 0; k < NSYS && strcmp(f[i].key, sys_keys[k]) != 0; k++)
			;
		if (k == NSYS) {
			data[nd++] = f[i];
			continue;
		}
		if (sys[k]) {
			fprintf(stderr, "evtxgen: %s: line %llu: %s given twice\n", in, (unsigned long long)lineno, sys_keys[k]);
			return 0;
		}
		sys[k] = &f[i];
	}
	uint64_t id, record = j->record + 1;
	if (!sys[SYS_EVENTID] || !jl_uint(sys[SYS_EVENTID], 65535, &id)) {
		fprintf(stderr, "evtxgen: %s: line %llu: no EventID from 0 to 65535\n", in, (unsigned long long)lineno);
		return 0;
	}
	if (sys[SYS_RECORD] && sys[SYS_RECORD]->kind != JSONL_NULL && !jl_uint(sys[SYS_RECORD], UINT64_MAX, &record)) {
		fprintf(stderr, "evtxgen: %s: line %llu: EventRecordID is not an unsigned number\n", in,
			(unsigned long long)lineno);
		return 0;
	}
	for (size_t i = 0; i < nd; i++)
		if (strcmp(data[i].key, "UtcTime") == 0 && data[i].kind == JSONL_STRING)
			parse_utc(data[i].val, &j->time);   /* else the time of the line before */
	const struct jsonl_field *pf = sys[SYS_PROVIDER];
	const char *provider = pf && pf->kind != JSONL_NULL && *pf->val ? pf->val : sysmon_provider;
	bool sysmon = strcmp(provider, sysmon_provider) == 0;
	struct evtxw_pool *p = &j->pool;
	struct evtxw_val v[SYS_SUBS + 1 + JSONL_MAX_FIELDS];
	struct evtxw_val *dv = j->strings ? v + SYS_SUBS : v + SYS_SUBS + 1;
	uint8_t types[JSONL_MAX_FIELDS] = { 0 };
	for (size_t i = 0; i < nd; i++) {
		dv[i] = data_val(p, &data[i], sysmon && !j->strings);
		/* A NULL takes the type the field has when it is there. */
		types[i] = dv[i].type ? dv[i].type : sysmon && !j->strings ? sysmon_type(data[i].key) : 0x01;
	}
	struct shape *s = shape_of(j, provider, (unsigned)id, data, types, nd);
	if (!s) {
		evtxw_pool_reset(p);
		fprintf(stderr, "evtxgen: %s: line %llu: more than %d shapes of event\n", in, (unsigned long long)lineno,
			JL_MAX_SHAPES);
		return 0;
	}
	j->record = record;
	const char *host = sys[SYS_COMPUTER] && sys[SYS_COMPUTER]->kind != JSONL_NULL ? sys[SYS_COMPUTER]->val : NULL;
	const char *chan = sys[SYS_CHANNEL] && sys[SYS_CHANNEL]->kind != JSONL_NULL ? sys[SYS_CHANNEL]->val : NULL;
	/* The Sysmon service keeps its process id on a host; threads vary. */
	uint64_t hh = fnv(host ? host : "", host ? strlen(host) : 0, 0xcbf29ce484222325ULL);
	v[0] = val_u(p, 0x04, 4);
	v[1] = val_u(p, 0x04, 0);
	v[2] = val_u(p, 0x06, sysmon ? id : 0);
	v[3] = val_u(p, 0x06, id);
	v[4] = val_u(p, 0x04, sysmon ? sysmon_version((unsigned)id) : 0);
	v[5] = val_u(p, 0x15, sysmon ? 0x8000000000000000ULL : 0);
	v[6] = val_u(p, 0x11, j->time);
	v[7] = val_null();
	v[8] = val_u(p, 0x08, 1000 + hh % 8000);
	v[9] = val_u(p, 0x08, 4 * (1 + fnv(&record, sizeof(record), hh) % 4000));
	v[10] = val_u(p, 0x0a, record);
	v[11] = val_null();
	v[12] = val_sid(p, "S-1-5-18");
	v[13] = val_null();
	v[14] = chan ? val_str(p, chan) : val_null();
	v[15] = host ? val_str(p, host) : val_null();
	int rc;
	if (j->strings) {
		rc = evtxw_record(w, &s->tpl, v, SYS_SUBS + nd, j->time);
	} else {
		v[SYS_SUBS] = val_nested(&s->tpl, dv, nd);
		rc = evtxw_record(w, s->outer, v, SYS_SUBS + 1, j->time);
	}
	evtxw_pool_reset(p);
	if (rc < 0) {
		fprintf(stderr, "evtxgen: %s: line %llu: the record does not fit a 64 KiB chunk\n", in,
			(unsigned long long)lineno);
		return 0;
	}
	return 1;
}

/* Every line of `in` ("-": standard input) through jl_line; 0, or 1 when
 * the input cannot be read. */
static int from_jsonl(const char *in, struct evtxw *w, bool strings)
{
	FILE *f = strcmp(in, "-") == 0 ? stdin : fopen(in, "rb");
	if (!f) {
		fprintf(stderr, "evtxgen: cannot read '%s': %s\n", in, strerror(errno));
		return 1;
	}
	struct jl j;
	memset(&j, 0, sizeof(j));
	j.strings = strings;
	j.time = 133590240000000000ULL;   /* 2024-05-01T08:00:00Z until a UtcTime says otherwise */
	char *line = malloc(JL_LINE_CAP + 1), *scratch = malloc(JL_LINE_CAP + 1);
	struct jsonl_field *fields = malloc(JSONL_MAX_FIELDS * sizeof(*fields));
	if (!line || !scratch || !fields)
		abort();
	uint64_t lineno = 0, written = 0, bad = 0;
	int c = 0;
	while (c != EOF) {
		size_t len = 0;
		bool long_line = false;
		while ((c = getc(f)) != EOF && c != '\n') {
			if (len < JL_LINE_CAP)
				line[len++] = (char)c;
			else
				long_line = true;
		}
		if (c == EOF && len == 0 && !long_line)
			break;
		lineno++;
		if (lineno == 1 && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
			memmove(line, line + 3, len - 3);   /* a byte order mark */
			len -= 3;
		}
		if (long_line) {
			fprintf(stderr, "evtxgen: %s: line %llu: longer than %u bytes\n", in, (unsigned long long)lineno,
				JL_LINE_CAP);
			bad++;
			continue;
		}
		size_t k = 0;
		while (k < len && (line[k] == ' ' || line[k] == '\t' || line[k] == '\r'))
			k++;
		if (k == len)
			continue;   /* blank */
		if (jl_line(&j, w, in, lineno, line, len, scratch, fields) == 1)
			written++;
		else
			bad++;
	}
	int rc = ferror(f) ? 1 : 0;
	if (rc)
		fprintf(stderr, "evtxgen: cannot read '%s'\n", in);
	if (f != stdin)
		fclose(f);
	fprintf(stderr, "evtxgen: %s: %llu records written, %llu bad lines skipped, %zu templates\n", in,
		(unsigned long long)written, (unsigned long long)bad, j.nshapes + j.nouters);
	for (size_t i = 0; i < j.nshapes; i++) {
		tpl_release(&j.shapes[i].tpl);
		free(j.shapes[i].key);
	}
	for (size_t i = 0; i < j.nouters; i++) {
		tpl_release(&j.outers[i].tpl);
		free(j.outers[i].provider);
	}
	free(j.shapes);
	free(j.outers);
	evtxw_pool_release(&j.pool);
	free(line);
	free(scratch);
	free(fields);
	return rc;
}

static void usage(void)
{
	fprintf(stderr, "usage: evtxgen [-k sysmon|security|mixed|sample] [-n RECORDS | -m MIB] [-s SEED]\n"
			"               [--no-dep-ids] [--plain] [--no-odd] [--damage CHUNK:WHAT[,WHAT]]... [--dirty]\n"
			"               OUT.evtx\n"
			"       evtxgen --from-jsonl IN.jsonl [--strings] [--no-dep-ids] [--plain] OUT.evtx\n"
			"WHAT: bad-magic, bad-crc, slack, bad-record\n");
	exit(2);
}

static unsigned long long num(const char *s)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	enum kind kind = K_MIXED;
	uint64_t records = 1000, mib = 0;
	struct evtxw_opts o = { false, false };
	bool dirty = false, strings = false;
	const char *out = NULL, *jsonl = NULL;
	unsigned dmg_at[64], dmg[64];
	size_t ndmg = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-k") == 0 && i + 1 < argc) {
			const char *k = argv[++i];
			kind = strcmp(k, "sysmon") == 0     ? K_SYSMON
			       : strcmp(k, "security") == 0 ? K_SECURITY
			       : strcmp(k, "mixed") == 0    ? K_MIXED
			       : strcmp(k, "sample") == 0   ? K_SAMPLE
							    : (usage(), K_MIXED);
		} else if (strcmp(a, "-n") == 0 && i + 1 < argc) {
			records = num(argv[++i]);
			mib = 0;
		} else if (strcmp(a, "-m") == 0 && i + 1 < argc) {
			mib = num(argv[++i]);
		} else if (strcmp(a, "-s") == 0 && i + 1 < argc) {
			rng ^= num(argv[++i]) * 0x9e3779b97f4a7c15ULL;
			if (!rng)
				rng = 1;
		} else if (strcmp(a, "--from-jsonl") == 0 && i + 1 < argc) {
			jsonl = argv[++i];
		} else if (strcmp(a, "--strings") == 0) {
			strings = true;
		} else if (strcmp(a, "--no-dep-ids") == 0) {
			o.no_dep_ids = true;
		} else if (strcmp(a, "--no-odd") == 0) {
			odd_shapes = false;
		} else if (strcmp(a, "--plain") == 0) {
			o.plain = true;
		} else if (strcmp(a, "--dirty") == 0) {
			dirty = true;
		} else if (strcmp(a, "--damage") == 0 && i + 1 < argc && ndmg < 64) {
			char spec[128];
			snprintf(spec, sizeof(spec), "%s", argv[++i]);
			char *colon = strchr(spec, ':');
			if (!colon)
				usage();
			*colon = '\0';
			dmg_at[ndmg] = (unsigned)num(spec);
			dmg[ndmg] = 0;
			for (char *save = NULL, *w = strtok_r(colon + 1, ",", &save); w;
			     w = strtok_r(NULL, ",", &save)) {
				dmg[ndmg] |= strcmp(w, "bad-magic") == 0    ? EVTXW_BAD_MAGIC
					     : strcmp(w, "bad-crc") == 0    ? EVTXW_BAD_CRC
					     : strcmp(w, "slack") == 0      ? EVTXW_SLACK
					     : strcmp(w, "bad-record") == 0 ? EVTXW_BAD_RECORD
									    : (usage(), 0u);
			}
			ndmg++;
		} else if (a[0] == '-' || out) {
			usage();
		} else {
			out = a;
		}
	}
	if (!out)
		usage();
	FILE *f = fopen(out, "wb");
	if (!f) {
		fprintf(stderr, "evtxgen: cannot write '%s': %s\n", out, strerror(errno));
		return 1;
	}
	struct gen g;
	memset(&g, 0, sizeof(g));
	g.w = evtxw_open(f, &o);
	for (size_t i = 0; i < ndmg; i++)
		evtxw_damage(g.w, dmg_at[i], dmg[i]);
	build_tpls(&g.T);
	g.time = 133590240000000000ULL;   /* 2024-05-01T08:00:00Z */
	uint64_t limit = mib ? mib << 20 : 0;
	int in_rc = jsonl ? from_jsonl(jsonl, g.w, strings) : 0;
	for (uint64_t i = 0; !jsonl && (mib ? (uint64_t)ftell(f) < limit : i < records); i++) {
		if (one(&g, kind, i) < 0) {
			fprintf(stderr, "evtxgen: a record does not fit a chunk\n");
			return 1;
		}
	}
	int rc = evtxw_close(g.w, dirty);
	evtxw_pool_release(&g.pool);
	free_tpls(&g.T);
	if (fclose(f) != 0 || rc < 0) {
		fprintf(stderr, "evtxgen: cannot write '%s'\n", out);
		return 1;
	}
	return in_rc;
}
