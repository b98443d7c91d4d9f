/* h5out.c: the HDF5 run-file sink of cs_h5.h. The layout is documented in
** output/README.md; keep the two in step.
**
** Invariants:
** - Nothing touches the file system before begin. From begin until end the
**   file lives at tmp_path ("<path>.tmp.<pid>", same directory as path).
**   Only end(CS_OK) moves it to path: close, fsync the file, rename, fsync
**   the directory. Every other way out (an error anywhere, end with a failure
**   status, free without end) unlinks tmp_path, so an earlier file at path
**   survives untouched.
** - Samples are written as they arrive, one hyperslab row per variable.
**   Events are buffered EV_BLOCK at a time and appended to unlimited
**   datasets, so memory stays bounded whatever the length of the log.
** - Determinism: no clock is read or stored (object time tracking is off on
**   the file, every group and every dataset), libver bounds are fixed at
**   1.8, file types are explicit little-endian, and the HDF5 calls depend
**   only on the inputs. The same scenario, seed and version give the same
**   bytes.
** - Errors: HDF5's own error printing is turned off; every failed HDF5 call
**   is reported once into ctx with the path, the object and the innermost
**   HDF5 message, and the function leaves through its single `done` path.
**   Closing a transient dataspace or property list in a cleanup path is not
**   checked (nothing can be lost there); closing attributes, datasets,
**   groups and the file is. */
#define _POSIX_C_SOURCE 200809L /* O_DIRECTORY, fsync */

#include "cs_h5.h"
#include "h5util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>
#include <hdf5_hl.h>
#include <openssl/evp.h>

#define EV_BLOCK 4096 /* events per append; also the chunk length */
#define VAR_CHUNK_ELEMS 4096 /* target elements per chunk of a sampled variable */
#define VAR_CHUNK_ROWS 64    /* at most this many samples per chunk */

enum { EC_INDEX, EC_TIME, EC_KIND, EC_NODE, EC_ACTOR, EC_TARGET, EC_DEATHS, EC_DISPLACED, EC_OBSERVED,
       EC_REPORT_TIME, EC_OBS_DEATHS, EC_COUNT };
enum { CO_TIME, CO_NODE, CO_GANG, CO_PARTY, CO_COUNT };

typedef struct ev_buf {
  int64_t index[EV_BLOCK];
  double t[EV_BLOCK];
  uint8_t kind[EV_BLOCK];
  int32_t node[EV_BLOCK], actor[EV_BLOCK], target[EV_BLOCK];
  int64_t deaths[EV_BLOCK], displaced[EV_BLOCK];
  uint8_t observed[EV_BLOCK];
  double report_time[EV_BLOCK];
  int64_t obs_deaths[EV_BLOCK];
} ev_buf;

struct cs_h5_sink {
  cs_ctx *ctx;           /* borrowed from cs_h5_sink_new */
  char *path;            /* final path */
  char *dir;             /* its directory ("." if none) */
  char *tmp_path;        /* non-NULL while a temporary file exists */
  char *scenario_path;   /* provenance, owned copies */
  char *source;
  size_t source_len;
  char *command_line;    /* NULL if none */
  uint64_t seed, replicate;
  hid_t file;            /* open between begin and end */
  hid_t str_type;        /* variable-length UTF-8 string */
  hid_t coord[CO_COUNT]; /* root dimension scales, open while the file is */
  const cs_var *vars;    /* the model's static table */
  int n_vars;
  hid_t *var_ds;         /* [n_vars] */
  int n_nodes, n_gangs, n_samples;
  int samples_written;
  hid_t ev_ds[EC_COUNT]; /* events/<column>; EC_INDEX is the `event` scale */
  ev_buf *ev;            /* buffered events, ev_n of them */
  size_t ev_n;
  uint64_t ev_total;     /* events already in the file */
  int failed;            /* first error code once the run failed, else 0 */
};

/* ---- errors ---- */

static int h5fail(cs_h5_sink *s, const char *what, const char *name) {
  return cs_h5u_fail(s->ctx, "HDF5 output", s->path, what, name);
}

/* Check an HDF5 call returning herr_t or hid_t; on failure report and leave. */
#define TRY(call, what, name)                                                    \
  do {                                                                           \
    if ((call) < 0) {                                                            \
      rc = h5fail(s, what, name);                                                \
      goto done;                                                                 \
    }                                                                            \
  } while (0)

static char *dup_str(const char *p, size_t n) {
  char *d = malloc(n + 1);
  if (d) {
    if (n) memcpy(d, p, n);
    d[n] = '\0';
  }
  return d;
}

/* ---- small HDF5 helpers ---- */

/* Write a scalar (n == 0) or 1-D attribute (h5util.h). */
static int attr_write(cs_h5_sink *s, hid_t obj, const char *name, hid_t ftype, hid_t mtype,
                      size_t n, const void *buf) {
  return cs_h5u_attr(s->ctx, "HDF5 output", s->path, obj, name, ftype, mtype, n, buf);
}

static int attr_str(cs_h5_sink *s, hid_t obj, const char *name, const char *val) {
  const char *v = val ? val : "";
  return attr_write(s, obj, name, s->str_type, s->str_type, 0, &v);
}

static int attr_f64(cs_h5_sink *s, hid_t obj, const char *name, double v) {
  return attr_write(s, obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0, &v);
}

static int attr_i64(cs_h5_sink *s, hid_t obj, const char *name, int64_t v) {
  return attr_write(s, obj, name, H5T_STD_I64LE, H5T_NATIVE_INT64, 0, &v);
}

