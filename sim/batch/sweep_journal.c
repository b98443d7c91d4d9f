/* sweep_journal.c: the journal of a sweep's completed runs, and what the
** fork and MPI drivers share (signals, the clock); see sweep_journal.h. */
#define _GNU_SOURCE /* flock, fdatasync */
#include "sweep_journal.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define JMAGIC "CSSWJNL1"

typedef struct jhead {
  char magic[8];
  char sha[64], scen_sha[64];
  uint64_t index, count, rec_len, n_runs;
} jhead;

static uint64_t fnv1a(const void *p, size_t n, uint64_t h) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
  return h;
}

/* write(2) until n bytes or an error (EINTR retried): 0 or -1. */
static int write_full(int fd, const void *p, size_t n) {
  const char *b = p;
  while (n) {
    ssize_t w = write(fd, b, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    b += w;
    n -= (size_t)w;
  }
  return 0;
}

/* ---- the journal ---- */


void cs_journal_close(cs_journal *j) {
  if (j->fd >= 0) {
    fdatasync(j->fd); /* what a resume will read; nothing to report if it fails */
    close(j->fd);
  }
  free(j->off);
  free(j->buf);
  free(j->path);
  memset(j, 0, sizeof *j);
  j->fd = -1;
}

/* Make room for local record l (a journal of a growing number of runs). */
static int reserve(cs_ctx *ctx, cs_journal *j, uint64_t l) {
  if (l < j->cap) return CS_OK;
  uint64_t cap = j->cap ? j->cap : 64;
  while (cap <= l) cap *= 2;
  uint64_t *off = realloc(j->off, (size_t)cap * 8);
  if (!off) return cs_err(ctx, CS_ENOMEM, "out of memory");
  for (uint64_t i = j->cap; i < cap; i++) off[i] = UINT64_MAX;
  j->off = off;
  j->cap = cap;
  return CS_OK;
}

int cs_journal_open_raw(cs_ctx *ctx, cs_journal *j, const char *out, const char *sha, const char *scen_sha,
                        uint64_t index, uint64_t count, size_t rec_len, uint64_t n_runs) {
  struct stat st;
  jhead h, disk;
  memset(&h, 0, sizeof h);
  memcpy(h.magic, JMAGIC, 8);
  memcpy(h.sha, sha, 64);
  memcpy(h.scen_sha, scen_sha, 64);
  h.index = index;
  h.count = count;
  h.rec_len = rec_len;
  h.n_runs = n_runs;
  j->fd = -1;
  j->index = index;
  j->count = count;
  j->n_runs = n_runs;
  j->n_local = index < n_runs ? (n_runs - index + count - 1) / count : 0;
  j->rec_len = rec_len;
  j->rec_bytes = 16 + 8 * j->rec_len;
  size_t n = strlen(out) + 16;
  if (!(j->path = malloc(n)) || !(j->buf = malloc(j->rec_bytes))) return cs_err(ctx, CS_ENOMEM, "out of memory");
  if (reserve(ctx, j, j->n_local ? j->n_local - 1 : 0) != CS_OK) return CS_ENOMEM;
  snprintf(j->path, n, "%s.journal", out);
  if ((j->fd = open(j->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0)
    return cs_err(ctx, CS_EIO, "journal '%s': %s", j->path, strerror(errno));
  if (flock(j->fd, LOCK_EX | LOCK_NB) != 0)
    return cs_err(ctx, CS_EIO, "journal '%s': another process is writing %s", j->path, out);
  if (fstat(j->fd, &st) != 0) return cs_err(ctx, CS_EIO, "journal '%s': %s", j->path, strerror(errno));
  if (st.st_size < (off_t)sizeof h) {
    if (ftruncate(j->fd, 0) != 0 || pwrite(j->fd, &h, sizeof h, 0) != (ssize_t)sizeof h || fsync(j->fd) != 0)
      return cs_err(ctx, CS_EIO, "journal '%s': cannot write: %s", j->path, strerror(errno));
    return CS_OK;
  }
  if (pread(j->fd, &disk, sizeof disk, 0) != (ssize_t)sizeof disk || memcmp(&disk, &h, sizeof h) != 0)
    return cs_err(ctx, CS_EINVAL,
                  "journal '%s' belongs to other inputs (a different sweep, calibration, scenario or shard); "
                  "delete it to start over",
                  j->path);
  uint64_t pos = sizeof h;
  while (pos + j->rec_bytes <= (uint64_t)st.st_size) {
    if (pread(j->fd, j->buf, j->rec_bytes, (off_t)pos) != (ssize_t)j->rec_bytes) break;
    uint64_t k, sum;
    memcpy(&k, j->buf, 8);
    memcpy(&sum, j->buf + j->rec_bytes - 8, 8);
    if (sum != fnv1a(j->buf, j->rec_bytes - 8, 0xcbf29ce484222325ull) || (n_runs && k >= n_runs) ||
        k % count != index || (!n_runs && k > (uint64_t)1 << 40))
      break;
    uint64_t l = (k - index) / count;
    if (reserve(ctx, j, l) != CS_OK) return CS_ENOMEM;
    if (j->off[l] == UINT64_MAX) {
      j->off[l] = pos;
      j->done++;
    }
    pos += j->rec_bytes;
  }
  if ((uint64_t)st.st_size != pos && ftruncate(j->fd, (off_t)pos) != 0)
    return cs_err(ctx, CS_EIO, "journal '%s': cannot cut a torn record: %s", j->path, strerror(errno));
  return CS_OK;
}

int cs_journal_open(cs_ctx *ctx, cs_journal *j, const cs_sweep *sw, const char *out, uint64_t index,
                    uint64_t count) {
  /* with modules or data files, their digest stands for the scenario's: a
  ** journal from before a module changed is not resumed */
  return cs_journal_open_raw(ctx, j, out, sw->sha, sw->n_files ? sw->files_sha : sw->scenario_sha, index, count,
                             cs_sweep_record_len(sw), sw->n_runs);
}

int cs_journal_has(const cs_journal *j, uint64_t k) {
  uint64_t l = (k - j->index) / j->count;
  return k % j->count == j->index && l < j->cap && j->off[l] != UINT64_MAX;
}

int cs_journal_append(cs_ctx *ctx, cs_journal *j, uint64_t k, const double *rec) {
  off_t end = lseek(j->fd, 0, SEEK_END);
  memcpy(j->buf, &k, 8);
  memcpy(j->buf + 8, rec, 8 * j->rec_len);
  uint64_t sum = fnv1a(j->buf, j->rec_bytes - 8, 0xcbf29ce484222325ull);
  memcpy(j->buf + j->rec_bytes - 8, &sum, 8);
  if (end < 0 || write_full(j->fd, j->buf, j->rec_bytes) != 0)
    return cs_err(ctx, CS_EIO, "journal '%s': cannot write: %s", j->path, strerror(errno));
  /* Group commit: once written, a record survives the death of this process
  ** (it is in the page cache); fdatasync only guards against a crash of the
  ** machine, so it runs at most every CS_JOURNAL_SYNC_S seconds (about 5 ms
  ** each on a VM disk, 3-4% of a 0.15 s run if done for every record). */
  double now = cs_sweep_now();
  if (now - j->synced >= CS_JOURNAL_SYNC_S) {
    if (fdatasync(j->fd) != 0)
      return cs_err(ctx, CS_EIO, "journal '%s': cannot sync: %s", j->path, strerror(errno));
    j->synced = now;
  }
  uint64_t l = (k - j->index) / j->count;
  if (reserve(ctx, j, l) != CS_OK) return CS_ENOMEM;
  if (j->off[l] == UINT64_MAX) j->done++;
  j->off[l] = (uint64_t)end;
  return CS_OK;
}


int cs_journal_row(void *ud, uint64_t k, double *rec) {
  cs_journal_rows *r = ud;
  cs_journal *j = r->j;
  uint64_t l = (k - j->index) / j->count;
  if (l >= j->cap || j->off[l] == UINT64_MAX || pread(j->fd, j->buf, j->rec_bytes, (off_t)j->off[l]) != (ssize_t)j->rec_bytes)
    return cs_err(r->ctx, CS_EIO, "journal '%s': run %llu missing", j->path, (unsigned long long)k);
  memcpy(rec, j->buf + 8, 8 * j->rec_len);
  return CS_OK;
}

/* ---- shared by the drivers ---- */

volatile sig_atomic_t cs_sweep_stop = 0;
static void on_signal(int sig) { cs_sweep_stop = sig; }

static struct sigaction old_int, old_term, old_pipe;

void cs_sweep_signals_catch(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  sa.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &sa, &old_pipe);
}

void cs_sweep_signals_restore(void) {
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  sigaction(SIGPIPE, &old_pipe, NULL);
}

double cs_sweep_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
