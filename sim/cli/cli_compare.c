/* cli_compare.c: `conflictsim compare`: an intervention against its baseline
** over paired replicates (common random numbers), with paired statistics.
**
** This file is the command line: the arguments, the terminal table and the
** bootstrap self-test. The arms and their runs are compare_arm.c (over the
** worker pool, pool.c), the statistics compare_stats.c, and the CSV, JSON
** and HDF5 report files compare_report.c; compare_arm.h and
** compare_report.h state the invariants (the report does not depend on -j;
** what each statistic is). tests/test_compare.py checks the derived city
** trajectories against `conflictsim run`. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "compare_report.h"
#include "outfile.h"
#include "cs_rng.h"
#include "cs_sweep.h"
#include "plain.h"
#include "progress.h"
#include "stats.h"

static const char *USAGE =
    "usage: conflictsim compare --baseline BASE.lua --variant VAR [--variant VAR ...] -o PREFIX [options]\n"
    "\n"
    "Run a baseline and one or more intervention variants over the same seeds\n"
    "(replicate r of every arm uses the streams of (seed, r): common random\n"
    "numbers) and report, per outcome metric, the baseline and variant means,\n"
    "the paired mean difference with a 95% BCa bootstrap interval, the share of\n"
    "replicates where the variant is better (lower, or for fall_time:<node> higher:\n"
    "a node that falls later; one that did not fall counts as falling on the last\n"
    "day), and the variance reduction pairing gave. Writes PREFIX.csv,\n"
    "PREFIX.json and PREFIX.h5 (per-replicate values, differences and city\n"
    "trajectories; output/README.md, \"The compare report\");\n"
    "output/plot_compare.py PREFIX.h5 draws the figures, output/report.py\n"
    "PREFIX.h5 -o REPORT.html writes them and the table into one HTML page.\n"
    "\n"
    "options:\n"
    "  --baseline FILE       the baseline scenario (required)\n"
    "  --set-baseline K=V    override a parameter in the baseline (repeatable);\n"
    "                        variants built on the baseline inherit it\n"
    "  --variant [NAME:]SPEC a variant (repeatable). SPEC is K=V,K=V,...: the\n"
    "                        baseline with these overrides too; or FILE.lua[,K=V,...]:\n"
    "                        another scenario with only the overrides given here\n"
    "                        (not the baseline's; compare says so when there are some)\n"
    "  --variant-set K=V,... the same as --variant K=V,...\n"
    "  --replicates N        paired replicates, N >= 2 (default 20)\n"
    "  --seed S              master seed in [0, 2^63) (default 1; the arms' sweep text\n"
    "                        carries it as a Lua integer, which is signed)\n"
    "  --branch-at DAY       many futures from one past: every run of every arm is\n"
    "                        branched at DAY (0 <= DAY < the scenario's days), as\n"
    "                        `run --branch-at` does (sim/README.md, \"Branching\")\n"
    "  --branches K          K branches per replicate (1 <= K <= 10000, default 1):\n"
    "                        replicate r branch k of every arm uses the same (seed,\n"
    "                        r, k), so an intervention that starts at or after DAY\n"
    "                        is paired on top of each branch's shared past. The\n"
    "                        statistics are over the R x K pairs; the intervals\n"
    "                        resample replicates (their branch-mean differences),\n"
    "                        as the branches of a replicate share a past\n"
    "  --posterior FILE      run replicate r of every arm under draw r from the\n"
    "                        posterior of a calibration file (conflictsim calibrate):\n"
    "                        the effect's interval then includes parameter\n"
    "                        uncertainty, not only the noise of the runs; the\n"
    "                        calibration's own --set values (e.g. v2=true) apply to\n"
    "                        every arm; an arm's own overrides win over both\n"
    "  --metric NAME         an outcome metric to compute and report (repeatable; in\n"
    "                        the order given): a built-in metric of a sweep\n"
    "                        (displaced_final, civilian_deaths_final, clashes_all, ...;\n"
    "                        output/README.md, \"Metrics\"), fall_time:<node> or\n"
    "                        fled:<node>. Default: every built-in but those of one node\n"
    "  --bootstrap B         bootstrap resamples (default 10000)\n"
    "  -j, --jobs N          worker processes (default: the number of cores)\n"
    "  -o, --output PREFIX   report prefix (required)\n"
    "  --quiet               no table and no progress line on the terminal\n"
    "  -h, --help            show this help\n";

/* `compare --selftest-bootstrap`: coverage of the 95% BCa interval for the
** mean over many synthetic datasets of known mean, for a symmetric and a
** skewed distribution. One line per distribution on stdout. */
static int selftest_bootstrap(int datasets, int n, int B) {
  double *d = malloc((size_t)n * sizeof *d), *work = malloc((size_t)B * sizeof *work);
  if (!d || !work) {
    free(d);
    free(work);
    return EXIT_NOMEM;
  }
  static const char *const dist[] = {"normal", "exponential"};
  const double mu = 1.5;
  for (int k = 0; k < 2; k++) {
    cs_pcg32 data, boot;
    cs_stream_init(&data, 12345, (uint64_t)k, CS_ENT_NONE, 0, 0x44415441u);
    cs_stream_init(&boot, 12345, (uint64_t)k, CS_ENT_NONE, 0, CS_CMP_BOOT_PURPOSE);
    int covered = 0;
    double width = 0;
    for (int s = 0; s < datasets; s++) {
      for (int i = 0; i < n; i++) d[i] = mu + (k == 0 ? cs_rng_normal(&data) : cs_rng_exp(&data, 1.0) - 1.0);
      double lo, hi;
      cs_stats_bca_mean(d, n, B, CS_CMP_CI_LEVEL, &boot, work, &lo, &hi);
      covered += lo <= mu && mu <= hi;
      width += hi - lo;
    }
    printf("selftest-bootstrap dist=%s n=%d datasets=%d resamples=%d level=%.2f true_mean=%g coverage=%.4f "
           "mean_width=%.4f\n",
           dist[k], n, datasets, B, CS_CMP_CI_LEVEL, mu, (double)covered / datasets, width / datasets);
  }
  free(d);
  free(work);
  return EXIT_OK;
}