static int attr_u64(cs_h5_sink *s, hid_t obj, const char *name, uint64_t v) {
  return attr_write(s, obj, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, 0, &v);
}

static int attrs_doc(cs_h5_sink *s, hid_t obj, const char *units, const char *long_name) {
  int rc = CS_OK;
  if (units && units[0]) rc = attr_str(s, obj, "units", units);
  if (rc == CS_OK) rc = attr_str(s, obj, "long_name", long_name);
  return rc;
}

/* Create a group with time tracking off. */
static int group_new(cs_h5_sink *s, hid_t loc, const char *name, hid_t *out) {
  hid_t gcpl = H5I_INVALID_HID, g = H5I_INVALID_HID;
  int rc = CS_OK;
  TRY(gcpl = H5Pcreate(H5P_GROUP_CREATE), "create group", name);
  TRY(H5Pset_obj_track_times(gcpl, 0), "create group", name);
  TRY(g = H5Gcreate2(loc, name, H5P_DEFAULT, gcpl, H5P_DEFAULT), "create group", name);
  *out = g;
done:
  if (gcpl >= 0) H5Pclose(gcpl);
  return rc;
}

/* Create a dataset. maxdims NULL: fixed size. chunk NULL: contiguous and
** uncompressed; else chunked with shuffle and deflate. */
static int ds_new(cs_h5_sink *s, hid_t loc, const char *name, hid_t ftype, int rank,
                  const hsize_t *dims, const hsize_t *maxdims, const hsize_t *chunk, hid_t *out) {
  return cs_h5u_dataset(s->ctx, "HDF5 output", s->path, loc, name, ftype, rank, dims, maxdims, chunk, out);
}

/* Write buf (memory type mtype, n elements) into rows [start, start + n) of
** a 1-D dataset, or into row `start` of a 2-D dataset of n columns. */
static int ds_write_at(cs_h5_sink *s, hid_t ds, const char *name, int rank, hsize_t start,
                       hsize_t n, hid_t mtype, const void *buf) {
  hsize_t off[2] = {start, 0}, cnt[2] = {rank == 1 ? n : 1, n};
  return cs_h5u_write_block(s->ctx, "HDF5 output", s->path, ds, name, rank, off, cnt, n, mtype, buf);
}

/* A fixed-size 1-D dataset of n strings, written at once; NULL entries of
** vals (the caller's scratch array) become "". *out (if non-NULL) receives
** the open dataset; else it is closed. */
static int strings_new(cs_h5_sink *s, hid_t loc, const char *name, size_t n, const char **vals,
                       const char *long_name, hid_t *out) {
  hid_t ds = H5I_INVALID_HID;
  hsize_t dim = n;
  int rc;
  for (size_t i = 0; i < n; i++)
    if (!vals[i]) vals[i] = "";
  rc = ds_new(s, loc, name, s->str_type, 1, &dim, NULL, NULL, &ds);
  if (rc == CS_OK) rc = ds_write_at(s, ds, name, 1, 0, n, s->str_type, vals);
  if (rc == CS_OK) rc = attrs_doc(s, ds, NULL, long_name);
  if (rc == CS_OK && out) {
    *out = ds;
    return CS_OK;
  }
  if (ds >= 0 && H5Dclose(ds) < 0 && rc == CS_OK) rc = h5fail(s, "close dataset", name);
  return rc;
}

static int scale_set(cs_h5_sink *s, hid_t ds, const char *name) {
  int rc = CS_OK;
  TRY(H5DSset_scale(ds, name), "make a dimension scale of", name);
done:
  return rc;
}

static int scale_attach(cs_h5_sink *s, hid_t ds, hid_t scale, unsigned idx, const char *name) {
  int rc = CS_OK;
  TRY(H5DSattach_scale(ds, scale, idx), "attach a dimension scale to", name);
done:
  return rc;
}

/* ---- begin: file, coordinates, provenance, parameters, variables ---- */

/* Refuse a directory as path, a missing or unwritable directory, and build
** tmp_path. */
static int check_paths(cs_h5_sink *s) {
  struct stat st;
  if (stat(s->path, &st) == 0 && S_ISDIR(st.st_mode))
    return cs_err(s->ctx, CS_EIO, "HDF5 output '%s': is a directory", s->path);
  if (stat(s->dir, &st) != 0)
    return cs_err(s->ctx, CS_EIO, "HDF5 output '%s': directory '%s': %s", s->path, s->dir,
                  strerror(errno));
  if (!S_ISDIR(st.st_mode))
    return cs_err(s->ctx, CS_EIO, "HDF5 output '%s': '%s' is not a directory", s->path, s->dir);
  if (access(s->dir, W_OK | X_OK) != 0)
    return cs_err(s->ctx, CS_EIO, "HDF5 output '%s': directory '%s' is not writable: %s", s->path,
                  s->dir, strerror(errno));
  size_t n = strlen(s->path) + 32;
  char *tmp = malloc(n);
  if (!tmp) return cs_err(s->ctx, CS_ENOMEM, "HDF5 output '%s': out of memory", s->path);
  snprintf(tmp, n, "%s.tmp.%ld", s->path, (long)getpid());
  s->tmp_path = tmp;
  return CS_OK;
}

