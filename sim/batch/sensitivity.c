/* sensitivity.c: the Saltelli and Morris designs in the unit cube and the
** indices computed from their outcomes (sensitivity.h states the designs,
** the estimators, the bootstrap and the references).
**
** Invariants:
** - The design and the bootstrap each draw from their own PCG32 stream,
**   derived from the sweep's seed with a purpose of their own, in a fixed
**   order; nothing else is read, so results depend only on the inputs.
** - The bootstrap of every metric replays the same stream: one set of
**   resamples serves all metrics and parameters, and memory holds the
**   resampled estimates of one metric at a time. */
#include "sensitivity.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cs_rng.h"
#include "stats.h"

#define PURPOSE_SOBOL 0x534F424Cu  /* "SOBL": A and B */
#define PURPOSE_MORRIS 0x4D525253u /* "MRRS": the trajectories */
#define PURPOSE_BOOT 0x424F4F54u   /* "BOOT": the bootstrap resamples */

#define ROW_NAME_(name, doc) name,
#define ROW_DOC_(name, doc) doc,
static const char *const SOBOL_NAME[CS_SENS_SOBOL_FIELDS] = {CS_SENS_SOBOL_LIST(ROW_NAME_)};
static const char *const SOBOL_DOC[CS_SENS_SOBOL_FIELDS] = {CS_SENS_SOBOL_LIST(ROW_DOC_)};
static const char *const MORRIS_NAME[CS_SENS_MORRIS_FIELDS] = {CS_SENS_MORRIS_LIST(ROW_NAME_)};
static const char *const MORRIS_DOC[CS_SENS_MORRIS_FIELDS] = {CS_SENS_MORRIS_LIST(ROW_DOC_)};
#undef ROW_NAME_
#undef ROW_DOC_

const char *cs_sens_field_name(int design, int f) {
  if (design == CS_SWD_SOBOL && f >= 0 && f < CS_SENS_SOBOL_FIELDS) return SOBOL_NAME[f];
  if (design == CS_SWD_MORRIS && f >= 0 && f < CS_SENS_MORRIS_FIELDS) return MORRIS_NAME[f];
  return "?";
}

const char *cs_sens_field_doc(int design, int f) {
  if (design == CS_SWD_SOBOL && f >= 0 && f < CS_SENS_SOBOL_FIELDS) return SOBOL_DOC[f];
  if (design == CS_SWD_MORRIS && f >= 0 && f < CS_SENS_MORRIS_FIELDS) return MORRIS_DOC[f];
  return "?";
}

static double *field(const cs_sens *s, int f) {
  return s->est + (size_t)f * (size_t)s->n_metrics * (size_t)s->n_params;
}

double cs_sens_get(const cs_sens *s, int f, int m, int i) {
  return field(s, f)[(size_t)m * (size_t)s->n_params + (size_t)i];
}

uint64_t cs_sens_n_points(int design, uint64_t samples, int d) {
  uint64_t per = design == CS_SWD_SOBOL ? (uint64_t)d + 2 : design == CS_SWD_MORRIS ? (uint64_t)d + 1 : 0;
  if (d < 1 || per == 0 || samples > UINT64_MAX / per) return 0;
  return samples * per;
}

int cs_sens_check(cs_ctx *ctx, const char *what, int design, uint64_t samples, int d, uint64_t levels) {
  const char *name = design == CS_SWD_SOBOL ? "sobol" : "morris";
  if (design != CS_SWD_SOBOL && design != CS_SWD_MORRIS)
    return cs_err(ctx, CS_EINVAL, "%s: not a sensitivity design", what);
  if (d < 1) return cs_err(ctx, CS_EINVAL, "%s: design = \"%s\" needs at least one parameter", what, name);
  if (samples < 2)
    return cs_err(ctx, CS_EINVAL, "%s: design = \"%s\" needs samples = %s >= 2, got %llu", what, name,
                  design == CS_SWD_SOBOL ? "N (base rows)" : "r (trajectories)", (unsigned long long)samples);
  if (design == CS_SWD_MORRIS && (levels < 2 || levels % 2 || levels > UINT32_MAX))
    return cs_err(ctx, CS_EINVAL, "%s: design = \"morris\" needs an even number of levels >= 2, got %llu", what,
                  (unsigned long long)levels);
  if (!cs_sens_n_points(design, samples, d)) return cs_err(ctx, CS_EINVAL, "%s: too many design points", what);
  return CS_OK;
}

/* ---- the designs ---- */