/* ---- --metric ---- */

#define MET_NAME_(kind, name, ...) name,
static const char *const MET_NAME[CS_MET_KINDS] = {CS_SWEEP_METRIC_LIST(MET_NAME_)};
#undef MET_NAME_

/* Is s a metric name a sweep file's `metrics` list accepts (a built-in,
** NAME or NAME:<node>)? Checked here, before any scenario is loaded, so a
** misspelt name is a usage error (exit 2) naming the valid ones; whether the
** node exists is the scenario's to say (the arm's sweep load, exit 3). */
static int check_metric(const char *s) {
  const char *colon = strchr(s, ':');
  size_t head = colon ? (size_t)(colon - s) : strlen(s);
  for (int k = 0; k < CS_MET_KINDS; k++)
    if (strlen(MET_NAME[k]) == head && !strncmp(s, MET_NAME[k], head) &&
        (k >= CS_MET_NODE_FIRST ? colon && colon[1] : !colon))
      return 0;
  /* the nearest name: a node metric is matched on the part before ':' */
  const char *near = NULL;
  char guess[128] = "";
  if (head < 64) {
    char h[64];
    memcpy(h, s, head);
    h[head] = '\0';
    near = cs_nearest_name(h, MET_NAME, CS_MET_KINDS);
  }
  for (int k = 0; near && k < CS_MET_KINDS; k++)
    if (!strcmp(near, MET_NAME[k]))
      snprintf(guess, sizeof guess, "%s%s", near, k >= CS_MET_NODE_FIRST ? (colon && colon[1] ? colon : ":<node>") : "");
  fprintf(stderr, "conflictsim compare: --metric: unknown metric '%s'%s%s%s; the metrics are:", s,
          guess[0] ? " (did you mean '" : "", guess, guess[0] ? "'?)" : "");
  for (int k = 0; k < CS_MET_KINDS; k++)
    fprintf(stderr, "%s %s%s", k ? "," : "", MET_NAME[k], k >= CS_MET_NODE_FIRST ? ":<node>" : "");
  fputc('\n', stderr);
  return -1;
}

/* ---- the terminal table ---- */

