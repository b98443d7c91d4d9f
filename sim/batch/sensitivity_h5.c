/* sensitivity_h5.c: the group /sensitivity of a sweep file (layout in
** output/README.md, "Sensitivity analysis"), and a whole sweep file read
** back and analysed again for `conflictsim sensitivity`.
**
** Invariants:
** - The group is a function of the analysis (sensitivity.c) alone: no clock,
**   no path; object time tracking is off, as in the rest of the sweep file,
**   so a merged file and an unsharded one stay byte-identical.
** - The reader takes the design from the group's attributes and the data
**   from /outcomes, so it needs neither the scenario nor the sweep file's
**   Lua; a file is first opened through cs_sweep_shard_open, whose probe in
**   a child process keeps a damaged file from crashing the caller. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5util.h"
#include "sensitivity.h"
#include "sweep.h"

#define LABEL "sweep file"

static const char *const REFERENCES =
    "Saltelli A, Annoni P, Azzini I, Campolongo F, Ratto M, Tarantola S (2010), Variance based sensitivity "
    "analysis of model output. Design and estimator for the total sensitivity index, Comput. Phys. Commun. "
    "181:259-270; Jansen MJW (1999), Analysis of variance designs for model output, Comput. Phys. Commun. "
    "117:35-43; Morris MD (1991), Factorial sampling plans for preliminary computational experiments, "
    "Technometrics 33:161-174; Campolongo F, Cariboni J, Saltelli A (2007), An effective screening design for "
    "sensitivity analysis of large models, Environ. Model. Softw. 22:1509-1518";

static const char *design_name(int design) { return design == CS_SWD_SOBOL ? "sobol" : "morris"; }

/* ---- writing ---- */

static int attr_u(cs_ctx *ctx, const char *path, hid_t o, const char *name, uint64_t v) {
  return cs_h5u_attr(ctx, LABEL, path, o, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, 0, &v);
}

