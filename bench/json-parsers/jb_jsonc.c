/* jb_jsonc.c: the walker for json-c: json_tokener_parse_ex with one reused tokener, then the iterators. */
#include "jsonbench.h"

#include <json.h>
#include <string.h>

static void walk_jsonc(struct json_object *v, struct tally *t)
{
	switch (json_object_get_type(v)) {
	case json_type_object: {
		struct json_object_iterator it = json_object_iter_begin(v);
		struct json_object_iterator end = json_object_iter_end(v);
		while (!json_object_iter_equal(&it, &end)) {
			t->bytes += strlen(json_object_iter_peek_name(&it));
			walk_jsonc(json_object_iter_peek_value(&it), t);
			json_object_iter_next(&it);
		}
		break;
	}
	case json_type_array: {
		size_t n = json_object_array_length(v);
		for (size_t i = 0; i < n; i++)
			walk_jsonc(json_object_array_get_idx(v, i), t);
		break;
	}
	case json_type_string:
		t->scalars++;
		t->bytes += (uint64_t)json_object_get_string_len(v);
		break;
	default:
		t->scalars++;   /* null arrives as a NULL object: counted here too */
		break;
	}
}

static void run_jsonc(char *buf, const struct line *lines, size_t nlines, struct tally *t)
{
	struct json_tokener *tok = json_tokener_new();
	for (size_t i = 0; i < nlines; i++) {
		json_tokener_reset(tok);
		struct json_object *v = json_tokener_parse_ex(tok, buf + lines[i].off, (int)lines[i].len);
		if (!v || json_tokener_get_error(tok) != json_tokener_success) {
			t->failed++;
			continue;
		}
		t->docs++;
		walk_jsonc(v, t);
		json_object_put(v);
	}
	json_tokener_free(tok);
}

const struct jb_candidate jb_candidate = { "json-c", run_jsonc };
