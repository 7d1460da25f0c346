/* jb_jansson.c: the walker for jansson: json_loadb, then json_object_foreach and json_array_get. */
#include "jsonbench.h"

#include <jansson.h>
#include <string.h>

static void walk_jansson(json_t *v, struct tally *t)
{
	if (json_is_object(v)) {
		const char *k;
		json_t *c;
		json_object_foreach(v, k, c) {
			t->bytes += strlen(k);
			walk_jansson(c, t);
		}
	} else if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v); i++)
			walk_jansson(json_array_get(v, i), t);
	} else {
		t->scalars++;
		if (json_is_string(v))
			t->bytes += json_string_length(v);
	}
}

static void run_jansson(char *buf, const struct line *lines, size_t nlines, struct tally *t)
{
	for (size_t i = 0; i < nlines; i++) {
		json_error_t e;
		json_t *v = json_loadb(buf + lines[i].off, lines[i].len, JSON_ALLOW_NUL, &e);
		if (!v) {
			t->failed++;
			continue;
		}
		t->docs++;
		walk_jansson(v, t);
		json_decref(v);
	}
}

const struct jb_candidate jb_candidate = { "jansson", run_jansson };