/* Trajectory t's points (d + 1 rows of unit) from the stream: factor[s] is
** the parameter that moves at step s + 1, step[i] how far parameter i
** moves in the unit cube (+-delta), lev[] scratch. Every value is
** level / (p - 1) with an integer level, so values are exact and every move
** is exactly +-delta. Draws: for each parameter its base level and its
** direction, then the order (Fisher-Yates). */
static void morris_trajectory(cs_pcg32 *r, int d, uint64_t p, double *unit, int *factor, double *step,
                              uint64_t *lev) {
  uint32_t half = (uint32_t)(p / 2);
  double top = (double)(p - 1), delta = (double)half / top;
  for (int i = 0; i < d; i++) {
    uint64_t base = cs_pcg32_bounded(r, half);
    int down = (int)cs_pcg32_bounded(r, 2);
    lev[i] = base + (down ? half : 0); /* going down starts delta above the base */
    step[i] = down ? -delta : delta;
    factor[i] = i;
  }
  for (int i = d; i > 1; i--) {
    uint32_t o = cs_pcg32_bounded(r, (uint32_t)i);
    int tmp = factor[i - 1];
    factor[i - 1] = factor[o];
    factor[o] = tmp;
  }
  for (int i = 0; i < d; i++) unit[i] = (double)lev[i] / top;
  for (int s = 1; s <= d; s++) {
    int i = factor[s - 1];
    memcpy(unit + (size_t)s * (size_t)d, unit + (size_t)(s - 1) * (size_t)d, (size_t)d * sizeof *unit);
    lev[i] = step[i] > 0 ? lev[i] + half : lev[i] - half;
    unit[(size_t)s * (size_t)d + (size_t)i] = (double)lev[i] / top;
  }
}

/* The per-trajectory scratch of morris_trajectory. */
typedef struct mscratch {
  int *factor;
  double *step;
  uint64_t *lev;
} mscratch;

static int mscratch_new(mscratch *m, int d) {
  m->factor = calloc((size_t)d, sizeof *m->factor);
  m->step = calloc((size_t)d, sizeof *m->step);
  m->lev = calloc((size_t)d, sizeof *m->lev);
  return m->factor && m->step && m->lev ? 0 : -1;
}

static void mscratch_free(mscratch *m) {
  free(m->factor);
  free(m->step);
  free(m->lev);
}

int cs_sens_design(cs_ctx *ctx, int design, uint64_t samples, int d, uint64_t levels, uint64_t seed,
                   double *unit) {
  cs_pcg32 r;
  size_t nd = (size_t)d;
  int rc = cs_sens_check(ctx, "sensitivity design", design, samples, d, levels);
  if (rc != CS_OK) return rc;
  if (design == CS_SWD_SOBOL) {
    cs_stream_init(&r, seed, 0, CS_ENT_NONE, 0, PURPOSE_SOBOL);
    for (uint64_t j = 0; j < samples; j++) {
      double *a = unit + (size_t)j * (nd + 2) * nd, *b = a + nd;
      for (size_t i = 0; i < nd; i++) a[i] = cs_rng_uniform(&r);
      for (size_t i = 0; i < nd; i++) b[i] = cs_rng_uniform(&r);
      for (size_t i = 0; i < nd; i++) {
        double *ab = a + (2 + i) * nd;
        memcpy(ab, a, nd * sizeof *ab);
        ab[i] = b[i];
      }
    }
    return CS_OK;
  }
  mscratch m;
  if (mscratch_new(&m, d) != 0) {
    mscratch_free(&m);
    return cs_err(ctx, CS_ENOMEM, "out of memory for the Morris design");
  }
  cs_stream_init(&r, seed, 0, CS_ENT_NONE, 0, PURPOSE_MORRIS);
  for (uint64_t t = 0; t < samples; t++)
    morris_trajectory(&r, d, levels, unit + (size_t)t * (nd + 1) * nd, m.factor, m.step, m.lev);
  mscratch_free(&m);
  return CS_OK;
}

/* ---- the estimators ---- */

/* Sobol: S1 and ST of every parameter from the base rows idx[0..n-1] of
** the point values f (column m of y, stride nm). out[2 i] = S1_i,
** out[2 i + 1] = ST_i. */
static void sobol_est(const double *y, size_t nm, int d, const uint64_t *idx, uint64_t n, double *out) {
  size_t per = (size_t)d + 2;
  double sum = 0, v = 0, lo = INFINITY, hi = -INFINITY;
#define F(j, c) y[((size_t)(j) * per + (size_t)(c)) * nm]
  for (uint64_t k = 0; k < n; k++) {
    double a = F(idx[k], 0), b = F(idx[k], 1);
    sum += a + b;
    lo = fmin(lo, fmin(a, b));
    hi = fmax(hi, fmax(a, b));
  }
  double mean = sum / (2.0 * (double)n);
  for (uint64_t k = 0; k < n; k++) {
    double a = F(idx[k], 0) - mean, b = F(idx[k], 1) - mean;
    v += a * a + b * b;
  }
  /* equal values: V is 0, not the rounding error of their mean squared */
  v = lo == hi ? 0 : v / (2.0 * (double)n);
  for (int i = 0; i < d; i++) {
    double vi = 0, vt = 0;
    for (uint64_t k = 0; k < n; k++) {
      double a = F(idx[k], 0), b = F(idx[k], 1), ab = F(idx[k], 2 + i);
      vi += (b - mean) * (ab - a);
      vt += (a - ab) * (a - ab);
    }
    out[2 * i] = v > 0 ? vi / (double)n / v : NAN;
    out[2 * i + 1] = v > 0 ? vt / (2.0 * (double)n) / v : NAN;
  }
#undef F
}

