/* sweep_h5.c: the sweep file (layout in output/README.md, "The sweep file")
** and reading shards back for `conflictsim merge`.
**
** Invariants:
** - The file is a function of (sweep, shard index, shard count) and the rows
**   the row function gives: no clock, no pid, no path of a temporary file is
**   stored; object time tracking is off and libver bounds are fixed at 1.8.
**   A merged file is written by the same code with (0, 1), so it is
**   byte-identical to the unsharded file.
** - Written to "<path>.tmp.<pid>" and renamed into place after fsync; any
**   failure unlinks the temporary file and leaves an earlier file alone.
** - Rows are written one run at a time, so memory does not grow with the
**   trajectories. A whole file (shard 0 of 1) of a sobol or morris design
**   also keeps the outcomes (n_runs x n_metrics doubles) for the group
**   /sensitivity, computed and written after the rows (sensitivity_h5.c);
**   shards have no such group, and merge, writing (0, 1), adds it. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "sensitivity.h"
#include "sweep.h"
#include "sweep_ens.h"
#include "sweep_events_h5.h"
#include "h5util.h"


typedef struct wr {
  cs_ctx *ctx;
  const char *path;
  hid_t str;
} wr;

static int h5fail(cs_ctx *ctx, const char *path, const char *what, const char *name) {
  return cs_h5u_fail(ctx, "sweep file", path, what, name);
}

#define TRY(call, what, name)                                                    \
  do {                                                                           \
    if ((call) < 0) {                                                            \
      rc = h5fail(w->ctx, w->path, what, name);                                  \
      goto done;                                                                 \
    }                                                                            \
  } while (0)

static int attr(wr *w, hid_t obj, const char *name, hid_t ft, hid_t mt, size_t n, const void *buf) {
  return cs_h5u_attr(w->ctx, "sweep file", w->path, obj, name, ft, mt, n, buf);
}

static int attr_s(wr *w, hid_t o, const char *name, const char *v) {
  return attr(w, o, name, w->str, w->str, 0, &v);
}
static int attr_u(wr *w, hid_t o, const char *name, uint64_t v) {
  return attr(w, o, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, 0, &v);
}
static int attr_d(wr *w, hid_t o, const char *name, double v) {
  return attr(w, o, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0, &v);
}

/* A dataset in the group or file *out (replaced by the dataset; invalid on
** failure); chunk NULL: contiguous. Writes buf (whole) if non-NULL. */
static int ds(wr *w, const char *name, hid_t ft, hid_t mt, int rank, const hsize_t *dims, const hsize_t *chunk,
              const void *buf, const char *units, const char *long_name, hid_t *out) {
  hid_t d = H5I_INVALID_HID;
  int rc = cs_h5u_dataset(w->ctx, "sweep file", w->path, *out, name, ft, rank, dims, NULL, chunk, &d);
  if (rc != CS_OK) goto done;
  if (buf) {
    hsize_t n = 1;
    for (int i = 0; i < rank; i++) n *= dims[i];
    if (n) TRY(H5Dwrite(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), "write", name);
  }
  if (units && (rc = attr_s(w, d, "units", units))) goto done;
  if (long_name && (rc = attr_s(w, d, "long_name", long_name))) goto done;
  *out = d;
  d = H5I_INVALID_HID;
done:
  if (rc != CS_OK) *out = H5I_INVALID_HID;
  if (d >= 0) H5Dclose(d);
  return rc;
}

/* Write row `row` of a dataset of shape (rows, cols...) from n doubles. */
static int ds_row(wr *w, hid_t d, const char *name, int rank, hsize_t row, const hsize_t *dims, const double *buf) {
  hsize_t off[3] = {row, 0, 0}, cnt[3] = {1, rank > 1 ? dims[1] : 1, rank > 2 ? dims[2] : 1};
  return cs_h5u_write_block(w->ctx, "sweep file", w->path, d, name, rank, off, cnt, cnt[1] * cnt[2], H5T_NATIVE_DOUBLE,
                            buf);
}

static int close_ds(wr *w, hid_t *d, const char *name, int rc) {
  if (*d >= 0 && H5Dclose(*d) < 0 && rc == CS_OK) rc = h5fail(w->ctx, w->path, "close dataset", name);
  *d = H5I_INVALID_HID;
  return rc;
}

static int fsync_path(cs_ctx *ctx, const char *p, int flags) {
  return cs_h5u_fsync_path(ctx, "sweep file", p, p, flags);
}

/* Group `provenance`: the modules and data files the scenario read, as in
** a run file (output/README.md); only when there are any. */
static int files_write(wr *w, hid_t f, const cs_sweep *sw) {
  size_t n = (size_t)sw->n_files;
  hid_t gcpl = H5I_INVALID_HID, g = H5I_INVALID_HID, scale = H5I_INVALID_HID, d = H5I_INVALID_HID;
  const char **str = calloc(n, sizeof *str);
  uint64_t *size = calloc(n, sizeof *size);
  int8_t *kept = calloc(n, 1);
  hsize_t dim = n;
  int rc = CS_OK;
  if (!str || !size || !kept) {
    rc = cs_err(w->ctx, CS_ENOMEM, "out of memory");
    goto done;
  }
  TRY(gcpl = H5Pcreate(H5P_GROUP_CREATE), "create group", "provenance");
  TRY(H5Pset_obj_track_times(gcpl, 0), "create group", "provenance");
  TRY(g = H5Gcreate2(f, "provenance", H5P_DEFAULT, gcpl, H5P_DEFAULT), "create group", "provenance");
  if ((rc = attr_s(w, g, "long_name", "modules and data files the scenario read, in the order read"))) goto done;
  for (size_t i = 0; i < n; i++) str[i] = sw->files[i].path;
  scale = g;
  if ((rc = ds(w, "file", w->str, w->str, 1, &dim, NULL, str, NULL, "path relative to the scenario's folder",
               &scale)))
    goto done;
  TRY(H5DSset_scale(scale, "file"), "make a dimension scale of", "file");
  for (int col = 0; col < 5; col++) {
    static const char *const names[5] = {"kind", "sha256", "source", "size", "source_kept"};
    static const char *const docs[5] = {"module (require) or data (csv)", "SHA-256 of the file's bytes",
                                        "the file's text (empty if not kept)", "size of the file",
                                        "1: source holds the whole text; 0: only the hash is kept"};
    for (size_t i = 0; i < n; i++) {
      const cs_prov_file *p = &sw->files[i];
      str[i] = col == 0 ? p->kind : col == 1 ? p->sha256 : p->source ? p->source : "";
      size[i] = p->size;
      kept[i] = p->source != NULL;
    }
    d = g;
    if (col < 3) rc = ds(w, names[col], w->str, w->str, 1, &dim, NULL, str, NULL, docs[col], &d);
    else if (col == 3) rc = ds(w, names[col], H5T_STD_U64LE, H5T_NATIVE_UINT64, 1, &dim, NULL, size, "bytes", docs[col], &d);
    else rc = ds(w, names[col], H5T_STD_I8LE, H5T_NATIVE_INT8, 1, &dim, NULL, kept, NULL, docs[col], &d);
    if (rc) goto done;
    TRY(H5DSattach_scale(d, scale, 0), "attach a dimension scale to", names[col]);
    rc = close_ds(w, &d, names[col], rc);
    if (rc) goto done;
  }
done:
  if (d >= 0) H5Dclose(d);
  if (scale >= 0 && scale != g) H5Dclose(scale);
  if (g >= 0) H5Gclose(g);
  if (gcpl >= 0) H5Pclose(gcpl);
  free(kept);
  free(size);
  free(str);
  return rc;
}

