#include "read/scan.h"
#include "util/diag.h"
#include "util/sbuf.h"
#include "util/xalloc.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void wh_scan_init(struct wh_scan *s, wh_scan_fn fn, void *arg)
{
	memset(s, 0, sizeof(*s));
	s->opts.threads = 1;
	s->fn = fn;
	s->arg = arg;
	/* Real logs expand 10 to 60 times (the OTRF zips at most 54); deflate
	 * tops out near 1030. Past 64 MiB out, more than 250 times is a bomb. */
	s->max_ratio = 250;
}

void wh_scan_release(struct wh_scan *s)
{
	for (size_t i = 0; i < s->npassed; i++)
		free(s->passed[i]);
	free(s->passed);
	s->passed = NULL;
	s->npassed = s->passed_cap = 0;
}

static void passed_over(struct wh_scan *s, const char *name, const char *why)
{
	struct wh_sbuf sb = WH_SBUF_INIT(4096);
	wh_sbuf_addf(&sb, "%s (%s)", name, why);
	WH_GROW(s->passed, s->npassed + 1, s->passed_cap);
	s->passed[s->npassed++] = wh_sbuf_detach(&sb);
}

static void count_format(struct wh_scan *s, const char *format, uint64_t events)
{
	size_t n = sizeof(s->formats) / sizeof(s->formats[0]);
	for (size_t i = 0; i < n; i++) {
		if (!s->formats[i].format || strcmp(s->formats[i].format, format) == 0) {
			s->formats[i].format = format;
			s->formats[i].inputs++;
			s->formats[i].events += events;
			return;
		}
	}
}

/* ---- plain files ---- */

static ssize_t fd_read(struct wh_input *in, void *buf, size_t n)
{
	for (;;) {
		ssize_t r = read((int)(intptr_t)in->raw, buf, n);
		if (r >= 0)
			return r;
		if (errno == EINTR)
			continue;
		wh_error("%s: offset %llu: cannot read: %s", in->name,
			 (unsigned long long)in->pos, strerror(errno));
		return -1;
	}
}

/* ---- archives ---- */

struct member {
	struct archive *a;
	struct wh_scan *s;
	uint64_t out;
	bool bomb;
};

static ssize_t member_read(struct wh_input *in, void *buf, size_t n)
{
	struct member *m = in->raw;
	if (m->bomb)
		return 0;
	ssize_t r;
	do {
		r = archive_read_data(m->a, buf, n);
	} while (r == ARCHIVE_RETRY);
	if (r < 0) {
		wh_error("%s: offset %llu: cannot decompress: %s", in->name,
			 (unsigned long long)in->pos, archive_error_string(m->a));
		return -1;
	}
	m->out += (uint64_t)r;
	int64_t packed = archive_filter_bytes(m->a, -1);
	if (m->out > (64u << 20) && packed > 0 && m->out / (uint64_t)packed > m->s->max_ratio) {
		wh_error("%s: offset %llu: expands more than %llu times its compressed size, "
			 "possible zip bomb: rest of member skipped",
			 in->name, (unsigned long long)in->pos, (unsigned long long)m->s->max_ratio);
		m->bomb = true;
		return -1;
	}
	return r;
}

/* libarchive reading from a parent input (an archive inside an archive). */
static ssize_t parent_cb(struct archive *a, void *data, const void **buf)
{
	(void)a;
	struct wh_input *parent = data;
	static _Thread_local unsigned char block[1 << 16];
	ssize_t r = wh_input_read(parent, block, sizeof(block));
	*buf = block;
	return r < 0 ? -1 : r;
}

static int scan_input(struct wh_scan *s, struct wh_input *in, int depth);

enum archive_kind { AR_NONE, AR_COMPRESSED, AR_CONTAINER };

static enum archive_kind archive_magic(const unsigned char *b, size_t n)
{
	if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b)
		return AR_COMPRESSED;                      /* gzip */
	if (n >= 3 && memcmp(b, "BZh", 3) == 0)
		return AR_COMPRESSED;                      /* bzip2 */
	if (n >= 6 && memcmp(b, "\xfd" "7zXZ\0", 6) == 0)
		return AR_COMPRESSED;                      /* xz */
	if (n >= 4 && memcmp(b, "\x28\xb5\x2f\xfd", 4) == 0)
		return AR_COMPRESSED;                      /* zstd */
	if (n >= 4 && (memcmp(b, "PK\3\4", 4) == 0 || memcmp(b, "PK\5\6", 4) == 0))
		return AR_CONTAINER;                       /* zip */
	if (n >= 6 && memcmp(b, "7z\xbc\xaf\x27\x1c", 6) == 0)
		return AR_CONTAINER;                       /* 7z */
	if (n >= 262 && memcmp(b + 257, "ustar", 5) == 0)
		return AR_CONTAINER;                       /* tar */
	return AR_NONE;
}

