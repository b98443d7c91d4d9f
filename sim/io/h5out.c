/* h5out.c: the HDF5 run-file sink of cs_h5.h. The layout is documented in
** output/README.md; keep the two in step. The provenance attributes, the
** parameters and the network are written by h5out_static.c (h5out_int.h).
**
** Invariants:
** - Nothing touches the file system before begin. From begin until end the
**   file lives at tmp_path ("<path>.tmp.<pid>", same directory as path).
**   Only end(CS_OK) moves it to path: close, fsync the file, rename, fsync
**   the directory. Every other way out (an error anywhere, end with a failure
**   status, free without end) unlinks tmp_path, so an earlier file at path
**   survives untouched.
** - Every chunk of the file's growing datasets is packed by the chunk
**   packer (h5pack.h: shuffle and deflate, on a worker thread when one can
**   be started) and written whole (H5Dwrite_chunk); the datasets declare the
**   same filters, so readers decode them as usual. One job is in flight at a
**   time (s->flight) and is written, in the order submitted, just before the
**   next is submitted or at end: the file's bytes do not depend on the thread.
** - Events are buffered EV_BLOCK (one chunk) at a time: a full block goes to
**   the packer while the next fills (two blocks, ev and ev_spare), with the
**   zlib strategy chosen per column (ev_cols). Memory stays bounded whatever
**   the length of the log.
** - Samples are buffered per variable for one chunk of rows; when a chunk is
**   complete (or the last sample came), the completed chunks of all
**   variables go to the packer as one job, with zlib's default strategy (the
**   bytes HDF5's own filter would make). Samples must come in order.
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
#include "h5out_int.h"
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

#define EV_BLOCK 4096 /* events per append; also the chunk length */
#define VAR_CHUNK_ELEMS 4096 /* target elements per chunk of a sampled variable */
#define VAR_CHUNK_ROWS 64    /* at most this many samples per chunk */

/* The events of one block, column by column (cs_h5_sink.ev). */
struct ev_buf {
  int64_t index[EV_BLOCK];
  double t[EV_BLOCK];
  uint8_t kind[EV_BLOCK];
  int32_t node[EV_BLOCK], actor[EV_BLOCK], target[EV_BLOCK];
  int64_t deaths[EV_BLOCK], displaced[EV_BLOCK];
  uint8_t observed[EV_BLOCK];
  double report_time[EV_BLOCK];
  int64_t obs_deaths[EV_BLOCK];
};

/* The current chunk of one variable: rows [start, start + n) of its
** dataset, each of ncol 8-byte values (int64 or double), at most `rows` of
** them (the dataset's chunk length). */
struct var_buf {
  unsigned char *data; /* rows * ncol * 8 bytes */
  hsize_t rows, ncol;
  hsize_t start, n;
};

enum { FLIGHT_NONE, FLIGHT_EVENTS, FLIGHT_VARS };

/* ---- errors ---- */

int cs_h5o_fail(cs_h5_sink *s, const char *what, const char *name) {
  return cs_h5u_fail(s->ctx, "HDF5 output", s->path, what, name);
}

