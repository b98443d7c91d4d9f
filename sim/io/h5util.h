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

/* Create dataset `name` in loc: shape dims (maxdims NULL: fixed size),
** object time stamps off (so equal inputs give byte-identical files), and,
** when chunk is not NULL, chunked with shuffle and deflate level 4. The
** caller owns *out (H5Dclose). Errors as cs_h5u_fail. */
int cs_h5u_dataset(cs_ctx *ctx, const char *label, const char *path, hid_t loc, const char *name, hid_t ftype,
                   int rank, const hsize_t *dims, const hsize_t *maxdims, const hsize_t *chunk, hid_t *out);

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

/* open(p, flags), fsync, close; CS_EIO with the reason on failure. */
int cs_h5u_fsync_path(cs_ctx *ctx, const char *label, const char *path, const char *p, int flags);

#endif
