/* test_sensitivity.c: the Saltelli and Morris designs and their indices
** (sim/batch/sensitivity.c), on functions whose indices are known in closed
** form.
**
** - Sobol: the Ishigami function (Ishigami and Homma 1990, Proc. ISUMA '90,
**   398-403), f = sin x1 + a sin^2 x2 + b x3^4 sin x1 on [-pi, pi]^3,
**   evaluated on the module's own design; its variance decomposition is
**   derived below from a = 7, b = 0.1. Every estimate must lie within 4
**   bootstrap standard errors of the truth, and over many seeds the 95%
**   intervals must cover the truth about 95% of the time (one interval
**   misses one time in twenty, so six intervals at one seed would all cover
**   only about three times in four: coverage is a property of many).
** - Morris: a linear function, whose elementary effects are its
**   coefficients times the ranges, exactly (mu_star = |c| (hi - lo),
**   sigma = 0, and 0 for a parameter it ignores); a product, whose effects
**   vary (sigma > 0); the shape of the trajectories. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sensitivity.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* ---- Ishigami ---- */

#define ISH_A 7.0
#define ISH_B 0.1

static double ishigami(const double *x) {
  return sin(x[0]) + ISH_A * sin(x[1]) * sin(x[1]) + ISH_B * pow(x[2], 4) * sin(x[0]);
}

/* Closed form (x uniform on [-pi, pi]): with E[sin^2] = 1/2, E[sin^4] = 3/8,
** E[x^4] = pi^4 / 5, E[x^8] = pi^8 / 9:
**   V1 = Var E[f | x1] = (1 + b pi^4 / 5)^2 / 2
**   V2 = a^2 Var(sin^2 x2) = a^2 (3/8 - 1/4) = a^2 / 8
**   V13 = Var(b x3^4 sin x1) - the part of it in V1 = b^2 (pi^8/9 - pi^8/25) / 2
**   V3 = 0, V = V1 + V2 + V13.
** S1 = V1 / V, S2 = V2 / V, S3 = 0; ST1 = (V1 + V13) / V, ST2 = S2,
** ST3 = V13 / V. */
static void ishigami_truth(double s1[3], double st[3]) {
  double a = ISH_A, b = ISH_B, p4 = pow(M_PI, 4), p8 = pow(M_PI, 8);
  double v1 = 0.5 * (1 + b * p4 / 5) * (1 + b * p4 / 5);
  double v2 = a * a / 8;
  double v13 = 0.5 * b * b * (p8 / 9 - p8 / 25);
  double v = v1 + v2 + v13;
  s1[0] = v1 / v, s1[1] = v2 / v, s1[2] = 0;
  st[0] = (v1 + v13) / v, st[1] = v2 / v, st[2] = v13 / v;
}

/* Outcomes of the Ishigami function on the Sobol design of (n, seed):
** metric 0 is f, metric 1 is 10 f + 1000 (indices must not change), with
** `replicates` copies of each point, f + e and f - e alternating (their
** mean is f). Caller frees. */
static double *ishigami_outcomes(uint64_t n, uint64_t seed, uint64_t replicates) {
  uint64_t np = cs_sens_n_points(CS_SWD_SOBOL, n, 3);
  double *u = malloc(np * 3 * sizeof *u), *y = malloc(np * replicates * 2 * sizeof *y);
  cs_ctx ctx = {{0}};
  CHECK(u && y);
  CHECK(cs_sens_design(&ctx, CS_SWD_SOBOL, n, 3, 0, seed, u) == CS_OK);
  for (uint64_t p = 0; p < np; p++) {
    double x[3];
    for (int i = 0; i < 3; i++) x[i] = -M_PI + 2 * M_PI * u[p * 3 + (uint64_t)i];
    double f = ishigami(x);
    for (uint64_t r = 0; r < replicates; r++) {
      double e = replicates % 2 == 0 ? (r % 2 ? -0.25 : 0.25) : 0;
      y[(p * replicates + r) * 2] = f + e;
      y[(p * replicates + r) * 2 + 1] = 10 * (f + e) + 1000;
    }
  }
  free(u);
  return y;
}

