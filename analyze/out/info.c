/* info.c - `info`: what an archive holds and how whole it is (YAML). */
#include <string.h>

#include "base/util.h"
#include "base/yamlw.h"
#include "out/info.h"

static const char *type_key(int t)
{
	static const char *const names[STATS_TYPES] = {
	    "unknown",	 "capture_header", "data", "conn",	 "process",
	    "container", "loss",	   "end",  "proc_event",
	};
	return names[t];
}

static const char *end_reason(uint32_t r)
{
	switch (r) {
	case SR_END_SIGNAL:
		return "signal";
	case SR_END_DURATION:
		return "duration";
	case SR_END_ERROR:
		return "error";
	case SR_END_CONVERTED:
		return "converted";
	default:
		return "unknown";
	}
}

static void kv_u64(struct yw *w, const char *k, uint64_t v)
{
	yw_key(w, k);
	yw_u64(w, v);
}

static void kv_str(struct yw *w, const char *k, const char *v)
{
	yw_key(w, k);
	yw_cstr(w, v);
}

static void span(struct yw *w, bool have, int64_t first, int64_t last)
{
	char t[32];

	yw_key(w, "first");
	if (have)
		yw_time(w, first);
	else
		yw_null(w);
	yw_key(w, "last");
	if (have)
		yw_time(w, last);
	else
		yw_null(w);
	yw_key(w, "seconds");
	fmt_ms(t, sizeof(t), have && last > first ? ((uint64_t)last - (uint64_t)first) / 1000 : 0);
	yw_plain(w, t);
}

static void write_archive(struct yw *w, const struct archive_stats *a)
{
	yw_map_start(w);
	kv_str(w, "file", a->name);
	kv_str(w, "container",
	       a->kind == SR_FMT_SRZ	  ? "srz"
	       : a->kind == SR_FMT_PCAPNG ? "pcapng"
					  : NULL);
	kv_str(w, "hostname", a->hostname);
	kv_str(w, "tool_version", a->tool_version);
	kv_str(w, "kernel_release", a->kernel_release);
	kv_str(w, "capture_paths", a->capture_paths);
	yw_key(w, "snaplen");
	if (a->have_hdr)
		yw_u64(w, a->snaplen);
	else
		yw_null(w);
	kv_u64(w, "records", a->records);
	yw_key(w, "time_span");
	yw_map_start(w);
	span(w, a->have_wall, a->first_wall, a->last_wall);
	yw_map_end(w);
	kv_str(w, "end", a->have_end ? end_reason(a->end_reason) : NULL);
	/* clean, damaged (its records before error_offset were read) or
	 * unreadable (nothing was) */
	yw_key(w, "integrity");
	yw_cstr(w, !a->opened ? "unreadable" : a->damaged ? "damaged" : "clean");
	if (!a->opened || a->damaged) {
		kv_str(w, "error", a->error ? a->error : "");
		if (a->damaged)
			kv_u64(w, "error_offset", a->error_offset);
	}
	yw_map_end(w);
}

static void write_process(struct yw *w, const struct an_process *p, const struct model *m)
{
	yw_map_start(w);
	kv_u64(w, "pid", p->pid);
	kv_str(w, "host", model_host_name(m, p->host));
	kv_str(w, "comm", p->comm);
	kv_str(w, "name", p->service);
	kv_str(w, "container", p->ctr ? p->ctr->display : NULL);
	yw_key(w, "cmdline");
	yw_qstr(w, p->cmdline_text, p->cmdline_text_len);
	yw_map_end(w);
}

static void write_container(struct yw *w, const struct an_container *c)
{
	char ip[AN_IP_LEN];

	yw_map_start(w);
	kv_str(w, "id", c->id);
	kv_str(w, "name", c->name);
	kv_str(w, "service", c->service);
	kv_str(w, "image", c->image);
	kv_str(w, "runtime", c->runtime);
	yw_key(w, "addresses");
	yw_seq_start_flow(w);
	for (size_t i = 0; i < c->naddrs; i++) {
		fmt_ip(ip, c->addrs[i].family, c->addrs[i].addr);
		yw_qstr(w, ip, strlen(ip));
	}
	yw_seq_end(w);
	if (c->error)
		kv_str(w, "error", c->error);
	yw_map_end(w);
}

