#include "net/print.h"
#include "net/analysis.h"
#include "report/emit.h"
#include "util/xalloc.h"

#include <netinet/in.h>
#include <string.h>

static const char *name_of(struct wh_trace_printer *p, const struct wh_addr *a)
{
	if (p->numeric || !p->name)
		return NULL;
	return p->name(a, p->name_arg);
}

static double ms(int64_t ns)
{
	return (double)ns / 1e6;
}

static void mpls_text(FILE *o, const struct wh_hop_probe *pr)
{
	fputs("<MPLS:", o);
	for (unsigned i = 0; i < pr->nmpls; i++)
		fprintf(o, "%sL=%u,E=%u,S=%u,T=%u", i ? "/" : "", pr->mpls[i].label, pr->mpls[i].exp, pr->mpls[i].s,
			pr->mpls[i].ttl);
	fputc('>', o);
}

static void print_addr_linux(struct wh_trace_printer *p, const struct wh_addr *a)
{
	char buf[WH_ADDR_STRLEN];
	wh_addr_str(a, buf);
	if (p->numeric) {
		fprintf(p->out, " %s", buf);
		return;
	}
	const char *n = name_of(p, a);
	fprintf(p->out, " %s (%s)", n ? n : buf, buf);
}

static void as_note(struct wh_trace_printer *p, const struct wh_addr *a)
{
	if (!p->as_lookups)
		return;
	struct wh_asn_info ai;
	if (wh_asdb_lookup(p->asdb, a, &ai))
		fprintf(p->out, " [AS%u%s%s]", ai.asn, ai.name[0] ? " " : "", ai.name);
	else if (ai.label)
		fprintf(p->out, " [%s]", ai.label);
	else
		fputs(" [*]", p->out);
}

static const char *nat_words(uint8_t f, char *buf, size_t n)
{
	buf[0] = '\0';
	size_t off = 0;
	static const char *const w[] = { "src-addr", "src-port", "dst-port", "checksum", "tos" };
	for (unsigned i = 0; i < 5; i++)
		if (f & (1u << i)) {
			int k = snprintf(buf + off, n - off, "%s%s", off ? "," : "", w[i]);
			if (k > 0 && (size_t)k < n - off)
				off += (size_t)k;
		}
	return buf;
}

/* traceroute 2.x: "%2u " then each probe; an address is printed when it
 * differs from the previous answered probe of the hop. */
static void hop_linux(struct wh_trace_printer *p, const struct wh_trace *t, unsigned h, bool extras)
{
	const struct wh_hop *hp = &t->hops[h];
	FILE *o = p->out;
	fprintf(o, "%2u ", h);
	const struct wh_hop_probe *prev = NULL;
	for (uint32_t i = 0; i < hp->n; i++) {
		const struct wh_hop_probe *pr = &hp->p[i];
		if (pr->rtt < 0) {
			fputs(" *", o);
			continue;
		}
		if (!prev || !wh_addr_eq(&prev->from, &pr->from)) {
			print_addr_linux(p, &pr->from);
			if (extras)
				as_note(p, &pr->from);
		}
		fprintf(o, "  %.3f ms", ms(pr->rtt));
		if (pr->annot[0])
			fprintf(o, " %s", pr->annot);
		if (pr->nmpls && (p->extensions || extras)) {
			fputc(' ', o);
			mpls_text(o, pr);
		}
		if (extras && pr->nat) {
			char nb[64];
			fprintf(o, " [nat:%s]", nat_words(pr->nat, nb, sizeof(nb)));
		}
		if (extras && pr->late)
			fputs(" (late)", o);
		prev = pr;
	}
	fputc('\n', o);
}

static void print_linux(struct wh_trace_printer *p, const struct wh_trace *t, bool extras)
{
	char buf[WH_ADDR_STRLEN];
	unsigned last = wh_trace_last_ttl(t, p->o);
	fprintf(p->out, "traceroute to %s (%s), %u hops max, %zu byte packets", t->name,
		wh_addr_str(&t->dst, buf), p->o->max_ttl, p->packetlen);
	if (extras)
		fprintf(p->out, ", %s", wh_method_name(p->o->method));
	fputc('\n', p->out);
	for (unsigned h = p->o->first_ttl; h <= last; h++)
		hop_linux(p, t, h, extras);
}