static void test_sobol_design(void) {
  uint64_t n = 50, np = cs_sens_n_points(CS_SWD_SOBOL, n, 4);
  CHECK(np == n * 6);
  double *u = malloc(np * 4 * sizeof *u), *v = malloc(np * 4 * sizeof *v);
  cs_ctx ctx = {{0}};
  CHECK(cs_sens_design(&ctx, CS_SWD_SOBOL, n, 4, 0, 9, u) == CS_OK);
  CHECK(cs_sens_design(&ctx, CS_SWD_SOBOL, n, 4, 0, 9, v) == CS_OK);
  CHECK(memcmp(u, v, np * 4 * sizeof *u) == 0); /* a function of the seed */
  CHECK(cs_sens_design(&ctx, CS_SWD_SOBOL, n, 4, 0, 10, v) == CS_OK);
  CHECK(memcmp(u, v, np * 4 * sizeof *u) != 0);
  int ok = 1;
  for (uint64_t j = 0; j < n; j++) {
    const double *a = u + j * 6 * 4, *b = a + 4;
    for (int i = 0; i < 4; i++) {
      ok &= a[i] >= 0 && a[i] < 1 && b[i] >= 0 && b[i] < 1 && a[i] != b[i];
      const double *ab = a + (2 + i) * 4; /* AB_i: A with column i from B */
      for (int c = 0; c < 4; c++) ok &= ab[c] == (c == i ? b[c] : a[c]);
    }
  }
  CHECK(ok);
  free(u);
  free(v);
}

static void test_ishigami(void) {
  uint64_t n = 8192, B = 1000;
  double s1[3], st[3];
  ishigami_truth(s1, st);
  /* the values the literature quotes for a = 7, b = 0.1 (a check of the derivation) */
  CHECK_NEAR(s1[0], 0.3139, 1e-4);
  CHECK_NEAR(s1[1], 0.4424, 1e-4);
  CHECK_NEAR(st[0], 0.5576, 1e-4);
  CHECK_NEAR(st[2], 0.2437, 1e-4);
  double *y = ishigami_outcomes(n, 5, 2);
  cs_ctx ctx = {{0}};
  cs_sens *s = NULL;
  CHECK(cs_sens_analyse(&ctx, CS_SWD_SOBOL, n, 3, 0, 5, B, y, 2, 2, &s) == CS_OK);
  for (int i = 0; i < 3; i++) {
    double e1 = cs_sens_get(s, CS_SENS_S1, 0, i), se1 = cs_sens_get(s, CS_SENS_S1_SE, 0, i);
    double et = cs_sens_get(s, CS_SENS_ST, 0, i), set = cs_sens_get(s, CS_SENS_ST_SE, 0, i);
    CHECK(se1 > 0 && se1 < 0.05 && set > 0 && set < 0.05);
    CHECK_NEAR(e1, s1[i], 4 * se1);
    CHECK_NEAR(et, st[i], 4 * set);
    CHECK(cs_sens_get(s, CS_SENS_S1_LOW, 0, i) <= e1 && e1 <= cs_sens_get(s, CS_SENS_S1_HIGH, 0, i));
    CHECK(cs_sens_get(s, CS_SENS_ST_LOW, 0, i) <= et && et <= cs_sens_get(s, CS_SENS_ST_HIGH, 0, i));
    /* an affine change of the output changes no index (up to rounding) */
    for (int f = 0; f < CS_SENS_SOBOL_FIELDS; f++)
      CHECK_NEAR(cs_sens_get(s, f, 1, i), cs_sens_get(s, f, 0, i), 1e-9);
  }
  CHECK(s->n_nonfinite[0] == 0 && s->variance[0] > 0);
  cs_sens_free(s);
  free(y);
}

/* Coverage of the 95% intervals over 40 seeds x 6 indices = 240 intervals.
** If each covers with probability 0.95 the count is Binomial(240, 0.95):
** mean 228, sd 3.4; 204 (85%) is 7 sd below, so the check fails only for
** intervals that are too narrow. */
static void test_ishigami_coverage(void) {
  uint64_t n = 512, B = 400;
  double s1[3], st[3];
  int covered = 0, total = 0;
  ishigami_truth(s1, st);
  for (uint64_t seed = 100; seed < 140; seed++) {
    double *y = ishigami_outcomes(n, seed, 1);
    cs_ctx ctx = {{0}};
    cs_sens *s = NULL;
    CHECK(cs_sens_analyse(&ctx, CS_SWD_SOBOL, n, 3, 0, seed, B, y, 1, 2, &s) == CS_OK);
    for (int i = 0; s && i < 3; i++) {
      covered += cs_sens_get(s, CS_SENS_S1_LOW, 0, i) <= s1[i] && s1[i] <= cs_sens_get(s, CS_SENS_S1_HIGH, 0, i);
      covered += cs_sens_get(s, CS_SENS_ST_LOW, 0, i) <= st[i] && st[i] <= cs_sens_get(s, CS_SENS_ST_HIGH, 0, i);
      total += 2;
    }
    cs_sens_free(s);
    free(y);
  }
  fprintf(stderr, "Ishigami: %d of %d intervals cover the truth\n", covered, total);
  CHECK(total == 240 && covered >= 204);
}

