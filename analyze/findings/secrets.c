/* findings/secrets.c - secrets of processes: secret-looking environment
 * keys (names only) and command-line arguments that redaction changed,
 * one finding per process or one per group of processes with the same
 * signature (same host, name and secrets). */
#include "findings/internal.h"

#include <stdlib.h>
#include <string.h>

#include "record.h"

static void env_key_add(struct proc *p, const char *k, size_t n)
{
	char key[ENV_KEY_LEN];

	str_copyn(key, sizeof(key), k, n);
	for (unsigned i = 0; i < p->nenv; i++)
		if (!strcmp(p->env_keys[i], key))
			return;
	if (p->nenv >= FND_MAX_ENV_KEYS) {
		p->env_omitted++;
		return;
	}
	p->env_keys =
	    fnd_grow(p->env_keys, &p->cap_env, p->nenv, FND_MAX_ENV_KEYS, sizeof(*p->env_keys));
	memcpy(p->env_keys[p->nenv++], key, sizeof(key));
}

void findings_add_process(struct findings *f, const struct fnd_process *in)
{
	struct proc *p;
	size_t i = 0;

	fnd_invalidate(f);
	p = fnd_proc_find(f, in->host, in->pid, 1);
	if (!p)
		return;
	if (in->comm && *in->comm)
		str_copy(p->comm, sizeof(p->comm), in->comm);
	if (in->name && *in->name)
		str_copy(p->name, sizeof(p->name), in->name);
	if (in->container_id && *in->container_id)
		str_copy(p->container_id, sizeof(p->container_id), in->container_id);

	if (in->cmdline && in->cmdline_len) {
		struct cmdargs *ca = xcalloc(1, sizeof(*ca));
		struct redact_ctx rc;
		memset(&rc, 0, sizeof(rc));
		rc.f = f;
		rc.out = ca;
		rc.text = p->cmdline;
		p->cmdline[0] = '\0';
		godebug_cmdline_args(in->cmdline, in->cmdline_len, fnd_redact_cb, &rc);
		/* the latest record wins (exec changes the command line) */
		fnd_cmdargs_free(f, p->secret_args);
		p->secret_args = NULL;
		if (ca->redacted) {
			ca->source = "process";
			p->secret_args = ca;
		} else {
			fnd_cmdargs_free(f, ca);
		}
	}

	while (in->environ && i < in->environ_len) {
		const uint8_t *e = in->environ + i;
		const uint8_t *nul = memchr(e, 0, in->environ_len - i);
		size_t n = nul ? (size_t)(nul - e) : in->environ_len - i;
		const uint8_t *eq = memchr(e, '=', n);
		i += n + 1;
		if (!eq || eq == e)
			continue;
		{
			const char *k = (const char *)e, *v = (const char *)eq + 1;
			size_t kl = (size_t)(eq - e), vl = n - kl - 1;
			int redacted = vl == strlen(SR_REDACTED) && !memcmp(v, SR_REDACTED, vl);
			if (sr_secret_key(k, kl) || (!redacted && sr_secret_value(v, vl))) {
				env_key_add(p, k, kl);
				if (!redacted && vl > 0)
					p->env_values = 1;
			}
		}
	}
}

static const char *const remedy_env[] = {
    "Environment variables are inherited by children and readable by the process's user and "
    "root through /proc/PID/environ; pass secrets through files with restricted permissions "
    "or a secret store where possible.",
    "Keep sockrec's default redaction on (do not capture with --no-redact) so archives never "
    "hold the values.",
    NULL,
};

static const char *const remedy_env_values =
    "This archive holds the values (it was captured without redaction): treat the archive "
    "itself as a secret, or re-capture with redaction and delete it.";

static const char *const remedy_cmd[] = {
    "Command lines are visible to every local user (ps, /proc/PID/cmdline), in expvar's "
    "/debug/vars and pprof's /debug/pprof/cmdline: pass secrets through files or the "
    "environment instead of flags.",
    NULL,
};

#define FND_MAX_GROUP_PIDS 32u