enum { S_RUN, S_PARAM, S_METRIC, S_TIME, S_NODE, S_COUNT };

static int write_file(wr *w, hid_t f, const cs_sweep *sw, uint64_t index, uint64_t count, cs_sweep_row_fn row,
                      void *ud, cs_sweep_ev_fn ev, void *ev_ud) {
  int rc = CS_OK;
  hid_t sc[S_COUNT], d_out = H5I_INVALID_HID, *d_tr = NULL, tmp = H5I_INVALID_HID, d_err = H5I_INVALID_HID;
  double *ys = NULL; /* [nl][nm] outcomes for the sensitivity analysis */
  cs_ens *ens = NULL; /* the group /ensemble: whole files only (merge writes it) */
  cs_sens *sens = NULL;
  cs_sweep_evh5 *evh = NULL; /* the group /events (sw->events) */
  uint64_t *ev_first = NULL, *ev_n = NULL;
  uint64_t nl = index < sw->n_runs ? (sw->n_runs - index + count - 1) / count : 0;
  size_t np = (size_t)sw->n_params, nm = (size_t)sw->n_metrics, T = (size_t)sw->n_samples,
         N = (size_t)sw->n_nodes;
  size_t nmax = np > nm ? np : nm;
  if (N > nmax) nmax = N;
  uint64_t *u = malloc((size_t)(nl ? nl : 1) * 8 * 4);
  double *dd = malloc((size_t)(nl ? nl : 1) * (np ? np : 1) * sizeof *dd + (T + 1) * sizeof *dd);
  const char **str = calloc(nmax + 1, sizeof *str);
  double *rec = malloc((cs_sweep_record_len(sw) + 1) * sizeof *rec);
  uint8_t *status = calloc((size_t)(nl ? nl : 1), 1); /* run_status, written after the rows */
  char *err = malloc(CS_ERRMSG_MAX);
  d_tr = calloc((size_t)sw->n_traj + 1, sizeof *d_tr);
  for (int i = 0; i < S_COUNT; i++) sc[i] = H5I_INVALID_HID;
  if (!u || !dd || !str || !rec || !d_tr || !status || !err) {
    rc = cs_err(w->ctx, CS_ENOMEM, "out of memory");
    goto done;
  }
  for (int t = 0; t < sw->n_traj; t++) d_tr[t] = H5I_INVALID_HID;
  /* provenance */
  if ((rc = attr_s(w, f, "Conventions", "CF-1.8")) || (rc = attr_s(w, f, "file_kind", "conflictsim sweep")) ||
      (rc = attr_s(w, f, "conflictsim_version", cs_version())) || (rc = attr_s(w, f, "sweep_path", sw->path)) ||
      (rc = attr_s(w, f, "sweep_source", sw->src)) || (rc = attr_s(w, f, "sweep_sha256", sw->sha)) ||
      (rc = attr_s(w, f, "scenario_path", sw->scenario_path)) ||
      (rc = attr_s(w, f, "scenario_source", sw->scenario_src)) ||
      (rc = attr_s(w, f, "scenario_sha256", sw->scenario_sha)) ||
      (rc = attr_s(w, f, "scenario_name", sw->scenario_name)) || (rc = attr_u(w, f, "master_seed", sw->seed)) ||
      (rc = attr_u(w, f, "replicates", sw->replicates)) || (rc = attr_u(w, f, "n_points", sw->n_points)) ||
      (rc = attr_u(w, f, "n_runs_total", sw->n_runs)) || (rc = attr_u(w, f, "shard_index", index)) ||
      (rc = attr_u(w, f, "shard_count", count)) || (rc = attr_d(w, f, "days", sw->days)) ||
      (rc = attr_d(w, f, "sample_every", sw->sample_every)))
    goto done;
  /* a branched sweep only: an unbranched file keeps its bytes */
  if (sw->branched && ((rc = attr_d(w, f, "branch_at", sw->branch_at)) || (rc = attr_u(w, f, "branches", sw->branches))))
    goto done;
  if (sw->n_files && ((rc = attr_s(w, f, "scenario_files_sha256", sw->files_sha)) || (rc = files_write(w, f, sw))))
    goto done;

  /* coordinates */
  hsize_t d1;
  for (uint64_t j = 0; j < nl; j++) u[j] = index + j * count;
  d1 = nl;
  sc[S_RUN] = f;
  if ((rc = ds(w, "run", H5T_STD_U64LE, H5T_NATIVE_UINT64, 1, &d1, NULL, u, NULL,
               sw->branched ? "run number k in the whole sweep (point = k / (replicates * branches), replicate = "
                              "k / branches % replicates, branch = k % branches)"
                            : "run number k in the whole sweep (point = k / replicates, replicate = k % replicates)",
               &sc[S_RUN])))
    goto done;
  TRY(H5DSset_scale(sc[S_RUN], "run"), "make a dimension scale of", "run");
  d1 = np;
  for (size_t i = 0; i < np; i++) str[i] = sw->params[i].name;
  sc[S_PARAM] = f;
  if ((rc = ds(w, "parameter", w->str, w->str, 1, &d1, NULL, str, NULL, "swept parameter", &sc[S_PARAM])))
    goto done;
  TRY(H5DSset_scale(sc[S_PARAM], "parameter"), "make a dimension scale of", "parameter");
  d1 = nm;
  for (size_t i = 0; i < nm; i++) str[i] = sw->metrics[i].name;
  sc[S_METRIC] = f;
  if ((rc = ds(w, "metric", w->str, w->str, 1, &d1, NULL, str, NULL, "outcome metric", &sc[S_METRIC])))
    goto done;
  TRY(H5DSset_scale(sc[S_METRIC], "metric"), "make a dimension scale of", "metric");

  /* parameter and metric tables */
  static const char *const pcols[3] = {"parameter_kind", "parameter_low", "parameter_high"};
  for (int c = 0; c < 3; c++) {
    tmp = f;
    d1 = np;
    if (c == 0) {
      for (size_t i = 0; i < np; i++) str[i] = cs_sweep_kind_name(sw->params[i].kind);
      rc = ds(w, pcols[c], w->str, w->str, 1, &d1, NULL, str, NULL, "grid, uniform, loguniform or lhs", &tmp);
    } else {
      for (size_t i = 0; i < np; i++)
        dd[i] = sw->params[i].kind == CS_SWP_GRID ? NAN : c == 1 ? sw->params[i].lo : sw->params[i].hi;
      rc = ds(w, pcols[c], H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &d1, NULL, dd, NULL,
              c == 1 ? "low end of the range (NaN for a grid)" : "high end of the range (NaN for a grid)", &tmp);
    }
    if (rc == CS_OK) TRY(H5DSattach_scale(tmp, sc[S_PARAM], 0), "attach scale to", pcols[c]);
    if ((rc = close_ds(w, &tmp, pcols[c], rc))) goto done;
  }
  for (int c = 0; c < 2; c++) {
    const char *name = c ? "metric_doc" : "metric_units";
    for (size_t i = 0; i < nm; i++) str[i] = c ? cs_sweep_metric_doc(sw, (int)i) : cs_sweep_metric_units(sw, (int)i);
    tmp = f;
    d1 = nm;
    rc = ds(w, name, w->str, w->str, 1, &d1, NULL, str, NULL, c ? "what the metric measures" : "units of the metric",
            &tmp);
    if (rc == CS_OK) TRY(H5DSattach_scale(tmp, sc[S_METRIC], 0), "attach scale to", name);
    if ((rc = close_ds(w, &tmp, name, rc))) goto done;
  }

  /* design, point, replicate, seed */
  hsize_t d2[2] = {nl, np};
  for (uint64_t j = 0; j < nl; j++) {
    uint64_t k = index + j * count, pt = k / cs_sweep_per_point(sw);
    for (size_t i = 0; i < np; i++) dd[j * np + i] = sw->design[pt * np + i];
  }
  tmp = f;
  rc = ds(w, "design", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, d2, NULL, dd, NULL,
          "parameter values of each run", &tmp);
  if (rc == CS_OK) TRY(H5DSattach_scale(tmp, sc[S_RUN], 0), "attach scale to", "design");
  if (rc == CS_OK) TRY(H5DSattach_scale(tmp, sc[S_PARAM], 1), "attach scale to", "design");
  if ((rc = close_ds(w, &tmp, "design", rc))) goto done;
  static const char *const ucols[4] = {"point", "replicate", "seed", "branch"};
  static const char *const udocs[4] = {"design point of the run (row of the design)",
                                       "replicate number: the run's streams derive from (seed, replicate)",
                                       "master seed of the run (the sweep's seed)",
                                       "branch of the run: its streams are re-keyed by it after every event at "
                                       "t <= branch_at; the runs of one point and replicate share the past up to "
                                       "then"};
  for (int c = 0; c < (sw->branched ? 4 : 3); c++) {
    for (uint64_t j = 0; j < nl; j++) {
      uint64_t k = index + j * count, pt, rep, br;
      cs_sweep_run_coords(sw, k, &pt, &rep, &br);
      u[j] = c == 0 ? pt : c == 1 ? rep : c == 2 ? sw->seed : br;
    }
    tmp = f;
    d1 = nl;
    rc = ds(w, ucols[c], H5T_STD_U64LE, H5T_NATIVE_UINT64, 1, &d1, NULL, u, NULL, udocs[c], &tmp);
    if (rc == CS_OK) TRY(H5DSattach_scale(tmp, sc[S_RUN], 0), "attach scale to", ucols[c]);
    if ((rc = close_ds(w, &tmp, ucols[c], rc))) goto done;
  }

  /* outcomes */
  d2[1] = nm;
  d_out = f;
  if ((rc = ds(w, "outcomes", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, d2, NULL, NULL, NULL,
               "outcome metrics of each run (units: metric_units)", &d_out)))
    goto done;
  for (size_t i = 0; i < nm; i++) str[i] = sw->metrics[i].name;
  if ((rc = attr(w, d_out, "metric_names", w->str, w->str, nm, str))) goto done;
  for (size_t i = 0; i < nm; i++) str[i] = cs_sweep_metric_units(sw, (int)i);
  if ((rc = attr(w, d_out, "metric_units", w->str, w->str, nm, str))) goto done;
  if ((rc = attr_s(w, d_out, "coordinates", "metric_units"))) goto done;
  TRY(H5DSattach_scale(d_out, sc[S_RUN], 0), "attach scale to", "outcomes");
  TRY(H5DSattach_scale(d_out, sc[S_METRIC], 1), "attach scale to", "outcomes");

  /* the error of each run: "" if it completed; written row by row (an
  ** empty string takes no space in the global heap) */
  d1 = nl;
  d_err = f;
  if ((rc = ds(w, "run_error", w->str, w->str, 1, &d1, NULL, NULL, NULL,
               "error message of a run that failed (run_status 1); empty if it completed", &d_err)))
    goto done;
  TRY(H5DSattach_scale(d_err, sc[S_RUN], 0), "attach scale to", "run_error");

  /* trajectories */
  hsize_t d3[3] = {nl, T, N}, ch[3] = {1, T, N};
  if (sw->n_traj) {
    for (size_t i = 0; i < T; i++) dd[i] = cs_sample_time((long)i, sw->sample_every, sw->days);
    d1 = T;
    sc[S_TIME] = f;
    if ((rc = ds(w, "time", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &d1, NULL, dd, NULL, NULL, &sc[S_TIME])) ||
        (rc = cs_h5u_time_attrs(w->ctx, "sweep file", w->path, sc[S_TIME], w->str, sw->start_date)))
      goto done;
    TRY(H5DSset_scale(sc[S_TIME], "time"), "make a dimension scale of", "time");
    d1 = N;
    for (size_t i = 0; i < N; i++) str[i] = sw->node_ids[i];
    sc[S_NODE] = f;
    if ((rc = ds(w, "node", w->str, w->str, 1, &d1, NULL, str, NULL, "neighbourhood id", &sc[S_NODE]))) goto done;
    TRY(H5DSset_scale(sc[S_NODE], "node"), "make a dimension scale of", "node");
    /* owner codes (traj_owner) index this coordinate, as in a run file */
    d1 = (hsize_t)sw->n_parties;
    tmp = f;
    if ((rc = ds(w, "party", w->str, w->str, 1, &d1, NULL, (const void *)sw->party_names, NULL,
                 "party: a party code p indexes this coordinate (0 STATE, 1 CONTESTED, 2 + g gang g)", &tmp)))
      goto done;
    TRY(H5DSset_scale(tmp, "party"), "make a dimension scale of", "party");
    if ((rc = close_ds(w, &tmp, "party", rc))) goto done;
    int nv;
    const cs_var *vars = cs_world_vars(&nv);
    for (int t = 0; t < sw->n_traj; t++) {
      char name[128];
      snprintf(name, sizeof name, "traj_%s", sw->traj[t]);
      d_tr[t] = f;
      const cs_var *var = &vars[sw->traj_var[t]];
      if ((rc = ds(w, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, d3, nl ? ch : NULL, NULL, var->units, var->doc,
                   &d_tr[t])))
        goto done;
      TRY(H5DSattach_scale(d_tr[t], sc[S_RUN], 0), "attach scale to", name);
      TRY(H5DSattach_scale(d_tr[t], sc[S_TIME], 1), "attach scale to", name);
      TRY(H5DSattach_scale(d_tr[t], sc[S_NODE], 2), "attach scale to", name);
    }
  }

  if (count == 1 && sw->ensemble &&
      (rc = cs_ens_begin(w->ctx, w->path, f, w->str, sw, sc[S_PARAM], sc[S_METRIC], sc[S_TIME], sc[S_NODE], &ens)))
    goto done;

  if (sw->events != CS_SWEV_NONE) {
    if (!(ev_first = calloc((size_t)(nl ? nl : 1), 8)) || !(ev_n = calloc((size_t)(nl ? nl : 1), 8))) {
      rc = cs_err(w->ctx, CS_ENOMEM, "out of memory");
      goto done;
    }
    if ((rc = cs_sweep_evh5_begin(w->ctx, w->path, f, w->str, sw, &evh)) != CS_OK) goto done;
  }

  /* rows, in run order; a whole sobol or morris sweep keeps the outcomes
  ** for its group /sensitivity (shards have none: merge writes it) */
  if (count == 1 && sw->design_kind != CS_SWD_CROSSED &&
      !(ys = malloc((size_t)(nl ? nl : 1) * (nm ? nm : 1) * sizeof *ys))) {
    rc = cs_err(w->ctx, CS_ENOMEM, "out of memory for the sensitivity analysis");
    goto done;
  }
  for (uint64_t j = 0; j < nl; j++) {
    err[0] = '\0';
    if ((rc = row(ud, index + j * count, rec, err)) != CS_OK) goto done;
    status[j] = err[0] != '\0';
    if (ens && (rc = cs_ens_add(ens, index + j * count, rec, status[j]))) goto done;
    if (evh && !status[j] && (rc = cs_sweep_evh5_run(evh, index + j * count, ev, ev_ud, &ev_first[j], &ev_n[j])))
      goto done;
    if (evh && status[j]) ev_first[j] = j ? ev_first[j - 1] + ev_n[j - 1] : 0; /* a failed run has no rows */
    if (ys) memcpy(ys + j * nm, rec, nm * sizeof *ys);
    if ((rc = ds_row(w, d_out, "outcomes", 2, j, d2, rec))) goto done;
    for (int t = 0; t < sw->n_traj; t++)
      if ((rc = ds_row(w, d_tr[t], sw->traj[t], 3, j, d3, rec + nm + (size_t)t * T * N))) goto done;
    const char *e = err;
    hsize_t off1 = j, one = 1;
    if ((rc = cs_h5u_write_block(w->ctx, "sweep file", w->path, d_err, "run_error", 1, &off1, &one, 1, w->str, &e)))
      goto done;
  }
  {
    static const uint8_t flags[2] = {0, 1};
    d1 = nl;
    tmp = f;
    rc = ds(w, "run_status", H5T_STD_U8LE, H5T_NATIVE_UINT8, 1, &d1, NULL, status, NULL,
            "0: the run completed; 1: it failed (its outcomes and trajectories are NaN, run_error says why)", &tmp);
    if (rc == CS_OK) rc = attr(w, tmp, "flag_values", H5T_STD_U8LE, H5T_NATIVE_UINT8, 2, flags);
    if (rc == CS_OK) rc = attr_s(w, tmp, "flag_meanings", "completed failed");
    if (rc == CS_OK) TRY(H5DSattach_scale(tmp, sc[S_RUN], 0), "attach scale to", "run_status");
    if ((rc = close_ds(w, &tmp, "run_status", rc))) goto done;
  }
  if (evh) {
    rc = cs_sweep_evh5_end(evh, rc);
    evh = NULL;
    if (rc) goto done;
    static const char *const names[2] = {"event_offset", "event_count"};
    static const char *const docs[2] = {"first row of the run's events in the group /events",
                                        "rows of the run's events in the group /events (0 for a failed run)"};
    for (int c = 0; c < 2; c++) {
      d1 = nl;
      tmp = f;
      rc = ds(w, names[c], H5T_STD_U64LE, H5T_NATIVE_UINT64, 1, &d1, NULL, c ? ev_n : ev_first, NULL, docs[c], &tmp);
      if (rc == CS_OK) TRY(H5DSattach_scale(tmp, sc[S_RUN], 0), "attach scale to", names[c]);
      if ((rc = close_ds(w, &tmp, names[c], rc))) goto done;
    }
  }
  if (ys) {
    if ((rc = cs_sens_analyse(w->ctx, sw->design_kind, sw->samples, sw->n_params, sw->levels, sw->seed,
                              sw->bootstrap, ys, sw->replicates, sw->n_metrics, &sens)) != CS_OK ||
        (rc = cs_sens_h5_write(w->ctx, w->path, f, sens, sw->seed, sw->replicates)) != CS_OK)
      goto done;
  }
done:
  rc = cs_sweep_evh5_end(evh, rc);
  free(ev_first);
  free(ev_n);
  rc = cs_ens_end(ens, rc);
  cs_sens_free(sens);
  free(ys);
  for (int t = 0; d_tr && t < sw->n_traj; t++) rc = close_ds(w, &d_tr[t], "trajectory", rc);
  rc = close_ds(w, &d_out, "outcomes", rc);
  rc = close_ds(w, &d_err, "run_error", rc);
  rc = close_ds(w, &tmp, "dataset", rc);
  for (int i = 0; i < S_COUNT; i++) rc = close_ds(w, &sc[i], "coordinate", rc);
  free(d_tr);
  free(status);
  free(err);
  free(rec);
  free(str);
  free(dd);
  free(u);
  return rc;
}

