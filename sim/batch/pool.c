/* pool.c: the worker pool behind `sweep`, `compare` and `validate` (pool.h).
**
** Split out of cli_sweep.c, whose fork-and-pipe driver it is, so that the
** three commands share one driver instead of three: compare had its own
** static round-robin pool writing into a shared map, and validate ran its
** replicates one after another. The protocol is the sweep's: the parent
** writes a job's index in the list (8 bytes) down a worker's command pipe;
** the worker answers on its result pipe with a header {index, status,
** length} and then either the record (status CS_OK, length rec_bytes) or
** the error message (length its bytes, no NUL, at most CS_POOL_MAX_MSG). A
** worker exits when its command pipe is closed. A length read from a worker
** is checked before it is used: a worker is a separate process, whose
** memory a bug may have corrupted.
**
** Costs: one fork per worker and two pipe round trips per job, which is
** nothing beside a run of the model; each record crosses a pipe once. */
#define _GNU_SOURCE /* prctl */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pool.h"

typedef struct hdr {
  uint64_t idx;    /* index of the job in the list */
  int64_t status;  /* CS_ result of run() */
  uint64_t len;    /* bytes that follow: the record, or the error message */
} hdr;

typedef struct worker {
  pid_t pid;
  int cmd, res;    /* the parent's ends of the command and result pipes */
  int busy;
  int reaped;      /* waited for already (worker_lost) */
  uint64_t idx;    /* the job it is running, when busy */
} worker;

static uint64_t job_of(const cs_pool *p, uint64_t i) { return p->jobs ? p->jobs[i] : i; }

/* write(2)/read(2) until n bytes or an error (EINTR retried). write: 0 or
** -1; read: the bytes read (< n at end of file), or -1. */
static int write_all(int fd, const void *buf, size_t n) {
  const char *c = buf;
  while (n > 0) {
    ssize_t w = write(fd, c, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    c += w;
    n -= (size_t)w;
  }
  return 0;
}

static ssize_t read_all(int fd, void *buf, size_t n) {
  char *c = buf;
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, c + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    if (r == 0) break;
    got += (size_t)r;
  }
  return (ssize_t)got;
}

static void worker_main(const cs_pool *p, int cmd, int res, pid_t parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(1);
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  signal(SIGPIPE, SIG_DFL);
  if (p->child) p->child(p->ud);
  void *rec = malloc(p->rec_bytes ? p->rec_bytes : 1);
  if (!rec) _exit(5);
  uint64_t i;
  while (read_all(cmd, &i, 8) == 8 && i < p->n_jobs) {
    cs_ctx ctx = {{0}};
    int rc = p->run(&ctx, p->ud, job_of(p, i), rec);
    const char *msg = cs_errmsg(&ctx);
    hdr h = {i, rc, rc == CS_OK ? p->rec_bytes : strlen(msg)};
    if (write_all(res, &h, sizeof h) || write_all(res, rc == CS_OK ? (const void *)rec : msg, h.len)) _exit(1);
  }
  _exit(0);
}

/* workers == 0: the jobs in list order in this process, up to the first failure. */
static int run_here(cs_ctx *ctx, cs_pool *p) {
  void *rec = malloc(p->rec_bytes ? p->rec_bytes : 1);
  int rc = CS_OK;
  if (!rec) return cs_err(ctx, CS_ENOMEM, "out of memory");
  for (uint64_t i = 0; i < p->n_jobs && rc == CS_OK; i++) {
    if (p->stop && *p->stop) {
      rc = cs_err(ctx, CS_ESTOP, "interrupted");
      break;
    }
    cs_ctx jctx = {{0}};
    uint64_t job = job_of(p, i);
    if ((rc = p->run(&jctx, p->ud, job, rec)) != CS_OK) {
      int kept = p->failed_fn ? p->failed_fn(ctx, p->ud, job, rc, cs_errmsg(&jctx)) : 0;
      if (kept == 1) rc = CS_OK;
      else if (kept == 0) {
        p->failed = job;
        cs_err(ctx, rc, "%s", cs_errmsg(&jctx));
      } else rc = kept;
    } else rc = p->done(ctx, p->ud, job, rec);
  }
  free(rec);
  return rc;
}

