/* calib.c: the calibration state machine of calib.h: history matching in
** waves (Vernon et al. 2010; Andrianakis et al. 2015), then ABC-SMC
** (Toni et al. 2009; Beaumont et al. 2009). It asks for runs in batches and
** is fed their statistics; it never runs anything itself.
**
** Invariants:
** - Every batch is a function of the configuration, the batch number and
**   the results fed before it: batch n draws only from the stream
**   cs_stream_init(seed, n, CS_ENT_NONE, 0, CALIB_BATCH_PURPOSE), and
**   nothing here reads a clock, a pointer value or a hash order.
** - All geometry (boxes, covariances, kernels) is in unit space u in
**   [0,1]^d (calib.h). The prior is uniform in unit space, so a log-uniform
**   prior is handled exactly like a uniform one; the only place parameter
**   units appear is the theta handed to the driver and the records.
** - Everything found is kept (all waves, all populations) until
**   cs_calib_free: the sizes are small and the output file wants them all.
**
** Choices calib.h leaves open, made here:
** - Design: a Latin hypercube in the sampled box (McKay et al. 1979). For
**   each dimension in turn, a Fisher-Yates permutation of the n strata,
**   then one uniform jitter per point inside its stratum.
** - Wave w > 1 samples (Latin hypercube again) the bounding box of wave
**   w-1's NROY points in unit space, widened per side by margin x its
**   width, and by at least half the side of the cell each of that wave's P
**   points stands for in d dimensions, (uhi - ulo) P^(-1/d) / 2 with
**   [ulo, uhi] the box wave w-1 sampled; the cell's half stays inside that
**   box (the cells tile it), the margin may reach past it; then clipped to
**   [0,1]. ABC's truncated prior is the same widened box of the last wave.
**   With the cell's floor the box is never smaller than the cell one NROY
**   point stands for, 1/P of the box the wave sampled (away from the
**   prior's edges; the wave estimated the NROY fraction at n/P of that
**   box), so a dimension the design could not resolve is not narrowed by
**   where its few NROY points happened to fall. Without it (margin x width,
**   margin itself for a single point), with 31 parameters, 5,120 points and
**   2 NROY points, the Haiti calibration 10 sampled a wave-2 box of 1.6e-21
**   of the prior after wave 1 had estimated 3.9e-4, and the 5%-95% posterior
**   interval of a parameter the targets barely inform came out 0.5% of its
**   prior range wide (h0, in log units). The floor applies in every
**   dimension, so with many parameters a wave narrows the box little (31
**   parameters, 640 points: a cell is 0.81 of the box's width) and ABC does
**   most of the narrowing.
** - A result that is not finite (NaN, or +-inf) is "not computed" and left
**   out. A target with no finite result at a point has I_i = +inf (the
**   point cannot show the observed phenomenon), as ABC gives an infinite
**   distance. A target with exactly one finite result has no ensemble
**   variance of its own (var stays NaN in the record); its I_i uses the
**   median of the target's known ensemble variances over the wave's points,
**   0 if none is known.
** - Replicate numbers: a wave's points share 0..R-1 (common random
**   numbers). ABC proposals are numbered from ABC_REPLICATE0 = 2^32 up, one
**   per proposal simulated, in proposal order over all populations
**   (discarded proposals included), so they never meet a wave's numbers
**   or each other.
** - Raising replicates, after every wave: for each target, the median over
**   the wave's NROY points of the known ensemble variances, v_i; then
**   R_new = the smallest R with v_i / R <= var_obs_i for every target,
**   i.e. max_i ceil(v_i / var_obs_i), capped at max_replicates and never
**   below the current R.
** - ABC kernel: component-wise normal (Beaumont et al. 2009), variance
**   2 x the weighted variance of the previous population per dimension in
**   unit space, plus a ridge of (1e-12 + 1e-6 x the mean of those
**   variances) so that a dimension where all particles agree still
**   moves; each coordinate is truncated to the sampled box and drawn by
**   its own rejection. The weight (Toni et al. 2009) then divides by
**   each particle's truncation mass, the product over dimensions of
**   Phi((hi - u)/s) - Phi((lo - u)/s), so it stays exact. A full-
**   covariance kernel restricted to the box as a whole was tried first:
**   with 14 parameters and a population spread over the whole box, about
**   1 proposal in 240 fell inside (0.68 per dimension), a run of 1000
**   misses came about once in 70 proposals, and the calibration of the
**   Haiti scenario failed at population 1. A coordinate is inside
**   with probability above 0.4 (its variance is at most 2 x width^2/4),
**   so MAX_TRIES misses in a row do not happen in practice; if they do,
**   the batch cannot be built (CS_EINVAL).
** - eps_t is the alpha-quantile (type 7, unweighted) of population t-1's
**   distances, not below eps_final. With ties (count statistics give
**   discrete distances) that quantile can equal eps_{t-1}, and ABC would
**   mark time; then the largest distance of population t-1 strictly below
**   eps_{t-1} is taken instead.
** - A population is complete at its n_particles-th accepted proposal, in
**   proposal order; the proposals of that batch after it are discarded and
**   not counted in `proposed` (so the acceptance rate does not depend on
**   batch_size). A population that has not completed after
**   ceil(n_particles / min_accept) proposals can no longer reach min_accept:
**   it is abandoned (not kept) and ABC stops with "acceptance below
**   min_accept". max_populations counts population 0. */
#include "calib.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_rng.h"

#define CALIB_BATCH_PURPOSE 0x43414c42u    /* "CALB": the stream of each batch */
#define CALIB_RESAMPLE_PURPOSE 0x43414c52u /* "CALR": cs_calib_resample */
#define ABC_REPLICATE0 ((uint64_t)1 << 32)
#define MAX_TRIES 1000

enum { PH_WAVE, PH_ABC, PH_DONE, PH_FAILED };