static int file_create(cs_h5_sink *s) {
  hid_t fcpl = H5I_INVALID_HID, fapl = H5I_INVALID_HID, f = H5I_INVALID_HID;
  int rc = CS_OK;
  TRY(fcpl = H5Pcreate(H5P_FILE_CREATE), "create file", s->tmp_path);
  TRY(H5Pset_obj_track_times(fcpl, 0), "create file", s->tmp_path);
  TRY(fapl = H5Pcreate(H5P_FILE_ACCESS), "create file", s->tmp_path);
  TRY(H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18), "create file", s->tmp_path);
  /* H5Fclose fails, rather than silently deferring the close, if an object is still open. */
  TRY(H5Pset_fclose_degree(fapl, H5F_CLOSE_SEMI), "create file", s->tmp_path);
  struct stat st;
  int existed = lstat(s->tmp_path, &st) == 0;
  f = H5Fcreate(s->tmp_path, H5F_ACC_EXCL, fcpl, fapl);
  if (f < 0) {
    rc = h5fail(s, "create temporary file", s->tmp_path);
    /* A file that was there is not ours (it may belong to someone else); one
    ** H5Fcreate made before failing (out of memory midway) is. */
    if (!existed) unlink(s->tmp_path);
    free(s->tmp_path);
    s->tmp_path = NULL;
    goto done;
  }
  s->file = f;
done:
  if (fapl >= 0) H5Pclose(fapl);
  if (fcpl >= 0) H5Pclose(fcpl);
  return rc;
}

static int coords_write(cs_h5_sink *s, const cs_world *w) {
  int rc = CS_OK, n_parties = 2 + s->n_gangs;
  size_t n_max = (size_t)(s->n_nodes > n_parties ? s->n_nodes : n_parties);
  const char **str = malloc((n_max ? n_max : 1) * sizeof *str);
  double *tv = malloc((size_t)s->n_samples * sizeof *tv);
  double every = cs_world_sample_every(w);
  hsize_t nt = (hsize_t)s->n_samples;
  if (!str || !tv) {
    rc = cs_err(s->ctx, CS_ENOMEM, "HDF5 output '%s': out of memory", s->path);
    goto done;
  }

  for (int i = 0; i < s->n_samples; i++) tv[i] = cs_sample_time(i, every, cs_world_days(w));
  if ((rc = ds_new(s, s->file, "time", H5T_IEEE_F64LE, 1, &nt, NULL, NULL, &s->coord[CO_TIME])))
    goto done;
  if ((rc = ds_write_at(s, s->coord[CO_TIME], "time", 1, 0, nt, H5T_NATIVE_DOUBLE, tv))) goto done;
  if ((rc = attrs_doc(s, s->coord[CO_TIME], "days", "time since the start of the run"))) goto done;
  if ((rc = scale_set(s, s->coord[CO_TIME], "time"))) goto done;

  for (int i = 0; i < s->n_nodes; i++) str[i] = cs_world_node_id(w, i);
  if ((rc = strings_new(s, s->file, "node", (size_t)s->n_nodes, str, "neighbourhood id",
                        &s->coord[CO_NODE])))
    goto done;
  if ((rc = scale_set(s, s->coord[CO_NODE], "node"))) goto done;
  for (int i = 0; i < s->n_gangs; i++) str[i] = cs_world_gang_id(w, i);
  if ((rc = strings_new(s, s->file, "gang", (size_t)s->n_gangs, str, "gang id", &s->coord[CO_GANG])))
    goto done;
  if ((rc = scale_set(s, s->coord[CO_GANG], "gang"))) goto done;
  for (int p = 0; p < n_parties; p++) str[p] = cs_world_party_name(w, p);
  if ((rc = strings_new(s, s->file, "party", (size_t)n_parties, str,
                        "party: a party code p indexes this coordinate (0 STATE, 1 CONTESTED, "
                        "2 + g gang g)",
                        &s->coord[CO_PARTY])))
    goto done;
  if ((rc = scale_set(s, s->coord[CO_PARTY], "party"))) goto done;

  /* Auxiliary coordinates, tied to the variables by their `coordinates` attribute. */
  static const char *const aux[3] = {"node_name", "node_commune", "gang_name"};
  for (int k = 0; k < 3; k++) {
    hid_t ds = H5I_INVALID_HID;
    int n = k < 2 ? s->n_nodes : s->n_gangs;
    for (int i = 0; i < n; i++)
      str[i] = k == 0 ? cs_world_node_name(w, i) : k == 1 ? cs_world_node_commune(w, i)
                                                          : cs_world_gang_name(w, i);
    rc = strings_new(s, s->file, aux[k], (size_t)n, str,
                     k == 0 ? "neighbourhood display name" : k == 1 ? "commune" : "gang display name",
                     &ds);
    if (rc == CS_OK) rc = scale_attach(s, ds, s->coord[k < 2 ? CO_NODE : CO_GANG], 0, aux[k]);
    if (ds >= 0 && H5Dclose(ds) < 0 && rc == CS_OK) rc = h5fail(s, "close dataset", aux[k]);
    if (rc) goto done;
  }
done:
  free(tv);
  free(str);
  return rc;
}

