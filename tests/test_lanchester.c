/* test_lanchester.c: the stochastic Lanchester engagement (sim/model/lanchester.c),
** verification items 4 and 5 of sim/README.md, the linear law, time limits,
** breakpoints, the draw contract and determinism.
**
** Statistical tolerances. Every statistical check compares a mean of R iid
** replicates with its exact expectation: by the central limit theorem a
** correct implementation falls outside Z * SE with probability 2 (1 - Phi(Z));
** Z = 3.891 makes that 1e-4 per check (the brief asks for < 1e-3). SE is
** sqrt(p (1 - p) / R) for a proportion with exact p (binomial), and s /
** sqrt(R) for a mean, s the sample standard deviation (R >= 4000, so s is
** within a few per cent of sigma and the level barely moves). Seeds are fixed:
** a run is reproducible, and the tolerance says how unlucky a seed would have
** to be to fail a correct implementation. Exact (non-statistical) checks use
** 1e-12 for floating rounding. */
#include "lanchester.h"

#include "check.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define Z4 3.891 /* two-sided 1e-4 normal quantile */

static cs_lanchester_in base_in(int64_t A0, int64_t D0, double aA, double aD, cs_law law,
                                double beta, double t_max) {
  cs_lanchester_in in;
  memset(&in, 0, sizeof in);
  in.A0 = A0;
  in.D0 = D0;
  in.aA = aA;
  in.aD = aD;
  in.law = law;
  in.beta_A = beta;
  in.beta_D = beta;
  in.t_max = t_max;
  return in;
}

/* ------------------------------------------------------------------ */
/* Breakpoints: ceil(beta n), at least 1, exact on decimal products.   */

static void test_breakpoint(void) {
  CHECK(cs_lanchester_breakpoint(100, 0.15) == 15);
  CHECK(cs_lanchester_breakpoint(100, 0.14) == 14); /* 0.14*100 = 14.000000000000002 */
  CHECK(cs_lanchester_breakpoint(100, 0.07) == 7);  /* 7.000000000000001 */
  CHECK(cs_lanchester_breakpoint(100, 0.55) == 55); /* 55.00000000000001 */
  CHECK(cs_lanchester_breakpoint(20, 0.15) == 3);
  CHECK(cs_lanchester_breakpoint(1000001, 0.5) == 500001); /* ceil, not round */
  CHECK(cs_lanchester_breakpoint(7, 0.15) == 2);    /* ceil(1.05) */
  CHECK(cs_lanchester_breakpoint(1, 0.15) == 1);
  CHECK(cs_lanchester_breakpoint(3, 0.0) == 1);     /* breaks at the first casualty */
  CHECK(cs_lanchester_breakpoint(10, 1.0) == 10);   /* annihilation */
  CHECK(cs_lanchester_breakpoint(10, 0.5) == 5);
  CHECK(cs_lanchester_breakpoint(11, 0.5) == 6);
  CHECK(cs_lanchester_breakpoint(0, 0.5) == 0);     /* empty side: broken already */
  CHECK(cs_lanchester_breakpoint(10, 1.5) == 0);    /* invalid beta */
  CHECK(cs_lanchester_breakpoint(10, NAN) == 0);
  CHECK(cs_lanchester_breakpoint(-3, 0.5) == 0);
}

/* ------------------------------------------------------------------ */
/* Invalid inputs: CS_EINVAL, a message, and *out left untouched.      */

static int run_is_einval(cs_lanchester_in in) {
  cs_ctx ctx = {""};
  cs_pcg32 r;
  cs_pcg32_seed(&r, 1, 1);
  cs_pcg32 r0 = r;
  cs_lanchester_out out = {7, 7, 7, 7.0, 7};
  int rc = cs_lanchester_run(&ctx, &r, &in, &out);
  return rc == CS_EINVAL && ctx.msg[0] != '\0' && out.outcome == 7 && out.A_loss == 7 &&
         out.D_loss == 7 && out.duration == 7.0 && out.steps == 7 && r.state == r0.state;
}

