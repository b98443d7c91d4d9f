/* cs_h5.h: the HDF5 run file. One file per run, laid out as documented in
** output/README.md, readable by h5py, xarray (engine="h5netcdf") and h5dump.
**
** Crash safety: the file is written to a temporary name beside the final
** path and renamed into place only when the run completed (after fsync of
** the file and its directory); a failed run removes the temporary file and
** leaves any earlier file at the final path untouched. No wall-clock time is
** stored: the same scenario, seed and version give a byte-identical file. */
#ifndef CS_H5_H
#define CS_H5_H

#include "cs_layers.h"
#if defined(CS_LAYER) && CS_LAYER < CS_LAYER_IO
#error "cs_h5.h is the HDF5 layer's: only sim/io, sim/batch and sim/cli include it"
#endif

#include "cs_world.h"

/* A file the scenario read besides itself (a module or a data file). */
typedef struct cs_prov_file {
  const char *kind;   /* "module" or "data" */
  const char *path;   /* relative to the scenario's folder */
  const char *source; /* its text, or NULL if not kept (only the hash is) */
  uint64_t size;      /* bytes */
  const char *sha256; /* 64 lowercase hex digits */
} cs_prov_file;

typedef struct cs_provenance {
  const char *scenario_path;   /* as given on the command line */
  const char *scenario_source; /* the script's text */
  size_t source_len;
  uint64_t seed, replicate;
  const char *command_line;    /* may be NULL; not stored if NULL */
  const cs_prov_file *files;   /* in the order read; borrowed until
                                  cs_h5_sink_free (not copied) */
  size_t n_files;              /* 0: no group `provenance` in the file */
} cs_provenance;

typedef struct cs_h5_sink cs_h5_sink;

/* Prepare a sink writing to path. Nothing is created until the run begins.
** prov is copied, except prov->files (borrowed). Caller owns *out and sets up *sink to call it. */
int cs_h5_sink_new(cs_ctx *ctx, const char *path, const cs_provenance *prov,
                   cs_h5_sink **out, cs_sink *sink);
void cs_h5_sink_free(cs_h5_sink *s);

/* Which rows of the event log the file keeps (output/README.md, "How much
** of the log: events_level"): every row (the default); all but the rows of
** households (flight, relocation, return); none (the events group stays,
** with no rows). The model runs the same whatever the level: only the
** file's rows differ. */
enum { CS_H5_EVENTS_ALL, CS_H5_EVENTS_CONFLICT, CS_H5_EVENTS_NONE, CS_H5_EVENTS_COUNT };
/* The level called name ("all", "conflict", "none"), or -1. */
int cs_h5_events_level(const char *name);
/* The name of a level; NULL if there is none. */
const char *cs_h5_events_name(int level);
/* Keep the rows of level, from the next run on (call before it begins).
** CS_EINVAL, reported into the sink's ctx, for an unknown level. */
int cs_h5_sink_set_events(cs_h5_sink *s, int level);

/* SHA-256 of data as 64 lowercase hex digits plus NUL into hex[65]. */
void cs_sha256_hex(const void *data, size_t len, char hex[65]);

#endif