static void scan_archive(struct wh_scan *s, struct wh_input *in, enum archive_kind kind, int depth)
{
	if (depth >= WH_SCAN_MAX_NEST) {
		passed_over(s, in->name, "archive nested too deep");
		return;
	}
	struct archive *a = archive_read_new();
	archive_read_support_filter_all(a);
	archive_read_support_format_zip(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_7zip(a);
	if (kind == AR_COMPRESSED)
		archive_read_support_format_raw(a);
	/* Rewind: libarchive must see the magic too. */
	in->head_pos = 0;
	in->pos = 0;
	int rc = archive_read_open(a, in, NULL, parent_cb, NULL);
	if (rc != ARCHIVE_OK) {
		wh_error("%s: cannot open archive: %s", in->name, archive_error_string(a));
		s->unreadable++;
		archive_read_free(a);
		return;
	}
	struct archive_entry *e;
	for (;;) {
		rc = archive_read_next_header(a, &e);
		if (rc == ARCHIVE_EOF)
			break;
		if (rc == ARCHIVE_RETRY)
			continue;
		if (rc < ARCHIVE_WARN) {
			wh_error("%s: archive damaged after member %llu: %s", in->name,
				 (unsigned long long)archive_filter_bytes(a, -1), archive_error_string(a));
			s->unreadable++;
			break;
		}
		if (archive_entry_filetype(e) != AE_IFREG)
			continue;
		const char *mname = archive_entry_pathname(e);
		if (!mname)
			mname = "?";
		struct wh_sbuf nm = WH_SBUF_INIT(8192);
		bool raw = archive_format(a) == ARCHIVE_FORMAT_RAW;
		if (raw)
			wh_sbuf_addstr(&nm, in->name);
		else
			wh_sbuf_addf(&nm, "%s:%s", in->name, mname);
		struct member m = { a, s, 0, false };
		struct wh_input child = {
			.name = wh_sbuf_str(&nm),
			.fd = -1,
			.size = archive_entry_size_is_set(e) ? (uint64_t)archive_entry_size(e) : 0,
			.raw_read = member_read,
			.raw = &m,
		};
		/* macOS resource forks are metadata, not logs. */
		const char *base = strrchr(mname, '/');
		base = base ? base + 1 : mname;
		int mrc = 0;
		if (strncmp(mname, "__MACOSX/", 9) == 0 || strncmp(base, "._", 2) == 0)
			passed_over(s, child.name, "macOS metadata");
		else
			mrc = scan_input(s, &child, depth + 1);
		wh_sbuf_release(&nm);
		if (m.bomb && mrc == 0)
			s->unreadable++;   /* the reader did not see the cut as an error */
		if (s->stopped)
			break;
	}
	archive_read_free(a);
}

/* ---- dispatch ---- */

/* Returns -1 when the input was counted as unreadable. */
static int run_reader(struct wh_scan *s, const struct wh_reader *r, struct wh_input *in)
{
	if (s->take_input) {
		uint64_t taken = 0;
		int rc = s->take_input(r, in, s->arg, &taken);
		if (rc != 0) {
			if (rc < 0)
				s->unreadable++;
			else
				s->inputs++;
			s->events += taken;
			count_format(s, r->name, taken);
			return rc < 0 ? -1 : 0;
		}
	}
	void *st = r->open(in, &s->opts);
	if (!st) {
		s->unreadable++;
		return -1;
	}
	s->inputs++;
	struct wh_arena dummy = WH_ARENA_INIT;
	struct wh_event ev;
	wh_event_init(&ev, &dummy);
	uint64_t n = 0;
	int rc;
	for (;;) {
		wh_event_clear(&ev);
		ev.source = in->name;
		ev.format = r->name;
		rc = r->next(st, &ev);
		if (rc <= 0)
			break;
		n++;
		if (s->fn && s->fn(&ev, s->arg)) {
			s->stopped = true;
			break;
		}
	}
	if (rc < 0)
		s->unreadable++;
	r->close(st);
	wh_event_release(&ev);
	wh_arena_release(&dummy);
	s->events += n;
	count_format(s, r->name, n);
	return rc < 0 ? -1 : 0;
}

/* Returns -1 when the input was counted as unreadable. */
static int scan_input(struct wh_scan *s, struct wh_input *in, int depth)
{
	int rc = 0;
	unsigned char *head = wh_xmalloc(WH_SNIFF_BYTES);
	ssize_t got = wh_input_read_full(in, head, WH_SNIFF_BYTES);
	if (got < 0) {
		s->unreadable++;
		free(head);
		return -1;
	}
	in->head = head;
	in->head_len = (size_t)got;
	in->head_pos = 0;
	in->pos = 0;
	if (got == 0) {
		passed_over(s, in->name, "empty");
		goto out;
	}
	enum archive_kind ak = archive_magic(head, (size_t)got);
	if (ak != AR_NONE && !s->force) {
		scan_archive(s, in, ak, depth);
		goto out;
	}
	const struct wh_reader *r = s->force ? s->force : wh_reader_sniff(head, (size_t)got);
	if (!r) {
		const char *why = (got >= 4 && memcmp(head, "\0\5\26\7", 4) == 0)
					  ? "macOS metadata"
					  : "not a log format whitehawk reads";
		passed_over(s, in->name, why);
		goto out;
	}
	rc = run_reader(s, r, in);
out:
	in->head = NULL;
	free(head);
	return rc;
}

static int cmp_names(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void scan_path(struct wh_scan *s, const char *path, int level)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		wh_error("cannot read '%s': %s", path, strerror(errno));
		s->unreadable++;
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		if (level > 32) {
			wh_error("'%s': folders nested too deep", path);
			s->unreadable++;
			return;
		}
		struct dirent **list;
		int n = scandir(path, &list, NULL, cmp_names);
		if (n < 0) {
			wh_error("cannot read folder '%s': %s", path, strerror(errno));
			s->unreadable++;
			return;
		}
		for (int i = 0; i < n; i++) {
			const char *nm = list[i]->d_name;
			if (!s->stopped && strcmp(nm, ".") != 0 && strcmp(nm, "..") != 0) {
				struct wh_sbuf sb = WH_SBUF_INIT(8192);
				size_t pl = strlen(path);
				if (pl && path[pl - 1] == '/')
					wh_sbuf_addf(&sb, "%s%s", path, nm);
				else
					wh_sbuf_addf(&sb, "%s/%s", path, nm);
				if (!sb.overflow)
					scan_path(s, wh_sbuf_str(&sb), level + 1);
				wh_sbuf_release(&sb);
			}
			free(list[i]);
		}
		free(list);
		return;
	}
	if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) && strcmp(path, "/dev/stdin") != 0) {
		passed_over(s, path, "not a regular file");
		return;
	}
	int fd = strcmp(path, "-") == 0 ? dup(0) : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		wh_error("cannot open '%s': %s", path, strerror(errno));
		s->unreadable++;
		return;
	}
	struct wh_input in = {
		.name = path,
		.fd = S_ISREG(st.st_mode) ? fd : -1,
		.size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0,
		.raw_read = fd_read,
		.raw = (void *)(intptr_t)fd,   /* fd_read's descriptor, also for a pipe */
	};
	scan_input(s, &in, 0);
	close(fd);
}

