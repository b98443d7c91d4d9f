/* calibrate.c: the calibration driver: the state machine's batches run on
** the worker pool, journalled, then the calibration file; see calibrate.h. */
#define _POSIX_C_SOURCE 200809L
#include "calibrate.h"

#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cs_h5.h"
#include "pool.h"
#include "progress.h"
#include "sweep_journal.h"

/* ---- the digest of every input ---- */

typedef struct sbuf {
  char *p;
  size_t len, cap;
  int oom;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...) {
  va_list ap;
  for (;;) {
    if (b->oom) return;
    va_start(ap, fmt);
    int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
      b->oom = 1;
      return;
    }
    if (b->p && b->len + (size_t)n < b->cap) {
      b->len += (size_t)n;
      return;
    }
    size_t cap = (b->cap ? b->cap * 2 : 4096) + (size_t)n;
    char *q = realloc(b->p, cap);
    if (!q) {
      b->oom = 1;
      return;
    }
    b->p = q;
    b->cap = cap;
  }
}

/* The scenario's text and the modules and data files it reads, from a probe
** load with the fixed overrides and every calibrated parameter at its lower
** bound (which also checks that each names a parameter of the scenario). */
static int scenario_digest(cs_ctx *ctx, const cs_calibrate_opts *o, const cs_override *ov, size_t n_ov,
                           sbuf *b) {
  cs_world *w = NULL;
  cs_script *sc = NULL;
  int rc = cs_script_load(ctx, o->scenario, o->lim, ov, n_ov, o->cfg.seed, 0, 1, &w, &sc);
  if (rc != CS_OK) return rc;
  size_t len = 0;
  const char *src = cs_script_source(sc, &len);
  char hex[65];
  cs_sha256_hex(src, len, hex);
  sb_printf(b, "scenario %s %s\n", o->scenario, hex);
  for (int i = 0, n = cs_script_n_files(sc); i < n; i++) {
    cs_script_file f;
    cs_script_file_get(sc, i, &f);
    sb_printf(b, "file %s %s\n", f.path, f.sha256);
  }
  cs_script_free(sc);
  cs_world_free(w);
  return CS_OK;
}

/* ---- overrides: the fixed ones, then the calibrated parameters ---- */

typedef struct point_sets {
  cs_override *ov;  /* [n_sets + n_params] */
  char (*val)[32];  /* [n_params] "%.17g" */
  size_t n;
} point_sets;

static int sets_init(cs_ctx *ctx, point_sets *ps, const cs_calibrate_opts *o) {
  size_t n = o->n_sets + (size_t)o->n_params;
  ps->ov = calloc(n + 1, sizeof *ps->ov);
  ps->val = calloc((size_t)o->n_params + 1, sizeof *ps->val);
  if (!ps->ov || !ps->val) return cs_err(ctx, CS_ENOMEM, "out of memory");
  for (size_t i = 0; i < o->n_sets; i++) {
    for (int p = 0; p < o->n_params; p++)
      if (!strcmp(o->sets[i].name, o->priors[p].name))
        return cs_err(ctx, CS_EINVAL, "--set %s: the parameter is calibrated (it has a prior); drop one of the two",
                      o->sets[i].name);
    ps->ov[i] = o->sets[i];
  }
  for (int p = 0; p < o->n_params; p++) {
    ps->ov[o->n_sets + (size_t)p].name = o->priors[p].name;
    ps->ov[o->n_sets + (size_t)p].value = ps->val[p];
  }
  ps->n = n;
  return CS_OK;
}

static void sets_point(point_sets *ps, const double *theta, int n_params) {
  for (int p = 0; p < n_params; p++) snprintf(ps->val[p], sizeof ps->val[p], "%.17g", theta[p]);
}

static void sets_free(point_sets *ps) {
  free(ps->ov);
  free(ps->val);
}

/* ---- one batch over the pool ---- */

typedef struct batch_jobs {
  const cs_calibrate_opts *o;
  const cs_targets *t;
  const cs_calib_batch *b;
  uint64_t base;     /* run number of the batch's run 0 */
  point_sets ps;     /* a copy per process: workers fork */
  cs_journal *j;
  cs_progress line;
  uint64_t done;
} batch_jobs;

static int batch_job(cs_ctx *ctx, void *ud, uint64_t k, void *rec) {
  batch_jobs *s = ud;
  uint64_t r = k - s->base;
  sets_point(&s->ps, s->b->theta + r * (uint64_t)s->o->n_params, s->o->n_params);
  return cs_targets_run(ctx, s->t, s->ps.ov, s->ps.n, s->o->cfg.seed, s->b->replicate[r], rec);
}

