/* stats.h: statistics shared by `compare` and `validate` (sim/ only). */
#ifndef CS_STATS_H
#define CS_STATS_H

#include "cs_rng.h"

double cs_stats_norm_cdf(double x);
/* Inverse standard normal CDF for p in (0, 1) (Acklam, refined by one Halley
** step: relative error about 1e-15); -inf/+inf at 0 and 1. */
double cs_stats_norm_inv(double p);
/* qsort comparator for doubles (ascending). */
int cs_stats_cmp_double(const void *a, const void *b);
/* Quantile q (0 <= q <= 1) of sorted x[0..n-1]: linear interpolation
** between the order statistics (Hyndman and Fan's type 7) in numpy's own
** arithmetic (np.quantile's default method, which interpolates down from the
** upper point when the fraction is >= 1/2), so that for finite x it equals
** numpy's bit for bit; x[0] at q = 0 and x[n - 1] at q = 1 even when they
** are infinite; NaN if n == 0. The one quantile of the project: compare,
** validate, sensitivity and the sweep's ensemble statistics all use it. */
double cs_stats_quantile(const double *x, uint64_t n, double q);
double cs_stats_mean(const double *x, int n);
/* Sample variance (n - 1 denominator); NaN for n < 2. */
double cs_stats_variance(const double *x, int n);
/* BCa bootstrap interval at `level` for the mean of d[0..n-1] from B
** resamples drawn from r; work holds B doubles. n < 2, B < 2, or a d that
** is NaN or infinite: NaN. All resampled means equal: the degenerate
** interval [mean, mean]. */
void cs_stats_bca_mean(const double *d, int n, int B, double level, cs_pcg32 *r, double *work, double *lo,
                       double *hi);

#endif
