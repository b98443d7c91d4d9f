/* h5util.h: the HDF5 helpers every writer shares (run file, sweep file,
** compare report): error messages from HDF5's error stack, attributes,
** dataset creation, block writes, and fsync of a path. Private to sim/. */
#ifndef CS_H5UTIL_H
#define CS_H5UTIL_H

#include <hdf5.h>

#include "cs_common.h"

/* Report a failed HDF5 call into ctx as "<label> '<path>': cannot <what>
** '<name>': <innermost HDF5 message>" and return CS_EIO. Must run before any
** other HDF5 call, since each API call clears the error stack it reads. */
int cs_h5u_fail(cs_ctx *ctx, const char *label, const char *path, const char *what, const char *name);

/* Write a scalar (n == 0) or 1-D attribute named name on obj. For strings
** pass a string type as ftype and mtype and buf = an array of const char *.
** Errors as cs_h5u_fail. */
int cs_h5u_attr(cs_ctx *ctx, const char *label, const char *path, hid_t obj, const char *name, hid_t ftype,
                hid_t mtype, size_t n, const void *buf);

/* Create dataset `name` in loc: shape dims (rank 0: a scalar, dims unread;
** maxdims NULL: fixed size),
** object time stamps off (so equal inputs give byte-identical files), and,
** when chunk is not NULL, chunked with shuffle and deflate level 1. The
** caller owns *out (H5Dclose). Errors as cs_h5u_fail. */
int cs_h5u_dataset(cs_ctx *ctx, const char *label, const char *path, hid_t loc, const char *name, hid_t ftype,
                   int rank, const hsize_t *dims, const hsize_t *maxdims, const hsize_t *chunk, hid_t *out);
/* The same, with the shuffle filter only if shuffle is non-zero (deflate
** always, when chunked). Shuffling groups the bytes of equal rank: it helps
** numbers whose high bytes repeat, and hurts columns that are mostly one
** repeated multi-byte value (-1, NaN), whose unshuffled runs deflate both
** smaller and faster. */
int cs_h5u_dataset_shuffle(cs_ctx *ctx, const char *label, const char *path, hid_t loc, const char *name,
                           hid_t ftype, int rank, const hsize_t *dims, const hsize_t *maxdims,
                           const hsize_t *chunk, int shuffle, hid_t *out);

/* Write n elements of buf (memory type mtype) into the block of ds that
** starts at off and has shape cnt (rank dimensions whose product is n).
** n == 0 writes nothing. Errors as cs_h5u_fail. */
int cs_h5u_write_block(cs_ctx *ctx, const char *label, const char *path, hid_t ds, const char *name, int rank,
                       const hsize_t *off, const hsize_t *cnt, hsize_t n, hid_t mtype, const void *buf);

/* Label dataset `name` in loc with dimension scales: dimension i gets the 1-D
** dataset dims[i] of loc, made a dimension scale (named after itself) if it is
** not one yet, so that xarray and netCDF readers see named, labelled axes.
** name == dims[0] (rank 1) only makes name a scale.
** Errors as cs_h5u_fail. */
int cs_h5u_dims(cs_ctx *ctx, const char *label, const char *path, hid_t loc, const char *name, int rank,
                const char *const *dims);

/* The CF attributes of a time axis in days, on obj (the dataset): with a
** start date "YYYY-MM-DD", units = "days since YYYY-MM-DD 00:00:00" and
** calendar = "proleptic_gregorian" (the model's calendar: cs_world_day_of),
** so CF readers decode dates; without one (start NULL or ""), units = "days".
** units and calendar are fixed-length ASCII (netCDF's NC_CHAR), which
** netCDF's date tools require (`ncdump -t`); then long_name, of str_type
** (variable-length, as every other string attribute). A start that
** is not YYYY-MM-DD is CS_EINVAL; other errors as cs_h5u_fail. */
int cs_h5u_time_attrs(cs_ctx *ctx, const char *label, const char *path, hid_t obj, hid_t str_type,
                      const char *start);

/* Mark the sentinel *v of dataset ds as missing: the attributes _FillValue
** and missing_value, both of ds's own type ftype (netCDF readers refuse
** another type), from *v of memory type mtype. xarray, netCDF-C and R's
** ncdf4 then read the sentinel as missing. Errors as cs_h5u_fail. */
int cs_h5u_fill(cs_ctx *ctx, const char *label, const char *path, hid_t ds, hid_t ftype, hid_t mtype,
                const void *v);

/* open(p, flags), fsync, close; CS_EIO with the reason on failure. */
int cs_h5u_fsync_path(cs_ctx *ctx, const char *label, const char *path, const char *p, int flags);

#endif