/* Check an HDF5 call returning herr_t or hid_t; on failure report and leave. */
#define TRY(call, what, name)                                                    \
  do {                                                                           \
    if ((call) < 0) {                                                            \
      rc = cs_h5o_fail(s, what, name);                                           \
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

/* ---- small HDF5 helpers (h5out_int.h; h5out_static.c uses them too) ---- */

/* Write a scalar (n == 0) or 1-D attribute (h5util.h). */
int cs_h5o_attr(cs_h5_sink *s, hid_t obj, const char *name, hid_t ftype, hid_t mtype, size_t n,
                const void *buf) {
  return cs_h5u_attr(s->ctx, "HDF5 output", s->path, obj, name, ftype, mtype, n, buf);
}

int cs_h5o_attr_str(cs_h5_sink *s, hid_t obj, const char *name, const char *val) {
  const char *v = val ? val : "";
  return cs_h5o_attr(s, obj, name, s->str_type, s->str_type, 0, &v);
}

int cs_h5o_attr_f64(cs_h5_sink *s, hid_t obj, const char *name, double v) {
  return cs_h5o_attr(s, obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0, &v);
}

int cs_h5o_attr_i64(cs_h5_sink *s, hid_t obj, const char *name, int64_t v) {
  return cs_h5o_attr(s, obj, name, H5T_STD_I64LE, H5T_NATIVE_INT64, 0, &v);
}

int cs_h5o_attr_u64(cs_h5_sink *s, hid_t obj, const char *name, uint64_t v) {
  return cs_h5o_attr(s, obj, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, 0, &v);
}

int cs_h5o_attrs_doc(cs_h5_sink *s, hid_t obj, const char *units, const char *long_name) {
  int rc = CS_OK;
  if (units && units[0]) rc = cs_h5o_attr_str(s, obj, "units", units);
  if (rc == CS_OK) rc = cs_h5o_attr_str(s, obj, "long_name", long_name);
  return rc;
}

/* Create a group with time tracking off. */
int cs_h5o_group_new(cs_h5_sink *s, hid_t loc, const char *name, hid_t *out) {
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
int cs_h5o_dataset(cs_h5_sink *s, hid_t loc, const char *name, hid_t ftype, int rank,
                   const hsize_t *dims, const hsize_t *maxdims, const hsize_t *chunk, hid_t *out) {
  return cs_h5u_dataset(s->ctx, "HDF5 output", s->path, loc, name, ftype, rank, dims, maxdims, chunk, out);
}

/* Write buf (memory type mtype, n elements) into rows [start, start + n) of
** a 1-D dataset, or into row `start` of a 2-D dataset of n columns. */
int cs_h5o_write_at(cs_h5_sink *s, hid_t ds, const char *name, int rank, hsize_t start,
                    hsize_t n, hid_t mtype, const void *buf) {
  hsize_t off[2] = {start, 0}, cnt[2] = {rank == 1 ? n : 1, n};
  return cs_h5u_write_block(s->ctx, "HDF5 output", s->path, ds, name, rank, off, cnt, n, mtype, buf);
}

/* A fixed-size 1-D dataset of n strings, written at once; NULL entries of
** vals (the caller's scratch array) become "". *out (if non-NULL) receives
** the open dataset; else it is closed. */
int cs_h5o_strings(cs_h5_sink *s, hid_t loc, const char *name, size_t n, const char **vals,
                   const char *long_name, hid_t *out) {
  hid_t ds = H5I_INVALID_HID;
  hsize_t dim = n;
  int rc;
  for (size_t i = 0; i < n; i++)
    if (!vals[i]) vals[i] = "";
  rc = cs_h5o_dataset(s, loc, name, s->str_type, 1, &dim, NULL, NULL, &ds);
  if (rc == CS_OK) rc = cs_h5o_write_at(s, ds, name, 1, 0, n, s->str_type, vals);
  if (rc == CS_OK) rc = cs_h5o_attrs_doc(s, ds, NULL, long_name);
  if (rc == CS_OK && out) {
    *out = ds;
    return CS_OK;
  }
  if (ds >= 0 && H5Dclose(ds) < 0 && rc == CS_OK) rc = cs_h5o_fail(s, "close dataset", name);
  return rc;
}

int cs_h5o_scale_set(cs_h5_sink *s, hid_t ds, const char *name) {
  int rc = CS_OK;
  TRY(H5DSset_scale(ds, name), "make a dimension scale of", name);
done:
  return rc;
}

int cs_h5o_scale_attach(cs_h5_sink *s, hid_t ds, hid_t scale, unsigned idx, const char *name) {
  int rc = CS_OK;
  TRY(H5DSattach_scale(ds, scale, idx), "attach a dimension scale to", name);
done:
  return rc;
}

/* ---- begin: file, coordinates, variables, events (provenance, parameters
** and network: h5out_static.c) ---- */

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
    rc = cs_h5o_fail(s, "create temporary file", s->tmp_path);
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

/* A scalar uint64 dataset at the root with a long_name: the run's seed and
** replicate, scalar coordinates of every sampled variable (their
** `coordinates` attribute names them), so that runs stack along them. */
static int scalar_u64(cs_h5_sink *s, const char *name, uint64_t v, const char *long_name) {
  hid_t ds = H5I_INVALID_HID;
  int rc = cs_h5o_dataset(s, s->file, name, H5T_STD_U64LE, 0, NULL, NULL, NULL, &ds);
  if (rc == CS_OK && H5Dwrite(ds, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v) < 0)
    rc = cs_h5o_fail(s, "write", name);
  if (rc == CS_OK) rc = cs_h5o_attrs_doc(s, ds, NULL, long_name);
  if (ds >= 0 && H5Dclose(ds) < 0 && rc == CS_OK) rc = cs_h5o_fail(s, "close dataset", name);
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
  if ((rc = cs_h5o_dataset(s, s->file, "time", H5T_IEEE_F64LE, 1, &nt, NULL, NULL, &s->coord[CO_TIME])))
    goto done;
  if ((rc = cs_h5o_write_at(s, s->coord[CO_TIME], "time", 1, 0, nt, H5T_NATIVE_DOUBLE, tv))) goto done;
  if ((rc = cs_h5u_time_attrs(s->ctx, "HDF5 output", s->path, s->coord[CO_TIME], s->str_type, cs_world_start(w))))
    goto done;
  if ((rc = cs_h5o_scale_set(s, s->coord[CO_TIME], "time"))) goto done;
  if ((rc = scalar_u64(s, "seed", s->seed, "master seed of the run (--seed)")) ||
      (rc = scalar_u64(s, "replicate", s->replicate,
                       "replicate of the run (--replicate): its random streams derive from (seed, replicate)")))
    goto done;
  if (s->branched && (rc = scalar_u64(s, "branch", s->branch,
                                      "branch of the run (--branch-at, --branches): after branch_at its random "
                                      "streams derive from (seed, replicate, branch)")))
    goto done;

  for (int i = 0; i < s->n_nodes; i++) str[i] = cs_world_node_id(w, i);
  if ((rc = cs_h5o_strings(s, s->file, "node", (size_t)s->n_nodes, str, "neighbourhood id",
                        &s->coord[CO_NODE])))
    goto done;
  if ((rc = cs_h5o_scale_set(s, s->coord[CO_NODE], "node"))) goto done;
  for (int i = 0; i < s->n_gangs; i++) str[i] = cs_world_gang_id(w, i);
  if ((rc = cs_h5o_strings(s, s->file, "gang", (size_t)s->n_gangs, str, "gang id", &s->coord[CO_GANG])))
    goto done;
  if ((rc = cs_h5o_scale_set(s, s->coord[CO_GANG], "gang"))) goto done;
  for (int p = 0; p < n_parties; p++) str[p] = cs_world_party_name(w, p);
  if ((rc = cs_h5o_strings(s, s->file, "party", (size_t)n_parties, str,
                        "party: a party code p indexes this coordinate (0 STATE, 1 CONTESTED, "
                        "2 + g gang g)",
                        &s->coord[CO_PARTY])))
    goto done;
  if ((rc = cs_h5o_scale_set(s, s->coord[CO_PARTY], "party"))) goto done;

  /* Auxiliary coordinates, tied to the variables by their `coordinates` attribute. */
  static const char *const aux[3] = {"node_name", "node_commune", "gang_name"};
  for (int k = 0; k < 3; k++) {
    hid_t ds = H5I_INVALID_HID;
    int n = k < 2 ? s->n_nodes : s->n_gangs;
    for (int i = 0; i < n; i++)
      str[i] = k == 0 ? cs_world_node_name(w, i) : k == 1 ? cs_world_node_commune(w, i)
                                                          : cs_world_gang_name(w, i);
    rc = cs_h5o_strings(s, s->file, aux[k], (size_t)n, str,
                     k == 0 ? "neighbourhood display name" : k == 1 ? "commune" : "gang display name",
                     &ds);
    if (rc == CS_OK) rc = cs_h5o_scale_attach(s, ds, s->coord[k < 2 ? CO_NODE : CO_GANG], 0, aux[k]);
    if (ds >= 0 && H5Dclose(ds) < 0 && rc == CS_OK) rc = cs_h5o_fail(s, "close dataset", aux[k]);
    if (rc) goto done;
  }
done:
  free(tv);
  free(str);
  return rc;
}

static int vars_create(cs_h5_sink *s) {
  int rc = CS_OK;
  s->var_ds = malloc((size_t)(s->n_vars > 0 ? s->n_vars : 1) * sizeof *s->var_ds);
  if (!s->var_ds) return cs_err(s->ctx, CS_ENOMEM, "HDF5 output '%s': out of memory", s->path);
  for (int v = 0; v < s->n_vars; v++) s->var_ds[v] = H5I_INVALID_HID;
  s->vbuf = calloc((size_t)(s->n_vars > 0 ? s->n_vars : 1), sizeof *s->vbuf);
  s->n_items = s->n_vars > EC_COUNT ? s->n_vars : EC_COUNT;
  s->flight_var = calloc((size_t)s->n_items, sizeof *s->flight_var);
  s->items = calloc((size_t)s->n_items, sizeof *s->items);
  s->packed = calloc((size_t)s->n_items, sizeof *s->packed);
  s->packed_len = calloc((size_t)s->n_items, sizeof *s->packed_len);
  if (!s->vbuf || !s->flight_var || !s->items || !s->packed || !s->packed_len)
    return cs_err(s->ctx, CS_ENOMEM, "HDF5 output '%s': out of memory", s->path);
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
    s->vbuf[v].rows = ncol ? rows : 1;
    s->vbuf[v].ncol = ncol;
    if (ncol && !(s->vbuf[v].data = malloc((size_t)(rows * ncol) * 8)))
      return cs_err(s->ctx, CS_ENOMEM, "HDF5 output '%s': out of memory", s->path);
    /* A zero-length dimension (no gangs) cannot be chunked: leave it contiguous. */
    rc = cs_h5o_dataset(s, s->file, var->name, var->is_int ? H5T_STD_I64LE : H5T_IEEE_F64LE, rank, dims,
                NULL, ncol ? chunk : NULL, &s->var_ds[v]);
    if (rc == CS_OK) rc = cs_h5o_attrs_doc(s, s->var_ds[v], var->units, var->doc ? var->doc : "");
    if (rc == CS_OK)
      rc = cs_h5o_attr_str(s, s->var_ds[v], "coordinates",
                           var->dim == CS_DIM_NODE   ? (s->branched ? "node_name node_commune seed replicate branch"
                                                                    : "node_name node_commune seed replicate")
                           : var->dim == CS_DIM_GANG ? (s->branched ? "gang_name seed replicate branch"
                                                                    : "gang_name seed replicate")
                                                     : (s->branched ? "seed replicate branch" : "seed replicate"));
    if (rc == CS_OK) rc = cs_h5o_scale_attach(s, s->var_ds[v], s->coord[CO_TIME], 0, var->name);
    if (rc == CS_OK && rank == 2)
      rc = cs_h5o_scale_attach(s, s->var_ds[v], s->coord[var->dim == CS_DIM_NODE ? CO_NODE : CO_GANG], 1,
                        var->name);
  }
  return rc;
}

static const char *const ev_col_name[EC_COUNT] = {"event",  "time",   "kind",      "node",
                                                  "actor",  "target", "deaths",    "displaced",
                                                  "observed", "report_time", "observed_deaths"};

/* How each column's chunks are packed: element size, shuffle, zlib
** strategy. Not shuffled: the columns that are mostly -1 or NaN (actor,
** report_time, observed_deaths), whose repeated multi-byte sentinels deflate
** smaller and faster as they are. Run-length matches (RLE) suit shuffled
** numbers, whose repeats are runs of one byte; Huffman codes alone the
** one-byte codes; the default strategy the running index, whose repeats lie
** 256 bytes apart, and report_time. tests/bench/README.md, "Version 2's
** capital run", has the measurements. */
static const struct {
  size_t elem;
  int shuffle, strategy;
} ev_cols[EC_COUNT] = {
    {8, 1, CS_H5P_DEFAULT}, /* event */
    {8, 1, CS_H5P_RLE},     /* time */
    {1, 1, CS_H5P_HUFFMAN}, /* kind */
    {4, 1, CS_H5P_RLE},     /* node */
    {4, 0, CS_H5P_RLE},     /* actor */
    {4, 1, CS_H5P_RLE},     /* target */
    {8, 1, CS_H5P_RLE},     /* deaths */
    {8, 1, CS_H5P_RLE},     /* displaced */
    {1, 1, CS_H5P_HUFFMAN}, /* observed */
    {8, 0, CS_H5P_DEFAULT}, /* report_time */
    {8, 0, CS_H5P_RLE},     /* observed_deaths */
};

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

  if (!(s->ev = malloc(sizeof *s->ev)) || !(s->ev_spare = malloc(sizeof *s->ev_spare)))
    return cs_err(s->ctx, CS_ENOMEM, "HDF5 output '%s': out of memory", s->path);
  if ((rc = cs_h5o_group_new(s, s->file, "events", &g))) goto done;
  for (int c = 0; c < EC_COUNT && rc == CS_OK; c++) {
    rc = cs_h5u_dataset_shuffle(s->ctx, "HDF5 output", s->path, g, ev_col_name[c], ftype[c], 1, &zero, &unlim,
                                &chunk, ev_cols[c].shuffle, &s->ev_ds[c]);
    if (rc == CS_OK) rc = cs_h5o_attrs_doc(s, s->ev_ds[c], units[c], docs[c]);
    if (rc == CS_OK && (c == EC_NODE || c == EC_ACTOR || c == EC_TARGET || c == EC_OBS_DEATHS)) {
      /* -1 means none (or not reported): mark it missing, stored in the column's own
      ** type (HDF5 converts the native -1 exactly) */
      int64_t none = -1;
      rc = cs_h5u_fill(s->ctx, "HDF5 output", s->path, s->ev_ds[c], ftype[c], H5T_NATIVE_INT64, &none);
    }
    if (rc == CS_OK && c == EC_INDEX) rc = cs_h5o_scale_set(s, s->ev_ds[c], "event");
    if (rc == CS_OK && c != EC_INDEX)
      rc = cs_h5o_scale_attach(s, s->ev_ds[c], s->ev_ds[EC_INDEX], 0, ev_col_name[c]);
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
  if ((rc = cs_h5o_attr(s, s->ev_ds[EC_KIND], "flag_values", H5T_STD_U8LE, H5T_NATIVE_UINT8,
                       CS_EK_COUNT, flag_values)))
    goto done;
  rc = cs_h5o_attr_str(s, s->ev_ds[EC_KIND], "flag_meanings", meanings);
done:
  if (g >= 0 && H5Gclose(g) < 0 && rc == CS_OK) rc = cs_h5o_fail(s, "close group", "events");
  return rc;
}

/* ---- closing ---- */

/* Close every open handle; the first failure is reported unless rc is
** already an error. Returns rc or that failure. */
static int close_all(cs_h5_sink *s, int rc) {
  cs_h5pack_free(s->pack); /* first: its worker may still be reading a block */
  s->pack = NULL;
  if (s->var_ds) {
    for (int v = 0; v < s->n_vars; v++)
      if (s->var_ds[v] >= 0 && H5Dclose(s->var_ds[v]) < 0 && rc == CS_OK)
        rc = cs_h5o_fail(s, "close dataset", s->vars[v].name);
    free(s->var_ds);
    s->var_ds = NULL;
  }
  if (s->vbuf) {
    for (int v = 0; v < s->n_vars; v++) free(s->vbuf[v].data);
    free(s->vbuf);
    s->vbuf = NULL;
  }
  free(s->flight_var);
  free(s->items);
  free(s->packed);
  free(s->packed_len);
  s->flight_var = NULL;
  s->items = NULL;
  s->packed = NULL;
  s->packed_len = NULL;
  s->flight = FLIGHT_NONE;
  for (int c = 0; c < EC_COUNT; c++) {
    if (s->ev_ds[c] >= 0 && H5Dclose(s->ev_ds[c]) < 0 && rc == CS_OK)
      rc = cs_h5o_fail(s, "close dataset events/", ev_col_name[c]);
    s->ev_ds[c] = H5I_INVALID_HID;
  }
  for (int c = 0; c < CO_COUNT; c++) {
    if (s->coord[c] >= 0 && H5Dclose(s->coord[c]) < 0 && rc == CS_OK)
      rc = cs_h5o_fail(s, "close coordinate", "time/node/gang/party");
    s->coord[c] = H5I_INVALID_HID;
  }
  if (s->file >= 0 && H5Fclose(s->file) < 0 && rc == CS_OK) rc = cs_h5o_fail(s, "close file", s->tmp_path);
  s->file = H5I_INVALID_HID;
  free(s->ev);
  free(s->ev_spare);
  s->ev = s->ev_spare = NULL;
  s->ev_n = s->flight_n = 0;
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

/* The packer, for jobs of every event column or every variable, each item
** at most a chunk of events' widest column or a variable's chunk. */
static int pack_create(cs_h5_sink *s) {
  size_t max_bytes = EV_BLOCK * 8;
  for (int v = 0; v < s->n_vars; v++)
    if (s->vbuf[v].rows * s->vbuf[v].ncol * 8 > max_bytes) max_bytes = s->vbuf[v].rows * s->vbuf[v].ncol * 8;
  return cs_h5pack_new(s->ctx, s->n_items, max_bytes, 1, &s->pack);
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
  s->ev_n = s->flight_n = 0;
  s->flight = FLIGHT_NONE;
  s->vars = cs_world_vars(&s->n_vars);
  s->branched = cs_world_branch(w, &s->branch_at, &s->branch);
  if (s->n_nodes < 0 || s->n_gangs < 0 || s->n_samples < 1 || s->n_vars < 0)
    return s->failed = cs_err(s->ctx, CS_EINVAL, "HDF5 output '%s': world not finalized", s->path);
  if ((rc = check_paths(s)) == CS_OK && (rc = file_create(s)) == CS_OK &&
      (rc = coords_write(s, w)) == CS_OK && (rc = cs_h5o_provenance_write(s, w)) == CS_OK &&
      (rc = cs_h5o_parameters_write(s, w)) == CS_OK && (rc = cs_h5o_network_write(s, w)) == CS_OK &&
      (rc = cs_h5o_rivalries_write(s, w)) == CS_OK &&
      (rc = vars_create(s)) == CS_OK && (rc = events_create(s)) == CS_OK)
    rc = pack_create(s);
  if (rc != CS_OK) {
    discard(s);
    s->failed = rc;
  }
  return rc;
}

/* Write the packer's job in flight, if any: every event column's chunk at
** rows [ev_total - flight_n, ev_total), or the chunk of each variable of
** the job. */
static int drain(cs_h5_sink *s) {
  const unsigned char **out = s->packed;
  size_t *len = s->packed_len, n_items = s->flight_n;
  int rc = CS_OK, kind = s->flight;
  if (kind == FLIGHT_NONE) return CS_OK;
  s->flight = FLIGHT_NONE;
  if ((rc = cs_h5pack_collect(s->pack, out, len)) != CS_OK) goto done;
  if (kind == FLIGHT_EVENTS) {
    hsize_t first = (hsize_t)(s->ev_total - s->flight_n), size = (hsize_t)s->ev_total;
    for (int c = 0; c < EC_COUNT; c++) {
      TRY(H5Dset_extent(s->ev_ds[c], &size), "extend dataset events/", ev_col_name[c]);
      TRY(H5Dwrite_chunk(s->ev_ds[c], H5P_DEFAULT, 0, &first, len[c], out[c]), "write a chunk of events/",
          ev_col_name[c]);
    }
  } else {
    for (size_t i = 0; i < n_items; i++) {
      int v = s->flight_var[i];
      hsize_t off[2] = {s->vbuf[v].start, 0};
      TRY(H5Dwrite_chunk(s->var_ds[v], H5P_DEFAULT, 0, off, len[i], out[i]), "write a chunk of", s->vars[v].name);
      s->vbuf[v].n = 0; /* the buffer is free again */
    }
  }
done:
  return rc;
}

static int sink_sample(void *ud, const cs_sample *smp) {
  cs_h5_sink *s = ud;
  int rc = CS_OK, n_done = 0;
  cs_h5p_item *items = s->items;
  if (s->file < 0) return not_open(s);
  if (smp->index != s->samples_written || smp->index >= s->n_samples || smp->n_vars != s->n_vars) {
    rc = cs_err(s->ctx, CS_EINVAL, "HDF5 output '%s': sample %d with %d variables (expected %d, %d)", s->path,
                smp->index, smp->n_vars, s->samples_written, s->n_vars);
    goto done;
  }
  /* a job of variables' chunks still in flight holds their buffers */
  if (s->flight == FLIGHT_VARS && (rc = drain(s)) != CS_OK) goto done;
  hsize_t i = (hsize_t)smp->index;
  int last = smp->index + 1 == s->n_samples;
  for (int v = 0; v < s->n_vars; v++) {
    var_buf *b = &s->vbuf[v];
    if (!b->ncol) continue; /* no columns (no gangs): nothing to write */
    if (!b->n) b->start = i;
    memcpy(b->data + (size_t)(b->n * b->ncol) * 8, smp->data[v], (size_t)b->ncol * 8);
    b->n++;
    if (b->n == b->rows || last) n_done++;
  }
  if (n_done) { /* hand the completed chunks to the packer, after the job before them */
    if ((rc = drain(s)) != CS_OK) goto done;
    n_done = 0;
    for (int v = 0; v < s->n_vars; v++) {
      var_buf *b = &s->vbuf[v];
      if (!b->ncol || (b->n != b->rows && !last)) continue;
      /* a last chunk's rows past the run are zeros, as HDF5 fills them */
      memset(b->data + (size_t)(b->n * b->ncol) * 8, 0, (size_t)((b->rows - b->n) * b->ncol) * 8);
      items[n_done] = (cs_h5p_item){b->data, (size_t)(b->rows * b->ncol), 8, 1, CS_H5P_DEFAULT};
      s->flight_var[n_done++] = v;
    }
    if ((rc = cs_h5pack_submit(s->pack, items, n_done)) != CS_OK) goto done;
    s->flight = FLIGHT_VARS;
    s->flight_n = (size_t)n_done;
  }
  s->samples_written++;
done:
  if (rc != CS_OK) s->failed = rc;
  return rc;
}

/* Hand the buffered events (a full block, or the last one) to the packer,
** after writing the job before them. The rows of a last block past ev_n
** are zeros, as HDF5 fills the unwritten part of a chunk (the datasets'
** fill value is the default, 0; _FillValue is an attribute only). */
static int events_flush(cs_h5_sink *s) {
  cs_h5p_item items[EC_COUNT];
  ev_buf *b = s->ev;
  size_t n = s->ev_n, pad = EV_BLOCK - n;
  const void *col[EC_COUNT] = {b->index,  b->t,         b->kind,     b->node,        b->actor,     b->target,
                               b->deaths, b->displaced, b->observed, b->report_time, b->obs_deaths};
  int rc;
  if ((rc = drain(s)) != CS_OK || n == 0) return rc;
  if (pad) {
    memset(b->index + n, 0, pad * sizeof *b->index);
    memset(b->t + n, 0, pad * sizeof *b->t);
    memset(b->kind + n, 0, pad * sizeof *b->kind);
    memset(b->node + n, 0, pad * sizeof *b->node);
    memset(b->actor + n, 0, pad * sizeof *b->actor);
    memset(b->target + n, 0, pad * sizeof *b->target);
    memset(b->deaths + n, 0, pad * sizeof *b->deaths);
    memset(b->displaced + n, 0, pad * sizeof *b->displaced);
    memset(b->observed + n, 0, pad * sizeof *b->observed);
    memset(b->report_time + n, 0, pad * sizeof *b->report_time);
    memset(b->obs_deaths + n, 0, pad * sizeof *b->obs_deaths);
  }
  for (int c = 0; c < EC_COUNT; c++)
    items[c] = (cs_h5p_item){col[c], EV_BLOCK, ev_cols[c].elem, ev_cols[c].shuffle, ev_cols[c].strategy};
  if ((rc = cs_h5pack_submit(s->pack, items, EC_COUNT)) != CS_OK) return rc;
  s->flight = FLIGHT_EVENTS;
  s->flight_n = n; /* events (the job has EC_COUNT items) */
  s->ev_total += n;
  s->ev = s->ev_spare; /* fill the other block meanwhile */
  s->ev_spare = b;
  s->ev_n = 0;
  return CS_OK;
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
  if (s->events_level == CS_H5_EVENTS_NONE ||
      (s->events_level == CS_H5_EVENTS_CONFLICT &&
       (e->kind == CS_EK_FLIGHT || e->kind == CS_EK_RELOCATION || e->kind == CS_EK_RETURN)))
    return CS_OK; /* a row this level leaves out */
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
  if ((rc = events_flush(s)) != CS_OK || (rc = drain(s)) != CS_OK) goto fail;
  if (H5Fflush(s->file, H5F_SCOPE_GLOBAL) < 0) {
    rc = cs_h5o_fail(s, "flush file", s->tmp_path);
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
  s->files = prov->files;
  s->n_files = prov->files ? prov->n_files : 0;
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
    int rc = cs_h5o_fail(s, "set up", "HDF5");
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

static const char *const events_names[CS_H5_EVENTS_COUNT] = {"all", "conflict", "none"};

int cs_h5_events_level(const char *name) {
  for (int l = 0; name && l < CS_H5_EVENTS_COUNT; l++)
    if (strcmp(name, events_names[l]) == 0) return l;
  return -1;
}

const char *cs_h5_events_name(int level) {
  return level >= 0 && level < CS_H5_EVENTS_COUNT ? events_names[level] : NULL;
}

int cs_h5_sink_set_events(cs_h5_sink *s, int level) {
  if (!cs_h5_events_name(level))
    return cs_err(s->ctx, CS_EINVAL, "HDF5 output '%s': unknown events level %d", s->path, level);
  s->events_level = level;
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