/* A dataset of doubles (or uint64 if u) named name in g, shape dims (rank
** 1: metric; 2: metric x parameter), labelled with the root's scales. */
static int put(cs_ctx *ctx, const char *path, hid_t g, hid_t str, const char *name, int rank, const hsize_t *dims,
               const void *buf, int u, const char *long_name) {
  static const char *const scales[2] = {"/metric", "/parameter"};
  hid_t d = H5I_INVALID_HID;
  int rc = cs_h5u_dataset(ctx, LABEL, path, g, name, u ? H5T_STD_U64LE : H5T_IEEE_F64LE, rank, dims, NULL, NULL, &d);
  if (rc != CS_OK) return rc;
  hsize_t n = rank == 2 ? dims[0] * dims[1] : dims[0];
  if (n && H5Dwrite(d, u ? H5T_NATIVE_UINT64 : H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
    rc = cs_h5u_fail(ctx, LABEL, path, "write", name);
  if (rc == CS_OK) rc = cs_h5u_attr(ctx, LABEL, path, d, "long_name", str, str, 0, &long_name);
  if (H5Dclose(d) < 0 && rc == CS_OK) rc = cs_h5u_fail(ctx, LABEL, path, "close", name);
  if (rc == CS_OK) rc = cs_h5u_dims(ctx, LABEL, path, g, name, rank, scales);
  return rc;
}

int cs_sens_h5_write(cs_ctx *ctx, const char *path, hid_t f, const cs_sens *s, uint64_t seed, uint64_t replicates) {
  hid_t gcpl = H5I_INVALID_HID, g = H5I_INVALID_HID, str = H5I_INVALID_HID;
  int rc = CS_OK;
  hsize_t dims[2] = {(hsize_t)s->n_metrics, (hsize_t)s->n_params};
  size_t block = (size_t)s->n_metrics * (size_t)s->n_params;
  const char *design = design_name(s->design), *refs = REFERENCES;
  const char *method =
      s->design == CS_SWD_SOBOL
          ? "Saltelli scheme: base matrices A and B of `samples` rows drawn from a PCG32 stream, and the matrices "
            "AB_i; S1 by the Saltelli et al. 2010 estimator (f centred on the mean of f(A), f(B)), ST by Jansen's "
            "1999 estimator, both over the variance of f(A), f(B)"
          : "Morris elementary effects: `samples` random trajectories on a grid of `levels` levels; mu, mu_star "
            "(Campolongo et al. 2007) and sigma of the effects, in metric units per unit of the parameter's range "
            "scaled to [0, 1] (its logarithm for loguniform)";
  const char *values = "the value of a design point is the mean of its replicates' outcomes";
  const char *boot = "percentile bootstrap: `bootstrap` resamples with replacement of the base rows (sobol) or "
                     "trajectories (morris), one set of resamples for every metric and parameter";
  if ((str = H5Tcopy(H5T_C_S1)) < 0 || H5Tset_size(str, H5T_VARIABLE) < 0 || H5Tset_cset(str, H5T_CSET_UTF8) < 0 ||
      (gcpl = H5Pcreate(H5P_GROUP_CREATE)) < 0 || H5Pset_obj_track_times(gcpl, 0) < 0 ||
      (g = H5Gcreate2(f, "sensitivity", H5P_DEFAULT, gcpl, H5P_DEFAULT)) < 0) {
    rc = cs_h5u_fail(ctx, LABEL, path, "create group", "sensitivity");
    goto done;
  }
  double level = CS_SENS_LEVEL;
  if ((rc = cs_h5u_attr(ctx, LABEL, path, g, "design", str, str, 0, &design)) ||
      (rc = attr_u(ctx, path, g, "samples", s->samples)) ||
      (s->design == CS_SWD_MORRIS && (rc = attr_u(ctx, path, g, "levels", s->levels))) ||
      (rc = attr_u(ctx, path, g, "bootstrap", s->bootstrap)) ||
      (rc = cs_h5u_attr(ctx, LABEL, path, g, "confidence_level", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0, &level)) ||
      (rc = attr_u(ctx, path, g, "seed", seed)) || (rc = attr_u(ctx, path, g, "replicates", replicates)) ||
      (rc = cs_h5u_attr(ctx, LABEL, path, g, "method", str, str, 0, &method)) ||
      (rc = cs_h5u_attr(ctx, LABEL, path, g, "point_values", str, str, 0, &values)) ||
      (rc = cs_h5u_attr(ctx, LABEL, path, g, "intervals", str, str, 0, &boot)) ||
      (rc = cs_h5u_attr(ctx, LABEL, path, g, "references", str, str, 0, &refs)))
    goto done;
  for (int k = 0; k < s->n_fields; k++)
    if ((rc = put(ctx, path, g, str, cs_sens_field_name(s->design, k), 2, dims, s->est + (size_t)k * block, 0,
                  cs_sens_field_doc(s->design, k))))
      goto done;
  if ((rc = put(ctx, path, g, str, "variance", 1, dims, s->variance, 0,
                "variance (n - 1) of the point values over the design (metric units squared)")) ||
      (rc = put(ctx, path, g, str, "n_nonfinite", 1, dims, s->n_nonfinite, 1,
                "design points whose value is NaN or infinite (then every index of the metric is NaN)")))
    goto done;
done:
  if (g >= 0 && H5Gclose(g) < 0 && rc == CS_OK) rc = cs_h5u_fail(ctx, LABEL, path, "close group", "sensitivity");
  if (gcpl >= 0) H5Pclose(gcpl);
  if (str >= 0) H5Tclose(str);
  return rc;
}

/* ---- reading ---- */

void cs_sens_file_free(cs_sens_file *sf) {
  if (!sf) return;
  for (int i = 0; sf->params && sf->sens && i < sf->sens->n_params; i++) free(sf->params[i]);
  for (int i = 0; sf->metrics && sf->sens && i < sf->sens->n_metrics; i++) free(sf->metrics[i]);
  for (int i = 0; sf->units && sf->sens && i < sf->sens->n_metrics; i++) free(sf->units[i]);
  free(sf->params);
  free(sf->metrics);
  free(sf->units);
  cs_sens_free(sf->sens);
  free(sf);
}

static int bad(cs_ctx *ctx, const char *path, const char *what) {
  H5Eclear2(H5E_DEFAULT);
  return cs_err(ctx, CS_EINVAL, "%s: %s", path, what);
}

static int read_u64(hid_t o, const char *name, uint64_t *v) {
  hid_t a;
  if (H5Aexists(o, name) <= 0 || (a = H5Aopen(o, name, H5P_DEFAULT)) < 0) return -1;
  int r = H5Aread(a, H5T_NATIVE_UINT64, v) < 0 ? -1 : 0;
  H5Aclose(a);
  return r;
}

/* A scalar string attribute into buf (truncated to n - 1 bytes). */
static int read_str(hid_t o, const char *name, char *buf, size_t n) {
  hid_t a = H5I_INVALID_HID, t = H5I_INVALID_HID;
  char *v = NULL;
  int r = -1;
  if (H5Aexists(o, name) <= 0 || (a = H5Aopen(o, name, H5P_DEFAULT)) < 0) return -1;
  if ((t = H5Tcopy(H5T_C_S1)) >= 0 && H5Tset_size(t, H5T_VARIABLE) >= 0 && H5Aread(a, t, &v) >= 0 && v) {
    snprintf(buf, n, "%s", v);
    H5free_memory(v);
    r = 0;
  }
  if (t >= 0) H5Tclose(t);
  H5Aclose(a);
  return r;
}

/* The 1-D string dataset name, which must hold n strings, into *out (n
** malloc'd copies). */
static int read_strings(cs_ctx *ctx, const char *path, hid_t f, const char *name, uint64_t n, char ***out) {
  hid_t d = H5I_INVALID_HID, sp = H5I_INVALID_HID, t = H5I_INVALID_HID;
  hsize_t dim = 0;
  char **v = calloc(n + 1, sizeof *v), **o = calloc(n + 1, sizeof *o);
  int rc = CS_OK;
  if (!v || !o) {
    rc = cs_err(ctx, CS_ENOMEM, "out of memory");
    goto done;
  }
  if ((d = H5Dopen2(f, name, H5P_DEFAULT)) < 0 || (sp = H5Dget_space(d)) < 0 ||
      H5Sget_simple_extent_ndims(sp) != 1 || H5Sget_simple_extent_dims(sp, &dim, NULL) < 0 || dim != n ||
      (t = H5Tcopy(H5T_C_S1)) < 0 || H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0 ||
      (n && H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)) {
    char msg[160];
    snprintf(msg, sizeof msg, "cannot read '%s' as %llu names (or it is missing)", name, (unsigned long long)n);
    rc = bad(ctx, path, msg);
    goto done;
  }
  for (uint64_t i = 0; i < n; i++)
    if (!(o[i] = strdup(v[i] ? v[i] : ""))) {
      rc = cs_err(ctx, CS_ENOMEM, "out of memory");
      break;
    }
  if (n) H5Dvlen_reclaim(t, sp, H5P_DEFAULT, v);
done:
  if (rc == CS_OK) *out = o;
  else {
    for (uint64_t i = 0; o && i < n; i++) free(o[i]);
    free(o);
  }
  free(v);
  if (t >= 0) H5Tclose(t);
  if (sp >= 0) H5Sclose(sp);
  if (d >= 0) H5Dclose(d);
  return rc;
}

int cs_sens_h5_read(cs_ctx *ctx, const char *path, int64_t bootstrap, cs_sens_file **out) {
  cs_sweep_shard *sh = NULL;
  int rc = cs_sweep_shard_open(ctx, path, &sh); /* a sweep file, probed in a child first */
  if (rc != CS_OK) return rc;
  uint64_t index = cs_sweep_shard_index(sh), count = cs_sweep_shard_count(sh);
  cs_sweep_shard_close(sh);
  if (count != 1)
    return cs_err(ctx, CS_EINVAL, "%s: shard %llu of %llu of a sweep: merge the shards first (conflictsim merge "
                  "SHARD... -o OUT.h5), then analyse the merged file", path, (unsigned long long)index,
                  (unsigned long long)count);
  hid_t f = H5I_INVALID_HID, g = H5I_INVALID_HID, d = H5I_INVALID_HID, sp = H5I_INVALID_HID;
  cs_sens_file *sf = calloc(1, sizeof *sf);
  double *y = NULL;
  char **params = NULL, **metrics = NULL, **units = NULL;
  uint64_t n_params = 0, n_metrics = 0;
  if (!sf) return cs_err(ctx, CS_ENOMEM, "out of memory");
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  if ((f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0) {
    rc = bad(ctx, path, "cannot open it again as HDF5");
    goto done;
  }
  if (H5Lexists(f, "sensitivity", H5P_DEFAULT) <= 0 || (g = H5Gopen2(f, "sensitivity", H5P_DEFAULT)) < 0) {
    rc = bad(ctx, path, "no group /sensitivity: the sweep's design is not \"sobol\" or \"morris\" (see "
                        "scenarios/README.md, \"Sensitivity analysis\")");
    goto done;
  }
  char design[32];
  uint64_t samples = 0, levels = 0, boot = 0;
  int kind = -1;
  if (read_str(g, "design", design, sizeof design) == 0)
    kind = !strcmp(design, "sobol") ? CS_SWD_SOBOL : !strcmp(design, "morris") ? CS_SWD_MORRIS : -1;
  if (kind < 0 || read_u64(g, "samples", &samples) || read_u64(g, "bootstrap", &boot) ||
      read_u64(g, "seed", &sf->seed) || read_u64(g, "replicates", &sf->replicates) ||
      (kind == CS_SWD_MORRIS && read_u64(g, "levels", &levels)) || read_u64(f, "n_runs_total", &sf->n_runs)) {
    rc = bad(ctx, path, "group /sensitivity lacks its design attributes (design, samples, levels, bootstrap, "
                        "seed, replicates) or the file lacks n_runs_total");
    goto done;
  }
  /* the numbers of parameters and metrics, from the root's scales */
  static const char *const scales[2] = {"parameter", "metric"};
  for (int k = 0; k < 2; k++) {
    hsize_t dim = 0;
    if ((d = H5Dopen2(f, scales[k], H5P_DEFAULT)) < 0 || (sp = H5Dget_space(d)) < 0 ||
        H5Sget_simple_extent_ndims(sp) != 1 || H5Sget_simple_extent_dims(sp, &dim, NULL) < 0 || dim > INT32_MAX) {
      rc = bad(ctx, path, k ? "no usable /metric" : "no usable /parameter");
      goto done;
    }
    *(k ? &n_metrics : &n_params) = dim;
    H5Sclose(sp);
    H5Dclose(d);
    sp = d = H5I_INVALID_HID;
  }
  if ((rc = cs_sens_check(ctx, path, kind, samples, (int)n_params, levels)) != CS_OK) goto done;
  uint64_t np = cs_sens_n_points(kind, samples, (int)n_params);
  if (sf->replicates < 1 || np > UINT64_MAX / sf->replicates || np * sf->replicates != sf->n_runs) {
    rc = bad(ctx, path, "n_runs_total is not the design's points times replicates");
    goto done;
  }
  if ((rc = read_strings(ctx, path, f, "parameter", n_params, &params)) ||
      (rc = read_strings(ctx, path, f, "metric", n_metrics, &metrics)) ||
      (rc = read_strings(ctx, path, f, "metric_units", n_metrics, &units)))
    goto done;
  hsize_t dims[2] = {0, 0};
  if ((d = H5Dopen2(f, "outcomes", H5P_DEFAULT)) < 0 || (sp = H5Dget_space(d)) < 0 ||
      H5Sget_simple_extent_ndims(sp) != 2 || H5Sget_simple_extent_dims(sp, dims, NULL) < 0 ||
      dims[0] != sf->n_runs || dims[1] != n_metrics) {
    rc = bad(ctx, path, "/outcomes is missing or is not (n_runs_total, metric)");
    goto done;
  }
  if (sf->n_runs > SIZE_MAX / 8 / (n_metrics ? n_metrics : 1) ||
      !(y = malloc((size_t)(sf->n_runs * (n_metrics ? n_metrics : 1)) * sizeof *y))) {
    rc = cs_err(ctx, CS_ENOMEM, "%s: out of memory for the outcomes", path);
    goto done;
  }
  if (n_metrics && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, y) < 0) {
    rc = cs_h5u_fail(ctx, LABEL, path, "read", "outcomes");
    goto done;
  }
  rc = cs_sens_analyse(ctx, kind, samples, (int)n_params, levels, sf->seed, bootstrap < 0 ? boot : (uint64_t)bootstrap,
                       y, sf->replicates, (int)n_metrics, &sf->sens);
  if (rc != CS_OK) goto done;
  sf->params = params, sf->metrics = metrics, sf->units = units;
  params = metrics = units = NULL;
  *out = sf;
  sf = NULL;
done:
  for (uint64_t i = 0; params && i < n_params; i++) free(params[i]);
  for (uint64_t i = 0; metrics && i < n_metrics; i++) free(metrics[i]);
  for (uint64_t i = 0; units && i < n_metrics; i++) free(units[i]);
  free(params);
  free(metrics);
  free(units);
  free(y);
  cs_sens_file_free(sf);
  if (sp >= 0) H5Sclose(sp);
  if (d >= 0) H5Dclose(d);
  if (g >= 0) H5Gclose(g);
  if (f >= 0) H5Fclose(f);
  return rc;
}