/* The table is for a reader: plain labels and the reader's units (plain.h),
** numbers with thousands separators, shares in %, differences signed,
** P(better), P(worse) and P(tie) as whole percentages that add up to 100.
** The metric's code (the CSV's and the HDF5 file's name for it) ends each
** row. Column widths are fixed: the label column fits the longest label. */
static void print_table(const cs_cmp_report *R) {
  const cs_sweep *sw = R->arms[0].sw;
  int lw = 7;
  char lab[160], b0[64], b1[64], b2[64], lo[64], hi[64], ci[140], vr[64];
  for (int m = 0; m < R->n_metrics; m++) {
    int w = (int)strlen(cs_plain_metric_label(sw, m, lab, sizeof lab));
    if (w > lw) lw = w > 60 ? 60 : w;
  }
  if (R->branched)
    printf("compare: %llu paired replicates x %llu branches at day %g (seed %llu): replicate r branch k of every\n"
           "arm shares one past up to day %g and meets the same chance events after it, so a difference between\n"
           "arms is the intervention's, on top of each branch. baseline and variant: means over the %llu runs;\n"
           "difference: variant - baseline, mean over the pairs, with its 95%% interval (BCa bootstrap over the\n"
           "replicates' branch-mean differences, %d resamples); better if: which way the outcome improves.\n",
           (unsigned long long)(R->reps / cs_cmp_branches(R)), (unsigned long long)cs_cmp_branches(R), R->branch_at,
           (unsigned long long)R->seed, R->branch_at, (unsigned long long)R->reps, R->B);
  else
    printf("compare: %llu paired replicates (seed %llu): replicate r of every arm meets the same chance events,\n"
           "so differences between arms come from the intervention, not from other luck (the intervals say how\n"
           "precisely the replicates pin them down). baseline and variant: means over the replicates;\n"
           "difference: variant - baseline, mean over the pairs, with its 95%% interval (BCa bootstrap, %d\n"
           "resamples); better if: which way the outcome improves.\n",
           (unsigned long long)R->reps, (unsigned long long)R->seed, R->B);
  int censored = 0, shares = 0;
  for (int v = 1; v < R->n_arms; v++) {
    printf("\nvariant %s (%s%s%s) against the baseline\n", R->arms[v].name, R->arms[v].scenario,
           R->arms[v].sets_text[0] ? " " : "", R->arms[v].sets_text);
    printf("  %-*s %-14s %-9s %11s %11s %11s %-26s %9s %8s %6s %9s  %s\n", lw, "outcome", "unit", "better if",
           "baseline", "variant", "difference", "95% interval", "P(better)", "P(worse)", "P(tie)", "var. red.",
           "code");
    for (int m = 0; m < R->n_metrics; m++) {
      const cs_cmp_stat *s = &R->st[(size_t)(v - 1) * (size_t)R->n_metrics + (size_t)m];
      const char *u = cs_sweep_metric_units(sw, m);
      double p[3] = {s->p_better, s->p_worse, 1.0 - s->p_better - s->p_worse};
      int pct[3];
      cs_plain_percentages(p, 3, pct);
      shares |= !strcmp(u, "1");
      int share = !strcmp(u, "1") && isfinite(s->lo) && isfinite(s->hi);
      snprintf(ci, sizeof ci, "[%s, %s]%s", cs_plain_num(share ? 100 * s->lo : s->lo, 1, lo, sizeof lo),
               cs_plain_num(share ? 100 * s->hi : s->hi, 1, hi, sizeof hi), share ? " pp" : "");
      printf("  %-*.*s %-14s %-9s %11s %11s %11s %-26s %8d%% %7d%% %5d%% %9s  %s\n", lw, lw,
             cs_plain_metric_label(sw, m, lab, sizeof lab), cs_plain_unit(u),
             cs_sweep_better_name(cs_sweep_metric_better(sw, m)), cs_plain_value(s->base_mean, u, 0, b0, sizeof b0),
             cs_plain_value(s->var_mean, u, 0, b1, sizeof b1), cs_plain_value(s->diff, u, 1, b2, sizeof b2), ci,
             pct[0], pct[1], pct[2], cs_plain_num(s->vr, 0, vr, sizeof vr), sw->metrics[m].name);
    }
    for (int m = 0; m < R->n_metrics; m++) {
      const cs_cmp_stat *s = &R->st[(size_t)(v - 1) * (size_t)R->n_metrics + (size_t)m];
      if (s->base_nan || s->var_nan) {
        printf("  %s (%s): no fall by day %g in %llu of %llu baseline runs and %llu of %llu variant runs "
               "(counted as day %g)\n", cs_plain_metric_label(sw, m, lab, sizeof lab), sw->metrics[m].name,
               sw->days, (unsigned long long)s->base_nan,
               (unsigned long long)R->reps, (unsigned long long)s->var_nan, (unsigned long long)R->reps, sw->days);
        censored = 1;
      }
    }
  }
  /* what the columns and the intervals can and cannot say */
  int n_iv = (R->n_arms - 1) * R->n_metrics;
  printf("\nP(better), P(worse), P(tie): the share of replicates in which the variant did better, worse or\n"
         "exactly the same as the baseline on that outcome. Ties are common where the intervention does not\n"
         "reach an outcome: a low P(better) beside a high P(tie) means the intervention did not change that\n"
         "outcome in those runs (it may come too late or not reach it), not that it made things worse.\n"
         "The mean difference and P(better) can point different ways: a few replicates with large effects\n"
         "move the mean, while P(better) counts replicates (PREFIX.h5 has each pair's difference).\n"
         "var. red.: how much pairing narrowed the interval: the variance of unpaired differences (variant\n"
         "replicate r+1 against baseline r) over that of the paired ones.\n");
  if (shares) printf("%%: share of the city; pp: percentage points (a difference of two shares).\n");
  printf("Each interval covers its own mean difference with 95%% probability: of the %d here, about %.1f may\n"
         "exclude the true value by chance alone.\n", n_iv, 0.05 * n_iv);
  if (censored)
    printf("A neighbourhood that did not fall is counted as falling on the last day (its time is only known\n"
           "to be later): held in one arm and fallen in the other is a difference in the right direction, held\n"
           "in both a tie, and the means are of min(day of the fall, last day).\n");
  if (R->reps / cs_cmp_branches(R) < 20)
    printf("warning: %llu replicates: bootstrap intervals from fewer than 20 %s are unreliable\n"
           "(they undercover); use --replicates 20 or more for conclusions.\n",
           (unsigned long long)(R->reps / cs_cmp_branches(R)), R->branched ? "replicates (branches do not add to them)"
                                                                   : "paired runs");
}