static int batch_done(cs_ctx *ctx, void *ud, uint64_t k, const void *rec) {
  batch_jobs *s = ud;
  int rc = cs_journal_append(ctx, s->j, k, rec);
  if (rc == CS_OK) cs_progress_update(&s->line, (double)++s->done);
  return rc;
}

static void batch_child(void *ud) {
  const batch_jobs *s = ud;
  if (s->j->fd >= 0) close(s->j->fd);
}

static const char *stage_name(const cs_calib_batch *b) {
  return b->stage == CS_CALIB_WAVE ? "wave" : "population";
}

static int pool_exec(cs_ctx *ctx, void *ud, const uint64_t *todo, uint64_t n, size_t rec_bytes,
                     cs_pool_run_fn run, cs_pool_done_fn done, void *job_ud) {
  const batch_jobs *s = job_ud;
  cs_pool p = {.jobs = todo, .n_jobs = n, .rec_bytes = rec_bytes, .workers = s->o->workers, .run = run,
               .done = done, .child = batch_child, .ud = job_ud, .stop = &cs_sweep_stop};
  int rc = cs_pool_run(ctx, &p);
  *(uint64_t *)ud = p.failed;
  return rc;
}

/* The leader: run the batch's runs missing from the journal, then read all
** of them back in run order into out. A worker: compute what the leader
** sends. Then every process gets the leader's result and out. */
static int run_batch(cs_ctx *ctx, batch_jobs *s, cs_calibrate_result *res, double *out) {
  const cs_calib_batch *b = s->b;
  const cs_calib_exec *ex = s->o->exec;
  int nt = cs_targets_count(s->t), leader = !ex || ex->leader;
  int rc = CS_OK;
  if (!leader) {
    rc = ex->run(ctx, ex->ud, NULL, 0, 8 * (size_t)nt, batch_job, NULL, s);
    int lrc = ex->share(ctx, ex->ud, rc, out, (size_t)b->n_runs * (size_t)nt);
    return rc != CS_OK ? rc : lrc;
  }
  uint64_t *todo = malloc(((size_t)b->n_runs + 1) * sizeof *todo), n_todo = 0, failed = UINT64_MAX;
  if (!todo) rc = cs_err(ctx, CS_ENOMEM, "out of memory");
  for (int r = 0; rc == CS_OK && r < b->n_runs; r++)
    if (!cs_journal_has(s->j, s->base + (uint64_t)r)) todo[n_todo++] = s->base + (uint64_t)r;
  res->runs += (uint64_t)b->n_runs;
  res->runs_resumed += (uint64_t)b->n_runs - n_todo;
  /* under MPI the workers wait for the end of every batch, so the leader
  ** always goes through ex->run (with nothing to hand out after a failure) */
  if ((rc == CS_OK && n_todo) || ex) {
    char what[64];
    snprintf(what, sizeof what, "%s %d: runs", stage_name(b), b->index);
    s->done = (uint64_t)b->n_runs - n_todo;
    cs_progress_start(&s->line, s->o->quiet, what, 0, "runs/s", (double)s->done, (double)b->n_runs);
    int rrc = ex ? ex->run(ctx, ex->ud, todo, rc == CS_OK ? n_todo : 0, 8 * (size_t)nt, batch_job, batch_done, s)
                 : pool_exec(ctx, &failed, todo, n_todo, 8 * (size_t)nt, batch_job, batch_done, s);
    if (rc == CS_OK) rc = rrc;
    cs_progress_end(&s->line);
    if (rc != CS_OK && failed != UINT64_MAX && rc != CS_ESTOP) {
      char msg[sizeof ctx->msg];
      snprintf(msg, sizeof msg, "%s", cs_errmsg(ctx));
      const double *th = b->theta + (failed - s->base) * (uint64_t)s->o->n_params;
      char where[512];
      size_t len = 0;
      where[0] = '\0';
      for (int q = 0; q < s->o->n_params && len < sizeof where - 40; q++)
        len += (size_t)snprintf(where + len, sizeof where - len, "%s%s=%.6g", q ? ", " : "",
                                s->o->priors[q].name, th[q]);
      cs_err(ctx, rc, "%s %d, run at %s (replicate %llu): %s", stage_name(b), b->index, where,
             (unsigned long long)b->replicate[failed - s->base], msg);
    }
  }
  free(todo);
  for (int r = 0; r < b->n_runs && rc == CS_OK; r++) /* a calibration journals no failure records */
    rc = cs_journal_read(ctx, s->j, s->base + (uint64_t)r, out + (size_t)r * (size_t)nt, NULL);
  if (ex) {
    int src = ex->share(ctx, ex->ud, rc, out, (size_t)b->n_runs * (size_t)nt);
    if (rc == CS_OK) rc = src;
  }
  return rc;
}

