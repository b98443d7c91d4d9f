/* cli_compare.c: `conflictsim compare`: an intervention against its baseline
** over paired replicates (common random numbers), with paired statistics.
**
** Arms: arm 0 is the baseline, arms 1.. the variants. A variant is either the
** baseline scenario with more --set overrides (on top of the baseline's) or
** another scenario file. Each arm is a one-point sweep (sweep.c) built from
** text generated here, so an arm's run r is cs_sweep_run(arm, r): streams of
** (seed, r), and the outcome metrics are exactly the sweep's (same names,
** units and definitions). The city trajectories for the figures are derived
** from the node trajectories the sweep keeps, by the identities the sampler
** holds exactly (sample.c): city_displaced = sum of displaced_origin,
** city_civilian_deaths = sum of civilian_deaths, and
** city_gang_share_population = the initial residents of gang-held nodes over
** all initial residents, summed in node order as cs_world_gang_share does.
** tests/test_compare.py checks them against `conflictsim run`.
**
** Invariants:
** - The report is a function of (arms, seed, replicates, resamples): the
**   runs are independent of -j (each fills its own slot of a shared map)
**   and the bootstrap draws from a PCG stream derived from the seed.
** - Statistics, per variant v and metric m, over replicates r = 0..N-1 with
**   d_r = variant_r - baseline_r: the mean of d, a 95% BCa bootstrap interval
**   (bias-corrected and accelerated, Efron 1987; acceleration from the
**   jackknife), p_better = share of r with d_r strictly in the better
**   direction (lower is better for every metric here), p_worse the same in
**   the worse direction (the rest are ties), and the variance
**   reduction Var(variant_{(r+1) mod N} - baseline_r) / Var(d_r): the
**   independent comparison re-pairs the same runs with a cyclic shift, so
**   no extra seeds are run.
** - Output files are written to "<file>.tmp.<pid>" and renamed into place. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hdf5.h>

#include "cli.h"
#include "h5util.h"
#include "stats.h"
#include "cs_rng.h"
#include "sweep.h"

static const char *USAGE =
    "usage: conflictsim compare --baseline BASE.lua --variant VAR [--variant VAR ...] -o PREFIX [options]\n"
    "\n"
    "Run a baseline and one or more intervention variants over the same seeds\n"
    "(replicate r of every arm uses the streams of (seed, r): common random\n"
    "numbers) and report, per outcome metric, the baseline and variant means,\n"
    "the paired mean difference with a 95% BCa bootstrap interval, the share of\n"
    "replicates where the variant is better (lower), and the variance reduction\n"
    "pairing gave. Writes PREFIX.csv, PREFIX.json and PREFIX.h5 (per-replicate\n"
    "values, differences and city trajectories; output/README.md, \"The compare\n"
    "report\"); output/plot_compare.py PREFIX.h5 draws the figures.\n"
    "\n"
    "options:\n"
    "  --baseline FILE       the baseline scenario (required)\n"
    "  --set-baseline K=V    override a parameter in the baseline (repeatable);\n"
    "                        variants built on the baseline inherit it\n"
    "  --variant [NAME:]SPEC a variant (repeatable). SPEC is K=V,K=V,...: the\n"
    "                        baseline with these overrides too; or FILE.lua: another\n"
    "                        scenario (no baseline overrides)\n"
    "  --variant-set K=V,... the same as --variant K=V,...\n"
    "  --replicates N        paired replicates, N >= 2 (default 20)\n"
    "  --seed S              master seed in [0, 2^63) (default 1; the arms' sweep text\n"
    "                        carries it as a Lua integer, which is signed)\n"
    "  --bootstrap B         bootstrap resamples (default 10000)\n"
    "  -j, --jobs N          worker processes (default: the number of cores)\n"
    "  -o, --output PREFIX   report prefix (required)\n"
    "  --quiet               no table on the terminal\n"
    "  -h, --help            show this help\n";

#define BOOT_PURPOSE 0x424f4f54u /* "BOOT" */
#define CI_LEVEL 0.95
#define N_TRAJ 3

static const char *const TRAJ_NAMES[N_TRAJ] = {"city_displaced", "city_civilian_deaths",
                                               "city_gang_share_population"};
static const char *const TRAJ_UNITS[N_TRAJ] = {"persons", "persons", "1"};

typedef struct kv {
  char *name, *value;
} kv;

typedef struct arm {
  char *name;         /* "baseline" or the variant's name */
  char *scenario;     /* scenario path */
  kv *sets; int n_sets;
  char *sets_text;    /* "k=v,k=v" for the report */
  cs_sweep *sw;
  double *res0;       /* initial residents per node (for the share) */
} arm;

/* What one run leaves in the shared map: metrics, then N_TRAJ x T values. */
typedef struct slots {
  double *val;        /* [n_arms * reps][slot_len] */
  int *rc;            /* [n_arms * reps] CS_ result, 1 = not run */
  char *msg;          /* [jobs][512]: the first error of each worker */
  size_t bytes;
} slots;

typedef struct stat_row {
  double base_mean, var_mean, diff, lo, hi, p_better, p_worse, vr;
} stat_row;

