/* readahead.c - the inputs read on a thread of their own (see readahead.h). */
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "core/readahead.h"

/* a record and what its input said at it */
struct ra_item {
	struct sr_record rec;
	uint32_t archive;
	bool have_hdr;
	uint64_t index;
	int64_t key;
	int64_t boot_to_wall;
};

/* memory for the records' variable fields */
struct chunk {
	struct chunk *next;
	size_t cap, len;
	max_align_t data[];
};

struct batch {
	struct batch *next;
	size_t refs;	      /* readers that have not read it all yet */
	size_t n;	      /* records */
	size_t bytes;	      /* of their fields */
	bool last;	      /* the inputs ended after these */
	struct chunk *chunks; /* newest first */
	struct ra_item item[READAHEAD_BATCH];
};

/* one reader of every record (readahead_start_n()) */
struct reader {
	struct an_src *view; /* one per input: what readahead_next() hands out */
	struct batch *cur;   /* being read */
	size_t next;	     /* its next item */
	bool ended;
};

struct readahead {
	struct an_inputs *x;
	struct reader *rd;
	size_t nrd;
	size_t batch; /* records per batch at most (READAHEAD_BATCH_ENV) */
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t can_put, can_get;
	/* filled, oldest first, until every reader has read them */
	struct batch *qhead, *qtail;
	size_t qlen;
	struct batch *spare; /* emptied, for the reading thread */
	bool stop;	     /* the caller wants no more */
};

/* ---- the reading thread ---- */

static uint8_t *chunk_put(struct batch *b, const uint8_t *p, size_t n)
{
	struct chunk *c = b->chunks;
	uint8_t *d;

	if (!c || c->cap - c->len < n) {
		size_t cap = n > READAHEAD_BATCH_BYTES ? n : READAHEAD_BATCH_BYTES;
		c = xmalloc(size_add(sizeof(*c), cap));
		c->cap = cap;
		c->len = 0;
		c->next = b->chunks;
		b->chunks = c;
	}
	d = (uint8_t *)c->data + c->len;
	memcpy(d, p, n);
	c->len += n;
	b->bytes += n;
	return d;
}

static void copy_bytes(struct batch *b, struct sr_bytes *f)
{
	if (f->len)
		f->ptr = chunk_put(b, f->ptr, f->len);
}

/* r's variable fields into b (r is already a copy of the record) */
static void copy_fields(struct batch *b, struct sr_record *r)
{
	switch (r->type) {
	case SR_REC_CAPTURE_HEADER:
		copy_bytes(b, &r->hdr.tool_version);
		copy_bytes(b, &r->hdr.hostname);
		copy_bytes(b, &r->hdr.kernel_release);
		copy_bytes(b, &r->hdr.allow);
		copy_bytes(b, &r->hdr.env_prefix);
		copy_bytes(b, &r->hdr.pids);
		copy_bytes(b, &r->hdr.argv);
		copy_bytes(b, &r->hdr.paths);
		break;
	case SR_REC_DATA:
		copy_bytes(b, &r->data.payload);
		break;
	case SR_REC_PROCESS:
		copy_bytes(b, &r->proc.comm);
		copy_bytes(b, &r->proc.exe);
		copy_bytes(b, &r->proc.cmdline);
		copy_bytes(b, &r->proc.environ);
		copy_bytes(b, &r->proc.cgroup);
		copy_bytes(b, &r->proc.container_id);
		copy_bytes(b, &r->proc.adi_profile);
		copy_bytes(b, &r->proc.adi_profile_name);
		copy_bytes(b, &r->proc.error);
		break;
	case SR_REC_CONTAINER:
		copy_bytes(b, &r->ctr.id);
		copy_bytes(b, &r->ctr.runtime);
		copy_bytes(b, &r->ctr.name);
		copy_bytes(b, &r->ctr.image);
		copy_bytes(b, &r->ctr.labels);
		copy_bytes(b, &r->ctr.addrs);
		copy_bytes(b, &r->ctr.doc);
		copy_bytes(b, &r->ctr.error);
		break;
	case SR_REC_LOSS:
		copy_bytes(b, &r->loss.cpus);
		break;
	case SR_REC_TLS:
		copy_bytes(b, &r->tls.library);
		copy_bytes(b, &r->tls.path);
		copy_bytes(b, &r->tls.error);
		break;
	default: /* conn, end, proc_event: fixed fields only; unknown: type only */
		break;
	}
	r->body.ptr = NULL;
	r->body.len = 0;
}

