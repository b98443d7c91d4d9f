/* h5pack.c: whole chunks packed outside HDF5 (contract: h5pack.h).
**
** Invariants:
** - One job at most is in flight: state goes IDLE -> SUBMITTED (submit)
**   -> DONE (the packing finished) -> IDLE (collect). The caller's data
**   are read, and out[] written, only between submit and collect.
** - The worker thread (if any) allocates nothing, reports nothing and calls
**   no HDF5: it packs into buffers sized at creation (deflateBound) and
**   leaves a failure code for collect to report in the caller's thread.
** - Each chunk is a fresh zlib stream (deflateReset), so a chunk's bytes
**   depend on its own bytes alone, whatever was packed before. */
#define _POSIX_C_SOURCE 200809L /* pthread_sigmask */

#include "h5pack.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#define DEFLATE_LEVEL 1 /* the level HDF5's filter was given (cs_h5u_dataset) */

enum { IDLE, SUBMITTED, DONE };

struct cs_h5pack {
  cs_ctx *ctx;                       /* borrowed: failures are reported here, in the caller's thread */
  int max_items;
  size_t max_bytes;
  z_stream zs[CS_H5P_NSTRAT];        /* one stream per strategy */
  int zs_ready[CS_H5P_NSTRAT];
  unsigned char *tmp;                /* one item's shuffled bytes */
  unsigned char **out;               /* [max_items] packed chunks, cap bytes each */
  size_t *len, cap;
  cs_h5p_item *items;                /* [max_items] the job in flight, n_items of them */
  int n_items;
  int state;                         /* IDLE, SUBMITTED, DONE */
  int bad_item;                      /* item zlib failed on, -1 if none */
  int threaded, stop;
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
};

/* HDF5's shuffle filter: byte j of element i goes to j * n + i. */
static void shuffle(unsigned char *restrict dst, const unsigned char *restrict src, size_t n, size_t elem) {
  for (size_t j = 0; j < elem; j++) {
    unsigned char *d = dst + j * n;
    const unsigned char *s = src + j;
    for (size_t i = 0; i < n; i++) d[i] = s[i * elem];
  }
}

static void pack_job(cs_h5pack *p) {
  p->bad_item = -1;
  for (int i = 0; i < p->n_items; i++) {
    const cs_h5p_item *it = &p->items[i];
    const unsigned char *in = it->data;
    if (it->shuffle && it->elem > 1) {
      shuffle(p->tmp, in, it->n, it->elem);
      in = p->tmp;
    }
    z_stream *z = &p->zs[it->strategy];
    if (deflateReset(z) != Z_OK) goto fail;
    z->next_in = (unsigned char *)in; /* zlib's API is not const; it only reads */
    z->avail_in = (uInt)(it->n * it->elem);
    z->next_out = p->out[i];
    z->avail_out = (uInt)p->cap;
    if (deflate(z, Z_FINISH) != Z_STREAM_END) goto fail;
    p->len[i] = p->cap - z->avail_out;
    continue;
  fail:
    p->bad_item = i;
    return;
  }
}

