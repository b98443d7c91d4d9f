/* sweep_ens.c: the group /ensemble of a whole sweep file (see sweep_ens.h
** for the invariants; layout in output/README.md).
**
** Each statistic is a dataset over (point, ...): the outcomes' over
** (point, metric), a trajectory's over (point, time, node), and the
** quantiles with a `quantile` axis after `point`. A point's row of every
** dataset is written once, when its last replicate has arrived. */
#define _POSIX_C_SOURCE 200809L
#include "sweep_ens.h"

#include <hdf5_hl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5util.h"
#include "stats.h"

#define LABEL "sweep file"
#define SCALE_BLOCK 4096 /* indices of a scale written at a time */

enum { ST_MEAN, ST_VAR, ST_QUANT, ST_COUNT };

struct cs_ens {
  cs_ctx *ctx;
  const char *path;
  const cs_sweep *sw;
  hid_t g;                  /* the group */
  hid_t d_n;                /* n (point) */
  hid_t *d;                 /* [(1 + n_traj) * ST_COUNT]: outcomes, then each trajectory */
  size_t L, T, N, M, Q;     /* record length, samples, nodes, metrics, quantiles */
  uint64_t n;               /* completed replicates of the current point */
  double *mean, *m2;        /* [L] Welford's running mean and sum of squared deviations */
  double *keep;             /* [replicates][L]: the point's completed records (quantiles only) */
  double *col, *out;        /* [replicates] sort buffer; [Q][max(M, T N)] a point's quantile slab */
};

int cs_ens_check(cs_ctx *ctx, const cs_sweep *sw) {
  if (!sw->ensemble || !sw->n_quantiles) return CS_OK;
  /* doubles held for quantiles: a point's records (runs x L) and one
  ** variable's quantile slab (Q x the larger of the metrics and samples x nodes) */
  uint64_t L = cs_sweep_record_len(sw), R = cs_sweep_per_point(sw), Q = (uint64_t)sw->n_quantiles;
  uint64_t TN = (uint64_t)sw->n_samples * (uint64_t)sw->n_nodes, slab = TN > (uint64_t)sw->n_metrics ? TN : (uint64_t)sw->n_metrics;
  uint64_t cap = CS_ENS_EXACT_MAX / 8;
  if ((L && R > cap / L) || (slab && Q > cap / slab) || R * L > cap - Q * slab)
    return cs_err(ctx, CS_EINVAL, "%s: ensemble quantiles are exact: they keep a design point's runs (replicates x "
                  "branches) in memory, %llu x %llu doubles, and %llu quantiles of a whole trajectory, more than "
                  "%llu MiB in all; keep fewer trajectories, quantiles, replicates or branches, or ensemble = { "
                  "quantiles = {} } (mean and variance only)", sw->path, (unsigned long long)R,
                  (unsigned long long)L, (unsigned long long)Q, (unsigned long long)(CS_ENS_EXACT_MAX >> 20));
  return CS_OK;
}

/* Trajectory v (1-based; 0 is the outcomes) holds codes, not quantities
** (owner: a party index), so it has no mean, variance or quantiles. */
static int categorical(const cs_sweep *sw, int v) {
  int nv;
  return v > 0 && cs_var_is_code(&cs_world_vars(&nv)[sw->traj_var[v - 1]]);
}

static int fail(cs_ens *e, const char *what, const char *name) {
  return cs_h5u_fail(e->ctx, LABEL, e->path, what, name);
}

