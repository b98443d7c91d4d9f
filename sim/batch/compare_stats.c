/* compare_stats.c: the paired statistics of `conflictsim compare`
** (compare_report.h, which states what each one is).
**
** Split out of cli_compare.c with the report files: the statistics are a
** function of the slots alone, and the command line should not hold them.
**
** Invariants: the bootstrap of (arm a, metric m) draws only from its own
** stream (seed, a, m), so adding a variant or a metric changes no other
** interval; the values are read in replicate order, never in the order the
** runs completed. */
#include <math.h>
#include <stdlib.h>

#include "compare_report.h"
#include "cs_rng.h"
#include "stats.h"

double cs_cmp_value(const cs_cmp_report *R, int a, uint64_t r, int m, int *replaced) {
  double x = R->val[((size_t)a * (size_t)R->reps + (size_t)r) * R->L + (size_t)m];
  int rep = isnan(x) && !isnan(cs_sweep_metric_nan_as(R->arms[0].sw, m));
  if (replaced) *replaced = rep;
  return rep ? cs_sweep_metric_nan_as(R->arms[0].sw, m) : x;
}

int cs_cmp_compute(cs_ctx *ctx, cs_cmp_report *R) {
  size_t N = (size_t)R->reps, M = (size_t)R->n_metrics, K = (size_t)cs_cmp_branches(R), C = N / K;
  double *b = malloc(N * sizeof *b), *v = malloc(N * sizeof *v), *d = malloc(N * sizeof *d),
         *ind = malloc(N * sizeof *ind), *work = malloc((size_t)R->B * sizeof *work),
         *dc = malloc((C + 1) * sizeof *dc);
  int rc = CS_OK;
  if (!b || !v || !d || !ind || !work || !dc) {
    rc = cs_err(ctx, CS_ENOMEM, "out of memory");
    goto done;
  }
  for (int a = 1; a < R->n_arms; a++)
    for (size_t m = 0; m < M; m++) {
      cs_cmp_stat *s = &R->st[(size_t)(a - 1) * M + m];
      int better = 0, worse = 0, sign = cs_sweep_metric_better(R->arms[0].sw, (int)m), rb, rv;
      s->base_nan = s->var_nan = 0;
      for (size_t r = 0; r < N; r++) {
        b[r] = cs_cmp_value(R, 0, r, (int)m, &rb);
        v[r] = cs_cmp_value(R, a, r, (int)m, &rv);
        s->base_nan += (uint64_t)rb;
        s->var_nan += (uint64_t)rv;
      }
      for (size_t r = 0; r < N; r++) {
        d[r] = v[r] - b[r];
        ind[r] = v[(r + K) % N] - b[r]; /* the next replicate (same branch) */
        better += sign * d[r] > 0; /* a NaN is neither */
        worse += sign * d[r] < 0;
      }
      s->base_mean = cs_stats_mean(b, (int)N);
      s->var_mean = cs_stats_mean(v, (int)N);
      s->diff = cs_stats_mean(d, (int)N);
      s->p_better = (double)better / (double)N;
      s->p_worse = (double)worse / (double)N;
      double vp = cs_stats_variance(d, (int)N), vi = cs_stats_variance(ind, (int)N);
      s->vr = vp > 0 ? vi / vp : (vi > 0 ? INFINITY : NAN);
      cs_pcg32 st;
      cs_stream_init(&st, R->seed, (uint64_t)a, CS_ENT_NONE, m, CS_CMP_BOOT_PURPOSE);
      if (K == 1) cs_stats_bca_mean(d, (int)N, R->B, CS_CMP_CI_LEVEL, &st, work, &s->lo, &s->hi);
      else { /* branches of a replicate share a past: resample replicates (cluster means, branch order) */
        for (size_t c = 0; c < C; c++) {
          double sum = 0;
          for (size_t k = 0; k < K; k++) sum += d[c * K + k];
          dc[c] = sum / (double)K;
        }
        cs_stats_bca_mean(dc, (int)C, R->B, CS_CMP_CI_LEVEL, &st, work, &s->lo, &s->hi);
      }
    }
done:
  free(b);
  free(v);
  free(d);
  free(ind);
  free(work);
  free(dc);
  return rc;
}
