/* test_pool.c: the worker pool (sim/batch/pool.h) when a worker misbehaves.
**
** Each case runs a few jobs with forked workers whose run() plays a part: it
** writes a forged result header on the worker's result pipe (found as the
** one write-only pipe above stderr), or dies by a signal, the way Ctrl-C
** kills the workers of a sweep. The pool must report each as the header
** says: a worker error (CS_EIO, the run named, p.died), or an interruption
** (CS_ESTOP, "interrupted", no run blamed), and never trust a length it
** read from a worker. Jobs that fail in run() (mode FAILS: jobs 1 and 3)
** stop the pool at the earliest failure, unless failed_fn() keeps them:
** then every other job is done, with any number of workers. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "pool.h"

enum { PLAIN, HUGE_MSG, WRAP_MSG, INT_AFTER_HEADER, INT_ALONE, KILLED, FAILS };

typedef struct part {
  int mode;
  uint64_t bad_job; /* the job that misbehaves */
  int seen;         /* jobs done() saw */
  int kept;         /* failures failed_fn() kept */
  uint64_t decline; /* FAILS: the failed job failed_fn() declines (UINT64_MAX: none) */
} part;

/* The same layout as pool.c's header. */
typedef struct hdr {
  uint64_t idx;
  int64_t status;
  uint64_t len;
} hdr;

/* In a worker: its result pipe, the only write-only pipe above stderr. */
static int result_fd(void) {
  for (int fd = 3; fd < 1024; fd++) {
    struct stat st;
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0 && (fl & O_ACCMODE) == O_WRONLY && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) return fd;
  }
  return -1;
}

static int run(cs_ctx *ctx, void *ud, uint64_t job, void *rec) {
  const part *pt = ud;
  memcpy(rec, &job, 8);
  if (pt->mode == FAILS) return job == 1 || job == 3 ? cs_err(ctx, CS_ESCRIPT, "job %llu failed", (unsigned long long)job)
                                                     : CS_OK;
  if (job != pt->bad_job || pt->mode == PLAIN) return CS_OK;
  int fd = result_fd();
  hdr h = {job, CS_EINVAL, 0};
  char junk[64];
  memset(junk, 'x', sizeof junk);
  switch (pt->mode) {
  case HUGE_MSG: /* a length no message has: calloc would try to honour it */
  case WRAP_MSG: /* len + 1 wraps to 0: a read into a zero-byte buffer */
    h.len = pt->mode == HUGE_MSG ? (uint64_t)1 << 40 : UINT64_MAX;
    if (write(fd, &h, sizeof h) != (ssize_t)sizeof h || write(fd, junk, sizeof junk) != (ssize_t)sizeof junk) _exit(3);
    _exit(0);
  case INT_AFTER_HEADER: /* Ctrl-C between the header and the record: the parent's flag is set */
    h.status = CS_OK;
    h.len = 8;
    if (write(fd, &h, sizeof h) != (ssize_t)sizeof h) _exit(3);
    kill(getppid(), SIGINT);
    raise(SIGINT);
    break;
  case INT_ALONE: /* the worker got SIGINT, the parent not (yet) */
    raise(SIGINT);
    break;
  case KILLED:
    raise(SIGKILL);
    break;
  }
  return cs_err(ctx, CS_EINVAL, "not reached");
}

static int done(cs_ctx *ctx, void *ud, uint64_t job, const void *rec) {
  part *pt = ud;
  uint64_t v;
  memcpy(&v, rec, 8);
  pt->seen++;
  return v == job ? CS_OK : cs_err(ctx, CS_EINVAL, "record of job %llu holds %llu", (unsigned long long)job,
                                   (unsigned long long)v);
}

static int failed_fn(cs_ctx *ctx, void *ud, uint64_t job, int rc, const char *msg) {
  part *pt = ud;
  char want[64];
  snprintf(want, sizeof want, "job %llu failed", (unsigned long long)job);
  if (rc != CS_ESCRIPT || strcmp(msg, want) != 0) return cs_err(ctx, CS_EINVAL, "failure of job %llu garbled", (unsigned long long)job);
  if (job == pt->decline) return 0;
  pt->kept++;
  return 1;
}

