/* cli_validate.c: `conflictsim validate`: run replicates of a scenario and
** hold them against what was observed in Port-au-Prince in 2023-2024: the
** change in reported inter-gang clashes (ACLED's event counts), the share of
** the capital and of its population under gang control and the deaths in
** 2024 (UN estimates), and the people displaced (IOM's Displacement Tracking
** Matrix). Each row of the table below names its quantity, observed value
** and tolerance. Reported counts are compared with the model's observed
** log, not its true one; the targets that hold by construction of the model
** are listed after the table instead of being scored.
**
** Each replicate runs in a worker of the pool (pool.c; with -j 1, in this
** process) with a sink that keeps only what the targets need (counts of
** events in date windows, and a few city variables on given dates), so
** nothing is written per run; the parent keeps each replicate's record by
** its number, so the table does not depend on -j. Dates are turned into days
** with the scenario's start date; a target whose window the run does not
** cover, or whose nodes the scenario does not have, is reported as not
** computed. The table goes to the terminal and, as CSV, to a file. A target
** passes when the simulated median lies within its tolerance (for the
** "expanding" target: when at least 70% of runs satisfy it).
**
** The Solino targets count what IOM counts: people newly displaced from
** Solino and Tabarre 27 (flight events from those nodes) in the 4 and 8 days
** from 17 Oct 2024, not the change in the stock displaced from them (which
** returns would lower). They are taken over the runs in which the raid could
** happen, those where at least one of the two nodes was not gang-held at the
** last sample before 17 Oct 2024; the "runs" column says how many of the
** replicates that was. */
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
#include "pool.h"
#include "progress.h"
#include "stats.h"

static const char *USAGE =
    "usage: conflictsim validate SCENARIO.lua [options]\n"
    "\n"
    "Run replicates of a scenario (seeds: --seed, replicates 0..N-1) and print, for\n"
    "each observed Port-au-Prince target (2023-2024: clashes, gang control, deaths,\n"
    "displacement) the scenario can express, the observed value, the simulated\n"
    "median and 90% interval, the tolerance, and pass or fail.\n"
    "\n"
    "options:\n"
    "  --replicates N     number of replicates (default 20)\n"
    "  --seed N           master seed (default 1)\n"
    "  --set NAME=VALUE   override a parameter (repeatable)\n"
    "  -j, --jobs N       worker processes (default: the number of cores; 1: in this\n"
    "                     process); the table is the same for every N\n"
    "  -o FILE            CSV table (default output/validate-<scenario>.csv)\n"
    "  --quiet            no progress\n"
    "  -h, --help         show this help\n"
    "\n"
    "Exit status: 0 if every computed target passes, 7 if one fails, otherwise as\n"
    "for run.\n";

enum { EXIT_TARGET_FAILED = 7 };

/* What one run contributes. */
enum {
  M_CLASH_BEFORE, M_CLASH_AFTER,       /* observed gang-on-gang engagements, Sep23-Feb24 / Mar-Aug24 */
  M_STATE_BEFORE, M_STATE_AFTER,       /* gang-vs-state engagements in the same windows */
  M_ALL_BEFORE, M_ALL_AFTER,           /* all engagements */
  M_DEATHS_2024,                       /* deaths in engagements in 2024 */
  M_SHARE_POP_OCT, M_SHARE_NODE_OCT, M_SHARE_POP_DEC, M_SHARE_NODE_DEC,
  M_SHARE_NODE_JUN,                    /* at the MSS arrival, 25 Jun 2024 */
  M_PROV_SEP,                          /* share of displaced in the provinces, 30 Sep 2024 */
  M_RAID_ON,                           /* 1 if Solino or Tabarre 27 was not gang-held just before 17 Oct 2024 */
  M_RAID4, M_RAID8,                    /* people who fled Solino + Tabarre 27 in the 4, 8 days from 17 Oct */
  M_COUNT
};

typedef struct metrics {
  const cs_world *w;
  double day[M_COUNT];   /* sample day a metric reads, or NAN */
  double win[4];         /* window bounds: before [0,1), after [2,3) */
  double y2024[2];
  int raid_nodes[2];
  double raid_day;       /* 17 Oct 2024, or NAN */
  double v[M_COUNT];
} metrics;

