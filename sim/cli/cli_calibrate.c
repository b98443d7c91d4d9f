/* cli_calibrate.c: `conflictsim calibrate`: the command line of the
** calibration driver (sim/batch/calibrate.c) and its report.
**
** The report, on stdout, says what the calibration found, including what it
** could not do: per wave, the design, the share of non-implausible points and
** the estimated fraction of the prior space left; per target, the share of
** wave 1's points that met it on its own (implausibility <= cutoff), and
** the pairs of targets that were each met by some points but never by the
** same point (the targets the model cannot meet together); per ABC
** population, the tolerance, proposals, acceptance rate and effective sample
** size; and the posterior's weighted quantiles per parameter. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "calib_mpi.h"
#include "calibrate.h"
#include "cli.h"
#include "plain.h"
#include "priors.h"
#include "stats.h"
#include "sweep_mpi.h"

static const char *USAGE =
    "usage: conflictsim calibrate SCENARIO.lua [options]\n"
    "\n"
    "Calibrate the parameters named in a priors file against the in-sample targets\n"
    "of a targets file: history matching in waves (a Latin hypercube design, the\n"
    "implausibility of each point per target, the non-implausible region shrinking\n"
    "wave by wave), then ABC-SMC inside that region (adaptive tolerances, importance\n"
    "weights). Writes one HDF5 file (layout: output/README.md, \"The calibration\n"
    "file\") and prints what was found. Targets marked holdout = true are never read.\n"
    "The file is the same whatever -j; a calibration killed and started again with\n"
    "the same command resumes from its journal (OUT.journal).\n"
    "\n"
    "options:\n"
    "  --targets FILE      targets file (default, beside the scenario NAME.lua:\n"
    "                      NAME_targets.lua, else targets.lua)\n"
    "  --priors FILE       priors file (default: NAME_priors.lua, else priors.lua)\n"
    "  -o, --output FILE   the calibration file (default output/calibrate-<scenario>.h5)\n"
    "  --set NAME=VALUE    fix a parameter that is not calibrated (repeatable)\n"
    "  --seed N            master seed (default 1)\n"
    "  -j, --jobs N        worker processes (default: the number of cores; 1: one worker)\n"
    "history matching:\n"
    "  --waves N           waves (default 3; 0: no history matching)\n"
    "  --points N          design points per wave (default 64)\n"
    "  --points-first N    design points of wave 1 only (default: --points); a larger\n"
    "                      wave 1 finds more of a small non-implausible region\n"
    "  --replicates N      replicates per point in wave 1 (default 4)\n"
    "  --max-replicates N  cap when raising them after wave 1 (default 16)\n"
    "  --cutoff X          implausibility cut-off (default 3)\n"
    "  --imp-rank K        1: the largest implausibility decides; K: the K-th largest, up to 5 (default 1)\n"
    "ABC-SMC:\n"
    "  --particles N       population size (default 200; 0: no ABC)\n"
    "  --batch N           proposals simulated per batch (default 64)\n"
    "  --alpha X           quantile of the last distances that sets the next tolerance\n"
    "                      (default 0.5)\n"
    "  --eps-final X       the smallest tolerance worth reaching (default 1: within one\n"
    "                      observation sd on average)\n"
    "  --min-accept X      stop when the acceptance rate falls below X (default 0.02)\n"
    "  --max-populations N (default 10)\n"
    "  --quiet             no progress\n"
    "  -h, --help          show this help\n"
    "\n"
    "Under an MPI launcher (mpirun -n K, srun) the runs of each batch are spread over\n"
    "the K ranks and -j is ignored: rank 0 keeps the journal, writes the file (the\n"
    "same bytes as -j 1) and computes runs too. Slurm job arrays do not fit a\n"
    "calibration (each wave depends on the last): use one job with srun.\n"
    "\n"
    "Exit status: 0 done; 2 bad command line; 3 a scenario, targets or priors file\n"
    "is wrong, or no point is non-implausible (the message says which); 4 output\n"
    "could not be written; 6 interrupted (start again to resume).\n";

/* When the report warns (rules of thumb, not tests): later waves grown from
** fewer than SEED_POINTS_FEW non-implausible points of wave 1; a last
** population whose effective sample size 1 / sum w^2 is below ESS_SHARE_LOW
** of its particles (Del Moral, Doucet and Jasra 2012 resample below one half;
** a quarter is far past that). */
enum { SEED_POINTS_FEW = 10 };
static const double ESS_SHARE_LOW = 0.25;