/* empties b for the next records; one chunk of the usual size stays (a
 * fresh one each time costs page faults) */
static void batch_clear(struct batch *b)
{
	struct chunk *keep = NULL;

	while (b->chunks) {
		struct chunk *c = b->chunks;
		b->chunks = c->next;
		if (!keep && c->cap == READAHEAD_BATCH_BYTES) {
			keep = c;
			continue;
		}
		free(c);
	}
	if (keep) {
		keep->len = 0;
		keep->next = NULL;
		b->chunks = keep;
	}
	b->n = b->bytes = 0;
	b->last = false;
	b->next = NULL;
}

static void batch_free(struct batch *b)
{
	while (b->chunks) {
		struct chunk *c = b->chunks;
		b->chunks = c->next;
		free(c);
	}
	free(b);
}

static struct batch *batch_get(struct readahead *ra)
{
	struct batch *b;

	pthread_mutex_lock(&ra->mu);
	b = ra->spare;
	if (b)
		ra->spare = b->next;
	pthread_mutex_unlock(&ra->mu);
	if (!b)
		b = xcalloc(1, sizeof(*b));
	batch_clear(b);
	return b;
}

/* @return false when the caller stopped */
static bool batch_put(struct readahead *ra, struct batch *b)
{
	bool stop;

	pthread_mutex_lock(&ra->mu);
	while (ra->qlen >= READAHEAD_QUEUE && !ra->stop)
		pthread_cond_wait(&ra->can_put, &ra->mu);
	stop = ra->stop;
	if (!stop) {
		b->refs = ra->nrd;
		if (ra->qtail)
			ra->qtail->next = b;
		else
			ra->qhead = b;
		ra->qtail = b;
		ra->qlen++;
		pthread_cond_broadcast(&ra->can_get);
	}
	pthread_mutex_unlock(&ra->mu);
	if (stop)
		batch_free(b);
	return !stop;
}

static void *reading_thread(void *arg)
{
	struct readahead *ra = arg;
	const struct sr_record *r;
	struct an_src *src;

	for (;;) {
		struct batch *b = batch_get(ra);

		while (b->n < ra->batch && b->bytes < READAHEAD_BATCH_BYTES) {
			struct ra_item *it;
			if (input_next(ra->x, &r, &src) != 1) {
				b->last = true;
				break;
			}
			it = &b->item[b->n++];
			it->rec = *r;
			copy_fields(b, &it->rec);
			it->archive = src->archive;
			it->have_hdr = src->have_hdr;
			it->index = src->index;
			it->key = src->key;
			it->boot_to_wall = src->boot_to_wall;
		}
		/* b is the caller's once put: read last before */
		bool last = b->last;
		if (!batch_put(ra, b) || last)
			return NULL;
	}
}

/* ---- the caller's thread ---- */

struct readahead *readahead_start(struct an_inputs *x)
{
	return readahead_start_n(x, 1);
}

struct readahead *readahead_start_n(struct an_inputs *x, size_t nreaders)
{
	struct readahead *ra = xcalloc(1, sizeof(*ra));

	const char *env = getenv(READAHEAD_BATCH_ENV);
	char *end;
	unsigned long batch = env ? strtoul(env, &end, 10) : 0;