/* ---- statistics: stats.h ---- */

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
    cs_stream_init(&boot, 12345, (uint64_t)k, CS_ENT_NONE, 0, BOOT_PURPOSE);
    int covered = 0;
    double width = 0;
    for (int s = 0; s < datasets; s++) {
      for (int i = 0; i < n; i++) d[i] = mu + (k == 0 ? cs_rng_normal(&data) : cs_rng_exp(&data, 1.0) - 1.0);
      double lo, hi;
      cs_stats_bca_mean(d, n, B, CI_LEVEL, &boot, work, &lo, &hi);
      covered += lo <= mu && mu <= hi;
      width += hi - lo;
    }
    printf("selftest-bootstrap dist=%s n=%d datasets=%d resamples=%d level=%.2f true_mean=%g coverage=%.4f "
           "mean_width=%.4f\n",
           dist[k], n, datasets, B, CI_LEVEL, mu, (double)covered / datasets, width / datasets);
  }
  free(d);
  free(work);
  return EXIT_OK;
}

/* ---- arms ---- */

static void arm_clear(arm *a) {
  free(a->name);
  free(a->scenario);
  for (int i = 0; i < a->n_sets; i++) {
    free(a->sets[i].name);
    free(a->sets[i].value);
  }
  free(a->sets);
  free(a->sets_text);
  cs_sweep_free(a->sw);
  free(a->res0);
}

/* Add "k=v" (len bytes) to a's overrides; a later one for the same name
** replaces the earlier. 0, -1 malformed, -2 out of memory. */
static int arm_add_set(arm *a, const char *text, size_t len) {
  const char *eq = memchr(text, '=', len);
  if (!eq || eq == text) return -1;
  for (int i = 0; i < a->n_sets; i++)
    if (strlen(a->sets[i].name) == (size_t)(eq - text) && !memcmp(a->sets[i].name, text, (size_t)(eq - text))) {
      char *v = strndup(eq + 1, len - (size_t)(eq - text) - 1);
      if (!v) return -2;
      free(a->sets[i].value);
      a->sets[i].value = v;
      return 0;
    }
  kv *n = realloc(a->sets, (size_t)(a->n_sets + 1) * sizeof *n);
  if (!n) return -2;
  a->sets = n;
  kv *s = &a->sets[a->n_sets];
  if (!(s->name = strndup(text, (size_t)(eq - text)))) return -2;
  if (!(s->value = strndup(eq + 1, len - (size_t)(eq - text) - 1))) {
    free(s->name);
    return -2;
  }
  a->n_sets++;
  return 0;
}

/* Lua string literal for s in buf (quote, backslash and control characters escaped). */
static int lua_quote(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
    else if (c < 32 || c == 127) fprintf(f, "\\%03u", c);
    else fputc(c, f);
  }
  return fputc('"', f) == EOF ? -1 : 0;
}

/* Build arm a's one-point sweep (replicates reps, seed) and its initial
** residents; check the time axis against the baseline's. */
static int arm_load(cs_ctx *ctx, arm *a, int idx, uint64_t seed, uint64_t reps, const arm *base) {
  char *src = NULL, path[64];
  size_t len = 0;
  cs_world *w = NULL;
  cs_script *sc = NULL;
  int rc = CS_OK;
  FILE *f = open_memstream(&src, &len);
  if (!f) return cs_err(ctx, CS_ENOMEM, "out of memory");
  fputs("return { scenario = ", f);
  lua_quote(f, a->scenario);
  fprintf(f, ", seed = %llu, replicates = %llu,\n  keep_trajectories = { \"displaced_origin\", "
             "\"civilian_deaths\", \"owner\" },\n  set = {",
          (unsigned long long)seed, (unsigned long long)reps);
  for (int i = 0; i < a->n_sets; i++) {
    fputs(" [", f);
    lua_quote(f, a->sets[i].name);
    fputs("] = ", f);
    lua_quote(f, a->sets[i].value);
    fputc(',', f);
  }
  fputs(" } }\n", f);
  if (fclose(f) != 0 || !src) {
    free(src);
    return cs_err(ctx, CS_ENOMEM, "out of memory");
  }
  /* no '/' in the name: the scenario path is taken as given */
  snprintf(path, sizeof path, "compare-arm-%d", idx);
  rc = cs_sweep_load(ctx, path, src, len, &a->sw);
  free(src);
  if (rc != CS_OK) return rc;
  if (base && (a->sw->n_samples != base->sw->n_samples || a->sw->days != base->sw->days ||
               a->sw->sample_every != base->sw->sample_every))
    return cs_err(ctx, CS_EINVAL, "variant '%s': its horizon or sampling (%g days every %g) differs from the "
                                  "baseline's (%g days every %g); paired trajectories need the same time axis",
                  a->name, a->sw->days, a->sw->sample_every, base->sw->days, base->sw->sample_every);
  /* the initial residents, from a load of the same scenario with the same overrides */
  cs_override *ov = calloc((size_t)a->n_sets + 1, sizeof *ov);
  if (!ov || !(a->res0 = calloc((size_t)a->sw->n_nodes + 1, sizeof *a->res0))) {
    free(ov);
    return cs_err(ctx, CS_ENOMEM, "out of memory");
  }
  for (int i = 0; i < a->n_sets; i++) ov[i] = (cs_override){a->sets[i].name, a->sets[i].value};
  cs_script_limits lim;
  cs_script_limits_default(&lim);
  rc = cs_script_load(ctx, a->scenario, &lim, ov, (size_t)a->n_sets, seed, 0, 1, &w, &sc);
  free(ov);
  if (rc == CS_OK)
    for (int j = 0; j < a->sw->n_nodes; j++) a->res0[j] = (double)cs_world_node_residents(w, j);
  cs_script_free(sc);
  cs_world_free(w);
  return rc;
}

/* ---- runs ---- */

