/* cli_sensitivity.c: `conflictsim sensitivity FILE.h5` and the table of
** indices that it and `conflictsim sweep` print.
**
** The indices are computed again from the file's /outcomes with the design
** recorded in its group /sensitivity (sensitivity_h5.c), so the command
** works on any whole sweep file of a sobol or morris design, in particular
** one merged from shards, and needs neither the scenario nor the sweep file.
** With the file's number of resamples the numbers are those stored in the
** group (the analysis is deterministic); --bootstrap B changes only the
** intervals. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sensitivity.h"

static const char *USAGE =
    "usage: conflictsim sensitivity SWEEP.h5 [--metric NAME]... [--bootstrap B]\n"
    "\n"
    "Print the global sensitivity indices of a sweep whose design is \"sobol\" (first-order\n"
    "and total Sobol' indices) or \"morris\" (elementary effects mu*, mu, sigma), with 95%\n"
    "bootstrap intervals, computed from the file's outcomes: a whole sweep file, or one\n"
    "merged from shards (a shard alone is refused: merge first). Parameters are listed\n"
    "from the most to the least influential (by ST, or by mu*). The same numbers are in\n"
    "the file's group /sensitivity (output/README.md, \"Sensitivity analysis\").\n"
    "\n"
    "options:\n"
    "  --metric NAME    only this metric (repeatable; default: every metric)\n"
    "  --bootstrap B    resamples for the intervals (default: the sweep file's `bootstrap`)\n"
    "  -h, --help       show this help\n";

/* ord[0..d-1]: parameters by field f of metric m, descending; NaN last;
** ties in parameter order (insertion sort: d is small). */
static void rank(const cs_sens *s, int f, int m, int *ord, int d) {
  for (int k = 0; k < d; k++) {
    int i = k;
    double x = cs_sens_get(s, f, m, k);
    for (; i > 0; i--) {
      double y = cs_sens_get(s, f, m, ord[i - 1]);
      if (isnan(x) || (!isnan(y) && y >= x)) break;
      ord[i] = ord[i - 1];
    }
    ord[i] = k;
  }
}

/* "[low, high]" of the interval whose low end is field lo (high: lo + 1);
** Sobol indices with 3 decimals, Morris measures with 4 significant digits. */
static void interval(FILE *out, const cs_sens *s, int lo, int m, int i) {
  double a = cs_sens_get(s, lo, m, i), b = cs_sens_get(s, lo + 1, m, i);
  if (isnan(a) || isnan(b)) fprintf(out, "  %-*s", s->design == CS_SWD_SOBOL ? 18 : 22, "[n/a]");
  else if (s->design == CS_SWD_SOBOL) fprintf(out, "  [%7.3f, %7.3f]", a, b);
  else fprintf(out, "  [%8.4g, %8.4g]", a, b);
}

