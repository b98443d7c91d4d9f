/* stats.c: the statistics the report commands share: normal CDF and
** quantile function, sample quantiles, mean and variance, and the BCa
** bootstrap interval for a mean (Efron 1987). Deterministic: resampling
** draws only from the stream it is given. */
#include "stats.h"

#include <math.h>
#include <stdlib.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif


double cs_stats_norm_cdf(double x) { return 0.5 * erfc(-x / sqrt(2.0)); }

/* Inverse of the standard normal CDF (Acklam's rational approximation, then
** one Halley step on erfc: relative error about 1e-15). p in (0, 1). */
double cs_stats_norm_inv(double p) {
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                             1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  double q, r, x;
  if (p <= 0) return -INFINITY;
  if (p >= 1) return INFINITY;
  if (p < 0.02425) {
    q = sqrt(-2 * log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p > 1 - 0.02425) {
    q = sqrt(-2 * log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else {
    q = p - 0.5;
    r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  double e = cs_stats_norm_cdf(x) - p, u = e * sqrt(2 * M_PI) * exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

int cs_stats_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double cs_stats_quantile(const double *x, uint64_t n, double q) {
  if (n < 1) return NAN;
  double h = (double)(n - 1) * q, lo = floor(h), t = h - lo;
  if (h <= 0) return x[0];
  uint64_t i = (uint64_t)lo;
  if (i + 1 >= n) return x[n - 1];
  double a = x[i], b = x[i + 1], d = b - a;
  return t >= 0.5 ? b - d * (1 - t) : a + d * t; /* numpy's _lerp, both of its forms */
}

double cs_stats_mean(const double *x, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) s += x[i];
  return s / n;
}

double cs_stats_variance(const double *x, int n) {
  double m = cs_stats_mean(x, n), s = 0;
  for (int i = 0; i < n; i++) s += (x[i] - m) * (x[i] - m);
  return n > 1 ? s / (n - 1) : NAN;
}

/* The BCa bootstrap interval at `level` for the mean of d[0..n-1], from B
** resamples drawn from r; work holds B doubles. n < 2, or a d that is NaN
** or infinite: NaN (the resampled means could not be ordered). All
** resampled means equal (e.g. every d equal): the degenerate interval
** [mean, mean]. */
void cs_stats_bca_mean(const double *d, int n, int B, double level, cs_pcg32 *r, double *work, double *lo,
                     double *hi) {
  double theta = cs_stats_mean(d, n);
  *lo = *hi = NAN;
  if (n < 2 || B < 2 || !isfinite(theta)) return;
  for (int b = 0; b < B; b++) {
    double s = 0;
    for (int i = 0; i < n; i++) s += d[cs_pcg32_bounded(r, (uint32_t)n)];
    work[b] = s / n;
  }
  qsort(work, (size_t)B, sizeof *work, cs_stats_cmp_double);
  if (work[0] == work[B - 1]) {
    *lo = *hi = theta;
    return;
  }
  int less = 0, eq = 0;
  for (int b = 0; b < B; b++) less += work[b] < theta, eq += work[b] == theta;
  double p0 = (less + 0.5 * eq) / B;
  if (p0 < 0.5 / B) p0 = 0.5 / B;
  if (p0 > 1 - 0.5 / B) p0 = 1 - 0.5 / B;
  double z0 = cs_stats_norm_inv(p0), sum = 0, num = 0, den = 0;
  for (int i = 0; i < n; i++) sum += d[i];
  for (int i = 0; i < n; i++) {
    double dev = theta - (sum - d[i]) / (n - 1);
    num += dev * dev * dev;
    den += dev * dev;
  }
  double acc = den > 0 ? num / (6 * pow(den, 1.5)) : 0;
  double za[2] = {cs_stats_norm_inv((1 - level) / 2), cs_stats_norm_inv(1 - (1 - level) / 2)}, q[2];
  for (int k = 0; k < 2; k++) {
    double t = z0 + za[k];
    q[k] = cs_stats_norm_cdf(z0 + t / (1 - acc * t));
  }
  *lo = cs_stats_quantile(work, (uint64_t)B, q[0]);
  *hi = cs_stats_quantile(work, (uint64_t)B, q[1]);
}

