/* calib_h5.c: the calibration file (layout: output/README.md, "The
** calibration file"); see calibrate.h.
**
** Everything in it is a function of the inputs and the runs' results: no
** time stamp, no wall time, no worker count, so the same calibration gives
** the same bytes however its runs were spread. Axes are dimension scales
** (parameter, target at the root; point, replicate or particle in each
** group), so xarray and netCDF readers see named axes. */
#define _POSIX_C_SOURCE 200809L
#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calibrate.h"
#include "cs_h5.h"
#include "h5util.h"
#include "outfile.h"

#define LABEL "calibration file"

typedef struct w5 {
  cs_ctx *ctx;
  const char *path;
  hid_t f, str;
} w5;

static int attr_s(w5 *w, hid_t obj, const char *name, const char *v) {
  return cs_h5u_attr(w->ctx, LABEL, w->path, obj, name, w->str, w->str, 0, &v);
}
static int attr_d(w5 *w, hid_t obj, const char *name, double v) {
  return cs_h5u_attr(w->ctx, LABEL, w->path, obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0, &v);
}
static int attr_u(w5 *w, hid_t obj, const char *name, uint64_t v) {
  return cs_h5u_attr(w->ctx, LABEL, w->path, obj, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, 0, &v);
}

/* Dataset `name` in loc, written whole from buf, with a long_name, and its
** axes attached to the dimension scales at the paths dims[i] (from the
** file's root; NULL for none). */
static int ds(w5 *w, hid_t loc, const char *name, hid_t ft, hid_t mt, int rank, const hsize_t *dims,
              const void *buf, const char *long_name, const char *const *scales) {
  hid_t d = H5I_INVALID_HID, sc = H5I_INVALID_HID;
  hsize_t n = 1;
  for (int i = 0; i < rank; i++) n *= dims[i];
  int rc = cs_h5u_dataset(w->ctx, LABEL, w->path, loc, name, ft, rank, dims, NULL, NULL, &d);
  if (rc != CS_OK) return rc;
  if (n && H5Dwrite(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
    rc = cs_h5u_fail(w->ctx, LABEL, w->path, "write", name);
  if (rc == CS_OK && long_name) rc = attr_s(w, d, "long_name", long_name);
  for (int i = 0; scales && i < rank && rc == CS_OK; i++) {
    if (!scales[i]) continue;
    if ((sc = H5Dopen2(w->f, scales[i], H5P_DEFAULT)) < 0 || H5DSattach_scale(d, sc, (unsigned)i) < 0)
      rc = cs_h5u_fail(w->ctx, LABEL, w->path, "attach a scale to", name);
    if (sc >= 0) H5Dclose(sc);
    sc = H5I_INVALID_HID;
  }
  if (H5Dclose(d) < 0 && rc == CS_OK) rc = cs_h5u_fail(w->ctx, LABEL, w->path, "close", name);
  return rc;
}

/* A 1-D dimension scale `name` in loc (at file path `full`) of n entries:
** integers 0..n-1 (idx) when vals is NULL. */
static int scale(w5 *w, hid_t loc, const char *name, const char *full, hsize_t n, const uint64_t *vals,
                 const char *long_name) {
  uint64_t *idx = NULL;
  if (!vals) {
    if (!(idx = malloc((size_t)(n + 1) * sizeof *idx))) return cs_err(w->ctx, CS_ENOMEM, "out of memory");
    for (hsize_t i = 0; i < n; i++) idx[i] = i;
    vals = idx;
  }
  int rc = ds(w, loc, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, 1, &n, vals, long_name, NULL);
  free(idx);
  hid_t d;
  if (rc == CS_OK) {
    if ((d = H5Dopen2(w->f, full, H5P_DEFAULT)) < 0 || H5DSset_scale(d, name) < 0)
      rc = cs_h5u_fail(w->ctx, LABEL, w->path, "make a dimension scale of", name);
    if (d >= 0) H5Dclose(d);
  }
  return rc;
}

/* Groups without time stamps, as every other object here. */
static int group(w5 *w, const char *name, hid_t *out) {
  hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
  *out = H5I_INVALID_HID;
  if (gcpl < 0 || H5Pset_obj_track_times(gcpl, 0) < 0 ||
      (*out = H5Gcreate2(w->f, name, H5P_DEFAULT, gcpl, H5P_DEFAULT)) < 0) {
    int rc = cs_h5u_fail(w->ctx, LABEL, w->path, "create group", name);
    if (gcpl >= 0) H5Pclose(gcpl);
    return rc;
  }
  H5Pclose(gcpl);
  return CS_OK;
}

static int write_wave(w5 *w, const cs_calib *cb, int k, int P, int T) {
  const cs_calib_wave *wv = cs_calib_wave_get(cb, k);
  char gname[64], pt[96], rp[96];
  snprintf(gname, sizeof gname, "/history_matching/wave_%d", k + 1);
  snprintf(pt, sizeof pt, "%s/point", gname);
  snprintf(rp, sizeof rp, "%s/replicate", gname);
  hid_t g;
  int rc = group(w, gname, &g);
  if (rc != CS_OK) return rc;
  hsize_t Np = (hsize_t)wv->points, R = (hsize_t)wv->replicates;
  hsize_t d1[1] = {Np}, dP[2] = {Np, (hsize_t)P}, dT[2] = {Np, (hsize_t)T}, d3[3] = {Np, R, (hsize_t)T},
          bP[1] = {(hsize_t)P};
  const char *sPT[2] = {pt, "/parameter"}, *sTT[2] = {pt, "/target"}, *s3[3] = {pt, rp, "/target"},
             *s1[1] = {pt}, *sB[1] = {"/parameter"};
  if ((rc = scale(w, g, "point", pt, Np, NULL, "design point of the wave")) ||
      (rc = scale(w, g, "replicate", rp, R, NULL, "replicate of the point (the same numbers at every point)")) ||
      (rc = ds(w, g, "theta", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, dP, wv->theta,
               "parameter values of the design point", sPT)) ||
      (rc = ds(w, g, "outputs", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, d3, wv->out,
               "each replicate's statistic of each target (NaN: not computed in that run)", s3)) ||
      (rc = ds(w, g, "mean", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, dT, wv->mean,
               "mean of the statistic over the point's replicates", sTT)) ||
      (rc = ds(w, g, "variance", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, dT, wv->var,
               "ensemble variance of the statistic over the point's replicates", sTT)) ||
      (rc = ds(w, g, "implausibility", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, dT, wv->imp,
               "implausibility of the point for the target", sTT)) ||
      (rc = ds(w, g, "max_implausibility", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, d1, wv->imp_max,
               "the implausibility that decides (the imp_rank-th largest over targets)", s1)) ||
      (rc = ds(w, g, "nroy", H5T_STD_U8LE, H5T_NATIVE_UCHAR, 1, d1, wv->nroy,
               "1 if the point is not ruled out yet (max_implausibility <= cutoff)", s1)) ||
      (rc = ds(w, g, "box_low", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, bP, wv->box_lo,
               "low corner of the box the wave sampled", sB)) ||
      (rc = ds(w, g, "box_high", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, bP, wv->box_hi,
               "high corner of the box the wave sampled", sB)) ||
      (rc = attr_d(w, g, "nroy_share", wv->nroy_share)) ||
      (rc = attr_d(w, g, "nroy_fraction", wv->nroy_fraction))) {
    /* rc holds the first failure */
  }
  if (H5Gclose(g) < 0 && rc == CS_OK) rc = cs_h5u_fail(w->ctx, LABEL, w->path, "close", gname);
  return rc;
}

static int write_pop(w5 *w, const cs_calib *cb, int k, int P, int T) {
  const cs_calib_pop *p = cs_calib_pop_get(cb, k);
  char gname[64], pt[96];
  snprintf(gname, sizeof gname, "/abc/population_%d", k);
  snprintf(pt, sizeof pt, "%s/particle", gname);
  hid_t g;
  int rc = group(w, gname, &g);
  if (rc != CS_OK) return rc;
  hsize_t N = (hsize_t)p->particles, d1[1] = {N}, dP[2] = {N, (hsize_t)P}, dT[2] = {N, (hsize_t)T};
  const char *sP[2] = {pt, "/parameter"}, *sT[2] = {pt, "/target"}, *s1[1] = {pt};
  if ((rc = scale(w, g, "particle", pt, N, NULL, "particle of the population")) ||
      (rc = ds(w, g, "theta", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, dP, p->theta, "parameter values", sP)) ||
      (rc = ds(w, g, "weight", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, d1, p->weight,
               "importance weight (the weights sum to 1)", s1)) ||
      (rc = ds(w, g, "distance", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, d1, p->dist,
               "distance of the accepted run to the observations", s1)) ||
      (rc = ds(w, g, "outputs", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, dT, p->out,
               "the accepted run's statistic of each target", sT)) ||
      (rc = attr_d(w, g, "epsilon", p->eps)) || (rc = attr_d(w, g, "ess", p->ess)) ||
      (rc = attr_u(w, g, "proposed", p->proposed)) || (rc = attr_d(w, g, "acceptance", p->acceptance))) {
    /* rc holds the first failure */
  }
  if (H5Gclose(g) < 0 && rc == CS_OK) rc = cs_h5u_fail(w->ctx, LABEL, w->path, "close", gname);
  return rc;
}

static int write_all(w5 *w, const cs_calibrate_opts *o, const cs_calibrate_result *res) {
  const cs_calib *cb = res->cb;
  int P = o->n_params, T = cs_targets_count(res->targets), rc;
  hid_t f = w->f;
  const cs_calib_config *c = &o->cfg;
  if ((rc = attr_s(w, f, "file_kind", "conflictsim calibration")) ||
      (rc = attr_s(w, f, "conflictsim_version", cs_version())) || (rc = attr_s(w, f, "scenario", o->scenario)) ||
      (rc = attr_s(w, f, "targets_file", o->targets_path)) ||
      (rc = attr_s(w, f, "targets_sha256", cs_targets_sha(res->targets))) ||
      (rc = attr_s(w, f, "priors_file", o->priors_path ? o->priors_path : "")) ||
      (rc = attr_s(w, f, "inputs_sha256", res->digest)) || (rc = attr_u(w, f, "master_seed", c->seed)) ||
      (rc = attr_u(w, f, "waves", (uint64_t)c->waves)) || (rc = attr_u(w, f, "points", (uint64_t)c->points)) ||
      (rc = attr_u(w, f, "points_first", (uint64_t)(c->points_first ? c->points_first : c->points))) ||
      (rc = attr_u(w, f, "replicates", (uint64_t)c->replicates)) ||
      (rc = attr_u(w, f, "max_replicates", (uint64_t)c->max_replicates)) ||
      (rc = attr_d(w, f, "cutoff", c->cutoff)) || (rc = attr_u(w, f, "imp_rank", (uint64_t)c->imp_rank)) ||
      (rc = attr_d(w, f, "margin", c->margin)) || (rc = attr_u(w, f, "particles", (uint64_t)c->particles)) ||
      (rc = attr_u(w, f, "batch_size", (uint64_t)c->batch_size)) || (rc = attr_d(w, f, "alpha", c->alpha)) ||
      (rc = attr_d(w, f, "eps_final", c->eps_final)) || (rc = attr_d(w, f, "min_accept", c->min_accept)) ||
      (rc = attr_u(w, f, "max_populations", (uint64_t)c->max_populations)) ||
      (rc = attr_u(w, f, "runs", res->runs)) || (rc = attr_s(w, f, "abc_stop_reason", cs_calib_stop_reason(cb))))
    return rc;
  {
    char buf[64 * 1024];
    size_t len = 0;
    for (size_t i = 0; i < o->n_sets && len < sizeof buf - 1; i++)
      len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s=%s", i ? " " : "", o->sets[i].name,
                              o->sets[i].value);
    buf[len < sizeof buf ? len : sizeof buf - 1] = '\0';
    if ((rc = attr_s(w, f, "sets", buf))) return rc;
  }
  /* the axes and what describes them */
  const char **s = calloc((size_t)(P > T ? P : T) + 1, sizeof *s);
  double *v = malloc(((size_t)(P > T ? P : T) + 1) * sizeof *v);
  if (!s || !v) {
    free(s);
    free(v);
    return cs_err(w->ctx, CS_ENOMEM, "out of memory");
  }
  hsize_t dp[1] = {(hsize_t)P}, dt[1] = {(hsize_t)T};
  const char *sp[1] = {"/parameter"}, *st[1] = {"/target"};
  for (int p = 0; p < P; p++) s[p] = o->priors[p].name;
  rc = ds(w, f, "parameter", w->str, w->str, 1, dp, s, "calibrated parameter", NULL);
  if (rc == CS_OK) rc = cs_h5u_dims(w->ctx, LABEL, w->path, f, "parameter", 1, (const char *const[]){"parameter"});
  for (int p = 0; p < P; p++) s[p] = o->priors[p].kind == CS_PRIOR_LOGUNIFORM ? "loguniform" : "uniform";
  if (rc == CS_OK) rc = ds(w, f, "prior", w->str, w->str, 1, dp, s, "prior distribution", sp);
  for (int p = 0; p < P; p++) v[p] = o->priors[p].lo;
  if (rc == CS_OK) rc = ds(w, f, "prior_low", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, dp, v, "prior's low end", sp);
  for (int p = 0; p < P; p++) v[p] = o->priors[p].hi;
  if (rc == CS_OK) rc = ds(w, f, "prior_high", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, dp, v, "prior's high end", sp);
  for (int i = 0; i < T; i++) s[i] = cs_targets_info(res->targets, i)->name;
  if (rc == CS_OK) rc = ds(w, f, "target", w->str, w->str, 1, dt, s, "in-sample target", NULL);
  if (rc == CS_OK) rc = cs_h5u_dims(w->ctx, LABEL, w->path, f, "target", 1, (const char *const[]){"target"});
  for (int i = 0; i < T; i++) v[i] = cs_targets_info(res->targets, i)->observed;
  if (rc == CS_OK) rc = ds(w, f, "observed", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, dt, v, "observed value", st);
  for (int i = 0; i < T; i++) v[i] = cs_targets_info(res->targets, i)->sd;
  if (rc == CS_OK)
    rc = ds(w, f, "observation_sd", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, dt, v,
            "observation error as a standard deviation", st);
  for (int i = 0; i < T; i++) v[i] = cs_targets_info(res->targets, i)->discrepancy;
  if (rc == CS_OK)
    rc = ds(w, f, "discrepancy_sd", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, dt, v,
            "stated model discrepancy as a standard deviation", st);
  for (int i = 0; i < T; i++) s[i] = cs_targets_info(res->targets, i)->source;
  if (rc == CS_OK) rc = ds(w, f, "source", w->str, w->str, 1, dt, s, "who observed it", st);
  for (int i = 0; i < T; i++) s[i] = cs_targets_info(res->targets, i)->doc;
  if (rc == CS_OK) rc = ds(w, f, "statistic", w->str, w->str, 1, dt, s, "what the statistic of a run is", st);
  free(s);
  free(v);
  if (rc != CS_OK) return rc;
  hid_t g;
  if ((rc = group(w, "/history_matching", &g))) return rc;
  H5Gclose(g);
  for (int k = 0; k < cs_calib_n_waves(cb) && rc == CS_OK; k++) rc = write_wave(w, cb, k, P, T);
  if (rc == CS_OK && (rc = group(w, "/abc", &g)) == CS_OK) {
    /* the box ABC sampled: the last wave's widened NROY box, or the prior's */
    double *lo = malloc(2 * ((size_t)P + 1) * sizeof *lo);
    hsize_t bP[1] = {(hsize_t)P};
    const char *sB[1] = {"/parameter"};
    if (!lo) rc = cs_err(w->ctx, CS_ENOMEM, "out of memory");
    else {
      double *hi = lo + P + 1;
      cs_calib_abc_box(cb, lo, hi);
      if (!(rc = ds(w, g, "box_low", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, bP, lo,
                    "low corner of the box ABC sampled (its prior truncated to it)", sB)))
        rc = ds(w, g, "box_high", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, bP, hi,
                "high corner of the box ABC sampled (its prior truncated to it)", sB);
    }
    free(lo);
    if (H5Gclose(g) < 0 && rc == CS_OK) rc = cs_h5u_fail(w->ctx, LABEL, w->path, "close", "/abc");
  }
  for (int k = 0; k < cs_calib_n_pops(cb) && rc == CS_OK; k++) rc = write_pop(w, cb, k, P, T);
  if (rc == CS_OK && cs_calib_n_pops(cb) > 0) {
    /* /posterior is the last population, by a hard link: one copy, two names */
    char last[64];
    snprintf(last, sizeof last, "/abc/population_%d", cs_calib_n_pops(cb) - 1);
    if (H5Lcreate_hard(f, last, f, "/posterior", H5P_DEFAULT, H5P_DEFAULT) < 0)
      rc = cs_h5u_fail(w->ctx, LABEL, w->path, "link", "/posterior");
  }
  return rc;
}

int cs_calibrate_write_h5(cs_ctx *ctx, const cs_calibrate_opts *o, const cs_calibrate_result *res) {
  char tmp[4200];
  if (cs_outfile_tmp_name(o->out, tmp, sizeof tmp)) return cs_err(ctx, CS_EIO, "output path too long");
  w5 w = {ctx, o->out, H5I_INVALID_HID, H5I_INVALID_HID};
  hid_t fcpl = H5I_INVALID_HID, fapl = H5I_INVALID_HID;
  int rc = CS_OK;
  if ((w.str = H5Tcopy(H5T_C_S1)) < 0 || H5Tset_size(w.str, H5T_VARIABLE) < 0 ||
      H5Tset_cset(w.str, H5T_CSET_UTF8) < 0 || (fcpl = H5Pcreate(H5P_FILE_CREATE)) < 0 ||
      H5Pset_obj_track_times(fcpl, 0) < 0 || (fapl = H5Pcreate(H5P_FILE_ACCESS)) < 0 ||
      H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18) < 0 ||
      (w.f = H5Fcreate(tmp, H5F_ACC_EXCL, fcpl, fapl)) < 0)
    rc = cs_h5u_fail(ctx, LABEL, o->out, "create", tmp);
  if (rc == CS_OK) rc = write_all(&w, o, res);
  if (w.f >= 0 && H5Fclose(w.f) < 0 && rc == CS_OK) rc = cs_err(ctx, CS_EIO, LABEL " '%s': cannot close", o->out);
  if (fapl >= 0) H5Pclose(fapl);
  if (fcpl >= 0) H5Pclose(fcpl);
  if (w.str >= 0) H5Tclose(w.str);
  if (w.f < 0) return rc; /* nothing was created */
  return cs_outfile_commit(ctx, LABEL, tmp, o->out, rc);
}