/* Morris: mu_star of every parameter from trajectories idx[0..n-1] of the
** elementary effects ee[r][d]. */
static void morris_est(const double *ee, int d, const uint64_t *idx, uint64_t n, double *out) {
  for (int i = 0; i < d; i++) {
    double s = 0;
    for (uint64_t k = 0; k < n; k++) s += fabs(ee[idx[k] * (uint64_t)d + (uint64_t)i]);
    out[i] = s / (double)n;
  }
}

/* Percentile interval and standard deviation of the finite values among
** x[0..n-1] (reordered); NaN when fewer than half are finite. */
static void interval(double *x, uint64_t n, double *lo, double *hi, double *se) {
  uint64_t k = 0;
  *lo = *hi = *se = NAN;
  for (uint64_t b = 0; b < n; b++)
    if (isfinite(x[b])) x[k++] = x[b];
  if (k < 2 || 2 * k < n) return;
  qsort(x, (size_t)k, sizeof *x, cs_stats_cmp_double);
  *lo = cs_stats_quantile(x, k, (1 - CS_SENS_LEVEL) / 2);
  *hi = cs_stats_quantile(x, k, 1 - (1 - CS_SENS_LEVEL) / 2);
  *se = sqrt(cs_stats_variance(x, (int)k));
}

void cs_sens_free(cs_sens *s) {
  if (!s) return;
  free(s->est);
  free(s->variance);
  free(s->n_nonfinite);
  free(s);
}