static void rtt_windows(FILE *o, const struct wh_hop_probe *pr)
{
	if (pr->rtt < 0) {
		fputs("     *   ", o);
		return;
	}
	if (pr->rtt < 1000000)
		fputs("    <1 ms", o);
	else
		fprintf(o, "%6lld ms", (long long)(pr->rtt / 1000000));
}

static const char *windows_unreach(const struct wh_hop_probe *pr)
{
	if (pr->annot[0] == '\0')
		return NULL;
	if (strcmp(pr->annot, "!N") == 0)
		return "Destination net unreachable.";
	if (strcmp(pr->annot, "!H") == 0)
		return "Destination host unreachable.";
	if (strcmp(pr->annot, "!P") == 0)
		return "Destination protocol unreachable.";
	if (strcmp(pr->annot, "!X") == 0)
		return "Communication administratively prohibited.";
	return "General failure.";
}

static void print_windows(struct wh_trace_printer *p, const struct wh_trace *t)
{
	FILE *o = p->out;
	char buf[WH_ADDR_STRLEN];
	unsigned last = wh_trace_last_ttl(t, p->o);
	wh_addr_str(&t->dst, buf);
	bool numeric_target = strcmp(t->name, buf) == 0;
	const char *tname = numeric_target ? name_of(p, &t->dst) : t->name;
	if (tname)
		fprintf(o, "\nTracing route to %s [%s]\nover a maximum of %u hops:\n\n", tname, buf, p->o->max_ttl);
	else
		fprintf(o, "\nTracing route to %s over a maximum of %u hops\n\n", buf, p->o->max_ttl);
	for (unsigned h = p->o->first_ttl; h <= last; h++) {
		const struct wh_hop *hp = &t->hops[h];
		fprintf(o, "%3u", h);
		const struct wh_hop_probe *who = NULL;
		for (uint32_t i = 0; i < hp->n; i++) {
			rtt_windows(o, &hp->p[i]);
			if (hp->p[i].rtt >= 0)
				who = &hp->p[i];
		}
		if (!who) {
			fputs("  Request timed out.\n", o);
			continue;
		}
		wh_addr_str(&who->from, buf);
		const char *n = name_of(p, &who->from);
		const char *un = windows_unreach(who);
		if (n)
			fprintf(o, "  %s [%s]", n, buf);
		else
			fprintf(o, "  %s", buf);
		if (un)
			fprintf(o, "  reports: %s", un);
		fputc('\n', o);
	}
	fputs("\nTrace complete.\n", o);
}

static void summary(struct wh_trace_printer *p, const struct wh_trace *t)
{
	FILE *o = p->out;
	unsigned last = wh_trace_last_ttl(t, p->o);
	double secs = (double)(t->end - t->start) / 1e9;
	if (t->dest_ttl)
		fprintf(o, "-- destination reached at hop %u", t->dest_ttl);
	else if (t->stop_ttl)
		fprintf(o, "-- stopped at hop %u: unreachable", t->stop_ttl);
	else
		fprintf(o, "-- destination not reached in %u hops", last);
	fprintf(o, "; %u probes in %.3f s\n", t->nprobes, secs);
	if (t->nat) {
		char nb[64];
		fprintf(o, "-- NAT or rewriting middlebox before hop %u: quoted %s differ from what was sent\n", t->nat_hop,
			nat_words(t->nat, nb, sizeof(nb)));
	}
	if (p->as_lookups) {
		/* AS path: consecutive hops of one AS collapse; special ranges are labelled, not mapped. */
		fputs("-- AS path:", o);
		char prev[128] = "";
		bool any = false;
		for (unsigned h = p->o->first_ttl; h <= last; h++) {
			const struct wh_hop *hp = &t->hops[h];
			const struct wh_hop_probe *pr = NULL;
			for (uint32_t i = 0; i < hp->n && !pr; i++)
				if (hp->p[i].rtt >= 0)
					pr = &hp->p[i];
			if (!pr)
				continue;
			struct wh_asn_info ai;
			char cur[128];
			if (wh_asdb_lookup(p->asdb, &pr->from, &ai))
				snprintf(cur, sizeof(cur), "AS%u", ai.asn);
			else
				snprintf(cur, sizeof(cur), "[%s]", ai.label ? ai.label : "unknown");
			if (strcmp(cur, prev) != 0) {
				fprintf(o, "%s %s", any ? " >" : "", cur);
				snprintf(prev, sizeof(prev), "%s", cur);
				any = true;
			}
		}
		fputs(any ? "\n" : " none\n", o);
	}
}