/* Weighted quantile q of x[n] with weights w (sum 1): the smallest x whose
** cumulative weight reaches q. */
static double wquantile(const double *x, const double *w, int n, double q, int *idx) {
  for (int i = 0; i < n; i++) idx[i] = i;
  for (int i = 1; i < n; i++) { /* insertion sort by x: populations are small */
    int k = idx[i], j = i - 1;
    while (j >= 0 && x[idx[j]] > x[k]) {
      idx[j + 1] = idx[j];
      j--;
    }
    idx[j + 1] = k;
  }
  double c = 0;
  for (int i = 0; i < n; i++) {
    c += w[idx[i]];
    if (c >= q - 1e-12) return x[idx[i]];
  }
  return n ? x[idx[n - 1]] : NAN;
}

static void report(const cs_calibrate_opts *o, const cs_calibrate_result *res, int written) {
  const cs_calib *cb = res->cb;
  int P = o->n_params, T = cs_targets_count(res->targets), W = cs_calib_n_waves(cb), K = cs_calib_n_pops(cb);
  printf("calibration of %s: %d parameters, %d in-sample targets, %llu runs (%llu from the journal)\n",
         o->scenario, P, T, (unsigned long long)res->runs, (unsigned long long)res->runs_resumed);
  if (W) {
    printf("\nhistory matching (cut-off %.3g, imp_rank %d)\n", o->cfg.cutoff, o->cfg.imp_rank);
    printf("  %-5s %7s %10s %10s %14s\n", "wave", "points", "replicates", "NROY share", "NROY fraction");
    for (int k = 0; k < W; k++) {
      const cs_calib_wave *w = cs_calib_wave_get(cb, k);
      char fr[64];
      printf("  %-5d %7d %10d %9.1f%% %14s\n", k + 1, w->points, w->replicates, 100 * w->nroy_share,
             cs_plain_num(w->nroy_fraction, 0, fr, sizeof fr));
    }
    const cs_calib_wave *w1 = cs_calib_wave_get(cb, 0);
    printf("\n  wave 1: share of points that meet each target on its own (I <= %.3g), and the smallest I\n",
           o->cfg.cutoff);
    int *met = calloc((size_t)T + 1, sizeof *met);
    for (int i = 0; met && i < T; i++) {
      double lo = INFINITY;
      for (int p = 0; p < w1->points; p++) {
        double I = w1->imp[(size_t)p * (size_t)T + (size_t)i];
        met[i] += I <= o->cfg.cutoff;
        if (I < lo) lo = I;
      }
      printf("  %6.1f%%  %8.3g  %s\n", 100.0 * met[i] / w1->points, lo, cs_targets_info(res->targets, i)->name);
    }
    int pairs = 0;
    for (int i = 0; met && i < T; i++)
      for (int k = i + 1; k < T; k++) {
        if (!met[i] || !met[k]) continue;
        int both = 0;
        for (int p = 0; p < w1->points; p++)
          both += w1->imp[(size_t)p * (size_t)T + (size_t)i] <= o->cfg.cutoff &&
                  w1->imp[(size_t)p * (size_t)T + (size_t)k] <= o->cfg.cutoff;
        if (!both) {
          if (!pairs++) printf("\n  met separately but never by the same point of wave 1:\n");
          printf("    %s  and  %s\n", cs_targets_info(res->targets, i)->name,
                 cs_targets_info(res->targets, k)->name);
        }
      }
    for (int i = 0; met && i < T; i++)
      if (!met[i]) printf("  never met by a point of wave 1: %s\n", cs_targets_info(res->targets, i)->name);
    free(met);
    int seeds = (int)floor(w1->nroy_share * w1->points + 0.5);
    if (W > 1 && seeds > 0 && seeds < SEED_POINTS_FEW)
      printf("\n  warning: the later waves grew from %d non-implausible point%s of wave 1: regions wave 1 missed\n"
             "  are missing from the posterior too, so its spread may be too narrow (a larger\n"
             "  --points-first finds more)\n",
             seeds, seeds == 1 ? "" : "s");
  }
  if (K) {
    printf("\nABC-SMC (%s)\n", cs_calib_stop_reason(cb));
    printf("  %-10s %10s %10s %10s %8s\n", "population", "epsilon", "proposed", "acceptance", "ESS");
    for (int k = 0; k < K; k++) {
      const cs_calib_pop *p = cs_calib_pop_get(cb, k);
      char ep[64], es[64];
      printf("  %-10d %10s %10llu %9.1f%% %8s\n", k, cs_plain_num(p->eps, 0, ep, sizeof ep),
             (unsigned long long)p->proposed, 100 * p->acceptance, cs_plain_num(p->ess, 0, es, sizeof es));
    }
    const cs_calib_pop *p = cs_calib_pop_get(cb, K - 1);
    double *x = malloc(((size_t)p->particles + 1) * sizeof *x);
    int *idx = malloc(((size_t)p->particles + 1) * sizeof *idx);
    printf("\nposterior (weighted quantiles of the last population)\n");
    printf("  %-28s %12s %12s %12s %12s %12s\n", "parameter", "prior low", "5%", "median", "95%", "prior high");
    for (int q = 0; x && idx && q < P; q++) {
      char c[5][64];
      for (int i = 0; i < p->particles; i++) x[i] = p->theta[(size_t)i * (size_t)P + (size_t)q];
      const double y[5] = {o->priors[q].lo, wquantile(x, p->weight, p->particles, 0.05, idx),
                           wquantile(x, p->weight, p->particles, 0.5, idx),
                           wquantile(x, p->weight, p->particles, 0.95, idx), o->priors[q].hi};
      for (int k = 0; k < 5; k++) cs_plain_num(y[k], 0, c[k], sizeof c[k]);
      printf("  %-28s %12s %12s %12s %12s %12s\n", o->priors[q].name, c[0], c[1], c[2], c[3], c[4]);
    }
    printf("  (weighted quantiles; conflictsim params gives each parameter's unit and meaning)\n");
    int pressed = 0, *edge = calloc((size_t)P + 1, sizeof *edge); /* once per parameter */
    for (int q = 0; edge && q < P; q++) pressed += (edge[q] = cs_calib_box_pressed(cb, q)) != 0;
    if (pressed) {
      static const char *const side[4] = {"", "low", "high", "low and high"};
      printf("  warning: the posterior presses on an edge of the box ABC sampled (history matching's,\n"
             "  inside the prior) in %d parameter%s, so that box, not the targets, may bound %s there\n"
             "  (at least 2.5%% of the weight within 5%% of the box's width of the edge, on the prior's\n"
             "  scale, logarithmic for log-uniform priors; the box is /abc/box_low and box_high in the\n"
             "  output file; more points in the waves, --points-first and --points, may widen it):\n",
             pressed, pressed == 1 ? "" : "s", pressed == 1 ? "it" : "them");
      for (int q = 0; q < P; q++)
        if (edge[q]) printf("    %s (%s edge%s)\n", o->priors[q].name, side[edge[q]], edge[q] == 3 ? "s" : "");
    }
    free(edge);
    if (p->ess < ESS_SHARE_LOW * p->particles)
      printf("  warning: the last population's effective sample size is %.1f of %d particles: its weight\n"
             "  rests on a few of them, so these quantiles are unreliable and too narrow (more --particles,\n"
             "  or a larger --min-accept to stop before the weights collapse)\n",
             p->ess, p->particles);
    free(x);
    free(idx);
  }
  if (written) printf("\nwritten: %s\n", o->out);
  else printf("\nnothing written (no point of wave %d is non-implausible)\n", W);
}