typedef struct wave_rec {
  cs_calib_wave pub;
  double *block;          /* every double array below, one allocation */
  double *u;              /* [points][d] unit-space design */
  double *ulo, *uhi;      /* [d] the sampled box in unit space */
  unsigned char *nroy;
} wave_rec;

typedef struct pop_rec {
  cs_calib_pop pub;
  double *block;
  double *theta, *u, *weight, *dist, *out;
} pop_rec;

struct cs_calib {
  cs_calib_config c;
  int d, nt;
  int phase;
  char fail[CS_ERRMSG_MAX]; /* the message cs_calib_next repeats in PH_FAILED */
  const char *stop;
  uint64_t number;          /* batches fed so far: the number of the next batch */
  /* the batch last built (ready: built and not yet fed) */
  int ready, b_stage, b_index, b_n, b_cap;
  double *b_theta, *b_u;
  uint64_t *b_rep;
  /* history matching */
  wave_rec **waves;
  int n_waves;
  wave_rec *wave;           /* the wave being run (owned here until fed) */
  int R;                    /* replicates of the next wave */
  double *blo, *bhi;        /* [d] unit box the next wave (or ABC) samples */
  /* ABC */
  pop_rec **pops;
  int n_pops;
  pop_rec *pop;             /* the population being filled */
  int n_acc;
  uint64_t proposed, budget, next_rep;
  double eps;               /* the tolerance of `pop` */
  double *sd;               /* [d] the kernel's standard deviation per dimension */
  double *lz;               /* [particles] log truncation mass of each particle's kernel */
  double *cum;              /* [particles] cumulative weights of the last population */
};

/* ---- configuration ---- */

void cs_calib_config_default(cs_calib_config *c) {
  /* Sizes (waves, points, replicates, particles, batch_size) have no
  ** default: the caller chooses them. */
  memset(c, 0, sizeof *c);
  c->cutoff = 3;
  c->imp_rank = 1;
  c->margin = 0.1;
  c->alpha = 0.5;
  c->eps_final = 1;
  c->min_accept = 0.02;
  c->max_populations = 10;
}

#define BAD(...) cs_err(ctx, CS_EINVAL, "calibration: " __VA_ARGS__)

static int check_priors(cs_ctx *ctx, const cs_calib_config *c) {
  if (c->n_params < 1 || !c->priors) return BAD("n_params must be >= 1 (got %d)", c->n_params);
  for (int k = 0; k < c->n_params; k++) {
    const cs_calib_prior *p = &c->priors[k];
    const char *nm = p->name ? p->name : "?";
    if (p->kind != CS_PRIOR_UNIFORM && p->kind != CS_PRIOR_LOGUNIFORM)
      return BAD("parameter '%s': prior kind must be uniform or log-uniform (got %d)", nm, p->kind);
    if (!isfinite(p->lo) || !isfinite(p->hi) || !(p->lo < p->hi))
      return BAD("parameter '%s': prior lo must be < hi, both finite (got lo %g, hi %g)", nm, p->lo, p->hi);
    if (p->kind == CS_PRIOR_LOGUNIFORM && !(p->lo > 0))
      return BAD("parameter '%s': a log-uniform prior needs lo > 0 (got %g)", nm, p->lo);
  }
  return CS_OK;
}

static int check_targets(cs_ctx *ctx, const cs_calib_config *c) {
  if (c->n_targets < 1 || !c->targets) return BAD("n_targets must be >= 1 (got %d)", c->n_targets);
  for (int i = 0; i < c->n_targets; i++) {
    const cs_calib_target *t = &c->targets[i];
    const char *nm = t->name ? t->name : "?";
    if (!isfinite(t->observed)) return BAD("target '%s': observed must be finite (got %g)", nm, t->observed);
    if (!(t->var_obs > 0) || !isfinite(t->var_obs))
      return BAD("target '%s': var_obs must be > 0 and finite (got %g)", nm, t->var_obs);
    if (!(t->var_disc >= 0) || !isfinite(t->var_disc))
      return BAD("target '%s': var_disc must be >= 0 and finite (got %g)", nm, t->var_disc);
  }
  return CS_OK;
}

static int check_waves(cs_ctx *ctx, const cs_calib_config *c) {
  if (c->waves < 0) return BAD("waves must be >= 0 (got %d)", c->waves);
  if (c->waves == 0) return CS_OK;
  if (c->points < 2) return BAD("points must be >= 2 (got %d)", c->points);
  if (c->points_first != 0 && c->points_first < 2)
    return BAD("points_first must be 0 (as points) or >= 2 (got %d)", c->points_first);
  if (c->replicates < 2) return BAD("replicates must be >= 2 (got %d)", c->replicates);
  if (c->max_replicates < c->replicates)
    return BAD("max_replicates must be >= replicates (got %d < %d)", c->max_replicates, c->replicates);
  /* A wave's results are points x replicates x n_targets doubles. */
  int most = c->points_first > c->points ? c->points_first : c->points;
  if ((double)most * c->max_replicates * c->n_targets > 1e8)
    return BAD("points x max_replicates x targets must be <= 1e8 (got %d x %d x %d)", most,
               c->max_replicates, c->n_targets);
  if (!(c->cutoff > 0) || !isfinite(c->cutoff)) return BAD("cutoff must be > 0 (got %g)", c->cutoff);
  if (c->imp_rank < 1 || c->imp_rank > 5) return BAD("imp_rank must be 1 to 5 (got %d)", c->imp_rank);
  if (c->imp_rank > c->n_targets)
    return BAD("imp_rank must be <= the number of targets (got %d > %d)", c->imp_rank, c->n_targets);
  if (!(c->margin >= 0) || !isfinite(c->margin)) return BAD("margin must be >= 0 (got %g)", c->margin);
  return CS_OK;
}