static void print_dropped(struct wh_trace_printer *p)
{
	if (!p->stats)
		return;
	uint64_t total = 0;
	for (unsigned d = 0; d < WH_DROP__COUNT; d++)
		if (d != WH_DROP_UNRELATED)
			total += p->stats->drop[d];
	if (!total)
		return;
	fputs("-- replies ignored:", p->out);
	bool first = true;
	for (unsigned d = 0; d < WH_DROP__COUNT; d++)
		if (d != WH_DROP_UNRELATED && p->stats->drop[d]) {
			fprintf(p->out, "%s %llu %s", first ? "" : ",", (unsigned long long)p->stats->drop[d],
				wh_drop_name((enum wh_drop)d));
			first = false;
		}
	fputc('\n', p->out);
}

static void print_cycles(struct wh_trace_printer *p, const struct wh_trace *t)
{
	FILE *o = p->out;
	char buf[WH_ADDR_STRLEN];
	struct wh_hop_stats *st = wh_xcalloc(WH_TRACE_MAX_TTL + 1, sizeof(*st));
	wh_trace_hop_stats(t, p->o, st, WH_TRACE_MAX_TTL + 1);
	unsigned last = wh_trace_last_ttl(t, p->o);
	fprintf(o, "statistics to %s (%s) over %u cycles, %s\n", t->name, wh_addr_str(&t->dst, buf), p->o->cycles,
		wh_method_name(p->o->method));
	fprintf(o, "hop  %-22s %9s %9s %9s  %-16s %-16s %s\n", "address", "min ms", "avg ms", "max ms", "node lost/sent",
		"link loss", "notes");
	for (unsigned h = p->o->first_ttl; h <= last; h++) {
		const struct wh_hop_stats *s = &st[h];
		char ls[32], nl[32];
		snprintf(nl, sizeof(nl), "%u/%u %3.0f%%", s->sent - s->received, s->sent, s->loss * 100);
		snprintf(ls, sizeof(ls), "%3.0f%%", s->link_loss * 100);
		if (!s->received) {
			fprintf(o, "%3u  %-22s %9s %9s %9s  %-16s %-16s\n", h, "*", "-", "-", "-", nl, "-");
			continue;
		}
		fprintf(o, "%3u  %-22s %9.3f %9.3f %9.3f  %-16s %-16s", h, wh_addr_str(&s->addr, buf), ms(s->rtt_min),
			ms(s->rtt_avg), ms(s->rtt_max), nl, ls);
		if (s->naddrs > 1)
			fprintf(o, " %u addresses;", s->naddrs);
		if (s->node_loss > 0.005)
			fprintf(o, " %.0f%% not answered by the router itself;", s->node_loss * 100);
		if (s->jump_persists)
			fprintf(o, " bottleneck hint: +%.3f ms here, kept by every later hop;", ms(s->jump));
		else if (s->jump >= WH_JUMP_MIN_NS && s->rtt_min > 0 && h < last)
			fprintf(o, " +%.3f ms here not kept later: slow to answer, not a bottleneck;", ms(s->jump));
		fputc('\n', o);
	}
	free(st);
}