int cs_sweep_h5_write(cs_ctx *ctx, const cs_sweep *sw, const char *path, uint64_t index, uint64_t count,
                      cs_sweep_row_fn row, void *ud, cs_sweep_ev_fn ev, void *ev_ud) {
  wr wv = {ctx, path, H5I_INVALID_HID}, *w = &wv;
  hid_t fcpl = H5I_INVALID_HID, fapl = H5I_INVALID_HID, f = H5I_INVALID_HID;
  size_t n = strlen(path) + 32;
  char *tmp = malloc(n), *dir = strdup(path);
  int rc = CS_OK, made = 0;
  if (!tmp || !dir) {
    rc = cs_err(ctx, CS_ENOMEM, "out of memory");
    goto done;
  }
  snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
  char *slash = strrchr(dir, '/');
  if (slash) slash[slash == dir ? 1 : 0] = '\0';
  else strcpy(dir, ".");
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  TRY(wv.str = H5Tcopy(H5T_C_S1), "set up", "string type");
  TRY(H5Tset_size(wv.str, H5T_VARIABLE), "set up", "string type");
  TRY(H5Tset_cset(wv.str, H5T_CSET_UTF8), "set up", "string type");
  TRY(fcpl = H5Pcreate(H5P_FILE_CREATE), "create file", tmp);
  TRY(H5Pset_obj_track_times(fcpl, 0), "create file", tmp);
  TRY(fapl = H5Pcreate(H5P_FILE_ACCESS), "create file", tmp);
  TRY(H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18), "create file", tmp);
  TRY(H5Pset_fclose_degree(fapl, H5F_CLOSE_SEMI), "create file", tmp);
  unlink(tmp); /* ours: same pid, left by nothing else */
  TRY(f = H5Fcreate(tmp, H5F_ACC_EXCL, fcpl, fapl), "create temporary file", tmp);
  made = 1;
  rc = write_file(w, f, sw, index, count, row, ud, ev, ev_ud);
  if (H5Fclose(f) < 0 && rc == CS_OK) rc = h5fail(ctx, path, "close file", tmp);
  f = H5I_INVALID_HID;
  if (rc == CS_OK) rc = fsync_path(ctx, tmp, O_RDONLY);
  if (rc == CS_OK && rename(tmp, path) != 0)
    rc = cs_err(ctx, CS_EIO, "sweep file '%s': cannot rename '%s' into place: %s", path, tmp, strerror(errno));
  if (rc == CS_OK) {
    made = 0;
    rc = fsync_path(ctx, dir, O_RDONLY | O_DIRECTORY);
  }
