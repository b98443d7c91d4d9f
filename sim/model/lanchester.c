/* lanchester.c: the stochastic Lanchester engagement (see lanchester.h for the
** chain, the two laws, the draw contract and the cost).
**
** Invariants of the loop in cs_lanchester_run: 0 <= A_loss < bA and
** 0 <= D_loss < bD while it runs (nobody has broken), t <= t_max is the time
** of the last casualty, and obs_t[0..k) have been written with the state in
** force at those times. */
#include "lanchester.h"

#include <float.h>
#include <math.h>
#include <stddef.h>

int64_t cs_lanchester_breakpoint(int64_t n, double beta) {
  if (n <= 0 || !(beta >= 0.0 && beta <= 1.0) || n > CS_LANCHESTER_MAX_FORCE) return 0;
  double x = beta * (double)n, near = nearbyint(x);
  double b = fabs(x - near) <= fmin(1e-9 * x, 1e-6) ? near : ceil(x);
  if (b < 1.0) return 1;
  if (b >= (double)n) return n;
  return (int64_t)b;
}

static int bad_lethality(double a) { return !(a >= 0.0) || !isfinite(a); }

static int validate(cs_ctx *ctx, const cs_pcg32 *r, const cs_lanchester_in *in,
                    const cs_lanchester_out *out) {
  if (!r || !in || !out) return cs_err(ctx, CS_EINVAL, "lanchester: NULL argument");
  if (in->A0 < 0 || in->D0 < 0 || in->A0 > CS_LANCHESTER_MAX_FORCE ||
      in->D0 > CS_LANCHESTER_MAX_FORCE)
    return cs_err(ctx, CS_EINVAL, "lanchester: forces A0 = %lld, D0 = %lld not in [0, 2^53]",
                  (long long)in->A0, (long long)in->D0);
  if (bad_lethality(in->aA) || bad_lethality(in->aD))
    return cs_err(ctx, CS_EINVAL, "lanchester: lethalities aA = %g, aD = %g must be finite, >= 0",
                  in->aA, in->aD);
  if (!isfinite(in->aA * (double)in->A0 + in->aD * (double)in->D0))
    return cs_err(ctx, CS_EINVAL, "lanchester: casualty rate overflows");
  if (in->law != CS_LAW_SQUARE && in->law != CS_LAW_LINEAR)
    return cs_err(ctx, CS_EINVAL, "lanchester: unknown law %d", (int)in->law);
  if (!(in->beta_A >= 0.0 && in->beta_A <= 1.0) || !(in->beta_D >= 0.0 && in->beta_D <= 1.0))
    return cs_err(ctx, CS_EINVAL, "lanchester: beta_A = %g, beta_D = %g not in [0, 1]", in->beta_A,
                  in->beta_D);
  if (!(in->t_max >= 0.0)) return cs_err(ctx, CS_EINVAL, "lanchester: t_max = %g", in->t_max);
  if (in->n_obs < 0) return cs_err(ctx, CS_EINVAL, "lanchester: n_obs = %d", in->n_obs);
  if (in->n_obs > 0 && (!in->obs_t || !in->obs_A || !in->obs_D))
    return cs_err(ctx, CS_EINVAL, "lanchester: n_obs = %d with a NULL array", in->n_obs);
  for (int i = 0; i < in->n_obs; i++) {
    double prev = i > 0 ? in->obs_t[i - 1] : 0.0;
    if (!(in->obs_t[i] >= prev))
      return cs_err(ctx, CS_EINVAL, "lanchester: obs_t[%d] = %g is negative, NaN or decreasing",
                    i, in->obs_t[i]);
  }
  return CS_OK;
}

int cs_lanchester_run(cs_ctx *ctx, cs_pcg32 *r, const cs_lanchester_in *in,
                      cs_lanchester_out *out) {
  int rc = validate(ctx, r, in, out);
  if (rc != CS_OK) return rc;

  const int64_t A0 = in->A0, D0 = in->D0;
  const int64_t bA = cs_lanchester_breakpoint(A0, in->beta_A);
  const int64_t bD = cs_lanchester_breakpoint(D0, in->beta_D);
  const double aA = in->aA, aD = in->aD, t_max = in->t_max;
  const int linear = in->law == CS_LAW_LINEAR;
  int64_t A = A0, D = D0;
  double t = 0.0;
  uint64_t steps = 0;
  int outcome = 0, k = 0;

  if (A0 == 0) {
    outcome = -1;
  } else if (D0 == 0) {
    outcome = +1;
  } else if (aA == 0.0 && aD == 0.0) {
    t = isinf(t_max) ? 0.0 : t_max;
  } else {
    for (;;) {
      /* Rates of attacker (lA) and defender (lD) casualties. Under the linear
      ** law the target's surviving share A/A0 <= 1 multiplies the square-law
      ** rate, so nothing can overflow once aA A0 + aD D0 is finite. */
      double lA = aD * (double)D, lD = aA * (double)A;
      if (linear) {
        lA *= (double)A / (double)A0;
        lD *= (double)D / (double)D0;
      }
      /* rate > 0 since A, D > 0 and aA or aD > 0, unless a subnormal
      ** lethality underflows: then, as for tn == inf, no casualty ever comes
      ** and the run ends as a time limit, at t_max if it is finite. */
      double rate = lA + lD;
      double tn = rate > 0.0 ? t + cs_rng_exp(r, rate) : INFINITY;
      for (; k < in->n_obs && in->obs_t[k] < tn; k++) {
        in->obs_A[k] = A;
        in->obs_D[k] = D;
      }
      if (tn > t_max || isinf(tn)) {
        if (!isinf(t_max)) t = t_max;
        break;
      }
      t = tn;
      steps++;
      if (cs_rng_uniform(r) * rate < lA) {
        A--;
        if (A0 - A >= bA) {
          outcome = -1;
          break;
        }
      } else {
        D--;
        if (D0 - D >= bD) {
          outcome = +1;
          break;
        }
      }
    }
  }
  for (; k < in->n_obs; k++) {
    in->obs_A[k] = A;
    in->obs_D[k] = D;
  }
  out->outcome = outcome;
  out->A_loss = A0 - A;
  out->D_loss = D0 - D;
  out->duration = t;
  out->steps = steps;
  return CS_OK;
}

int cs_lanchester_win_table(cs_ctx *ctx, int X, int Y, double aA, double aD, double *P) {
  if (X < 0 || Y < 0 || !P)
    return cs_err(ctx, CS_EINVAL, "lanchester: win table X = %d, Y = %d, P = %s", X, Y,
                  P ? "set" : "NULL");
  if ((size_t)Y + 1 > SIZE_MAX / ((size_t)X + 1))
    return cs_err(ctx, CS_EINVAL, "lanchester: win table %d x %d too large", X, Y);
  if (bad_lethality(aA) || bad_lethality(aD))
    return cs_err(ctx, CS_EINVAL, "lanchester: lethalities aA = %g, aD = %g must be finite, >= 0",
                  aA, aD);
  const size_t W = (size_t)Y + 1;
  for (int y = 0; y <= Y; y++) P[y] = 0.0;
  for (int x = 1; x <= X; x++) {
    double *row = P + (size_t)x * W, *prev = row - W;
    row[0] = 1.0;
    for (int y = 1; y <= Y; y++) {
      double hit = aA * x, tot = hit + aD * y;
      if (tot > 0.0) {
        double p = hit / tot;
        row[y] = p * row[y - 1] + (1.0 - p) * prev[y];
      } else {
        row[y] = 0.0;
      }
    }
  }
  return CS_OK;
}