static void print_mda(struct wh_trace_printer *p, const struct wh_trace *t)
{
	FILE *o = p->out;
	char buf[WH_ADDR_STRLEN], b2[WH_ADDR_STRLEN];
	struct wh_mda_graph g;
	wh_mda_graph_build(t, p->o, &g);
	fprintf(o, "multipath trace to %s (%s), %s, %u flows, epsilon %g\n", t->name, wh_addr_str(&t->dst, buf),
		wh_method_name(p->o->method), t->nflows, p->o->mda_epsilon);
	for (unsigned h = g.first_ttl; h <= g.last_ttl; h++) {
		unsigned c = g.count[h];
		if (!c) {
			fprintf(o, "%2u  *\n", h);
			continue;
		}
		for (unsigned i = 0; i < c; i++) {
			const struct wh_mda_iface *f = &g.ifaces[g.first[h] + i];
			if (i == 0)
				fprintf(o, "%2u  ", h);
			else
				fputs("    ", o);
			fprintf(o, "%-20s %4u probes %8.3f ms", wh_addr_str(&f->addr, buf), f->probes, ms(f->rtt_min));
			bool arrow = false;
			for (size_t k = 0; k < g.nlinks; k++)
				if (g.links[k].ttl == h && wh_addr_eq(&g.links[k].from, &f->addr)) {
					fprintf(o, "%s%s", arrow ? ", " : "  -> ", wh_addr_str(&g.links[k].to, b2));
					arrow = true;
				}
			fputc('\n', o);
		}
		/* The diamond, drawn: where paths split and join. */
		if (h < g.last_ttl && (c >= 2 || g.count[h + 1] >= 2) && c != g.count[h + 1] && c && g.count[h + 1])
			fprintf(o, "    %s\n", c < g.count[h + 1] ? "/ \\  paths split" : "\\ /  paths join");
	}
	fprintf(o, "-- %u diamond%s, widest %u interface%s at one hop, %zu links\n", g.diamonds, g.diamonds == 1 ? "" : "s",
		g.max_width, g.max_width == 1 ? "" : "s", g.nlinks);
	wh_mda_graph_release(&g);
}

static void json_addr(FILE *o, const struct wh_addr *a)
{
	char buf[WH_ADDR_STRLEN];
	if (!a->family) {
		fputs("null", o);
		return;
	}
	fprintf(o, "\"%s\"", wh_addr_str(a, buf));
}

static void json_str(FILE *o, const char *s)
{
	wh_emit_json_str(o, s, strlen(s));
}

static void nat_json(FILE *o, uint8_t f)
{
	static const char *const w[] = { "src_addr", "src_port", "dst_port", "checksum", "tos" };
	fputc('[', o);
	bool first = true;
	for (unsigned i = 0; i < 5; i++)
		if (f & (1u << i)) {
			fprintf(o, "%s\"%s\"", first ? "" : ",", w[i]);
			first = false;
		}
	fputc(']', o);
}

static void as_json(struct wh_trace_printer *p, const struct wh_addr *a)
{
	if (!p->as_lookups)
		return;
	struct wh_asn_info ai;
	int m = wh_asdb_lookup(p->asdb, a, &ai);
	fputs(",\"asn\":", p->out);
	if (m)
		fprintf(p->out, "%u", ai.asn);
	else
		fputs("null", p->out);
	if (ai.name[0]) {
		fputs(",\"as_name\":", p->out);
		json_str(p->out, ai.name);
	}
	if (ai.label)
		fprintf(p->out, ",\"range\":\"%s\"", ai.label);
}