done:
  if (f >= 0) H5Fclose(f);
  if (made) unlink(tmp);
  if (fapl >= 0) H5Pclose(fapl);
  if (fcpl >= 0) H5Pclose(fcpl);
  if (wv.str >= 0) H5Tclose(wv.str);
  free(dir);
  free(tmp);
  return rc;
}

/* ---- reading shards ---- */

#define N_SATTR 7 /* the first 5 are required; scenario_files_sha256 only if the scenario read files */
static const char *const SATTR[N_SATTR] = {"file_kind", "sweep_sha256", "sweep_source", "sweep_path",
                                           "scenario_sha256", "scenario_files_sha256", "conflictsim_version"};

struct cs_sweep_shard {
  char *path;
  hid_t f;
  char *attr[N_SATTR];
  uint64_t index, count, n_runs, replicates;
  int branched;        /* attributes branch_at and branches present */
  double branch_at;
  uint64_t branches;   /* 1 when not branched */
};

void cs_sweep_shard_close(cs_sweep_shard *sh) {
  if (!sh) return;
  if (sh->f >= 0) H5Fclose(sh->f);
  for (int i = 0; i < N_SATTR; i++) free(sh->attr[i]);
  free(sh->path);
  free(sh);
}

static char *read_str_attr(hid_t f, const char *name) {
  hid_t a = H5I_INVALID_HID, t = H5I_INVALID_HID;
  char *v = NULL, *out = NULL;
  if (H5Aexists(f, name) <= 0) return NULL;
  if ((a = H5Aopen(f, name, H5P_DEFAULT)) < 0) return NULL;
  if ((t = H5Tcopy(H5T_C_S1)) >= 0 && H5Tset_size(t, H5T_VARIABLE) >= 0 && H5Tset_cset(t, H5T_CSET_UTF8) >= 0 &&
      H5Aread(a, t, &v) >= 0 && v) {
    out = strdup(v);
    H5free_memory(v);
  }
  if (t >= 0) H5Tclose(t);
  H5Aclose(a);
  return out;
}