/* Worker i (w) broke off during job `job` (UINT64_MAX: while idle): its
** pipe closed (what NULL), or it sent a short or malformed result (`what`).
** Ctrl-C sends SIGINT to the whole process group, so the workers die of it
** too, and the parent may see a worker's pipe close before its own handler
** has run: the pool was interrupted if the stop flag is set, or if the
** worker was killed by SIGINT or SIGTERM (it is killed and reaped here to
** learn which; a dead worker's status is already fixed). Returns CS_ESTOP
** "interrupted" then, else CS_EIO naming the worker and the run, with
** p->failed and p->died set. */
static int worker_lost(cs_ctx *ctx, cs_pool *p, worker *w, int i, uint64_t job, const char *what) {
  int st = 0, sig = 0;
  if (!w->reaped) {
    kill(w->pid, SIGKILL);
    while (waitpid(w->pid, &st, 0) < 0 && errno == EINTR) {}
    w->reaped = 1;
    if (WIFSIGNALED(st)) sig = WTERMSIG(st);
  }
  if ((p->stop && *p->stop) || sig == SIGINT || sig == SIGTERM) return cs_err(ctx, CS_ESTOP, "interrupted");
  if (job == UINT64_MAX) return cs_err(ctx, CS_EIO, "worker %d: %s", i, what ? what : "died");
  p->failed = job, p->died = 1;
  if (!what) return cs_err(ctx, CS_EIO, "worker %d died during run %llu", i, (unsigned long long)job);
  return cs_err(ctx, CS_EIO, "worker %d: %s for run %llu", i, what, (unsigned long long)job);
}

/* Hand job `next` to worker w; CS_EIO (or CS_ESTOP) if the pipe is gone. */
static int hand_out(cs_ctx *ctx, cs_pool *p, worker *w, int i, uint64_t next) {
  if (write_all(w->cmd, &next, 8)) return worker_lost(ctx, p, w, i, UINT64_MAX, "cannot send a run");
  w->busy = 1;
  w->idx = next;
  return CS_OK;
}