static int provenance_write(cs_h5_sink *s, const cs_world *w) {
  char sha[65];
  int rc;
  cs_sha256_hex(s->source, s->source_len, sha);
  if (!sha[0]) return cs_err(s->ctx, CS_EIO, "HDF5 output '%s': SHA-256 failed", s->path);
  if ((rc = attr_str(s, s->file, "Conventions", "CF-1.8"))) return rc;
  if ((rc = attr_str(s, s->file, "conflictsim_version", cs_version()))) return rc;
  if ((rc = attr_str(s, s->file, "scenario_name", cs_world_name(w)))) return rc;
  if ((rc = attr_str(s, s->file, "start_date", cs_world_start(w)))) return rc;
  if ((rc = attr_str(s, s->file, "scenario_path", s->scenario_path))) return rc;
  if ((rc = attr_str(s, s->file, "scenario_source", s->source))) return rc;
  if ((rc = attr_str(s, s->file, "scenario_sha256", sha))) return rc;
  if ((rc = attr_u64(s, s->file, "master_seed", s->seed))) return rc;
  if ((rc = attr_u64(s, s->file, "replicate", s->replicate))) return rc;
  if ((rc = attr_f64(s, s->file, "days", cs_world_days(w)))) return rc;
  if ((rc = attr_f64(s, s->file, "sample_every", cs_world_sample_every(w)))) return rc;
  if (s->command_line && (rc = attr_str(s, s->file, "command_line", s->command_line))) return rc;
  return CS_OK;
}

/* A whole 1-D dataset of n values, with units and long_name. */
static int vec_write(cs_h5_sink *s, hid_t loc, const char *name, hid_t ftype, hid_t mtype, size_t n,
                     const void *buf, const char *units, const char *doc) {
  hid_t ds = H5I_INVALID_HID;
  hsize_t dim = n;
  int rc = ds_new(s, loc, name, ftype, 1, &dim, NULL, NULL, &ds);
  if (rc == CS_OK) rc = ds_write_at(s, ds, name, 1, 0, n, mtype, buf);
  if (rc == CS_OK) rc = attrs_doc(s, ds, units, doc);
  if (ds >= 0 && H5Dclose(ds) < 0 && rc == CS_OK) rc = h5fail(s, "close dataset", name);
  return rc;
}

/* Group `network`: where the nodes are and the roads between them, for maps
** (node_x, node_y in the root's node order; road_a, road_b, road_km over the
** roads in declaration order, ends as node indices). */
static int network_write(cs_h5_sink *s, const cs_world *w) {
  int n = cs_world_n_nodes(w), nr = cs_world_n_roads(w), rc = CS_OK;
  size_t m = (size_t)(n > nr ? n : nr) + 1;
  double *x = malloc(m * sizeof *x), *y = malloc(m * sizeof *y);
  int32_t *ra = malloc(m * sizeof *ra), *rb = malloc(m * sizeof *rb);
  hid_t g = H5I_INVALID_HID;
  if (!x || !y || !ra || !rb) {
    rc = cs_err(s->ctx, CS_ENOMEM, "HDF5 output '%s': out of memory", s->path);
    goto done;
  }
  if ((rc = group_new(s, s->file, "network", &g))) goto done;
  for (int i = 0; i < n; i++) cs_world_node_xy(w, i, &x[i], &y[i]);
  if ((rc = vec_write(s, g, "node_x", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, (size_t)n, x, "km",
                      "node position on the scenario's plane, east")) ||
      (rc = vec_write(s, g, "node_y", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, (size_t)n, y, "km",
                      "node position on the scenario's plane, north")))
    goto done;
  for (int r = 0; r < nr; r++) {
    int a, b;
    cs_world_road(w, r, &a, &b, &x[r]);
    ra[r] = a;
    rb[r] = b;
  }
  if ((rc = vec_write(s, g, "road_a", H5T_STD_I32LE, H5T_NATIVE_INT32, (size_t)nr, ra, NULL,
                      "one end of the road: a node index")) ||
      (rc = vec_write(s, g, "road_b", H5T_STD_I32LE, H5T_NATIVE_INT32, (size_t)nr, rb, NULL,
                      "the other end of the road: a node index")) ||
      (rc = vec_write(s, g, "road_km", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, (size_t)nr, x, "km", "road length")))
    goto done;
done:
  if (g >= 0 && H5Gclose(g) < 0 && rc == CS_OK) rc = h5fail(s, "close group", "network");
  free(x);
  free(y);
  free(ra);
  free(rb);
  return rc;
}

static const char *param_type_name(cs_param_type t) {
  switch (t) {
  case CS_PT_NUMBER: return "number";
  case CS_PT_INTEGER: return "integer";
  case CS_PT_BOOLEAN: return "boolean";
  case CS_PT_STRING: return "string";
  }
  return "unknown";
}