/* ---- the command ---- */

/* The calibration's own --set values (the model its posterior is for) that
** arm a does not set itself: they go under the arm's own. 0, or -2 (memory). */
static int add_calib_settings(cs_cmp_arm *a, const cs_posterior *p) {
  int n_own = a->n_sets; /* only the arm's own names: of a name the file gives twice, the last wins */
  for (int i = 0; i < p->n_sets; i++) {
    int named = 0;
    for (int k = 0; k < n_own && !named; k++) named = !strcmp(a->sets[k].name, p->sets[i].name);
    if (named) continue;
    size_t len = strlen(p->sets[i].name) + 1 + strlen(p->sets[i].value);
    char *t = malloc(len + 1);
    if (!t) return -2;
    snprintf(t, len + 1, "%s=%s", p->sets[i].name, p->sets[i].value);
    int e = cs_cmp_arm_add_set(a, t, len);
    free(t);
    if (e) return -2;
    for (int k = n_own; k < a->n_sets; k++) a->sets[k].from_calib |= !strcmp(a->sets[k].name, p->sets[i].name);
  }
  return 0;
}

/* Under --posterior: the calibration's own settings, then, for each, the arms
** that give it another value themselves. */
static void print_calib_settings(const cs_posterior *p, const cs_cmp_arm *arms, int n_arms) {
  cli_print_settings(stderr, "conflictsim compare: ", p, NULL, 0);
  for (int i = 0; i < p->n_sets; i++) {
    int said = 0;
    for (int a = 0; a < n_arms; a++)
      for (int k = 0; k < arms[a].n_sets; k++)
        if (!strcmp(arms[a].sets[k].name, p->sets[i].name) && !arms[a].sets[k].from_calib &&
            strcmp(arms[a].sets[k].value, p->sets[i].value)) {
          fprintf(stderr, "%s %s (%s=%s)", said ? "," : "conflictsim compare: not applied in", arms[a].name,
                  p->sets[i].name, arms[a].sets[k].value);
          said = 1;
        }
    if (said) fprintf(stderr, ", which set %s themselves\n", p->sets[i].name);
  }
}

