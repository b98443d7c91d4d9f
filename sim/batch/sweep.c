/* sweep.c: the sweep's design, its probe load of the scenario, and one run
** of a sweep with a metrics sink (see sweep.h for the invariants).
**
** The sweep file itself is read by the script layer (cs_script_sweep_read,
** sim/script/script_sweep.c) into a cs_sweep_spec; cs_sweep_load takes over
** its fields, so from then on everything is owned by the cs_sweep and a
** failure half-way leaves nothing to leak: cs_sweep_free releases whatever
** was filled. */
#define _POSIX_C_SOURCE 200809L
#include "sweep.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_h5.h"
#include "cs_rng.h"
#include "sensitivity.h"
#include "sweep_ens.h"
#include "sweep_events.h"

#define CS_SWEEP_DESIGN_PURPOSE 0x53574550u /* "SWEP": the design stream */
#define CS_SWEEP_MAX_RUNS ((uint64_t)1 << 40)
#define CS_SWEEP_MAX_DESIGN ((uint64_t)1 << 24) /* design values (points x parameters), 128 MiB */

/* Units, better direction and descriptions of the built-in metrics, by
** CS_MET_ kind. */
#define MET_ROW_(kind, name, units, better, doc, ...) {units, doc, better},
static const struct {
  const char *units, *doc;
  int better;
} MET[CS_MET_KINDS] = {CS_SWEEP_METRIC_LIST(MET_ROW_)};
#undef MET_ROW_

const char *cs_sweep_kind_name(int kind) {
#define KIND_NAME_(kind, name) name,
  static const char *const names[CS_SWP_KINDS] = {CS_SWEEP_KIND_LIST(KIND_NAME_)};
#undef KIND_NAME_
  return kind >= 0 && kind < CS_SWP_KINDS ? names[kind] : "?";
}

const char *cs_sweep_metric_units(const cs_sweep *sw, int m) {
  return sw->metrics[m].kind == CS_MET_LUA ? sw->metrics[m].units : MET[sw->metrics[m].kind].units;
}
const char *cs_sweep_metric_doc(const cs_sweep *sw, int m) {
  return sw->metrics[m].kind == CS_MET_LUA ? sw->metrics[m].doc : MET[sw->metrics[m].kind].doc;
}

/* A Lua metric says nothing of its direction: lower, as for the built-in
** counts, until a sweep file can declare one. */
int cs_sweep_metric_better(const cs_sweep *sw, int m) {
  return sw->metrics[m].kind == CS_MET_LUA ? CS_BETTER_LOWER : MET[sw->metrics[m].kind].better;
}
const char *cs_sweep_better_name(int better) { return better == CS_BETTER_HIGHER ? "higher" : "lower"; }

/* fall_time's NaN is a node still standing at the end of the run: all that
** is known is that it fell after the horizon, so a comparison may count it
** as falling at the horizon (right-censored). Any other NaN is a value that
** does not exist and stays NaN. */
double cs_sweep_metric_nan_as(const cs_sweep *sw, int m) {
  return sw->metrics[m].kind == CS_MET_FALL_TIME ? sw->days : NAN;
}

size_t cs_sweep_record_len(const cs_sweep *sw) {
  return (size_t)sw->n_metrics + (size_t)sw->n_traj * (size_t)sw->n_samples * (size_t)sw->n_nodes;
}

/* Hand the fields take_spec took back to a spec, for the script layer's
** cs_script_sweep_clear to free: their layout is the reader's to know. */
static void give_back_spec(cs_sweep *sw) {
  cs_sweep_spec sp = {
    .src = sw->src, .src_len = sw->src_len, .scenario_path = sw->scenario_path,
    .seed = sw->seed, .replicates = sw->replicates, .samples = sw->samples,
    .design_kind = sw->design_kind, .levels = sw->levels, .bootstrap = sw->bootstrap,
    .params = sw->params, .n_params = sw->n_params,
    .metrics = sw->metrics, .n_metrics = sw->n_metrics,
    .lua_names = sw->lua_names, .n_lua = sw->n_lua, .lua_first = sw->lua_first,
    .sets = sw->sets, .n_sets = sw->n_sets,
    .traj = sw->traj, .n_traj = sw->n_traj,
    .ensemble = sw->ensemble, .quantiles = sw->quantiles, .n_quantiles = sw->n_quantiles,
    .events = sw->events,
  };
  cs_script_sweep_clear(&sp);
}

void cs_sweep_free(cs_sweep *sw) {
  if (!sw) return;
  give_back_spec(sw);
  free(sw->ev_dir);
  free(sw->traj_var);
  for (int i = 0; sw->node_ids && i < sw->n_nodes; i++) free(sw->node_ids[i]);
  free(sw->node_ids);
  for (int i = 0; sw->node_names && i < sw->n_nodes; i++) free(sw->node_names[i]);
  free(sw->node_names);
  for (int i = 0; sw->party_names && i < sw->n_parties; i++) free(sw->party_names[i]);
  free(sw->party_names);
  free(sw->scenario_name);
  for (int i = 0; i < sw->n_files; i++) {
    free((char *)sw->files[i].path);
    free((char *)sw->files[i].source);
    free((char *)sw->files[i].sha256);
  }
  free(sw->files);
  free(sw->design);
  free(sw->scenario_src);
  free(sw->path);
  free(sw);
}