static int check_abc(cs_ctx *ctx, const cs_calib_config *c) {
  if (c->particles < 0 || c->particles == 1) return BAD("particles must be 0 or >= 2 (got %d)", c->particles);
  if (c->particles == 0) return CS_OK;
  if ((double)c->particles * c->n_targets > 1e8 || (double)c->particles * c->n_params > 1e8)
    return BAD("particles too large (got %d)", c->particles);
  if (c->batch_size < 1 || c->batch_size > 10000000)
    return BAD("batch_size must be in 1..1e7 (got %d)", c->batch_size);
  if (!(c->alpha > 0 && c->alpha < 1)) return BAD("alpha must be in (0, 1) (got %g)", c->alpha);
  if (!(c->eps_final >= 0) || !isfinite(c->eps_final))
    return BAD("eps_final must be >= 0 and finite (got %g)", c->eps_final);
  if (!(c->min_accept > 0 && c->min_accept <= 1))
    return BAD("min_accept must be in (0, 1] (got %g)", c->min_accept);
  if (c->max_populations < 1) return BAD("max_populations must be >= 1 (got %d)", c->max_populations);
  return CS_OK;
}

static int check_config(cs_ctx *ctx, const cs_calib_config *c) {
  int rc;
  if ((rc = check_priors(ctx, c)) != CS_OK) return rc;
  if ((rc = check_targets(ctx, c)) != CS_OK) return rc;
  if ((rc = check_waves(ctx, c)) != CS_OK) return rc;
  if ((rc = check_abc(ctx, c)) != CS_OK) return rc;
  if (c->waves == 0 && c->particles == 0) return BAD("waves and particles are both 0: nothing to do");
  return CS_OK;
}

/* ---- life cycle ---- */

static void wave_free(wave_rec *w) {
  if (!w) return;
  free(w->block);
  free(w->nroy);
  free(w);
}

static void pop_free(pop_rec *p) {
  if (!p) return;
  free(p->block);
  free(p);
}

int cs_calib_new(cs_ctx *ctx, const cs_calib_config *c, cs_calib **out) {
  int rc = check_config(ctx, c);
  if (rc != CS_OK) return rc;
  cs_calib *cb = calloc(1, sizeof *cb);
  if (!cb) return cs_err(ctx, CS_ENOMEM, "calibration: out of memory");
  cb->c = *c;
  cb->d = c->n_params;
  cb->nt = c->n_targets;
  cb->stop = "";
  cb->R = c->replicates;
  cb->next_rep = ABC_REPLICATE0;
  cb->eps = INFINITY; /* population 0 accepts every proposal */
  cb->blo = malloc((size_t)cb->d * sizeof *cb->blo);
  cb->bhi = malloc((size_t)cb->d * sizeof *cb->bhi);
  cb->sd = malloc((size_t)cb->d * sizeof *cb->sd);
  cb->cum = malloc((size_t)(c->particles > 0 ? c->particles : 1) * sizeof *cb->cum);
  cb->lz = malloc((size_t)(c->particles > 0 ? c->particles : 1) * sizeof *cb->lz);
  if (!cb->blo || !cb->bhi || !cb->sd || !cb->cum || !cb->lz) {
    cs_calib_free(cb);
    return cs_err(ctx, CS_ENOMEM, "calibration: out of memory");
  }
  for (int k = 0; k < cb->d; k++) cb->blo[k] = 0, cb->bhi[k] = 1;
  cb->phase = c->waves > 0 ? PH_WAVE : PH_ABC;
  if (c->particles > 0) cb->budget = (uint64_t)ceil(c->particles / c->min_accept);
  *out = cb;
  return CS_OK;
}

void cs_calib_free(cs_calib *cb) {
  if (!cb) return;
  for (int w = 0; w < cb->n_waves; w++) wave_free(cb->waves[w]);
  for (int t = 0; t < cb->n_pops; t++) pop_free(cb->pops[t]);
  free(cb->waves);
  free(cb->pops);
  wave_free(cb->wave);
  pop_free(cb->pop);
  free(cb->b_theta);
  free(cb->b_u);
  free(cb->b_rep);
  free(cb->blo);
  free(cb->bhi);
  free(cb->sd);
  free(cb->cum);
  free(cb->lz);
  free(cb);
}

/* Fail for good: cs_calib_next repeats the message from now on. */
static int fail(cs_ctx *ctx, cs_calib *cb, int code, const char *msg) {
  snprintf(cb->fail, sizeof cb->fail, "%s", msg);
  cb->phase = PH_FAILED;
  return cs_err(ctx, code, "%s", msg);
}

static int oom(cs_ctx *ctx, cs_calib *cb) { return fail(ctx, cb, CS_ENOMEM, "calibration: out of memory"); }

/* ---- unit space ---- */

static double to_theta(const cs_calib_prior *p, double u) {
  if (p->kind == CS_PRIOR_LOGUNIFORM) return p->lo * pow(p->hi / p->lo, u);
  return p->lo + u * (p->hi - p->lo);
}

static void unit_to_theta(const cs_calib *cb, const double *u, double *theta) {
  for (int k = 0; k < cb->d; k++) theta[k] = to_theta(&cb->c.priors[k], u[k]);
}

static void batch_stream(const cs_calib *cb, cs_pcg32 *r) {
  cs_stream_init(r, cb->c.seed, cb->number, CS_ENT_NONE, 0, CALIB_BATCH_PURPOSE);
}

static int batch_reserve(cs_calib *cb, int n) {
  if (n <= cb->b_cap) return CS_OK;
  size_t d = (size_t)cb->d;
  double *t = realloc(cb->b_theta, (size_t)n * d * sizeof *t);
  if (!t) return CS_ENOMEM;
  cb->b_theta = t;
  double *u = realloc(cb->b_u, (size_t)n * d * sizeof *u);
  if (!u) return CS_ENOMEM;
  cb->b_u = u;
  uint64_t *r = realloc(cb->b_rep, (size_t)n * sizeof *r);
  if (!r) return CS_ENOMEM;
  cb->b_rep = r;
  cb->b_cap = n;
  return CS_OK;
}

