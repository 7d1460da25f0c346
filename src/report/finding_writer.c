/*
 * finding_writer.c: the table, CSV and JSON lines forms of findings.
 */
#include "report/finding_writer.h"
#include "report/emit.h"
#include "util/sbuf.h"
#include "util/wtime.h"

#include <string.h>

static void print_clean(FILE *o, const char *s, size_t max)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < n && i < max; i++)
		putc_unlocked((unsigned char)s[i] < 0x20 ? ' ' : s[i], o);
	if (n > max)
		fputs("...", o);
}

/* Text wrapped at about 76 columns under an indent. */
static void print_wrapped(FILE *o, const char *s, int indent)
{
	int col = indent;
	fprintf(o, "%*s", indent, "");
	while (*s) {
		const char *sp = strchr(s, ' ');
		size_t w = sp ? (size_t)(sp - s) : strlen(s);
		if (col > indent && col + (int)w > 100) {
			fprintf(o, "\n%*s", indent, "");
			col = indent;
		}
		for (size_t i = 0; i < w; i++)
			putc_unlocked((unsigned char)s[i] < 0x20 ? ' ' : s[i], o);
		col += (int)w;
		s += w;
		if (*s == ' ') {
			putc_unlocked(' ', o);
			col++;
			s++;
		}
	}
	putc_unlocked('\n', o);
}

static void table_row(FILE *o, const struct wh_finding *f, bool explain)
{
	char tb[WH_TIME_BUFSZ];
	fprintf(o, "%-20.20s  ", f->time == WH_TIME_NONE ? "-" : wh_time_format(f->time, 0, tb));
	fprintf(o, "%-24.24s  %-8.8s  ", *f->host ? f->host : "-",
		f->severity == WH_SEV_INFO ? "info" : wh_severity_name(f->severity));
	print_clean(o, f->title, 100);
	fputc('\n', o);
	fprintf(o, "%30s%s  %s", "", f->id, wh_stage_name(f->stage));
	if (*f->attack)
		fprintf(o, "  [%s]", f->attack);
	fprintf(o, "  confidence %u\n", f->confidence);
	if (f->image && *f->image) {
		fprintf(o, "%30sprocess: ", "");
		print_clean(o, f->image, 160);
		if (f->pid)
			fprintf(o, " (pid %llu)", (unsigned long long)f->pid);
		fputc('\n', o);
	}
	for (uint32_t i = 0; i < f->ndetails; i++) {
		fprintf(o, "%30s%s: ", "", f->details[i].key);
		print_clean(o, f->details[i].value, 160);
		fputc('\n', o);
	}
	if (explain && *f->explanation)
		print_wrapped(o, f->explanation, 30);
}

static void csv_row(FILE *o, const struct wh_finding *f)
{
	wh_emit_time(o, f->time);
	putc_unlocked(',', o);
	wh_emit_time(o, f->time_end);
	putc_unlocked(',', o);
	wh_emit_csv(o, f->host, strlen(f->host));
	fprintf(o, ",%s,%u,%s,", wh_severity_name(f->severity), f->confidence, wh_stage_name(f->stage));
	wh_emit_csv(o, f->id, strlen(f->id));
	putc_unlocked(',', o);
	wh_emit_csv(o, f->title, strlen(f->title));
	putc_unlocked(',', o);
	wh_emit_csv(o, f->attack, strlen(f->attack));
	putc_unlocked(',', o);
	struct wh_sbuf v = WH_SBUF_INIT(4096);
	for (int i = 0; i < WH_VP_COUNT_; i++)
		if (f->viewpoints & (1u << i))
			wh_sbuf_addf(&v, "%s%s", v.len ? ";" : "", wh_viewpoint_names[i]);
	wh_emit_csv(o, wh_sbuf_str(&v), v.len);
	wh_sbuf_release(&v);
	putc_unlocked(',', o);
	const char *img = f->image ? f->image : "";
	wh_emit_csv(o, img, strlen(img));
	putc_unlocked(',', o);
	if (f->nevidence) {
		wh_emit_csv(o, f->evidence[0].source, strlen(f->evidence[0].source));
		fprintf(o, ",%llu,", (unsigned long long)f->evidence[0].offset);
	} else {
		fputs(",,", o);
	}
	struct wh_sbuf d = WH_SBUF_INIT(1 << 20);
	for (uint32_t i = 0; i < f->ndetails; i++)
		wh_sbuf_addf(&d, "%s%s=%s", d.len ? "; " : "", f->details[i].key, f->details[i].value);
	wh_emit_csv(o, wh_sbuf_str(&d), d.len);
	wh_sbuf_release(&d);
	putc_unlocked('\n', o);
}

void wh_findings_begin(FILE *out, enum wh_fmt fmt)
{
	if (fmt == WH_FMT_CSV)
		fputs("time,time_end,host,severity,confidence,stage,id,title,attack,viewpoints,process,source,"
		      "offset,details\n", out);
}

void wh_finding_write(FILE *out, enum wh_fmt fmt, const struct wh_finding *f, bool explain)
{
	switch (fmt) {
	case WH_FMT_CSV:
		csv_row(out, f);
		break;
	case WH_FMT_JSON:
		wh_finding_write_json(out, f);
		break;
	default:
		table_row(out, f, explain);
		break;
	}
}

void wh_findings_write(FILE *out, enum wh_fmt fmt, const struct wh_findings *l, bool explain)
{
	wh_findings_begin(out, fmt);
	for (size_t i = 0; i < l->n; i++)
		wh_finding_write(out, fmt, &l->v[i], explain);
}

int wh_findings_max_severity(const struct wh_findings *l)
{
	int m = -1;
	for (size_t i = 0; i < l->n; i++)
		if ((int)l->v[i].severity > m)
			m = (int)l->v[i].severity;
	return m;
}
