/* h5util.c: HDF5 helpers shared by the writers (see h5util.h). */
#define _POSIX_C_SOURCE 200809L
#include "h5util.h"

#include <hdf5_hl.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static herr_t innermost(unsigned n, const H5E_error2_t *e, void *ud) {
  if (n == 0 && e->desc) snprintf((char *)ud, 256, "%s", e->desc);
  return 0;
}

int cs_h5u_fail(cs_ctx *ctx, const char *label, const char *path, const char *what, const char *name) {
  char detail[256] = "";
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost, detail);
  H5Eclear2(H5E_DEFAULT);
  return cs_err(ctx, CS_EIO, "%s '%s': cannot %s '%s'%s%s", label, path, what, name, detail[0] ? ": " : "",
                detail);
}

int cs_h5u_attr(cs_ctx *ctx, const char *label, const char *path, hid_t obj, const char *name, hid_t ftype,
                hid_t mtype, size_t n, const void *buf) {
  hid_t space = H5I_INVALID_HID, attr = H5I_INVALID_HID;
  hsize_t dim = n;
  int rc = CS_OK;
  if ((space = n ? H5Screate_simple(1, &dim, NULL) : H5Screate(H5S_SCALAR)) < 0 ||
      (attr = H5Acreate2(obj, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT)) < 0)
    rc = cs_h5u_fail(ctx, label, path, "create attribute", name);
  else if (H5Awrite(attr, mtype, buf) < 0)
    rc = cs_h5u_fail(ctx, label, path, "write attribute", name);
  if (attr >= 0 && H5Aclose(attr) < 0 && rc == CS_OK) rc = cs_h5u_fail(ctx, label, path, "close attribute", name);
  if (space >= 0) H5Sclose(space);
  return rc;
}

int cs_h5u_dataset(cs_ctx *ctx, const char *label, const char *path, hid_t loc, const char *name, hid_t ftype,
                   int rank, const hsize_t *dims, const hsize_t *maxdims, const hsize_t *chunk, hid_t *out) {
  return cs_h5u_dataset_shuffle(ctx, label, path, loc, name, ftype, rank, dims, maxdims, chunk, 1, out);
}

int cs_h5u_dataset_shuffle(cs_ctx *ctx, const char *label, const char *path, hid_t loc, const char *name,
                           hid_t ftype, int rank, const hsize_t *dims, const hsize_t *maxdims,
                           const hsize_t *chunk, int shuffle, hid_t *out) {
  hid_t space = H5I_INVALID_HID, dcpl = H5I_INVALID_HID, ds = H5I_INVALID_HID;
  int rc = CS_OK;
  if ((space = rank ? H5Screate_simple(rank, dims, maxdims) : H5Screate(H5S_SCALAR)) < 0 ||
      (dcpl = H5Pcreate(H5P_DATASET_CREATE)) < 0 ||
      H5Pset_obj_track_times(dcpl, 0) < 0)
    rc = cs_h5u_fail(ctx, label, path, "create dataset", name);
  else if (chunk && (H5Pset_chunk(dcpl, rank, chunk) < 0 || (shuffle && H5Pset_shuffle(dcpl) < 0) ||
                     H5Pset_deflate(dcpl, 1) < 0))
    rc = cs_h5u_fail(ctx, label, path, "set chunking and compression of", name);
  else if ((ds = H5Dcreate2(loc, name, ftype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT)) < 0)
    rc = cs_h5u_fail(ctx, label, path, "create dataset", name);
  else
    *out = ds;
  if (dcpl >= 0) H5Pclose(dcpl);
  if (space >= 0) H5Sclose(space);
  return rc;
}

int cs_h5u_write_block(cs_ctx *ctx, const char *label, const char *path, hid_t ds, const char *name, int rank,
                       const hsize_t *off, const hsize_t *cnt, hsize_t n, hid_t mtype, const void *buf) {
  hid_t fs = H5I_INVALID_HID, ms = H5I_INVALID_HID;
  int rc = CS_OK;
  if (n == 0) return CS_OK;
  if ((fs = H5Dget_space(ds)) < 0 || H5Sselect_hyperslab(fs, H5S_SELECT_SET, off, NULL, cnt, NULL) < 0)
    rc = cs_h5u_fail(ctx, label, path, "select in", name);
  /* The memory space has the block's own shape: with a 1-D memory space
  ** against a 2-D selection HDF5 maps chunks element by element (most of a
  ** sampled row's cost); with equal shapes it maps them in one pass. The
  ** elements and their order are the same either way. */
  else if ((ms = H5Screate_simple(rank, cnt, NULL)) < 0 || H5Dwrite(ds, mtype, ms, fs, H5P_DEFAULT, buf) < 0)
    rc = cs_h5u_fail(ctx, label, path, "write", name);
  if (ms >= 0) H5Sclose(ms);
  if (fs >= 0) H5Sclose(fs);
  return rc;
}