/* Latin hypercube of n points in the box [lo, hi] (unit space): per
** dimension a random permutation of the strata, then a jitter per point. */
static void lhs(cs_pcg32 *r, int n, int d, const double *lo, const double *hi, int *perm, double *u) {
  for (int k = 0; k < d; k++) {
    for (int p = 0; p < n; p++) perm[p] = p;
    for (int p = n - 1; p > 0; p--) {
      int q = (int)cs_pcg32_bounded(r, (uint32_t)p + 1u);
      int tmp = perm[p];
      perm[p] = perm[q];
      perm[q] = tmp;
    }
    for (int p = 0; p < n; p++) {
      double x = lo[k] + (hi[k] - lo[k]) * ((perm[p] + cs_rng_uniform(r)) / n);
      u[(size_t)p * d + k] = x < hi[k] ? x : hi[k];
    }
  }
}

/* ---- history matching ---- */

static wave_rec *wave_alloc(int P, int R, int d, int nt) {
  wave_rec *w = calloc(1, sizeof *w);
  if (!w) return NULL;
  size_t n = (size_t)P * d * 2 + (size_t)P * R * nt + (size_t)P * nt * 3 + (size_t)P + (size_t)d * 4;
  w->block = malloc(n * sizeof *w->block);
  w->nroy = calloc((size_t)P, 1);
  if (!w->block || !w->nroy) {
    wave_free(w);
    return NULL;
  }
  double *x = w->block;
  cs_calib_wave *pub = &w->pub;
  pub->points = P;
  pub->replicates = R;
  pub->theta = x, x += (size_t)P * d;
  w->u = x, x += (size_t)P * d;
  pub->out = x, x += (size_t)P * R * nt;
  pub->mean = x, x += (size_t)P * nt;
  pub->var = x, x += (size_t)P * nt;
  pub->imp = x, x += (size_t)P * nt;
  pub->imp_max = x, x += P;
  pub->box_lo = x, x += d;
  pub->box_hi = x, x += d;
  w->ulo = x, x += d;
  w->uhi = x;
  pub->nroy = w->nroy;
  return w;
}

static int build_wave(cs_ctx *ctx, cs_calib *cb) {
  int P = cb->n_waves == 0 && cb->c.points_first > 0 ? cb->c.points_first : cb->c.points;
  int R = cb->R, d = cb->d;
  wave_rec *w = wave_alloc(P, R, d, cb->nt);
  int *perm = malloc((size_t)P * sizeof *perm);
  if (!w || !perm || batch_reserve(cb, P * R) != CS_OK) {
    wave_free(w);
    free(perm);
    return oom(ctx, cb);
  }
  cs_pcg32 r;
  batch_stream(cb, &r);
  lhs(&r, P, d, cb->blo, cb->bhi, perm, w->u);
  free(perm);
  double *theta = (double *)w->pub.theta;
  for (int p = 0; p < P; p++) unit_to_theta(cb, w->u + (size_t)p * d, theta + (size_t)p * d);
  memcpy(w->ulo, cb->blo, (size_t)d * sizeof *w->ulo);
  memcpy(w->uhi, cb->bhi, (size_t)d * sizeof *w->uhi);
  unit_to_theta(cb, cb->blo, (double *)w->pub.box_lo);
  unit_to_theta(cb, cb->bhi, (double *)w->pub.box_hi);
  for (int p = 0; p < P; p++)
    for (int j = 0; j < R; j++) {
      size_t run = (size_t)p * R + j;
      memcpy(cb->b_theta + run * d, theta + (size_t)p * d, (size_t)d * sizeof *theta);
      cb->b_rep[run] = (uint64_t)j;
    }
  wave_free(cb->wave);
  cb->wave = w;
  cb->b_stage = CS_CALIB_WAVE;
  cb->b_index = cb->n_waves + 1;
  cb->b_n = P * R;
  return CS_OK;
}

static double median(double *x, int n);

/* Mean and ensemble variance of each (point, target) over its finite
** results; NaN where there are none (mean) or fewer than 2 (variance). */
static void wave_moments(const cs_calib *cb, wave_rec *w) {
  int P = w->pub.points, R = w->pub.replicates, nt = cb->nt;
  double *mean = (double *)w->pub.mean, *var = (double *)w->pub.var;
  for (int p = 0; p < P; p++)
    for (int i = 0; i < nt; i++) {
      const double *o = w->pub.out + (size_t)p * R * nt + i;
      double s = 0, ss = 0;
      int n = 0;
      for (int j = 0; j < R; j++)
        if (isfinite(o[(size_t)j * nt])) s += o[(size_t)j * nt], n++;
      double m = n > 0 ? s / n : NAN;
      for (int j = 0; j < R; j++)
        if (isfinite(o[(size_t)j * nt])) ss += (o[(size_t)j * nt] - m) * (o[(size_t)j * nt] - m);
      mean[(size_t)p * nt + i] = m;
      var[(size_t)p * nt + i] = n > 1 ? ss / (n - 1) : NAN;
    }
}

static int n_finite(const cs_calib *cb, const wave_rec *w, int p, int i) {
  int R = w->pub.replicates, n = 0;
  const double *o = w->pub.out + (size_t)p * R * cb->nt + i;
  for (int j = 0; j < R; j++) n += isfinite(o[(size_t)j * cb->nt]) != 0;
  return n;
}