/* Group `parameters`: one scalar attribute per parameter (its value). Group
** `parameter_info`: a table over dimension `parameter` (the names) with
** columns doc, units, type, min, max, is_model. */
static int parameters_write(cs_h5_sink *s, const cs_world *w) {
  hid_t g = H5I_INVALID_HID, gi = H5I_INVALID_HID, scale = H5I_INVALID_HID;
  int rc, n = cs_world_param_count(w);
  size_t nz = (size_t)(n > 0 ? n : 1);
  cs_param_info *info = calloc(nz, sizeof *info);
  const char **str = malloc(nz * sizeof *str);
  double *num = malloc(nz * sizeof *num);
  int8_t *flag = malloc(nz);
  hsize_t dim = (hsize_t)n;
  if (!info || !str || !num || !flag) {
    rc = cs_err(s->ctx, CS_ENOMEM, "HDF5 output '%s': out of memory", s->path);
    goto done;
  }
  for (int i = 0; i < n; i++) cs_world_param_info(w, i, &info[i]);

  if ((rc = group_new(s, s->file, "parameters", &g))) goto done;
  for (int i = 0; i < n && rc == CS_OK; i++) {
    const cs_param_info *p = &info[i];
    int8_t b = p->num != 0;
    switch (p->type) {
    case CS_PT_NUMBER: rc = attr_f64(s, g, p->name, p->num); break;
    case CS_PT_INTEGER: rc = attr_i64(s, g, p->name, (int64_t)p->num); break;
    case CS_PT_BOOLEAN: rc = attr_write(s, g, p->name, H5T_STD_I8LE, H5T_NATIVE_INT8, 0, &b); break;
    case CS_PT_STRING: rc = attr_str(s, g, p->name, p->str); break;
    default: rc = cs_err(s->ctx, CS_EINVAL, "HDF5 output '%s': parameter '%s' has unknown type %d",
                         s->path, p->name, (int)p->type);
    }
  }
  if (rc) goto done;

  if ((rc = group_new(s, s->file, "parameter_info", &gi))) goto done;
  for (int i = 0; i < n; i++) str[i] = info[i].name;
  if ((rc = strings_new(s, gi, "parameter", (size_t)n, str, "parameter name", &scale))) goto done;
  if ((rc = scale_set(s, scale, "parameter"))) goto done;
  for (int col = 0; col < 6; col++) {
    static const char *const names[6] = {"doc", "units", "type", "min", "max", "is_model"};
    static const char *const docs[6] = {
        "what the parameter means", "units of the parameter (empty if none)",
        "number, integer, boolean or string", "smallest allowed value (numbers)",
        "largest allowed value (numbers)", "1: a model parameter; 0: declared by the scenario"};
    hid_t ds = H5I_INVALID_HID;
    if (col < 3) {
      for (int i = 0; i < n; i++)
        str[i] = col == 0 ? info[i].doc : col == 1 ? info[i].units : param_type_name(info[i].type);
      rc = strings_new(s, gi, names[col], (size_t)n, str, docs[col], &ds);
    } else {
      int is_flag = col == 5;
      for (int i = 0; i < n; i++) {
        num[i] = col == 3 ? info[i].min : info[i].max;
        flag[i] = (int8_t)(info[i].is_model != 0);
      }
      rc = ds_new(s, gi, names[col], is_flag ? H5T_STD_I8LE : H5T_IEEE_F64LE, 1, &dim, NULL, NULL, &ds);
      if (rc == CS_OK)
        rc = ds_write_at(s, ds, names[col], 1, 0, dim, is_flag ? H5T_NATIVE_INT8 : H5T_NATIVE_DOUBLE,
                         is_flag ? (const void *)flag : (const void *)num);
      if (rc == CS_OK) rc = attrs_doc(s, ds, NULL, docs[col]);
    }
    if (rc == CS_OK) rc = scale_attach(s, ds, scale, 0, names[col]);
    if (ds >= 0 && H5Dclose(ds) < 0 && rc == CS_OK) rc = h5fail(s, "close dataset", names[col]);
    if (rc) goto done;
  }
done:
  if (scale >= 0 && H5Dclose(scale) < 0 && rc == CS_OK) rc = h5fail(s, "close dataset", "parameter");
  if (gi >= 0 && H5Gclose(gi) < 0 && rc == CS_OK) rc = h5fail(s, "close group", "parameter_info");
  if (g >= 0 && H5Gclose(g) < 0 && rc == CS_OK) rc = h5fail(s, "close group", "parameters");
  free(flag);
  free(num);
  free(str);
  free(info);
  return rc;
}

static int vars_create(cs_h5_sink *s) {
  int rc = CS_OK;
  s->var_ds = malloc((size_t)(s->n_vars > 0 ? s->n_vars : 1) * sizeof *s->var_ds);
  if (!s->var_ds) return cs_err(s->ctx, CS_ENOMEM, "HDF5 output '%s': out of memory", s->path);
  for (int v = 0; v < s->n_vars; v++) s->var_ds[v] = H5I_INVALID_HID;
  for (int v = 0; v < s->n_vars && rc == CS_OK; v++) {
    const cs_var *var = &s->vars[v];
    int rank = var->dim == CS_DIM_CITY ? 1 : 2;
    hsize_t ncol = var->dim == CS_DIM_NODE ? (hsize_t)s->n_nodes
                   : var->dim == CS_DIM_GANG ? (hsize_t)s->n_gangs : 1;
    hsize_t dims[2] = {(hsize_t)s->n_samples, ncol};
    hsize_t rows = ncol && VAR_CHUNK_ELEMS / ncol ? VAR_CHUNK_ELEMS / ncol : 1;
    hsize_t chunk[2];
    if (var->dim != CS_DIM_CITY && var->dim != CS_DIM_NODE && var->dim != CS_DIM_GANG)
      return cs_err(s->ctx, CS_EINVAL, "HDF5 output '%s': variable '%s' has unknown dimension %d",
                    s->path, var->name, var->dim);
    if (rows > VAR_CHUNK_ROWS) rows = VAR_CHUNK_ROWS;
    if (rows > dims[0]) rows = dims[0];
    chunk[0] = rows;
    chunk[1] = ncol;
    /* A zero-length dimension (no gangs) cannot be chunked: leave it contiguous. */
    rc = ds_new(s, s->file, var->name, var->is_int ? H5T_STD_I64LE : H5T_IEEE_F64LE, rank, dims,
                NULL, ncol ? chunk : NULL, &s->var_ds[v]);
    if (rc == CS_OK) rc = attrs_doc(s, s->var_ds[v], var->units, var->doc ? var->doc : "");
    if (rc == CS_OK && var->dim != CS_DIM_CITY)
      rc = attr_str(s, s->var_ds[v], "coordinates",
                    var->dim == CS_DIM_NODE ? "node_name node_commune" : "gang_name");
    if (rc == CS_OK) rc = scale_attach(s, s->var_ds[v], s->coord[CO_TIME], 0, var->name);
    if (rc == CS_OK && rank == 2)
      rc = scale_attach(s, s->var_ds[v], s->coord[var->dim == CS_DIM_NODE ? CO_NODE : CO_GANG], 1,
                        var->name);
  }
  return rc;
}

