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

#include "cs_h5.h"
#include <unistd.h>

#define JMAGIC "CSSWJNL1"  /* records of completed runs only */
#define JMAGIC2 "CSSWJNL2" /* failure records may follow */
#define JFAILED ((uint64_t)1 << 63)   /* in a record's run field: a failure record */
#define OFF_FAILED ((uint64_t)1 << 62) /* in j->off[]: the record there is a failure record */
#define FAIL_MAX (CS_ERRMSG_MAX - 1)   /* bytes of a failure's message */
#define PAD8(n) (((n) + 7) & ~(size_t)7)

typedef struct jhead {
  char magic[8];
  char sha[64], scen_sha[64];
  uint64_t index, count, rec_len, n_runs;
} jhead;

uint64_t cs_journal_fnv1a(const void *p, size_t n, uint64_t h) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
  return h;
}

int cs_journal_write_full(int fd, const void *p, size_t n) {
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
  size_t n = strlen(out) + 16, cap = j->rec_bytes > 24 + PAD8(FAIL_MAX) ? j->rec_bytes : 24 + PAD8(FAIL_MAX);
  if (!(j->path = malloc(n)) || !(j->buf = malloc(cap))) return cs_err(ctx, CS_ENOMEM, "out of memory");
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
  int got = pread(j->fd, &disk, sizeof disk, 0) == (ssize_t)sizeof disk;
  j->v2 = got && !memcmp(disk.magic, JMAGIC2, 8);
  if (j->v2) memcpy(disk.magic, JMAGIC, 8);
  if (!got || memcmp(&disk, &h, sizeof h) != 0)
    return cs_err(ctx, CS_EINVAL,
                  "journal '%s' belongs to other inputs (a different sweep, calibration, scenario or shard, "
                  "another --branch-at/--branches, or another conflictsim version); delete it to start over",
                  j->path);
  uint64_t pos = sizeof h;
  while (pos + 8 <= (uint64_t)st.st_size) {
    uint64_t k, sum, len = 0;
    size_t nb = j->rec_bytes;
    if (pread(j->fd, &k, 8, (off_t)pos) != 8) break;
    int failed = (k & JFAILED) != 0;
    if (failed) { /* {run | JFAILED, length, message padded, checksum} */
      if (!j->v2 || pos + 16 > (uint64_t)st.st_size || pread(j->fd, &len, 8, (off_t)pos + 8) != 8 || len == 0 ||
          len > FAIL_MAX)
        break;
      nb = 24 + PAD8((size_t)len);
    }
    if (pos + nb > (uint64_t)st.st_size || pread(j->fd, j->buf, nb, (off_t)pos) != (ssize_t)nb) break;
    memcpy(&sum, j->buf + nb - 8, 8);
    k &= ~JFAILED;
    if (sum != cs_journal_fnv1a(j->buf, nb - 8, CS_JOURNAL_FNV0) || (n_runs && k >= n_runs) || k % count != index ||
        (!n_runs && k > (uint64_t)1 << 40))
      break;
    uint64_t l = (k - index) / count;
    if (reserve(ctx, j, l) != CS_OK) return CS_ENOMEM;
    if (j->off[l] == UINT64_MAX) {
      j->off[l] = pos | (failed ? OFF_FAILED : 0);
      j->done++;
      j->failed += failed;
    }
    pos += nb;
  }
  if ((uint64_t)st.st_size != pos && ftruncate(j->fd, (off_t)pos) != 0)
    return cs_err(ctx, CS_EIO, "journal '%s': cannot cut a torn record: %s", j->path, strerror(errno));
  return CS_OK;
}

int cs_journal_open(cs_ctx *ctx, cs_journal *j, const cs_sweep *sw, const char *out, uint64_t index,
                    uint64_t count) {
  /* with modules or data files, their digest stands for the scenario's: a
  ** journal from before a module changed is not resumed */
  /* id_sha: the sweep text and its branch setting (a journal of another
  ** --branch-at or --branches is refused) */
  /* and the version that writes it: a journal of another version's runs
  ** is not resumed (the file it would complete records one version) */
  char key[160], inputs[65];
  int n = snprintf(key, sizeof key, "%s\nconflictsim %s", sw->n_files ? sw->files_sha : sw->scenario_sha,
                   cs_version());
  cs_sha256_hex(key, n > 0 && (size_t)n < sizeof key ? (size_t)n : strlen(key), inputs);
  return cs_journal_open_raw(ctx, j, out, sw->id_sha, inputs, index, count, cs_sweep_record_len(sw), sw->n_runs);
}