static void test_invalid(void) {
  const cs_lanchester_in ok = base_in(10, 10, 0.1, 0.1, CS_LAW_SQUARE, 0.5, 5.0);
  cs_lanchester_in in;
  double ot[2] = {1.0, 0.5};
  int64_t oa[2], od[2];

  in = ok; in.A0 = -1; CHECK(run_is_einval(in));
  in = ok; in.D0 = -1; CHECK(run_is_einval(in));
  in = ok; in.A0 = CS_LANCHESTER_MAX_FORCE + 1; CHECK(run_is_einval(in));
  in = ok; in.aA = -0.1; CHECK(run_is_einval(in));
  in = ok; in.aD = NAN; CHECK(run_is_einval(in));
  in = ok; in.aD = INFINITY; CHECK(run_is_einval(in));
  in = ok; in.aA = 1e300; in.A0 = CS_LANCHESTER_MAX_FORCE; CHECK(run_is_einval(in));
  in = ok; in.beta_A = -0.1; CHECK(run_is_einval(in));
  in = ok; in.beta_A = 1.1; CHECK(run_is_einval(in));
  in = ok; in.beta_A = NAN; CHECK(run_is_einval(in));
  in = ok; in.beta_D = -0.1; CHECK(run_is_einval(in));
  in = ok; in.beta_D = 1.1; CHECK(run_is_einval(in));
  in = ok; in.beta_D = NAN; CHECK(run_is_einval(in));
  in = ok; in.t_max = -1.0; CHECK(run_is_einval(in));
  in = ok; in.t_max = NAN; CHECK(run_is_einval(in));
  in = ok; in.law = (cs_law)7; CHECK(run_is_einval(in));
  in = ok; in.n_obs = -1; CHECK(run_is_einval(in));
  in = ok; in.n_obs = 2; in.obs_t = ot; in.obs_A = oa; in.obs_D = NULL;
  CHECK(run_is_einval(in));
  in = ok; in.n_obs = 2; in.obs_t = ot; in.obs_A = oa; in.obs_D = od; /* decreasing */
  CHECK(run_is_einval(in));
  ot[0] = -1.0; /* negative */
  CHECK(run_is_einval(in));
  ot[0] = NAN;
  CHECK(run_is_einval(in));

  cs_pcg32 r;
  cs_pcg32_seed(&r, 1, 1);
  cs_lanchester_out out;
  in = ok;
  CHECK(cs_lanchester_run(NULL, NULL, &in, &out) == CS_EINVAL);
  CHECK(cs_lanchester_run(NULL, &r, NULL, &out) == CS_EINVAL);
  CHECK(cs_lanchester_run(NULL, &r, &in, NULL) == CS_EINVAL);

  double P[4] = {9, 9, 9, 9};
  CHECK(cs_lanchester_win_table(NULL, -1, 1, 1, 1, P) == CS_EINVAL);
  CHECK(cs_lanchester_win_table(NULL, 1, 1, -1, 1, P) == CS_EINVAL);
  CHECK(cs_lanchester_win_table(NULL, 1, 1, 1, NAN, P) == CS_EINVAL);
  CHECK(cs_lanchester_win_table(NULL, 1, 1, 1, 1, NULL) == CS_EINVAL);
  CHECK(P[0] == 9 && P[3] == 9);
}

/* ------------------------------------------------------------------ */
/* Edge cases documented in lanchester.h.                              */

