/*
 * fuzz_sigma_diff.c: the compiled matcher (engine.c) against the plain one
 * (plain.c), which evaluates every rule leaf by leaf.
 *
 * The input is Sigma rules (YAML), then a line "%%", then events (JSON
 * lines, an auditd log, EVTX ...), read by the reader `whitehawk hunt`
 * would pick for them (JSON when none claims them). Without the "%%" line
 * the rules meet a few built-in events. Two rule sets are loaded from the
 * same text; every event goes through the compiled matcher of one and the
 * plain matcher of the other, three times over, so that the compiled
 * matcher's memo replays what it stored. Each event must fire the same
 * rules in both, and the correlations the same hits at the end. A
 * difference traps, after printing both. Seeds: gen-sigma-diff-corpus.py.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/sigma/sigma.h"
#include "model/event.h"
#include "read/reader.h"
#include "util/diag.h"
#include "../tests/unit/memread.h"

extern const struct wh_reader wh_reader_json;

static const char default_events[] =
	"{\"EventID\":1,\"Channel\":\"Microsoft-Windows-Sysmon/Operational\",\"Provider_Name\":\"Microsoft-Windows-"
	"Sysmon\",\"Computer\":\"ws1\",\"UtcTime\":\"2026-03-02 10:00:00.000\",\"Image\":\"C:\\\\Users\\\\a\\\\Downloads\\\\"
	"x.pdf   .exe\",\"CommandLine\":\"powershell -enc aQBlAHgA /c whoami\",\"ParentImage\":\"C:\\\\Windows\\\\"
	"explorer.exe\",\"User\":\"CORP\\\\bob\",\"ProcessId\":\"0x1a2c\",\"Signed\":\"false\"}\n"
	"{\"EventID\":3,\"Channel\":\"Microsoft-Windows-Sysmon/Operational\",\"Provider_Name\":\"Microsoft-Windows-"
	"Sysmon\",\"Computer\":\"ws1\",\"UtcTime\":\"2026-03-02 10:00:05.000\",\"Image\":\"C:\\\\Windows\\\\System32\\\\"
	"rundll32.exe\",\"DestinationIp\":\"10.1.2.3\",\"DestinationPort\":4444,\"Initiated\":\"true\"}\n"
	"{\"EventID\":4688,\"Channel\":\"Security\",\"Provider_Name\":\"Microsoft-Windows-Security-Auditing\","
	"\"Computer\":\"ws1\",\"NewProcessName\":\"C:\\\\Windows\\\\System32\\\\cmd.exe\",\"CommandLine\":\"cmd /c "
	"whoami /all\",\"NewProcessId\":\"0x1a2c\",\"ParentProcessName\":\"C:\\\\Windows\\\\explorer.exe\"}\n";

struct hits {
	uint64_t *v;   /* rule index << 32 | count */
	size_t n, cap;
};

static void on_hit(const struct wh_sigma_hit *h, void *arg)
{
	struct hits *x = arg;
	if (x->n == x->cap) {
		x->cap = x->cap ? 2 * x->cap : 16;
		x->v = realloc(x->v, x->cap * sizeof(*x->v));
		if (!x->v)
			abort();
	}
	x->v[x->n++] = (uint64_t)h->rule->index << 32 | (uint32_t)h->count;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* The two lists, sorted, must be equal. */
static void same(struct hits *a, struct hits *b, const struct wh_sigma *s, const char *what)
{
	if (a->n)
		qsort(a->v, a->n, sizeof(*a->v), cmp_u64);
	if (b->n)
		qsort(b->v, b->n, sizeof(*b->v), cmp_u64);
	if (a->n == b->n && (a->n == 0 || memcmp(a->v, b->v, a->n * sizeof(*a->v)) == 0))
		return;
	fprintf(stderr, "fuzz_sigma_diff: %s: the compiled matcher and the plain one differ\n", what);
	for (int k = 0; k < 2; k++) {
		struct hits *x = k ? b : a;
		fprintf(stderr, "  %s:", k ? "plain" : "compiled");
		for (size_t i = 0; i < x->n; i++)
			fprintf(stderr, " '%s' x%u", wh_sigma_rule_at(s, x->v[i] >> 32)->title, (unsigned)x->v[i]);
		fputc('\n', stderr);
	}
	__builtin_trap();
}

static struct wh_sigma *load(const char *rules, size_t n)
{
	struct wh_sigma *s = wh_sigma_new();
	wh_sigma_load_mapping(s, NULL);
	wh_sigma_load_buffer(s, "fuzz.yml", rules, n);
	if (wh_sigma_compile(s) < 0) {
		wh_sigma_free(s);
		return NULL;
	}
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	wh_diag.quiet = true;
	setenv("WH_NO_SYSCONF", "1", 1);
	setenv("WH_NO_CACHE", "1", 1);
	const char *text = (const char *)data, *events = default_events;
	size_t nrules = size, nevents = sizeof(default_events) - 1;
	const char *sep = size >= 4 ? memmem(text, size, "\n%%\n", 4) : NULL;
	if (sep) {
		nrules = (size_t)(sep - text) + 1;
		events = sep + 4;
		nevents = size - nrules - 3;
	}
	struct wh_sigma *compiled = load(text, nrules), *plain = load(text, nrules);
	if (!compiled || !plain || wh_sigma_nrules(compiled) == 0)
		goto out;
	struct hits a = { 0 }, b = { 0 };
	struct wh_arena arena = WH_ARENA_INIT;
	struct wh_event ev;
	wh_event_init(&ev, &arena);
	struct wh_read_opts opts = { 1, false };
	/* the reader whitehawk would pick (JSON lines, auditd ...), else JSON */
	const struct wh_reader *rd = wh_reader_sniff((const unsigned char *)events, nevents);
	if (!rd)
		rd = &wh_reader_json;
	for (int round = 0; round < 3; round++) {
		struct memsrc m = { events, nevents, 0, 0 };
		struct wh_input in = { .name = "fuzz", .fd = -1, .raw_read = memsrc_read, .raw = &m };
		void *st = rd->open(&in, &opts);
		if (!st)
			break;
		for (int i = 0; i < 1000; i++) {
			wh_event_clear(&ev);
			ev.source = "fuzz";
			ev.format = rd->name;
			if (rd->next(st, &ev) <= 0)
				break;
			a.n = b.n = 0;
			wh_sigma_match(compiled, &ev, on_hit, &a);
			wh_sigma_match_plain(plain, &ev, on_hit, &b);
			same(&a, &b, compiled, "an event");
		}
		rd->close(st);
	}
	a.n = b.n = 0;
	wh_sigma_finish(compiled, on_hit, &a);
	wh_sigma_finish(plain, on_hit, &b);
	same(&a, &b, compiled, "the correlations at the end");
	wh_event_release(&ev);
	wh_arena_release(&arena);
	free(a.v);
	free(b.v);
out:
	wh_sigma_free(compiled);
	wh_sigma_free(plain);
	return 0;
}