/* Replicates are averaged: f + e and f - e give the indices of f. A metric
** with a NaN somewhere gets NaN indices; a constant one NaN Sobol indices. */
static void test_replicates_and_degenerate(void) {
  uint64_t n = 64, np = cs_sens_n_points(CS_SWD_SOBOL, n, 3);
  double *y1 = ishigami_outcomes(n, 3, 1), *y2 = ishigami_outcomes(n, 3, 2);
  cs_ctx ctx = {{0}};
  cs_sens *a = NULL, *b = NULL;
  CHECK(cs_sens_analyse(&ctx, CS_SWD_SOBOL, n, 3, 0, 3, 50, y1, 1, 2, &a) == CS_OK);
  CHECK(cs_sens_analyse(&ctx, CS_SWD_SOBOL, n, 3, 0, 3, 50, y2, 2, 2, &b) == CS_OK);
  for (int f = 0; a && b && f < CS_SENS_SOBOL_FIELDS; f++)
    for (int i = 0; i < 3; i++) CHECK_NEAR(cs_sens_get(a, f, 0, i), cs_sens_get(b, f, 0, i), 1e-12);
  cs_sens_free(a);
  cs_sens_free(b);
  for (uint64_t p = 0; p < np; p++) y1[p * 2 + 1] = 42; /* metric 1 constant */
  y1[7 * 2] = NAN;                                       /* metric 0: one NaN */
  a = NULL;
  CHECK(cs_sens_analyse(&ctx, CS_SWD_SOBOL, n, 3, 0, 3, 50, y1, 1, 2, &a) == CS_OK);
  CHECK(a && a->n_nonfinite[0] == 1 && a->n_nonfinite[1] == 0 && isnan(a->variance[0]) && a->variance[1] == 0);
  for (int f = 0; a && f < CS_SENS_SOBOL_FIELDS; f++)
    for (int i = 0; i < 3; i++) CHECK(isnan(cs_sens_get(a, f, 0, i)) && isnan(cs_sens_get(a, f, 1, i)));
  cs_sens_free(a);
  free(y1);
  free(y2);
}

/* ---- Morris ---- */

static const double LO[4] = {0, -1, 10, 0.5}, HI[4] = {2, 1, 20, 4.5};

/* Every trajectory: d + 1 points on the levels; point s differs from point
** s - 1 in exactly one parameter, by exactly +-delta; each parameter moves
** once. */
static void test_morris_design(void) {
  int d = 4;
  uint64_t r = 30, p = 6;
  double delta = (double)(p / 2) / (double)(p - 1);
  uint64_t np = cs_sens_n_points(CS_SWD_MORRIS, r, d);
  CHECK(np == r * 5);
  double *u = malloc(np * (uint64_t)d * sizeof *u);
  cs_ctx ctx = {{0}};
  CHECK(cs_sens_design(&ctx, CS_SWD_MORRIS, r, d, p, 4, u) == CS_OK);
  int ok = 1, up = 0, down = 0;
  for (uint64_t t = 0; t < r; t++) {
    int moved[4] = {0, 0, 0, 0};
    const double *x = u + t * 5 * (uint64_t)d;
    for (int k = 0; k < 5 * d; k++) {
      double l = x[k] * (double)(p - 1);
      ok &= x[k] >= 0 && x[k] <= 1 && fabs(l - round(l)) < 1e-12;
    }
    for (int s = 1; s <= d; s++) {
      int changed = 0;
      for (int i = 0; i < d; i++) {
        double dx = x[s * d + i] - x[(s - 1) * d + i];
        if (dx != 0) {
          changed++;
          moved[i]++;
          ok &= fabs(fabs(dx) - delta) < 1e-12;
          up += dx > 0, down += dx < 0;
        }
      }
      ok &= changed == 1;
    }
    for (int i = 0; i < d; i++) ok &= moved[i] == 1;
  }
  CHECK(ok);
  CHECK(up > 0 && down > 0); /* both directions occur */
  free(u);
}

/* Outcomes of f(x) on the Morris design, x mapped from the unit cube onto
** [LO, HI]. Caller frees. */
static double *morris_outcomes(uint64_t r, int d, uint64_t p, uint64_t seed, double (*f)(const double *)) {
  uint64_t np = cs_sens_n_points(CS_SWD_MORRIS, r, d);
  double *u = malloc(np * (uint64_t)d * sizeof *u), *y = malloc(np * sizeof *y);
  cs_ctx ctx = {{0}};
  CHECK(cs_sens_design(&ctx, CS_SWD_MORRIS, r, d, p, seed, u) == CS_OK);
  for (uint64_t k = 0; k < np; k++) {
    double x[4];
    for (int i = 0; i < d; i++) x[i] = LO[i] + (HI[i] - LO[i]) * u[k * (uint64_t)d + (uint64_t)i];
    y[k] = f(x);
  }
  free(u);
  return y;
}