void cli_sensitivity_print(FILE *out, const cs_sens_file *sf, const char *const *only, int n_only) {
  const cs_sens *s = sf->sens;
  int sobol = s->design == CS_SWD_SOBOL, d = s->n_params;
  uint64_t np = cs_sens_n_points(s->design, s->samples, d);
  int *ord = malloc((size_t)d * sizeof *ord), w = 9;
  if (!ord) return;
  for (int i = 0; i < d; i++)
    if ((int)strlen(sf->params[i]) > w) w = (int)strlen(sf->params[i]);
  if (sobol)
    fprintf(out, "Sobol' indices of %d parameters: N = %llu base rows, %llu points x %llu replicates; S1 first "
            "order (Saltelli 2010), ST total (Jansen 1999)", d, (unsigned long long)s->samples,
            (unsigned long long)np, (unsigned long long)sf->replicates);
  else
    fprintf(out, "Morris elementary effects of %d parameters: r = %llu trajectories on %llu levels, %llu points x "
            "%llu replicates; mu* mean |effect|, in metric units per the parameter's whole range", d,
            (unsigned long long)s->samples, (unsigned long long)s->levels, (unsigned long long)np,
            (unsigned long long)sf->replicates);
  fprintf(out, "; 95%% bootstrap intervals (%llu resamples)\n", (unsigned long long)s->bootstrap);
  for (int m = 0; m < s->n_metrics; m++) {
    int shown = n_only == 0;
    for (int k = 0; k < n_only; k++) shown |= !strcmp(only[k], sf->metrics[m]);
    if (!shown) continue;
    fprintf(out, "\n%s", sf->metrics[m]);
    if (sf->units[m][0]) fprintf(out, " [%s]", sf->units[m]);
    if (s->n_nonfinite[m]) {
      fprintf(out, ": not computed: %llu of %llu points have a NaN or infinite value (e.g. fall_time of a node "
              "that did not fall)\n", (unsigned long long)s->n_nonfinite[m], (unsigned long long)np);
      continue;
    }
    if (s->variance[m] == 0 && sobol) {
      fprintf(out, ": the same at every point: no index\n");
      continue;
    }
    fprintf(out, ", variance over the design %.4g\n", s->variance[m]);
    rank(s, sobol ? CS_SENS_ST : CS_SENS_MU_STAR, m, ord, d);
    if (sobol)
      fprintf(out, "  %-*s  %8s  %-18s  %8s  %s\n", w, "parameter", "S1", "95% interval", "ST", "95% interval");
    else
      fprintf(out, "  %-*s  %9s  %-22s  %9s  %9s\n", w, "parameter", "mu*", "95% interval", "mu", "sigma");
    for (int k = 0; k < d; k++) {
      int i = ord[k];
      fprintf(out, "  %-*s", w, sf->params[i]);
      if (sobol) {
        fprintf(out, "  %8.3f", cs_sens_get(s, CS_SENS_S1, m, i));
        interval(out, s, CS_SENS_S1_LOW, m, i);
        fprintf(out, "  %8.3f", cs_sens_get(s, CS_SENS_ST, m, i));
        interval(out, s, CS_SENS_ST_LOW, m, i);
      } else {
        fprintf(out, "  %9.4g", cs_sens_get(s, CS_SENS_MU_STAR, m, i));
        interval(out, s, CS_SENS_MU_STAR_LOW, m, i);
        fprintf(out, "  %9.4g  %9.4g", cs_sens_get(s, CS_SENS_MU, m, i), cs_sens_get(s, CS_SENS_SIGMA, m, i));
      }
      fputc('\n', out);
    }
  }
  free(ord);
}

int cli_sensitivity(int argc, char **argv) {
  const char *file = NULL;
  const char **only = calloc((size_t)argc + 1, sizeof *only);
  int n_only = 0, status = EXIT_USAGE;
  int64_t boot = -1;
  cs_sens_file *sf = NULL;
  cs_ctx ctx = {{0}};
  if (!only) return EXIT_NOMEM;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(USAGE, stdout);
      status = EXIT_OK;
      goto done;
    } else if (!strcmp(a, "--metric") || !strcmp(a, "--bootstrap")) {
      if (i + 1 >= argc) {
        fprintf(stderr, "conflictsim sensitivity: option %s needs a value\n", a);
        goto done;
      }
      if (!strcmp(a, "--metric")) only[n_only++] = argv[++i];
      else {
        uint64_t b;
        if (cli_parse_u64(argv[++i], &b) || b > 1000000) {
          fprintf(stderr, "conflictsim sensitivity: --bootstrap takes an integer in [0, 1000000]\n");
          goto done;
        }
        boot = (int64_t)b;
      }
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "conflictsim sensitivity: unknown option '%s' (see conflictsim sensitivity --help)\n", a);
      goto done;
    } else if (!file) file = a;
    else {
      fprintf(stderr, "conflictsim sensitivity: one sweep file at a time\n");
      goto done;
    }
  }
  if (!file) {
    fputs("conflictsim sensitivity: no sweep file given\n\n", stderr);
    fputs(USAGE, stderr);
    goto done;
  }
  int rc = cs_sens_h5_read(&ctx, file, boot, &sf);
  if (rc != CS_OK) {
    fprintf(stderr, "conflictsim sensitivity: %s\n", cs_errmsg(&ctx));
    status = cli_exit_code(rc);
    goto done;
  }
  for (int k = 0; k < n_only; k++) {
    int found = 0;
    for (int m = 0; m < sf->sens->n_metrics; m++) found |= !strcmp(only[k], sf->metrics[m]);
    if (!found) {
      const char *near = cs_nearest_name(only[k], (const char *const *)sf->metrics, sf->sens->n_metrics);
      fprintf(stderr, "conflictsim sensitivity: %s has no metric '%s'%s%s%s\n", file, only[k],
              near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
      goto done;
    }
  }
  cli_sensitivity_print(stdout, sf, only, n_only);
  status = EXIT_OK;
done:
  cs_sens_file_free(sf);
  free(only);
  return status;
}
