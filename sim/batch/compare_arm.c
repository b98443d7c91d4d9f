/* compare_arm.c: the arms of `conflictsim compare`: their overrides, the
** one-point sweep each is, and their runs over the worker pool
** (compare_arm.h).
**
** Split out of cli_compare.c so that the command line keeps only argument
** parsing and the terminal table, and so that the fuzz target links what it
** fuzzes (the override list, variant specs and the Lua text quoting them)
** instead of including the command's source.
**
** Invariants:
** - The sweep text of an arm quotes every scenario path, name and value as
**   a Lua string literal (lua_quote), so an arm's sweep sees exactly the
**   overrides the arm holds, whatever their bytes (fuzz_compare checks it).
** - Run (arm a, replicate r) is pool job a * reps + r, and its slot is a
**   function of (arm, r) only, so the slots do not depend on -j. With
**   branches, reps counts the paired runs (replicates x branches) and r is
**   the arm's sweep run: replicate r / K, branch r % K (cs_sweep_run_coords
**   of a one-point sweep), the same (seed, replicate, branch) in every arm. */
#define _GNU_SOURCE /* open_memstream, strndup */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare_arm.h"
#include "pool.h"
#include "progress.h"

const char *const cs_cmp_traj_names[CS_CMP_N_TRAJ] = {"city_displaced", "city_civilian_deaths",
                                                      "city_gang_share_population"};
const char *const cs_cmp_traj_units[CS_CMP_N_TRAJ] = {"persons", "persons", "1"};
const char *const cs_cmp_traj_labels[CS_CMP_N_TRAJ] = {"Displaced people", "Civilians killed (cumulative)",
                                                       "Residents under gang control"};

/* ---- arms ---- */