static void print_json(struct wh_trace_printer *p, const struct wh_trace *t)
{
	FILE *o = p->out;
	unsigned last = wh_trace_last_ttl(t, p->o);
	fputs("{\"target\":", o);
	json_str(o, t->name);
	fputs(",\"address\":", o);
	json_addr(o, &t->dst);
	fputs(",\"source\":", o);
	json_addr(o, &t->src);
	fprintf(o, ",\"family\":%d,\"method\":\"%s\",\"first_ttl\":%u,\"max_ttl\":%u,\"queries\":%u,\"packet_len\":%zu",
		t->dst.family == AF_INET6 ? 6 : 4, wh_method_name(p->o->method), p->o->first_ttl, p->o->max_ttl,
		p->o->nqueries, p->packetlen);
	const char *stop = t->dest_ttl ? "reached" : t->stop_ttl ? "unreachable" : "max_ttl";
	fprintf(o, ",\"result\":\"%s\",\"dest_ttl\":", stop);
	if (t->dest_ttl)
		fprintf(o, "%u", t->dest_ttl);
	else
		fputs("null", o);
	fprintf(o, ",\"probes\":%u,\"duration_ms\":%.3f", t->nprobes, ms(t->end - t->start));
	fputs(",\"nat\":", o);
	if (t->nat) {
		fprintf(o, "{\"first_hop\":%u,\"changed\":", t->nat_hop);
		nat_json(o, t->nat);
		fputc('}', o);
	} else {
		fputs("null", o);
	}
	struct wh_hop_stats *st = NULL;
	if (p->o->cycles) {
		st = wh_xcalloc(WH_TRACE_MAX_TTL + 1, sizeof(*st));
		wh_trace_hop_stats(t, p->o, st, WH_TRACE_MAX_TTL + 1);
	}
	fputs(",\"hops\":[", o);
	for (unsigned h = p->o->first_ttl; h <= last; h++) {
		const struct wh_hop *hp = &t->hops[h];
		fprintf(o, "%s{\"ttl\":%u,\"probes\":[", h == p->o->first_ttl ? "" : ",", h);
		for (uint32_t i = 0; i < hp->n; i++) {
			const struct wh_hop_probe *pr = &hp->p[i];
			fputs(i ? ",{\"addr\":" : "{\"addr\":", o);
			json_addr(o, &pr->from);
			if (pr->rtt < 0) {
				fputs(",\"rtt_ms\":null", o);
				if (p->o->mda)
					fprintf(o, ",\"flow\":%u", pr->flow);
				fputc('}', o);
				continue;
			}
			const char *n = name_of(p, &pr->from);
			if (n) {
				fputs(",\"name\":", o);
				json_str(o, n);
			}
			fprintf(o, ",\"rtt_ms\":%.3f,\"icmp_type\":%u,\"icmp_code\":%u,\"quoted_ttl\":%u,\"reply_ttl\":%u",
				ms(pr->rtt), pr->type, pr->code, pr->q_ttl, pr->reply_ttl);
			if (pr->kind == WH_RK_TCP)
				fputs(",\"tcp\":true", o);
			if (pr->annot[0]) {
				fputs(",\"annotation\":", o);
				json_str(o, pr->annot);
			}
			if (pr->dest)
				fputs(",\"destination\":true", o);
			if (pr->late)
				fputs(",\"late\":true", o);
			if (pr->nat) {
				fputs(",\"nat\":", o);
				nat_json(o, pr->nat);
			}
			if (p->o->mda)
				fprintf(o, ",\"flow\":%u", pr->flow);
			if (pr->nmpls) {
				fputs(",\"mpls\":[", o);
				for (unsigned k = 0; k < pr->nmpls; k++)
					fprintf(o, "%s{\"label\":%u,\"exp\":%u,\"s\":%u,\"ttl\":%u}", k ? "," : "",
						pr->mpls[k].label, pr->mpls[k].exp, pr->mpls[k].s, pr->mpls[k].ttl);
				fputc(']', o);
			}
			as_json(p, &pr->from);
			fputc('}', o);
		}
		fputc(']', o);
		if (st) {
			const struct wh_hop_stats *s = &st[h];
			fprintf(o, ",\"stats\":{\"sent\":%u,\"received\":%u,\"loss\":%.4f,\"node_loss\":%.4f,\"link_loss\":%.4f",
				s->sent, s->received, s->loss, s->node_loss, s->link_loss);
			if (s->received)
				fprintf(o, ",\"rtt_min_ms\":%.3f,\"rtt_avg_ms\":%.3f,\"rtt_max_ms\":%.3f,\"rtt_sdev_ms\":%.3f,"
					   "\"jump_ms\":%.3f,\"bottleneck\":%s",
					ms(s->rtt_min), ms(s->rtt_avg), ms(s->rtt_max), ms(s->rtt_sdev), ms(s->jump),
					s->jump_persists ? "true" : "false");
			fputc('}', o);
		}
		fputc('}', o);
	}
	fputc(']', o);
	free(st);
	if (p->o->mda) {
		struct wh_mda_graph g;
		wh_mda_graph_build(t, p->o, &g);
		fprintf(o, ",\"mda\":{\"flows\":%u,\"epsilon\":%g,\"diamonds\":%u,\"max_width\":%u,\"links\":[", t->nflows,
			p->o->mda_epsilon, g.diamonds, g.max_width);
		for (size_t k = 0; k < g.nlinks; k++) {
			fprintf(o, "%s{\"ttl\":%u,\"from\":", k ? "," : "", g.links[k].ttl);
			json_addr(o, &g.links[k].from);
			fputs(",\"to\":", o);
			json_addr(o, &g.links[k].to);
			fprintf(o, ",\"flows\":%u}", g.links[k].flows);
		}
		fputs("]}", o);
		wh_mda_graph_release(&g);
	}
	if (p->stats) {
		fputs(",\"ignored\":{", o);
		bool first = true;
		for (unsigned d = 0; d < WH_DROP__COUNT; d++) {
			static const char *const keys[WH_DROP__COUNT] = { "malformed", "unrelated", "unmatched",
									  "mismatched", "duplicate", "late" };
			fprintf(o, "%s\"%s\":%llu", first ? "" : ",", keys[d], (unsigned long long)p->stats->drop[d]);
			first = false;
		}
		fputc('}', o);
	}
	fputs("}\n", o);
}