static int m_begin(void *ud, const cs_world *w) { return CS_OK; }
static int m_end(void *ud, int status) { return CS_OK; }

static int var_of(const cs_sample *s, const char *name) {
  for (int v = 0; v < s->n_vars; v++)
    if (strcmp(s->vars[v].name, name) == 0) return v;
  return -1;
}

static int m_sample(void *ud, const cs_sample *s) {
  metrics *m = ud;
  for (int k = M_SHARE_POP_OCT; k < M_COUNT; k++) {
    if (isnan(m->day[k]) || fabs(s->t - m->day[k]) > 1e-9) continue;
    if (k == M_PROV_SEP) {
      double prov = (double)((const int64_t *)s->data[var_of(s, "city_displaced_provinces")])[0];
      double all = (double)((const int64_t *)s->data[var_of(s, "city_displaced")])[0];
      m->v[k] = all > 0 ? prov / all : NAN;
    } else if (k == M_RAID_ON) {
      const int64_t *o = s->data[var_of(s, "owner")];
      m->v[k] = !CS_PARTY_IS_GANG(o[m->raid_nodes[0]]) || !CS_PARTY_IS_GANG(o[m->raid_nodes[1]]);
    } else {
      const char *name = k == M_SHARE_POP_OCT || k == M_SHARE_POP_DEC ? "city_gang_share_population"
                                                                      : "city_gang_share_nodes";
      m->v[k] = ((const double *)s->data[var_of(s, name)])[0];
    }
  }
  return CS_OK;
}

static int m_event(void *ud, const cs_event_rec *e) {
  metrics *m = ud;
  if (e->kind == CS_EK_FLIGHT && !isnan(m->raid_day) && (e->node == m->raid_nodes[0] || e->node == m->raid_nodes[1])) {
    if (e->t >= m->raid_day && e->t < m->raid_day + 4) m->v[M_RAID4] += (double)e->displaced;
    if (e->t >= m->raid_day && e->t < m->raid_day + 8) m->v[M_RAID8] += (double)e->displaced;
  }
  if (e->kind != CS_EK_ENGAGEMENT) return CS_OK;
  int gang_gang = CS_PARTY_IS_GANG(e->actor) && CS_PARTY_IS_GANG(e->target);
  int before = e->t >= m->win[0] && e->t < m->win[1], after = e->t >= m->win[2] && e->t < m->win[3];
  if (before || after) {
    int o = after ? 1 : 0;
    if (gang_gang && e->observed) m->v[M_CLASH_BEFORE + o]++;
    if (!gang_gang) m->v[M_STATE_BEFORE + o]++;
    m->v[M_ALL_BEFORE + o]++;
  }
  if (e->t >= m->y2024[0] && e->t < m->y2024[1]) m->v[M_DEATHS_2024] += (double)e->deaths;
  return CS_OK;
}

/* ---- the replicates, over the worker pool (pool.c) ---- */

/* A replicate's record: the metrics, then whether the scenario has a start
** date and whether it has both raid nodes. */
enum { V_HAVE_DATES = M_COUNT, V_HAVE_RAID, V_REC };

typedef struct replicates {
  const char *scenario;
  const cs_script_limits *lim;
  const cs_override *sets;
  size_t n_sets;
  uint64_t seed, reps;
  double (*vals)[V_REC];  /* [reps], in the parent */
  uint64_t done;
  cs_progress line;       /* replicates done, per second, time left */
} replicates;