int cli_compare(int argc, char **argv) {
  int status = EXIT_USAGE, n_arms = 1, quiet = 0, B = 10000;
  long jobs = sysconf(_SC_NPROCESSORS_ONLN);
  uint64_t reps = 20, seed = 1, u;
  const char *prefix = NULL, *post_path = NULL;
  cs_posterior *post = NULL;
  cs_cmp_arm *arms = calloc((size_t)argc + 2, sizeof *arms);
  const char **vspecs = calloc((size_t)argc + 1, sizeof *vspecs);
  const char **mets = calloc((size_t)argc + 1, sizeof *mets); /* --metric, in order */
  cs_cmp_stat *st = NULL;
  double *slots = NULL; /* the runs' slots (cs_cmp_run_all) */
  char *path = NULL;
  cs_ctx ctx = {{0}};
  int rc, n_v = 0, n_met = 0;
  cli_branch branch = {0, 0.0, 1, 0, 0, 0};
  if (!arms || !vspecs || !mets) {
    status = EXIT_NOMEM;
    goto done;
  }
  if (argc >= 2 && !strcmp(argv[1], "--selftest-bootstrap")) {
    int ds = 1000, n = 100, b = 1000;
    for (int i = 2; i + 1 < argc; i += 2) {
      if (cli_parse_u64(argv[i + 1], &u) || u < 2 || u > 100000) goto done;
      if (!strcmp(argv[i], "--datasets")) ds = (int)u;
      else if (!strcmp(argv[i], "--n")) n = (int)u;
      else if (!strcmp(argv[i], "--resamples")) b = (int)u;
      else goto done;
    }
    status = selftest_bootstrap(ds, n, b);
    goto done;
  }
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(USAGE, stdout);
      status = EXIT_OK;
      goto done;
    } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
      quiet = 1;
      continue;
    }
    int br = cli_branch_option("compare", argc, argv, &i, 0, &branch);
    if (br < 0) goto done;
    if (br > 0) continue;
    if (a[0] != '-') {
      fprintf(stderr, "conflictsim compare: unexpected argument '%s' (the baseline is --baseline FILE)\n", a);
      goto done;
    }
    if (!val) {
      fprintf(stderr, "conflictsim compare: option %s needs a value\n", a);
      goto done;
    }
    i++;
    if (!strcmp(a, "--baseline")) {
      if (arms[0].scenario) {
        fputs("conflictsim compare: one --baseline\n", stderr);
        goto done;
      }
      if (!(arms[0].scenario = strdup(val))) goto nomem;
    } else if (!strcmp(a, "--set-baseline")) {
      int e = cs_cmp_arm_add_set(&arms[0], val, strlen(val));
      if (e == -2) goto nomem;
      if (e) {
        fprintf(stderr, "conflictsim compare: --set-baseline takes NAME=VALUE, got '%s'\n", val);
        goto done;
      }
    } else if (!strcmp(a, "--variant") || !strcmp(a, "--variant-set")) {
      if (!strcmp(a, "--variant-set") && !strchr(val, '=')) {
        fprintf(stderr, "conflictsim compare: --variant-set takes NAME=VALUE,..., got '%s'\n", val);
        goto done;
      }
      vspecs[n_v++] = val;
    } else if (!strcmp(a, "--replicates")) {
      if (cli_parse_u64(val, &reps) || reps < 2 || reps > 1000000) {
        fprintf(stderr, "conflictsim compare: --replicates must be an integer in [2, 1000000]\n");
        goto done;
      }
    } else if (!strcmp(a, "--seed")) {
      if (cli_parse_u64(val, &seed) || seed >= ((uint64_t)1 << 63)) {
        fprintf(stderr, "conflictsim compare: --seed must be an integer in [0, 2^63)\n");
        goto done;
      }
    } else if (!strcmp(a, "--bootstrap")) {
      if (cli_parse_u64(val, &u) || u < 100 || u > 10000000) {
        fprintf(stderr, "conflictsim compare: --bootstrap must be an integer in [100, 10000000]\n");
        goto done;
      }
      B = (int)u;
    } else if (!strcmp(a, "-j") || !strcmp(a, "--jobs")) {
      if (cli_parse_u64(val, &u) || u < 1 || u > 1024) {
        fprintf(stderr, "conflictsim compare: -j must be an integer in [1, 1024]\n");
        goto done;
      }
      jobs = (long)u;
    } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
      prefix = val;
    } else if (!strcmp(a, "--posterior")) {
      post_path = val;
    } else if (!strcmp(a, "--metric")) {
      if (check_metric(val)) goto done;
      for (int k = 0; k < n_met; k++)
        if (!strcmp(mets[k], val)) {
          fprintf(stderr, "conflictsim compare: --metric %s given twice\n", val);
          goto done;
        }
      mets[n_met++] = val;
    } else {
      fprintf(stderr, "conflictsim compare: unknown option '%s' (see conflictsim compare --help)\n", a);
      goto done;
    }
  }
  if (!arms[0].scenario || !n_v || !prefix) {
    fprintf(stderr, "conflictsim compare: %s is required\n\n%s",
            !arms[0].scenario ? "--baseline" : !n_v ? "at least one --variant" : "-o PREFIX", USAGE);
    goto done;
  }
  if (cli_branch_check("compare", &branch)) goto done;
  if (jobs < 1) jobs = 1;
  if (!(arms[0].name = strdup("baseline"))) goto nomem;
  if (post_path) { /* read first: its own --set values are part of every arm */
    if ((rc = cs_posterior_load(&ctx, post_path, &post)) != CS_OK) {
      fprintf(stderr, "conflictsim compare: %s\n", cs_errmsg(&ctx));
      status = rc == CS_EINVAL || rc == CS_EIO ? EXIT_SCENARIO : cli_exit_code(rc);
      goto done;
    }
    if (add_calib_settings(&arms[0], post)) goto nomem;
  }
  for (int v = 0; v < n_v; v++, n_arms++) {
    int e = cs_cmp_parse_variant(vspecs[v], &arms[0], v + 1, &arms[n_arms]);
    if (e == -2) goto nomem;
    if (e) {
      fprintf(stderr, "conflictsim compare: bad variant '%s' (give [NAME:]K=V,... or [NAME:]FILE.lua[,K=V,...])\n",
              vspecs[v]);
      goto done;
    }
    /* A file variant takes none of the baseline's overrides: say which it lacks (of its
    ** own; the calibration's settings go under them after this) */
    for (int k = 0; arms[n_arms].own_file && k < arms[0].n_sets; k++) {
      int given = 0;
      for (int m = 0; m < arms[n_arms].n_sets; m++) given |= !strcmp(arms[n_arms].sets[m].name, arms[0].sets[k].name);
      if (!given && !(arms[0].sets[k].from_calib))
        fprintf(stderr, "conflictsim compare: note: variant '%s' runs %s without the baseline's --set-baseline "
                "%s=%s (a FILE.lua variant takes only its own overrides: %s,%s=...)\n", arms[n_arms].name,
                arms[n_arms].scenario, arms[0].sets[k].name, arms[0].sets[k].value, arms[n_arms].scenario,
                arms[0].sets[k].name);
    }
    if (post && arms[n_arms].own_file && add_calib_settings(&arms[n_arms], post)) goto nomem;
    for (int k = 0; k < n_arms; k++)
      if (!strcmp(arms[k].name, arms[n_arms].name)) {
        fprintf(stderr, "conflictsim compare: two arms named '%s'\n", arms[k].name);
        goto done;
      }
  }
  if (post && !quiet) print_calib_settings(post, arms, n_arms);
  for (int a = 0; a < n_arms; a++) {
    if (!(arms[a].sets_text = cs_cmp_arm_join_sets(&arms[a]))) goto nomem;
    if ((rc = cs_cmp_arm_load(&ctx, &arms[a], a, seed, reps, a ? &arms[0] : NULL, mets, n_met)) != CS_OK) {
      fprintf(stderr, "conflictsim compare: %s: %s\n", arms[a].name, cs_errmsg(&ctx));
      status = rc == CS_EIO ? EXIT_SCENARIO : cli_exit_code(rc);
      goto done;
    }
    if (branch.on && (rc = cs_sweep_set_branch(&ctx, arms[a].sw, branch.at, branch.k)) != CS_OK) {
      fprintf(stderr, "conflictsim compare: %s: %s\n", arms[a].name, cs_errmsg(&ctx));
      status = EXIT_USAGE;
      goto done;
    }
  }
  static const char *const ext[] = {".csv", ".json", ".h5"};
  size_t pl = strlen(prefix) + 8;
  if (!(path = malloc(pl))) goto nomem;
  for (int k = 0; k < 3; k++) { /* the report's files can be written: found before the runs, not after */
    snprintf(path, pl, "%s%s", prefix, ext[k]);
    if (cs_outfile_check(&ctx, path) != CS_OK) {
      fprintf(stderr, "conflictsim compare: %s\n", cs_errmsg(&ctx));
      status = EXIT_IO;
      goto done;
    }
  }
  uint64_t pairs = reps * branch.k; /* paired runs per arm: replicate r branch k is pair r K + k */
  if (post) {
    if ((rc = cs_posterior_draw(&ctx, post, (int)reps, seed)) != CS_OK) {
      fprintf(stderr, "conflictsim compare: %s\n", cs_errmsg(&ctx));
      status = rc == CS_EINVAL || rc == CS_EIO ? EXIT_SCENARIO : cli_exit_code(rc);
      goto done;
    }
  }
  size_t bytes = (size_t)n_arms * pairs * cs_cmp_slot_len(arms) * sizeof *slots;
  if (!(slots = malloc(bytes + 1))) {
    fprintf(stderr, "conflictsim compare: cannot allocate %zu bytes for the results\n", bytes);
    status = EXIT_NOMEM;
    goto done;
  }
  cs_progress line;
  cs_progress_start(&line, quiet, "runs", 0, "runs/s", 0, (double)n_arms * (double)pairs);
  rc = cs_cmp_run_all(&ctx, arms, n_arms, post, pairs, (int)jobs, slots, &line);
  cs_progress_end(&line);
  if (rc != CS_OK) {
    fprintf(stderr, "conflictsim compare: %s\n", cs_errmsg(&ctx));
    status = cli_exit_code(rc);
    goto done;
  }
  if (!(st = calloc((size_t)(n_arms - 1) * (size_t)arms[0].sw->n_metrics + 1, sizeof *st))) goto nomem;
  cs_cmp_report R = {.arms = arms, .n_arms = n_arms, .n_metrics = arms[0].sw->n_metrics, .B = B, .reps = pairs,
                     .seed = seed, .branches = branch.k, .branched = branch.on, .branch_at = branch.at,
                     .val = slots, .L = cs_cmp_slot_len(arms), .st = st, .post = post};
  if ((rc = cs_cmp_compute(&ctx, &R)) != CS_OK) {
    status = cli_exit_code(rc);
    goto done;
  }
  int (*const wfn[])(cs_ctx *, const cs_cmp_report *, const char *) = {cs_cmp_write_csv, cs_cmp_write_json, cs_cmp_write_h5};
  for (int k = 0; k < 3; k++) {
    snprintf(path, pl, "%s%s", prefix, ext[k]);
    if ((rc = wfn[k](&ctx, &R, path)) != CS_OK) {
      fprintf(stderr, "conflictsim compare: %s\n", cs_errmsg(&ctx));
      status = cli_exit_code(rc);
      goto done;
    }
  }
  if (!quiet) {
    if (post)
      printf("parameters: replicate r of every arm ran under draw r of the posterior in %s (%d particles)\n\n",
             post->path, post->n_particles);
    print_table(&R);
    printf("\nwrote %s.csv, %s.json, %s.h5\n", prefix, prefix, prefix);
  }
  status = EXIT_OK;
  goto done;
nomem:
  fputs("conflictsim compare: out of memory\n", stderr);
  status = EXIT_NOMEM;
done:
  cs_posterior_free(post);
  free(slots);
  for (int a = 0; arms && a <= n_arms && a < argc + 2; a++) cs_cmp_arm_clear(&arms[a]);
  free(arms);
  free(vspecs);
  free(mets);
  free(st);
  free(path);
  return status;
}
