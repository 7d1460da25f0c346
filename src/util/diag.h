/*
 * diag.h: messages to the user and the counts behind the summary.
 *
 * Messages follow one form: "whitehawk: FILE: offset N: what went wrong",
 * lowercase, no full stop, the subject in quotes. Library code reports with
 * these and returns a status; only main() and the cmd_* layer end the
 * process (wh_die), and only for usage errors or broken invariants (WH_BUG).
 *
 * Bad records are counted, and after WH_DIAG_PER_SOURCE messages about one
 * source the rest are counted but not printed, so a broken file cannot
 * drown the terminal. The functions are safe to call from several threads.
 */
#ifndef WH_DIAG_H
#define WH_DIAG_H

#include <stdbool.h>
#include <stdint.h>

#define WH_DIAG_PER_SOURCE 20

struct wh_diag_state {
	bool strict;            /* --strict: the first bad record fails the run */
	bool quiet;             /* print no warnings (errors still print) */
	uint64_t errors;        /* errors reported (files that could not be read ...) */
	uint64_t bad_records;   /* records skipped as broken */
	uint64_t suppressed;    /* messages counted but not printed */
};

extern struct wh_diag_state wh_diag;

/* "whitehawk: error: ..." on stderr; returns -1 so `return wh_error(...)` reads well. */
int wh_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void wh_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A broken record in `source` at byte `offset`: counted, printed (within the limit). */
void wh_bad_record(const char *source, uint64_t offset, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A note about a source that is not an error (a member passed over ...). */
void wh_note(const char *source, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Usage error or fatal condition: message and exit status 2. */
_Noreturn void wh_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A broken invariant: a bug in whitehawk, not in the input. */
_Noreturn void wh_bug_at(const char *file, int line, const char *msg);
#define WH_BUG(msg) wh_bug_at(__FILE__, __LINE__, (msg))

/* Print "N more messages about ... not shown" for a source that passed the limit. */
void wh_diag_flush(void);

#endif