/* "host\x1fname\x1fpart\x1fpart...": the signature of a process finding */
static char *signature(const char *host, const char *name, const char *extra,
		       const char (*parts)[ENV_KEY_LEN], unsigned nparts,
		       const struct cmdargs *args)
{
	size_t n = strlen(host) + strlen(name) + strlen(extra) + 4, o = 0;
	char *sig;

	for (unsigned i = 0; i < nparts; i++)
		n += strlen(parts[i]) + 1;
	n += args ? args->len : 0;
	sig = xcalloc(n + 1, 1);
	o += (size_t)snprintf(sig + o, n + 1 - o, "%s\x1f%s\x1f%s", host, name, extra);
	for (unsigned i = 0; i < nparts; i++)
		o += (size_t)snprintf(sig + o, n + 1 - o, "\x1f%s", parts[i]);
	{
		size_t off = 0;
		const char *arg;
		while ((arg = fnd_cmdargs_next(args, &off)))
			o += (size_t)snprintf(sig + o, n + 1 - o, "\x1f%s", arg);
	}
	return sig;
}

static int cmp_group(const void *pa, const void *pb, void *ctx)
{
	const struct item *v = ctx;
	const struct item *a = &v[*(const size_t *)pa], *b = &v[*(const size_t *)pb];
	int c;

	if (a->kind_rank != b->kind_rank)
		return a->kind_rank < b->kind_rank ? -1 : 1;
	if ((c = strcmp(a->group, b->group)))
		return c;
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	return *(const size_t *)pa < *(const size_t *)pb ? -1 : 1;
}

/* Processes of one service with the same secrets (a shell and the children
 * that inherit its environment, identical workers) are one finding listing
 * their pids; its service is the lowest pid's. */
void fnd_group_processes(struct items *it)
{
	size_t *idx = xcalloc(it->n ? it->n : 1, sizeof(*idx)), n = 0, out = 0;

	for (size_t i = 0; i < it->n; i++)
		if (it->v[i].group)
			idx[n++] = i;
	qsort_r(idx, n, sizeof(*idx), cmp_group, it->v);
	for (size_t g = 0; g < n;) {
		struct item *lead = &it->v[idx[g]];
		size_t e = g + 1;
		json_t *pids = json_array();
		while (e < n && it->v[idx[e]].kind_rank == lead->kind_rank &&
		       !strcmp(it->v[idx[e]].group, lead->group))
			e++;
		for (size_t k = g; k < e; k++) {
			if (k - g < FND_MAX_GROUP_PIDS)
				json_array_append_new(pids, fnd_jint(it->v[idx[k]].pid));
			if (k > g) {
				json_decref(it->v[idx[k]].obj);
				it->v[idx[k]].obj = NULL;
			}
		}
		/* keep "remediation" last, as in every finding */
		json_t *rem = json_incref(json_object_get(lead->obj, "remediation"));
		json_object_del(lead->obj, "remediation");
		fnd_jset(lead->obj, "pids", pids);
		fnd_jset(lead->obj, "pids_omitted",
			 fnd_jint(e - g > FND_MAX_GROUP_PIDS ? e - g - FND_MAX_GROUP_PIDS : 0));
		fnd_jset(lead->obj, "remediation", rem);
		if (e - g > 1) {
			const char *t = json_string_value(json_object_get(lead->obj, "title"));
			const char *paren = t ? strstr(t, " (pid ") : NULL;
			char title[512];
			if (paren) {
				snprintf(title, sizeof(title), "%.*s (%zu processes)",
					 (int)(paren - t), t, e - g);
				fnd_jset(lead->obj, "title", fnd_jstr(title));
			}
		}
		g = e;
	}
	for (size_t i = 0; i < it->n; i++) {
		free(it->v[i].group);
		it->v[i].group = NULL;
		if (it->v[i].obj)
			it->v[out++] = it->v[i];
	}
	it->n = out;
	free(idx);
}

