/* cli_validate.c: `conflictsim validate`: run replicates of a scenario and
** hold them against observed targets read from a targets file (Lua; the
** language: scenarios/README.md, "Targets files"; the statistics:
** sim/batch/targets.c). The default targets file is NAME_targets.lua beside
** the scenario NAME.lua, else targets.lua there; --targets names another.
**
** Each replicate runs in a worker of the pool (pool.c; with -j 1, in this
** process) with the targets' sink (cs_targets_run), so nothing is written per
** run; the parent keeps each replicate's record by its number, so the table
** does not depend on -j. A target's per-run statistic is NaN where that run
** cannot compute it; the table summarises the runs that could (median, or
** mean if the target says summary = "mean"; the 5% and 95% quantiles) and a
** target passes when that summary lies within its tolerance. In-sample
** targets come first and decide the exit status (7 if one fails); held-out
** targets (holdout = true) follow in a block of their own, as a forecast:
** scored and printed, never counted in the exit status. The table goes to the
** terminal and, as CSV, to a file that is complete or absent. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cs_script.h"
#include "outfile.h"
#include "plain.h"
#include "pool.h"
#include "posterior.h"
#include "progress.h"
#include "stats.h"
#include "targets.h"

static const char *USAGE =
    "usage: conflictsim validate SCENARIO.lua [--targets FILE] [options]\n"
    "\n"
    "Run replicates of a scenario (seeds: --seed, replicates 0..N-1) and print, for\n"
    "each target of the targets file, the observed value, the simulated median (or\n"
    "mean) and 90% interval, the tolerance, and pass or fail: the in-sample targets,\n"
    "then the held-out ones (holdout = true) as a forecast.\n"
    "\n"
    "options:\n"
    "  --targets FILE     the targets file (default, beside the scenario NAME.lua:\n"
    "                     NAME_targets.lua, else targets.lua; the language:\n"
    "                     scenarios/README.md, \"Targets files\")\n"
    "  --posterior FILE   run replicate r under draw r from the posterior of a\n"
    "                     calibration file (conflictsim calibrate), and report each\n"
    "                     target's posterior predictive median and 90% interval\n"
    "                     (the runs plus the target's observation error) and whether\n"
    "                     it covers the observation; the calibration's own --set\n"
    "                     values (e.g. v2=true) apply too; --set wins over both\n"
    "  --replicates N     number of replicates (default 20)\n"
    "  --seed N           master seed (default 1)\n"
    "  --set NAME=VALUE   override a parameter (repeatable)\n"
    "  -j, --jobs N       worker processes (default: the number of cores; 1: in this\n"
    "                     process); the table is the same for every N\n"
    "  -o FILE            CSV table (default output/validate-<scenario>.csv)\n"
    "  --quiet            no progress\n"
    "  -h, --help         show this help\n"
    "\n"
    "Exit status: 0 if every computed in-sample target passes, 7 if one fails (held-out\n"
    "targets never change it), 2 without a targets file, otherwise as for run.\n";

enum { EXIT_TARGET_FAILED = 7 };

/* ---- the replicates, over the worker pool (pool.c) ---- */

typedef struct replicates {
  const cs_targets *t;
  const cs_posterior *post; /* NULL: the scenario's parameters */
  const cs_override *sets;
  size_t n_sets;
  uint64_t seed;
  int n;                  /* targets: a record is n doubles */
  double *vals;           /* [reps][n], in the parent */
  uint64_t done;
  cs_progress line;       /* replicates done, per second, time left */
} replicates;

/* Replicate r: the targets' statistics of one run into rec[n]. */
static int replicate_run(cs_ctx *ctx, void *ud, uint64_t r, void *out) {
  const replicates *rp = ud;
  if (!rp->post) return cs_targets_run(ctx, rp->t, rp->sets, rp->n_sets, rp->seed, r, out);
  /* posterior draw r first, then --set (a later value wins) */
  cs_override *ov = calloc((size_t)rp->post->n_params + rp->n_sets + 1, sizeof *ov);
  if (!ov) return cs_err(ctx, CS_ENOMEM, "out of memory");
  size_t n = (size_t)cs_posterior_overrides(rp->post, (int)r, NULL, 0, ov);
  for (size_t i = 0; i < rp->n_sets; i++) ov[n++] = rp->sets[i];
  int rc = cs_targets_run(ctx, rp->t, ov, n, rp->seed, r, out);
  free(ov);
  return rc;
}

