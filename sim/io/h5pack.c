/* h5pack.c: whole chunks packed outside HDF5 (contract: h5pack.h).
**
** Invariants:
** - One block at most is in flight: state goes IDLE -> SUBMITTED (submit)
**   -> DONE (the packing finished) -> IDLE (collect). The caller's columns
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
  cs_ctx *ctx;                       /* borrowed: failures are reported here, by collect */
  const cs_h5p_col *cols;            /* borrowed */
  int n_cols;
  size_t n_elems;
  z_stream zs[CS_H5P_NSTRAT];        /* one stream per strategy used */
  int zs_ready[CS_H5P_NSTRAT];
  unsigned char *tmp;                /* one column's shuffled bytes */
  unsigned char **out;               /* [n_cols] packed chunks */
  size_t *len, *cap;                 /* [n_cols] their lengths and capacities */
  const void **data;                 /* [n_cols] the block in flight */
  int state;                         /* IDLE, SUBMITTED, DONE */
  int bad_col;                       /* column zlib failed on, -1 if none */
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

static void pack_block(cs_h5pack *p) {
  p->bad_col = -1;
  for (int c = 0; c < p->n_cols; c++) {
    const cs_h5p_col *col = &p->cols[c];
    size_t bytes = p->n_elems * col->elem;
    const unsigned char *in = p->data[c];
    if (col->shuffle && col->elem > 1) {
      shuffle(p->tmp, in, p->n_elems, col->elem);
      in = p->tmp;
    }
    z_stream *z = &p->zs[col->strategy];
    if (deflateReset(z) != Z_OK) goto fail;
    z->next_in = (unsigned char *)in; /* zlib's API is not const; it only reads */
    z->avail_in = (uInt)bytes;
    z->next_out = p->out[c];
    z->avail_out = (uInt)p->cap[c];
    if (deflate(z, Z_FINISH) != Z_STREAM_END) goto fail;
    p->len[c] = p->cap[c] - z->avail_out;
    continue;
  fail:
    p->bad_col = c;
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
    pack_block(p);
    pthread_mutex_lock(&p->mu);
    p->state = DONE;
    pthread_cond_broadcast(&p->cv);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

static const int zstrategy[CS_H5P_NSTRAT] = {Z_DEFAULT_STRATEGY, Z_RLE, Z_HUFFMAN_ONLY};

int cs_h5pack_new(cs_ctx *ctx, const cs_h5p_col *cols, int n_cols, size_t n_elems, int threaded, cs_h5pack **out) {
  cs_h5pack *p = calloc(1, sizeof *p);
  size_t max_bytes = 0;
  if (!p) goto nomem;
  p->ctx = ctx;
  p->cols = cols;
  p->n_cols = n_cols;
  p->n_elems = n_elems;
  p->out = calloc((size_t)n_cols, sizeof *p->out);
  p->len = calloc((size_t)n_cols, sizeof *p->len);
  p->cap = calloc((size_t)n_cols, sizeof *p->cap);
  p->data = calloc((size_t)n_cols, sizeof *p->data);
  if (!p->out || !p->len || !p->cap || !p->data) goto nomem;
  for (int c = 0; c < n_cols; c++) {
    int st = cols[c].strategy;
    if (st < 0 || st >= CS_H5P_NSTRAT) {
      cs_h5pack_free(p);
      return cs_err(ctx, CS_EINVAL, "chunk packer: column %d has unknown strategy %d", c, st);
    }
    if (!p->zs_ready[st]) {
      if (deflateInit2(&p->zs[st], DEFLATE_LEVEL, Z_DEFLATED, 15, 8, zstrategy[st]) != Z_OK) goto nomem;
      p->zs_ready[st] = 1;
    }
    size_t bytes = n_elems * cols[c].elem;
    if (bytes > max_bytes) max_bytes = bytes;
    p->cap[c] = deflateBound(&p->zs[st], (uLong)bytes);
    if (!(p->out[c] = malloc(p->cap[c]))) goto nomem;
  }
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

void cs_h5pack_submit(cs_h5pack *p, const void *const *data) {
  for (int c = 0; c < p->n_cols; c++) p->data[c] = data[c];
  if (!p->threaded) {
    pack_block(p);
    p->state = DONE;
    return;
  }
  pthread_mutex_lock(&p->mu);
  p->state = SUBMITTED;
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
}

int cs_h5pack_collect(cs_h5pack *p, const unsigned char **out, size_t *len) {
  if (p->threaded) {
    pthread_mutex_lock(&p->mu);
    while (p->state == SUBMITTED) pthread_cond_wait(&p->cv, &p->mu);
    pthread_mutex_unlock(&p->mu);
  }
  if (p->state != DONE) return cs_err(p->ctx, CS_EINVAL, "chunk packer: no block in flight");
  p->state = IDLE;
  if (p->bad_col >= 0) return cs_err(p->ctx, CS_EINVAL, "chunk packer: zlib failed on column %d", p->bad_col);
  for (int c = 0; c < p->n_cols; c++) {
    out[c] = p->out[c];
    len[c] = p->len[c];
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
  for (int c = 0; p->out && c < p->n_cols; c++) free(p->out[c]);
  free(p->out);
  free(p->len);
  free(p->cap);
  free(p->data);
  free(p->tmp);
  free(p);
}