int wh_scan_paths(struct wh_scan *s, char *const *paths, int n)
{
	uint64_t before = s->unreadable;
	for (int i = 0; i < n && !s->stopped; i++)
		scan_path(s, paths[i], 0);
	wh_diag_flush();
	return s->unreadable > before ? -1 : 0;
}

void wh_scan_summary(const struct wh_scan *s, FILE *out)
{
	fprintf(out, "whitehawk: read %llu input%s", (unsigned long long)s->inputs,
		s->inputs == 1 ? "" : "s");
	size_t nf = sizeof(s->formats) / sizeof(s->formats[0]);
	for (size_t i = 0; i < nf && s->formats[i].format; i++)
		fprintf(out, "%s%s %llu", i ? ", " : " (", s->formats[i].format,
			(unsigned long long)s->formats[i].inputs);
	if (s->formats[0].format)
		fputc(')', out);
	fprintf(out, ": %llu events, %llu bad records skipped", (unsigned long long)s->events,
		(unsigned long long)wh_diag.bad_records);
	if (s->unreadable)
		fprintf(out, ", %llu inputs unreadable", (unsigned long long)s->unreadable);
	fputc('\n', out);
	if (s->npassed) {
		fprintf(out, "whitehawk: passed over %zu input%s that %s not logs:\n", s->npassed,
			s->npassed == 1 ? "" : "s", s->npassed == 1 ? "is" : "are");
		for (size_t i = 0; i < s->npassed; i++)
			fprintf(out, "  %s\n", s->passed[i]);
	}
}