int cs_pool_run(cs_ctx *ctx, cs_pool *p) {
  worker *w = NULL;
  struct pollfd *pf = NULL;
  void *rec = NULL;
  char *msg = NULL, *fail_msg = NULL; /* fail_msg: the earliest failed job's message */
  uint64_t next = 0, fail_idx = UINT64_MAX, completed = 0;
  int rc = CS_OK, fail_rc = CS_OK, started = 0, nw = p->workers;
  struct sigaction ign, old_pipe;
  p->failed = UINT64_MAX;
  p->died = 0;
  if (p->n_jobs == 0) return CS_OK;
  if (nw <= 0) return run_here(ctx, p);
  if ((uint64_t)nw > p->n_jobs) nw = (int)p->n_jobs;
  memset(&ign, 0, sizeof ign);
  ign.sa_handler = SIG_IGN;
  sigemptyset(&ign.sa_mask);
  sigaction(SIGPIPE, &ign, &old_pipe); /* a dead worker's pipe fails the write, not the process */
  if (!(w = calloc((size_t)nw, sizeof *w)) || !(pf = calloc((size_t)nw, sizeof *pf)) ||
      !(rec = malloc(p->rec_bytes ? p->rec_bytes : 1))) {
    rc = cs_err(ctx, CS_ENOMEM, "out of memory");
    goto done;
  }
  fflush(NULL);
  pid_t parent = getpid();
  for (int i = 0; i < nw; i++) {
    int c[2], r[2];
    if (pipe(c) != 0) {
      rc = cs_err(ctx, CS_EIO, "cannot create a pipe: %s", strerror(errno));
      goto done;
    }
    if (pipe(r) != 0) {
      rc = cs_err(ctx, CS_EIO, "cannot create a pipe: %s", strerror(errno));
      close(c[0]), close(c[1]);
      goto done;
    }
    pid_t pid = fork();
    if (pid < 0) {
      rc = cs_err(ctx, CS_EIO, "cannot fork a worker: %s", strerror(errno));
      close(c[0]), close(c[1]), close(r[0]), close(r[1]);
      goto done;
    }
    if (pid == 0) {
      for (int k = 0; k < started; k++) close(w[k].cmd), close(w[k].res);
      close(c[1]);
      close(r[0]);
      worker_main(p, c[0], r[1], parent);
    }
    close(c[0]);
    close(r[1]);
    w[i] = (worker){pid, c[1], r[0], 0, 0, 0};
    started++;
  }
  for (int i = 0; i < nw && next < p->n_jobs; i++)
    if ((rc = hand_out(ctx, p, &w[i], i, next++)) != CS_OK) goto done;
  for (;;) {
    int busy = 0;
    for (int i = 0; i < nw; i++) {
      pf[i].fd = w[i].busy ? w[i].res : -1;
      pf[i].events = POLLIN;
      busy += w[i].busy;
    }
    if (!busy) break;
    if (p->stop && *p->stop) {
      rc = cs_err(ctx, CS_ESTOP, "interrupted");
      goto done;
    }
    int pr = poll(pf, (nfds_t)nw, 500);
    if (pr < 0 && errno != EINTR) {
      rc = cs_err(ctx, CS_EIO, "poll: %s", strerror(errno));
      goto done;
    }
    for (int i = 0; pr > 0 && i < nw; i++) {
      if (!w[i].busy || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      hdr h;
      uint64_t job = job_of(p, w[i].idx);
      if (read_all(w[i].res, &h, sizeof h) != (ssize_t)sizeof h || h.idx != w[i].idx) {
        rc = worker_lost(ctx, p, &w[i], i, job, NULL);
        goto done;
      }
      w[i].busy = 0;
      if (h.status != CS_OK) {
        if (h.len > CS_POOL_MAX_MSG) { /* a corrupted worker: never allocate what it says */
          char what[120];
          snprintf(what, sizeof what, "an error message of %llu bytes, longer than the %d a message may have,",
                   (unsigned long long)h.len, CS_POOL_MAX_MSG);
          rc = worker_lost(ctx, p, &w[i], i, job, what);
          goto done;
        }
        free(msg);
        if (!(msg = calloc(h.len + 1, 1))) {
          rc = cs_err(ctx, CS_ENOMEM, "out of memory");
          goto done;
        }
        if (read_all(w[i].res, msg, h.len) != (ssize_t)h.len) {
          rc = worker_lost(ctx, p, &w[i], i, job, "short error message");
          goto done;
        }
        int kept = p->failed_fn ? p->failed_fn(ctx, p->ud, job, (int)h.status, msg) : 0;
        if (kept < 0) {
          rc = kept;
          goto done;
        }
        if (kept == 1) {
          completed++;
          if (next < p->n_jobs && fail_idx == UINT64_MAX && !(p->stop && *p->stop) &&
              (rc = hand_out(ctx, p, &w[i], i, next++)) != CS_OK)
            goto done;
          continue;
        }
        if (w[i].idx < fail_idx) { /* keep the earliest failure in the list */
          fail_idx = w[i].idx;
          fail_rc = (int)h.status;
          free(fail_msg);
          fail_msg = msg;
          msg = NULL;
        }
        continue;
      }
      if (h.len != p->rec_bytes || read_all(w[i].res, rec, h.len) != (ssize_t)h.len) {
        rc = worker_lost(ctx, p, &w[i], i, job, "short result");
        goto done;
      }
      if ((rc = p->done(ctx, p->ud, job, rec)) != CS_OK) goto done;
      completed++;
      if (next < p->n_jobs && fail_idx == UINT64_MAX && !(p->stop && *p->stop) &&
          (rc = hand_out(ctx, p, &w[i], i, next++)) != CS_OK)
        goto done;
    }
  }
  if (fail_idx != UINT64_MAX) {
    p->failed = job_of(p, fail_idx);
    rc = cs_err(ctx, fail_rc, "%s", fail_msg);
  } else if (completed < p->n_jobs && p->stop && *p->stop)
    rc = cs_err(ctx, CS_ESTOP, "interrupted");
done:
  for (int i = 0; i < started; i++) {
    close(w[i].cmd); /* end of work: the worker exits */
    if (rc != CS_OK) kill(w[i].pid, SIGKILL);
  }
  for (int i = 0; i < started; i++) {
    int st;
    while (!w[i].reaped && waitpid(w[i].pid, &st, 0) < 0 && errno == EINTR) {}
    close(w[i].res);
  }
  sigaction(SIGPIPE, &old_pipe, NULL);
  free(fail_msg);
  free(msg);
  free(rec);
  free(pf);
  free(w);
  return rc;
}