/* Replicate r: load the scenario, run it with the streams of (seed, r) into
** a sink that keeps only the metrics, and fill rec[V_REC]. A scenario that
** cannot be read is reported as CS_ESCRIPT (exit status 3, as for any other
** scenario error), not as an output error. */
static int replicate_run(cs_ctx *ctx, void *ud, uint64_t r, void *out) {
  const replicates *rp = ud;
  double *rec = out;
  cs_world *w = NULL;
  cs_script *sc = NULL;
  int rc = cs_script_load(ctx, rp->scenario, rp->lim, rp->sets, rp->n_sets, rp->seed, r, 1, &w, &sc);
  if (rc != CS_OK) return rc == CS_EIO ? CS_ESCRIPT : rc;
  metrics m = {0};
  m.w = w;
  const char *dates[] = {"2023-09-01", "2024-03-01", "2024-03-01", "2024-09-01"};
  for (int k = 0; k < 4; k++) m.win[k] = cs_world_day_of(w, dates[k]);
  m.y2024[0] = cs_world_day_of(w, "2024-01-01");
  m.y2024[1] = cs_world_day_of(w, "2025-01-01");
  for (int k = 0; k < M_COUNT; k++) m.day[k] = NAN;
  m.day[M_SHARE_POP_OCT] = m.day[M_SHARE_NODE_OCT] = cs_world_day_of(w, "2024-10-15");
  m.day[M_SHARE_POP_DEC] = m.day[M_SHARE_NODE_DEC] = cs_world_day_of(w, "2024-12-15");
  m.day[M_SHARE_NODE_JUN] = cs_world_day_of(w, "2024-06-25");
  m.day[M_PROV_SEP] = cs_world_day_of(w, "2024-09-30");
  m.raid_nodes[0] = cs_world_find_node(w, "solino");
  m.raid_nodes[1] = cs_world_find_node(w, "tabarre_27");
  int have_raid = m.raid_nodes[0] >= 0 && m.raid_nodes[1] >= 0;
  if (have_raid) m.raid_day = m.day[M_RAID_ON] = cs_world_day_of(w, "2024-10-17");
  else m.raid_day = NAN;
  int have_dates = cs_world_start(w)[0] != '\0';
  for (int k = 0; k < M_COUNT; k++) m.v[k] = k < M_SHARE_POP_OCT || k == M_DEATHS_2024 || k >= M_RAID4 ? 0 : NAN;
  /* sample days must be sample times: round to the sampling grid */
  double se = cs_world_sample_every(w);
  for (int k = 0; k < M_COUNT; k++)
    if (!isnan(m.day[k])) m.day[k] = floor(m.day[k] / se + 0.5) * se;
  /* whether the raid can happen: the owners at the last sample before it */
  if (!isnan(m.raid_day)) m.day[M_RAID_ON] -= se;
  cs_sink sink = {&m, m_begin, m_sample, m_event, m_end};
  rc = cs_world_run(w, rp->seed, r, &sink);
  double horizon = cs_world_days(w);
  if (rc != CS_OK) cs_err(ctx, rc, "%s", cs_errmsg(cs_world_ctx(w)));
  cs_script_free(sc);
  cs_world_free(w);
  if (rc != CS_OK) return rc;
  /* windows the run does not cover are not computed */
  if (!(m.win[0] >= 0 && m.win[3] <= horizon))
    for (int k = M_CLASH_BEFORE; k <= M_ALL_AFTER; k++) m.v[k] = NAN;
  if (!(m.y2024[0] >= 0 && m.y2024[1] <= horizon)) m.v[M_DEATHS_2024] = NAN;
  if (isnan(m.raid_day) || !(m.raid_day - se >= 0 && m.raid_day + 8 <= horizon)) m.v[M_RAID_ON] = NAN;
  memcpy(rec, m.v, sizeof m.v);
  rec[V_HAVE_DATES] = have_dates;
  rec[V_HAVE_RAID] = have_raid;
  return CS_OK;
}

/* In the parent: keep replicate r's record; the progress line. */
static int replicate_done(cs_ctx *ctx, void *ud, uint64_t r, const void *rec) {
  replicates *rp = ud;
  memcpy(rp->vals[r], rec, sizeof rp->vals[r]);
  rp->done++;
  cs_progress_update(&rp->line, (double)rp->done);
  return CS_OK;
}

typedef struct target {
  const char *name, *observed;
  double lo, hi;        /* tolerance on the median (or on the share of runs) */
  const char *needs;    /* what a run must have for the target to be computed */
} target;

/* A number for the printed table: counts of 1,000 or more as whole numbers with
** thousands separators (12,345), the rest with 4 significant digits. */
static const char *fmt_num(double v, char *buf, size_t cap) {
  if (!isfinite(v) || fabs(v) < 1000 || fabs(v) >= 1e15) {
    snprintf(buf, cap, "%.4g", v);
    return buf;
  }
  char digits[32];
  int len = snprintf(digits, sizeof digits, "%.0f", fabs(v)), o = 0;
  if (v < 0 && o + 1 < (int)cap) buf[o++] = '-';
  for (int i = 0; i < len && o + 2 < (int)cap; i++) {
    buf[o++] = digits[i];
    if ((len - 1 - i) % 3 == 0 && i < len - 1) buf[o++] = ',';
  }
  buf[o] = '\0';
  return buf;
}