int cs_sens_analyse(cs_ctx *ctx, int design, uint64_t samples, int d, uint64_t levels, uint64_t seed,
                    uint64_t bootstrap, const double *y, uint64_t replicates, int n_metrics, cs_sens **out) {
  int rc = cs_sens_check(ctx, "sensitivity analysis", design, samples, d, levels);
  if (rc != CS_OK) return rc;
  if (replicates < 1 || n_metrics < 0 || bootstrap > INT32_MAX || samples > INT32_MAX)
    return cs_err(ctx, CS_EINVAL, "sensitivity analysis: bad shape");
  uint64_t np = cs_sens_n_points(design, samples, d);
  size_t nm = (size_t)n_metrics, nd = (size_t)d, B = (size_t)bootstrap, n = (size_t)samples;
  int sobol = design == CS_SWD_SOBOL, nf = sobol ? CS_SENS_SOBOL_FIELDS : CS_SENS_MORRIS_FIELDS;
  size_t per_est = sobol ? 2 * nd : nd; /* resampled values per resample */
  cs_sens *s = calloc(1, sizeof *s);
  double *pt = malloc(((size_t)np * (nm ? nm : 1)) * sizeof *pt);
  double *ee = sobol ? NULL : malloc(n * nd * sizeof *ee);
  double *boot = malloc((B ? B : 1) * per_est * sizeof *boot), *col = malloc((B ? B : 1) * sizeof *col);
  double *est = malloc(per_est * sizeof *est), *unit = sobol ? NULL : malloc((nd + 1) * nd * sizeof *unit);
  uint64_t *idx = malloc(n * sizeof *idx);
  mscratch ms = {0};
  if (!s || !pt || (!sobol && (!ee || !unit || mscratch_new(&ms, d))) || !boot || !col || !est || !idx) {
    rc = cs_err(ctx, CS_ENOMEM, "out of memory for the sensitivity analysis");
    goto done;
  }
  s->design = design;
  s->n_params = d;
  s->n_metrics = n_metrics;
  s->samples = samples;
  s->levels = sobol ? 0 : levels;
  s->bootstrap = bootstrap;
  s->n_fields = nf;
  s->est = malloc(((size_t)nf * nm * nd + 1) * sizeof *s->est);
  s->variance = malloc((nm + 1) * sizeof *s->variance);
  s->n_nonfinite = calloc(nm + 1, sizeof *s->n_nonfinite);
  if (!s->est || !s->variance || !s->n_nonfinite) {
    rc = cs_err(ctx, CS_ENOMEM, "out of memory for the sensitivity analysis");
    goto done;
  }
  for (size_t k = 0; k < (size_t)nf * nm * nd; k++) s->est[k] = NAN;
  /* the value of a point: the mean of its replicates */
  for (uint64_t p = 0; p < np; p++)
    for (size_t m = 0; m < nm; m++) {
      double sum = 0;
      for (uint64_t r = 0; r < replicates; r++) sum += y[((size_t)(p * replicates + r)) * nm + m];
      pt[(size_t)p * nm + m] = sum / (double)replicates;
    }
  for (size_t j = 0; j < n; j++) idx[j] = j;
  for (size_t m = 0; m < nm; m++) {
    double mean = 0, var = 0, lo = INFINITY, hi = -INFINITY;
    for (uint64_t p = 0; p < np; p++) {
      double v = pt[(size_t)p * nm + m];
      if (!isfinite(v)) s->n_nonfinite[m]++;
      else mean += v, lo = fmin(lo, v), hi = fmax(hi, v);
    }
    mean /= (double)np;
    for (uint64_t p = 0; p < np; p++) var += (pt[(size_t)p * nm + m] - mean) * (pt[(size_t)p * nm + m] - mean);
    s->variance[m] = s->n_nonfinite[m] ? NAN : lo == hi ? 0 : var / (double)(np - 1);
    if (s->n_nonfinite[m]) continue;
    const double *f = pt + m;
    if (sobol) {
      sobol_est(f, nm, d, idx, samples, est);
      for (size_t i = 0; i < nd; i++) {
        field(s, CS_SENS_S1)[m * nd + i] = est[2 * i];
        field(s, CS_SENS_ST)[m * nd + i] = est[2 * i + 1];
      }
    } else {
      /* the elementary effects, trajectory by trajectory, from the design's own stream */
      cs_pcg32 r;
      cs_stream_init(&r, seed, 0, CS_ENT_NONE, 0, PURPOSE_MORRIS);
      for (size_t t = 0; t < n; t++) {
        morris_trajectory(&r, d, levels, unit, ms.factor, ms.step, ms.lev);
        const double *ft = f + t * (nd + 1) * nm;
        for (size_t st = 1; st <= nd; st++) {
          int i = ms.factor[st - 1];
          ee[t * nd + (size_t)i] = (ft[st * nm] - ft[(st - 1) * nm]) / ms.step[i];
        }
      }
      for (size_t i = 0; i < nd; i++) {
        double sum = 0, abs_sum = 0, ss = 0;
        for (size_t t = 0; t < n; t++) sum += ee[t * nd + i], abs_sum += fabs(ee[t * nd + i]);
        double mu = sum / (double)n;
        for (size_t t = 0; t < n; t++) ss += (ee[t * nd + i] - mu) * (ee[t * nd + i] - mu);
        field(s, CS_SENS_MU)[m * nd + i] = mu;
        field(s, CS_SENS_MU_STAR)[m * nd + i] = abs_sum / (double)n;
        field(s, CS_SENS_SIGMA)[m * nd + i] = sqrt(ss / (double)(n - 1));
      }
    }
    if (!B) continue;
    /* the bootstrap: the same resamples for every metric (the stream replayed) */
    cs_pcg32 rb;
    cs_stream_init(&rb, seed, 0, CS_ENT_NONE, 0, PURPOSE_BOOT);
    for (size_t b = 0; b < B; b++) { /* idx holds the resample, and the identity again after */
      for (size_t j = 0; j < n; j++) idx[j] = cs_pcg32_bounded(&rb, (uint32_t)n);
      if (sobol) sobol_est(f, nm, d, idx, samples, boot + b * per_est);
      else morris_est(ee, d, idx, samples, boot + b * per_est);
    }
    for (size_t j = 0; j < n; j++) idx[j] = j;
    for (size_t e = 0; e < per_est; e++) {
      size_t i = sobol ? e / 2 : e;
      int base = sobol ? (e % 2 ? CS_SENS_ST : CS_SENS_S1) : CS_SENS_MU_STAR;
      for (size_t b = 0; b < B; b++) col[b] = boot[b * per_est + e];
      interval(col, B, &field(s, base + 1)[m * nd + i], &field(s, base + 2)[m * nd + i],
               &field(s, base + 3)[m * nd + i]);
    }
  }
  *out = s;
  s = NULL;
done:
  cs_sens_free(s);
  mscratch_free(&ms);
  free(idx);
  free(unit);
  free(est);
  free(col);
  free(boot);
  free(ee);
  free(pt);
  return rc;
}
