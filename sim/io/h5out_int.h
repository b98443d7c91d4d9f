/* h5out_int.h: the run-file sink's private state and helpers, for
** sim/io/h5out*.c only.
**
** h5out.c owns the sink: its life cycle (new, begin, sample, event, end,
** free), the temporary file and its renaming into place, and every HDF5
** handle kept open across callbacks (the file, the coordinates, the sampled
** variables, the event columns). h5out_static.c writes, at begin, the parts of
** the file that describe the run and never change during it (provenance,
** parameters, network); it keeps no handle in the sink.
**
** Invariants (see h5out.c for the file's):
** - Every helper reports a failure into s->ctx as "HDF5 output 'PATH': ..."
**   and returns the error code; none leaves a handle open on failure except
**   through *out, which the caller then owns.
** - Helpers write little-endian file types and turn object time tracking off,
**   so equal inputs give equal bytes. */
#ifndef CS_H5OUT_INT_H
#define CS_H5OUT_INT_H

#include "cs_layers.h"
#if defined(CS_LAYER) && CS_LAYER != CS_LAYER_IO
#error "h5out_int.h is private to sim/io (batch and cli share h5util.h only)"
#endif

#include <hdf5.h>

#include "cs_h5.h"
#include "h5pack.h"

/* Columns of the events group, and the root coordinates. */
enum { EC_INDEX, EC_TIME, EC_KIND, EC_NODE, EC_ACTOR, EC_TARGET, EC_DEATHS, EC_DISPLACED, EC_OBSERVED,
       EC_REPORT_TIME, EC_OBS_DEATHS, EC_COUNT };
enum { CO_TIME, CO_NODE, CO_GANG, CO_PARTY, CO_COUNT };

typedef struct ev_buf ev_buf; /* h5out.c */
typedef struct var_buf var_buf; /* h5out.c */

struct cs_h5_sink {
  cs_ctx *ctx;           /* borrowed from cs_h5_sink_new */
  char *path;            /* final path */
  char *dir;             /* its directory ("." if none) */
  char *tmp_path;        /* non-NULL while a temporary file exists */
  char *scenario_path;   /* provenance, owned copies */
  char *source;
  size_t source_len;
  char *command_line;    /* NULL if none */
  const cs_prov_file *files; /* borrowed from the provenance given */
  size_t n_files;
  uint64_t seed, replicate;
  int branched;          /* the run branches (cs_world_branch): a scalar `branch` too */
  double branch_at;      /* its day and id, set at begin */
  uint64_t branch;
  hid_t file;            /* open between begin and end */
  hid_t str_type;        /* variable-length UTF-8 string */
  hid_t coord[CO_COUNT]; /* root dimension scales, open while the file is */
  const cs_var *vars;    /* the model's static table */
  int n_vars;
  hid_t *var_ds;         /* [n_vars] */
  var_buf *vbuf;         /* [n_vars]: the rows of each variable's current chunk */
  int n_nodes, n_gangs, n_samples;
  int samples_written;
  hid_t ev_ds[EC_COUNT]; /* events/<column>; EC_INDEX is the `event` scale */
  ev_buf *ev;            /* the block being filled: ev_n events */
  size_t ev_n;
  ev_buf *ev_spare;      /* the block in flight (being packed), then the next to fill */
  uint64_t ev_total;     /* events handed to the packer (in the file, or in flight) */
  cs_h5pack *pack;       /* packs every chunk of events and variables (h5pack.h) */
  int flight;            /* the packer's job in flight: FLIGHT_NONE, _EVENTS or _VARS (h5out.c) */
  size_t flight_n;       /* FLIGHT_EVENTS: its events; FLIGHT_VARS: its variables */
  int *flight_var;       /* [n_items] FLIGHT_VARS: the variable of each item */
  cs_h5p_item *items;    /* [n_items] scratch: a job's items */
  const unsigned char **packed; /* [n_items] a collected job's chunks */
  size_t *packed_len;    /* [n_items] their lengths */
  int n_items;           /* the largest job: max(EC_COUNT, n_vars) */
  int events_level;      /* CS_H5_EVENTS_*: which rows are written */
  int failed;            /* first error code once the run failed, else 0 */
};

/* ---- h5out.c: helpers (each returns CS_OK or the error reported) ---- */

/* Report the failed HDF5 call just made ("cannot WHAT 'NAME': ..."); CS_EIO. */
int cs_h5o_fail(cs_h5_sink *s, const char *what, const char *name);
/* Write a scalar (n == 0) or 1-D attribute (cs_h5u_attr). */
int cs_h5o_attr(cs_h5_sink *s, hid_t obj, const char *name, hid_t ftype, hid_t mtype, size_t n,
                const void *buf);
/* Scalar attributes: a UTF-8 string (NULL writes ""), f64, i64, u64. */
int cs_h5o_attr_str(cs_h5_sink *s, hid_t obj, const char *name, const char *val);
int cs_h5o_attr_f64(cs_h5_sink *s, hid_t obj, const char *name, double v);
int cs_h5o_attr_i64(cs_h5_sink *s, hid_t obj, const char *name, int64_t v);
int cs_h5o_attr_u64(cs_h5_sink *s, hid_t obj, const char *name, uint64_t v);
/* The CF attributes units (skipped if NULL or "") and long_name. */
int cs_h5o_attrs_doc(cs_h5_sink *s, hid_t obj, const char *units, const char *long_name);
/* Create group name in loc; the caller owns *out (H5Gclose). */
int cs_h5o_group_new(cs_h5_sink *s, hid_t loc, const char *name, hid_t *out);
/* Create a dataset (cs_h5u_dataset); the caller owns *out (H5Dclose). */
int cs_h5o_dataset(cs_h5_sink *s, hid_t loc, const char *name, hid_t ftype, int rank, const hsize_t *dims,
                   const hsize_t *maxdims, const hsize_t *chunk, hid_t *out);
/* Write n elements into rows [start, start + n) of a 1-D dataset, or into
** row start of a 2-D dataset of n columns. */
int cs_h5o_write_at(cs_h5_sink *s, hid_t ds, const char *name, int rank, hsize_t start, hsize_t n,
                    hid_t mtype, const void *buf);
/* A fixed-size 1-D dataset of n strings with a long_name; NULL entries of
** vals (the caller's scratch array) become "". If out is not NULL the caller
** owns *out on CS_OK; else the dataset is closed. */
int cs_h5o_strings(cs_h5_sink *s, hid_t loc, const char *name, size_t n, const char **vals,
                   const char *long_name, hid_t *out);
/* Make ds a dimension scale named name; attach scale to dimension idx of ds. */
int cs_h5o_scale_set(cs_h5_sink *s, hid_t ds, const char *name);
int cs_h5o_scale_attach(cs_h5_sink *s, hid_t ds, hid_t scale, unsigned idx, const char *name);

/* ---- h5out_static.c: written once at begin, into s->file ---- */

/* Root attributes: conventions, version, scenario name, path, source and its
** SHA-256, seed, replicate, days, sample_every, command line; and, if the
** scenario read modules or data files, the group `provenance` listing them. */
int cs_h5o_provenance_write(cs_h5_sink *s, const cs_world *w);
/* Groups parameters (one attribute per parameter) and parameter_info. */
int cs_h5o_parameters_write(cs_h5_sink *s, const cs_world *w);
/* Group network: node positions and the roads. */
int cs_h5o_network_write(cs_h5_sink *s, const cs_world *w);
int cs_h5o_rivalries_write(cs_h5_sink *s, const cs_world *w);

#endif