	ra->x = x;
	ra->nrd = nreaders ? nreaders : 1;
	/* a test's knob: a bad value is the default */
	ra->batch = env && *env && !*end && batch >= 1 && batch <= READAHEAD_BATCH
			? (size_t)batch
			: READAHEAD_BATCH;
	ra->rd = xcalloc(ra->nrd, sizeof(*ra->rd));
	for (size_t c = 0; c < ra->nrd; c++) {
		struct an_src *view = xcalloc(x->n ? x->n : 1, sizeof(*view));
		for (size_t i = 0; i < x->n; i++) {
			view[i].name = x->s[i].name;
			view[i].archive = x->s[i].archive;
			view[i].host = x->s[i].host;
			view[i].opened = x->s[i].opened;
		}
		ra->rd[c].view = view;
	}
	pthread_mutex_init(&ra->mu, NULL);
	pthread_cond_init(&ra->can_put, NULL);
	pthread_cond_init(&ra->can_get, NULL);
	if (pthread_create(&ra->th, NULL, reading_thread, ra)) {
		pthread_cond_destroy(&ra->can_get);
		pthread_cond_destroy(&ra->can_put);
		pthread_mutex_destroy(&ra->mu);
		for (size_t c = 0; c < ra->nrd; c++)
			free(ra->rd[c].view);
		free(ra->rd);
		free(ra);
		return NULL;
	}
	return ra;
}

/* a reader is done with the oldest batch it holds: the batches every
 * reader is done with give their memory back to the reading thread (the
 * readers go through the batches in order: the oldest is done first);
 * under ra->mu */
static void batch_done(struct readahead *ra, struct batch *b)
{
	b->refs--;
	while (ra->qhead && !ra->qhead->refs) {
		struct batch *d = ra->qhead;
		ra->qhead = d->next;
		if (!ra->qhead)
			ra->qtail = NULL;
		ra->qlen--;
		batch_clear(d);
		d->next = ra->spare;
		ra->spare = d;
		pthread_cond_signal(&ra->can_put);
	}
}

int readahead_next(struct readahead *ra, const struct sr_record **rec, struct an_src **src)
{
	return readahead_next_of(ra, 0, rec, src);
}

bool readahead_batch_read(const struct readahead *ra, size_t c)
{
	const struct reader *d = &ra->rd[c];

	return !d->cur || d->next >= d->cur->n;
}

int readahead_next_of(struct readahead *ra, size_t c, const struct sr_record **rec,
		      struct an_src **src)
{
	struct reader *d = &ra->rd[c];
	struct ra_item *it;
	struct an_src *v;

	while (!d->cur || d->next >= d->cur->n) {
		struct batch *b;
		if (d->ended)
			return 0;
		pthread_mutex_lock(&ra->mu);
		if (d->cur && d->cur->last) {
			batch_done(ra, d->cur);
			pthread_mutex_unlock(&ra->mu);
			d->cur = NULL;
			d->ended = true;
			return 0;
		}
		/* the batch after this reader's (the first: the oldest queued) */
		while (!(b = d->cur ? d->cur->next : ra->qhead))
			pthread_cond_wait(&ra->can_get, &ra->mu);
		if (d->cur)
			batch_done(ra, d->cur);
		pthread_mutex_unlock(&ra->mu);
		d->cur = b;
		d->next = 0;
	}
	it = &d->cur->item[d->next++];
	v = &d->view[it->archive];
	v->have_hdr = it->have_hdr;
	v->index = it->index;
	v->key = it->key;
	v->boot_to_wall = it->boot_to_wall;
	*rec = &it->rec;
	*src = v;
	return 1;
}

void readahead_stop(struct readahead *ra)
{
	if (!ra)
		return;
	pthread_mutex_lock(&ra->mu);
	ra->stop = true;
	pthread_cond_signal(&ra->can_put);
	pthread_mutex_unlock(&ra->mu);
	pthread_join(ra->th, NULL);
	for (size_t i = 0; i < ra->x->n; i++)
		ra->x->s[i].host = ra->rd[0].view[i].host;
	/* the readers' current batches are queued until done */
	while (ra->qhead) {
		struct batch *b = ra->qhead;
		ra->qhead = b->next;
		batch_free(b);
	}
	while (ra->spare) {
		struct batch *b = ra->spare;
		ra->spare = b->next;
		batch_free(b);
	}
	pthread_cond_destroy(&ra->can_get);
	pthread_cond_destroy(&ra->can_put);
	pthread_mutex_destroy(&ra->mu);
	for (size_t c = 0; c < ra->nrd; c++)
		free(ra->rd[c].view);
	free(ra->rd);
	free(ra);
}
