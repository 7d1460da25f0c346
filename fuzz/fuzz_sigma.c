/*
 * fuzz_sigma.c: the Sigma rule parser and compiler on arbitrary bytes: YAML,
 * detection, modifiers, conditions, correlations. Whatever loads is then
 * compiled and matched against a fixed event, so the matcher sees every
 * shape of rule the parser accepts.
 */
#include "detect/sigma/sigma.h"
#include "model/event.h"
#include "util/diag.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void on_hit(const struct wh_sigma_hit *h, void *arg)
{
	(void)h;
	(*(int *)arg)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	wh_diag.quiet = true;
	setenv("WH_NO_SYSCONF", "1", 1);
	setenv("WH_NO_CACHE", "1", 1);
	struct wh_sigma *s = wh_sigma_new();
	wh_sigma_load_mapping(s, NULL);
	wh_sigma_load_buffer(s, "fuzz.yml", (const char *)data, size);
	wh_sigma_compile(s);
	struct wh_arena a;
	wh_arena_init(&a, 4096, 0);
	struct wh_event ev;
	wh_event_init(&ev, &a);
	ev.channel = "Microsoft-Windows-Sysmon/Operational";
	ev.provider = "Microsoft-Windows-Sysmon";
	ev.format = "json";
	ev.source = "fuzz";
	ev.event_id = 1;
	ev.time = 1700000000000000000LL;
	wh_event_add_str(&ev, "EventID", "1");
	wh_event_add_str(&ev, "Image", "C:\\Users\\a\\Downloads\\x.pdf   .exe");
	wh_event_add_str(&ev, "CommandLine", "powershell -enc aQBlAHgA /c whoami");
	wh_event_add_str(&ev, "ParentImage", "C:\\Windows\\explorer.exe");
	wh_event_add_str(&ev, "DestinationIp", "10.1.2.3");
	wh_event_add_str(&ev, "UtcTime", "2026-03-02 10:00:00.000");
	wh_event_add_str(&ev, "User", "CORP\\bob");
	wh_event_classify(&ev);
	int hits = 0;
	for (int i = 0; i < 3; i++) {
		wh_sigma_match(s, &ev, on_hit, &hits);
		ev.time += 1000000000LL;
	}
	wh_sigma_finish(s, on_hit, &hits);
	wh_event_release(&ev);
	wh_arena_release(&a);
	wh_sigma_free(s);
	return 0;
}
