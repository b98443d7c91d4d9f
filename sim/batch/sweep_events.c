/* sweep_events.c: the side files that carry each run's event rows from the
** process that ran it to the sweep file (see sweep_events.h).
**
** Costs: one file per completed run, written with a few large writes and no
** fsync (a file lost to a crash of the machine is caught by its checksum on
** the next open and the run is done again); the resume check reads every
** side file once. */
#define _GNU_SOURCE /* O_CLOEXEC, dirfd */
#include "sweep_events.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EV_MAGIC "CSSWEVT1"
#define EV_END "CSSWEVND"
#define EV_HEAD (8 + 64 + 8)
#define EV_TAIL 24
#define EV_BUF_ROWS 1024

_Static_assert(sizeof(cs_sweep_evrow) == 64, "a side file's row is 64 bytes");

static int read_full(int fd, void *p, size_t n, off_t at) {
  char *b = p;
  while (n) {
    ssize_t r = pread(fd, b, n, at);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    b += r;
    n -= (size_t)r;
    at += r;
  }
  return 0;
}

int cs_sweep_ev_keep(int level, int kind) {
  if (level == CS_SWEV_ALL) return 1;
  if (level == CS_SWEV_CONFLICT)
    return kind != CS_EK_FLIGHT && kind != CS_EK_RELOCATION && kind != CS_EK_RETURN;
  return 0;
}

char *cs_sweep_ev_dir(const char *out) {
  size_t n = strlen(out) + sizeof ".events";
  char *d = malloc(n);
  if (d) snprintf(d, n, "%s.events", out);
  return d;
}

static char *file_path(const char *dir, uint64_t k, const char *tmp_suffix) {
  size_t n = strlen(dir) + 64;
  char *p = malloc(n);
  if (!p) return NULL;
  if (tmp_suffix) snprintf(p, n, "%s/%llu%s.%ld", dir, (unsigned long long)k, tmp_suffix, (long)getpid());
  else snprintf(p, n, "%s/%llu", dir, (unsigned long long)k);
  return p;
}

static void head_of(const cs_sweep *sw, uint64_t k, unsigned char *h) {
  memcpy(h, EV_MAGIC, 8);
  memcpy(h + 8, sw->id_sha, 64);
  memcpy(h + 72, &k, 8);
}

/* Open run k's side file and check it whole: CS_OK with the open fd and its
** rows, else -1 (absent, torn, or of another sweep). */
static int open_checked(const cs_sweep *sw, const char *dir, uint64_t k, int *fd_out, uint64_t *n_out) {
  char *p = file_path(dir, k, NULL);
  unsigned char head[EV_HEAD], want[EV_HEAD], tail[EV_TAIL], buf[64 * 256];
  struct stat st;
  uint64_t n, sum, h = CS_JOURNAL_FNV0;
  int fd = p ? open(p, O_RDONLY | O_CLOEXEC) : -1;
  free(p);
  if (fd < 0) return -1;
  head_of(sw, k, want);
  if (fstat(fd, &st) != 0 || st.st_size < EV_HEAD + EV_TAIL || read_full(fd, head, EV_HEAD, 0) ||
      memcmp(head, want, EV_HEAD) || read_full(fd, tail, EV_TAIL, st.st_size - EV_TAIL) ||
      memcmp(tail + 16, EV_END, 8))
    goto bad;
  memcpy(&n, tail, 8);
  memcpy(&sum, tail + 8, 8);
  if ((uint64_t)st.st_size != EV_HEAD + EV_TAIL + 64 * n) goto bad;
  h = cs_journal_fnv1a(head, EV_HEAD, h);
  for (off_t at = EV_HEAD, end = st.st_size - EV_TAIL; at < end;) {
    size_t m = (size_t)(end - at) < sizeof buf ? (size_t)(end - at) : sizeof buf;
    if (read_full(fd, buf, m, at)) goto bad;
    h = cs_journal_fnv1a(buf, m, h);
    at += (off_t)m;
  }
  if (h != sum) goto bad;
  *fd_out = fd;
  *n_out = n;
  return CS_OK;
bad:
  close(fd);
  return -1;
}

int cs_sweep_ev_check(const cs_sweep *sw, const char *dir, uint64_t k) {
  int fd;
  uint64_t n;
  if (open_checked(sw, dir, k, &fd, &n) != CS_OK) return 0;
  close(fd);
  return 1;
}

