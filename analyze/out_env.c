/* out_env.c - env.yaml: seed 003's multi-document environment format.
 * adi_profile_match / adi_profile_name are the snapshot's own, or for a
 * forked opt-in target whose environment no longer shows them, its nearest
 * ancestor's (model.h "Ancestry"); adi_profile_cmdline is redacted unless
 * --show-secrets (cmdline.h); environ_source (proc, live, exec) when the
 * archive says where the environment was read (format minor 1). */
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "util.h"
#include "yamlw.h"

struct kv {
	const uint8_t *k, *v;
	size_t kl, vl;
	size_t order;
};

static int cmp_kv(const void *pa, const void *pb)
{
	const struct kv *a = pa, *b = pb;
	int c = memcmp_len(a->k, a->kl, b->k, b->kl);

	if (c)
		return c;
	return a->order < b->order ? -1 : a->order > b->order;
}

/* KEY=VALUE entries, sorted by key; a repeated key keeps its first value
 * (what getenv() returns) */
static void write_env(struct yw *w, const uint8_t *env, size_t len)
{
	struct kv *v = NULL;
	size_t n = 0, cap = 0, i = 0;

	while (i < len) {
		const uint8_t *z = memchr(env + i, 0, len - i);
		size_t e = z ? (size_t)(z - env) : len;
		if (e > i) {
			const uint8_t *eq = memchr(env + i, '=', e - i);
			if (n == cap) {
				cap = cap ? cap * 2 : 32;
				v = xrealloc(v, size_mul(cap, sizeof(*v)));
			}
			v[n].k = env + i;
			v[n].kl = eq ? (size_t)(eq - env) - i : e - i;
			v[n].v = eq ? eq + 1 : env + e;
			v[n].vl = eq ? e - (size_t)(eq + 1 - env) : 0;
			v[n].order = n;
			n++;
		}
		i = e + 1;
	}
	sort_n(v, n, sizeof(*v), cmp_kv);
	if (!n) {
		yw_map_start_flow(w);
		yw_map_end(w);
		free(v);
		return;
	}
	yw_map_start(w);
	for (size_t k = 0; k < n; k++) {
		if (k && !memcmp_len(v[k].k, v[k].kl, v[k - 1].k, v[k - 1].kl))
			continue;
		yw_str(w, v[k].k, v[k].kl);
		yw_qstr(w, v[k].v, v[k].vl);
	}
	yw_map_end(w);
	free(v);
}

int out_env_write(FILE *f, const struct model *m)
{
	struct yw w;

	if (yw_open(&w, f))
		return -1;
	for (size_t i = 0; i < model_nprocesses(m); i++) {
		const struct an_process *p = model_process(m, i);

		yw_doc_start(&w);
		yw_map_start(&w);
		yw_key(&w, "adi_profile_pid");
		yw_u64(&w, p->pid);
		yw_key(&w, "adi_profile_match");
		if (p->profile)
			yw_qstr(&w, p->profile, p->profile_len);
		else
			yw_null(&w);
		if (p->profile_name) {
			yw_key(&w, "adi_profile_name");
			yw_qstr(&w, p->profile_name, p->profile_name_len);
		}
		yw_key(&w, "adi_profile_cmdline");
		yw_qstr(&w, p->cmdline_text, p->cmdline_text_len);
		if (!p->error || p->environ_len) {
			yw_key(&w, "adi_profile_env");
			write_env(&w, p->environ, p->environ_len);
		}
		if (p->environ_source >= SR_ENV_SRC_PROC && p->environ_source <= SR_ENV_SRC_EXEC) {
			/* where it was read; archives before format 1.1 do not say */
			static const char *const src[] = {"", "proc", "live", "exec"};

			yw_key(&w, "environ_source");
			yw_cstr(&w, src[p->environ_source]);
		}
		if (p->error) {
			yw_key(&w, "error");
			yw_qstr(&w, p->error, p->error_len);
		}
		yw_map_end(&w);
		yw_doc_end(&w);
	}
	return yw_close(&w);
}
