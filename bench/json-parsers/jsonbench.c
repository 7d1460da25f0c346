/*
 * jsonbench.c: what the JSON hot path costs with one candidate parser.
 *
 * The hot path of `whitehawk events` parses one JSON document per line and
 * visits every key and every scalar value once, nested objects included
 * (winlog.event_data.*, Event.System.*). This driver does exactly that with
 * the walker it is linked with (jb_ours.c, jb_jansson.c, jb_jsonc.c,
 * jb_cjson.c) and prints one line:
 *
 *   NAME CPU_SECONDS MB_PER_S DOCS_PER_S DOCS FAILED SCALARS BYTES
 *
 * bench/json-parsers/run builds one binary per parser, runs them on the same
 * file, and checks that every parser saw the same documents, scalars and
 * bytes of keys and strings, so a faster answer cannot come from less work.
 * This is a benchmark, not part of whitehawk.
 *
 * usage: jsonbench FILE [RUNS]
 */
#include "jsonbench.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: jsonbench FILE [RUNS]\n");
		return 2;
	}
	int runs = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 3;
	if (runs < 1 || runs > 100)
		runs = 3;
	int fd = open(argv[1], O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "jsonbench: cannot open '%s': %s\n", argv[1], strerror(errno));
		return 2;
	}
	size_t size = (size_t)st.st_size;
	char *orig = malloc(size + 1), *work = malloc(size + 1);
	if (!orig || !work)
		return 2;
	size_t got = 0;
	while (got < size) {
		ssize_t r = read(fd, orig + got, size - got);
		if (r <= 0) {
			fprintf(stderr, "jsonbench: short read\n");
			return 2;
		}
		got += (size_t)r;
	}
	close(fd);
	orig[size] = '\n';

	struct line *lines = NULL;
	size_t nlines = 0, cap = 0;
	for (size_t at = 0; at < size;) {
		char *nl = memchr(orig + at, '\n', size - at);
		size_t end = nl ? (size_t)(nl - orig) : size;
		if (end > at) {
			if (nlines == cap) {
				cap = cap ? cap * 2 : 1024;
				lines = realloc(lines, cap * sizeof(*lines));
				if (!lines)
					return 2;
			}
			lines[nlines].off = at;
			lines[nlines].len = end - at;
			nlines++;
		}
		at = end + 1;
	}

	double best = 0;
	struct tally t = { 0 };
	for (int r = 0; r < runs; r++) {
		/* Our scanner writes into the buffer (in place), as the reader does
		 * into its read buffer: every run gets a fresh copy, made outside
		 * the timed part. The libraries only read it. */
		memcpy(work, orig, size + 1);
		memset(&t, 0, sizeof(t));
		double t0 = cpu_now();
		jb_candidate.run(work, lines, nlines, &t);
		double dt = cpu_now() - t0;
		if (r == 0 || dt < best)
			best = dt;
	}
	printf("%s\t%.3f\t%.1f\t%.0f\t%llu\t%llu\t%llu\t%llu\n", jb_candidate.name, best,
	       (double)size / 1e6 / best, (double)t.docs / best, (unsigned long long)t.docs,
	       (unsigned long long)t.failed, (unsigned long long)t.scalars, (unsigned long long)t.bytes);
	free(orig);
	free(work);
	free(lines);
	return 0;
}
