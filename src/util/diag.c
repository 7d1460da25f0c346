#include "util/diag.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wh_diag_state wh_diag;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char last_source[512];
static unsigned last_count;
static uint64_t last_hidden;

__attribute__((format(printf, 2, 0)))
static void vprint(const char *prefix, const char *fmt, va_list ap)
{
	fputs("whitehawk: ", stderr);
	if (prefix)
		fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int wh_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pthread_mutex_lock(&lock);
	wh_diag.errors++;
	vprint("error: ", fmt, ap);
	pthread_mutex_unlock(&lock);
	va_end(ap);
	return -1;
}

void wh_warn(const char *fmt, ...)
{
	if (wh_diag.quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	pthread_mutex_lock(&lock);
	vprint("warning: ", fmt, ap);
	pthread_mutex_unlock(&lock);
	va_end(ap);
}

static void flush_locked(void)
{
	if (last_hidden)
		fprintf(stderr, "whitehawk: %s: %llu more messages not shown\n", last_source,
			(unsigned long long)last_hidden);
	last_hidden = 0;
}

/* Returns whether a message about source may be printed. */
static int admit_locked(const char *source)
{
	if (strncmp(source, last_source, sizeof(last_source) - 1) != 0) {
		flush_locked();
		snprintf(last_source, sizeof(last_source), "%s", source);
		last_count = 0;
	}
	if (++last_count > WH_DIAG_PER_SOURCE && !wh_diag.strict) {
		last_hidden++;
		wh_diag.suppressed++;
		return 0;
	}
	return 1;
}

void wh_bad_record(const char *source, uint64_t offset, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pthread_mutex_lock(&lock);
	wh_diag.bad_records++;
	if (admit_locked(source) && !wh_diag.quiet) {
		fprintf(stderr, "whitehawk: %s: offset %llu: ", source, (unsigned long long)offset);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	pthread_mutex_unlock(&lock);
	va_end(ap);
	if (wh_diag.strict) {
		fprintf(stderr, "whitehawk: stopping at the first bad record (--strict)\n");
		exit(2);
	}
}

void wh_note(const char *source, const char *fmt, ...)
{
	if (wh_diag.quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	pthread_mutex_lock(&lock);
	if (admit_locked(source)) {
		fprintf(stderr, "whitehawk: %s: ", source);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	pthread_mutex_unlock(&lock);
	va_end(ap);
}

void wh_diag_flush(void)
{
	pthread_mutex_lock(&lock);
	flush_locked();
	last_source[0] = '\0';
	last_count = 0;
	pthread_mutex_unlock(&lock);
}

void wh_die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	wh_diag_flush();
	vprint(NULL, fmt, ap);
	va_end(ap);
	exit(2);
}

void wh_bug_at(const char *file, int line, const char *msg)
{
	fprintf(stderr, "whitehawk: BUG: %s:%d: %s\n", file, line, msg);
	abort();
}