void cs_cmp_arm_clear(cs_cmp_arm *a) {
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

int cs_cmp_arm_add_set(cs_cmp_arm *a, const char *text, size_t len) {
  const char *eq = memchr(text, '=', len);
  if (!eq || eq == text) return -1;
  for (int i = 0; i < a->n_sets; i++)
    if (strlen(a->sets[i].name) == (size_t)(eq - text) && !memcmp(a->sets[i].name, text, (size_t)(eq - text))) {
      char *v = strndup(eq + 1, len - (size_t)(eq - text) - 1);
      if (!v) return -2;
      free(a->sets[i].value);
      a->sets[i].value = v;
      a->sets[i].from_calib = 0;
      return 0;
    }
  cs_cmp_set *n = realloc(a->sets, (size_t)(a->n_sets + 1) * sizeof *n);
  if (!n) return -2;
  a->sets = n;
  cs_cmp_set *s = &a->sets[a->n_sets];
  if (!(s->name = strndup(text, (size_t)(eq - text)))) return -2;
  if (!(s->value = strndup(eq + 1, len - (size_t)(eq - text) - 1))) {
    free(s->name);
    return -2;
  }
  s->from_calib = 0;
  a->n_sets++;
  return 0;
}

/* s as a Lua string literal on f (quote, backslash and control characters
** escaped); -1 if the write failed. */
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

int cs_cmp_arm_load(cs_ctx *ctx, cs_cmp_arm *a, int idx, uint64_t seed, uint64_t reps, const cs_cmp_arm *base,
                    const char *const *metrics, int n_metrics) {
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
  fputs(" }", f);
  if (n_metrics > 0) { /* none: the sweep's default list */
    fputs(",\n  metrics = {", f);
    for (int i = 0; i < n_metrics; i++) {
      fputc(' ', f);
      lua_quote(f, metrics[i]);
      fputc(',', f);
    }
    fputs(" }", f);
  }
  fputs(" }\n", f);
  if (fclose(f) != 0 || !src) {
    free(src);
    return cs_err(ctx, CS_ENOMEM, "out of memory");
  }
  /* no '/' in the name: the scenario path is taken as given */
  snprintf(path, sizeof path, "compare-arm-%d", idx);
  rc = cs_sweep_load(ctx, path, src, len, &a->sw);
  free(src);
  if (rc != CS_OK) { /* say it in compare's words: no sweep file or --set was given */
    char pre[128], msg[sizeof ctx->msg], pat[sizeof ctx->msg];
    snprintf(pre, sizeof pre, "%s: loading the scenario with the sweep's `set` table: ", path);
    const char *m = cs_errmsg(ctx);
    if (!strncmp(m, pre, strlen(pre))) m += strlen(pre);
    snprintf(msg, sizeof msg, "%s", m);
    /* only the two messages the script layer makes of an override (script_api.c), matched
    ** with this arm's own names and values, so no other text that says --set is touched */
    for (int i = 0; i < a->n_sets; i++) {
      const char *hit;
      snprintf(pat, sizeof pat, "unknown parameter '%s' in --set", a->sets[i].name);
      if ((hit = strstr(msg, pat))) {
        size_t at = (size_t)(hit - msg) + strlen(pat) - strlen("--set");
        snprintf(pat, sizeof pat, "%.*s%s%s", (int)at, msg,
                 a->sets[i].from_calib ? "the posterior file's own settings (its sets attribute)"
                 : idx                 ? "the variant's K=V"
                                       : "--set-baseline",
                 hit + strlen(pat));
        snprintf(msg, sizeof msg, "%s", pat);
        break;
      }
      snprintf(pat, sizeof pat, "--set %s=%s: ", a->sets[i].name, a->sets[i].value);
      if ((hit = strstr(msg, pat))) {
        size_t at = (size_t)(hit - msg);
        snprintf(pat, sizeof pat, "%.*s%s%s", (int)at, msg,
                 a->sets[i].from_calib ? "the posterior file's own setting " : idx ? "" : "--set-baseline ",
                 hit + strlen("--set "));
        snprintf(msg, sizeof msg, "%s", pat);
        break;
      }
    }
    return cs_err(ctx, rc, "%s", msg);
  }
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

size_t cs_cmp_slot_len(const cs_cmp_arm *arms) {
  return (size_t)arms[0].sw->n_metrics + CS_CMP_N_TRAJ * (size_t)arms[0].sw->n_samples;
}

int cs_cmp_run_one(cs_ctx *ctx, const cs_cmp_arm *a, const cs_posterior *post, uint64_t r, double *rec,
                   double *out) {
  const cs_sweep *sw = a->sw;
  int rc;
  if (post) {
    /* replicate r runs under posterior draw r in every arm (the arm's own
    ** overrides come after the draw's, so an intervention's value wins) */
    cs_override *ov = calloc((size_t)post->n_params + 1, sizeof *ov);
    if (!ov) return cs_err(ctx, CS_ENOMEM, "out of memory");
    /* the draw of the run's replicate: its branches share the past, so the parameters too */
    int n = cs_posterior_overrides(post, (int)(r / sw->branches), NULL, 0, ov);
    rc = cs_sweep_run_pre(ctx, sw, r, ov, (size_t)n, rec);
    free(ov);
  } else
    rc = cs_sweep_run(ctx, sw, r, rec);
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

/* ---- runs ---- */

typedef struct cmp_jobs {
  const cs_cmp_arm *arms;
  const cs_posterior *post;
  uint64_t reps;
  size_t L;           /* slot length */
  double *rec;        /* scratch for a sweep record (each worker its own copy) */
  double *val;        /* the slots, in the parent */
  cs_progress *progress; /* NULL: none */
  uint64_t done;
} cmp_jobs;

static int cmp_job(cs_ctx *ctx, void *ud, uint64_t k, void *out) {
  const cmp_jobs *c = ud;
  const cs_cmp_arm *a = &c->arms[k / c->reps];
  int rc = cs_cmp_run_one(ctx, a, c->post, k % c->reps, c->rec, out);
  if (rc != CS_OK) {
    char msg[CS_ERRMSG_MAX];
    snprintf(msg, sizeof msg, "%s", cs_errmsg(ctx));
    cs_err(ctx, rc, "%s: %s", a->name, msg);
  }
  return rc;
}

static int cmp_done(cs_ctx *ctx, void *ud, uint64_t k, const void *slot) {
  cmp_jobs *c = ud;
  memcpy(c->val + k * c->L, slot, c->L * sizeof *c->val);
  if (c->progress) cs_progress_update(c->progress, (double)++c->done);
  return CS_OK;
}

int cs_cmp_run_all(cs_ctx *ctx, const cs_cmp_arm *arms, int n_arms, const cs_posterior *post, uint64_t reps,
                   int jobs, double *val, cs_progress *progress) {
  size_t rl = 0;
  for (int i = 0; i < n_arms; i++)
    if (cs_sweep_record_len(arms[i].sw) > rl) rl = cs_sweep_record_len(arms[i].sw);
  cmp_jobs c = {arms, post, reps, cs_cmp_slot_len(arms), malloc((rl + 1) * sizeof(double)), val, progress, 0};
  if (!c.rec) return cs_err(ctx, CS_ENOMEM, "out of memory");
  cs_pool p = {.n_jobs = (uint64_t)n_arms * reps, .rec_bytes = c.L * sizeof(double),
               .workers = jobs > 1 ? jobs : 0, .run = cmp_job, .done = cmp_done, .ud = &c};
  int rc = cs_pool_run(ctx, &p);
  free(c.rec);
  if (rc == CS_OK || p.failed == UINT64_MAX) return rc;
  if (p.died)
    return cs_err(ctx, CS_EIO, "run %llu of arm '%s' did not complete (a worker died)",
                  (unsigned long long)(p.failed % reps), arms[p.failed / reps].name);
  return CS_EINVAL; /* the run's message, "ARM: ...", is in ctx */
}

/* ---- variants ---- */

char *cs_cmp_arm_join_sets(const cs_cmp_arm *a) {
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

int cs_cmp_parse_variant(const char *spec, const cs_cmp_arm *base, int i, cs_cmp_arm *a) {
  const char *colon = strchr(spec, ':'), *eq = strchr(spec, '=');
  const char *body = spec;
  if (colon && (!eq || colon < eq)) {
    if (colon == spec) return -1;
    if (!(a->name = strndup(spec, (size_t)(colon - spec)))) return -2;
    body = colon + 1;
  }
  if (!*body) return -1;
  const char *comma = strchr(body, ','), *beq = strchr(body, '=');
  if (!beq || (comma && beq > comma)) {
    /* FILE.lua[,K=V,...]: another scenario, with only the overrides given here */
    size_t flen = comma ? (size_t)(comma - body) : strlen(body);
    a->own_file = 1;
    if (flen == 0 || !(a->scenario = strndup(body, flen))) return flen ? -2 : -1;
    for (const char *p = comma ? comma + 1 : NULL; p && *p;) {
      const char *c = strchr(p, ',');
      size_t len = c ? (size_t)(c - p) : strlen(p);
      int e = cs_cmp_arm_add_set(a, p, len);
      if (e) return e;
      p += len + (c ? 1 : 0);
    }
  } else {
    if (!(a->scenario = strdup(base->scenario))) return -2;
    for (int k = 0; k < base->n_sets; k++) {
      char t[1024];
      int n = snprintf(t, sizeof t, "%s=%s", base->sets[k].name, base->sets[k].value);
      if (n < 0 || (size_t)n >= sizeof t) return -1;
      int e = cs_cmp_arm_add_set(a, t, (size_t)n);
      if (e) return e;
      a->sets[a->n_sets - 1].from_calib = base->sets[k].from_calib; /* appended: base's names are distinct */
    }
    const char *p = body;
    while (*p) {
      const char *c = strchr(p, ',');
      size_t len = c ? (size_t)(c - p) : strlen(p);
      int e = cs_cmp_arm_add_set(a, p, len);
      if (e) return e;
      p += len + (c ? 1 : 0);
    }
  }
  if (!a->name) {
    char nm[32];
    snprintf(nm, sizeof nm, "variant%d", i);
    if (!(a->name = strdup(beq && !(comma && beq > comma) ? body : nm))) return -2;
  }
  return 0;
}