static const char *const ev_col_name[EC_COUNT] = {"event",  "time",   "kind",      "node",
                                                  "actor",  "target", "deaths",    "displaced",
                                                  "observed", "report_time", "observed_deaths"};

static int events_create(cs_h5_sink *s) {
  static const char *const docs[EC_COUNT] = {
      "event number, in the order the model logged them",
      "time of the event since the start of the run",
      "event kind (see flag_values and flag_meanings)",
      "node index (into the node coordinate), -1 if none",
      "party code (index into the party coordinate); unit index for move, force, recall, arrest "
      "and desertion; -1 if none",
      "party code (index into the party coordinate); destination node index for flight and "
      "relocation (-1 PROVINCES); -1 if none",
      "deaths caused (combatants and civilians)",
      "people moved by the event (members freed for prison_break, officers for recall and force)",
      "1 if the event was reported (the observed log), else 0",
      "time the report appeared, NaN if not reported",
      "deaths as reported (with noise), -1 if not reported"};
  static const char *const units[EC_COUNT] = {NULL, "days", NULL, NULL, NULL, NULL, "persons", "persons",
                                              NULL, "days", "persons"};
  hid_t ftype[EC_COUNT] = {H5T_STD_I64LE, H5T_IEEE_F64LE, H5T_STD_U8LE,  H5T_STD_I32LE,
                           H5T_STD_I32LE, H5T_STD_I32LE,  H5T_STD_I64LE, H5T_STD_I64LE,
                           H5T_STD_U8LE,  H5T_IEEE_F64LE, H5T_STD_I64LE};
  hid_t g = H5I_INVALID_HID;
  hsize_t zero = 0, unlim = H5S_UNLIMITED, chunk = EV_BLOCK;
  uint8_t flag_values[CS_EK_COUNT];
  char meanings[1024] = "";
  size_t used = 0;
  int rc;

  if (!(s->ev = malloc(sizeof *s->ev)))
    return cs_err(s->ctx, CS_ENOMEM, "HDF5 output '%s': out of memory", s->path);
  if ((rc = group_new(s, s->file, "events", &g))) goto done;
  for (int c = 0; c < EC_COUNT && rc == CS_OK; c++) {
    rc = ds_new(s, g, ev_col_name[c], ftype[c], 1, &zero, &unlim, &chunk, &s->ev_ds[c]);
    if (rc == CS_OK) rc = attrs_doc(s, s->ev_ds[c], units[c], docs[c]);
    if (rc == CS_OK && c == EC_INDEX) rc = scale_set(s, s->ev_ds[c], "event");
    if (rc == CS_OK && c != EC_INDEX)
      rc = scale_attach(s, s->ev_ds[c], s->ev_ds[EC_INDEX], 0, ev_col_name[c]);
  }
  if (rc) goto done;

  for (int k = 0; k < CS_EK_COUNT; k++) {
    const char *name = cs_event_kind_name(k);
    flag_values[k] = (uint8_t)k;
    used += (size_t)snprintf(meanings + used, sizeof meanings - used, "%s%s", k ? " " : "",
                             name ? name : "unknown");
    if (used >= sizeof meanings) {
      rc = cs_err(s->ctx, CS_EINVAL, "HDF5 output '%s': event kind names too long", s->path);
      goto done;
    }
  }
  if ((rc = attr_write(s, s->ev_ds[EC_KIND], "flag_values", H5T_STD_U8LE, H5T_NATIVE_UINT8,
                       CS_EK_COUNT, flag_values)))
    goto done;
  rc = attr_str(s, s->ev_ds[EC_KIND], "flag_meanings", meanings);
done:
  if (g >= 0 && H5Gclose(g) < 0 && rc == CS_OK) rc = h5fail(s, "close group", "events");
  return rc;
}

/* ---- closing ---- */

/* Close every open handle; the first failure is reported unless rc is
** already an error. Returns rc or that failure. */
static int close_all(cs_h5_sink *s, int rc) {
  if (s->var_ds) {
    for (int v = 0; v < s->n_vars; v++)
      if (s->var_ds[v] >= 0 && H5Dclose(s->var_ds[v]) < 0 && rc == CS_OK)
        rc = h5fail(s, "close dataset", s->vars[v].name);
    free(s->var_ds);
    s->var_ds = NULL;
  }
  for (int c = 0; c < EC_COUNT; c++) {
    if (s->ev_ds[c] >= 0 && H5Dclose(s->ev_ds[c]) < 0 && rc == CS_OK)
      rc = h5fail(s, "close dataset events/", ev_col_name[c]);
    s->ev_ds[c] = H5I_INVALID_HID;
  }
  for (int c = 0; c < CO_COUNT; c++) {
    if (s->coord[c] >= 0 && H5Dclose(s->coord[c]) < 0 && rc == CS_OK)
      rc = h5fail(s, "close coordinate", "time/node/gang/party");
    s->coord[c] = H5I_INVALID_HID;
  }
  if (s->file >= 0 && H5Fclose(s->file) < 0 && rc == CS_OK) rc = h5fail(s, "close file", s->tmp_path);
  s->file = H5I_INVALID_HID;
  free(s->ev);
  s->ev = NULL;
  s->ev_n = 0;
  return rc;
}