/* The run a side file's name stands for ("K" or "K.tmp.PID"); -1 if none. */
static int name_run(const char *name, uint64_t *k) {
  char *end;
  if (name[0] < '0' || name[0] > '9') return -1;
  errno = 0;
  unsigned long long v = strtoull(name, &end, 10);
  if (errno || (*end && strncmp(end, ".tmp.", 5))) return -1;
  *k = v;
  return 0;
}

int cs_sweep_ev_prepare(cs_ctx *ctx, cs_sweep *sw, cs_journal *j, const char *out_arg, uint64_t *redo) {
  char *dir = cs_sweep_ev_dir(out_arg);
  *redo = 0;
  if (!dir) return cs_err(ctx, CS_ENOMEM, "out of memory");
  free(sw->ev_dir);
  sw->ev_dir = dir;
  if (mkdir(dir, 0755) != 0 && errno != EEXIST)
    return cs_err(ctx, CS_EIO, "events directory '%s': %s", dir, strerror(errno));
  for (uint64_t l = 0; j && l < j->n_local; l++) {
    uint64_t k = j->index + l * j->count;
    if (cs_journal_has(j, k) && !cs_journal_failed(j, k) && !cs_sweep_ev_check(sw, dir, k)) {
      cs_journal_forget(j, k);
      (*redo)++;
    }
  }
  return CS_OK;
}

int cs_sweep_ev_remove(cs_ctx *ctx, const char *dir, uint64_t index, uint64_t count) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int rc = CS_OK;
  uint64_t k;
  if (!d) return errno == ENOENT ? CS_OK : cs_err(ctx, CS_EIO, "events directory '%s': %s", dir, strerror(errno));
  while ((e = readdir(d)))
    if (!name_run(e->d_name, &k) && k % count == index && unlinkat(dirfd(d), e->d_name, 0) != 0 && errno != ENOENT &&
        rc == CS_OK)
      rc = cs_err(ctx, CS_EIO, "events directory '%s': cannot remove %s: %s", dir, e->d_name, strerror(errno));
  closedir(d);
  if (rc == CS_OK && rmdir(dir) != 0 && errno != ENOENT && errno != ENOTEMPTY && errno != EEXIST)
    rc = cs_err(ctx, CS_EIO, "events directory '%s': cannot remove it: %s", dir, strerror(errno));
  return rc;
}

/* ---- writing ---- */

static void evw_release(cs_sweep_evw *w) {
  if (w->fd >= 0) close(w->fd);
  if (w->tmp) unlink(w->tmp);
  free(w->tmp);
  free(w->path);
  free(w->buf);
  memset(w, 0, sizeof *w);
  w->fd = -1;
}

int cs_sweep_evw_begin(cs_ctx *ctx, cs_sweep_evw *w, const cs_sweep *sw, uint64_t k) {
  unsigned char head[EV_HEAD];
  memset(w, 0, sizeof *w);
  w->fd = -1;
  w->sw = sw;
  w->k = k;
  w->sum = CS_JOURNAL_FNV0;
  if (!(w->tmp = file_path(sw->ev_dir, k, ".tmp")) || !(w->path = file_path(sw->ev_dir, k, NULL)) ||
      !(w->buf = malloc(64 * EV_BUF_ROWS))) {
    evw_release(w);
    return cs_err(ctx, CS_ENOMEM, "out of memory");
  }
  w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (w->fd < 0 && errno == ENOENT && (mkdir(sw->ev_dir, 0755) == 0 || errno == EEXIST)) /* another shard's task */
    w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);          /* just removed it */
  if (w->fd < 0) {
    int rc = cs_err(ctx, CS_EIO, "events of run %llu: cannot create '%s': %s", (unsigned long long)k, w->tmp,
                    strerror(errno));
    free(w->tmp);
    w->tmp = NULL; /* nothing to unlink */
    evw_release(w);
    return rc;
  }
  head_of(sw, k, head);
  w->sum = cs_journal_fnv1a(head, EV_HEAD, w->sum);
  if (cs_journal_write_full(w->fd, head, EV_HEAD)) w->failed = errno ? errno : EIO;
  return CS_OK;
}

static void evw_flush(cs_sweep_evw *w) {
  if (!w->used) return;
  w->sum = cs_journal_fnv1a(w->buf, w->used, w->sum);
  if (!w->failed && cs_journal_write_full(w->fd, w->buf, w->used)) w->failed = errno ? errno : EIO;
  w->used = 0;
}