static size_t slot_len(const arm *arms) {
  return (size_t)arms[0].sw->n_metrics + N_TRAJ * (size_t)arms[0].sw->n_samples;
}

/* Run k = arm * reps + r and reduce its record into out[slot_len]. */
static int run_one(cs_ctx *ctx, const arm *a, uint64_t r, double *rec, double *out) {
  const cs_sweep *sw = a->sw;
  int rc = cs_sweep_run(ctx, sw, r, rec);
  if (rc != CS_OK) return rc;
  size_t M = (size_t)sw->n_metrics, T = (size_t)sw->n_samples, N = (size_t)sw->n_nodes;
  memcpy(out, rec, M * sizeof *out);
  const double *orig = rec + M, *civ = orig + T * N, *own = civ + T * N;
  for (size_t t = 0; t < T; t++) {
    double disp = 0, dead = 0, held = 0, all = 0;
    for (size_t j = 0; j < N; j++) {
      disp += orig[t * N + j];
      dead += civ[t * N + j];
      all += a->res0[j];
      if (CS_PARTY_IS_GANG((int)own[t * N + j])) held += a->res0[j];
    }
    out[M + t] = disp;
    out[M + T + t] = dead;
    out[M + 2 * T + t] = all > 0 ? held / all : 0.0;
  }
  return CS_OK;
}

/* Worker w of jobs: runs k = w, w + jobs, ... < total; stops at its first error. */
static void worker(const arm *arms, int n_arms, uint64_t reps, int w, int jobs, slots *s) {
  size_t L = slot_len(arms), rl = 0;
  for (int i = 0; i < n_arms; i++)
    if (cs_sweep_record_len(arms[i].sw) > rl) rl = cs_sweep_record_len(arms[i].sw);
  double *rec = malloc(rl * sizeof *rec);
  uint64_t total = (uint64_t)n_arms * reps;
  for (uint64_t k = (uint64_t)w; k < total; k += (uint64_t)jobs) {
    cs_ctx ctx = {{0}};
    int rc = rec ? run_one(&ctx, &arms[k / reps], k % reps, rec, s->val + k * L)
                 : cs_err(&ctx, CS_ENOMEM, "out of memory");
    s->rc[k] = rc;
    if (rc != CS_OK) {
      snprintf(s->msg + (size_t)w * 512, 512, "%s: %s", arms[k / reps].name, cs_errmsg(&ctx));
      break;
    }
  }
  free(rec);
}

/* Run every (arm, replicate) with `jobs` forked workers writing into a
** shared anonymous map (jobs 1: in this process). */
static int run_all(cs_ctx *ctx, const arm *arms, int n_arms, uint64_t reps, int jobs, slots *s) {
  uint64_t total = (uint64_t)n_arms * reps;
  size_t L = slot_len(arms);
  s->bytes = total * L * sizeof(double) + total * sizeof(int) + (size_t)jobs * 512 + 64;
  void *m = mmap(NULL, s->bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return cs_err(ctx, CS_ENOMEM, "cannot map %zu bytes for the results", s->bytes);
  s->val = m;
  s->rc = (int *)(s->val + total * L);
  s->msg = (char *)(s->rc + total);
  for (uint64_t k = 0; k < total; k++) s->rc[k] = 1;
  if ((uint64_t)jobs > total) jobs = (int)total;
  if (jobs <= 1) {
    worker(arms, n_arms, reps, 0, 1, s);
  } else {
    pid_t *pids = calloc((size_t)jobs, sizeof *pids);
    if (!pids) return cs_err(ctx, CS_ENOMEM, "out of memory");
    fflush(NULL);
    int started = 0;
    for (; started < jobs; started++) {
      pid_t p = fork();
      if (p < 0) break;
      if (p == 0) {
        worker(arms, n_arms, reps, started, jobs, s);
        _exit(0);
      }
      pids[started] = p;
    }
    for (int i = 0; i < started; i++) {
      int st;
      while (waitpid(pids[i], &st, 0) < 0 && errno == EINTR) {}
    }
    free(pids);
    if (started < jobs) return cs_err(ctx, CS_EIO, "cannot fork a worker: %s", strerror(errno));
  }
  for (int w = 0; w < jobs; w++)
    if (s->msg[(size_t)w * 512]) return cs_err(ctx, CS_EINVAL, "%s", s->msg + (size_t)w * 512);
  for (uint64_t k = 0; k < total; k++)
    if (s->rc[k] != CS_OK) return cs_err(ctx, CS_EIO, "run %llu of arm '%s' did not complete (a worker died)",
                                         (unsigned long long)(k % reps), arms[k / reps].name);
  return CS_OK;
}

/* ---- the report files ---- */

static void json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
    else if (c < 32) fprintf(f, "\\u%04x", c);
    else fputc(c, f);
  }
  fputc('"', f);
}

static void json_num(FILE *f, double x) {
  if (isfinite(x)) fprintf(f, "%.17g", x);
  else fputs("null", f);
}

typedef struct report {
  const arm *arms;
  int n_arms, n_metrics, B;
  uint64_t reps, seed;
  const double *val;  /* the slots */
  size_t L;
  stat_row *st;       /* [variant][metric] */
} report;

static const char *CI_METHOD = "BCa bootstrap (bias-corrected and accelerated), 95%";
static const char *VR_METHOD =
    "Var(variant[(r+1) mod N] - baseline[r]) / Var(variant[r] - baseline[r]): the same runs re-paired "
    "with a cyclic shift, no extra seeds";