/* ---- loading ---- */

/* Fill sw->design. Grid outer (first parameter slowest), random rows inner.
** Every value then goes through the model's own check (cs_world_param_check on
** the probe world), the one --set and sim:set use: a grid value of 150.5 for an
** integer parameter is refused, as --set refuses it. A random parameter
** (uniform, loguniform, lhs) that is an integer or a boolean needs whole-number
** ends and draws whole numbers: the continuous draw on [lo, hi + 1), floored,
** so each integer of [lo, hi] has its share (rounding to nearest would give the
** two ends half a share each); the design records the integer used. */
static int make_design(cs_ctx *ctx, cs_sweep *sw, cs_world *w) {
  uint64_t grid = 1, rnd = 0;
  int n_rand = 0;
  for (int i = 0; i < sw->n_params; i++) {
    if (sw->params[i].kind == CS_SWP_GRID) {
      grid *= (uint64_t)sw->params[i].n_values;
      if (grid > CS_SWEEP_MAX_RUNS) return cs_err(ctx, CS_EINVAL, "%s: the grid is too large", sw->path);
    } else n_rand++;
  }
  int sens = sw->design_kind != CS_SWD_CROSSED;
  if (sens) { /* the script layer refused grids and lhs */
    const char *name = sw->design_kind == CS_SWD_SOBOL ? "sobol" : "morris";
    int rc;
    if (!sw->samples)
      return cs_err(ctx, CS_EINVAL, "%s: design = \"%s\" needs samples = %s", sw->path, name,
                    sw->design_kind == CS_SWD_SOBOL ? "N (base rows; N (d + 2) points)"
                                                    : "r (trajectories; r (d + 1) points)");
    if ((rc = cs_sens_check(ctx, sw->path, sw->design_kind, sw->samples, sw->n_params, sw->levels)) != CS_OK)
      return rc;
  } else if (n_rand && !sw->samples)
    return cs_err(ctx, CS_EINVAL, "%s: random parameters (uniform, loguniform, lhs) need samples = N", sw->path);
  if (!sens && !n_rand && sw->samples)
    return cs_err(ctx, CS_EINVAL, "%s: samples = N is for random parameters; none is declared", sw->path);
  rnd = sens ? cs_sens_n_points(sw->design_kind, sw->samples, sw->n_params) : n_rand ? sw->samples : 1;
  if (rnd > CS_SWEEP_MAX_RUNS / grid || grid * rnd > CS_SWEEP_MAX_RUNS / sw->replicates)
    return cs_err(ctx, CS_EINVAL, "%s: too many runs", sw->path);
  size_t np = (size_t)(sw->n_params ? sw->n_params : 1);
  if (grid * rnd > CS_SWEEP_MAX_DESIGN / np) /* the design is held in memory */
    return cs_err(ctx, CS_EINVAL, "%s: the grid and samples = %llu give %llu design points of %d parameters; "
                  "the design is kept in memory, at most %llu values in all", sw->path,
                  (unsigned long long)sw->samples, (unsigned long long)(grid * rnd), sw->n_params,
                  (unsigned long long)CS_SWEEP_MAX_DESIGN);
  /* Types, on the probe world: they decide how random values are drawn. */
  unsigned char *whole = calloc(np, 1);
  if (!whole) return cs_err(ctx, CS_ENOMEM, "out of memory for the design");
  for (int i = 0; i < sw->n_params; i++) {
    const cs_sweep_param *p = &sw->params[i];
    int pi = cs_world_param_find(w, p->name);
    int rc = CS_OK;
    cs_param_info info;
    if (pi >= 0) cs_world_param_info(w, pi, &info);
    if (pi < 0)
      rc = cs_err(ctx, CS_EINVAL, "%s: parameter '%s' is neither a model parameter nor declared by %s", sw->path,
                  p->name, sw->scenario_path);
    else if (info.type == CS_PT_STRING)
      rc = cs_err(ctx, CS_EINVAL, "%s: parameter '%s' is a string; only numbers can be swept", sw->path, info.name);
    else if ((whole[i] = info.type != CS_PT_NUMBER) && p->kind != CS_SWP_GRID &&
             (p->lo != floor(p->lo) || p->hi != floor(p->hi)))
      rc = cs_err(ctx, CS_EINVAL, "%s: parameter '%s' is %s: a %s range needs whole-number ends, got {%.15g, %.15g}",
                  sw->path, info.name, info.type == CS_PT_INTEGER ? "an integer" : "a boolean",
                  cs_sweep_kind_name(p->kind), p->lo, p->hi);
    if (rc != CS_OK) {
      free(whole);
      return rc;
    }
  }
  sw->n_points = grid * rnd;
  sw->n_runs = sw->n_points * sw->replicates;
  double *rtab = calloc((size_t)rnd * np, sizeof *rtab);
  uint32_t *perm = calloc((size_t)rnd, sizeof *perm);
  sw->design = calloc((size_t)sw->n_points * np, sizeof *sw->design);
  if (!rtab || !perm || !sw->design) {
    free(rtab);
    free(perm);
    free(whole);
    return cs_err(ctx, CS_ENOMEM, "out of memory for the design");
  }
  /* Sobol or Morris: the design in the unit cube (sensitivity.c), mapped
  ** below as a random draw u would be. Else random rows: one stream, drawn
  ** parameter by parameter, row by row. */
  cs_pcg32 r;
  cs_stream_init(&r, sw->seed, 0, CS_ENT_NONE, 0, CS_SWEEP_DESIGN_PURPOSE);
  int rc_unit = sens ? cs_sens_design(ctx, sw->design_kind, sw->samples, sw->n_params, sw->levels, sw->seed, rtab)
                     : CS_OK;
  if (rc_unit != CS_OK) {
    free(rtab);
    free(perm);
    free(whole);
    return rc_unit;
  }
  for (int i = 0; i < sw->n_params; i++) {
    const cs_sweep_param *p = &sw->params[i];
    if (p->kind == CS_SWP_GRID) continue;
    if (p->kind == CS_SWP_LHS) {
      for (uint64_t j = 0; j < rnd; j++) perm[j] = (uint32_t)j;
      for (uint64_t j = rnd; j > 1; j--) { /* Fisher-Yates */
        uint32_t o = cs_pcg32_bounded(&r, (uint32_t)j), tmp = perm[j - 1];
        perm[j - 1] = perm[o];
        perm[o] = tmp;
      }
    }
    double hi = whole[i] ? p->hi + 1 : p->hi; /* whole numbers: [lo, hi + 1), floored */
    for (uint64_t j = 0; j < rnd; j++) {
      double u = sens ? rtab[j * np + (size_t)i] : cs_rng_uniform(&r), v;
      if (p->kind == CS_SWP_UNIFORM) v = p->lo + (hi - p->lo) * u;
      else if (p->kind == CS_SWP_LOGUNIFORM) v = exp(log(p->lo) + (log(hi) - log(p->lo)) * u);
      else v = p->lo + (hi - p->lo) * ((perm[j] + u) / (double)rnd);
      if (whole[i]) v = fmin(floor(v), p->hi); /* fmin: u = 1 (Morris), or a product rounding up to hi + 1 */
      else if (sens) v = fmax(p->lo, fmin(v, p->hi)); /* Morris's u = 0 and 1 are the ends, exp(log(hi)) too */
      rtab[j * np + (size_t)i] = v;
    }
  }
  for (uint64_t pt = 0; pt < sw->n_points; pt++) {
    uint64_t g = pt / rnd, j = pt % rnd, stride = grid;
    double *row = sw->design + pt * np;
    for (int i = 0; i < sw->n_params; i++) {
      const cs_sweep_param *p = &sw->params[i];
      if (p->kind == CS_SWP_GRID) {
        stride /= (uint64_t)p->n_values;
        row[i] = p->values[(g / stride) % (uint64_t)p->n_values];
      } else row[i] = rtab[j * np + (size_t)i];
    }
  }
  free(rtab);
  free(perm);
  free(whole);
  /* Every value, through the model's check. */
  for (int i = 0; i < sw->n_params; i++)
    for (uint64_t pt = 0; pt < sw->n_points; pt++)
      if (cs_world_param_check(w, sw->params[i].name, sw->design[pt * np + (size_t)i]) != CS_OK)
        return cs_err(ctx, CS_EINVAL, "%s: %s", sw->path, cs_errmsg(cs_world_ctx(w)));
  return CS_OK;
}