/* @return 0, or -1 on a write error */
static int info_write(FILE *f, const struct stats *s, const struct model *m)
{
	struct yw w;
	uint64_t ev = 0, rf = 0, flt = 0, tr = 0, oth = 0, pe = 0, ud = 0;
	size_t np = model_nprocesses(m), nc = model_ncontainers(m);

	if (yw_open(&w, f))
		return -1;
	yw_doc_start(&w);
	yw_map_start(&w);

	yw_key(&w, "archives");
	yw_seq_start(&w);
	for (size_t i = 0; i < s->n; i++)
		write_archive(&w, &s->a[i]);
	yw_seq_end(&w);

	yw_key(&w, "time_span");
	yw_map_start(&w);
	span(&w, s->have_wall, s->first_wall, s->last_wall);
	yw_map_end(&w);

	yw_key(&w, "records");
	yw_map_start(&w);
	for (int t = 1; t < STATS_TYPES; t++)
		kv_u64(&w, type_key(t), s->by_type[t]);
	kv_u64(&w, "unknown", s->by_type[0]);
	yw_map_end(&w);

	yw_key(&w, "data");
	yw_map_start(&w);
	kv_u64(&w, "bytes_moved", s->bytes_moved);
	kv_u64(&w, "bytes_captured", s->bytes_captured);
	kv_u64(&w, "truncated_records", s->data_truncated);
	kv_u64(&w, "no_payload_records", s->data_no_payload);
	kv_u64(&w, "read_fault_records", s->data_fault);
	yw_map_end(&w);

	for (size_t i = 0; i < s->n; i++) {
		ev += s->a[i].events;
		rf += s->a[i].ring_full;
		flt += s->a[i].read_fault;
		tr += s->a[i].truncated;
		oth += s->a[i].other;
		pe += s->a[i].proc_errors;
		ud += s->a[i].user_dropped;
	}
	yw_key(&w, "loss");
	yw_map_start(&w);
	kv_u64(&w, "events", ev);
	kv_u64(&w, "ring_full", rf);
	kv_u64(&w, "read_fault", flt);
	kv_u64(&w, "truncated", tr);
	kv_u64(&w, "other", oth);
	kv_u64(&w, "proc_errors", pe);
	kv_u64(&w, "user_dropped", ud);
	yw_map_end(&w);

	/* one entry per process: its first snapshot */
	yw_key(&w, "processes");
	if (np) {
		yw_seq_start(&w);
		for (size_t i = 0; i < np; i++) {
			const struct an_process *p = model_process(m, i);
			const struct an_process *prev = i ? model_process(m, i - 1) : NULL;
			if (prev && prev->pid == p->pid && prev->host == p->host)
				continue;
			write_process(&w, p, m);
		}
		yw_seq_end(&w);
	} else {
		yw_seq_start_flow(&w);
		yw_seq_end(&w);
	}

	yw_key(&w, "containers");
	if (nc) {
		yw_seq_start(&w);
		for (size_t i = 0; i < nc; i++)
			write_container(&w, model_container(m, i));
		yw_seq_end(&w);
	} else {
		yw_seq_start_flow(&w);
		yw_seq_end(&w);
	}
	yw_map_end(&w);
	yw_doc_end(&w);
	return yw_close(&w);
}

/* ---- the sink (event.h) ---- */

struct info_sink {
	struct an_sink sink;
	FILE *f;
};

static int sink_loaded(void *ctx, const struct an_loaded *l)
{
	struct info_sink *k = ctx;

	return info_write(k->f, l->stats, l->model);
}

struct an_sink *info_sink(FILE *f)
{
	struct info_sink *k = xcalloc(1, sizeof(*k));

	k->f = f;
	k->sink = (struct an_sink){.ctx = k, .loaded = sink_loaded, .free = free};
	return &k->sink;
}