static int write_csv(cs_ctx *ctx, const report *R, const char *path) {
  char tmp[4200];
  if (cli_file_tmp_name(path, tmp, sizeof tmp)) return cs_err(ctx, CS_EIO, "output path too long");
  FILE *f = fopen(tmp, "w");
  if (!f) return cs_err(ctx, CS_EIO, "cannot write '%s': %s", tmp, strerror(errno));
  const cs_sweep *sw = R->arms[0].sw;
  fprintf(f, "variant,metric,units,better,baseline_mean,variant_mean,mean_difference,ci_low,ci_high,ci_method,"
             "p_better,p_worse,variance_reduction,replicates\n");
  for (int v = 1; v < R->n_arms; v++)
    for (int m = 0; m < R->n_metrics; m++) {
      const stat_row *s = &R->st[(size_t)(v - 1) * (size_t)R->n_metrics + (size_t)m];
      fprintf(f, "\"%s\",%s,%s,lower,%.10g,%.10g,%.10g,%.10g,%.10g,BCa95,%.6g,%.6g,%.6g,%llu\n", R->arms[v].name,
              sw->metrics[m].name, cs_sweep_metric_units(sw, m), s->base_mean, s->var_mean, s->diff, s->lo, s->hi,
              s->p_better, s->p_worse, s->vr, (unsigned long long)R->reps);
    }
  int rc = (ferror(f) | (fclose(f) != 0)) ? cs_err(ctx, CS_EIO, "cannot write '%s'", tmp) : CS_OK;
  return cli_file_commit(ctx, "compare report", tmp, path, rc);
}

static int write_json(cs_ctx *ctx, const report *R, const char *path) {
  char tmp[4200];
  if (cli_file_tmp_name(path, tmp, sizeof tmp)) return cs_err(ctx, CS_EIO, "output path too long");
  FILE *f = fopen(tmp, "w");
  if (!f) return cs_err(ctx, CS_EIO, "cannot write '%s': %s", tmp, strerror(errno));
  const cs_sweep *sw = R->arms[0].sw;
  fprintf(f, "{\n  \"file_kind\": \"conflictsim compare\",\n  \"conflictsim_version\": ");
  json_str(f, cs_version());
  fprintf(f, ",\n  \"master_seed\": %llu,\n  \"replicates\": %llu,\n  \"ci_method\": ",
          (unsigned long long)R->seed, (unsigned long long)R->reps);
  json_str(f, CI_METHOD);
  fprintf(f, ",\n  \"ci_level\": %.2f,\n  \"bootstrap_resamples\": %d,\n  \"bootstrap_stream\": "
             "\"PCG32 stream (seed, variant, metric) of purpose BOOT\",\n  \"better\": \"lower\",\n"
             "  \"p_better\": \"share of replicates r with variant[r] - baseline[r] < 0\",\n"
             "  \"p_worse\": \"share of replicates r with variant[r] - baseline[r] > 0 (the rest are ties)\",\n"
             "  \"variance_reduction_method\": ",
          CI_LEVEL, R->B);
  json_str(f, VR_METHOD);
  fputs(",\n  \"arms\": [", f);
  for (int a = 0; a < R->n_arms; a++) {
    fputs(a ? ",\n    {\"name\": " : "\n    {\"name\": ", f);
    json_str(f, R->arms[a].name);
    fputs(", \"scenario\": ", f);
    json_str(f, R->arms[a].scenario);
    fputs(", \"sets\": ", f);
    json_str(f, R->arms[a].sets_text);
    fputc('}', f);
  }
  fputs("\n  ],\n  \"results\": [", f);
  int first = 1;
  for (int v = 1; v < R->n_arms; v++)
    for (int m = 0; m < R->n_metrics; m++) {
      const stat_row *s = &R->st[(size_t)(v - 1) * (size_t)R->n_metrics + (size_t)m];
      fputs(first ? "\n    {\"variant\": " : ",\n    {\"variant\": ", f);
      first = 0;
      json_str(f, R->arms[v].name);
      fputs(", \"metric\": ", f);
      json_str(f, sw->metrics[m].name);
      fputs(", \"units\": ", f);
      json_str(f, cs_sweep_metric_units(sw, m));
      const double x[] = {s->base_mean, s->var_mean, s->diff, s->lo, s->hi, s->p_better, s->p_worse, s->vr};
      const char *k[] = {"baseline_mean", "variant_mean", "mean_difference", "ci_low", "ci_high", "p_better",
                         "p_worse", "variance_reduction"};
      for (int i = 0; i < 8; i++) {
        fprintf(f, ", \"%s\": ", k[i]);
        json_num(f, x[i]);
      }
      fputc('}', f);
    }
  fputs("\n  ]\n}\n", f);
  int rc = (ferror(f) | (fclose(f) != 0)) ? cs_err(ctx, CS_EIO, "cannot write '%s'", tmp) : CS_OK;
  return cli_file_commit(ctx, "compare report", tmp, path, rc);
}

/* HDF5: small helpers in the style of sweep_h5.c; every failure is CS_EIO
** naming the object. */
#define H5TRY(call, what)                                                        \
  do {                                                                           \
    if ((call) < 0) {                                                            \
      rc = cs_err(ctx, CS_EIO, "compare file '%s': cannot %s", path, what);      \
      goto done;                                                                 \
    }                                                                            \
  } while (0)