void fnd_proc_findings(const struct findings *f, const struct proc *p, struct items *items)
{
	struct svc sv;
	struct item *it;
	json_t *o, *a;
	char title[512];

	fnd_service_of(f, p->host, p->pid, p->comm, NULL, &sv);
	if (p->nenv) {
		char(*keys)[ENV_KEY_LEN] = xcalloc(p->nenv, sizeof(*keys));
		int sev = p->env_values ? FND_SEV_MEDIUM : FND_SEV_INFO;
		memcpy(keys, p->env_keys, p->nenv * sizeof(*keys));
		qsort(keys, p->nenv, sizeof(*keys), fnd_cmp_str);
		snprintf(title, sizeof(title),
			 "secret-looking environment variables in %s (pid %u)", sv.name, p->pid);
		o = json_object();
		fnd_jset(o, "id", json_string(""));
		fnd_jset(o, "kind", json_string("secret_env"));
		fnd_jset(o, "severity", json_string(fnd_sev_names[sev]));
		fnd_jset(o, "confidence", json_string("confirmed"));
		fnd_jset(o, "title", fnd_jstr(title));
		fnd_jset(o, "reason",
			 json_string(p->env_values
					 ? "the archive holds the values of these variables "
					   "(captured without redaction)"
					 : "names only: the capture redacted the values"));
		fnd_jset(o, "service", fnd_jservice(&sv, p->host, p->pid));
		a = json_array();
		for (unsigned i = 0; i < p->nenv; i++)
			json_array_append_new(a, fnd_jstr(keys[i]));
		fnd_jset(o, "keys", a);
		fnd_jset(o, "keys_omitted", fnd_jint(p->env_omitted));
		fnd_jset(o, "values_in_archive", json_boolean(p->env_values));
		fnd_jset(o, "remediation",
			 fnd_jremedy(remedy_env, p->env_values ? remedy_env_values : NULL, NULL));
		it = fnd_items_push(items);
		it->group = signature(p->host, sv.name, p->env_values ? "values" : "names",
				      (const char(*)[ENV_KEY_LEN])keys, p->nenv, NULL);
		free(keys);
		it->sev = sev;
		it->kind_rank = 3;
		str_copy(it->sort_name, sizeof(it->sort_name), sv.name);
		str_copy(it->host, sizeof(it->host), p->host);
		it->pid = p->pid;
		it->obj = o;
	}
	if (p->secret_args) {
		const struct cmdargs *ca = p->secret_args;
		snprintf(title, sizeof(title), "secrets on the command line of %s (pid %u)",
			 sv.name, p->pid);
		o = json_object();
		fnd_jset(o, "id", json_string(""));
		fnd_jset(o, "kind", json_string("secret_cmdline"));
		fnd_jset(o, "severity", json_string("info"));
		fnd_jset(o, "confidence", json_string("confirmed"));
		fnd_jset(o, "title", fnd_jstr(title));
		fnd_jset(o, "reason",
			 json_string("secret-looking flags or URLs with passwords in the "
				     "arguments (shown redacted)"));
		fnd_jset(o, "service", fnd_jservice(&sv, p->host, p->pid));
		a = json_array();
		{
			size_t off = 0;
			const char *arg;
			while ((arg = fnd_cmdargs_next(ca, &off)))
				json_array_append_new(a, fnd_jstr(arg));
		}
		fnd_jset(o, "args", a);
		fnd_jset(o, "args_total", fnd_jint(ca->total));
		fnd_jset(o, "redacted", fnd_jint(ca->redacted));
		fnd_jset(o, "args_omitted", json_boolean(ca->omitted));
		fnd_jset(o, "remediation", fnd_jremedy(remedy_cmd, NULL, NULL));
		it = fnd_items_push(items);
		it->group = signature(p->host, sv.name, "", NULL, 0, ca);
		it->sev = FND_SEV_INFO;
		it->kind_rank = 4;
		str_copy(it->sort_name, sizeof(it->sort_name), sv.name);
		str_copy(it->host, sizeof(it->host), p->host);
		it->pid = p->pid;
		it->obj = o;
	}
}