int cs_journal_has(const cs_journal *j, uint64_t k) {
  uint64_t l = (k - j->index) / j->count;
  return k % j->count == j->index && l < j->cap && j->off[l] != UINT64_MAX;
}

void cs_journal_forget(cs_journal *j, uint64_t k) {
  if (!cs_journal_has(j, k) || cs_journal_failed(j, k)) return;
  j->off[(k - j->index) / j->count] = UINT64_MAX;
  j->done--;
}

int cs_journal_failed(const cs_journal *j, uint64_t k) {
  return cs_journal_has(j, k) && (j->off[(k - j->index) / j->count] & OFF_FAILED);
}

/* Append the nb bytes of j->buf (a record of run k whose checksum is still
** to be filled in), then index it. */
static int append(cs_ctx *ctx, cs_journal *j, uint64_t k, size_t nb, int failed) {
  off_t end = lseek(j->fd, 0, SEEK_END);
  uint64_t sum = cs_journal_fnv1a(j->buf, nb - 8, CS_JOURNAL_FNV0);
  memcpy(j->buf + nb - 8, &sum, 8);
  if (end < 0 || cs_journal_write_full(j->fd, j->buf, nb) != 0)
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
  else j->failed -= (j->off[l] & OFF_FAILED) != 0;
  j->failed += failed;
  j->off[l] = (uint64_t)end | (failed ? OFF_FAILED : 0);
  return CS_OK;
}

int cs_journal_append(cs_ctx *ctx, cs_journal *j, uint64_t k, const double *rec) {
  memcpy(j->buf, &k, 8);
  memcpy(j->buf + 8, rec, 8 * j->rec_len);
  return append(ctx, j, k, j->rec_bytes, 0);
}

int cs_journal_append_failure(cs_ctx *ctx, cs_journal *j, uint64_t k, const char *msg) {
  if (!j->v2) { /* the first failure record: the magic says they may follow */
    if (pwrite(j->fd, JMAGIC2, 8, 0) != 8 || fdatasync(j->fd) != 0)
      return cs_err(ctx, CS_EIO, "journal '%s': cannot write: %s", j->path, strerror(errno));
    j->v2 = 1;
  }
  if (!msg || !*msg) msg = "failed (no message)";
  uint64_t kf = k | JFAILED, len = strnlen(msg, FAIL_MAX);
  size_t nb = 24 + PAD8((size_t)len);
  memset(j->buf, 0, nb);
  memcpy(j->buf, &kf, 8);
  memcpy(j->buf + 8, &len, 8);
  memcpy(j->buf + 16, msg, (size_t)len);
  return append(ctx, j, k, nb, 1);
}

int cs_journal_read(cs_ctx *ctx, cs_journal *j, uint64_t k, double *rec, char *err) {
  uint64_t l = (k - j->index) / j->count, off, len;
  if (k % j->count != j->index || l >= j->cap || j->off[l] == UINT64_MAX)
    return cs_err(ctx, CS_EIO, "journal '%s': run %llu missing", j->path, (unsigned long long)k);
  off = j->off[l] & ~OFF_FAILED;
  if (!(j->off[l] & OFF_FAILED)) {
    if (pread(j->fd, j->buf, j->rec_bytes, (off_t)off) != (ssize_t)j->rec_bytes)
      return cs_err(ctx, CS_EIO, "journal '%s': run %llu missing", j->path, (unsigned long long)k);
    memcpy(rec, j->buf + 8, 8 * j->rec_len);
    if (err) err[0] = '\0';
    return CS_OK;
  }
  if (pread(j->fd, &len, 8, (off_t)off + 8) != 8 || len == 0 || len > FAIL_MAX ||
      pread(j->fd, j->buf, (size_t)len, (off_t)off + 16) != (ssize_t)len)
    return cs_err(ctx, CS_EIO, "journal '%s': run %llu missing", j->path, (unsigned long long)k);
  if (!err) return cs_err(ctx, CS_EINVAL, "run %llu failed: %.*s", (unsigned long long)k, (int)len, (char *)j->buf);
  for (size_t i = 0; i < j->rec_len; i++) rec[i] = NAN;
  memcpy(err, j->buf, (size_t)len);
  err[len] = '\0';
  return CS_OK;
}

int cs_journal_row(void *ud, uint64_t k, double *rec, char *err) {
  cs_journal_rows *r = ud;
  return cs_journal_read(r->ctx, r->j, k, rec, err);
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