static void test_edge_cases(void) {
  cs_pcg32 r;
  cs_pcg32_seed(&r, 3, 4);
  cs_lanchester_out out;
  double ot[2] = {0.0, 10.0};
  int64_t oa[2], od[2];
  cs_lanchester_in in;

  in = base_in(0, 5, 0.1, 0.1, CS_LAW_SQUARE, 0.5, 4.0);
  CHECK(cs_lanchester_run(NULL, &r, &in, &out) == CS_OK);
  CHECK(out.outcome == -1 && out.duration == 0.0 && out.steps == 0 && out.A_loss == 0 &&
        out.D_loss == 0);
  in = base_in(0, 0, 0.1, 0.1, CS_LAW_SQUARE, 0.5, 4.0);
  CHECK(cs_lanchester_run(NULL, &r, &in, &out) == CS_OK);
  CHECK(out.outcome == -1 && out.duration == 0.0);
  in = base_in(5, 0, 0.1, 0.1, CS_LAW_LINEAR, 0.5, 4.0);
  CHECK(cs_lanchester_run(NULL, &r, &in, &out) == CS_OK);
  CHECK(out.outcome == +1 && out.duration == 0.0 && out.steps == 0);

  in = base_in(5, 6, 0.0, 0.0, CS_LAW_SQUARE, 0.5, 4.0);
  in.obs_t = ot; in.n_obs = 2; in.obs_A = oa; in.obs_D = od;
  cs_pcg32 r0 = r;
  CHECK(cs_lanchester_run(NULL, &r, &in, &out) == CS_OK);
  CHECK(out.outcome == 0 && out.duration == 4.0 && out.steps == 0);
  CHECK(oa[0] == 5 && od[0] == 6 && oa[1] == 5 && od[1] == 6);
  CHECK(r.state == r0.state); /* no draws when nobody can fire */
  in.t_max = INFINITY;
  CHECK(cs_lanchester_run(NULL, &r, &in, &out) == CS_OK);
  CHECK(out.outcome == 0 && out.duration == 0.0);

  /* t_max = 0: no time to fight. */
  in = base_in(5, 6, 0.1, 0.1, CS_LAW_SQUARE, 0.5, 0.0);
  CHECK(cs_lanchester_run(NULL, &r, &in, &out) == CS_OK);
  CHECK(out.outcome == 0 && out.duration == 0.0 && out.steps == 0);

  /* A harmless attacker against a lethal defender is worn down to its
  ** breakpoint and inflicts nothing. */
  in = base_in(10, 3, 0.0, 0.2, CS_LAW_SQUARE, 0.5, INFINITY);
  CHECK(cs_lanchester_run(NULL, &r, &in, &out) == CS_OK);
  CHECK(out.outcome == -1 && out.A_loss == 5 && out.D_loss == 0);
}

/* ------------------------------------------------------------------ */
/* Verification 4: square-law mean strengths.                         */
/*
** Derivation. Under the square law the casualty rates aD D and aA A are linear
** in the state, so Kolmogorov's forward equation gives, for the chain without
** breakpoints, d E[A]/dt = -aD E[D] and d E[D]/dt = -aA E[A] exactly: the mean
** is the solution of the deterministic ODE, with no 1/N correction (that
** correction appears only for rates nonlinear in the state, e.g. the linear
** law). With w = sqrt(aA aD), A(0) = A0, A'(0) = -aD D0:
**   A(t) = A0 cosh(wt) - sqrt(aD/aA) D0 sinh(wt),
**   D(t) = D0 cosh(wt) - sqrt(aA/aD) A0 sinh(wt).
** The simulated chain stops at a breakpoint; the two differ only on the event
** that a breakpoint was reached before t. With A0 = 2000, D0 = 1500,
** aA = 0.02, aD = 0.01, beta = 0.5 (breakpoints 1000 and 750) the last time
** observed is t = 14 days, where E[D losses] = 534 and E[A losses] = 172. D's
** losses have a standard deviation of about sqrt(534) = 23 (a death process:
** variance near the mean), so reaching 750 by t = 14 is more than 9 standard
** deviations away (probability < 1e-18); the bias it could cause, at most
** 2000 * 1e-18, is nothing beside the tolerance (Z4 * s / sqrt(R) ~ 1.3).
** The fight (the run is cut at t_max = 14, outcome 0) costs ~700 steps. */

static void test_square_mean(void) {
  enum { R = 4000, NT = 5 };
  const double ts[NT] = {0.0, 2.0, 5.0, 10.0, 14.0};
  const double A0 = 2000, D0 = 1500, aA = 0.02, aD = 0.01, w = sqrt(aA * aD);
  double sA[NT] = {0}, sD[NT] = {0}, qA[NT] = {0}, qD[NT] = {0};
  int64_t oa[NT], od[NT];
  cs_lanchester_in in = base_in(2000, 1500, aA, aD, CS_LAW_SQUARE, 0.5, 14.0);
  in.obs_t = ts; in.n_obs = NT; in.obs_A = oa; in.obs_D = od;
  cs_pcg32 r;
  cs_pcg32_seed(&r, 74, 1);
  int all_limit = 1;
  for (int rep = 0; rep < R; rep++) {
    cs_lanchester_out out;
    if (cs_lanchester_run(NULL, &r, &in, &out) != CS_OK) { CHECK(0); return; }
    all_limit &= out.outcome == 0 && out.duration == 14.0;
    for (int i = 0; i < NT; i++) {
      sA[i] += (double)oa[i]; qA[i] += (double)oa[i] * (double)oa[i];
      sD[i] += (double)od[i]; qD[i] += (double)od[i] * (double)od[i];
    }
  }
  CHECK(all_limit);
  for (int i = 0; i < NT; i++) {
    double c = cosh(w * ts[i]), s = sinh(w * ts[i]);
    double eA = A0 * c - sqrt(aD / aA) * D0 * s, eD = D0 * c - sqrt(aA / aD) * A0 * s;
    double mA = sA[i] / R, mD = sD[i] / R;
    double vA = (qA[i] - R * mA * mA) / (R - 1), vD = (qD[i] - R * mD * mD) / (R - 1);
    if (i == 0) { /* no event at exactly t = 0: the initial state, no variance */
      CHECK(mA == A0 && mD == D0);
      continue;
    }
    CHECK_NEAR(mA, eA, Z4 * sqrt(vA / R));
    CHECK_NEAR(mD, eD, Z4 * sqrt(vD / R));
  }
}