/* One line per finished wave or population (stderr, through the progress
** line's logger so the two never mix). */
static void report_stage(const cs_calibrate_opts *o, const cs_calib *cb, const cs_calib_batch *b, int waves0,
                         int pops0) {
  if (o->quiet) return;
  char line[256];
  if (b->stage == CS_CALIB_WAVE && cs_calib_n_waves(cb) > waves0) {
    const cs_calib_wave *w = cs_calib_wave_get(cb, waves0);
    snprintf(line, sizeof line,
             "wave %d: %d points x %d replicates, %.1f%% non-implausible, NROY fraction of the prior %.3g",
             waves0 + 1, w->points, w->replicates, 100 * w->nroy_share, w->nroy_fraction);
    cs_progress_log(NULL, line);
  } else if (b->stage == CS_CALIB_ABC && cs_calib_n_pops(cb) > pops0) {
    const cs_calib_pop *p = cs_calib_pop_get(cb, pops0);
    snprintf(line, sizeof line, "population %d: eps %.4g, %llu proposals, acceptance %.3f, ESS %.1f", pops0,
             p->eps, (unsigned long long)p->proposed, p->acceptance, p->ess);
    cs_progress_log(NULL, line);
  }
}

void cs_calibrate_result_free(cs_calibrate_result *res) {
  cs_calib_free(res->cb);
  cs_targets_free(res->targets);
  free(res->ctargets);
  memset(res, 0, sizeof *res);
}