static int h5_attr(cs_ctx *ctx, const char *path, hid_t obj, const char *name, hid_t ft, hid_t mt,
                   const void *buf) {
  return cs_h5u_attr(ctx, "compare file", path, obj, name, ft, mt, 0, buf);
}

/* Dataset `name` of rank dims, written whole from buf, with optional units
** and long_name. */
static int h5_ds(cs_ctx *ctx, const char *path, hid_t f, hid_t str, const char *name, hid_t ft, hid_t mt,
                 int rank, const hsize_t *dims, const void *buf, const char *units, const char *long_name) {
  hid_t d = H5I_INVALID_HID;
  hsize_t n = 1;
  for (int i = 0; i < rank; i++) n *= dims[i];
  int rc = cs_h5u_dataset(ctx, "compare file", path, f, name, ft, rank, dims, NULL, NULL, &d);
  if (rc != CS_OK) goto done;
  if (n) H5TRY(H5Dwrite(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), name);
  if (units && (rc = h5_attr(ctx, path, d, "units", str, str, &units))) goto done;
  if (long_name && (rc = h5_attr(ctx, path, d, "long_name", str, str, &long_name))) goto done;
done:
  if (d >= 0 && H5Dclose(d) < 0 && rc == CS_OK) rc = cs_err(ctx, CS_EIO, "compare file '%s': cannot close %s", path, name);
  return rc;
}