/* Median over points (all, or the NROY ones only) of target i's known
** ensemble variances; NaN if none is known. work holds `points` doubles. */
static double var_median(const cs_calib *cb, const wave_rec *w, int i, int nroy_only, double *work) {
  int n = 0;
  for (int p = 0; p < w->pub.points; p++) {
    double v = w->pub.var[(size_t)p * cb->nt + i];
    if (isfinite(v) && (!nroy_only || w->nroy[p])) work[n++] = v;
  }
  return n > 0 ? median(work, n) : NAN;
}

/* I_i for every (point, target), the imp_rank-th largest, NROY flags. */
static void wave_implausibility(const cs_calib *cb, wave_rec *w, double *work) {
  int P = w->pub.points, nt = cb->nt;
  double *imp = (double *)w->pub.imp, *imp_max = (double *)w->pub.imp_max;
  for (int i = 0; i < nt; i++) {
    const cs_calib_target *t = &cb->c.targets[i];
    double pooled = var_median(cb, w, i, 0, work);
    if (!isfinite(pooled)) pooled = 0;
    for (int p = 0; p < P; p++) {
      size_t pi = (size_t)p * nt + i;
      int n = n_finite(cb, w, p, i);
      double v = isfinite(w->pub.var[pi]) ? w->pub.var[pi] : pooled;
      imp[pi] = n == 0 ? INFINITY
                       : fabs(t->observed - w->pub.mean[pi]) / sqrt(t->var_obs + t->var_disc + v * (1.0 + 1.0 / n));
    }
  }
  int k = cb->c.imp_rank;
  for (int p = 0; p < P; p++) {
    /* The k-th largest: the I_i with fewer than k values above it and at least k at or
    ** above it (ties share a rank). O(nt^2), no allocation: nt is a few dozen. */
    const double *row = imp + (size_t)p * nt;
    double kth = -INFINITY;
    for (int i = 0; i < nt; i++) {
      int above = 0, at_or_above = 0;
      for (int q = 0; q < nt; q++) above += row[q] > row[i], at_or_above += row[q] >= row[i];
      if (above < k && at_or_above >= k) { kth = row[i]; break; }
    }
    imp_max[p] = kth;
    w->nroy[p] = imp_max[p] <= cb->c.cutoff;
  }
}

/* The message for an empty NROY: the least implausible point and its worst target. */
static void empty_message(const cs_calib *cb, const wave_rec *w, int wave_no, char *msg, size_t cap) {
  int best = 0, d = cb->d;
  for (int p = 1; p < w->pub.points; p++)
    if (w->pub.imp_max[p] < w->pub.imp_max[best]) best = p;
  int worst = 0;
  for (int i = 1; i < cb->nt; i++)
    if (w->pub.imp[(size_t)best * cb->nt + i] > w->pub.imp[(size_t)best * cb->nt + worst]) worst = i;
  size_t n = (size_t)snprintf(msg, cap,
                              "calibration: no point of wave %d is non-implausible: the targets cannot be met "
                              "together; the smallest implausibility was %.3g at",
                              wave_no, w->pub.imp_max[best]);
  for (int k = 0; k < d && n < cap; k++)
    n += (size_t)snprintf(msg + n, cap - n, "%s %s = %.6g", k ? "," : "",
                          cb->c.priors[k].name ? cb->c.priors[k].name : "?", w->pub.theta[(size_t)best * d + k]);
  if (n < cap)
    snprintf(msg + n, cap - n, " (worst target '%s', I = %.3g)",
             cb->c.targets[worst].name ? cb->c.targets[worst].name : "?",
             w->pub.imp[(size_t)best * cb->nt + worst]);
}

/* The bounding box of w's NROY points, widened and clipped (unit space). */
static void nroy_box(const cs_calib *cb, const wave_rec *w, double *lo, double *hi) {
  int d = cb->d;
  for (int k = 0; k < d; k++) lo[k] = INFINITY, hi[k] = -INFINITY;
  for (int p = 0; p < w->pub.points; p++) {
    if (!w->nroy[p]) continue;
    for (int k = 0; k < d; k++) {
      double x = w->u[(size_t)p * d + k];
      if (x < lo[k]) lo[k] = x;
      if (x > hi[k]) hi[k] = x;
    }
  }
  /* Each of the wave's P points stands for a cell of side P^(-1/d) of the
  ** box it sampled (the opening comment): half of it per side at least, kept
  ** inside that box (the cells tile it); the margin may reach past it. */
  double cell = pow((double)w->pub.points, -1.0 / d);
  for (int k = 0; k < d; k++) {
    double half = 0.5 * cell * (w->uhi[k] - w->ulo[k]), m = cb->c.margin * (hi[k] - lo[k]);
    double a = fmin(fmax(lo[k] - half, w->ulo[k]), lo[k] - m);
    double b = fmax(fmin(hi[k] + half, w->uhi[k]), hi[k] + m);
    lo[k] = a > 0 ? a : 0;
    hi[k] = b < 1 ? b : 1;
  }
}

/* The replicates of the next wave (the rule in the file's opening comment). */
static int raised_replicates(const cs_calib *cb, const wave_rec *w, double *work) {
  int R = cb->R, cap = cb->c.max_replicates;
  for (int i = 0; i < cb->nt; i++) {
    double v = var_median(cb, w, i, 1, work);
    if (!isfinite(v)) continue;
    double need = v / cb->c.targets[i].var_obs;
    if (need >= cap) return cap;
    int r = (int)ceil(need);
    if (r > R) R = r;
  }
  return R;
}

