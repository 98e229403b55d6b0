/* pipeline.c - an_run(): pass 1 (model, integrity, counts), pass 2
 * (engine), the sinks' ends. See pipeline.h. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/engine.h"
#include "core/input.h"
#include "core/readahead.h"
#include "core/relay.h"
#include "core/stats.h"
#include "pipeline.h"
#include "proto/classify.h"

static void note_wall(bool *have, int64_t *first, int64_t *last, int64_t w)
{
	if (!*have || w < *first)
		*first = w;
	if (!*have || w > *last)
		*last = w;
	*have = true;
}

static void pass1_record(struct model *m, struct stats *st, struct an_src *src,
			 const struct sr_record *r)
{
	struct archive_stats *a = &st->a[src->archive];
	int64_t wall = input_record_wall(src, r);
	uint64_t ts;

	a->records++;
	st->by_type[r->type < STATS_TYPES ? r->type : 0]++;
	if (input_record_ts(r, &ts) || r->type == SR_REC_CAPTURE_HEADER) {
		note_wall(&a->have_wall, &a->first_wall, &a->last_wall, wall);
		note_wall(&st->have_wall, &st->first_wall, &st->last_wall, wall);
	}
	switch (r->type) {
	case SR_REC_CAPTURE_HEADER:
		if (!a->have_hdr) {
			a->have_hdr = true;
			a->hostname = xtextdup(r->hdr.hostname.ptr, r->hdr.hostname.len);
			a->tool_version =
			    xtextdup(r->hdr.tool_version.ptr, r->hdr.tool_version.len);
			a->kernel_release =
			    xtextdup(r->hdr.kernel_release.ptr, r->hdr.kernel_release.len);
			a->capture_paths = xtextdup(r->hdr.paths.ptr, r->hdr.paths.len);
			a->snaplen = r->hdr.snaplen;
			a->hdr_flags = r->hdr.flags;
			a->start_wall_ns = r->hdr.start_wall_ns;
			src->host = model_host(m, r->hdr.hostname.ptr, r->hdr.hostname.len);
		}
		break;
	case SR_REC_DATA: {
		const struct sr_data *d = &r->data;
		st->bytes_moved += d->bytes;
		st->bytes_captured += d->payload.len < d->bytes ? d->payload.len : d->bytes;
		if (d->flags & SR_DATA_TRUNCATED)
			st->data_truncated++;
		if (d->flags & SR_DATA_NO_PAYLOAD)
			st->data_no_payload++;
		if (d->flags & SR_DATA_READ_FAULT)
			st->data_fault++;
		/* a socket on a service's port facing a client port is a listener */
		if (d->family && classify_service_port(d->lport) &&
		    !classify_service_port(d->rport))
			model_add_listener(m, src->host, d->family, d->laddr, d->lport, d->tgid);
		break;
	}
	case SR_REC_CONN:
		if (r->conn.kind == SR_CONN_ACCEPT && r->conn.ret >= 0 && r->conn.family)
			model_add_listener(m, src->host, r->conn.family, r->conn.laddr,
					   r->conn.lport, r->conn.tgid);
		break;
	case SR_REC_PROCESS:
		model_add_process(m, src->host, src->archive, src->index, wall, &r->proc);
		break;
	case SR_REC_CONTAINER:
		model_add_container(m, src->host, wall, &r->ctr);
		break;
	case SR_REC_PROC_EVENT:
		model_add_proc_event(m, src->host, wall, &r->pev);
		break;
	case SR_REC_LOSS: {
		struct sr_loss_cpu c;
		a->have_loss = true;
		a->events = a->ring_full = a->read_fault = a->truncated = a->other = 0;
		for (uint32_t i = 0; i < r->loss.ncpu && sr_loss_cpu_get(&r->loss, i, &c) == 0;
		     i++) {
			a->events += c.events;
			a->ring_full += c.ring_full;
			a->read_fault += c.read_fault;
			a->truncated += c.truncated;
			a->other += c.other;
		}
		a->proc_errors = r->loss.proc_errors;
		a->user_dropped = r->loss.user_dropped;
		break;
	}
	case SR_REC_END:
		a->have_end = true;
		a->end_reason = r->end.reason;
		a->end_wall_ns = r->end.end_wall_ns;
		break;
	default:
		break;
	}
}

