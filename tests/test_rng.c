/* test_rng.c: PCG32, bounded draws, the distributions and stream derivation.
**
** Statistical tolerances. Each statistical check is set so that a correct
** generator fails it with probability about 1e-4:
** - a sample mean of N iid draws with variance s2 has standard error
**   sqrt(s2 / N); by the central limit theorem |mean - mu| <= Z * SE with
**   Z = 3.891 (the two-sided 1e-4 point of the standard normal);
** - a sample variance has Var(s^2) ~= (mu4 - s2^2) / N (mu4: the fourth
**   central moment), so its SE is sqrt((mu4 - s2^2) / N), same Z;
** - a chi-square goodness-of-fit statistic over K cells with at least ~100
**   expected per cell is chi-square with K - 1 degrees of freedom; we
**   require its upper-tail p-value to be >= 1e-4 (computed exactly below
**   through the regularised incomplete gamma function).
** The seeds are fixed, so a run is reproducible; the tolerances say how
** unlucky a seed would have to be for a correct generator to fail. */
#include "cs_rng.h"

#include "check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define Z4 3.891     /* two-sided 1e-4 normal quantile */
#define P_MIN 1e-4   /* smallest acceptable chi-square p-value */

/* Regularised upper incomplete gamma Q(a, x) (Numerical Recipes 6.2: series
** for x < a + 1, Lentz continued fraction otherwise). */
static double gamma_q(double a, double x) {
  if (x <= 0.0) return 1.0;
  double lg = lgamma(a);
  if (x < a + 1.0) {
    double ap = a, sum = 1.0 / a, del = sum;
    for (int n = 0; n < 100000; n++) {
      ap += 1.0;
      del *= x / ap;
      sum += del;
      if (fabs(del) < fabs(sum) * 1e-15) break;
    }
    return 1.0 - sum * exp(-x + a * log(x) - lg);
  }
  double b = x + 1.0 - a, c = 1.0 / 1e-300, d = 1.0 / b, h = d;
  for (int i = 1; i < 100000; i++) {
    double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (fabs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (fabs(c) < 1e-300) c = 1e-300;
    d = 1.0 / d;
    double del = d * c;
    h *= del;
    if (fabs(del - 1.0) < 1e-15) break;
  }
  return exp(-x + a * log(x) - lg) * h;
}

/* Upper-tail p-value of a chi-square statistic with df degrees of freedom. */
static double chi2_p(double stat, int df) { return gamma_q(0.5 * df, 0.5 * stat); }

/* Chi-square statistic of counts[k] against expected probabilities p[k]. */
static double chi2_stat(const uint64_t *counts, const double *p, int k, double n) {
  double s = 0.0;
  for (int i = 0; i < k; i++) {
    double e = n * p[i], d = (double)counts[i] - e;
    s += d * d / e;
  }
  return s;
}

static void test_gamma_q(void) {
  /* Known points: chi-square(2) tail is exp(-x/2); chi-square(1) at 3.841
  ** is 0.05; chi-square(100) at 135.807 is 0.01. */
  CHECK_NEAR(chi2_p(18.4207, 2), 1e-4, 1e-8);
  CHECK_NEAR(chi2_p(3.841459, 1), 0.05, 1e-6);
  CHECK_NEAR(chi2_p(135.8067, 100), 0.01, 1e-5);
  CHECK_NEAR(chi2_p(99.334, 100), 0.5, 1e-3);
}

static void test_known_answer(void) {
  /* The reference pcg32-demo output for pcg32_srandom_r(&r, 42, 54). */
  static const uint32_t want[6] = {0xa15c02b7u, 0x7b47f409u, 0xba1d3330u,
                                   0x83d2f293u, 0xbfa4784bu, 0xcbed606eu};
  cs_pcg32 r;
  cs_pcg32_seed(&r, 42u, 54u);
  for (int i = 0; i < 6; i++) CHECK(cs_pcg32_next(&r) == want[i]);
  CHECK(r.inc & 1u);
}

static void test_advance(void) {
  static const uint64_t ks[] = {0, 1, 2, 3, 64, 1000, 12345, 100003};
  for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
    cs_pcg32 a, b, start;
    cs_pcg32_seed(&a, 0x853c49e6748fea9bULL, 0xda3e39cb94b95bdbULL + i);
    start = b = a;
    for (uint64_t j = 0; j < ks[i]; j++) cs_pcg32_next(&a);
    cs_pcg32_advance(&b, ks[i]);
    CHECK(a.state == b.state && a.inc == b.inc);
    CHECK(cs_pcg32_next(&a) == cs_pcg32_next(&b));
    /* -k (as 2^64 - k) goes back to the start, from after the extra draw */
    cs_pcg32_advance(&b, (uint64_t)0 - ks[i] - 1u);
    CHECK(b.state == start.state);
  }
  /* A long jump and its inverse compose to the identity. */
  cs_pcg32 r, r0;
  cs_pcg32_seed(&r, 1, 2);
  r0 = r;
  cs_pcg32_advance(&r, 0x123456789abcdefULL);
  CHECK(r.state != r0.state);
  cs_pcg32_advance(&r, (uint64_t)0 - 0x123456789abcdefULL);
  CHECK(r.state == r0.state);
  /* The full period 2^64 is the identity too (delta 0 is a no-op). */
  cs_pcg32_advance(&r, 0);
  CHECK(r.state == r0.state);
}