int cs_h5u_fsync_path(cs_ctx *ctx, const char *label, const char *path, const char *p, int flags) {
  int fd = open(p, flags);
  if (fd < 0 || fsync(fd) != 0) {
    int e = errno;
    if (fd >= 0) close(fd);
    return cs_err(ctx, CS_EIO, "%s '%s': cannot fsync '%s': %s", label, path, p, strerror(e));
  }
  if (close(fd) != 0) return cs_err(ctx, CS_EIO, "%s '%s': cannot close '%s': %s", label, path, p, strerror(errno));
  return CS_OK;
}

int cs_h5u_dims(cs_ctx *ctx, const char *label, const char *path, hid_t loc, const char *name, int rank,
                const char *const *dims) {
  hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
  if (d < 0) return cs_h5u_fail(ctx, label, path, "open dataset", name);
  int rc = CS_OK;
  for (int i = 0; i < rank && rc == CS_OK; i++) {
    hid_t sc = H5Dopen2(loc, dims[i], H5P_DEFAULT);
    if (sc < 0) rc = cs_h5u_fail(ctx, label, path, "open dimension scale", dims[i]);
    else {
      htri_t is = H5DSis_scale(sc);
      if (is < 0 || (!is && H5DSset_scale(sc, dims[i]) < 0))
        rc = cs_h5u_fail(ctx, label, path, "make a dimension scale of", dims[i]);
      else if (strcmp(name, dims[i]) != 0 && H5DSattach_scale(d, sc, (unsigned)i) < 0)
        rc = cs_h5u_fail(ctx, label, path, "attach a dimension scale to", name);
      if (H5Dclose(sc) < 0 && rc == CS_OK) rc = cs_h5u_fail(ctx, label, path, "close", dims[i]);
    }
  }
  if (H5Dclose(d) < 0 && rc == CS_OK) rc = cs_h5u_fail(ctx, label, path, "close", name);
  return rc;
}

/* A scalar attribute holding text as a fixed-length ASCII string (netCDF's
** NC_CHAR, not the NC_STRING of a variable-length string). */
static int attr_char(cs_ctx *ctx, const char *label, const char *path, hid_t obj, const char *name,
                     const char *text) {
  hid_t t = H5Tcopy(H5T_C_S1);
  int rc;
  if (t < 0 || H5Tset_size(t, strlen(text)) < 0 || H5Tset_strpad(t, H5T_STR_NULLPAD) < 0 ||
      H5Tset_cset(t, H5T_CSET_ASCII) < 0)
    rc = cs_h5u_fail(ctx, label, path, "make the type of attribute", name);
  else
    rc = cs_h5u_attr(ctx, label, path, obj, name, t, t, 0, text);
  if (t >= 0) H5Tclose(t);
  return rc;
}

int cs_h5u_time_attrs(cs_ctx *ctx, const char *label, const char *path, hid_t obj, hid_t str_type,
                      const char *start) {
  char units[48] = "days";
  const char *doc = "time since the start of the run (day 0 is the scenario's start date, if it has one)";
  int rc;
  if (start && start[0]) {
    int y, m, d, n = 0;
    if (strlen(start) != 10 || sscanf(start, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10)
      return cs_err(ctx, CS_EINVAL, "%s '%s': start date '%s' is not YYYY-MM-DD", label, path, start);
    snprintf(units, sizeof units, "days since %s 00:00:00", start);
  }
  if ((rc = attr_char(ctx, label, path, obj, "units", units))) return rc;
  if (start && start[0] && (rc = attr_char(ctx, label, path, obj, "calendar", "proleptic_gregorian"))) return rc;
  return cs_h5u_attr(ctx, label, path, obj, "long_name", str_type, str_type, 0, &doc);
}

int cs_h5u_fill(cs_ctx *ctx, const char *label, const char *path, hid_t ds, hid_t ftype, hid_t mtype,
                const void *v) {
  int rc = cs_h5u_attr(ctx, label, path, ds, "_FillValue", ftype, mtype, 0, v);
  return rc ? rc : cs_h5u_attr(ctx, label, path, ds, "missing_value", ftype, mtype, 0, v);
}