int cli_validate(int argc, char **argv) {
  const char *scenario = NULL, *out = NULL;
  long nc = sysconf(_SC_NPROCESSORS_ONLN);
  uint64_t seed = 1, reps = 20, jobs = nc > 0 ? (uint64_t)nc : 1;
  int quiet = 0, status = EXIT_USAGE;
  cs_override *sets = calloc((size_t)argc + 1, sizeof *sets);
  char **bufs = calloc((size_t)argc + 1, sizeof *bufs);
  double (*vals)[V_REC] = NULL;
  size_t n_sets = 0;
  char outbuf[512];
  if (!sets || !bufs) goto done;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(USAGE, stdout);
      status = EXIT_OK;
      goto done;
    } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) quiet = 1;
    else if ((!strcmp(a, "--replicates") || !strcmp(a, "--seed") || !strcmp(a, "-o") || !strcmp(a, "--set") ||
              !strcmp(a, "-j") || !strcmp(a, "--jobs")) &&
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
    else if (!strcmp(a, "--set")) {
      const char *eq = strchr(val, '=');
      if (!eq || eq == val) {
        fprintf(stderr, "conflictsim validate: --set takes NAME=VALUE, got '%s'\n", val);
        goto done;
      }
      if (!(bufs[n_sets] = strndup(val, (size_t)(eq - val)))) goto done;
      sets[n_sets].name = bufs[n_sets];
      sets[n_sets++].value = eq + 1;
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
  if (!out) {
    const char *base = strrchr(scenario, '/');
    base = base ? base + 1 : scenario;
    size_t n = strlen(base);
    if (n > 4 && !strcmp(base + n - 4, ".lua")) n -= 4;
    snprintf(outbuf, sizeof outbuf, "output/validate-%.*s.csv", (int)(n > 200 ? 200 : n), base);
    out = outbuf;
    if (mkdir("output", 0777) != 0 && errno != EEXIST) {
      fprintf(stderr, "conflictsim validate: cannot create 'output': %s\n", strerror(errno));
      status = EXIT_IO;
      goto done;
    }
  }
  if (!(vals = calloc(reps, sizeof *vals))) {
    status = EXIT_NOMEM;
    goto done;
  }
  cs_script_limits lim;
  cs_script_limits_default(&lim);
  replicates rp = {scenario, &lim, sets, n_sets, seed, reps, vals, 0, {0}};
  cs_progress_start(&rp.line, quiet, "replicates", 0, "runs/s", 0, (double)reps);
  cs_pool pool = {.n_jobs = reps, .rec_bytes = sizeof *vals, .workers = jobs > 1 ? (int)jobs : 0,
                  .run = replicate_run, .done = replicate_done, .ud = &rp};
  cs_ctx ctx = {{0}};
  int rc = cs_pool_run(&ctx, &pool);
  cs_progress_end(&rp.line);
  if (rc != CS_OK) {
    /* a replicate's own error as it always was; the pool's (a worker died) named */
    fprintf(stderr, "%s%s\n", pool.failed == UINT64_MAX || pool.died ? "conflictsim validate: " : "",
            cs_errmsg(&ctx));
    status = cli_exit_code(rc);
    goto done;
  }
  /* every replicate loads the same scenario: its start date from the last, its raid nodes from any */
  int have_dates = vals[reps - 1][V_HAVE_DATES] != 0, have_raid = 0;
  for (uint64_t r = 0; r < reps; r++) have_raid |= vals[r][V_HAVE_RAID] != 0;
  if (!have_dates)
    fprintf(stderr, "conflictsim validate: %s declares no scenario{ start = \"YYYY-MM-DD\" }: no dated target "
                    "can be computed\n", scenario);
  else if (!have_raid)
    fprintf(stderr, "conflictsim validate: %s has no nodes 'solino' and 'tabarre_27': the raid targets are not "
                    "computed\n", scenario);

  /* Per-run statistics for each target. */
  enum { T_CLASH, T_STATE, T_POP_OCT, T_NODE_OCT, T_POP_DEC, T_NODE_DEC, T_RAID4, T_RAID8, T_DEATHS, T_PROV,
         T_EXPAND, T_COUNT };
  static const target T[T_COUNT] = {
      {"inter-gang clashes (observed) Mar-Aug 2024 / Sep 2023-Feb 2024", "0.22", 0.12, 0.32,
       "a run from 1 Sep 2023 or earlier to 1 Sep 2024 or later, with an observed clash between gangs before 1 Mar 2024"},
      {"share of gang-vs-state engagements, after / before the coalition offensive", "rises >= +30%", 1.3, INFINITY,
       "a run from 1 Sep 2023 or earlier to 1 Sep 2024 or later, with engagements in both halves"},
      {"share of population in gang-held nodes, 15 Oct 2024", "0.80", 0.75, 0.85, "a run that covers 15 Oct 2024"},
      {"share of nodes gang-held, 15 Oct 2024", "0.80", 0.75, 0.85, "a run that covers 15 Oct 2024"},
      {"share of population in gang-held nodes, 15 Dec 2024", "0.85", 0.80, 0.90, "a run that covers 15 Dec 2024"},
      {"share of nodes gang-held, 15 Dec 2024", "0.85", 0.80, 0.90, "a run that covers 15 Dec 2024"},
      {"displaced from Solino + Tabarre 27, 4 days after 17 Oct 2024", "4,200", 2100, 8400,
       "nodes 'solino' and 'tabarre_27', a run that covers 16-25 Oct 2024, and one of the two not gang-held on 16 Oct"},
      {"displaced from Solino + Tabarre 27, 8 days after 17 Oct 2024", "10,056", 5028, 20112,
       "nodes 'solino' and 'tabarre_27', a run that covers 16-25 Oct 2024, and one of the two not gang-held on 16 Oct"},
      {"deaths in engagements in 2024 (metro)", "4,000-5,200", 4000, 5200, "a run that covers all of 2024"},
      {"share of displaced in the provinces, 30 Sep 2024", "0.75", 0.65, 0.85,
       "a run that covers 30 Sep 2024, with someone displaced by then"},
      {"runs where gang control did not fall from 25 Jun to 15 Dec 2024", ">= 70% of runs", 0.70, 1.0,
       "a run that covers 25 Jun - 15 Dec 2024"},
  };
  double *x = malloc(reps * sizeof *x);
  char tmp[4200];
  FILE *f = NULL;
  if (!x) {
    status = EXIT_NOMEM;
    goto done;
  }
  if (cs_outfile_tmp_name(out, tmp, sizeof tmp) || !(f = fopen(tmp, "w"))) {
    fprintf(stderr, "conflictsim validate: cannot write '%s': %s\n", out,
            strlen(out) + 32 > sizeof tmp ? "the path is too long" : strerror(errno));
    free(x);
    status = EXIT_IO;
    goto done;
  }
  int computed[T_COUNT]; /* runs each target was computed over */
  fprintf(f, "target,observed,median,q05,q95,tolerance_low,tolerance_high,result,runs\n");
  printf("%-78s %-14s %10s %23s %21s %7s %s\n", "target", "observed", "median", "90% interval", "tolerance", "runs",
         "result");
  int failed = 0;
  for (int t = 0; t < T_COUNT; t++) {
    int n = 0;
    for (uint64_t r = 0; r < reps; r++) {
      double *v = vals[r], y = NAN;
      switch (t) {
      case T_CLASH: y = v[M_CLASH_BEFORE] > 0 ? v[M_CLASH_AFTER] / v[M_CLASH_BEFORE] : NAN; break;
      case T_STATE:
        y = v[M_ALL_BEFORE] > 0 && v[M_ALL_AFTER] > 0 && v[M_STATE_BEFORE] > 0
                ? (v[M_STATE_AFTER] / v[M_ALL_AFTER]) / (v[M_STATE_BEFORE] / v[M_ALL_BEFORE])
                : NAN;
        break;
      case T_POP_OCT: y = v[M_SHARE_POP_OCT]; break;
      case T_NODE_OCT: y = v[M_SHARE_NODE_OCT]; break;
      case T_POP_DEC: y = v[M_SHARE_POP_DEC]; break;
      case T_NODE_DEC: y = v[M_SHARE_NODE_DEC]; break;
      case T_RAID4: y = v[M_RAID_ON] == 1 ? v[M_RAID4] : NAN; break;
      case T_RAID8: y = v[M_RAID_ON] == 1 ? v[M_RAID8] : NAN; break;
      case T_DEATHS: y = v[M_DEATHS_2024]; break;
      case T_PROV: y = v[M_PROV_SEP]; break;
      case T_EXPAND:
        y = isnan(v[M_SHARE_NODE_JUN]) || isnan(v[M_SHARE_NODE_DEC]) ? NAN
                                                                      : (double)(v[M_SHARE_NODE_DEC] >= v[M_SHARE_NODE_JUN]);
        break;
      }
      if (!isnan(y)) x[n++] = y;
    }
    qsort(x, (size_t)n, sizeof *x, cs_stats_cmp_double);
    double med = cs_stats_quantile(x, n, 0.5), q05 = cs_stats_quantile(x, n, 0.05), q95 = cs_stats_quantile(x, n, 0.95);
    if (t == T_EXPAND && n > 0) { /* the share of runs */
      double s = 0;
      for (int i = 0; i < n; i++) s += x[i];
      med = s / n, q05 = q95 = NAN;
    }
    const char *res = n == 0 ? "not computed" : (med >= T[t].lo && med <= T[t].hi) ? "pass" : "FAIL";
    failed += n > 0 && res[0] == 'F';
    computed[t] = n;
    char iv[80], tol[80], a[32], b[32], md[32];
    if (isnan(q05)) snprintf(iv, sizeof iv, "-");
    else snprintf(iv, sizeof iv, "[%s, %s]", fmt_num(q05, a, sizeof a), fmt_num(q95, b, sizeof b));
    if (isinf(T[t].hi)) snprintf(tol, sizeof tol, ">= %s", fmt_num(T[t].lo, a, sizeof a));
    else snprintf(tol, sizeof tol, "[%s, %s]", fmt_num(T[t].lo, a, sizeof a), fmt_num(T[t].hi, b, sizeof b));
    char runs[32];
    snprintf(runs, sizeof runs, "%d/%llu", n, (unsigned long long)reps);
    printf("%-78s %-14s %10s %23s %21s %7s %s\n", T[t].name, T[t].observed, fmt_num(med, md, sizeof md), iv, tol, runs, res);
    fprintf(f, "\"%s\",\"%s\",%.6g,%.6g,%.6g,%.6g,%.6g,%s,%d\n", T[t].name, T[t].observed, med, q05, q95, T[t].lo,
            T[t].hi, res, n);
  }
  for (int t = 0, first = 1; t < T_COUNT; t++)
    if (!computed[t]) {
      if (first) printf("\nNot computed in any run, because each needs:\n");
      first = 0;
      printf("  %s: %s\n", T[t].name, T[t].needs);
    }
  printf("\nObserved targets not in the table, and why:\n"
         "  residents' share of casualties in police operations (0.38): c_civ / (1 + c_civ) = %s by\n"
         "    construction of the engagement model (the log does not split deaths by kind);\n"
         "  clashes at frontier nodes (>= 0.7): 1.0 by construction (attacks target frontier nodes only);\n"
         "  displaced by a major attack in 4-10 days: see the Solino rows (people who fled the two nodes,\n"
         "    over the runs where one of them was not gang-held on 17 Oct 2024).\n",
         "0.375 at the default c_civ = 0.6");
  free(x);
  cs_ctx fctx = {{0}};
  int frc = (ferror(f) | (fclose(f) != 0)) ? cs_err(&fctx, CS_EIO, "cannot write '%s'", tmp) : CS_OK;
  if (cs_outfile_commit(&fctx, "validation table", tmp, out, frc) != CS_OK) {
    fprintf(stderr, "conflictsim validate: %s\n", cs_errmsg(&fctx));
    status = EXIT_IO;
    goto done;
  }
  printf("table written to %s\n", out);
  status = failed ? EXIT_TARGET_FAILED : EXIT_OK;
done:
  free(vals);
  for (size_t i = 0; bufs && i < n_sets; i++) free(bufs[i]);
  free(bufs);
  free(sets);
  return status;
}