static volatile sig_atomic_t g_stop;
static void on_int(int sig) { g_stop = sig; }

/* Run 6 jobs on 2 workers with job 3 playing `mode`; the result code, the
** message in msg. */
static int run_pool(int mode, cs_pool *p, part *pt, char *msg, size_t n) {
  *pt = (part){mode, 3, 0, 0, UINT64_MAX};
  *p = (cs_pool){.n_jobs = 6, .rec_bytes = 8, .workers = 2, .run = run, .done = done, .ud = pt, .stop = &g_stop};
  g_stop = 0;
  cs_ctx ctx = {{0}};
  int rc = cs_pool_run(&ctx, p);
  snprintf(msg, n, "%s", cs_errmsg(&ctx));
  return rc;
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_int;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  cs_pool p;
  part pt;
  char msg[CS_ERRMSG_MAX];

  CHECK(run_pool(PLAIN, &p, &pt, msg, sizeof msg) == CS_OK && pt.seen == 6);

  /* a length past any message: a worker error, not an allocation */
  for (int mode = HUGE_MSG; mode <= WRAP_MSG; mode++) {
    int rc = run_pool(mode, &p, &pt, msg, sizeof msg);
    CHECK(rc == CS_EIO && p.failed == 3 && p.died == 1);
    CHECK(strstr(msg, "worker") && strstr(msg, "run 3") && strstr(msg, "longer than"));
    if (!strstr(msg, "longer than")) fprintf(stderr, "  mode %d: rc %d: %s\n", mode, rc, msg);
  }

  /* Ctrl-C: interrupted, whether the parent's flag is already set or not */
  for (int mode = INT_AFTER_HEADER; mode <= INT_ALONE; mode++) {
    int rc = run_pool(mode, &p, &pt, msg, sizeof msg);
    CHECK(rc == CS_ESTOP && p.failed == UINT64_MAX && p.died == 0 && strstr(msg, "interrupted"));
    if (rc != CS_ESTOP) fprintf(stderr, "  mode %d: rc %d: %s\n", mode, rc, msg);
  }

  /* any other death is one */
  int rc = run_pool(KILLED, &p, &pt, msg, sizeof msg);
  CHECK(rc == CS_EIO && p.failed == 3 && p.died == 1 && strstr(msg, "died during run 3"));
  if (rc != CS_EIO) fprintf(stderr, "  rc %d: %s\n", rc, msg);

  /* runs that fail: the earliest stops the pool, unless failed_fn keeps them */
  for (int nw = 0; nw <= 3; nw++) {
    for (int keep = 0; keep <= 2; keep++) { /* 0: no failed_fn; 1: keeps both; 2: declines job 3 */
      cs_ctx ctx = {{0}};
      pt = (part){FAILS, 3, 0, 0, keep == 2 ? 3 : UINT64_MAX};
      p = (cs_pool){.n_jobs = 6, .rec_bytes = 8, .workers = nw, .run = run, .done = done, .ud = &pt,
                    .failed_fn = keep ? failed_fn : NULL, .stop = &g_stop};
      g_stop = 0;
      rc = cs_pool_run(&ctx, &p);
      if (keep == 1) CHECK(rc == CS_OK && pt.seen == 4 && pt.kept == 2 && p.failed == UINT64_MAX);
      else {
        uint64_t want = keep ? 3 : 1;
        char w[64];
        snprintf(w, sizeof w, "job %llu failed", (unsigned long long)want);
        CHECK(rc == CS_ESCRIPT && p.failed == want && p.died == 0 && !strcmp(cs_errmsg(&ctx), w));
        CHECK(pt.seen + pt.kept <= 5 && (keep == 0 || pt.kept == 1));
      }
      if (rc != (keep == 1 ? CS_OK : CS_ESCRIPT))
        fprintf(stderr, "  workers %d keep %d: rc %d seen %d: %s\n", nw, keep, rc, pt.seen, cs_errmsg(&ctx));
    }
  }
  return check_report();
}
