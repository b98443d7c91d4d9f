/* sweep_expand.c: a finished sweep's runs kept by a bigger sweep (see
** sweep_expand.h for the rules and why the result is the bigger sweep's).
**
** Memory: the bigger sweep's design is already in memory; this adds an
** index of its points sorted by their values (16 bytes a point) and reads
** the old file's runs and design a block of EXP_BLOCK rows at a time. */
#define _POSIX_C_SOURCE 200809L
#include "sweep_expand.h"
#include "sweep_events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXP_BLOCK 4096

typedef struct pkey {
  const double *row; /* the point's values in sw->design */
  uint64_t pt;
  int np;
} pkey;

/* Points ordered by the bits of their values (identical means identical
** bits: -0 and 0 are different overrides), then by number. */
static int pkey_cmp(const void *a, const void *b) {
  const pkey *x = a, *y = b;
  int c = memcmp(x->row, y->row, (size_t)x->np * sizeof(double));
  if (c) return c;
  return x->pt < y->pt ? -1 : x->pt > y->pt;
}

/* The first point of keys[n] with the values row, or UINT64_MAX. */
static uint64_t find_point(const pkey *keys, uint64_t n, const double *row, int np) {
  uint64_t lo = 0, hi = n;
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo) / 2;
    if (memcmp(keys[mid].row, row, (size_t)np * sizeof(double)) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo < n && !memcmp(keys[lo].row, row, (size_t)np * sizeof(double)) ? keys[lo].pt : UINT64_MAX;
}

static int differs(cs_ctx *ctx, const char *from, const cs_sweep *sw, const char *what) {
  return cs_err(ctx, CS_EINVAL, "--expand %s: its sweep is not a smaller version of %s: %s (only replicates and "
                "design points may be added; output/README.md, \"Growing a finished sweep\")", from, sw->path, what);
}

/* The fields of the old sweep text that must equal sw's. */
static int same_spec(cs_ctx *ctx, const cs_sweep *sw, const char *from, const cs_sweep_spec *o) {
  char what[CS_ERRMSG_MAX / 2];
  if (o->seed != sw->seed) {
    snprintf(what, sizeof what, "seed %llu, not %llu", (unsigned long long)o->seed, (unsigned long long)sw->seed);
    return differs(ctx, from, sw, what);
  }
  int same = o->n_sets == sw->n_sets;
  for (int i = 0; same && i < o->n_sets; i++)
    same = !strcmp(o->sets[i].name, sw->sets[i].name) && !strcmp(o->sets[i].value, sw->sets[i].value);
  if (!same) return differs(ctx, from, sw, "another `set` table");
  same = o->n_metrics == sw->n_metrics;
  for (int i = 0; same && i < o->n_metrics; i++)
    same = !strcmp(o->metrics[i].name, sw->metrics[i].name) && o->metrics[i].kind == sw->metrics[i].kind &&
           (o->metrics[i].kind != CS_MET_LUA || !strcmp(o->metrics[i].units ? o->metrics[i].units : "",
                                                       sw->metrics[i].units ? sw->metrics[i].units : ""));
  if (!same) return differs(ctx, from, sw, "other metrics");
  same = o->n_traj == sw->n_traj;
  for (int i = 0; same && i < o->n_traj; i++) same = !strcmp(o->traj[i], sw->traj[i]);
  if (!same) return differs(ctx, from, sw, "other keep_trajectories");
  same = o->n_params == sw->n_params;
  for (int i = 0; same && i < o->n_params; i++) same = !strcmp(o->params[i].name, sw->params[i].name);
  if (!same) return differs(ctx, from, sw, "other swept parameters (the same names, in the same order, are needed)");
  if (o->events != sw->events) return differs(ctx, from, sw, "another `events` (each run's event log)");
  if (o->replicates > sw->replicates) {
    snprintf(what, sizeof what, "%llu replicates, more than %llu", (unsigned long long)o->replicates,
             (unsigned long long)sw->replicates);
    return differs(ctx, from, sw, what);
  }
  return CS_OK;
}