/* Draw n bounded values, check the range, and test uniformity over k cells:
** a value v goes to cell floor(v * k / bound), whose exact probability is
** (#values in it) / bound; returns the chi-square p-value. */
static double bounded_chi2(uint64_t seed, uint32_t bound, int k, uint64_t n) {
  cs_pcg32 r;
  cs_stream_init(&r, seed, 0, CS_ENT_NONE, bound, 1);
  uint64_t *counts = calloc((size_t)k, sizeof *counts);
  double *p = calloc((size_t)k, sizeof *p);
  int out_of_range = 0;
  for (uint64_t i = 0; i < n; i++) {
    uint32_t v = cs_pcg32_bounded(&r, bound);
    if (v >= bound) out_of_range++;
    else counts[(uint64_t)v * (uint64_t)k / bound]++;
  }
  CHECK(out_of_range == 0);
  /* cell c holds v with v * k >= c * bound, i.e. v >= ceil(c * bound / k) */
  for (int c = 0; c < k; c++) {
    uint64_t lo = ((uint64_t)c * bound + (uint64_t)k - 1) / (uint64_t)k;
    uint64_t hi = ((uint64_t)(c + 1) * bound + (uint64_t)k - 1) / (uint64_t)k;
    p[c] = (double)(hi - lo) / (double)bound;
  }
  double pv = chi2_p(chi2_stat(counts, p, k, (double)n), k - 1);
  free(counts);
  free(p);
  return pv;
}

static void test_bounded(void) {
  struct {
    uint32_t bound;
    int cells;
  } cases[] = {
      {2, 2},           {3, 3},          {7, 7},          {10, 10},
      {1000, 1000},     {1000003, 1000}, {0x80000001u, 1024}, /* half the draws rejected */
      {0xC0000000u, 3}, /* x % bound alone would put 1/2, not 1/3, in the first cell */
      {0xFFFFFFFFu, 256},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    double pv = bounded_chi2(100 + i, cases[i].bound, cases[i].cells, 1000000);
    if (!(pv >= P_MIN))
      fprintf(stderr, "bounded(%u): chi-square p = %g\n", cases[i].bound, pv);
    CHECK(pv >= P_MIN);
  }
  /* bound 1 is always 0. */
  cs_pcg32 r;
  cs_stream_init(&r, 5, 0, CS_ENT_NONE, 0, 2);
  int bad = 0;
  for (int i = 0; i < 1000; i++) bad += cs_pcg32_bounded(&r, 1) != 0;
  CHECK(bad == 0);
  /* At 0x80000001 the low bit is fair too: P(v even) = (2^30 + 1) / (2^31 + 1).
  ** (Plain modulo is nearly unbiased at this bound, only its top two values
  ** are half as likely; the bound that exposes modulo bias is 0xC0000000.) */
  uint64_t n = 2000000, even = 0;
  for (uint64_t i = 0; i < n; i++) even += (cs_pcg32_bounded(&r, 0x80000001u) & 1u) == 0;
  double pe = (1073741824.0 + 1.0) / 2147483649.0;
  CHECK_NEAR((double)even / (double)n, pe, Z4 * sqrt(pe * (1 - pe) / (double)n));
}