/* Drop the run: close everything and unlink the temporary file. */
static void discard(cs_h5_sink *s) {
  close_all(s, CS_EIO);
  if (s->tmp_path) {
    unlink(s->tmp_path);
    free(s->tmp_path);
    s->tmp_path = NULL;
  }
}

static int fsync_path(cs_h5_sink *s, const char *p, int flags) {
  return cs_h5u_fsync_path(s->ctx, "HDF5 output", s->path, p, flags);
}

/* ---- the sink callbacks ---- */

static int not_open(cs_h5_sink *s) {
  if (s->failed) return s->failed;
  return cs_err(s->ctx, CS_EINVAL, "HDF5 output '%s': no run in progress", s->path);
}

static int sink_begin(void *ud, const cs_world *w) {
  cs_h5_sink *s = ud;
  int rc;
  if (s->file >= 0 || s->tmp_path)
    return cs_err(s->ctx, CS_EINVAL, "HDF5 output '%s': a run is already in progress", s->path);
  s->failed = 0;
  s->n_nodes = cs_world_n_nodes(w);
  s->n_gangs = cs_world_n_gangs(w);
  s->n_samples = cs_world_n_samples(w);
  s->samples_written = 0;
  s->ev_total = 0;
  s->ev_n = 0;
  s->vars = cs_world_vars(&s->n_vars);
  if (s->n_nodes < 0 || s->n_gangs < 0 || s->n_samples < 1 || s->n_vars < 0)
    return s->failed = cs_err(s->ctx, CS_EINVAL, "HDF5 output '%s': world not finalized", s->path);
  if ((rc = check_paths(s)) == CS_OK && (rc = file_create(s)) == CS_OK &&
      (rc = coords_write(s, w)) == CS_OK && (rc = provenance_write(s, w)) == CS_OK &&
      (rc = parameters_write(s, w)) == CS_OK && (rc = network_write(s, w)) == CS_OK &&
      (rc = vars_create(s)) == CS_OK)
    rc = events_create(s);
  if (rc != CS_OK) {
    discard(s);
    s->failed = rc;
  }
  return rc;
}

static int sink_sample(void *ud, const cs_sample *smp) {
  cs_h5_sink *s = ud;
  int rc = CS_OK;
  if (s->file < 0) return not_open(s);
  if (smp->index < 0 || smp->index >= s->n_samples || smp->n_vars != s->n_vars) {
    rc = cs_err(s->ctx, CS_EINVAL, "HDF5 output '%s': sample %d with %d variables (expected 0..%d, %d)",
                s->path, smp->index, smp->n_vars, s->n_samples - 1, s->n_vars);
    goto done;
  }
  for (int v = 0; v < s->n_vars && rc == CS_OK; v++) {
    const cs_var *var = &s->vars[v];
    hsize_t n = var->dim == CS_DIM_NODE ? (hsize_t)s->n_nodes
                : var->dim == CS_DIM_GANG ? (hsize_t)s->n_gangs : 1;
    rc = ds_write_at(s, s->var_ds[v], var->name, var->dim == CS_DIM_CITY ? 1 : 2,
                     (hsize_t)smp->index, n, var->is_int ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE,
                     smp->data[v]);
  }
  if (rc == CS_OK) s->samples_written++;
done:
  if (rc != CS_OK) s->failed = rc;
  return rc;
}

/* Append the buffered events to the events datasets. */
static int events_flush(cs_h5_sink *s) {
  const void *col[EC_COUNT] = {s->ev->index,    s->ev->t,           s->ev->kind,      s->ev->node,
                               s->ev->actor,    s->ev->target,      s->ev->deaths,    s->ev->displaced,
                               s->ev->observed, s->ev->report_time, s->ev->obs_deaths};
  hid_t mtype[EC_COUNT] = {H5T_NATIVE_INT64, H5T_NATIVE_DOUBLE, H5T_NATIVE_UINT8, H5T_NATIVE_INT32,
                           H5T_NATIVE_INT32, H5T_NATIVE_INT32,  H5T_NATIVE_INT64, H5T_NATIVE_INT64,
                           H5T_NATIVE_UINT8, H5T_NATIVE_DOUBLE, H5T_NATIVE_INT64};
  hsize_t size = (hsize_t)(s->ev_total + s->ev_n);
  int rc = CS_OK;
  if (s->ev_n == 0) return CS_OK;
  for (int c = 0; c < EC_COUNT; c++) {
    TRY(H5Dset_extent(s->ev_ds[c], &size), "extend dataset events/", ev_col_name[c]);
    if ((rc = ds_write_at(s, s->ev_ds[c], ev_col_name[c], 1, (hsize_t)s->ev_total, (hsize_t)s->ev_n,
                          mtype[c], col[c])))
      goto done;
  }
  s->ev_total += s->ev_n;
  s->ev_n = 0;
done:
  return rc;
}