/* A float64 dataset `name` of the group over dims[rank] (chunked by point
** row when chunk), labelled with the scales sc[rank], with its long_name. */
static int mkds(cs_ens *e, hid_t str, const char *name, hid_t ftype, int rank, const hsize_t *dims, int chunk,
                const hid_t *sc, const char *units, const char *long_name, hid_t *out) {
  hsize_t ch[4];
  for (int i = 0; i < rank; i++) ch[i] = i == 0 ? 1 : dims[i] ? dims[i] : 1;
  int rc = cs_h5u_dataset(e->ctx, LABEL, e->path, e->g, name, ftype, rank, dims, NULL, chunk && dims[0] ? ch : NULL,
                          out);
  if (rc != CS_OK) return rc;
  for (int i = 0; i < rank; i++)
    if (H5DSattach_scale(*out, sc[i], (unsigned)i) < 0) return fail(e, "attach a dimension scale to", name);
  if (units && (rc = cs_h5u_attr(e->ctx, LABEL, e->path, *out, "units", str, str, 0, &units)) != CS_OK) return rc;
  return cs_h5u_attr(e->ctx, LABEL, e->path, *out, "long_name", str, str, 0, &long_name);
}

/* Close *d and mark it closed, whatever the outcome. */
static int close_ds(cs_ens *e, hid_t *d, const char *name) {
  int bad = H5Dclose(*d) < 0;
  *d = H5I_INVALID_HID;
  return bad ? fail(e, "close dataset", name) : CS_OK;
}