/* A numeric scalar attribute of f read as `type` (a native type) into v;
** -1 if it is missing or unreadable. */
static int read_num_attr(hid_t f, const char *name, hid_t type, void *v) {
  hid_t a;
  if (H5Aexists(f, name) <= 0 || (a = H5Aopen(f, name, H5P_DEFAULT)) < 0) return -1;
  int r = H5Aread(a, type, v) < 0 ? -1 : 0;
  H5Aclose(a);
  return r;
}
static int read_u64_attr(hid_t f, const char *name, uint64_t *v) { return read_num_attr(f, name, H5T_NATIVE_UINT64, v); }
static int read_f64_attr(hid_t f, const char *name, double *v) { return read_num_attr(f, name, H5T_NATIVE_DOUBLE, v); }

static int shard_open(cs_ctx *ctx, const char *path, cs_sweep_shard **out);

/* libhdf5 1.10.8 can crash or loop forever reading the attributes of a
** damaged file (tests/fuzz/known-hdf5/README.md), so a shard is opened first
** in a child process under a time limit: CS_OK if the open returns there (the
** real open will then return the same way), else an error naming the file. */
#define SHARD_PROBE_SECONDS 20
static int shard_probe(cs_ctx *ctx, const char *path) {
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) return CS_OK; /* cannot probe: open it here */
  if (pid == 0) {
    cs_ctx c = {{0}};
    cs_sweep_shard *sh = NULL;
    signal(SIGALRM, SIG_DFL); /* a handler the parent set (libFuzzer's) must not catch it */
    alarm(SHARD_PROBE_SECONDS);
    int rc = shard_open(&c, path, &sh);
    if (rc == CS_OK) cs_sweep_shard_close(sh);
    _exit(rc == CS_OK || rc == CS_EINVAL || rc == CS_EIO ? 0 : 3);
  }
  int st = 0;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return CS_OK;
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return CS_OK;
  if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM)
    return cs_err(ctx, CS_EINVAL, "%s: libhdf5 did not finish reading it in %d s: a damaged file, not a usable "
                  "sweep shard", path, SHARD_PROBE_SECONDS);
  return cs_err(ctx, CS_EINVAL, "%s: libhdf5 failed reading it (%s %d): a damaged file, not a usable sweep shard",
                path, WIFSIGNALED(st) ? "signal" : "exit status",
                WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
}

