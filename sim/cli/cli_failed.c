/* cli_failed.c: the failed runs of a sweep file as it is written (a row
** function wrapped around the one the file is written from) and their
** summary on stderr: shared by `sweep` and `merge` (cli_failed.h). */
#include "cli_failed.h"

#include <stdio.h>
#include <string.h>

/* A run's message without the "run K: " that cs_sweep_run puts before
** errors of the run itself (a load error has none). */
static const char *strip_run(const char *msg, uint64_t k) {
  char pre[40];
  int n = snprintf(pre, sizeof pre, "run %llu: ", (unsigned long long)k);
  return strncmp(msg, pre, (size_t)n) ? msg : msg + n;
}

int cli_failed_row(void *ud, uint64_t k, double *rec, char *err) {
  cli_failed *f = ud;
  int rc = f->row(f->ud, k, rec, err);
  if (rc != CS_OK) return rc;
  f->runs++;
  if (!err[0]) return CS_OK;
  uint64_t pt = k / cs_sweep_per_point(f->sw), r = k % cs_sweep_per_point(f->sw); /* r: the run's slot */
  const char *msg = strip_run(err, k);
  int seen = 0;
  for (int i = 0; i < f->n_first && !seen; i++) seen = !strcmp(strip_run(f->first[i], f->first_k[i]), msg);
  if (!seen && f->n_first < CLI_FAIL_FIRST) {
    f->first_k[f->n_first] = k;
    snprintf(f->first[f->n_first++], CS_ERRMSG_MAX, "%s", err);
  }
  f->n++;
  int i = f->n_pt - 1; /* rows come in run order: a point's runs are together */
  if (i < 0 || f->pt[i] != pt) {
    if (f->n_pt == CLI_FAIL_POINTS) {
      f->more_runs++;
      return CS_OK;
    }
    i = f->n_pt++;
    f->pt[i] = pt;
    f->n_rep[i] = 0;
  }
  if (f->n_rep[i] < CLI_FAIL_REPS) f->rep[i][f->n_rep[i]] = r;
  f->n_rep[i]++;
  return CS_OK;
}

/* The summary on stderr: how many, which points (with their parameters) and
** replicates, the first errors. */
void cli_failed_report(const char *cmd, const cli_failed *f, const char *out) {
  const cs_sweep *sw = f->sw;
  char how[64];
  if (f->n == f->runs) snprintf(how, sizeof how, "all %llu runs", (unsigned long long)f->n);
  else snprintf(how, sizeof how, "%llu of %llu runs", (unsigned long long)f->n, (unsigned long long)f->runs);
  fprintf(stderr, "conflictsim %s: %s failed; %s has them as rows of NaN, with run_status 1 and their error in "
          "run_error\n", cmd, how, out);
  for (int i = 0; i < f->n_pt && f->n < f->runs; i++) {
    fprintf(stderr, "  point %llu", (unsigned long long)f->pt[i]);
    for (int p = 0; p < sw->n_params && p < 6; p++)
      fprintf(stderr, "%s%s = %.6g%s", p ? ", " : " (", sw->params[p].name,
              sw->design[f->pt[i] * (uint64_t)sw->n_params + (uint64_t)p], p + 1 == sw->n_params ? ")" : "");
    if (sw->n_params > 6) fputs(", ...)", stderr);
    uint64_t per = cs_sweep_per_point(sw);
    if (f->n_rep[i] == per && per > 1)
      fprintf(stderr, ": all %llu %s\n", (unsigned long long)per, sw->branched ? "runs (replicates x branches)" : "replicates");
    else {
      fprintf(stderr, ": replicate%s", f->n_rep[i] > 1 ? "s" : "");
      for (uint64_t r = 0; r < f->n_rep[i] && r < CLI_FAIL_REPS; r++) {
        uint64_t slot = f->rep[i][r];
        if (sw->branched)
          fprintf(stderr, "%s %llu (branch %llu)", r ? "," : "", (unsigned long long)(slot / sw->branches),
                  (unsigned long long)(slot % sw->branches));
        else fprintf(stderr, "%s %llu", r ? "," : "", (unsigned long long)slot);
      }
      if (f->n_rep[i] > CLI_FAIL_REPS)
        fprintf(stderr, ", ... (%llu of %llu)", (unsigned long long)f->n_rep[i], (unsigned long long)per);
      fputc('\n', stderr);
    }
  }
  if (f->more_runs && f->n < f->runs)
    fprintf(stderr, "  and %llu failed runs at other points\n", (unsigned long long)f->more_runs);
  fprintf(stderr, "  %s:\n", f->n_first > 1 ? "the first distinct errors" : "the first error");
  for (int i = 0; i < f->n_first; i++) {
    uint64_t k = f->first_k[i];
    uint64_t pt, rp, br;
    cs_sweep_run_coords(sw, k, &pt, &rp, &br);
    fprintf(stderr, "  run %llu (point %llu, replicate %llu", (unsigned long long)k, (unsigned long long)pt,
            (unsigned long long)rp);
    if (sw->branched) fprintf(stderr, ", branch %llu", (unsigned long long)br);
    fputs("): ", stderr);
    for (const char *c = strip_run(f->first[i], k); *c; c++) { /* a traceback's lines indented under it */
      fputc(*c, stderr);
      if (*c == '\n' && c[1]) fputs("    ", stderr);
    }
    fputc('\n', stderr);
  }
}