/* the next record: from the reading thread (-j 2+), else read here */
static int next_record(struct an_inputs *x, struct readahead *ra, const struct sr_record **r,
		       struct an_src **src)
{
	return ra ? readahead_next(ra, r, src) : input_next(x, r, src);
}

static void stats_free(struct stats *st)
{
	for (size_t i = 0; i < st->n; i++) {
		free(st->a[i].hostname);
		free(st->a[i].tool_version);
		free(st->a[i].kernel_release);
		free(st->a[i].capture_paths);
		free((char *)st->a[i].error);
	}
	free(st->a);
}

/* one lane of pass 2 (core/engine.h "Lanes") */
struct lane_run {
	struct readahead *ra;
	size_t k;
	struct engine *e;
	void *lane; /* the relay's */
};

static void *lane_main(void *arg)
{
	struct lane_run *w = arg;
	const struct sr_record *r;
	struct an_src *src;

	while (readahead_next_of(w->ra, w->k, &r, &src) == 1) {
		engine_record(w->e, src, r);
		/* the merger may wait for this lane: say how far it got */
		if (readahead_batch_read(w->ra, w->k))
			relay_lane_mark(w->lane);
	}
	engine_finish(w->e);
	relay_lane_end(w->lane);
	return NULL;
}

/* pass 2 in nl lanes, each a thread (lane 0 this one), the sinks on the
 * relay's: @return false when the relay or the reading thread could not
 * start (nothing was read) */
static bool pass2_lanes(struct an_inputs *x, size_t nl, const struct an_opts *o,
			const struct model *m, struct an_sink *const *sinks, size_t nsinks,
			struct an_summary *sum)
{
	struct relay *rl = relay_create_lanes(sinks, nsinks, nl);
	struct readahead *ra = rl ? readahead_start_n(x, nl) : NULL;
	struct lane_run *w;
	pthread_t *th;

	if (!ra) {
		relay_finish(rl);
		return false;
	}
	w = xcalloc(nl, sizeof(*w));
	th = xcalloc(nl, sizeof(*th));
	for (size_t k = 0; k < nl; k++) {
		struct engine_lane lane = {
		    .k = (unsigned)k,
		    .n = (unsigned)nl,
		    .ctx = relay_lane(rl, k),
		    .op = relay_lane_op,
		    .txn_new = relay_lane_txn_new,
		    .txn_end = relay_lane_txn_end,
		};
		w[k].ra = ra;
		w[k].k = k;
		w[k].lane = lane.ctx;
		w[k].e = engine_create_lane(o, m, relay_lane_sinks(rl, k), nsinks, &lane);
	}
	for (size_t k = 1; k < nl; k++) {
		int rc = pthread_create(&th[k], NULL, lane_main, &w[k]);
		if (rc) {
			/* every lane must run for any to finish */
			fprintf(stderr, "sockrec-analyze: cannot start a thread: %s (try -j 1)\n",
				strerror(rc));
			exit(AN_EXIT_UNREADABLE);
		}
	}
	lane_main(&w[0]);
	for (size_t k = 1; k < nl; k++)
		pthread_join(th[k], NULL);
	readahead_stop(ra);
	for (size_t k = 0; k < nl; k++) {
		sum->http_messages += engine_http_messages(w[k].e);
		sum->connections += engine_connections(w[k].e);
		engine_free(w[k].e);
	}
	relay_finish(rl);
	free(th);
	free(w);
	return true;
}

/* @return 0, or the errno of the first sink's end that failed (each end
 * is called) */
static int sinks_end(struct an_sink *const *sinks, size_t n, const struct an_summary *sum)
{
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		errno = 0;
		if (sinks[i]->end && sinks[i]->end(sinks[i]->ctx, sum) && !rc)
			rc = errno ? errno : EIO;
	}
	return rc;
}

int an_run(const struct an_input *in, size_t n, const struct an_opts *o,
	   struct an_sink *const *sinks, size_t nsinks)
{
	struct model *m;
	struct stats st;
	struct an_inputs x;
	struct an_loaded loaded;
	struct an_summary sum;
	const struct sr_record *r;
	struct an_src *src;
	struct readahead *ra;
	uint32_t *hosts = xcalloc(n ? n : 1, sizeof(*hosts));
	uint64_t total = 0;
	bool damaged = false, environ = false, pass2 = false;
	int status, werr = 0;