static void print_csv(struct wh_trace_printer *p, const struct wh_trace *t)
{
	FILE *o = p->out;
	char buf[WH_ADDR_STRLEN], db[WH_ADDR_STRLEN];
	if (!p->csv_header_done) {
		fputs("target,address,method,ttl,probe,from,rtt_ms,icmp_type,icmp_code,annotation,destination,asn\n", o);
		p->csv_header_done = true;
	}
	unsigned last = wh_trace_last_ttl(t, p->o);
	for (unsigned h = p->o->first_ttl; h <= last; h++) {
		const struct wh_hop *hp = &t->hops[h];
		for (uint32_t i = 0; i < hp->n; i++) {
			const struct wh_hop_probe *pr = &hp->p[i];
			wh_emit_csv(o, t->name, strlen(t->name));
			fprintf(o, ",%s,%s,%u,%u,", wh_addr_str(&t->dst, db), wh_method_name(p->o->method), h, i + 1);
			if (pr->rtt < 0) {
				fputs(",,,,,0,\n", o);
				continue;
			}
			fprintf(o, "%s,%.3f,%u,%u,%s,%d,", wh_addr_str(&pr->from, buf), ms(pr->rtt), pr->type, pr->code,
				pr->annot, pr->dest ? 1 : 0);
			struct wh_asn_info ai;
			if (p->as_lookups && wh_asdb_lookup(p->asdb, &pr->from, &ai))
				fprintf(o, "%u", ai.asn);
			fputc('\n', o);
		}
	}
}

void wh_trace_print(struct wh_trace_printer *p, const struct wh_trace *t)
{
	if (p->format == WH_FMT_JSON) {
		print_json(p, t);
		return;
	}
	if (p->format == WH_FMT_CSV) {
		print_csv(p, t);
		return;
	}
	if (p->o->mda) {
		print_mda(p, t);
		summary(p, t);
		print_dropped(p);
		return;
	}
	if (p->o->cycles) {
		print_cycles(p, t);
		summary(p, t);
		print_dropped(p);
		return;
	}
	switch (p->style) {
	case WH_STYLE_LINUX:
		print_linux(p, t, false);
		break;
	case WH_STYLE_WINDOWS:
		print_windows(p, t);
		break;
	case WH_STYLE_WHITEHAWK:
		print_linux(p, t, true);
		summary(p, t);
		print_dropped(p);
		break;
	}
}