/* Mean and variance of n draws from a distribution; mu4 is the fourth central
** moment, used for the variance's standard error. */
static void check_moments(const char *name, const double *x, size_t n, double mu, double var,
                          double mu4) {
  double s = 0.0;
  for (size_t i = 0; i < n; i++) s += x[i];
  double m = s / (double)n, ss = 0.0;
  for (size_t i = 0; i < n; i++) ss += (x[i] - m) * (x[i] - m);
  double v = ss / (double)(n - 1);
  double se_m = sqrt(var / (double)n), se_v = sqrt((mu4 - var * var) / (double)n);
  if (fabs(m - mu) > Z4 * se_m || fabs(v - var) > Z4 * se_v)
    fprintf(stderr, "%s: mean %g (want %g +- %g), var %g (want %g +- %g)\n", name, m, mu,
            Z4 * se_m, v, var, Z4 * se_v);
  CHECK_NEAR(m, mu, Z4 * se_m);
  CHECK_NEAR(v, var, Z4 * se_v);
}

/* Chi-square of values mapped through their CDF into k equal cells. */
static double cdf_chi2(const double *u, size_t n, int k) {
  uint64_t *counts = calloc((size_t)k, sizeof *counts);
  double *p = calloc((size_t)k, sizeof *p);
  for (int c = 0; c < k; c++) p[c] = 1.0 / k;
  for (size_t i = 0; i < n; i++) {
    int c = (int)(u[i] * k);
    if (c < 0) c = 0;
    if (c >= k) c = k - 1;
    counts[c]++;
  }
  double pv = chi2_p(chi2_stat(counts, p, k, (double)n), k - 1);
  free(counts);
  free(p);
  return pv;
}

static void test_distributions(void) {
  enum { N = 1000000 };
  double *x = malloc(N * sizeof *x), *u = malloc(N * sizeof *u);
  cs_pcg32 r;
  int bad = 0;

  /* uniform [0, 1): mean 1/2, var 1/12, mu4 1/80; 53-bit grid, low bit used */
  cs_stream_init(&r, 1, 0, CS_ENT_NONE, 0, 10);
  uint64_t odd = 0;
  for (size_t i = 0; i < N; i++) {
    x[i] = cs_rng_uniform(&r);
    bad += !(x[i] >= 0.0 && x[i] < 1.0);
    double g = x[i] * 9007199254740992.0;
    bad += g != floor(g);
    odd += fmod(g, 2.0) == 1.0;
  }
  CHECK(bad == 0);
  check_moments("uniform", x, N, 0.5, 1.0 / 12.0, 1.0 / 80.0);
  CHECK(cdf_chi2(x, N, 100) >= P_MIN);
  CHECK_NEAR((double)odd / N, 0.5, Z4 * sqrt(0.25 / N));

  /* uniform (0, 1] */
  bad = 0;
  for (size_t i = 0; i < N; i++) {
    double v = cs_rng_uniform_pos(&r);
    bad += !(v > 0.0 && v <= 1.0);
  }
  CHECK(bad == 0);

  /* exponential, rate 2.5: mean 1/l, var 1/l^2, mu4 9/l^4; CDF 1 - exp(-l x) */
  const double l = 2.5;
  bad = 0;
  for (size_t i = 0; i < N; i++) {
    x[i] = cs_rng_exp(&r, l);
    bad += !(x[i] >= 0.0 && isfinite(x[i]));
    u[i] = 1.0 - exp(-l * x[i]);
  }
  CHECK(bad == 0);
  check_moments("exp", x, N, 1.0 / l, 1.0 / (l * l), 9.0 / (l * l * l * l));
  CHECK(cdf_chi2(u, N, 100) >= P_MIN);

  /* normal: mean 0, var 1, mu4 3; CDF 0.5 erfc(-z / sqrt 2) */
  bad = 0;
  for (size_t i = 0; i < N; i++) {
    x[i] = cs_rng_normal(&r);
    bad += !isfinite(x[i]);
    u[i] = 0.5 * erfc(-x[i] / sqrt(2.0));
  }
  CHECK(bad == 0);
  check_moments("normal", x, N, 0.0, 1.0, 3.0);
  CHECK(cdf_chi2(u, N, 100) >= P_MIN);

  /* gamma, k = 3, scale 2: mean k s, var k s^2, mu4 (3k^2 + 6k) s^4 */
  for (size_t i = 0; i < N; i++) x[i] = cs_rng_gamma_int(&r, 3, 2.0);
  check_moments("gamma", x, N, 6.0, 12.0, (27.0 + 18.0) * 16.0);

  /* Bernoulli: clamping outside [0, 1], and the mean p with SE sqrt(p q / N) */
  bad = 0;
  for (int i = 0; i < 1000; i++) {
    bad += cs_rng_bernoulli(&r, -0.5) != 0 || cs_rng_bernoulli(&r, 0.0) != 0;
    bad += cs_rng_bernoulli(&r, 1.0) != 1 || cs_rng_bernoulli(&r, 7.0) != 1;
    bad += cs_rng_bernoulli(&r, NAN) != 0;
  }
  CHECK(bad == 0);
  uint64_t ones = 0;
  for (size_t i = 0; i < N; i++) ones += (uint64_t)cs_rng_bernoulli(&r, 0.3);
  CHECK_NEAR((double)ones / N, 0.3, Z4 * sqrt(0.21 / N));
  free(x);
  free(u);
}