/* ------------------------------------------------------------------ */
/* Verification 5: the win-probability table and the chain.           */

#define IDX(x, y) ((size_t)(x) * (size_t)(Y + 1) + (size_t)(y))

/* Known answers and structure of the exact recursion.
** - First-step analysis: P(1, 1) = aA / (aA + aD).
** - P(1, y): the lone attacker must hit y times before being hit once; with
**   k defenders left it hits first with probability aA / (aA + aD k), so
**   P(1, y) = prod_{k=1..y} aA / (aA + aD k).
** - P(x, 1): the lone defender must hit x times first:
**   P(x, 1) = 1 - prod_{k=1..x} aD / (aD + aA k).
** - Duality: the chain from (x, y) with lethalities (aA, aD) is the chain from
**   (y, x) with (aD, aA) with the sides swapped, so P_{aA,aD}(x, y) +
**   P_{aD,aA}(y, x) = 1 for x, y >= 1; with aA = aD, P(x, x) = 1/2.
** - Only the ratio aA / aD matters (scaling both rescales time).
** - More attackers, fewer defenders or a more lethal attacker can only help:
**   P increases in x and aA and decreases in y (coupling argument). */
static void test_win_table(void) {
  enum { X = 50, Y = 50 };
  static double P[(X + 1) * (Y + 1)], Q[(X + 1) * (Y + 1)], S[(X + 1) * (Y + 1)],
      E[(X + 1) * (Y + 1)], H[(X + 1) * (Y + 1)];
  const double aA = 0.03, aD = 0.05;
  CHECK(cs_lanchester_win_table(NULL, X, Y, aA, aD, P) == CS_OK);
  CHECK(cs_lanchester_win_table(NULL, Y, X, aD, aA, Q) == CS_OK); /* dual, (Y+1) columns = X+1 */
  CHECK(cs_lanchester_win_table(NULL, X, Y, 7 * aA, 7 * aD, S) == CS_OK);
  CHECK(cs_lanchester_win_table(NULL, X, Y, 0.04, 0.04, E) == CS_OK);
  CHECK(cs_lanchester_win_table(NULL, X, Y, 1.5 * aA, aD, H) == CS_OK);

  CHECK(P[IDX(0, 0)] == 0.0);
  for (int x = 1; x <= X; x++) CHECK(P[IDX(x, 0)] == 1.0);
  for (int y = 1; y <= Y; y++) CHECK(P[IDX(0, y)] == 0.0);
  CHECK_NEAR(P[IDX(1, 1)], aA / (aA + aD), 1e-12);
  double p1y = 1.0, px1 = 1.0;
  for (int k = 1; k <= 50; k++) {
    p1y *= aA / (aA + aD * k);
    px1 *= aD / (aD + aA * k);
    CHECK_NEAR(P[IDX(1, k)], p1y, 1e-12);
    CHECK_NEAR(P[IDX(k, 1)], 1.0 - px1, 1e-12);
  }
  int dual = 1, scale = 1, half = 1, mono = 1;
  for (int x = 0; x <= X; x++)
    for (int y = 0; y <= Y; y++) {
      double p = P[IDX(x, y)];
      if (x >= 1 && y >= 1) dual &= fabs(p + Q[(size_t)y * (X + 1) + (size_t)x] - 1.0) < 1e-12;
      scale &= fabs(p - S[IDX(x, y)]) < 1e-12;
      if (x >= 1 && x == y) half &= fabs(E[IDX(x, y)] - 0.5) < 1e-12;
      mono &= p >= 0.0 && p <= 1.0 && H[IDX(x, y)] >= p - 1e-15;
      if (x < X) mono &= P[IDX(x + 1, y)] >= p - 1e-15;
      if (y < Y) mono &= P[IDX(x, y + 1)] <= p + 1e-15;
    }
  CHECK(dual);
  CHECK(scale);
  CHECK(half);
  CHECK(mono);

  /* Nobody can fire: nobody wins; one side harmless: the other always wins. */
  CHECK(cs_lanchester_win_table(NULL, 3, 3, 0.0, 0.0, E) == CS_OK);
  CHECK(E[1 * 4 + 1] == 0.0 && E[3 * 4 + 0] == 1.0);
  CHECK(cs_lanchester_win_table(NULL, 3, 3, 0.1, 0.0, E) == CS_OK);
  CHECK(E[1 * 4 + 3] == 1.0);
  CHECK(cs_lanchester_win_table(NULL, 3, 3, 0.0, 0.1, E) == CS_OK);
  CHECK(E[3 * 4 + 1] == 0.0);
}

