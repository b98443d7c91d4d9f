/* calibrate.h: `conflictsim calibrate` without its command line: the
** calibration state machine (calib.h) driven by runs of a scenario whose
** statistics are the targets' (targets.h), through the worker pool, with a
** journal, and the calibration file (cs_calibrate_), for sim/ only.
**
** Invariants:
** - Runs are numbered in the order the machine asks for them (batch after
**   batch, run j of a batch after run j-1), and each run's statistics are a
**   function of its parameter values and replicate number alone. The
**   journal OUT.journal keeps every completed run under its number, so a
**   killed calibration started again with the same command replays the
**   runs it has (the machine then asks for exactly the same batches) and
**   computes only the missing ones: nothing is lost or done twice.
** - The journal's header holds a digest of every input (configuration,
**   priors, overrides, targets file and modules, scenario and its files), so
**   a journal is never resumed with other inputs.
** - Held-out targets are never loaded (cs_targets_load with
**   include_holdout 0).
** - The output file is written to a temporary and renamed into place only
**   when the calibration has finished; on any error nothing is written at
**   the output path, and an earlier file there survives. */
#ifndef CS_BATCH_CALIBRATE_H
#define CS_BATCH_CALIBRATE_H

#include "calib.h"
#include "targets.h"

#include "pool.h"

/* How the runs of a batch are spread: NULL in cs_calibrate_opts means the
** worker pool (forked workers, pool.c); the command line passes MPI ranks
** (calib_mpi.c, built only with MPI). Every process runs the same state
** machine on the same results, so they all ask for the same batches; only
** the leader keeps the journal and writes the file. */
typedef struct cs_calib_exec {
  int leader;  /* 1: this process keeps the journal and writes the file */
  /* The leader: run the jobs todo[n] (run numbers) with run(), calling
  ** done() in this process for each. A worker: compute the jobs the leader
  ** sends until it ends the batch (todo NULL, n 0; done not called). */
  int (*run)(cs_ctx *ctx, void *ud, const uint64_t *todo, uint64_t n, size_t rec_bytes, cs_pool_run_fn run,
             cs_pool_done_fn done, void *job_ud);
  /* After each batch, on every process: the leader's result (returned, its
  ** message in ctx on the workers) and, when CS_OK, its out[n]. */
  int (*share)(cs_ctx *ctx, void *ud, int rc, double *out, size_t n);
  /* 1 on every process if ok is non-zero on every process (collective). */
  int (*all)(void *ud, int ok);
  void *ud;
} cs_calib_exec;

typedef struct cs_calibrate_opts {
  const char *scenario;       /* the scenario file */
  const char *targets_path;   /* its targets file */
  const char *priors_path;    /* for the record ("" when the priors are the declared ranges) */
  const char *out;            /* the calibration file */
  const cs_script_limits *lim;
  const cs_override *sets;    /* fixed overrides, applied before the calibrated parameters */
  size_t n_sets;
  const cs_calib_prior *priors; /* the calibrated parameters */
  int n_params;
  cs_calib_config cfg;        /* priors and targets are filled by cs_calibrate */
  int workers;                /* forked workers (0: in this process) */
  const cs_calib_exec *exec;  /* NULL: the worker pool */
  int quiet;                  /* no progress line, no per-wave lines */
} cs_calibrate_opts;

typedef struct cs_calibrate_result {
  cs_calib *cb;               /* what the calibration found */
  cs_targets *targets;        /* the in-sample targets */
  cs_calib_target *ctargets;  /* as given to the machine */
  char digest[65];            /* of every input */
  uint64_t runs;              /* runs done by this calibration, resumed ones included */
  uint64_t runs_resumed;      /* of them, read back from the journal */
  double seconds;             /* wall time of this invocation */
  int no_nroy;                /* 1: stopped because a wave had no non-implausible point */
} cs_calibrate_result;

/* Calibrate and write opts->out. On CS_OK the caller owns res (free it with
** cs_calibrate_result_free); on an error res is freed already and the
** message is in ctx, except when a wave had no non-implausible point
** (CS_EINVAL with res->no_nroy set): res then holds the waves done, for the
** caller to say which targets could not be met, and nothing is written.
** CS_ESTOP: interrupted, the journal kept for a resume. */
int cs_calibrate(cs_ctx *ctx, const cs_calibrate_opts *opts, cs_calibrate_result *res);
void cs_calibrate_result_free(cs_calibrate_result *res);

/* The calibration file (calib_h5.c; layout in output/README.md, "The
** calibration file"): to a temporary, renamed into place on success. */
int cs_calibrate_write_h5(cs_ctx *ctx, const cs_calibrate_opts *opts, const cs_calibrate_result *res);

#endif