/* Load the scenario with the overrides pre[n_pre] (a posterior draw), then
** the fixed overrides, then design point pt. */
static int load_point(cs_ctx *ctx, const cs_sweep *sw, uint64_t pt, int with_design, uint64_t replicate,
                      const cs_override *pre, size_t n_pre, cs_world **w, cs_script **sc) {
  size_t n = n_pre + (size_t)sw->n_sets + (size_t)sw->n_params;
  cs_override *ov = calloc(n ? n : 1, sizeof *ov);
  char (*buf)[32] = calloc((size_t)(sw->n_params ? sw->n_params : 1), sizeof *buf);
  size_t k = 0;
  int rc;
  if (!ov || !buf) {
    free(ov);
    free(buf);
    return cs_err(ctx, CS_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < n_pre; i++) ov[k++] = pre[i];
  for (int i = 0; i < sw->n_sets; i++) ov[k++] = (cs_override){sw->sets[i].name, sw->sets[i].value};
  for (int i = 0; with_design && i < sw->n_params; i++) {
    snprintf(buf[i], sizeof buf[i], "%.17g", sw->design[pt * (uint64_t)sw->n_params + (uint64_t)i]);
    ov[k++] = (cs_override){sw->params[i].name, buf[i]};
  }
  cs_script_limits lim;
  cs_script_limits_default(&lim);
  rc = cs_script_load(ctx, sw->scenario_path, &lim, ov, k, sw->seed, replicate, 1, w, sc);
  free(ov);
  free(buf);
  return rc;
}

static char *dup_n(const char *p, size_t n) {
  char *d = malloc(n + 1);
  if (d) {
    memcpy(d, p, n);
    d[n] = '\0';
  }
  return d;
}

/* Copy the modules and data files the probe load read into sw->files, and
** their digest into sw->files_sha. The runs of the sweep load the same
** files again (the scenario and its files are read from disk each run). */
static int copy_files(cs_ctx *ctx, cs_sweep *sw, const cs_script *sc) {
  int n = cs_script_n_files(sc);
  sw->files_sha[0] = '\0';
  if (n == 0) return CS_OK;
  if (!(sw->files = calloc((size_t)n, sizeof *sw->files))) return cs_err(ctx, CS_ENOMEM, "out of memory");
  size_t cap = 100;
  for (int i = 0; i < n; i++) {
    cs_script_file f;
    cs_script_file_get(sc, i, &f);
    cs_prov_file *o = &sw->files[sw->n_files++];
    o->kind = f.kind == CS_SCRIPT_FILE_MODULE ? "module" : "data";
    o->size = f.len;
    if (!(o->path = dup_n(f.path, strlen(f.path))) || !(o->sha256 = dup_n(f.sha256, 64)) ||
        (f.source && !(o->source = dup_n(f.source, f.len))))
      return cs_err(ctx, CS_ENOMEM, "out of memory");
    cap += strlen(f.path) + 80;
  }
  char *list = malloc(cap);
  if (!list) return cs_err(ctx, CS_ENOMEM, "out of memory");
  size_t len = (size_t)snprintf(list, cap, "scenario %s\n", sw->scenario_sha);
  for (int i = 0; i < n; i++)
    len += (size_t)snprintf(list + len, cap - len, "%s %s %s\n", sw->files[i].kind, sw->files[i].path,
                            sw->files[i].sha256);
  cs_sha256_hex(list, len, sw->files_sha);
  free(list);
  return sw->files_sha[0] ? CS_OK : cs_err(ctx, CS_EIO, "SHA-256 failed");
}

/* The trajectories' time axis is dated from the probe's start date and their
** owners are decoded by the probe's parties (the file's `time` units and
** `party` coordinate): a design point must not change either. */
static int same_axes(cs_ctx *ctx, const cs_sweep *sw, const cs_world *w, uint64_t pt) {
  if (strcmp(cs_world_start(w), sw->start_date) != 0)
    return cs_err(ctx, CS_EINVAL, "%s: design point %llu changes the scenario's start date ('%s', not '%s' as at "
                  "point 0), which dates the trajectories' time axis", sw->path, (unsigned long long)pt,
                  cs_world_start(w), sw->start_date);
  int same = cs_world_n_gangs(w) + 2 == sw->n_parties;
  for (int p = 0; same && p < sw->n_parties; p++) same = !strcmp(cs_world_party_name(w, p), sw->party_names[p]);
  if (!same)
    return cs_err(ctx, CS_EINVAL, "%s: design point %llu changes the scenario's gangs, which the party coordinate "
                  "of the trajectories (owner codes) names as at point 0", sw->path, (unsigned long long)pt);
  return CS_OK;
}

static int probe(cs_ctx *ctx, cs_sweep *sw) {
  cs_world *w = NULL;
  cs_script *sc = NULL;
  int rc = load_point(ctx, sw, 0, 0, 0, NULL, 0, &w, &sc);
  if (rc != CS_OK) {
    if (sw->n_sets) { /* the overrides come from the sweep file, not the command line */
      char msg[sizeof ctx->msg];
      snprintf(msg, sizeof msg, "%s", cs_errmsg(ctx));
      cs_err(ctx, rc, "%s: loading the scenario with the sweep's `set` table: %s", sw->path, msg);
    }
    return rc;
  }
  size_t len = 0;
  const char *src = cs_script_source(sc, &len);
  if (!(sw->scenario_src = malloc(len + 1))) {
    rc = cs_err(ctx, CS_ENOMEM, "out of memory");
    goto done;
  }
  memcpy(sw->scenario_src, src, len);
  sw->scenario_src[len] = '\0';
  sw->scenario_len = len;
  cs_sha256_hex(src, len, sw->scenario_sha);
  if ((rc = copy_files(ctx, sw, sc)) != CS_OK) goto done;
  sw->n_nodes = cs_world_n_nodes(w);
  sw->n_samples = cs_world_n_samples(w);
  sw->days = cs_world_days(w);
  sw->sample_every = cs_world_sample_every(w);
  if (!(sw->scenario_name = strdup(cs_world_name(w))) ||
      !(sw->node_ids = calloc((size_t)sw->n_nodes + 1, sizeof *sw->node_ids)) ||
      !(sw->node_names = calloc((size_t)sw->n_nodes + 1, sizeof *sw->node_names))) {
    rc = cs_err(ctx, CS_ENOMEM, "out of memory");
    goto done;
  }
  for (int i = 0; i < sw->n_nodes; i++) {
    const char *name = cs_world_node_name(w, i);
    if (!(sw->node_names[i] = strdup(name && name[0] ? name : cs_world_node_id(w, i)))) {
      rc = cs_err(ctx, CS_ENOMEM, "out of memory");
      goto done;
    }
  }
  for (int i = 0; i < sw->n_nodes; i++)
    if (!(sw->node_ids[i] = strdup(cs_world_node_id(w, i)))) {
      rc = cs_err(ctx, CS_ENOMEM, "out of memory");
      goto done;
    }
  snprintf(sw->start_date, sizeof sw->start_date, "%s", cs_world_start(w));
  if (!(sw->party_names = calloc((size_t)cs_world_n_gangs(w) + 2, sizeof *sw->party_names))) {
    rc = cs_err(ctx, CS_ENOMEM, "out of memory");
    goto done;
  }
  for (; sw->n_parties < cs_world_n_gangs(w) + 2; sw->n_parties++)
    if (!(sw->party_names[sw->n_parties] = strdup(cs_world_party_name(w, sw->n_parties)))) {
      rc = cs_err(ctx, CS_ENOMEM, "out of memory");
      goto done;
    }
  for (int m = 0; m < sw->n_metrics; m++) {
    cs_sweep_metric *me = &sw->metrics[m];
    if (me->kind >= CS_MET_NODE_FIRST && me->kind != CS_MET_LUA &&
        (me->node_idx = cs_world_find_node(w, me->node)) < 0) {
      const char *near = cs_nearest_name(me->node, (const char *const *)sw->node_ids, sw->n_nodes);
      rc = cs_err(ctx, CS_EINVAL, "%s: metric %s: %s has no node '%s'%s%s%s", sw->path, me->name, sw->scenario_path,
                  me->node, near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
      goto done;
    }
  }
  if (sw->n_lua > 0) { /* call each function once on the initial state, so a mistake shows now */
    double *tmp = calloc((size_t)sw->n_lua, sizeof *tmp);
    if (!tmp) {
      rc = cs_err(ctx, CS_ENOMEM, "out of memory");
      goto done;
    }
    rc = cs_script_metrics(ctx, sc, sw->path, sw->src, sw->src_len, (const char *const *)sw->lua_names, sw->n_lua,
                           tmp);
    free(tmp);
    if (rc != CS_OK) {
      char msg[CS_ERRMSG_MAX];
      snprintf(msg, sizeof msg, "%s", cs_errmsg(ctx));
      cs_err(ctx, rc, "%s (on the initial state, when the sweep is loaded)", msg);
      goto done;
    }
  }
  int nv;
  const cs_var *vars = cs_world_vars(&nv);
  if (!(sw->traj_var = calloc((size_t)sw->n_traj + 1, sizeof *sw->traj_var))) {
    rc = cs_err(ctx, CS_ENOMEM, "out of memory");
    goto done;
  }
  for (int t = 0; t < sw->n_traj; t++) {
    sw->traj_var[t] = -1;
    for (int v = 0; v < nv; v++)
      if (vars[v].dim == CS_DIM_NODE && !strcmp(vars[v].name, sw->traj[t])) sw->traj_var[t] = v;
    if (sw->traj_var[t] < 0) {
      rc = cs_err(ctx, CS_EINVAL, "%s: keep_trajectories: '%s' is not a node variable (see output/README.md)",
                  sw->path, sw->traj[t]);
      goto done;
    }
  }
  rc = make_design(ctx, sw, w);
done:
  cs_script_free(sc);
  cs_world_free(w);
  return rc;
}

/* Take over the fields of a spec just read; sp is left empty. */
static void take_spec(cs_sweep *sw, cs_sweep_spec *sp) {
  sw->src = sp->src;
  sw->src_len = sp->src_len;
  sw->scenario_path = sp->scenario_path;
  sw->seed = sp->seed;
  sw->replicates = sp->replicates;
  sw->samples = sp->samples;
  sw->design_kind = sp->design_kind;
  sw->levels = sp->levels;
  sw->bootstrap = sp->bootstrap;
  sw->params = sp->params;
  sw->n_params = sp->n_params;
  sw->metrics = sp->metrics;
  sw->n_metrics = sp->n_metrics;
  sw->lua_names = sp->lua_names;
  sw->n_lua = sp->n_lua;
  sw->lua_first = sp->lua_first;
  sw->sets = sp->sets;
  sw->n_sets = sp->n_sets;
  sw->traj = sp->traj;
  sw->n_traj = sp->n_traj;
  sw->ensemble = sp->ensemble;
  sw->quantiles = sp->quantiles;
  sw->n_quantiles = sp->n_quantiles;
  sw->events = sp->events;
  memset(sp, 0, sizeof *sp);
}

int cs_sweep_load(cs_ctx *ctx, const char *path, const char *src, size_t src_len, cs_sweep **out) {
  cs_sweep *sw = calloc(1, sizeof *sw);
  cs_sweep_spec sp;
  int rc;
  if (!sw || !(sw->path = strdup(path))) {
    free(sw);
    return cs_err(ctx, CS_ENOMEM, "out of memory");
  }
  if ((rc = cs_script_sweep_read(ctx, path, src, src_len, &sp)) != CS_OK) goto fail;
  take_spec(sw, &sp);
  cs_sha256_hex(sw->src, sw->src_len, sw->sha);
  memcpy(sw->id_sha, sw->sha, sizeof sw->id_sha);
  sw->branches = 1;
  if ((rc = probe(ctx, sw)) != CS_OK || (rc = cs_ens_check(ctx, sw)) != CS_OK) goto fail;
  *out = sw;
  return CS_OK;
fail:
  cs_sweep_free(sw);
  return rc;
}

/* ---- branches ---- */

uint64_t cs_sweep_per_point(const cs_sweep *sw) { return sw->replicates * sw->branches; }

void cs_sweep_run_coords(const cs_sweep *sw, uint64_t k, uint64_t *pt, uint64_t *rep, uint64_t *branch) {
  uint64_t per = cs_sweep_per_point(sw), slot = k % per;
  if (pt) *pt = k / per;
  if (rep) *rep = slot / sw->branches;
  if (branch) *branch = slot % sw->branches;
}

const char *cs_sweep_branch_desc(int branched, double at, uint64_t k, char *buf, size_t cap) {
  if (!branched) snprintf(buf, cap, "no branches");
  else snprintf(buf, cap, "%llu branch%s at day %.17g", (unsigned long long)k, k == 1 ? "" : "es", at);
  return buf;
}

int cs_sweep_set_branch(cs_ctx *ctx, cs_sweep *sw, double at, uint64_t k) {
  if (sw->branched) return cs_err(ctx, CS_EINVAL, "%s: the sweep is branched already", sw->path);
  if (!(at >= 0) || !(at < sw->days))
    return cs_err(ctx, CS_EINVAL, "--branch-at %g: the branch day must be in [0, %g), the scenario's days (a branch "
                  "at the horizon would have no future)", at, sw->days);
  if (k < 1 || k > 10000) return cs_err(ctx, CS_EINVAL, "--branches %llu: must be in [1, 10000]", (unsigned long long)k);
  if (sw->design_kind != CS_SWD_CROSSED)
    return cs_err(ctx, CS_EINVAL, "%s: --branch-at with design = \"%s\" is not supported: the sensitivity analysis "
                  "reads one run per replicate of each design point", sw->path,
                  sw->design_kind == CS_SWD_SOBOL ? "sobol" : "morris");
  if (sw->n_runs > CS_SWEEP_MAX_RUNS / k)
    return cs_err(ctx, CS_EINVAL, "%s: %llu runs x %llu branches: too many runs", sw->path,
                  (unsigned long long)sw->n_runs, (unsigned long long)k);
  uint64_t k0 = sw->branches;
  sw->branches = k;
  int rc = cs_ens_check(ctx, sw);
  if (rc != CS_OK) {
    sw->branches = k0;
    return rc;
  }
  char id[256];
  int n = snprintf(id, sizeof id, "%s\nbranch_at %.17g\nbranches %llu\n", sw->sha, at, (unsigned long long)k);
  cs_sha256_hex(id, (size_t)n, sw->id_sha);
  sw->branched = 1;
  sw->branch_at = at;
  sw->n_runs *= k;
  return CS_OK;
}

/* ---- one run: the metrics sink ---- */

typedef struct msink {
  const cs_sweep *sw;
  double *rec;
  int v_disp, v_civ, v_pop, v_nodes, v_owner;
  int n_nodes;
  double last_t, last[3];    /* displaced, share pop, share nodes at the previous sample */
  double integ[3];
  int64_t state0, state_last;
  double eng_deaths, gg, gs, all;
  cs_sweep_evw *evw;         /* the run's event rows (sw->ev_dir), or NULL */
} msink;

static int find_var(const cs_sample *s, const char *name) {
  for (int v = 0; v < s->n_vars; v++)
    if (!strcmp(s->vars[v].name, name)) return v;
  return -1;
}

static int ms_begin(void *ud, const cs_world *w) { return CS_OK; }
static int ms_end(void *ud, int status) { return CS_OK; }

static int ms_sample(void *ud, const cs_sample *s) {
  msink *m = ud;
  if (s->index == 0) {
    m->v_disp = find_var(s, "city_displaced");
    m->v_civ = find_var(s, "city_civilian_deaths");
    m->v_pop = find_var(s, "city_gang_share_population");
    m->v_nodes = find_var(s, "city_gang_share_nodes");
    m->v_owner = find_var(s, "owner");
    if (m->v_disp < 0 || m->v_civ < 0 || m->v_pop < 0 || m->v_nodes < 0 || m->v_owner < 0) return CS_EINVAL;
  }
  double cur[3] = {(double)((const int64_t *)s->data[m->v_disp])[0], ((const double *)s->data[m->v_pop])[0],
                   ((const double *)s->data[m->v_nodes])[0]};
  const int64_t *own = s->data[m->v_owner];
  int64_t st = 0;
  for (int i = 0; i < m->n_nodes; i++) st += own[i] == CS_PARTY_STATE;
  if (s->index == 0) m->state0 = st;
  else
    for (int k = 0; k < 3; k++) m->integ[k] += 0.5 * (s->t - m->last_t) * (m->last[k] + cur[k]);
  m->state_last = st;
  m->last_t = s->t;
  memcpy(m->last, cur, sizeof cur);
  double *rec = m->rec;
  const cs_sweep *sw = m->sw;
  for (int k = 0; k < sw->n_metrics; k++) {
    switch (sw->metrics[k].kind) {
    case CS_MET_DISPLACED_FINAL: rec[k] = cur[0]; break;
    case CS_MET_DISPLACED_INTEGRAL: rec[k] = m->integ[0]; break;
    case CS_MET_CIV_DEATHS_FINAL: rec[k] = (double)((const int64_t *)s->data[m->v_civ])[0]; break;
    case CS_MET_SHARE_POP_FINAL: rec[k] = cur[1]; break;
    case CS_MET_SHARE_POP_INTEGRAL: rec[k] = m->integ[1]; break;
    case CS_MET_SHARE_NODES_FINAL: rec[k] = cur[2]; break;
    case CS_MET_SHARE_NODES_INTEGRAL: rec[k] = m->integ[2]; break;
    case CS_MET_NODES_LOST: rec[k] = (double)(m->state0 - m->state_last); break;
    default: break;
    }
  }
  size_t T = (size_t)sw->n_samples, N = (size_t)sw->n_nodes;
  for (int t = 0; t < sw->n_traj; t++) {
    const cs_var *var = &s->vars[sw->traj_var[t]];
    double *dst = rec + sw->n_metrics + ((size_t)t * T + (size_t)s->index) * N;
    for (size_t i = 0; i < N; i++)
      dst[i] = var->is_int ? (double)((const int64_t *)s->data[sw->traj_var[t]])[i]
                           : ((const double *)s->data[sw->traj_var[t]])[i];
  }
  return CS_OK;
}

static int ms_event(void *ud, const cs_event_rec *e) {
  msink *m = ud;
  const cs_sweep *sw = m->sw;
  if (m->evw && cs_sweep_ev_keep(sw->events, e->kind)) {
    cs_sweep_evrow r;
    memset(&r, 0, sizeof r);
    r.t = e->t;
    r.kind = (uint8_t)e->kind;
    r.node = e->node;
    r.actor = e->actor;
    r.target = e->target;
    r.deaths = e->deaths;
    r.displaced = e->displaced;
    r.observed = (uint8_t)(e->observed != 0);
    r.report_time = e->report_time;
    r.obs_deaths = e->observed_deaths;
    cs_sweep_evw_add(m->evw, &r);
  }
  if (e->kind == CS_EK_ENGAGEMENT) {
    m->eng_deaths += (double)e->deaths;
    m->all++;
    if (CS_PARTY_IS_GANG(e->actor) && CS_PARTY_IS_GANG(e->target)) m->gg++;
    if (CS_PARTY_IS_GANG(e->actor) && e->target == CS_PARTY_STATE) m->gs++;
  }
  for (int k = 0; k < sw->n_metrics; k++) {
    switch (sw->metrics[k].kind) {
    case CS_MET_ENGAGEMENT_DEATHS: m->rec[k] = m->eng_deaths; break;
    case CS_MET_CLASHES_GANG_GANG: m->rec[k] = m->gg; break;
    case CS_MET_CLASHES_GANG_STATE: m->rec[k] = m->gs; break;
    case CS_MET_CLASHES_ALL: m->rec[k] = m->all; break;
    case CS_MET_FALL_TIME:
      if (e->kind == CS_EK_TAKEOVER && e->node == sw->metrics[k].node_idx && CS_PARTY_IS_GANG(e->actor) &&
          isnan(m->rec[k]))
        m->rec[k] = e->t;
      break;
    case CS_MET_FLED:
      /* The model keeps no cumulative count of departures per node (its
      ** origin_disp is a stock that returns lower), so the metric sums the
      ** flight events, as a targets file's fled{} does (targets.c). */
      if (e->kind == CS_EK_FLIGHT && e->node == sw->metrics[k].node_idx) m->rec[k] += (double)e->displaced;
      break;
    default: break;
    }
  }
  return CS_OK;
}

int cs_sweep_run_fault(int rc) { return rc == CS_ESCRIPT || rc == CS_EINVAL; }

/* A run's error message goes into the file, which must not depend on the
** process that ran it; Lua prints a table, function, userdata or thread as
** "table: 0x55d2c0a3e8f0", an address that differs between processes. So
** ": 0x" followed by 6 or more hex digits becomes ": 0x?" (a number written
** so in a message is masked too). In place. */
static void scrub_addresses(char *msg) {
  char *o = msg;
  for (const char *c = msg; *c;) {
    if (c[0] == ':' && c[1] == ' ' && c[2] == '0' && c[3] == 'x') {
      size_t n = strspn(c + 4, "0123456789abcdefABCDEF");
      if (n >= 6) {
        memcpy(o, ": 0x?", 5);
        o += 5;
        c += 4 + n;
        continue;
      }
    }
    *o++ = *c++;
  }
  *o = '\0';
}

int cs_sweep_run(cs_ctx *ctx, const cs_sweep *sw, uint64_t k, double *rec) {
  return cs_sweep_run_pre(ctx, sw, k, NULL, 0, rec);
}

int cs_sweep_run_pre(cs_ctx *ctx, const cs_sweep *sw, uint64_t k, const cs_override *pre, size_t n_pre,
                     double *rec) {
  cs_world *w = NULL;
  cs_script *sc = NULL;
  uint64_t pt, rep, branch;
  int rc;
  if (k >= sw->n_runs) return cs_err(ctx, CS_EINVAL, "run %llu is not in the sweep", (unsigned long long)k);
  cs_sweep_run_coords(sw, k, &pt, &rep, &branch);
  if ((rc = load_point(ctx, sw, pt, 1, rep, pre, n_pre, &w, &sc)) != CS_OK) {
    scrub_addresses(ctx->msg);
    return rc;
  }
  msink m;
  memset(&m, 0, sizeof m);
  m.sw = sw;
  m.rec = rec;
  m.n_nodes = sw->n_nodes;
  size_t len = cs_sweep_record_len(sw);
  for (size_t i = 0; i < len; i++) rec[i] = (i < (size_t)sw->n_metrics) ? 0 : NAN;
  for (int i = 0; i < sw->n_metrics; i++)
    if (sw->metrics[i].kind == CS_MET_FALL_TIME) rec[i] = NAN;
  if (cs_world_n_nodes(w) != sw->n_nodes || cs_world_n_samples(w) != sw->n_samples) {
    rc = cs_err(ctx, CS_EINVAL, "%s: design point %llu changes the number of nodes or samples", sw->path,
                (unsigned long long)pt);
    goto done;
  }
  if (sw->n_traj && (rc = same_axes(ctx, sw, w, pt)) != CS_OK) goto done;
  if (sw->branched && (rc = cs_world_set_branch(w, sw->branch_at, branch)) != CS_OK) {
    cs_err(ctx, rc, "run %llu: --branch-at: %s", (unsigned long long)k, cs_errmsg(cs_world_ctx(w)));
    goto done;
  }
  cs_sweep_evw evw = {.fd = -1};
  if (sw->ev_dir && sw->events != CS_SWEV_NONE) {
    if ((rc = cs_sweep_evw_begin(ctx, &evw, sw, k)) != CS_OK) goto done;
    m.evw = &evw;
  }
  cs_sink sink = {&m, ms_begin, ms_sample, ms_event, ms_end};
  rc = cs_world_run(w, sw->seed, rep, &sink);
  if (rc != CS_OK) cs_err(ctx, rc, "run %llu: %s", (unsigned long long)k, cs_errmsg(cs_world_ctx(w)));
  else if (sw->n_lua > 0) {
    cs_ctx mctx = {{0}};
    rc = cs_script_metrics(&mctx, sc, sw->path, sw->src, sw->src_len, (const char *const *)sw->lua_names,
                           sw->n_lua, rec + sw->lua_first);
    if (rc != CS_OK) cs_err(ctx, rc, "run %llu: %s", (unsigned long long)k, cs_errmsg(&mctx));
  }
  if (m.evw) { /* in place before the record goes back: a run is done only with its events */
    if (rc == CS_OK) rc = cs_sweep_evw_commit(ctx, m.evw);
    else cs_sweep_evw_abort(m.evw);
  }
done:
  cs_script_free(sc);
  cs_world_free(w);
  if (rc != CS_OK) scrub_addresses(ctx->msg);
  return rc;
}