void cs_sweep_evw_add(cs_sweep_evw *w, const cs_sweep_evrow *row) {
  cs_sweep_evrow r = *row;
  r.index = (int64_t)w->n++;
  memcpy(w->buf + w->used, &r, 64);
  if ((w->used += 64) == 64 * EV_BUF_ROWS) evw_flush(w);
}

int cs_sweep_evw_commit(cs_ctx *ctx, cs_sweep_evw *w) {
  unsigned char tail[EV_TAIL];
  int rc = CS_OK;
  evw_flush(w);
  memcpy(tail, &w->n, 8);
  memcpy(tail + 8, &w->sum, 8);
  memcpy(tail + 16, EV_END, 8);
  if (!w->failed && cs_journal_write_full(w->fd, tail, EV_TAIL)) w->failed = errno ? errno : EIO;
  if (!w->failed && close(w->fd) != 0) w->failed = errno ? errno : EIO;
  else if (w->failed) close(w->fd);
  w->fd = -1;
  if (w->failed)
    rc = cs_err(ctx, CS_EIO, "events of run %llu: cannot write '%s': %s", (unsigned long long)w->k, w->tmp,
                strerror(w->failed));
  else if (rename(w->tmp, w->path) != 0)
    rc = cs_err(ctx, CS_EIO, "events of run %llu: cannot rename '%s' into place: %s", (unsigned long long)w->k,
                w->tmp, strerror(errno));
  else {
    free(w->tmp);
    w->tmp = NULL;
  }
  evw_release(w);
  return rc;
}

void cs_sweep_evw_abort(cs_sweep_evw *w) { evw_release(w); }

/* ---- reading ---- */

void cs_sweep_evr_close(cs_sweep_evr *r) {
  if (r->fd >= 0) close(r->fd);
  r->fd = -1;
  r->k = UINT64_MAX;
}

int cs_sweep_evr_rows(void *ud, uint64_t k, uint64_t off, size_t max, cs_sweep_evrow *rows, uint64_t *n) {
  cs_sweep_evr *r = ud;
  if (r->k != k) {
    cs_sweep_evr_close(r);
    if (open_checked(r->sw, r->dir, k, &r->fd, &r->n) != CS_OK)
      return cs_err(r->ctx, CS_EIO, "events of run %llu: '%s/%llu' is missing or damaged", (unsigned long long)k,
                    r->dir, (unsigned long long)k);
    r->k = k;
  }
  if (!rows) {
    *n = r->n;
    return CS_OK;
  }
  uint64_t m = off >= r->n ? 0 : r->n - off < max ? r->n - off : max;
  if (m && read_full(r->fd, rows, (size_t)m * 64, (off_t)(EV_HEAD + 64 * off)))
    return cs_err(r->ctx, CS_EIO, "events of run %llu: cannot read '%s/%llu': %s", (unsigned long long)k, r->dir,
                  (unsigned long long)k, strerror(errno));
  *n = m;
  return CS_OK;
}

int cs_sweep_ev_put(cs_ctx *ctx, const cs_sweep *sw, uint64_t k, cs_sweep_ev_fn fn, void *ud, uint64_t src_k) {
  cs_sweep_evw w;
  cs_sweep_evrow *rows = malloc(64 * EV_BUF_ROWS);
  uint64_t total = 0, got = 0;
  int rc;
  if (!rows) return cs_err(ctx, CS_ENOMEM, "out of memory");
  if ((rc = fn(ud, src_k, 0, 0, NULL, &total)) != CS_OK || (rc = cs_sweep_evw_begin(ctx, &w, sw, k)) != CS_OK) {
    free(rows);
    return rc;
  }
  for (uint64_t off = 0; off < total && rc == CS_OK; off += got) {
    if ((rc = fn(ud, src_k, off, EV_BUF_ROWS, rows, &got)) == CS_OK && got == 0)
      rc = cs_err(ctx, CS_EIO, "events of run %llu: fewer rows than its event_count", (unsigned long long)src_k);
    for (uint64_t i = 0; rc == CS_OK && i < got; i++) cs_sweep_evw_add(&w, &rows[i]);
  }
  free(rows);
  if (rc != CS_OK) {
    cs_sweep_evw_abort(&w);
    return rc;
  }
  return cs_sweep_evw_commit(ctx, &w);
}