/* The file's provenance against sw's: scenario, its files, the version. */
static int same_inputs(cs_ctx *ctx, const cs_sweep *sw, const char *from, cs_sweep_shard *sh) {
  const char *scen = cs_sweep_shard_attr(sh, "scenario_sha256"), *files = cs_sweep_shard_attr(sh, "scenario_files_sha256"),
             *ver = cs_sweep_shard_attr(sh, "conflictsim_version");
  if (strcmp(scen, sw->scenario_sha) != 0) return differs(ctx, from, sw, "its scenario's text differs (SHA-256)");
  if (strcmp(files ? files : "", sw->files_sha) != 0)
    return differs(ctx, from, sw, "the scenario's modules or data files differ (scenario_files_sha256)");
  if (!ver || strcmp(ver, cs_version()) != 0) {
    char what[200];
    snprintf(what, sizeof what, "it was written by conflictsim %s, this is %s", ver ? ver : "(unknown)", cs_version());
    return differs(ctx, from, sw, what);
  }
  return CS_OK;
}

int cs_sweep_expand(cs_ctx *ctx, const cs_sweep *sw, const char *from, cs_journal *j, uint64_t *kept) {
  cs_sweep_shard *sh = NULL;
  cs_sweep_spec o;
  pkey *keys = NULL;
  uint64_t *runs = NULL;
  double *des = NULL, *rec = NULL, *rec2 = NULL;
  char *err = NULL;
  size_t np = (size_t)sw->n_params, rl = cs_sweep_record_len(sw);
  int rc, checked = j != NULL; /* the re-run check is done once, without the journal */
  memset(&o, 0, sizeof o);
  if (kept) *kept = 0;
  if ((rc = cs_sweep_shard_open(ctx, from, &sh)) != CS_OK) return rc;
  const char *src = cs_sweep_shard_attr(sh, "sweep_source");
  if ((rc = cs_script_sweep_read(ctx, cs_sweep_shard_attr(sh, "sweep_path"), src, strlen(src), &o)) != CS_OK) {
    char msg[CS_ERRMSG_MAX];
    snprintf(msg, sizeof msg, "%s", cs_errmsg(ctx));
    rc = cs_err(ctx, CS_EINVAL, "--expand %s: cannot read the sweep stored in it: %s", from, msg);
    goto done;
  }
  if ((rc = same_spec(ctx, sw, from, &o)) != CS_OK || (rc = same_inputs(ctx, sw, from, sh)) != CS_OK) goto done;
  uint64_t R0 = cs_sweep_shard_replicates(sh), K0;
  if (R0 != o.replicates || R0 > sw->replicates) { /* the attribute must say what the stored text says */
    rc = cs_err(ctx, CS_EINVAL, "--expand %s: its replicates attribute (%llu) does not match its sweep text", from,
                (unsigned long long)R0);
    goto done;
  }
  { /* the same branch day (or none); branches may be added, as replicates may */
    int br0;
    double at0;
    cs_sweep_shard_branch(sh, &br0, &at0, &K0);
    if (br0 != sw->branched || (br0 && (at0 != sw->branch_at || K0 > sw->branches))) {
      char what[CS_ERRMSG_MAX / 2], a[96], b[96];
      snprintf(what, sizeof what, "it was run with %s, this sweep with %s (only branches may be added, at the "
               "same --branch-at)", cs_sweep_branch_desc(br0, at0, K0, a, sizeof a),
               cs_sweep_branch_desc(sw->branched, sw->branch_at, sw->branches, b, sizeof b));
      rc = differs(ctx, from, sw, what);
      goto done;
    }
  }
  {
    const char *const *mn = NULL;
    const char *names[2] = {"parameter", "metric"};
    for (int c = 0; c < 2 && rc == CS_OK; c++) {
      uint64_t n = c ? (uint64_t)sw->n_metrics : np;
      const char **v = calloc((size_t)n + 1, sizeof *v);
      if (!v) {
        rc = cs_err(ctx, CS_ENOMEM, "out of memory");
        break;
      }
      for (uint64_t i = 0; i < n; i++) v[i] = c ? sw->metrics[i].name : sw->params[i].name;
      mn = v;
      rc = cs_sweep_shard_same_names(ctx, sh, names[c], mn, n);
      free(v);
    }
    if (rc != CS_OK) goto done;
  }
  if (!(keys = calloc((size_t)sw->n_points + 1, sizeof *keys)) || !(runs = malloc(EXP_BLOCK * 8)) ||
      !(des = malloc(EXP_BLOCK * (np ? np : 1) * sizeof *des)) || !(rec = malloc((rl + 1) * sizeof *rec)) ||
      !(rec2 = malloc((rl + 1) * sizeof *rec2)) || !(err = malloc(CS_ERRMSG_MAX))) {
    rc = cs_err(ctx, CS_ENOMEM, "out of memory");
    goto done;
  }
  for (uint64_t p = 0; p < sw->n_points; p++) keys[p] = (pkey){sw->design + p * np, p, (int)np};
  qsort(keys, (size_t)sw->n_points, sizeof *keys, pkey_cmp);
  uint64_t rows = cs_sweep_shard_rows(sh);
  for (uint64_t off = 0; off < rows; off += EXP_BLOCK) {
    uint64_t n = rows - off < EXP_BLOCK ? rows - off : EXP_BLOCK;
    if ((rc = cs_sweep_shard_design(ctx, sh, off, n, sw->n_params, runs, des)) != CS_OK) goto done;
    for (uint64_t i = 0; i < n; i++) {
      /* a shard (index, count) holds runs index, index + count, ... in order
      ** (a whole file: 0, 1, ...): anything else is not a file this tool wrote */
      uint64_t want = cs_sweep_shard_index(sh) + (off + i) * cs_sweep_shard_count(sh);
      if (runs[i] != want) {
        rc = cs_err(ctx, CS_EINVAL, "%s: its row %llu holds run %llu where a sweep file has run %llu: the file has "
                    "been altered", from, (unsigned long long)(off + i), (unsigned long long)runs[i],
                    (unsigned long long)want);
        goto done;
      }
      uint64_t k0 = runs[i], p = find_point(keys, sw->n_points, des + i * np, (int)np);
      if (p == UINT64_MAX) {
        char what[CS_ERRMSG_MAX / 2];
        size_t len = (size_t)snprintf(what, sizeof what, "its design point %llu (",
                                      (unsigned long long)(k0 / (R0 * K0)));
        for (size_t q = 0; q < np && len < sizeof what - 40; q++)
          len += (size_t)snprintf(what + len, sizeof what - len, "%s%s = %.17g", q ? ", " : "", sw->params[q].name,
                                  des[i * np + q]);
        snprintf(what + len, sizeof what - len, ") is not a design point of the bigger sweep");
        rc = differs(ctx, from, sw, what);
        goto done;
      }
      uint64_t slot0 = k0 % (R0 * K0); /* (replicate, branch) of the old run */
      uint64_t k = (p * sw->replicates + slot0 / K0) * sw->branches + slot0 % K0;
      if (j && (k % j->count != j->index || cs_journal_has(j, k))) continue;
      if (!j && checked) continue; /* check pass: only the design, once the re-run is done */
      if ((rc = cs_sweep_shard_row_at(ctx, sh, sw, off + i, rec, err)) != CS_OK) goto done;
      if (err[0]) continue; /* a failed run is run again: its message names its run and point */
      if (!checked) { /* the first kept run, run again: its record must be OLD's, bit for bit */
        cs_ctx rctx = {{0}};
        int r = cs_sweep_run(&rctx, sw, k, rec2);
        if (r != CS_OK || memcmp(rec, rec2, rl * sizeof *rec) != 0) {
          char what[CS_ERRMSG_MAX / 2];
          snprintf(what, sizeof what, "its run %llu, run again as run %llu of the bigger sweep, %s%s",
                   (unsigned long long)k0, (unsigned long long)k, r != CS_OK ? "failed: " : "gave other values",
                   r != CS_OK ? cs_errmsg(&rctx) : " (a Lua metric or the model changed?)");
          rc = differs(ctx, from, sw, what);
          goto done;
        }
        checked = 1;
        continue;
      }
      if (sw->events != CS_SWEV_NONE) { /* its events first: a run is done only with them */
        cs_sweep_shard_ev se = {ctx, &sh, 1};
        if ((rc = cs_sweep_ev_put(ctx, sw, k, cs_sweep_shard_events, &se, k0)) != CS_OK) goto done;
      }
      if ((rc = cs_journal_append(ctx, j, k, rec)) != CS_OK) goto done;
      if (kept) (*kept)++;
    }
  }
done:
  free(err);
  free(rec2);
  free(rec);
  free(des);
  free(runs);
  free(keys);
  cs_script_sweep_clear(&o);
  cs_sweep_shard_close(sh);
  return rc;
}