static int feed_wave(cs_ctx *ctx, cs_calib *cb, const double *out) {
  wave_rec *w = cb->wave;
  int P = w->pub.points;
  wave_rec **ws = realloc(cb->waves, (size_t)(cb->n_waves + 1) * sizeof *ws);
  double *work = malloc((size_t)P * sizeof *work);
  if (!ws || !work) {
    if (ws) cb->waves = ws;
    free(work);
    return oom(ctx, cb);
  }
  cb->waves = ws;
  memcpy((double *)w->pub.out, out, (size_t)cb->b_n * cb->nt * sizeof *out);
  wave_moments(cb, w);
  wave_implausibility(cb, w, work);
  int n = 0;
  for (int p = 0; p < P; p++) n += w->nroy[p];
  double vol = 1;
  for (int k = 0; k < cb->d; k++) vol *= w->uhi[k] - w->ulo[k];
  w->pub.nroy_share = (double)n / P;
  w->pub.nroy_fraction = vol * w->pub.nroy_share;
  cb->waves[cb->n_waves++] = w;
  cb->wave = NULL;
  if (n == 0) {
    char msg[CS_ERRMSG_MAX];
    empty_message(cb, w, cb->n_waves, msg, sizeof msg);
    snprintf(cb->fail, sizeof cb->fail, "%s", msg);
    cb->phase = PH_FAILED; /* reported by cs_calib_next, as calib.h says */
  } else {
    nroy_box(cb, w, cb->blo, cb->bhi);
    cb->R = raised_replicates(cb, w, work);
    if (cb->n_waves == cb->c.waves) cb->phase = cb->c.particles > 0 ? PH_ABC : PH_DONE;
  }
  free(work);
  return CS_OK;
}