int cs_calibrate(cs_ctx *ctx, const cs_calibrate_opts *o, cs_calibrate_result *res) {
  memset(res, 0, sizeof *res);
  double t0 = cs_sweep_now();
  cs_journal j;
  memset(&j, 0, sizeof j);
  j.fd = -1;
  point_sets ps = {0};
  sbuf dig = {0};
  double *out = NULL;
  int rc, nt = 0; /* nt: in-sample targets, set before anything reads it */
  if ((rc = sets_init(ctx, &ps, o)) != CS_OK) goto setup;
  /* Held-out targets are dropped by the reader before any of their fields
  ** is read: nothing of them reaches the machine. */
  if ((rc = cs_targets_load(ctx, o->targets_path, o->scenario, o->lim, o->sets, o->n_sets, 0, &res->targets)) !=
      CS_OK)
    goto setup;
  nt = cs_targets_count(res->targets);
  if (nt == 0) {
    rc = cs_err(ctx, CS_EINVAL, "%s: no in-sample target (every target is held out, or the file has none)",
                o->targets_path);
    goto setup;
  }
  if (!(res->ctargets = calloc((size_t)nt, sizeof *res->ctargets))) {
    rc = cs_err(ctx, CS_ENOMEM, "out of memory");
    goto setup;
  }
  for (int i = 0; i < nt; i++) {
    const cs_target_info *ti = cs_targets_info(res->targets, i);
    res->ctargets[i].name = ti->name;
    res->ctargets[i].observed = ti->observed;
    res->ctargets[i].var_obs = ti->sd * ti->sd;
    res->ctargets[i].var_disc = ti->discrepancy * ti->discrepancy;
  }
  cs_calib_config cfg = o->cfg;
  cfg.priors = o->priors;
  cfg.n_params = o->n_params;
  cfg.targets = res->ctargets;
  cfg.n_targets = nt;
  if ((rc = cs_calib_new(ctx, &cfg, &res->cb)) != CS_OK) goto setup;

  /* the digest: configuration, priors, overrides, targets, scenario, and the method's
  ** version. The journal keeps outputs by run number, not the parameters that made them,
  ** so whenever calib.c asks for other batches from the same inputs the version must
  ** change, or a journal of the old method would be resumed with wrong outputs:
  ** "calibration 2", the component-wise ABC kernel; "calibration 3", the cell's floor on
  ** a later wave's box (nroy_box). */
  sb_printf(&dig, "conflictsim calibration 3\nseed %llu\n", (unsigned long long)cfg.seed);
  sb_printf(&dig, "waves %d points %d replicates %d max_replicates %d cutoff %.17g imp_rank %d margin %.17g\n",
            cfg.waves, cfg.points, cfg.replicates, cfg.max_replicates, cfg.cutoff, cfg.imp_rank, cfg.margin);
  /* only when given, so that the journals of calibrations from before the option resume */
  if (cfg.points_first) sb_printf(&dig, "points_first %d\n", cfg.points_first);
  sb_printf(&dig, "particles %d batch %d alpha %.17g eps_final %.17g min_accept %.17g max_populations %d\n",
            cfg.particles, cfg.batch_size, cfg.alpha, cfg.eps_final, cfg.min_accept, cfg.max_populations);
  for (int p = 0; p < o->n_params; p++)
    sb_printf(&dig, "prior %s %d %.17g %.17g\n", o->priors[p].name, o->priors[p].kind, o->priors[p].lo,
              o->priors[p].hi);
  for (size_t i = 0; i < o->n_sets; i++) sb_printf(&dig, "set %s=%s\n", o->sets[i].name, o->sets[i].value);
  sb_printf(&dig, "targets %s\n", cs_targets_sha(res->targets));
  {
    double *lo = malloc(((size_t)o->n_params + 1) * sizeof *lo);
    if (!lo) {
      rc = cs_err(ctx, CS_ENOMEM, "out of memory");
      goto setup;
    }
    for (int p = 0; p < o->n_params; p++) lo[p] = o->priors[p].lo;
    sets_point(&ps, lo, o->n_params);
    free(lo);
  }
  if ((rc = scenario_digest(ctx, o, ps.ov, ps.n, &dig)) != CS_OK) goto setup;
  if (dig.oom) {
    rc = cs_err(ctx, CS_ENOMEM, "out of memory");
    goto setup;
  }
  cs_sha256_hex(dig.p, dig.len, res->digest);

setup:
  if (o->exec && !o->exec->all(o->exec->ud, rc == CS_OK) && rc == CS_OK)
    rc = cs_err(ctx, CS_EINVAL, "the calibration could not start on another process (it says why)");
  if (rc != CS_OK) goto done;
  int leader = !o->exec || o->exec->leader;
  rc = leader ? cs_journal_open_raw(ctx, &j, o->out, res->digest, res->digest, 0, 1, (size_t)nt, 0) : CS_OK;
  if (o->exec && !o->exec->all(o->exec->ud, rc == CS_OK) && rc == CS_OK)
    rc = cs_err(ctx, CS_EIO, "the leader could not open the journal");
  if (rc != CS_OK) goto done;
  cs_sweep_signals_catch();
  uint64_t base = 0;
  size_t cap = 0;
  for (;;) {
    cs_calib_batch b;
    int waves0 = cs_calib_n_waves(res->cb), pops0 = cs_calib_n_pops(res->cb);
    if ((rc = cs_calib_next(ctx, res->cb, &b)) != CS_OK) {
      int w = cs_calib_n_waves(res->cb);
      res->no_nroy = w > 0 && cs_calib_n_pops(res->cb) == 0 && cs_calib_wave_get(res->cb, w - 1)->nroy_share == 0;
      break;
    }
    if (b.stage == CS_CALIB_DONE) break;
    if ((size_t)b.n_runs * (size_t)nt > cap) {
      cap = (size_t)b.n_runs * (size_t)nt;
      double *q = realloc(out, cap * sizeof *out);
      if (!q) {
        rc = cs_err(ctx, CS_ENOMEM, "out of memory");
        break;
      }
      out = q;
    }
    batch_jobs s = {.o = o, .t = res->targets, .b = &b, .base = base, .ps = ps, .j = &j};
    if ((rc = run_batch(ctx, &s, res, out)) != CS_OK) break;
    if ((rc = cs_calib_feed(ctx, res->cb, out)) != CS_OK) break;
    if (leader) report_stage(o, res->cb, &b, waves0, pops0);
    base += (uint64_t)b.n_runs;
  }
  cs_sweep_signals_restore();
  if (rc == CS_OK && cs_sweep_stop) rc = cs_err(ctx, CS_ESTOP, "interrupted");
  res->seconds = cs_sweep_now() - t0;
  if (rc == CS_OK && leader) rc = cs_calibrate_write_h5(ctx, o, res);
  if (rc == CS_OK || rc == CS_EINVAL) {
    /* finished (the file holds every run), or a result the same inputs
    ** would reach again (no non-implausible point): nothing to resume */
    if (j.path) unlink(j.path);
  }
done:
  cs_journal_close(&j);
  sets_free(&ps);
  free(dig.p);
  free(out);
  if (rc != CS_OK && !res->no_nroy) cs_calibrate_result_free(res);
  return rc;
}
