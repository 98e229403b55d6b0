/* bgw.c - the background writer (see bgw.h): stdio streams made with
 * fopencookie() whose writes are queued, in order, for one thread that
 * write(2)s them. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/bgw.h"

struct bgw_stream;

/* bytes of one stream, waiting for the thread */
struct bgw_item {
	struct bgw_item *next;
	struct bgw_stream *s;
	size_t len, cap;
	uint8_t data[];
};

/* spare items of BGW_BUF_BYTES kept for reuse: a fresh 1 MiB allocation
 * is an mmap, page faults and an munmap each time */
#define BGW_SPARES (BGW_MAX_QUEUED / BGW_BUF_BYTES + 2)

struct bgw {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work; /* an item queued, or stop */
	pthread_cond_t room; /* an item written: queued fell, a stream's pending too */
	struct bgw_item *head, *tail;
	size_t queued; /* bytes in the queue */
	bool stop;
	struct bgw_item *spare; /* reusable items (under mu) */
	size_t nspare;
};

struct bgw_stream {
	struct bgw *w;
	int fd;
	int err;	/* errno of the first failed write; 0 while healthy */
	size_t pending; /* its items not yet written (under w->mu) */
};

/* the whole buffer to fd; 0 or an errno */
static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (k == 0)
			return EIO;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static void *run(void *arg)
{
	struct bgw *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct bgw_item *it;
		int e;
		while (!w->head && !w->stop)
			pthread_cond_wait(&w->work, &w->mu);
		if (!w->head)
			break; /* stop, and nothing left */
		it = w->head;
		w->head = it->next;
		if (!w->head)
			w->tail = NULL;
		e = it->s->err;
		pthread_mutex_unlock(&w->mu);
		if (!e)
			e = write_all(it->s->fd, it->data, it->len);
		pthread_mutex_lock(&w->mu);
		if (e && !it->s->err)
			it->s->err = e;
		w->queued -= it->len;
		it->s->pending--;
		pthread_cond_broadcast(&w->room);
		if (it->cap == BGW_BUF_BYTES && w->nspare < BGW_SPARES) {
			it->next = w->spare;
			w->spare = it;
			w->nspare++;
		} else {
			free(it);
		}
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static ssize_t cookie_write(void *cookie, const char *buf, size_t n)
{
	struct bgw_stream *s = cookie;
	struct bgw *w = s->w;
	struct bgw_item *it;

	if (!n)
		return 0;
	pthread_mutex_lock(&w->mu);
	it = n <= BGW_BUF_BYTES ? w->spare : NULL;
	if (it) {
		w->spare = it->next;
		w->nspare--;
	}
	pthread_mutex_unlock(&w->mu);
	if (!it) {
		size_t cap = n <= BGW_BUF_BYTES ? BGW_BUF_BYTES : n;
		it = malloc(sizeof(*it) + cap);
		if (!it) {
			errno = ENOMEM;
			return 0;
		}
		it->cap = cap;
	}
	it->next = NULL;
	it->s = s;
	it->len = n;
	memcpy(it->data, buf, n);
	pthread_mutex_lock(&w->mu);
	/* an item larger than the bound goes alone */
	while (!s->err && w->queued && w->queued + n > BGW_MAX_QUEUED)
		pthread_cond_wait(&w->room, &w->mu);
	if (s->err) {
		errno = s->err;
		pthread_mutex_unlock(&w->mu);
		free(it);
		return 0;
	}
	if (w->tail)
		w->tail->next = it;
	else
		w->head = it;
	w->tail = it;
	w->queued += n;
	s->pending++;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);
	return (ssize_t)n;
}

/* fclose(): waits until the thread wrote the stream; EOF on a failed write */
static int cookie_close(void *cookie)
{
	struct bgw_stream *s = cookie;
	struct bgw *w = s->w;
	int e;

	pthread_mutex_lock(&w->mu);
	while (s->pending)
		pthread_cond_wait(&w->room, &w->mu);
	e = s->err;
	pthread_mutex_unlock(&w->mu);
	free(s);
	if (e) {
		errno = e;
		return EOF;
	}
	return 0;
}

struct bgw *bgw_create(void)
{
	struct bgw *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->room, NULL);
	if (pthread_create(&w->thread, NULL, run, w)) {
		pthread_cond_destroy(&w->room);
		pthread_cond_destroy(&w->work);
		pthread_mutex_destroy(&w->mu);
		free(w);
		return NULL;
	}
	return w;
}

FILE *bgw_open(struct bgw *w, int fd)
{
	cookie_io_functions_t io = {.write = cookie_write, .close = cookie_close};
	struct bgw_stream *s = calloc(1, sizeof(*s));
	FILE *f;

	if (!s)
		return NULL;
	s->w = w;
	s->fd = fd;
	f = fopencookie(s, "w", io);
	if (!f) {
		free(s);
		return NULL;
	}
	setvbuf(f, NULL, _IOFBF, BGW_BUF_BYTES);
	return f;
}

void bgw_free(struct bgw *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	while (w->spare) {
		struct bgw_item *it = w->spare;
		w->spare = it->next;
		free(it);
	}
	pthread_cond_destroy(&w->room);
	pthread_cond_destroy(&w->work);
	pthread_mutex_destroy(&w->mu);
	free(w);
}