/* Stochastic rounding: values are floor(x) or floor(x) + 1, with mean x and
** variance f (1 - f), f = frac(x). */
static void test_round(void) {
  enum { N = 1000000 };
  static const double xs[] = {0.0, 0.001, 0.5, 2.3, 7.0, 1234.99};
  cs_pcg32 r;
  cs_stream_init(&r, 3, 0, CS_ENT_NONE, 0, 11);
  for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
    double fl = floor(xs[i]), f = xs[i] - fl;
    double s = 0.0;
    int bad = 0;
    for (int j = 0; j < N; j++) {
      int64_t v = cs_rng_round(&r, xs[i]);
      bad += v != (int64_t)fl && v != (int64_t)fl + 1;
      s += (double)v;
    }
    CHECK(bad == 0);
    double se = sqrt(f * (1.0 - f) / N);
    CHECK_NEAR(s / N, xs[i], Z4 * se + 1e-9 * xs[i]);
  }
  CHECK(cs_rng_round(&r, -3.5) == 0); /* x < 0 is outside the contract: 0 */
}

typedef struct tuple {
  uint64_t seed, rep;
  uint32_t kind;
  uint64_t id;
  uint32_t purpose;
} tuple;

static uint64_t first64(const tuple *t, cs_pcg32 *out) {
  cs_pcg32 r;
  cs_stream_init(&r, t->seed, t->rep, t->kind, t->id, t->purpose);
  if (out) *out = r;
  uint64_t hi = cs_pcg32_next(&r);
  return hi << 32 | cs_pcg32_next(&r);
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

/* Pearson correlation of n uniforms from two streams: for independent
** streams it is ~N(0, 1/n). */
static double stream_corr(const tuple *a, const tuple *b, size_t n) {
  cs_pcg32 ra, rb;
  first64(a, &ra);
  first64(b, &rb);
  double sa = 0, sb = 0, sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < n; i++) {
    double x = cs_rng_uniform(&ra), y = cs_rng_uniform(&rb);
    sa += x;
    sb += y;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  double cov = sab / n - (sa / n) * (sb / n);
  return cov / sqrt((saa / n - (sa / n) * (sa / n)) * (sbb / n - (sb / n) * (sb / n)));
}

static void test_streams(void) {
  /* Distinct tuples over a grid give distinct first 64 bits (a collision
  ** among 24576 random 64-bit values has probability ~2e-11). */
  static const uint32_t kinds[] = {CS_ENT_NONE, CS_ENT_NODE, CS_ENT_GANG, CS_ENT_PAIR,
                                   CS_ENT_UNIT, CS_ENT_SCRIPT, CS_ENT_ENGAGEMENT, CS_ENT_BENCH};
  size_t n = 4 * 4 * 8 * 24 * 4, m = 0;
  uint64_t *v = malloc(n * sizeof *v), *st = malloc(n * sizeof *st);
  for (uint64_t s = 0; s < 4; s++)
    for (uint64_t rep = 0; rep < 4; rep++)
      for (size_t k = 0; k < 8; k++)
        for (uint64_t id = 0; id < 24; id++)
          for (uint32_t pu = 0; pu < 4; pu++) {
            tuple t = {s, rep, kinds[k], id, pu};
            cs_pcg32 r;
            v[m] = first64(&t, &r);
            st[m++] = r.state ^ (r.inc * 0x9e3779b97f4a7c15ULL);
          }
  qsort(v, m, sizeof *v, cmp_u64);
  qsort(st, m, sizeof *st, cmp_u64);
  int dup = 0, dup_state = 0;
  for (size_t i = 1; i < m; i++) {
    dup += v[i] == v[i - 1];
    dup_state += st[i] == st[i - 1];
  }
  CHECK(dup == 0);
  CHECK(dup_state == 0);
  free(v);
  free(st);

  /* Changing any single field changes the stream, and the two streams are
  ** uncorrelated; so do swaps between fields. */
  tuple base = {12345, 3, CS_ENT_NODE, 17, 2};
  tuple var[] = {
      {12346, 3, CS_ENT_NODE, 17, 2},    {12345, 4, CS_ENT_NODE, 17, 2},
      {12345, 3, CS_ENT_GANG, 17, 2},    {12345, 3, CS_ENT_NODE, 18, 2},
      {12345, 3, CS_ENT_NODE, 17, 3},    {12345 ^ (1ULL << 63), 3, CS_ENT_NODE, 17, 2},
      {12345, 3, CS_ENT_NODE, 17 | (1ULL << 40), 2},
      {3, 12345, CS_ENT_NODE, 17, 2},    /* seed <-> replicate */
      {12345, 3, 2, 17, CS_ENT_NODE},    /* kind <-> purpose */
      {12345, 3, CS_ENT_NODE, 2, 17},    /* id <-> purpose */
  };
  const size_t nc = 100000;
  cs_pcg32 rb;
  first64(&base, &rb);
  for (size_t i = 0; i < sizeof var / sizeof var[0]; i++) {
    cs_pcg32 ra, rv;
    first64(&base, &ra);
    first64(&var[i], &rv);
    CHECK(ra.state != rv.state || ra.inc != rv.inc);
    int same = 0;
    for (int j = 0; j < 64; j++) same += cs_pcg32_next(&ra) == cs_pcg32_next(&rv);
    CHECK(same < 4);
    double c = stream_corr(&base, &var[i], nc);
    CHECK_NEAR(c, 0.0, Z4 / sqrt((double)nc));
  }

  /* The same tuple gives the same stream. */
  cs_pcg32 a, b;
  first64(&base, &a);
  first64(&base, &b);
  int diff = 0;
  for (int j = 0; j < 10000; j++) diff += cs_pcg32_next(&a) != cs_pcg32_next(&b);
  CHECK(diff == 0);
  CHECK(a.inc & 1u);

  /* SplitMix64: the reference sequence from seed 0 starts 0xe220a8397b1dcdaf. */
  uint64_t x = 0;
  CHECK(cs_splitmix64(&x) == 0xe220a8397b1dcdafULL);
  CHECK(x == 0x9e3779b97f4a7c15ULL);
}

/* Branch streams (cs_stream_init_branch): distinct from the plain stream of
** the same tuple and from every other branch's, the same for the same
** tuple and branch, and uncorrelated in the sense that two of them agree on
** a 32-bit output about as often as chance (10000 draws: expect ~0). */
static void test_branch_streams(void) {
  enum { N = 10000, B = 8 };
  cs_pcg32 plain, s[B], again;
  cs_stream_init(&plain, 42, 3, CS_ENT_NODE, 17, 2);
  for (int b = 0; b < B; b++) cs_stream_init_branch(&s[b], 42, 3, CS_ENT_NODE, 17, 2, (uint64_t)b);
  for (int b = 0; b < B; b++) {
    CHECK(s[b].inc & 1u);
    CHECK(s[b].state != plain.state || s[b].inc != plain.inc);
    for (int c = 0; c < b; c++) CHECK(s[b].state != s[c].state || s[b].inc != s[c].inc);
  }
  cs_stream_init_branch(&again, 42, 3, CS_ENT_NODE, 17, 2, 5);
  CHECK(again.state == s[5].state && again.inc == s[5].inc);
  /* the branch does not collide with another field: (id 17, branch 0) vs (id 0, branch 17) */
  cs_pcg32 x, y;
  cs_stream_init_branch(&x, 42, 3, CS_ENT_NODE, 17, 2, 0);
  cs_stream_init_branch(&y, 42, 3, CS_ENT_NODE, 0, 2, 17);
  CHECK(x.state != y.state || x.inc != y.inc);
  int same = 0;
  for (int i = 0; i < N; i++) same += cs_pcg32_next(&s[0]) == cs_pcg32_next(&s[1]);
  CHECK(same <= 2); /* expected N / 2^32 ~ 2e-6 */
}

int main(void) {
  test_gamma_q();
  test_known_answer();
  test_advance();
  test_bounded();
  test_distributions();
  test_round();
  test_streams();
  test_branch_streams();
  return check_report();
}