/* The default KIND file (targets, priors) beside the scenario NAME.lua:
** NAME_KIND.lua if it exists, else KIND.lua (as validate finds targets). */
static const char *beside(const char *scenario, const char *kind, char *buf, size_t cap) {
  const char *slash = strrchr(scenario, '/');
  const char *base = slash ? slash + 1 : scenario;
  int d = slash ? (int)(slash - scenario) + 1 : 0, n = (int)strlen(base);
  if (n > 4 && !strcmp(base + n - 4, ".lua")) n -= 4;
  snprintf(buf, cap, "%.*s%.*s_%s.lua", d, scenario, n, base, kind);
  if (access(buf, F_OK) == 0) return buf;
  snprintf(buf, cap, "%.*s%s.lua", d, scenario, kind);
  return buf;
}

typedef struct opt_int {
  const char *name;
  int *v;
  long lo, hi;
} opt_int;
typedef struct opt_dbl {
  const char *name;
  double *v;
  double lo, hi;
} opt_dbl;

int cli_calibrate(int argc, char **argv) {
  const char *scenario = NULL, *out = NULL, *targets = NULL, *priors_path = NULL;
  long nc = sysconf(_SC_NPROCESSORS_ONLN);
  uint64_t seed = 1, jobs = nc > 0 ? (uint64_t)nc : 1;
  int quiet = 0, status = EXIT_USAGE, rc;
  int mpi_rank = 0, mpi_size = 0; /* mpi_size 0: not under MPI */
  cs_calib_exec mpi_exec;
  cs_override *sets = calloc((size_t)argc + 1, sizeof *sets);
  char **bufs = calloc((size_t)argc + 1, sizeof *bufs);
  size_t n_sets = 0;
  char outbuf[512], tbuf[4096], pbuf[4096];
  cs_ctx ctx = {{0}};
  cs_priors *pr = NULL;
  cs_calibrate_result res;
  memset(&res, 0, sizeof res);
  cs_calibrate_opts o;
  memset(&o, 0, sizeof o);
  cs_calib_config_default(&o.cfg);
  /* the sizes calib.h leaves to its caller: the defaults --help names */
  o.cfg.waves = 3;
  o.cfg.points = 64;
  o.cfg.replicates = 4;
  o.cfg.max_replicates = 16;
  o.cfg.particles = 200;
  o.cfg.batch_size = 64;
  cs_script_limits lim;
  cs_script_limits_default(&lim);
  opt_int ints[] = {{"--waves", &o.cfg.waves, 0, 100},
                    {"--points", &o.cfg.points, 2, 1000000},
                    {"--points-first", &o.cfg.points_first, 2, 1000000},
                    {"--replicates", &o.cfg.replicates, 2, 100000},
                    {"--max-replicates", &o.cfg.max_replicates, 2, 100000},
                    {"--imp-rank", &o.cfg.imp_rank, 1, 5},
                    {"--particles", &o.cfg.particles, 0, 1000000},
                    {"--batch", &o.cfg.batch_size, 1, 1000000},
                    {"--max-populations", &o.cfg.max_populations, 1, 1000}};
  opt_dbl dbls[] = {{"--cutoff", &o.cfg.cutoff, 0, INFINITY},
                    {"--alpha", &o.cfg.alpha, 0, 1},
                    {"--eps-final", &o.cfg.eps_final, 0, INFINITY},
                    {"--min-accept", &o.cfg.min_accept, 0, 1}};
  int max_rep_given = 0;
  if (!sets || !bufs) goto done;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
    int matched = 0;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(USAGE, stdout);
      status = EXIT_OK;
      goto done;
    }
    if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
      quiet = 1;
      continue;
    }
    if (a[0] == '-' && a[1] && !val) {
      fprintf(stderr, "conflictsim calibrate: option %s needs a value (or is unknown: see --help)\n", a);
      goto done;
    }
    for (size_t k = 0; k < sizeof ints / sizeof *ints && !matched; k++)
      if (!strcmp(a, ints[k].name)) {
        uint64_t v;
        matched = 1;
        if (cli_parse_u64(argv[++i], &v) || (long)v < ints[k].lo || (long)v > ints[k].hi) {
          fprintf(stderr, "conflictsim calibrate: %s takes an integer in [%ld, %ld], got '%s'\n", a, ints[k].lo,
                  ints[k].hi, argv[i]);
          goto done;
        }
        *ints[k].v = (int)v;
        if (!strcmp(a, "--max-replicates")) max_rep_given = 1;
      }
    for (size_t k = 0; k < sizeof dbls / sizeof *dbls && !matched; k++)
      if (!strcmp(a, dbls[k].name)) {
        char *end;
        matched = 1;
        errno = 0;
        double v = strtod(argv[++i], &end);
        if (errno || end == argv[i] || *end || !(v >= dbls[k].lo && v <= dbls[k].hi) || (k == 1 && v >= 1) ||
            (k == 0 && v <= 0)) {
          fprintf(stderr, "conflictsim calibrate: %s takes a number in %s%g, %g], got '%s'\n", a,
                  k <= 1 ? "(" : "[", dbls[k].lo, dbls[k].hi, argv[i]);
          goto done;
        }
        *dbls[k].v = v;
      }
    if (matched) continue;
    if (!strcmp(a, "--seed")) {
      if (cli_parse_u64(argv[++i], &seed)) {
        fprintf(stderr, "conflictsim calibrate: --seed must be an integer in [0, 2^64)\n");
        goto done;
      }
    } else if (!strcmp(a, "-j") || !strcmp(a, "--jobs")) {
      if (cli_parse_u64(argv[++i], &jobs) || jobs < 1 || jobs > 1024) {
        fprintf(stderr, "conflictsim calibrate: -j must be an integer in [1, 1024]\n");
        goto done;
      }
    } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) out = argv[++i];
    else if (!strcmp(a, "--targets")) targets = argv[++i];
    else if (!strcmp(a, "--priors")) priors_path = argv[++i];
    else if (!strcmp(a, "--set")) {
      int e = cli_parse_set("calibrate", val, &sets[n_sets]);
      if (e != EXIT_OK) {
        status = e;
        goto done;
      }
      bufs[n_sets] = (char *)sets[n_sets].name;
      n_sets++;
      i++;
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "conflictsim calibrate: unknown option '%s' (see --help)\n", a);
      goto done;
    } else if (!scenario) scenario = a;
    else {
      fprintf(stderr, "conflictsim calibrate: one scenario at a time\n");
      goto done;
    }
  }
  if (!scenario) {
    fputs(USAGE, stderr);
    goto done;
  }
  if (!max_rep_given && o.cfg.max_replicates < o.cfg.replicates) o.cfg.max_replicates = o.cfg.replicates;
  if (o.cfg.max_replicates < o.cfg.replicates) {
    fprintf(stderr, "conflictsim calibrate: --max-replicates (%d) is below --replicates (%d)\n",
            o.cfg.max_replicates, o.cfg.replicates);
    goto done;
  }
  if (!targets) targets = beside(scenario, "targets", tbuf, sizeof tbuf);
  if (!priors_path) priors_path = beside(scenario, "priors", pbuf, sizeof pbuf);
  if (!out) {
    const char *base = strrchr(scenario, '/');
    base = base ? base + 1 : scenario;
    size_t n = strlen(base);
    if (n > 4 && !strcmp(base + n - 4, ".lua")) n -= 4;
    snprintf(outbuf, sizeof outbuf, "output/calibrate-%.*s.h5", (int)n, base);
    mkdir("output", 0755);
    out = outbuf;
  }
  o.cfg.seed = seed;
  {
    long lsize = cli_launcher_size();
    if (lsize != 0) {
#ifdef CS_HAVE_MPI
      if (cs_mpi_init(&ctx, &mpi_rank, &mpi_size) != CS_OK) {
        fprintf(stderr, "conflictsim calibrate: %s\n", cs_errmsg(&ctx));
        status = EXIT_FAIL;
        goto done;
      }
      quiet |= mpi_rank != 0;
      cs_calib_mpi_exec(&mpi_exec);
      o.exec = &mpi_exec;
#else
      (void)mpi_exec;
      if (lsize != 1) {
        fprintf(stderr, "conflictsim calibrate: started by an MPI launcher as one of several processes, but this "
                        "conflictsim was built without MPI (see conflictsim --version); run one process with -j N\n");
        goto done;
      }
#endif
    }
  }
  if (cli_refuse_lone_task("calibrate", mpi_size)) {
    status = EXIT_USAGE;
    goto done;
  }
  if ((rc = cs_priors_load(&ctx, priors_path, scenario, &lim, sets, n_sets, &pr)) != CS_OK) {
    fprintf(stderr, "conflictsim calibrate: %s\n", cs_errmsg(&ctx));
    status = cli_exit_code(rc);
    goto done;
  }
  o.scenario = scenario;
  o.targets_path = targets;
  o.priors_path = priors_path;
  o.out = out;
  o.lim = &lim;
  o.sets = sets;
  o.n_sets = n_sets;
  o.priors = pr->prior;
  o.n_params = pr->n;
  o.workers = (int)jobs;
  o.quiet = quiet;
  if ((rc = cs_calibrate(&ctx, &o, &res)) != CS_OK) {
    if (mpi_rank == 0 && res.no_nroy) report(&o, &res, 0);
    if (mpi_rank == 0) fprintf(stderr, "conflictsim calibrate: %s\n", cs_errmsg(&ctx));
    if (rc == CS_ESTOP)
      fprintf(stderr, "conflictsim calibrate: the runs done are in %s.journal; the same command resumes\n", out);
    status = cli_exit_code(rc);
    goto done;
  }
  if (mpi_rank == 0) report(&o, &res, 1);
  status = EXIT_OK;
done:
#ifdef CS_HAVE_MPI
  if (mpi_size > 0) cs_mpi_finish(status == EXIT_STOPPED ? status : 0, 0);
#endif
  cs_calibrate_result_free(&res);
  cs_priors_free(pr);
  for (size_t i = 0; bufs && i < n_sets; i++) free(bufs[i]);
  free(bufs);
  free(sets);
  return status;
}