static void *worker(void *arg) {
  cs_h5pack *p = arg;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    while (p->state != SUBMITTED && !p->stop) pthread_cond_wait(&p->cv, &p->mu);
    if (p->state != SUBMITTED) break; /* stop, nothing in flight */
    pthread_mutex_unlock(&p->mu);
    pack_job(p);
    pthread_mutex_lock(&p->mu);
    p->state = DONE;
    pthread_cond_broadcast(&p->cv);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

static const int zstrategy[CS_H5P_NSTRAT] = {Z_DEFAULT_STRATEGY, Z_RLE, Z_HUFFMAN_ONLY};

int cs_h5pack_new(cs_ctx *ctx, int max_items, size_t max_bytes, int threaded, cs_h5pack **out) {
  cs_h5pack *p = calloc(1, sizeof *p);
  if (!p) goto nomem;
  p->ctx = ctx;
  p->max_items = max_items > 0 ? max_items : 1;
  p->max_bytes = max_bytes;
  p->out = calloc((size_t)p->max_items, sizeof *p->out);
  p->len = calloc((size_t)p->max_items, sizeof *p->len);
  p->items = calloc((size_t)p->max_items, sizeof *p->items);
  if (!p->out || !p->len || !p->items) goto nomem;
  for (int st = 0; st < CS_H5P_NSTRAT; st++) {
    if (deflateInit2(&p->zs[st], DEFLATE_LEVEL, Z_DEFLATED, 15, 8, zstrategy[st]) != Z_OK) goto nomem;
    p->zs_ready[st] = 1;
  }
  p->cap = deflateBound(&p->zs[CS_H5P_DEFAULT], (uLong)max_bytes); /* the bound of every strategy */
  for (int i = 0; i < p->max_items; i++)
    if (!(p->out[i] = malloc(p->cap))) goto nomem;
  if (!(p->tmp = malloc(max_bytes ? max_bytes : 1))) goto nomem;
  p->state = IDLE;
  if (threaded && pthread_mutex_init(&p->mu, NULL) == 0) {
    if (pthread_cond_init(&p->cv, NULL) == 0) {
      sigset_t all, old;
      sigfillset(&all); /* signals go to the caller's thread, never the worker */
      pthread_sigmask(SIG_SETMASK, &all, &old);
      p->threaded = pthread_create(&p->thread, NULL, worker, p) == 0;
      pthread_sigmask(SIG_SETMASK, &old, NULL);
      if (!p->threaded) pthread_cond_destroy(&p->cv);
    }
    if (!p->threaded) pthread_mutex_destroy(&p->mu); /* no thread: pack in the caller's */
  }
  *out = p;
  return CS_OK;
nomem:
  cs_h5pack_free(p);
  return cs_err(ctx, CS_ENOMEM, "chunk packer: out of memory");
}

int cs_h5pack_submit(cs_h5pack *p, const cs_h5p_item *items, int n) {
  if (p->state != IDLE) return cs_err(p->ctx, CS_EINVAL, "chunk packer: a job is already in flight");
  if (n < 0 || n > p->max_items) return cs_err(p->ctx, CS_EINVAL, "chunk packer: %d items (at most %d)", n, p->max_items);
  for (int i = 0; i < n; i++) {
    if (items[i].strategy < 0 || items[i].strategy >= CS_H5P_NSTRAT)
      return cs_err(p->ctx, CS_EINVAL, "chunk packer: item %d has unknown strategy %d", i, items[i].strategy);
    if (items[i].elem == 0 || items[i].n > p->max_bytes / items[i].elem)
      return cs_err(p->ctx, CS_EINVAL, "chunk packer: item %d is larger than %zu bytes", i, p->max_bytes);
    p->items[i] = items[i];
  }
  p->n_items = n;
  if (!p->threaded) {
    pack_job(p);
    p->state = DONE;
    return CS_OK;
  }
  pthread_mutex_lock(&p->mu);
  p->state = SUBMITTED;
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
  return CS_OK;
}

int cs_h5pack_collect(cs_h5pack *p, const unsigned char **out, size_t *len) {
  if (p->threaded) {
    pthread_mutex_lock(&p->mu);
    while (p->state == SUBMITTED) pthread_cond_wait(&p->cv, &p->mu);
    pthread_mutex_unlock(&p->mu);
  }
  if (p->state != DONE) return cs_err(p->ctx, CS_EINVAL, "chunk packer: no job in flight");
  p->state = IDLE;
  if (p->bad_item >= 0) return cs_err(p->ctx, CS_EINVAL, "chunk packer: zlib failed on item %d", p->bad_item);
  for (int i = 0; i < p->n_items; i++) {
    out[i] = p->out[i];
    len[i] = p->len[i];
  }
  return CS_OK;
}

void cs_h5pack_free(cs_h5pack *p) {
  if (!p) return;
  if (p->threaded) {
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
  }
  for (int s = 0; s < CS_H5P_NSTRAT; s++)
    if (p->zs_ready[s]) deflateEnd(&p->zs[s]);
  for (int i = 0; p->out && i < p->max_items; i++) free(p->out[i]);
  free(p->out);
  free(p->len);
  free(p->items);
  free(p->tmp);
  free(p);
}
