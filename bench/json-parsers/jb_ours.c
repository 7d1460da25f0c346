/* jb_ours.c: the walker for whitehawk's scanner (src/read/json_scan.c):
 * validate and record spans, then terminate and unescape strings in place,
 * as src/read/json.c does. */
#include "jsonbench.h"
#include "read/json_scan.h"
#include "util/arena.h"

static void run_ours(char *buf, const struct line *lines, size_t nlines, struct tally *t)
{
	struct wh_jdoc d = { 0 };
	struct wh_arena a;
	wh_arena_init(&a, 64 * 1024, 0);
	for (size_t i = 0; i < nlines; i++) {
		size_t end, err_at;
		const char *err;
		wh_arena_reset(&a);
		/* The line is followed by its newline, so the scanner sees where a
		 * trailing number ends, as it does in the reader's buffer. */
		int rc = wh_json_scan(buf, lines[i].off + lines[i].len + 1, lines[i].off, &d, &end, &err_at,
				      &err);
		if (rc != WH_JSON_OK) {
			t->failed++;
			continue;
		}
		wh_json_materialize(buf, &d, &a);
		t->docs++;
		for (uint32_t k = 0; k < d.nnodes; k++)
			t->bytes += d.nodes[k].key_len * (d.nodes[k].key[0] != '\0');
		for (uint32_t k = 0; k < d.nleaves; k++) {
			const struct wh_jleaf *l = &d.leaves[k];
			t->scalars++;
			/* array elements repeat their array's key: count a key once */
			t->bytes += (l->key[0] ? l->key_len : 0) + (l->type == WH_JT_STRING ? l->val_len : 0);
		}
	}
	wh_jdoc_release(&d);
	wh_arena_release(&a);
}

const struct jb_candidate jb_candidate = { "whitehawk json_scan", run_ours };
