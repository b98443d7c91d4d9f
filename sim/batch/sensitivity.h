/* sensitivity.h: global sensitivity analysis as sweep designs (cs_sens_),
** for sim/ only: the design in the unit cube, and the indices computed from
** the outcomes of its runs. The estimators know no model and no HDF5, so the
** unit test feeds them an analytic function; the group /sensitivity of the
** sweep file is written and read back by sensitivity_h5.c (declared at the
** end).
**
** Two designs (a sweep file's `design` field, include/cs_sweep.h):
**
** - sobol: Saltelli's scheme (Saltelli et al. 2010, Comput. Phys. Commun.
**   181:259-270). Two independent N x d matrices A and B of uniform draws on
**   [0, 1)^d, and for each parameter i the matrix AB_i: A with its column i
**   taken from B. N (d + 2) points, grouped by base row j:
**     point j (d + 2) + 0 = A_j,  + 1 = B_j,  + 2 + i = AB_i,j.
**   A and B are plain Monte Carlo draws from one PCG32 stream keyed by the
**   sweep's seed (row j: A_j's d values, then B_j's), not a Sobol' sequence:
**   the bootstrap below resamples base rows as independent draws, which they
**   are here; the rows of a low-discrepancy sequence are not, and the
**   intervals would overstate the error. The price is the Monte Carlo rate,
**   errors falling as N^-1/2.
** - morris: r trajectories of elementary effects (Morris 1991, Technometrics
**   33:161-174) on a grid of p levels {0, 1/(p-1), ..., 1}, p even, step
**   delta = p / (2 (p - 1)). Trajectory t has d + 1 points, point
**   t (d + 1) + s: a random base level for each parameter (one of the p/2
**   lowest), a random direction (each parameter goes up from its base or
**   down to it), and a random order in which the parameters move, one per
**   step. Plain random trajectories, without the selection of spread-out
**   trajectories of Campolongo et al. 2007.
**
** The indices, per metric and parameter (X-macro lists below):
**
** - Sobol first order S1_i = V_i / V with V_i = mean_j (f(B)_j - m)
**   (f(AB_i)_j - f(A)_j), Saltelli 2010 (Table 2, b) with f centred on m,
**   the mean of the 2N values f(A), f(B): the centring leaves the expectation
**   alone (E[f(AB_i) - f(A)] = 0) and removes the noise a large mean would
**   add. Total S_Ti = V_Ti / V with V_Ti = mean_j (f(A)_j - f(AB_i)_j)^2 / 2
**   (Jansen 1999, Comput. Phys. Commun. 117:35-43). V is the variance
**   (1/(2N)) of the 2N values f(A), f(B). Estimates are not clipped to
**   [0, 1]: a small negative S1 is noise around 0.
** - Morris: the elementary effect of parameter i in a trajectory is
**   (f(after) - f(before)) / (+-delta), in units of the metric per unit of the
**   parameter's range scaled to [0, 1] (its logarithm for loguniform). mu is
**   their mean, mu_star the mean of their absolute values (Campolongo,
**   Cariboni and Saltelli 2007, Environ. Model. Softw. 22:1509-1518), sigma
**   their standard deviation (n - 1).
** - Intervals: percentile bootstrap at 95%: `bootstrap` resamples with
**   replacement of the N base rows (sobol) or the r trajectories (morris),
**   drawn from a PCG32 stream keyed by the sweep's seed, one resample used for
**   every metric and parameter; _se is the standard deviation of the
**   resampled estimates. Resamples whose estimate is not finite (a resample
**   with V = 0) are left out; with fewer than half left, the interval is NaN.
**
** The value of a point is the mean of its replicates' outcomes: under common
** random numbers (sweep.h) that is a deterministic function of the
** parameters, and the indices are those of that function. A metric with a
** non-finite value at any point (fall_time of a node that did not fall) gets
** NaN for every index; a metric constant over the design gets NaN for the
** Sobol indices (V = 0) and 0 for the Morris measures.
**
** Determinism: the design and the bootstrap read only their own streams;
** results depend on (design, samples, d, levels, seed, bootstrap, outcomes)
** alone, never on how the runs were split. */
#ifndef CS_BATCH_SENSITIVITY_H
#define CS_BATCH_SENSITIVITY_H

#include <stdint.h>

#include <hdf5.h>

#include "cs_common.h"
#include "cs_sweep.h"

/* Estimates per (metric, parameter): X(name in the sweep file's group
** /sensitivity and in the table, long_name). Order is part of the output. */
#define CS_SENS_SOBOL_LIST(X)                                                                       \
  X("S1", "first-order Sobol index (Saltelli et al. 2010 estimator, centred)")                      \
  X("S1_low", "low end of the 95% percentile bootstrap interval of S1")                             \
  X("S1_high", "high end of the 95% percentile bootstrap interval of S1")                           \
  X("S1_se", "bootstrap standard error of S1")                                                      \
  X("ST", "total Sobol index (Jansen 1999 estimator)")                                              \
  X("ST_low", "low end of the 95% percentile bootstrap interval of ST")                             \
  X("ST_high", "high end of the 95% percentile bootstrap interval of ST")                           \
  X("ST_se", "bootstrap standard error of ST")