/* The simulated chain (beta = 1, t_max = INFINITY) wins as often as the
** table says: each case is R Bernoulli(P) trials, SE = sqrt(P (1 - P) / R).
** The cases keep P between about 0.1 and 0.9 so that the check has power
** (SE <= 0.0035, tolerance <= 0.014). A fight to annihilation of x + y <= 100
** fighters takes fewer than 100 steps. */
static void test_win_prob_chain(void) {
  enum { R = 20000, X = 50, Y = 50 };
  static double P[(X + 1) * (Y + 1)];
  static const struct { int x, y; double aA, aD; } cases[] = {
      {10, 10, 0.05, 0.05}, {20, 15, 0.03, 0.05}, {50, 40, 0.02, 0.03},
      {5, 8, 0.1, 0.04},    {50, 50, 0.01, 0.013}, {1, 3, 0.2, 0.05},
      {3, 1, 0.02, 0.1},    {37, 50, 0.06, 0.035}};
  cs_pcg32 r;
  cs_pcg32_seed(&r, 75, 2);
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    if (cs_lanchester_win_table(NULL, X, Y, cases[c].aA, cases[c].aD, P) != CS_OK) { CHECK(0); return; }
    double p = P[IDX(cases[c].x, cases[c].y)];
    cs_lanchester_in in = base_in(cases[c].x, cases[c].y, cases[c].aA, cases[c].aD,
                                  CS_LAW_SQUARE, 1.0, INFINITY);
    int wins = 0, ends_ok = 1;
    for (int rep = 0; rep < R; rep++) {
      cs_lanchester_out out;
      if (cs_lanchester_run(NULL, &r, &in, &out) != CS_OK) { CHECK(0); return; }
      wins += out.outcome == 1;
      /* to annihilation: the loser has nobody left, the winner somebody */
      ends_ok &= out.outcome == 1 ? out.D_loss == cases[c].y && out.A_loss < cases[c].x
                                  : out.outcome == -1 && out.A_loss == cases[c].x &&
                                        out.D_loss < cases[c].y;
    }
    CHECK(ends_ok);
    CHECK(p > 0.05 && p < 0.95);
    CHECK_NEAR((double)wins / R, p, Z4 * sqrt(p * (1 - p) / R));
  }
  CHECK(cs_lanchester_win_table(NULL, X, Y, 0.05, 0.05, P) == CS_OK);
  CHECK_NEAR(P[IDX(10, 10)], 0.5, 1e-12);
}

/* ------------------------------------------------------------------ */
/* Linear law.                                                         */

/* Exact win probability under the linear law with breakpoints bA, bD.
** Derivation: the casualty rates are aD D A / A0 and aA A D / D0, so the
** next casualty is a defender with probability
**   q = (aA / D0) / (aA / D0 + aD / A0) = aA A0 / (aA A0 + aD D0),
** the same at every step (the common factor A D cancels): the order of
** casualties is a sequence of iid Bernoulli(q) trials, whatever the times.
** The attacker wins iff bD defender casualties come before bA attacker
** casualties, i.e. among the first bD + j trials, j < bA of them are
** attackers and the last is a defender (negative binomial):
**   P = sum_{j=0}^{bA-1} C(bD - 1 + j, j) q^bD (1 - q)^j. */
static double linear_win_exact(int64_t A0, int64_t D0, double aA, double aD, int64_t bA,
                               int64_t bD) {
  double q = aA * (double)A0 / (aA * (double)A0 + aD * (double)D0);
  double term = pow(q, (double)bD), sum = 0.0;
  for (int64_t j = 0; j < bA; j++) {
    sum += term;
    term *= (double)(bD + j) / (double)(j + 1) * (1.0 - q);
  }
  return sum;
}

