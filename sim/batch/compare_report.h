/* compare_report.h: the statistics and the report files of `conflictsim
** compare` (cs_cmp_), for sim/ only.
**
** Invariants:
** - The report is a function of (arms, seed, replicates, resamples): the
**   slots do not depend on -j (compare_arm.h) and the bootstrap for variant
**   v and metric m draws from the PCG stream (seed, v, m) of purpose
**   CS_CMP_BOOT_PURPOSE.
** - Statistics, per variant v and metric m, over replicates r = 0..N-1 with
**   d_r = variant_r - baseline_r (always in that order, whichever way the
**   metric is better): the means, the mean of d, a 95% BCa bootstrap
**   interval (bias-corrected and accelerated, Efron 1987; acceleration from
**   the jackknife), p_better = share of r with d_r strictly in the metric's
**   better direction (cs_sweep_metric_better: d_r < 0 for lower, > 0 for
**   higher), p_worse the same in the worse direction (the rest are ties),
**   and the variance reduction Var(variant_{(r+1) mod N} - baseline_r) /
**   Var(d_r): the independent comparison re-pairs the same runs with a
**   cyclic shift, so no extra seeds are run.
** - With branches (--branch-at DAY --branches K) the N = R K paired runs are
**   j = r K + k, replicate r branch k of every arm; the means, p_better and
**   p_worse are over the N pairs, but the K branches of a replicate share
**   their past, so they are not independent: the BCa interval resamples the
**   R replicates (the mean of each one's K differences: a cluster
**   bootstrap), and the unpaired comparison of the variance reduction
**   shifts by K (replicate r + 1, same branch).
** - Every statistic reads the runs' values through cs_cmp_value: a NaN that
**   stands for a value (fall_time of a node that did not fall: the horizon,
**   cs_sweep_metric_nan_as) is replaced by it, so a node that held in one arm
**   and fell in the other is a difference in the right direction, and one
**   that held in both is a tie; the means of fall_time are then restricted
**   means, of min(fall time, horizon). The HDF5 file's `values` keep the
**   NaN; its `difference` is of the replaced values, as the statistics are.
** - Each file is written to "<file>.tmp.<pid>" and renamed into place
**   (outfile.h); on failure nothing is left at the final path but an
**   earlier file. */
#ifndef CS_COMPARE_REPORT_H
#define CS_COMPARE_REPORT_H

#include "compare_arm.h"

#define CS_CMP_BOOT_PURPOSE 0x424f4f54u /* "BOOT" */
#define CS_CMP_CI_LEVEL 0.95

typedef struct cs_cmp_stat {
  double base_mean, var_mean, diff, lo, hi, p_better, p_worse, vr;
  uint64_t base_nan, var_nan; /* runs whose NaN was replaced (cs_cmp_value) in the baseline, the variant */
} cs_cmp_stat;

typedef struct cs_cmp_report {
  const cs_cmp_arm *arms;
  int n_arms, n_metrics, B;  /* B: bootstrap resamples */
  uint64_t reps, seed;       /* reps: paired runs per arm, replicates x branches */
  uint64_t branches;         /* K: branches per replicate (1 without --branch-at) */
  int branched;              /* --branch-at given: pair j is replicate j / K, branch j % K */
  double branch_at;
  const double *val;         /* the slots (cs_cmp_run_all), borrowed */
  size_t L;                  /* cs_cmp_slot_len */
  cs_cmp_stat *st;           /* [variant][metric], (n_arms - 1) * n_metrics, filled by cs_cmp_compute */
  const cs_posterior *post;  /* replicate r ran under posterior draw r (NULL: the scenario's parameters) */
} cs_cmp_report;

/* Branches per replicate: R->branches, 1 if it was left 0. */
static inline uint64_t cs_cmp_branches(const cs_cmp_report *R) { return R->branches ? R->branches : 1; }

/* The value of metric m in replicate r of arm a as the statistics use it:
** the run's, or for a NaN the value it stands for (cs_sweep_metric_nan_as;
** NaN if none). *replaced (may be NULL) is set to whether it was. */
double cs_cmp_value(const cs_cmp_report *R, int a, uint64_t r, int m, int *replaced);

/* Fill R->st from R->val (compare_stats.c). CS_OK or CS_ENOMEM. */
int cs_cmp_compute(cs_ctx *ctx, cs_cmp_report *R);

/* The report files (compare_report.c): PREFIX.csv (one row per variant and
** metric), PREFIX.json (the same with the arms and the methods) and
** PREFIX.h5 (also the per-replicate values, differences and city
** trajectories; output/README.md, "The compare report"). CS_EIO or
** CS_ENOMEM with the message in ctx. */
int cs_cmp_write_csv(cs_ctx *ctx, const cs_cmp_report *R, const char *path);
int cs_cmp_write_json(cs_ctx *ctx, const cs_cmp_report *R, const char *path);
int cs_cmp_write_h5(cs_ctx *ctx, const cs_cmp_report *R, const char *path);

#endif
