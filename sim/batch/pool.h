/* pool.h: a pool of forked workers that runs numbered jobs and hands each
** job's fixed-size result record back to the parent (cs_pool_), for sim/
** only. `sweep`, `compare` and `validate` run their runs through it.
**
** Invariants:
** - A job's record is a function of the job alone (run() must not depend on
**   which worker runs it or on what ran there before), so what the caller
**   builds from the records does not depend on the number of workers. The
**   caller must not depend on the order in which done() sees the jobs
**   either: it is completion order.
** - Jobs are handed out one at a time, in list order, to the first idle
**   worker (dynamic load balancing over pipes); with workers == 0 they run
**   in this process, in list order.
** - Only the parent calls done(). A worker only computes: it holds no file
**   the parent writes (child() closes what it must not hold) and dies with
**   the parent (PR_SET_PDEATHSIG).
** - The error reported is independent of the number of workers when runs
**   fail deterministically: after a failed job no further job is handed
**   out, the jobs already handed out are collected (done() sees the ones
**   that succeeded), and the failure reported is the one earliest in the
**   list. Since every job before it was handed out, it is the failure a
**   single worker (or workers == 0) meets first.
** - With a failed_fn() callback, a job whose run() fails is offered to it
**   in the parent; if failed_fn() keeps it (records it as the job's
**   result), the job counts as done and the pool goes on handing out jobs,
**   so a kept failure changes nothing for the other jobs whatever the
**   number of workers. A failure it declines is the pool's, as above (and
**   it is still the earliest declined one: kept failures stop nothing).
** - A worker that dies, a short or malformed record (an error message
**   longer than CS_POOL_MAX_MSG), a failure of pipe/fork/poll or of
**   done(), and the stop flag end the pool at once: the busy workers are
**   killed and waited for. SIGPIPE is ignored while the pool runs. */
#ifndef CS_POOL_H
#define CS_POOL_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "cs_common.h"

/* The longest error message a worker sends: what a cs_ctx holds. A result
** announcing a longer one is a worker error (CS_EIO, p->died), not an
** allocation of that size. */
#define CS_POOL_MAX_MSG (CS_ERRMSG_MAX - 1)

/* In a worker (in this process when workers == 0): compute job into
** rec[rec_bytes]. CS_OK, or an error code with its message in ctx (a fresh
** context per job). */
typedef int (*cs_pool_run_fn)(cs_ctx *ctx, void *ud, uint64_t job, void *rec);
/* In the parent, for each job that completed, in completion order; rec is
** borrowed for the call. A result other than CS_OK (message in ctx) ends
** the pool with that result. */
typedef int (*cs_pool_done_fn)(cs_ctx *ctx, void *ud, uint64_t job, const void *rec);

/* In the parent, for a job whose run() failed with rc and message msg
** (borrowed for the call): 1 if it kept the failure as the job's result
** (the job is done and the pool goes on), 0 if it declined (the failure is
** the pool's: no further job is handed out and the earliest declined
** failure is reported), or a CS_ error (message in ctx), which ends the
** pool at once as done()'s does. */
typedef int (*cs_pool_failed_fn)(cs_ctx *ctx, void *ud, uint64_t job, int rc, const char *msg);

typedef struct cs_pool {
  const uint64_t *jobs;         /* job numbers in hand-out order; NULL: 0..n_jobs-1 */
  uint64_t n_jobs;
  size_t rec_bytes;             /* the size of every job's record (may be 0) */
  int workers;                  /* forked workers (at most n_jobs are started); 0: in this process */
  cs_pool_run_fn run;
  cs_pool_done_fn done;
  cs_pool_failed_fn failed_fn;  /* optional: failures of run() it keeps do not stop the pool */
  void (*child)(void *ud);      /* optional: in each worker right after the fork */
  void *ud;                     /* passed to run, done and child */
  volatile sig_atomic_t *stop;  /* optional: non-zero (a signal handler sets it) stops the pool */
  /* out, on a result other than CS_OK */
  uint64_t failed;              /* the job the error is about, UINT64_MAX if none */
  int died;                     /* 1: a worker died (or sent a short record) during job `failed` */
} cs_pool;

/* Run every job of p. CS_OK when done() (or failed_fn(), keeping it) has seen
** every job. Otherwise:
** the failed job's own code and message ("worker W died during run K",
** CS_EIO, when its worker died), done()'s result, CS_EIO for a failure of
** pipe, fork or poll, CS_ENOMEM, or CS_ESTOP ("interrupted") when *stop
** became non-zero before every job was done, or a worker was killed by
** SIGINT or SIGTERM (Ctrl-C reaches the workers too, and one may die before
** the parent's handler has run). p->failed and p->died say
** which job, if any, the error is about. */
int cs_pool_run(cs_ctx *ctx, cs_pool *p);

#endif