static void test_linear(void) {
  enum { R = 20000 };
  cs_pcg32 r;
  cs_pcg32_seed(&r, 76, 3);
  static const struct { int64_t A0, D0; double aA, aD, beta; } cases[] = {
      {30, 20, 0.03, 0.06, 0.3},   /* bA = 9, bD = 6 */
      {25, 25, 0.04, 0.04, 0.5},   /* symmetric: P = 1/2 exactly */
      {200, 60, 0.01, 0.1, 0.15},  /* bA = 30, bD = 9 */
      {12, 40, 0.2, 0.02, 1.0}};   /* annihilation */
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    int64_t bA = cs_lanchester_breakpoint(cases[c].A0, cases[c].beta);
    int64_t bD = cs_lanchester_breakpoint(cases[c].D0, cases[c].beta);
    double p = linear_win_exact(cases[c].A0, cases[c].D0, cases[c].aA, cases[c].aD, bA, bD);
    cs_lanchester_in in = base_in(cases[c].A0, cases[c].D0, cases[c].aA, cases[c].aD,
                                  CS_LAW_LINEAR, cases[c].beta, INFINITY);
    int wins = 0;
    for (int rep = 0; rep < R; rep++) {
      cs_lanchester_out out;
      if (cs_lanchester_run(NULL, &r, &in, &out) != CS_OK) { CHECK(0); return; }
      wins += out.outcome == 1;
    }
    CHECK(p > 0.05 && p < 0.95);
    CHECK_NEAR((double)wins / R, p, Z4 * sqrt(p * (1 - p) / R));
    if (c == 1) CHECK_NEAR(p, 0.5, 1e-12);
  }
  /* Losses. With q as above, the attacker's casualties before the defender's
  ** bD-th are negative binomial: mean bD (1 - q) / q, variance bD (1 - q) / q^2,
  ** when the attacker's own breakpoint cannot interfere. From A0 = 100,
  ** D0 = 50, aA = aD = 0.05 to annihilation: q = 2/3, mean 25, sd 6.1, and
  ** bA = 100 is 12 sd away (its effect on the mean is negligible). This is
  ** what separates the laws: the square law's winner loses about
  ** 100 - sqrt(100^2 - 50^2) = 13.4 (the ODE invariant aA A^2 - aD D^2),
  ** while both laws agree on who wins in the ODE limit (aA A0^2 vs aD D0^2,
  ** thanks to the normalisation by A0, D0). SE = sd / sqrt(R). */
  {
    const double q = 2.0 / 3.0, mean = 50 * (1 - q) / q, sd = sqrt(50 * (1 - q)) / q;
    double sum_lin = 0.0, sum_sq = 0.0;
    for (int law = 0; law < 2; law++) {
      cs_lanchester_in in = base_in(100, 50, 0.05, 0.05, (cs_law)law, 1.0, INFINITY);
      double *sum = law == CS_LAW_LINEAR ? &sum_lin : &sum_sq;
      int won = 1;
      for (int rep = 0; rep < R; rep++) {
        cs_lanchester_out out;
        if (cs_lanchester_run(NULL, &r, &in, &out) != CS_OK) { CHECK(0); return; }
        *sum += (double)out.A_loss;
        won &= out.outcome == 1;
      }
      CHECK(won);
    }
    CHECK_NEAR(sum_lin / R, mean, Z4 * sd / sqrt(R));
    CHECK(sum_sq / R < 0.5 * (13.4 + 25.0)); /* the gap, 11.6, is > 100 SE of either mean */
  }

  /* Both laws start at the same rates (the normalisation by A0, D0). With
  ** beta = 0 each side breaks at its first casualty, so the fight is the
  ** first event: duration ~ Exp(aA A0 + aD D0), mean 1 / (aA A0 + aD D0),
  ** SE = mean / sqrt(R) (an exponential's sd equals its mean); the attacker
  ** wins with probability aA A0 / (aA A0 + aD D0). */
  for (int law = 0; law < 2; law++) {
    cs_lanchester_in in = base_in(40, 25, 0.03, 0.07, (cs_law)law, 0.0, INFINITY);
    double rate = 0.03 * 40 + 0.07 * 25, p = 0.03 * 40 / rate;
    double sum_t = 0.0;
    int wins = 0;
    for (int rep = 0; rep < R; rep++) {
      cs_lanchester_out out;
      if (cs_lanchester_run(NULL, &r, &in, &out) != CS_OK) { CHECK(0); return; }
      sum_t += out.duration;
      wins += out.outcome == 1;
      if (out.steps != 1) { CHECK(out.steps == 1); break; }
    }
    CHECK_NEAR(sum_t / R, 1.0 / rate, Z4 * (1.0 / rate) / sqrt(R));
    CHECK_NEAR((double)wins / R, p, Z4 * sqrt(p * (1 - p) / R));
  }
}

