/* calib.h: calibration of a stochastic simulator against observed targets,
** as a state machine that knows nothing of how runs are done (cs_calib_),
** for sim/ only.
**
** Two stages, in this order:
** 1. History matching in waves (Vernon et al. 2010, Bayesian Anal. 5(4);
**    Andrianakis et al. 2015, PLoS Comput. Biol. 11(1)). Wave w runs a
**    space-filling design of n_points parameter points, each with the same
**    `replicates` replicate numbers (common random numbers across points).
**    A point's implausibility for target i is
**        I_i = |z_i - m_i| / sqrt(v_obs_i + v_disc_i + v_ens_i (1 + 1/R_i))
**    where z_i is the observation, v_obs_i its error variance, v_disc_i the
**    stated model discrepancy, m_i and v_ens_i the mean and variance of the
**    statistic over the point's R_i replicates where it was computed (NaN
**    and infinite results are left out; I_i = inf if none is left). The
**    simulator is evaluated directly, so the ensemble mean and variance
**    stand where an emulator's would. A point is non-implausible (NROY)
**    when the imp_rank-th largest I_i is <= cutoff.
**    Wave 1 samples the prior box (in unit space) by Latin hypercube; wave
**    w > 1 samples the smallest box holding wave w-1's NROY points, widened
**    by a margin, and by at least half the side of the cell each point of
**    wave w-1 stands for within the box it sampled (calib.c), and clipped to
**    the prior box. The fraction of the prior
**    space judged NROY is estimated wave by wave as (box volume / prior
**    volume) x (share of the wave's points that are NROY).
**    After wave 1 the number of replicates may be raised so that the
**    ensemble noise of a point's mean (v_ens / R) is below the observation
**    error variance for every target (up to max_replicates).
** 2. ABC-SMC / population Monte Carlo (Toni et al. 2009, J. R. Soc.
**    Interface 6; Beaumont et al. 2009, Biometrika 96(4)) with the prior
**    truncated to the last wave's NROY box. Each proposal is simulated once,
**    with its own replicate number (never shared: a posterior conditional on
**    common seeds would be wrong). Distance: the root mean square over
**    targets of (s_i - z_i) / sqrt(v_obs_i + v_disc_i); a NaN (or infinite)
**    statistic gives an infinite distance. Population 0: n_particles points
**    drawn from the truncated prior, all accepted, weights equal.
**    Population t: tolerance eps_t = the alpha-quantile of population
**    t-1's distances (but never below eps_final; with tied distances that
**    would not fall below eps_{t-1}, the largest distance below eps_{t-1});
**    proposals: a particle drawn by weight, each coordinate moved by a
**    normal with twice the weighted variance of population t-1 in that
**    coordinate (Beaumont et al. 2009), truncated to the truncated prior
**    (each coordinate redrawn until inside, a bounded number of tries);
**    accepted when distance <= eps_t; weight prior(theta) / sum_j w_j
**    K(theta | theta_j), K the truncated kernel (its mass in the box
**    divides it), normalised. Proposals are
**    simulated in batches of batch_size; the accepted proposals are taken in
**    proposal order until n_particles, so the population does not depend on
**    how many runs were in flight. ABC stops after a population whose eps
**    equals eps_final, or whose acceptance rate fell below min_accept (a
**    population still short after n_particles / min_accept proposals is
**    abandoned), or after max_populations (population 0 included).
**    The choices left open here (design, box widening, replicate rule,
**    kernel ridge, replicate numbering) are stated at the top of calib.c.
**
** Determinism: every random draw comes from PCG streams keyed by (seed,
** batch number); every batch is a function of the configuration and the
** results fed so far. So a driver that replays results it already has (a
** journal) reaches exactly the same batches, and the result does not depend
** on how the runs were spread over workers.
**
** Parameters are handled in unit space u in [0,1]^d: theta = lo + u (hi - lo)
** for a uniform prior, theta = lo (hi/lo)^u for a log-uniform one (lo > 0).
** Integer parameters are not supported (the driver refuses them). */
#ifndef CS_BATCH_CALIB_H
#define CS_BATCH_CALIB_H

#include <stddef.h>
#include <stdint.h>

#include "cs_common.h"

enum { CS_PRIOR_UNIFORM = 0, CS_PRIOR_LOGUNIFORM = 1 };

typedef struct cs_calib_prior {
  const char *name; /* borrowed; for messages */
  int kind;         /* CS_PRIOR_ */
  double lo, hi;    /* finite, lo < hi; lo > 0 for log-uniform */
} cs_calib_prior;

typedef struct cs_calib_target {
  const char *name;  /* borrowed; for messages */
  double observed;   /* z */
  double var_obs;    /* observation error variance, > 0 */
  double var_disc;   /* model discrepancy variance, >= 0 */
} cs_calib_target;

typedef struct cs_calib_config {
  const cs_calib_prior *priors; int n_params;    /* borrowed for the machine's life */
  const cs_calib_target *targets; int n_targets; /* borrowed; held-out targets never given here */
  uint64_t seed;
  /* history matching */
  int waves;             /* >= 1 (0: skip history matching, ABC on the whole prior) */
  int points;            /* design points per wave, >= 2 */
  int points_first;      /* design points of wave 1 (0: `points`); a larger wave 1 finds
                         ** more of a small NROY region for the later waves to grow from */
  int replicates;        /* replicates per point in wave 1, >= 2 */
  int max_replicates;    /* cap when raising them after wave 1 (>= replicates) */
  double cutoff;         /* implausibility cut-off, default 3 */
  int imp_rank;          /* 1: the largest I_i decides; k (<= 5): the k-th largest (default 1) */
  double margin;         /* widening of the NROY box, a fraction of its width per side (default 0.1) */
  /* ABC-SMC */
  int particles;         /* population size (0: no ABC) */
  int batch_size;        /* proposals simulated per batch (>= 1) */
  double alpha;          /* quantile of the previous distances giving the next eps (default 0.5) */
  double eps_final;      /* the smallest tolerance worth reaching (default 1) */
  double min_accept;     /* stop when a population's acceptance rate falls below (default 0.02) */
  int max_populations;   /* default 10 */
} cs_calib_config;