	if (nsinks > AN_MAX_SINKS)
		nsinks = AN_MAX_SINKS;
	for (size_t i = 0; i < nsinks; i++) {
		environ |= sinks[i]->environ;
		pass2 |= sinks[i]->events;
	}
	m = model_create(environ, !o->show_secrets);
	memset(&st, 0, sizeof(st));
	st.n = n;
	st.a = xcalloc(n ? n : 1, sizeof(*st.a));

	/* pass 1: model, counts, integrity */
	input_open(&x, in, n);
	for (size_t i = 0; i < n; i++)
		x.s[i].host = model_host(m, (const uint8_t *)"", 0);
	ra = o->jobs > 1 ? readahead_start(&x) : NULL;
	while (next_record(&x, ra, &r, &src) == 1)
		pass1_record(m, &st, src, r);
	readahead_stop(ra);
	for (size_t i = 0; i < n; i++) {
		struct an_src *s = &x.s[i];
		struct archive_stats *a = &st.a[i];
		hosts[i] = s->host;
		a->name = s->name;
		a->opened = s->opened;
		a->damaged = s->damaged;
		a->kind = s->a ? sr_archive_kind(s->a) : SR_FMT_UNKNOWN;
		a->error_offset = s->err_off;
		if (!s->opened || s->damaged)
			a->error = xstrdup(s->err);
		total += a->records;
		if (!s->opened) {
			damaged = true;
			if (o->warn)
				fprintf(o->warn, "sockrec-analyze: warning: %s: cannot read: %s\n",
					s->name, s->err);
		} else if (s->damaged) {
			damaged = true;
			if (o->warn)
				fprintf(
				    o->warn,
				    "sockrec-analyze: warning: %s: damaged at offset %llu (%s); "
				    "analyzed the %llu records before it\n",
				    s->name, (unsigned long long)s->err_off, s->err,
				    (unsigned long long)a->records);
		}
	}
	input_close(&x);
	model_seal(m);
	status = total == 0 ? AN_EXIT_UNREADABLE : damaged ? AN_EXIT_DAMAGED : AN_EXIT_OK;

	loaded.model = m;
	loaded.stats = &st;
	for (size_t i = 0; i < nsinks; i++) {
		errno = 0;
		if (sinks[i]->loaded && sinks[i]->loaded(sinks[i]->ctx, &loaded) && !werr)
			werr = errno ? errno : EIO;
	}
	if (status == AN_EXIT_UNREADABLE)
		goto out;

	memset(&sum, 0, sizeof(sum));
	sum.generated_at_ns = st.have_wall ? st.last_wall : 0;
	sum.model = m;
	if (pass2) {
		/* -j N of 2 and more: N - 1 lanes (core/engine.h "Lanes"), the
		 * reading thread and the sinks on a thread of their own; else
		 * (or when those threads could not be started) one engine on
		 * this thread */
		size_t nl = o->jobs < 2			 ? 0
			    : o->jobs - 1 < AN_MAX_LANES ? o->jobs - 1
							 : AN_MAX_LANES;

		input_open(&x, in, n);
		for (size_t i = 0; i < n; i++)
			x.s[i].host = hosts[i];
		if (nl < 1 || !pass2_lanes(&x, nl, o, m, sinks, nsinks, &sum)) {
			struct engine *e = engine_create(o, m, sinks, nsinks);
			while (input_next(&x, &r, &src) == 1)
				engine_record(e, src, r);
			engine_finish(e);
			sum.http_messages = engine_http_messages(e);
			sum.connections = engine_connections(e);
			engine_free(e);
		}
		input_close(&x);
	}
	if (!werr)
		werr = sinks_end(sinks, nsinks, &sum);
	else
		sinks_end(sinks, nsinks, &sum);
out:
	if (status == AN_EXIT_UNREADABLE && o->warn && n)
		fprintf(o->warn, "sockrec-analyze: nothing readable in %s%s\n", in[0].name,
			n > 1 ? " and the other inputs" : "");
	if (werr && o->warn)
		fprintf(o->warn, "sockrec-analyze: error: writing an output failed: %s\n",
			strerror(werr));
	if (werr && status == AN_EXIT_OK)
		status = AN_EXIT_UNREADABLE;
	stats_free(&st);
	model_free(m);
	free(hosts);
	return status;
}