/* ------------------------------------------------------------------ */
/* Time limit.                                                         */

static void test_time_limit(void) {
  enum { R = 20000 };
  cs_pcg32 r;
  cs_pcg32_seed(&r, 77, 4);
  /* Total rate 2 / day, t_max = 0.5: about one casualty, breakpoints 50:
  ** every run hits the limit, and its duration is t_max exactly. */
  cs_lanchester_in in = base_in(100, 100, 0.01, 0.01, CS_LAW_SQUARE, 0.5, 0.5);
  int ok = 1;
  for (int rep = 0; rep < 1000; rep++) {
    cs_lanchester_out out;
    if (cs_lanchester_run(NULL, &r, &in, &out) != CS_OK) { CHECK(0); return; }
    ok &= out.outcome == 0 && out.duration == 0.5 && out.A_loss < 50 && out.D_loss < 50;
  }
  CHECK(ok);

  /* With beta = 0 the fight ends at the first casualty, so it reaches the
  ** limit T iff no casualty comes by T: P(outcome 0) = exp(-(aA A0 + aD D0) T)
  ** (both laws start at this rate); binomial SE. */
  for (int law = 0; law < 2; law++) {
    in = base_in(30, 20, 0.02, 0.04, (cs_law)law, 0.0, 0.5);
    double p = exp(-(0.02 * 30 + 0.04 * 20) * 0.5);
    int lim = 0;
    for (int rep = 0; rep < R; rep++) {
      cs_lanchester_out out;
      if (cs_lanchester_run(NULL, &r, &in, &out) != CS_OK) { CHECK(0); return; }
      lim += out.outcome == 0;
    }
    CHECK_NEAR((double)lim / R, p, Z4 * sqrt(p * (1 - p) / R));
  }
}

/* ------------------------------------------------------------------ */
/* Invariants over random inputs: breakpoints, durations, observations, */
/* and the draw contract (4 PCG32 outputs per step, 2 more when cut).  */