static const double C[4] = {3, -2, 0, 0.5};
static double linear(const double *x) { return C[0] * x[0] + C[1] * x[1] + C[2] * x[2] + C[3] * x[3]; }
static double product(const double *x) { return x[0] * x[1] + 2 * x[2]; }

static void test_morris_linear(void) {
  uint64_t r = 20;
  double *y = morris_outcomes(r, 4, 4, 8, linear);
  cs_ctx ctx = {{0}};
  cs_sens *s = NULL;
  CHECK(cs_sens_analyse(&ctx, CS_SWD_MORRIS, r, 4, 4, 8, 200, y, 1, 1, &s) == CS_OK);
  for (int i = 0; s && i < 4; i++) {
    double ee = C[i] * (HI[i] - LO[i]), tol = 1e-9 * (1 + fabs(ee));
    CHECK_NEAR(cs_sens_get(s, CS_SENS_MU_STAR, 0, i), fabs(ee), tol);
    CHECK_NEAR(cs_sens_get(s, CS_SENS_MU, 0, i), ee, tol);
    CHECK_NEAR(cs_sens_get(s, CS_SENS_SIGMA, 0, i), 0, tol);
    /* every resample has the same mu_star: a degenerate interval */
    CHECK_NEAR(cs_sens_get(s, CS_SENS_MU_STAR_LOW, 0, i), fabs(ee), tol);
    CHECK_NEAR(cs_sens_get(s, CS_SENS_MU_STAR_HIGH, 0, i), fabs(ee), tol);
    CHECK_NEAR(cs_sens_get(s, CS_SENS_MU_STAR_SE, 0, i), 0, tol);
  }
  CHECK(s && cs_sens_get(s, CS_SENS_MU_STAR, 0, 2) == 0); /* ignored parameter: exactly 0 */
  cs_sens_free(s);
  free(y);
}

/* f = x0 x1 + 2 x2: the effect of x0 is x1 (varies), of x1 is x0 (varies),
** of x2 is 2 (constant), of x3 is 0. */
static void test_morris_interaction(void) {
  uint64_t r = 40;
  double *y = morris_outcomes(r, 4, 4, 12, product);
  cs_ctx ctx = {{0}};
  cs_sens *s = NULL;
  CHECK(cs_sens_analyse(&ctx, CS_SWD_MORRIS, r, 4, 4, 12, 200, y, 1, 1, &s) == CS_OK);
  if (s) {
    CHECK(cs_sens_get(s, CS_SENS_SIGMA, 0, 0) > 0.1 && cs_sens_get(s, CS_SENS_SIGMA, 0, 1) > 0.1);
    CHECK_NEAR(cs_sens_get(s, CS_SENS_MU_STAR, 0, 2), 2 * (HI[2] - LO[2]), 1e-9);
    CHECK_NEAR(cs_sens_get(s, CS_SENS_SIGMA, 0, 2), 0, 1e-9);
    CHECK(cs_sens_get(s, CS_SENS_MU_STAR, 0, 3) == 0);
    for (int i = 0; i < 2; i++)
      CHECK(cs_sens_get(s, CS_SENS_MU_STAR_LOW, 0, i) < cs_sens_get(s, CS_SENS_MU_STAR, 0, i) &&
            cs_sens_get(s, CS_SENS_MU_STAR, 0, i) < cs_sens_get(s, CS_SENS_MU_STAR_HIGH, 0, i));
  }
  cs_sens_free(s);
  free(y);
}

static void test_bad_shapes(void) {
  cs_ctx ctx = {{0}};
  CHECK(cs_sens_check(&ctx, "s.lua", CS_SWD_SOBOL, 1, 3, 0) == CS_EINVAL && strstr(ctx.msg, "s.lua"));
  CHECK(cs_sens_check(&ctx, "s.lua", CS_SWD_SOBOL, 10, 0, 0) == CS_EINVAL);
  CHECK(cs_sens_check(&ctx, "s.lua", CS_SWD_MORRIS, 10, 3, 5) == CS_EINVAL && strstr(ctx.msg, "levels"));
  CHECK(cs_sens_check(&ctx, "s.lua", CS_SWD_CROSSED, 10, 3, 0) == CS_EINVAL);
  CHECK(cs_sens_check(&ctx, "s.lua", CS_SWD_SOBOL, UINT64_MAX / 2, 3, 0) == CS_EINVAL);
  CHECK(cs_sens_check(&ctx, "s.lua", CS_SWD_MORRIS, 10, 3, 4) == CS_OK);
  CHECK(cs_sens_n_points(CS_SWD_CROSSED, 10, 3) == 0);
}

int main(void) {
  test_sobol_design();
  test_ishigami();
  test_ishigami_coverage();
  test_replicates_and_degenerate();
  test_morris_design();
  test_morris_linear();
  test_morris_interaction();
  test_bad_shapes();
  return check_report();
}
