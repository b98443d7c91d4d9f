/* sweep_loop.c: the baseline of the sweep benchmark (tests/bench/sweep.sh):
** every run of a sweep done one after the other in this process with
** cs_sweep_run, with no workers, journal or output file. The time of
** `conflictsim sweep -j 1` over the same runs, minus this one, is what the
** sweep machinery costs.
**
** usage: cs_bench_sweep_loop SWEEP.lua
** prints: runs, seconds (load included, as in `conflictsim sweep`), runs/s,
** and a sum of the outcomes (so the work cannot be skipped). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sweep.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: cs_bench_sweep_loop SWEEP.lua\n");
    return 2;
  }
  cs_ctx ctx = {{0}};
  cs_sweep *sw = NULL;
  double t0 = now_s(), sum = 0;
  int rc = cs_sweep_load(&ctx, argv[1], NULL, 0, &sw);
  if (rc != CS_OK) {
    fprintf(stderr, "%s\n", cs_errmsg(&ctx));
    return 3;
  }
  size_t rl = cs_sweep_record_len(sw);
  double *rec = malloc((rl + 1) * sizeof *rec);
  if (!rec) {
    cs_sweep_free(sw);
    return 5;
  }
  for (uint64_t k = 0; k < sw->n_runs && rc == CS_OK; k++) {
    if ((rc = cs_sweep_run(&ctx, sw, k, rec)) != CS_OK) break;
    for (int m = 0; m < sw->n_metrics; m++)
      if (isfinite(rec[m])) sum += rec[m];
  }
  double el = now_s() - t0;
  if (rc != CS_OK) fprintf(stderr, "%s\n", cs_errmsg(&ctx));
  else printf("runs %llu seconds %.3f runs_per_s %.3f outcome_sum %.17g\n", (unsigned long long)sw->n_runs, el,
              (double)sw->n_runs / el, sum);
  free(rec);
  cs_sweep_free(sw);
  return rc == CS_OK ? 0 : 3;
}