static int sink_event(void *ud, const cs_event_rec *e) {
  cs_h5_sink *s = ud;
  ev_buf *b = s->ev;
  size_t i = s->ev_n;
  int rc;
  if (s->file < 0) return not_open(s);
  if (e->kind < 0 || e->kind >= CS_EK_COUNT)
    return s->failed = cs_err(s->ctx, CS_EINVAL, "HDF5 output '%s': event of unknown kind %d at t=%g",
                              s->path, e->kind, e->t);
  b->index[i] = (int64_t)(s->ev_total + i);
  b->t[i] = e->t;
  b->kind[i] = (uint8_t)e->kind;
  b->node[i] = e->node;
  b->actor[i] = e->actor;
  b->target[i] = e->target;
  b->deaths[i] = e->deaths;
  b->displaced[i] = e->displaced;
  b->observed[i] = (uint8_t)(e->observed != 0);
  b->report_time[i] = e->report_time;
  b->obs_deaths[i] = e->observed_deaths;
  if (++s->ev_n == EV_BLOCK && (rc = events_flush(s)) != CS_OK) return s->failed = rc;
  return CS_OK;
}

static int sink_end(void *ud, int status) {
  cs_h5_sink *s = ud;
  int rc = CS_OK;
  if (status != CS_OK) {
    discard(s);
    return status;
  }
  if (s->file < 0) return not_open(s);
  if (s->failed) {
    rc = s->failed;
    goto fail;
  }
  if (s->samples_written != s->n_samples) {
    rc = cs_err(s->ctx, CS_EINVAL, "HDF5 output '%s': the run wrote %d of %d samples", s->path,
                s->samples_written, s->n_samples);
    goto fail;
  }
  if ((rc = events_flush(s)) != CS_OK) goto fail;
  if (H5Fflush(s->file, H5F_SCOPE_GLOBAL) < 0) {
    rc = h5fail(s, "flush file", s->tmp_path);
    goto fail;
  }
  if ((rc = close_all(s, CS_OK)) != CS_OK) goto fail;
  if ((rc = fsync_path(s, s->tmp_path, O_RDONLY)) != CS_OK) goto fail;
  if (rename(s->tmp_path, s->path) != 0) {
    rc = cs_err(s->ctx, CS_EIO, "HDF5 output '%s': cannot rename '%s' into place: %s", s->path,
                s->tmp_path, strerror(errno));
    goto fail;
  }
  free(s->tmp_path);
  s->tmp_path = NULL;
  /* The file is in place; a failure here means it might not survive a crash. */
  return fsync_path(s, s->dir, O_RDONLY | O_DIRECTORY);
fail:
  discard(s);
  s->failed = rc;
  return rc;
}

/* ---- public ---- */

int cs_h5_sink_new(cs_ctx *ctx, const char *path, const cs_provenance *prov, cs_h5_sink **out,
                   cs_sink *sink) {
  cs_h5_sink *s;
  const char *slash;
  if (!path || !path[0] || !prov || !out || !sink)
    return cs_err(ctx, CS_EINVAL, "HDF5 output: no path or provenance given");
  if (!(s = calloc(1, sizeof *s))) return cs_err(ctx, CS_ENOMEM, "HDF5 output '%s': out of memory", path);
  s->ctx = ctx;
  s->file = s->str_type = H5I_INVALID_HID;
  for (int c = 0; c < CO_COUNT; c++) s->coord[c] = H5I_INVALID_HID;
  for (int c = 0; c < EC_COUNT; c++) s->ev_ds[c] = H5I_INVALID_HID;
  s->seed = prov->seed;
  s->replicate = prov->replicate;
  s->source_len = prov->scenario_source ? prov->source_len : 0;
  slash = strrchr(path, '/');
  s->path = dup_str(path, strlen(path));
  s->dir = slash ? dup_str(path, slash == path ? 1 : (size_t)(slash - path)) : dup_str(".", 1);
  s->scenario_path = dup_str(prov->scenario_path ? prov->scenario_path : "",
                             prov->scenario_path ? strlen(prov->scenario_path) : 0);
  s->source = dup_str(prov->scenario_source ? prov->scenario_source : "", s->source_len);
  if (prov->command_line) s->command_line = dup_str(prov->command_line, strlen(prov->command_line));
  if (!s->path || !s->dir || !s->scenario_path || !s->source || (prov->command_line && !s->command_line)) {
    cs_h5_sink_free(s);
    return cs_err(ctx, CS_ENOMEM, "HDF5 output '%s': out of memory", path);
  }
  /* We report HDF5 failures ourselves, with the path. */
  if (H5Eset_auto2(H5E_DEFAULT, NULL, NULL) < 0 || (s->str_type = H5Tcopy(H5T_C_S1)) < 0 ||
      H5Tset_size(s->str_type, H5T_VARIABLE) < 0 || H5Tset_cset(s->str_type, H5T_CSET_UTF8) < 0) {
    int rc = h5fail(s, "set up", "HDF5");
    cs_h5_sink_free(s);
    return rc;
  }
  sink->ud = s;
  sink->begin = sink_begin;
  sink->sample = sink_sample;
  sink->event = sink_event;
  sink->end = sink_end;
  *out = s;
  return CS_OK;
}

void cs_h5_sink_free(cs_h5_sink *s) {
  if (!s) return;
  discard(s);
  if (s->str_type >= 0) H5Tclose(s->str_type);
  free(s->command_line);
  free(s->source);
  free(s->scenario_path);
  free(s->dir);
  free(s->path);
  free(s);
}

void cs_sha256_hex(const void *data, size_t len, char hex[65]) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  static const char digits[] = "0123456789abcdef";
  hex[0] = '\0';
  if (!EVP_Digest(data ? data : "", len, md, &n, EVP_sha256(), NULL) || n != 32) return;
  for (unsigned i = 0; i < 32; i++) {
    hex[2 * i] = digits[md[i] >> 4];
    hex[2 * i + 1] = digits[md[i] & 15];
  }
  hex[64] = '\0';
}