static void test_invariants(void) {
  enum { N = 20000, NOBS = 6 };
  cs_pcg32 g, r;
  cs_pcg32_seed(&g, 78, 5);
  cs_pcg32_seed(&r, 79, 6);
  int bp_ok = 1, t_ok = 1, obs_ok = 1, draws_ok = 1, seen[3] = {0, 0, 0};
  for (int n = 0; n < N; n++) {
    cs_lanchester_in in;
    in.A0 = cs_pcg32_bounded(&g, 60);
    in.D0 = cs_pcg32_bounded(&g, 60);
    in.aA = 0.1 * cs_rng_uniform(&g);
    in.aD = 0.1 * cs_rng_uniform(&g);
    if (cs_pcg32_bounded(&g, 20) == 0) in.aA = 0.0;
    in.law = (cs_law)cs_pcg32_bounded(&g, 2);
    /* each side its own breakpoint */
    in.beta_A = cs_pcg32_bounded(&g, 4) == 0 ? 1.0 : cs_rng_uniform(&g);
    in.beta_D = cs_pcg32_bounded(&g, 4) == 0 ? 1.0 : cs_rng_uniform(&g);
    in.t_max = cs_pcg32_bounded(&g, 3) == 0 ? INFINITY : 20.0 * cs_rng_uniform(&g);
    double ot[NOBS];
    int64_t oa[NOBS], od[NOBS];
    for (int i = 0; i < NOBS; i++) ot[i] = 5.0 * i;
    in.obs_t = ot; in.n_obs = NOBS; in.obs_A = oa; in.obs_D = od;
    int64_t bA = cs_lanchester_breakpoint(in.A0, in.beta_A);
    int64_t bD = cs_lanchester_breakpoint(in.D0, in.beta_D);

    cs_pcg32 r0 = r;
    cs_lanchester_out out;
    if (cs_lanchester_run(NULL, &r, &in, &out) != CS_OK) { CHECK(0); return; }
    seen[out.outcome + 1]++;
    bp_ok &= out.steps == (uint64_t)(out.A_loss + out.D_loss);
    if (out.outcome == 1) bp_ok &= out.D_loss == bD && out.A_loss < bA;
    else if (out.outcome == -1) bp_ok &= out.A_loss == bA && (out.D_loss < bD || in.A0 == 0);
    else bp_ok &= out.outcome == 0 && out.A_loss < bA && out.D_loss < bD;
    t_ok &= out.duration >= 0.0 && out.duration <= in.t_max;
    int fires = in.A0 > 0 && in.D0 > 0 && (in.aA > 0 || in.aD > 0);
    if (out.outcome == 0 && fires) t_ok &= out.duration == in.t_max;
    /* The state at obs_t is non-increasing in time, starts at (A0, D0) (no
    ** casualty at t = 0 exactly), and after the end is the final state. */
    obs_ok &= oa[0] == in.A0 && od[0] == in.D0;
    for (int i = 0; i < NOBS; i++) {
      if (i > 0) obs_ok &= oa[i] <= oa[i - 1] && od[i] <= od[i - 1];
      if (ot[i] >= out.duration)
        obs_ok &= oa[i] == in.A0 - out.A_loss && od[i] == in.D0 - out.D_loss;
    }
    uint64_t draws = 4 * out.steps + (out.outcome == 0 && fires ? 2 : 0);
    cs_pcg32_advance(&r0, draws);
    draws_ok &= r0.state == r.state;
  }
  CHECK(bp_ok);
  CHECK(t_ok);
  CHECK(obs_ok);
  CHECK(draws_ok);
  CHECK(seen[0] > 100 && seen[1] > 100 && seen[2] > 100); /* all outcomes exercised */
}

/* ------------------------------------------------------------------ */
/* Determinism: the same stream gives the same fight, to the bit.      */

static void test_determinism(void) {
  const double ot[3] = {0.5, 2.0, 8.0};
  int64_t oa1[3], od1[3], oa2[3], od2[3];
  for (int law = 0; law < 2; law++) {
    cs_lanchester_in in = base_in(300, 250, 0.04, 0.05, (cs_law)law, 0.15, INFINITY);
    in.obs_t = ot; in.n_obs = 3;
    cs_pcg32 r1, r2, r3;
    cs_stream_init(&r1, 2024, 0, CS_ENT_ENGAGEMENT, 17, 0);
    r2 = r1;
    cs_stream_init(&r3, 2024, 1, CS_ENT_ENGAGEMENT, 17, 0);
    cs_lanchester_out o1, o2, o3;
    in.obs_A = oa1; in.obs_D = od1;
    CHECK(cs_lanchester_run(NULL, &r1, &in, &o1) == CS_OK);
    in.obs_A = oa2; in.obs_D = od2;
    CHECK(cs_lanchester_run(NULL, &r2, &in, &o2) == CS_OK);
    CHECK(o1.outcome == o2.outcome && o1.A_loss == o2.A_loss && o1.D_loss == o2.D_loss &&
          o1.steps == o2.steps && memcmp(&o1.duration, &o2.duration, sizeof(double)) == 0);
    CHECK(memcmp(oa1, oa2, sizeof oa1) == 0 && memcmp(od1, od2, sizeof od1) == 0);
    CHECK(r1.state == r2.state && r1.inc == r2.inc);
    /* another replicate's stream gives another fight (a continuous duration
    ** or the loss counts coincide with probability ~0) */
    CHECK(cs_lanchester_run(NULL, &r3, &in, &o3) == CS_OK);
    CHECK(o3.duration != o1.duration || o3.A_loss != o1.A_loss || o3.D_loss != o1.D_loss);
  }
}

int main(void) {
  test_breakpoint();
  test_invalid();
  test_edge_cases();
  test_square_mean();
  test_win_table();
  test_win_prob_chain();
  test_linear();
  test_time_limit();
  test_invariants();
  test_determinism();
  return check_report();
}