#define CS_SENS_MORRIS_LIST(X)                                                                      \
  X("mu_star", "mean absolute elementary effect (Campolongo et al. 2007)")                          \
  X("mu_star_low", "low end of the 95% percentile bootstrap interval of mu_star")                   \
  X("mu_star_high", "high end of the 95% percentile bootstrap interval of mu_star")                 \
  X("mu_star_se", "bootstrap standard error of mu_star")                                            \
  X("mu", "mean elementary effect (Morris 1991)")                                                   \
  X("sigma", "standard deviation of the elementary effects (Morris 1991)")

enum { CS_SENS_S1, CS_SENS_S1_LOW, CS_SENS_S1_HIGH, CS_SENS_S1_SE,
       CS_SENS_ST, CS_SENS_ST_LOW, CS_SENS_ST_HIGH, CS_SENS_ST_SE, CS_SENS_SOBOL_FIELDS };
enum { CS_SENS_MU_STAR, CS_SENS_MU_STAR_LOW, CS_SENS_MU_STAR_HIGH, CS_SENS_MU_STAR_SE,
       CS_SENS_MU, CS_SENS_SIGMA, CS_SENS_MORRIS_FIELDS };

#define CS_SENS_LEVEL 0.95 /* of the bootstrap intervals */

/* The result of an analysis. Owned by the caller of cs_sens_analyse
** (cs_sens_free). */
typedef struct cs_sens {
  int design;              /* CS_SWD_SOBOL or CS_SWD_MORRIS */
  int n_params, n_metrics;
  uint64_t samples;        /* N base rows (sobol) or r trajectories (morris) */
  uint64_t levels;         /* morris p; 0 for sobol */
  uint64_t bootstrap;      /* resamples */
  int n_fields;            /* CS_SENS_SOBOL_FIELDS or CS_SENS_MORRIS_FIELDS */
  double *est;             /* [n_fields][n_metrics][n_params] */
  double *variance;        /* [n_metrics]: variance (n - 1) of the point values */
  uint64_t *n_nonfinite;   /* [n_metrics]: points whose value is NaN or infinite */
} cs_sens;

/* Name and long_name of field f of a design. */
const char *cs_sens_field_name(int design, int f);
const char *cs_sens_field_doc(int design, int f);
/* Field f of metric m, parameter i. */
double cs_sens_get(const cs_sens *s, int f, int m, int i);

/* Points of a design: samples (d + 2) for sobol, samples (d + 1) for morris;
** 0 if that does not fit in 64 bits or the design is neither. */
uint64_t cs_sens_n_points(int design, uint64_t samples, int d);

/* Check the shape of a design: d >= 1, samples >= 2, levels even >= 2 for
** morris. CS_EINVAL with a message naming `what` (the sweep file) else. */
int cs_sens_check(cs_ctx *ctx, const char *what, int design, uint64_t samples, int d, uint64_t levels);

/* Fill unit[cs_sens_n_points][d] (row-major) with the design in [0, 1]^d
** (sobol: [0, 1); morris: the levels, 1 included) from the sweep's seed.
** Errors: those of cs_sens_check, CS_ENOMEM. */
int cs_sens_design(cs_ctx *ctx, int design, uint64_t samples, int d, uint64_t levels, uint64_t seed,
                   double *unit);

/* Analyse the outcomes y[n_points * replicates][n_metrics] (row-major, in
** run order: run k is point k / replicates) of the design (design, samples,
** d, levels, seed), with `bootstrap` resamples (0: the intervals and standard
** errors are NaN). On CS_OK the caller owns *out. Errors: CS_EINVAL for a
** shape cs_sens_check refuses, CS_ENOMEM. */
int cs_sens_analyse(cs_ctx *ctx, int design, uint64_t samples, int d, uint64_t levels, uint64_t seed,
                    uint64_t bootstrap, const double *y, uint64_t replicates, int n_metrics, cs_sens **out);
void cs_sens_free(cs_sens *s);

/* ---- the group /sensitivity of a sweep file (sensitivity_h5.c) ---- */

/* Write group /sensitivity (output/README.md, "Sensitivity analysis") into
** the sweep file f being written at path: the design's attributes (seed, the
** sweep's master seed; replicates averaged per point) and one dataset per
** field, labelled by the root's /metric and /parameter scales, which must
** exist. Errors as cs_h5u_fail. */
int cs_sens_h5_write(cs_ctx *ctx, const char *path, hid_t f, const cs_sens *s, uint64_t seed, uint64_t replicates);

/* A whole sweep file of a sobol or morris design, analysed again from its
** outcomes. Owned by the caller (cs_sens_file_free). */
typedef struct cs_sens_file {
  cs_sens *sens;
  char **params;   /* [sens->n_params] */
  char **metrics;  /* [sens->n_metrics] */
  char **units;    /* [sens->n_metrics] */
  uint64_t seed, replicates, n_runs;
} cs_sens_file;

/* Read the sweep file at path (unsharded, or merged from shards), and
** compute the indices from its outcomes with the design recorded in its group
** /sensitivity; bootstrap < 0: the file's number of resamples. Errors
** (CS_EINVAL, naming the file): not a sweep file, a shard (merge first), no
** group /sensitivity (not a sobol or morris design), shapes that do not
** match; CS_EIO when HDF5 fails; CS_ENOMEM. */
int cs_sens_h5_read(cs_ctx *ctx, const char *path, int64_t bootstrap, cs_sens_file **out);
void cs_sens_file_free(cs_sens_file *sf);

#endif