/* The posterior predictive of target i: each run's statistic plus
** PRED_DRAWS draws of the target's error, N(0, sd^2 + discrepancy^2), from
** the PCG stream (seed, target i, purpose PRED), so the interval does not
** depend on -j. q05, q50, q95 into out[3]; NaN if no run computed it. */
#define PRED_DRAWS 50
static void predictive(const cs_target_info *in, const double *vals, int n_targets, int i, uint64_t reps,
                       uint64_t seed, double *x, double out[3]) {
  int m = 0;
  cs_pcg32 g;
  cs_stream_init(&g, seed, (uint64_t)i, CS_ENT_NONE, 0, 0x50524544u /* "PRED" */);
  double sd = sqrt(in->sd * in->sd + in->discrepancy * in->discrepancy);
  for (uint64_t r = 0; r < reps; r++) {
    double y = vals[r * (uint64_t)n_targets + (uint64_t)i];
    for (int k = 0; k < PRED_DRAWS; k++) {
      double e = sd * cs_rng_normal(&g);
      if (!isnan(y)) x[m++] = y + e;
    }
  }
  if (m == 0) {
    out[0] = out[1] = out[2] = NAN;
    return;
  }
  qsort(x, (size_t)m, sizeof *x, cs_stats_cmp_double);
  out[0] = cs_stats_quantile(x, m, 0.05);
  out[1] = cs_stats_quantile(x, m, 0.5);
  out[2] = cs_stats_quantile(x, m, 0.95);
}

/* In the parent: keep replicate r's record; the progress line. */
static int replicate_done(cs_ctx *ctx, void *ud, uint64_t r, const void *rec) {
  replicates *rp = ud;
  memcpy(rp->vals + r * (uint64_t)rp->n, rec, (size_t)rp->n * sizeof *rp->vals);
  rp->done++;
  cs_progress_update(&rp->line, (double)rp->done);
  return CS_OK;
}

/* A number for the printed table, in the form every report uses (plain.h):
** 12,345; 42.0; 3.20; 0.0123. */
static const char *fmt_num(double v, char *buf, size_t cap) { return cs_plain_num(v, 0, buf, cap); }

/* s as a CSV field: quoted, with quotes doubled. */
static void csv_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"') fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

/* What the table says about one target, from its runs. */
typedef struct summary {
  int n;                 /* runs that computed it */
  double value, q05, q95;
  const char *result;    /* "pass", "FAIL" or "not computed" */
} summary;

static summary summarise(const cs_target_info *in, const double *vals, int n_targets, int i, uint64_t reps,
                         double *x) {
  summary s = {0, NAN, NAN, NAN, "not computed"};
  for (uint64_t r = 0; r < reps; r++) {
    double y = vals[r * (uint64_t)n_targets + (uint64_t)i];
    if (!isnan(y)) x[s.n++] = y;
  }
  if (s.n == 0) return s;
  qsort(x, (size_t)s.n, sizeof *x, cs_stats_cmp_double);
  s.q05 = cs_stats_quantile(x, s.n, 0.05);
  s.q95 = cs_stats_quantile(x, s.n, 0.95);
  s.value = in->summary == CS_TARGET_MEAN ? cs_stats_mean(x, s.n) : cs_stats_quantile(x, s.n, 0.5);
  s.result = s.value >= in->lo && s.value <= in->hi ? "pass" : "FAIL";
  return s;
}

/* The default targets file, in the scenario's folder: NAME_targets.lua for
** a scenario NAME.lua if there is one (several scenarios can share a
** folder), else targets.lua. Writes the first name looked for into buf when
** neither exists; returns 0 when one does, 1 when none does, -1 if the path
** does not fit. */
static int default_targets(const char *scenario, char *buf, size_t cap) {
  const char *slash = strrchr(scenario, '/'), *base = slash ? slash + 1 : scenario;
  int d = (int)(base - scenario), n = (int)strlen(base);
  struct stat st;
  if (n > 4 && !strcmp(base + n - 4, ".lua")) n -= 4;
  if (snprintf(buf, cap, "%.*s%.*s_targets.lua", d, scenario, n, base) >= (int)cap) return -1;
  if (stat(buf, &st) == 0) return 0;
  if (snprintf(buf, cap, "%.*stargets.lua", d, scenario) >= (int)cap) return -1;
  return stat(buf, &st) == 0 ? 0 : 1;
}