static int write_h5(cs_ctx *ctx, const report *R, const char *path) {
  char tmp[4200];
  if (cli_file_tmp_name(path, tmp, sizeof tmp)) return cs_err(ctx, CS_EIO, "output path too long");
  const cs_sweep *sw = R->arms[0].sw;
  size_t A = (size_t)R->n_arms, V = A - 1, N = (size_t)R->reps, M = (size_t)R->n_metrics,
         T = (size_t)sw->n_samples, L = R->L;
  hid_t fcpl = H5I_INVALID_HID, fapl = H5I_INVALID_HID, f = H5I_INVALID_HID, str = H5I_INVALID_HID;
  int rc = CS_OK;
  size_t big = A * N * (M > T ? M : T);
  double *buf = malloc((big + A + 1) * sizeof *buf);
  const char **s = calloc(A + M + 1, sizeof *s);
  uint64_t *u = malloc((N + 1) * sizeof *u);
  if (!buf || !s || !u) {
    rc = cs_err(ctx, CS_ENOMEM, "out of memory");
    goto done;
  }
  H5TRY(str = H5Tcopy(H5T_C_S1), "make the string type");
  H5TRY(H5Tset_size(str, H5T_VARIABLE), "make the string type");
  H5TRY(H5Tset_cset(str, H5T_CSET_UTF8), "make the string type");
  H5TRY(fcpl = H5Pcreate(H5P_FILE_CREATE), "create the file");
  H5TRY(H5Pset_obj_track_times(fcpl, 0), "create the file");
  H5TRY(fapl = H5Pcreate(H5P_FILE_ACCESS), "create the file");
  H5TRY(H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18), "create the file");
  H5TRY(f = H5Fcreate(tmp, H5F_ACC_EXCL, fcpl, fapl), "create the temporary file");
  {
    const char *kind = "conflictsim compare", *ver = cs_version(), *ci = CI_METHOD, *vr = VR_METHOD,
               *bet = "lower";
    double lvl = CI_LEVEL, days = sw->days, every = sw->sample_every;
    uint64_t seed = R->seed, reps = R->reps, B = (uint64_t)R->B;
    if ((rc = h5_attr(ctx, path, f, "file_kind", str, str, &kind)) ||
        (rc = h5_attr(ctx, path, f, "conflictsim_version", str, str, &ver)) ||
        (rc = h5_attr(ctx, path, f, "master_seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, &seed)) ||
        (rc = h5_attr(ctx, path, f, "replicates", H5T_STD_U64LE, H5T_NATIVE_UINT64, &reps)) ||
        (rc = h5_attr(ctx, path, f, "bootstrap_resamples", H5T_STD_U64LE, H5T_NATIVE_UINT64, &B)) ||
        (rc = h5_attr(ctx, path, f, "ci_method", str, str, &ci)) ||
        (rc = h5_attr(ctx, path, f, "ci_level", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &lvl)) ||
        (rc = h5_attr(ctx, path, f, "better", str, str, &bet)) ||
        (rc = h5_attr(ctx, path, f, "variance_reduction_method", str, str, &vr)) ||
        (rc = h5_attr(ctx, path, f, "days", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &days)) ||
        (rc = h5_attr(ctx, path, f, "sample_every", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &every)))
      goto done;
  }
  /* coordinates */
  hsize_t d1[1], d2[2], d3[3];
  d1[0] = A;
  for (size_t a = 0; a < A; a++) s[a] = R->arms[a].name;
  if ((rc = h5_ds(ctx, path, f, str, "arm", str, str, 1, d1, s, NULL, "arm: 0 the baseline, then the variants")))
    goto done;
  d1[0] = V;
  for (size_t v = 0; v < V; v++) s[v] = R->arms[v + 1].name;
  if ((rc = h5_ds(ctx, path, f, str, "variant", str, str, 1, d1, s, NULL, "variant: arm v + 1, against the baseline")))
    goto done;
  d1[0] = A;
  for (size_t a = 0; a < A; a++) s[a] = R->arms[a].scenario;
  if ((rc = h5_ds(ctx, path, f, str, "arm_scenario", str, str, 1, d1, s, NULL, "scenario file of the arm")))
    goto done;
  for (size_t a = 0; a < A; a++) s[a] = R->arms[a].sets_text;
  if ((rc = h5_ds(ctx, path, f, str, "arm_sets", str, str, 1, d1, s, NULL, "parameter overrides of the arm")))
    goto done;
  d1[0] = M;
  for (size_t m = 0; m < M; m++) s[m] = sw->metrics[m].name;
  if ((rc = h5_ds(ctx, path, f, str, "metric", str, str, 1, d1, s, NULL, "outcome metric (see the sweep file)")))
    goto done;
  for (size_t m = 0; m < M; m++) s[m] = cs_sweep_metric_units(sw, (int)m);
  if ((rc = h5_ds(ctx, path, f, str, "metric_units", str, str, 1, d1, s, NULL, "units of the metric"))) goto done;
  d1[0] = N;
  for (size_t r = 0; r < N; r++) u[r] = r;
  if ((rc = h5_ds(ctx, path, f, str, "replicate", H5T_STD_U64LE, H5T_NATIVE_UINT64, 1, d1, u, NULL,
                  "replicate r: every arm uses the streams of (master_seed, r)")))
    goto done;
  d1[0] = T;
  for (size_t t = 0; t < T; t++) buf[t] = cs_sample_time((long)t, sw->sample_every, sw->days);
  if ((rc = h5_ds(ctx, path, f, str, "time", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, d1, buf, "days",
                  "time since the start of the scenario")))
    goto done;
  /* per-replicate values (arm, replicate, metric) and differences (variant, replicate, metric) */
  d3[0] = A, d3[1] = N, d3[2] = M;
  for (size_t a = 0; a < A; a++)
    for (size_t r = 0; r < N; r++)
      for (size_t m = 0; m < M; m++) buf[(a * N + r) * M + m] = R->val[(a * N + r) * L + m];
  if ((rc = h5_ds(ctx, path, f, str, "values", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, d3, buf, NULL,
                  "outcome metric of each run (arm, replicate, metric)")))
    goto done;
  d3[0] = V;
  for (size_t v = 0; v < V; v++)
    for (size_t r = 0; r < N; r++)
      for (size_t m = 0; m < M; m++)
        buf[(v * N + r) * M + m] = R->val[((v + 1) * N + r) * L + m] - R->val[r * L + m];
  if ((rc = h5_ds(ctx, path, f, str, "difference", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, d3, buf, NULL,
                  "paired difference variant - baseline per replicate (variant = arm - 1, replicate, metric)")))
    goto done;
  /* the summary (variant, metric) */
  d2[0] = V, d2[1] = M;
  static const char *const SN[] = {"baseline_mean", "variant_mean", "mean_difference", "ci_low", "ci_high",
                                   "p_better", "p_worse", "variance_reduction"};
  for (int k = 0; k < 8; k++) {
    for (size_t i = 0; i < V * M; i++) {
      const stat_row *x = &R->st[i];
      const double y[] = {x->base_mean, x->var_mean, x->diff, x->lo, x->hi, x->p_better, x->p_worse, x->vr};
      buf[i] = y[k];
    }
    if ((rc = h5_ds(ctx, path, f, str, SN[k], H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, d2, buf, NULL,
                    "summary over replicates (variant, metric); see the file's attributes")))
      goto done;
  }
  /* trajectories (arm, time, replicate) */
  d3[0] = A, d3[1] = T, d3[2] = N;
  for (int k = 0; k < N_TRAJ; k++) {
    for (size_t a = 0; a < A; a++)
      for (size_t t = 0; t < T; t++)
        for (size_t r = 0; r < N; r++) buf[(a * T + t) * N + r] = R->val[(a * N + r) * L + M + (size_t)k * T + t];
    if ((rc = h5_ds(ctx, path, f, str, TRAJ_NAMES[k], H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, d3, buf,
                    TRAJ_UNITS[k], "city trajectory of each run (arm, time, replicate)")))
      goto done;
  }
  /* named axes: every dataset's dimensions labelled by the coordinate datasets */
  {
    static const char *const ARM[] = {"arm"}, *const METRIC[] = {"metric"}, *const VALUES[] = {"arm", "replicate", "metric"},
                             *const DIFF[] = {"variant", "replicate", "metric"}, *const SUMMARY[] = {"variant", "metric"},
                             *const TRAJ[] = {"arm", "time", "replicate"};
    static const char *const SELF[] = {"arm", "variant", "metric", "replicate", "time"};
    for (int k = 0; k < 5 && rc == CS_OK; k++) rc = cs_h5u_dims(ctx, "compare file", path, f, SELF[k], 1, &SELF[k]);
    if (rc == CS_OK) rc = cs_h5u_dims(ctx, "compare file", path, f, "arm_scenario", 1, ARM);
    if (rc == CS_OK) rc = cs_h5u_dims(ctx, "compare file", path, f, "arm_sets", 1, ARM);
    if (rc == CS_OK) rc = cs_h5u_dims(ctx, "compare file", path, f, "metric_units", 1, METRIC);
    if (rc == CS_OK) rc = cs_h5u_dims(ctx, "compare file", path, f, "values", 3, VALUES);
    if (rc == CS_OK) rc = cs_h5u_dims(ctx, "compare file", path, f, "difference", 3, DIFF);
    for (int k = 0; k < 8 && rc == CS_OK; k++) rc = cs_h5u_dims(ctx, "compare file", path, f, SN[k], 2, SUMMARY);
    for (int k = 0; k < N_TRAJ && rc == CS_OK; k++) rc = cs_h5u_dims(ctx, "compare file", path, f, TRAJ_NAMES[k], 3, TRAJ);
  }
done:
  if (f >= 0 && H5Fclose(f) < 0 && rc == CS_OK) rc = cs_err(ctx, CS_EIO, "compare file '%s': cannot close", path);
  if (fapl >= 0) H5Pclose(fapl);
  if (fcpl >= 0) H5Pclose(fcpl);
  if (str >= 0) H5Tclose(str);
  free(buf);
  free(s);
  free(u);
  if (f < 0 && rc != CS_OK) return rc; /* nothing was created */
  return cli_file_commit(ctx, "compare report", tmp, path, rc);
}

/* ---- statistics over the runs ---- */

static int compute(cs_ctx *ctx, report *R) {
  size_t N = (size_t)R->reps, M = (size_t)R->n_metrics, L = R->L;
  double *b = malloc(N * sizeof *b), *v = malloc(N * sizeof *v), *d = malloc(N * sizeof *d),
         *ind = malloc(N * sizeof *ind), *work = malloc((size_t)R->B * sizeof *work);
  int rc = CS_OK;
  if (!b || !v || !d || !ind || !work) {
    rc = cs_err(ctx, CS_ENOMEM, "out of memory");
    goto done;
  }
  for (int a = 1; a < R->n_arms; a++)
    for (size_t m = 0; m < M; m++) {
      stat_row *s = &R->st[(size_t)(a - 1) * M + m];
      int better = 0, worse = 0;
      for (size_t r = 0; r < N; r++) {
        b[r] = R->val[r * L + m];
        v[r] = R->val[((size_t)a * N + r) * L + m];
      }
      for (size_t r = 0; r < N; r++) {
        d[r] = v[r] - b[r];
        ind[r] = v[(r + 1) % N] - b[r];
        better += d[r] < 0;
        worse += d[r] > 0;
      }
      s->base_mean = cs_stats_mean(b, (int)N);
      s->var_mean = cs_stats_mean(v, (int)N);
      s->diff = cs_stats_mean(d, (int)N);
      s->p_better = (double)better / (double)N;
      s->p_worse = (double)worse / (double)N;
      double vp = cs_stats_variance(d, (int)N), vi = cs_stats_variance(ind, (int)N);
      s->vr = vp > 0 ? vi / vp : (vi > 0 ? INFINITY : NAN);
      cs_pcg32 st;
      cs_stream_init(&st, R->seed, (uint64_t)a, CS_ENT_NONE, m, BOOT_PURPOSE);
      cs_stats_bca_mean(d, (int)N, R->B, CI_LEVEL, &st, work, &s->lo, &s->hi);
    }
done:
  free(b);
  free(v);
  free(d);
  free(ind);
  free(work);
  return rc;
}

static void print_table(const report *R) {
  const cs_sweep *sw = R->arms[0].sw;
  printf("compare: %llu paired replicates (seed %llu); 95%% BCa bootstrap intervals (%d resamples);\n"
         "better = lower; variance reduction = Var(unpaired diff) / Var(paired diff), unpaired = variant\n"
         "replicate (r+1) mod N against baseline r\n",
         (unsigned long long)R->reps, (unsigned long long)R->seed, R->B);
  for (int v = 1; v < R->n_arms; v++) {
    printf("\nvariant %s (%s%s%s) vs baseline\n", R->arms[v].name, R->arms[v].scenario,
           R->arms[v].sets_text[0] ? " " : "", R->arms[v].sets_text);
    printf("  %-32s %13s %13s %13s %29s %9s %8s %9s\n", "metric", "baseline", "variant", "difference",
           "95% CI", "P(better)", "P(worse)", "var.red.");
    for (int m = 0; m < R->n_metrics; m++) {
      const stat_row *s = &R->st[(size_t)(v - 1) * (size_t)R->n_metrics + (size_t)m];
      char ci[64];
      snprintf(ci, sizeof ci, "[%.6g, %.6g]", s->lo, s->hi);
      printf("  %-32s %13.6g %13.6g %13.6g %29s %9.2f %8.2f %9.3g\n", sw->metrics[m].name, s->base_mean,
             s->var_mean, s->diff, ci, s->p_better, s->p_worse, s->vr);
    }
  }
  /* what the intervals can and cannot say */
  int n_iv = (R->n_arms - 1) * R->n_metrics;
  printf("\nP(better) and P(worse) count replicates whose paired difference is < 0 and > 0; the rest are\n"
         "ties. Each interval covers its own mean difference with 95%% probability: of the %d here,\n"
         "about %.1f may exclude the true value by chance alone.\n",
         n_iv, 0.05 * n_iv);
  if (R->reps < 20)
    printf("warning: %llu replicates: bootstrap intervals from fewer than 20 paired runs are unreliable\n"
           "(they undercover); use --replicates 20 or more for conclusions.\n",
           (unsigned long long)R->reps);
}

/* ---- the command ---- */

static char *join_sets(const arm *a) {
  size_t n = 1;
  for (int i = 0; i < a->n_sets; i++) n += strlen(a->sets[i].name) + strlen(a->sets[i].value) + 2;
  char *s = calloc(n, 1);
  if (!s) return NULL;
  for (int i = 0; i < a->n_sets; i++) {
    if (i) strcat(s, ",");
    strcat(s, a->sets[i].name);
    strcat(s, "=");
    strcat(s, a->sets[i].value);
  }
  return s;
}

/* Parse a variant SPEC ([NAME:]K=V,... or [NAME:]FILE.lua) into a (index i). */
static int parse_variant(const char *spec, const arm *base, int i, arm *a) {
  const char *colon = strchr(spec, ':'), *eq = strchr(spec, '=');
  const char *body = spec;
  if (colon && (!eq || colon < eq)) {
    if (colon == spec) return -1;
    if (!(a->name = strndup(spec, (size_t)(colon - spec)))) return -2;
    body = colon + 1;
  }
  if (!*body) return -1;
  if (!strchr(body, '=')) {
    if (!(a->scenario = strdup(body))) return -2;
  } else {
    if (!(a->scenario = strdup(base->scenario))) return -2;
    for (int k = 0; k < base->n_sets; k++) {
      char t[1024];
      int n = snprintf(t, sizeof t, "%s=%s", base->sets[k].name, base->sets[k].value);
      if (n < 0 || (size_t)n >= sizeof t) return -1;
      int e = arm_add_set(a, t, (size_t)n);
      if (e) return e;
    }
    const char *p = body;
    while (*p) {
      const char *c = strchr(p, ',');
      size_t len = c ? (size_t)(c - p) : strlen(p);
      int e = arm_add_set(a, p, len);
      if (e) return e;
      p += len + (c ? 1 : 0);
    }
  }
  if (!a->name) {
    char nm[32];
    snprintf(nm, sizeof nm, "variant%d", i);
    if (!(a->name = strdup(strchr(body, '=') ? body : nm))) return -2;
  }
  return 0;
}

int cli_compare(int argc, char **argv) {
  int status = EXIT_USAGE, n_arms = 1, quiet = 0, B = 10000;
  long jobs = sysconf(_SC_NPROCESSORS_ONLN);
  uint64_t reps = 20, seed = 1, u;
  const char *prefix = NULL;
  arm *arms = calloc((size_t)argc + 2, sizeof *arms);
  const char **vspecs = calloc((size_t)argc + 1, sizeof *vspecs);
  stat_row *st = NULL;
  slots sl = {0};
  char *path = NULL;
  cs_ctx ctx = {{0}};
  int rc, n_v = 0;
  if (!arms || !vspecs) {
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
    } else if (a[0] != '-') {
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
      int e = arm_add_set(&arms[0], val, strlen(val));
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
  if (jobs < 1) jobs = 1;
  if (!(arms[0].name = strdup("baseline"))) goto nomem;
  for (int v = 0; v < n_v; v++, n_arms++) {
    int e = parse_variant(vspecs[v], &arms[0], v + 1, &arms[n_arms]);
    if (e == -2) goto nomem;
    if (e) {
      fprintf(stderr, "conflictsim compare: bad variant '%s' (give [NAME:]K=V,... or [NAME:]FILE.lua)\n",
              vspecs[v]);
      goto done;
    }
    for (int k = 0; k < n_arms; k++)
      if (!strcmp(arms[k].name, arms[n_arms].name)) {
        fprintf(stderr, "conflictsim compare: two arms named '%s'\n", arms[k].name);
        goto done;
      }
  }
  for (int a = 0; a < n_arms; a++) {
    if (!(arms[a].sets_text = join_sets(&arms[a]))) goto nomem;
    if ((rc = arm_load(&ctx, &arms[a], a, seed, reps, a ? &arms[0] : NULL)) != CS_OK) {
      fprintf(stderr, "conflictsim compare: %s: %s\n", arms[a].name, cs_errmsg(&ctx));
      status = rc == CS_EIO ? EXIT_SCENARIO : cli_exit_code(rc);
      goto done;
    }
  }
  if ((rc = run_all(&ctx, arms, n_arms, reps, (int)jobs, &sl)) != CS_OK) {
    fprintf(stderr, "conflictsim compare: %s\n", cs_errmsg(&ctx));
    status = cli_exit_code(rc);
    goto done;
  }
  if (!(st = calloc((size_t)(n_arms - 1) * (size_t)arms[0].sw->n_metrics + 1, sizeof *st))) goto nomem;
  report R = {arms, n_arms, arms[0].sw->n_metrics, B, reps, seed, sl.val, slot_len(arms), st};
  if ((rc = compute(&ctx, &R)) != CS_OK) {
    status = cli_exit_code(rc);
    goto done;
  }
  size_t pl = strlen(prefix) + 8;
  if (!(path = malloc(pl))) goto nomem;
  static const char *const ext[] = {".csv", ".json", ".h5"};
  int (*const wfn[])(cs_ctx *, const report *, const char *) = {write_csv, write_json, write_h5};
  for (int k = 0; k < 3; k++) {
    snprintf(path, pl, "%s%s", prefix, ext[k]);
    if ((rc = wfn[k](&ctx, &R, path)) != CS_OK) {
      fprintf(stderr, "conflictsim compare: %s\n", cs_errmsg(&ctx));
      status = cli_exit_code(rc);
      goto done;
    }
  }
  if (!quiet) {
    print_table(&R);
    printf("\nwrote %s.csv, %s.json, %s.h5\n", prefix, prefix, prefix);
  }
  status = EXIT_OK;
  goto done;
nomem:
  fputs("conflictsim compare: out of memory\n", stderr);
  status = EXIT_NOMEM;
done:
  if (sl.val) munmap(sl.val, sl.bytes);
  for (int a = 0; arms && a <= n_arms && a < argc + 2; a++) arm_clear(&arms[a]);
  free(arms);
  free(vspecs);
  free(st);
  free(path);
  return status;
}