/* ---- ABC-SMC ---- */

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *x, int n) {
  qsort(x, (size_t)n, sizeof *x, cmp_double);
  return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

/* Quantile q (type 7) of sorted x, where the top values may be +inf. */
static double quantile_sorted(const double *x, int n, double q) {
  double h = (n - 1) * q;
  int i = (int)floor(h);
  if (i + 1 >= n || h == i || x[i + 1] == x[i]) return x[i];
  return x[i] + (h - i) * (x[i + 1] - x[i]);
}

static double distance(const cs_calib *cb, const double *s) {
  double sum = 0;
  for (int i = 0; i < cb->nt; i++) {
    const cs_calib_target *t = &cb->c.targets[i];
    if (!isfinite(s[i])) return INFINITY;
    double e = s[i] - t->observed;
    sum += e * e / (t->var_obs + t->var_disc);
  }
  return sqrt(sum / cb->nt);
}

static pop_rec *pop_alloc(int n, int d, int nt) {
  pop_rec *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->block = malloc(((size_t)n * (2 * d + 2 + nt)) * sizeof *p->block);
  if (!p->block) {
    free(p);
    return NULL;
  }
  double *x = p->block;
  p->theta = x, x += (size_t)n * d;
  p->u = x, x += (size_t)n * d;
  p->weight = x, x += n;
  p->dist = x, x += n;
  p->out = x;
  p->pub.particles = n;
  p->pub.theta = p->theta;
  p->pub.weight = p->weight;
  p->pub.dist = p->dist;
  p->pub.out = p->out;
  return p;
}

/* Phi(b) - Phi(a) for a < b, accurate in both tails. */
#define SQRT2 1.41421356237309504880
static double normal_mass(double a, double b) {
  if (a > 0) return 0.5 * (erfc(a / SQRT2) - erfc(b / SQRT2));
  if (b < 0) return 0.5 * (erfc(-b / SQRT2) - erfc(-a / SQRT2));
  return 0.5 * (erf(b / SQRT2) - erf(a / SQRT2)); /* opposite signs: no cancellation */
}

/* The kernel for the population after `prev`: sd = sqrt(2 x the weighted
** variance (unit space) plus the ridge) per dimension; lz = each
** particle's log truncation mass in the box; cum = cumulative weights. */
static void prepare_kernel(cs_calib *cb, const pop_rec *prev) {
  int d = cb->d, n = prev->pub.particles;
  double mean_var = 0;
  for (int k = 0; k < d; k++) {
    double m = 0, v = 0;
    for (int j = 0; j < n; j++) m += prev->weight[j] * prev->u[(size_t)j * d + k];
    for (int j = 0; j < n; j++) v += prev->weight[j] * pow(prev->u[(size_t)j * d + k] - m, 2);
    cb->sd[k] = 2 * v; /* a variance until the ridge is known */
    mean_var += 2 * v / d;
  }
  double ridge = 1e-12 + 1e-6 * mean_var;
  for (int k = 0; k < d; k++) cb->sd[k] = sqrt(cb->sd[k] + ridge);
  double s = 0;
  for (int j = 0; j < n; j++) {
    double lz = 0;
    for (int k = 0; k < d; k++) {
      double u = prev->u[(size_t)j * d + k];
      lz += log(normal_mass((cb->blo[k] - u) / cb->sd[k], (cb->bhi[k] - u) / cb->sd[k]));
    }
    cb->lz[j] = lz;
    cb->cum[j] = (s += prev->weight[j]);
  }
}

/* Index of the particle whose cumulative weight first exceeds x. */
static int draw_particle(const double *cum, int n, double x) {
  int lo = 0, hi = n - 1;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (cum[mid] > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/* One proposal of population t >= 1 into u: a particle, then each
** coordinate from its truncated normal; -1 after MAX_TRIES misses in a
** row on one coordinate. */
static int propose(cs_calib *cb, cs_pcg32 *r, double *u) {
  const pop_rec *prev = cb->pops[cb->n_pops - 1];
  int d = cb->d, n = prev->pub.particles;
  int j = draw_particle(cb->cum, n, cs_rng_uniform(r) * cb->cum[n - 1]);
  for (int k = 0; k < d; k++) {
    int tries = 0;
    do {
      if (tries++ == MAX_TRIES) return -1;
      u[k] = prev->u[(size_t)j * d + k] + cb->sd[k] * cs_rng_normal(r);
    } while (!(u[k] >= cb->blo[k] && u[k] <= cb->bhi[k]));
  }
  return 0;
}

static int build_abc(cs_ctx *ctx, cs_calib *cb) {
  int d = cb->d, t = cb->n_pops;
  int n = t == 0 ? cb->c.particles - cb->n_acc : cb->c.batch_size;
  if (n > cb->c.batch_size) n = cb->c.batch_size;
  if (!cb->pop && !(cb->pop = pop_alloc(cb->c.particles, d, cb->nt))) return oom(ctx, cb);
  if (batch_reserve(cb, n) != CS_OK) return oom(ctx, cb);
  cs_pcg32 r;
  batch_stream(cb, &r);
  for (int j = 0; j < n; j++) {
    double *u = cb->b_u + (size_t)j * d;
    if (t == 0) {
      for (int k = 0; k < d; k++) u[k] = cb->blo[k] + cs_rng_uniform(&r) * (cb->bhi[k] - cb->blo[k]);
    } else if (propose(cb, &r, u) != 0) {
      char msg[CS_ERRMSG_MAX];
      snprintf(msg, sizeof msg,
               "calibration: ABC population %d: %d draws in a row of one coordinate fell outside the "
               "sampled box (the last wave's non-implausible box, or the prior's; the kernel is far wider than it)",
               t, MAX_TRIES);
      return fail(ctx, cb, CS_EINVAL, msg);
    }
    unit_to_theta(cb, u, cb->b_theta + (size_t)j * d);
    cb->b_rep[j] = cb->next_rep + (uint64_t)j;
  }
  cb->b_stage = CS_CALIB_ABC;
  cb->b_index = t;
  cb->b_n = n;
  return CS_OK;
}

/* Weights of the completed population t >= 1 (Toni et al. 2009): prior
** (uniform in unit space, a constant) over the kernel mixture of the
** previous population, each particle's kernel divided by its truncation
** mass, by log-sum-exp so that no term underflows. The normal density's
** constant is common to all terms and cancels. lk holds prev's particle
** count of doubles. */
static void abc_weights(const cs_calib *cb, pop_rec *p, const pop_rec *prev, double *lk) {
  int d = cb->d, n = p->pub.particles, m = prev->pub.particles;
  double top = -INFINITY;
  for (int a = 0; a < n; a++) {
    double lmax = -INFINITY, s = 0;
    for (int j = 0; j < m; j++) {
      double q = 0;
      for (int k = 0; k < d; k++) q += pow((p->u[(size_t)a * d + k] - prev->u[(size_t)j * d + k]) / cb->sd[k], 2);
      lk[j] = prev->weight[j] > 0 ? log(prev->weight[j]) - 0.5 * q - cb->lz[j] : -INFINITY;
      if (lk[j] > lmax) lmax = lk[j];
    }
    for (int j = 0; j < m; j++) s += exp(lk[j] - lmax);
    p->weight[a] = -(lmax + log(s)); /* log weight, normalised below */
    if (p->weight[a] > top) top = p->weight[a];
  }
  double sum = 0;
  for (int a = 0; a < n; a++) sum += (p->weight[a] = exp(p->weight[a] - top));
  for (int a = 0; a < n; a++) p->weight[a] /= sum;
}

/* The next tolerance from the completed population p (eps_p its own). */
static double next_eps(const cs_calib *cb, const pop_rec *p, double *work) {
  int n = p->pub.particles;
  memcpy(work, p->dist, (size_t)n * sizeof *work);
  qsort(work, (size_t)n, sizeof *work, cmp_double);
  double e = quantile_sorted(work, n, cb->c.alpha);
  if (e >= p->pub.eps && isfinite(p->pub.eps)) {
    /* Ties: the largest distance strictly below eps_p, if any. */
    for (int j = n - 1; j >= 0; j--)
      if (work[j] < p->pub.eps) {
        e = work[j];
        break;
      }
  }
  return e > cb->c.eps_final ? e : cb->c.eps_final;
}

static int finish_pop(cs_ctx *ctx, cs_calib *cb) {
  pop_rec *p = cb->pop;
  int n = p->pub.particles, t = cb->n_pops;
  pop_rec **ps = realloc(cb->pops, (size_t)(t + 1) * sizeof *ps);
  double *work = malloc((size_t)n * sizeof *work);
  if (!ps || !work) {
    if (ps) cb->pops = ps;
    free(work);
    return oom(ctx, cb);
  }
  cb->pops = ps;
  if (t == 0) {
    for (int a = 0; a < n; a++) p->weight[a] = 1.0 / n;
  } else {
    abc_weights(cb, p, cb->pops[t - 1], work);
  }
  double s2 = 0;
  for (int a = 0; a < n; a++) s2 += p->weight[a] * p->weight[a];
  p->pub.eps = cb->eps;
  p->pub.ess = 1.0 / s2;
  p->pub.proposed = cb->proposed;
  p->pub.acceptance = (double)n / (double)cb->proposed;
  cb->pops[cb->n_pops++] = p;
  cb->pop = NULL;
  cb->n_acc = 0;
  cb->proposed = 0;
  int any_finite = 0;
  for (int a = 0; a < n; a++) any_finite |= isfinite(p->dist[a]) != 0;
  if (t == 0 && !any_finite) {
    snprintf(cb->fail, sizeof cb->fail,
             "calibration: ABC population 0 has no finite distance: none of its %d runs computed every target", n);
    cb->phase = PH_FAILED;
  } else if (p->pub.eps == cb->c.eps_final) {
    cb->stop = "eps_final reached";
  } else if (p->pub.acceptance < cb->c.min_accept) {
    cb->stop = "acceptance below min_accept";
  } else if (cb->n_pops >= cb->c.max_populations) {
    cb->stop = "max_populations";
  } else {
    cb->eps = next_eps(cb, p, work);
    prepare_kernel(cb, p); /* allocates nothing: it cannot fail */
  }
  if (*cb->stop) cb->phase = PH_DONE;
  free(work);
  return CS_OK;
}

static int feed_abc(cs_ctx *ctx, cs_calib *cb, const double *out) {
  pop_rec *p = cb->pop;
  int d = cb->d, nt = cb->nt, t = cb->n_pops;
  cb->next_rep += (uint64_t)cb->b_n;
  for (int j = 0; j < cb->b_n; j++) {
    const double *s = out + (size_t)j * nt;
    double dist = distance(cb, s);
    cb->proposed++;
    if (t > 0 && !(dist <= cb->eps && isfinite(dist))) continue;
    int a = cb->n_acc++;
    memcpy(p->u + (size_t)a * d, cb->b_u + (size_t)j * d, (size_t)d * sizeof *p->u);
    memcpy(p->theta + (size_t)a * d, cb->b_theta + (size_t)j * d, (size_t)d * sizeof *p->theta);
    memcpy(p->out + (size_t)a * nt, s, (size_t)nt * sizeof *p->out);
    p->dist[a] = dist;
    if (cb->n_acc == p->pub.particles) return finish_pop(ctx, cb);
  }
  if (t > 0 && cb->proposed >= cb->budget) {
    cb->stop = "acceptance below min_accept";
    cb->phase = PH_DONE;
    pop_free(cb->pop);
    cb->pop = NULL;
  }
  return CS_OK;
}

/* ---- the driver's side ---- */

int cs_calib_next(cs_ctx *ctx, cs_calib *cb, cs_calib_batch *b) {
  if (cb->phase == PH_FAILED) return cs_err(ctx, CS_EINVAL, "%s", cb->fail);
  if (cb->phase == PH_DONE) {
    memset(b, 0, sizeof *b);
    b->number = cb->number;
    b->stage = CS_CALIB_DONE;
    return CS_OK;
  }
  if (!cb->ready) {
    int rc = cb->phase == PH_WAVE ? build_wave(ctx, cb) : build_abc(ctx, cb);
    if (rc != CS_OK) return rc;
    cb->ready = 1;
  }
  b->number = cb->number;
  b->stage = cb->b_stage;
  b->index = cb->b_index;
  b->n_runs = cb->b_n;
  b->theta = cb->b_theta;
  b->replicate = cb->b_rep;
  return CS_OK;
}

int cs_calib_feed(cs_ctx *ctx, cs_calib *cb, const double *out) {
  if (!cb->ready) return cs_err(ctx, CS_EINVAL, "calibration: results fed with no batch outstanding");
  if (!out) return cs_err(ctx, CS_EINVAL, "calibration: no results given");
  cb->ready = 0;
  int rc = cb->b_stage == CS_CALIB_WAVE ? feed_wave(ctx, cb, out) : feed_abc(ctx, cb, out);
  cb->number++;
  return rc;
}

/* ---- what was found ---- */

int cs_calib_n_waves(const cs_calib *cb) { return cb->n_waves; }
int cs_calib_n_pops(const cs_calib *cb) { return cb->n_pops; }

const cs_calib_wave *cs_calib_wave_get(const cs_calib *cb, int w) {
  return w >= 0 && w < cb->n_waves ? &cb->waves[w]->pub : NULL;
}

const cs_calib_pop *cs_calib_pop_get(const cs_calib *cb, int t) {
  return t >= 0 && t < cb->n_pops ? &cb->pops[t]->pub : NULL;
}

const char *cs_calib_stop_reason(const cs_calib *cb) { return cb->stop; }

void cs_calib_abc_box(const cs_calib *cb, double *lo, double *hi) {
  unit_to_theta(cb, cb->blo, lo);
  unit_to_theta(cb, cb->bhi, hi);
}

/* An edge of the box ABC samples is pressed when it lies inside the prior
** and the last population holds at least half of PRESS_BAND of its weight
** within PRESS_BAND of the box's width from it: at least half what a flat
** density puts there (a flat population of ESS 75 puts 5% +- 2.5% there), so
** the posterior does not fall off before the edge and the box, not the
** targets, may be what bounds it there. */
#define PRESS_BAND 0.05
int cs_calib_box_pressed(const cs_calib *cb, int k) {
  if (cb->n_pops == 0 || k < 0 || k >= cb->d) return 0;
  const pop_rec *p = cb->pops[cb->n_pops - 1];
  double lo = cb->blo[k], hi = cb->bhi[k], band = PRESS_BAND * (hi - lo), wl = 0, wh = 0;
  for (int a = 0; a < p->pub.particles; a++) {
    double u = p->u[(size_t)a * cb->d + k];
    if (u <= lo + band) wl += p->weight[a];
    if (u >= hi - band) wh += p->weight[a];
  }
  return (lo > 0 && wl >= PRESS_BAND / 2 ? 1 : 0) | (hi < 1 && wh >= PRESS_BAND / 2 ? 2 : 0);
}

/* Systematic resampling (Kitagawa 1996): one uniform u0, positions
** (k + u0) / n against the cumulative weights, so row i is drawn
** floor(n w_i) or ceil(n w_i) times. Weights are normalised by their sum
** here, and a row of weight <= 0 is never drawn. */
void cs_calib_resample(const double *weight, int m, int n, uint64_t seed, uint64_t stream, int *idx) {
  if (m < 1 || n < 1) return;
  cs_pcg32 r;
  cs_stream_init(&r, seed, stream, CS_ENT_NONE, 0, CALIB_RESAMPLE_PURPOSE);
  double total = 0;
  int last = 0;
  for (int i = 0; i < m; i++)
    if (weight[i] > 0) total += weight[i], last = i;
  double u0 = cs_rng_uniform(&r);
  int i = 0;
  double cum = weight[0] > 0 ? weight[0] : 0;
  for (int k = 0; k < n; k++) {
    double pos = (k + u0) / n * total;
    while (i < last && !(pos < cum)) {
      i++;
      if (weight[i] > 0) cum += weight[i];
    }
    idx[k] = i;
  }
}