/* A 1-D dimension scale of the group: with u (a buffer of SCALE_BLOCK), the
** indices 0, 1, ..., n - 1 as uint64, written a block at a time (a scale of
** the points takes no memory that grows with them); else the doubles v[n]. */
static int mkscale(cs_ens *e, hid_t str, const char *name, hsize_t n, uint64_t *u, const double *v,
                   const char *long_name, hid_t *out) {
  int rc = cs_h5u_dataset(e->ctx, LABEL, e->path, e->g, name, u ? H5T_STD_U64LE : H5T_IEEE_F64LE, 1, &n, NULL,
                          NULL, out);
  if (rc != CS_OK) return rc;
  if (!u && n && H5Dwrite(*out, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
    return fail(e, "write", name);
  for (hsize_t off = 0; u && off < n; off += SCALE_BLOCK) {
    hsize_t cnt = n - off < SCALE_BLOCK ? n - off : SCALE_BLOCK;
    for (hsize_t i = 0; i < cnt; i++) u[i] = off + i;
    if ((rc = cs_h5u_write_block(e->ctx, LABEL, e->path, *out, name, 1, &off, &cnt, cnt, H5T_NATIVE_UINT64, u)))
      return rc;
  }
  if (H5DSset_scale(*out, name) < 0) return fail(e, "make a dimension scale of", name);
  return cs_h5u_attr(e->ctx, LABEL, e->path, *out, "long_name", str, str, 0, &long_name);
}

int cs_ens_begin(cs_ctx *ctx, const char *path, hid_t f, hid_t str, const cs_sweep *sw, hid_t s_param,
                 hid_t s_metric, hid_t s_time, hid_t s_node, cs_ens **out) {
  cs_ens *e = calloc(1, sizeof *e);
  hid_t gcpl = H5I_INVALID_HID, s_pt = H5I_INVALID_HID, s_rep = H5I_INVALID_HID, s_q = H5I_INVALID_HID,
        s_br = H5I_INVALID_HID, tmp = H5I_INVALID_HID;
  /* R: a point's runs (its replicates, times its branches when branched) */
  uint64_t P = sw->n_points, R = cs_sweep_per_point(sw), K = sw->branches;
  uint64_t *u = NULL;
  int rc = CS_OK, nd = (1 + sw->n_traj) * ST_COUNT;
  if (!e) return cs_err(ctx, CS_ENOMEM, "out of memory");
  e->ctx = ctx, e->path = path, e->sw = sw, e->g = H5I_INVALID_HID, e->d_n = H5I_INVALID_HID;
  e->L = cs_sweep_record_len(sw), e->T = (size_t)sw->n_samples, e->N = (size_t)sw->n_nodes;
  e->M = (size_t)sw->n_metrics, e->Q = (size_t)sw->n_quantiles;
  /* u: a block of a scale's indices, or one point's run numbers */
  size_t slab = e->T * e->N > e->M ? e->T * e->N : e->M, big = R > SCALE_BLOCK ? (size_t)R : SCALE_BLOCK;
  if ((e->d = malloc((size_t)nd * sizeof *e->d)))
    for (int i = 0; i < nd; i++) e->d[i] = H5I_INVALID_HID; /* before anything can fail: cs_ens_end closes them */
  if (!e->d || !(e->mean = calloc(e->L + 1, sizeof *e->mean)) ||
      !(e->m2 = calloc(e->L + 1, sizeof *e->m2)) || !(e->col = calloc((size_t)R + 1, sizeof *e->col)) ||
      !(u = calloc(big + 1, sizeof *u)) ||
      (e->Q && (!(e->keep = calloc((size_t)R * e->L + 1, sizeof *e->keep)) ||
                !(e->out = calloc(e->Q * slab + 1, sizeof *e->out))))) {
    free(u);
    cs_ens_end(e, CS_OK);
    return cs_err(ctx, CS_ENOMEM, "out of memory for the ensemble statistics");
  }
  if ((gcpl = H5Pcreate(H5P_GROUP_CREATE)) < 0 || H5Pset_obj_track_times(gcpl, 0) < 0 ||
      (e->g = H5Gcreate2(f, "ensemble", H5P_DEFAULT, gcpl, H5P_DEFAULT)) < 0) {
    rc = fail(e, "create group", "ensemble");
    goto done;
  }
  {
    const char *method = sw->branched
        ? "per design point, over all its completed runs (run_status 0), every replicate and every branch, in run "
          "order (replicate, then branch): mean and variance (n - 1) by Welford's updates; quantiles exact, linear "
          "interpolation between order statistics (Hyndman and Fan's type 7, numpy's default)"
        : "per design point, over its completed replicates (run_status 0) in replicate order: "
          "mean and variance (n - 1) by Welford's updates; quantiles exact, linear interpolation "
          "between order statistics (Hyndman and Fan's type 7, numpy's default)";
    uint64_t vals[3] = {sw->replicates, P, K};
    if ((rc = cs_h5u_attr(ctx, LABEL, path, e->g, "method", str, str, 0, &method)) ||
        (rc = cs_h5u_attr(ctx, LABEL, path, e->g, "replicates", H5T_STD_U64LE, H5T_NATIVE_UINT64, 0, &vals[0])) ||
        (rc = cs_h5u_attr(ctx, LABEL, path, e->g, "n_points", H5T_STD_U64LE, H5T_NATIVE_UINT64, 0, &vals[1])) ||
        (sw->branched &&
         (rc = cs_h5u_attr(ctx, LABEL, path, e->g, "branches", H5T_STD_U64LE, H5T_NATIVE_UINT64, 0, &vals[2]))))
      goto done;
  }
  if ((rc = mkscale(e, str, "point", P, u, NULL, "design point (row of the design)", &s_pt)) ||
      (rc = mkscale(e, str, "replicate", sw->replicates, u, NULL,
                    "replicate: the run's streams derive from (seed, replicate)", &s_rep)) ||
      (sw->branched && (rc = mkscale(e, str, "branch", K, u, NULL,
                                     "branch: the run's streams are re-keyed by it at the branch day", &s_br))) ||
      (rc = mkscale(e, str, "quantile", e->Q, NULL, sw->quantiles, "probability of the quantile", &s_q)))
    goto done;
  /* the (point, replicate) view of the flat run dimension, (point,
  ** replicate, branch) when branched, and the design by point */
  {
    hsize_t d3[3] = {P, sw->replicates, K};
    hid_t sc3[3] = {s_pt, s_rep, s_br};
    if ((rc = mkds(e, str, "run", H5T_STD_U64LE, sw->branched ? 3 : 2, d3, 0, sc3, NULL,
                   sw->branched ? "run number k = (point * replicates + replicate) * branches + branch: the row of "
                                  "the root's run dimension"
                                : "run number k = point * replicates + replicate: the row of the root's run dimension",
                   &tmp)))
      goto done;
    for (uint64_t p = 0; p < P; p++) {
      for (uint64_t r = 0; r < R; r++) u[r] = p * R + r;
      hsize_t off[3] = {p, 0, 0}, cnt[3] = {1, sw->replicates, K};
      if ((rc = cs_h5u_write_block(ctx, LABEL, path, tmp, "run", sw->branched ? 3 : 2, off, cnt, R,
                                   H5T_NATIVE_UINT64, u)))
        goto done;
    }
    if ((rc = close_ds(e, &tmp, "run"))) goto done;
    hsize_t dd[2] = {P, (hsize_t)sw->n_params};
    hid_t scd[2] = {s_pt, s_param};
    if ((rc = mkds(e, str, "design", H5T_IEEE_F64LE, 2, dd, 0, scd, NULL, "parameter values of each design point",
                   &tmp)))
      goto done;
    if (sw->n_params > 0 && H5Dwrite(tmp, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, sw->design) < 0) {
      rc = fail(e, "write", "design");
      goto done;
    }
    if ((rc = close_ds(e, &tmp, "design"))) goto done;
    if ((rc = mkds(e, str, "n", H5T_STD_U64LE, 1, d3, 0, sc3, NULL,
                   sw->branched ? "completed runs of the point (replicates x branches): the runs its statistics are over"
                                : "completed replicates of the point: the runs its statistics are over", &e->d_n)))
      goto done;
  }
  int nv;
  const cs_var *vars = cs_world_vars(&nv);
  for (int v = 0; v <= sw->n_traj; v++) {
    char base[128], name[160], doc[400];
    const char *units = v ? vars[sw->traj_var[v - 1]].units : NULL;
    hsize_t dims[4] = {P, e->Q, e->T, e->N}, dm[3] = {P, e->T, e->N};
    hid_t sq[4] = {s_pt, s_q, s_time, s_node}, sm[3] = {s_pt, s_time, s_node};
    if (categorical(sw, v)) continue;
    if (v) snprintf(base, sizeof base, "traj_%s", sw->traj[v - 1]);
    else snprintf(base, sizeof base, "outcomes");
    if (!v) dims[2] = e->M, dm[1] = e->M, sq[2] = s_metric, sm[1] = s_metric;
    int rank = v ? 3 : 2;
    static const char *const suffix[ST_COUNT] = {"mean", "variance", "quantile"};
    static const char *const what[ST_COUNT] = {"mean over the point's completed replicates",
                                               "variance (n - 1) over the point's completed replicates",
                                               "quantiles over the point's completed replicates"};
    for (int s = 0; s < ST_COUNT; s++) {
      if (s == ST_QUANT && !e->Q) continue;
      snprintf(name, sizeof name, "%s_%s", base, suffix[s]);
      snprintf(doc, sizeof doc, "%s of %s", what[s], base);
      if ((rc = mkds(e, str, name, H5T_IEEE_F64LE, s == ST_QUANT ? rank + 1 : rank, s == ST_QUANT ? dims : dm, v,
                     s == ST_QUANT ? sq : sm, s == ST_VAR ? NULL : units, doc, &e->d[v * ST_COUNT + s])))
        goto done;
      if (!v && (rc = cs_h5u_attr(ctx, LABEL, path, e->d[v * ST_COUNT + s], "coordinates", str, str, 0,
                                  &(const char *){"metric_units"})))
        goto done;
    }
  }
done:
  free(u);
  if (tmp >= 0) H5Dclose(tmp);
  if (s_q >= 0) H5Dclose(s_q);
  if (s_rep >= 0) H5Dclose(s_rep);
  if (s_br >= 0) H5Dclose(s_br);
  if (s_pt >= 0) H5Dclose(s_pt);
  if (gcpl >= 0) H5Pclose(gcpl);
  if (rc != CS_OK) {
    cs_ens_end(e, rc);
    return rc;
  }
  *out = e;
  return CS_OK;
}

/* Write the statistics of point p from the accumulators. */
static int flush(cs_ens *e, uint64_t p) {
  const cs_sweep *sw = e->sw;
  size_t L = e->L;
  int rc = CS_OK;
  uint64_t n = e->n;
  hsize_t one = 1, off1 = p;
  if ((rc = cs_h5u_write_block(e->ctx, LABEL, e->path, e->d_n, "n", 1, &off1, &one, 1, H5T_NATIVE_UINT64, &n)))
    return rc;
  for (size_t i = 0; i < L; i++) {
    if (n == 0) e->mean[i] = NAN;
    e->m2[i] = n > 1 ? e->m2[i] / (double)(n - 1) : NAN; /* the variance, in place */
  }
  for (int v = 0; v <= sw->n_traj; v++) {
    size_t first = v ? e->M + (size_t)(v - 1) * e->T * e->N : 0, len = v ? e->T * e->N : e->M;
    hsize_t off[4] = {p, 0, 0, 0}, cnt[4] = {1, v ? e->T : e->M, e->N, 0}, cq[4] = {1, e->Q, v ? e->T : e->M, e->N};
    if (categorical(sw, v)) continue;
    int rank = v ? 3 : 2;
    const char *name = v ? sw->traj[v - 1] : "outcomes";
    if ((rc = cs_h5u_write_block(e->ctx, LABEL, e->path, e->d[v * ST_COUNT + ST_MEAN], name, rank, off, cnt, len,
                                 H5T_NATIVE_DOUBLE, e->mean + first)) ||
        (rc = cs_h5u_write_block(e->ctx, LABEL, e->path, e->d[v * ST_COUNT + ST_VAR], name, rank, off, cnt, len,
                                 H5T_NATIVE_DOUBLE, e->m2 + first)))
      return rc;
    if (!e->Q) continue;
    for (size_t c = 0; c < len; c++) {
      int nan = n == 0;
      for (uint64_t r = 0; r < n; r++) {
        e->col[r] = e->keep[r * L + first + c];
        nan |= isnan(e->col[r]);
      }
      if (!nan) qsort(e->col, (size_t)n, sizeof *e->col, cs_stats_cmp_double);
      for (size_t q = 0; q < e->Q; q++) e->out[q * len + c] = nan ? NAN : cs_stats_quantile(e->col, n, sw->quantiles[q]);
    }
    if ((rc = cs_h5u_write_block(e->ctx, LABEL, e->path, e->d[v * ST_COUNT + ST_QUANT], name, rank + 1, off, cq,
                                 e->Q * len, H5T_NATIVE_DOUBLE, e->out)))
      return rc;
  }
  return CS_OK;
}

int cs_ens_add(cs_ens *e, uint64_t k, const double *rec, int failed) {
  uint64_t R = cs_sweep_per_point(e->sw), r = k % R;
  size_t L = e->L;
  if (r == 0) {
    e->n = 0;
    memset(e->mean, 0, L * sizeof *e->mean);
    memset(e->m2, 0, L * sizeof *e->m2);
  }
  if (!failed) {
    double n = (double)++e->n;
    for (size_t i = 0; i < L; i++) { /* Welford: the same order of operations for every split */
      double d = rec[i] - e->mean[i];
      e->mean[i] += d / n;
      e->m2[i] += d * (rec[i] - e->mean[i]);
    }
    if (e->keep) memcpy(e->keep + (e->n - 1) * L, rec, L * sizeof *rec);
  }
  return r == R - 1 ? flush(e, k / R) : CS_OK;
}

int cs_ens_end(cs_ens *e, int rc) {
  if (!e) return rc;
  int nd = (1 + e->sw->n_traj) * ST_COUNT;
  for (int i = 0; e->d && i < nd; i++)
    if (e->d[i] >= 0 && H5Dclose(e->d[i]) < 0 && rc == CS_OK) rc = fail(e, "close dataset", "ensemble");
  if (e->d_n >= 0 && H5Dclose(e->d_n) < 0 && rc == CS_OK) rc = fail(e, "close dataset", "n");
  if (e->g >= 0 && H5Gclose(e->g) < 0 && rc == CS_OK) rc = fail(e, "close group", "ensemble");
  free(e->d);
  free(e->mean);
  free(e->m2);
  free(e->keep);
  free(e->col);
  free(e->out);
  free(e);
  return rc;
}