int cli_validate(int argc, char **argv) {
  const char *scenario = NULL, *out = NULL, *tfile = NULL, *post_path = NULL;
  cs_posterior *post = NULL;
  long nc = sysconf(_SC_NPROCESSORS_ONLN);
  uint64_t seed = 1, reps = 20, jobs = nc > 0 ? (uint64_t)nc : 1;
  int quiet = 0, status = EXIT_USAGE;
  cs_override *sets = calloc((size_t)argc + 1, sizeof *sets);
  char **bufs = calloc((size_t)argc + 1, sizeof *bufs);
  double *vals = NULL, *x = NULL;
  cs_targets *t = NULL;
  FILE *f = NULL;
  size_t n_sets = 0, n_user = 0; /* n_user: this command line's --set; then the calibration's */
  char outbuf[512], tbuf[4096], tmp[4200];
  tmp[0] = '\0';
  if (!sets || !bufs) goto done;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(USAGE, stdout);
      status = EXIT_OK;
      goto done;
    } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) quiet = 1;
    else if ((!strcmp(a, "--replicates") || !strcmp(a, "--seed") || !strcmp(a, "-o") || !strcmp(a, "--set") ||
              !strcmp(a, "-j") || !strcmp(a, "--jobs") || !strcmp(a, "--targets") || !strcmp(a, "--posterior")) &&
             !val) {
      fprintf(stderr, "conflictsim validate: option %s needs a value\n", a);
      goto done;
    } else if (!strcmp(a, "--replicates")) {
      if (cli_parse_u64(argv[++i], &reps) || reps == 0 || reps > 1000000) {
        fprintf(stderr, "conflictsim validate: --replicates must be an integer in [1, 1000000]\n");
        goto done;
      }
    } else if (!strcmp(a, "--seed")) {
      if (cli_parse_u64(argv[++i], &seed)) {
        fprintf(stderr, "conflictsim validate: --seed must be an integer in [0, 2^64)\n");
        goto done;
      }
    } else if (!strcmp(a, "-j") || !strcmp(a, "--jobs")) {
      if (cli_parse_u64(argv[++i], &jobs) || jobs < 1 || jobs > 1024) {
        fprintf(stderr, "conflictsim validate: -j must be an integer in [1, 1024]\n");
        goto done;
      }
    } else if (!strcmp(a, "-o")) out = argv[++i];
    else if (!strcmp(a, "--targets")) tfile = argv[++i];
    else if (!strcmp(a, "--posterior")) post_path = argv[++i];
    else if (!strcmp(a, "--set")) {
      int e = cli_parse_set("validate", val, &sets[n_sets]);
      if (e != EXIT_OK) {
        status = e;
        goto done;
      }
      bufs[n_sets] = (char *)sets[n_sets].name;
      n_user = ++n_sets;
      i++;
    } else if (a[0] == '-') {
      fprintf(stderr, "conflictsim validate: unknown option '%s'\n", a);
      goto done;
    } else if (!scenario) scenario = a;
    else {
      fprintf(stderr, "conflictsim validate: one scenario at a time\n");
      goto done;
    }
  }
  if (!scenario) {
    fputs(USAGE, stderr);
    goto done;
  }
  if (!tfile) {
    int found = default_targets(scenario, tbuf, sizeof tbuf);
    if (found < 0) {
      fprintf(stderr, "conflictsim validate: the scenario's path is too long\n");
      goto done;
    }
    if (found > 0) {
      fprintf(stderr,
              "conflictsim validate: no targets for %s: neither NAME_targets.lua nor %s is beside it; write one "
              "(scenarios/README.md, \"Targets files\") or give --targets FILE\n", scenario, tbuf);
      goto done;
    }
    tfile = tbuf;
  }
  if (!out) {
    const char *base = strrchr(scenario, '/');
    base = base ? base + 1 : scenario;
    size_t n = strlen(base);
    if (n > 4 && !strcmp(base + n - 4, ".lua")) n -= 4;
    snprintf(outbuf, sizeof outbuf, "output/validate-%.*s.csv", (int)(n > 200 ? 200 : n), base);
    out = outbuf;
  }
  cs_script_limits lim;
  cs_script_limits_default(&lim);
  cs_ctx ctx = {{0}};
  int rc = CS_OK;
  if (post_path) {
    if ((rc = cs_posterior_load(&ctx, post_path, &post)) != CS_OK ||
        (rc = cs_posterior_draw(&ctx, post, (int)reps, seed)) != CS_OK) {
      fprintf(stderr, "conflictsim validate: %s\n", cs_errmsg(&ctx));
      status = rc == CS_EINVAL || rc == CS_EIO ? EXIT_SCENARIO : cli_exit_code(rc);
      goto done;
    }
    /* the calibration's own --set (the model it calibrated) under this --set: for the
    ** targets' probe and every replicate (their names are borrowed from post) */
    cs_override *more = realloc(sets, ((size_t)argc + (size_t)post->n_sets + 1) * sizeof *sets);
    if (!more) {
      fputs("conflictsim validate: out of memory\n", stderr);
      status = EXIT_NOMEM;
      goto done;
    }
    sets = more;
    n_sets += cs_posterior_settings(post, sets, n_user, sets + n_user);
  }
  rc = cs_targets_load(&ctx, tfile, scenario, &lim, sets, n_sets, 1, &t);
  if (rc != CS_OK) {
    fprintf(stderr, "conflictsim validate: %s\n", cs_errmsg(&ctx));
    /* a --set the user did not type may be the calibration's own: say which were added */
    if (post && strstr(cs_errmsg(&ctx), "--set")) cli_print_settings(stderr, "conflictsim validate: note: ", post, sets, n_user);
    status = rc == CS_EIO ? EXIT_SCENARIO : cli_exit_code(rc);
    goto done;
  }
  if (out == outbuf && mkdir("output", 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "conflictsim validate: cannot create 'output': %s\n", strerror(errno));
    status = EXIT_IO;
    goto done;
  }
  if (cs_outfile_check(&ctx, out) != CS_OK) { /* before the runs, not after */
    fprintf(stderr, "conflictsim validate: %s\n", cs_errmsg(&ctx));
    status = EXIT_IO;
    goto done;
  }
  int n = cs_targets_count(t);
  if (!(vals = calloc(reps * (uint64_t)n, sizeof *vals)) || !(x = calloc(reps * PRED_DRAWS, sizeof *x))) {
    status = EXIT_NOMEM;
    goto done;
  }
  replicates rp = {t, post, sets, n_sets, seed, n, vals, 0, {0}};
  cs_progress_start(&rp.line, quiet, "replicates", 0, "runs/s", 0, (double)reps);
  cs_pool pool = {.n_jobs = reps, .rec_bytes = (size_t)n * sizeof *vals, .workers = jobs > 1 ? (int)jobs : 0,
                  .run = replicate_run, .done = replicate_done, .ud = &rp};
  rc = cs_pool_run(&ctx, &pool);
  cs_progress_end(&rp.line);
  if (rc != CS_OK) {
    /* a replicate's own error as it always was; the pool's (a worker died) named */
    fprintf(stderr, "%s%s\n", pool.failed == UINT64_MAX || pool.died ? "conflictsim validate: " : "",
            cs_errmsg(&ctx));
    status = cli_exit_code(rc);
    goto done;
  }

  if (cs_outfile_tmp_name(out, tmp, sizeof tmp) || !(f = fopen(tmp, "w"))) {
    fprintf(stderr, "conflictsim validate: cannot write '%s': %s\n", out,
            strlen(out) + 32 > sizeof tmp ? "the path is too long" : strerror(errno));
    tmp[0] = '\0';
    status = EXIT_IO;
    goto done;
  }
  int width = 6, n_hold = 0, failed = 0, failed_hold = 0, not_computed = 0;
  for (int i = 0; i < n; i++) {
    const cs_target_info *in = cs_targets_info(t, i);
    int w = (int)strlen(in->name);
    if (w > width) width = w > 48 ? 48 : w;
    n_hold += in->holdout;
  }
  printf("targets: %s (%d in-sample, %d held out; SHA-256 %.12s...), %llu replicates\n", tfile, n - n_hold, n_hold,
         cs_targets_sha(t), (unsigned long long)reps);
  if (post) {
    printf("parameters: replicate r under draw r of the posterior in %s (%d particles; SHA-256 %.12s...)\n",
           post->path, post->n_particles, post->sha);
    cli_print_settings(stdout, "", post, sets, n_user);
  }
  fprintf(f, "target,holdout,observed,summary,simulated,q05,q95,tolerance_low,tolerance_high,sd,result,runs,"
             "source,statistic,predictive_low,predictive_median,predictive_high,covered\n");
  int covered[2] = {0, 0}, computed[2] = {0, 0};
  for (int block = 0; block < 2; block++) {
    if (block == 1 && n_hold == 0) break;
    if (block == 0) printf("\nIn-sample targets (they decide the exit status):\n");
    else printf("\nHeld-out targets (a forecast: reported, never fitted; not in the exit status):\n");
    printf("%-*s %12s %-6s %12s %25s %25s %9s %s%s\n", width, "target", "observed", "", "simulated", "90% interval",
           "tolerance", "runs", "result", post ? "   predictive 90% (covers?)" : "");
    for (int i = 0; i < n; i++) {
      const cs_target_info *in = cs_targets_info(t, i);
      if (in->holdout != block) continue;
      summary sm = summarise(in, vals, n, i, reps, x);
      if (sm.n > 0 && sm.result[0] == 'F') {
        if (block == 0) failed++;
        else failed_hold++;
      }
      not_computed += sm.n == 0;
      char iv[80], tol[80], a[32], b[32], ob[32], md[32], runs[48];
      if (isnan(sm.q05)) snprintf(iv, sizeof iv, "-");
      else snprintf(iv, sizeof iv, "[%s, %s]", fmt_num(sm.q05, a, sizeof a), fmt_num(sm.q95, b, sizeof b));
      if (isinf(in->hi)) snprintf(tol, sizeof tol, ">= %s", fmt_num(in->lo, a, sizeof a));
      else snprintf(tol, sizeof tol, "[%s, %s]", fmt_num(in->lo, a, sizeof a), fmt_num(in->hi, b, sizeof b));
      snprintf(runs, sizeof runs, "%d/%llu", sm.n, (unsigned long long)reps);
      const char *kind = in->summary == CS_TARGET_MEAN ? "mean" : "median";
      double pq[3] = {NAN, NAN, NAN};
      const char *cov = "";
      char pv[96] = "";
      if (post) {
        predictive(in, vals, n, i, reps, seed, x, pq);
        if (!isnan(pq[1])) {
          int c = in->observed >= pq[0] && in->observed <= pq[2];
          cov = c ? "yes" : "no";
          covered[block] += c;
          computed[block]++;
          snprintf(pv, sizeof pv, "   [%s, %s] %s", fmt_num(pq[0], a, sizeof a), fmt_num(pq[2], b, sizeof b), cov);
        }
      }
      printf("%-*s %12s %-6s %12s %25s %25s %9s %s%s\n", width, in->name, fmt_num(in->observed, ob, sizeof ob), kind,
             fmt_num(sm.value, md, sizeof md), iv, tol, runs, sm.result, pv);
      fprintf(f, "%s,%d,%.10g,%s,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%s,%d,", in->name, in->holdout, in->observed,
              kind, sm.value, sm.q05, sm.q95, in->lo, in->hi, in->sd, sm.result, sm.n);
      csv_str(f, in->source);
      fputc(',', f);
      csv_str(f, in->doc);
      fprintf(f, ",%.10g,%.10g,%.10g,%s\n", pq[0], pq[1], pq[2], cov);
    }
  }
  printf("\nWhat each target is (the statistic of one run; its source):\n");
  for (int i = 0; i < n; i++) {
    const cs_target_info *in = cs_targets_info(t, i);
    printf("  %s: %s%s%s%s\n", in->name, in->doc, in->source[0] ? " [" : "", in->source, in->source[0] ? "]" : "");
  }
  if (not_computed)
    printf("\n%d target%s not computed in any run (each run gave NaN: a ratio over zero, a share of nobody, or a "
           "fn() that returned nil).\n", not_computed, not_computed > 1 ? "s were" : " was");
  printf("\n%d of %d in-sample targets failed", failed, n - n_hold);
  if (n_hold) printf("; %d of %d held-out targets fell outside their tolerance", failed_hold, n_hold);
  printf(".\n");
  if (post) {
    printf("posterior predictive 90%% intervals cover %d of %d computed in-sample observations", covered[0],
           computed[0]);
    if (n_hold) printf(" and %d of %d held-out ones", covered[1], computed[1]);
    printf(" (about 90%% is what a calibrated model gives).\n");
  }
  cs_ctx fctx = {{0}};
  int frc = (ferror(f) | (fclose(f) != 0)) ? cs_err(&fctx, CS_EIO, "cannot write '%s'", tmp) : CS_OK;
  f = NULL;
  if (cs_outfile_commit(&fctx, "validation table", tmp, out, frc) != CS_OK) {
    fprintf(stderr, "conflictsim validate: %s\n", cs_errmsg(&fctx));
    tmp[0] = '\0'; /* commit removed it */
    status = EXIT_IO;
    goto done;
  }
  tmp[0] = '\0';
  printf("table written to %s\n", out);
  status = failed ? EXIT_TARGET_FAILED : EXIT_OK;
done:
  if (f) fclose(f);
  if (tmp[0]) remove(tmp);
  cs_targets_free(t);
  cs_posterior_free(post);
  free(x);
  free(vals);
  for (size_t i = 0; bufs && i < n_user; i++) free(bufs[i]);
  free(bufs);
  free(sets);
  return status;
}
