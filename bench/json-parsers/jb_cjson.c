/* jb_cjson.c: the walker for cJSON: cJSON_ParseWithLength, then the child lists. */
#include "jsonbench.h"

#include <cJSON.h>
#include <string.h>

static void walk_cjson(const cJSON *v, struct tally *t)
{
	if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
		for (const cJSON *c = v->child; c; c = c->next) {
			if (cJSON_IsObject(v))
				t->bytes += strlen(c->string);
			walk_cjson(c, t);
		}
		return;
	}
	t->scalars++;
	if (cJSON_IsString(v))
		t->bytes += strlen(v->valuestring);
}

static void run_cjson(char *buf, const struct line *lines, size_t nlines, struct tally *t)
{
	for (size_t i = 0; i < nlines; i++) {
		cJSON *v = cJSON_ParseWithLength(buf + lines[i].off, lines[i].len);
		if (!v) {
			t->failed++;
			continue;
		}
		t->docs++;
		walk_cjson(v, t);
		cJSON_Delete(v);
	}
}

const struct jb_candidate jb_candidate = { "cJSON", run_cjson };
