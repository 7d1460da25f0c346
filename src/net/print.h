/*
 * print.h: a finished trace as the user sees it: traceroute's format
 * (--style linux), tracert's (--style windows), whitehawk's own (traceroute's
 * lines plus AS, MPLS, NAT and a summary), JSON lines (docs/trace.md has the
 * schema) and CSV. Multipath (--mda) and statistics (--cycles) have their
 * own text layouts.
 */
#ifndef WH_NET_PRINT_H
#define WH_NET_PRINT_H

#include "net/asn.h"
#include "net/tracer.h"

#include <stdio.h>

enum wh_trace_style { WH_STYLE_WHITEHAWK, WH_STYLE_LINUX, WH_STYLE_WINDOWS };
enum wh_trace_format { WH_FMT_TEXT, WH_FMT_JSON, WH_FMT_CSV };

/* Reverse name of an address, or NULL (the caller's cache). */
typedef const char *(*wh_name_fn)(const struct wh_addr *a, void *arg);

struct wh_trace_printer {
	FILE *out;
	enum wh_trace_style style;
	enum wh_trace_format format;
	const struct wh_trace_opts *o;
	const struct wh_tracer_stats *stats;
	bool numeric;              /* -n / -d */
	bool extensions;           /* -e: MPLS labels in the linux style */
	bool as_lookups;           /* annotate hops with AS numbers */
	struct wh_asdb *asdb;
	wh_name_fn name;
	void *name_arg;
	size_t packetlen;          /* for the header */
	bool csv_header_done;
};

void wh_trace_print(struct wh_trace_printer *p, const struct wh_trace *t);

#endif