/* Fill the defaults named above (priors and targets left NULL). */
void cs_calib_config_default(cs_calib_config *c);

typedef struct cs_calib cs_calib;

/* Check c (a message naming the field on CS_EINVAL) and start the machine. */
int cs_calib_new(cs_ctx *ctx, const cs_calib_config *c, cs_calib **out);
void cs_calib_free(cs_calib *cb);

/* A batch of runs for the driver to do. Run j of the batch: parameter values
** theta[j * n_params .. +n_params] (in the parameters' own units), replicate
** number replicate[j] (the stream is (driver's seed, replicate[j])). The
** arrays belong to the machine and stay valid until the next cs_calib_feed.
** stage is CS_CALIB_WAVE or CS_CALIB_ABC; index is the wave (from 1) or the
** population (from 0); number counts batches from 0 over the whole
** calibration. */
enum { CS_CALIB_WAVE = 1, CS_CALIB_ABC = 2, CS_CALIB_DONE = 0 };
typedef struct cs_calib_batch {
  uint64_t number;
  int stage, index;
  int n_runs;
  const double *theta;
  const uint64_t *replicate;
} cs_calib_batch;

/* The next batch to run. CS_OK with b->stage == CS_CALIB_DONE when the
** calibration is over. CS_EINVAL with a message when it cannot go on: the
** NROY region is empty after a wave ("no point of wave 2 is
** non-implausible: the targets cannot be met together; the smallest
** implausibility was ... at ..."), or ABC's population 0 has no finite
** distance. Calling it twice without cs_calib_feed returns the same batch. */
int cs_calib_next(cs_ctx *ctx, cs_calib *cb, cs_calib_batch *b);
/* The results of the batch last returned: out[j * n_targets + i] is target
** i's statistic in run j (NaN: not computed in that run). Copied. */
int cs_calib_feed(cs_ctx *ctx, cs_calib *cb, const double *out);

/* ---- what the calibration found (for the output file and the report) ---- */
typedef struct cs_calib_wave {
  int points, replicates;
  const double *theta;     /* [points][n_params] */
  const double *out;       /* [points][replicates][n_targets], as fed */
  const double *mean;      /* [points][n_targets] */
  const double *var;       /* [points][n_targets] ensemble variance (NaN if < 2 results) */
  const double *imp;       /* [points][n_targets] */
  const double *imp_max;   /* [points]: the imp_rank-th largest */
  const unsigned char *nroy; /* [points] */
  const double *box_lo, *box_hi; /* [n_params] the box this wave sampled, in parameter units */
  double nroy_share;       /* share of this wave's points that are NROY */
  double nroy_fraction;    /* estimated fraction of the prior space that is NROY */
} cs_calib_wave;

typedef struct cs_calib_pop {
  int particles;
  const double *theta;     /* [particles][n_params] */
  const double *weight;    /* [particles], sum 1 */
  const double *dist;      /* [particles] */
  const double *out;       /* [particles][n_targets], the accepted runs' statistics */
  double eps;              /* tolerance of this population (inf for population 0) */
  double ess;              /* effective sample size 1 / sum w^2 */
  uint64_t proposed;       /* proposals simulated (rejections included) */
  double acceptance;       /* particles / proposed */
} cs_calib_pop;

int cs_calib_n_waves(const cs_calib *cb);     /* waves completed */
int cs_calib_n_pops(const cs_calib *cb);      /* ABC populations completed */
const cs_calib_wave *cs_calib_wave_get(const cs_calib *cb, int w); /* w from 0 */
const cs_calib_pop *cs_calib_pop_get(const cs_calib *cb, int t);
/* Why ABC stopped ("eps_final reached", "acceptance below min_accept",
** "max_populations"), or "" while it runs. */
const char *cs_calib_stop_reason(const cs_calib *cb);
/* The box ABC samples (the last wave's widened NROY box, or the prior's without
** waves), in parameter units: lo[n_params], hi[n_params]. With particles 0 it is
** the box ABC would have sampled. */
void cs_calib_abc_box(const cs_calib *cb, double *lo, double *hi);
/* Whether the last population presses on an edge of that box inside the prior
** (1: the low edge, 2: the high edge, 3: both, 0: neither or no population):
** at least 2.5% of its weight within 5% of the box's width from the edge (in
** unit space: log units for a log-uniform prior), half what a flat density
** gives, so the box, not the targets, may bound the posterior there (calib.c). */
int cs_calib_box_pressed(const cs_calib *cb, int k);

/* Draw n parameter sets from a weighted sample (theta [m][d], weights sum
** 1) by systematic resampling from the PCG stream (seed, stream): draw k is
** row idx[k]. Deterministic; the order of idx is the resampling order. */
void cs_calib_resample(const double *weight, int m, int n, uint64_t seed, uint64_t stream, int *idx);

#endif