int cs_sweep_shard_open(cs_ctx *ctx, const char *path, cs_sweep_shard **out) {
  int rc = shard_probe(ctx, path);
  return rc == CS_OK ? shard_open(ctx, path, out) : rc;
}

static int shard_open(cs_ctx *ctx, const char *path, cs_sweep_shard **out) {
  cs_sweep_shard *sh = calloc(1, sizeof *sh);
  if (!sh || !(sh->path = strdup(path))) {
    free(sh);
    return cs_err(ctx, CS_ENOMEM, "out of memory");
  }
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  sh->f = H5I_INVALID_HID;
  if (access(path, R_OK) != 0) {
    int e = errno;
    cs_sweep_shard_close(sh);
    return cs_err(ctx, CS_EIO, "%s: %s", path, strerror(e));
  }
  if (H5Fis_hdf5(path) <= 0 || (sh->f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0) {
    cs_sweep_shard_close(sh);
    H5Eclear2(H5E_DEFAULT);
    return cs_err(ctx, CS_EINVAL, "%s: not an HDF5 file, so not a sweep shard", path);
  }
  for (int i = 0; i < N_SATTR; i++) sh->attr[i] = read_str_attr(sh->f, SATTR[i]);
  if (!sh->attr[0] || strcmp(sh->attr[0], "conflictsim sweep") != 0 || !sh->attr[1] || !sh->attr[2] ||
      !sh->attr[3] || !sh->attr[4] || read_u64_attr(sh->f, "shard_index", &sh->index) ||
      read_u64_attr(sh->f, "shard_count", &sh->count) || read_u64_attr(sh->f, "n_runs_total", &sh->n_runs) ||
      read_u64_attr(sh->f, "replicates", &sh->replicates) || sh->replicates == 0 ||
      sh->count == 0 || sh->index >= sh->count) {
    cs_sweep_shard_close(sh);
    H5Eclear2(H5E_DEFAULT);
    return cs_err(ctx, CS_EINVAL, "%s: not a conflictsim sweep file (no sweep provenance or shard attributes)",
                  path);
  }
  sh->branches = 1;
  int has_at = H5Aexists(sh->f, "branch_at") > 0, has_k = H5Aexists(sh->f, "branches") > 0;
  if (has_at || has_k) {
    if (!has_at || !has_k || read_f64_attr(sh->f, "branch_at", &sh->branch_at) ||
        read_u64_attr(sh->f, "branches", &sh->branches) || sh->branches == 0 || !(sh->branch_at >= 0)) {
      cs_sweep_shard_close(sh);
      H5Eclear2(H5E_DEFAULT);
      return cs_err(ctx, CS_EINVAL, "%s: its branch attributes (branch_at, branches) are incomplete or invalid", path);
    }
    sh->branched = 1;
  }
  *out = sh;
  return CS_OK;
}

const char *cs_sweep_shard_attr(const cs_sweep_shard *sh, const char *name) {
  for (int i = 0; i < N_SATTR; i++)
    if (!strcmp(SATTR[i], name)) return sh->attr[i];
  return NULL;
}
uint64_t cs_sweep_shard_index(const cs_sweep_shard *sh) { return sh->index; }
uint64_t cs_sweep_shard_count(const cs_sweep_shard *sh) { return sh->count; }
uint64_t cs_sweep_shard_replicates(const cs_sweep_shard *sh) { return sh->replicates; }
void cs_sweep_shard_branch(const cs_sweep_shard *sh, int *branched, double *at, uint64_t *k) {
  *branched = sh->branched;
  *at = sh->branch_at;
  *k = sh->branches;
}
int cs_sweep_shard_same_branch(cs_ctx *ctx, const cs_sweep_shard *sh, const cs_sweep *sw) {
  if (sh->branched == sw->branched && (!sh->branched || (sh->branch_at == sw->branch_at && sh->branches == sw->branches)))
    return CS_OK;
  char a[96], b[96];
  return cs_err(ctx, CS_EINVAL, "%s was written with %s, this sweep has %s (--branch-at/--branches must match)",
                sh->path, cs_sweep_branch_desc(sh->branched, sh->branch_at, sh->branches, a, sizeof a),
                cs_sweep_branch_desc(sw->branched, sw->branch_at, sw->branches, b, sizeof b));
}
uint64_t cs_sweep_shard_rows(const cs_sweep_shard *sh) {
  return sh->index < sh->n_runs ? (sh->n_runs - sh->index + sh->count - 1) / sh->count : 0;
}

/* Rows [off, off + n) of a dataset of shape (rows, cols) (cols 0: 1-d) as
** mem_type into buf; CS_EIO naming the dataset if its shape differs. */
static int read_block(cs_ctx *ctx, cs_sweep_shard *sh, const char *name, hid_t mem_type, hsize_t off, hsize_t n,
                      hsize_t cols, void *buf) {
  hid_t d = H5I_INVALID_HID, fs = H5I_INVALID_HID, ms = H5I_INVALID_HID;
  hsize_t o[2] = {off, 0}, c[2] = {n, cols}, dims[2] = {0, 0}, total = n * (cols ? cols : 1);
  int rank = cols ? 2 : 1, rc = CS_OK;
  if (total == 0) return CS_OK;
  if ((d = H5Dopen2(sh->f, name, H5P_DEFAULT)) < 0 || (fs = H5Dget_space(d)) < 0 ||
      H5Sget_simple_extent_ndims(fs) != rank || H5Sget_simple_extent_dims(fs, dims, NULL) < 0 ||
      dims[0] < off + n || (cols && dims[1] != cols) ||
      H5Sselect_hyperslab(fs, H5S_SELECT_SET, o, NULL, c, NULL) < 0 ||
      (ms = H5Screate_simple(1, &total, NULL)) < 0 || H5Dread(d, mem_type, ms, fs, H5P_DEFAULT, buf) < 0) {
    H5Eclear2(H5E_DEFAULT);
    rc = cs_err(ctx, CS_EIO, "%s: cannot read rows %llu to %llu of '%s' (or its shape does not match)", sh->path,
                (unsigned long long)off, (unsigned long long)(off + n), name);
  }
  if (ms >= 0) H5Sclose(ms);
  if (fs >= 0) H5Sclose(fs);
  if (d >= 0) H5Dclose(d);
  return rc;
}

int cs_sweep_shard_design(cs_ctx *ctx, cs_sweep_shard *sh, uint64_t off, uint64_t n, int n_params, uint64_t *runs,
                          double *design) {
  int rc = read_block(ctx, sh, "run", H5T_NATIVE_UINT64, off, n, 0, runs);
  if (rc == CS_OK && n_params > 0) rc = read_block(ctx, sh, "design", H5T_NATIVE_DOUBLE, off, n, (hsize_t)n_params, design);
  return rc;
}

int cs_sweep_shard_same_names(cs_ctx *ctx, cs_sweep_shard *sh, const char *name, const char *const *names,
                              uint64_t n) {
  hid_t d = H5I_INVALID_HID, fs = H5I_INVALID_HID, t = H5I_INVALID_HID;
  hsize_t dims[1] = {0};
  char **v = calloc((size_t)n + 1, sizeof *v);
  int rc = CS_OK;
  if (!v) return cs_err(ctx, CS_ENOMEM, "out of memory");
  if ((d = H5Dopen2(sh->f, name, H5P_DEFAULT)) < 0 || (fs = H5Dget_space(d)) < 0 ||
      H5Sget_simple_extent_ndims(fs) != 1 || H5Sget_simple_extent_dims(fs, dims, NULL) < 0 || dims[0] != n ||
      (t = H5Tcopy(H5T_C_S1)) < 0 || H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0 ||
      (n && H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)) {
    H5Eclear2(H5E_DEFAULT);
    rc = cs_err(ctx, CS_EINVAL, "%s: its '%s' has %llu entries where the sweep has %llu", sh->path, name,
                (unsigned long long)dims[0], (unsigned long long)n);
    n = 0;
  }
  for (uint64_t i = 0; i < n; i++) {
    if (rc == CS_OK && (!v[i] || strcmp(v[i], names[i])))
      rc = cs_err(ctx, CS_EINVAL, "%s: its %s %llu is '%s' where the sweep has '%s'", sh->path, name,
                  (unsigned long long)i, v[i] ? v[i] : "", names[i]);
    if (v[i]) H5free_memory(v[i]);
  }
  free(v);
  if (t >= 0) H5Tclose(t);
  if (fs >= 0) H5Sclose(fs);
  if (d >= 0) H5Dclose(d);
  return rc;
}

static int read_row(cs_ctx *ctx, cs_sweep_shard *sh, const char *name, int rank, hsize_t row, const hsize_t *cnt_tail,
                    double *buf) {
  hid_t d = H5I_INVALID_HID, fs = H5I_INVALID_HID, ms = H5I_INVALID_HID;
  hsize_t off[3] = {row, 0, 0}, cnt[3] = {1, cnt_tail[0], rank > 2 ? cnt_tail[1] : 1}, dims[3] = {0, 0, 0};
  hsize_t n = cnt[1] * cnt[2];
  int rc = CS_OK;
  if (n == 0) return CS_OK;
  if ((d = H5Dopen2(sh->f, name, H5P_DEFAULT)) < 0 || (fs = H5Dget_space(d)) < 0 ||
      H5Sget_simple_extent_ndims(fs) != rank || H5Sget_simple_extent_dims(fs, dims, NULL) < 0 ||
      dims[0] <= row || dims[1] != cnt[1] || (rank > 2 && dims[2] != cnt[2]) ||
      H5Sselect_hyperslab(fs, H5S_SELECT_SET, off, NULL, cnt, NULL) < 0 ||
      (ms = H5Screate_simple(1, &n, NULL)) < 0 || H5Dread(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, buf) < 0) {
    H5Eclear2(H5E_DEFAULT);
    rc = cs_err(ctx, CS_EIO, "%s: cannot read row %llu of '%s' (or its shape does not match the sweep)", sh->path,
                (unsigned long long)row, name);
  }
  if (ms >= 0) H5Sclose(ms);
  if (fs >= 0) H5Sclose(fs);
  if (d >= 0) H5Dclose(d);
  return rc;
}

/* Element j of the string dataset run_error into err (CS_ERRMSG_MAX
** bytes); "" if the shard has no such dataset (written before failures
** were recorded: all its runs completed). */
static int read_error(cs_ctx *ctx, cs_sweep_shard *sh, hsize_t j, char *err) {
  hid_t d = H5I_INVALID_HID, fs = H5I_INVALID_HID, ms = H5I_INVALID_HID, t = H5I_INVALID_HID, ft = H5I_INVALID_HID;
  hsize_t one = 1, dims[1] = {0};
  char *v = NULL;
  int rc = CS_OK;
  err[0] = '\0';
  htri_t has = H5Lexists(sh->f, "run_error", H5P_DEFAULT);
  if (has == 0) return CS_OK;
  if (has < 0 || (d = H5Dopen2(sh->f, "run_error", H5P_DEFAULT)) < 0 || (ft = H5Dget_type(d)) < 0 ||
      H5Tget_class(ft) != H5T_STRING || H5Tis_variable_str(ft) <= 0 || (t = H5Tcopy(H5T_C_S1)) < 0 || H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0 ||
      (fs = H5Dget_space(d)) < 0 || H5Sget_simple_extent_ndims(fs) != 1 ||
      H5Sget_simple_extent_dims(fs, dims, NULL) < 0 || dims[0] <= j ||
      H5Sselect_hyperslab(fs, H5S_SELECT_SET, &j, NULL, &one, NULL) < 0 ||
      (ms = H5Screate_simple(1, &one, NULL)) < 0 || H5Dread(d, t, ms, fs, H5P_DEFAULT, &v) < 0) {
    H5Eclear2(H5E_DEFAULT);
    rc = cs_err(ctx, CS_EIO, "%s: cannot read row %llu of 'run_error' (or its shape does not match the sweep)",
                sh->path, (unsigned long long)j);
  } else if (v) snprintf(err, CS_ERRMSG_MAX, "%s", v);
  if (v) H5free_memory(v);
  if (ms >= 0) H5Sclose(ms);
  if (fs >= 0) H5Sclose(fs);
  if (t >= 0) H5Tclose(t);
  if (ft >= 0) H5Tclose(ft);
  if (d >= 0) H5Dclose(d);
  return rc;
}

int cs_sweep_shard_row(cs_ctx *ctx, cs_sweep_shard *sh, const cs_sweep *sw, uint64_t k, double *rec, char *err) {
  if (k % sh->count != sh->index) return cs_err(ctx, CS_EINVAL, "%s: run %llu is not in this shard", sh->path,
                                                (unsigned long long)k);
  return cs_sweep_shard_row_at(ctx, sh, sw, (k - sh->index) / sh->count, rec, err);
}

int cs_sweep_shard_row_at(cs_ctx *ctx, cs_sweep_shard *sh, const cs_sweep *sw, uint64_t row, double *rec, char *err) {
  hsize_t j = row, tail[2] = {(hsize_t)sw->n_metrics, 0};
  int rc = read_error(ctx, sh, j, err);
  if (rc == CS_OK) rc = read_row(ctx, sh, "outcomes", 2, j, tail, rec);
  size_t T = (size_t)sw->n_samples, N = (size_t)sw->n_nodes;
  tail[0] = T;
  tail[1] = N;
  for (int t = 0; rc == CS_OK && t < sw->n_traj; t++) {
    char name[128];
    snprintf(name, sizeof name, "traj_%s", sw->traj[t]);
    rc = read_row(ctx, sh, name, 3, j, tail, rec + sw->n_metrics + (size_t)t * T * N);
  }
  return rc;
}

/* ---- a shard's group /events ---- */

int cs_sweep_shard_events_level(const cs_sweep_shard *sh) {
  hid_t g;
  char *v;
  int level = CS_SWEV_NONE;
  if (H5Lexists(sh->f, "events", H5P_DEFAULT) <= 0 || (g = H5Gopen2(sh->f, "events", H5P_DEFAULT)) < 0) {
    H5Eclear2(H5E_DEFAULT);
    return CS_SWEV_NONE;
  }
  if ((v = read_str_attr(g, "events_level"))) {
    level = !strcmp(v, "all") ? CS_SWEV_ALL : !strcmp(v, "conflict") ? CS_SWEV_CONFLICT : CS_SWEV_NONE;
    free(v);
  }
  H5Gclose(g);
  return level;
}

int cs_sweep_shard_events(void *ud, uint64_t k, uint64_t off, size_t max, cs_sweep_evrow *rows, uint64_t *n) {
  static const struct {
    const char *name;
    size_t off, size;
    int is_float, is_signed;
  } C[11] = {
      {"events/event", offsetof(cs_sweep_evrow, index), 8, 0, 1},
      {"events/time", offsetof(cs_sweep_evrow, t), 8, 1, 1},
      {"events/kind", offsetof(cs_sweep_evrow, kind), 1, 0, 0},
      {"events/node", offsetof(cs_sweep_evrow, node), 4, 0, 1},
      {"events/actor", offsetof(cs_sweep_evrow, actor), 4, 0, 1},
      {"events/target", offsetof(cs_sweep_evrow, target), 4, 0, 1},
      {"events/deaths", offsetof(cs_sweep_evrow, deaths), 8, 0, 1},
      {"events/displaced", offsetof(cs_sweep_evrow, displaced), 8, 0, 1},
      {"events/observed", offsetof(cs_sweep_evrow, observed), 1, 0, 0},
      {"events/report_time", offsetof(cs_sweep_evrow, report_time), 8, 1, 1},
      {"events/observed_deaths", offsetof(cs_sweep_evrow, obs_deaths), 8, 0, 1},
  };
  cs_sweep_shard_ev *se = ud;
  cs_sweep_shard *sh = se->sh[se->n_sh == 1 ? 0 : k % se->n_sh];
  uint64_t row, first = 0, count = 0;
  int rc;
  if (k % sh->count != sh->index) return cs_err(se->ctx, CS_EINVAL, "%s: run %llu is not in this shard", sh->path,
                                                (unsigned long long)k);
  row = (k - sh->index) / sh->count;
  if ((rc = read_block(se->ctx, sh, "event_offset", H5T_NATIVE_UINT64, row, 1, 0, &first)) != CS_OK ||
      (rc = read_block(se->ctx, sh, "event_count", H5T_NATIVE_UINT64, row, 1, 0, &count)) != CS_OK)
    return rc;
  if (!rows) {
    *n = count;
    return CS_OK;
  }
  uint64_t m = off >= count ? 0 : count - off < max ? count - off : max;
  unsigned char *col = malloc((size_t)(m ? m : 1) * 8);
  if (!col) return cs_err(se->ctx, CS_ENOMEM, "out of memory");
  if (m) memset(rows, 0, (size_t)m * sizeof *rows);
  for (int c = 0; c < 11 && rc == CS_OK; c++) {
    hid_t mt = C[c].is_float ? H5T_NATIVE_DOUBLE : C[c].size == 1 ? H5T_NATIVE_UINT8 : C[c].size == 4 ? H5T_NATIVE_INT32
                                                                                                      : H5T_NATIVE_INT64;
    if ((rc = read_block(se->ctx, sh, C[c].name, mt, first + off, m, 0, col)) != CS_OK) break;
    for (uint64_t i = 0; i < m; i++) memcpy((unsigned char *)&rows[i] + C[c].off, col + i * C[c].size, C[c].size);
  }
  free(col);
  if (rc == CS_OK) *n = m;
  return rc;
}
